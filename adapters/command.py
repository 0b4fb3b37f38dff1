"""The ``command`` load balancer: shell templates for anything Turnout has no adapter for.

Weighted DNS, a Kubernetes Gateway API ``HTTPRoute`` (kubectl patch of backendRefs weights),
a cloud LB CLI. ``set_weights`` gets ``{x}`` and ``{y}`` (pool percent), ``{x_weight}`` /
``{y_weight}`` (that percent per healthy node, rounded down) and ``{x_nodes}`` / ``{y_nodes}``
(the healthy nodes' LB names, space-separated, shell-quoted). ``get_weights`` must print
``X Y`` (percent). Both are Python format strings: literal braces are written doubled. A non-zero exit is a Rejected naming the exit code and the last stderr
line; a command running longer than ``timeout`` is killed with its process group.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import string
from typing import Sequence

from rollout.errors import Rejected, Timeout, Unreachable
from rollout.i18n import N_
from rollout.plan import CommandLB, Node, Pools
from rollout.ports import Advises

from .plan_problem import plan_problem

PLACEHOLDERS = {"x", "y", "x_weight", "y_weight", "x_nodes", "y_nodes"}


def template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def check_template(key: str, template: str, allowed: set[str]) -> str | None:
    """The problem with a template, or None: unknown placeholders are caught before any run."""
    try:
        unknown = template_fields(template) - allowed
    except ValueError as exc:
        return f"{key}: bad template ({exc}); write literal braces as {{{{ and }}}}"
    return f"{key}: unknown placeholder {{{sorted(unknown)[0]}}}; use {', '.join(sorted(allowed))}" if unknown else None


def parse_split(text: str) -> tuple[int, int]:
    """``get_weights`` output: the first line, two integers ``X Y``."""
    words = text.strip().splitlines()[0].replace(",", " ").split() if text.strip() else []
    if len(words) != 2 or not all(w.isdigit() for w in words):
        raise ValueError(N_("expected 'X Y' (two integers), got {text}").format(text=repr(text.strip()[:80])))
    return int(words[0]), int(words[1])


async def run_shell(command: str, timeout: float, target: str, call: str) -> str:
    """Run one command line; stdout on exit 0, else Rejected/Timeout with one line."""
    try:
        proc = await asyncio.create_subprocess_shell(
            command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True
        )
    except OSError as exc:
        raise Unreachable(target, call, exc.strerror or str(exc)) from None
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        raise Timeout(target, call, N_("still running after {seconds}s (killed)").format(seconds=f"{timeout:g}")) from None
    if proc.returncode:
        lines = err.decode(errors="replace").strip().splitlines()
        raise Rejected(target, call, N_("exit {code}: {why}").format(code=proc.returncode, why=lines[-1].strip()) if lines
                       else N_("exit {code}").format(code=proc.returncode))
    return out.decode(errors="replace")


class CommandBalancer(Advises):
    """LoadBalancer port over two shell templates."""

    def __init__(self, spec: CommandLB, pools: Pools):
        self.spec = spec
        self.pools = pools
        self.target = "command load balancer"
        self.warnings: list[str] = []
        problems = [p for p in (check_template("load_balancer.set_weights", spec.set_weights, PLACEHOLDERS),
                                check_template("load_balancer.get_weights", spec.get_weights or "", set())) if p]
        if problems:
            key, _, message = problems[0].partition(": ")
            raise plan_problem(key, message)
        if not spec.get_weights:
            self.warnings.append(N_("command LB: no get_weights template: the applied split cannot be read back"))
        self._last: tuple[int, int] | None = None

    def render(self, x: int, y: int, healthy: frozenset[str]) -> str:
        hx = [n.lb_name for n in self.pools.x.nodes if n.name in healthy]
        hy = [n.lb_name for n in self.pools.y.nodes if n.name in healthy]
        for pool, share, up in (("X", x, hx), ("Y", y, hy)):
            if share > 0 and not up:
                raise Rejected(self.target, "set_weights", N_("pool {pool} has no healthy node for its {share} share").format(
                    pool=pool, share=f"{share}%"))
        return self.spec.set_weights.format(
            x=x, y=y, x_weight=x // max(len(hx), 1), y_weight=y // max(len(hy), 1),
            x_nodes=" ".join(shlex.quote(n) for n in hx), y_nodes=" ".join(shlex.quote(n) for n in hy),
        )

    async def set_weights(self, x: int, y: int, healthy: frozenset[str]) -> tuple[int, int]:
        await run_shell(self.render(x, y, healthy), self.spec.timeout, self.target, "set_weights")
        self._last = (x, y)
        if self.spec.get_weights:
            return await self.get_weights()
        return x, y

    async def get_weights(self) -> tuple[int, int]:
        if not self.spec.get_weights:
            if self._last is None:
                raise Rejected(self.target, "get_weights", N_("no get_weights template and no weights set yet"))
            return self._last
        out = await run_shell(self.spec.get_weights.format(), self.spec.timeout, self.target, "get_weights")
        try:
            return parse_split(out)
        except ValueError as exc:
            raise Rejected(self.target, "get_weights", str(exc)) from None

    async def retire(self, nodes: Sequence[Node]) -> None:
        """Nothing per node: the last step already sent 0% to X; stopping is the fleet's job."""
        return None
