"""Rebuild an engine from a journal: the heart of resuming after a crash."""

from __future__ import annotations

from typing import Iterable

from .engine import Engine
from .plan import Plan


def replay(plan: Plan, events: Iterable[object]) -> Engine:
    engine = Engine(plan)
    for event in events:
        engine.handle(event)
    return engine
