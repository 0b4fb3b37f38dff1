"""The traffic split meter: X vs Y as a bar, the configured weights, the observed share.

The observed share is Y's part of the requests in the last judged window. It is compared
with the weights only when that window ran entirely under the current weights (after a
step change the previous step's window is shown dimmed, never flagged); a gap of more
than ``WARN_POINTS`` means the load balancer is not doing what it was told (sticky
connections, a node out of rotation, weights ignored) and gets a visible warning.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from rollout.i18n import _
from rollout.phases import Phase
from rollout.snapshot import Snapshot

from .base import SnapshotView

WARN_POINTS = 2.0


def observed_is_current(snap: Snapshot) -> bool:
    """Did the last judged window run entirely under the weights in force now?"""
    verdict = snap.last_verdict
    if verdict is None or snap.observed_y is None:
        return False
    if snap.phase == Phase.WATCH:
        return True
    if snap.phase == Phase.PAUSED and snap.paused_from in (Phase.SHIFT, Phase.WATCH):
        # a pause holds the weights and the gates keep judging: a fresh window ran under these weights
        return snap.applied == snap.desired and snap.now - verdict.end <= 2 * max(verdict.end - verdict.start, 1.0)
    if snap.phase != Phase.SHIFT or snap.bake_remaining is None or not 0 <= snap.step < len(snap.steps):
        return False
    bake_start = snap.now - (snap.steps[snap.step].bake - snap.bake_remaining)
    return verdict.start >= bake_start - 1e-6


def split_gap(snap: Snapshot) -> float | None:
    """Observed minus configured Y share in points, when the comparison is meaningful."""
    if not observed_is_current(snap) or snap.applied is None:
        return None
    return snap.observed_y - snap.applied[1]


def bar(x: int, width: int) -> Text:
    width = max(width, 4)
    cells = round(width * x / 100)
    return Text.assemble(("█" * cells, "cyan"), ("█" * (width - cells), "magenta"))


class SplitMeter(SnapshotView):
    DEFAULT_CSS = """
    SplitMeter { height: 2; padding: 0 1; }
    """

    def render_snapshot(self, snap: Snapshot) -> Group:
        x, y = snap.applied or (100, 0)
        head = Text.assemble(("X ", "bold cyan"), (f"{x:>3}% ", "bold"))
        tail = Text.assemble((f" {y:>3}%", "bold"), (" Y", "bold magenta"))
        width = self.content_size.width - head.cell_len - tail.cell_len
        return Group(Text.assemble(head, bar(x, width), tail, no_wrap=True), self._detail(snap))

    def _detail(self, snap: Snapshot) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(_("set {x}/{y}").format(x=snap.desired[0], y=snap.desired[1]))
        if snap.applied is None:
            text.append("  " + _("LB not set yet"), "dim")
        elif snap.applied != snap.desired:
            text.append("  " + _("LB has {x}/{y}, moving").format(x=snap.applied[0], y=snap.applied[1]), "yellow")
        if snap.observed_y is None:
            text.append("  " + _("observed: no window yet"), "dim")
            return text
        gap = split_gap(snap)
        observed = _("observed Y {share:.1f}%").format(share=snap.observed_y)
        if gap is None:
            text.append(f"  {observed} " + _("(earlier window)"), "dim")
        elif abs(gap) > WARN_POINTS:
            off = _("{points:.1f} pts off the weights").format(points=abs(gap))
            text.append(f"  ⚠ {observed}: {off} ", "bold black on yellow")
        else:
            text.append(f"  {observed} ✓", "green")
        return text
