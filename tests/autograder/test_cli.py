"""The command line: usage errors name the verb's options, bad values and unwritable courses are
refused before anything runs."""

import importlib
import os
import shutil
import subprocess
import sys

import pytest

from autograder import cli
from autograder.paths import ASSIGNMENT_ID, REPO, unwritable


@pytest.fixture
def empty_course(tmp_path):
    """A folder that passes for a released course with nothing collected."""
    course = tmp_path / "course"
    (course / "release" / ASSIGNMENT_ID).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    return course


@pytest.mark.parametrize("verb", list(cli.COMMANDS))
def test_help_prints_the_verbs_docstring_as_written(capsys, verb):
    """Does `<verb> --help` print the verb's docstring line for line, so its numbered steps
    and exit codes reach the instructor as written, not rewrapped into one paragraph?"""
    module, summary = cli.COMMANDS[verb]
    with pytest.raises(SystemExit) as stop:
        cli.main([verb, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m autograder {verb}")
    assert (importlib.import_module(module).__doc__ or summary).strip() in out


def test_an_unknown_option_prints_the_verbs_usage(capsys, empty_course):
    """Does `grade --bogus` print grade's usage (naming its options), not the top level's?"""
    with pytest.raises(SystemExit) as stop:
        cli.main(["grade", "--course", str(empty_course), "--bogus"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "usage: python -m autograder grade" in err
    assert "--execute-notebooks" in err
    assert "unrecognized arguments: --bogus" in err


@pytest.mark.parametrize("value", ["-5", "0"])
def test_a_cell_timeout_that_is_not_positive_is_refused(capsys, empty_course, value):
    """Is --cell-timeout -5 (which once removed the limit) or 0 refused with the value named?"""
    code = cli.main(["grade", "--course", str(empty_course), f"--cell-timeout={value}"])
    assert code == 2
    assert f"--cell-timeout must be a whole number of seconds above 0, not {value}" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize("value", ["0", "-2", "nan", "inf"])
def test_a_time_scale_that_is_not_a_positive_number_is_refused(capsys, empty_course, value):
    """Is --time-scale 0, -2, nan or inf refused (exit 2) with the value named?"""
    code = cli.main(["grade", "--course", str(empty_course), f"--time-scale={value}"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--time-scale must be a number above 0" in err
    assert f"not {float(value):g}" in err


def test_grading_nothing_is_an_error(capsys, empty_course):
    """Does `grade` on a course with nothing collected exit non-zero, saying so?"""
    assert cli.main(["grade", "--course", str(empty_course)]) == 2
    err = capsys.readouterr().err
    assert "nothing to grade" in err
    assert "collect some first" in err


def test_unwritable_names_the_first_path_it_cannot_write(tmp_path):
    """Is a folder that is really read-only (a read-only bind mount) named, with why, and a
    writable one passed?"""
    assert unwritable(tmp_path, ("", "missing")) is None
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap is needed to mount a folder read-only")
    probe = (
        "import sys; sys.path.insert(0, sys.argv[2]); from autograder.paths import unwritable; "
        "print(unwritable(sys.argv[1], ('', 'gradebook.db')))"
    )
    (tmp_path / "gradebook.db").write_bytes(b"")
    read_only = ["bwrap", "--dev-bind", "/", "/", "--ro-bind", str(tmp_path), str(tmp_path)]
    out = subprocess.run(
        [*read_only, sys.executable, "-c", probe, str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == f"{tmp_path} (Read-only file system)"


@pytest.mark.parametrize("verb", ["collect", "grade", "feedback", "export"])
def test_a_read_only_course_is_named_before_anything_is_done(empty_course, verb):
    """Run on a course mounted read-only, does every verb that writes name the path it cannot
    write and exit 2, with no traceback?"""
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap is needed to mount the course read-only")
    (empty_course / "gradebook.db").write_bytes(b"")
    extra = [str(empty_course / "x.zip")] if verb == "collect" else []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "assignment")])}
    read_only = ["bwrap", "--dev-bind", "/", "/", "--ro-bind", str(empty_course), str(empty_course)]
    run = subprocess.run(
        [
            *read_only,
            sys.executable,
            "-m",
            "autograder",
            verb,
            "--course",
            str(empty_course),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 2, run.stderr
    assert f"error: {verb} writes into the course, and cannot write {empty_course}" in run.stderr
    assert "Read-only file system" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_read_only_course_can_be_reported_on_elsewhere(empty_course, tmp_path):
    """On a course mounted read-only, does `report` name the page it cannot write and exit
    2, and write the page given with --out outside the course?"""
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap is needed to mount the course read-only")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "assignment")])}
    read_only = ["bwrap", "--dev-bind", "/", "/", "--ro-bind", str(empty_course), str(empty_course)]
    command = [*read_only, sys.executable, "-m", "autograder", "report", "--course"]
    run = subprocess.run([*command, str(empty_course)], capture_output=True, text=True, env=env)
    assert run.returncode == 2, run.stderr
    assert f"error: cannot write {empty_course / 'report' / 'index.html'}" in run.stderr
    assert "Traceback" not in run.stderr
    out = tmp_path / "class.html"
    run = subprocess.run(
        [*command, str(empty_course), "--out", str(out)], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, run.stderr
    assert "Class report: convnets" in out.read_text(encoding="utf-8")
