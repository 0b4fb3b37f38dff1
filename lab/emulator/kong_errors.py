"""Kong's declarative 400 body from an error tree: the message, ``fields`` and ``flattened_errors``.

A port of https://github.com/Kong/kong/blob/3.4.2/kong/db/errors.lua (``declarative_config``
and ``declarative_config_flattened``) and of the two encoders Kong runs over the tree:

- the message is ``pl.pretty.write(err_t, "")`` (Penlight): string keys sorted, identifiers
  bare, other keys ``["@entity"]=``, array items first, holes written as ``[2]=``;
- the JSON is lua-cjson's: an int-keyed table is an array with ``null`` in the holes (an
  "excessively sparse" one, index > 10 and > twice the item count, becomes an object, as with
  ``encode_sparse_array(true)``), an empty table is ``{}``.

Flattening drains the tree as Kong does: sections and indexes in reverse sorted order, nested
children (routes under a service...) promoted to their own entries with the child removed
from the echoed ``entity``, and whatever cannot be matched to an input entity put back into
``fields`` when its section cannot be matched at all. Kong 3.4.2 loses some errors on the way
(a uniqueness message on an array index, an error keyed by a username): so does this port.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from typing import Any

from .entities import OWN_FOREIGN, child_fk

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
LUA_KEYWORDS = {"and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
                "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"}


def _quote(text: str) -> str:
    if "\n" in text and "\r" not in text:
        return "[[" + ("\n" + text if text.startswith("\n") else text) + "]]"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\0", "\\0") + '"'


def pretty(value: Any) -> str:
    """``pl.pretty.write(value, "")`` for the error trees Kong builds (strings, tables)."""
    if isinstance(value, list):
        value = {i: v for i, v in enumerate(value, 1)}
    if not isinstance(value, dict):
        return _quote(str(value)) if isinstance(value, str) else json.dumps(value)
    parts, i = [], 1
    while i in value:
        parts.append(pretty(value[i]))
        i += 1
    for key in sorted(k for k in value if isinstance(k, str)):
        shown = key if IDENT.match(key) and key not in LUA_KEYWORDS else f"[{_quote(key)}]"
        parts.append(f"{shown}={pretty(value[key])}")
    parts += [f"[{k}]={pretty(value[k])}" for k in sorted(k for k in value if isinstance(k, int) and k >= i)]
    return "{" + ",".join(parts) + "}"


def to_json(value: Any) -> Any:
    """The tree as lua-cjson encodes it (1-based int keys -> arrays with nulls)."""
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value and all(isinstance(k, int) and k > 0 for k in value):
        top = max(value)
        if not (top > 10 and top > 2 * len(value)):
            return [to_json(value.get(i)) for i in range(1, top + 1)]
    return {str(k): to_json(v) for k, v in value.items()}


def body(fields: dict[str, Any], flattened: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The 400 body: code 14, name, message (pretty of what is left in ``fields``), and flattened."""
    out: dict[str, Any] = {"code": 14, "name": "invalid declarative configuration",
                           "message": f"declarative config is invalid: {pretty(fields)}", "fields": to_json(fields)}
    if flattened is not None:
        out["flattened_errors"] = flattened
    return out


def _drain(table: dict[Any, Any]):
    """Kong's ``drain``: keys sorted, then popped from the end, each removed as it is yielded."""
    for key in sorted(table, key=lambda k: (isinstance(k, str), k))[::-1]:
        if key in table:
            yield key, table.pop(key)


def _categorize(errs: dict[Any, Any], ns: str = "", out: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    out = [] if out is None else out
    for key, err in _drain(errs):
        path = f"{ns}.{key}" if ns else str(key)
        if key == "@entity":
            out += [{"type": "entity", "message": m} for m in (err if isinstance(err, list) else [err])]
        elif isinstance(err, list):
            out += [{"type": "field", "field": path, "message": m} for m in err]
        elif isinstance(err, dict):
            _categorize(err, path, out)
        else:
            out.append({"type": "field", "field": path, "message": err})
    return out


def _valid_id(value: Any) -> str | None:
    try:
        return value if isinstance(value, str) and uuid.UUID(value) else None
    except ValueError:
        return None


def _entry(entity_type: str, entity: dict[str, Any], errors: list[dict[str, Any]]) -> dict[str, Any]:
    tags = entity.get("tags")
    out: dict[str, Any] = {}
    if isinstance(entity.get("name"), str) and entity["name"]:
        out["entity_name"] = entity["name"]
    if _valid_id(entity.get("id")):
        out["entity_id"] = entity["id"]
    if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
        out["entity_tags"] = tags
    out.update({"entity_type": entity_type[:-1] if entity_type.endswith("s") else entity_type,
                "entity": entity, "errors": errors})
    return out


def _add_entity(entity_type: str, entity: Any, errs: Any, out: list[dict[str, Any]], children: dict[str, tuple[str, ...]]) -> None:
    if not isinstance(errs, dict) or not errs or not isinstance(entity, dict):
        return
    pk = {"id": entity["id"]} if _valid_id(entity.get("id")) else None
    for fname, ref in OWN_FOREIGN.get(entity_type, {}).items():
        if isinstance(entity.get(fname), dict):
            value, field_errs = entity.pop(fname), errs.pop(fname, None)
            if _valid_id(value.get("id")):
                entity[fname] = {"id": value["id"]}
            _add_entity(ref, value, field_errs, out, children)
    for child in children.get(entity_type, ()):
        if isinstance(entity.get(child), list):
            items, child_errs = entity.pop(child), errs.pop(child, None)
            fk = child_fk(entity_type, child)
            for i, item in enumerate(items, 1):
                if isinstance(item, dict) and item.get(fk) is None and pk is not None:
                    item[fk] = pk
                if isinstance(child_errs, dict):
                    _add_entity(child, item, child_errs.get(i), out, children)
    if errs:
        out.append(_entry(entity_type, entity, _categorize(errs)))


def flatten(fields: dict[str, Any], doc: dict[str, Any], children: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    """``flatten_errors``: entity errors out of ``fields`` (mutated) into entries; the rest stays."""
    doc = copy.deepcopy(doc)
    out: list[dict[str, Any]] = []
    for section, section_errs in list(_drain(fields)):
        entities = doc.get(section)
        if not isinstance(section_errs, dict) or not isinstance(entities, list):
            fields[section] = section_errs
            continue
        for i, err in _drain(section_errs):
            if isinstance(i, int) and 0 < i <= len(entities) and isinstance(entities[i - 1], dict):
                _add_entity(section, entities[i - 1], err, out, children)
            # Kong puts an unmatched error back into the drained section table, which is no
            # longer in ``fields``: 3.4.2 loses it (e.g. a custom_id clash keyed by username).
    return out
