"""A small HTTP/1.1 keep-alive server on a raw asyncio Protocol: the emulator's every port.

Why not aiohttp: the lab pushes >= 500 rps through HAProxy to these nodes on a 2-core box,
and the proxy path must cost a few microseconds. A Protocol that parses the request line,
the few headers it needs and a Content-Length body, then writes pre-built bytes, does that.

A handler is a plain function ``handler(request) -> Response``; a ``delay`` on the response
(injected latency) is honoured with ``call_later``, and the connection reads no further
request until the delayed answer is written, so answers never overtake each other.
"""

from __future__ import annotations

import asyncio
import email.policy
import json
from email.parser import BytesParser
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qsl

REASONS = {200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large", 429: "Too Many Requests",
           500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable"}
MAX_HEAD = 65536


@dataclass
class Request:
    method: str
    target: str  # path with the query string
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.target.split("?", 1)[1])) if "?" in self.target else {}

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def params(self) -> dict[str, Any]:
        """The request's parameters as Kong's Admin API sees them (lapis ``self.params``): the query
        arguments, then the body's fields when it is a JSON object, a urlencoded form or a
        multipart form. Anything else (YAML, text, bad JSON) adds nothing; the raw body stays."""
        params: dict[str, Any] = dict(self.query)
        kind = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/json":
            try:
                body = json.loads(self.body or b"null")
            except ValueError:
                body = None
            params.update(body if isinstance(body, dict) else {})
        elif kind == "application/x-www-form-urlencoded":
            params.update(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))
        elif kind == "multipart/form-data":
            params.update(_multipart(self.headers["content-type"], self.body))
        return params


def _multipart(content_type: str, body: bytes) -> dict[str, str]:
    """The text fields of a multipart/form-data body (``curl -F config=@kong.yml``)."""
    message = BytesParser(policy=email.policy.HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    fields = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[str(name)] = part.get_payload(decode=True).decode("utf-8", "replace")
    return fields


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/json; charset=utf-8"
    delay: float = 0.0  # seconds before the answer is written (injected latency)
    close: bool = False  # drop the connection without answering (a crashing node)
    wire: dict[bool, bytes] | None = None  # pre-encoded bytes per keep-alive flag (hot-path answers)


def json_response(status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, json.dumps(body).encode(), headers or [])


def encode(resp: Response, keep_alive: bool) -> bytes:
    """The wire bytes of one answer (status line, headers, body); cached when ``wire`` is set."""
    if resp.wire is not None:
        cached = resp.wire.get(keep_alive)
        if cached is None:
            cached = resp.wire[keep_alive] = _encode(resp, keep_alive)
        return cached
    return _encode(resp, keep_alive)


def _encode(resp: Response, keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {resp.status} {REASONS.get(resp.status, 'Unknown')}"]
    if resp.status not in (204, 304):
        lines.append(f"Content-Type: {resp.content_type}")
        lines.append(f"Content-Length: {len(resp.body)}")
    lines.extend(f"{k}: {v}" for k, v in resp.headers)
    if not keep_alive:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if resp.status in (204, 304) else head + resp.body


Handler = Callable[[Request], Response]


class HttpProtocol(asyncio.Protocol):
    """One connection: parse requests in order, answer each (maybe after a delay)."""

    def __init__(self, handler: Handler, connections: set["HttpProtocol"]):
        self.handler = handler
        self.connections = connections
        self.buffer = b""
        self.busy = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.discard(self)
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self._drain()

    def _drain(self) -> None:
        while self.transport is not None and not self.busy:
            parsed = self._parse()
            if parsed is None:
                return
            request, keep_alive = parsed
            try:
                response = self.handler(request)
            except Exception as exc:  # a bug in a handler must not kill the node
                response = json_response(500, {"message": f"An unexpected error occurred: {type(exc).__name__}"})
            if response.delay > 0:
                self.busy = True
                asyncio.get_running_loop().call_later(response.delay, self._finish, response, keep_alive)
                return
            self._write(response, keep_alive)

    def _finish(self, response: Response, keep_alive: bool) -> None:
        self.busy = False
        self._write(response, keep_alive)
        self._drain()

    def _write(self, response: Response, keep_alive: bool) -> None:
        if self.transport is None:
            return
        if response.close:
            self.transport.abort()
            return
        self.transport.write(encode(response, keep_alive))
        if not keep_alive:
            self.transport.close()

    def _parse(self) -> tuple[Request, bool] | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD and self.transport:
                self.transport.close()
            return None
        head = self.buffer[:end].decode("latin-1").split("\r\n")
        try:
            method, target, version = head[0].split(" ", 2)
        except ValueError:
            self.transport.close()  # type: ignore[union-attr]
            return None
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        if len(self.buffer) < end + 4 + length:
            return None
        body = self.buffer[end + 4:end + 4 + length]
        self.buffer = self.buffer[end + 4 + length:]
        conn = headers.get("connection", "").lower()
        keep_alive = conn != "close" if version == "HTTP/1.1" else conn == "keep-alive"
        return Request(method, target, headers, body), keep_alive


class HttpServer:
    """One listening port with its handler; ``stop`` closes the socket and drops every connection."""

    def __init__(self, handler: Handler):
        self.handler = handler
        self.connections: set[HttpProtocol] = set()
        self.server: asyncio.base_events.Server | None = None
        self.port = 0

    async def start(self, host: str, port: int, ssl_context: Any = None) -> int:
        """Bind (``port`` 0: a free one); with ``ssl_context`` the port speaks HTTPS (as Kong's 8444)."""
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: HttpProtocol(self.handler, self.connections), host, port,
                                               reuse_address=True, ssl=ssl_context)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self.server is None:
            return
        self.server.close()
        for conn in list(self.connections):
            if conn.transport is not None:
                conn.transport.abort()
        await self.server.wait_closed()
        self.server = None
