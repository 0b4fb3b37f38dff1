"""The cockpit's views: each renders the screen's frozen Snapshot and nothing else (data down)."""

from .banner import Banner
from .eventlog import EventLog
from .gates import GatesView
from .pools import PoolTable
from .procedure import ProcedureView
from .split import SplitMeter

__all__ = ["Banner", "EventLog", "GatesView", "PoolTable", "ProcedureView", "SplitMeter"]
