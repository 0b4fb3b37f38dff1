"""Kong as the engine's commands see it: the KongNodes, Fleet and ControlPlane ports of the simulated world.

What a node answers follows Kong's code (https://github.com/Kong/kong/blob/3.9.3/kong/api/routes/health.lua,
kong/status/ready.lua and kong/clustering/compat/init.lua at that tag): ``configuration_hash`` is
32 hex digits, all zeros before a config is loaded, equal on nodes fed the same bytes, and
changed by every config write; ``/status/ready`` answers 503 with Kong's own messages while
a node starts or has no config; a hybrid data plane that the control plane refuses (a
``sync_status`` such as ``plugin_set_incompatible``) never gets config and so is never
ready; smoke requests go to each node directly, and the ``smoke_fail`` fault makes one check
fail on Y the way a 3.6+ key-auth rejects a key (401 ``Unauthorized``).
"""

from __future__ import annotations

import hashlib

from rollout.errors import AdapterError, Unreachable
from rollout.kong.version import KongVersion, VersionError
from rollout.observations import BackupRecord, DataPlaneRow, NodeInfo, NodeProbe, SmokeResult
from rollout.plan import Node, SmokeCheck

from .nodes import EMPTY_HASH, SimNode

NOT_READY = {
    "installed": "no configuration available (configuration hash is not initialized)",
    "starting": "router builds not yet complete, router ready in 0 of 4 workers",
    "down": "connection refused",
}
PLUGINS = ("key-auth", "rate-limiting", "prometheus", "cors", "request-transformer")


def config_hash(pool: str, plan_name: str, generation: int) -> str:
    """The md5 Kong would report: one per pool's config bytes and generation of writes."""
    return hashlib.md5(f"{plan_name}:{pool}:{generation}".encode()).hexdigest()


def rehearsal_config(x_version: str) -> str:
    """A stand-in kong.yml for rehearsals of plans that name none: one service, one route, the
    enabled plugins, one consumer (its key is a placeholder, never a real secret)."""
    try:
        fmt = "2.1" if KongVersion.lenient(x_version).major < 3 else "3.0"
    except VersionError:
        fmt = "3.0"  # a rehearsal of a plan whose version preflight would refuse
    plugins = "".join(f"- name: {p}\n" for p in PLUGINS[:3])
    return (f'_format_version: "{fmt}"\nservices:\n- name: echo\n  url: http://upstream.internal:8080\n'
            f"  routes:\n  - name: echo\n    paths: [/echo]\nplugins:\n{plugins}"
            "consumers:\n- username: rehearsal\n  keyauth_credentials:\n  - key: rehearsal-placeholder\n")


class SimKong:
    """rollout.ports.KongNodes over the simulated nodes."""

    def __init__(self, world):
        self.world = world

    def _node(self, node: Node) -> SimNode:
        return self.world.table.nodes[self.world.table.index(node.name)]

    def _reachable(self, sim: SimNode, call: str) -> None:
        if sim.state == "down":
            raise Unreachable(sim.name, call, sim.message or "connection refused")

    async def info(self, node: Node) -> NodeInfo:
        sim = self._node(node)
        if sim.state == "down":
            return NodeInfo(sim.name, False, error=f"{sim.name}: GET /: unreachable: {sim.message}")
        hybrid = self.world.plan.data_planes
        return NodeInfo(
            sim.name, True, version=sim.version, database="off", role="data_plane" if hybrid else "traditional",
            plugins_available=tuple(p for p in PLUGINS if p not in self.world.missing_plugins(sim)),
            plugins_enabled=PLUGINS[:3], config_hash=sim.config_hash,
            ready=sim.state == "ready", ready_message=self._ready_message(sim), status_reachable=True,
            status_listen="0.0.0.0:8100",
        )

    async def probe(self, node: Node) -> NodeProbe:
        sim = self._node(node)
        if sim.state == "down":
            return NodeProbe(sim.name, False, False, sim.version, message=sim.message or "connection refused")
        return NodeProbe(sim.name, True, sim.state == "ready", sim.version,
                         "" if sim.config_hash == EMPTY_HASH else sim.config_hash,
                         "" if sim.state == "ready" else self._ready_message(sim), sim.sync_status)

    def _ready_message(self, sim: SimNode) -> str:
        if sim.state == "ready":
            return "ready"
        if sim.sync_status and sim.sync_status != "normal":
            return f"{NOT_READY['installed']}; control plane sync_status {sim.sync_status}"
        return sim.message or NOT_READY.get(sim.state, sim.state)

    async def config(self, node: Node) -> str:
        """The plan's own kong.yml when it names one (so a rehearsal lints the real file), else a
        small config in X's format that uses the plugins the simulated nodes report as enabled."""
        sim = self._node(node)
        self._reachable(sim, "GET /config")
        path = self.world.plan.backup.kong_yml
        if path:
            try:
                with open(path, encoding="utf-8") as fh:
                    return fh.read()
            except OSError as exc:
                raise Unreachable(sim.name, f"read backup.kong_yml {path}", exc.strerror or str(exc)) from None
        return rehearsal_config(self.world.plan.pools.x.version)

    async def backup(self, node: Node, directory: str) -> BackupRecord:
        """A rehearsal writes no file: the record says what the backup would be."""
        sim = self._node(node)
        self._reachable(sim, "GET /config")
        if self.world.backup_unreadable(sim):
            raise AdapterError(sim.name, "verify backup", "the backup does not parse as kong.yml (truncated at byte 4096): "
                               "it could not restore this node")
        digest = hashlib.sha256(f"kong.yml:{sim.config_hash}".encode()).hexdigest()
        return BackupRecord(sim.name, f"{directory}/{sim.name}-{sim.config_hash[:12]}.yml (rehearsal: not written)",
                            digest, sim.config_hash, entities=42)

    async def smoke(self, node: Node, check: SmokeCheck) -> SmokeResult:
        sim = self._node(node)
        self._reachable(sim, f"smoke {check.request.method} {check.request.path}")
        expected = f"status {check.expect.status}"
        failing = self.world.smoke_failure(sim, check.name)
        if failing is not None:
            return SmokeResult(check.name, sim.name, False, expected, f"status {failing.status} {failing.body}")
        changed = self.world.key_auth_change(sim)
        if changed is not None:
            return key_auth_answer(check, sim.name, changed)
        return SmokeResult(check.name, sim.name, True, expected, expected)


def key_auth_answer(check: SmokeCheck, node: str, changed) -> SmokeResult:
    """A smoke check against a key-auth that changed (the ``key_auth_change`` fault): a valid key
    is rejected with 401, or a 401 carries another message, which fails a check that expects the
    old one (``expect.body_contains``). A check the change does not touch passes."""
    expected = f"status {check.expect.status}" + (f" body containing {check.expect.body_contains!r}" if check.expect.body_contains else "")
    sends_key = any(h.lower() == "apikey" for h in check.request.headers)
    if changed.answer == "rejects_key" and sends_key and check.expect.status != 401:
        return SmokeResult(check.name, node, False, expected, 'status 401 {"message":"Unauthorized"}')
    wants = check.expect.body_contains
    if changed.answer == "message" and check.expect.status == 401 and wants and wants not in changed.message:
        return SmokeResult(check.name, node, False, expected, f'status 401 {{"message":"{changed.message}"}}')
    return SmokeResult(check.name, node, True, expected, expected)


class SimFleet:
    """rollout.ports.Fleet: starting takes ``nodes.start_s``; the engine's StartNodes polls readiness."""

    def __init__(self, world):
        self.world = world

    async def start(self, node: Node) -> None:
        self.world.start(self.world.table.index(node.name))

    async def stop(self, node: Node) -> None:
        self.world.set_state(self.world.table.index(node.name), "down", "connection refused (stopped)")


KONNECT_STATES = {"normal": "COMPATIBILITY_STATE_FULLY_COMPATIBLE"}  # else COMPATIBILITY_STATE_INCOMPATIBLE


class SimControlPlane:
    """rollout.ports.ControlPlane: the rows for the DPs that are connected, as the plan's control plane
    reports them: ``GET /clustering/data-planes`` (hybrid), or Konnect's node list (konnect), where
    the CP's ``sync_status`` is a ``compatibility_status.state`` and the hostname the plan's."""

    def __init__(self, world):
        self.world = world

    async def data_planes(self) -> list[DataPlaneRow]:
        rows = []
        for sim in self.world.table.nodes:
            if sim.state != "down":
                rows.append(DataPlaneRow(
                    id=hashlib.md5(sim.name.encode()).hexdigest(), hostname=self.world.plan.node(sim.name).hostname or sim.name,
                    ip=f"10.0.{1 if sim.pool == 'x' else 2}.{sim.index + 11}", version=sim.version,
                    sync_status=self._status(sim.sync_status or "normal"), config_hash=sim.config_hash,
                    last_seen=self.world.env.now,
                ))
        return rows

    def _status(self, sync_status: str) -> str:
        if self.world.plan.mode != "konnect":
            return sync_status
        return KONNECT_STATES.get(sync_status, f"COMPATIBILITY_STATE_INCOMPATIBLE ({sync_status})")
