"""Tests of cs231n/fast_layers.py against independent oracles.

Oracles: explicit loops (tests/oracles.py, and the scatter and first-maximum
loops below), scipy.signal.correlate, central-difference gradients, the
bilinearity of convolution (<conv(x), y> = <x, conv^T(y)>), numbers worked
out by hand, the naive layers of cs231n/layers.py once they exist, and
PyTorch when it happens to be installed (never required). A fast layer is
never compared with its own output.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import correlate

from cs231n import fast_layers
from cs231n.fast_layers import (
    avg_pool_backward_fast,
    avg_pool_forward_fast,
    conv_backward_fast,
    conv_forward_fast,
    conv_transpose_backward_fast,
    conv_transpose_forward_fast,
    max_pool_backward_fast,
    max_pool_forward_fast,
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
    torch_pool2d,
)

SETTINGS = settings(max_examples=30, deadline=None)

# (x shape, w shape, stride, pad): every padding form, with the awkward cases named.
CONV_CASES = {
    "int pad 1": ((2, 3, 5, 5), (4, 3, 3, 3), 1, 1),
    "int pad 2, stride 2": ((2, 2, 6, 6), (3, 2, 4, 4), 2, 2),
    "pair pad, non-square kernel": ((1, 2, 5, 7), (3, 2, 3, 2), 1, (1, 0)),
    "stride larger than the kernel": ((2, 2, 7, 7), (2, 2, 1, 1), 3, 0),
    "stride 3, pair pad": ((1, 3, 7, 8), (2, 3, 3, 2), 3, (1, 0)),
    "valid, unused trailing rows": ((2, 2, 8, 7), (3, 2, 3, 2), 2, "valid"),
    "same, odd total padding": ((2, 2, 6, 5), (2, 2, 4, 2), 1, "same"),
    "same, stride 2": ((2, 3, 7, 6), (2, 3, 3, 3), 2, "same"),
    "same, stride larger than the kernel": ((1, 2, 7, 5), (2, 2, 2, 1), 3, "same"),
    "1x1 kernel, no pad": ((3, 4, 4, 4), (5, 4, 1, 1), 1, 0),
}

# (x shape, pool height, pool width, stride)
POOL_CASES = {
    "2x2 stride 2 (tiling)": ((2, 3, 6, 4), 2, 2, 2),
    "3x3 stride 1 (overlapping)": ((2, 2, 5, 6), 3, 3, 1),
    "3x3 stride 2 (overlapping)": ((1, 2, 7, 5), 3, 3, 2),
    "2x3 stride 2 (non-square)": ((2, 2, 6, 7), 2, 3, 2),
    "1x1 stride 3 (gaps)": ((1, 2, 7, 4), 1, 1, 3),
    "2x2 stride 3 (gaps)": ((2, 2, 8, 5), 2, 2, 3),
    "whole input": ((2, 3, 3, 4), 3, 4, 1),
}

# (x shape (N, F, H, W), w shape (F, C, HH, WW), stride, pad) of transposed convolutions.
TRANSPOSE_CASES = {
    "int pad 1, stride 2": ((2, 3, 3, 3), (3, 2, 3, 3), 2, 1),
    "pair pad, non-square kernel": ((1, 2, 3, 4), (2, 3, 4, 3), 2, (1, 0)),
    "valid, stride 1": ((2, 2, 3, 2), (2, 2, 2, 3), 1, "valid"),
    "same, stride 2": ((2, 2, 3, 3), (2, 3, 3, 3), 2, "same"),
    "same, odd total padding": ((1, 2, 3, 4), (2, 2, 4, 2), 1, "same"),
    "same, stride larger than the kernel": ((1, 2, 2, 3), (2, 2, 2, 1), 3, "same"),
    "stride larger than the kernel": ((1, 2, 3, 2), (2, 1, 2, 2), 3, 0),
}


def ids(cases):
    return list(cases)


# ---------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------


def transpose_geometry(x_shape, w_shape, stride, pad):
    """Output size (H', W') and pads of a transposed convolution, from their definitions."""
    _, _, H, W = x_shape
    _, _, HH, WW = w_shape
    if pad == "same":
        H_out, W_out = H * stride, W * stride
        return (H_out, W_out), explicit_pads(pad, H_out, W_out, HH, WW, stride)
    ph, pw = (0, 0) if pad == "valid" else ((pad, pad) if isinstance(pad, int) else pad)
    H_out, W_out = (H - 1) * stride - 2 * ph + HH, (W - 1) * stride - 2 * pw + WW
    return (H_out, W_out), (ph, ph, pw, pw)


def conv_transpose_loops(x, w, b, stride, pads, out_size):
    """Scatter every x[n, f, i, j] * w[f] into a padded zero array, one pixel at a time."""
    N, F, H, W = x.shape
    _, C, HH, WW = w.shape
    top, bottom, left, right = pads
    H_out, W_out = out_size
    canvas = np.zeros((N, C, top + H_out + bottom, left + W_out + right))
    for n in range(N):
        for f in range(F):
            for i in range(H):
                for j in range(W):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    canvas[n, :, rows, cols] += x[n, f, i, j] * w[f]
    return canvas[:, :, top : top + H_out, left : left + W_out] + b[None, :, None, None]


def max_pool_backward_loops(x, dout, ph, pw, stride):
    """Send each window's gradient to its first maximum (np.argmax order), one window at a time."""
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * stride : i * stride + ph, j * stride : j * stride + pw]
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j]
    return dx


def avg_pool_backward_loops(x, dout, ph, pw, stride):
    """Spread each window's gradient evenly over its inputs, one window at a time."""
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x.shape)
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * stride, i * stride + ph)
            cols = slice(j * stride, j * stride + pw)
            dx[:, :, rows, cols] += dout[:, :, i, j, None, None] / (ph * pw)
    return dx


def conv_case(x_shape, w_shape, stride, pad, seed=0):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    return x, w, b, {"stride": stride, "pad": pad}


def pool_param(ph, pw, stride):
    return {"pool_height": ph, "pool_width": pw, "stride": stride}


def naive_layer(name):
    """The naive layer `name` from cs231n.layers, or skip the test if it is not there yet."""
    layers = pytest.importorskip("cs231n.layers", reason="cs231n/layers.py is not written yet")
    fn = getattr(layers, name, None)
    if fn is None:
        pytest.skip(f"cs231n.layers has no {name} yet")
    return fn


def call_naive(fn, *args):
    """Call a naive layer; skip the test while it is still a stub."""
    try:
        return fn(*args)
    except NotImplementedError:
        pytest.skip(f"{fn.__name__} is not implemented yet")


# ---------------------------------------------------------------------------
# Hypothesis strategies
# ---------------------------------------------------------------------------


@st.composite
def conv_cases(draw):
    """A random small convolution, with any padding form, whose stride tiles the input."""
    N, C, F = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    HH, WW, stride = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    pad = draw(
        st.one_of(
            st.integers(0, 2),
            st.tuples(st.integers(0, 2), st.integers(0, 2)),
            st.sampled_from(["valid", "same"]),
        )
    )
    if pad == "valid":  # any size the kernel fits in; trailing rows may go unused
        H, W = HH + draw(st.integers(0, 5)), WW + draw(st.integers(0, 5))
    elif pad == "same":
        H, W = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    else:  # pick the output size, then the input size the stride tiles exactly
        ph, pw = (pad, pad) if isinstance(pad, int) else pad
        H = HH - 2 * ph + stride * draw(st.integers(0, 3))
        W = WW - 2 * pw + stride * draw(st.integers(0, 3))
        while H < 1:
            H += stride
        while W < 1:
            W += stride
    return conv_case((N, C, H, W), (F, C, HH, WW), stride, pad, seed=draw(st.integers(0, 2**16)))


@st.composite
def pool_cases(draw):
    """A random small pooling layer, unpadded; rows and columns may be left over (a floor).

    Small integer values make ties frequent.
    """
    ph, pw, stride = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H = ph + stride * draw(st.integers(0, 3)) + draw(st.integers(0, stride - 1))
    W = pw + stride * draw(st.integers(0, 3)) + draw(st.integers(0, stride - 1))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.integers(-2, 3, size=(draw(st.integers(1, 2)), draw(st.integers(1, 3)), H, W))
    return x.astype(np.float64), ph, pw, stride


@st.composite
def padded_pool_cases(draw):
    """A random small padded pooling layer, any padding form (each pad smaller than the window).

    Values are small negative integers: ties are frequent, and zeros in the
    padding would win a max.
    """
    ph, pw, stride = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    pad = draw(
        st.one_of(
            st.integers(0, min(ph, pw) - 1),
            st.tuples(st.integers(0, ph - 1), st.integers(0, pw - 1)),
            st.sampled_from(["valid", "same"]),
        )
    )
    # The smallest input the window fits once padded.
    if pad == "valid":
        low_h, low_w = ph, pw
    elif pad == "same":
        low_h, low_w = 1, 1
    else:
        pad_h, pad_w = (pad, pad) if isinstance(pad, int) else pad
        low_h, low_w = max(ph - 2 * pad_h, 1), max(pw - 2 * pad_w, 1)
    H, W = low_h + draw(st.integers(0, 5)), low_w + draw(st.integers(0, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.integers(-4, 0, size=(draw(st.integers(1, 2)), draw(st.integers(1, 2)), H, W))
    param = {**pool_param(ph, pw, stride), "pad": pad}
    return x.astype(np.float64), param, explicit_pads(pad, H, W, ph, pw, stride)


@st.composite
def transpose_cases(draw):
    """A random small transposed convolution, with any padding form, that has an output."""
    N, F, C = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H, W = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    HH, WW, stride = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["int", "pair", "valid", "same"]))
    # The largest pad that still leaves one output row (column).
    max_ph = ((H - 1) * stride + HH - 1) // 2
    max_pw = ((W - 1) * stride + WW - 1) // 2
    if kind == "int":
        pad = draw(st.integers(0, min(max_ph, max_pw)))
    elif kind == "pair":
        pad = (draw(st.integers(0, max_ph)), draw(st.integers(0, max_pw)))
    else:
        pad = kind
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x, w = rng.standard_normal((N, F, H, W)), rng.standard_normal((F, C, HH, WW))
    return x, w, rng.standard_normal(C), {"stride": stride, "pad": pad}


# ---------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------


@pytest.mark.conv
def test_conv_forward_fast_by_hand():
    """Does a 2x2 filter of ones, stride 1, pad 1, sum each window of a 2x2 input?"""
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    w, b = np.ones((1, 1, 2, 2)), np.array([0.5])
    out, _ = conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
    expected = np.array([[1.0, 3.0, 2.0], [4.0, 10.0, 6.0], [3.0, 7.0, 4.0]]) + 0.5
    np.testing.assert_array_equal(out, expected[None, None])


@pytest.mark.conv
@pytest.mark.parametrize("case", CONV_CASES.values(), ids=ids(CONV_CASES))
def test_conv_forward_fast_matches_loops(case):
    """Does conv_forward_fast agree with explicit loops over every output pixel?"""
    x, w, b, conv_param = conv_case(*case)
    pads = explicit_pads(conv_param["pad"], *x.shape[2:], *w.shape[2:], conv_param["stride"])
    out, _ = conv_forward_fast(x, w, b, conv_param)
    assert rel_error(out, conv2d_loops(x, w, b, conv_param["stride"], pads)) < 1e-12


@pytest.mark.conv
@pytest.mark.parametrize("case", CONV_CASES.values(), ids=ids(CONV_CASES))
def test_conv_forward_fast_matches_scipy(case):
    """Does conv_forward_fast agree with scipy.signal.correlate, subsampled by the stride?"""
    x, w, b, conv_param = conv_case(*case)
    stride = conv_param["stride"]
    top, bottom, left, right = explicit_pads(conv_param["pad"], *x.shape[2:], *w.shape[2:], stride)
    out, _ = conv_forward_fast(x, w, b, conv_param)
    x_pad = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    H_out, W_out = out.shape[2:]
    for n in range(x.shape[0]):
        for f in range(w.shape[0]):
            # Correlating over (C, H, W) with a kernel spanning all of C leaves one channel.
            full = correlate(x_pad[n], w[f], mode="valid")[0]
            expected = full[::stride, ::stride][:H_out, :W_out] + b[f]
            assert rel_error(out[n, f], expected) < 1e-10


@pytest.mark.conv
@pytest.mark.parametrize("case", CONV_CASES.values(), ids=ids(CONV_CASES))
def test_conv_backward_fast_matches_numeric_gradients(case):
    """Do dx, dw and db of conv_backward_fast agree with central differences?"""
    x, w, b, conv_param = conv_case(*case)
    out, cache = conv_forward_fast(x, w, b, conv_param)
    dout = np.random.default_rng(1).standard_normal(out.shape)
    dx, dw, db = conv_backward_fast(dout, cache)

    def fwd(x_, w_, b_):
        return conv_forward_fast(x_, w_, b_, conv_param)[0]

    assert rel_error(dx, numeric_gradient(lambda v: fwd(v, w, b), x, dout)) < 1e-7
    assert rel_error(dw, numeric_gradient(lambda v: fwd(x, v, b), w, dout)) < 1e-7
    assert rel_error(db, numeric_gradient(lambda v: fwd(x, w, v), b, dout)) < 1e-7


@pytest.mark.conv
def test_conv_backward_fast_ignores_rows_valid_leaves_unused():
    """Does conv_backward_fast give zero gradient to the rows and columns 'valid' never reads?"""
    x, w, b, conv_param = conv_case((2, 2, 8, 7), (3, 2, 3, 2), 2, "valid")
    out, cache = conv_forward_fast(x, w, b, conv_param)
    dx, _, _ = conv_backward_fast(np.ones(out.shape), cache)
    # Windows start at rows 0, 2, 4 (3 high: rows 0..6) and columns 0, 2, 4 (2 wide: 0..5).
    assert np.all(dx[:, :, 7, :] == 0)
    assert np.all(dx[:, :, :, 6] == 0)
    assert np.all(dx[:, :, :7, :6] != 0)


@pytest.mark.conv
@given(case=conv_cases())
@SETTINGS
def test_conv_fast_properties_on_random_shapes(case):
    """On random shapes, strides and pads, does the forward pass match loops, and does the
    backward pass satisfy <conv(x) - b, dout> = <x, dx> = <w, dw> (conv is bilinear)?"""
    x, w, b, conv_param = case
    stride = conv_param["stride"]
    pads = explicit_pads(conv_param["pad"], *x.shape[2:], *w.shape[2:], stride)
    out, cache = conv_forward_fast(x, w, b, conv_param)
    assert rel_error(out, conv2d_loops(x, w, b, stride, pads)) < 1e-10
    dout = np.random.default_rng(0).standard_normal(out.shape)
    dx, dw, db = conv_backward_fast(dout, cache)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)
    # Without the bias, out is linear in x and in w: <out, dout> = <x, dx> = <w, dw>.
    inner = np.sum((out - b[None, :, None, None]) * dout)
    assert np.sum(x * dx) == pytest.approx(inner, rel=1e-9, abs=1e-9)
    assert np.sum(w * dw) == pytest.approx(inner, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(db, dout.sum(axis=(0, 2, 3)), rtol=1e-12, atol=1e-12)


@pytest.mark.conv
@pytest.mark.parametrize("case", CONV_CASES.values(), ids=ids(CONV_CASES))
def test_conv_fast_matches_naive(case):
    """Do conv_forward_fast and conv_backward_fast agree with the naive layers to 1e-9?"""
    forward, backward = naive_layer("conv_forward_naive"), naive_layer("conv_backward_naive")
    x, w, b, conv_param = conv_case(*case)
    out_naive, cache_naive = call_naive(forward, x, w, b, conv_param)
    grads_naive = call_naive(backward, np.ones(out_naive.shape), cache_naive)
    out, cache = conv_forward_fast(x, w, b, conv_param)
    assert rel_error(out, out_naive) < 1e-9
    grads = conv_backward_fast(np.ones(out.shape), cache)
    for name, fast, naive in zip(("dx", "dw", "db"), grads, grads_naive, strict=True):
        assert rel_error(fast, naive) < 1e-9, name


@pytest.mark.conv
def test_conv_cs231n_names_are_aliases():
    """Do CS231n's old names (im2col, strides) point to the fast convolution?"""
    assert fast_layers.conv_forward_im2col is conv_forward_fast
    assert fast_layers.conv_forward_strides is conv_forward_fast
    assert fast_layers.conv_backward_im2col is conv_backward_fast
    assert fast_layers.conv_backward_strides is conv_backward_fast


@pytest.mark.conv
@pytest.mark.parametrize(
    ("x_shape", "w_shape", "b_shape", "conv_param", "message"),
    [
        ((2, 3, 5), (4, 3, 3, 3), (4,), {"stride": 1, "pad": 1}, "x must have 4 dimensions"),
        ((2, 3, 5, 5), (4, 2, 3, 3), (4,), {"stride": 1, "pad": 1}, "x has 3 channels"),
        ((2, 3, 5, 5), (4, 3, 3, 3), (3,), {"stride": 1, "pad": 1}, "b must have shape"),
        ((1, 1, 6, 6), (1, 1, 3, 3), (1,), {"stride": 2, "pad": 0}, "does not tile"),
        ((1, 1, 5, 5), (1, 1, 3, 3), (1,), {"stride": 1}, "missing the key 'pad'"),
        ((1, 1, 2, 2), (1, 1, 3, 3), (1,), {"stride": 1, "pad": "valid"}, "larger than"),
    ],
)
def test_conv_fast_rejects_bad_arguments(x_shape, w_shape, b_shape, conv_param, message):
    """Does conv_forward_fast raise a ValueError that names the problem?"""
    with pytest.raises(ValueError, match=message):
        conv_forward_fast(np.zeros(x_shape), np.zeros(w_shape), np.zeros(b_shape), conv_param)


@pytest.mark.conv
def test_conv_backward_fast_rejects_wrong_dout():
    """Does conv_backward_fast refuse an upstream gradient of the wrong shape?"""
    x, w, b, conv_param = conv_case((2, 3, 5, 5), (4, 3, 3, 3), 1, 1)
    out, cache = conv_forward_fast(x, w, b, conv_param)
    with pytest.raises(ValueError, match="dout must have shape"):
        conv_backward_fast(np.zeros((*out.shape[:3], out.shape[3] + 1)), cache)
    with pytest.raises(ValueError, match="dout must have 4 dimensions"):
        conv_backward_fast(np.zeros(out.shape[1:]), cache)


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------


@pytest.mark.pool
@pytest.mark.parametrize("case", POOL_CASES.values(), ids=ids(POOL_CASES))
def test_pools_fast_match_loops_and_numeric_gradients(case):
    """Do the fast pools agree with loops forward, and with central differences backward?"""
    x_shape, ph, pw, stride = case
    # Distinct values spaced 0.01 apart: no ties, and max is smooth at step 1e-6.
    rng = np.random.default_rng(0)
    x = rng.permutation(np.prod(x_shape)).reshape(x_shape) / 100.0
    param = pool_param(ph, pw, stride)
    for forward, backward, reduce in (
        (max_pool_forward_fast, max_pool_backward_fast, np.max),
        (avg_pool_forward_fast, avg_pool_backward_fast, np.mean),
    ):
        out, cache = forward(x, param)
        assert rel_error(out, pool2d_loops(x, ph, pw, stride, reduce)) < 1e-12
        dout = rng.standard_normal(out.shape)
        dx = backward(dout, cache)
        expected = numeric_gradient(lambda v, f=forward: f(v, param)[0], x, dout)
        assert rel_error(dx, expected) < 1e-7, forward.__name__


@pytest.mark.pool
@pytest.mark.parametrize("case", POOL_CASES.values(), ids=ids(POOL_CASES))
def test_pools_fast_backward_match_window_loops(case):
    """Does the fast backward pass of both pools match loops over windows, ties included?"""
    x_shape, ph, pw, stride = case
    rng = np.random.default_rng(1)
    x = rng.integers(0, 2, size=x_shape).astype(np.float64)  # many ties
    param = pool_param(ph, pw, stride)
    out, cache = max_pool_forward_fast(x, param)
    dout = rng.standard_normal(out.shape)
    expected = max_pool_backward_loops(x, dout, ph, pw, stride)
    assert rel_error(max_pool_backward_fast(dout, cache), expected) < 1e-12
    _, cache = avg_pool_forward_fast(x, param)
    expected = avg_pool_backward_loops(x, dout, ph, pw, stride)
    assert rel_error(avg_pool_backward_fast(dout, cache), expected) < 1e-12


@pytest.mark.pool
def test_max_pool_backward_fast_sends_a_tie_to_the_first_maximum_only():
    """Does max_pool_backward_fast send a tie's gradient to the first maximum only?"""
    x = np.array([[[[1.0, 3.0, 0.0, 0.0], [3.0, 3.0, 0.0, 0.0]]]])
    out, cache = max_pool_forward_fast(x, pool_param(2, 2, 2))
    np.testing.assert_array_equal(out, [[[[3.0, 0.0]]]])
    dx = max_pool_backward_fast(np.array([[[[5.0, 7.0]]]]), cache)
    # Row-major order: (0, 1) is the first 3 of the left window, (0, 0) the first 0 of the right.
    np.testing.assert_array_equal(dx, [[[[0.0, 5.0, 7.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]])


@pytest.mark.pool
def test_max_pool_backward_fast_accumulates_over_overlapping_windows():
    """Does an input that is the maximum of overlapping windows collect all their gradients?"""
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 9.0  # the centre is in all four 2x2 windows (stride 1)
    _, cache = max_pool_forward_fast(x, pool_param(2, 2, 1))
    dout = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    dx = max_pool_backward_fast(dout, cache)
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = 10.0
    np.testing.assert_array_equal(dx, expected)


@pytest.mark.pool
@pytest.mark.parametrize("case", POOL_CASES.values(), ids=ids(POOL_CASES))
def test_avg_pool_backward_fast_preserves_the_gradient_sum(case):
    """Does avg_pool_backward_fast hand on all the gradient it receives (sum dx = sum dout)?"""
    x_shape, ph, pw, stride = case
    rng = np.random.default_rng(2)
    x = rng.standard_normal(x_shape)
    out, cache = avg_pool_forward_fast(x, pool_param(ph, pw, stride))
    dout = rng.standard_normal(out.shape)
    dx = avg_pool_backward_fast(dout, cache)
    np.testing.assert_allclose(dx.sum(axis=(2, 3)), dout.sum(axis=(2, 3)), rtol=1e-12, atol=1e-12)


@pytest.mark.pool
@given(case=pool_cases())
@SETTINGS
def test_pools_fast_properties_on_random_shapes(case):
    """On random windows and strides (with ties), do both pools match window-by-window loops?"""
    x, ph, pw, stride = case
    param = pool_param(ph, pw, stride)
    out, cache = max_pool_forward_fast(x, param)
    np.testing.assert_array_equal(out, pool2d_loops(x, ph, pw, stride, np.max))
    dout = np.random.default_rng(0).standard_normal(out.shape)
    expected = max_pool_backward_loops(x, dout, ph, pw, stride)
    np.testing.assert_allclose(max_pool_backward_fast(dout, cache), expected, atol=1e-12)
    out, cache = avg_pool_forward_fast(x, param)
    np.testing.assert_allclose(out, pool2d_loops(x, ph, pw, stride, np.mean), atol=1e-12)
    expected = avg_pool_backward_loops(x, dout, ph, pw, stride)
    np.testing.assert_allclose(avg_pool_backward_fast(dout, cache), expected, atol=1e-12)


@pytest.mark.pool
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("case", POOL_CASES.values(), ids=ids(POOL_CASES))
def test_pools_fast_match_naive(kind, case):
    """Do the fast pools agree with the naive layers forward and backward (ties included)?"""
    forward = naive_layer(f"{kind}_pool_forward_naive")
    backward = naive_layer(f"{kind}_pool_backward_naive")
    fast_forward = getattr(fast_layers, f"{kind}_pool_forward_fast")
    fast_backward = getattr(fast_layers, f"{kind}_pool_backward_fast")
    x_shape, ph, pw, stride = case
    rng = np.random.default_rng(3)
    x = rng.integers(-1, 2, size=x_shape).astype(np.float64)
    param = pool_param(ph, pw, stride)
    out_naive, cache_naive = call_naive(forward, x, param)
    dout = rng.standard_normal(out_naive.shape)
    dx_naive = call_naive(backward, dout, cache_naive)
    out, cache = fast_forward(x, param)
    assert rel_error(out, out_naive) < 1e-9
    assert rel_error(fast_backward(dout, cache), dx_naive) < 1e-9


@pytest.mark.pool
@pytest.mark.parametrize(
    ("x_shape", "param", "message"),
    [
        ((2, 3, 4), pool_param(2, 2, 2), "x must have 4 dimensions"),
        ((1, 1, 4, 4), pool_param(5, 2, 1), "larger than"),
        ((1, 1, 4, 4), {**pool_param(2, 3, 1), "pad": (1, 3)}, "adds 3 columns on the left"),
        ((1, 1, 4, 4), {"pool_height": 2, "stride": 2}, "missing the key 'pool_width'"),
    ],
)
@pytest.mark.parametrize("forward", [max_pool_forward_fast, avg_pool_forward_fast])
def test_pools_fast_reject_bad_arguments(forward, x_shape, param, message):
    """Do the fast pools raise a ValueError that names the problem?"""
    with pytest.raises(ValueError, match=message):
        forward(np.zeros(x_shape), param)


@pytest.mark.pool
@pytest.mark.parametrize(
    ("forward", "backward"),
    [
        (max_pool_forward_fast, max_pool_backward_fast),
        (avg_pool_forward_fast, avg_pool_backward_fast),
    ],
)
def test_pools_fast_backward_reject_wrong_dout(forward, backward):
    """Do the fast pools' backward passes refuse an upstream gradient of the wrong shape?"""
    out, cache = forward(np.zeros((2, 3, 4, 4)), pool_param(2, 2, 2))
    with pytest.raises(ValueError, match="dout must have shape"):
        backward(np.zeros((2, 3, 2, 3)), cache)
    with pytest.raises(ValueError, match="dout must have 4 dimensions"):
        backward(np.zeros(out.shape[1:]), cache)


# ---------------------------------------------------------------------------
# Padded and non-tiling pooling
# ---------------------------------------------------------------------------

#: The issue's worked example: one 3 x 3 channel, a 2 x 2 window, stride 2.
M = np.array([[1.0, -1.0, 0.0], [-1.0, 2.0, 1.0], [0.0, 2.0, -2.0]]).reshape(1, 1, 3, 3)

# (x shape, pool height, pool width, stride, pad)
PADDED_POOL_CASES = {
    "non-tiling 2x2 stride 2 (the reshape-like case, a row left over)": ((2, 3, 7, 6), 2, 2, 2, 0),
    "valid, remainder on both axes": ((2, 2, 8, 7), 3, 2, 3, "valid"),
    "int pad 1, overlapping": ((2, 2, 5, 6), 3, 3, 2, 1),
    "pair pad, non-square window": ((1, 3, 6, 5), 2, 3, 2, (1, 2)),
    "same, stride 2 (pads bottom and right)": ((2, 2, 5, 7), 2, 2, 2, "same"),
    "same, uneven on both axes": ((1, 2, 6, 7), 3, 4, 1, "same"),
    "same, stride 3 larger than the window": ((2, 1, 7, 8), 2, 2, 3, "same"),
}


def padded_case(case, seed):
    """(x, param, pads) of a PADDED_POOL_CASES entry, x of distinct negative values."""
    x_shape, ph, pw, stride, pad = case
    rng = np.random.default_rng(seed)
    x = -1.0 - rng.permutation(np.prod(x_shape)).reshape(x_shape) / 100.0
    pads = explicit_pads(pad, x_shape[2], x_shape[3], ph, pw, stride)
    return x, {**pool_param(ph, pw, stride), "pad": pad}, pads


@pytest.mark.pool
def test_fast_pools_reproduce_the_worked_example():
    """Do the fast pools give the issue's numbers for 'valid' and 'same' pooling?"""
    window = pool_param(2, 2, 2)
    out, _ = avg_pool_forward_fast(M, {**window, "pad": "valid"})
    np.testing.assert_allclose(out[0, 0], [[0.25]])
    out, cache = avg_pool_forward_fast(M, {**window, "pad": "same"})
    np.testing.assert_allclose(out[0, 0], [[0.25, 0.5], [1.0, -2.0]])
    dx = avg_pool_backward_fast(np.ones_like(out), cache)
    np.testing.assert_allclose(dx[0, 0], [[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]])
    out, cache = avg_pool_forward_fast(M, {**window, "pad": "same", "count_include_pad": True})
    np.testing.assert_allclose(out[0, 0], [[0.25, 0.25], [0.5, -0.5]])
    out, cache = max_pool_forward_fast(M, {**window, "pad": "same"})
    np.testing.assert_array_equal(out[0, 0], [[2.0, 1.0], [2.0, -2.0]])
    dx = max_pool_backward_fast(np.array([[[[1.0, 10.0], [100.0, 1000.0]]]]), cache)
    np.testing.assert_array_equal(dx[0, 0], [[0, 0, 0], [0, 1, 10], [0, 100, 1000]])


@pytest.mark.pool
@pytest.mark.parametrize("case", PADDED_POOL_CASES.values(), ids=list(PADDED_POOL_CASES))
def test_padded_fast_pools_match_loops_and_numeric_gradients(case):
    """Padded or not tiling, do the fast pools match NaN-framed loops and central differences?"""
    x, param, pads = padded_case(case, seed=4)
    _, ph, pw, stride, _ = case
    rng = np.random.default_rng(5)
    out, cache = max_pool_forward_fast(x, param)
    expected, argmax = padded_pool2d_loops(x, ph, pw, stride, pads, "max")
    np.testing.assert_array_equal(out, expected)
    dout = rng.standard_normal(out.shape)
    dx = max_pool_backward_fast(dout, cache)
    assert rel_error(dx, max_pool_backward_by_argmax(x.shape, dout, argmax)) < 1e-12
    for include in (False, True):
        p = {**param, "count_include_pad": include}
        out, cache = avg_pool_forward_fast(x, p)
        expected, _ = padded_pool2d_loops(x, ph, pw, stride, pads, "avg", include)
        assert rel_error(out, expected) < 1e-12, include
        dx = avg_pool_backward_fast(dout, cache)
        numeric = numeric_gradient(lambda v, p=p: avg_pool_forward_fast(v, p)[0], x, dout)
        assert gradient_error(dx, numeric) < 1e-6, include


@pytest.mark.pool
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("case", PADDED_POOL_CASES.values(), ids=list(PADDED_POOL_CASES))
def test_padded_fast_pools_match_naive(kind, case):
    """Padded or not tiling, do the fast pools agree with the naive layers (ties included)?"""
    forward = naive_layer(f"{kind}_pool_forward_naive")
    backward = naive_layer(f"{kind}_pool_backward_naive")
    fast_forward = getattr(fast_layers, f"{kind}_pool_forward_fast")
    fast_backward = getattr(fast_layers, f"{kind}_pool_backward_fast")
    x_shape, ph, pw, stride, pad = case
    rng = np.random.default_rng(6)
    x = rng.integers(-3, 1, size=x_shape).astype(np.float64)
    param = {**pool_param(ph, pw, stride), "pad": pad}
    out_naive, cache_naive = call_naive(forward, x, param)
    dout = rng.standard_normal(out_naive.shape)
    dx_naive = call_naive(backward, dout, cache_naive)
    out, cache = fast_forward(x, param)
    assert rel_error(out, out_naive) < 1e-12
    assert rel_error(fast_backward(dout, cache), dx_naive) < 1e-12


@pytest.mark.pool
@given(case=padded_pool_cases())
@SETTINGS
def test_padded_fast_pools_properties_on_random_shapes(case):
    """On random windows, strides and pads (ties, all-negative values), do both fast pools match
    NaN-framed loops, and does average pooling hand on all the gradient it receives?"""
    x, param, pads = case
    ph, pw, stride = param["pool_height"], param["pool_width"], param["stride"]
    out, cache = max_pool_forward_fast(x, param)
    expected, argmax = padded_pool2d_loops(x, ph, pw, stride, pads, "max")
    np.testing.assert_array_equal(out, expected)
    dout = np.random.default_rng(0).standard_normal(out.shape)
    expected_dx = max_pool_backward_by_argmax(x.shape, dout, argmax)
    np.testing.assert_allclose(max_pool_backward_fast(dout, cache), expected_dx, atol=1e-12)
    for include in (False, True):
        p = {**param, "count_include_pad": include}
        out, cache = avg_pool_forward_fast(x, p)
        expected, _ = padded_pool2d_loops(x, ph, pw, stride, pads, "avg", include)
        np.testing.assert_allclose(out, expected, atol=1e-12)
        dx = avg_pool_backward_fast(dout, cache)
        if not include:  # every share lands on x: nothing is lost to the padding
            np.testing.assert_allclose(dx.sum(), dout.sum(), rtol=1e-9, atol=1e-9)


@pytest.mark.pool
@pytest.mark.parametrize(("kind", "pad"), [("max", 0), ("avg", 0), ("max", "same"), ("avg", 1)])
def test_rows_left_over_get_a_zero_gradient(kind, pad):
    """Where the floor leaves rows and columns out, is their gradient 0 (never left unset)?"""
    forward = getattr(fast_layers, f"{kind}_pool_forward_fast")
    backward = getattr(fast_layers, f"{kind}_pool_backward_fast")
    x = np.random.default_rng(7).standard_normal((2, 3, 9, 7))
    # 3x3 windows, stride 3: they tile 9 rows; 7 columns leave 1 out (pad 0, 'same' pads it).
    out, cache = forward(x, {**pool_param(3, 3, 3), "pad": pad})
    for _ in range(3):  # np.empty could hand back memory with anything in it
        dx = backward(np.ones(out.shape), cache)
        if pad == 0:
            np.testing.assert_array_equal(dx[:, :, :, 6], 0.0)
        assert np.all(np.isfinite(dx))


@pytest.mark.pool
@pytest.mark.parametrize("pad", [1, "same"])
def test_fast_max_pool_gives_a_window_of_minus_infinity_its_own_entry(pad):
    """Does a padded window whose entries of x are all -inf still pick an entry of x, as the
    naive layer does, so its gradient reaches x?"""
    from cs231n.layers import max_pool_backward_naive, max_pool_forward_naive

    x = np.full((1, 2, 4, 5), -np.inf)
    x[0, 1, 2, 3] = -5.0
    param = {**pool_param(2, 3, 2), "pad": pad}
    out, cache = max_pool_forward_fast(x, param)
    out_naive, cache_naive = max_pool_forward_naive(x, param)
    np.testing.assert_array_equal(out, out_naive)
    dout = np.arange(1.0, out.size + 1).reshape(out.shape)
    dx = max_pool_backward_fast(dout, cache)
    np.testing.assert_array_equal(dx, max_pool_backward_naive(dout, cache_naive))
    assert dx.sum() == dout.sum()


# ---------------------------------------------------------------------------
# Transposed convolution
# ---------------------------------------------------------------------------


@pytest.mark.transpose
def test_conv_transpose_forward_fast_by_hand():
    """Does a stride-2 transposed convolution of ones place one filter copy per input pixel?"""
    x = np.array([[[[1.0, 2.0]]]])  # (N, F, H, W) = (1, 1, 1, 2)
    w = np.array([[[[1.0, 10.0, 100.0]]]])  # (F, C, HH, WW) = (1, 1, 1, 3)
    out, _ = conv_transpose_forward_fast(x, w, np.array([0.5]), {"stride": 2, "pad": 0})
    # Copies start at columns 0 and 2; they overlap in column 2.
    expected = np.array([1.0, 10.0, 100.0 + 2.0, 20.0, 200.0]) + 0.5
    np.testing.assert_array_equal(out, expected[None, None, None])


@pytest.mark.transpose
@pytest.mark.parametrize("case", TRANSPOSE_CASES.values(), ids=ids(TRANSPOSE_CASES))
def test_conv_transpose_forward_fast_matches_loops(case):
    """Does conv_transpose_forward_fast agree with scattering one input pixel at a time?"""
    x_shape, w_shape, stride, pad = case
    x, w, _, conv_param = conv_case(x_shape, w_shape, stride, pad)
    b = np.random.default_rng(5).standard_normal(w_shape[1])
    out_size, pads = transpose_geometry(x_shape, w_shape, stride, pad)
    out, _ = conv_transpose_forward_fast(x, w, b, conv_param)
    assert out.shape == (x_shape[0], w_shape[1], *out_size)
    assert rel_error(out, conv_transpose_loops(x, w, b, stride, pads, out_size)) < 1e-12


@pytest.mark.transpose
@pytest.mark.parametrize("case", TRANSPOSE_CASES.values(), ids=ids(TRANSPOSE_CASES))
def test_conv_transpose_fast_is_the_input_gradient_of_conv_fast(case):
    """Is the transposed convolution the convolution's input gradient, and its own input
    gradient the convolution itself?"""
    x_shape, w_shape, stride, pad = case
    x, w, _, conv_param = conv_case(x_shape, w_shape, stride, pad)
    N, F, _, _ = x_shape
    C = w_shape[1]
    out, cache = conv_transpose_forward_fast(x, w, np.zeros(C), conv_param)
    # A convolution of an input shaped like `out` gives an output shaped like x; with dout = x
    # its input gradient is the transposed convolution of x.
    _, conv_cache = conv_forward_fast(np.zeros(out.shape), w, np.zeros(F), conv_param)
    dz, _, _ = conv_backward_fast(x, conv_cache)
    assert rel_error(out, dz) < 1e-12
    # Backwards, dx of the transposed convolution is the convolution of dout.
    dout = np.random.default_rng(6).standard_normal(out.shape)
    dx, _, _ = conv_transpose_backward_fast(dout, cache)
    expected, _ = conv_forward_fast(dout, w, np.zeros(F), conv_param)
    assert rel_error(dx, expected) < 1e-12


@pytest.mark.transpose
@pytest.mark.parametrize("case", TRANSPOSE_CASES.values(), ids=ids(TRANSPOSE_CASES))
def test_conv_transpose_backward_fast_matches_numeric_gradients(case):
    """Do dx, dw and db of conv_transpose_backward_fast agree with central differences?"""
    x_shape, w_shape, stride, pad = case
    x, w, _, conv_param = conv_case(x_shape, w_shape, stride, pad)
    b = np.random.default_rng(7).standard_normal(w_shape[1])
    out, cache = conv_transpose_forward_fast(x, w, b, conv_param)
    dout = np.random.default_rng(8).standard_normal(out.shape)
    dx, dw, db = conv_transpose_backward_fast(dout, cache)

    def fwd(x_, w_, b_):
        return conv_transpose_forward_fast(x_, w_, b_, conv_param)[0]

    assert rel_error(dx, numeric_gradient(lambda v: fwd(v, w, b), x, dout)) < 1e-7
    assert rel_error(dw, numeric_gradient(lambda v: fwd(x, v, b), w, dout)) < 1e-7
    assert rel_error(db, numeric_gradient(lambda v: fwd(x, w, v), b, dout)) < 1e-7


@pytest.mark.transpose
@given(case=transpose_cases())
@SETTINGS
def test_conv_transpose_fast_properties_on_random_shapes(case):
    """On random shapes, strides and pads, does the transposed convolution match the scatter
    loops and satisfy <T(x), dout> = <x, dx> = <w, dw>?"""
    x, w, b, conv_param = case
    out_size, pads = transpose_geometry(x.shape, w.shape, conv_param["stride"], conv_param["pad"])
    out, cache = conv_transpose_forward_fast(x, w, b, conv_param)
    assert (
        rel_error(out, conv_transpose_loops(x, w, b, conv_param["stride"], pads, out_size)) < 1e-10
    )
    dout = np.random.default_rng(0).standard_normal(out.shape)
    dx, dw, db = conv_transpose_backward_fast(dout, cache)
    inner = np.sum((out - b[None, :, None, None]) * dout)
    assert np.sum(x * dx) == pytest.approx(inner, rel=1e-9, abs=1e-9)
    assert np.sum(w * dw) == pytest.approx(inner, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(db, dout.sum(axis=(0, 2, 3)), rtol=1e-12, atol=1e-12)


@pytest.mark.transpose
@pytest.mark.parametrize("case", TRANSPOSE_CASES.values(), ids=ids(TRANSPOSE_CASES))
def test_conv_transpose_fast_matches_naive(case):
    """Do the fast transposed convolution's passes agree with the naive ones to 1e-9?"""
    forward = naive_layer("conv_transpose_forward_naive")
    backward = naive_layer("conv_transpose_backward_naive")
    x_shape, w_shape, stride, pad = case
    x, w, _, conv_param = conv_case(x_shape, w_shape, stride, pad)
    b = np.random.default_rng(9).standard_normal(w_shape[1])
    out_naive, cache_naive = call_naive(forward, x, w, b, conv_param)
    dout = np.random.default_rng(10).standard_normal(out_naive.shape)
    grads_naive = call_naive(backward, dout, cache_naive)
    out, cache = conv_transpose_forward_fast(x, w, b, conv_param)
    assert rel_error(out, out_naive) < 1e-9
    grads = conv_transpose_backward_fast(dout, cache)
    for name, fast, naive in zip(("dx", "dw", "db"), grads, grads_naive, strict=True):
        assert rel_error(fast, naive) < 1e-9, name


@pytest.mark.transpose
def test_conv_transpose_fast_rejects_bad_arguments():
    """Do the fast transposed convolution's passes raise a ValueError that names the problem?"""
    x, w, b = np.zeros((1, 2, 3, 3)), np.zeros((2, 3, 3, 3)), np.zeros(3)
    with pytest.raises(ValueError, match="x must have 4 dimensions"):
        conv_transpose_forward_fast(x[0], w, b, {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match="x has 3 channels but w has 2 filters"):
        conv_transpose_forward_fast(np.zeros((1, 3, 3, 3)), w, b, {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match="b must have shape"):
        conv_transpose_forward_fast(x, w, np.zeros(2), {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match="leaves no output"):
        conv_transpose_forward_fast(x, w, b, {"stride": 1, "pad": 3})
    out, cache = conv_transpose_forward_fast(x, w, b, {"stride": 2, "pad": 1})
    with pytest.raises(ValueError, match="dout must have shape"):
        conv_transpose_backward_fast(np.zeros((*out.shape[:2], 1, 1)), cache)


# ---------------------------------------------------------------------------
# Every layer: dtypes, inputs left alone, contiguous results
# ---------------------------------------------------------------------------


def every_layer(dtype):
    """(name, forward, backward, inputs, param) for each fast layer, with inputs of `dtype`."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 3, 6, 6)).astype(dtype)
    w = rng.standard_normal((4, 3, 3, 2)).astype(dtype)
    conv = {"stride": 2, "pad": "same"}
    pool = pool_param(2, 2, 2)
    overlapping = pool_param(3, 3, 1)
    padded = {**pool_param(3, 2, 4), "pad": "same"}  # gaps, and uneven padding
    xt = rng.standard_normal((2, 4, 3, 3)).astype(dtype)
    return [
        ("conv", conv_forward_fast, conv_backward_fast, (x, w, np.ones(4, dtype)), conv),
        ("max pool", max_pool_forward_fast, max_pool_backward_fast, (x,), pool),
        ("max pool overlapping", max_pool_forward_fast, max_pool_backward_fast, (x,), overlapping),
        ("avg pool", avg_pool_forward_fast, avg_pool_backward_fast, (x,), pool),
        ("avg pool overlapping", avg_pool_forward_fast, avg_pool_backward_fast, (x,), overlapping),
        ("max pool same", max_pool_forward_fast, max_pool_backward_fast, (x,), padded),
        ("avg pool same", avg_pool_forward_fast, avg_pool_backward_fast, (x,), padded),
        (
            "avg pool pad 1, whole window",
            avg_pool_forward_fast,
            avg_pool_backward_fast,
            (x,),
            {**overlapping, "pad": 1, "count_include_pad": True},
        ),
        (
            "conv transpose",
            conv_transpose_forward_fast,
            conv_transpose_backward_fast,
            (xt, w, np.ones(3, dtype)),
            {"stride": 2, "pad": 1},
        ),
    ]


def run_layer(forward, backward, inputs, param, dout_dtype=None):
    out, cache = forward(*inputs, param)
    dout = np.random.default_rng(12).standard_normal(out.shape)
    return out, as_tuple(backward(dout.astype(dout_dtype or out.dtype), cache))


def as_tuple(grads):
    """The backward passes of the pools return dx alone; the others a tuple."""
    return grads if isinstance(grads, tuple) else (grads,)


@pytest.mark.conv
@pytest.mark.pool
@pytest.mark.transpose
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_layers_keep_the_dtype_and_return_contiguous_arrays(dtype):
    """Does every fast layer keep float32 in float32 (and float64 in float64), in C order?"""
    for name, forward, backward, inputs, param in every_layer(dtype):
        out, grads = run_layer(forward, backward, inputs, param)
        for result in (out, *grads):
            assert result.dtype == dtype, name
            assert result.flags.c_contiguous, name
        for grad, a in zip(grads, inputs, strict=True):
            assert grad.shape == a.shape, name


@pytest.mark.conv
@pytest.mark.pool
@pytest.mark.transpose
def test_fast_layers_turn_integers_into_float64():
    """Does every fast layer compute in float64 when given integer arrays?"""
    for name, forward, backward, inputs, param in every_layer(np.int64):
        out, grads = run_layer(forward, backward, inputs, param, dout_dtype=np.int64)
        assert out.dtype == np.float64, name
        assert all(g.dtype == np.float64 for g in grads), name


@pytest.mark.conv
@pytest.mark.pool
@pytest.mark.transpose
def test_fast_layers_leave_their_inputs_alone():
    """Do the fast layers leave x, w, b, dout and the cache's arrays unmodified?"""
    for name, forward, backward, inputs, param in every_layer(np.float64):
        copies = [a.copy() for a in inputs]
        out, cache = forward(*inputs, param)
        dout = np.random.default_rng(13).standard_normal(out.shape)
        dout_copy = dout.copy()
        cache_copies = [a.copy() if isinstance(a, np.ndarray) else a for a in cache]
        first = as_tuple(backward(dout, cache))
        second = as_tuple(backward(dout, cache))  # the cache still works: same answer
        for a, copy in zip(inputs, copies, strict=True):
            np.testing.assert_array_equal(a, copy, err_msg=name)
        np.testing.assert_array_equal(dout, dout_copy, err_msg=name)
        for a, copy in zip(cache, cache_copies, strict=True):
            if isinstance(a, np.ndarray):
                np.testing.assert_array_equal(a, copy, err_msg=name)
        for g1, g2 in zip(first, second, strict=True):
            np.testing.assert_array_equal(g1, g2, err_msg=name)


@pytest.mark.conv
@pytest.mark.pool
@pytest.mark.transpose
def test_fast_layers_do_not_return_views_of_their_inputs():
    """Does writing into an output leave the input alone (1x1 windows, stride 1, no pad)?"""
    x = np.arange(8.0).reshape(1, 2, 2, 2)
    x_copy = x.copy()
    for forward, args in (
        (max_pool_forward_fast, (pool_param(1, 1, 1),)),
        (avg_pool_forward_fast, (pool_param(1, 1, 1),)),
        (conv_forward_fast, (np.eye(2).reshape(2, 2, 1, 1), np.zeros(2), {"stride": 1, "pad": 0})),
    ):
        out, _ = forward(x, *args)
        out += 1.0
        np.testing.assert_array_equal(x, x_copy, err_msg=forward.__name__)


# ---------------------------------------------------------------------------
# PyTorch, when installed (an optional extra check)
# ---------------------------------------------------------------------------


@pytest.mark.conv
@pytest.mark.pool
@pytest.mark.transpose
@pytest.mark.parametrize(("stride", "pad"), [(1, 1), (2, (1, 0)), (3, 0)])
def test_fast_layers_match_pytorch(stride, pad):
    """Do the fast layers, forward and backward, agree with PyTorch's CPU functions?"""
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    rng = np.random.default_rng(14)
    # Convolution: H + 2 * pad_h - HH must be a multiple of the stride.
    ph, pw = (pad, pad) if isinstance(pad, int) else pad
    x = rng.standard_normal((2, 3, 3 - 2 * ph + 2 * stride, 2 - 2 * pw + 3 * stride))
    w, b = rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = tf.conv2d(tx, tw, tb, stride=stride, padding=(ph, pw))
    out, cache = conv_forward_fast(x, w, b, {"stride": stride, "pad": pad})
    assert rel_error(out, tout.detach().numpy()) < 1e-12
    dout = rng.standard_normal(out.shape)
    tout.backward(torch.tensor(dout))
    for grad, t in zip(conv_backward_fast(dout, cache), (tx, tw, tb), strict=True):
        assert rel_error(grad, t.grad.numpy()) < 1e-12
    # Transposed convolution: torch's weight layout (in, out, kH, kW) is ours, (F, C, HH, WW).
    xt = rng.standard_normal((2, 4, 3, 2))
    bt = rng.standard_normal(3)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (xt, w, bt))
    tout = tf.conv_transpose2d(tx, tw, tb, stride=stride, padding=(ph, pw))
    out, cache = conv_transpose_forward_fast(xt, w, bt, {"stride": stride, "pad": pad})
    assert rel_error(out, tout.detach().numpy()) < 1e-12
    dout = rng.standard_normal(out.shape)
    tout.backward(torch.tensor(dout))
    for grad, t in zip(conv_transpose_backward_fast(dout, cache), (tx, tw, tb), strict=True):
        assert rel_error(grad, t.grad.numpy()) < 1e-12
    # Pools (distinct values, so PyTorch's tie rule does not matter).
    x = rng.permutation(2 * 3 * (2 + 2 * stride) * (3 + stride)).reshape(
        2, 3, 2 + 2 * stride, 3 + stride
    )
    x = x.astype(np.float64)
    for forward, backward, torch_pool in (
        (max_pool_forward_fast, max_pool_backward_fast, tf.max_pool2d),
        (avg_pool_forward_fast, avg_pool_backward_fast, tf.avg_pool2d),
    ):
        tx = torch.tensor(x, requires_grad=True)
        tout = torch_pool(tx, (2, 3), stride)
        out, cache = forward(x, pool_param(2, 3, stride))
        assert rel_error(out, tout.detach().numpy()) < 1e-12
        dout = rng.standard_normal(out.shape)
        tout.backward(torch.tensor(dout))
        assert rel_error(backward(dout, cache), tx.grad.numpy()) < 1e-12


@pytest.mark.pool
@pytest.mark.parametrize("case", PADDED_POOL_CASES.values(), ids=list(PADDED_POOL_CASES))
def test_padded_fast_pools_match_pytorch(case):
    """Do the fast pools, padded or not tiling, equal PyTorch's max_pool2d and avg_pool2d
    (ceil_mode=False, count_include_pad both ways), forward and backward?"""
    torch = pytest.importorskip("torch")
    x, param, pads = padded_case(case, seed=15)
    _, ph, pw, stride, _ = case
    dout = np.random.default_rng(16).standard_normal(max_pool_forward_fast(x, param)[0].shape)
    for kind, include in (("max", False), ("avg", False), ("avg", True)):
        p = {**param, "count_include_pad": include}
        out, cache = getattr(fast_layers, f"{kind}_pool_forward_fast")(x, p)
        dx = getattr(fast_layers, f"{kind}_pool_backward_fast")(dout, cache)
        expected, expected_dx = torch_pool2d(torch, x, ph, pw, stride, pads, kind, include, dout)
        assert rel_error(out, expected) < 1e-12, (kind, include)
        assert rel_error(dx, expected_dx) < 1e-12, (kind, include)


@pytest.mark.pool
@pytest.mark.parametrize("pad", [0, (1, 0)])
def test_max_pool_fast_treats_nan_as_the_maximum_like_the_naive_layer(pad):
    """Does a NaN in a window win the max and the gradient, in both fast and naive pools?"""
    from cs231n.layers import max_pool_backward_naive, max_pool_forward_naive

    x = np.arange(32.0).reshape(1, 2, 4, 4)
    x[0, 0, 0, 1] = np.nan  # second offset of the first window
    x[0, 1, 3, 3] = np.nan  # last offset of the last window
    param = {"pool_height": 2, "pool_width": 2, "stride": 2, "pad": pad}
    out_fast, cache_fast = max_pool_forward_fast(x, param)
    out_naive, cache_naive = max_pool_forward_naive(x, param)
    np.testing.assert_array_equal(out_fast, out_naive)  # NaNs in the same places
    assert np.isnan(out_fast[0, 0, 0, 0])
    assert np.isnan(out_fast).sum() == 2
    dout = np.ones(out_fast.shape)
    dx_fast = max_pool_backward_fast(dout, cache_fast)
    np.testing.assert_array_equal(dx_fast, max_pool_backward_naive(dout, cache_naive))
    assert dx_fast[0, 0, 0, 1] == 1
    assert dx_fast[0, 1, 3, 3] == 1
