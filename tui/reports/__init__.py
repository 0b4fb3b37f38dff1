"""Reports a change board can read: a rehearsal (one run or a Monte Carlo) or a live run's journal,
as one self-contained HTML page (charts inline as SVG) or as Markdown tables for a change ticket.

- ``story``: one run, rebuilt from its journal's events (the same for a rehearsal and a live run).
- ``card``: many runs, from the Monte Carlo JSON and the run records.
- ``verdict``: the one sentence at the top.
- ``tables``: the numbers as rows, shared by both formats.
- ``charts``: matplotlib figures as SVG text (the optional ``turnout[report]`` extra).
- ``build``: a report as data (title, verdict, charts, tables), the same for both formats.
- ``html`` and ``markdown``: the two renderings; ``write``: the file the operator named.
- ``live``: a live run's directory (the journal verified, the plan found by its sha256).
"""
