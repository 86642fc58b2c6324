"""Time to generate the synthetic dataset, and peak memory of `get_CIFAR10_data()`.

The dataset is generated at CIFAR-10's size (5 x 10000 training and 10000 test
images) into a temporary folder. Each memory figure comes from a fresh Python
process that imports `cs231n.data_utils`, records its resident set size, loads the
default split (49000 / 1000 / 1000) and records its peak resident set size
(VmHWM, or ru_maxrss where there is no /proc), so nothing measured earlier counts.

Run it with `python -m benchmarks.bench_data`; `run()` returns the rows
(figure, measured, comparison) for a caller that prints several benchmarks.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_ASSIGNMENT = str(Path(__file__).resolve().parent.parent / "assignment")
if _ASSIGNMENT not in sys.path:
    sys.path.insert(0, _ASSIGNMENT)

from cs231n import synthetic  # noqa: E402

MEMORY_AIM_GB = 1.5
GB = 1e9

# The start of every child script: peak() is the peak RSS of the process so far, in
# bytes (VmHWM of /proc/self/status on Linux, which exec resets; ru_maxrss elsewhere,
# in bytes on macOS). bench_train.py starts its child scripts with it too.
PEAK_SOURCE = """
import json, resource, sys, time
import numpy as np

def peak():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024
"""

# Run in a child process: prints, as JSON, the peak RSS after imports and after loading,
# the arrays' size, and the time of a second, warm-cache load.
_CHILD = (
    PEAK_SOURCE
    + """
from cs231n.data_utils import get_CIFAR10_data

before = peak()
dtype = np.dtype(sys.argv[2])
data = get_CIFAR10_data(cifar10_dir=sys.argv[1], dtype=dtype)
arrays = sum(a.nbytes for a in data.values())
del data
start = time.perf_counter()
data = get_CIFAR10_data(cifar10_dir=sys.argv[1], dtype=dtype)
seconds = time.perf_counter() - start
print(json.dumps({"before": before, "peak": peak(), "arrays": arrays, "seconds": seconds}))
"""
)


def run_child(source, *args):
    """Run the Python code `source` in a fresh process with cs231n importable.

    The code gets `args` (strings) as sys.argv[1:] and must print one JSON object as
    its last line of output, which is returned as a dict.
    """
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([_ASSIGNMENT, os.environ.get("PYTHONPATH", "")])
    )
    out = subprocess.run(
        [sys.executable, "-c", source, *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _measure_load(folder, dtype):
    """Run get_CIFAR10_data in a fresh process; return its figures as a dict."""
    return run_child(_CHILD, folder, dtype)


def run():
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "synthetic-10-batches-py")
        start = time.perf_counter()
        synthetic.make_synthetic_cifar10(folder)
        seconds = time.perf_counter() - start
        size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
        rows.append(
            (
                "generate the synthetic dataset (50000 + 10000 images)",
                f"{seconds:.1f} s",
                f"aim: a few seconds; {size / 1e6:.0f} MB on disk",
            )
        )
        for dtype in ("float64", "float32"):
            m = _measure_load(folder, dtype)
            default = " (the default)" if dtype == "float64" else ""
            rows.append(
                (
                    f"get_CIFAR10_data(dtype={dtype}){default}: peak RSS",
                    f"{m['peak'] / GB:.2f} GB",
                    f"aim <= {MEMORY_AIM_GB} GB; arrays returned {m['arrays'] / GB:.2f} GB, "
                    f"Python and numpy alone {m['before'] / GB:.2f} GB",
                )
            )
            rows.append(
                (
                    f"get_CIFAR10_data(dtype={dtype}): time",
                    f"{m['seconds']:.1f} s",
                    "second call, files in the page cache",
                )
            )
        # The synthetic batches are written as CIFAR-10's own files are (Python 2
        # pickles: synthetic.dump_python2), so these are the real files' figures too.
    return rows


if __name__ == "__main__":
    for figure, measured, comment in run():
        print(f"{figure:58} {measured:>9}   {comment}")
