"""How a preflight check states its evidence: one ``CheckResult`` per finding, one line per node. Pure.

Every result carries the node, the value seen and the value expected, and the public source it
rests on, so an operator can argue with the evidence, not with the tool.
"""

from __future__ import annotations

from ..i18n import N_
from ..observations import CheckResult, CheckStatus, NodeInfo

# (node, status, why, seen, expected): one node's outcome of one check
Outcome = tuple[NodeInfo, CheckStatus, str, str, str]


def result(name: str, status: CheckStatus, evidence: str, source: str, node: str = "", seen: str = "",
           expected: str = "") -> CheckResult:
    return CheckResult(name, status, evidence, node=node, seen=seen, expected=expected, source=source)


def per_node(name: str, outcomes: list[Outcome], source: str, summary: str) -> list[CheckResult]:
    """Failures and warnings one line per node; all good is one line for the pool."""
    bad = [result(name, status, N_("{node}: {why}").format(node=info.node, why=why), source, info.node, seen, expected)
           for info, status, why, seen, expected in outcomes if status != "pass"]
    return bad or [result(name, "pass", summary, source)]


def without_node(info: NodeInfo) -> str:
    """Adapter errors already start with the node's name; per_node puts it in front once."""
    return info.error.removeprefix(f"{info.node}: ")
