"""The message catalogs (issue 14): complete, consistent, found from an installed wheel; the language choice.

The catalog is checked against the sources themselves: the documented extraction
(docs/i18n.md, babel.cfg) runs into a temporary .pot, so a message marked in the code but never
translated fails here, as does a stale committed template. The same extraction reads the drill
library's texts (babel.cfg's ``drill`` method, sim/drill_texts.py), so they are checked too.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from rollout import i18n
from tui.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "rollout" / "locale" / "ja" / "LC_MESSAGES" / "turnout.po"
POT = ROOT / "rollout" / "locale" / "turnout.pot"
# str.format fields ({name}, {n:.1f}, {0}) and printf conversions (%s, %d, %(x)s, %.1f); {{ and %% are literal.
PLACEHOLDER = re.compile(r"(?<!\{)\{[A-Za-z0-9_.\[\]]*(?:![rsa])?(?::[^{}]*)?\}(?!\})|%(?:\([A-Za-z0-9_]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifgeErxX%]")


def extract(out: Path) -> Path:
    """The documented extraction (docs/i18n.md) into ``out``."""
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_", "-k", "ngettext:1,2", "-k", "pgettext:1c,2",
                    "-c", "TRANSLATORS:", "--no-location", "--sort-output", "-o", str(out), "."],
                   cwd=ROOT, check=True, capture_output=True)
    return out


def catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f, locale="ja")


def placeholders(text: str) -> list[str]:
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


@pytest.fixture(scope="module")
def drill_ids() -> set:
    """The library drills' own texts, read as the drill reader reads them (not through babel.cfg)."""
    from babel.messages.extract import extract_from_file

    from sim.drill_file import library
    from sim.drill_texts import extract_drill

    return {(message, None) for path in library().values()
            for _line, message, _comments, _context in extract_from_file(extract_drill, str(path))}


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory) -> set:
    template = catalog(extract(tmp_path_factory.mktemp("pot") / "turnout.pot"))
    return {(message.id, message.context) for message in template if message.id}


def test_every_message_in_the_sources_has_a_japanese_translation_with_the_same_placeholders(source_ids, drill_ids):
    assert source_ids, "the extraction found the marked messages"
    po = catalog(PO)
    problems = []
    for msgid, context in sorted(source_ids, key=str):
        entry = po.get(msgid, context=context)
        if entry is None:
            problems.append(f"missing: {msgid!r}")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        source = msgid[-1] if isinstance(msgid, tuple) else msgid  # a counted message: the plural's fields
        for string in strings:
            if not string:
                problems.append(f"empty: {msgid!r}")
            elif (msgid, context) in drill_ids:
                continue  # shown as written, never formatted: "50% for half an hour" holds no "% f" field
            elif placeholders(string) != placeholders(source):
                problems.append(f"placeholders {placeholders(source)} != {placeholders(string)}: {msgid!r}")
    assert not problems, "\n".join(problems)


def test_the_documented_extraction_reads_every_text_of_the_drill_library(source_ids, drill_ids):
    """babel.cfg's [drill: plans/drills/*.yml] section runs the drill extractor: the library's summaries,
    briefings, reveals, calls' whys and expert notes are all in the template (so all in the test above)."""
    assert len(drill_ids) > 60, "15 drills, five texts or more each (two drills share a why)"
    assert drill_ids <= source_ids, sorted(drill_ids - source_ids)


def test_the_committed_template_is_the_sources_extraction(source_ids):
    """(Re-run the extraction of docs/i18n.md when this fails.)"""
    assert {(m.id, m.context) for m in catalog(POT) if m.id} == source_ids


def test_the_catalog_keeps_no_obsolete_or_fuzzy_entry(source_ids):
    po = catalog(PO)
    assert not po.obsolete, sorted(po.obsolete)
    assert not [m.id for m in po if m.id and m.fuzzy]
    assert {(m.id, m.context) for m in po if m.id} == source_ids, "entries no source marks: pybabel update, then drop them"


def test_the_placeholder_pattern_sees_what_it_must():
    assert placeholders("{name} at {share:.0%} %s %(x)s %d {{literal}} 100%%") == ["%(x)s", "%d", "%s", "{name}", "{share:.0%}"]


@pytest.mark.parametrize(("flag", "environ", "expected"), [
    (None, {}, "en"),
    ("ja", {}, "ja"),
    ("en", {"TURNOUT_LANG": "ja", "LANG": "ja_JP.UTF-8"}, "en"),
    (None, {"TURNOUT_LANG": "ja"}, "ja"),
    (None, {"TURNOUT_LANG": "en", "LANG": "ja_JP.UTF-8"}, "en"),
    (None, {"TURNOUT_LANG": "", "LANG": "ja_JP.UTF-8"}, "ja"),
    (None, {"LANG": "ja_JP.UTF-8"}, "ja"),
    (None, {"LANG": "ja_JP.eucJP"}, "ja"),
    (None, {"LANG": "ja"}, "ja"),
    (None, {"LANG": "en_US.UTF-8"}, "en"),
    (None, {"LC_MESSAGES": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, "ja"),
    (None, {"LC_ALL": "C", "LC_MESSAGES": "ja_JP.UTF-8", "LANG": "ja_JP.UTF-8"}, "en"),
    (None, {"LC_ALL": "ja_JP.UTF-8", "LANG": "C"}, "ja"),
    (None, {"LC_ALL": "", "LANG": "ja_JP.UTF-8"}, "ja"),
    (None, {"LANG": "fr_FR.UTF-8"}, "en"),
    (None, {"TURNOUT_LANG": "de"}, "en"),
    ("fr", {"LANG": "ja_JP.UTF-8"}, "en"),
    (None, {"LANG": "C.UTF-8"}, "en"),
    (None, {"LANGUAGE": "ja"}, "en"),  # GNU's LANGUAGE is not among the variables chosen from
])
def test_choose_language(flag, environ, expected):
    assert i18n.choose_language(flag, environ) == expected


def test_set_language_switches_and_falls_back_to_english():
    message = "the language of messages, screens and reports (default: TURNOUT_LANG, else the locale, else en)"
    try:
        i18n.set_language("ja")
        assert i18n.current_language() == "ja"
        assert i18n._(message).startswith("メッセージ")
        assert i18n._("a sentence no catalog has") == "a sentence no catalog has"
        assert i18n.ngettext("one node", "{n} nodes", 2) == "{n} nodes"
        assert (i18n._("next"), i18n.pgettext("exit summary: a to-do line", "next")) == ("次へ", "次にやること")
        i18n.set_language("xx")
        assert (i18n.current_language(), i18n._(message)) == ("en", message)
        assert i18n.ngettext("one node", "{n} nodes", 1) == "one node"
    finally:
        i18n.set_language(None)
    assert i18n.N_("marked") == "marked"


def lang_options(parser) -> list:
    """(name, --lang action) of the parser and every subcommand and sub-action below it."""
    found = [(parser.prog, next((a for a in parser._actions if "--lang" in a.option_strings), None))]
    for action in parser._actions:
        if hasattr(action, "choices") and isinstance(action.choices, dict):
            for sub in action.choices.values():
                found += lang_options(sub)
    return found


def test_every_subcommand_accepts_lang():
    options = lang_options(build_parser())
    assert len(options) > 15
    assert all(action is not None and tuple(action.choices) == ("en", "ja") for _name, action in options), options


@pytest.mark.parametrize("argv", [["--lang", "ja", "validate", "plans/demo.yml"], ["validate", "--lang", "ja", "plans/demo.yml"],
                                  ["validate", "plans/demo.yml", "--lang=ja"]])
def test_lang_anywhere_chooses_the_language_before_the_command_runs(argv, monkeypatch, capsys):
    from tui.cli import main
    monkeypatch.setenv("TURNOUT_LANG", "en")
    try:
        assert main(argv) == 0
        assert i18n.current_language() == "ja"
        args = build_parser().parse_args(argv)
        assert args.lang == "ja"
    finally:
        i18n.set_language(None)


def test_a_bad_lang_is_the_subcommands_usage_error(capsys):
    from tui.cli import main
    for argv in (["validate", "plans/demo.yml", "--lang"], ["validate", "plans/demo.yml", "--lang", "fr"]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("usage: turnout validate") and "--lang" in err, err
    i18n.set_language(None)


def test_help_is_in_the_chosen_language_and_english_never_loads_babel():
    run = lambda *argv, **env: subprocess.run([sys.executable, "-m", "tui.cli", *argv], capture_output=True, text=True, cwd=ROOT,  # noqa: E731
                                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env})
    assert "メッセージ・画面・レポートの言語" in run("--help", LANG="ja_JP.UTF-8").stdout
    assert "the language of messages" in run("--help", LANG="ja_JP.UTF-8", TURNOUT_LANG="en").stdout
    probe = "import sys; from tui.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\nprint('babel' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)})
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_the_catalog_loads_from_an_installed_layout(tmp_path):
    """setuptools' package-data ships the .po: its build step (what a wheel holds) copies the packages
    into a fresh directory, and the catalog is found and used from there alone (``-P``: not this tree)."""
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "--build-lib", str(site)],
                   cwd=ROOT, check=True, capture_output=True)
    assert (site / "rollout" / "locale" / "ja" / "LC_MESSAGES" / "turnout.po").is_file()
    probe = ("from rollout import i18n; i18n.set_language('ja'); print(i18n.catalog_path('ja')); "
             "print(i18n._('the language of messages, screens and reports (default: TURNOUT_LANG, else the locale, else en)'))")
    out = subprocess.run([sys.executable, "-P", "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=True,
                         env={"PYTHONPATH": str(site)})
    path, text = out.stdout.strip().splitlines()
    assert path.startswith(str(site)) and text.startswith("メッセージ")


def test_no_message_is_marked_inside_an_f_string():
    """pybabel reads an f-string as one literal (Python 3.11's tokenizer): a ``_('...')`` inside one is
    never extracted, so it would stay English in every language. Build the text outside the f-string."""
    import io
    import tokenize

    marked = re.compile(r"\b(?:N_|_|ngettext|pgettext)\(\s*[\"']")  # a literal marked there (``_(variable)`` is a lookup, fine)
    found = []
    for package in ("rollout", "adapters", "sim", "lab", "tui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
                prefix = token.string[:3].lower()
                if token.type == tokenize.STRING and "f" in prefix.split('"')[0].split("'")[0] and marked.search(token.string):
                    found.append(f"{path.relative_to(ROOT)}:{token.start[0]}")
    assert not found, found


WINDOW_LINE = ("window 60s-120s: window fail: Y 942 req, X 17300 req; error_rate fail (Y step 0.72% vs X 0.06% over "
               "1811 req, ln LR 16.0 >= 7.4); latency_p99_ms pass (Y avg 22ms vs X 21ms)")


@pytest.fixture
def phrasebook_ja():
    from rollout import phrasebook

    i18n.set_language("ja")
    phrasebook._read.cache_clear()
    yield phrasebook
    phrasebook._read.cache_clear()
    i18n.set_language(None)


def test_a_sentence_not_read_within_the_budget_is_shown_as_written(phrasebook_ja, monkeypatch):
    """A rollback's log line is drawn on the loop that sends the rollback: the phrasebook gives up
    (English) rather than hold it; what it read is kept, so the next call finishes the job."""
    said = phrasebook_ja.say(WINDOW_LINE)
    assert "対数尤度比 16.0 >= 7.4" in said  # within the budget: read
    phrasebook_ja._read.cache_clear()
    monkeypatch.setattr(phrasebook_ja, "BUDGET_S", 0.0)
    assert phrasebook_ja.say(WINDOW_LINE) == WINDOW_LINE
    assert phrasebook_ja.say("rollback") == i18n._("rollback") != "rollback"  # an exact entry costs no reading


@pytest.mark.timeout(60)
@pytest.mark.parametrize("hostile", ["(a; b: c) " * 390, "; ".join(["a"] * 1300), "x" * 5000])
def test_hostile_text_comes_back_without_hanging(phrasebook_ja, hostile):
    said = phrasebook_ja.say(hostile)
    assert isinstance(said, str) and said.count("a") <= hostile.count("a")


@pytest.mark.parametrize("node", ["backup", "current", "next", "lab", "run"])
def test_a_node_named_like_a_word_keeps_its_name(phrasebook_ja, node):
    from rollout.errors import Unreachable

    said = phrasebook_ja.say(str(Unreachable(node, "GET /status", "connection refused")))
    assert said == f"{node}: GET /status: 到達できません: connection refused"
