"""The simulated load balancer: implements rollout.ports.LoadBalancer over the node table.

Like HAProxy, it holds one weight per server and sends each request to a server in rotation
with probability weight / sum of weights in rotation. What makes a rehearsal honest:

- a weight change reaches traffic only after ``propagation`` seconds (the read-back is at once);
- the LB's health check takes ``health_check`` seconds to notice a node went down or came up,
  and until then a dead node in rotation turns its requests into connection failures;
- a ``sticky`` share of traffic rides long-lived connections that keep the old split and
  drift to the new one with mean lifetime ``sticky_ttl``;
- the ``lb_ignores_weights`` fault spreads traffic evenly over every server in rotation
  (round robin), even one at weight 0, and reports that split (``readback: effective``) or
  the configured one (``readback: configured``).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from rollout.plan import Node

from .nodes import NodeTable
from .scenario import LbIgnoresWeightsFault


class SimBalancer:
    def __init__(self, table: NodeTable, runtime, propagation: float, health_check: float, sticky: float,
                 sticky_ttl: float, ignores: LbIgnoresWeightsFault | None, before_change: Callable[[], None]):
        self.table = table
        self.runtime = runtime
        self.propagation = propagation
        self.health_check = health_check
        self.sticky = sticky
        self.sticky_ttl = max(sticky_ttl, 1e-9)
        self.ignores = ignores
        self.before_change = before_change
        x = (~table.is_y).astype(float)
        self.configured = 100.0 * x / x.sum()  # the split before the rollout: all on X, evenly
        self.effective = self.configured.copy()
        self.rotation = np.array([n.state == "ready" for n in table.nodes])
        self.sticky_base = self.configured / 100.0  # where long-lived connections were at sticky_t0
        self.sticky_t0 = 0.0
        self.split = (100, 0)
        self.version = 0  # bumped on every change that moves traffic (the exact mode caches shares by it)

    # ------------------------------------------------------------------ the port
    async def set_weights(self, x: int, y: int, healthy: frozenset[str]) -> tuple[int, int]:
        weights = np.zeros(len(self.table.nodes))
        for pool, share in (("x", x), ("y", y)):
            members = [n.index for n in self.table.nodes if n.pool == pool]
            eligible = [i for i in members if self.table.nodes[i].name in healthy] or members
            weights[eligible] = share / len(eligible)
        self.configured = weights
        self.split = (x, y)
        self.runtime.env.process(self._propagate(weights.copy()))
        return self._readback()

    async def get_weights(self) -> tuple[int, int]:
        return self._readback()

    async def retire(self, nodes: Sequence[Node]) -> None:
        """Weight 0 for these nodes, then wait for the change to reach traffic (drain)."""
        weights = self.configured.copy()
        for node in nodes:
            weights[self.table.index(node.name)] = 0.0
        self.configured = weights
        self.runtime.env.process(self._propagate(weights.copy()))
        await self.runtime.sleep(self.propagation)

    # ------------------------------------------------------------------ what traffic sees
    def ignoring(self, t: float) -> bool:
        return self.ignores is not None and t >= self.ignores.from_

    def base_shares(self, t: float) -> np.ndarray:
        """Each server's share of new requests right now (sums to 1)."""
        if self.ignoring(t):
            weights = self.rotation.astype(float)
        else:
            weights = self.effective * self.rotation
        total = weights.sum()
        if total > 0:
            return weights / total
        # No server in rotation can take them: the LB answers 503. Traffic keeps its configured
        # split and every request fails (the world counts requests to servers out of rotation as lost).
        fallback = self.effective if self.effective.sum() > 0 else np.ones(len(self.effective))
        return fallback / fallback.sum()

    def shares(self, t: np.ndarray) -> np.ndarray:
        """(T, N) shares over ticks ``t``, with sticky connections drifting from the old split."""
        base = self.base_shares(float(t[0]) if len(t) else 0.0)
        if self.sticky <= 0:
            return np.broadcast_to(base, (len(t), len(base)))
        old = self.sticky_base * self.rotation
        old = old / old.sum() if old.sum() > 0 else base
        decay = np.exp(-(t - self.sticky_t0) / self.sticky_ttl)[:, None]
        stuck = base[None, :] + (old - base)[None, :] * decay
        return (1 - self.sticky) * base[None, :] + self.sticky * stuck

    def observed_split(self) -> tuple[int, int]:
        """The split traffic really follows now, in whole percent."""
        shares = self.base_shares(self.runtime.now())
        y = int(round(100 * float(shares[self.table.is_y].sum())))
        return 100 - y, y

    # ------------------------------------------------------------------ changes over time
    def _readback(self) -> tuple[int, int]:
        if self.ignores is not None and self.ignores.readback == "effective" and self.ignoring(self.runtime.now()):
            return self.observed_split()
        return self.split

    def _propagate(self, weights: np.ndarray):
        yield self.runtime.env.timeout(self.propagation)
        self.before_change()
        now = self.runtime.now()
        if self.sticky > 0:
            self.sticky_base = self.shares(np.array([now]))[0]
            self.sticky_t0 = now
        self.effective = weights
        self.version += 1

    def node_changed(self, index: int, serving: bool):
        """SimPy process: the health check sees a node's new state after ``health_check`` seconds."""
        yield self.runtime.env.timeout(self.health_check)
        if (self.table.nodes[index].state == "ready") == serving:  # still so: the check confirms it
            self.before_change()
            self.rotation[index] = serving
            self.version += 1
