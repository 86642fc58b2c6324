"""Speed of the layers of `cs231n`, forward + backward, against the naive layers and PyTorch.

Each figure is the median wall time of one forward and one backward pass of a
layer on fixed random data. The baselines are

- PyTorch's CPU functions (`conv2d`, `max_pool2d`, `avg_pool2d`,
  `conv_transpose2d`, `batch_norm`, `group_norm`) with autograd, when torch is
  importable. torch is only a yardstick: the kit never needs it, and without
  it every row still runs and says "no torch";
- the naive layers of `cs231n.layers` where there is one (a student release
  raises NotImplementedError there: no naive figure then). They loop over
  output positions only, each step vectorised over the batch and the channels,
  so they are much faster than CS231n's loop over every output element, for
  which the aim "hundreds of times faster than naive" was set.

A layer and its baseline take turns in the same process on the same arrays
(see `medians_ms`), so their ratio means something on a busy machine even when
the absolute times do not. Before anything is timed, the layer's output and
gradients must equal torch's (and the naive layer's) to a tolerance that suits
the dtype, in the input's dtype: a ratio between two different computations
would mean nothing.

Threads. By default everything runs in a child process where numpy's BLAS and
torch use one thread each (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and
MKL_NUM_THREADS set to 1, and torch.set_num_threads(1)). On a shared machine,
a kernel split over threads waits for its slowest thread whenever another
program holds a core, and its time swings tenfold from run to run; one thread
each compares the work per core and stays steady. Mind that numpy's
element-wise operations (pooling, normalisation) use one thread anyway, while
torch would use every core of an idle machine. CONVKIT_BENCH_THREADS=all (or
`run(threads="all")`) measures in this process with each library's default
threads instead.

The aims: a fast convolution at least as fast as torch in float64, within
1.5x of it in float32, and hundreds of times faster than the naive layer;
every other layer within 1.5x of torch.

Run it with `python -m benchmarks.bench_layers`; `run()` returns the rows
(figure, measured, comparison) for a caller that prints several benchmarks.
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The package lives in assignment/ (pytest adds it through pyproject.toml; here we do it).
_ROOT = Path(__file__).resolve().parent.parent
_ASSIGNMENT = str(_ROOT / "assignment")
if _ASSIGNMENT not in sys.path:
    sys.path.insert(0, _ASSIGNMENT)

from cs231n import fast_layers, layers  # noqa: E402

try:
    import torch
    import torch.nn.functional as torch_f
except ImportError:
    torch = None

THREADS_ENV = "CONVKIT_BENCH_THREADS"
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# Largest difference allowed with a baseline, relative to the baseline's largest magnitude.
TOLERANCE = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-4}
# Aims, as the largest ratio (our time / torch's time) that meets them.
CONV_AIM = {np.dtype(np.float64): 1.0, np.dtype(np.float32): 1.5}
OTHER_AIM = 1.5
# A fast convolution should be hundreds of times faster than the naive one.
CONV_NAIVE_AIM = 100


class Disagreement(AssertionError):
    """A layer and its baseline computed different things, so their timings cannot be compared."""


@dataclass
class Bench:
    """One figure: a layer's forward + backward pass and what it is compared with.

    Each step is a function of no arguments returning (out, grads), with grads
    a tuple in the order of the forward pass's array arguments; the arrays are
    made once, outside the timing.
    """

    figure: str
    dtype: np.dtype
    ours: object
    reference: object = None  # torch's step, or None without torch
    naive: object = None  # the naive layer's step, or None where there is none
    aim: float = OTHER_AIM  # largest ratio ours / torch that meets the aim
    naive_aim: float = None  # smallest speed-up over the naive layer that meets the aim


# ---------------------------------------------------------------------------
# Timing and agreement
# ---------------------------------------------------------------------------


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


def assert_agree(ours, reference, dtype, what):
    """Raise Disagreement unless `ours` and `reference` hold the same arrays.

    Inputs:
    - ours: (out, grads) from one of our steps
    - reference: (out, grads) from a baseline
    - dtype: the dtype of the inputs; ours must keep it, and it sets the tolerance
    - what: names the figure in the message

    Each of our arrays must have the reference's shape and the input's dtype,
    and differ from it by at most TOLERANCE[dtype] times the reference's
    largest magnitude (or 1, if that is smaller).
    """
    dtype = np.dtype(dtype)
    (out, grads), (ref_out, ref_grads) = ours, reference
    if len(grads) != len(ref_grads):
        raise Disagreement(f"{what}: {len(grads)} gradients, the baseline has {len(ref_grads)}")
    names = ["out"] + [f"gradient {k + 1}" for k in range(len(grads))]
    for name, a, ref in zip(names, (out, *grads), (ref_out, *ref_grads), strict=True):
        a, ref = np.asarray(a), np.asarray(ref, dtype=np.float64)
        if a.shape != ref.shape:
            raise Disagreement(f"{what}: {name} has shape {a.shape}, the baseline {ref.shape}")
        if a.dtype != dtype:
            raise Disagreement(f"{what}: {name} has dtype {a.dtype}, the input {dtype}")
        allowed = TOLERANCE[dtype] * max(1.0, float(np.max(np.abs(ref), initial=0.0)))
        error = float(np.max(np.abs(a - ref), initial=0.0))
        if not error <= allowed:  # also catches NaN
            raise Disagreement(
                f"{what}: {name} differs from the baseline by {error:.3g} (allowed {allowed:.3g})"
            )


# ---------------------------------------------------------------------------
# Steps: one forward + backward pass, as a function of no arguments
# ---------------------------------------------------------------------------


def layer_step(forward, backward, arrays, params, dout):
    """Our layer: forward(*arrays, *params), then backward(dout, cache)."""

    def step():
        out, cache = forward(*arrays, *params)
        grads = backward(dout, cache)
        return out, grads if isinstance(grads, tuple) else (grads,)

    return step


def torch_step(function, arrays, dout):
    """torch's layer with autograd: function(*tensors).backward(dout), or None without torch.

    The tensors share memory with `arrays` and are made once, outside the timing.
    """
    if torch is None:
        return None
    tensors = [torch.from_numpy(a).requires_grad_() for a in arrays]
    dout_t = torch.from_numpy(dout)

    def step():
        for t in tensors:
            t.grad = None
        out = function(*tensors)
        out.backward(dout_t)
        return out.detach().numpy(), tuple(t.grad.numpy() for t in tensors)

    return step


def naive_step(forward_name, backward_name, arrays, params, dout):
    """The naive layer of cs231n.layers (in a student release it raises NotImplementedError)."""
    forward, backward = getattr(layers, forward_name), getattr(layers, backward_name)
    return layer_step(forward, backward, arrays, params, dout)


def _random(shape, dtype, rng):
    return rng.standard_normal(shape).astype(dtype)


def _dout(forward, arrays, params, rng):
    out, _ = forward(*arrays, *params)
    return _random(out.shape, out.dtype, rng)


def _dims(shape):
    return "x".join(str(n) for n in shape)


# ---------------------------------------------------------------------------
# The layers
# ---------------------------------------------------------------------------


def conv_bench(x_shape, w_shape, stride, pad, dtype):
    """conv_forward_fast / conv_backward_fast against torch's conv2d and the naive layer."""
    rng = np.random.default_rng(0)
    arrays = (_random(x_shape, dtype, rng), _random(w_shape, dtype, rng))
    arrays += (_random(w_shape[:1], dtype, rng),)
    params = ({"stride": stride, "pad": pad},)
    forward, backward = fast_layers.conv_forward_fast, fast_layers.conv_backward_fast
    dout = _dout(forward, arrays, params, rng)

    def reference(x, w, b):
        return torch_f.conv2d(x, w, b, stride=stride, padding=pad)

    return Bench(
        figure=f"conv, x {_dims(x_shape)}, w {_dims(w_shape)}, stride {stride}, pad {pad}",
        dtype=np.dtype(dtype),
        ours=layer_step(forward, backward, arrays, params, dout),
        reference=torch_step(reference, arrays, dout),
        naive=naive_step("conv_forward_naive", "conv_backward_naive", arrays, params, dout),
        aim=CONV_AIM[np.dtype(dtype)],
        naive_aim=CONV_NAIVE_AIM,
    )


def pool_bench(kind, x_shape, size, stride, dtype, pad=0):
    """{max,avg}_pool_{forward,backward}_fast against torch's {max,avg}_pool2d and naive.

    pad: an int, as torch's `padding` (average pooling divides by the entries of x
    under each window: count_include_pad=False in torch).
    """
    rng = np.random.default_rng(0)
    arrays = (_random(x_shape, dtype, rng),)
    params = ({"pool_height": size, "pool_width": size, "stride": stride, "pad": pad},)
    forward = getattr(fast_layers, f"{kind}_pool_forward_fast")
    backward = getattr(fast_layers, f"{kind}_pool_backward_fast")
    dout = _dout(forward, arrays, params, rng)

    def reference(x):
        if kind == "max":
            return torch_f.max_pool2d(x, size, stride, padding=pad)
        return torch_f.avg_pool2d(x, size, stride, padding=pad, count_include_pad=False)

    return Bench(
        figure=f"{kind} pool, x {_dims(x_shape)}, {size}x{size} stride {stride}"
        + (f", pad {pad}" if pad else ""),
        dtype=np.dtype(dtype),
        ours=layer_step(forward, backward, arrays, params, dout),
        reference=torch_step(reference, arrays, dout),
        naive=naive_step(
            f"{kind}_pool_forward_naive", f"{kind}_pool_backward_naive", arrays, params, dout
        ),
    )


def padded_pool_bench(kind, x_shape, size, stride, pad, dtype):
    """pool_bench with padding (the padded copy and the window counts on the clock)."""
    return pool_bench(kind, x_shape, size, stride, dtype, pad=pad)


def conv_transpose_bench(x_shape, w_shape, stride, pad, dtype):
    """conv_transpose_*_fast against torch's conv_transpose2d and the naive layer.

    torch's weight layout for conv_transpose2d, (in_channels, out_channels, kH,
    kW), is ours, (F, C, HH, WW), and its `padding` is the padding of the
    convolution transposed, as is our int pad.
    """
    rng = np.random.default_rng(0)
    arrays = (_random(x_shape, dtype, rng), _random(w_shape, dtype, rng))
    arrays += (_random(w_shape[1:2], dtype, rng),)
    params = ({"stride": stride, "pad": pad},)
    forward = fast_layers.conv_transpose_forward_fast
    backward = fast_layers.conv_transpose_backward_fast
    dout = _dout(forward, arrays, params, rng)

    def reference(x, w, b):
        return torch_f.conv_transpose2d(x, w, b, stride=stride, padding=pad)

    return Bench(
        figure=f"transposed conv, x {_dims(x_shape)}, w {_dims(w_shape)}, "
        f"stride {stride}, pad {pad}",
        dtype=np.dtype(dtype),
        ours=layer_step(forward, backward, arrays, params, dout),
        reference=torch_step(reference, arrays, dout),
        naive=naive_step(
            "conv_transpose_forward_naive", "conv_transpose_backward_naive", arrays, params, dout
        ),
    )


def spatial_batchnorm_bench(x_shape, dtype):
    """spatial_batchnorm_{forward,backward} in train mode against torch's batch_norm.

    Only the output and the gradients are compared: torch's running variance is
    the unbiased one and its momentum means 1 - ours, but both sides update
    their running averages on every call. There is no naive layer.
    """
    rng = np.random.default_rng(0)
    C = x_shape[1]
    arrays = (_random(x_shape, dtype, rng), _random(C, dtype, rng), _random(C, dtype, rng))
    params = ({"mode": "train"},)
    forward, backward = layers.spatial_batchnorm_forward, layers.spatial_batchnorm_backward
    dout = _dout(forward, arrays, params, rng)

    def reference(x, gamma, beta):
        running = (torch.zeros(C, dtype=x.dtype), torch.zeros(C, dtype=x.dtype))
        return torch_f.batch_norm(x, *running, gamma, beta, training=True, eps=1e-5)

    return Bench(
        figure=f"spatial batch norm (train), x {_dims(x_shape)}",
        dtype=np.dtype(dtype),
        ours=layer_step(forward, backward, arrays, params, dout),
        reference=torch_step(reference, arrays, dout),
    )


def spatial_groupnorm_bench(x_shape, G, dtype):
    """spatial_groupnorm_{forward,backward} against torch's group_norm. There is no naive layer.

    torch's weight and bias have shape (C,); ours, (1, C, 1, 1), are viewed flat.
    """
    rng = np.random.default_rng(0)
    C = x_shape[1]
    arrays = (_random(x_shape, dtype, rng),)
    arrays += (_random((1, C, 1, 1), dtype, rng), _random((1, C, 1, 1), dtype, rng))
    params = (G, {"eps": 1e-5})
    forward, backward = layers.spatial_groupnorm_forward, layers.spatial_groupnorm_backward
    dout = _dout(forward, arrays, params, rng)

    def reference(x, gamma, beta):
        return torch_f.group_norm(x, G, gamma.view(-1), beta.view(-1), eps=1e-5)

    return Bench(
        figure=f"spatial group norm, x {_dims(x_shape)}, G {G}",
        dtype=np.dtype(dtype),
        ours=layer_step(forward, backward, arrays, params, dout),
        reference=torch_step(reference, arrays, dout),
    )


# A figure is named by (builder, arguments): plain data, so a child process can rebuild it.
BUILDERS = {
    f.__name__: f
    for f in (
        conv_bench,
        pool_bench,
        padded_pool_bench,
        conv_transpose_bench,
        spatial_batchnorm_bench,
        spatial_groupnorm_bench,
    )
}

# CS231n's two timed convolutions (its notebook's shape, and the three-layer
# convnet's first layer), the convnet's pooling layer (windows that tile the
# input) and a padded, overlapping one (ResNet's first: 3x3, stride 2, pad 1),
# a decoder-like transposed convolution (16 channels of 32x32 from 32 of
# 16x16), and the normalisations on the activations of the convnet's first layer.
CONV_SHAPES = [
    ((100, 3, 31, 31), (25, 3, 3, 3), 2, 1),
    ((50, 3, 32, 32), (32, 3, 7, 7), 1, 3),
]
POOL_SHAPE = ((50, 32, 32, 32), 2, 2)
PADDED_POOL_SHAPE = ((50, 32, 32, 32), 3, 2)
PADDED_POOL_PAD = 1
CONV_TRANSPOSE_SHAPE = ((50, 32, 16, 16), (32, 16, 4, 4), 2, 1)
NORM_SHAPE = (50, 32, 32, 32)
GROUPS = 4


def default_benches():
    """Every figure of `make bench`, as (builder name, arguments) pairs."""
    benches = []
    for dtype in ("float64", "float32"):
        benches += [("conv_bench", (*shape, dtype)) for shape in CONV_SHAPES]
        benches += [("pool_bench", (kind, *POOL_SHAPE, dtype)) for kind in ("max", "avg")]
        benches += [
            ("padded_pool_bench", (kind, *PADDED_POOL_SHAPE, PADDED_POOL_PAD, dtype))
            for kind in ("max", "avg")
        ]
        benches.append(("conv_transpose_bench", (*CONV_TRANSPOSE_SHAPE, dtype)))
        benches.append(("spatial_batchnorm_bench", (NORM_SHAPE, dtype)))
        benches.append(("spatial_groupnorm_bench", (NORM_SHAPE, GROUPS, dtype)))
    return benches


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def torch_verdict(ours_ms, torch_ms, aim):
    """'torch 10.0 ms, ratio 0.80 (aim <= 1.5): ok by 1.88x, 1.25x faster than torch'."""
    ratio = ours_ms / torch_ms
    pace = f"{1 / ratio:.2f}x faster than torch" if ratio <= 1 else f"{ratio:.2f}x torch's time"
    verdict = f"ok by {aim / ratio:.2f}x, {pace}" if ratio <= aim else f"MISSED, {pace}"
    return f"torch {torch_ms:.1f} ms, ratio {ratio:.2f} (aim <= {aim:g}): {verdict}"


def naive_verdict(ours_ms, naive_ms, aim=None):
    """'naive 250 ms, 3.1x faster than naive' and, given an aim, whether it is met."""
    speedup = naive_ms / ours_ms
    if speedup >= 1:
        text = f"naive {naive_ms:.1f} ms, {speedup:.1f}x faster than naive"
    else:
        text = f"naive {naive_ms:.1f} ms, {1 / speedup:.1f}x slower than naive"
    if aim is not None:
        verdict = f"ok by {speedup / aim:.1f}x" if speedup >= aim else "MISSED"
        text += f" (aim >= {aim:g}x: {verdict})"
    return text


def measure(bench, repeats, naive_repeats):
    """Check bench's layer against its baselines, then time them; return one row.

    Raises Disagreement when the layer's output or gradients differ from
    torch's or the naive layer's. The row is (figure, measured, comparison).
    """
    result = bench.ours()
    comparisons = []
    if bench.reference is None:
        ours_ms = median_ms(bench.ours, repeats)
        comparisons.append("no torch")
    else:
        assert_agree(result, bench.reference(), bench.dtype, f"{bench.figure} against torch")
        ours_ms, torch_ms = medians_ms([bench.ours, bench.reference], repeats)
        comparisons.append(torch_verdict(ours_ms, torch_ms, bench.aim))
    if bench.naive is not None:
        try:
            naive_result = bench.naive()
        except NotImplementedError:
            comparisons.append("naive layer not implemented")
        else:
            assert_agree(result, naive_result, bench.dtype, f"{bench.figure} against naive")
            paired_ms, naive_ms = medians_ms([bench.ours, bench.naive], naive_repeats)
            comparisons.append(naive_verdict(paired_ms, naive_ms, bench.naive_aim))
    figure = f"{bench.figure}, {bench.dtype.name}, fwd+bwd"
    return figure, f"{ours_ms:.1f} ms", "; ".join(comparisons)


def setup_row(threads):
    """The row that says what the other rows were measured with."""
    if threads == "one":
        measured = "1 thread each"
        how = "in a child process with " + ", ".join(f"{k}=1" for k in ONE_THREAD)
    else:
        measured = "default threads"
        how = "in this process, numpy's BLAS and torch with their default thread counts"
    version = (
        f"torch {torch.__version__}, threads: {torch.get_num_threads()}" if torch else "no torch"
    )
    return "setup", measured, f"{how}; {version}"


def run(repeats=25, naive_repeats=5, benches=None, threads=None):
    """Check and time every figure; return rows (figure, measured, comparison).

    - repeats: timed runs of the layer and torch, in turns, per figure
    - naive_repeats: timed runs of the layer and the naive layer, in turns
    - benches: (builder name, arguments) pairs, default default_benches()
    - threads: "one" (one thread each, in a child process) or "all" (each
      library's defaults, in this process); default $CONVKIT_BENCH_THREADS, else "one"

    The first row describes the setup.
    """
    benches = default_benches() if benches is None else [tuple(b) for b in benches]
    threads = threads or os.environ.get(THREADS_ENV) or "one"
    if threads not in ("one", "all"):
        raise ValueError(f"threads must be 'one' or 'all', got {threads!r}")
    if threads == "one" and not _is_one_thread_child():
        return _run_in_child(repeats, naive_repeats, benches)
    if threads == "one" and torch is not None:
        torch.set_num_threads(1)
    rows = [setup_row(threads)]
    for name, args in benches:
        rows.append(measure(BUILDERS[name](*args), repeats, naive_repeats))
    return rows


def _is_one_thread_child():
    return all(os.environ.get(k) == v for k, v in ONE_THREAD.items())


def _run_in_child(repeats, naive_repeats, benches):
    """run() in a fresh process whose numpy and torch use one thread; its rows, or its error."""
    request = json.dumps([repeats, naive_repeats, benches])
    env = dict(os.environ, **ONE_THREAD)
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_layers", "--child", request],
        cwd=_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = child.stdout.strip().splitlines()
    answer = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    if "disagreement" in answer:
        raise Disagreement(answer["disagreement"])
    if child.returncode != 0 or "rows" not in answer:
        raise RuntimeError(f"the benchmark's child process failed:\n{child.stderr[-3000:]}")
    return [tuple(row) for row in answer["rows"]]


def _child(request):
    """The child's side of _run_in_child: prints {"rows": ...} or {"disagreement": ...}."""
    repeats, naive_repeats, benches = json.loads(request)
    try:
        rows = run(repeats, naive_repeats, benches, threads="one")
    except Disagreement as error:
        print(json.dumps({"disagreement": str(error)}))
        return 1
    print(json.dumps({"rows": rows}))
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(argv[1])
    for figure, measured, comparison in run():
        print(f"{figure:<80} {measured:>15}   {comparison}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
