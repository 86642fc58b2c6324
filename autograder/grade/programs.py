"""The programs: each turns one case's inputs into outputs by calling `cs231n`.

One program per kind of case, in the manner of CMU's mugrade: run inside the
sandbox on the student's package (by `harness.py`), a program yields what is
graded; run in the trusted grader on the instructor's package
(`verdict.answer_key`), the same program yields the answer key. Nothing here
knows an expected value.

Every program takes a dict of inputs (fresh copies, so it may modify them, as
the batch-norm layers modify bn_param) and returns a dict of outputs: arrays,
numbers, or dicts of arrays (a model's params or grads). Each mirrors a check
cell of the notebooks, calling the functions the way the cell does.

This file is copied into the box beside harness.py, so it imports only the
standard library, numpy and `cs231n` (whichever `cs231n` comes first on
sys.path: the student's in the box, the instructor's in the grader), and never
`autograder`. Imports of `cs231n` happen inside the programs, so a module that
does not import (a syntax error in the student's layers.py) costs only the
cases that need it.
"""

import ast
import json
import os

import numpy as np

# ---------------------------------------------------------------------------
# Layers: the check cells' calls, forward then backward through the cache
# ---------------------------------------------------------------------------


def conv_forward(i):
    from cs231n.layers import conv_forward_naive

    out, _ = conv_forward_naive(i["x"], i["w"], i["b"], i["conv_param"])
    return {"out": out}


def conv_backward(i):
    from cs231n.layers import conv_backward_naive, conv_forward_naive

    _, cache = conv_forward_naive(i["x"], i["w"], i["b"], i["conv_param"])
    dx, dw, db = conv_backward_naive(i["dout"], cache)
    return {"dx": dx, "dw": dw, "db": db}


def conv_forward_backward(i):
    from cs231n.layers import conv_backward_naive, conv_forward_naive

    out, cache = conv_forward_naive(i["x"], i["w"], i["b"], i["conv_param"])
    dx, dw, db = conv_backward_naive(i["dout"], cache)
    return {"out": out, "dx": dx, "dw": dw, "db": db}


def max_pool_forward(i):
    from cs231n.layers import max_pool_forward_naive

    out, _ = max_pool_forward_naive(i["x"], i["pool_param"])
    return {"out": out}


def max_pool_backward(i):
    from cs231n.layers import max_pool_backward_naive, max_pool_forward_naive

    _, cache = max_pool_forward_naive(i["x"], i["pool_param"])
    return {"dx": max_pool_backward_naive(i["dout"], cache)}


def max_pool_forward_backward(i):
    from cs231n.layers import max_pool_backward_naive, max_pool_forward_naive

    out, cache = max_pool_forward_naive(i["x"], i["pool_param"])
    return {"out": out, "dx": max_pool_backward_naive(i["dout"], cache)}


def avg_pool_forward(i):
    from cs231n.layers import avg_pool_forward_naive

    out, _ = avg_pool_forward_naive(i["x"], i["pool_param"])
    return {"out": out}


def avg_pool_backward(i):
    from cs231n.layers import avg_pool_backward_naive, avg_pool_forward_naive

    _, cache = avg_pool_forward_naive(i["x"], i["pool_param"])
    return {"dx": avg_pool_backward_naive(i["dout"], cache)}


def conv_transpose_forward(i):
    from cs231n.layers import conv_transpose_forward_naive

    out, _ = conv_transpose_forward_naive(i["x"], i["w"], i["b"], i["conv_param"])
    return {"out": out}


def conv_transpose_backward(i):
    from cs231n.layers import conv_transpose_backward_naive, conv_transpose_forward_naive

    _, cache = conv_transpose_forward_naive(i["x"], i["w"], i["b"], i["conv_param"])
    dx, dw, db = conv_transpose_backward_naive(i["dout"], cache)
    return {"dx": dx, "dw": dw, "db": db}


def spatial_batchnorm_forward(i):
    from cs231n.layers import spatial_batchnorm_forward as forward

    out, _ = forward(i["x"], i["gamma"], i["beta"], i["bn_param"])
    return {"out": out}


def spatial_batchnorm_test_time(i):
    """Training batches update the running averages; then one test-mode batch."""
    from cs231n.layers import spatial_batchnorm_forward as forward

    bn_param = i["bn_param"]
    for x in i["x_train"]:
        forward(x, i["gamma"], i["beta"], bn_param)
    bn_param["mode"] = "test"
    out, _ = forward(i["x_test"], i["gamma"], i["beta"], bn_param)
    return {
        "running_mean": bn_param.get("running_mean"),
        "running_var": bn_param.get("running_var"),
        "out": out,
    }


def spatial_batchnorm_backward(i):
    from cs231n.layers import spatial_batchnorm_backward as backward
    from cs231n.layers import spatial_batchnorm_forward as forward

    _, cache = forward(i["x"], i["gamma"], i["beta"], i["bn_param"])
    dx, dgamma, dbeta = backward(i["dout"], cache)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}


def spatial_groupnorm_forward(i):
    from cs231n.layers import spatial_groupnorm_forward as forward

    out, _ = forward(i["x"], i["gamma"], i["beta"], i["G"], i["gn_param"])
    return {"out": out}


def spatial_groupnorm_backward(i):
    from cs231n.layers import spatial_groupnorm_backward as backward
    from cs231n.layers import spatial_groupnorm_forward as forward

    _, cache = forward(i["x"], i["gamma"], i["beta"], i["G"], i["gn_param"])
    dx, dgamma, dbeta = backward(i["dout"], cache)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}


# ---------------------------------------------------------------------------
# Update rules and the Solver
# ---------------------------------------------------------------------------


def _rule_steps(rule, i, state):
    """Step `rule` once per gradient of i["dws"] from i["w"] and i["config"], as the cells do.

    Returns next_w and the config's entries named in `state` (None where the
    config returned is not a dict or lacks one: a bad output, not a crash).
    """
    next_w, config = i["w"], i["config"]
    for dw in i["dws"]:
        next_w, config = rule(next_w, dw, config)
    found = {key: config.get(key) if isinstance(config, dict) else None for key in state}
    return {"next_w": next_w, **found}


def sgd_momentum(i):
    from cs231n.optim import sgd_momentum as rule

    return _rule_steps(rule, i, ("velocity",))


def rmsprop(i):
    from cs231n.optim import rmsprop as rule

    return _rule_steps(rule, i, ("cache",))


def adam(i):
    from cs231n.optim import adam as rule

    return _rule_steps(rule, i, ("m", "v", "t"))


def _data(X, y):
    return {"X_train": X, "y_train": y, "X_val": X, "y_val": y}


def solver_step(i):
    """i["steps"] calls of Solver._step on the provided SoftmaxClassifier.

    Returns the params, the loss history and each parameter's velocity (the
    cases train with sgd_momentum), None where a config lacks it.
    """
    from cs231n.checks import SoftmaxClassifier
    from cs231n.solver import Solver

    model = SoftmaxClassifier(i["params"])
    solver = Solver(model, _data(i["X"], i["y"]), **i["options"])
    for _ in range(i["steps"]):
        solver._step()
    configs = solver.optim_configs
    return {
        "params": model.params,
        "loss_history": np.array(solver.loss_history, dtype=np.float64),
        "velocity": {
            p: configs[p].get("velocity") if isinstance(configs.get(p), dict) else None
            for p in model.params
        },
    }


def solver_check_accuracy(i):
    """Solver.check_accuracy on the provided SoftmaxClassifier: all examples, then a sample."""
    from cs231n.checks import SoftmaxClassifier
    from cs231n.solver import Solver

    X, y = i["X"], i["y"]
    solver = Solver(SoftmaxClassifier(i["params"]), _data(X, y))
    accuracy = solver.check_accuracy(X, y, batch_size=i["batch_size"])
    sampled = solver.check_accuracy(X, y, num_samples=i["num_samples"], batch_size=i["batch_size"])
    return {"accuracy": accuracy, "sampled": sampled}


# ---------------------------------------------------------------------------
# The three-layer convnet
# ---------------------------------------------------------------------------


def convnet_loss(i):
    """Scores, loss and grads of a model with fixed params (not its own random init)."""
    from cs231n.classifiers.cnn import ThreeLayerConvNet

    model = ThreeLayerConvNet(**i["config"], dtype=np.float64)
    model.params = i["params"]
    scores = model.loss(i["X"])
    loss, grads = model.loss(i["X"], i["y"])
    return {"scores": scores, "loss": loss, "grads": grads}


def convnet_initial_loss(i):
    """The model's own random init, and its loss without and with regularisation.

    The params are copied before any loss is computed, so that a loss which
    modifies them cannot hide a wrong init.
    """
    from cs231n.classifiers.cnn import ThreeLayerConvNet

    model = ThreeLayerConvNet(**i["config"], dtype=np.float64)
    params = {name: np.array(value) for name, value in model.params.items()}
    loss, _ = model.loss(i["X"], i["y"])
    model.reg = i["reg"]
    loss_reg, _ = model.loss(i["X"], i["y"])
    return {"params": params, "loss": loss, "loss_reg": loss_reg}


def overfit_small_data(i):
    """Train as the notebook's overfitting cell does; return the trained params.

    The Solver leaves the params that reached the best "validation" accuracy in
    the model; the trusted side scores them on the training images.
    """
    from cs231n.classifiers.cnn import ThreeLayerConvNet
    from cs231n.solver import Solver

    data = {key: i[key] for key in ("X_train", "y_train", "X_val", "y_val")}
    model = ThreeLayerConvNet(**i["model"])
    solver = Solver(model, data, **i["solver"])
    solver.train()
    return {"params": model.params, "epoch": solver.epoch}


def train_one_epoch(i):
    """Run the student's own `train_one_epoch(data)`, defined in their notebook.

    The notebook cell whose nbgrader grade_id is i["cell"] is read from the
    notebook i["notebook"] in the working directory; its function and class
    definitions, imports and constant assignments run in a namespace holding
    np, ThreeLayerConvNet and Solver (the rest of the cell, such as a call
    that trains at once, is left out). Returns the epochs trained and the best
    params the Solver kept.
    """
    from cs231n.classifiers.cnn import ThreeLayerConvNet
    from cs231n.solver import Solver

    namespace = {
        "__name__": "__notebook__",
        "np": np,
        "ThreeLayerConvNet": ThreeLayerConvNet,
        "Solver": Solver,
    }
    filename = f"{i['notebook']}: cell {i['cell']}"
    code = compile(definitions(cell_source(i["notebook"], i["cell"])), filename, "exec")
    exec(code, namespace)
    if not callable(namespace.get("train_one_epoch")):
        raise NameError(f"the cell {i['cell']!r} of {i['notebook']} defines no train_one_epoch")
    data = {key: i[key] for key in ("X_train", "y_train", "X_val", "y_val")}
    data["X_test"], data["y_test"] = i["X_val"].copy(), i["y_val"].copy()
    solver = namespace["train_one_epoch"](data)
    return {"epoch": solver.epoch, "params": solver.best_params}


# ---------------------------------------------------------------------------
# Reading a notebook cell (plain JSON: nbformat is not in the box)
# ---------------------------------------------------------------------------

#: The largest notebook read, in bytes.
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


def cell_source(notebook, grade_id):
    """The source of the code cell of `notebook` whose nbgrader grade_id is `grade_id`.

    A cell copied in Jupyter keeps its metadata, so several code cells may
    carry the grade_id: their sources are joined in notebook order, so that a
    later definition wins, as running the notebook top to bottom would have it.
    """
    if os.path.getsize(notebook) > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"{notebook} is over {MAX_NOTEBOOK_BYTES // 2**20} MB")
    with open(notebook, encoding="utf-8") as f:
        nb = json.load(f)
    found = []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
        nbgrader = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
        if isinstance(nbgrader, dict) and nbgrader.get("grade_id") == grade_id:
            found.append(cell)
    found = [cell for cell in found if cell.get("cell_type") == "code"]
    if not found:
        raise LookupError(
            f"{notebook} has no code cell with grade_id {grade_id!r} (was the cell deleted, "
            "or its metadata edited?)"
        )
    sources = [cell.get("source", "") for cell in found]
    return "\n".join("".join(s) if isinstance(s, list) else str(s) for s in sources)


def definitions(source):
    """The definitions of a cell's source: defs, classes, imports and constant assignments.

    IPython's `%magic` and `!shell` lines become `pass` first, so the rest
    parses as Python.
    """
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    tree = ast.parse("\n".join(lines))
    kept = []
    for node in tree.body:
        if isinstance(
            node,
            (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom),
        ):
            kept.append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            try:
                ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
            kept.append(node)
    tree.body = kept
    return tree


#: name -> program. Cases name their program here.
PROGRAMS = {
    program.__name__: program
    for program in (
        conv_forward,
        conv_backward,
        conv_forward_backward,
        max_pool_forward,
        max_pool_backward,
        max_pool_forward_backward,
        avg_pool_forward,
        avg_pool_backward,
        conv_transpose_forward,
        conv_transpose_backward,
        spatial_batchnorm_forward,
        spatial_batchnorm_test_time,
        spatial_batchnorm_backward,
        spatial_groupnorm_forward,
        spatial_groupnorm_backward,
        sgd_momentum,
        rmsprop,
        adam,
        solver_step,
        solver_check_accuracy,
        convnet_loss,
        convnet_initial_loss,
        overfit_small_data,
        train_one_epoch,
    )
}
