"""Run emulated Kong nodes until SIGTERM/SIGINT: ``python -m lab.emulator --spec nodes.json``.

The spec is ``{"nodes": [{"name": "x1", "version": "3.4.2", "role": "dbless", "api_key": "...",
"admin_token": null, "ports": {"admin": 0, "status": 0, "proxy": 0}}, ...]}`` (every NodeSpec
key; ports 0 or absent = free loopback ports). Once every port is bound, one JSON line goes to
stdout (and to ``--ports-file`` when given, written atomically)::

    {"event": "ready", "pid": 1234, "control": "http://127.0.0.1:PORT",
     "nodes": {"x1": {"admin": URL, "status": URL, "proxy": URL, "version": "3.4.2", "role": "dbless"}}}

A ``"konnect": {"control_plane": CP node, "token", "control_plane_id", "control_plane_name"}`` block
in the spec adds the emulated Konnect API (lab/emulator/konnect.py); its URL is the line's ``konnect``.

Bad input (a node ``config`` Kong would refuse too) prints one line on stderr and exits 2. Faults: ``POST <admin>/__turnout/fault`` or
``POST <control>/__turnout/nodes/<name>/fault``; restart a crashed node with
``POST <control>/__turnout/nodes/<name>/start``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import select
import selectors
import signal
import sys

from lab.emulator import start_nodes
from lab.emulator.cluster import parse_specs


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lab.emulator", description="Emulated Kong nodes on loopback ports.")
    p.add_argument("--spec", required=True, help="JSON file with {\"nodes\": [...]}")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--control-port", type=int, default=0, help="cluster control port (0: a free one)")
    p.add_argument("--ports-file", help="also write the ready line here (atomically)")
    return p


def _write_atomic(path: str, text: str) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


async def serve(args: argparse.Namespace) -> int:
    try:
        with open(args.spec, encoding="utf-8") as fh:
            document = json.load(fh)
        specs = parse_specs(document)
    except (OSError, ValueError, TypeError) as exc:
        print(f"{args.spec}: {exc}", file=sys.stderr)
        return 2
    try:
        cluster = await start_nodes(specs, host=args.host, control_port=args.control_port)
        if isinstance(document, dict) and isinstance(document.get("konnect"), dict):  # the lab's --mode konnect
            await cluster.start_konnect(document["konnect"])
    except OSError as exc:
        print(f"{args.spec}: cannot bind: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a node's ``config`` that Kong would refuse
        print(f"{args.spec}: {exc}", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    line = json.dumps({"event": "ready", "pid": os.getpid(), **cluster.urls()})
    if args.ports_file:
        _write_atomic(args.ports_file, line + "\n")
    print(line, flush=True)
    try:
        await stop.wait()
    finally:
        await cluster.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    with asyncio.Runner(loop_factory=fine_timer_loop) as runner:
        return runner.run(serve(_parser().parse_args(argv)))


def fine_timer_loop() -> asyncio.AbstractEventLoop:
    """The emulator's event loop: its timers fire when they are due, not on the next whole millisecond."""
    return asyncio.SelectorEventLoop(FineTimerSelector())


SELECT_LIMIT = 1024  # select() takes descriptors below FD_SETSIZE; a later epoll waits in whole ms


class FineTimerSelector(selectors.EpollSelector):
    """epoll, waited on with microseconds instead of milliseconds.

    Why: ``epoll_wait`` takes whole milliseconds and CPython rounds a loop's timeout up
    (selectors.EpollSelector.select), so a node idle between requests answered a stated 1.1 ms
    at 2 ms: HAProxy read a 1.86 ms mean where the lab's scenario said about 1.3 (bench/README.md,
    "Lab vs rehearsal"). An epoll descriptor is itself readable when any socket it watches is
    ready, so ``select()`` on that one descriptor (created first, far below select's 1024 limit)
    waits to the microsecond for every socket, however many the lab opens; epoll then collects
    what is ready without waiting."""

    def select(self, timeout: float | None = None):
        if timeout is not None and timeout > 0 and self.fileno() < SELECT_LIMIT:
            select.select([self.fileno()], [], [], timeout)
            timeout = 0
        return super().select(timeout)


if __name__ == "__main__":
    sys.exit(main())
