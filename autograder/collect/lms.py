"""Step 1 for what LMSs export: find the submissions in a bulk download, and whose each is.

A PATH is the folder a bulk download unzips into (or one file of it), or the
download's zip as the LMS hands it over (Canvas's submissions.zip, Moodle's
download, Gradescope's export): bulk.py recognises that zip by its names,
unpacks it safely into a private folder and passes that folder here, so a
zip is read exactly as the folder it unzips into. Its format is told with
--format, or recognised from the names in it:

  gradescope  the folder holds submission_metadata.yml: each `submission_<id>`
              it lists is a folder of the files handed in (or of one zip), and
              its `:submitters` (`:sid`, `:email`, `:name`) and `:created_at`
              say who handed it in and when. A group's submission is collected
              for each member.
  moodle      entries named `<Full Name>_<participant id>_assignsubmission_file_<file>`:
              a zip, or (downloaded "in folders") a folder of the files handed
              in or of one zip. Other plugins' entries (onlinetext) are ignored.
  canvas      files named `<name>_<user id>_<submission id>_<original name>`,
              `<name>_late_<user id>_...` when Canvas marked them late.
  regex       --pattern, matched against the whole name of each entry, with a
              named group `student` (nbgrader's ZipCollect calls it
              `student_id`: both are read) and, optionally, `timestamp`.
  plain       `<student id>.zip` (intake.py).

A folder holding submission_metadata.yml is Gradescope's; otherwise a folder
with a `_assignsubmission_` name is Moodle's, one with Canvas names Canvas's,
and the rest plain. Entries of a folder the format does not name are listed in
one warning.

Who: with --roster, each submission is looked up (roster.py); without one the
LMS's own id is the student id (Canvas's user id, Moodle's participant id,
Gradescope's sid). A submission that matches no one is not collected and is
reported with the name the LMS gives.

When: Gradescope's created_at; the regex's `timestamp` group (a time without a
zone is UTC); else, for a zip, its newest entry (unzip.newest_entry_time: the
zip's clock, not the LMS's); else unknown, reported, and no timestamp.txt is
written (nbgrader then applies no late penalty). A loose file or a folder of
files has no time of its own: neither the file's modification time nor, for a
download given as its zip, the time of its entry there is used.
"""

import os
import re
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .intake import STUDENT_ID, Submission, listing
from .problems import CollectError, Problem, show
from .unzip import JUNK_NAMES, JUNK_TOP, newest_entry_time

CANVAS = re.compile(
    r"(?P<name>[^_]+?)(?P<late>_late)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)", re.IGNORECASE
)
MOODLE = re.compile(r"(?P<name>.+?)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)")
GRADESCOPE_METADATA = "submission_metadata.yml"
#: Where each kind of submission time comes from, as the report says it.
CREATED_AT = "Gradescope's created_at"
FROM_NAME = "the file name"
ENTRIES = "the zip's newest entry, by the student's clock"


@dataclass(frozen=True)
class Entry:
    """One submission as the LMS names it, before the roster says whose it is."""

    path: Path  # a zip or a folder
    lms: str  # "canvas", ...
    keys: tuple  # (kind, value) pairs to look up in the roster, best first
    label: str  # how the report names the person
    time: object = None
    time_from: object = None
    order: tuple = ()


def detect(folder):
    """The format of the bulk download in `folder` (or of the file `folder`)."""
    folder = Path(folder)
    names = [folder.name]  # a PATH may be one entry of the download (a Moodle folder)
    if folder.is_dir():
        if (folder / GRADESCOPE_METADATA).is_file():
            return "gradescope"
        if not MOODLE.fullmatch(folder.name):
            names = [e.name for e in os.scandir(folder)]
    if any(MOODLE.fullmatch(n) for n in names):
        return "moodle"
    if any(CANVAS.fullmatch(n) for n in names):
        return "canvas"
    return "plain"


def find(paths, fmt=None, pattern=None, roster=None, limits=None):
    """The Submissions in `paths` read as `fmt` (None: recognised per PATH), and the problems.

    Plain PATHs go through intake.py. Raises CollectError before anything is
    read when a PATH does not exist, a regex has no student group, or the
    formats of the PATHs cannot be told apart.
    """
    from . import intake

    paths = [Path(p) for p in paths]
    if not paths:
        raise CollectError("no PATH given: name submission zips or folders of them")
    missing = [p for p in paths if not os.path.lexists(p) or not p.exists()]
    if missing:
        raise CollectError(
            "no such file or folder (or a broken link): " + ", ".join(show(p) for p in missing)
        )
    if fmt == "regex" or (fmt is None and pattern is not None):
        fmt = "regex"
        pattern = compile_pattern(pattern)
    entries, problems, plain = [], [], []
    for path in paths:
        kind = fmt or detect(path)
        if kind == "plain":
            plain.append(path)
        elif kind == "gradescope":
            entries_, problems_ = _gradescope(path)
            entries += entries_
            problems += problems_
        else:
            entries_, problems_ = _by_name(path, kind, pattern, limits)
            entries += entries_
            problems += problems_
    submissions = []
    if plain:
        zips, found = intake.find_zips(plain)
        subs, named = intake.identify(zips)
        problems += found + named
        for sub in subs:
            if roster is not None and roster.find([("id", sub.student)]) is None:
                problems.append(
                    Problem(str(sub.path), sub.student, f"{sub.student} is not in the roster", True)
                )
            else:
                submissions.append(sub)
    for entry in entries:
        student, problem = _whose(entry, roster)
        if problem:
            problems.append(problem)
            continue
        try:
            st = os.stat(entry.path)
        except OSError as e:
            message = f"cannot be read: {e.strerror}"
            problems.append(Problem(str(entry.path), student, message, True))
            continue
        submissions.append(
            Submission(
                entry.path,
                student,
                st.st_mtime_ns,
                (st.st_dev, st.st_ino, student),
                entry.time,
                entry.time_from,
                entry.label,
                entry.order,
            )
        )
    return submissions, problems


def compile_pattern(text):
    """--pattern as a regex with a `student` (or `student_id`) group; CollectError otherwise."""
    if not text:
        raise CollectError("--format regex needs --pattern with a (?P<student>...) group")
    try:
        pattern = re.compile(text)
    except re.error as e:
        raise CollectError(f"--pattern is not a regular expression: {e}") from None
    if not {"student", "student_id"} & set(pattern.groupindex):
        raise CollectError(
            "--pattern names no group (?P<student>...) (or nbgrader's (?P<student_id>...)): "
            "it would say whose no submission is"
        )
    return pattern


def _whose(entry, roster):
    """(student id, None) or (None, the fatal Problem naming the submission)."""
    if roster is not None:
        student = roster.find(entry.keys)
        if student is None:
            message = f"{entry.label} matches no one in the roster: add them and collect again"
            return None, Problem(str(entry.path), None, message, True)
        return student, None
    student = entry.keys[0][1] if entry.keys else ""
    if not STUDENT_ID.fullmatch(student):
        message = (
            f"{entry.label}: {show(student, quote=True)} is not a valid student id; give a "
            "--roster that maps them to one"
        )
        return None, Problem(str(entry.path), None, message, True)
    return student, None


def _listing_problem(folder, ignored, why):
    return Problem(str(folder), None, f"ignored {listing(ignored)}: {why}", fatal=False)


def is_junk_name(name):
    """Is `name` an entry no one handed in (a zip tool's or an OS's leftovers)?"""
    return name in JUNK_TOP or name in JUNK_NAMES or name.startswith("._")


def _by_name(path, kind, pattern, limits):
    """Entries of a Canvas, Moodle or regex-named PATH (a folder, or one of its entries)."""
    if path.is_dir() and not (kind != "regex" and _matches(path.name, kind, pattern)):
        folder, names = path, sorted(e.name for e in os.scandir(path))
    else:
        folder, names = path.parent, [path.name]
    entries, ignored, problems = [], [], []
    for name in names:
        if is_junk_name(name):
            continue
        match = _matches(name, kind, pattern)
        if not match or (kind == "moodle" and match["plugin"] != "file"):
            ignored.append(name)
            continue
        target = folder / name
        entry = _entry(target, kind, match, limits)
        if entry is None:
            problems.append(
                Problem(str(target), None, "is neither a zip nor a folder of files", True)
            )
        else:
            entries.append(entry)
    if ignored:
        why = {
            "canvas": "not named as Canvas names submissions",
            "moodle": "not a Moodle file submission",
            "regex": "not matched by --pattern",
        }[kind]
        problems.append(_listing_problem(folder, ignored, why))
    if not entries and not problems:
        problems.append(Problem(str(path), None, f"holds no {kind} submission", True))
    return entries, problems


def _matches(name, kind, pattern):
    if kind == "canvas":
        return CANVAS.fullmatch(name)
    if kind == "moodle":
        return MOODLE.fullmatch(name)
    return pattern.fullmatch(name)


def _entry(target, kind, match, limits):
    """The Entry of one matched name, or None when it is no zip and no folder."""
    path = _submission_path(target)
    if path is None:
        return None
    groups = match.groupdict()
    time, time_from, order = None, None, ()
    if kind == "canvas":
        user, name = groups["user"], groups["name"]
        keys = (("canvas_id", user), ("canvas_name", name))
        late = ", marked late by Canvas" if groups["late"] else ""
        label = f"{show(name, quote=True)}, Canvas user {user}{late}"
        order = (int(groups["sub"]),)
    elif kind == "moodle":
        user, name = groups["user"], groups["name"]
        keys = (("moodle_id", user), ("name", name))
        label = f"{show(name, quote=True)}, Moodle participant {user}"
    else:
        value = groups.get("student") or groups.get("student_id") or ""
        keys = (("id", value), ("email", value), ("name", value))
        label = f"{show(value, quote=True)} (from {show(target.name, quote=True)})"
        if groups.get("timestamp"):
            time = parse_time(groups["timestamp"])
            time_from = FROM_NAME if time else None
    if time is None and path.is_file():
        time = newest_entry_time(path, limits)
        time_from = ENTRIES if time else None
    return Entry(path, kind, keys, label, time, time_from, order)


def _submission_path(target):
    """The zip or folder to collect for an LMS entry: a folder holding one zip is that zip."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return target
    if not stat.S_ISDIR(mode):
        return None
    inside = [e for e in os.scandir(target) if not is_junk_name(e.name)]
    if len(inside) == 1 and inside[0].name.lower().endswith(".zip") and inside[0].is_file():
        return Path(inside[0].path)
    return target


def parse_time(text):
    """An aware datetime for a time an LMS wrote (ISO or close), UTC when it names no zone."""
    if isinstance(text, datetime):
        moment = text
    else:
        try:
            from dateutil import parser
        except ImportError:  # pragma: no cover - dateutil comes with nbgrader
            parser = None
        try:
            moment = (
                parser.parse(str(text).strip())
                if parser
                else datetime.fromisoformat(str(text).strip())
            )
        except (ValueError, OverflowError, TypeError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _gradescope(folder):
    """Entries of a Gradescope export folder, from its submission_metadata.yml."""
    metadata_path = folder / GRADESCOPE_METADATA
    try:
        import yaml

        metadata = yaml.safe_load(metadata_path.read_text(encoding="utf-8"))
    except Exception as e:
        raise CollectError(f"{show(metadata_path)} cannot be read as YAML: {e}") from None
    if not isinstance(metadata, dict):
        raise CollectError(f"{show(metadata_path)} is not a mapping of submission folders")
    entries, problems = [], []
    listed = set()
    for key, record in sorted(metadata.items(), key=lambda item: str(item[0])):
        key = str(key)
        listed.add(key)
        target = folder / key
        if "/" in key or key in ("", ".", ".."):
            problems.append(Problem(str(metadata_path), None, f"names a bad folder {key!r}", True))
            continue
        record = record if isinstance(record, dict) else {}
        path = _submission_path(target) if os.path.lexists(target) else None
        if path is None:
            message = f"is listed in {GRADESCOPE_METADATA} but is not a folder of files"
            problems.append(Problem(str(target), None, message, True))
            continue
        time = parse_time(record.get(":created_at")) if record.get(":created_at") else None
        order = tuple(int(n) for n in re.findall(r"\d+", key)[-1:])
        submitters = record.get(":submitters") or []
        if not submitters:
            problems.append(Problem(str(target), None, "has no :submitters in the metadata", True))
        for person in submitters:
            person = person if isinstance(person, dict) else {}
            sid = str(person.get(":sid") or "")
            email = str(person.get(":email") or "")
            name = str(person.get(":name") or "")
            keys = tuple((k, v) for k, v in (("sid", sid), ("email", email), ("name", name)) if v)
            label = f"{show(name or email or sid, quote=True)}"
            if sid:
                label += f", Gradescope sid {show(sid)}"
            if email:
                label += f" <{show(email)}>"
            entries.append(
                Entry(path, "gradescope", keys, label, time, CREATED_AT if time else None, order)
            )
    others = sorted(
        e.name + "/"
        for e in os.scandir(folder)
        if e.is_dir() and e.name not in listed and not is_junk_name(e.name)
    )
    if others:
        problems.append(_listing_problem(folder, others, f"not listed in {GRADESCOPE_METADATA}"))
    return entries, problems
