"""The same tune on a Dask cluster (``distributed.LocalCluster``: loopback, two worker processes)
gives the same recommendation as a local one, record for record: a rehearsal depends on its seed
alone, and the runner gathers the results in task order (sim/tune_runs.py)."""

from __future__ import annotations

import pytest

from sim.tune import tune
from sim.tune_runs import DaskRuns, Job
from sim.tune_space import candidates
from tests.sim_support import scenario, small_plan
from tests.test_tune import BUDGETS, FAULT, small_tune

distributed = pytest.importorskip("distributed")


def test_a_tune_on_a_two_worker_local_cluster_recommends_what_a_local_tune_does(tmp_path):
    _, local = small_tune(tmp_path, processes=2)
    plan = small_plan(tmp_path)
    fault = scenario(tmp_path, FAULT, plan)
    pool = candidates(plan, 5, 7, BUDGETS.max_duration_s)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        with DaskRuns(Job(plan, fault, fault.model_copy(update={"faults": []})), cluster.scheduler_address) as runner:
            remote = tune(pool, runner, 9, 7, BUDGETS)
    assert remote.recommended.candidate == local.recommended.candidate
    assert [r.bad for r in remote.recommended.fault] == [r.bad for r in local.recommended.fault]
    assert [r.outcome for r in remote.baseline.healthy] == [r.outcome for r in local.baseline.healthy]
    assert remote.runs == local.runs
