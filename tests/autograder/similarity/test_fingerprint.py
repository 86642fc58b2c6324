"""Fingerprints: normalised tokens, winnowing, and the score of two submissions."""

import random
import re

import pytest

from autograder.similarity.extract import Piece
from autograder.similarity.fingerprint import (
    MIN_PRINTS,
    K,
    Prints,
    Token,
    W,
    code_tokens,
    compare,
    discounted,
    prose_tokens,
    provided_kgrams,
    winnow,
)
from tests.autograder.similarity.helpers import disguise, reformat, rename, reverse_functions

CONV = '''
def conv(x, w, stride):
    """Valid convolution of one image."""
    H, W = x.shape
    HH, WW = w.shape
    out = np.zeros(((H - HH) // stride + 1, (W - WW) // stride + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            window = x[i * stride : i * stride + HH, j * stride : j * stride + WW]
            out[i, j] = np.sum(window * w)  # one dot product
    return out


def pool(x, size):
    rows, cols = x.shape[0] // size, x.shape[1] // size
    out = np.empty((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = x[i * size : (i + 1) * size, j * size : (j + 1) * size].max()
    return out
'''


def texts(tokens):
    return [t.text for t in tokens]


def piece(text, name="f", kind="code"):
    return Piece("m.py", name, kind, text, tuple(range(1, len(text.splitlines()) + 1)))


def prints_of(text):
    """Prints of a module, one piece per top-level function (as extract groups them)."""
    blocks = [block for block in re.split(r"\n(?=def )", text) if block.startswith("def ")]
    return Prints.of([piece(block, block.split("(")[0][4:]) for block in blocks])


def test_names_numbers_strings_comments_and_layout_are_set_aside():
    """Do two lines that differ only in names, numbers, strings, comments, indentation and a
    trailing comma give the same tokens?"""
    one = "total = np.sum(values * 2, axis=0)  # sum up\nlabel = 'x'\n"
    two = 'acc   = np.sum(\n    vals * 3,\n    axis=1,\n)\nname = "y"\n'
    assert texts(code_tokens(one)) == texts(code_tokens(two))
    assert texts(code_tokens(one)) == [
        *["N", "=", "N", ".", "sum", "(", "N", "*", "0", ",", "axis", "=", "0", ")"],
        *["N", "=", "S"],
    ]


def test_what_renaming_cannot_change_is_kept():
    """Are keywords, builtins, attributes and keyword arguments kept, so calling another
    function gives other tokens?"""
    assert texts(code_tokens("for i in range(n): x.max(axis=0)")) == (
        ["for", "N", "in", "range", "(", "N", ")", ":", "N", ".", "max", "(", "axis", "=", "0", ")"]
    )
    assert code_tokens("np.max(x)") != code_tokens("np.min(x)")


def test_tokens_keep_their_lines_and_can_be_taken_from_some_lines_only():
    """Does each token remember its line, and `lines` keep only the tokens starting there?"""
    source = "a = 1\nb = (2,\n     3)\nc = 4\n"
    assert code_tokens(source, {2})[0] == Token("N", 2)
    assert {t.line for t in code_tokens(source, {2, 3})} == {2, 3}
    assert texts(prose_tokens("One TWO\nthree", {2})) == ["three"]


def test_a_file_that_does_not_tokenize_is_still_read():
    """Is a file whose indentation is broken split roughly instead of stopping the report?"""
    tokens = code_tokens("    x = foo(1)\n  y = 'a'  # note\n")
    assert texts(tokens) == ["N", "=", "N", "(", "0", ")", "N", "=", "S"]


def test_winnowing_finds_every_shared_run_long_enough():
    """Does any run of W + K - 1 tokens shared by two token lists give a shared fingerprint,
    wherever it sits in each?"""
    rng = random.Random(231)
    for _ in range(30):
        shared = [f"s{rng.randrange(50)}" for _ in range(W + K - 1)]
        left = [f"a{rng.randrange(50)}" for _ in range(rng.randrange(60))]
        right = [f"b{rng.randrange(50)}" for _ in range(rng.randrange(60))]
        one = [Token(t, n) for n, t in enumerate(left + shared + right)]
        two = [Token(t, n) for n, t in enumerate(right + shared + left)]
        assert {h for h, _, _ in winnow(one)} & {h for h, _, _ in winnow(two)}


def test_a_run_shorter_than_k_tokens_never_matches():
    """Do token lists sharing only runs shorter than K tokens share no fingerprint?"""
    one = [Token(f"t{i}", i) for i in range(40)]
    two = [Token(f"t{i}" if i % K else "other", i) for i in range(40)]
    assert not {h for h, _, _ in winnow(one)} & {h for h, _, _ in winnow(two)}


@pytest.mark.parametrize(
    "change",
    [rename, reverse_functions, reformat, disguise],
    ids=["renamed", "reordered", "reformatted", "all three"],
)
def test_a_disguised_copy_has_the_same_fingerprints(change):
    """Does renaming every variable, reordering the functions or reformatting leave the
    fingerprints as they were (a score of 100%)?"""
    from tests.autograder.similarity.helpers import assigned_names

    copy = change(CONV, assigned_names(CONV)) if change is rename else change(CONV)
    assert copy != CONV
    original, disguised = prints_of(CONV), prints_of(copy)
    assert original.hashes() == disguised.hashes()
    assert compare(original, disguised).score == 1.0


def test_a_different_algorithm_shares_little():
    """Does the same pooling written with reshape instead of loops share only its first line
    (the same in both) with the loops?"""
    other = (
        "def pool(x, size):\n"
        "    rows, cols = x.shape[0] // size, x.shape[1] // size\n"
        "    blocks = x[: rows * size, : cols * size].reshape(rows, size, cols, size)\n"
        "    return blocks.max(axis=(1, 3))\n"
    )
    mine = prints_of(CONV)
    theirs = prints_of(other)
    pair = compare(mine, theirs)
    assert pair.score < 0.3
    assert [mine.pieces[r.a].name for r in pair.regions] == ["pool"]
    assert max(pair.regions[0].lines_b) <= 3


def test_the_release_and_common_passages_count_for_no_one():
    """Are fingerprints of the release, and of passages in more than `common` submissions,
    set aside?"""
    a, b, c = prints_of(CONV), prints_of(CONV), prints_of(CONV)
    assert compare(a, b).score == 1.0
    release = provided_kgrams([piece(CONV)])
    assert discounted([a, b, c], release, common=10) >= a.hashes()
    assert discounted([a, b, c], common=2) >= a.hashes()
    assert not discounted([a, b, c], common=3)
    assert compare(a, b, discounted([a, b, c], release)).score == 0.0


def test_provided_code_pasted_into_a_stub_is_not_the_students():
    """Is a run of the release's tokens, retyped on a student's own lines, no fingerprint of
    theirs, while what they wrote around it is?"""
    release = provided_kgrams([piece(CONV.split("\ndef pool")[0])])
    mine = Piece("m.py", "pool", "code", CONV, tuple(range(1, len(CONV.splitlines()) + 1)))
    kept = Prints.of([mine], release)
    assert kept.hashes()
    # conv (lines 1 to 11) is the release's: every run kept reaches into pool (line 14 on)
    assert min(last for spots in kept.places.values() for _, _, last in spots) >= 14


def test_two_students_who_wrote_one_line_alike_do_not_score_100():
    """Is the score of tiny submissions divided by at least MIN_PRINTS?"""
    line = "def f(v, dw, config):\n    return v * config['momentum'] - config['lr'] * dw\n"
    a, b = Prints.of([piece(line)]), Prints.of([piece(line)])
    pair = compare(a, b)
    assert 0 < len(a.hashes()) < MIN_PRINTS
    assert pair.score == len(a.hashes()) / MIN_PRINTS
    assert pair.a_in_b == 1.0


def test_shared_regions_name_the_pieces_and_lines():
    """Does a pair's region say which pieces share passages and on which lines?"""
    a = prints_of(CONV)
    b = prints_of(reverse_functions(CONV))
    regions = {(a.pieces[r.a].name, b.pieces[r.b].name) for r in compare(a, b).regions}
    assert ("conv", "conv") in regions
    assert ("pool", "pool") in regions
    best = compare(a, b).regions[0]
    assert best.lines_a
    assert best.lines_b


def test_each_piece_is_shown_first_with_its_best_match():
    """Does each piece's best match come before the lesser matches of any piece?"""
    a = prints_of(CONV)
    b = prints_of(reverse_functions(CONV))
    regions = compare(a, b).regions
    firsts = [a.pieces[r.a].name for r in regions[:2]]
    assert sorted(firsts) == ["conv", "pool"]
    assert all(a.pieces[r.a].name == b.pieces[r.b].name for r in regions[:2])
