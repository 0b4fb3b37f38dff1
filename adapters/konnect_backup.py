"""The backup of a Konnect control plane's declarative config (the ``BacksUpConfig`` capability).

With Konnect the config lives in Konnect, not on the data planes, so ``GET /config`` on a DP is
not the backup. Two ways, both recorded in the journal's ``ConfigBackedUp``:

- ``konnect.backup.command``: a shell template that dumps the config to ``{file}``, typically
  decK's ``deck gateway dump --konnect-addr {base_url} --konnect-token-file {token_file}
  --konnect-control-plane-name {control_plane_name} -o {file} --yes``. The token reaches the
  command only as a 0600 file in a private temporary directory, removed afterwards; every
  placeholder is shell-quoted. The dump is then kept like any backup: parsed as YAML, its
  entities counted, written 0600 into ``backup.dir`` and read back against its sha256. Konnect's
  config hash of X's DPs is read before and after: a change means someone wrote config.
- no template: the operator confirms a backup taken by hand (``turnout run`` asks, or
  ``--konnect-backup-taken`` headless); the confirmation is the record. Without it the step fails.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import tempfile
from typing import Callable

from rollout.errors import AdapterError, Rejected, TurnoutError
from rollout.i18n import N_
from rollout.kong.preflight_konnect import x_hash
from rollout.observations import BackupRecord
from rollout.plan import Plan

from .command import run_shell
from .kong import _verify_yaml, _write_backup
from .kong_codec import redact
from .konnect import TARGET, KonnectControlPlane
from .private_file import write_private

BY_HAND = "taken by hand"
FLAG = "--konnect-backup-taken"
QUESTION = ("Konnect keeps this control plane's config (not the data planes) and the plan has no konnect.backup.command. "
            "Type yes once you have taken a backup by hand (e.g. deck gateway dump): ")


class NotConfirmed(TurnoutError):
    """A Konnect run without a backup command and without the operator's word that a backup was taken."""


def confirm_by_hand(plan: Plan, flag: bool, ask: Callable[[str], str] | None) -> str:
    """How the operator confirmed a manual backup ("" when the plan needs none): the flag, or their
    answer at the prompt (``ask``, None when nobody is at a terminal: then only the flag will do)."""
    if plan.mode != "konnect" or plan.konnect is None or plan.konnect.backup.command:
        return ""
    if flag:
        return f"confirmed with {FLAG}"
    if ask is not None and ask(QUESTION).strip().lower() == "yes":
        return "confirmed by the operator at the prompt"
    raise NotConfirmed(N_("konnect.backup.command is not set: take a backup of the control plane's config by hand "
                          "(deck gateway dump) and confirm it with {flag}, or set the command (docs/konnect.md)").format(flag=FLAG))


class KonnectConfigBackup:
    def __init__(self, plan: Plan, konnect: KonnectControlPlane, confirmed: str = ""):
        assert plan.konnect is not None
        self.plan = plan
        self.spec = plan.konnect
        self.konnect = konnect
        self.confirmed = confirmed  # the operator's words: how they confirmed a backup taken by hand

    async def _hash(self) -> str:
        return x_hash(self.plan, await self.konnect.data_planes())

    async def backup(self, directory: str) -> BackupRecord:
        if not self.spec.backup.command:
            return await self._by_hand()
        before = await self._hash()
        text = await self._dump()
        after = await self._hash()
        if before != after:
            raise Rejected(TARGET, "backup", N_("Konnect's config hash of X's DPs changed during the dump ({before} -> {after}): "
                                                "someone is writing config; freeze writes and try again").format(
                before=before[:8], after=after[:8]))
        counts = _verify_yaml(TARGET, text, N_("the dump"))
        data = text.encode()
        path = _write_backup(directory, TARGET, before, data)
        digest = hashlib.sha256(data).hexdigest()
        with open(path, "rb") as fh:
            if hashlib.sha256(fh.read()).hexdigest() != digest:
                raise Rejected(TARGET, "backup", N_("{path}: the file read back differs from what was written").format(path=path))
        return BackupRecord(TARGET, path, digest, before, sum(counts.values()))

    async def _by_hand(self) -> BackupRecord:
        if not self.confirmed:
            raise Rejected(TARGET, "backup", N_("konnect.backup.command is not set and nobody confirmed a backup taken by "
                                                "hand: set the command (decK's dump), or take the backup by hand and confirm it "
                                                "with `turnout run --konnect-backup-taken`"))
        return BackupRecord(TARGET, f"{BY_HAND} ({self.confirmed})", "", await self._hash(), 0)

    async def _dump(self) -> str:
        """Run the template into a private temporary directory; return the dump's text."""
        call = "backup command"
        token = self.konnect.token(call)
        scratch = tempfile.mkdtemp(prefix="turnout-konnect-")  # 0700, removed below whatever happens
        try:
            token_file, dump = os.path.join(scratch, "token"), os.path.join(scratch, "dump.yaml")
            write_private(token_file, token.encode())
            fields = {"file": dump, "token_file": token_file, "base_url": self.spec.api, "region": self.spec.region or "",
                      "control_plane_id": await self.konnect.control_plane_id(),
                      "control_plane_name": await self.konnect.control_plane_name()}
            command = self.spec.backup.command.format(**{k: shlex.quote(v) for k, v in fields.items()})
            try:
                await run_shell(command, self.spec.backup.timeout, TARGET, call)
            except AdapterError as exc:
                raise type(exc)(TARGET, call, redact(exc.detail, [token])) from None
            try:
                with open(dump, encoding="utf-8") as fh:
                    return fh.read()
            except (OSError, UnicodeDecodeError) as exc:
                raise Rejected(TARGET, call, N_("the command exited 0 but wrote no readable {{file}} ({why})").format(
                    why=getattr(exc, "strerror", None) or exc)) from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
