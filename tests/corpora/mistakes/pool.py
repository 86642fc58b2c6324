"""Mistakes in max and average pooling, forward and backward (cs231n/layers.py)."""

from autograder.demo.mistakes import Mistake
from autograder.demo.recipes import Patch

LAYERS = "cs231n/layers.py"
#: Where the forward passes' windows start, as the solution writes it (the same in all four).
TOP = "top, bottom = max(i * stride - pad_top, 0), min(i * stride - pad_top + PH, H)"
LEFT = "left, right = max(j * stride - pad_left, 0), min(j * stride - pad_left + PW, W)"
#: The loop of max_pool_forward_naive, from its comment to its maximum.
MAX_LOOP = (
    "        # Window i covers padded rows i * stride ... i * stride + PH - 1: shift\n"
    "        # them by pad_top into rows of x, and keep those inside x.\n"
    f"        {TOP}\n"
    "        for j in range(W_out):\n"
    f"            {LEFT}\n"
    "            window = x[:, :, top:bottom, left:right]\n"
    "            out[:, :, i, j] = window.max(axis=(2, 3))\n"
)
MAX_ROWS = (
    "rows = top + first_max // (right - left)\n            cols = left + first_max % (right - left)"
)
#: The count of each window in the average-pooling forward and backward passes.
COUNT = "count = PH * PW if count_include_pad else (bottom - top) * (right - left)"
AVG_OUT = "out[:, :, i, j] = window.sum(axis=(2, 3)) / count"
AVG_DX = "dx[:, :, top:bottom, left:right] += dout[:, :, i, j, None, None] / count"


def count_is(expression, line):
    """A patch: the count just before `line` (AVG_OUT or AVG_DX) becomes `expression`."""
    indent = "\n            "
    return Patch(LAYERS, f"{COUNT}{indent}{line}", f"count = {expression}{indent}{line}")


#: The cases of these cells have no padding.
UNPADDED = {
    "correct_max_pool_forward_naive": "no case of the cell is padded",
    "correct_max_pool_backward_naive": "no case of the cell is padded",
    "correct_max_pool_fast_matches_naive": "no case of the cell is padded",
    "correct_avg_pool_forward_naive": "no case of the cell is padded",
    "correct_avg_pool_backward_naive": "no case of the cell is padded",
}

MISTAKES = (
    Mistake(
        "mistake-maxpool-window-stride",
        "max_pool_forward_naive slides the window one pixel at a time whatever the stride",
        (
            Patch(
                LAYERS,
                MAX_LOOP,
                MAX_LOOP.replace("i * stride", "i").replace("j * stride", "j"),
            ),
        ),
        frozenset({"max_pool_forward_naive"}),
    ),
    Mistake(
        "mistake-maxpool-height-for-width",
        "max_pool_forward_naive takes pool_height for the window's width too (invisible on "
        "square windows)",
        (Patch(LAYERS, MAX_LOOP, MAX_LOOP.replace(LEFT, LEFT.replace("+ PW", "+ PH"))),),
        frozenset({"max_pool_forward_naive"}),
        {
            "correct_max_pool_fast_matches_naive": "every window of the cell is square "
            "(2 x 2 and 3 x 3)",
        },
    ),
    Mistake(
        "mistake-maxpool-window-same-index",
        "max_pool_forward_naive indexes the window's columns with the row index i (a typo)",
        (Patch(LAYERS, MAX_LOOP, MAX_LOOP.replace("j * stride", "i * stride")),),
        frozenset({"max_pool_forward_naive"}),
    ),
    Mistake(
        "mistake-maxpool-every-max",
        "max_pool_backward_naive sends the gradient to every maximum of a window, not to the "
        "first one only (visible with ties)",
        (
            Patch(
                LAYERS,
                "            first_max = window.reshape(N, C, -1).argmax(axis=2)  # (N, C)\n"
                f"            {MAX_ROWS}\n"
                "            dx[n_idx, c_idx, rows, cols] += dout[:, :, i, j]\n",
                "            is_max = window == window.max(axis=(2, 3), keepdims=True)\n"
                "            dx[:, :, top:bottom, left:right] += (\n"
                "                is_max * dout[:, :, i, j, None, None]\n"
                "            )\n",
            ),
        ),
        frozenset({"max_pool_backward_naive"}),
        {
            "correct_max_pool_fast_matches_naive": "it compares on random values, where a "
            "window has no ties",
        },
    ),
    Mistake(
        "mistake-maxpool-assign",
        "max_pool_backward_naive assigns the gradient instead of adding it, so windows that "
        "overlap (stride < pool size) lose all but the last contribution",
        (
            Patch(
                LAYERS,
                "dx[n_idx, c_idx, rows, cols] += dout[:, :, i, j]",
                "dx[n_idx, c_idx, rows, cols] = dout[:, :, i, j]",
            ),
        ),
        frozenset({"max_pool_backward_naive"}),
    ),
    Mistake(
        "mistake-maxpool-bwd-no-stride",
        "max_pool_backward_naive forgets the stride when it places the maximum's gradient",
        (
            Patch(
                LAYERS,
                MAX_ROWS,
                "rows = i + first_max // (right - left)\n"
                "            cols = j + first_max % (right - left)",
            ),
        ),
        frozenset({"max_pool_backward_naive"}),
    ),
    Mistake(
        "mistake-avgpool-sum",
        "avg_pool_forward_naive sums each window instead of averaging it",
        (Patch(LAYERS, AVG_OUT, "out[:, :, i, j] = window.sum(axis=(2, 3))"),),
        frozenset({"avg_pool_forward_naive"}),
    ),
    Mistake(
        "mistake-avgpool-divide-by-stride",
        "avg_pool_backward_naive divides by stride * stride instead of the window's size "
        "(the same only when the stride equals the pool size)",
        (count_is("stride * stride", AVG_DX),),
        frozenset({"avg_pool_backward_naive"}),
    ),
    Mistake(
        "mistake-avgpool-assign",
        "avg_pool_backward_naive assigns each window's share instead of adding it (overlapping "
        "windows overwrite each other)",
        (Patch(LAYERS, AVG_DX, AVG_DX.replace("+=", "=")),),
        frozenset({"avg_pool_backward_naive"}),
    ),
    # Padding, and strides that do not tile.
    Mistake(
        "mistake-maxpool-pad-zeros",
        "max pooling pads x with zeros (np.pad, as for a convolution) and pools the padded "
        "array, forward and backward: a zero of the padding beats a window of negative values",
        (
            Patch(
                LAYERS,
                MAX_LOOP,
                "        pads = ((0, 0), (0, 0), (pad_top, pad_bottom), (pad_left, pad_right))\n"
                "        x_pad = np.pad(x, pads)\n"
                "        for j in range(W_out):\n"
                "            rows = slice(i * stride, i * stride + PH)\n"
                "            window = x_pad[:, :, rows, j * stride : j * stride + PW]\n"
                "            out[:, :, i, j] = window.max(axis=(2, 3))\n",
            ),
            Patch(
                LAYERS,
                "    n_idx, c_idx = np.meshgrid(np.arange(N), np.arange(C), indexing=\"ij\")\n"
                "    for i in range(H_out):\n"
                f"        {TOP}\n"
                "        for j in range(W_out):\n"
                f"            {LEFT}\n"
                "            window = x[:, :, top:bottom, left:right]\n"
                "            first_max = window.reshape(N, C, -1).argmax(axis=2)  # (N, C)\n"
                f"            {MAX_ROWS}\n"
                "            dx[n_idx, c_idx, rows, cols] += dout[:, :, i, j]\n",
                "    n_idx, c_idx = np.meshgrid(np.arange(N), np.arange(C), indexing=\"ij\")\n"
                "    pads = ((0, 0), (0, 0), (pad_top, pad_bottom), (pad_left, pad_right))\n"
                "    x_pad = np.pad(x, pads)\n"
                "    dx_pad = np.zeros(x_pad.shape, dtype=dx.dtype)\n"
                "    for i in range(H_out):\n"
                "        for j in range(W_out):\n"
                "            top, left = i * stride, j * stride\n"
                "            window = x_pad[:, :, top : top + PH, left : left + PW]\n"
                "            first_max = window.reshape(N, C, -1).argmax(axis=2)  # (N, C)\n"
                "            rows, cols = top + first_max // PW, left + first_max % PW\n"
                "            dx_pad[n_idx, c_idx, rows, cols] += dout[:, :, i, j]\n"
                "    dx = dx_pad[:, :, pad_top : pad_top + H, pad_left : pad_left + W]\n",
            ),
        ),
        frozenset({"max_pool_forward_naive", "max_pool_backward_naive"}),
        UNPADDED,
    ),
    Mistake(
        "mistake-avgpool-full-window",
        "average pooling always divides by pool_height * pool_width, forward and backward, "
        "even for 'same' padding without count_include_pad (the padding counted as zeros)",
        (
            count_is("PH * PW", AVG_OUT),
            count_is("PH * PW", AVG_DX),
        ),
        frozenset({"avg_pool_forward_naive", "avg_pool_backward_naive"}),
        UNPADDED,
    ),
    Mistake(
        "mistake-avgpool-pad-side",
        "avg_pool_forward_naive puts the padding on the wrong side: the bottom and right "
        "amounts above and to the left ('same' pads unevenly)",
        (
            Patch(
                LAYERS,
                "    out = np.zeros((N, C, H_out, W_out), dtype=float_dtype(x))\n"
                "    for i in range(H_out):\n"
                f"        {TOP}\n"
                "        for j in range(W_out):\n"
                f"            {LEFT}\n",
                "    out = np.zeros((N, C, H_out, W_out), dtype=float_dtype(x))\n"
                "    for i in range(H_out):\n"
                f"        {TOP.replace('pad_top', 'pad_bottom')}\n"
                "        for j in range(W_out):\n"
                f"            {LEFT.replace('pad_left', 'pad_right')}\n",
            ),
        ),
        frozenset({"avg_pool_forward_naive"}),
        {"correct_avg_pool_forward_naive": "no case of the cell is padded"},
    ),
    Mistake(
        "mistake-maxpool-ceil",
        "max_pool_forward_naive rounds the output size up (a ceil, not a floor): one window "
        "too many where the stride leaves rows or columns over",
        (
            Patch(
                LAYERS,
                "    H_out = 1 + (H + pad_top + pad_bottom - PH) // stride\n"
                "    W_out = 1 + (W + pad_left + pad_right - PW) // stride\n"
                "    out = np.zeros((N, C, H_out, W_out), dtype=float_dtype(x))\n"
                "    for i in range(H_out):\n"
                "        # Window i",
                "    H_out = 1 - (-(H + pad_top + pad_bottom - PH) // stride)\n"
                "    W_out = 1 - (-(W + pad_left + pad_right - PW) // stride)\n"
                "    out = np.zeros((N, C, H_out, W_out), dtype=float_dtype(x))\n"
                "    for i in range(H_out):\n"
                "        # Window i",
            ),
        ),
        frozenset({"max_pool_forward_naive"}),
    ),
)  # fmt: skip
