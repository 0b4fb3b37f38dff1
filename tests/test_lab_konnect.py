"""End to end in the lab with ``--mode konnect``: emulated DPs reporting to an emulated Konnect API,
behind a real HAProxy, conducted by ``turnout run``.

The plan reads the DPs from Konnect's node list (lab/emulator/konnect.py) and backs the config up
through its command template (lab/konnect_dump.py, decK's flags); faults are switched on the
emulated Konnect (``lab.control.set_konnect_faults``). The lab is stopped by PID in the finalizer.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat

import pytest

from lab.control import haproxy_weights, set_konnect_faults, y_share
from lab.layout import KONNECT_TOKEN_ENV, parse_env
from lab.state import LabOptions
from lab.up import down, up
from tests.lab_drill import drill, finish_run, turnout_argv
from tests.realparts import require

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]
RPS = 400.0


@pytest.fixture
def konnect_lab(tmp_path):
    require("haproxy")
    state = up(LabOptions(dir=str(tmp_path / "lab"), mode="konnect", traffic=0))
    try:
        yield state
    finally:
        down(state.dir)


async def run_plan(state, run_dir: str, env: dict[str, str] | None = None) -> tuple[int | None, dict, str]:
    """``turnout run lab/plan.yml --headless --auto-approve --json`` without load (it stops before traffic moves)."""
    argv = turnout_argv("run", state.plan, "--headless", "--auto-approve", "--json", "--run-dir", run_dir)
    proc = await asyncio.create_subprocess_exec(*argv, cwd=os.path.dirname(state.dir), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE, env={**os.environ, **(env or {})})
    return await finish_run(proc)


def journal(run_dir: str) -> list[dict]:
    with open(os.path.join(run_dir, "journal.jsonl"), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def token_of(state) -> str:
    with open(state.env, encoding="utf-8") as fh:
        return parse_env(fh.read())[KONNECT_TOKEN_ENV]


async def test_a_konnect_rollout_loses_no_request_and_backs_up_through_the_template(konnect_lab):
    result = await drill(konnect_lab, RPS)
    assert result.code == 0, f"turnout run exited {result.code}: {result.stderr[-800:]}"
    assert result.summary["outcome"] == "completed"
    assert result.report.failed == 0 and result.report.skipped == 0, result.describe()
    backups = os.listdir(os.path.join(konnect_lab.dir, "backups"))
    assert len(backups) == 1 and backups[0].startswith("konnect-")
    path = os.path.join(konnect_lab.dir, "backups", backups[0])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert token_of(konnect_lab) not in result.stderr


async def test_a_failing_y_is_rolled_back_through_haproxy(konnect_lab):
    result = await drill(konnect_lab, RPS, y_fault={"error_share": 0.05})
    assert result.code == 1, f"turnout run exited {result.code}: {result.stderr[-800:]}"
    assert result.summary["outcome"] == "rolled_back"
    assert y_share(await haproxy_weights(konnect_lab), konnect_lab) == 0.0


@pytest.mark.parametrize("fault, dp, said", [
    ({"hide": ["y2"]}, "y2", "expected listed, got absent"),
    ({"versions": {"y3": "3.8.0"}}, "y3", "expected 3.9.1, got 3.8.0"),
])
async def test_a_y_dp_konnect_does_not_list_as_planned_holds_at_smoke_naming_it(konnect_lab, tmp_path, fault, dp, said):
    await set_konnect_faults(konnect_lab, fault)
    run_dir = str(tmp_path / "run")
    code, summary, err = await run_plan(konnect_lab, run_dir)
    assert code == 1 and summary["outcome"] == "halted", err[-800:]
    assert f"held: smoke test failed: smoke 'data planes in sync' on {dp}: FAILED ({said})" in err, err[-800:]
    smoke = next(e for e in journal(run_dir) if e["type"] == "SmokeChecked")
    assert [(r["node"], r["ok"]) for r in smoke["results"] if not r["ok"]] == [(dp, False)]
    assert summary["final_weights"] == {"x": 100, "y": 0}


async def test_a_wrong_token_halts_preflight_in_one_line_without_the_token(konnect_lab, tmp_path):
    wrong = "kpat_" + "W" * 20 + "0123456789abcdefghijklmnopqrstu"
    run_dir = str(tmp_path / "run")
    code, summary, err = await run_plan(konnect_lab, run_dir, env={KONNECT_TOKEN_ENV: wrong})
    assert code == 1 and summary["outcome"] == "halted", err[-800:]
    text = open(os.path.join(run_dir, "journal.jsonl"), encoding="utf-8").read() + err
    assert wrong not in text and token_of(konnect_lab) not in text
    checked = next(e for e in journal(run_dir) if e["type"] == "PreflightChecked")
    failed = [r for r in checked["results"] if r["status"] == "fail"]
    assert len(failed) == 1 and "\n" not in failed[0]["evidence"], failed
    assert failed[0]["evidence"].startswith("konnect: GET /v2/control-planes: rejected: HTTP 401")
    assert f"refused the token from ${KONNECT_TOKEN_ENV}" in failed[0]["evidence"]


async def test_a_429_with_retry_after_is_waited_out(konnect_lab, tmp_path):
    """Konnect answers 429 twice with Retry-After: 2; ``turnout preflight`` (the run's first read of
    the node list, through the same adapter) waits both out and passes, instead of failing the check.
    Preflight rather than a whole run: the wait is the point, and a run adds a minute of rollout."""
    import time

    await set_konnect_faults(konnect_lab, {"throttle": 2, "retry_after": 2})
    argv = turnout_argv("preflight", konnect_lab.plan, "--json")
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(*argv, cwd=os.path.dirname(konnect_lab.dir), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    waited = time.monotonic() - started
    assert proc.returncode == 0, err.decode()[-800:]
    checks = json.loads(out)["checks"]
    assert not [c for c in checks if c["status"] == "fail"], checks
    konnect = [c for c in checks if c["evidence"].startswith("Konnect lists 3 X DPs, connected")]
    assert [c["status"] for c in konnect] == ["pass"], checks
    assert waited >= 4.0  # two waits of Retry-After: 2
    assert (await set_konnect_faults(konnect_lab, {}))["throttle"] == 0  # both 429s were served