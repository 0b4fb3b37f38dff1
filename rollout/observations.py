"""What the world reports back: plain frozen values carried inside events.

They are data, not behaviour, so the journal can store them and a replay can rebuild the
engine's view without touching the world again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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


@dataclass(frozen=True)
class NodeWindow:
    """One node's share of a window, for the operator's per-node rows (gates judge pools)."""

    node: str
    requests: int
    errors: int
    p99_ms: float = 0.0


@dataclass(frozen=True)
class PoolWindow:
    """One pool's traffic in one gate window. ``errors`` counts 5xx and connection failures alike."""

    requests: int
    errors: int
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    nodes: tuple[NodeWindow, ...] = ()  # optional per-node breakdown

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class SmokeResult:
    check: str
    node: str
    ok: bool
    expected: str = ""
    got: str = ""

    def describe(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        return f"smoke {self.check!r} on {self.node}: {verdict} (expected {self.expected}, got {self.got})"


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
