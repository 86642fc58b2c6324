"""The processes that grade: how each is readied, and the one task it runs.

A worker is a local process of `local_pool` (spawned by the grading run) or a
Dask worker (cluster.py); both run the same task, `work(settings, student)`,
which grades one submission through pipeline.grade_student and returns its
Result. A worker writes no score: the grading run records what comes back.

- start_worker       ready any worker once: import nbgrader, load the answer key
- local_pool         grade submissions in N local processes, each readied by
                     start_worker after asking to die with the grader
                     (sandbox.die_with_parent)
"""

import contextlib
import os
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

from ..environ import environment
from .sandbox import die_with_parent


def start_worker():
    """Ready a worker process once: import nbgrader and load the answer key.

    Both cost seconds; done here, they are paid once per worker rather than
    inside the first student's timings.
    """
    import nbgrader.apps  # noqa: F401

    from . import notebooks, verdict

    notebooks.quiet_nbgrader_logging()
    verdict.answer_key()


#: One student at a time per process: nbgrader changes the working directory
#: and grading redirects stdout, both process-wide (a Dask worker may run
#: several tasks at once in threads; a local worker runs one anyway).
_ONE_STUDENT = threading.Lock()


def work(settings, student):
    """A worker's task: grade one student (runs in a worker process, local or Dask's)."""
    from . import pipeline

    with _ONE_STUDENT:
        return pipeline.grade_student(settings, student)


@contextlib.contextmanager
def local_pool(settings, pending, jobs):
    """Grade `pending` in `jobs` local worker processes; yield (student, future) as they finish.

    Each future's result() is the student's Result, or raises what went wrong
    (the grader failed, the worker died).
    """
    context = get_context("spawn")
    with (
        _worker_blas_threads(jobs),
        ProcessPoolExecutor(
            max_workers=max(1, int(jobs)), mp_context=context, initializer=_start_local_worker
        ) as pool,
    ):
        futures = {pool.submit(work, settings, student): student for student in pending}
        yield ((futures[future], future) for future in as_completed(futures))


def _start_local_worker():
    """Ready a local worker: die with the grader, then as every worker (start_worker).

    A worker would outlive a grader killed outright (SIGKILL: no cleanup runs
    in it), and go on grading and writing nbgrader's files: it asks the kernel
    for SIGKILL when its parent dies, and its boxes and kernel launchers die
    with it (bwrap --die-with-parent, kernel.py's own parent-death signal).
    """
    die_with_parent()
    start_worker()


@contextlib.contextmanager
def _worker_blas_threads(jobs):
    """Let each worker's BLAS use its share of the cores, no more.

    Workers are spawned with this process's environment; numpy reads these
    variables when it is first imported there. N workers each running a BLAS
    with one thread per core would oversubscribe the machine, and OpenBLAS
    threads that spin waiting for a busy core make a small product many times
    slower (seen here: 14.6 s instead of 0.3 s for the affine layers of one
    overfitting run on a loaded 2-core machine).
    """
    share = str(max(1, (os.cpu_count() or 1) // max(1, int(jobs))))
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    with environment({name: os.environ.get(name) or share for name in names}):
        yield


__all__ = ["local_pool", "start_worker", "work"]
