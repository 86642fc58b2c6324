"""The sandboxed Jupyter kernel: its kernelspec, its copy of the folder, its sockets, a notebook
run in it (by nbclient and by nbgrader's Execute), and no network, whoever grades."""

import asyncio
import atexit
import json
import os
import pickle
import signal
import stat
import subprocess
import sys
import tempfile
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
from tests import netprobe

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
        netprobe.cannot(f"bubblewrap does not work here: {getattr(box, 'why', '')}")
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


def client_config():
    """A traitlets Config whose notebook clients start kernels with BoxKernelManager."""
    from traitlets.config import Config

    return kernel.configure_client(Config())


def execute(nb, folder, timeout=30, sockets=None):
    """Run `nb` with nbclient in the sandboxed kernel, from `folder`.

    The folder of the kernel's sockets is appended to the list `sockets`, if given.
    """
    client = nbclient.NotebookClient(
        nb,
        kernel_name="convkit-test",
        timeout=timeout,
        startup_timeout=60,
        config=client_config(),
        resources={"metadata": {"path": str(folder)}},
    )
    manager = client.create_kernel_manager()
    assert isinstance(manager, kernel.BoxKernelManager)
    if sockets is not None:
        sockets.append(Path(manager.ip).parent)
    return client.execute()


def ipc_connection(folder, **changes):
    """A connection file for a kernel over ipc sockets in a new private folder under `folder`."""
    from jupyter_client.connect import write_connection_file

    sockets = Path(tempfile.mkdtemp(prefix="ipc-", dir=folder))
    info = {"transport": "ipc", "ip": str(sockets / "k"), **changes}
    path, _ = write_connection_file(str(folder / f"conn-{uuid.uuid4().hex}.json"), **info)
    return path


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


def eventually(check, ceiling=60.0):
    """True once `check()` is; False only if it still is not after `ceiling` seconds.

    The waits here are for events (a process gone, a folder emptied); the ceiling
    only keeps a broken build from hanging, and is generous for a loaded machine.
    """
    deadline = time.monotonic() + ceiling
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def wait_for_kernel(client, launcher, ceiling=120.0):
    """Wait until the kernel answers kernel_info and its iopub channel delivers.

    jupyter_client's wait_for_ready gives up as soon as a heartbeat is missed,
    which a kernel starting in a box on a loaded machine may do: this waits on the
    replies themselves, and fails at once if the launcher exits.
    """
    from queue import Empty

    deadline = time.monotonic() + ceiling
    while True:
        assert launcher.poll() is None, f"the launcher exited ({launcher.returncode})"
        assert time.monotonic() < deadline, "the kernel never answered kernel_info"
        client.kernel_info()
        try:
            reply = client.get_shell_msg(timeout=1)
        except Empty:
            continue
        if reply["msg_type"] != "kernel_info_reply":
            continue
        try:
            client.get_iopub_msg(timeout=0.5)  # the reply's status messages: iopub is connected
        except Empty:
            continue
        return


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
# The channel: ipc sockets in a private folder


def test_box_kernel_manager_uses_a_private_socket_folder():
    """Is BoxKernelManager's ip an absolute prefix in a new private folder (one per manager),
    short enough for a socket, is any transport but ipc refused, and does cleanup remove it?"""
    from traitlets import TraitError

    first, second = kernel.BoxKernelManager(), kernel.BoxKernelManager()
    assert first.transport == "ipc"
    ip = Path(first.ip)
    assert ip.is_absolute()
    assert ip.name == "k"
    assert first.ip == str(ip)  # made once: the same on every read
    assert ip.parent.parent == Path(kernel.socket_root())
    assert ip.parent != Path(second.ip).parent
    assert stat.S_IMODE(ip.parent.stat().st_mode) == 0o700
    assert ip.parent.stat().st_uid == os.geteuid()
    assert len(os.fsencode(f"{ip}-5")) <= kernel.SOCKET_PATH_MAX
    asyncio.run(first.cleanup_resources())
    asyncio.run(second.cleanup_resources())
    assert not ip.parent.exists()
    assert not Path(second.ip).parent.exists()
    with pytest.raises(TraitError):
        kernel.BoxKernelManager(transport="tcp")


def test_configure_client_names_the_box_kernel_manager():
    """After configure_client, do nbclient's NotebookClient and nbgrader's Execute (once its
    preprocess has re-read the config, as it does first) start kernels with BoxKernelManager,
    does a second call change nothing, and does the config still pickle?"""
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    config = client_config()
    assert kernel.configure_client(config) is config
    assert config == client_config()
    assert pickle.loads(pickle.dumps(config)) == config
    assert pickle.loads(pickle.dumps(kernel.BoxKernelManager)) is kernel.BoxKernelManager
    nb = nbformat.v4.new_notebook()
    client = nbclient.NotebookClient(nb, config=config)
    assert client.kernel_manager_class is kernel.BoxKernelManager
    step = Execute(config=config)
    nbclient.NotebookClient.__init__(step, nb, None)  # what ExecutePreprocessor.preprocess does
    assert step.kernel_manager_class is kernel.BoxKernelManager
    # Without it, nbgrader's Execute starts an AsyncKernelManager, over TCP.
    plain = Execute(config=Config())
    nbclient.NotebookClient.__init__(plain, nb, None)
    assert plain.kernel_manager_class(kernel_name="convkit-test").transport == "tcp"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"transport": "tcp", "ip": "127.0.0.1"}, "transport is 'tcp', but the box has no network"),
        ({"ip": "kernel-ipc"}, "ipc path 'kernel-ipc' is not absolute"),
        ({"ip": "/tmp/k"}, "not a private folder of the grader"),
        ({"ip": "/tmp/" + "x" * 120 + "/k"}, "longer than 107 bytes"),
        ({"stray": "notes.txt"}, "holds more than its sockets"),
    ],
    ids=["tcp", "relative", "shared", "long", "stray"],
)
def test_socket_folder_refuses_a_kernel_that_would_need_a_network(tmp_path, changes, message):
    """Is a connection the box could not serve without a network, or whose socket folder is not
    a private folder of the grader, refused with a message saying why?"""
    changes = dict(changes)
    stray = changes.pop("stray", None)
    path = ipc_connection(tmp_path, **changes)
    connection = json.loads(Path(path).read_text())
    if stray:
        (Path(connection["ip"]).parent / stray).write_text("x")
    with pytest.raises(KernelError, match=message):
        kernel.socket_folder(connection)
    ok = json.loads(Path(ipc_connection(tmp_path)).read_text())
    assert kernel.socket_folder(ok) == Path(ok["ip"]).parent


def test_launcher_refuses_a_tcp_kernel(bwrap, spec, course):
    """Does the launcher, given a TCP connection file (a client not configured), exit 1 with
    one line saying so, before starting any box?"""
    from jupyter_client.connect import write_connection_file

    connection, _ = write_connection_file(str(course / "tcp.json"))
    config_path = spec / "kernels" / "convkit-test" / "launcher.json"
    result = subprocess.run(
        [sys.executable, "-m", "autograder.grade.kernel", "--config", str(config_path), connection],
        capture_output=True,
        text=True,
        cwd=course / "autograded" / "alice" / "convnets",
        env={**os.environ, "PYTHONPATH": str(Path(kernel.__file__).parents[2])},
    )
    assert result.returncode == 1
    assert result.stderr.startswith("convkit kernel: cannot start: the kernel's transport is 'tcp'")
    assert "Traceback" not in result.stderr
    assert not any((course / "scratch").iterdir())


# --------------------------------------------------------------------------
# A notebook run in the box


def test_notebook_runs_in_the_box(bwrap, spec, course, monkeypatch):
    """Does the kernel read its copy, import the package, miss host files, and leave nothing?"""
    marker = f"convkit-kernel-{uuid.uuid4().hex}"
    monkeypatch.setenv("CONVKIT_CANARY", "secret-token")
    folder = course / "autograded" / "alice" / "convnets"
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
    sockets = []
    execute(nb, folder, sockets=sockets)
    outputs = [text(cell).strip() for cell in nb.cells]
    assert outputs[0] == "hello from the copy"
    assert outputs[1] == "42"
    assert outputs[2] == "hidden FileNotFoundError"
    assert outputs[3] == "wrote"
    assert not (folder / "written.txt").exists()
    assert outputs[4] == "None /data dataset"
    assert outputs[5] == "detached True"
    assert eventually(lambda: not processes_with(marker)), "a detached process survived"
    assert eventually(lambda: not any((course / "scratch").iterdir())), "scratch left behind"
    assert not sockets[0].exists(), "the kernel's socket folder was left behind"


def test_a_notebook_run_in_the_box_shows_no_trace_of_it(bwrap, course, monkeypatch):
    """Does a notebook that imports matplotlib and reads a dataset the grader made private
    (mkdtemp's 0700, as grading's own synthetic dataset) print nothing on stderr (no
    Fontconfig error), and read the dataset where it is bound (not a copy it would generate
    into the box's HOME, its path in the output)?"""
    private = course / "datasets" / "synthetic-10-batches-py"
    private.mkdir(mode=0o700)
    (private / "data_batch_1").write_text("batch\n")
    (private / "data_batch_1").chmod(0o600)
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
    nb = notebook(
        "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.gcf().canvas.draw()",
        "print(open('/data/synthetic-10-batches-py/data_batch_1').read().strip())",
    )
    execute(nb, course / "autograded" / "alice" / "convnets", timeout=60)
    outputs = [out for cell in nb.cells for out in cell.outputs]
    assert [o for o in outputs if o.output_type == "error"] == []
    assert [o.text for o in outputs if o.get("name") == "stderr"] == []
    assert text(nb.cells[1]).strip() == "batch"


@pytest.mark.skipif(os.geteuid() != 0, reason="the box's user is the grader's own uid")
def test_readonly_folders_are_made_readable_by_the_box_user(tmp_path):
    """Graded by root, does write_kernelspec let others read a readonly tree (the box's user
    is another uid), folders entered, links left alone?"""
    data = tmp_path / "data"
    (data / "inner").mkdir(parents=True, mode=0o700)
    data.chmod(0o700)
    (data / "inner" / "batch").write_text("x")
    (data / "inner" / "batch").chmod(0o600)
    elsewhere = tmp_path / "private.txt"
    elsewhere.write_text("not the dataset's")
    elsewhere.chmod(0o600)
    (data / "link").symlink_to(elsewhere)
    kernel.write_kernelspec(tmp_path / "spec", readonly=[(data, "/data")])
    assert stat.S_IMODE(data.stat().st_mode) == 0o705
    assert stat.S_IMODE((data / "inner").stat().st_mode) == 0o705
    assert stat.S_IMODE((data / "inner" / "batch").stat().st_mode) == 0o604
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o600


def test_kernel_exit_gives_dead_kernel_error(bwrap, spec, course):
    """Does os._exit(1) in a cell give nbclient's DeadKernelError, leaving nothing behind?"""
    folder = course / "autograded" / "alice" / "convnets"
    nb = notebook("print('alive')", "import os; os._exit(1)", "print('never')")
    sockets = []
    with pytest.raises(nbclient.exceptions.DeadKernelError):
        execute(nb, folder, sockets=sockets)
    assert text(nb.cells[0]).strip() == "alive"
    assert eventually(lambda: not any((course / "scratch").iterdir()))
    assert not sockets[0].exists(), "the kernel's socket folder was left behind"


def test_nbgrader_execute_runs_the_notebook_in_the_box(bwrap, spec, course, monkeypatch):
    """Does nbgrader's own Execute, registered as autograde registers it and run from the course
    root (as nbgrader runs), start its kernel with BoxKernelManager and run the notebook in the
    box, the socket folder removed afterwards?"""
    from nbconvert.exporters import NotebookExporter
    from nbgrader.preprocessors import Execute

    config = client_config()
    config.Execute.kernel_name = "convkit-test"
    exporter = NotebookExporter(config=config)
    exporter.register_preprocessor(Execute, enabled=True)
    folder = course / "autograded" / "alice" / "convnets"
    monkeypatch.chdir(course)
    nb = notebook("import os; print(os.getuid(), os.getcwd(), open('data.txt').read().strip())")
    made = []
    original = kernel.BoxKernelManager._ip_default

    def ip_default(manager):
        made.append(Path(original(manager)).parent)
        return original(manager)

    monkeypatch.setattr(kernel.BoxKernelManager, "_ip_default", ip_default)
    output, _ = exporter.from_notebook_node(nb, resources={"metadata": {"path": str(folder)}})
    executed = nbformat.reads(output, as_version=4)
    assert text(executed.cells[0]).strip() == "1000 /home/student/work hello from the copy"
    assert made, "the kernel was not started by BoxKernelManager"
    assert not made[0].exists(), "the kernel's socket folder was left behind"


def test_without_configure_client_the_kernel_cannot_start(bwrap, spec, course, capfd):
    """Does a notebook client left with jupyter_client's TCP kernels fail to start the sandboxed
    kernel, the launcher saying why (no network), instead of running it with one?"""
    folder = course / "autograded" / "alice" / "convnets"
    nb = notebook("print('ran')")
    client = nbclient.NotebookClient(
        nb,
        kernel_name="convkit-test",
        timeout=30,
        startup_timeout=60,
        resources={"metadata": {"path": str(folder)}},
    )
    with pytest.raises(RuntimeError, match="Kernel died"):
        client.execute()
    atexit.unregister(client._cleanup_kernel)  # nbclient leaves it after a failed start
    assert text(nb.cells[0]) == ""
    assert "cannot start: the kernel's transport is 'tcp'" in capfd.readouterr().err


def test_fallback_kernel_runs_over_its_sockets_too(course, monkeypatch):
    """With the fallback sandbox (no namespaces, no bind), does the kernel still run, over the
    same ipc sockets, from its copy of the folder?"""
    kernel.write_kernelspec(
        course / "fallback",
        name="convkit-test",
        limits=Limits(wall_seconds=60, cpu_seconds=30),
        sandbox="fallback",
        scratch=course / "scratch",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(course / "fallback"))
    nb = notebook("print(open('data.txt').read().strip())")
    sockets = []
    execute(nb, course / "autograded" / "alice" / "convnets", sockets=sockets)
    assert text(nb.cells[0]).strip() == "hello from the copy"
    assert not sockets[0].exists()


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
    with pytest.raises(nbclient.exceptions.CellTimeoutError):
        execute(nb, folder, timeout=3)
    assert eventually(lambda: not processes_with(marker)), "the box outlived the kernel"
    assert eventually(lambda: not any((course / "scratch").iterdir()))


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_the_launcher_kills_the_box(bwrap, spec, course, signum):
    """When the launcher is killed (as jupyter_client does), does the box die and scratch go?"""
    from jupyter_client import BlockingKernelClient

    marker = f"convkit-launcher-{uuid.uuid4().hex}"
    config_path = spec / "kernels" / "convkit-test" / "launcher.json"
    connection = ipc_connection(course)
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
        wait_for_kernel(client, launcher)
        # A quiet detached process: it writes nothing, so only a kill ends it.
        client.execute_interactive(
            f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {SLEEPER!r}, "
            f"{marker!r}], start_new_session=True, stdout=subprocess.DEVNULL, "
            "stderr=subprocess.DEVNULL)",
            timeout=30,
        )
        assert eventually(lambda: processes_with(marker)), "the sleeper never started"
        os.kill(launcher.pid, signum)
        launcher.wait(timeout=60)
    finally:
        client.stop_channels()
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    if signum == signal.SIGTERM:
        assert launcher.returncode == 128 + signal.SIGTERM
    assert eventually(lambda: not processes_with(marker)), "the box outlived its launcher"
    assert eventually(lambda: not any((course / "scratch").iterdir())), "scratch left behind"


# --------------------------------------------------------------------------
# No network, whoever grades


def test_kernel_box_reaches_no_network_whoever_grades(grader, scheduler):
    """Graded by root or by an unprivileged user, does a notebook run in the sandboxed kernel
    (its cells' output coming back over the ipc sockets) while its cells reach neither a
    listener on the host's 127.0.0.1, nor a Dask scheduler there, nor a name server, all of
    which (but the name server, never asked) the same grader reaches outside the box?"""
    inside, seen = netprobe.inside_and_outside(grader, scheduler, "kernel")
    netprobe.assert_no_network(grader, inside, seen)
    assert inside["alive"] == "1000 /home/student/work hello from the copy"
    assert grader.leftovers() == [], "a kernel's socket folder was left behind"
