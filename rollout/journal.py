"""The journal: every input event of a run, one JSON object per line, fsynced before acting.

The engine is deterministic, so replaying the journal into a fresh engine rebuilds exactly
the state it had: that is how Turnout resumes after ``kill -9`` or a dropped SSH session.
Events carry no secrets (adapters never put tokens or keys in messages), and ``encode``
refuses to write a value that looks like one of the secrets it was told about.

The codec is pure; ``Journal`` is the only place in rollout/ that touches a file, through
the plain ``open``/``os.fsync`` of the standard library (no network, no clock).
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable

from . import events as ev
from .codec import build, to_data

_BY_NAME = {cls.__name__: cls for cls in ev.EVENT_TYPES}


def to_dict(event: Any) -> dict:
    data = {"type": type(event).__name__}
    data.update(to_data(event))
    return data


def from_dict(data: dict) -> Any:
    data = dict(data)
    cls = _BY_NAME.get(data.pop("type", ""))
    if cls is None:
        raise ValueError(f"unknown event type in journal: {data!r}")
    if cls is ev.WindowJudged:
        data.update({pool: _upgrade_window(data[pool]) for pool in ("x", "y") if pool in data})
    return build(cls, data)


# Journals written before windows carried their statistics by name held them as fields.
_OLD_STATS = ("p50_ms", "p99_ms")


def _upgrade_window(window: dict) -> dict:
    """A window (or a node's row) from an older journal: its ``p50_ms``/``p99_ms`` fields become
    named statistics, so that it replays into the same verdicts as when it was written."""
    upgraded = {k: v for k, v in window.items() if k not in _OLD_STATS}
    old = {k: window[k] for k in _OLD_STATS if k in window}
    if old:
        upgraded["stats"] = {**old, **window.get("stats", {})}
    if "nodes" in window:
        upgraded["nodes"] = [_upgrade_window(n) for n in window["nodes"]]
    return upgraded


def encode(event: Any, secrets: Iterable[str] = ()) -> str:
    line = json.dumps(to_dict(event), separators=(",", ":"), sort_keys=True)
    for secret in secrets:
        if secret and len(secret) >= 4 and secret in line:
            raise ValueError(f"refusing to journal a secret inside a {type(event).__name__} event")
    return line


def decode(line: str) -> Any:
    return from_dict(json.loads(line))


class Journal:
    """Append-only, fsynced JSON-lines file of events. Created 0600: it describes production."""

    def __init__(self, path: str, secrets: Iterable[str] = ()):
        self.path = path
        self.secrets = tuple(s for s in secrets if s)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8")

    def append(self, event: Any) -> None:
        self._file.write(encode(event, self.secrets) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()

    @staticmethod
    def read(path: str) -> list[Any]:
        """Every complete event in the file; a torn last line (crash mid-write) is dropped."""
        out = []
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                out.append(decode(line))
            except (json.JSONDecodeError, KeyError, TypeError):
                if i >= len(lines) - 2:
                    break  # the last line was being written when the process died
                raise
        return out
