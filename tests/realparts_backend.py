"""Tiny HTTP/1.1 keep-alive backends that count their own requests (the "servers' own counters").

Like lb-notes' backend.py, but all nodes live in one thread with its own asyncio loop, so they
keep answering health checks while a test blocks (``nginx -t``, a subprocess) and work from
sync and async tests alike. Paths: ``/`` is counted and answers 200 with the node's name
(header ``X-Server``); ``/health`` and ``/__count`` are not counted. ``set_mode`` injects a
500 ratio or a delay; ``kill`` closes the listener and every open connection (a dead node).
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from dataclasses import dataclass, field


@dataclass
class NodeState:
    name: str
    port: int
    count: int = 0
    errors: int = 0
    fail: float = 0.0
    delay: float = 0.0
    server: asyncio.AbstractServer | None = None
    writers: set = field(default_factory=set)


class Backends:
    """Start with ``Backends({"x1": port, ...})`` (port 0: any free one, then read ``nodes[name].port``);
    stop with ``close()`` (or use as a context manager). ``revive`` reuses the node's port."""

    def __init__(self, ports: dict[str, int], seed: int = 7):
        self.nodes = {name: NodeState(name, port) for name, port in ports.items()}
        self.rng = random.Random(seed)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="backends", daemon=True)
        self.thread.start()
        for name in self.nodes:
            self._call(self._listen(self.nodes[name]))

    def __enter__(self) -> "Backends":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, coro, timeout: float = 5.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _listen(self, node: NodeState) -> None:
        node.server = await asyncio.start_server(lambda r, w: self._serve(node, r, w), "127.0.0.1", node.port)
        node.port = node.server.sockets[0].getsockname()[1]  # port 0: the kernel picks, no race with others

    async def _serve(self, node: NodeState, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        node.writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode() if head.count(b" ") >= 2 else "/"
                length = _content_length(head)
                if length:
                    await reader.readexactly(length)
                status, body = await self._answer(node, path)
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nX-Server: {node.name}\r\n"
                    f"Content-Type: text/plain\r\n\r\n".encode() + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            node.writers.discard(writer)
            writer.close()

    async def _answer(self, node: NodeState, path: str) -> tuple[str, bytes]:
        if path.startswith("/health"):
            return "200 OK", b"ok"
        if path.startswith("/__count"):
            return "200 OK", json.dumps({"name": node.name, "count": node.count, "err": node.errors}).encode()
        node.count += 1
        if node.delay:
            await asyncio.sleep(node.delay)
        if node.fail and self.rng.random() < node.fail:
            node.errors += 1
            return "500 Internal Server Error", b"injected"
        return "200 OK", node.name.encode()

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
            node.server.close()
            node.server = None
        for writer in list(node.writers):
            writer.transport.abort()

    def revive(self, name: str) -> None:
        self._call(self._listen(self.nodes[name]))

    def close(self) -> None:
        for node in self.nodes.values():
            self._call(self._kill(node))
        self._call(self._cancel_connections())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    async def _cancel_connections(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1].strip() or 0)
    return 0
