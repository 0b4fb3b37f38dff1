"""End to end in the lab: Kong node emulator behind a real HAProxy, real HTTP load, `turnout run`.

Every test here talks to the Kong node emulator (sim/kong_emulator) through a real HAProxy
started on loopback; the lab is stopped by PID in the fixture's finalizer.
"""

from __future__ import annotations

import asyncio
import signal

import pytest

from rollout.plan import load_plan
from sim.lab import haproxy_weights, set_faults, y_share

from .lab_support import Traffic, describe, finish_run, lab, samples_for, start_run  # noqa: F401

pytestmark = [pytest.mark.lab, pytest.mark.timeout(90)]
RPS = 600.0
SPLIT_TOLERANCE_PP = 2.0


async def test_rollout_under_load_loses_no_request_and_every_step_splits_as_weighted(lab):
    """Emulator behind real HAProxy: a full X->Y rollout at 600 rps, zero failed requests, and at
    every step the share the Y nodes themselves counted is within 2 points of the step's weight."""
    plan = load_plan(lab.plan)
    async with Traffic(lab, RPS) as traffic:
        code, summary, err = await finish_run(await start_run(lab))
        report, samples = await traffic.finish()
    assert code == 0, f"turnout run exited {code}: {err[-800:]}"
    assert summary["outcome"] == "completed"
    assert report.failed == 0 and report.skipped == 0, describe(report, samples)
    assert report.achieved_rps >= 500, describe(report, samples)
    for step in plan.steps:
        seen = samples_for(samples, step.y)
        assert seen, f"no settled sample at {step.y}% on Y: {describe(report, samples)}"
        for sample in seen:
            assert sample.off_by <= SPLIT_TOLERANCE_PP, f"step {step.y}%: {describe(report, samples)}"
            assert sample.requests >= 500


async def test_a_failing_y_is_rolled_back_and_only_ys_injected_5xx_fail(lab):
    """Emulator behind real HAProxy: Y answers 5% 500s once it gets traffic; the gates roll the run
    back, HAProxy ends at 100% X, and every failed request is an injected 500 from a Y node."""
    faulted: list[float] = []

    async def fault_when_y_gets_traffic(weights: dict[str, int]) -> None:
        if not faulted and y_share(weights, lab) > 0:
            await set_faults(lab, "y", {"error_share": 0.05})
            faulted.append(y_share(weights, lab))

    async with Traffic(lab, RPS, on_weights=fault_when_y_gets_traffic) as traffic:
        code, summary, err = await finish_run(await start_run(lab))
        report, samples = await traffic.finish(tail_s=2.0)
    print(f"lab rollback: {describe(report, samples)}; detection {summary.get('detection')}")
    assert faulted, "Y never got traffic"
    assert code == 1, f"turnout run exited {code}: {err[-800:]}"
    assert summary["outcome"] == "rolled_back"
    weights = await haproxy_weights(lab)
    assert y_share(weights, lab) == 0.0
    assert samples[-1].configured_y == 0.0 and samples[-1].observed_y == 0.0, describe(report, samples)
    assert report.failed > 0
    assert report.socket_errors == {} and set(report.http_errors) == {"500"}, describe(report, samples)
    assert set(report.failed_by_node) <= set(lab.y), describe(report, samples)


async def test_kill_9_mid_shift_then_the_same_command_resumes_and_completes(lab):
    """Emulator behind real HAProxy: `turnout run` is killed with SIGKILL while 25% is on Y; the same
    command resumes from the journal, reconciles with HAProxy's real weights and completes, with
    zero failed requests over the whole episode."""
    async with Traffic(lab, RPS) as traffic:
        first = await start_run(lab)
        await _wait_for_share(lab, 25.0, first)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        held = y_share(await haproxy_weights(lab), lab)
        code, summary, err = await finish_run(await start_run(lab))
        report, samples = await traffic.finish()
    assert first.returncode == -signal.SIGKILL
    assert held == pytest.approx(25.0, abs=0.5), "HAProxy kept the weights of the killed run"
    assert "resuming the run" in err, err[-800:]
    assert code == 0, f"resumed run exited {code}: {err[-800:]}"
    assert summary["outcome"] == "completed"
    assert report.failed == 0, describe(report, samples)
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
