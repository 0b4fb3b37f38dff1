"""``turnout tune`` in Japanese (issue 14): the table, its lines and the best-so-far of the bar.

The tune is tests/test_tune.py's small one (5 candidates, 9 runs, a few seconds), run as an operator
runs it (``--lang ja``), because what must hold is what the terminal shows: the headers and lines in
Japanese, the columns aligned by display width (a Japanese character takes two cells), the plan keys
and values of a candidate as written, and ``--json`` and the ``--write`` plan the same bytes in both
languages (scripts read them).
"""

from __future__ import annotations

import io
import re

import pytest
from rich.cells import cell_len

from rollout import i18n
from tests.sim_support import small_plan
from tests.test_tune import FAULT, PLAN_WITH_COMMENT

from .test_i18n_cli import cli

SMALL = ("--runs", "9", "--candidates", "5", "--seed", "7", "--max-false-rollback", "0.2")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("tune")
    (folder / "plan.yml").write_text(PLAN_WITH_COMMENT)
    (folder / "fault.yml").write_text(FAULT)
    return {"plan": str(folder / "plan.yml"), "fault": str(folder / "fault.yml"), "dir": str(folder)}


def tune(files, *argv: str):
    done = cli("tune", files["plan"], "--scenario", files["fault"], *SMALL, *argv)
    assert done.returncode in (0, 1), done.stderr
    return done


def field_starts(line: str) -> list[int]:
    """Where each field of a table line starts, in cells (fields are apart by two spaces or more)."""
    return [cell_len(line[:m.end()]) for m in re.finditer(r"(?:^|  )(?=\S)", line)]


def test_the_table_and_its_lines_are_japanese_and_aligned_by_cells(files):
    done = tune(files, "--max-duration", "10m", "--lang", "ja")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    head, rows = lines[0], lines[1:6]
    assert head.split() == ["ベースライン", "推奨"]
    assert [row.split("  ")[0] for row in rows] == [
        "不良なYでの失敗リクエスト (平均)", "不良なYでの失敗リクエスト (p95)", "検知率 (p_detect)", "誤ったロールバック", "所要時間 (p50)"]
    assert "95% 信頼区間" in rows[2] and re.search(r"0/16 \(95% 信頼区間 ", rows[3])
    columns = field_starts(rows[0])
    assert len(columns) == 3 and all(field_starts(row) == columns for row in rows)
    assert field_starts(head) == columns[1:]  # the headers stand above their columns
    base, rec = lines[7], lines[8]
    assert base.startswith("ベースライン: steps ") and rec.startswith("推奨:")
    assert base.index("steps") > 0 and cell_len(base[:base.index("steps")]) == cell_len(rec[:rec.index("steps")])
    assert "; window " in base and "min_requests " in base  # plan keys and values as written
    assert re.fullmatch(r"リハーサル \d+ 回、1 段階: 5 x 9\+16", lines[9])
    assert "baseline" not in done.stdout and "rehearsals" not in done.stdout and "failed requests" not in done.stdout


def test_no_recommendation_says_why_in_japanese(files):
    done = tune(files, "--max-duration", "30s", "--lang", "ja")
    assert done.returncode == 1
    said = [line for line in done.stdout.splitlines() if line.startswith("推奨:")]
    assert said == ["推奨:         なし: 誤ったロールバックを 20.0% 未満 (95% 信頼区間の上限) に、p50 の所要時間を 30s 未満に"
                    "抑えた候補はありません"]


def test_the_json_and_the_written_plan_are_the_same_bytes_in_both_languages(files):
    out = {}
    for lang in ("en", "ja"):
        path = f"{files['dir']}/tuned-{lang}.yml"
        done = tune(files, "--max-duration", "10m", "--json", "--write", path, "--lang", lang)
        with open(path, encoding="utf-8") as f:
            out[lang] = (done.stdout, f.read())
        assert done.stderr.strip().splitlines()[-1] == ("{0} に書き込みました" if lang == "ja" else "wrote {0}").format(path)
    assert out["en"] == out["ja"] and '"recommended": {' in out["en"][0]
    assert "# the operator's own note, kept by --write" in out["ja"][1]


def test_the_best_so_far_on_the_bar_is_japanese_with_the_plan_keys_as_written(monkeypatch, tmp_path):
    """The tune's bar as a terminal shows it: rich's Progress, the best so far from the catalog."""
    import rich.console

    from sim.tune import Progress
    from sim.tune_space import of_plan
    from tui import progress

    plan = of_plan(small_plan(tmp_path)).describe()
    screen = io.StringIO()
    terminal = rich.console.Console
    monkeypatch.setattr(rich.console, "Console", lambda **_kw: terminal(file=screen, force_terminal=True, width=400))
    i18n.set_language("ja")
    try:
        with progress.tune_progress(i18n._("tuning {plan}").format(plan="small"), True) as on_progress:
            on_progress(Progress(5, 1, 61))
            on_progress(Progress(3, 61, 61, 16.0, plan))
    finally:
        i18n.set_language("en")
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "small を調整中" in shown and "61/61" in shown
    assert f"候補 3、最良 失敗 16 件: {plan}" in shown
