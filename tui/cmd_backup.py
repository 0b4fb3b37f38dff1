"""``turnout backup PLAN``: take and verify the backup of X's declarative config, alone.

The same step the engine runs after the freeze: one backup per distinct configuration_hash,
written 0600 with its sha256, parsed as YAML, its entities counted. Exit 0 when every backup
was taken and verified, 1 when a node failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import json

from rollout.i18n import _
from rollout.phrasebook import say

from .plan_input import add_env_file_flag, fill_env_or_report, load_or_report


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="back up and verify X's declarative config (kong.yml)")
    p.add_argument("plan", metavar="PLAN")
    p.add_argument("--json", action="store_true")
    add_env_file_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from rollout import events as ev

    plan = load_or_report(args.plan)
    if plan is None or not fill_env_or_report(plan, args.plan, args.env_file):
        return 2
    answer = asyncio.run(_backup(plan))
    if isinstance(answer, ev.CommandFailed):
        print(json.dumps({"ok": False, "error": answer.error}) if args.json else _("backup failed: {error}").format(
            error=say(answer.error)))
        return 1
    records = [{"node": b.node, "path": b.path, "sha256": b.sha256, "config_hash": b.config_hash, "entities": b.entities}
               for b in answer.backups]
    if args.json:
        print(json.dumps({"ok": True, "backups": records}, indent=2))
    else:
        for r in records:
            print(_("{node}: {path} (mode 0600) sha256 {sha256} hash {config_hash} {entities} entities").format(
                node=r["node"], path=r["path"], sha256=r["sha256"], config_hash=r["config_hash"], entities=r["entities"]))
    return 0


async def _backup(plan):
    from adapters.world import build_world
    from rollout import commands as cmd
    from rollout.execute import execute

    world = build_world(plan, ".", traffic=False)
    return await execute(cmd.BackupConfig(), world)
