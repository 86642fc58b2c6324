"""The `python -m autograder` command line: a thin shell that only delegates.

Each verb is a subpackage of `autograder` exposing `add_arguments(parser)` and
`main(args) -> int` (its module docstring is the verb's --help text), and
`WRITES`, the paths below --course it writes: each that exists is checked
before the verb runs, so a course it cannot write is named before anything
is done. A verb's
subpackage keeps heavy imports (nbgrader, the student package) inside its
functions, so building the parser stays fast.
"""

import argparse
import importlib
import sys

from .paths import unwritable

#: verb -> (subpackage, one-line summary). Order is the order of --help.
COMMANDS = {
    "release": ("autograder.release", "build the nbgrader course and the student release"),
    "collect": ("autograder.collect", "take submission zips into the course"),
    "grade": ("autograder.grade", "grade the submissions in a sandbox, scores into the gradebook"),
    "feedback": ("autograder.feedback", "write each student's feedback pages"),
    "export": ("autograder.export", "write grades.csv and Gradescope results"),
    "report": ("autograder.report", "write the class report: scores, struggles, loose ends"),
    "similarity": ("autograder.similarity", "rank pairs of submissions by the code they share"),
    "gradescope-bundle": ("autograder.gradescope", "write the autograder zip Gradescope runs"),
    "demo": ("autograder.demo", "release, fabricate, collect, grade, feedback, export, report"),
    "refs": ("autograder.refs", "regenerate assignment/reference/ from the solutions"),
}


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="convkit's autograder: release, collect, grade, feedback, export.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.verbs = {}
    for name, (module, summary) in COMMANDS.items():
        verb = importlib.import_module(module)
        p = sub.add_parser(
            name,
            help=summary,
            description=(verb.__doc__ or summary).strip(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        verb.add_arguments(p)
        p.set_defaults(_verb=verb)
        parser.verbs[name] = p
    return parser


def main(argv=None):
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # the verb's usage, not the top level's, says what it takes
        where = parser.verbs.get(args.command, parser)
        where.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command is None:
        parser.print_help()
        return 2
    course = getattr(args, "course", None)
    cannot = course and unwritable(course, getattr(args._verb, "WRITES", ()))
    if cannot:
        print(
            f"error: {args.command} writes into the course, and cannot write {cannot}: run it "
            "as a user who may write there (or on a copy of the course); nothing was done",
            file=sys.stderr,
        )
        return 2
    try:
        return int(args._verb.main(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
