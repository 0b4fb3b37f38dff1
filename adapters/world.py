"""Build the live world for a plan: the real adapter behind each port."""

from __future__ import annotations

import os

from rollout.env_refs import env_names
from rollout.errors import AdapterError
from rollout.plan import Plan
from rollout.ports import Advises, World

from .fleet import CommandFleet
from .kong import KongAdmin, KongControlPlane
from .konnect import KonnectControlPlane
from .konnect_backup import KonnectConfigBackup
from .lb import build_load_balancer
from .live import AsyncioRuntime
from .metrics import build_metrics


class NoLoadBalancer:
    """Stands in for the LB and metrics in commands that must not touch traffic (preflight, backup)."""

    def __getattr__(self, name: str):
        async def refuse(*args, **kwargs):
            raise AdapterError("load balancer", name, "not used by this command")
        return refuse


def build_world(plan: Plan, run_dir: str, traffic: bool = True, backup_taken: str = "") -> World:
    """``traffic=False`` builds a world that can read Kong but cannot move traffic.
    Every LB adapter and metrics source advises (rollout.ports.Advises): both are the advisers.
    ``backup_taken``: how the operator confirmed a Konnect backup taken by hand (adapters/konnect_backup.py)."""
    if traffic:
        lb = build_load_balancer(plan)
        metrics = build_metrics(plan, lb)
        advisers: tuple[Advises, ...] = (lb, metrics)
    else:
        lb = metrics = NoLoadBalancer()
        advisers = ()
    control_plane, config_backup = _control_plane(plan, backup_taken)
    return World(
        plan=plan,
        runtime=AsyncioRuntime(),
        kong=KongAdmin(plan),
        lb=lb,
        metrics=metrics,
        fleet=CommandFleet(plan),
        control_plane=control_plane,
        run_dir=run_dir,
        advisers=advisers,
        config_backup=config_backup,
    )


def _control_plane(plan: Plan, backup_taken: str) -> tuple[KongControlPlane | KonnectControlPlane | None, KonnectConfigBackup | None]:
    """Hybrid: the CP's Admin API. Konnect: Konnect's API, which also backs up the config (it is not on the DPs)."""
    if plan.mode == "konnect" and plan.konnect:
        konnect = KonnectControlPlane(plan)
        return konnect, KonnectConfigBackup(plan, konnect, backup_taken)
    if plan.mode == "hybrid" and plan.control_plane:
        return KongControlPlane(plan), None
    return None, None


def plan_secrets(plan: Plan) -> list[str]:
    """Values that must never be written anywhere: the admin and Konnect tokens and every ${env:...} smoke value."""
    names = [plan.admin_auth.token_env] if plan.admin_auth else []
    names += [plan.konnect.token_env] if plan.konnect else []
    for check in plan.smoke:
        request = check.request  # the Kong adapter substitutes references in all three
        for text in (request.path, request.body or "", *request.headers.values()):
            names += env_names(text)
    return [os.environ[n] for n in names if os.environ.get(n)]
