"""Turnout's own error types.

Adapters translate every failure of the outside world, once, at their boundary, into one of
these (the way httpx maps httpcore's exceptions). The drivers turn them into ``CommandFailed``
events; the engine never sees an exception from the world.

    TurnoutError
    ├── PlanError             a plan or scenario file is invalid (carries every problem, located)
    ├── DecodeError           data that is not a valid event or snapshot (rollout.codec), naming the field
    ├── JournalError          the run's journal: one line naming the file (and the line)
    │   ├── JournalCorrupt    a line fails its checksum, its shape or its event's types: ``path``, ``line``
    │   ├── JournalRefused    an event the journal will not write (a secret in it, or it would not read back)
    │   └── JournalIOError    the file cannot be opened, read or appended to (full disk, read-only);
    │                         a failed append's partial line is taken back
    └── AdapterError          something outside failed; ``target`` names the node/LB, ``call`` the call
        ├── Unreachable       connection refused, DNS failure, socket gone
        ├── Timeout           no answer in time
        └── Rejected          an answer, but not the expected one (HTTP status and body, LB reply text)
"""

from dataclasses import dataclass

from .i18n import N_


class TurnoutError(Exception):
    """Base of everything Turnout raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file: ``FILE:LINE: key.path: what is wrong``."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        """The located line as shown: the prefix as written, the message in the reader's language."""
        from .phrasebook import say  # imported late: errors.py is imported by everything, the catalog by few

        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {say(self.message)}" if self.path else f"{where}: {say(self.message)}"


class PlanError(TurnoutError):
    """An invalid plan or scenario; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class DecodeError(TurnoutError, ValueError):
    """Data that does not decode into the type asked for; the message names the field path."""


class JournalError(TurnoutError):
    """The journal cannot be read or written. ``str()`` is one line naming the file (and line)."""

    def __init__(self, path: str, reason: str, line: int | None = None):
        self.path = path
        self.line = line
        self.reason = reason
        super().__init__(f"{path}:{line}: {reason}" if line else f"{path}: {reason}")


class JournalCorrupt(JournalError, ValueError):
    """A line of the journal is not what Turnout wrote there: changed, removed, reordered or torn mid-file."""


class JournalRefused(JournalError, ValueError):
    """An event the journal refuses to write: it holds a secret, or it would not decode when read back."""


class JournalIOError(JournalError, OSError):
    """The file cannot be opened, read or appended to (``ENOSPC``, ``EROFS``, ``EACCES``...). After a
    failed append the file is cut back to its last whole line, so it stays readable and the next
    append can try again."""


class AdapterError(TurnoutError):
    """A call to the outside world failed. The message is one line naming the target and the call.

    The line is English (journals, ``--json`` and scripts read it); each kind's two templates are
    marked whole, so ``phrasebook.say()`` reads the line back with the target, the call and the
    detail (itself read again) in the reader's language wherever it is shown."""

    kind = "failed"
    SENTENCES = (N_("{target}: {call}: failed"), N_("{target}: {call}: failed: {detail}"))

    def __init__(self, target: str, call: str, detail: str = ""):
        self.target = target
        self.call = call
        self.detail = detail
        bare, detailed = self.SENTENCES
        super().__init__((detailed if detail else bare).format(target=target, call=call, detail=detail))


class Unreachable(AdapterError):
    kind = "unreachable"
    SENTENCES = (N_("{target}: {call}: unreachable"), N_("{target}: {call}: unreachable: {detail}"))


class Timeout(AdapterError):
    kind = "timed out"
    SENTENCES = (N_("{target}: {call}: timed out"), N_("{target}: {call}: timed out: {detail}"))


class Rejected(AdapterError):
    """The other side answered, but not as expected. ``status`` is the HTTP status when there is one."""

    kind = "rejected"
    SENTENCES = (N_("{target}: {call}: rejected"), N_("{target}: {call}: rejected: {detail}"))

    def __init__(self, target: str, call: str, detail: str = "", status: int | None = None, body: str = ""):
        self.status = status
        self.body = body
        if status is not None:
            detail = N_("HTTP {status} {detail}").format(status=status, detail=detail) if detail else f"HTTP {status}"
        super().__init__(target, call, detail)
