"""The demo verb: the whole pipeline on a fabricated class, offline."""

import os
import subprocess
import sys

import pytest

from autograder.demo import FLAG_WIDTH, MARK, DemoError, _short, demo
from autograder.paths import REPO

pytestmark = pytest.mark.demo


@pytest.mark.slow
def test_the_demo_runs_end_to_end_and_says_every_score_is_honest(tmp_path):
    """Does `python -m autograder demo`, run as `make demo` runs it, do every step?

    It runs from the repository with nothing on PYTHONPATH (pytest's own
    sys.path holds assignment/, which hid an import of cs231n once).
    """
    course = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    command = [sys.executable, "-m", "autograder", "demo", "--course", str(course)]
    command += ["--jobs", "2", "--student", "solution", "--student", "hostile-zip-slip"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    for step in ("1/6 release", "2/6 fabricate", "3/6 collect", "4/6 grade", "6/6 done"):
        assert any(step in line for line in lines), step
    table = lines[lines.index(next(line for line in lines if line.startswith("student"))) :]
    assert (
        len([line for line in table if line.split()[:1] in (["solution"], ["hostile-zip-slip"])])
        == 2
    )
    solution = next(line for line in table if line.startswith("solution"))
    assert solution.split()[1:4] == ["solution", "73/73", "yes"]
    slip = next(line for line in table if line.startswith("hostile-zip-slip"))
    assert slip.split()[1:4] == ["hostile", "refused", "yes"]
    assert (course / "feedback" / "solution" / "convnets" / "index.html").is_file()
    assert (course / "grades.csv").is_file()
    assert (course / "export" / "gradescope" / "solution" / "results.json").is_file()
    assert (course / "report" / "index.html").is_file()
    # The one student graded is the instructor's solution: compared with assignment/, the
    # similarity report ranks that pair first, as wholly alike.
    assert (course / "similarity" / "index.html").is_file()
    assert any(line.strip().startswith("1. solution and ") and "100%" in line for line in lines)
    assert (course / MARK).is_file()


@pytest.mark.slow  # it releases a course before it reads --student
def test_an_unknown_student_kind_is_named_with_the_kinds_there_are(tmp_path):
    """Does `demo --student nobody` say which ids exist, and exit 2?"""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    command = [sys.executable, "-m", "autograder", "demo", "--course", str(tmp_path / "d")]
    done = subprocess.run(
        [*command, "--student", "nobody"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "unknown student ids ['nobody']" in done.stderr
    assert "hostile-fork-bomb" in done.stderr


def test_the_demo_never_empties_a_folder_it_did_not_make(tmp_path):
    """Is a non-empty folder without the demo's mark refused, and left as it was?"""
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(DemoError, match="not a demo course"):
        demo(tmp_path, log=lambda line: None)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_the_table_cuts_a_long_flag_between_its_items():
    """Is a flag longer than the table's width cut after a whole item of its list (else a
    whole word), and a short one left whole?"""
    items = [f"cs231n/layers.py:{n} names '/home'" for n in range(10, 20)]
    flag = "suspicious code (look at it): " + "; ".join(items)
    shown = _short(flag)
    assert len(shown) <= FLAG_WIDTH
    assert shown.endswith("; ...")
    kept = shown[len("suspicious code (look at it): ") : -len("; ...")].split("; ")
    assert kept == items[: len(kept)]
    assert 0 < len(kept) < len(items)
    assert _short(items[0]) == items[0]
    words = "a naive layer earns its points only by doing the work itself; look at it " * 3
    shown = _short(words)
    assert len(shown) <= FLAG_WIDTH
    assert shown.endswith(" ...")
    assert words.startswith(shown[: -len(" ...")] + " ")  # whole words only
