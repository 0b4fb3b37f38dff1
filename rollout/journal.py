"""The journal: every input event of a run, one line each, hash-chained and fsynced before acting.

The engine is deterministic, so replaying the journal into a fresh engine rebuilds exactly
the state it had: that is how Turnout resumes after ``kill -9`` or a dropped SSH session.
So the journal must prove itself: a replay of a changed journal is a different run.

Format 1 (docs/journal-format.md): each line is the event's canonical JSON record
(``rollout.codec.event_to_data``, sorted keys, no spaces, ASCII) with one member added at
the end, ``"sha256"``: ``sha256(previous line's digest + record)`` in hex, the first line
chained to ``GENESIS`` (which names the format). Reading checks every line's chain, shape and
types and names the first bad line: a changed byte, a removed, added or reordered line all
break the chain there. Only a torn tail (bytes after the last newline: a write cut short by
a crash, never acted upon because the engine acts after the fsync) is not an error: the
reader leaves it out, and ``Journal`` cuts it off the file before it appends anything.
Lines without a checksum are format 0 (Turnout before format 1): read, unverified, at the
start of the file only; new lines chain onto them, which protects them from then on.

Events carry no secrets (adapters keep tokens out of messages), and ``encode`` refuses a
record that holds one of the secrets it was told about, or that would not decode again.
``parse`` is pure; ``Journal`` is the only place in rollout/ that touches a file, through
``os`` calls of the standard library (no network, no clock).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Any, Iterable

from .codec import event_from_data, event_to_data
from .errors import DecodeError, JournalCorrupt, JournalError, JournalIOError, JournalRefused
from .i18n import N_

FORMAT = 1
GENESIS = hashlib.sha256(b"turnout journal format 1").hexdigest()
SEAL = re.compile(rb',"sha256":"([0-9a-f]{64})"\}\Z')
CHANGED = N_("checksum does not match (the line was changed, or a line before it was removed, added or reordered)")

# Older names, kept for callers of the former API.
to_dict, from_dict = event_to_data, event_from_data


def chain(previous: str, record: str | bytes) -> str:
    """The digest of a line: its record chained to the digest of the line before it."""
    data = record.encode() if isinstance(record, str) else record
    return hashlib.sha256(previous.encode() + data).hexdigest()


# Journals written before windows carried their statistics by name held them as fields.
_OLD_STATS = ("p50_ms", "p99_ms")


def _upgrade_window(window: Any) -> Any:
    """A window (or a node's row) from an older journal: its ``p50_ms``/``p99_ms`` fields become
    named statistics, so that it replays into the same verdicts as when it was written. Anything
    not shaped like a window is passed on as it is, for the strict codec to refuse by its field."""
    if not isinstance(window, dict) or not any(k in window for k in (*_OLD_STATS, "nodes")):
        return window
    upgraded = {k: v for k, v in window.items() if k not in _OLD_STATS}
    old = {k: window[k] for k in _OLD_STATS if k in window}
    stats = window.get("stats", {})
    if old and isinstance(stats, dict):
        upgraded["stats"] = {**old, **stats}
    elif old:
        return window
    if isinstance(window.get("nodes"), list):
        upgraded["nodes"] = [_upgrade_window(n) for n in window["nodes"]]
    return upgraded


def encode(event: Any, secrets: Iterable[str] = ()) -> str:
    """The event's canonical record (no checksum). ValueError when it must not or cannot be journaled."""
    data = event_to_data(event)
    event_from_data(data)  # a wrong type or a value out of bounds, named by its field
    try:
        record = json.dumps(data, separators=(",", ":"), sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise DecodeError(f"a {type(event).__name__} event is not plain JSON data: {exc}") from None
    for secret in secrets:
        if secret and len(secret) >= 4 and secret in record:
            raise ValueError(f"refusing to journal a secret inside a {type(event).__name__} event")
    decode(record)  # what the reader would refuse is refused now, while the run can still say so
    return record


def seal(record: str, digest: str) -> str:
    """A record with its chain digest, as one journal line (without the newline)."""
    return f'{record[:-1]},"sha256":"{digest}"}}'


def decode(record: str | bytes) -> Any:
    """An event from its record (DecodeError when it is not one)."""
    try:
        data = json.loads(record, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise DecodeError("not a JSON event: nested too deeply") from None
    except ValueError as exc:
        raise DecodeError(f"not a JSON event ({exc})") from None
    if isinstance(data, dict) and data.get("type") == "WindowJudged":
        data.update({pool: _upgrade_window(data[pool]) for pool in ("x", "y") if isinstance(data.get(pool), dict)})
    return event_from_data(data)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise DecodeError("a key appears twice")
    return data


@dataclass(frozen=True)
class Contents:
    """What a journal file holds, verified: its events and where its chain ends."""

    events: list
    head: str  # the digest of the last line (GENESIS when there is none): the next line chains to it
    size: int  # bytes up to the end of the last whole line
    torn: int = 0  # bytes after the last newline, left by a crash mid-write (0: none)
    legacy: int = 0  # lines of format 0 (no checksum) at the start

    @property
    def lines(self) -> int:
        return len(self.events)


def parse(data: bytes, path: str) -> Contents:
    """Verify a journal's bytes line by line; JournalCorrupt names the first bad line."""
    *whole, tail = data.split(b"\n")
    head, events, legacy = GENESIS, [], 0
    for number, line in enumerate(whole, start=1):
        sealed = SEAL.search(line)
        if sealed is None and legacy < len(events):
            raise JournalCorrupt(path, N_("no checksum (every line after a checksummed one carries one)"), number)
        record = line[: sealed.start()] + b"}" if sealed else line
        digest = chain(head, record)
        if sealed and sealed.group(1).decode() != digest:
            raise JournalCorrupt(path, CHANGED, number)
        try:
            events.append(decode(record))
        except DecodeError as exc:
            raise JournalCorrupt(path, str(exc), number) from None
        head, legacy = digest, legacy + (sealed is None)
    return Contents(events, head, len(data) - len(tail), len(tail), legacy)


def load(path: str) -> Contents:
    """Read and verify the journal at ``path`` (read only: a torn tail is left out, not cut)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise JournalIOError(path, N_("cannot read ({why})").format(why=exc.strerror or exc)) from None
    return parse(data, path)


class Journal:
    """Append-only, hash-chained, fsynced journal of events. Created 0600: it describes production.

    Opening reads and verifies what is there (JournalCorrupt: nothing will be appended to a
    journal that does not verify) and cuts a torn tail off the file first, so the next line
    never lands on a fragment. ``recovered`` then says what was cut, in one line.
    """

    def __init__(self, path: str, secrets: Iterable[str] = ()):
        self.path = path
        self.secrets = tuple(s for s in secrets if s)
        try:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self._fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise JournalIOError(path, N_("cannot open for writing ({why})").format(why=exc.strerror or exc)) from None
        try:
            found = self._open_chain()
        except JournalError:
            os.close(self._fd)
            raise
        self._head, self._size = found.head, found.size
        self.lines = found.lines  # whole lines in the file, for the caller's messages
        self.recovered = N_("{path}:{line}: cut a torn last line ({size} bytes, a write the crash cut short)").format(
            path=path, line=found.lines + 1, size=found.torn) if found.torn else ""

    def _open_chain(self) -> Contents:
        try:
            data = os.pread(self._fd, os.fstat(self._fd).st_size, 0)
            found = parse(data, self.path)
            if found.torn:
                os.ftruncate(self._fd, found.size)
                os.fsync(self._fd)
            elif not data:
                _fsync_dir(self.path)  # a new file: its directory entry must survive a crash too
        except OSError as exc:
            raise JournalIOError(self.path, N_("cannot open ({why})").format(why=exc.strerror or exc)) from None
        return found

    def append(self, event: Any) -> None:
        """Write one event and fsync it. On failure the partial line is taken back, the chain
        stays where it was, and JournalIOError or JournalRefused says why in one line."""
        try:
            record = encode(event, self.secrets)
        except ValueError as exc:
            raise JournalRefused(self.path, str(exc)) from None
        digest = chain(self._head, record)
        line = (seal(record, digest) + "\n").encode()
        try:
            written = 0
            while written < len(line):
                written += os.write(self._fd, line[written:])
            os.fsync(self._fd)
        except OSError as exc:
            self._take_back()
            raise JournalIOError(self.path, N_("cannot append ({why})").format(why=exc.strerror or exc)) from None
        self._head, self._size = digest, self._size + len(line)
        self.lines += 1

    def _take_back(self) -> None:
        """Cut the file back to its last whole line (best effort: the disk may refuse this too;
        then the next reader finds a torn tail, which is cut before anything is appended)."""
        try:
            os.ftruncate(self._fd, self._size)
            os.fsync(self._fd)
        except OSError:
            pass

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    @staticmethod
    def read(path: str) -> list[Any]:
        """Every event in the file, verified; a torn tail (crash mid-write) is left out."""
        return load(path).events


def _fsync_dir(path: str) -> None:
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
