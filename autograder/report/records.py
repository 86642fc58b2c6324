"""What collect and grade leave in the course for the class report, and how it is read back.

    DIR/autograder/collect.json    every zip (or LMS folder) whose last collect found a
                                   problem: the problems, fatal (refused) or not, and when
    DIR/autograder/failures.json   every student whose last grading run failed in the
                                   grader itself (no result written), and why

Neither is a source of scores: they only say what happened to what is not in
DIR/submitted/ or DIR/autograder/results/. Each run updates its record: a zip
collected again replaces its entry (dropped when it now has no problem), a
student graded again leaves failures.json. The files are JSON written
atomically; one that cannot be read counts as empty, and `read_*` says so in
its second value.
"""

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

COLLECT = Path("autograder") / "collect.json"
FAILURES = Path("autograder") / "failures.json"


@dataclass(frozen=True)
class ZipProblem:
    """One problem collect found with one zip (collect.problems.Problem, as recorded)."""

    path: str
    student: object
    message: str
    fatal: bool
    member: object = None
    when: str = ""  # the collect run, UTC, "2026-11-20 14:03"


def _write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_json(path):
    """(the data, None) or ({}, why it cannot be read); ({}, None) when there is no file."""
    if not path.is_file():
        return {}, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return {}, f"{path} cannot be read ({type(error).__name__}: {error})"
    if not isinstance(data, dict):
        return {}, f"{path} cannot be read (not a JSON object)"
    return data, None


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def record_collect(course, seen, problems):
    """Update DIR/autograder/collect.json after a collect run.

    `seen`: the paths (as given) of every zip or folder the run read;
    `problems`: the run's collect.Problems. An entry of a path seen again is
    replaced by this run's problems (none: the entry goes).
    """
    path = Path(course) / COLLECT
    zips, _ = _read_json(path)
    zips = zips.get("zips", {}) if isinstance(zips.get("zips"), dict) else {}
    found = {}
    for p in problems:
        found.setdefault(p.path, []).append(
            {"student": p.student, "message": p.message, "fatal": p.fatal, "member": p.member}
        )
    when = _now()
    for zip_path in {*map(str, seen), *found}:
        zips.pop(zip_path, None)
        if zip_path in found:
            zips[zip_path] = {"when": when, "problems": found[zip_path]}
    _write_json(path, {"zips": zips})


def read_collect(course):
    """([ZipProblem] sorted by path, then as found; why the record cannot be read, or None)."""
    data, why = _read_json(Path(course) / COLLECT)
    found = []
    zips = data.get("zips", {})
    for zip_path, entry in sorted(zips.items() if isinstance(zips, dict) else []):
        try:
            for p in entry["problems"]:
                found.append(
                    ZipProblem(
                        zip_path,
                        p.get("student"),
                        str(p["message"]),
                        bool(p["fatal"]),
                        p.get("member"),
                        str(entry.get("when", "")),
                    )
                )
        except (KeyError, TypeError, AttributeError):
            why = why or f"{Path(course) / COLLECT} cannot be read (an entry of another form)"
    return found, why


def record_failures(course, failed, graded):
    """Update DIR/autograder/failures.json after a grading run: `failed` {student: why} in,
    `graded` (students with a result now) out."""
    path = Path(course) / FAILURES
    data, _ = _read_json(path)
    failures = data.get("failures") if isinstance(data.get("failures"), dict) else {}
    failures = {k: v for k, v in failures.items() if k not in set(graded)}
    failures.update(failed)
    if failures or path.exists():
        _write_json(path, {"failures": failures, "when": _now()})


def read_failures(course):
    """({student: why the last grading run could not grade them}; why unreadable, or None)."""
    data, why = _read_json(Path(course) / FAILURES)
    failures = data.get("failures", {})
    if not isinstance(failures, dict):
        return {}, why or f"{Path(course) / FAILURES} cannot be read (not a mapping)"
    return {str(k): str(v) for k, v in failures.items()}, why
