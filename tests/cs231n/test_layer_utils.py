"""Tests of cs231n/layer_utils.py: the sandwich layers."""

import numpy as np
import pytest

from cs231n.layer_utils import (
    affine_relu_backward,
    affine_relu_forward,
    conv_bn_relu_backward,
    conv_bn_relu_forward,
    conv_relu_backward,
    conv_relu_forward,
    conv_relu_pool_backward,
    conv_relu_pool_forward,
)
from tests.oracles import conv2d_loops, numeric_gradient, pool2d_loops, rel_error

pytestmark = pytest.mark.cnn

CONV = {"stride": 1, "pad": 1}
POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}


@pytest.fixture
def conv_inputs():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 8, 8))
    w = rng.standard_normal((3, 3, 3, 3))
    b = rng.standard_normal(3)
    return x, w, b


def test_conv_relu_pool_forward_is_the_composition(conv_inputs):
    """Is conv_relu_pool_forward max_pool(relu(conv(x)))?"""
    x, w, b = conv_inputs
    out, _ = conv_relu_pool_forward(x, w, b, CONV, POOL)
    expected = pool2d_loops(np.maximum(conv2d_loops(x, w, b, 1, (1, 1, 1, 1)), 0), 2, 2, 2, np.max)
    assert rel_error(out, expected) < 1e-10


@pytest.mark.parametrize("which", ["conv_relu", "conv_relu_pool"])
def test_conv_sandwiches_backward_match_numeric(conv_inputs, which):
    """Do the conv sandwiches' backward passes agree with central differences?"""
    x, w, b = conv_inputs
    if which == "conv_relu":

        def fwd(x_, w_, b_):
            return conv_relu_forward(x_, w_, b_, CONV)

        bwd = conv_relu_backward
    else:

        def fwd(x_, w_, b_):
            return conv_relu_pool_forward(x_, w_, b_, CONV, POOL)

        bwd = conv_relu_pool_backward
    out, cache = fwd(x, w, b)
    dout = np.random.default_rng(1).standard_normal(out.shape)
    dx, dw, db = bwd(dout, cache)
    assert rel_error(dx, numeric_gradient(lambda v: fwd(v, w, b)[0], x, dout)) < 1e-6
    assert rel_error(dw, numeric_gradient(lambda v: fwd(x, v, b)[0], w, dout)) < 1e-6
    assert rel_error(db, numeric_gradient(lambda v: fwd(x, w, v)[0], b, dout)) < 1e-6


def test_conv_bn_relu_backward_matches_numeric(conv_inputs):
    """Does conv_bn_relu_backward return dx, dw, db, dgamma, dbeta matching central differences?"""
    x, w, b = conv_inputs
    rng = np.random.default_rng(2)
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)

    def fwd(x_, w_, b_, g_, be_):
        return conv_bn_relu_forward(x_, w_, b_, g_, be_, CONV, {"mode": "train"})[0]

    out, cache = conv_bn_relu_forward(x, w, b, gamma, beta, CONV, {"mode": "train"})
    dout = rng.standard_normal(out.shape)
    dx, dw, _, dgamma, dbeta = conv_bn_relu_backward(dout, cache)
    args = [x, w, b, gamma, beta]
    for i, analytic in ((0, dx), (1, dw), (3, dgamma), (4, dbeta)):

        def f(v, i=i):
            return fwd(*(v if j == i else a for j, a in enumerate(args)))

        assert rel_error(analytic, numeric_gradient(f, args[i], dout)) < 1e-5


def test_affine_relu_backward_matches_numeric():
    """Does affine_relu_backward agree with central differences?"""
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((12, 10)), rng.standard_normal(10)
    out, cache = affine_relu_forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = affine_relu_backward(dout, cache)
    fwd = affine_relu_forward
    assert rel_error(dx, numeric_gradient(lambda v: fwd(v, w, b)[0], x, dout)) < 1e-7
    assert rel_error(dw, numeric_gradient(lambda v: fwd(x, v, b)[0], w, dout)) < 1e-7
    assert rel_error(db, numeric_gradient(lambda v: fwd(x, w, v)[0], b, dout)) < 1e-7
