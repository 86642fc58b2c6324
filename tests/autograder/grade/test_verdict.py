"""Tests of autograder/grade/verdict.py: untrusted outputs read safely, scored against the key.

The end-to-end tests run the harness as a plain subprocess (no sandbox) on a
workdir assembled from the real release and a submission: the instructor's
source, the untouched release, the solution with one typical mistake, and
correct implementations written another way.
"""

import io
import re
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from autograder import paths
from autograder.grade import cases, harness, programs, verdict
from autograder.grade.verdict import CaseOutput, hidden_notes, read_outputs
from tests.corpora import outcomes
from tests.corpora.mistakes import BY_ID

pytestmark = pytest.mark.grade

LAYERS = "cs231n/layers.py"
#: The two training cells: about 9 s of the harness's 10, skipped where they play no part.
TRAINING_CELLS = {"correct_overfit_small_data", "correct_train_one_epoch"}
FLOAT_LITERAL = re.compile(r"\d\.\d|\d[eE][-+]?\d|\.\d")


def cell_of(grade_id):
    return next(cell for cell in cases.cells() if cell.grade_id == grade_id)


def case_of(case_id):
    return next(case for case in cases.all_cases() if case.id == case_id)


# ---------------------------------------------------------------------------
# End to end: the harness on real submissions, then the verdict
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_the_instructors_source_gets_full_marks_twice_side_by_side(
    run_grading, instructor_submission, answer_key
):
    """Does the solution get every point of every cell, in two harness runs at once?

    The two run side by side (each harness is a subprocess of its own), as a class is
    graded with several jobs (the class of tests/classroom.py grades it again, and
    test_mistakes.py under three other seeds).
    """
    from concurrent.futures import ThreadPoolExecutor

    full = {cell.grade_id: cell.points for cell in cases.cells()}
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda _: run_grading(instructor_submission), range(2)))
    for graded in runs:
        assert graded.returncode == 0, graded.stderr
        assert graded.points() == full, [c.hint for s in graded.scores for c in s.cases if c.hint]
        assert graded.outputs.problems == []


def test_the_untouched_release_gets_nothing_and_says_not_implemented(run_grading, grade_release):
    """Does the release as handed out score 0 on every cell, each miss "not implemented"?"""
    graded = run_grading(grade_release)
    assert graded.returncode == 0
    assert set(graded.points().values()) == {0.0}
    assert len(graded.scores) == 30
    for cell in graded.scores:
        for case in cell.cases:
            assert case.hint.startswith("not implemented: "), (cell.grade_id, case.hint)
    hint = graded.cell("correct_train_one_epoch").cases[0].hint
    assert hint.startswith("not implemented: ConvolutionalNetworks.ipynb: cell train_one_epoch:")


def patches_of(*mistake_ids):
    """make_submission's patches for corpus mistakes (tests/corpora/mistakes/), all at once."""
    return outcomes.patches_of(*(BY_ID[m] for m in mistake_ids))


# Every mistake of the corpus is graded by tests/corpora/test_mistakes.py; these
# look closer at the hints of a few.


def test_mistake_hints_name_the_symptom(run_grading, make_submission):
    """Do visible hints show the notebook's diagnosis and hidden ones the symptom in words?"""
    graded = run_grading(
        make_submission(patches_of("mistake-conv-bias-twice")),
        only={"correct_conv_forward_naive"},
    )
    found = {case.name: case.hint for case in graded.cell("correct_conv_forward_naive").cases}
    assert "the offset is exactly b: is b added twice?" in found["public"]
    assert "off by a constant per index of axis 1 (F)" in found["hidden-1"]
    graded = run_grading(
        make_submission(patches_of("mistake-avgpool-share")),
        only={"correct_avg_pool_backward_naive"},
    )
    found = {c.name: c.hint for c in graded.cell("correct_avg_pool_backward_naive").cases}
    assert found["public"].startswith("dx is 6 times the expected value")
    assert found["hidden-3"].startswith("dx is 9 times the expected value")


def test_ties_in_max_pooling_show_only_in_hidden_cases(run_grading, make_submission):
    """Does the every-maximum mistake pass the public case and fail the tied hidden ones?"""
    graded = run_grading(
        make_submission(patches_of("mistake-maxpool-every-max")),
        only={"correct_max_pool_backward_naive"},
    )
    cell = graded.cell("correct_max_pool_backward_naive")
    assert [case.passed for case in cell.cases] == [True, True, False, False]
    assert cell.points == 1.5


def test_hidden_hints_never_hold_a_number_from_the_key(run_grading, make_submission, answer_key):
    """Across many mistakes, does no hidden hint quote a float, let alone a value of the key?"""
    patches = patches_of(
        "mistake-conv-bias-twice",
        "mistake-conv-db",
        "mistake-maxpool-every-max",
        "mistake-avgpool-share",
        "mistake-bn-axes",
        "mistake-gn-groups-axis",
    )
    graded = run_grading(make_submission(patches), skip=TRAINING_CELLS)
    hidden = [
        (cell.grade_id, case.name, case.hint)
        for cell in graded.scores
        for case in cell.cases
        if case.visibility == "hidden" and case.hint
    ]
    assert len(hidden) >= 20
    for grade_id, name, hint in hidden:
        assert not FLOAT_LITERAL.search(hint), hint
        values = []
        for value in answer_key[f"{grade_id}.{name}"]["outputs"].values():
            for array in value.values() if isinstance(value, dict) else [value]:
                values += [f"{v:.3g}" for v in array.ravel().tolist()]
        assert not any(v in hint for v in values if "." in v or "e" in v), hint


def test_a_public_case_alone_earns_nothing():
    """Is a cell whose visible case passes and hidden cases all fail given 0, with a hint
    saying why, while one hidden pass keeps the visible case's point?"""
    from autograder.grade.results import CaseVerdict

    def cell(*passed):
        names = ["public", *(f"hidden-{i}" for i in range(1, len(passed)))]
        return [
            CaseVerdict(n, "visible" if n == "public" else "hidden", p, None if p else "wrong")
            for n, p in zip(names, passed, strict=True)
        ]

    withheld = verdict.withhold_public_only(cell(True, False, False))
    assert [v.passed for v in withheld] == [False, False, False]
    assert "no hidden case is" in withheld[0].hint
    kept = verdict.withhold_public_only(cell(True, True, False))
    assert [v.passed for v in kept] == [True, True, False]
    alone = [CaseVerdict("public", "visible", True, None)]
    assert verdict.withhold_public_only(alone) == alone  # no hidden case: nothing to withhold


def test_a_verdict_carries_its_cases_description_and_no_value_of_the_key():
    """Does a hidden case's verdict, a miss or a pass, carry the case's description (what it
    exercises), while neither the description nor the hint quotes a value of the key?"""
    case = case_of("correct_max_pool_padded.hidden-2")  # 2 x 3 window, stride 3, pad (1, 2)
    inputs = case.inputs()
    shape = (*inputs["x"].shape[:2], 3, 3)  # (N, C, H', W') of this case
    ramp = np.arange(np.prod(shape)).reshape(shape)
    key = {"out": -0.7318 - 0.0113 * ramp, "dx": np.full(inputs["x"].shape, 0.4629)}
    wrong = CaseOutput("ok", outputs={"out": 2 * key["out"], "dx": key["dx"]})
    got = verdict.judge_case(case, wrong, {"outputs": key})
    assert not got.passed
    assert got.description == case.description
    assert got.description.startswith("2 x 3 window, stride 3, pad 1 in H and 2 in W")
    assert "out is 2 times the expected value" in got.hint
    for text in (got.hint, got.description):
        assert not any(f"{v:.3g}" in text for v in (*key["out"].ravel(), 0.4629)), text
        assert not FLOAT_LITERAL.search(text), text
    right = CaseOutput("ok", outputs={name: value.copy() for name, value in key.items()})
    passed = verdict.judge_case(case, right, {"outputs": key})
    assert (passed.passed, passed.hint, passed.description) == (True, None, case.description)


def test_every_way_to_a_verdict_keeps_the_description(monkeypatch):
    """Is the description kept on a case with no output, on a case the grader failed to judge,
    and on a visible case whose pass is withheld?"""
    case = case_of("correct_conv_forward_naive.hidden-2")
    missing = verdict.judge_case(case, None, {})
    assert missing.hint.startswith("no output")
    assert missing.description == case.description

    def broken(*args):
        raise KeyError("out")

    monkeypatch.setattr(verdict, "_compare_outputs", broken)
    unjudged = verdict.judge_case(case, CaseOutput("ok"), {"outputs": {}})
    assert unjudged.unjudged
    assert unjudged.description == case.description
    from autograder.grade.results import CaseVerdict

    public = CaseVerdict("public", "visible", True, description="the check cell's case: x")
    hidden = CaseVerdict("hidden-1", "hidden", False, "wrong", description="3 x 3 window")
    withheld = verdict.withhold_public_only([public, hidden])
    assert [v.description for v in withheld] == ["the check cell's case: x", "3 x 3 window"]
    assert withheld[0].hint == verdict.PUBLIC_ONLY_HINT
    assert not withheld[0].passed


def test_a_stored_result_keeps_descriptions_and_an_older_one_reads_without():
    """Does a Result's file keep each case's description, and does a file written before
    descriptions were kept still read, its cases described as ""?"""
    import json

    from autograder.grade.results import CaseVerdict, CellScore, Result

    verdicts = [
        CaseVerdict("public", "visible", True, description="the check cell's case: a"),
        CaseVerdict("hidden-1", "hidden", False, "out is all zeros", description="3 x 2 window"),
    ]
    cell = CellScore("ConvolutionalNetworks", "correct_x", "x", 2.0, 1.0, verdicts)
    result = Result("jdoe", "convnets", "f", "bwrap", cells=[cell])
    again = Result.from_json(result.to_json())
    assert again == result
    assert again.cells[0].cases[1].description == "3 x 2 window"
    older = json.loads(result.to_json())
    for case in older["cells"][0]["cases"]:
        del case["description"]
    read = Result.from_json(json.dumps(older))
    assert [case.description for case in read.cells[0].cases] == ["", ""]
    assert read.cells[0].cases[1].hint == "out is all zeros"


@pytest.mark.parametrize("name", ["public", "hidden-2"])
def test_a_case_that_reached_the_fast_layers_is_told_the_rule(name):
    """Does a case the harness recorded as "used fast layers" fail, visible or hidden, with a
    hint naming the naive function, the fast one, the student's line and the rule?"""
    case = case_of(f"correct_conv_backward_naive.{name}")
    error = {
        "kind": "used fast layers",
        "type": "FastLayersUsed",
        "message": "conv_backward_naive called the provided conv_backward_fast",
        "where": "cs231n/layers.py:447 in conv_backward_naive",
    }
    got = verdict.judge_case(case, CaseOutput("error", error=error), {})
    assert not got.passed
    assert got.hint == (
        "conv_backward_naive called the provided conv_backward_fast at cs231n/layers.py:447 in "
        "conv_backward_naive: the naive layers are graded on doing the work themselves (your "
        "own loops or vectorised numpy are fine; the provided fast_layers.py, called or copied "
        "in, is not)"
    )
    bare = verdict.judge_case(case, CaseOutput("error", error={"kind": "used fast layers"}), {})
    assert bare.hint.startswith("a naive layer used the provided fast layers: ")
    assert verdict.FAST_LAYERS_RULE in bare.hint


ALTERNATIVE_CONV = '''def conv_forward_naive(x, w, b, conv_param):
    """Explicit loops over examples, filters and positions; the padded input is cached."""
    stride, pads = check_conv_args(x, w, b, conv_param)
    pad_top, pad_bottom, pad_left, pad_right = pads
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad_top, pad_bottom), (pad_left, pad_right)))
    H_out = (x_pad.shape[2] - HH) // stride + 1
    W_out = (x_pad.shape[3] - WW) // stride + 1
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    patch = x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(patch * w[f]) + b[f]
    cache = {"x_pad": x_pad, "w": w, "stride": stride, "pads": pads, "shape": x.shape}
    return out, cache


def conv_backward_naive(dout, cache):
    x_pad, w, stride = cache["x_pad"], cache["w"], cache["stride"]
    pad_top, _, pad_left, _ = cache["pads"]
    N, C, H, W = cache["shape"]
    F, _, HH, WW = w.shape
    dx_pad, dw, db = np.zeros_like(x_pad), np.zeros_like(w), np.zeros(F)
    for n in range(N):
        for f in range(F):
            db[f] += dout[n, f].sum()
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    dw[f] += x_pad[n, :, rows, cols] * dout[n, f, i, j]
                    dx_pad[n, :, rows, cols] += w[f] * dout[n, f, i, j]
    return dx_pad[:, :, pad_top : pad_top + H, pad_left : pad_left + W], dw, db


'''

ALTERNATIVE_MAX_POOL_BACKWARD = '''def max_pool_backward_naive(dout, cache):
    """Loops, and a one-hot mask of each window's argmax."""
    x, pool_param = cache
    PH, PW, stride = check_pool_args(x, pool_param)
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + PH)
                    cols = slice(j * stride, j * stride + PW)
                    window = x[n, c, rows, cols]
                    mask = np.zeros(window.size)
                    mask[np.argmax(window)] = 1.0
                    dx[n, c, rows, cols] += mask.reshape(PH, PW) * dout[n, c, i, j]
    return dx


'''


def _replace_functions(first, upto, text):
    """(old, new) replacing layers.py from `def first(` up to `upto` with `text`."""
    source = (paths.PACKAGE_DIR / "layers.py").read_text(encoding="utf-8")
    start = source.index(f"def {first}(")
    end = source.index(upto, start)
    return (source[start:end], text)


@pytest.mark.slow
def test_a_correct_implementation_written_differently_gets_full_marks(run_grading, make_submission):
    """Do explicit-loop convolutions with another cache, and argmax masks, get every point?"""
    patches = {
        LAYERS: [
            _replace_functions("conv_forward_naive", "# ----", ALTERNATIVE_CONV),
            _replace_functions(
                "max_pool_backward_naive", "def avg_pool_forward_naive(",
                ALTERNATIVE_MAX_POOL_BACKWARD,
            ),
        ]
    }  # fmt: skip
    chosen = {
        "correct_conv_forward_naive",
        "correct_conv_forward_same",
        "correct_conv_backward_naive",
        "correct_conv_backward_same",
        "correct_conv_fast_matches_naive",
        "correct_max_pool_backward_naive",
        "correct_max_pool_fast_matches_naive",
    }
    graded = run_grading(make_submission(patches), only=chosen)
    assert graded.lost() == set(), [c.hint for s in graded.scores for c in s.cases if c.hint]
    assert len(graded.scores) == 7


# ---------------------------------------------------------------------------
# Reading outputs: untrusted files
# ---------------------------------------------------------------------------


def _npz_bytes(entries, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


@pytest.fixture
def one_case(tmp_path):
    """(case, outdir, write(bytes)): a small case and a place for its output file."""
    case = case_of("correct_max_pool_forward_naive.hidden-3")
    outdir = tmp_path / "out"
    outdir.mkdir()

    def write(data):
        (outdir / f"{case.id}.npz").write_bytes(data)
        return read_outputs(outdir, [case])[case.id]

    return case, outdir, write


def test_a_well_formed_record_is_read(one_case):
    """Are a record's status, outputs (big-endian, Fortran order too) and dicts read back?"""
    _, _, write = one_case
    out = np.asfortranarray(np.arange(6.0).reshape(2, 3)).astype(">f8")
    got = write(_npz_bytes({
        "status.npy": _npy("ok"), "out/out.npy": _npy(out), "out/grads/W1.npy": _npy([1, 2]),
        "bad/scores.npy": _npy("scores is None"),
    }))  # fmt: skip
    assert got.status == "ok"
    assert np.array_equal(got.outputs["out"], np.arange(6.0).reshape(2, 3))
    assert got.outputs["out"].dtype == np.float64
    assert got.outputs["out"].dtype.isnative
    assert np.array_equal(got.outputs["grads"]["W1"], [1, 2])
    assert got.bad == {"scores": "scores is None"}


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ({"out/out.npy": _npy([1.0])}, "has no status"),
        ({"status.npy": _npy("fine")}, "has no valid status"),
        ({"status.npy": _npy("error")}, "holds no error record"),
        ({"status.npy": _npy("ok"), "../../etc/x.npy": _npy([1.0])}, "unexpected entry"),
        ({"status.npy": _npy("ok"), "out/out.npy": _npy(["text"])}, "is not numeric"),
        ({"status.npy": _npy("ok"), "out/out.npy": _npy([1 + 2j])}, "not numbers"),
        ({"status.npy": _npy("ok"), "error/message.npy": _npy("x" * 5000)}, "short string"),
        ({"status.npy": _npy("ok"), "out/out.npy": b"not an array"}, "not a valid output"),
        ({f"bad/o{n}.npy": _npy("x") for n in range(300)}, "entries (at most 256)"),
    ],
)
def test_a_malformed_record_is_refused_with_the_reason(one_case, entries, reason):
    """Is each kind of malformed record refused, saying why, without raising?"""
    _, _, write = one_case
    got = write(_npz_bytes(entries))
    assert got.status == "refused"
    assert reason in got.problem


def test_a_file_that_is_not_a_zip_is_refused(one_case):
    """Is garbage in place of an .npz refused as "not a valid output file"?"""
    _, _, write = one_case
    got = write(b"PK\x03\x04 garbage" * 10)
    assert got.status == "refused"
    assert "not a valid output file (BadZipFile)" in got.problem


def test_a_missing_output_folder_makes_every_case_missing(tmp_path):
    """Does a run that left no output folder give "missing" for every case, and a problem?"""
    chosen = cell_of("correct_max_pool_forward_naive").cases
    outputs = read_outputs(tmp_path / "nothing", chosen)
    assert {out.status for out in outputs.values()} == {"missing"}
    assert outputs.problems == ["the harness left no output folder"]


# ---------------------------------------------------------------------------
# Hints for hidden cases: the symptom in words
# ---------------------------------------------------------------------------

E = np.random.RandomState(0).randn(2, 3, 5, 6)
LAYOUT = "(N, F, H', W')"


@pytest.mark.parametrize(
    ("actual", "expected_words"),
    [
        (E + 0.123, "is off by a constant everywhere"),
        (4 * E, "is 4 times the expected value"),
        (E / 3, "is 1/3 of the expected value"),
        (-E, "has the wrong sign everywhere"),
        (np.zeros_like(E), "is all zeros"),
        (np.where(np.arange(6) == 0, np.nan, E), "has NaN or inf in 30 of 180 entries"),
        (E[:, :, ::-1, :], "reversed along axis 2 (H')"),
        (E[:, :, ::-1, ::-1], "reversed along axis 2 (H') and axis 3 (W')"),
        (E + 0.7 * np.arange(3)[None, :, None, None], "off by a constant per index of axis 1"),
        (np.where(np.arange(6)[None, None, None, :] == 5, E + 1, E), "only on the border"),
        (np.where(np.arange(2)[:, None, None, None] == 1, 2 * E, E), "only at 1 of the 2"),
        (E.astype(np.float32), "a loss of precision (float32 somewhere?)"),
        (E.astype(np.int64), "has an integer dtype"),
        (E + 1e-9, "close to the expected output but not within the threshold"),
        (E[:, :, :4, :], "axis 2 (H') is 4, expected 5: check H'"),
        (np.transpose(E, (0, 1, 3, 2)), "the right values with its axes in the wrong order"),
    ],
)
def test_hidden_notes_name_the_symptom_and_no_value(actual, expected_words):
    """Does each kind of wrong output get its symptom, with no number taken from the key?"""
    notes = hidden_notes("out", actual, E, 1e-9, LAYOUT, {"H'": "check H'"})
    text = "; ".join(notes)
    assert expected_words in text
    assert not FLOAT_LITERAL.search(text.replace("float32", "")), text
    assert not any(f"{v:.3g}" in text for v in E.ravel() if abs(v) < 1), text


def test_hidden_notes_pass_a_right_output_and_compare_dicts_key_by_key():
    """Is a right output free of notes, and a dict of grads checked key by key?"""
    assert hidden_notes("out", E.copy(), E, 1e-7) == []
    grads = {"W1": E, "b1": E[0, 0, 0]}
    assert hidden_notes("grads", {"W1": E, "b1": 2 * E[0, 0, 0]}, grads, 1e-7) == [
        "grads['b1'] is 2 times the expected value: a sum where a mean belongs, or a "
        "division missing?"
    ]
    assert "missing ['b1']" in hidden_notes("grads", {"W1": E}, grads, 1e-7)[0]
    assert hidden_notes("out", E.astype(np.float32), E, 1e-6) == [
        "out has dtype float32: precision is lost (use the inputs' dtype)"
    ]


# ---------------------------------------------------------------------------
# Scores, and the property judges
# ---------------------------------------------------------------------------


def test_points_are_the_cells_points_times_the_fraction_passed(answer_key):
    """Are a cell's points rounded to 2 decimals of points x passed / total, case by case?"""
    cell = cell_of("correct_conv_forward_naive")  # 3 points, 5 cases
    outputs = {}
    for n, case in enumerate(cell.cases):
        expected = answer_key[case.id]["outputs"]["out"]
        outputs[case.id] = CaseOutput("ok", outputs={"out": expected if n < 2 else -expected})
    (score,) = verdict.score_cells(outputs, answer_key, [cell])
    assert score.points == 1.2
    assert [case.passed for case in score.cases] == [True, True, False, False, False]
    assert score.cases[2].hint == "out has the wrong sign everywhere"
    odd = replace(cell, points=2.0, cases=cell.cases[:3])
    (score,) = verdict.score_cells(outputs, answer_key, [odd])
    assert score.points == 1.33


def test_a_judge_that_raises_flags_the_cell_for_hand_grading(answer_key, monkeypatch):
    """When the grader's own judge raises on a case, does the case count as failed (no points
    for crashing it), with a hint that blames the grader, and is the cell flagged for the
    instructor to grade by hand?"""
    cell = cell_of("correct_conv_forward_naive")
    outputs = {
        case.id: CaseOutput("ok", outputs={"out": answer_key[case.id]["outputs"]["out"]})
        for case in cell.cases
    }
    (clean,) = verdict.score_cells(outputs, answer_key, [cell])
    assert clean.points == cell.points
    assert clean.flag is None
    broken = cell.cases[1].id

    def compare(case, output, entry):
        if case.id == broken:
            raise TypeError("unsupported operand type(s)")
        return []

    monkeypatch.setattr(verdict, "_compare_outputs", compare)
    (score,) = verdict.score_cells(outputs, answer_key, [cell])
    assert score.points == round(cell.points * (len(cell.cases) - 1) / len(cell.cases), 2)
    (unjudged,) = [case for case in score.cases if not case.passed]
    assert unjudged.name == cell.cases[1].name
    assert "TypeError: unsupported operand" in unjudged.unjudged
    assert "fault of the grader, not of your code" in unjudged.hint
    assert score.flag.startswith("GRADER ERROR")
    assert unjudged.name in score.flag
    assert "grade this cell by hand" in score.flag


def _initial_loss_outputs(case):
    inputs = case.inputs()
    with verdict._global_rng_kept():
        np.random.seed(case.np_seed)  # noqa: NPY002
        outputs = programs.convnet_initial_loss(inputs)
    record = harness.to_record(outputs)
    return CaseOutput("ok", outputs=verdict._record_outputs(record))


@pytest.mark.parametrize("name", ["public", "hidden-1", "hidden-2"])
def test_the_initial_loss_judge_passes_the_solution_and_names_each_fault(name, answer_key):
    """Does the solution's init pass, and a wrong scale, bias or reg term fail with its hint?"""
    case = case_of(f"correct_three_layer_convnet_initial_loss.{name}")
    entry = answer_key[case.id]
    assert verdict.judge_case(case, _initial_loss_outputs(case), entry).passed
    faults = {
        "standard deviation too large": lambda o: o.outputs["params"].update(
            W1=10 * o.outputs["params"]["W1"]
        ),
        "is not all zeros": lambda o: o.outputs["params"]["b2"].__iadd__(0.1),
        "loss with regularisation is wrong": lambda o: o.outputs.update(
            loss_reg=2 * o.outputs["loss_reg"] - o.outputs["loss"]
        ),
        "keys": lambda o: o.outputs["params"].pop("b3"),
    }
    for words, fault in faults.items():
        output = _initial_loss_outputs(case)
        fault(output)
        verdict_ = verdict.judge_case(case, output, entry)
        assert not verdict_.passed
        assert words in verdict_.hint
        if case.visibility == "hidden":
            assert not FLOAT_LITERAL.search(verdict_.hint), verdict_.hint


def test_the_training_judges_score_params_with_the_instructors_model(answer_key):
    """Do untrained params fail both training cells, and a wrong epoch count fail its own?"""
    from cs231n.classifiers.cnn import ThreeLayerConvNet

    with verdict._global_rng_kept():
        np.random.seed(1)  # noqa: NPY002
        params = ThreeLayerConvNet(weight_scale=1e-3, hidden_dim=20).params
    overfit = case_of("correct_overfit_small_data.hidden-1")
    got = verdict.judge_case(
        overfit, CaseOutput("ok", outputs={"params": params}), answer_key[overfit.id]
    )
    assert not got.passed
    assert "of the training images, the cell needs 80%" in got.hint
    train = case_of("correct_train_one_epoch.hidden-1")
    output = CaseOutput("ok", outputs={"params": params, "epoch": np.array(2)})
    got = verdict.judge_case(train, output, answer_key[train.id])
    assert "an epoch count of 2; exactly one is asked for" in got.hint
    assert "of held-out images, this check requires 45% (chance is 33%)" in got.hint
    output = CaseOutput("ok", outputs={"params": {"W": params["W1"]}, "epoch": np.array(1)})
    got = verdict.judge_case(train, output, answer_key[train.id])
    assert "not W1, b1, W2, b2, W3, b3" in got.hint


def test_the_answer_key_is_cached_in_a_file(tmp_path, monkeypatch):
    """Is the key read back from its file, not recomputed, while nothing it depends on changed?"""
    chosen = cell_of("correct_max_pool_forward_naive").cases
    first = verdict.answer_key(chosen, cache=tmp_path)
    files = list(tmp_path.glob("answer-key-*.npz"))
    assert len(files) == 1
    monkeypatch.setattr(verdict, "_KEYS", {})
    monkeypatch.setattr(verdict, "_key_of", lambda case: pytest.fail("recomputed"))
    again = verdict.answer_key(chosen, cache=tmp_path)
    for case in chosen:
        assert np.array_equal(again[case.id]["outputs"]["out"], first[case.id]["outputs"]["out"])
    with np.load(files[0], allow_pickle=False) as data:
        assert "meta" in data.files
