"""Fuzzing the plan loader (issue 17: a fuzz test for plans).

Mutated valid plans (a value replaced by a wrong type, NaN, infinity, a huge number or an odd
string; a key deleted, added or written twice), mangled plan text and random bytes never raise
anything but the located PlanError, never take long, and each problem is one bounded line
naming the file; a plan that loads keeps the promises a live run relies on (``safe``).
Generated valid plans still load, with the values they were written with.
"""

from __future__ import annotations

import copy
import math
import re
import time

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from adapters.rundir import slug
from rollout.errors import PlanError
from rollout.plan import Plan, load_plan
from rollout.plan_values import ENV_NAME, IDENT

from .test_plan import GOOD

GOOD_DOC = yaml.safe_load(GOOD)
BOUND_S = 2.0  # per document; a valid one loads in milliseconds
ODD_STRINGS = [".nan", ".inf", "-.inf", "1e23d", "100000000000000000000000d", "0s", "-1s", "0", "..", "/", "a;b", "a b",
               "x\ny", "\x00", "\x1b[2J", "\u202e", "${env:X}", "kpat_9f8A7b6C5d4E3f2G1h0IjKlMnOp", "9" * 5000,
               "2024-02-30", "1h30m", "true", "null", "x1", "y1", "haproxy", "&a", "*a", "!!python/object", "<<"]
ODD = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40), st.sampled_from(ODD_STRINGS),
    st.lists(st.integers(-3, 300), max_size=3), st.dictionaries(st.sampled_from(["y", "name", "x", "type", "zz"]), st.integers(), max_size=3),
)
KEY_LINE = re.compile(r"^\s*[^\s#-][^:]*:( |$)")  # a `key:` line of block style (not a list item's first line)


def paths(doc, prefix: tuple = ()):
    """Every place in the document: the root, then every key and list index below it."""
    yield prefix
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for key, value in items:
        yield from paths(value, prefix + (key,))


def mutated(path: tuple, op: str, value) -> dict:
    doc = copy.deepcopy(GOOD_DOC)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if not path:
        return doc
    if op == "replace":
        parent[path[-1]] = value
    elif op == "delete":
        del parent[path[-1]]
    elif op == "add" and isinstance(parent, dict):
        parent[f"{path[-1]}x"] = value
    return doc


def dump(doc) -> str:
    return yaml.safe_dump(doc, sort_keys=False, width=10**6, allow_unicode=True)


def loads_or_refuses(text: str | None = None, path: str = "p.yml") -> Plan | None:
    """Load; a refusal must be PlanError with one bounded line per problem naming the file; quick either way."""
    started = time.monotonic()
    try:
        return safe(load_plan(path, text))
    except PlanError as exc:
        assert exc.problems
        for problem in exc.problems:
            line = str(problem)
            assert line.startswith(path) and "\n" not in line and len(line) < 500 and line.isprintable(), line
        return None
    finally:
        assert time.monotonic() - started < BOUND_S


def safe(plan: Plan) -> Plan:
    """What a loaded plan promises the live run: finite bounded durations, integer percents, safe names."""
    durations = [s.bake for s in plan.steps] + [plan.gates.window, plan.rollback.retry, plan.timeouts.request,
                                                  plan.timeouts.ready, plan.finish.watch]
    assert all(math.isfinite(d) and 0 <= d <= 7 * 86400 for d in durations), durations
    assert plan.gates.window >= 0.05 and plan.rollback.retry >= 1 and plan.timeouts.request >= 0.1
    assert all(type(s.y) is int for s in plan.steps) and plan.turnout == 1 and plan.turnout is not True
    assert slug(plan.name) not in (".", "..") and "/" not in plan.name and plan.name.isprintable()
    assert all(IDENT.fullmatch(n.lb_name) for pool in (plan.pools.x, plan.pools.y) for n in pool.nodes)
    assert ENV_NAME.fullmatch(plan.admin_auth.token_env) if plan.admin_auth else True
    return plan


ALL_PATHS = list(paths(GOOD_DOC))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ALL_PATHS), st.sampled_from(["replace", "delete", "add"]), ODD)
@example(("finish", "watch"), "replace", 10**400)  # found by this test: math.isfinite(10**400) raised OverflowError
def test_a_mutated_plan_loads_or_is_refused_located(path, op, value):
    loads_or_refuses(dump(mutated(path, op, value)))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_a_key_written_twice_is_always_refused(data):
    lines = dump(GOOD_DOC).splitlines()
    i = data.draw(st.sampled_from([n for n, line in enumerate(lines) if KEY_LINE.match(line)]))
    text = "\n".join(lines[: i + 1] + [lines[i]] + lines[i + 1:]) + "\n"
    with pytest.raises(PlanError) as info:
        load_plan("p.yml", text)
    assert any(str(p).startswith(f"p.yml:{i + 2}: ") and "written twice" in str(p) for p in info.value.problems)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mangled_plan_text_loads_or_is_refused_located(data):
    """Lines dropped, repeated or cut, YAML punctuation sprinkled in: the parser's corners."""
    lines = GOOD.splitlines(keepends=True)
    at = data.draw(st.integers(0, len(lines) - 1))
    noise = data.draw(st.text(alphabet="{}[]:,-&*!|>'\"#%@`?~ \n\t\\axy01.", max_size=30))
    op = data.draw(st.sampled_from(["drop", "repeat", "insert", "cut"]))
    if op == "drop":
        lines = lines[:at] + lines[at + 1:]
    elif op == "repeat":
        lines = lines[:at] + [lines[at]] * data.draw(st.integers(2, 50)) + lines[at:]
    elif op == "insert":
        cut = data.draw(st.integers(0, len(lines[at])))
        lines[at] = lines[at][:cut] + noise + lines[at][cut:]
    else:
        lines = lines[:at] + [lines[at][: data.draw(st.integers(0, len(lines[at])))]]
    loads_or_refuses("".join(lines))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=4096), st.binary(max_size=64).map(lambda b: GOOD.encode()[:1500] + b + GOOD.encode()[1500:])))
def test_random_bytes_in_a_plan_file_are_refused_located(scratch, blob):
    path = scratch / "p.yml"
    path.write_bytes(blob)
    loads_or_refuses(path=str(path))


def durations(floor_ms: int, ceiling_ms: int):
    """A duration as an operator writes it, with the seconds it means."""
    return st.integers(floor_ms, ceiling_ms).flatmap(lambda ms: st.sampled_from([
        (f"{ms}ms", ms / 1000), (ms / 1000, ms / 1000), *([(f"{ms // 1000}s", ms // 1000)] if ms % 1000 == 0 else []),
    ]))


NODE_NAMES = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}", fullmatch=True)
RUN_NAMES = st.text(st.characters(categories=["L", "N", "Pd", "Ps", "Pe"], include_characters=" "), min_size=1, max_size=60).filter(
    lambda s: any(c.isalnum() for c in s))


@st.composite
def valid_plans(draw):
    """The demo plan with steps, durations and names drawn from everything the format allows."""
    doc = copy.deepcopy(GOOD_DOC)
    ys = sorted(draw(st.lists(st.integers(0, 100), max_size=5))) + [100]
    bakes = [draw(durations(0, 7 * 86400 * 1000)) for _ in ys]
    window, retry = draw(durations(50, 86400 * 1000)), draw(durations(1000, 600 * 1000))
    names = draw(st.lists(NODE_NAMES, min_size=2, max_size=6, unique=True))
    doc["steps"] = [{"y": y, "bake": bake} for y, (bake, _) in zip(ys, bakes)]
    doc["gates"]["window"], doc["rollback"]["retry"] = window[0], retry[0]
    doc["name"] = draw(RUN_NAMES)
    doc["pools"]["x"]["nodes"] = [{"name": n} for n in names[: len(names) // 2]]
    doc["pools"]["y"]["nodes"] = [{"name": n} for n in names[len(names) // 2:]]
    doc["admin_auth"]["token_env"] = draw(st.from_regex(r"[A-Z][A-Z_]{0,30}", fullmatch=True))
    return doc, [s for _, s in bakes], window[1], retry[1]


@settings(max_examples=150, deadline=None)
@given(valid_plans())
def test_generated_valid_plans_still_load_with_their_values(case):
    doc, bakes, window, retry = case
    plan = loads_or_refuses(dump(doc))
    assert plan is not None
    assert plan.name == doc["name"] and [s.y for s in plan.steps] == [s["y"] for s in doc["steps"]]
    assert all(math.isclose(s.bake, b) for s, b in zip(plan.steps, bakes))
    assert math.isclose(plan.gates.window, window) and math.isclose(plan.rollback.retry, retry)
