"""The engine is pure: importing rollout loads no I/O or UI library, and the layering contract holds."""

import subprocess
import sys
from pathlib import Path

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


def test_import_linter_contract():
    out = subprocess.run(["lint-imports"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


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
