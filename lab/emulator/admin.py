"""The emulated Admin API (and the ``/__turnout/`` control endpoints on the same port).

Admin API: ``GET /``, ``GET /status``, ``GET /metrics``, ``GET|POST /config`` (DB-less and
DPs; the config checked and refused as Kong refuses it, ``flatten_errors`` from 3.2),
``GET /clustering/data-planes`` and the deprecated ``GET /clustering/status`` (control planes),
read-only entity lists, and 405 for entity writes on DB-less nodes. With ``admin_token`` set, every Admin API call wants the
token header; the two 401 texts are EE's (missing vs wrong token).

Control endpoints (no token, no injected latency): ``GET|POST /__turnout/fault``,
``GET /__turnout/counters``, ``POST /__turnout/reset`` (zero the counters).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from . import declarative, kong_errors, shapes
from .entities import children_of
from .httpserver import Request, Response, json_response

if TYPE_CHECKING:
    from .node import EmulatedNode

MISSING_TOKEN = "Invalid credentials. Token or User credentials required"
WRONG_TOKEN = "Invalid RBAC credentials"
ENTITIES = ("services", "routes", "consumers", "plugins", "upstreams", "targets", "certificates", "snis",
            "ca_certificates", "key-auths", "acls", "vaults", "keys", "key_sets")
TRUTHY = ("1", "true", "on", "yes")


def admin_handler(node: "EmulatedNode", req: Request) -> Response:
    if req.path.startswith("/__turnout/"):
        return control(node, req)
    node.counters.total_requests += 1
    h = node.kong_headers()
    resp = node.broken() or _token_check(node, req, h) or _route(node, req, h)
    resp.delay = node.delay()
    return resp


def _token_check(node: "EmulatedNode", req: Request, h: list[tuple[str, str]]) -> Response | None:
    token = node.spec.admin_token
    if not token:
        return None
    sent = req.headers.get(node.spec.admin_token_header.lower())
    if sent == token:
        return None
    return json_response(401, {"message": WRONG_TOKEN if sent else MISSING_TOKEN}, h)


def _route(node: "EmulatedNode", req: Request, h: list[tuple[str, str]]) -> Response:
    path, method, role = req.path.rstrip("/") or "/", req.method, node.spec.role
    if method == "GET" and path == "/":
        return json_response(200, shapes.admin_root(node.version, _root_facts(node)), h)
    if method == "GET" and path in ("/status", "/metrics"):
        return node.status_answer(req)
    if path == "/config":
        if role == "control_plane":
            return json_response(400, {"message": shapes.NO_DB}, h)
        return _get_config(node, h) if method == "GET" else _post_config(node, req, h)
    if path in ("/clustering/data-planes", "/clustering/status") and method == "GET":
        if role != "control_plane":
            return json_response(400, {"message": shapes.NOT_CP}, h)
        return _data_planes(node, req, h) if path.endswith("planes") else _clustering_status(node, h)
    entity = path.strip("/").split("/")[0]
    if entity in ENTITIES:
        if method == "GET":
            return json_response(200, {"data": _entity_list(node, entity), "next": None}, h)
        if role != "control_plane":
            return json_response(405, shapes.dbless_write_405(method, entity), h)
    return json_response(404, {"message": "Not found"}, h)


def _root_facts(node: "EmulatedNode") -> dict[str, Any]:
    listens = {name: f"{node.host}:{port}" for name, port in node.ports.items() if name in node.servers}
    return {"hostname": f"{node.spec.name}.lab", "node_id": node.node_id, "role": node.spec.role, "listens": listens,
            "plugins": [p for p in (node.spec.plugins if node.spec.plugins is not None else sorted(shapes.BUNDLED_PLUGINS))
                        if p != node.faults.plugin_missing],
            "enabled": list(node.loaded.plugins)}


def _get_config(node: "EmulatedNode", h: list[tuple[str, str]]) -> Response:
    return json_response(200, {"config": declarative.export(node.version, node.loaded)}, h)


def _config_input(req: Request, params: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    """Kong's body forms (kong/api/routes/config.lua): the document itself as JSON (then every
    parameter, query ones too, is the document), ``config=<text>`` in JSON, a urlencoded or a
    multipart form, or the raw body (YAML or JSON text)."""
    raw = req.body.decode("utf-8", "replace")
    if "_format_version" in params:
        return raw, params
    if isinstance(params.get("config"), str):
        return params["config"], None
    return (raw, None) if raw.strip() else (None, None)


def _post_config(node: "EmulatedNode", req: Request, h: list[tuple[str, str]]) -> Response:
    if req.method != "POST":
        return json_response(405, {"message": "Method not allowed"}, h)
    params = req.params()
    check_hash = str(params.pop("check_hash", "")) == "1"
    flatten = node.version.at_least(3, 2) and str(params.pop("flatten_errors", "")).lower() in TRUTHY
    text, doc = _config_input(req, params)
    if text is None:
        return json_response(400, {"message": "expected a declarative configuration"}, h)
    if check_hash and doc is None and declarative.md5(text) == node.config_hash():
        return Response(304, b"", h)
    try:
        loaded = declarative.load(node.version, text, node.installed(), doc)
    except declarative.Invalid as exc:
        flattened = None
        if flatten and exc.doc is not None:
            flattened = kong_errors.flatten(exc.fields, exc.doc, children_of(node.version, node.installed()))
        return json_response(400, kong_errors.body(exc.fields, flattened), h)
    node.loaded = loaded
    node.faults.config_hash = None
    if node.on_config is not None:
        node.on_config(node)
    return json_response(201, declarative.entities_by_id(loaded.doc), h)


def _clustering_status(node: "EmulatedNode", h: list[tuple[str, str]]) -> Response:
    """The deprecated ``GET /clustering/status`` (2.2+, still in 3.9.3): this CP's DPs by id."""
    rows = {r["id"]: {k: r[k] for k in ("config_hash", "hostname", "ip", "last_seen")} for r in node.rows()}
    return json_response(200, rows, h + [("Deprecation", "true")])


def _data_planes(node: "EmulatedNode", req: Request, h: list[tuple[str, str]]) -> Response:
    rows = node.rows()
    try:
        size = max(1, min(1000, int(req.query.get("size", node.spec.page_size))))
        offset = int(req.query.get("offset", "0"))
    except ValueError:
        return json_response(400, {"message": "size and offset must be numbers"}, h)
    page = rows[offset:offset + size]
    nxt = f"/clustering/data-planes?offset={offset + size}&size={size}" if offset + size < len(rows) else None
    return json_response(200, {"data": page, "next": nxt}, h)


def _entity_list(node: "EmulatedNode", entity: str) -> list[dict[str, Any]]:
    key = {"key-auths": "keyauth_credentials"}.get(entity, entity)
    return list(declarative.entities_by_id(node.loaded.doc).get(key, {}).values())


def control(node: "EmulatedNode", req: Request) -> Response:
    """The test/drill hooks: faults and counters, never delayed, never behind the token."""
    path = req.path
    if path == "/__turnout/fault":
        if req.method == "POST":
            try:
                node.faults.update(req.json() or {})
            except (ValueError, TypeError, AttributeError) as exc:
                return json_response(400, {"message": str(exc)})
            if node.faults.crash:
                node.schedule_crash()
        return json_response(200, asdict(node.faults))
    if path == "/__turnout/counters":
        return json_response(200, node.counters_json())
    if path == "/__turnout/reset" and req.method == "POST":
        node.reset_counters()
        return json_response(200, node.counters_json())
    return json_response(404, {"message": "unknown control endpoint"})
