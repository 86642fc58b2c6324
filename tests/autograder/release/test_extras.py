"""Step 2 of the release: what students get beside the notebooks, collect_submission.sh first."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.release.extras import collect_submission_script, copy_reference, write_with_header
from tests.autograder.release.helpers import FIXTURE_NOTEBOOK

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
    """Are the reference outputs copied byte for byte, without dot-files or caches?"""
    src = tmp_path / "reference"
    (src / ".ipynb_checkpoints").mkdir(parents=True)
    (src / ".ipynb_checkpoints" / "x").write_text("x")
    (src / ".DS_Store").write_bytes(b"\0")
    (src / "conv.npz").write_bytes(bytes(range(256)))
    copy_reference(src, tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["conv.npz"]
    assert (tmp_path / "out" / "conv.npz").read_bytes() == bytes(range(256))
