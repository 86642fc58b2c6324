"""Step 2 of the release: what students get beside the notebooks, collect_submission.sh first."""

import itertools
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.release.extras import collect_submission_script, copy_reference, write_with_header
from tests.autograder.release.helpers import FIXTURE_NOTEBOOK, grade_errors, kernel_env

BASH = shutil.which("bash")


@pytest.fixture
def release(built, tmp_path):
    """A copy of the release with what a student's folder also holds: caches, data, notes."""
    root = Path(shutil.copytree(built.result.release, tmp_path / "convnets"))
    (root / "cs231n/__pycache__").mkdir()
    (root / "cs231n/__pycache__/layers.cpython-311.pyc").write_bytes(b"\0")
    (root / "datasets/cifar-10-batches-py").mkdir()
    (root / "datasets/cifar-10-batches-py/data_batch_1").write_bytes(b"\0" * 100)
    (root / "notes.txt").write_text("mine")
    return root


def _collect(root, student_id, path=None):
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = str(path)
    return subprocess.run(
        [BASH, "collect_submission.sh", *([student_id] if student_id is not None else [])],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _expected(root):
    notebooks = sorted(p.name for p in root.glob("*.ipynb"))
    code = sorted(
        p.relative_to(root).as_posix()
        for p in (root / "cs231n").rglob("*.py")
        if "__pycache__" not in p.parts
    )
    return sorted(notebooks + code)


def _no_zip_path(tmp_path):
    """A PATH with what the script needs but `zip`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "find", "sort", "rm"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    (bin_dir / "python3").symlink_to(sys.executable)
    return bin_dir


@pytest.mark.release
@pytest.mark.slow
@pytest.mark.parametrize("with_zip", [True, False], ids=["zip", "python-fallback"])
def test_collect_submission_zips_notebooks_and_code(release, tmp_path, with_zip):
    """Does `bash collect_submission.sh jdoe` zip the notebooks and cs231n/**/*.py, nothing else?"""
    if with_zip and not shutil.which("zip"):
        pytest.skip("no zip on this machine")
    path = None if with_zip else _no_zip_path(tmp_path)
    proc = _collect(release, "jdoe", path)
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(release / "jdoe.zip") as zf:
        names = sorted(zf.namelist())
        assert zf.read("cs231n/layers.py") == (release / "cs231n/layers.py").read_bytes()
    assert names == _expected(release)
    assert FIXTURE_NOTEBOOK in names
    assert "cs231n/classifiers/cnn.py" in names
    assert "Hand in jdoe.zip" in proc.stdout


@pytest.mark.release
@pytest.mark.slow
@pytest.mark.parametrize("student_id", ["", "-rf", ".hidden", "a b", "../up", "x/y", "é", "a;b"])
def test_collect_submission_refuses_a_bad_id(release, student_id):
    """Is an id with other characters than letters, digits, '.', '_' and '-' refused?"""
    proc = _collect(release, student_id)
    assert proc.returncode == 2
    assert "not a valid student id" in proc.stderr
    assert not list(release.rglob("*.zip"))


@pytest.mark.release
@pytest.mark.slow
def test_collect_submission_needs_the_id_and_the_notebooks(release):
    """Does the script explain its usage without an id, and refuse when a notebook is missing?"""
    proc = _collect(release, None)
    assert proc.returncode == 2
    assert "usage" in proc.stderr
    (release / FIXTURE_NOTEBOOK).unlink()
    proc = _collect(release, "jdoe")
    assert proc.returncode == 1
    assert FIXTURE_NOTEBOOK in proc.stderr
    assert not (release / "jdoe.zip").exists()


def test_script_lists_the_notebooks_it_is_given():
    """Does the script start with #! and list the notebooks it is given, sorted, refusing a
    name the shell would split?"""
    lines = collect_submission_script(["b.ipynb", "a.ipynb"]).splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    assert "notebooks=(a.ipynb b.ipynb)" in lines
    assert "notebooks=(c.ipynb)" in collect_submission_script(["c.ipynb"]).splitlines()
    with pytest.raises(ValueError, match="plain file name"):
        collect_submission_script(["a b.ipynb"])


def test_copied_text_files_get_the_header_below_the_shebang(tmp_path):
    """Do requirements.txt and get_datasets.sh get the header, with a #! line kept first?"""
    script = tmp_path / "get.sh"
    script.write_text("#!/usr/bin/env bash\necho hi\n")
    write_with_header(script, tmp_path / "out.sh", "datasets/get_datasets.sh")
    lines = (tmp_path / "out.sh").read_text().splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    assert "from datasets/get_datasets.sh" in lines[1]
    assert lines[-1] == "echo hi"

    reqs = tmp_path / "requirements.txt"
    reqs.write_text("numpy\n")
    write_with_header(reqs, tmp_path / "r.txt", "requirements.txt")
    lines = (tmp_path / "r.txt").read_text().splitlines()
    assert lines[0].startswith("# GENERATED")
    assert lines[-1] == "numpy"


def test_reference_copy_leaves_dot_files_and_caches_out(tmp_path):
    """Are the reference outputs copied byte for byte, without dot-files, caches or the
    instructors' README.md?"""
    src = tmp_path / "reference"
    (src / ".ipynb_checkpoints").mkdir(parents=True)
    (src / ".ipynb_checkpoints" / "x").write_text("x")
    (src / ".DS_Store").write_bytes(b"\0")
    (src / "conv.npz").write_bytes(bytes(range(256)))
    (src / "README.md").write_text("for instructors")
    copy_reference(src, tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["conv.npz"]
    assert (tmp_path / "out" / "conv.npz").read_bytes() == bytes(range(256))


# --- the warnings of collect_submission.sh (check_submission.py) -----------------------

ANSWER_CODE = (
    "def conv_output_size(H, HH, pad, stride):\n    return 1 + (H + 2 * pad - HH) // stride"
)
ANSWER_TEXT = "Every window must fit inside the input, so the output loses HH - 1 rows."


def _work_on_fixture(folder, built, scratch, *, answer_text):
    """Do the fixture notebook's work as a student would: the instructor's package in place of
    cs231n/, the code answer written (the written one if `answer_text`), every cell run in a
    kernel, the notebook saved. Returns the notebook."""
    shutil.rmtree(folder / "cs231n")
    shutil.copytree(
        built.source.package, folder / "cs231n", ignore=shutil.ignore_patterns("__pycache__")
    )
    path = folder / FIXTURE_NOTEBOOK
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "conv_output_size":
            cell.source = ANSWER_CODE
        elif grade_id == "inline_question_1" and answer_text:
            cell.source = ANSWER_TEXT
    errors = grade_errors(nb, folder, kernel_env(scratch), timeout=120)
    assert errors == {"correct_conv_output_size": [], "correct_conv_forward_naive": []}
    nbformat.write(nb, path)
    return nb


def _section(stdout, name):
    """The warning lines printed under `name`: in the check's report."""
    lines = stdout.splitlines()
    start = lines.index(f"{name}:")
    return [
        line.strip()
        for line in itertools.takewhile(lambda x: x.startswith("    "), lines[start + 1 :])
    ]


@pytest.mark.release
@pytest.mark.slow
def test_collect_submission_warns_of_notebooks_never_run(release):
    """Does the untouched release get one 'never run' warning per notebook, and its zip anyway?"""
    proc = _collect(release, "jdoe")
    assert proc.returncode == 0, proc.stderr
    assert (release / "jdoe.zip").is_file()
    for nb in sorted(p.name for p in release.glob("*.ipynb")):
        assert _section(proc.stdout, nb)[0].startswith("never run: none of its code cells"), nb
    assert "not written yet: conv_forward_naive (cs231n/layers.py" in proc.stdout
    assert "These are warnings: jdoe.zip is written anyway." in proc.stdout
    assert proc.stdout.rstrip().endswith("Hand in jdoe.zip.")


@pytest.mark.release
@pytest.mark.slow
def test_collect_submission_names_an_empty_answer(release, built, kernel_scratch):
    """Run with its written answer left empty, is the fixture notebook warned about that cell
    alone, by number, section and id, and still zipped?"""
    nb = _work_on_fixture(release, built, kernel_scratch, answer_text=False)
    number = next(
        i
        for i, c in enumerate(nb.cells, 1)
        if c.metadata.get("nbgrader", {}).get("grade_id") == "inline_question_1"
    )
    proc = _collect(release, "jdoe")
    assert proc.returncode == 0, proc.stderr
    assert _section(proc.stdout, FIXTURE_NOTEBOOK) == [
        f'answer still empty: cell {number}, in "Release fixture" (inline_question_1) still '
        "holds YOUR ANSWER HERE"
    ]
    assert "cs231n/: nothing to report" in proc.stdout
    with zipfile.ZipFile(release / "jdoe.zip") as zf:
        zipped = nbformat.reads(zf.read(FIXTURE_NOTEBOOK).decode(), as_version=4)
    assert ANSWER_CODE in [cell.source for cell in zipped.cells]


@pytest.mark.release
@pytest.mark.slow
def test_collect_submission_is_quiet_on_a_complete_submission(built, tmp_path, kernel_scratch):
    """A folder whose only notebook is run with every answer written, and whose package is
    complete: does the script report nothing and say only where to hand in?"""
    folder = tmp_path / "convnets"
    folder.mkdir()
    for name in (FIXTURE_NOTEBOOK, "check_submission.py"):
        shutil.copyfile(built.result.release / name, folder / name)
    shutil.copytree(built.result.release / "cs231n", folder / "cs231n")
    (folder / "collect_submission.sh").write_text(collect_submission_script([FIXTURE_NOTEBOOK]))
    _work_on_fixture(folder, built, kernel_scratch, answer_text=True)
    proc = _collect(folder, "jdoe")
    assert proc.returncode == 0, proc.stderr
    assert f"{FIXTURE_NOTEBOOK}: nothing to report" in proc.stdout
    assert "Nothing to report" in proc.stdout
    assert "warning" not in proc.stdout.lower()
    assert proc.stdout.rstrip().endswith("Hand in jdoe.zip.")
    assert (folder / "jdoe.zip").is_file()
