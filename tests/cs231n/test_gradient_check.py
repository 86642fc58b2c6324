"""Tests of cs231n/gradient_check.py against functions whose gradients are known in closed form.

Oracles: analytic derivatives of simple functions (sum(x**3) -> 3 x**2, linear
maps -> their transposes, quadratics -> Q x + b), relative errors worked out
by hand, and gradients with one entry planted wrong.
"""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

from cs231n.gradient_check import (
    check_gradient,
    check_gradients,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    eval_numerical_gradient_blobs,
    eval_numerical_gradient_net,
    grad_check_sparse,
    rel_error,
)


def away_from_zero(rng, shape):
    """Random values in +-[0.5, 1.5], where x**3 and friends are well conditioned."""
    return rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


def hand_rel_error(a, b):
    """CS231n's relative error of two numbers, written out."""
    return abs(a - b) / max(1e-8, abs(a) + abs(b))


# ---------------------------------------------------------------------------
# rel_error


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (1.0, 1.0, 0.0),
        (1.0, 3.0, 2.0 / 4.0),
        (-1.0, 1.0, 1.0),
        (0.0, 0.0, 0.0),
        (0.0, 1e-9, 1e-9 / 1e-8),  # the 1e-8 floor, not 1e-9 / 1e-9
        ([1.0, 2.0], [1.0, 2.2], 0.2 / 4.2),
        ([[1.0, 10.0], [0.0, -2.0]], [[1.0, 10.5], [0.0, -2.0]], 0.5 / 20.5),
    ],
)
def test_rel_error_by_hand(x, y, expected):
    """Is rel_error max |x - y| / max(1e-8, |x| + |y|) on cases worked out by hand?"""
    result = rel_error(np.array(x), np.array(y))
    assert isinstance(result, float)
    assert result == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_rel_error_scalars_and_empty_arrays():
    """Does rel_error take plain Python scalars, and give 0.0 for two empty arrays?"""
    assert rel_error(2.0, 2.5) == pytest.approx(0.5 / 4.5)
    assert rel_error(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0


def test_rel_error_refuses_to_broadcast():
    """Is a shape mismatch a ValueError naming both shapes, even when numpy would broadcast?"""
    with pytest.raises(ValueError, match=re.escape("x.shape = (3,) and y.shape = (1, 3)")):
        rel_error(np.ones(3), np.ones((1, 3)))
    with pytest.raises(ValueError, match=re.escape("x.shape = (2, 3) and y.shape = ()")):
        rel_error(np.ones((2, 3)), 1.0)


def test_rel_error_nan_is_not_small():
    """Does a nan make rel_error nan, so that `rel_error(...) < 1e-7` fails?"""
    assert np.isnan(rel_error(np.array([1.0, np.nan]), np.array([1.0, 1.0])))
    assert np.isnan(rel_error(np.array([np.inf]), np.array([1.0])))


# ---------------------------------------------------------------------------
# eval_numerical_gradient


def test_numerical_gradient_of_sum_of_cubes():
    """Is the numeric gradient of sum(x**3) equal to 3 x**2?"""
    rng = np.random.default_rng(0)
    x = away_from_zero(rng, (3, 4))
    grad = eval_numerical_gradient(lambda x: np.sum(x**3), x, verbose=False)
    assert grad.shape == x.shape
    assert rel_error(grad, 3 * x**2) < 1e-8


def test_numerical_gradient_restores_x_exactly():
    """Is x bit-for-bit the same after the numeric gradient, though it was perturbed in place?"""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 2))
    before = x.copy()
    seen = []

    def f(z):
        seen.append(z is x)
        return np.sum(np.sin(z))

    eval_numerical_gradient(f, x, verbose=False)
    np.testing.assert_array_equal(x, before)
    assert all(seen)  # f saw x itself, perturbed in place


def test_numerical_gradient_restores_x_when_f_raises():
    """If f raises half way, is x restored before the error propagates?"""
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f(z):
        calls.append(None)
        if len(calls) == 4:
            raise RuntimeError("boom")
        return np.sum(z)

    with pytest.raises(RuntimeError, match="boom"):
        eval_numerical_gradient(f, x, verbose=False)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def test_numerical_gradient_verbose_prints_index_and_value(capsys):
    """With verbose=True, is each index printed with its gradient, on stdout only?"""
    x = np.array([[1.0, 2.0]])
    eval_numerical_gradient(lambda x: np.sum(x**2), x)
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("(0, 0) ")
    assert float(lines[0].split()[-1]) == pytest.approx(2.0, rel=1e-8)
    assert lines[1].startswith("(0, 1) ")
    assert float(lines[1].split()[-1]) == pytest.approx(4.0, rel=1e-8)
    eval_numerical_gradient(lambda x: np.sum(x**2), x, verbose=False)
    assert capsys.readouterr() == ("", "")


def test_numerical_gradient_needs_floats():
    """Is an integer x (which cannot hold x + h) a TypeError naming x?"""
    with pytest.raises(TypeError, match="x must be an array of floats"):
        eval_numerical_gradient(np.sum, np.arange(3), verbose=False)
    with pytest.raises(TypeError, match="x must be a numpy array"):
        eval_numerical_gradient(np.sum, [1.0, 2.0], verbose=False)


@settings(max_examples=20, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), seed=st.integers(0, 2**31 - 1))
def test_numerical_gradient_of_quadratics(shape, seed):
    """For any shape, is the numeric gradient of 0.5 x.Qx + b.x equal to Q x + b?"""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    A = rng.standard_normal((n, n))
    Q = A + A.T
    b = rng.standard_normal(n)
    x = rng.standard_normal(shape)

    def f(x):
        flat = x.ravel()
        return 0.5 * flat @ Q @ flat + b @ flat

    grad = eval_numerical_gradient(f, x, verbose=False)
    expected = (Q @ x.ravel() + b).reshape(shape)
    # A quadratic has no third derivative: only rounding separates the two.
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------
# eval_numerical_gradient_array, _blobs, _net


def test_numerical_gradient_array_of_a_linear_map():
    """For f(x) = x @ A and upstream df, is the numeric gradient df @ A.T?"""
    rng = np.random.default_rng(2)
    A = rng.standard_normal((3, 4))
    x = rng.standard_normal((2, 3))
    df = rng.standard_normal((2, 4))
    grad = eval_numerical_gradient_array(lambda x: x @ A, x, df)
    np.testing.assert_allclose(grad, df @ A.T, rtol=1e-7, atol=1e-9)


def test_numerical_gradient_array_copies_a_reused_output_buffer():
    """Does it still work when f writes into and returns the same buffer every call?"""
    buffer = np.zeros(3)

    def f(x):
        np.multiply(x, 2.0, out=buffer)
        return buffer

    x = np.array([1.0, -1.0, 0.5])
    grad = eval_numerical_gradient_array(f, x, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(grad, [2.0, 4.0, 6.0], rtol=1e-9)


def test_numerical_gradient_array_checks_df_shape():
    """Is a df that does not match f(x) a ValueError with both shapes?"""
    with pytest.raises(
        ValueError, match=re.escape("df must have the shape of f(x) (2,), got (3,)")
    ):
        eval_numerical_gradient_array(lambda x: 2 * x, np.ones(2), np.ones(3))


class Blob:
    """Values and their gradients, as the blob helpers expect."""

    def __init__(self, vals):
        self.vals = vals
        self.diffs = np.zeros_like(vals)


def test_numerical_gradient_blobs_of_a_matrix_product():
    """For out = a @ B and upstream out.diffs, are the gradients diffs @ B.T and a.T @ diffs?"""
    rng = np.random.default_rng(3)
    a, B = Blob(rng.standard_normal((2, 3))), Blob(rng.standard_normal((3, 4)))
    out = Blob(np.zeros((2, 4)))
    out.diffs = rng.standard_normal((2, 4))
    a_before, B_before = a.vals.copy(), B.vals.copy()

    def f(a, B, out):
        out.vals = a.vals @ B.vals

    da, dB = eval_numerical_gradient_blobs(f, (a, B), out)
    np.testing.assert_allclose(da, out.diffs @ B.vals.T, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(dB, a.vals.T @ out.diffs, rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(a.vals, a_before)
    np.testing.assert_array_equal(B.vals, B_before)


def test_numerical_gradient_net():
    """Does the net variant call net.forward() and give the same gradients?"""
    rng = np.random.default_rng(4)
    x = Blob(rng.standard_normal(5))
    out = Blob(np.zeros(5))
    out.diffs = rng.standard_normal(5)

    class Net:
        def forward(self):
            np.multiply(x.vals, x.vals, out=out.vals)  # writes in place, as a net would

    (dx,) = eval_numerical_gradient_net(Net(), (x,), out)
    np.testing.assert_allclose(dx, 2 * x.vals * out.diffs, rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------------------
# grad_check_sparse


def test_grad_check_sparse_prints_each_check(capsys):
    """Does grad_check_sparse print num_checks lines of numerical, analytic and relative error?"""
    rng = np.random.default_rng(5)
    x = away_from_zero(rng, (4, 3))
    worst = grad_check_sparse(lambda x: np.sum(x**3), x, 3 * x**2, num_checks=7)
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == 7
    pattern = r"numerical: -?\d+\.\d{6} analytic: -?\d+\.\d{6}, relative error: \d\.\d{6}e[+-]\d\d"
    for line in lines:
        assert re.fullmatch(pattern, line), line
        numerical, analytic = (float(v) for v in re.findall(r"-?\d+\.\d{6}(?=[ ,])", line))
        assert numerical == pytest.approx(analytic, abs=2e-6)
    assert worst < 1e-8


def test_grad_check_sparse_finds_a_wrong_gradient(capsys):
    """Does a gradient that is wrong everywhere give a large relative error?"""
    x = np.linspace(0.5, 1.5, 6)
    worst = grad_check_sparse(lambda x: np.sum(x**3), x, 2 * x**2, num_checks=3)
    # 3x**2 against 2x**2: relative error 1 / 5 at every index.
    assert worst == pytest.approx(0.2, rel=1e-6)
    capsys.readouterr()


def test_grad_check_sparse_is_reproducible_with_np_random_seed(capsys):
    """Does np.random.seed fix which indices grad_check_sparse checks?"""
    x = np.linspace(-1.0, 1.0, 50)
    outputs = []
    for _ in range(2):
        # The global generator is the one notebooks seed.
        np.random.seed(231)  # noqa: NPY002
        grad_check_sparse(lambda x: np.sum(x**3), x, 3 * x**2, num_checks=5)
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


def test_grad_check_sparse_checks_the_gradient_shape():
    """Is an analytic gradient of the wrong shape a ValueError naming both shapes?"""
    with pytest.raises(ValueError, match=re.escape("shape of x (3,), got (4,)")):
        grad_check_sparse(np.sum, np.ones(3), np.ones(4))


# ---------------------------------------------------------------------------
# check_gradient, check_gradients


def planted(seed=6):
    """A numeric gradient of shape (3, 2, 2, 2) and a copy with entry (2, 0, 1, 1) wrong."""
    rng = np.random.default_rng(seed)
    numeric = away_from_zero(rng, (3, 2, 2, 2))
    analytic = numeric * (1 + 1e-10 * rng.standard_normal(numeric.shape))
    analytic[2, 0, 1, 1] = -0.1234
    numeric[2, 0, 1, 1] = 0.5678
    return analytic, numeric


def test_check_gradient_names_the_parameter_and_the_index(capsys):
    """With one entry planted wrong, does the message name dw, the index and both values?"""
    analytic, numeric = planted()
    error = check_gradient("dw", analytic, numeric)
    out, err = capsys.readouterr()
    assert err == ""
    assert out == (
        "dw: received derivative -0.1234 at index (2, 0, 1, 1), but the central difference "
        "gives 0.5678 (relative error 1.0e+00 > 1e-07)\n"
    )
    assert error == pytest.approx(hand_rel_error(-0.1234, 0.5678))


def test_check_gradient_passes_quietly_on_agreement(capsys):
    """When the gradients agree, does it print one 'ok' line and return the small error?"""
    numeric = np.array([[1.0, -2.0], [3.0, 0.0]])
    analytic = numeric + np.array([[1e-12, 0.0], [0.0, 0.0]])
    error = check_gradient("W1", analytic, numeric)
    assert error == pytest.approx(1e-12 / 2.0, rel=1e-3)
    assert capsys.readouterr().out == "W1: max relative error 5.0e-13 <= 1e-07, ok\n"


def test_check_gradient_strict_raises_the_same_message(capsys):
    """With strict=True, is a failed check an AssertionError carrying the message?"""
    analytic, numeric = planted()
    with pytest.raises(AssertionError, match=re.escape("dw: received derivative -0.1234 at index")):
        check_gradient("dw", analytic, numeric, strict=True, verbose=False)
    assert capsys.readouterr() == ("", "")
    # A passing check raises nothing, even when strict.
    check_gradient("dw", numeric, numeric, strict=True, verbose=False)


def test_check_gradient_threshold():
    """Does the threshold decide, and is it printed as given?"""
    numeric = np.array([1.0])
    analytic = np.array([1.001])  # relative error 0.001 / 2.001
    assert check_gradient("db", analytic, numeric, threshold=1e-3, strict=True) < 1e-3
    with pytest.raises(AssertionError, match=r"> 0\.0001\)"):
        check_gradient("db", analytic, numeric, threshold=1e-4, strict=True)


def test_check_gradient_reports_nan_first(capsys):
    """Is a nan reported as the worst entry, ahead of a merely wrong one?"""
    analytic, numeric = planted()
    analytic[0, 1, 0, 1] = np.nan
    error = check_gradient("dx", analytic, numeric)
    assert error == np.inf
    assert "received derivative nan at index (0, 1, 0, 1)" in capsys.readouterr().out


def test_check_gradient_wrong_shape_or_none(capsys):
    """Are a wrong shape and a missing gradient reported (not raised), with an infinite error?"""
    assert check_gradient("dx", np.ones((2, 3)), np.ones((3, 2))) == np.inf
    assert "dx: received a gradient of shape (2, 3), but the numeric gradient has shape (3, 2)" in (
        capsys.readouterr().out
    )
    assert check_gradient("dx", None, np.ones(3)) == np.inf
    assert "dx: received None" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="received None"):
        check_gradient("dx", None, np.ones(3), strict=True)


def test_check_gradient_index_of_a_vector_and_a_scalar(capsys):
    """Are the indices of 1-D and 0-D gradients printed as tuples (3,) and ()?"""
    numeric = np.arange(1.0, 6.0)
    analytic = numeric.copy()
    analytic[3] = 0.0
    check_gradient("db", analytic, numeric)
    assert "at index (3,)" in capsys.readouterr().out
    check_gradient("loss", 2.0, 1.0)
    assert "at index ()" in capsys.readouterr().out


def test_check_gradients_names_the_wrong_parameter(capsys):
    """Over a dict of gradients, is only the wrong parameter reported, by name and index?"""
    rng = np.random.default_rng(7)
    numeric = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal(4)}
    analytic = {k: v.copy() for k, v in numeric.items()}
    analytic["b1"][2] += 1.0
    errors = check_gradients(analytic, numeric)
    assert list(errors) == ["W1", "b1"]
    assert errors["W1"] == 0.0
    expected = hand_rel_error(numeric["b1"][2] + 1.0, numeric["b1"][2])
    assert errors["b1"] == pytest.approx(expected)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "W1: max relative error 0.0e+00 <= 1e-07, ok"
    assert lines[1].startswith("b1: received derivative ")
    assert " at index (2,), " in lines[1]
    with pytest.raises(AssertionError, match=r"^b1: received derivative"):
        check_gradients(analytic, numeric, strict=True, verbose=False)


def test_check_gradients_needs_the_same_keys():
    """Is a missing or extra parameter a ValueError listing the names?"""
    with pytest.raises(ValueError, match=r"missing from analytic_grads \['b1'\]"):
        check_gradients({"W1": np.ones(2)}, {"W1": np.ones(2), "b1": np.ones(2)})
    with pytest.raises(TypeError, match="analytic_grads must be a dict"):
        check_gradients([np.ones(2)], {"W1": np.ones(2)})
