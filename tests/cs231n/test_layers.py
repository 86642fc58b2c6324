"""Tests of cs231n/layers.py against independent oracles.

Oracles: CS231n's published reference values, numbers worked out by hand,
explicit loops (tests/oracles.py), scipy.signal.correlate, central-difference
gradients, and PyTorch when it happens to be installed (never required).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import correlate

from cs231n.layers import (
    affine_backward,
    affine_forward,
    avg_pool_backward_naive,
    avg_pool_forward_naive,
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    conv_backward_naive,
    conv_forward_naive,
    conv_transpose_backward_naive,
    conv_transpose_forward_naive,
    layernorm_backward,
    layernorm_forward,
    max_pool_backward_naive,
    max_pool_forward_naive,
    relu_backward,
    relu_forward,
    softmax_loss,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
    spatial_groupnorm_backward,
    spatial_groupnorm_forward,
    svm_loss,
)
from tests.oracles import (
    conv2d_loops,
    explicit_pads,
    gradient_error,
    max_pool_backward_by_argmax,
    numeric_gradient,
    padded_pool2d_loops,
    pool2d_loops,
    rel_error,
    tf_same_pads,
    torch_pool2d,
)

SETTINGS = settings(max_examples=25, deadline=None)


@st.composite
def conv_case(draw):
    """A random convolution whose stride tiles the input for int and pair pads."""
    N, C, F = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    HH, WW = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["int", "pair", "valid", "same"]))
    if kind in ("valid", "same"):
        pad = kind
        H = draw(st.integers(max(HH, 1), 8))
        W = draw(st.integers(max(WW, 1), 8))
    else:
        ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
        pad = ph if kind == "int" else (ph, pw)
        if kind == "int":
            pw = ph
        # Choose the output size, then the input size that the stride tiles.
        H = (draw(st.integers(1, 3)) - 1) * stride + HH - 2 * ph
        W = (draw(st.integers(1, 3)) - 1) * stride + WW - 2 * pw
        if H < 1 or W < 1:
            H, W = H + 2 * stride * 2, W + 2 * stride * 2
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C, HH, WW))
    b = rng.standard_normal(F)
    return x, w, b, {"stride": stride, "pad": pad}


# ---------------------------------------------------------------------------
# Provided layers
# ---------------------------------------------------------------------------


@pytest.mark.basics
def test_affine_forward_matches_cs231n_reference():
    """Does affine_forward reproduce the FullyConnectedNets notebook's published output?"""
    x = np.linspace(-0.1, 0.5, num=240).reshape(2, 4, 5, 6)
    w = np.linspace(-0.2, 0.3, num=360).reshape(120, 3)
    b = np.linspace(-0.3, 0.1, num=3)
    out, _ = affine_forward(x, w, b)
    correct_out = np.array(
        [[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]]
    )
    assert rel_error(out, correct_out) < 1e-8


@pytest.mark.basics
def test_affine_relu_backward_match_numeric_gradients():
    """Do affine_backward and relu_backward agree with central differences?"""
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 2, 3)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((4, 5))
    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)
    assert rel_error(dx, numeric_gradient(lambda v: affine_forward(v, w, b)[0], x, dout)) < 1e-7
    assert rel_error(dw, numeric_gradient(lambda v: affine_forward(x, v, b)[0], w, dout)) < 1e-7
    assert rel_error(db, numeric_gradient(lambda v: affine_forward(x, w, v)[0], b, dout)) < 1e-7
    x = rng.standard_normal((3, 7))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink
    dout = rng.standard_normal((3, 7))
    dx = relu_backward(dout, relu_forward(x)[1])
    assert rel_error(dx, numeric_gradient(lambda v: relu_forward(v)[0], x, dout)) < 1e-8


@pytest.mark.basics
def test_losses_by_hand_and_numeric():
    """Are the softmax and SVM losses right on a case done by hand, with right gradients?"""
    x = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    y = np.array([2, 0])
    loss, _ = softmax_loss(x, y)
    by_hand = (-np.log(np.exp(3) / (np.exp(1) + np.exp(2) + np.exp(3))) + np.log(3)) / 2
    assert loss == pytest.approx(by_hand, rel=1e-12)
    loss, _ = svm_loss(x, y)
    # Row 0: margins max(0, 1-3+1), max(0, 2-3+1) = 0, 0; row 1: 1 + 1.
    assert loss == pytest.approx(1.0)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    for fn in (softmax_loss, svm_loss):
        _, dx = fn(x, y)
        assert rel_error(dx, numeric_gradient(lambda v, fn=fn: fn(v, y)[0], x, 1.0)) < 1e-6
    # Large scores must not overflow.
    loss, dx = softmax_loss(np.array([[1000.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(1000.0)
    assert np.isfinite(dx).all()


@pytest.mark.basics
def test_losses_reject_bad_labels():
    """Do the losses name the problem when labels are out of range or the wrong shape?"""
    with pytest.raises(ValueError, match=r"labels in \[0, 3\)"):
        softmax_loss(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="y must have shape"):
        svm_loss(np.zeros((2, 3)), np.array([0, 1, 2]))


@pytest.mark.batchnorm
@pytest.mark.parametrize("backward", [batchnorm_backward, batchnorm_backward_alt])
def test_batchnorm_backward_matches_numeric(backward):
    """Do both batch-norm backward passes agree with central differences?"""
    rng = np.random.default_rng(2)
    x = 5 * rng.standard_normal((6, 4)) + 3
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    dout = rng.standard_normal((6, 4))

    def fwd(x_, g_, b_):
        return batchnorm_forward(x_, g_, b_, {"mode": "train"})[0]

    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = backward(dout, cache)
    assert rel_error(dx, numeric_gradient(lambda v: fwd(v, gamma, beta), x, dout)) < 1e-6
    assert rel_error(dgamma, numeric_gradient(lambda v: fwd(x, v, beta), gamma, dout)) < 1e-7
    assert rel_error(dbeta, numeric_gradient(lambda v: fwd(x, gamma, v), beta, dout)) < 1e-7


@pytest.mark.batchnorm
def test_layernorm_normalises_rows_with_right_gradients():
    """Does layer norm give each row zero mean and unit variance, with correct gradients?"""
    rng = np.random.default_rng(3)
    x = 4 * rng.standard_normal((5, 6)) - 2
    gamma, beta = np.ones(6), np.zeros(6)
    out, _ = layernorm_forward(x, gamma, beta, {})
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 1, atol=1e-5)
    gamma, beta, dout = rng.standard_normal(6), rng.standard_normal(6), rng.standard_normal((5, 6))
    _, cache = layernorm_forward(x, gamma, beta, {})
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    fwd = layernorm_forward
    assert rel_error(dx, numeric_gradient(lambda v: fwd(v, gamma, beta, {})[0], x, dout)) < 1e-6
    assert rel_error(dgamma, numeric_gradient(lambda v: fwd(x, v, beta, {})[0], gamma, dout)) < 1e-7


# ---------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------


@pytest.mark.conv
def test_conv_forward_matches_cs231n_reference():
    """Does conv_forward_naive reproduce the ConvolutionalNetworks notebook's published output?"""
    x = np.linspace(-0.1, 0.5, num=96).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=144).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, num=3)
    out, cache = conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    correct_out = np.array(
        [
            [
                [[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
                [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
                [[0.50813986, 0.54309974], [0.64082444, 0.67101435]],
            ],
            [
                [[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
                [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
                [[2.36270298, 2.36904306], [2.38090835, 2.38247847]],
            ],
        ]
    )
    assert rel_error(out, correct_out) < 1e-7
    # CS231n's cache is (x, w, b, conv_param); code written for it must keep working.
    assert len(cache) == 4
    assert cache[0] is x
    assert cache[1] is w
    assert cache[2] is b


@pytest.mark.conv
def test_conv_forward_by_hand():
    """Does a 2x2 filter of ones sum each window, with zeros where the padding is?"""
    x = np.arange(9.0).reshape(1, 1, 3, 3)  # [[0 1 2] [3 4 5] [6 7 8]]
    w = np.ones((1, 1, 2, 2))
    out, _ = conv_forward_naive(x, w, np.array([1.0]), {"stride": 1, "pad": 0})
    np.testing.assert_array_equal(out[0, 0], [[9, 13], [21, 25]])
    # pad 1, stride 3: the padded 5x5 holds x in its middle, windows start at
    # rows and columns 0 and 3, so each sees one corner of x and three zeros.
    out, _ = conv_forward_naive(x, w, np.array([0.0]), {"stride": 3, "pad": 1})
    np.testing.assert_array_equal(out[0, 0], [[0, 2], [6, 8]])


@pytest.mark.conv
@pytest.mark.parametrize(
    ("H", "k", "stride", "expected_pads", "expected_out"),
    [
        (5, 3, 1, (1, 1), 5),  # odd total: symmetric
        (5, 2, 1, (0, 1), 5),  # extra row at the bottom
        (5, 2, 2, (0, 1), 3),  # ceil(5 / 2) = 3 outputs
        (6, 3, 2, (0, 1), 3),  # total 1 goes to the bottom
        (6, 1, 4, (0, 0), 2),  # no padding needed, one row unused
        (4, 4, 1, (1, 2), 4),
    ],
)
def test_same_padding_follows_tensorflow(H, k, stride, expected_pads, expected_out):
    """Does 'same' pad as TensorFlow does, extra zeros at the bottom and right?"""
    rng = np.random.default_rng(H * 100 + k * 10 + stride)
    x = rng.standard_normal((1, 2, H, H + 1))
    w = rng.standard_normal((2, 2, k, k))
    b = rng.standard_normal(2)
    out, _ = conv_forward_naive(x, w, b, {"stride": stride, "pad": "same"})
    assert out.shape[2] == expected_out
    top, bottom = expected_pads
    left, right = tf_same_pads(H + 1, k, stride)
    assert rel_error(out, conv2d_loops(x, w, b, stride, (top, bottom, left, right))) < 1e-10


@pytest.mark.conv
def test_valid_padding_drops_the_remainder():
    """Does 'valid' use no padding and ignore rows the stride cannot reach?"""
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    w = np.ones((1, 1, 2, 2))
    out, _ = conv_forward_naive(x, w, np.zeros(1), {"stride": 2, "pad": "VALID"})
    # Windows start at rows/cols 0 and 2; row and column 4 are never used.
    np.testing.assert_array_equal(out[0, 0], [[0 + 1 + 5 + 6, 2 + 3 + 7 + 8], [52, 60]])


@pytest.mark.conv
def test_pair_padding_pads_height_and_width_separately():
    """Does pad=(pad_h, pad_w) pad rows and columns by different amounts?"""
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((2, 3, 4, 6)), rng.standard_normal((2, 3, 3, 3)), np.zeros(2)
    out, _ = conv_forward_naive(x, w, b, {"stride": 1, "pad": (2, 0)})
    assert out.shape == (2, 2, 6, 4)
    assert rel_error(out, conv2d_loops(x, w, b, 1, (2, 2, 0, 0))) < 1e-10


@pytest.mark.conv
@SETTINGS
@given(conv_case())
def test_conv_forward_matches_scipy(case):
    """Does conv_forward_naive equal scipy's cross-correlation on every pad form and stride?"""
    x, w, b, conv_param = case
    stride = conv_param["stride"]
    top, bottom, left, right = explicit_pads(conv_param["pad"], *x.shape[2:], *w.shape[2:], stride)
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    expected = np.stack(
        [
            np.stack([correlate(xp[n], w[f], mode="valid")[0] + b[f] for f in range(len(w))])
            for n in range(len(x))
        ]
    )[:, :, ::stride, ::stride]
    out, _ = conv_forward_naive(x, w, b, conv_param)
    assert out.shape == expected.shape
    assert rel_error(out, expected) < 1e-9


@pytest.mark.conv
@SETTINGS
@given(conv_case())
def test_conv_backward_matches_numeric(case):
    """Does conv_backward_naive agree with central differences on every pad form and stride?"""
    x, w, b, conv_param = case
    out, cache = conv_forward_naive(x, w, b, conv_param)
    dout = np.random.default_rng(5).standard_normal(out.shape)
    dx, dw, db = conv_backward_naive(dout, cache)
    fwd = conv_forward_naive
    # Random shapes make entries that nearly cancel: gradient_error, not rel_error.
    num_dx = numeric_gradient(lambda v: fwd(v, w, b, conv_param)[0], x, dout)
    num_dw = numeric_gradient(lambda v: fwd(x, v, b, conv_param)[0], w, dout)
    num_db = numeric_gradient(lambda v: fwd(x, w, v, conv_param)[0], b, dout)
    assert gradient_error(dx, num_dx) < 1e-6
    assert gradient_error(dw, num_dw) < 1e-6
    assert gradient_error(db, num_db) < 1e-6


@pytest.mark.conv
def test_conv_keeps_float32_and_leaves_inputs_alone():
    """Does a float32 convolution stay float32 without modifying its inputs?"""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 5, 5)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    copies = [a.copy() for a in (x, w, b)]
    out, cache = conv_forward_naive(x, w, b, {"stride": 1, "pad": "same"})
    dx, dw, db = conv_backward_naive(np.ones_like(out), cache)
    assert {a.dtype for a in (out, dx, dw, db)} == {np.dtype(np.float32)}
    for a, copy in zip((x, w, b), copies, strict=True):
        np.testing.assert_array_equal(a, copy)


@pytest.mark.conv
@pytest.mark.parametrize(
    ("x_shape", "w_shape", "b_shape", "conv_param", "message"),
    [
        ((2, 3, 5), (4, 3, 3, 3), (4,), {"stride": 1, "pad": 1}, r"x must have 4 dimensions"),
        ((2, 3, 5, 5), (4, 2, 3, 3), (4,), {"stride": 1, "pad": 1}, r"x has 3 channels"),
        ((2, 3, 5, 5), (4, 3, 3, 3), (3,), {"stride": 1, "pad": 1}, r"b must have shape \(F,\)"),
        ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"pad": 1}, r"missing the key 'stride'"),
        ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 1}, r"missing the key 'pad'"),
        ((2, 3, 6, 6), (4, 3, 3, 3), (4,), {"stride": 2, "pad": 1}, r"does not tile the input"),
        ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 0, "pad": 1}, r"positive integer"),
        ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 1, "pad": -1}, r"must not be negative"),
        ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 1, "pad": "full"}, r"'valid' or 'same'"),
        ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 1, "pad": 1.5}, r"must be an int"),
        ((2, 3, 2, 2), (4, 3, 5, 5), (4,), {"stride": 1, "pad": 0}, r"larger than the padded"),
    ],
)
def test_conv_bad_arguments_are_named(x_shape, w_shape, b_shape, conv_param, message):
    """Does a bad convolution argument give a ValueError that says what is wrong?"""
    x, w, b = np.zeros(x_shape), np.zeros(w_shape), np.zeros(b_shape)
    with pytest.raises(ValueError, match=message):
        conv_forward_naive(x, w, b, conv_param)


@pytest.mark.conv
def test_conv_backward_rejects_wrong_dout():
    """Does conv_backward_naive refuse a dout whose shape is not the output's?"""
    x, w, b = np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(4)
    _, cache = conv_forward_naive(x, w, b, {"stride": 1, "pad": 1})
    with pytest.raises(ValueError, match=r"dout must have shape"):
        conv_backward_naive(np.zeros((2, 4, 4, 4)), cache)


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------


@pytest.mark.pool
def test_max_pool_forward_matches_cs231n_reference():
    """Does max_pool_forward_naive reproduce the notebook's published output?"""
    x = np.linspace(-0.3, 0.4, num=96).reshape(2, 3, 4, 4)
    out, cache = max_pool_forward_naive(x, {"pool_width": 2, "pool_height": 2, "stride": 2})
    correct_out = np.array(
        [
            [
                [[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
                [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
                [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]],
            ],
            [
                [[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
                [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
                [[0.32631579, 0.34105263], [0.38526316, 0.4]],
            ],
        ]
    )
    assert rel_error(out, correct_out) < 1e-7
    assert len(cache) == 2
    assert cache[0] is x


@pytest.mark.pool
def test_max_pool_backward_by_hand():
    """Does a tie send the gradient to the first maximum only, and do overlaps accumulate?"""
    x = np.array([[5.0, 5.0, 1.0], [5.0, 0.0, 2.0], [0.0, 3.0, 1.0]]).reshape(1, 1, 3, 3)
    param = {"pool_height": 2, "pool_width": 2, "stride": 1}
    out, cache = max_pool_forward_naive(x, param)
    np.testing.assert_array_equal(out[0, 0], [[5, 5], [5, 3]])
    dout = np.array([[1.0, 10.0], [100.0, 1000.0]]).reshape(1, 1, 2, 2)
    dx = max_pool_backward_naive(dout, cache)
    # Windows (0,0), (0,1) and (1,0) each pick the first 5 in row-major order:
    # (0,0), (0,1) and (1,0); window (1,1) picks the 3 at (2,1).
    expected = np.array([[1.0, 10.0, 0.0], [100.0, 0.0, 0.0], [0.0, 1000.0, 0.0]])
    np.testing.assert_array_equal(dx[0, 0], expected)


@pytest.mark.pool
@pytest.mark.parametrize(("ph", "pw", "stride"), [(2, 2, 2), (3, 2, 1), (1, 3, 2), (2, 2, 3)])
def test_pools_match_loops_and_numeric_gradients(ph, pw, stride):
    """Do both pools match explicit loops and central differences, overlapping or not?"""
    rng = np.random.default_rng(ph * 10 + pw + stride)
    H = (2 - 1) * stride + ph + stride  # three windows down
    W = (2 - 1) * stride + pw
    # Distinct values, far apart, so no max is near a tie.
    x = rng.permutation(2 * 3 * H * W).reshape(2, 3, H, W) / 10.0
    param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    for fwd, bwd, reduce in (
        (max_pool_forward_naive, max_pool_backward_naive, np.max),
        (avg_pool_forward_naive, avg_pool_backward_naive, np.mean),
    ):
        out, cache = fwd(x, param)
        assert rel_error(out, pool2d_loops(x, ph, pw, stride, reduce)) < 1e-12
        dout = rng.standard_normal(out.shape)
        dx = bwd(dout, cache)
        assert rel_error(dx, numeric_gradient(lambda v, fwd=fwd: fwd(v, param)[0], x, dout)) < 1e-7


@pytest.mark.pool
def test_avg_pool_backward_preserves_the_gradient_sum():
    """Does average pooling share each gradient equally, preserving the total?"""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 2, 6, 6))
    param = {"pool_height": 3, "pool_width": 3, "stride": 3}
    out, cache = avg_pool_forward_naive(x, param)
    dout = rng.standard_normal(out.shape)
    dx = avg_pool_backward_naive(dout, cache)
    assert dx.sum() == pytest.approx(dout.sum())
    np.testing.assert_allclose(dx[0, 0, :3, :3], dout[0, 0, 0, 0] / 9)


POOL_2X2 = {"pool_height": 2, "pool_width": 2, "stride": 2}


@pytest.mark.pool
@pytest.mark.parametrize(
    ("x_shape", "pool_param", "message"),
    [
        ((1, 1, 4, 4), {"pool_height": 2, "stride": 2}, r"missing the key 'pool_width'"),
        ((1, 1, 2, 2), {"pool_height": 3, "pool_width": 2, "stride": 1}, r"larger than"),
        ((1, 1, 2, 2), {**POOL_2X2, "pad": "valid", "stride": 1, "pool_height": 3}, r"larger"),
        ((4, 4), {"pool_height": 2, "pool_width": 2, "stride": 2}, r"4 dimensions"),
        ((1, 1, 4, 4), {**POOL_2X2, "pad": 2}, r"adds 2 rows on the top, not fewer than"),
        ((1, 1, 4, 4), {**POOL_2X2, "pad": (0, 3)}, r"adds 3 columns on the left"),
        ((1, 1, 4, 4), {**POOL_2X2, "pad": "full"}, r"pool_param\['pad'\] must be 'valid' or"),
        ((1, 1, 4, 4), {**POOL_2X2, "pad": -1}, r"pool_param\['pad'\] must not be negative"),
        ((1, 1, 4, 4), {**POOL_2X2, "count_include_pad": 1}, r"must be True or False"),
    ],
)
def test_pool_bad_arguments_are_named(x_shape, pool_param, message):
    """Does a bad pooling argument give a ValueError that says what is wrong?"""
    for fwd in (max_pool_forward_naive, avg_pool_forward_naive):
        with pytest.raises(ValueError, match=message):
            fwd(np.zeros(x_shape), pool_param)


# ---------------------------------------------------------------------------
# Padded and non-tiling pooling
# ---------------------------------------------------------------------------

#: The issue's worked example: one 3 x 3 channel, a 2 x 2 window, stride 2.
M = np.array([[1.0, -1.0, 0.0], [-1.0, 2.0, 1.0], [0.0, 2.0, -2.0]]).reshape(1, 1, 3, 3)

# (x shape, pool height, pool width, stride, pad): every padding form, the awkward ones named.
PADDED_POOLS = {
    "non-tiling, no pad": ((2, 3, 7, 6), 2, 2, 2, 0),
    "non-tiling 3x2 stride 2": ((1, 2, 8, 5), 3, 2, 2, 0),
    "valid, remainder": ((2, 2, 5, 7), 2, 3, 3, "valid"),
    "int pad 1, overlapping": ((2, 2, 5, 6), 3, 3, 2, 1),
    "pair pad, non-square window": ((1, 3, 6, 5), 2, 3, 2, (1, 2)),
    "same, stride 2 (pads bottom and right)": ((2, 2, 5, 7), 2, 2, 2, "same"),
    "same, uneven on both axes": ((1, 2, 6, 7), 3, 4, 1, "same"),
    "same, stride 3 larger than the window": ((2, 1, 7, 8), 2, 2, 3, "same"),
}


@pytest.mark.pool
def test_pools_reproduce_the_worked_example():
    """Do 'valid' and 'same' pooling of the issue's 3 x 3 example give its numbers?"""
    out, _ = avg_pool_forward_naive(M, {**POOL_2X2, "pad": "valid"})
    np.testing.assert_allclose(out[0, 0], [[0.25]])
    out, cache = avg_pool_forward_naive(M, {**POOL_2X2, "pad": "same"})
    np.testing.assert_allclose(out[0, 0], [[0.25, 0.5], [1.0, -2.0]])
    dx = avg_pool_backward_naive(np.ones_like(out), cache)
    expected = [[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]]
    np.testing.assert_allclose(dx[0, 0], expected)
    out, cache = max_pool_forward_naive(M, {**POOL_2X2, "pad": "same"})
    np.testing.assert_array_equal(out[0, 0], [[2.0, 1.0], [2.0, -2.0]])
    dx = max_pool_backward_naive(np.array([[[[1.0, 10.0], [100.0, 1000.0]]]]), cache)
    np.testing.assert_array_equal(dx[0, 0], [[0, 0, 0], [0, 1, 10], [0, 100, 1000]])


@pytest.mark.pool
def test_count_include_pad_divides_by_the_whole_window():
    """With count_include_pad, does 'same' average pooling count the padding as zeros?"""
    param = {**POOL_2X2, "pad": "same", "count_include_pad": True}
    out, cache = avg_pool_forward_naive(M, param)
    np.testing.assert_allclose(out[0, 0], [[0.25, 0.25], [0.5, -0.5]])
    dx = avg_pool_backward_naive(np.ones_like(out), cache)
    np.testing.assert_allclose(dx[0, 0], np.full((3, 3), 0.25))


@pytest.mark.pool
def test_max_pool_never_selects_the_padding():
    """On an all-negative input, is every padded window's maximum an entry of x, not 0?"""
    x = -1.0 - np.arange(2 * 2 * 4 * 5).reshape(2, 2, 4, 5)
    for pad in (1, (1, 0), "same"):
        param = {"pool_height": 3, "pool_width": 2, "stride": 2, "pad": pad}
        out, cache = max_pool_forward_naive(x, param)
        assert np.all(out < 0), pad
        dx = max_pool_backward_naive(np.ones_like(out), cache)
        assert dx.sum() == out.size, pad  # every window's gradient reached x


@pytest.mark.pool
@pytest.mark.parametrize("case", PADDED_POOLS.values(), ids=list(PADDED_POOLS))
def test_padded_pools_match_loops_over_a_nan_framed_input(case):
    """Do both pools, every padding form, match loops that mark the padding with NaN?"""
    x_shape, ph, pw, stride, pad = case
    rng = np.random.default_rng(x_shape[2] * 10 + x_shape[3])
    x = rng.integers(-3, 2, size=x_shape).astype(np.float64)  # negative and tied values
    pads = explicit_pads(pad, x_shape[2], x_shape[3], ph, pw, stride)
    param = {"pool_height": ph, "pool_width": pw, "stride": stride, "pad": pad}
    expected, argmax = padded_pool2d_loops(x, ph, pw, stride, pads, "max")
    out, cache = max_pool_forward_naive(x, param)
    np.testing.assert_array_equal(out, expected)
    dout = rng.standard_normal(out.shape)
    dx = max_pool_backward_naive(dout, cache)
    assert rel_error(dx, max_pool_backward_by_argmax(x_shape, dout, argmax)) < 1e-12
    for include in (False, True):
        expected, _ = padded_pool2d_loops(x, ph, pw, stride, pads, "avg", include)
        out, _ = avg_pool_forward_naive(x, {**param, "count_include_pad": include})
        assert rel_error(out, expected) < 1e-12, include


@pytest.mark.pool
@pytest.mark.parametrize("case", PADDED_POOLS.values(), ids=list(PADDED_POOLS))
def test_padded_pools_backward_match_numeric_gradients(case):
    """Do both pools' gradients, padded or not tiling, match central differences?"""
    x_shape, ph, pw, stride, pad = case
    rng = np.random.default_rng(x_shape[1] * 100 + x_shape[2])
    # Distinct values 0.01 apart, all negative: no ties, and padding would show.
    x = -1.0 - rng.permutation(np.prod(x_shape)).reshape(x_shape) / 100.0
    param = {"pool_height": ph, "pool_width": pw, "stride": stride, "pad": pad}
    for fwd, bwd, extra in (
        (max_pool_forward_naive, max_pool_backward_naive, {}),
        (avg_pool_forward_naive, avg_pool_backward_naive, {}),
        (avg_pool_forward_naive, avg_pool_backward_naive, {"count_include_pad": True}),
    ):
        p = {**param, **extra}
        out, cache = fwd(x, p)
        dout = rng.standard_normal(out.shape)
        dx = bwd(dout, cache)
        numeric = numeric_gradient(lambda v, fwd=fwd, p=p: fwd(v, p)[0], x, dout)
        assert gradient_error(dx, numeric) < 1e-7, (fwd.__name__, extra)


@pytest.mark.pool
def test_non_tiling_pool_output_sizes_are_floors():
    """Are H' and W' floors for each padding form, 'same' giving ceil(H / stride)?"""
    x = np.zeros((1, 1, 7, 10))
    # A 3 x 3 window, stride 2: 7 - 3 = 4 rows fit exactly, 10 - 3 = 7 columns leave one.
    sizes = {
        0: (3, 4),
        "valid": (3, 4),
        1: (4, 5),
        (0, 1): (3, 5),
        "same": (4, 5),
    }
    for pad, size in sizes.items():
        param = {"pool_height": 3, "pool_width": 3, "stride": 2, "pad": pad}
        for fwd in (max_pool_forward_naive, avg_pool_forward_naive):
            assert fwd(x, param)[0].shape[2:] == size, (pad, fwd.__name__)


@pytest.mark.pool
@pytest.mark.parametrize("pad", [0, 1, (1, 0), "valid", "same"])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_padded_pools_match_pytorch(pad, stride):
    """Do both pools equal PyTorch's max_pool2d and avg_pool2d (ceil_mode=False, count_include_pad
    both ways), forward and backward, padded and not tiling (when torch is installed)?"""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 3, 8, 7)) - 1.5  # mostly negative: zeros in the padding would win
    ph, pw = 3, 2
    pads = explicit_pads(pad, 8, 7, ph, pw, stride)
    param = {"pool_height": ph, "pool_width": pw, "stride": stride, "pad": pad}
    for kind, fwd, bwd, include in (
        ("max", max_pool_forward_naive, max_pool_backward_naive, False),
        ("avg", avg_pool_forward_naive, avg_pool_backward_naive, False),
        ("avg", avg_pool_forward_naive, avg_pool_backward_naive, True),
    ):
        out, cache = fwd(x, {**param, "count_include_pad": include})
        dout = rng.standard_normal(out.shape)
        expected, expected_dx = torch_pool2d(torch, x, ph, pw, stride, pads, kind, include, dout)
        assert out.shape == expected.shape, (kind, include)
        assert rel_error(out, expected) < 1e-12, (kind, include)
        assert rel_error(bwd(dout, cache), expected_dx) < 1e-12, (kind, include)


# ---------------------------------------------------------------------------
# Transposed convolution
# ---------------------------------------------------------------------------


@pytest.mark.transpose
def test_conv_transpose_by_hand():
    """Does stride 2 with a 2x2 filter of ones paint each input value over a 2x2 block?"""
    x = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2)
    w = np.ones((1, 1, 2, 2))
    out, _ = conv_transpose_forward_naive(x, w, np.array([0.5]), {"stride": 2, "pad": 0})
    expected = np.kron([[1.0, 2.0], [3.0, 4.0]], np.ones((2, 2))) + 0.5
    np.testing.assert_array_equal(out[0, 0], expected)
    # Stride 1 with a 2x2 filter of ones: overlapping copies add up.
    out, _ = conv_transpose_forward_naive(x, w, np.array([0.0]), {"stride": 1, "pad": 0})
    np.testing.assert_array_equal(out[0, 0], [[1, 3, 2], [4, 10, 6], [3, 7, 4]])


@pytest.mark.transpose
@pytest.mark.parametrize(
    ("H", "HH", "stride", "pad", "H_out"),
    [
        (3, 3, 2, 1, 5),  # (3 - 1) * 2 - 2 + 3
        (3, 3, 2, "valid", 7),
        (3, 3, 2, "same", 6),
        (4, 2, 3, "same", 12),  # filter smaller than the stride
        (4, 4, 1, (1, 1), 5),
        (2, 5, 2, "same", 4),  # odd total padding
    ],
)
def test_conv_transpose_is_the_input_gradient_of_a_convolution(H, HH, stride, pad, H_out):
    """Is the transposed convolution exactly the conv's input gradient, with the stated size?"""
    rng = np.random.default_rng(H + HH + stride)
    x = rng.standard_normal((2, 3, H, H))
    w = rng.standard_normal((3, 4, HH, HH))
    conv_param = {"stride": stride, "pad": pad}
    out, _ = conv_transpose_forward_naive(x, w, np.zeros(4), conv_param)
    assert out.shape == (2, 4, H_out, H_out)
    # The convolution this one transposes maps (N, 4, H_out, H_out) to x's shape.
    _, cache = conv_forward_naive(np.zeros(out.shape), w, np.zeros(3), conv_param)
    dinput, _, _ = conv_backward_naive(x, cache)
    assert rel_error(out, dinput) < 1e-10


@pytest.mark.transpose
@pytest.mark.parametrize("pad", [0, 1, (2, 0), "valid", "same"])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_conv_transpose_backward_matches_numeric(pad, stride):
    """Does conv_transpose_backward_naive agree with central differences?"""
    rng = np.random.default_rng(stride)
    x = rng.standard_normal((2, 2, 3, 3))
    w = rng.standard_normal((2, 3, 3, 2))
    b = rng.standard_normal(3)
    conv_param = {"stride": stride, "pad": pad}
    out, cache = conv_transpose_forward_naive(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv_transpose_backward_naive(dout, cache)
    fwd = conv_transpose_forward_naive
    assert rel_error(dx, numeric_gradient(lambda v: fwd(v, w, b, conv_param)[0], x, dout)) < 1e-7
    assert rel_error(dw, numeric_gradient(lambda v: fwd(x, v, b, conv_param)[0], w, dout)) < 1e-7
    assert rel_error(db, numeric_gradient(lambda v: fwd(x, w, v, conv_param)[0], b, dout)) < 1e-7


@pytest.mark.transpose
def test_conv_transpose_bad_arguments_are_named():
    """Do mismatched channels, a wrong bias or an empty output give a named ValueError?"""
    x, w = np.zeros((1, 2, 3, 3)), np.zeros((2, 4, 3, 3))
    with pytest.raises(ValueError, match="x has 3 channels but w has 2 filters"):
        conv_transpose_forward_naive(
            np.zeros((1, 3, 3, 3)), w, np.zeros(4), {"stride": 1, "pad": 0}
        )
    with pytest.raises(ValueError, match=r"b must have shape \(C,\)"):
        conv_transpose_forward_naive(x, w, np.zeros(2), {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match="leaves no output"):
        conv_transpose_forward_naive(
            np.zeros((1, 2, 1, 1)), w, np.zeros(4), {"stride": 1, "pad": 2}
        )


# ---------------------------------------------------------------------------
# Spatial normalisation
# ---------------------------------------------------------------------------


@pytest.mark.batchnorm
def test_spatial_batchnorm_train_matches_per_channel_statistics():
    """Does train mode normalise each channel over (N, H, W) and update the running averages?"""
    rng = np.random.default_rng(9)
    x = 4 * rng.standard_normal((3, 2, 4, 5)) + 10
    gamma, beta = np.array([1.0, 2.0]), np.array([0.0, -1.0])
    bn_param = {"mode": "train", "momentum": 0.8}
    out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    for c in range(2):
        values = x[:, c]
        expected = (values - values.mean()) / np.sqrt(values.var() + 1e-5) * gamma[c] + beta[c]
        np.testing.assert_allclose(out[:, c], expected, rtol=1e-10, atol=1e-12)
        # Running averages start at zero: 0.8 * 0 + 0.2 * statistic.
        assert bn_param["running_mean"][c] == pytest.approx(0.2 * values.mean())
        assert bn_param["running_var"][c] == pytest.approx(0.2 * values.var())


@pytest.mark.batchnorm
def test_spatial_batchnorm_test_mode_uses_running_averages():
    """Does test mode normalise with the running averages and leave them unchanged?"""
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    running_mean, running_var = np.array([1.0, 2.0, 3.0]), np.array([4.0, 9.0, 16.0])
    bn_param = {"mode": "test", "running_mean": running_mean.copy(), "running_var": running_var}
    out, _ = spatial_batchnorm_forward(x, np.ones(3), np.zeros(3), bn_param)
    expected = (x - running_mean[None, :, None, None]) / np.sqrt(
        running_var[None, :, None, None] + 1e-5
    )
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_array_equal(bn_param["running_mean"], running_mean)


@pytest.mark.batchnorm
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (5, 1, 2, 2), (1, 4, 3, 1)])
def test_spatial_batchnorm_backward_matches_numeric(shape):
    """Does spatial_batchnorm_backward agree with central differences?"""
    rng = np.random.default_rng(10)
    x = 3 * rng.standard_normal(shape) + 1
    C = shape[1]
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    dout = rng.standard_normal(shape)

    def fwd(x_, g_, b_):
        return spatial_batchnorm_forward(x_, g_, b_, {"mode": "train"})[0]

    _, cache = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
    assert dgamma.shape == dbeta.shape == (C,)
    assert rel_error(dx, numeric_gradient(lambda v: fwd(v, gamma, beta), x, dout)) < 1e-6
    assert rel_error(dgamma, numeric_gradient(lambda v: fwd(x, v, beta), gamma, dout)) < 1e-7
    assert rel_error(dbeta, numeric_gradient(lambda v: fwd(x, gamma, v), beta, dout)) < 1e-7


@pytest.mark.batchnorm
def test_spatial_batchnorm_bad_arguments_are_named():
    """Do a missing mode, an unknown mode and a wrong gamma give named errors?"""
    x = np.zeros((2, 3, 2, 2))
    with pytest.raises(ValueError, match="missing the key 'mode'"):
        spatial_batchnorm_forward(x, np.ones(3), np.zeros(3), {})
    with pytest.raises(ValueError, match="'train' or 'test'"):
        spatial_batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "eval"})
    with pytest.raises(ValueError, match=r"gamma must have shape \(C,\)"):
        spatial_batchnorm_forward(x, np.ones(2), np.zeros(3), {"mode": "train"})


def groupnorm_loops(x, gamma, beta, G, eps=1e-5):
    """Group norm by loops over examples and groups."""
    N, C, H, W = x.shape
    out = np.empty_like(x)
    per = C // G
    for n in range(N):
        for g in range(G):
            block = x[n, g * per : (g + 1) * per]
            out[n, g * per : (g + 1) * per] = (block - block.mean()) / np.sqrt(block.var() + eps)
    return out * gamma + beta


@pytest.mark.groupnorm
@pytest.mark.parametrize(("C", "G"), [(6, 2), (6, 3), (4, 1), (4, 4), (5, 5)])
def test_spatial_groupnorm_matches_loops_and_numeric(C, G):
    """Does group norm split channels into G contiguous groups, with correct gradients?"""
    rng = np.random.default_rng(C * 10 + G)
    x = 2 * rng.standard_normal((2, C, 3, 2)) + 3
    gamma = rng.standard_normal((1, C, 1, 1))
    beta = rng.standard_normal((1, C, 1, 1))
    out, cache = spatial_groupnorm_forward(x, gamma, beta, G, {})
    assert rel_error(out, groupnorm_loops(x, gamma, beta, G)) < 1e-10
    dout = rng.standard_normal(x.shape)
    dx, dgamma, dbeta = spatial_groupnorm_backward(dout, cache)
    assert dgamma.shape == dbeta.shape == (1, C, 1, 1)

    def fwd(x_, g_, b_):
        return spatial_groupnorm_forward(x_, g_, b_, G, {})[0]

    assert rel_error(dx, numeric_gradient(lambda v: fwd(v, gamma, beta), x, dout)) < 1e-6
    assert rel_error(dgamma, numeric_gradient(lambda v: fwd(x, v, beta), gamma, dout)) < 1e-7
    assert rel_error(dbeta, numeric_gradient(lambda v: fwd(x, gamma, v), beta, dout)) < 1e-7


@pytest.mark.groupnorm
def test_spatial_groupnorm_bad_arguments_are_named():
    """Do G not dividing C and a (C,)-shaped gamma give named errors?"""
    x = np.zeros((2, 6, 2, 2))
    g, b = np.ones((1, 6, 1, 1)), np.zeros((1, 6, 1, 1))
    with pytest.raises(ValueError, match="G = 4 groups must divide the number of channels C = 6"):
        spatial_groupnorm_forward(x, g, b, 4, {})
    with pytest.raises(ValueError, match=r"gamma must have 4 dimensions \(1, C, 1, 1\)"):
        spatial_groupnorm_forward(x, np.ones(6), b, 2, {})
    with pytest.raises(ValueError, match="positive integer"):
        spatial_groupnorm_forward(x, g, b, 0, {})


# ---------------------------------------------------------------------------
# An independent framework, when one is installed
# ---------------------------------------------------------------------------


@pytest.mark.conv
@pytest.mark.parametrize("pad", [0, 1, (1, 2), "valid", "same"])
@pytest.mark.parametrize("stride", [1, 2])
def test_layers_match_pytorch(pad, stride):
    """Do conv, transposed conv, pools and group norm equal PyTorch's (when installed)?"""
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 4, 9, 9))
    w = rng.standard_normal((3, 4, 3, 3))
    b = rng.standard_normal(3)
    pads = explicit_pads(pad, 9, 9, 3, 3, stride)
    if isinstance(pad, int | tuple) and (9 + pads[0] + pads[1] - 3) % stride:
        pytest.skip("stride does not tile")
    out, _ = conv_forward_naive(x, w, b, {"stride": stride, "pad": pad})
    tx = tF.pad(torch.tensor(x), (pads[2], pads[3], pads[0], pads[1]))
    expected = tF.conv2d(tx, torch.tensor(w), torch.tensor(b), stride=stride).numpy()
    assert rel_error(out, expected) < 1e-10
    if not isinstance(pad, str):
        ph, pw = (pad, pad) if isinstance(pad, int) else pad
        xt = rng.standard_normal((2, 3, 4, 4))
        bt = rng.standard_normal(4)
        out, _ = conv_transpose_forward_naive(xt, w, bt, {"stride": stride, "pad": pad})
        expected = tF.conv_transpose2d(
            torch.tensor(xt), torch.tensor(w), torch.tensor(bt), stride=stride, padding=(ph, pw)
        ).numpy()
        assert rel_error(out, expected) < 1e-10
    param = {"pool_height": 3, "pool_width": 3, "stride": stride}
    for fwd, tfn in (
        (max_pool_forward_naive, tF.max_pool2d),
        (avg_pool_forward_naive, tF.avg_pool2d),
    ):
        out, _ = fwd(x, param)
        assert rel_error(out, tfn(torch.tensor(x), 3, stride).numpy()) < 1e-12
    gamma, beta = rng.standard_normal((1, 4, 1, 1)), rng.standard_normal((1, 4, 1, 1))
    out, _ = spatial_groupnorm_forward(x, gamma, beta, 2, {})
    expected = tF.group_norm(
        torch.tensor(x), 2, torch.tensor(gamma.ravel()), torch.tensor(beta.ravel()), eps=1e-5
    ).numpy()
    assert rel_error(out, expected) < 1e-9
