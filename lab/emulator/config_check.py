"""Checking a parsed declarative config the way Kong's ``DeclarativeConfig.flatten`` does.

Three passes, each returning Kong's error tree, the first that finds anything wins
(https://github.com/Kong/kong/blob/3.4.2/kong/db/schema/others/declarative_config.lua):

1. the schema: ``_format_version`` and the top-level keys of the played version, then every
   entity, nested children (routes under services, plugins under routes...) and a nested
   ``client_certificate`` checked as a certificate (lab/emulator/entities.py);
2. references: an endpoint key declared twice ("name set to 'foo'"), a primary key declared
   twice (ids Kong would generate from cache keys included, so two identical global plugins
   clash), and a top-level entity naming a parent that does not exist;
3. unique fields (a consumer's ``custom_id``), keyed by the entity's endpoint key.

Before that, 3.x migrates the route paths of a 1.1/2.1 file as Kong's on-the-fly migration
does (kong/db/declarative/migrations/route_path.lua, migrate_path_280_300.lua): a path with a
character outside ``[a-zA-Z0-9.-_~/%]`` is a regex and gets ``~`` (so a ``~/...`` path in a
2.1 file becomes ``~~/...`` and is refused). Plain paths are not re-normalized here.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from rollout.kong.version import KongVersion

from .entities import OWN_FOREIGN, child_fk, schemas, top_level_keys
from .schema import EXPECTED, REQUIRED, UNKNOWN, EntitySchema, check_value, F

# known_entities in Kong's topological order (parents before the entities that name them)
ORDER = ("consumers", "certificates", "ca_certificates", "services", "routes", "snis", "upstreams", "targets",
         "plugins", "keyauth_credentials", "basicauth_credentials", "acls")
ENTITIES_NS = uuid.UUID("fd02801f-0957-4a15-a55a-c8d9606f30b5")  # uuid_generators._entities
PLAIN_PATH = re.compile(r"[a-zA-Z0-9.\-_~/%]*")
RESERVED = set(b"!#$%&'()*+,/:;=?@[]")
REGEX_META = set(b".^-{}\\|")
META_KEYS = {"_format_version": F("string"), "_transform": F("boolean"), "_comment": F("string"), "_ignore": F("array")}


def migrate_path(path: str) -> str:
    """migrate_path_280_300.lua: a regex-like path gets ``~`` and its %XX triplets decoded."""
    if PLAIN_PATH.fullmatch(path):
        return path

    def decode(m: re.Match[str]) -> str:
        num = int(m.group(1), 16)
        if num in RESERVED:
            return m.group(0).upper()
        return ("\\" if num in REGEX_META else "") + chr(num)

    return "~" + re.sub(r"%([0-9A-Fa-f]{2})", decode, path)


def migrate(doc: dict[str, Any]) -> None:
    """route_path.lua: top-level routes and routes nested in top-level services; then "3.0"."""
    if doc.get("_format_version") not in ("1.1", "2.1"):
        return
    services = doc.get("services") if isinstance(doc.get("services"), list) else []
    groups = [doc.get("routes")] + [s.get("routes") for s in services if isinstance(s, dict)]
    for routes in (g for g in groups if isinstance(g, list)):
        for route in (r for r in routes if isinstance(r, dict)):
            if isinstance(route.get("paths"), list):
                route["paths"] = [migrate_path(p) if isinstance(p, str) else p for p in route["paths"]]
    doc["_format_version"] = "3.0"


def check(v: KongVersion, doc: dict[str, Any], installed: frozenset[str]) -> dict[str, Any]:
    """Kong's error tree for ``doc`` (already migrated), or {} when Kong would load it."""
    known = schemas(v, installed)
    return _schema_pass(v, doc, known, top_level_keys(v, installed)) or _reference_pass(doc, known) or _unique_pass(doc, known)


def _schema_pass(v: KongVersion, doc: dict[str, Any], known: dict[str, EntitySchema], allowed: tuple[str, ...]) -> dict[str, Any]:
    errs: dict[str, Any] = {}
    versions = ("1.1", "2.1", "3.0") if v.at_least(3, 0) else ("1.1", "2.1")
    for key, value in doc.items():
        if key in META_KEYS:
            err = check_value(META_KEYS[key], value)
        elif key not in allowed:
            err = UNKNOWN
        elif not isinstance(value, list):
            err = EXPECTED["array"]
        else:
            err = {i: e for i, item in enumerate(value, 1) if (e := _check_entity(key, item, known))} or None
        if err:
            errs[key] = err
    version = doc.get("_format_version")
    if version is None:
        errs["_format_version"] = REQUIRED
    elif "_format_version" not in errs and str(version) not in versions:
        errs["_format_version"] = "expected one of: " + ", ".join(versions)
    return errs


def _check_entity(kind: str, item: Any, known: dict[str, EntitySchema]) -> Any:
    schema = known.get(kind)
    if schema is None:
        return None
    if not isinstance(item, dict):
        return EXPECTED["record"]
    errs = schema.validate(item)
    for fname, ref in OWN_FOREIGN.get(kind, {}).items():
        if isinstance(item.get(fname), dict) and (sub := _check_entity(ref, item[fname], known)):
            errs[fname] = sub
    for child in schema.children:
        value = item.get(child)
        if value is None:
            continue
        if not isinstance(value, list):
            errs[child] = EXPECTED["array"]
        elif sub := {i: e for i, x in enumerate(value, 1) if (e := _check_entity(child, x, known))}:
            errs[child] = sub
    return errs or None


def _uniqueness(kind: str, key: str, value: Any) -> str:
    return f"uniqueness violation: '{kind}' entity with {key} set to '{value}' already declared"


def _generated_id(kind: str, schema: EntitySchema, item: dict[str, Any], parent: tuple[str, str] | None) -> str:
    """generate_ids: the given id, else a v5 UUID from the cache key or the endpoint key."""
    if item.get("id") is not None:
        return str(item["id"])
    fk = child_fk(parent[0], kind) if parent else None
    name = None
    if schema.cache_key:
        parts = [kind, "*"]
        for k in schema.cache_key:
            value = item.get(k)
            if isinstance(value, str):
                parts.append(value)
            elif value is None:
                parts.append(parent[1] if parent and k == fk else "")
        name = ":".join(parts)
    elif schema.endpoint_key and item.get(schema.endpoint_key) is not None:
        name = str(item[schema.endpoint_key])
        if schema.endpoint_key not in schema.unique:
            name += f":{parent[1] if parent else item.get(fk or '', '')}:*"
    if name is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(uuid.uuid5(ENTITIES_NS, kind), name))


class _References:
    """populate_references + validate_references: keys and ids seen, errors found, refs to resolve."""

    def __init__(self, known: dict[str, EntitySchema]):
        self.known = known
        self.by_id: dict[str, dict[str, dict[str, Any]]] = {}
        self.by_key: dict[str, dict[Any, dict[str, Any]]] = {}
        self.expected: list[tuple[str, str, str, Any, Any]] = []
        self.errs: dict[str, Any] = {}

    def walk(self, container: dict[str, Any], parent: tuple[str, str, int] | None = None) -> None:
        for kind in ORDER:
            items, schema = container.get(kind), self.known.get(kind)
            if not isinstance(items, list) or schema is None or (parent and kind not in self.known[parent[0]].children):
                continue
            for i, item in enumerate(items, 1):
                self.item(kind, schema, i, item, parent)

    def item(self, kind: str, schema: EntitySchema, i: int, item: dict[str, Any], parent: tuple[str, str, int] | None) -> None:
        item_id = _generated_id(kind, schema, item, parent[:2] if parent else None)
        self.walk(item, (kind, item_id, i))
        key = item.get(schema.endpoint_key) if schema.endpoint_key in schema.unique else None
        failed = False
        if key is not None:
            seen = self.by_key.setdefault(kind, {})
            failed = key in seen
            if failed:
                self.errs.setdefault(kind, {})[i] = _uniqueness(kind, schema.endpoint_key, key)
            seen.setdefault(key, item)
        ids = self.by_id.setdefault(kind, {})
        if not failed and item_id in ids:
            target = self.errs.setdefault(parent[0], {}).setdefault(parent[2], {}) if parent else self.errs
            target.setdefault(kind, {})[i] = _uniqueness(kind, "primary key", item_id)
        else:
            ids.setdefault(item_id, item)
        for fname, ref in OWN_FOREIGN.get(kind, {}).items():
            if isinstance(item.get(fname), str):
                self.expected.append((kind, ref, fname, item[fname], key if key is not None else item_id))

    def resolve(self) -> None:
        for kind, ref, fname, value, at in self.expected:
            if value not in self.by_key.get(ref, {}) and value not in self.by_id.get(ref, {}):
                msg = f"invalid reference '{fname}: {value}' (no such entry in '{ref}')"
                self.errs.setdefault(kind, {}).setdefault(at, []).append(msg)


def _reference_pass(doc: dict[str, Any], known: dict[str, EntitySchema]) -> dict[str, Any]:
    refs = _References(known)
    refs.walk(doc)
    refs.resolve()
    return refs.errs


def _unique_pass(doc: dict[str, Any], known: dict[str, EntitySchema]) -> dict[str, Any]:
    """Unique fields other than the endpoint key, over every entity of a type, nested ones too."""
    refs = _References(known)
    refs.walk(doc)
    errs: dict[str, Any] = {}
    for kind, entries in refs.by_id.items():
        schema = known[kind]
        for name in (n for n in schema.unique if n != schema.endpoint_key):
            seen: set[Any] = set()
            for item_id, entry in entries.items():
                value = entry.get(name)
                if value is None:
                    continue
                if value in seen:
                    at = entry.get(schema.endpoint_key) if schema.endpoint_key else None
                    errs.setdefault(kind, {})[at if at is not None else item_id] = _uniqueness(kind, name, value)
                seen.add(value)
    return errs
