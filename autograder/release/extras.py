"""Step 2: add what students need beside the notebooks and the package.

Into the assignment folder (`source/<assignment>/` of the course, which nbgrader
copies into the release as is):

    reference/              the saved reference outputs the check cells compare with,
                            with a README.md for students (the repository's is the
                            instructors')
    datasets/get_datasets.sh
    requirements.txt        the student's (assignment/requirements.txt), not the kit's
    check_submission.py     reports notebooks never run, failed checks, empty answers
                            (the text of selfcheck.py)
    collect_submission.sh   runs that check, then zips the notebooks and code for hand-in
    README.md               from the unzipped folder to a submission (readme.py), last,
                            so it names what the folder holds

The layout mirrors `assignment/` (the package and `reference/` side by side),
so code that finds the reference outputs from the package's location works in
the repository and in the release alike. Text files get the generated-file
header and a line telling the student what to do with them; the reference
outputs are copied byte for byte.
"""

import shutil
from pathlib import Path

from . import readme, selfcheck
from .headers import comment_header, header_lines, with_header

#: Where the collect_submission.sh text comes from, as its header says.
SCRIPT_ORIGIN = "autograder/release/extras.py"
#: Where check_submission.py comes from.
SELFCHECK_ORIGIN = "autograder/release/selfcheck.py"
#: Where the student README comes from.
README_ORIGIN = "autograder/release/readme.py"

#: What each text file's header tells the student, by its path in the release.
STUDENT_LINES = {
    "requirements.txt": "Students: install with `python3 -m pip install -r requirements.txt`.",
    "datasets/get_datasets.sh": "Students: `bash datasets/get_datasets.sh` downloads CIFAR-10 "
    "(optional: the notebooks have a synthetic stand-in).",
    "check_submission.py": "Students: run `python3 check_submission.py` before you hand in "
    "(see README.md).",
    "collect_submission.sh": "Students: run `bash collect_submission.sh YOUR_ID` here; "
    "hand in YOUR_ID.zip.",
}

_SKIP = {"__pycache__", ".ipynb_checkpoints"}


def add_extras(source, dest, notebooks, functions=()):
    """Write the extras into `dest`, the README last.

    `notebooks` are the notebook names the scripts check and collect (files of
    `dest`); `functions` the student's functions, "cs231n/layers.py:
    conv_forward_naive", for the README.
    """
    dest = Path(dest)
    copy_reference(source.reference, dest / "reference")
    (dest / "reference" / "README.md").write_text(REFERENCE_README, encoding="utf-8")
    for src, rel in (
        (source.datasets_script, "datasets/get_datasets.sh"),
        (source.requirements, "requirements.txt"),
    ):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        write_with_header(src, dest / rel, source.origin(src), STUDENT_LINES[rel])
    (dest / "check_submission.py").write_text(check_submission_script(), encoding="utf-8")
    (dest / "collect_submission.sh").write_text(collect_submission_script(notebooks))
    text = readme.student_readme(dest, [dest / name for name in notebooks], functions)
    header = " ".join(header_lines(README_ORIGIN))
    (dest / "README.md").write_text(f"{text}\n<small><i>{header}</i></small>\n", encoding="utf-8")


def copy_reference(src, dest):
    """Copy the reference outputs (every file of `src` but dot-files, caches and README.md).

    The repository's README.md of the reference outputs is written for
    instructors; the release gets REFERENCE_README in its place.
    """
    src = Path(src)
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if any(part in _SKIP or part.startswith(".") for part in rel.parts):
            continue
        if rel.as_posix() == "README.md":
            continue
        if path.is_file():
            target = Path(dest) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def write_with_header(src, dest, origin, student_line=None):
    """Copy a text file that takes `#` comments, with the header (below a `#!` line)."""
    text = Path(src).read_text(encoding="utf-8")
    header = comment_header(origin, student_line)
    Path(dest).write_text(with_header(text, header), encoding="utf-8")


def check_submission_script():
    """The text of check_submission.py: selfcheck.py's, with the header."""
    text = Path(selfcheck.__file__).read_text(encoding="utf-8")
    header = comment_header(SELFCHECK_ORIGIN, STUDENT_LINES["check_submission.py"])
    return with_header(text, header)


def collect_submission_script(notebooks, package="cs231n"):
    """The text of collect_submission.sh, which collects `notebooks` and the package's .py files.

    The student runs it from the release folder with their student id:
    `bash collect_submission.sh jdoe` writes `jdoe.zip` holding the notebooks
    and `cs231n/**/*.py` (no datasets, no caches), paths relative to the
    release folder. It uses `zip` when there is one and Python's zipfile
    otherwise. Then it runs check_submission.py on the notebooks and prints
    its warnings (a notebook never run, a failed check, an empty answer, a
    function not written), which never stop the zip.
    """
    names = " ".join(_shell_word(n) for n in sorted(notebooks))
    header = comment_header(SCRIPT_ORIGIN, STUDENT_LINES["collect_submission.sh"])
    return _SCRIPT.format(header=header, notebooks=names, package=_shell_word(package))


def _shell_word(word):
    if not word or any(not (c.isalnum() or c in "._-/") for c in word):
        raise ValueError(f"{word!r} is not a plain file name")
    return word


_SCRIPT = """\
#!/usr/bin/env bash
{header}#
# Zips your notebooks and your {package}/ code for hand-in:
#     bash collect_submission.sh jdoe      ->  jdoe.zip
# The id may hold letters, digits, '.', '_' and '-' (no leading '.' or '-').
set -euo pipefail
cd "$(dirname "$0")"

notebooks=({notebooks})
package={package}

if [ "$#" -ne 1 ]; then
    echo "usage: bash collect_submission.sh YOUR_STUDENT_ID" >&2
    exit 2
fi
id=$1
if ! [[ "$id" =~ ^[A-Za-z0-9_][A-Za-z0-9._-]*$ ]]; then
    echo "error: '$id' is not a valid student id: use letters, digits, '.', '_' and '-'" >&2
    exit 2
fi

for nb in "${{notebooks[@]}}"; do
    if [ ! -f "$nb" ]; then
        echo "error: $nb is missing: run this script in the assignment folder," \\
            "and keep the notebooks' names" >&2
        exit 1
    fi
done
if [ ! -d "$package" ]; then
    echo "error: the $package/ folder is missing" >&2
    exit 1
fi

# Your code: every .py file of the package, never caches.
files=("${{notebooks[@]}}")
while IFS= read -r f; do
    files+=("$f")
done < <(find "$package" -name '*.py' -not -path '*/__pycache__/*' -type f | LC_ALL=C sort)

out="$id.zip"
rm -f "$out"
python=$(command -v python3 || command -v python || true)
if command -v zip >/dev/null 2>&1; then
    zip -q -X "$out" -- "${{files[@]}}"
else
    if [ -z "$python" ]; then
        echo "error: neither zip nor python is available to make $out" >&2
        exit 1
    fi
    "$python" - "$out" "${{files[@]}}" <<'PY'
import sys, zipfile
out, names = sys.argv[1], sys.argv[2:]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name in names:
        z.write(name, name)
PY
fi

echo "Wrote $out with ${{#files[@]}} files:"
printf '    %s\\n' "${{files[@]}}"

# Warnings, never errors: notebooks never run, failed checks, empty answers.
echo
if [ -n "$python" ] && [ -f check_submission.py ]; then
    if ! "$python" check_submission.py "${{notebooks[@]}}"; then
        echo "These are warnings: $out is written anyway. Fix what you can, save the" \\
            "notebooks and run this script again."
    fi
else
    echo "warning: your notebooks were not checked (check_submission.py or python is missing)"
fi
echo "Hand in $out."
"""


#: reference/README.md in the release.
REFERENCE_README = """\
# Reference outputs

The inputs and outputs the check cells compare your results with: each `<name>.npz` holds the
seeded inputs of one check and the outputs the solution gives for them. Do not edit them: a
check against an edited file proves nothing, and your grade never depends on them. The check
cells read them through `cs231n.checks`:

    x, w, b, conv_param = reference_inputs("conv_forward_naive")
    check("conv_forward_naive", out)

To look inside one, `np.load("reference/conv_forward_naive.npz", allow_pickle=False)`: "meta" is
a JSON string describing the check; "in/<name>" and "out/<name>" are arrays.
"""
