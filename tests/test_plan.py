"""Plan validation: every problem reported at once, located as PLAN:LINE: key.path: what is wrong."""

import glob
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rollout.errors import PlanError
from rollout.plan import load_plan
from tui.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOOD = (ROOT / "plans" / "demo.yml").read_text()


def problems(text: str) -> list[str]:
    with pytest.raises(PlanError) as info:
        load_plan("p.yml", text)
    return [str(p) for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


CASES = [
    # (what, replace this, with this, expected key path, expected message fragment, line anchor)
    ("unknown key", "mode: dbless", "mode: dbless\naproval: true", "aproval", "unknown key", "aproval"),
    ("wrong type", "min_requests: 200", "min_requests: lots", "gates.min_requests", "integer", "min_requests"),
    ("weight over 100", "- {y: 25, bake: 3m}", "- {y: 125, bake: 3m}", "steps.1.y", "less than or equal to 100", "y: 125"),
    ("weight under 0", "- {y: 5, bake: 2m}", "- {y: -5, bake: 2m}", "steps.0.y", "greater than or equal to 0", "y: -5"),
    ("steps not ending at 100", "- {y: 100, bake: 10m}", "- {y: 90, bake: 10m}", "steps.3.y", "last step must send 100%", "y: 90"),
    ("steps going back", "- {y: 25, bake: 3m}", "- {y: 2, bake: 3m}", "steps.1.y", "must not go back", "y: 2,"),
    ("hybrid without control plane", "mode: dbless", "mode: hybrid", "control_plane", "hybrid plan needs control_plane", "mode: hybrid"),
    ("token in clear", "admin_auth: {header: Kong-Admin-Token, token_env: KONG_ADMIN_TOKEN}",
     "admin_auth: {header: Kong-Admin-Token, token_env: KONG_ADMIN_TOKEN, token: abc123}", "admin_auth.token", "token written in clear", "admin_auth"),
    ("duplicate node", "- {name: y3,", "- {name: y2,", "pools.y.nodes.2.name", "duplicate node name 'y2'", "name: y2, admin: \"http://10.0.2.13"),
    ("unparsable duration", "window: 60s", "window: sixty", "gates.window", "unparsable duration", "window: sixty"),
    ("unknown lb type", "load_balancer: {type: haproxy,", "load_balancer: {type: f5,", "load_balancer.type", "unknown type 'f5'", "load_balancer"),
    ("secret smoke header in clear", '"${env:SMOKE_KEY}"', '"my-real-key"', "smoke.0.request.headers.apikey", "secret written in clear", "apikey"),
    ("prometheus metrics without queries", "steps:", "metrics: {source: prometheus, url: \"http://127.0.0.1:9090\"}\nsteps:", "metrics",
     "source prometheus needs metrics.url and metrics.queries", "source: prometheus"),
    ("missing required key", "name: demo 3.4 to 3.9\n", "", "name", "missing", "turnout: 1"),
]


@pytest.mark.parametrize("what,old,new,path,fragment,anchor", CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_located(what, old, new, path, fragment, anchor):
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    found = problems(text)
    expected_line = line_of(text, anchor)
    hits = [p for p in found if p.startswith(f"p.yml:{expected_line}: {path}: ") and fragment in p]
    assert hits, found


def test_kong_metrics_need_every_nodes_url_at_validate():
    """A live run scrapes each node's /metrics: a node with no URL is refused at validate, located."""
    x1 = '- {name: x1, admin: "http://10.0.1.11:8001", status: "http://10.0.1.11:8100", proxy: "http://10.0.1.11:8000"}'
    text = GOOD.replace(x1, '- {name: x1, proxy: "http://10.0.1.11:8000"}').replace("steps:", "metrics: {source: kong}\nsteps:", 1)
    assert problems(text) == [f"p.yml:{line_of(text, 'name: x1, proxy')}: pools.x.nodes.0: "
                              "metrics.source kong needs the node's metrics, status or admin URL (x1 has none)"]
    rehearsal_only = text.replace(line_of_text(text, "load_balancer:"), "load_balancer: {type: sim}")
    assert load_plan("p.yml", rehearsal_only).metrics.source == "kong"  # the rehearsal simulates the metrics


def line_of_text(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


def test_all_problems_are_reported_at_once():
    text = GOOD.replace("window: 60s", "window: sixty").replace("mode: dbless", "mode: dbless\nextra: 1")
    assert len(problems(text)) == 2


def test_not_yaml_and_not_a_mapping():
    assert problems("a: [1, 2")[0].startswith("p.yml:")
    assert "expected a mapping" in problems("- 1\n- 2\n")[0]


def test_validate_command_exit_codes_and_output(tmp_path, capsys):
    assert main(["validate", str(ROOT / "plans" / "demo.yml")]) == 0
    assert "ok: demo 3.4 to 3.9" in capsys.readouterr().out
    bad = tmp_path / "bad.yml"
    bad.write_text(GOOD.replace("- {y: 100, bake: 10m}", "- {y: 90, bake: 10m}"))
    assert main(["validate", str(bad)]) == 2
    out = capsys.readouterr().out
    assert re.match(rf"{re.escape(str(bad))}:\d+: steps\.3\.y: ", out)
    assert main(["validate", str(tmp_path / "missing.yml")]) == 2
    assert "cannot read" in capsys.readouterr().out


def test_validate_never_prints_a_traceback(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("turnout: 1\npools: 7\nsteps: {y: x}\n\t- nonsense")
    out = subprocess.run([sys.executable, "-m", "tui.cli", "validate", str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2
    assert "Traceback" not in out.stdout + out.stderr


@pytest.mark.parametrize("path", sorted(glob.glob(str(ROOT / "plans" / "*.yml"))), ids=lambda p: Path(p).name)
def test_every_example_plan_validates(path):
    assert main(["validate", path]) == 0
