"""``turnout lint`` exit codes and --fix, through tui.cli.main (files in tmp_path; no server)."""

from __future__ import annotations

import json
import os
import stat

import pytest
import yaml

from tui.cli import main

from .preflight_samples import sample

CLEAN = '_format_version: "3.0"\nservices:\n- name: a\n  url: http://a\n  routes:\n  - name: r\n    paths: [/a]\n'


@pytest.fixture
def fixture_28(tmp_path):
    path = tmp_path / "kong.yml"
    path.write_text(sample("deck-convert-input-2.8.yaml"))
    return path


def test_no_findings_exits_0(tmp_path, capsys):
    path = tmp_path / "kong.yml"
    path.write_text(CLEAN)
    assert main(["lint", str(path), "--from", "3.4", "--to", "3.5"]) == 0
    assert "0 findings" in capsys.readouterr().out


def test_findings_exit_1_and_print_file_line_entity(fixture_28, capsys):
    assert main(["lint", str(fixture_28), "--from", "2.8", "--to", "3.4"]) == 1
    out = capsys.readouterr().out
    assert f"{fixture_28}:10: warning: route r1 of service svc1:" in out


def test_json_output_lists_findings(fixture_28, capsys):
    assert main(["lint", str(fixture_28), "--from", "2.8", "--to", "3.4", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["from"] == "2.8" and {f["rule"] for f in data["findings"]} == {"rollback-file", "regex-path"}
    assert all({"entity", "line", "message", "source"} <= set(f) for f in data["findings"])


def test_fix_writes_a_private_converted_copy_and_says_which_node_gets_which(fixture_28, tmp_path, capsys):
    out = tmp_path / "kong-3.4.yml"
    before = fixture_28.read_text()
    assert main(["lint", str(fixture_28), "--from", "2.8", "--to", "3.4", "--fix", str(out)]) == 0
    assert yaml.safe_load(out.read_text()) == yaml.safe_load(sample("deck-convert-expected-3.4.yaml"))
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert fixture_28.read_text() == before
    text = capsys.readouterr().out
    assert f"keep {fixture_28} for the X nodes (2.8)" in text and f"give {out} to the Y nodes (3.4)" in text


def test_fix_writes_nothing_while_an_error_kong_would_refuse_is_left(tmp_path, capsys):
    src = tmp_path / "kong.yml"
    src.write_text('_format_version: "2.1"\nplugins:\n- name: http-log\n  config:\n    headers: {X-A: [a, b]}\n')
    out = tmp_path / "out.yml"
    assert main(["lint", str(src), "--from", "2.8", "--to", "3.4", "--fix", str(out)]) == 1
    text = capsys.readouterr().out
    assert f"{out}:" in text and "not written: 1 error left" in text and not out.exists()
    assert main(["lint", str(src), "--from", "2.8", "--to", "3.4", "--fix", str(out), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["fixed"]["written"] is False and not out.exists()


def test_fix_writes_the_copy_when_only_warnings_are_left_and_exits_1(tmp_path, capsys):
    src = tmp_path / "kong.yml"
    src.write_text('_format_version: "2.1"\nplugins:\n- name: prometheus\n  config: {per_consumer: true}\n')
    out = tmp_path / "out.yml"
    assert main(["lint", str(src), "--from", "2.8", "--to", "3.4", "--fix", str(out)]) == 1
    assert f"wrote {out}" in capsys.readouterr().out and out.exists()


@pytest.mark.parametrize("args, message", [
    (["--from", "2.8", "--to", "9.9"], "unknown Kong version"),
    (["--from", "two", "--to", "3.4"], "not a Kong version"),
])
def test_unknown_versions_exit_2(fixture_28, capsys, args, message):
    assert main(["lint", str(fixture_28), *args]) == 2
    assert message in capsys.readouterr().err


def test_unreadable_and_unparsable_files_exit_2(tmp_path, capsys):
    assert main(["lint", str(tmp_path / "missing.yml"), "--from", "2.8", "--to", "3.4"]) == 2
    assert "cannot read" in capsys.readouterr().err
    bad = tmp_path / "bad.yml"
    bad.write_text("services: [\n  - {name: a\n")
    assert main(["lint", str(bad), "--from", "2.8", "--to", "3.4"]) == 2
    err = capsys.readouterr().err
    assert "not valid YAML" in err and err.count("\n") == 1


def test_fix_refuses_to_write_in_place(fixture_28, capsys):
    before = fixture_28.read_text()
    assert main(["lint", str(fixture_28), "--from", "2.8", "--to", "3.4", "--fix", str(fixture_28)]) == 2
    assert "refusing" in capsys.readouterr().err and fixture_28.read_text() == before


def test_missing_hop_is_an_argparse_error_exit_2(fixture_28):
    with pytest.raises(SystemExit) as exc:
        main(["lint", str(fixture_28)])
    assert exc.value.code == 2
