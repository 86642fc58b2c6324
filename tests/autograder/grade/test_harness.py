"""Tests of autograder/grade/harness.py: the in-box entry point, run as `python -I harness.py`.

The harness runs as a plain subprocess here (the sandbox is tested elsewhere),
in a workdir assembled from a submission; hostile submissions are made by
inserting code at the top of a function of the instructor's layers.py.
"""

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autograder.grade import harness

pytestmark = pytest.mark.grade

LAYERS = "cs231n/layers.py"
CONV_FWD = "correct_conv_forward_naive"
MAX_FWD = "correct_max_pool_forward_naive"
MAX_BWD = "correct_max_pool_backward_naive"
AVG_FWD = "correct_avg_pool_forward_naive"
TODO = {
    "conv_forward": "    # TODO: Implement the convolutional forward pass",
    "max_pool_forward": "    # TODO: Implement the max-pooling forward pass",
    "avg_pool_forward": "    # TODO: Implement the average-pooling forward pass",
    "conv_backward": "    # TODO: Implement the convolutional backward pass",
}


def first(function, code):
    """A patch of layers.py running `code` first in `function` (before its TODO comment)."""
    todo = TODO[function]
    return (todo, textwrap.indent(textwrap.dedent(code).strip("\n"), "    ") + "\n" + todo)


def hints(graded, grade_id):
    return {case.name: case.hint for case in graded.cell(grade_id).cases}


def test_one_record_per_case_and_a_progress_line_each(run_grading, instructor_submission):
    """Does every case get its own .npz (loadable without pickle) and one line in the log?"""
    graded = run_grading(instructor_submission, only={CONV_FWD, MAX_FWD})
    assert graded.returncode == 0, graded.stderr
    files = sorted(p.name for p in (graded.workdir / ".grader-out").iterdir())
    ids = [f"{CONV_FWD}.public"] + [f"{CONV_FWD}.hidden-{n}" for n in range(1, 5)]
    ids += [f"{MAX_FWD}.public"] + [f"{MAX_FWD}.hidden-{n}" for n in range(1, 4)]
    assert files == sorted(f"{case_id}.npz" for case_id in ids)
    for case_id in ids:
        with np.load(graded.workdir / ".grader-out" / f"{case_id}.npz", allow_pickle=False) as f:
            assert str(f["status"]) == "ok"
            assert f["out/out"].dtype == np.float64
        assert f"harness: {case_id}: ok (" in graded.stdout
    assert graded.points() == {CONV_FWD: 3.0, MAX_FWD: 2.0}


def test_the_inputs_file_needs_no_pickle_and_holds_every_case(tmp_path):
    """Does the inputs file load with allow_pickle=False and list each case's program and seed?"""
    from autograder.grade import cases, verdict

    chosen = [
        c for c in cases.all_cases() if c.cell in (CONV_FWD, "correct_spatial_groupnorm_forward")
    ]
    path = verdict.write_inputs(tmp_path / "in.npz", chosen)
    meta, arrays = harness.read_inputs(path)
    assert [entry["id"] for entry in meta["cases"]] == [case.id for case in chosen]
    entry = meta["cases"][1]
    assert entry["program"] == "conv_forward"
    assert entry["inputs"]["conv_param"] == {"stride": 1, "pad": [2, 1]}
    assert all(a.dtype != object for a in arrays.values())
    inputs = harness.case_inputs(entry, arrays)
    inputs["x"][...] = 0  # fresh copies: the next read is untouched
    assert np.any(harness.case_inputs(entry, arrays)["x"])


def test_pack_refuses_what_would_need_pickle():
    """Is an object array, or an object of another kind, refused when writing inputs?"""
    with pytest.raises(TypeError, match="dtype object"):
        harness.pack({"x": np.array([{}], dtype=object)}, "in", {})
    with pytest.raises(TypeError, match="cannot store a set"):
        harness.pack({"x": {1, 2}}, "in", {})


def test_not_implemented_is_recorded_with_the_file_and_line(run_grading, grade_release):
    """Does the untouched stub give "not implemented" and where it raised, in the record?"""
    graded = run_grading(grade_release, only={CONV_FWD})
    with np.load(graded.workdir / ".grader-out" / f"{CONV_FWD}.public.npz") as f:
        assert str(f["error/kind"]) == "not implemented"
        assert str(f["error/where"]).startswith("cs231n/layers.py:")
        assert str(f["error/where"]).endswith(" in conv_forward_naive")
    assert f"harness: {CONV_FWD}.public: not implemented" in graded.stdout


def test_an_exception_is_recorded_with_type_message_and_line(run_grading, make_submission):
    """Does a raised error become "raised ValueError at cs231n/layers.py:N in f: message"?"""
    sub = make_submission({LAYERS: [first("conv_forward", 'raise ValueError("boom " * 500)')]})
    graded = run_grading(sub, only={CONV_FWD})
    hint = hints(graded, CONV_FWD)["hidden-1"]
    assert hint.startswith("raised ValueError at cs231n/layers.py:")
    assert " in conv_forward_naive: boom boom" in hint
    assert len(hint) <= 700
    assert graded.points() == {CONV_FWD: 0.0}


def test_an_exception_whose_message_cannot_be_read(run_grading, make_submission):
    """Does an exception whose __str__ raises still give a record, and the next cases run?"""
    code = """
    class Sneaky(Exception):
        def __str__(self):
            raise RuntimeError("no message for you")
    raise Sneaky()
    """
    sub = make_submission({LAYERS: [first("conv_forward", code)]})
    graded = run_grading(sub, only={CONV_FWD, MAX_FWD})
    assert "raised Sneaky at cs231n/layers.py:" in hints(graded, CONV_FWD)["public"]
    assert "(its message could not be read)" in hints(graded, CONV_FWD)["public"]
    assert graded.points()[MAX_FWD] == 2.0


def test_a_hanging_case_times_out_and_later_cases_still_run(run_grading, make_submission):
    """Does an endless loop cost only its own cell: one case stopped, the cell's others skipped?"""
    sub = make_submission({LAYERS: [first("max_pool_forward", "while True:\n    pass")]})
    graded = run_grading(sub, only={MAX_FWD, AVG_FWD}, budgets={MAX_FWD: 0.5})
    assert graded.points() == {MAX_FWD: 0.0, AVG_FWD: 2.0}
    found = hints(graded, MAX_FWD)
    assert found.pop("public").startswith("timed out after 0.5 s")
    assert found
    assert all(h == "not run: an earlier case of this cell hung" for h in found.values())
    assert f"harness: {MAX_FWD}.public: timed out after 0.5 s" in graded.stdout


def test_a_package_whose_import_hangs_costs_one_budget_not_one_per_case(
    run_grading, make_submission
):
    """Is an endless loop at import time reported once, every case skipped at once?"""
    hang = ("import numpy as np\n", "import numpy as np\n\nwhile True:\n    pass\n")
    sub = make_submission({LAYERS: [hang]})
    graded = run_grading(sub, only={MAX_FWD, AVG_FWD}, import_seconds=0.5)
    assert graded.points() == {MAX_FWD: 0.0, AVG_FWD: 0.0}
    for grade_id in (MAX_FWD, AVG_FWD):
        assert all(
            h.startswith("not run: importing cs231n.layers did not finish in 0.5 s")
            for h in hints(graded, grade_id).values()
        )
    assert "timed out after" not in graded.stdout


@pytest.mark.slow
def test_a_case_that_swallows_the_timeout_is_stopped_by_the_watchdog(run_grading, make_submission):
    """Does a loop that catches every exception get stopped (harness restarted after it)?"""
    code = """
    import time
    while True:
        try:
            time.sleep(0.05)
        except BaseException:
            pass
    """
    sub = make_submission({LAYERS: [first("max_pool_forward", code)]})
    graded = run_grading(sub, only={MAX_FWD, AVG_FWD}, budgets={MAX_FWD: 0.5}, grace=0.5)
    assert graded.points() == {MAX_FWD: 0.0, AVG_FWD: 2.0}
    found = hints(graded, MAX_FWD)
    assert found.pop("public").startswith("timed out")
    assert all(h == "not run: an earlier case of this cell hung" for h in found.values())
    # One restart: after it, the hung cell's other cases are skipped, not run again.
    assert graded.stdout.count("ignored the stop; restarting after it") == 1


def test_the_watchdogs_restart_inherits_no_pending_alarm(tmp_path):
    """Restarted past a case that swallows its SIGALRM (re-armed every second), does the new
    process start with no alarm pending? (One did: a restart still starting up on a busy
    machine was killed by it, and the cells after the hung one lost their points.)"""
    import subprocess
    import sys

    child = tmp_path / "child.py"
    child.write_text("import time\ntime.sleep(1.6)\nprint('survived', flush=True)\n")
    parent = tmp_path / "parent.py"
    parent.write_text(
        textwrap.dedent(
            f"""
            import io, sys, time
            sys.path.insert(0, {str(Path(harness.__file__).parent)!r})
            import harness
            restart = [sys.executable, {str(child)!r}]
            watchdog = harness.Watchdog({str(tmp_path)!r}, 0.3, restart, io.StringIO())
            watchdog.arm("cell.public", 0.2)
            with harness.time_budget(0.2):
                while True:
                    try:
                        time.sleep(0.05)
                    except BaseException:
                        pass
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(parent)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.strip() == "survived"


@pytest.mark.slow
def test_a_function_that_hangs_in_several_cells_is_stopped_in_each(run_grading, make_submission):
    """Does an unkillable loop in a function two cells call cost both cells, one restart each,
    the resumed harness carrying on with the cells after them?"""
    code = """
    import signal
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
        signal.signal(s, signal.SIG_IGN)
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
    """
    sub = make_submission({LAYERS: [first("max_pool_forward", code)]})
    budgets = {MAX_FWD: 0.5, MAX_BWD: 0.5}
    graded = run_grading(sub, only={MAX_FWD, MAX_BWD, AVG_FWD}, budgets=budgets, grace=0.5)
    assert graded.returncode == 0, graded.stderr[-2000:]
    assert graded.points() == {MAX_FWD: 0.0, MAX_BWD: 0.0, AVG_FWD: 2.0}
    for grade_id in (MAX_FWD, MAX_BWD):
        found = hints(graded, grade_id)
        assert sum(h.startswith(("timed out", "the sandbox stopped")) for h in found.values()) == 1
        assert sum(h == "not run: an earlier case of this cell hung" for h in found.values()) == (
            len(found) - 1
        )
    assert graded.stdout.count("ignored the stop; restarting after it") == 2


def test_sys_exit_is_recorded_and_later_cases_run(run_grading, make_submission):
    """Is sys.exit inside a function recorded as such, without ending the run?"""
    sub = make_submission({LAYERS: [first("conv_forward", "import sys\nsys.exit(3)")]})
    graded = run_grading(sub, only={CONV_FWD, MAX_FWD})
    assert hints(graded, CONV_FWD)["public"].startswith("called sys.exit(3) at cs231n/layers.py:")
    assert graded.points() == {CONV_FWD: 0.0, MAX_FWD: 2.0}


def test_os_exit_keeps_the_cases_already_written(run_grading, make_submission):
    """After os._exit in the second case, is the first case kept and the rest "no output"?"""
    code = """
    import os
    os.environ["CALLS"] = str(int(os.environ.get("CALLS", "0")) + 1)
    if os.environ["CALLS"] == "2":
        os._exit(0)
    """
    sub = make_submission({LAYERS: [first("conv_forward", code)]})
    graded = run_grading(sub, only={CONV_FWD, MAX_FWD})
    conv = graded.cell(CONV_FWD)
    # The first (public) case's outputs were kept and are right; alone, they earn nothing.
    assert conv.cases[0].hint.startswith("the check cell's own case is right")
    assert [case.passed for case in conv.cases] == [False] * 5
    hidden = [h for name, h in hints(graded, CONV_FWD).items() if name != "public"]
    assert all(h.startswith("no output: the run stopped") for h in hidden)
    assert conv.points == 0
    assert graded.cell(MAX_FWD).points == 0
    assert all(h.startswith("no output: the run stopped") for h in hints(graded, MAX_FWD).values())


def test_a_sitecustomize_in_the_workdir_is_never_imported(run_grading, make_submission, tmp_path):
    """Is a sitecustomize.py or usercustomize.py placed in the workdir left unimported?"""
    marker = tmp_path / "imported"
    code = f"open({str(marker)!r}, 'w').close()\n"

    def plant(work):
        for name in ("sitecustomize.py", "usercustomize.py"):
            (work / name).write_text(code)

    graded = run_grading(make_submission(), only={MAX_FWD}, prepare=plant)
    assert graded.points() == {MAX_FWD: 2.0}
    assert not marker.exists()


def test_an_object_array_output_is_refused_by_the_harness(run_grading, make_submission):
    """Is an output of dtype object (which would need pickle) recorded as a bad output?"""
    code = "return np.array([object()] * 4, dtype=object), None"
    sub = make_submission({LAYERS: [first("max_pool_forward", code)]})
    graded = run_grading(sub, only={MAX_FWD})
    assert graded.points() == {MAX_FWD: 0.0}
    for hint in hints(graded, MAX_FWD).values():
        assert hint == "out has dtype object, not real numbers"
    assert f"harness: {MAX_FWD}.public: bad output: out" in graded.stdout


def test_outputs_with_malicious_array_methods_give_plain_data(run_grading, make_submission):
    """Does an ndarray subclass (hostile __array__, __reduce__) give only its plain numbers?"""
    code = """
    import os

    class Evil(np.ndarray):
        def __array__(self, *args, **kwargs):
            os._exit(7)

        def __reduce__(self):
            return (os.system, ("echo pwned",))

    class NotAnArray:
        def __array__(self, *args, **kwargs):
            return np.array([object()], dtype=object)

    if x.shape[0] == 3:
        return NotAnArray(), None
    return np.zeros((x.shape[0], x.shape[1], 1, 1)).view(Evil), None
    """
    sub = make_submission({LAYERS: [first("avg_pool_forward", code)]})
    graded = run_grading(sub, only={AVG_FWD, MAX_FWD})
    assert graded.returncode == 0
    assert graded.points() == {AVG_FWD: 0.0, MAX_FWD: 2.0}
    found = hints(graded, AVG_FWD)
    assert found["hidden-2"] == "out has dtype object, not real numbers"  # x.shape[0] == 3
    assert found["hidden-1"].startswith("out has shape (2, 3, 1, 1), expected (2, 3, 4, 4)")
    assert "pwned" not in graded.stdout


def test_forged_files_in_the_output_folder_earn_nothing(run_grading, make_submission):
    """Are pickled, linked, zip-bomb, FIFO, oversized and forged files refused, nothing crashing?"""
    code = """
    import io, os, sys, zipfile
    out = sys.argv[sys.argv.index("--out") + 1]
    fwd, bwd = "correct_max_pool_forward_naive.", "correct_max_pool_backward_naive."

    def path(name):
        return os.path.join(out, name + ".npz")

    # A pickled object array, a link to a host file, a zip bomb, a forgery.
    np.savez(path(fwd + "public"), status=np.array("ok"),
             **{"out/out": np.array([{"a": 1}], dtype=object)})
    os.symlink("/etc/passwd", path(fwd + "hidden-1"))
    with zipfile.ZipFile(path(fwd + "hidden-2"), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("out/out.npy", bytes(64 << 20))
    np.savez(path(fwd + "hidden-3"), status=np.array("ok"), **{"out/out": np.zeros((1, 4, 2, 2))})
    # A FIFO (a reader would block), a file over the cap, a header claiming 10**12 floats.
    os.mkfifo(path(bwd + "public"))
    with open(path(bwd + "hidden-1"), "wb") as f:
        f.write(bytes(5 << 20))
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    with zipfile.ZipFile(path(bwd + "hidden-2"), "w") as z:
        z.writestr("out/dx.npy", header.getvalue() + bytes(8))
    with open(os.path.join(out, "notes.txt"), "w") as f:
        f.write("hello")
    os._exit(0)
    """
    sub = make_submission({LAYERS: [first("conv_forward", code)]})
    graded = run_grading(sub, only={CONV_FWD, MAX_FWD, MAX_BWD})
    assert graded.points() == {CONV_FWD: 0.0, MAX_FWD: 0.0, MAX_BWD: 0.0}
    fwd, bwd = hints(graded, MAX_FWD), hints(graded, MAX_BWD)
    assert "pickle is never loaded" in fwd["public"]
    assert "is a symbolic link (never followed)" in fwd["hidden-1"]
    assert "would unpack to over 4.0 MB" in fwd["hidden-2"]
    assert fwd["hidden-3"].startswith("out is all zeros")
    assert "is not a regular file" in bwd["public"]
    assert "is 5.0 MB, over this case's limit of 4.0 MB" in bwd["hidden-1"]
    assert "does not match its declared shape" in bwd["hidden-2"]
    assert bwd["hidden-3"].startswith("no output")
    assert graded.outputs.problems == [
        "unexpected files in the output folder (ignored): 'notes.txt'"
    ]
    assert "root:" not in json.dumps([c.hint for cell in graded.scores for c in cell.cases])


def test_an_output_folder_replaced_by_a_link_is_refused(run_grading, make_submission, tmp_path):
    """Is an output folder swapped for a link to files the student prepared refused as a whole?"""
    code = f"""
    import os, shutil, sys
    out = sys.argv[sys.argv.index("--out") + 1]
    shutil.copytree(out, {str(tmp_path / "forged")!r})
    shutil.rmtree(out)
    os.symlink({str(tmp_path / "forged")!r}, out)
    os._exit(0)
    """
    sub = make_submission({LAYERS: [first("conv_forward", code)]})
    graded = run_grading(sub, only={MAX_FWD, CONV_FWD})
    assert graded.points() == {CONV_FWD: 0.0, MAX_FWD: 0.0}
    assert graded.outputs.problems == [
        "the output folder was replaced by a link or a file: refused"
    ]


# ---------------------------------------------------------------------------
# The provided fast layers, out of the naive layers' reach
# ---------------------------------------------------------------------------

CONV_BWD = "correct_conv_backward_naive"
AVG_BWD = "correct_avg_pool_backward_naive"
CONV_FAST = "correct_conv_fast_matches_naive"
CONVNET_LOSS = "correct_three_layer_convnet_loss"
TOP = "import numpy as np\n"
RULE = "the naive layers are graded on doing the work themselves"


def at_top(code):
    """A patch of layers.py adding `code` just below its numpy import."""
    return (TOP, TOP + textwrap.dedent(code).lstrip("\n"))


def renamed_copy(fast_name):
    """The provided `fast_name` and its helpers pasted into layers.py, renamed (hostile.py)."""
    from autograder import paths
    from autograder.demo.hostile import pasted_fast_layers

    code, names = pasted_fast_layers((paths.PACKAGE_DIR / "fast_layers.py").read_text())
    return code, names[fast_name]


def records(graded, grade_id):
    """{case name: its record} of a cell (the .npz the harness wrote, read as a dict)."""
    found = {}
    for path in sorted((graded.workdir / ".grader-out").glob(f"{grade_id}.*.npz")):
        with np.load(path, allow_pickle=False) as f:
            found[path.name[len(grade_id) + 1 : -4]] = {k: str(f[k]) for k in f.files}
    return found


#: way of holding the fast layers -> (patches, the cell, the message every case's hint starts
#: with, the student's line it names).
FAST_WAYS = {
    "imported at the top": (
        {LAYERS: [at_top("from .fast_layers import conv_forward_fast\n"),
                  first("conv_forward", "return conv_forward_fast(x, w, b, conv_param)")]},
        CONV_FWD,
        "conv_forward_naive called the provided conv_forward_fast",
        " in conv_forward_naive",
    ),
    "a star import": (
        {LAYERS: [at_top("from .fast_layers import *  # noqa\n"),
                  first("max_pool_forward", "return max_pool_forward_fast(x, pool_param)")]},
        MAX_FWD,
        "max_pool_forward_naive called the provided max_pool_forward_fast",
        " in max_pool_forward_naive",
    ),
    "a default argument": (
        {LAYERS: [at_top("from . import fast_layers as _fl\n"),
                  ("def avg_pool_forward_naive(x, pool_param):",
                   "def avg_pool_forward_naive(x, pool_param, _impl=_fl.avg_pool_forward_fast):"),
                  first("avg_pool_forward", "return _impl(x, pool_param)")]},
        AVG_FWD,
        "avg_pool_forward_naive called the provided avg_pool_forward_fast",
        " in avg_pool_forward_naive",
    ),
    "an import inside the function": (
        {LAYERS: [first("conv_backward", """
            import cs231n.fast_layers
            _, fast_cache = cs231n.fast_layers.conv_forward_fast(x, w, b, conv_param)
            return cs231n.fast_layers.conv_backward_fast(dout, fast_cache)
            """)]},
        CONV_BWD,
        "conv_backward_naive called the provided conv_forward_fast",
        " in conv_backward_naive",
    ),
    "the sandwich layers of layer_utils": (
        {LAYERS: [first("conv_forward", """
            from .layer_utils import conv_relu_forward
            out, cache = conv_relu_forward(x, w, b + 1e6, conv_param)
            return out - 1e6, cache[0][:4]
            """)]},
        CONV_FWD,
        "conv_forward_naive called the provided conv_forward_fast (through "
        "layer_utils.conv_relu_forward)",
        " in conv_forward_naive",
    ),
    "the private helpers": (
        {LAYERS: [first("avg_pool_forward", """
            from .fast_layers import _grid
            N, C, H_out, W_out = pool_output_shape(x.shape, PH, PW, stride)
            out = np.zeros((N, C, H_out, W_out))
            for a in range(PH):
                for b in range(PW):
                    out += x[:, :, _grid(a, H_out, stride), _grid(b, W_out, stride)]
            return out / (PH * PW), (x, pool_param)
            """)]},
        AVG_FWD,
        "avg_pool_forward_naive called the provided _grid",
        " in avg_pool_forward_naive",
    ),
    "a naive layer rebound by cnn.py": (
        {"cs231n/classifiers/cnn.py": [at_top("""
            from .. import fast_layers as _fast, layers as _layers
            _layers.max_pool_forward_naive = _fast.max_pool_forward_fast
            """)]},
        MAX_FWD,
        "max_pool_forward_naive called the provided max_pool_forward_fast",
        "",  # no line of the student's on the stack: the program calls the fast layer itself
    ),
    "its code object, held since import": (
        {LAYERS: [at_top("""
            import types as _types

            from . import fast_layers as _fl
            _own = _types.FunctionType(_fl.conv_forward_fast.__code__, vars(_fl))
            """),
                  first("conv_forward", "return _own(x, w, b, conv_param)")]},
        CONV_FWD,
        "conv_forward_naive called the provided conv_forward_fast",
        " in conv_forward_naive",
    ),
    "the module run again under another name": (
        {LAYERS: [first("max_pool_forward", """
            import pathlib
            text = pathlib.Path(__file__).with_name("fast_layers.py").read_text()
            again = {"__name__": "cs231n.mine", "__package__": "cs231n"}
            exec(compile(text, "mine.py", "exec"), again)
            return again["max_pool_forward_fast"](x, pool_param)
            """)]},
        MAX_FWD,
        "max_pool_forward_naive runs max_pool_forward_fast, a copy of the provided "
        "max_pool_forward_fast",
        " in max_pool_forward_naive",
    ),
    "a renamed copy pasted into layers.py": (
        {LAYERS: [(
            "def max_pool_backward_naive(",
            renamed_copy("max_pool_forward_fast")[0] + "\n\ndef max_pool_backward_naive(",
        ), first("max_pool_forward", f"""
            out, cache = {renamed_copy("max_pool_forward_fast")[1]}(x, pool_param)
            return out, cache[:2]
            """)]},
        MAX_FWD,
        "max_pool_forward_naive runs _max_pool_forward_vectorised, a copy of the provided "
        "max_pool_forward_fast",
        " in _max_pool_forward_vectorised",
    ),
}  # fmt: skip


@pytest.mark.parametrize("way", FAST_WAYS)
def test_a_naive_layer_cannot_reach_the_provided_fast_layers(run_grading, make_submission, way):
    """However the naive layer holds the fast layers, does every case of its cell fail with a
    record naming the naive function, the fast one and the student's line?"""
    patches, grade_id, message, where = FAST_WAYS[way]
    graded = run_grading(make_submission(patches), only={grade_id})
    assert graded.returncode == 0, graded.stderr
    assert graded.points() == {grade_id: 0.0}
    found = records(graded, grade_id)
    assert len(found) == len(graded.cell(grade_id).cases)
    for record in found.values():
        assert record["error/kind"] == "used fast layers"
        assert record["error/message"] == message
        assert record["error/where"].endswith(where)
        if where:
            assert record["error/where"].startswith("cs231n/layers.py:")
    for hint in hints(graded, grade_id).values():
        assert hint.startswith(message)
        assert RULE in hint
    assert f"harness: {grade_id}.public: used the provided fast layers" in graded.stdout


def test_swallowing_the_refusal_or_stopping_the_trace_changes_nothing(run_grading, make_submission):
    """Does a naive layer that catches the refusal and does the work anyway, or one that stops
    the harness's trace, still fail every case, while the other cells keep their points?"""
    swallow = """
    try:
        from .fast_layers import conv_forward_fast
        return conv_forward_fast(x, w, b, conv_param)
    except BaseException:
        pass  # and the solution below does the work
    """
    untraced = "import sys\nsys.settrace(None)"
    sub = make_submission(
        {LAYERS: [first("conv_forward", swallow), first("avg_pool_forward", untraced)]}
    )
    graded = run_grading(sub, only={CONV_FWD, AVG_FWD, MAX_FWD})
    assert graded.points() == {CONV_FWD: 0.0, AVG_FWD: 0.0, MAX_FWD: 2.0}
    for hint in hints(graded, CONV_FWD).values():
        assert hint.startswith("conv_forward_naive called the provided conv_forward_fast")
    for hint in hints(graded, AVG_FWD).values():
        assert hint.startswith(
            "avg_pool_forward_naive stopped the harness's watch over the provided fast layers"
        )


OWN_VECTORISED = """
    # My own vectorised convolution: every window as a view, one einsum.
    from numpy.lib.stride_tricks import sliding_window_view

    HH, WW = w.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad_top, pad_bottom), (pad_left, pad_right)))
    windows = sliding_window_view(x_pad, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nchwij,fcij->nfhw", windows, w) + b[None, :, None, None]
    return out, (x, w, b, conv_param)
"""


def test_a_students_own_vectorised_code_is_not_blocked(run_grading, make_submission):
    """Does a conv_forward_naive of the student's own, vectorised with numpy's
    sliding_window_view (which the fast layers use too), earn every point?"""
    sub = make_submission({LAYERS: [first("conv_forward", OWN_VECTORISED)]})
    graded = run_grading(sub, only={CONV_FWD, "correct_conv_forward_same"})
    assert graded.lost() == set(), [h for s in graded.scores for h in graded.hints(s.grade_id)]


def test_the_convnet_runs_with_the_fast_layers_after_a_blocked_case(run_grading, make_submission):
    """After naive cases were refused the fast layers, do the convnet's cases (the sandwich
    layers call the fast ones) run with them and earn every point, in the same harness run?"""
    sub = make_submission(
        {LAYERS: [at_top("from .fast_layers import *  # noqa\n"),
                  first("conv_forward", "return conv_forward_fast(x, w, b, conv_param)")]}
    )  # fmt: skip
    graded = run_grading(sub, only={CONV_FWD, CONV_FAST, CONVNET_LOSS})
    assert graded.points() == {CONV_FWD: 0.0, CONV_FAST: 0.0, CONVNET_LOSS: 4.0}
    order = [
        line.split(":")[1].strip() for line in graded.stdout.splitlines() if ".public:" in line
    ]
    assert order.index(f"{CONV_FWD}.public") < order.index(f"{CONVNET_LOSS}.public")
    for hint in hints(graded, CONV_FAST).values():
        assert hint.startswith("conv_forward_naive called the provided conv_forward_fast")


def test_the_guard_knows_every_provided_function_and_puts_them_back(tmp_path):
    """Does the guard hold every function of fast_layers.py (helpers and aliases too), block
    each while it is on, and leave each exactly as it was after, even when the block raises?"""
    import sys

    from autograder import paths

    module_path = paths.PACKAGE_DIR.parent
    sys.path.insert(0, str(module_path))
    try:
        guard = harness.FastLayerGuard.capture(module_path)
        fast = sys.modules[harness.FAST_MODULE]
    finally:
        sys.path.remove(str(module_path))
    names = {fn.__name__ for fn in guard.functions}
    assert {"conv_forward_fast", "_im2col", "_col2im", "_grid", "_pad_channels_first"} <= names
    assert "check_conv_args" not in names  # imported from shapes.py: not the fast layers'
    assert len(guard.functions) == len(names)  # the CS231n aliases are the same objects
    before = {fn.__name__: fn.__code__ for fn in guard.functions}
    x, w = np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))
    pool = {"pool_height": 2, "pool_width": 2, "stride": 2}
    with guard.blocking(("conv_forward_naive",)):
        with pytest.raises(harness.FastLayersUsed, match="called the provided _im2col"):
            fast._im2col(x, 3, 3, 1, 2, 2)
        # A CS231n alias is the same function: blocked as conv_forward_fast.
        with pytest.raises(harness.FastLayersUsed, match="called the provided conv_forward_fast"):
            fast.conv_forward_im2col(x, w, np.zeros(1), {"stride": 1, "pad": 0})
    assert guard.used
    assert {fn.__name__: fn.__code__ for fn in guard.functions} == before
    with pytest.raises(ValueError, match="boom"), guard.blocking(("avg_pool_forward_naive",)):
        raise ValueError("boom")
    assert {fn.__name__: fn.__code__ for fn in guard.functions} == before
    assert not guard.used
    out, _ = fast.avg_pool_forward_fast(x, pool)
    assert out.tolist() == [[[[1.0, 1.0], [1.0, 1.0]]]]
