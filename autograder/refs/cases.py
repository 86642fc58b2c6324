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


def _momentum_inputs(rng):
    # Three steps from a velocity already under way; a learning rate and a
    # momentum unlike the defaults, so that a rule ignoring config shows.
    return {
        "w": rng.randn(4, 5),
        "dws": rng.randn(3, 4, 5),
        "config": {"learning_rate": 0.05, "momentum": 0.8, "velocity": 0.1 * rng.randn(4, 5)},
    }


def _rmsprop_inputs(rng):
    # Gradients from 1e-4 to 10 and epsilon 1e-4: where the square root of the
    # cache is about epsilon, epsilon inside the root (or no root) shows.
    scales = 10.0 ** rng.uniform(-4, 1, (5, 4))
    return {
        "w": rng.randn(5, 4),
        "dws": rng.randn(3, 5, 4) * scales,
        "config": {
            "learning_rate": 0.01,
            "decay_rate": 0.9,
            "epsilon": 1e-4,
            "cache": (rng.randn(5, 4) * scales) ** 2,
        },
    }


def _adam_inputs(rng):
    # Three steps from t = 4: the bias correction still matters (0.8 ** 5 is 0.33).
    scales = 10.0 ** rng.uniform(-3, 1, (3, 6))
    return {
        "w": rng.randn(3, 6),
        "dws": rng.randn(3, 3, 6) * scales,
        "config": {
            "learning_rate": 0.01,
            "beta1": 0.8,
            "beta2": 0.99,
            "epsilon": 1e-6,
            "m": 0.1 * rng.randn(3, 6) * scales,
            "v": 0.1 * (rng.randn(3, 6) * scales) ** 2,
            "t": 4,
        },
    }


def _solver_step_inputs(rng):
    # A linear softmax model (cs231n.checks.SoftmaxClassifier) on 12 examples of
    # shape (2, 3) in 4 classes: three steps of batches of 5 with sgd_momentum,
    # whose velocity shows whether each parameter keeps its own config.
    return {
        "params": {"W": 0.1 * rng.randn(6, 4), "b": 0.1 * rng.randn(4)},
        "X": rng.randn(12, 2, 3),
        "y": rng.randint(4, size=12),
        "options": {
            "update_rule": "sgd_momentum",
            "optim_config": {"learning_rate": 0.5, "momentum": 0.9},
            "batch_size": 5,
        },
        "steps": 3,
    }


def accuracy_inputs(rng, n, dims, classes, batch_size, num_samples, wrong):
    """A linear model, inputs, and labels equal to its predictions but at the indices `wrong`."""
    D = int(np.prod(dims))
    W, b = rng.randn(D, classes), rng.randn(classes)
    X = rng.randn(n, *dims)
    y = np.argmax(X.reshape(n, D).dot(W) + b, axis=1)
    y[list(wrong)] = (y[list(wrong)] + 1) % classes
    return {
        "params": {"W": W, "b": b},
        "X": X,
        "y": y,
        "batch_size": batch_size,
        "num_samples": num_samples,
    }


def _check_accuracy_inputs(rng):
    # 7 examples in batches of 3, the last batch holding one; the labels are the
    # model's predictions but for examples 1 and 4, so the accuracy is 5/7.
    return accuracy_inputs(
        rng, n=7, dims=(2, 3), classes=4, batch_size=3, num_samples=4, wrong=(1, 4)
    )


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


def _run_rule(name, state):
    def run(i):
        from cs231n import optim

        next_w, config = i["w"], i["config"]
        for dw in i["dws"]:
            next_w, config = getattr(optim, name)(next_w, dw, config)
        return {"next_w": next_w, **{key: np.asarray(config[key]) for key in state}}

    return run


def _run_solver_step(i):
    from cs231n.checks import SoftmaxClassifier
    from cs231n.solver import Solver

    model = SoftmaxClassifier(i["params"])
    data = {"X_train": i["X"], "y_train": i["y"], "X_val": i["X"], "y_val": i["y"]}
    np.random.seed(231)  # noqa: NPY002 (as the check cell)
    solver = Solver(model, data, **i["options"])
    for _ in range(i["steps"]):
        solver._step()
    return {
        "params": model.params,
        "loss_history": np.array(solver.loss_history),
        "velocity": {p: config["velocity"] for p, config in solver.optim_configs.items()},
    }


def _run_check_accuracy(i):
    from cs231n.checks import SoftmaxClassifier
    from cs231n.solver import Solver

    X, y = i["X"], i["y"]
    data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    solver = Solver(SoftmaxClassifier(i["params"]), data)
    np.random.seed(231)  # noqa: NPY002 (as the check cell)
    accuracy = solver.check_accuracy(X, y, batch_size=i["batch_size"])
    sampled = solver.check_accuracy(X, y, num_samples=i["num_samples"], batch_size=i["batch_size"])
    return {"accuracy": np.asarray(accuracy), "sampled": np.asarray(sampled)}


# ---------------------------------------------------------------------------
# The cases, in notebook order
# ---------------------------------------------------------------------------

LAYERS = "cs231n/layers.py"
OPTIM = "cs231n/optim.py"
SOLVER = "cs231n/solver.py"
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
    Case("sgd_momentum", "sgd_momentum", OPTIM, 19, _momentum_inputs,
         _run_rule("sgd_momentum", ("velocity",)), {}),
    Case("rmsprop", "rmsprop", OPTIM, 20, _rmsprop_inputs, _run_rule("rmsprop", ("cache",)),
         {}),
    Case("adam", "adam", OPTIM, 21, _adam_inputs, _run_rule("adam", ("m", "v", "t")),
         {"t": "()"}),
    Case("solver_step", "Solver._step", SOLVER, 22, _solver_step_inputs, _run_solver_step,
         {"loss_history": "(steps,)"}),
    Case("solver_check_accuracy", "Solver.check_accuracy", SOLVER, 23, _check_accuracy_inputs,
         _run_check_accuracy, {"accuracy": "()", "sampled": "()"}),
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
