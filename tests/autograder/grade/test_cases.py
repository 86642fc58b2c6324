"""Tests of autograder/grade/cases.py: every grade cell has its public and hidden cases."""

import ast
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder import paths
from autograder.grade import cases, harness, programs, verdict
from autograder.grade.cases import CasesError
from autograder.refs.cases import CASES as REFS
from autograder.refs.cases import make_inputs as ref_inputs

pytestmark = pytest.mark.grade

TRAINING = {"correct_overfit_small_data", "correct_train_one_epoch"}


def nbgrader_cells():
    """(notebook, grade_id, points) read straight from the notebooks' metadata."""
    found = []
    for path in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                found.append((path.stem, meta["grade_id"], float(meta["points"])))
    return found


def flat(tree):
    """A tree of inputs as a comparable JSON text (arrays as lists)."""
    return json.dumps(tree, default=lambda a: [str(a.dtype), a.shape, a.tolist()], sort_keys=True)


def test_every_grade_cell_of_the_notebooks_has_its_cases_and_points():
    """Is every autograded cell there, in notebook order, with the points its metadata gives?"""
    found = [(cell.notebook, cell.grade_id, cell.points) for cell in cases.cells()]
    assert found == nbgrader_cells()
    assert len(found) == 30
    assert sum(points for _, _, points in found) == 73


def test_layer_cells_have_a_public_case_and_two_to_four_hidden_ones():
    """Does every cell but the training ones hold 2 to 4 hidden cases beside its public one?"""
    for cell in cases.cells():
        names = [case.name for case in cell.cases]
        hidden = [case for case in cell.cases if case.visibility == "hidden"]
        assert all(case.visibility == "visible" for case in cell.cases if case.name == "public")
        if cell.grade_id in TRAINING:
            assert names == ["hidden-1"]
            continue
        assert 2 <= len(hidden) <= 4, cell.grade_id
        if cell.grade_id != "correct_three_layer_convnet_gradients":
            assert names[0] == "public", cell.grade_id


def test_public_cases_have_the_reference_files_inputs():
    """Is a public case built from the same builder and seed as its reference file?"""
    checked = 0
    for cell in cases.cells():
        for case in cell.cases:
            refs = [r for r in REFS.values() if r.make_inputs is case.make_inputs]
            if case.name == "public" and refs:
                assert flat(case.inputs()) == flat(ref_inputs(refs[0]))
                checked += 1
    assert checked == 23


def test_notebook_cases_draw_what_the_cells_draw():
    """Do the public cases of cells without a reference file draw what the cells draw?"""
    by_id = {case.id: case for case in cases.all_cases()}
    np.random.seed(231)  # noqa: NPY002 (the cell's own calls)
    x = np.random.randn(100, 3, 31, 31)  # noqa: NPY002
    inputs = by_id["correct_conv_fast_matches_naive.public"].inputs()
    assert np.array_equal(inputs["x"], x)
    inputs = by_id["correct_conv_transpose_is_conv_backward.public"].inputs()
    np.random.seed(231)  # noqa: NPY002
    w, dout = np.random.randn(4, 3, 3, 3), np.random.randn(2, 4, 4, 3)  # noqa: NPY002
    assert np.array_equal(inputs["w"], w)
    assert np.array_equal(inputs["x"], dout)


def test_case_ids_are_unique_file_names_and_programs_exist():
    """Is every case id a plain file name, unique, and every program in programs.py?"""
    all_cases = cases.all_cases()
    ids = [case.id for case in all_cases]
    assert len(ids) == len(set(ids)) == 109
    assert all(harness.CASE_ID.match(case_id) for case_id in ids)
    assert {case.program for case in all_cases} <= set(programs.PROGRAMS)
    assert cases.check_cases(all_cases) == []


def test_check_cases_names_each_problem():
    """Are a duplicate id, an unknown program, visibility and judge each reported?"""
    case = cases.all_cases()[0]
    bad = cases.GradedCase(case.cell, case.name, "no_such_program", 1, None, "secret", judge="x")
    problems = cases.check_cases([case, bad])
    assert len(problems) == 5
    assert any("two cases have the id" in p for p in problems)
    assert any("no program 'no_such_program'" in p for p in problems)
    assert any(p.startswith(f"{bad.id}: no description") for p in problems)
    two_lines = cases.GradedCase("c", "hidden-1", "conv_forward", 1, None, description="a\nb")
    assert cases.check_cases([two_lines]) == ["c.hidden-1: a description is one line"]


def test_the_cases_of_naive_layers_name_the_naive_layers_their_program_calls(tmp_path):
    """Does every case name exactly the naive layers its program imports (so the harness keeps
    the fast layers from them), the fast-matches-naive cells too and no convnet case, and does
    the inputs file carry them?"""
    tree = ast.parse(Path(programs.__file__).read_text(encoding="utf-8"))
    calls = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            imported = {
                alias.name
                for n in ast.walk(node)
                if isinstance(n, ast.ImportFrom) and n.module == "cs231n.layers"
                for alias in n.names
            }
            calls[node.name] = {name for name in imported if name.endswith("_naive")}
    for case in cases.all_cases():
        assert set(case.naive) == calls[case.program], case.id
    naive_cells = {cell.grade_id for cell in cases.cells() if any(c.naive for c in cell.cases)}
    assert len(naive_cells) == 15
    assert {"correct_conv_fast_matches_naive", "correct_max_pool_fast_matches_naive"} < naive_cells
    assert not any(
        case.naive for case in cases.all_cases() if "convnet" in case.cell or "norm" in case.cell
    )
    chosen = [
        c
        for c in cases.all_cases()
        if c.cell in ("correct_conv_backward_naive", "correct_three_layer_convnet_loss")
    ]
    meta, _ = harness.read_inputs(verdict.write_inputs(tmp_path / "in.npz", chosen))
    assert {e["id"]: e["naive"] for e in meta["cases"]} == {c.id: list(c.naive) for c in chosen}
    assert meta["cases"][0]["naive"] == ["conv_forward_naive", "conv_backward_naive"]
    bad = cases.GradedCase("c", "hidden-1", "conv_forward", 1, None, naive=("conv_forward_fast",))
    assert any("naive" in p for p in cases.check_cases([bad]))


def test_a_grade_cell_without_cases_is_an_error(tmp_path):
    """Does a notebook grade cell unknown to cases.py stop everything, naming cell and notebook?"""
    for path in paths.NOTEBOOKS_DIR.glob("*.ipynb"):
        shutil.copyfile(path, tmp_path / path.name)
    nb_path = tmp_path / "ConvolutionalNetworks.ipynb"
    nb = json.loads(nb_path.read_text())
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade"))
    cell["metadata"]["nbgrader"]["grade_id"] = "correct_something_new"
    nb_path.write_text(json.dumps(nb))
    with pytest.raises(CasesError) as raised:
        cases.cells(tmp_path)
    message = str(raised.value)
    assert "'correct_something_new' of ConvolutionalNetworks.ipynb has no cases" in message
    assert "cases for 'correct_conv_forward_naive', which is not a grade cell" in message


def test_inputs_are_deterministic_and_survive_the_inputs_file():
    """Are a case's inputs the same on every build, and identical after the file round trip?"""
    for case in cases.all_cases():
        if case.cell in TRAINING:
            continue
        first, second = case.inputs(), case.inputs()
        assert flat(first) == flat(second), case.id
        arrays = {}
        skeleton = harness.pack(first, "in", arrays)
        again = harness.unpack(json.loads(json.dumps(skeleton)), arrays)
        assert flat(again) == flat(first), case.id


def _shapes(case):
    inputs = case.inputs()
    return inputs["x"].shape if "x" in inputs else None


@pytest.mark.parametrize(
    "grade_id",
    [
        "correct_conv_forward_naive",
        "correct_conv_backward_naive",
        "correct_max_pool_forward_naive",
        "correct_max_pool_backward_naive",
        "correct_avg_pool_forward_naive",
        "correct_avg_pool_backward_naive",
        "correct_conv_forward_same",
        "correct_conv_backward_same",
        "correct_max_pool_padded",
        "correct_avg_pool_padded",
        "correct_conv_transpose_forward_naive",
        "correct_conv_transpose_backward_naive",
        "correct_spatial_groupnorm_forward",
        "correct_spatial_groupnorm_backward",
    ],
)
def test_hidden_layer_cases_differ_from_the_public_one_where_mistakes_show(grade_id):
    """Do hidden cases use other shapes than the public one, with H != W and N != C somewhere?"""
    cell = next(c for c in cases.cells() if c.grade_id == grade_id)
    public, *hidden = cell.cases
    shapes = [_shapes(case) for case in hidden]
    assert _shapes(public) not in shapes
    assert any(s[2] != s[3] for s in shapes)
    assert any(s[0] != s[1] for s in shapes)


def test_conv_hidden_cases_cover_every_padding_form_and_stride():
    """Do the hidden convolution cases use an int, a pair, 'valid', 'same', and strides 1 to 3?"""
    params = [
        case.inputs()["conv_param"]
        for case in cases.all_cases()
        if case.program.startswith("conv_") and case.visibility == "hidden"
    ]
    pads = {json.dumps(p["pad"]) if isinstance(p["pad"], list) else p["pad"] for p in params}
    kinds = {type(p).__name__ if not isinstance(p, str) else p for p in pads}
    assert {"valid", "same"} <= kinds
    assert any(p.startswith("[") for p in pads if isinstance(p, str))
    assert any(isinstance(p, int) and p > 0 for p in pads)
    assert {p["stride"] for p in params} >= {1, 2, 3}


def _pool_params(programs):
    """(program, pool_param, x) of every hidden case whose program is in `programs`."""
    return [
        (case.program, case.inputs()["pool_param"], case.inputs()["x"])
        for case in cases.all_cases()
        if case.program in programs and case.visibility == "hidden"
    ]


def _leaves_rows_over(p, x):
    """Does the stride leave rows or columns over (a floor), unpadded?"""
    if p.get("pad", 0) not in (0, "valid"):
        return False
    _, _, H, W = x.shape
    return bool((H - p["pool_height"]) % p["stride"] or (W - p["pool_width"]) % p["stride"])


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_hidden_cases_cover_every_padding_form_and_strides_that_leave_rows_over(kind):
    """Do the hidden cases of each pooling, forward and backward, use strides that leave rows
    over, explicit pads and 'valid' or 'same' (max pooling: an int, a pair and 'valid', on
    all-negative values), and (average pooling) 'same' and count_include_pad both ways?"""
    found = _pool_params({f"{kind}_pool_forward", f"{kind}_pool_backward",
                          f"{kind}_pool_forward_backward"})  # fmt: skip
    forms = {type(p["pad"]).__name__ if not isinstance(p["pad"], str) else p["pad"]
             for _, p, _ in found if "pad" in p}  # fmt: skip
    assert forms & {"int", "list"}
    assert forms & {"valid", "same"}
    for program in {program for program, _, _ in found}:
        assert any(_leaves_rows_over(p, x) for prog, p, x in found if prog == program), program
    if kind == "avg":
        assert {p.get("count_include_pad", False) for _, p, _ in found if "pad" in p} == {
            False,
            True,
        }
        backward = [p for prog, p, _ in found if prog == "avg_pool_backward" and "pad" in p]
        assert {p.get("count_include_pad", False) for p in backward} == {False, True}
        assert any(p["pad"] == "same" for _, p, _ in found if "pad" in p)
    else:
        assert {"int", "list", "valid"} <= forms
        padded = [x for _, p, x in found if p.get("pad", 0) not in (0, "valid")]
        assert padded
        assert all(np.all(x < 0) for x in padded)


def test_max_pool_backward_has_hidden_cases_with_tied_maxima():
    """Does a hidden max-pool backward case hold windows with tied maxima?"""
    cell = next(c for c in cases.cells() if c.grade_id == "correct_max_pool_backward_naive")
    tied = 0
    for case in cell.cases:
        inputs = case.inputs()
        x, p = inputs["x"], inputs["pool_param"]
        window = x[0, 0, : p["pool_height"], : p["pool_width"]]
        tied += int(np.sum(window == window.max()) > 1)
    assert tied >= 1


def test_hidden_case_inputs_are_valid_for_the_solution(answer_key):
    """Does the solution answer every compared case with finite outputs (the key exists)?"""
    for case in cases.all_cases():
        entry = answer_key[case.id]
        if case.judge is None:
            for value in entry["outputs"].values():
                for array in value.values() if isinstance(value, dict) else [value]:
                    assert np.all(np.isfinite(array)), case.id


def _fast_outputs(program, i):
    """The outputs of a layer program computed with the provided fast layers, or None."""
    from cs231n import fast_layers as fast

    conv = ("conv_forward", "conv_backward", "conv_forward_backward")
    if program in conv:
        out, cache = fast.conv_forward_fast(i["x"], i["w"], i["b"], i["conv_param"])
        if program == "conv_forward":
            return {"out": out}
        dx, dw, db = fast.conv_backward_fast(i["dout"], cache)
        grads = {"dx": dx, "dw": dw, "db": db}
        return grads if program == "conv_backward" else {"out": out, **grads}
    for kind in ("max_pool", "avg_pool"):
        if program.startswith(kind):
            forward = getattr(fast, f"{kind}_forward_fast")
            out, cache = forward(i["x"], i["pool_param"])
            if program.endswith("_forward"):
                return {"out": out}
            dx = getattr(fast, f"{kind}_backward_fast")(i["dout"], cache)
            both = program.endswith("_forward_backward")
            return {"out": out, "dx": dx} if both else {"dx": dx}
    if program.startswith("conv_transpose"):
        out, cache = fast.conv_transpose_forward_fast(i["x"], i["w"], i["b"], i["conv_param"])
        if program == "conv_transpose_forward":
            return {"out": out}
        dx, dw, db = fast.conv_transpose_backward_fast(i["dout"], cache)
        return {"dx": dx, "dw": dw, "db": db}
    return None


def test_the_key_agrees_with_the_provided_fast_layers(answer_key):
    """Does the key of every conv, pool and transposed case match the fast layers (an oracle)?"""
    checked = 0
    for case in cases.all_cases():
        fast = _fast_outputs(case.program, case.inputs())
        if fast is None:
            continue
        expected = answer_key[case.id]["outputs"]
        assert set(fast) == set(expected), case.id
        for name, value in fast.items():
            assert np.allclose(value, expected[name], rtol=1e-9, atol=1e-11), (case.id, name)
        checked += 1
    assert checked >= 50


def test_transposed_convolution_cases_are_the_gradient_of_a_convolution(answer_key):
    """Is each conv_transpose_is_conv_backward key the dx of the matching convolution?"""
    from cs231n.fast_layers import conv_backward_fast, conv_forward_fast

    cell = next(c for c in cases.cells() if c.grade_id == "correct_conv_transpose_is_conv_backward")
    shapes = {"public": (2, 3, 7, 5), "hidden-1": (2, 2, 6, 4), "hidden-2": (1, 4, 9, 6)}
    for case in cell.cases:
        inputs = case.inputs()
        w, dout = inputs["w"], inputs["x"]
        x = np.zeros(shapes[case.name])
        _, cache = conv_forward_fast(x, w, np.zeros(w.shape[0]), inputs["conv_param"])
        dx, _, _ = conv_backward_fast(dout, cache)
        assert np.allclose(answer_key[case.id]["outputs"]["out"], dx, rtol=1e-9, atol=1e-12)


def test_training_sets_are_synthetic_balanced_and_held_out_apart():
    """Are the one-epoch images of three classes, and the held-out images none of the training?"""
    case = next(c for c in cases.all_cases() if c.cell == "correct_train_one_epoch")
    inputs, secret = case.inputs(), case.secret()
    assert inputs["X_train"].shape == (1000, 3, 32, 32)
    assert inputs["X_train"].dtype == np.float32
    assert set(np.unique(inputs["y_train"])) == set(cases.TRAIN_CLASSES)
    assert secret["X_heldout"].shape == (300, 3, 32, 32)
    train = {row.tobytes() for row in inputs["X_train"].reshape(1000, -1)}
    assert not any(row.tobytes() in train for row in secret["X_heldout"].reshape(300, -1))
    assert "X_heldout" not in inputs


def test_overfit_case_mirrors_the_notebook_cell():
    """Does the overfitting case train with the cell's arguments on 100 images (val = train)?"""
    case = next(c for c in cases.all_cases() if c.cell == "correct_overfit_small_data")
    inputs = case.inputs()
    assert inputs["X_train"].shape == (100, 3, 32, 32)
    assert np.array_equal(inputs["X_val"], inputs["X_train"])
    assert inputs["model"] == {"weight_scale": 1e-2}
    assert inputs["solver"]["num_epochs"] == 20
    assert inputs["solver"]["batch_size"] == 25
    assert case.secret() == {"min_accuracy": 0.8}


RULE_STATE = {"sgd_momentum": ("velocity",), "rmsprop": ("cache",), "adam": ("m", "v", "t")}


def _plain_rule(name, w, dw, config):
    """An independent oracle of each update rule, written from its docstring's formulas."""
    c = dict(config)
    if name == "sgd_momentum":
        lr, mu = c.get("learning_rate", 1e-2), c.get("momentum", 0.9)
        c["velocity"] = mu * c.get("velocity", 0 * w) - lr * dw
        return w + c["velocity"], c
    if name == "rmsprop":
        lr, rho = c.get("learning_rate", 1e-2), c.get("decay_rate", 0.99)
        eps = c.get("epsilon", 1e-8)
        c["cache"] = rho * c.get("cache", 0 * w) + (1 - rho) * dw * dw
        return w - lr * dw / (np.sqrt(c["cache"]) + eps), c
    lr, b1, b2 = c.get("learning_rate", 1e-3), c.get("beta1", 0.9), c.get("beta2", 0.999)
    eps, t = c.get("epsilon", 1e-8), c.get("t", 0) + 1
    c["m"] = b1 * c.get("m", 0 * w) + (1 - b1) * dw
    c["v"] = b2 * c.get("v", 0 * w) + (1 - b2) * dw * dw
    c["t"] = t
    m_hat, v_hat = c["m"] / (1 - b1**t), c["v"] / (1 - b2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), c


@pytest.mark.parametrize("rule", sorted(RULE_STATE))
def test_update_rule_keys_agree_with_the_docstring_formulas(rule, answer_key):
    """Does the key of every case of an update rule match the formulas of its docstring,
    stepped once per gradient by an oracle written apart from the solution?"""
    for case in next(c for c in cases.cells() if c.grade_id == f"correct_{rule}").cases:
        inputs = case.inputs()
        w, config = inputs["w"], inputs["config"]
        for dw in inputs["dws"]:
            w, config = _plain_rule(rule, w, dw, config)
        outputs = answer_key[case.id]["outputs"]
        assert np.allclose(outputs["next_w"], w, rtol=1e-12, atol=0), case.id
        for key in RULE_STATE[rule]:
            assert np.allclose(outputs[key], config[key], rtol=1e-12, atol=0), (case.id, key)


@pytest.mark.parametrize("rule", sorted(RULE_STATE))
def test_update_rule_hidden_cases_start_from_nothing_and_step_several_times(rule):
    """Does some hidden case of each rule start without any state and with the default
    hyperparameters, and some take several steps from a given state?"""
    cell = next(c for c in cases.cells() if c.grade_id == f"correct_{rule}")
    hidden = [case.inputs() for case in cell.cases if case.visibility == "hidden"]
    state = RULE_STATE[rule][0]
    assert any(state not in i["config"] and set(i["config"]) == {"learning_rate"} for i in hidden)
    assert any(state in i["config"] for i in hidden)
    assert any(len(i["dws"]) > 1 for i in hidden)
    assert len({i["w"].shape for i in hidden}) == len(hidden)


def test_rmsprop_cases_tell_where_epsilon_goes(answer_key):
    """Would epsilon inside the square root change next_w beyond the threshold in every case?"""
    for case in next(c for c in cases.cells() if c.grade_id == "correct_rmsprop").cases:
        inputs = case.inputs()
        w, config = inputs["w"], dict(inputs["config"])
        eps, rho = config.get("epsilon", 1e-8), config.get("decay_rate", 0.99)
        cache = config.get("cache", 0 * w)
        for dw in inputs["dws"]:
            cache = rho * cache + (1 - rho) * dw * dw
            w = w - config["learning_rate"] * dw / np.sqrt(cache + eps)
        expected = answer_key[case.id]["outputs"]["next_w"]
        assert verdict._diagnosis().rel_error(w, expected) > case.threshold, case.id


def test_check_accuracy_cases_leave_a_smaller_last_batch_and_sample():
    """Does some case leave a smaller last batch, and does every case sample fewer examples
    than it holds, with labels right for some examples and wrong for others?"""
    cell = next(c for c in cases.cells() if c.grade_id == "correct_solver_check_accuracy")
    every = [case.inputs() for case in cell.cases]
    assert any(len(i["y"]) % i["batch_size"] for i in every)
    assert any(len(i["y"]) == i["batch_size"] for i in every)
    for i in every:
        assert i["num_samples"] < len(i["y"])
        X = i["X"].reshape(len(i["y"]), -1)
        right = np.argmax(X @ i["params"]["W"] + i["params"]["b"], axis=1) == i["y"]
        assert 0 < right.sum() < len(right)


def test_solver_step_cases_train_with_momentum_in_batches_smaller_or_equal_to_the_set():
    """Does every step case train with sgd_momentum (its velocity shows whether each parameter
    keeps its own config) for more than one step, one case with a batch as large as the set?"""
    cell = next(c for c in cases.cells() if c.grade_id == "correct_solver_step")
    every = [case.inputs() for case in cell.cases]
    assert all(i["options"]["update_rule"] == "sgd_momentum" for i in every)
    assert all(i["steps"] > 1 for i in every)
    assert any(i["options"]["batch_size"] == len(i["y"]) for i in every)
    assert any("momentum" not in i["options"]["optim_config"] for i in every)


# ---------------------------------------------------------------------------
# Descriptions: what each case exercises, checked against its inputs
# ---------------------------------------------------------------------------


def test_every_case_has_a_one_line_description():
    """Does every case of the registry carry a non-empty one-line description, a public one
    saying it is the check cell's case and a hidden one not, no two of a cell alike?"""
    for case in cases.all_cases():
        text = case.description
        assert text.strip(), case.id
        assert "\n" not in text, case.id
        assert text.startswith("the check cell's case: ") == (case.visibility == "visible"), case.id
    for cell in cases.cells():  # feedback tells the cases of a cell apart by their descriptions
        described = [case.description for case in cell.cases]
        assert len(set(described)) == len(described), cell.grade_id


def _numbers(text):
    """{"N": 2, "C": 3, ...}: the NAME=value pairs of a description."""
    return {name: int(value) for name, value in re.findall(r"\b([A-Z])=(\d+)", text)}


def _uneven_axes(text):
    found = re.search(r"uneven in (H and W|H|W)\b", text)
    return set(found.group(1).split(" and ")) if found else set()


def _pads_of(case, inputs):
    """(top, bottom, left, right) as the solution resolves them: an oracle apart from cases.py."""
    from cs231n import shapes

    x = inputs["x"]
    if case.program.startswith("conv_transpose"):
        return shapes.check_conv_transpose_args(x, inputs["w"], inputs["b"], inputs["conv_param"])[
            1
        ]
    if case.program.startswith("conv_"):
        return shapes.check_conv_args(x, inputs["w"], inputs["b"], inputs["conv_param"])[1]
    return shapes.pool_padding(x, inputs["pool_param"])


def _ties(x, kh, kw, stride, pads):
    """Does some pooling window hold its maximum twice (padding never counting)?"""
    top, bottom, left, right = pads
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=-np.inf)
    for i in range(0, xp.shape[2] - kh + 1, stride):
        for j in range(0, xp.shape[3] - kw + 1, stride):
            window = xp[:, :, i : i + kh, j : j + kw]
            peak = window.max(axis=(2, 3), keepdims=True)
            if np.any(np.sum(window == peak, axis=(2, 3)) > 1):
                return True
    return False


def _check_layer(case, inputs, text):
    x = inputs["x"]
    N, channels, H, W = x.shape
    transposed = case.program.startswith("conv_transpose")
    if case.program.startswith("conv_"):
        w = inputs["w"]
        param, (kh, kw), kind = inputs["conv_param"], w.shape[2:], "filter"
        if transposed:  # x (N, F, H, W), w (F, C, HH, WW)
            expected = {"N": N, "F": channels, "C": w.shape[1], "H": H, "W": W}
        else:
            expected = {"N": N, "C": channels, "F": w.shape[0], "H": H, "W": W}
    else:
        param, kind = inputs["pool_param"], "window"
        kh, kw = param["pool_height"], param["pool_width"]
        expected = {"N": N, "C": channels, "H": H, "W": W}
    stride, pad = param["stride"], param.get("pad", 0)
    assert f"{kh} x {kw} {kind}" in text
    assert re.search(r"stride (\d+)", text).group(1) == str(stride)
    assert _numbers(text) == expected
    if pad in ("same", "valid"):
        assert f"'{pad}' padding" in text
    elif isinstance(pad, list) and pad[0] != pad[1]:
        assert f"pad {pad[0]} in H and {pad[1]} in W" in text
    elif "pad" in param or kind == "filter":
        assert re.search(r"\bpad (\d+),", text).group(1) == str(pad)
    else:
        assert "pad" not in text  # pooling without padding
    top, bottom, left, right = pads = _pads_of(case, inputs)
    assert _uneven_axes(text) == {a for a, b in (("H", top != bottom), ("W", left != right)) if b}
    if not transposed:
        over = (H + top + bottom - kh) % stride or (W + left + right - kw) % stride
        assert ("left over" in text) == bool(over)
    if kind == "window":
        assert ("overlapping" in text) == (stride < max(kh, kw))
        assert ("all values negative" in text) == bool(np.all(x < 0))
        if case.program.startswith("max"):
            assert ("tied maxima" in text) == _ties(x, kh, kw, stride, pads)
        else:
            assert "tied" not in text
            counted = param.get("count_include_pad", False)
            assert ("count_include_pad" in text) == (sum(pads) > 0 and counted)
            assert ("padding not counted" in text) == (sum(pads) > 0 and not counted)


def _check_rule(case, inputs, text):
    config, dws = inputs["config"], inputs["dws"]
    steps = int(re.match(r"(\d+) steps? ", text).group(1))
    assert steps == len(dws)
    state = RULE_STATE[case.program][0]
    assert ("from the given" in text) == (state in config)
    for key in ("momentum", "decay_rate", "epsilon", "beta1", "beta2"):
        assert (key in text) == (key not in config and key in cases.RULES[case.program][1])
    if case.program == "adam":
        assert (f"at t={config.get('t')}," in text) == ("t" in config)
    if case.program != "sgd_momentum":
        power = int(re.search(r"gradients down to 1e(-?\d+)", text).group(1))
        assert 10.0**power <= np.min(np.abs(dws)) < 10.0 ** (power + 1)


def _check_solver(case, inputs, text):
    n = len(inputs["y"])
    if case.program == "solver_step":
        options = inputs["options"]
        batch, momentum = options["batch_size"], options["optim_config"].get("momentum")
        assert f"{inputs['steps']} steps of {options['update_rule']}," in text
        assert f"batches of {batch} from {n} examples" in text
        assert ("the whole set" in text) == (batch == n)
        assert ("default momentum" in text) == (momentum is None)
        return
    batch = inputs["batch_size"]
    assert text.startswith(f"{n} examples in batches of {batch},")
    last = re.search(r"last batch of (\d+)", text)
    assert (int(last.group(1)) if last else 0) == n % batch
    assert f"a sample of {inputs['num_samples']}" in text


def _check_norm(case, inputs, text):
    if case.program == "spatial_batchnorm_test_time":
        batches, n = inputs["x_train"].shape[:2]
        assert text.startswith(f"{batches} training batches of N={n},")
        tail = text[text.index("test mode") :]
        assert _numbers(tail) == dict(zip("NCHW", inputs["x_test"].shape, strict=True))
        return
    x = inputs["x"]
    param = inputs.get("bn_param", inputs.get("gn_param"))
    eps = re.search(r"\beps (\S+)$", text)
    assert (float(eps.group(1)) if eps else None) == param.get("eps")
    found = _numbers(text)
    if "G" in inputs:
        G, C = inputs["G"], x.shape[1]
        assert found.pop("G") == G
        assert ("layer norm" in text) == (G == 1)
        assert ("one channel per group" in text) == (G == C > 1)
    assert found == dict(zip("NCHW", x.shape, strict=True))


def _check_convnet(case, inputs, text):
    X, config = inputs["X"], inputs["config"]
    reg = config["reg"] if case.program == "convnet_loss" else inputs["reg"]
    assert ("no regularisation" in text) == (reg == 0)
    if reg:
        assert float(re.search(r"\breg (\S+)$", text).group(1)) == reg
    if not config:
        assert "the default model sizes" in text
        assert _numbers(text) == {"N": X.shape[0]}
        return
    found = re.search(r"(\d+) filters (\d+) x (\d+), hidden (\d+), (\d+) classes", text)
    numbers = tuple(int(n) for n in found.groups())
    if "params" in inputs:  # the shapes of the params given: an oracle apart from the config
        W1, W2, W3 = (inputs["params"][k] for k in ("W1", "W2", "W3"))
        assert numbers == (W1.shape[0], W1.shape[2], W1.shape[3], W2.shape[1], W3.shape[1])
    else:
        fs = config["filter_size"]
        assert numbers == (config["num_filters"], fs, fs, config["hidden_dim"],
                           config["num_classes"])  # fmt: skip
    assert _numbers(text) == dict(zip("NCHW", X.shape, strict=True))


def _family(program):
    if program.startswith(("conv_", "max_pool", "avg_pool")):
        return _check_layer
    if program in RULE_STATE:
        return _check_rule
    if program.startswith("solver_"):
        return _check_solver
    if program.startswith("spatial_"):
        return _check_norm
    return _check_convnet


def test_descriptions_agree_with_the_inputs():
    """Does each description say what the case's inputs hold: window or filter, stride, sizes,
    the padding's form and the axis 'same' pads unevenly (as the solution pads), rows left
    over, ties, negative values, count_include_pad, groups, steps and defaults, and claim
    nothing they do not hold?"""
    from autograder.refs import import_solutions

    import_solutions()
    checked = 0
    for case in cases.all_cases():
        if case.cell in TRAINING:
            continue
        text = case.description.removeprefix("the check cell's case: ")
        inputs = case.inputs()
        assert cases.describe(case.program, inputs) == text, case.id
        try:
            _family(case.program)(case, inputs, text)
        except AssertionError as error:
            raise AssertionError(f"{case.id}: {text!r}") from error
        checked += 1
    assert checked == 107


def test_a_description_tells_the_padding_and_ties_apart():
    """Does describe name what was asked of hand-made inputs: 'same' uneven in W only, a
    floor, negative values and tied maxima, and none of these where they are absent?"""
    x = -np.ones((1, 2, 4, 7))  # all tied, all negative
    pool = {"pool_height": 2, "pool_width": 2, "stride": 2, "pad": "same"}
    text = cases.describe("max_pool_forward", {"x": x, "pool_param": pool})
    assert text == (
        "2 x 2 window, stride 2, 'same' padding, uneven in W, all values negative, tied maxima, "
        "N=1, C=2, H=4, W=7"
    )
    x = np.arange(2 * 3 * 7 * 6, dtype=float).reshape(2, 3, 7, 6)
    pool = {"pool_height": 3, "pool_width": 2, "stride": 2}
    text = cases.describe("avg_pool_forward", {"x": x, "pool_param": pool})
    assert text == "3 x 2 window, stride 2, overlapping, N=2, C=3, H=7, W=6"
    conv = {"stride": 3, "pad": "valid"}
    inputs = {"x": x, "w": np.ones((4, 3, 2, 2)), "b": np.ones(4), "conv_param": conv}
    assert cases.describe("conv_forward", inputs) == (
        "2 x 2 filter, stride 3, 'valid' padding, 2 rows and 1 column left over, "
        "N=2, C=3, F=4, H=7, W=6"
    )
    assert cases.describe("no_such_program", inputs) == ""


def test_training_descriptions_agree_with_their_inputs():
    """Do the training cases' hand-built descriptions give the image counts, classes, epochs
    and batch size their inputs really have?"""
    overfit = next(c for c in cases.all_cases() if c.cell == "correct_overfit_small_data")
    inputs = overfit.inputs()
    solver = inputs["solver"]
    assert overfit.description.startswith(f"{len(inputs['y_train'])} synthetic 32 x 32 images")
    assert inputs["X_train"].shape[2:] == (32, 32)
    assert f"{solver['num_epochs']} epochs of {solver['update_rule']}" in overfit.description
    assert f"in batches of {solver['batch_size']}," in overfit.description
    train = next(c for c in cases.all_cases() if c.cell == "correct_train_one_epoch")
    inputs, secret = train.inputs(), train.secret()
    classes = len(np.unique(inputs["y_train"]))
    assert f"on {len(inputs['y_train'])} synthetic 32 x 32 images of {classes} classes" in (
        train.description
    )
    assert f"({len(inputs['y_val'])} for validation)" in train.description
    assert f"scored on {len(secret['y_heldout'])} held-out images" in train.description
