"""The gates' evidence, the rehearsal's world notes, the Monte Carlo card and the progress bars in
Japanese (issue 14), as an operator sees them: a rehearsal run as a subprocess under a Japanese
locale, its headless log and Markdown report, the card on the terminal and in a report; the
English facts (``--json``, the journal) unchanged byte for byte.
"""

from __future__ import annotations

import io
import re

import pytest

from rollout import i18n
from rollout.phrasebook import say

from .test_i18n_cli import cli

# English words of the gates' evidence that no Japanese line may keep
ENGLISH_EVIDENCE = re.compile(r"\b(binomial|Fisher|ln LR|step \d|history|worse than|over \d+ req|node y\d|Y avg)\b")


@pytest.fixture(scope="module")
def rollback(tmp_path_factory) -> dict[str, str]:
    """A rehearsed rollback (one Y node failing) under a Japanese locale: headless log and Markdown report."""
    report = tmp_path_factory.mktemp("ja-gates") / "rollback.md"
    done = cli("rehearse", "plans/demo.yml", "--scenario", "plans/scenarios/error_rate.yml", "--seed", "3", "--headless",
               "--report", str(report), LANG="ja_JP.UTF-8")
    assert done.returncode == 1, done.stderr[-800:]
    return {"log": done.stdout, "md": report.read_text()}


def test_the_headless_log_says_each_gates_evidence_in_japanese(rollback):
    log = rollback["log"]
    failed = next(line for line in log.splitlines() if "ウィンドウ 240s-300s" in line)
    assert "error_rate 不合格 (Y 3.33% > 最大 1.00% (二項検定 p=4e-244)、クラスターX 0.05% より悪化 (フィッシャーの正確確率検定 p=0)。" \
           "Y のステップ累計 1.17% vs X 0.05% (95797 件)、対数尤度比 1166.9 >= 11.5。" \
           "クラスターXの履歴 (率 <= 0.064%) と比較: 対数尤度比 2177.3 >= 8.8)" in failed
    assert "error_rate_node 不合格 (ノード y2 のステップ累計 3.39% vs X 0.05% (31882 件)" in failed
    assert "latency_p99_ms 合格 (Y 平均 21ms vs X 21ms)" in failed
    passing = next(line for line in log.splitlines() if "ウィンドウ 0s-60s" in line)
    assert "対数尤度比 -3.3 < 7.4" in passing and "最も悪いノード y1 0.05%" in passing
    leftovers = [line for line in log.splitlines() if ENGLISH_EVIDENCE.search(line)]
    assert not leftovers, leftovers


def test_the_markdown_report_says_why_the_run_stopped_in_japanese(rollback):
    assert rollback["md"].splitlines()[2].startswith("**y2 error rate from 4m でのリハーサルは"), "a name is not capitalised"
    stopped = next(line for line in rollback["md"].splitlines() if line.startswith("| 終了 | ロールバック済み |"))
    assert "(二項検定 p=4e-244)" in stopped and "ノード y2 のステップ累計" in stopped and "対数尤度比" in stopped
    assert not ENGLISH_EVIDENCE.search(stopped), stopped


def test_the_gates_evidence_stays_english_in_the_json():
    argv = ("rehearse", "plans/demo.yml", "--scenario", "plans/scenarios/error_rate.yml", "--seed", "3", "--json")
    english, japanese = cli(*argv, TURNOUT_LANG="en"), cli(*argv, TURNOUT_LANG="ja")
    assert english.stdout == japanese.stdout
    assert "Y 3.33% > max 1.00% (binomial p=4e-244), worse than X 0.05% (Fisher p=0); Y step 1.17% vs X 0.05% over 95797 req, " \
           "ln LR 1166.9 >= 11.5; vs X's history (rate <= 0.064%): ln LR 2177.3 >= 8.8" in english.stdout


def test_the_worlds_notes_are_japanese():
    crash = cli("rehearse", "plans/demo.yml", "--scenario", "plans/scenarios/crash.yml", "--headless", "--lang", "ja").stdout
    assert "y2 がクラッシュしました" in crash
    assert crash.splitlines()[0] == "demo 3.4 to 3.9 (y2 crashes at 6m) のリハーサル"
    write = cli("rehearse", "plans/demo.yml", "--scenario", "plans/scenarios/config_write.yml", "--headless", "--lang", "ja").stdout
    assert "誰かが x1 に構成を書き込みました (POST /config)" in write
    assert "ヘッドレスのリハーサルは誰も再開できないので、ここで中断して終わります" in write


@pytest.fixture(scope="module")
def cards(tmp_path_factory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("ja-card")
    argv = ("rehearse", "plans/demo.yml", "--scenario", "plans/scenarios/error_rate.yml", "--runs", "20")
    return {"ja": cli(*argv, "--report", str(out / "card.md"), LANG="ja_JP.UTF-8"), "md": out / "card.md",
            "json_en": cli(*argv, "--json", TURNOUT_LANG="en"), "json_ja": cli(*argv, "--json", TURNOUT_LANG="ja")}


def test_the_monte_carlo_card_is_japanese_and_its_json_the_same_bytes(cards):
    card = cards["ja"].stdout.splitlines()
    assert card[0] == "demo 3.4 to 3.9 (y2 error rate from 4m) の成績表 (20 回、シード 0)"
    assert card[2].startswith("  検知率 (p_detect): 100.0% (95% 信頼区間 83.9%-100.0%)")
    assert cards["json_en"].stdout == cards["json_ja"].stdout and '"p_detect": 1.0' in cards["json_en"].stdout
    md = cards["md"].read_text()
    for heading in ("### 成績表", "### 1 回あたりの影響範囲", "### 各ステップでの検知", "### 抽選した障害の値 (最初の 20 回)"):
        assert heading in md
    assert "| 実行回数 | 20 |" in md and "| 検知率 (p_detect) | 100.0% |" in md and "| 基準の率を超えた失敗 |" in md
    assert "Report card" not in md and "| runs |" not in md


def test_a_progress_line_is_japanese(monkeypatch):
    """The Monte Carlo's bar as a terminal shows it: rich's Progress, its words from the catalog."""
    import rich.console

    from tui import progress

    screen = io.StringIO()
    terminal = rich.console.Console
    monkeypatch.setattr(rich.console, "Console", lambda **_kw: terminal(file=screen, force_terminal=True, width=120))
    i18n.set_language("ja")
    try:
        with progress.run_progress(4, i18n._("rehearsing {plan}").format(plan="demo"), True) as advance:
            for _run in range(4):
                advance()
    finally:
        i18n.set_language("en")
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "demo をリハーサル中" in shown and "4/4" in shown and "残り" in shown


@pytest.fixture
def japanese():
    i18n.set_language("ja")
    yield
    i18n.set_language("en")


@pytest.mark.parametrize(("english", "japanese_text"), [
    ("node y1 step 1.20% vs its Y peers 0.10% over 580 req, ln LR 5.3 < 7.4; Fisher p=0.0002 < 0.00023 (window 2 of 2)",
     "ノード y1 のステップ累計 1.20% vs Yの他のノード 0.10% (580 件)、対数尤度比 5.3 < 7.4。"
     "フィッシャーの正確確率検定 p=0.0002 < 0.00023 (ウィンドウ 2/2)"),
    ("Y avg 31ms > 1.3x X 21ms and +9ms > 5ms", "Y 平均 31ms > X 21ms の 1.3 倍、かつ +9ms > 5ms"),
    ("X breaks it too: Y 3.00% > max 1.00% (binomial p=1e-09), X 2.90%",
     "クラスターXも超えています: Y 3.00% > 最大 1.00% (二項検定 p=1e-09)、X 2.90%"),
    ("dry run: max 1.00%, Y-X <= 0.50%", "ドライラン: 最大 1.00%、Y-X <= 0.50%"),
    ("failed on the step's evidence (error_rate, error_rate_node) at 50% on Y",  # the procedure panel's headline
     "クラスターYへ 50% の時点でこのステップの証拠で不合格 (error_rate, error_rate_node)"),
    ("binomial vs max, p < 0.0017 per window; SPRT vs X over the step (errors' split, k 2-256): ln LR >= 7.4 and Y-X > 0.25%",
     "最大に対する二項検定、ウィンドウごとに p < 0.0017。ステップ全体でクラスターXと比べる逐次確率比検定 (SPRT、エラーの分かれ方、"
     "k 2-256): 対数尤度比 (ln LR) >= 7.4、かつ Y-X > 0.25%"),
])
def test_say_reads_the_gates_evidence(japanese, english, japanese_text):
    assert say(english) == japanese_text


def test_a_value_is_read_whole_within_its_parentheses(japanese):
    """``; `` joins a window's gates and a gate's tests alike: a value never ends inside a gate's parentheses."""
    window = ("window fail: Y 900 req, X 2700 req; error_rate fail (Y step 2.00% vs X 0.10% over 900 req, ln LR 9.0 >= 7.4; "
              "vs X's history (rate <= 0.120%): ln LR 9.5 >= 8.8); error_rate_node fail (node y2 step 5.00% vs X 0.10% over 300 req, "
              "ln LR 9.9 >= 7.4); latency_p99_ms pass (Y avg 20ms vs X 20ms)")
    assert say(window) == ("判定 不合格: クラスターY 900 件、クラスターX 2700 件。error_rate 不合格 (Y のステップ累計 2.00% vs X 0.10% (900 件)、"
                           "対数尤度比 9.0 >= 7.4。クラスターXの履歴 (率 <= 0.120%) と比較: 対数尤度比 9.5 >= 8.8)。"
                           "error_rate_node 不合格 (ノード y2 のステップ累計 5.00% vs X 0.10% (300 件)、対数尤度比 9.9 >= 7.4)。"
                           "latency_p99_ms 合格 (Y 平均 20ms vs X 20ms)")


def test_a_free_text_with_a_stray_parenthesis_is_still_read(japanese):
    """A value no template built (an error body cut short) may leave a parenthesis open: the
    sentence around it is still read, only not in preference to a reading that keeps values whole."""
    assert say("rolling back: Kong said (truncated") == "ロールバック中: Kong said (truncated"
