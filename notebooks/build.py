"""Build the assignment's nbgrader source notebooks from the cell lists in this file.

    python notebooks/build.py           rewrite notebooks/*.ipynb
    python notebooks/build.py --check   exit 1 if a committed notebook differs from the build

The .ipynb files are generated: edit this file, then rebuild (the tests check that
the two agree). Each notebook is a list of cells made by the helpers below, and
every section has the same beat:

1. `md(...)`: a spec naming the file and function to write, in backticks;
2. `check_cell(grade_id, points, visible, more)`: an nbgrader grade cell whose
   first line says what error to expect; the first part runs the student's
   code on seeded reference inputs inside `with checking(...)` and calls
   `check(...)` (cs231n/checks.py); the second part (optional) tests other
   inputs against the provided fast layers, numeric gradients or properties.
   Both are visible: the hidden cases live in the grader only
   (autograder/grade/cases.py) and the notebooks never grade (the trusted
   harness does), so a check cell is there to teach;
3. `question(n, grade_id, points, prompt, answer)`: an inline question, always
   in the same form: a read-only "**Inline Question n:**" cell and a manually
   graded "**Your Answer:**" cell whose instructor answer sits between
   `### BEGIN SOLUTION` and `### END SOLUTION`.

Cells where students write notebook code (`solution_cell`) hold the instructor's
answer between the same solution markers. Source notebooks carry no outputs.
"""

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent

NBGRADER_SCHEMA = 3


def _source(text):
    return textwrap.dedent(text).strip("\n")


def _nbgrader(grade_id, *, grade, solution, locked, points=None):
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": NBGRADER_SCHEMA,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def md(text):
    """An ordinary markdown cell."""
    return nbformat.v4.new_markdown_cell(_source(text))


def code(text):
    """An ordinary code cell."""
    return nbformat.v4.new_code_cell(_source(text))


def check_cell(grade_id, points, visible, more=None):
    """An autograded test cell: the check on reference inputs, then more checks (if any)."""
    text = _source(visible)
    if more:
        text += "\n\n" + _source(more)
    meta = _nbgrader(grade_id, grade=True, solution=False, locked=True, points=points)
    return nbformat.v4.new_code_cell(text, metadata=meta)


def solution_cell(grade_id, text):
    """A code cell the student completes (not graded itself; a check cell tests it)."""
    meta = _nbgrader(grade_id, grade=False, solution=True, locked=False)
    return nbformat.v4.new_code_cell(_source(text), metadata=meta)


def question(number, grade_id, points, prompt, answer):
    """An inline question: a read-only prompt and a manually graded answer cell."""
    prompt_cell = nbformat.v4.new_markdown_cell(
        f"**Inline Question {number}:** {_source(prompt)}",
        metadata=_nbgrader(f"{grade_id}_prompt", grade=False, solution=False, locked=True),
    )
    answer_cell = nbformat.v4.new_markdown_cell(
        "**Your Answer:**\n\n### BEGIN SOLUTION\n" + _source(answer) + "\n### END SOLUTION",
        metadata=_nbgrader(grade_id, grade=True, solution=True, locked=False, points=points),
    )
    return [prompt_cell, answer_cell]


def notebook(stem, cells):
    """Assemble a notebook: flatten the cells, give each a stable id, set the metadata."""
    flat = []
    for cell in cells:
        flat.extend(cell if isinstance(cell, list) else [cell])
    for index, cell in enumerate(flat):
        nbgrader = cell.metadata.get("nbgrader")
        cell["id"] = nbgrader["grade_id"] if nbgrader else f"{stem.lower()}-{index:02d}"
    nb = nbformat.v4.new_notebook(cells=flat)
    nb.metadata = {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
        "convkit": {"generated_by": "notebooks/build.py", "edit": "edit build.py, then rebuild"},
    }
    return nb


# ---------------------------------------------------------------------------
# Shared text
# ---------------------------------------------------------------------------

HOW_CHECKS_WORK = """
**How the checks work.** Each section names the file and function you write. The check
cell after it runs your code on seeded inputs saved in `reference/` and compares your
outputs with the solution's using `rel_error` (relative error). It prints one line,
`PASSED` or `FAILED` with the relative error and the threshold; when a check fails it
also says what looks wrong (a wrong shape and which axis, an output off by a constant,
scaled, transposed, wrong only on the border, ...). A function you have not written yet
gives a single "Not implemented yet" line. Check cells are locked: do not edit them.
Their first line says what error to expect.

**How you are graded.** The autograder calls your functions on the check cells' inputs
and on hidden ones of the same kinds (other values, shapes and seeds), in a sandbox, and
compares the outputs with the solution's: a check cell that passes here is a good sign,
not a grade. The naive layers (`conv_forward_naive`, the `*_pool_*_naive` and
`conv_transpose_*_naive` functions) earn their points only by doing the work
themselves: while they are graded, the provided fast layers (`cs231n/fast_layers.py`)
are out of reach, so calling one raises an error, and a copy of their code is flagged
to your instructor. Your own vectorised numpy code is welcome.
"""

# ---------------------------------------------------------------------------
# ConvolutionalNetworks.ipynb
# ---------------------------------------------------------------------------

CONV_NETS = [
    md(
        """
        # Convolutional Networks

        So far you have built fully connected networks. In practice, image models are
        almost always convolutional. In this notebook you will write the convolution
        and max-pooling layers (naive versions first, to understand them), compare
        them with the fast versions provided, assemble a three-layer convolutional
        network, overfit it on a tiny dataset, train it for one epoch and look at the
        filters it learns.
        """
    ),
    md(HOW_CHECKS_WORK),
    code(
        """
        # Run this cell first: it imports what the notebook uses and sets up plotting.
        import os
        import time

        import matplotlib.pyplot as plt
        import numpy as np
        from matplotlib import cbook

        from cs231n.checks import (
            check,
            check_at_least,
            check_close,
            check_equal,
            checking,
            reference_inputs,
        )
        from cs231n.classifiers.cnn import ThreeLayerConvNet
        from cs231n.data_utils import get_CIFAR10_data
        from cs231n.fast_layers import (
            conv_backward_fast,
            conv_forward_fast,
            max_pool_backward_fast,
            max_pool_forward_fast,
        )
        from cs231n.gradient_check import (
            check_gradients,
            eval_numerical_gradient,
            eval_numerical_gradient_array,
        )
        from cs231n.layer_utils import (
            conv_relu_backward,
            conv_relu_forward,
            conv_relu_pool_backward,
            conv_relu_pool_forward,
        )
        from cs231n.layers import (
            conv_backward_naive,
            conv_forward_naive,
            max_pool_backward_naive,
            max_pool_forward_naive,
        )
        from cs231n.solver import Solver
        from cs231n.vis_utils import visualize_grid

        %matplotlib inline
        plt.rcParams["figure.figsize"] = (10.0, 8.0)  # the default size of plots
        plt.rcParams["image.interpolation"] = "nearest"
        plt.rcParams["image.cmap"] = "gray"

        # Reload the cs231n modules you edit before every cell runs.
        %load_ext autoreload
        %autoreload 2

        # The cells seed NumPy's global generator (np.random.seed), as CS231n does.
        # ruff: noqa: NPY002
        """
    ),
    md(
        """
        ## Notebook parameters

        Leave them as they are. The course's automated tests set the environment
        variable `CS231N_QUICK=1`, which shrinks the dataset to 1000 training images so
        that the whole notebook runs in a couple of minutes; every cell still runs. The
        one-epoch training run is then far too short to learn anything, so in that mode
        its check only requires that one epoch was trained.
        """
    ),
    code(
        """
        QUICK = os.environ.get("CS231N_QUICK") == "1"
        NUM_TRAIN = 1000 if QUICK else 49000  # training images; the one-epoch run uses all
        NUM_VAL = 200 if QUICK else 1000  # validation images
        NUM_TEST = 200 if QUICK else 1000  # test images
        MIN_VAL_ACC = 0.0 if QUICK else 0.4  # what one epoch of training must reach
        """
    ),
    code(
        """
        # CIFAR-10 if you downloaded it (bash datasets/get_datasets.sh), otherwise a
        # synthetic stand-in in the same format, generated on first use: a line says which.
        data = get_CIFAR10_data(
            num_training=NUM_TRAIN, num_validation=NUM_VAL, num_test=NUM_TEST, dtype=np.float32
        )
        for name, value in data.items():
            print(f"{name}: {value.shape}")
        """
    ),
    md(
        """
        ## Convolution: naive forward pass

        The core of a convolutional network is the convolution. In `cs231n/layers.py`,
        implement the forward pass of the convolution layer in the function
        `conv_forward_naive`. Read its docstring: it gives every shape and the output
        size `H' = 1 + (H + pad_top + pad_bottom - HH) // stride`. The padding is
        already resolved for you into four numbers, because `conv_param['pad']` may be
        an int, a pair `(pad_h, pad_w)`, `'valid'` or `'same'` (this check uses an int;
        the `'same'` case comes in `PoolingAndTransposedConv.ipynb`).

        Don't worry about efficiency: write the code in whatever way you find clearest.
        """
    ),
    check_cell(
        "correct_conv_forward_naive",
        3,
        """
        # Expect a relative error around 1e-14 or less; the check fails above 1e-7.
        x, w, b, conv_param = reference_inputs("conv_forward_naive")
        with checking("conv_forward_naive"):
            out, _ = conv_forward_naive(x, w, b, conv_param)
            check("conv_forward_naive", out)
        """,
        """
        # Other shapes, strides and paddings, against the provided fast layer.
        np.random.seed(2310)
        for x_shape, w_shape, conv_param in [
            ((3, 2, 7, 7), (4, 2, 3, 3), {"stride": 1, "pad": 0}),
            ((2, 3, 8, 6), (2, 3, 5, 3), {"stride": 1, "pad": (2, 1)}),
            ((2, 3, 9, 8), (3, 3, 3, 2), {"stride": 3, "pad": "same"}),
            ((1, 1, 6, 6), (1, 1, 2, 2), {"stride": 2, "pad": "valid"}),
        ]:
            x, w = np.random.randn(*x_shape), np.random.randn(*w_shape)
            b = np.random.randn(w_shape[0])
            out, _ = conv_forward_naive(x, w, b, conv_param)
            expected, _ = conv_forward_fast(x, w, b, conv_param)
            check_close(f"conv_forward_naive, conv_param={conv_param}", out, expected)
        """,
    ),
    md(
        """
        ## Aside: your convolution on a photo

        A convolution with hand-picked filters is a classic image-processing tool, and a
        good way to see what your layer does. The cell below makes a batch of two
        images from a photo that ships with matplotlib (Grace Hopper): the whole
        portrait and a crop of the face, both 128 x 128. It then applies two filters with
        your `conv_forward_naive`: the first turns colour into grey levels, the second
        responds to horizontal edges (a Sobel filter on the grey levels).
        """
    ),
    code(
        """
        photo = plt.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
        portrait = photo[44:556:4, ::4]  # 128 x 128, every 4th pixel
        face = photo[100:356:2, 120:376:2]  # 128 x 128, every 2nd pixel
        x = np.stack([portrait, face]).transpose(0, 3, 1, 2).astype(np.float64)  # (2, 3, 128, 128)

        w = np.zeros((2, 3, 3, 3))
        grey = np.array([0.3, 0.6, 0.1])  # how much red, green and blue make a grey level
        w[0, :, 1, 1] = grey  # filter 0: the centre pixel's grey level
        sobel = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]])  # bright above, dark below
        w[1] = grey[:, None, None] * sobel  # filter 1: horizontal edges in the grey levels
        b = np.array([0, 128])  # lift the edge responses to mid-grey

        with checking("conv_forward_naive"):
            out, _ = conv_forward_naive(x, w, b, {"stride": 1, "pad": 1})

        # One row per image: the photo, then each filter's response stretched to 0..255.
        for row in range(2):
            panels = [
                ("photo", x[row].transpose(1, 2, 0)),
                ("grey levels", out[row, 0]),
                ("horizontal edges", out[row, 1]),
            ]
            for col, (title, image) in enumerate(panels):
                plt.subplot(2, 3, 3 * row + col + 1)
                image = 255 * (image - image.min()) / (image.max() - image.min())
                plt.imshow(image.astype("uint8"))
                plt.axis("off")
                if row == 0:
                    plt.title(title)
        plt.show()
        """
    ),
    md(
        """
        ## Convolution: naive backward pass

        Implement the backward pass of the convolution in `conv_backward_naive` in
        `cs231n/layers.py`. Again, clarity first. Every window of the padded input
        contributed to one output value: send `dout` back through each window to the
        padded input (adding where windows overlap) and to the filters, then crop the
        padding away from the input's gradient.
        """
    ),
    check_cell(
        "correct_conv_backward_naive",
        4,
        """
        # Expect relative errors around 1e-13 or less; the check fails above 1e-7.
        x, w, b, conv_param, dout = reference_inputs("conv_backward_naive")
        with checking("conv_backward_naive"):
            _, cache = conv_forward_naive(x, w, b, conv_param)
            dx, dw, db = conv_backward_naive(dout, cache)
            check("conv_backward_naive", dx, dw, db)
        """,
        """
        # A pair padding and stride 1, against numeric gradients.
        np.random.seed(2311)
        x, w, b = np.random.randn(2, 2, 5, 6), np.random.randn(3, 2, 3, 2), np.random.randn(3)
        conv_param = {"stride": 1, "pad": (1, 2)}
        dout = np.random.randn(2, 3, 5, 9)
        dx, dw, db = conv_backward_naive(dout, conv_forward_naive(x, w, b, conv_param)[1])
        for name, value, grad in [("dx", x, dx), ("dw", w, dw), ("db", b, db)]:
            numeric = eval_numerical_gradient_array(
                lambda _: conv_forward_naive(x, w, b, conv_param)[0], value, dout
            )
            check_close(f"conv_backward_naive {name} vs numeric", grad, numeric, threshold=1e-6)
        """,
    ),
    md(
        """
        ## Max pooling: naive forward pass

        Implement the forward pass of max pooling in `max_pool_forward_naive` in
        `cs231n/layers.py`: the maximum of every `pool_height x pool_width` window, per
        example and channel. No padding here (it comes in
        `PoolingAndTransposedConv.ipynb`); windows may overlap, and when the stride
        leaves rows or columns over at the bottom or right, no window reaches them:
        `H' = 1 + (H - pool_height) // stride` is a floor, as the docstring says.
        """
    ),
    check_cell(
        "correct_max_pool_forward_naive",
        2,
        """
        # Expect a relative error of 0: a maximum is computed exactly. The check fails above 1e-7.
        x, pool_param = reference_inputs("max_pool_forward_naive")
        with checking("max_pool_forward_naive"):
            out, _ = max_pool_forward_naive(x, pool_param)
            check("max_pool_forward_naive", out)
        """,
        """
        # Overlapping and non-square windows, and a stride that leaves the last row and
        # column over (10 - 3 and 6 - 3 are odd), against the provided fast layer.
        np.random.seed(2312)
        for x_shape, pool_param in [
            ((2, 3, 10, 6), {"pool_height": 3, "pool_width": 3, "stride": 2}),
            ((3, 2, 6, 9), {"pool_height": 2, "pool_width": 3, "stride": 1}),
            ((1, 4, 8, 8), {"pool_height": 4, "pool_width": 4, "stride": 4}),
        ]:
            x = np.random.randn(*x_shape)
            out, _ = max_pool_forward_naive(x, pool_param)
            expected, _ = max_pool_forward_fast(x, pool_param)
            check_close(f"max_pool_forward_naive, {pool_param}", out, expected)
        """,
    ),
    md(
        """
        ## Max pooling: naive backward pass

        Implement the backward pass of max pooling in `max_pool_backward_naive` in
        `cs231n/layers.py`. The docstring says where each window's gradient goes, ties
        included, and what happens where windows overlap.
        """
    ),
    check_cell(
        "correct_max_pool_backward_naive",
        3,
        """
        # Expect a relative error of 0 (gradients are copied, not computed); the check fails
        # above 1e-7.
        x, pool_param, dout = reference_inputs("max_pool_backward_naive")
        with checking("max_pool_backward_naive"):
            _, cache = max_pool_forward_naive(x, pool_param)
            dx = max_pool_backward_naive(dout, cache)
            check("max_pool_backward_naive", dx)
        """,
        """
        # Overlapping windows and a row and column left over, against numeric gradients
        # (random inputs have no ties).
        np.random.seed(2313)
        x = np.random.randn(2, 3, 8, 7)
        pool_param = {"pool_height": 3, "pool_width": 2, "stride": 2}
        dout = np.random.randn(2, 3, 3, 3)
        dx = max_pool_backward_naive(dout, max_pool_forward_naive(x, pool_param)[1])
        numeric = eval_numerical_gradient_array(
            lambda x: max_pool_forward_naive(x, pool_param)[0],
            x,
            dout,
        )
        check_close("max_pool_backward_naive vs numeric", dx, numeric, threshold=1e-6)
        """,
    ),
    question(
        1,
        "inline_question_max_pool_gradient",
        2,
        """
        In the backward pass of max pooling, each window's upstream gradient goes to a
        single input, and all other inputs of the window receive zero. Why is that the
        correct gradient? What goes wrong with a numeric gradient check when two inputs
        of a window (nearly) tie for the maximum?
        """,
        """
        Inside one window the output is the largest input, so a small change of any
        other input does not change the output at all: its partial derivative is 0.
        Changing the maximum by a small amount changes the output by the same amount:
        its partial derivative is 1. The chain rule therefore passes `dout` to the
        maximum only. When two inputs tie (or nearly tie within the step `h`), the max
        is not differentiable there: nudging either input up makes it the maximum, so
        the centered difference sees half the slope on each (or a slope that depends on
        `h`), while the analytic gradient gives everything to one of them. The check then
        reports a large error although the code is right.
        """,
    ),
    md(
        """
        ## Fast layers

        Making convolution and pooling fast is hard work. `cs231n/fast_layers.py` (provided:
        read it) computes exactly the same numbers as your naive layers with a handful of
        large numpy operations: a strided window view turns the convolution into one
        matrix product, and the backward pass scatters back with one vectorised addition
        per kernel offset. The cells below time both versions and compare their results:
        these checks test your naive layers on larger inputs.
        """
    ),
    check_cell(
        "correct_conv_fast_matches_naive",
        1,
        """
        # Expect relative errors around 1e-13 or less (the check fails above 1e-7), and the
        # fast layer many times faster than loops over examples, filters and positions.
        np.random.seed(231)
        x = np.random.randn(100, 3, 31, 31)
        w = np.random.randn(25, 3, 3, 3)
        b = np.random.randn(25)
        dout = np.random.randn(100, 25, 16, 16)
        conv_param = {"stride": 2, "pad": 1}

        with checking("conv_fast_matches_naive"):
            t0 = time.time()
            out_naive, cache_naive = conv_forward_naive(x, w, b, conv_param)
            t1 = time.time()
            out_fast, cache_fast = conv_forward_fast(x, w, b, conv_param)
            t2 = time.time()
            print(f"Forward: naive {t1 - t0:.4f} s, fast {t2 - t1:.4f} s, ", end="")
            print(f"speedup {(t1 - t0) / max(t2 - t1, 1e-6):.0f}x")
            check_close("conv forward, naive vs fast", out_naive, out_fast)

            t0 = time.time()
            dx_naive, dw_naive, db_naive = conv_backward_naive(dout, cache_naive)
            t1 = time.time()
            dx_fast, dw_fast, db_fast = conv_backward_fast(dout, cache_fast)
            t2 = time.time()
            print(f"Backward: naive {t1 - t0:.4f} s, fast {t2 - t1:.4f} s, ", end="")
            print(f"speedup {(t1 - t0) / max(t2 - t1, 1e-6):.0f}x")
            check_close("conv backward dx, naive vs fast", dx_naive, dx_fast)
            check_close("conv backward dw, naive vs fast", dw_naive, dw_fast)
            check_close("conv backward db, naive vs fast", db_naive, db_fast)
        """,
    ),
    check_cell(
        "correct_max_pool_fast_matches_naive",
        1,
        """
        # Expect relative errors of 0 (the check fails above 1e-7), and the fast layer many
        # times faster.
        np.random.seed(231)
        x = np.random.randn(100, 3, 32, 32)
        dout = np.random.randn(100, 3, 16, 16)
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        with checking("max_pool_fast_matches_naive"):
            t0 = time.time()
            out_naive, cache_naive = max_pool_forward_naive(x, pool_param)
            t1 = time.time()
            out_fast, cache_fast = max_pool_forward_fast(x, pool_param)
            t2 = time.time()
            print(f"Forward: naive {t1 - t0:.4f} s, fast {t2 - t1:.4f} s, ", end="")
            print(f"speedup {(t1 - t0) / max(t2 - t1, 1e-6):.0f}x")
            check_close("max pool forward, naive vs fast", out_naive, out_fast)

            t0 = time.time()
            dx_naive = max_pool_backward_naive(dout, cache_naive)
            t1 = time.time()
            dx_fast = max_pool_backward_fast(dout, cache_fast)
            t2 = time.time()
            print(f"Backward: naive {t1 - t0:.4f} s, fast {t2 - t1:.4f} s, ", end="")
            print(f"speedup {(t1 - t0) / max(t2 - t1, 1e-6):.0f}x")
            check_close("max pool backward dx, naive vs fast", dx_naive, dx_fast)
        """,
    ),
    question(
        2,
        "inline_question_fast_layers",
        2,
        """
        The fast convolution does the same multiplications and additions as your naive
        one, yet it runs many times faster. Where does the time go in the naive version,
        and what does the fast version do instead?
        """,
        """
        The naive version runs a Python loop over every output position, and each
        iteration pays Python's interpreter overhead and launches a small numpy
        operation on a small window, so little of the time is spent on arithmetic. The
        fast version lays every window out as a column of one large matrix (im2col, from
        a strided view, copied once) and computes all the dot products of all filters
        with all windows in a single matrix multiplication, which the BLAS library runs
        in compiled, cache-friendly, vectorised (and multi-threaded) code. The backward
        pass is two more matrix products plus one vectorised addition per kernel offset.
        """,
    ),
    md(
        """
        ## Sandwich layers

        `cs231n/layer_utils.py` (provided) chains common layers into one forward and one
        backward function: `conv_relu_forward` is a convolution followed by a ReLU, and
        `conv_relu_pool_forward` adds a 2 x 2 max pool. They use the fast layers. The
        cells below check their gradients numerically: expect relative errors around
        1e-8 or less.
        """
    ),
    code(
        """
        np.random.seed(231)
        x = np.random.randn(2, 3, 16, 16)
        w = np.random.randn(3, 3, 3, 3)
        b = np.random.randn(3)
        dout = np.random.randn(2, 3, 8, 8)
        conv_param = {"stride": 1, "pad": 1}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        out, cache = conv_relu_pool_forward(x, w, b, conv_param, pool_param)
        dx, dw, db = conv_relu_pool_backward(dout, cache)

        numeric = {
            name: eval_numerical_gradient_array(
                lambda _: conv_relu_pool_forward(x, w, b, conv_param, pool_param)[0], value, dout
            )
            for name, value in [("dx", x), ("dw", w), ("db", b)]
        }
        print("Testing conv_relu_pool")
        check_gradients({"dx": dx, "dw": dw, "db": db}, numeric)
        """
    ),
    code(
        """
        np.random.seed(231)
        x = np.random.randn(2, 3, 8, 8)
        w = np.random.randn(3, 3, 3, 3)
        b = np.random.randn(3)
        dout = np.random.randn(2, 3, 8, 8)
        conv_param = {"stride": 1, "pad": 1}

        out, cache = conv_relu_forward(x, w, b, conv_param)
        dx, dw, db = conv_relu_backward(dout, cache)

        numeric = {
            name: eval_numerical_gradient_array(
                lambda _: conv_relu_forward(x, w, b, conv_param)[0], value, dout
            )
            for name, value in [("dx", x), ("dw", w), ("db", b)]
        }
        print("Testing conv_relu")
        check_gradients({"dx": dx, "dw": dw, "db": db}, numeric)
        """
    ),
    md(
        """
        ## Three-layer convolutional network

        Now that you have the layers, you can build a network. Open
        `cs231n/classifiers/cnn.py` and complete the class `ThreeLayerConvNet`:
        `__init__` draws the weights, `loss` runs the forward pass, and with labels
        the backward pass too. Use the sandwich layers. The architecture is

            conv - relu - 2x2 max pool - affine - relu - affine - softmax

        The first check runs your model with fixed weights taken from `reference/`
        (so it does not depend on the order in which you draw them) and compares the
        scores, the loss and every gradient.
        """
    ),
    check_cell(
        "correct_three_layer_convnet_loss",
        4,
        """
        # Expect relative errors around 1e-14 or less; the check fails above 1e-7.
        X, y, params, config = reference_inputs("three_layer_convnet_loss")
        with checking("three_layer_convnet_loss"):
            model = ThreeLayerConvNet(**config, dtype=np.float64)
            model.params = params  # fixed weights, whatever order __init__ draws them in
            scores = model.loss(X)
            loss, grads = model.loss(X, y)
            check("three_layer_convnet_loss", scores, loss, grads)
        """,
    ),
    md(
        """
        ### Sanity check: the initial loss

        With small random weights every class gets about the same score, so the softmax
        loss of a freshly initialised 10-class network should be about `log(10)`. Adding
        regularisation should raise it by exactly `0.5 * reg * (sum of the squared
        weights)`. This check also looks at the shapes of your parameters and at the
        spread of your initial weights (their standard deviation is `weight_scale`).
        """
    ),
    check_cell(
        "correct_three_layer_convnet_initial_loss",
        2,
        """
        # Expect a loss of about log(10) = 2.303 without regularisation, more with it.
        np.random.seed(231)
        N = 50
        X = np.random.randn(N, 3, 32, 32)
        y = np.random.randint(10, size=N)

        with checking("three_layer_convnet_initial_loss"):
            model = ThreeLayerConvNet(dtype=np.float64)
            shapes = {name: value.shape for name, value in model.params.items()}
            check_equal(
                "parameter shapes",
                dict(sorted(shapes.items())),
                {
                    "W1": (32, 3, 7, 7),
                    "W2": (32 * 16 * 16, 100),
                    "W3": (100, 10),
                    "b1": (32,),
                    "b2": (100,),
                    "b3": (10,),
                },
            )
            check_close("std of W2 vs weight_scale", model.params["W2"].std(), 1e-3, threshold=0.01)

            loss, _ = model.loss(X, y)
            print(f"Initial loss (no regularization): {loss:.6f}")
            model.reg = 0.5
            loss_reg, _ = model.loss(X, y)
            print(f"Initial loss (with regularization): {loss_reg:.6f}")
            check_close("initial loss vs log(10)", loss, np.log(10), threshold=1e-3)
            squares = sum(np.sum(model.params[name] ** 2) for name in ("W1", "W2", "W3"))
            expected = 0.5 * model.reg * squares
            check_close("regularization term", loss_reg - loss, expected, threshold=1e-6)
        """,
    ),
    md(
        """
        ### Gradient check

        Check the gradients of the whole network numerically, on a small network and two
        images. With `reg = 0.5` this also tests the regularisation gradient. Numeric
        gradients of a network with ReLUs and max pools are less precise than those of a
        single layer: expect relative errors around 1e-6 or less.
        """
    ),
    check_cell(
        "correct_three_layer_convnet_gradients",
        3,
        """
        # Expect relative errors around 1e-6 or less; the check fails above 1e-4 (a ReLU or
        # max-pool kink within h of a weight can spoil one entry of a numeric gradient).
        np.random.seed(231)
        num_inputs = 2
        input_dim = (3, 16, 16)
        X = np.random.randn(num_inputs, *input_dim)
        y = np.random.randint(10, size=num_inputs)

        with checking("three_layer_convnet_gradients"):
            model = ThreeLayerConvNet(
                num_filters=3,
                filter_size=3,
                input_dim=input_dim,
                hidden_dim=7,
                weight_scale=0.1,
                reg=0.5,
                dtype=np.float64,
            )
            loss, grads = model.loss(X, y)
            for name in sorted(model.params):
                numeric = eval_numerical_gradient(
                    lambda _: model.loss(X, y)[0], model.params[name], verbose=False
                )
                check_close(f"grads[{name!r}] vs numeric", grads[name], numeric, threshold=1e-4)
        """,
    ),
    md(
        """
        ## Overfit a small dataset

        A good sanity check for a network and its training code: train it on only 100
        images. It should memorise them, reaching a training accuracy near 100% while
        the validation accuracy stays low. The cell below uses the `Solver` (provided in
        `cs231n/solver.py`) with Adam.
        """
    ),
    check_cell(
        "correct_overfit_small_data",
        2,
        """
        # Expect the training accuracy to approach 100% (the check needs 80%) and the
        # validation accuracy to stay far lower.
        np.random.seed(231)
        num_train = 100
        small_data = {
            "X_train": data["X_train"][:num_train],
            "y_train": data["y_train"][:num_train],
            "X_val": data["X_val"],
            "y_val": data["y_val"],
        }

        with checking("overfit_small_data"):
            model = ThreeLayerConvNet(weight_scale=1e-2)
            solver = Solver(
                model,
                small_data,
                num_epochs=20,
                batch_size=25,
                update_rule="adam",
                optim_config={"learning_rate": 1e-3},
                verbose=True,
                print_every=10,
            )
            solver.train()
            check_at_least("best training accuracy", max(solver.train_acc_history), 0.8)
            print(f"best validation accuracy: {max(solver.val_acc_history):.3f}")
        """,
    ),
    md("The loss, the training accuracy and the validation accuracy show the overfitting:"),
    code(
        """
        plt.subplot(2, 1, 1)
        plt.plot(solver.loss_history, "o")
        plt.xlabel("iteration")
        plt.ylabel("loss")

        plt.subplot(2, 1, 2)
        plt.plot(solver.train_acc_history, "-o")
        plt.plot(solver.val_acc_history, "-o")
        plt.legend(["train", "val"], loc="upper left")
        plt.xlabel("epoch")
        plt.ylabel("accuracy")
        plt.show()
        """
    ),
    question(
        3,
        "inline_question_initial_loss",
        2,
        """
        Why is the initial loss of the network close to `log(10)`? If you saw an
        initial loss of 10 instead, what would you suspect?
        """,
        """
        With weights of standard deviation 1e-3 the scores are all close to 0, so the
        softmax gives each of the 10 classes a probability of about 1/10, and the loss
        (the negative log probability of the correct class, averaged) is about
        -log(1/10) = log(10) = 2.303. A loss of 10 means the correct class gets a
        probability of about e^-10 right away: the scores are large, so the weights are
        far too big (a wrong weight_scale, or weights not multiplied by it), or the
        loss is computed wrongly (summed instead of averaged over the batch, say).
        """,
    ),
    md(
        """
        ## Train the network

        Train the three-layer network for one epoch on the training set. Complete
        `train_one_epoch(data)`: build a `ThreeLayerConvNet`, train it with a `Solver`
        for `num_epochs=1`, and return the `Solver` after `train()`. With CS231n's
        settings (`weight_scale=0.001`, `hidden_dim=500`, `reg=0.001`, Adam with a
        learning rate of 1e-3 and batches of 50) you should reach a validation accuracy
        above 40% on CIFAR-10 in one epoch (about 90% on the synthetic stand-in, whose
        shapes and textures are easier than photos), in a few minutes. The check cell
        calls your function and needs at least 40%.
        """
    ),
    solution_cell(
        "train_one_epoch",
        """
        def train_one_epoch(data):
            \"\"\"Train a ThreeLayerConvNet on data for one epoch; return the trained Solver.\"\"\"
            ### BEGIN SOLUTION
            model = ThreeLayerConvNet(weight_scale=0.001, hidden_dim=500, reg=0.001)
            solver = Solver(
                model,
                data,
                num_epochs=1,
                batch_size=50,
                update_rule="adam",
                optim_config={"learning_rate": 1e-3},
                verbose=True,
                print_every=50,
            )
            solver.train()
            return solver
            ### END SOLUTION
        """,
    ),
    check_cell(
        "correct_train_one_epoch",
        3,
        """
        # Expect a validation accuracy above 40% on CIFAR-10 (about 90% on the synthetic one).
        np.random.seed(231)
        with checking("train_one_epoch"):
            solver = train_one_epoch(data)
            check_equal("epochs trained", solver.epoch, 1)
            check_at_least("best validation accuracy", solver.best_val_acc, MIN_VAL_ACC)
        """,
    ),
    md(
        """
        ## Visualise the filters

        The first layer's filters, drawn as small colour images. After one epoch of
        training they begin to show edges and colour blobs.
        """
    ),
    code(
        """
        grid = visualize_grid(solver.model.params["W1"].transpose(0, 2, 3, 1))
        plt.imshow(grid.astype("uint8"))
        plt.axis("off")
        plt.gcf().set_size_inches(5, 5)
        plt.show()
        """
    ),
]


# ---------------------------------------------------------------------------
# SpatialNormalization.ipynb
# ---------------------------------------------------------------------------

SPATIAL_NORM = [
    md(
        """
        # Spatial normalisation

        Batch normalisation speeds up the training of deep fully connected networks. In
        this notebook you adapt it to convolutional networks, where it is called spatial
        batch normalisation, and then write group normalisation, which does not depend
        on the batch at all.
        """
    ),
    md(HOW_CHECKS_WORK),
    code(
        """
        # Run this cell first: it imports what the notebook uses.
        import numpy as np

        from cs231n.checks import check, check_close, checking, reference_inputs
        from cs231n.gradient_check import eval_numerical_gradient_array
        from cs231n.layers import (
            spatial_batchnorm_backward,
            spatial_batchnorm_forward,
            spatial_groupnorm_backward,
            spatial_groupnorm_forward,
        )

        # Reload the cs231n modules you edit before every cell runs.
        %load_ext autoreload
        %autoreload 2

        # The cells seed NumPy's global generator (np.random.seed), as CS231n does.
        # ruff: noqa: NPY002
        """
    ),
    md(
        """
        ## Spatial batch normalisation: forward pass

        For images of shape `(N, C, H, W)`, a convolution's output should be normalised
        so that every *feature map* (channel) keeps one mean and one variance, whatever
        the position: spatial batch normalisation computes the statistics of each
        channel over the `N * H * W` values of the batch and of all positions, then
        applies a per-channel scale `gamma` and shift `beta`, both of shape `(C,)`.

        Implement `spatial_batchnorm_forward` in `cs231n/layers.py`, reusing
        `batchnorm_forward` (provided) on a reshaped input.
        """
    ),
    check_cell(
        "correct_spatial_batchnorm_forward",
        3,
        """
        # Expect a relative error around 1e-14 or less; the check fails above 1e-7.
        x, gamma, beta, bn_param = reference_inputs("spatial_batchnorm_forward")
        with checking("spatial_batchnorm_forward"):
            print("Before: per-channel means", x.mean(axis=(0, 2, 3)))
            print("        per-channel stds ", x.std(axis=(0, 2, 3)))
            out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
            print("After:  per-channel means", out.mean(axis=(0, 2, 3)), "(beta:", beta, ")")
            print("        per-channel stds ", out.std(axis=(0, 2, 3)), "(gamma:", gamma, ")")
            check("spatial_batchnorm_forward", out)
        """,
        """
        # With gamma and beta, each channel's mean becomes beta and its std gamma.
        np.random.seed(2320)
        x = 5 * np.random.randn(4, 3, 5, 6) + 12
        gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([4.0, -5.0, 6.0])
        out, _ = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
        check_close("per-channel means vs beta", out.mean(axis=(0, 2, 3)), beta, threshold=1e-10)
        check_close("per-channel stds vs gamma", out.std(axis=(0, 2, 3)), gamma, threshold=1e-5)
        """,
    ),
    md(
        """
        ## Spatial batch normalisation: test time

        In training mode, `bn_param` keeps running averages of each channel's mean and
        variance; in test mode they replace the batch statistics. The check below runs
        five training batches, then normalises a test batch, and compares the running
        averages and the test output.
        """
    ),
    check_cell(
        "correct_spatial_batchnorm_test_time",
        2,
        """
        # Expect relative errors around 1e-14 or less; the check fails above 1e-7.
        gamma, beta, x_train, x_test, bn_param = reference_inputs("spatial_batchnorm_test_time")
        with checking("spatial_batchnorm_test_time"):
            for x in x_train:  # five training batches update the running averages
                spatial_batchnorm_forward(x, gamma, beta, bn_param)
            bn_param["mode"] = "test"
            out, _ = spatial_batchnorm_forward(x_test, gamma, beta, bn_param)
            check(
                "spatial_batchnorm_test_time",
                bn_param.get("running_mean"),
                bn_param.get("running_var"),
                out,
            )
        """,
        """
        # After many training batches, test-time outputs have each channel's mean near
        # beta and std near gamma (CS231n's check).
        np.random.seed(2321)
        gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([4.0, -5.0, 6.0])
        bn_param = {"mode": "train"}
        for _ in range(50):
            x = 2.3 * np.random.randn(10, 3, 4, 5) + 13
            spatial_batchnorm_forward(x, gamma, beta, bn_param)
        bn_param["mode"] = "test"
        x = 2.3 * np.random.randn(10, 3, 4, 5) + 13
        out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
        check_close("test-time means vs beta", out.mean(axis=(0, 2, 3)), beta, threshold=0.1)
        check_close("test-time stds vs gamma", out.std(axis=(0, 2, 3)), gamma, threshold=0.1)
        """,
    ),
    md(
        """
        ## Spatial batch normalisation: backward pass

        Implement `spatial_batchnorm_backward` in `cs231n/layers.py`, with the same
        reshaping as the forward pass and `batchnorm_backward_alt` (provided).
        """
    ),
    check_cell(
        "correct_spatial_batchnorm_backward",
        3,
        """
        # Expect relative errors around 1e-13 or less; the check fails above 1e-7.
        x, gamma, beta, bn_param, dout = reference_inputs("spatial_batchnorm_backward")
        with checking("spatial_batchnorm_backward"):
            _, cache = spatial_batchnorm_forward(x, gamma, beta, bn_param)
            dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
            check("spatial_batchnorm_backward", dx, dgamma, dbeta)
        """,
        """
        # Other shapes, against numeric gradients.
        np.random.seed(2322)
        x = 3 * np.random.randn(3, 4, 2, 5) - 1
        gamma, beta = np.random.randn(4), np.random.randn(4)
        dout = np.random.randn(3, 4, 2, 5)
        _, cache = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
        dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
        for name, value, grad in [("dx", x, dx), ("dgamma", gamma, dgamma), ("dbeta", beta, dbeta)]:
            numeric = eval_numerical_gradient_array(
                lambda _: spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})[0],
                value,
                dout,
            )
            label = f"spatial_batchnorm_backward {name} vs numeric"
            check_close(label, grad, numeric, threshold=1e-6)
        """,
    ),
    question(
        1,
        "inline_question_spatial_statistics",
        2,
        """
        Spatial batch normalisation computes one mean and one variance per channel, over
        the batch *and all spatial positions*. Why not normalise every `(c, h, w)` value
        separately, as `batchnorm_forward` would do on the input flattened to
        `(N, C * H * W)`?
        """,
        """
        A convolution applies the same filter at every position, so a channel is one
        feature detected everywhere in the image: its values at different positions
        have the same meaning and should be treated alike. Per-channel statistics keep
        that (the same normalisation at every position, one gamma and beta per filter,
        so the layer stays translation-equivariant), and they are estimated from
        N * H * W values instead of N, which makes them far less noisy for small
        batches. Per-position statistics would normalise a pixel differently depending
        on where it is and need C * H * W parameters.
        """,
    ),
    md(
        """
        ## Group normalisation: forward pass

        Batch normalisation depends on the batch: with small batches its statistics are
        noisy, and it behaves differently in training and at test time. Layer
        normalisation avoids this by normalising each example over all its features, but
        it works less well for convolutional networks. Group normalisation (Wu and He,
        2018) splits the `C` channels of each example into `G` groups of `C // G`
        consecutive channels and normalises each group over its channels and all
        positions, then applies a per-channel `gamma` and `beta` of shape `(1, C, 1, 1)`.

        Implement `spatial_groupnorm_forward` in `cs231n/layers.py`.
        """
    ),
    check_cell(
        "correct_spatial_groupnorm_forward",
        3,
        """
        # Expect a relative error around 1e-14 or less; the check fails above 1e-7.
        x, gamma, beta, G, gn_param = reference_inputs("spatial_groupnorm_forward")
        with checking("spatial_groupnorm_forward"):
            out, _ = spatial_groupnorm_forward(x, gamma, beta, G, gn_param)
            check("spatial_groupnorm_forward", out)
        """,
        """
        # With gamma = 1 and beta = 0, every group of every example has mean 0 and std 1.
        np.random.seed(2323)
        N, C, H, W, G = 3, 8, 3, 4, 4
        x = 4 * np.random.randn(N, C, H, W) + 7
        ones, zeros = np.ones((1, C, 1, 1)), np.zeros((1, C, 1, 1))
        out, _ = spatial_groupnorm_forward(x, ones, zeros, G, {"eps": 1e-5})
        groups = out.reshape(N, G, -1)
        means = groups.mean(axis=2)
        check_close("group means (+ 1) vs 1", means + 1, np.ones((N, G)), threshold=1e-12)
        check_close("group stds vs 1", groups.std(axis=2), np.ones((N, G)), threshold=1e-5)
        """,
    ),
    md(
        """
        ## Group normalisation: backward pass

        Implement `spatial_groupnorm_backward` in `cs231n/layers.py`. Within one group
        this is layer normalisation's backward pass over `C // G * H * W` values.
        """
    ),
    check_cell(
        "correct_spatial_groupnorm_backward",
        4,
        """
        # Expect relative errors around 1e-13 or less; the check fails above 1e-7.
        x, gamma, beta, G, gn_param, dout = reference_inputs("spatial_groupnorm_backward")
        with checking("spatial_groupnorm_backward"):
            _, cache = spatial_groupnorm_forward(x, gamma, beta, G, gn_param)
            dx, dgamma, dbeta = spatial_groupnorm_backward(dout, cache)
            check("spatial_groupnorm_backward", dx, dgamma, dbeta)
        """,
        """
        # Other shapes, against numeric gradients.
        np.random.seed(2324)
        N, C, H, W, G = 2, 6, 3, 2, 2
        x = 2 * np.random.randn(N, C, H, W) + 1
        gamma, beta = np.random.randn(1, C, 1, 1), np.random.randn(1, C, 1, 1)
        dout = np.random.randn(N, C, H, W)
        _, cache = spatial_groupnorm_forward(x, gamma, beta, G, {"eps": 1e-5})
        dx, dgamma, dbeta = spatial_groupnorm_backward(dout, cache)
        for name, value, grad in [("dx", x, dx), ("dgamma", gamma, dgamma), ("dbeta", beta, dbeta)]:
            numeric = eval_numerical_gradient_array(
                lambda _: spatial_groupnorm_forward(x, gamma, beta, G, {"eps": 1e-5})[0],
                value,
                dout,
            )
            label = f"spatial_groupnorm_backward {name} vs numeric"
            check_close(label, grad, numeric, threshold=1e-6)
        """,
    ),
    question(
        2,
        "inline_question_group_norm",
        2,
        """
        What problem of batch normalisation does group normalisation fix? Describe a
        situation where batch normalisation struggles and group normalisation does not,
        and say what layer normalisation and instance normalisation are in terms of `G`.
        """,
        """
        Batch normalisation's statistics come from the batch: with small batches (large
        images, big models, detection or segmentation, a batch of 2 per GPU) they are
        noisy estimates, which hurts accuracy, and the network computes something
        different in training (batch statistics) and at test time (running averages),
        which also breaks when the test data differ from the training data. Group
        normalisation computes its statistics per example, over groups of channels, so
        it does not depend on the batch size at all and behaves the same in training and
        testing, while still pooling enough values (C // G * H * W) for stable estimates.
        With G = 1 it is layer normalisation (all channels together); with G = C it is
        instance normalisation (each channel alone).
        """,
    ),
]


# ---------------------------------------------------------------------------
# PoolingAndTransposedConv.ipynb
# ---------------------------------------------------------------------------

POOLING_TRANSPOSED = [
    md(
        """
        # Average pooling, 'same' padding and the transposed convolution

        Four extensions of the layers of `ConvolutionalNetworks.ipynb`, with the same
        conventions: average pooling, the `'same'` padding of TensorFlow and Keras, padded
        pooling as TensorFlow and PyTorch define it, and the transposed convolution that
        upsamples in decoders and generators.
        """
    ),
    md(HOW_CHECKS_WORK),
    code(
        """
        # Run this cell first: it imports what the notebook uses.
        import numpy as np

        from cs231n.checks import check, check_close, check_equal, checking, reference_inputs
        from cs231n.fast_layers import (
            avg_pool_forward_fast,
            conv_backward_fast,
            conv_forward_fast,
            conv_transpose_forward_fast,
            max_pool_backward_fast,
            max_pool_forward_fast,
        )
        from cs231n.gradient_check import eval_numerical_gradient_array
        from cs231n.layers import (
            avg_pool_backward_naive,
            avg_pool_forward_naive,
            conv_backward_naive,
            conv_forward_naive,
            conv_transpose_backward_naive,
            conv_transpose_forward_naive,
            max_pool_backward_naive,
            max_pool_forward_naive,
        )

        # Reload the cs231n modules you edit before every cell runs.
        %load_ext autoreload
        %autoreload 2

        # The cells seed NumPy's global generator (np.random.seed), as CS231n does.
        # ruff: noqa: NPY002
        """
    ),
    md(
        """
        ## Average pooling: forward pass

        Average pooling replaces each window by the mean of its values. Implement
        `avg_pool_forward_naive` in `cs231n/layers.py`; it takes the same `pool_param` as
        max pooling. The check uses a 3 x 2 window with stride 2, so windows overlap
        along the height.
        """
    ),
    check_cell(
        "correct_avg_pool_forward_naive",
        2,
        """
        # Expect a relative error around 1e-15 or less; the check fails above 1e-7.
        x, pool_param = reference_inputs("avg_pool_forward_naive")
        with checking("avg_pool_forward_naive"):
            out, _ = avg_pool_forward_naive(x, pool_param)
            check("avg_pool_forward_naive", out)
        """,
        """
        # Other windows and strides, against the provided fast layer.
        np.random.seed(2330)
        for x_shape, pool_param in [
            ((2, 3, 8, 8), {"pool_height": 2, "pool_width": 2, "stride": 2}),
            ((3, 2, 7, 9), {"pool_height": 3, "pool_width": 3, "stride": 1}),
            ((1, 4, 10, 5), {"pool_height": 3, "pool_width": 5, "stride": 3}),  # a row over
        ]:
            x = np.random.randn(*x_shape)
            out, _ = avg_pool_forward_naive(x, pool_param)
            expected, _ = avg_pool_forward_fast(x, pool_param)
            check_close(f"avg_pool_forward_naive, {pool_param}", out, expected)
        """,
    ),
    md(
        """
        ## Average pooling: backward pass

        Implement `avg_pool_backward_naive` in `cs231n/layers.py`: every input of a window
        receives an equal share of the window's gradient, and overlapping windows add up.
        """
    ),
    check_cell(
        "correct_avg_pool_backward_naive",
        3,
        """
        # Expect a relative error around 1e-15 or less; the check fails above 1e-7.
        x, pool_param, dout = reference_inputs("avg_pool_backward_naive")
        with checking("avg_pool_backward_naive"):
            _, cache = avg_pool_forward_naive(x, pool_param)
            dx = avg_pool_backward_naive(dout, cache)
            check("avg_pool_backward_naive", dx)
        """,
        """
        # Overlapping windows in both directions, a row and column left over, against
        # numeric gradients.
        np.random.seed(2331)
        x = np.random.randn(2, 2, 7, 8)
        pool_param = {"pool_height": 2, "pool_width": 3, "stride": 2}
        dout = np.random.randn(2, 2, 3, 3)
        dx = avg_pool_backward_naive(dout, avg_pool_forward_naive(x, pool_param)[1])
        numeric = eval_numerical_gradient_array(
            lambda x: avg_pool_forward_naive(x, pool_param)[0],
            x,
            dout,
        )
        check_close("avg_pool_backward_naive vs numeric", dx, numeric, threshold=1e-6)
        """,
    ),
    question(
        1,
        "inline_question_avg_vs_max_pool",
        2,
        """
        Max pooling sends each window's gradient to one input; average pooling spreads it
        evenly over the window. How does that change what the layers below learn from
        one step of gradient descent? Give one reason to prefer each kind of pooling.
        """,
        """
        With max pooling only the input that won each window gets a gradient, so in one
        step only the features that fired most strongly are updated (sparse gradients),
        and the layer keeps the strongest response wherever it sits in the window: good
        for detecting whether a feature is present, with some invariance to small
        shifts. With average pooling every input of the window gets the same share, so
        all of them learn, the gradient is dense and smooth, and the output summarises
        the whole window (which suits smooth downsampling and global average pooling
        before a classifier), but a single strong response is diluted by its
        neighbours.
        """,
    ),
    md(
        """
        ## 'same' padding

        With `conv_param['pad'] = 'same'` the convolution pads just enough zeros that the
        output has `H' = ceil(H / stride)` rows (and `W' = ceil(W / stride)` columns).
        The total padding along the height is `max((H' - 1) * stride + HH - H, 0)`; when
        it is odd, the extra row goes at the bottom (and the extra column on the right),
        as TensorFlow does. `check_conv_args` works the four pads out for you, so your
        `conv_forward_naive` and `conv_backward_naive` already support it if they use
        `pad_top`, `pad_bottom`, `pad_left` and `pad_right` as given. The check uses a
        6 x 7 input, a 3 x 3 filter and stride 2: one row of padding at the bottom only,
        one column on each side.
        """
    ),
    check_cell(
        "correct_conv_forward_same",
        2,
        """
        # Expect a relative error around 1e-14 or less; the check fails above 1e-7.
        x, w, b, conv_param = reference_inputs("conv_forward_same")
        with checking("conv_forward_same"):
            out, _ = conv_forward_naive(x, w, b, conv_param)
            check_equal("output shape (N, F, ceil(H / 2), ceil(W / 2))", out.shape, (2, 4, 3, 4))
            check("conv_forward_same", out)
        """,
        """
        # Other sizes and strides, against the provided fast layer.
        np.random.seed(2332)
        for x_shape, w_shape, stride in [
            ((2, 3, 7, 6), (2, 3, 4, 4), 1),
            ((1, 2, 9, 10), (3, 2, 3, 5), 3),
            ((2, 1, 5, 5), (2, 1, 2, 2), 2),
        ]:
            x, w = np.random.randn(*x_shape), np.random.randn(*w_shape)
            b = np.random.randn(w_shape[0])
            conv_param = {"stride": stride, "pad": "same"}
            out, _ = conv_forward_naive(x, w, b, conv_param)
            expected, _ = conv_forward_fast(x, w, b, conv_param)
            label = f"conv_forward_naive, 'same', {x_shape}, {w_shape}, stride {stride}"
            check_close(label, out, expected)
        """,
    ),
    check_cell(
        "correct_conv_backward_same",
        2,
        """
        # Expect relative errors around 1e-13 or less; the check fails above 1e-7.
        x, w, b, conv_param, dout = reference_inputs("conv_backward_same")
        with checking("conv_backward_same"):
            _, cache = conv_forward_naive(x, w, b, conv_param)
            dx, dw, db = conv_backward_naive(dout, cache)
            check("conv_backward_same", dx, dw, db)
        """,
        """
        # An even filter with stride 1 ('same' pads unevenly), against numeric gradients.
        np.random.seed(2333)
        x, w, b = np.random.randn(2, 2, 5, 4), np.random.randn(3, 2, 2, 4), np.random.randn(3)
        conv_param = {"stride": 1, "pad": "same"}
        dout = np.random.randn(2, 3, 5, 4)
        dx, dw, db = conv_backward_naive(dout, conv_forward_naive(x, w, b, conv_param)[1])
        for name, value, grad in [("dx", x, dx), ("dw", w, dw), ("db", b, db)]:
            numeric = eval_numerical_gradient_array(
                lambda _: conv_forward_naive(x, w, b, conv_param)[0], value, dout
            )
            label = f"conv_backward_naive 'same' {name} vs numeric"
            check_close(label, grad, numeric, threshold=1e-6)
        """,
    ),
    question(
        2,
        "inline_question_same_padding",
        2,
        """
        A 3 x 3 convolution with stride 2 and `'same'` padding on an input of height 6
        pads one row at the bottom and none at the top. Why is one row enough, why at the
        bottom, and what would symmetric padding (one row on each side) change?
        """,
        """
        'same' asks for H' = ceil(6 / 2) = 3 output rows. The last window starts at row
        (3 - 1) * 2 = 4 and covers rows 4 to 6, so the input needs 7 rows: 1 row of
        padding in total. An odd total cannot be split evenly; the convention
        (TensorFlow's) puts the extra row after the input, at the bottom, so the windows
        start at the first real row. With one row on each side (8 rows), the windows
        would start one row higher (at the top padding), the output would still have
        3 rows since (8 - 3) // 2 + 1 = 3, but every window would be shifted up by one
        row and the last input row would never be seen: a different result, and a
        stride that no longer tiles the padded input.
        """,
    ),
    md(
        """
        ## Padded pooling, and strides that do not tile

        Pooling takes `pool_param['pad']` (optional, default 0) in the forms convolution
        takes: an int, a pair `(pad_h, pad_w)`, `'valid'` or `'same'` (TensorFlow's rule: the
        extra row of an odd total at the bottom, the extra column on the right). The lines
        at the top of your four pooling functions (`check_pool_args` and `pool_padding`, in
        `cs231n/shapes.py`) resolve it into `pad_top`, `pad_bottom`, `pad_left` and
        `pad_right`: make `max_pool_forward_naive`, `max_pool_backward_naive`,
        `avg_pool_forward_naive` and `avg_pool_backward_naive` in `cs231n/layers.py` use
        them. Every form gives `H' = 1 + (H + pad_top + pad_bottom - pool_height) // stride`
        (`W'` alike), a floor: rows and columns at the bottom and right that no whole window
        reaches are left out, as in CS231n, PyTorch and TensorFlow. `'same'` gives
        `H' = ceil(H / stride)`.

        Padding is not data:

        - max pooling never selects it: a window's maximum is the largest entry of `x` it
          covers, even when they are all negative (as if the padding were `-inf`), and
          only that entry receives the window's gradient;
        - average pooling divides a window's sum by the number of entries of `x` it covers
          (TensorFlow's rule). With `pool_param['count_include_pad'] = True` it divides by
          `pool_height * pool_width` instead, the padding counted as zeros (PyTorch's
          option of that name). The backward pass shares the gradient the same way.

        A worked example: one 3 x 3 channel `M = [[1, -1, 0], [-1, 2, 1], [0, 2, -2]]`, a
        2 x 2 window and stride 2. With `'valid'`, one window fits and the last row and
        column are left over: the average is `[[0.25]]`. With `'same'`, the output is
        2 x 2 and one row of padding goes at the bottom, one column on the right: average
        pooling gives `[[0.25, 0.5], [1.0, -2.0]]` (the bottom-right window covers the
        single entry -2), and the gradient of the sum of those outputs with respect to `M`
        is `[[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]]`; max pooling gives
        `[[2, 1], [2, -2]]`. Both checks start with this example.
        """
    ),
    check_cell(
        "correct_max_pool_padded",
        2,
        """
        # Expect relative errors of 0: maxima are copied, not computed. The check fails
        # above 1e-7.
        M = np.array([[1.0, -1.0, 0.0], [-1.0, 2.0, 1.0], [0.0, 2.0, -2.0]]).reshape(1, 1, 3, 3)
        window = {"pool_height": 2, "pool_width": 2, "stride": 2}
        x, pool_param, dout = reference_inputs("max_pool_padded")
        with checking("max_pool_padded"):
            out, _ = max_pool_forward_naive(M, {**window, "pad": "same"})
            check_close("'same' max pooling of M", out, [[[[2.0, 1.0], [2.0, -2.0]]]])
            out, cache = max_pool_forward_naive(x, pool_param)  # x < 0 everywhere
            dx = max_pool_backward_naive(dout, cache)
            check("max_pool_padded", out, dx)
        """,
        """
        # Every padding form, on negative values with ties, against the provided fast layers.
        np.random.seed(2336)
        for x_shape, pool_param in [
            ((2, 3, 6, 7), {"pool_height": 3, "pool_width": 3, "stride": 2, "pad": 1}),
            ((1, 2, 7, 6), {"pool_height": 2, "pool_width": 3, "stride": 3, "pad": (1, 2)}),
            ((2, 2, 8, 5), {"pool_height": 3, "pool_width": 2, "stride": 2, "pad": "valid"}),
        ]:
            x = -1.0 - np.random.randint(4, size=x_shape)
            out, cache = max_pool_forward_naive(x, pool_param)
            expected, fast_cache = max_pool_forward_fast(x, pool_param)
            check_close(f"max_pool_forward_naive, {pool_param}", out, expected)
            dout = np.random.randn(*expected.shape)
            dx = max_pool_backward_naive(dout, cache)
            expected = max_pool_backward_fast(dout, fast_cache)
            check_close(f"max_pool_backward_naive, {pool_param}", dx, expected)
        """,
    ),
    check_cell(
        "correct_avg_pool_padded",
        3,
        """
        # Expect relative errors around 1e-15 or less (around 1e-9 against numeric gradients
        # below); the checks fail above 1e-7 (1e-6 against numeric gradients).
        M = np.array([[1.0, -1.0, 0.0], [-1.0, 2.0, 1.0], [0.0, 2.0, -2.0]]).reshape(1, 1, 3, 3)
        window = {"pool_height": 2, "pool_width": 2, "stride": 2}
        x, pool_param, dout = reference_inputs("avg_pool_padded")
        with checking("avg_pool_padded"):
            out, _ = avg_pool_forward_naive(M, {**window, "pad": "valid"})
            check_close("'valid' average pooling of M", out, [[[[0.25]]]])
            out, cache = avg_pool_forward_naive(M, {**window, "pad": "same"})
            check_close("'same' average pooling of M", out, [[[[0.25, 0.5], [1.0, -2.0]]]])
            dM = avg_pool_backward_naive(np.ones((1, 1, 2, 2)), cache)
            expected = [[[[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]]]]
            check_close("gradient of the sum of 'same' average pooling of M", dM, expected)
            out, cache = avg_pool_forward_naive(x, pool_param)
            dx = avg_pool_backward_naive(dout, cache)
            check("avg_pool_padded", out, dx)
        """,
        """
        # count_include_pad both ways and other paddings, against the provided fast layer
        # and numeric gradients.
        np.random.seed(2337)
        for x_shape, pool_param in [
            ((2, 2, 5, 6), {"pool_height": 3, "pool_width": 3, "stride": 2, "pad": "same",
                            "count_include_pad": True}),
            ((1, 3, 8, 7), {"pool_height": 3, "pool_width": 2, "stride": 2, "pad": (2, 1),
                            "count_include_pad": True}),
            ((2, 3, 6, 7), {"pool_height": 3, "pool_width": 2, "stride": 1, "pad": "same"}),
        ]:
            x = np.random.randn(*x_shape)
            out, cache = avg_pool_forward_naive(x, pool_param)
            expected, _ = avg_pool_forward_fast(x, pool_param)
            check_close(f"avg_pool_forward_naive, {pool_param}", out, expected)
            dout = np.random.randn(*expected.shape)
            dx = avg_pool_backward_naive(dout, cache)
            numeric = eval_numerical_gradient_array(
                lambda x: avg_pool_forward_naive(x, pool_param)[0], x, dout
            )
            label = f"avg_pool_backward_naive, {pool_param}, vs numeric"
            check_close(label, dx, numeric, threshold=1e-6)
        """,
    ),
    md(
        """
        ## Transposed convolution: forward pass

        A transposed convolution maps an input shaped like a convolution's *output*
        `(N, F, H, W)` to the shape of that convolution's *input* `(N, C, H', W')`, with
        filters `w` of shape `(F, C, HH, WW)`: each input value adds a copy of its
        filter, scaled by the value, to the output at `stride` times its position. With
        stride 2 it upsamples. Implement `conv_transpose_forward_naive` in
        `cs231n/layers.py`; its docstring gives `H' = (H - 1) * stride - 2 * pad + HH`,
        and the geometry is worked out for you.
        """
    ),
    check_cell(
        "correct_conv_transpose_forward_naive",
        3,
        """
        # Expect a relative error around 1e-14 or less; the check fails above 1e-7.
        x, w, b, conv_param = reference_inputs("conv_transpose_forward_naive")
        with checking("conv_transpose_forward_naive"):
            out, _ = conv_transpose_forward_naive(x, w, b, conv_param)
            check("conv_transpose_forward_naive", out)
        """,
        """
        # Other strides and paddings, against the provided fast layer.
        np.random.seed(2334)
        for x_shape, w_shape, conv_param in [
            ((2, 3, 4, 4), (3, 2, 3, 3), {"stride": 1, "pad": 0}),
            ((1, 2, 3, 5), (2, 3, 4, 2), {"stride": 3, "pad": (1, 0)}),
            ((2, 2, 3, 3), (2, 4, 3, 3), {"stride": 2, "pad": "same"}),
        ]:
            x, w = np.random.randn(*x_shape), np.random.randn(*w_shape)
            b = np.random.randn(w_shape[1])
            out, _ = conv_transpose_forward_naive(x, w, b, conv_param)
            expected, _ = conv_transpose_forward_fast(x, w, b, conv_param)
            check_close(f"conv_transpose_forward_naive, {conv_param}", out, expected)
        """,
    ),
    md(
        """
        ## The transposed convolution is the backward pass of a convolution

        The name comes from linear algebra: a convolution is a matrix product `out = M x`
        (with a large, sparse `M` built from the filters), its backward pass with respect
        to the input is `dx = M.T dout`, and the transposed convolution computes exactly
        that product with `M.T`. The check below computes the gradient of a convolution
        (with the provided `conv_backward_fast`, so that a bug in your
        `conv_backward_naive` cannot hide here) and compares it with your transposed
        convolution of `dout` with the same filters and no bias.
        """
    ),
    check_cell(
        "correct_conv_transpose_is_conv_backward",
        2,
        """
        # Expect a relative error around 1e-15: the same sums in another order. It fails above 1e-7.
        np.random.seed(231)
        x = np.zeros((2, 3, 7, 5))  # only the shape matters: dx does not depend on x
        w = np.random.randn(4, 3, 3, 3)
        conv_param = {"stride": 2, "pad": 1}
        dout = np.random.randn(2, 4, 4, 3)  # shaped like the convolution's output

        with checking("conv_transpose_is_conv_backward"):
            _, cache = conv_forward_fast(x, w, np.zeros(4), conv_param)
            dx, _, _ = conv_backward_fast(dout, cache)
            out, _ = conv_transpose_forward_naive(dout, w, np.zeros(3), conv_param)
            check_close("transposed convolution of dout vs the convolution's dx", out, dx)
        """,
    ),
    md(
        """
        ## Transposed convolution: backward pass

        Implement `conv_transpose_backward_naive` in `cs231n/layers.py`. Since the forward
        pass is a convolution's input gradient, its backward pass looks like a
        convolution's forward pass: each input position sees the window of `dout` it was
        scattered into.
        """
    ),
    check_cell(
        "correct_conv_transpose_backward_naive",
        4,
        """
        # Expect relative errors around 1e-13 or less; the check fails above 1e-7.
        x, w, b, conv_param, dout = reference_inputs("conv_transpose_backward_naive")
        with checking("conv_transpose_backward_naive"):
            _, cache = conv_transpose_forward_naive(x, w, b, conv_param)
            dx, dw, db = conv_transpose_backward_naive(dout, cache)
            check("conv_transpose_backward_naive", dx, dw, db)
        """,
        """
        # Stride 3 with a pair padding, against numeric gradients.
        np.random.seed(2335)
        x, w, b = np.random.randn(2, 2, 3, 2), np.random.randn(2, 3, 4, 3), np.random.randn(3)
        conv_param = {"stride": 3, "pad": (1, 0)}
        out, cache = conv_transpose_forward_naive(x, w, b, conv_param)
        dout = np.random.randn(*out.shape)
        dx, dw, db = conv_transpose_backward_naive(dout, cache)
        for name, value, grad in [("dx", x, dx), ("dw", w, dw), ("db", b, db)]:
            numeric = eval_numerical_gradient_array(
                lambda _: conv_transpose_forward_naive(x, w, b, conv_param)[0], value, dout
            )
            label = f"conv_transpose_backward_naive {name} vs numeric"
            check_close(label, grad, numeric, threshold=1e-6)
        """,
    ),
    question(
        3,
        "inline_question_checkerboard",
        2,
        """
        Take a transposed convolution with a 3 x 3 filter and stride 2, and an input
        that is 1 everywhere. Which output pixels receive contributions from one, two or
        four input values? What pattern can that leave in images made by generators that
        upsample this way, and how can it be avoided?
        """,
        """
        Input (i, j) writes its 3 x 3 filter at rows 2i .. 2i + 2 and columns
        2j .. 2j + 2, so neighbouring copies overlap by one row or column. An output
        pixel at an even row and an even column (away from the border) is covered by the
        copies of 2 x 2 = 4 inputs, at an even row and an odd column (or the reverse)
        by 2, and at an odd row and an odd column by 1. With a constant input the output
        thus alternates in strength from pixel to pixel: a checkerboard pattern, the
        "checkerboard artifacts" of deconvolution-based generators. It is avoided with a
        kernel size divisible by the stride (4 x 4 with stride 2 covers every pixel the
        same number of times), or by upsampling first (nearest-neighbour or bilinear
        resizing) and then applying an ordinary convolution.
        """,
    ),
]

NOTEBOOKS = {
    "ConvolutionalNetworks": CONV_NETS,
    "SpatialNormalization": SPATIAL_NORM,
    "PoolingAndTransposedConv": POOLING_TRANSPOSED,
}


def build(stem):
    """The notebook `stem` as an nbformat NotebookNode."""
    return notebook(stem, NOTEBOOKS[stem])


def render(stem):
    """The notebook `stem` as the exact text written to notebooks/<stem>.ipynb."""
    return nbformat.writes(build(stem)) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for stem in NOTEBOOKS:
        path = HERE / f"{stem}.ipynb"
        text = render(stem)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print(f"out of date (run python notebooks/build.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
