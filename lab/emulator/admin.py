"""The emulated Admin API (and the ``/__turnout/`` control endpoints on the same port).

Admin API: ``GET /``, ``GET /status``, ``GET /metrics``, ``GET|POST /config`` (DB-less and
DPs), ``GET /clustering/data-planes`` (control planes), read-only entity lists, and 405 for
entity writes on DB-less nodes. With ``admin_token`` set, every Admin API call wants the
token header; the two 401 texts are EE's (missing vs wrong token).

Control endpoints (no token, no injected latency): ``GET|POST /__turnout/fault``,
``GET /__turnout/counters``, ``POST /__turnout/reset`` (zero the counters).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from . import declarative, shapes
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
    if path == "/clustering/data-planes" and method == "GET":
        if role != "control_plane":
            return json_response(400, {"message": shapes.NOT_CP}, h)
        return _data_planes(node, req, h)
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
            "plugins": node.spec.plugins if node.spec.plugins is not None else sorted(shapes.BUNDLED_PLUGINS),
            "enabled": list(node.loaded.plugins)}


def _get_config(node: "EmulatedNode", h: list[tuple[str, str]]) -> Response:
    return json_response(200, {"config": declarative.export(node.version, node.loaded.doc)}, h)


def _config_text(req: Request) -> str:
    """The three body forms: JSON ``{"config": "..."}``, a JSON document, or raw YAML."""
    raw = req.body.decode("utf-8", "replace")
    if "json" in req.headers.get("content-type", ""):
        try:
            body = json.loads(raw)
        except ValueError:
            return raw
        if isinstance(body, dict) and isinstance(body.get("config"), str):
            return body["config"]
    return raw


def _post_config(node: "EmulatedNode", req: Request, h: list[tuple[str, str]]) -> Response:
    if req.method != "POST":
        return json_response(405, {"message": "Method not allowed"}, h)
    text = _config_text(req)
    if not text.strip():
        return json_response(400, {"message": "expected a declarative configuration"}, h)
    if req.query.get("check_hash") == "1" and declarative.md5(text) == node.config_hash():
        return Response(304, b"", h)
    try:
        loaded = declarative.load(node.version, text)
    except declarative.Invalid as exc:
        flatten = node.version.at_least(3, 2) and req.query.get("flatten_errors", "").lower() in TRUTHY
        return json_response(400, shapes.invalid_config(exc.fields, exc.flattened if flatten else None), h)
    node.loaded = loaded
    node.faults.config_hash = None
    if node.on_config is not None:
        node.on_config(node)
    return json_response(201, declarative.entities_by_id(loaded.doc), h)


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
