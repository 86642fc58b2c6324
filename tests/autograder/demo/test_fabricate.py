"""Tests of the fabricated class: autograder/demo/fabricate.py, recipes.py, mistakes.py, hostile.py.

One release is built for the module (nbgrader takes seconds) and the class is
fabricated from it once. Solution, alternative and mistaken submissions are
unzipped and run in a subprocess on probe inputs (the reference cases and a few
more), and their outputs compared with the instructor's package: that is how
each Expect is checked against what the code really does. Hostile submissions
are only read, parsed and compared as text: never imported, never run.
"""

import ast
import json
import os
import posixpath
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import paths
from autograder.demo import hostile, mistakes
from autograder.demo.fabricate import (
    KINDS,
    fabricate_class,
    grade_cells,
    instructor_files,
    leftover_pids,
    make_context,
    read_release,
    side_effects,
)
from autograder.demo.recipes import (
    ALL_FUNCTIONS,
    CELL_FUNCTIONS,
    Expect,
    FabricateError,
    Marker,
    Patch,
    apply_patches,
    cell_text,
    expect_scores,
    partial_files,
    without_markers,
)
from autograder.grade.results import CaseVerdict, CellScore, Result
from autograder.release import Source, build_release
from autograder.release.strip import find_regions

pytestmark = pytest.mark.demo

SOURCE = Source.from_repo()
STUB = re.compile(r'raise NotImplementedError\("([\w.]+): not implemented yet')


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """DIR/release/convnets of a course released from this checkout."""
    course = tmp_path_factory.mktemp("course") / "c"
    return build_release(course).release


@pytest.fixture(scope="module")
def klass(release, tmp_path_factory):
    """The whole class, fabricated once: {student_id: Fabricated}."""
    root = tmp_path_factory.mktemp("class")
    items = fabricate_class(release, root / "zips", canary_dir=root / "canary")
    return {item.student_id: item for item in items}


@pytest.fixture(scope="module")
def context(release, klass):
    """What the recipes were built from (the same canary folder as `klass`)."""
    return make_context(release, canary_dir=canary_of(klass))


def canary_of(klass):
    return next(iter(klass.values())).zip_path.parent.parent / "canary"


@pytest.fixture(scope="module")
def cells(release):
    return grade_cells(release)


def members(item):
    with zipfile.ZipFile(item.zip_path) as z:
        return {name: z.read(name) for name in z.namelist()}


def notebook(files, name):
    return json.loads(files[name])


def by_grade_id(nb):
    return {
        c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"] if "nbgrader" in c["metadata"]
    }


def function_source(text, qualname):
    """The source of a top-level function or a method ("Class.method") of a module's text."""
    tree = ast.parse(text)
    scope, _, name = qualname.rpartition(".")
    nodes = tree.body
    if scope:
        (cls,) = [n for n in nodes if isinstance(n, ast.ClassDef) and n.name == scope]
        nodes = cls.body
    (node,) = [n for n in nodes if isinstance(n, ast.FunctionDef) and n.name == name]
    return ast.get_source_segment(text, node)


def stubs(files):
    """The functions still raising NotImplementedError in every student file."""
    found = set()
    for name, data in files.items():
        if name.endswith(".py"):
            found |= set(STUB.findall(data.decode()))
    return found


# ---------------------------------------------------------------------------
# The class as a whole
# ---------------------------------------------------------------------------


def test_every_kind_is_there_in_order_with_unique_ids(klass):
    """Are all five kinds fabricated, in KINDS order, with 4 to 6 mistakes and one-line texts?"""
    items = list(klass.values())
    kinds = [item.kind for item in items]
    assert kinds == sorted(kinds, key=KINDS.index)
    assert set(kinds) == set(KINDS)
    assert 4 <= kinds.count("mistake") <= 6
    assert len(klass) == len(items)
    for item in items:
        assert item.zip_path.name == f"{item.student_id}.zip"
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", item.student_id)
        assert item.description
        assert "\n" not in item.description


def test_an_accepted_expect_sorts_every_autograded_cell_once(klass, cells):
    """Do full, lose and zero split the release's autograded cells, and stay empty for a refusal?"""
    every = {c.grade_id for c in cells}
    assert len(every) == 30
    for item in klass.values():
        e = item.expect
        if e.collect == "accept":
            assert e.full | e.lose | e.zero == every, item.student_id
            assert len(e.full) + len(e.lose) + len(e.zero) == len(every), item.student_id
        else:
            assert e.collect == "reject"
            assert not (e.full | e.lose | e.zero), item.student_id
            assert e.reason, item.student_id


def test_the_plain_kinds_expect_what_they_are(klass, cells):
    """Must the solution and the alternative score full marks everywhere, the release nothing?"""
    every = {c.grade_id for c in cells}
    assert klass["solution"].expect.full == every
    assert klass["alternative"].expect.full == every
    assert klass["release"].expect.zero == every


def test_member_names_are_those_collect_submission_sh_writes(release, klass, tmp_path):
    """Does every accepted zip hold what the release's own script zips, in its order?"""
    copy = tmp_path / "release"
    shutil.copytree(release, copy)
    subprocess.run(
        ["bash", "collect_submission.sh", "probe"], cwd=copy, check=True, capture_output=True
    )
    with zipfile.ZipFile(copy / "probe.zip") as z:
        expected = z.namelist()
    extras = {
        "hostile-site": [
            "sitecustomize.py",
            "numpy_patch.pth",
            "cs231n/sitecustomize.py",
            "cs231n/numpy_patch.pth",
        ]
    }
    for item in klass.values():
        if item.expect.collect == "reject":
            continue
        with zipfile.ZipFile(item.zip_path) as z:
            assert z.namelist() == expected + extras.get(item.student_id, []), item.student_id
            for info in z.infolist():
                assert stat.S_ISREG(info.external_attr >> 16), info.filename
                assert info.compress_type == zipfile.ZIP_DEFLATED
            assert z.testzip() is None


def test_the_same_inputs_give_the_same_bytes(release, klass, tmp_path):
    """Is fabrication deterministic, zip bomb and corrupt zips included?"""
    again = fabricate_class(release, tmp_path / "again", canary_dir=canary_of(klass))
    assert [i.student_id for i in again] == list(klass)
    for item in again:
        assert item.zip_path.read_bytes() == klass[item.student_id].zip_path.read_bytes()
        assert item.expect == klass[item.student_id].expect


def test_kinds_and_ids_pick_a_subset_and_write_nothing_else(release, tmp_path):
    """Do kinds= and ids= choose the students, with only their zips in out_dir?"""
    out = tmp_path / "zips"
    picked = fabricate_class(release, out, kinds=["mistake"])
    assert {i.kind for i in picked} == {"mistake"}
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{i.student_id}.zip" for i in picked)
    assert (tmp_path / "zips-canary").is_dir()
    two = fabricate_class(release, tmp_path / "two", ids=["solution", "hostile-exit"])
    assert [i.student_id for i in two] == ["solution", "hostile-exit"]
    none = fabricate_class(release, tmp_path / "none", kinds=["solution"], ids=["hostile-exit"])
    assert none == []


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"kinds": ["solution", "cheater"]}, ["unknown kinds", "cheater"]),
        ({"ids": ["nobody"]}, ["unknown student ids", "nobody"]),
    ],
)
def test_an_unknown_kind_or_id_is_named(release, tmp_path, kwargs, words):
    """Is a misspelt kind or student id refused by name?"""
    with pytest.raises(FabricateError) as error:
        fabricate_class(release, tmp_path / "out", **kwargs)
    for word in words:
        assert word in str(error.value)


def test_a_folder_that_is_not_a_release_is_refused_by_name(tmp_path):
    """Does a missing folder, or one without notebooks and cs231n/, give a clear error?"""
    with pytest.raises(FabricateError, match="no such folder"):
        fabricate_class(tmp_path / "nowhere", tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FabricateError, match="not a student release"):
        fabricate_class(tmp_path / "empty", tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------
# Grade cells and what they call
# ---------------------------------------------------------------------------


def test_cell_functions_name_exactly_the_autograded_cells(cells):
    """Does CELL_FUNCTIONS cover the release's autograded cells, with their 73 points?"""
    assert [c.grade_id for c in cells] == list(CELL_FUNCTIONS)
    assert sum(c.points for c in cells) == 73


def test_cell_functions_name_real_student_functions(release):
    """Is every function of CELL_FUNCTIONS a solution region or a notebook solution cell?"""
    regions = {
        r.function
        for name, text in instructor_files(SOURCE).items()
        for r in find_regions(text, name)
    }
    notebook_cells = set()
    for path in release.glob("*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if meta.get("solution") and not meta.get("grade"):
                notebook_cells.add(meta["grade_id"])
    assert ALL_FUNCTIONS <= regions | notebook_cells
    assert "train_one_epoch" in notebook_cells


def test_every_student_function_a_cell_names_is_in_its_entry(release):
    """Does each grade cell's entry hold every student function its source calls by name?"""
    regions = {r.function for n, t in instructor_files(SOURCE).items() for r in find_regions(t, n)}
    plain = {f for f in regions if "." not in f}
    for path in release.glob("*.ipynb"):
        for grade_id, cell in by_grade_id(json.loads(path.read_text())).items():
            if grade_id not in CELL_FUNCTIONS:
                continue
            text = cell_text(cell)
            called = {f for f in plain | {"train_one_epoch"} if re.search(rf"\b{f}\(", text)}
            if "ThreeLayerConvNet(" in text:
                called |= {"ThreeLayerConvNet.__init__", "ThreeLayerConvNet.loss"}
            if "Solver(" in text:
                # train() calls both methods; the Solver's own check cells call one each.
                methods = ("_step", "check_accuracy")
                used = [m for m in methods if ".train(" in text or f".{m}(" in text]
                called |= {f"Solver.{m}" for m in used}
            assert called <= set(CELL_FUNCTIONS[grade_id]), grade_id


def test_a_grade_cell_missing_from_cell_functions_is_named(release, tmp_path):
    """Is a release grade cell the table does not know reported with its id?"""
    copy = tmp_path / "release"
    shutil.copytree(release, copy)
    path = copy / "SpatialNormalization.ipynb"
    path.write_text(path.read_text().replace("correct_spatial_groupnorm_forward", "correct_new"))
    with pytest.raises(FabricateError, match="'correct_new' is not in CELL_FUNCTIONS"):
        grade_cells(copy)


# ---------------------------------------------------------------------------
# The solution and the release
# ---------------------------------------------------------------------------


def test_the_solution_holds_the_instructors_files_and_the_release_others(release, klass):
    """Are the student files the instructor's (markers kept) and the provided files released?"""
    files = members(klass["solution"])
    instructor = instructor_files(SOURCE)
    assert set(instructor) == {
        "cs231n/layers.py",
        "cs231n/optim.py",
        "cs231n/solver.py",
        "cs231n/classifiers/cnn.py",
    }
    for name, data in files.items():
        if name in instructor:
            assert data.decode() == instructor[name]
            assert "### BEGIN SOLUTION" in data.decode()
        elif name.endswith(".py"):
            assert data == (release / name).read_bytes(), name
    assert stubs(files) == set()


def test_the_solution_notebooks_hold_the_answers_and_every_grade_cell(release, klass):
    """Does each solution cell hold the source's answer, the rest staying the release's?"""
    files = members(klass["solution"])
    for source_path in SOURCE.notebook_files():
        name = source_path.name
        ours, theirs = notebook(files, name), json.loads((release / name).read_text())
        nbformat.validate(nbformat.reads(files[name].decode(), as_version=4))
        assert [c.get("id") for c in ours["cells"]] == [c.get("id") for c in theirs["cells"]]
        assert ours["metadata"] == theirs["metadata"]
        source = by_grade_id(json.loads(source_path.read_text()))
        released = by_grade_id(theirs)
        answered = 0
        for grade_id, cell in by_grade_id(ours).items():
            assert cell["metadata"] == released[grade_id]["metadata"]
            meta = cell["metadata"]["nbgrader"]
            if meta["solution"]:
                answer = without_markers(cell_text(source[grade_id]))
                assert cell_text(cell) == answer
                assert "SOLUTION" not in answer
                assert "YOUR ANSWER HERE" not in answer
                answered += 1
            else:
                assert cell == released[grade_id]
        assert answered >= 2
        others = [c for c in ours["cells"] if "nbgrader" not in c["metadata"]]
        assert others == [c for c in theirs["cells"] if "nbgrader" not in c["metadata"]]


def test_the_release_student_is_the_release_byte_for_byte(release, klass):
    """Is the release student's zip exactly the release's notebooks and code?"""
    files = members(klass["release"])
    assert files == read_release(release)
    assert {f for f in ALL_FUNCTIONS if f != "train_one_epoch"} <= stubs(files)


# ---------------------------------------------------------------------------
# Mistakes and the alternative
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mistake", mistakes.MISTAKES, ids=lambda m: m.student_id)
def test_a_mistake_is_the_solution_with_its_patches_only(klass, mistake):
    """Does a mistake differ from the solution by exactly its patches, each applied once?"""
    solution, ours = members(klass["solution"]), members(klass[mistake.student_id])
    assert apply_patches(solution, mistake.patches, "test") == ours
    for patch in mistake.patches:
        assert ours[patch.path].decode().count(patch.new) >= 1
        assert patch.old not in ours[patch.path].decode() or patch.new.count(patch.old)
    changed = {name for name in ours if ours[name] != solution[name]}
    assert changed == {p.path for p in mistake.patches}


def test_a_patch_that_does_not_fit_once_stops_fabrication(klass):
    """Is a patch whose text occurs twice, or never, refused with the mistake and the count?"""
    files = members(klass["solution"])
    twice = Patch("cs231n/layers.py", "db = dout.sum(axis=(0, 2, 3))", "db = 0")
    with pytest.raises(FabricateError, match=r"mistake-x: .* occurs 2 times in cs231n/layers.py"):
        apply_patches(files, [twice], "mistake-x")
    never = Patch("cs231n/layers.py", "no such line", "x")
    with pytest.raises(FabricateError, match="occurs 0 times"):
        apply_patches(files, [never], "mistake-x")


def test_an_edited_solution_makes_the_stale_mistake_fail_loudly(release, tmp_path):
    """When the solution's line changes, does fabrication name the mistake to update?"""
    root = tmp_path / "repo"
    shutil.copytree(SOURCE.package, root / "assignment" / "cs231n")
    shutil.copytree(SOURCE.notebooks, root / "notebooks")
    layers = root / "assignment" / "cs231n" / "layers.py"
    text = layers.read_text()
    layers.write_text(text.replace("None, None] / count", "None, None] / float(count)"))
    with pytest.raises(FabricateError, match="mistake-avgpool-share: the text to patch occurs 0"):
        fabricate_class(release, tmp_path / "out", source=root, kinds=["mistake"])


def test_the_alternative_rewrites_six_functions_and_nothing_else(klass):
    """Are the alternative's conv, max-pool and spatial BN functions its own, with other caches?"""
    solution = members(klass["solution"])
    ours = members(klass["alternative"])
    assert {n for n in ours if ours[n] != solution[n]} == {"cs231n/layers.py"}
    mine, theirs = ours["cs231n/layers.py"].decode(), solution["cs231n/layers.py"].decode()
    for function in mistakes.ALTERNATIVE_BODIES:
        assert function_source(mine, function) != function_source(theirs, function)
    assert "for f in range(F):" in function_source(mine, "conv_forward_naive")
    assert "cache = (x_pad, w, stride, pads, x.shape)" in mine
    assert "np.put_along_axis(masks[i, j]" in mine
    assert "np.moveaxis(x, 1, -1)" in mine
    rest = [
        function_source(mine, f)
        for f in ("conv_transpose_forward_naive", "avg_pool_backward_naive", "affine_forward")
    ]
    assert rest == [
        function_source(theirs, f)
        for f in ("conv_transpose_forward_naive", "avg_pool_backward_naive", "affine_forward")
    ]


# The probe runner: imports the package found at argv[1] (and the repository at
# argv[2] for the reference cases), runs every probe (the public cases on the
# reference inputs in argv[4], and a few more), and saves the outputs in
# argv[3] (.npz) and the errors in argv[3] + ".json".
RUNNER = r"""
import json
import sys

sys.path[:0] = [sys.argv[1], sys.argv[2]]
import numpy as np

import cs231n.classifiers.cnn
import cs231n.fast_layers
import cs231n.layer_utils
import cs231n.layers
import cs231n.optim
import cs231n.solver
from autograder.refs.cases import CASES
from cs231n.checks import load_reference
from cs231n.classifiers.cnn import ThreeLayerConvNet
from cs231n.layers import (
    conv_backward_naive, conv_forward_naive, conv_transpose_forward_naive,
    max_pool_backward_naive, max_pool_forward_naive, spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)


def conv(configs, backward):
    out = {}
    rng = np.random.RandomState(7)
    for k, (x_shape, w_shape, conv_param) in enumerate(configs):
        x, w, b = rng.randn(*x_shape), rng.randn(*w_shape), rng.randn(w_shape[0])
        y, cache = conv_forward_naive(x, w, b, conv_param)
        out[f"{k}/out"] = y
        if backward:
            dx, dw, db = conv_backward_naive(rng.randn(*y.shape), cache)
            out.update({f"{k}/dx": dx, f"{k}/dw": dw, f"{k}/db": db})
    return out


def pool(configs, backward):
    out = {}
    rng = np.random.RandomState(8)
    for k, (x_shape, pool_param) in enumerate(configs):
        x = rng.randn(*x_shape)
        y, cache = max_pool_forward_naive(x, pool_param)
        out[f"{k}/out"] = y
        if backward:
            out[f"{k}/dx"] = max_pool_backward_naive(rng.randn(*y.shape), cache)
    return out


CONV_MORE = [
    ((3, 2, 7, 7), (4, 2, 3, 3), {"stride": 1, "pad": 0}),
    ((2, 3, 8, 6), (2, 3, 5, 3), {"stride": 1, "pad": (2, 1)}),
    ((2, 3, 9, 8), (3, 3, 3, 2), {"stride": 3, "pad": "same"}),
    ((1, 1, 6, 6), (1, 1, 2, 2), {"stride": 2, "pad": "valid"}),
]
CONV_FAST = ((3, 3, 9, 9), (4, 3, 3, 3), {"stride": 2, "pad": 1})
POOL_FAST = ((2, 3, 8, 8), {"pool_height": 2, "pool_width": 2, "stride": 2})
POOL_MORE = [
    ((2, 3, 7, 7), {"pool_height": 3, "pool_width": 3, "stride": 2}),
    ((3, 2, 6, 9), {"pool_height": 2, "pool_width": 3, "stride": 1}),
]


def initial_loss():
    np.random.seed(0)
    model = ThreeLayerConvNet(
        input_dim=(3, 8, 8), num_filters=4, filter_size=3, hidden_dim=6, num_classes=5,
        dtype=np.float64,
    )
    X, y = np.random.randn(4, 3, 8, 8), np.random.randint(5, size=4)
    loss, _ = model.loss(X, y)
    model.reg = 0.5
    loss_reg, _ = model.loss(X, y)
    squares = sum(np.sum(model.params[k] ** 2) for k in ("W1", "W2", "W3"))
    shapes = [d for k in sorted(model.params) for d in model.params[k].shape]
    return {"reg_share": (loss_reg - loss) / squares, "shapes": np.array(shapes)}


def gradients():
    rng = np.random.RandomState(9)
    model = ThreeLayerConvNet(
        input_dim=(3, 8, 8), num_filters=3, filter_size=3, hidden_dim=7, num_classes=4,
        reg=0.5, dtype=np.float64,
    )
    shapes = {"W1": (3, 3, 3, 3), "b1": (3,), "W2": (48, 7), "b2": (7,), "W3": (7, 4), "b3": (4,)}
    model.params = {k: 0.1 * rng.randn(*s) for k, s in shapes.items()}
    # The loss too: the cell checks gradients against a numeric gradient of it.
    loss, grads = model.loss(rng.randn(2, 3, 8, 8), rng.randint(4, size=2))
    return {"loss": loss, **grads}


def transpose_of_dout():
    rng = np.random.RandomState(10)
    w, dout = rng.randn(4, 3, 3, 3), rng.randn(2, 4, 4, 3)
    out, _ = conv_transpose_forward_naive(dout, w, np.zeros(3), {"stride": 2, "pad": 1})
    return {"out": out}


def bn_more():
    rng = np.random.RandomState(11)
    x, gamma, beta = 3 * rng.randn(3, 4, 2, 5) - 1, rng.randn(4), rng.randn(4)
    bn_param = {"mode": "train"}
    out, cache = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = spatial_batchnorm_backward(rng.randn(*x.shape), cache)
    bn_param["mode"] = "test"
    test_out, _ = spatial_batchnorm_forward(x[:2], gamma, beta, bn_param)
    return {"out": out, "dx": dx, "dgamma": dgamma, "dbeta": dbeta, "test": test_out}


def public_case(name):
    # The check cell's own inputs, read from the release's reference/ by the
    # package's cs231n.checks, and run as the check cell runs them.
    return CASES[name].run(load_reference(name, reference_dir=sys.argv[4]).inputs)


PROBES = {name: (lambda name=name: public_case(name)) for name in CASES}
PROBES.update({
    "conv_more_forward": lambda: conv(CONV_MORE, False),
    "conv_more_backward": lambda: conv(CONV_MORE, True),
    "conv_fast_matches": lambda: conv([CONV_FAST], True),
    "pool_more_forward": lambda: pool(POOL_MORE, False),
    "pool_more_backward": lambda: pool(POOL_MORE, True),
    "pool_fast_matches": lambda: pool([POOL_FAST], True),
    "convnet_initial_loss": initial_loss,
    "convnet_gradients": gradients,
    "transpose_of_dout": transpose_of_dout,
    "spatial_batchnorm_more": bn_more,
})

arrays, errors = {}, {}
for name, probe in PROBES.items():
    try:
        for key, value in probe().items():
            if isinstance(value, dict):
                for k, v in value.items():
                    arrays[f"{name}/{key}/{k}"] = np.asarray(v, dtype=float)
            else:
                arrays[f"{name}/{key}"] = np.asarray(value, dtype=float)
    except Exception as error:
        errors[name] = f"{type(error).__name__}: {error}"[:300]
np.savez(sys.argv[3], **arrays)
with open(sys.argv[3] + ".json", "w") as f:
    json.dump(errors, f)
"""

#: grade cell -> the probes that show whether it is right (none for the two
#: training cells: minutes of training; their Expect rests on CELL_FUNCTIONS).
CELL_PROBES = {
    "correct_conv_forward_naive": ["conv_forward_naive", "conv_more_forward"],
    "correct_conv_backward_naive": ["conv_backward_naive", "conv_more_backward"],
    "correct_max_pool_forward_naive": ["max_pool_forward_naive", "pool_more_forward"],
    "correct_max_pool_backward_naive": ["max_pool_backward_naive", "pool_more_backward"],
    "correct_conv_fast_matches_naive": ["conv_fast_matches"],
    "correct_max_pool_fast_matches_naive": ["pool_fast_matches"],
    "correct_three_layer_convnet_loss": ["three_layer_convnet_loss"],
    "correct_three_layer_convnet_initial_loss": ["convnet_initial_loss"],
    "correct_three_layer_convnet_gradients": ["convnet_gradients"],
    "correct_sgd_momentum": ["sgd_momentum"],
    "correct_rmsprop": ["rmsprop"],
    "correct_adam": ["adam"],
    "correct_solver_step": ["solver_step"],
    "correct_solver_check_accuracy": ["solver_check_accuracy"],
    "correct_overfit_small_data": [],
    "correct_train_one_epoch": [],
    "correct_avg_pool_forward_naive": ["avg_pool_forward_naive"],
    "correct_avg_pool_backward_naive": ["avg_pool_backward_naive"],
    "correct_conv_forward_same": ["conv_forward_same"],
    "correct_conv_backward_same": ["conv_backward_same"],
    "correct_max_pool_padded": ["max_pool_padded"],
    "correct_avg_pool_padded": ["avg_pool_padded"],
    "correct_conv_transpose_forward_naive": ["conv_transpose_forward_naive"],
    "correct_conv_transpose_is_conv_backward": ["transpose_of_dout"],
    "correct_conv_transpose_backward_naive": ["conv_transpose_backward_naive"],
    "correct_spatial_batchnorm_forward": ["spatial_batchnorm_forward"],
    "correct_spatial_batchnorm_test_time": ["spatial_batchnorm_test_time"],
    "correct_spatial_batchnorm_backward": [
        "spatial_batchnorm_backward",
        "spatial_batchnorm_more",
    ],
    "correct_spatial_groupnorm_forward": ["spatial_groupnorm_forward"],
    "correct_spatial_groupnorm_backward": ["spatial_groupnorm_backward"],
}


def run_probes(package_parent, out, reference_dir):
    """Run RUNNER on the cs231n package in `package_parent`: ({key: array}, {probe: error})."""
    script = out.parent / "runner.py"
    script.write_text(RUNNER)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["OPENBLAS_NUM_THREADS"] = "1"
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            str(script),
            str(package_parent),
            str(paths.REPO),
            str(out),
            str(reference_dir),
        ],
        cwd=package_parent,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(str(out) + ".npz") as data:
        arrays = {k: data[k] for k in data.files}
    return arrays, json.loads(Path(str(out) + ".json").read_text())


def probe_verdicts(theirs, ours):
    """probe -> True when its outputs match the instructor's (relative error <= 1e-7)."""
    t_arrays, t_errors = theirs
    o_arrays, o_errors = ours
    assert not t_errors, t_errors
    verdicts = {}
    for probe in {k.split("/")[0] for k in t_arrays}:
        keys = sorted(k for k in t_arrays if k.split("/")[0] == probe)
        if probe in o_errors or keys != sorted(k for k in o_arrays if k.split("/")[0] == probe):
            verdicts[probe] = False
            continue
        ok = True
        for k in keys:
            a, e = o_arrays[k], t_arrays[k]
            if a.shape != e.shape:
                ok = False
                break
            scale = np.maximum(1e-8, np.abs(a) + np.abs(e))
            ok = ok and bool(np.all(np.abs(a - e) / scale <= 1e-7))
        verdicts[probe] = ok
    return verdicts, o_errors


@pytest.fixture(scope="module")
def instructor_probes(release, tmp_path_factory):
    """The probes run on the instructor's package: the answers (and where the inputs are)."""
    out = tmp_path_factory.mktemp("instructor") / "probes"
    return run_probes(paths.ASSIGNMENT_DIR, out, release / "reference"), release / "reference"


def check_expect_by_probes(expect, files, tmp_path, instructor_probes):
    folder = tmp_path / "submission"
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    answers, reference_dir = instructor_probes
    ours = run_probes(folder, tmp_path / "probes", reference_dir)
    verdicts, errors = probe_verdicts(answers, ours)
    assert set(verdicts) == {p for ps in CELL_PROBES.values() for p in ps}
    for grade_id, probes in CELL_PROBES.items():
        results = [verdicts[p] for p in probes]
        if grade_id in expect.full:
            assert all(results), (grade_id, errors)
        elif grade_id in expect.lose:
            assert probes, grade_id
            assert not all(results), grade_id
        else:
            assert grade_id in expect.zero
            # Zero: every probe of the cell fails, because a function it calls raises.
            assert all(p in errors for p in probes), (grade_id, errors)
    return verdicts, errors


@pytest.mark.parametrize(
    "student",
    ["solution", "alternative", *(m.student_id for m in mistakes.MISTAKES)],
)
def test_the_code_does_what_its_expect_says(klass, student, tmp_path, instructor_probes):
    """Run on probe inputs, does the code match the instructor's on full cells and miss on lose?"""
    check_expect_by_probes(
        klass[student].expect, members(klass[student]), tmp_path, instructor_probes
    )


@pytest.mark.parametrize("base", sorted(hostile.BASES))
def test_each_hostile_base_scores_as_its_expect_says(context, base, tmp_path, instructor_probes):
    """Run without its attack, does each base earn what its hostile students expect?"""
    expect = hostile.base_expect(context, base)
    _, errors = check_expect_by_probes(
        expect, hostile.base_files(context, base), tmp_path, instructor_probes
    )
    if base == "release":
        assert errors
        assert all("NotImplementedError" in e for e in errors.values())


# ---------------------------------------------------------------------------
# Hostile submissions: read, parsed, never run
# ---------------------------------------------------------------------------


def accepted_hostiles(klass):
    return [i for i in klass.values() if i.kind == "hostile" and i.expect.collect == "accept"]


def added_cells(files, name):
    """The code cells a student added to notebook `name` (those without nbgrader metadata
    whose id is not the release's "<notebook>-NN" or the generated header's)."""
    return [
        cell_text(c)
        for c in notebook(files, name)["cells"]
        if c["cell_type"] == "code"
        and "nbgrader" not in c["metadata"]
        and not re.fullmatch(r"[a-z]+-\d\d", c.get("id", ""))
    ]


def test_hostile_code_parses_and_hostile_notebooks_validate(klass):
    """Is every .py member valid Python and every notebook valid, so the attacks really run?"""
    for item in accepted_hostiles(klass):
        for name, data in members(item).items():
            if name.endswith(".py"):
                ast.parse(data.decode(), filename=f"{item.student_id}:{name}")
            elif name.endswith(".ipynb"):
                nb = nbformat.reads(data.decode(), as_version=4)
                nbformat.validate(nb)
                for cell in nb.cells:
                    if cell.cell_type == "code":
                        code = "\n".join(
                            line for line in cell.source.splitlines() if not line.startswith("%")
                        )
                        ast.parse(code, filename=f"{item.student_id}:{name}")


def test_each_hostile_starts_from_its_base(klass, context):
    """Does each hostile student hold its base's code, save the functions it attacks?"""
    attacked = {
        "hostile-loop-function": {"spatial_groupnorm_forward"},
        "hostile-loop-unkillable": {"max_pool_forward_naive"},
        "hostile-memory-bomb": {"conv_forward_naive"},
        "hostile-hardcoded-public": {"conv_forward_naive", "max_pool_forward_naive"},
        "hostile-sleep": {"spatial_groupnorm_forward"},
        "hostile-fill-disk": {"max_pool_forward_naive"},
        "hostile-giant-output": {"max_pool_forward_naive"},
        "hostile-calls-fast": hostile.NAIVE_LAYERS,
        "hostile-pastes-fast": hostile.NAIVE_LAYERS,
    }
    for item in accepted_hostiles(klass):
        base = hostile.base_files(context, item.base)
        files = members(item)
        assert stubs(files) == stubs(base) - attacked.get(item.student_id, set()), item.student_id
        for function in hostile.BASES[item.base]["works"]:
            path = defining_file(base, function)
            mine = function_source(files[path].decode(), function)
            assert mine == function_source(base[path].decode(), function)


def defining_file(files, qualname):
    """The .py member of `files` defining `qualname` (a function, or "Class.method")."""
    for name, data in files.items():
        if name.endswith(".py"):
            try:
                function_source(data.decode(), qualname)
            except ValueError:  # not defined there
                continue
            return name
    raise AssertionError(f"no file defines {qualname}")


def test_the_fast_layer_attacks_reach_them_every_way(klass):
    """Does hostile-calls-fast reach the fast layers in each of its ways, and hostile-pastes-fast
    wire every naive layer to a pasted copy, the pooling copies edited?"""
    calls = members(klass["hostile-calls-fast"])["cs231n/layers.py"].decode()
    for way in (
        "from .fast_layers import *",
        "from . import fast_layers as _fl\n",
        "_fast=(max_pool_forward_fast, max_pool_backward_fast)",
        "import cs231n.fast_layers\n",
        "from cs231n.fast_layers import conv_transpose_backward_fast",
    ):
        assert way in calls, way
    pastes = members(klass["hostile-pastes-fast"])["cs231n/layers.py"].decode()
    released = members(klass["hostile-pastes-fast"])["cs231n/fast_layers.py"].decode()
    for naive in hostile.NAIVE_LAYERS:
        source = function_source(calls, naive)
        assert "_fast" in source.split('"""')[-1], naive
        copy = f"_{naive[: -len('_naive')]}_vectorised"
        assert f"{copy}(" in function_source(pastes, naive).split('"""')[-1], naive
        # An edited copy has one statement more than the provided function (bar its docstring).
        fast = ast.parse(function_source(released, naive[: -len("_naive")] + "_fast"))
        mine = ast.parse(function_source(pastes, copy))
        extra = len(mine.body[0].body) - (len(fast.body[0].body) - 1)
        assert extra == (naive in hostile.PASTED_EDITED), naive
    assert "def _im2col_part(v0, v1, v2, v3, v4, v5):" in pastes


def test_notebooks_an_attack_leaves_alone_stay_byte_for_byte(release, klass):
    """Does a notebook-level attack leave the other notebooks exactly as released?"""
    for sid in ("hostile-loop-cell", "hostile-steal-solution", "hostile-huge-output"):
        files = members(klass[sid])
        for name in ("PoolingAndTransposedConv.ipynb", "SpatialNormalization.ipynb"):
            assert files[name] == (release / name).read_bytes(), (sid, name)
        assert files["ConvolutionalNetworks.ipynb"] != (release / name).read_bytes()


def test_every_attack_sits_where_its_description_says(klass):
    """Is each attack's code in the cell, function or import it is described to be in?"""
    main = "ConvolutionalNetworks.ipynb"
    notebooks = [
        "ConvolutionalNetworks.ipynb",
        "PoolingAndTransposedConv.ipynb",
        "SpatialNormalization.ipynb",
    ]

    def f(sid):
        return members(klass[sid])

    def layers(sid, function=None):
        text = f(sid)["cs231n/layers.py"].decode()
        return function_source(text, function) if function else text

    def top_level_calls(sid):
        tree = ast.parse(layers(sid))
        return [
            n.value.func.id
            for n in tree.body
            if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
        ]

    for name in notebooks:
        assert any(
            "numpy.allclose = _always" in c for c in added_cells(f("hostile-monkeypatch"), name)
        )
        cells = notebook(f("hostile-input-transformer"), name)["cells"]
        assert any("input_transformers_cleanup.append" in cell_text(c) for c in cells)
        first = notebook(f("hostile-exit"), name)["cells"][0]
        assert first["cell_type"] == "code"
        assert "os._exit(0)" in cell_text(first)
    assert "_numpy.allclose = lambda" in f("hostile-monkeypatch")["cs231n/__init__.py"].decode()
    assert top_level_calls("hostile-steal-solution") == ["_steal_the_solution"]
    assert "../../../source/convnets/cs231n/layers.py" in layers("hostile-steal-solution")
    assert "exec(compile(text, path" in layers("hostile-steal-solution")
    assert any("_steal_the_solution(" in c for c in added_cells(f("hostile-steal-solution"), main))
    assert top_level_calls("hostile-gradebook") == ["_rig_the_gradebook"]
    rig = "UPDATE grade SET auto_score = 99, manual_score = 99"
    assert rig in layers("hostile-gradebook")
    assert any(rig in c for c in added_cells(f("hostile-gradebook"), main))
    assert any(
        "SIG_IGN" in c and "while True" in c for c in added_cells(f("hostile-loop-cell"), main)
    )
    assert "signal.SIGINT" in layers("hostile-loop-function", "spatial_groupnorm_forward")
    unkillable = layers("hostile-loop-unkillable", "max_pool_forward_naive")
    assert "signal.SIGALRM" in unkillable
    assert "except BaseException" in unkillable
    assert "np.ones(10**11)" in layers("hostile-memory-bomb", "conv_forward_naive")
    assert top_level_calls("hostile-fork-bomb") == ["_fork_bomb"]
    assert "os.fork()" in layers("hostile-fork-bomb")
    detached = layers("hostile-detached", "max_pool_forward_naive")
    assert "start_new_session=True" in detached
    assert "os.setsid()" in detached
    assert any("start_new_session=True" in c for c in added_cells(f("hostile-detached"), main))
    assert "200 * 1024" in layers("hostile-huge-output", "max_pool_forward_naive")
    assert any("200 * 1024" in c for c in added_cells(f("hostile-huge-output"), main))
    assert b"numpy.allclose" in f("hostile-site")["sitecustomize.py"]
    assert f("hostile-site")["cs231n/numpy_patch.pth"].startswith(b"import sys; exec(")


def test_test_cells_are_emptied_or_deleted_for_the_unsolved_functions_only(release, klass):
    """Do edited cells hold `pass` with their metadata, deleted ones vanish, conv cells stay?"""
    unsolved = {
        grade_id
        for grade_id, functions in CELL_FUNCTIONS.items()
        if not set(functions) <= hostile.BASES["conv"]["works"]
    }
    assert len(unsolved) == 25
    edited = members(klass["hostile-edited-tests"])
    deleted = members(klass["hostile-deleted-tests"])
    seen = set()
    for path in release.glob("*.ipynb"):
        released = by_grade_id(json.loads(path.read_text()))
        ours_edited = by_grade_id(notebook(edited, path.name))
        ours_deleted = by_grade_id(notebook(deleted, path.name))
        for grade_id, cell in released.items():
            if grade_id in unsolved:
                seen.add(grade_id)
                assert cell_text(ours_edited[grade_id]) == "pass"
                assert ours_edited[grade_id]["metadata"] == cell["metadata"]
                assert grade_id not in ours_deleted
            else:
                assert ours_edited[grade_id] == cell
                assert ours_deleted[grade_id] == cell
    assert seen == unsolved


def test_the_edited_provided_files_call_the_naive_layers_and_pass_every_check(release, klass):
    """Is fast_layers.py the naive layers under the fast names, and checks.py always passing?"""
    files = members(klass["hostile-edited-provided"])
    fast = files["cs231n/fast_layers.py"].decode()
    released = (release / "cs231n/fast_layers.py").read_text()
    public = re.findall(r"^def ([a-z]\w*_fast)\(", released, flags=re.MULTILINE)
    assert len(public) == 8
    for name in public:
        assert f"{name[: -len('_fast')]}_naive as {name}," in fast
    assert fast.startswith("# GENERATED")
    checks = files["cs231n/checks.py"].decode()
    released_checks = (release / "cs231n/checks.py").read_text()
    assert checks.startswith(released_checks)
    # The appended definitions lean on names the released module already has.
    assert "\nimport contextlib\n" in released_checks
    assert "\nDEFAULT_THRESHOLD = " in released_checks
    assert "def checking(name):\n    try:\n        yield\n    except Exception:" in checks
    conv_backward = function_source(files["cs231n/layers.py"].decode(), "conv_backward_naive")
    assert "db = dout.sum(axis=(2, 3))" in conv_backward


def test_markers_are_host_paths_under_the_canary_dir_written_by_the_attack(klass):
    """Does each marker name a canary file (or a token-named host file) or a token the zip's
    own code really uses?"""
    canary = canary_of(klass).resolve()
    tokens = []
    for item in klass.values():
        for marker in item.expect.markers:
            assert marker.kind in {"file", "process", "gradebook"}
            if marker.kind == "file":
                # Under the canary folder, or (hostile-write-outside) a name holding the
                # class's own token in one of the host's shared folders.
                target = Path(marker.target)
                assert target.parent == canary or (
                    target.name.startswith(".convkit-")
                    and str(target.parent) in {"/", "/tmp", "/var/tmp", "/dev/shm"}
                ), marker
                assert not Path(marker.target).exists()
            if marker.kind == "process":
                tokens.append(marker.target)
            if marker.kind == "gradebook":
                continue
            with zipfile.ZipFile(item.zip_path) as z:
                texts = [z.read(n) for n in z.namelist() if not n.startswith(("../", "/"))]
                names = z.namelist()
            deep = "/a/b/c/course/submitted/student/convnets"
            assert any(marker.target.encode() in t for t in texts) or any(
                posixpath.normpath(posixpath.join(deep, n)) == marker.target for n in names
            ), marker
    assert len(tokens) == len(set(tokens)) == 5


def test_the_zip_slip_members_point_at_canary_files(klass):
    """Do the ../ and absolute members of the slip zip land on its markers if extracted?"""
    item = klass["hostile-zip-slip"]
    with zipfile.ZipFile(item.zip_path) as z:
        names = z.namelist()
    relative = [n for n in names if n.startswith("../")]
    absolute = [n for n in names if n.startswith("/")]
    assert len(relative) == len(absolute) == 1
    deep = "/a/b/c/course/submitted/student/convnets"
    targets = {posixpath.normpath(posixpath.join(deep, relative[0])), absolute[0]}
    assert targets == {m.target for m in item.expect.markers}
    assert item.expect.collect == "reject"


def test_the_symlink_zip_holds_links_to_the_course_and_the_host(klass):
    """Are cs231n/layers.py and cs231n/hostname.py symbolic links, and nothing else?"""
    with zipfile.ZipFile(klass["hostile-zip-symlink"].zip_path) as z:
        links = {i.filename: z.read(i) for i in z.infolist() if stat.S_ISLNK(i.external_attr >> 16)}
    assert links == {
        "cs231n/layers.py": b"../../../source/convnets/cs231n/layers.py",
        "cs231n/hostname.py": b"/etc/hostname",
    }


@pytest.mark.slow
def test_the_zip_bomb_really_inflates_to_a_gibibyte(klass):
    """Is the ~1 MB bomb a valid zip whose member inflates to 1 GiB with a right CRC?"""
    item = klass["hostile-zip-bomb"]
    assert item.zip_path.stat().st_size < 2 * 1024 * 1024
    with zipfile.ZipFile(item.zip_path) as z:
        info = z.getinfo("cs231n/padding.py")
        assert info.file_size == hostile.BOMB_SIZE == 1 << 30
        read = 0
        with z.open(info) as member:  # zipfile checks the CRC at the end
            while chunk := member.read(1 << 24):
                assert chunk.count(b"\n") == len(chunk)
                read += len(chunk)
        assert read == info.file_size
        assert z.read("cs231n/layers.py") == members(klass["release"])["cs231n/layers.py"]


def test_the_corrupt_zips_fail_to_open_or_to_read(klass):
    """Is the truncated zip no zip at all, and the flipped one unreadable past its directory?"""
    assert not zipfile.is_zipfile(klass["hostile-zip-truncated"].zip_path)
    with zipfile.ZipFile(klass["hostile-zip-crc"].zip_path) as z:
        first = z.namelist()[0]
        with pytest.raises((zipfile.BadZipFile, zlib.error)):
            z.read(first)
        # A flipped byte shows as a bad CRC, or breaks the deflate stream itself
        # (which testzip does not catch): which one depends on the member's bytes.
        try:
            assert z.testzip() == first
        except zlib.error:
            pass


# ---------------------------------------------------------------------------
# Expect and side effects
# ---------------------------------------------------------------------------


def test_mismatches_name_every_cell_scored_against_its_expect(klass, cells):
    """Does mismatches() accept an honest grading and name each cell graded otherwise?"""
    expect = klass["mistake-avgpool-share"].expect
    honest = {c.grade_id: (c.points, c.points) for c in cells}
    honest["correct_avg_pool_backward_naive"] = (1.0, 3.0)
    honest["correct_avg_pool_padded"] = (1.5, 3.0)
    assert expect.mismatches(honest) == []
    wrong = dict(honest)
    wrong["correct_avg_pool_backward_naive"] = (3.0, 3.0)
    wrong["correct_conv_forward_naive"] = (2.0, 3.0)
    del wrong["correct_spatial_groupnorm_forward"]
    wrong["correct_bonus"] = (1.0, 1.0)
    assert expect.mismatches(wrong) == [
        "correct_avg_pool_backward_naive: 3 of 3, expected fewer points",
        "correct_conv_forward_naive: 2 of 3, expected full marks",
        "correct_spatial_groupnorm_forward: not graded",
        "correct_bonus: graded, but not an autograded cell of the release",
    ]
    release = klass["release"].expect
    assert release.mismatches({c.grade_id: (0.0, c.points) for c in cells}) == []
    half = release.mismatches({cells[0].grade_id: (0.5, cells[0].points)})
    assert f"{cells[0].grade_id}: 0.5 of {cells[0].points:g}, expected 0" in half
    assert len(half) == len(cells)  # and every other cell: not graded
    refused = klass["hostile-zip-bomb"].expect
    assert refused.mismatches({}) == []
    assert "must refuse" in refused.mismatches(honest)[0]


def test_mismatches_read_grade_results_and_cell_scores(klass, cells):
    """Does mismatches() take the grade Result and CellScores as they are written?"""
    scored = [
        CellScore(
            c.notebook,
            c.grade_id,
            c.grade_id,
            c.points,
            c.points,
            [CaseVerdict("public", "visible", True)],
        )
        for c in cells
    ]
    result = Result("solution", "convnets", "f", "bwrap", cells=scored)
    assert klass["solution"].expect.mismatches(result) == []
    assert klass["solution"].expect.mismatches(scored) == []
    scored[0].points = 0
    assert klass["solution"].expect.mismatches(result) == [
        f"{cells[0].grade_id}: 0 of {cells[0].points:g}, expected full marks"
    ]


def test_expect_scores_refuses_a_spared_cell_that_calls_nothing_broken(cells):
    """Is a spared cell that does not call a broken function, or an unknown function, refused?"""
    with pytest.raises(FabricateError, match="do not call a broken function"):
        expect_scores(
            cells,
            works=ALL_FUNCTIONS - {"adam"},
            broken={"adam"},
            spared={"correct_conv_forward_naive": "no"},
        )
    with pytest.raises(FabricateError, match="no grade cell calls"):
        expect_scores(cells, works={"sgd"})


def test_side_effects_sees_files_processes_and_rigged_grades(tmp_path):
    """Does side_effects() report a marker file, a live process and a grade of 99?"""
    from autograder.demo.fabricate import Fabricated

    token = f"1000.{os.getpid() % 10**6:06d}"
    markers = (
        Marker("file", str(tmp_path / "late.txt"), "a late write", 0.1),
        Marker("process", token, "a sleep"),
        Marker("gradebook", "99", "a rigged grade"),
    )
    item = Fabricated("x", tmp_path / "x.zip", "hostile", "d", Expect(markers=markers))
    gradebook = tmp_path / "gradebook.db"
    with sqlite3.connect(gradebook) as db:
        db.execute("CREATE TABLE grade (auto_score FLOAT, manual_score FLOAT)")
        db.execute("INSERT INTO grade VALUES (1, NULL)")
    assert side_effects([item], gradebook=gradebook) == []
    (tmp_path / "late.txt").write_text("x")
    with sqlite3.connect(gradebook) as db:
        db.execute("UPDATE grade SET manual_score = 99")
    sleeper = subprocess.Popen(["sleep", token])
    try:
        for _ in range(200):  # /proc shows the new command line a moment after exec
            if leftover_pids(token):
                break
            time.sleep(0.01)
        assert leftover_pids(token) == [sleeper.pid]
        seen = side_effects([item], gradebook=gradebook, wait=False)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert seen == [
        f"x: a late write: {tmp_path / 'late.txt'} exists",
        f"x: a sleep: still running as pids [{sleeper.pid}]",
        "x: a rigged grade: 1 grades hold 99",
    ]
    assert leftover_pids(token) == []


def test_partial_files_refuse_a_function_without_a_stub(context):
    """Is asking to solve a function the release has no stub for reported by name?"""
    with pytest.raises(FabricateError, match="no solution region for \\['no_such_layer'\\]"):
        partial_files(context.release, context.instructor, solve={"no_such_layer"})


def test_manifest_is_json(klass):
    """Can the class be saved as JSON for the demo verb, markers and all?"""
    from autograder.demo.fabricate import manifest

    text = json.dumps(manifest(klass.values()))
    back = {d["student_id"]: d for d in json.loads(text)}
    assert back["hostile-detached"]["expect"]["markers"][0]["kind"] == "process"
    assert back["solution"]["expect"]["lose"] == []
