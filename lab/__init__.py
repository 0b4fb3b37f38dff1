"""The lab: real processes on loopback, neither the simulation nor the production adapters.

``turnout lab up`` starts emulated Kong nodes (``python -m lab.emulator``) behind a real
HAProxy (``lab.haproxy``), with optional background load (``python -m lab.loadgen``), and
writes a ready-to-run plan (docs/lab.md). The tests' real parts (HAProxy, counting backends,
free ports) come from here too, so what the tests prove holds for the lab.

Map: ``up`` start/stop, ``state`` what runs where, ``control`` weights/counters/faults while
it runs, ``status`` what ``turnout lab status|load`` report, ``observe`` the outside observer
of a rollout, ``layout`` the texts the lab writes, ``procs`` background processes by PID,
``haproxy`` + ``haproxy_config`` one HAProxy, ``backends`` counting upstreams for tests,
``loadgen`` open-loop load, ``emulator`` the Kong node emulator.

The lab may import ``adapters`` and ``rollout``; nothing in ``sim`` or ``adapters`` imports it.
"""
