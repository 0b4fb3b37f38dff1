"""``turnout attach``: snapshots and operator events over the run directory's unix socket
(adapters/control.py), and the detached conductor (tui/detach.py).

The codec and protocol tests use the real engine and an in-process conductor stand-in (no
load balancer). The end-to-end test talks to the Kong node emulator behind a real HAProxy:
``turnout run --detach`` conducts in the background, and the LIVE cockpit, attached through
the socket, rolls it back with ``r`` then ``y``.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess

import pytest

from adapters.control import AttachError, ControlServer, RemoteConductor, socket_path
from lab.control import haproxy_weights, y_share
from rollout import events as ev
from rollout.codec import build, to_data
from rollout.phases import Phase
from rollout.snapshot import Snapshot
from tests.lab_drill import turnout_argv
from tui.app import TurnoutApp
from tui.screens.confirm import ConfirmScreen

from .engine_support import engine_at
from .lab_support import busy_lab  # noqa: F401


@pytest.mark.parametrize("phase", [Phase.NEW, Phase.SHIFT, Phase.PAUSED, Phase.ROLLED_BACK, Phase.DONE])
def test_a_snapshot_survives_the_wire(phase):
    snap = engine_at(phase).snapshot()
    wire = json.loads(json.dumps(to_data(snap)))
    assert build(Snapshot, wire) == snap
    assert isinstance(build(Snapshot, wire).phase, Phase)


class StandIn:
    """The two methods a served conductor offers, over a real engine."""

    def __init__(self):
        self.engine = engine_at(Phase.SHIFT)
        self.submitted: list = []

    def snapshot(self):
        return self.engine.snapshot()

    def submit(self, event):
        self.submitted.append(event)


async def test_protocol_serves_snapshots_and_takes_only_operator_events(tmp_path):
    stand_in = StandIn()
    server = ControlServer(stand_in, str(tmp_path / "control.sock"))
    await server.start()
    assert stat.S_IMODE(os.stat(server.path).st_mode) == 0o600
    remote = RemoteConductor(server.path)
    await remote.connect()
    assert remote.snapshot() == stand_in.snapshot() and remote.world == "live"
    remote.submit(ev.RollbackRequested(0.0, "operator"))
    runner = asyncio.create_task(remote.run())
    for _ in range(50):
        if stand_in.submitted:
            break
        await asyncio.sleep(0.02)
    assert stand_in.submitted == [ev.RollbackRequested(0.0, "operator")]
    assert server.answer(b'{"op": "submit", "event": {"type": "WeightsApplied", "at": 1, "x": 0, "y": 100}}') == {
        "ok": False, "error": "not an operator event: 'WeightsApplied' (one of HaltRequested, PauseRequested, "
                              "ResumeRequested, RollbackRequested, StepApproved)"}
    assert server.answer(b'{"op": "reboot"}')["error"] == "unknown op 'reboot' (snapshot or submit)"
    assert server.answer(b"{not json")["error"] == "not a JSON line"
    remote.stop()
    await asyncio.gather(runner, return_exceptions=True)
    await server.close()
    assert not os.path.exists(server.path)


async def test_attaching_where_nobody_serves_is_one_clear_line(tmp_path):
    with pytest.raises(AttachError) as exc:
        await RemoteConductor(str(tmp_path / "control.sock")).connect()
    assert "no conductor answers" in str(exc.value) and "turnout run PLAN --detach" in str(exc.value)
    run = subprocess.run(turnout_argv("attach", os.path.abspath("plans/demo.yml"), "--run-dir", str(tmp_path)),
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and run.stderr.startswith("turnout attach: ")


@pytest.mark.lab
@pytest.mark.timeout(120)
async def test_detached_run_rolled_back_from_an_attached_cockpit(busy_lab):
    await _detach_attach_roll_back(busy_lab)


async def _detach_attach_roll_back(lab) -> None:
    cwd = os.path.dirname(lab.dir)
    run_dir = os.path.join(cwd, ".turnout", "attach-test")
    started = subprocess.run(turnout_argv("run", lab.plan, "--detach", "--auto-approve", "--run-dir", run_dir),
                             capture_output=True, text=True, cwd=cwd, timeout=60)
    assert started.returncode == 0, started.stderr
    assert started.stdout.splitlines()[1].startswith("attach with: turnout attach")
    pid = int(started.stdout.split()[2])
    try:
        remote = RemoteConductor(socket_path(run_dir))
        await remote.connect()
        app = TurnoutApp(remote)
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(400):
                if abs(y_share(await haproxy_weights(lab), lab) - 25.0) < 0.5:
                    break
                await pilot.pause(0.1)
            else:
                pytest.fail("25% on Y never reached")
            await pilot.press("r")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            for _ in range(100):
                if remote.latest.phase == Phase.ROLLED_BACK:
                    break
                await pilot.pause(0.1)
            assert remote.latest.phase == Phase.ROLLED_BACK, [e.message for e in remote.latest.log][-12:]
            assert remote.latest.reason == "requested by operator"
        assert y_share(await haproxy_weights(lab), lab) == 0.0
        for _ in range(100):  # the conductor ends with its run, and takes its socket with it
            if not os.path.exists(socket_path(run_dir)):
                break
            await asyncio.sleep(0.1)
        assert not os.path.exists(socket_path(run_dir))
        log = open(os.path.join(run_dir, "conductor.log")).read()
        assert "rolled back: 100% on X" in log and "Traceback" not in log
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
