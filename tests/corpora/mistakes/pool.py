"""Mistakes in max and average pooling, forward and backward (cs231n/layers.py)."""

from autograder.demo.fabricate import Patch
from autograder.demo.mistakes import Mistake

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
)  # fmt: skip
