"""Write the autograder zip Gradescope runs: the same harness, box and trusted verdict.

    python -m autograder gradescope-bundle --course DIR [--out ZIP]

Writes DIR/gradescope/autograder.zip (or ZIP), to upload as a "Programming
Assignment" autograder on Gradescope:

  1. Check the course is released (DIR/release/convnets/) and compute the
     answer key from the solutions (the solution must pass every case).
  2. Lay out what /autograder/source will hold: setup.sh and run_autograder
     at the top, this autograder package, the instructor's cs231n package
     (the training judges and the hints need the instructor's model and
     diagnosis, so the verdict cannot run from the key alone), the answer key
     (build/answer-key/), the release (course/release/convnets/: the
     provided files the box's workdir is built from), requirements.txt (the
     pinned packages grading needs) and gradescope.json (the assignment's
     inline questions and the results' visibility).
  3. Zip it, setup.sh and run_autograder executable at the zip's root.

On Gradescope, setup.sh installs Python 3, the packages and bubblewrap once;
run_autograder then grades one submission (/autograder/submission: the zip
collect_submission.sh made, or its files) as `grade` does: the student's files
into a copy of the release, the harness in the box, the verdict outside it,
and writes /autograder/results/results.json (one test per graded cell, the
inline questions as 0 of their points, to grade by hand). The instructor's
stdout (hidden from students) names the box and every flag.

The box there: bubblewrap when the container allows user namespaces; else the
student's code runs as an unprivileged uid with resource limits, and the
grader's files (/autograder/source: the key, the solutions) are made readable
by root only. See the README's "Grading on Gradescope" for what each guarantees.

Exit status: 0 the zip was written; 2 DIR is not a released course, or the
solution fails a case.
"""

import sys

from .bundle import VISIBILITIES, BundleError

#: What this verb writes below --course (checked before it runs: cli.py).
WRITES = ("",)


def gradescope_bundle(course, *, out=None, visibility="after_published", log=print):
    """Build the Gradescope autograder zip of `course`; return a bundle.Bundle."""
    from .bundle import build_bundle

    return build_bundle(course, out=out, visibility=visibility, log=log)


def add_arguments(parser):
    parser.add_argument("--course", required=True, help="a released course directory (DIR)")
    parser.add_argument(
        "--out", default=None, help="the zip to write (default DIR/gradescope/autograder.zip)"
    )
    parser.add_argument(
        "--visibility",
        choices=VISIBILITIES,
        default="after_published",
        help="when students see the tests on Gradescope (default after_published: once the "
        "instructor publishes the grades; visible: right after they submit)",
    )


def main(args):
    try:
        gradescope_bundle(args.course, out=args.out, visibility=args.visibility)
    except BundleError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


__all__ = ["VISIBILITIES", "BundleError", "gradescope_bundle"]
