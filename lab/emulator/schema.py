"""A small schema engine in the manner of Kong's ``kong/db/schema/init.lua``: typed fields,
records with "unknown field", arrays, ranges, one_of, and Kong's error texts.

Why a schema layer: the emulator must refuse a config the way Kong does, with the same
``fields`` tree (a field name -> message, an array index -> message, ``@entity`` -> [messages]),
because Turnout shows Kong's errors to operators and the lab rehearses against them.
Array indexes are 1-based ints, as Lua's, so the error tree prints and flattens as Kong's does
(lab/emulator/kong_errors.py).

What it does NOT do (honestly): no string patterns beyond those named (utf8 names, hostnames
are not checked character by character), no shorthand fields except a service's ``url``, no
custom validators besides the ones the entity definitions pass in, no defaults processing
(``process_auto_fields``), no ``map`` key/value typing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

REQUIRED = "required field missing"
UNKNOWN = "unknown field"
MUST_BE_NULL = "value must be null"
EXPECTED = {"string": "expected a string", "integer": "expected an integer", "number": "expected a number",
            "boolean": "expected a boolean", "array": "expected an array", "set": "expected a set",
            "record": "expected a record", "map": "expected a map"}

Check = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class F:
    """One field: its type and the checks Kong's typedef declares for it."""

    type: str  # string integer number boolean array set record map any foreign
    required: bool = False
    default: Any = None
    between: tuple[float, float] | None = None
    one_of: tuple[Any, ...] | None = None
    len_min: int | None = None
    elements: "F | None" = None
    fields: "dict[str, F] | None" = None  # record fields (None: any record)
    check: Check | None = None  # a custom validator: None or Kong's message
    reference: str | None = None  # foreign: the entity type referred to


def _typed(f: F, value: Any) -> bool:
    if f.type == "string":
        return isinstance(value, str)
    if f.type == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return f.type == "any"
    if f.type == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if f.type == "number":
        return isinstance(value, (int, float))
    if f.type in ("array", "set"):
        return isinstance(value, list)
    if f.type in ("record", "map"):
        return isinstance(value, dict)
    return True


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_value(f: F, value: Any) -> Any:
    """The error for one value (a message or a nested tree), or None when it passes."""
    if f.type == "foreign" or not _typed(f, value):
        return None if f.type == "foreign" else EXPECTED.get(f.type)
    if f.one_of is not None and value not in f.one_of:
        return "expected one of: " + ", ".join(str(x) for x in f.one_of)
    if f.between is not None and not f.between[0] <= value <= f.between[1]:
        return f"value should be between {_num(f.between[0])} and {_num(f.between[1])}"
    if f.len_min is not None and len(value) < f.len_min:
        return f"length must be at least {f.len_min}"
    if f.type in ("array", "set") and f.elements is not None:
        errs = {i: e for i, item in enumerate(value, 1) if (e := check_value(f.elements, item)) is not None}
        if errs:
            return errs
    if f.type == "record" and f.fields is not None:
        errs = check_record(f.fields, value)
        if errs:
            return errs
    return f.check(value) if f.check else None


def check_record(fields: dict[str, F], value: dict[str, Any], extra: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Field errors of a record: unknown keys, missing required ones, then each value."""
    errs: dict[str, Any] = {}
    for key in value:
        if key not in fields and key not in extra:
            errs[key] = UNKNOWN
    for name, f in fields.items():
        present = name in value and value[name] is not None
        if not present:
            if f.required:
                errs[name] = REQUIRED
            continue
        err = check_value(f, value[name])
        if err is not None:
            errs[name] = err
    return errs


@dataclass(frozen=True)
class EntitySchema:
    """A declarative entity: its fields, its nested children, keys and entity checks.

    ``checks`` run only when the fields they read passed (as Kong skips entity checks on
    fields with errors); each returns extra errors (``{"@entity": [...]}`` or field messages)."""

    name: str
    fields: dict[str, F]
    children: tuple[str, ...] = ()  # nested arrays of other entities (routes under services)
    endpoint_key: str | None = None
    unique: tuple[str, ...] = ()
    cache_key: tuple[str, ...] = ()
    checks: tuple[Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]], ...] = ()
    meta: frozenset[str] = field(default=frozenset({"_comment", "_ignore"}))

    def validate(self, item: dict[str, Any]) -> dict[str, Any]:
        errs = check_record(self.fields, item, self.meta | set(self.children))
        for entity_check in self.checks:
            for key, err in entity_check(item, errs).items():
                if key == "@entity":
                    errs.setdefault("@entity", []).extend(err)
                else:
                    errs.setdefault(key, err)
        return errs


def conditional_null(if_field: str, values: tuple[str, ...], then_field: str):
    """Kong's ``conditional`` check: when ``if_field`` is one of ``values``, ``then_field`` must be null."""

    def check(item: dict[str, Any], errs: dict[str, Any]) -> dict[str, Any]:
        if if_field in errs or item.get(if_field) not in values or item.get(then_field) is None:
            return {}
        return {then_field: MUST_BE_NULL, "@entity": [f"failed conditional validation given value of field '{if_field}'"]}

    return check


def at_least_one_of(names: tuple[str, ...], message: str | None = None):
    """Kong's ``at_least_one_of`` check (``message`` replaces its text where a subschema sets one)."""

    def check(item: dict[str, Any], errs: dict[str, Any]) -> dict[str, Any]:
        if any(n in errs for n in names) or any(item.get(n) not in (None, [], {}, "") for n in names):
            return {}
        quoted = ", ".join(f"'{n}'" for n in sorted(names))
        return {"@entity": [message or f"at least one of these fields must be non-empty: {quoted}"]}

    return check
