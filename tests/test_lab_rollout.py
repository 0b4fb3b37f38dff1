"""End to end in the lab: Kong node emulator behind a real HAProxy, real HTTP load, `turnout run`.

Every test here talks to the Kong node emulator (lab/emulator) through a real HAProxy
started on loopback; the lab is stopped by PID in the fixture's finalizer.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess

import pytest

from lab.control import haproxy_weights, y_share
from rollout.plan import load_plan
from tests.lab_drill import Observed, drill, finish_run, samples_for, start_run, turnout_argv

from .lab_support import lab  # noqa: F401

pytestmark = [pytest.mark.lab, pytest.mark.timeout(90)]
RPS = 600.0
SPLIT_TOLERANCE_PP = 2.0


async def test_rollout_under_load_loses_no_request_and_every_step_splits_as_weighted(lab):
    """Emulator behind real HAProxy: a full X->Y rollout at 600 rps, zero failed requests, and at
    every step the share the Y nodes themselves counted is within 2 points of the step's weight."""
    plan = load_plan(lab.plan)
    result = await drill(lab, RPS)
    report, samples = result.report, result.samples
    assert result.code == 0, f"turnout run exited {result.code}: {result.stderr[-800:]}"
    assert result.summary["outcome"] == "completed"
    assert report.failed == 0 and report.skipped == 0, result.describe()
    assert report.achieved_rps >= 500, result.describe()
    for step in plan.steps:
        seen = samples_for(samples, step.y)
        assert seen, f"no settled sample at {step.y}% on Y: {result.describe()}"
        for sample in seen:
            assert sample.off_by <= SPLIT_TOLERANCE_PP, f"step {step.y}%: {result.describe()}"
            assert sample.requests >= 500


async def test_a_failing_y_is_rolled_back_and_only_ys_injected_5xx_fail(lab):
    """Emulator behind real HAProxy: Y answers 5% 500s once it gets traffic; the gates roll the run
    back, HAProxy ends at 100% X, and every failed request is an injected 500 from a Y node. The
    same plan and fault rehearsed in the simulated world predict the same outcome and step."""
    result = await drill(lab, RPS, y_fault={"error_share": 0.05})
    report, samples = result.report, result.samples
    print(f"lab rollback: {result.describe()}; detection {result.summary.get('detection')}")
    assert result.fault_at is not None, "Y never got traffic"
    assert result.code == 1, f"turnout run exited {result.code}: {result.stderr[-800:]}"
    assert result.summary["outcome"] == "rolled_back"
    assert y_share(await haproxy_weights(lab), lab) == 0.0
    assert samples[-1].configured_y == 0.0 and samples[-1].observed_y == 0.0, result.describe()
    assert report.failed > 0
    assert report.socket_errors == {} and set(report.http_errors) == {"500"}, result.describe()
    assert set(report.failed_by_node) <= set(lab.y), result.describe()
    rehearsal = _rehearse(lab, "y-errors-5pct.yml")
    steps = [s.y for s in load_plan(lab.plan).steps]
    assert rehearsal["outcome"] == result.summary["outcome"]
    assert abs(steps.index(rehearsal["detection"]["y_percent"]) - steps.index(result.summary["detection"]["y_percent"])) <= 1


def _rehearse(state, scenario: str) -> dict:
    """The same plan and fault in the simulated world (turnout rehearse, as a user runs it)."""
    argv = turnout_argv("rehearse", state.plan, "--scenario", os.path.join(state.dir, "scenarios", scenario), "--json")
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert out.returncode in (0, 1), out.stderr[-800:]
    return json.loads(out.stdout)


async def test_kill_9_mid_shift_then_the_same_command_resumes_and_completes(lab):
    """Emulator behind real HAProxy: `turnout run` is killed with SIGKILL while 25% is on Y; the same
    command resumes from the journal, reconciles with HAProxy's real weights and completes, with
    zero failed requests over the whole episode."""
    async with Observed(lab, RPS) as observed:
        first = await start_run(lab)
        await _wait_for_share(lab, 25.0, first)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        held = y_share(await haproxy_weights(lab), lab)
        code, summary, err = await finish_run(await start_run(lab))
        report, samples = await observed.finish()
    assert first.returncode == -signal.SIGKILL
    assert held == pytest.approx(25.0, abs=0.5), "HAProxy kept the weights of the killed run"
    assert "resuming the run" in err, err[-800:]
    assert code == 0, f"resumed run exited {code}: {err[-800:]}"
    assert summary["outcome"] == "completed"
    assert report.failed == 0, f"{report.failed} failed: {report.http_errors} {report.socket_errors}"
    assert samples_for(samples, 100.0)


async def _wait_for_share(state, share: float, proc, timeout: float = 40.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if proc.returncode is not None:
            pytest.fail(f"turnout run ended (exit {proc.returncode}) before {share}% on Y")
        if abs(y_share(await haproxy_weights(state), state) - share) < 0.5:
            await asyncio.sleep(0.5)  # mid-step: the weights are set, the bake is running
            return
        await asyncio.sleep(0.1)
    proc.kill()
    pytest.fail(f"{share}% on Y never reached within {timeout:g}s")
