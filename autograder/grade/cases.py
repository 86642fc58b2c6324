"""The graded cases: for every autograded cell of the notebooks, the inputs its score is made of.

Never released. Every grade cell of the notebooks (an nbgrader cell with
`grade: true` and `solution: false`, read from notebooks/*.ipynb with its
points) gets a list of GradedCases:

- the public case, the one its check cell runs: the same seeded inputs as
  autograder/refs/cases.py (its input builders and seeds are reused), or for
  a cell without a reference file the inputs the cell draws itself;
- two to four hidden cases, with inputs from hidden seeds and shapes chosen
  so that the usual mistakes show: H != W, F != C, N != C; stride above 1;
  pads as an int, a pair, 'valid' (a remainder left over) and 'same' (uneven
  on both axes); overlapping and non-square pooling windows, strides that
  leave rows and columns over (a floor), every padding form of pooling with
  negative values (padding must never win a max) and count_include_pad both
  ways; ties inside max-pooling windows (the gradient goes to the first
  maximum only); groups
  of several channels, one group (layer norm) and one channel per group;
  other model sizes, with and without regularisation; update rules stepped
  once or several times, from a given state or from none with the default
  hyperparameters, with gradients small enough for epsilon to matter; the
  Solver's step and accuracy on the provided SoftmaxClassifier, with batches
  that leave a smaller last one and samples drawn from numpy's global
  generator (seeded by np_seed, as the check cells seed it).

A case holds inputs only. Its program (in programs.py) computes the outputs,
on the student's package inside the sandbox and on the instructor's package
for the answer key (verdict.answer_key), and the case says how they are
judged:

- judge None: every output is compared with the key, within `threshold` (a
  largest relative error, per output if `thresholds` says so); `layouts` and
  `hints` name the axes of a wrong shape and what to check;
- judge "initial_loss", "overfit", "train": a property check in verdict.py on
  what the student's code produced (the model's own random init; parameters
  trained by the student's Solver, scored by the trusted side with the
  instructor's model on images the box never sees for "train").

A case that grades naive layers names them (`naive`): `fast_layers.py` ships
complete, and a naive layer earns its points only by doing the work itself,
so the harness runs such a case with the provided fast layers out of reach
(harness.FastLayerGuard). Every case of the naive layers' cells does, the
"fast matches naive" cells included (their programs run the naive layers
only); the convnet's cases do not, since its sandwich layers use the fast ones.

The training cases build small synthetic image sets with `cs231n.synthetic`
(a few classes, 32 x 32 like CIFAR-10) on the trusted side and pass them in.
"""

import functools
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .. import paths
from ..refs.cases import (
    CASES as REFS,
)
from ..refs.cases import (
    CONV_GRADS,
    CONV_HINTS,
    CONV_OUT,
    NORM_GRADS,
    POOL_HINTS,
    POOL_OUT,
    POOL_OUT_DX,
    TRANSPOSE_HINTS,
    accuracy_inputs,
)


class CasesError(Exception):
    """The notebooks' grade cells and the cases here do not match; the message lists how."""


@dataclass(frozen=True, eq=False)
class GradedCase:
    """One call of the student's code that a cell's score counts.

    - cell: the nbgrader grade_id of the cell ("correct_conv_forward_naive")
    - name: "public" or "hidden-1", "hidden-2", ...
    - program: the name of its program in programs.PROGRAMS
    - seed: the seed of the np.random.RandomState given to make_inputs
    - make_inputs: RandomState -> dict of inputs (arrays, dicts, numbers, strings)
    - visibility: "visible" (the check cell's own inputs) or "hidden"
    - threshold: the largest relative error an output may have
    - thresholds: output name -> threshold, where it differs
    - layouts: output name -> layout ("(N, F, H', W')"), to name axes in hints
    - hints: axis name -> advice when that axis has the wrong size
    - judge: None (compare with the key) or the name of a property check in verdict.py
    - make_secret: RandomState (seeded alike) -> dict the judge needs and the box
      never sees (held-out images); None when there is none
    - np_seed: np.random.seed(np_seed) runs before the program, in the box and
      for the key alike (the notebooks seed the global generator)
    - timeout: the program's time budget in the box, in seconds
    - max_output_mb: the largest output file accepted from the box, in MB
    - naive: the naive layers the case grades ("conv_forward_naive", ...), in
      cs231n.layers: the harness runs it with the provided fast layers out of
      reach; () for a case that may use them
    - description: one line naming what the case exercises ("3 x 2 window,
      stride 1, overlapping, N=2, C=3, H=6, W=9"), shown with a hidden case's
      miss in feedback: its inputs' features, never anything of the key. The
      registry derives it from the inputs (describe) unless one is given;
      a public case's starts "the check cell's case: "
    """

    cell: str
    name: str
    program: str
    seed: int
    make_inputs: object
    visibility: str = "hidden"
    threshold: float = 1e-7
    thresholds: dict = field(default_factory=dict)
    layouts: dict = field(default_factory=dict)
    hints: dict = field(default_factory=dict)
    judge: object = None
    make_secret: object = None
    np_seed: int = 231
    timeout: float = 20.0
    max_output_mb: float = 4.0
    naive: tuple = ()
    description: str = ""

    @property
    def id(self):
        """The case's id, also its output file's stem: "<grade_id>.<name>"."""
        return f"{self.cell}.{self.name}"

    def threshold_for(self, output):
        return self.thresholds.get(output, self.threshold)

    def inputs(self):
        """The inputs, built from the seed (a new RandomState each time)."""
        return self.make_inputs(np.random.RandomState(self.seed))

    def secret(self):
        """What the judge needs and the box never sees ({} for most cases)."""
        if self.make_secret is None:
            return {}
        return self.make_secret(np.random.RandomState(self.seed))


@dataclass(frozen=True, eq=False)
class Cell:
    """One autograded cell: where it is, what it is worth, and its cases."""

    notebook: str  # the notebook's name without .ipynb
    grade_id: str
    function: str  # what the cell tests, as students know it
    points: float
    cases: tuple


# ---------------------------------------------------------------------------
# Output sizes: what a case's inputs give, for dout and for checking choices
# ---------------------------------------------------------------------------


def _conv_size(size, kernel, stride, pad):
    if pad == "same":
        return -(-size // stride)
    p = 0 if pad == "valid" else pad
    span = size + 2 * p - kernel
    if pad != "valid" and span % stride:
        raise ValueError(f"stride {stride} does not tile {size} + 2 * {p} - {kernel}")
    return 1 + span // stride


def _conv_out(x_shape, w_shape, stride, pad):
    pad_h, pad_w = pad if isinstance(pad, list) else (pad, pad)
    return (
        x_shape[0],
        w_shape[0],
        _conv_size(x_shape[2], w_shape[2], stride, pad_h),
        _conv_size(x_shape[3], w_shape[3], stride, pad_w),
    )


def _transpose_size(size, kernel, stride, pad):
    if pad == "same":
        return size * stride
    return (size - 1) * stride - 2 * (0 if pad == "valid" else pad) + kernel


def _transpose_out(x_shape, w_shape, stride, pad):
    pad_h, pad_w = pad if isinstance(pad, list) else (pad, pad)
    return (
        x_shape[0],
        w_shape[1],
        _transpose_size(x_shape[2], w_shape[2], stride, pad_h),
        _transpose_size(x_shape[3], w_shape[3], stride, pad_w),
    )


def _pool_size(size, window, stride, pad):
    if pad == "same":
        return -(-size // stride)
    return 1 + (size + 2 * (0 if pad == "valid" else pad) - window) // stride  # a floor


def _pool_out(x_shape, ph, pw, stride, pad=0):
    n, c, h, w = x_shape
    pad_h, pad_w = pad if isinstance(pad, list) else (pad, pad)
    return n, c, _pool_size(h, ph, stride, pad_h), _pool_size(w, pw, stride, pad_w)


# ---------------------------------------------------------------------------
# Input builders (RandomState -> dict); functools.partial fixes the geometry
# ---------------------------------------------------------------------------


def _conv(rng, x_shape, w_shape, stride, pad, backward=False):
    inputs = {
        "x": rng.randn(*x_shape),
        "w": rng.randn(*w_shape),
        "b": rng.randn(w_shape[0]),
        "conv_param": {"stride": stride, "pad": pad},
    }
    if backward:
        inputs["dout"] = rng.randn(*_conv_out(x_shape, w_shape, stride, pad))
    return inputs


def _pool(rng, x_shape, ph, pw, stride, backward=False, levels=None, negative=False, **extra):
    # levels: draw small integers instead, so that windows hold tied maxima.
    # negative: every value below 0, so that a zero taken from the padding wins a max.
    # extra: "pad" and "count_include_pad", put in pool_param when given.
    if levels:
        x = rng.randint(levels, size=x_shape).astype(np.float64)
    else:
        x = rng.randn(*x_shape)
    if negative:
        x = -1.0 - np.abs(x)
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride, **extra}
    inputs = {"x": x, "pool_param": pool_param}
    if backward:
        inputs["dout"] = rng.randn(*_pool_out(x_shape, ph, pw, stride, extra.get("pad", 0)))
    return inputs


def _transpose(rng, x_shape, w_shape, stride, pad, backward=False):
    inputs = {
        "x": rng.randn(*x_shape),
        "w": rng.randn(*w_shape),
        "b": rng.randn(w_shape[1]),
        "conv_param": {"stride": stride, "pad": pad},
    }
    if backward:
        inputs["dout"] = rng.randn(*_transpose_out(x_shape, w_shape, stride, pad))
    return inputs


def _transpose_of_conv_dout(rng, x_shape, w_shape, stride, pad):
    """The transposed convolution of a convolution's upstream gradient (x = dout, b = 0)."""
    w = rng.randn(*w_shape)
    dout = rng.randn(*_conv_out(x_shape, w_shape, stride, pad))
    return {
        "x": dout,
        "w": w,
        "b": np.zeros(w_shape[1]),
        "conv_param": {"stride": stride, "pad": pad},
    }


def _notebook_transpose_is_conv_backward(rng):
    # The cell: np.random.seed(231); x = np.zeros((2, 3, 7, 5)); w = randn(4, 3, 3, 3);
    # dout = randn(2, 4, 4, 3); conv_param stride 2, pad 1.
    w = rng.randn(4, 3, 3, 3)
    dout = rng.randn(2, 4, 4, 3)
    return {"x": dout, "w": w, "b": np.zeros(3), "conv_param": {"stride": 2, "pad": 1}}


def _notebook_conv_fast(rng):
    # The cell's draws, in its order, from np.random.seed(231).
    x = rng.randn(100, 3, 31, 31)
    w = rng.randn(25, 3, 3, 3)
    b = rng.randn(25)
    dout = rng.randn(100, 25, 16, 16)
    return {"x": x, "w": w, "b": b, "conv_param": {"stride": 2, "pad": 1}, "dout": dout}


def _notebook_pool_fast(rng):
    x = rng.randn(100, 3, 32, 32)
    dout = rng.randn(100, 3, 16, 16)
    return {"x": x, "pool_param": {"pool_height": 2, "pool_width": 2, "stride": 2}, "dout": dout}


def _channels(rng, shape, means, stds):
    """Data of shape (..., C, H, W) whose channels have their own mean and spread."""
    x = rng.randn(*shape)
    view = (1,) * (len(shape) - 3) + (len(means), 1, 1)
    return x * np.reshape(stds, view) + np.reshape(means, view)


def _bn(rng, shape, bn_param, backward=False):
    c = shape[1]
    inputs = {
        "x": _channels(rng, shape, rng.uniform(-10, 10, c), rng.uniform(0.2, 5, c)),
        "gamma": rng.randn(c),
        "beta": rng.randn(c),
        "bn_param": dict(bn_param),
    }
    if backward:
        inputs["dout"] = rng.randn(*shape)
    return inputs


def _bn_test_time(rng, batches, shape, test_n, bn_param):
    c = shape[1]
    means, stds = rng.uniform(-5, 5, c), rng.uniform(0.5, 3, c)
    return {
        "gamma": rng.randn(c),
        "beta": rng.randn(c),
        "x_train": _channels(rng, (batches, *shape), means, stds),
        "x_test": _channels(rng, (test_n, *shape[1:]), means, stds),
        "bn_param": dict(bn_param),
    }


def _gn(rng, shape, G, backward=False):
    c = shape[1]
    inputs = {
        "x": _channels(rng, shape, rng.uniform(-6, 6, c), rng.uniform(0.5, 3, c)),
        "gamma": rng.randn(1, c, 1, 1),
        "beta": rng.randn(1, c, 1, 1),
        "G": G,
        "gn_param": {"eps": 1e-5},
    }
    if backward:
        inputs["dout"] = rng.randn(*shape)
    return inputs


def _convnet(rng, n, input_dim, num_filters, filter_size, hidden_dim, num_classes, reg, scale):
    """A model with fixed params (not its own init), and a minibatch."""
    c, h, w = input_dim
    pooled = num_filters * (h // 2) * (w // 2)
    params = {
        "W1": scale[0] * rng.randn(num_filters, c, filter_size, filter_size),
        "b1": 0.1 * rng.randn(num_filters),
        "W2": scale[1] * rng.randn(pooled, hidden_dim),
        "b2": 0.1 * rng.randn(hidden_dim),
        "W3": scale[2] * rng.randn(hidden_dim, num_classes),
        "b3": 0.1 * rng.randn(num_classes),
    }
    config = {
        "input_dim": list(input_dim),
        "num_filters": num_filters,
        "filter_size": filter_size,
        "hidden_dim": hidden_dim,
        "num_classes": num_classes,
        "reg": reg,
    }
    return {
        "X": rng.randn(n, *input_dim),
        "y": rng.randint(num_classes, size=n),
        "params": params,
        "config": config,
    }


def _initial_loss(rng, n, config, reg):
    num_classes = config.get("num_classes", 10)
    input_dim = config.get("input_dim", (3, 32, 32))
    # The notebook's draws: X first, then y.
    X = rng.randn(n, *input_dim)
    y = rng.randint(num_classes, size=n)
    return {"X": X, "y": y, "config": dict(config), "reg": reg}


def _rule(rng, shape, steps, config, state=(), scales=(-2, 1)):
    """Inputs of an update rule's program: w, `steps` gradients and a config.

    The gradients' magnitudes spread over 10 ** scales (so that epsilon
    matters somewhere); `state` names the state arrays to start from
    (velocity, cache, m, v), drawn to match; the others start at zero.
    """
    magnitude = 10.0 ** rng.uniform(*scales, shape)
    inputs = {"w": rng.randn(*shape), "dws": rng.randn(steps, *shape) * magnitude}
    config = dict(config)
    for key in state:
        draw = rng.randn(*shape) * magnitude
        config[key] = 0.1 * draw if key in ("velocity", "m") else draw**2
    inputs["config"] = config
    return inputs


def _solver_step(rng, n, dims, classes, batch_size, steps, optim_config):
    D = int(np.prod(dims))
    return {
        "params": {"W": 0.1 * rng.randn(D, classes), "b": 0.1 * rng.randn(classes)},
        "X": rng.randn(n, *dims),
        "y": rng.randint(classes, size=n),
        "options": {
            "update_rule": "sgd_momentum",
            "optim_config": dict(optim_config),
            "batch_size": batch_size,
        },
        "steps": steps,
    }


#: What the overfitting cell runs (its arguments, verbatim).
OVERFIT_MODEL = {"weight_scale": 1e-2}
OVERFIT_SOLVER = {
    "num_epochs": 20,
    "batch_size": 25,
    "update_rule": "adam",
    "optim_config": {"learning_rate": 1e-3},
    "verbose": True,
    "print_every": 10,
}
#: The training accuracy the overfitting cell requires.
OVERFIT_MIN_ACCURACY = 0.8
#: How many images the overfitting cell trains on.
OVERFIT_IMAGES = 100

#: The classes of the one-epoch training set: disc, horizontal and vertical stripes.
#: One epoch of 1000 images is 20 iterations: enough to tell these apart.
TRAIN_CLASSES = (0, 6, 7)
TRAIN_SIZES = {"train": 1000, "val": 100, "heldout": 300}
#: What one epoch must reach on the held-out images (chance is 1/3). Measured on
#: the solution, hidden_dim 500 and batch 50 as in the notebook: 0.59 to 0.89 over
#: data seeds 1 to 4 and two numpy seeds, 0.75 for this case; hidden_dim 100 with
#: batch 50 or 25: 0.60 to 0.87.
TRAIN_MIN_ACCURACY = 0.45


@functools.lru_cache(maxsize=4)
def synthetic_images(seed, count, classes=None):
    """`count` images of the given classes (all when None) from `cs231n.synthetic`.

    Returns (X, y): X float32 (count, 3, 32, 32) with pixel values 0 to 255,
    y int64 (count,). Cached: a few thousand images take a second to draw.
    """
    from cs231n import synthetic

    share = 1.0 if classes is None else len(classes) / len(synthetic.CLASS_NAMES)
    total = int(np.ceil(count / share)) + 2 * len(synthetic.CLASS_NAMES)
    rows, labels = [], []
    for name, batch in synthetic.synthetic_batches(seed=seed, num_train=total, num_test=1):
        if name in synthetic.BATCH_FILES:
            rows.append(batch[b"data"])
            labels.extend(batch[b"labels"])
    X = np.concatenate(rows).reshape(-1, 3, 32, 32)
    y = np.asarray(labels, dtype=np.int64)
    keep = np.arange(len(y)) if classes is None else np.flatnonzero(np.isin(y, classes))
    if keep.size < count:
        raise ValueError(f"synthetic seed {seed}: {keep.size} images of {classes}, not {count}")
    keep = keep[:count]
    X, y = X[keep].astype(np.float32), y[keep]
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def _overfit_inputs(rng):
    seed = int(rng.randint(2**31 - 1))
    X, y = synthetic_images(seed, OVERFIT_IMAGES)
    X = X - X.mean(axis=0)
    # "Validation" is the training set itself, so the params the Solver keeps
    # (the best on validation) are those with the best training accuracy, the
    # number the cell checks.
    return {
        "X_train": X,
        "y_train": y.copy(),
        "X_val": X.copy(),
        "y_val": y.copy(),
        "model": dict(OVERFIT_MODEL),
        "solver": json.loads(json.dumps(OVERFIT_SOLVER)),
    }


def _overfit_secret(rng):
    return {"min_accuracy": OVERFIT_MIN_ACCURACY}


def _train_split(rng):
    seed = int(rng.randint(2**31 - 1))
    n_train, n_val, n_held = TRAIN_SIZES["train"], TRAIN_SIZES["val"], TRAIN_SIZES["heldout"]
    X, y = synthetic_images(seed, n_train + n_val + n_held, TRAIN_CLASSES)
    X = X - X[:n_train].mean(axis=0)  # as get_CIFAR10_data: the training images' mean
    cut = (n_train, n_train + n_val)
    return (
        (X[: cut[0]], y[: cut[0]]),
        (X[cut[0] : cut[1]], y[cut[0] : cut[1]]),
        (X[cut[1] :], y[cut[1] :]),
    )


def _train_inputs(rng):
    (X_train, y_train), (X_val, y_val), _ = _train_split(rng)
    return {
        "notebook": "ConvolutionalNetworks.ipynb",
        "cell": "train_one_epoch",
        "X_train": X_train,
        "y_train": y_train.copy(),
        "X_val": X_val,
        "y_val": y_val.copy(),
    }


def _train_secret(rng):
    _, _, (X_held, y_held) = _train_split(rng)
    return {
        "X_heldout": X_held,
        "y_heldout": y_held.copy(),
        "min_accuracy": TRAIN_MIN_ACCURACY,
        "chance": 1 / len(TRAIN_CLASSES),
    }


# ---------------------------------------------------------------------------
# Descriptions: what a case exercises, in one line, from its inputs
# ---------------------------------------------------------------------------
#
# Feedback shows a hidden case's description beside its miss, so a description
# names the inputs' features (sizes, stride, padding, ties, steps) and never
# anything of the outputs: nothing here calls a program or reads the key.


def _same_pads(size, kernel, stride):
    """TensorFlow's 'same' padding along one axis, (before, after), as the solution pads."""
    total = max((-(-size // stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _and(words):
    """'a', 'a and b', 'a, b and c'."""
    words = list(words)
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def _uneven(pads_h, pads_w):
    """'uneven in H' (W, H and W) where an axis is padded more after than before, else 'even'."""
    axes = [axis for axis, (a, b) in (("H", pads_h), ("W", pads_w)) if a != b]
    return f"uneven in {_and(axes)}" if axes else "even in H and W"


def _padding(pad, size_h, size_w, kh, kw, stride, transposed=False):
    """(words, (pad_h before, after), (pad_w before, after)) of any accepted pad."""
    if pad == "same":
        if transposed:  # the padding of the convolution this one transposes
            size_h, size_w = size_h * stride, size_w * stride
        pads_h, pads_w = _same_pads(size_h, kh, stride), _same_pads(size_w, kw, stride)
        return f"'same' padding, {_uneven(pads_h, pads_w)}", pads_h, pads_w
    if pad == "valid":
        return "'valid' padding", (0, 0), (0, 0)
    pad_h, pad_w = pad if isinstance(pad, (list, tuple)) else (pad, pad)
    words = f"pad {pad_h}" if pad_h == pad_w else f"pad {pad_h} in H and {pad_w} in W"
    return words, (pad_h, pad_h), (pad_w, pad_w)


def _left_over(size_h, size_w, kh, kw, stride, pads_h, pads_w):
    """'1 row and 2 columns left over' where the stride does not tile the padded input."""
    rows = (size_h + sum(pads_h) - kh) % stride
    cols = (size_w + sum(pads_w) - kw) % stride
    counts = ((rows, "row"), (cols, "column"))
    parts = [f"{n} {word}{'s' if n > 1 else ''}" for n, word in counts if n]
    return f"{_and(parts)} left over" if parts else ""


def _tied_windows(x, kh, kw, stride, pads_h, pads_w):
    """How many pooling windows hold their maximum more than once (padding never counts)."""
    padded = np.pad(x, ((0, 0), (0, 0), pads_h, pads_w), constant_values=-np.inf)
    views = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw), axis=(2, 3))
    views = views[:, :, ::stride, ::stride]
    top = views.max(axis=(-2, -1), keepdims=True)
    return int(np.sum(np.sum(views == top, axis=(-2, -1)) > 1))


def _conv_words(inputs, transposed=False):
    x, w, param = inputs["x"], inputs["w"], inputs["conv_param"]
    N, C_in, H, W = x.shape
    kh, kw, stride = w.shape[2], w.shape[3], param["stride"]
    pad, pads_h, pads_w = _padding(param["pad"], H, W, kh, kw, stride, transposed)
    words = [f"{kh} x {kw} filter", f"stride {stride}", pad]
    if not transposed:
        words.append(_left_over(H, W, kh, kw, stride, pads_h, pads_w))
        words.append(f"N={N}, C={C_in}, F={w.shape[0]}, H={H}, W={W}")
    else:
        # x is (N, F, H, W), w (F, C, HH, WW): the layout of the convolution transposed.
        words.append(f"N={N}, F={C_in}, C={w.shape[1]}, H={H}, W={W}")
        if not np.any(inputs["b"]):
            words.append("zero bias")
    return words


def _pool_words(inputs, program):
    x, param = inputs["x"], inputs["pool_param"]
    N, C, H, W = x.shape
    kh, kw, stride = param["pool_height"], param["pool_width"], param["stride"]
    pad, pads_h, pads_w = _padding(param.get("pad", 0), H, W, kh, kw, stride)
    words = [f"{kh} x {kw} window", f"stride {stride}"]
    if stride < max(kh, kw):
        words.append("overlapping")
    padded = sum(pads_h) + sum(pads_w) > 0
    if "pad" in param:
        words.append(pad)
    words.append(_left_over(H, W, kh, kw, stride, pads_h, pads_w))
    if program.startswith("avg") and padded:
        counted = param.get("count_include_pad", False)
        words.append("count_include_pad" if counted else "padding not counted")
    if np.all(x < 0):
        words.append("all values negative")
    if program.startswith("max") and _tied_windows(x, kh, kw, stride, pads_h, pads_w):
        words.append("tied maxima")
    words.append(f"N={N}, C={C}, H={H}, W={W}")
    return words


def _nchw(shape):
    N, C, H, W = shape
    return f"N={N}, C={C}, H={H}, W={W}"


def _eps(param):
    return f"eps {param['eps']:g}" if "eps" in param else "default eps"


def _norm_words(inputs, program):
    if program == "spatial_batchnorm_test_time":
        batches, n_train = inputs["x_train"].shape[:2]
        param = inputs["bn_param"]
        momentum = f"momentum {param['momentum']:g}" if "momentum" in param else "default momentum"
        return [
            f"{batches} training batches of N={n_train}",
            momentum,
            f"then test mode on {_nchw(inputs['x_test'].shape)}",
        ]
    if program.startswith("spatial_batchnorm"):
        return [_nchw(inputs["x"].shape), _eps(inputs["bn_param"])]
    G, C = inputs["G"], inputs["x"].shape[1]
    if G == 1:
        groups = "G=1 (one group: layer norm)"
    elif G == C:
        groups = f"G={G} (one channel per group)"
    else:
        groups = f"G={G} groups of {C // G} channels"
    return [groups, _nchw(inputs["x"].shape), _eps(inputs["gn_param"])]


#: update rule -> (its state in the config, its hyperparameters with a default).
RULES = {
    "sgd_momentum": (("velocity",), ("learning_rate", "momentum")),
    "rmsprop": (("cache",), ("learning_rate", "decay_rate", "epsilon")),
    "adam": (("m", "v"), ("learning_rate", "beta1", "beta2", "epsilon")),
}


def _rule_words(inputs, program):
    state, hyper = RULES[program]
    config, dws = inputs["config"], inputs["dws"]
    steps = len(dws)
    given = [key for key in state if key in config]
    start = f"from the given {_and(given)}" if given else f"from no {_and(state)}"
    if program == "adam":
        start += f" at t={config['t']}" if "t" in config else " (t=0)"
    words = [f"{steps} step{'s' if steps > 1 else ''} {start}", f"w {tuple(inputs['w'].shape)}"]
    defaults = [key for key in hyper if key not in config]
    if defaults:
        words.append(f"default {_and(defaults)}")
    if program != "sgd_momentum":
        smallest = float(np.min(np.abs(dws)))
        words.append(f"gradients down to 1e{int(np.floor(np.log10(smallest)))}")
    return words


def _solver_words(inputs, program):
    n = len(inputs["y"])
    if program == "solver_step":
        options, steps = inputs["options"], inputs["steps"]
        batch = options["batch_size"]
        momentum = options["optim_config"].get("momentum")
        rule = options["update_rule"]
        return [
            f"{steps} steps of {rule}",
            "default momentum" if momentum is None else f"momentum {momentum:g}",
            f"batches of {batch} from {n} examples" + (" (the whole set)" if batch == n else ""),
        ]
    batch = inputs["batch_size"]
    last = n % batch
    split = f"last batch of {last}" if last else ("one batch" if batch == n else "whole batches")
    sample = inputs["num_samples"]
    return [
        f"{n} examples in batches of {batch}",
        split,
        "no sample" if sample is None else f"a sample of {sample}",
    ]


def _convnet_words(inputs, program):
    config = inputs["config"]
    n = len(inputs["y"])
    if program == "convnet_initial_loss" and not config:
        model = "the default model sizes"
    else:
        C, H, W = config["input_dim"]
        fs = config["filter_size"]
        model = (
            f"C={C}, H={H}, W={W}, {config['num_filters']} filters {fs} x {fs}, "
            f"hidden {config['hidden_dim']}, {config['num_classes']} classes"
        )
        if "weight_scale" in config:
            model += f", weight_scale {config['weight_scale']:g}"
    reg = config["reg"] if program == "convnet_loss" else inputs["reg"]
    return [model, f"N={n}", f"reg {reg:g}" if reg else "no regularisation"]


#: The training cases' descriptions, written from the constants their inputs are
#: built with (drawing their images takes a second: not at import).
OVERFIT_DESCRIPTION = (
    f"{OVERFIT_IMAGES} synthetic 32 x 32 images of every class, "
    f"{OVERFIT_SOLVER['num_epochs']} epochs of {OVERFIT_SOLVER['update_rule']} in batches of "
    f"{OVERFIT_SOLVER['batch_size']}, weight_scale {OVERFIT_MODEL['weight_scale']:g}, "
    "scored on the training images"
)
TRAIN_DESCRIPTION = (
    f"your train_one_epoch on {TRAIN_SIZES['train']} synthetic 32 x 32 images of "
    f"{len(TRAIN_CLASSES)} classes ({TRAIN_SIZES['val']} for validation), scored on "
    f"{TRAIN_SIZES['heldout']} held-out images"
)


def describe(program, inputs):
    """One line naming what a case of `program` with these inputs exercises; "" if unknown.

    For instance "3 x 2 window, stride 1, overlapping, tied maxima, N=2, C=3, H=6,
    W=9": sizes, stride, padding (its form, and the axis 'same' pads unevenly),
    rows left over, ties, negative values, groups, steps of an update rule.
    """
    if program.startswith("conv_transpose"):
        words = _conv_words(inputs, transposed=True)
    elif program.startswith("conv_"):
        words = _conv_words(inputs)
    elif program.startswith(("max_pool", "avg_pool")):
        words = _pool_words(inputs, program)
    elif program.startswith("spatial_"):
        words = _norm_words(inputs, program)
    elif program in RULES:
        words = _rule_words(inputs, program)
    elif program.startswith("solver_"):
        words = _solver_words(inputs, program)
    elif program.startswith("convnet_"):
        words = _convnet_words(inputs, program)
    else:
        return ""
    return ", ".join(word for word in words if word)


# ---------------------------------------------------------------------------
# The cases, cell by cell
# ---------------------------------------------------------------------------

P = functools.partial
BN_OUT = {"out": "(N, C, H, W)"}
GN_GRADS = {"dx": "(N, C, H, W)", "dgamma": "(1, C, 1, 1)", "dbeta": "(1, C, 1, 1)"}
POOL_DX = {"dx": "(N, C, H, W)"}
TRANSPOSE_OUT = {"out": "(N, C, H', W')"}
TRANSPOSE_GRADS = {"dx": "(N, F, H, W)", "dw": "(F, C, HH, WW)", "db": "(C,)"}
CONV_ALL = {"out": CONV_OUT, **CONV_GRADS}
CONVNET = {"scores": "(N, num_classes)", "loss": "()"}


def _public(cell, ref, program, **kw):
    """The check cell's own case: the reference file's inputs and seed."""
    r = REFS[ref]
    options = {"threshold": r.threshold, "layouts": r.layouts, "hints": r.hints, **kw}
    return GradedCase(cell, "public", program, r.seed, r.make_inputs, "visible", **options)


def _hidden(cell, program, specs, **kw):
    """hidden-1, hidden-2, ...: one case per (seed, builder)."""
    return [
        GradedCase(cell, f"hidden-{n}", program, seed, build, **kw)
        for n, (seed, build) in enumerate(specs, start=1)
    ]


def _hidden_programs(cell, specs, layouts, hints, **kw):
    """hidden-1, hidden-2, ...: one case per (seed, program, builder), each with its layouts."""
    return [
        GradedCase(cell, f"hidden-{n}", program, seed, build, layouts=layouts[program],
                   hints=hints, **kw)
        for n, (seed, program, build) in enumerate(specs, start=1)
    ]  # fmt: skip


def _layer_cell(cell, ref, program, specs, layouts, hints=None, **kw):
    hints = hints or {}
    return [
        _public(cell, ref, program, **kw),
        *_hidden(cell, program, specs, layouts=layouts, hints=hints, **kw),
    ]


#: program -> the naive layers it calls, the layers its cases grade (GradedCase.naive):
#: the harness runs them with the provided fast layers out of reach.
_CONV = ("conv_forward_naive", "conv_backward_naive")
_MAX_POOL = ("max_pool_forward_naive", "max_pool_backward_naive")
_AVG_POOL = ("avg_pool_forward_naive", "avg_pool_backward_naive")
_TRANSPOSE = ("conv_transpose_forward_naive", "conv_transpose_backward_naive")
NAIVE_LAYERS = {
    "conv_forward": _CONV[:1],
    "conv_backward": _CONV,
    "conv_forward_backward": _CONV,
    "max_pool_forward": _MAX_POOL[:1],
    "max_pool_backward": _MAX_POOL,
    "max_pool_forward_backward": _MAX_POOL,
    "avg_pool_forward": _AVG_POOL[:1],
    "avg_pool_backward": _AVG_POOL,
    "conv_transpose_forward": _TRANSPOSE[:1],
    "conv_transpose_backward": _TRANSPOSE,
}


def _described(case):
    """The case's description, from its inputs (describe); "" for a program it does not know."""
    words = describe(case.program, case.inputs())
    if words and case.visibility == "visible":
        return f"the check cell's case: {words}"
    return words


def _registry():
    """grade_id -> (function, [GradedCase, ...]), in notebook order."""
    cells = {}

    def add(grade_id, function, cases):
        # Every case of a naive layer's program grades those layers (NAIVE_LAYERS),
        # and says what it exercises (described from its inputs unless given).
        cases = [
            replace(
                case,
                naive=NAIVE_LAYERS.get(case.program, ()),
                description=case.description or _described(case),
            )
            for case in cases
        ]
        cells[grade_id] = (function, cases)

    # fmt: off
    # ConvolutionalNetworks.ipynb
    c = "correct_conv_forward_naive"
    add(c, "conv_forward_naive", _layer_cell(c, "conv_forward_naive", "conv_forward", [
        (5101, P(_conv, x_shape=(2, 3, 8, 6), w_shape=(2, 3, 5, 3), stride=1, pad=[2, 1])),
        # 'same' with stride 3 pads W by (0, 1): uneven, so the side it goes on shows.
        (5102, P(_conv, x_shape=(2, 3, 9, 10), w_shape=(3, 3, 3, 2), stride=3, pad="same")),
        (5103, P(_conv, x_shape=(3, 2, 7, 10), w_shape=(5, 2, 2, 4), stride=2, pad="valid")),
        (5104, P(_conv, x_shape=(2, 4, 5, 7), w_shape=(3, 4, 3, 3), stride=2, pad=1)),
    ], {"out": CONV_OUT}, CONV_HINTS))
    c = "correct_conv_backward_naive"
    add(c, "conv_backward_naive", _layer_cell(c, "conv_backward_naive", "conv_backward", [
        (5111, P(_conv, x_shape=(2, 2, 5, 6), w_shape=(3, 2, 3, 2), stride=1, pad=[1, 2],
                 backward=True)),
        (5112, P(_conv, x_shape=(2, 3, 7, 6), w_shape=(4, 3, 3, 3), stride=2, pad="same",
                 backward=True)),
        (5113, P(_conv, x_shape=(1, 2, 7, 9), w_shape=(2, 2, 3, 5), stride=3, pad=1,
                 backward=True)),
    ], CONV_GRADS, CONV_HINTS))
    c = "correct_max_pool_forward_naive"
    add(c, "max_pool_forward_naive", _layer_cell(c, "max_pool_forward_naive",
        "max_pool_forward", [
        # Stride 2 leaves the last row and column over: the output size is a floor.
        (5121, P(_pool, x_shape=(2, 3, 10, 6), ph=3, pw=3, stride=2)),
        (5122, P(_pool, x_shape=(3, 2, 6, 9), ph=2, pw=3, stride=1)),
        (5123, P(_pool, x_shape=(1, 4, 8, 8), ph=4, pw=4, stride=4)),
    ], {"out": POOL_OUT}, POOL_HINTS))
    c = "correct_max_pool_backward_naive"
    add(c, "max_pool_backward_naive", _layer_cell(c, "max_pool_backward_naive",
        "max_pool_backward", [
        (5131, P(_pool, x_shape=(2, 3, 8, 7), ph=3, pw=2, stride=2, backward=True)),
        # Tied maxima: the whole gradient goes to the first one, as np.argmax picks.
        (5132, P(_pool, x_shape=(2, 3, 6, 8), ph=2, pw=2, stride=2, backward=True, levels=3)),
        (5133, P(_pool, x_shape=(1, 2, 5, 7), ph=3, pw=3, stride=1, backward=True, levels=2)),
    ], POOL_DX))
    c = "correct_conv_fast_matches_naive"
    add(c, "conv_fast_matches_naive", [
        GradedCase(c, "public", "conv_forward_backward", 231, _notebook_conv_fast, "visible",
                   layouts=CONV_ALL, hints=CONV_HINTS, timeout=60, max_output_mb=32),
        *_hidden(c, "conv_forward_backward", [
            (5141, P(_conv, x_shape=(20, 3, 16, 14), w_shape=(8, 3, 3, 3), stride=1, pad=1,
                     backward=True)),
            (5142, P(_conv, x_shape=(10, 4, 17, 13), w_shape=(6, 4, 5, 3), stride=2,
                     pad=[2, 1], backward=True)),
        ], layouts=CONV_ALL, hints=CONV_HINTS, timeout=60),
    ])
    c = "correct_max_pool_fast_matches_naive"
    add(c, "max_pool_fast_matches_naive", [
        # The default 20 s budget: a fully scalar max pool (six nested loops) does
        # the public case, forward and backward, in 0.14 s.
        GradedCase(c, "public", "max_pool_forward_backward", 231, _notebook_pool_fast,
                   "visible", layouts={"out": POOL_OUT, **POOL_DX}, hints=POOL_HINTS,
                   max_output_mb=16),
        *_hidden(c, "max_pool_forward_backward", [
            (5151, P(_pool, x_shape=(20, 4, 18, 18), ph=3, pw=3, stride=3, backward=True)),
            # A row left over at the bottom (18 - 3 is odd): the output size is a floor.
            (5152, P(_pool, x_shape=(10, 3, 18, 13), ph=3, pw=3, stride=2, backward=True)),
        ], layouts={"out": POOL_OUT, **POOL_DX}, hints=POOL_HINTS),
    ])
    c = "correct_three_layer_convnet_loss"
    add(c, "ThreeLayerConvNet.loss", _layer_cell(c, "three_layer_convnet_loss",
        "convnet_loss", [
        (5161, P(_convnet, n=4, input_dim=(2, 8, 6), num_filters=3, filter_size=5,
                 hidden_dim=7, num_classes=4, reg=0.0, scale=(0.3, 0.2, 0.3))),
        (5162, P(_convnet, n=2, input_dim=(3, 4, 10), num_filters=6, filter_size=3,
                 hidden_dim=5, num_classes=3, reg=0.0, scale=(0.3, 0.2, 0.4))),
        (5163, P(_convnet, n=3, input_dim=(1, 6, 6), num_filters=2, filter_size=3,
                 hidden_dim=9, num_classes=6, reg=0.25, scale=(0.5, 0.3, 0.3))),
    ], CONVNET))
    c = "correct_three_layer_convnet_initial_loss"
    add(c, "ThreeLayerConvNet.__init__", [
        GradedCase(c, "public", "convnet_initial_loss", 231,
                   P(_initial_loss, n=50, config={}, reg=0.5), "visible",
                   judge="initial_loss", timeout=30, max_output_mb=32),
        *_hidden(c, "convnet_initial_loss", [
            (5171, P(_initial_loss, n=6, reg=0.3, config={
                "input_dim": [3, 16, 12], "num_filters": 8, "filter_size": 5,
                "hidden_dim": 40, "num_classes": 7, "weight_scale": 1e-3})),
            (5172, P(_initial_loss, n=5, reg=1.0, config={
                "input_dim": [2, 8, 8], "num_filters": 16, "filter_size": 3,
                "hidden_dim": 64, "num_classes": 5, "weight_scale": 2e-3})),
        ], judge="initial_loss", timeout=30),
    ])
    c = "correct_three_layer_convnet_gradients"
    add(c, "ThreeLayerConvNet.loss", _hidden(c, "convnet_loss", [
        (5181, P(_convnet, n=2, input_dim=(3, 16, 16), num_filters=3, filter_size=3,
                 hidden_dim=7, num_classes=10, reg=0.5, scale=(0.1, 0.1, 0.1))),
        (5182, P(_convnet, n=3, input_dim=(2, 6, 8), num_filters=4, filter_size=5,
                 hidden_dim=6, num_classes=3, reg=0.0, scale=(0.3, 0.2, 0.3))),
        (5183, P(_convnet, n=4, input_dim=(3, 8, 4), num_filters=2, filter_size=3,
                 hidden_dim=5, num_classes=10, reg=1.2, scale=(0.4, 0.3, 0.3))),
    ], layouts=CONVNET))
    c = "correct_sgd_momentum"
    add(c, "sgd_momentum", _layer_cell(c, "sgd_momentum", "sgd_momentum", [
        (5501, P(_rule, shape=(4, 3), steps=1, state=("velocity",),
                 config={"learning_rate": 0.1, "momentum": 0.5})),
        # No velocity yet, the default momentum.
        (5502, P(_rule, shape=(2, 3, 4), steps=4, config={"learning_rate": 0.02})),
        (5503, P(_rule, shape=(6,), steps=2, state=("velocity",),
                 config={"learning_rate": 1e-3, "momentum": 0.99})),
    ], {}))
    c = "correct_rmsprop"
    add(c, "rmsprop", _layer_cell(c, "rmsprop", "rmsprop", [
        # Gradients down to 1e-5 with epsilon 1e-6: where epsilon goes shows.
        (5511, P(_rule, shape=(3, 5), steps=1, state=("cache",), scales=(-5, 0),
                 config={"learning_rate": 1e-2, "decay_rate": 0.95, "epsilon": 1e-6})),
        # No cache yet, the default decay rate and epsilon, gradients down to 1e-9.
        (5512, P(_rule, shape=(4, 2, 3), steps=3, scales=(-9, 0),
                 config={"learning_rate": 1e-3})),
        (5513, P(_rule, shape=(7,), steps=2, state=("cache",), scales=(-4, 1),
                 config={"learning_rate": 0.05, "decay_rate": 0.5, "epsilon": 1e-3})),
    ], {}))
    c = "correct_adam"
    add(c, "adam", _layer_cell(c, "adam", "adam", [
        (5521, P(_rule, shape=(3, 4), steps=1, state=("m", "v"),
                 config={"learning_rate": 1e-2, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
                         "t": 10})),
        # The first steps from nothing, the default betas: the bias correction is large.
        (5522, P(_rule, shape=(2, 5), steps=4, config={"learning_rate": 5e-3})),
        (5523, P(_rule, shape=(2, 2, 3), steps=2, state=("m", "v"), scales=(-5, 0),
                 config={"learning_rate": 1e-3, "beta1": 0.7, "beta2": 0.95, "epsilon": 1e-4,
                         "t": 1})),
    ], {"t": "()"}))
    c = "correct_solver_step"
    add(c, "Solver._step", _layer_cell(c, "solver_step", "solver_step", [
        (5531, P(_solver_step, n=20, dims=(3, 2, 2), classes=5, batch_size=7, steps=2,
                 optim_config={"learning_rate": 0.3, "momentum": 0.5})),
        # One batch the size of the whole set (drawn with replacement all the same).
        (5532, P(_solver_step, n=9, dims=(4,), classes=3, batch_size=9, steps=4,
                 optim_config={"learning_rate": 0.1, "momentum": 0.95})),
        # The default momentum.
        (5533, P(_solver_step, n=15, dims=(2, 2, 2), classes=3, batch_size=4, steps=3,
                 optim_config={"learning_rate": 0.2})),
    ], {"loss_history": "(steps,)"}))
    c = "correct_solver_check_accuracy"
    add(c, "Solver.check_accuracy", _layer_cell(c, "solver_check_accuracy",
        "solver_check_accuracy", [
        # The last batch holds two examples, one of them wrong.
        (5541, P(accuracy_inputs, n=10, dims=(3, 2), classes=3, batch_size=4, num_samples=6,
                 wrong=(0, 3, 9))),
        # One batch exactly.
        (5542, P(accuracy_inputs, n=5, dims=(4,), classes=2, batch_size=5, num_samples=3,
                 wrong=(2,))),
        (5543, P(accuracy_inputs, n=11, dims=(2, 2, 2), classes=6, batch_size=2,
                 num_samples=8, wrong=(1, 5, 6, 10))),
    ], {"accuracy": "()", "sampled": "()"}))
    c = "correct_overfit_small_data"
    # Data seed 5193: the solution keeps 0.97 to 1.0 training accuracy over numpy
    # seeds 231 and 0 to 4 (other data seeds went as low as 0.82).
    add(c, "Solver", [
        GradedCase(c, "hidden-1", "overfit_small_data", 5193, _overfit_inputs,
                   judge="overfit", make_secret=_overfit_secret, timeout=120,
                   max_output_mb=64, description=OVERFIT_DESCRIPTION),
    ])
    c = "correct_train_one_epoch"
    add(c, "train_one_epoch", [
        GradedCase(c, "hidden-1", "train_one_epoch", 5201, _train_inputs, judge="train",
                   make_secret=_train_secret, timeout=120, max_output_mb=128,
                   description=TRAIN_DESCRIPTION),
    ])

    # PoolingAndTransposedConv.ipynb
    c = "correct_avg_pool_forward_naive"
    add(c, "avg_pool_forward_naive", _layer_cell(c, "avg_pool_forward_naive",
        "avg_pool_forward", [
        (5301, P(_pool, x_shape=(2, 3, 8, 8), ph=2, pw=2, stride=2)),
        (5302, P(_pool, x_shape=(3, 2, 7, 9), ph=3, pw=3, stride=1)),
        (5303, P(_pool, x_shape=(1, 4, 10, 5), ph=3, pw=5, stride=3)),
    ], {"out": POOL_OUT}, POOL_HINTS))
    c = "correct_avg_pool_backward_naive"
    add(c, "avg_pool_backward_naive", _layer_cell(c, "avg_pool_backward_naive",
        "avg_pool_backward", [
        (5311, P(_pool, x_shape=(2, 2, 6, 7), ph=2, pw=3, stride=2, backward=True)),
        (5312, P(_pool, x_shape=(2, 3, 5, 8), ph=3, pw=2, stride=1, backward=True)),
        (5313, P(_pool, x_shape=(1, 2, 10, 11), ph=3, pw=3, stride=3, backward=True)),
    ], POOL_DX))
    c = "correct_conv_forward_same"
    add(c, "conv_forward_naive", _layer_cell(c, "conv_forward_same", "conv_forward", [
        (5321, P(_conv, x_shape=(2, 3, 7, 6), w_shape=(2, 3, 4, 4), stride=1, pad="same")),
        (5322, P(_conv, x_shape=(1, 2, 9, 10), w_shape=(3, 2, 3, 5), stride=3, pad="same")),
        (5323, P(_conv, x_shape=(2, 1, 5, 5), w_shape=(2, 1, 2, 2), stride=2, pad="same")),
    ], {"out": CONV_OUT}, CONV_HINTS))
    c = "correct_conv_backward_same"
    add(c, "conv_backward_naive", _layer_cell(c, "conv_backward_same", "conv_backward", [
        (5331, P(_conv, x_shape=(2, 2, 5, 4), w_shape=(3, 2, 2, 4), stride=1, pad="same",
                 backward=True)),
        (5332, P(_conv, x_shape=(2, 3, 7, 6), w_shape=(4, 3, 3, 3), stride=2, pad="same",
                 backward=True)),
        (5333, P(_conv, x_shape=(1, 2, 8, 10), w_shape=(2, 2, 5, 3), stride=3, pad="same",
                 backward=True)),
    ], CONV_GRADS, CONV_HINTS))
    c = "correct_max_pool_padded"
    # Negative values throughout: a zero taken from the padding would win.
    add(c, "max_pool_padded", _layer_cell(c, "max_pool_padded", "max_pool_forward_backward", [
        (5371, P(_pool, x_shape=(1, 2, 6, 7), ph=3, pw=3, stride=2, backward=True, levels=3,
                 negative=True, pad=1)),
        (5372, P(_pool, x_shape=(2, 3, 7, 6), ph=2, pw=3, stride=3, backward=True,
                 negative=True, pad=[1, 2])),
        (5373, P(_pool, x_shape=(2, 2, 8, 5), ph=3, pw=2, stride=2, backward=True,
                 pad="valid")),
    ], POOL_OUT_DX, POOL_HINTS))
    c = "correct_avg_pool_padded"
    # The public case grades out (avg_pool_forward), the hidden ones out or dx (no
    # program returns both for average pooling); every case calls the forward pass.
    add(c, "avg_pool_padded", [
        _public(c, "avg_pool_padded", "avg_pool_forward", layouts={"out": POOL_OUT}),
        *_hidden_programs(c, [
            # 'same' pads (1, 1) rows and (0, 1) columns: uneven, windows overlapping.
            (5381, "avg_pool_backward", P(_pool, x_shape=(2, 3, 6, 7), ph=3, pw=2, stride=1,
                                          backward=True, pad="same")),
            # 'same' pads (1, 1) rows and (0, 1) columns, counted as zeros.
            (5382, "avg_pool_forward", P(_pool, x_shape=(2, 2, 5, 6), ph=3, pw=3, stride=2,
                                         pad="same", count_include_pad=True)),
            (5383, "avg_pool_backward", P(_pool, x_shape=(1, 3, 8, 7), ph=3, pw=2, stride=2,
                                          backward=True, pad=[2, 1], count_include_pad=True)),
        ], {"avg_pool_forward": {"out": POOL_OUT}, "avg_pool_backward": POOL_DX}, POOL_HINTS),
    ])
    c = "correct_conv_transpose_forward_naive"
    add(c, "conv_transpose_forward_naive", _layer_cell(c, "conv_transpose_forward_naive",
        "conv_transpose_forward", [
        (5341, P(_transpose, x_shape=(2, 3, 4, 4), w_shape=(3, 2, 3, 3), stride=1, pad=0)),
        (5342, P(_transpose, x_shape=(1, 2, 3, 5), w_shape=(2, 3, 4, 2), stride=3,
                 pad=[1, 0])),
        (5343, P(_transpose, x_shape=(2, 2, 3, 3), w_shape=(2, 4, 3, 3), stride=2,
                 pad="same")),
        (5344, P(_transpose, x_shape=(1, 3, 2, 4), w_shape=(3, 2, 2, 3), stride=2,
                 pad="valid")),
    ], TRANSPOSE_OUT, TRANSPOSE_HINTS))
    c = "correct_conv_transpose_is_conv_backward"
    add(c, "conv_transpose_forward_naive", [
        GradedCase(c, "public", "conv_transpose_forward", 231,
                   _notebook_transpose_is_conv_backward, "visible", layouts=TRANSPOSE_OUT,
                   hints=TRANSPOSE_HINTS),
        *_hidden(c, "conv_transpose_forward", [
            (5351, P(_transpose_of_conv_dout, x_shape=(2, 2, 6, 4), w_shape=(3, 2, 3, 5),
                     stride=1, pad=[1, 2])),
            (5352, P(_transpose_of_conv_dout, x_shape=(1, 4, 9, 6), w_shape=(2, 4, 3, 3),
                     stride=3, pad=0)),
        ], layouts=TRANSPOSE_OUT, hints=TRANSPOSE_HINTS),
    ])
    c = "correct_conv_transpose_backward_naive"
    add(c, "conv_transpose_backward_naive", _layer_cell(c, "conv_transpose_backward_naive",
        "conv_transpose_backward", [
        (5361, P(_transpose, x_shape=(2, 2, 3, 2), w_shape=(2, 3, 4, 3), stride=3,
                 pad=[1, 0], backward=True)),
        (5362, P(_transpose, x_shape=(2, 3, 4, 3), w_shape=(3, 2, 3, 3), stride=1, pad=1,
                 backward=True)),
        (5363, P(_transpose, x_shape=(1, 2, 3, 3), w_shape=(2, 3, 3, 3), stride=2,
                 pad="same", backward=True)),
    ], TRANSPOSE_GRADS))

    # SpatialNormalization.ipynb
    c = "correct_spatial_batchnorm_forward"
    add(c, "spatial_batchnorm_forward", _layer_cell(c, "spatial_batchnorm_forward",
        "spatial_batchnorm_forward", [
        (5401, P(_bn, shape=(4, 3, 5, 6), bn_param={"mode": "train"})),
        (5402, P(_bn, shape=(3, 5, 2, 7), bn_param={"mode": "train", "eps": 1e-3})),
    ], BN_OUT))
    c = "correct_spatial_batchnorm_test_time"
    add(c, "spatial_batchnorm_forward", _layer_cell(c, "spatial_batchnorm_test_time",
        "spatial_batchnorm_test_time", [
        (5411, P(_bn_test_time, batches=7, shape=(4, 3, 2, 5), test_n=2,
                 bn_param={"mode": "train", "momentum": 0.8})),
        (5412, P(_bn_test_time, batches=4, shape=(2, 5, 3, 3), test_n=6,
                 bn_param={"mode": "train"})),
    ], {"running_mean": "(C,)", "running_var": "(C,)", "out": "(N, C, H, W)"}))
    c = "correct_spatial_batchnorm_backward"
    add(c, "spatial_batchnorm_backward", _layer_cell(c, "spatial_batchnorm_backward",
        "spatial_batchnorm_backward", [
        (5421, P(_bn, shape=(3, 4, 2, 5), bn_param={"mode": "train"}, backward=True)),
        (5422, P(_bn, shape=(5, 2, 3, 3), bn_param={"mode": "train", "eps": 1e-4},
                 backward=True)),
    ], NORM_GRADS))
    c = "correct_spatial_groupnorm_forward"
    add(c, "spatial_groupnorm_forward", _layer_cell(c, "spatial_groupnorm_forward",
        "spatial_groupnorm_forward", [
        (5431, P(_gn, shape=(3, 8, 3, 4), G=4)),
        (5432, P(_gn, shape=(2, 6, 5, 2), G=2)),
        (5433, P(_gn, shape=(2, 4, 3, 3), G=4)),
        (5434, P(_gn, shape=(1, 3, 2, 4), G=1)),
    ], BN_OUT))
    c = "correct_spatial_groupnorm_backward"
    add(c, "spatial_groupnorm_backward", _layer_cell(c, "spatial_groupnorm_backward",
        "spatial_groupnorm_backward", [
        (5441, P(_gn, shape=(2, 6, 3, 2), G=2, backward=True)),
        (5442, P(_gn, shape=(3, 8, 2, 3), G=4, backward=True)),
        (5443, P(_gn, shape=(2, 3, 4, 2), G=1, backward=True)),
    ], GN_GRADS))
    # fmt: on
    return cells


#: grade_id -> (function, [GradedCase, ...]).
REGISTRY = _registry()


# ---------------------------------------------------------------------------
# The notebooks' grade cells, joined with the registry
# ---------------------------------------------------------------------------


def grade_cells(notebooks_dir=None):
    """(notebook stem, grade_id, points) of every autograded cell, in notebook order.

    An autograded cell is a code cell whose nbgrader metadata has grade: true
    and solution: false. Notebooks are read in sorted order.
    """
    folder = Path(notebooks_dir) if notebooks_dir is not None else paths.NOTEBOOKS_DIR
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution"):
                found.append((path.stem, meta["grade_id"], float(meta.get("points", 0))))
    return found


@functools.lru_cache(maxsize=8)
def _cells(notebooks_dir):
    graded = grade_cells(notebooks_dir)
    problems = []
    ids = [grade_id for _, grade_id, _ in graded]
    for grade_id in sorted(set(ids)):
        if ids.count(grade_id) > 1:
            problems.append(f"grade cell {grade_id!r} appears {ids.count(grade_id)} times")
    for notebook, grade_id, _ in graded:
        if grade_id not in REGISTRY:
            problems.append(
                f"grade cell {grade_id!r} of {notebook}.ipynb has no cases in "
                "autograder/grade/cases.py: add its public and hidden cases"
            )
    for grade_id in REGISTRY:
        if grade_id not in ids:
            problems.append(
                f"autograder/grade/cases.py has cases for {grade_id!r}, which is not a grade "
                "cell of any notebook (renamed or removed?)"
            )
    problems += check_cases([case for _, cases in REGISTRY.values() for case in cases])
    if problems:
        raise CasesError("the graded cases do not match the notebooks:\n  " + "\n  ".join(problems))
    return tuple(
        Cell(notebook, grade_id, REGISTRY[grade_id][0], points, tuple(REGISTRY[grade_id][1]))
        for notebook, grade_id, points in graded
    )


def cells(notebooks_dir=None):
    """Every autograded Cell with its cases, in notebook order; CasesError on a mismatch."""
    folder = Path(notebooks_dir) if notebooks_dir is not None else paths.NOTEBOOKS_DIR
    return list(_cells(folder.resolve()))


def all_cases(cells_=None):
    """The cases of the given cells (default: every cell), flat, in notebook order."""
    return [case for cell in (cells_ if cells_ is not None else cells()) for case in cell.cases]


def scaled(cells_, time_scale):
    """The cells with every case's time budget multiplied by `time_scale` (`grade
    --time-scale`: a slow or crowded grading machine gives more); the same cells for 1."""
    if time_scale == 1:
        return list(cells_)
    return [
        replace(cell, cases=tuple(replace(c, timeout=c.timeout * time_scale) for c in cell.cases))
        for cell in cells_
    ]


def check_cases(cases):
    """Problems with a list of cases, one line each (empty when they are fine)."""
    from . import programs

    problems = []
    seen = set()
    for case in cases:
        if case.id in seen:
            problems.append(f"two cases have the id {case.id!r}")
        seen.add(case.id)
        if case.program not in programs.PROGRAMS:
            problems.append(f"{case.id}: no program {case.program!r} in programs.py")
        if case.visibility not in ("visible", "hidden"):
            problems.append(f"{case.id}: visibility {case.visibility!r}")
        if case.judge not in (None, "initial_loss", "overfit", "train"):
            problems.append(f"{case.id}: unknown judge {case.judge!r}")
        if not isinstance(case.description, str) or not case.description.strip():
            problems.append(
                f"{case.id}: no description (cases.describe knows no program "
                f"{case.program!r}: give the case one)"
            )
        elif "\n" in case.description:
            problems.append(f"{case.id}: a description is one line")
        if not isinstance(case.naive, tuple) or not all(
            isinstance(name, str) and name.endswith("_naive") for name in case.naive
        ):
            problems.append(f"{case.id}: naive {case.naive!r} is not a tuple of *_naive names")
    return problems
