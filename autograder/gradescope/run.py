"""Grade the one submission of a Gradescope run: `python3 -m autograder.gradescope.run`.

run_autograder starts this in /autograder/source (CONVKIT_GRADESCOPE_ROOT
replaces /autograder). The steps, each as `grade` takes it for a course:

  1. lock down   as root, the grader's files (/autograder/source: the answer
                 key, the solutions) become readable by root only
  2. intake      the submission (/autograder/submission: the zip that
                 collect_submission.sh made, or its files) is unpacked and
                 checked as `collect` does, into a private scratch course
  3. grade       grade.pipeline.grade_student: the student's files over a copy
                 of the release, the harness in the box (bubblewrap, or the
                 student's code dropped to an unprivileged user: box.py), the
                 verdict in this process from the answer key; nbgrader's
                 record is skipped (no gradebook here)
  4. results     /autograder/results/results.json per Gradescope's
                 specification (export.results_json: one test per graded cell,
                 its cases and hints), the inline questions as 0 of their
                 points "to grade by hand", intake findings in the output

CONVKIT_GRADESCOPE_SANDBOX=fallback forces the plain-user box (to try it where
bubblewrap works); "auto" (the default) takes bubblewrap when a trial run works.

What the instructor alone should see (the box, every flag, the harness's log)
is printed to stdout, which Gradescope shows to instructors only. A submission
that cannot be graded still gets a results.json (score 0, saying why); the
exit status is non-zero only when the grader itself failed.
"""

import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from .. import paths
from .bundle import COURSE, ROOT_ENV

#: The student's name in the scratch course (Gradescope's is not needed to grade).
STUDENT = "student"
#: What a hand-graded inline question says on Gradescope.
BY_HAND = (
    "An inline question, graded by hand (Gradescope's autograder gives it 0 for now): "
    "your instructor grades your answer in the notebook."
)


def gradescope_root():
    """The /autograder folder (CONVKIT_GRADESCOPE_ROOT when set)."""
    return Path(os.environ.get(ROOT_ENV) or "/autograder")


def lock_down(source, results=None):
    """Step 1, when root: `source` (the key, the solutions, the grader) becomes root's alone,
    and `results` (made if missing) root's to write, before any student code runs."""
    if os.geteuid() != 0:
        return False
    os.chown(source, 0, 0)
    source.chmod(0o700)
    if results is not None:
        results.mkdir(parents=True, exist_ok=True)
        os.chown(results, 0, 0)
        results.chmod(0o755)
    return True


def find_upload(submission):
    """The zip to unpack when the upload is one zip and no assignment file, else None."""
    entries = [p for p in submission.iterdir() if not p.name.startswith(".")]
    zips = [p for p in entries if p.suffix.lower() == ".zip" and p.is_file()]
    loose = [p for p in entries if p.suffix == ".ipynb" or p.name == "cs231n"]
    return zips[0] if len(zips) == 1 and not loose else None


def intake(submission, expected, dest):
    """Step 2: unpack and check the upload into `dest`; (fatal?, [one line per finding])."""
    from ..collect import check, unzip

    upload = find_upload(submission)
    try:
        if upload is not None:
            extraction = unzip.extract(upload, dest, expected.wants, keep_top={expected.package})
            where = upload.name
        else:
            extraction = unzip.extract_folder(
                submission, dest, expected.wants, keep_top={expected.package}
            )
            where = "your upload"
    except unzip.UnsafeZip as error:
        lines = [f"{member or where}: {message}" for member, message in error.findings]
        return True, lines
    findings = check.check_submission(dest, extraction, expected)
    lines = [f"{f.member or where}: {f.message}" for f in findings]
    return any(f.fatal for f in findings), lines


def manual_tests(config, start):
    """The inline questions as Gradescope tests, 0 of their points (graded by hand)."""
    return [
        {
            "number": str(start + n),
            "name": f"{notebook}: {grade_id} (graded by hand)",
            "score": 0.0,
            "max_score": float(points),
            "status": "failed",
            "output": BY_HAND,
            "tags": ["inline question"],
            "visibility": config["visibility"],
        }
        for n, (notebook, grade_id, points) in enumerate(config["manual_cells"])
    ]


def results_of(result, config, findings):
    """results.json (a dict) of a Result: export's tests, the inline questions, the findings."""
    from ..export import results_json

    results = results_json(result, {})
    for test in results["tests"]:
        test["visibility"] = config["visibility"]
        test["status"] = "passed" if test["score"] >= test["max_score"] else "failed"
    results["tests"] += manual_tests(config, len(results["tests"]) + 1)
    results["score"] = round(sum(t["score"] for t in results["tests"]), 6)
    hand = sum(t["max_score"] for t in results["tests"] if "graded by hand" in t["name"])
    output = [f"Autograded: {result.points:g} / {result.max_points:g}."]
    if hand:
        output.append(f"Inline questions ({hand:g} points) are graded by hand, later.")
    if findings:
        output.append("About your upload:\n" + "\n".join(f"- {line}" for line in findings))
    results["output"] = "\n".join(output)
    results["visibility"] = config["visibility"]
    results["extra_data"] = {"sandbox": result.sandbox, "flags": result.flags}
    return results


def refused(config, findings, seconds):
    """results.json of an upload that cannot be graded: 0, and why."""
    return {
        "score": 0.0,
        "execution_time": seconds,
        "output": "Your upload could not be graded:\n"
        + "\n".join(f"- {line}" for line in findings)
        + "\nUpload the zip that collect_submission.sh makes (or the files in it).",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }


def write_results(results_dir, results):
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "results.json"
    tmp = path.with_name(".results.json.tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def grade_upload(root, log=print):
    """Steps 1-4 for the submission under `root`; return the results.json written."""
    from ..collect.check import expected_files
    from ..grade import pipeline, verdict
    from ..grade.run import harness_limits
    from .box import gradescope_sandbox

    started = time.monotonic()
    source = paths.REPO
    config = json.loads((source / "gradescope.json").read_text(encoding="utf-8"))
    if lock_down(source, root / "results"):
        log(f"locked {source} (the answer key, the solutions) and {root / 'results'} to root")
    expected = expected_files(source / COURSE, config["assignment"])
    key = verdict.answer_key()  # from the bundle's cache (first: it imports the solutions)
    with tempfile.TemporaryDirectory(prefix="convkit-gradescope-") as scratch:
        scratch = Path(scratch)
        course = scratch / "course"
        dest = pipeline.submitted_dir(course, STUDENT, config["assignment"])
        dest.parent.mkdir(parents=True)
        fatal, findings = intake(root / "submission", expected, dest)
        for line in findings:
            log(f"upload: {line}")
        if fatal:
            results = refused(config, findings, round(time.monotonic() - started, 1))
            return write_results(root / "results", results)
        sandbox = gradescope_sandbox(os.environ.get("CONVKIT_GRADESCOPE_SANDBOX") or "auto")
        why = getattr(sandbox, "why", "")
        log(f"box: {sandbox.kind}" + (f" (no bubblewrap: {why})" if why else ""))
        box = scratch / "box"
        pipeline.prepare_box(box)
        scratch.chmod(0o711)  # the box's user passes through to the harness's folder
        settings = pipeline.Settings(
            course=course,
            assignment=config["assignment"],
            release=expected.release,
            limits=harness_limits(),
            kernel_name="",
            cell_timeout=60,
            box=box,
            run_notebooks=False,
            sandbox=sandbox.kind,
        )
        os.environ.setdefault("CONVKIT_SCRATCH", str(scratch))
        result = pipeline.grade_student(settings, STUDENT, sandbox=sandbox, key=key)
    for flag in result.flags:
        log(f"flag: {flag}")
    for cell in result.cells:
        log(f"{cell.points:g}/{cell.max_points:g} {cell.notebook}: {cell.grade_id}")
    if result.log:
        log("harness log (its tail):\n" + result.log)
    results = results_of(result, config, findings)
    results["execution_time"] = round(time.monotonic() - started, 1)
    return write_results(root / "results", results)


def main():
    root = gradescope_root()
    try:
        path = grade_upload(root)
    except Exception:  # the grader failed: say so to the student, the trace to the instructor
        traceback.print_exc()
        write_results(
            root / "results",
            {
                "score": 0.0,
                "output": "The autograder failed on this submission (not your code's fault, "
                "as far as it can tell): your instructor has been shown why.",
                "visibility": "visible",
                "stdout_visibility": "hidden",
                "tests": [],
            },
        )
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
