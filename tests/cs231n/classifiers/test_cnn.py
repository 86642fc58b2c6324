"""Tests of cs231n/classifiers/cnn.py: the three-layer convnet."""

import numpy as np
import pytest

from cs231n.classifiers.cnn import ThreeLayerConvNet
from tests.oracles import numeric_gradient, rel_error

pytestmark = pytest.mark.cnn


def small_model(reg=0.0, seed=0, dtype=np.float64, **kwargs):
    """CS231n's gradient-check configuration: tiny, in float64."""
    np.random.seed(seed)  # noqa: NPY002 - the model draws from the global RNG
    options = {
        "num_filters": 3,
        "filter_size": 3,
        "input_dim": (3, 16, 16),
        "hidden_dim": 7,
        "weight_scale": 1e-2,
    }
    options.update(kwargs)
    return ThreeLayerConvNet(reg=reg, dtype=dtype, **options)


def test_params_have_cs231n_shapes_and_dtype():
    """Are W1..b3 shaped as CS231n's, with zero biases and the requested dtype?"""
    model = ThreeLayerConvNet()
    shapes = {k: v.shape for k, v in model.params.items()}
    assert shapes == {
        "W1": (32, 3, 7, 7),
        "b1": (32,),
        "W2": (32 * 16 * 16, 100),
        "b2": (100,),
        "W3": (100, 10),
        "b3": (10,),
    }
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert not model.params["b1"].any()
    # weight_scale is the standard deviation of the weights.
    assert model.params["W2"].std() == pytest.approx(1e-3, rel=0.02)


def test_initial_loss_is_about_log_num_classes():
    """With tiny weights, is the loss about log(10), and higher with regularisation?"""
    np.random.seed(231)  # noqa: NPY002 - the model draws from the global RNG
    model = ThreeLayerConvNet()
    rng = np.random.default_rng(231)
    X = rng.standard_normal((50, 3, 32, 32))
    y = rng.integers(10, size=50)
    loss, _ = model.loss(X, y)
    assert loss == pytest.approx(np.log(10), abs=1e-3)
    model.reg = 0.5
    loss_reg, _ = model.loss(X, y)
    assert loss_reg > loss


def test_regularisation_is_half_the_squared_weights_without_biases():
    """Does reg add exactly 0.5 * reg * (|W1|² + |W2|² + |W3|²), biases excluded?"""
    model = small_model(reg=0.0)
    for name in ("b1", "b2", "b3"):
        model.params[name] += 0.3  # biases must not count
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((2, 3, 16, 16)), np.array([3, 5])
    base, grads0 = model.loss(X, y)
    model.reg = 0.7
    loss, grads = model.loss(X, y)
    squares = sum(np.sum(model.params[k] ** 2) for k in ("W1", "W2", "W3"))
    assert loss - base == pytest.approx(0.5 * 0.7 * squares, rel=1e-10)
    for name in ("W1", "W2", "W3"):
        np.testing.assert_allclose(grads[name] - grads0[name], 0.7 * model.params[name], atol=1e-12)
    for name in ("b1", "b2", "b3"):
        np.testing.assert_allclose(grads[name], grads0[name], atol=1e-15)


@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_gradients_match_numeric(reg):
    """Does every gradient of the loss agree with central differences (float64)?"""
    # Weights large enough that every gradient is well above the roundoff of
    # the loss's central differences (about 1e-10 here).
    model = small_model(reg=reg, weight_scale=0.1)
    rng = np.random.default_rng(2)
    X = rng.standard_normal((2, 3, 16, 16))
    y = np.array([1, 8])
    _, grads = model.loss(X, y)
    for name in sorted(model.params):
        param = model.params[name]
        numeric = numeric_gradient(lambda _: model.loss(X, y)[0], param, 1.0, h=1e-5)
        assert rel_error(grads[name], numeric) < 1e-5, name


def test_scores_without_labels():
    """Does loss(X) return an (N, num_classes) array of scores, argmax-able for prediction?"""
    model = small_model(num_classes=4)
    scores = model.loss(np.zeros((5, 3, 16, 16)))
    assert scores.shape == (5, 4)


def test_even_filter_sizes_keep_the_spatial_size():
    """Does an even filter size still give the W2 shape the docstring promises?"""
    model = small_model(filter_size=4)
    assert model.params["W2"].shape == (3 * 8 * 8, 7)
    scores = model.loss(np.ones((1, 3, 16, 16)))
    assert scores.shape == (1, 10)


def test_float32_model_stays_float32():
    """Does a float32 model keep its params and gradients in float32 for float64 input?"""
    model = small_model(dtype=np.float32)
    X = np.random.default_rng(3).standard_normal((2, 3, 16, 16))
    _, grads = model.loss(X, np.array([0, 1]))
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


def test_bad_arguments_are_named():
    """Do an odd input size and a mismatched X give named ValueErrors?"""
    with pytest.raises(ValueError, match="H and W must be even"):
        ThreeLayerConvNet(input_dim=(3, 15, 16))
    with pytest.raises(ValueError, match="input_dim must be a tuple"):
        ThreeLayerConvNet(input_dim=(3, 32))
    with pytest.raises(ValueError, match="num_filters must be a positive integer"):
        ThreeLayerConvNet(num_filters=0)
    model = small_model()
    with pytest.raises(ValueError, match=r"model's input_dim"):
        model.loss(np.zeros((2, 3, 32, 32)))


def test_loss_matches_pytorch():
    """Do the loss and gradients equal a PyTorch re-implementation (when installed)?"""
    torch = pytest.importorskip("torch")
    model = small_model(reg=0.1)
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((3, 3, 16, 16)), np.array([0, 4, 9])
    loss, grads = model.loss(X, y)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    tF = torch.nn.functional
    h = tF.max_pool2d(tF.relu(tF.conv2d(torch.tensor(X), p["W1"], p["b1"], padding=1)), 2)
    h = tF.relu(h.reshape(3, -1) @ p["W2"] + p["b2"])
    scores = h @ p["W3"] + p["b3"]
    t_loss = tF.cross_entropy(scores, torch.tensor(y)) + 0.05 * sum(
        (p[k] ** 2).sum() for k in ("W1", "W2", "W3")
    )
    t_loss.backward()
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    for name, g in grads.items():
        assert rel_error(g, p[name].grad.numpy()) < 1e-8, name


@pytest.mark.solver
@pytest.mark.slow
def test_solver_overfits_100_training_images(tmp_path):
    """Does the Solver with Adam drive the convnet to >= 90% training accuracy on 100 images?"""
    from cs231n.data_utils import get_CIFAR10_data
    from cs231n.solver import Solver
    from cs231n.synthetic import make_synthetic_cifar10

    make_synthetic_cifar10(tmp_path / "data", seed=1, num_train=200, num_test=50)
    data = get_CIFAR10_data(
        num_training=100, num_validation=50, num_test=50, cifar10_dir=tmp_path / "data"
    )
    np.random.seed(231)  # noqa: NPY002 - the model and the Solver draw from the global RNG
    model = ThreeLayerConvNet(weight_scale=1e-2)
    solver = Solver(
        model,
        {k: data[k] for k in ("X_train", "y_train", "X_val", "y_val")},
        # 120 iterations: 0.99 to 1.0 under seeds 0-5 and 231, so 0.9 has room.
        num_epochs=30,
        batch_size=25,
        update_rule="adam",
        optim_config={"learning_rate": 1e-3},
        verbose=False,
        progress=False,
    )
    solver.train()
    assert max(solver.train_acc_history) >= 0.9
    assert solver.loss_history[-1] < solver.loss_history[0] / 2
    # The best parameters are the ones left in the model.
    assert solver.check_accuracy(data["X_val"], data["y_val"]) == pytest.approx(solver.best_val_acc)
