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
# # Convolutional Networks
#
# So far you have built fully connected networks. In practice, image models are
# almost always convolutional. In this notebook you will write the convolution
# and max-pooling layers (naive versions first, to understand them), compare
# them with the fast versions provided, assemble a three-layer convolutional
# network, write the update rules and the training step it learns with, overfit
# it on a tiny dataset, train it for one epoch and look at the filters it learns.

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
# Run this cell first: it imports what the notebook uses and sets up plotting.
import os
import time

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import cbook

from cs231n.checks import (
    TRAINING_PARTS,
    SoftmaxClassifier,
    check,
    check_at_least,
    check_close,
    check_equal,
    checking,
    finished,
    reference_inputs,
)
from cs231n.classifiers.cnn import ThreeLayerConvNet
from cs231n.data_utils import get_CIFAR10_data
from cs231n.fast_layers import (
    conv_backward_fast,
    conv_forward_fast,
    max_pool_backward_fast,
    max_pool_forward_fast,
)
from cs231n.gradient_check import (
    check_gradients,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
)
from cs231n.layer_utils import (
    conv_relu_backward,
    conv_relu_forward,
    conv_relu_pool_backward,
    conv_relu_pool_forward,
)
from cs231n.layers import (
    conv_backward_naive,
    conv_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
)
from cs231n.optim import adam, rmsprop, sgd_momentum
from cs231n.solver import Solver
from cs231n.vis_utils import visualize_grid

# %matplotlib inline
plt.rcParams["figure.figsize"] = (10.0, 8.0)  # the default size of plots
plt.rcParams["image.interpolation"] = "nearest"
plt.rcParams["image.cmap"] = "gray"

# Reload the cs231n modules you edit before every cell runs.
# %load_ext autoreload
# %autoreload 2

# The cells seed NumPy's global generator (np.random.seed), as CS231n does.
# ruff: noqa: NPY002

# %% [markdown]
# ## Notebook parameters
#
# Leave them as they are. The course's automated tests set the environment
# variable `CS231N_QUICK=1`, which shrinks the dataset to 1000 training images so
# that the whole notebook runs in a couple of minutes; every cell still runs. The
# one-epoch training run is then far too short to learn anything, so in that mode
# its check only requires that one epoch was trained.

# %%
QUICK = os.environ.get("CS231N_QUICK") == "1"
NUM_TRAIN = 1000 if QUICK else 49000  # training images; the one-epoch run uses all
NUM_VAL = 200 if QUICK else 1000  # validation images
NUM_TEST = 200 if QUICK else 1000  # test images
MIN_VAL_ACC = 0.0 if QUICK else 0.4  # what one epoch of training must reach

# %%
# CIFAR-10 if you downloaded it (bash datasets/get_datasets.sh), otherwise a
# synthetic stand-in in the same format, generated on first use: a line says which.
data = get_CIFAR10_data(
    num_training=NUM_TRAIN, num_validation=NUM_VAL, num_test=NUM_TEST, dtype=np.float32
)
for name, value in data.items():
    print(f"{name}: {value.shape}")

# %% [markdown]
# ## Convolution: naive forward pass
#
# The core of a convolutional network is the convolution. In `cs231n/layers.py`,
# implement the forward pass of the convolution layer in the function
# `conv_forward_naive`. Read its docstring: it gives every shape and the output
# size `H' = 1 + (H + pad_top + pad_bottom - HH) // stride`. The padding is
# already resolved for you into four numbers, because `conv_param['pad']` may be
# an int, a pair `(pad_h, pad_w)`, `'valid'` or `'same'` (this check uses an int;
# the `'same'` case comes in `PoolingAndTransposedConv.ipynb`).
#
# Don't worry about efficiency: write the code in whatever way you find clearest.

# %% nbgrader={"grade": true, "grade_id": "correct_conv_forward_naive", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Expect a relative error around 1e-14 or less against the reference, and around 1e-11
# or less against the fast layer (it adds the products in another order); the checks
# fail above 1e-7.
x, w, b, conv_param = reference_inputs("conv_forward_naive")
with checking("conv_forward_naive"):
    out, _ = conv_forward_naive(x, w, b, conv_param)
    check("conv_forward_naive", out)

# Other shapes, strides and paddings, against the provided fast layer: non-square
# filters, a pair padding, 'same' with stride 3 (one column of padding, on the right
# only), 'valid' with a row left over (7 - 2 is odd), stride 2 with an int padding,
# and N, C and F all different.
np.random.seed(2310)
for x_shape, w_shape, conv_param in [
    ((3, 2, 7, 7), (4, 2, 3, 3), {"stride": 1, "pad": 0}),
    ((2, 3, 8, 6), (2, 3, 5, 3), {"stride": 1, "pad": (2, 1)}),
    ((2, 3, 9, 10), (3, 3, 3, 2), {"stride": 3, "pad": "same"}),
    ((3, 2, 7, 10), (5, 2, 2, 4), {"stride": 2, "pad": "valid"}),
    ((2, 4, 5, 7), (3, 4, 3, 3), {"stride": 2, "pad": 1}),
]:
    x, w = np.random.randn(*x_shape), np.random.randn(*w_shape)
    b = np.random.randn(w_shape[0])
    out, _ = conv_forward_naive(x, w, b, conv_param)
    expected, _ = conv_forward_fast(x, w, b, conv_param)
    check_close(f"conv_forward_naive, conv_param={conv_param}", out, expected)

# %% [markdown]
# ## Aside: your convolution on a photo
#
# A convolution with hand-picked filters is a classic image-processing tool, and a
# good way to see what your layer does. The cell below makes a batch of two
# images from a photo that ships with matplotlib (Grace Hopper): the whole
# portrait and a crop of the face, both 128 x 128. It then applies two filters with
# your `conv_forward_naive`: the first turns colour into grey levels, the second
# (a Sobel filter on the grey levels) responds where the grey level changes from the
# row above to the row below, so horizontal edges show as light or dark lines on a
# mid-grey where nothing changes. Each panel is stretched to the full range of grey
# levels before it is drawn, so only the differences within a panel show.

# %%
photo = plt.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
portrait = photo[44:556:4, ::4]  # 128 x 128, every 4th pixel
face = photo[100:356:2, 120:376:2]  # 128 x 128, every 2nd pixel
x = np.stack([portrait, face]).transpose(0, 3, 1, 2).astype(np.float64)  # (2, 3, 128, 128)

w = np.zeros((2, 3, 3, 3))
grey = np.array([0.3, 0.6, 0.1])  # how much red, green and blue make a grey level
w[0, :, 1, 1] = grey  # filter 0: the centre pixel's grey level
sobel = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]])  # bright above, dark below
w[1] = grey[:, None, None] * sobel  # filter 1: horizontal edges in the grey levels
b = np.zeros(2)  # a bias would shift a whole panel, which the stretch below undoes

with checking("conv_forward_naive"):
    out, _ = conv_forward_naive(x, w, b, {"stride": 1, "pad": 1})

# One row per image: the photo, then each filter's response stretched to 0..255
# (the zero padding makes the edge filter see an edge along the image's border too).
for row in range(2):
    panels = [
        ("photo", x[row].transpose(1, 2, 0)),
        ("grey levels", out[row, 0]),
        ("horizontal edges", out[row, 1]),
    ]
    for col, (title, image) in enumerate(panels):
        plt.subplot(2, 3, 3 * row + col + 1)
        image = 255 * (image - image.min()) / (image.max() - image.min())
        plt.imshow(image.astype("uint8"))
        plt.axis("off")
        if row == 0:
            plt.title(title)
plt.show()

# %% [markdown]
# ## Convolution: naive backward pass
#
# Implement the backward pass of the convolution in `conv_backward_naive` in
# `cs231n/layers.py`. Again, clarity first. Every window of the padded input
# contributed to one output value: send `dout` back through each window to the
# padded input (adding where windows overlap) and to the filters, then crop the
# padding away from the input's gradient.

# %% nbgrader={"grade": true, "grade_id": "correct_conv_backward_naive", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-13 or less against the reference and around 1e-11 or
# less against the fast layer (the checks fail above 1e-7), and around 1e-9 or less
# against numeric gradients (they fail above 1e-6).
x, w, b, conv_param, dout = reference_inputs("conv_backward_naive")
with checking("conv_backward_naive"):
    _, cache = conv_forward_naive(x, w, b, conv_param)
    dx, dw, db = conv_backward_naive(dout, cache)
    check("conv_backward_naive", dx, dw, db)

# A pair padding and stride 1, against numeric gradients.
np.random.seed(2311)
x, w, b = np.random.randn(2, 2, 5, 6), np.random.randn(3, 2, 3, 2), np.random.randn(3)
conv_param = {"stride": 1, "pad": (1, 2)}
dout = np.random.randn(2, 3, 5, 9)
dx, dw, db = conv_backward_naive(dout, conv_forward_naive(x, w, b, conv_param)[1])
for name, value, grad in [("dx", x, dx), ("dw", w, dw), ("db", b, db)]:
    numeric = eval_numerical_gradient_array(
        lambda _: conv_forward_naive(x, w, b, conv_param)[0], value, dout
    )
    check_close(f"conv_backward_naive {name} vs numeric", grad, numeric, threshold=1e-6)

# 'same' with stride 2, and stride 3 with a non-square filter, against the provided
# fast layer.
for x_shape, w_shape, conv_param in [
    ((2, 3, 7, 6), (4, 3, 3, 3), {"stride": 2, "pad": "same"}),
    ((1, 2, 7, 9), (2, 2, 3, 5), {"stride": 3, "pad": 1}),
]:
    x, w = np.random.randn(*x_shape), np.random.randn(*w_shape)
    b = np.random.randn(w_shape[0])
    out, cache = conv_forward_naive(x, w, b, conv_param)
    dout = np.random.randn(*out.shape)
    grads = conv_backward_naive(dout, cache)
    expected = conv_backward_fast(dout, conv_forward_fast(x, w, b, conv_param)[1])
    for name, grad, fast in zip(("dx", "dw", "db"), grads, expected, strict=True):
        check_close(f"conv_backward_naive {name}, conv_param={conv_param}", grad, fast)

# %% [markdown]
# ## Max pooling: naive forward pass
#
# Implement the forward pass of max pooling in `max_pool_forward_naive` in
# `cs231n/layers.py`: the maximum of every `pool_height x pool_width` window, per
# example and channel. No padding here (it comes in
# `PoolingAndTransposedConv.ipynb`); windows may overlap, and when the stride
# leaves rows or columns over at the bottom or right, no window reaches them:
# `H' = 1 + (H - pool_height) // stride` is a floor, as the docstring says.

# %% nbgrader={"grade": true, "grade_id": "correct_max_pool_forward_naive", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Expect a relative error of 0: a maximum is computed exactly. The check fails above 1e-7.
x, pool_param = reference_inputs("max_pool_forward_naive")
with checking("max_pool_forward_naive"):
    out, _ = max_pool_forward_naive(x, pool_param)
    check("max_pool_forward_naive", out)

# Overlapping and non-square windows, and a stride that leaves the last row and
# column over (10 - 3 and 6 - 3 are odd), against the provided fast layer.
np.random.seed(2312)
for x_shape, pool_param in [
    ((2, 3, 10, 6), {"pool_height": 3, "pool_width": 3, "stride": 2}),
    ((3, 2, 6, 9), {"pool_height": 2, "pool_width": 3, "stride": 1}),
    ((1, 4, 8, 8), {"pool_height": 4, "pool_width": 4, "stride": 4}),
]:
    x = np.random.randn(*x_shape)
    out, _ = max_pool_forward_naive(x, pool_param)
    expected, _ = max_pool_forward_fast(x, pool_param)
    check_close(f"max_pool_forward_naive, {pool_param}", out, expected)

# %% [markdown]
# ## Max pooling: naive backward pass
#
# Implement the backward pass of max pooling in `max_pool_backward_naive` in
# `cs231n/layers.py`. The docstring says where each window's gradient goes, ties
# included, and what happens where windows overlap.

# %% nbgrader={"grade": true, "grade_id": "correct_max_pool_backward_naive", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Expect a relative error of 0 against the reference and around 1e-16 or less against the
# fast layer (gradients are copied, not computed, then added where windows overlap; the
# checks fail above 1e-7), and around 1e-11 or less against numeric gradients (it fails
# above 1e-6).
x, pool_param, dout = reference_inputs("max_pool_backward_naive")
with checking("max_pool_backward_naive"):
    _, cache = max_pool_forward_naive(x, pool_param)
    dx = max_pool_backward_naive(dout, cache)
    check("max_pool_backward_naive", dx)

# Overlapping windows and a row and column left over, against numeric gradients
# (random inputs have no ties).
np.random.seed(2313)
x = np.random.randn(2, 3, 8, 7)
pool_param = {"pool_height": 3, "pool_width": 2, "stride": 2}
dout = np.random.randn(2, 3, 3, 3)
dx = max_pool_backward_naive(dout, max_pool_forward_naive(x, pool_param)[1])
numeric = eval_numerical_gradient_array(
    lambda x: max_pool_forward_naive(x, pool_param)[0],
    x,
    dout,
)
check_close("max_pool_backward_naive vs numeric", dx, numeric, threshold=1e-6)

# Ties (inputs drawn from a few integers): each window's gradient goes to its first
# maximum only, in row-major order, as in the provided fast layer. Also a square
# window, and overlapping windows with stride 1.
for x_shape, pool_param, levels in [
    ((2, 3, 6, 8), {"pool_height": 2, "pool_width": 2, "stride": 2}, 3),
    ((1, 2, 5, 7), {"pool_height": 3, "pool_width": 3, "stride": 1}, 2),
]:
    x = np.random.randint(levels, size=x_shape).astype(float)
    out, cache = max_pool_forward_naive(x, pool_param)
    dout = np.random.randn(*out.shape)
    dx = max_pool_backward_naive(dout, cache)
    expected = max_pool_backward_fast(dout, max_pool_forward_fast(x, pool_param)[1])
    check_close(f"max_pool_backward_naive with ties, {pool_param}", dx, expected)

# %% [markdown] nbgrader={"grade": false, "grade_id": "inline_question_max_pool_gradient_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Inline Question 1:** In the backward pass of max pooling, each window's upstream gradient goes to a
# single input, and all other inputs of the window receive zero. Why is that the
# correct gradient? What goes wrong with a numeric gradient check when two inputs
# of a window (nearly) tie for the maximum?

# %% [markdown] nbgrader={"grade": true, "grade_id": "inline_question_max_pool_gradient", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Your Answer:**
#
# ### BEGIN SOLUTION
# Inside one window the output is the largest input, so a small change of any
# other input does not change the output at all: its partial derivative is 0.
# Changing the maximum by a small amount changes the output by the same amount:
# its partial derivative is 1. The chain rule therefore passes `dout` to the
# maximum only. When two inputs tie (or nearly tie within the step `h`), the max
# is not differentiable there: nudging either input up makes it the maximum, so
# the centered difference sees half the slope on each (or a slope that depends on
# `h`), while the analytic gradient gives everything to one of them. The check then
# reports a large error although the code is right.
# ### END SOLUTION

# %% [markdown]
# ## Fast layers
#
# Making convolution and pooling fast is hard work. `cs231n/fast_layers.py` (provided:
# read it) computes exactly the same numbers as your naive layers with a handful of
# large numpy operations: a strided window view turns the convolution into one
# matrix product, and the backward pass scatters back with one vectorised addition
# per kernel offset. The cells below time both versions and compare their results:
# these checks test your naive layers on larger inputs.

# %% nbgrader={"grade": true, "grade_id": "correct_conv_fast_matches_naive", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-10 or less (the naive and fast layers add the same
# products in different orders, and with 27 products per output the last bits differ:
# a plain loop measured 6e-11 forward, 2e-11 backward); the check fails above 1e-7.
# Expect the fast layer many times faster than loops over examples, filters and positions.
np.random.seed(231)
x = np.random.randn(100, 3, 31, 31)
w = np.random.randn(25, 3, 3, 3)
b = np.random.randn(25)
dout = np.random.randn(100, 25, 16, 16)
conv_param = {"stride": 2, "pad": 1}

with checking("conv_fast_matches_naive"):
    t0 = time.time()
    out_naive, cache_naive = conv_forward_naive(x, w, b, conv_param)
    t1 = time.time()
    out_fast, cache_fast = conv_forward_fast(x, w, b, conv_param)
    t2 = time.time()
    print(f"Forward: naive {t1 - t0:.4f} s, fast {t2 - t1:.4f} s, ", end="")
    print(f"speedup {(t1 - t0) / max(t2 - t1, 1e-6):.0f}x")
    check_close("conv forward, naive vs fast", out_naive, out_fast)

    t0 = time.time()
    dx_naive, dw_naive, db_naive = conv_backward_naive(dout, cache_naive)
    t1 = time.time()
    dx_fast, dw_fast, db_fast = conv_backward_fast(dout, cache_fast)
    t2 = time.time()
    print(f"Backward: naive {t1 - t0:.4f} s, fast {t2 - t1:.4f} s, ", end="")
    print(f"speedup {(t1 - t0) / max(t2 - t1, 1e-6):.0f}x")
    check_close("conv backward dx, naive vs fast", dx_naive, dx_fast)
    check_close("conv backward dw, naive vs fast", dw_naive, dw_fast)
    check_close("conv backward db, naive vs fast", db_naive, db_fast)

    # Stride 1, and a non-square filter with a pair padding and stride 2 (N, C, F all
    # different).
    for x_shape, w_shape, conv_param in [
        ((20, 3, 16, 14), (8, 3, 3, 3), {"stride": 1, "pad": 1}),
        ((10, 4, 17, 13), (6, 4, 5, 3), {"stride": 2, "pad": (2, 1)}),
    ]:
        x, w = np.random.randn(*x_shape), np.random.randn(*w_shape)
        b = np.random.randn(w_shape[0])
        out_naive, cache_naive = conv_forward_naive(x, w, b, conv_param)
        out_fast, cache_fast = conv_forward_fast(x, w, b, conv_param)
        check_close(f"conv forward, naive vs fast, {conv_param}", out_naive, out_fast)
        dout = np.random.randn(*out_fast.shape)
        grads = zip(
            conv_backward_naive(dout, cache_naive),
            conv_backward_fast(dout, cache_fast),
            strict=True,
        )
        for name, (naive, fast) in zip(("dx", "dw", "db"), grads, strict=True):
            check_close(f"conv backward {name}, naive vs fast, {conv_param}", naive, fast)

# %% nbgrader={"grade": true, "grade_id": "correct_max_pool_fast_matches_naive", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors of 0 (the check fails above 1e-7), and the fast layer many
# times faster.
np.random.seed(231)
x = np.random.randn(100, 3, 32, 32)
dout = np.random.randn(100, 3, 16, 16)
pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

with checking("max_pool_fast_matches_naive"):
    t0 = time.time()
    out_naive, cache_naive = max_pool_forward_naive(x, pool_param)
    t1 = time.time()
    out_fast, cache_fast = max_pool_forward_fast(x, pool_param)
    t2 = time.time()
    print(f"Forward: naive {t1 - t0:.4f} s, fast {t2 - t1:.4f} s, ", end="")
    print(f"speedup {(t1 - t0) / max(t2 - t1, 1e-6):.0f}x")
    check_close("max pool forward, naive vs fast", out_naive, out_fast)

    t0 = time.time()
    dx_naive = max_pool_backward_naive(dout, cache_naive)
    t1 = time.time()
    dx_fast = max_pool_backward_fast(dout, cache_fast)
    t2 = time.time()
    print(f"Backward: naive {t1 - t0:.4f} s, fast {t2 - t1:.4f} s, ", end="")
    print(f"speedup {(t1 - t0) / max(t2 - t1, 1e-6):.0f}x")
    check_close("max pool backward dx, naive vs fast", dx_naive, dx_fast)

    # A 3 x 3 window with stride 3, and with stride 2 (overlapping; a row left over).
    for x_shape, pool_param in [
        ((20, 4, 18, 18), {"pool_height": 3, "pool_width": 3, "stride": 3}),
        ((10, 3, 18, 13), {"pool_height": 3, "pool_width": 3, "stride": 2}),
    ]:
        x = np.random.randn(*x_shape)
        out_naive, cache_naive = max_pool_forward_naive(x, pool_param)
        out_fast, cache_fast = max_pool_forward_fast(x, pool_param)
        check_close(f"max pool forward, naive vs fast, {pool_param}", out_naive, out_fast)
        dout = np.random.randn(*out_fast.shape)
        dx_naive = max_pool_backward_naive(dout, cache_naive)
        dx_fast = max_pool_backward_fast(dout, cache_fast)
        check_close(f"max pool backward dx, naive vs fast, {pool_param}", dx_naive, dx_fast)

# %% [markdown] nbgrader={"grade": false, "grade_id": "inline_question_fast_layers_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Inline Question 2:** The fast convolution does the same multiplications and additions as your naive
# one, yet it runs many times faster. Where does the time go in the naive version,
# and what does the fast version do instead?

# %% [markdown] nbgrader={"grade": true, "grade_id": "inline_question_fast_layers", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Your Answer:**
#
# ### BEGIN SOLUTION
# The naive version runs a Python loop over every output position, and each
# iteration pays Python's interpreter overhead and launches a small numpy
# operation on a small window, so little of the time is spent on arithmetic. The
# fast version lays every window out as a column of one large matrix (im2col, from
# a strided view, copied once) and computes all the dot products of all filters
# with all windows in a single matrix multiplication, which the BLAS library runs
# in compiled, cache-friendly, vectorised (and multi-threaded) code. The backward
# pass is two more matrix products plus one vectorised addition per kernel offset.
# ### END SOLUTION

# %% [markdown]
# ## Sandwich layers
#
# `cs231n/layer_utils.py` (provided) chains common layers into one forward and one
# backward function: `conv_relu_forward` is a convolution followed by a ReLU, and
# `conv_relu_pool_forward` adds a 2 x 2 max pool. They use the fast layers. The
# two cells below check provided code, not yours: they compare the sandwich layers'
# gradients with numeric ones, to show how such a check reads, and should pass as
# they are (expect relative errors around 1e-8 or less). If one fails, a provided file
# (`layer_utils.py`, `fast_layers.py` or `gradient_check.py`) was changed: take it
# from the release again.

# %%
# Checks provided code (layer_utils.py and the fast layers): it should pass as it is.
np.random.seed(231)
x = np.random.randn(2, 3, 16, 16)
w = np.random.randn(3, 3, 3, 3)
b = np.random.randn(3)
dout = np.random.randn(2, 3, 8, 8)
conv_param = {"stride": 1, "pad": 1}
pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

out, cache = conv_relu_pool_forward(x, w, b, conv_param, pool_param)
dx, dw, db = conv_relu_pool_backward(dout, cache)

numeric = {
    name: eval_numerical_gradient_array(
        lambda _: conv_relu_pool_forward(x, w, b, conv_param, pool_param)[0], value, dout
    )
    for name, value in [("dx", x), ("dw", w), ("db", b)]
}
print("Testing conv_relu_pool")
check_gradients({"dx": dx, "dw": dw, "db": db}, numeric)

# %%
# Checks provided code (layer_utils.py and the fast layers): it should pass as it is.
np.random.seed(231)
x = np.random.randn(2, 3, 8, 8)
w = np.random.randn(3, 3, 3, 3)
b = np.random.randn(3)
dout = np.random.randn(2, 3, 8, 8)
conv_param = {"stride": 1, "pad": 1}

out, cache = conv_relu_forward(x, w, b, conv_param)
dx, dw, db = conv_relu_backward(dout, cache)

numeric = {
    name: eval_numerical_gradient_array(
        lambda _: conv_relu_forward(x, w, b, conv_param)[0], value, dout
    )
    for name, value in [("dx", x), ("dw", w), ("db", b)]
}
print("Testing conv_relu")
check_gradients({"dx": dx, "dw": dw, "db": db}, numeric)

# %% [markdown]
# ## Three-layer convolutional network
#
# Now that you have the layers, you can build a network. Open
# `cs231n/classifiers/cnn.py` and complete the class `ThreeLayerConvNet`:
# `__init__` draws the weights, `loss` runs the forward pass, and with labels
# the backward pass too. Use the sandwich layers. The architecture is
#
#     conv - relu - 2x2 max pool - affine - relu - affine - softmax
#
# The first check runs your model with fixed weights taken from `reference/`
# (so it does not depend on the order in which you draw them) and compares the
# scores, the loss and every gradient.

# %% nbgrader={"grade": true, "grade_id": "correct_three_layer_convnet_loss", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-14 or less; the check fails above 1e-7.
X, y, params, config = reference_inputs("three_layer_convnet_loss")
with checking("three_layer_convnet_loss"):
    model = ThreeLayerConvNet(**config, dtype=np.float64)
    model.params = params  # fixed weights, whatever order __init__ draws them in
    scores = model.loss(X)
    loss, grads = model.loss(X, y)
    check("three_layer_convnet_loss", scores, loss, grads)

# %% [markdown]
# ### Sanity check: the initial loss
#
# With small random weights every class gets about the same score, so the softmax
# loss of a freshly initialised 10-class network should be about `log(10)`. Adding
# regularisation should raise it by exactly `0.5 * reg * (sum of the squared
# weights)`. This check also looks at the shapes of your parameters and at the
# spread of your initial weights (their standard deviation is `weight_scale`).

# %% nbgrader={"grade": true, "grade_id": "correct_three_layer_convnet_initial_loss", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Expect a loss of about log(10) = 2.303 without regularisation, more with it (log(7) for
# the 7-class network at the end), and the std of each weight matrix within a few percent
# of weight_scale (relative errors around 1e-2 or less; the checks fail above 0.05, or
# 0.1 for the smaller network).
np.random.seed(231)
N = 50
X = np.random.randn(N, 3, 32, 32)
y = np.random.randint(10, size=N)

with checking("three_layer_convnet_initial_loss"):
    model = ThreeLayerConvNet(dtype=np.float64)
    shapes = {name: value.shape for name, value in model.params.items()}
    check_equal(
        "parameter shapes",
        dict(sorted(shapes.items())),
        {
            "W1": (32, 3, 7, 7),
            "W2": (32 * 16 * 16, 100),
            "W3": (100, 10),
            "b1": (32,),
            "b2": (100,),
            "b3": (10,),
        },
    )
    for name in ("W1", "W2", "W3"):
        std = model.params[name].std()
        check_close(f"std of {name} vs weight_scale", std, 1e-3, threshold=0.05)
    biases = np.concatenate([model.params[name] for name in ("b1", "b2", "b3")])
    check_close("the biases vs zero", biases, np.zeros_like(biases))

    loss, _ = model.loss(X, y)
    print(f"Initial loss (no regularization): {loss:.6f}")
    model.reg = 0.5
    loss_reg, _ = model.loss(X, y)
    print(f"Initial loss (with regularization): {loss_reg:.6f}")
    check_close("initial loss vs log(10)", loss, np.log(10), threshold=1e-3)
    squares = sum(np.sum(model.params[name] ** 2) for name in ("W1", "W2", "W3"))
    expected = 0.5 * model.reg * squares
    check_close("regularization term", loss_reg - loss, expected, threshold=1e-6)

    # Another size: a non-square 16 x 12 input, 7 classes, a 5 x 5 filter, weight_scale 2e-3.
    config = {
        "input_dim": (3, 16, 12),
        "num_filters": 8,
        "filter_size": 5,
        "hidden_dim": 40,
        "num_classes": 7,
        "weight_scale": 2e-3,
    }
    model = ThreeLayerConvNet(**config, dtype=np.float64)
    shapes = {name: value.shape for name, value in model.params.items()}
    check_equal(
        f"parameter shapes, {config}",
        dict(sorted(shapes.items())),
        {
            "W1": (8, 3, 5, 5),
            "W2": (8 * 8 * 6, 40),
            "W3": (40, 7),
            "b1": (8,),
            "b2": (40,),
            "b3": (7,),
        },
    )
    for name in ("W1", "W2", "W3"):
        std = model.params[name].std()
        check_close(f"std of {name} vs weight_scale 2e-3", std, 2e-3, threshold=0.1)
    loss, _ = model.loss(np.random.randn(6, 3, 16, 12), np.random.randint(7, size=6))
    check_close("initial loss vs log(7)", loss, np.log(7), threshold=1e-3)

# %% [markdown]
# ### Gradient check
#
# Check the gradients of the whole network numerically, on a small network and two
# images. With `reg = 0.5` this also tests the regularisation gradient. Numeric
# gradients of a network with ReLUs and max pools are less precise than those of a
# single layer: expect relative errors around 1e-6 or less.

# %% nbgrader={"grade": true, "grade_id": "correct_three_layer_convnet_gradients", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-6 or less; the checks fail above 1e-4 (a ReLU or
# max-pool kink within h of a weight can spoil one entry of a numeric gradient). The
# regularisation's share of the gradients, worked out exactly, should match within
# about 1e-13 (the check fails above 1e-6).
np.random.seed(231)
num_inputs = 2
input_dim = (3, 16, 16)
X = np.random.randn(num_inputs, *input_dim)
y = np.random.randint(10, size=num_inputs)

with checking("three_layer_convnet_gradients"):
    model = ThreeLayerConvNet(
        num_filters=3,
        filter_size=3,
        input_dim=input_dim,
        hidden_dim=7,
        weight_scale=0.1,
        reg=0.5,
        dtype=np.float64,
    )
    loss, grads = model.loss(X, y)
    for name in sorted(model.params):
        numeric = eval_numerical_gradient(
            lambda _: model.loss(X, y)[0], model.params[name], verbose=False
        )
        check_close(f"grads[{name!r}] vs numeric", grads[name], numeric, threshold=1e-4)

    # The regularisation's share of the gradients, by hand: reg * W for each weight,
    # nothing for the biases (they are not regularised; nonzero here, so that it shows).
    for name in ("b1", "b2", "b3"):
        model.params[name] = np.random.randn(*model.params[name].shape)
    _, grads = model.loss(X, y)
    model.reg = 0.0
    _, grads_without = model.loss(X, y)
    for name in sorted(model.params):
        share = 0.5 * model.params[name] if name.startswith("W") else 0 * model.params[name]
        label = f"grads[{name!r}] with reg 0.5 minus without"
        check_close(label, grads[name] - grads_without[name], share, threshold=1e-6)

    # A non-square input, a 5 x 5 filter, 4 classes and no regularisation.
    X = np.random.randn(4, 2, 8, 6)
    y = np.random.randint(4, size=4)
    model = ThreeLayerConvNet(
        input_dim=(2, 8, 6),
        num_filters=3,
        filter_size=5,
        hidden_dim=7,
        num_classes=4,
        weight_scale=0.3,
        reg=0.0,
        dtype=np.float64,
    )
    loss, grads = model.loss(X, y)
    for name in sorted(model.params):
        numeric = eval_numerical_gradient(
            lambda _: model.loss(X, y)[0], model.params[name], verbose=False
        )
        label = f"grads[{name!r}] vs numeric, input (2, 8, 6)"
        check_close(label, grads[name], numeric, threshold=1e-4)

# %% [markdown]
# ## Update rules
#
# The `Solver` moves every parameter with an update rule from `cs231n/optim.py`: read the
# interface at the top of that file. Plain `sgd` is provided; write `sgd_momentum`,
# `rmsprop` and `adam`, following their docstrings. A rule takes `(w, dw, config)` and
# returns `(next_w, config)`, and keeps its state (a velocity, running averages, a step
# count) in `config`, which the Solver hands back at the next step.
#
# Each check cell below first makes one step that you can work out by hand (the numbers
# are in the text), then three steps in a row from the state saved in `reference/`,
# compared with the solution's.

# %% [markdown]
# ### SGD with momentum
#
# Implement `sgd_momentum`. By hand: with `w = [1.0, -2.0]`, `dw = [0.5, -1.0]`,
# `learning_rate = 0.1`, `momentum = 0.9` and a velocity of `[1.0, 0.0]`, the new velocity is
# `v = [0.9 * 1.0 - 0.1 * 0.5, 0.9 * 0.0 - 0.1 * (-1.0)] = [0.85, 0.1]`, and
# `next_w = w + v = [1.85, -1.9]`.

# %% nbgrader={"grade": true, "grade_id": "correct_sgd_momentum", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-16 or less; the checks fail above 1e-7.
with checking("sgd_momentum"):
    # The step worked out above.
    config = {"learning_rate": 0.1, "momentum": 0.9, "velocity": np.array([1.0, 0.0])}
    next_w, config = sgd_momentum(np.array([1.0, -2.0]), np.array([0.5, -1.0]), config)
    check_close(
        "sgd_momentum by hand: velocity",
        config["velocity"],
        np.array([0.85, 0.1]),
        hint="v = momentum * v - learning_rate * dw, stored in config['velocity']",
    )
    check_close(
        "sgd_momentum by hand: next_w",
        next_w,
        np.array([1.85, -1.9]),
        hint="next_w = w + v: the velocity already points downhill",
    )

    # Two steps from no velocity, with the default momentum 0.9: v = -0.1 * [0.5, -1.0]
    # = [-0.05, 0.1], then v = 0.9 * v - 0.1 * [1.0, 0.0] = [-0.145, 0.09], and w moves
    # by both: [1.0, -2.0] + [-0.05, 0.1] + [-0.145, 0.09] = [0.805, -1.81].
    config = {"learning_rate": 0.1}
    next_w, config = sgd_momentum(np.array([1.0, -2.0]), np.array([0.5, -1.0]), config)
    next_w, config = sgd_momentum(next_w, np.array([1.0, 0.0]), config)
    check_close(
        "sgd_momentum by hand, two steps from no velocity: next_w",
        next_w,
        np.array([0.805, -1.81]),
        hint="with no velocity in config, start from zeros; the default momentum is 0.9",
    )

    # Three steps from the saved state, each from the config the previous one returned.
    next_w, dws, config = reference_inputs("sgd_momentum")
    for dw in dws:
        next_w, config = sgd_momentum(next_w, dw, config)
    check("sgd_momentum", next_w, config["velocity"])

# %% [markdown]
# ### RMSProp
#
# Implement `rmsprop`. By hand, the first step (no cache yet, so it starts at zero) with
# `w = [1.0, -1.0]`, `dw = [2.0, -6.0]`, `learning_rate = 0.1`, `decay_rate = 0.75` and a
# large `epsilon = 1.0`, so that its place shows: the cache becomes
# `0.75 * 0 + 0.25 * dw ** 2 = [1.0, 9.0]`, `np.sqrt(cache) + epsilon = [2.0, 4.0]`, and
# `next_w = w - 0.1 * [2.0 / 2.0, -6.0 / 4.0] = [0.9, -0.85]`.

# %% nbgrader={"grade": true, "grade_id": "correct_rmsprop", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-16 or less (around 3e-9 for the step with the default
# epsilon, which moves it slightly); the checks fail above 1e-7.
with checking("rmsprop"):
    # The step worked out above.
    config = {"learning_rate": 0.1, "decay_rate": 0.75, "epsilon": 1.0}
    next_w, config = rmsprop(np.array([1.0, -1.0]), np.array([2.0, -6.0]), config)
    check_close(
        "rmsprop by hand: cache",
        config["cache"],
        np.array([1.0, 9.0]),
        hint="cache = decay_rate * cache + (1 - decay_rate) * dw ** 2, stored in config['cache']",
    )
    check_close(
        "rmsprop by hand: next_w",
        next_w,
        np.array([0.9, -0.85]),
        hint="divide by np.sqrt(cache) + epsilon: epsilon outside the square root",
    )

    # The same first step with the defaults (decay_rate 0.99, epsilon 1e-8) and
    # learning_rate 0.01: cache = 0.01 * dw ** 2 = [0.04, 0.36], np.sqrt(cache) = [0.2, 0.6],
    # next_w = w - 0.01 * [2.0 / 0.2, -6.0 / 0.6] = [0.9, -0.9] (epsilon too small to show).
    config = {"learning_rate": 0.01}
    next_w, config = rmsprop(np.array([1.0, -1.0]), np.array([2.0, -6.0]), config)
    check_close(
        "rmsprop by hand, the default decay_rate: next_w",
        next_w,
        np.array([0.9, -0.9]),
        hint="with no cache in config, start from zeros; the default decay_rate is 0.99",
    )

    # Three steps from the saved state; its gradients range from 1e-4 to 10, so
    # epsilon matters for some weights and not for others.
    next_w, dws, config = reference_inputs("rmsprop")
    for dw in dws:
        next_w, config = rmsprop(next_w, dw, config)
    check("rmsprop", next_w, config["cache"])

# %% [markdown]
# ### Adam
#
# Implement `adam`; mind the order the docstring gives (`t` first). By hand, the first step
# (`t` becomes 1; no `m` or `v` yet) with the default `beta1 = 0.9` and `beta2 = 0.999`,
# `w = [1.0, -1.0]`, `dw = [0.5, -2.0]`, `learning_rate = 0.01` and a large `epsilon = 0.5`:
#
# - `m = 0.1 * dw = [0.05, -0.2]` and `v = 0.001 * dw ** 2 = [0.00025, 0.004]`;
# - the bias correction divides them by `1 - 0.9 ** 1` and `1 - 0.999 ** 1`, giving back
#   `m_hat = dw = [0.5, -2.0]` and `v_hat = dw ** 2 = [0.25, 4.0]`;
# - `np.sqrt(v_hat) + epsilon = [1.0, 2.5]`, so
#   `next_w = w - 0.01 * [0.5 / 1.0, -2.0 / 2.5] = [0.995, -0.992]`.
#
# Without the bias correction this first step would be five times smaller: the
# correction matters most at the start of training.

# %% nbgrader={"grade": true, "grade_id": "correct_adam", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-15 or less; the checks fail above 1e-7.
with checking("adam"):
    # The step worked out above.
    config = {"learning_rate": 0.01, "epsilon": 0.5}
    next_w, config = adam(np.array([1.0, -1.0]), np.array([0.5, -2.0]), config)
    check_equal("adam by hand: t", config["t"], 1, hint="increment t before you use it")
    check_close(
        "adam by hand: m",
        config["m"],
        np.array([0.05, -0.2]),
        hint="m = beta1 * m + (1 - beta1) * dw, stored in config['m'] (not m_hat)",
    )
    check_close(
        "adam by hand: v",
        config["v"],
        np.array([0.00025, 0.004]),
        hint="v = beta2 * v + (1 - beta2) * dw ** 2, stored in config['v'] (not v_hat)",
    )
    check_close(
        "adam by hand: next_w",
        next_w,
        np.array([0.995, -0.992]),
        hint="step with m_hat / (np.sqrt(v_hat) + epsilon), both bias-corrected with the new t",
    )

    # Three steps from the saved state (t = 4, so the bias correction still matters).
    next_w, dws, config = reference_inputs("adam")
    for dw in dws:
        next_w, config = adam(next_w, dw, config)
    check("adam", next_w, config["m"], config["v"], config["t"])

# %% [markdown]
# ## The Solver
#
# `cs231n/solver.py` trains any model that has `params` and `loss(X, y=None)`. Read its
# class docstring and `train`, which is provided: it calls two methods that are yours.
#
# - `Solver._step`: one gradient step on one minibatch, the four steps of its docstring.
# - `Solver.check_accuracy`: the fraction of examples the model classifies right, scoring at
#   most `batch_size` examples at a time (the last batch may be smaller).
#
# The checks train `SoftmaxClassifier` (in `cs231n/checks.py`: a linear classifier made of
# provided layers only), so they test the Solver and nothing else. The `_step` check trains
# with `sgd_momentum`, whose check above should pass first. Both methods draw from numpy's
# global generator, as their docstrings say, so seeded runs match the reference.
#
# By hand for `check_accuracy`: the saved labels agree with the model's predictions on 5 of
# the 7 examples, the last one among them, which sits alone in the last batch of 3; the
# accuracy is 5/7 = 0.714.

# %% nbgrader={"grade": true, "grade_id": "correct_solver_step", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-15 or less; the checks fail above 1e-7.
params, X, y, options, steps = reference_inputs("solver_step")
with checking("solver_step"):
    model = SoftmaxClassifier(params)
    np.random.seed(231)  # the minibatches come from numpy's global generator
    step_solver = Solver(model, {"X_train": X, "y_train": y, "X_val": X, "y_val": y}, **options)
    for _ in range(steps):
        step_solver._step()

    # The first loss is the untrained model's loss on the first minibatch.
    np.random.seed(231)
    first = np.random.choice(X.shape[0], options["batch_size"])
    first_loss, _ = SoftmaxClassifier(params).loss(X[first], y[first])
    check_close(
        "first loss vs the model's loss on the first minibatch",
        step_solver.loss_history[0] if step_solver.loss_history else None,
        first_loss,
        hint="draw the minibatch with np.random.choice(num_train, batch_size) and take the "
        "images and the labels at the same indices; append each loss to loss_history",
    )

    velocity = {p: config.get("velocity") for p, config in step_solver.optim_configs.items()}
    check(
        "solver_step",
        model.params,
        np.array(step_solver.loss_history),
        velocity,
        hint="call the update rule with each parameter's own config, self.optim_configs[p], "
        "and store both the new value in self.model.params[p] and the config it returns",
        suspects={"sgd_momentum": "the update rule this check trains with (sgd_momentum)"},
    )

# %% nbgrader={"grade": true, "grade_id": "correct_solver_check_accuracy", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Expect the accuracies exactly (relative error 0); the checks fail above 1e-7.
params, X, y, batch_size, num_samples = reference_inputs("solver_check_accuracy")
with checking("solver_check_accuracy"):
    tiny_data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    accuracy_solver = Solver(SoftmaxClassifier(params), tiny_data)
    np.random.seed(231)  # the sample comes from numpy's global generator
    accuracy = accuracy_solver.check_accuracy(X, y, batch_size=batch_size)
    sampled = accuracy_solver.check_accuracy(X, y, num_samples=num_samples, batch_size=batch_size)
    check_close(
        "accuracy by hand (5 of 7)",
        accuracy,
        5 / 7,
        hint="score every batch, the last, smaller one included, and compare each "
        "prediction with its own label",
    )
    check("solver_check_accuracy", accuracy, sampled)

# %% [markdown]
# ## Overfit a small dataset
#
# A good sanity check for a network and its training code: train it on only 100
# images. It should memorise them, reaching a training accuracy near 100% while
# the validation accuracy stays low. The cell below trains your model with your
# `Solver` and your `adam`. When it fails, it lists what the earlier checks showed
# about each part it rests on: look first at a part whose check failed or never ran.

# %% nbgrader={"grade": true, "grade_id": "correct_overfit_small_data", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Expect the training accuracy to approach 100% (the check needs 80%) and the
# validation accuracy to stay far lower.
np.random.seed(231)
num_train = 100
small_data = {
    "X_train": data["X_train"][:num_train],
    "y_train": data["y_train"][:num_train],
    "X_val": data["X_val"],
    "y_val": data["y_val"],
}

with checking("overfit_small_data"):
    model = ThreeLayerConvNet(weight_scale=1e-2)
    solver = Solver(
        model,
        small_data,
        num_epochs=20,
        batch_size=25,
        update_rule="adam",
        optim_config={"learning_rate": 1e-3},
        verbose=True,
        print_every=10,
    )
    solver.train()
    print(f"best validation accuracy: {max(solver.val_acc_history):.3f}")
    check_at_least(
        "best training accuracy",
        max(solver.train_acc_history),
        0.8,
        suspects=TRAINING_PARTS,
        hint="if every part passed its check, look at what those checks cannot see: the "
        "loss going down in the printout (a constant loss: params never updated), and "
        "this cell's settings (weight_scale, learning_rate), if you changed them",
    )

# %% [markdown]
# The loss, the training accuracy and the validation accuracy show the overfitting:

# %%
if finished("overfit_small_data", "the loss and accuracy plots"):
    plt.subplot(2, 1, 1)
    plt.plot(solver.loss_history, "o")
    plt.xlabel("iteration")
    plt.ylabel("loss")

    plt.subplot(2, 1, 2)
    plt.plot(solver.train_acc_history, "-o")
    plt.plot(solver.val_acc_history, "-o")
    plt.legend(["train", "val"], loc="upper left")
    plt.xlabel("epoch")
    plt.ylabel("accuracy")
    plt.show()


# %% [markdown] nbgrader={"grade": false, "grade_id": "inline_question_initial_loss_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Inline Question 3:** Why is the initial loss of the network close to `log(10)`? If you saw an
# initial loss of 10 instead, what would you suspect?

# %% [markdown] nbgrader={"grade": true, "grade_id": "inline_question_initial_loss", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Your Answer:**
#
# ### BEGIN SOLUTION
# With weights of standard deviation 1e-3 the scores are all close to 0, so the
# softmax gives each of the 10 classes a probability of about 1/10, and the loss
# (the negative log probability of the correct class, averaged) is about
# -log(1/10) = log(10) = 2.303. A loss of 10 means the correct class gets a
# probability of about e^-10 right away: the scores are large, so the weights are
# far too big (a wrong weight_scale, or weights not multiplied by it), or the
# loss is computed wrongly (summed instead of averaged over the batch, say).
# ### END SOLUTION

# %% [markdown]
# ## Train the network
#
# Train the three-layer network for one epoch on the training set. Complete
# `train_one_epoch(data)`: build a `ThreeLayerConvNet`, train it with a `Solver`
# for `num_epochs=1`, and return the `Solver` after `train()`. With CS231n's
# settings (`weight_scale=0.001`, `hidden_dim=500`, `reg=0.001`, Adam with a
# learning rate of 1e-3 and batches of 50) you should reach a validation accuracy
# above 40% on CIFAR-10 in one epoch (about 90% on the synthetic stand-in, whose
# shapes and textures are easier than photos), in a few minutes. Pass
# `progress=True` to the `Solver` to see a progress bar with the time left. The check
# cell calls your function and needs at least 40%; when it fails, it lists what the
# earlier checks showed about each part the training rests on.

# %% nbgrader={"grade": false, "grade_id": "train_one_epoch", "locked": false, "schema_version": 3, "solution": true, "task": false}
def train_one_epoch(data):
    """Train a ThreeLayerConvNet on data for one epoch; return the trained Solver."""
    ### BEGIN SOLUTION
    model = ThreeLayerConvNet(weight_scale=0.001, hidden_dim=500, reg=0.001)
    solver = Solver(
        model,
        data,
        num_epochs=1,
        batch_size=50,
        update_rule="adam",
        optim_config={"learning_rate": 1e-3},
        verbose=True,
        print_every=100,
        progress=True,
    )
    solver.train()
    return solver
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "correct_train_one_epoch", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Expect a validation accuracy above 40% on CIFAR-10 (about 90% on the synthetic one).
np.random.seed(231)
with checking("train_one_epoch"):
    solver = train_one_epoch(data)
    check_equal(
        "epochs trained",
        solver.epoch,
        1,
        hint="build the Solver with num_epochs=1 and call train()",
    )
    check_at_least(
        "best validation accuracy",
        solver.best_val_acc,
        MIN_VAL_ACC,
        suspects={**TRAINING_PARTS, "overfit_small_data": "the overfitting run above"},
        hint="if every part passed its check, look at train_one_epoch's settings: "
        "weight_scale=0.001, hidden_dim=500, reg=0.001, Adam with learning_rate=1e-3, "
        "batch_size=50",
    )

# %% [markdown]
# ## Visualise the filters
#
# The first layer's filters, drawn as small colour images. After one epoch of
# training they begin to show edges and colour blobs.

# %%
if finished("train_one_epoch", "the filters"):
    grid = visualize_grid(solver.model.params["W1"].transpose(0, 2, 3, 1))
    plt.imshow(grid.astype("uint8"))
    plt.axis("off")
    plt.gcf().set_size_inches(5, 5)
    plt.show()
