"""Tests of benchmarks/bench_train.py: the epoch benchmark, run in its quick mode.

Nothing here looks at a time. The rows must be well formed, the benchmark must run
without torch, and the check that the kit's model and the PyTorch model compute the
same thing must reject a model that does not.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import bench_train

needs_torch = pytest.mark.skipif(bench_train.torch is None, reason="torch is not installed")


def small_data(num_train=100, num_val=25, seed=0):
    """Random CIFAR-shaped data, float32, scaled like mean-subtracted CIFAR-10."""
    rng = np.random.default_rng(seed)
    return {
        "X_train": (50 * rng.standard_normal((num_train, 3, 32, 32))).astype(np.float32),
        "y_train": rng.integers(0, 10, num_train),
        "X_val": (50 * rng.standard_normal((num_val, 3, 32, 32))).astype(np.float32),
        "y_val": rng.integers(0, 10, num_val),
    }


def check_rows(rows):
    """Each row: three non-empty strings that fit in a Markdown table cell."""
    assert rows
    for row in rows:
        assert isinstance(row, tuple)
        assert len(row) == 3
        for cell in row:
            assert isinstance(cell, str)
            assert cell.strip()
            assert "|" not in cell
            assert "\n" not in cell


@pytest.fixture(scope="module")
def quick_rows():
    return bench_train.run(quick=True)


def test_quick_run_gives_every_figure(quick_rows):
    """Does a quick run give well-formed rows for the epoch, the steps and the memory, the
    memory's verdict following its peak?"""
    check_rows(quick_rows)
    figures = {figure: (measured, comparison) for figure, measured, comparison in quick_rows}
    epoch = next(f for f in figures if f.startswith("one epoch of ThreeLayerConvNet"))
    assert "2 iterations of 50" in epoch
    assert re.fullmatch(r"\d+\.\d s", figures[epoch][0])
    for dtype in ("float32", "float64"):
        (memory,) = [f for f in figures if f.startswith("peak RSS") and dtype in f]
        measured, comparison = figures[memory]
        assert re.fullmatch(r"\d+\.\d\d GB", measured)
        peak = float(measured.split()[0])
        assert peak > 0
        # The verdict follows the peak: met with what is to spare, or missed by how much.
        verdict = re.match(r"aim < [\d.]+ GB (met|missed) \((?:by )?(\d+\.\d\d) GB", comparison)
        assert verdict, comparison
        margin = bench_train.MEMORY_AIM_GB - peak
        assert verdict[1] == ("met" if margin > 0 else "missed")
        assert float(verdict[2]) == pytest.approx(abs(margin), abs=0.011)


@needs_torch
def test_quick_run_compares_with_torch(quick_rows):
    """With torch, does the epoch row give a ratio with the aim, and the steps ours / torch's?"""
    epoch, torch_epoch, steps = quick_rows[:3]
    assert re.search(r"PyTorch \d+\.\d s: \d+\.\d\dx, aim <= 1\.5x (met|missed)", epoch[2])
    assert "threads = numpy's BLAS" in torch_epoch[0]
    assert re.fullmatch(r"\d+\.\d s", torch_epoch[1])
    assert re.fullmatch(r"\d+\.\d / \d+\.\d ms", steps[1])
    assert re.match(r"\d+\.\d\dx, aim <= 1\.5x (met|missed)", steps[2])


def test_runs_without_torch():
    """Where torch cannot be imported, does a quick run still give every figure, saying so?"""
    # A fresh interpreter in which `import torch` fails, as on a machine without it.
    script = (
        "import json, sys\n"
        "sys.modules['torch'] = None\n"
        "from benchmarks import bench_train\n"
        "assert bench_train.torch is None and bench_train.TorchConvNet is None\n"
        "print(json.dumps(bench_train.run(quick=True)))\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    rows = [tuple(row) for row in json.loads(out.strip().splitlines()[-1])]
    check_rows(rows)
    timing = [row for row in rows if not row[0].startswith("peak RSS")]
    assert len(timing) == 2
    assert all("no torch" in comparison for _, _, comparison in timing)
    assert sum(row[0].startswith("peak RSS") for row in rows) == 2


def test_quick_mode_follows_the_environment(monkeypatch):
    """Does CONVKIT_BENCH_QUICK=1 choose the quick run, and 0 or nothing the full one?"""
    monkeypatch.setenv(bench_train.QUICK_ENV, "1")
    assert bench_train.is_quick()
    assert not bench_train.is_quick(False)
    monkeypatch.setenv(bench_train.QUICK_ENV, "0")
    assert not bench_train.is_quick()
    assert bench_train.is_quick(True)
    monkeypatch.delenv(bench_train.QUICK_ENV)
    assert not bench_train.is_quick()


def test_full_run_is_cs231n_epoch():
    """Is the full run 980 iterations of 50 images, with CS231n's settings?"""
    split = bench_train.FULL["split"]
    assert split["num_training"] // bench_train.BATCH_SIZE == 980
    assert bench_train.MODEL_SETTINGS == {"weight_scale": 1e-3, "hidden_dim": 500, "reg": 1e-3}
    assert bench_train.adam_defaults() == (0.9, 0.999, 1e-8)


# ---------------------------------------------------------------------------
# The same-computation check


@pytest.fixture
def first_batch():
    data = small_data(num_train=50)
    return data["X_train"], data["y_train"]


@needs_torch
def test_same_model_passes(first_batch):
    """Do the kit's model and TorchConvNet, built from it, give the same losses?"""
    model = bench_train.make_kit_model()
    net = bench_train.TorchConvNet(model)
    before = {k: v.copy() for k, v in model.params.items()}
    difference = bench_train.check_same_computation(model, net, *first_batch)
    assert difference <= bench_train.SAME_RTOL
    # The check works on copies.
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, before[k])
    assert net.same_weights_as(model.params)


@needs_torch
def test_other_reg_convention_is_rejected(first_batch):
    """Is a PyTorch model that regularises with reg * sum(W^2), without the 0.5, rejected?"""
    torch = bench_train.torch

    class NoHalf(bench_train.TorchConvNet):
        def loss(self, x, y):
            data_loss = torch.nn.functional.cross_entropy(self(x), y)
            weights = (self.conv.weight, self.hidden.weight, self.out.weight)
            return data_loss + self.reg * sum((w * w).sum() for w in weights)

    model = bench_train.make_kit_model()
    with pytest.raises(bench_train.MismatchError, match="on the first batch"):
        bench_train.check_same_computation(model, NoHalf(model), *first_batch)


@needs_torch
def test_other_starting_weights_are_rejected(first_batch):
    """Is a PyTorch model that starts from other weights rejected?"""
    net = bench_train.TorchConvNet(bench_train.make_kit_model(seed=1))
    with pytest.raises(bench_train.MismatchError, match="kit's weights"):
        bench_train.check_same_computation(bench_train.make_kit_model(seed=2), net, *first_batch)


@needs_torch
def test_other_optimizer_is_rejected(first_batch, monkeypatch):
    """Is a PyTorch optimizer with another learning rate caught after the first step?"""
    torch = bench_train.torch

    def faster_adam(net):
        return torch.optim.Adam(net.parameters(), lr=2 * bench_train.LEARNING_RATE)

    monkeypatch.setattr(bench_train, "make_torch_optimizer", faster_adam)
    model = bench_train.make_kit_model()
    with pytest.raises(bench_train.MismatchError, match="after 1 Adam step"):
        bench_train.check_same_computation(model, bench_train.TorchConvNet(model), *first_batch)
