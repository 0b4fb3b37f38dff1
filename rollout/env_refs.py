"""``${env:NAME}``: how a plan names a secret instead of writing it down. Pure.

A smoke header such as ``apikey: "${env:SMOKE_KEY}"`` keeps the key out of the plan file, the
journal and every log. Three places need the same reading of that syntax: plan validation (a
secret header must be exactly one reference), the Kong adapter (substitute the values just before
sending) and redaction (know every value that must never be written). They all use this module.
"""

from __future__ import annotations

import re
from typing import Mapping

from .i18n import N_

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
ENV_REF = re.compile(rf"^\$\{{env:({_NAME})\}}$")  # a value that is exactly one reference
_ANY_REF = re.compile(rf"\$\{{env:({_NAME})\}}")


class MissingEnv(KeyError):
    """A ``${env:NAME}`` reference whose variable is not set; names the variable, never a value."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return N_("environment variable {name} is not set").format(name=self.name)


def env_ref(name: str) -> str:
    """The reference a plan writes for variable ``name``."""
    return "${env:" + name + "}"


def env_names(text: str) -> list[str]:
    """The variable names referenced anywhere in ``text``, in order."""
    return _ANY_REF.findall(text)


def substitute_env(text: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    """Replace every ``${env:NAME}``; return the text and the substituted values (to redact later)."""
    secrets: list[str] = []

    def repl(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise MissingEnv(name)
        secrets.append(env[name])
        return env[name]

    return _ANY_REF.sub(repl, text), secrets
