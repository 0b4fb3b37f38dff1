"""A report as one self-contained HTML page: inline CSS and SVG charts, nothing fetched.

Readable on a phone (the charts scale to the width, wide tables scroll in their own box) and
printed (a print stylesheet drops the colours' backgrounds and keeps charts and tables whole).
"""

from __future__ import annotations

from html import escape

from rollout.i18n import _, current_language

from .build import Report
from .tables import Table

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#222;background:#fff}
h1{font-size:1.4rem;margin:.2rem 0 .6rem}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #ddd}
.verdict{font-size:1.1rem;background:#f3f6fb;border-left:4px solid #4c72b0;padding:.6rem .8rem;margin:0 0 1rem}
figure{margin:1rem 0}figure svg{width:100%;height:auto}figcaption{font-size:.85rem;color:#555}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0 1rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f6f6f6}
.note{color:#8a4b00}footer{font-size:.8rem;color:#777;margin-top:2rem}
@media (max-width:40rem){body{font-size:14px;padding:.5rem}td,th{padding:.2rem .3rem}}
@media print{body{max-width:none;font-size:11pt}.verdict{background:none}figure,table{break-inside:avoid}
.scroll{overflow:visible}a{color:inherit}}
"""


def table_html(t: Table) -> str:
    if not t.rows:
        none = escape(_("(none)"))
        return f"<h3>{escape(t.title)}</h3><p>{none}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in t.headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in t.rows)
    return f'<h3>{escape(t.title)}</h3><div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def render_html(report: Report) -> str:
    figures = "".join(f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>" for caption, svg in report.charts)
    if report.note:
        figures = f'<p class="note">{escape(report.note)}</p>'
    tables = "".join(table_html(t) for t in report.tables)
    charts, numbers = escape(_("Charts")), escape(_("Numbers"))
    footer = escape(_("Made by turnout; a self-contained page (no network fetches)."))
    return (
        f'<!DOCTYPE html>\n<html lang="{current_language()}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(report.title)}</title><style>{CSS}</style></head><body>"
        f'<h1>{escape(report.title)}</h1><p class="verdict">{escape(report.verdict)}</p>'
        f"<h2>{charts}</h2>{figures}<h2>{numbers}</h2>{tables}"
        f"<footer>{footer}</footer></body></html>\n"
    )
