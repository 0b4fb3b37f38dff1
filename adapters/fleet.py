"""Start and stop Kong nodes with the plan's ``provision`` shell templates (``{name}`` per node).

Without a template the nodes are taken as already deployed (the operator started Y by hand,
or X is left running for the operator to stop): starting then only waits for readiness.
"""

from __future__ import annotations

import asyncio
import shlex

from rollout.errors import Rejected, Timeout
from rollout.plan import Node, Plan

COMMAND_TIMEOUT_S = 300.0


class CommandFleet:
    def __init__(self, plan: Plan):
        self.plan = plan

    async def start(self, node: Node) -> None:
        template = self.plan.provision.start_y if node.name in self.plan.pools.y.names else None
        if template:
            await run_template(template, node, "start")

    async def stop(self, node: Node) -> None:
        template = self.plan.provision.stop_x if node.name in self.plan.pools.x.names else None
        if template:
            await run_template(template, node, "stop")


async def run_template(template: str, node: Node, call: str, timeout: float = COMMAND_TIMEOUT_S) -> str:
    """Run one shell template for a node; a failure names the node, the call, the exit code and stderr."""
    command = template.format(name=shlex.quote(node.name))
    proc = await asyncio.create_subprocess_shell(command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise Timeout(node.name, f"provision {call}", f"no exit after {timeout:.0f}s") from None
    if proc.returncode != 0:
        last = (err.decode(errors="replace").strip().splitlines() or [""])[-1]
        raise Rejected(node.name, f"provision {call}", f"exit {proc.returncode}: {last}")
    return out.decode(errors="replace")
