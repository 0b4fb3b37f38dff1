"""The engine is pure: importing rollout loads no I/O or UI library, and every import contract holds and bites."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_importing_rollout_loads_no_io_or_ui_library():
    """(``socket`` is not listed: the standard library's importlib.metadata, used by pydantic, loads it;
    the import-linter contract below still forbids rollout from importing it.)"""
    code = (
        "import sys, rollout, rollout.engine, rollout.plan, rollout.gates, rollout.journal, rollout.execute, "
        "rollout.summary, rollout.preflight, rollout.ports, rollout.conductor, rollout.replay\n"
        "bad = [m for m in ('textual', 'httpx', 'simpy', 'rich', 'aiohttp', 'asyncio', 'subprocess') if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""


def lint_imports(cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``lint-imports`` on the tree at ``cwd`` (it puts the current directory first on its path); a wide
    terminal, so a contract's name and its verdict stay on one line."""
    env = dict(os.environ, COLUMNS="300")
    return subprocess.run(["lint-imports", "--no-cache"], capture_output=True, text=True, cwd=cwd, env=env)


def contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_the_layering_is_declared_as_contracts_without_escape_hatches():
    declared = contracts()
    arrows = [c for c in declared if c["type"] in ("forbidden", "layers")]
    assert len(arrows) >= 4, "issue 16: at least four forbidden or layers contracts"
    for contract in declared:
        assert "allow_indirect_imports" not in contract, contract["name"]
        assert contract.get("unmatched_ignore_imports_alerting") == "error", contract["name"]
    sources = {m for c in declared if c["type"] == "forbidden" for m in c["source_modules"]}
    assert {"rollout", "sim", "adapters", "lab"} <= sources


def test_every_import_contract_is_checked_and_kept():
    out = lint_imports()
    assert out.returncode == 0, out.stdout + out.stderr
    for contract in contracts():
        verdict = re.search(rf"^{re.escape(contract['name'])} (KEPT|BROKEN)", out.stdout, re.MULTILINE)
        assert verdict and verdict.group(1) == "KEPT", f"{contract['name']!r} not reported kept:\n{out.stdout}"
    assert f"Contracts: {len(contracts())} kept, 0 broken." in out.stdout


# One wrong arrow per contract, written into a copy of the tree: each must break the contract named.
WRONG_ARROWS = [
    ("rollout/plan.py", "import httpx", "rollout is pure"),
    ("rollout/gates.py", "import adapters.lb", "Layers"),
    ("sim/world.py", "import adapters.lb", "sim is the rehearsal only"),
    ("adapters/lb.py", "import lab.state", "adapters face production"),
    ("lab/up.py", "import sim.scenario", "lab uses adapters and rollout"),
    ("rollout/kong/lint_rules_30.py", "import rollout.kong.lint", "Kong lint rules never import"),
    ("rollout/state.py", "import rollout.engine", "The engine's state and snapshot"),
    ("rollout/phases.py", "import rollout.engine", "No import cycles"),
]


@pytest.mark.parametrize(("module", "line", "contract"), WRONG_ARROWS, ids=[a[0] for a in WRONG_ARROWS])
def test_a_wrong_arrow_breaks_its_contract(tmp_path, module, line, contract):
    """The check above means something: a copy of the tree with one forbidden import added is
    reported broken, by the contract that owns that arrow, and ``lint-imports`` exits non-zero."""
    for package in ("rollout", "adapters", "sim", "lab", "tui"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{line}  # a wrong arrow\n")
    out = lint_imports(cwd=tmp_path)
    assert out.returncode != 0, out.stdout
    assert re.search(rf"^{re.escape(contract)}.* BROKEN", out.stdout, re.MULTILINE), out.stdout


def test_state_diagram_in_docs_is_generated_from_the_table():
    from rollout.diagram import document

    assert (ROOT / "docs" / "state-diagram.md").read_text() == document()


def test_the_engine_and_its_snapshot_do_not_import_each_other():
    """The snapshot is built from rollout.state; only the engine imports the snapshot (grimp also
    sees imports under TYPE_CHECKING)."""
    import grimp

    graph = grimp.build_graph("rollout", cache_dir=None)
    assert graph.find_shortest_chain(importer="rollout.snapshot", imported="rollout.engine") is None
    assert graph.find_shortest_chain(importer="rollout.state", imported="rollout.engine") is None
    assert graph.find_shortest_chain(importer="rollout.engine", imported="rollout.snapshot") is not None
