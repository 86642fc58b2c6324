"""The trusted verdict: compare what the box wrote with the answer key; points and a hint per miss.

This runs in the grader's own process and never imports student code. It
only reads the files the harness wrote, as untrusted data.

1. `write_inputs(path)` builds every case's inputs (cases.py) and writes the
   one file the harness reads. The same file serves every submission.
2. `answer_key()` runs every case's program (programs.py) in this process on
   the instructor's package (assignment/cs231n, solutions included) with the
   same inputs, and keeps what the judges of the property cases need. It is
   cached in a file named after a hash of everything it depends on (the
   package, the cases, the programs), in build/answer-key/ of the checkout:
   keep that folder out of the sandbox's sight, as the solutions are.
3. `read_outputs(outdir)` reads OUTDIR/<case id>.npz for every case, trusting
   nothing: the folder and each file are opened without following a
   symbolic link (a student can plant one pointing at a host file), a file
   must be regular and under the case's size cap, the zip's member count
   and declared sizes are checked before anything is decompressed (no zip
   bomb), each .npy header is checked before its array is allocated (shape
   times item size must be the bytes present), and only bool, int and float
   arrays (and short strings for an error) are accepted: never pickle. A file
   that fails any of this is a miss with the reason; the run's other
   findings (unexpected files in the folder) are in `.problems`.
4. `score_cells(outputs, key)` gives each case pass or fail and each cell
   its points times the fraction of its cases that pass (2 decimals; the
   visible case counts only when a hidden case of the cell passes), with a
   hint for every miss: which output is wrong and how (a wrong shape and
   which axis, NaN, all zeros, a constant offset, scaled, transposed, wrong
   only on the border, raised X at file:line, not implemented, timed out, no
   output). The diagnosis is the check cells' own (cs231n/_diagnosis.py): a
   visible case (the check cell's own inputs) gets it in full; a hidden
   case's hint names the symptom only: shapes, axes and counts, never a
   number taken from the key. Each verdict carries its case's description
   (what the case exercises, from its inputs), for feedback to show beside a
   hidden case's miss.
"""

import contextlib
import errno
import hashlib
import io
import json
import math
import os
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .. import paths
from . import cases as cases_module
from . import harness
from .results import CaseVerdict, CellScore

#: Where answer keys are cached (a file per key, named after its fingerprint).
KEY_CACHE_DIR = paths.REPO / "build" / "answer-key"
#: Bump when the key's meaning changes without a change in the files hashed.
KEY_FORMAT = 1
#: The most entries an output file may hold.
MAX_MEMBERS = 256
#: The longest string an output file may hold (an error message), in characters.
MAX_STRING = 2000
#: The most axes an output array may have.
MAX_NDIM = 8
#: How long a hint may be, in characters.
HINT_CHARS = 700
#: Entry names an output file may hold (see harness.py).
_ENTRY = re.compile(
    r"^(status|error/(kind|type|message|where)|bad/[A-Za-z_][A-Za-z0-9_]{0,63}"
    r"|out/[A-Za-z_][A-Za-z0-9_]{0,63}(/[A-Za-z_][A-Za-z0-9_]{0,63})?)\.npy$"
)


class AnswerKeyError(Exception):
    """The solution itself fails a case: the case or the solution needs fixing."""


# ---------------------------------------------------------------------------
# 1. Inputs
# ---------------------------------------------------------------------------

_BUILT = {}


def case_inputs(case):
    """The case's inputs (built once per process: the training sets take a second)."""
    key = (case.id, case.seed, case.make_inputs)
    if key not in _BUILT:
        _BUILT[key] = case.inputs()
    return _BUILT[key]


def _entry(case):
    return {
        "id": case.id,
        "program": case.program,
        "np_seed": case.np_seed,
        "timeout": case.timeout,
        "naive": list(case.naive),
        "inputs": case_inputs(case),
    }


def write_inputs(path, cases=None, grace=harness.GRACE_SECONDS, import_seconds=None):
    """Write the harness's inputs file for `cases` (default: every case); return the path.

    `grace`: how long past its budget a case that ignores SIGALRM may run
    before the harness restarts after it (see harness.Watchdog).
    """
    cases = cases_module.all_cases() if cases is None else list(cases)
    entries = [_entry(case) for case in cases]
    harness.write_inputs(path, entries, grace=grace, import_seconds=import_seconds)
    return Path(path)


def total_timeout(cases=None):
    """The sum of the cases' time budgets, in seconds: a bound for the whole harness run."""
    cases = cases_module.all_cases() if cases is None else list(cases)
    return sum(case.timeout for case in cases)


# ---------------------------------------------------------------------------
# 2. The answer key
# ---------------------------------------------------------------------------

_KEYS = {}


def _digest(path):
    return hashlib.sha256(Path(path).read_bytes()).digest()


#: The grader's own files the key depends on, hashed when this module is imported
#: (with them): a file edited while a long run goes on must not give the key the
#: run computes from the old code the fingerprint of the new.
_GRADER_DIGESTS = tuple(
    (Path(path).name, _digest(path))
    for path in (
        Path(__file__).parent / "cases.py",
        Path(__file__).parent / "programs.py",
        Path(__file__).parent / "harness.py",
        paths.REPO / "autograder" / "refs" / "cases.py",
    )
)


def fingerprint(cases):
    """A hash of everything the answer key of `cases` depends on."""
    digest = hashlib.sha256(f"convkit-answer-key-{KEY_FORMAT}\n".encode())
    for path in sorted(paths.PACKAGE_DIR.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(f"{path.name}\n".encode())
        digest.update(_digest(path))
    for name, file_digest in _GRADER_DIGESTS:
        digest.update(f"{name}\n".encode())
        digest.update(file_digest)
    for case in cases:
        digest.update(f"{case.id}:{case.program}:{case.seed}:{case.np_seed}\n".encode())
    return digest.hexdigest()


def answer_key(cases=None, cache=True):
    """The answer key of `cases` (default: every case): case id -> dict.

    For a compared case, {"outputs": the solution's outputs} (and its
    "inputs" when visible, to name an input a difference equals); for a
    judged case, {"inputs": ..., "secret": ...}: what its judge needs.

    `cache` is True (the default folder KEY_CACHE_DIR), a folder, or False.
    Raises AnswerKeyError when the solution fails a case.
    """
    cases = cases_module.all_cases() if cases is None else list(cases)
    from ..refs import import_solutions

    import_solutions()
    fp = fingerprint(cases)
    if fp in _KEYS:
        return _KEYS[fp]
    folder = None
    if cache:
        folder = KEY_CACHE_DIR if cache is True else Path(cache)
        path = folder / f"answer-key-{fp[:24]}.npz"
        key = _load_key(path, fp)
        if key is not None:
            _KEYS[fp] = key
            return key
    key = {case.id: _key_of(case) for case in cases}
    if folder is not None:
        try:
            save_key(folder / f"answer-key-{fp[:24]}.npz", fp, key)
        except OSError:
            pass  # a read-only checkout: the key is recomputed next time
    _KEYS[fp] = key
    return key


def _key_of(case):
    from . import programs

    inputs = case_inputs(case)
    if case.judge is not None:
        return {"inputs": inputs, "secret": case.secret()}
    arrays = {}
    skeleton = harness.pack(inputs, "in", arrays)
    fresh = harness.unpack(json.loads(json.dumps(skeleton)), arrays)
    try:
        with _global_rng_kept(), np.errstate(all="ignore"):
            np.random.seed(case.np_seed)  # noqa: NPY002 (as in the box)
            outputs = programs.PROGRAMS[case.program](fresh)
            record = harness.to_record(outputs)
    except Exception as error:
        raise AnswerKeyError(
            f"the solution fails case {case.id}: {type(error).__name__}: {error}"
        ) from error
    bad = {k: str(v) for k, v in record.items() if k.startswith("bad/")}
    if bad:
        raise AnswerKeyError(f"the solution's outputs of case {case.id} are unusable: {bad}")
    entry = {"outputs": _record_outputs(record)}
    if case.visibility == "visible":
        entry["inputs"] = inputs
    return entry


def _record_outputs(record):
    """{"out/dx": a, "out/grads/W1": b} -> {"dx": a, "grads": {"W1": b}}."""
    outputs = {}
    for key, value in record.items():
        parts = key.split("/")
        if parts[0] != "out":
            continue
        if len(parts) == 2:
            outputs[parts[1]] = value
        else:
            outputs.setdefault(parts[1], {})[parts[2]] = value
    return outputs


def save_key(path, fp, key):
    """Write `key` (fingerprint `fp`) to `path` as answer_key's cache reads it (no pickle)."""
    arrays = {}
    skeleton = {case_id: harness.pack(entry, f"k/{n}", arrays) for n, (case_id, entry) in
                enumerate(key.items())}  # fmt: skip
    meta = {"fingerprint": fp, "key": skeleton}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".answer-key-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            harness.write_npz(f, {"meta": np.array(json.dumps(meta)), **arrays})
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load_key(path, fp):
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        meta = json.loads(str(arrays.pop("meta")))
        if meta.get("fingerprint") != fp:
            return None
        return {case_id: harness.unpack(s, arrays) for case_id, s in meta["key"].items()}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


# ---------------------------------------------------------------------------
# 3. Reading the box's outputs (untrusted)
# ---------------------------------------------------------------------------


@dataclass
class CaseOutput:
    """What the box left for one case.

    - status: "ok", "error" (the program raised, timed out, ...), "missing"
      (no file) or "refused" (a file that could not be trusted)
    - outputs: name -> array, or name -> {key: array}
    - bad: name -> why the harness could not keep that output
    - error: "kind", "type", "message", "where" of an error
    - problem: why a file was refused
    """

    status: str
    outputs: dict = field(default_factory=dict)
    bad: dict = field(default_factory=dict)
    error: dict = field(default_factory=dict)
    problem: str = ""


class Outputs(dict):
    """case id -> CaseOutput; `problems` lists findings about the output folder itself."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems = []


class _Refused(Exception):
    """An output file that cannot be trusted; the message says why."""


def read_outputs(outdir, cases=None):
    """Read OUTDIR/<case id>.npz of every case (default: every case) as untrusted data.

    Returns Outputs: case id -> CaseOutput, never raising for anything the
    folder holds.
    """
    cases = cases_module.all_cases() if cases is None else list(cases)
    result = Outputs()
    try:
        parent = os.open(Path(outdir).parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        parent, opened = None, error
    dir_fd = None
    if parent is not None:
        try:
            flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
            dir_fd = os.open(Path(outdir).name, flags, dir_fd=parent)
        except OSError as error:
            opened = error
        finally:
            os.close(parent)
    if dir_fd is None:
        if opened.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            why = "the output folder was replaced by a link or a file: refused"
            result.problems.append(why)
            for case in cases:
                result[case.id] = CaseOutput("refused", problem=why)
        else:
            result.problems.append("the harness left no output folder")
            for case in cases:
                result[case.id] = CaseOutput("missing")
        return result
    try:
        names = set(os.listdir(dir_fd))
        expected = {f"{case.id}.npz" for case in cases}
        strays = sorted(n for n in names - expected if not n.startswith(".tmp-"))
        if strays:
            shown = ", ".join(repr(_clean(n, 60)) for n in strays[:5])
            more = f" and {len(strays) - 5} more" if len(strays) > 5 else ""
            result.problems.append(
                f"unexpected files in the output folder (ignored): {shown}{more}"
            )
        for case in cases:
            name = f"{case.id}.npz"
            if name not in names:
                result[case.id] = CaseOutput("missing")
                continue
            try:
                result[case.id] = _read_case_file(dir_fd, name, case)
            except _Refused as refused:
                result[case.id] = CaseOutput("refused", problem=str(refused))
    finally:
        os.close(dir_fd)
    return result


def _read_case_file(dir_fd, name, case):
    limit = int(case.max_output_mb * 2**20)
    try:
        fd = os.open(
            name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd
        )
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EMLINK):
            raise _Refused(f"{name} is a symbolic link (never followed)") from None
        raise _Refused(f"{name} cannot be opened ({error.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused(f"{name} is not a regular file")
        if info.st_size > limit:
            raise _Refused(f"{name} is {_mb(info.st_size)}, over this case's limit of {_mb(limit)}")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise _Refused(f"{name} grew over this case's limit of {_mb(limit)}")
    finally:
        os.close(fd)
    try:
        entries = _read_npz(b"".join(chunks), limit)
    except _Refused as refused:
        raise _Refused(f"{name}: {refused}") from None
    except Exception as error:  # zipfile, zlib and numpy's readers raise many kinds
        raise _Refused(f"{name} is not a valid output file ({type(error).__name__})") from None
    return _case_output(entries, name)


def _read_npz(data, limit):
    """The arrays of an .npz held in `data`, checked before anything is decompressed."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _Refused(f"{len(infos)} entries (at most {MAX_MEMBERS})")
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            raise _Refused("an entry appears twice")
        if sum(info.file_size for info in infos) > limit:
            raise _Refused(f"its entries would unpack to over {_mb(limit)}")
        entries = {}
        for info in infos:
            if not _ENTRY.match(info.filename):
                raise _Refused(f"unexpected entry {_clean(info.filename, 60)!r}")
            if info.flag_bits & 0x1:
                raise _Refused("an encrypted entry")
            with archive.open(info) as member:
                raw = member.read(info.file_size + 1)
            if len(raw) != info.file_size:
                raise _Refused("an entry's size differs from the size it declares")
            entries[info.filename[: -len(".npy")]] = _parse_npy(raw)
    return entries


def _parse_npy(raw):
    """One .npy file's array, from bytes, allocated only once its size is known to be there."""
    f = io.BytesIO(raw)
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f, max_header_size=4096)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f, max_header_size=4096)
    else:
        raise _Refused(f"unsupported .npy version {version}")
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise _Refused(f"an array of dtype {_clean(str(dtype), 40)} (pickle is never loaded)")
    if dtype.kind not in harness.NUMERIC_KINDS + "U":
        raise _Refused(f"an array of dtype {_clean(str(dtype), 40)}, not numbers")
    if len(shape) > MAX_NDIM or any(not isinstance(n, int) or n < 0 for n in shape):
        raise _Refused("an array with a malformed shape")
    count = math.prod(shape)
    body = raw[f.tell() :]
    if count * dtype.itemsize != len(body):
        raise _Refused("an array whose data does not match its declared shape")
    array = np.frombuffer(body, dtype=dtype, count=count)
    array = array.reshape(shape, order="F" if fortran else "C")
    return np.array(array, dtype=dtype.newbyteorder("="), copy=True)


def _case_output(entries, name):
    status = _string(entries.get("status"), name, "status")
    if status not in ("ok", "error"):
        raise _Refused(f"{name} has no valid status")
    out = CaseOutput(status)
    for key, value in entries.items():
        if key.startswith("out/"):
            if value.dtype.kind not in harness.NUMERIC_KINDS:
                raise _Refused(f"{name}: {key} is not numeric")
            parts = key.split("/")
            if len(parts) == 2:
                if isinstance(out.outputs.get(parts[1]), dict):
                    raise _Refused(f"{name}: {parts[1]} is both an array and a dict")
                out.outputs[parts[1]] = value
            else:
                inner = out.outputs.setdefault(parts[1], {})
                if not isinstance(inner, dict):
                    raise _Refused(f"{name}: {parts[1]} is both an array and a dict")
                inner[parts[2]] = value
        elif key.startswith("bad/"):
            out.bad[key[4:]] = _string(value, name, key)
        elif key.startswith("error/"):
            out.error[key[6:]] = _string(value, name, key)
    if status == "error" and "kind" not in out.error:
        raise _Refused(f"{name} says error but holds no error record")
    return out


def _string(value, name, key):
    if value is None:
        raise _Refused(f"{name} has no {key}")
    if value.dtype.kind != "U" or value.size != 1 or value.itemsize > 4 * MAX_STRING:
        raise _Refused(f"{name}: {key} is not a short string")
    return _clean(str(value.reshape(())[()]), MAX_STRING)


def _clean(text, limit):
    text = "".join(c if c.isprintable() else " " for c in str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _mb(size):
    return f"{size / 2**20:.1f} MB"


# ---------------------------------------------------------------------------
# 4. Scores and hints
# ---------------------------------------------------------------------------


def score_cells(outputs, key, cells=None):
    """The CellScore of every cell (default: every cell), in order.

    Inputs:
    - outputs: from read_outputs (a case missing from it counts as no output)
    - key: from answer_key
    - cells: a list of cases.Cell
    """
    cells = cases_module.cells() if cells is None else list(cells)
    scores = []
    for cell in cells:
        verdicts = [judge_case(case, outputs.get(case.id), key[case.id]) for case in cell.cases]
        verdicts = withhold_public_only(verdicts)
        passed = sum(v.passed for v in verdicts)
        points = round(cell.points * passed / len(verdicts), 2) if verdicts else 0.0
        scores.append(
            CellScore(
                notebook=cell.notebook,
                grade_id=cell.grade_id,
                function=cell.function,
                max_points=cell.points,
                points=points,
                cases=verdicts,
                flag=unjudged_flag(verdicts),
            )
        )
    return scores


def unjudged_flag(verdicts):
    """The cell flag when the grader failed to judge some of `verdicts` (a grader bug), else None.

    Such a case counts as not passed, so a student cannot earn points by
    making the judge fail; the flag marks the cell for hand grading
    (gradebook.record sets needs_manual_grade) and tells the instructor.
    """
    unjudged = [v for v in verdicts if v.unjudged]
    if not unjudged:
        return None
    return (
        f"GRADER ERROR: the grader could not judge {', '.join(v.name for v in unjudged)} "
        f"({unjudged[0].unjudged}); those cases count "
        "as failed until you grade this cell by hand (a bug in the grader, not the student's "
        "mistake: please report it)"
    )


#: The hint of a visible case whose points are withheld (see withhold_public_only).
PUBLIC_ONLY_HINT = (
    "the check cell's own case is right but no hidden case is: a visible case earns "
    "its points only with at least one hidden case of the cell right (an answer that "
    "fits the check cell's inputs only, such as one copied from its reference outputs, "
    "earns nothing)"
)


def withhold_public_only(verdicts):
    """The verdicts of a cell, its visible cases failed when none of its hidden cases passed.

    The check cells' inputs and expected outputs ship with the release, so a
    function can return the saved answer when it recognises those inputs. A
    visible case therefore counts only when the same cell has a hidden case
    that passed; a cell without hidden cases is left as it is.
    """
    hidden = [v for v in verdicts if v.visibility == "hidden"]
    if not hidden or any(v.passed for v in hidden):
        return verdicts
    return [
        replace(v, passed=False, hint=PUBLIC_ONLY_HINT)
        if v.visibility != "hidden" and v.passed
        else v
        for v in verdicts
    ]


def judge_case(case, output, entry):
    """The CaseVerdict of one case, from the box's output and the key's entry.

    The verdict carries the case's description (what it exercises, never a
    value of the key), which feedback shows beside a hidden case's miss.
    """
    problems = _run_problems(case, output)
    if not problems:
        judge = _compare_outputs if case.judge is None else JUDGES[case.judge]
        try:
            with np.errstate(all="ignore"):
                problems = judge(case, output, entry)
        except Exception as error:  # a bug of the grader's, whatever the outputs: not a miss
            why = _clean(f"{type(error).__name__}: {error}", HINT_CHARS // 2)
            return CaseVerdict(
                case.name,
                case.visibility,
                False,
                f"the grader could not judge this case ({why}): a fault of the grader, not "
                "of your code; your instructor grades this cell by hand",
                unjudged=why,
                description=case.description,
            )
    hint = _clean("; ".join(p.rstrip(". ") for p in problems), HINT_CHARS) if problems else None
    return CaseVerdict(case.name, case.visibility, not problems, hint, description=case.description)


#: The rule a case breaks when its naive layer reaches the provided fast layers
#: (harness.FastLayerGuard records it as "used fast layers").
FAST_LAYERS_RULE = (
    "the naive layers are graded on doing the work themselves (your own loops or "
    "vectorised numpy are fine; the provided fast_layers.py, called or copied in, is not)"
)


def _run_problems(case, output):
    """Why a case has nothing to judge (no output, an error), or []."""
    if output is None or output.status == "missing":
        return [
            "no output: the run stopped before this case finished (a crash, os._exit, or "
            "the time or memory limit of the whole run)"
        ]
    if output.status == "refused":
        return [f"output refused: {output.problem}"]
    if output.status == "error":
        e = output.error
        where = f" at {e['where']}" if e.get("where") else ""
        kind = e.get("kind", "")
        if kind == "not implemented":
            return [f"not implemented: {e.get('where') or e.get('message', '')}"]
        if kind == "timed out":
            return [
                f"timed out after {case.timeout:g} s (an endless loop, or far too slow: "
                "loop over output positions and let numpy do the rest)"
            ]
        if kind == "stopped":
            return [f"{e.get('message', 'stopped')}: the case was stopped"]
        if kind == "skipped":
            return [e.get("message") or "not run"]
        if kind == "exited":
            return [f"{e.get('message', 'exited')}{where}: the case was stopped"]
        if kind == "used fast layers":
            used = e.get("message") or "a naive layer used the provided fast layers"
            return [f"{used}{where}: {FAST_LAYERS_RULE}"]
        return [f"raised {e.get('type', 'an exception')}{where}: {e.get('message', '')}"]
    return []


def _compare_outputs(case, output, entry):
    """Problems of a compared case: each output against the key's, in the case's words.

    A visible case's inputs and expected outputs ship with the release, so its
    hint is the check cell's own diagnosis, values included; a hidden case's
    never shows a number from the key (cs231n/_diagnosis.py, reveal=False).
    """
    visible = case.visibility == "visible"
    inputs = case_inputs(case)  # to recognise a mistake; a hidden hint never quotes them
    problems = []
    for name, expected in entry["outputs"].items():
        if name in output.bad:
            problems.append(output.bad[name])
            continue
        if name not in output.outputs:
            problems.append(f"{name} is missing from the outputs")
            continue
        threshold, layout = case.threshold_for(name), case.layouts.get(name)
        found = _diagnosis().diagnose(
            name, output.outputs[name], expected, threshold, layout, case.hints, inputs, visible
        )
        if not found.ok:
            problems += list(found.notes) or [f"{name} is wrong"]
    return problems


def hidden_notes(label, actual, expected, threshold, layout=None, hints=None):
    """What is wrong with `actual`, in words, shapes and counts only; [] when it passes.

    A hidden case's hint: nothing here quotes a value of `expected` (or a
    difference, which would give it away).
    """
    found = _diagnosis().diagnose(label, actual, expected, threshold, layout, hints, reveal=False)
    return found.notes


def _diagnosis():
    """The check cells' diagnosis engine (cs231n/_diagnosis.py), from the instructor's copy."""
    from ..refs import import_solutions

    import_solutions()
    from cs231n import _diagnosis

    return _diagnosis


# --- Property judges (trusted: the instructor's model) ---------------------


def _solution_model(**config):
    """The instructor's ThreeLayerConvNet, leaving numpy's global generator as it was."""
    from cs231n.classifiers.cnn import ThreeLayerConvNet

    with _global_rng_kept():
        return ThreeLayerConvNet(**config, dtype=np.float64)


@contextlib.contextmanager
def _global_rng_kept():
    """Let a block draw from numpy's global generator; put its state back afterwards."""
    state = np.random.get_state()  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _params_problems(params, shapes):
    """Problems of a params dict against the expected {name: shape}."""
    if not isinstance(params, dict):
        return ["params is not a dict of arrays"]
    if set(params) != set(shapes):
        return [
            f"params has keys {sorted(params)}: expected {sorted(shapes)} "
            "(W1, b1 the convolution; W2, b2 the hidden layer; W3, b3 the output layer)"
        ]
    problems = []
    for name, shape in shapes.items():
        if params[name].shape != tuple(shape):
            problems.append(f"params[{name!r}] has shape {params[name].shape}, expected {shape}")
        elif params[name].dtype.kind != "f" or not np.all(np.isfinite(params[name])):
            problems.append(f"params[{name!r}] is not finite floats")
    return problems


def _judge_initial_loss(case, output, entry):
    inputs = entry["inputs"]
    config, X, y, reg = inputs["config"], inputs["X"], inputs["y"], float(inputs["reg"])
    visible = case.visibility == "visible"
    model = _solution_model(**config)
    shapes = {name: value.shape for name, value in model.params.items()}
    for name in ("params", "loss", "loss_reg"):
        if name in output.bad:
            return [output.bad[name]]
        if name not in output.outputs:
            return [f"{name} is missing from the outputs"]
    params = output.outputs["params"]
    problems = _params_problems(params, shapes)
    if problems:
        return problems
    scale = float(config.get("weight_scale", 1e-3))
    for name, value in params.items():
        if name.startswith("b"):
            if np.any(value != 0):
                problems.append(f"params[{name!r}] is not all zeros: biases start at zero")
            continue
        n = value.size
        std, mean = float(value.std()), float(value.mean())
        if abs(std / scale - 1) > max(0.1, 5 / math.sqrt(2 * n)):
            how = "too large" if std > scale else "too small"
            shown = f" ({std:.3g} for weight_scale {scale:g})" if visible else ""
            problems.append(
                f"params[{name!r}] has a standard deviation {how}{shown}: draw weights as "
                "weight_scale * np.random.randn(...)"
            )
        elif abs(mean) > 5 * scale / math.sqrt(n) + 1e-12:
            problems.append(f"params[{name!r}] is not centred on zero")
    if problems:
        return problems
    loss, loss_reg = output.outputs["loss"], output.outputs["loss_reg"]
    if loss.shape != () or loss_reg.shape != ():
        return ["the loss is not a single number"]
    loss, loss_reg = float(loss), float(loss_reg)
    expected, expected_reg = _solution_losses(model, params, X, y, reg)
    classes = int(config.get("num_classes", 10))
    if not _close(loss, expected, 1e-6):
        shown = f" (yours {loss:.6g}, expected {float(expected):.6g})" if visible else ""
        problems.append(
            "the loss without regularisation differs from the softmax loss of the same "
            f"params{shown}"
        )
    elif not _close(float(expected), math.log(classes), 1e-3):
        problems.append("the initial loss is not close to log(num_classes): weights too large?")
    if not _close(loss_reg, expected_reg, 1e-6):
        shown = f" (yours {loss_reg:.6g}, expected {float(expected_reg):.6g})" if visible else ""
        problems.append(
            "the loss with regularisation is wrong: add half of reg times the sum of the "
            f"squared weights (W1, W2, W3; no biases){shown}"
        )
    elif not loss_reg > loss:
        problems.append("the loss with regularisation is not larger than without")
    return problems


def _solution_losses(model, params, X, y, reg):
    """The solution's loss of `params` on (X, y), without and with regularisation.

    One forward pass of the instructor's model (no y: no backward pass), then the
    provided softmax loss and the regularisation ThreeLayerConvNet.loss documents
    (0.5 * reg * the sum of the squares of W1, W2 and W3): what model.loss(X, y)
    returns with reg 0 and with `reg`, for a third of the work of two full calls.
    """
    from cs231n.layers import softmax_loss

    model.params = {name: value.astype(np.float64) for name, value in params.items()}
    scores = model.loss(X)
    loss, _ = softmax_loss(scores, y)
    squares = sum(float(np.sum(model.params[name] ** 2)) for name in ("W1", "W2", "W3"))
    return float(loss), float(loss) + 0.5 * reg * squares


def _close(a, b, threshold):
    a, b = float(a), float(b)
    return math.isfinite(a) and abs(a - b) / max(1e-8, abs(a) + abs(b)) <= threshold


def _trained_accuracy(params, X, y, num_classes=10):
    """(accuracy, problems) of the instructor's model holding `params`, on (X, y)."""
    if not isinstance(params, dict) or set(params) != {"W1", "b1", "W2", "b2", "W3", "b3"}:
        keys = sorted(params) if isinstance(params, dict) else params
        return None, [f"the trained params have keys {keys}, not W1, b1, W2, b2, W3, b3"]
    W1, W2, W3 = params["W1"], params["W2"], params["W3"]
    C, H, W = X.shape[1:]
    ok = W1.ndim == 4 and W2.ndim == 2 and W3.ndim == 2 and W1.shape[2] == W1.shape[3]
    if ok:
        F, fs, hidden = W1.shape[0], W1.shape[2], W2.shape[1]
        shapes = {
            "W1": (F, C, fs, fs),
            "b1": (F,),
            "W2": (F * (H // 2) * (W // 2), hidden),
            "b2": (hidden,),
            "W3": (hidden, W3.shape[1]),
            "b3": (W3.shape[1],),
        }
        problems = _params_problems(params, shapes)
    else:
        problems = ["the trained params do not have a three-layer convnet's shapes"]
    if problems:
        return None, problems
    if W3.shape[1] != num_classes:
        return None, [f"the trained model has {W3.shape[1]} classes, not {num_classes}"]
    model = _solution_model(
        input_dim=(C, H, W), num_filters=F, filter_size=fs, hidden_dim=hidden,
        num_classes=num_classes, weight_scale=0.0,
    )  # fmt: skip
    model.params = {name: value.astype(np.float64) for name, value in params.items()}
    right = 0
    for start in range(0, len(y), 100):
        scores = model.loss(X[start : start + 100].astype(np.float64))
        right += int(np.sum(np.argmax(scores, axis=1) == y[start : start + 100]))
    return right / len(y), []


def _judge_overfit(case, output, entry):
    if "params" in output.bad:
        return [output.bad["params"]]
    inputs, secret = entry["inputs"], entry["secret"]
    accuracy, problems = _trained_accuracy(
        output.outputs.get("params"), inputs["X_train"], inputs["y_train"]
    )
    if problems:
        return problems
    minimum = float(secret["min_accuracy"])
    if accuracy < minimum:
        return [
            f"the trained model classifies {accuracy:.0%} of the training images, the cell "
            f"needs {minimum:.0%}: does Solver._step update every parameter with the rule's "
            "new value and config, and does adam increment t first and correct both biases? "
            "(correct_adam, correct_solver_step and correct_solver_check_accuracy test those "
            "parts alone: a miss there names the part)"
        ]
    return []


def _judge_train(case, output, entry):
    if "epoch" in output.bad:
        return [output.bad["epoch"]]
    problems = []
    epoch = output.outputs.get("epoch")
    if epoch is None or epoch.shape != () or float(epoch) != 1:
        shown = "no epoch count" if epoch is None else f"an epoch count of {epoch.tolist()!r}"
        problems.append(f"the Solver returned has {_clean(shown, 60)}; exactly one is asked for")
    if "params" in output.bad:
        bad = output.bad["params"]
        if bad.endswith("is an empty dict"):
            bad = (
                "the Solver returned has no best params (an empty dict): was solver.train() called?"
            )
        return [*problems, bad]
    secret = entry["secret"]
    accuracy, more = _trained_accuracy(
        output.outputs.get("params"), secret["X_heldout"], secret["y_heldout"]
    )
    if more:
        return problems + more
    minimum, chance = float(secret["min_accuracy"]), float(secret["chance"])
    if accuracy < minimum:
        problems.append(
            f"after one epoch the model classifies {accuracy:.0%} of held-out images, this "
            f"check requires {minimum:.0%} (chance is {chance:.0%}): is it trained (Adam with "
            "the notebook's learning rate, batches of about fifty), and does the Solver keep "
            "its best params?"
        )
    return problems


#: judge name (GradedCase.judge) -> function(case, output, key entry) -> problems.
JUDGES = {
    "initial_loss": _judge_initial_loss,
    "overfit": _judge_overfit,
    "train": _judge_train,
}
