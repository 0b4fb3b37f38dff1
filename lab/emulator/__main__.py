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
    return asyncio.run(serve(_parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
