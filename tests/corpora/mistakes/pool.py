"""Mistakes in max and average pooling, forward and backward (cs231n/layers.py)."""

from autograder.demo.fabricate import Patch
from autograder.demo.mistakes import Mistake

LAYERS = "cs231n/layers.py"
WINDOW = "window = x[:, :, i * stride : i * stride + PH, j * stride : j * stride + PW]"
MAX_ROWS = "rows = i * stride + first_max // PW\n            cols = j * stride + first_max % PW"

MISTAKES = (
    Mistake(
        "mistake-maxpool-window-stride",
        "max_pool_forward_naive slides the window one pixel at a time whatever the stride",
        (
            Patch(
                LAYERS,
                WINDOW + "\n            out[:, :, i, j] = window.max(axis=(2, 3))",
                "window = x[:, :, i : i + PH, j : j + PW]\n"
                "            out[:, :, i, j] = window.max(axis=(2, 3))",
            ),
        ),
        frozenset({"max_pool_forward_naive"}),
    ),
    Mistake(
        "mistake-maxpool-window-same-index",
        "max_pool_forward_naive indexes the window's columns with the row index i (a typo)",
        (
            Patch(
                LAYERS,
                WINDOW + "\n            out[:, :, i, j] = window.max(axis=(2, 3))",
                "window = x[:, :, i * stride : i * stride + PH, i * stride : i * stride + PW]\n"
                "            out[:, :, i, j] = window.max(axis=(2, 3))",
            ),
        ),
        frozenset({"max_pool_forward_naive"}),
    ),
    Mistake(
        "mistake-maxpool-every-max",
        "max_pool_backward_naive sends the gradient to every maximum of a window, not to the "
        "first one only (visible with ties)",
        (
            Patch(
                LAYERS,
                "            first_max = window.reshape(N, C, PH * PW).argmax(axis=2)  # (N, C)\n"
                "            rows = i * stride + first_max // PW\n"
                "            cols = j * stride + first_max % PW\n"
                "            dx[n_idx, c_idx, rows, cols] += dout[:, :, i, j]\n",
                "            is_max = window == window.max(axis=(2, 3), keepdims=True)\n"
                "            dx[:, :, i * stride : i * stride + PH, j * stride : j * stride + PW]"
                " += (\n"
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
                "rows = i + first_max // PW\n            cols = j + first_max % PW",
            ),
        ),
        frozenset({"max_pool_backward_naive"}),
    ),
    Mistake(
        "mistake-avgpool-sum",
        "avg_pool_forward_naive sums each window instead of averaging it",
        (
            Patch(
                LAYERS,
                "out[:, :, i, j] = window.mean(axis=(2, 3))",
                "out[:, :, i, j] = window.sum(axis=(2, 3))",
            ),
        ),
        frozenset({"avg_pool_forward_naive"}),
    ),
    Mistake(
        "mistake-avgpool-divide-by-stride",
        "avg_pool_backward_naive divides by stride * stride instead of the window's size "
        "(the same only when the stride equals the pool size)",
        (Patch(LAYERS, "share = dout / (PH * PW)", "share = dout / (stride * stride)"),),
        frozenset({"avg_pool_backward_naive"}),
    ),
    Mistake(
        "mistake-avgpool-assign",
        "avg_pool_backward_naive assigns each window's share instead of adding it (overlapping "
        "windows overwrite each other)",
        (
            Patch(
                LAYERS,
                "dx[:, :, rows, cols] += share[:, :, i, j, None, None]",
                "dx[:, :, rows, cols] = share[:, :, i, j, None, None]",
            ),
        ),
        frozenset({"avg_pool_backward_naive"}),
    ),
)
