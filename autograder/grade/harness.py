"""The in-box entry point: run every case's program on the student's code and write what it returns.

    python -I harness.py --inputs IN.npz --out OUTDIR        (cwd: the assembled workdir)

It runs inside the sandbox, beside `programs.py`, with the student's package
in its working directory, and it trusts nothing it touches afterwards: what it
writes is read by the trusted grader (`verdict.read_outputs`) as untrusted data.

1. Before numpy loads, BLAS is held to one thread (unless the environment
   says otherwise): grading runs many boxes side by side.
2. The inputs are read from IN.npz, written by the trusted side
   (`write_inputs`): a "manifest" entry (JSON: for every case its id, program,
   numpy seed, time budget, and its inputs with every array replaced by a
   reference) and the arrays. Nothing in it needs pickle.
3. The working directory goes first on sys.path only now, after startup, so a
   `sitecustomize.py` or `.pth` file shipped by a student is never imported
   on its own. programs.py is loaded from beside this file, by path. The
   provided fast layers (cs231n.fast_layers, a file of the release) are
   imported before the student's modules, so that their functions are known
   before student code can touch them (FastLayerGuard).
4. For every case, cheapest time budget first: fresh copies of its inputs,
   np.random.seed(seed), then its program under a time budget (SIGALRM, sent
   again every second if the student's code swallows it), so one hanging
   function costs only its own cases. Code that swallows every signal is
   left to a watchdog thread: past the budget and a grace period it writes
   the case's "timed out" record and restarts the harness after the cases
   already written (os.execv, --resume). Every exception is caught and recorded
   (its type, message and the student's file:line, a few hundred characters);
   NotImplementedError is recorded as "not implemented". A case that grades
   naive layers (its manifest entry lists them under "naive") runs, program
   and output conversion alike, with the provided fast layers out of reach
   (FastLayerGuard.blocking): reaching them, however the reference is held,
   is recorded as "used fast layers", naming the naive function and the
   fast one, whatever the student's code does with the error.
5. Each output becomes a plain numeric numpy array (np.asarray, copied into a
   base-class ndarray; object, string and complex dtypes are refused and
   recorded as a bad output), and the case's record is written at once to
   OUTDIR/<case id>.npz, an .npz whose arrays are saved with pickle
   disallowed. A timeout or crash later on keeps the cases already written.
6. One progress line per case goes to stdout, for the instructor's log; what
   the student's code prints is kept to a few thousand characters per case.

A record holds "status" ("ok" or "error"), and then "out/<name>" (or
"out/<name>/<key>" for a dict of arrays), "bad/<name>" (why an output could
not be kept), and for an error "error/kind" ("not implemented", "timed out",
"raised", "exited", "used fast layers", and "stopped" or "skipped" for a case
not run to its end), "error/type", "error/message" and "error/where".

This file imports only the standard library and numpy: it must not import
`autograder` (it is not in the box). The trusted side imports it too, for the
file format (`write_inputs`, `read_inputs`, `case_inputs`, `write_record`).
So its codec of nested trees of arrays (`pack`, `unpack`, `write_npz`) is the
grader's one, used by verdict.py for the cached answer key as well; what the
box writes is read back by verdict.py's own reader, which trusts nothing. The
reference files check cells read are another format, written by
autograder/refs/store.py and read by cs231n/checks.py (see store.py). The two
cannot share code: this file runs alone in the box, and the student package
ships alone.
"""

import os

if __name__ == "__main__":
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse
import contextlib
import dis
import importlib.util
import json
import re
import signal
import sys
import tempfile
import threading
import time
import types
import zipfile

import numpy as np

#: The version of the inputs file's layout.
INPUTS_FORMAT = 1
#: A case id is a file name: letters, digits, '_', '-' and '.', not starting with '.'.
CASE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,150}$")
#: An output's name, or a key of a dict of outputs.
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
#: The fields of an error record.
ERROR_FIELDS = ("kind", "type", "message", "where")
#: How much of an error message is kept, in characters.
MESSAGE_CHARS = 300
#: How much of what the student's code prints is passed on, per case, in characters.
PRINT_CHARS = 4000
#: Numpy dtype kinds an output may have: bool, signed and unsigned int, float.
NUMERIC_KINDS = "biuf"
#: How long past its budget a case may run when it ignores SIGALRM, before the
#: harness writes its "timed out" record and restarts itself after it, in seconds.
GRACE_SECONDS = 10.0
#: The key under which a tree's arrays are referenced in its JSON skeleton.
ARRAY_REF = "$array"


# ---------------------------------------------------------------------------
# Nested inputs <-> a JSON skeleton plus arrays
# ---------------------------------------------------------------------------


def pack(tree, prefix, arrays):
    """A JSON-able skeleton of `tree`; its arrays go into `arrays` under `prefix/...`.

    `tree` is made of dicts with string keys, lists, tuples (saved as lists),
    numbers, strings, None and numpy arrays. An array becomes {"$array": key}.
    """
    if isinstance(tree, np.ndarray):
        if tree.dtype.hasobject:
            raise TypeError(f"{prefix}: an array of dtype object would need pickle")
        arrays[prefix] = tree
        return {ARRAY_REF: prefix}
    if isinstance(tree, dict):
        skeleton = {}
        for key, value in tree.items():
            if not isinstance(key, str) or not NAME.match(key):
                raise ValueError(f"{prefix}: key {key!r} is not a plain name")
            skeleton[key] = pack(value, f"{prefix}/{key}", arrays)
        return skeleton
    if isinstance(tree, (list, tuple)):
        return [pack(value, f"{prefix}/{n}", arrays) for n, value in enumerate(tree)]
    if isinstance(tree, np.generic):
        return tree.item()
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    raise TypeError(f"{prefix}: cannot store a {type(tree).__name__}")


def unpack(skeleton, arrays):
    """The tree `pack` described, with fresh copies of its arrays."""
    if isinstance(skeleton, dict):
        if set(skeleton) == {ARRAY_REF}:
            return np.array(arrays[skeleton[ARRAY_REF]], copy=True)
        return {key: unpack(value, arrays) for key, value in skeleton.items()}
    if isinstance(skeleton, list):
        return [unpack(value, arrays) for value in skeleton]
    return skeleton


def write_npz(path_or_file, arrays):
    """Write arrays to an .npz (uncompressed) with pickle disallowed for every entry."""
    with zipfile.ZipFile(path_or_file, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, array in arrays.items():
            with archive.open(f"{key}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)


def write_inputs(path, cases, grace=GRACE_SECONDS, import_seconds=None):
    """Write the inputs file the harness reads.

    `cases` is a list of dicts: "id" (see CASE_ID), "program" (a name in
    programs.PROGRAMS), "np_seed", "timeout" (seconds), "inputs" (the tree
    of inputs given to the program), and optionally "naive" (the names of the
    naive layers the case grades: it runs with the provided fast layers out
    of reach, see FastLayerGuard). `grace` is how long past its budget a
    case that ignores SIGALRM may run before the harness restarts after it;
    `import_seconds` the budget of importing the student's package (default
    IMPORT_SECONDS).
    """
    arrays, manifest = {}, []
    for case in cases:
        case_id = case["id"]
        if not CASE_ID.match(case_id):
            raise ValueError(f"case id {case_id!r} is not a plain file name")
        naive = [str(name) for name in case.get("naive", ())]
        if not all(NAME.match(name) for name in naive):
            raise ValueError(f"case {case_id}: naive layers {naive!r} are not plain names")
        manifest.append(
            {
                "id": case_id,
                "program": case["program"],
                "np_seed": int(case["np_seed"]),
                "timeout": float(case["timeout"]),
                "naive": naive,
                "inputs": pack(case["inputs"], f"{case_id}/in", arrays),
            }
        )
    ids = [entry["id"] for entry in manifest]
    if len(set(ids)) != len(ids):
        raise ValueError("two cases have the same id")
    meta = {
        "format": INPUTS_FORMAT,
        "grace": float(grace),
        "import_seconds": float(import_seconds or IMPORT_SECONDS),
        "cases": manifest,
    }
    write_npz(path, {"manifest": np.array(json.dumps(meta)), **arrays})


def read_inputs(path):
    """(manifest, arrays) of an inputs file written by `write_inputs`.

    The manifest is a dict: "format", "grace" and "cases" (a list of entries).
    """
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays.pop("manifest")))
    if meta.get("format") != INPUTS_FORMAT:
        raise ValueError(f"{path}: inputs format {meta.get('format')!r}, expected {INPUTS_FORMAT}")
    return meta, arrays


def case_inputs(entry, arrays):
    """Fresh copies of one case's inputs (dicts and arrays alike)."""
    return unpack(json.loads(json.dumps(entry["inputs"])), arrays)


# ---------------------------------------------------------------------------
# Outputs -> a record of plain arrays
# ---------------------------------------------------------------------------


def plain_array(value):
    """(array, None) for a value that is a plain numeric array, or (None, why not)."""
    if value is None:
        return None, "is None (a missing return, or a value never set?)"
    if isinstance(value, tuple):
        return None, f"is a tuple of {len(value)}, not an array (a whole `out, cache` pair?)"
    try:
        array = np.array(np.asarray(value), copy=True, order="C", subok=False)
    except Exception as error:  # the value's own __array__ may raise anything
        return None, f"cannot be turned into an array ({_type_name(error)})"
    if type(array) is not np.ndarray:
        return None, "does not turn into a plain numpy array"
    if array.dtype.kind not in NUMERIC_KINDS:
        return None, f"has dtype {_dtype_name(array)}, not real numbers"
    return array, None


def to_record(outputs):
    """The record of a program's outputs: "out/..." arrays and "bad/..." reasons."""
    record = {"status": np.array("ok")}
    for name, value in outputs.items():
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str) or not NAME.match(key):
                    record[f"bad/{name}"] = np.array(
                        f"{name} has a key that is not a plain name: {_short(_repr(key), 60)}"
                    )
                    break
                array, why = plain_array(item)
                if array is None:
                    record[f"bad/{name}"] = np.array(f"{name}[{key!r}] {why}")
                    break
                record[f"out/{name}/{key}"] = array
            else:
                if not value:
                    record[f"bad/{name}"] = np.array(f"{name} is an empty dict")
            if f"bad/{name}" in record:
                for stale in [k for k in record if k.startswith(f"out/{name}/")]:
                    del record[stale]
        else:
            array, why = plain_array(value)
            if array is None:
                record[f"bad/{name}"] = np.array(f"{name} {why}")
            else:
                record[f"out/{name}"] = array
    return record


def error_record(kind, type_name="", message="", where=""):
    """The record of a case that did not return."""
    fields = {"kind": kind, "type": type_name, "message": message, "where": where}
    record = {"status": np.array("error")}
    for field in ERROR_FIELDS:
        record[f"error/{field}"] = np.array(_short(str(fields[field]), MESSAGE_CHARS))
    return record


def write_record(outdir, case_id, record):
    """Write OUTDIR/<case_id>.npz atomically (a temporary file renamed into place)."""
    fd, tmp = tempfile.mkstemp(dir=outdir, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            write_npz(f, record)
        os.replace(tmp, os.path.join(outdir, f"{case_id}.npz"))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------------------
# The provided fast layers, out of the naive layers' reach
# ---------------------------------------------------------------------------

#: The provided module a naive layer's case must not reach.
FAST_MODULE = "cs231n.fast_layers"
#: Provided files that sit between a student's call and a fast layer: the line
#: named in a record is the student's, below them.
PROVIDED_CALLERS = ("cs231n/fast_layers.py", "cs231n/layer_utils.py")
#: A code object counts as a copy of a provided fast function when it has the
#: same fingerprint (code_fingerprint: the same instructions, constants and
#: attribute names, however its variables and helpers are named) and is at least
#: this many bytes of bytecode long: a one-line helper such as _grid is too
#: common a shape to tell apart.
MIN_COPY_BYTES = 100


class FastLayersUsed(BaseException):
    """A naive layer's case reached the provided fast layers.

    A BaseException, so that `except Exception` in student code lets it
    through; the guard has recorded the attempt anyway, so code that swallows
    it changes nothing.
    """


def _blocked(*args, _convkit_guard=None, **kwargs):
    # The body of every provided fast function while a naive layer's case runs
    # (FastLayerGuard.blocking swaps it in). Its globals are the fast layers'
    # module's, so it reaches the guard through its keyword default only.
    _convkit_guard.refuse()


def _blocker_code(name):
    """_blocked's code under the name `name` (the fast function it stands in for)."""
    names = {"co_name": name}
    if hasattr(_blocked.__code__, "co_qualname"):  # Python 3.11 and later
        names["co_qualname"] = name
    return _blocked.__code__.replace(**names)


def _codes_in(code):
    """`code` and the code objects nested in it (comprehensions, inner functions)."""
    found = [code]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found += _codes_in(const)
    return found


#: Instructions that name a global (or module-level) variable: a copy may rename it.
_GLOBAL_OPS = {"LOAD_GLOBAL", "STORE_GLOBAL", "DELETE_GLOBAL", "LOAD_NAME", "STORE_NAME"}


def code_fingerprint(code):
    """What a code object keeps when its source is renamed, reformatted or stripped of its
    docstring and comments: a tuple to compare.

    Its number of arguments and its instructions, each with its argument as
    seen through the renaming: a constant by its value (not its index, which
    the docstring shifts), an attribute or imported name by itself (np.zeros,
    a.reshape), a global variable's name not at all, a local variable by its
    slot (the order of first use, which renaming keeps), anything else as is.
    A method call compiles as LOAD_METHOD or as LOAD_ATTR depending on whether
    the module imported its object (np): both count as LOAD_ATTR, and a jump
    counts by the instruction it goes to (their caches differ in size).
    """
    instructions = list(dis.get_instructions(code))
    index = {step.offset: n for n, step in enumerate(instructions)}
    steps = []
    for step in instructions:
        name = "LOAD_ATTR" if step.opname == "LOAD_METHOD" else step.opname
        if step.opcode in dis.hasjrel or step.opcode in dis.hasjabs:
            arg = index.get(step.argval, step.argval)
        elif step.opcode in dis.hasconst:
            arg = "<code>" if isinstance(step.argval, types.CodeType) else step.argval
        elif step.opname in _GLOBAL_OPS:
            arg = None
        elif step.opcode in dis.hasname:
            arg = step.argval
        else:
            arg = step.arg
        steps.append((name, arg))
    return (code.co_argcount, tuple(steps))


class FastLayerGuard:
    """Keeps the provided fast layers out of reach while a naive layer's case runs.

    Made (`capture`) before the student's package is imported, it holds every
    function defined in cs231n.fast_layers: the layers, their CS231n aliases
    (the same objects) and the private helpers (_im2col, _col2im, ...). While
    `blocking(naive)` is active:

    1. each of those functions has a blocker's __code__ (and no defaults), so
       a call through any reference to it fails: an import at the top of
       layers.py or a star import, a default argument, an import inside the
       function, a naive function rebound to a fast one (by cnn.py, say), the
       sandwich layers of layer_utils;
    2. a trace function (sys.settrace, and threading.settrace for threads
       started meanwhile) sees every Python call: running the fast layers'
       own code objects (held since import, or wrapped in a new function) or
       a code object with the same fingerprint as one of them (the module
       exec'd or imported again under another name, or its source pasted into
       layers.py with other names, see code_fingerprint) fails too.

    Either way FastLayersUsed is raised and the attempt recorded (`used`,
    `record()`: which naive function reached which fast one, and the
    student's line). Code that stops the trace (sys.settrace) is recorded
    too. Everything is put back on exit, so the cases that may use the fast
    layers (the convnet's, through the sandwich layers) run with them. The
    trace costs a dictionary lookup per Python call: naive layers that loop
    over every pixel of every example run about a third slower (4.6 s to 6 s
    for the demo's alternative on the largest case, whose budget is 60 s).

    What is left: code that copies the fast layers and changes their
    structure, or computes their outputs ahead, during a case that may use
    them, is not told apart here (autograder/grade/suspicious.py reads the
    code for both).
    """

    def __init__(self, functions, workdir):
        self.functions = list(functions)
        self.root = os.path.realpath(workdir) + os.sep
        self.blockers = {id(fn): _blocker_code(fn.__name__) for fn in self.functions}
        self.originals = {}  # id(code) -> the fast function's name (codes kept in _kept)
        self.copies = {}  # code_fingerprint -> the fast function's name
        self._kept = []
        for fn in self.functions:
            for code in _codes_in(fn.__code__):
                self._kept.append(code)
                self.originals[id(code)] = fn.__name__
                if len(code.co_code) >= MIN_COPY_BYTES:
                    self.copies.setdefault(code_fingerprint(code), fn.__name__)
        self._seen = {}  # id(code) -> (code, fast name or None, how): the trace's verdicts
        self._hook = self._trace  # one bound method, to recognise it in sys.gettrace()
        self.naive = ()
        self.attempts = []

    @classmethod
    def capture(cls, workdir):
        """The guard of the fast layers module as the workdir's package provides it."""
        module = importlib.import_module(FAST_MODULE)
        functions, seen = [], set()
        for value in vars(module).values():
            if (
                isinstance(value, types.FunctionType)
                and value.__module__ == module.__name__
                and id(value) not in seen
                and not value.__code__.co_freevars  # (none has: a blocker has no closure)
            ):
                seen.add(id(value))
                functions.append(value)
        return cls(functions, workdir)

    @property
    def used(self):
        """Whether the last blocked run reached the fast layers."""
        return bool(self.attempts)

    def record(self):
        """The "used fast layers" record of the last blocked run (its first attempt)."""
        message, where = self.attempts[0]
        return error_record("used fast layers", "FastLayersUsed", message, where)

    @contextlib.contextmanager
    def blocking(self, naive):
        """Run a block with the fast layers out of reach; `naive` names the layers it grades."""
        self.naive, self.attempts = tuple(naive), []
        saved = [(fn, fn.__code__, fn.__defaults__, fn.__kwdefaults__) for fn in self.functions]
        previous, previous_threads = sys.gettrace(), threading.gettrace()
        try:
            for fn in self.functions:
                fn.__code__ = self.blockers[id(fn)]
                fn.__defaults__ = None
                fn.__kwdefaults__ = {"_convkit_guard": self}
            threading.settrace(self._hook)
            sys.settrace(self._hook)
            yield self
        finally:
            watching = sys.gettrace() is self._hook
            sys.settrace(previous)
            threading.settrace(previous_threads)
            for fn, code, defaults, kwdefaults in saved:
                fn.__code__, fn.__defaults__, fn.__kwdefaults__ = code, defaults, kwdefaults
            # A trace that raised is unset by Python itself: then an attempt is recorded.
            if not watching and not self.attempts:
                message = (
                    f"{self._naive_label()} stopped the harness's watch over the provided "
                    "fast layers (sys.settrace)"
                )
                self.attempts.append((message, ""))

    def refuse(self):
        """Called by a blocked fast function: record the attempt and raise FastLayersUsed."""
        frame = sys._getframe(1)  # the blocker's frame, named after its fast function
        self._attempt(frame.f_code.co_name, frame.f_back, "called")

    def _trace(self, frame, event, arg):
        if event != "call":
            return None
        code = frame.f_code
        known = self._seen.get(id(code))
        if known is None:
            fast, how = self.originals.get(id(code)), "called"
            if fast is None and len(code.co_code) >= MIN_COPY_BYTES:
                fast, how = self.copies.get(code_fingerprint(code)), "copied"
            known = self._seen[id(code)] = (code, fast, how)
        if known[1] is not None:
            self._attempt(known[1], frame, known[2])
        return None

    def _attempt(self, fast, frame, how):
        """Record that `frame` (or a caller of it) reached the fast function `fast`; raise."""
        naive = self._naive_of(frame)
        if how == "copied":
            own = frame.f_code.co_name
            what = (
                f"{naive} is a copy of the provided {fast}"
                if own == naive
                else f"{naive} runs {own}, a copy of the provided {fast}"
            )
        else:
            what = f"{naive} called the provided {fast}{self._through(frame)}"
        message = _short(what, 200)
        self.attempts.append((message, self._where(frame)))
        raise FastLayersUsed(f"{message}: the naive layers are graded on doing the work themselves")

    def _naive_label(self):
        return " or ".join(self.naive) or "a naive layer"

    def _naive_of(self, frame):
        """The innermost naive layer of the case on the stack from `frame` outwards."""
        while frame is not None:
            if frame.f_code.co_name in self.naive:
                return frame.f_code.co_name
            frame = frame.f_back
        return self._naive_label()

    def _student_frames(self, frame):
        """(frame, path in the workdir) from `frame` outwards, for files of the workdir.

        Code compiled under a made-up file name (exec'd) is passed over.
        """
        while frame is not None:
            filename = frame.f_code.co_filename
            path = os.path.realpath(filename)
            if path.startswith(self.root) and os.path.isfile(path):
                yield frame, path[len(self.root) :]
            frame = frame.f_back

    def _where(self, frame):
        """'cs231n/layers.py:412 in conv_forward_naive': the student's innermost line."""
        for found, rel in self._student_frames(frame):
            if rel not in PROVIDED_CALLERS:
                code = found.f_code
                name = getattr(code, "co_qualname", code.co_name)
                return _short(f"{rel}:{found.f_lineno} in {name}", 200)
        return ""

    def _through(self, frame):
        """' (through layer_utils.conv_relu_forward)' when a sandwich layer made the call."""
        through = ""
        for found, rel in self._student_frames(frame):
            if rel not in PROVIDED_CALLERS:
                break
            if rel.endswith("layer_utils.py"):
                through = f" (through layer_utils.{found.f_code.co_name})"
        return through


# ---------------------------------------------------------------------------
# Running one case
# ---------------------------------------------------------------------------


class CaseTimeout(BaseException):
    """The case's time budget ran out (a BaseException: `except Exception` does not catch it)."""


@contextlib.contextmanager
def time_budget(seconds):
    """Raise CaseTimeout in the block after `seconds`, and every second after that (until
    the watchdog restarts the harness: RESTARTING)."""
    armed = [True]

    def on_alarm(signum, frame):
        if armed[0] and not RESTARTING.is_set():
            signal.setitimer(signal.ITIMER_REAL, 1.0)
            raise CaseTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 0.01))
    try:
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _CappedWriter:
    """A stdout that passes on the first `limit` characters, then one note, then nothing."""

    def __init__(self, target, limit):
        self.target, self.left = target, limit

    def write(self, text):
        text = str(text)
        if self.left > 0:
            self.target.write(text[: self.left])
            self.left -= len(text)
            if self.left <= 0:
                self.target.write("\n[harness: further output of this case dropped]\n")
        return len(text)

    def flush(self):
        self.target.flush()


def run_case(program, entry, arrays, workdir, guard=None):
    """Run one case; return (record, status) where status is a word for the log.

    A case whose entry names naive layers runs under `guard.blocking` (a
    FastLayerGuard), the conversion of its outputs included (an output's own
    __array__ is student code too); if it reached the fast layers, its record
    says so, whatever else happened.
    """
    naive = entry.get("naive") or ()
    blocking = guard.blocking(naive) if guard is not None and naive else None
    record, status = _run_case(program, entry, arrays, workdir, blocking)
    if blocking is not None and guard.used:
        # A case that also ran out of time still counts as hung for its cell (main()).
        timed_out = f"{status}, and " if status.startswith("timed out") else ""
        return guard.record(), f"{timed_out}used the provided fast layers"
    return record, status


def _run_case(program, entry, arrays, workdir, blocking):
    os.chdir(workdir)
    try:
        inputs = case_inputs(entry, arrays)
        np.random.seed(entry["np_seed"])  # noqa: NPY002 (the notebooks seed the global RNG)
        # The fast layers are put back only after the time budget is disarmed.
        with blocking or contextlib.nullcontext(), time_budget(entry["timeout"]):
            outputs = program(inputs)
            if not isinstance(outputs, dict):
                raise TypeError(f"the program returned a {type(outputs).__name__}, not a dict")
            record = to_record(outputs)
        bad = [key[4:] for key in record if key.startswith("bad/")]
        return record, ("ok" if not bad else f"bad output: {', '.join(bad)}")
    except CaseTimeout:
        message = f"timed out after {entry['timeout']:g} s"
        return error_record("timed out", "", message, ""), message
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # everything the student's code can raise
        # Reading the error runs the student's code too (its __str__): under a budget.
        try:
            with time_budget(ERROR_SECONDS):
                return describe_error(error, workdir)
        except CaseTimeout:
            return error_record("raised", "an exception", "(unreadable)", ""), "raised"


#: The time allowed to read an exception's type, message and traceback, in seconds.
ERROR_SECONDS = 5


def describe_error(error, workdir):
    """(record, status) for an exception the student's code raised."""
    where = _where(error, workdir)
    if isinstance(error, NotImplementedError):
        record = error_record("not implemented", "NotImplementedError", _text(error), where)
        return record, "not implemented"
    if isinstance(error, SystemExit):
        message = f"called sys.exit({_short(_repr(error.code), 40)})"
        return error_record("exited", "SystemExit", message, where), message
    kind = _type_name(error)
    return error_record("raised", kind, _text(error), where), f"raised {kind}"


def _repr(value):
    try:
        return repr(value)
    except BaseException:
        return "?"


def _short(text, limit):
    text = "".join(c if c.isprintable() or c in "\n\t" else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _type_name(error):
    try:
        return _short(str(type(error).__name__), 80)
    except BaseException:
        return "an exception"


def _dtype_name(array):
    try:
        return _short(str(array.dtype), 40)
    except BaseException:
        return "unknown"


def _text(error):
    """The message of an exception, whatever its __str__ does."""
    try:
        return _short(str(error), MESSAGE_CHARS)
    except BaseException:
        return "(its message could not be read)"


def _where(error, workdir):
    """'cs231n/layers.py:412 in conv_forward_naive': the innermost frame in the student's code."""
    try:
        found = None
        tb = error.__traceback__
        root = os.path.realpath(workdir) + os.sep
        while tb is not None:
            code = tb.tb_frame.f_code
            filename = code.co_filename
            if ".ipynb: cell " in filename:
                found = (filename, tb.tb_lineno, code)
            elif not filename.startswith("<"):
                path = os.path.realpath(filename)
                if path.startswith(root):
                    found = (path[len(root) :], tb.tb_lineno, code)
            tb = tb.tb_next
        if found is None:
            return ""
        name, line, code = found
        function = getattr(code, "co_qualname", code.co_name)
        return _short(f"{name}:{line} in {function}", 200)
    except BaseException:
        return ""


#: Set by the watchdog just before it restarts the harness: time_budget re-arms no alarm.
RESTARTING = threading.Event()


class Watchdog:
    """A thread that restarts the harness after a case that ignores its time budget.

    SIGALRM stops a case that runs too long, unless the student's code
    swallows every exception (a bare `except:` inside a loop) or ignores the
    signal. Then, `grace` seconds past the budget, this thread writes the
    case's "timed out" record and replaces the process with a fresh harness
    (os.execv, same arguments plus --resume) that carries on after the cases
    already written.
    """

    def __init__(self, outdir, grace, argv, log):
        self.outdir, self.grace, self.argv, self.log = outdir, grace, argv, log
        self.lock = threading.Lock()
        self.current = None
        threading.Thread(target=self._watch, name="harness-watchdog", daemon=True).start()

    def arm(self, case_id, seconds):
        with self.lock:
            self.current = (case_id, time.monotonic() + seconds + self.grace, seconds)

    def disarm(self):
        with self.lock:
            self.current = None

    def _watch(self):
        while True:
            time.sleep(0.2)
            with self.lock:
                current = self.current
            if current is None or time.monotonic() < current[1]:
                continue
            case_id, _, seconds = current
            message = f"timed out after {seconds:g} s, and ignored the stop"
            try:
                write_record(self.outdir, case_id, error_record("timed out", "", message, ""))
                self.log.write(f"harness: {case_id}: {message}; restarting after it\n")
                self.log.flush()
            except BaseException:
                pass
            # An interval timer outlives execv, and the new process starts with SIGALRM's
            # default action, to die: the swallowed case's alarm, re-armed every second,
            # once killed a restart still starting up on a busy machine (the cells after
            # the hung one lost their points). No re-arming from now on, and no timer.
            RESTARTING.set()
            signal.setitimer(signal.ITIMER_REAL, 0)
            os.execv(self.argv[0], self.argv)


def hung_cells(outdir):
    """The cells with a case already recorded as timed out or stopped (when resuming)."""
    cells = set()
    for name in os.listdir(outdir):
        if not name.endswith(".npz") or not CASE_ID.match(name[:-4]):
            continue
        try:
            with np.load(os.path.join(outdir, name), allow_pickle=False) as record:
                kind = str(record["error/kind"]) if "error/kind" in record.files else ""
        except Exception:
            continue
        if kind in ("timed out", "stopped"):
            cells.add(name[:-4].split(".", 1)[0])
    return cells


#: The student's modules imported before any case, and the time that may take.
STUDENT_MODULES = ("cs231n.layers", "cs231n.classifiers.cnn", "cs231n.optim", "cs231n.solver")
IMPORT_SECONDS = 20


def import_package(log, seconds=IMPORT_SECONDS):
    """Import the student's modules once, under a time budget.

    Returns None, or one line saying the import hung: then no case can run (each
    would hang importing them too), and every case is recorded as skipped
    instead of costing its whole time budget. An import that raises is left to
    the cases, which record the error each.
    """
    for name in STUDENT_MODULES:
        try:
            with contextlib.redirect_stdout(_CappedWriter(log, PRINT_CHARS)):
                with time_budget(seconds):
                    importlib.import_module(name)
        except CaseTimeout:
            return (
                f"not run: importing {name} did not finish in {seconds:g} s (code that "
                "runs at import time loops or blocks)"
            )
        except KeyboardInterrupt:
            raise
        except BaseException:
            continue
    return None


def case_order(cases):
    """The order the harness runs cases in: cheapest time budget first (a stable sort).

    The grader relies on it: after a run the sandbox stopped, the first case
    in this order without a record is the one that was running.
    """
    return sorted(cases, key=lambda entry: entry["timeout"])


def load_programs(folder):
    """The programs module from `folder`/programs.py, loaded by path."""
    path = os.path.join(folder, "programs.py")
    spec = importlib.util.spec_from_file_location("convkit_grading_programs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PROGRAMS


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", required=True, help="the inputs file (.npz)")
    parser.add_argument("--out", required=True, help="the folder to write one .npz per case into")
    parser.add_argument(
        "--resume",
        type=int,
        default=0,
        metavar="N",
        help="(set by the watchdog) the Nth restart: skip the cases already written",
    )
    parser.add_argument(
        "--stopped",
        action="append",
        default=[],
        metavar="CASE",
        help="(set by the grader) a case during which the sandbox stopped an earlier run",
    )
    parser.add_argument(
        "--stop-reason", default="", help="(set by the grader) why the earlier run was stopped"
    )
    args = parser.parse_args(argv)
    # A restart by the watchdog inherits no alarm (see Watchdog._watch); be sure.
    signal.setitimer(signal.ITIMER_REAL, 0)

    workdir = os.getcwd()
    inputs = os.path.abspath(args.inputs)
    outdir = os.path.abspath(args.out)
    os.makedirs(outdir, exist_ok=True)
    meta, arrays = read_inputs(inputs)
    cases = meta["cases"]
    if args.resume > len(cases):
        print("harness: restarted more times than there are cases; stopping", flush=True)
        return 3
    sys.dont_write_bytecode = True
    here = os.path.dirname(os.path.abspath(__file__))
    programs = load_programs(here)
    # Only now: the student's package becomes importable.
    sys.path.insert(0, workdir)

    log = sys.stdout
    # The provided fast layers first, before any student module runs.
    guard = None
    try:
        guard = FastLayerGuard.capture(workdir)
    except Exception as error:
        print(
            f"harness: {FAST_MODULE} could not be imported ({_type_name(error)}): the naive "
            "layers' cases run without its guard",
            file=log,
            flush=True,
        )
    restart = [sys.executable, *(["-I"] if sys.flags.isolated else [])]
    restart += [os.path.abspath(__file__), "--inputs", inputs, "--out", outdir]
    watchdog = Watchdog(outdir, meta.get("grace", GRACE_SECONDS), restart, log)
    started = time.monotonic()
    order = case_order(cases)
    print(f"harness: {len(order)} cases in {workdir}", file=log, flush=True)
    if not args.resume:
        stuck = import_package(log, meta.get("import_seconds", IMPORT_SECONDS))
        if stuck:
            for entry in order:
                if CASE_ID.match(entry["id"]):
                    with contextlib.suppress(OSError):
                        write_record(outdir, entry["id"], error_record("skipped", "", stuck))
            print(f"harness: {stuck}", file=log, flush=True)
            return 0
    # A cell whose case hung: its other cases are not run (each would hang too).
    hung = hung_cells(outdir) if args.resume else set()
    for entry in order:
        case_id = entry["id"]
        if not CASE_ID.match(case_id):
            print(f"harness: skipped a case with the id {case_id!r}", file=log, flush=True)
            continue
        if args.resume and os.path.lexists(os.path.join(outdir, f"{case_id}.npz")):
            continue
        cell = case_id.split(".", 1)[0]
        if case_id in args.stopped or cell in hung:
            if case_id in args.stopped:
                hung.add(cell)
                message = f"the sandbox stopped the run during this case ({args.stop_reason})"
                record = error_record("stopped", "", _short(message, MESSAGE_CHARS))
            else:
                message = "not run: an earlier case of this cell hung"
                record = error_record("skipped", "", message)
            with contextlib.suppress(OSError):
                write_record(outdir, case_id, record)
            print(f"harness: {case_id}: {message}", file=log, flush=True)
            continue
        clock, cpu = time.monotonic(), time.process_time()
        program = programs.get(entry["program"])
        if program is None:
            record = error_record("raised", "LookupError", f"no program {entry['program']!r}")
            status = "unknown program"
        else:
            watchdog.argv = [*restart, "--resume", str(args.resume + 1)]
            watchdog.arm(case_id, entry["timeout"])
            try:
                with contextlib.redirect_stdout(_CappedWriter(log, PRINT_CHARS)):
                    record, status = run_case(program, entry, arrays, workdir, guard)
            finally:
                watchdog.disarm()
                os.chdir(workdir)
        if status.startswith("timed out"):
            hung.add(cell)
        try:
            write_record(outdir, case_id, record)
        except OSError as error:
            status = f"{status}; its record could not be written ({error.strerror})"
            # Say why in a record of a few bytes (outputs over the box's file size limit).
            message = f"its outputs could not be written ({error.strerror}): far too large?"
            with contextlib.suppress(OSError):
                write_record(outdir, case_id, error_record("stopped", "", message))
        print(
            f"harness: {case_id}: {status} "
            f"({time.monotonic() - clock:.2f} s, cpu {time.process_time() - cpu:.2f} s)",
            file=log,
            flush=True,
        )
    print(
        f"harness: done in {time.monotonic() - started:.1f} s (cpu {time.process_time():.1f} s)",
        file=log,
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
