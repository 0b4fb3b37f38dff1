"""``turnout lint KONG_YML --from V --to V [--fix OUT] [--json]``: the kong.yml lint for one hop.

Exit 0 no findings, 1 findings (with ``--fix``: findings the conversion could not handle; when
one of them is an error, Kong would refuse the copy, so nothing is written, as decK refuses a
conflict), 2 bad input (unreadable file, unknown version, unparsable YAML, OUT equal to the input).
``--fix`` never writes in place: the original stays for the X nodes (and a rollback), the
copy is for Y. The copy is written mode 0600, because kong.yml holds credentials.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rollout.kong.findings import Finding

from rollout.i18n import N_, _, ngettext

FLAVORS = ("traditional_compatible", "traditional", "expressions")
SEVERITY = {"error": N_("error"), "warning": N_("warning")}  # the words shown; --json keeps the keys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lint", help="lint a DB-less kong.yml for an upgrade hop; exit 0 clean, 1 findings, 2 bad input")
    p.add_argument("kong_yml", metavar="KONG_YML")
    p.add_argument("--from", dest="source", required=True, metavar="V", help="X's Kong version, e.g. 2.8")
    p.add_argument("--to", dest="target", required=True, metavar="V", help="Y's Kong version, e.g. 3.4")
    p.add_argument("--fix", metavar="OUT", help="write a converted copy to OUT (never in place)")
    p.add_argument("--router-flavor", choices=FLAVORS, default=FLAVORS[0], help="Y's router_flavor (default: Kong's)")
    p.add_argument("--json", action="store_true", help="one JSON object {file, from, to, findings[, fixed]}")
    p.set_defaults(func=run)


def _bad(message: str) -> int:
    print(f"turnout lint: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from adapters.private_file import write_private
    from rollout.kong.config import LintError
    from rollout.kong.findings import make_hop
    from rollout.kong.lint import blocking, fix, lint
    from rollout.kong.version import VersionError
    from rollout.phrasebook import say
    from rollout.yaml_input import KONG_YML, InputRefused, read_text

    try:
        make_hop(args.source, args.target)
    except VersionError as exc:
        return _bad(_("--from/--to: {reason}").format(reason=say(str(exc))))
    try:
        text = read_text(args.kong_yml, KONG_YML)  # a FIFO, a device or a 10 GB file is refused in one line
    except InputRefused as exc:
        return _bad(f"{args.kong_yml}:{exc.line}: {say(exc.message)}" if exc.line else f"{args.kong_yml}: {say(exc.message)}")
    if args.fix and _same_file(args.fix, args.kong_yml):
        return _bad(_("--fix {out}: refusing to overwrite the input; X keeps it, write the converted copy elsewhere").format(
            out=args.fix))
    try:
        findings = lint(text, args.source, args.target, router_flavor=args.router_flavor)
        fixed = fix(text, args.source, args.target, router_flavor=args.router_flavor) if args.fix else None
    except LintError as exc:
        return _bad(f"{args.kong_yml}: {say(str(exc))}")
    if fixed is not None and not blocking(fixed[1]):
        try:
            write_private(args.fix, fixed[0])
        except OSError as exc:
            return _bad(_("--fix {out}: cannot write: {reason}").format(out=args.fix, reason=exc.strerror or exc))
    _report(args, findings, fixed)
    if fixed is not None:
        return 1 if fixed[1] else 0
    return 1 if findings else 0


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _report(args: argparse.Namespace, findings: list[Finding], fixed: tuple[str, list[Finding]] | None) -> None:
    """JSON: the findings as facts (English, byte for byte in every language); text: in the reader's language."""
    from rollout.kong.lint import blocking
    from rollout.phrasebook import say

    if args.json:
        out: dict = {"file": args.kong_yml, "from": args.source, "to": args.target, "findings": [f.as_dict() for f in findings]}
        if fixed is not None:
            out["fixed"] = {"out": args.fix, "not_converted": [f.as_dict() for f in fixed[1]],
                            "written": not blocking(fixed[1])}
        print(json.dumps(out, indent=2))
        return
    for f in findings:
        print(f"{args.kong_yml}:{f.line}: {_(SEVERITY[f.severity])}: {say(f.entity)}: {say(f.message)}"
              + (_(" [fixable]") if f.fixable else ""))
    errors = sum(1 for f in findings if f.severity == "error")
    fixable = sum(1 for f in findings if f.fixable)
    print(_("{findings} for {source} -> {target} ({errors}, {warnings}, {fixable} fixable with --fix)").format(
        findings=ngettext("{n} finding", "{n} findings", len(findings)).format(n=len(findings)), source=args.source,
        target=args.target, errors=ngettext("{n} error", "{n} errors", errors).format(n=errors),
        warnings=ngettext("{n} warning", "{n} warnings", len(findings) - errors).format(
            n=len(findings) - errors), fixable=fixable))
    if fixed is None:
        return
    errors_left = blocking(fixed[1])
    if errors_left:
        n = len(errors_left)
        print(ngettext("not written: {n} error left that Kong would refuse", "not written: {n} errors left that Kong would refuse", n).format(
            n=n))
    else:
        print(_("wrote {out}").format(out=args.fix))
    for f in fixed[1]:
        print(_("{out}:{line}: not converted: {entity}: {message}").format(out=args.fix, line=f.line, entity=say(f.entity),
                                                                         message=say(f.message)))
    if errors_left:
        return
    if any(f.rule == "rollback-file" for f in findings):
        print(_("keep {file} for the X nodes ({source}) and a rollback; give {out} to the Y nodes ({target})").format(
            file=args.kong_yml, source=args.source, out=args.fix, target=args.target))
