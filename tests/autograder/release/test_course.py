"""The release end to end, with the real `nbgrader generate_assignment`.

One course is built for the session (conftest.py `built`); tests that change
the source or the course work on copies.
"""

import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

from autograder import api, cli, paths
from autograder.release import ReleaseError, Source, build_release
from autograder.release import course as course_step
from autograder.release.scan import MARKERS
from tests.autograder.release.helpers import (
    FIXTURE_NOTEBOOK,
    NOTEBOOK_HIDDEN_LINE,
    NOTEBOOK_SOLUTION_LINE,
    grade_errors,
    graded_cells,
    kernel_env,
    snapshot,
)
from tests.autograder.release.refresh_golden import GOLDEN_DIR, golden_files, read_golden

pytestmark = [pytest.mark.release, pytest.mark.slow]

HERE = Path(__file__).parent
A = paths.ASSIGNMENT_ID


def _copy(src, dest, *, package=None):
    """Copy a release folder; with `package`, put that package in place of its cs231n/."""
    shutil.copytree(src, dest)
    if package is not None:
        shutil.rmtree(dest / "cs231n")
        shutil.copytree(package, dest / "cs231n", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _python(args, cwd, **kwargs):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, **kwargs
    )


# --- the course directory ------------------------------------------------------------


def test_course_holds_config_gradebook_source_release_and_zip(built):
    """Does DIR hold exactly the course nbgrader needs, the release and the zip?"""
    top = sorted(p.name for p in built.course.iterdir())
    assert top == ["convnets.zip", "gradebook.db", "nbgrader_config.py", "release", "source"]
    assert [p.name for p in (built.course / "source").iterdir()] == [A]
    assert [p.name for p in (built.course / "release").iterdir()] == [A]
    assert [line.split(" ")[0] for line in built.steps] == ["1.", "2.", "3.", "4.", "5."]


def test_release_holds_what_students_need(built):
    """Does the release hold the notebooks, the package, references, datasets script and tools?"""
    release = built.result.release
    files = {p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()}
    package = {
        "cs231n/" + p.relative_to(built.source.package).as_posix()
        for p in built.source.package.rglob("*.py")
    }
    references = {
        "reference/" + p.relative_to(built.source.reference).as_posix()
        for p in built.source.reference.rglob("*")
        if p.is_file()
    }
    notebooks = {p.name for p in built.source.notebook_files()}
    expected = {
        "README.md",
        "reference/README.md",
        "datasets/get_datasets.sh",
        "requirements.txt",
        "check_submission.py",
        "collect_submission.sh",
    }
    assert files == package | references | notebooks | expected
    assert FIXTURE_NOTEBOOK in notebooks


def test_source_holds_only_the_stripped_package(built):
    """Is the package in DIR/source the stripped one, identical to the released copy?"""
    source_pkg = built.course / "source" / A / "cs231n"
    for path in sorted(source_pkg.rglob("*.py")):
        text = path.read_text()
        assert not any(m in text for m in MARKERS), path
        assert text.startswith("# GENERATED for this assignment from assignment/cs231n/"), path
        released = built.result.release / "cs231n" / path.relative_to(source_pkg)
        assert released.read_text() == text


def test_config_as_nbgrader_reads_it(built):
    """Does autograde keep the files students write, and only those, from being overwritten?"""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(built.course)).load_config()
    assert config.CourseDirectory.course_id == paths.COURSE_ID
    kept = config.Autograde.exclude_overwriting[A]
    release = built.result.release
    student_py = sorted(
        p.relative_to(release).as_posix()
        for p in (release / "cs231n").rglob("*.py")
        if "raise NotImplementedError(" in p.read_text()
    )
    assert "cs231n/layers.py" in student_py
    assert "cs231n/fast_layers.py" not in kept  # provided: the instructor's copy is put back
    assert sorted(kept) == sorted([*student_py, "collect_submission.sh"])
    assert "raise NotImplementedError" in config.ClearSolutions.code_stub["python"]
    assert config.OverwriteCells.add_missing_cells is True
    assert config.Execute.timeout == course_step.CELL_TIMEOUT
    assert "__pycache__" in config.CourseDirectory.ignore


def test_notebook_is_stubbed_locked_and_checksummed(built):
    """Are solution cells stubbed, hidden tests gone, graded cells locked with checksums?"""
    nb = nbformat.read(built.result.release / FIXTURE_NOTEBOOK, as_version=4)
    assert nb.cells[0].id == course_step.HEADER_CELL_ID
    assert "GENERATED" in nb.cells[0].source
    assert "notebooks/release_fixture.ipynb" in nb.cells[0].source
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
    solution = cells["conv_output_size"]
    assert "raise NotImplementedError" in solution.source
    assert NOTEBOOK_SOLUTION_LINE not in solution.source
    assert cells["inline_question_1"].source == "YOUR ANSWER HERE"
    for grade_id in ("correct_conv_output_size", "correct_conv_forward_naive"):
        cell = cells[grade_id]
        assert "HIDDEN" not in cell.source
        assert NOTEBOOK_HIDDEN_LINE not in cell.source
        assert cell.metadata.editable is False
        assert cell.metadata.deletable is False
        assert cell.metadata.nbgrader["checksum"]
    assert all(not c.get("outputs") for c in nb.cells)


def test_gradebook_records_the_graded_cells(built):
    """Does the gradebook know each grade cell and its points, hidden tests included?"""
    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy's noise on nbgrader's sessions
        with Gradebook(f"sqlite:///{built.course / 'gradebook.db'}", paths.COURSE_ID) as gb:
            notebook = gb.find_notebook("release_fixture", A)
            points = {c.name: c.max_score for c in notebook.grade_cells}
            hidden = gb.find_source_cell("correct_conv_output_size", "release_fixture", A)
            hidden_source = hidden.source
    assert points == {
        "correct_conv_output_size": 1,
        "correct_conv_forward_naive": 2,
        "inline_question_1": 1,
    }
    assert NOTEBOOK_HIDDEN_LINE in hidden_source


def test_the_gradebook_is_stamped_with_the_revision_nbgrader_itself_reports(built):
    """Is the alembic revision of the new gradebook (read in nbgrader's process, not by its
    `alembic heads` command) the single head of nbgrader's migration scripts, so that
    `nbgrader db upgrade` and nbgrader's checks see a current database?"""
    import sqlite3

    import nbgrader
    from alembic.script import ScriptDirectory

    db = sqlite3.connect(built.course / "gradebook.db")
    try:
        stamped = db.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        db.close()
    scripts = ScriptDirectory(str(Path(nbgrader.__file__).parent / "alembic"))
    heads = scripts.get_heads()
    assert len(heads) == 1, heads  # `alembic heads`, which nbgrader reads, prints one
    assert stamped == [(heads[0],)]
    assert scripts.get_revision(heads[0]).down_revision  # not the first revision either


# --- reproducible -----------------------------------------------------------------------


def test_running_twice_gives_the_same_tree(built):
    """Does a second release of the same source leave every file as the first one made it?"""
    second = snapshot(built.course)
    assert sorted(second) == sorted(built.first)
    assert [p for p in second if second[p] != built.first[p]] == []


def test_zip_is_byte_identical_and_matches_the_release(built):
    """Is the zip the same bytes on both runs, and does it unpack to the release exactly?"""
    import zipfile

    assert built.result.archive.read_bytes() == built.first_zip
    release = built.result.release
    with zipfile.ZipFile(built.result.archive) as zf:
        unpacked = {info.filename: zf.read(info) for info in zf.infolist()}
    expected = {
        f"{A}/{p.relative_to(release).as_posix()}": p.read_bytes()
        for p in release.rglob("*")
        if p.is_file()
    }
    assert unpacked == expected


def test_golden_release_tree(built):
    """Do the released files match tests/golden/release, file by file? (refresh: make golden)"""
    actual = golden_files(built.course)
    golden = read_golden(GOLDEN_DIR) if GOLDEN_DIR.is_dir() else {}
    problems = []
    for rel in sorted(actual.keys() | golden.keys()):
        if rel not in golden:
            problems.append(f"new file, not in the golden tree: {rel}")
        elif rel not in actual:
            problems.append(f"in the golden tree, no longer released: {rel}")
        elif actual[rel] != golden[rel]:
            diff = difflib.unified_diff(
                golden[rel].decode().splitlines(),
                actual[rel].decode().splitlines(),
                f"golden/{rel}",
                f"released/{rel}",
                lineterm="",
                n=1,
            )
            problems.append("\n".join(list(diff)[:30]))
    assert not problems, (
        "the release differs from tests/golden/release; if the change is intended, run "
        "`make golden` and review `git diff tests/golden`:\n" + "\n".join(problems)
    )


# --- what a student gets works, and holds nothing of the solution ---------------------------


def test_released_package_imports_cleanly(built, tmp_path):
    """Does every module of the released package import without error or warning?"""
    release = _copy(built.result.release, tmp_path / "r")
    modules = sorted(
        ".".join(p.relative_to(release).with_suffix("").parts).removesuffix(".__init__")
        for p in (release / "cs231n").rglob("*.py")
    )
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    proc = _python(["-W", "error", "-c", code, *modules], cwd=release, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_every_student_function_raises_naming_itself(built, tmp_path):
    """Does each student function, called with valid arguments, raise an error naming itself?"""
    release = _copy(built.result.release, tmp_path / "r")
    proc = _python([str(HERE / "student_calls.py")], cwd=release, timeout=120)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    missing = [f for f in built.result.functions if f not in results]
    assert not missing, f"add these functions to CALLS in {HERE / 'student_calls.py'}: {missing}"
    assert built.result.functions, "the stripper found no student function"
    for function in built.result.functions:
        path, qualname = function.split(": ")
        kind, message = results[function]
        assert kind == "NotImplementedError", f"{function}: {kind}: {message}"
        assert message.startswith(f"{qualname}: not implemented yet"), message
        assert path in message


NOTEBOOKS = [FIXTURE_NOTEBOOK] + [p.name for p in Source.from_repo().notebook_files()]
#: Why a check may fail on the untouched release: the student's work is missing.
MISSING_WORK = {"NotImplementedError", "NotImplementedYet", "NameError"}


def _autograde_view(built, name):
    """The released notebook with its grade cells as the gradebook holds them (hidden tests in)."""
    source_nb = nbformat.read(built.source.notebooks / name, as_version=4)
    release_nb = nbformat.read(built.result.release / name, as_version=4)
    expected = graded_cells(source_nb)
    assert set(graded_cells(release_nb)) == set(expected)
    for grade_id, cell in graded_cells(release_nb).items():
        cell.source = expected[grade_id].source
    return source_nb, release_nb


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_graded_check_fails_on_the_untouched_release(built, name, tmp_path, kernel_scratch):
    """Does every graded check fail on the untouched release, for want of the student's work?

    The checks run as autograde runs them: the released notebook with the grade
    cells the gradebook holds (hidden tests back in) and the released package.
    Every check also passes on the instructor source (below for the fixture
    notebook; tests/notebooks runs the course's notebooks against the
    solutions), so no graded check is vacuous.
    """
    _, release_nb = _autograde_view(built, name)
    if not graded_cells(release_nb):
        pytest.skip(f"{name} has no autograded cells")
    student = _copy(built.result.release, tmp_path / "student")
    errors = grade_errors(release_nb, student, kernel_env(kernel_scratch))

    vacuous = [grade_id for grade_id, names in errors.items() if not names]
    assert not vacuous, f"{name}: graded checks that pass on the untouched release: {vacuous}"
    other = {g: names for g, names in errors.items() if not set(names) <= MISSING_WORK}
    assert not other, f"{name}: checks failing for another reason than missing work: {other}"


def test_fixture_checks_pass_on_the_instructor_source(built, tmp_path, kernel_scratch):
    """Does every graded check of the fixture notebook pass with the instructor's package?

    (So the harness above tells a pass from a fail.)
    """
    source_nb, _ = _autograde_view(built, FIXTURE_NOTEBOOK)
    instructor = _copy(built.result.release, tmp_path / "instructor", package=built.source.package)
    errors = grade_errors(source_nb, instructor, kernel_env(kernel_scratch))
    assert errors
    assert errors == {grade_id: [] for grade_id in errors}


# --- updating a course ---------------------------------------------------------------------


def test_editing_the_source_updates_the_release(course_copy):
    """After an edit to a TODO and to a notebook, does a new release carry both edits?"""
    source, course = course_copy
    layers = source.package / "layers.py"
    layers.write_text(layers.read_text().replace("Hint: np.pad.", "Hint: np.pad, once."))
    nb_path = source.notebooks / FIXTURE_NOTEBOOK
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[2].source += " Use integer division."
    nbformat.write(nb, nb_path)

    result = build_release(course, source=source)

    assert "Hint: np.pad, once." in (result.release / "cs231n" / "layers.py").read_text()
    released = nbformat.read(result.release / FIXTURE_NOTEBOOK, as_version=4)
    assert released.cells[3].source.endswith("Use integer division.")


def _add_submission(course, student="s1"):
    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", paths.COURSE_ID) as gb:
            gb.update_or_create_student(student)
            gb.add_submission(A, student)


def test_submissions_block_removing_a_cell_and_the_release_stays(course_copy):
    """With submissions, is nbgrader's refusal to remove a graded cell reported, the course kept?"""
    source, course = course_copy
    _add_submission(course)
    before = snapshot(course, skip=())
    nb_path = source.notebooks / FIXTURE_NOTEBOOK
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells = [c for c in nb.cells if c.get("id") != "correct-conv-forward-naive"]
    nbformat.write(nb, nb_path)

    with pytest.raises(ReleaseError) as excinfo:
        build_release(course, source=source)

    message = str(excinfo.value)
    assert "Cannot add or remove cells for notebook 'release_fixture'" in message
    assert "submissions" in message
    assert "unchanged" in message
    assert snapshot(course, skip=()) == before


def test_autograde_keeps_student_code_and_restores_instructor_files(course_copy):
    """Does real nbgrader autograde keep a student's .py files but restore the references?"""
    _, course = course_copy
    submission = course / "submitted" / "s1" / A
    shutil.copytree(course / "release" / A, submission)
    for notebook in submission.glob("*.ipynb"):  # one notebook is enough, and quicker
        if notebook.name != FIXTURE_NOTEBOOK:
            notebook.unlink()
    with open(submission / "cs231n" / "layers.py", "a") as f:
        f.write("# the student's own line\n")
    reference = sorted((submission / "reference").iterdir())[0].relative_to(submission)
    (submission / reference).write_text("edited by the student\n")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", A],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    graded = course / "autograded" / "s1" / A
    assert (graded / "cs231n" / "layers.py").read_text().endswith("# the student's own line\n")
    assert (graded / reference).read_bytes() == (course / "source" / A / reference).read_bytes()
    assert (graded / FIXTURE_NOTEBOOK).is_file()


def _fake_generate(stage, assignment_id, verbose=False):
    """Stands in for nbgrader: copies the non-notebook files, as nbgrader does."""
    src, dest = Path(stage) / "source" / assignment_id, Path(stage) / "release" / assignment_id
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("*.ipynb"))
    return ""


def test_a_leak_stops_the_release_and_leaves_the_course_as_it_was(course_copy, monkeypatch):
    """Does a leaking file in the source stop the release, name the file, and change nothing?"""
    source, course = course_copy
    before = snapshot(course, skip=())
    (source.reference / "solutions.npz").write_bytes(b"PK")
    monkeypatch.setattr(course_step, "generate", _fake_generate)

    with pytest.raises(ReleaseError) as excinfo:
        build_release(course, source=source)

    assert "reference/solutions.npz" in str(excinfo.value)
    assert "instructor-only" in str(excinfo.value)
    assert snapshot(course, skip=()) == before


def test_foreign_directory_is_refused_without_force(built, tmp_path, monkeypatch):
    """Is a non-empty directory that is not a convkit course refused unless --force is given?"""
    course = tmp_path / "home"
    course.mkdir()
    (course / "notes.txt").write_text("mine")
    with pytest.raises(ReleaseError, match="--force"):
        build_release(course, source=built.source)
    assert sorted(p.name for p in course.iterdir()) == ["notes.txt"]

    monkeypatch.setattr(course_step, "generate", _fake_generate)
    # The fake generator copies no notebooks, so the release has none: still a release.
    result = build_release(course, source=built.source, force=True)
    assert (course / "notes.txt").read_text() == "mine"
    assert result.archive.is_file()


def test_gradebook_changed_meanwhile_stops_the_commit(course_copy, monkeypatch):
    """If nbgrader writes the gradebook during a release, is nothing replaced?"""
    source, course = course_copy

    def generate_while_grading(stage, assignment_id, verbose=False):
        os.utime(course / "gradebook.db", ns=(0, 0))  # as if autograde wrote to it
        return _fake_generate(stage, assignment_id)

    monkeypatch.setattr(course_step, "generate", generate_while_grading)
    before = snapshot(course)
    with pytest.raises(ReleaseError, match="changed while the release was built"):
        build_release(course, source=source)
    assert snapshot(course) == before


def test_course_inside_the_source_is_refused(built):
    """Is a course directory inside the instructor's notebooks or package refused?"""
    with pytest.raises(ReleaseError, match="inside the instructor's source"):
        build_release(built.source.notebooks / "course", source=built.source)
    assert not (built.source.notebooks / "course").exists()


def test_missing_source_pieces_are_named(tmp_path):
    """Does a release from an incomplete source name every missing piece, and write nothing?"""
    with pytest.raises(ReleaseError) as excinfo:
        api.release(tmp_path / "c", source=tmp_path / "empty")
    message = str(excinfo.value)
    for piece in ("assignment/cs231n/", "notebooks/", "assignment/reference/", "requirements.txt"):
        assert piece in message
    assert "datasets/get_datasets.sh" in message
    assert not (tmp_path / "c").exists()


# --- the command line ------------------------------------------------------------------


def test_cli_help_lists_the_steps(built, capsys):
    """Does `python -m autograder release --help` explain, numbered, the steps a release
    reports as it runs them, no more and no fewer?"""
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["release", "--help"])
    assert excinfo.value.code == 0
    out = capsys.readouterr().out
    explained = re.findall(r"^ +(\d+)\. [A-Z]", out, re.MULTILINE)
    reported = [line.split(".")[0] for line in built.steps]
    assert explained == reported
    assert "--course DIR" in out


def test_cli_reports_a_refusal_with_exit_1(tmp_path, capsys):
    """Does the command exit 1 with the reason on stderr when the release is refused?"""
    code = cli.main(["release", "--course", str(tmp_path / "c"), "--source", str(tmp_path)])
    assert code == 1
    assert "release refused: cannot release: missing from the source" in capsys.readouterr().err
