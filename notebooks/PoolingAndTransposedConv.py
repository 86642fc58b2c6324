# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Average pooling, 'same' padding and the transposed convolution
#
# Four extensions of the layers of `ConvolutionalNetworks.ipynb`, with the same
# conventions: average pooling, the `'same'` padding of TensorFlow and Keras, padded
# pooling as TensorFlow and PyTorch define it, and the transposed convolution that
# upsamples in decoders and generators.

# %% [markdown]
# **How the checks work.** Each section names the file and function you write. The check
# cell after it runs your code on seeded inputs saved in `reference/` and compares your
# outputs with the solution's using `rel_error` (relative error). It prints one line,
# `PASSED` or `FAILED` with the relative error and the threshold; when a check fails it
# also says what looks wrong (a wrong shape and which axis, an output off by a constant,
# scaled, transposed, wrong only on the border, ...). A function you have not written yet
# gives a single "Not implemented yet" line. Check cells are locked: do not edit them.
# Their first line says what error to expect.
#
# **How you are graded.** The autograder calls your functions on the check cells' inputs
# and on hidden ones of the same kinds (other values, shapes and seeds), in a sandbox, and
# compares the outputs with the solution's: a check cell that passes here is a good sign,
# not a grade. The naive layers (`conv_forward_naive`, the `*_pool_*_naive` and
# `conv_transpose_*_naive` functions) earn their points only by doing the work
# themselves: while they are graded, the provided fast layers (`cs231n/fast_layers.py`)
# are out of reach, so calling one raises an error, and a copy of their code is flagged
# to your instructor. Your own vectorised numpy code is welcome.

# %%
# Run this cell first: it imports what the notebook uses.
import numpy as np

from cs231n.checks import check, check_close, check_equal, checking, reference_inputs
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
from cs231n.gradient_check import eval_numerical_gradient_array
from cs231n.layers import (
    avg_pool_backward_naive,
    avg_pool_forward_naive,
    conv_backward_naive,
    conv_forward_naive,
    conv_transpose_backward_naive,
    conv_transpose_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
)

# Reload the cs231n modules you edit before every cell runs.
# %load_ext autoreload
# %autoreload 2

# The cells seed NumPy's global generator (np.random.seed), as CS231n does.
# ruff: noqa: NPY002

# %% [markdown]
# ## Average pooling: forward pass
#
# Average pooling replaces each window by the mean of its values. Implement
# `avg_pool_forward_naive` in `cs231n/layers.py`; it takes the same `pool_param` as
# max pooling. The check uses a 3 x 2 window with stride 2, so windows overlap
# along the height.

# %% nbgrader={"grade": true, "grade_id": "correct_avg_pool_forward_naive", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Expect a relative error around 1e-15 or less; the check fails above 1e-7.
x, pool_param = reference_inputs("avg_pool_forward_naive")
with checking("avg_pool_forward_naive"):
    out, _ = avg_pool_forward_naive(x, pool_param)
    check("avg_pool_forward_naive", out)

# Other windows and strides, against the provided fast layer.
np.random.seed(2330)
for x_shape, pool_param in [
    ((2, 3, 8, 8), {"pool_height": 2, "pool_width": 2, "stride": 2}),
    ((3, 2, 7, 9), {"pool_height": 3, "pool_width": 3, "stride": 1}),
    ((1, 4, 10, 5), {"pool_height": 3, "pool_width": 5, "stride": 3}),  # a row over
]:
    x = np.random.randn(*x_shape)
    out, _ = avg_pool_forward_naive(x, pool_param)
    expected, _ = avg_pool_forward_fast(x, pool_param)
    check_close(f"avg_pool_forward_naive, {pool_param}", out, expected)

# %% [markdown]
# ## Average pooling: backward pass
#
# Implement `avg_pool_backward_naive` in `cs231n/layers.py`: every input of a window
# receives an equal share of the window's gradient, and overlapping windows add up.

# %% nbgrader={"grade": true, "grade_id": "correct_avg_pool_backward_naive", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-15 or less against the reference and the fast layer
# (the checks fail above 1e-7), and around 1e-10 or less against numeric gradients (it
# fails above 1e-6).
x, pool_param, dout = reference_inputs("avg_pool_backward_naive")
with checking("avg_pool_backward_naive"):
    _, cache = avg_pool_forward_naive(x, pool_param)
    dx = avg_pool_backward_naive(dout, cache)
    check("avg_pool_backward_naive", dx)

# Overlapping windows in both directions, a row and column left over, against
# numeric gradients.
np.random.seed(2331)
x = np.random.randn(2, 2, 7, 8)
pool_param = {"pool_height": 2, "pool_width": 3, "stride": 2}
dout = np.random.randn(2, 2, 3, 3)
dx = avg_pool_backward_naive(dout, avg_pool_forward_naive(x, pool_param)[1])
numeric = eval_numerical_gradient_array(
    lambda x: avg_pool_forward_naive(x, pool_param)[0],
    x,
    dout,
)
check_close("avg_pool_backward_naive vs numeric", dx, numeric, threshold=1e-6)

# Windows overlapping along the width, a 3 x 3 window with stride 3 and a row and column
# left over, against the provided fast layer.
for x_shape, pool_param in [
    ((2, 2, 6, 7), {"pool_height": 2, "pool_width": 3, "stride": 2}),
    ((2, 3, 5, 8), {"pool_height": 3, "pool_width": 2, "stride": 1}),
    ((1, 2, 10, 11), {"pool_height": 3, "pool_width": 3, "stride": 3}),
]:
    x = np.random.randn(*x_shape)
    out, cache = avg_pool_forward_naive(x, pool_param)
    dout = np.random.randn(*out.shape)
    dx = avg_pool_backward_naive(dout, cache)
    expected = avg_pool_backward_fast(dout, avg_pool_forward_fast(x, pool_param)[1])
    check_close(f"avg_pool_backward_naive, {pool_param}", dx, expected)

# %% [markdown] nbgrader={"grade": false, "grade_id": "inline_question_avg_vs_max_pool_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Inline Question 1:** Max pooling sends each window's gradient to one input; average pooling spreads it
# evenly over the window. How does that change what the layers below learn from
# one step of gradient descent? Give one reason to prefer each kind of pooling.

# %% [markdown] nbgrader={"grade": true, "grade_id": "inline_question_avg_vs_max_pool", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Your Answer:**
#
# ### BEGIN SOLUTION
# With max pooling only the input that won each window gets a gradient, so in one
# step only the features that fired most strongly are updated (sparse gradients),
# and the layer keeps the strongest response wherever it sits in the window: good
# for detecting whether a feature is present, with some invariance to small
# shifts. With average pooling every input of the window gets the same share, so
# all of them learn, the gradient is dense and smooth, and the output summarises
# the whole window (which suits smooth downsampling and global average pooling
# before a classifier), but a single strong response is diluted by its
# neighbours.
# ### END SOLUTION

# %% [markdown]
# ## 'same' padding
#
# With `conv_param['pad'] = 'same'` the convolution pads just enough zeros that the
# output has `H' = ceil(H / stride)` rows (and `W' = ceil(W / stride)` columns).
# The total padding along the height is `max((H' - 1) * stride + HH - H, 0)`; when
# it is odd, the extra row goes at the bottom (and the extra column on the right),
# as TensorFlow does. `check_conv_args` works the four pads out for you, so your
# `conv_forward_naive` and `conv_backward_naive` already support it if they use
# `pad_top`, `pad_bottom`, `pad_left` and `pad_right` as given. The check uses a
# 6 x 7 input, a 3 x 3 filter and stride 2: one row of padding at the bottom only,
# one column on each side.

# %% nbgrader={"grade": true, "grade_id": "correct_conv_forward_same", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Expect a relative error around 1e-14 or less; the check fails above 1e-7.
x, w, b, conv_param = reference_inputs("conv_forward_same")
with checking("conv_forward_same"):
    out, _ = conv_forward_naive(x, w, b, conv_param)
    check_equal("output shape (N, F, ceil(H / 2), ceil(W / 2))", out.shape, (2, 4, 3, 4))
    check("conv_forward_same", out)

# Other sizes and strides, against the provided fast layer.
np.random.seed(2332)
for x_shape, w_shape, stride in [
    ((2, 3, 7, 6), (2, 3, 4, 4), 1),
    ((1, 2, 9, 10), (3, 2, 3, 5), 3),
    ((2, 1, 5, 5), (2, 1, 2, 2), 2),
]:
    x, w = np.random.randn(*x_shape), np.random.randn(*w_shape)
    b = np.random.randn(w_shape[0])
    conv_param = {"stride": stride, "pad": "same"}
    out, _ = conv_forward_naive(x, w, b, conv_param)
    expected, _ = conv_forward_fast(x, w, b, conv_param)
    label = f"conv_forward_naive, 'same', {x_shape}, {w_shape}, stride {stride}"
    check_close(label, out, expected)

# %% nbgrader={"grade": true, "grade_id": "correct_conv_backward_same", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-13 or less against the reference and around 1e-11 or
# less against the fast layer (the checks fail above 1e-7), and around 1e-9 or less
# against numeric gradients (they fail above 1e-6).
x, w, b, conv_param, dout = reference_inputs("conv_backward_same")
with checking("conv_backward_same"):
    _, cache = conv_forward_naive(x, w, b, conv_param)
    dx, dw, db = conv_backward_naive(dout, cache)
    check("conv_backward_same", dx, dw, db)

# An even filter with stride 1 ('same' pads unevenly), against numeric gradients.
np.random.seed(2333)
x, w, b = np.random.randn(2, 2, 5, 4), np.random.randn(3, 2, 2, 4), np.random.randn(3)
conv_param = {"stride": 1, "pad": "same"}
dout = np.random.randn(2, 3, 5, 4)
dx, dw, db = conv_backward_naive(dout, conv_forward_naive(x, w, b, conv_param)[1])
for name, value, grad in [("dx", x, dx), ("dw", w, dw), ("db", b, db)]:
    numeric = eval_numerical_gradient_array(
        lambda _: conv_forward_naive(x, w, b, conv_param)[0], value, dout
    )
    label = f"conv_backward_naive 'same' {name} vs numeric"
    check_close(label, grad, numeric, threshold=1e-6)

# Stride 2 (one row and one column of padding, at the bottom and right), and stride 3
# with a non-square filter, against the provided fast layer.
for x_shape, w_shape, stride in [((2, 3, 7, 6), (4, 3, 3, 3), 2), ((1, 2, 8, 10), (2, 2, 5, 3), 3)]:
    x, w = np.random.randn(*x_shape), np.random.randn(*w_shape)
    b = np.random.randn(w_shape[0])
    conv_param = {"stride": stride, "pad": "same"}
    out, cache = conv_forward_naive(x, w, b, conv_param)
    dout = np.random.randn(*out.shape)
    grads = conv_backward_naive(dout, cache)
    expected = conv_backward_fast(dout, conv_forward_fast(x, w, b, conv_param)[1])
    for name, grad, fast in zip(("dx", "dw", "db"), grads, expected, strict=True):
        label = f"conv_backward_naive 'same' {name}, {x_shape}, {w_shape}, stride {stride}"
        check_close(label, grad, fast)

# %% [markdown] nbgrader={"grade": false, "grade_id": "inline_question_same_padding_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Inline Question 2:** A 3 x 3 convolution with stride 2 and `'same'` padding on an input of height 6
# pads one row at the bottom and none at the top. Why is one row enough, why at the
# bottom, and what would symmetric padding (one row on each side) change?

# %% [markdown] nbgrader={"grade": true, "grade_id": "inline_question_same_padding", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Your Answer:**
#
# ### BEGIN SOLUTION
# 'same' asks for H' = ceil(6 / 2) = 3 output rows. The last window starts at row
# (3 - 1) * 2 = 4 and covers rows 4 to 6, so the input needs 7 rows: 1 row of
# padding in total. An odd total cannot be split evenly; the convention
# (TensorFlow's) puts the extra row after the input, at the bottom, so the windows
# start at the first real row. With one row on each side (8 rows), the windows
# would start one row higher (at the top padding), the output would still have
# 3 rows since (8 - 3) // 2 + 1 = 3, but every window would be shifted up by one
# row and the last input row would never be seen: a different result, and a
# stride that no longer tiles the padded input.
# ### END SOLUTION

# %% [markdown]
# ## Padded pooling, and strides that do not tile
#
# Pooling takes `pool_param['pad']` (optional, default 0) in the forms convolution
# takes: an int, a pair `(pad_h, pad_w)`, `'valid'` or `'same'` (TensorFlow's rule: the
# extra row of an odd total at the bottom, the extra column on the right). The lines
# at the top of your four pooling functions (`check_pool_args` and `pool_padding`, in
# `cs231n/shapes.py`) resolve it into `pad_top`, `pad_bottom`, `pad_left` and
# `pad_right`: make `max_pool_forward_naive`, `max_pool_backward_naive`,
# `avg_pool_forward_naive` and `avg_pool_backward_naive` in `cs231n/layers.py` use
# them. Every form gives `H' = 1 + (H + pad_top + pad_bottom - pool_height) // stride`
# (`W'` alike), a floor: rows and columns at the bottom and right that no whole window
# reaches are left out, as in CS231n, PyTorch and TensorFlow. `'same'` gives
# `H' = ceil(H / stride)`.
#
# Padding is not data:
#
# - max pooling never selects it: a window's maximum is the largest entry of `x` it
#   covers, even when they are all negative (as if the padding were `-inf`), and
#   only that entry receives the window's gradient;
# - average pooling divides a window's sum by the number of entries of `x` it covers
#   (TensorFlow's rule). With `pool_param['count_include_pad'] = True` it divides by
#   `pool_height * pool_width` instead, the padding counted as zeros (PyTorch's
#   option of that name). The backward pass shares the gradient the same way.
#
# A worked example: one 3 x 3 channel `M = [[1, -1, 0], [-1, 2, 1], [0, 2, -2]]`, a
# 2 x 2 window and stride 2. With `'valid'`, one window fits and the last row and
# column are left over: the average is `[[0.25]]`. With `'same'`, the output is
# 2 x 2 and one row of padding goes at the bottom, one column on the right: average
# pooling gives `[[0.25, 0.5], [1.0, -2.0]]` (the bottom-right window covers the
# single entry -2), and the gradient of the sum of those outputs with respect to `M`
# is `[[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]]`; max pooling gives
# `[[2, 1], [2, -2]]`. Both checks start with this example.

# %% nbgrader={"grade": true, "grade_id": "correct_max_pool_padded", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors of 0: maxima are copied, not computed. The checks fail
# above 1e-7 (and the one against numeric gradients, around 1e-11, above 1e-6).
M = np.array([[1.0, -1.0, 0.0], [-1.0, 2.0, 1.0], [0.0, 2.0, -2.0]]).reshape(1, 1, 3, 3)
window = {"pool_height": 2, "pool_width": 2, "stride": 2}
x, pool_param, dout = reference_inputs("max_pool_padded")
with checking("max_pool_padded"):
    out, _ = max_pool_forward_naive(M, {**window, "pad": "same"})
    check_close("'same' max pooling of M", out, [[[[2.0, 1.0], [2.0, -2.0]]]])
    out, cache = max_pool_forward_naive(x, pool_param)  # x < 0 everywhere
    dx = max_pool_backward_naive(dout, cache)
    check("max_pool_padded", out, dx)

# Every padding form, on negative values with ties, against the provided fast layers.
np.random.seed(2336)
for x_shape, pool_param in [
    ((2, 3, 6, 7), {"pool_height": 3, "pool_width": 3, "stride": 2, "pad": 1}),
    ((1, 2, 7, 6), {"pool_height": 2, "pool_width": 3, "stride": 3, "pad": (1, 2)}),
    ((2, 2, 8, 5), {"pool_height": 3, "pool_width": 2, "stride": 2, "pad": "valid"}),
]:
    x = -1.0 - np.random.randint(4, size=x_shape)
    out, cache = max_pool_forward_naive(x, pool_param)
    expected, fast_cache = max_pool_forward_fast(x, pool_param)
    check_close(f"max_pool_forward_naive, {pool_param}", out, expected)
    dout = np.random.randn(*expected.shape)
    dx = max_pool_backward_naive(dout, cache)
    expected = max_pool_backward_fast(dout, fast_cache)
    check_close(f"max_pool_backward_naive, {pool_param}", dx, expected)

# 'same' on negative values without ties, against numeric gradients.
x = -1.0 - np.random.rand(2, 2, 5, 6)
pool_param = {"pool_height": 3, "pool_width": 2, "stride": 2, "pad": "same"}
out, cache = max_pool_forward_naive(x, pool_param)
dout = np.random.randn(*out.shape)
dx = max_pool_backward_naive(dout, cache)
numeric = eval_numerical_gradient_array(lambda x: max_pool_forward_naive(x, pool_param)[0], x, dout)
check_close(f"max_pool_backward_naive, {pool_param}, vs numeric", dx, numeric, threshold=1e-6)

# %% nbgrader={"grade": true, "grade_id": "correct_avg_pool_padded", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-15 or less (around 1e-9 against numeric gradients
# below); the checks fail above 1e-7 (1e-6 against numeric gradients).
M = np.array([[1.0, -1.0, 0.0], [-1.0, 2.0, 1.0], [0.0, 2.0, -2.0]]).reshape(1, 1, 3, 3)
window = {"pool_height": 2, "pool_width": 2, "stride": 2}
x, pool_param, dout = reference_inputs("avg_pool_padded")
with checking("avg_pool_padded"):
    out, _ = avg_pool_forward_naive(M, {**window, "pad": "valid"})
    check_close("'valid' average pooling of M", out, [[[[0.25]]]])
    out, cache = avg_pool_forward_naive(M, {**window, "pad": "same"})
    check_close("'same' average pooling of M", out, [[[[0.25, 0.5], [1.0, -2.0]]]])
    dM = avg_pool_backward_naive(np.ones((1, 1, 2, 2)), cache)
    expected = [[[[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]]]]
    check_close("gradient of the sum of 'same' average pooling of M", dM, expected)
    out, cache = avg_pool_forward_naive(x, pool_param)
    dx = avg_pool_backward_naive(dout, cache)
    check("avg_pool_padded", out, dx)

# count_include_pad both ways and other paddings, against the provided fast layer
# and numeric gradients.
np.random.seed(2337)
for x_shape, pool_param in [
    (
        (2, 2, 5, 6),
        {"pool_height": 3, "pool_width": 3, "stride": 2, "pad": "same", "count_include_pad": True},
    ),
    (
        (1, 3, 8, 7),
        {"pool_height": 3, "pool_width": 2, "stride": 2, "pad": (2, 1), "count_include_pad": True},
    ),
    ((2, 3, 6, 7), {"pool_height": 3, "pool_width": 2, "stride": 1, "pad": "same"}),
]:
    x = np.random.randn(*x_shape)
    out, cache = avg_pool_forward_naive(x, pool_param)
    expected, _ = avg_pool_forward_fast(x, pool_param)
    check_close(f"avg_pool_forward_naive, {pool_param}", out, expected)
    dout = np.random.randn(*expected.shape)
    dx = avg_pool_backward_naive(dout, cache)
    numeric = eval_numerical_gradient_array(
        lambda x, pool_param=pool_param: avg_pool_forward_naive(x, pool_param)[0], x, dout
    )
    label = f"avg_pool_backward_naive, {pool_param}, vs numeric"
    check_close(label, dx, numeric, threshold=1e-6)

# %% [markdown]
# ## Transposed convolution: forward pass
#
# A transposed convolution maps an input shaped like a convolution's *output*
# `(N, F, H, W)` to the shape of that convolution's *input* `(N, C, H', W')`, with
# filters `w` of shape `(F, C, HH, WW)`: each input value adds a copy of its
# filter, scaled by the value, to the output at `stride` times its position. With
# stride 2 it upsamples. Implement `conv_transpose_forward_naive` in
# `cs231n/layers.py`; its docstring gives `H' = (H - 1) * stride - 2 * pad + HH`,
# and the geometry is worked out for you.

# %% nbgrader={"grade": true, "grade_id": "correct_conv_transpose_forward_naive", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Expect a relative error around 1e-14 or less; the check fails above 1e-7.
x, w, b, conv_param = reference_inputs("conv_transpose_forward_naive")
with checking("conv_transpose_forward_naive"):
    out, _ = conv_transpose_forward_naive(x, w, b, conv_param)
    check("conv_transpose_forward_naive", out)

# Other strides and paddings, against the provided fast layer.
np.random.seed(2334)
for x_shape, w_shape, conv_param in [
    ((2, 3, 4, 4), (3, 2, 3, 3), {"stride": 1, "pad": 0}),
    ((1, 2, 3, 5), (2, 3, 4, 2), {"stride": 3, "pad": (1, 0)}),
    ((2, 2, 3, 3), (2, 4, 3, 3), {"stride": 2, "pad": "same"}),
    ((1, 3, 2, 4), (3, 2, 2, 3), {"stride": 2, "pad": "valid"}),
]:
    x, w = np.random.randn(*x_shape), np.random.randn(*w_shape)
    b = np.random.randn(w_shape[1])
    out, _ = conv_transpose_forward_naive(x, w, b, conv_param)
    expected, _ = conv_transpose_forward_fast(x, w, b, conv_param)
    check_close(f"conv_transpose_forward_naive, {conv_param}", out, expected)

# %% [markdown]
# ## The transposed convolution is the backward pass of a convolution
#
# The name comes from linear algebra: a convolution is a matrix product `out = M x`
# (with a large, sparse `M` built from the filters), its backward pass with respect
# to the input is `dx = M.T dout`, and the transposed convolution computes exactly
# that product with `M.T`. The check below computes the gradient of a convolution
# (with the provided `conv_backward_fast`, so that a bug in your
# `conv_backward_naive` cannot hide here) and compares it with your transposed
# convolution of `dout` with the same filters and no bias.

# %% nbgrader={"grade": true, "grade_id": "correct_conv_transpose_is_conv_backward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-14 or less: the same sums in another order. They fail
# above 1e-7.
np.random.seed(231)
x = np.zeros((2, 3, 7, 5))  # only the shape matters: dx does not depend on x
w = np.random.randn(4, 3, 3, 3)
conv_param = {"stride": 2, "pad": 1}
dout = np.random.randn(2, 4, 4, 3)  # shaped like the convolution's output

with checking("conv_transpose_is_conv_backward"):
    _, cache = conv_forward_fast(x, w, np.zeros(4), conv_param)
    dx, _, _ = conv_backward_fast(dout, cache)
    out, _ = conv_transpose_forward_naive(dout, w, np.zeros(3), conv_param)
    check_close("transposed convolution of dout vs the convolution's dx", out, dx)

    # Stride 1 with a pair padding and a non-square filter, and stride 3.
    for x_shape, w_shape, conv_param in [
        ((2, 2, 6, 4), (3, 2, 3, 5), {"stride": 1, "pad": (1, 2)}),
        ((1, 4, 9, 6), (2, 4, 3, 3), {"stride": 3, "pad": 0}),
    ]:
        x, w = np.zeros(x_shape), np.random.randn(*w_shape)
        F, C = w_shape[:2]
        conv_out, cache = conv_forward_fast(x, w, np.zeros(F), conv_param)
        dout = np.random.randn(*conv_out.shape)  # shaped like the convolution's output
        dx, _, _ = conv_backward_fast(dout, cache)
        out, _ = conv_transpose_forward_naive(dout, w, np.zeros(C), conv_param)
        label = f"transposed convolution of dout vs dx, {x_shape}, {w_shape}, {conv_param}"
        check_close(label, out, dx)

# %% [markdown]
# ## Transposed convolution: backward pass
#
# Implement `conv_transpose_backward_naive` in `cs231n/layers.py`. Since the forward
# pass is a convolution's input gradient, its backward pass looks like a
# convolution's forward pass: each input position sees the window of `dout` it was
# scattered into.

# %% nbgrader={"grade": true, "grade_id": "correct_conv_transpose_backward_naive", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-13 or less against the reference and the fast layer
# (the checks fail above 1e-7), and around 1e-9 or less against numeric gradients (they
# fail above 1e-6).
x, w, b, conv_param, dout = reference_inputs("conv_transpose_backward_naive")
with checking("conv_transpose_backward_naive"):
    _, cache = conv_transpose_forward_naive(x, w, b, conv_param)
    dx, dw, db = conv_transpose_backward_naive(dout, cache)
    check("conv_transpose_backward_naive", dx, dw, db)

# Stride 3 with a pair padding, against numeric gradients.
np.random.seed(2335)
x, w, b = np.random.randn(2, 2, 3, 2), np.random.randn(2, 3, 4, 3), np.random.randn(3)
conv_param = {"stride": 3, "pad": (1, 0)}
out, cache = conv_transpose_forward_naive(x, w, b, conv_param)
dout = np.random.randn(*out.shape)
dx, dw, db = conv_transpose_backward_naive(dout, cache)
for name, value, grad in [("dx", x, dx), ("dw", w, dw), ("db", b, db)]:
    numeric = eval_numerical_gradient_array(
        lambda _: conv_transpose_forward_naive(x, w, b, conv_param)[0], value, dout
    )
    label = f"conv_transpose_backward_naive {name} vs numeric"
    check_close(label, grad, numeric, threshold=1e-6)

# Stride 1 with an int padding, and 'same' with stride 2, against the provided fast layer.
for x_shape, w_shape, conv_param in [
    ((2, 3, 4, 3), (3, 2, 3, 3), {"stride": 1, "pad": 1}),
    ((1, 2, 3, 3), (2, 3, 3, 3), {"stride": 2, "pad": "same"}),
]:
    x, w = np.random.randn(*x_shape), np.random.randn(*w_shape)
    b = np.random.randn(w_shape[1])
    out, cache = conv_transpose_forward_naive(x, w, b, conv_param)
    dout = np.random.randn(*out.shape)
    grads = conv_transpose_backward_naive(dout, cache)
    fast_cache = conv_transpose_forward_fast(x, w, b, conv_param)[1]
    expected = conv_transpose_backward_fast(dout, fast_cache)
    for name, grad, fast in zip(("dx", "dw", "db"), grads, expected, strict=True):
        check_close(f"conv_transpose_backward_naive {name}, {conv_param}", grad, fast)

# %% [markdown] nbgrader={"grade": false, "grade_id": "inline_question_checkerboard_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Inline Question 3:** Take a transposed convolution with a 3 x 3 filter and stride 2, and an input
# that is 1 everywhere. Which output pixels receive contributions from one, two or
# four input values? What pattern can that leave in images made by generators that
# upsample this way, and how can it be avoided?

# %% [markdown] nbgrader={"grade": true, "grade_id": "inline_question_checkerboard", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Your Answer:**
#
# ### BEGIN SOLUTION
# Input (i, j) writes its 3 x 3 filter at rows 2i .. 2i + 2 and columns
# 2j .. 2j + 2, so neighbouring copies overlap by one row or column. An output
# pixel at an even row and an even column (away from the border) is covered by the
# copies of 2 x 2 = 4 inputs, at an even row and an odd column (or the reverse)
# by 2, and at an odd row and an odd column by 1. With a constant input the output
# thus alternates in strength from pixel to pixel: a checkerboard pattern, the
# "checkerboard artifacts" of deconvolution-based generators. It is avoided with a
# kernel size divisible by the stride (4 x 4 with stride 2 covers every pixel the
# same number of times), or by upsampling first (nearest-neighbour or bilinear
# resizing) and then applying an ordinary convolution.
# ### END SOLUTION
