"""Where a tune's rehearsals run: a local process pool, or an existing Dask cluster.

A tune asks for batches of rehearsals, each one ``Task`` (a candidate, a world, a seed). The
result of a task depends on the task alone (a rehearsal is deterministic by its seed), and both
runners hand results back in task order, so a tune gives the same recommendation wherever its
runs happen. The plan and the two scenarios travel once per worker (the pool's initializer, or
one scattered ``Job`` on the cluster), the tasks themselves are three small values.

Dask is optional (``pip install 'turnout[dask]'``) and imported only when ``--dask`` is given.
Its workers must have this same turnout installed: they import ``sim.tune_runs`` to run a task.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from dataclasses import dataclass
from typing import Callable, Iterator, Protocol

from rollout.plan import Plan

from .report import RunRecord
from .runner import run_one
from .scenario import Scenario
from .tune_space import Candidate, apply


@dataclass(frozen=True)
class Task:
    candidate: Candidate
    world: str  # "fault" or "healthy"
    seed: int


@dataclass(frozen=True, eq=False)
class Job:
    """What every task of a tune shares: the operator's plan and the two worlds (hashed by
    identity: a worker holds one, and caches the candidates' plans under it)."""

    plan: Plan
    fault: Scenario
    healthy: Scenario


class Runs(Protocol):
    """Run tasks, yielding their records in task order (the order decides nothing else)."""

    def run(self, tasks: list[Task]) -> Iterator[RunRecord]: ...


def run_task(job: Job, task: Task) -> RunRecord:
    """One rehearsal of a candidate in one world (the function a worker runs)."""
    plan = _applied(job, task.candidate)
    scenario = job.fault if task.world == "fault" else job.healthy
    return run_one(plan, scenario, task.seed, keep_timeline=False)


@functools.lru_cache(maxsize=256)
def _applied(job: Job, candidate: Candidate) -> Plan:
    """A worker validates each candidate's plan once, not once per run."""
    return apply(job.plan, candidate)


_JOB: list[Job] = []


def _init(job: Job) -> None:
    _JOB[:] = [job]


def _pooled(task: Task) -> RunRecord:
    return run_task(_JOB[0], task)


class LocalRuns:
    """A process pool on this machine (every core by default), kept for the whole tune."""

    def __init__(self, job: Job, processes: int | None = None):
        self.job = job
        self.processes = processes or os.cpu_count() or 1
        self._pool = None

    def __enter__(self) -> "LocalRuns":
        if self.processes > 1:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self._pool = context.Pool(self.processes, initializer=_init, initargs=(self.job,))
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()

    def run(self, tasks: list[Task]) -> Iterator[RunRecord]:
        if self._pool is None:
            return (run_task(self.job, task) for task in tasks)
        chunk = max(1, min(8, len(tasks) // (self.processes * 8)))
        return self._pool.imap(_pooled, tasks, chunksize=chunk)


class DaskRuns:
    """An existing Dask cluster (``dask scheduler`` + ``dask worker``), reached at ``address``.

    Futures are gathered in task order, so the records are those a local pool gives.
    """

    def __init__(self, job: Job, address: str, client_factory: Callable | None = None):
        self.job = job
        self.address = address
        self._client_factory = client_factory
        self._client = None
        self._job_future = None

    def __enter__(self) -> "DaskRuns":
        from distributed import Client

        self._client = (self._client_factory or Client)(self.address)
        self._job_future = self._client.scatter(self.job, broadcast=True)
        return self

    def __exit__(self, *exc) -> None:
        if self._client is not None:
            self._client.close()

    def run(self, tasks: list[Task]) -> Iterator[RunRecord]:
        futures = self._client.map(run_task, [self._job_future] * len(tasks), tasks, pure=False)
        for future in futures:
            yield future.result()
