"""Text wrapped where Unicode allows a line break (UAX #14), measured in cells: for Japanese paragraphs.

WHY: Rich and Textual wrap at spaces only, and fold a longer run of characters from a new line.
Japanese puts no spaces between words, so a Japanese sentence is one long run: a space before it
(``orders APIのクライアント...``) leaves a short line, and folding by cells can start a line with
``、`` or end one with ``(``, or cut an ASCII name (``kong_request_latency_ms``) in two. The
Unicode line breaking algorithm (UAX #14, through ``uniseg``, a maintained implementation) says
where a line may break: between two Japanese characters, never before ``、``/``。``/``)`` nor after
``(``, and not inside an ASCII word. Lines are filled by cells (two for a Japanese character,
``rich.cells.cell_len``); a unit wider than the whole width is folded by cells, never inside a
character.

Text with no wide character is left to Rich as it always was (``breakable`` returns it unchanged),
so English screens draw exactly as before.
"""

from __future__ import annotations

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text


def has_wide(text: str) -> bool:
    """Whether ``text`` holds a character two cells wide (Japanese, among others)."""
    return cell_len(text) != len(text)


def wrap(text: str, width: int) -> list[str]:
    """``text``'s lines at most ``width`` cells wide, broken only where UAX #14 allows (and at its newlines)."""
    from uniseg.linebreak import line_break_units  # only a Japanese screen pays for its tables

    width = max(2, width)  # a two-cell character fits no narrower line: folding at 1 would never end
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for unit in line_break_units(paragraph):
            if line and cell_len((line + unit).rstrip()) > width:
                lines.append(line.rstrip())
                line = ""
            line += unit
            while cell_len(line.rstrip()) > width:  # one unit wider than the width: fold it by cells
                head, *rest = chop_cells(line, width)
                lines.append(head.rstrip())
                line = "".join(rest)
        lines.append(line.rstrip())
    return lines


class Breakable:
    """A Rich renderable of ``text`` wrapped by ``wrap`` at the width it is given (a table cell, a widget)."""

    def __init__(self, text: str, style: str = "") -> None:
        self.text, self.style = text, style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in wrap(self.text, options.max_width):
            yield Text(line, style=self.style, overflow="fold")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        from uniseg.linebreak import line_break_units

        units = [cell_len(u.rstrip()) for p in self.text.split("\n") for u in line_break_units(p)] or [0]
        widest = max(cell_len(p) for p in self.text.split("\n"))
        return Measurement(min(max(units), options.max_width), min(widest, options.max_width))


def breakable(text: str, style: str = "") -> Text | Breakable:
    """``text`` as Rich draws it: a ``Text`` when it has no wide character, else wrapped by UAX #14."""
    return Breakable(text, style) if has_wide(text) else Text(text, style=style)
