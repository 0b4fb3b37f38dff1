"""Safety invariants under any order of events (hypothesis): the engine's promises to the operator."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from rollout import commands as cmd
from rollout import events as ev
from rollout.engine import Engine
from rollout.journal import decode, encode
from rollout.phases import TERMINAL, Phase
from rollout.replay import replay

from .engine_support import answer, clone, plan, sample_events

PLAN = plan()
N_SAMPLES = len(sample_events(0))

# An action is either "let the healthy world answer what is pending" or "inject sample event k".
actions = st.lists(st.one_of(st.just(-1), st.integers(0, N_SAMPLES - 1)), max_size=60)


def play(choices):
    """Play a random mix of world answers and arbitrary events; return (engine, events fed, commands seen)."""
    engine, fed, seen, pending, t = Engine(PLAN), [], [], [], 0.0
    first = ev.RunStarted(t, "test plan")
    for choice in [None] + list(choices):
        t += 7.0
        if choice is None:
            event = first
        elif choice == -1 and pending:
            event = pending.pop(0)
        elif choice == -1:
            deadline = engine.next_deadline()
            event = ev.TimerFired(max(t, deadline or t))
        else:
            event = sample_events(t)[choice]
        t = max(t, event.at)
        fed.append(event)
        out = engine.handle(event)
        seen.append((clone(engine), out))
        pending.extend(a for a in (answer(c, t, split=engine.applied or (100, 0)) for c in out) if a is not None)
    return engine, fed, seen


@settings(max_examples=300, deadline=None)
@given(actions)
def test_weights_always_sum_to_100(choices):
    _, _, seen = play(choices)
    for _, out in seen:
        for c in out:
            if isinstance(c, cmd.SetWeights):
                assert c.x + c.y == 100 and 0 <= c.y <= 100


@settings(max_examples=300, deadline=None)
@given(actions)
def test_rollback_is_reachable_and_goes_to_x_first(choices):
    _, _, seen = play(choices)
    for engine, _ in seen:
        if engine.phase in TERMINAL or engine.phase == Phase.NEW:
            continue
        trial = clone(engine)
        out = trial.handle(ev.RollbackRequested(trial.now + 1))
        assert trial.phase == Phase.ROLLING_BACK
        moves = [c for c in out if not isinstance(c, cmd.Notify)]
        if trial.x_stopped:
            assert moves[0] == cmd.StartNodes("x", PLAN.pools.x.names)
        elif trial.waiting_for_x:
            assert isinstance(moves[0], cmd.ProbeNodes)  # no healthy X: never send traffic to an empty pool
        else:
            assert isinstance(moves[0], cmd.SetWeights) and (moves[0].x, moves[0].y) == (100, 0)


@settings(max_examples=200, deadline=None)
@given(actions)
def test_replay_of_the_journal_equals_the_live_engine(choices):
    live, fed, _ = play(choices)
    lines = [encode(e) for e in fed]
    rebuilt = replay(PLAN, [decode(line) for line in lines])
    assert rebuilt.snapshot() == live.snapshot()
    assert all(json.loads(line)["type"] for line in lines)


def healthy_y(engine: Engine) -> int:
    """Y nodes the engine has not seen unhealthy (a node never probed counts as healthy)."""
    return sum(1 for n in PLAN.pools.y.names if engine.nodes.get(n) is None or engine.nodes[n].ready)


@settings(max_examples=200, deadline=None)
@given(actions)
def test_traffic_never_goes_to_a_pool_the_engine_saw_without_a_healthy_node(choices):
    _, _, seen = play(choices)
    previous = Engine(PLAN)
    for engine, out in seen:
        for c in out:
            if isinstance(c, cmd.SetWeights) and c.y > 0:
                assert healthy_y(previous) > 0 or healthy_y(engine) > 0
                assert set(c.exclude) >= {n for n, p in engine.nodes.items() if not p.ready}
        previous = engine
