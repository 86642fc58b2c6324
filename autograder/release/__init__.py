"""Build the nbgrader course and the student release from the instructor's source.

Reads assignment/cs231n/ (solutions inside ### BEGIN/END SOLUTION), notebooks/,
assignment/reference/, datasets/get_datasets.sh and assignment/requirements.txt
(what students install; the repository's requirements.txt adds the instructor's
tools), and writes the course directory DIR:

  1. Strip every .py file of the package: each solution region becomes one line,
     raise NotImplementedError("<function>: not implemented yet; write it in
     cs231n/<file>.py"), at the region's indentation; the TODO text and the
     provided code stay. A nested, unclosed, stray or malformed marker stops the
     release with its file and line. Every generated file starts with a header
     saying it is generated and from what, and telling the student what to do
     with it (nothing in the release is addressed to instructors).
  2. Add what students need beside the notebooks: reference/ (the saved
     reference outputs), datasets/get_datasets.sh, requirements.txt,
     check_submission.py (`python3 check_submission.py` reports notebooks never
     run, failed checks and empty answers), collect_submission.sh (`bash
     collect_submission.sh ID` zips the notebooks and cs231n/**/*.py into ID.zip
     for hand-in, after that check), and README.md, which takes a student from
     the unzipped folder to a submission.
  3. Lay out the nbgrader course: DIR/nbgrader_config.py (autograde never
     overwrites the student's .py files), DIR/source/convnets/ with the source
     notebooks, the STRIPPED package and the files of step 2, then run
     `nbgrader generate_assignment --force` to make DIR/release/convnets/
     (solution cells stubbed, hidden tests removed, cells locked, checksums in
     DIR/gradebook.db).
  4. Scan the release and refuse to finish, naming the file, if it holds a
     solution line, a marker, a hidden test, bytecode, an instructor-only file,
     a notebook output or a link.
  5. Write DIR/convnets.zip, reproducibly (same input, same bytes).

The release is built in DIR/.release-staging and moved into place only when
every step succeeded, so a failed run leaves DIR as it was. Running it again
gives the same tree; after editing the source it updates the release. nbgrader
refuses to add or remove cells of a notebook once submissions exist: that is
reported, and the existing release stays.

Exit status: 0 released, 1 refused (the message says why), 2 bad arguments.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from .errors import MarkerError, ReleaseError
from .source import Source

__all__ = ["MarkerError", "ReleaseError", "ReleaseResult", "Source", "build_release"]


@dataclass(frozen=True)
class ReleaseResult:
    """What a release made, for the caller to report."""

    course: Path  # the course directory
    release: Path  # DIR/release/<assignment>
    archive: Path  # DIR/<assignment>.zip
    notebooks: tuple  # the released notebooks' names
    functions: tuple  # the student functions, "cs231n/layers.py: conv_forward_naive"
    files: int  # how many files the release holds


def build_release(course, *, source=None, force=False, verbose=False, log=None):
    """Build the course and the student release in `course`; return a ReleaseResult.

    `source` is a Source, or the root of a convkit checkout (default: this
    one). `force` releases into a directory that is not empty and was not
    made by this command. `verbose` shows nbgrader's log on stderr; `log`, if
    given, is called with one line per step. Raises ReleaseError (MarkerError
    for a malformed marker) when the release is refused; the course directory
    is then left as it was.
    """
    from . import archive, extras, scan, strip
    from . import course as course_step

    say = log or (lambda line: None)
    if not isinstance(source, Source):
        source = Source.from_repo(source)
    source.check()
    course = Path(course).resolve()
    assignment_id = paths.ASSIGNMENT_ID
    course_step.prepare_course_dir(course, source, force=force)
    gradebook_before = course_step.gradebook_signature(course)

    with course_step.staging(course) as stage:
        assignment = stage / "source" / assignment_id
        package = assignment / source.package.name

        stripped = strip.strip_package(source.package, package, origin_root=source.root)
        functions = tuple(
            dict.fromkeys(f"{f.student_path}: {r.function}" for f in stripped for r in f.regions)
        )
        say(
            f"1. stripped {len(stripped)} .py files of {source.origin(source.package)}/: "
            f"{sum(len(f.regions) for f in stripped)} solution regions in "
            f"{len(functions)} functions"
        )

        notebooks = course_step.write_notebooks(source, assignment)
        extras.add_extras(source, assignment, notebooks, functions)
        say(
            "2. added reference/, datasets/get_datasets.sh, requirements.txt, "
            "check_submission.py, collect_submission.sh, README.md"
        )

        # Autograde keeps the student's copy of the files they write (those with
        # solution regions) and puts the instructor's copy of every provided file
        # back, so editing fast_layers.py or checks.py to pass a check changes nothing.
        student_files = [f.student_path for f in stripped if f.regions] + ["collect_submission.sh"]
        (stage / "nbgrader_config.py").write_text(
            course_step.nbgrader_config_text(assignment_id, paths.COURSE_ID, student_files),
            encoding="utf-8",
        )
        course_step.generate(stage, assignment_id, verbose=verbose)
        release = stage / "release" / assignment_id
        say(f"3. nbgrader generate_assignment released {len(notebooks)} notebooks")

        secrets = scan.collect_secrets(source, instructor_dirs=[Path(__file__).parent.parent])
        leaks = scan.scan_release(release, secrets)
        if leaks:
            raise ReleaseError(
                f"the release would leak ({len(leaks)} findings, paths relative to "
                f"release/{assignment_id}/); nothing was written to {course}:\n"
                + "\n".join(f"  {leak}" for leak in leaks)
            )
        count = len(archive.entries(release))
        say(f"4. scanned {count} files: no solution, marker, hidden test or instructor file")

        archive.write_zip(release, stage / f"{assignment_id}.zip", top=assignment_id)
        course_step.commit(stage, course, assignment_id, gradebook_before)
    zip_path = course / f"{assignment_id}.zip"
    say(f"5. wrote {zip_path} ({zip_path.stat().st_size // 1024} kB)")
    return ReleaseResult(
        course=course,
        release=course / "release" / assignment_id,
        archive=zip_path,
        notebooks=tuple(notebooks),
        functions=functions,
        files=count,
    )


def add_arguments(parser):
    parser.add_argument(
        "--course",
        required=True,
        type=Path,
        metavar="DIR",
        help="the nbgrader course directory to create or update (e.g. /tmp/c)",
    )
    parser.add_argument(
        "--source",
        type=Path,
        metavar="REPO",
        default=None,
        help=f"the convkit checkout to release from (default: {paths.REPO})",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="release into DIR even if it is not empty and was not made by this command",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show nbgrader's log")


def main(args):
    def say(line):
        print(line, flush=True)

    try:
        result = build_release(
            args.course, source=args.source, force=args.force, verbose=args.verbose, log=say
        )
    except ReleaseError as e:
        print(f"release refused: {e}", file=sys.stderr)
        return 1
    print(f"released {result.release} ({result.files} files); hand out {result.archive}")
    return 0
