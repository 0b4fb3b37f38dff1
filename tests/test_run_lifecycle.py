"""Opening a live run (adapters/run.py), its env files (adapters/env_file.py) and the headless
operator stand-in (tui/headless.py). No load balancer is contacted: the plans steer a command
that fails (an HAProxy nobody serves would refuse the run at its target lock, adapters/target_lock.py),
or the drivers run against tests/fake_world.py."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from adapters.env_file import EnvFileError, env_file_paths, fill_environ, read_env_file
from adapters.live import LiveConductor
from adapters.run import Intent, LiveRun, Refused
from rollout import events as ev
from rollout.engine import Engine
from rollout.journal import Journal
from rollout.phases import Phase
from rollout.plan import load_plan
from rollout.replay import replay
from tui.headless import HeadlessOperator

from .fake_world import fast_world

ROOT = Path(__file__).resolve().parents[1]
PLAN = """
turnout: 1
name: {name}
mode: dbless
pools:
  x: {{version: "3.4.3", nodes: [{{name: x1, admin: "http://127.0.0.1:9"}}]}}
  y: {{version: "3.9.1", nodes: [{{name: y1, admin: "http://127.0.0.1:9"}}]}}
load_balancer: {{type: command, set_weights: "false", get_weights: "false"}}
metrics: {{source: kong}}
steps: [{{y: 100}}]
"""


@pytest.fixture(autouse=True)
def lock_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TURNOUT_LOCK_DIR", str(tmp_path / "locks"))


def write_plan(tmp_path, name: str = "mine", extra: str = "") -> str:
    path = tmp_path / f"{name}.yml"
    path.write_text(PLAN.format(name=name) + extra)
    return str(path)


def write_env(path: Path, text: str, mode: int = 0o600) -> str:
    path.write_text(text)
    os.chmod(path, mode)
    return str(path)


# ---------------------------------------------------------------- env files

def test_an_env_file_fills_the_environment_without_overriding_it(tmp_path):
    first = write_env(tmp_path / "first", "export A=from-first\nB='quoted value'\n# a comment\n")
    second = write_env(tmp_path / "second", "A=from-second\nC=${A}\n")
    environ = {"B": "exported"}
    assert fill_environ([first, second], environ) == ["A", "C"]
    assert environ == {"A": "from-first", "B": "exported", "C": "${A}"}  # no expansion: values are literal


def test_the_plans_env_file_is_relative_to_the_plan_and_the_flag_comes_first(tmp_path):
    plan_path = str(tmp_path / "lab" / "plan.yml")
    assert env_file_paths(plan_path, "env", "mine.env") == ["mine.env", str(tmp_path / "lab" / "env")]
    assert env_file_paths(plan_path, None) == []


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620])
def test_an_env_file_open_to_group_or_others_is_refused_in_one_line(tmp_path, mode):
    path = write_env(tmp_path / "env", "SECRET=do-not-print\n", mode)
    with pytest.raises(EnvFileError) as exc:
        read_env_file(path)
    message = str(exc.value)
    assert path in message and f"{mode:04o}" in message and "do-not-print" not in message and "\n" not in message


def test_an_env_file_someone_else_owns_is_refused(tmp_path, monkeypatch):
    path = write_env(tmp_path / "env", "SECRET=do-not-print\n")
    monkeypatch.setattr(os, "getuid", lambda: os.stat(path).st_uid + 1)
    with pytest.raises(EnvFileError, match="not by you"):
        read_env_file(path)


def test_turnout_run_refuses_a_readable_env_file_before_anything_else(tmp_path):
    write_env(tmp_path / "env", "SECRET=do-not-print\n", 0o644)
    plan = write_plan(tmp_path, extra="env_file: env\n")
    run = subprocess.run([sys.executable, "-m", "tui.cli", "run", plan, "--headless"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip() == (f"turnout: {tmp_path / 'env'}: env file is mode 0644, open to group or others; "
                                  "make it 0600 (chmod 600)")
    assert not (tmp_path / ".turnout").exists()


PROBE = """
    import json, sys
    from adapters.live import LiveConductor

    async def probe(self):
        heavy = sorted(m for m in sys.modules if m == "lab" or m.startswith(("lab.", "sim.lab", "aiohttp", "sim.loadgen", "sim.kongnode")))
        print(json.dumps({{"modules": heavy, "key": __import__("os").environ.get("TURNOUT_TEST_KEY")}}), flush=True)
        self.stop()
        return self.engine

    LiveConductor.run = probe
    from tui.cli import main
    main(["run", {plan!r}, "--headless"])
"""


def test_turnout_run_loads_no_lab_and_no_aiohttp_and_reads_the_plans_env_file(tmp_path):
    """At the moment the conductor starts (world built, run opened), the lab and aiohttp are not loaded;
    the key named by the plan's env_file is in the environment."""
    write_env(tmp_path / "env", "TURNOUT_TEST_KEY=the-key\n")
    plan = write_plan(tmp_path, extra="env_file: env\n")
    env = {k: v for k, v in os.environ.items() if k != "TURNOUT_TEST_KEY"}
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(PROBE.format(plan=plan))], capture_output=True,
                         text=True, cwd=tmp_path, timeout=60, env={**env, "PYTHONPATH": str(ROOT)})
    seen = json.loads(run.stdout.splitlines()[0])
    assert seen == {"modules": [], "key": "the-key"}, run.stderr


# ---------------------------------------------------------------- LiveRun.open

async def test_a_fresh_run_opens_with_run_started_and_holds_both_locks(tmp_path):
    plan_path = write_plan(tmp_path)
    run = await LiveRun.open(load_plan(plan_path), plan_path, str(tmp_path / "run"))
    try:
        assert run.engine.phase == Phase.NEW and run.note == "" and run.warnings == []
        assert isinstance(run.first[0], ev.RunStarted) and run.first[0].world == "live"
        assert all(isinstance(e, ev.Noted) for e in run.first[1:])  # the adapters' warnings, journaled once
        with pytest.raises(Refused, match="another turnout .* is conducting this run"):
            await LiveRun.open(load_plan(plan_path), plan_path, str(tmp_path / "run"))
    finally:
        run.close()
    again = await LiveRun.open(load_plan(plan_path), plan_path, str(tmp_path / "run"))  # close gave both back
    again.close()


async def test_a_changed_plan_is_refused_and_the_locks_are_given_back(tmp_path):
    plan_path = write_plan(tmp_path)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    journal = Journal(str(run_dir / "journal.jsonl"))
    journal.append(ev.RunStarted(1.0, "mine", "0" * 64, "live"))
    journal.close()
    with pytest.raises(Refused) as exc:
        await LiveRun.open(load_plan(plan_path), plan_path, str(run_dir))
    assert str(exc.value) == (f"{plan_path}: the plan changed since the run in {run_dir} started; "
                              "finish or roll back that run first (or use another --run-dir)")
    with pytest.raises(Refused) as exc:
        await LiveRun.open(load_plan(plan_path), plan_path, str(run_dir))
    assert "plan changed" in str(exc.value)  # not "another turnout": the first refusal unlocked


async def test_a_resumed_run_is_reconciled_then_gets_the_operators_intent(tmp_path):
    """The LB cannot be read here (its command fails): the run resumes without its weights, says so, and the
    operator's --rollback follows the Resumed event."""
    plan_path = write_plan(tmp_path)
    first = await LiveRun.open(load_plan(plan_path), plan_path, str(tmp_path / "run"))
    first.journal.append(first.first[0])
    first.close()
    run = await LiveRun.open(load_plan(plan_path), plan_path, str(tmp_path / "run"), Intent(rollback=True))
    try:
        assert run.note == f"resuming the run in {tmp_path / 'run'} at preflight (1 events replayed)"
        assert run.warnings and run.warnings[0].startswith("turnout: cannot read the load balancer's weights: ")
        assert [type(e) for e in run.first[:2]] == [ev.Resumed, ev.RollbackRequested]
        assert run.first[0].x is None and run.first[1].reason == "operator (--rollback)"
    finally:
        run.close()


def test_a_sim_plan_is_refused_before_any_lock(tmp_path):
    plan_path = tmp_path / "sim.yml"
    plan_path.write_text(PLAN.format(name="sim").replace('{type: command, set_weights: "false", get_weights: "false"}',
                                                         "{type: sim}"))
    with pytest.raises(Refused, match="sim plans run only in rehearsal"):
        asyncio.run(LiveRun.open(load_plan(str(plan_path)), str(plan_path), str(tmp_path / "run")))
    assert not (tmp_path / "run").exists()


# ---------------------------------------------------------------- the headless stand-in

async def held_run(tmp_path):
    """A run held mid-shift by a failing load balancer, replayed from its journal as a restart would."""
    world = fast_world(tmp_path)
    world.lb.fail = True
    path = str(tmp_path / "j.jsonl")
    journal = Journal(path)
    conductor = LiveConductor(Engine(world.plan), world, journal, first=[ev.RunStarted(world.runtime.now(), "p")])
    conductor.on_idle = lambda: conductor.engine.phase == Phase.PAUSED and conductor.stop()
    await asyncio.wait_for(conductor.run(), 10)
    journal.close()
    world.lb.fail = False
    return world, replay(world.plan, Journal.read(path)), path


async def operate(world, engine, path, first, **options) -> tuple[Engine, list[str]]:
    lines: list[str] = []
    operator = HeadlessOperator(**options)
    operator.say = lines.append
    journal = Journal(path)
    conductor = LiveConductor(engine, world, journal, first=first, observer=operator.observe, on_idle=operator.idle)
    operator.operate(conductor)
    await asyncio.wait_for(conductor.run(), 10)
    journal.close()
    return engine, lines


async def test_the_stand_in_stops_on_a_hold_nobody_can_lift(tmp_path):
    world, engine, path = await held_run(tmp_path)
    engine, lines = await operate(world, engine, path, [ev.Resumed(world.runtime.now(), *world.lb.weights)])
    assert engine.phase == Phase.PAUSED
    assert any("resumed" in line.lower() for line in lines)


async def test_the_stand_in_lets_a_command_line_intent_lift_the_hold(tmp_path):
    world, engine, path = await held_run(tmp_path)
    now = world.runtime.now()
    first = [ev.Resumed(now, *world.lb.weights), ev.RollbackRequested(now, "operator (--rollback)")]
    engine, _ = await operate(world, engine, path, first)
    assert engine.phase == Phase.ROLLED_BACK and world.lb.weights == (100, 0)


async def test_the_stand_in_approves_through_the_conductor_when_asked(tmp_path):
    world = fast_world(tmp_path)
    engine, _ = await operate(world, Engine(world.plan), str(tmp_path / "j.jsonl"),
                              [ev.RunStarted(world.runtime.now(), "p")], auto_approve=True)
    assert engine.phase == Phase.DONE
    approvals = [e for e in Journal.read(str(tmp_path / "j.jsonl")) if isinstance(e, ev.StepApproved)]
    assert [(a.step, a.by) for a in approvals] == [(1, "auto-approve")]


async def test_without_auto_approve_the_stand_in_stops_and_says_how_to_go_on(tmp_path):
    world = fast_world(tmp_path)
    engine, lines = await operate(world, Engine(world.plan), str(tmp_path / "j.jsonl"),
                                  [ev.RunStarted(world.runtime.now(), "p")])
    assert engine.pending_approval == 1 and engine.phase == Phase.SHIFT
    assert lines[-1] == "step 2 needs approval: run with --auto-approve, or use the TUI"


async def test_a_plan_the_adapters_cannot_wire_is_one_located_line_not_a_traceback(tmp_path, monkeypatch):
    """Validation catches what it knows; should wiring still find a problem, the run is refused in
    a line naming the plan file, and both locks are given back."""
    import adapters.world
    from rollout.errors import PlanError, Problem

    def refuse(plan, run_dir):
        raise PlanError([Problem("plan", 0, "metrics.source", "cannot be wired")])

    monkeypatch.setattr(adapters.world, "build_world", refuse)
    plan_path = write_plan(tmp_path)
    with pytest.raises(Refused) as refused:
        await LiveRun.open(load_plan(plan_path), plan_path, str(tmp_path / "run"))
    assert str(refused.value) == f"{plan_path}: metrics.source: cannot be wired"
    with pytest.raises(Refused) as again:  # both locks were given back: the same line again, not "another turnout"
        await LiveRun.open(load_plan(plan_path), plan_path, str(tmp_path / "run"))
    assert str(again.value) == str(refused.value)
