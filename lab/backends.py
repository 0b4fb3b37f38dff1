"""Tiny HTTP/1.1 keep-alive upstreams that count their own requests (the "servers' own counters").

The load-balancer tests put these behind a real HAProxy or nginx and compare the split the
servers counted with the weights. They serve on the Kong node emulator's HTTP server
(``lab.emulator.httpserver``), not a second one. All nodes live in one thread with its own
asyncio loop, so they keep answering health checks while a test blocks (``nginx -t``, a
subprocess) and work from sync and async tests alike.

Paths: ``/`` is counted and answers 200 with the node's name (header ``X-Server``); ``/health``
and ``/__count`` are not counted. ``set_mode`` injects a 500 ratio or a delay; ``kill`` closes
the listener and every open connection (a dead node); ``revive`` listens on the same port again.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from dataclasses import dataclass

from .emulator.httpserver import HttpServer, Request, Response


@dataclass
class NodeState:
    name: str
    port: int
    count: int = 0
    errors: int = 0
    fail: float = 0.0
    delay: float = 0.0
    server: HttpServer | None = None


class Backends:
    """Start with ``Backends({"x1": port, ...})`` (port 0: any free one, then read ``nodes[name].port``);
    stop with ``close()`` (or use as a context manager). ``revive`` reuses the node's port."""

    def __init__(self, ports: dict[str, int], seed: int = 7):
        self.nodes = {name: NodeState(name, port) for name, port in ports.items()}
        self.rng = random.Random(seed)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="backends", daemon=True)
        self.thread.start()
        for node in self.nodes.values():
            self._call(self._listen(node))

    def __enter__(self) -> "Backends":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, coro, timeout: float = 5.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _listen(self, node: NodeState) -> None:
        node.server = HttpServer(lambda request: self._answer(node, request))
        node.port = await node.server.start("127.0.0.1", node.port)  # port 0: the kernel picks, no race

    def _answer(self, node: NodeState, request: Request) -> Response:
        headers = [("X-Server", node.name)]
        if request.path.startswith("/health"):
            return Response(200, b"ok", headers, "text/plain")
        if request.path.startswith("/__count"):
            body = json.dumps({"name": node.name, "count": node.count, "err": node.errors}).encode()
            return Response(200, body, headers)
        node.count += 1
        if node.fail and self.rng.random() < node.fail:
            node.errors += 1
            return Response(500, b"injected", headers, "text/plain", delay=node.delay)
        return Response(200, node.name.encode(), headers, "text/plain", delay=node.delay)

    # ---- control (thread-safe) --------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {name: n.count for name, n in self.nodes.items()}

    def set_mode(self, name: str, fail: float = 0.0, delay: float = 0.0) -> None:
        self.nodes[name].fail, self.nodes[name].delay = fail, delay

    def kill(self, name: str) -> None:
        """The node dies: no listener, open connections reset."""
        self._call(self._kill(self.nodes[name]))

    async def _kill(self, node: NodeState) -> None:
        if node.server:
            await node.server.stop()
            node.server = None

    def revive(self, name: str) -> None:
        self._call(self._listen(self.nodes[name]))

    def close(self) -> None:
        for node in self.nodes.values():
            self._call(self._kill(node))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
