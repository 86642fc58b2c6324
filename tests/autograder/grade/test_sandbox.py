"""The box student code runs in: isolation, each limit, output caps and cleanup."""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
import warnings
from pathlib import Path, PurePosixPath

import pytest

from autograder.grade import sandbox as sb
from autograder.grade.sandbox import Limits, SandboxError, SandboxWarning
from tests import netprobe

pytestmark = pytest.mark.sandbox

#: A process that ignores SIGINT and SIGTERM and sleeps; its argv carries a marker.
SLEEPER = (
    "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(1000)"
)
FAST = Limits(cpu_seconds=5, wall_seconds=10, memory_bytes=1 * sb.GiB)


#: The host uid the sandbox tests' boxes map to as root (grading uses sb.BOX_HOST_UID).
TEST_HOST_UID = sb.BOX_HOST_UID + 1


@pytest.fixture(scope="module")
def bwrap():
    """The bubblewrap box, or a skip saying why there is none (in CI, a failure)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SandboxWarning)
        box = sb.find_sandbox("bwrap")
    if box.kind != "bwrap":
        netprobe.cannot(f"bubblewrap does not work here: {getattr(box, 'why', '')}")
    # A host uid of these tests' own: "no process of the box's uid is left" must
    # not see the boxes of a grading that runs meanwhile on the same machine.
    return sb.BwrapSandbox(box.bwrap, host_uid=TEST_HOST_UID)


@pytest.fixture
def fallback():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SandboxWarning)
        return sb.FallbackSandbox("forced by the test")


@pytest.fixture
def work(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "given.txt").write_text("the submission\n")
    return folder


def py(box, work, code, limits=FAST, **kwargs):
    """Run Python `code` in the box with `work` as workdir."""
    return box.run(
        [sys.executable, "-I", "-c", f"SLEEPER = {SLEEPER!r}\n" + textwrap.dedent(code)],
        workdir=work,
        limits=limits,
        **kwargs,
    )


def processes_with(marker):
    """Host pids whose command line holds `marker`."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(pid))
    return found


def processes_of_uid(uid):
    """Host processes of `uid`, zombies included, as "PID (state S, parent PPID)"."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    stat = Path(f"/proc/{pid}/stat").read_text()
                    state, parent = stat.rpartition(")")[2].split()[:2]
                    found.append(f"{pid} (state {state}, parent {parent})")
            except (OSError, ValueError):
                pass
    return found


def wait_until_gone(marker, ceiling=60.0):
    """True once no process carries `marker`; False only if some still do after `ceiling` s.

    For processes that die on an event outside the box's run (the grader's death);
    the ceiling only stops a broken build from hanging, it is not a time limit under test.
    """
    deadline = time.monotonic() + ceiling
    while processes_with(marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# --------------------------------------------------------------------------
# Isolation


def test_runs_in_the_workdir_as_an_unprivileged_user(bwrap, work):
    """Does the command run in the workdir copy, as uid 1000, without capabilities?"""
    result = py(
        bwrap,
        work,
        """
        import os
        print(os.getcwd(), os.getuid(), os.getgid(), open("given.txt").read().strip())
        status = open("/proc/self/status").read()
        lines = status.splitlines()
        print(" ".join(l.split()[1] for l in lines if l.startswith(("CapEff", "NoNew"))))
        open("made.txt", "w").write("written inside")
        """,
    )
    assert result.returncode == 0, result
    first, caps = result.stdout.splitlines()
    assert first == f"{sb.WORKDIR} 1000 1000 the submission"
    assert caps == "0000000000000000 1"  # no capabilities, no_new_privs
    assert (work / "made.txt").read_text() == "written inside"
    assert result.reason == ""
    assert result.killed is None
    assert not result.timed_out


def test_the_box_user_reads_the_system_files_it_is_given(bwrap, work):
    """Can the box's user read what the box gives it of /etc: its own name in passwd, hosts,
    and fontconfig's configuration (without which matplotlib's import prints a Fontconfig
    error into the notebook)?"""
    result = py(
        bwrap,
        work,
        """
        import os, pwd, shutil, subprocess
        print(pwd.getpwuid(os.getuid()).pw_name, oct(os.stat("/etc").st_mode & 0o777))
        print(open("/etc/hosts").read().split()[0])
        if shutil.which("fc-list"):
            fc = subprocess.run(["fc-list"], capture_output=True, text=True)
            print("fc-list stderr:", repr(fc.stderr))
        """,
    )
    assert result.returncode == 0, result
    lines = result.stdout.splitlines()
    assert lines[0] == f"{sb.BOX_USER} 0o755"
    assert lines[1] == "127.0.0.1"
    if Path("/etc/fonts/fonts.conf").is_file() and len(lines) > 2:
        assert lines[2] == "fc-list stderr: ''"


def test_host_files_are_hidden(bwrap, work, tmp_path):
    """Are files of /tmp, /work, /root and the course directory out of reach inside?"""
    course = tmp_path / "course"
    course.mkdir()
    (course / "gradebook.db").write_text("secret grades")
    planted = tmp_path / "planted.txt"
    planted.write_text("secret")
    probes = [
        str(course / "gradebook.db"),
        str(planted),
        str(Path(sb.__file__).resolve()),  # the grader's own code
        "/work/shared/ARCHITECTURE.md",
        str(Path(sb.__file__).resolve().parents[2] / "pyproject.toml"),
        "/root/.bashrc",
        "/etc/shadow",
    ]
    result = py(
        bwrap,
        work,
        f"""
        import os
        for path in {probes!r}:
            try:
                open(path).read()
                print("READ", path)
            except OSError as error:
                print("hidden", path, type(error).__name__)
        print(sorted(os.listdir("/tmp")), sorted(os.listdir("/home/student")))
        """,
    )
    assert result.returncode == 0, result
    assert "READ" not in result.stdout
    assert sum(line.startswith("hidden ") for line in result.stdout.splitlines()) == len(probes)
    # /tmp is a fresh tmpfs: empty but for the parents of the Python
    # installation when that lives under /tmp (a clone in /tmp/x/.venv).
    allowed = sorted(
        {
            PurePosixPath(root).relative_to("/tmp").parts[0]
            for root in sb._python_roots()
            if PurePosixPath(root).is_relative_to("/tmp")
        }
    )
    assert result.stdout.splitlines()[-1] == f"{allowed} ['work']"
    # The probes exist on the host: the test would fail with a leaky box.
    assert all(Path(p).exists() for p in probes[:3] + probes[4:5])


def test_system_and_readonly_paths_cannot_be_written(bwrap, work, tmp_path):
    """Are /usr, /etc, the Python installation and readonly binds read-only inside?"""
    given = tmp_path / "given"
    given.mkdir()
    (given / "harness.py").write_text("print('harness')\n")
    targets = [
        "/usr/x",
        "/etc/passwd",
        f"{sys.prefix}/x",
        "/grader/harness.py",
        "/grader/new",
        "/x",
    ]
    result = py(
        bwrap,
        work,
        f"""
        import runpy
        runpy.run_path("/grader/harness.py")
        for path in {targets!r}:
            try:
                open(path, "a").write("x")
                print("WROTE", path)
            except OSError as error:
                print("refused", path, error.strerror)
        """,
        readonly=[(given, "/grader")],
    )
    assert result.returncode == 0, result
    assert result.stdout.startswith("harness\n")
    assert "WROTE" not in result.stdout
    assert result.stdout.count("refused") == len(targets)
    assert (given / "harness.py").read_text() == "print('harness')\n"
    assert not (given / "new").exists()


def test_harness_box_reaches_no_network_whoever_grades(grader, scheduler):
    """Graded by root or by an unprivileged user, does a harness box fail to reach a listener
    on the host's 127.0.0.1, a Dask scheduler there and a name server, all of which (but the
    name server, never asked) the same grader reaches outside the box?"""
    inside, seen = netprobe.inside_and_outside(grader, scheduler, "harness")
    assert inside["returncode"] == 0, inside["stderr"]
    netprobe.assert_no_network(grader, inside, seen)


def test_readwrite_folder_is_written_in_place_and_counted(bwrap, work, tmp_path):
    """Is a readwrite folder writable inside at its path, given to the box's user, and what
    the box writes there counted against the disk limit?"""
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o700)
    inside = str(shared.resolve())
    result = py(
        bwrap,
        work,
        f"""
        import os
        open({inside!r} + "/note", "w").write("from the box")
        print(sorted(os.listdir({inside!r})))
        """,
        readwrite=[(shared, inside)],
    )
    assert result.returncode == 0, result
    assert result.stdout == "['note']\n"
    assert (shared / "note").read_text() == "from the box"
    if bwrap.box_owner:
        assert shared.stat().st_uid == bwrap.host_uid
    limits = Limits(disk_bytes=2 * sb.MiB, file_bytes=1 * sb.MiB, wall_seconds=30)
    fill = f"""
    for i in range(1000):
        open({inside!r} + f"/fill{{i}}", "wb").write(b"x" * 2**19)
    print("finished")
    """
    full = py(bwrap, work, fill, limits=limits, readwrite=[(shared, inside)])
    assert full.reason.startswith("disk limit"), full
    assert "finished" not in full.stdout


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("tmp", "writable by everyone"),
        ("system", "system folder"),
        ("file", "not a folder"),
        ("link", "is a link"),
    ],
)
def test_unfit_readwrite_folders_are_refused(bwrap, work, tmp_path, kind, message):
    """Is a readwrite path that is not a private folder of the grader refused up front?"""
    if kind == "tmp":
        path = Path("/tmp")
    elif kind == "system":
        path = Path("/usr/share")
    elif kind == "file":
        path = tmp_path / "file"
        path.write_text("x")
    else:
        path = tmp_path / "link"
        path.symlink_to(tmp_path)
    with pytest.raises(SandboxError, match=message):
        bwrap.run(["true"], workdir=work, readwrite=[(path, "/data")])


def test_grader_environment_does_not_leak(bwrap, fallback, work, monkeypatch):
    """Is a canary variable of the grader absent inside, and the given env present?"""
    monkeypatch.setenv("CONVKIT_CANARY", "secret-token")
    monkeypatch.setenv("JUPYTER_TOKEN", "also-secret")
    monkeypatch.setenv("VIRTUAL_ENV", "/somewhere")
    code = "import os, json; print(json.dumps(dict(os.environ)))"
    for box in (bwrap, fallback):
        result = py(box, work, code, env={"CS231N_QUICK": "1"})
        assert result.returncode == 0, result
        assert "secret" not in result.stdout
        assert "VIRTUAL_ENV" not in result.stdout
        env = json.loads(result.stdout)
        assert env["CS231N_QUICK"] == "1"
        assert env["OMP_NUM_THREADS"] == "1"
        assert env["MPLBACKEND"] == "Agg"
        assert env["LANG"] == "C.UTF-8"
    assert env["HOME"] != os.environ.get("HOME")


# --------------------------------------------------------------------------
# Limits


def test_exit_status_is_kept(bwrap, work):
    """Does os._exit(3) give returncode 3 and the reason "exit status 3"?"""
    result = py(bwrap, work, "import os; print('bye', flush=True); os._exit(3)")
    assert (result.returncode, result.reason, result.killed) == (3, "exit status 3", None)
    assert result.stdout == "bye\n"


def test_cpu_spin_hits_the_cpu_limit(bwrap, work):
    """Is a busy loop stopped by the CPU limit, named as such?"""
    limits = Limits(cpu_seconds=1, wall_seconds=20)
    result = py(bwrap, work, "while True: pass", limits=limits)
    assert result.reason == "CPU time limit", result
    assert result.killed in ("SIGXCPU", "SIGKILL")
    assert not result.timed_out  # the CPU limit stopped it, long before the wall time


@pytest.mark.parametrize(
    "code",
    ["bytearray(10**10)", "import numpy as np; np.ones((10**5, 10**5))"],
    ids=["bytearray", "numpy"],
)
def test_memory_bomb_hits_the_memory_limit(bwrap, work, code):
    """Does allocating 10 GB fail inside with the reason "memory limit"?"""
    result = py(bwrap, work, code, limits=Limits(memory_bytes=1 * sb.GiB, wall_seconds=20))
    assert result.returncode == 1
    assert result.reason == "memory limit", result
    assert "MemoryError" in result.stderr


def test_large_file_hits_the_file_size_limit(bwrap, work):
    """Is writing a file past file_bytes refused, with the reason "file size limit"?"""
    limits = Limits(file_bytes=1 * sb.MiB, wall_seconds=20)
    result = py(bwrap, work, "open('big', 'wb').write(b'x' * (3 * 2**20))", limits=limits)
    assert result.reason == "file size limit", result
    assert (work / "big").stat().st_size <= 1 * sb.MiB


def test_many_small_files_hit_the_disk_limit(bwrap, work):
    """Does filling the workdir with small files get the box killed for disk use?"""
    limits = Limits(disk_bytes=4 * sb.MiB, wall_seconds=30)
    code = """
    import os
    os.mkdir("junk")
    for i in range(200000):
        with open(f"junk/{i}", "w") as f:
            f.write("x" * 100)
    print("finished")
    """
    result = py(bwrap, work, code, limits=limits)
    assert result.reason.startswith("disk limit"), result
    assert "finished" not in result.stdout
    written = sum(1 for _ in (work / "junk").iterdir())
    # Each file counts 4 KiB: the limit is about 1000 files; the watchdog
    # polls, so a little more may be written before the kill.
    assert 900 < written < 20000, written


def test_tmp_is_size_limited(bwrap, work):
    """Is the box's /tmp a tmpfs no larger than disk_bytes?"""
    limits = Limits(disk_bytes=2 * sb.MiB, file_bytes=64 * sb.MiB, wall_seconds=20)
    result = py(bwrap, work, "open('/tmp/fill', 'wb').write(b'x' * (8 * 2**20))", limits=limits)
    assert result.returncode == 1
    assert "No space left on device" in result.stderr


def test_wall_time_kills_a_process_ignoring_signals(bwrap, work):
    """Is a process ignoring SIGINT and SIGTERM killed at the wall time, with all it started?"""
    marker = f"convkit-wall-{uuid.uuid4().hex}"
    code = f"""
    import signal, subprocess, sys, time
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    subprocess.Popen([sys.executable, "-c", SLEEPER, "{marker}"])
    subprocess.Popen([sys.executable, "-c", SLEEPER, "{marker}"], start_new_session=True)
    print("started", flush=True)
    while True:
        time.sleep(0.01)
    """
    result = py(bwrap, work, code, limits=Limits(wall_seconds=2, cpu_seconds=10))
    assert result.timed_out
    assert result.reason == "wall time 2 s exceeded"
    assert result.killed == "SIGKILL"
    assert result.stdout == "started\n"
    assert result.seconds >= 2  # not killed before its time
    assert processes_with(marker) == []  # run() returns once the box is empty


def test_fork_bomb_is_contained_and_cleaned_up(bwrap, work):
    """Does a fork bomb stop at the process limit, leave no process, and spare the host?"""
    marker = f"convkit-bomb-{uuid.uuid4().hex}"
    code = f"""
    import os  # {marker} (in the command line of every process of the bomb)
    while True:
        try:
            os.fork()
        except OSError:
            pass
    """
    limits = Limits(processes=16, wall_seconds=3, cpu_seconds=30)
    result = py(bwrap, work, code, limits=limits)
    assert result.timed_out, result
    # Nothing of the box is left.
    assert processes_with(marker) == []
    if bwrap.box_owner:  # the box's host uid owns no process at all
        assert processes_of_uid(bwrap.host_uid) == []
    # The host still forks.
    assert subprocess.run(["true"]).returncode == 0


def test_plain_fork_bomb_reports_the_process_limit(bwrap, work):
    """Is a fork bomb that dies on the first refused fork reported as "process limit"?"""
    result = py(bwrap, work, "import os\nwhile True: os.fork()", limits=Limits(processes=8))
    assert result.reason == "process limit", result


def test_process_limit_is_per_box(bwrap, tmp_path):
    """Can a box still start processes while another box, same host uid, is at its limit?"""
    bomb_dir, quiet_dir = tmp_path / "bomb", tmp_path / "quiet"
    bomb_dir.mkdir()
    quiet_dir.mkdir()
    # The bomb's first refused fork leaves a file: the quiet box starts only then,
    # and the bomb stays at its limit until the test says the quiet box is done.
    bomb = """
    import os
    while not os.path.exists("quiet-done"):
        try:
            os.fork()
        except OSError:
            open("at-limit", "a").close()
    os._exit(0)
    """
    results = {}
    thread = threading.Thread(
        target=lambda: results.setdefault(
            "bomb", py(bwrap, bomb_dir, bomb, limits=Limits(processes=16, wall_seconds=120))
        )
    )
    thread.start()
    try:
        while not (bomb_dir / "at-limit").exists():
            assert thread.is_alive(), results
            time.sleep(0.05)
        quiet = """
        import subprocess
        children = [subprocess.Popen(["sleep", "0.2"]) for _ in range(10)]
        print(sum(child.wait() == 0 for child in children))
        """
        results["quiet"] = py(bwrap, quiet_dir, quiet, limits=Limits(processes=16))
        assert thread.is_alive()  # the bomb was still at its limit all along
    finally:
        (bomb_dir / "quiet-done").touch()
        thread.join()
    assert not results["bomb"].timed_out, results["bomb"]
    assert results["quiet"].stdout == "10\n", results["quiet"]


def test_huge_output_is_capped(bwrap, work):
    """Is 50 MB of output cut to output_bytes, keeping its start and its end?"""
    code = """
    import sys
    sys.stdout.write("START\\n")
    for _ in range(50):
        sys.stdout.write("y" * 2**20)
    sys.stdout.write("\\nEND\\n")
    sys.stderr.write("e" * 2**22)
    """
    limits = Limits(output_bytes=64 * sb.KiB, wall_seconds=30)
    result = py(bwrap, work, code, limits=limits)
    assert result.returncode == 0, result.reason
    assert result.stdout.startswith("START\n")
    assert result.stdout.endswith("\nEND\n")
    assert "bytes dropped" in result.stdout
    assert len(result.stdout) < 65 * sb.KiB
    assert len(result.stderr) < 65 * sb.KiB


def test_stdin_reaches_the_command(bwrap, work):
    """Is the stdin given to run() what the command reads?"""
    result = py(bwrap, work, "import sys; print(sys.stdin.read().upper())", stdin="hello")
    assert result.stdout == "HELLO\n"


# --------------------------------------------------------------------------
# Cleanup


def test_detached_process_is_gone_after_a_normal_exit(bwrap, work):
    """Is a double-forked, setsid'd process ignoring SIGTERM killed when the command exits?"""
    marker = f"convkit-daemon-{uuid.uuid4().hex}"
    code = f"""
    import os, signal, sys, time
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            open("daemon.pid", "w").write(str(os.getpid()))
            os.execv(sys.executable, [sys.executable, "-c", SLEEPER, "{marker}"])
        os._exit(0)
    while not os.path.exists("daemon.pid"):
        time.sleep(0.01)
    time.sleep(0.2)
    print("parent done")
    """
    result = py(bwrap, work, code)
    assert result.returncode == 0, result
    assert (work / "daemon.pid").exists()
    assert processes_with(marker) == []  # run() returns once the box is empty


def test_box_dies_with_the_grader(bwrap, tmp_path):
    """When the grading process is SIGKILLed mid-run, does the box die with it?"""
    marker = f"convkit-orphan-{uuid.uuid4().hex}"
    work = tmp_path / "work"
    work.mkdir()
    script = f"""
    from autograder.grade import sandbox as sb
    box = sb.BwrapSandbox({bwrap.bwrap!r})
    box.run(["python3", "-c", {SLEEPER!r}, "{marker}"], workdir={str(work)!r})
    """
    grader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=Path(sb.__file__).parents[2],
    )
    try:
        deadline = time.monotonic() + 10
        while not processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_with(marker), "the box never started"
    finally:
        grader.send_signal(signal.SIGKILL)
        grader.wait()
    assert wait_until_gone(marker)


# --------------------------------------------------------------------------
# Arguments


@pytest.mark.parametrize(
    ("readonly", "message"),
    [
        ([("/nonexistent-convkit", "/data")], "does not exist"),
        ([("/usr", "data")], "absolute"),
        ([("/usr", "/data/../etc")], "absolute and normalised"),
        ([("/usr/share", "/usr/share")], "reserved"),
        ([("/usr/share", sb.WORKDIR + "/x")], "reserved"),
        (["/usr"], "(host path, inside path)"),
    ],
)
def test_bad_readonly_paths_are_refused(bwrap, work, readonly, message):
    """Is each malformed readonly entry refused with a message naming the problem?"""
    with pytest.raises(SandboxError, match=message.replace("(", r"\(").replace(")", r"\)")):
        bwrap.run(["true"], workdir=work, readonly=readonly)


def test_unreadable_readonly_path_is_refused(bwrap, work, tmp_path):
    """Is a readonly folder the box's user could not read refused up front?"""
    if not bwrap.box_owner:
        pytest.skip("the box's user is the grader's: anything it reads, the box reads")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    with pytest.raises(SandboxError, match="chmod o\\+rX"):
        bwrap.run(["true"], workdir=work, readonly=[(private, "/data")])


def test_bad_workdir_and_limits_are_refused(bwrap, tmp_path):
    """Are a missing workdir, an empty argv and a negative limit refused?"""
    with pytest.raises(SandboxError, match="is not a directory"):
        bwrap.run(["true"], workdir=tmp_path / "missing")
    with pytest.raises(SandboxError, match="non-empty list"):
        bwrap.run([], workdir=tmp_path)
    with pytest.raises(SandboxError, match=r"Limits\.cpu_seconds must be positive"):
        Limits(cpu_seconds=-1)
    with pytest.raises(SandboxError, match="unknown sandbox"):
        sb.find_sandbox("docker")


def test_missing_command_is_reported(bwrap, work):
    """Is a command that does not exist inside reported as exit status 127?"""
    result = bwrap.run(["no-such-command"], workdir=work)
    assert result.returncode == 127
    assert "cannot run no-such-command" in result.stderr


# --------------------------------------------------------------------------
# The fallback


def test_fallback_warns_once(monkeypatch):
    """Does forcing the fallback warn, once, that student code can read the course?"""
    monkeypatch.setattr(sb.FallbackSandbox, "_warned", False)
    with pytest.warns(SandboxWarning, match="can read the course directory"):
        first = sb.find_sandbox("fallback")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = sb.find_sandbox("fallback")
    assert first.kind == second.kind == "fallback"


def test_fallback_when_bwrap_is_missing(monkeypatch):
    """Without bwrap on PATH, is the fallback chosen (and refused when bwrap is required)?"""
    monkeypatch.setattr(sb.shutil, "which", lambda name: None)
    monkeypatch.setattr(sb.FallbackSandbox, "_warned", False)
    with pytest.warns(SandboxWarning, match="no bubblewrap box.*not installed"):
        assert sb.find_sandbox("bwrap").kind == "fallback"
    with pytest.raises(SandboxError, match="not installed"):
        sb.find_sandbox("bwrap", required=True)


def test_fallback_runs_with_limits_and_mapped_paths(fallback, work, tmp_path):
    """Does the fallback run in the workdir, map inside paths, and apply the CPU limit?"""
    given = tmp_path / "given"
    given.mkdir()
    (given / "h.py").write_text("import os; print('h', os.getcwd())\n")
    result = fallback.run(
        [sys.executable, "/grader/h.py"], workdir=work, readonly=[(given, "/grader")], limits=FAST
    )
    assert result.returncode == 0, result
    assert result.stdout == f"h {work.resolve()}\n"
    spin = py(fallback, work, "while True: pass", limits=Limits(cpu_seconds=1, wall_seconds=20))
    assert spin.reason == "CPU time limit", spin
    memory = py(fallback, work, "bytearray(10**10)", limits=Limits(memory_bytes=sb.GiB))
    assert memory.reason == "memory limit"


def test_fallback_wall_time_kills_the_session(fallback, work):
    """Does the fallback kill, at the wall time, a child ignoring SIGTERM in its session?"""
    marker = f"convkit-fallback-{uuid.uuid4().hex}"
    code = f"""
    import signal, subprocess, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    subprocess.Popen([sys.executable, "-c", SLEEPER, "{marker}"])
    while True:
        time.sleep(0.01)
    """
    result = py(fallback, work, code, limits=Limits(wall_seconds=1.5))
    assert result.timed_out
    assert result.reason == "wall time 1.5 s exceeded"
    assert processes_with(marker) == []  # run() returns once the box is empty


@pytest.mark.skipif(os.geteuid() != 0, reason="the session watchdog is for a root grader")
def test_fallback_counts_processes_as_root(fallback, work):
    """As root (RLIMIT_NPROC bypassed), does the fallback's watchdog stop a bounded bomb?"""
    code = """
    import os, time
    for _ in range(40):
        if os.fork() == 0:
            time.sleep(5)
            os._exit(0)
    time.sleep(5)
    """
    result = py(fallback, work, code, limits=Limits(processes=8, wall_seconds=10))
    assert result.reason == "process limit", result  # not the 10 s wall time


#: Run as a grader (root or a plain user, tests/netprobe.py) with PARAMS CODE: CODE
#: (netprobe.PROBE_PROGRAM) in a FallbackSandbox; prints the box's answer as one JSON line.
FALLBACK_PROBE = """
import json, os, sys, tempfile, warnings
from autograder.grade import sandbox as sb
code = sys.argv[2]
warnings.simplefilter("ignore", sb.SandboxWarning)
box = sb.FallbackSandbox("netprobe")
work = tempfile.mkdtemp(prefix="netprobe-")
run = box.run(
    [sys.executable, "-I", "-c", code, sys.argv[1]],
    workdir=work,
    limits=sb.Limits(wall_seconds=120, cpu_seconds=60),
)
lines = run.stdout.strip().splitlines()
print(json.dumps({
    "uid": os.geteuid(),
    "filtered": box.network_filter is not None,
    "returncode": run.returncode,
    "stderr": run.stderr[-2000:],
    "found": json.loads(lines[-1]) if run.returncode == 0 and lines else None,
}))
"""


def test_fallback_box_reaches_no_network_whoever_grades(grader, scheduler):
    """Graded by root or by an unprivileged user, does the fallback box (its seccomp filter)
    fail to reach a listener on the host's 127.0.0.1, a Dask scheduler there and a name
    server, with a PermissionError, while the same grader reaches both outside it?"""
    clients = scheduler.clients()
    params = json.dumps({"scheduler": scheduler.address, "dask_timeout": 3, "dns": True})
    with netprobe.Listener() as listener:
        params = json.dumps({**json.loads(params), "port": listener.port})
        run = grader.run([sys.executable, "-c", FALLBACK_PROBE, params, netprobe.PROBE_PROGRAM])
        assert run.returncode == 0, run.stderr[-3000:]
        inside = json.loads(run.stdout.strip().splitlines()[-1])
        assert listener.count() == 0
        assert scheduler.clients() == clients
        outside = grader.drive("outside", **{**json.loads(params), "dns": False})
        assert outside["found"] == {"tcp": "connected", "dask": "connected"}, outside
        assert listener.count() == 1
    assert inside["uid"] == grader.uid
    assert inside["filtered"]
    assert inside["returncode"] == 0, inside["stderr"]
    found = inside["found"]
    assert found["tcp"] == "PermissionError: [Errno 1] Operation not permitted", found
    assert found["dns"].startswith("gaierror"), found
    assert found["dask"].startswith("OSError: Timed out trying to connect"), found


def test_fallback_says_the_network_is_open_where_seccomp_is_refused(monkeypatch, work):
    """Where the kernel refuses the filter, does the fallback warn that the box reaches the
    network, and still run its command (as it did before the filter)?"""
    monkeypatch.setattr(sb, "network_filter_available", lambda: (None, "seccomp refused (a test)"))
    monkeypatch.setattr(sb.FallbackSandbox, "_warned", False)
    with pytest.warns(SandboxWarning, match=r"reaches the network \(seccomp refused \(a test\)\)"):
        box = sb.find_sandbox("fallback")
    result = py(box, work, "import socket; socket.socket().close(); print('open')")
    assert result.stdout == "open\n", result


@pytest.mark.slow
def test_a_submission_graded_in_the_fallback_box_is_refused_the_network_and_told(
    make_submission, grade_release, answer_key, tmp_path
):
    """Graded in the fallback box, does the solution keep full marks but where its average
    pooling connects to a listener on the host's 127.0.0.1, which gets no connection: those
    cases fail with a hint naming the PermissionError, and the suspicious-code flag names the
    socket, as in the bubblewrap box?"""
    from autograder.grade import pipeline

    with netprobe.Listener() as listener:
        dial = f'    import socket\n    socket.create_connection(("127.0.0.1", {listener.port}))\n'
        head = "def avg_pool_forward_naive(x, pool_param):\n"
        submission = make_submission({"cs231n/layers.py": [(head, head + dial)]})
        course = tmp_path / "course"
        shutil.copytree(submission, pipeline.submitted_dir(course, "alice", "convnets"))
        settings = pipeline.Settings(
            course=course,
            assignment="convnets",
            release=grade_release,
            limits=Limits(),
            kernel_name="none",
            cell_timeout=60,
            box=pipeline.prepare_box(tmp_path / "box"),
            run_notebooks=False,
            sandbox="fallback",
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SandboxWarning)
            box = sb.FallbackSandbox("forced by the test")
        result = pipeline.grade_student(settings, "alice", sandbox=box, key=answer_key)
        assert listener.count() == 0
    assert result.sandbox == "fallback"
    lost = {cell.function for cell in result.cells if cell.points < cell.max_points}
    assert "avg_pool_forward_naive" in lost  # and the cells that call it: the rest in full
    assert all(name.startswith("avg_pool") for name in lost), lost
    hints = [case.hint for cell in result.cells for case in cell.cases if case.hint]
    assert hints
    assert all("PermissionError" in hint for hint in hints), hints
    assert any("imports socket" in flag for flag in result.flags), result.flags
