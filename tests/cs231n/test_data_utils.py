"""Tests of cs231n.data_utils: CS231n's loaders, the split, the errors and the folder choice.

Every test works on small datasets generated into temporary folders; the default
full-size synthetic dataset is replaced by a small one through SYNTHETIC_ARGS.
"""

import json
import os
import pickle
import shutil
import tracemalloc

import numpy as np
import pytest

from cs231n import data_utils, synthetic
from cs231n.data_utils import (
    DatasetFileError,
    find_cifar10_dir,
    find_datasets_dir,
    get_CIFAR10_data,
    load_CIFAR10,
    load_CIFAR_batch,
)

pytestmark = pytest.mark.data

NUM_TRAIN, NUM_TEST = 600, 100  # 120 images per training batch
SMALL = {"seed": 3, "num_train": 200, "num_test": 20}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """A small synthetic dataset, shared by the tests that only read it."""
    root = tmp_path_factory.mktemp("data") / "synthetic-10-batches-py"
    return str(synthetic.make_synthetic_cifar10(root, num_train=NUM_TRAIN, num_test=NUM_TEST))


@pytest.fixture
def copy(dataset, tmp_path):
    """A copy of the small dataset, looking like a CIFAR-10 download, that a test may damage."""
    folder = shutil.copytree(dataset, tmp_path / "datasets" / "cifar-10-batches-py")
    os.remove(folder / synthetic.STAMP_FILE)
    return str(folder)


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    """Clear $CS231N_DATASETS, point the user cache at tmp_path and make the default small."""
    monkeypatch.delenv(data_utils.DATASETS_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(data_utils, "SYNTHETIC_ARGS", SMALL)


def _rows(folder, name):
    """Return the raw uint8 rows and the labels of one batch file."""
    with open(os.path.join(folder, name), "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    return batch[b"data"], np.array(batch[b"labels"])


def _training_rows(folder):
    parts = [_rows(folder, name) for name in data_utils.BATCH_FILES]
    return np.concatenate([d for d, _ in parts]), np.concatenate([y for _, y in parts])


def test_load_batch_layout(dataset):
    """Does load_CIFAR_batch return float64 images (N, 32, 32, 3) and int labels, as CS231n?"""
    X, y = load_CIFAR_batch(os.path.join(dataset, "data_batch_1"))
    assert X.shape == (NUM_TRAIN // 5, 32, 32, 3)
    assert X.dtype == np.float64
    assert y.shape == (NUM_TRAIN // 5,)
    assert np.issubdtype(y.dtype, np.integer)
    rows, labels = _rows(dataset, "data_batch_1")
    # Pixel (i, j) of channel c is entry c * 1024 + 32 * i + j of the row.
    assert X[7, 5, 30, 2] == rows[7, 2 * 1024 + 32 * 5 + 30]
    np.testing.assert_array_equal(y, labels)


def test_load_cifar10(dataset):
    """Does load_CIFAR10 concatenate the five training batches and return the test batch?"""
    Xtr, Ytr, Xte, Yte = load_CIFAR10(dataset)
    rows, labels = _training_rows(dataset)
    assert Xtr.shape == (NUM_TRAIN, 32, 32, 3)
    assert Xtr.dtype == np.float64
    assert Xte.shape == (NUM_TEST, 32, 32, 3)
    np.testing.assert_array_equal(Xtr, rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(Ytr, labels)
    np.testing.assert_array_equal(Yte, _rows(dataset, "test_batch")[1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_get_data_shapes_and_dtype(dataset, dtype):
    """Does get_CIFAR10_data return channels-first arrays of the requested dtype and sizes?"""
    data = get_CIFAR10_data(300, 50, 40, cifar10_dir=dataset, dtype=dtype)
    assert list(data) == ["X_train", "y_train", "X_val", "y_val", "X_test", "y_test"]
    for split, n in (("train", 300), ("val", 50), ("test", 40)):
        assert data[f"X_{split}"].shape == (n, 3, 32, 32)
        assert data[f"X_{split}"].dtype == dtype
        assert data[f"y_{split}"].shape == (n,)
        assert np.issubdtype(data[f"y_{split}"].dtype, np.integer)


def test_get_data_defaults_to_float64(dataset):
    """Is CS231n's float64 the default dtype?"""
    assert get_CIFAR10_data(10, 10, 10, cifar10_dir=dataset)["X_train"].dtype == np.float64


def test_split_contents(dataset):
    """Are train, val and test the first images, the next ones, and the first test images?"""
    # 250 + 100 crosses the boundaries between batches 2, 3 and 3 of 120 images each.
    data = get_CIFAR10_data(250, 100, 30, subtract_mean=False, cifar10_dir=dataset)
    rows, labels = _training_rows(dataset)
    images = rows.reshape(-1, 3, 32, 32)
    np.testing.assert_array_equal(data["X_train"], images[:250])
    np.testing.assert_array_equal(data["y_train"], labels[:250])
    np.testing.assert_array_equal(data["X_val"], images[250:350])
    np.testing.assert_array_equal(data["y_val"], labels[250:350])
    test_rows, test_labels = _rows(dataset, "test_batch")
    np.testing.assert_array_equal(data["X_test"], test_rows[:30].reshape(-1, 3, 32, 32))
    np.testing.assert_array_equal(data["y_test"], test_labels[:30])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mean_subtraction(dataset, dtype):
    """Is the training mean image subtracted from every split, leaving the training mean at 0?"""
    raw = get_CIFAR10_data(500, 100, 100, subtract_mean=False, cifar10_dir=dataset, dtype=dtype)
    data = get_CIFAR10_data(500, 100, 100, cifar10_dir=dataset, dtype=dtype)
    mean = raw["X_train"].astype(np.float64).mean(axis=0)
    tol = 1e-9 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(data["X_train"].mean(axis=0, dtype=np.float64), 0, atol=tol)
    for split in ("train", "val", "test"):
        np.testing.assert_allclose(data[f"X_{split}"], raw[f"X_{split}"] - mean, atol=tol)


def test_matches_cs231n_recipe(dataset):
    """Does the streaming loader give exactly what CS231n's load-then-slice recipe gives?"""
    Xtr, Ytr, Xte, Yte = load_CIFAR10(dataset)
    X_train, X_val, X_test = Xtr[:500], Xtr[500:600], Xte[:100]
    mean_image = np.mean(X_train, axis=0)
    expected = [x - mean_image for x in (X_train, X_val, X_test)]
    data = get_CIFAR10_data(500, 100, 100, cifar10_dir=dataset)
    for x, split in zip(expected, ("train", "val", "test"), strict=True):
        np.testing.assert_allclose(data[f"X_{split}"], x.transpose(0, 3, 1, 2), atol=1e-10)


def test_str_and_bytes_keys(dataset, tmp_path):
    """Does a batch pickled with str keys (Python 3) load like one with bytes keys (Python 2)?"""
    folder = tmp_path / "str-keys"
    folder.mkdir()
    for name in data_utils.DATASET_FILES:
        with open(os.path.join(dataset, name), "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        with open(folder / name, "wb") as f:
            pickle.dump({k.decode(): v for k, v in batch.items()}, f)
    a = get_CIFAR10_data(100, 10, 10, cifar10_dir=dataset)
    b = get_CIFAR10_data(100, 10, 10, cifar10_dir=str(folder))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_python3_protocol_2_pickles(dataset, tmp_path):
    """Does a batch pickled by Python 3 with protocol 2 (bytes as _codecs.encode calls) load?"""
    folder = tmp_path / "protocol-2"
    shutil.copytree(dataset, folder)
    path = folder / "data_batch_1"
    with open(path, "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    path.write_bytes(pickle.dumps(batch, protocol=2))
    X, y = load_CIFAR_batch(str(path))
    np.testing.assert_array_equal(X, load_CIFAR_batch(os.path.join(dataset, "data_batch_1"))[0])


def test_missing_batch(copy):
    """Does a missing batch file give an error naming the file and the script to run?"""
    os.remove(os.path.join(copy, "data_batch_3"))
    with pytest.raises(DatasetFileError, match="data_batch_3 is missing or truncated") as e:
        get_CIFAR10_data(500, 100, 50, cifar10_dir=copy)
    assert "get_datasets.sh" in str(e.value)
    assert isinstance(e.value, FileNotFoundError)
    assert isinstance(e.value, ValueError)


def test_truncated_batch(copy):
    """Does a truncated batch file give an error naming the file?"""
    path = os.path.join(copy, "data_batch_2")
    with open(path, "rb") as f:
        head = f.read(5000)
    with open(path, "wb") as f:
        f.write(head)
    with pytest.raises(DatasetFileError, match="data_batch_2 is missing or truncated"):
        load_CIFAR10(copy)


def test_synthetic_remedy(dataset, tmp_path):
    """Does a damaged synthetic dataset's error say to delete it rather than to download?"""
    folder = shutil.copytree(dataset, tmp_path / "synthetic-10-batches-py")
    os.remove(folder / "test_batch")
    with pytest.raises(DatasetFileError, match=r"delete .*synthetic-10-batches-py"):
        get_CIFAR10_data(10, 10, 10, cifar10_dir=str(folder))


def _rewrite(folder, name, **changes):
    path = os.path.join(folder, name)
    with open(path, "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    batch.update({k.encode(): v for k, v in changes.items()})
    with open(path, "wb") as f:
        pickle.dump(batch, f, protocol=2)


def test_wrong_row_size(copy):
    """Is a batch whose rows are not 3072 bytes rejected, naming the file?"""
    _rewrite(copy, "test_batch", data=np.zeros((NUM_TEST, 3000), dtype=np.uint8))
    with pytest.raises(DatasetFileError, match=r"test_batch: 'data' must be .*3072 bytes per row"):
        load_CIFAR_batch(os.path.join(copy, "test_batch"))


def test_labels_length_mismatch(copy):
    """Is a batch with fewer labels than images rejected?"""
    _rewrite(copy, "data_batch_1", labels=[0] * 7)
    with pytest.raises(DatasetFileError, match="120 images but 7 labels"):
        load_CIFAR_batch(os.path.join(copy, "data_batch_1"))


def test_labels_out_of_range(copy):
    """Is a batch with a label outside 0..9 rejected?"""
    _rewrite(copy, "data_batch_1", labels=[12] * 120)
    with pytest.raises(DatasetFileError, match=r"labels outside 0\.\.9"):
        load_CIFAR_batch(os.path.join(copy, "data_batch_1"))


def test_too_many_training_images(dataset):
    """Does asking for more training images than exist give a ValueError with the numbers?"""
    with pytest.raises(ValueError, match=r"550 training \+ 100 validation = 650 .* only 600"):
        get_CIFAR10_data(550, 100, 10, cifar10_dir=dataset)


def test_too_many_test_images(dataset):
    """Does asking for more test images than exist give a ValueError with the numbers?"""
    with pytest.raises(ValueError, match=r"asked for 101 test images, .* only 100"):
        get_CIFAR10_data(10, 10, 101, cifar10_dir=dataset)


@pytest.mark.parametrize("bad", [-1, 2.5, "10"])
def test_bad_counts(dataset, bad):
    """Are negative or non-integer split sizes rejected?"""
    with pytest.raises((ValueError, TypeError), match="num_validation"):
        get_CIFAR10_data(10, bad, 10, cifar10_dir=dataset)


def test_integer_dtype_rejected(dataset):
    """Is an integer dtype, which could not hold the mean-subtracted images, rejected?"""
    with pytest.raises(ValueError, match="floating point"):
        get_CIFAR10_data(10, 10, 10, cifar10_dir=dataset, dtype=np.uint8)


def test_reads_only_needed_batches(copy):
    """Does a small request read only the batches it needs (the others may even be missing)?"""
    for name in ("data_batch_3", "data_batch_4", "data_batch_5"):
        os.remove(os.path.join(copy, name))
    data = get_CIFAR10_data(200, 40, 10, cifar10_dir=copy)
    assert data["X_val"].shape == (40, 3, 32, 32)


def test_no_transient_copy_of_training_set(dataset):
    """Does get_CIFAR10_data avoid holding a second copy of the training set at its peak?"""
    get_CIFAR10_data(10, 10, 10, cifar10_dir=dataset)  # warm up caches and imports
    tracemalloc.start()
    try:
        data = get_CIFAR10_data(NUM_TRAIN - 100, 100, NUM_TEST, cifar10_dir=dataset)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    result = sum(a.nbytes for a in data.values())
    batch = (NUM_TRAIN // 5) * 3072  # one uint8 batch; its pickle can hold a few copies
    assert peak < result + 6 * batch, (peak, result)


# The folder choice and the notice.


def test_datasets_env_var(dataset, no_env, monkeypatch, tmp_path, capsys):
    """Is $CS231N_DATASETS honoured, with CIFAR-10 used when complete, and one line printed?"""
    home = tmp_path / "my-datasets"
    shutil.copytree(dataset, home / "cifar-10-batches-py")
    monkeypatch.setenv("CS231N_DATASETS", str(home))
    data = get_CIFAR10_data(100, 10, 10)
    out, err = capsys.readouterr()
    assert out.count("\n") == 1
    assert out.startswith("Using CIFAR-10 from ")
    assert "my-datasets" in out
    assert err == ""
    assert data["X_train"].shape == (100, 3, 32, 32)


def test_synthetic_generated_on_first_use(no_env, monkeypatch, tmp_path, capsys):
    """Without CIFAR-10, is the synthetic dataset generated once, with one line on stdout?"""
    home = tmp_path / "datasets"
    monkeypatch.setenv("CS231N_DATASETS", str(home))
    get_CIFAR10_data(150, 50, 20)
    out, err = capsys.readouterr()
    assert out.count("\n") == 1
    assert err == ""
    assert "synthetic" in out
    assert "generating" in out
    assert "bash datasets/get_datasets.sh" in out
    folder = home / "synthetic-10-batches-py"
    assert data_utils.is_complete(str(folder))
    stamp = os.stat(folder / "test_batch").st_mtime_ns

    get_CIFAR10_data(150, 50, 20)
    out, err = capsys.readouterr()
    assert out.count("\n") == 1
    assert err == ""
    assert "synthetic" in out
    assert "generating" not in out
    assert os.stat(folder / "test_batch").st_mtime_ns == stamp  # not generated again
    assert sorted(os.listdir(home)) == ["synthetic-10-batches-py"]  # no temporary folder left


def test_incomplete_cifar_falls_back_to_synthetic(dataset, no_env, monkeypatch, tmp_path, capsys):
    """Is an incomplete cifar-10-batches-py passed over for the synthetic dataset?"""
    home = tmp_path / "datasets"
    shutil.copytree(dataset, home / "cifar-10-batches-py")
    os.remove(home / "cifar-10-batches-py" / "batches.meta")
    monkeypatch.setenv("CS231N_DATASETS", str(home))
    assert find_cifar10_dir() == str(home / "synthetic-10-batches-py")
    out = capsys.readouterr().out
    assert "synthetic" in out
    assert "cifar-10-batches-py lacks some files" in out


def test_outdated_synthetic_is_regenerated(no_env, monkeypatch, tmp_path, capsys):
    """Is a synthetic dataset made by another generator version, or other sizes, replaced?"""
    home = tmp_path / "datasets"
    monkeypatch.setenv("CS231N_DATASETS", str(home))
    folder = str(home / "synthetic-10-batches-py")
    synthetic.make_synthetic_cifar10(folder, seed=0, num_train=50, num_test=10)
    assert find_cifar10_dir() == folder
    assert "generating" in capsys.readouterr().out
    assert load_CIFAR_batch(os.path.join(folder, "test_batch"))[0].shape[0] == SMALL["num_test"]


def test_synthetic_in_old_format_is_regenerated(no_env, monkeypatch, tmp_path, capsys):
    """Is a synthetic dataset in format 1 (Python 3 pickles) still read, then replaced?"""
    home = tmp_path / "datasets"
    monkeypatch.setenv("CS231N_DATASETS", str(home))
    folder = home / "synthetic-10-batches-py"
    synthetic.make_synthetic_cifar10(folder, **SMALL)
    # Rewrite it as format 1 was: protocol 4, bytes keys, no "format" in the stamp.
    for name in data_utils.DATASET_FILES:
        with open(folder / name, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        (folder / name).write_bytes(pickle.dumps(batch, protocol=4))
    stamp = json.loads((folder / synthetic.STAMP_FILE).read_text())
    del stamp["format"]
    (folder / synthetic.STAMP_FILE).write_text(json.dumps(stamp))
    X, y = load_CIFAR_batch(str(folder / "test_batch"))  # the kit reads both formats
    assert X.shape == (SMALL["num_test"], 32, 32, 3)

    assert find_cifar10_dir() == str(folder)
    assert "generating" in capsys.readouterr().out
    with open(folder / "test_batch", "rb") as fo:  # CS231n's loader reads the new files
        datadict = pickle.load(fo, encoding="latin1")
    assert datadict["data"].shape == (SMALL["num_test"], 3072)
    np.testing.assert_array_equal(datadict["labels"], y)  # the same images, in a new format


def test_stale_partial_folders_removed(no_env, monkeypatch, tmp_path, capsys):
    """Are the leftovers of a generation killed long ago removed, and a recent one kept?"""
    home = tmp_path / "datasets"
    old, recent = (
        home / ".synthetic-10-batches-py.partial-old",
        home / ".synthetic-10-batches-py.partial-new",
    )
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / "data_batch_1").write_bytes(b"half")
    os.utime(old, (0, 0))
    monkeypatch.setenv("CS231N_DATASETS", str(home))
    find_cifar10_dir()
    assert sorted(os.listdir(home)) == [recent.name, "synthetic-10-batches-py"]


def test_read_only_datasets_uses_cache(no_env, monkeypatch, tmp_path, capsys):
    """When datasets/ cannot be written, is the synthetic dataset generated in the user cache?"""
    home = tmp_path / "datasets"
    home.mkdir()
    monkeypatch.setenv("CS231N_DATASETS", str(home))
    real = data_utils._writable
    monkeypatch.setattr(data_utils, "_writable", lambda d: d != str(home) and real(d))
    folder = find_cifar10_dir()
    assert folder == os.path.join(
        tmp_path, "cache", "convkit", "datasets", "synthetic-10-batches-py"
    )
    assert os.listdir(home) == []
    assert capsys.readouterr().out.count("\n") == 1


def test_nearest_datasets_folder(tmp_path, monkeypatch):
    """Is the nearest datasets/ above the package found, skipping one that is not ours?"""
    monkeypatch.delenv(data_utils.DATASETS_ENV, raising=False)
    release = tmp_path / "home" / "release"
    (release / "cs231n").mkdir(parents=True)
    (release / "datasets").mkdir()
    (release / "datasets" / "get_datasets.sh").write_text("")
    (release / "cs231n" / "datasets").mkdir()  # someone else's, without our files: skipped
    assert find_datasets_dir(start=str(release / "cs231n")) == str(release / "datasets")
    (tmp_path / "home" / "datasets").mkdir()
    assert find_datasets_dir(start=str(tmp_path / "home")) is None


def test_repository_datasets_folder(monkeypatch):
    """Does the package, inside this repository, find the repository's datasets/ folder?"""
    monkeypatch.delenv(data_utils.DATASETS_ENV, raising=False)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert find_datasets_dir() == os.path.join(repo, "datasets")


def test_explicit_folder_prints_nothing(dataset, capsys):
    """Does passing cifar10_dir load quietly, as CS231n did?"""
    get_CIFAR10_data(10, 10, 10, cifar10_dir=dataset)
    assert capsys.readouterr() == ("", "")
