"""The sandboxed Jupyter kernel: its kernelspec, its copy of the folder, a notebook run in it."""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
import warnings
from pathlib import Path

import pytest

from autograder.grade import kernel
from autograder.grade import sandbox as sb
from autograder.grade.kernel import KernelError
from autograder.grade.sandbox import Limits

pytestmark = pytest.mark.sandbox

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

SLEEPER = (
    "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(1000)"
)


@pytest.fixture(scope="module")
def bwrap():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sb.SandboxWarning)
        box = sb.find_sandbox("bwrap")
    if box.kind != "bwrap":
        pytest.skip(f"bubblewrap does not work here: {getattr(box, 'why', '')}")
    return box


@pytest.fixture
def course(tmp_path):
    """A notebook's folder (a file, a package), a secret beside it, a dataset, a scratch root."""
    folder = tmp_path / "autograded" / "alice" / "convnets"
    (folder / "cs231n").mkdir(parents=True)
    (folder / "data.txt").write_text("hello from the copy\n")
    (folder / "cs231n" / "__init__.py").write_text("VALUE = 42\n")
    (tmp_path / "gradebook.db").write_text("secret grades\n")
    data = tmp_path / "datasets"
    data.mkdir()
    (data / "batch.txt").write_text("dataset\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return tmp_path


@pytest.fixture
def spec(course, monkeypatch, bwrap):
    """The sandboxed kernelspec, on JUPYTER_PATH; returns its folder."""
    folder = course / "jupyter"
    kernel.write_kernelspec(
        folder,
        name="convkit-test",
        limits=Limits(wall_seconds=60, cpu_seconds=30),
        env={"CS231N_DATASETS": "/data"},
        readonly=[(course / "datasets", "/data")],
        sandbox="bwrap",
        scratch=course / "scratch",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(folder))
    return folder


def notebook(*sources):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def execute(nb, folder, timeout=30):
    client = nbclient.NotebookClient(
        nb,
        kernel_name="convkit-test",
        timeout=timeout,
        startup_timeout=60,
        resources={"metadata": {"path": str(folder)}},
    )
    return client.execute()


def text(cell):
    return "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")


def processes_with(marker):
    """Host pids whose command line or environment holds `marker`."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        for part in ("cmdline", "environ"):
            try:
                if marker.encode() in Path(f"/proc/{pid}/{part}").read_bytes():
                    found.append(int(pid))
                    break
            except OSError:
                continue
    return found


def eventually(check, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# --------------------------------------------------------------------------
# The kernelspec


def test_kernelspec_starts_the_launcher(tmp_path):
    """Does kernel.json start this launcher with message interrupts, and hold the config?"""
    limits = Limits(wall_seconds=90, memory_bytes=2 * sb.GiB)
    path = kernel.write_kernelspec(
        tmp_path, limits=limits, env={"A": "1"}, readonly=[(tmp_path, "/data")]
    )
    assert path == tmp_path / "kernels" / kernel.KERNEL_NAME / "kernel.json"
    spec = json.loads(path.read_text())
    assert spec["argv"][:4] == [sys.executable, "-m", "autograder.grade.kernel", "--config"]
    assert spec["argv"][-1] == "{connection_file}"
    assert spec["interrupt_mode"] == "message"
    assert spec["language"] == "python"
    assert "sandbox" in spec["display_name"]
    config = json.loads(Path(spec["argv"][4]).read_text())
    assert sb.Limits(**config["limits"]) == limits
    assert config["env"] == {"A": "1"}
    assert config["readonly"] == [[str(tmp_path.resolve()), "/data"]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"readonly": [("/nonexistent-convkit", "/data")]}, "does not exist"),
        ({"readonly": [("/usr", "data")]}, "must be absolute"),
        ({"env": {"A=B": "1"}}, "bad environment variable"),
        ({"sandbox": "docker"}, "unknown sandbox"),
        ({"name": "../x"}, "bad kernel name"),
        ({"limits": {"wall_seconds": 3}}, "must be a sandbox.Limits"),
    ],
)
def test_bad_kernelspec_arguments_are_refused(tmp_path, kwargs, message):
    """Is each bad argument of write_kernelspec refused with a message naming it?"""
    with pytest.raises(KernelError, match=message):
        kernel.write_kernelspec(tmp_path, **kwargs)


def test_launcher_with_a_bad_config_says_why(tmp_path):
    """Does the launcher, given a missing config, exit 1 with one line and no traceback?"""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.grade.kernel",
            "--config",
            str(tmp_path / "no.json"),
            str(tmp_path / "conn.json"),
        ],
        capture_output=True,
        text=True,
        cwd=Path(kernel.__file__).parents[2],
    )
    assert result.returncode == 1
    assert result.stderr.startswith("convkit kernel: cannot start:")
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------
# The copy of the notebook's folder


def test_copy_takes_files_and_folders_but_no_links(tmp_path):
    """Are regular files and folders copied, and links, fifos and caches left out?"""
    src = tmp_path / "src"
    (src / "pkg" / "__pycache__").mkdir(parents=True)
    (src / "pkg" / "m.py").write_text("x = 1\n")
    (src / "pkg" / "__pycache__" / "m.pyc").write_bytes(b"\0")
    (tmp_path / "secret").write_text("secret\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "s").write_text("s\n")
    (src / "link").symlink_to(tmp_path / "secret")
    (src / "dirlink").symlink_to(tmp_path / "outside")
    os.mkfifo(src / "fifo")
    copied = kernel.copy_folder(src, tmp_path / "dest")
    found = sorted(
        p.relative_to(tmp_path / "dest").as_posix() for p in (tmp_path / "dest").rglob("*")
    )
    assert found == ["pkg", "pkg/m.py"]
    assert copied == len("x = 1\n")


def test_copy_refuses_a_folder_over_the_cap(tmp_path):
    """Is a folder larger than the cap refused instead of copied?"""
    src = tmp_path / "src"
    src.mkdir()
    (src / "big").write_bytes(b"x" * 5000)
    with pytest.raises(KernelError, match="too large"):
        kernel.copy_folder(src, tmp_path / "dest", max_bytes=4000)
    with pytest.raises(KernelError, match="too many files"):
        kernel.copy_folder(src, tmp_path / "dest2", max_entries=0)


# --------------------------------------------------------------------------
# A notebook run in the box


def test_notebook_runs_in_the_box(bwrap, spec, course, monkeypatch):
    """Does the kernel read its copy, import the package, miss host files, and leave nothing?"""
    marker = f"convkit-kernel-{uuid.uuid4().hex}"
    monkeypatch.setenv("CONVKIT_CANARY", "secret-token")
    folder = course / "autograded" / "alice" / "convnets"
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    host_port = server.getsockname()[1]
    nb = notebook(
        "print(open('data.txt').read().strip())",
        "import cs231n; print(cs231n.VALUE)",
        f"""
        try:
            open({str(course / "gradebook.db")!r}).read()
            print("READ")
        except OSError as error:
            print("hidden", type(error).__name__)
        """,
        "open('written.txt', 'w').write('x'); print('wrote')",
        f"""
        import socket
        for host, port in (("1.1.1.1", 53), ("127.0.0.1", {host_port})):
            s = socket.socket()
            s.settimeout(2)
            try:
                s.connect((host, port))
                print("CONNECTED", host)
            except OSError as error:
                print("no", host)
        """,
        "import os; print(os.environ.get('CONVKIT_CANARY'), os.environ['CS231N_DATASETS'], "
        "open('/data/batch.txt').read().strip())",
        f"""
        import subprocess, sys
        argv = [sys.executable, "-c", {SLEEPER!r}, {marker!r}]
        p = subprocess.Popen(argv, start_new_session=True)
        print("detached", p.pid > 0)
        """,
    )
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(c.source)) for c in nb.cells]
    try:
        execute(nb, folder)
    finally:
        server.close()
    outputs = [text(cell).strip() for cell in nb.cells]
    assert outputs[0] == "hello from the copy"
    assert outputs[1] == "42"
    assert outputs[2] == "hidden FileNotFoundError"
    assert outputs[3] == "wrote"
    assert not (folder / "written.txt").exists()
    assert outputs[4] == "no 1.1.1.1\nno 127.0.0.1", "the kernel reached the network"
    assert outputs[5] == "None /data dataset"
    assert outputs[6] == "detached True"
    assert eventually(lambda: not processes_with(marker), 5), "a detached process survived"
    assert eventually(lambda: not any((course / "scratch").iterdir()), 5), "scratch left behind"


def test_kernel_exit_gives_dead_kernel_error(bwrap, spec, course):
    """Does os._exit(1) in a cell give nbclient's DeadKernelError, leaving nothing behind?"""
    folder = course / "autograded" / "alice" / "convnets"
    nb = notebook("print('alive')", "import os; os._exit(1)", "print('never')")
    with pytest.raises(nbclient.exceptions.DeadKernelError):
        execute(nb, folder)
    assert text(nb.cells[0]).strip() == "alive"
    assert eventually(lambda: not any((course / "scratch").iterdir()), 5)


@pytest.mark.slow
def test_loop_ignoring_sigint_is_stopped_by_the_timeout(bwrap, spec, course):
    """Is a loop ignoring SIGINT stopped by the cell timeout, leaving no process behind?"""
    marker = f"convkit-loop-{uuid.uuid4().hex}"
    folder = course / "autograded" / "alice" / "convnets"
    nb = notebook(
        "import subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', {SLEEPER!r}, {marker!r}])",
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
    )
    started = time.monotonic()
    with pytest.raises(nbclient.exceptions.CellTimeoutError):
        execute(nb, folder, timeout=3)
    assert time.monotonic() - started < 20
    assert eventually(lambda: not processes_with(marker), 5), "the box outlived the kernel"
    assert eventually(lambda: not any((course / "scratch").iterdir()), 5)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_the_launcher_kills_the_box(bwrap, spec, course, signum):
    """When the launcher is killed (as jupyter_client does), does the box die and scratch go?"""
    from jupyter_client import BlockingKernelClient
    from jupyter_client.connect import write_connection_file

    marker = f"convkit-launcher-{uuid.uuid4().hex}"
    config_path = spec / "kernels" / "convkit-test" / "launcher.json"
    connection, _ = write_connection_file(str(course / "conn.json"))
    launcher = subprocess.Popen(
        [sys.executable, "-m", "autograder.grade.kernel", "--config", str(config_path), connection],
        cwd=course / "autograded" / "alice" / "convnets",
        env={**os.environ, "PYTHONPATH": str(Path(kernel.__file__).parents[2])},
        start_new_session=True,
        stderr=subprocess.DEVNULL,
    )
    client = BlockingKernelClient(connection_file=connection)
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=30)
        # A quiet detached process: it writes nothing, so only a kill ends it.
        client.execute_interactive(
            f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {SLEEPER!r}, "
            f"{marker!r}], start_new_session=True, stdout=subprocess.DEVNULL, "
            "stderr=subprocess.DEVNULL)",
            timeout=30,
        )
        assert eventually(lambda: processes_with(marker), 10), "the sleeper never started"
        os.kill(launcher.pid, signum)
        launcher.wait(timeout=10)
    finally:
        client.stop_channels()
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    if signum == signal.SIGTERM:
        assert launcher.returncode == 128 + signal.SIGTERM
    assert eventually(lambda: not processes_with(marker), 5), "the box outlived its launcher"
    assert eventually(lambda: not any((course / "scratch").iterdir()), 5), "scratch left behind"
