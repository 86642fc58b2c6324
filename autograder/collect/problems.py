"""What collect reports: a Problem per finding, and the error that stops it before it starts.

A Problem belongs to one zip (or one PATH) and, when the zip's name gives one,
to one student. A fatal problem means that submission was not collected (a
previous submission of the student, if any, stays as it was); a non-fatal one
is a warning: the submission was collected, and the problem says what grading
will make of it.

Names that come from students (zip members, file names) are shown with `show`,
which escapes anything unprintable, so a member called "a\\nerror: ..." cannot
forge a line of the report.
"""

from dataclasses import dataclass


class CollectError(Exception):
    """Collect cannot start (DIR is not a course, a PATH does not exist); nothing was written."""


@dataclass(frozen=True)
class Problem:
    """One finding about one zip.

    - path: the zip (or the PATH folder) as given on the command line
    - student: the student id the zip's name gives, None when it gives none
    - message: what is wrong and what it means for the submission
    - fatal: True when the submission was not collected because of it
    - member: the zip member concerned, as named in the zip, if any
    """

    path: str
    student: object
    message: str
    fatal: bool
    member: object = None

    def sort_key(self):
        return (self.path, self.student or "", self.member or "", self.message)

    def __str__(self):
        kind = "error" if self.fatal else "warning"
        where = show(self.path)
        if self.member is not None:
            where += f": {show(self.member, quote=True)}"
        return f"{kind}: {where}: {printable(self.message)}"


def show(text, quote=False):
    """`text` for a report line: as is when printable, else escaped like a Python literal."""
    text = str(text)
    if text and text.isprintable() and text.strip() == text:
        return f"'{text}'" if quote else text
    return repr(text)


def printable(text):
    """`text` with every unprintable character escaped (a message may quote a zip's own words)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
