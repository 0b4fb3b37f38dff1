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

FLAVORS = ("traditional_compatible", "traditional", "expressions")


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
    from rollout.yaml_input import KONG_YML, InputRefused, read_text

    try:
        make_hop(args.source, args.target)
    except VersionError as exc:
        return _bad(f"--from/--to: {exc}")
    try:
        text = read_text(args.kong_yml, KONG_YML)  # a FIFO, a device or a 10 GB file is refused in one line
    except InputRefused as exc:
        return _bad(f"{args.kong_yml}:{exc.line}: {exc.message}" if exc.line else f"{args.kong_yml}: {exc.message}")
    if args.fix and _same_file(args.fix, args.kong_yml):
        return _bad(f"--fix {args.fix}: refusing to overwrite the input; X keeps it, write the converted copy elsewhere")
    try:
        findings = lint(text, args.source, args.target, router_flavor=args.router_flavor)
        fixed = fix(text, args.source, args.target, router_flavor=args.router_flavor) if args.fix else None
    except LintError as exc:
        return _bad(f"{args.kong_yml}: {exc}")
    if fixed is not None and not blocking(fixed[1]):
        try:
            write_private(args.fix, fixed[0])
        except OSError as exc:
            return _bad(f"--fix {args.fix}: cannot write: {exc.strerror or exc}")
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
    from rollout.kong.lint import blocking
    from rollout.plan import count

    if args.json:
        out: dict = {"file": args.kong_yml, "from": args.source, "to": args.target, "findings": [f.as_dict() for f in findings]}
        if fixed is not None:
            out["fixed"] = {"out": args.fix, "not_converted": [f.as_dict() for f in fixed[1]],
                            "written": not blocking(fixed[1])}
        print(json.dumps(out, indent=2))
        return
    for f in findings:
        print(f"{args.kong_yml}:{f.line}: {f.severity}: {f.entity}: {f.message}" + (" [fixable]" if f.fixable else ""))
    errors = sum(1 for f in findings if f.severity == "error")
    fixable = sum(1 for f in findings if f.fixable)
    print(f"{count(len(findings), 'finding')} for {args.source} -> {args.target} "
          f"({count(errors, 'error')}, {count(len(findings) - errors, 'warning')}, {fixable} fixable with --fix)")
    if fixed is None:
        return
    errors_left = blocking(fixed[1])
    print(f"not written: {count(len(errors_left), 'error')} left that Kong would refuse" if errors_left else f"wrote {args.fix}")
    for f in fixed[1]:
        print(f"{args.fix}:{f.line}: not converted: {f.entity}: {f.message}")
    if errors_left:
        return
    if any(f.rule == "rollback-file" for f in findings):
        print(f"keep {args.kong_yml} for the X nodes ({args.source}) and a rollback; give {args.fix} to the Y nodes ({args.target})")
