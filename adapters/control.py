"""``turnout attach``: the cockpit over a unix socket, so a live run can outlive its terminal.

A conductor started with ``turnout run PLAN --serve`` (or ``--detach``) serves
``<run dir>/control.sock``, mode 0600 inside the run directory's 0700. The protocol is JSON
lines, one request and one answer each:

- ``{"op": "snapshot"}`` is answered by ``{"ok": true, "snapshot": {...}}``, the engine's
  Snapshot encoded by ``rollout.codec``;
- ``{"op": "submit", "event": {"type": "RollbackRequested", ...}}`` is answered by
  ``{"ok": true}``. Only operator events are taken (approve, pause, resume, roll back, halt),
  decoded by the strict ``rollout.codec`` (the journal's own), and only when the run would
  act on them now (``rollout.intents.refusal``). They are stamped on arrival and journaled
  like a key pressed in the local cockpit.

Anything else is answered ``{"ok": false, "error": "..."}`` and nothing is journaled.
``RemoteConductor`` is the client: a ``rollout.conductor.Conductor`` the TUI uses exactly like
a local run; a refusal shows in its log as "refused: ...". Leaving it never stops the run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import time
from typing import Any

from rollout.codec import build, event_from_data, event_to_data, to_data
from rollout.describe import describe_refusal
from rollout.errors import DecodeError
from rollout.i18n import N_
from rollout.intents import OPERATOR_EVENTS as INTENTS
from rollout.intents import refusal
from rollout.snapshot import LogEntry, Snapshot

OPERATOR_EVENTS = {cls.__name__ for cls in INTENTS}
POLL_S = 0.25  # how often an attached cockpit asks for a fresh snapshot
LINGER_S = 4 * POLL_S  # after the run ends, attached cockpits get this long to see its last snapshot
LINE_LIMIT = 8 * 1024 * 1024  # a snapshot with a long log is well under this


def socket_path(run_dir: str) -> str:
    return os.path.join(run_dir, "control.sock")


class ControlServer:
    """Serves one conductor's snapshots and takes operator events, for any number of attached cockpits."""

    def __init__(self, conductor: Any, path: str):
        self.conductor = conductor
        self.path = path
        self.server: asyncio.AbstractServer | None = None
        self.clients: dict[asyncio.Task, asyncio.StreamWriter] = {}

    async def start(self) -> None:
        if os.path.exists(self.path):  # left by a conductor that died; the run directory's lock says we own it
            os.unlink(self.path)
        self.server = await asyncio.start_unix_server(self._serve, path=self.path, limit=LINE_LIMIT)
        os.chmod(self.path, 0o600)

    async def close(self) -> None:
        """Stop serving. Attached cockpits first get ``LINGER_S`` to read the final snapshot."""
        if self.server is None:
            return
        self.server.close()
        if self.clients:
            await asyncio.sleep(LINGER_S)
        for writer in list(self.clients.values()):
            writer.close()
        await asyncio.gather(*self.clients, return_exceptions=True)
        self.server = None
        if os.path.exists(self.path):
            os.unlink(self.path)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self.clients[task] = writer
        try:
            while line := await reader.readline():
                writer.write((json.dumps(self.answer(line)) + "\n").encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # the cockpit went away mid-line: nothing to answer
        finally:
            self.clients.pop(task, None)
            writer.close()

    def answer(self, line: bytes) -> dict:
        try:
            request = json.loads(line)
        except (ValueError, RecursionError):
            return {"ok": False, "error": "not a JSON line"}
        op = request.get("op") if isinstance(request, dict) else None
        if op == "snapshot":
            return {"ok": True, "snapshot": to_data(self.conductor.snapshot())}
        if op == "submit":
            data = request.get("event")
            kind = data.get("type") if isinstance(data, dict) else None
            if kind not in OPERATOR_EVENTS:
                return {"ok": False, "error": f"not an operator event: {kind!r} (one of {', '.join(sorted(OPERATOR_EVENTS))})"}
            try:
                event = event_from_data(data)
            except DecodeError as exc:
                return {"ok": False, "error": f"bad {kind}: {exc}"}
            why = refusal(self.conductor.snapshot(), event)
            if why is not None:
                return {"ok": False, "error": describe_refusal(event, why)}
            self.conductor.submit(event)
            return {"ok": True}
        return {"ok": False, "error": f"unknown op {op!r} (snapshot or submit)"}


class AttachError(Exception):
    """No conductor answers on the socket (one line, naming it)."""


class RemoteConductor:
    """A Conductor whose run happens in another process: the TUI attaches to it over the socket."""

    world = "live"
    badge = ""
    controls = None  # the wall clock, in the conductor's process
    start_gate = None  # a served run started at once (headless); attaching never starts one
    quit_note = N_("The run goes on without you, in its conductor process: nothing stops or moves because you left. "
                   "Attach again with `turnout attach` on the same plan.")  # translated as shown

    def __init__(self, path: str):
        self.path = path
        self.latest: Snapshot | None = None
        self.outbox: asyncio.Queue = asyncio.Queue()
        self.wake = asyncio.Event()  # set by submit: send now rather than at the next poll
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.stopped = False
        self.refused: list[LogEntry] = []  # the conductor's refusals of what we sent, for our log

    @property
    def loop(self) -> RemoteConductor:
        """Its loop (polling the socket) runs beside the cockpit; stopping it detaches, the run goes on."""
        return self

    async def connect(self) -> None:
        """Open the socket and fetch the first snapshot (the cockpit needs one to draw)."""
        try:
            self.reader, self.writer = await asyncio.open_unix_connection(self.path, limit=LINE_LIMIT)
        except OSError as exc:
            raise AttachError(N_("{path}: no conductor answers ({why}); start one with `turnout run PLAN --detach`").format(
                path=self.path, why=exc.strerror or exc)) from None
        await self._refresh()

    @property
    def now(self) -> float:
        return time.time()

    def snapshot(self) -> Snapshot:
        """The conductor's latest snapshot, with its refusals of our intents in the log."""
        assert self.latest is not None, "connect() first"
        if not self.refused:
            return self.latest
        log = sorted(self.latest.log + tuple(self.refused), key=lambda entry: entry.at)
        return dataclasses.replace(self.latest, log=tuple(log))

    def submit(self, event: Any) -> None:
        self.outbox.put_nowait(event)
        self.wake.set()

    def stop(self) -> None:
        self.stopped = True
        if self.writer is not None:
            self.writer.close()

    async def run(self) -> None:
        """Send queued operator events and refresh the snapshot until the run ends or the link drops."""
        while not self.stopped:
            while not self.outbox.empty():
                answer = await self._ask({"op": "submit", "event": event_to_data(self.outbox.get_nowait())})
                if not answer.get("ok"):  # the run moved on (or never waited for it): say so, go on
                    phase = self.latest.phase.value if self.latest else ""
                    self.refused = self.refused[-50:] + [LogEntry(self.now, phase, "warn", str(answer.get("error")))]
            await self._refresh()
            if self.latest.finished:
                return
            try:
                await asyncio.wait_for(self.wake.wait(), POLL_S)
            except asyncio.TimeoutError:
                pass
            self.wake.clear()

    async def _refresh(self) -> None:
        answer = await self._ask({"op": "snapshot"})
        try:
            self.latest = build(Snapshot, answer.get("snapshot"))
        except DecodeError as exc:  # another Turnout version, or a bug: say which field, once
            raise AttachError(N_("{path}: the conductor sent a snapshot this cockpit cannot read: {why}").format(
                path=self.path, why=exc)) from None

    async def _ask(self, request: dict) -> dict:
        assert self.reader is not None and self.writer is not None
        try:
            self.writer.write((json.dumps(request) + "\n").encode())
            await self.writer.drain()
            line = await self.reader.readline()
        except ConnectionError:
            line = b""
        if not line:
            raise AttachError(N_("the conductor closed the connection (its process stopped); "
                                 "the screen shows the last state it sent"))
        return json.loads(line)
