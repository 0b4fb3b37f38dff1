"""An in-memory world behind the ports, for driver tests that need no network (the lab tests use real parts)."""

from __future__ import annotations

import asyncio

from adapters.live import AsyncioRuntime
from rollout.errors import Unreachable
from rollout.observations import BackupRecord, NodeInfo, NodeProbe, PoolWindow, SmokeResult
from rollout.plan import load_plan
from rollout.ports import Advises, World

FAST_PLAN = """
turnout: 1
name: fast plan
mode: dbless
pools:
  x: {version: "3.4.3", nodes: [{name: x1}, {name: x2}]}
  y: {version: "3.9.1", nodes: [{name: y1}, {name: y2}]}
load_balancer: {type: haproxy, socket: /nonexistent.sock, backend: kong}
steps:
  - {y: 10, bake: 100ms}
  - {y: 50, bake: 100ms, approve: true}
  - {y: 100, bake: 100ms}
gates: {window: 50ms, min_requests: 10, failures_to_rollback: 2}
rollback: {retry: 1s}
finish: {decommission_x: true, watch: 100ms}
"""
HASH = "c" * 32
LATENCY = {"p50_ms": 5.0, "p99_ms": 20.0}


class FakeKong:
    def __init__(self):
        self.hashes: dict[str, str] = {}

    async def info(self, node):
        version = "3.9.1" if node.name.startswith("y") else "3.4.3"
        return NodeInfo(node.name, True, version=version, database="off", config_hash=HASH, ready=True, status_reachable=True)

    async def probe(self, node):
        return NodeProbe(node.name, True, True, config_hash=self.hashes.get(node.name, HASH))

    async def config(self, node):
        return '_format_version: "3.0"\nservices:\n- name: echo\n  url: http://127.0.0.1:9\n  routes:\n  - name: echo\n    paths: [/echo]\n'

    async def backup(self, node, directory):
        return BackupRecord(node.name, f"{directory}/{node.name}.yml", "f" * 64, HASH, 3)

    async def smoke(self, node, check):
        return SmokeResult(check.name, node.name, True, "200", "200")


class FakeLB(Advises):
    def __init__(self, delay: float = 0.0):
        self.warnings: list[str] = []
        self.history: list[tuple[int, int]] = []
        self.weights = (100, 0)
        self.fail = False
        self.delay = delay

    async def set_weights(self, x, y, healthy):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise Unreachable("haproxy /nonexistent.sock", "set weight", "No such file or directory")
        self.weights = (x, y)
        self.history.append((x, y))
        return self.weights

    async def get_weights(self):
        return self.weights

    async def retire(self, nodes):
        return None


class FakeMetrics:
    """Windows that follow the LB's weights: 10 requests per percent, Y's error rate settable."""

    def __init__(self, lb: FakeLB):
        self.lb = lb
        self.y_error_rate = 0.0

    async def window(self, start, end):
        x, y = self.lb.weights
        return PoolWindow(10 * x, 0, LATENCY), PoolWindow(10 * y, round(10 * y * self.y_error_rate), LATENCY)


class FakeFleet:
    def __init__(self):
        self.started: list[str] = []
        self.stopped: list[str] = []

    async def start(self, node):
        self.started.append(node.name)

    async def stop(self, node):
        self.stopped.append(node.name)


def fast_world(tmp_path, lb: FakeLB | None = None) -> World:
    plan = load_plan("fast.yml", FAST_PLAN)
    lb = lb or FakeLB()
    return World(plan=plan, runtime=AsyncioRuntime(), kong=FakeKong(), lb=lb, metrics=FakeMetrics(lb),
                 fleet=FakeFleet(), run_dir=str(tmp_path), advisers=(lb,))
