"""Windows out of counters that only grow: a short history of snapshots stamped with the live
runtime's clock. A window ``(start, end)`` is the snapshot read now minus the latest one taken
at or before ``start`` (the earliest one when none is that old). Every counter source (the LB's
own counters, Kong's ``/metrics``) keeps one."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")
KEEP_SNAPSHOTS = 64


class History(Generic[T]):
    """Timestamped snapshots; ``baseline(start)`` is the latest at or before start."""

    def __init__(self) -> None:
        self.snapshots: list[tuple[float, T]] = []

    def add(self, at: float, value: T) -> None:
        self.snapshots.append((at, value))
        del self.snapshots[:-KEEP_SNAPSHOTS]

    def baseline(self, start: float) -> T | None:
        older = [v for t, v in self.snapshots if t <= start]
        if older:
            return older[-1]
        return self.snapshots[0][1] if self.snapshots else None
