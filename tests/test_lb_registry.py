"""One entry per load-balancer type, on both sides (rollout/lb_types.py, adapters/lb.py), and the
capabilities the ports declare (rollout/ports.py). An unknown type is an error everywhere."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from adapters.lb import LIVE_LBS, Flavours, LiveLB, LockTarget, NoHostLock, build_load_balancer, live_lb
from adapters.metrics import build_metrics
from adapters.target_lock import TargetLock, target_of
from adapters.world import build_world
from rollout import ports
from rollout.errors import PlanError
from rollout.lb_types import LB_TYPES, lb_type
from rollout.plan import LB_SPECS, HAProxyLB, Plan, lb_type_name, load_plan
from rollout.preflight_lb import lb_checks

from .realparts import make_plan

ROOT = Path(__file__).resolve().parent.parent
LIVE_EXAMPLES = ["haproxy-example.yml", "nginx-example.yml", "nginx-lua-example.yml", "k8s-gateway-api.yml", "weighted-dns.yml"]
CAPABILITIES = [ports.Advises, ports.ReportsStatRows, ports.ReportsPoolCounters, ports.NotifiesChange]


def flavours(entry: LiveLB | Flavours) -> list[LiveLB]:
    return list(entry.entries.values()) if isinstance(entry, Flavours) else [entry]


# ---- one entry per type, on both sides ------------------------------------------------------

def test_both_registries_cover_exactly_the_types_the_plan_accepts():
    union = get_args(Plan.model_fields["load_balancer"].annotation)
    assert set(union) == set(LB_SPECS)
    accepted = {lb_type_name(spec) for spec in LB_SPECS}
    assert accepted == {"haproxy", "nginx", "command", "sim"}
    assert set(LB_TYPES) == accepted
    assert set(LIVE_LBS) == accepted
    for name, entry in LB_TYPES.items():
        assert lb_type_name(entry.spec) == name and entry.spec in LB_SPECS


def test_a_type_with_flavours_wires_every_flavour_its_spec_accepts():
    nginx = LIVE_LBS["nginx"]
    assert isinstance(nginx, Flavours) and nginx.key == "mode"
    spec = LB_TYPES["nginx"].spec
    assert set(nginx.entries) == set(get_args(spec.model_fields[nginx.key].annotation)) == {"reload", "lua"}


def test_only_the_simulated_lb_has_no_host_wide_lock_and_it_says_why():
    without = {name for name, entry in LIVE_LBS.items() for e in flavours(entry) if isinstance(e.lock, NoHostLock)}
    assert without == {"sim"}
    assert "rehearsal" in LIVE_LBS["sim"].lock.why
    sim = make_plan({"type": "sim"})
    assert target_of(sim) is None
    TargetLock(sim, "sim.yml").acquire()  # nothing to take, and it says so in the entry, not by a None


def test_the_lb_metrics_source_is_declared_per_flavour():
    declared = {(name, i) for name, entry in LIVE_LBS.items() for i, e in enumerate(flavours(entry)) if e.lb_metrics}
    assert declared == {("haproxy", 0), ("nginx", 1)}  # HAProxy show stat; the nginx Lua balancer's counters
    assert live_lb(make_plan({"type": "nginx", "mode": "lua", "admin": "http://127.0.0.1:8083/weights"}).load_balancer).lb_metrics


def test_a_plan_model_says_whether_its_lb_counts_requests_as_the_live_entry_does():
    """``metrics.source: lb`` is judged at validation from the plan model's declaration; the live
    entry's metrics factory must agree, or validate would pass a plan the run cannot wire."""
    specs = [{"type": "haproxy", "socket": "/run/haproxy.sock", "backend": "kong"},
             {"type": "nginx", "mode": "reload", "upstream_file": "/etc/nginx/kong.conf"},
             {"type": "nginx", "mode": "lua", "admin": "http://127.0.0.1:8083/weights"},
             {"type": "command", "set_weights": "true"}]
    for spec in specs:
        lb = make_plan(spec).load_balancer
        assert lb.counts_requests == (live_lb(lb).lb_metrics is not None), spec


def test_metrics_from_an_lb_that_counts_nothing_fail_validate_with_a_located_error(tmp_path):
    text = (ROOT / "plans" / "weighted-dns.yml").read_text()
    assert "metrics:" in text and "source: kong" in text
    plan = tmp_path / "dns.yml"
    plan.write_text(text.replace("source: kong", "source: lb"))
    line = next(i for i, row in enumerate(plan.read_text().splitlines(), 1) if "source: lb" in row)
    done = subprocess.run([sys.executable, "-m", "tui.cli", "validate", str(plan)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and not done.stderr, done
    assert done.stdout.splitlines() == [
        f"{plan}:{line}: metrics.source: source lb reads HAProxy stats (or the nginx Lua balancer's counters); "
        "this load balancer counts no requests: use source kong or prometheus"]


def test_the_lock_key_is_the_label_until_the_entry_knows_an_identity(tmp_path, monkeypatch):
    """Issue 17 keys locks by what they guard: an entry that gives ``identity`` changes the key, nothing else."""
    assert LockTarget("haproxy /s backend kong").key == "haproxy /s backend kong"
    assert LockTarget("haproxy /s backend kong", identity="haproxy pid 42").key == "haproxy pid 42"
    monkeypatch.setenv("TURNOUT_LOCK_DIR", str(tmp_path / "locks"))
    same_process = LiveLB(LIVE_LBS["haproxy"].build, lambda spec: LockTarget(f"haproxy {spec.socket}", identity="haproxy pid 42"),
                          LIVE_LBS["haproxy"].lb_metrics)
    monkeypatch.setitem(LIVE_LBS, "haproxy", same_process)
    first = TargetLock(make_plan({"type": "haproxy", "socket": "/run/a.sock", "backend": "kong"}), "a.yml")
    second = TargetLock(make_plan({"type": "haproxy", "socket": "/run/b.sock", "backend": "kong"}), "b.yml")
    first.acquire()
    try:
        with pytest.raises(Exception, match=r"^haproxy /run/b.sock: another turnout \(pid \d+, plan .*a.yml\)"):
            second.acquire()
    finally:
        first.release()


def test_every_lock_is_keyed_by_what_the_plan_reaches_not_only_by_its_words():
    """Issue 17, item 7: an entry either asks the world which thing the plan reaches (``identify``,
    adapters/lock_identity.py) or says it from the spec (the command's normalised template)."""
    for name in LIVE_EXAMPLES:
        spec = load_plan(str(ROOT / "plans" / name)).load_balancer
        entry = live_lb(spec)
        assert (entry.identify is not None) != (entry.lock(spec).identity is not None), name
    assert {n for n, e in LIVE_LBS.items() for f in flavours(e) if f.identify} == {"haproxy", "nginx"}


# ---- an unknown type is an error, everywhere ------------------------------------------------

def test_an_unknown_type_fails_validate_with_a_located_error(tmp_path):
    text = (ROOT / "plans" / "demo.yml").read_text().replace("load_balancer: {type: haproxy,", "load_balancer: {type: traefik,")
    plan = tmp_path / "traefik.yml"
    plan.write_text(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("load_balancer:"))
    done = subprocess.run([sys.executable, "-m", "tui.cli", "validate", str(plan)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and not done.stderr, done
    assert done.stdout.splitlines() == [
        f"{plan}:{line}: load_balancer.type: unknown type 'traefik'; expected one of 'haproxy', 'nginx', 'command', 'sim'"]


def test_a_type_the_registries_do_not_know_never_falls_back(tmp_path, monkeypatch):
    """A plan model ahead of the registries (the union changed, an entry forgotten) fails at every
    lookup with the located message: no lock skipped, no other LB's split or metrics."""
    monkeypatch.setenv("TURNOUT_LOCK_DIR", str(tmp_path / "locks"))
    plan = load_plan(str(ROOT / "plans" / "haproxy-example.yml"))
    plan = plan.model_copy(update={"load_balancer": HAProxyLB.model_construct(type="traefik", socket="/s", backend="kong")})
    lookups = [lambda: lb_type(plan.load_balancer), lambda: lb_checks(plan), lambda: live_lb(plan.load_balancer),
               lambda: build_load_balancer(plan), lambda: build_metrics(plan, object()), lambda: target_of(plan),
               lambda: TargetLock(plan, "p.yml")]
    for lookup in lookups:
        with pytest.raises(PlanError) as info:
            lookup()
        assert str(info.value) == "plan: load_balancer.type: unknown load balancer type 'traefik'"


# ---- capabilities are declared --------------------------------------------------------------

def members(capability: type) -> set[str]:
    """What a capability Protocol asks for: its annotated attributes and its methods and properties."""
    own = {name for name in vars(capability) if not name.startswith("_")}
    return own | set(getattr(capability, "__annotations__", {}))


def declared(port: object) -> set[type]:
    return {c for c in CAPABILITIES if c in type(port).__mro__}


@pytest.fixture(scope="module")
def live_worlds(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    return {name: build_world(load_plan(str(ROOT / "plans" / name)), str(run_dir)) for name in LIVE_EXAMPLES}


def test_every_live_lb_and_metrics_source_declares_what_it_does(live_worlds):
    """Each capability is declared exactly by the ports that have it; its methods are coroutines."""
    ports_seen = [port for world in live_worlds.values() for port in (world.lb, world.metrics)]
    assert {type(p).__name__ for p in ports_seen} == {
        "HAProxyBalancer", "NginxReload", "NginxLua", "CommandBalancer", "HAProxyStats", "LuaPoolStats", "KongScrape", "PrometheusQuery"}
    for port in ports_seen:
        for capability in CAPABILITIES:
            has = all(hasattr(port, m) for m in members(capability))  # the test checks the declaration, the code never probes
            assert has == (capability in declared(port)), (type(port).__name__, capability.__name__)
            for name in members(capability) & set(dir(type(port))):
                if inspect.iscoroutinefunction(vars(capability).get(name)):
                    assert inspect.iscoroutinefunction(getattr(type(port), name)), (type(port).__name__, name)
    by_name = {type(p).__name__: declared(p) for p in ports_seen}
    assert by_name["HAProxyBalancer"] == {ports.Advises, ports.ReportsStatRows, ports.NotifiesChange}
    assert by_name["NginxLua"] == {ports.Advises, ports.ReportsPoolCounters}


def test_the_live_world_names_its_advisers(live_worlds):
    for world in live_worlds.values():
        assert list(world.advisers) == [world.lb, world.metrics]
        assert all(isinstance(port.warnings, list) for port in world.advisers)
    assert build_world(load_plan(str(ROOT / "plans" / "haproxy-example.yml")), ".", traffic=False).advisers == ()


def test_haproxy_stats_take_their_baseline_through_the_declared_hook(live_worlds):
    world = live_worlds["haproxy-example.yml"]
    assert [hook.__self__ for hook in world.lb.after_change] == [world.metrics]


def test_no_module_in_adapters_probes_a_port():
    """``hasattr``/``getattr`` only on exceptions (``exc.strerror``), never to find out what a port can do."""
    for path in sorted((ROOT / "adapters").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("hasattr", "getattr"):
                target = node.args[0]
                assert node.func.id == "getattr" and isinstance(target, ast.Name) and target.id == "exc", \
                    f"{path.name}:{node.lineno}: {ast.unparse(node)}"
