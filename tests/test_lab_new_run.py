"""A lost journal does not go unnoticed: a real HAProxy already giving Y a quarter, no journal, `turnout run`.

Before, the fresh run's preflight passed and its first step reset Y's 25% to 5% without a word.
Now it is refused before anything is done (no freeze, no journal), HAProxy keeps its weights,
and the line points at ``--rollback``. The weights are set through HAProxy's runtime API, as
another tool or a lost run would have left them.
"""

from __future__ import annotations

import os

import pytest

from adapters import haproxy_codec as codec
from lab.control import haproxy_weights, runtime_api, y_share
from lab.layout import BACKEND
from tests.lab_drill import finish_run, start_run

from .lab_support import lab  # noqa: F401

pytestmark = [pytest.mark.lab, pytest.mark.timeout(90)]


async def test_a_fresh_run_with_y_at_25_percent_is_refused_and_haproxy_keeps_its_weights(lab):
    nx, ny = len(lab.x), len(lab.y)
    sets = [codec.set_weight(BACKEND, n, 3 * ny) for n in lab.x] + [codec.set_weight(BACKEND, n, nx) for n in lab.y]
    assert all(reply.strip() == "" for reply in await runtime_api(lab).send(sets))
    before = await haproxy_weights(lab)
    assert y_share(before, lab) == pytest.approx(25.0)
    code, summary, err = await finish_run(await start_run(lab))
    lines = err.strip().splitlines()
    assert code == 2 and summary == {}, err[-800:]
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("turnout: the load balancer has X 75% / Y 25%, not 100% on X: a run may have been in progress")
    assert lines[0].endswith(f"turnout run {lab.plan} --rollback")
    assert await haproxy_weights(lab) == before, "refused before anything was done"
    run_dir = os.path.join(os.path.dirname(lab.dir), ".turnout")
    journals = [f for _, _, files in os.walk(run_dir) for f in files if f.startswith("journal")]
    assert journals == [], "nothing journaled: the run never started"
