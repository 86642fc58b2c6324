#!/usr/bin/env bash
# GENERATED for this assignment from autograder/release/extras.py (convkit).
# Students: run `bash collect_submission.sh YOUR_ID` here; hand in YOUR_ID.zip.
#
# Zips your notebooks and your cs231n/ code for hand-in:
#     bash collect_submission.sh jdoe      ->  jdoe.zip
# The id may hold letters, digits, '.', '_' and '-' (no leading '.' or '-').
set -euo pipefail
cd "$(dirname "$0")"

notebooks=(ConvolutionalNetworks.ipynb PoolingAndTransposedConv.ipynb SpatialNormalization.ipynb release_fixture.ipynb)
package=cs231n

if [ "$#" -ne 1 ]; then
    echo "usage: bash collect_submission.sh YOUR_STUDENT_ID" >&2
    exit 2
fi
id=$1
if ! [[ "$id" =~ ^[A-Za-z0-9_][A-Za-z0-9._-]*$ ]]; then
    echo "error: '$id' is not a valid student id: use letters, digits, '.', '_' and '-'" >&2
    exit 2
fi

for nb in "${notebooks[@]}"; do
    if [ ! -f "$nb" ]; then
        echo "error: $nb is missing: run this script in the assignment folder," \
            "and keep the notebooks' names" >&2
        exit 1
    fi
done
if [ ! -d "$package" ]; then
    echo "error: the $package/ folder is missing" >&2
    exit 1
fi

# Your code: every .py file of the package, never caches.
files=("${notebooks[@]}")
while IFS= read -r f; do
    files+=("$f")
done < <(find "$package" -name '*.py' -not -path '*/__pycache__/*' -type f | LC_ALL=C sort)

out="$id.zip"
rm -f "$out"
python=$(command -v python3 || command -v python || true)
if command -v zip >/dev/null 2>&1; then
    zip -q -X "$out" -- "${files[@]}"
else
    if [ -z "$python" ]; then
        echo "error: neither zip nor python is available to make $out" >&2
        exit 1
    fi
    "$python" - "$out" "${files[@]}" <<'PY'
import sys, zipfile
out, names = sys.argv[1], sys.argv[2:]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name in names:
        z.write(name, name)
PY
fi

echo "Wrote $out with ${#files[@]} files:"
printf '    %s\n' "${files[@]}"

# Warnings, never errors: notebooks never run, failed checks, empty answers.
echo
if [ -n "$python" ] && [ -f check_submission.py ]; then
    if ! "$python" check_submission.py "${notebooks[@]}"; then
        echo "These are warnings: $out is written anyway. Fix what you can, save the" \
            "notebooks and run this script again."
    fi
else
    echo "warning: your notebooks were not checked (check_submission.py or python is missing)"
fi
echo "Hand in $out."
