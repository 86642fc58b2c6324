"""Grading on a Dask cluster (`grade --scheduler ADDRESS`): the same tasks, other processes.

Each pending submission is one task, `workers.work(settings, student)`,
exactly what a local worker process runs; its Result comes back to the calling
process, which alone writes the gradebook and the results (see run.py). Dask
decides where and how many at once. The steps, in order:

  1. connect    reach the scheduler (a TCP probe, then a Client), within
                CONNECT_TIMEOUT seconds, or GradeError: nothing is written
  2. check      on every worker: the course's release folder exists at the
                same absolute path (a shared filesystem), `autograder`
                imports, and bubblewrap is there when this run uses it;
                GradeError naming each worker that fails
  3. set up     a worker plugin readies every worker, and any worker that joins
                or is restarted later: the sandboxed kernelspec on its
                JUPYTER_PATH, nbgrader imported, the answer key loaded
  4. submit     one task per student (key unique per student and run,
                pure=False), as many at once as there are workers; results
                taken as they complete

nbgrader's autograde (step 5 of grading) still runs on the workers and writes
its own records into gradebook.db, as local workers do: over a shared
filesystem, SQLite needs working file locks there.

BLAS threads: a Dask worker imports numpy before any task runs, so the rule of
`workers.local_pool` (each worker gets its share of the cores, unless the
environment says otherwise) cannot be applied from here. Dask's nanny already
starts every worker process with OPENBLAS/OMP/MKL_NUM_THREADS=1
(`distributed.nanny.pre-spawn-environ`), the share for one single-threaded
worker per core; the check reads each worker's values and warns about a worker
that has none (started with --no-nanny) or runs several task threads.
"""

import contextlib
import socket
import uuid

from distributed import WorkerPlugin

from .course import GradeError, kernels_folder
from .workers import start_worker, work

#: Seconds to reach the scheduler, and to wait for its first worker.
CONNECT_TIMEOUT = 10
#: The name the worker plugin is registered under (registering again replaces it).
PLUGIN_NAME = "convkit-grade"
_BLAS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def connect(address, release, *, log=print):
    """Steps 1 and 2: (a Client of the scheduler at `address`, what each worker's check saw).

    Raises GradeError when the scheduler cannot be reached, has no worker, or a
    worker cannot see `release` or import autograder. The client is closed on
    leaving.
    """
    from distributed import Client

    _probe(address)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as error:
        raise GradeError(
            f"cannot connect to the Dask scheduler at {address} ({error}): "
            "is `dask scheduler` running there?"
        ) from None
    try:
        yield client, check_workers(client, release, log=log)
    finally:
        client.close()


def _probe(address):
    """Fail in seconds, with the reason, when nothing listens at a TCP `address`."""
    from distributed.comm import parse_address, parse_host_port

    try:
        protocol, location = parse_address(address)
        if protocol not in ("tcp", "tls"):
            return  # another transport: the Client's own timeout applies
        host, port = parse_host_port(location)
    except ValueError as error:
        raise GradeError(
            f"--scheduler {address!r} is not a scheduler address ({error}): "
            "give tcp://HOST:PORT, as `dask scheduler` prints"
        ) from None
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as error:
        why = (
            f"no answer within {CONNECT_TIMEOUT} s"
            if isinstance(error, TimeoutError)
            else error.strerror or str(error)
        )
        raise GradeError(
            f"cannot reach the Dask scheduler at {address} ({why}): start one with "
            "`dask scheduler`, or check the address"
        ) from None


def check_workers(client, release, *, log=print):
    """Step 2: run `worker_check` on every worker; GradeError naming those that fail.

    Logs a warning for a worker whose BLAS threads are unbounded or that runs
    several task threads. Returns {worker address: what the check saw}.
    """
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except TimeoutError:
        raise GradeError(
            f"the Dask scheduler at {client.scheduler.address} has no worker (waited "
            f"{CONNECT_TIMEOUT} s): start some with `dask worker {client.scheduler.address}`"
        ) from None
    seen = client.run(worker_check(str(release)), on_error="return")
    bad = []
    for worker, found in sorted(seen.items()):
        if isinstance(found, BaseException):
            bad.append(f"{worker}: the check failed ({type(found).__name__}: {found})")
        elif found["problems"]:
            bad.append(f"{worker} on {found['host']}: {'; '.join(found['problems'])}")
    if bad:
        raise GradeError(
            "some Dask workers cannot grade this course (they need the course directory at "
            "the same absolute path and this repository on PYTHONPATH):\n  " + "\n  ".join(bad)
        )
    for worker, found in sorted(seen.items()):
        if not any(found["blas"].values()):
            log(
                f"WARNING: Dask worker {worker} sets no BLAS thread count: start it with a "
                "nanny (the default) or OPENBLAS_NUM_THREADS=1, or numpy may oversubscribe "
                "the cores"
            )
        if (found["nthreads"] or 1) > 1:
            log(
                f"WARNING: Dask worker {worker} has {found['nthreads']} threads but grades one "
                "student at a time (nbgrader changes the working directory): start workers "
                "with --nthreads 1 and more processes"
            )
    return seen


def worker_check(release):
    """A function for `client.run`: what a worker sees of the course, and problems.

    It is made here, as a closure, so that cloudpickle sends it by value: it
    must run, and report, on a worker that cannot import autograder.
    """

    def check(dask_worker=None):
        import importlib
        import os
        import shutil
        import socket

        problems = []
        if not os.path.isdir(release):
            problems.append(f"cannot see the course's release folder {release}")
        try:
            importlib.import_module("autograder.grade.pipeline")
        except Exception as error:
            problems.append(f"cannot import autograder ({type(error).__name__}: {error})")
        return {
            "problems": problems,
            "host": socket.gethostname(),
            "nthreads": getattr(dask_worker, "nthreads", None),
            "bwrap": shutil.which("bwrap") is not None,
            "blas": {name: os.environ.get(name) for name in _BLAS},
        }

    return check


def check_sandbox(seen, kind):
    """GradeError naming the workers without bubblewrap when this run's sandbox is `kind` bwrap.

    Every worker boxes the students it grades in the sandbox the grading
    process chose; one without bubblewrap would fail each of them.
    """
    missing = sorted(worker for worker, found in seen.items() if not found["bwrap"])
    if kind == "bwrap" and missing:
        raise GradeError(
            "bubblewrap (bwrap) works here but these Dask workers do not have it: "
            f"{', '.join(missing)}; install it there (apt-get install bubblewrap), or grade "
            "with --sandbox fallback"
        )


class GraderSetup(WorkerPlugin):
    """Step 3: ready a worker before its first student, as `start_worker` does locally.

    Also puts the course's kernelspec folder on the worker's JUPYTER_PATH (a
    local worker inherits it from the grading process). Runs on every worker
    present and on every one that joins or is restarted later.
    """

    name = PLUGIN_NAME

    def __init__(self, jupyter):
        self.jupyter = str(jupyter)

    async def setup(self, worker):
        import asyncio

        # Seconds of imports: off the worker's event loop, which keeps its heartbeats.
        await asyncio.get_running_loop().run_in_executor(None, _ready, self.jupyter)


def _ready(jupyter):
    from . import notebooks

    notebooks.kernel_environment(jupyter)
    start_worker()


@contextlib.contextmanager
def submit(client, settings, pending):
    """Steps 3 and 4: set the workers up, then one task per student, as workers are free.

    Yields (student, future) pairs as the tasks complete; future.result() is
    the Result or raises what the task raised (KilledWorker when the workers
    running it kept dying). Tasks not yet finished are cancelled on leaving.
    """
    try:
        client.register_plugin(GraderSetup(kernels_folder(settings.course)), name=PLUGIN_NAME)
    except Exception as error:
        raise GradeError(
            f"a Dask worker could not get ready to grade ({type(error).__name__}: {error})"
        ) from None
    in_flight = {}
    try:
        yield _feed(client, settings, pending, in_flight)
    finally:
        client.cancel(list(in_flight))


def _feed(client, settings, pending, in_flight):
    """Submit as many tasks as there are workers, and another each time one completes.

    Dask would place every task on a worker at once (tasks that share no group
    are not queued), and a worker that dies takes every task placed on it: a
    student whose grading kills workers would cost the students queued behind
    it retries, or a KilledWorker. With one task per worker, it costs only its
    own. (A worker grades one student at a time whatever its threads: `work`.)
    """
    from distributed import as_completed

    queue = list(pending)
    run = uuid.uuid4().hex[:8]  # keys unique per student and per run

    def more():
        for _ in range(max(1, workers(client)) - len(in_flight)):
            if not queue:
                return
            student = queue.pop(0)
            key = f"convkit-grade-{student}-{run}"
            future = client.submit(work, settings, student, key=key, pure=False)
            in_flight[future] = student
            yield future

    completed = as_completed(list(more()), loop=client.loop)
    for future in completed:
        yield in_flight.pop(future), future
        for new in more():
            completed.add(new)


def workers(client):
    """The number of workers the scheduler knows now."""
    return len(client.nthreads())


__all__ = [
    "CONNECT_TIMEOUT",
    "GraderSetup",
    "check_sandbox",
    "check_workers",
    "connect",
    "submit",
    "worker_check",
    "workers",
]
