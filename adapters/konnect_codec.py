"""Konnect's answers, read into Turnout's values. Pure: no I/O, tested on the shapes alone.

The shapes are those of Konnect's public OpenAPI specs (Kong/developer.konghq.com, main):

- ``api-specs/konnect/control-planes-config/v2/openapi.yaml``, operation ``list-dataplane-nodes``
  (``GET /v2/control-planes/{controlPlaneId}/nodes``, query ``page[size]`` and ``page[after]``)::

      {"items": [{"id", "version", "hostname", "last_ping", "type", "created_at", "updated_at",
                  "config_hash", "compatibility_status": {"state", "issues": [...]}}],
       "page": {"total", "next"}}

  ``last_ping`` is in seconds since the epoch; ``page.next`` leads to the next page (Turnout
  accepts the cursor itself or a link that carries ``page[after]``);
- ``api-specs/konnect/control-planes/v2/openapi.yaml``, operation ``list-control-planes``
  (``GET /v2/control-planes``, ``filter[name][eq]``, ``page[size]``, ``page[number]``)::

      {"data": [{"id", "name", ...}], "meta": {"page": {"number", "size", "total"}}}

- errors are problem details (RFC 7807): ``{"status", "title", "detail", "instance"}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Mapping
from urllib.parse import parse_qs, urlsplit

from rollout.observations import DataPlaneRow
from rollout.i18n import N_

from .kong_codec import json_object, one_line

AFTER = "page[after]"


@dataclass(frozen=True)
class NodesPage:
    rows: list[DataPlaneRow]
    after: str | None  # the cursor of the next page, None on the last
    total: int | None


def _text(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else ""


def _seconds(value: Any) -> float:
    """``last_ping`` as the spec types it (integer seconds); 0 when absent or not a number."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def parse_node(item: Any) -> DataPlaneRow:
    """One node record. Konnect has no ``sync_status``: the row carries ``compatibility_status.state``
    there (e.g. ``COMPATIBILITY_STATE_FULLY_COMPATIBLE``), and ``last_seen`` is ``last_ping``."""
    if not isinstance(item, Mapping):
        raise ValueError(N_("a node record is not an object"))
    compat = item.get("compatibility_status")
    state = _text(compat, "state") if isinstance(compat, Mapping) else ""
    return DataPlaneRow(id=_text(item, "id"), hostname=_text(item, "hostname"), ip="", version=_text(item, "version"),
                        sync_status=state, config_hash=_text(item, "config_hash"), last_seen=_seconds(item.get("last_ping")))


def parse_nodes_page(body: Any) -> NodesPage:
    if not isinstance(body, Mapping) or not isinstance(body.get("items"), list):
        raise ValueError(N_("the answer has no items list (is base_url Konnect's API?)"))
    page = body.get("page") if isinstance(body.get("page"), Mapping) else {}
    total = page.get("total") if isinstance(page.get("total"), int) else None
    return NodesPage([parse_node(item) for item in body["items"]], next_cursor(page.get("next")), total)


def next_cursor(nxt: Any) -> str | None:
    """``page.next``: the cursor for ``page[after]``, whether Konnect gives it bare or inside a link."""
    if not isinstance(nxt, str) or not nxt:
        return None
    if "?" in nxt or "://" in nxt or nxt.startswith("/"):
        found = parse_qs(urlsplit(nxt).query).get(AFTER)
        return found[0] if found else None
    return nxt


def control_plane_id(body: Any, name: str) -> str:
    """The id of the one control plane called ``name`` in a ``list-control-planes`` answer."""
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, list):
        raise ValueError(N_("the answer has no data list (is base_url Konnect's API?)"))
    ids = [cp.get("id") for cp in data if isinstance(cp, Mapping) and cp.get("name") == name]
    if not ids:
        raise ValueError(N_("no control plane named {name} is visible to this token").format(name=repr(name)))
    if len(ids) > 1:
        raise ValueError(N_("{count} control planes are named {name}; set control_plane_id instead").format(
            count=len(ids), name=repr(name)))
    if not isinstance(ids[0], str) or not ids[0]:
        raise ValueError(N_("the control plane named {name} has no id").format(name=repr(name)))
    return ids[0]


def control_plane_name(body: Any) -> str:
    """The name in a ``get-control-plane`` answer (decK's dump names the control plane by it)."""
    name = body.get("name") if isinstance(body, Mapping) else None
    if not isinstance(name, str) or not name:
        raise ValueError(N_("the control plane has no name"))
    return name


def problem_detail(body_text: str) -> str:
    """A one-line detail from a problem+json error (``title: detail``), else the text cut down."""
    body = json_object(body_text)
    if body is None:
        return one_line(body_text)
    parts = [str(body[k]) for k in ("title", "detail", "message") if isinstance(body.get(k), str) and body[k]]
    return one_line(": ".join(dict.fromkeys(parts)))


def retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` (RFC 9110 section 10.2.3): delay-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
