"""The demo verb: the whole pipeline on a fabricated class, offline."""

import pytest

from autograder.demo import MARK, DemoError, demo

pytestmark = pytest.mark.demo


@pytest.mark.slow
def test_the_demo_runs_end_to_end_and_says_every_score_is_honest(tmp_path):
    """Does the demo release, collect, grade, write feedback and export, and print the table?"""
    course = tmp_path / "demo"
    lines = []
    fabricated, report = demo(
        course, jobs=2, ids=("solution", "hostile-zip-slip"), log=lines.append
    )
    assert [f.student_id for f in fabricated] == ["solution", "hostile-zip-slip"]
    text = "\n".join(lines)
    for step in ("1/6 release", "2/6 fabricate", "3/6 collect", "4/6 grade", "6/6 done"):
        assert step in text
    table = lines[lines.index(next(line for line in lines if line.startswith("student"))) :]
    solution = next(line for line in table if line.startswith("solution"))
    assert solution.split()[1:4] == ["solution", "61/61", "yes"]
    slip = next(line for line in table if line.startswith("hostile-zip-slip"))
    assert slip.split()[1:4] == ["hostile", "refused", "yes"]
    assert (course / "feedback" / "solution" / "convnets" / "index.html").is_file()
    assert (course / "grades.csv").is_file()
    assert (course / "export" / "gradescope" / "solution" / "results.json").is_file()
    assert (course / MARK).is_file()


def test_the_demo_never_empties_a_folder_it_did_not_make(tmp_path):
    """Is a non-empty folder without the demo's mark refused, and left as it was?"""
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(DemoError, match="not a demo course"):
        demo(tmp_path, log=lambda line: None)
    assert (tmp_path / "precious.txt").read_text() == "keep me"
