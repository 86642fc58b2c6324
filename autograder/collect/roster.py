"""The roster: a CSV that says which student id each LMS's id, email or name stands for.

    --roster FILE

The first row names the columns (any case, any order, extra columns ignored):

  id or student_id   the student id: nbgrader's, the folder under submitted/
                     (required; nbgrader's `db student import` CSV has `id`)
  canvas_id          the Canvas user id in Canvas's file names
  moodle_id          the Moodle participant id in Moodle's file names
  sid                the student id Gradescope's submission_metadata.yml holds
  email              an email address (Gradescope; a --pattern group)
  name               the full name (Moodle, Gradescope)
  first_name, last_name
                     the name in two parts: `last_name first_name` without
                     spaces, lower case, is the name Canvas puts in its file
                     names (`doejane`); `first_name last_name` is a full name

A submission is looked up by each of its LMS's keys in turn (Canvas: user id,
then its name; Moodle: participant id, then full name; Gradescope: sid (in the
sid column, then the id column), then email, then name; --pattern: the value
as an id, then as an email, then as a name). Names and emails match without
regard to case, spaces or punctuation. A roster in which one key stands for two
students, or whose id is not a valid student id, is refused before anything is
collected.
"""

import csv
import re
from pathlib import Path

from .intake import STUDENT_ID
from .problems import CollectError, show

ID_COLUMNS = ("id", "student_id")
KEY_COLUMNS = ("canvas_id", "moodle_id", "sid", "email", "name")


def normal(text):
    """A name or email as compared: lower case, letters and digits only."""
    return re.sub(r"[\W_]+", "", str(text).casefold())


#: Kinds compared as names (normal()); two students may share one.
NAMES = ("email", "name", "canvas_name")
#: What a name shared by two students maps to: it finds no one.
SHARED = object()


class Roster:
    """Student ids by (kind, value): kinds are the key columns, `id` and `canvas_name`."""

    def __init__(self, rows, source="the roster"):
        self.source = source
        self.keys = {}
        for number, row in enumerate(rows, start=2):
            student = (row.get("id") or row.get("student_id") or "").strip()
            if not STUDENT_ID.fullmatch(student):
                raise CollectError(
                    f"{source}, row {number}: {show(student, quote=True)} is not a valid student "
                    "id (letters, digits, '.', '_' and '-', not starting with '.' or '-')"
                )
            self._add("id", student, student, number)
            for column in KEY_COLUMNS:
                if (row.get(column) or "").strip():
                    self._add(column, row[column], student, number)
            first = (row.get("first_name") or "").strip()
            last = (row.get("last_name") or "").strip()
            if first and last:
                self._add("canvas_name", last + first, student, number)
                if not (row.get("name") or "").strip():
                    self._add("name", f"{first} {last}", student, number)

    def _add(self, kind, value, student, number):
        key = _key(kind, value)
        known = self.keys.get(key)
        if known is None or known == student:
            self.keys[key] = student
        elif kind in NAMES:
            self.keys[key] = SHARED  # two students of one name: the name finds neither
        else:
            raise CollectError(
                f"{self.source}, row {number}: {kind} {show(value, quote=True)} stands for both "
                f"{known} and {student}"
            )

    def find(self, keys):
        """The student id the first matching (kind, value) of `keys` gives, or None.

        Gradescope's sid is looked up in the sid column, then as a student id.
        """
        for kind, value in keys:
            if not value:
                continue
            student = self.keys.get(_key(kind, value))
            if student is None and kind == "sid":
                student = self.keys.get(_key("id", value))
            if student is SHARED:
                continue
            if student is not None:
                return student
        return None


def _key(kind, value):
    return (kind, normal(value) if kind in NAMES else str(value).strip())


def read_roster(path):
    """The Roster in the CSV file `path`; CollectError naming what is wrong with it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise CollectError(f"the roster {show(path)} cannot be read: {e}") from None
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None:
        raise CollectError(f"the roster {show(path)} is empty")
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames]
    if not set(ID_COLUMNS) & set(reader.fieldnames):
        raise CollectError(
            f"the roster {show(path)} has no `id` or `student_id` column (its columns: "
            f"{', '.join(reader.fieldnames)})"
        )
    return Roster(list(reader), source=f"the roster {show(path)}")
