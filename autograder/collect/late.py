"""The due date and the late policy, kept where nbgrader keeps them, applied to trusted scores.

nbgrader 0.9.6 records a submission's time from its timestamp.txt when it
autogrades, keeps the assignment's due date in the gradebook (`Assignment.duedate`;
it has no configuration key for it), and asks the late submission plugin for a
penalty per notebook (`AssignLatePenalties.plugin_class`; its own plugin knows
only 'none' and 'zero').

  --due WHEN        written into the gradebook as the assignment's due date
                    (what `nbgrader db assignment add --duedate` and the
                    formgrader set). Without --due, the gradebook's is used.
  --late POLICY     written into the course's nbgrader_config.py, between two
                    marker lines that a later --late replaces: plugin.py's
                    `LatePenalty`, an nbgrader late submission plugin with
                    these methods:
                      none      no penalty
                      zero      the whole score (nbgrader's 'zero')
                      per-hour  --late-percent of the score per hour or part
                      per-day   of an hour (day) late, at most --late-cap
                                percent

A release writes nbgrader_config.py anew: set --late again after releasing.

Grading records the trusted scores after nbgrader's autograde has run its
plugin (on scores that were not yet the trusted ones), so `apply_penalties`,
called by export, asks the configured plugin again for each submission, with
the trusted score, and stores the penalties in the gradebook, where
nbgrader's CSV export (raw_score, late_submission_penalty, score) reads them.
"""

import math
import re
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

from .problems import CollectError

#: The plugin nbgrader_config.py names (plugin.py), importable wherever the autograder is.
PLUGIN = "autograder.collect.plugin.LatePenalty"
BEGIN = "# BEGIN late policy (written by `python -m autograder collect --late`; keep these lines)"
END = "# END late policy"
METHODS = ("none", "zero", "per-hour", "per-day")
SECONDS = {"per_hour": 3600, "per_day": 86400}


def penalty(method, percent, cap, score, seconds_late):
    """The points taken from `score` for `seconds_late` (None: no penalty)."""
    if seconds_late <= 0 or method == "none" or score is None:
        return None
    if method == "zero":
        return score
    units = math.ceil(seconds_late / SECONDS[method])
    share = min(max(cap, 0.0), percent * units, 100.0) / 100
    return round(score * share, 6)


def describe(method, percent, cap):
    """The policy in words."""
    method = method.replace("-", "_")
    if method == "none":
        return "no late penalty"
    if method == "zero":
        return "a late submission scores 0"
    unit = "hour" if method == "per_hour" else "day"
    text = f"{percent:g}% of the score per {unit} or part of one late"
    return text + (f", at most {cap:g}%" if cap < 100 else "")


def parse_due(text):
    """--due as an aware UTC datetime; CollectError unless it is an ISO date-time with a zone."""
    try:
        moment = datetime.fromisoformat(text.strip().replace(" UTC", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or not re.search(r"\d[T ]\d", text):
        raise CollectError(
            f"--due {text!r} is not an ISO date and time (2026-11-20T23:59-05:00, "
            "2026-11-21 04:59Z)"
        )
    if moment.tzinfo is None:
        raise CollectError(
            f"--due {text!r} names no time zone: add one (2026-11-20T23:59-05:00, or Z for UTC)"
        )
    return moment.astimezone(timezone.utc)


def read_due(course, assignment):
    """The assignment's due date in the course's gradebook (aware, UTC), or None."""
    db = Path(course) / "gradebook.db"
    if not db.is_file():
        return None
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            row = con.execute(
                "SELECT duedate FROM assignment WHERE name = ?", (assignment,)
            ).fetchone()
    except sqlite3.Error:
        return None
    if not row or not row[0]:
        return None
    return datetime.fromisoformat(str(row[0])).replace(tzinfo=timezone.utc)


def write_due(course, assignment, due):
    """Record `due` as the assignment's due date in the course's gradebook (release made it)."""
    from autograder.grade.gradebook import open_gradebook

    db = Path(course) / "gradebook.db"
    if not db.is_file() or db.is_symlink():
        raise CollectError(f"{db} is missing (or a link): release the course before setting --due")

    with open_gradebook(course) as gb:
        gb.update_or_create_assignment(
            assignment, duedate=due.astimezone(timezone.utc).replace(tzinfo=None)
        )


def config_block(method, percent, cap):
    """The lines --late writes into nbgrader_config.py."""
    return "\n".join(
        [
            BEGIN,
            f"# {describe(method, percent, cap)}",
            f'c.AssignLatePenalties.plugin_class = "{PLUGIN}"',
            f'c.LatePenalty.penalty_method = "{method.replace("-", "_")}"',
            f"c.LatePenalty.percent = {float(percent)!r}",
            f"c.LatePenalty.cap = {float(cap)!r}",
            END,
        ]
    )


def write_policy(course, method, percent, cap):
    """Put the late policy into DIR/nbgrader_config.py, replacing one written before."""
    config = Path(course) / "nbgrader_config.py"
    if not config.is_file() or config.is_symlink():
        raise CollectError(
            f"{config} is missing (or a link): release the course before setting --late"
        )
    text = config.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head.rstrip("\n") + "\n" + tail if tail else head
    text = text.rstrip("\n") + "\n\n" + config_block(method, percent, cap) + "\n"
    config.write_text(text, encoding="utf-8")


def load_config(course):
    """The course's nbgrader_config.py as a traitlets Config."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    if (Path(course) / "nbgrader_config.py").is_file():
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config())
    return config


def plugin_for(course, config=None):
    """The late submission plugin the course's configuration names, configured."""
    from traitlets.utils.importstring import import_item

    config = config if config is not None else load_config(course)
    name = config.get("AssignLatePenalties", {}).get("plugin_class", None)
    if name is None:
        from nbgrader.plugins import LateSubmissionPlugin as cls
    elif isinstance(name, str):
        sys.path.insert(0, str(Path(course).resolve()))  # nbgrader finds late.py in the course
        try:
            cls = import_item(name)
        finally:
            sys.path.remove(str(Path(course).resolve()))
    else:
        cls = name
    return cls(config=config)


def policy_text(plugin):
    """What the plugin will do, in words: its own policy_text() when it has one (the kit's
    plugin.LatePenalty, which imports this module: no import back)."""
    own = getattr(plugin, "policy_text", None)
    if callable(own):
        return own()
    method = getattr(plugin, "penalty_method", None)
    if method in ("none", "zero"):
        return describe(method, 0, 100)
    return f"{type(plugin).__module__}.{type(plugin).__name__}"


def notebook_penalty(plugin, student, notebook, seconds_late):
    """The late penalty of one submitted notebook `seconds_late` after the due date: the
    plugin's, between 0 and the notebook's score; None where the plugin gives none."""
    points = plugin.late_submission_penalty(student, notebook.score, seconds_late)
    if points is None:
        return None
    return min(max(float(points), 0.0), float(notebook.score))


def apply_penalties(course, assignment, log=print):
    """Set each submitted notebook's late penalty from its trusted score; return {student: pts}.

    What nbgrader's AssignLatePenalties does, after the trusted scores are in.
    """
    from autograder.grade.gradebook import open_gradebook

    plugin = plugin_for(course)
    taken = {}
    with open_gradebook(course) as gb:
        due = gb.find_assignment(assignment).duedate
        for submission in gb.assignment_submissions(assignment):
            late = submission.total_seconds_late
            total = 0.0
            for notebook in submission.notebooks:
                points = None
                if late > 0:
                    points = notebook_penalty(plugin, submission.student.id, notebook, late)
                if points is not None:
                    total += points
                notebook.late_submission_penalty = points
            if late > 0:
                taken[submission.student.id] = total
        gb.db.commit()
    if log:
        if due is None:
            log("late: the assignment has no due date in the gradebook: no penalty")
        else:
            stamp = due.strftime("%Y-%m-%d %H:%M:%S UTC")
            log(f"late: due {stamp}; {policy_text(plugin)}; {len(taken)} late submission(s)")
    return taken


def lateness(time, due):
    """How late `time` is after `due`, in words ("" when on time or unknown)."""
    if time is None or due is None or time <= due:
        return ""
    seconds = int((time - due).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = max(1, rest // 60) if not (days or hours) else rest // 60
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours)
    parts += [f"{minutes} min"] * bool(minutes)
    return " ".join(parts[:2]) + " late"
