"""What the world reports back: plain frozen values carried inside events.

They are data, not behaviour, so the journal can store them and a replay can rebuild the
engine's view without touching the world again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .i18n import N_

CheckStatus = Literal["pass", "warn", "fail"]


@dataclass(frozen=True)
class NodeProbe:
    """One node as last seen: Admin API ``GET /``, ``GET /status`` and Status API ``/status/ready``."""

    node: str
    reachable: bool
    ready: bool
    version: str = ""
    config_hash: str = ""
    message: str = ""  # why it is not ready/reachable, one line (no secrets)
    sync_status: str = ""  # hybrid: the CP's sync_status for this DP


LatencyKind = Literal["quantile", "average"]
# The statistics a source may report, by name (windows carry whichever the source measures):
# latency quantiles ``p50_ms``/``p99_ms`` (``p95_ms`` when a source adds it). ``error_rate`` is
# derived from the counts, so every window has it.


def _statistic(window: "PoolWindow | NodeWindow", name: str) -> float | None:
    if name == "error_rate":
        return window.errors / window.requests if window.requests else 0.0
    return window.stats.get(name)


@dataclass(frozen=True)
class NodeWindow:
    """One node's share of a window, for the operator's per-node rows (gates judge pools)."""

    node: str
    requests: int
    errors: int
    stats: dict[str, float] = field(default_factory=dict)  # statistic name -> value, as on PoolWindow

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    def stat(self, name: str) -> float | None:
        """The statistic ``name`` (None when the source does not measure it)."""
        return _statistic(self, name)


@dataclass(frozen=True)
class PoolWindow:
    """One pool's traffic in one gate window. ``errors`` counts 5xx and connection failures alike.

    ``stats`` holds the statistics the source measured, by name (``p50_ms``, ``p99_ms``, ...);
    a gate reads the one it names and says "no data" when it is missing. ``latency_kind`` is
    how the source measured them: ``quantile`` (a histogram or every request) or ``average``
    (HAProxy's ``rtime``, the nginx Lua balancer: every latency statistic then holds the same
    average, and the gates say so in their evidence).
    """

    requests: int
    errors: int
    stats: dict[str, float] = field(default_factory=dict)
    nodes: tuple[NodeWindow, ...] = ()  # optional per-node breakdown
    latency_kind: LatencyKind = "quantile"

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    def stat(self, name: str) -> float | None:
        """The statistic ``name`` (None when the source does not measure it)."""
        return _statistic(self, name)


@dataclass(frozen=True)
class SmokeResult:
    check: str
    node: str
    ok: bool
    expected: str = ""
    got: str = ""

    def describe(self) -> str:
        said = N_("smoke {check} on {node}: ok (expected {expected}, got {got})") if self.ok \
            else N_("smoke {check} on {node}: FAILED (expected {expected}, got {got})")
        return said.format(check=repr(self.check), node=self.node, expected=self.expected, got=self.got)


@dataclass(frozen=True)
class CheckResult:
    """One preflight checklist item with its evidence (the node, what was seen and expected, the source)."""

    name: str
    status: CheckStatus
    evidence: str = ""
    node: str = ""
    seen: str = ""
    expected: str = ""
    source: str = ""


@dataclass(frozen=True)
class BackupRecord:
    """A verified backup of one node's declarative config. The path and digest, never the content."""

    node: str
    path: str
    sha256: str
    config_hash: str
    entities: int = 0


@dataclass(frozen=True)
class NodeInfo:
    """Everything preflight needs to know about one node (Admin ``GET /``, ``/status``, ``/status/ready``)."""

    node: str
    reachable: bool
    error: str = ""
    version: str = ""
    database: str = ""  # "off" on DB-less nodes and data planes
    role: str = ""  # traditional | control_plane | data_plane
    plugins_available: tuple[str, ...] = ()
    plugins_enabled: tuple[str, ...] = ()
    config_hash: str = ""
    ready: bool = False
    ready_message: str = ""
    status_reachable: bool = False  # the Status API answered (3.6+ binds it to loopback by default)
    status_listen: str = ""


@dataclass(frozen=True)
class DataPlaneRow:
    """One row of the control plane's ``GET /clustering/data-planes``."""

    id: str
    hostname: str
    ip: str
    version: str
    sync_status: str
    config_hash: str
    last_seen: float
