"""Commands: what the engine wants done. Imperative, frozen, executed by a driver.

Each command that touches the world is answered by one event (named beside it) or by
``CommandFailed``. ``AskApproval`` and ``Notify`` are for the operator and need no answer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunPreflight:
    """-> PreflightChecked"""


@dataclass(frozen=True)
class FreezeConfig:
    """-> ConfigFrozen (record every X node's configuration_hash)."""


@dataclass(frozen=True)
class BackupConfig:
    """-> ConfigBackedUp (the declarative config of X, 0600, verified)."""


@dataclass(frozen=True)
class StartNodes:
    """-> NodesStarted once every node answers ready."""

    pool: str
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class RunSmoke:
    """-> SmokeChecked. Requests go to each node's proxy directly, not through the LB."""

    nodes: tuple[str, ...]


@dataclass(frozen=True)
class SetWeights:
    """-> WeightsApplied. Percent of traffic per pool; always sums to 100.

    ``exclude`` names nodes the engine last saw unhealthy: the LB gives them weight 0 and
    spreads the pool's share over the rest (no probe on the way, so a rollback is fast).
    """

    x: int
    y: int
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not (0 <= self.x <= 100 and 0 <= self.y <= 100 and self.x + self.y == 100):
            raise ValueError(f"weights must be 0..100 and sum to 100, got x={self.x} y={self.y}")


@dataclass(frozen=True)
class ProbeNodes:
    """-> NodesProbed"""

    nodes: tuple[str, ...]


@dataclass(frozen=True)
class JudgeWindow:
    """-> WindowJudged with both pools' numbers from ``start`` to ``end``."""

    start: float
    end: float


@dataclass(frozen=True)
class AskApproval:
    step: int
    y: int


@dataclass(frozen=True)
class StopNodes:
    """-> NodesStopped (drained to weight 0 first; the weights already say 0)."""

    pool: str
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class UnfreezeConfig:
    """-> ConfigUnfrozen"""


@dataclass(frozen=True)
class Notify:
    level: str  # info | warn | error
    message: str


Command = (
    RunPreflight | FreezeConfig | BackupConfig | StartNodes | RunSmoke | SetWeights | ProbeNodes
    | JudgeWindow | AskApproval | StopNodes | UnfreezeConfig | Notify
)

# The commands that touch the world: each is answered by its event or by ``CommandFailed`` naming
# it (rollout/execute.py carries out exactly these). Declared, so what words a failure's headline
# (tui/exit_summary.py) can hold one fixed sentence per name and a test keeps the two in step.
ANSWERED = (RunPreflight, FreezeConfig, BackupConfig, StartNodes, RunSmoke, SetWeights, ProbeNodes,
            JudgeWindow, StopNodes, UnfreezeConfig)
