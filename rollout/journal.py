"""The journal: every input event of a run, one JSON object per line, fsynced before acting.

The engine is deterministic, so replaying the journal into a fresh engine rebuilds exactly
the state it had: that is how Turnout resumes after ``kill -9`` or a dropped SSH session.
Events carry no secrets (adapters never put tokens or keys in messages), and ``encode``
refuses to write a value that looks like one of the secrets it was told about.

The codec is pure; ``Journal`` is the only place in rollout/ that touches a file, through
the plain ``open``/``os.fsync`` of the standard library (no network, no clock).
"""

from __future__ import annotations

import dataclasses
import json
import os
import types
import typing
from typing import Any, Iterable

from . import events as ev

_BY_NAME = {cls.__name__: cls for cls in ev.EVENT_TYPES}


def to_dict(event: Any) -> dict:
    data = {"type": type(event).__name__}
    data.update(dataclasses.asdict(event))
    return data


def from_dict(data: dict) -> Any:
    data = dict(data)
    cls = _BY_NAME.get(data.pop("type", ""))
    if cls is None:
        raise ValueError(f"unknown event type in journal: {data!r}")
    return _build(cls, data)


def _build(cls: type, data: dict) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs = {f.name: _decode(hints[f.name], data[f.name]) for f in dataclasses.fields(cls) if f.name in data}
    return cls(**kwargs)


def _decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _decode(inner[0], value) if len(inner) == 1 else value
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in value)
        return tuple(_decode(a, v) for a, v in zip(args, value))
    if dataclasses.is_dataclass(hint):
        return _build(hint, value)
    return value


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
