"""The ports: what the engine's commands need from a world, real (adapters/) or simulated (sim/).

Each port is a small ``typing.Protocol`` of async methods. Implementations raise only
``rollout.errors.AdapterError`` subclasses; ``rollout.execute`` turns those into
``CommandFailed`` events. ``Runtime`` carries time and concurrency, so the one execution flow
in rollout.execute runs on asyncio (live) and on SimPy (rehearsal) alike.

Below the ports, capabilities: small Protocols an adapter declares by naming them as its bases
(``class HAProxyBalancer(ReportsStatRows, NotifiesChange, Advises)``), the way httpx's ``Auth``
says ``requires_request_body``. Whoever wires the world reads the declaration (adapters/lb.py,
``World.advisers``); nobody probes a port with ``hasattr`` to find out what it can do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping, Protocol, Sequence

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


class BacksUpConfig(Protocol):
    """Backs up a declarative config that lives off the nodes (a Konnect control plane's): the
    backup step asks it, not the nodes, when the world has one."""

    async def backup(self, directory: str) -> BackupRecord: ...


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


class Advises(Protocol):
    """Has things the operator should know before traffic moves (HAProxy weights lost on a reload,
    a latency gate that sees averages). The live driver journals each once and empties the list."""

    warnings: list[str]


class ReportsStatRows(Protocol):
    """A load balancer that reports per-server counters as ``show stat`` rows (HAProxy)."""

    async def stat_rows(self) -> list[dict[str, str]]: ...


class PoolCounts(Protocol):
    """Per-pool counters since the LB started, keyed ``x`` and ``y`` (read-only)."""

    @property
    def requests(self) -> Mapping[str, int]: ...
    @property
    def errors(self) -> Mapping[str, int]: ...
    @property
    def rt_ms(self) -> Mapping[str, float]:
        """Summed response time."""
        ...


class ReportsPoolCounters(Protocol):
    """A load balancer that counts requests, errors and response time per pool (the nginx Lua balancer)."""

    async def pool_counters(self) -> PoolCounts: ...


class NotifiesChange(Protocol):
    """A load balancer that calls these after every weight change it applied, so a counter source
    takes its baseline the moment the split moves. A hook's failure never undoes the change."""

    after_change: list[Callable[[], Awaitable[object]]]


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
    advisers: Sequence[Advises] = ()  # the ports with warnings for the operator (the live driver reads them)
    config_backup: BacksUpConfig | None = None  # Konnect: the control plane's config, backed up off the nodes
    # The operator's capacity worksheet for preflight ({"peak_rps", "node_rps"}: what `turnout preflight
    # --peak-rps --node-rps` passes); None: the peak is not checked.
    capacity_hint: dict | None = None
