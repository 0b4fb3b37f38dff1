"""Durations as operators write them in plans: ``90s``, ``2m``, ``1h30m``, ``500ms`` or plain seconds.

Only finite, non-negative values parse (a ``.nan`` or ``.inf`` from YAML is refused here); the
floor and ceiling each key needs are applied by ``rollout.plan_values.duration``.
"""

import math
import re

from .i18n import N_

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
MAX_TEXT = 32  # longer is no duration, and the unit regex would take quadratic time to say so


def parse_duration(value: object) -> float:
    """Return seconds; raise ValueError with the operator's text for anything unparsable."""
    if isinstance(value, bool):
        raise ValueError(N_("not a duration: {value}").format(value=repr(value)))
    if isinstance(value, (int, float)):
        if isinstance(value, int) and abs(value) > 1e300:  # math.isfinite would raise OverflowError
            raise ValueError(N_("must be a finite duration, not a number this large"))
        if not math.isfinite(value):
            raise ValueError(N_("must be a finite duration, not {value}").format(value=".nan" if math.isnan(value) else ".inf"))
        if value < 0:
            raise ValueError(N_("negative duration: {value}").format(value=repr(value)))
        return float(value)
    if not isinstance(value, str):
        raise ValueError(N_("not a duration: a {kind} (use e.g. 90s, 2m, 1h30m, 500ms)").format(kind=type(value).__name__))
    text = value.strip().replace(" ", "")
    if len(text) > MAX_TEXT:
        raise ValueError(N_("not a duration: {length} characters (use e.g. 90s, 2m, 1h30m, 500ms)").format(length=len(text)))
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(N_("unparsable duration {value} (use e.g. 90s, 2m, 1h30m, 500ms)").format(value=repr(value)))
    return sum(float(n) * _UNITS[u] for n, u in parts)


def spoken(seconds: float) -> str:
    """A bound or a value in an error message, in the unit an operator would write: ``50ms``, ``7d``."""
    if seconds == 0:
        return "0s"
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("m", 60.0), ("s", 1.0)):
        if seconds >= size:
            return f"{seconds / size:g}{unit}"
    return f"{seconds * 1000:g}ms"


def format_duration(seconds: float) -> str:
    """The short form shown on screens and in timelines: ``1h02m``, ``4m05s``, ``12s``."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f}s"
    minutes, sec = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
