"""The command line in Japanese beyond validate (issue 14): adapters' errors, ``status``, ``runs``, the lab.

An adapter's error is one English line (``x1: GET /: rejected: HTTP 401 ...``): that line is the
fact the journal, ``--json`` and scripts keep. Where it is shown it is said again through the
catalog (rollout/phrasebook.py), the node and the call kept as they are. These tests run the
commands as an operator types them (``python -m tui.cli`` in a subprocess) against the lab's
Kong node emulator, one node asking for an Admin API token it is not given and one node whose
port nobody listens on, and check the Japanese sentence, the node, the call, and that no token
appears anywhere in the output.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from lab.emulator import NodeSpec, start_nodes
from rollout import i18n
from rollout.errors import JournalCorrupt, Rejected, Timeout, Unreachable
from rollout.journal import CHANGED
from rollout.phrasebook import say

from .test_status_runs import a_run_dir

ROOT = Path(__file__).resolve().parent.parent
SERVED_TOKEN = "emulated-admin-token-7f3a"  # what the node wants
SENT_TOKEN = "operator-typed-wrong-token-91c2"  # what the plan's environment variable holds


@pytest.fixture
def japanese():
    i18n.set_language("ja")
    yield
    i18n.set_language("en")


async def turnout(cwd, *argv: str, **env: str) -> tuple[int, str, str]:
    """The CLI in a subprocess, awaited so that the emulator in this event loop keeps answering."""
    clean = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES", "TURNOUT_LANG")}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tui.cli", *argv, cwd=cwd,
                                                env={**clean, "PYTHONPATH": str(ROOT), **env},
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, out.decode(), err.decode()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_kind_of_adapter_error_reads_back_with_its_node_and_call(japanese):
    said = {
        Unreachable("x1", "GET /status", "127.0.0.1:9: [Errno 111] Connection refused"):
            "x1: GET /status: 到達できません: 127.0.0.1:9: [Errno 111] Connection refused",
        Timeout("x1", "GET /status", "no answer within 5s (3 attempts)"): "x1: GET /status: タイムアウトしました: 5s 以内に応答がありません (3 回試行)",
        Rejected("haproxy /run/h.sock", "set weight", "pool Y has no healthy server for its 35% share"):
            "haproxy /run/h.sock: set weight: 拒否されました: プール Y には 35% の分を受ける正常なサーバーがありません",
        Rejected("x2", "GET /", "the answer is not JSON (is this a Kong port?)", status=200):
            "x2: GET /: 拒否されました: HTTP 200 応答が JSON ではありません (これは Kong のポートですか?)",
        Rejected("nginx lua http://127.0.0.1:8083/weights", "POST weights"):
            "nginx lua http://127.0.0.1:8083/weights: POST weights: 拒否されました",
        JournalCorrupt(".turnout/p/journal.jsonl", CHANGED, 4):
            ".turnout/p/journal.jsonl:4: チェックサムが一致しません (この行が変更されたか、それより前の行が削除・追加・並べ替えされました)",
    }
    for error, japanese_line in said.items():
        assert say(str(error)) == japanese_line, str(error)
    assert str(Unreachable("x1", "GET /status", "refused")) == "x1: GET /status: unreachable: refused", "the English fact unchanged"
    engine_line = f"SetWeights failed: {Timeout('haproxy /s', 'set weight', 'no reply within 5s')}"
    assert say(engine_line) == "SetWeights が失敗しました: haproxy /s: set weight: タイムアウトしました: 5s 以内に返答がありません"


async def test_preflight_says_a_refused_token_and_an_unreachable_node_in_japanese_and_never_the_token(tmp_path):
    cluster = await start_nodes([NodeSpec("x1", "3.4.2", admin_token=SERVED_TOKEN), NodeSpec("y1", "3.9.1")])
    x1, y1 = cluster["x1"].urls(), cluster["y1"].urls()
    dead = f"http://127.0.0.1:{closed_port()}"
    (tmp_path / "plan.yml").write_text(
        'turnout: 1\nname: p\nmode: dbless\n'
        f'pools:\n  x: {{version: "3.4.2", nodes: [{{name: x1, admin: "{x1["admin"]}", status: "{x1["status"]}"}}, '
        f'{{name: x2, admin: "{dead}", status: "{dead}"}}]}}\n'
        f'  y: {{version: "3.9.1", nodes: [{{name: y1, admin: "{y1["admin"]}", status: "{y1["status"]}"}}]}}\n'
        'admin_auth: {token_env: KONG_ADMIN_TOKEN}\ntimeouts: {request: 2s, retries: 0}\n'
        'load_balancer: {type: command, set_weights: "true"}\nmetrics: {source: kong}\nsteps: [{y: 10}, {y: 100}]\n')
    try:
        code, out, err = await turnout(tmp_path, "preflight", "plan.yml", "--lang", "ja", KONG_ADMIN_TOKEN=SENT_TOKEN)
        en_json = await turnout(tmp_path, "preflight", "plan.yml", "--json", "--lang", "en", KONG_ADMIN_TOKEN=SENT_TOKEN)
        ja_json = await turnout(tmp_path, "preflight", "plan.yml", "--json", "--lang", "ja", KONG_ADMIN_TOKEN=SENT_TOKEN)
    finally:
        await cluster.stop()
    assert code == 1, err
    refused = [line for line in out.splitlines() if "x1: GET /: 拒否されました: HTTP 401" in line]
    assert refused and "(Admin API が $KONG_ADMIN_TOKEN のトークン (Kong-Admin-Token で送信) を拒否しました)" in refused[0], out
    assert any("x2: GET /: 到達できません: 127.0.0.1:" in line for line in out.splitlines()), out
    for text in (out, err, en_json[1], en_json[2]):
        assert SENT_TOKEN not in text and SERVED_TOKEN not in text
    assert en_json[1] == ja_json[1], "--json is the English facts in every language"
    assert "x1: GET /: rejected: HTTP 401" in en_json[1]


async def test_status_and_runs_speak_japanese_and_their_json_is_the_same_bytes(tmp_path):
    await a_run_dir(tmp_path)
    code, status, _ = await turnout(tmp_path, "status", "--lang", "ja")
    assert code == 0
    assert status.startswith("fast plan: 完了、X 0% / Y 100%、直近のウィンドウ 合格 (") and " から (" in status, status
    code, runs, _ = await turnout(tmp_path, "runs", "--lang", "ja")
    header, archived, current = runs.splitlines()
    assert header.split() == ["実行", "ジャーナル", "開始", "(UTC)", "所要時間", "結果"]
    assert "保管済み" in archived and archived.rstrip().endswith("ロールバック済み")
    assert "現在" in current and current.rstrip().endswith("完了")
    for argv in (("status", "--json"), ("status", "fast.yml", "--json"), ("runs", "--json")):
        english, japanese_out = await turnout(tmp_path, *argv, "--lang", "en"), await turnout(tmp_path, *argv, "--lang", "ja")
        assert english == japanese_out, argv
        json.loads(english[1])
    code, _, err = await turnout(tmp_path, "status", "missing.yml", "--lang", "ja")
    assert code == 2 and err.strip() == "turnout status: missing.yml: そのプランファイルも実行ディレクトリもありません"


def test_lab_status_speaks_japanese_with_its_columns_straight_by_cell_width(japanese):
    from rich.cells import cell_len

    from lab.status import describe

    state = SimpleNamespace(lab_id="ab12", dir="lab", frontend="http://127.0.0.1:9000", plan="lab/plan.yml",
                            x=["x1"], y=["y1"], pool_of=lambda n: n[0])
    status = {"running": False, "processes": {"haproxy": {"pid": 123, "alive": True}, "emulator": {"pid": 124, "alive": False}},
              "weights_error": "haproxy /tmp/s: show stat: unreachable: No such file or directory",
              "nodes": {"x1": {"requests": 1200, "errors": 3, "faults": {}}, "y1": {"requests": 0, "errors": 0, "faults": {"crash": True}}},
              "traffic": {"rps": 50.0, "sent": 100, "failed": 0}}
    lines = describe(state, status)
    text = "\n".join(lines)
    assert lines[0] == "ラボ ab12 (lab/): 停止しているものがあります"
    assert "haproxy /tmp/s: show stat: 到達できません: No such file or directory" in text
    assert "障害なし" in text and "crash=True" in text
    head, x1 = lines.index("  ノード  プール  重み  リクエスト  5xx  障害"), lines.index("  x1      x       -           1200    3  障害なし")
    assert x1 == head + 1, "the node table's columns line up under Japanese headers (widths in cells)"
    texts = {"フロントエンド": "http://127.0.0.1:9000/echo", "haproxy": "重みを読めません: ", "トラフィック": "50 rps を送信中"}
    starts = {cell_len(line[:line.index(texts[label])]) for line in lines for label in texts if line.startswith(label)}
    assert starts == {16}, "every labelled line's text starts in one column, counted in cells"


def test_a_command_line_inside_a_sentence_is_shown_as_typed(japanese):
    """``{nodes} run {planned}`` (a preflight check's evidence) must not read ``turnout run p.yml``."""
    refused = ("turnout: .turnout/p/journal.jsonl: cannot read (Permission denied); "
               "traffic goes back to X without it: turnout run plan.yml --rollback")
    assert say(refused) == ("turnout: .turnout/p/journal.jsonl: 読めません (Permission denied)。"
                            "それがなくてもトラフィックは X に戻せます: turnout run plan.yml --rollback")
    held = "held: step 2 waits for approval. Go on with: turnout run p.yml --resume (or --rollback)"
    assert say(held) == "中断中: ステップ 2 が承認待ちです。続けるには: turnout run p.yml --resume (または --rollback)"
    assert say("x1, x2 run 3.4.2") == "x1, x2 が 3.4.2 で稼働", "the template still reads its own sentences"
    typed = "a lab already runs in lab (haproxy pid 7): `turnout lab down --dir lab` first"
    assert say(typed) == "lab ではすでにラボが動いています (haproxy pid 7)。先に `turnout lab down --dir lab` を実行してください", \
        "a command's argument is typed, even where it is a word the catalog knows"
