"""Mistakes in the naive transposed convolution, forward and backward (cs231n/layers.py)."""

from autograder.demo.mistakes import Mistake
from autograder.demo.recipes import Patch

LAYERS = "cs231n/layers.py"
FORWARD = frozenset({"conv_transpose_forward_naive"})
BACKWARD = frozenset({"conv_transpose_backward_naive"})

MISTAKES = (
    Mistake(
        "mistake-transpose-flipped-kernel",
        "conv_transpose_forward_naive flips the kernel before scattering it (the transposed "
        "convolution scatters w as it is)",
        (
            Patch(
                LAYERS,
                "patch = np.tensordot(x[:, :, i, j], w, axes=([1], [0]))",
                "patch = np.tensordot(x[:, :, i, j], w[:, :, ::-1, ::-1], axes=([1], [0]))",
            ),
        ),
        FORWARD,
    ),
    Mistake(
        "mistake-transpose-stride",
        "conv_transpose_forward_naive scatters every input pixel one step apart whatever "
        "the stride",
        (
            Patch(
                LAYERS,
                "out_pad[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW] "
                "+= patch",
                "out_pad[:, :, i : i + HH, j : j + WW] += patch",
            ),
        ),
        FORWARD,
    ),
    Mistake(
        "mistake-transpose-crop-corner",
        "conv_transpose_forward_naive crops its output from the top-left corner instead of "
        "removing the padding",
        (
            Patch(
                LAYERS,
                "out = out_pad[:, :, pad_top : pad_top + H_out, pad_left : pad_left + W_out]",
                "out = out_pad[:, :, :H_out, :W_out]",
            ),
        ),
        FORWARD,
    ),
    Mistake(
        "mistake-transpose-no-bias",
        "conv_transpose_forward_naive never adds the bias",
        (Patch(LAYERS, "out = out + b[None, :, None, None]", "out = out.copy()"),),
        FORWARD,
        {
            "correct_conv_transpose_is_conv_backward": "it checks the transpose against a "
            "convolution's input gradient, with b = 0",
        },
    ),
    Mistake(
        "mistake-transpose-db-per-example",
        "conv_transpose_backward_naive does not sum db over the batch",
        (
            Patch(
                LAYERS,
                "dw += np.tensordot(x[:, :, i, j], window, axes=([0], [0]))\n"
                "    db = dout.sum(axis=(0, 2, 3))",
                "dw += np.tensordot(x[:, :, i, j], window, axes=([0], [0]))\n"
                "    db = dout.sum(axis=(2, 3))",
            ),
        ),
        BACKWARD,
    ),
    Mistake(
        "mistake-transpose-dw-not-accumulated",
        "conv_transpose_backward_naive assigns dw at each input pixel instead of accumulating",
        (
            Patch(
                LAYERS,
                "dw += np.tensordot(x[:, :, i, j], window, axes=([0], [0]))",
                "dw = np.tensordot(x[:, :, i, j], window, axes=([0], [0]))",
            ),
        ),
        BACKWARD,
    ),
)
