"""Tests of `python -m autograder refs`: the reference outputs the check cells compare with."""

import json
import shutil
import zipfile

import numpy as np
import pytest

from autograder import api, cli
from autograder.paths import REFERENCE_DIR
from autograder.refs import README, RefsMismatch, check_references, write_references
from autograder.refs.cases import CASES, make_inputs
from autograder.refs.store import ATOL, RTOL, read_npz, write_npz
from cs231n.checks import check, load_reference

REFERENCE_FILES = sorted(REFERENCE_DIR.glob("*.npz"))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """The references written afresh from the solutions."""
    out = tmp_path_factory.mktemp("refs")
    write_references(out)
    return out


@pytest.fixture
def committed_copy(tmp_path):
    """A copy of the committed reference folder, safe to damage."""
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    return copy


def test_the_committed_references_are_up_to_date(capsys):
    """Does `refs --check` pass on the committed files (what CI runs)?"""
    assert cli.main(["refs", "--check"]) == 0
    assert capsys.readouterr().out == "references: up to date\n"


def test_regeneration_is_byte_for_byte_reproducible(regenerated, tmp_path):
    """Do two runs write identical bytes (no timestamps in the archives)?"""
    write_references(tmp_path)
    for path in regenerated.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_every_case_has_a_committed_file_and_nothing_else():
    assert {p.stem for p in REFERENCE_FILES} == set(CASES)
    assert (REFERENCE_DIR / "README.md").read_text() == README


def test_a_perturbed_value_is_caught_with_the_file_and_the_difference(committed_copy):
    """Is one entry changed by 1e-6 caught, naming the file, the array and the difference?"""
    path = committed_copy / "conv_forward_naive.npz"
    arrays = read_npz(path)
    arrays["out/out"] = arrays["out/out"].copy()
    arrays["out/out"][0, 1, 2, 3] += 1e-6
    write_npz(path, arrays)
    problems = check_references(committed_copy)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: out/out: max |difference| 1e-06")


def test_a_difference_within_tolerance_passes(committed_copy):
    """Are last-bit differences (another BLAS, another CPU) tolerated?"""
    path = committed_copy / "conv_backward_naive.npz"
    arrays = read_npz(path)
    arrays["out/dw"] = arrays["out/dw"] * (1 + RTOL / 10) + ATOL / 10
    write_npz(path, arrays)
    assert check_references(committed_copy) == []


def test_missing_extra_and_changed_files_are_all_reported(committed_copy):
    (committed_copy / "max_pool_forward_naive.npz").unlink()
    shutil.copy(committed_copy / "conv_forward_naive.npz", committed_copy / "old_case.npz")
    (committed_copy / "README.md").write_text("edited by hand\n")
    problems = check_references(committed_copy)
    assert f"{committed_copy / 'max_pool_forward_naive.npz'}: missing" in problems
    assert any("old_case.npz: not produced by any case" in p for p in problems)
    assert f"{committed_copy / 'README.md'}: differs" in problems


def test_the_api_raises_and_the_cli_exits_1_on_a_mismatch(committed_copy, capsys):
    (committed_copy / "max_pool_forward_naive.npz").unlink()
    with pytest.raises(RefsMismatch, match=r"max_pool_forward_naive\.npz: missing"):
        api.refs(out=committed_copy, check=True)
    assert cli.main(["refs", "--check", "--out", str(committed_copy)]) == 1
    assert "regenerate with `python -m autograder refs`" in capsys.readouterr().err


def test_writing_removes_stale_files(committed_copy):
    stale = committed_copy / "renamed_case.npz"
    shutil.copy(committed_copy / "conv_forward_naive.npz", stale)
    api.refs(out=committed_copy)
    assert not stale.exists()
    assert check_references(committed_copy) == []


@pytest.mark.parametrize("path", REFERENCE_FILES, ids=lambda p: p.stem)
def test_files_load_without_pickle_and_stay_small(path):
    """Does every file load with allow_pickle=False, hold no object array, and stay small?"""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    assert all(a.dtype != object for a in arrays.values())
    meta = json.loads(str(arrays["meta"]))
    assert meta["name"] == path.stem
    assert "do not edit" in meta["generated_by"]
    assert path.stat().st_size < 16_000
    with zipfile.ZipFile(path) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_inputs_round_trip_through_the_file(name):
    """Are the inputs a check cell gets back equal to the case's inputs, dicts included?"""
    case = CASES[name]
    ref = load_reference(name)
    inputs = make_inputs(case)
    assert list(ref.inputs) == list(inputs)
    for key, value in inputs.items():
        got = ref.inputs[key]
        if isinstance(value, np.ndarray):
            assert got.dtype == value.dtype
            np.testing.assert_array_equal(got, value)
        elif isinstance(value, dict):  # a config: numbers and arrays (a rule's state) mixed
            assert list(got) == list(value)
            for k, v in value.items():
                if isinstance(v, np.ndarray):
                    assert got[k].dtype == v.dtype
                    np.testing.assert_array_equal(got[k], v)
                else:
                    assert got[k] == v
        else:
            assert got == value
    for key, value in inputs.items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert value.dtype == np.float64, f"{name}: {key} must be float64"


FAST_TWINS = {
    "conv_forward_naive": "conv",
    "conv_backward_naive": "conv",
    "conv_forward_same": "conv",
    "conv_backward_same": "conv",
    "max_pool_forward_naive": "max_pool",
    "max_pool_backward_naive": "max_pool",
    "avg_pool_forward_naive": "avg_pool",
    "avg_pool_backward_naive": "avg_pool",
    "conv_transpose_forward_naive": "conv_transpose",
    "conv_transpose_backward_naive": "conv_transpose",
    "max_pool_padded": "max_pool",
    "avg_pool_padded": "avg_pool",
}
#: Checks of a forward pass and its backward pass together: (out, dx).
FORWARD_AND_BACKWARD = {"max_pool_padded", "avg_pool_padded"}


@pytest.mark.parametrize("name", sorted(FAST_TWINS))
def test_an_independent_implementation_passes_the_check(name, capsys):
    """Do the fast layers (other code, other summation order) pass each layer's check?

    This is what makes the thresholds safe: a correct student layer computes the
    same sums in its own order, like the fast layers do.
    """
    from cs231n import fast_layers

    layer = FAST_TWINS[name]
    forward = getattr(fast_layers, f"{layer}_forward_fast")
    backward = getattr(fast_layers, f"{layer}_backward_fast")
    inputs = list(load_reference(name).inputs.values())
    if name in FORWARD_AND_BACKWARD:
        *args, dout = inputs
        out, cache = forward(*args)
        check(name, out, backward(dout, cache))
    elif "backward" in name:
        *args, dout = inputs
        grads = backward(dout, forward(*args)[1])
        check(name, *(grads if isinstance(grads, tuple) else (grads,)))
    else:
        check(name, forward(*inputs)[0])
    assert ": PASSED (" in capsys.readouterr().out
