"""Mistakes in the naive convolution, forward and backward (cs231n/layers.py)."""

from autograder.demo.mistakes import Mistake
from autograder.demo.recipes import Patch

LAYERS = "cs231n/layers.py"
FORWARD = frozenset({"conv_forward_naive"})
BACKWARD = frozenset({"conv_backward_naive"})

#: The forward pass's window, as the solution writes it.
WINDOW = "window = x_pad[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW]"
#: The last lines of the backward pass.
CROP = (
    "    dx = dx_pad[:, :, pad_top : pad_top + H, pad_left : pad_left + W]\n"
    "    db = dout.sum(axis=(0, 2, 3))"
)

MISTAKES = (
    Mistake(
        "mistake-conv-window-stride",
        "conv_forward_naive sizes the output with the stride but slides the window one pixel "
        "at a time",
        (Patch(LAYERS, WINDOW, "window = x_pad[:, :, i : i + HH, j : j + WW]"),),
        FORWARD,
    ),
    Mistake(
        "mistake-conv-bias-twice",
        "conv_forward_naive adds the bias twice",
        (
            Patch(
                LAYERS,
                "axes=([1, 2, 3], [1, 2, 3])) + b\n    ### END SOLUTION\n    cache = (x, w, b, "
                "conv_param)",
                "axes=([1, 2, 3], [1, 2, 3])) + 2 * b\n    ### END SOLUTION\n    cache = (x, w, "
                "b, conv_param)",
            ),
        ),
        FORWARD,
    ),
    Mistake(
        "mistake-conv-no-bias",
        "conv_forward_naive never adds the bias",
        (
            Patch(
                LAYERS,
                "axes=([1, 2, 3], [1, 2, 3])) + b\n    ### END SOLUTION\n    cache = (x, w, b, "
                "conv_param)",
                "axes=([1, 2, 3], [1, 2, 3]))\n    ### END SOLUTION\n    cache = (x, w, b, "
                "conv_param)",
            ),
        ),
        FORWARD,
    ),
    Mistake(
        "mistake-conv-same-pad-side",
        "conv_forward_naive puts the padding on the wrong side: bottom and right amounts at "
        "the top and left ('same' with an even kernel pads unevenly)",
        (
            Patch(
                LAYERS,
                "    x_pad = np.pad(x, ((0, 0), (0, 0), (pad_top, pad_bottom), (pad_left, "
                "pad_right)))\n    out = np.zeros",
                "    x_pad = np.pad(x, ((0, 0), (0, 0), (pad_bottom, pad_top), (pad_right, "
                "pad_left)))\n    out = np.zeros",
            ),
        ),
        FORWARD,
        {
            "correct_conv_fast_matches_naive": "it compares on the notebook's inputs, padded "
            "by 1 on every side",
        },
    ),
    Mistake(
        "mistake-conv-flipped-kernel",
        "conv_forward_naive flips the filters (a true convolution; CNN layers cross-correlate)",
        (
            Patch(
                LAYERS,
                "out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b",
                "out[:, :, i, j] = np.tensordot(window, w[:, :, ::-1, ::-1], "
                "axes=([1, 2, 3], [1, 2, 3])) + b",
            ),
        ),
        FORWARD,
    ),
    Mistake(
        "mistake-conv-window-same-index",
        "conv_forward_naive indexes the window's columns with the row index i (a typo)",
        (
            Patch(
                LAYERS,
                WINDOW,
                "window = x_pad[:, :, i * stride : i * stride + HH, i * stride : i * stride + WW]",
            ),
        ),
        FORWARD,
    ),
    Mistake(
        "mistake-conv-dx-not-cropped",
        "conv_backward_naive returns the gradient of the padded input (padding not removed "
        "from dx)",
        (Patch(LAYERS, CROP, "    dx = dx_pad\n    db = dout.sum(axis=(0, 2, 3))"),),
        BACKWARD,
    ),
    Mistake(
        "mistake-conv-dx-crop-corner",
        "conv_backward_naive crops dx from the top-left corner instead of removing the padding "
        "on every side",
        (Patch(LAYERS, CROP, "    dx = dx_pad[:, :, :H, :W]\n    db = dout.sum(axis=(0, 2, 3))"),),
        BACKWARD,
    ),
    Mistake(
        "mistake-conv-dw-not-accumulated",
        "conv_backward_naive assigns dw at each output position instead of accumulating it",
        (
            Patch(
                LAYERS,
                "dw += np.tensordot(g, x_pad[:, :, rows, cols], axes=([0], [0]))",
                "dw = np.tensordot(g, x_pad[:, :, rows, cols], axes=([0], [0]))",
            ),
        ),
        BACKWARD,
    ),
    Mistake(
        "mistake-conv-dx-not-accumulated",
        "conv_backward_naive assigns each window's dx instead of adding it, so overlapping "
        "windows overwrite each other",
        (
            Patch(
                LAYERS,
                "dx_pad[:, :, rows, cols] += np.tensordot(g, w, axes=([1], [0]))",
                "dx_pad[:, :, rows, cols] = np.tensordot(g, w, axes=([1], [0]))",
            ),
        ),
        BACKWARD,
    ),
    Mistake(
        "mistake-conv-db-mean",
        "conv_backward_naive averages db over the batch and positions instead of summing",
        (
            Patch(
                LAYERS,
                CROP,
                "    dx = dx_pad[:, :, pad_top : pad_top + H, pad_left : pad_left + W]\n"
                "    db = dout.mean(axis=(0, 2, 3))",
            ),
        ),
        BACKWARD,
    ),
    Mistake(
        "mistake-conv-dw-unpadded",
        "conv_backward_naive takes dw's windows from x instead of the padded x",
        (
            Patch(
                LAYERS,
                "dw += np.tensordot(g, x_pad[:, :, rows, cols], axes=([0], [0]))",
                "dw += np.tensordot(g, x[:, :, rows, cols], axes=([0], [0]))",
            ),
        ),
        BACKWARD,
    ),
)
