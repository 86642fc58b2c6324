"""The boxes' network, probed with the grader run by root and by an unprivileged user.

Tests of sandbox.py and kernel.py use this module twice over:

- In the test process: `Listener` (a TCP listener on the host's 127.0.0.1 that
  counts the connections made to it), `dask_scheduler()` (a real
  distributed.Scheduler on 127.0.0.1 that counts the clients it registers),
  and `grader(identity)`, which runs this module as a program, as root or as
  the unprivileged account GRADER_USER, in a folder of its own (its HOME and
  TMPDIR).
- As that program, `python -m tests.netprobe MODE PARAMS` (run from the
  repository) drives what the grader drives: a harness box
  (`sandbox.run` of a Python command), a notebook executed by nbclient in
  the sandboxed kernel (`kernel.write_kernelspec` and
  `kernel.configure_client`), or nothing (the probe run outside any box).
  It prints one JSON line.

PROBE tries three ways out and says what happened to each: a TCP connection
to the listener, `socket.getaddrinfo("example.com", 80)` (only in a box:
outside it would ask a name server beyond loopback), and a distributed.Client
of the scheduler.

Becoming the unprivileged user needs root (useradd, setpriv). Where the
grader's Python lies under a folder others may not enter (a pyenv in /root),
the program runs in a private mount namespace where that folder is replaced
by a tmpfs holding only the way to the Python installation. Whatever cannot be
done skips the test with the reason, except in CI (CI=true), where it fails.
"""

import json
import os
import pwd
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The unprivileged account the tests grade as (a system account, made if missing).
GRADER_USER = "convkit-grader"
#: Who runs the grader in these tests.
IDENTITIES = ("root", "user")
#: The kernelspec the "kernel" mode writes.
KERNEL = "convkit-netprobe"

#: Defines probe(params) -> {way: "connected" | "resolved" | "<exception>: <text>"}.
PROBE = r"""
def probe(params):
    import socket

    found = {}
    try:  # socket() itself fails where a seccomp filter refuses it (the fallback box)
        with socket.socket() as sock:
            sock.settimeout(10)
            sock.connect(("127.0.0.1", params["port"]))
        found["tcp"] = "connected"
    except OSError as error:
        found["tcp"] = f"{type(error).__name__}: {error}"
    if params["dns"]:
        try:
            socket.getaddrinfo("example.com", 80)
            found["dns"] = "resolved"
        except OSError as error:
            found["dns"] = f"{type(error).__name__}: {error}"
    try:
        from distributed import Client

        client = Client(params["scheduler"], timeout=params["dask_timeout"], set_as_default=False)
        client.close()
        found["dask"] = "connected"
    except Exception as error:
        found["dask"] = f"{type(error).__name__}: {error}"
    return found
"""


def in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def cannot(reason):
    """Skip the test for `reason`; in CI, fail it (CI must prove both graders)."""
    import pytest

    if in_ci():
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


# --------------------------------------------------------------------------
# What the boxes try to reach


class Listener:
    """A TCP listener on the host's 127.0.0.1 that counts the connections made to it.

    A connection the kernel completed waits in the backlog until accepted:
    `count()` accepts whatever waits, so once a probe's process has ended it
    tells exactly how many connections that probe made.
    """

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.socket.setblocking(False)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0

    def count(self):
        while True:
            try:
                conn, _ = self.socket.accept()
            except BlockingIOError:
                return self.accepted
            conn.close()
            self.accepted += 1

    def close(self):
        self.socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@contextmanager
def dask_scheduler():
    """A running distributed.Scheduler on 127.0.0.1 (no workers): (address, clients registered).

    Yields an object with `address` ("tcp://127.0.0.1:PORT") and `clients()`,
    the number of clients the scheduler has registered since it started.
    """
    import logging

    from distributed import LocalCluster
    from distributed.diagnostics.plugin import SchedulerPlugin

    class Registered(SchedulerPlugin):
        def __init__(self):
            self.names = []

        def add_client(self, scheduler, client):
            self.names.append(client)

    cluster = LocalCluster(
        n_workers=0,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )
    registered = Registered()
    cluster.scheduler.add_plugin(registered)

    class Scheduler:
        address = cluster.scheduler_address

        @staticmethod
        def clients():
            return len(registered.names)

    try:
        yield Scheduler()
    finally:
        cluster.close()


# --------------------------------------------------------------------------
# Who runs the grader


class Grader:
    """Runs this module as a program, as root or as an unprivileged user, in a folder of its own."""

    def __init__(self, identity, uid, gid, prefix=()):
        self.identity = identity
        self.uid, self.gid = uid, gid
        self.prefix = list(prefix)  # setpriv, and a mount namespace if needed
        self.folder = Path(tempfile.mkdtemp(prefix="convkit-grader-", dir="/tmp"))
        (self.folder / "tmp").mkdir()
        for path in (self.folder, self.folder / "tmp"):
            os.chown(path, uid, gid)
            os.chmod(path, 0o700)

    def env(self):
        return {
            "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin", "/bin"]),
            "HOME": str(self.folder),
            "TMPDIR": str(self.folder / "tmp"),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    def run(self, argv, timeout=600):
        """subprocess.run of `argv` as this grader, from the repository."""
        return subprocess.run(
            [*self.prefix, *argv],
            cwd=REPO,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,  # a guard against a hang, never a verdict
        )

    def drive(self, mode, **params):
        """Run `python -m tests.netprobe MODE PARAMS` as this grader; its JSON answer."""
        result = self.run([sys.executable, "-m", "tests.netprobe", mode, json.dumps(params)])
        lines = result.stdout.strip().splitlines()
        if result.returncode != 0 or not lines:
            raise AssertionError(
                f"netprobe {mode} as {self.identity} exited {result.returncode}:\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return json.loads(lines[-1])

    def leftovers(self):
        """Socket folders of kernels left in this grader's TMPDIR."""
        return sorted(p.name for p in (self.folder / "tmp").glob("convkit-ipc-*"))

    def close(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def grader(identity):
    """A Grader for "root" or "user", checked to be able to run the probes; else skip (CI: fail)."""
    if shutil.which("bwrap") is None:
        cannot("bubblewrap is not installed (apt-get install bubblewrap)")
    if identity == "root":
        if os.geteuid() != 0:
            cannot("grading as root needs the tests to run as root")
        found = Grader("root", 0, 0)
    elif os.geteuid() != 0:  # already an unprivileged user
        found = Grader("user", os.getuid(), os.getgid())
    else:
        uid, gid = _grader_account()
        prefix = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--init-groups"]
        found = Grader("user", uid, gid, _mount_namespace(uid, gid) + prefix)
    check = found.run(
        [sys.executable, "-c", "import autograder.grade.kernel, distributed, nbclient, ipykernel"]
    )
    if check.returncode != 0:
        found.close()
        cannot(f"the grader's Python does not run as {identity}: {check.stderr.strip()[-500:]}")
    return found


def _grader_account():
    """(uid, gid) of GRADER_USER, made as a system account if missing."""
    try:
        entry = pwd.getpwnam(GRADER_USER)
    except KeyError:
        if shutil.which("useradd") is None:
            cannot(f"no account {GRADER_USER} and no useradd to make it")
        options = ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent"]
        made = subprocess.run(
            ["useradd", *options, "--shell", "/usr/sbin/nologin", GRADER_USER],
            capture_output=True,
            text=True,
        )
        try:
            entry = pwd.getpwnam(GRADER_USER)
        except KeyError:
            cannot(f"cannot make the account {GRADER_USER}: {made.stderr.strip()}")
    if entry.pw_uid == 0:
        cannot(f"the account {GRADER_USER} is root")
    if shutil.which("setpriv") is None:
        cannot("setpriv (util-linux) is missing: cannot run as another user")
    return entry.pw_uid, entry.pw_gid


def _blocked(paths):
    """{folder: children needed} for the folders on the way to `paths` others may not enter."""
    blocked = {}
    for path in paths:
        path = Path(path)
        for parent in reversed(path.parents):
            if parent == path or parent == Path("/"):
                continue
            if not parent.stat().st_mode & stat.S_IXOTH:
                child = path.relative_to(parent).parts[0]
                blocked.setdefault(parent, set()).add(child)
        if path.is_dir() and not path.stat().st_mode & stat.S_IXOTH:
            raise AssertionError(f"{path} itself is closed to others")
    return blocked


def _mount_namespace(uid, gid):
    """A command prefix making the grader's Python reachable by others, or [] when it is.

    In a private mount namespace (util-linux unshare, as root), each folder on
    the way that others may not enter (like /root, 0700) is covered by a
    tmpfs (0755) holding only the entries on the way, bound back from the
    real folder. Nothing changes outside the namespace.
    """
    import sysconfig

    paths = {
        os.path.realpath(sys.executable),
        os.path.realpath(sys.prefix),
        os.path.realpath(sys.base_prefix),
        os.path.realpath(sysconfig.get_paths()["stdlib"]),
        str(REPO),
    }
    blocked = _blocked(sorted(paths))
    if not blocked:
        return []
    if shutil.which("unshare") is None:
        cannot(f"the grader's Python lies under {sorted(map(str, blocked))}, closed to others")
    # Each entry on the way is held at $keep/N while its folder is covered,
    # then bound back; $keep is emptied with rmdir/rm only, which refuse to
    # touch anything still mounted there.
    lines = ["set -eu", "keep=$(mktemp -d /tmp/convkit-keep-XXXXXXXX)"]
    entries = []
    # Deepest first: a folder's tmpfs is then carried along when its parent is covered.
    for folder, children in sorted(blocked.items(), key=lambda item: -len(item[0].parts)):
        held = []
        for child in sorted(children):
            entry = folder / child
            make, remove = ("mkdir", "rmdir") if entry.is_dir() else ("touch", "rm")
            spot = f"$keep/{len(entries)}"
            entries.append((spot, remove))
            held.append((spot, shlex.quote(str(entry)), make))
            lines.append(f"{make} {spot} && mount --rbind {shlex.quote(str(entry))} {spot}")
        lines.append(f"mount -t tmpfs -o mode=0755,size=1m convkit {shlex.quote(str(folder))}")
        for spot, target, make in held:
            lines.append(f"{make} {target} && mount --rbind {spot} {target} && umount -l {spot}")
    lines += [f"{remove} {spot}" for spot, remove in entries]
    lines += ['rmdir "$keep"', 'exec "$@"']
    script = "\n".join(lines)
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh"]


# --------------------------------------------------------------------------
# The program


#: PROBE as a program: `python -c PROBE_PROGRAM PARAMS` prints probe(PARAMS) as one JSON line.
PROBE_PROGRAM = f"{PROBE}\nimport json, sys\nprint(json.dumps(probe(json.loads(sys.argv[1]))))"


def _outside(params):
    namespace = {}
    exec(PROBE, namespace)
    return {"uid": os.geteuid(), "found": namespace["probe"](params)}


def _harness(params):
    from autograder.grade import sandbox as sb

    box = sb.find_sandbox("bwrap", required=True)
    work = Path(tempfile.mkdtemp(prefix="netprobe-"))
    limits = sb.Limits(wall_seconds=120, cpu_seconds=60)
    result = box.run(
        [sys.executable, "-I", "-c", PROBE_PROGRAM, json.dumps(params)],
        workdir=work,
        limits=limits,
    )
    lines = result.stdout.strip().splitlines()
    return {
        "uid": os.geteuid(),
        "mode": box.mode,
        "returncode": result.returncode,
        "stderr": result.stderr[-2000:],
        "found": json.loads(lines[-1]) if result.returncode == 0 and lines else None,
    }


def _kernel(params):
    import nbclient
    import nbformat
    from traitlets.config import Config

    from autograder.grade import kernel
    from autograder.grade import sandbox as sb

    box = sb.find_sandbox("bwrap", required=True)
    folder = Path(tempfile.mkdtemp(prefix="netprobe-"))
    notebook_dir = folder / "notebook"
    notebook_dir.mkdir()
    (notebook_dir / "data.txt").write_text("hello from the copy\n")
    scratch = folder / "scratch"
    scratch.mkdir()
    kernel.write_kernelspec(
        folder / "jupyter",
        name=KERNEL,
        limits=sb.Limits(wall_seconds=180, cpu_seconds=90),
        sandbox="bwrap",
        scratch=scratch,
    )
    os.environ["JUPYTER_PATH"] = str(folder / "jupyter")
    sources = [
        "import os; print(os.getuid(), os.getcwd(), open('data.txt').read().strip())",
        f"{PROBE}\nimport json\nprint(json.dumps(probe({params!r})))",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    client = nbclient.NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=120,
        startup_timeout=60,
        config=kernel.configure_client(Config()),
        resources={"metadata": {"path": str(notebook_dir)}},
    )
    client.execute()
    texts = [
        "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")
        for cell in nb.cells
    ]
    return {
        "uid": os.geteuid(),
        "mode": box.mode,
        "alive": texts[0].strip(),
        "found": json.loads(texts[1].strip().splitlines()[-1]),
    }


def main(argv):
    mode, params = argv[0], json.loads(argv[1])
    answer = {"outside": _outside, "harness": _harness, "kernel": _kernel}[mode](params)
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def inside_and_outside(grader, scheduler, where):
    """Run the probes in the box `where` ("harness" or "kernel") as `grader`, then outside it.

    Returns the box's answer, and what the host saw of each run:
    {"inside": (connections, clients), "outside": (connections, clients)}.
    """
    clients = scheduler.clients()
    params = {"scheduler": scheduler.address, "dask_timeout": 3}
    with Listener() as listener:
        inside = grader.drive(where, port=listener.port, dns=True, **params)
        connections_inside, clients_inside = listener.count(), scheduler.clients() - clients
        outside = grader.drive("outside", port=listener.port, dns=False, **params)
        connections_outside = listener.count() - connections_inside
    clients_outside = scheduler.clients() - clients - clients_inside
    assert outside["found"] == {"tcp": "connected", "dask": "connected"}, outside
    return inside, {
        "inside": (connections_inside, clients_inside),
        "outside": (connections_outside, clients_outside),
    }


def assert_no_network(grader, inside, seen):
    """The box ran as `grader` and reached nothing; the same probes outside reached both (so
    the test can fail)."""
    assert inside["uid"] == grader.uid
    assert inside["mode"] == ("mapped" if grader.identity == "root" else "user")
    found = inside["found"]
    assert found["tcp"].startswith("ConnectionRefusedError"), found
    assert found["dns"].startswith("gaierror"), found
    assert found["dask"].startswith("OSError: Timed out trying to connect"), found
    assert seen["inside"] == (0, 0)
    assert seen["outside"] == (1, 1)
