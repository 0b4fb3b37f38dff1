"""``turnout tune --write OUT``: the operator's plan file with the tuned steps and gates, nothing else.

The plan is the operator's document (their comments say why a step approves, who owns a node),
so it is edited as a round trip with ruamel.yaml, never re-dumped from the model: every other
key, comment and quoting stays as written. The steps list is replaced (one flow mapping per
step, as plans/demo.yml writes them); under ``gates`` only the tuned keys change. The text is
validated as a plan before it is written, so ``--write`` never leaves a file ``turnout validate``
would refuse.
"""

from __future__ import annotations

import io

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from rollout.plan import Plan, load_plan


def duration_text(seconds: float) -> str:
    """As a plan writes it: ``2m``, ``90s``, ``1h``."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"


def tuned_text(original: str, tuned: Plan, path: str) -> str:
    """The original plan's text with ``tuned``'s steps and gates."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    doc = yaml.load(original)
    before = load_plan(path, text=original)
    if before.steps != tuned.steps:
        doc["steps"] = _steps(tuned)
    _gates(doc, before, tuned)
    out = io.StringIO()
    yaml.dump(doc, out)
    text = out.getvalue()
    load_plan(path, text=text)  # raises PlanError: never write a plan validate would refuse
    return text


def _gates(doc, before: Plan, tuned: Plan) -> None:
    """Set the tuned gate keys that changed (a key left as it was keeps its spelling: ``60s``)."""
    old, new = before.gates, tuned.gates
    changed = {key: getattr(new, key) for key in ("window", "min_requests", "failures_to_rollback", "false_rollback_rate",
                                                  "per_node") if getattr(old, key) != getattr(new, key)}
    if not changed and old.error_rate.max_delta_vs_x == new.error_rate.max_delta_vs_x:
        return
    gates = doc.setdefault("gates", CommentedMap())
    for key, value in changed.items():
        gates[key] = duration_text(value) if key == "window" else value
    if old.error_rate.max_delta_vs_x != new.error_rate.max_delta_vs_x:
        gates.setdefault("error_rate", CommentedMap())["max_delta_vs_x"] = new.error_rate.max_delta_vs_x


def _steps(plan: Plan) -> CommentedSeq:
    steps = CommentedSeq()
    for step in plan.steps:
        item = CommentedMap(y=step.y, bake=duration_text(step.bake))
        if step.approve:
            item["approve"] = True
        item.fa.set_flow_style()
        steps.append(item)
    return steps


def write_tuned(plan_path: str, tuned: Plan, out_path: str) -> None:
    with open(plan_path, encoding="utf-8") as f:
        text = tuned_text(f.read(), tuned, out_path)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
