"""The rehearsal is its own room: importing any ``sim`` module loads no adapter, lab, UI or HTTP client.

``sim/`` is the SimPy world a rehearsal runs in; the lab (real processes on loopback) lives in
``lab/`` and the production adapters in ``adapters/``. Each module is imported in a fresh
interpreter, so one module's imports cannot hide behind another's.
"""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("adapters", "lab", "tui", "aiohttp", "httpx")
SIM_MODULES = sorted(f"sim.{m.name}" for m in pkgutil.iter_modules([str(ROOT / "sim")]))


def test_sim_holds_the_rehearsal_only():
    assert "sim.world" in SIM_MODULES and "sim.session" in SIM_MODULES
    leftovers = [m for m in SIM_MODULES if m.split(".")[1].startswith(("lab", "kong_emulator", "kongnode", "loadgen"))]
    assert leftovers == [], f"the lab lives in lab/, not sim/: {leftovers}"


@pytest.mark.parametrize("module", ["sim", *SIM_MODULES])
def test_importing_a_sim_module_loads_no_adapter_lab_tui_or_http_client(module):
    code = (
        f"import sys, importlib\nimportlib.import_module({module!r})\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "", f"importing {module} loaded {out.stdout.strip()}"
