"""The emulated node's declarative config: parse, check as Kong does, export, and the lab default.

Enough of Kong's behaviour for upgrades to be rehearsed against it:

- the hash is the md5 of the submitted text (kong/db/declarative/init.lua); from 3.0 a config
  with no entities has the hash of 32 zeros (``DECLARATIVE_EMPTY_CONFIG_HASH``,
  kong/db/declarative/import.lua), which /status/ready answers 503 for;
- 3.x migrates 1.1/2.1 route paths on the fly, then the config is checked by Kong's rules
  (lab/emulator/config_check.py: schema, references, unique fields) and refused with Kong's
  error tree (``Invalid.fields``; lab/emulator/kong_errors.py builds the 400 body);
- the key-auth keys the proxy accepts are the loaded ``keyauth_credentials`` (top level or
  nested under consumers), so a config push really changes who gets in.
"""

from __future__ import annotations

import copy
import hashlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import yaml

from adapters.kong_codec import EMPTY_HASH, entity_counts
from rollout.kong.version import KongVersion

from .config_check import check, migrate
from .entities import schemas
from .kong_errors import pretty
from .shapes import BUNDLED_PLUGINS

PROMETHEUS_FLAGS = ("status_code_metrics", "latency_metrics", "bandwidth_metrics", "upstream_health_metrics")
NAMESPACE = uuid.UUID("6f3acc10-0000-4000-8000-00000000c0de")


@dataclass
class Loaded:
    """A config the node accepted (``empty``: no entities, Kong's "empty configuration present")."""

    text: str
    doc: dict[str, Any]
    config_hash: str
    keys: frozenset[str] = frozenset()
    plugins: tuple[str, ...] = ()
    empty: bool = False
    loaded_at: int = 0


@dataclass
class Invalid(ValueError):
    """Kong's error tree (``fields``; 1-based int keys for array items) and the checked input."""

    fields: dict[Any, Any]
    doc: dict[str, Any] | None = field(default=None)

    def __str__(self) -> str:
        return f"declarative config is invalid: {pretty(self.fields)}"


def lab_config(api_key: str, format_version: str = "3.0") -> str:
    """The lab's kong.yml: an echo service behind key-auth, one consumer with ``api_key``, and the
    prometheus plugin (on 3.x with its per-request metrics switched on)."""
    doc = {
        "_format_version": format_version,
        "services": [{"name": "echo", "url": "http://127.0.0.1:1/echo",
                      "routes": [{"name": "echo", "paths": ["/echo"]}],
                      "plugins": [{"name": "key-auth", "config": {"key_names": ["apikey"]}}]}],
        "consumers": [{"username": "lab", "keyauth_credentials": [{"key": api_key}]}],
        "plugins": [{"name": "prometheus"}],
    }
    if format_version == "3.0":  # 3.x exports per-request metrics only with these flags on
        doc["plugins"][0]["config"] = {flag: True for flag in PROMETHEUS_FLAGS}
    return yaml.safe_dump(doc, sort_keys=False)


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def parse(text: str) -> dict[str, Any]:
    """YAML (JSON is YAML) into a mapping, or Kong's "failed parsing" error."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Invalid({"error": f"failed parsing declarative configuration: {type(exc).__name__}"}) from None
    if not isinstance(doc, dict):
        raise Invalid({"error": "failed parsing declarative configuration: expected an object"})
    return doc


def load(v: KongVersion, text: str, installed: frozenset[str] | None = None, doc: dict[str, Any] | None = None) -> Loaded:
    """Check one config (``doc``: already parsed, e.g. a JSON body); raise Invalid as Kong refuses it."""
    doc = copy.deepcopy(parse(text) if doc is None else doc)
    if v.at_least(3, 0):
        migrate(doc)
    fields = check(v, doc, installed if installed is not None else frozenset(BUNDLED_PLUGINS))
    if fields:
        raise Invalid(fields, doc)
    empty = not entity_counts(doc)
    config_hash = EMPTY_HASH if empty and v.at_least(3, 0) else md5(text)
    return Loaded(text, doc, config_hash, frozenset(_keys(doc)), tuple(sorted(_plugins(doc))), empty, int(time.time()))


def _walk(doc: Any, key: str):
    """Every entity of type ``key``, top level or nested."""
    if isinstance(doc, dict):
        for k, value in doc.items():
            if k == key and isinstance(value, list):
                yield from (e for e in value if isinstance(e, dict))
            yield from _walk(value, key)
    elif isinstance(doc, list):
        for item in doc:
            yield from _walk(item, key)


def _keys(doc: dict[str, Any]) -> list[str]:
    return [str(c["key"]) for c in _walk(doc, "keyauth_credentials") if c.get("key")]


def _plugins(doc: dict[str, Any]) -> set[str]:
    return {str(p["name"]) for p in _walk(doc, "plugins") if p.get("name")}


def entities_by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The 201 body of POST /config: entities keyed by type, then id (ids made up when absent)."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in doc.items():
        if key.startswith("_") or not isinstance(value, list):
            continue
        for i, entity in enumerate(e for e in value if isinstance(e, dict)):
            eid = str(entity.get("id") or uuid.uuid5(NAMESPACE, f"{key}:{entity.get('name') or entity.get('username') or i}"))
            flat = {k: v for k, v in entity.items() if not isinstance(v, list) or not v or not isinstance(v[0], dict)}
            out.setdefault(key, {})[eid] = {**flat, "id": eid}
    return out


def export(v: KongVersion, loaded: Loaded) -> str:
    """GET /config's YAML: the version's ``_format_version``, ``_transform: false``, then the entities,
    top-level ones with every schema field (null when unset) and their timestamps, as Kong's export.

    Nested entities stay nested here (Kong exports them flat, with foreign keys as ids)."""
    head = {"_format_version": "3.0" if v.at_least(3, 0) else "2.1", "_transform": False}
    known = schemas(v, frozenset(BUNDLED_PLUGINS))
    body: dict[str, Any] = {}
    for key, value in loaded.doc.items():
        if str(key).startswith("_"):
            continue
        schema = known.get(key)
        body[key] = [_full(schema, e, loaded.loaded_at) for e in value] if schema and isinstance(value, list) else value
    return yaml.safe_dump({**head, **body}, sort_keys=False)


def _full(schema: Any, entity: Any, stamp: int) -> Any:
    if not isinstance(entity, dict):
        return entity
    out = dict(entity)
    url = out.pop("url", None) if schema.name == "services" else None
    if isinstance(url, str):
        parts = urlparse(url)
        out.setdefault("protocol", parts.scheme)
        out.setdefault("host", parts.hostname)
        out.setdefault("port", parts.port or (443 if parts.scheme == "https" else 80))
        out.setdefault("path", parts.path or None)
    for name, f in schema.fields.items():
        if name in ("created_at", "updated_at"):
            out.setdefault(name, stamp if name == "created_at" else out.get("created_at", stamp))
        elif f.type != "foreign" and name != "url":
            out.setdefault(name, f.default)
    return out
