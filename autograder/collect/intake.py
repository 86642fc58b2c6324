"""Step 1: find the submission zips among the PATHs and the student each one belongs to.

A PATH is a zip, or a folder whose zips (the entries directly inside it whose
names end in .zip, any case) are taken; subfolders are not searched, and every
other entry is ignored with one note per folder. A PATH that is a symbolic link
is read where it points (reading is harmless); nothing is ever written there.

The student id is the zip's name without `.zip`, as collect_submission.sh
names it (`jdoe.zip` is jdoe's). An id holds letters, digits, '.', '_' and '-'
and does not start with '.' or '-': a zip named otherwise (`jdoe (1).zip`, what
a browser makes of a second download) is reported and not collected, since
the id becomes a folder name and nbgrader's record of the student.

The same student may hand in twice (two folders of downloads, a resubmission):
the one submitted last is collected, the other reported. A zip's submission
time is its modification time here; lms.py gives each LMS's own (a time the
LMS records, or the zip's newest entry, or none). A submission whose time is
unknown counts as the oldest; on a tie the LMS's own order decides (a later
submission id), then the path that sorts last, so the choice never depends
on the order of the PATHs. One file reached through two PATHs counts once.
"""

import os
import re
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .problems import CollectError, Problem, show

#: What a student id may look like (the rule collect_submission.sh enforces too).
STUDENT_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
#: How many ignored names one note lists before "and N more".
LISTED = 8


#: Where a plain zip's submission time comes from.
MTIME = "the zip's modification time"


@dataclass(frozen=True)
class Submission:
    """One submission to collect: where it is (a zip or a folder), whose, and when handed in."""

    path: Path  # as found: the PATH, or PATH/<name> for a folder's zip
    student: str
    mtime_ns: int
    file_id: tuple  # (device, inode): the same file reached through two PATHs
    time: object = None  # the submission time (an aware datetime), None when unknown
    time_from: object = None  # where `time` comes from ("Gradescope's created_at", ...)
    label: object = None  # who the LMS says handed it in ("Jane Doe, Canvas user 12345")
    order: tuple = ()  # the LMS's own order of a student's submissions (submission ids)

    @property
    def timestamp(self):
        """The submission time as nbgrader's timestamp.txt holds it (UTC), None when unknown."""
        return None if self.time is None else format_time(self.time)

    def sort_key(self):
        known = self.time is not None
        return (known, self.time if known else None, self.order, str(self.path))


def format_timestamp(mtime_ns):
    """`YYYY-MM-DD HH:MM:SS.ffffff UTC` for a time in nanoseconds since the epoch."""
    return format_time(time_of(mtime_ns))


def time_of(mtime_ns):
    """An aware UTC datetime for a time in nanoseconds since the epoch."""
    seconds, nanos = divmod(mtime_ns, 1_000_000_000)
    return datetime.fromtimestamp(seconds, timezone.utc).replace(microsecond=nanos // 1000)


def format_time(moment):
    """`YYYY-MM-DD HH:MM:SS.ffffff UTC` (what nbgrader's parse_utc reads) for an aware datetime."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def student_id(path):
    """The student id a zip's file name gives, or None when the name is not `<id>.zip`."""
    name = Path(path).name
    if not name.lower().endswith(".zip"):
        return None
    stem = name[: -len(".zip")]
    return stem if STUDENT_ID.fullmatch(stem) else None


def find_zips(paths):
    """The zip files the PATHs name, in order, and the problems met on the way.

    Raises CollectError, before anything is read, when a PATH does not exist.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise CollectError("no PATH given: name submission zips or folders of zips")
    missing = [p for p in paths if not os.path.lexists(p) or not p.exists()]
    if missing:
        raise CollectError(
            "no such file or folder (or a broken link): " + ", ".join(show(p) for p in missing)
        )
    found, problems = [], []
    for path in paths:
        if path.is_dir():
            zips, ignored = _scan_folder(path)
            found.extend(zips)
            if ignored:
                problems.append(
                    Problem(
                        str(path),
                        None,
                        f"ignored {listing(ignored)}: only the .zip files directly in a "
                        "folder are collected",
                        fatal=False,
                    )
                )
            if not zips:
                problems.append(Problem(str(path), None, "holds no .zip file", fatal=True))
        else:
            found.append(path)
    return found, problems


def _scan_folder(folder):
    zips, ignored = [], []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.lower().endswith(".zip"):
            zips.append(Path(folder) / entry.name)
        else:
            ignored.append(entry.name + ("/" if entry.is_dir() else ""))
    return zips, ignored


def listing(names):
    shown = ", ".join(show(n) for n in names[:LISTED])
    more = f" and {len(names) - LISTED} more" if len(names) > LISTED else ""
    what = "entry" if len(names) == 1 else "entries"
    return f"{len(names)} {what} ({shown}{more})"


def identify(paths):
    """A Submission for each zip whose name and file are fine; problems for the others."""
    submissions, problems = [], []
    for path in paths:
        student = student_id(path)
        try:
            st = os.stat(path)  # follows a link: the file it points at is read
        except OSError as e:
            problems.append(Problem(str(path), student, f"cannot be read: {e.strerror}", True))
            continue
        if not stat.S_ISREG(st.st_mode):
            problems.append(Problem(str(path), student, "is not a regular file", fatal=True))
        elif not path.name.lower().endswith(".zip"):
            problems.append(
                Problem(str(path), None, "is not a .zip file (a submission is <id>.zip)", True)
            )
        elif student is None:
            problems.append(
                Problem(
                    str(path),
                    None,
                    f"{show(path.name[:-4], quote=True)} is not a valid student id (letters, "
                    "digits, '.', '_' and '-', not starting with '.' or '-'): rename the "
                    "zip to <student id>.zip and collect it again",
                    fatal=True,
                )
            )
        else:
            file_id = (st.st_dev, st.st_ino)
            time = time_of(st.st_mtime_ns)
            submissions.append(Submission(path, student, st.st_mtime_ns, file_id, time, MTIME))
    return submissions, problems


def choose(submissions):
    """One Submission per student (the last handed in), and a warning for each one left out.

    Returns ({student: Submission}, problems).
    """
    seen, unique = set(), []
    for sub in submissions:
        if sub.file_id not in seen:
            seen.add(sub.file_id)
            unique.append(sub)
    by_student = {}
    for sub in unique:
        by_student.setdefault(sub.student, []).append(sub)
    chosen, problems = {}, []
    for student, subs in sorted(by_student.items()):
        subs.sort(key=Submission.sort_key)
        keep = subs[-1]
        chosen[student] = keep
        for other in subs[:-1]:
            problems.append(
                Problem(
                    str(other.path),
                    student,
                    f"{student} handed in more than once: this one ({_when(other)}) was "
                    f"left out for the later {show(keep.path)} ({_when(keep)})",
                    fatal=False,
                )
            )
    return chosen, problems


def _when(sub):
    return sub.timestamp or "time unknown"
