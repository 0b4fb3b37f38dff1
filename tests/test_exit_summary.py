"""The exit summary: what stays on the terminal after the cockpit closes or a headless run ends.

Pure wording over real snapshots (the scripted rehearsal: the real engine on plans/demo.yml);
the commands that print it are exercised in tests/test_tmux_flows.py and the lab tests.
"""

from __future__ import annotations

from rollout.phases import Phase
from tui.exit_summary import ExitSummary, Weights, live_commands
from tui.next_steps import freeze_state, next_steps

from .tui_fakes import ScriptedRehearsal, started


def run_command(flag: str) -> str:
    return f"turnout run plans/demo.yml {flag}".rstrip()


def rolled_back() -> ScriptedRehearsal:
    rehearsal = ScriptedRehearsal(seed=9, y_error_rate=0.05, fault_at=0.0)
    while not rehearsal.snapshot().finished:
        rehearsal.advance_to_next()
    assert rehearsal.snapshot().phase == Phase.ROLLED_BACK
    return rehearsal


def test_a_held_run_says_where_it_stands_the_weights_their_source_the_journal_and_how_to_go_on():
    snap = started(3, 250).snapshot()
    lines = ExitSummary(snap, Weights((75, 25), "read back from the load balancer"), ".turnout/demo/journal.jsonl",
                        live_commands(snap, run_command)).lines()
    assert lines[0] == "turnout: held at shift with 25% on Y (demo 3.4 to 3.9, X 3.4.3 → Y 3.9.1)"
    assert "  load balancer: X 75% / Y 25% (read back from the load balancer)" in lines
    assert "  journal:       .turnout/demo/journal.jsonl" in lines
    assert "  resume:        turnout run plans/demo.yml --resume" in lines
    assert "  roll back:     turnout run plans/demo.yml --rollback" in lines
    assert not any(line.startswith("held: ") for line in lines), "the held line stays the caller's, last"


def test_after_a_rollback_the_next_steps_say_y_is_deployed_and_writes_are_still_frozen():
    snap = rolled_back().snapshot()
    assert snap.frozen and freeze_state(snap) == "config writes still frozen"
    steps = next_steps(snap)
    assert steps[0] == "Y 3.9.1 still deployed on y1, y2, y3 (0% traffic)"
    assert "config writes still frozen: lift the freeze when ready" in steps
    assert any(step.startswith("backup of x1: ") for step in steps)
    lines = ExitSummary(snap, Weights((100, 0), "sim"), "", live_commands(snap, run_command)).lines()
    assert lines[0].startswith("turnout: rolled back: failed on the step's evidence")
    assert "  a new run:     turnout run plans/demo.yml --new-run" in lines
    assert sum(line.startswith("  next: ") for line in lines) == len(steps)


def test_no_next_steps_while_running_and_a_run_not_started_changed_nothing():
    snap = started(4, 100).snapshot()
    assert next_steps(snap) == []
    lines = ExitSummary(snap, Weights((100, 0), "read back"), "j", live_commands(snap, run_command, started=False),
                        started=False).lines()
    assert lines[0].startswith("turnout: not started, nothing was changed")
    assert "  start it:      turnout run plans/demo.yml" in lines


def test_an_attached_cockpit_that_leaves_says_the_run_goes_on():
    snap = started(5, 250).snapshot()
    lines = ExitSummary(snap, Weights(None, "the run has not changed them"), "j", going_on=True).lines()
    assert lines[0].startswith("turnout: detached; the run goes on in its conductor, at shift with 25% on Y")
    assert "  load balancer: not known (the run has not changed them)" in lines


async def test_leaving_an_attached_cockpit_while_the_run_goes_on_exits_0_with_the_summary(tmp_path, monkeypatch, capsys):
    """``turnout attach``: the cockpit (stood in for here: it quits at once, as ``q``, ``y`` would)
    leaves a run that goes on; the command says where it stands and exits 0 (it used to exit 1)."""
    import argparse

    from adapters.control import ControlServer
    from tui import cmd_attach

    from .engine_support import engine_at

    engine = engine_at(Phase.SHIFT)

    class Served:
        def snapshot(self):
            return engine.snapshot()

        def submit(self, event):
            raise AssertionError("nothing is submitted")

    server = ControlServer(Served(), str(tmp_path / "control.sock"))
    await server.start()

    async def quit_at_once(conductor):
        return 1  # what the cockpit answers for a run it left unfinished
    monkeypatch.setattr("tui.app.run_live_async", quit_at_once)
    args = argparse.Namespace(plan="plans/demo.yml", run_dir=str(tmp_path))
    try:
        code = await cmd_attach._attach(str(tmp_path), lambda: None,
                                        lambda snap: cmd_attach._summary(engine.plan, args, str(tmp_path), snap))
    finally:
        await server.close()
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("turnout: detached; the run goes on in its conductor, at shift")
    assert f"come back:     turnout attach plans/demo.yml --run-dir {tmp_path}" in out


async def test_after_a_rollback_the_cockpit_lists_the_next_steps_and_the_freeze():
    from tui.app import TurnoutApp
    from tui.widgets import ProcedureView

    from .test_tui_keys import shown

    app = TurnoutApp(rolled_back(), autoplay=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        text = " ".join(shown(app.screen.query_one(ProcedureView)).split())
    assert "· unfreeze config (writes still frozen)" in text
    assert "→ Y 3.9.1 still deployed on y1, y2, y3 (0% traffic)" in text
    assert "→ config writes still frozen: lift the freeze when ready" in text


def test_on_a_narrow_terminal_prose_wraps_between_words_and_commands_stay_whole():
    """At 60 columns the terminal would cut 'nothing real was touched' mid-word; the summary wraps
    it under its label instead. A command is copied and pasted: it stays on one line, however long."""
    from rich.cells import cell_len

    snap = rolled_back().snapshot()
    command = "turnout rehearse plans/demo.yml --scenario plans/scenarios/one-node-errors.yml --seed 9"
    summary = ExitSummary(snap, Weights((100, 0), "the simulated load balancer; nothing real was touched"),
                          commands=[("rehearse again", command)])
    wide, narrow = summary.lines(), summary.lines(60)
    assert f"  rehearse again: {command}" in narrow  # whole, past the 60 columns
    prose = [line for line in narrow if command not in line]
    assert all(cell_len(line) <= 60 for line in prose), prose
    joined = " ".join(line.strip() for line in narrow)
    assert "nothing real was touched" in joined and len(narrow) > len(wide)
    assert [line.split()[0] for line in wide] == [line.split()[0] for line in summary.lines(None)]
