"""The summary page of one student's feedback: the total, scores per function, hints,
the inline questions, the notebooks.

From the top:

  1. the total, with the inline questions graded by hand (or, while some are
     not, "awaiting hand grading" and the points they hold), then its parts:
     the autograded cells, the inline questions, the extra credit a TA gave
     ("+1 extra credit") and the late penalty (how late, the due date, the
     policy, the points taken). The total is grades.csv's score: nbgrader's
     raw score (extra credit included) less the late penalty, at least 0;
  2. a row per function: its points, its cases passed, and what was wrong,
     each distinct message once with the cases that gave it ("not
     implemented" once for a function, not once per case and cell), and
     under it what each hidden case that gave it exercises, in its
     description ("3 x 2 window, stride 1, ...": the case's inputs, never an
     expected value), unless every case of the function gave it;
  3. the inline questions in notebook order, with their numbers and prompts,
     the student's answer, and the score and comment given by hand;
  4. the notebooks, and the grader's notes.

Everything on it comes from the student's Result (hints of hidden cases name a
symptom, never an expected value), the gradebook and the notebooks, and is
HTML-escaped: a hint may quote the student's own exception message, and an
answer is the student's own text.
"""

import html
import re
from collections import OrderedDict
from dataclasses import dataclass

from .late import GradesCsvScore

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em;
       color: #222; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: .4em .6em; text-align: left;
         vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
table.totals { width: auto; }
table.totals th { font-weight: normal; }
table.totals tr.total th, table.totals tr.total td.num { font-size: 1.2em; font-weight: bold; }
.full { color: #1a7f37; } .part { color: #9a6700; } .none { color: #cf222e; }
.pending { color: #6e40c9; }
ul.hints { margin: .2em 0; padding-left: 1.2em; }
ul.described { margin: .1em 0 .3em; padding-left: 1.2em; color: #444; font-size: .92em; }
.cases { color: #666; }
code { background: #f4f4f4; padding: 0 .2em; }
section.question { border-left: 3px solid #ddd; margin: 1em 0; padding: .2em 1em; }
section.question h4 { margin: .4em 0; }
.answer { white-space: pre-wrap; background: #f8f8f8; padding: .5em .8em; margin: .4em 0; }
.noanswer { color: #cf222e; font-style: italic; }
.comment { margin: .4em 0; }
"""


@dataclass
class Question:
    """One inline question of a submission, as the page shows it.

    - notebook: the notebook's name without .ipynb; grade_id: the answer cell's id
    - number: n of "Inline Question n" (None when the prompt has no such label)
    - prompt: the question's markdown, without its label ("" when unknown)
    - answer: the student's answer (markdown as typed), None when there is none
    - score: the score given by hand, None until a TA grades it; max_score: its points
    - comment: the TA's comment (or nbgrader's, "No response."), None when there is none
    - extra: the extra credit given by hand (0.0 when none)
    """

    notebook: str
    grade_id: str
    number: object
    prompt: str
    answer: object
    score: object
    max_score: float
    comment: object = None
    extra: float = 0.0


def _e(text):
    return html.escape(str(text), quote=True)


def _klass(points, max_points):
    if points >= max_points:
        return "full"
    return "part" if points > 0 else "none"


def _s(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def by_function(cells):
    """{function: [cells]} in notebook order."""
    groups = OrderedDict()
    for cell in cells:
        groups.setdefault(cell.function, []).append(cell)
    return groups


def missed(cells):
    """[(hint, check-cell cases, hidden cases' descriptions)] of the cases `cells` missed: one
    entry per distinct hint, in the order first met, with how many check-cell cases gave it
    and the description of each hidden case that did ("" where a result predates them)."""
    groups = OrderedDict()
    for cell in cells:
        for case in cell.cases:
            if case.passed or not case.hint:
                continue
            group = groups.setdefault(case.hint, [0, []])
            if case.visibility == "hidden":
                group[1].append(case.description)
            else:
                group[0] += 1
    return [(hint, visible, hidden) for hint, (visible, hidden) in groups.items()]


def which_cases(visible, hidden, total):
    """The cases a hint came from, in words: "all 9 cases", "the check cell's case", ...

    `hidden` is how many hidden cases gave it (or their descriptions, a list).
    """
    hidden = hidden if isinstance(hidden, int) else len(hidden)
    if visible + hidden == total and total > 1:
        return f"all {total} cases"
    parts = []
    if visible:
        parts.append("the check cell's case" if visible == 1 else f"{visible} check-cell cases")
    if hidden:
        parts.append(_s(hidden, "hidden case"))
    return " and ".join(parts)


def described(descriptions):
    """The list under a hint of what the hidden cases that gave it exercise, as HTML ("" when
    no description is known): each description once, with how many cases it stands for."""
    counts = OrderedDict()
    for text in descriptions:
        if text:
            counts[text] = counts.get(text, 0) + 1
    if not counts:
        return ""
    items = "".join(
        f"<li>{_e(text)}{f' ({n} cases)' if n > 1 else ''}</li>" for text, n in counts.items()
    )
    return f"<ul class='described'>{items}</ul>"


def _hint(hint, visible, hidden, total):
    """One message of a function's row: the hint, the cases it came from, what the hidden ones
    exercise (left out when every case gave it: nothing to tell them apart)."""
    which = which_cases(visible, hidden, total)
    every = visible + len(hidden) == total and total > 1
    return (
        f"<li>{_e(hint)} <span class='cases'>({which})</span>"
        f"{'' if every else described(hidden)}</li>"
    )


def cell_score(cell, grades):
    """(score that counts, score set by hand or None) of an autograded cell.

    The gradebook's score counts, as in export: a TA's manual score where there
    is one, else the trusted grader's (the Result's).
    """
    grade = grades.get((cell.notebook, cell.grade_id))
    if grade is None or grade.manual_score is None:
        return cell.points, None
    return grade.manual_score, grade.manual_score


def cell_extra(cell, grades):
    """The extra credit a TA gave an autograded cell (0.0 when none): nbgrader adds it to
    the cell's score, and so does grades.csv."""
    grade = grades.get((cell.notebook, cell.grade_id))
    return grade.extra if grade is not None else 0.0


def _plus(extra):
    """ "+1 extra credit" (the words the page and results.json use)."""
    return f"+{extra:g} extra credit"


def _function_row(function, cells, grades):
    scored = [cell_score(cell, grades) for cell in cells]
    points = sum(score for score, _ in scored)
    max_points = sum(c.max_points for c in cells)
    passed = sum(case.passed for c in cells for case in c.cases)
    total = sum(len(c.cases) for c in cells)
    hints = [_hint(hint, visible, hidden, total) for hint, visible, hidden in missed(cells)]
    changed = [
        f"{_e(c.grade_id)}: {c.points:g} by the autograder, {by_hand:g} by hand"
        for c, (_, by_hand) in zip(cells, scored, strict=True)
        if by_hand is not None and by_hand != c.points
    ]
    what = f"<ul class='hints'>{''.join(hints)}</ul>" if hints else "all correct"
    extra = round(sum(cell_extra(c, grades) for c in cells), 6)
    if extra:
        what += f"<br><small class='full'>{_plus(extra)} (given by hand)</small>"
    if changed:
        what += "<br><small>Score changed by hand: " + "; ".join(changed) + "</small>"
    return (
        f"<tr><td><code>{_e(function)}</code><br><small>"
        + ", ".join(_e(c.grade_id) for c in cells)
        + f"</small></td><td class='num {_klass(points, max_points)}'>{points:g} / "
        f"{max_points:g}</td><td class='num'>{passed} of {_s(total, 'case')}</td>"
        f"<td>{what}</td></tr>"
    )


@dataclass
class Totals(GradesCsvScore):
    """The page's header: the autograded part, the part graded by hand, what is pending, the
    extra credit and the late penalty."""

    auto: float
    auto_max: float
    hand: float  # points given by hand so far
    hand_graded_max: float  # the points of the questions graded so far
    pending: int  # questions not graded yet
    pending_points: float
    extra: float = 0.0  # extra credit given by hand, every cell's
    late: object = None  # the submission's feedback.late.Late, None when not known

    @property
    def total_max(self):
        return round(self.auto_max + self.hand_graded_max + self.pending_points, 6)


def totals(result, grades, questions, late=None):
    auto = round(sum(cell_score(cell, grades)[0] for cell in result.cells), 6)
    extra = sum(grade.extra for grade in grades.values())
    extra += sum(q.extra for q in questions if (q.notebook, q.grade_id) not in grades)
    graded = [q for q in questions if q.score is not None]
    waiting = [q for q in questions if q.score is None]
    return Totals(
        auto=auto,
        auto_max=result.max_points,
        hand=round(sum(q.score for q in graded), 6),
        hand_graded_max=round(sum(q.max_score for q in graded), 6),
        pending=len(waiting),
        pending_points=round(sum(q.max_score for q in waiting), 6),
        extra=round(extra, 6),
        late=late,
    )


def _header(t, questions):
    """The totals table: the total (with what awaits hand grading), then its parts: the
    autograded cells, the inline questions, the extra credit, the late penalty."""
    awaiting = "awaiting hand grading"
    after = "after the late penalty" if t.penalty else ""
    if t.pending:
        total = (
            f"<td class='num'>{t.total:g} / {t.total_max:g} so far</td><td class='pending'>"
            f"{awaiting}: {t.pending_points:g} points ({_s(t.pending, 'inline question')})"
            f"{'; ' + after if after else ''}</td>"
        )
    else:
        total = f"<td class='num'>{t.total:g} / {t.total_max:g}</td><td>{after}</td>"
    rows = [
        f"<tr class='total'><th>Total</th>{total}</tr>",
        f"<tr><th>Autograded</th><td class='num'><strong>{t.auto:g} / {t.auto_max:g}"
        "</strong></td><td>the table below</td></tr>",
    ]
    if questions:
        graded = len(questions) - t.pending
        if not t.pending:
            cells = f"<td class='num'>{t.hand:g} / {t.hand_graded_max:g}</td><td></td>"
        elif graded:
            cells = (
                f"<td class='num'>{t.hand:g} / {t.hand_graded_max:g}</td><td class='pending'>"
                f"{_s(graded, 'question')} graded; {awaiting}: {t.pending_points:g} points "
                f"({_s(t.pending, 'question')})</td>"
            )
        else:
            cells = (
                f"<td class='num'>\u2013 / {t.pending_points:g}</td>"
                f"<td class='pending'>{awaiting}</td>"
            )
        rows.append(f"<tr><th>Inline questions, graded by hand</th>{cells}</tr>")
    if t.extra:
        rows.append(
            f"<tr><th>Extra credit</th><td class='num full'>+{t.extra:g}</td>"
            f"<td>{_plus(t.extra)}, given by hand (counted in the total)</td></tr>"
        )
    if t.late is not None and t.late.seconds > 0:
        rows.append(
            f"<tr class='late'><th>Late penalty</th><td class='num none'>\u2212{t.penalty:g}"
            f"</td><td>{_e(t.late.describe())}; {t.raw:g} before the penalty</td></tr>"
        )
    return "<table class='totals'><tbody>" + "".join(rows) + "</tbody></table>"


_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")


def inline_markdown(text):
    """A prompt's markdown as HTML: escaped, `code`, **bold** and *italic*; paragraphs kept."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    out = []
    for paragraph in paragraphs:
        pieces = _CODE.split(_e(paragraph))
        for i in range(0, len(pieces), 2):  # even pieces are outside `code`
            pieces[i] = _ITALIC.sub(r"<em>\1</em>", _BOLD.sub(r"<strong>\1</strong>", pieces[i]))
        for i in range(1, len(pieces), 2):
            pieces[i] = f"<code>{pieces[i]}</code>"
        out.append(f"<p>{''.join(pieces)}</p>")
    return "".join(out)


def _question(q):
    label = f"Inline Question {q.number}" if q.number is not None else "Inline question"
    if q.score is None:
        score = f"<span class='pending'>awaiting hand grading ({q.max_score:g} points)</span>"
    else:
        score = f"<span class='{_klass(q.score, q.max_score)}'>{q.score:g} / {q.max_score:g}</span>"
        if q.extra:
            score += f" <span class='full'>{_plus(q.extra)}</span>"
    answer = (
        f"<div class='answer'>{_e(q.answer)}</div>"
        if q.answer is not None
        else "<p class='noanswer'>No answer.</p>"
    )
    comment = (
        f"<p class='comment'><strong>Comment:</strong> {_e(q.comment)}</p>" if q.comment else ""
    )
    return (
        f"<section class='question' id='{_e(q.notebook)}-{_e(q.grade_id)}'>"
        f"<h4>{label}: {score}</h4>{inline_markdown(q.prompt)}"
        f"<p><strong>Your answer:</strong></p>{answer}{comment}</section>"
    )


def _questions(questions):
    if not questions:
        return ""
    parts = ["<h2>Inline questions</h2>"]
    notebook = None
    for q in questions:
        if q.notebook != notebook:
            notebook = q.notebook
            parts.append(f"<h3>{_e(notebook)}.ipynb</h3>")
        parts.append(_question(q))
    return "".join(parts)


def render(result, notebook_pages, grades=None, questions=(), late=None):
    """The HTML text of the summary page.

    - result: the student's Result
    - notebook_pages: {notebook name: file name of its feedback page, or None}
    - grades: {(notebook, grade_id): CellGrade} of the submission, as the
      gradebook holds them (a TA's score of an autograded cell counts)
    - questions: the Questions of the submission in notebook order
      (questions.read_questions)
    - late: the submission's late.Late (its penalty, computed as export does), or None
    """
    grades = grades or {}
    questions = list(questions)
    t = totals(result, grades, questions, late)
    rows = [_function_row(f, cells, grades) for f, cells in by_function(result.cells).items()]
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
{_header(t, questions)}
<h2>Autograded cells</h2>
<p>Each function was run on its check cell's case and on hidden cases; a cell's points are
shared equally among its cases. Each message below is given once, with the cases it came from
and what each hidden one exercises.</p>
<table><thead><tr><th>function (grade cells)</th><th>points</th><th>cases</th>
<th>what was wrong</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
{_questions(questions)}
<h2>Your notebooks, as the autograder kept them</h2>
<ul>{"".join(notebooks)}</ul>
{"<h2>Notes from the grader</h2><ul>" + notes + "</ul>" if notes else ""}
</body></html>
"""
