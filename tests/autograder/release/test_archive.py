"""Step 5 of the release: the distribution zip is reproducible."""

import os
import stat
import zipfile

import pytest

from autograder.release.archive import FIXED_DATE, write_zip
from autograder.release.errors import ReleaseError

FILES = {
    "layers.ipynb": b'{"cells": []}\n',
    "cs231n/layers.py": b"def f():\n    raise NotImplementedError\n",
    "cs231n/classifiers/cnn.py": b"X = 1\n",
    "collect_submission.sh": b"#!/usr/bin/env bash\necho hi\n",
    "reference/a.npz": bytes(range(256)),
}


def _tree(root, order, mtime, mode):
    for rel in order:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(FILES[rel])
        os.chmod(path, mode)
        os.utime(path, (mtime, mtime))
    return root


def test_same_files_give_the_same_bytes(tmp_path):
    """Do two trees with the same files, made in another order, at other times, zip alike?"""
    one = _tree(tmp_path / "one", sorted(FILES), 1_000_000, 0o600)
    two = _tree(tmp_path / "two", sorted(FILES, reverse=True), 2_000_000_000, 0o777)
    a = write_zip(one, tmp_path / "a.zip", top="convnets").read_bytes()
    b = write_zip(two, tmp_path / "b.zip", top="convnets").read_bytes()
    assert a == b


def test_a_changed_file_changes_the_bytes(tmp_path):
    """Is the zip a function of the contents (one byte changed, another zip)?"""
    one = _tree(tmp_path / "one", sorted(FILES), 0, 0o644)
    a = write_zip(one, tmp_path / "a.zip", top="convnets").read_bytes()
    (one / "cs231n/classifiers/cnn.py").write_bytes(b"X = 2\n")
    assert write_zip(one, tmp_path / "b.zip", top="convnets").read_bytes() != a


def test_entries_are_sorted_dated_and_moded(tmp_path):
    """Are entries under one top folder, sorted, dated 1980-01-01, 644 (755 for scripts)?"""
    root = _tree(tmp_path / "r", sorted(FILES), 0, 0o600)
    with zipfile.ZipFile(write_zip(root, tmp_path / "r.zip", top="convnets")) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == sorted(f"convnets/{rel}" for rel in FILES)
        for info in infos:
            assert info.date_time == FIXED_DATE
            mode = stat.S_IMODE(info.external_attr >> 16)
            assert mode == (0o755 if info.filename.endswith(".sh") else 0o644)
            assert zf.read(info) == FILES[info.filename.removeprefix("convnets/")]
    assert not (tmp_path / "r.zip.partial").exists()


def test_links_are_refused(tmp_path):
    """Is a symbolic link in the release refused rather than followed into the zip?"""
    root = _tree(tmp_path / "r", sorted(FILES), 0, 0o644)
    (root / "link").symlink_to(tmp_path)
    with pytest.raises(ReleaseError, match="symbolic link"):
        write_zip(root, tmp_path / "r.zip", top="convnets")
