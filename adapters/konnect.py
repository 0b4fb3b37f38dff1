"""Kong Konnect's API as the ``ControlPlane`` port: the data planes a Konnect control plane lists.

With Konnect there is no control-plane Admin API to ask ``GET /clustering/data-planes``; the
same facts (version, hostname, last ping, config hash) come from
``GET /v2/control-planes/{controlPlaneId}/nodes`` (adapters/konnect_codec.py cites the spec),
every page of it. Turnout only reads Konnect: no call here writes.

Failures are translated once, here, into one-line errors naming the call, never the token
(it only travels in the ``Authorization`` header, and every message passes through ``redact``)::

    401 -> Rejected  "konnect: GET /v2/control-planes/ID/nodes: rejected: HTTP 401 ...: Konnect refused the token from $VAR ..."
    403 -> Rejected  "... the token from $VAR may not read this control plane ..."
    404 -> Rejected  "... no such control plane at https://eu.api.konghq.com ..."
    429 -> waited out per ``Retry-After`` (at most konnect.retry_after_max, RATE_LIMIT_TRIES times), then Rejected
    timeouts, refused connections -> Timeout / Unreachable (adapters/kong_http.py, with its bounded retries)
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, Mapping
from urllib.parse import quote

import httpx

from rollout.errors import Rejected
from rollout.i18n import N_
from rollout.observations import DataPlaneRow
from rollout.plan import Plan

from . import konnect_codec as codec
from .kong_codec import redact
from .kong_http import KongHttp

TARGET = "konnect"
MAX_PAGES = 100
RATE_LIMIT_TRIES = 5  # 429s waited out per call before the call fails
DEFAULT_WAIT_S = 1.0  # a 429 without a readable Retry-After


class KonnectControlPlane:
    """Reads Konnect's node list for the plan's control plane (its id resolved once from a name)."""

    target = TARGET

    def __init__(self, plan: Plan, env: Mapping[str, str] | None = None, transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        if plan.konnect is None:
            raise ValueError("a Konnect control plane needs the plan's konnect block")
        self.plan = plan
        self.spec = plan.konnect
        self.http = KongHttp(plan, env, transport)
        self.sleep = sleep  # asyncio.sleep; tests pass their own to see the waits
        self._id = self.spec.control_plane_id
        self._name = self.spec.control_plane_name

    async def aclose(self) -> None:
        await self.http.aclose()

    def token(self, call: str) -> str:
        value = self.http.env.get(self.spec.token_env)
        if not value:
            raise Rejected(TARGET, call, N_("konnect.token_env: environment variable {env} is not set").format(env=self.spec.token_env))
        return value

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """One GET on Konnect's API: bearer token, 429s waited out, every other failure one line."""
        call = f"GET {path}"
        headers = {"Authorization": f"Bearer {self.token(call)}", "Accept": "application/json"}
        for waits in range(RATE_LIMIT_TRIES + 1):
            response = await self.http.request(TARGET, "GET", self.spec.api, path, admin=False, accept=None,
                                               headers=headers, params=params or {})
            if response.status_code != 429 or waits == RATE_LIMIT_TRIES:
                break
            await self._wait_out(response, call)
        if response.status_code != 200:
            raise self.rejected(call, response)
        try:
            return response.json()
        except ValueError:
            raise Rejected(TARGET, call, N_("the answer is not JSON (is konnect.base_url Konnect's API?)"),
                           status=200) from None

    async def _wait_out(self, response: httpx.Response, call: str) -> None:
        wait = codec.retry_after(response.headers.get("retry-after"), time.time())
        wait = DEFAULT_WAIT_S if wait is None else wait
        if wait > self.spec.retry_after_max:
            raise Rejected(TARGET, call, N_("rate limited: Retry-After {wait}s is more than konnect.retry_after_max ({most}s)").format(
                wait=f"{wait:g}", most=f"{self.spec.retry_after_max:g}"), status=429)
        await self.sleep(wait)

    def rejected(self, call: str, response: httpx.Response) -> Rejected:
        token = self.http.env.get(self.spec.token_env, "")
        body = redact(response.text[:2000], [token])
        detail = codec.problem_detail(body)
        why = {
            401: N_("Konnect refused the token from ${env} (expired, revoked, or for another region?)"),
            403: N_("the token from ${env} may not read this control plane (give its account the "
                    "Control Plane Viewer role: docs/konnect.md)"),
            404: N_("no such control plane at {api} (check konnect.control_plane_id and the region)"),
            429: N_("still rate limited after {waits} waits"),
        }.get(response.status_code, "").format(env=self.spec.token_env, api=self.spec.api, waits=RATE_LIMIT_TRIES)
        detail = redact(": ".join(p for p in (detail, why) if p), [token])
        return Rejected(TARGET, call, detail, status=response.status_code, body=body)

    async def control_plane_id(self) -> str:
        """The plan's id, or the id of the control plane it names (asked once per run)."""
        if self._id is None:
            body = await self.get("/v2/control-planes", {"filter[name][eq]": self._name, "page[size]": 100})
            try:
                self._id = codec.control_plane_id(body, self._name or "")
            except ValueError as exc:
                raise Rejected(TARGET, "GET /v2/control-planes", str(exc)) from None
        return self._id

    async def control_plane_name(self) -> str:
        """The name decK's dump wants (asked once when the plan gives only the id)."""
        if self._name is None:
            cp = await self.control_plane_id()
            try:
                self._name = codec.control_plane_name(await self.get(f"/v2/control-planes/{quote(cp, safe='')}"))
            except ValueError as exc:
                raise Rejected(TARGET, f"GET /v2/control-planes/{cp}", str(exc)) from None
        return self._name

    async def data_planes(self) -> list[DataPlaneRow]:
        """Every page of the node list, following ``page[after]``."""
        path = f"/v2/control-planes/{quote(await self.control_plane_id(), safe='')}/nodes"
        rows: list[DataPlaneRow] = []
        after: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"page[size]": self.spec.page_size}
            if after:
                params[codec.AFTER] = after
            try:
                page = codec.parse_nodes_page(await self.get(path, params))
            except ValueError as exc:
                raise Rejected(TARGET, f"GET {path}", str(exc)) from None
            rows.extend(page.rows)
            if not page.after or not page.rows:
                return rows
            after = page.after
        raise Rejected(TARGET, f"GET {path}", N_("more than {pages} pages; stopped").format(pages=MAX_PAGES))
