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
# # Spatial normalisation
#
# Batch normalisation speeds up the training of deep fully connected networks. In
# this notebook you adapt it to convolutional networks, where it is called spatial
# batch normalisation, and then write group normalisation, which does not depend
# on the batch at all.

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

from cs231n.checks import check, check_close, checking, reference_inputs
from cs231n.gradient_check import eval_numerical_gradient_array
from cs231n.layers import (
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
    spatial_groupnorm_backward,
    spatial_groupnorm_forward,
)

# Reload the cs231n modules you edit before every cell runs.
# %load_ext autoreload
# %autoreload 2

# The cells seed NumPy's global generator (np.random.seed), as CS231n does.
# ruff: noqa: NPY002

# %% [markdown]
# ## Spatial batch normalisation: forward pass
#
# For images of shape `(N, C, H, W)`, a convolution's output should be normalised
# so that every *feature map* (channel) keeps one mean and one variance, whatever
# the position: spatial batch normalisation computes the statistics of each
# channel over the `N * H * W` values of the batch and of all positions, then
# applies a per-channel scale `gamma` and shift `beta`, both of shape `(C,)`.
#
# Implement `spatial_batchnorm_forward` in `cs231n/layers.py`, reusing
# `batchnorm_forward` (provided) on a reshaped input.

# %% nbgrader={"grade": true, "grade_id": "correct_spatial_batchnorm_forward", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Expect a relative error around 1e-14 or less against the reference (the check fails
# above 1e-7). Below, the per-channel means match beta within about 1e-15 and the stds
# match gamma within about 1e-7 (1e-5 with eps 1e-3); each check prints its threshold.
x, gamma, beta, bn_param = reference_inputs("spatial_batchnorm_forward")
with checking("spatial_batchnorm_forward"):
    print("Before: per-channel means", x.mean(axis=(0, 2, 3)))
    print("        per-channel stds ", x.std(axis=(0, 2, 3)))
    out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    print("After:  per-channel means", out.mean(axis=(0, 2, 3)), "(beta:", beta, ")")
    print("        per-channel stds ", out.std(axis=(0, 2, 3)), "(gamma:", gamma, ")")
    check("spatial_batchnorm_forward", out)

# With gamma and beta, each channel's mean becomes beta and its std gamma.
np.random.seed(2320)
x = 5 * np.random.randn(4, 3, 5, 6) + 12
gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([4.0, -5.0, 6.0])
out, _ = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
check_close("per-channel means vs beta", out.mean(axis=(0, 2, 3)), beta, threshold=1e-10)
check_close("per-channel stds vs gamma", out.std(axis=(0, 2, 3)), gamma, threshold=1e-5)

# N, C, H, W all different and a larger eps (1e-3 against a variance of 25: the stds
# come out 2e-5 below gamma).
x = 5 * np.random.randn(3, 5, 2, 7) - 3
gamma, beta = np.random.rand(5) + 0.5, np.random.randn(5)
out, _ = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": 1e-3})
check_close("per-channel means vs beta, eps 1e-3", out.mean(axis=(0, 2, 3)), beta, threshold=1e-10)
check_close("per-channel stds vs gamma, eps 1e-3", out.std(axis=(0, 2, 3)), gamma, threshold=1e-4)

# %% [markdown]
# ## Spatial batch normalisation: test time
#
# In training mode, `bn_param` keeps running averages of each channel's mean and
# variance; in test mode they replace the batch statistics. The check below runs
# five training batches, then normalises a test batch, and compares the running
# averages and the test output.

# %% nbgrader={"grade": true, "grade_id": "correct_spatial_batchnorm_test_time", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-14 or less; the check fails above 1e-7.
gamma, beta, x_train, x_test, bn_param = reference_inputs("spatial_batchnorm_test_time")
with checking("spatial_batchnorm_test_time"):
    for x in x_train:  # five training batches update the running averages
        spatial_batchnorm_forward(x, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    out, _ = spatial_batchnorm_forward(x_test, gamma, beta, bn_param)
    check(
        "spatial_batchnorm_test_time",
        bn_param.get("running_mean"),
        bn_param.get("running_var"),
        out,
    )

# After many training batches, test-time outputs have each channel's mean near
# beta and std near gamma (CS231n's check).
np.random.seed(2321)
gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([4.0, -5.0, 6.0])
bn_param = {"mode": "train"}
for _ in range(50):
    x = 2.3 * np.random.randn(10, 3, 4, 5) + 13
    spatial_batchnorm_forward(x, gamma, beta, bn_param)
bn_param["mode"] = "test"
x = 2.3 * np.random.randn(10, 3, 4, 5) + 13
out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
check_close("test-time means vs beta", out.mean(axis=(0, 2, 3)), beta, threshold=0.1)
check_close("test-time stds vs gamma", out.std(axis=(0, 2, 3)), gamma, threshold=0.1)

# %% [markdown]
# ## Spatial batch normalisation: backward pass
#
# Implement `spatial_batchnorm_backward` in `cs231n/layers.py`, with the same
# reshaping as the forward pass and `batchnorm_backward_alt` (provided).

# %% nbgrader={"grade": true, "grade_id": "correct_spatial_batchnorm_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-13 or less against the reference (the check fails
# above 1e-7), and around 1e-8 or less against numeric gradients (they fail above 1e-6).
x, gamma, beta, bn_param, dout = reference_inputs("spatial_batchnorm_backward")
with checking("spatial_batchnorm_backward"):
    _, cache = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
    check("spatial_batchnorm_backward", dx, dgamma, dbeta)

# Other shapes (N, C, H, W all different) and eps, against numeric gradients.
np.random.seed(2322)
for shape, eps in [((3, 4, 2, 5), 1e-5), ((5, 2, 3, 3), 1e-4)]:
    x = 3 * np.random.randn(*shape) - 1
    gamma, beta = np.random.randn(shape[1]), np.random.randn(shape[1])
    dout = np.random.randn(*shape)
    _, cache = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": eps})
    grads = spatial_batchnorm_backward(dout, cache)
    for name, value, grad in zip(("dx", "dgamma", "dbeta"), (x, gamma, beta), grads, strict=True):
        numeric = eval_numerical_gradient_array(
            lambda _, x=x, gamma=gamma, beta=beta, eps=eps: spatial_batchnorm_forward(
                x, gamma, beta, {"mode": "train", "eps": eps}
            )[0],
            value,
            dout,
        )
        label = f"spatial_batchnorm_backward {name} vs numeric, {shape}, eps {eps}"
        check_close(label, grad, numeric, threshold=1e-6)

# %% [markdown] nbgrader={"grade": false, "grade_id": "inline_question_spatial_statistics_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Inline Question 1:** Spatial batch normalisation computes one mean and one variance per channel, over
# the batch *and all spatial positions*. Why not normalise every `(c, h, w)` value
# separately, as `batchnorm_forward` would do on the input flattened to
# `(N, C * H * W)`?

# %% [markdown] nbgrader={"grade": true, "grade_id": "inline_question_spatial_statistics", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Your Answer:**
#
# ### BEGIN SOLUTION
# A convolution applies the same filter at every position, so a channel is one
# feature detected everywhere in the image: its values at different positions
# have the same meaning and should be treated alike. Per-channel statistics keep
# that (the same normalisation at every position, one gamma and beta per filter,
# so the layer stays translation-equivariant), and they are estimated from
# N * H * W values instead of N, which makes them far less noisy for small
# batches. Per-position statistics would normalise a pixel differently depending
# on where it is and need C * H * W parameters.
# ### END SOLUTION

# %% [markdown]
# ## Group normalisation: forward pass
#
# Batch normalisation depends on the batch: with small batches its statistics are
# noisy, and it behaves differently in training and at test time. Layer
# normalisation avoids this by normalising each example over all its features, but
# it works less well for convolutional networks. Group normalisation (Wu and He,
# 2018) splits the `C` channels of each example into `G` groups of `C // G`
# consecutive channels and normalises each group over its channels and all
# positions, then applies a per-channel `gamma` and `beta` of shape `(1, C, 1, 1)`.
#
# Implement `spatial_groupnorm_forward` in `cs231n/layers.py`.

# %% nbgrader={"grade": true, "grade_id": "correct_spatial_groupnorm_forward", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Expect a relative error around 1e-14 or less against the reference (the check fails
# above 1e-7). Below, the group means match 0 within about 1e-15 and the stds match 1
# within about 1e-6; each check prints its threshold.
x, gamma, beta, G, gn_param = reference_inputs("spatial_groupnorm_forward")
with checking("spatial_groupnorm_forward"):
    out, _ = spatial_groupnorm_forward(x, gamma, beta, G, gn_param)
    check("spatial_groupnorm_forward", out)

# With gamma = 1 and beta = 0, every group of every example has mean 0 and std 1:
# groups of two channels, of three, one channel per group (instance norm) and one
# group of all channels (layer norm).
np.random.seed(2323)
for (N, C, H, W), G in [((3, 8, 3, 4), 4), ((2, 6, 5, 2), 2), ((2, 4, 3, 3), 4), ((1, 3, 2, 4), 1)]:
    x = 4 * np.random.randn(N, C, H, W) + 7
    ones, zeros = np.ones((1, C, 1, 1)), np.zeros((1, C, 1, 1))
    out, _ = spatial_groupnorm_forward(x, ones, zeros, G, {"eps": 1e-5})
    groups = out.reshape(N, G, -1)
    means = groups.mean(axis=2)
    label = f"{(N, C, H, W)}, G={G}"
    check_close(f"group means (+ 1) vs 1, {label}", means + 1, np.ones((N, G)), threshold=1e-12)
    check_close(f"group stds vs 1, {label}", groups.std(axis=2), np.ones((N, G)), threshold=1e-5)

# %% [markdown]
# ## Group normalisation: backward pass
#
# Implement `spatial_groupnorm_backward` in `cs231n/layers.py`. Within one group
# this is layer normalisation's backward pass over `C // G * H * W` values.

# %% nbgrader={"grade": true, "grade_id": "correct_spatial_groupnorm_backward", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
# Expect relative errors around 1e-13 or less against the reference (the check fails
# above 1e-7), and around 1e-8 or less against numeric gradients (they fail above 1e-6).
x, gamma, beta, G, gn_param, dout = reference_inputs("spatial_groupnorm_backward")
with checking("spatial_groupnorm_backward"):
    _, cache = spatial_groupnorm_forward(x, gamma, beta, G, gn_param)
    dx, dgamma, dbeta = spatial_groupnorm_backward(dout, cache)
    check("spatial_groupnorm_backward", dx, dgamma, dbeta)

# Other shapes and groups (of three channels, of two, one group), against numeric gradients.
np.random.seed(2324)
for (N, C, H, W), G in [((2, 6, 3, 2), 2), ((3, 8, 2, 3), 4), ((2, 3, 4, 2), 1)]:
    x = 2 * np.random.randn(N, C, H, W) + 1
    gamma, beta = np.random.randn(1, C, 1, 1), np.random.randn(1, C, 1, 1)
    dout = np.random.randn(N, C, H, W)
    _, cache = spatial_groupnorm_forward(x, gamma, beta, G, {"eps": 1e-5})
    grads = spatial_groupnorm_backward(dout, cache)
    for name, value, grad in zip(("dx", "dgamma", "dbeta"), (x, gamma, beta), grads, strict=True):
        numeric = eval_numerical_gradient_array(
            lambda _, x=x, gamma=gamma, beta=beta, G=G: spatial_groupnorm_forward(
                x, gamma, beta, G, {"eps": 1e-5}
            )[0],
            value,
            dout,
        )
        label = f"spatial_groupnorm_backward {name} vs numeric, {(N, C, H, W)}, G={G}"
        check_close(label, grad, numeric, threshold=1e-6)

# %% [markdown] nbgrader={"grade": false, "grade_id": "inline_question_group_norm_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Inline Question 2:** What problem of batch normalisation does group normalisation fix? Describe a
# situation where batch normalisation struggles and group normalisation does not,
# and say what layer normalisation and instance normalisation are in terms of `G`.

# %% [markdown] nbgrader={"grade": true, "grade_id": "inline_question_group_norm", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Your Answer:**
#
# ### BEGIN SOLUTION
# Batch normalisation's statistics come from the batch: with small batches (large
# images, big models, detection or segmentation, a batch of 2 per GPU) they are
# noisy estimates, which hurts accuracy, and the network computes something
# different in training (batch statistics) and at test time (running averages),
# which also breaks when the test data differ from the training data. Group
# normalisation computes its statistics per example, over groups of channels, so
# it does not depend on the batch size at all and behaves the same in training and
# testing, while still pooling enough values (C // G * H * W) for stable estimates.
# With G = 1 it is layer normalisation (all channels together); with G = C it is
# instance normalisation (each channel alone).
# ### END SOLUTION
