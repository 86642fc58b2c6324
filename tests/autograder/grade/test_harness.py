"""Tests of autograder/grade/harness.py: the in-box entry point, run as `python -I harness.py`.

The harness runs as a plain subprocess here (the sandbox is tested elsewhere),
in a workdir assembled from a submission; hostile submissions are made by
inserting code at the top of a function of the instructor's layers.py.
"""

import json
import textwrap

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
