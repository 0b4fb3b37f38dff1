"""Turnout's pure engine: the plan model, the rollout state machine, the gates and the journal codec.

Nothing in this package performs I/O or reads a clock: events go in, commands come out
(the sans-I/O style of h11). The asyncio driver (adapters/) and the SimPy driver (sim/)
are the only places where the world is touched, so a rehearsal runs the very code that
runs production.
"""
