"""The ``lab`` fixture for tests/test_lab_*.py: one lab per test, stopped by PID in the finalizer.

The lab (emulated Kong nodes behind a real HAProxy, free loopback ports, files under
tmp_path) starts without background traffic, so each test offers and counts its own load
(sim.lab_drill). The finalizer runs ``down`` even when the test failed.
"""

from __future__ import annotations

import pytest

from sim.lab import LabOptions, down, up
from tests.realparts import require


@pytest.fixture
def lab(tmp_path):
    require("haproxy")
    state = up(LabOptions(dir=str(tmp_path / "lab"), traffic=0))
    try:
        yield state
    finally:
        down(state.dir)
