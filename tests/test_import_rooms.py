"""Each world in its own room, at run time: importing any ``adapters`` module loads no ``sim``,
``lab``, ``tui``, textual or simpy, and importing any ``lab`` module loads no ``sim`` or ``tui``.

The import-linter contracts (tests/test_engine_purity.py) read the source; this imports each
module in a fresh interpreter, so an import made at run time (``importlib``, a plugin) is caught
too, and one module's imports cannot hide behind another's. ``sim`` has its own such test
(tests/test_sim_purity.py), the engine too (tests/test_engine_purity.py).
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "adapters": ("sim", "lab", "tui", "textual", "simpy"),
    "lab": ("sim", "tui", "textual", "simpy"),
}


def modules(package: str) -> list[str]:
    return [package] + sorted(m.name for m in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}.")
                              if not m.name.endswith("__main__"))


CASES = [(module, package) for package in FORBIDDEN for module in modules(package)]


@pytest.mark.parametrize(("module", "package"), CASES, ids=[c[0] for c in CASES])
def test_importing_a_module_stays_in_its_room(module, package):
    forbidden = FORBIDDEN[package]
    code = (
        f"import sys, importlib\nimportlib.import_module({module!r})\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "", f"importing {module} loaded {out.stdout.strip()}"


def test_every_module_is_checked():
    assert "adapters.run" in modules("adapters") and "lab.emulator.node" in modules("lab")
