"""The similarity verb measured on fabricated classes: a disguised copy ranks first, independent
implementations rank low, starter code counts for no one, bad input is named."""

import shutil
from pathlib import Path

import pytest

from autograder import cli
from autograder.similarity import SimilarityError, similarity
from autograder.similarity.extract import read_release, read_submission
from tests.autograder.similarity.helpers import (
    NOTEBOOK,
    alternative,
    answered_notebook,
    disguise,
    release_files,
    solved,
    write_submission,
)

#: The functions the demo's alternative student writes its own way (demo/mistakes.py).
SIX = (
    "conv_forward_naive",
    "conv_backward_naive",
    "max_pool_forward_naive",
    "max_pool_backward_naive",
    "spatial_batchnorm_forward",
    "spatial_batchnorm_backward",
)
LAYERS = "cs231n/layers.py"

TRAIN = """def train(data):
    model = ThreeLayerConvNet(weight_scale=0.001, hidden_dim=500, reg=0.001)
    solver = Solver(model, data, num_epochs=1, batch_size=50, update_rule="adam",
                    optim_config={"learning_rate": 1e-3}, verbose=True)
    solver.train()
    return solver"""
TRAIN_OTHER = """def train(data):
    net = ThreeLayerConvNet(hidden_dim=100)
    trainer = Solver(net, data, num_epochs=1, update_rule="sgd_momentum")
    for _ in range(1):
        trainer.train()
    return trainer"""
ANSWER = "Only the maximum of each window gets a gradient: the others did not change the output."
ANSWER_OTHER = "The gradient goes where the max was, every other input of the window gets zero."


def copy_of(files):
    """A disguised copy of a submission: .py files renamed, reordered and reformatted."""
    return {
        name: disguise(data.decode()) if name == LAYERS else data for name, data in files.items()
    }


def quiet(course, **kwargs):
    return similarity(course, log=None, **kwargs)


def pair_of(report, a, b):
    return next(p for p in report.pairs if {p.a, p.b} == {a, b})


@pytest.fixture
def fabricated(course):
    """A class: the solution of six functions, the demo's alternative of the same six, a
    disguised copy of the solution, and the untouched release."""
    solution = solved(course, SIX)
    solution[NOTEBOOK] = answered_notebook(TRAIN, ANSWER)
    write_submission(course, "solution", solution)
    other = alternative(course, SIX)
    other[NOTEBOOK] = answered_notebook(TRAIN_OTHER, ANSWER_OTHER)
    write_submission(course, "alternative", other)
    copy = copy_of(solution)
    copy[NOTEBOOK] = answered_notebook(
        TRAIN.replace("model", "m").replace("solver", "s").replace("500", "512"), ANSWER
    )
    write_submission(course, "copy", copy)
    write_submission(course, "release", release_files(course))
    return course


def test_a_disguised_copy_ranks_first_and_independent_work_low(fabricated):
    """Is the copy (variables renamed, functions reordered, reformatted) of the solution the top
    pair, far above the solution and the alternative, two correct implementations written
    independently?"""
    report = quiet(fabricated)
    top = report.pairs[0]
    assert {top.a, top.b} == {"solution", "copy"}
    assert top.score >= 0.9
    for other in ("solution", "copy"):
        assert pair_of(report, "alternative", other).score <= 0.3
    assert report.silent == ["release"]
    assert len(report.pairs) == 3
    page = report.path.read_text()
    assert report.path == fabricated / "similarity" / "index.html"
    assert "copy and solution" in page or "solution and copy" in page


def test_shared_regions_pair_each_function_with_its_copy(fabricated):
    """Does the copy's pair show each function next to its own copy, wherever it moved, and the
    notebook answers next to each other? (The two spatial batch norm functions are a few lines
    of reshaping, most of it runs the release has too: they may not show.)"""
    top = quiet(fabricated).pairs[0]
    release = read_release(fabricated / "release" / "convnets")
    folder = fabricated / "submitted"
    a = read_submission(top.a, folder / top.a / "convnets", release)
    b = read_submission(top.b, folder / top.b / "convnets", release)
    matched = {(a.pieces[r.a].name, b.pieces[r.b].name) for r in top.regions}
    for name in SIX[:4]:
        assert (name, name) in matched
    assert ("inline_question", "inline_question") in matched


def test_starter_code_everyone_has_counts_for_no_one(course):
    """When two students paste the same provided code (a function of the release) into their
    stubs, do they share nothing, and hand in nothing of their own?"""
    text = release_files(course)[LAYERS].decode()
    provided = text.split("def affine_forward", 1)[1].split('"""', 2)[2].split("\ndef ")[0]
    for student in ("ann", "bob"):
        files = release_files(course)
        stub = next(line for line in text.splitlines() if "raise NotImplementedError(" in line)
        files[LAYERS] = text.replace(stub, provided.strip("\n"), 1).encode()
        write_submission(course, student, files)
    report = quiet(course)
    assert report.silent == ["ann", "bob"]
    assert report.pairs == []
    assert "No code of their own to compare" in report.path.read_text()


def test_earlier_submissions_are_compared_with_students_only(course, tmp_path):
    """Is a student compared with each submission of a --against folder (an earlier course's
    submitted/ here), and earlier submissions never with each other?"""
    solution = solved(course, SIX)
    write_submission(course, "solution", solution)
    write_submission(course, "alternative", alternative(course, SIX))
    earlier = tmp_path / "2025"
    for student, files in [("copied", copy_of(solution)), ("other", alternative(course, SIX))]:
        write_submission(earlier, student, files)
    report = quiet(course, against=[earlier / "submitted"])
    copied, other = "2025/submitted:copied", "2025/submitted:other"
    labels = {frozenset((p.a, p.b)) for p in report.pairs}
    assert frozenset((copied, other)) not in labels
    assert len(report.pairs) == 1 + 2 * 2
    assert {report.pairs[0].a, report.pairs[0].b} in ({"solution", copied}, {"alternative", other})
    assert pair_of(report, "solution", copied).score >= 0.9


def test_two_against_folders_of_the_same_name_keep_their_submissions_apart(course, tmp_path):
    """Given the same folder twice, is each submission compared, under a label of its own?"""
    write_submission(course, "ann", solved(course, SIX))
    write_submission(tmp_path / "2025", "bob", alternative(course, SIX))
    folder = tmp_path / "2025" / "submitted"
    report = quiet(course, against=[folder, folder])
    assert sorted(p.b for p in report.pairs) == ["2025/submitted:bob", "2025/submitted:bob (2)"]


def test_a_notebook_that_is_not_json_is_named_on_the_page(course):
    """Is a broken notebook skipped, named in the log and on the page, and the rest compared?"""
    files = solved(course, SIX)
    write_submission(course, "ann", files)
    files[NOTEBOOK] = b"not json"
    write_submission(course, "bob", files)
    lines = []
    report = similarity(course, log=lines.append)
    assert any(f"warning: bob: {NOTEBOOK}: skipped" in line for line in lines)
    assert f"bob: {NOTEBOOK}: skipped" in report.path.read_text()
    assert report.pairs[0].score == 1.0


def test_bad_input_is_named_and_nothing_written(tmp_path, course, capsys):
    """Do a course not released, a course with nothing collected, a lone submission and a
    --against folder that does not exist each exit 2 with a message saying what to do?"""
    bare = tmp_path / "bare"
    bare.mkdir()
    cases = [
        (["--course", str(bare)], "is not a released course"),
        (["--course", str(course)], "no submission in"),
    ]
    for argv, message in cases:
        assert cli.main(["similarity", *argv]) == 2
        assert message in capsys.readouterr().err
    write_submission(course, "ann", solved(course, SIX))
    assert cli.main(["similarity", "--course", str(course)]) == 2
    assert "one submission (ann) and no --against folder" in capsys.readouterr().err
    missing = tmp_path / "missing"
    assert cli.main(["similarity", "--course", str(course), "--against", str(missing)]) == 2
    assert f"--against {missing}: no such folder" in capsys.readouterr().err
    assert not (course / "similarity").exists()
    with pytest.raises(SimilarityError):
        similarity(bare)


def test_the_command_line_writes_the_page(course, capsys):
    """Does `python -m autograder similarity` write the page, print the top pairs and exit 0?"""
    write_submission(course, "ann", solved(course, SIX))
    write_submission(course, "bob", copy_of(solved(course, SIX)))
    assert cli.main(["similarity", "--course", str(course), "--top", "1"]) == 0
    out = capsys.readouterr().out
    assert "compared 2 students: 1 pairs" in out
    assert "1. ann and bob: 100%" in out
    assert "wrote similarity/index.html" in out
    assert (course / "similarity" / "index.html").is_file()


@pytest.mark.slow
def test_on_the_demos_fabricated_class(grade_release, tmp_path):
    """On the demo's class collected from zips (the solution, the alternative, a mistake, the
    release) and a disguised copy of the solution, is the copy's pair at the top, and do the
    functions the alternative wrote its own way share little with the solution's?"""
    from autograder.collect import collect
    from autograder.demo.fabricate import fabricate_class

    course = tmp_path / "course"
    shutil.copytree(Path(grade_release).parent.parent, course)
    ids = ["solution", "alternative", "release"]
    fabricate_class(grade_release, tmp_path / "zips", ids=ids, canary_dir=tmp_path / "canaries")
    collect(course, [tmp_path / "zips"], log=None)
    solution = course / "submitted" / "solution" / "convnets"
    copy = course / "submitted" / "copy" / "convnets"
    shutil.copytree(solution, copy)
    for path in (copy / "cs231n").rglob("*.py"):
        path.write_text(disguise(path.read_text()))
    report = quiet(course)
    top = report.pairs[0]
    assert {top.a, top.b} == {"solution", "copy"}
    assert top.score >= 0.9
    assert report.silent == ["release"]
    # The alternative is the solution but for six functions: those share a line or two (the
    # same np.pad call), no more.
    pair = pair_of(report, "solution", "alternative")
    release = read_release(course / "release" / "convnets")
    subs = {
        label: read_submission(label, course / "submitted" / label / "convnets", release)
        for label in (pair.a, pair.b)
    }
    for region in pair.regions:
        a, b = subs[pair.a].pieces[region.a], subs[pair.b].pieces[region.b]
        if a.name in SIX and a.name == b.name:
            assert len(region.lines_a) <= 3, (a.name, sorted(region.lines_a))


@pytest.mark.parametrize("argv", [["--top", "0"], ["--common", "1"]])
def test_settings_that_would_show_nothing_are_refused(course, capsys, argv):
    """Are --top 0 and --common 1 (every shared passage ignored) refused with the value named?"""
    assert cli.main(["similarity", "--course", str(course), *argv]) == 2
    assert f"(not {argv[1]})" in capsys.readouterr().err


def test_a_copy_half_the_class_shares_still_shows(course):
    """In a class of 22 where 11 hand in the same code, is that code compared by default (only
    passages in more than half of the submissions are ignored), and ignored with --common 10?"""
    first = write_submission(course, "s00", solved(course, ["conv_forward_naive", "adam"]))
    for n in range(1, 22):
        folder = course / "submitted" / f"s{n:02d}" / "convnets"
        if n < 11:
            shutil.copytree(first, folder)
        else:
            write_submission(course, f"s{n:02d}", release_files(course))
    report = quiet(course)
    assert len(report.pairs) == 11 * 10 // 2
    assert {p.score for p in report.pairs} == {1.0}
    assert quiet(course, common=10).pairs == []
