"""Tests of cs231n/_diagnosis.py: one engine says what is wrong, in check cells and hidden hints.

Each mistake is planted on small seeded arrays. The student's mode (reveal=True)
must say what check cells always said; the hidden mode (reveal=False) must name
the same mistake without a single number of the expected output.
"""

import re
import string

import numpy as np
import pytest

from cs231n._diagnosis import _NOTES, DISCREET_FIELDS, diagnose

LAYOUT = "(N, F, H', W')"
HINTS = {"H'": "H' = 1 + (H + 2 * pad - HH) // stride"}
#: A number written with a decimal point or an exponent ("0.25", "1e-07", ".5").
FLOAT_LITERAL = re.compile(r"\d\.\d|\d[eE][-+]?\d|\.\d")


def notes(actual, expected, reveal=True, threshold=1e-7, layout=LAYOUT, inputs=None):
    found = diagnose("out", actual, expected, threshold, layout, HINTS, inputs, reveal)
    return found.notes


# Expected values no note could print by chance: distinctive digits, none whole.
E = np.random.RandomState(7).uniform(31.41, 97.53, size=(2, 3, 5, 6)).round(4) + 1e-5
B = np.array([0.7071, -1.4142, 2.7183])
W = np.random.RandomState(8).randn(*E.shape)


def _plus(x, where, delta):
    wrong = x.copy()
    wrong[where] += delta
    return wrong


#: name -> (actual, expected): the planted mistakes.
MISTAKES = {
    "right": (E.copy(), E),
    "constant everywhere": (E + 0.3183, E),
    "twice": (2 * E, E),
    "half": (E / 2, E),
    "4 times": (4 * E, E),
    "1/3": (E / 3, E),
    "a scale of 1.37": (1.37 * E, E),
    "a negative scale": (-2.5 * E, E),
    "wrong sign": (-E, E),
    "all zeros": (np.zeros_like(E), E),
    "one value": (np.full_like(E, 1.6180), E),
    "H' and W' swapped": (E[:, :, :5, :5].swapaxes(2, 3), E[:, :, :5, :5]),
    "H' reversed": (E[:, :, ::-1, :], E),
    "rotated 180 degrees": (E[:, :, ::-1, ::-1], E),
    "bias added twice": (E + B[:, None, None], E),
    "bias never added": (E - B[:, None, None], E),
    "an offset in one channel": (E + np.array([0, 0.5772, 0])[:, None, None], E),
    "bottom border wrong": (_plus(E, (slice(None), slice(None), -1), 2.2361), E),
    "left column wrong": (_plus(E, (slice(None), slice(None), slice(None), 0), 1.7321), E),
    "one example wrong": (_plus(E, 1, np.random.RandomState(1).randn(3, 5, 6)), E),
    "a term 0.1 * W missing": (E - 0.1 * W, E),
    "noise": (E + np.random.RandomState(2).randn(*E.shape), E),
    "a near miss": (E * (1 + 3e-7 * np.sin(np.arange(6))), E),
    "NaN": (np.where(np.arange(6) == 0, np.nan, E), E),
    "float32": (E.astype(np.float32), E),
    "float32 and twice": ((2 * E).astype(np.float32), E),
    "int64": (E.astype(np.int64), E),
    "H' too short": (E[:, :, :4, :], E),
    "channels last": (E.transpose(0, 2, 3, 1), E),
    "flattened": (E.reshape(2, -1), E),
    "one axis lost": (E[0], E),
    "a dict's entry twice": ({"W1": E, "b1": 2 * B}, {"W1": E, "b1": B}),
    "a dict's key missing": ({"W1": E}, {"W1": E, "b1": B}),
}
INPUTS = {"b": B, "params": {"W1": W}}


def _numbers_of(expected):
    """Every way a value of `expected` could be printed: each entry at several precisions."""
    values = (
        np.concatenate([np.ravel(v) for v in expected.values()])
        if isinstance(expected, dict)
        else np.ravel(expected)
    )
    printed = {f"{v:{spec}}" for v in values for spec in (".6g", ".5g", ".4g", ".3g", ".2f", "")}
    return {number for number in printed if "." in number}  # "36" is a count as much as a value


def _numbers_in(text):
    """The numbers written in `text` ("36", "-0.5", "1e-07"), dtype names left out."""
    return set(re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", re.sub(r"float(16|32|64)", "", text)))


# ---------------------------------------------------------------------------
# The hidden mode
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_hidden_notes_never_hold_a_number_of_the_expected_output(mistake):
    """Does a hidden case's note name the symptom without any value of the expected output,
    of a difference with it, or of the inputs (which it is given and must ignore)?"""
    actual, expected = MISTAKES[mistake]
    found = diagnose("out", actual, expected, 1e-7, LAYOUT, HINTS, INPUTS, reveal=False)
    assert found.ok == (mistake == "right")
    assert bool(found.notes) == (not found.ok)
    text = "; ".join(found.notes)
    assert not FLOAT_LITERAL.search(re.sub(r"float(16|32|64)", "", text)), text
    assert not _numbers_in(text) & _numbers_of(expected), text
    assert "params" not in text, text
    assert "exactly" not in text, text


def test_the_student_mode_does_show_the_numbers_the_hidden_mode_keeps():
    """Does the same mistake in the student's mode print the worst entry's expected value and
    the offset (so the test above would see a leak)?"""
    text = " ".join(notes(E + 0.3183, E))
    assert "off by the constant 0.3183 everywhere" in text
    assert _numbers_in(text) & _numbers_of(E)


def test_the_hidden_wording_is_given_no_value():
    """Does every hidden wording use only the fields the hidden mode is given, and are those
    free of anything holding a value (the factor k, an offset, the worst entry)?"""
    for kind, words in _NOTES.items():
        discreet = words if isinstance(words, str) else words[1]
        fields = {name for _, name, _, _ in string.Formatter().parse(discreet or "") if name}
        assert fields <= DISCREET_FIELDS, (kind, fields - DISCREET_FIELDS)
    valued = {"value", "k", "constant", "offset", "source", "yours", "wanted", "where", "first"}
    assert not valued & DISCREET_FIELDS


@pytest.mark.parametrize(
    ("mistake", "words"),
    [
        ("constant everywhere", "off by a constant everywhere"),
        ("4 times", "is 4 times the expected value"),
        ("1/3", "is 1/3 of the expected value"),
        ("H' and W' swapped", "with two axes swapped"),
        ("H' reversed", "reversed along axis 2 (H')"),
        ("rotated 180 degrees", "reversed along axis 2 (H') and axis 3 (W')"),
        ("bias added twice", "off by a constant per index of axis 1 (F)"),
        ("an offset in one channel", "off by a constant per index of axis 1 (F)"),
        ("bottom border wrong", "wrong only on the border of H' x W' (bottom)"),
        ("left column wrong", "wrong only on the border of H' x W' (left)"),
        ("one example wrong", "wrong only at 1 of the 2 indices of axis 0 (N)"),
        ("a term 0.1 * W missing", "out has wrong values (180 of 180 entries off)"),
        ("H' too short", "axis 2 (H') is 4, expected 5: H' = 1 + (H + 2 * pad - HH) // stride"),
        ("channels last", "holds the right values with its axes in the wrong order"),
    ],
)
def test_both_modes_name_the_same_mistake(mistake, words):
    """Does the hidden mode find what the student's mode finds, in its own words?"""
    actual, expected = MISTAKES[mistake]
    assert words in "; ".join(notes(actual, expected, reveal=False))


def test_a_hidden_hint_names_one_cause_per_output():
    """Is an integer dtype the whole hidden note (it explains the values), while a float32
    output that is also wrong gets the note on its values?"""
    assert notes(E.astype(np.int64), E, reveal=False) == [
        "out has an integer dtype: every value written into it is truncated (create it with "
        "np.zeros(shape), or the inputs' dtype)"
    ]
    assert notes((2 * E).astype(np.float32), E, reveal=False) == [
        "out is 2 times the expected value: a sum where a mean belongs, or a division missing?"
    ]
    assert notes(E.astype(np.float32), E, reveal=False, threshold=1e-6) == [
        "out has dtype float32: precision is lost (use the inputs' dtype)"
    ]


def test_a_single_number_is_not_called_a_scaled_one_unless_the_factor_is_whole():
    """Is a wrong loss 2.7 for 1.25 left unexplained (any number is a multiple of another),
    while 2.5 for 1.25 is twice it, in both modes?"""
    assert notes(np.array(2.7), np.array(1.25), reveal=False, layout=None) == [
        "out has wrong values (1 of 1 entries off)"
    ]
    assert notes(np.array(2.7), np.array(1.25), layout=None) == [
        "worst entry out: yours 2.7, expected 1.25 (1 of 1 entries off)."
    ]
    assert "is 2 times the expected value" in notes(2.5, np.array(1.25), False, layout=None)[0]
    assert "is twice the expected value" in notes(2.5, np.array(1.25), layout=None)[0]


# ---------------------------------------------------------------------------
# The student's mode: the notes check cells print
# ---------------------------------------------------------------------------

S = np.random.RandomState(0).randn(2, 3, 6, 7)
V = np.random.RandomState(9).randn(*S.shape)


@pytest.mark.parametrize(
    ("actual", "expected", "first_note"),
    [
        (
            np.random.RandomState(3).randn(2, 3, 4, 4).swapaxes(2, 3),
            np.random.RandomState(3).randn(2, 3, 4, 4),
            "out equals the expected output with axis 2 (H') and axis 3 (W') swapped: rows and "
            "columns (or two indices) mixed up?",
        ),
        (
            2 * S,
            S,
            "out is twice the expected value: something counted twice, or a factor 2 where 0.5 "
            "belongs (0.5 * reg * W**2 has gradient reg * W)?",
        ),
        (
            S / 2,
            S,
            "out is half the expected value: a factor 0.5 too many, or one of two contributions "
            "missing?",
        ),
        (
            6 * S,
            S,
            "out is 6 times the expected value: a sum where a mean belongs, or a missing division "
            "by 6?",
        ),
        (1.5 * S, S, "out is 1.5 times the expected value: a scale factor is wrong."),
        (S + 0.25, S, "out is off by the constant 0.25 everywhere."),
        (
            S + B[:, None, None],
            S,
            "out is off by a constant per index of axis 1 (F) (the same for every other entry): "
            "the offset is exactly b: is b added twice?",
        ),
        (
            S - 0.1 * V,
            S,
            "out differs from the expected output by -0.1 * w: is a term 0.1 * w missing?",
        ),
        (
            _plus(S, (slice(None), slice(None), slice(None), -1), 1.0),
            S,
            "out is wrong only on the border of H' x W' (right, one row or column deep); the "
            "interior matches: check the padding (how much, on which sides, and that it is "
            "cropped away).",
        ),
        (
            _plus(S, (slice(None), slice(None), slice(0, 2)), 1.0),
            S,
            "out is wrong only on the border of H' x W' (top, 2 rows or columns deep); the "
            "interior matches: check the padding (how much, on which sides, and that it is "
            "cropped away).",
        ),
        (
            _plus(S, (slice(None), 2), np.random.RandomState(4).randn(2, 6, 7)),
            S,
            "out is wrong only at index 2 of axis 1 (F) (right at the other 2 of 3): a loop that "
            "misses or repeats some of them?",
        ),
        (S[:, :, :5, :], S, "out has shape (2, 3, 5, 7), expected (2, 3, 6, 7) (N, F, H', W')."),
    ],
)
def test_the_student_mode_names_each_mistake_as_check_cells_always_did(
    actual, expected, first_note
):
    """Does each planted mistake get, word for word, the note check() printed before the
    diagnosis moved to its own module?"""
    inputs = {"b": B, "w": V}
    got = notes(actual, expected, inputs=inputs)
    assert got[0] == first_note
    if actual.shape == expected.shape:
        assert got[-1].startswith("worst entry out[")


def test_the_student_mode_explains_a_wrong_shape_axis_by_axis():
    """Does a wrong shape list the shapes, then the axis that is off with its formula, or the
    transpose that fixes it?"""
    assert notes(S[:, :, :5, :], S) == [
        "out has shape (2, 3, 5, 7), expected (2, 3, 6, 7) (N, F, H', W').",
        "axis 2 (H') is 5, expected 6: H' = 1 + (H + 2 * pad - HH) // stride",
    ]
    assert notes(S[:, :1], S)[1] == "axis 1 (F) is 1, expected 3."
    assert notes(S.transpose(0, 2, 3, 1), S)[1] == (
        "out holds the right values with its axes in the wrong order: out.transpose(0, 3, 1, 2) "
        "matches the expected (N, F, H', W')."
    )
    assert notes(S.reshape(2, -1), S)[1] == (
        "out has the right number of entries in the wrong shape: reshape it to (2, 3, 6, 7)?"
    )


def test_an_offset_per_index_is_named_before_the_indices_it_spares():
    """Is a bias wrong in one channel only reported as an offset per channel, with the
    offsets, rather than as a loop that misses some channels?"""
    got = notes(S + np.array([0, 0.5, 0])[:, None, None], S)
    assert got[0] == (
        "out is off by a constant per index of axis 1 (F) (the same for every other entry): "
        "[0.  0.5 0. ]."
    )


def test_a_dict_where_an_array_belongs_is_named():
    """Is a dict passed for an array named as such (not as a dtype object)?"""
    found = diagnose("out", {"W": S}, S, 1e-7)
    assert (found.ok, found.problem) == (False, "not an array")
    assert found.notes == ["out is a dict; an array of shape (2, 3, 6, 7) was expected."]
