"""Step 2: add what students need beside the notebooks and the package.

Into the assignment folder (`source/<assignment>/` of the course, which nbgrader
copies into the release as is):

    reference/              the saved reference outputs the check cells compare with
    datasets/get_datasets.sh
    requirements.txt
    collect_submission.sh   zips the student's notebooks and code for hand-in

The layout mirrors `assignment/` (the package and `reference/` side by side),
so code that finds the reference outputs from the package's location works in
the repository and in the release alike. Text files get the generated-file
header; the reference outputs are copied byte for byte.
"""

import shutil
from pathlib import Path

from .headers import comment_header, with_header

#: Where the collect_submission.sh text comes from, as its header says.
SCRIPT_ORIGIN = "autograder/release/extras.py"

_SKIP = {"__pycache__", ".ipynb_checkpoints"}


def add_extras(source, dest, notebooks):
    """Write the extras into `dest`; `notebooks` are the notebook names the script collects."""
    dest = Path(dest)
    copy_reference(source.reference, dest / "reference")
    script = dest / "datasets" / "get_datasets.sh"
    script.parent.mkdir(parents=True, exist_ok=True)
    write_with_header(source.datasets_script, script, source.origin(source.datasets_script))
    write_with_header(
        source.requirements, dest / "requirements.txt", source.origin(source.requirements)
    )
    (dest / "collect_submission.sh").write_text(collect_submission_script(notebooks))


def copy_reference(src, dest):
    """Copy the reference outputs (every file of `src` but dot-files and caches), sorted."""
    src = Path(src)
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if any(part in _SKIP or part.startswith(".") for part in rel.parts):
            continue
        if path.is_file():
            target = Path(dest) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def write_with_header(src, dest, origin):
    """Copy a text file that takes `#` comments, with the header (below a `#!` line)."""
    text = Path(src).read_text(encoding="utf-8")
    Path(dest).write_text(with_header(text, comment_header(origin)), encoding="utf-8")


def collect_submission_script(notebooks, package="cs231n"):
    """The text of collect_submission.sh, which collects `notebooks` and the package's .py files.

    The student runs it from the release folder with their student id:
    `bash collect_submission.sh jdoe` writes `jdoe.zip` holding the notebooks
    and `cs231n/**/*.py` (no datasets, no caches), paths relative to the
    release folder. It uses `zip` when there is one and Python's zipfile
    otherwise.
    """
    names = " ".join(_shell_word(n) for n in sorted(notebooks))
    header = comment_header(
        SCRIPT_ORIGIN,
        "Students: run `bash collect_submission.sh YOUR_ID` here; hand in YOUR_ID.zip.",
    )
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
if command -v zip >/dev/null 2>&1; then
    zip -q -X "$out" -- "${{files[@]}}"
else
    python=$(command -v python3 || command -v python || true)
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
echo "Hand in $out."
"""
