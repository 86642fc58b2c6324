"""A Jupyter kernel that runs inside the sandbox, for nbgrader autograde.

nbgrader (nbclient, in the grader's trusted process) executes a student's
notebooks; the kernel, which runs the student's code, must live in the box,
and the box has no network, whoever runs the grader (sandbox.py). Two halves:

- The kernel's side. `write_kernelspec(folder, ...)` writes
  `folder/kernels/<name>/kernel.json` whose command is this module's
  launcher; the caller puts `folder` on JUPYTER_PATH and sets nbgrader's
  `c.Execute.kernel_name = <name>`.
- The grader's side. `configure_client(config)` makes a traitlets Config
  start kernels with `BoxKernelManager` (`kernel_manager_class` of
  NotebookClient and of nbgrader's Execute). nbgrader 0.9.6's Execute passes
  AsyncKernelManager to its constructor, which wins over the config there;
  but nbconvert's ExecutePreprocessor.preprocess runs NotebookClient's
  constructor again, without arguments, so the configured class is the one
  that starts the kernel (measured: a real autograde ran its cells in the
  box). Should that ever change, nbgrader would start a TCP kernel, which
  the launcher refuses: autograde fails, loudly, and nothing gets a network.

The channel. BoxKernelManager's transport is ZMQ `ipc`: the kernel's five
channels are Unix sockets `<ip>-1` ... `<ip>-5`, where `ip` is the absolute
path prefix `<temp dir>/convkit-ipc-XXXXXXXX/k` in a private folder (0700)
made for each kernel and removed with it (`cleanup_resources`). The launcher
binds that folder read-write into the box at the same absolute path, so the
kernel binds and nbclient connects to the same socket files; nothing else
crosses. A Unix socket's path holds at most 107 bytes: a long TMPDIR is
passed over for /tmp.

Why `--KernelManager.transport=ipc` alone made autograde fail ("kernel
unreachable"), measured with nbclient 0.11 and jupyter_client 8.10: a plain
KernelManager has no connection file yet when it first reads `ip`, so `ip`
defaults to the RELATIVE "kernel-ipc", and each side resolves
`kernel-ipc-<n>` from its own current folder: the kernel binds in the
notebook's folder (nbclient starts it there), while nbgrader's grading
process, which has chdir'd to the course root, connects in the course root,
to sockets nobody listens on ("Kernel didn't respond in 15 seconds"; the
sockets appeared in the notebook's folder, none in the course root).
BoxKernelManager's `ip` is absolute.

jupyter_client starts the launcher with `python -m autograder.grade.kernel
--config <json> <connection file>`, its current directory being the notebook's
folder (the course's autograded/<student>/<assignment>/). The launcher:

  1. reads the connection file and refuses (exit 1, one line on stderr) a
     transport other than ipc, a relative `ip`, or a socket folder that is
     not a private folder of the grader holding nothing but the kernel's
     sockets: a kernel that would need a network cannot start;
  2. copies the notebook's folder's contents (regular files and folders only:
     never a link, a fifo or a device; at most `copy_bytes` in all, else it
     refuses to start) into a fresh scratch workdir: the kernel never sees
     the course's folder, and what it writes stays in the copy. The
     student's cs231n/ and reference/ come along, so the notebook's imports
     work;
  3. copies the connection file next to it, for the box to read;
  4. runs `python -m ipykernel_launcher -f <connection file>` in the box
     (sandbox.py: its own network namespace, as every box) with the socket
     folder bound read-write at its own path (given to the box's user as
     root; it counts against the disk limit), IPYTHONDIR in the box's HOME,
     the read-only folders of the config (a dataset for CS231N_DATASETS),
     the environment of the config (never JPY_PARENT_PID: the box has its
     own PID namespace, where the kernel would see no parent and exit), and
     the limits (the wall time caps the kernel's whole life; nbgrader's
     per-cell timeout comes first);
  5. removes the scratch folder when the kernel exits.

Whatever ends the launcher, the box ends with it: on SIGTERM it kills the box
and cleans up; on SIGKILL (jupyter_client kills the kernel's process group on
shutdown or after a timeout), bubblewrap's --die-with-parent takes the box
down, and a small janitor, started in its own session, removes the scratch
folder once the launcher is gone. Interrupts are messages
(`"interrupt_mode": "message"`): signals do not cross into the box reliably.

What the box can still do with the socket folder, which it may write: fill
it (the disk limit counts it), or put a link where a socket was, so that
nbclient's ZMQ socket, reconnecting, connects to another Unix socket of the
host instead; it then sends a ZMQ greeting (and to a ZMQ peer, messages
signed with this kernel's key), and the box sees nothing of what comes back.

Exit status: the kernel's; 1 (with a line on stderr) when the launcher
cannot start it.
"""

import argparse
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import warnings
import weakref
from functools import cache
from pathlib import Path, PurePosixPath

#: The kernelspec name nbgrader is told to use.
KERNEL_NAME = "convkit-sandbox"
#: Where the connection file appears in the box.
CONNECTION_DIR = "/run/kernel"
#: The most the launcher copies of the notebook's folder, in bytes and entries.
COPY_BYTES = 256 * 1024 * 1024
COPY_ENTRIES = 20000
#: Folders never copied (caches the kernel does not need).
_SKIP = {"__pycache__", ".ipynb_checkpoints"}
_REPO = Path(__file__).resolve().parents[2]
#: This module's importable name (the launcher runs it as __main__).
_MODULE = "autograder.grade.kernel"
#: The longest path of a Unix socket (sun_path holds 108 bytes with the NUL).
SOCKET_PATH_MAX = 107
#: The kernel's sockets are `<ip>-<port>` (ports 1 to 5), one per channel.
_CHANNELS = ("shell", "iopub", "stdin", "control", "hb")
_PORT_SUFFIX = len("-99999")

# The janitor: waits for its stdin to close (the launcher exited, however),
# then removes the scratch folder.
_JANITOR = r"""
import shutil, sys, time
sys.stdin.buffer.read()
for attempt in range(50):
    shutil.rmtree(sys.argv[1], ignore_errors=True)
    try:
        open(sys.argv[1]).close()
    except IsADirectoryError:
        time.sleep(0.1)
        continue
    except OSError:
        break
"""


class KernelError(Exception):
    """The kernel cannot be set up or started as asked; the message says why."""


def write_kernelspec(
    folder,
    *,
    name=KERNEL_NAME,
    limits=None,
    env=None,
    readonly=(),
    sandbox="auto",
    copy_bytes=COPY_BYTES,
    scratch=None,
):
    """Write the kernelspec of the sandboxed kernel under `folder`; return kernel.json's path.

    - limits: a sandbox.Limits for the kernel (wall_seconds caps its whole life)
    - env: variables set in the kernel's environment (besides the box's minimal one)
    - readonly: (host path, inside path) pairs bound read-only, e.g. a dataset;
      when the grader is root, each is made readable by others (the box's
      user is another uid then: sandbox.py), since a folder the grader made
      private (mkdtemp's 0700) would look empty inside, and the notebook would
      generate its own dataset into the box's HOME, its path in the output
    - sandbox: "bwrap", "fallback" or "auto" (as find_sandbox takes it)
    - copy_bytes: the most of the notebook's folder copied for the kernel
    - scratch: where scratch workdirs are made (default: the system's temp dir)

    The launcher's config sits beside kernel.json as launcher.json.
    """
    from .sandbox import Limits, minimal_env

    limits = limits or Limits()
    if not isinstance(limits, Limits):
        raise KernelError(f"limits must be a sandbox.Limits, not {type(limits).__name__}")
    if not name or "/" in name or name.startswith("."):
        raise KernelError(f"bad kernel name {name!r}")
    if sandbox not in ("bwrap", "fallback", "auto"):
        raise KernelError(f"unknown sandbox {sandbox!r} (bwrap, fallback or auto)")
    try:
        minimal_env(extra=env)
    except Exception as error:
        raise KernelError(str(error)) from None
    pairs = []
    for pair in readonly or ():
        try:
            host, inside = pair
        except (TypeError, ValueError):
            raise KernelError(
                f"readonly entries are (host path, inside path), not {pair!r}"
            ) from None
        host = Path(host).resolve()
        if not host.exists():
            raise KernelError(f"readonly path {host} does not exist")
        if not PurePosixPath(str(inside)).is_absolute():
            raise KernelError(f"inside path {inside!r} must be absolute")
        if os.geteuid() == 0:
            readable_by_others(host)
        pairs.append([str(host), str(inside)])
    spec_dir = Path(folder) / "kernels" / name
    spec_dir.mkdir(parents=True, exist_ok=True)
    config_path = spec_dir / "launcher.json"
    config = {
        "limits": {key: getattr(limits, key) for key in limits.__dataclass_fields__},
        "env": dict(env or {}),
        "readonly": pairs,
        "sandbox": sandbox,
        "copy_bytes": int(copy_bytes),
        "scratch": str(scratch) if scratch else None,
    }
    config_path.write_text(json.dumps(config, indent=1, sort_keys=True), encoding="utf-8")
    spec = {
        "argv": [
            sys.executable,
            "-m",
            "autograder.grade.kernel",
            "--config",
            str(config_path.resolve()),
            "{connection_file}",
        ],
        "display_name": "Python 3 (convkit sandbox)",
        "language": "python",
        "interrupt_mode": "message",
        # The launcher imports this package; the kernel in the box does not.
        "env": {"PYTHONPATH": str(_REPO)},
        "metadata": {"debugger": False},
    }
    path = spec_dir / "kernel.json"
    path.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return path


def readable_by_others(path):
    """Let others read `path` and everything below it (folders: read and enter); links aside."""
    entries = [Path(path)]
    for folder, dirs, files in os.walk(path, followlinks=False):
        entries += [Path(folder) / name for name in dirs + files]
    for entry in entries:
        st = entry.lstat()
        if stat.S_ISLNK(st.st_mode):
            continue
        wanted = st.st_mode | stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(st.st_mode) else 0)
        if wanted != st.st_mode:
            os.chmod(entry, stat.S_IMODE(wanted))


def copy_folder(source, dest, *, max_bytes=COPY_BYTES, max_entries=COPY_ENTRIES):
    """Copy the regular files and folders of `source` into `dest` (new); return bytes copied.

    Links, fifos, sockets and devices are skipped, and no link is followed
    anywhere below `source`. Raises KernelError past `max_bytes` or
    `max_entries`.
    """
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(source, flags)
    budget = {"bytes": max_bytes, "entries": max_entries, "cap": max_bytes}
    try:
        os.mkdir(dest, 0o755)
        _copy_dir(fd, Path(dest), budget, flags)
    finally:
        os.close(fd)
    return max_bytes - budget["bytes"]


def _copy_dir(fd, dest, budget, flags):
    with os.scandir(fd) as entries:
        names = sorted(entry.name for entry in entries)
    for name in names:
        if name in _SKIP:
            continue
        try:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except OSError:
            continue
        budget["entries"] -= 1
        if budget["entries"] < 0:
            raise KernelError("the notebook's folder holds too many files to copy for the kernel")
        if stat.S_ISDIR(st.st_mode):
            try:
                sub = os.open(name, flags, dir_fd=fd)
            except OSError:
                continue
            try:
                os.mkdir(dest / name, 0o755)
                _copy_dir(sub, dest / name, budget, flags)
            finally:
                os.close(sub)
        elif stat.S_ISREG(st.st_mode):
            _copy_file(fd, name, dest / name, budget)


def _copy_file(fd, name, target, budget):
    try:
        src = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=fd)
    except OSError:
        return
    with open(src, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return
        with open(target, "xb") as out:
            while chunk := f.read(1 << 20):
                budget["bytes"] -= len(chunk)
                if budget["bytes"] < 0:
                    raise KernelError(
                        "the notebook's folder is too large to copy for the kernel "
                        f"(more than {budget['cap']} bytes)"
                    )
                out.write(chunk)
    os.chmod(target, 0o644)


# --------------------------------------------------------------------------
# The grader's side: kernels over ipc sockets in a private folder


def configure_client(config):
    """Make `config` (a traitlets Config) start notebook kernels with BoxKernelManager; return it.

    Sets `kernel_manager_class` for nbclient's NotebookClient (and so
    nbconvert's ExecutePreprocessor) and for nbgrader's Execute, which
    autograde uses (see the module docstring). Calling it again changes
    nothing; the config stays picklable (the class is named, not held).
    """
    name = f"{_MODULE}.BoxKernelManager"
    config.NotebookClient.kernel_manager_class = name
    config.Execute.kernel_manager_class = name
    return config


def __getattr__(name):
    # BoxKernelManager subclasses jupyter_client's AsyncKernelManager, which
    # the launcher never needs: it is made on first use, importable by name.
    if name == "BoxKernelManager":
        return _box_kernel_manager()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def socket_root():
    """Where the kernels' socket folders are made: the temp dir, or /tmp when its path is long."""
    root = tempfile.gettempdir()
    return root if len(os.fsencode(root)) <= 48 else "/tmp"


@cache
def _box_kernel_manager():
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum

    class BoxKernelManager(AsyncKernelManager):
        """jupyter_client's AsyncKernelManager over ZMQ ipc, for a kernel in a box without network.

        Its `ip` is `<folder>/k`, the folder a fresh private one
        (socket_root()/convkit-ipc-XXXXXXXX, mode 0700) made when the
        kernel's connection file is first written; the kernel's sockets are
        `<folder>/k-1` to `k-5`. `cleanup_resources` removes the folder (as
        does the manager's collection, or the interpreter's exit).
        """

        transport = CaselessStrEnum(
            ["ipc"],
            default_value="ipc",
            config=True,
            help="ZMQ transport: ipc only (the kernel's box has no network).",
        )
        _socket_folder = None
        _remove_socket_folder = None

        def _ip_default(self):
            if self._socket_folder is None:
                folder = tempfile.mkdtemp(prefix="convkit-ipc-", dir=socket_root())
                self._socket_folder = folder
                self._remove_socket_folder = weakref.finalize(self, shutil.rmtree, folder, True)
            ip = os.path.join(self._socket_folder, "k")
            if len(os.fsencode(ip)) + _PORT_SUFFIX > SOCKET_PATH_MAX:
                raise KernelError(
                    f"the kernel's socket path {ip}-N is longer than {SOCKET_PATH_MAX} bytes: "
                    "set TMPDIR to a shorter folder"
                )
            return ip

        async def _async_cleanup_resources(self, restart=False):
            await super()._async_cleanup_resources(restart=restart)
            if not restart and self._remove_socket_folder is not None:
                self._remove_socket_folder()  # runs once

        cleanup_resources = _async_cleanup_resources

    BoxKernelManager.__qualname__ = "BoxKernelManager"
    BoxKernelManager.__module__ = _MODULE
    return BoxKernelManager


def socket_folder(connection, owners=()):
    """The folder of a kernel's ipc sockets, from its connection info; KernelError when unfit.

    The folder is bound read-write into the box, so it must be what
    BoxKernelManager makes: the folder of an absolute `ip`, private (no
    access for group or others), owned by this process's user or one of
    `owners` (the box's user it was given to), holding nothing but the
    kernel's sockets (`<name of ip>-<port>`).
    """
    transport = connection.get("transport", "tcp")
    if transport != "ipc":
        raise KernelError(
            f"the kernel's transport is {transport!r}, but the box has no network: the grader "
            "must start it with kernel.BoxKernelManager (see kernel.configure_client), over ipc"
        )
    ip = str(connection.get("ip") or "")
    path = PurePosixPath(ip)
    if not path.is_absolute() or ".." in path.parts or str(path) != ip:
        raise KernelError(
            f"the kernel's ipc path {ip!r} is not absolute: the grader and the box would "
            "look for its sockets in different folders (use kernel.BoxKernelManager)"
        )
    ports = [int(connection.get(f"{name}_port") or 0) for name in _CHANNELS]
    longest = max(len(os.fsencode(f"{ip}-{port}")) for port in ports)
    if longest > SOCKET_PATH_MAX:
        raise KernelError(
            f"the kernel's socket paths {ip}-N are longer than {SOCKET_PATH_MAX} bytes"
        )
    folder = Path(path.parent)
    try:
        st = folder.lstat()
    except OSError as error:
        raise KernelError(f"the kernel's socket folder {folder}: {error.strerror}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise KernelError(f"the kernel's socket folder {folder} is not a folder")
    if st.st_uid not in {os.geteuid(), *owners} or st.st_mode & 0o077:
        raise KernelError(
            f"the kernel's socket folder {folder} is not a private folder of the grader "
            f"(owner {st.st_uid}, mode {stat.S_IMODE(st.st_mode):o})"
        )
    pattern = re.compile(re.escape(path.name) + r"-[0-9]+")
    strays = sorted(name for name in os.listdir(folder) if not pattern.fullmatch(name))
    if strays:
        raise KernelError(
            f"the kernel's socket folder {folder} holds more than its sockets: {strays[:3]}"
        )
    return folder


# --------------------------------------------------------------------------
# The launcher


class _Stop(BaseException):
    """Raised in the launcher by SIGTERM/SIGHUP: kill the box and clean up."""


def _on_signal(signum, frame):
    raise _Stop(signum)


def launch(config, connection_file, notebook_dir):
    """Run the kernel in a box until it exits; return its exit status."""
    from . import sandbox as sb

    limits = sb.Limits(**config["limits"])
    kind = config.get("sandbox", "auto")
    if kind == "bwrap":  # checked by the grader already: no trial run per kernel
        box = sb.BwrapSandbox(shutil.which("bwrap") or "/usr/bin/bwrap")
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sb.SandboxWarning)
            box = sb.find_sandbox(kind)
    connection = json.loads(Path(connection_file).read_text(encoding="utf-8"))
    sockets = socket_folder(connection, [box.box_owner[0]] if box.box_owner else [])
    scratch = Path(tempfile.mkdtemp(prefix="convkit-kernel-", dir=config.get("scratch")))
    janitor = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _JANITOR, str(scratch)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={},
    )
    try:
        work = scratch / "work"
        copy_folder(notebook_dir, work, max_bytes=config.get("copy_bytes", COPY_BYTES))
        conn = scratch / "connection"
        conn.mkdir(mode=0o755)
        shutil.copyfile(connection_file, conn / "kernel.json")
        box.give(conn)
        os.chmod(conn / "kernel.json", 0o400)
        env = dict(config.get("env") or {})
        env["IPYTHONDIR"] = f"{sb.HOME}/.ipython"
        readonly = [(conn, CONNECTION_DIR)] + [tuple(pair) for pair in config.get("readonly", [])]
        result = box.run(
            [sys.executable, "-m", "ipykernel_launcher", "-f", f"{CONNECTION_DIR}/kernel.json"],
            workdir=work,
            readonly=readonly,
            # The sockets, at the path nbclient connects to: the only way out of the box.
            readwrite=[(sockets, str(sockets))],
            env=env,
            limits=limits,
        )
        if result.reason:
            sys.stderr.write(f"convkit kernel: stopped: {result.reason}\n")
            tail = result.stderr.strip().splitlines()[-5:]
            sys.stderr.writelines(f"  {line}\n" for line in tail)
        return result.returncode if result.returncode >= 0 else 128 - result.returncode
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        janitor.stdin.close()
        janitor.wait()


def main(argv=None):
    """`python -m autograder.grade.kernel --config <json> <connection file>`."""
    parser = argparse.ArgumentParser(
        prog="python -m autograder.grade.kernel",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config", required=True, help="the launcher.json written with the kernelspec"
    )
    parser.add_argument("connection_file", help="the connection file jupyter_client wrote")
    args = parser.parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts are messages to the kernel
    # jupyter_client starts this launcher in a session of its own, so a grader
    # killed outright (SIGKILL) would leave it, and the kernel, running: be told.
    from .sandbox import die_with_parent

    die_with_parent(signal.SIGTERM)  # handled: the box is taken down
    try:
        config = json.loads(Path(args.config).read_text(encoding="utf-8"))
        if not Path(args.connection_file).is_file():
            raise KernelError(f"no connection file {args.connection_file}")
        return launch(config, args.connection_file, os.getcwd())
    except _Stop as stop:
        return 128 + stop.args[0]
    except Exception as error:  # a bad config, a refused copy, a box that cannot start
        sys.stderr.write(f"convkit kernel: cannot start: {error}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
