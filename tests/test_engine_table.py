"""The engine as tables: (phase, event) -> (phase', commands). Pure: no world, no clock."""

import pytest

from rollout import commands as cmd
from rollout import events as ev
from rollout.observations import CheckResult, NodeProbe, SmokeResult
from rollout.phases import FORWARD, TERMINAL, Phase, allowed

from .engine_support import HASH, LATENCY, PLAN_TEXT, clone, engine_at, plan, sample_events
from rollout.observations import PoolWindow

# Windows as a 90/10 split produces them (the engine also checks the observed split).
GOOD = PoolWindow(1800, 1, LATENCY)
X90 = GOOD
Y10 = PoolWindow(200, 0, LATENCY)
BAD = PoolWindow(200, 16, LATENCY)
SLOW10 = PoolWindow(200, 0, {"p50_ms": 10.0, "p99_ms": 1400.0})  # over the latency ceiling, and 28x X

P = Phase

# (starting phase, event, expected phase, expected commands; Notify commands are compared by type only)
FORWARD_PATH = [
    (P.NEW, ev.RunStarted(0, "test plan"), P.PREFLIGHT, [cmd.RunPreflight()]),
    (P.PREFLIGHT, ev.PreflightChecked(1, (CheckResult("version", "pass"),)), P.FREEZE, [cmd.FreezeConfig()]),
    (P.PREFLIGHT, ev.PreflightChecked(1, (CheckResult("upgrade path", "fail", "2.8 -> 3.9 is not a supported hop"),)), P.HALTED, [cmd.Notify]),
    (P.PREFLIGHT, ev.PreflightChecked(1, (CheckResult("capacity", "warn", "X alone is short"),)), P.FREEZE, [cmd.Notify, cmd.FreezeConfig()]),
    (P.FREEZE, ev.ConfigFrozen(2, (("x1", HASH), ("x2", HASH))), P.BACKUP, [cmd.BackupConfig()]),
    (P.BACKUP, ev.ConfigBackedUp(3, ()), P.DEPLOY_Y, [cmd.StartNodes("y", ("y1", "y2"))]),
    (P.DEPLOY_Y, ev.NodesStarted(4, "y", ("y1", "y2")), P.SMOKE_Y, [cmd.RunSmoke(("y1", "y2"))]),
    (P.SMOKE_Y, ev.SmokeChecked(5, (SmokeResult("key-auth", "y1", True),)), P.SHIFT, [cmd.SetWeights(90, 10)]),
    (P.SMOKE_Y, ev.SmokeChecked(5, (SmokeResult("key-auth", "y1", False, "200", "401"),)), P.PAUSED, [cmd.Notify]),
    (P.SMOKE_Y, ev.SmokeChecked(5, ()), P.SHIFT, [cmd.Notify, cmd.SetWeights(90, 10)]),
    (P.DECOMMISSION_X, ev.NodesStopped(9, "x", ("x1", "x2")), P.UNFREEZE, [cmd.UnfreezeConfig()]),
    (P.UNFREEZE, ev.ConfigUnfrozen(9), P.WATCH, [cmd.Notify]),
    (P.ROLLING_BACK, ev.WeightsApplied(300, 100, 0), P.ROLLED_BACK, [cmd.Notify]),
    (P.ROLLING_BACK, ev.CommandFailed(300, "SetWeights", "lb: unreachable"), P.ROLLING_BACK, [cmd.Notify]),
    (P.PAUSED, ev.ResumeRequested(300), P.SHIFT, [cmd.Notify, cmd.SetWeights(90, 10)]),
    (P.PAUSED, ev.RollbackRequested(300), P.ROLLING_BACK, [cmd.SetWeights(100, 0), cmd.Notify]),
]


def _match(got, expected):
    assert len(got) == len(expected), got
    for g, e in zip(got, expected):
        if isinstance(e, type):
            assert isinstance(g, e), (g, e)
        else:
            assert g == e


@pytest.mark.parametrize("phase,event,expected_phase,expected", FORWARD_PATH, ids=lambda v: getattr(v, "value", type(v).__name__))
def test_forward_table(phase, event, expected_phase, expected):
    engine = engine_at(phase)
    got = engine.handle(event)
    assert engine.phase == expected_phase
    _match(got, expected)


SHIFT_TABLE = [
    # events after the 10% step was applied at t=5 (window 60s, bake 2m, 2 failures roll back)
    ([ev.TimerFired(65)], P.SHIFT, [cmd.ProbeNodes, cmd.JudgeWindow(5, 65)]),
    ([ev.TimerFired(64)], P.SHIFT, []),
    ([ev.WindowJudged(65, 5, X90, Y10)], P.SHIFT, []),
    # 8% of Y's requests fail against X's 0.06%: the step's evidence is decisive in the first window
    ([ev.WindowJudged(65, 5, X90, BAD)], P.ROLLING_BACK, [cmd.SetWeights(100, 0), cmd.Notify]),
    # a window over a per-window limit counts; failures_to_rollback (2) in a row roll back
    ([ev.WindowJudged(65, 5, X90, SLOW10)], P.SHIFT, []),
    ([ev.WindowJudged(65, 5, X90, SLOW10), ev.WindowJudged(125, 65, X90, SLOW10)], P.ROLLING_BACK, [cmd.SetWeights(100, 0), cmd.Notify]),
    ([ev.WindowJudged(65, 5, X90, Y10), ev.WindowJudged(125, 65, X90, Y10)], P.SHIFT,
     [cmd.Notify, cmd.AskApproval(1, 50), cmd.Notify]),
    ([ev.NodesProbed(70, (NodeProbe("x1", True, True, config_hash="b" * 32),))], P.PAUSED, [cmd.Notify]),
    ([ev.NodesProbed(70, (NodeProbe("y1", True, False), NodeProbe("y2", False, False)))], P.ROLLING_BACK, [cmd.SetWeights(100, 0, ("y1", "y2")), cmd.Notify]),
    ([ev.CommandFailed(70, "JudgeWindow", "x1: GET /metrics: timed out")], P.PAUSED, [cmd.Notify]),
    ([ev.StepApproved(70, 1)], P.SHIFT, [cmd.Notify]),  # nothing to approve yet
    ([ev.HaltRequested(70)], P.HALTED, [cmd.Notify]),
]


@pytest.mark.parametrize("events,expected_phase,expected", SHIFT_TABLE)
def test_shift_table(events, expected_phase, expected):
    engine = engine_at(P.SHIFT)
    engine.handle(ev.WeightsApplied(5, 90, 10))
    for event in events:
        got = engine.handle(event)
    assert engine.phase == expected_phase
    _match(got, expected)


REACHABLE = [p for p in Phase]


@pytest.mark.parametrize("phase", REACHABLE, ids=str)
def test_every_phase_event_pair_is_in_the_table(phase):
    """Every (phase, event) pair either moves as rollout.phases allows or leaves the phase alone."""
    base = engine_at(phase)
    for event in sample_events(base.now + 60):
        engine = clone(base)
        engine.handle(event)  # raises IllegalTransition on a move the table does not allow
        assert engine.phase in allowed(phase, event)
        if phase in TERMINAL:
            assert engine.phase == phase


@pytest.mark.parametrize("phase", [p for p in Phase if p not in TERMINAL and p != P.NEW], ids=str)
def test_rollback_from_every_non_terminal_phase_sends_all_traffic_to_x_first(phase):
    """Once X is decommissioned (UNFREEZE, WATCH) it must be started again before traffic can go back."""
    engine = engine_at(phase)
    got = engine.handle(ev.RollbackRequested(engine.now + 1))
    assert engine.phase == P.ROLLING_BACK
    if engine.x_stopped:
        assert got[0] == cmd.StartNodes("x", ("x1", "x2"))
        got = engine.handle(ev.NodesStarted(engine.now + 1, "x", ("x1", "x2")))
    assert isinstance(got[0], cmd.SetWeights) and (got[0].x, got[0].y) == (100, 0)


def test_rollback_after_decommission_starts_x_before_moving_traffic():
    engine = engine_at(P.WATCH)
    assert engine.x_stopped
    got = engine.handle(ev.RollbackRequested(engine.now + 1))
    assert got[0] == cmd.StartNodes("x", ("x1", "x2"))
    got = engine.handle(ev.NodesStarted(engine.now + 30, "x", ("x1", "x2")))
    assert got[0] == cmd.SetWeights(100, 0)


def test_failed_rollback_is_retried_until_it_lands():
    engine = engine_at(P.ROLLING_BACK)
    engine.handle(ev.CommandFailed(201, "SetWeights", "lb: unreachable"))
    assert engine.next_deadline() == 201 + engine.plan.rollback.retry
    got = engine.handle(ev.TimerFired(engine.next_deadline()))
    assert got[0] == cmd.SetWeights(100, 0)
    engine.handle(ev.WeightsApplied(204, 100, 0))
    assert engine.phase == P.ROLLED_BACK


def test_a_failed_command_never_pushes_forward():
    for phase in FORWARD:
        engine = engine_at(phase)
        got = engine.handle(ev.CommandFailed(engine.now + 1, "X", "boom"))
        assert engine.phase == P.PAUSED and engine.paused_from == phase
        assert all(isinstance(c, cmd.Notify) for c in got)


def test_command_failure_rolls_back_when_the_plan_says_so():
    engine = engine_at(P.SHIFT, PLAN_TEXT + "rollback: {on_command_failure: rollback}\n")
    engine.handle(ev.WeightsApplied(5, 90, 10))
    got = engine.handle(ev.CommandFailed(10, "JudgeWindow", "metrics: timed out"))
    assert engine.phase == P.ROLLING_BACK and got[0] == cmd.SetWeights(100, 0)


def test_automatic_rollback_off_holds_the_step_and_warns():
    engine = engine_at(P.SHIFT, PLAN_TEXT + "rollback: {automatic: false}\n")
    engine.handle(ev.WeightsApplied(5, 90, 10))
    got = engine.handle(ev.WindowJudged(65, 5, X90, BAD))
    assert engine.phase == P.SHIFT and engine.step == 0
    assert got[0].level == "error" and "automatic rollback is off" in got[0].message


def test_step_waits_for_a_passing_window_after_its_bake():
    engine = engine_at(P.SHIFT)
    engine.handle(ev.WeightsApplied(5, 90, 10))
    inconclusive = ev.WindowJudged(125, 65, PoolWindow(90, 0, {"p99_ms": 1}), PoolWindow(10, 0, {"p99_ms": 1}))
    engine.handle(ev.WindowJudged(65, 5, X90, Y10))
    got = engine.handle(inconclusive)
    assert engine.step == 0 and "holding" in got[0].message
    got = engine.handle(ev.WindowJudged(185, 125, X90, Y10))
    assert engine.pending_approval == 1 and isinstance(got[1], cmd.AskApproval)


def test_split_far_off_twice_holds():
    engine = engine_at(P.SHIFT, PLAN_TEXT.replace("failures_to_rollback: 2}", "failures_to_rollback: 2, max_split_error: 3}"))
    engine.handle(ev.WeightsApplied(5, 90, 10))
    x, y = PoolWindow(2000, 2, {"p99_ms": 20}), PoolWindow(120, 0, {"p99_ms": 20})  # 5.7% on Y, configured 10%
    engine.handle(ev.WindowJudged(65, 5, x, y))
    assert engine.phase == P.SHIFT
    got = engine.handle(ev.WindowJudged(125, 65, x, y))
    assert engine.phase == P.PAUSED
    assert "sends 5.7% to Y, configured 10%" in got[0].message


def test_gates_keep_judging_while_a_step_waits_for_approval():
    """Y keeps its 10% while the operator thinks about step 2: its windows are still judged, and fail-fail rolls back."""
    engine = engine_at(P.SHIFT)
    engine.handle(ev.WeightsApplied(5, 90, 10))
    engine.handle(ev.WindowJudged(65, 5, X90, Y10))
    got = engine.handle(ev.WindowJudged(125, 65, X90, Y10))
    assert engine.pending_approval == 1 and isinstance(got[1], cmd.AskApproval)
    assert engine.next_deadline() == 185
    assert engine.handle(ev.TimerFired(185)) == [cmd.ProbeNodes(("x1", "x2", "y1", "y2")), cmd.JudgeWindow(125, 185)]
    got = engine.handle(ev.WindowJudged(185, 125, X90, BAD))
    assert engine.phase == P.ROLLING_BACK and engine.pending_approval is None and got[0] == cmd.SetWeights(100, 0)


# The gate rules: windows in, each rule's result out (gate, verdict, statistic, threshold, evidence).
# The plan's gates: min_requests 100, error_rate max 1% / Y-X <= 0.5%, latency_p99_ms max 1000ms / <= 1.3x X.
SLOW = PoolWindow(200, 0, {"p50_ms": 10.0, "p99_ms": 1400.0})
NO_LATENCY = PoolWindow(200, 0)
AVERAGE = PoolWindow(200, 0, {"p50_ms": 1200.0, "p99_ms": 1200.0}, latency_kind="average")
ERR = "max 1.00%, Y-X <= 0.50%"
LAT = "max 1000ms, <= 1.3x X and +5ms"
NODE = "each Y node: node-X <= 0.50%"
VOLUME = ("min_requests", "pass", "requests", ">= 100 requests on Y", "Y served 200 >= 100")
NO_NODES = ("error_rate_node", "no_data", "error_rate", NODE, "the metrics source gives no per-node rows")
HEALTHY = ("error_rate", "pass", "error_rate", ERR, "Y 0.00% vs X 0.06%; Y step 0.00% vs X 0.06% over 200 req, ln LR -0.9 < 7.1")
GATE_TABLE = [
    (X90, Y10, "pass", [VOLUME, HEALTHY, NO_NODES, ("latency_p99_ms", "pass", "p99_ms", LAT, "Y p99 50ms vs X 50ms")]),
    # 16 errors in 200 on Y: over the ceiling by the binomial test, worse than X by Fisher's, and the SPRT crosses
    (X90, BAD, "fail", [VOLUME, ("error_rate", "fail", "error_rate", ERR,
                                 "Y 8.00% > max 1.00% (binomial p=3e-10), worse than X 0.06% (Fisher p=9e-16); "
                                 "Y step 8.00% vs X 0.06% over 200 req, ln LR 32.1 >= 7.1"),
                        NO_NODES, ("latency_p99_ms", "pass", "p99_ms", LAT, "Y p99 50ms vs X 50ms")]),
    (X90, SLOW, "fail", [VOLUME, HEALTHY, NO_NODES, ("latency_p99_ms", "fail", "p99_ms", LAT,
                                                     "Y p99 1400ms > max 1000ms; Y p99 1400ms > 1.3x X 50ms and +1350ms > 5ms")]),
    # a source that does not measure latency: the latency gate has no data and neither passes nor fails the window
    (PoolWindow(1800, 1), NO_LATENCY, "pass", [VOLUME, HEALTHY, NO_NODES,
        ("latency_p99_ms", "no_data", "p99_ms", LAT, "the metrics source does not measure p99_ms")]),
    # an average-only source (HAProxy rtime): judged, and the row and the evidence say "avg", never p99
    (PoolWindow(90, 0, {"p99_ms": 40.0}), AVERAGE, "fail", [VOLUME,
        ("error_rate", "pass", "error_rate", ERR, "Y 0.00%"),  # X below min_requests: not compared
        NO_NODES, ("latency_p99_ms", "fail", "p99_ms", LAT, "Y avg 1200ms > max 1000ms")]),
    # too few requests on Y: nothing is judged, every rule's row says so
    (X90, PoolWindow(10, 5, {"p99_ms": 5000.0}), "inconclusive", [
        ("min_requests", "inconclusive", "requests", ">= 100 requests on Y", "Y served 10 < 100"),
        ("error_rate", "inconclusive", "error_rate", ERR, "not judged: too few requests on Y"),
        ("error_rate_node", "inconclusive", "error_rate", NODE, "not judged: too few requests on Y"),
        ("latency_p99_ms", "inconclusive", "p99_ms", LAT, "not judged: too few requests on Y")]),
]


@pytest.mark.parametrize("x,y,window_verdict,results", GATE_TABLE)
def test_gate_rules_table(x, y, window_verdict, results):
    engine = engine_at(P.SHIFT)
    engine.handle(ev.WeightsApplied(5, 90, 10))
    engine.handle(ev.WindowJudged(65, 5, x, y))
    verdict = engine.snapshot().last_verdict  # what the screen renders
    assert verdict.verdict == window_verdict
    assert [(r.gate, r.verdict, r.statistic, r.threshold, r.detail) for r in verdict.results] == results


def test_a_rule_without_plan_settings_is_off():
    """How an optional rule (a p95 gate defaulting to null) stays out of the verdict."""
    from rollout.gates import judge

    gates = plan().gates.model_copy(update={"latency_p99_ms": None, "per_node": False})
    verdict = judge(gates, 5, 65, X90, SLOW)
    assert [r.gate for r in verdict.results] == ["min_requests", "error_rate"] and verdict.verdict == "pass"


def test_the_procedure_table_names_the_next_phase():
    """Each forward handler completes its phase; the phase that follows comes from phases.NEXT."""
    from rollout.phases import NEXT

    for phase, (event_type, target) in NEXT.items():
        if phase in (P.SHIFT, P.WATCH, P.ROLLING_BACK):
            continue  # completed by a verdict or a confirmed split: covered by the tables above
        engine = engine_at(phase)
        event = next(e for e in sample_events(engine.now + 1) if type(e) is event_type)
        engine.handle(event)
        assert engine.phase == target, (phase, engine.phase)


def test_nothing_outside_the_engine_can_assign_its_state():
    engine = engine_at(P.SHIFT)
    for name in ("phase", "plan", "applied", "detection", "pending_approval", "step", "reason"):
        with pytest.raises(AttributeError):
            setattr(engine, name, None)
    with pytest.raises(TypeError):
        engine.nodes["y1"] = NodeProbe("y1", True, True)  # type: ignore[index]


# Paused in SHIFT at 10% (the step was applied at t=0, its first window was due at 60, the operator
# paused at t=200 before the timer fired): the pause holds traffic, not eyes. (events in, phase out, commands of the last event out)
PAUSED_TABLE = [
    # the window open when the pause came finishes on its own deadline and is judged
    ([ev.TimerFired(201)], P.PAUSED, [cmd.ProbeNodes, cmd.JudgeWindow(0, 201)]),
    ([ev.TimerFired(59)], P.PAUSED, []),
    ([ev.WindowJudged(201, 0, X90, Y10)], P.PAUSED, []),
    # a failing Y is still rolled back, paused or not
    ([ev.WindowJudged(201, 0, X90, BAD)], P.ROLLING_BACK, [cmd.SetWeights(100, 0), cmd.Notify]),
    ([ev.WindowJudged(201, 0, X90, SLOW10)], P.PAUSED, [cmd.Notify]),
    ([ev.WindowJudged(201, 0, X90, SLOW10), ev.WindowJudged(261, 201, X90, SLOW10)], P.ROLLING_BACK,
     [cmd.SetWeights(100, 0), cmd.Notify]),
    # passing windows never move the run forward while it is paused
    ([ev.WindowJudged(201, 0, X90, Y10), ev.WindowJudged(261, 201, X90, Y10)], P.PAUSED, []),
    ([ev.NodesProbed(201, (NodeProbe("y1", True, False), NodeProbe("y2", False, False)))], P.ROLLING_BACK,
     [cmd.SetWeights(100, 0, ("y1", "y2")), cmd.Notify]),
    ([ev.NodesProbed(201, (NodeProbe("y1", True, True),))], P.PAUSED, []),
]


@pytest.mark.parametrize("events,expected_phase,expected", PAUSED_TABLE)
def test_paused_table(events, expected_phase, expected):
    engine = engine_at(P.PAUSED)
    assert engine.paused_from == P.SHIFT and engine.applied == (90, 10)
    for event in events:
        got = engine.handle(event)
    assert engine.phase == expected_phase
    _match(got, expected)


def test_paused_the_judged_window_keeps_moving_and_resume_goes_on():
    engine = engine_at(P.PAUSED)
    assert engine.next_deadline() == 60
    engine.handle(ev.TimerFired(201))
    assert engine.next_deadline() == 261
    engine.handle(ev.WindowJudged(201, 0, X90, Y10))
    assert engine.phase == P.PAUSED and engine.verdicts[-1].end == 201
    got = engine.handle(ev.ResumeRequested(250))
    assert engine.phase == P.SHIFT and got[-1] == cmd.SetWeights(90, 10)


def test_paused_with_automatic_rollback_off_warns_and_stays_paused():
    engine = engine_at(P.PAUSED, PLAN_TEXT + "rollback: {automatic: false}\n")
    got = engine.handle(ev.WindowJudged(201, 0, X90, BAD))
    assert engine.phase == P.PAUSED
    assert got[0].level == "error" and "automatic rollback is off" in got[0].message
    assert engine.detection is not None


def test_paused_before_y_takes_traffic_judges_nothing():
    """Held at smoke (Y has no traffic): no window timer, nothing to judge."""
    engine = engine_at(P.SMOKE_Y)
    engine.handle(ev.SmokeChecked(engine.now + 1, (SmokeResult("key-auth", "y1", False, "200", "401"),)))
    assert engine.phase == P.PAUSED and engine.next_deadline() is None
    assert engine.handle(ev.WindowJudged(engine.now + 60, engine.now, X90, BAD)) == []
    assert engine.phase == P.PAUSED
