"""The engine's state: one explicit, plain object rather than a suspended generator.

The engine (rollout.engine) is its only writer. It is a separate module so that the snapshot
(rollout.snapshot) can be built from the state without importing the engine, and so that
the records it keeps (log lines, the timeline, what first stopped the run) have one home
that the engine, the snapshot and reports share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .evidence import Budget
from .observations import BackupRecord, CheckResult, NodeProbe, SmokeResult
from .phases import TERMINAL, Phase
from .plan import Plan
from .tally import Tally


@dataclass(frozen=True)
class LogEntry:
    at: float
    phase: str
    level: str  # event | info | warn | error
    message: str


@dataclass(frozen=True)
class Detection:
    """What first stopped the run on its own: a gate (``error_rate``, ``latency_p99_ms``), or
    ``smoke``, ``config_hash``, ``node_health``, ``split``, ``lb_readback``, ``preflight``,
    ``command:<Name>``. Operator actions are not detections."""

    gate: str
    at: float
    y_percent: int
    reason: str


@dataclass(frozen=True)
class TimelineEntry:
    at: float
    phase: str
    y_percent: int
    event: str


@dataclass
class RunState:
    """Where one run is. Times are the events' ``at``; ``None`` means "not yet" or "not now"."""

    plan: Plan
    tally: Tally
    phase: Phase = Phase.NEW
    paused_from: Phase | None = None  # the forward phase a resume goes back to
    reason: str = ""  # why the run holds, rolled back or stopped
    now: float = 0.0
    started_at: float | None = None
    step: int = -1
    approved: set[int] = field(default_factory=set)
    pending_approval: int | None = None
    desired: tuple[int, int] = (100, 0)
    applied: tuple[int, int] | None = None  # the split the LB last confirmed
    lb_seen: tuple[int, int] | None = None
    bake_start: float | None = None
    window_start: float | None = None
    watch_start: float | None = None
    deadline: float | None = None
    nodes: dict[str, NodeProbe] = field(default_factory=dict)
    baseline_hashes: dict[str, str] = field(default_factory=dict)
    frozen: bool = False
    x_stopped: bool = False
    waiting_for_x: bool = False  # a rollback waits for a healthy X node before moving traffic
    preflight: tuple[CheckResult, ...] = ()
    backups: tuple[BackupRecord, ...] = ()
    smoke: tuple[SmokeResult, ...] = ()
    log: list[LogEntry] = field(default_factory=list)
    log_total: int = 0  # entries ever logged (the list keeps the last LOG_KEEP)
    detection: Detection | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.phase in TERMINAL

    @property
    def next_deadline(self) -> float | None:
        """When the run next wants a TimerFired, or None."""
        return None if self.finished else self.deadline

    @classmethod
    def fresh(cls, plan: Plan) -> "RunState":
        return cls(plan, Tally(plan.gates, Budget.of(plan)))
