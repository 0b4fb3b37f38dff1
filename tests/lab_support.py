"""The lab fixtures: one lab per test, stopped by PID in the finalizer.

The lab runs emulated Kong nodes behind a real HAProxy, on free loopback ports, with files
under tmp_path. ``lab`` starts without background traffic, so each test offers and counts
its own load (tests.lab_drill). ``busy_lab`` has background traffic from a separate process.
The finalizer runs ``down`` even when the test failed.
"""

from __future__ import annotations

import pytest

from lab.state import LabOptions
from lab.up import down, up
from tests.realparts import require


def _lab(tmp_path, traffic: float):
    require("haproxy")
    state = up(LabOptions(dir=str(tmp_path / "lab"), traffic=traffic))
    try:
        yield state
    finally:
        down(state.dir)


@pytest.fixture
def lab(tmp_path):
    yield from _lab(tmp_path, traffic=0)


@pytest.fixture
def busy_lab(tmp_path):
    """A lab whose background traffic (500 rps) runs in its own process. Pilot tests need it: a load
    generator in the test's event loop would starve the app, and a run would end before the keys land."""
    yield from _lab(tmp_path, traffic=500.0)
