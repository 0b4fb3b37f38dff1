"""Frozen dataclasses to plain JSON data and back, by their type hints, strictly. Pure.

The journal writes and replays events with it, the control socket builds operator events
with it, and ``turnout attach`` sends snapshots with it: every boundary decodes through the
same function, so what one side refuses the other cannot let in. Decoding is strict because
a value of the wrong type does not fail where it enters but later, deep in the engine (a
``"step": "abc"`` once crashed the conductor at ``e.step + 1``, and every replay after it):

- every field is checked against the annotation: ``int`` is not ``bool``, ``str`` is not
  ``int``, a ``float`` takes an ``int`` but must be finite, enums and ``Literal``s by value,
  ``X | None``, tuples of a fixed length or ``tuple[X, ...]``, nested dataclasses;
- a key the type does not have is refused, and so is a missing field without a default
  (a field with a default may be left out: that is how an older writer's record reads);
- events are bounded where a value outside the range means nothing (``EVENT_BOUNDS``).

Errors are ``DecodeError`` naming the field path, e.g. ``StepApproved.step: expected an
integer, got 'abc'``.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import functools
import math
import types
import typing
from typing import Any, TypeVar

from . import events as ev
from .errors import DecodeError
from .observations import NodeWindow, PoolWindow

T = TypeVar("T")
EVENTS_BY_NAME = {cls.__name__: cls for cls in ev.EVENT_TYPES}

# (class, field) -> (lowest, highest) allowed, inclusive; None is unbounded on that side.
EVENT_BOUNDS: dict[tuple[type, str], tuple[float | None, float | None]] = {
    **{(cls, "at"): (0, None) for cls in ev.EVENT_TYPES},
    (ev.StepApproved, "step"): (0, None),  # the plan's step count is checked by rollout.intents
    (ev.WeightsApplied, "x"): (0, 100), (ev.WeightsApplied, "y"): (0, 100),
    (ev.Resumed, "x"): (0, 100), (ev.Resumed, "y"): (0, 100),
    (PoolWindow, "requests"): (0, None), (PoolWindow, "errors"): (0, None),
    (PoolWindow, "p50_ms"): (0, None), (PoolWindow, "p99_ms"): (0, None),
    (NodeWindow, "requests"): (0, None), (NodeWindow, "errors"): (0, None), (NodeWindow, "p99_ms"): (0, None),
}


def to_data(obj: Any) -> dict:
    """A dataclass as JSON-ready data (enums become their values through their str/int base)."""
    return dataclasses.asdict(obj)


def build(cls: type[T], data: Any) -> T:
    """``cls`` from ``to_data`` output, every field checked (see the module docstring)."""
    return _build(cls, data, cls.__name__)


def event_to_data(event: Any) -> dict:
    """An event as the journal and the control socket carry it: its fields plus ``type``."""
    data = {"type": type(event).__name__}
    data.update(to_data(event))
    return data


def event_from_data(data: Any) -> Any:
    """The event ``event_to_data`` made, or DecodeError (unknown type, wrong field, out of bounds)."""
    if not isinstance(data, dict):
        raise DecodeError(f"an event is a JSON object, got {_show(data)}")
    fields = dict(data)
    kind = fields.pop("type", None)
    cls = EVENTS_BY_NAME.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise DecodeError(f"unknown event type {_show(kind)}")
    return _build(cls, fields, cls.__name__)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(cls: type[T], data: Any, where: str) -> T:
    if not isinstance(data, dict):
        raise DecodeError(f"{where}: expected an object, got {_show(data)}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(str(k) for k in data if k not in fields)
    if unknown:
        raise DecodeError(f"{where}: unknown field {', '.join(map(repr, unknown))}")
    kwargs = {}
    for name, field in fields.items():
        if name not in data:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise DecodeError(f"{where}: missing field {name!r}")
            continue
        value = _decode(_hints(cls)[name], data[name], f"{where}.{name}")
        _check_bounds(cls, name, value, f"{where}.{name}")
        kwargs[name] = value
    return cls(**kwargs)


def _decode(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _decode_union(typing.get_args(hint), value, where)
    if origin is typing.Literal:
        if any(value == a and type(value) is type(a) for a in typing.get_args(hint)):
            return value
        raise DecodeError(f"{where}: expected one of {', '.join(map(repr, typing.get_args(hint)))}, got {_show(value)}")
    if origin is tuple:
        return _decode_tuple(typing.get_args(hint), value, where)
    if origin in (dict, collections.abc.Mapping):
        return _decode_mapping(typing.get_args(hint), value, where)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, where)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except (ValueError, TypeError):
            names = ", ".join(repr(m.value) for m in hint)
            raise DecodeError(f"{where}: expected one of {names}, got {_show(value)}") from None
    return _decode_scalar(hint, value, where)


def _decode_union(arms: tuple, value: Any, where: str) -> Any:
    if value is None and type(None) in arms:
        return None
    errors = []
    for arm in (a for a in arms if a is not type(None)):
        try:
            return _decode(arm, value, where)
        except DecodeError as exc:
            errors.append(str(exc))
    raise DecodeError(errors[0] if len(errors) == 1 else f"{where}: no type of {len(errors)} fits {_show(value)}")


def _decode_tuple(args: tuple, value: Any, where: str) -> tuple:
    if not isinstance(value, (list, tuple)):
        raise DecodeError(f"{where}: expected a list, got {_show(value)}")
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(_decode(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if len(value) != len(args):
        raise DecodeError(f"{where}: expected {len(args)} items, got {len(value)}")
    return tuple(_decode(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value)))


def _decode_mapping(args: tuple, value: Any, where: str) -> dict:
    """A mapping such as a window's statistics by name: every key and value checked like a field."""
    if not isinstance(value, dict):
        raise DecodeError(f"{where}: expected a mapping, got {_show(value)}")
    key_hint, value_hint = args or (Any, Any)
    return {_decode(key_hint, k, f"{where}"): _decode(value_hint, v, f"{where}.{k}") for k, v in value.items()}


def _decode_scalar(hint: Any, value: Any, where: str) -> Any:
    if hint is bool:
        if type(value) is bool:
            return value
        raise DecodeError(f"{where}: expected true or false, got {_show(value)}")
    if hint is int:
        if type(value) is int:
            return value
        raise DecodeError(f"{where}: expected an integer, got {_show(value)}")
    if hint is float:
        if type(value) in (int, float) and math.isfinite(value):
            return float(value)
        raise DecodeError(f"{where}: expected a finite number, got {_show(value)}")
    if hint is str:
        if type(value) is str:
            return value
        raise DecodeError(f"{where}: expected a string, got {_show(value)}")
    if hint is Any or hint is object:
        return value
    raise DecodeError(f"{where}: cannot decode a field of type {hint!r}")  # a type the codec was never taught


def _check_bounds(cls: type, name: str, value: Any, where: str) -> None:
    bounds = EVENT_BOUNDS.get((cls, name))
    if bounds is None or value is None:
        return
    low, high = bounds
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"at least {low}" if high is None else f"between {low} and {high}"
        raise DecodeError(f"{where}: must be {span}, got {_show(value)}")


def _show(value: Any) -> str:
    """A value for an error line: short, one line, its repr (never a whole payload)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
