"""What is left to do by hand after a rollback, read from the run's state (never guessed).

A rollback sends every request back to X and stops there: Y stays deployed, and the config
freeze Turnout took is not lifted (lifting it is a step of the forward procedure, which did not
finish). The operator has to know both, and where the evidence is: the preflight's lint and
the verified backup. The cockpit shows these lines once the run has rolled back; the exit
summary prints them. The lines are worded when they are shown, in the current language.
"""

from __future__ import annotations

from rollout.i18n import _, ngettext
from rollout.phases import Phase
from rollout.snapshot import Snapshot


def _reached(snap: Snapshot, phase: str) -> bool:
    """The procedure got past ``phase`` before the run stopped (its mark is done)."""
    return any(item.phase == phase and item.mark == "done" for item in snap.procedure)


def freeze_state(snap: Snapshot, short: bool = False) -> str:
    """Whether config writes are frozen now: the words the cockpit and the exit summary use
    (``short``: without the leading "config", for the procedure panel's unfreeze line)."""
    if snap.frozen:
        return _("writes still frozen") if short else _("config writes still frozen")
    if _reached(snap, "unfreeze"):
        return _("writes no longer frozen (freeze lifted)") if short else _("config writes no longer frozen (freeze lifted)")
    return _("writes were never frozen") if short else _("config writes were never frozen")


def next_steps(snap: Snapshot) -> list[str]:
    """The operator's to-do list after a rollback, a short line each (empty for any other state)."""
    if snap.phase != Phase.ROLLED_BACK:
        return []
    steps = []
    if _reached(snap, "deploy_y"):
        steps.append(_("Y {version} still deployed on {nodes} (0% traffic)").format(
            version=snap.y_version, nodes=", ".join(p.node for p in snap.y_nodes)))
    steps.append(_("config writes still frozen: lift the freeze when ready") if snap.frozen else freeze_state(snap))
    findings = [r for r in snap.preflight if r.status != "pass"]
    if findings:
        steps.append(ngettext("look at the lint: {n} preflight finding ({names})",
                              "look at the lint: {n} preflight findings ({names})", len(findings)).format(n=len(findings), names=", ".join(r.name for r in findings[:3])))
    steps += [_("backup of {node}: {path}").format(node=b.node, path=b.path) for b in snap.backups[:2]]
    return steps
