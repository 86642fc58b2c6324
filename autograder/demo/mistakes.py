"""The alternative student and the mistaken ones: the solution, rewritten or broken on purpose.

The alternative is correct but written unlike the solution, each function
with its own cache, so a grader that compares caches, assumes the solution's
cache layout or calls a backward pass without the student's forward pass is
caught out. Its function bodies replace the solution's (found with `ast`).

Each mistake is one classic bug, patched into the solution's text. A patch
must apply exactly once: when the solution changes, fabrication stops with the
patch to update instead of producing a student who is secretly correct.
Every mistake lists the functions it breaks; its Expect follows from
CELL_FUNCTIONS (every cell calling a broken function loses points, because
each cell's public case reveals the bug: stride 2 in every conv case, N > 1,
2 x 2 pooling windows over random values, reg > 0), except the cells listed as
spared, where the bug provably changes nothing that is checked.
"""

import ast
import textwrap
from dataclasses import dataclass, field

from .recipes import (
    ALL_FUNCTIONS,
    FabricateError,
    Patch,
    Recipe,
    apply_patches,
    expect_scores,
    zip_bytes,
)

LAYERS = "cs231n/layers.py"
CNN = "cs231n/classifiers/cnn.py"


@dataclass(frozen=True)
class Mistake:
    """A classic bug: the patches that make it, and what it breaks."""

    student_id: str
    description: str
    patches: tuple
    breaks: frozenset
    spared: dict = field(default_factory=dict)  # grade_id -> why it still scores full
    #: A regular expression every hint of a cell that loses points must match: the
    #: mistake or its symptom, in the grader's words (the mistake corpus checks it).
    symptom: str = ""


MISTAKES = (
    Mistake(
        "mistake-conv-stride",
        "conv_forward_naive ignores the stride in the output size (H' and W' too large)",
        (
            Patch(
                LAYERS,
                "H_out = 1 + (H + pad_top + pad_bottom - HH) // stride",
                "H_out = 1 + (H + pad_top + pad_bottom - HH)",
            ),
            Patch(
                LAYERS,
                "W_out = 1 + (W + pad_left + pad_right - WW) // stride",
                "W_out = 1 + (W + pad_left + pad_right - WW)",
            ),
        ),
        frozenset({"conv_forward_naive"}),
    ),
    Mistake(
        "mistake-conv-db",
        "conv_backward_naive does not sum db over the batch: shape (N, F), dx and dw right",
        (
            Patch(
                LAYERS,
                "dx = dx_pad[:, :, pad_top : pad_top + H, pad_left : pad_left + W]\n"
                "    db = dout.sum(axis=(0, 2, 3))",
                "dx = dx_pad[:, :, pad_top : pad_top + H, pad_left : pad_left + W]\n"
                "    db = dout.sum(axis=(2, 3))",
            ),
        ),
        frozenset({"conv_backward_naive"}),
    ),
    Mistake(
        "mistake-maxpool-index",
        "max_pool_backward_naive swaps the row and column of the window's maximum",
        (
            Patch(
                LAYERS,
                "rows = top + first_max // (right - left)\n"
                "            cols = left + first_max % (right - left)",
                "rows = top + first_max % (right - left)\n"
                "            cols = left + first_max // (right - left)",
            ),
        ),
        frozenset({"max_pool_backward_naive"}),
    ),
    Mistake(
        "mistake-avgpool-share",
        "avg_pool_backward_naive gives each input the whole window gradient (no division by "
        "the window's count)",
        (
            Patch(
                LAYERS,
                "dx[:, :, top:bottom, left:right] += dout[:, :, i, j, None, None] / count",
                "dx[:, :, top:bottom, left:right] += dout[:, :, i, j, None, None]",
            ),
        ),
        frozenset({"avg_pool_backward_naive"}),
    ),
    Mistake(
        "mistake-bn-axes",
        "spatial_batchnorm_forward reshapes x to (N*H*W, C) without moving the channels last, "
        "so its statistics mix channels and positions",
        (
            Patch(
                LAYERS,
                "rows = x.transpose(0, 2, 3, 1).reshape(-1, C)",
                "rows = x.reshape(-1, C)",
            ),
            Patch(
                LAYERS,
                "out = out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)",
                "out = out_rows.reshape(N, C, H, W)",
            ),
        ),
        frozenset({"spatial_batchnorm_forward"}),
    ),
    Mistake(
        "mistake-l2-half",
        "ThreeLayerConvNet.loss adds reg * sum(W ** 2) to the loss, without the 0.5 "
        "(the gradient reg * W is right, so it no longer matches the loss)",
        (
            Patch(
                CNN,
                "loss += 0.5 * self.reg * sum(np.sum(W * W) for W in (W1, W2, W3))",
                "loss += self.reg * sum(np.sum(W * W) for W in (W1, W2, W3))",
            ),
        ),
        frozenset({"ThreeLayerConvNet.loss"}),
        {
            # correct_three_layer_convnet_gradients is NOT spared: the notebook's cell
            # checks the analytic gradients against a numeric gradient of the student's
            # own loss, which this bug makes disagree, and the trusted grader compares
            # the loss value as well as the gradients.
            "correct_overfit_small_data": "it trains with reg = 0, where the 0.5 changes nothing",
            "correct_train_one_epoch": (
                "training follows the gradients, which are right; the check looks at the "
                "accuracy only, never at the loss"
            ),
        },
    ),
)  # fmt: skip


def mistake_recipes(ctx):
    """One recipe per mistake, in MISTAKES order."""
    made = []
    for mistake in MISTAKES:
        # Patched now, so a patch that no longer fits fails fabrication at once.
        files = apply_patches(ctx.solution, mistake.patches, mistake.student_id)
        made.append(
            Recipe(
                mistake.student_id,
                "mistake",
                mistake.description,
                expect_scores(
                    ctx.cells,
                    works=ALL_FUNCTIONS - mistake.breaks,
                    broken=mistake.breaks,
                    spared=mistake.spared,
                    reason=f"the solution but for one bug: {mistake.description}",
                ),
                lambda files=files: zip_bytes(files),
            )
        )
    return made


# ---------------------------------------------------------------------------
# The alternative
# ---------------------------------------------------------------------------

ALTERNATIVE_BODIES = {
    "conv_forward_naive": """
        stride, pads = check_conv_args(x, w, b, conv_param)
        pad_top, pad_bottom, pad_left, pad_right = pads
        N, C, H, W = x.shape
        F, _, HH, WW = w.shape
        x_pad = np.pad(x, ((0, 0), (0, 0), (pad_top, pad_bottom), (pad_left, pad_right)))
        H_out = (x_pad.shape[2] - HH) // stride + 1
        W_out = (x_pad.shape[3] - WW) // stride + 1
        out = np.empty((N, F, H_out, W_out), dtype=float_dtype(x, w, b))
        # One dot product per example, filter and output pixel.
        for n in range(N):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        top, left = i * stride, j * stride
                        patch = x_pad[n, :, top : top + HH, left : left + WW]
                        out[n, f, i, j] = np.sum(patch * w[f]) + b[f]
        # My cache: the padded input, so the backward pass need not pad again.
        cache = (x_pad, w, stride, pads, x.shape)
        return out, cache
    """,
    "conv_backward_naive": """
        x_pad, w, stride, (pad_top, pad_bottom, pad_left, pad_right), x_shape = cache
        N, C, H, W = x_shape
        F, _, HH, WW = w.shape
        H_out, W_out = dout.shape[2], dout.shape[3]
        dtype = float_dtype(x_pad, w, dout)
        dx_pad = np.zeros(x_pad.shape, dtype=dtype)
        dw = np.zeros(w.shape, dtype=dtype)
        db = np.zeros(F, dtype=dtype)
        for n in range(N):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        top, left = i * stride, j * stride
                        g = dout[n, f, i, j]
                        dx_pad[n, :, top : top + HH, left : left + WW] += g * w[f]
                        dw[f] += g * x_pad[n, :, top : top + HH, left : left + WW]
                        db[f] += g
        dx = dx_pad[:, :, pad_top : pad_top + H, pad_left : pad_left + W]
        return dx, dw, db
    """,
    "max_pool_forward_naive": """
        PH, PW, stride = check_pool_args(x, pool_param)
        pads = pool_padding(x, pool_param)
        N, C, H, W = x.shape
        # -inf all around: padding never wins a window's maximum.
        x_pad = np.pad(
            x.astype(float_dtype(x)),
            ((0, 0), (0, 0), pads[:2], pads[2:]),
            constant_values=-np.inf,
        )
        H_out = (x_pad.shape[2] - PH) // stride + 1
        W_out = (x_pad.shape[3] - PW) // stride + 1
        out = np.empty((N, C, H_out, W_out), dtype=float_dtype(x))
        # masks[i, j] marks, in every window, the first maximum (np.argmax's choice).
        masks = np.zeros((H_out, W_out, N, C, PH * PW), dtype=bool)
        for i in range(H_out):
            for j in range(W_out):
                window = x_pad[:, :, i * stride : i * stride + PH, j * stride : j * stride + PW]
                flat = window.reshape(N, C, PH * PW)
                first = flat.argmax(axis=2)[:, :, None]
                np.put_along_axis(masks[i, j], first, True, axis=2)
                out[:, :, i, j] = np.take_along_axis(flat, first, axis=2)[:, :, 0]
        cache = (masks, x.shape, x.dtype, (PH, PW, stride), pads)
        return out, cache
    """,
    "max_pool_backward_naive": """
        masks, x_shape, x_dtype, (PH, PW, stride), (top, bottom, left, right) = cache
        N, C, H, W = x_shape
        H_out, W_out = masks.shape[:2]
        dtype = np.result_type(x_dtype, dout, 1.0)
        dx_pad = np.zeros((N, C, top + H + bottom, left + W + right), dtype=dtype)
        for i in range(H_out):
            for j in range(W_out):
                grad = masks[i, j] * dout[:, :, i, j, None]  # (N, C, PH * PW)
                rows = slice(i * stride, i * stride + PH)
                cols = slice(j * stride, j * stride + PW)
                dx_pad[:, :, rows, cols] += grad.reshape(N, C, PH, PW)
        return dx_pad[:, :, top : top + H, left : left + W]
    """,
    "spatial_batchnorm_forward": """
        check_array("x", x, 4, "(N, C, H, W)")
        check_norm_params(gamma, beta, (x.shape[1],), "(C,)")
        check_bn_param(bn_param)
        N, C, H, W = x.shape
        # Channels last, then one row per pixel of every image: (N * H * W, C).
        flat = np.moveaxis(x, 1, -1).reshape(N * H * W, C)
        out_flat, bn_cache = batchnorm_forward(flat, gamma, beta, bn_param)
        out = np.moveaxis(out_flat.reshape(N, H, W, C), -1, 1)
        cache = (bn_cache, x.shape)
        return out, cache
    """,
    "spatial_batchnorm_backward": """
        check_array("dout", dout, 4, "(N, C, H, W)")
        bn_cache, (N, C, H, W) = cache
        dflat = np.moveaxis(dout, 1, -1).reshape(N * H * W, C)
        dx_flat, dgamma, dbeta = batchnorm_backward(dflat, bn_cache)
        dx = np.moveaxis(dx_flat.reshape(N, H, W, C), -1, 1)
        return dx, dgamma, dbeta
    """,
}


def replace_body(text, function, body, path):
    """`text` with the body of top-level `function` (after its docstring) replaced by `body`."""
    tree = ast.parse(text, filename=path)
    nodes = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
    if len(nodes) != 1:
        raise FabricateError(f"{path}: {len(nodes)} top-level functions {function}, expected 1")
    node = nodes[0]
    first = node.body[0]
    has_doc = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    start = first.end_lineno if has_doc else node.body[0].lineno - 1
    lines = text.splitlines(keepends=True)
    code = "".join(
        ("    " + line if line.strip() else line) + "\n"
        for line in textwrap.dedent(body).strip("\n").splitlines()
    )
    return "".join(lines[:start]) + code + "".join(lines[node.end_lineno :])


def alternative_files(solution):
    """The solution's files with the ALTERNATIVE_BODIES in place of the solution's."""
    files = dict(solution)
    text = files[LAYERS].decode("utf-8")
    for function, body in ALTERNATIVE_BODIES.items():
        text = replace_body(text, function, body, LAYERS)
    files[LAYERS] = text.encode("utf-8")
    return files


def alternative_recipe(ctx):
    files = alternative_files(ctx.solution)
    return Recipe(
        "alternative",
        "alternative",
        "correct, unlike the solution: conv as loops over n, f, i, j, max pool with argmax "
        "masks, spatial batch norm with np.moveaxis, each with its own cache",
        expect_scores(
            ctx.cells, works=ALL_FUNCTIONS, reason="every function is correct, some differently"
        ),
        lambda: zip_bytes(files),
    )
