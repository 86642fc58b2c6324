"""One epoch of the three-layer convnet, against the same model in PyTorch, and its memory.

The settings are CS231n's "train the net" cell (ConvolutionalNetworks.ipynb):
ThreeLayerConvNet(weight_scale=0.001, hidden_dim=500, reg=0.001) in float32, trained
by the kit's Solver with Adam (learning rate 1e-3) on batches of 50 for one epoch
of 49,000 images: 980 iterations. The images are the synthetic stand-in for CIFAR-10
(`cs231n.synthetic`, same format and size), generated into a temporary folder and
loaded with `get_CIFAR10_data`.

The figures:

1. Our epoch: the wall time of the real `Solver.train()`, accuracy checks included.
2. PyTorch's epoch, when torch is importable: the same network on the CPU
   (Conv2d, ReLU, MaxPool2d, Linear, ReLU, Linear), the same loss (softmax
   cross-entropy plus 0.5 * reg * the sum of the squared weights, biases not
   regularised), torch.optim.Adam with the kit's betas and epsilon, the same
   starting weights and the same minibatches and accuracy checks, drawn from
   numpy's global RNG in the Solver's order. torch uses as many threads as
   numpy's BLAS. Before timing, `check_same_computation` makes sure both models
   give the same loss on the first batch and after a few Adam steps.
3. Per iteration, interleaved: two whole epochs cannot run side by side, so the
   median time of one training step of each is also measured in alternating
   blocks (ours, torch, ours, ...), which a burst of load on a shared machine
   slows alike.
4. Peak memory (VmHWM) of a fresh process that loads the data with
   `get_CIFAR10_data` and trains one epoch with the Solver, in float32 (what the
   notebook asks for) and in float64 (CS231n's default).

A full run takes a few minutes. `run(quick=True)`, or CONVKIT_BENCH_QUICK=1 in the
environment, runs the same code on about a hundred images (for the tests).

Run it with `python -m benchmarks.bench_train`; `run()` returns the rows
(figure, measured, comparison) for a caller that prints several benchmarks.
"""

import copy
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# The package lives in assignment/ (pytest adds it through pyproject.toml; here we do it).
_ASSIGNMENT = str(Path(__file__).resolve().parent.parent / "assignment")
if _ASSIGNMENT not in sys.path:
    sys.path.insert(0, _ASSIGNMENT)

from benchmarks.bench_data import PEAK_SOURCE, run_child  # noqa: E402
from cs231n import synthetic  # noqa: E402
from cs231n.classifiers.cnn import ThreeLayerConvNet  # noqa: E402
from cs231n.data_utils import get_CIFAR10_data  # noqa: E402
from cs231n.optim import adam  # noqa: E402
from cs231n.solver import Solver  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

# CS231n's "train the net" settings.
MODEL_SETTINGS = {"weight_scale": 1e-3, "hidden_dim": 500, "reg": 1e-3}
LEARNING_RATE = 1e-3
BATCH_SIZE = 50
NUM_TRAIN_SAMPLES = 1000  # the Solver's default: training accuracy on 1000 drawn images

# The full run: dataset files of CIFAR-10's size (50,000 training and 10,000 test
# images), CS231n's split (49,000 / 1,000 / 1,000), 980 iterations; the interleaved
# comparison runs `blocks` blocks of `block` steps of each. The quick run is for tests.
FULL = {
    "files": {"num_train": 50000, "num_test": 10000},
    "split": {"num_training": 49000, "num_validation": 1000, "num_test": 1000},
    "block": 20,
    "blocks": 7,
}
QUICK = {
    "files": {"num_train": 125, "num_test": 25},
    "split": {"num_training": 100, "num_validation": 25, "num_test": 25},
    "block": 1,
    "blocks": 2,
}
QUICK_ENV = "CONVKIT_BENCH_QUICK"

SEED = 231
TIME_AIM = 1.5  # our time / torch's time
MEMORY_AIM_GB = 1.5
GB = 1e9

# Relative tolerance of the same-computation check (float32 losses), and the number
# of Adam steps it takes after comparing the first loss.
SAME_RTOL = 1e-4
SAME_STEPS = 3


class MismatchError(AssertionError):
    """The kit's model and the PyTorch model do not compute the same thing."""


# ---------------------------------------------------------------------------
# The kit's side


def adam_defaults():
    """The kit's Adam hyperparameters (beta1, beta2, epsilon), read from cs231n.optim.adam."""
    _, config = adam(np.zeros(1), np.zeros(1), {})
    return config["beta1"], config["beta2"], config["epsilon"]


def make_kit_model(seed=SEED):
    """The three-layer convnet with CS231n's settings, its weights drawn after np.random.seed."""
    np.random.seed(seed)  # noqa: NPY002 - the kit draws its weights from the global RNG
    return ThreeLayerConvNet(**MODEL_SETTINGS)


def make_solver(model, data):
    """A Solver for one epoch with CS231n's settings, printing nothing."""
    return Solver(
        model,
        data,
        update_rule="adam",
        optim_config={"learning_rate": LEARNING_RATE},
        batch_size=BATCH_SIZE,
        num_epochs=1,
        num_train_samples=NUM_TRAIN_SAMPLES,
        verbose=False,
        progress=False,
    )


# ---------------------------------------------------------------------------
# The PyTorch side (only when torch is importable)


def blas_threads():
    """Return (threads numpy's BLAS uses, how we know)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        pass
    else:
        counts = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
        if counts:
            return max(counts), "threadpoolctl"
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value), f"${name}"
    return os.cpu_count() or 1, "os.cpu_count()"


if torch is not None:

    class TorchConvNet(torch.nn.Module):
        """ThreeLayerConvNet in PyTorch: the same layers, starting weights and loss.

        conv - relu - 2x2 max pool - affine - relu - affine, with the kit's
        weights copied in (torch's Linear stores the transpose of the kit's W).
        """

        def __init__(self, kit_model):
            super().__init__()
            params = kit_model.params
            F, C, HH, WW = params["W1"].shape
            if HH != WW or HH % 2 == 0:
                raise ValueError(f"need a square filter of odd size, got {HH}x{WW}")
            D, hidden_dim = params["W2"].shape
            num_classes = params["W3"].shape[1]
            # An odd filter with padding (HH - 1) // 2 is the kit's 'same' padding.
            self.conv = torch.nn.Conv2d(C, F, HH, padding=(HH - 1) // 2)
            self.pool = torch.nn.MaxPool2d(2)
            self.hidden = torch.nn.Linear(D, hidden_dim)
            self.out = torch.nn.Linear(hidden_dim, num_classes)
            self.reg = kit_model.reg
            with torch.no_grad():
                for name, value in self._from_kit(params).items():
                    self.get_parameter(name).copy_(value)

        @staticmethod
        def _from_kit(params):
            """The kit's params as a dict of this module's parameter names to tensors."""

            def t(a):
                return torch.from_numpy(np.ascontiguousarray(a))

            return {
                "conv.weight": t(params["W1"]),
                "conv.bias": t(params["b1"]),
                "hidden.weight": t(params["W2"].T),
                "hidden.bias": t(params["b2"]),
                "out.weight": t(params["W3"].T),
                "out.bias": t(params["b3"]),
            }

        def same_weights_as(self, params):
            """True if every parameter equals the kit's params exactly."""
            return all(
                torch.equal(self.get_parameter(name).detach(), value)
                for name, value in self._from_kit(params).items()
            )

        def forward(self, x):
            """Class scores, of shape (N, num_classes)."""
            h = self.pool(torch.relu(self.conv(x)))
            h = torch.relu(self.hidden(h.flatten(1)))
            return self.out(h)

        def loss(self, x, y):
            """Softmax loss plus 0.5 * reg * (sum of the squared weights), as the kit's model."""
            data_loss = torch.nn.functional.cross_entropy(self(x), y)
            weights = (self.conv.weight, self.hidden.weight, self.out.weight)
            return data_loss + 0.5 * self.reg * sum((w * w).sum() for w in weights)

else:
    TorchConvNet = None


def make_torch_optimizer(net):
    """torch.optim.Adam with the kit's learning rate, betas and epsilon."""
    beta1, beta2, epsilon = adam_defaults()
    return torch.optim.Adam(net.parameters(), lr=LEARNING_RATE, betas=(beta1, beta2), eps=epsilon)


def torch_step(net, optimizer, X, y):
    """One training step of PyTorch on a minibatch drawn as Solver._step draws it."""
    batch = np.random.choice(X.shape[0], BATCH_SIZE)  # noqa: NPY002 - the Solver's draw
    X_batch, y_batch = torch.from_numpy(X[batch]), torch.from_numpy(y[batch])
    optimizer.zero_grad()
    loss = net.loss(X_batch, y_batch)
    loss.backward()
    optimizer.step()
    return loss.item()


def torch_check_accuracy(net, X, y, num_samples=None):
    """Solver.check_accuracy for the PyTorch model: the same subsample and batches."""
    N = X.shape[0]
    indices = np.arange(N)
    if num_samples is not None and N > num_samples:
        indices = np.random.choice(N, num_samples)  # noqa: NPY002 - the Solver's draw
    predictions = []
    with torch.no_grad():
        # Solver.train scores batch_size examples at a time.
        for start in range(0, len(indices), BATCH_SIZE):
            scores = net(torch.from_numpy(X[indices[start : start + BATCH_SIZE]]))
            predictions.append(scores.argmax(dim=1).numpy())
    return float(np.mean(np.concatenate(predictions) == y[indices]))


def train_torch(net, optimizer, data):
    """One epoch as Solver.train runs it: the same steps and accuracy checks, in the same order.

    Returns (loss_history, val_acc_history).
    """
    X_train, y_train = data["X_train"], data["y_train"]
    num_iterations = max(X_train.shape[0] // BATCH_SIZE, 1)
    loss_history, val_acc_history = [], []
    for t in range(num_iterations):
        loss_history.append(torch_step(net, optimizer, X_train, y_train))
        if t == 0 or t == num_iterations - 1:
            torch_check_accuracy(net, X_train, y_train, NUM_TRAIN_SAMPLES)
            val_acc_history.append(torch_check_accuracy(net, data["X_val"], data["y_val"]))
    return loss_history, val_acc_history


def check_same_computation(kit_model, net, X, y, steps=SAME_STEPS, rtol=SAME_RTOL):
    """Make sure the two models compute the same thing before timing them.

    Checks that `net` holds exactly the kit's weights, that both give the same loss
    on the batch (X, y), and that they still do after each of `steps` Adam steps on
    it (the kit's optim.adam against torch.optim.Adam). Works on copies: neither
    model changes. Returns the largest relative difference of the losses; raises
    MismatchError, naming the step, when one exceeds rtol.
    """
    if not net.same_weights_as(kit_model.params):
        raise MismatchError("the PyTorch model does not start from the kit's weights")
    kit_model, net = copy.deepcopy(kit_model), copy.deepcopy(net)
    optimizer = make_torch_optimizer(net)
    configs = {p: {"learning_rate": LEARNING_RATE} for p in kit_model.params}
    X_torch, y_torch = torch.from_numpy(X), torch.from_numpy(y)
    worst = 0.0
    for step in range(steps + 1):
        ours, grads = kit_model.loss(X, y)
        optimizer.zero_grad()
        loss = net.loss(X_torch, y_torch)
        theirs = loss.item()
        difference = abs(ours - theirs) / abs(theirs)
        if not difference <= rtol:
            when = "on the first batch" if step == 0 else f"after {step} Adam step(s)"
            raise MismatchError(
                f"the losses differ {when}: kit {ours:.7g}, PyTorch {theirs:.7g} "
                f"(relative difference {difference:.1e} > {rtol:g})"
            )
        worst = max(worst, difference)
        if step < steps:
            loss.backward()
            optimizer.step()
            for p, w in kit_model.params.items():
                kit_model.params[p], configs[p] = adam(w, grads[p], configs[p])
    return worst


# ---------------------------------------------------------------------------
# Timing


def _seconds(fn):
    """Wall time of fn() in seconds."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved_steps(solver, net, optimizer, data, block, blocks):
    """Median seconds of one training step of each: ours (Solver._step) and torch's.

    The steps run in alternating blocks of `block` steps, `blocks` blocks of each,
    so that a burst of load on a shared machine slows both alike.
    """
    X, y = data["X_train"], data["y_train"]
    ours, theirs = [], []
    for _ in range(blocks):
        ours += [_seconds(solver._step) for _ in range(block)]
        theirs += [_seconds(lambda: torch_step(net, optimizer, X, y)) for _ in range(block)]
    return float(np.median(ours)), float(np.median(theirs))


def _verdict(ratio):
    """How a time ratio (ours / torch's) compares with TIME_AIM."""
    if ratio <= TIME_AIM:
        return f"aim <= {TIME_AIM}x met ({100 * (1 - ratio / TIME_AIM):.0f}% under it)"
    return f"aim <= {TIME_AIM}x missed (by {100 * (ratio / TIME_AIM - 1):.0f}%)"


def time_rows(data, size):
    """The timing rows: one epoch of each, then the interleaved per-step medians."""
    num_iterations = max(data["X_train"].shape[0] // BATCH_SIZE, 1)
    epoch_figure = (
        f"one epoch of ThreeLayerConvNet, Solver.train() ({num_iterations} iterations of "
        f"{BATCH_SIZE}, Adam, float32)"
    )
    kit_model = make_kit_model()
    if torch is None:
        solver = make_solver(kit_model, data)
        np.random.seed(SEED)  # noqa: NPY002
        ours = _seconds(solver.train)
        steps = [_seconds(solver._step) for _ in range(size["block"] * size["blocks"])]
        return [
            (
                epoch_figure,
                f"{ours:.1f} s",
                f"no torch to compare with; final val acc {solver.val_acc_history[-1]:.3f}",
            ),
            ("one training step (Solver._step), median", f"{_median_ms(steps):.1f} ms", "no torch"),
        ]

    threads, source = blas_threads()
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        net = TorchConvNet(kit_model)  # a copy of the starting weights
        difference = check_same_computation(
            kit_model, net, data["X_train"][:BATCH_SIZE], data["y_train"][:BATCH_SIZE]
        )
        # Both epochs draw the same minibatches and accuracy subsamples.
        solver = make_solver(kit_model, data)
        np.random.seed(SEED)  # noqa: NPY002
        ours = _seconds(solver.train)
        ours_loss, ours_acc = solver.loss_history[-1], solver.val_acc_history[-1]
        optimizer = make_torch_optimizer(net)
        np.random.seed(SEED)  # noqa: NPY002
        start = time.perf_counter()
        torch_losses, torch_val_acc = train_torch(net, optimizer, data)
        theirs = time.perf_counter() - start
        ours_step, theirs_step = interleaved_steps(
            solver, net, optimizer, data, size["block"], size["blocks"]
        )
    finally:
        torch.set_num_threads(previous_threads)

    return [
        (
            epoch_figure,
            f"{ours:.1f} s",
            f"PyTorch {theirs:.1f} s: {ours / theirs:.2f}x, {_verdict(ours / theirs)}; "
            f"final val acc {ours_acc:.3f} (PyTorch {torch_val_acc[-1]:.3f})",
        ),
        (
            f"the same epoch in PyTorch {torch.__version__} (CPU, {threads} threads = numpy's "
            f"BLAS, from {source})",
            f"{theirs:.1f} s",
            f"same starting weights, batches and accuracy checks; same loss on the first batch "
            f"and after {SAME_STEPS} Adam steps (to {difference:.0e}); last loss "
            f"{ours_loss:.4f} (PyTorch {torch_losses[-1]:.4f})",
        ),
        (
            f"one training step, median of {size['blocks']} interleaved blocks of "
            f"{size['block']} (ours / PyTorch's)",
            f"{1e3 * ours_step:.1f} / {1e3 * theirs_step:.1f} ms",
            f"{ours_step / theirs_step:.2f}x, {_verdict(ours_step / theirs_step)}",
        ),
    ]


def _median_ms(seconds):
    return 1e3 * float(np.median(seconds))


# ---------------------------------------------------------------------------
# Memory


# Run in a child process: load the data with get_CIFAR10_data, train one epoch with
# the Solver and print, as JSON, the peak RSS after imports, after loading and at the
# end, the time of the epoch and the final validation accuracy.
_CHILD = (
    PEAK_SOURCE
    + """
from cs231n.classifiers.cnn import ThreeLayerConvNet
from cs231n.data_utils import get_CIFAR10_data
from cs231n.solver import Solver

folder, dtype, options = sys.argv[1:]
options = json.loads(options)
before = peak()
data = get_CIFAR10_data(cifar10_dir=folder, dtype=np.dtype(dtype), **options["split"])
loaded = peak()
np.random.seed(options["seed"])
model = ThreeLayerConvNet(**options["model"])
solver = Solver(model, data, num_epochs=1, verbose=False, progress=False, **options["solver"])
start = time.perf_counter()
solver.train()
seconds = time.perf_counter() - start
print(json.dumps({"before": before, "loaded": loaded, "peak": peak(), "seconds": seconds}))
"""
)


def measure_epoch_memory(folder, dtype, split):
    """Load `split` of the data in `dtype` and train one epoch in a fresh process.

    Returns a dict of bytes: 'before' (peak RSS after imports), 'loaded' (after
    get_CIFAR10_data) and 'peak' (at the end); and 'seconds', the epoch's time.
    """
    options = {
        "split": split,
        "seed": SEED,
        "model": MODEL_SETTINGS,
        "solver": {
            "update_rule": "adam",
            "optim_config": {"learning_rate": LEARNING_RATE},
            "batch_size": BATCH_SIZE,
            "num_train_samples": NUM_TRAIN_SAMPLES,
        },
    }
    return run_child(_CHILD, folder, dtype, json.dumps(options))


def memory_rows(folder, size):
    """Peak memory of loading then training, float32 (the notebook's call) and float64."""
    rows = []
    for dtype, whose in (("float32", "the notebook's"), ("float64", "CS231n's default")):
        m = measure_epoch_memory(folder, dtype, size["split"])
        peak = m["peak"] / GB
        if peak < MEMORY_AIM_GB:
            verdict = f"aim < {MEMORY_AIM_GB} GB met ({MEMORY_AIM_GB - peak:.2f} GB to spare)"
        else:
            verdict = f"aim < {MEMORY_AIM_GB} GB missed (by {peak - MEMORY_AIM_GB:.2f} GB)"
        rows.append(
            (
                f"peak RSS of get_CIFAR10_data(dtype={dtype}) ({whose}) then one epoch",
                f"{peak:.2f} GB",
                f"{verdict}; {m['loaded'] / GB:.2f} GB once loaded, {m['before'] / GB:.2f} GB "
                f"after imports; that epoch took {m['seconds']:.0f} s",
            )
        )
    return rows


# ---------------------------------------------------------------------------


def is_quick(quick=None):
    """quick if given, else True when $CONVKIT_BENCH_QUICK is set and not 0."""
    if quick is not None:
        return bool(quick)
    return os.environ.get(QUICK_ENV, "0") not in ("", "0")


def run(quick=None):
    size = QUICK if is_quick(quick) else FULL
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "synthetic-10-batches-py")
        synthetic.make_synthetic_cifar10(folder, **size["files"])
        data = get_CIFAR10_data(cifar10_dir=folder, dtype=np.float32, **size["split"])
        rows = time_rows(data, size)
        del data
        rows += memory_rows(folder, size)
    return rows


if __name__ == "__main__":
    for figure, measured, comment in run():
        print(f"{figure:70} {measured:>16}   {comment}")
