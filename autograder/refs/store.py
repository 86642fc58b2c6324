"""Reading, writing and comparing reference files (the layout `cs231n.checks` reads).

A reference file is an .npz archive: a "meta" entry holding a JSON string, and
one .npy entry per array ("in/x", "out/dx", "out/grads/W1", ...); see the
docstring of `cs231n/checks.py`. Nothing in it needs pickle.

`write_npz` is deterministic: entries in a fixed order, a fixed timestamp and
fixed compression, so the same arrays give the same bytes and regenerating
unchanged references leaves git with nothing to commit. (np.savez stamps each
entry with the current time.)
"""

import json
import zipfile

import numpy as np

from cs231n.checks import FORMAT_VERSION

#: Tolerance of `compare_npz`: |new - old| <= ATOL + RTOL * |old|, entry by entry.
RTOL = 1e-10
ATOL = 1e-12

_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry


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
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, array in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w") as f:
                np.lib.format.write_array(f, np.array(array, order="C"), allow_pickle=False)


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
