"""The default latency gate through a real HAProxy (issue 10's acceptance): HAProxy reports
whole-millisecond averages, 0-2 ms on loopback, so a bare ratio against X flapped and rolled a
healthy Y back. With the default ``min_delta_ms`` floor, a healthy Y and a Y 1 ms slower
complete with no failed request, and a Y 150 ms slower is rolled back by the latency gate."""

from __future__ import annotations

import pytest

from lab.control import haproxy_weights, y_share
from rollout.plan import load_plan
from tests.lab_drill import drill

from .lab_support import lab  # noqa: F401

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]
RPS = 600.0


def test_the_lab_plan_keeps_the_default_latency_gate(lab):
    gate = load_plan(lab.plan).gates.latency_p99_ms
    assert (gate.max, gate.max_ratio_vs_x, gate.min_delta_ms) == (1000, 1.3, 5)


@pytest.mark.parametrize("extra_ms", [0, 1])
async def test_a_healthy_or_1ms_slower_y_completes_with_no_failed_request(lab, extra_ms):
    result = await drill(lab, RPS, y_fault={"latency_ms": extra_ms} if extra_ms else None)
    assert result.code == 0, f"turnout run exited {result.code}: {result.summary.get('reason')} {result.stderr[-600:]}"
    assert result.summary["outcome"] == "completed"
    assert result.report.failed == 0, result.describe()


async def test_a_y_150ms_slower_is_rolled_back_by_the_latency_gate(lab):
    result = await drill(lab, RPS, y_fault={"latency_ms": 150})
    assert result.code == 1, f"turnout run exited {result.code}: {result.stderr[-600:]}"
    assert result.summary["outcome"] == "rolled_back"
    assert "latency_p99_ms" in result.summary["detection"]["gate"], result.summary["detection"]
    assert y_share(await haproxy_weights(lab), lab) == 0.0
