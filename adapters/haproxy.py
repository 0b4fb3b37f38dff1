"""HAProxy as Turnout's load balancer: the runtime API over a unix socket or ``tcp://HOST:PORT``.

One asyncio connection per batch: the ``set`` commands and their ``get weight`` read-backs go
``;``-joined in a single line (about 0.2-2 ms per step, measured on loopback against HAProxy
2.6.12; commands: https://docs.haproxy.org/2.6/management.html#9.3). Building and
parsing is in adapters/haproxy_codec.py; this module only sends, checks and translates
failures once into rollout.errors (Unreachable: socket gone; Timeout; Rejected: any text
answered to a ``set``, quoted).

Runtime weights are lost on an HAProxy reload unless ``show servers state`` has been saved to
the config's ``server-state-file`` (https://docs.haproxy.org/2.6/configuration.html#3.1-server-state-file,
read back by ``load-server-state-from-file``): this adapter saves it after every change when it knows the
file, and says so in ``warnings`` when it does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from typing import Awaitable, Callable, Sequence

from rollout.errors import AdapterError, Rejected, Timeout, Unreachable
from rollout.i18n import N_
from rollout.plan import HAProxyLB as HAProxySpec
from rollout.plan import Node, Pools
from rollout.ports import Advises, NotifiesChange, ReportsStatRows

from . import haproxy_codec as codec

DRAIN_POLL_S = 0.2


class RuntimeAPI:
    """Send ``;``-joined commands over one connection and return one reply per command."""

    def __init__(self, address: str, timeout: float = 5.0):
        self.address = address
        self.timeout = timeout
        self.target = f"haproxy {address}"

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.address.startswith("tcp://"):
            host, _, port = self.address[len("tcp://"):].rpartition(":")
            return await asyncio.open_connection(host.strip("[]"), int(port))
        return await asyncio.open_unix_connection(self.address.removeprefix("unix://"))

    async def send(self, commands: Sequence[str]) -> list[str]:
        call = " ".join(commands[0].split()[:2]) if commands else "?"
        try:
            raw = await asyncio.wait_for(self._exchange(codec.join(commands)), self.timeout)
        except asyncio.TimeoutError:
            raise Timeout(self.target, call, N_("no reply within {seconds}s").format(seconds=f"{self.timeout:g}")) from None
        except (OSError, ValueError) as exc:
            detail = os.strerror(exc.errno) if isinstance(exc, OSError) and exc.errno else str(exc)
            raise Unreachable(self.target, call, detail) from None
        try:
            return codec.split_replies(raw, len(commands))
        except codec.ReplyError as exc:
            raise Rejected(self.target, call, str(exc)) from None

    async def _exchange(self, line: bytes) -> str:
        reader, writer = await self._open()
        try:
            writer.write(line)
            await writer.drain()
            return (await reader.read()).decode(errors="replace")
        finally:
            writer.close()


class HAProxyBalancer(ReportsStatRows, NotifiesChange, Advises):
    """The LoadBalancer port on one HAProxy backend; server names are the nodes' ``lb_name``.
    Reports ``show stat`` rows and calls ``after_change`` hooks (metrics source lb uses both)."""

    def __init__(self, spec: HAProxySpec, pools: Pools, timeout: float = 5.0):
        self.spec = spec
        self.api = RuntimeAPI(spec.socket, timeout)
        self.x_nodes = list(pools.x.nodes)
        self.y_nodes = list(pools.y.nodes)
        self.warnings: list[str] = []
        self.after_change: list[Callable[[], Awaitable[object]]] = []  # e.g. the stats source's baseline
        self.state_file = spec.state_file or self._state_file_from_config()

    @property
    def target(self) -> str:
        return self.api.target

    def _state_file_from_config(self) -> str | None:
        if not self.spec.config:
            self.warnings.append(
                N_("haproxy: neither load_balancer.state_file nor load_balancer.config is set: "
                   "runtime weights will be lost if HAProxy reloads during the rollout")
            )
            return None
        try:
            with open(self.spec.config, encoding="utf-8") as f:
                found = codec.state_file_from_config(f.read())
        except OSError as exc:
            self.warnings.append(N_("haproxy: cannot read {path}: {why}; weights may be lost on reload").format(
                path=self.spec.config, why=exc.strerror))
            return None
        if not found:
            self.warnings.append(
                N_("haproxy: {path} has no server-state-file: runtime weights will be lost "
                   "if HAProxy reloads during the rollout").format(path=self.spec.config)
            )
        return found

    # ---- the port ---------------------------------------------------------------------------

    async def set_weights(self, x: int, y: int, healthy: frozenset[str]) -> tuple[int, int]:
        """Spread x% / y% over each pool's healthy servers, read every weight back, save state."""
        wanted = self._plan_weights(x, y, healthy)
        be = self.spec.backend
        sets = [codec.set_weight(be, s, w) for s, w in wanted.items()]
        gets = [codec.get_weight(be, s) for s in wanted]
        replies = await self.api.send(sets + gets)
        failures = codec.set_failures(sets, replies[: len(sets)])
        if failures:
            raise Rejected(self.target, "set weight", "; ".join(failures))
        got = self._parse_weights(list(wanted), replies[len(sets):])
        wrong = [N_("{server} {got} (wanted {wanted})").format(server=s, got=got[s], wanted=w) for s, w in wanted.items() if got[s] != w]
        if wrong:
            raise Rejected(self.target, "get weight", N_("read back differs: {servers}").format(servers=", ".join(wrong)))
        await self.save_state()
        await self._changed()
        return self._split(got)

    async def get_weights(self) -> tuple[int, int]:
        names = [n.lb_name for n in self.x_nodes + self.y_nodes]
        replies = await self.api.send([codec.get_weight(self.spec.backend, s) for s in names])
        return self._split(self._parse_weights(names, replies))

    async def retire(self, nodes: Sequence[Node]) -> None:
        """Weight 0 (no new requests), wait for open sessions to end (bounded), then maint."""
        be, names = self.spec.backend, [n.lb_name for n in nodes]
        if not names:
            return
        sets = [codec.set_weight(be, s, 0) for s in names]
        replies = await self.api.send(sets)
        self._check_sets(sets, replies, "set weight")
        await self._wait_drained(names)
        sets = [codec.set_state(be, s, "maint") for s in names]
        self._check_sets(sets, await self.api.send(sets), "set server state")
        states = await self.server_states()
        missing = [s for s in names if s not in states or not states[s].admin_state & codec.ADMIN_MAINT]
        if missing:
            raise Rejected(self.target, "set server state", N_("not in maintenance after the change: {servers}").format(
                servers=", ".join(missing)))
        await self.save_state()

    # ---- helpers ----------------------------------------------------------------------------

    def _plan_weights(self, x: int, y: int, healthy: frozenset[str]) -> dict[str, int]:
        """Server -> weight; unhealthy servers get 0; a share with no healthy server is refused."""
        hx = [n for n in self.x_nodes if n.name in healthy]
        hy = [n for n in self.y_nodes if n.name in healthy]
        for pool, share, up in (("X", x, hx), ("Y", y, hy)):
            if share > 0 and not up:
                raise Rejected(self.target, "set weight", N_("pool {pool} has no healthy server for its {share} share").format(
                    pool=pool, share=f"{share}%"))
        wx, wy = codec.pool_weights(x, y, len(hx), len(hy), self.spec.max_weight)
        weights = {n.lb_name: 0 for n in self.x_nodes + self.y_nodes}
        weights.update({n.lb_name: w for n, w in zip(hx + hy, wx + wy)})
        return weights

    def _parse_weights(self, names: list[str], replies: list[str]) -> dict[str, int]:
        out = {}
        for name, reply in zip(names, replies):
            try:
                out[name] = codec.parse_get_weight(reply)[0]
            except codec.ReplyError as exc:
                raise Rejected(self.target, f"get weight {self.spec.backend}/{name}", str(exc)) from None
        return out

    def _split(self, weights: dict[str, int]) -> tuple[int, int]:
        return codec.split_of([weights[n.lb_name] for n in self.x_nodes], [weights[n.lb_name] for n in self.y_nodes])

    def _check_sets(self, sets: list[str], replies: list[str], call: str) -> None:
        failures = codec.set_failures(sets, replies)
        if failures:
            raise Rejected(self.target, call, "; ".join(failures))

    async def _wait_drained(self, names: list[str]) -> None:
        """Poll ``scur`` until the servers hold no session, at most ``drain_timeout`` seconds."""
        deadline = time.monotonic() + self.spec.drain_timeout
        while True:
            rows = await self.stat_rows()
            busy = [r["svname"] for r in rows if r.get("svname") in names and codec.stat_int(r, "scur") > 0]
            if not busy or time.monotonic() >= deadline:
                return
            await asyncio.sleep(DRAIN_POLL_S)

    async def stat_rows(self) -> list[dict[str, str]]:
        """``show stat`` for the backend, one dict per row (servers and the BACKEND row)."""
        (reply,) = await self.api.send([codec.show_stat(self.spec.backend)])
        try:
            return codec.parse_show_stat(reply)
        except codec.ReplyError as exc:
            raise Rejected(self.target, "show stat", str(exc)) from None

    async def server_states(self) -> dict[str, codec.ServerState]:
        (reply,) = await self.api.send([codec.show_servers_state(self.spec.backend)])
        try:
            return codec.parse_servers_state(reply)
        except codec.ReplyError as exc:
            raise Rejected(self.target, "show servers state", str(exc)) from None

    async def _changed(self) -> None:
        """Run the after-change hooks; the weights are set, so a hook's failure must not undo that."""
        for hook in self.after_change:
            with contextlib.suppress(AdapterError):
                await hook()

    async def save_state(self) -> None:
        """Dump ``show servers state`` (all backends) into the state file, atomically."""
        if not self.state_file:
            return
        (reply,) = await self.api.send([codec.show_servers_state()])
        try:
            codec.parse_servers_state(reply)
        except codec.ReplyError as exc:
            raise Rejected(self.target, "show servers state", str(exc)) from None
        tmp = f"{self.state_file}.turnout-tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(reply.rstrip("\n") + "\n")
            os.replace(tmp, self.state_file)
        except OSError as exc:
            raise Rejected(self.target, "save server state", f"{self.state_file}: {exc.strerror}") from None
