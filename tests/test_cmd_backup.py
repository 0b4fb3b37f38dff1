"""``turnout backup PLAN`` against the Kong node emulator (3.4 nodes, DB-less)."""

import json
import os
import stat

import yaml

from lab.emulator import NodeSpec, start_nodes
from tui.cli import main


async def test_backup_command_writes_verified_private_backups(tmp_path, capsys, monkeypatch):
    cluster = await start_nodes([NodeSpec("x1", "3.4.2", api_key="k-123456"), NodeSpec("x2", "3.4.2", api_key="k-123456"),
                                 NodeSpec("y1", "3.9.1", api_key="k-123456")])
    try:
        def node(name):
            u = cluster[name].urls()
            return {"name": name, "admin": u["admin"], "status": u.get("status"), "proxy": u.get("proxy")}
        plan = {"turnout": 1, "name": "backup test", "mode": "dbless",
                "pools": {"x": {"version": "3.4.2", "nodes": [node("x1"), node("x2")]}, "y": {"version": "3.9.1", "nodes": [node("y1")]}},
                "load_balancer": {"type": "sim"}, "backup": {"dir": str(tmp_path / "backups")}, "steps": [{"y": 100}]}
        path = tmp_path / "plan.yml"
        path.write_text(yaml.safe_dump(plan))
        import asyncio
        code = await asyncio.to_thread(main, ["backup", str(path), "--json"])
        out = json.loads(capsys.readouterr().out)
    finally:
        await cluster.stop()
    assert code == 0 and out["ok"]
    # x1 and x2 were fed the same bytes, so one backup stands for both (equal configuration_hash).
    assert len(out["backups"]) == 1
    record = out["backups"][0]
    assert stat.S_IMODE(os.stat(record["path"]).st_mode) == 0o600
    assert record["entities"] > 0 and len(record["sha256"]) == 64 and len(record["config_hash"]) == 32
    assert "k-123456" not in json.dumps(out)


def test_backup_command_bad_plan_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.yml"
    bad.write_text("turnout: 1\n")
    assert main(["backup", str(bad)]) == 2
    assert "bad.yml:1: name: missing" in capsys.readouterr().err
