"""The box student code runs in: bubblewrap, resource limits, and a clean kill.

Student code is hostile. `find_sandbox()` returns a Sandbox, and
`sandbox.run(argv, workdir=..., readonly=..., readwrite=..., env=..., limits=...)`
runs one command in a fresh box and returns a RunResult. Nothing of the box
survives the call: every process it started is killed, whatever it did.

What the command sees (BwrapSandbox, `kind == "bwrap"`):

  1. A root made of the system only: /usr (and /bin, /lib* as the host has
     them), a few files of /etc, readable by the box's user (the loader
     cache, time zone, fontconfig's configuration, hosts; a passwd naming the
     box user), the Python installation read-only at its own path
     (sys.base_prefix and the venv, sys.prefix; exactly those folders, not
     their parents), a fresh /proc and /dev. Nothing else of the host: not
     /work, /root, /tmp, the course or other submissions.
  2. The workdir (a host folder holding a COPY the caller prepared) read-write
     at /home/student/work, the current directory; `readonly` pairs
     (host path, inside path) bound read-only; `readwrite` pairs (host
     folder, inside path) bound read-write, each a private folder the caller
     made for this box (the sandboxed Jupyter kernel's socket folder, bound
     at its own path: see kernel.py); HOME=/home/student and /tmp are
     private size-limited tmpfs.
  3. Its own namespaces (user, PID, IPC, UTS, cgroup, network), a new session
     (no terminal injection), and the user `student` (uid 1000), without
     capabilities and with no_new_privs. The network namespace is always a
     new one, whoever runs the grader: the box has a loopback of its own and
     nothing else, so it reaches no host, no name server and no service
     listening on the host's 127.0.0.1 (a Dask scheduler included). The box
     dies with the process that started it (--die-with-parent), even when
     that process is SIGKILLed.
  4. A minimal environment: PATH (the grader's Python first), HOME,
     LANG=C.UTF-8, one BLAS/OpenMP thread, MPLBACKEND=Agg,
     PYTHONDONTWRITEBYTECODE=1, plus the caller's `env`. Never the grader's.

Limits (a Limits; the defaults suit grading one submission):

  - cpu_seconds, memory_bytes (address space), file_bytes (largest file):
    rlimits of every process in the box. CPU time is per process (a forked
    child has its own budget); the wall clock bounds the total.
  - processes: RLIMIT_NPROC (threads count too), per box. Two traps: the
    kernel never applies it to host uid 0, and it counts every process of a
    uid machine-wide. `bwrap --unshare-user --uid 1000` run by root maps the
    box's user to host uid 0 (measured: 200 forks under a limit of 20). So
    as root the grader makes a user namespace per run, mapping the box's uid
    1000 to the unprivileged host uid BOX_HOST_UID, bwrap enters it
    (--userns), and the box's first program drops to uid 1000 and sets the
    limits there (bwrap's own --uid with --userns fails with EPERM). Set
    after the namespace exists, the limit counts that namespace's processes
    only: a fork bomb stops at the limit while another box of the same host
    uid still forks (tested). A grader that is not root gets the same from
    bwrap's own user namespace. The pids cgroup would be exact too, but is
    writable only where the grader may manage cgroups (not in most
    containers); this works wherever bwrap does.
  - disk_bytes: what the box may add to the workdir and the readwrite
    folders together, and the size of each tmpfs (/tmp, HOME). A watchdog
    walks them (never following links, each entry counting at least 4 KiB)
    every 0.02-0.5 s (five times the walk's cost) and kills the box past the
    limit. It can overshoot by what is written between two walks: measured
    here in the workdir, with 1 MiB files written flat out, 16/64/256 MiB
    allowed left 18/74/265 MiB; with one-byte files (4 KiB each), 256 MiB
    allowed left 269 MiB.
    RLIMIT_FSIZE (file_bytes) bounds any single file exactly.
  - wall_seconds: enforced here, outside the box: the box is killed (SIGKILL
    to its PID namespace's init, which takes every process with it; signals
    the command ignores do not matter).
  - output_bytes: stdout and stderr are each kept up to this size (the
    beginning and the end, with a note of what was dropped); the rest is read
    and discarded, so a chatty box neither blocks nor fills the grader's
    memory.

FallbackSandbox (`kind == "fallback"`, when bubblewrap is missing or does not
work here) warns once and applies only the rlimits, a new session, the
workdir as current directory, the clean environment and, where the kernel
takes it, a seccomp filter (seccomp.py: socket() of any family but AF_UNIX
fails with EPERM, in every process of the box): the command can read the
course directory, and reaches the host's network only where the filter
cannot be installed (then the warning says so). Inside paths of `readonly`
and `readwrite` are not mapped: arguments and environment values naming one
are rewritten to the host path. Processes are counted per session by a
watchdog when the grader is root.

A RunResult's `reason` is one line saying why the box ended badly ("wall time
300 s exceeded", "CPU time limit", "memory limit", "file size limit", "disk
limit: ...", "process limit", "killed by SIGSEGV", "exit status 1"), or ""
when the command exited 0. It is read from what the host saw (signals,
timers, the watchdog) and, for limits a program reports itself (MemoryError,
EFBIG, EAGAIN from fork), from the end of stderr: it informs the instructor
and never decides a score.
"""

import json
import math
import os
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from .seccomp import BOX_PRELUDE as NETWORK_FILTER_PRELUDE
from .seccomp import available as network_filter_available

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

#: The box's user, inside.
BOX_USER = "student"
BOX_UID = 1000
BOX_GID = 1000
#: The host uid (and gid) the box's user maps to when the grader runs as root.
#: It should belong to nobody on the host (set CONVKIT_BOX_UID to change it);
#: files the box writes into the workdir are owned by it.
BOX_HOST_UID = int(os.environ.get("CONVKIT_BOX_UID") or 61231)
#: Inside paths.
HOME = "/home/student"
WORKDIR = "/home/student/work"

#: How bwrap reports a command killed by signal N (and a shell does): 128 + N.
_SIGNAL_BASE = 128
#: Each entry of the workdir counts at least this much against disk_bytes.
_ENTRY_BYTES = 4096
#: The disk watchdog refuses trees deeper than this.
_MAX_DEPTH = 64

_FALLBACK_WARNING = (
    "no bubblewrap box: student code runs with resource limits {filtered}only, "
    "it can read the course directory"
)


class SandboxError(Exception):
    """The box cannot be set up as asked (a bad argument, or bubblewrap failing)."""


class SandboxWarning(UserWarning):
    """Student code runs with weaker isolation than bubblewrap gives."""


@dataclass(frozen=True)
class Limits:
    """What one run in the box may use; every field must be positive.

    - cpu_seconds: CPU time of each process (then SIGXCPU, one second later SIGKILL)
    - memory_bytes: address space of each process (allocations beyond fail)
    - processes: processes and threads the box may hold at once
    - file_bytes: the largest file the box may write
    - disk_bytes: what the box may add to the workdir; also the size of /tmp and HOME
    - wall_seconds: real time before the whole box is killed
    - output_bytes: stdout and stderr kept, each
    """

    cpu_seconds: float = 120
    memory_bytes: int = 3 * GiB
    processes: int = 64
    file_bytes: int = 64 * MiB
    disk_bytes: int = 256 * MiB
    wall_seconds: float = 300
    output_bytes: int = 1 * MiB

    def __post_init__(self):
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SandboxError(f"Limits.{name} must be a number, not {value!r}")
            if not value > 0 or not math.isfinite(value):
                raise SandboxError(f"Limits.{name} must be positive and finite, not {value!r}")

    def rlimits(self):
        """[(resource name, (soft, hard))] the box's processes get."""
        cpu = max(1, math.ceil(self.cpu_seconds))
        return [
            ("RLIMIT_CPU", (cpu, cpu + 1)),
            ("RLIMIT_AS", (int(self.memory_bytes), int(self.memory_bytes))),
            ("RLIMIT_FSIZE", (int(self.file_bytes), int(self.file_bytes))),
            ("RLIMIT_NPROC", (int(self.processes), int(self.processes))),
            ("RLIMIT_CORE", (0, 0)),
        ]


@dataclass
class RunResult:
    """How a run in the box ended.

    - returncode: the command's exit status; -N when killed by signal N
    - timed_out: the wall clock ran out and the box was killed
    - killed: the name of the signal that ended the command ("SIGKILL"), or None
    - reason: one line on why it ended badly ("memory limit", ...), "" if it exited 0
    - stdout, stderr: what it printed, each capped at Limits.output_bytes
    - seconds: wall time of the run
    """

    returncode: int
    timed_out: bool
    killed: object
    reason: str
    stdout: str
    stderr: str
    seconds: float

    @property
    def ok(self):
        return self.returncode == 0 and not self.reason


def minimal_env(path_dirs=(), extra=None):
    """The box's environment: a few fixed variables plus `extra` (never the grader's)."""
    env = {
        "PATH": ":".join([*path_dirs, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": HOME,
        "USER": BOX_USER,
        "LOGNAME": BOX_USER,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TMPDIR": "/tmp",
    }
    for key, value in (extra or {}).items():
        if not isinstance(key, str) or not key or "=" in key or "\0" in key:
            raise SandboxError(f"bad environment variable name {key!r}")
        if not isinstance(value, str) or "\0" in value:
            raise SandboxError(f"environment variable {key} must be a string without NUL")
        env[key] = value
    return env


# The first program run in the box (trusted, by the box's Python with -I -S):
# drop root if it still is, forbid gaining privileges, set the limits, close
# inherited descriptors, and exec the command. argv: config JSON, command...
_BOX_INIT = r"""
import json, os, resource, sys
cfg = json.loads(sys.argv[1])
argv = sys.argv[2:]
if cfg["drop"] and os.getuid() == 0:
    os.setgroups([])
    os.setresgid(cfg["gid"], cfg["gid"], cfg["gid"])
    os.setresuid(cfg["uid"], cfg["uid"], cfg["uid"])
try:
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
except Exception:
    pass
for name, pair in cfg["rlimits"]:
    resource.setrlimit(getattr(resource, name), tuple(pair))
os.umask(0o022)
if cfg.get("cwd"):
    os.chdir(cfg["cwd"])
os.closerange(3, 65536)
try:
    os.execvp(argv[0], argv)
except OSError as error:
    sys.stderr.write("box: cannot run %s: %s\n" % (argv[0], error.strerror))
    os._exit(127)
"""


# --------------------------------------------------------------------------
# Arguments


def _check_run_args(argv, workdir, readonly, readwrite, stdin):
    if isinstance(argv, (str, bytes)) or not argv:
        raise SandboxError("argv must be a non-empty list of strings")
    argv = [os.fspath(a) for a in argv]
    if not all(isinstance(a, str) and "\0" not in a for a in argv):
        raise SandboxError(f"argv must be strings without NUL: {argv!r}")
    workdir = Path(workdir)
    if workdir.is_symlink() or not workdir.is_dir():
        raise SandboxError(f"workdir {workdir} is not a directory (or is a link)")
    readonly = _check_pairs("readonly", readonly)
    readwrite = _check_pairs("readwrite", readwrite)
    if stdin is not None and not isinstance(stdin, (bytes, str)):
        raise SandboxError("stdin must be bytes, str or None")
    if isinstance(stdin, str):
        stdin = stdin.encode()
    return argv, workdir.resolve(), readonly, readwrite, stdin


def _check_pairs(kind, pairs):
    """[(resolved host Path, normalised inside path)] of `readonly` or `readwrite`."""
    checked = []
    for pair in pairs or ():
        try:
            host, inside = pair
        except (TypeError, ValueError):
            message = f"{kind} entries are (host path, inside path), not {pair!r}"
            raise SandboxError(message) from None
        host = Path(host)
        if not host.exists():
            raise SandboxError(f"{kind} path {host} does not exist")
        if kind == "readwrite" and host.is_symlink():
            raise SandboxError(f"readwrite path {host} is a link")
        inside = str(inside)
        clean = PurePosixPath(inside)
        if not clean.is_absolute() or ".." in clean.parts or str(clean) != inside.rstrip("/"):
            raise SandboxError(f"inside path {inside!r} must be absolute and normalised")
        checked.append((host.resolve(), str(clean)))
    return checked


def _check_writable_folder(host, owners):
    """Refuse a readwrite folder the box must not be given: not a private folder of the grader.

    It is handed to the box's user (chowned, as root) and the box may write
    anything in it, so it must be a folder made for the box: not a system
    folder, not writable by others (like /tmp), owned by one of `owners`
    (the grader, or the box's user it was given to).
    """
    st = host.lstat()
    if not stat.S_ISDIR(st.st_mode):
        raise SandboxError(f"readwrite path {host} is not a folder")
    if str(host) == "/" or any(_under(str(host), s) for s in _SYSTEM):
        raise SandboxError(f"readwrite path {host} is a system folder")
    if st.st_mode & 0o002:
        raise SandboxError(
            f"readwrite path {host} is writable by everyone (like /tmp): "
            "give the box a folder of its own"
        )
    if st.st_uid not in owners:
        raise SandboxError(f"readwrite path {host} does not belong to the grader")


#: Host folders never bound read-write.
_SYSTEM = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/proc", "/dev", "/sys", "/boot")


def _under(path, folder):
    path, folder = PurePosixPath(path), PurePosixPath(folder)
    return path == folder or folder in path.parents


def _python_roots():
    """The folders of the grader's Python installation the box needs (at their own paths)."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    real = Path(os.path.realpath(sys.executable))
    candidates.add(str(real.parent.parent))
    roots = []
    for c in sorted({os.path.realpath(c) for c in candidates} | candidates, key=len):
        if c in ("/", "") or not os.path.isdir(c) or any(_under(c, r) for r in roots):
            continue
        if any(_under(c, s) for s in ("/usr", "/bin", "/lib", "/lib64", "/lib32")):
            continue
        roots.append(c)
    return roots


def _python_bin_dirs():
    dirs = [os.path.dirname(sys.executable)]
    real = os.path.dirname(os.path.realpath(sys.executable))
    if real not in dirs:
        dirs.append(real)
    return dirs


# --------------------------------------------------------------------------
# Watching the box from the host


class _Capture:
    """Keeps the head and the tail of a stream, counting what falls between."""

    def __init__(self, cap):
        self.tail_cap = max(1, int(cap) // 4)
        self.head_cap = max(1, int(cap) - self.tail_cap)
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, data):
        room = self.head_cap - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > 2 * self.tail_cap:
                cut = len(self.tail) - self.tail_cap
                self.dropped += cut
                del self.tail[:cut]

    def text(self):
        if len(self.tail) > self.tail_cap:
            cut = len(self.tail) - self.tail_cap
            self.dropped += cut
            del self.tail[:cut]
        middle = f"\n[... {self.dropped} bytes dropped ...]\n".encode() if self.dropped else b""
        return bytes(self.head + middle + self.tail).decode("utf-8", errors="replace")


class _TooDeep(Exception):
    pass


def tree_bytes(root):
    """Bytes a folder tree holds, never following a link; each entry counts at least 4 KiB.

    Sparse files count their size. Entries vanishing during the walk are
    skipped. Raises _TooDeep for a tree nested deeper than _MAX_DEPTH.
    """
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(root, flags)
    except OSError:
        return 0
    try:
        return _walk_bytes(fd, 0, flags)
    finally:
        os.close(fd)


def _walk_bytes(fd, depth, flags):
    total = 0
    with os.scandir(fd) as entries:
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += max(st.st_size, st.st_blocks * 512, _ENTRY_BYTES)
            if stat.S_ISDIR(st.st_mode):
                if depth >= _MAX_DEPTH:
                    raise _TooDeep
                try:
                    sub = os.open(entry.name, flags, dir_fd=fd)
                except OSError:
                    continue
                try:
                    total += _walk_bytes(sub, depth + 1, flags)
                finally:
                    os.close(sub)
    return total


def _proc_stat(pid):
    """(ppid, pgid, session) of a host process, or None when it is gone."""
    fields = _proc_fields(pid)
    try:
        return int(fields[1]), int(fields[2]), int(fields[3])
    except (TypeError, IndexError, ValueError):
        return None


def _proc_state(pid):
    """The one-letter state of a host process ("R", "S", "Z"...), or None when it is gone."""
    fields = _proc_fields(pid)
    if fields is None:
        return None
    return fields[0][:1].decode() if fields else ""


def _running(pid):
    """Does host process `pid` exist and run (neither gone nor a zombie)?"""
    return _proc_state(pid) not in (None, "Z", "X")


def _proc_start(fields):
    """The start time (clock ticks after boot) in `_proc_fields`' answer, or None: with
    the pid, it names one process even after the pid is reused."""
    try:
        return int(fields[19])
    except (TypeError, IndexError, ValueError):
        return None


def _proc_fields(pid):
    """The fields of /proc/PID/stat after the command's name (the state first), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rfind(b")") + 2 :].split()


def _host_pids():
    for name in os.listdir("/proc"):
        if name.isdigit():
            yield int(name)


def pids_in_namespace(ns_inode):
    """Host pids of the processes living in the PID namespace `ns_inode`."""
    found = []
    target = f"pid:[{ns_inode}]"
    for pid in _host_pids():
        try:
            if os.readlink(f"/proc/{pid}/ns/pid") == target:
                found.append(pid)
        except OSError:
            continue
    return found


def pids_in_session(sid):
    """Host pids of the processes of session `sid`."""
    found = []
    for pid in _host_pids():
        info = _proc_stat(pid)
        if info and info[2] == sid:
            found.append(pid)
    return found


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def die_with_parent(signum=signal.SIGKILL):
    """Have the kernel send this process `signum` when its parent dies (Linux; else nothing).

    If the parent is already gone (we were adopted before asking), the signal
    is sent now. Local workers ask for SIGKILL; the kernel launcher for SIGTERM,
    which it handles by taking its box down.
    """
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signum), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), signum)


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


_STDERR_REASONS = (
    ("memory limit", ("MemoryError", "Cannot allocate memory", "Unable to allocate", "bad_alloc")),
    ("file size limit", ("File too large", "[Errno 27]")),
    ("process limit", ("Resource temporarily unavailable", "[Errno 11]", "can't start new thread")),
)


def _reason(returncode, killed, cpu_used, limits, stderr_tail):
    """One line on why a box that was not stopped from outside ended badly, or ""."""
    if killed == "SIGXCPU" or (killed == "SIGKILL" and cpu_used >= limits.cpu_seconds - 0.05):
        return "CPU time limit"
    if killed == "SIGXFSZ":
        return "file size limit"
    if returncode == 0:
        return ""
    for reason, needles in _STDERR_REASONS:
        if any(needle in stderr_tail for needle in needles):
            return reason
    if killed:
        return f"killed by {killed}"
    return f"exit status {returncode}"


# --------------------------------------------------------------------------
# The sandboxes


class Sandbox:
    """Runs a command in a fresh box; see the module docstring."""

    kind = "none"
    #: (uid, gid) on the host that the workdir must belong to, or None.
    box_owner = None

    def give(self, path):
        """Hand a host folder (the caller's copy) to the box user, so the box can write it."""
        if self.box_owner is None:
            return
        uid, gid = self.box_owner
        path = Path(path)
        os.lchown(path, uid, gid)
        for folder, dirs, files in os.walk(path, followlinks=False):
            for name in dirs + files:
                try:
                    os.lchown(os.path.join(folder, name), uid, gid)
                except FileNotFoundError:
                    pass

    def run(self, argv, *, workdir, readonly=(), readwrite=(), env=None, limits=None, stdin=None):
        """Run `argv` in a box with `workdir` as its writable current directory; a RunResult.

        `readonly` is a list of (host path, inside path) bound read-only; they
        must be readable by others on the host (the box's user is not the
        grader). `readwrite` is a list of (host folder, inside path) bound
        read-write: each must be a folder of the grader's own, not writable
        by others; like the workdir it is handed to the box's user (`give`)
        and counts against Limits.disk_bytes. `env` adds to the minimal
        environment. Raises SandboxError for bad arguments; anything the
        command does ends up in the RunResult.
        """
        limits = limits or Limits()
        if not isinstance(limits, Limits):
            raise SandboxError(f"limits must be a Limits, not {type(limits).__name__}")
        argv, workdir, readonly, readwrite, stdin = _check_run_args(
            argv, workdir, readonly, readwrite, stdin
        )
        owners = {os.geteuid()} | ({self.box_owner[0]} if self.box_owner else set())
        for host, _ in readwrite:
            _check_writable_folder(host, owners)
        box_env = minimal_env(_python_bin_dirs(), env)
        launch = self._prepare(argv, workdir, readonly, readwrite, box_env, limits)
        watched = [workdir, *(host for host, _ in readwrite)]
        try:
            return _Run(self, launch, watched, limits, stdin).go()
        finally:
            if launch.scratch:
                shutil.rmtree(launch.scratch, ignore_errors=True)

    def _prepare(self, argv, workdir, readonly, readwrite, env, limits):
        raise NotImplementedError


@dataclass
class _Launch:
    """How to start one box, as a sandbox prepares it."""

    argv: list
    env: dict
    cwd: str
    pass_fds: tuple = ()
    info_fd: object = None  # read end of bwrap's --info-fd pipe
    close_after: tuple = ()  # descriptors to close once started
    count_session: bool = False  # fallback as root: count processes per session
    scratch: object = None  # a host folder to remove after the run


class _Run:
    """One run: start, watch (output, wall clock, disk, processes), kill, report.

    `watched` are the host folders the box may write (the workdir first):
    together they count against Limits.disk_bytes.
    """

    def __init__(self, sandbox, launch, watched, limits, stdin):
        self.sandbox = sandbox
        self.launch = launch
        self.watched = watched
        self.limits = limits
        self.stdin = stdin or b""
        self.out = _Capture(limits.output_bytes)
        self.err = _Capture(limits.output_bytes)
        self.ns_inode = None
        self.inner_pid = None
        self.inner_start = None
        self.info = b""
        self.stopped = None  # reason when stopped from outside
        self.timed_out = False
        self.reaped = False  # bwrap (or the fallback's command) has been waited for

    def go(self):
        try:
            baseline = self._disk_used()
        except _TooDeep:
            raise SandboxError(f"workdir {self.watched[0]} is nested too deep") from None
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                self.launch.argv,
                stdin=subprocess.PIPE if self.stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=self.launch.cwd,
                env=self.launch.env,
                pass_fds=self.launch.pass_fds,
                start_new_session=True,
            )
        except OSError as error:
            if self.launch.info_fd is not None:
                os.close(self.launch.info_fd)
            raise SandboxError(f"cannot start the box ({self.launch.argv[0]}): {error}") from None
        finally:
            for fd in self.launch.close_after:
                os.close(fd)
        self.proc = proc
        status = rusage = None
        try:
            status, rusage = self._watch(proc, started, baseline)
        finally:
            self._kill_box()
            if status is None:
                _, status, rusage = os.wait4(proc.pid, 0)
                self.reaped = True
            self._wait_until_empty()
            proc.returncode = 0  # reaped here; keep Popen from waiting again
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream:
                    stream.close()
            if self.launch.info_fd is not None:
                os.close(self.launch.info_fd)
        return self._result(status, rusage, time.monotonic() - started)

    def _watch(self, proc, started, baseline):
        limits = self.limits
        deadline = started + limits.wall_seconds
        sel = selectors.DefaultSelector()
        for stream, sink in ((proc.stdout, self.out), (proc.stderr, self.err)):
            os.set_blocking(stream.fileno(), False)
            sel.register(stream.fileno(), selectors.EVENT_READ, sink)
        if self.launch.info_fd is not None:
            os.set_blocking(self.launch.info_fd, False)
            sel.register(self.launch.info_fd, selectors.EVENT_READ, "info")
        pending_in = memoryview(self.stdin)
        if proc.stdin:
            os.set_blocking(proc.stdin.fileno(), False)
            sel.register(proc.stdin.fileno(), selectors.EVENT_WRITE, "stdin")
        next_disk = started + 0.02
        status = rusage = None
        exited_at = None
        while True:
            now = time.monotonic()
            if status is None:
                pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    status, rusage, exited_at = st, ru, now
                    self.reaped = True
            if status is not None and (not sel.get_map() or now - exited_at > 1.0):
                break  # done (or something outside the box still holds the pipes)
            if status is None and now >= deadline:
                self.timed_out = True
                self._stop(f"wall time {limits.wall_seconds:g} s exceeded")
                break
            if status is None and now >= next_disk:
                began = time.monotonic()
                try:
                    used = self._disk_used() - baseline
                except _TooDeep:
                    self._stop(f"disk limit: a folder is nested deeper than {_MAX_DEPTH} levels")
                    break
                if used > limits.disk_bytes:
                    self._stop(f"disk limit: the box wrote more than {_size(limits.disk_bytes)}")
                    break
                cost = time.monotonic() - began
                next_disk = time.monotonic() + min(0.5, max(0.02, 5 * cost))
                if self.launch.count_session:
                    count = len(pids_in_session(proc.pid))
                    if count > limits.processes:
                        self._stop("process limit")
                        break
            timeout = max(0.0, min(0.02, deadline - now, next_disk - now))
            for key, _ in sel.select(timeout):
                if key.data == "stdin":
                    try:
                        written = os.write(key.fd, pending_in[:65536])
                    except (BrokenPipeError, BlockingIOError, OSError):
                        written = len(pending_in)
                    pending_in = pending_in[written:]
                    if not pending_in:
                        sel.unregister(key.fd)
                        proc.stdin.close()
                        proc.stdin = None
                    continue
                try:
                    data = os.read(key.fd, 65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(key.fd)
                elif key.data == "info":
                    self._take_info(data)
                else:
                    key.data.add(data)
        sel.close()
        return status, rusage

    def _take_info(self, data):
        self.info += data
        try:
            info = json.loads(self.info)
        except ValueError:
            return
        self.inner_pid = info.get("child-pid")
        self.inner_start = _proc_start(_proc_fields(self.inner_pid)) if self.inner_pid else None
        self.ns_inode = info.get("pid-namespace")

    def _disk_used(self):
        return sum(tree_bytes(folder) for folder in self.watched)

    def _stop(self, reason):
        self.stopped = reason
        self._kill_box()

    def _kill_box(self):
        """SIGKILL the box: its init (taking the PID namespace with it), bwrap, any straggler.

        bwrap is given a moment to reap the init it started before it is killed
        in turn: killed first, it would orphan the init to the host's init,
        which reaps it when it gets round to it (CI saw the init of a fork
        bomb's box still there, as the box's host uid, after the run).
        """
        if self.inner_pid:
            _kill(self.inner_pid)
            self._let_bwrap_reap()
        if not self.reaped:  # a reaped pid may already name another process
            _kill(self.proc.pid)
        if self.ns_inode:
            for pid in pids_in_namespace(self.ns_inode):
                _kill(pid)
        else:  # fallback: the session the command started
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            for pid in pids_in_session(self.proc.pid):
                _kill(pid)

    def _let_bwrap_reap(self, seconds=5.0):
        """Wait until the box's init is gone and bwrap has exited (it does once it has
        reaped the init), or `seconds`."""
        deadline = time.monotonic() + seconds
        while self._init_alive() or (not self.reaped and _running(self.proc.pid)):
            if time.monotonic() > deadline:
                return
            time.sleep(0.005)

    def _init_alive(self):
        """Does the box's init still run (not yet a zombie)?

        Killed, the init first leaves its namespace (so pids_in_namespace no
        longer sees it), then waits for every other process of the namespace
        to go: with many processes (a fork bomb), that takes a while.
        """
        if not self.inner_pid or self.inner_start is None:
            return False
        fields = _proc_fields(self.inner_pid)
        if _proc_start(fields) != self.inner_start:
            return False  # gone, or the pid now names another process
        return fields[0][:1] not in (b"Z", b"X")

    def _left(self):
        """Host pids of the box's processes that still run (zombies excluded)."""
        if self.ns_inode:
            pids = pids_in_namespace(self.ns_inode)
            if self._init_alive() and self.inner_pid not in pids:
                pids.append(self.inner_pid)
        else:
            pids = pids_in_session(self.proc.pid)
        return [pid for pid in pids if _running(pid)]

    def _wait_until_empty(self, seconds=10.0):
        """Kill until no process of the box is left; SIGKILLed processes take a moment to exit."""
        deadline = time.monotonic() + seconds
        while True:
            left = self._left()
            if not left:
                return
            if time.monotonic() > deadline:
                raise SandboxError(f"box processes {left} survived SIGKILL")
            for pid in left:
                _kill(pid)
            time.sleep(0.01)

    def _result(self, status, rusage, seconds):
        killed = None
        if os.WIFSIGNALED(status):
            returncode = -os.WTERMSIG(status)
        else:
            returncode = os.WEXITSTATUS(status)
            if self.ns_inode and _SIGNAL_BASE < returncode <= _SIGNAL_BASE + 64:
                returncode = _SIGNAL_BASE - returncode  # bwrap's 128 + N: killed by N
        if returncode < 0:
            killed = _signal_name(-returncode)
        stdout, stderr = self.out.text(), self.err.text()
        cpu = (rusage.ru_utime + rusage.ru_stime) if rusage else 0.0
        if self.stopped:
            reason = self.stopped
            killed = killed or "SIGKILL"
        else:
            reason = _reason(returncode, killed, cpu, self.limits, stderr[-4000:])
            if stderr.startswith("bwrap: ") and returncode == 1:
                reason = "the sandbox failed to start: " + stderr.splitlines()[0][7:]
        return RunResult(
            returncode=returncode,
            timed_out=self.timed_out,
            killed=killed,
            reason=reason,
            stdout=stdout,
            stderr=stderr,
            seconds=round(seconds, 3),
        )


def _size(n):
    for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


class BwrapSandbox(Sandbox):
    """The box of the module docstring, built with bubblewrap.

    `mode` is "mapped" (the grader is root: a user namespace per run maps the
    box's uid 1000 to BOX_HOST_UID) or "user" (the grader is not root: bwrap
    makes the user namespace, and the box's uid maps to the grader's).
    """

    kind = "bwrap"

    def __init__(self, bwrap="/usr/bin/bwrap", *, mode=None, host_uid=BOX_HOST_UID):
        self.bwrap = bwrap
        self.mode = mode or ("mapped" if os.geteuid() == 0 else "user")
        if self.mode not in ("mapped", "user"):
            raise SandboxError(f"unknown bwrap mode {self.mode!r}")
        self.host_uid = host_uid
        self.box_owner = (host_uid, host_uid) if self.mode == "mapped" else None

    def _prepare(self, argv, workdir, readonly, readwrite, env, limits):
        pass_fds, close_after = [], []

        def data_fd(text):
            r, w = os.pipe()
            os.write(w, text.encode())
            os.close(w)
            pass_fds.append(r)
            close_after.append(r)
            return str(r)

        roots = _python_roots()
        for _, inside in [*readonly, *readwrite]:
            system = ("/proc", "/dev", "/usr", "/etc", "/bin", "/lib", "/lib64", WORKDIR)
            for reserved in (*system, *roots):
                if _under(inside, reserved):
                    raise SandboxError(f"inside path {inside} is reserved ({reserved})")
            if inside in ("/", "/home", HOME, "/tmp"):
                raise SandboxError(f"inside path {inside} is reserved")
        for host, _ in readonly:
            if self.box_owner and not host.stat().st_mode & 0o004:
                raise SandboxError(
                    f"readonly path {host} is not readable by the box's user: "
                    "make it readable by others (chmod o+rX)"
                )
        if self.box_owner:
            self.give(workdir)
            for host, _ in readwrite:
                self.give(host)

        args = [self.bwrap]
        if self.mode == "mapped":
            args += ["--userns", str(self._userns(pass_fds, close_after))]
            args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            args += ["--unshare-user", "--uid", str(BOX_UID), "--gid", str(BOX_GID)]
            args += ["--cap-drop", "ALL"]
        # A network namespace of its own, always: the box reaches nothing outside.
        args += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
        args += ["--unshare-net", "--die-with-parent", "--new-session", "--hostname", "box"]
        # The system, read-only.
        args += ["--ro-bind", "/usr", "/usr"]
        for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(name):
                args += ["--symlink", os.readlink(name), name]
            elif os.path.isdir(name):
                args += ["--ro-bind", name, name]
        # /etc made traversable first: as root, bwrap would make it 0700 for the
        # box's root, and the box's user could read none of the files below.
        args += ["--perms", "0755", "--dir", "/etc"]
        for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf"):
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        # Fontconfig's configuration: without it, matplotlib's first import runs
        # fc-list, which prints "Fontconfig error: Cannot load default config
        # file" into the notebook's output. Its cache goes to the box's HOME.
        args += ["--ro-bind-try", "/etc/fonts", "/etc/fonts"]
        args += ["--ro-bind-try", "/etc/alternatives", "/etc/alternatives"]
        # The box's own hosts, passwd and group, readable by its user (bwrap's
        # default for data files is 0600, its root's).
        args += [
            "--perms",
            "0644",
            "--ro-bind-data",
            data_fd("127.0.0.1 localhost box\n::1 localhost\n"),
            "/etc/hosts",
        ]
        passwd = (
            "root:x:0:0::/root:/usr/sbin/nologin\n"
            f"{BOX_USER}:x:{BOX_UID}:{BOX_GID}::{HOME}:/bin/sh\n"
        )
        args += ["--perms", "0644", "--ro-bind-data", data_fd(passwd), "/etc/passwd"]
        group = f"root:x:0:\n{BOX_USER}:x:{BOX_GID}:\n"
        args += ["--perms", "0644", "--ro-bind-data", data_fd(group), "/etc/group"]
        args += ["--proc", "/proc", "--dev", "/dev"]
        size = str(int(limits.disk_bytes))
        args += ["--perms", "1777", "--size", size, "--tmpfs", "/tmp"]
        args += ["--perms", "0755", "--dir", "/home"]
        args += ["--perms", "0777", "--size", size, "--tmpfs", HOME]
        args += ["--bind", str(workdir), WORKDIR]
        # The Python installation and the caller's read-only paths, then the
        # read-write folders, at their inside paths; parents made traversable
        # (bwrap would copy the host's modes, and /root is 0700).
        made = {"/", "/home", HOME, "/tmp", "/usr", "/etc"}
        binds = [("--ro-bind", root, root) for root in roots]
        binds += [("--ro-bind", str(h), i) for h, i in readonly]
        binds += [("--bind", str(h), i) for h, i in readwrite]
        for how, host, inside in binds:
            for parent in reversed(PurePosixPath(inside).parents):
                if str(parent) not in made:
                    made.add(str(parent))
                    args += ["--perms", "0755", "--dir", str(parent)]
            args += [how, host, inside]
        read_info, write_info = os.pipe()
        pass_fds.append(write_info)
        close_after.append(write_info)
        args += ["--info-fd", str(write_info), "--chdir", "/", "--"]
        config = {
            "drop": self.mode == "mapped",
            "uid": BOX_UID,
            "gid": BOX_GID,
            "cwd": WORKDIR,  # entered as the box's user (the workdir may be 0700)
            "rlimits": limits.rlimits(),
        }
        args += [sys.executable, "-I", "-S", "-c", _BOX_INIT, json.dumps(config), *argv]
        return _Launch(
            argv=args,
            env=env,
            cwd="/",
            pass_fds=tuple(pass_fds),
            info_fd=read_info,
            close_after=tuple(close_after),
        )

    def _userns(self, pass_fds, close_after):
        """A new user namespace mapping 0 to root and BOX_UID to host_uid; its descriptor.

        A short-lived helper enters a new namespace and waits; as root we write
        its maps, keep a descriptor of the namespace, and let the helper go.
        bwrap enters the namespace as its root (for the mounts); the box's init
        then drops to BOX_UID, whose processes the kernel counts there only.
        """
        helper = subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-S",
                "-c",
                "import ctypes,os,sys\n"
                "if ctypes.CDLL(None, use_errno=True).unshare(0x10000000): "
                "sys.stdout.write('E%d' % ctypes.get_errno()); sys.exit(1)\n"
                "sys.stdout.write('ok'); sys.stdout.flush(); sys.stdin.read()",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={},
        )
        try:
            answer = helper.stdout.read(2)
            if answer != b"ok":
                raise SandboxError(f"cannot make a user namespace for the box ({answer!r})")
            for kind in ("uid", "gid"):
                with open(f"/proc/{helper.pid}/{kind}_map", "w") as f:
                    f.write(f"0 0 1\n{BOX_UID} {self.host_uid} 1\n")
            fd = os.open(f"/proc/{helper.pid}/ns/user", os.O_RDONLY)
        finally:
            helper.stdin.close()
            helper.stdout.close()
            helper.wait()
        pass_fds.append(fd)
        close_after.append(fd)
        return fd


class FallbackSandbox(Sandbox):
    """Limits only (see the module docstring): warns once, the first time it is made."""

    kind = "fallback"
    _warned = False
    _lock = threading.Lock()

    def __init__(self, why=""):
        self.why = why
        # The network filter, if this kernel takes it (tried once, in a child process).
        self.network_filter, self.network_open = network_filter_available()
        with FallbackSandbox._lock:
            if not FallbackSandbox._warned:
                FallbackSandbox._warned = True
                filtered = "" if self.network_filter is None else "and a network filter "
                message = _FALLBACK_WARNING.format(filtered=filtered) + (f" ({why})" if why else "")
                if self.network_filter is None:
                    message += f", and it reaches the network ({self.network_open})"
                warnings.warn(message, SandboxWarning, stacklevel=3)

    def _prepare(self, argv, workdir, readonly, readwrite, env, limits):
        scratch = Path(tempfile.mkdtemp(prefix="convkit-box-"))
        mapping = sorted(
            [(WORKDIR, str(workdir)), *((i, str(h)) for h, i in [*readonly, *readwrite])],
            key=lambda pair: -len(pair[0]),
        )

        def translate(value):
            for inside, host in mapping:
                if value == inside or value.startswith(inside + "/"):
                    return host + value[len(inside) :]
            return value

        home = scratch / "home"
        tmp = scratch / "tmp"
        home.mkdir()
        tmp.mkdir()
        env = {key: translate(value) for key, value in env.items()}
        env["HOME"], env["TMPDIR"] = str(home), str(tmp)
        rlimits = limits.rlimits()
        root = os.geteuid() == 0
        if root:  # root bypasses RLIMIT_NPROC: the watchdog counts the session instead
            rlimits = [pair for pair in rlimits if pair[0] != "RLIMIT_NPROC"]
        else:  # RLIMIT_NPROC counts all our processes: allow ours plus the box's
            mine = sum(1 for pid in _host_pids() if _owner(pid) == os.getuid())
            rlimits = [
                (name, (mine + limits.processes,) * 2) if name == "RLIMIT_NPROC" else (name, pair)
                for name, pair in rlimits
            ]
        config = {"drop": False, "uid": 0, "gid": 0, "rlimits": rlimits}
        init = _BOX_INIT
        if self.network_filter is not None:  # installed first, before the command runs
            config["seccomp"] = self.network_filter
            init = NETWORK_FILTER_PRELUDE + _BOX_INIT
        args = [sys.executable, "-I", "-S", "-c", init, json.dumps(config)]
        args += [translate(a) for a in argv]
        return _Launch(argv=args, env=env, cwd=str(workdir), count_session=root, scratch=scratch)


def _owner(pid):
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


# --------------------------------------------------------------------------
# Choosing


@cache
def _working_bwrap(path):
    """A BwrapSandbox if a trial run works here, else (None, why)."""
    box = BwrapSandbox(path)
    with tempfile.TemporaryDirectory(prefix="convkit-trial-") as work:
        os.chmod(work, 0o755)
        try:
            result = box.run(
                ["python3", "-I", "-c", "print('box ok')"],
                workdir=work,
                limits=Limits(wall_seconds=30, cpu_seconds=10),
            )
        except (SandboxError, OSError) as error:
            return None, str(error)
    if result.returncode == 0 and result.stdout.strip() == "box ok":
        return box, ""
    first = (result.stderr.strip().splitlines() or [result.reason])[0]
    return None, f"bwrap failed a trial run: {first}"


def find_sandbox(prefer="bwrap", *, required=False):
    """The best box that works here: a BwrapSandbox, else a FallbackSandbox (warned about).

    `prefer` is "bwrap" (or "auto"): bubblewrap when it is installed and a
    trial run works; "fallback" forces the weaker box. With `required`, a
    missing or failing bubblewrap raises SandboxError instead of falling back.
    """
    if prefer not in ("bwrap", "auto", "fallback"):
        raise SandboxError(f"unknown sandbox {prefer!r} (bwrap, auto or fallback)")
    if prefer == "fallback":
        return FallbackSandbox("forced")
    path = shutil.which("bwrap")
    if path:
        box, why = _working_bwrap(path)
        if box is not None:
            return box
    else:
        why = "bwrap is not installed (apt-get install bubblewrap)"
    if required:
        raise SandboxError(why)
    return FallbackSandbox(why)
