# GENERATED for this assignment from assignment/cs231n/classifiers/cnn.py (convkit).
# Students: write your code in this file, in place of each line that raises NotImplementedError.
"""A three-layer convolutional network, built from the layers of this package.

The model follows the interface the Solver expects (see `solver.py`): its
parameters live in the dict `self.params` (numpy arrays, keyed by name), and
`loss(X)` returns class scores while `loss(X, y)` returns the loss and a dict
of gradients with the same keys as `self.params`.
"""

import numpy as np

from ..layer_utils import (
    affine_relu_backward,
    affine_relu_forward,
    conv_relu_pool_backward,
    conv_relu_pool_forward,
)
from ..layers import affine_backward, affine_forward, softmax_loss
from ..shapes import check_array, positive_int


class ThreeLayerConvNet:
    """
    A three-layer convolutional network with the following architecture:

    conv - relu - 2x2 max pool - affine - relu - affine - softmax

    The network operates on minibatches of data that have shape (N, C, H, W)
    consisting of N images, each with height H and width W and with C input
    channels. The convolution keeps the spatial size ('same' padding, stride
    1) and the pool halves it, so H and W must be even.

    Parameters (in self.params):
    - W1: convolution filters, of shape (F, C, filter_size, filter_size)
    - b1: convolution biases, of shape (F,)
    - W2: hidden affine weights, of shape (F * H / 2 * W / 2, hidden_dim)
    - b2: hidden affine biases, of shape (hidden_dim,)
    - W3: output affine weights, of shape (hidden_dim, num_classes)
    - b3: output affine biases, of shape (num_classes,)
    """

    def __init__(
        self,
        input_dim=(3, 32, 32),
        num_filters=32,
        filter_size=7,
        hidden_dim=100,
        num_classes=10,
        weight_scale=1e-3,
        reg=0.0,
        dtype=np.float32,
    ):
        """
        Initialize a new network.

        Inputs:
        - input_dim: Tuple (C, H, W) giving size of input data
        - num_filters: Number of filters to use in the convolutional layer
        - filter_size: Width/height of filters to use in the convolutional layer
        - hidden_dim: Number of units to use in the fully-connected hidden layer
        - num_classes: Number of scores to produce from the final affine layer.
        - weight_scale: Scalar giving standard deviation for random initialization
          of weights.
        - reg: Scalar giving L2 regularization strength
        - dtype: numpy datatype to use for computation.
        """
        if not isinstance(input_dim, (tuple, list)) or len(input_dim) != 3:
            raise ValueError(f"input_dim must be a tuple (C, H, W), got {input_dim!r}")
        C, H, W = (positive_int(d, "each entry of input_dim (C, H, W)") for d in input_dim)
        if H % 2 or W % 2:
            raise ValueError(
                f"input_dim = {tuple(input_dim)}: H and W must be even for the 2x2 max pool"
            )
        for value, name in (
            (num_filters, "num_filters"),
            (filter_size, "filter_size"),
            (hidden_dim, "hidden_dim"),
            (num_classes, "num_classes"),
        ):
            positive_int(value, name)
        self.params = {}
        self.reg = reg
        self.dtype = dtype
        self.input_dim = (C, H, W)
        self.filter_size = filter_size

        # TODO: Initialize weights and biases for the three-layer convolutional
        # network. Weights are drawn from a Gaussian centered at 0.0 with
        # standard deviation equal to weight_scale (np.random.randn); biases
        # are zero. Store them in self.params under the keys W1, b1 (the
        # convolution), W2, b2 (the hidden affine layer) and W3, b3 (the output
        # affine layer), with the shapes listed in the class docstring.
        raise NotImplementedError("ThreeLayerConvNet.__init__: not implemented yet; write it in cs231n/classifiers/cnn.py")

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """
        Evaluate loss and gradient for the three-layer convolutional network.

        Inputs:
        - X: Array of input data of shape (N, C, H, W)
        - y: Array of labels, of shape (N,). y[i] gives the label for X[i].

        Returns:
        If y is None, then run a test-time forward pass of the model and return:
        - scores: Array of shape (N, num_classes) giving classification scores,
          where scores[i, c] is the classification score for X[i] and class c.

        If y is not None, then run a training-time forward and backward pass and
        return a tuple of:
        - loss: Scalar value giving the loss: the softmax loss plus
          0.5 * reg * (sum of the squares of W1, W2 and W3); biases are not
          regularised.
        - grads: Dictionary with the same keys as self.params, mapping parameter
          names to gradients of the loss with respect to those parameters.
        """
        check_array("X", X, 4, "(N, C, H, W)")
        if X.shape[1:] != self.input_dim:
            raise ValueError(
                f"X must have shape (N, C, H, W) with (C, H, W) = {self.input_dim} "
                f"(the model's input_dim), got {X.shape}"
            )
        X = X.astype(self.dtype, copy=False)
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]

        # The convolution keeps the spatial size; the pool halves it.
        conv_param = {"stride": 1, "pad": "same"}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        # TODO: Implement the forward pass for the three-layer convolutional
        # net, computing the class scores for X and storing them in the scores
        # variable. Use the sandwich layers of cs231n/layer_utils.py.
        raise NotImplementedError("ThreeLayerConvNet.loss: not implemented yet; write it in cs231n/classifiers/cnn.py")

        if y is None:
            return scores

        # TODO: Implement the backward pass for the three-layer convolutional
        # net, storing the loss and gradients in the loss and grads variables.
        # Compute data loss using softmax, and make sure that grads[k] holds
        # the gradients for self.params[k]. Don't forget to add L2
        # regularization, with the factor 0.5 written in the docstring above.
        raise NotImplementedError("ThreeLayerConvNet.loss: not implemented yet; write it in cs231n/classifiers/cnn.py")

        return loss, grads
