"""The ports: what the engine's commands need from a world, real (adapters/) or simulated (sim/).

Each port is a small ``typing.Protocol`` of async methods. Implementations raise only
``rollout.errors.AdapterError`` subclasses; ``rollout.execute`` turns those into
``CommandFailed`` events. ``Runtime`` carries time and concurrency, so the one execution flow
in rollout.execute runs on asyncio (live) and on SimPy (rehearsal) alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Protocol, Sequence

from .observations import BackupRecord, DataPlaneRow, NodeInfo, NodeProbe, PoolWindow, SmokeResult
from .plan import Node, Plan, SmokeCheck


class Runtime(Protocol):
    def now(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...
    async def gather(self, awaitables: Sequence[Awaitable[Any]]) -> list[Any]:
        """Run concurrently; return results in order, exceptions as values (never raised)."""
        ...


class KongNodes(Protocol):
    async def info(self, node: Node) -> NodeInfo: ...
    async def probe(self, node: Node) -> NodeProbe: ...
    async def config(self, node: Node) -> str:
        """The node's declarative config text (GET /config, else the plan's kong_yml). It holds
        key-auth keys: callers keep it in memory and let only findings out."""
        ...
    async def backup(self, node: Node, directory: str) -> BackupRecord: ...
    async def smoke(self, node: Node, check: SmokeCheck) -> SmokeResult: ...


class ControlPlane(Protocol):
    async def data_planes(self) -> list[DataPlaneRow]: ...


class LoadBalancer(Protocol):
    async def set_weights(self, x: int, y: int, healthy: frozenset[str]) -> tuple[int, int]:
        """Spread x% over X's healthy nodes and y% over Y's; read back and return the applied split."""
        ...

    async def get_weights(self) -> tuple[int, int]: ...

    async def retire(self, nodes: Sequence[Node]) -> None:
        """Take nodes out of rotation for good (drain, then maintenance)."""
        ...


class Metrics(Protocol):
    async def window(self, start: float, end: float) -> tuple[PoolWindow, PoolWindow]:
        """Both pools' request count, errors (5xx and connection failures) and latency over the window."""
        ...


class Fleet(Protocol):
    """Starts and stops nodes (plan ``provision`` templates, or the simulated world)."""

    async def start(self, node: Node) -> None: ...
    async def stop(self, node: Node) -> None: ...


@dataclass
class World:
    plan: Plan
    runtime: Runtime
    kong: KongNodes
    lb: LoadBalancer
    metrics: Metrics
    fleet: Fleet
    control_plane: ControlPlane | None = None
    run_dir: str = "."
