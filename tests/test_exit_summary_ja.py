"""The exit summary's CommandFailed headline in Japanese (issue 14).

A failed command's reason is ``SetWeights failed: <the adapter's line>``; the summary shows its
first clause. Each command that can fail has its own fixed sentence in the catalog, so the
headline reads in Japanese while free text that merely ends in "failed" (an adapter's or a
library's words) is never taken for it. The snapshot is real: the scripted rehearsal's engine
and driver, with the toy load balancer refusing one weight change as an unreachable LB would.
"""

from __future__ import annotations

import pytest

from rollout import commands as cmd
from rollout import i18n
from rollout.errors import Unreachable
from rollout.execute import _HANDLERS
from rollout.phases import Phase
from rollout.phrasebook import say
from tui.exit_summary import FAILED_HEADLINES, ExitSummary, Weights

from .tui_fakes import ScriptedRehearsal, ToyLB, demo_plan

LB_LINE = "haproxy /run/haproxy.sock: set weight: unreachable: All connection attempts failed"


@pytest.fixture
def japanese():
    i18n.set_language("ja")
    yield
    i18n.set_language("en")


@pytest.fixture
def rolled_back_on_a_failed_set_weights(monkeypatch):
    """A run at 25% on Y whose next weight change fails once; the plan rolls back on a command failure."""
    plan = demo_plan()
    plan = plan.model_copy(update={"rollback": plan.rollback.model_copy(update={"on_command_failure": "rollback"})})
    rehearsal = ScriptedRehearsal(plan=plan, seed=3)
    rehearsal.advance(250)
    refused = []
    set_weights = ToyLB.set_weights

    async def refuse_once(self, x: int, y: int, healthy: frozenset[str]) -> tuple[int, int]:
        if not refused and y > 25:
            refused.append((x, y))
            raise Unreachable("haproxy /run/haproxy.sock", "set weight", "All connection attempts failed")
        return await set_weights(self, x, y, healthy)

    monkeypatch.setattr(ToyLB, "set_weights", refuse_once)
    for _ in range(100):
        if rehearsal.snapshot().finished:
            break
        if rehearsal.snapshot().pending_approval is not None:
            rehearsal.submit(rehearsal.approval())
        rehearsal.advance_to_next()
    snap = rehearsal.snapshot()
    assert refused and snap.phase == Phase.ROLLED_BACK, snap.phase
    return snap


def test_a_command_failed_headline_is_japanese_in_the_exit_summary(rolled_back_on_a_failed_set_weights):
    snap = rolled_back_on_a_failed_set_weights
    assert snap.reason == f"SetWeights failed: {LB_LINE}", "the journaled reason stays the English fact"
    english = ExitSummary(snap, Weights((100, 0), "sim")).lines()[0]
    assert english == "turnout: rolled back: SetWeights failed (demo 3.4 to 3.9, X 3.4.3 → Y 3.9.1)"
    i18n.set_language("ja")
    try:
        japanese = ExitSummary(snap, Weights((100, 0), "sim")).lines()[0]
    finally:
        i18n.set_language("en")
    assert japanese == "turnout: ロールバック済み: SetWeights が失敗しました (demo 3.4 to 3.9, X 3.4.3 → Y 3.9.1)"
    assert snap.reason == f"SetWeights failed: {LB_LINE}"


def test_every_command_that_can_fail_has_its_headline():
    """The commands rollout.execute carries out are the declared ones, and each has its sentence."""
    names = {command.__name__ for command in cmd.ANSWERED}
    assert set(_HANDLERS) == set(cmd.ANSWERED)
    assert set(FAILED_HEADLINES) == names
    assert all(headline == f"{name} failed" for name, headline in FAILED_HEADLINES.items())


def test_free_text_ending_in_failed_is_not_read_as_a_headline(japanese):
    for name in FAILED_HEADLINES:
        assert say(f"{name} failed") == f"{name} が失敗しました"
    for free in ("All connection attempts failed", "3 attempts failed", "Foo failed", "the upstream said: it failed"):
        assert say(free) == free, free
    # inside an adapter's line the library's words stay as written, the adapter's own are said
    assert say(LB_LINE) == "haproxy /run/haproxy.sock: set weight: 到達できません: All connection attempts failed"
