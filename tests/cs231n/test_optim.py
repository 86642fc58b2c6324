"""Tests of cs231n/optim.py against independent oracles.

Oracles: steps worked out by hand from the update equations in each
docstring (small arrays, literal numbers), an elementwise re-implementation
with Python floats and `math`, the reference case of CS231n's
FullyConnectedNets notebook, and PyTorch's optimizers when torch happens to be
installed (never required).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

from cs231n.optim import adam, rmsprop, sgd, sgd_momentum

pytestmark = pytest.mark.optim

RULES = [sgd, sgd_momentum, rmsprop, adam]


def notebook_case():
    """The inputs of CS231n's FullyConnectedNets notebook checks: N, D = 4, 5."""
    N, D = 4, 5
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    return w, dw


def elementwise(step, *arrays):
    """Apply a scalar update `step` (Python floats in, tuple of floats out) entry by entry."""
    flat = [np.asarray(a, dtype=np.float64).ravel().tolist() for a in arrays]
    results = [step(*entries) for entries in zip(*flat, strict=True)]
    shape = np.shape(arrays[0])
    return [np.array(column).reshape(shape) for column in zip(*results, strict=True)]


# ---------------------------------------------------------------------------
# sgd (provided)


def test_sgd_step_by_hand():
    """Does sgd take the step w - learning_rate * dw?"""
    w = np.array([1.0, -2.0])
    next_w, config = sgd(w, np.array([0.5, 0.25]), {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, [0.95, -2.025], rtol=0, atol=1e-15)
    assert config == {"learning_rate": 0.1}


def test_sgd_default_learning_rate():
    """Is sgd's default learning rate 1e-2?"""
    next_w, config = sgd(np.array([1.0]), np.array([1.0]))
    assert config["learning_rate"] == 1e-2
    np.testing.assert_allclose(next_w, [0.99], rtol=0, atol=1e-15)


# ---------------------------------------------------------------------------
# sgd_momentum


def test_sgd_momentum_two_steps_by_hand():
    """Does sgd_momentum follow v = momentum * v - lr * dw; w = w + v, from v = 0?"""
    config = {"learning_rate": 0.1, "momentum": 0.9}
    w = np.array([1.0, -1.0])
    # Step 1: v = -0.1 * [0.5, -2] = [-0.05, 0.2]; w = [0.95, -0.8].
    w, config = sgd_momentum(w, np.array([0.5, -2.0]), config)
    np.testing.assert_allclose(config["velocity"], [-0.05, 0.2], rtol=0, atol=1e-15)
    np.testing.assert_allclose(w, [0.95, -0.8], rtol=0, atol=1e-15)
    # Step 2: v = 0.9 * [-0.05, 0.2] - 0.1 * [1, 0] = [-0.145, 0.18]; w = [0.805, -0.62].
    w, config = sgd_momentum(w, np.array([1.0, 0.0]), config)
    np.testing.assert_allclose(config["velocity"], [-0.145, 0.18], rtol=0, atol=1e-15)
    np.testing.assert_allclose(w, [0.805, -0.62], rtol=0, atol=1e-15)


def test_sgd_momentum_notebook_case():
    """Does sgd_momentum give the values CS231n's notebook expects for its 4 x 5 case?"""
    w, dw = notebook_case()
    v = np.linspace(0.6, 0.9, num=20).reshape(4, 5)
    next_w, config = sgd_momentum(w, dw, {"learning_rate": 1e-3, "velocity": v})
    # By hand, entry [0, 0]: v = 0.9 * 0.6 - 1e-3 * (-0.6) = 0.5406; w = -0.4 + 0.5406 = 0.1406.
    assert next_w[0, 0] == pytest.approx(0.1406, abs=1e-12)
    assert config["velocity"][0, 0] == pytest.approx(0.5406, abs=1e-12)
    expected_next_w = [
        [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
        [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
        [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
        [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096],
    ]
    np.testing.assert_allclose(next_w, expected_next_w, rtol=0, atol=1e-8)

    def step(w, dw, v):
        v = 0.9 * v - 1e-3 * dw
        return w + v, v

    oracle_w, oracle_v = elementwise(step, w, dw, v)
    np.testing.assert_allclose(next_w, oracle_w, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(config["velocity"], oracle_v, rtol=1e-12, atol=1e-15)


def test_sgd_momentum_defaults():
    """Are sgd_momentum's defaults lr 1e-2 and momentum 0.9, with a zero velocity of w's shape?"""
    w = np.ones((2, 3))
    next_w, config = sgd_momentum(w, np.ones((2, 3)))
    assert config["learning_rate"] == 1e-2
    assert config["momentum"] == 0.9
    # From a zero velocity the first step is plain sgd: v = -lr * dw.
    np.testing.assert_allclose(config["velocity"], np.full((2, 3), -1e-2), rtol=0, atol=1e-15)
    np.testing.assert_allclose(next_w, np.full((2, 3), 0.99), rtol=0, atol=1e-15)


@settings(max_examples=25, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=4, max_side=4), seed=st.integers(0, 2**31 - 1))
def test_sgd_momentum_without_momentum_is_sgd(shape, seed):
    """Does sgd_momentum with momentum 0 take exactly sgd's steps, for any shape?"""
    rng = np.random.default_rng(seed)
    w_a = w_b = rng.standard_normal(shape)
    config_a = {"learning_rate": 0.05, "momentum": 0.0}
    config_b = {"learning_rate": 0.05}
    for _ in range(3):
        dw = rng.standard_normal(shape)
        w_a, config_a = sgd_momentum(w_a, dw, config_a)
        w_b, config_b = sgd(w_b, dw, config_b)
        np.testing.assert_allclose(w_a, w_b, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------------
# rmsprop


def test_rmsprop_two_steps_by_hand():
    """Does rmsprop take w -= lr * dw / (sqrt(cache) + eps), cache a decaying mean of dw**2?"""
    config = {"learning_rate": 0.01}
    w = np.array([1.0])
    # Step 1: cache = 0.01 * 2**2 = 0.04; step = 0.01 * 2 / (0.2 + 1e-8).
    w, config = rmsprop(w, np.array([2.0]), config)
    assert config["cache"][0] == pytest.approx(0.04, abs=1e-15)
    w1 = 1.0 - 0.01 * 2.0 / (0.2 + 1e-8)
    assert w[0] == pytest.approx(w1, abs=1e-15)
    assert w[0] == pytest.approx(0.9, abs=1e-7)
    # Step 2: cache = 0.99 * 0.04 + 0.01 * (-1)**2 = 0.0496.
    w, config = rmsprop(w, np.array([-1.0]), config)
    assert config["cache"][0] == pytest.approx(0.0496, abs=1e-15)
    assert w[0] == pytest.approx(w1 + 0.01 / (math.sqrt(0.0496) + 1e-8), abs=1e-15)


def test_rmsprop_epsilon_outside_the_square_root():
    """Is epsilon added to sqrt(cache), not inside the square root?"""
    # A large epsilon and a small gradient make the two placements differ.
    config = {"learning_rate": 1.0, "decay_rate": 0.0, "epsilon": 1e-2}
    next_w, _ = rmsprop(np.array([0.0]), np.array([1e-2]), config)
    # cache = 1e-4; outside: 1e-2 / (1e-2 + 1e-2) = 0.5; inside: 1e-2 / sqrt(1e-4 + 1e-2) ~ 0.0995.
    assert next_w[0] == pytest.approx(-0.5, abs=1e-12)


def test_rmsprop_notebook_case():
    """Does rmsprop give the values CS231n's notebook expects for its 4 x 5 case?"""
    w, dw = notebook_case()
    cache = np.linspace(0.6, 0.9, num=20).reshape(4, 5)
    next_w, config = rmsprop(w, dw, {"learning_rate": 1e-2, "cache": cache})
    expected_next_w = [
        [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
        [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
        [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
        [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619],
    ]
    np.testing.assert_allclose(next_w, expected_next_w, rtol=0, atol=1e-8)
    # By hand, entry [0, 0]: cache = 0.99 * 0.6 + 0.01 * 0.36 = 0.5976.
    assert config["cache"][0, 0] == pytest.approx(0.5976, abs=1e-12)

    def step(w, dw, c):
        c = 0.99 * c + 0.01 * dw * dw
        return w - 1e-2 * dw / (math.sqrt(c) + 1e-8), c

    oracle_w, oracle_cache = elementwise(step, w, dw, cache)
    np.testing.assert_allclose(next_w, oracle_w, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(config["cache"], oracle_cache, rtol=1e-12, atol=1e-15)


def test_rmsprop_defaults():
    """Are rmsprop's defaults lr 1e-2, decay_rate 0.99, epsilon 1e-8, with a zero cache?"""
    w = np.zeros((3, 2))
    dw = np.full((3, 2), 3.0)
    next_w, config = rmsprop(w, dw)
    assert config["learning_rate"] == 1e-2
    assert config["decay_rate"] == 0.99
    assert config["epsilon"] == 1e-8
    # From a zero cache: cache = 0.01 * 9 = 0.09, step = 1e-2 * 3 / (0.3 + 1e-8).
    np.testing.assert_allclose(config["cache"], np.full((3, 2), 0.09), rtol=1e-15)
    np.testing.assert_allclose(next_w, np.full((3, 2), -0.03 / (0.3 + 1e-8)), rtol=1e-15)


# ---------------------------------------------------------------------------
# adam


def test_adam_first_step_by_hand():
    """From zero state, is Adam's first step lr * dw / (|dw| + eps), with t = 1?"""
    # t = 1: m = 0.1 dw, v = 0.001 dw**2, m_hat = dw, v_hat = dw**2.
    w = np.array([1.0, -2.0])
    dw = np.array([0.5, -3.0])
    next_w, config = adam(w, dw)
    assert config["t"] == 1
    np.testing.assert_allclose(config["m"], [0.05, -0.3], rtol=1e-14)
    np.testing.assert_allclose(config["v"], [0.00025, 0.009], rtol=1e-14)
    expected = [1.0 - 1e-3 * 0.5 / (0.5 + 1e-8), -2.0 + 1e-3 * 3.0 / (3.0 + 1e-8)]
    np.testing.assert_allclose(next_w, expected, rtol=0, atol=1e-15)


def test_adam_constant_gradient_steps_by_hand():
    """With a constant gradient, is every bias-corrected step lr * g / (|g| + eps)?"""
    # Bias correction undoes the zero start exactly: after t steps of the same
    # g, m = (1 - beta1**t) g and v = (1 - beta2**t) g**2, so m_hat = g and
    # v_hat = g**2 at every t.
    g = np.array([2.0, -0.5])
    w = np.zeros(2)
    config = {"learning_rate": 0.1}
    for t in range(1, 6):
        w, config = adam(w, g, config)
        assert config["t"] == t
        np.testing.assert_allclose(config["m"], (1 - 0.9**t) * g, rtol=1e-13)
        np.testing.assert_allclose(config["v"], (1 - 0.999**t) * g**2, rtol=1e-12)
        step = 0.1 * np.abs(g) / (np.abs(g) + 1e-8)
        np.testing.assert_allclose(w, -t * step * np.sign(g), rtol=1e-12)


def test_adam_second_step_by_hand():
    """Do m, v and w after two different gradients match the equations worked by hand?"""
    w, config = adam(np.array([0.0]), np.array([1.0]), {"learning_rate": 0.01})
    w, config = adam(w, np.array([-2.0]), config)
    # t = 2: m = 0.9 * 0.1 + 0.1 * (-2) = -0.11; v = 0.999 * 0.001 + 0.001 * 4 = 0.004999.
    assert config["t"] == 2
    assert config["m"][0] == pytest.approx(-0.11, abs=1e-15)
    assert config["v"][0] == pytest.approx(0.004999, abs=1e-15)
    m_hat = -0.11 / (1 - 0.81)
    v_hat = 0.004999 / (1 - 0.998001)
    first = -0.01 * 1.0 / (1.0 + 1e-8)
    assert w[0] == pytest.approx(first - 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8), abs=1e-14)


def test_adam_notebook_case_increments_t_before_use():
    """Does adam increment t before the bias correction (CS231n's notebook case, t = 5 given)?"""
    w, dw = notebook_case()
    m = np.linspace(0.6, 0.9, num=20).reshape(4, 5)
    v = np.linspace(0.7, 0.5, num=20).reshape(4, 5)
    next_w, config = adam(w, dw, {"learning_rate": 1e-2, "m": m, "v": v, "t": 5})
    assert config["t"] == 6
    expected_next_w = [
        [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
        [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
        [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
        [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459],
    ]
    np.testing.assert_allclose(next_w, expected_next_w, rtol=0, atol=1e-8)
    # By hand, entry [0, 0]: m = 0.9 * 0.6 + 0.1 * (-0.6) = 0.48;
    # v = 0.999 * 0.7 + 0.001 * 0.36 = 0.69966.
    assert config["m"][0, 0] == pytest.approx(0.48, abs=1e-12)
    assert config["v"][0, 0] == pytest.approx(0.69966, abs=1e-12)

    def step(w, dw, m, v, t=6):
        m = 0.9 * m + 0.1 * dw
        v = 0.999 * v + 0.001 * dw * dw
        m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
        return w - 1e-2 * m_hat / (math.sqrt(v_hat) + 1e-8), m, v

    oracle_w, oracle_m, oracle_v = elementwise(step, w, dw, m, v)
    np.testing.assert_allclose(next_w, oracle_w, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(config["m"], oracle_m, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(config["v"], oracle_v, rtol=1e-12, atol=1e-15)
    # Had t been used before the increment (t = 5), entry [0, 0] would differ.
    assert abs(next_w[0, 0] - step(-0.4, -0.6, 0.6, 0.7, t=5)[0]) > 1e-5


def test_adam_defaults():
    """Are adam's defaults lr 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-8, zero m and v, t = 0?"""
    w = np.ones((2, 2))
    _, config = adam(w, np.zeros((2, 2)))
    assert config["learning_rate"] == 1e-3
    assert config["beta1"] == 0.9
    assert config["beta2"] == 0.999
    assert config["epsilon"] == 1e-8
    # A zero gradient leaves the zero averages at zero; t counts the call.
    np.testing.assert_array_equal(config["m"], np.zeros((2, 2)))
    np.testing.assert_array_equal(config["v"], np.zeros((2, 2)))
    assert config["t"] == 1


# ---------------------------------------------------------------------------
# The shared interface


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_caller_values_win_over_defaults(rule):
    """Does a learning rate given in config override the rule's default?"""
    _, config = rule(np.ones(3), np.ones(3), {"learning_rate": 0.123})
    assert config["learning_rate"] == 0.123


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_config_is_the_same_dict_updated(rule):
    """Is the returned config the caller's dict, updated in place with defaults and state?"""
    config = {}
    _, returned = rule(np.ones(3), np.ones(3), config)
    assert returned is config
    assert "learning_rate" in config


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_inputs_are_not_modified(rule):
    """Do the rules leave w, dw and the state arrays they were given untouched?"""
    rng = np.random.default_rng(0)
    w, dw = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    w0, dw0 = w.copy(), dw.copy()
    _, config = rule(w, dw)
    state = {k: v.copy() for k, v in config.items() if isinstance(v, np.ndarray)}
    given_state = {k: v for k, v in config.items() if isinstance(v, np.ndarray)}
    next_w, _ = rule(w, dw, config)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(dw, dw0)
    assert next_w is not w
    for key, value in given_state.items():
        np.testing.assert_array_equal(value, state[key], err_msg=key)


@settings(max_examples=25, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=4, max_side=5), seed=st.integers(0, 2**31 - 1))
def test_rules_keep_shapes_and_state_shapes(shape, seed):
    """For any shape, do all rules return next_w and state arrays of w's shape?"""
    rng = np.random.default_rng(seed)
    w, dw = rng.standard_normal(shape), rng.standard_normal(shape)
    for rule in RULES:
        next_w, config = rule(w, dw, None)
        assert next_w.shape == w.shape
        for key, value in config.items():
            if isinstance(value, np.ndarray):
                assert value.shape == w.shape, (rule.__name__, key)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), lr=st.floats(1e-4, 1.0))
def test_adam_step_never_exceeds_the_learning_rate(seed, lr):
    """Is every entry of Adam's first step at most the learning rate in size?"""
    rng = np.random.default_rng(seed)
    w, dw = rng.standard_normal(7), rng.standard_normal(7) * 10.0 ** rng.integers(-3, 4)
    next_w, _ = adam(w, dw, {"learning_rate": lr})
    assert np.all(np.abs(next_w - w) <= lr * (1 + 1e-12))


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_shape_mismatch_names_dw(rule):
    """Does a dw of the wrong shape raise a ValueError naming dw and both shapes?"""
    with pytest.raises(ValueError, match=r"dw.*\(2, 3\).*\(3, 2\)"):
        rule(np.ones((2, 3)), np.ones((3, 2)))


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_wrong_types_raise_type_error(rule):
    """Do a list for w or a non-dict config raise a TypeError naming the argument?"""
    with pytest.raises(TypeError, match="w must be a numpy array"):
        rule([1.0, 2.0], np.ones(2))
    with pytest.raises(TypeError, match="config must be a dict"):
        rule(np.ones(2), np.ones(2), [("learning_rate", 1.0)])


# ---------------------------------------------------------------------------
# Optional cross-check with PyTorch


def run_torch(name, w, grads, **options):
    """Run torch.optim.<name> on w with the given gradients and return the weights after each."""
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.tensor(w, dtype=torch.float64))
    opt = getattr(torch.optim, name)([p], **options)
    out = []
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


def run_ours(rule, w, grads, config):
    out = []
    for g in grads:
        w, config = rule(w, g, config)
        out.append(w)
    return out


@pytest.mark.parametrize(
    ("rule", "torch_name", "config", "torch_options"),
    [
        # torch: buf = mu * buf + g; p -= lr * buf. Ours: v = mu * v - lr * g; w += v.
        # With a constant lr, v = -lr * buf, so the weights agree.
        (sgd_momentum, "SGD", {"learning_rate": 0.05}, {"lr": 0.05, "momentum": 0.9}),
        # torch RMSprop adds eps outside the square root, as we do; alpha is decay_rate.
        (rmsprop, "RMSprop", {"learning_rate": 0.01}, {"lr": 0.01, "alpha": 0.99, "eps": 1e-8}),
        # torch Adam: denominator sqrt(v) / sqrt(1 - beta2**t) + eps = sqrt(v_hat) + eps.
        (adam, "Adam", {"learning_rate": 0.01}, {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8}),
    ],
    ids=["sgd_momentum", "rmsprop", "adam"],
)
def test_matches_torch(rule, torch_name, config, torch_options):
    """Do ten steps with random gradients match torch.optim (when torch is installed)?"""
    rng = np.random.default_rng(1)
    w = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(10)]
    theirs = run_torch(torch_name, w, grads, **torch_options)
    ours = run_ours(rule, w, grads, dict(config))
    for step, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"step {step + 1}")
