"""Step 3: the HTML page, DIR/similarity/index.html.

One self-contained page: what the ranking means and does not mean, a plot of
every pair's score (a PNG in the page) so the few far from the rest stand
out, the pairs most alike in a table, and for each of them the passages they
share side by side, highlighted, each student's own lines only.

Everything taken from a submission (student ids, file and function names,
code, prose) is escaped with html.escape, and the page's Content-Security-
Policy lets no script run and nothing load, should anything slip through.
The plot shows numbers only: no student's text reaches matplotlib.
"""

import base64
import html
import io
from datetime import datetime, timezone

#: Shared regions shown per pair, lines shown per piece, characters shown per line.
MAX_REGIONS = 12
MAX_LINES = 120
MAX_WIDTH = 300

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 80em; color: #222; }
.note { background: #f4f6fa; border-left: 4px solid #7a8cab; padding: .6em 1em; }
table.pairs { border-collapse: collapse; }
table.pairs td, table.pairs th { padding: .25em .8em; border-bottom: 1px solid #ddd; }
table.pairs td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.side { width: 100%; table-layout: fixed; border-collapse: collapse; margin-bottom: 1.2em; }
table.side th { text-align: left; font-weight: normal; background: #eef; padding: .3em; }
table.side td { vertical-align: top; width: 50%; border: 1px solid #ddd; padding: 0; }
pre { margin: 0; padding: .4em; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; }
pre mark { background: #ffe27a; }
.ln { color: #999; user-select: none; }
.gap { color: #999; }
section { margin-top: 2em; }
.warn { color: #8a4b00; }
"""

#: No script, no request: the page shows text and one inline image.
_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def esc(text):
    return html.escape(str(text), quote=True)


def plot_png(scores):
    """A histogram of `scores` (0..1, one per pair) as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter, StrMethodFormatter

    figure = Figure(figsize=(8, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    percent = [100 * s for s in scores]
    axes.hist(percent, bins=[5 * i for i in range(21)], color="#7a8cab", edgecolor="white")
    if len(percent) > 50:  # a few pairs far right must show beside thousands on the left
        axes.set_yscale("log")
        axes.set_ylim(bottom=0.7)  # a bar of one pair stays visible
        axes.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
        axes.yaxis.set_minor_formatter(NullFormatter())
    axes.set_xlim(0, 100)
    axes.set_xlabel("similarity of the pair (% of the smaller submission's fingerprints shared)")
    axes.set_ylabel("pairs")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def code_block(piece, highlight):
    """A piece's own lines as <pre>, `highlight` (line numbers) marked, gaps shown.

    Winnowing keeps some of a shared passage's runs, not all: a line between
    two marked lines is marked too.
    """
    out, previous = [], None
    lines = piece.text_lines()
    numbers = [n for n, _ in lines]
    highlight = set(highlight) | {
        n
        for before, n, after in zip(numbers, numbers[1:], numbers[2:], strict=False)
        if before in highlight and after in highlight
    }
    for number, text in lines[:MAX_LINES]:
        if previous is not None and number > previous + 1:
            out.append('<span class="gap">⋮</span>')
        number_html = f'<span class="ln">{number:>4}</span> '
        body = esc(text if len(text) <= MAX_WIDTH else text[:MAX_WIDTH] + " …")
        out.append(number_html + (f"<mark>{body}</mark>" if number in highlight else body))
        previous = number
    if len(lines) > MAX_LINES:
        out.append(f'<span class="gap">… {len(lines) - MAX_LINES} more lines</span>')
    return "<pre>" + "\n".join(out) + "</pre>"


def pair_section(rank, pair, subs):
    a, b = subs[pair.a], subs[pair.b]
    parts = [
        f'<section id="pair-{rank}"><h3>{rank}. {esc(pair.a)} and {esc(pair.b)}: '
        f"{pair.score:.0%}</h3>",
        f"<p>{pair.shared} shared fingerprints: {pair.a_in_b:.0%} of {esc(pair.a)}'s, "
        f"{pair.b_in_a:.0%} of {esc(pair.b)}'s. Highlighted lines hold the shared passages "
        "(after names, numbers, strings, comments and layout are set aside).</p>",
    ]
    for region in pair.regions[:MAX_REGIONS]:
        pa, pb = a.pieces[region.a], b.pieces[region.b]
        parts.append(
            '<table class="side"><tr>'
            f"<th>{esc(pair.a)}: {esc(pa.where)}</th><th>{esc(pair.b)}: {esc(pb.where)}</th>"
            "</tr><tr>"
            f"<td>{code_block(pa, region.lines_a)}</td><td>{code_block(pb, region.lines_b)}</td>"
            "</tr></table>"
        )
    if len(pair.regions) > MAX_REGIONS:
        parts.append(f"<p>… and {len(pair.regions) - MAX_REGIONS} other shared regions.</p>")
    parts.append("</section>")
    return "\n".join(parts)


def render(pairs, subs, *, top, warnings=(), silent=(), settings="", title="convnets"):
    """The page (a str). `pairs` are fingerprint.Pairs, best first; `subs` maps labels to
    Submissions; `silent` lists those with no code of their own."""
    shown = pairs[:top]
    students = sum(1 for s in subs.values() if not s.earlier)
    earlier = len(subs) - students
    png = plot_png([p.score for p in pairs])
    rows = "\n".join(
        f'<tr><td class="num">{rank}</td><td><a href="#pair-{rank}">{esc(p.a)}</a></td>'
        f"<td>{esc(p.b)}</td>"
        f'<td class="num">{p.score:.0%}</td><td class="num">{p.a_in_b:.0%}</td>'
        f'<td class="num">{p.b_in_a:.0%}</td><td class="num">{p.shared}</td></tr>'
        for rank, p in enumerate(shown, start=1)
    )
    notes = []
    if silent:
        notes.append(
            "<p>No code of their own to compare (the release as handed out, only provided "
            "code, or only passages most submissions share): "
            + ", ".join(esc(s) for s in silent)
            + ".</p>"
        )
    if warnings:
        notes.append(
            '<h2>Files left out</h2><ul class="warn">'
            + "".join(f"<li>{esc(w)}</li>" for w in warnings)
            + "</ul>"
        )
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<title>Similarity report: {esc(title)}</title>
<style>{_STYLE}</style></head>
<body>
<h1>Similarity report: {esc(title)}</h1>
<p class="note">This page ranks pairs of submissions by how much of the code the students
wrote themselves (the solution regions and answer cells, not the code the release provides)
they have in common, once names, numbers, strings, comments, layout and the order of functions
are set aside. It is a reading list for a person, not a finding: two students may share a
passage honestly (a common idiom, a hint given in class, the same short answer), and a copy
rewritten enough will not show. Read both submissions, and what the course allowed, before
drawing any conclusion.</p>
<p>{students} students{f" and {earlier} earlier submissions" if earlier else ""}
({len(silent)} with nothing to compare), {len(pairs)} pairs; {esc(settings)}.
Written {when}.</p>
<h2>Distribution of the pairs' similarity</h2>
<p>Every pair is counted once; pairs far to the right of the rest are the ones to read
first.</p>
<img alt="histogram of the similarity of every pair" width="800" height="320"
src="data:image/png;base64,{base64.b64encode(png).decode()}">
<h2>The {len(shown)} most similar pairs</h2>
<table class="pairs"><tr><th>rank</th><th>submission</th><th>and</th><th>similarity</th>
<th>first's share in second</th><th>second's share in first</th><th>fingerprints shared</th></tr>
{rows}
</table>
{"".join(notes)}
<h2>Shared passages, side by side</h2>
{"".join(pair_section(rank, p, subs) for rank, p in enumerate(shown, start=1))}
</body></html>
"""
