"""The pure HAProxy runtime-API codec, on replies recorded from HAProxy 2.6.12's runtime API
(commands: https://docs.haproxy.org/2.6/management.html#9.3; stat CSV: ...#9.1)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters import haproxy_codec as codec

SERVERS_STATE = """1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
4 be 2 x2 127.0.0.1 2 8 100 100 0 15 3 3 6 0 0 0 - 9102 - 0 0 - - 0
4 be 3 x3 127.0.0.1 0 1 100 100 0 15 3 0 14 0 0 0 - 9103 - 0 0 - - 0

"""

STAT_HEADER = (
    "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,"
    "act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,"
    "check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,"
    "req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,"
    "rtime,ttime"
)


def stat_row(**values: str) -> str:
    names = STAT_HEADER[2:].split(",")
    return ",".join(values.get(n, "") for n in names)


def test_commands_are_absolute_and_refuse_separators():
    assert codec.set_weight("be", "y1", 10) == "set weight be/y1 10"
    assert codec.get_weight("be", "y1") == "get weight be/y1"
    assert codec.set_state("be", "x3", "maint") == "set server be/x3 state maint"
    assert codec.join(["get weight be/x1", "get weight be/x2"]) == b"get weight be/x1; get weight be/x2\n"
    with pytest.raises(ValueError):
        codec.set_weight("be", "x1; shutdown sessions", 0)


def test_split_replies_walks_empty_and_text_replies():
    """The exact bytes HAProxy 2.6.12 sent for `set; set nosuch; get` in one connection."""
    raw = "\nNo such server.\n\n10 (initial 100)\n\n"
    assert codec.split_replies(raw, 3) == ["", "No such server.", "10 (initial 100)"]
    assert codec.split_replies("\n\n", 2) == ["", ""]
    with pytest.raises(codec.ReplyError):
        codec.split_replies("\n", 2)


def test_any_text_after_a_set_is_a_failure():
    cmds = ["set weight be/x1 300", "set weight be/nosuch 10", "set weight be/y1 10", "get weight be/x1"]
    replies = ["Absolute weight can only be between 0 and 256 inclusive.", "No such server.", "", "10 (initial 100)"]
    assert codec.set_failures(cmds, replies) == [
        "set weight be/x1 300: Absolute weight can only be between 0 and 256 inclusive.",
        "set weight be/nosuch 10: No such server.",
    ]


def test_get_weight_reply():
    assert codec.parse_get_weight("256 (initial 100)") == (256, 100)
    assert codec.parse_get_weight("0 (initial 0)\n") == (0, 0)
    with pytest.raises(codec.ReplyError, match="No such server"):
        codec.parse_get_weight("No such server.")


def test_servers_state_drain_and_maint():
    states = codec.parse_servers_state(SERVERS_STATE)
    assert states["x2"].admin_state == codec.ADMIN_DRAIN and states["x2"].op_state == 2
    assert states["x3"].admin_state & codec.ADMIN_MAINT and states["x3"].op_state == 0
    assert states["x3"].weight == 100 and states["x3"].initial_weight == 100
    with pytest.raises(codec.ReplyError):
        codec.parse_servers_state("Unknown command")


def test_show_stat_is_read_by_header_name():
    """A recorded example: x1 with 4 injected 500s out of 21 requests."""
    text = "\n".join([
        STAT_HEADER,
        stat_row(pxname="be", svname="x1", stot="21", hrsp_5xx="4", econ="0", eresp="0", status="UP", req_tot="21"),
        stat_row(pxname="be", svname="BACKEND", stot="61", hrsp_5xx="4", rtime="1"),
    ]) + "\n\n"
    rows = codec.parse_show_stat(text)
    assert [r["svname"] for r in rows] == ["x1", "BACKEND"]
    assert codec.stat_int(rows[0], "hrsp_5xx") == 4 and codec.stat_int(rows[0], "stot") == 21
    assert codec.stat_int(rows[0], "econ") == 0 and codec.stat_int(rows[0], "no_such_column") == 0


def test_state_file_is_found_only_in_global():
    cfg = "global\n    server-state-file /var/lib/haproxy/state  # saved by turnout\ndefaults\n    mode http\n"
    assert codec.state_file_from_config(cfg) == "/var/lib/haproxy/state"
    assert codec.state_file_from_config("global\n    log stderr local0\nbackend be\n    server-state-file-name x\n") is None


@pytest.mark.parametrize("x,y,nx,ny", [(90, 10, 3, 3), (95, 5, 3, 2), (50, 50, 3, 3), (0, 100, 3, 3), (100, 0, 3, 3), (1, 99, 5, 1)])
def test_pool_weights_give_the_split_back(x, y, nx, ny):
    wx, wy = codec.pool_weights(x, y, nx, ny, 256)
    assert len(wx) == nx and len(wy) == ny and all(0 <= w <= 256 for w in wx + wy)
    assert codec.split_of(wx, wy) == (x, y)
    assert max(wx) - min(wx) <= 1 and max(wy) - min(wy) <= 1  # spread evenly inside each pool


@given(st.integers(0, 100), st.integers(1, 8), st.integers(1, 8), st.integers(100, 256))
def test_pool_weights_within_range_and_close(x, nx, ny, max_weight):
    wx, wy = codec.pool_weights(x, 100 - x, nx, ny, max_weight)
    assert all(0 <= w <= max_weight for w in wx + wy)
    assert abs(codec.split_of(wx, wy)[0] - x) <= 1
    assert (x == 0) == (sum(wx) == 0) and (x == 100) == (sum(wy) == 0)


# ---- which HAProxy answers (the target lock's key) -----------------------------------------

INFO = "Name: HAProxy\nVersion: 2.6.12-1+deb12u4\nPid: 27276\nUptime_sec: 0\nnode: vm\nStart_time_sec: 1795937598\n"
SOCKETS = ("# socket lvl processes\nunix@/tmp/h/admin.sock admin all\nipv4@127.0.0.1:48357 admin all\n"
           "sockpair@4 admin all\n")


def test_the_runtime_identity_is_the_node_and_every_listener_not_the_pid():
    """HAProxy 2.6's replies (master-worker, unix and TCP runtime API): a reload changes the pid
    and the master's sockpair fd, and neither is part of the identity."""
    first = codec.runtime_identity(INFO, SOCKETS)
    assert first == "haproxy node vm runtime API ipv4@127.0.0.1:48357 unix@/tmp/h/admin.sock"
    reloaded = INFO.replace("Pid: 27276", "Pid: 27301"), SOCKETS.replace("sockpair@4", "sockpair@5")
    assert codec.runtime_identity(*reloaded) == first
    assert codec.runtime_identity(INFO.replace("node: vm", "node: lb2"), SOCKETS) != first


@pytest.mark.parametrize("info,sockets", [("Unknown command.", SOCKETS), (INFO, "Unknown command."),
                                          (INFO, "# socket lvl processes\nsockpair@4 admin all\n")])
def test_a_reply_that_names_no_haproxy_is_a_reply_error(info, sockets):
    with pytest.raises(codec.ReplyError):
        codec.runtime_identity(info, sockets)
