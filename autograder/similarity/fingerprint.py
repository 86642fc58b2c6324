"""Step 2: fingerprints of each piece, and what two submissions share.

The idea is MOSS's (Schleimer, Wilkerson and Aiken, "Winnowing: local
algorithms for document fingerprinting", SIGMOD 2003):

  1. Normalise. Code is read with Python's `tokenize`; comments, blank lines
     and indentation are dropped, every name a student chooses becomes `N`,
     every number `0`, every string `S`, and a comma before a closing bracket
     goes. Keywords, operators, builtins (`range`, `len`), attributes
     (`.reshape`, `np.pad` keeps `pad`) and keyword arguments (`axis=`) stay:
     renaming variables and reformatting change nothing, calling other
     functions does. Prose (a markdown answer) becomes its lowercase words.
  2. Hash every run of K consecutive tokens (a k-gram) of one piece; runs
     never cross from one function to the next, so reordering functions
     changes nothing.
  3. Winnow: in every window of W consecutive hashes keep the smallest (the
     rightmost on a tie). Any run of W + K - 1 tokens two pieces share gives
     both the same fingerprint; runs shorter than K tokens never match.

Two submissions are compared on their sets of fingerprints: the score is the
share of the smaller set found in the other (at least MIN_PRINTS are assumed,
so two students who wrote one line each do not score 100%). A piece is read
whole (a function with its provided lines, so a copy that retyped them hashes
alike), but a fingerprint is kept only when at least half of its tokens are
the student's: on their own lines and in no run of K tokens the release has
(provided code pasted into a stub is not theirs). Every k-gram of the release
(all of its code and text), and every fingerprint found in more than `common`
submissions, counts for no one.
"""

import builtins
import io
import itertools
import keyword
import re
import tokenize
import zlib
from dataclasses import dataclass
from functools import lru_cache

#: Tokens per k-gram: shorter shared runs are noise (`N, C, H, W = x.shape` is 10).
K = 12
#: The winnowing window: every shared run of W + K - 1 tokens is found.
W = 6
#: The smallest number of fingerprints a score is divided by.
MIN_PRINTS = 20
#: How many places one fingerprint is remembered at in one submission.
MAX_PLACES = 4

_BUILTINS = frozenset(dir(builtins))
_LAYOUT = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
}
# Python 3.12 splits an f-string into parts; earlier versions give one STRING.
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)
_OPEN, _CLOSE = "([{", ")]}"
_ROUGH = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\"[^\"]*\"|'[^']*'|\S")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Token:
    text: str  # the normalised token
    line: int  # its line in the piece's source


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------


@lru_cache(maxsize=8)  # the pieces of one file come one after the other
def _python_tokens(source):
    """(type, string, line) of every token of `source`; a rough split if it does not tokenize."""
    try:
        return tuple(
            (t.type, t.string, t.start[0])
            for t in tokenize.generate_tokens(io.StringIO(source).readline)
        )
    except (tokenize.TokenError, SyntaxError):
        return tuple(
            (_rough_type(m.group()), m.group(), number)
            for number, line in enumerate(source.splitlines(), start=1)
            for m in _ROUGH.finditer(line.split("#", 1)[0])
        )


def _rough_type(text):
    if text[0].isalpha() or text[0] == "_":
        return tokenize.NAME
    if text[0].isdigit():
        return tokenize.NUMBER
    if text[0] in "\"'":
        return tokenize.STRING
    return tokenize.OP


def code_tokens(source, lines=None):
    """The normalised Tokens of Python `source`, only those starting on `lines` (a set) if given."""
    tokens = _normalised(source)
    return list(tokens) if lines is None else [t for t in tokens if t.line in lines]


@lru_cache(maxsize=8)  # the pieces of one file come one after the other
def _normalised(source):
    raw = _python_tokens(source)
    out, depth, in_fstring = [], 0, 0
    for index, (kind, text, line) in enumerate(raw):
        if kind == _FSTRING_START:
            in_fstring += 1
            if in_fstring == 1:
                out.append(Token("S", line))
            continue
        if kind == _FSTRING_END:
            in_fstring -= 1
            continue
        if in_fstring or kind in _LAYOUT:
            continue
        if text in _OPEN:
            depth += 1
        elif text in _CLOSE:
            depth = max(depth - 1, 0)
        if kind == tokenize.NAME:
            text = _name(raw, index, text, depth)
        elif kind == tokenize.NUMBER:
            text = "0"
        elif kind == tokenize.STRING:
            text = "S"
        elif text in _CLOSE and out and out[-1].text == ",":
            out.pop()  # a trailing comma is formatting
        out.append(Token(text, line))
    return tuple(out)


def _name(raw, index, text, depth):
    """A NAME token as it is compared: kept when renaming it would change the program."""
    if keyword.iskeyword(text) or text in _BUILTINS:
        return text
    before = raw[index - 1][1] if index else ""
    after = ""
    for kind, string, _ in itertools.islice(raw, index + 1, None):
        if kind not in _LAYOUT:
            after = string
            break
    if before == ".":  # an attribute: np.pad, x.reshape, self.params
        return text
    if depth and after == "=":  # a keyword argument: axis=0
        return text
    return "N"


def prose_tokens(source, lines=None):
    """The lowercase words of `source`, only those on `lines` (a set) if given."""
    return [
        Token(word.group().lower(), number)
        for number, line in enumerate(source.splitlines(), start=1)
        if lines is None or number in lines
        for word in _WORD.finditer(line)
    ]


def tokens_of(piece):
    """The normalised Tokens of a Piece's lines (its context: the whole function)."""
    lines = set(piece.context or piece.lines)
    if piece.kind == "code":
        return code_tokens(piece.source, lines)
    return prose_tokens(piece.source, lines)


# ---------------------------------------------------------------------------
# Winnowing
# ---------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _token_number(text):
    return zlib.crc32(text.encode())


def kgram_hash(texts):
    """A hash of a k-gram that is the same in every process (hash() of a str is not; of a
    tuple of ints it is)."""
    return hash(tuple(_token_number(text) for text in texts))


def kgrams(tokens, k=K):
    """The hash of every run of k tokens, in order."""
    return [kgram_hash([t.text for t in tokens[i : i + k]]) for i in range(len(tokens) - k + 1)]


def winnow_indices(hashes, w=W):
    """Indices of the hashes winnowing keeps: the rightmost smallest of every window of w."""
    chosen = []
    for start in range(max(len(hashes) - w + 1, 1) if hashes else 0):
        window = hashes[start : start + w]
        best = start + min(range(len(window)), key=lambda i: (window[i], -i))
        if not chosen or best != chosen[-1]:
            chosen.append(best)
    return chosen


def winnow(tokens, k=K, w=W):
    """The fingerprints of a token list: [(hash, first line, last line)], in order.

    A sequence shorter than k tokens has none; one of k to k + w - 2 tokens
    keeps the smallest hash of the k-grams it has.
    """
    hashes = kgrams(tokens, k)
    return [(hashes[i], tokens[i].line, tokens[i + k - 1].line) for i in winnow_indices(hashes, w)]


def provided_kgrams(pieces):
    """Every k-gram hash of `pieces` (the release's code and text), not only those winnowing
    keeps: in a student's file the same run may be kept where the release's was not."""
    return {value for piece in pieces for value in kgrams(tokens_of(piece))}


@dataclass
class Prints:
    """The fingerprints of one submission: {hash: [(piece index, first line, last line)]}."""

    pieces: list  # the submission's Pieces
    places: dict

    @classmethod
    def of(cls, pieces, provided=frozenset()):
        """Winnow each piece whole (the function, provided lines too), keeping a fingerprint
        only when at least half of its tokens are the student's: on their own lines, and in
        no run of `provided` (provided_kgrams; provided code pasted into a stub is not theirs)."""
        places = {}
        for index, piece in enumerate(pieces):
            tokens = tokens_of(piece)
            hashes = kgrams(tokens)
            own = set(piece.lines)
            ours = [t.line in own for t in tokens]
            for i, value in enumerate(hashes):
                if value in provided:
                    ours[i : i + K] = [False] * len(ours[i : i + K])
            for i in winnow_indices(hashes):
                if 2 * sum(ours[i : i + K]) < K:
                    continue
                spots = places.setdefault(hashes[i], [])
                if len(spots) < MAX_PLACES:
                    spots.append((index, tokens[i].line, tokens[i + K - 1].line))
        return cls(list(pieces), places)

    def hashes(self):
        return set(self.places)


def discounted(prints, provided=frozenset(), *, common=10):
    """The hashes nobody is credited with: `provided` (the release's k-grams), and those in
    more than `common` of `prints` (a list of Prints)."""
    counts = {}
    for p in prints:
        for value in p.places:
            counts[value] = counts.get(value, 0) + 1
    return set(provided) | {value for value, n in counts.items() if n > common}


# ---------------------------------------------------------------------------
# Comparing two submissions
# ---------------------------------------------------------------------------


@dataclass
class Region:
    """The passages two pieces share: the lines of each that they cover."""

    a: int  # piece index in the first submission
    b: int  # piece index in the second
    shared: int  # fingerprints in common
    lines_a: set
    lines_b: set


@dataclass
class Pair:
    """Two submissions compared: the score and the shared regions, largest first."""

    a: str  # labels
    b: str
    score: float  # shared fingerprints / the smaller set (at least MIN_PRINTS), 0..1
    a_in_b: float  # share of a's fingerprints found in b
    b_in_a: float
    shared: int
    regions: list  # each piece of a's best match first, then the others; most shared first


def compare(a, b, ignore=frozenset(), labels=("a", "b")):
    """The Pair of two Prints, fingerprints in `ignore` set aside."""
    mine = a.hashes() - ignore
    theirs = b.hashes() - ignore
    shared = mine & theirs
    score = len(shared) / max(min(len(mine), len(theirs)), MIN_PRINTS)
    regions = {}
    for value in shared:
        for pa, fa, la in a.places[value]:
            for pb, fb, lb in b.places[value]:
                region = regions.setdefault((pa, pb), Region(pa, pb, 0, set(), set()))
                region.shared += 1
                region.lines_a.update(range(fa, la + 1))
                region.lines_b.update(range(fb, lb + 1))
    ordered = sorted(regions.values(), key=lambda r: (-r.shared, r.a, r.b))
    # Each piece's best match first (a function and its copy), then what else they share.
    best = {}
    for region in ordered:
        best.setdefault(region.a, region)
    ordered = [r for r in ordered if best[r.a] is r] + [r for r in ordered if best[r.a] is not r]
    return Pair(
        labels[0],
        labels[1],
        score,
        len(shared) / len(mine) if mine else 0.0,
        len(shared) / len(theirs) if theirs else 0.0,
        len(shared),
        ordered,
    )
