"""A cheap guard on issue 10's A/A acceptance (bench/aa_grid.py): the grid's corners, fewer runs.

The benchmark plays 200 A/A rehearsals of plans/demo.yml in each of 16 cells (100 to 5,000 rps,
p99 1 to 900 ms) and expects at least 99% to complete; it measured 200 of 200 everywhere
(bench/README.md, "Gates: A/A grid"). Here the four corners, 50 runs each, must all complete: a
single rollback or hold of a healthy Y in 200 runs is a regression worth a look.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

BENCH = os.path.join(os.path.dirname(__file__), "..", "bench", "aa_grid.py")
RUNS = 50
CORNERS = [(100, 1), (100, 900), (5000, 1), (5000, 900)]


@pytest.fixture(scope="module")
def aa_grid():
    spec = importlib.util.spec_from_file_location("aa_grid", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["aa_grid"] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("aa_grid", None)


def test_the_cell_world_is_aa_yml_with_the_cells_traffic_and_latency(aa_grid):
    plan = aa_grid.demo_plan()
    world = aa_grid.aa_world(plan, 5000, 300)
    assert world.faults == []
    assert world.traffic.rps == 5000
    assert (world.nodes.latency_ms.p50, world.nodes.latency_ms.p99) == (50, 300)  # aa.yml's shape, p50 = p99 / 6
    assert world.nodes.capacity_rps == 3400  # twice what one pool of three carries alone at 5,000 rps
    assert aa_grid.aa_world(plan, 100, 1).nodes.capacity_rps == 1500  # aa.yml's, where it is enough


def test_every_healthy_upgrade_completes_at_the_grids_corners(aa_grid):
    cells = aa_grid.play_grid(RUNS, seed=0, processes=2, cells=CORNERS)
    assert [(c.rps, c.p99_ms) for c in cells] == CORNERS
    for cell in cells:
        assert cell.completed == RUNS, (cell.rps, cell.p99_ms, cell.rolled_back, cell.halted, cell.stopped_by)
        assert cell.ci_low > 0.9  # Wilson's lower bound for 50 of 50
