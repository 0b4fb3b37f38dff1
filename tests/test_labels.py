"""Honest labels (issue 13, item 6): counts agree with their nouns, and ``lab status`` prints
tables rather than Python dicts. No real lab: the status report is a plain dict."""

from __future__ import annotations

from types import SimpleNamespace

from lab.status import describe, table
from rollout.observations import CheckResult
from tui.cmd_preflight import report


def test_preflight_summary_says_1_warning_and_2_warnings(capsys):
    report("plan.yml", [CheckResult("version", "pass"), CheckResult("capacity", "warn", "X alone is short")])
    assert "1 passed, 1 warning, 0 failed" in capsys.readouterr().out
    report("plan.yml", [CheckResult("capacity", "warn", "short"), CheckResult("upgrade path", "warn", "hop")])
    assert "0 passed, 2 warnings, 0 failed" in capsys.readouterr().out


def test_table_aligns_columns_and_right_aligns_numbers():
    lines = table(("node", "requests"), [("x1", 5), ("x22", 1200)])
    assert lines == ["  node  requests", "  x1           5", "  x22       1200"]


def test_lab_status_is_tables_not_dicts():
    state = SimpleNamespace(lab_id="ab12", dir="lab", frontend="http://127.0.0.1:9000", plan="lab/plan.yml",
                            x=["x1", "x2"], y=["y1"], pool_of=lambda n: "x" if n.startswith("x") else "y")
    status = {"running": True, "processes": {"haproxy": {"pid": 123, "alive": True}},
              "weights": {"x1": 50, "x2": 50, "y1": 0}, "y_share": 0.0,
              "nodes": {"x1": {"requests": 1200, "errors": 3, "faults": {}},
                        "x2": {"requests": 1180, "errors": 0, "faults": {"error_share": 1.0}},
                        "y1": {"requests": 0, "errors": 0, "faults": {}}},
              "traffic": {"rps": 50.0, "sent": 100, "failed": 2, "http_errors": {"503": 2}, "socket_errors": {}}}
    text = "\n".join(describe(state, status))
    assert "{" not in text and "}" not in text, text
    assert "  node  pool  weight  requests  5xx  faults" in text
    assert "  x2    x         50      1180    0  error_share=1.0" in text
    assert "(http 503 x2, socket none)" in text
