"""Tests of cs231n/checks.py: the verdicts and diagnoses check cells print.

Each diagnosis is triggered by a planted mistake on the committed reference
outputs (assignment/reference/) or on small arrays built here; the tests read
what a student would read on stdout.
"""

import numpy as np
import pytest

from cs231n import checks as checks_module
from cs231n.checks import (
    REFERENCE_DIR,
    TRAINING_PARTS,
    CheckFailed,
    NotImplementedYet,
    SoftmaxClassifier,
    check,
    check_at_least,
    check_close,
    check_equal,
    checking,
    finished,
    load_reference,
    reference_inputs,
)
from cs231n.gradient_check import check_gradients


def expected(name, output="out"):
    return load_reference(name).outputs[output]


def failure(capsys, run):
    """Run a check that must fail; return (what it printed, the exception)."""
    with pytest.raises(CheckFailed) as info:
        run()
    captured = capsys.readouterr()
    assert captured.err == "", "checks must print on stdout only"
    return captured.out, info.value


# ---------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------


def test_a_right_output_passes_with_one_verdict_line(capsys):
    """Does a right output print one PASSED line with the error and threshold, and return None?"""
    assert check("conv_forward_naive", expected("conv_forward_naive")) is None
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "conv_forward_naive: PASSED (relative error 0.0e+00; threshold 1e-07)"
    ]


def test_several_outputs_are_reported_on_one_line(capsys):
    """Does a backward check list the error of dx, dw and db on its verdict line?"""
    ref = load_reference("conv_backward_naive")
    check("conv_backward_naive", *ref.outputs.values())
    out = capsys.readouterr().out
    assert out.startswith("conv_backward_naive: PASSED (relative errors: dx 0.0e+00, dw 0.0e+00")


def test_a_failure_raises_checkfailed_with_a_short_message(capsys):
    """Does a wrong output print FAILED, then raise an AssertionError that IPython shows as one
    line?"""
    out, error = failure(
        capsys, lambda: check("conv_forward_naive", expected("conv_forward_naive") + 1)
    )
    assert out.startswith("conv_forward_naive: FAILED (relative error ")
    assert isinstance(error, AssertionError)
    assert error._render_traceback_() == ["CheckFailed: conv_forward_naive: out wrong (see above)"]


def test_the_wrong_number_of_outputs_is_a_type_error():
    """Is passing dx, dw without db to a backward check a TypeError naming the outputs?"""
    ref = load_reference("conv_backward_naive")
    with pytest.raises(TypeError, match=r"takes 3 output\(s\) \(dx, dw, db\), got 2"):
        check("conv_backward_naive", ref.outputs["dx"], ref.outputs["dw"])


def test_reference_inputs_are_fresh_copies_in_call_order():
    """Are the inputs returned in call order, with conv_param rebuilt as a dict, and fresh each
    time?"""
    x, w, b, conv_param = reference_inputs("conv_forward_naive")
    assert conv_param == {"stride": 2, "pad": 1}
    assert (x.shape, w.shape, b.shape) == ((2, 3, 9, 7), (4, 3, 3, 3), (4,))
    x[...] = 0
    conv_param["pad"] = 0
    x2, _, _, conv_param2 = reference_inputs("conv_forward_naive")
    assert np.any(x2)
    assert conv_param2["pad"] == 1


def test_a_missing_reference_file_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match="keep the reference/ folder beside cs231n/"):
        load_reference("conv_forward_naive", reference_dir=tmp_path)


# ---------------------------------------------------------------------------
# Diagnoses of planted mistakes
# ---------------------------------------------------------------------------


def test_bias_added_twice_is_named(capsys):
    """Is an output off by b per channel diagnosed as "b added twice"?"""
    _, _, b, _ = reference_inputs("conv_forward_naive")
    out, _ = failure(
        capsys,
        lambda: check("conv_forward_naive", expected("conv_forward_naive") + b[:, None, None]),
    )
    assert "off by a constant per index of axis 1 (F)" in out
    assert "the offset is exactly b: is b added twice?" in out


def test_bias_missing_is_named(capsys):
    _, _, b, _ = reference_inputs("conv_forward_naive")
    out, _ = failure(
        capsys,
        lambda: check("conv_forward_naive", expected("conv_forward_naive") - b[:, None, None]),
    )
    assert "the offset is exactly -b: is b never added?" in out


def test_a_constant_offset_everywhere_is_named(capsys):
    out, _ = failure(
        capsys, lambda: check("conv_forward_naive", expected("conv_forward_naive") + 0.25)
    )
    assert "off by the constant 0.25 everywhere" in out


@pytest.mark.parametrize(
    ("factor", "words"),
    [(2.0, "twice the expected value"), (0.5, "half the expected value"), (4.0, "4 times")],
)
def test_a_scale_factor_is_named(capsys, factor, words):
    """Is a missing 0.5 (or 1/N) recognised as a scale factor?"""
    out, _ = failure(
        capsys, lambda: check("conv_forward_naive", factor * expected("conv_forward_naive"))
    )
    assert words in out


def test_a_flipped_sign_is_named(capsys):
    out, _ = failure(capsys, lambda: check("conv_forward_naive", -expected("conv_forward_naive")))
    assert "wrong sign everywhere" in out


def test_swapped_axes_of_the_same_size_are_named(capsys):
    """Does an output equal to the expected one with H' and W' swapped say so?"""
    e = np.random.RandomState(0).randn(2, 3, 4, 4)
    out, _ = failure(
        capsys, lambda: check_close("pool", e.swapaxes(2, 3), e, layout="(N, C, H', W')")
    )
    assert "axis 2 (H') and axis 3 (W') swapped" in out


def test_permuted_axes_with_the_wrong_shape_are_named(capsys):
    """Is a channels-last output recognised, with the transpose that fixes it?"""
    wrong = expected("conv_forward_naive").transpose(0, 2, 3, 1)
    out, _ = failure(capsys, lambda: check("conv_forward_naive", wrong))
    assert "has shape (2, 5, 4, 4), expected (2, 4, 5, 4) (N, F, H', W')" in out
    assert "right values with its axes in the wrong order: out.transpose(0, 3, 1, 2)" in out


def test_a_wrong_axis_size_names_the_axis_and_the_formula(capsys):
    """Does an output with the stride forgotten in H' name axis 2 (H') and its formula?"""
    wrong = np.zeros((2, 4, 9, 4))
    out, _ = failure(capsys, lambda: check("conv_forward_naive", wrong))
    assert "axis 2 (H') is 9, expected 5: H' = 1 + (H + pad_top + pad_bottom - HH) // stride" in out


def test_a_wrong_number_of_axes_is_named(capsys):
    out, _ = failure(capsys, lambda: check("conv_forward_naive", expected("conv_forward_naive")[0]))
    assert "has 3 axes; 4 expected (N, F, H', W')" in out


def test_a_reshaped_output_is_named(capsys):
    out, _ = failure(
        capsys, lambda: check("conv_forward_naive", expected("conv_forward_naive").reshape(2, -1))
    )
    assert "right number of entries in the wrong shape" in out


def test_only_the_border_wrong_points_at_the_padding(capsys):
    """Does an output right inside but wrong on its border blame the padding, naming the sides?"""
    wrong = expected("conv_forward_naive").copy()
    wrong[:, :, -1, :] += 1.0
    wrong[:, :, :, 0] -= 1.0
    out, _ = failure(capsys, lambda: check("conv_forward_naive", wrong))
    assert "wrong only on the border of H' x W' (bottom and left" in out
    assert "check the padding" in out


def test_one_wrong_example_is_named(capsys):
    wrong = expected("conv_forward_naive").copy()
    wrong[1] += np.random.RandomState(1).randn(*wrong[1].shape)
    out, _ = failure(capsys, lambda: check("conv_forward_naive", wrong))
    assert "wrong only at index 1 of axis 0 (N)" in out


def test_nan_entries_are_counted_and_located(capsys):
    wrong = expected("conv_forward_naive").copy()
    wrong[0, 1, 2, 3] = np.nan
    wrong[1, 0, 0, 0] = np.inf
    out, _ = failure(capsys, lambda: check("conv_forward_naive", wrong))
    assert "FAILED (NaN or inf;" in out
    assert "1 NaN and 1 inf entries (the first at out[0, 1, 2, 3])" in out


@pytest.mark.parametrize(
    ("dtype", "words"),
    [(np.int64, "dtype int64, expected float64: an integer array truncates"),
     (np.float32, "dtype float32, expected float64: precision is lost")],
)  # fmt: skip
def test_a_lossy_dtype_is_named(capsys, dtype, words):
    out, _ = failure(
        capsys, lambda: check("conv_forward_naive", expected("conv_forward_naive").astype(dtype))
    )
    assert words in out


def test_a_whole_tuple_is_named(capsys):
    """Does passing `out, cache` where out belongs say so?"""
    out, _ = failure(
        capsys, lambda: check("conv_forward_naive", (expected("conv_forward_naive"), None))
    )
    assert "is a tuple of 2, not an array" in out


def test_none_is_named(capsys):
    out, _ = failure(capsys, lambda: check("conv_forward_naive", None))
    assert "out is None: does your function return it" in out


def test_all_zeros_is_named(capsys):
    out, _ = failure(capsys, lambda: check("conv_forward_naive", np.zeros((2, 4, 5, 4))))
    assert "out is all zeros" in out


def test_the_worst_entry_is_always_shown(capsys):
    wrong = expected("conv_forward_naive").copy()
    wrong[1, 2, 3, 1] = 100.0
    out, _ = failure(capsys, lambda: check("conv_forward_naive", wrong))
    assert "worst entry out[1, 2, 3, 1]: yours 100" in out
    assert "(1 of 160 entries off)" in out


def test_a_near_miss_suggests_precision(capsys):
    """Is an error just above the threshold reported as a near miss, not as a structure?"""
    e = np.linspace(1, 2, 20)
    wrong = e * (1 + 3e-7 * np.sin(np.arange(20)))
    out, _ = failure(capsys, lambda: check_close("near", wrong, e))
    assert "close to the expected output, but not within the threshold" in out


def test_a_gradient_missing_a_regularisation_term_names_the_term(capsys):
    """Is a W1 gradient missing reg * W1 diagnosed with the term and the input it comes from?"""
    ref = load_reference("three_layer_convnet_loss")
    params, reg = ref.inputs["params"], ref.inputs["config"]["reg"]
    grads = dict(ref.outputs["grads"])
    grads["W1"] = grads["W1"] - reg * params["W1"]
    out, error = failure(
        capsys,
        lambda: check(
            "three_layer_convnet_loss", ref.outputs["scores"], ref.outputs["loss"], grads
        ),
    )
    assert "loss 0.0e+00, grads 1.0e+00, wrong: W1; threshold 1e-07)" in out
    assert "-0.1 * params['W1']: is a term 0.1 * params['W1'] missing?" in out
    assert str(error) == "three_layer_convnet_loss: grads wrong (see above)"


def test_a_dict_with_missing_keys_is_named(capsys):
    ref = load_reference("three_layer_convnet_loss")
    grads = {k: v for k, v in ref.outputs["grads"].items() if k != "b3"}
    out, _ = failure(
        capsys,
        lambda: check(
            "three_layer_convnet_loss", ref.outputs["scores"], ref.outputs["loss"], grads
        ),
    )
    assert "missing ['b3']" in out


# ---------------------------------------------------------------------------
# checking(): unimplemented functions and strict gradient checks
# ---------------------------------------------------------------------------


def conv_forward_stub(x, w, b, conv_param):
    raise NotImplementedError(
        "conv_forward_stub: not implemented yet; write it in cs231n/layers.py"
    )


def test_an_unimplemented_function_gives_one_friendly_line(capsys):
    """Does a NotImplementedError inside `checking` become one line naming the function?"""
    with pytest.raises(NotImplementedYet) as info, checking("conv_forward_naive"):
        conv_forward_stub(*reference_inputs("conv_forward_naive"))
    lines = info.value._render_traceback_()
    assert lines == [
        "Not implemented yet: conv_forward_stub (test_checks.py); the conv_forward_naive check "
        "needs it. Write it, then run this cell again."
    ]
    assert info.value.__suppress_context__
    assert capsys.readouterr().out == ""


def test_a_function_of_the_package_is_located_in_cs231n(monkeypatch):
    """Is a stub raising inside the package reported with its path under cs231n/?"""
    from cs231n import layers

    def raise_here(*args):
        raise NotImplementedError

    # A function whose code object claims to live in cs231n/layers.py, as a stripped stub does.
    names = {"co_name": "conv_forward_naive"}
    if hasattr(raise_here.__code__, "co_qualname"):  # Python 3.11+
        names["co_qualname"] = "conv_forward_naive"
    raise_here.__code__ = raise_here.__code__.replace(co_filename=layers.__file__, **names)
    with pytest.raises(NotImplementedYet) as info, checking("conv_forward_naive"):
        raise_here()
    assert str(info.value) == (
        "Not implemented yet: conv_forward_naive (cs231n/layers.py). Write it, then run this "
        "cell again."
    )


def test_a_strict_gradient_check_becomes_a_short_failure(capsys):
    """Does check_gradients(strict=True) failing inside `checking` give a CheckFailed?"""
    with pytest.raises(CheckFailed) as info, checking("grads"):
        check_gradients({"W": np.ones(3)}, {"W": 2 * np.ones(3)}, strict=True)
    assert "W: received derivative 1" in str(info.value)
    assert len(info.value._render_traceback_()) == 1


def test_other_errors_pass_through_unchanged():
    """Does a bug (an IndexError, a plain assert) keep its own exception and traceback?"""
    with pytest.raises(IndexError), checking("conv_forward_naive"):
        [][1]
    with pytest.raises(AssertionError) as info, checking("conv_forward_naive"):
        raise AssertionError("student's own assert")
    assert not isinstance(info.value, CheckFailed)


# ---------------------------------------------------------------------------
# check_at_least, check_equal
# ---------------------------------------------------------------------------


def test_check_at_least(capsys):
    check_at_least("best training accuracy", 0.93, 0.8)
    assert capsys.readouterr().out == "best training accuracy: PASSED (0.93 >= 0.8)\n"
    out, _ = failure(capsys, lambda: check_at_least("acc", 0.12, 0.8, hint="train longer"))
    assert out.splitlines() == ["acc: FAILED (0.12 < 0.8)", "  - hint: train longer"]
    out, _ = failure(capsys, lambda: check_at_least("acc", float("nan"), 0.8))
    assert "FAILED (nan < 0.8)" in out


def test_check_equal(capsys):
    check_equal("shape", (2, 3), (2, 3))
    assert capsys.readouterr().out == "shape: PASSED ((2, 3))\n"
    out, _ = failure(capsys, lambda: check_equal("shape", (2, 4), (2, 3)))
    assert "  - yours:    (2, 4)" in out
    assert "  - expected: (2, 3)" in out


# ---------------------------------------------------------------------------
# What earlier checks showed: OUTCOMES, suspects, finished
# ---------------------------------------------------------------------------


@pytest.fixture
def outcomes(monkeypatch):
    """A fresh OUTCOMES for the test (the module keeps one per session)."""
    fresh = {}
    monkeypatch.setattr(checks_module, "OUTCOMES", fresh)
    return fresh


def test_checking_records_how_each_check_ended(outcomes):
    """Is a block recorded as passed, failed, not implemented or raised, by its check's name?"""
    with checking("a"):
        pass
    with pytest.raises(CheckFailed), checking("b"):
        raise CheckFailed("b: wrong")
    with pytest.raises(NotImplementedYet), checking("c"):
        raise NotImplementedError("c")
    with pytest.raises(KeyError), checking("d"):
        raise KeyError("velocity")
    assert outcomes == {"a": "passed", "b": "failed", "c": "not implemented", "d": "raised"}
    with checking("b"):
        pass
    assert outcomes["b"] == "passed"


def test_a_failed_training_check_names_the_parts_to_suspect_first(capsys, outcomes):
    """Does a failed check_at_least list failed and unrun parts before the ones that passed?"""
    outcomes.update({"adam": "failed", "solver_step": "passed", "model": "not implemented"})
    suspects = {
        "adam": "the update rule",
        "solver_step": "the Solver's step",
        "model": "the model",
        "accuracy": "the accuracy",
    }
    out, _ = failure(
        capsys, lambda: check_at_least("acc", 0.1, 0.8, hint="else: settings", suspects=suspects)
    )
    assert out.splitlines() == [
        "acc: FAILED (0.1 < 0.8)",
        "  - suspect first the update rule: the adam check failed above",
        "  - suspect first the model: the model check found a function not implemented yet",
        "  - not checked in this session (run their cells): the accuracy (accuracy)",
        "  - passed their checks above, so suspect them less: the Solver's step (solver_step)",
        "  - hint: else: settings",
    ]


def test_when_every_part_passed_the_hint_comes_after_saying_so(capsys, outcomes):
    """With every suspect's check passed, are they listed as passed, then the hint?"""
    outcomes.update({"adam": "passed"})
    out, _ = failure(
        capsys,
        lambda: check_at_least("acc", 0.1, 0.8, hint="settings", suspects={"adam": "the rule"}),
    )
    assert out.splitlines()[1:] == [
        "  - passed their checks above: the rule (adam)",
        "  - hint: settings",
    ]


def test_the_training_parts_name_checks_of_the_notebook():
    """Does every check TRAINING_PARTS names exist as a checking(...) of ConvolutionalNetworks?"""
    source = (REFERENCE_DIR.parent.parent / "notebooks" / "ConvolutionalNetworks.py").read_text()
    for name in TRAINING_PARTS:
        assert f'checking("{name}")' in source, name


def test_finished_says_in_one_line_why_there_is_nothing_to_show(capsys, outcomes):
    """Does finished() allow a passed or failed check, and print one line otherwise?"""
    outcomes.update({"ran": "passed", "low": "failed", "broke": "raised"})
    assert finished("ran", "the plot")
    assert finished("low", "the plot")
    assert capsys.readouterr().out == ""
    assert not finished("broke", "the plot")
    assert not finished("never", "the filters")
    assert capsys.readouterr().out.splitlines() == [
        "Nothing to show for the plot: the broke cell above stopped early (raised). Run it "
        "again once it works, then this cell.",
        "Nothing to show for the filters: the never cell above has not run in this session. "
        "Run it again once it works, then this cell.",
    ]


# ---------------------------------------------------------------------------
# The update rules' and the Solver's reference files
# ---------------------------------------------------------------------------


def test_a_config_of_arrays_and_numbers_comes_back_as_one_dict():
    """Does an update rule's config come back with its hyperparameters and state arrays?"""
    w, dws, config = reference_inputs("adam")
    assert dws.shape == (3, *w.shape)
    assert set(config) == {"learning_rate", "beta1", "beta2", "epsilon", "m", "v", "t"}
    assert config["t"] == 4
    assert isinstance(config["learning_rate"], float)
    assert config["m"].shape == config["v"].shape == w.shape


def test_the_softmax_classifier_has_right_gradients_and_the_solvers_api():
    """Are SoftmaxClassifier's gradients those of its loss, and its scores (N, C) without y?"""
    from cs231n.gradient_check import eval_numerical_gradient

    rng = np.random.RandomState(0)
    model = SoftmaxClassifier({"W": rng.randn(6, 4), "b": rng.randn(4)})
    X, y = rng.randn(5, 2, 3), rng.randint(4, size=5)
    assert model.loss(X).shape == (5, 4)
    loss, grads = model.loss(X, y)
    assert np.isfinite(loss)
    assert set(grads) == {"W", "b"}
    for name in ("W", "b"):
        numeric = eval_numerical_gradient(
            lambda _: model.loss(X, y)[0], model.params[name], verbose=False
        )
        assert np.allclose(grads[name], numeric, rtol=1e-6, atol=1e-8)


def test_the_hand_worked_check_accuracy_case_is_five_of_seven():
    """Are the saved labels the model's predictions on 5 of 7 examples, the last one right?"""
    params, X, y, batch_size, _ = reference_inputs("solver_check_accuracy")
    right = np.argmax(SoftmaxClassifier(params).loss(X), axis=1) == y
    assert right.sum() == 5
    assert right[-1]
    assert len(y) % batch_size == 1
    assert load_reference("solver_check_accuracy").outputs["accuracy"] == pytest.approx(5 / 7)


def test_a_failed_reference_check_names_the_earlier_checks_of_code_it_runs(capsys, outcomes):
    """Does check(..., suspects=...) name a failed earlier check after the diagnosis?"""
    outcomes.update({"sgd_momentum": "failed"})
    wrong = expected("conv_forward_naive") + 1
    out, _ = failure(
        capsys,
        lambda: check("conv_forward_naive", wrong, suspects={"sgd_momentum": "the rule"}),
    )
    assert "  - suspect first the rule: the sgd_momentum check failed above" in out.splitlines()
