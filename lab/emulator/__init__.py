"""The Kong node emulator: Kong-shaped Admin, Status and proxy ports per node, many per process.

Public API (the lab and the tests use these)::

    cluster = await start_nodes([NodeSpec("x1", "3.4.2"), NodeSpec("y1", "3.9.1")])
    cluster["y1"].urls()            # {"admin": ..., "status": ..., "proxy": ..., "version", "role"}
    cluster["y1"].faults.update({"error_share": 0.05})   # or POST /__turnout/fault on its admin port
    await cluster.stop()

``python -m lab.emulator --spec nodes.json`` runs the same from a shell (see lab/emulator/__main__.py).
"""

from .cluster import EmulatorCluster, parse_specs, start_nodes
from .node import EmulatedNode, Faults, NodeSpec

__all__ = ["EmulatorCluster", "EmulatedNode", "Faults", "NodeSpec", "parse_specs", "start_nodes"]
