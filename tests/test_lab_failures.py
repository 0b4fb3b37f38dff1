"""Failure paths end to end: the Kong node emulator behind a real HAProxy, `turnout run` as a user runs it.

A config write during the freeze, and the HAProxy runtime socket gone mid-shift: each ends in a
one-line reason and a held run that has not pushed forward (HAProxy keeps the weights it had);
the operator then resumes or rolls back with the same command. No traceback anywhere.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from lab.control import haproxy_weights, set_faults, y_share
from tests.lab_drill import Observed, finish_run, start_run

from .lab_support import lab  # noqa: F401
from .test_lab_rollout import _wait_for_share

pytestmark = [pytest.mark.lab, pytest.mark.timeout(90)]
RPS = 300.0


async def test_a_config_write_during_the_freeze_holds_then_the_operator_rolls_back(lab):
    async with Observed(lab, RPS) as observed:
        run = await start_run(lab)
        await _wait_for_share(lab, 5.0, run)
        await set_faults(lab, "x1", {"config_hash": "f" * 32})  # someone wrote config on x1
        code, summary, err = await finish_run(run)
        held_at = y_share(await haproxy_weights(lab), lab)
        back_code, back, back_err = await finish_run(await start_run(lab, "--rollback"))
        report, _ = await observed.finish()
    assert code == 1 and summary["outcome"] == "halted", err[-800:]
    assert summary["detection"]["gate"] == "config_hash"
    assert "configuration changed during the freeze on x1" in err and "Traceback" not in err
    assert "Go on with: turnout run" in err and "--resume (or --rollback)" in err
    assert held_at == pytest.approx(5.0, abs=0.5), "a hold never pushes traffic forward"
    assert back_code == 1 and back["outcome"] == "rolled_back", back_err[-800:]
    assert y_share(await haproxy_weights(lab), lab) == 0.0
    assert report.failed == 0


async def test_the_haproxy_socket_gone_holds_then_the_run_resumes_when_it_is_back(lab):
    socket_path = os.path.join(lab.dir, "haproxy", "admin.sock")
    assert os.path.exists(socket_path), os.listdir(os.path.dirname(socket_path))
    async with Observed(lab, RPS) as observed:
        run = await start_run(lab)
        await _wait_for_share(lab, 5.0, run)
        os.rename(socket_path, socket_path + ".away")  # the runtime API disappears
        code, summary, err = await finish_run(run)
        os.rename(socket_path + ".away", socket_path)
        held_at = y_share(await haproxy_weights(lab), lab)
        again, resumed, again_err = await finish_run(await start_run(lab, "--resume"))
        report, _ = await observed.finish()
    assert code == 1 and summary["outcome"] == "halted", err[-800:]
    assert summary["detection"]["gate"].startswith("command:"), summary["detection"]
    lines = [line for line in err.splitlines() if "unreachable" in line]
    assert lines and "admin.sock" in lines[0] and "Traceback" not in err
    assert held_at == pytest.approx(5.0, abs=0.5)
    assert again == 0 and resumed["outcome"] == "completed", again_err[-800:]
    assert report.failed == 0
