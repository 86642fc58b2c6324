"""Step 3: what a submission should hold (read from the release), and what it does hold.

`expected_files(course)` reads `DIR/release/<assignment>/`: the notebooks at
its top and the student package's .py files (`cs231n/**/*.py`). Grading reuses
it. A submission's files are taken from its zip only when `Expected.wants`
them: a notebook of the release at the top of the zip, or a .py file below
`cs231n/` (the student's own extra modules too; never caches or hidden
folders). Everything else is left in the zip and named in one warning.

Then the extracted files are compared with the release, and each difference
becomes a finding. Only a submission that holds none of the assignment's files
is refused; the others are collected with warnings, since nbgrader would
otherwise skip a missing notebook without a word and grading gives it 0:

  - a notebook that is not UTF-8 JSON in nbformat 4 is removed (nbgrader could
    not read it) and reported with what is wrong, and with what grading does
    then (results.notebook_left_out: the package's cells are still scored,
    the notebook's own work is not);
  - a missing notebook is reported the same way;
  - a notebook that is not the release's is never taken and never renamed: a
    student's notebook in a subfolder is reported as misplaced; and when
    exactly one notebook of the release is missing and exactly one other
    notebook is present, it is reported as "looks like a renamed X". Renaming
    it is the instructor's call (rename it in the zip and collect again);
  - package files of the release missing from the submission are listed;
  - a notebook whose cells' nbgrader metadata was copied or edited in Jupyter
    (grade.cells.repair_cells: a duplicated grade_id, a check cell no longer
    graded) is named, with what grading does about it.
"""

import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..grade.cells import notebook_repairs
from ..grade.results import notebook_left_out
from .problems import CollectError, show

#: The student package, at the top of the release and of a submission.
PACKAGE = "cs231n"
#: Folders whose files are never taken (caches); hidden folders neither.
SKIPPED_FOLDERS = {"__pycache__", ".ipynb_checkpoints"}
#: How many names one finding lists before "and N more".
LISTED = 8
#: How much of a validation error a finding quotes.
QUOTED = 160


@dataclass(frozen=True)
class Expected:
    """What a submission of the course's assignment should hold."""

    course: Path
    assignment: str  # "convnets"
    release: Path  # DIR/release/<assignment>
    notebooks: tuple  # names at the top of the release, sorted
    package_files: tuple  # "cs231n/layers.py", ... sorted
    package: str = PACKAGE

    def wants(self, rel):
        """Is the submission file at relative POSIX path `rel` taken?"""
        parts = rel.split("/")
        if len(parts) == 1:
            return rel in self.notebooks
        hidden = any(part.startswith(".") or part in SKIPPED_FOLDERS for part in parts)
        return parts[0] == self.package and rel.endswith(".py") and not hidden


@dataclass(frozen=True)
class Finding:
    """One difference between a submission and the release; `member` as named in the zip."""

    message: str
    member: object = None
    fatal: bool = False


def expected_files(course, assignment=paths.ASSIGNMENT_ID):
    """The Expected files of `course`'s assignment; CollectError when DIR is no released course."""
    course = Path(course)
    release = course / "release" / assignment
    made_by = f"`python -m autograder release --course {show(course)}`"
    if not course.is_dir():
        raise CollectError(f"{show(course)} is not a folder: pass the course made by {made_by}")
    if not release.is_dir():
        raise CollectError(
            f"{show(course)} is not a released course: it has no release/{assignment}/ "
            f"(make it with {made_by})"
        )
    notebooks = sorted(p.name for p in release.glob("*.ipynb") if p.is_file())
    if not notebooks:
        raise CollectError(f"{show(release)} holds no notebook: release the course again")
    package_files = []
    for folder, dirs, files in os.walk(release / PACKAGE):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_FOLDERS)
        rel = Path(folder).relative_to(release).as_posix()
        package_files += [f"{rel}/{name}" for name in files if name.endswith(".py")]
    return Expected(course, assignment, release, tuple(notebooks), tuple(sorted(package_files)))


def notebook_problem(path):
    """What makes the file at `path` no nbformat 4 notebook, or None when it is one."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        return f"not UTF-8 text (byte {e.start})"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}"
    except (ValueError, RecursionError) as e:
        return f"not valid JSON: {type(e).__name__}"
    if not isinstance(data, dict) or "nbformat" not in data:
        return "JSON, but not a notebook (no nbformat field)"
    if data["nbformat"] != 4:
        return f"nbformat {data['nbformat']!r}, not 4 (save it with a current Jupyter)"
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(data)
    except nbformat.ValidationError as e:
        where = "/".join(str(part) for part in getattr(e, "absolute_path", ()))
        reason = " ".join(str(getattr(e, "message", e)).splitlines()[0].split())
        if len(reason) > QUOTED:
            reason = reason[: QUOTED - 3] + "..."
        return f"not in the notebook format (at {where or 'its top level'}: {reason})"
    except Exception:  # nbformat itself trips on stranger data
        return "not in the notebook format (its fields are not a notebook's)"
    return None


def check_submission(folder, extraction, expected):
    """Compare the files extracted into `folder` with `expected`; return the Findings.

    A notebook that is not valid is deleted from `folder` (graded like a
    missing one: results.notebook_left_out).
    """
    folder = Path(folder)
    taken = {member.rel: member for member in extraction.taken}
    if not taken:
        return [
            Finding(
                "holds none of the assignment's files: expected the notebooks ("
                + ", ".join(expected.notebooks)
                + f") at the top of the zip and {expected.package}/**/*.py",
                fatal=True,
            )
        ]
    findings = []
    invalid = set()
    for name in expected.notebooks:
        if name in taken:
            problem = notebook_problem(folder / name)
            if problem:
                (folder / name).unlink()
                invalid.add(name)
                findings.append(
                    Finding(
                        f"is {problem}: it was left out; {notebook_left_out(name)}",
                        taken[name].name,
                    )
                )
    missing = [nb for nb in expected.notebooks if nb not in taken and nb not in invalid]
    findings += _stray_notebooks(extraction.skipped, missing, expected.notebooks)
    findings += _missing_package_files(taken, expected)
    findings += _ignored(extraction.skipped)
    findings += [
        Finding(f"{note} (grading mends this in its record; the files stay as submitted)")
        for note in notebook_repairs(expected.release, folder)
    ]
    findings += [
        Finding("its name is not valid UTF-8 (a broken zip tool?): it was not taken", name)
        for name in extraction.undecodable
    ]
    return findings


def _is_stray_notebook(member):
    parts = member.rel.split("/")
    return (
        member.kind == "file"
        and parts[-1].endswith(".ipynb")
        and not (set(parts) & SKIPPED_FOLDERS)
    )


def _stray_notebooks(skipped, missing, notebooks):
    """Findings for missing notebooks and for the notebooks that are not the release's."""
    findings = []
    missing = list(missing)
    strays = [m for m in skipped if _is_stray_notebook(m)]
    unmatched = []
    for member in strays:
        base = member.rel.rsplit("/", 1)[-1]
        if "/" in member.rel and base in missing:
            missing.remove(base)
            findings.append(
                Finding(
                    f"is not at the top of the zip, where {base} belongs: it was not taken, so "
                    f"{base} scores 0; move it there and collect again",
                    member.name,
                )
            )
        else:
            unmatched.append(member)
    if len(missing) == 1 and len(unmatched) == 1:
        [member], [name] = unmatched, missing
        return [
            *findings,
            Finding(
                f"looks like a renamed {name}: {name} is missing and this is no notebook of "
                f"the assignment. It was not taken (collect renames nothing), so {name} "
                "scores 0; if it is the student's, rename it in the zip and collect again",
                member.name,
            ),
        ]
    for member in unmatched:
        findings.append(
            Finding(
                "is not a notebook of the assignment (those are "
                + ", ".join(notebooks)
                + "): it was not taken",
                member.name,
            )
        )
    findings += [Finding(notebook_left_out(name)) for name in missing]
    return findings


def _missing_package_files(taken, expected):
    gone = [rel for rel in expected.package_files if rel not in taken]
    if not gone:
        return []
    if len(gone) == len(expected.package_files):
        what = f"all {len(gone)} .py files of {expected.package}/ are"
    else:
        what = _names([show(rel) for rel in gone]) + (" is" if len(gone) == 1 else " are")
    return [Finding(f"{what} missing: what the student wrote there cannot be graded")]


def _ignored(skipped):
    others = [m for m in skipped if not _is_stray_notebook(m)]
    if not others:
        return []
    names = [show(m.name) + (" (a symbolic link)" if m.kind == "link" else "") for m in others]
    what = "file" if len(others) == 1 else "files"
    return [
        Finding(
            f"ignored {len(others)} {what} (only the notebooks and {PACKAGE}/**/*.py are "
            f"taken): {_names(names)}"
        )
    ]


def _names(names):
    """Names (already shown) joined, at most LISTED of them."""
    shown = ", ".join(names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")
