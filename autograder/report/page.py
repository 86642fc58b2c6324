"""Step 5: the HTML page, DIR/report/index.html.

One self-contained page for the instructor, from the top: the summary (who
is graded, who is not, who needs hand grading, who was flagged), the
distribution of the scores (a PNG in the page), a row per function (its mean
score, the share of students with full marks, the hints most students got),
every flag and every zip collect refused or warned about, the hand grading
still to do, the late submissions and the extra credit (each student's raw
score, penalty and score, the numbers of grades.csv), and who was not graded
and why.

Everything that comes from a submission or a record (student ids, hints,
which may quote a student's own exception message, flags, zip and member
names) is escaped with html.escape, and the page's Content-Security-Policy
lets no script run and nothing load, should anything slip through. The plot
shows numbers only: no student's text reaches matplotlib.
"""

import base64
import html
import io
import statistics
from datetime import datetime, timezone

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 80em; padding: 0 1em;
       color: #222; }
table { border-collapse: collapse; margin: .6em 0 1.2em; }
th, td { padding: .3em .7em; border-bottom: 1px solid #ddd; text-align: left;
         vertical-align: top; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.summary th { font-weight: normal; }
ul.hints { margin: 0; padding-left: 1.2em; }
.count { color: #666; white-space: nowrap; }
.full { color: #1a7f37; } .part { color: #9a6700; } .none { color: #cf222e; }
.pending { color: #6e40c9; }
.warn { color: #8a4b00; }
code { background: #f4f4f4; padding: 0 .2em; }
small { color: #666; }
"""

#: No script, no request: the page shows text and one inline image.
_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def esc(text):
    return html.escape(str(text), quote=True)


def _s(count, word, plural=None):
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _share(part, whole):
    return f"{part / whole:.0%}" if whole else "–"


def _klass(points, max_points):
    if points >= max_points - 1e-9:
        return "full"
    return "part" if points > 0 else "none"


def percents(report):
    """Each graded student's total so far, in % of the points (inline questions included)."""
    return [100 * s.total / s.total_max for s in report.graded if s.total_max]


def plot_png(values):
    """A histogram of `values` (0..100, one per student) as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.hist(
        [min(100.0, max(0.0, v)) for v in values],
        bins=[5 * i for i in range(21)],
        color="#7a8cab",
        edgecolor="white",
    )
    if values:
        mean = statistics.fmean(values)
        axes.axvline(mean, color="#cf222e", linestyle="--", linewidth=1)
        axes.annotate(
            f"mean {mean:.0f}%",
            (mean, 1),
            xycoords=("data", "axes fraction"),
            xytext=(4, -12),
            textcoords="offset points",
            color="#cf222e",
        )
    axes.set_xlim(0, 100)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("score so far (% of the points, inline questions included)")
    axes.set_ylabel("students")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def summary(report):
    """[(label, value, note)] of the summary table (plain text, escaped when shown)."""
    graded, ungraded = report.graded, report.ungraded
    pending = sum(len(s.pending) for s in graded)
    review = sum(len(s.review) for s in graded)
    rows = [
        ("Graded", len(graded), ""),
        ("Not graded", len(ungraded), "see the last section" if ungraded else ""),
        (
            "Need hand grading",
            len(report.hand_grading),
            f"{_s(pending, 'inline question')} and {_s(review, 'flagged cell')} to score"
            if report.hand_grading
            else "",
        ),
        ("Flagged by the grader", len(report.flagged), "read the flags below"),
        (
            "Late or given extra credit",
            len(report.adjusted),
            "their scores below" if report.adjusted else "",
        ),
        (
            "Zips refused by collect",
            len({p.path for p in report.refused}),
            f"{_s(len({p.path for p in report.warnings}), 'zip')} collected with a warning",
        ),
    ]
    values = percents(report)
    if values:
        rows.append(
            (
                "Score so far",
                f"mean {statistics.fmean(values):.0f}%",
                f"median {statistics.median(values):.0f}%, lowest {min(values):.0f}%, "
                f"highest {max(values):.0f}%",
            )
        )
    return rows


def _summary_table(report):
    rows = "".join(
        f"<tr><th>{esc(label)}</th><td class='num'>{esc(value)}</td><td>{esc(note)}</td></tr>"
        for label, value, note in summary(report)
    )
    return f"<table class='summary'>{rows}</table>"


def _function_rows(report):
    rows = []
    for f in report.functions:
        hints = "".join(
            f"<li>{esc(hint)} <span class='count'>({_s(count, 'student')})</span></li>"
            for hint, count in f.hints
        )
        if f.hinted > len(f.hints):
            hints += f"<li><small>and {_s(f.hinted - len(f.hints), 'other hint')}</small></li>"
        hints = f"<ul class='hints'>{hints}</ul>" if hints else "no miss"
        rows.append(
            f"<tr><td><code>{esc(f.name)}</code><br><small>{esc(', '.join(f.grade_ids))}"
            f"</small></td><td class='num {_klass(f.mean, f.max_points)}'>{f.mean:.2f} / "
            f"{f.max_points:g}</td><td class='num'>{f.full} of {f.students} "
            f"({_share(f.full, f.students)})</td>"
            f"<td>{hints}</td></tr>"
        )
    return "".join(rows)


def _flags(report):
    rows = [
        f"<tr><td>{esc(s.id)}</td><td>{esc(where) if where else '<small>submission</small>'}"
        f"</td><td>{esc(flag)}</td></tr>"
        for s in report.flagged
        for where, flag in s.flags()
    ]
    if not rows:
        return "<p>No submission was flagged.</p>"
    return (
        "<table><thead><tr><th>student</th><th>where</th><th>flag</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _zip_table(problems, since=frozenset()):
    rows = []
    for p in problems:
        member = f"<br><small>member {esc(p.member)}</small>" if p.member is not None else ""
        later = (
            " <small>(a later zip of this student was collected)</small>"
            if p.student in since
            else ""
        )
        rows.append(
            f"<tr><td>{esc(p.path)}{member}</td><td>{esc(p.student or '?')}{later}</td>"
            f"<td>{esc(p.message)}</td><td class='num'>{esc(p.when)}</td></tr>"
        )
    return (
        "<table><thead><tr><th>zip</th><th>student</th><th>what was wrong</th>"
        f"<th>read by collect</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _zips(report):
    parts = []
    if report.refused:
        parts.append(
            "<h3>Refused</h3><p>Not collected: the student's previous submission, if any, "
            "stands. Fix the zip (or ask for a new one) and collect it again.</p>"
            + _zip_table(report.refused, report.collected_since)
        )
    else:
        parts.append("<p>Collect refused no zip.</p>")
    if report.warnings:
        parts.append("<h3>Collected with a warning</h3>" + _zip_table(report.warnings, frozenset()))
    return "".join(parts)


def _hand_grading(report):
    waiting = report.hand_grading
    if not waiting:
        return "<p>Nothing waits for hand grading.</p>"
    rows = []
    for s in waiting:
        points = sum(p for *_, p in s.pending)
        questions = (
            f"{_s(len(s.pending), 'question')} ({points:g} points): "
            + esc(", ".join(f"{nb}: {gid}" for nb, gid, _ in s.pending))
            if s.pending
            else ""
        )
        rows.append(
            f"<tr><td>{esc(s.id)}</td><td class='pending'>{questions}</td>"
            f"<td>{esc(', '.join(s.review))}</td></tr>"
        )
    return (
        "<p>Score them in nbgrader's formgrader; the feedback pages and grades.csv show the "
        "hand grades once given.</p><table><thead><tr><th>student</th><th>inline questions "
        "not graded yet</th><th>flagged cells to review</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _adjusted(report):
    """The students whose score is not their cells' sum: late (how late, the penalty) or given
    extra credit, with the score grades.csv has."""
    if not report.adjusted:
        return "<p>No graded student handed in late or was given extra credit.</p>"
    rows = []
    for s in report.adjusted:
        late = s.late if s.late is not None and s.late.seconds > 0 else None
        extra = f"+{s.extra:g}" if s.extra else ""
        penalty = f"\u2212{s.penalty:g}" if late else ""
        rows.append(
            f"<tr><td>{esc(s.id)}</td><td class='num'>{s.raw:g}</td>"
            f"<td class='num'>{extra}</td>"
            f"<td>{esc(late.how_late) if late else ''}</td>"
            f"<td class='num'>{penalty}</td>"
            f"<td class='num'><strong>{s.total:g}</strong> / {s.total_max:g}</td></tr>"
        )
    policy = next((s.late.policy for s in report.adjusted if s.late is not None), "")
    return (
        "<p>The score is grades.csv's: the raw score (extra credit given by hand included) "
        "less the late penalty, computed with the course's due date and late policy as they are "
        f"now{f' ({esc(policy)})' if policy else ''}; export again after changing them.</p>"
        "<table><thead><tr><th>student</th><th>raw score</th><th>extra credit</th>"
        "<th>late</th><th>late penalty</th><th>score</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _ungraded(report):
    if not report.ungraded:
        return "<p>Every student who handed in is graded.</p>"
    rows = "".join(
        f"<tr><td>{esc(student)}</td><td>{esc(why)}</td></tr>" for student, why in report.ungraded
    )
    return (
        f"<table><thead><tr><th>student</th><th>why</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _distribution(report):
    values = percents(report)
    if not values:
        return "<p>No student is graded yet: nothing to plot.</p>"
    png = base64.b64encode(plot_png(values)).decode()
    waiting = len([s for s in report.graded if s.pending])
    note = (
        f" {_s(waiting, 'student')} still {'has' if waiting == 1 else 'have'} inline questions "
        "to be graded by hand: their scores can only go up."
        if waiting
        else ""
    )
    return (
        f"<p>Each student's score so far: the autograded cells (a TA's score where one was "
        f"given) and the inline questions graded by hand, in % of all the points.{note}</p>"
        '<img alt="histogram of the scores of the graded students" width="800" height="320" '
        f'src="data:image/png;base64,{png}">'
    )


def render(report):
    """The page (a str) of a gather.ClassReport."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    notes = (
        '<h2>Not read</h2><ul class="warn">'
        + "".join(f"<li>{esc(n)}</li>" for n in report.notes)
        + "</ul>"
        if report.notes
        else ""
    )
    title = f"Class report: {esc(report.assignment)}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<title>{title}</title>
<style>{_STYLE}</style></head>
<body>
<h1>{title}</h1>
<p>The course in {esc(report.course)}, as graded so far. Written {when}.</p>
{_summary_table(report)}
<h2>Distribution of the scores</h2>
{_distribution(report)}
<h2>Functions</h2>
<p>Each function's mean score over the graded students, how many of them have full marks, and
the hints most of them got (a hint counts once per student, however many of the student's cases
gave it): where the class struggled.</p>
<table><thead><tr><th>function (grade cells)</th><th>mean score</th><th>full marks</th>
<th>most common hints</th></tr></thead>
<tbody>{_function_rows(report)}</tbody></table>
<h2>Flags</h2>
<p>What the grader found for a person to look at (a timeout, suspicious code, a cell where two
verdicts disagree). A flagged cell is marked for review in the formgrader.</p>
{_flags(report)}
<h2>Zips</h2>
{_zips(report)}
<h2>Hand grading pending</h2>
{_hand_grading(report)}
<h2>Late submissions and extra credit</h2>
{_adjusted(report)}
<h2>Not graded</h2>
{_ungraded(report)}
{notes}
</body></html>
"""
