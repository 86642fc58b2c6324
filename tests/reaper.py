"""Run a command as a child subreaper, kill it on demand, and list what it left running.

    python -m tests.reaper COMMAND...

The reaper (Linux's PR_SET_CHILD_SUBREAPER) adopts every process the command
leaves behind, however deep: workers, sandboxes, the processes inside them
(a PID namespace's init is adopted too), double-forked daemons. So "what is
left" is exact: the reaper's own children, nothing guessed from command lines.

Protocol, on the reaper's stdout: the command's stdout lines, forwarded as they
come. On SIGUSR1 the reaper sends SIGKILL to the command's process (the
process only, as an OOM kill or a closed laptop would: not its group), then
waits for its adopted children to go, reaping them, until none is left or
`LINGER` seconds pass, and prints one last line `LEFTOVER <json>`: a list of
[pid, command line] of the processes still alive. Without SIGUSR1 it prints
the same line once the command exits by itself.
"""

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time

#: How long the killed command's processes may take to go, at most, in seconds.
LINGER = 30
_PR_SET_CHILD_SUBREAPER = 36


def children(pid):
    """[pid, command line] of the live (not zombie) processes whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            if int(fields[1]) != pid or fields[0] == b"Z":
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, IndexError, ValueError):
            continue
        found.append([int(entry), command[:300]])
    return found


def reap():
    """Collect every exited child (zombies) without blocking."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main(argv):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("LEFTOVER-ERROR cannot become a subreaper", flush=True)
        return 2
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    killed = threading.Event()
    signal.signal(signal.SIGUSR1, lambda signum, frame: killed.set())

    def forward():
        for line in proc.stdout:
            sys.stdout.write(line.decode(errors="replace"))
            sys.stdout.flush()

    reader = threading.Thread(target=forward, daemon=True)
    reader.start()
    while not killed.is_set() and proc.poll() is None:
        killed.wait(0.05)
    if killed.is_set() and proc.poll() is None:
        proc.kill()
    proc.wait()
    deadline = time.monotonic() + LINGER
    left = children(os.getpid())
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        reap()
        left = children(os.getpid())
    reader.join(timeout=5)
    print("LEFTOVER " + json.dumps(left), flush=True)
    for pid, _ in left:  # do not leave them to the next test
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
