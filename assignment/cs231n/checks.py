"""The helpers check cells call: compare your outputs with the saved reference, say what is wrong.

Every check cell of the notebooks has the same three steps:

    x, w, b, conv_param = reference_inputs("conv_forward_naive")
    with checking("conv_forward_naive"):
        out, _ = conv_forward_naive(x, w, b, conv_param)
        check("conv_forward_naive", out)

1. `reference_inputs(name)` returns the seeded inputs saved in
   `reference/<name>.npz` (the folder beside this package), as fresh copies.
2. `checking(name)` turns a NotImplementedError raised inside the block into
   one line naming the function still to write, instead of a long traceback.
3. `check(name, *outputs)` compares each of your outputs with the expected one
   saved beside the inputs, using `rel_error` from `gradient_check`, and prints
   one verdict line:

       conv_forward_naive: PASSED (relative error 2.1e-16; threshold 1e-07)

   When an output is wrong it prints, below a FAILED line, what it can tell
   about the mistake: a wrong shape (and which axis), NaN or inf entries, a
   wrong dtype, a whole tuple where one array belongs, an output that is all
   zeros, of the wrong sign, scaled by a factor, off by a constant (everywhere
   or per channel, with the input that constant equals, such as the bias b),
   with axes swapped or reversed, wrong only on the border (padding) or only
   for some examples or channels, and always the worst entry. These
   heuristics live in `_diagnosis.py`, beside this file.

A failed check raises `CheckFailed` (an AssertionError), so the cell stops and
counts as failed, nbgrader included; its message is one short line, because
the diagnosis is printed above it. `check_close(label, actual, expected)` does
the same for two arrays you computed yourself (your naive layer against the
provided fast one, say), `check_at_least(label, value, minimum)` for a number
that must reach a minimum (an accuracy) and `check_equal(label, actual,
expected)` for exact values such as shapes. None of them returns a value (a
number as the last expression of a graded cell would become its score), so a
check as the last line of a cell prints no `Out[]`. Everything goes to stdout:
nbgrader gives 0 points to a graded cell that writes on stderr.

`checking(name)` also remembers how each check ended in this session
(passed, failed, not implemented, raised), so that later cells can build on
it: a training check that fails names the earlier checks to look at first
(`check_at_least(..., suspects=...)`), and a cell that plots what an earlier
check produced says in one line that there is nothing to plot yet
(`finished(name, what)`). `SoftmaxClassifier` is the tiny model the Solver's
checks train: a model of provided code only, so that those checks test the
Solver and nothing else.

The reference files are generated from the solutions by the course staff;
never edit them. Each `reference/<name>.npz` loads with
`np.load(path, allow_pickle=False)` and holds:

- "meta": a JSON string: the function and file being checked, the threshold,
  the order and kind of the inputs and outputs, the layout of each output
  ("(N, F, H', W')"), hints for a wrong axis size, and the inputs that are not
  arrays (conv_param dicts, G, ...) themselves;
- "in/<input>" and "out/<output>": the arrays; a dict of arrays (a model's
  params or grads) is stored as "in/<input>/<key>" or "out/<output>/<key>",
  and so are the arrays of an input dict that also holds plain values (an
  update rule's config: its hyperparameters sit in the meta, its state
  arrays in "in/config/velocity").
"""

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# What is wrong with an output is worked out in _diagnosis.py, beside this file;
# the course's grader explains its own cases with it too.
from ._diagnosis import diagnose

#: Where the reference outputs live: the `reference/` folder beside this package.
REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"

#: The version of the file layout described in the module docstring.
FORMAT_VERSION = 1

#: The threshold of `check_close` when none is given.
DEFAULT_THRESHOLD = 1e-7

#: How each check of this session ended, by the name given to `checking`:
#: "passed", "failed" (one of its checks said no), "not implemented", "raised"
#: (another error) or "interrupted". A check run again replaces its entry.
OUTCOMES = {}

#: What a training run rests on: check name -> the part of your code it tests,
#: in the order to suspect them. The training checks pass it as `suspects`.
TRAINING_PARTS = {
    "adam": "the update rule (adam in cs231n/optim.py)",
    "solver_step": "the Solver's step (Solver._step)",
    "solver_check_accuracy": "the accuracy (Solver.check_accuracy)",
    "three_layer_convnet_loss": "the model's loss and gradients (ThreeLayerConvNet.loss)",
    "three_layer_convnet_initial_loss": "the model's initial weights (ThreeLayerConvNet.__init__)",
}


class CheckFailed(AssertionError):
    """A check found a wrong output; the lines printed above it say how."""

    def _render_traceback_(self):
        # IPython shows this list in place of the traceback: the diagnosis is
        # already printed, and the frames of this module would only hide it.
        return [f"{type(self).__name__}: {self}"]


class NotImplementedYet(CheckFailed):
    """A function the check needs still raises NotImplementedError."""

    def _render_traceback_(self):
        return [str(self)]


# ---------------------------------------------------------------------------
# Reading reference files
# ---------------------------------------------------------------------------


@dataclass
class Reference:
    """The contents of one reference file.

    - name: the check's name, also the file's stem ("conv_forward_naive")
    - function, file: what is being checked and where it is written
      ("conv_forward_naive", "cs231n/layers.py")
    - threshold: the largest relative error that passes
    - inputs: dict of the inputs in call order: arrays, dicts of arrays, or
      plain values (conv_param dicts, ints)
    - outputs: dict of the expected outputs in order: arrays or dicts of arrays
    - layouts: dict mapping an output's name to its layout, e.g. "(N, F, H', W')"
    - hints: dict mapping an axis name ("H'") to advice when its size is wrong
    - path: the file it was read from
    """

    name: str
    function: str
    file: str
    threshold: float
    inputs: dict
    outputs: dict
    layouts: dict
    hints: dict
    path: Path


def _read_entries(data, prefix, entries):
    """Rebuild the inputs or outputs listed in the meta from the npz arrays."""
    values = {}
    for entry in entries:
        name, kind = entry["name"], entry["kind"]
        if kind == "array":
            values[name] = data[f"{prefix}/{name}"]
        elif kind == "arrays":
            values[name] = {key: data[f"{prefix}/{name}/{key}"] for key in entry["keys"]}
        elif kind == "json":
            values[name] = entry["value"]
        elif kind == "dict":
            plain = entry["value"]
            values[name] = {
                key: plain[key] if key in plain else data[f"{prefix}/{name}/{key}"]
                for key in entry["keys"]
            }
        else:
            raise ValueError(f"unknown entry kind {kind!r} for {name!r}")
    return values


def load_reference(name, reference_dir=None):
    """Load `reference/<name>.npz` and return a `Reference`.

    Inputs:
    - name: the check's name, e.g. "conv_forward_naive"
    - reference_dir: the folder to read from (default: REFERENCE_DIR, the
      `reference/` folder beside the cs231n package)

    Every call reads the file again, so the arrays and dicts it returns are
    fresh copies that your code may modify.
    """
    folder = Path(reference_dir) if reference_dir is not None else REFERENCE_DIR
    path = folder / f"{name}.npz"
    if not path.is_file():
        raise FileNotFoundError(
            f"no reference file {path}: keep the reference/ folder beside cs231n/ "
            f"(and check the name {name!r})"
        )
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: format {meta.get('format')!r}, expected {FORMAT_VERSION}")
        inputs = _read_entries(data, "in", meta["inputs"])
        outputs = _read_entries(data, "out", meta["outputs"])
    return Reference(
        name=meta["name"],
        function=meta["function"],
        file=meta["file"],
        threshold=float(meta["threshold"]),
        inputs=inputs,
        outputs=outputs,
        layouts={e["name"]: e.get("layout") for e in meta["outputs"]},
        hints=meta.get("hints", {}),
        path=path,
    )


def reference_inputs(name, reference_dir=None):
    """Return the inputs of check `name` as a tuple, in call order (fresh copies).

    Example:

        x, w, b, conv_param = reference_inputs("conv_forward_naive")
    """
    return tuple(load_reference(name, reference_dir).inputs.values())


# ---------------------------------------------------------------------------
# Saying what is wrong
# ---------------------------------------------------------------------------


def compare(
    label, actual, expected, threshold=DEFAULT_THRESHOLD, layout=None, hints=None, inputs=None
):
    """Compare one output with its expected value, print nothing, and return what was found.

    The diagnosis `check` prints, as data (worked out in `_diagnosis.py`).

    Inputs:
    - label: the output's name as messages should call it ("dx")
    - actual: the output under test (an array, a number, or a dict of arrays)
    - expected: the value it should have (an array, or a dict of arrays)
    - threshold: the largest relative error that passes
    - layout: the output's layout, e.g. "(N, F, H', W')", to name axes
    - hints: dict mapping an axis name ("H'") to advice when its size is wrong
    - inputs: dict of the inputs that produced it, to name an input a
      difference is a multiple of (the bias b, say)

    Returns an object with:
    - ok: whether the output passes
    - error: its largest relative error (inf when it could not be computed)
    - problem: a few words ("wrong shape", "NaN or inf") or None
    - notes: the lines that explain a failure (empty when it passes)
    """
    return diagnose(label, actual, expected, threshold, layout, hints, inputs)


def _status(outcome):
    """The status for the verdict line: "2.1e-16", "wrong shape", "2.8e-08, dtype float32"."""
    if not np.isfinite(outcome.error):
        return outcome.problem
    number = f"{outcome.error:.1e}"
    return f"{number}, {outcome.problem}" if outcome.problem else number


def _report(title, labels, outcomes, threshold, hint=None, suspects=None):
    """Print the verdict line (and the notes of a failure); raise CheckFailed on failure."""
    if len(outcomes) == 1:
        status = _status(outcomes[0])
        errors = f"relative error {status}" if np.isfinite(outcomes[0].error) else status
    else:
        errors = "relative errors: " + ", ".join(
            f"{label} {_status(outcome)}" for label, outcome in zip(labels, outcomes, strict=True)
        )
    wrong = [label for label, outcome in zip(labels, outcomes, strict=True) if not outcome.ok]
    verdict = "FAILED" if wrong else "PASSED"
    print(f"{title}: {verdict} ({errors}; threshold {threshold:.0e})")
    if not wrong:
        return
    for outcome in outcomes:
        for note in outcome.notes:
            print(f"  - {note}")
    for line in _suspect_lines(suspects or {}):
        print(f"  - {line}")
    if hint:
        print(f"  - hint: {hint}")
    if wrong == [title]:
        raise CheckFailed(f"{title}: wrong (see above)")
    raise CheckFailed(f"{title}: {', '.join(wrong)} wrong (see above)")


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


def check(name, *outputs, reference_dir=None, hint=None, suspects=None):
    """Compare your outputs with the reference outputs of check `name`.

    Inputs:
    - name: the check's name, e.g. "conv_forward_naive" (the file reference/<name>.npz)
    - outputs: your outputs, in the order the reference lists them: e.g. `out`
      for a forward pass, `dx, dw, db` for a backward pass. An output may be a
      dict of arrays (a model's grads), compared key by key.
    - reference_dir: the folder holding the reference files (default REFERENCE_DIR)
    - hint: a line of advice printed when the check fails
    - suspects: dict mapping the names of earlier checks of code this check
      runs to the part each tests, named on failure as `check_at_least` does

    Prints one verdict line; when an output is wrong, prints what is wrong
    with it and raises CheckFailed. Returns None.
    """
    ref = load_reference(name, reference_dir)
    if len(outputs) != len(ref.outputs):
        raise TypeError(
            f"check({name!r}, ...) takes {len(ref.outputs)} output(s) "
            f"({', '.join(ref.outputs)}), got {len(outputs)}"
        )
    outcomes = [
        compare(label, actual, ref.outputs[label], ref.threshold, layout, ref.hints, ref.inputs)
        for (label, layout), actual in zip(ref.layouts.items(), outputs, strict=True)
    ]
    _report(name, list(ref.outputs), outcomes, ref.threshold, hint, suspects)


def check_close(label, actual, expected, threshold=DEFAULT_THRESHOLD, layout=None, hint=None):
    """Compare two arrays you computed, e.g. your naive layer against the fast one.

    Inputs:
    - label: what is compared, printed in the verdict ("conv_forward_naive vs fast")
    - actual: the array under test (yours)
    - expected: the array it should equal (or a dict of arrays)
    - threshold: the largest relative error that passes
    - layout: the layout of the arrays, e.g. "(N, F, H', W')", to name axes
    - hint: a line of advice printed when the check fails

    Prints one verdict line; on failure prints what is wrong and raises
    CheckFailed. Returns None.
    """
    outcome = compare("yours", actual, expected, threshold, layout)
    _report(label, [label], [outcome], threshold, hint)


def check_at_least(label, value, minimum, hint=None, suspects=None):
    """Check that a number (an accuracy, say) reaches a minimum.

    Inputs:
    - label, value, minimum: what is checked, its value and the least it may be
    - hint: a line of advice printed when the check fails
    - suspects: dict mapping the names of earlier checks the value depends on
      to the part of the code each tests (TRAINING_PARTS, say); on failure,
      the parts whose checks failed or never ran in this session are named
      first, then those that passed

    Prints "label: PASSED (0.97 >= 0.9)" or FAILED with what to suspect and
    the hint, and raises CheckFailed when value < minimum (or is not a
    number). Returns None.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    passed = number >= minimum  # False for NaN
    verdict, relation = ("PASSED", ">=") if passed else ("FAILED", "<")
    print(f"{label}: {verdict} ({number:.4g} {relation} {minimum:g})")
    if not passed:
        for line in _suspect_lines(suspects or {}):
            print(f"  - {line}")
        if hint:
            print(f"  - hint: {hint}")
        raise CheckFailed(f"{label}: {number:.4g} is below {minimum:g}")


def _suspect_lines(suspects):
    """What to look at first, from how the checks named in `suspects` ended (OUTCOMES)."""
    failed, unrun, passed = [], [], []
    for name, part in suspects.items():
        outcome = OUTCOMES.get(name)
        if outcome == "passed":
            passed.append(f"{part} ({name})")
        elif outcome is None:
            unrun.append(f"{part} ({name})")
        else:
            failed.append(f"{part}: the {name} check {_ENDED[outcome]}")
    lines = [f"suspect first {entry}" for entry in failed]
    if unrun:
        lines.append("not checked in this session (run their cells): " + "; ".join(unrun))
    if passed:
        less = "passed their checks above" + (", so suspect them less" if failed or unrun else "")
        lines.append(f"{less}: " + "; ".join(passed))
    return lines


#: How a check ended, as `_suspect_lines` says it.
_ENDED = {
    "failed": "failed above",
    "not implemented": "found a function not implemented yet",
    "raised": "raised an error above",
    "interrupted": "was interrupted",
}


def finished(name, what):
    """Whether the check `name` ran its code through in this session; if not, say so in one line.

    Inputs:
    - name: the name the earlier cell gave `checking` ("overfit_small_data")
    - what: what the calling cell shows ("the loss plot"), for the message

    A check that passed, or failed one of its own checks at the end, ran
    through: its results (a trained Solver, say) exist and can be shown.
    Otherwise prints "Nothing to show for <what>: ..." and returns False, so
    that a plotting cell can skip its work instead of raising a NameError.
    """
    outcome = OUTCOMES.get(name)
    if outcome in ("passed", "failed"):
        return True
    if outcome is None:
        why = f"the {name} cell above has not run in this session"
    else:
        why = f"the {name} cell above stopped early ({outcome})"
    print(f"Nothing to show for {what}: {why}. Run it again once it works, then this cell.")
    return False


def check_equal(label, actual, expected, hint=None):
    """Check that a value that is not an array of floats (a shape, a dict of shapes) is exact.

    Prints "label: PASSED" or FAILED with both values, and raises CheckFailed
    when actual != expected. Returns None.
    """
    passed = bool(actual == expected)
    if passed:
        print(f"{label}: PASSED ({actual!r})")
        return
    print(f"{label}: FAILED")
    print(f"  - yours:    {actual!r}")
    print(f"  - expected: {expected!r}")
    if hint:
        print(f"  - hint: {hint}")
    raise CheckFailed(f"{label}: wrong (see above)")


def _location(filename):
    """Where a function lives, as a student would say it."""
    path = Path(filename)
    package = Path(__file__).resolve().parent
    try:
        return "cs231n/" + path.resolve().relative_to(package).as_posix()
    except (ValueError, OSError):
        pass
    if "ipykernel" in filename or filename.startswith("<"):
        return "this notebook"
    return path.name


def _not_implemented_message(name, error):
    """One line naming the unimplemented function (the innermost frame of the error)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        function, where = name, None
    else:
        code = tb.tb_frame.f_code
        function = getattr(code, "co_qualname", code.co_name)
        where = _location(code.co_filename)
        if function.startswith("<"):  # raised at the top level of a cell
            function = name
    place = f" ({where})" if where else ""
    needed = "" if function == name else f"; the {name} check needs it"
    return f"Not implemented yet: {function}{place}{needed}. Write it, then run this cell again."


def _raised_by_gradient_check(error):
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and Path(tb.tb_frame.f_code.co_filename).stem == "gradient_check"


@contextlib.contextmanager
def checking(name):
    """Run the body of a check cell; report an unimplemented function in one line.

    Inputs:
    - name: the check's name, used in the message

    A NotImplementedError raised inside the block becomes NotImplementedYet,
    whose message names the function that raised it and its file:

        Not implemented yet: conv_forward_naive (cs231n/layers.py). Write it, then run
        this cell again.

    and which IPython shows as that single line. An AssertionError from the
    strict gradient checks of `gradient_check` becomes a CheckFailed with the
    same message (no traceback either). Every other error passes through
    unchanged, with its full traceback, because it points at a bug.

    How the block ended is recorded in OUTCOMES[name].
    """
    try:
        yield
    except NotImplementedError as error:
        OUTCOMES[name] = "not implemented"
        raise NotImplementedYet(_not_implemented_message(name, error)) from None
    except NotImplementedYet:
        OUTCOMES[name] = "not implemented"
        raise
    except CheckFailed:
        OUTCOMES[name] = "failed"
        raise
    except AssertionError as error:
        if _raised_by_gradient_check(error):
            OUTCOMES[name] = "failed"
            raise CheckFailed(f"{name}: {error}") from None
        OUTCOMES[name] = "raised"
        raise
    except Exception:
        OUTCOMES[name] = "raised"
        raise
    except BaseException:
        OUTCOMES[name] = "interrupted"
        raise
    OUTCOMES[name] = "passed"


# ---------------------------------------------------------------------------
# A model for the Solver's checks
# ---------------------------------------------------------------------------


class SoftmaxClassifier:
    """A linear softmax classifier: the tiny model the Solver's check cells train.

    scores = X.reshape(N, D).dot(W) + b, and the softmax loss, computed with
    the provided `affine_forward`, `affine_backward` and `softmax_loss` of
    cs231n/layers.py (no regularisation). It has the API the Solver expects
    (see cs231n/solver.py), and none of your code: a check that trains it
    tests the Solver alone.

    Inputs:
    - params: dict with "W" of shape (D, C) and "b" of shape (C,), copied as
      float64 arrays into self.params
    """

    def __init__(self, params):
        self.params = {name: np.array(value, dtype=np.float64) for name, value in params.items()}

    def loss(self, X, y=None):
        """Scores of shape (N, C) when y is None; otherwise (loss, {"W": dW, "b": db})."""
        # Imported here, so that a mistake in layers.py breaks only the checks that need it.
        from .layers import affine_backward, affine_forward, softmax_loss

        scores, cache = affine_forward(X, self.params["W"], self.params["b"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        _, dW, db = affine_backward(dscores, cache)
        return loss, {"W": dW, "b": db}


__all__ = [
    "DEFAULT_THRESHOLD",
    "OUTCOMES",
    "REFERENCE_DIR",
    "TRAINING_PARTS",
    "CheckFailed",
    "NotImplementedYet",
    "Reference",
    "SoftmaxClassifier",
    "check",
    "check_at_least",
    "check_close",
    "check_equal",
    "checking",
    "compare",
    "finished",
    "load_reference",
    "reference_inputs",
]
