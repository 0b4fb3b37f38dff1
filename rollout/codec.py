"""Frozen dataclasses to plain JSON data and back, by their type hints. Pure.

The journal writes events with it, and ``turnout attach`` sends snapshots with it. Both sides
decode by the receiving type's hints: nested dataclasses, tuples, optionals and enums come
back as they were, so equality holds after a round trip.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T")


def to_data(obj: Any) -> dict:
    """A dataclass as JSON-ready data (enums become their values through their str/int base)."""
    return dataclasses.asdict(obj)


def build(cls: type[T], data: dict) -> T:
    """``cls`` from ``to_data`` output; keys the type does not have are ignored, missing ones default."""
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
        return build(hint, value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    return value
