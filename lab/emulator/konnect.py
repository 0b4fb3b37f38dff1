"""An emulated Kong Konnect API on loopback: the endpoints Turnout reads, shaped from Konnect's public specs.

Written from the OpenAPI specs in Kong/developer.konghq.com (main), not copied:
``api-specs/konnect/control-planes-config/v2/openapi.yaml`` (``GET /v2/control-planes/{id}/nodes``,
``page[size]`` / ``page[after]``, answer ``{items, page: {total, next}}``) and
``api-specs/konnect/control-planes/v2/openapi.yaml`` (``GET /v2/control-planes`` with
``filter[name][eq]``, answer ``{data, meta: {page: {number, size, total}}}``; ``GET /v2/control-planes/{id}``).
Errors are problem+json. Every call needs ``Authorization: Bearer <token>``.

The node records come from the emulated DPs of the lab's control plane (version, hostname,
``last_ping`` frozen when a DP stops, ``config_hash``). Faults for drills and tests, with no token,
at ``GET|POST /__turnout/konnect/fault``: ``throttle`` (the next N API calls answer 429 with
``Retry-After: retry_after``), ``hide`` (DP names left out of the list), ``versions`` (a DP
name -> the version Konnect reports for it). ``GET /__turnout/konnect/dump`` (bearer token) answers the
control plane's declarative config: what ``python -m lab.konnect_dump`` (the lab's stand-in for
``deck gateway dump``) writes as the backup.
"""

from __future__ import annotations

import base64
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable
from urllib.parse import quote

from .httpserver import Request, Response, json_response

PREFIX = "/v2/control-planes"
COMPATIBLE, INCOMPATIBLE = "COMPATIBILITY_STATE_FULLY_COMPATIBLE", "COMPATIBILITY_STATE_INCOMPATIBLE"


@dataclass
class KonnectFaults:
    throttle: int = 0
    retry_after: float = 1.0
    hide: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)

    def update(self, data: dict[str, Any]) -> None:
        for key, value in data.items():
            if key not in self.__dataclass_fields__:
                raise ValueError(f"unknown Konnect fault {key!r}")
            setattr(self, key, value)


@dataclass(frozen=True)
class DataPlaneFacts:
    """What an emulated DP tells its control plane."""

    name: str
    id: str
    hostname: str
    version: str
    config_hash: str
    last_ping: float
    compatible: bool = True


def problem(status: int, title: str, detail: str, headers: list[tuple[str, str]] | None = None) -> Response:
    resp = json_response(status, {"status": status, "title": title, "detail": detail}, headers)
    resp.content_type = "application/problem+json"
    return resp


class KonnectApi:
    """The handler behind the emulated Konnect port (``handle(request) -> Response``)."""

    def __init__(self, token: str, control_plane_id: str, control_plane_name: str,
                 data_planes: Callable[[], list[DataPlaneFacts]], config_text: Callable[[], str] = lambda: ""):
        self.token = token
        self.config_text = config_text
        self.cp_id = control_plane_id
        self.cp_name = control_plane_name
        self.data_planes = data_planes
        self.faults = KonnectFaults()
        self.calls = 0  # API calls answered (429s included), for tests

    def handle(self, req: Request) -> Response:
        if req.path == "/__turnout/konnect/fault":
            if req.method == "POST":
                try:
                    self.faults.update(req.json() or {})
                except (ValueError, TypeError, AttributeError) as exc:
                    return json_response(400, {"message": str(exc)})
            return json_response(200, asdict(self.faults))
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return problem(401, "Unauthorized", "Invalid credentials")
        if req.path == "/__turnout/konnect/dump":
            return Response(200, self.config_text().encode(), content_type="application/yaml")
        self.calls += 1
        if self.faults.throttle > 0:
            self.faults.throttle -= 1
            return problem(429, "Too Many Requests", "API rate limit exceeded",
                           [("Retry-After", f"{self.faults.retry_after:g}")])
        if req.method != "GET":
            return problem(405, "Method Not Allowed", "the emulated Konnect API only reads")
        parts = req.path.removeprefix(PREFIX).strip("/").split("/") if req.path.startswith(PREFIX) else None
        if parts == [""]:
            return self._control_planes(req)
        if parts and parts[0] != self.cp_id:
            return problem(404, "Not Found", f"control plane {parts[0]} not found")
        if parts == [self.cp_id]:
            return json_response(200, self._cp())
        if parts == [self.cp_id, "nodes"]:
            return self._nodes(req)
        return problem(404, "Not Found", "no such endpoint")

    def _cp(self) -> dict[str, Any]:
        return {"id": self.cp_id, "name": self.cp_name, "description": "Turnout lab", "labels": {},
                "config": {"cluster_type": "CLUSTER_TYPE_CONTROL_PLANE", "auth_type": "pinned_client_certs"}}

    def _control_planes(self, req: Request) -> Response:
        wanted = req.query.get("filter[name][eq]")
        data = [self._cp()] if wanted in (None, self.cp_name) else []
        size = int(req.query.get("page[size]", "10") or 10)
        return json_response(200, {"data": data, "meta": {"page": {"number": 1, "size": size, "total": len(data)}}})

    def _nodes(self, req: Request) -> Response:
        items = [self._item(dp) for dp in self.data_planes() if dp.name not in self.faults.hide]
        try:
            size = max(1, min(1000, int(req.query.get("page[size]") or 100)))
            start = _offset(req.query.get("page[after]", ""))
        except ValueError:
            return problem(400, "Bad Request", "page[size] must be a number and page[after] a cursor from page.next")
        end = start + size
        nxt = None
        if end < len(items):
            nxt = f"{PREFIX}/{self.cp_id}/nodes?page%5Bsize%5D={size}&page%5Bafter%5D={quote(_cursor(end))}"
        return json_response(200, {"items": items[start:end], "page": {"total": len(items), "next": nxt}})

    def _item(self, dp: DataPlaneFacts) -> dict[str, Any]:
        now = int(time.time())
        return {"id": dp.id, "version": self.faults.versions.get(dp.name, dp.version), "hostname": dp.hostname,
                "last_ping": int(dp.last_ping), "type": "kong-proxy", "created_at": now - 3600, "updated_at": int(dp.last_ping),
                "config_hash": dp.config_hash,
                "compatibility_status": {"state": COMPATIBLE if dp.compatible else INCOMPATIBLE, "issues": []}}


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str) -> int:
    if not cursor:
        return 0
    text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    if not text.startswith("offset:"):
        raise ValueError(cursor)
    return int(text.removeprefix("offset:"))
