"""Small, dependency-free HTML building blocks for the self-contained report.

Everything is escaped with :func:`html.escape`; figures are embedded as base64
PNG data URIs, so the file needs nothing from the network to be viewed.  A
tiny inline script records in ``<body data-...>`` attributes whether every
figure decoded and whether any script error occurred, which the browser test
reads back from the rendered DOM.
"""

from __future__ import annotations

import base64
import html
from typing import Iterable, Mapping, Sequence

__all__ = ["document", "figure", "paragraph", "pre", "section", "table"]

_STYLE = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #111; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #333; padding-bottom: 0.2em; margin-top: 2em; }
h3 { margin-top: 1.5em; }
.subtitle { color: #444; margin-top: 0; }
.statement { background: #f2f2f2; border-left: 5px solid #333; padding: 0.8em 1.2em; font-size: 1.05em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid #bbb; padding: 0.3em 0.7em; text-align: right; vertical-align: top; }
th { border-bottom: 2px solid #333; background: #fafafa; }
td.l, th.l { text-align: left; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #333; font-size: 0.92em; margin-top: 0.3em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
nav ul { columns: 2; } .note { color: #444; font-size: 0.92em; } td code { font-size: 0.95em; }
#verdict { background: #f2f2f2; border-left: 5px solid #333; padding: 0.2em 1.2em 0.6em; }
#verdict h2 { margin-top: 0.6em; } #verdict h3 { margin: 0.8em 0 0.3em; font-size: 1.05em; }
#verdict p, #verdict li { margin: 0.35em 0; } #verdict a { color: inherit; }
"""

_CHECK_SCRIPT = """
window.addEventListener("error", function (e) {
  document.body.setAttribute("data-errors", String(Number(document.body.getAttribute("data-errors") || 0) + 1));
});
window.addEventListener("load", function () {
  var imgs = document.querySelectorAll("img");
  var ok = 0;
  for (var i = 0; i < imgs.length; i++) { if (imgs[i].complete && imgs[i].naturalWidth > 0) { ok++; } }
  document.body.setAttribute("data-figures", String(imgs.length));
  document.body.setAttribute("data-figures-loaded", String(ok));
  var verdict = document.getElementById("verdict");
  if (verdict) {
    var box = verdict.getBoundingClientRect();
    document.body.setAttribute("data-verdict-bottom", String(Math.ceil(box.bottom + window.scrollY)));
    document.body.setAttribute("data-verdict-height", String(Math.ceil(box.height)));
  }
  if (!document.body.hasAttribute("data-errors")) { document.body.setAttribute("data-errors", "0"); }
});
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def figure(png: bytes, caption: str, *, alt: str | None = None, dpi: int = 150, shown_dpi: int = 110) -> str:
    """A rendered PNG (``dpi``) embedded with a caption, shown at the size it would have at ``shown_dpi``."""
    width = int.from_bytes(png[16:20], "big")  # the IHDR chunk: width, height
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" width="{round(width * shown_dpi / dpi)}" '
            f'alt="{esc(alt or caption)}"><figcaption>{esc(caption)}</figcaption></figure>')


def table(header: Sequence[str], rows: Iterable[Sequence[object]], *, left: int = 1, caption: str | None = None,
          code: Sequence[int] = (), languages: Mapping[int, str] | None = None) -> str:
    """An HTML table; the first ``left`` columns are left-aligned (text), the rest right-aligned; the cells of the
    columns ``code`` (ids, formulas, the config's notation: the traceability columns) in ``<code>``; the cells of
    a column in ``languages`` marked as text in that language (``lang="en"``: a config's text without translation
    on a page in another language)."""
    def cell(i: int, c: object, tag: str) -> str:
        text = f"<code>{esc(c)}</code>" if tag == "td" and i in code and c != "" else esc(c)
        lang = f' lang="{esc(languages[i])}"' if tag == "td" and languages and i in languages else ""
        return f'<{tag} class="{"l" if i < left else "r"}"{lang}>{text}</{tag}>'

    def cells(row: Sequence[object], tag: str) -> str:
        return "".join(cell(i, c, tag) for i, c in enumerate(row))

    body = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{cells(header, 'th')}</tr></thead><tbody>{body}</tbody></table>"


def paragraph(text: str, cls: str | None = None) -> str:
    return f'<p class="{esc(cls)}">{esc(text)}</p>' if cls else f"<p>{esc(text)}</p>"


def pre(text: str) -> str:
    return f"<pre>{esc(text)}</pre>"


def section(title: str, body: str, anchor: str) -> str:
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{body}</section>'


def document(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]], *, lang: str = "en") -> str:
    """A complete HTML page in language ``lang``; ``sections`` are (anchor, title, body-html)."""
    first = sections[:1] if sections and sections[0][0] == "verdict" else []  # the verdict comes first, then
    rest = sections[len(first):]                                           # the contents and the details
    nav = "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t, _ in sections)
    body = "".join(section(t, b, a) for a, t, b in rest)
    top = "".join(section(t, b, a) for a, t, b in first)
    return (
        f"<!DOCTYPE html>\n<html lang=\"{esc(lang)}\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{esc(title)}</title>"
        f"<style>{_STYLE}</style><script>{_CHECK_SCRIPT}</script></head><body>"
        f"<h1>{esc(title)}</h1><p class=\"subtitle\">{esc(subtitle)}</p>"
        f"{top}<nav><ul>{nav}</ul></nav>{body}</body></html>\n"
    )
