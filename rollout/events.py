"""Events: what happened, fed into the engine. Past tense, frozen, each with ``at`` (seconds).

``at`` is the driver's clock: wall time in a live run, simulated time in a rehearsal. The
engine never reads a clock of its own, which is what makes rehearsal and replay exact.
Every event is journaled before the commands it causes are executed.
"""

from __future__ import annotations

from dataclasses import dataclass

from .observations import BackupRecord, CheckResult, NodeProbe, PoolWindow, SmokeResult


@dataclass(frozen=True)
class RunStarted:
    """The operator started the run. The first line of every journal."""

    at: float
    plan_name: str = ""
    plan_sha256: str = ""
    world: str = "live"  # live | rehearsal


@dataclass(frozen=True)
class Resumed:
    """Turnout restarted after a crash or an SSH drop; ``x``/``y`` is what the LB really has now."""

    at: float
    x: int | None = None
    y: int | None = None


@dataclass(frozen=True)
class PreflightChecked:
    at: float
    results: tuple[CheckResult, ...] = ()


@dataclass(frozen=True)
class ConfigFrozen:
    """Config writes are frozen; ``hashes`` are each X node's configuration_hash at that moment."""

    at: float
    hashes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ConfigBackedUp:
    at: float
    backups: tuple[BackupRecord, ...] = ()


@dataclass(frozen=True)
class NodesStarted:
    """Nodes were deployed (or found running) and are ready."""

    at: float
    pool: str
    nodes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmokeChecked:
    at: float
    results: tuple[SmokeResult, ...] = ()


@dataclass(frozen=True)
class WeightsApplied:
    """The LB confirmed (read back) the split."""

    at: float
    x: int
    y: int


@dataclass(frozen=True)
class NodesProbed:
    at: float
    probes: tuple[NodeProbe, ...] = ()


@dataclass(frozen=True)
class WindowJudged:
    """The driver's answer to JudgeWindow: the window's numbers per pool.

    The verdict itself is computed by the engine (rollout.gates) from these numbers, so a
    replay of the journal judges exactly as the live run did.
    """

    at: float
    start: float
    x: PoolWindow
    y: PoolWindow


@dataclass(frozen=True)
class NodesStopped:
    at: float
    pool: str
    nodes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConfigUnfrozen:
    at: float


@dataclass(frozen=True)
class StepApproved:
    at: float
    step: int
    by: str = "operator"


@dataclass(frozen=True)
class PauseRequested:
    at: float
    reason: str = "operator"


@dataclass(frozen=True)
class ResumeRequested:
    at: float


@dataclass(frozen=True)
class RollbackRequested:
    at: float
    reason: str = "operator"


@dataclass(frozen=True)
class HaltRequested:
    """Stop conducting and leave traffic exactly as it is (an operator's last resort)."""

    at: float
    reason: str = "operator"


@dataclass(frozen=True)
class CommandFailed:
    """An adapter failed; ``error`` is its one-line message (target and call, never a secret)."""

    at: float
    command: str
    error: str


@dataclass(frozen=True)
class Noted:
    """Something the world says that the operator must read but that moves nothing
    (an adapter's warning, e.g. HAProxy weights that a reload would lose)."""

    at: float
    level: str  # info | warn | error
    message: str


@dataclass(frozen=True)
class TimerFired:
    at: float


EVENT_TYPES = (
    RunStarted, Resumed, PreflightChecked, ConfigFrozen, ConfigBackedUp, NodesStarted, SmokeChecked,
    WeightsApplied, NodesProbed, WindowJudged, NodesStopped, ConfigUnfrozen, StepApproved,
    PauseRequested, ResumeRequested, RollbackRequested, HaltRequested, CommandFailed, Noted, TimerFired,
)
Event = (
    RunStarted | Resumed | PreflightChecked | ConfigFrozen | ConfigBackedUp | NodesStarted | SmokeChecked
    | WeightsApplied | NodesProbed | WindowJudged | NodesStopped | ConfigUnfrozen | StepApproved
    | PauseRequested | ResumeRequested | RollbackRequested | HaltRequested | CommandFailed | Noted | TimerFired
)
