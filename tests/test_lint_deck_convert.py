"""``turnout lint --fix`` converts as decK's ``file convert`` does, on decK's own cases.

decK's fixtures stay in ../shared/external/deck-convert (see its SOURCE.txt: Kong/deck's
``convert/testdata`` and ``tests/integration/testdata/file-convert``); they are read there, never
copied. Each case runs through the CLI and the written copy must equal decK's expected output as
data. decK's ``kong-gateway-2.x -> kong-gateway-3.x`` is the hop 2.8 -> 3.0 here. The 003 case is
decK's ``--no-expand-env-vars`` output: Kong does not expand ``${{ env }}``, so neither do we.
"""

from __future__ import annotations

import pytest
import yaml

from tui.cli import main

from .shared_files import shared_dir

CONVERT = "convert/testdata"
FILE_CONVERT = "tests/integration/testdata/file-convert"
MIGRATION = f"{FILE_CONVERT}/002-kong-gateway-28x-to-34x-migration"

CASES = [  # (decK's input, decK's expected output, --from, --to)
    (f"{CONVERT}/3/input.yaml", f"{CONVERT}/3/output-expected.yaml", "2.8", "3.0"),
    (f"{CONVERT}/4/input.yaml", f"{CONVERT}/4/output-expected.yaml", "2.8", "3.0"),
    (f"{FILE_CONVERT}/001-kong-gateway-config/kong-gateway-2-x.yaml",
     f"{FILE_CONVERT}/001-kong-gateway-config/kong-gateway-3-x.yaml", "2.8", "3.0"),
    (f"{MIGRATION}/28x-plugins.yaml", f"{MIGRATION}/34x-expected-plugins.yaml", "2.8", "3.4"),
    (f"{MIGRATION}/28x-routes.yaml", f"{MIGRATION}/34x-expected-routes.yaml", "2.8", "3.4"),
    (f"{MIGRATION}/28x-plugins-legacy-new-replace.yaml", f"{MIGRATION}/34x-expected-plugins-legacy-new-replace.yaml", "2.8", "3.4"),
    (f"{FILE_CONVERT}/003-no-expand-env-vars/input.yaml",
     f"{FILE_CONVERT}/003-no-expand-env-vars/expected-no-expand.yaml", "2.8", "3.0"),
    (f"{CONVERT}/10/input.yaml", f"{CONVERT}/10/output-expected.yaml", "3.4", "3.10"),
    (f"{CONVERT}/11/input.yaml", f"{CONVERT}/11/output-expected.yaml", "3.10", "3.14"),
]


@pytest.mark.parametrize("given, expected, source, target", CASES, ids=[c[0].split("testdata/")[-1] for c in CASES])
def test_fix_equals_decks_expected_output(given, expected, source, target, tmp_path, capsys):
    deck = shared_dir("external/deck-convert")
    out = tmp_path / "converted.yml"
    code = main(["lint", str(deck / given), "--from", source, "--to", target, "--fix", str(out)])
    assert code in (0, 1), capsys.readouterr()
    assert out.exists(), capsys.readouterr().out
    assert yaml.safe_load(out.read_text()) == yaml.safe_load((deck / expected).read_text())


def test_a_conflict_decK_refuses_exits_1_and_writes_nothing(tmp_path, capsys):
    given = shared_dir("external/deck-convert") / MIGRATION / "28x-legacy-new-conflict.yaml"
    out = tmp_path / "converted.yml"
    assert main(["lint", str(given), "--from", "2.8", "--to", "3.4", "--fix", str(out)]) == 1
    text = capsys.readouterr().out
    assert not out.exists() and "not written" in text and "both have values" in text
