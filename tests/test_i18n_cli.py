"""The command line in Japanese (issue 14): validate's explanations, with the prefix and English kept.

``turnout validate`` is run as an operator runs it (a subprocess, the language from the locale),
because what must hold is what the terminal shows: the ``PLAN:LINE: key.path:`` prefix byte for
byte, the explanation after it in Japanese, and English back with ``TURNOUT_LANG=en``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rollout import i18n
from rollout.phrasebook import compile_pattern, say

ROOT = Path(__file__).resolve().parent.parent
BAD = """\
turnout: 1
name: demo
mode: hybrid
pools:
  x: {version: "3.4", nodes: [{name: a}]}
  y: {version: "3.10", nodes: [{name: a}]}
load_balancer: {type: haproxy, socket: /tmp/s, backend: "b e"}
steps:
  - {y: 150}
  - {y: 10, bake: 1ms}
gates: {window: .nan, min_requests: "2"}
extra: 1
rollback: {retry: 1ms}
"""
JAPANESE = {  # each explanation as the Japanese catalog says it
    "7: load_balancer.backend": "HAProxy の名前に使えるのは英字・数字と . _ : - です (値: 'b e')",
    "9: steps.0.y": "100 以下にしてください (値: 150)",
    "13: rollback.retry": "1s 以上にしてください。短すぎるとその間隔で回るループが空回りします (値: 1ms)",
    "11: gates.window": "有限の時間にしてください (.nan は使えません)",
    "11: gates.min_requests": "整数にしてください (値: '2')",
    "12: extra": "不明なキーです",
}


def cli(*argv: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES", "TURNOUT_LANG")}
    return subprocess.run([sys.executable, "-m", "tui.cli", *argv], cwd=ROOT, capture_output=True, text=True,
                          env={**clean, **env}, timeout=60)


@pytest.fixture
def bad(tmp_path) -> str:
    path = tmp_path / "BAD.yml"
    path.write_text(BAD)
    return str(path)


def split(out: str, path: str) -> dict[str, str]:
    """``{"LINE: key.path": explanation}``, asserting every line starts with ``PATH:``."""
    lines = {}
    for line in out.splitlines():
        assert line.startswith(f"{path}:"), line
        where, _, explanation = line[len(path) + 1:].partition(": ")
        key, _, explanation = explanation.partition(": ")
        lines[f"{where}: {key}"] = explanation
    return lines


def test_validate_explains_in_japanese_under_a_japanese_locale_after_the_unchanged_prefix(bad):
    english = cli("validate", bad)
    japanese = cli("validate", bad, LANG="ja_JP.UTF-8")
    assert english.returncode == japanese.returncode == 2
    en, ja = split(english.stdout, bad), split(japanese.stdout, bad)
    assert list(en) == list(ja), "the same problems at the same lines and key paths, in the same order"
    for where, explanation in JAPANESE.items():
        assert ja[where] == explanation, where
    assert en["9: steps.0.y"] == "input should be less than or equal to 100 (got 150)"


def test_turnout_lang_en_brings_english_back_under_a_japanese_locale(bad):
    english = cli("validate", bad)
    again = cli("validate", bad, LANG="ja_JP.UTF-8", TURNOUT_LANG="en")
    assert again.stdout == english.stdout and again.returncode == 2
    assert "unknown key" in again.stdout


def test_lang_flag_and_the_valid_plan_summary():
    out = cli("validate", "--lang", "ja", "plans/demo.yml")
    assert out.returncode == 0
    assert out.stdout.startswith("plans/demo.yml: ok: ") and "クラスターX" in out.stdout and "ノード" in out.stdout


def test_hostile_input_is_refused_in_japanese(tmp_path):
    path = tmp_path / "anchors.yml"
    path.write_text("a: &x 1\nb: *x\n")
    out = cli("validate", str(path), TURNOUT_LANG="ja")
    assert out.stdout.strip() == f"{path}:1: プランでは YAML のアンカーとエイリアス (&name, *name) は使えません。値をそのまま書いてください"


@pytest.fixture
def japanese():
    i18n.set_language("ja")
    yield
    i18n.set_language("en")


def test_say_is_the_identity_in_english():
    assert i18n.current_language() == "en"
    assert say("unknown key") == "unknown key"


def test_say_reads_nested_templates_and_leaves_unknown_text_alone(japanese):
    assert say("got 'x'; input should be 'a' or 'b'") == "値は 'x' です。次のいずれかにしてください: 'a' or 'b'"
    assert say("something no catalog holds") == "something no catalog holds"
    assert say("") == ""


def test_a_template_of_bare_placeholders_is_no_pattern():
    assert compile_pattern("{a}{b}", "{b}{a}") is None
    assert compile_pattern("unknown key", "不明なキーです") is None  # no placeholder: looked up exactly
    assert compile_pattern("cannot read: {reason}", "読めません: {reason}").regex.fullmatch("cannot read: x y")


@pytest.fixture
def english_after():
    """``main`` sets the process-wide language; the next test starts in English again."""
    yield
    i18n.set_language("en")


@pytest.fixture
def kong_28(tmp_path):
    from .preflight_samples import sample

    path = tmp_path / "kong.yml"
    path.write_text(sample("deck-convert-input-2.8.yaml"))
    return str(path)


def run_main(argv: list[str], capsys) -> tuple[int, str]:
    from tui.cli import main

    code = main(argv)
    return code, capsys.readouterr().out


def test_lint_speaks_japanese_and_its_json_is_the_same_bytes(kong_28, capsys, english_after):
    argv = ["lint", kong_28, "--from", "2.8", "--to", "3.4"]
    assert run_main(argv + ["--json", "--lang", "en"], capsys) == run_main(argv + ["--json", "--lang", "ja"], capsys)
    code, out = run_main(argv + ["--lang", "ja"], capsys)
    assert code == 1
    assert f"{kong_28}:10: 警告: サービス svc1 のルート r1: パス '/status/\\d+' は正規表現です。" in out
    assert "2.8 -> 3.4 の指摘 3 件 (エラー 0 件、警告 3 件、--fix で修正可 3 件)" in out
    assert f"{kong_28}:1: 警告: ファイル: この 1.1 のファイルはクラスターXのノード (2.8) とロールバック用に残してください" in out


def test_preflight_speaks_japanese_and_its_json_is_the_same_bytes(tmp_path, monkeypatch, capsys, english_after):
    from tui import cmd_preflight

    from .preflight_samples import infos_for, sample, sample_world

    def build(plan, scratch):
        return sample_world(plan, infos_for(plan, "2.8", "3.4"), kong_yml=sample("deck-convert-input-2.8.yaml"), run_dir=scratch)

    monkeypatch.setattr(cmd_preflight, "build_live_world", build)
    path = tmp_path / "plan.yml"
    path.write_text('turnout: 1\nname: p\nmode: dbless\npools:\n  x: {version: "2.8.5", nodes: [{name: x1}, {name: x2}]}\n'
                    '  y: {version: "3.4.2", nodes: [{name: y1}]}\nload_balancer: {type: haproxy, socket: /nonexistent.sock, '
                    'backend: kong}\nsteps: [{y: 10}, {y: 100}]\n')
    argv = ["preflight", str(path)]
    assert run_main(argv + ["--json", "--lang", "en"], capsys) == run_main(argv + ["--json", "--lang", "ja"], capsys)
    code, out = run_main(argv + ["--lang", "ja"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"事前チェック {path}: 合格 ")
    assert "アップグレードパス: 2.8.5 -> 3.4.2 は LTS から LTS へのアップグレードです。" in out
    assert "容量: クラスターYは 1 ノード、クラスターXは 2 ノードです。クラスターXと同じ容量でクラスターYをデプロイしてください。" \
           "ピークは未確認です (容量の目安なし)" in out
    assert "構成の lint: x1 の構成 1 行目: ファイル: この 1.1 のファイル" in out
    assert "根拠: " in out
    untranslated = [line for line in lines if " is " in line or " the " in line]
    assert not untranslated, untranslated


@pytest.fixture(scope="module")
def japanese_rollback(tmp_path_factory) -> dict[str, object]:
    """A rehearsed rollback (the demo plan, one Y node failing) under a Japanese locale: its
    headless log on stdout and its report as Markdown and HTML."""
    out = tmp_path_factory.mktemp("ja-reports")
    made: dict[str, object] = {}
    for fmt in ("md", "html"):
        path = out / f"rollback.{fmt}"
        done = cli("rehearse", "plans/demo.yml", "--scenario", "plans/scenarios/error_rate.yml", "--seed", "3", "--headless",
                   "--report", str(path), LANG="ja_JP.UTF-8")
        assert done.returncode == 1, done.stderr[-800:]
        made[fmt], made["log"] = path, done.stdout
    return made


def test_the_headless_log_of_a_rehearsed_rollback_is_japanese(japanese_rollback):
    from rich.cells import cell_len

    log = str(japanese_rollback["log"]).splitlines()
    assert log[0].endswith("のリハーサル")
    assert any("ロールバック中" in line and "ロールバック中: " in line for line in log), "the rollback's reason, said"
    assert any(line.startswith("結果: 模擬時間 ") and line.endswith("でロールバック済み") for line in log)
    assert any("ステージングテスト: 6/6 合格" in line for line in log)
    found = [re.search(r" Y *\d+%  ", line) for line in log]
    columns = {cell_len(line[:m.start()]) for line, m in zip(log, found) if m}
    assert len(columns) == 1, "the Y column starts at the same cell on every line, whatever the phase's width"


def test_the_markdown_report_of_a_rehearsed_rollback_is_japanese(japanese_rollback):
    md = japanese_rollback["md"].read_text()
    lines = md.splitlines()
    assert lines[0].endswith("でのリハーサル")
    assert "はロールバックしました。" in lines[2] and "が止めました" in lines[2]
    for heading in ("### 実行", "### ステップ", "### ゲート", "### ウィンドウ", "### 実行を止めたもの", "### タイムライン"):
        assert heading in md
    assert "| 環境 | リハーサル |" in md and "| 結果 | ロールバック済み |" in md
    assert "宣言型構成 (kong.yml) のバックアップを検証しました: x1 sha256" in md
    assert "| 不合格 |" in md


def test_the_html_report_renders_in_japanese_in_headless_chromium(japanese_rollback, tmp_path):
    from tests.report_support import charts_in, render

    html = japanese_rollback["html"].read_text()
    assert '<html lang="ja">' in html
    dom, _shot = render(tmp_path, japanese_rollback["html"])
    assert charts_in(dom) >= 3 and "実行を止めたもの" in dom and "タイムライン" in dom


def test_a_rehearsals_json_is_the_same_bytes_in_either_language():
    """The run record's timeline and reasons are English facts: --json never changes with the language."""
    argv = ("rehearse", "plans/demo.yml", "--scenario", "plans/scenarios/error_rate.yml", "--json")
    english, japanese = cli(*argv, TURNOUT_LANG="en"), cli(*argv, TURNOUT_LANG="ja")
    assert english.returncode == japanese.returncode == 1
    assert english.stdout == japanese.stdout and "rolling back: " in english.stdout
