"""The reference cases: for every check cell, its seeded inputs and how the solution answers them.

Each `Case` names the function a check cell tests and says how to build its
inputs (`make_inputs`, from a `np.random.RandomState` seeded with `seed`: the
legacy generator, whose streams numpy never changes) and how to compute the
expected outputs (`run`, which calls the instructor's `cs231n` exactly as the
check cell calls the student's). Run on the solutions, `run` yields the answer
key; nothing else in the repository knows the expected values.

A `run` function receives fresh copies of the inputs (it may modify a bn_param
dict, as the layers do) and returns a dict of outputs in the order the check
cell passes them to `check(name, *outputs)`.

Shapes stay small (a few hundred numbers per array, a few KB per file) and
unequal (H != W, F != C, N != C) so that a mix-up of two axes shows as a wrong
shape. Strides and pads are chosen so that forgetting either changes the shape.
"""

from dataclasses import dataclass, field

import numpy as np

CONV_HINTS = {
    "H'": (
        "H' = 1 + (H + pad_top + pad_bottom - HH) // stride: "
        "are both the stride and the padding in it?"
    ),
    "W'": (
        "W' = 1 + (W + pad_left + pad_right - WW) // stride: "
        "are both the stride and the padding in it?"
    ),
    "H": "dx has the shape of x: crop the padding away (rows pad_top : pad_top + H of dx_pad).",
    "W": "dx has the shape of x: crop the padding away (columns pad_left : pad_left + W).",
}
POOL_HINTS = {
    "H'": (
        "H' = 1 + (H + pad_top + pad_bottom - pool_height) // stride, a floor (the pads are 0 "
        "without pool_param['pad']): is the stride in it, and pool_height (not pool_width)?"
    ),
    "W'": (
        "W' = 1 + (W + pad_left + pad_right - pool_width) // stride, a floor (the pads are 0 "
        "without pool_param['pad']): is the stride in it, and pool_width (not pool_height)?"
    ),
}
TRANSPOSE_HINTS = {
    "H'": (
        "H' = (H - 1) * stride - 2 * pad + HH (check_conv_transpose_args gives it): "
        "crop pad_top and pad_bottom rows off the scatter array."
    ),
    "W'": (
        "W' = (W - 1) * stride - 2 * pad + WW (check_conv_transpose_args gives it): "
        "crop pad_left and pad_right columns off the scatter array."
    ),
}


@dataclass(frozen=True)
class Case:
    """One reference file: reference/<name>.npz.

    - name: the name check cells use, and the file's stem
    - function: the student's function under test ("conv_forward_naive")
    - file: where the student writes it ("cs231n/layers.py")
    - seed: the seed of the RandomState given to make_inputs
    - make_inputs: RandomState -> dict of inputs, in call order
    - run: dict of inputs -> dict of outputs, in check order (calls the solution)
    - layouts: output name -> layout, e.g. "(N, F, H', W')", to name axes in messages
    - threshold: the largest relative error a check accepts
    - hints: axis name -> advice printed when that axis has the wrong size
    """

    name: str
    function: str
    file: str
    seed: int
    make_inputs: object
    run: object
    layouts: dict
    threshold: float = 1e-7
    hints: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


def _conv_inputs(rng):
    # Stride 2 and pad 1 both change H' and W'; H != W and F != C.
    return {
        "x": rng.randn(2, 3, 9, 7),
        "w": rng.randn(4, 3, 3, 3),
        "b": rng.randn(4),
        "conv_param": {"stride": 2, "pad": 1},
    }


def _conv_backward_inputs(rng):
    inputs = _conv_inputs(rng)
    inputs["dout"] = rng.randn(2, 4, 5, 4)
    return inputs


def _conv_same_inputs(rng):
    # 'same' with stride 2: one row of padding at the bottom only (6 rows),
    # one column on each side (7 columns).
    return {
        "x": rng.randn(2, 3, 6, 7),
        "w": rng.randn(4, 3, 3, 3),
        "b": rng.randn(4),
        "conv_param": {"stride": 2, "pad": "same"},
    }


def _conv_same_backward_inputs(rng):
    inputs = _conv_same_inputs(rng)
    inputs["dout"] = rng.randn(2, 4, 3, 4)
    return inputs


def _max_pool_inputs(rng):
    return {
        "x": rng.randn(2, 3, 8, 6),
        "pool_param": {"pool_height": 2, "pool_width": 2, "stride": 2},
    }


def _max_pool_backward_inputs(rng):
    inputs = _max_pool_inputs(rng)
    inputs["dout"] = rng.randn(2, 3, 4, 3)
    return inputs


def _avg_pool_inputs(rng):
    # A 3 x 2 window with stride 2: windows overlap along H, and a swapped
    # pool_height / pool_width changes the shape.
    return {
        "x": rng.randn(2, 3, 7, 8),
        "pool_param": {"pool_height": 3, "pool_width": 2, "stride": 2},
    }


def _avg_pool_backward_inputs(rng):
    inputs = _avg_pool_inputs(rng)
    inputs["dout"] = rng.randn(2, 3, 3, 4)
    return inputs


def _max_pool_padded_inputs(rng):
    # 'same' with a 3 x 2 window and stride 2: one row of padding above and below
    # (5 rows), one column on the right only (7 columns); windows overlap along H.
    # Every value is negative, so a zero taken from the padding would win a max.
    return {
        "x": -0.1 - np.abs(rng.randn(2, 3, 5, 7)),
        "pool_param": {"pool_height": 3, "pool_width": 2, "stride": 2, "pad": "same"},
        "dout": rng.randn(2, 3, 3, 4),
    }


def _avg_pool_padded_inputs(rng):
    # 'same' with a 2 x 3 window and stride 2: one row of padding at the bottom
    # only (7 rows), one column on each side (5 columns); TensorFlow's mean over
    # the entries of x under each window.
    return {
        "x": rng.randn(2, 3, 7, 5),
        "pool_param": {"pool_height": 2, "pool_width": 3, "stride": 2, "pad": "same"},
        "dout": rng.randn(2, 3, 4, 3),
    }


def _transpose_inputs(rng):
    # x is shaped like a convolution's output (N, F, H, W); w is (F, C, HH, WW).
    return {
        "x": rng.randn(2, 4, 3, 4),
        "w": rng.randn(4, 3, 3, 3),
        "b": rng.randn(3),
        "conv_param": {"stride": 2, "pad": 1},
    }


def _transpose_backward_inputs(rng):
    inputs = _transpose_inputs(rng)
    inputs["dout"] = rng.randn(2, 3, 5, 7)
    return inputs


def _channel_data(rng, shape, means, stds):
    """Data of shape (..., C, H, W) whose channels have their own mean and spread."""
    x = rng.randn(*shape)
    view = (1,) * (len(shape) - 3) + (len(means), 1, 1)
    return x * np.reshape(stds, view) + np.reshape(means, view)


def _spatial_bn_inputs(rng):
    # A positive gamma, so that the cell's printout reads "stds = gamma".
    return {
        "x": _channel_data(rng, (2, 3, 4, 5), [10.0, -3.0, 0.5], [4.0, 0.5, 2.0]),
        "gamma": rng.uniform(0.5, 2.0, 3),
        "beta": rng.randn(3),
        "bn_param": {"mode": "train"},
    }


def _spatial_bn_test_inputs(rng):
    return {
        "gamma": rng.randn(3),
        "beta": rng.randn(3),
        "x_train": _channel_data(rng, (5, 3, 3, 3, 3), [2.0, -1.0, 5.0], [3.0, 1.0, 2.0]),
        "x_test": _channel_data(rng, (2, 3, 3, 3), [2.0, -1.0, 5.0], [3.0, 1.0, 2.0]),
        "bn_param": {"mode": "train", "momentum": 0.9},
    }


def _spatial_bn_backward_inputs(rng):
    inputs = _spatial_bn_inputs(rng)
    inputs["dout"] = rng.randn(2, 3, 4, 5)
    return inputs


def _spatial_gn_inputs(rng):
    # Six channels in G = 3 groups of two.
    return {
        "x": _channel_data(rng, (2, 6, 4, 5), [4.0, -2.0, 0.0, 1.0, 7.0, -5.0], [2.0] * 6),
        "gamma": rng.randn(1, 6, 1, 1),
        "beta": rng.randn(1, 6, 1, 1),
        "G": 3,
        "gn_param": {"eps": 1e-5},
    }


def _spatial_gn_backward_inputs(rng):
    inputs = _spatial_gn_inputs(rng)
    inputs["dout"] = rng.randn(2, 6, 4, 5)
    return inputs


def _convnet_inputs(rng):
    # Fixed weights (not the model's own random init), so that the check does
    # not depend on the order in which __init__ draws them.
    config = {
        "input_dim": [3, 6, 6],
        "num_filters": 4,
        "filter_size": 3,
        "hidden_dim": 8,
        "num_classes": 5,
        "reg": 0.1,
    }
    params = {
        "W1": 0.3 * rng.randn(4, 3, 3, 3),
        "b1": 0.1 * rng.randn(4),
        "W2": 0.2 * rng.randn(4 * 3 * 3, 8),
        "b2": 0.1 * rng.randn(8),
        "W3": 0.3 * rng.randn(8, 5),
        "b3": 0.1 * rng.randn(5),
    }
    return {
        "X": rng.randn(3, 3, 6, 6),
        "y": rng.randint(5, size=3),
        "params": params,
        "config": config,
    }


# ---------------------------------------------------------------------------
# Runs: each mirrors its check cell, calling the solution
# ---------------------------------------------------------------------------


def _run_conv_forward(i):
    from cs231n.layers import conv_forward_naive

    out, _ = conv_forward_naive(i["x"], i["w"], i["b"], i["conv_param"])
    return {"out": out}


def _run_conv_backward(i):
    from cs231n.layers import conv_backward_naive, conv_forward_naive

    _, cache = conv_forward_naive(i["x"], i["w"], i["b"], i["conv_param"])
    dx, dw, db = conv_backward_naive(i["dout"], cache)
    return {"dx": dx, "dw": dw, "db": db}


def _run_max_pool_forward(i):
    from cs231n.layers import max_pool_forward_naive

    out, _ = max_pool_forward_naive(i["x"], i["pool_param"])
    return {"out": out}


def _run_max_pool_backward(i):
    from cs231n.layers import max_pool_backward_naive, max_pool_forward_naive

    _, cache = max_pool_forward_naive(i["x"], i["pool_param"])
    return {"dx": max_pool_backward_naive(i["dout"], cache)}


def _run_avg_pool_forward(i):
    from cs231n.layers import avg_pool_forward_naive

    out, _ = avg_pool_forward_naive(i["x"], i["pool_param"])
    return {"out": out}


def _run_avg_pool_backward(i):
    from cs231n.layers import avg_pool_backward_naive, avg_pool_forward_naive

    _, cache = avg_pool_forward_naive(i["x"], i["pool_param"])
    return {"dx": avg_pool_backward_naive(i["dout"], cache)}


def _run_max_pool_padded(i):
    from cs231n.layers import max_pool_backward_naive, max_pool_forward_naive

    out, cache = max_pool_forward_naive(i["x"], i["pool_param"])
    return {"out": out, "dx": max_pool_backward_naive(i["dout"], cache)}


def _run_avg_pool_padded(i):
    from cs231n.layers import avg_pool_backward_naive, avg_pool_forward_naive

    out, cache = avg_pool_forward_naive(i["x"], i["pool_param"])
    return {"out": out, "dx": avg_pool_backward_naive(i["dout"], cache)}


def _run_transpose_forward(i):
    from cs231n.layers import conv_transpose_forward_naive

    out, _ = conv_transpose_forward_naive(i["x"], i["w"], i["b"], i["conv_param"])
    return {"out": out}


def _run_transpose_backward(i):
    from cs231n.layers import conv_transpose_backward_naive, conv_transpose_forward_naive

    _, cache = conv_transpose_forward_naive(i["x"], i["w"], i["b"], i["conv_param"])
    dx, dw, db = conv_transpose_backward_naive(i["dout"], cache)
    return {"dx": dx, "dw": dw, "db": db}


def _run_spatial_bn_forward(i):
    from cs231n.layers import spatial_batchnorm_forward

    out, _ = spatial_batchnorm_forward(i["x"], i["gamma"], i["beta"], i["bn_param"])
    return {"out": out}


def _run_spatial_bn_test(i):
    from cs231n.layers import spatial_batchnorm_forward

    bn_param = i["bn_param"]
    for x in i["x_train"]:
        spatial_batchnorm_forward(x, i["gamma"], i["beta"], bn_param)
    bn_param["mode"] = "test"
    out, _ = spatial_batchnorm_forward(i["x_test"], i["gamma"], i["beta"], bn_param)
    return {
        "running_mean": bn_param["running_mean"],
        "running_var": bn_param["running_var"],
        "out": out,
    }


def _run_spatial_bn_backward(i):
    from cs231n.layers import spatial_batchnorm_backward, spatial_batchnorm_forward

    _, cache = spatial_batchnorm_forward(i["x"], i["gamma"], i["beta"], i["bn_param"])
    dx, dgamma, dbeta = spatial_batchnorm_backward(i["dout"], cache)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}


def _run_spatial_gn_forward(i):
    from cs231n.layers import spatial_groupnorm_forward

    out, _ = spatial_groupnorm_forward(i["x"], i["gamma"], i["beta"], i["G"], i["gn_param"])
    return {"out": out}


def _run_spatial_gn_backward(i):
    from cs231n.layers import spatial_groupnorm_backward, spatial_groupnorm_forward

    _, cache = spatial_groupnorm_forward(i["x"], i["gamma"], i["beta"], i["G"], i["gn_param"])
    dx, dgamma, dbeta = spatial_groupnorm_backward(i["dout"], cache)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}


def _run_convnet_loss(i):
    from cs231n.classifiers.cnn import ThreeLayerConvNet

    model = ThreeLayerConvNet(**i["config"], dtype=np.float64)
    model.params = i["params"]
    scores = model.loss(i["X"])
    loss, grads = model.loss(i["X"], i["y"])
    return {"scores": scores, "loss": loss, "grads": grads}


# ---------------------------------------------------------------------------
# The cases, in notebook order
# ---------------------------------------------------------------------------

LAYERS = "cs231n/layers.py"
CONV_OUT = "(N, F, H', W')"
CONV_GRADS = {"dx": "(N, C, H, W)", "dw": "(F, C, HH, WW)", "db": "(F,)"}
POOL_OUT = "(N, C, H', W')"
POOL_OUT_DX = {"out": POOL_OUT, "dx": "(N, C, H, W)"}
NORM_GRADS = {"dx": "(N, C, H, W)", "dgamma": "(C,)", "dbeta": "(C,)"}

_CASES = [
    # ConvolutionalNetworks.ipynb
    Case("conv_forward_naive", "conv_forward_naive", LAYERS, 1, _conv_inputs, _run_conv_forward,
         {"out": CONV_OUT}, hints=CONV_HINTS),
    Case("conv_backward_naive", "conv_backward_naive", LAYERS, 2, _conv_backward_inputs,
         _run_conv_backward, CONV_GRADS, hints=CONV_HINTS),
    Case("max_pool_forward_naive", "max_pool_forward_naive", LAYERS, 3, _max_pool_inputs,
         _run_max_pool_forward, {"out": POOL_OUT}, hints=POOL_HINTS),
    Case("max_pool_backward_naive", "max_pool_backward_naive", LAYERS, 4,
         _max_pool_backward_inputs, _run_max_pool_backward, {"dx": "(N, C, H, W)"}),
    Case("three_layer_convnet_loss", "ThreeLayerConvNet.loss", "cs231n/classifiers/cnn.py", 5,
         _convnet_inputs, _run_convnet_loss, {"scores": "(N, num_classes)", "loss": "()"}),
    # SpatialNormalization.ipynb
    Case("spatial_batchnorm_forward", "spatial_batchnorm_forward", LAYERS, 6,
         _spatial_bn_inputs, _run_spatial_bn_forward, {"out": "(N, C, H, W)"}),
    Case("spatial_batchnorm_test_time", "spatial_batchnorm_forward", LAYERS, 7,
         _spatial_bn_test_inputs, _run_spatial_bn_test,
         {"running_mean": "(C,)", "running_var": "(C,)", "out": "(N, C, H, W)"}),
    Case("spatial_batchnorm_backward", "spatial_batchnorm_backward", LAYERS, 8,
         _spatial_bn_backward_inputs, _run_spatial_bn_backward, NORM_GRADS),
    Case("spatial_groupnorm_forward", "spatial_groupnorm_forward", LAYERS, 9,
         _spatial_gn_inputs, _run_spatial_gn_forward, {"out": "(N, C, H, W)"}),
    Case("spatial_groupnorm_backward", "spatial_groupnorm_backward", LAYERS, 10,
         _spatial_gn_backward_inputs, _run_spatial_gn_backward,
         {"dx": "(N, C, H, W)", "dgamma": "(1, C, 1, 1)", "dbeta": "(1, C, 1, 1)"}),
    # PoolingAndTransposedConv.ipynb
    Case("avg_pool_forward_naive", "avg_pool_forward_naive", LAYERS, 11, _avg_pool_inputs,
         _run_avg_pool_forward, {"out": POOL_OUT}, hints=POOL_HINTS),
    Case("avg_pool_backward_naive", "avg_pool_backward_naive", LAYERS, 12,
         _avg_pool_backward_inputs, _run_avg_pool_backward, {"dx": "(N, C, H, W)"}),
    Case("conv_forward_same", "conv_forward_naive", LAYERS, 13, _conv_same_inputs,
         _run_conv_forward, {"out": CONV_OUT}, hints=CONV_HINTS),
    Case("conv_backward_same", "conv_backward_naive", LAYERS, 14, _conv_same_backward_inputs,
         _run_conv_backward, CONV_GRADS, hints=CONV_HINTS),
    Case("max_pool_padded", "max_pool_forward_naive", LAYERS, 17, _max_pool_padded_inputs,
         _run_max_pool_padded, POOL_OUT_DX, hints=POOL_HINTS),
    Case("avg_pool_padded", "avg_pool_forward_naive", LAYERS, 18, _avg_pool_padded_inputs,
         _run_avg_pool_padded, POOL_OUT_DX, hints=POOL_HINTS),
    Case("conv_transpose_forward_naive", "conv_transpose_forward_naive", LAYERS, 15,
         _transpose_inputs, _run_transpose_forward, {"out": "(N, C, H', W')"},
         hints=TRANSPOSE_HINTS),
    Case("conv_transpose_backward_naive", "conv_transpose_backward_naive", LAYERS, 16,
         _transpose_backward_inputs, _run_transpose_backward,
         {"dx": "(N, F, H, W)", "dw": "(F, C, HH, WW)", "db": "(C,)"}),
]  # fmt: skip

#: name -> Case, in notebook order.
CASES = {case.name: case for case in _CASES}


def make_inputs(case):
    """The case's inputs, built from its seed (a new RandomState each time)."""
    return case.make_inputs(np.random.RandomState(case.seed))
