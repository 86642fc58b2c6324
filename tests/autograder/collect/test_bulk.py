"""Bulk downloads given as the zip an LMS hands over: unpacked, then read as the folder would be."""

import os
import zipfile

import pytest

from autograder.collect import CollectError, collect
from autograder.collect.bulk import DOWNLOAD_PREFIX, recognise
from autograder.collect.unzip import Limits
from tests.autograder.collect.helpers import (
    Link,
    forge_size,
    make_course,
    make_zip,
    snapshot,
    submission,
)
from tests.autograder.collect.test_lms import GRADESCOPE, ROSTER, folder_submission

pytestmark = pytest.mark.collect

#: The download's own entry times, which must never become a submission time.
OUTER = (2020, 1, 1, 0, 0, 0)


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    return path


def zip_folder(folder, path, extra=()):
    """The zip an LMS would hand over for `folder` (its entries dated OUTER), plus `extra`."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for root, dirs, files in sorted(os.walk(folder)):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                info = zipfile.ZipInfo(os.path.relpath(full, folder), date_time=OUTER)
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(full, "rb") as f:
                    zf.writestr(info, f.read())
        for name, data in extra:
            zf.writestr(zipfile.ZipInfo(name, date_time=OUTER), data)
    return path


def outcome(tmp_path, name, path, **options):
    """(collected, problems with the PATH as '<PATH>', submitted/ tree) of collecting `path`."""
    course = make_course(tmp_path / name)
    result = collect(course, [path], log=None, **options)
    problems = [(p.path, p.student, p.message, p.fatal, p.member) for p in result.problems]
    problems = [tuple(str(x).replace(str(path), "<PATH>") for x in p) for p in problems]
    assert not [n for n in os.listdir(course) if n.startswith(DOWNLOAD_PREFIX)]
    return result.collected, problems, snapshot(course / "submitted")


def same_as_folder(tmp_path, folder, **options):
    """Is the download's zip collected exactly as the folder it unzips into?"""
    download = zip_folder(folder, tmp_path / f"{folder.name}.zip")
    unzipped = outcome(tmp_path, "from-folder", folder, **options)
    zipped = outcome(tmp_path, "from-zip", download, **options)
    assert zipped == unzipped
    return zipped


def canvas_download(folder):
    make_zip(folder / "doejane_12345_67890_convnets.zip", submission())
    make_zip(folder / "smithalan_late_12346_67891_a2.zip", submission(student="asmith"))
    make_zip(folder / "doejane_12345_67800_old.zip", submission(student="old"))
    make_zip(folder / "strangereve_55555_67892_convnets.zip", submission())
    (folder / "notes.txt").write_text("not a submission")
    return folder


def test_a_canvas_download_zip_is_collected_as_its_folder(tmp_path, roster):
    """Does Canvas's submissions.zip give the students, times and reports of its folder?"""
    collected, problems, tree = same_as_folder(
        tmp_path, canvas_download(tmp_path / "submissions"), roster=roster
    )
    assert collected == ["asmith", "jdoe"]
    stamps = {k: v for k, v in tree.items() if k.endswith("timestamp.txt")}
    assert set(stamps.values()) == {b"2026-11-01 12:00:00.000000 UTC"}  # inner entries, not 2020
    messages = " | ".join(message for _, _, message, _, _ in problems)
    assert "strangereve" in messages
    assert "notes.txt" in messages
    assert "more than once" in messages


def test_a_moodle_download_zip_is_collected_as_its_folder(tmp_path, roster):
    """Are Moodle's entries (a zip, a folder of one zip, a folder of files) read as unzipped?"""
    folder = tmp_path / "moodle"
    inner = folder / "Jane Doe_901_assignsubmission_file_"
    inner.mkdir(parents=True)
    make_zip(inner / "anything.zip", submission())
    make_zip(folder / "Alan Smith_902_assignsubmission_file_a2.zip", submission(student="asmith"))
    folder_submission(folder / "Bo Lee_903_assignsubmission_file_")
    (folder / "Jane Doe_901_assignsubmission_onlinetext_onlinetext.html").write_text("hi")
    roster.write_text(ROSTER + "blee,,903,,,Bo,Lee\n")
    collected, problems, tree = same_as_folder(tmp_path, folder, roster=roster)
    assert collected == ["asmith", "blee", "jdoe"]
    assert "blee/convnets/timestamp.txt" not in tree  # loose files: unknown, in both cases
    assert any("submission time is unknown" in p[2] for p in problems)


def test_a_gradescope_export_zip_is_collected_as_its_folder(tmp_path, roster):
    """Is Gradescope's export zip (metadata one folder down) read with created_at?"""
    export = tmp_path / "export" / "assignment_9_export"
    folder_submission(export / "submission_111")
    (export / "submission_222").mkdir(parents=True)
    make_zip(export / "submission_222" / "work.zip", submission(student="asmith"))
    (export / "submission_metadata.yml").write_text(GRADESCOPE)
    download = zip_folder(tmp_path / "export", tmp_path / "gradescope.zip")
    assert recognise(download, Limits()) == ("gradescope", ("assignment_9_export",))
    unzipped = outcome(tmp_path, "from-folder", export, roster=roster)
    zipped = outcome(tmp_path, "from-zip", download, roster=roster)
    assert zipped[0] == unzipped[0] == ["asmith", "jdoe"]
    assert zipped[2] == unzipped[2]
    assert zipped[2]["jdoe/convnets/timestamp.txt"] == b"2026-11-20 23:30:00.123456 UTC"
    assert [p[2:] for p in zipped[1]] == [p[2:] for p in unzipped[1]]
    assert zipped[1][0][0] == "<PATH>/assignment_9_export/submission_222/work.zip"


def test_a_student_zip_is_still_one_submission(course, inbox):
    """Is `jdoe.zip` (even with a Canvas-like file name inside) taken as jdoe's, not unpacked?"""
    members = submission()
    members["hw_1_2_notes.txt"] = b"x"
    path = make_zip(inbox / "jdoe.zip", members)
    assert recognise(path, Limits()) is None
    result = collect(course, [path], log=None)
    assert result.collected == ["jdoe"]


def test_hostile_entries_are_refused_by_name_and_the_rest_collected(course, tmp_path, roster):
    """Are a zip-slip name and bomb entries of a Canvas download reported, the others collected?"""
    honest = make_zip(tmp_path / "honest.zip", submission()).read_bytes()
    download = tmp_path / "submissions.zip"
    with zipfile.ZipFile(download, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("smithalan_12346_67891_a2.zip", bytes(300_000))  # its header will lie
        zf.writestr("leebo_12347_67893_x.zip", bytes(200_000))  # over the limit, honestly
        zf.writestr("../evil_1_2_x.zip", b"x")
        zf.writestr("doejane_12345_67890_convnets.zip", honest)
    forge_size(download, 100)  # the first member declares 100 bytes
    make_zip(tmp_path / "link.zip", {"nguyenan_12348_67894_x.zip": Link("/etc/passwd")})
    with zipfile.ZipFile(download, "a") as zf, zipfile.ZipFile(tmp_path / "link.zip") as link:
        [info] = link.infolist()
        zf.writestr(info, link.read(info))
    lines = []
    limits = Limits(max_file=100_000, max_total=150_000)
    result = collect(course, [download], roster=roster, log=lines.append, limits=limits)
    assert result.collected == ["jdoe"]
    named = {p.member: p.message for p in result.problems if p.fatal}
    assert "climbs out" in named["../evil_1_2_x.zip"]
    lie = named["smithalan_12346_67891_a2.zip"]  # zipfile reads 100 bytes: their CRC is wrong
    assert "forged zip bomb" in lie or "is damaged" in lie
    assert "over the limit" in named["leebo_12347_67893_x.zip"]
    assert "symbolic link" in named["nguyenan_12348_67894_x.zip"]
    assert {p.path for p in result.problems} == {str(download)}
    assert not (tmp_path / "evil_1_2_x.zip").exists()
    assert "'../evil_1_2_x.zip'" in "\n".join(lines)


def test_a_corrupt_download_is_refused_by_name(course, tmp_path):
    """Is a truncated Canvas download an error naming it, with nothing collected?"""
    download = zip_folder(canvas_download(tmp_path / "submissions"), tmp_path / "submissions.zip")
    data = download.read_bytes()
    download.write_bytes(data[: len(data) // 2])
    with pytest.raises(CollectError, match=r"submissions\.zip looks like an LMS's bulk download"):
        collect(course, [download], log=None)
    assert not (course / "submitted").exists()
    assert not [n for n in os.listdir(course) if n.startswith(DOWNLOAD_PREFIX)]


def test_a_download_over_its_limit_is_refused(course, tmp_path):
    """Is a download declaring more than --max-download-mb refused whole, by name?"""
    download = zip_folder(canvas_download(tmp_path / "submissions"), tmp_path / "submissions.zip")
    with pytest.raises(CollectError, match=r"submissions\.zip \(a bulk download\) is refused"):
        collect(course, [download], log=None, limits=Limits(max_download=1000))
    assert not (course / "submitted").exists()


def test_a_download_given_twice_is_read_once(course, tmp_path):
    """Is a download named by two PATHs unpacked once, its students collected once each?"""
    download = zip_folder(canvas_download(tmp_path / "submissions"), tmp_path / "submissions.zip")
    (tmp_path / "again.zip").symlink_to(download)
    result = collect(course, [download, tmp_path / "again.zip"], log=None)
    assert result.collected == ["12345", "12346", "55555"]
    assert sum("more than once" in p.message for p in result.problems) == 1
