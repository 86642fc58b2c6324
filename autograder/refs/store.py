"""Reading, writing and comparing reference files (the layout `cs231n.checks` reads).

A reference file is an .npz archive: a "meta" entry holding a JSON string, and
one .npy entry per array ("in/x", "out/dx", "out/grads/W1", ...); see the
docstring of `cs231n/checks.py`. Nothing in it needs pickle.

One format, two halves, on purpose: `encode` here writes it, and
`cs231n.checks.load_reference` reads it (with FORMAT_VERSION, imported from
there). The reader ships in the student package, which must work alone; the
writer stays with the course staff, who alone make reference files (in
checks.py it would lengthen the file students read and change every release).
The grader's own files (the box's inputs and outputs, the cached answer key)
are another format, nested trees of arrays, kept in grade/harness.py.

`write_npz` is deterministic (autograder/zips.py): entries in a fixed order, a
fixed timestamp and fixed compression, so the same arrays give the same bytes
and regenerating unchanged references leaves git with nothing to commit.
(np.savez stamps each entry with the current time.)
"""

import io
import json

import numpy as np

from cs231n.checks import FORMAT_VERSION

from ..zips import EARLIEST_DATE, write_reproducible

#: Tolerance of `compare_npz`: |new - old| <= ATOL + RTOL * |old|, entry by entry.
RTOL = 1e-10
ATOL = 1e-12


def _json_value(name, value):
    """Check that a non-array input survives a JSON round trip unchanged."""
    text = json.dumps(value)
    if json.loads(text) != value:
        raise TypeError(f"input {name!r} = {value!r} does not survive a JSON round trip")
    return value


def _entries(prefix, values, allow_json):
    """Describe values for the meta, and collect their arrays under `prefix/`."""
    entries, arrays = [], {}
    for name, value in values.items():
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(v, np.ndarray) for v in value.values())
        ):
            entries.append({"name": name, "kind": "arrays", "keys": list(value)})
            for key, array in value.items():
                arrays[f"{prefix}/{name}/{key}"] = array
        elif (
            allow_json
            and isinstance(value, dict)
            and any(isinstance(v, np.ndarray) for v in value.values())
        ):
            # A dict of arrays and plain values (an update rule's config): the
            # arrays go under prefix/name/key, the rest into the meta.
            plain = {k: _json_value(f"{name}[{k!r}]", v) for k, v in value.items()
                     if not isinstance(v, np.ndarray)}  # fmt: skip
            entries.append({"name": name, "kind": "dict", "keys": list(value), "value": plain})
            for key, array in value.items():
                if isinstance(array, np.ndarray):
                    arrays[f"{prefix}/{name}/{key}"] = array
        elif isinstance(value, np.ndarray) or not allow_json:
            entries.append({"name": name, "kind": "array"})
            arrays[f"{prefix}/{name}"] = np.asarray(value)
        else:
            entries.append({"name": name, "kind": "json", "value": _json_value(name, value)})
    return entries, arrays


def encode(case, inputs, outputs):
    """Return the arrays of one reference file, "meta" first.

    Inputs:
    - case: the Case (autograder.refs.cases)
    - inputs: dict of the inputs, in call order
    - outputs: dict of the outputs the solution gave, in check order
    """
    in_entries, in_arrays = _entries("in", inputs, allow_json=True)
    out_entries, out_arrays = _entries("out", outputs, allow_json=False)
    for entry in out_entries:
        if entry["name"] in case.layouts:
            entry["layout"] = case.layouts[entry["name"]]
    meta = {
        "format": FORMAT_VERSION,
        "name": case.name,
        "function": case.function,
        "file": case.file,
        "threshold": case.threshold,
        "inputs": in_entries,
        "outputs": out_entries,
        "hints": case.hints,
        "generated_by": "python -m autograder refs (from the solutions); do not edit",
    }
    arrays = {"meta": np.array(json.dumps(meta))}
    arrays.update(in_arrays)
    arrays.update(out_arrays)
    for key, array in arrays.items():
        if array.dtype == object:
            raise TypeError(f"{case.name}: {key} has dtype object and would need pickle")
    return arrays


def write_npz(path, arrays):
    """Write arrays to an .npz file, byte for byte the same for the same arrays."""
    # Mode 644 without the regular-file bit, as the committed files carry it:
    # with the bit, every reference file, and so the release, would change.
    members = ((f"{key}.npy", _npy_bytes(array), 0o644) for key, array in arrays.items())
    write_reproducible(path, members, date_time=EARLIEST_DATE)


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array(array, order="C"), allow_pickle=False)
    return buffer.getvalue()


def read_npz(path):
    """Every array of an .npz file, as a dict (pickle refused)."""
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def compare_npz(new_path, old_path, rtol=RTOL, atol=ATOL):
    """Compare two reference files; return a list of differences (empty when they agree).

    The meta must be identical and every array must have the same key, shape
    and dtype; floating values may differ by atol + rtol * |old| (the last bits
    of a sum depend on the BLAS and the CPU), other values not at all.
    """
    new, old = read_npz(new_path), read_npz(old_path)
    problems = []
    if set(new) != set(old):
        problems.append(
            f"entries differ: missing {sorted(set(new) - set(old))}, "
            f"unexpected {sorted(set(old) - set(new))}"
        )
    for key in [k for k in new if k in old]:
        a, b = new[key], old[key]
        if key == "meta":
            if str(a) != str(b):
                problems.append("meta: differs (a case's description, layout or hints changed)")
        elif a.shape != b.shape or a.dtype != b.dtype:
            problems.append(f"{key}: {b.dtype}{b.shape} committed, {a.dtype}{a.shape} regenerated")
        elif a.dtype.kind not in "fc":
            if not np.array_equal(a, b):
                problems.append(f"{key}: differs")
        else:
            diff = np.abs(a - b)
            if not np.all(diff <= atol + rtol * np.abs(b)):
                problems.append(
                    f"{key}: max |difference| {diff.max():.3g} "
                    f"(tolerance {atol:g} + {rtol:g} * |value|)"
                )
    return problems
