"""Step 1 of collect: finding the zips and the student each belongs to."""

import os

import pytest

from autograder.collect.intake import (
    choose,
    find_zips,
    format_timestamp,
    identify,
    student_id,
)
from autograder.collect.problems import CollectError, Problem
from tests.autograder.collect.helpers import make_zip, submission

pytestmark = pytest.mark.collect


@pytest.mark.parametrize(
    ("name", "student"),
    [
        ("jdoe.zip", "jdoe"),
        ("J_Doe-2.v1.ZIP", "J_Doe-2.v1"),
        ("_x.zip", "_x"),
        ("jdoe (1).zip", None),
        (".jdoe.zip", None),
        ("-rf.zip", None),
        (".zip", None),
        ("jdoe\n.zip", None),
        ("jdoé.zip", None),
        ("jdoe.tar.gz", None),
        ("jdoe", None),
    ],
)
def test_student_id_follows_the_rule(name, student):
    """Is the id the name without .zip, and only when it is letters, digits, '.', '_', '-'?"""
    assert student_id(name) == student


def test_a_folder_gives_its_zips_and_a_note_for_the_rest(inbox):
    """Are a folder's zips found, sorted, subfolders not searched, the rest named in a note?"""
    make_zip(inbox / "bob.zip", submission())
    make_zip(inbox / "alice.ZIP", submission())
    make_zip(inbox / "deeper" / "carol.zip", submission())
    (inbox / "grades.csv").write_text("x")
    zips, problems = find_zips([inbox])
    assert [p.name for p in zips] == ["alice.ZIP", "bob.zip"]
    [note] = problems
    assert not note.fatal
    assert "grades.csv" in note.message
    assert "deeper/" in note.message


def test_a_folder_without_zips_is_an_error(inbox):
    """Is a PATH folder holding no zip reported as fatal (nothing to collect there)?"""
    (inbox / "notes.txt").write_text("x")
    _, problems = find_zips([inbox])
    assert any(p.fatal and "no .zip" in p.message for p in problems)


def test_a_missing_path_stops_before_anything(tmp_path):
    """Does a PATH that does not exist raise CollectError naming it?"""
    with pytest.raises(CollectError, match=r"nowhere\.zip"):
        find_zips([tmp_path / "nowhere.zip"])


def test_a_broken_link_counts_as_missing(tmp_path):
    """Is a PATH that is a dangling symbolic link reported like a missing one?"""
    (tmp_path / "dangling.zip").symlink_to(tmp_path / "gone.zip")
    with pytest.raises(CollectError, match="dangling"):
        find_zips([tmp_path / "dangling.zip"])


def test_identify_refuses_bad_names_and_non_files(tmp_path):
    """Are a bad id, a non-.zip file and a fifo each a fatal problem naming the file?"""
    good = make_zip(tmp_path / "jdoe.zip", submission())
    bad = make_zip(tmp_path / "jdoe (1).zip", submission())
    text = tmp_path / "jdoe.txt"
    text.write_text("x")
    fifo = tmp_path / "pipe.zip"
    os.mkfifo(fifo)
    subs, problems = identify([good, bad, text, fifo])
    assert [s.student for s in subs] == ["jdoe"]
    by_path = {p.path: p for p in problems}
    assert set(by_path) == {str(bad), str(text), str(fifo)}
    assert all(p.fatal for p in problems)
    assert "'jdoe (1)' is not a valid student id" in by_path[str(bad)].message
    assert "not a .zip" in by_path[str(text)].message
    assert "not a regular file" in by_path[str(fifo)].message


def test_a_symlinked_zip_is_read_where_it_points(tmp_path):
    """Is a PATH that links to a zip elsewhere accepted, with the target's mtime?"""
    real = make_zip(tmp_path / "elsewhere" / "real.zip", submission(), mtime=1_700_000_000)
    link = tmp_path / "jdoe.zip"
    link.symlink_to(real)
    [sub], problems = identify([link])
    assert problems == []
    assert (sub.student, sub.path) == ("jdoe", link)
    assert sub.mtime_ns == 1_700_000_000 * 10**9


def test_the_newest_zip_of_a_student_wins(tmp_path):
    """With two zips of jdoe, is the newer kept and the older reported (not fatal)?"""
    old = make_zip(tmp_path / "a" / "jdoe.zip", submission(), mtime=1_700_000_000)
    new = make_zip(tmp_path / "b" / "jdoe.zip", submission(), mtime=1_700_000_100)
    for order in ([old, new], [new, old]):
        subs, _ = identify(order)
        chosen, problems = choose(subs)
        assert chosen["jdoe"].path == new
        [p] = problems
        assert (p.path, p.student, p.fatal) == (str(old), "jdoe", False)
        assert str(new) in p.message


def test_a_tie_is_broken_by_path_whatever_the_order(tmp_path):
    """With equal mtimes, is the same zip kept whichever order the PATHs come in?"""
    one = make_zip(tmp_path / "a" / "jdoe.zip", submission(), mtime=1_700_000_000)
    two = make_zip(tmp_path / "b" / "jdoe.zip", submission(), mtime=1_700_000_000)
    kept = set()
    for order in ([one, two], [two, one]):
        chosen, _ = choose(identify(order)[0])
        kept.add(chosen["jdoe"].path)
    assert kept == {two}


def test_one_file_named_twice_counts_once(inbox):
    """Is a zip reached as a folder entry and as a PATH collected once, with no warning?"""
    zip_path = make_zip(inbox / "jdoe.zip", submission())
    zips, _ = find_zips([inbox, zip_path])
    chosen, problems = choose(identify(zips)[0])
    assert list(chosen) == ["jdoe"]
    assert problems == []


def test_timestamp_is_nbgraders_utc_form():
    """Is a time written as `YYYY-MM-DD HH:MM:SS.ffffff UTC`, in UTC, to the microsecond?"""
    assert format_timestamp(1_700_000_000_123_456_789) == "2023-11-14 22:13:20.123456 UTC"


def test_problem_lines_escape_what_students_name():
    """Can a member named with a newline not forge a second report line?"""
    line = str(Problem("in/x.zip", "x", "bad CRC for 'b\nerror: y'", True, "a\nerror: fake"))
    assert "\n" not in line
    assert line.startswith("error: in/x.zip: 'a\\nerror: fake': bad CRC for 'b\\nerror: y'")
