"""Pure parsing of Kong Admin/Status API responses, per Kong version. No I/O here.

The shapes differ by version (docs/kong-adapter.md says which, with Kong's sources; the tests
read samples taken from Kong's docs and specs through tests/shared_files.py). Versions are
``rollout.kong.version.KongVersion.lenient``, as nodes print them:

- ``GET /`` ``plugins.available_on_server`` is ``{name: true}`` on 2.8 and
  ``{name: {version, priority}}`` from 3.0 (the docs' arrays are wrong, but accepted too);
- ``GET /status`` carries ``database.reachable`` up to 3.3 and drops it on DB-less nodes and
  data planes from 3.4; ``configuration_hash`` only exists on DB-less nodes and DPs;
- ``GET /status/ready`` exists from 3.3, on the Status API only (200 ready, 503 + reason);
- ``GET /clustering/data-planes`` rows gain fields per version (updated_at 3.3, labels 3.5,
  cert_details 3.6, rpc_capabilities 3.7); the page has ``next``;
- ``GET /config`` wraps the YAML export in ``{"config": "<yaml>"}``.

Everything here takes decoded values and returns plain values, so the tests run it on the
sample files and the adapter (adapters/kong.py) only sends requests.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping

from rollout.i18n import N_
from rollout.kong.version import READY_SINCE, KongVersion, VersionError
from rollout.observations import DataPlaneRow

EMPTY_HASH = "0" * 32
SERVER_HEADER = re.compile(r"^kong/(\S+)", re.I)
MAX_DETAIL = 200


def has_ready_endpoint(version: str) -> bool:
    """``/status/ready`` arrived in 3.3.0; before that readiness is /status + a non-zero hash."""
    try:
        return KongVersion.lenient(version).at_least(*READY_SINCE)
    except VersionError:
        return False


def version_from_server_header(value: str | None) -> str:
    """``Server: kong/3.4.2`` (default ``server_tokens``) -> ``"3.4.2"``; "" when absent."""
    match = SERVER_HEADER.match(value or "")
    return match.group(1) if match else ""


@dataclass(frozen=True)
class RootInfo:
    """What Admin API ``GET /`` says about a node."""

    version: str
    database: str
    role: str
    plugins_available: tuple[str, ...]
    plugins_enabled: tuple[str, ...]
    status_listen: str
    edition: str = ""
    node_id: str = ""
    hostname: str = ""


def plugin_names(available: Any) -> tuple[str, ...]:
    """Names from ``available_on_server`` in any shape Kong (or its docs) used: 2.8's
    ``{name: true}``, 3.x's ``{name: {version, priority}}``, or the docs' plain array."""
    if isinstance(available, Mapping):
        return tuple(sorted(str(k) for k, v in available.items() if v))
    if isinstance(available, list):
        return tuple(sorted(str(n) for n in available))
    return ()


def parse_root(body: Any) -> RootInfo:
    """Admin API ``GET /``; raises ValueError when the body is not Kong's root object."""
    if not isinstance(body, Mapping) or "version" not in body:
        raise ValueError(N_("not a Kong Admin API root (no 'version' key)"))
    conf = body.get("configuration") or {}
    plugins = body.get("plugins") or {}
    listen = conf.get("status_listen", "")
    if isinstance(listen, list):
        listen = ", ".join(str(x) for x in listen)
    return RootInfo(
        version=str(body["version"]),
        database=str(conf.get("database", "")),
        role=str(conf.get("role", "")),
        plugins_available=plugin_names(plugins.get("available_on_server")),
        plugins_enabled=tuple(sorted(str(n) for n in plugins.get("enabled_in_cluster") or [])),
        status_listen=str(listen),
        edition=str(body.get("edition", "")),
        node_id=str(body.get("node_id", "")),
        hostname=str(body.get("hostname", "")),
    )


@dataclass(frozen=True)
class StatusInfo:
    """``GET /status``. ``config_hash`` is "" on traditional nodes and CPs (no such key);
    ``database_reachable`` is None where 3.4+ DB-less nodes and DPs omit ``database``."""

    config_hash: str
    database_reachable: bool | None
    total_requests: int
    connections_active: int

    @property
    def has_config(self) -> bool:
        return bool(self.config_hash) and self.config_hash != EMPTY_HASH


def parse_status(body: Any) -> StatusInfo:
    if not isinstance(body, Mapping) or "server" not in body:
        raise ValueError(N_("not a Kong /status body (no 'server' key)"))
    server = body.get("server") or {}
    database = body.get("database")
    return StatusInfo(
        config_hash=str(body.get("configuration_hash") or ""),
        database_reachable=bool(database.get("reachable")) if isinstance(database, Mapping) else None,
        total_requests=int(server.get("total_requests", 0)),
        connections_active=int(server.get("connections_active", 0)),
    )


def parse_ready(status: int, body: Any) -> tuple[bool, str]:
    """``/status/ready``: (True, "ready") on 200, (False, reason) on 503; anything else is not ready."""
    message = body.get("message", "") if isinstance(body, Mapping) else ""
    if status == 200:
        return True, str(message or "ready")
    return False, one_line(str(message)) or f"HTTP {status}"


def ready_from_status(status: StatusInfo) -> tuple[bool, str]:
    """Before 3.3 (no /status/ready): /status answered, so ready iff a config is loaded.

    A node with no ``configuration_hash`` key is traditional; it answered, so it is up."""
    if not status.config_hash:
        return True, N_("ready (/status answered; no configuration_hash on this node)")
    if status.has_config:
        return True, N_("ready (/status answered with a configuration loaded)")
    return False, N_("no configuration loaded (configuration_hash is all zeros)")


def parse_data_plane_row(row: Mapping[str, Any]) -> DataPlaneRow:
    """One clustering_data_planes row (2.8 to 3.9 shapes; later fields are ignored)."""
    return DataPlaneRow(
        id=str(row.get("id", "")),
        hostname=str(row.get("hostname", "")),
        ip=str(row.get("ip", "")),
        version=str(row.get("version", "")),
        sync_status=str(row.get("sync_status", "unknown")),
        config_hash=str(row.get("config_hash", "")),
        last_seen=float(row.get("last_seen") or 0),
    )


def parse_data_planes(body: Any) -> tuple[list[DataPlaneRow], str | None]:
    """One page of ``GET /clustering/data-planes``: the rows and the ``next`` path (None at the end)."""
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
        raise ValueError(N_("not a /clustering/data-planes page (no 'data' list)"))
    rows = [parse_data_plane_row(r) for r in body["data"] if isinstance(r, Mapping)]
    nxt = body.get("next")
    return rows, (str(nxt) if nxt else None)


def parse_config_envelope(body: Any) -> str:
    """``GET /config`` -> the YAML text inside ``{"config": "..."}``."""
    if not isinstance(body, Mapping) or not isinstance(body.get("config"), str):
        raise ValueError(N_("not a GET /config envelope (no 'config' string)"))
    return body["config"]


def entity_counts(doc: Any) -> dict[str, int]:
    """Entities per type in a declarative config, nested ones included (routes under services...).

    Keys starting with ``_`` are metadata (_format_version, _transform, _comment)."""
    counts: dict[str, int] = {}

    def walk(mapping: Mapping[str, Any]) -> None:
        for key, value in mapping.items():
            if str(key).startswith("_") or not isinstance(value, list):
                continue
            items = [v for v in value if isinstance(v, Mapping)]
            if items:
                counts[key] = counts.get(key, 0) + len(items)
            for item in items:
                walk(item)

    if isinstance(doc, Mapping):
        walk(doc)
    return counts


def one_line(text: str, limit: int = MAX_DETAIL) -> str:
    """Collapse whitespace and cut long text, so every message stays one readable line."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def json_object(body_text: str) -> Mapping | None:
    """An error body read as a JSON object, or None when it is not one (HTML from a proxy in front,
    plain text, a bare list): the caller then shows the text itself, cut down."""
    try:
        body = json.loads(body_text) if body_text else None
    except ValueError:
        return None
    return body if isinstance(body, Mapping) else None


def error_detail(body_text: str) -> str:
    """A readable one-line detail from a 4xx/5xx body.

    Kong answers ``{"message": ...}``, declarative errors add ``name`` and ``flattened_errors``;
    anything else (HTML from a proxy in front, plain text) is shown cut down."""
    body = json_object(body_text)
    if body is None:
        return one_line(body_text)
    message = str(body.get("message") or body.get("name") or "")
    flattened = body.get("flattened_errors")
    if isinstance(flattened, list) and flattened:
        first = _first_flattened(flattened[0])
        message = f"{message} ({len(flattened)} entities; first: {first})" if first else message
    return one_line(message or body_text)


def _first_flattened(entry: Any) -> str:
    if not isinstance(entry, Mapping):
        return ""
    name = entry.get("entity_name") or entry.get("entity_id") or _entity_label(entry.get("entity")) or "?"
    errors = entry.get("errors") or []
    what = "; ".join(str(e.get("field", "") + ": " if e.get("field") else "") + str(e.get("message", ""))
                     for e in errors if isinstance(e, Mapping))
    return f"{entry.get('entity_type', '?')} {name}: {what}"


def _entity_label(entity: Any) -> str:
    """Kong names an entity by ``name`` only; a consumer has none, so say its username or custom_id
    (never a credential's key, which is a secret)."""
    if not isinstance(entity, Mapping):
        return ""
    label = entity.get("username") or entity.get("custom_id")
    return str(label) if isinstance(label, (str, int)) else ""


def redact(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """Blank out every secret value that might have been echoed back (e.g. a key in an error body)."""
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "***")
    return text
