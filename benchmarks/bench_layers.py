"""Speed of the fast layers of `cs231n.fast_layers`, against the naive layers and PyTorch.

Each figure is the median wall time of several forward + backward passes. The
baselines are the naive layers of `cs231n.layers` (when they are implemented)
and, when torch is importable, `torch.nn.functional.conv2d` / `max_pool2d` on
the CPU with autograd, in the same process and on the same data. torch is only
a yardstick here: the kit never needs it.

Run it with `python -m benchmarks.bench_layers`; `run()` returns the rows
(figure, measured, comparison) for a caller that prints several benchmarks.
"""

import sys
import time
from pathlib import Path

import numpy as np

# The package lives in assignment/ (pytest adds it through pyproject.toml; here we do it).
_ASSIGNMENT = str(Path(__file__).resolve().parent.parent / "assignment")
if _ASSIGNMENT not in sys.path:
    sys.path.insert(0, _ASSIGNMENT)

from cs231n import fast_layers  # noqa: E402

try:
    from cs231n import layers as naive_layers
except ImportError:  # pragma: no cover - layers.py not written yet
    naive_layers = None

try:
    import torch
    import torch.nn.functional as torch_f
except ImportError:
    torch = None

# The two convolutions CS231n's notebook times, and the pooling layer of its convnet.
CONV_CASES = [
    ("x 50x3x32x32, w 32x3x7x7, stride 1, pad 3", (50, 3, 32, 32), (32, 3, 7, 7), 1, 3),
    ("x 100x3x31x31, w 25x3x3x3, stride 2, pad 1", (100, 3, 31, 31), (25, 3, 3, 3), 2, 1),
]
POOL_CASE = ("x 50x32x32x32, 2x2 stride 2", (50, 32, 32, 32), 2, 2)
# Aims: at least as fast as torch in float64, within 1.5x of it in float32.
AIM = {np.float64: 1.0, np.float32: 1.5}


def median_ms(fn, repeats):
    """Median wall time of fn() in milliseconds, after one warm-up call."""
    return medians_ms([fn], repeats)[0]


def medians_ms(fns, repeats):
    """Median wall time of each function in milliseconds, after one warm-up call each.

    The functions take turns (a, b, a, b, ...), so that a burst of load on a
    shared machine slows all of them alike and their ratio stays meaningful.
    """
    for fn in fns:
        fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, fn_times in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            fn_times.append(time.perf_counter() - start)
    return [1e3 * float(np.median(fn_times)) for fn_times in times]


def _naive(name):
    """The naive layer `name` of cs231n.layers, or None if it is missing or a stub."""
    return getattr(naive_layers, name, None) if naive_layers is not None else None


def _conv_rows(label, x_shape, w_shape, stride, pad, dtype, repeats):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    conv_param = {"stride": stride, "pad": pad}
    out, _ = fast_layers.conv_forward_fast(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape).astype(dtype)

    def fast():
        _, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
        fast_layers.conv_backward_fast(dout, cache)

    figure = f"conv fwd+bwd {label}, {np.dtype(dtype).name}"
    comparisons = []
    if torch is None:
        fast_ms = median_ms(fast, repeats)
    else:
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        doutt = torch.tensor(dout)

        def reference():
            for t in (xt, wt, bt):
                t.grad = None
            torch_f.conv2d(xt, wt, bt, stride=stride, padding=pad).backward(doutt)

        fast_ms, torch_ms = medians_ms([fast, reference], repeats)
        ratio = fast_ms / torch_ms
        verdict = "ok" if ratio <= AIM[dtype] else "MISSED"
        comparisons.append(
            f"torch {torch_ms:.1f} ms, ratio {ratio:.2f} (aim <= {AIM[dtype]}: {verdict})"
        )
    forward, backward = _naive("conv_forward_naive"), _naive("conv_backward_naive")
    if forward is not None and backward is not None and dtype == np.float64:
        try:
            naive_ms = median_ms(lambda: backward(dout, forward(x, w, b, conv_param)[1]), 1)
            comparisons.append(f"naive {naive_ms:.0f} ms ({naive_ms / fast_ms:.0f}x slower)")
        except NotImplementedError:
            pass
    return [(figure, f"{fast_ms:.1f} ms", "; ".join(comparisons) or "no baseline available")]


def _pool_rows(dtype, repeats):
    label, x_shape, size, stride = POOL_CASE
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(dtype)
    pool_param = {"pool_height": size, "pool_width": size, "stride": stride}
    out, _ = fast_layers.max_pool_forward_fast(x, pool_param)
    dout = rng.standard_normal(out.shape).astype(dtype)

    def fast():
        _, cache = fast_layers.max_pool_forward_fast(x, pool_param)
        fast_layers.max_pool_backward_fast(dout, cache)

    comparisons = []
    if torch is None:
        fast_ms = median_ms(fast, repeats)
    else:
        xt, doutt = torch.tensor(x, requires_grad=True), torch.tensor(dout)

        def reference():
            xt.grad = None
            torch_f.max_pool2d(xt, size, stride).backward(doutt)

        fast_ms, torch_ms = medians_ms([fast, reference], repeats)
        comparisons.append(f"torch {torch_ms:.1f} ms, ratio {fast_ms / torch_ms:.2f}")
    forward, backward = _naive("max_pool_forward_naive"), _naive("max_pool_backward_naive")
    if forward is not None and backward is not None and dtype == np.float64:
        try:
            naive_ms = median_ms(lambda: backward(dout, forward(x, pool_param)[1]), 1)
            comparisons.append(f"naive {naive_ms:.0f} ms ({naive_ms / fast_ms:.0f}x slower)")
        except NotImplementedError:
            pass
    figure = f"max pool fwd+bwd {label}, {np.dtype(dtype).name}"
    return [(figure, f"{fast_ms:.1f} ms", "; ".join(comparisons) or "no baseline available")]


def run(repeats=15):
    """Time every case; return rows (figure, measured, comparison with the baselines)."""
    rows = []
    for dtype in (np.float64, np.float32):
        for label, x_shape, w_shape, stride, pad in CONV_CASES:
            rows += _conv_rows(label, x_shape, w_shape, stride, pad, dtype, repeats)
        rows += _pool_rows(dtype, repeats)
    return rows


def main():
    for figure, measured, comparison in run():
        print(f"{figure:<72} {measured:>9}   {comparison}")


if __name__ == "__main__":
    main()
