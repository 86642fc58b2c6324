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
   for some examples or channels, and always the worst entry.

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

The reference files are generated from the solutions by the course staff
(`python -m autograder refs`); never edit them. Each `reference/<name>.npz`
loads with `np.load(path, allow_pickle=False)` and holds:

- "meta": a JSON string: the function and file being checked, the threshold,
  the order and kind of the inputs and outputs, the layout of each output
  ("(N, F, H', W')"), hints for a wrong axis size, and the inputs that are not
  arrays (conv_param dicts, G, ...) themselves;
- "in/<input>" and "out/<output>": the arrays; a dict of arrays (a model's
  params or grads) is stored as "in/<input>/<key>" or "out/<output>/<key>".
"""

import contextlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# rel_error and its entry-by-entry form live in gradient_check, the one home of
# the verification helpers.
from .gradient_check import _relative_errors, rel_error

#: Where the reference outputs live: the `reference/` folder beside this package.
REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"

#: The version of the file layout described in the module docstring.
FORMAT_VERSION = 1

#: The threshold of `check_close` when none is given.
DEFAULT_THRESHOLD = 1e-7


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


def _axis_names(layout, ndim):
    """["N", "F", "H'", "W'"] from "(N, F, H', W')"; generic names when unknown."""
    if layout:
        names = [part.strip() for part in layout.strip("()").split(",") if part.strip()]
        if len(names) == ndim:
            return names
    return [f"axis {i}" for i in range(ndim)]


def _layout(names):
    """ "(N, F, H', W')", or "" when the axes have no names."""
    if names and names[0] == "axis 0":
        return ""
    return " (" + ", ".join(names) + ")"


def _axis(i, names):
    """'axis 2 (H')' or plain 'axis 2'."""
    return f"axis {i}" if names[i] == f"axis {i}" else f"axis {i} ({names[i]})"


def _index(ix):
    return "[" + ", ".join(str(int(i)) for i in ix) + "]"


def _small_ratio(k):
    """n when k is close to the integer n >= 2, else None."""
    n = round(k)
    if n >= 2 and abs(k - n) <= 1e-6 * n:
        return n
    return None


def _factor_note(label, k):
    if k < 0:
        return f"{label} is {k:.4g} times the expected value: a wrong sign and a wrong scale."
    n, m = _small_ratio(k), _small_ratio(1 / k)
    if n == 2:
        return (
            f"{label} is twice the expected value: something counted twice, or a factor "
            f"2 where 0.5 belongs (0.5 * reg * W**2 has gradient reg * W)?"
        )
    if m == 2:
        return (
            f"{label} is half the expected value: a factor 0.5 too many, or one of "
            f"two contributions missing?"
        )
    if n:
        return (
            f"{label} is {n} times the expected value: a sum where a mean belongs, "
            f"or a missing division by {n}?"
        )
    if m:
        return (
            f"{label} is 1/{m} of the expected value: a mean where a sum belongs, "
            f"or an extra division by {m}?"
        )
    return f"{label} is {k:.4g} times the expected value: a scale factor is wrong."


def _border_note(label, bad, names):
    """If only entries near the border of the last two axes are wrong, say which sides."""
    if bad.ndim < 2:
        return None
    H, W = bad.shape[-2:]
    bad2d = bad.reshape(-1, H, W).any(axis=0)
    for k in (1, 2):
        if H <= 2 * k or W <= 2 * k or bad2d[k : H - k, k : W - k].any():
            continue
        strips = {
            "top": bad2d[:k, k : W - k],
            "bottom": bad2d[H - k :, k : W - k],
            "left": bad2d[k : H - k, :k],
            "right": bad2d[k : H - k, W - k :],
        }
        sides = [side for side, strip in strips.items() if strip.any()] or ["corners"]
        width = "one row or column" if k == 1 else f"{k} rows or columns"
        return (
            f"{label} is wrong only on the border of {names[-2]} x {names[-1]} "
            f"({' and '.join(sides)}, {width} deep); the interior matches: check the "
            f"padding (how much, on which sides, and that it is cropped away)."
        )
    return None


def _only_some_note(label, bad, names):
    """If the wrong entries sit at a few indices of one leading axis, name them."""
    leading = bad.ndim - 2 if bad.ndim >= 3 else bad.ndim
    for axis in range(leading):
        size = bad.shape[axis]
        others = tuple(i for i in range(bad.ndim) if i != axis)
        rows = np.flatnonzero(bad.any(axis=others))
        if size > 1 and 0 < rows.size < size:
            which = ", ".join(str(int(r)) for r in rows[:8]) + (", ..." if rows.size > 8 else "")
            return (
                f"{label} is wrong only at index {which} of {_axis(axis, names)} "
                f"(right at the other {size - rows.size} of {size}): a loop that misses "
                f"or repeats some of them?"
            )
    return None


def _input_arrays(inputs):
    """Every array among the inputs, by a name a student recognises ("b", "params['W1']")."""
    for name, value in inputs.items():
        if isinstance(value, np.ndarray):
            yield name, value
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, np.ndarray):
                    yield f"{name}[{key!r}]", item


def _multiple_of_input(diff, inputs, shape):
    """Name the input the difference is a multiple of (b, -b, 0.1 * W1, ...), or None."""
    for name, value in _input_arrays(inputs):
        if value.shape != shape or value.dtype.kind != "f" or not np.any(value):
            continue
        k = float(np.sum(diff * value) / np.sum(value * value))
        if k == 0 or rel_error(diff, k * value) > 1e-6:
            continue
        if abs(k - 1) < 1e-6:
            return f"exactly {name}: is {name} added twice?"
        if abs(k + 1) < 1e-6:
            return f"exactly -{name}: is {name} never added?"
        if k < 0:
            return f"{k:.4g} * {name}: is a term {-k:.4g} * {name} missing?"
        return f"{k:.4g} * {name}: is a term {k:.4g} * {name} added that does not belong?"
    return None


def _structure_notes(label, a, e, threshold, names, inputs):
    """Explain a wrong output of the right shape: what simple change would fix it."""
    error = rel_error(a, e)
    # A change explains the mistake only if it brings the output within reach of
    # the threshold, and much closer than it was.
    tol = min(max(10 * threshold, 1e-6), error / 100)

    def matches(candidate):
        return rel_error(candidate, e) <= tol

    if error < 100 * threshold:
        return [
            f"{label} is close to the expected output, but not within the threshold: "
            f"a loss of precision (float32 somewhere, or a numeric gradient spoiled by "
            f"a kink), or a small term missing?"
        ]

    if not np.any(a):
        return [f"{label} is all zeros: is it filled in, and is the filled array the one returned?"]
    if a.size > 1 and np.all(a == a.flat[0]):
        return [f"{label} holds the same value {a.flat[0]:.6g} everywhere."]
    if matches(-a):
        return [
            f"{label} has the wrong sign everywhere: a minus sign, or a difference "
            f"taken the wrong way round?"
        ]
    denom = float(np.sum(e * e))
    if denom > 0:
        k = float(np.sum(a * e)) / denom
        nice = _small_ratio(k) or (k > 0 and _small_ratio(1 / k))
        if k != 0 and abs(k - 1) > 1e-6 and (a.size > 1 or nice) and matches(a / k):
            return [_factor_note(label, k)]
    if a.size == 1:
        return []
    for perm in itertools.permutations(range(a.ndim)):
        if list(perm) == sorted(perm) or np.transpose(a, perm).shape != e.shape:
            continue
        if matches(np.transpose(a, perm)):
            swapped = [i for i in range(a.ndim) if perm[i] != i]
            if len(swapped) == 2:
                i, j = swapped
                return [
                    f"{label} equals the expected output with {_axis(i, names)} and "
                    f"{_axis(j, names)} swapped: rows and columns (or two indices) mixed up?"
                ]
            return [f"{label} equals the expected output with its axes permuted {perm}."]
    flips = [(axis,) for axis in range(a.ndim)]
    if a.ndim >= 2:
        flips.append((a.ndim - 2, a.ndim - 1))
    for axes in flips:
        if all(a.shape[i] > 1 for i in axes) and matches(np.flip(a, axes)):
            where = " and ".join(_axis(i, names) for i in axes)
            return [
                f"{label} equals the expected output reversed along {where}: "
                f"an index runs backwards?"
            ]
    diff = a - e
    constant = float(diff.mean())
    if matches(a - constant):
        return [f"{label} is off by the constant {constant:.6g} everywhere."]
    bad = _relative_errors(a, e) > threshold
    for note in (_border_note(label, bad, names), _only_some_note(label, bad, names)):
        if note:
            return [note]
    for axis in range(a.ndim):
        if a.shape[axis] == 1 or a.size == a.shape[axis]:
            continue
        others = tuple(i for i in range(a.ndim) if i != axis)
        per_axis = diff.mean(axis=others, keepdims=True)
        if matches(a - per_axis):
            note = (
                f"{label} is off by a constant per index of {_axis(axis, names)} "
                f"(the same for every other entry)"
            )
            source = _multiple_of_input(per_axis.ravel(), inputs, (a.shape[axis],))
            return [f"{note}: the offset is {source}" if source else f"{note}: {per_axis.ravel()}."]
    source = _multiple_of_input(diff, inputs, a.shape)
    if source:
        return [f"{label} differs from the expected output by {source}"]
    return []


def _shape_notes(label, a, e, names, hints, threshold):
    """Explain a shape mismatch: which axis is off, or whether the axes are permuted."""
    notes = []
    if a.ndim != e.ndim:
        if a.size == e.size:
            notes.append(
                f"{label} has the right number of entries in the wrong shape: "
                f"reshape it to {e.shape}?"
            )
        else:
            notes.append(f"{label} has {a.ndim} axes; {e.ndim} expected{_layout(names)}.")
        return notes
    if sorted(a.shape) == sorted(e.shape):
        for perm in itertools.permutations(range(a.ndim)):
            if np.transpose(a, perm).shape == e.shape and np.all(np.isfinite(a)):
                if rel_error(np.transpose(a, perm), e) <= max(10 * threshold, 1e-6):
                    return [
                        f"{label} holds the right values with its axes in the wrong order: "
                        f"{label}.transpose{perm} matches the expected{_layout(names)}."
                    ]
    for i, (got, want) in enumerate(zip(a.shape, e.shape, strict=True)):
        if got != want:
            note = f"{_axis(i, names)} is {got}, expected {want}"
            hint = hints.get(names[i])
            notes.append(f"{note}: {hint}" if hint else f"{note}.")
    return notes


def _as_array(label, actual, expected):
    """Return (array, None), or (None, note) when actual cannot be compared at all."""
    if actual is None:
        return None, f"{label} is None: does your function return it (a missing `return`)?"
    if isinstance(actual, tuple) and expected.ndim > 0:
        return None, (
            f"{label} is a tuple of {len(actual)}, not an array: did you pass a whole "
            f"`out, cache` pair (or `dx, dw, db`) where one array belongs?"
        )
    try:
        a = np.asarray(actual)
    except (TypeError, ValueError):
        return None, f"{label} is a {type(actual).__name__}, expected a numpy array."
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_) or np.iscomplexobj(a):
        return None, f"{label} has dtype {a.dtype}, expected real numbers ({expected.dtype})."
    return a, None


@dataclass
class _Outcome:
    """The comparison of one output.

    - error: its largest relative error (inf when it could not be computed)
    - ok: whether it passes
    - problem: a few words for the verdict line ("wrong shape"), or None
    - notes: the lines that explain a failure
    """

    error: float
    ok: bool
    problem: object = None
    notes: list = field(default_factory=list)

    def status(self):
        """The status for the verdict line: "2.1e-16", "wrong shape", "2.8e-08, dtype float32"."""
        if not np.isfinite(self.error):
            return self.problem
        number = f"{self.error:.1e}"
        return f"{number}, {self.problem}" if self.problem else number


def _dtype_note(label, dtype, expected):
    """Explain a dtype that loses information, or return None."""
    if dtype.kind in "biu" and expected.kind == "f":
        return (
            f"{label} has dtype {dtype}, expected {expected}: an integer array truncates "
            f"every value written into it (np.zeros(shape) is float64; np.zeros_like(x) "
            f"copies x's dtype)."
        )
    if dtype.kind == "f" and dtype.itemsize < expected.itemsize:
        return (
            f"{label} has dtype {dtype}, expected {expected}: precision is lost "
            f"(create arrays with the inputs' dtype, e.g. dtype=x.dtype)."
        )
    return None


def _compare_array(label, actual, expected, threshold, layout=None, hints=None, inputs=None):
    expected = np.asarray(expected)
    a, note = _as_array(label, actual, expected)
    if a is None:
        return _Outcome(np.inf, False, "not an array", [note])
    names = _axis_names(layout, expected.ndim)
    if a.shape != expected.shape:
        notes = [f"{label} has shape {a.shape}, expected {expected.shape}{_layout(names)}."]
        notes += _shape_notes(label, a, expected, names, hints or {}, threshold)
        return _Outcome(np.inf, False, "wrong shape", notes)
    dtype_note = _dtype_note(label, a.dtype, expected.dtype)
    notes = [dtype_note] if dtype_note else []
    problem = f"dtype {a.dtype}" if dtype_note else None
    a = a.astype(np.float64)
    expected = expected.astype(np.float64)
    finite = np.isfinite(a)
    if not finite.all():
        first = np.argwhere(~finite)[0]
        nans, infs = int(np.isnan(a).sum()), int(np.isinf(a).sum())
        notes.append(
            f"{label} has {nans} NaN and {infs} inf entries (the first at {label}{_index(first)}): "
            f"NaN comes from 0 / 0, inf - inf or the sqrt of a negative number, inf from a "
            f"division by zero or an overflow."
        )
        return _Outcome(np.inf, False, "NaN or inf", notes)
    error = rel_error(a, expected)
    if error > threshold:
        notes += _structure_notes(label, a, expected, threshold, names, inputs or {})
        errors = _relative_errors(a, expected)
        worst = np.unravel_index(np.argmax(errors), errors.shape)
        where = f"{label}{_index(worst)}" if a.ndim else label
        count = int(np.sum(errors > threshold))
        notes.append(
            f"worst entry {where}: yours {a[worst]:.6g}, expected {expected[worst]:.6g} "
            f"({count} of {a.size} entries off)."
        )
    return _Outcome(error, error <= threshold and not dtype_note, problem, notes)


def _compare(label, actual, expected, threshold, layout=None, hints=None, inputs=None):
    """Compare one output (an array, or a dict of arrays such as a model's grads)."""
    if not isinstance(expected, dict):
        return _compare_array(label, actual, expected, threshold, layout, hints, inputs)
    if not isinstance(actual, dict):
        note = f"{label} is a {type(actual).__name__}, expected a dict with keys {list(expected)}."
        return _Outcome(np.inf, False, "not a dict", [note])
    missing = [key for key in expected if key not in actual]
    extra = [key for key in actual if key not in expected]
    if missing or extra:
        note = f"{label} has keys {list(actual)}: missing {missing}, unexpected {extra}."
        return _Outcome(np.inf, False, "wrong keys", [note])
    parts = [
        _compare_array(f"{label}[{key!r}]", actual[key], value, threshold, None, hints, inputs)
        for key, value in expected.items()
    ]
    wrong = [key for key, part in zip(expected, parts, strict=True) if not part.ok]
    problem = f"wrong: {', '.join(wrong)}" if wrong else None
    error = max(part.error for part in parts)
    return _Outcome(error, not wrong, problem, [note for part in parts for note in part.notes])


def compare(
    label, actual, expected, threshold=DEFAULT_THRESHOLD, layout=None, hints=None, inputs=None
):
    """Compare one output with its expected value, print nothing, and return what was found.

    The diagnosis `check` prints, as data, for a program (the course's grader)
    to show its own way.

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
    return _compare(label, actual, expected, threshold, layout, hints, inputs)


def _report(title, labels, outcomes, threshold, hint=None):
    """Print the verdict line (and the notes of a failure); raise CheckFailed on failure."""
    if len(outcomes) == 1:
        status = outcomes[0].status()
        errors = f"relative error {status}" if np.isfinite(outcomes[0].error) else status
    else:
        errors = "relative errors: " + ", ".join(
            f"{label} {outcome.status()}" for label, outcome in zip(labels, outcomes, strict=True)
        )
    wrong = [label for label, outcome in zip(labels, outcomes, strict=True) if not outcome.ok]
    verdict = "FAILED" if wrong else "PASSED"
    print(f"{title}: {verdict} ({errors}; threshold {threshold:.0e})")
    if not wrong:
        return
    for outcome in outcomes:
        for note in outcome.notes:
            print(f"  - {note}")
    if hint:
        print(f"  - hint: {hint}")
    if wrong == [title]:
        raise CheckFailed(f"{title}: wrong (see above)")
    raise CheckFailed(f"{title}: {', '.join(wrong)} wrong (see above)")


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


def check(name, *outputs, reference_dir=None):
    """Compare your outputs with the reference outputs of check `name`.

    Inputs:
    - name: the check's name, e.g. "conv_forward_naive" (the file reference/<name>.npz)
    - outputs: your outputs, in the order the reference lists them: e.g. `out`
      for a forward pass, `dx, dw, db` for a backward pass. An output may be a
      dict of arrays (a model's grads), compared key by key.
    - reference_dir: the folder holding the reference files (default REFERENCE_DIR)

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
        _compare(label, actual, ref.outputs[label], ref.threshold, layout, ref.hints, ref.inputs)
        for (label, layout), actual in zip(ref.layouts.items(), outputs, strict=True)
    ]
    _report(name, list(ref.outputs), outcomes, ref.threshold)


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
    outcome = _compare("yours", actual, expected, threshold, layout)
    _report(label, [label], [outcome], threshold, hint)


def check_at_least(label, value, minimum, hint=None):
    """Check that a number (an accuracy, say) reaches a minimum.

    Prints "label: PASSED (0.97 >= 0.9)" or FAILED with the hint, and raises
    CheckFailed when value < minimum (or is not a number). Returns None.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    passed = number >= minimum  # False for NaN
    verdict, relation = ("PASSED", ">=") if passed else ("FAILED", "<")
    print(f"{label}: {verdict} ({number:.4g} {relation} {minimum:g})")
    if not passed:
        if hint:
            print(f"  - hint: {hint}")
        raise CheckFailed(f"{label}: {number:.4g} is below {minimum:g}")


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
    """
    try:
        yield
    except NotImplementedError as error:
        raise NotImplementedYet(_not_implemented_message(name, error)) from None
    except CheckFailed:
        raise
    except AssertionError as error:
        if _raised_by_gradient_check(error):
            raise CheckFailed(f"{name}: {error}") from None
        raise


__all__ = [
    "DEFAULT_THRESHOLD",
    "REFERENCE_DIR",
    "CheckFailed",
    "NotImplementedYet",
    "Reference",
    "check",
    "check_at_least",
    "check_close",
    "check_equal",
    "checking",
    "compare",
    "load_reference",
    "reference_inputs",
]
