"""The Gradescope bundle (autograder/gradescope/): built from a release, run as Gradescope runs it.

The bundle is built once from the session's release (tests/grading.py), unzipped
into <tmp>/autograder/source, and `run_autograder` is run as a subprocess with
CONVKIT_GRADESCOPE_ROOT=<tmp>/autograder on one submission at a time (no network,
no setup.sh: this interpreter stands in for the one setup.sh installs). Four
uploads: the solution (as the zip collect_submission.sh makes), the release, a
corpus mistake and a hostile submission (each as the loose files).
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import cli, paths
from autograder.gradescope import VISIBILITIES
from autograder.gradescope.bundle import ROOT_ENV, build_bundle
from tests import netprobe
from tests.corpora.mistakes import BY_ID

pytestmark = pytest.mark.export

#: The corpus mistake graded both ways (one function's bug, cheap to run).
MISTAKE = "mistake-conv-no-bias"


@pytest.fixture(scope="module")
def bundle(grade_release, tmp_path_factory):
    """The autograder zip of the session's released course."""
    course = Path(grade_release).parents[1]
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    return build_bundle(course, out=out, log=lambda *_: None)


def unzip_with_modes(zip_path, dest):
    """Extract like unzip(1) does on Gradescope: each member keeps its Unix mode."""
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, dest))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                path.chmod(mode)


def run_autograder(bundle, tmp_path, upload):
    """Lay out <tmp>/autograder as Gradescope does, grade `upload`; (results.json, stdout)."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    unzip_with_modes(bundle.path, root / "source")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    upload(root / "submission")
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        ROOT_ENV: str(root),
    }
    run = subprocess.run(
        [str(root / "run_autograder")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    return results, run.stdout + run.stderr


def copy_into(folder):
    """upload(dest): the files of `folder` as the student's upload."""
    return lambda dest: shutil.copytree(folder, dest, dirs_exist_ok=True)


def release_with(release, tmp_path, layers_text):
    """The release with its cs231n/layers.py replaced by `layers_text` (a partial submission)."""
    sub = tmp_path / "upload" / "convnets"
    shutil.copytree(release, sub)
    (sub / "cs231n" / "layers.py").write_text(layers_text, encoding="utf-8")
    return sub


def autograded(results):
    return [t for t in results["tests"] if "graded by hand" not in t["name"]]


def by_hand(results):
    return [t for t in results["tests"] if "graded by hand" in t["name"]]


def assert_gradescope_schema(results):
    """The fields Gradescope's autograder specification gives results.json and its tests."""
    assert isinstance(results["score"], float)
    assert results["visibility"] in VISIBILITIES
    assert results["stdout_visibility"] in VISIBILITIES
    assert isinstance(results["output"], str)
    assert isinstance(results["execution_time"], (int, float))
    assert results["tests"]
    for test in results["tests"]:
        assert isinstance(test["name"], str)
        assert test["name"]
        assert isinstance(test["score"], float)
        assert isinstance(test["max_score"], float)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["visibility"] in VISIBILITIES
        assert test["status"] in ("passed", "failed")
        assert isinstance(test["output"], str)
        assert test["output"]
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))
    json.dumps(results, allow_nan=False)  # no NaN or infinity: plain JSON


def test_the_bundle_holds_what_gradescope_runs(bundle):
    """Are setup.sh and run_autograder executable at the zip's root, beside the grader,
    the answer key and the release's notebooks (never the source's)?"""
    with zipfile.ZipFile(bundle.path) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        for script in ("setup.sh", "run_autograder"):
            assert stat.S_IMODE(infos[script].external_attr >> 16) == 0o755
            assert archive.read(script).startswith(b"#!/usr/bin/env bash\n")
        assert b"bubblewrap" in archive.read("setup.sh")
        lines = archive.read("requirements.txt").decode().splitlines()
        names = [line for line in lines if line and not line.startswith("#")]
        assert any(line.startswith("numpy") for line in names)
        assert any(line.startswith("nbformat==") for line in names)  # collect's check
        assert not [line for line in names if line.startswith(("notebook", "ipykernel"))]
        assert bundle.key in infos
        assert "autograder/gradescope/run.py" in infos
        assert "assignment/cs231n/layers.py" in infos
        for notebook in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")):
            shipped = archive.read(f"notebooks/{notebook.name}")
            released = archive.read(f"course/release/convnets/{notebook.name}")
            assert shipped == released != notebook.read_bytes()
        assert not [name for name in infos if "__pycache__" in name or name.endswith(".pyc")]


@pytest.mark.slow
def test_the_solution_gets_full_autograded_marks(bundle, tmp_path):
    """Graded from the zip collect_submission.sh makes, does the solution get every
    autograded point, the inline questions 0 of theirs (to grade by hand), in a
    results.json that follows Gradescope's specification?"""
    upload = tmp_path / "convnets.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        for notebook in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")):
            archive.write(notebook, notebook.name)
        for path in sorted(paths.PACKAGE_DIR.rglob("*.py")):
            archive.write(path, path.relative_to(paths.ASSIGNMENT_DIR).as_posix())
    results, stdout = run_autograder(bundle, tmp_path, lambda dest: shutil.copy(upload, dest))
    assert_gradescope_schema(results)
    tests = autograded(results)
    assert tests
    assert [t["name"] for t in tests if t["score"] < t["max_score"]] == [], stdout
    assert all(t["status"] == "passed" for t in tests)
    hand = by_hand(results)
    assert hand
    assert all(t["score"] == 0 and t["max_score"] > 0 for t in hand)
    assert all("graded by hand" in t["output"] for t in hand)
    full = sum(t["max_score"] for t in tests)
    assert results["score"] == full
    assert f"Autograded: {full:g} / {full:g}." in results["output"]
    assert "box: bwrap" in stdout or "box: fallback-dropped" in stdout


def test_the_release_gets_zero_and_says_not_implemented(bundle, grade_release, tmp_path):
    """Does the untouched release score 0, each autograded test saying "not implemented"?"""
    results, _ = run_autograder(bundle, tmp_path, copy_into(grade_release))
    assert_gradescope_schema(results)
    assert results["score"] == 0
    for test in autograded(results):
        assert test["score"] == 0
        assert test["status"] == "failed"
        assert "not implemented" in test["output"], test


def test_a_mistake_loses_what_grading_it_directly_takes(
    bundle, grade_release, tmp_path, run_grading
):
    """A corpus mistake (no bias in conv_forward_naive, over the release): does each test
    score what the harness and the verdict give each cell when run in-process?"""
    text = (paths.PACKAGE_DIR / "layers.py").read_text(encoding="utf-8")
    for patch in BY_ID[MISTAKE].patches:
        assert text.count(patch.old) == 1
        text = text.replace(patch.old, patch.new)
    submission = release_with(grade_release, tmp_path, text)
    results, stdout = run_autograder(bundle, tmp_path, copy_into(submission))
    assert_gradescope_schema(results)
    direct = run_grading(submission)
    expected = {
        f"{c.notebook}: {c.grade_id} ({c.function})": (c.points, c.max_points)
        for c in direct.scores
    }
    got = {t["name"]: (t["score"], t["max_score"]) for t in autograded(results)}
    assert got == expected, stdout
    lost = {name for name, (score, top) in got.items() if score < top}
    assert "ConvolutionalNetworks: correct_conv_forward_naive (conv_forward_naive)" in lost
    kept = {name for name, (score, top) in got.items() if 0 < score == top}
    assert any("conv_backward_naive" in name for name in kept)  # its own solution stands


def test_a_student_file_cannot_read_the_answer_key(bundle, grade_release, tmp_path):
    """A submission whose conv_forward_naive opens the answer key and the solutions and
    raises with what it read (a hint quotes an error): does the attempt fail, and no
    byte of either reach results.json or the instructor's log?"""
    root = tmp_path / "autograder" / "source"
    targets = [root / bundle.key, root / "assignment" / "cs231n" / "layers.py"]
    stub = 'raise NotImplementedError("conv_forward_naive: not implemented yet;'
    text = (Path(grade_release) / "cs231n" / "layers.py").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if stub in line)
    hostile = (
        f"    stolen = []\n"
        f"    for path in {[str(t) for t in targets]!r}:\n"
        f"        try:\n"
        f"            with open(path, 'rb') as f:\n"
        f"                stolen.append('LEAKED:' + f.read(64).hex())\n"
        f"        except OSError as error:\n"
        f"            stolen.append('BLOCKED:' + type(error).__name__)\n"
        f"    print(' '.join(stolen))\n"
        f"    raise RuntimeError(' '.join(stolen))"
    )
    submission = release_with(grade_release, tmp_path, text.replace(line, hostile))
    results, stdout = run_autograder(bundle, tmp_path, copy_into(submission))
    assert_gradescope_schema(results)
    shown = json.dumps(results)
    assert "BLOCKED:" in shown  # the code ran, and its attempt failed
    assert "LEAKED" not in shown
    assert "LEAKED" not in stdout
    for target in targets:
        head = target.read_bytes()[:64].hex()
        assert head[:32] not in shown
        assert head[:32] not in stdout
    conv = next(t for t in results["tests"] if "correct_conv_forward_naive" in t["name"])
    assert conv["score"] == 0


@pytest.mark.sandbox
def test_the_dropped_box_runs_as_a_plain_user_who_cannot_read_the_grader(tmp_path):
    """Without bubblewrap, as root: does the student's command run as the box's uid,
    unable to read a folder locked to root as run.lock_down locks /autograder/source,
    or to reach a listener on 127.0.0.1 (its seccomp filter), and is a process it left in
    a session of its own killed after?"""
    from autograder.gradescope.box import DroppedSandbox, user_processes
    from autograder.gradescope.run import lock_down

    python = shutil.which("python3", path="/usr/bin:/bin")  # the venv's may sit in /root
    if os.geteuid() != 0 or python is None:
        pytest.skip("needs root (the grader on Gradescope) and a system python3")
    top = tmp_path / "gs"
    source = top / "source"
    source.mkdir(parents=True)
    (source / "key.npz").write_text("secret", encoding="utf-8")
    (source / "key.npz").chmod(0o644)
    top.chmod(0o755)
    tmp_path.chmod(0o755)
    assert lock_down(source)
    work = tmp_path / "work"
    work.mkdir()
    box = DroppedSandbox("test", uid=61299)  # a uid of this test alone: its processes die
    assert box.network_filter is not None, box.why
    with netprobe.Listener() as listener:
        code = (
            "import os, socket\n"
            "try:\n"
            f"    open({str(source / 'key.npz')!r}).read(); print('LEAKED')\n"
            "except OSError as e:\n"
            "    print('BLOCKED', type(e).__name__)\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {listener.port})); print('CONNECTED')\n"
            "except OSError as e:\n"
            "    print('BLOCKED', type(e).__name__)\n"
            "print('uid', os.getuid())\n"
            "import subprocess\n"
            "subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
        )
        run = box.run([python, "-I", "-c", code], workdir=work)
        assert listener.count() == 0
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [
        *("BLOCKED", "PermissionError") * 2,
        *("uid", str(box.uid)),
    ]
    assert user_processes(box.uid) == []


def test_the_verb_refuses_a_folder_that_is_not_a_released_course(tmp_path, capsys):
    """Does `gradescope-bundle` on an empty folder exit 2, naming what is missing?"""
    assert cli.main(["gradescope-bundle", "--course", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a released course" in err
    assert "release" in err


def test_an_upload_without_the_assignment_is_refused_with_why(grade_release, tmp_path):
    """An upload holding none of the assignment's files: is it refused (score 0, visible at
    once) with what was expected, as collect refuses such a zip?"""
    from autograder.collect.check import expected_files
    from autograder.gradescope.run import intake, refused

    upload = tmp_path / "submission"
    upload.mkdir()
    (upload / "notes.txt").write_text("my answers are in my head\n", encoding="utf-8")
    expected = expected_files(Path(grade_release).parents[1])
    fatal, findings = intake(upload, expected, tmp_path / "dest")
    assert fatal
    results = refused({"visibility": "after_published"}, findings, 0.1)
    assert results["score"] == 0
    assert results["visibility"] == "visible"
    assert "holds none of the assignment's files" in results["output"]
    assert "collect_submission.sh" in results["output"]


def test_a_zip_upload_is_unpacked_and_loose_files_are_taken_as_they_are(tmp_path):
    """Is a lone zip the upload to unpack, and a zip beside the notebooks left alone?"""
    from autograder.gradescope.run import find_upload

    (tmp_path / "convnets.zip").write_bytes(b"PK")
    assert find_upload(tmp_path) == tmp_path / "convnets.zip"
    (tmp_path / "ConvolutionalNetworks.ipynb").write_text("{}", encoding="utf-8")
    assert find_upload(tmp_path) is None
