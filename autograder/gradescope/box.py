"""The box on Gradescope: bubblewrap where the container allows it, else a plain user.

Gradescope runs the autograder as root in a Docker container, where user
namespaces (and so bubblewrap) are often forbidden. `gradescope_sandbox()`
tries bubblewrap first (grade.sandbox.find_sandbox), and otherwise returns a
DroppedSandbox: the fallback box (resource limits, a new session, a clean
environment, every process killed after) whose first program also drops from
root to an unprivileged uid (DROPPED_UID) before the student's
code runs, having installed a seccomp filter that refuses any socket but a
Unix one (grade/seccomp.py; it needs no privilege, and Docker's default
profile allows it). With the grader's own files readable by root only
(run.lock_down), that uid cannot read the answer key or the solutions, write
the results, signal or trace the grader, or reach the network; what it can
still do is said in the README ("Grading on Gradescope").
"""

import contextlib
import json
import os
import signal
import sys
import tempfile
import time
import warnings
from pathlib import Path

from ..grade import seccomp
from ..grade.sandbox import (
    BOX_HOST_UID,
    FallbackSandbox,
    Limits,
    SandboxError,
    SandboxWarning,
    find_sandbox,
)

#: The host uid the student's code runs as without bubblewrap. Not grade's
#: BOX_HOST_UID: every process of this uid is killed after each run, and a
#: machine that also runs `grade` must not lose its boxes to that.
DROPPED_UID = int(os.environ.get("CONVKIT_GRADESCOPE_UID") or BOX_HOST_UID + 1)

#: The argument of the fallback's launcher that holds its JSON configuration
#: (python -I -S -c INIT CONFIG command...: sandbox.FallbackSandbox._prepare).
_CONFIG_ARG = 5


class DroppedSandbox(FallbackSandbox):
    """FallbackSandbox whose command runs as the unprivileged `uid`, when the grader is root."""

    kind = "fallback-dropped"

    def __init__(self, why="", uid=DROPPED_UID):
        # Not FallbackSandbox's warning (a course in reach): run.py names the box, with `why`.
        self.why = why
        self.uid = uid
        self.box_owner = (uid, uid)
        # The seccomp filter that cuts the network (grade/seccomp.py), installed by the
        # box's first program before it drops to `uid`; where the kernel refuses it, the
        # box reaches the network, and `why` says so.
        self.network_filter, self.network_open = seccomp.available()
        if self.network_filter is None:
            self.why = "; ".join(filter(None, [why, f"the network is open: {self.network_open}"]))

    def run(self, argv, **kwargs):
        """FallbackSandbox.run, then every process of the box's uid killed (setsid escapes none)."""
        try:
            return super().run(argv, **kwargs)
        finally:
            kill_user(self.uid)

    def _prepare(self, argv, workdir, readonly, readwrite, env, limits):
        launch = super()._prepare(argv, workdir, readonly, readwrite, env, limits)
        config = json.loads(launch.argv[_CONFIG_ARG])
        config.update(drop=True, uid=self.uid, gid=self.uid)
        # RLIMIT_NPROC binds a plain user (not root): it counts that uid's processes,
        # which are the box's alone (the session watchdog still counts them too).
        config["rlimits"] = [pair for pair in config["rlimits"] if pair[0] != "RLIMIT_NPROC"]
        config["rlimits"].append(["RLIMIT_NPROC", [limits.processes, limits.processes]])
        launch.argv[_CONFIG_ARG] = json.dumps(config)
        # The box's user owns its workdir, HOME and TMPDIR, and may pass through the
        # folders above them (not list them): they are the grader's private scratch.
        for folder in (Path(workdir), *(Path(host) for host, _ in readwrite)):
            self.give(folder)
            _traversable(folder.parent)
        self.give(launch.scratch)
        _traversable(launch.scratch.parent)
        return launch


def user_processes(uid):
    """The pids of the running processes (zombies left out) of `uid`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            owner = os.stat(f"/proc/{name}").st_uid
            state = Path(f"/proc/{name}/stat").read_bytes().rpartition(b")")[2].split()[:1]
        except OSError:
            continue  # gone meanwhile
        if owner == uid and state not in ([b"Z"], [b"X"]):
            found.append(int(name))
    return found


def kill_user(uid, seconds=5):
    """SIGKILL every process of `uid` until none is left (or `seconds` pass); how many were."""
    killed = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = user_processes(uid)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        time.sleep(0.02)
    return len(killed)


def _traversable(folder):
    """Let others pass through `folder` and the grader's private folders above it, up to /tmp."""
    top = Path(tempfile.gettempdir()).resolve()
    folder = Path(folder).resolve()
    for path in (folder, *folder.parents):
        if path == top or top not in path.parents:
            break
        mode = path.stat().st_mode
        if path.stat().st_uid == os.geteuid() and not mode & 0o001:
            path.chmod((mode & 0o7777) | 0o011)


def gradescope_sandbox(prefer="auto"):
    """The box to grade in: bubblewrap if it works here, else a DroppedSandbox (as root).

    A DroppedSandbox is tried first; SandboxError when its user cannot run this
    Python (an interpreter below a folder only root may enter, such as /root).
    """
    with warnings.catch_warnings():  # its warning names a course; the caller says what is
        warnings.simplefilter("ignore", SandboxWarning)
        box = find_sandbox(prefer)
    if box.kind == "bwrap" or os.geteuid() != 0:
        return box
    box = DroppedSandbox(getattr(box, "why", ""))
    with tempfile.TemporaryDirectory(prefix="convkit-trial-") as work:
        trial = box.run(
            [sys.executable, "-I", "-c", "import os; print('box ok', os.getuid())"],
            workdir=work,
            limits=Limits(wall_seconds=30, cpu_seconds=10),
        )
    if trial.stdout.split() != ["box", "ok", str(box.uid)]:
        said = (trial.stderr.strip() or trial.stdout.strip() or "nothing").splitlines()[-1]
        raise SandboxError(
            f"the box's user (uid {box.uid}) cannot run {sys.executable}: "
            f"{trial.reason or 'it exited 0'}, saying {said[:300]!r}"
        )
    return box
