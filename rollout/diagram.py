"""Draw the phase transition table as a Mermaid state diagram: ``python -m rollout.diagram``."""

from __future__ import annotations

from .phases import FORWARD, TRANSITIONS, Phase


def mermaid() -> str:
    lines = ["stateDiagram-v2", "    [*] --> new"]
    edges: dict[tuple[str, str], list[str]] = {}
    for phase, rows in TRANSITIONS.items():
        for event, targets in rows.items():
            for target in targets:
                if target != phase:
                    edges.setdefault((phase.value, target.value), []).append(event.__name__)
    for (src, dst), names in sorted(edges.items()):
        # The operator's and the world's global edges would bury the procedure: summarise them.
        if dst in ("paused", "rolling_back", "halted") and src in {p.value for p in FORWARD}:
            continue
        lines.append(f"    {src} --> {dst}: {', '.join(sorted(set(names)))}")
    lines.append("    note right of shift: from every forward phase: RollbackRequested -> rolling_back,")
    lines.append("        PauseRequested / CommandFailed / NodesProbed(hash changed) -> paused, HaltRequested -> halted")
    for terminal in (Phase.DONE, Phase.ROLLED_BACK, Phase.HALTED):
        lines.append(f"    {terminal.value} --> [*]")
    return "\n".join(lines)


def document() -> str:
    return (
        "# Rollout state diagram\n\n"
        "Generated from `rollout/phases.py` by `python -m rollout.diagram > docs/state-diagram.md`;"
        " a test fails when it is stale.\n\n```mermaid\n" + mermaid() + "\n```\n"
    )


if __name__ == "__main__":
    print(document(), end="")
