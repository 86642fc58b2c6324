"""Collecting what LMSs export: Canvas, Moodle, Gradescope and --pattern downloads, a roster."""

import argparse
import os
import stat
import struct
import zipfile
from datetime import datetime, timezone

import pytest

from autograder.collect import CollectError, add_arguments, collect, main
from autograder.collect.lms import detect, parse_time
from autograder.collect.unzip import newest_entry_time
from tests.autograder.collect.helpers import make_zip, snapshot, submission

pytestmark = pytest.mark.collect

MTIME = 1_790_000_000  # 2026-09-21 14:13:20 UTC: when the download was unzipped
ENTRY = b"2026-11-01 12:00:00.000000 UTC"  # helpers.make_zip dates every member so
ROSTER = """id,canvas_id,moodle_id,sid,email,first_name,last_name
jdoe,12345,901,S001,jdoe@uni.edu,Jane,Doe
asmith,12346,902,S002,asmith@uni.edu,Alan,Smith
"""
GRADESCOPE = """submission_111:
  :submitters:
  - :name: Jane Doe
    :sid: S001
    :email: jdoe@uni.edu
  :created_at: 2026-11-20 18:30:00.123456000 -05:00
  :score: 0.0
submission_222:
  :submitters:
  - :name: Alan Smith
    :sid: S002
    :email: asmith@uni.edu
  - :name: Eve Stranger
    :sid: S999
    :email: eve@elsewhere.edu
  :created_at: 2026-11-19 10:00:00.000000000 +00:00
"""


def run(*argv):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return main(parser.parse_args([str(a) for a in argv]))


def stamp(course, student):
    return (course / "submitted" / student / "convnets" / "timestamp.txt").read_bytes()


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    return path


def folder_submission(folder, student="jdoe"):
    """The files of a submission laid out in `folder`, as Gradescope's export holds them."""
    for rel, data in submission(student=student).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return folder


def test_canvas_names_are_read_and_mapped_through_the_roster(course, inbox, roster):
    """Are Canvas's files (one marked late) collected under the roster's ids, timed by entries?"""
    make_zip(inbox / "doejane_12345_67890_convnets.zip", submission(), mtime=MTIME)
    make_zip(inbox / "smithalan_late_12346_67891_a2.zip", submission(student="asmith"))
    lines = []
    result = collect(course, [inbox], roster=roster, log=lines.append)
    assert result.collected == ["asmith", "jdoe"]
    assert result.problems == []
    assert stamp(course, "jdoe") == ENTRY  # the zip's newest entry, not the download's mtime
    text = "\n".join(lines)
    assert "'smithalan', Canvas user 12346, marked late by Canvas" in text
    assert "from the zip's newest entry" in text


def test_canvas_without_a_roster_uses_the_user_id(course, inbox):
    """With no roster, is the Canvas user id the student id?"""
    make_zip(inbox / "doejane_12345_67890_convnets.zip", submission())
    assert collect(course, [inbox], log=None).collected == ["12345"]


def test_a_student_missing_from_the_roster_is_named_not_dropped(course, inbox, roster):
    """Is a Canvas submission whose user id is not in the roster reported by name, exit 1?"""
    make_zip(inbox / "doejane_12345_67890_convnets.zip", submission())
    make_zip(inbox / "strangereve_55555_67892_convnets.zip", submission())
    result = collect(course, [inbox], roster=roster, log=None)
    assert result.collected == ["jdoe"]
    [problem] = result.problems
    assert problem.fatal
    assert "'strangereve', Canvas user 55555 matches no one in the roster" in problem.message
    assert run("--course", course, "--roster", roster, inbox) == 1


def test_canvas_resubmission_keeps_the_latest(course, inbox, roster):
    """With two Canvas files of one user, is the one with newer entries kept, the other named?"""
    old = make_zip(inbox / "doejane_12345_100_convnets.zip", submission(student="old"))
    new = inbox / "doejane_12345_200_convnets-1.zip"
    members = submission(student="new")
    with zipfile.ZipFile(new, "w") as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 11, 2, 9, 0, 0)), data)
    result = collect(course, [inbox], roster=roster, log=None)
    layers = course / "submitted" / "jdoe" / "convnets" / "cs231n" / "layers.py"
    assert layers.read_text().startswith("# new")
    [warning] = result.problems
    assert warning.path == str(old)
    assert "left out for the later" in warning.message
    assert stamp(course, "jdoe") == b"2026-11-02 09:00:00.000000 UTC"


def test_moodle_folders_and_files(course, tmp_path, roster):
    """Are Moodle's folder entries (of files, of a zip) and file entries collected by roster?"""
    inbox = tmp_path / "moodle"
    folder = inbox / "Jane Doe_901_assignsubmission_file_"
    folder.mkdir(parents=True)
    make_zip(folder / "anything.zip", submission())
    make_zip(inbox / "Alan Smith_902_assignsubmission_file_a2.zip", submission(student="asmith"))
    (inbox / "Jane Doe_901_assignsubmission_onlinetext_onlinetext.html").write_text("hi")
    assert detect(inbox) == "moodle"
    result = collect(course, [inbox], roster=roster, log=None)
    assert result.collected == ["asmith", "jdoe"]
    [note] = result.problems
    assert not note.fatal
    assert "onlinetext" in note.message
    assert stamp(course, "jdoe") == ENTRY


def test_one_moodle_folder_can_be_a_path(course, tmp_path, roster):
    """Is a single Moodle submission folder, given as the PATH, read as Moodle's?"""
    folder = tmp_path / "Jane Doe_901_assignsubmission_file_"
    folder_submission(folder)
    assert detect(folder) == "moodle"
    assert collect(course, [folder], roster=roster, log=None).collected == ["jdoe"]


def test_moodle_names_match_the_roster_by_full_name(course, tmp_path):
    """Without moodle_id in the roster, does the full name find the student, any case?"""
    roster = tmp_path / "names.csv"
    roster.write_text("student_id,name\njdoe,jane DOE\n")
    inbox = tmp_path / "moodle"
    make_zip(inbox / "Jane Doe_77_assignsubmission_file_x.zip", submission())
    assert collect(course, [inbox], roster=roster, log=None).collected == ["jdoe"]


def test_gradescope_export(course, tmp_path, roster):
    """Is each submission folder collected for its submitters, timed by created_at?"""
    export = tmp_path / "assignment_9_export"
    folder_submission(export / "submission_111")
    (export / "submission_222").mkdir(parents=True)
    make_zip(export / "submission_222" / "work.zip", submission(student="asmith"))
    (export / "submission_metadata.yml").write_text(GRADESCOPE)
    assert detect(export) == "gradescope"
    result = collect(course, [export], roster=roster, log=None)
    assert result.collected == ["asmith", "jdoe"]
    assert stamp(course, "jdoe") == b"2026-11-20 23:30:00.123456 UTC"
    assert stamp(course, "asmith") == b"2026-11-19 10:00:00.000000 UTC"
    [stranger] = result.problems  # the group's second member is in no roster
    assert stranger.fatal
    assert "'Eve Stranger', Gradescope sid S999 <eve@elsewhere.edu>" in stranger.message
    files = snapshot(course / "submitted" / "jdoe" / "convnets")
    files.pop("timestamp.txt")
    assert files == snapshot(export / "submission_111")


def test_gradescope_sid_is_the_student_id_without_a_roster(course, tmp_path):
    """Without a roster, does Gradescope's sid name the student?"""
    export = tmp_path / "export"
    folder_submission(export / "submission_111")
    (export / "submission_metadata.yml").write_text(GRADESCOPE.split("submission_222")[0])
    assert collect(course, [export], log=None).collected == ["S001"]


def test_a_link_in_a_gradescope_folder_is_refused(course, tmp_path, roster):
    """Is a folder submission whose cs231n/layers.py is a link refused, its target unread?"""
    export = tmp_path / "export"
    folder = folder_submission(export / "submission_111")
    os.remove(folder / "cs231n" / "layers.py")
    secret = tmp_path / "secret.py"
    secret.write_text("answers = 42\n")
    os.symlink(secret, folder / "cs231n" / "layers.py")
    (export / "submission_metadata.yml").write_text(GRADESCOPE.split("submission_222")[0])
    result = collect(course, [export], roster=roster, log=None)
    assert result.collected == []
    assert any("symbolic link" in p.message for p in result.problems)
    assert not (course / "submitted" / "jdoe").exists()


def test_a_pattern_names_student_and_time(course, inbox):
    """Does --pattern take the student and the time (no zone: UTC) from the names?"""
    make_zip(inbox / "hw2-jdoe-2026-11-20T10:15:00.zip", submission())
    make_zip(inbox / "hw2-asmith-2026-11-21T08:00:00+01:00.zip", submission())
    pattern = r"hw2-(?P<student>[a-z]+)-(?P<timestamp>.+)\.zip"
    result = collect(course, [inbox], pattern=pattern, log=None)
    assert result.collected == ["asmith", "jdoe"]
    assert stamp(course, "jdoe") == b"2026-11-20 10:15:00.000000 UTC"
    assert stamp(course, "asmith") == b"2026-11-21 07:00:00.000000 UTC"


def test_nbgraders_group_name_is_read_and_a_pattern_without_one_refused(course, inbox):
    """Is (?P<student_id>...) accepted, and a pattern naming no student a usage error?"""
    make_zip(inbox / "x_jdoe.zip", submission())
    got = collect(course, [inbox], pattern=r"x_(?P<student_id>\w+)\.zip", log=None)
    assert got.collected == ["jdoe"]
    with pytest.raises(CollectError, match="student"):
        collect(course, [inbox], format="regex", pattern=r"x_(\w+)\.zip", log=None)


def test_an_unknown_time_is_reported_and_no_timestamp_written(course, tmp_path):
    """Is a folder submission with no time collected with a warning and no timestamp.txt?"""
    inbox = tmp_path / "named"
    folder_submission(inbox / "jdoe-work")
    result = collect(course, [inbox], pattern=r"(?P<student>\w+)-work", log=None)
    assert result.collected == ["jdoe"]
    [warning] = result.problems
    assert "submission time is unknown" in warning.message
    assert not (course / "submitted" / "jdoe" / "convnets" / "timestamp.txt").exists()


def test_the_format_can_be_forced(course, inbox):
    """Is --format plain honoured for zips that merely look like Canvas's?"""
    make_zip(inbox / "a_1_2_b.zip", submission())
    assert detect(inbox) == "canvas"
    assert collect(course, [inbox], format="plain", log=None).collected == ["a_1_2_b"]


def test_newest_entry_prefers_the_utc_extended_timestamp(tmp_path):
    """Does an Info-ZIP extended timestamp (UTC) win over the zone-less DOS time?"""
    path = tmp_path / "x.zip"
    info = zipfile.ZipInfo("a.ipynb", date_time=(2026, 11, 1, 12, 0, 0))
    info.extra = struct.pack("<HHBl", 0x5455, 5, 1, 1_790_000_000)
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, b"{}")
    assert newest_entry_time(path) == datetime(2026, 9, 21, 14, 13, 20, tzinfo=timezone.utc)
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 nope")
    assert newest_entry_time(tmp_path / "bad.zip") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20 18:30:00 -05:00", "2026-11-20 23:30:00"),
        ("2026-11-20T23:30:00Z", "2026-11-20 23:30:00"),
        ("2026-11-20 23:30", "2026-11-20 23:30:00"),
        ("not a time", None),
    ],
)
def test_times_are_read_as_utc(text, expected):
    """Is an LMS's time converted to UTC (none named: UTC), a bad one None?"""
    moment = parse_time(text)
    assert (moment and moment.strftime("%Y-%m-%d %H:%M:%S")) == expected
