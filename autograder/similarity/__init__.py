"""Rank pairs of submissions by how much of the students' own code they share.

    python -m autograder similarity --course DIR [--against FOLDER...]

Writes DIR/similarity/index.html: the pairs ranked by similarity, a plot of
the distribution so the few far from the rest stand out, and the passages each
pair shares, side by side. The page accuses no one: it is a list for a person
to read, most alike first.

  1. Read the release (DIR/release/convnets/): what every student started from.
  2. Take each student's own code from DIR/submitted/<id>/convnets/: the lines
     of cs231n/**/*.py that are new or changed against the release's file,
     grouped by function, and the notebooks' answer cells (nbgrader's
     solution cells) without the release's scaffolding. Starter code, stubs
     and TODO comments are the release's and never count. A notebook that is
     not valid JSON is skipped with a warning naming it.
  3. Fingerprint each function and answer on its own: Python tokens with
     every chosen name, number and string made alike and comments and layout
     dropped (prose answers: their words), hashed in runs of 12 tokens and
     winnowed as MOSS does, so renamed variables, reformatting and reordered
     functions change nothing. Passages of the release itself, and passages
     found in more than --common submissions (by default half of them, and
     at least 10: a copy many students share still shows), count for no one.
  4. Compare every pair of students, and every student with every submission
     of each --against FOLDER: the similarity of a pair is the share of the
     smaller one's fingerprints found in the other.
  5. Write the page.

A --against FOLDER holds earlier years' submissions or known solutions, in any
of three layouts: FOLDER/<id>/convnets/ (a copy of an earlier course's
submitted/), one submission per <id>; a folder with .py or .ipynb files (or a
cs231n/ folder) at its top, one submission; or a folder of subfolders, one
submission each. Its files are matched with the release's by path, or by name
when they lie loose (layers.py). To compare with the instructor's solutions,
pass the checkout's assignment/ folder.

Exit status: 0 the page was written; 2 nothing to compare (DIR is not a
released course, nothing was collected, a --against folder does not exist or
holds no code) or a bad --top or --common.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

from ..paths import ASSIGNMENT_ID
from .extract import SimilarityError

#: What this verb writes below --course (checked before it runs: cli.py).
WRITES = ("", "similarity")


@dataclass
class SimilarityReport:
    """What `similarity` did: the page written, every pair best first, the files left out."""

    path: Path
    pairs: list  # fingerprint.Pairs, most similar first
    warnings: list
    silent: list  # labels with no code of their own


def similarity(course, *, against=(), top=30, common=None, log=print):
    """Compare the collected submissions of `course` (`autograder similarity`).

    `against`: folders of earlier submissions (see the module's help for the
    layouts); `top`: pairs shown in detail; `common`: passages found in more
    submissions than this count for no one (default: half of the submissions,
    at least 10). Returns a SimilarityReport.
    Raises SimilarityError when there is nothing to compare.
    """
    from . import extract, fingerprint, report

    log = log or (lambda line: None)
    course = Path(course).resolve()
    release_dir = course / "release" / ASSIGNMENT_ID
    if not release_dir.is_dir():
        raise SimilarityError(
            f"{course} is not a released course (no release/{ASSIGNMENT_ID}/): run "
            "`python -m autograder release --course DIR` first"
        )
    folders = extract.class_folders(course / "submitted", ASSIGNMENT_ID)
    if not folders:
        raise SimilarityError(
            f"nothing to compare: no submission in {course / 'submitted'}; collect some first "
            "(`python -m autograder collect --course DIR PATH...`)"
        )
    earlier = _unique(
        [label for label, _ in folders],
        [found for f in against for found in extract.earlier_folders(f, ASSIGNMENT_ID)],
    )
    if len(folders) < 2 and not earlier:
        raise SimilarityError(
            f"nothing to compare: one submission ({folders[0][0]}) and no --against folder"
        )

    warnings = []

    def warn(line):
        warnings.append(line)
        log(f"warning: {line}")

    release = extract.read_release(release_dir, warn)
    subs = [extract.read_submission(label, folder, release, warn) for label, folder in folders]
    subs += [
        extract.read_submission(label, folder, release, warn, earlier=True)
        for label, folder in earlier
    ]
    if common is None:
        common = max(10, len(subs) // 2)
    provided = fingerprint.provided_kgrams(release.provided)
    prints = {s.label: fingerprint.Prints.of(s.pieces, provided) for s in subs}
    ignore = fingerprint.discounted(list(prints.values()), provided, common=common)
    silent = [s.label for s in subs if not (prints[s.label].hashes() - ignore)]
    students = [s for s in subs if not s.earlier and s.label not in silent]
    others = [s for s in subs if s.earlier and s.label not in silent]
    pairs = [
        fingerprint.compare(prints[a.label], prints[b.label], ignore, (a.label, b.label))
        for i, a in enumerate(students)
        for b in [*students[i + 1 :], *others]
    ]
    pairs.sort(key=lambda p: (-p.score, -p.shared, p.a, p.b))
    log(
        f"compared {len(students)} students"
        + (f" with each other and {_s(len(others), 'earlier submission')}" if others else "")
        + f": {len(pairs)} pairs"
    )
    settings = (
        f"runs of {fingerprint.K} tokens, winnowing window {fingerprint.W}, passages in more "
        f"than {common} submissions ignored"
    )
    page = report.render(
        pairs,
        {s.label: s for s in subs},
        top=top,
        warnings=warnings,
        silent=silent,
        settings=settings,
        title=ASSIGNMENT_ID,
    )
    out = course / "similarity" / "index.html"
    out.parent.mkdir(exist_ok=True)
    out.write_text(page, encoding="utf-8")
    for rank, pair in enumerate(pairs[:5], start=1):
        log(f"  {rank}. {pair.a} and {pair.b}: {pair.score:.0%}")
    log(f"wrote {out.relative_to(course)}")
    return SimilarityReport(out, pairs, warnings, silent)


def _s(count, noun):
    """'1 earlier submission', '2 earlier submissions'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _unique(taken, found):
    """`found` ((label, folder) pairs) with " (2)", " (3)"... after labels already taken."""
    taken, unique = set(taken), []
    for label, folder in found:
        new, n = label, 2
        while new in taken:
            new, n = f"{label} ({n})", n + 1
        taken.add(new)
        unique.append((new, folder))
    return unique


def add_arguments(parser):
    parser.add_argument("--course", required=True, help="the course directory (DIR)")
    parser.add_argument(
        "--against",
        nargs="+",
        action="extend",
        default=[],
        metavar="FOLDER",
        help="folders of earlier submissions or known solutions to compare each student with",
    )
    parser.add_argument(
        "--top",
        type=int,
        default=30,
        metavar="N",
        help="pairs listed and shown side by side (default 30)",
    )
    parser.add_argument(
        "--common",
        type=int,
        metavar="N",
        help="ignore passages found in more than N submissions, as MOSS's -m (default: half "
        "of them, at least 10)",
    )


def main(args):
    if args.top < 1 or (args.common is not None and args.common < 2):
        print(
            f"error: --top must be 1 or more (not {args.top}) and --common 2 or more "
            f"(not {args.common}): a passage two submissions share is what the report is for",
            file=sys.stderr,
        )
        return 2
    try:
        similarity(args.course, against=args.against, top=args.top, common=args.common)
    except SimilarityError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


__all__ = ["SimilarityError", "SimilarityReport", "similarity"]
