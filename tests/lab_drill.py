"""A drill in the lab: steady load, `turnout run` on the lab plan, and an outside observer, together.

Used by the lab tests (tests/test_lab_*.py) and the benchmarks (bench/lab_*.py), so both
measure the same way: an open-loop load through HAProxy (lab.loadgen), a StepSampler reading
HAProxy's weights and the nodes' own counters (lab.observe), and the real command
``turnout run PLAN --headless --auto-approve --json`` in a subprocess, as an operator runs it.
An optional Y fault is switched on the moment HAProxy first gives Y a weight (Y degrades
under real traffic; the smoke checks before the shift still pass, as they would in life).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import yaml

from lab.control import set_faults, y_share
from lab.loadgen import LoadGenerator, LoadReport
from lab.observe import StepSample, StepSampler
from lab.state import LabState

RUN_TIMEOUT_S = 60.0
STATED_ANSWER_MS = {"p50": 0.8, "p99": 2.4}  # the lab's stated answer time, as plans/scenarios/lab-answer-1ms.yml says


def plan_with_latency_gate(state: LabState, latency: dict) -> str:
    """A copy of the lab's plan beside it (same ``env_file``) with ``gates.latency_p99_ms`` replaced."""
    with open(state.plan, encoding="utf-8") as source:
        doc = yaml.safe_load(source)
    doc["gates"]["latency_p99_ms"] = latency
    path = os.path.join(os.path.dirname(state.plan), "plan-gate.yml")
    with open(path, "w", encoding="utf-8") as out:
        yaml.safe_dump(doc, out, sort_keys=False)
    return path


@dataclass
class DrillResult:
    code: int | None  # turnout run's exit code (None: it overran and was killed)
    summary: dict[str, Any]  # its --json summary ({} when it printed none)
    stderr: str
    report: LoadReport
    samples: list[StepSample]
    fault_at: float | None = None  # wall clock when the Y fault was switched on
    run_started: float = 0.0
    run_ended: float = 0.0

    def describe(self) -> str:
        r = self.report
        split = ", ".join(f"{s.configured_y:.1f}->{s.observed_y:.2f}" for s in self.samples)
        return (f"exit {self.code}, sent {r.sent} ({r.achieved_rps:.0f} rps), failed {r.failed} http {r.http_errors} "
                f"socket {r.socket_errors} by node {r.failed_by_node}; configured->observed Y%: {split}")


def turnout_argv(*args: str) -> list[str]:
    """``turnout ARGS`` as the console script runs it: ``-P`` keeps the current directory off sys.path,
    so a lab's runtime directory ``./lab`` there is never imported in place of the ``lab`` package."""
    return [sys.executable, "-P", "-m", "tui.cli", *args]


async def start_run(state: LabState, *extra: str, plan: str | None = None) -> asyncio.subprocess.Process:
    """``turnout run lab/plan.yml --headless --auto-approve --json``, from the lab's parent directory;
    ``plan``: another plan for the same lab instead (a copy of the lab's with a gate changed)."""
    argv = turnout_argv("run", plan or state.plan, "--headless", "--auto-approve", "--json", *extra)
    return await asyncio.create_subprocess_exec(*argv, cwd=os.path.dirname(state.dir), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)


async def finish_run(proc: asyncio.subprocess.Process, timeout: float = RUN_TIMEOUT_S) -> tuple[int | None, dict, str]:
    """Wait for the run: (exit code, its JSON summary, stderr); a run that overruns is killed (code None)."""
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        return None, {}, f"turnout run did not finish within {timeout:g}s"
    try:
        summary = json.loads(out.decode() or "{}")
    except ValueError:
        summary = {}
    return proc.returncode, summary, err.decode(errors="replace")


@dataclass
class Observed:
    """Load through the frontend and a StepSampler on HAProxy, both running until ``finish``."""

    state: LabState
    rps: float = 600.0
    bound_s: float = 85.0  # the load stops by itself after this, whatever happens
    y_fault: dict[str, Any] | None = None  # e.g. {"error_share": 0.05}, switched on when Y first gets weight
    fault_at: float | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def _on_weights(self, weights: dict[str, int]) -> None:
        if self.y_fault and self.fault_at is None and y_share(weights, self.state) > 0:
            await set_faults(self.state, "y", self.y_fault)
            self.fault_at = time.time()

    async def __aenter__(self) -> "Observed":
        self.gen = LoadGenerator(self.state.frontend + "/echo", self.rps, duration=self.bound_s,
                                 headers={"apikey": self.state.api_key})
        self.sampler = StepSampler(self.state, on_weights=self._on_weights)
        self.load_task = asyncio.create_task(self.gen.run(self.stop))
        self.sample_task = asyncio.create_task(self.sampler.run(self.stop))
        await asyncio.sleep(1.0)  # connections warm and counters moving before the run starts
        return self

    async def finish(self, tail_s: float = 1.0) -> tuple[LoadReport, list[StepSample]]:
        await asyncio.sleep(tail_s)
        self.stop.set()
        return await self.load_task, await self.sample_task

    async def __aexit__(self, *exc: Any) -> None:
        self.stop.set()
        for task in (self.load_task, self.sample_task):
            if not task.done():
                await asyncio.wait({task}, timeout=10)


async def drill(state: LabState, rps: float = 600.0, y_fault: dict[str, Any] | None = None,
                plan: str | None = None) -> DrillResult:
    """One whole rollout of the lab plan (or ``plan``) under load; everything measured from outside Turnout."""
    async with Observed(state, rps, y_fault=y_fault) as observed:
        started = time.time()
        code, summary, err = await finish_run(await start_run(state, plan=plan))
        ended = time.time()
        report, samples = await observed.finish(tail_s=2.0 if y_fault else 1.0)
    return DrillResult(code, summary, err, report, samples, observed.fault_at, started, ended)


def samples_for(samples: list[StepSample], y: float) -> list[StepSample]:
    """Samples whose weights send (about) y% to Y."""
    return [s for s in samples if abs(s.configured_y - y) < 0.5]
