"""Tests of benchmarks/bench_layers.py: the layer benchmark, run on tiny shapes.

Nothing here looks at a time. The rows must be well formed, the benchmark must run
without torch, and the agreement checks that guard every ratio must reject a layer
that computes something else than its baseline.
"""

import numpy as np
import pytest

from benchmarks import bench_layers
from benchmarks.bench_layers import Disagreement, assert_agree

needs_torch = pytest.mark.skipif(bench_layers.torch is None, reason="torch is not installed")

# Every builder, on shapes small enough for one repeat to take milliseconds.
TINY = [
    ("conv_bench", ((2, 3, 5, 5), (4, 3, 3, 3), 1, 1)),
    ("conv_bench", ((2, 2, 7, 7), (3, 2, 3, 3), 2, 1)),
    ("pool_bench", ("max", (2, 3, 4, 4), 2, 2)),
    ("pool_bench", ("avg", (2, 3, 4, 4), 2, 2)),
    ("padded_pool_bench", ("max", (2, 3, 5, 4), 3, 2, 1)),
    ("padded_pool_bench", ("avg", (2, 3, 5, 4), 3, 2, 1)),
    ("conv_transpose_bench", ((2, 4, 3, 3), (4, 3, 4, 4), 2, 1)),
    ("spatial_batchnorm_bench", ((2, 4, 3, 3),)),
    ("spatial_groupnorm_bench", ((2, 4, 3, 3), 2)),
]
WITH_NAIVE = {"conv_bench", "pool_bench", "padded_pool_bench", "conv_transpose_bench"}


def tiny_benches(dtypes=("float64", "float32")):
    return [(name, (*args, dtype)) for dtype in dtypes for name, args in TINY]


def build(name, args):
    return bench_layers.BUILDERS[name](*args)


def check_rows(rows, benches, has_torch):
    """One setup row, then one row per bench: three non-empty strings fit for a Markdown cell."""
    assert len(rows) == 1 + len(benches)
    for row in rows:
        assert len(row) == 3
        for cell in row:
            assert isinstance(cell, str)
            assert cell.strip()
            assert "|" not in cell
            assert "\n" not in cell
    assert rows[0][0] == "setup"
    for (name, args), (figure, measured, comparison) in zip(benches, rows[1:], strict=True):
        assert figure.endswith(f"{args[-1]}, fwd+bwd")
        assert measured.endswith(" ms")
        float(measured.removesuffix(" ms"))
        if has_torch:
            assert comparison.startswith("torch ")
            assert "ratio" in comparison
            assert "(aim <= " in comparison
        else:
            assert comparison.startswith("no torch")
        if name in WITH_NAIVE:
            assert "than naive" in comparison


def test_rows_are_well_formed_on_tiny_shapes():
    """Does every figure, in both dtypes, give a well-formed row after its agreement checks?"""
    benches = tiny_benches()
    rows = bench_layers.run(repeats=1, naive_repeats=1, benches=benches, threads="all")
    check_rows(rows, benches, has_torch=bench_layers.torch is not None)
    assert rows[0][1] == "default threads"


def test_runs_without_torch(monkeypatch):
    """Without torch, does every figure still run and say "no torch"?"""
    monkeypatch.setattr(bench_layers, "torch", None)
    benches = tiny_benches(dtypes=("float32",))
    rows = bench_layers.run(repeats=1, naive_repeats=1, benches=benches, threads="all")
    check_rows(rows, benches, has_torch=False)
    assert rows[0][2].endswith("no torch")


def test_one_thread_runs_in_a_child_process(monkeypatch):
    """Does the default mode measure in a one-thread child process and bring its rows back?"""
    for name in bench_layers.ONE_THREAD:  # this process is not one already
        monkeypatch.delenv(name, raising=False)

    def not_here(*args, **kwargs):
        raise AssertionError("measured in the calling process")

    # Only this process sees the patch: rows can come back from the child alone.
    monkeypatch.setattr(bench_layers, "measure", not_here)
    benches = [("conv_bench", ((2, 3, 5, 5), (4, 3, 3, 3), 1, 1, "float32"))]
    rows = bench_layers.run(repeats=1, naive_repeats=1, benches=benches, threads="one")
    check_rows(rows, benches, has_torch=bench_layers.torch is not None)
    assert rows[0][1] == "1 thread each"
    if bench_layers.torch is not None:
        assert rows[0][2].endswith("threads: 1")  # what torch said in the child


def test_an_unknown_thread_mode_is_refused():
    """Is a threads value other than 'one' or 'all' refused before anything runs?"""
    with pytest.raises(ValueError, match="threads"):
        bench_layers.run(benches=[], threads="two")


# ---------------------------------------------------------------------------
# The agreement checks
# ---------------------------------------------------------------------------


def pair(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    out = rng.standard_normal((2, 3, 4, 4)).astype(dtype)
    grads = (rng.standard_normal((2, 3, 5, 5)).astype(dtype), rng.standard_normal(3).astype(dtype))
    return out, grads


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_assert_agree_accepts_rounding_differences(dtype):
    """Are results that differ only in the last bits accepted in either dtype?"""
    out, grads = pair(dtype)
    reference = (out.astype(np.float64) * (1 + 1e-12), tuple(g.astype(np.float64) for g in grads))
    assert_agree((out, grads), reference, dtype, "rounding")


@pytest.mark.parametrize(
    "damage",
    ["value in out", "value in a gradient", "NaN", "shape", "dtype", "a gradient missing"],
)
def test_assert_agree_rejects_a_different_result(damage):
    """Is each kind of difference (values, NaN, shape, dtype, count) raised as a Disagreement?"""
    out, grads = pair(np.float32)
    reference = (out.copy(), tuple(g.copy() for g in grads))
    if damage == "value in out":
        out = out + 1e-2
    elif damage == "value in a gradient":
        grads = (grads[0], 2 * grads[1])
    elif damage == "NaN":
        out = out.copy()
        out[0, 0, 0, 0] = np.nan
    elif damage == "shape":
        out = out.transpose(0, 1, 3, 2)[:, :, :3]
    elif damage == "dtype":
        out = out.astype(np.float64)  # a silent upcast is a difference too
    else:
        grads = grads[:1]
    with pytest.raises(Disagreement):
        assert_agree((out, grads), reference, np.float32, damage)


def wrong(step, how):
    """A step computing something else: its output shifted, or its first gradient doubled."""

    def wrong_step():
        out, grads = step()
        if how == "out":
            return out + np.ones_like(out), grads
        return out, (2 * grads[0], *grads[1:])

    return wrong_step


@pytest.mark.parametrize("how", ["out", "gradient"])
@pytest.mark.parametrize("name_args", [t for t in TINY if t[0] in WITH_NAIVE], ids=str)
def test_a_wrong_fast_layer_is_caught_by_the_naive_layer(name_args, how):
    """Does measure() refuse to time a layer whose output or gradient differs from naive's?"""
    name, args = name_args
    bench = build(name, (*args, "float64"))
    bench.reference = None  # the naive check alone, with or without torch
    bench.ours = wrong(bench.ours, how)
    with pytest.raises(Disagreement, match="against naive"):
        bench_layers.measure(bench, repeats=1, naive_repeats=1)


@needs_torch
@pytest.mark.parametrize("how", ["out", "gradient"])
@pytest.mark.parametrize("name_args", TINY, ids=str)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_wrong_layer_is_caught_by_torch(name_args, how, dtype):
    """Does measure() refuse to time a layer whose output or gradient differs from torch's?"""
    name, args = name_args
    bench = build(name, (*args, dtype))
    bench.naive = None  # the torch check alone
    assert bench_layers.measure(bench, repeats=1, naive_repeats=1)  # the right layer passes
    bench.ours = wrong(bench.ours, how)
    with pytest.raises(Disagreement, match="against torch"):
        bench_layers.measure(bench, repeats=1, naive_repeats=1)


@needs_torch
def test_a_layer_with_flipped_filters_is_caught_by_torch():
    """Is a true convolution (filters flipped) told apart from torch's cross-correlation?"""
    from cs231n.fast_layers import conv_backward_fast, conv_forward_fast

    def flipped_forward(x, w, b, conv_param):
        return conv_forward_fast(x, w[:, :, ::-1, ::-1].copy(), b, conv_param)

    rng = np.random.default_rng(1)
    arrays = (rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3)))
    arrays += (rng.standard_normal(4),)
    dout = rng.standard_normal((2, 4, 5, 5))
    params = ({"stride": 1, "pad": 1},)
    bench = bench_layers.Bench(
        figure="flipped conv",
        dtype=np.dtype(np.float64),
        ours=bench_layers.layer_step(flipped_forward, conv_backward_fast, arrays, params, dout),
        reference=bench_layers.torch_step(
            lambda x, w, b: bench_layers.torch_f.conv2d(x, w, b, padding=1), arrays, dout
        ),
    )
    with pytest.raises(Disagreement, match="against torch"):
        bench_layers.measure(bench, repeats=1, naive_repeats=1)


# ---------------------------------------------------------------------------
# Verdicts (formatting only)
# ---------------------------------------------------------------------------


def test_verdicts_say_whether_and_by_how_much_an_aim_is_met():
    """Do the verdicts say 'ok by ...' or 'MISSED', and faster or slower, as the ratio says?"""
    assert "ok by 2.00x, 2.00x faster than torch" in bench_layers.torch_verdict(10, 20, 1.0)
    assert "ok by 1.25x, 1.20x torch's time" in bench_layers.torch_verdict(12, 10, 1.5)
    assert "MISSED, 2.00x torch's time" in bench_layers.torch_verdict(20, 10, 1.5)
    assert bench_layers.naive_verdict(10, 30) == "naive 30.0 ms, 3.0x faster than naive"
    assert "2.0x slower than naive (aim >= 100x: MISSED)" in bench_layers.naive_verdict(20, 10, 100)
    assert "(aim >= 100x: ok by 2.0x)" in bench_layers.naive_verdict(1, 200, 100)
