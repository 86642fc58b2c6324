"""Run in a release folder: call every student function with small valid arguments.

    cd release/convnets && python .../student_calls.py

Prints a JSON object mapping each function ("cs231n/layers.py: conv_forward_naive",
the form `ReleaseResult.functions` uses) to what the call did: the exception's
type and message, or "returned". Runs in its own process, so the released
`cs231n` never meets the instructor's one that the tests import.

A function that a release adds must get an entry in CALLS: the tests fail
until it has one.
"""

import json
import os
import sys

sys.path.insert(0, os.getcwd())

import numpy as np

rng = np.random.default_rng(0)


def _layers():
    from cs231n import layers

    return layers


def _conv_args():
    x = rng.standard_normal((2, 3, 4, 4))
    w = rng.standard_normal((2, 3, 3, 3))
    return x, w, np.zeros(2), {"stride": 1, "pad": 1}


def _pool_args():
    return rng.standard_normal((2, 3, 4, 4)), {"pool_height": 2, "pool_width": 2, "stride": 2}


def _transpose_args():
    x = rng.standard_normal((2, 2, 3, 3))  # (N, F, H, W)
    w = rng.standard_normal((2, 3, 3, 3))  # (F, C, HH, WW)
    return x, w, np.zeros(3), {"stride": 1, "pad": 0}


def _model(dtype=np.float64):
    from cs231n.classifiers.cnn import ThreeLayerConvNet

    # __init__ is student work too: build the instance without it.
    model = object.__new__(ThreeLayerConvNet)
    model.params = {
        "W1": rng.standard_normal((2, 3, 3, 3)),
        "b1": np.zeros(2),
        "W2": rng.standard_normal((2 * 2 * 2, 5)),
        "b2": np.zeros(5),
        "W3": rng.standard_normal((5, 3)),
        "b3": np.zeros(3),
    }
    model.reg, model.dtype, model.input_dim, model.filter_size = 0.0, dtype, (3, 4, 4), 3
    return model


class _TinyModel:
    def __init__(self):
        self.params = {"W": np.zeros((2, 3))}

    def loss(self, X, y=None):
        scores = X @ self.params["W"]
        if y is None:
            return scores
        return 0.0, {"W": np.zeros((2, 3))}


def _solver():
    from cs231n.solver import Solver

    data = {
        "X_train": rng.standard_normal((4, 2)),
        "y_train": np.array([0, 1, 2, 0]),
        "X_val": rng.standard_normal((2, 2)),
        "y_val": np.array([0, 1]),
    }
    return Solver(_TinyModel(), data, batch_size=2, num_epochs=1, verbose=False)


def _optim(name):
    from cs231n import optim

    return getattr(optim, name)(np.ones(3), np.ones(3), None)


CALLS = {
    "cs231n/layers.py: conv_forward_naive": lambda: _layers().conv_forward_naive(*_conv_args()),
    "cs231n/layers.py: conv_backward_naive": lambda: _layers().conv_backward_naive(
        rng.standard_normal((2, 2, 4, 4)), _conv_args()
    ),
    "cs231n/layers.py: max_pool_forward_naive": lambda: _layers().max_pool_forward_naive(
        *_pool_args()
    ),
    "cs231n/layers.py: max_pool_backward_naive": lambda: _layers().max_pool_backward_naive(
        rng.standard_normal((2, 3, 2, 2)), _pool_args()
    ),
    "cs231n/layers.py: avg_pool_forward_naive": lambda: _layers().avg_pool_forward_naive(
        *_pool_args()
    ),
    "cs231n/layers.py: avg_pool_backward_naive": lambda: _layers().avg_pool_backward_naive(
        rng.standard_normal((2, 3, 2, 2)), _pool_args()
    ),
    "cs231n/layers.py: spatial_batchnorm_forward": lambda: _layers().spatial_batchnorm_forward(
        rng.standard_normal((2, 3, 4, 4)), np.ones(3), np.zeros(3), {"mode": "train"}
    ),
    "cs231n/layers.py: spatial_batchnorm_backward": lambda: _layers().spatial_batchnorm_backward(
        rng.standard_normal((2, 3, 4, 4)), None
    ),
    "cs231n/layers.py: spatial_groupnorm_forward": lambda: _layers().spatial_groupnorm_forward(
        rng.standard_normal((2, 4, 3, 3)), np.ones((1, 4, 1, 1)), np.zeros((1, 4, 1, 1)), 2, {}
    ),
    "cs231n/layers.py: spatial_groupnorm_backward": lambda: _layers().spatial_groupnorm_backward(
        rng.standard_normal((2, 4, 3, 3)), None
    ),
    "cs231n/layers.py: conv_transpose_forward_naive": lambda: (
        _layers().conv_transpose_forward_naive(*_transpose_args())
    ),
    "cs231n/layers.py: conv_transpose_backward_naive": lambda: (
        _layers().conv_transpose_backward_naive(
            rng.standard_normal((2, 3, 5, 5)), _transpose_args()
        )
    ),
    "cs231n/optim.py: sgd_momentum": lambda: _optim("sgd_momentum"),
    "cs231n/optim.py: rmsprop": lambda: _optim("rmsprop"),
    "cs231n/optim.py: adam": lambda: _optim("adam"),
    "cs231n/classifiers/cnn.py: ThreeLayerConvNet.__init__": lambda: __import__(
        "cs231n.classifiers.cnn", fromlist=["x"]
    ).ThreeLayerConvNet(
        input_dim=(3, 4, 4), num_filters=2, filter_size=3, hidden_dim=5, num_classes=3
    ),
    "cs231n/classifiers/cnn.py: ThreeLayerConvNet.loss": lambda: _model().loss(
        rng.standard_normal((2, 3, 4, 4)), np.array([0, 1])
    ),
    "cs231n/solver.py: Solver._step": lambda: _solver()._step(),
    "cs231n/solver.py: Solver.check_accuracy": lambda: _solver().check_accuracy(
        rng.standard_normal((3, 2)), np.array([0, 1, 2])
    ),
}


def main():
    import cs231n

    here = os.path.realpath(os.getcwd())
    if not os.path.realpath(cs231n.__file__).startswith(here + os.sep):
        raise SystemExit(f"imported {cs231n.__file__}, not the package in {here}")
    results = {}
    for name, call in CALLS.items():
        try:
            call()
        except Exception as e:
            results[name] = [type(e).__name__, str(e)]
        else:
            results[name] = ["returned", ""]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
