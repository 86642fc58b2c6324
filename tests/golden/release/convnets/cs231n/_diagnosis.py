# GENERATED for this assignment from assignment/cs231n/_diagnosis.py (convkit).
# Students: this file is provided complete; read it, you need not change it.
"""Say what is wrong with an output: the diagnosis behind `check` and the grader's hints.

Private to the package: check cells reach it through `checks.check`, and the
course's grader imports it to explain a miss on its own cases, so a mistake
is described by the same heuristics in the notebook and in the feedback. One
function does the work:

    diagnose(label, actual, expected, threshold, layout=None, hints=None,
             inputs=None, reveal=True)

It returns a Diagnosis: the largest relative error, whether the output
passes, a few words for a verdict line ("wrong shape") and the notes that
explain a failure. The notes say, in this order: an output that is not an
array at all (None, a tuple, a dict), a wrong shape (axes added or lost, axes
in the wrong order, or which axis is off), a dtype that loses information,
NaN or inf entries; then, for wrong values, the first simple change that
would fix them: a near miss, all zeros, one value everywhere, the wrong sign,
a scale factor, axes swapped, axes reversed, a constant offset (everywhere,
on the border only, or per index of an axis), wrong only at some indices of
an axis; then, for the outputs of sliding windows (convolution, pooling and
their gradients): the output moved by a row or column (padding on the wrong
side, cropped from the wrong corner), windows that ignore the stride, the
right values of each plane in the wrong places; and, given the inputs x and w
(or x alone for pooling), a true convolution (the filter flipped), a mean
where the maximum belongs or the reverse, windows placed elsewhere (the
padding on the wrong side), a transposed convolution that scatters w flipped
or its pixels one step apart; last, a multiple of one of the inputs. A wrong
output none of these explains gets advice from its symptom and layout (which
part of a window computation to look at).

There are two modes; the heuristics are the same, the wording differs (see
_NOTES, one row per note):

- reveal=True, for the check cells and the grader's visible cases (their
  inputs and expected outputs ship with the release): every note found,
  numbers included: the worst entry and its expected value, the offset, the
  factor, the input a difference equals.
- reveal=False, for the grader's hidden cases: the symptom only, one note per
  output (a wrong shape lists each axis that is off). Its wording is given
  nothing but the fields in DISCREET_FIELDS: shapes, dtypes, names, indices,
  counts and a small whole factor ("4 times the expected value"); never a
  number of `expected`, nor of a difference with it. `inputs` only help to
  recognise a mistake (a flipped filter), never to word it.
"""

import itertools
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .gradient_check import _relative_errors, rel_error

#: note kind -> (its words when values may be shown, its words in a hidden case's
#: hint), or one string for both. None leaves the note out in that mode.
_NOTES = {
    # Not an array at all.
    "none": "{label} is None: does your function return it (a missing `return`)?",
    "tuple": (
        "{label} is a tuple of {length}, not an array: did you pass a whole `out, cache` "
        "pair (or `dx, dw, db`) where one array belongs?"
    ),
    "dict_for_array": "{label} is a dict; an array of shape {expected_shape} was expected.",
    "not_array": "{label} is a {type}, expected a numpy array.",
    "not_numbers": "{label} has dtype {dtype}, expected real numbers ({expected_dtype}).",
    # A dict of arrays (a model's grads) of the wrong kind or keys.
    "not_dict": (
        "{label} is a {type}, expected a dict with keys {keys}.",
        "{label} is not a dict of arrays (keys {key_names} expected)",
    ),
    "keys": (
        "{label} has keys {keys}: missing {missing}, unexpected {extra}.",
        "{label} has keys {sorted_keys}: missing {missing}, unexpected {extra}",
    ),
    # The wrong shape.
    "shape": (
        "{label} has shape {shape}, expected {expected_shape}{layout}.",
        "{label} has shape {shape}, expected {expected_shape}",
    ),
    "reshape": (
        "{label} has the right number of entries in the wrong shape: "
        "reshape it to {expected_shape}?",
        "{label} has the right number of entries in the wrong shape {shape}",
    ),
    "axes": (
        "{label} has {ndim} axes; {expected_ndim} expected{layout}.",
        "{label} has {ndim} axes; {expected_ndim} expected, shape {expected_shape}",
    ),
    "axes_order": (
        "{label} holds the right values with its axes in the wrong order: "
        "{label}.transpose{perm} matches the expected{layout}.",
        "{label} holds the right values with its axes in the wrong order",
    ),
    "axis_size": (
        "{axis} is {got}, expected {want}{hint}{end}",
        "{axis} is {got}, expected {want}{hint}",
    ),
    # A dtype that loses information, NaN or inf.
    "integer_dtype": (
        "{label} has dtype {dtype}, expected {expected_dtype}: an integer array truncates "
        "every value written into it (np.zeros(shape) is float64; np.zeros_like(x) "
        "copies x's dtype).",
        "{label} has an integer dtype: every value written into it is truncated "
        "(create it with np.zeros(shape), or the inputs' dtype)",
    ),
    "precision_dtype": (
        "{label} has dtype {dtype}, expected {expected_dtype}: precision is lost "
        "(create arrays with the inputs' dtype, e.g. dtype=x.dtype).",
        "{label} has dtype {dtype}: precision is lost (use the inputs' dtype)",
    ),
    "not_finite": (
        "{label} has {nans} NaN and {infs} inf entries (the first at {label}{first}): "
        "NaN comes from 0 / 0, inf - inf or the sqrt of a negative number, inf from a "
        "division by zero or an overflow.",
        "{label} has NaN or inf in {count} of {size} entries (0 / 0, a sqrt of <0?)",
    ),
    # Wrong values: what simple change would fix them.
    "near": (
        "{label} is close to the expected output, but not within the threshold: a loss "
        "of precision (float32 somewhere, or a numeric gradient spoiled by a kink), or a "
        "small term missing?",
        "{label} is close to the expected output but not within the threshold: a loss "
        "of precision (float32 somewhere?) or a small term missing",
    ),
    "zeros": "{label} is all zeros: is it filled in, and is the filled array the one returned?",
    "one_value": (
        "{label} holds the same value {value:.6g} everywhere.",
        "{label} holds one value everywhere",
    ),
    "sign": (
        "{label} has the wrong sign everywhere: a minus sign, or a difference taken the "
        "wrong way round?",
        "{label} has the wrong sign everywhere",
    ),
    "negative_factor": (
        "{label} is {k:.4g} times the expected value: a wrong sign and a wrong scale.",
        "{label} is the expected value times a negative factor: a wrong sign and a wrong scale",
    ),
    "twice": (
        "{label} is twice the expected value: something counted twice, or a factor 2 where "
        "0.5 belongs (0.5 * reg * W**2 has gradient reg * W)?",
        "{label} is 2 times the expected value: a sum where a mean belongs, or a division missing?",
    ),
    "half": (
        "{label} is half the expected value: a factor 0.5 too many, or one of two "
        "contributions missing?",
        "{label} is 1/2 of the expected value: a mean where a sum belongs, or a factor too many?",
    ),
    "times": (
        "{label} is {n} times the expected value: a sum where a mean belongs, or a missing "
        "division by {n}?",
        "{label} is {n} times the expected value: a sum where a mean belongs, or a division "
        "missing?",
    ),
    "fraction": (
        "{label} is 1/{m} of the expected value: a mean where a sum belongs, or an extra "
        "division by {m}?",
        "{label} is 1/{m} of the expected value: a mean where a sum belongs, or a factor too many?",
    ),
    "factor": (
        "{label} is {k:.4g} times the expected value: a scale factor is wrong.",
        "{label} is the expected value times a constant factor: a scale factor is wrong",
    ),
    "swapped": (
        "{label} equals the expected output with {first_axis} and {second_axis} swapped: "
        "rows and columns (or two indices) mixed up?",
        "{label} equals the expected output with two axes swapped (transposed?)",
    ),
    "permuted": (
        "{label} equals the expected output with its axes permuted {perm}.",
        "{label} equals the expected output with its axes permuted {perm}",
    ),
    "reversed": (
        "{label} equals the expected output reversed along {axes}: an index runs backwards?",
        "{label} equals the expected output reversed along {axes}",
    ),
    "constant": (
        "{label} is off by the constant {constant:.6g} everywhere.",
        "{label} is off by a constant everywhere (a bias added twice, or never?)",
    ),
    "border": (
        "{label} is wrong only on the border of {rows} x {cols} ({sides}, {depth} deep); "
        "the interior matches: check the padding (how much, on which sides, and that it "
        "is cropped away).",
        "{label} is wrong only on the border of {rows} x {cols} ({sides}); the interior "
        "matches: check the padding (how much, where, and that it is cropped away) "
        "({count} of {size} entries off)",
    ),
    "per_index": (
        "{label} is off by a constant per index of {axis} (the same for every other "
        "entry): {offset}",
        "{label} is off by a constant per index of {axis} (a per-channel term such as a "
        "bias or beta added wrongly?)",
    ),
    "only_some": (
        "{label} is wrong only at index {indices} of {axis} (right at the other {right} of "
        "{axis_size}): a loop that misses or repeats some of them?",
        "{label} is wrong only at {wrong} of the {axis_size} indices of {axis}: a loop "
        "that misses or repeats some? ({count} of {size} entries off)",
    ),
    # Sliding windows: convolution, pooling and their gradients.
    "moved": (
        "{label} equals the expected output moved {moved}, the entries at the edge aside: "
        "is the padding on the wrong side, or cropped from the wrong corner (rows pad_top : "
        "pad_top + H)?",
        "{label} equals the expected output moved {moved}, the entries at the edge aside: "
        "is the padding on the wrong side, or cropped from the wrong corner?",
    ),
    "window_stride": (
        "{label}[..., {stride} * i, {stride} * j] equals the expected {label}[..., i, j]: the "
        "windows move one pixel at a time; window (i, j) starts at row i * stride and column "
        "j * stride of the padded input.",
        "{label}'s windows move one pixel at a time: window (i, j) starts at row i * stride "
        "and column j * stride of the padded input",
    ),
    "misplaced": (
        "{label} holds the expected values of each {rows} x {cols} plane, in the wrong "
        "places: check which entry of its window each one goes to (the row, then the column).",
        "{label} holds the expected values of each {rows} x {cols} plane, in the wrong "
        "places: check which entry of its window each one goes to (the row, then the column)",
    ),
    "plane_sums": (
        "{label} has the right sum over each {rows} x {cols} plane, spread over the wrong "
        "entries: check where each window's gradient lands (row i * stride plus its row in "
        "the window, and the column alike).",
        "{label} has the right sum over each {rows} x {cols} plane, spread over the wrong "
        "entries: check where each window's gradient lands (row i * stride plus its row in "
        "the window)",
    ),
    "flipped": (
        "{label} is a true convolution, each filter flipped (w[:, :, ::-1, ::-1]): a CNN "
        "layer slides w as it is, window[:, c, u, v] times w[f, c, u, v].",
        "{label} is a true convolution, each filter flipped: a CNN layer slides w as it is "
        "(window[:, c, u, v] times w[f, c, u, v])",
    ),
    "scattered_flipped": (
        "{label} scatters each filter flipped: a transposed convolution adds x[n, f, i, j] "
        "* w[f, c, u, v] to row i * stride + u, column j * stride + v, w as it is.",
        "{label} scatters each filter flipped: a transposed convolution adds x[n, f, i, j] "
        "* w[f, c, u, v] to row i * stride + u, column j * stride + v, w as it is",
    ),
    "scatter_stride": (
        "{label} scatters the input's pixels one step apart: pixel (i, j) goes to rows "
        "i * stride onwards and columns j * stride onwards.",
        "{label} scatters the input's pixels one step apart: pixel (i, j) goes to rows "
        "i * stride onwards and columns j * stride onwards",
    ),
    "mean_for_max": (
        "{label} holds each window's mean where its maximum belongs.",
        "{label} holds each window's mean where its maximum belongs",
    ),
    "max_for_mean": (
        "{label} holds each window's maximum where its mean belongs.",
        "{label} holds each window's maximum where its mean belongs",
    ),
    "count": (
        "{label} averages each window over the wrong count: {how}.",
        "{label} averages each window over the wrong count: {how}",
    ),
    "windows_moved": (
        "{label} is what the right windows give placed {moved}: is the padding on the wrong "
        "side (the bottom's rows on top, the right's columns on the left)?",
        "{label} is what the right windows give placed {moved}: is the padding on the wrong "
        "side (the bottom's rows on top, the right's columns on the left)?",
    ),
    "input_multiple": ("{label} differs from the expected output by {source}", None),
    "unexplained": (None, "{label} has wrong values ({count} of {size} entries off)"),
    # Advice on a wrong output nothing above explains, from its layout.
    "check_windows": (
        "{label} has wrong values: check each window, where window (i, j) starts (row "
        "i * stride, column j * stride of the padded input), the padding on each side, and "
        "what is computed over it (w as it is, not flipped; the max or the mean).",
        "{label} has wrong values ({count} of {size} entries off): check each window, where "
        "window (i, j) starts (row i * stride, column j * stride of the padded input), the "
        "padding on each side, and what is computed over it",
    ),
    "check_scatter": (
        "{label} has wrong values: check where each window's gradient goes (rows i * stride "
        "onwards of the padded input), that overlapping windows add up (+=, not =), and "
        "that the padding is cropped from every side.",
        "{label} has wrong values ({count} of {size} entries off): check where each window's "
        "gradient goes (rows i * stride onwards of the padded input), that overlapping "
        "windows add up (+=, not =), and that the padding is cropped from every side",
    ),
    "check_filter_grad": (
        "{label} has wrong values: it is a sum over every example and output position (+=, "
        "not =) of the upstream gradient times the window of the padded input it multiplied.",
        "{label} has wrong values ({count} of {size} entries off): it is a sum over every "
        "example and output position (+=, not =) of the upstream gradient times the window "
        "of the padded input it multiplied",
    ),
    "worst": (
        "worst entry {where}: yours {yours:.6g}, expected {wanted:.6g} "
        "({count} of {size} entries off).",
        None,
    ),
}

#: The only fields a hidden case's wording is given: none holds a value of the
#: expected output or of a difference with it.
DISCREET_FIELDS = frozenset(
    {
        "label", "type", "length", "dtype", "expected_dtype", "shape", "expected_shape",
        "ndim", "expected_ndim", "key_names", "sorted_keys", "missing", "extra", "axis",
        "axes", "got", "want", "hint", "perm", "n", "m", "rows", "cols", "sides",
        "wrong", "axis_size", "count", "size", "moved", "how",
    }
)  # fmt: skip


@dataclass
class Diagnosis:
    """What `diagnose` found about one output.

    - error: its largest relative error (inf when it could not be computed)
    - ok: whether it passes
    - problem: a few words for the verdict line ("wrong shape"), or None
    - notes: the lines that explain a failure (empty when it passes)
    """

    error: float
    ok: bool
    problem: object = None
    notes: list = field(default_factory=list)


def diagnose(label, actual, expected, threshold, layout=None, hints=None, inputs=None, reveal=True):
    """Compare one output with its expected value and say what is wrong with it.

    The inputs are those of `checks.compare` (which calls this with reveal=True),
    and reveal: whether notes may show values (see the module docstring); the
    hidden mode uses `inputs` only to recognise a mistake. Returns a Diagnosis.
    """
    say = _Say(label, reveal)
    hints = hints or {}
    inputs = inputs or {}
    if isinstance(expected, dict):
        return _diagnose_dict(say, actual, expected, threshold, hints, inputs)
    return _diagnose_array(say, actual, expected, threshold, layout, hints, inputs)


class _Say:
    """Puts a note on one output into words: `say(kind, **fields)`, in the mode's wording."""

    def __init__(self, label, reveal):
        self.label, self.reveal = label, reveal

    def __call__(self, kind, **fields):
        words = _NOTES[kind]
        revealing, discreet = (words, words) if isinstance(words, str) else words
        if self.reveal:
            return revealing and revealing.format(label=self.label, **fields)
        shown = {name: value for name, value in fields.items() if name in DISCREET_FIELDS}
        return discreet and discreet.format(label=self.label, **shown)

    def part(self, key):
        """The same, for the entry `key` of a dict output."""
        return _Say(f"{self.label}[{key!r}]", self.reveal)


def _diagnose_dict(say, actual, expected, threshold, hints, inputs):
    if not isinstance(actual, dict):
        names = ", ".join(expected)
        note = say("not_dict", type=type(actual).__name__, keys=list(expected), key_names=names)
        return Diagnosis(np.inf, False, "not a dict", [note])
    missing = [key for key in expected if key not in actual]
    extra = [key for key in actual if key not in expected]
    if missing or extra:
        keys = {"keys": list(actual), "sorted_keys": sorted(actual)}
        note = say("keys", missing=missing, extra=extra, **keys)
        return Diagnosis(np.inf, False, "wrong keys", [note])
    parts = [
        _diagnose_array(say.part(key), actual[key], value, threshold, None, hints, inputs)
        for key, value in expected.items()
    ]
    wrong = [key for key, part in zip(expected, parts, strict=True) if not part.ok]
    problem = f"wrong: {', '.join(wrong)}" if wrong else None
    error = max(part.error for part in parts)
    return Diagnosis(error, not wrong, problem, [note for part in parts for note in part.notes])


def _diagnose_array(say, actual, expected, threshold, layout, hints, inputs):
    expected = np.asarray(expected)
    a, note = _as_array(say, actual, expected)
    if a is None:
        return Diagnosis(np.inf, False, "not an array", [note])
    names = _axis_names(layout, expected.ndim)
    if a.shape != expected.shape:
        notes = _shape_notes(say, a, expected, threshold, names, hints)
        return Diagnosis(np.inf, False, "wrong shape", notes)
    lossy = _lossy_dtype(a.dtype, expected.dtype)
    dtype_note = say(lossy, dtype=a.dtype, expected_dtype=expected.dtype) if lossy else None
    problem = f"dtype {a.dtype}" if lossy else None
    a = a.astype(np.float64)
    expected = expected.astype(np.float64)
    finite = np.isfinite(a)
    if not finite.all():
        nans, infs = int(np.isnan(a).sum()), int(np.isinf(a).sum())
        first = _index(np.argwhere(~finite)[0])
        counts = {"count": nans + infs, "size": a.size}
        found = say("not_finite", nans=nans, infs=infs, first=first, **counts)
        return Diagnosis(np.inf, False, "NaN or inf", _with_dtype(say, dtype_note, lossy, [found]))
    error = rel_error(a, expected)
    found = []
    if error > threshold:
        found = _value_notes(say, a, expected, error, threshold, names, inputs)
    ok = error <= threshold and not lossy
    return Diagnosis(error, ok, problem, _with_dtype(say, dtype_note, lossy, found))


def _with_dtype(say, dtype_note, lossy, found):
    """The dtype's note with the others: both when values are shown; else the one cause."""
    if dtype_note is None:
        return found
    if say.reveal:
        return [dtype_note, *found]
    # A hidden case's hint names one cause: an integer dtype explains any wrong
    # value; a float32 output only when its values are otherwise right.
    return [dtype_note] if lossy == "integer_dtype" or not found else found


def _as_array(say, actual, expected):
    """Return (array, None), or (None, note) when actual cannot be compared at all."""
    if actual is None:
        return None, say("none")
    if isinstance(actual, tuple) and expected.ndim > 0:
        return None, say("tuple", length=len(actual))
    if isinstance(actual, dict):
        return None, say("dict_for_array", expected_shape=expected.shape)
    try:
        a = np.asarray(actual)
    except (TypeError, ValueError):
        return None, say("not_array", type=type(actual).__name__)
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_) or np.iscomplexobj(a):
        return None, say("not_numbers", dtype=a.dtype, expected_dtype=expected.dtype)
    return a, None


def _lossy_dtype(dtype, expected):
    """The note kind of a dtype that loses information, or None."""
    if dtype.kind in "biu" and expected.kind == "f":
        return "integer_dtype"
    if dtype.kind == "f" and dtype.itemsize < expected.itemsize:
        return "precision_dtype"
    return None


# ---------------------------------------------------------------------------
# Axes, and a wrong shape
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


def _shape_notes(say, a, e, threshold, names, hints):
    """Explain a shape mismatch: axes added or lost, axes in the wrong order, or which is off."""
    shapes = {"shape": a.shape, "expected_shape": e.shape, "layout": _layout(names)}
    heading = say("shape", **shapes)
    if a.ndim != e.ndim:
        kind = "reshape" if a.size == e.size else "axes"
        found = say(kind, ndim=a.ndim, expected_ndim=e.ndim, **shapes)
    elif (perm := _axes_order(a, e, threshold)) is not None:
        found = say("axes_order", perm=perm, **shapes)
    else:
        notes = [heading]
        for i, (got, want) in enumerate(zip(a.shape, e.shape, strict=True)):
            if got != want:
                hint = f": {hints[names[i]]}" if hints.get(names[i]) else ""
                axis = _axis(i, names)
                end = "" if hint else "."
                notes.append(say("axis_size", axis=axis, got=got, want=want, hint=hint, end=end))
        return notes
    # Values may be shown: the shapes first. A hidden case's hint: the cause alone.
    return [heading, found] if say.reveal else [found]


def _axes_order(a, e, threshold):
    """The permutation of a's axes that makes it match e, or None."""
    if sorted(a.shape) != sorted(e.shape) or not np.all(np.isfinite(a)):
        return None
    for perm in itertools.permutations(range(a.ndim)):
        moved = np.transpose(a, perm)
        if moved.shape == e.shape and rel_error(moved, e) <= max(10 * threshold, 1e-6):
            return perm
    return None


# ---------------------------------------------------------------------------
# Wrong values
# ---------------------------------------------------------------------------


def _value_notes(say, a, e, error, threshold, names, inputs):
    """Notes on a wrong output of the right shape: the explanation, then the worst entry."""
    errors = _relative_errors(a, e)
    bad = errors > threshold
    counts = {"count": int(bad.sum()), "size": a.size}
    note = _explanation(say, a, e, error, threshold, names, inputs, bad, counts)
    if note is None:
        advice = _advice(names, inputs, a.shape)
        note = say(advice, **counts) if advice else say("unexplained", **counts)
    worst = np.unravel_index(np.argmax(errors), errors.shape)
    where = f"{say.label}{_index(worst)}" if a.ndim else say.label
    last = say("worst", where=where, yours=a[worst], wanted=e[worst], **counts)
    return [n for n in (note, last) if n is not None]


def _explanation(say, a, e, error, threshold, names, inputs, bad, counts):
    """The first simple change that would fix a wrong output, in words, or None."""
    # A change explains the mistake only if it brings the output within reach of
    # the threshold, and much closer than it was.
    tol = min(max(10 * threshold, 1e-6), error / 100)

    def matches(candidate):
        return rel_error(candidate, e) <= tol

    if error < 100 * threshold:
        return say("near")
    if not np.any(a):
        return say("zeros")
    if a.size > 1 and np.all(a == a.flat[0]):
        return say("one_value", value=a.flat[0])
    if matches(-a):
        return say("sign")
    denom = float(np.sum(e * e))
    if denom > 0:
        k = float(np.sum(a * e)) / denom
        nice = _small_ratio(k) or (k > 0 and _small_ratio(1 / k))
        # Any single number is a multiple of another: name a factor there only
        # when it is n or 1/n for a whole n.
        if k != 0 and abs(k - 1) > 1e-6 and (a.size > 1 or nice) and matches(a / k):
            return _factor_note(say, k)
    if a.size == 1:
        return None
    for perm in itertools.permutations(range(a.ndim)):
        if list(perm) == sorted(perm) or np.transpose(a, perm).shape != e.shape:
            continue
        if matches(np.transpose(a, perm)):
            moved = [i for i in range(a.ndim) if perm[i] != i]
            if len(moved) == 2:
                first, second = (_axis(i, names) for i in moved)
                return say("swapped", first_axis=first, second_axis=second)
            return say("permuted", perm=perm)
    flips = [(axis,) for axis in range(a.ndim)]
    if a.ndim >= 2:
        flips.append((a.ndim - 2, a.ndim - 1))
    for axes in flips:
        if all(a.shape[i] > 1 for i in axes) and matches(np.flip(a, axes)):
            return say("reversed", axes=" and ".join(_axis(i, names) for i in axes))
    diff = a - e
    constant = float(diff.mean())
    if matches(a - constant):
        return say("constant", constant=constant)
    sides = _border(bad)
    if sides:
        return say("border", rows=names[-2], cols=names[-1], **sides, **counts)
    for axis in range(a.ndim):
        if a.shape[axis] == 1 or a.size == a.shape[axis]:
            continue
        others = tuple(i for i in range(a.ndim) if i != axis)
        per_index = diff.mean(axis=others, keepdims=True)
        if matches(a - per_index):
            offsets = per_index.ravel()
            source = say.reveal and _multiple_of_input(offsets, inputs, offsets.shape)
            offset = f"the offset is {source}" if source else f"{offsets}."
            return say("per_index", axis=_axis(axis, names), offset=offset)
    note = _only_some(say, bad, names, counts)
    if note:
        return note
    note = _windows(say, a, e, bad, names, inputs, tol)
    if note:
        return note
    source = _multiple_of_input(diff, inputs, a.shape) if say.reveal else None
    if source:
        return say("input_multiple", source=source)
    return None


def _small_ratio(k):
    """n when k is close to the integer n >= 2, else None."""
    n = round(k)
    if n >= 2 and abs(k - n) <= 1e-6 * n:
        return n
    return None


def _factor_note(say, k):
    """Words for an output that is k times the expected one."""
    if k < 0:
        return say("negative_factor", k=k)
    n, m = _small_ratio(k), _small_ratio(1 / k)
    if n == 2:
        return say("twice", k=k)
    if m == 2:
        return say("half", k=k)
    if n:
        return say("times", k=k, n=n)
    if m:
        return say("fraction", k=k, m=m)
    return say("factor", k=k)


def _border(bad):
    """{sides, depth} when only entries near the border of the last two axes are wrong."""
    if bad.ndim < 2:
        return None
    H, W = bad.shape[-2:]
    grid = bad.reshape(-1, H, W).any(axis=0)
    for k in (1, 2):
        if H <= 2 * k or W <= 2 * k or grid[k : H - k, k : W - k].any():
            continue
        strips = {
            "top": grid[:k, k : W - k],
            "bottom": grid[H - k :, k : W - k],
            "left": grid[k : H - k, :k],
            "right": grid[k : H - k, W - k :],
        }
        sides = [side for side, strip in strips.items() if strip.any()] or ["corners"]
        depth = "one row or column" if k == 1 else f"{k} rows or columns"
        return {"sides": " and ".join(sides), "depth": depth}
    return None


def _only_some(say, bad, names, counts):
    """If the wrong entries sit at a few indices of one leading axis, say which."""
    leading = bad.ndim - 2 if bad.ndim >= 3 else bad.ndim
    for axis in range(leading):
        size = bad.shape[axis]
        others = tuple(i for i in range(bad.ndim) if i != axis)
        rows = np.flatnonzero(bad.any(axis=others))
        if size > 1 and 0 < rows.size < size:
            indices = ", ".join(str(int(r)) for r in rows[:8]) + (", ..." if rows.size > 8 else "")
            where = {"axis": _axis(axis, names), "axis_size": size, "indices": indices}
            return say("only_some", right=size - rows.size, wrong=rows.size, **where, **counts)
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


# ---------------------------------------------------------------------------
# Sliding windows: convolution, pooling and their gradients
# ---------------------------------------------------------------------------

#: The moves tried for an output moved by rows or columns, the smallest first.
_SHIFTS = sorted(
    ((dy, dx) for dy in range(-2, 3) for dx in range(-2, 3) if (dy, dx) != (0, 0)),
    key=lambda shift: (abs(shift[0]) + abs(shift[1]), shift),
)
#: The reductions a pooling layer may compute over each window.
_POOLS = ("max", "mean", "mean over x")
#: Only the first examples are recomputed from the inputs: enough to tell.
_EXAMPLES = 2


def _windows(say, a, e, bad, names, inputs, tol):
    """Name the mistake in an output of sliding windows (4 axes, the last two spatial), or None.

    First from the output alone: moved, windows that ignore the stride (the
    same words with or without inputs); then from the inputs (a convolution of
    x and w, or a pooling of x, that gives the expected output, and the
    variant that gives the actual one); last each plane's values (or sum) in
    the wrong places.
    """
    if a.ndim != 4 or min(a.shape[-2:]) < 2:
        return None

    def close(x, y):
        return x is not None and x.shape == y.shape and x.size > 0 and rel_error(x, y) <= tol

    shift = _moved(a, e, bad, close)
    if shift:
        return say("moved", moved=_move_words(*shift))
    stride = _stride_ignored(a, e, bad, close)
    if stride:
        return say("window_stride", stride=stride)
    return _from_inputs(say, a, e, inputs, close) or _planes(say, a, e, names, close)


def _move_words(dy, dx):
    """ "1 row down and 2 columns left" for a move of dy rows and dx columns."""
    parts = []
    if dy:
        parts.append(f"{abs(dy)} row{'s' * (abs(dy) > 1)} {'down' if dy > 0 else 'up'}")
    if dx:
        parts.append(f"{abs(dx)} column{'s' * (abs(dx) > 1)} {'right' if dx > 0 else 'left'}")
    return " and ".join(parts)


def _moved(a, e, bad, close):
    """(dy, dx) when a[..., i, j] is e[..., i - dy, j - dx] wherever both exist, else None.

    The move must explain most of the wrong entries (they lie where the two
    overlap), so an output wrong only at its edges is not called moved.
    """
    H, W = a.shape[-2:]
    wrong = int(bad.sum())
    for dy, dx in _SHIFTS:
        if abs(dy) > H - 2 or abs(dx) > W - 2:
            continue
        mine = (..., slice(max(dy, 0), H + min(dy, 0)), slice(max(dx, 0), W + min(dx, 0)))
        theirs = (..., slice(max(-dy, 0), H + min(-dy, 0)), slice(max(-dx, 0), W + min(-dx, 0)))
        if not close(a[(0, 0, *mine[1:])], e[(0, 0, *theirs[1:])]):
            continue  # the first plane tells most moves apart, quickly
        if 2 * int(bad[mine].sum()) >= wrong and close(a[mine], e[theirs]):
            return dy, dx
    return None


def _stride_ignored(a, e, bad, close):
    """s when a[..., s * i, s * j] is e[..., i, j] (the windows one pixel apart), else None."""
    H, W = a.shape[-2:]
    for s in (2, 3, 4):
        rows, cols = -(-H // s), -(-W // s)
        if rows * cols < 2:
            break
        grid = (..., slice(None, None, s), slice(None, None, s))
        if not close(a[0, 0, ::s, ::s], e[0, 0, :rows, :cols]):
            continue
        if bad[grid].any() and close(a[grid], e[..., :rows, :cols]):
            return s
    return None


def _planes(say, a, e, names, close):
    """Each plane's values, or its sum, right in the wrong places: a gradient sent astray.

    Not for the output of windows (H' x W'), which may keep its sums with the
    wrong windows: a padding as wide as the filter covers every entry of x alike.
    """
    planes = {"rows": names[-2], "cols": names[-1]}
    if planes["rows"].endswith("'") or planes["cols"].endswith("'"):
        return None
    flat_a = a.reshape(-1, a.shape[-2] * a.shape[-1])
    flat_e = e.reshape(flat_a.shape)
    if close(np.sort(flat_a[:1]), np.sort(flat_e[:1])) and close(
        np.sort(flat_a, axis=1), np.sort(flat_e, axis=1)
    ):
        return say("misplaced", **planes)
    # A sum that is small by nature (a normalisation's gradient sums to 0) says nothing.
    sums, sizes = flat_e.sum(axis=1), np.abs(flat_e).sum(axis=1)
    if np.all(np.abs(sums) > 1e-4 * sizes) and close(flat_a.sum(axis=1), sums):
        return say("plane_sums", **planes)
    return None


def _from_inputs(say, a, e, inputs, close):
    """A forward pass's mistake recognised by recomputing it from x (and w, b), or None."""
    x = inputs.get("x")
    if not isinstance(x, np.ndarray) or x.ndim != 4 or x.dtype.kind != "f":
        return None
    x, a, e = x[:_EXAMPLES].astype(np.float64), a[:_EXAMPLES], e[:_EXAMPLES]
    w, b = inputs.get("w"), inputs.get("b")
    if isinstance(w, np.ndarray) and w.ndim == 4:
        return _conv_mistake(say, a, e, x, w, b, close) or _transpose_mistake(
            say, a, e, x, w, b, close
        )
    return _pool_mistake(say, a, e, x, _pool_sizes(inputs), close)


def _conv_mistake(say, a, e, x, w, b, close):
    """Is `a` a true convolution, or x * w with the windows placed elsewhere?"""
    if w.shape[1] != x.shape[1] or e.shape[:2] != (x.shape[0], w.shape[0]):
        return None
    b = b if isinstance(b, np.ndarray) and b.shape == w.shape[:1] else np.zeros(w.shape[0])
    dense = _correlate(x, w, b)
    grid = _grid(dense, e, close)
    if grid is None:
        return None  # not the convolution of x and w the engine knows
    if close(_take(_correlate(x, w[:, :, ::-1, ::-1], b), grid, a.shape), a):
        return say("flipped")
    return _other_windows(say, dense, grid, a, close)


def _transpose_mistake(say, a, e, x, w, b, close):
    """Is `a` a transposed convolution that scatters w flipped, or its pixels one step apart?"""
    if w.shape[0] != x.shape[1] or e.shape[:2] != (x.shape[0], w.shape[1]):
        return None
    b = b if isinstance(b, np.ndarray) and b.shape == w.shape[1:2] else np.zeros(w.shape[1])
    (H, W), (HH, WW) = x.shape[-2:], w.shape[-2:]
    for stride in range(1, 5):
        size = ((H - 1) * stride + 2 * HH, (W - 1) * stride + 2 * WW)
        right = _scattered(x, w, stride, size) + b[:, None, None]
        grid = _grid(right, e, close)
        if grid is None:
            continue
        flipped = _scattered(x, w[:, :, ::-1, ::-1], stride, size) + b[:, None, None]
        if close(_take(flipped, grid, a.shape), a):
            return say("scattered_flipped")
        apart = _scattered(x, w, 1, size) + b[:, None, None]
        if stride > 1 and close(_take(apart, grid, a.shape), a):
            return say("scatter_stride")
        return None
    return None


def _scattered(x, w, stride, size):
    """The uncropped output of a transposed convolution (no bias), zero-padded to `size`.

    Pixel (i, j) of x, times w, lands at rows i * stride onwards: that is the
    correlation of x spread `stride` apart with w flipped, channels swapped.
    """
    N, F, H, W = x.shape
    spread = np.zeros((N, F, (H - 1) * stride + 1, (W - 1) * stride + 1))
    spread[:, :, ::stride, ::stride] = x
    turned = w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]
    out = _correlate(spread, turned, np.zeros(w.shape[1]))
    rows, cols = size[0] - out.shape[2], size[1] - out.shape[3]
    return np.pad(out, ((0, 0), (0, 0), (0, rows), (0, cols)))


def _pool_mistake(say, a, e, x, sizes, close):
    """Is `a` the other reduction (mean for max), or the right one over other windows?"""
    if e.shape[:2] != x.shape[:2]:
        return None
    for size in sizes:
        dense = {how: _pooled(x, *size, how) for how in _POOLS}
        for how, right in dense.items():
            grid = _grid(right, e, close)
            if grid is None:
                continue
            for other, wrong in dense.items():
                if other != how and close(_take(wrong, grid, a.shape), a):
                    return _reduction_note(say, how, other)
            return _other_windows(say, right, grid, a, close)
    return None


def _reduction_note(say, right, wrong):
    if right == "max":
        return say("mean_for_max")
    if wrong == "max":
        return say("max_for_mean")
    if wrong == "mean":
        return say("count", how="the padding counted, where only the entries of x belong")
    return say("count", how="the padding left out, where pool_height * pool_width belongs")


def _pool_sizes(inputs):
    """The window sizes to try: pool_param's, or every one up to 5 x 5."""
    for value in inputs.values():
        if isinstance(value, dict) and {"pool_height", "pool_width"} <= set(value):
            size = value["pool_height"], value["pool_width"]
            if all(isinstance(n, int | np.integer) and 0 < n for n in size):
                return [tuple(int(n) for n in size)]
    sizes = itertools.product(range(1, 6), repeat=2)
    return sorted((size for size in sizes if size != (1, 1)), key=lambda s: (s[0] * s[1], s))


def _correlate(x, w, b):
    """x (N, C, H, W) cross-correlated with w (F, C, HH, WW), plus b, at every window.

    x is padded with HH - 1 rows and WW - 1 columns of zeros on each side and
    the window moves one pixel at a time, so any padding and stride's output
    is a slice of this one (see _grid).
    """
    _, _, H, W = x.shape
    _, _, HH, WW = w.shape
    padded = np.pad(x, ((0, 0), (0, 0), (HH - 1, HH - 1), (WW - 1, WW - 1)))
    rows, cols = H + HH - 1, W + WW - 1
    out = np.zeros((x.shape[0], w.shape[0], rows, cols)) + b[:, None, None]
    for u in range(HH):
        for v in range(WW):
            # Every window's entry (u, v) times the filters' entry (u, v), over channels.
            out += np.einsum(
                "nchw,fc->nfhw", padded[:, :, u : u + rows, v : v + cols], w[:, :, u, v]
            )
    return out


def _pooled(x, PH, PW, how):
    """Each PH x PW window's max or mean, at every window (x padded by PH - 1, PW - 1).

    "mean" divides by PH * PW (the padding counts as zeros), "mean over x" by
    the entries of x the window covers; a window of padding alone gives -inf
    or nan, which matches nothing.
    """
    pads = ((0, 0), (0, 0), (PH - 1, PH - 1), (PW - 1, PW - 1))
    if how == "max":
        padded = np.pad(x, pads, constant_values=-np.inf)
        return sliding_window_view(padded, (PH, PW), axis=(2, 3)).max(axis=(-2, -1))
    sums = sliding_window_view(np.pad(x, pads), (PH, PW), axis=(2, 3)).sum(axis=(-2, -1))
    if how == "mean":
        return sums / (PH * PW)
    inside = np.pad(np.ones(x.shape[-2:]), pads[2:])
    counts = sliding_window_view(inside, (PH, PW)).sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts


def _grid(dense, e, close):
    """(r, c, s): e is dense[..., r + s * i, c + s * j], or None.

    That is the padding (r = HH - 1 - pad_top) and the stride of e's windows.
    The first plane is tried before the whole.
    """
    (Hd, Wd), (H, W) = dense.shape[-2:], e.shape[-2:]
    for s in range(1, max(Hd, Wd) + 1) if H * W > 1 else (1,):
        if (H - 1) * s >= Hd or (W - 1) * s >= Wd:
            break
        for r, c in itertools.product(range(Hd - (H - 1) * s), range(Wd - (W - 1) * s)):
            first = dense[0, 0, r : r + (H - 1) * s + 1 : s, c : c + (W - 1) * s + 1 : s]
            if close(first, e[0, 0]) and close(_take(dense, (r, c, s), e.shape), e):
                return r, c, s
    return None


def _take(dense, grid, shape):
    """The output of the windows `grid` (r, c, s) picks from dense, or None if out of range."""
    r, c, s = grid
    H, W = shape[-2:]
    taken = dense[..., r : r + (H - 1) * s + 1 : s, c : c + (W - 1) * s + 1 : s]
    return taken if taken.shape[-2:] == (H, W) else None


def _other_windows(say, dense, grid, a, close):
    """`a` as the right windows one pixel apart, or placed elsewhere: words, or None."""
    r, c, s = grid
    if s > 1 and close(_take(dense, (r, c, 1), a.shape), a):
        return say("window_stride", stride=s)
    (Hd, Wd), (H, W) = dense.shape[-2:], a.shape[-2:]
    starts = itertools.product(range(Hd - (H - 1) * s), range(Wd - (W - 1) * s))
    for r2, c2 in sorted(starts, key=lambda rc: (abs(rc[0] - r) + abs(rc[1] - c), rc)):
        if (r2, c2) != (r, c) and close(_take(dense, (r2, c2, s), a.shape), a):
            return say("windows_moved", moved=_move_words(r2 - r, c2 - c))
    return None


def _advice(names, inputs, shape):
    """The advice for wrong values nothing explains, from the output's layout, or None.

    An input's gradient (N, C, H, W) gets advice on windows only when the
    inputs show windows (a filter w, a pool_param, a dout of another size):
    a normalisation's output has that layout too.
    """
    if len(names) != 4:
        return None
    rows, cols = names[-2:]
    if rows.endswith("'") and cols.endswith("'"):
        return "check_windows"
    if (rows, cols) == ("HH", "WW"):
        return "check_filter_grad"
    w, dout = inputs.get("w"), inputs.get("dout")
    windows = (
        (isinstance(w, np.ndarray) and w.ndim == 4)
        or (isinstance(dout, np.ndarray) and dout.ndim == 4 and dout.shape[-2:] != shape[-2:])
        or any(isinstance(v, dict) and "pool_height" in v for v in inputs.values())
    )
    return "check_scatter" if (rows, cols) == ("H", "W") and windows else None
