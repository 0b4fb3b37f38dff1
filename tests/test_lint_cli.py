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


BOMB = "_format_version: '3.0'\na: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))  # 9**9 values
HOSTILE_KONG_YML = {
    "an alias bomb": (lambda d: _write(d / "k.yml", BOMB), "k.yml: line 8: more than 2,000,000 YAML values"),
    "an alias to itself": (lambda d: _write(d / "k.yml", "_format_version: '3.0'\nservices: &s\n- x: *s\n"),
                           "k.yml: line 3: the alias *s refers to a value that contains it"),
    "a FIFO": (lambda d: (os.mkfifo(d / "k.yml"), str(d / "k.yml"))[1], "a FIFO (named pipe), not a regular file"),
    "a directory": (lambda d: str(d), "a directory, not a regular file"),
    "a binary": (lambda d: _write(d / "k.yml", "_format_version: '3.0'\n", b"\xff\xfe"), "k.yml:2: not UTF-8 text"),
}


def _write(path, text: str, tail: bytes = b"") -> str:
    path.write_bytes(text.encode() + tail)
    return str(path)


@pytest.mark.parametrize("case", sorted(HOSTILE_KONG_YML))
def test_a_hostile_kong_yml_is_refused_in_one_line_naming_the_file(tmp_path, capsys, case):
    make, message = HOSTILE_KONG_YML[case]
    path = make(tmp_path)
    assert main(["lint", path, "--from", "3.4", "--to", "3.9"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def test_anchors_and_aliases_a_deck_file_uses_are_read(tmp_path, capsys):
    """decK files may share a plugin's config through an anchor: that is a kong.yml, not an attack."""
    path = tmp_path / "kong.yml"
    path.write_text("_format_version: '3.0'\nshared: &auth {name: key-auth}\nservices:\n- name: a\n  url: http://a\n"
                    "  plugins: [*auth]\n")
    assert main(["lint", str(path), "--from", "3.4", "--to", "3.5"]) == 0


def test_fix_refuses_to_write_in_place(fixture_28, capsys):
    before = fixture_28.read_text()
    assert main(["lint", str(fixture_28), "--from", "2.8", "--to", "3.4", "--fix", str(fixture_28)]) == 2
    assert "refusing" in capsys.readouterr().err and fixture_28.read_text() == before


def test_missing_hop_is_an_argparse_error_exit_2(fixture_28):
    with pytest.raises(SystemExit) as exc:
        main(["lint", str(fixture_28)])
    assert exc.value.code == 2
