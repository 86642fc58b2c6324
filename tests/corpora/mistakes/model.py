"""Mistakes in the three-layer convnet (cs231n/classifiers/cnn.py), and one harmless variant."""

from autograder.demo.mistakes import Mistake
from autograder.demo.recipes import Patch

CNN = "cs231n/classifiers/cnn.py"
INIT = frozenset({"ThreeLayerConvNet.__init__"})
LOSS = frozenset({"ThreeLayerConvNet.loss"})
AFFINE_RELU = 'dpooled, grads["W2"], grads["b2"] = affine_relu_backward(dhidden, cache2)'
REG_GRAD = (
    '        for name, W in (("W1", W1), ("W2", W2), ("W3", W3)):\n'
    "            grads[name] += self.reg * W\n"
)
#: Training follows the gradients and checks accuracy only: a loss that is off
#: (never its gradients) trains exactly as the solution does.
LOSS_ONLY = {
    "correct_overfit_small_data": "training follows the gradients, which are right",
    "correct_train_one_epoch": "training follows the gradients, which are right",
}

MISTAKES = (
    Mistake(
        "mistake-l2-biases",
        "ThreeLayerConvNet.loss regularises the biases too, in the loss and the gradients",
        (
            Patch(
                CNN,
                "for W in (W1, W2, W3))",
                "for W in (W1, W2, W3, b1, b2, b3))",
            ),
            Patch(
                CNN,
                'for name, W in (("W1", W1), ("W2", W2), ("W3", W3)):',
                'for name, W in (("W1", W1), ("W2", W2), ("W3", W3), ("b1", b1), ("b2", b2), '
                '("b3", b3)):',
            ),
        ),
        LOSS,
    ),
    Mistake(
        "mistake-l2-no-gradient",
        "ThreeLayerConvNet.loss adds the L2 term to the loss but not to the gradients",
        (Patch(CNN, REG_GRAD, "        # (the regularisation's gradient is forgotten)\n"),),
        LOSS,
    ),
    Mistake(
        "mistake-relu-skipped",
        "ThreeLayerConvNet.loss backpropagates through the hidden affine layer but skips its "
        "ReLU (the gradient flows where the unit was off)",
        (
            Patch(
                CNN,
                AFFINE_RELU,
                'dpooled, grads["W2"], grads["b2"] = affine_backward(dhidden, cache2[0])',
            ),
        ),
        LOSS,
    ),
    Mistake(
        "mistake-init-unpooled",
        "ThreeLayerConvNet.__init__ sizes W2 for the convolution's output, forgetting that the "
        "pool halves the height and width",
        (
            Patch(
                CNN,
                "weight_scale * np.random.randn(F * (H // 2) * (W // 2), hidden_dim)",
                "weight_scale * np.random.randn(F * H * W, hidden_dim)",
            ),
        ),
        INIT,
    ),
    Mistake(
        "mistake-init-scale",
        "ThreeLayerConvNet.__init__ draws W3 without weight_scale (standard normal weights)",
        (
            Patch(
                CNN,
                'self.params["W3"] = weight_scale * np.random.randn(hidden_dim, num_classes)',
                'self.params["W3"] = np.random.randn(hidden_dim, num_classes)',
            ),
        ),
        INIT,
    ),
)

#: Variants that look wrong and are not: each must keep full marks.
HARMLESS = (
    Mistake(
        "harmless-relu-output",
        "ThreeLayerConvNet.loss runs relu_backward on the ReLU's output instead of its input: "
        "the mask (value > 0) is the same, so the gradients are right",
        (
            Patch(
                CNN,
                "from ..layers import affine_backward, affine_forward, softmax_loss",
                "from ..layers import affine_backward, affine_forward, relu_backward, softmax_loss",
            ),
            Patch(
                CNN,
                AFFINE_RELU,
                'dpooled, grads["W2"], grads["b2"] = affine_backward(\n'
                "            relu_backward(dhidden, hidden), cache2[0]\n"
                "        )",
            ),
        ),
        frozenset(),
    ),
)
