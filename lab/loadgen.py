"""A fixed-rate, open-loop HTTP load generator on aiohttp (httpx's pool managed ~370 rps here).

Open loop: request ``i`` is due at ``t0 + i / rps`` whatever happened to the ones before, the
way independent users arrive, so a slow or failing server cannot slow the offered load down
and hide its own failures. Every run is bounded (``duration`` and/or ``count``, or a stop
event), and in-flight requests are capped (``max_in_flight``); a request that finds the cap
full is counted as ``skipped``, never silently dropped.

A failure is any answer outside ``expect`` (HTTP errors, by status) and any socket-level
error (refused, reset, timeout, by exception name): both count, as a user sees both. Failed
answers are also tallied by the ``X-Kong-Node`` header when the node sent one, so a drill can
tell which node failed them.

``python -m lab.loadgen`` runs one in the background for the lab (``turnout lab up --traffic``),
writing cumulative totals to ``--stats-file`` once a second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Callable

import aiohttp

NODE_HEADER = "X-Kong-Node"
LATENCY_KEEP = 100_000  # latest answers kept for percentiles (background traffic runs for hours)


@dataclass
class Second:
    """One second of the run (by scheduled start time): requests sent, answered OK, failed."""

    second: int
    sent: int = 0
    ok: int = 0
    failed: int = 0


@dataclass
class LoadReport:
    url: str
    rps: float
    started: float  # wall clock
    elapsed: float = 0.0
    sent: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0  # not sent: max_in_flight requests were already open
    http_errors: dict[str, int] = field(default_factory=dict)  # status -> count
    socket_errors: dict[str, int] = field(default_factory=dict)  # exception name -> count
    failed_by_node: dict[str, int] = field(default_factory=dict)  # X-Kong-Node of failed answers ("?" unknown)
    answered_by_node: dict[str, int] = field(default_factory=dict)  # X-Kong-Node of every answer
    seconds: list[Second] = field(default_factory=list)
    latencies_ms: deque = field(default_factory=lambda: deque(maxlen=LATENCY_KEEP), repr=False)

    @property
    def achieved_rps(self) -> float:
        return self.sent / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def as_json(self) -> dict:
        data = asdict(self)
        del data["latencies_ms"]
        data.update(achieved_rps=round(self.achieved_rps, 1), p50_ms=round(self.percentile(0.5), 2),
                    p99_ms=round(self.percentile(0.99), 2), elapsed=round(self.elapsed, 3))
        return data


class LoadGenerator:
    """``await LoadGenerator(url, rps, duration=10).run()`` -> LoadReport."""

    def __init__(self, url: str, rps: float, duration: float | None = None, count: int | None = None,
                 headers: dict[str, str] | None = None, expect: Callable[[int], bool] = lambda s: 200 <= s < 300,
                 max_in_flight: int = 256, timeout: float = 5.0, on_second: Callable[[Second], None] | None = None):
        if rps <= 0:
            raise ValueError("rps must be above 0")
        if duration is None and count is None:
            raise ValueError("a load run needs a duration or a count (runs are bounded)")
        self.url = url
        self.rps = float(rps)
        limits = [int(rps * duration) if duration is not None else None, count]
        self.total = min(v for v in limits if v is not None)
        self.headers = headers or {}
        self.expect = expect
        self.max_in_flight = max_in_flight
        self.timeout = timeout
        self.on_second = on_second
        self.report = LoadReport(url, self.rps, time.time())
        self.in_flight: set[asyncio.Task] = set()
        self._printed = 0

    def _second(self, index: int) -> Second:
        seconds = self.report.seconds
        while len(seconds) <= index:
            seconds.append(Second(len(seconds)))
        return seconds[index]

    async def run(self, stop: asyncio.Event | None = None) -> LoadReport:
        connector = aiohttp.TCPConnector(limit=self.max_in_flight, ttl_dns_cache=300)
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            ticker = asyncio.create_task(self._tick_seconds(t0)) if self.on_second else None
            sent = 0
            while sent < self.total and not (stop and stop.is_set()):
                due = min(self.total, int((loop.time() - t0) * self.rps) + 1)
                for i in range(sent, due):
                    self._launch(session, i // self.rps)
                sent = due
                await asyncio.sleep(max(0.0, t0 + sent / self.rps - loop.time()))
            if self.in_flight:
                await asyncio.wait(self.in_flight, timeout=self.timeout + 1)
            self.report.elapsed = loop.time() - t0
            if ticker:
                ticker.cancel()
        if self.on_second:
            for second in self.report.seconds[self._printed:]:
                self.on_second(second)
        return self.report

    async def _tick_seconds(self, t0: float) -> None:
        """Hand each second to ``on_second`` once it is 2 s old (its requests have answered)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(0.25)
            done = int(loop.time() - t0 - 2.0)
            while self._printed < min(done + 1, len(self.report.seconds)):
                self.on_second(self.report.seconds[self._printed])  # type: ignore[misc]
                self._printed += 1

    def _launch(self, session: aiohttp.ClientSession, second: float) -> None:
        if len(self.in_flight) >= self.max_in_flight:
            self.report.skipped += 1
            return
        task = asyncio.create_task(self._one(session, int(second)))
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)

    async def _one(self, session: aiohttp.ClientSession, second: int) -> None:
        r, s = self.report, self._second(second)
        r.sent += 1
        s.sent += 1
        start = time.perf_counter()
        node, failure = "?", None
        try:
            async with session.get(self.url, headers=self.headers) as resp:
                await resp.read()
                node = resp.headers.get(NODE_HEADER, "?")
                if not self.expect(resp.status):
                    failure = str(resp.status)
                    r.http_errors[failure] = r.http_errors.get(failure, 0) + 1
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            failure = type(exc).__name__
            r.socket_errors[failure] = r.socket_errors.get(failure, 0) + 1
        r.latencies_ms.append((time.perf_counter() - start) * 1000.0)
        r.answered_by_node[node] = r.answered_by_node.get(node, 0) + 1
        if failure is None:
            r.ok += 1
            s.ok += 1
        else:
            r.failed += 1
            s.failed += 1
            r.failed_by_node[node] = r.failed_by_node.get(node, 0) + 1


# ---- background traffic for the lab --------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lab.loadgen", description="Steady open-loop HTTP load.")
    p.add_argument("--url", required=True)
    p.add_argument("--rps", type=float, required=True)
    p.add_argument("--duration", type=float, default=24 * 3600.0, help="seconds (bounded; default one day)")
    p.add_argument("--key-env", help="send header apikey with the value of this environment variable")
    p.add_argument("--stats-file", help="cumulative totals as JSON, rewritten once a second")
    return p


async def _background(args: argparse.Namespace) -> int:
    headers = {"apikey": os.environ[args.key_env]} if args.key_env and os.environ.get(args.key_env) else {}
    gen = LoadGenerator(args.url, args.rps, duration=args.duration, headers=headers)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    run = asyncio.create_task(gen.run(stop))
    while not run.done():
        await asyncio.wait({run}, timeout=1.0)
        if args.stats_file:
            gen.report.elapsed = time.time() - gen.report.started
            _write_stats(args.stats_file, gen.report)
    return 0


def _write_stats(path: str, report: LoadReport) -> None:
    data = report.as_json()
    data["seconds"] = [asdict(s) for s in report.seconds[-5:]]
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(_background(_parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
