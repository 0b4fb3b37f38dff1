"""A scenario file's problems in Japanese (issue 14), shown as validate shows a plan's.

``turnout rehearse PLAN --scenario BAD.yml`` is run as an operator runs it (a subprocess, the
language from the locale): the ``BAD.yml:LINE: key.path:`` prefix byte for byte, the explanation
after it in Japanese (pydantic's own messages through the templates the plans already use, the
scenario's own rules through theirs), English back with ``TURNOUT_LANG=en``, and the English
sentences, the facts, the same in either language.
"""

from __future__ import annotations

import pytest

from rollout import i18n
from rollout.errors import PlanError
from rollout.plan import load_plan
from sim.scenario import load_scenario

from .test_i18n_cli import ROOT, cli, split

BAD = """\
name: bad
traffic:
  rps: -5
  colour: red
nodes:
  latency_ms: {p50: 50, p99: 10}
faults:
  - kind: error_rate
    rate: {between: [0.5, 0.1]}
  - {kind: latency, pool: y, factor: 2, from: 120, until: 60}
  - kind: teleport
"""
CROSS = """\
name: targets missing from the plan
faults:
  - {kind: error_rate, node: nosuch, pool: y, rate: 0.1}
  - {kind: smoke_fail, check: nope}
  - {kind: cp_sync}
  - {kind: crash}
"""
JAPANESE = {  # each explanation as the Japanese catalog says it
    "3: traffic.rps": "0 より大きくしてください (値: -5)",
    "4: traffic.colour": "不明なキーです",
    "6: nodes.latency_ms": "p99 (10.0) は p50 (50.0) 以上にしてください",
    "9: faults.0.rate": "下限 (0.5) が上限 (0.1) を上回っています",
    "10: faults.1": "until (60s) は from (120s) より後にしてください",
    "11: faults.2.kind": "不明な type 'teleport' です。次のいずれかにしてください: 'error_rate', 'latency', 'route_latency', "
                         "'crash', 'memory_leak', 'config_write', 'smoke_fail', 'cp_sync', 'lb_ignores_weights', "
                         "'backup_unreadable', 'plugin_missing', 'key_auth_change', 'x_capacity'",
}
CROSS_JAPANESE = {  # the rules that need the plan (plans/demo.yml: dbless, two smoke checks)
    "3: faults.0.node": "プランにノード 'nosuch' はありません (ノード: x1, x2, x3, y1, y2, y3)",
    "3: faults.0.pool": "プールかノードのどちらか一方を指定してください (両方は指定できません)",
    "4: faults.1.check": "プランにステージングテスト 'nope' はありません (ステージングテスト: "
                         "'key-auth accepts a valid key', 'key-auth rejects a missing key')",
    "5: faults.2.kind": "cp_sync には hybrid のプランが必要です (または konnect のプラン。このプランは mode: dbless です)",
    "6: faults.3": "クラッシュにはノードかプールの指定が必要です",
}


@pytest.fixture
def scenarios(tmp_path) -> dict[str, str]:
    paths = {}
    for name, text in (("BAD", BAD), ("CROSS", CROSS)):
        paths[name] = str(tmp_path / f"{name}.yml")
        (tmp_path / f"{name}.yml").write_text(text)
    return paths


@pytest.mark.parametrize("which, expected", [("BAD", JAPANESE), ("CROSS", CROSS_JAPANESE)])
def test_rehearse_explains_a_bad_scenario_in_japanese_after_the_unchanged_prefix(scenarios, which, expected):
    path = scenarios[which]
    english = cli("rehearse", "plans/demo.yml", "--scenario", path, "--headless")
    japanese = cli("rehearse", "plans/demo.yml", "--scenario", path, "--headless", LANG="ja_JP.UTF-8")
    assert english.returncode == japanese.returncode == 2
    en, ja = split(english.stderr, path), split(japanese.stderr, path)
    assert list(en) == list(ja), "the same problems at the same lines and key paths, in the same order"
    assert ja == expected


def test_turnout_lang_en_brings_a_scenarios_problems_back_in_english(scenarios):
    english = cli("rehearse", "plans/demo.yml", "--scenario", scenarios["CROSS"], "--headless")
    again = cli("rehearse", "plans/demo.yml", "--scenario", scenarios["CROSS"], "--headless",
                LANG="ja_JP.UTF-8", TURNOUT_LANG="en")
    assert again.stderr == english.stderr and again.returncode == 2
    assert split(english.stderr, scenarios["CROSS"])["4: faults.1.check"] == (
        "no smoke check 'nope' in the plan (checks: 'key-auth accepts a valid key', 'key-auth rejects a missing key')")
    assert split(english.stderr, scenarios["CROSS"])["6: faults.3"] == "a crash needs a node or a pool"


def test_with_json_the_refusal_is_the_same_and_no_json_is_printed(scenarios):
    """A refused scenario prints no JSON for a script to read: stdout is empty in both languages,
    the exit code the same; only the explanations on stderr are said in Japanese."""
    english = cli("rehearse", "plans/demo.yml", "--scenario", scenarios["BAD"], "--json")
    japanese = cli("rehearse", "plans/demo.yml", "--scenario", scenarios["BAD"], "--json", "--lang", "ja")
    assert english.stdout == japanese.stdout == ""
    assert english.returncode == japanese.returncode == 2
    assert "p99 (10.0) must not be below p50 (50.0)" in english.stderr
    assert "p99 (10.0) は p50 (50.0) 以上にしてください" in japanese.stderr


@pytest.mark.parametrize("which", ["BAD", "CROSS"])
def test_the_problems_facts_stay_english_in_either_language(scenarios, which):
    """What a caller keeps (``Problem.message``) is the English sentence; only ``str()`` says it."""
    plan = load_plan(str(ROOT / "plans" / "demo.yml"))

    def problems(lang: str) -> list[tuple[int, str, str]]:
        i18n.set_language(lang)
        try:
            with pytest.raises(PlanError) as caught:
                load_scenario(scenarios[which], plan)
        finally:
            i18n.set_language("en")
        return [(p.line, p.path, p.message) for p in caught.value.problems]

    english, japanese = problems("en"), problems("ja")
    assert english == japanese
    assert not any(any("\u3040" <= c <= "\u9fff" for c in message) for _line, _path, message in japanese)
