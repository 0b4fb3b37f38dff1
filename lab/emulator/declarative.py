"""The emulated node's declarative config: load, validate lightly, export, and the lab default.

Enough of Kong's behaviour for upgrades to be rehearsed against it:

- the hash is the md5 of the submitted text (kong/db/declarative/init.lua);
- ``_format_version`` must be 1.1 or 2.1 on 2.8, and 1.1, 2.1 or 3.0 on 3.x;
- 2.8 rejects route paths that do not start with ``/`` (so a converted ``~/`` file fails there);
- services need a ``host``;
- the key-auth keys the proxy accepts are the loaded ``keyauth_credentials`` (top level or
  nested under consumers), so a config push really changes who gets in.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

import yaml

from rollout.kong.version import KongVersion

NAMESPACE = uuid.UUID("6f3acc10-0000-4000-8000-00000000c0de")


@dataclass
class Loaded:
    """A config the node accepted."""

    text: str
    doc: dict[str, Any]
    config_hash: str
    keys: frozenset[str] = frozenset()
    plugins: tuple[str, ...] = ()


@dataclass
class Invalid(Exception):
    fields: dict[str, Any]
    flattened: list[dict[str, Any]] = field(default_factory=list)


def lab_config(api_key: str, format_version: str = "3.0") -> str:
    """The lab's kong.yml: an echo service behind key-auth, one consumer with ``api_key``."""
    doc = {
        "_format_version": format_version,
        "services": [{"name": "echo", "url": "http://127.0.0.1:1/echo",
                      "routes": [{"name": "echo", "paths": ["/echo"]}],
                      "plugins": [{"name": "key-auth", "config": {"key_names": ["apikey"]}}]}],
        "consumers": [{"username": "lab", "keyauth_credentials": [{"key": api_key}]}],
        "plugins": [{"name": "prometheus"}],
    }
    return yaml.safe_dump(doc, sort_keys=False)


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def load(v: KongVersion, text: str) -> Loaded:
    """Parse and check one config text; raise Invalid with Kong-shaped ``fields``."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Invalid({"error": f"failed parsing declarative configuration: {type(exc).__name__}"}) from None
    if not isinstance(doc, dict):
        raise Invalid({"error": "failed parsing declarative configuration: expected an object"})
    fields = _check(v, doc)
    if fields:
        raise Invalid(fields, _flattened(fields))
    return Loaded(text, doc, md5(text), frozenset(_keys(doc)), tuple(sorted(_plugins(doc))))


def _check(v: KongVersion, doc: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    allowed = ("1.1", "2.1", "3.0") if v.at_least(3, 0) else ("1.1", "2.1")
    if str(doc.get("_format_version")) not in allowed:
        fields["_format_version"] = f"expected one of: {', '.join(allowed)}"
    services = doc.get("services") or []
    errors = []
    for svc in services if isinstance(services, list) else []:
        err: dict[str, Any] = {}
        if isinstance(svc, dict) and not (svc.get("host") or svc.get("url")):
            err["host"] = "required field missing"
        if not v.at_least(3, 0) and isinstance(svc, dict):
            bad = [p for r in svc.get("routes") or [] for p in (r.get("paths") or []) if not str(p).startswith("/")]
            if bad:
                err["routes"] = {"paths": "should start with: /"}
        errors.append(err or None)
    if any(errors):
        fields["services"] = errors
    return fields


def _flattened(fields: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for entity_type, errs in fields.items():
        if not isinstance(errs, list):
            continue
        for err in errs:
            if err:
                out.append({"entity_type": entity_type.rstrip("s"), "entity": {},
                            "errors": [{"type": "field", "field": k, "message": str(m)} for k, m in err.items()]})
    return out


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


def export(v: KongVersion, doc: dict[str, Any]) -> str:
    """GET /config's YAML: the version's ``_format_version`` and ``_transform: false``, then the entities."""
    head = {"_format_version": "3.0" if v.at_least(3, 0) else "2.1", "_transform": False}
    body = {k: val for k, val in doc.items() if not str(k).startswith("_")}
    return yaml.safe_dump({**head, **body}, sort_keys=False)
