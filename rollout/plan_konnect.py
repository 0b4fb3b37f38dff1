"""The ``konnect:`` block of a ``mode: konnect`` plan: data planes whose control plane is Kong Konnect.

There is no control-plane Admin API to ask with Konnect: the data planes connected to a control
plane are listed by Konnect's public API, ``GET /v2/control-planes/{controlPlaneId}/nodes`` at
``https://{region}.api.konghq.com`` ("Control Planes Config" v2, operation list-dataplane-nodes:
https://github.com/Kong/developer.konghq.com/blob/main/api-specs/konnect/control-planes-config/v2/openapi.yaml),
with a personal (``kpat_``) or system-account (``spat_``) access token sent as a bearer token.

Why the block looks as it does:

- one of ``region`` (Konnect's production regions, the servers of that spec) or ``base_url``
  (the lab, a test, a proxy in front of Konnect), never both: a plan must not say two places;
- one of ``control_plane_id`` or ``control_plane_name`` (the name is resolved once, through
  ``GET /v2/control-planes?filter[name][eq]=``), never both, for the same reason;
- ``token_env`` names the variable holding the token, as ``admin_auth.token_env`` does; a
  ``token:`` key, or any value in the block that is a Konnect token (``kpat_``/``spat_``), is
  refused without being repeated;
- ``backup.command`` is the shell template that dumps the control plane's declarative config
  (decK's ``deck gateway dump``): the config lives in Konnect, not on the data planes.

docs/konnect.md is the operator's page for all of it.
"""

from __future__ import annotations

import re
import string
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from .i18n import N_
from .plan_values import STRICT, Duration, EnvName, Label, Line, duration, refuse

REGIONS = ("us", "eu", "au", "me", "in", "sg")
KONNECT_TOKEN = re.compile(r"\b[ks]pat_[A-Za-z0-9]{8,}")  # personal / system-account access tokens
# What a backup command template may name (adapters/konnect_backup.py fills them in).
BACKUP_FIELDS = frozenset({"file", "token_file", "control_plane_name", "control_plane_id", "base_url", "region"})
DECK_EXAMPLE = ("deck gateway dump --konnect-addr {base_url} --konnect-token-file {token_file} "
                "--konnect-control-plane-name {control_plane_name} -o {file} --yes")


TOKEN_IN_CLEAR = N_("a Konnect access token (kpat_/spat_) written in clear; put it in an environment variable and name it with token_env")


def konnect_token_in(value: Any) -> bool:
    """A Konnect access token in a value (its text is never repeated in a message)."""
    return isinstance(value, str) and bool(KONNECT_TOKEN.search(value))


class KonnectBackup(BaseModel):
    """How the control plane's declarative config is backed up before any traffic moves."""

    model_config = STRICT
    command: Line | None = None  # shell template, e.g. DECK_EXAMPLE; none: the operator confirms a backup taken by hand
    timeout: duration(1.0, 3600.0) = 300.0

    @field_validator("command", mode="before")
    @classmethod
    def _no_token_in_clear(cls, value: Any) -> Any:
        if konnect_token_in(value):
            raise refuse(TOKEN_IN_CLEAR)
        return value

    @field_validator("command")
    @classmethod
    def _known_fields(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise refuse(N_("bad template ({reason}); write literal braces as {{{{ and }}}}").format(reason=exc)) from None
        unknown = sorted(names - BACKUP_FIELDS)
        if unknown:
            raise refuse(N_("unknown placeholder {name}; use {known}").format(
                name="{" + unknown[0] + "}", known=", ".join("{" + f + "}" for f in sorted(BACKUP_FIELDS))))
        if "file" not in names:
            raise refuse(N_("the template must write the dump to {file} (Turnout verifies and keeps that file)"))
        return value


class Konnect(BaseModel):
    model_config = STRICT

    region: Literal[REGIONS] | None = None  # type: ignore[valid-type]
    base_url: Line | None = None  # instead of region: the lab, tests, a proxy in front of Konnect
    control_plane_id: Label | None = None
    control_plane_name: Label | None = None  # resolved once through the control planes list
    token_env: EnvName
    ping_max_age: duration(1.0, 3600.0) = 90.0  # a DP pings every 30 s; older than this is not connected
    page_size: int = Field(default=100, ge=1, le=1000)
    retry_after_max: Duration = 60.0  # the longest Retry-After a 429 may make Turnout wait, per call
    backup: KonnectBackup = KonnectBackup()

    @field_validator("base_url", "control_plane_id", "control_plane_name", mode="before")
    @classmethod
    def _no_token_in_clear(cls, value: Any) -> Any:
        """Before any other check: a pasted token is refused at its key and never repeated."""
        if konnect_token_in(value):
            raise refuse(TOKEN_IN_CLEAR)
        return value

    @property
    def api(self) -> str:
        """The API's base URL, without the ``/v2`` its paths start with."""
        return (self.base_url or f"https://{self.region}.api.konghq.com").rstrip("/")

    @property
    def control_plane(self) -> str:
        """How the plan names the control plane, for messages."""
        return self.control_plane_id or f"named {self.control_plane_name!r}"


def konnect_problems(mode: str, konnect: Konnect | None) -> list[tuple[str, ...]]:
    """The rules that span the block and the plan's mode; (key.path, message[, key.path to point at])."""
    if mode != "konnect":
        return [("konnect", N_("a konnect block needs mode: konnect (this plan is mode: {mode})").format(
            mode=mode))] if konnect else []
    if konnect is None:
        return [("konnect", N_("a konnect plan needs a konnect block (region or base_url, control_plane_id or "
                               "control_plane_name, token_env)"), "mode")]
    problems: list[tuple[str, ...]] = []
    if (konnect.region is None) == (konnect.base_url is None):
        why = N_("both given: name one") if konnect.region else N_("missing")
        problems.append(("konnect.region", N_("region (us, eu, au, me, in, sg) or base_url: {why}").format(why=why), "konnect"))
    if (konnect.control_plane_id is None) == (konnect.control_plane_name is None):
        why = N_("both given: name one") if konnect.control_plane_id else N_("missing")
        problems.append(("konnect.control_plane_id", N_("control_plane_id or control_plane_name: {why}").format(why=why),
                         "konnect"))
    return problems
