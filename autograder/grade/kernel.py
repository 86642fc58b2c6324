"""A Jupyter kernel that runs inside the sandbox, for nbgrader autograde.

nbgrader (nbclient, in the grader's trusted process) executes a student's
notebooks; the kernel, which runs the student's code, must live in the box.
`write_kernelspec(folder, ...)` writes `folder/kernels/<name>/kernel.json`
whose command is this module's launcher; the caller puts `folder` on
JUPYTER_PATH and sets nbgrader's `c.Execute.kernel_name = <name>`.

jupyter_client starts the launcher with `python -m autograder.grade.kernel
--config <json> <connection file>`, its current directory being the notebook's
folder (the course's autograded/<student>/<assignment>/). The launcher:

  1. copies that folder's contents (regular files and folders only: never a
     link, a fifo or a device; at most `copy_bytes` in all, else it refuses to
     start) into a fresh scratch workdir: the kernel never sees the course's
     folder, and what it writes stays in the copy. The student's cs231n/ and
     reference/ come along, so the notebook's imports work;
  2. copies the connection file next to it, for the box to read;
  3. runs `python -m ipykernel_launcher -f <connection file>` in the box
     (sandbox.py) with IPYTHONDIR in the box's HOME, the read-only folders of
     the config (a dataset for CS231N_DATASETS), the environment of the
     config (never JPY_PARENT_PID: the box has its own PID namespace, where
     the kernel would see no parent and exit), and the limits (the wall time
     caps the kernel's whole life; nbgrader's per-cell timeout comes first).
     The kernel talks ZMQ over TCP to nbclient. As root, the box keeps a
     network of its own (loopback only) and the launcher relays the kernel's
     five ports into it (PortRelay): the kernel reaches nothing else, not the
     host's loopback services nor another student's kernel. A grader that is
     not root cannot enter the box's network, so there the box shares the
     host's network (bubblewrap's --share-net);
  4. removes the scratch folder when the kernel exits.

Whatever ends the launcher, the box ends with it: on SIGTERM it kills the box
and cleans up; on SIGKILL (jupyter_client kills the kernel's process group on
shutdown or after a timeout), bubblewrap's --die-with-parent takes the box
down, and a small janitor, started in its own session, removes the scratch
folder once the launcher is gone. Interrupts are messages
(`"interrupt_mode": "message"`): signals do not cross into the box reliably.

Exit status: the kernel's; 1 (with a line on stderr) when the launcher
cannot start it.
"""

import argparse
import ctypes
import json
import os
import selectors
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
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
    - readonly: (host path, inside path) pairs bound read-only, e.g. a dataset
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
# The network: the kernel's ports only


_PORTS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
_CLONE_NEWNET = 0x40000000


class PortRelay:
    """Forwards the kernel's five TCP ports from the host's loopback into the box's.

    The box keeps a network namespace of its own (loopback only): the kernel
    binds its ports there, nbclient connects to the same ports on the host,
    where the launcher listens, and each connection is relayed by a thread
    that enters the box's namespace (setns, for that thread only) to connect
    inside. So the kernel reaches nothing of the host's network, not even
    another kernel's ports or a database on the host's loopback.
    """

    def __init__(self, connection):
        if connection.get("transport", "tcp") != "tcp":
            raise KernelError(
                f"the kernel's transport must be tcp, not {connection['transport']!r}"
            )
        self.ip = connection.get("ip") or "127.0.0.1"
        self.listeners = []
        self.netns = None
        try:
            for key in _PORTS:
                listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind((self.ip, int(connection[key])))
                listener.listen(16)
                self.listeners.append(listener)
        except OSError as error:
            self.close()
            raise KernelError(f"cannot listen on the kernel's ports: {error}") from None

    def start(self, box_pid):
        """Begin relaying into the network namespace of the box whose init is `box_pid`."""
        self.netns = os.open(f"/proc/{box_pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        for listener in self.listeners:
            threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener):
        port = listener.getsockname()[1]
        while True:
            try:
                outside, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(outside, port), daemon=True).start()

    def _pipe(self, outside, port):
        libc = ctypes.CDLL(None, use_errno=True)
        with outside:
            if libc.setns(self.netns, _CLONE_NEWNET) != 0:
                error = os.strerror(ctypes.get_errno())
                sys.stderr.write(f"convkit kernel: cannot enter the box's network: {error}\n")
                return
            inside = None
            deadline = time.monotonic() + 60
            while inside is None and time.monotonic() < deadline:
                try:
                    inside = socket.create_connection(("127.0.0.1", port), timeout=5)
                except OSError:
                    time.sleep(0.02)  # the kernel has not bound its port yet
            if inside is None:
                return
            with inside:
                inside.settimeout(None)
                _relay(outside, inside)

    def close(self):
        for listener in self.listeners:
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        if self.netns is not None:
            os.close(self.netns)
            self.netns = None


def _relay(a, b):
    """Copy bytes both ways between two sockets until either side closes."""
    sel = selectors.DefaultSelector()
    sel.register(a, selectors.EVENT_READ, b)
    sel.register(b, selectors.EVENT_READ, a)
    try:
        while True:
            for key, _ in sel.select():
                try:
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
                except OSError:
                    return
    finally:
        sel.close()


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
    scratch = Path(tempfile.mkdtemp(prefix="convkit-kernel-", dir=config.get("scratch")))
    janitor = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _JANITOR, str(scratch)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={},
    )
    relay = None
    try:
        if box.kind == "bwrap" and box.mode == "mapped":
            # The kernel gets a network of its own; its ports are relayed (PortRelay).
            relay = PortRelay(json.loads(Path(connection_file).read_text(encoding="utf-8")))
        elif box.kind == "bwrap":
            # Without root the launcher cannot enter the box's network: share the host's.
            box = box.with_network()
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
            env=env,
            limits=limits,
            on_start=relay.start if relay else None,
        )
        if result.reason:
            sys.stderr.write(f"convkit kernel: stopped: {result.reason}\n")
            tail = result.stderr.strip().splitlines()[-5:]
            sys.stderr.writelines(f"  {line}\n" for line in tail)
        return result.returncode if result.returncode >= 0 else 128 - result.returncode
    finally:
        if relay:
            relay.close()
        shutil.rmtree(scratch, ignore_errors=True)
        janitor.stdin.close()
        janitor.wait()


def _die_with_parent():
    """Get SIGTERM (handled: the box is taken down) when the process that started us dies."""
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


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
    _die_with_parent()
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
