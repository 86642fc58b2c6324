"""Regenerate assignment/reference/ (the outputs check cells compare with) from the solutions.

  1. Import the instructor's cs231n package (assignment/cs231n, solutions
     inside ### BEGIN/END SOLUTION), never an installed or stripped copy.
  2. For every case of autograder/refs/cases.py, build its inputs from its
     fixed seed and run the solution on them, as the check cell runs the
     student's code.
  3. Write <out>/<case>.npz: the inputs, the expected outputs and a JSON
     "meta" entry (no pickle: np.load(..., allow_pickle=False) reads it),
     byte for byte the same on every run; write <out>/README.md; delete any
     other .npz file found there.

With --check, nothing in the reference folder changes: the files are
regenerated into a temporary folder and compared with the committed ones
(meta identical; arrays of the same shape and dtype; floats within
1e-12 + 1e-10 * |value|). The command exits 1 naming every file that is
missing, unexpected or different, and the largest difference. CI runs it.

The files are generated: never edit them by hand.
"""

import sys
import tempfile
from pathlib import Path

README = """\
# Reference outputs (generated: do not edit)

Generated from the solutions by `python -m autograder refs`; CI checks them with
`python -m autograder refs --check`. Each `<name>.npz` holds the seeded inputs of one
check cell and the outputs the solution gives for them. The notebooks' check cells
read them through `cs231n.checks`:

    x, w, b, conv_param = reference_inputs("conv_forward_naive")
    check("conv_forward_naive", out)

Layout (read with `np.load(path, allow_pickle=False)`): "meta" is a JSON string
describing the check; "in/<name>" and "out/<name>" are arrays.
"""


class RefsMismatch(Exception):
    """The committed reference files differ from the regenerated ones."""


def add_arguments(parser):
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="the reference folder to write or check (default: assignment/reference)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temporary folder and compare with --out; change nothing",
    )


def import_solutions():
    """Import the instructor's cs231n (from assignment/) and return it.

    Raises RuntimeError when a `cs231n` from anywhere else is already imported
    or comes first on sys.path: references must come from the solutions.
    """
    from autograder.paths import ASSIGNMENT_DIR, PACKAGE_DIR

    if str(ASSIGNMENT_DIR) not in sys.path:
        sys.path.insert(0, str(ASSIGNMENT_DIR))
    import cs231n

    found = Path(cs231n.__file__).resolve().parent
    if found != PACKAGE_DIR.resolve():
        raise RuntimeError(
            f"imported cs231n from {found}, not from the instructor's source {PACKAGE_DIR}: "
            f"run from a clean environment"
        )
    return cs231n


def write_references(out):
    """Run the solutions on every case; write out/<case>.npz and out/README.md.

    The folder is created if needed, and any other .npz file in it is deleted
    (a case that was renamed or removed). Returns the list of paths written.
    """
    import copy

    import_solutions()  # first: the store reads the file format from cs231n.checks
    from autograder.refs.cases import CASES, make_inputs
    from autograder.refs.store import encode, write_npz

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, case in CASES.items():
        inputs = make_inputs(case)
        outputs = case.run(copy.deepcopy(inputs))  # a run may modify its inputs (bn_param)
        path = out / f"{name}.npz"
        write_npz(path, encode(case, inputs, outputs))
        written.append(path)
    for stale in sorted(set(out.glob("*.npz")) - set(written)):
        stale.unlink()
    readme = out / "README.md"
    readme.write_text(README)
    return [*written, readme]


def check_references(reference_dir):
    """Regenerate into a temporary folder and compare with reference_dir.

    Returns a list of problems, one line each (empty when everything agrees).
    """
    import_solutions()
    from autograder.refs.store import compare_npz

    reference_dir = Path(reference_dir)
    problems = []
    with tempfile.TemporaryDirectory(prefix="convkit-refs-") as tmp:
        fresh = Path(tmp)
        write_references(fresh)
        expected = {p.name for p in fresh.iterdir()}
        committed = {p.name for p in reference_dir.iterdir()} if reference_dir.is_dir() else set()
        for name in sorted(expected - committed):
            problems.append(f"{reference_dir / name}: missing")
        for name in sorted(committed - expected):
            problems.append(f"{reference_dir / name}: not produced by any case (delete it)")
        for name in sorted(expected & committed):
            new, old = fresh / name, reference_dir / name
            if new.read_bytes() == old.read_bytes():
                continue
            if name.endswith(".npz"):
                problems += [f"{old}: {p}" for p in compare_npz(new, old)]
            else:
                problems.append(f"{old}: differs")
    return problems


def refs(out=None, check=False):
    """Regenerate (or with check=True, verify) the reference files.

    Returns the list of paths written (an empty list with check=True).
    Raises RefsMismatch, listing every difference, when a check fails.
    """
    from autograder.paths import REFERENCE_DIR

    out = Path(out) if out is not None else REFERENCE_DIR
    if not check:
        return write_references(out)
    problems = check_references(out)
    if problems:
        raise RefsMismatch(
            f"{len(problems)} difference(s) between the committed references and the "
            f"solutions' (regenerate with `python -m autograder refs`):\n  " + "\n  ".join(problems)
        )
    return []


def main(args):
    try:
        written = refs(out=args.out, check=args.check)
    except (RefsMismatch, RuntimeError) as error:
        print(error, file=sys.stderr)
        return 1
    if args.check:
        print("references: up to date")
    else:
        print(f"references: wrote {len(written)} files to {written[0].parent}")
    return 0
