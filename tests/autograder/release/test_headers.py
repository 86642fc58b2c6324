"""Nothing written for instructors ships: the release's headers and texts address students."""

import json
import re
import zipfile

import pytest

from autograder.release import course as course_step
from autograder.release.headers import comment_header, header_lines

#: Wording only an instructor can act on: their commands, their files, their CI.
INSTRUCTOR_WORDING = {
    "Instructors:": r"Instructors:",
    "do not edit this copy": r"do not edit this copy",
    "and release again": r"and release again",
    "python -m autograder": r"python -m autograder",
    "refs --check": r"refs --check",
    "CI": r"\bCI\b",
    "build.py": r"build\.py",
    "make VERB": r"\bmake (test|test-fast|golden|notebooks|refs|demo|corpora|bench|lint|format)\b",
    "pytest": r"\bpytest\b",
    "jupytext": r"\bjupytext\b",
    "gradebook": r"\bgradebook\b",
    "nbgrader_config": r"nbgrader_config",
}


def release_texts(release):
    """{path: text a student reads}: every text file; of a notebook, its cells' sources."""
    texts = {}
    for path in sorted(release.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(release).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if path.suffix == ".ipynb":
            cells = json.loads(text)["cells"]
            text = "\n".join("".join(c["source"]) for c in cells)
        texts[rel] = text
    return texts


def instructor_wording(texts):
    """{(path, wording)} for every instructor-only wording found."""
    return {
        (rel, name)
        for rel, text in texts.items()
        for name, pattern in INSTRUCTOR_WORDING.items()
        if re.search(pattern, text)
    }


@pytest.mark.release
@pytest.mark.slow
def test_no_instructor_wording_ships(built):
    """Does no file of the release, nor the zip's comment, hold instructor-only wording (their
    commands, 'Instructors: do not edit this copy', CI, refs --check)?"""
    texts = release_texts(built.result.release)
    with zipfile.ZipFile(built.result.archive) as zf:
        texts["(zip comment)"] = zf.comment.decode("utf-8")
    found = instructor_wording(texts)
    assert not found, sorted(found)
    assert set(texts) >= {"README.md", "reference/README.md", "check_submission.py"}


@pytest.mark.release
@pytest.mark.slow
def test_every_generated_file_says_so_and_from_what(built):
    """Does every text file of the release but the README start (below a #!) with the header,
    and every notebook with its header cell?"""
    release = built.result.release
    for rel, text in release_texts(release).items():
        if rel.endswith(".md"):
            continue
        if rel.endswith(".ipynb"):
            first = json.loads((release / rel).read_text())["cells"][0]
            assert first["id"] == course_step.HEADER_CELL_ID, rel
            assert "".join(first["source"]).startswith("<small><i>GENERATED for this"), rel
            continue
        lines = [line for line in text.splitlines() if not line.startswith("#!")]
        assert lines[0].startswith("# GENERATED for this assignment from "), rel
        assert lines[1].startswith("# Students: "), rel


def test_the_course_config_keeps_the_instructor_header():
    """Does nbgrader_config.py, which only instructors read, still say how to change it?"""
    text = course_step.nbgrader_config_text("convnets", "convkit", [])
    assert text.startswith(course_step.CONFIG_MARK)
    assert "Instructors: do not edit this copy" in text.splitlines()[1]


def test_student_header_wording():
    """Is the student header one line of origin, then the student's line, nothing else?"""
    assert header_lines("x.py") == ["GENERATED for this assignment from x.py (convkit)."]
    assert comment_header("x.py", "Students: read it.") == (
        "# GENERATED for this assignment from x.py (convkit).\n# Students: read it.\n"
    )
