"""``turnout report RUN_DIR --html`` over a real lab run (issue 11, item 5): a rollout the gates
rolled back, told from its journal; rendered in headless Chromium; the lab's keys never appear."""

from __future__ import annotations

import glob
import os

import pytest
from dotenv import dotenv_values

from tests.lab_drill import drill, turnout_argv
from tests.report_support import charts_in, colours_in, render

from .lab_support import lab  # noqa: F401

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]


async def test_a_lab_runs_report_renders_and_holds_no_secret(lab, tmp_path):
    import subprocess

    result = await drill(lab, 600.0, y_fault={"error_share": 0.05})
    assert result.code == 1, result.stderr[-800:]
    (run_dir,) = glob.glob(os.path.join(os.path.dirname(lab.dir), ".turnout", "*"))
    html, md = tmp_path / "run.html", tmp_path / "run.md"
    # From the run's directory, as an operator after the night: the plan is found by its sha256.
    done = subprocess.run(turnout_argv("report", run_dir, "--html", str(html), "--md", str(md)),
                          capture_output=True, text=True, timeout=120, cwd=run_dir)
    assert done.returncode == 0, done.stderr[-800:]
    text = md.read_text()
    assert text.splitlines()[2].startswith("**The live run rolled back:")
    assert "### Backups" in text and "### Approvals" in text and "rollback" in text
    secrets = [v for v in dotenv_values(lab.env).values() if v] + [lab.api_key]
    assert secrets
    for page in (html.read_text(), text, done.stdout, done.stderr):
        assert not [s for s in secrets if s in page]
    dom, shot = render(tmp_path, html)
    assert charts_in(dom) >= 3 and colours_in(shot) > 16
