"""The lab's stand-in for ``deck gateway dump`` against Konnect: the same flags, the emulated Konnect.

``python -m lab.konnect_dump --konnect-addr URL --konnect-token-file FILE
--konnect-control-plane-name NAME -o FILE`` writes the emulated control plane's declarative
config (lab/emulator/konnect.py, ``/__turnout/konnect/dump``) to ``-o``, so the lab plan's
``konnect.backup.command`` has the shape of the real decK command (docs/konnect.md). Exit 1 with
one line on stderr when the emulated Konnect refuses or cannot be reached; the token is never printed.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m lab.konnect_dump")
    p.add_argument("--konnect-addr", required=True)
    p.add_argument("--konnect-token-file", required=True)
    p.add_argument("--konnect-control-plane-name", required=True)
    p.add_argument("-o", "--output-file", required=True)
    p.add_argument("--yes", action="store_true", help="accepted, as decK's (overwrite without asking)")
    args = p.parse_args(argv)
    with open(args.konnect_token_file, encoding="utf-8") as fh:
        token = fh.read().strip()
    request = urllib.request.Request(args.konnect_addr.rstrip("/") + "/__turnout/konnect/dump",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode("utf-8")
    except (urllib.error.URLError, OSError) as exc:
        print(f"konnect dump of {args.konnect_control_plane_name!r} failed: {getattr(exc, 'code', '') or exc}", file=sys.stderr)
        return 1
    with open(args.output_file, "w", encoding="utf-8") as fh:
        fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
