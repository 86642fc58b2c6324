# GENERATED for this assignment from assignment/cs231n/data_utils.py (convkit).
# Students: this file is provided complete; read it, you need not change it.
"""Load CIFAR-10, or its synthetic stand-in, as numpy arrays.

The functions keep CS231n's names, arguments and outputs:

    X, y = load_CIFAR_batch(filename)            X: (N, 32, 32, 3), y: (N,)
    Xtr, Ytr, Xte, Yte = load_CIFAR10(ROOT)      Xtr: (50000, 32, 32, 3), ...
    data = get_CIFAR10_data()                    a dict of X_train, y_train, X_val,
                                                 y_val, X_test, y_test, X channels
                                                 first: (N, 3, 32, 32)

Which dataset `get_CIFAR10_data()` loads when no folder is given:

1. The datasets folder is $CS231N_DATASETS if set; otherwise the nearest folder
   named `datasets` above this package that holds `get_datasets.sh` or a dataset
   folder (in the student release, the `datasets/` beside `cs231n/`).
2. If `datasets/cifar-10-batches-py` holds all seven CIFAR-10 files, that is
   the dataset (`bash datasets/get_datasets.sh` downloads it).
3. Otherwise it is the synthetic dataset of `cs231n.synthetic`, same format and
   size, generated on first use (a few seconds) into
   `datasets/synthetic-10-batches-py`, or into ~/.cache/convkit/datasets when
   `datasets/` is missing or read-only.

Either way one line on stdout says which dataset is used.

A batch file that is missing, truncated or not a CIFAR-10 batch raises
DatasetFileError (both a FileNotFoundError and a ValueError) naming the file
and what to do about it.

Memory: get_CIFAR10_data reads one batch at a time into arrays allocated once,
of the requested dtype, and subtracts the mean in place, so the default split in
float64 peaks at about 1.3 GB (the arrays themselves take 1.25 GB), 0.7 GB in
float32.
"""

import json
import operator
import os
import pickle
import shutil
import time

import numpy as np

from cs231n import synthetic

CIFAR10_FOLDER = "cifar-10-batches-py"
SYNTHETIC_FOLDER = "synthetic-10-batches-py"
DATASETS_ENV = "CS231N_DATASETS"
DOWNLOAD_SCRIPT = "get_datasets.sh"
BATCH_FILES = synthetic.BATCH_FILES
TEST_FILE = synthetic.TEST_FILE
META_FILE = synthetic.META_FILE
DATASET_FILES = (*BATCH_FILES, TEST_FILE, META_FILE)
IMAGE_SHAPE = (3, 32, 32)  # each row of a batch: 1024 red, 1024 green, 1024 blue values
ROW_SIZE = 3 * 32 * 32
NUM_CLASSES = 10
# The synthetic dataset generated on first use: CIFAR-10's size.
SYNTHETIC_ARGS = {"seed": 0, "num_train": 50000, "num_test": 10000}


class DatasetFileError(FileNotFoundError, ValueError):
    """A dataset file is missing, truncated or not a CIFAR-10 batch; the message says what to do."""


def _show(path):
    """Return `path` relative to the working directory when it lies below it, else absolute."""
    path = os.path.abspath(path)
    try:
        rel = os.path.relpath(path)
    except ValueError:  # on another drive (Windows)
        return path
    return path if rel.startswith(os.pardir) else rel


def _remedy(folder):
    """Say how to repair the dataset in `folder`."""
    if os.path.exists(os.path.join(folder, synthetic.STAMP_FILE)):
        return f"delete {_show(folder)}; get_CIFAR10_data() generates it again"
    script = os.path.join(os.path.dirname(os.path.abspath(folder)), DOWNLOAD_SCRIPT)
    if os.path.isfile(script):
        return f"run bash {_show(script)}"
    return f"run bash datasets/{DOWNLOAD_SCRIPT}"


def _entry(batch, key, filename):
    """Return batch[key], whether the pickle stored the key as bytes (Python 2) or str."""
    for k in (key.encode(), key):
        if k in batch:
            return batch[k]
    raise DatasetFileError(
        f"{_show(filename)} has no '{key}' entry, so it is not a CIFAR-10 batch; "
        f"{_remedy(os.path.dirname(filename))}"
    )


def _read_batch(filename):
    """Read one batch file as stored: uint8 rows (N, 3072) and int64 labels (N,), validated."""
    if not os.path.isfile(filename):
        raise DatasetFileError(
            f"{_show(filename)} is missing or truncated; {_remedy(os.path.dirname(filename))}"
        )
    try:
        with open(filename, "rb") as f:
            # The real files are Python 2 pickles: their keys and strings load as bytes.
            batch = pickle.load(f, encoding="bytes")
    except Exception as e:  # a truncated pickle raises EOFError, UnpicklingError, ValueError...
        raise DatasetFileError(
            f"{_show(filename)} is missing or truncated ({type(e).__name__}: {e}); "
            f"{_remedy(os.path.dirname(filename))}"
        ) from e
    if not isinstance(batch, dict):
        raise DatasetFileError(
            f"{_show(filename)} holds a {type(batch).__name__}, not a CIFAR-10 batch dict; "
            f"{_remedy(os.path.dirname(filename))}"
        )
    data = _entry(batch, "data", filename)
    labels = _entry(batch, "labels", filename)
    if not (
        isinstance(data, np.ndarray)
        and data.dtype == np.uint8
        and data.ndim == 2
        and data.shape[1] == ROW_SIZE
    ):
        if isinstance(data, np.ndarray):
            got = f"a {data.dtype} array of shape {data.shape}"
        else:
            got = f"a {type(data).__name__}"
        raise DatasetFileError(
            f"{_show(filename)}: 'data' must be a uint8 array of {ROW_SIZE} bytes per row, "
            f"got {got}; {_remedy(os.path.dirname(filename))}"
        )
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (data.shape[0],):
        raise DatasetFileError(
            f"{_show(filename)} holds {data.shape[0]} images but {labels.size} labels; "
            f"{_remedy(os.path.dirname(filename))}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise DatasetFileError(
            f"{_show(filename)} has labels outside 0..{NUM_CLASSES - 1} "
            f"(from {labels.min()} to {labels.max()}); {_remedy(os.path.dirname(filename))}"
        )
    return data, labels


def load_CIFAR_batch(filename, dtype=np.float64):
    """Load a single batch of CIFAR-10.

    Inputs:
    - filename: path of a batch file, e.g. "datasets/cifar-10-batches-py/data_batch_1"
    - dtype: the type of the returned images (CS231n's float64 by default)

    Returns a tuple of:
    - X: images, of shape (N, 32, 32, 3) (channels last), values 0..255
    - Y: labels, of shape (N,), ints in 0..9

    Raises DatasetFileError if the file is missing, truncated or malformed.
    """
    data, labels = _read_batch(filename)
    X = data.reshape(-1, *IMAGE_SHAPE).transpose(0, 2, 3, 1).astype(dtype)
    return X, labels


def load_CIFAR10(ROOT, dtype=np.float64):
    """Load all of CIFAR-10 from the folder ROOT.

    Inputs:
    - ROOT: the folder holding data_batch_1 .. data_batch_5 and test_batch
    - dtype: the type of the returned images (CS231n's float64 by default)

    Returns a tuple of:
    - Xtr: training images, of shape (N_train, 32, 32, 3), values 0..255
    - Ytr: training labels, of shape (N_train,)
    - Xte: test images, of shape (N_test, 32, 32, 3)
    - Yte: test labels, of shape (N_test,)
    """
    # Read the stored uint8 batches (150 MB), then fill one array of the target type.
    parts = [_read_batch(os.path.join(ROOT, name)) for name in BATCH_FILES]
    Xtr = np.empty((sum(len(y) for _, y in parts), 32, 32, 3), dtype=dtype)
    lo = 0
    for data, y in parts:
        Xtr[lo : lo + len(y)] = data.reshape(-1, *IMAGE_SHAPE).transpose(0, 2, 3, 1)
        lo += len(y)
    Ytr = np.concatenate([y for _, y in parts])
    del parts
    Xte, Yte = load_CIFAR_batch(os.path.join(ROOT, TEST_FILE), dtype=dtype)
    return Xtr, Ytr, Xte, Yte


def get_CIFAR10_data(
    num_training=49000,
    num_validation=1000,
    num_test=1000,
    subtract_mean=True,
    cifar10_dir=None,
    dtype=np.float64,
):
    """Load CIFAR-10 (or its synthetic stand-in), split it and prepare it for a classifier.

    The training images are the first num_training images of the training batches,
    the validation images the num_validation images that follow them, and the test
    images the first num_test images of test_batch, as in CS231n.

    Inputs:
    - num_training, num_validation, num_test: how many images to take for each split
    - subtract_mean: if True, subtract the mean training image from every split
    - cifar10_dir: the folder holding the batch files; None chooses it as the module
      docstring says, and prints one line naming the dataset used
    - dtype: the type of the returned images; float64 (CS231n's) takes 1.25 GB for
      the default split, float32 half of that

    Returns a dict of:
    - X_train: (num_training, 3, 32, 32); y_train: (num_training,)
    - X_val: (num_validation, 3, 32, 32); y_val: (num_validation,)
    - X_test: (num_test, 3, 32, 32); y_test: (num_test,)

    Raises ValueError if a split asks for more images than the dataset holds.
    """
    counts = {}
    for name, value in (
        ("num_training", num_training),
        ("num_validation", num_validation),
        ("num_test", num_test),
    ):
        try:
            counts[name] = operator.index(value)
        except TypeError:
            raise TypeError(f"{name} must be an int, got {value!r}") from None
        if counts[name] < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    num_training, num_validation, num_test = counts.values()
    if subtract_mean and num_training == 0:
        raise ValueError("subtract_mean=True needs num_training >= 1 to compute the mean image")
    if np.dtype(dtype).kind != "f":
        raise ValueError(f"dtype must be a floating point type, got {np.dtype(dtype)}")
    if cifar10_dir is None:
        cifar10_dir = find_cifar10_dir()

    # The test images first: a small read, and a request too large fails early.
    data, labels = _read_batch(os.path.join(cifar10_dir, TEST_FILE))
    if num_test > len(labels):
        raise ValueError(
            f"asked for {num_test} test images, but {_show(os.path.join(cifar10_dir, TEST_FILE))} "
            f"holds only {len(labels)}"
        )
    X_test = data[:num_test].reshape(-1, *IMAGE_SHAPE).astype(dtype)
    y_test = labels[:num_test].copy()
    del data, labels

    X_train = np.empty((num_training, *IMAGE_SHAPE), dtype=dtype)
    X_val = np.empty((num_validation, *IMAGE_SHAPE), dtype=dtype)
    y_train = np.empty(num_training, dtype=np.int64)
    y_val = np.empty(num_validation, dtype=np.int64)
    # The sum of the training images, accumulated from the uint8 rows: exact in float64.
    total = np.zeros(ROW_SIZE, dtype=np.float64)

    # Walk through the training batches in order; image i of the concatenation goes to
    # the training split if i < num_training, else to the validation split.
    wanted, seen = num_training + num_validation, 0
    for name in BATCH_FILES:
        if seen >= wanted:
            break
        data, labels = _read_batch(os.path.join(cifar10_dir, name))
        for X, y, first in ((X_train, y_train, 0), (X_val, y_val, num_training)):
            lo, hi = max(seen, first), min(seen + len(labels), first + len(y))
            if lo < hi:
                X[lo - first : hi - first] = data[lo - seen : hi - seen].reshape(-1, *IMAGE_SHAPE)
                y[lo - first : hi - first] = labels[lo - seen : hi - seen]
                if X is X_train:
                    total += data[lo - seen : hi - seen].sum(axis=0, dtype=np.float64)
        seen += len(labels)
        del data, labels
    if seen < wanted:
        raise ValueError(
            f"asked for {num_training} training + {num_validation} validation = {wanted} images, "
            f"but the training batches in {_show(cifar10_dir)} hold only {seen}"
        )

    if subtract_mean:
        mean_image = (total / num_training).reshape(IMAGE_SHAPE).astype(dtype)
        # In place: no temporary copy of the 1.2 GB training array.
        X_train -= mean_image
        X_val -= mean_image
        X_test -= mean_image

    return {
        "X_train": X_train,
        "y_train": y_train,
        "X_val": X_val,
        "y_val": y_val,
        "X_test": X_test,
        "y_test": y_test,
    }


def find_datasets_dir(start=None):
    """Return the datasets folder: $CS231N_DATASETS, else the nearest `datasets` above `start`.

    Inputs:
    - start: the folder to search upwards from; None means this package's folder

    A `datasets` folder counts only if it holds get_datasets.sh or one of the two dataset
    folders, so an unrelated ~/datasets is never used. Returns None if there is none.
    """
    env = os.environ.get(DATASETS_ENV)
    if env:
        return os.path.abspath(os.path.expanduser(env))
    here = os.path.abspath(start or os.path.dirname(__file__))
    while True:
        candidate = os.path.join(here, "datasets")
        if os.path.isdir(candidate) and any(
            os.path.exists(os.path.join(candidate, name))
            for name in (DOWNLOAD_SCRIPT, CIFAR10_FOLDER, SYNTHETIC_FOLDER)
        ):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def cache_datasets_dir():
    """Return the per-user folder used when the datasets folder is missing or read-only."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "convkit", "datasets")


def is_complete(folder):
    """Return True if `folder` holds all seven files of a CIFAR-10-format dataset."""
    return all(os.path.isfile(os.path.join(folder, name)) for name in DATASET_FILES)


def _is_current_synthetic(folder):
    """Return True if `folder` holds the default synthetic dataset of the current generator.

    Its files must be in the current format too: older copies (Python 3 pickles, which
    CS231n's own loader cannot read) are generated again.
    """
    try:
        with open(os.path.join(folder, synthetic.STAMP_FILE)) as f:
            stamp = json.load(f)
    except (OSError, ValueError):
        return False
    expected = {
        "version": synthetic.GENERATOR_VERSION,
        "format": synthetic.FORMAT_VERSION,
        **SYNTHETIC_ARGS,
    }
    return all(stamp.get(k) == v for k, v in expected.items()) and is_complete(folder)


def _remove_stale_partials(home, max_age=3600):
    """Delete the temporary folders of generations killed outright (older than max_age s)."""
    prefix = f".{SYNTHETIC_FOLDER}.partial-"
    for name in os.listdir(home):
        path = os.path.join(home, name)
        try:
            if name.startswith(prefix) and time.time() - os.path.getmtime(path) > max_age:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:  # removed by another process meanwhile
            pass


def _generate(folder):
    """Generate the default synthetic dataset into `folder`, replacing an outdated one."""
    _remove_stale_partials(os.path.dirname(folder))
    if os.path.isdir(folder) and os.path.exists(os.path.join(folder, synthetic.STAMP_FILE)):
        # An older generator's output (a folder without the stamp is never deleted).
        stale = f"{folder}.stale-{os.getpid()}"
        os.rename(folder, stale)
        shutil.rmtree(stale)
    try:
        synthetic.make_synthetic_cifar10(folder, **SYNTHETIC_ARGS)
    except FileExistsError:
        if not _is_current_synthetic(folder):  # another process may have just made it
            raise


def _writable(folder):
    """Return True if `folder`, or the nearest existing folder above it, accepts new files."""
    while not os.path.isdir(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent
    return os.access(folder, os.W_OK | os.X_OK)


def find_cifar10_dir(verbose=True):
    """Choose the dataset folder as the module docstring says, generating it if needed.

    Inputs:
    - verbose: if True, print one line on stdout naming the dataset used

    Returns the folder holding the batch files.
    """
    datasets = find_datasets_dir()
    hint = ""
    if datasets is not None:
        cifar = os.path.join(datasets, CIFAR10_FOLDER)
        if is_complete(cifar):
            if verbose:
                print(f"Using CIFAR-10 from {_show(cifar)}", flush=True)
            return cifar
        if os.path.isdir(cifar):
            hint = f" ({_show(cifar)} lacks some files)"
    script = os.path.join(datasets or "datasets", DOWNLOAD_SCRIPT)
    script = _show(script) if os.path.isfile(script) else f"datasets/{DOWNLOAD_SCRIPT}"
    hint += f"; for the real CIFAR-10 run: bash {script}"
    homes = [d for d in (datasets, cache_datasets_dir()) if d is not None]
    for home in homes:
        folder = os.path.join(home, SYNTHETIC_FOLDER)
        if _is_current_synthetic(folder):
            if verbose:
                print(
                    f"Using the synthetic stand-in for CIFAR-10 (shapes and textures) from "
                    f"{_show(folder)}{hint}",
                    flush=True,
                )
            return folder
    # Generate it into the first of those folders we may write to.
    home = next((h for h in homes if _writable(h)), homes[-1])
    folder = os.path.join(home, SYNTHETIC_FOLDER)
    if verbose:
        print(
            f"Using the synthetic stand-in for CIFAR-10 (shapes and textures), generating it "
            f"now into {_show(folder)} (a few seconds){hint}",
            flush=True,
        )
    os.makedirs(home, exist_ok=True)
    _generate(folder)
    return folder
