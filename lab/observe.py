"""Watch a rollout from outside: HAProxy's real weights, and the split the nodes themselves counted.

The proof that the lab asks for is independent of Turnout's own view: ``StepSampler`` polls
HAProxy's runtime API for the weights in force, and once a weight setting has held for
``settle`` seconds it reads every emulated node's own request counter twice, ``sample``
seconds apart. The share of those requests that Y served is the observed split for that
setting, to be compared with the share the weights give (roundrobin is exact). A sample is
kept only when the weights did not change while it was taken.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import aiohttp

from rollout.errors import AdapterError

from .control import counters, haproxy_weights, y_share
from .procs import LabError
from .state import LabState


@dataclass(frozen=True)
class StepSample:
    """One weight setting, as HAProxy had it and as the nodes served it."""

    at: float  # wall clock at the end of the sample
    weights: dict[str, int]
    configured_y: float  # percent of requests the weights send to Y
    observed_y: float  # percent of the sampled requests the Y nodes counted
    requests: int
    errors_x: int
    errors_y: int

    @property
    def off_by(self) -> float:
        return abs(self.observed_y - self.configured_y)

    def as_json(self) -> dict[str, Any]:
        return {"configured_y": round(self.configured_y, 2), "observed_y": round(self.observed_y, 2),
                "off_by": round(self.off_by, 2), "requests": self.requests, "errors_x": self.errors_x,
                "errors_y": self.errors_y, "weights": self.weights}


def delta(state: LabState, before: dict[str, dict], after: dict[str, dict], key: str = "requests") -> tuple[int, int]:
    """(X, Y) increase of one node counter between two reads."""
    d = {n: after[n][key] - before[n][key] for n in after if n in before}
    return sum(d.get(n, 0) for n in state.x), sum(d.get(n, 0) for n in state.y)


def observed_split(state: LabState, before: dict[str, dict], after: dict[str, dict]) -> tuple[float, int]:
    """(percent on Y, requests) from two reads of the nodes' own counters."""
    x, y = delta(state, before, after)
    return (100.0 * y / (x + y) if x + y else 0.0), x + y


class StepSampler:
    """``samples = await StepSampler(state).run(stop)``; ``on_weights`` sees every new weight setting."""

    def __init__(self, state: LabState, settle: float = 0.5, sample: float = 1.5, poll: float = 0.1,
                 on_weights: Callable[[dict[str, int]], Awaitable[None]] | None = None):
        self.state = state
        self.settle = settle
        self.sample = sample
        self.poll = poll
        self.on_weights = on_weights
        self.samples: list[StepSample] = []
        self.settings: list[tuple[float, float]] = []  # (wall clock, configured Y%) of every change seen
        self.current: dict[str, int] | None = None
        self.changed_at = 0.0

    async def _weights(self) -> dict[str, int] | None:
        try:
            return await haproxy_weights(self.state)
        except (AdapterError, LabError, ValueError):
            return None

    async def _seen(self, weights: dict[str, int]) -> None:
        self.current, self.changed_at = weights, time.monotonic()
        self.settings.append((time.time(), y_share(weights, self.state)))
        if self.on_weights is not None:
            await self.on_weights(weights)

    async def run(self, stop: asyncio.Event) -> list[StepSample]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
            sampled = False
            while not stop.is_set():
                weights = await self._weights()
                if weights is not None and weights != self.current:
                    await self._seen(weights)
                    sampled = False
                elif weights is not None and not sampled and time.monotonic() - self.changed_at >= self.settle:
                    sampled = await self._take(session, weights, stop)
                await asyncio.sleep(self.poll)
        return self.samples

    async def _take(self, session: aiohttp.ClientSession, weights: dict[str, int], stop: asyncio.Event) -> bool:
        """Two counter reads ``sample`` seconds apart; True when the weights held throughout."""
        before = await counters(self.state, session)
        try:
            await asyncio.wait_for(stop.wait(), self.sample)
            return True  # stopped mid-sample: nothing to keep
        except asyncio.TimeoutError:
            pass
        after = await counters(self.state, session)
        if await self._weights() != weights:
            return False
        observed, requests = observed_split(self.state, before, after)
        ex, ey = delta(self.state, before, after, "errors")
        self.samples.append(StepSample(time.time(), dict(weights), y_share(weights, self.state), observed, requests, ex, ey))
        return True
