"""Helpers for the lab's end-to-end tests (tests/test_lab_*.py): a lab per test, load, a run.

The ``lab`` fixture starts the lab (emulated Kong nodes behind a real HAProxy, on free
loopback ports, files under tmp_path) without background traffic, so each test offers and
counts its own load; its finalizer runs ``down`` (stop by PID), even when the test failed.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass, field

import pytest

from sim.lab import LabOptions, LabState, down, up
from sim.lab_observe import StepSample, StepSampler
from sim.loadgen import LoadGenerator, LoadReport
from tests.realparts import require

RUN_TIMEOUT_S = 60.0


@pytest.fixture
def lab(tmp_path):
    require("haproxy")
    state = up(LabOptions(dir=str(tmp_path / "lab"), traffic=0))
    try:
        yield state
    finally:
        down(state.dir)


def turnout_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "tui.cli", *args]


async def start_run(state: LabState, *extra: str) -> asyncio.subprocess.Process:
    """``turnout run lab/plan.yml --headless --auto-approve --json`` as an operator would start it."""
    argv = turnout_argv("run", state.plan, "--headless", "--auto-approve", "--json", *extra)
    return await asyncio.create_subprocess_exec(*argv, cwd=os.path.dirname(state.dir), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)


async def finish_run(proc: asyncio.subprocess.Process, timeout: float = RUN_TIMEOUT_S) -> tuple[int, dict, str]:
    """Wait for the run; (exit code, the JSON summary, stderr). Kills it when it overruns."""
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        pytest.fail(f"turnout run did not finish within {timeout:g}s")
    text = err.decode(errors="replace")
    try:
        summary = json.loads(out.decode() or "{}")
    except ValueError:
        pytest.fail(f"turnout run printed no JSON summary; stderr: {text[-800:]}")
    return proc.returncode, summary, text


@dataclass
class Traffic:
    """Load through the frontend and a StepSampler watching HAProxy, both running until ``stop``."""

    state: LabState
    rps: float = 600.0
    bound_s: float = 85.0  # the load stops by itself after this, whatever happens
    on_weights: object = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> "Traffic":
        self.gen = LoadGenerator(self.state.frontend + "/echo", self.rps, duration=self.bound_s,
                                 headers={"apikey": self.state.api_key})
        self.sampler = StepSampler(self.state, on_weights=self.on_weights)  # type: ignore[arg-type]
        self.load_task = asyncio.create_task(self.gen.run(self.stop))
        self.sample_task = asyncio.create_task(self.sampler.run(self.stop))
        await asyncio.sleep(1.0)  # connections warm, counters moving, before the run starts
        return self

    async def finish(self, tail_s: float = 1.0) -> tuple[LoadReport, list[StepSample]]:
        await asyncio.sleep(tail_s)
        self.stop.set()
        return await self.load_task, await self.sample_task

    async def __aexit__(self, *exc) -> None:
        self.stop.set()
        for task in (self.load_task, self.sample_task):
            if not task.done():
                await asyncio.wait({task}, timeout=10)


def samples_for(samples: list[StepSample], y: float) -> list[StepSample]:
    """Samples whose weights send (about) y% to Y."""
    return [s for s in samples if abs(s.configured_y - y) < 0.5]


def describe(report: LoadReport, samples: list[StepSample]) -> str:
    split = ", ".join(f"{s.configured_y:.1f}->{s.observed_y:.2f}" for s in samples)
    return (f"sent {report.sent} ({report.achieved_rps:.0f} rps), failed {report.failed} "
            f"http {report.http_errors} socket {report.socket_errors} by node {report.failed_by_node}; "
            f"configured->observed Y%: {split}")
