"""Two scripted trainees for the drill library, driven headlessly through the Rehearsal API.

- ``careful``: watches what the cockpit shows, every few simulated seconds. New warnings or
  errors in the log (the engine's "gates failing" after ``failures_to_rollback`` windows among
  them: one failing window alone is noise it waits out), a Y node not ready, a hold: it rolls
  back (``r``). A hold
  that says X breaks the limit too is not Y's fault: it waits three minutes, then resumes.
  It approves a step only while the latest window passed.
- ``careless``: approves every step and resumes every hold at once, and never rolls back.

The drill's own scorecard then says how each did (tests/test_drill_library.py).
"""

from __future__ import annotations

from rollout import events as ev
from rollout.phases import Phase
from sim.drill_evidence import telling
from sim.session import planned_duration

TICK = 5.0
UPSTREAM_WAIT = 180.0
LOOKING = (Phase.SHIFT, Phase.WATCH, Phase.DECOMMISSION_X, Phase.UNFREEZE)


def _limit(drill) -> float:
    return 2 * planned_duration(drill.plan) + drill.plan.timeouts.ready + 600.0


def _upstream_hold(snap) -> bool:
    return snap.phase == Phase.PAUSED and "X breaks too" in snap.reason


def _trouble(snap, since: float) -> bool:
    """Something on screen since ``since`` says Y (or the procedure) is in trouble."""
    new_lines = [e for e in snap.log if e.at >= since and telling(e.level, e.message) and "X breaks too" not in e.message]
    down = snap.phase in LOOKING and any(not p.ready for p in snap.y_nodes)
    paused = snap.phase == Phase.PAUSED and not _upstream_hold(snap)
    return bool(new_lines or down or paused)


def careful(drill) -> dict:
    pulled, held_since, looked = False, None, 0.0
    while not drill.finished and drill.now < _limit(drill):
        snap = drill.snapshot()
        if _upstream_hold(snap):
            held_since = drill.now if held_since is None else held_since
            if drill.now - held_since >= UPSTREAM_WAIT:
                drill.submit(ev.ResumeRequested(0.0))
                held_since = None
        elif not pulled and _trouble(snap, looked):
            drill.submit(ev.RollbackRequested(0.0, "trainee"))
            pulled = True
        elif snap.pending_approval is not None and snap.verdicts and snap.verdicts[-1].verdict == "pass":
            drill.submit(ev.StepApproved(0.0, snap.pending_approval, by="trainee"))
        looked = drill.now
        drill.advance(TICK)
    return drill.scorecard()


def careless(drill) -> dict:
    while not drill.finished and drill.now < _limit(drill):
        snap = drill.snapshot()
        if snap.pending_approval is not None:
            drill.submit(ev.StepApproved(0.0, snap.pending_approval, by="trainee"))
        elif snap.phase == Phase.PAUSED:
            drill.submit(ev.ResumeRequested(0.0))
        drill.advance(TICK)
    return drill.scorecard()
