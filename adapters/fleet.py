"""Start and stop Kong nodes with the plan's ``provision`` shell templates (``{name}`` per node).

Without a template the nodes are taken as already deployed (the operator started Y by hand,
or X is left running for the operator to stop): starting then only waits for readiness.
"""

from __future__ import annotations

import shlex

from rollout.plan import Node, Plan

from .command import run_shell

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
    """Run one shell template for a node; a failure names the node, the call, the exit code and stderr
    (the same runner as the command load balancer: a hanging command is killed with its process group)."""
    command = template.format(name=shlex.quote(node.name))
    return await run_shell(command, timeout, node.name, f"provision {call}")
