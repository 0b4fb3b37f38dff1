"""The kinds of values plans and scenarios are made of, each refused the way an operator would expect.

A plan that passes ``turnout validate`` must not break a live run, and some once did:
``gates.window: .nan`` was never judged and spun timers with 5 % on Y; ``rollback.retry: 0s``
with the LB down journaled 2,000 fsynced events a second; ``y: true`` ran as 1 %;
``name: ..`` put the journal and the lock into the working directory; a server name with ``;``
is two HAProxy commands, and a newline in a name is a line of its own in nginx's upstream file.
So:

- a duration is finite and lies between a floor and a ceiling (``duration``): the floor where
  zero or a few microseconds would spin a loop, the ceiling where a value stops meaning time;
- numbers are numbers and booleans booleans: the models are pydantic-strict (``STRICT``);
- names are safe where they go: the run name becomes ``.turnout/<slug>``, a node's name an LB
  server, a backup file and an nginx comment; LB names follow the LB's own syntax;
- ``token_env`` names a variable and is never echoed: a pasted token would otherwise be printed.

Problems are raised as ``PydanticCustomError(QUIET, ...)`` so rollout.located prints the message
as written, never with the input appended. The limits are documented in docs/plan-format.md.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from .durations import parse_duration, spoken
from .i18n import N_
from .located import QUIET, shown

# Strict: ``y: true`` is not 1 and ``retries: "2"`` not 2; a NaN or infinity is no number of anything.
STRICT = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
WEEK = 7 * 86400.0
IDENT = re.compile(r"[A-Za-z0-9_.:-]+")  # HAProxy proxy and server names (configuration manual, section 2.1 and 4)
NGINX_IDENT = re.compile(r"[A-Za-z0-9_.-]+")  # an upstream name, also written after http:// in proxy_pass
LB_UNSAFE = re.compile(r"[\s;#{}'\"\\]")  # ends a token or a line in HAProxy's runtime API and nginx's config
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
HTTP_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 section 5.6.2: header names and methods


def refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError(QUIET, message)


def duration(floor: float = 0.0, ceiling: float = WEEK) -> Any:
    """A duration type: parsed as operators write it, then held between ``floor`` and ``ceiling``."""

    def check(value: object) -> float:
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            raise refuse(str(exc)) from None
        if seconds < floor:
            raise refuse(N_("must be at least {floor}, or the loop it paces spins (got {value})").format(
                floor=spoken(floor), value=spoken(seconds)))
        if seconds > ceiling:
            raise refuse(N_("must be at most {ceiling} (got {value})").format(ceiling=spoken(ceiling), value=spoken(seconds)))
        return seconds

    return Annotated[float, BeforeValidator(check)]


def _no_control(value: str, limit: int) -> str:
    """Printable only (str.isprintable): no NUL, newline or escape, and no invisible character
    (a bidi override, a zero-width or non-breaking space) that makes a name read as another."""
    found = next((c for c in value if not c.isprintable()), None)
    if found is not None:
        raise refuse(N_("must not contain control or invisible characters (found {codepoint})").format(
            codepoint=f"U+{ord(found):04X}"))
    if len(value) > limit:
        raise refuse(N_("longer than {limit} characters").format(limit=limit))
    return value


def one_line(value: str | None) -> str | None:
    """URLs, paths and file names: one line, no control characters (a NUL is an error deep in os)."""
    return value if value is None else _no_control(value, 4096)


def _label(value: str) -> str:
    return _no_control(value, 200)


def _run_name(value: str) -> str:
    """The run directory is ``.turnout/<slug>``: ``..`` or ``/`` would put it somewhere else."""
    _no_control(value, 100)
    if "/" in value or "\\" in value:
        raise refuse(N_("must not contain / or \\ (the name becomes the run directory .turnout/<name as a slug>)"))
    if not any(c.isalnum() for c in value):
        raise refuse(N_("needs a letter or a digit (the name becomes the run directory .turnout/<name as a slug>; got {value})").format(
            value=shown(value)))
    return value


def _node_name(value: str) -> str:
    if not IDENT.fullmatch(value) or len(value) > 64 or not any(c.isalnum() for c in value):
        raise refuse(N_("a node name is up to 64 letters, digits and . _ : - with a letter or digit (it names an LB server "
                        "and a backup file; got {value})").format(value=shown(value)))
    return value


def _lb_token(value: str) -> str:
    """A server address or host name written into the LB's config or runtime commands."""
    _no_control(value, 255)
    if not value or LB_UNSAFE.search(value):
        raise refuse(N_("must not be empty or contain whitespace, ; # {{ }} quotes or backslashes (it is written into the "
                        "load balancer's commands and configuration; got {value})").format(value=shown(value)))
    return value


def haproxy_name(value: str) -> str:
    """A backend or server name as HAProxy accepts it; anything else is refused before it is sent."""
    if not IDENT.fullmatch(value) or len(value) > 255:
        raise refuse(N_("an HAProxy name is letters, digits and . _ : - (got {value})").format(value=shown(value)))
    return value


def nginx_name(value: str) -> str:
    if not NGINX_IDENT.fullmatch(value) or len(value) > 255:
        raise refuse(N_("an nginx upstream name is letters, digits and . _ - (got {value})").format(value=shown(value)))
    return value


def _env_name(value: object) -> str:
    """Before any other check: a pasted token must be refused without being repeated."""
    if not isinstance(value, str) or not ENV_NAME.fullmatch(value) or looks_like_token(value):
        raise refuse(N_("token_env must name an environment variable (letters, digits and _), not hold the token"))
    return value


def looks_like_token(name: str) -> bool:
    """A valid variable name can still be a pasted token (``kpat_9f8A7b6C5d4E3f2G1h0I``): a part of
    16 or more characters mixing letters and digits is one; variable names are made of words."""
    if name.lower().startswith(("kpat_", "spat_")):  # Konnect's personal and system-account tokens
        return True
    return any(len(part) >= 16 and re.search(r"\d", part) and re.search(r"[A-Za-z]", part) for part in name.split("_"))


def _http_token(value: str) -> str:
    if not HTTP_TOKEN.fullmatch(value) or len(value) > 200:
        raise refuse(N_("not an HTTP token: letters, digits and !#$%&'*+.^_`|~- (got {value})").format(value=shown(value)))
    return value


def _not_bool(value: object) -> object:
    if isinstance(value, bool):
        raise refuse(N_("must be the number 1, not {value}").format(value=str(value).lower()))
    return value


Duration = duration()
Line = Annotated[str, AfterValidator(one_line)]  # URLs, paths, shell templates: one line, no control characters
Label = Annotated[str, AfterValidator(_label)]  # shown on screens: versions, check names
RunName = Annotated[str, AfterValidator(_run_name)]
NodeName = Annotated[str, AfterValidator(_node_name)]
LbToken = Annotated[str, AfterValidator(_lb_token)]
EnvName = Annotated[str, BeforeValidator(_env_name)]
HttpToken = Annotated[str, AfterValidator(_http_token)]
NotBool = BeforeValidator(_not_bool)
