"""The one httpx client Kong calls go through: auth header, TLS, timeouts, bounded retries,
and the single place where httpx's exceptions become Turnout's errors.

Like httpx's own ``map_httpcore_exceptions``, the translation happens once, here:

    httpx.TimeoutException                      -> Timeout      "x1: GET /status: timed out: ..."
    httpx.TransportError (refused, DNS, TLS...) -> Unreachable  "x1: GET /status: unreachable: ..."
    an HTTP status the call did not expect       -> Rejected     "x1: GET /: rejected: HTTP 401 ..."

Messages are one line, name the node and the call, and never carry the Admin API token:
the token only travels in a request header, and every message is passed through ``redact``.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from typing import Any, Mapping

import httpx

from rollout.errors import Rejected, Timeout, Unreachable
from rollout.i18n import N_
from rollout.plan import Plan

from .kong_codec import error_detail, one_line, redact

BACKOFF_S = (0.1, 0.3, 1.0)


class BadTlsFile(ValueError):
    """``tls.ca_file`` cannot be read or is not a PEM bundle (reported per call as Rejected)."""


class KongHttp:
    """Shared by KongAdmin and KongControlPlane. ``env`` defaults to ``os.environ`` (read per call)."""

    def __init__(self, plan: Plan, env: Mapping[str, str] | None = None, transport: httpx.AsyncBaseTransport | None = None):
        self.plan = plan
        self.env = env if env is not None else os.environ
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _verify(self) -> ssl.SSLContext | bool:
        tls = self.plan.tls
        if not tls.verify:
            return False
        if not tls.ca_file:
            return True
        try:
            return ssl.create_default_context(cafile=tls.ca_file)
        except (OSError, ssl.SSLError) as exc:
            why = one_line(getattr(exc, "strerror", None) or str(exc))
            raise BadTlsFile(N_("tls.ca_file {path}: {why}").format(path=tls.ca_file, why=why)) from None

    @property
    def client(self) -> httpx.AsyncClient:
        """One pooled client per event loop (a CLI command may run several ``asyncio.run``s)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._loop = loop
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.plan.timeouts.request), verify=self._verify(),
                transport=self._transport, follow_redirects=False, trust_env=False,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def secrets(self) -> list[str]:
        auth = self.plan.admin_auth
        token = self.env.get(auth.token_env, "") if auth else ""
        return [token] if token else []

    def admin_headers(self, target: str, call: str) -> dict[str, str]:
        """The ``Kong-Admin-Token`` header (name from the plan), or none when the plan has no admin_auth."""
        auth = self.plan.admin_auth
        if auth is None:
            return {}
        token = self.env.get(auth.token_env)
        if not token:
            raise Rejected(target, call, N_("admin_auth.token_env: environment variable {env} is not set").format(env=auth.token_env))
        return {auth.header: token}

    async def request(self, target: str, method: str, base: str, path: str, *, admin: bool,
                      accept: tuple[int, ...] | None = (200,), retries: int | None = None, **kwargs: Any) -> httpx.Response:
        """Send one call (``accept=None``: any status); retry only connection failures and timeouts (bounded by plan.timeouts.retries)."""
        call = f"{method} {path}"
        headers = {**kwargs.pop("headers", {}), **(self.admin_headers(target, call) if admin else {})}
        tries = 1 + (self.plan.timeouts.retries if retries is None else retries)
        for attempt in range(tries):
            try:
                response = await self._send(target, call, method, base.rstrip("/") + path, headers, tries, **kwargs)
                break
            except (Unreachable, Timeout):
                if attempt + 1 >= tries:
                    raise
                await asyncio.sleep(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
        if accept is not None and response.status_code not in accept:
            raise self.rejected(target, call, response, admin)
        return response

    async def _send(self, target: str, call: str, method: str, url: str, headers: dict[str, str], tries: int,
                    **kwargs: Any) -> httpx.Response:
        try:
            return await self.client.request(method, url, headers=headers, **kwargs)
        except httpx.TimeoutException:
            raise Timeout(target, call, N_("no answer within {seconds}s ({tries} attempts)").format(
                seconds=f"{self.plan.timeouts.request:g}", tries=tries)) from None
        except httpx.TransportError as exc:
            raise Unreachable(target, call, self._transport_detail(exc, url)) from None
        except BadTlsFile as exc:
            raise Rejected(target, call, str(exc)) from None
        except httpx.InvalidURL as exc:
            raise Unreachable(target, call, N_("invalid URL {url}: {why}").format(url=repr(url), why=one_line(str(exc)))) from None

    def _transport_detail(self, exc: httpx.TransportError, url: str) -> str:
        text = str(exc) or type(exc).__name__
        if "CERTIFICATE_VERIFY_FAILED" in text or isinstance(exc.__cause__, ssl.SSLError):
            text = N_("TLS verification failed ({why}); set tls.ca_file to the CA that signed it").format(why=one_line(text, 120))
        host = httpx.URL(url).netloc.decode() if url.startswith(("http://", "https://")) else url
        return redact(one_line(f"{host}: {text}"), self.secrets())

    def rejected(self, target: str, call: str, response: httpx.Response, admin: bool = True) -> Rejected:
        """A Rejected naming the status and Kong's message; a 401/403 says which token was refused."""
        body = redact(response.text[:2000], self.secrets())
        detail = error_detail(body)
        auth = self.plan.admin_auth
        if response.status_code in (401, 403) and admin and auth is not None:
            detail = N_("{detail} (the Admin API refused the token from ${env}, sent as {header})").format(
                detail=detail, env=auth.token_env, header=auth.header)
        elif response.status_code in (401, 403) and admin:
            detail = N_("{detail} (the Admin API wants a token: set admin_auth in the plan)").format(detail=detail)
        return Rejected(target, call, detail, status=response.status_code, body=body)
