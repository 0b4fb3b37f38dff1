"""The strict event codec (rollout/codec.py) and the intent refusals (rollout/intents.py).

Every boundary builds events through ``event_from_data``: a wrong type is refused where it
enters, naming the field, instead of crashing the engine later (issue 17, item 1). And
``refusal`` agrees with the engine: an intent is refused exactly when the engine would
ignore it.
"""

import copy
import json

import pytest

from rollout import commands as cmd
from rollout import events as ev
from rollout.codec import build, event_from_data, event_to_data, to_data
from rollout.errors import DecodeError
from rollout.intents import admit, refusal
from rollout.observations import PoolWindow
from rollout.phases import Phase
from rollout.snapshot import Snapshot

from .engine_support import engine_at, plan, run_world, sample_events


def test_every_sample_event_survives_the_wire():
    for event in sample_events(12.5):
        assert event_from_data(json.loads(json.dumps(event_to_data(event)))) == event


@pytest.mark.parametrize("data, error", [
    ({"type": "StepApproved", "at": 0, "step": "abc"}, "StepApproved.step: expected an integer, got 'abc'"),
    ({"type": "StepApproved", "at": 0, "step": True}, "StepApproved.step: expected an integer, got True"),
    ({"type": "StepApproved", "at": 0, "step": 1.0}, "StepApproved.step: expected an integer, got 1.0"),
    ({"type": "StepApproved", "at": 0, "step": -1}, "StepApproved.step: must be at least 0, got -1"),
    ({"type": "StepApproved", "at": 0, "step": 1, "by": 7}, "StepApproved.by: expected a string, got 7"),
    ({"type": "StepApproved", "ct": 0, "step": 1}, "StepApproved: unknown field 'ct'"),
    ({"type": "StepApproved", "step": 1}, "StepApproved: missing field 'at'"),
    ({"type": "TimerFired", "at": float("nan")}, "TimerFired.at: expected a finite number, got nan"),
    ({"type": "TimerFired", "at": float("inf")}, "TimerFired.at: expected a finite number, got inf"),
    ({"type": "TimerFired", "at": "12"}, "TimerFired.at: expected a finite number, got '12'"),
    ({"type": "WeightsApplied", "at": 1, "x": 150, "y": -50}, "WeightsApplied.x: must be between 0 and 100, got 150"),
    ({"type": "Reboot", "at": 1}, "unknown event type 'Reboot'"),
    ({"at": 1}, "unknown event type None"),
    (["TimerFired", 1], "an event is a JSON object, got ['TimerFired', 1]"),
    ({"type": "PreflightChecked", "at": 1, "results": [{"name": "v", "status": "great"}]},
     "PreflightChecked.results[0].status: expected one of 'pass', 'warn', 'fail', got 'great'"),
    ({"type": "PreflightChecked", "at": 1, "results": {"name": "v"}},
     "PreflightChecked.results: expected a list, got {'name': 'v'}"),
    ({"type": "ConfigFrozen", "at": 1, "hashes": [["x1"]]}, "ConfigFrozen.hashes[0]: expected 2 items, got 1"),
    ({"type": "Resumed", "at": 1, "x": "100", "y": None}, "Resumed.x: expected an integer, got '100'"),
    ({"type": "WindowJudged", "at": 9, "start": 1, "x": {"requests": 5, "errors": 0},
      "y": {"requests": 5, "errors": -1}}, "WindowJudged.y.errors: must be at least 0, got -1"),
])
def test_a_wrong_field_is_refused_by_name(data, error):
    with pytest.raises(DecodeError) as exc:
        event_from_data(data)
    assert str(exc.value) == error


def test_what_is_allowed_decodes_to_the_right_types():
    event = event_from_data({"type": "WindowJudged", "at": 9, "start": 1,
                             "x": {"requests": 5, "errors": 0}, "y": {"requests": 5, "errors": 1, "stats": {"p99_ms": 30}}})
    assert event == ev.WindowJudged(9.0, 1.0, PoolWindow(5, 0), PoolWindow(5, 1, {"p99_ms": 30.0}))
    assert isinstance(event.at, float) and isinstance(event.y.stat("p99_ms"), float)  # a float takes an int
    assert event_from_data({"type": "Resumed", "at": 1}) == ev.Resumed(1.0)  # defaulted fields may be left out


def test_snapshots_decode_strictly_too():
    snap = engine_at(Phase.PAUSED).snapshot()
    data = json.loads(json.dumps(to_data(snap)))
    assert build(Snapshot, data) == snap
    data["phase"] = "sideways"
    with pytest.raises(DecodeError, match="Snapshot.phase: expected one of 'new'"):
        build(Snapshot, data)


def pending_approval():
    engine = engine_at(Phase.NEW)
    run_world(engine, [ev.RunStarted(0.0, "test plan")], until=lambda e: e.pending_approval is not None)
    return engine


def engines():
    phases = [Phase.NEW, Phase.PREFLIGHT, Phase.DEPLOY_Y, Phase.SHIFT, Phase.WATCH, Phase.PAUSED,
              Phase.ROLLING_BACK, Phase.ROLLED_BACK, Phase.HALTED, Phase.DONE]
    return [engine_at(p) for p in phases] + [pending_approval()]


def acts(engine, event) -> bool:
    """Whether the engine does anything with ``event``: moves, or issues a command beyond a notice."""
    trial = copy.deepcopy(engine)
    before = (trial.phase, trial.pending_approval, trial.paused_from, trial.desired)
    out = trial.handle(event)
    return before != (trial.phase, trial.pending_approval, trial.paused_from, trial.desired) or any(
        not isinstance(c, cmd.Notify) for c in out)


INTENTS = [ev.StepApproved(300.0, 0), ev.StepApproved(300.0, 1), ev.StepApproved(300.0, 2), ev.PauseRequested(300.0),
           ev.ResumeRequested(300.0), ev.RollbackRequested(300.0), ev.HaltRequested(300.0)]


@pytest.mark.parametrize("engine", engines(), ids=lambda e: f"{e.phase}-{e.pending_approval}")
def test_an_intent_is_refused_exactly_when_the_engine_would_ignore_it(engine):
    for intent in INTENTS:
        why = refusal(engine.snapshot(), intent)
        assert (why is None) == acts(engine, intent), (engine.phase, intent, why)


def test_refusals_say_why_and_the_conductor_journals_a_note_instead():
    snap = pending_approval().snapshot()
    assert snap.pending_approval == 1
    assert refusal(snap, ev.StepApproved(1.0, 0)) == "step 1 does not wait for approval; step 2 does"
    assert refusal(snap, ev.StepApproved(1.0, 7)) == "the plan has no step 8 (it has 3)"
    assert refusal(snap, ev.ResumeRequested(1.0)) == "cannot resume while the run is shift"
    assert refusal(snap, ev.PauseRequested(1.0, "x" * 201)) == "reason must be one printable line of at most 200 characters"
    assert refusal(snap, ev.StepApproved(1.0, 1, by="me\nstep 3 approved by boss")) is not None
    assert refusal(snap, ev.WeightsApplied(1.0, 0, 100)).startswith("WeightsApplied is not an operator event")
    assert refusal(snap, ev.StepApproved(1.0, 1)) is None
    note = admit(snap, ev.StepApproved(5.0, 0, by="ann"))
    assert note == ev.Noted(5.0, "warn", "refused: approval of step 1 by ann: step 1 does not wait for approval; step 2 does")
    assert admit(snap, ev.StepApproved(5.0, 1)) == ev.StepApproved(5.0, 1)
    assert refusal(engine_at(Phase.DONE).snapshot(), ev.StepApproved(1.0, 1)) == "no step waits for approval (the run is done)"
    assert len(plan().steps) == 3
