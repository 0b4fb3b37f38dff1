"""Fast start (issue 16, item 9): ``turnout --help`` and ``turnout validate`` load no heavy library.

Each ``tui/cmd_*.py`` declares its flags with argparse only and imports what it runs inside
``run``, so the commands an operator types first (and that scripts call in loops) do not pay for
the cockpit, the simulator, the lab or the HTTP clients. A wall-clock test would be flaky on a
shared machine (bench/startup.py measures the time); what is checked here is the cause: which
modules a fresh interpreter has loaded when the command returns.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("textual", "numpy", "simpy", "httpx", "aiohttp")

# Runs the CLI in-process, then prints the top-level packages it loaded as the last line.
WRAPPER = """
import json, sys
from tui.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))
"""


def loaded_by(*argv: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", WRAPPER, *argv], capture_output=True, text=True, cwd=ROOT, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_help_loads_no_heavy_library_no_plan_model_and_none_of_the_worlds():
    loaded = loaded_by("--help")
    assert "tui" in loaded, "the wrapper ran the CLI"
    assert loaded.isdisjoint(HEAVY + ("pydantic", "yaml", "asyncio", "sim", "lab", "adapters")), sorted(loaded)


@pytest.mark.parametrize("command", ["validate", "run", "attach", "status", "runs", "preflight", "lint", "backup", "rehearse", "report",
                                     "lab", "scenario", "tune"])
def test_a_subcommands_help_loads_no_heavy_library(command):
    """(``drill --help`` lists the drill's faults, which sim/drill.py defines: it loads the simulator.)"""
    assert loaded_by(command, "--help").isdisjoint(HEAVY)


def test_validate_loads_the_plan_model_only():
    loaded = loaded_by("validate", "plans/demo.yml")
    assert "pydantic" in loaded, "the wrapper validated the plan"
    assert loaded.isdisjoint(HEAVY + ("sim", "lab", "adapters")), sorted(loaded)
