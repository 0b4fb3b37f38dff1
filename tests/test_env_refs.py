"""``${env:NAME}`` read one way everywhere (rollout/env_refs.py): plan validation, substitution, redaction."""

from __future__ import annotations

from adapters.world import plan_secrets
from rollout.env_refs import ENV_REF, env_names, env_ref

from .engine_support import plan as engine_plan


def test_a_whole_reference_and_references_inside_text():
    assert ENV_REF.match(env_ref("SMOKE_KEY")) and not ENV_REF.match("${env:KEY}tail")
    assert not ENV_REF.match("${env:9BAD}")
    assert env_names("/echo?k=${env:A}&j=${env:B_2}") == ["A", "B_2"]


def test_every_substituted_smoke_value_is_a_secret(monkeypatch):
    """The Kong adapter substitutes in the path, the headers and the body; all of them are redacted."""
    p = engine_plan()
    check = p.smoke[0]
    request = check.request.model_copy(update={"path": "/echo?k=${env:PATH_KEY}", "body": '{"k": "${env:BODY_KEY}"}'})
    p = p.model_copy(update={"smoke": [check.model_copy(update={"request": request})]})
    monkeypatch.setenv("PATH_KEY", "path-secret")
    monkeypatch.setenv("BODY_KEY", "body-secret")
    monkeypatch.setenv("SMOKE_KEY", "header-secret")
    assert set(plan_secrets(p)) >= {"path-secret", "body-secret", "header-secret"}
