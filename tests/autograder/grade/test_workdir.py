"""Tests of autograder/grade/workdir.py: the release, with only the student's files swapped in."""

import os
import shutil

import pytest

from autograder.grade import workdir
from autograder.grade.workdir import WorkdirError, assemble, student_files

pytestmark = pytest.mark.grade

STUDENT_PACKAGE = (
    "cs231n/classifiers/cnn.py",
    "cs231n/layers.py",
    "cs231n/optim.py",
    "cs231n/solver.py",
)
NOTEBOOKS = (
    "ConvolutionalNetworks.ipynb",
    "PoolingAndTransposedConv.ipynb",
    "SpatialNormalization.ipynb",
)


@pytest.fixture
def submission(grade_release, tmp_path):
    """A submission as collect_submission.sh makes it: the notebooks and cs231n/**/*.py."""
    sub = tmp_path / "submitted" / "convnets"
    sub.mkdir(parents=True)
    for name in NOTEBOOKS:
        shutil.copyfile(grade_release / name, sub / name)
    for path in sorted((grade_release / "cs231n").rglob("*.py")):
        target = sub / path.relative_to(grade_release)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return sub


def write_work(sub, rel, text):
    path = sub / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_student_files_are_the_files_with_the_student_work_header(grade_release):
    """Are the student files the package files headed for students' work, and the notebooks?"""
    found = student_files(grade_release)
    assert found.package == STUDENT_PACKAGE
    assert found.notebooks == NOTEBOOKS
    assert found.all == STUDENT_PACKAGE + NOTEBOOKS


def test_student_files_refuses_a_folder_that_is_no_release(tmp_path):
    """Is a folder without the package, or without any student header, refused by name?"""
    with pytest.raises(WorkdirError, match="holds no package cs231n"):
        student_files(tmp_path)
    (tmp_path / "cs231n").mkdir()
    (tmp_path / "cs231n" / "__init__.py").write_text("")
    (tmp_path / "cs231n" / "layers.py").write_text("x = 1\n")
    with pytest.raises(WorkdirError, match="student-work header"):
        student_files(tmp_path)


def test_student_files_are_taken_and_the_rest_comes_from_the_release(
    grade_release, submission, tmp_path
):
    """Are the student's layers.py and notebook used, and every provided file the release's?"""
    write_work(submission, "cs231n/layers.py", "# mine\n")
    write_work(submission, "ConvolutionalNetworks.ipynb", "{}")
    dest = tmp_path / "work"
    result = assemble(grade_release, submission, dest)
    assert (dest / "cs231n/layers.py").read_text() == "# mine\n"
    assert (dest / "ConvolutionalNetworks.ipynb").read_text() == "{}"
    assert sorted(result.taken) == sorted(STUDENT_PACKAGE + NOTEBOOKS)
    assert result.missing == result.refused == result.ignored == result.extra == []
    assert result.flags == []
    for rel in ("cs231n/fast_layers.py", "cs231n/checks.py", "reference/conv_forward_naive.npz"):
        assert (dest / rel).read_bytes() == (grade_release / rel).read_bytes()


def test_an_edited_provided_file_is_ignored_and_reported(grade_release, submission, tmp_path):
    """Does editing fast_layers.py (to cheat) change nothing, with a flag naming the file?"""
    write_work(submission, "cs231n/fast_layers.py", "def conv_forward_fast(*a):\n    return 0\n")
    write_work(submission, "cs231n/checks.py", "def check(*a, **k):\n    pass\n")
    dest = tmp_path / "work"
    result = assemble(grade_release, submission, dest)
    for rel in ("cs231n/fast_layers.py", "cs231n/checks.py"):
        assert (dest / rel).read_bytes() == (grade_release / rel).read_bytes()
    assert sorted(result.ignored) == ["cs231n/checks.py", "cs231n/fast_layers.py"]
    assert "edited provided file cs231n/fast_layers.py (ignored)" in result.flags


def test_line_endings_alone_are_not_an_edit(grade_release, submission, tmp_path):
    """Is a provided file saved with Windows line endings left unflagged?"""
    path = submission / "cs231n" / "shapes.py"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    result = assemble(grade_release, submission, tmp_path / "work")
    assert result.ignored == []


def test_a_missing_student_file_keeps_the_release_stub(grade_release, submission, tmp_path):
    """Does a student file absent from the submission stay the release's stub, with a flag?"""
    (submission / "cs231n" / "optim.py").unlink()
    (submission / "SpatialNormalization.ipynb").unlink()
    dest = tmp_path / "work"
    result = assemble(grade_release, submission, dest)
    assert (dest / "cs231n/optim.py").read_bytes() == (
        grade_release / "cs231n/optim.py"
    ).read_bytes()
    assert (dest / "SpatialNormalization.ipynb").is_file()
    assert sorted(result.missing) == ["SpatialNormalization.ipynb", "cs231n/optim.py"]
    assert result.flags == ["cs231n/optim.py was not submitted (the release's stub is used)"]


def test_a_missing_submission_folder_means_every_file_is_missing(grade_release, tmp_path):
    """Does a submission folder that does not exist give the release as it is, without raising?"""
    result = assemble(grade_release, tmp_path / "nothing", tmp_path / "work")
    assert sorted(result.missing) == sorted(STUDENT_PACKAGE + NOTEBOOKS)


def test_a_symlinked_student_file_is_refused(grade_release, submission, tmp_path):
    """Is layers.py as a link to a host file refused (never read), the stub kept, and reported?"""
    secret = tmp_path / "secret.txt"
    secret.write_text("the instructor's secret")
    (submission / "cs231n" / "layers.py").unlink()
    os.symlink(secret, submission / "cs231n" / "layers.py")
    dest = tmp_path / "work"
    result = assemble(grade_release, submission, dest)
    assert "secret" not in (dest / "cs231n/layers.py").read_text()
    assert not (dest / "cs231n/layers.py").is_symlink()
    assert result.refused == [
        ("cs231n/layers.py", "cs231n/layers.py is a symbolic link (never followed) "
         "(the release's copy is used)")
    ]  # fmt: skip
    assert any("cs231n/layers.py is a symbolic link" in flag for flag in result.flags)


def test_a_symlinked_folder_on_the_path_is_refused(grade_release, submission, tmp_path):
    """Is cs231n/classifiers as a link to another folder refused for the files below it?"""
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(submission / "cs231n" / "classifiers", elsewhere)
    (elsewhere / "cnn.py").write_text("# from a linked folder\n")
    shutil.rmtree(submission / "cs231n" / "classifiers")
    os.symlink(elsewhere, submission / "cs231n" / "classifiers")
    dest = tmp_path / "work"
    result = assemble(grade_release, submission, dest)
    assert "linked folder" not in (dest / "cs231n/classifiers/cnn.py").read_text()
    assert ("cs231n/classifiers/cnn.py", "cs231n/classifiers is a symbolic link (never "
            "followed) (the release's copy is used)") in result.refused  # fmt: skip


def test_a_fifo_or_a_folder_in_place_of_a_student_file_is_refused(
    grade_release, submission, tmp_path
):
    """Is a FIFO (which would block a reader) refused at once, and a folder too?"""
    (submission / "cs231n" / "optim.py").unlink()
    os.mkfifo(submission / "cs231n" / "optim.py")
    (submission / "cs231n" / "solver.py").unlink()
    (submission / "cs231n" / "solver.py").mkdir()
    result = assemble(grade_release, submission, tmp_path / "work")
    reasons = dict(result.refused)
    assert reasons["cs231n/optim.py"].startswith("is not a regular file")
    assert reasons["cs231n/solver.py"].startswith("is not a regular file")


def test_a_student_file_over_the_size_cap_is_refused(
    grade_release, submission, tmp_path, monkeypatch
):
    """Is a layers.py over the cap refused with its size and the cap named?"""
    monkeypatch.setattr(workdir, "MAX_SOURCE_BYTES", 4096)
    write_work(submission, "cs231n/layers.py", "#" * 10_000)
    result = assemble(grade_release, submission, tmp_path / "work")
    assert dict(result.refused)["cs231n/layers.py"].startswith("is 9 KB, over the 4 KB limit")


def test_extra_files_are_never_copied_and_are_reported(grade_release, submission, tmp_path):
    """Are a sitecustomize.py and a new module left out of the workdir, and named in the flags?"""
    write_work(submission, "sitecustomize.py", "import os\n")
    write_work(submission, "cs231n/helpers.py", "X = 1\n")
    write_work(submission, "notes.txt", "hello\n")
    dest = tmp_path / "work"
    result = assemble(grade_release, submission, dest)
    assert not (dest / "sitecustomize.py").exists()
    assert not (dest / "cs231n/helpers.py").exists()
    assert sorted(result.extra) == ["cs231n/helpers.py", "sitecustomize.py"]
    assert "extra file sitecustomize.py (not part of the release, not used)" in result.flags


def test_dest_must_be_new_or_empty(grade_release, submission, tmp_path):
    """Is a destination that already holds files refused, so nothing is mixed in?"""
    dest = tmp_path / "work"
    dest.mkdir()
    (dest / "old.py").write_text("")
    with pytest.raises(WorkdirError, match="not an empty folder"):
        assemble(grade_release, submission, dest)
