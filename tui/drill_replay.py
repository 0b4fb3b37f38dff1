"""A drill's run replayed in the cockpit, at any speed, with the fault revealed and the trainee's acts marked.

``ReplayConductor`` is a Conductor (rollout/conductor.py) over a finished drill's journal: a
fresh engine (the plan as the trainee conducted it, ``plan.json``) takes the journal's events
in again on a clock the cockpit moves (``RehearsalControls``: ``+``/``-`` change the speed,
``n`` jumps to the next event), so the instructor sees the banner, the gates, the nodes and
the log as the trainee saw them. Three kinds of line are added to the log as ``Noted`` events,
at the moment they belong to: ``!! FAULT BEGINS`` (the hidden fault, revealed), ``!! FIRST
EVIDENCE`` (where the trainee could first have seen it) and ``>> TRAINEE`` before each of the
trainee's acts. The replay changes nothing: the cockpit's own intents are dropped.
"""

from __future__ import annotations

from rollout import events as ev
from rollout.describe import describe
from rollout.engine import Engine
from rollout.i18n import N_, _
from rollout.plan import Plan
from rollout.snapshot import Snapshot
from sim.drill_texts import drill_text

from .drill_review import TRAINEE


def marks(events: list, card: dict) -> list[ev.Noted]:
    """The review's own lines, as events the engine logs."""
    out = []
    if card["fault"]["onset_s"] is not None:
        out.append(ev.Noted(card["fault"]["onset_s"], "error", _("!! FAULT BEGINS (hidden from the trainee): {fault}").format(
            fault=drill_text(card["fault"]["description"]))))
    evidence = card.get("evidence")
    if evidence:
        out.append(ev.Noted(evidence["at_s"], "error", _("!! FIRST EVIDENCE in the {panel} panel: {what}").format(
            panel=evidence["panel"], what=evidence["what"])))
    out += [ev.Noted(e.at, "warn", _(">> TRAINEE: {move}").format(move=describe(e))) for e in events if isinstance(e, TRAINEE)]
    return out


class ReplayConductor:
    world = "rehearsal"
    badge = "REVIEW"  # translated as the banner draws it (tui/widgets/banner.py marks it)
    quit_note = N_("The review ends here; the run it replays is unchanged.")  # translated as shown
    loop = None
    start_gate = None  # a review starts when the cockpit opens: nothing real to protect

    def __init__(self, plan: Plan, events: list, card: dict, speed: float = 60.0):
        self.plan = plan
        self.engine = Engine(plan)
        # Marks first at equal times: the fault is revealed before the event that shows it.
        tagged = [(float(m.at), 0, i, m) for i, m in enumerate(marks(events, card))]
        tagged += [(float(e.at), 1, i, e) for i, e in enumerate(events)]
        self._queue = [item[3] for item in sorted(tagged, key=lambda t: t[:3])]
        self._fed = 0
        self._now = 0.0
        self.speed = speed

    @property
    def controls(self) -> "ReplayConductor":
        return self

    @property
    def now(self) -> float:
        return self._now

    @property
    def finished(self) -> bool:
        return self._fed >= len(self._queue)

    def snapshot(self) -> Snapshot:
        return self.engine.snapshot(self._now)

    def submit(self, event: object) -> None:
        """A review changes nothing: the cockpit's intents are dropped."""

    def advance(self, seconds: float) -> None:
        target = self._now + max(0.0, seconds)
        while not self.finished and float(self._queue[self._fed].at) <= target:
            self._feed()
        self._now = target if not self.finished else max(target, self._now)

    def advance_to_next(self) -> None:
        if not self.finished:
            at = float(self._queue[self._fed].at)
            while not self.finished and float(self._queue[self._fed].at) <= at:
                self._feed()
            self._now = max(self._now, at)

    def _feed(self) -> None:
        event = self._queue[self._fed]
        self._fed += 1
        self._now = max(self._now, float(event.at))
        self.engine.handle(event)
