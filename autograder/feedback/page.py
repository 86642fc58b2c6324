"""The summary page of one student's feedback: scores per function, hints, notebooks.

Everything on it comes from the student's Result (hints of hidden cases name a
symptom, never an expected value) and is HTML-escaped: a hint may quote the
student's own exception message.
"""

import html
from collections import OrderedDict

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em;
       color: #222; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: .4em .6em; text-align: left;
         vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
.full { color: #1a7f37; } .part { color: #9a6700; } .none { color: #cf222e; }
ul.hints { margin: .2em 0; padding-left: 1.2em; }
code { background: #f4f4f4; padding: 0 .2em; }
"""


def _e(text):
    return html.escape(str(text), quote=True)


def _klass(points, max_points):
    if points >= max_points:
        return "full"
    return "part" if points > 0 else "none"


def by_function(cells):
    """{function: [cells]} in notebook order."""
    groups = OrderedDict()
    for cell in cells:
        groups.setdefault(cell.function, []).append(cell)
    return groups


def render(result, notebook_pages, manual=None):
    """The HTML text of the summary page.

    - result: the student's Result
    - notebook_pages: {notebook name: file name of its feedback page, or None}
    - manual: {(notebook, grade_id): (score or None, max_score)} for the cells
      graded by hand (inline questions), as the gradebook holds them
    """
    manual = manual or {}
    rows = []
    for function, cells in by_function(result.cells).items():
        points = sum(c.points for c in cells)
        max_points = sum(c.max_points for c in cells)
        passed = sum(case.passed for c in cells for case in c.cases)
        total = sum(len(c.cases) for c in cells)
        hints = [
            f"<li>{_e(case.hint)}{' (hidden case)' if case.visibility == 'hidden' else ''}</li>"
            for c in cells
            for case in c.cases
            if not case.passed and case.hint
        ]
        rows.append(
            f"<tr><td><code>{_e(function)}</code><br><small>"
            + ", ".join(_e(c.grade_id) for c in cells)
            + f"</small></td><td class='num {_klass(points, max_points)}'>{points:g} / "
            f"{max_points:g}</td><td class='num'>{passed} of {total} cases</td><td>"
            + (f"<ul class='hints'>{''.join(hints)}</ul>" if hints else "all correct")
            + "</td></tr>"
        )
    manual_rows = [
        f"<tr><td>{_e(notebook)}: <code>{_e(grade_id)}</code></td><td class='num'>"
        + ("awaiting grading" if score is None else f"{score:g} / {max_score:g}")
        + "</td></tr>"
        for (notebook, grade_id), (score, max_score) in sorted(manual.items())
    ]
    notebooks = []
    for name, status in sorted(result.notebooks.items()):
        page = notebook_pages.get(name)
        link = f"<a href='{_e(page)}'>{_e(name)}.ipynb</a>" if page else f"{_e(name)}.ipynb"
        notebooks.append(f"<li>{link}: {_e(status)}</li>")
    notes = "".join(f"<li>{_e(flag)}</li>" for flag in result.flags)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Feedback: {_e(result.assignment)}, {_e(result.student)}</title>
<style>{STYLE}</style></head>
<body>
<h1>{_e(result.assignment)}: feedback for {_e(result.student)}</h1>
<p>Autograded score: <strong>{result.points:g} / {result.max_points:g}</strong>.
Each function was run on the public check-cell case and on hidden cases; a cell's points are
shared equally among its cases.</p>
<table><thead><tr><th>function (grade cells)</th><th>points</th><th>cases</th>
<th>what was wrong</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
{
        "<h2>Graded by hand</h2><table><tbody>" + "".join(manual_rows) + "</tbody></table>"
        if manual_rows
        else ""
    }
<h2>Your notebooks, as the autograder kept them</h2>
<ul>{"".join(notebooks)}</ul>
{"<h2>Notes from the grader</h2><ul>" + notes + "</ul>" if notes else ""}
</body></html>
"""
