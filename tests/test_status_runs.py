"""``turnout status`` and ``turnout runs``: read a run's journal without its lock, write nothing.

The journals are written by the real LiveConductor over the in-memory world (tests/fake_world.py);
the commands run as the operator types them (``python -m tui.cli``), in a directory holding
the plan file and ``.turnout/``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from adapters.live import LiveConductor
from adapters.rundir import plan_sha256
from rollout import commands as cmd
from rollout import events as ev
from rollout.engine import Engine
from rollout.journal import Journal

from .fake_world import FAST_PLAN, fast_world

ROOT = Path(__file__).resolve().parents[1]


def turnout(cwd, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60)


async def write_run(tmp_path, journal: str, y_error_rate: float = 0.0) -> None:
    """A whole run of the fast plan (approvals given), journaled at ``journal``."""
    world = fast_world(tmp_path)
    world.metrics.y_error_rate = y_error_rate
    first = [ev.RunStarted(world.runtime.now(), "fast plan", plan_sha256(str(tmp_path / "fast.yml")), "live")]
    conductor = LiveConductor(Engine(world.plan), world, Journal(journal), first=first)

    def approve(engine, commands):
        for c in commands:
            if isinstance(c, cmd.AskApproval):
                conductor.submit(ev.StepApproved(0.0, c.step, "test"))
    conductor.observer = approve
    await asyncio.wait_for(conductor.run(), 10)
    conductor.journal.close()


async def a_run_dir(tmp_path) -> Path:
    (tmp_path / "fast.yml").write_text(FAST_PLAN)
    run_dir = tmp_path / ".turnout" / "fast-plan"
    run_dir.mkdir(parents=True, mode=0o700)
    await write_run(tmp_path, str(run_dir / "journal-20261129T000000Z.jsonl"), y_error_rate=0.4)  # rolled back, archived
    await write_run(tmp_path, str(run_dir / "journal.jsonl"))
    return run_dir


async def test_status_is_one_line_read_from_the_journal_without_lock_or_writes(tmp_path):
    run_dir = await a_run_dir(tmp_path)
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in run_dir.iterdir()}
    done = turnout(tmp_path, "status", ".turnout/fast-plan")
    assert done.returncode == 0, done.stderr
    line, = done.stdout.splitlines()
    assert line.startswith("fast plan: done, X 0% / Y 100%, last window pass at ") and " ago)" in line
    by_plan = turnout(tmp_path, "status", "fast.yml", "--json")
    assert by_plan.returncode == 0, by_plan.stderr
    found = json.loads(by_plan.stdout)
    assert (found["phase"], found["outcome"], found["weights"], found["last_verdict"]) == ("done", "completed", {"x": 0, "y": 100}, "pass")
    every = turnout(tmp_path, "status").stdout
    assert every.rsplit(" (", 1)[0] == line.rsplit(" (", 1)[0], "no argument: every run directory under .turnout/"
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in run_dir.iterdir()}
    assert after == before, "status wrote nothing (no lock file, no journal change)"


async def test_runs_lists_past_and_present_runs_with_outcome_and_duration(tmp_path):
    await a_run_dir(tmp_path)
    table = turnout(tmp_path, "runs")
    assert table.returncode == 0, table.stderr
    rows = table.stdout.splitlines()
    assert rows[0].split() == ["run", "journal", "started", "(UTC)", "duration", "outcome"]
    assert "archived" in rows[1] and "rolled back" in rows[1]
    assert "current" in rows[2] and "completed" in rows[2]
    listed = json.loads(turnout(tmp_path, "runs", "--json").stdout)
    assert [r["outcome"] for r in listed] == ["rolled back", "completed"]
    assert all(r["duration_s"] > 0 for r in listed)


async def test_a_corrupt_journal_or_a_missing_target_is_one_line_and_exit_2(tmp_path):
    run_dir = await a_run_dir(tmp_path)
    journal = run_dir / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(lines[:2] + [lines[2].replace(b'"at":', b'"at": ')] + lines[3:]))
    bad = turnout(tmp_path, "status", str(run_dir))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and f"{journal}:3:" in bad.stderr, bad.stderr
    assert turnout(tmp_path, "runs").returncode == 2
    for target in ("nowhere", "nowhere.yml"):
        missing = turnout(tmp_path, "status", target)
        assert missing.returncode == 2 and missing.stderr == f"turnout status: {target}: no such plan file or run directory\n"
    assert turnout(tmp_path, "runs", "nowhere").returncode == 2


async def test_without_the_plan_the_weights_are_still_read_and_the_phase_is_unknown(tmp_path):
    run_dir = await a_run_dir(tmp_path)
    os.unlink(tmp_path / "fast.yml")
    found = json.loads(turnout(tmp_path, "status", str(run_dir), "--json").stdout)
    assert found["phase"] == "unknown" and found["weights"] == {"x": 0, "y": 100} and "sha256" in found["note"]
