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
from cs231n.gradient_check import rel_error
from cs231n.layers import (
    avg_pool_forward_naive,
    conv_backward_naive,
    conv_forward_naive,
    conv_transpose_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
)

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


# ---------------------------------------------------------------------------
# Sliding windows: the mistakes of convolution and pooling layers
# ---------------------------------------------------------------------------

CONV_OUT, POOL_OUT, INPUT_GRAD = "(N, F, H', W')", "(N, C, H', W')", "(N, C, H, W)"
XC = np.random.RandomState(11).randn(2, 3, 9, 7)
WC = np.random.RandomState(12).randn(4, 3, 3, 3)
BC = np.random.RandomState(13).randn(4)
STRIDED = {"stride": 2, "pad": 1}
XP = np.random.RandomState(14).randn(2, 3, 8, 6)
POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}


def _conv(x, w, conv_param, b=BC):
    return conv_forward_naive(x, w, b, conv_param)[0]


def _conv_padded(x, w, stride, pads):
    """The convolution with the padding (top, bottom, left, right) given side by side."""
    top, bottom, left, right = pads
    padded = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    return _conv(padded, w, {"stride": stride, "pad": 0})


def _conv_inputs(conv_param=STRIDED, x=XC, w=WC):
    return {"x": x, "w": w, "b": BC, "conv_param": conv_param}


def _window_notes(actual, expected, layout, inputs=None, reveal=True):
    found = diagnose("out", actual, expected, 1e-7, layout, None, inputs, reveal)
    assert not found.ok
    return "; ".join(found.notes)


#: The first words of each note on windows: none may appear where it does not belong.
WINDOW_WORDS = (
    "true convolution",
    "scatters",
    "moved",
    "one pixel at a time",
    "placed",
    "mean where",
    "maximum where",
    "wrong count",
    "in the wrong places",
    "right sum",
)


def _window_claims(text):
    return [words for words in WINDOW_WORDS if words in text]


@pytest.mark.parametrize("reveal", [True, False])
@pytest.mark.parametrize(
    "inputs",
    [
        _conv_inputs(),
        {"x": XC, "w": WC, "b": BC},  # the grader's visible cases: the arrays alone
        {"x": XC, "w": WC},
    ],
    ids=["with conv_param", "arrays only", "no bias"],
)
def test_a_flipped_filter_is_named_from_the_inputs(inputs, reveal):
    """Is a true convolution (each filter flipped) named when x and w are given, in both
    modes, whether or not conv_param and b are among the inputs?"""
    b = inputs.get("b", np.zeros(4))
    expected = _conv(XC, WC, STRIDED, b)
    flipped = _conv(XC, WC[:, :, ::-1, ::-1].copy(), STRIDED, b)
    text = _window_notes(flipped, expected, CONV_OUT, inputs, reveal)
    assert text.startswith("out is a true convolution, each filter flipped"), text


def test_a_flipped_filter_without_the_inputs_gets_advice_on_windows():
    """Without x and w the flip cannot be told: is the advice to check the windows and
    which way the filter is applied, and nothing more specific?"""
    expected = _conv(XC, WC, STRIDED)
    flipped = _conv(XC, WC[:, :, ::-1, ::-1].copy(), STRIDED)
    text = _window_notes(flipped, expected, CONV_OUT)
    assert text.startswith(
        "out has wrong values: check each window, where window (i, j) starts (row i * stride, "
        "column j * stride of the padded input), the padding on each side, and what is "
        "computed over it (w as it is, not flipped; the max or the mean)."
    ), text
    assert _window_claims(text) == [], text
    hidden = _window_notes(flipped, expected, CONV_OUT, reveal=False)
    assert hidden.startswith("out has wrong values (160 of 160 entries off): check each window")


@pytest.mark.parametrize("reveal", [True, False])
def test_padding_on_the_wrong_side_moves_a_stride_1_output(reveal):
    """Is 'same' padding of an even filter put on the wrong sides (the bottom's rows on top)
    named as the output moved by a row and a column, with no input needed?"""
    w = np.random.RandomState(15).randn(4, 3, 4, 4)
    expected = _conv_padded(XC, w, 1, (1, 2, 1, 2))
    wrong = _conv_padded(XC, w, 1, (2, 1, 2, 1))
    text = _window_notes(wrong, expected, CONV_OUT, reveal=reveal)
    assert text.startswith(
        "out equals the expected output moved 1 row down and 1 column right, the entries at "
        "the edge aside: is the padding on the wrong side"
    ), text


@pytest.mark.parametrize("reveal", [True, False])
def test_padding_on_the_wrong_side_with_a_stride_is_named_from_the_inputs(reveal):
    """With a stride of 2 the output is not moved: are the windows named as placed a row up
    when the inputs are given, and left to the advice when they are not?"""
    w = np.random.RandomState(15).randn(4, 3, 4, 3)
    expected = _conv_padded(XC, w, 2, (1, 2, 1, 1))
    wrong = _conv_padded(XC, w, 2, (2, 1, 1, 1))
    inputs = {"x": XC, "w": w, "b": BC}
    text = _window_notes(wrong, expected, CONV_OUT, inputs, reveal)
    assert text.startswith(
        "out is what the right windows give placed 1 row up: is the padding on the wrong side"
    ), text
    assert _window_claims(_window_notes(wrong, expected, CONV_OUT, reveal=reveal)) == []


@pytest.mark.parametrize("reveal", [True, False])
@pytest.mark.parametrize("inputs", [None, _conv_inputs()], ids=["no inputs", "inputs"])
def test_a_window_that_ignores_the_stride_is_named(inputs, reveal):
    """Is a convolution whose windows move one pixel at a time (the output sized with the
    stride) named, from the output alone or the inputs?"""
    expected = _conv(XC, WC, STRIDED)
    dense = _conv(XC, WC, {"stride": 1, "pad": 1})
    wrong = dense[:, :, : expected.shape[2], : expected.shape[3]]
    text = _window_notes(wrong, expected, CONV_OUT, inputs, reveal)
    if reveal:
        assert text.startswith(
            "out[..., 2 * i, 2 * j] equals the expected out[..., i, j]: the windows move one "
            "pixel at a time; window (i, j) starts at row i * stride and column j * stride"
        ), text
    else:
        assert text.startswith("out's windows move one pixel at a time"), text


def test_a_pooling_window_that_ignores_the_stride_is_named():
    """Is max pooling over windows one pixel apart named in both modes?"""
    expected = max_pool_forward_naive(XP, POOL)[0]
    dense = max_pool_forward_naive(XP, {**POOL, "stride": 1})[0]
    wrong = dense[:, :, : expected.shape[2], : expected.shape[3]]
    assert "one pixel at a time" in _window_notes(wrong, expected, POOL_OUT)
    assert "one pixel at a time" in _window_notes(wrong, expected, POOL_OUT, reveal=False)


@pytest.mark.parametrize("reveal", [True, False])
@pytest.mark.parametrize(
    "inputs", [{"x": XP, "pool_param": POOL}, {"x": XP}], ids=["pool_param", "x only"]
)
def test_a_mean_for_a_max_and_a_max_for_a_mean_are_named(inputs, reveal):
    """Is each window's mean where its maximum belongs named, and the reverse, whether the
    window's size is given (pool_param) or found?"""
    maximum = max_pool_forward_naive(XP, POOL)[0]
    mean = avg_pool_forward_naive(XP, POOL)[0]
    text = _window_notes(mean, maximum, POOL_OUT, inputs, reveal)
    assert text.startswith("out holds each window's mean where its maximum belongs"), text
    text = _window_notes(maximum, mean, POOL_OUT, inputs, reveal)
    assert text.startswith("out holds each window's maximum where its mean belongs"), text


def test_an_average_over_the_wrong_count_is_named():
    """Is an average pooling whose every window overlaps the padding named as averaging over
    the wrong count, the padding counted or left out?"""
    pool = {"pool_height": 5, "pool_width": 5, "stride": 1, "pad": 2}
    x = XP[:, :, :4, :4]
    left_out = avg_pool_forward_naive(x, pool)[0]
    counted = avg_pool_forward_naive(x, {**pool, "count_include_pad": True})[0]
    for inputs in ({"x": x, "pool_param": pool}, {"x": x}):
        text = _window_notes(counted, left_out, POOL_OUT, inputs)
        assert text.startswith("out averages each window over the wrong count: the padding counted")
        text = _window_notes(left_out, counted, POOL_OUT, inputs, reveal=False)
        assert text.startswith("out averages each window over the wrong count: the padding left")


@pytest.mark.parametrize("reveal", [True, False])
def test_a_gradient_cropped_from_the_corner_is_named_as_moved(reveal):
    """Is dx cropped from the top-left corner of the padded gradient (not pad_top rows
    down) named as the expected dx moved, with the crop to look at?"""
    dout = np.random.RandomState(16).randn(*_conv(XC, WC, STRIDED).shape)
    x_pad = np.pad(XC, ((0, 0), (0, 0), (1, 1), (1, 1)))
    _, cache = conv_forward_naive(x_pad, WC, BC, {"stride": 2, "pad": 0})
    dx_pad = conv_backward_naive(dout, cache)[0]
    expected, wrong = dx_pad[:, :, 1:-1, 1:-1], dx_pad[:, :, :-2, :-2]
    text = _window_notes(wrong, expected, INPUT_GRAD, _conv_inputs(), reveal)
    assert text.startswith(
        "out equals the expected output moved 1 row down and 1 column right, the entries at "
        "the edge aside: is the padding on the wrong side, or cropped from the wrong corner"
    ), text


XT = np.random.RandomState(20).randn(2, 4, 3, 4)
WT = np.random.RandomState(21).randn(4, 3, 3, 3)
BT = np.random.RandomState(22).randn(3)


def _scatter(w, stride):
    """A transposed convolution of XT by w that puts pixel (i, j) at row i * stride onwards
    (stride 2 in the size of the output, pad 1 cropped)."""
    H, W = XT.shape[-2:]
    out = np.zeros((2, 3, 2 * (H - 1) + 3, 2 * (W - 1) + 3))
    for i, j in np.ndindex(H, W):
        patch = np.tensordot(XT[:, :, i, j], w, axes=([1], [0]))
        out[:, :, i * stride : i * stride + 3, j * stride : j * stride + 3] += patch
    return out[:, :, 1:-1, 1:-1] + BT[:, None, None]


@pytest.mark.parametrize("reveal", [True, False])
def test_a_transposed_convolution_scattering_w_flipped_or_one_step_apart_is_named(reveal):
    """Given x, w and b, is a transposed convolution that scatters each filter flipped named,
    and one that scatters the pixels one step apart whatever the stride?"""
    expected = conv_transpose_forward_naive(XT, WT, BT, {"stride": 2, "pad": 1})[0]
    assert rel_error(_scatter(WT, 2), expected) < 1e-12
    inputs = {"x": XT, "w": WT, "b": BT}
    flipped = _scatter(WT[:, :, ::-1, ::-1], 2)
    text = _window_notes(flipped, expected, POOL_OUT, inputs, reveal)
    assert text.startswith("out scatters each filter flipped: a transposed convolution adds")
    text = _window_notes(_scatter(WT, 1), expected, POOL_OUT, inputs, reveal)
    assert text.startswith("out scatters the input's pixels one step apart"), text


def _max_pool_dx(dout, x, stride_in_index=True):
    """max_pool_backward for 2 x 2 windows; the stride left out of the index if asked."""
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(dout.shape):
        window = x[n, c, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
        r, s = np.unravel_index(np.argmax(window), window.shape)
        top, left = (2 * i, 2 * j) if stride_in_index else (i, j)
        dx[n, c, top + r, left + s] += dout[n, c, i, j]
    return dx


DOUT_P = np.random.RandomState(17).randn(2, 3, 4, 3)


@pytest.mark.parametrize("reveal", [True, False])
def test_a_gradient_sent_to_the_wrong_entry_of_its_window_is_named(reveal):
    """Is a max-pool gradient sent to the maximum's row and column swapped named as the
    right values in the wrong places, and one placed without the stride as the right sums
    spread over the wrong entries?"""
    expected = max_pool_backward_naive(DOUT_P, max_pool_forward_naive(XP, POOL)[1])
    blocks = expected.reshape(2, 3, 4, 2, 3, 2)
    swapped = blocks.transpose(0, 1, 2, 5, 4, 3).reshape(expected.shape)
    text = _window_notes(swapped, expected, INPUT_GRAD, reveal=reveal)
    assert text.startswith("out holds the expected values of each H x W plane, in the wrong "), text
    no_stride = _max_pool_dx(DOUT_P, XP, stride_in_index=False)
    text = _window_notes(no_stride, expected, INPUT_GRAD, reveal=reveal)
    assert text.startswith("out has the right sum over each H x W plane, spread over the wrong")


def test_the_advice_follows_the_layout_of_an_output_nothing_explains():
    """Does an unexplained wrong gradient get advice for its kind (a filter's gradient, an
    input's gradient when the inputs show windows), and a normalisation's none?"""
    noise = np.random.RandomState(18).randn
    dw = noise(4, 3, 3, 3)
    text = _window_notes(dw + noise(*dw.shape), dw, "(F, C, HH, WW)")
    assert text.startswith("out has wrong values: it is a sum over every example and output")
    dx = noise(2, 3, 8, 6)
    inputs = {"x": XP, "pool_param": POOL, "dout": DOUT_P}
    text = _window_notes(dx + noise(*dx.shape), dx, INPUT_GRAD, inputs)
    assert text.startswith("out has wrong values: check where each window's gradient goes")
    text = _window_notes(dx + noise(*dx.shape), dx, INPUT_GRAD, {"x": XP, "dout": dx})
    assert text.startswith("worst entry out["), text


def _unrelated_mistakes():
    """Wrong outputs of windows that are none of the mistakes above, with their inputs."""
    noise = np.random.RandomState(19).randn
    conv = _conv(XC, WC, STRIDED)
    pooled = max_pool_forward_naive(XP, POOL)[0]
    dx = max_pool_backward_naive(DOUT_P, max_pool_forward_naive(XP, POOL)[1])
    centred = noise(2, 3, 4, 5)
    centred -= centred.mean(axis=(2, 3), keepdims=True)
    other = noise(2, 3, 4, 5)
    other -= other.mean(axis=(2, 3), keepdims=True)
    full = {"stride": 1, "pad": 2}  # every entry of x under every entry of w: sums kept
    return {
        "conv plus noise": (conv + noise(*conv.shape), conv, CONV_OUT, _conv_inputs()),
        "conv of another x": (_conv(-XC, WC, STRIDED), conv, CONV_OUT, _conv_inputs()),
        "conv of 2 x w": (_conv(XC, 2 * WC, STRIDED, 0 * BC), conv, CONV_OUT, _conv_inputs()),
        "flipped, full padding": (
            _conv(XC, WC[:, :, ::-1, ::-1].copy(), full),
            _conv(XC, WC, full),
            CONV_OUT,
            None,
        ),
        "pool plus noise": (pooled + noise(*pooled.shape), pooled, POOL_OUT, {"x": XP}),
        "transposed conv of -x": (
            _scatter(-WT, 2),
            _scatter(WT, 2),
            POOL_OUT,
            {"x": XT, "w": WT, "b": BT},
        ),
        "dx plus noise": (dx + noise(*dx.shape), dx, INPUT_GRAD, {"x": XP, "dout": DOUT_P}),
        "a normalisation's gradient": (other, centred, "(N, C, H, W)", None),
    }


@pytest.mark.parametrize("reveal", [True, False])
@pytest.mark.parametrize("mistake", sorted(_unrelated_mistakes()))
def test_an_unrelated_mistake_is_not_called_a_window_mistake(mistake, reveal):
    """Does a wrong output that is none of the window mistakes get none of their notes
    (no false accusation), and a right one pass with no note at all?"""
    actual, expected, layout, inputs = _unrelated_mistakes()[mistake]
    text = _window_notes(actual, expected, layout, inputs, reveal)
    assert _window_claims(text) == [], text
    found = diagnose("out", expected.copy(), expected, 1e-7, layout, None, inputs, reveal)
    assert (found.ok, found.notes) == (True, [])


def _window_mistakes():
    """The window mistakes above, as (actual, expected, layout, inputs)."""
    expected = _conv(XC, WC, STRIDED)
    dense = _conv(XC, WC, {"stride": 1, "pad": 1})
    w = np.random.RandomState(15).randn(4, 3, 4, 4)
    maximum = max_pool_forward_naive(XP, POOL)[0]
    conv_inputs = {"x": XC, "w": WC, "b": BC}
    flipped = _conv(XC, WC[:, :, ::-1, ::-1].copy(), STRIDED)
    return {
        "flipped": (flipped, expected, CONV_OUT, conv_inputs),
        "stride ignored": (dense[:, :, :5, :4], expected, CONV_OUT, conv_inputs),
        "moved": (
            _conv_padded(XC, w, 1, (2, 1, 2, 1)),
            _conv_padded(XC, w, 1, (1, 2, 1, 2)),
            CONV_OUT,
            {"x": XC, "w": w, "b": BC},
        ),
        "placed a row up": (
            _conv_padded(XC, w, 2, (2, 1, 1, 2)),
            _conv_padded(XC, w, 2, (1, 2, 1, 2)),
            CONV_OUT,
            {"x": XC, "w": w, "b": BC},
        ),
        "mean for max": (avg_pool_forward_naive(XP, POOL)[0], maximum, POOL_OUT, {"x": XP}),
        "stride ignored in the gradient": (
            _max_pool_dx(DOUT_P, XP, stride_in_index=False),
            _max_pool_dx(DOUT_P, XP),
            INPUT_GRAD,
            {"x": XP, "dout": DOUT_P},
        ),
        "transposed, flipped": (
            _scatter(WT[:, :, ::-1, ::-1], 2),
            _scatter(WT, 2),
            POOL_OUT,
            {"x": XT, "w": WT, "b": BT},
        ),
    }


@pytest.mark.parametrize("mistake", sorted(_window_mistakes()))
def test_a_hidden_note_on_windows_holds_no_number_of_the_expected_output(mistake):
    """Given the inputs (which a hidden case may pass to recognise a mistake), does the
    hidden note on a window mistake still hold no value of the expected output?"""
    actual, expected, layout, inputs = _window_mistakes()[mistake]
    text = _window_notes(actual, expected, layout, inputs, reveal=False)
    assert _window_claims(text), text
    assert not FLOAT_LITERAL.search(text), text
    assert not _numbers_in(text) & _numbers_of(expected), text
