"""The attack corpus: hostile submissions, and what the instructor must be told about each.

The submissions themselves are made by the fabricator (autograder/demo/hostile.py:
the demo grades a few of them), each on a base whose honest score is known, with
the markers (files, processes, gradebook values) that must never be seen after
grading. The class graded end to end (tests/classroom.py) holds every one of them,
among honest students. For each attack the tests check: only the points its
honest base earns, no marker seen, and a line for the instructor (a flag, or the
hint of the cells it lost) matching TOLD below; a zip collect must refuse is
refused by name, and nothing of it graded.
"""

import re

#: attack id -> a regular expression that what the instructor reads about it (the
#: submission's flags, its cell flags and the hints of the cells it lost, or for a
#: refused zip collect's message) must match, graded as by default: the notebooks
#: are not executed, so an attack on the kernel is told by the code read
#: (tests/autograder/grade/test_grade.py grades a few again with --execute-notebooks).
TOLD = {
    "hostile-monkeypatch": r"suspicious code.*reassigns numpy\.allclose",
    "hostile-input-transformer": r"suspicious code.*input_transformers",
    "hostile-steal-solution": r"suspicious code.*(sqlite3|gradebook)",
    "hostile-gradebook": r"suspicious code.*(sqlite3|gradebook)",
    "hostile-exit": r"suspicious code.*calls _exit",
    "hostile-loop-cell": r"suspicious code.*imports signal",
    "hostile-loop-function": r"timed out",
    "hostile-loop-unkillable": r"timed out|harness was stopped",
    "hostile-memory-bomb": r"MemoryError|memory limit",
    "hostile-fork-bomb": r"suspicious code.*calls fork",
    "hostile-detached": r"suspicious code.*(subprocess|fork|setsid)",
    "hostile-huge-output": r"printed more than \d+ characters",
    "hostile-edited-tests": r"test cells edited.*\(changed\)",
    "hostile-deleted-tests": r"test cells edited.*\(deleted\)",
    "hostile-edited-provided": r"edited provided file cs231n/fast_layers\.py \(ignored\)",
    "hostile-site": r"sitecustomize\.py",
    "hostile-forge-outputs": r"unexpected files in the output folder|suspicious code.*\.grader-out",
    "hostile-take-over-harness": r"suspicious code.*__main__",
    "hostile-grader-modules": r"suspicious code.*autograder",
    "hostile-hardcoded-public": r"no hidden case is",
    "hostile-detect-grader": r"suspicious code.*'/grader'",
    "hostile-sleep": r"timed out",
    "hostile-fill-disk": r"disk|file size|raised",
    "hostile-giant-output": r"could not be written|cannot be turned into an array",
    "hostile-write-outside": r"suspicious code.*(/tmp|/dev/shm)",
    # Told by reading the code (suspicious.fast_layers), and by the hints of the cells whose
    # cases the harness caught reaching the fast layers.
    "hostile-calls-fast": r"fast layers in the student's code.*names \w+_fast"
    r"|called the provided \w+_fast",
    "hostile-pastes-fast": r"resembles the provided \w+|a copy of the provided \w+",
    "hostile-zip-slip": r"outside|\.\.",
    "hostile-zip-symlink": r"symlink|symbolic link",
    "hostile-zip-bomb": r"bomb|large|MB|GiB",
    "hostile-zip-truncated": r"not a zip|corrupt|truncated|damaged",
    "hostile-zip-crc": r"CRC|corrupt|damaged",
}

#: Every attack, in the order of the report.
ATTACKS = tuple(TOLD)


def told(result):
    """What the instructor reads about a graded submission: flags, cell flags, lost hints."""
    lines = [*result.flags, *(flag for _, flag in result.cell_flags())]
    for cell in result.cells:
        if cell.points < cell.max_points:
            lines += [case.hint for case in cell.cases if case.hint]
    return lines


def told_line(attack, lines):
    """The first line matching the attack's TOLD expression, or None."""
    pattern = re.compile(TOLD[attack])
    return next((line for line in lines if pattern.search(line)), None)
