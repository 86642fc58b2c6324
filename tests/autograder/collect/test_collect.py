"""The collect verb end to end: zips in, nbgrader's submitted/ tree out, hostile zips named."""

import argparse
import os

import pytest

from autograder.collect import CollectError, Limits, add_arguments, collect, main
from tests.autograder.collect.helpers import (
    NOTEBOOKS,
    Link,
    make_zip,
    notebook_bytes,
    snapshot,
    submission,
    zeros_zip,
)

pytestmark = pytest.mark.collect

MTIME = 1_790_000_000  # 2026-09-21 14:13:20 UTC


def run(*argv):
    """Parse argv as the CLI would and run the verb: (exit code)."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return main(parser.parse_args([str(a) for a in argv]))


def submitted(course, student):
    return course / "submitted" / student / "convnets"


@pytest.fixture
def mixed(inbox):
    """A folder holding good and bad zips, and a stray file."""
    make_zip(inbox / "alice.zip", submission(student="alice"), mtime=MTIME)
    make_zip(inbox / "bob.zip", submission(top="bob/", student="bob"), mtime=MTIME)
    make_zip(inbox / "mallory.zip", {**submission(), "../evil": b"pwned"}, mtime=MTIME)
    make_zip(inbox / "eve.zip", {**submission(), "cs231n/layers.py": Link("/etc/passwd")})
    zeros_zip(inbox / "zed.zip", "cs231n/layers.py", 30 * 1024 * 1024)
    (inbox / "trudy.zip").write_bytes(b"PK\x03\x04 truncated")
    (inbox / "notes.txt").write_text("grading notes")
    return inbox


def test_good_zips_are_collected_and_bad_ones_named(course, mixed, tmp_path):
    """From a folder of good and bad zips, are the good collected and each bad one named?"""
    lines = []
    result = collect(course, [mixed], log=lines.append)
    assert result.collected == ["alice", "bob"]
    fatal = {(p.student, p.member) for p in result.problems if p.fatal}
    assert fatal == {
        ("mallory", "../evil"),
        ("eve", "cs231n/layers.py"),
        ("zed", "cs231n/layers.py"),
        ("trudy", None),
    }
    assert sorted(os.listdir(course / "submitted")) == ["alice", "bob"]
    assert result.problems == sorted(result.problems, key=lambda p: p.sort_key())
    assert any("notes.txt" in line for line in lines)
    assert "NOT collected: mallory from" in "\n".join(lines)


def test_the_layout_is_nbgraders(course, inbox):
    """Does a submission land in submitted/<id>/convnets/ with timestamp.txt from the mtime?"""
    members = submission()
    make_zip(inbox / "jdoe.zip", members, mtime=MTIME)
    collect(course, [inbox / "jdoe.zip"], log=None)
    files = snapshot(submitted(course, "jdoe"))
    assert files.pop("timestamp.txt") == b"2026-09-21 14:13:20.000000 UTC"
    assert files == members


def test_nothing_is_written_outside_the_course(course, mixed, tmp_path):
    """Is every file outside DIR/submitted the same after collecting hostile zips?"""
    before = snapshot(tmp_path)
    collect(course, [mixed], log=None)
    after = snapshot(tmp_path)
    changed = {rel for rel in set(before) | set(after) if before.get(rel) != after.get(rel)}
    assert changed
    assert all(rel.startswith("course/submitted/") for rel in changed)
    assert not [name for name in os.listdir(course) if name.startswith(".collect")]


def test_a_new_zip_replaces_the_previous_submission(course, inbox):
    """Does collecting a newer zip replace the whole previous submission, old files gone?"""
    first = {**submission(), "cs231n/extra.py": b"old = 1\n"}
    make_zip(inbox / "jdoe.zip", first, mtime=MTIME)
    collect(course, [inbox], log=None)
    second = submission(student="jdoe again")
    make_zip(inbox / "jdoe.zip", second, mtime=MTIME + 60)
    result = collect(course, [inbox], log=None)
    files = snapshot(submitted(course, "jdoe"))
    assert files.pop("timestamp.txt") == b"2026-09-21 14:14:20.000000 UTC"
    assert files == second
    assert result.problems == []


def test_a_refused_zip_leaves_the_previous_submission(course, inbox):
    """When a student's new zip is hostile, does the earlier submission stay untouched?"""
    make_zip(inbox / "jdoe.zip", submission(), mtime=MTIME)
    collect(course, [inbox], log=None)
    before = snapshot(course / "submitted")
    make_zip(inbox / "jdoe.zip", {**submission(), "/etc/cron.d/x": b"* * * * * evil"})
    result = collect(course, [inbox], log=None)
    assert result.collected == []
    assert snapshot(course / "submitted") == before


def test_an_older_zip_replacing_a_newer_one_is_warned(course, inbox):
    """Is replacing a submission timestamped later reported (not silently rolled back)?"""
    make_zip(inbox / "jdoe.zip", submission(), mtime=MTIME + 3600)
    collect(course, [inbox], log=None)
    make_zip(inbox / "jdoe.zip", submission(), mtime=MTIME)
    result = collect(course, [inbox], log=None)
    [warning] = result.problems
    assert "replaced a submission timestamped later" in warning.message


def test_collecting_twice_gives_the_same_tree(course, mixed):
    """Is a second run with the same zips a no-op on submitted/?"""
    collect(course, [mixed], log=None)
    first = snapshot(course)
    collect(course, [mixed], log=None)
    assert snapshot(course) == first


def test_duplicates_keep_the_newest(course, tmp_path):
    """With jdoe.zip in two folders, is the newer collected and the older reported?"""
    make_zip(tmp_path / "a" / "jdoe.zip", submission(student="old"), mtime=MTIME)
    make_zip(tmp_path / "b" / "jdoe.zip", submission(student="new"), mtime=MTIME + 1)
    result = collect(course, [tmp_path / "b", tmp_path / "a"], log=None)
    assert result.collected == ["jdoe"]
    layers = (submitted(course, "jdoe") / "cs231n" / "layers.py").read_text()
    assert layers.startswith("# new")
    [warning] = result.problems
    assert warning.path == str(tmp_path / "a" / "jdoe.zip")
    assert not warning.fatal


def test_warnings_do_not_refuse(course, inbox):
    """Is a zip missing a notebook collected, and the run's exit code 0?"""
    members = submission()
    del members["SpatialNormalization.ipynb"]
    make_zip(inbox / "jdoe.zip", members)
    assert run("--course", course, inbox) == 0
    assert sorted(p.name for p in submitted(course, "jdoe").glob("*.ipynb")) == list(NOTEBOOKS[:2])


def test_exit_codes(course, mixed, tmp_path, capsys):
    """Is it 1 when some zip was refused (others collected), 2 when DIR is no course?"""
    assert run("--course", course, mixed) == 1
    out = capsys.readouterr().out
    assert "collected 2 submission(s)" in out
    assert "NOT collected" in out
    assert run("--course", tmp_path / "nocourse", mixed) == 2
    assert "not a folder" in capsys.readouterr().err
    assert run("--course", course, tmp_path / "missing.zip") == 2
    assert "missing.zip" in capsys.readouterr().err


def test_limits_come_from_the_command_line(course, inbox):
    """Does --max-file-mb raise the limit enough for a 30 MB member to be collected?"""
    zeros_zip(inbox / "jdoe.zip", "cs231n/layers.py", 30 * 1024 * 1024)
    assert run("--course", course, inbox) == 1
    assert run("--course", course, inbox, "--max-file-mb", "31", "--max-total-mb", "31") == 0
    size = (submitted(course, "jdoe") / "cs231n" / "layers.py").stat().st_size
    assert size == 30 * 1024 * 1024


@pytest.mark.parametrize("value", ["0", "-1", "lots", "nan"])
def test_bad_limits_are_usage_errors(course, inbox, value):
    """Is a limit that is not a positive number refused by the parser (exit 2)?"""
    with pytest.raises(SystemExit) as info:
        run("--course", course, inbox, "--max-file-mb", value)
    assert info.value.code == 2


def test_a_symlinked_submitted_folder_is_refused(course, inbox, tmp_path):
    """Is DIR/submitted as a link elsewhere refused before anything is written there?"""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (course / "submitted").symlink_to(elsewhere)
    make_zip(inbox / "jdoe.zip", submission())
    with pytest.raises(CollectError, match="symbolic link"):
        collect(course, [inbox], log=None)
    assert list(elsewhere.iterdir()) == []


def test_a_symlinked_student_folder_is_not_written_through(course, inbox, tmp_path):
    """Is submitted/jdoe as a link refused for jdoe only, the others collected?"""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (course / "submitted").mkdir()
    (course / "submitted" / "jdoe").symlink_to(elsewhere)
    make_zip(inbox / "jdoe.zip", submission())
    make_zip(inbox / "alice.zip", submission())
    result = collect(course, [inbox], log=None)
    assert result.collected == ["alice"]
    [problem] = result.problems
    assert problem.student == "jdoe"
    assert "symbolic link" in problem.message
    assert list(elsewhere.iterdir()) == []


def test_a_linked_submission_is_replaced_not_followed(course, inbox, tmp_path):
    """Is submitted/jdoe/convnets as a link replaced by a real folder, its target untouched?"""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    (course / "submitted" / "jdoe").mkdir(parents=True)
    submitted(course, "jdoe").symlink_to(elsewhere)
    make_zip(inbox / "jdoe.zip", submission())
    assert collect(course, [inbox], log=None).collected == ["jdoe"]
    assert not submitted(course, "jdoe").is_symlink()
    assert (submitted(course, "jdoe") / "cs231n" / "layers.py").is_file()
    assert os.listdir(elsewhere) == ["keep.txt"]


def test_a_hostile_member_name_cannot_forge_report_lines(course, inbox):
    """Does a member named with newlines print as one escaped line?"""
    name = "x\nerror: alice.zip: fake\n.txt"
    make_zip(inbox / "jdoe.zip", {**submission(), name: b"x"})
    lines = []
    collect(course, [inbox], log=lines.append)
    assert all("\n" not in line for line in lines)
    assert not any(line.startswith("error: alice") for line in lines)


def test_an_unexpected_failure_stays_with_its_submission(course, inbox, monkeypatch):
    """If checking one submission crashes, is it reported and are the others collected?"""
    from autograder.collect import check

    real = check.check_submission

    def crash_for_bob(folder, extraction, expected):
        if folder.parent.name == "bob":
            raise KeyError("surprise")
        return real(folder, extraction, expected)

    monkeypatch.setattr(check, "check_submission", crash_for_bob)
    make_zip(inbox / "alice.zip", submission())
    make_zip(inbox / "bob.zip", submission())
    result = collect(course, [inbox], log=None)
    assert result.collected == ["alice"]
    [problem] = result.problems
    assert problem.fatal
    assert "KeyError" in problem.message


def test_an_invalid_notebook_is_collected_without_it(course, inbox):
    """Is a submission whose notebook is not JSON collected, minus that notebook, warned?"""
    make_zip(inbox / "jdoe.zip", {**submission(), NOTEBOOKS[0]: b"{broken"})
    result = collect(course, [inbox], log=None)
    assert result.collected == ["jdoe"]
    assert not (submitted(course, "jdoe") / NOTEBOOKS[0]).exists()
    [problem] = result.problems
    assert problem.member == NOTEBOOKS[0]
    assert not problem.fatal


def test_other_assignments_of_the_student_are_kept(course, inbox):
    """Does collecting convnets leave submitted/jdoe/<another assignment>/ alone?"""
    other = course / "submitted" / "jdoe" / "warmup"
    other.mkdir(parents=True)
    work = notebook_bytes("warmup")
    (other / "a.ipynb").write_bytes(work)
    make_zip(inbox / "jdoe.zip", submission())
    collect(course, [inbox], log=None)
    assert (other / "a.ipynb").read_bytes() == work


def test_limits_are_parameters(course, inbox):
    """Does collect() honour a Limits passed by a program?"""
    make_zip(inbox / "jdoe.zip", submission())
    result = collect(course, [inbox], limits=Limits(max_members=3), log=None)
    assert result.collected == []
    assert "holds 7 members" in result.problems[0].message
