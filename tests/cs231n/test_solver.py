"""Tests of cs231n/solver.py with tiny models defined here.

Oracles: a softmax classifier on separable data (it must learn), a scripted
model whose validation accuracy is known in advance at every check, models
that record what they are given, and replays of np.random with the same seed.
"""

import pickle
import re

import numpy as np
import pytest

from cs231n import optim
from cs231n import solver as solver_module
from cs231n.solver import PROGRESS_MIN_ITERATIONS, PROGRESS_UPDATES, Solver

pytestmark = pytest.mark.solver

CHECKPOINT_KEYS = {
    "model",
    "update_rule",
    "lr_decay",
    "optim_config",
    "batch_size",
    "num_train_samples",
    "num_val_samples",
    "epoch",
    "loss_history",
    "train_acc_history",
    "val_acc_history",
}


# The Solver draws from numpy's global generator (CS231n's convention, so that
# np.random.seed in a notebook fixes a run); these replay its draws.


def seed_global_rng(seed):
    np.random.seed(seed)  # noqa: NPY002


def global_choice(n, size):
    return np.random.choice(n, size)  # noqa: NPY002


def global_state():
    return np.random.get_state()  # noqa: NPY002


class SoftmaxModel:
    """A linear softmax classifier with the Solver's model API (params W, b)."""

    def __init__(self, D, C, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {"W": 1e-3 * rng.standard_normal((D, C)), "b": np.zeros(C)}

    def loss(self, X, y=None):
        X = X.reshape(X.shape[0], -1)
        scores = X @ self.params["W"] + self.params["b"]
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        N = X.shape[0]
        loss = -np.mean(np.log(probs[np.arange(N), y]))
        dscores = probs
        dscores[np.arange(N), y] -= 1
        dscores /= N
        return loss, {"W": X.T @ dscores, "b": dscores.sum(axis=0)}


class ScriptedModel:
    """One parameter w that grows by exactly lr per step (its gradient is always -1).

    It predicts class 1 for an input x < w and class 0 otherwise; the loss is
    w itself. On the data of `scripted_data`, the validation accuracy is then
    known for every w, and peaks at w = 6.
    """

    def __init__(self):
        self.params = {"w": np.array([0.0])}

    def loss(self, X, y=None):
        w = self.params["w"][0]
        if y is None:
            scores = np.zeros((X.shape[0], 2))
            scores[:, 1] = (X[:, 0] < w) * 2.0 - 1.0
            return scores
        return w, {"w": np.array([-1.0])}


def scripted_data(num_train=4):
    """Validation x = 0..9, labelled 1 for x <= 5.

    The val accuracy at integer w is then (w + 4) / 10 up to w = 6, (16 - w) / 10 after.
    """
    x_val = np.arange(10.0).reshape(10, 1)
    return {
        "X_train": np.zeros((num_train, 1)),
        "y_train": np.zeros(num_train, dtype=int),
        "X_val": x_val,
        "y_val": (x_val[:, 0] <= 5).astype(int),
    }


def scripted_val_acc(w):
    """The validation accuracy of ScriptedModel at w, worked out by hand for integer w."""
    return (w + 4) / 10 if w <= 6 else (16 - w) / 10


def blobs(num_per_class, seed):
    """Three well-separated Gaussian blobs in 2-D."""
    rng = np.random.default_rng(seed)
    centers = np.array([[4.0, 0.0], [-4.0, 0.0], [0.0, 4.0]])
    X = np.concatenate([c + rng.standard_normal((num_per_class, 2)) for c in centers])
    y = np.repeat(np.arange(3), num_per_class)
    order = rng.permutation(len(y))
    return X[order], y[order]


@pytest.fixture
def blob_data():
    X_train, y_train = blobs(100, seed=0)
    X_val, y_val = blobs(20, seed=1)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


@pytest.fixture
def record_rule(monkeypatch):
    """Add to cs231n.optim a rule `record` that leaves w alone and logs every call."""
    calls = []

    def record(w, dw, config=None):
        config = dict(config or {})  # a NEW dict: the Solver must keep what is returned
        config.setdefault("learning_rate", 1.0)
        config["calls"] = config.get("calls", 0) + 1
        calls.append((w.shape, dw.copy(), config["learning_rate"]))
        return w, config

    monkeypatch.setattr(optim, "record", record, raising=False)
    return calls


# ---------------------------------------------------------------------------
# Construction


def test_defaults():
    """Does a Solver built with no options use CS231n's defaults?"""
    solver = Solver(ScriptedModel(), scripted_data())
    assert solver.update_rule is optim.sgd
    assert solver.optim_config == {}
    assert solver.lr_decay == 1.0
    assert solver.batch_size == 100
    assert solver.num_epochs == 10
    assert solver.num_train_samples == 1000
    assert solver.num_val_samples is None
    assert solver.checkpoint_name is None
    assert solver.print_every == 10
    assert solver.verbose is True
    assert solver.progress is None
    assert solver.epoch == 0
    assert solver.best_val_acc == 0
    assert solver.best_params == {}
    assert solver.loss_history == []
    assert solver.train_acc_history == []
    assert solver.val_acc_history == []


def test_optim_configs_are_deep_copies_per_parameter(blob_data):
    """Does every parameter get its own deep copy of optim_config, leaving the original alone?"""
    optim_config = {"learning_rate": 0.1, "nested": {"a": [1]}}
    solver = Solver(
        SoftmaxModel(2, 3),
        blob_data,
        update_rule="sgd_momentum",
        optim_config=optim_config,
        num_epochs=1,
        verbose=False,
    )
    configs = solver.optim_configs
    assert set(configs) == {"W", "b"}
    assert configs["W"] is not configs["b"]
    assert configs["W"]["nested"] is not optim_config["nested"]
    solver.train()
    # Each parameter's velocity has that parameter's shape; the caller's dict has no state.
    assert configs["W"]["velocity"].shape == (2, 3)
    assert solver.optim_configs["b"]["velocity"].shape == (3,)
    assert optim_config == {"learning_rate": 0.1, "nested": {"a": [1]}}


def test_unknown_keyword_is_named():
    """Is a misspelt keyword argument rejected with a ValueError naming it?"""
    with pytest.raises(ValueError, match='Unrecognized arguments "learning_rate", "epochs"'):
        Solver(ScriptedModel(), scripted_data(), learning_rate=1e-3, epochs=3)


@pytest.mark.parametrize("name", ["adamw", "np", "_check_args", "sgd "])
def test_unknown_update_rule(name):
    """Is a name that is not a public function of cs231n.optim a ValueError listing the rules?"""
    with pytest.raises(ValueError, match=r"Invalid update_rule .*adam, rmsprop, sgd, sgd_momentum"):
        Solver(ScriptedModel(), scripted_data(), update_rule=name)


def test_update_rule_must_be_a_name():
    """Is a function passed as update_rule a TypeError (the API takes its name)?"""
    with pytest.raises(TypeError, match="update_rule must be the name"):
        Solver(ScriptedModel(), scripted_data(), update_rule=optim.sgd)


@pytest.mark.parametrize("key", ["X_train", "y_train", "X_val", "y_val"])
def test_missing_data_key(key):
    """Is a data dict without one of the four keys a ValueError naming the key?"""
    data = scripted_data()
    del data[key]
    with pytest.raises(ValueError, match=f"missing the keys \\['{key}'\\]"):
        Solver(ScriptedModel(), data)


@pytest.mark.parametrize("split", ["train", "val"])
def test_length_mismatch(split):
    """Are inputs and labels of different lengths a ValueError naming both?"""
    data = scripted_data()
    data[f"y_{split}"] = data[f"y_{split}"][:-1]
    with pytest.raises(ValueError, match=f"data\\['X_{split}'\\].*data\\['y_{split}'\\]"):
        Solver(ScriptedModel(), data)


def test_extra_data_keys_are_ignored():
    """Can data carry other keys (X_test, y_test) as CS231n's get_CIFAR10_data returns?"""
    data = dict(scripted_data(), X_test=np.zeros((3, 1)), y_test=np.zeros(3, dtype=int))
    Solver(ScriptedModel(), data)


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [
        ("batch_size", 0, ValueError),
        ("num_epochs", 2.5, ValueError),
        ("print_every", -1, ValueError),
        ("num_train_samples", 0, ValueError),
        ("lr_decay", 0.0, ValueError),
        ("progress", "yes", ValueError),
        ("optim_config", [("learning_rate", 1)], TypeError),
        ("checkpoint_name", 3, TypeError),
    ],
)
def test_bad_option_values_are_named(option, value, error):
    """Is a bad option value an error naming the option?"""
    with pytest.raises(error, match=option):
        Solver(ScriptedModel(), scripted_data(), **{option: value})


# ---------------------------------------------------------------------------
# _step


def test_step_samples_with_np_random_choice(monkeypatch):
    """Does _step draw its minibatch with np.random.choice(num_train, batch_size)?"""
    data = {
        "X_train": np.arange(20.0).reshape(20, 1),
        "y_train": np.arange(20) % 3,
        "X_val": np.zeros((2, 1)),
        "y_val": np.zeros(2, dtype=int),
    }
    model = SoftmaxModel(1, 3)
    seen = []
    real_loss = model.loss

    def loss(X, y=None):
        seen.append((X.copy(), None if y is None else y.copy()))
        return real_loss(X, y)

    monkeypatch.setattr(model, "loss", loss)
    solver = Solver(model, data, batch_size=7)
    seed_global_rng(231)
    solver._step()
    seed_global_rng(231)
    mask = global_choice(20, 7)
    ((X_batch, y_batch),) = seen
    np.testing.assert_array_equal(X_batch, data["X_train"][mask])
    np.testing.assert_array_equal(y_batch, data["y_train"][mask])


def test_step_updates_every_parameter_and_keeps_the_returned_config(record_rule, blob_data):
    """Does _step call the rule once per parameter, with its gradient, and store the new config?"""
    solver = Solver(SoftmaxModel(2, 3), blob_data, update_rule="record", batch_size=10)
    solver._step()
    solver._step()
    assert sorted(shape for shape, _, _ in record_rule) == [(2, 3), (2, 3), (3,), (3,)]
    # The rule returned new dicts; the Solver must have kept them.
    assert solver.optim_configs["W"]["calls"] == 2
    assert solver.optim_configs["b"]["calls"] == 2
    assert len(solver.loss_history) == 2
    assert all(isinstance(loss, float) for loss in solver.loss_history)


def test_params_change_only_through_the_update_rule(record_rule, blob_data):
    """Do the params stay put under a rule that does nothing, and move under sgd?"""
    frozen = SoftmaxModel(2, 3)
    start = {k: v.copy() for k, v in frozen.params.items()}
    Solver(frozen, blob_data, update_rule="record", num_epochs=2, verbose=False).train()
    for k in start:
        np.testing.assert_array_equal(frozen.params[k], start[k])

    learner = SoftmaxModel(2, 3)
    solver = Solver(
        learner,
        blob_data,
        optim_config={"learning_rate": 0.5},
        num_epochs=5,
        batch_size=20,
        verbose=False,
    )
    solver.train()
    assert not np.allclose(learner.params["W"], start["W"])
    assert np.mean(solver.loss_history[-5:]) < 0.5 * solver.loss_history[0]
    assert solver.best_val_acc >= 0.95
    assert solver.check_accuracy(blob_data["X_val"], blob_data["y_val"]) == solver.best_val_acc


# ---------------------------------------------------------------------------
# check_accuracy


class CountingModel:
    """Scores class (x mod 3) highest; records the batch sizes it is asked to score."""

    def __init__(self):
        self.params = {"w": np.zeros(1)}
        self.batches = []

    def loss(self, X, y=None):
        self.batches.append(X.shape[0])
        scores = np.zeros((X.shape[0], 3))
        scores[np.arange(X.shape[0]), X[:, 0].astype(int) % 3] = 1.0
        return scores


def counting_data(N=250):
    X = np.arange(float(N)).reshape(N, 1)
    y = np.arange(N) % 3
    y[::5] = (y[::5] + 1) % 3  # every fifth label is wrong: accuracy 0.8 on all of it
    return X, y


def test_check_accuracy_full_set_in_batches():
    """Without num_samples, is every example scored, batch_size at a time, exactly?"""
    model = CountingModel()
    X, y = counting_data(250)
    solver = Solver(model, {"X_train": X, "y_train": y, "X_val": X, "y_val": y})
    _, key, pos, *_ = global_state()
    key = key.copy()
    acc = solver.check_accuracy(X, y, batch_size=30)
    assert isinstance(acc, float)
    assert acc == pytest.approx(0.8, abs=1e-15)
    assert model.batches == [30] * 8 + [10]
    # No subsampling, so no random draw.
    _, key_after, pos_after, *_ = global_state()
    np.testing.assert_array_equal(key_after, key)
    assert pos_after == pos


def test_check_accuracy_subsamples_with_np_random_choice():
    """With N > num_samples, does check_accuracy score np.random.choice(N, num_samples) examples?"""
    model = CountingModel()
    X, y = counting_data(250)
    solver = Solver(model, {"X_train": X, "y_train": y, "X_val": X, "y_val": y})
    seed_global_rng(0)
    acc = solver.check_accuracy(X, y, num_samples=100, batch_size=40)
    assert model.batches == [40, 40, 20]
    seed_global_rng(0)
    mask = global_choice(250, 100)
    expected = np.mean(X[mask, 0].astype(int) % 3 == y[mask])
    assert acc == pytest.approx(expected, abs=1e-15)


def test_check_accuracy_num_samples_above_n_uses_everything():
    """With num_samples >= N, is the whole set used?"""
    model = CountingModel()
    X, y = counting_data(50)
    solver = Solver(model, {"X_train": X, "y_train": y, "X_val": X, "y_val": y})
    assert solver.check_accuracy(X, y, num_samples=50) == pytest.approx(0.8, abs=1e-15)
    assert model.batches == [50]


def test_check_accuracy_bad_arguments():
    """Are mismatched X and y, or a zero batch_size, ValueErrors?"""
    X, y = counting_data(10)
    solver = Solver(CountingModel(), {"X_train": X, "y_train": y, "X_val": X, "y_val": y})
    with pytest.raises(ValueError, match=r"\(10, 1\) and \(9,\)"):
        solver.check_accuracy(X, y[:-1])
    with pytest.raises(ValueError, match="batch_size"):
        solver.check_accuracy(X, y, batch_size=0)


# ---------------------------------------------------------------------------
# train


def test_history_lengths(blob_data):
    """After train, is there one loss per iteration and num_epochs + 1 accuracies?"""
    # 300 examples, batch 50: 6 iterations per epoch, 3 epochs.
    solver = Solver(SoftmaxModel(2, 3), blob_data, batch_size=50, num_epochs=3, verbose=False)
    solver.train()
    assert len(solver.loss_history) == 18
    assert len(solver.train_acc_history) == 4
    assert len(solver.val_acc_history) == 4
    assert solver.epoch == 3


def test_at_least_one_iteration_per_epoch():
    """With batch_size > N_train, is each epoch one iteration, checked once?"""
    # iterations_per_epoch = max(4 // 100, 1) = 1: the first iteration is also
    # an epoch end, so it gives one check, not two.
    solver = Solver(ScriptedModel(), scripted_data(4), num_epochs=3, verbose=False)
    solver.train()
    assert len(solver.loss_history) == 3
    assert len(solver.val_acc_history) == 3


def test_lr_decay_at_each_epoch_end(record_rule):
    """Is every parameter's learning rate multiplied by lr_decay exactly at each epoch end?"""
    data = {
        "X_train": np.zeros((8, 2)),
        "y_train": np.zeros(8, dtype=int),
        "X_val": np.zeros((2, 2)),
        "y_val": np.zeros(2, dtype=int),
    }
    solver = Solver(
        SoftmaxModel(2, 3),
        data,
        update_rule="record",
        optim_config={"learning_rate": 0.8},
        lr_decay=0.5,
        batch_size=2,
        num_epochs=3,
        verbose=False,
    )
    solver.train()
    # 4 iterations per epoch, 2 parameters per iteration.
    assert [lr for _, _, lr in record_rule] == [0.8] * 8 + [0.4] * 8 + [0.2] * 8
    assert solver.optim_configs["W"]["learning_rate"] == pytest.approx(0.1)
    assert solver.optim_configs["b"]["learning_rate"] == pytest.approx(0.1)


def test_best_params_come_from_the_best_validation_check():
    """Does train keep (copies of) the params of the best val accuracy and end with them?"""
    # 4 examples, batch 2: 2 iterations per epoch, 5 epochs. w grows by 1 per
    # iteration, so the checks (first iteration, then every epoch end) see
    # w = 1, 2, 4, 6, 8, 10: validation accuracy 0.5, 0.6, 0.8, 1.0, 0.8, 0.6.
    model = ScriptedModel()
    solver = Solver(
        model,
        scripted_data(4),
        optim_config={"learning_rate": 1.0},
        batch_size=2,
        num_epochs=5,
        num_train_samples=None,
        verbose=False,
    )
    solver.train()
    expected = [scripted_val_acc(w) for w in (1, 2, 4, 6, 8, 10)]
    assert expected == pytest.approx([0.5, 0.6, 0.8, 1.0, 0.8, 0.6])
    assert solver.val_acc_history == pytest.approx(expected, abs=1e-15)
    assert solver.loss_history == pytest.approx([float(w) for w in range(10)])
    assert solver.best_val_acc == pytest.approx(1.0)
    np.testing.assert_array_equal(solver.best_params["w"], [6.0])
    np.testing.assert_array_equal(model.params["w"], [6.0])
    # Copies: changing the model in place leaves best_params alone.
    assert model.params["w"] is not solver.best_params["w"]
    model.params["w"][0] = -1.0
    np.testing.assert_array_equal(solver.best_params["w"], [6.0])


def test_best_params_survive_an_in_place_update_rule(monkeypatch):
    """If the update rule changes w in place (as CS231n's own sgd does), is best_params intact?"""

    def sgd_in_place(w, dw, config=None):
        config = {} if config is None else config
        config.setdefault("learning_rate", 1e-2)
        w -= config["learning_rate"] * dw
        return w, config

    monkeypatch.setattr(optim, "sgd_in_place", sgd_in_place, raising=False)
    model = ScriptedModel()
    solver = Solver(
        model,
        scripted_data(4),
        update_rule="sgd_in_place",
        optim_config={"learning_rate": 1.0},
        batch_size=2,
        num_epochs=5,
        verbose=False,
    )
    solver.train()
    np.testing.assert_array_equal(solver.best_params["w"], [6.0])
    np.testing.assert_array_equal(model.params["w"], [6.0])


def test_best_params_set_even_when_val_accuracy_stays_zero():
    """If the val accuracy is 0 at every check, does the model still end with params (not {})?"""
    data = scripted_data(4)
    data["y_val"] = np.zeros(10, dtype=int)  # every label is 0 ...
    data["X_val"] = -np.ones((10, 1))  # ... but x < w from the first step on: predictions are 1
    model = ScriptedModel()
    solver = Solver(
        model,
        data,
        optim_config={"learning_rate": 1.0},
        batch_size=2,
        num_epochs=2,
        verbose=False,
    )
    solver.train()
    assert solver.val_acc_history == [0.0, 0.0, 0.0]
    np.testing.assert_array_equal(model.params["w"], [1.0])


def test_checkpoints(tmp_path):
    """Is a loadable checkpoint with the listed keys written at every check, named by epoch?"""
    name = str(tmp_path / "scripted")
    solver = Solver(
        ScriptedModel(),
        scripted_data(4),
        optim_config={"learning_rate": 1.0},
        batch_size=2,
        num_epochs=3,
        checkpoint_name=name,
        verbose=False,
    )
    solver.train()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [f"scripted_epoch_{e}.pkl" for e in range(4)]
    for epoch in range(4):
        with open(f"{name}_epoch_{epoch}.pkl", "rb") as f:
            checkpoint = pickle.load(f)
        assert set(checkpoint) == CHECKPOINT_KEYS
        assert checkpoint["epoch"] == epoch
        assert checkpoint["update_rule"] == "sgd"
        assert checkpoint["batch_size"] == 2
        assert checkpoint["lr_decay"] == 1.0
        assert checkpoint["optim_config"] == {"learning_rate": 1.0}
        assert checkpoint["num_train_samples"] == 1000
        assert checkpoint["num_val_samples"] is None
        # Saved right after check `epoch`: w grew by 1 per iteration (checks
        # after iterations 1, 2, 4, 6).
        iterations = max(1, 2 * epoch)
        assert len(checkpoint["loss_history"]) == iterations
        assert len(checkpoint["val_acc_history"]) == epoch + 1
        assert len(checkpoint["train_acc_history"]) == epoch + 1
        np.testing.assert_array_equal(checkpoint["model"].params["w"], [float(iterations)])


def test_verbose_output_goes_to_stdout(capsys, blob_data):
    """Does verbose training print CS231n's iteration and epoch lines to stdout, none to stderr?"""
    solver = Solver(
        SoftmaxModel(2, 3), blob_data, batch_size=50, num_epochs=2, print_every=5, progress=False
    )
    solver.train()
    captured = capsys.readouterr()
    assert captured.err == ""
    lines = captured.out.splitlines()
    iteration_lines = [line for line in lines if line.startswith("(Iteration")]
    epoch_lines = [line for line in lines if line.startswith("(Epoch")]
    # 12 iterations, printed at t = 0, 5, 10.
    assert [line.split(")")[0] for line in iteration_lines] == [
        "(Iteration 1 / 12",
        "(Iteration 6 / 12",
        "(Iteration 11 / 12",
    ]
    assert re.fullmatch(r"\(Iteration 1 / 12\) loss: \d+\.\d{6}", iteration_lines[0])
    assert len(epoch_lines) == 3
    assert re.fullmatch(r"\(Epoch 0 / 2\) train acc: \d\.\d{6}; val_acc: \d\.\d{6}", epoch_lines[0])
    assert epoch_lines[-1].startswith("(Epoch 2 / 2)")
    assert "\r" not in captured.out


def test_quiet_short_run_prints_nothing(capsys):
    """With verbose=False and fewer than PROGRESS_MIN_ITERATIONS iterations, is nothing printed?"""
    solver = Solver(ScriptedModel(), scripted_data(4), batch_size=2, num_epochs=3, verbose=False)
    solver.train()
    assert capsys.readouterr() == ("", "")


def long_quiet_solver(**kwargs):
    """A Solver that runs exactly PROGRESS_MIN_ITERATIONS cheap iterations."""
    options = {"batch_size": 1, "num_epochs": 10, "verbose": False, "num_train_samples": None}
    options.update(kwargs)
    data = scripted_data(PROGRESS_MIN_ITERATIONS // 10)
    return Solver(ScriptedModel(), data, optim_config={"learning_rate": 0.0}, **options)


def test_progress_bar_on_long_quiet_runs(capsys):
    """With verbose=False and a long run, is one '\\r' line redrawn at most 50 times on stdout?"""
    long_quiet_solver().train()
    out, err = capsys.readouterr()
    assert err == ""
    assert out.endswith("\n")
    assert out.count("\n") == 1
    draws = out.split("\r")[1:]
    assert 1 <= len(draws) <= 50
    assert len(draws) <= PROGRESS_UPDATES
    last = draws[-1].strip()
    assert f"iteration {PROGRESS_MIN_ITERATIONS} / {PROGRESS_MIN_ITERATIONS}" in last
    assert "epoch 10 / 10" in last
    assert re.search(r"loss \d+\.\d{4}", last)
    assert re.search(r"\d+\.\d s, done$", last)
    assert last.startswith("[" + "#" * 20 + "]")


def test_progress_bar_shows_the_time_left(capsys, monkeypatch):
    """Does each redraw before the end say how long is left, at the pace so far?"""
    clock = iter(range(1000))  # one second per reading of the clock
    monkeypatch.setattr(solver_module.time, "monotonic", lambda: float(next(clock)))
    Solver(
        ScriptedModel(), scripted_data(4), batch_size=2, num_epochs=3, verbose=False, progress=True
    ).train()
    draws = [d.strip() for d in capsys.readouterr().out.split("\r")[1:]]
    # The bar starts at clock 0; its first redraw reads 1 s after 1 of 6 iterations.
    assert draws[0].endswith("1.0 s, 5.0 s left")
    assert draws[-1].endswith("done")
    assert all(re.search(r"\d\.\d s left$", d) for d in draws[:-1])


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(4.74, "4.7 s"), (125, "2 min 05 s"), (3725, "1 h 02 min")],
)
def test_durations_read_as_a_person_says_them(seconds, shown):
    """Are durations shown in seconds, then minutes and seconds, then hours and minutes?"""
    assert solver_module._duration(seconds) == shown


def test_progress_can_be_forced(capsys):
    """Do progress=False silence a long quiet run and progress=True show a bar on a short one?"""
    long_quiet_solver(progress=False).train()
    assert capsys.readouterr() == ("", "")
    solver = Solver(
        ScriptedModel(), scripted_data(4), batch_size=2, num_epochs=3, verbose=False, progress=True
    )
    solver.train()
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("\r[")
    assert out.endswith("\n")
    assert len(out.split("\r")[1:]) == 6  # 6 iterations < 50 redraws: one per iteration


def test_progress_with_verbose_keeps_messages_on_their_own_lines(capsys):
    """With progress=True and verbose=True, does every message start on a cleared line?"""
    long_quiet_solver(progress=True, verbose=True, print_every=25).train()
    out, err = capsys.readouterr()
    assert err == ""
    # Remove the bar: every '\r' starts a redraw or a clearing run of spaces.
    messages = [
        line.split("\r")[-1].strip() for line in out.split("\n") if line.split("\r")[-1].strip()
    ]
    messages = [m for m in messages if not m.startswith("[")]
    assert sum(m.startswith("(Iteration") for m in messages) == 4
    assert sum(m.startswith("(Epoch") for m in messages) == 11
