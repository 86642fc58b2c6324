"""The class report (autograder/report/): a hand-made graded course, read back as one page.

Nothing is graded here: the course is a few folders, Results written with the
grader's own writer, a small gradebook written with nbgrader's API and the
records collect and grade leave, so a wrong mean, hint count or reason shows.
"""

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import cli
from autograder.collect.problems import Problem
from autograder.grade import pipeline
from autograder.grade.gradebook import open_gradebook
from autograder.grade.results import CaseVerdict, CellScore, Result, write_result
from autograder.report import ReportError, report
from autograder.report.gather import gather
from autograder.report.page import percents
from autograder.report.records import (
    read_collect,
    read_failures,
    record_collect,
    record_failures,
)

NB = "ConvolutionalNetworks"
TOO_LARGE = "the output is too large by a constant (look at the bias)"
NOT_DONE = "not implemented: cs231n/layers.py:413 in conv_forward_naive"
HOSTILE = "<script>alert('x')"  # no slash: it is a folder name too
HOSTILE_HINT = "<img src=x onerror=alert(1)> is wrong"


def case(name, passed, hint=None):
    return CaseVerdict(name, "visible" if name == "public" else "hidden", passed, hint)


def conv_cells(points, *cases, flag=None):
    """The two cells of conv_forward_naive (2 points each): the first scored `points`
    from `cases`, the second always full."""
    return [
        CellScore(NB, "correct_conv_forward_naive", "conv_forward_naive", 2.0, points,
                  list(cases), flag=flag),
        CellScore(NB, "correct_conv_forward_naive_2", "conv_forward_naive", 2.0, 2.0,
                  [case("hidden-9", True)]),
    ]  # fmt: skip


def pool_cell(points, *cases):
    return CellScore(NB, "correct_max_pool", "max_pool_forward_naive", 1.0, points, list(cases))


def submit(course, student):
    """A submission folder for `student`; its digest (what a current result records)."""
    folder = pipeline.submitted_dir(course, student, "convnets")
    folder.mkdir(parents=True)
    (folder / "layers.py").write_text(f"# {student}'s work\n")
    return pipeline.submission_digest(folder)


def graded(course, student, cells, flags=()):
    digest = submit(course, student)
    result = Result(student, "convnets", "f", "bwrap", submission=digest, cells=cells)
    result.flags = list(flags)
    write_result(course, result)
    return result


def gradebook(course, scores):
    """nbgrader's gradebook: the three autograded cells and one inline question (3 points);
    `scores`: student -> ({grade id: auto score}, {grade id: manual score})."""
    # nbgrader runs `alembic` from PATH when it creates a gradebook (release does the same)
    scripts = str(Path(sys.executable).parent)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", os.pathsep.join([scripts, os.environ.get("PATH", "")]))
        with open_gradebook(course) as gb:
            gb.update_or_create_assignment("convnets")
            gb.add_notebook(NB, "convnets")
            for gid, points in (
                ("correct_conv_forward_naive", 2),
                ("correct_conv_forward_naive_2", 2),
                ("correct_max_pool", 1),
            ):
                gb.add_grade_cell(gid, NB, "convnets", max_score=points, cell_type="code")
            gb.add_grade_cell("inline_q1", NB, "convnets", max_score=3, cell_type="markdown")
            for student, (auto, manual) in scores.items():
                gb.update_or_create_student(student)
                gb.add_submission("convnets", student)
                for gid in ("correct_conv_forward_naive", "correct_conv_forward_naive_2",
                            "correct_max_pool", "inline_q1"):  # fmt: skip
                    grade = gb.find_grade(gid, NB, "convnets", student)
                    grade.auto_score = auto.get(gid)
                    grade.manual_score = manual.get(gid)
                    grade.needs_manual_grade = gid == "inline_q1" and gid not in manual
                if "flagged" in auto:  # the grader flagged the first cell (gradebook.record)
                    gb.find_grade(
                        "correct_conv_forward_naive", NB, "convnets", student
                    ).needs_manual_grade = True
            gb.db.commit()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A class of six who handed in, and one whose zip was refused:

    - ada: full marks, her inline question graded 3/3
    - bob: conv 1/4 (the bias hint, twice), pool 1/1, flagged, question pending
    - cy: conv 0/4 by the grader (not implemented, the bias hint), a TA gave 1 back; pool 0
    - <script>: a hostile id, conv 2/4 with a hint that is markup
    - dan: collected, and the grader failed on it (failures.json)
    - fay: graded, then collected again
    - eve: only a refused zip (collect.json)
    """
    course = tmp_path_factory.mktemp("report") / "course"
    (course / "release" / "convnets").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    graded(course, "ada", [*conv_cells(2.0, case("public", True)), pool_cell(1.0)])
    graded(
        course,
        "bob",
        [
            *conv_cells(
                1.0,
                case("public", True),
                case("hidden-1", False, TOO_LARGE),
                case("hidden-2", False, TOO_LARGE),
                case("hidden-3", True),
                flag="nbgrader gave 2, the trusted grader 1",
            ),
            pool_cell(1.0),
        ],
        flags=["the harness timed out after 240 s"],
    )
    cy = [
        *conv_cells(0.0, case("public", False, NOT_DONE), case("hidden-1", False, TOO_LARGE)),
        pool_cell(0.0, case("public", False, "the output has shape (2, 3), not (2, 4)")),
    ]
    cy[1].points = 0.0
    cy[1].cases = [case("hidden-9", False, NOT_DONE)]
    graded(course, "cy", cy)
    graded(course, HOSTILE, [*conv_cells(0.0, case("public", False, HOSTILE_HINT)), pool_cell(0)])
    submit(course, "dan")
    graded(course, "fay", [*conv_cells(2.0), pool_cell(1.0)])
    (pipeline.submitted_dir(course, "fay", "convnets") / "layers.py").write_text("# again\n")
    gradebook(
        course,
        {
            "ada": ({"correct_conv_forward_naive": 2, "correct_conv_forward_naive_2": 2,
                     "correct_max_pool": 1}, {"inline_q1": 3}),
            "bob": ({"correct_conv_forward_naive": 1, "correct_conv_forward_naive_2": 2,
                     "correct_max_pool": 1, "flagged": True}, {}),
            "cy": ({"correct_conv_forward_naive": 0, "correct_conv_forward_naive_2": 0,
                    "correct_max_pool": 0}, {"correct_conv_forward_naive_2": 1, "inline_q1": 0}),
            HOSTILE: ({"correct_conv_forward_naive": 0, "correct_conv_forward_naive_2": 2,
                       "correct_max_pool": 0}, {"inline_q1": 1}),
        },
    )  # fmt: skip
    record_failures(course, {"dan": "dan was not graded: BrokenProcessPool: a worker died"}, [])
    record_collect(
        course,
        ["inbox/eve.zip", "inbox/bob.zip"],
        [
            Problem("inbox/eve.zip", "eve", "its path climbs out with '..'", True, "../x.py"),
            Problem("inbox/bob.zip", "bob", "extra file notes.txt (not taken)", False),
            Problem(f"inbox/{HOSTILE}.zip", None, f"{HOSTILE} is not a student id", True),
        ],
    )
    return course


@pytest.fixture(scope="module")
def written(course):
    lines = []
    done = report(course, log=lines.append)
    return done, done.path.read_text(encoding="utf-8"), lines


def section(page, title):
    """The HTML between the <h2> `title` and the next <h2>."""
    start = page.index(f"<h2>{title}</h2>")
    end = page.find("<h2>", start + 1)
    return page[start : end if end > 0 else None]


def text(fragment):
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def test_each_function_has_its_mean_full_marks_and_commonest_hints(written):
    """Is conv_forward_naive's mean the mean of the scores that count (a TA's included: 4, 3,
    1, 2 of 4), its full marks counted, and the bias hint first, counted once per student
    (bob got it in two cases), before the rarer ones?"""
    found = written[0].report
    conv = next(f for f in found.functions if f.name == "conv_forward_naive")
    assert conv.max_points == 4
    assert conv.mean == pytest.approx((4 + 3 + 1 + 2) / 4)
    assert (conv.full, conv.students) == (1, 4)
    assert conv.hints[0] == (TOO_LARGE, 2)
    assert (NOT_DONE, 1) in conv.hints
    pool = next(f for f in found.functions if f.name == "max_pool_forward_naive")
    assert pool.mean == pytest.approx(0.5)
    assert [f.name for f in found.functions] == ["conv_forward_naive", "max_pool_forward_naive"]
    row = text(section(written[1], "Functions"))
    assert "2.50 / 4" in row
    assert "1 of 4 (25%)" in row
    assert f"{TOO_LARGE} (2 students)" in " ".join(row.split())


def test_every_student_not_graded_is_named_with_why(written):
    """Are the student the grader failed on, the one collected again since grading and the one
    whose only zip was refused listed with their reasons, and no graded student?"""
    ungraded = dict(written[0].report.ungraded)
    assert set(ungraded) == {"dan", "fay", "eve"}
    assert "BrokenProcessPool: a worker died" in ungraded["dan"]
    assert "collected again since it was graded" in ungraded["fay"]
    assert ungraded["eve"] == "collect refused its zip: its path climbs out with '..'"
    part = text(section(written[1], "Not graded"))
    assert "BrokenProcessPool" in part
    assert "ada" not in part


def test_refused_zips_and_warnings_are_listed_by_name(written):
    """Does the Zips section name each refused zip with its member and message, and the zip
    collected with a warning apart?"""
    part = section(written[1], "Zips")
    refused, warned = part.split("Collected with a warning")
    assert "inbox/eve.zip" in refused
    assert "../x.py" in refused
    assert "its path climbs out with &#x27;..&#x27;" in refused
    assert "inbox/bob.zip" in warned
    assert "extra file notes.txt" in warned
    assert "inbox/bob.zip" not in refused


def test_hand_grading_pending_and_flags(written):
    """Is bob (his inline question unscored, a flagged cell unreviewed) the only one waiting
    for hand grading, and are his submission's and his cell's flags both listed?"""
    found = written[0].report
    assert [s.id for s in found.hand_grading] == ["bob"]
    bob = found.hand_grading[0]
    assert bob.pending == [(NB, "inline_q1", 3.0)]
    assert bob.review == ["correct_conv_forward_naive"]
    assert [s.id for s in found.flagged] == ["bob"]
    flags = text(section(written[1], "Flags"))
    assert "the harness timed out after 240 s" in flags
    assert "nbgrader gave 2, the trusted grader 1" in flags
    pending = text(section(written[1], "Hand grading pending"))
    assert "1 question (3 points)" in pending
    assert "bob" in pending


def test_scores_include_hand_grades_and_the_plot_is_embedded(written):
    """Is a student's total the autograded points that count plus the hand grades (cy: 1 + 0
    of 8), and the histogram an inline PNG?"""
    totals = {s.id: (s.total, s.total_max) for s in written[0].report.graded}
    assert totals["cy"] == (1.0, 8.0)
    assert totals["ada"] == (8.0, 8.0)
    assert totals["bob"] == (4.0, 8.0)
    assert written[1].count('src="data:image/png;base64,') == 1


def test_student_text_is_escaped(written):
    """Do a student id and a hint that are markup reach the page only escaped?"""
    page = written[1]
    assert HOSTILE not in page
    assert HOSTILE_HINT not in page
    assert html.escape(HOSTILE, quote=True) in page
    assert html.escape(HOSTILE_HINT, quote=True) in page
    assert "<script" not in page.lower()
    assert "<img src=x" not in page


def test_the_terminal_summary_names_the_hardest_function(written):
    """Does the printed summary give the counts, the hardest function with its commonest
    hint, and where the page is?"""
    lines = written[2]
    assert "Graded: 4" in lines
    assert "Not graded: 3 (see the last section)" in lines
    hard = [line for line in lines if line.startswith("hard: ")]
    assert hard[0].startswith("hard: max_pool_forward_naive, mean 0.50/1")
    assert any(TOO_LARGE in line for line in hard)
    assert lines[-1] == "wrote report/index.html"


def test_a_browser_finds_no_element_of_the_students(written):
    """Parsed by headless Chromium (when installed), does the page hold one image (the plot)
    and no script or image of a student's?"""
    browser = shutil.which("chromium-headless-shell") or shutil.which("chromium")
    if not browser:
        pytest.skip("no headless Chromium (apt-get install chromium-headless-shell)")
    dom = subprocess.run(
        [browser, "--no-sandbox", "--disable-gpu", "--dump-dom", written[0].path.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert dom.count("<img") == 1
    assert "<script" not in dom
    assert "&lt;script&gt;alert('x')" in dom


def test_the_verb_writes_where_out_says_and_refuses_a_folder_that_is_no_course(
    course, tmp_path, capsys
):
    """Does `report --out FILE` write FILE, and `report` on a folder without a course exit 2
    naming it?"""
    out = tmp_path / "elsewhere" / "class.html"
    assert cli.main(["report", "--course", str(course), "--out", str(out)]) == 0
    assert "Class report: convnets" in out.read_text(encoding="utf-8")
    assert cli.main(["report", "--course", str(tmp_path)]) == 2
    assert "is not a course directory" in capsys.readouterr().err
    with pytest.raises(ReportError):
        report(tmp_path)


def test_a_course_graded_by_nobody_yet_still_gets_a_page(tmp_path):
    """Before grading (no gradebook, no results), is every collected student "never graded"
    and the plot replaced by a sentence?"""
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    submit(tmp_path, "ada")
    done = report(tmp_path, log=None)
    assert done.report.ungraded == [
        ("ada", "collected but never graded (run `python -m autograder grade`)")
    ]
    page = done.path.read_text(encoding="utf-8")
    assert "No student is graded yet" in page
    assert not (tmp_path / "gradebook.db").exists()  # read, never made


# --------------------------------------------------------------------------
# The records collect and grade leave


def test_a_zip_collected_again_replaces_its_record(tmp_path):
    """Does a later collect of the same zip, now without problems, drop its entry, while the
    entries of zips it did not read stay?"""
    record_collect(
        tmp_path,
        ["a.zip", "b.zip"],
        [Problem("a.zip", "a", "corrupt", True), Problem("b.zip", "b", "corrupt", True)],
    )
    record_collect(tmp_path, ["a.zip"], [])
    found, why = read_collect(tmp_path)
    assert why is None
    assert [(p.path, p.message) for p in found] == [("b.zip", "corrupt")]


def test_a_student_graded_again_leaves_the_failures(tmp_path):
    """Does a student graded after a failure leave failures.json, and a broken record read as
    empty, saying why?"""
    record_failures(tmp_path, {"a": "boom", "b": "bang"}, [])
    record_failures(tmp_path, {}, ["a"])
    assert read_failures(tmp_path) == ({"b": "bang"}, None)
    (tmp_path / "autograder" / "failures.json").write_text("{not json")
    failures, why = read_failures(tmp_path)
    assert failures == {}
    assert "cannot be read" in why


def test_collect_records_what_it_refused(tmp_path):
    """Run on a refused zip and a good one, does collect leave the refused zip, its student
    and its member in the record the report reads?"""
    from autograder.collect import collect
    from tests.autograder.collect.helpers import make_course, make_zip, submission

    course = make_course(tmp_path / "course")
    inbox = tmp_path / "inbox"
    make_zip(inbox / "good.zip", submission(student="good"))
    make_zip(inbox / "slip.zip", {**submission(student="slip"), "../evil.py": b"x"})
    collect(course, [inbox], log=None, record=True)
    found, _ = read_collect(course)
    refused = [p for p in found if p.fatal]
    assert {p.student for p in refused} == {"slip"}
    assert refused[0].path.endswith("slip.zip")
    assert refused[0].member == "../evil.py"
    assert dict(gather(course).ungraded)["slip"].startswith("collect refused its zip: ")


def test_a_late_student_and_extra_credit_have_the_score_of_grades_csv(tmp_path):
    """Is each student's score in the report grades.csv's (extra credit counted, the late
    penalty taken as export takes it), and does the page list them with how late, the penalty
    and the extra credit?"""
    from tests.autograder.feedback.helpers import EXPECTED, late_class

    course = late_class(tmp_path / "course")
    done = report(course, log=lambda line: None)
    students = {s.id: s for s in done.report.graded}
    for student, (raw, penalty, score) in EXPECTED.items():
        assert students[student].raw == pytest.approx(raw)
        assert students[student].penalty == pytest.approx(penalty)
        assert students[student].total == pytest.approx(score)
    page = done.path.read_text(encoding="utf-8")
    late = " ".join(text(section(page, "Late submissions and extra credit")).split())
    assert "lena 7 2 h 30 min late \u22122.1 4.9 / 8" in late
    assert "ezra 8 +1 8 / 8" in late
    # The score of the histogram is the final one too: lena's 4.9 of 8.
    assert 100 * 4.9 / 8 in [pytest.approx(v) for v in percents(done.report)]


def test_a_late_plugin_that_cannot_load_is_a_note_not_a_failure(tmp_path):
    """When the late policy's plugin cannot be imported, is the page still written, saying the
    scores are before any penalty?"""
    from tests.autograder.feedback.helpers import late_class

    course = late_class(tmp_path / "course")
    config = course / "nbgrader_config.py"
    config.write_text(
        config.read_text().replace("autograder.collect.plugin.LatePenalty", "no.such.Plugin")
    )
    done = report(course, log=lambda line: None)
    assert any("late penalties cannot be computed" in note for note in done.report.notes)
    assert {s.id: s.total for s in done.report.graded}["lena"] == 7.0
