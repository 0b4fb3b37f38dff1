"""Plan and scenario values a live run could not survive are refused, located, in one line each
(issue 17, item 5): non-finite, zero or huge durations, booleans for numbers, names unsafe for
the run directory or the LB's syntax, a token pasted into token_env, a key written twice."""

from pathlib import Path

import pytest

from rollout.errors import PlanError
from rollout.plan import load_plan
from sim.scenario import load_scenario

from .test_plan import GOOD, line_of, problems

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "kpat_9f8A7b6C5d4E3f2G1h0IjKlMnOpQrStUv"

REFUSED = [
    # (what, replace this, with this, expected key path, expected message fragment, line anchor)
    ("window nan", "window: 60s", "window: .nan", "gates.window", "finite duration, not .nan", "window:"),
    ("window inf", "window: 60s", "window: .inf", "gates.window", "finite duration, not .inf", "window:"),
    ("window zero", "window: 60s", "window: 0s", "gates.window", "at least 50ms", "window:"),
    ("bake inf", "{y: 5, bake: 2m}", "{y: 5, bake: .inf}", "steps.0.bake", "finite", "y: 5,"),
    ("bake 1e23 days", "{y: 5, bake: 2m}", "{y: 5, bake: 100000000000000000000000d}", "steps.0.bake", "at most 7d", "y: 5,"),
    ("bake a long string", "{y: 5, bake: 2m}", "{y: 5, bake: " + "1" * 5000 + "d}", "steps.0.bake", "not a duration", "y: 5,"),
    ("request nan", "gates:", "timeouts: {request: .nan}\ngates:", "timeouts.request", "finite", "timeouts:"),
    ("request zero", "gates:", "timeouts: {request: 0s}\ngates:", "timeouts.request", "at least 100ms", "timeouts:"),
    ("ready zero", "gates:", "timeouts: {ready: 0}\ngates:", "timeouts.ready", "at least 1s", "timeouts:"),
    ("retry zero", "rollback: {automatic: true}", "rollback: {automatic: true, retry: 0s}", "rollback.retry", "at least 1s", "retry: 0s"),
    ("y true", "{y: 5, bake: 2m}", "{y: true, bake: 2m}", "steps.0.y", "valid integer (got true)", "y: true"),
    ("y a float", "{y: 5, bake: 2m}", "{y: 5.0, bake: 2m}", "steps.0.y", "valid integer", "y: 5.0"),
    ("y a string", "{y: 5, bake: 2m}", "{y: '5', bake: 2m}", "steps.0.y", "valid integer", "y: '5'"),
    ("turnout true", "turnout: 1", "turnout: true", "turnout", "the number 1, not true", "turnout:"),
    ("approve 1", "{y: 50, bake: 5m, approve: true}", "{y: 50, bake: 5m, approve: 1}", "steps.2.approve", "valid boolean", "approve: 1"),
    ("retries a string", "gates:", "timeouts: {retries: '2'}\ngates:", "timeouts.retries", "valid integer", "timeouts:"),
    ("max error rate nan", "error_rate: {max: 0.01,", "error_rate: {max: .nan,", "gates.error_rate.max", "finite number", "error_rate:"),
    ("latency inf", "latency_p99_ms: {max: 1000,", "latency_p99_ms: {max: .inf,", "gates.latency_p99_ms.max", "finite number", "latency_p99_ms:"),
    ("name ..", "name: demo 3.4 to 3.9", "name: ..", "name", "needs a letter or a digit", "name: .."),
    ("name with /", "name: demo 3.4 to 3.9", "name: prod/tokyo", "name", "must not contain /", "name: prod"),
    ("name with NUL", "name: demo 3.4 to 3.9", 'name: "demo\\0"', "name", "control or invisible characters (found U+0000)", "name: "),
    ("name with newline", "name: demo 3.4 to 3.9", 'name: "demo\\nrm"', "name", "control or invisible characters (found U+000A)", "name: "),
    ("name with bidi override", "name: demo 3.4 to 3.9", 'name: "demo\\u202e"', "name", "U+202E", "name: "),
    ("node name with ;", "{name: x1,", '{name: "x1;shutdown sessions",', "pools.x.nodes.0.name", "letters, digits and . _ : -", "x1;"),
    ("node name with space", "{name: x1,", '{name: "x 1",', "pools.x.nodes.0.name", "letters, digits", "x 1"),
    ("node name ..", "{name: x1,", "{name: ..,", "pools.x.nodes.0.name", "letters, digits", "{name: ..,"),
    ("server with ;", "{name: x1,", '{name: x1, server: "x1;disable server kong/x2",', "pools.x.nodes.0.server", "whitespace, ;", "server:"),
    ("haproxy server name with /", "{name: x1,", "{name: x1, server: kong/x1,", "pools.x.nodes.0.server", "HAProxy server name", "server:"),
    ("backend with newline", "backend: kong}", 'backend: "kong\\nset weight kong/y1 256"}', "load_balancer.backend", "HAProxy name", "backend:"),
    ("backend with space", "backend: kong}", 'backend: "kong x"}', "load_balancer.backend", "HAProxy name", "backend:"),
    ("socket with NUL", "socket: /run/haproxy/admin.sock", 'socket: "/run/haproxy\\0"', "load_balancer.socket", "U+0000", "socket:"),
    ("admin header not a token", "header: Kong-Admin-Token", "header: 'Kong Admin: x'", "admin_auth.header", "not an HTTP token", "admin_auth"),
    ("smoke header value with CRLF", '"${env:SMOKE_KEY}"', '"${env:SMOKE_KEY}\\r\\nX-Evil: 1"', "smoke.0.request.headers.apikey", "U+000D", "apikey"),
    ("expect status 0", "expect: {status: 200}", "expect: {status: 0}", "smoke.0.expect.status", "greater than or equal to 100", "status: 0"),
    ("name twice", "name: demo 3.4 to 3.9\n", "name: demo 3.4 to 3.9\nname: other\n", "name", "written twice (first at line 5)", "name: other"),
    ("nested key twice", "  window: 60s\n", "  window: 60s\n  window: 1s\n", "gates.window", "written twice", "window: 1s"),
    ("key twice in a flow mapping", "{y: 25, bake: 3m}", "{y: 25, bake: 3m, y: 30}", "steps.1.y", "written twice", "y: 30"),
]


@pytest.mark.parametrize("what,old,new,path,fragment,anchor", REFUSED, ids=[c[0] for c in REFUSED])
def test_each_unsafe_value_is_refused_located(what, old, new, path, fragment, anchor):
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    found = problems(text)
    expected_line = line_of(text, anchor)
    assert [p for p in found if p.startswith(f"p.yml:{expected_line}: {path}: ") and fragment in p], found
    assert all("\n" not in p and len(p) < 400 for p in found), found


@pytest.mark.parametrize("value", [TOKEN, "ghp_" + "a1B2c3D4e5F6g7H8i9J0", "a" * 65, "abc def!", "1KONG", 12345, ""])
def test_a_token_in_token_env_is_refused_without_being_echoed(value):
    text = GOOD.replace("token_env: KONG_ADMIN_TOKEN", f"token_env: {value!r}" if isinstance(value, str) else f"token_env: {value}")
    found = problems(text)
    line = line_of(text, "token_env")
    assert found == [f"p.yml:{line}: admin_auth.token_env: token_env must name an environment variable (letters, digits and _), "
                     "not hold the token"]


@pytest.mark.parametrize("old,new", [
    ("admin_auth: {header: Kong-Admin-Token, token_env: KONG_ADMIN_TOKEN}", f"admin_auth: {TOKEN}"),
    ("admin_auth: {header: Kong-Admin-Token, token_env: KONG_ADMIN_TOKEN}", f"admin_auth: [{TOKEN}]"),
    ('"${env:SMOKE_KEY}"', "9876543210987654321"),
])
def test_a_secret_in_the_wrong_shape_is_not_echoed(old, new):
    found = problems(GOOD.replace(old, new, 1))
    assert found and not any(TOKEN in p or "9876543210987654321" in p for p in found), found


ACCEPTED = [
    ("bake 0s is one judged window", "{y: 5, bake: 2m}", "{y: 5, bake: 0s}"),
    ("the shortest window", "window: 60s", "window: 50ms"),
    ("the shortest retry", "rollback: {automatic: true}", "rollback: {automatic: true, retry: 1s}"),
    ("a week's bake", "{y: 100, bake: 10m}", "{y: 100, bake: 7d}"),
    ("floats may be written as integers", "error_rate: {max: 0.01,", "error_rate: {max: 0,"),
    ("a name with punctuation and unicode", "name: demo 3.4 to 3.9", "name: prod-tokyo (3.4 → 3.9), take 2"),
    ("a node name that is a host name", "{name: x1,", "{name: kong-x1.prod.example.com:8000,"),
    ("an optional LB path written as null", "backend: kong}", "backend: kong, config: null, state_file: null}"),
    ("a token_env in lower case", "token_env: KONG_ADMIN_TOKEN", "token_env: kong_admin_token_prod"),
]


@pytest.mark.parametrize("what,old,new", ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_values_an_operator_would_write_still_load(what, old, new):
    assert old in GOOD
    load_plan("p.yml", GOOD.replace(old, new, 1))


def test_an_nginx_server_address_may_be_ipv6_or_a_unix_socket_but_the_upstream_is_a_name():
    text = (ROOT / "plans" / "nginx-example.yml").read_text()
    plan = load_plan("n.yml", text)
    assert plan.load_balancer.type == "nginx"
    for server in ("'[::1]:8000'", "unix:/run/kong/proxy.sock"):
        load_plan("n.yml", text.replace("{name: x1,", f"{{name: x1, server: {server},", 1))
    bad = text.replace("upstream: kong", "upstream: 'kong; }'", 1)
    with pytest.raises(PlanError) as info:
        load_plan("n.yml", bad)
    assert any("load_balancer.upstream: an nginx upstream name" in str(p) for p in info.value.problems)


SCENARIO = "name: s\ntraffic: {rps: 2000, shape: diurnal, period: 24h}\nnodes: {start_s: 20s}\nfaults: []\n"


@pytest.mark.parametrize("old,new,path,fragment", [
    ("period: 24h", "period: 0s", "traffic.period", "at least 1s"),
    ("rps: 2000", "rps: .inf", "traffic.rps", "finite number"),
    ("rps: 2000", "rps: true", "traffic.rps", "valid number"),
    ("start_s: 20s", "start_s: .nan", "nodes.start_s", "finite duration"),
    ("name: s", 'name: "s\\x1b[2J"', "name", "U+001B"),
    ("faults: []", "faults: [{kind: crash, node: x1, at: 1e23d}]", "faults.0.at", "unparsable duration"),
])
def test_scenario_values_are_held_to_the_same_rules(old, new, path, fragment):
    plan = load_plan(str(ROOT / "plans" / "demo.yml"))
    with pytest.raises(PlanError) as info:
        load_scenario("s.yml", plan, SCENARIO.replace(old, new, 1))
    assert any(f": {path}: " in str(p) and fragment in str(p) for p in info.value.problems), info.value.problems
    load_scenario("s.yml", plan, SCENARIO)
