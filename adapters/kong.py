"""Kong nodes and the hybrid control plane over HTTP (httpx): the ``KongNodes`` and
``ControlPlane`` ports of rollout.ports.

Which endpoint answers what, per version (details and sources in docs/kong-adapter.md):

- ``info``: Admin ``GET /`` (version, database, role, plugins), ``GET /status`` (hash) and,
  on 3.3+, Status API ``GET /status/ready``. Without an admin URL (a DP) the version comes from
  the ``Server: kong/<version>`` header of the Status API.
- ``probe``: cheap, for polling: ``/status`` (Status API when the plan names one, else Admin)
  plus ``/status/ready`` where the version has it; before 3.3 a non-zero hash means ready.
- ``backup``: Admin ``GET /config`` (DB-less) or, where it is not served, the plan's
  ``backup.kong_yml``; written 0600, hashed, parsed back. kong.yml holds key-auth keys, so its
  content is never logged or put in a message.
- ``smoke``: the plan's request sent straight to the node's proxy URL.

All failures are the one-line Turnout errors built in adapters/kong_http.py.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timezone
from typing import Any, Mapping

import httpx
import yaml

from rollout.env_refs import MissingEnv, substitute_env
from rollout.errors import AdapterError, Rejected, Timeout, Unreachable
from rollout.i18n import N_
from rollout.observations import BackupRecord, DataPlaneRow, NodeInfo, NodeProbe, SmokeResult
from rollout.plan import Node, Plan, SmokeCheck
from rollout.yaml_input import KONG_YML, InputRefused, parse, read_text

from . import kong_codec as codec
from .kong_http import KongHttp
from .private_file import write_private

NO_DB_MESSAGE = "only available when Kong is configured to not use a database"
MAX_PAGES = 100


class KongAdmin:
    """The ``KongNodes`` port against real (or emulated) Kong nodes."""

    def __init__(self, plan: Plan, env: Mapping[str, str] | None = None, transport: httpx.AsyncBaseTransport | None = None):
        self.plan = plan
        self.http = KongHttp(plan, env, transport)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> "KongAdmin":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    def planned_version(self, node: Node) -> str:
        for pool in (self.plan.pools.x, self.plan.pools.y):
            if node.name in pool.names:
                return pool.version
        return ""

    async def _json(self, node: Node, base: str, path: str, *, admin: bool,
                    accept: tuple[int, ...] = (200,)) -> tuple[int, Any, httpx.Response]:
        response = await self.http.request(node.name, "GET", base, path, admin=admin, accept=accept)
        try:
            return response.status_code, response.json(), response
        except ValueError:
            raise Rejected(node.name, f"GET {path}", N_("the answer is not JSON (is this a Kong port?)"),
                           status=response.status_code) from None

    async def _status(self, node: Node, via_admin: bool = False) -> tuple[codec.StatusInfo, str]:
        """``GET /status`` on the Status API when the plan names one (or on the Admin API);
        returns the status and the version the ``Server`` header reports (or the planned one)."""
        base, admin = (node.status, False) if node.status and not via_admin else (node.admin, True)
        if not base:
            raise Rejected(node.name, "GET /status", N_("the plan gives this node neither a status nor an admin URL"))
        _, body, response = await self._json(node, base, "/status", admin=admin)
        try:
            status = codec.parse_status(body)
        except ValueError as exc:
            raise Rejected(node.name, "GET /status", str(exc)) from None
        version = codec.version_from_server_header(response.headers.get("server")) or self.planned_version(node)
        return status, version

    async def _ready(self, node: Node, status: codec.StatusInfo, version: str) -> tuple[bool, str]:
        """3.3+ with a Status API: ``/status/ready``; otherwise /status + a non-zero hash."""
        if codec.has_ready_endpoint(version) and node.status:
            code, body, _ = await self._json(node, node.status, "/status/ready", admin=False, accept=(200, 503))
            return codec.parse_ready(code, body)
        ready, message = codec.ready_from_status(status)
        if codec.has_ready_endpoint(version):
            message = N_("{message}; no status URL in the plan, so /status/ready (Status API only) was not asked").format(message=message)
        return ready, message

    async def probe(self, node: Node) -> NodeProbe:
        try:
            status, version = await self._status(node)
            ready, message = await self._ready(node, status, version)
        except (Unreachable, Timeout) as exc:
            return NodeProbe(node.name, reachable=False, ready=False, message=str(exc))
        except Rejected as exc:
            return NodeProbe(node.name, reachable=True, ready=False, message=str(exc))
        return NodeProbe(node.name, reachable=True, ready=ready, version=version, config_hash=status.config_hash,
                         message="" if ready else N_("{node}: not ready: {why}").format(node=node.name, why=message))

    async def info(self, node: Node) -> NodeInfo:
        root: codec.RootInfo | None = None
        try:
            if node.admin:
                _, body, _ = await self._json(node, node.admin, "/", admin=True)
                root = codec.parse_root(body)
        except AdapterError as exc:
            return NodeInfo(node.name, reachable=False, error=str(exc))
        except ValueError as exc:
            return NodeInfo(node.name, reachable=False, error=f"{node.name}: GET /: {exc}")
        fields: dict[str, Any] = {}
        if root is not None:
            fields = dict(version=root.version, database=root.database, role=root.role, status_listen=root.status_listen,
                          plugins_available=root.plugins_available, plugins_enabled=root.plugins_enabled)
        fields.update(await self._status_fields(node, root))
        reachable = root is not None or fields.get("status_reachable", False)
        return NodeInfo(node.name, reachable=reachable, error=fields.pop("error", ""), **fields)

    async def _status_fields(self, node: Node, root: codec.RootInfo | None) -> dict[str, Any]:
        """The Status-API half of ``info``; its failures are evidence (status_reachable), not errors.

        When the Status API cannot be reached (3.6+ binds it to loopback by default), the hash is
        still read from the Admin API's ``/status`` so the consistency checks keep their evidence."""
        try:
            status, header_version = await self._status(node)
            version = root.version if root else header_version
            ready, message = await self._ready(node, status, version)
        except AdapterError as exc:
            out: dict[str, Any] = {"status_reachable": False, "ready": False, "ready_message": str(exc)}
            if root is None:
                out["error"] = str(exc)
            elif node.status:
                try:
                    out["config_hash"] = (await self._status(node, via_admin=True))[0].config_hash
                except AdapterError:
                    pass
            return out
        out = {"config_hash": status.config_hash, "ready": ready, "ready_message": message,
               "status_reachable": bool(node.status)}
        if root is None:
            out["version"] = version
        return out

    async def backup(self, node: Node, directory: str) -> BackupRecord:
        before, _ = await self._status(node)
        text, source = await self._config_text(node)
        after, _ = await self._status(node)
        if before.config_hash != after.config_hash:
            raise Rejected(node.name, "backup", N_("configuration_hash changed during the backup ({before} -> {after}): "
                                                   "someone is writing config; freeze writes and try again").format(
                before=before.config_hash[:8], after=after.config_hash[:8]))
        counts = _verify_yaml(node.name, text, source)
        data = text.encode()
        path = _write_backup(directory, node.name, before.config_hash, data)
        digest = hashlib.sha256(data).hexdigest()
        with open(path, "rb") as fh:
            if hashlib.sha256(fh.read()).hexdigest() != digest:
                raise Rejected(node.name, "backup", N_("{path}: the file read back differs from what was written").format(path=path))
        return BackupRecord(node.name, path, digest, before.config_hash, sum(counts.values()))

    async def config(self, node: Node) -> str:
        """The declarative config text; it holds key-auth keys, so it only ever lives in memory here."""
        text, _source = await self._config_text(node)
        return text

    async def _config_text(self, node: Node) -> tuple[str, str]:
        """GET /config where the node serves it; else the plan's ``backup.kong_yml``."""
        why = N_("the plan gives no admin URL")
        if node.admin:
            code, body, response = await self._json(node, node.admin, "/config", admin=True, accept=(200, 400, 404, 405))
            if code == 200:
                try:
                    return codec.parse_config_envelope(body), "GET /config"
                except ValueError as exc:
                    raise Rejected(node.name, "GET /config", str(exc)) from None
            if code == 400 and NO_DB_MESSAGE not in str(body):
                raise self.http.rejected(node.name, "GET /config", response)
            why = N_("GET /config answered HTTP {code}").format(code=code)
        kong_yml = self.plan.backup.kong_yml
        if not kong_yml:
            raise Rejected(node.name, "backup", N_("{why} and the plan has no backup.kong_yml to copy instead").format(why=why))
        try:  # the hardened reader: a FIFO, a device, a huge or non-UTF-8 file is one line, not a hang
            return read_text(kong_yml, KONG_YML), kong_yml
        except InputRefused as exc:
            raise Rejected(node.name, f"read backup.kong_yml {kong_yml}", exc.message) from None

    async def smoke(self, node: Node, check: SmokeCheck) -> SmokeResult:
        """Send the check's request to the node's proxy URL (not through the LB); judge status and body."""
        expect = check.expect
        expected = (N_("HTTP {status} with a body containing {text}").format(status=expect.status, text=repr(expect.body_contains))
                    if expect.body_contains else f"HTTP {expect.status}")

        def result(ok: bool, got: str) -> SmokeResult:
            return SmokeResult(check.name, node.name, ok, expected, got)

        if not node.proxy:
            return result(False, N_("no proxy URL for this node in the plan"))
        req = check.request
        try:
            path, headers, body, secrets = _substitute(req.path, req.headers, req.body, self.http.env)
        except MissingEnv as exc:
            return result(False, N_("{why} (named by ${{env:{name}}} in smoke {check})").format(
                why=exc, name=exc.name, check=repr(check.name)))
        try:
            response = await self.http.request(node.name, req.method, node.proxy, path, admin=False, accept=None,
                                               retries=0, headers=headers, content=body)
        except AdapterError as exc:
            return result(False, codec.redact(f"{req.method} {req.path}: {exc.kind}: {exc.detail}", secrets))
        return result(*_judge_smoke(response, expect.status, expect.body_contains, secrets))


def _substitute(path: str, headers: Mapping[str, str], body: str | None,
                env: Mapping[str, str]) -> tuple[str, dict[str, str], str | None, list[str]]:
    """``${env:NAME}`` in the path, header values and body; also returns the values, to redact later."""
    path, secrets = substitute_env(path, env)
    out: dict[str, str] = {}
    for name, value in headers.items():
        out[name], found = substitute_env(value, env)
        secrets += found
    if body is not None:
        body, found = substitute_env(body, env)
        secrets += found
    return path, out, body, secrets


def _judge_smoke(response: httpx.Response, status: int, contains: str | None, secrets: list[str]) -> tuple[bool, str]:
    text = response.text
    got = f"HTTP {response.status_code}"
    ok = response.status_code == status
    if response.status_code >= 400:
        got += f" {codec.error_detail(text[:2000])}"
    if contains is not None and contains not in text:
        ok = False
        got = N_("{got}, body without {text}").format(got=got, text=repr(contains))
    return ok, codec.redact(codec.one_line(got), secrets)


def _verify_yaml(node: str, text: str, source: str) -> dict[str, int]:
    """The backup must parse as a declarative config (a YAML mapping); return its entity counts."""
    try:
        _, doc = parse(text, KONG_YML)  # a node's answer may be hostile: aliases are counted expanded
    except InputRefused as exc:
        raise Rejected(node, "backup", N_("{source} refused at line {line}: {why}").format(
            source=source, line=exc.line, why=exc.message)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        why = (N_("{source} is not valid YAML at line {line}").format(source=source, line=mark.line + 1) if mark
               else N_("{source} is not valid YAML").format(source=source))
        raise Rejected(node, "backup", why) from None
    if not isinstance(doc, dict):
        raise Rejected(node, "backup", N_("{source} is not a declarative config (not a YAML mapping)").format(source=source))
    return codec.entity_counts(doc)


def _write_backup(directory: str, node: str, config_hash: str, data: bytes) -> str:
    """Write ``<dir>/<node>-<utc stamp>-<hash8>.yml`` privately, never overwriting an earlier backup."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    stem = os.path.join(directory, f"{node}-{stamp}-{(config_hash or 'nohash')[:8]}")
    for n in range(100):
        path = f"{stem}.yml" if n == 0 else f"{stem}-{n}.yml"
        try:
            write_private(path, data, replace=False)
        except FileExistsError:
            continue
        except OSError as exc:
            raise Rejected(node, f"write backup {path}", exc.strerror or str(exc)) from None
        return path
    raise Rejected(node, "write backup", N_("{stem}.yml and 99 siblings exist already").format(stem=stem))


def _next_path(nxt: str) -> str:
    """Kong's ``next`` is a path (``/clustering/data-planes?offset=...``); accept a full URL too."""
    if "://" in nxt:
        return "/" + nxt.split("/", 3)[-1]
    return nxt if nxt.startswith("/") else "/" + nxt


class KongControlPlane:
    """The ``ControlPlane`` port: the CP's ``GET /clustering/data-planes``, every page."""

    target = "control-plane"

    def __init__(self, plan: Plan, env: Mapping[str, str] | None = None, transport: httpx.AsyncBaseTransport | None = None):
        self.plan = plan
        self.http = KongHttp(plan, env, transport)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def data_planes(self) -> list[DataPlaneRow]:
        if self.plan.control_plane is None:
            raise Rejected(self.target, "GET /clustering/data-planes", N_("the plan has no control_plane.admin"))
        base, path = self.plan.control_plane.admin, "/clustering/data-planes"
        rows: list[DataPlaneRow] = []
        for _ in range(MAX_PAGES):
            response = await self.http.request(self.target, "GET", base, path, admin=True)
            try:
                page, nxt = codec.parse_data_planes(response.json())
            except ValueError as exc:
                raise Rejected(self.target, f"GET {path}", codec.one_line(str(exc))) from None
            rows.extend(page)
            if not nxt:
                return rows
            path = _next_path(nxt)
        raise Rejected(self.target, "GET /clustering/data-planes", N_("more than {pages} pages; stopped").format(pages=MAX_PAGES))
