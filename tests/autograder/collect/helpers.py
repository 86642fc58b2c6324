"""Builders for the collect tests: a hand-made released course and submission zips.

collect reads only DIR/release/convnets/ (the notebooks' names and the package's
.py files), so a course is fabricated in a few files instead of a real release.
Zips are written with zipfile, down to the members no honest tool makes (links,
`..`, forged sizes).
"""

import os
import stat
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

NOTEBOOKS = (
    "ConvolutionalNetworks.ipynb",
    "PoolingAndTransposedConv.ipynb",
    "SpatialNormalization.ipynb",
)
PACKAGE_FILES = (
    "cs231n/__init__.py",
    "cs231n/classifiers/__init__.py",
    "cs231n/classifiers/cnn.py",
    "cs231n/layers.py",
)


@dataclass(frozen=True)
class Link:
    """A symbolic link member pointing at `target`."""

    target: str


def notebook_bytes(title="work"):
    """A small valid nbformat 4 notebook, as bytes."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {title}"))
    nb.cells.append(nbformat.v4.new_code_cell("x = 1"))
    return nbformat.writes(nb).encode()


def make_course(root):
    """A course folder whose release holds the three notebooks and a small package."""
    release = Path(root) / "release" / "convnets"
    for name in NOTEBOOKS:
        (release / name).parent.mkdir(parents=True, exist_ok=True)
        (release / name).write_bytes(notebook_bytes(name))
    for rel in PACKAGE_FILES:
        (release / rel).parent.mkdir(parents=True, exist_ok=True)
        (release / rel).write_text("raise NotImplementedError\n")
    (release / "collect_submission.sh").write_text("#!/bin/sh\n")
    (release / "cs231n" / "__pycache__").mkdir()
    (release / "cs231n" / "__pycache__" / "stale.py").write_text("")
    return Path(root)


def submission(top="", student="jdoe"):
    """The members of a complete honest submission, under folder `top` if given."""
    members = {name: notebook_bytes(f"{student} {name}") for name in NOTEBOOKS}
    members.update({rel: f"# {student}: {rel}\n".encode() for rel in PACKAGE_FILES})
    return {top + name: data for name, data in members.items()}


def make_zip(path, members, mtime=None):
    """Write `members` (name -> bytes or Link) into the zip `path`; set its mtime if given."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 1, 12, 0, 0))
            info.create_system = 3
            if isinstance(data, Link):
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, data.target)
            else:
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def zeros_zip(path, name, size, chunk=1 << 20):
    """A zip holding one member of `size` zero bytes, streamed (a compression bomb)."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w") as zf:
        with zf.open(info, "w", force_zip64=size > 0xFFFFFFFF) as out:
            block = bytes(chunk)
            left = size
            while left:
                out.write(block[: min(chunk, left)])
                left -= min(chunk, left)
    return Path(path)


def forge_size(path, declared):
    """Rewrite the uncompressed size of the zip's only member in both of its headers."""
    data = bytearray(Path(path).read_bytes())
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<L", data, local + 22, declared)
    struct.pack_into("<L", data, central + 24, declared)
    Path(path).write_bytes(bytes(data))
    return path


def snapshot(root):
    """Every file and link below `root`: relative path -> bytes (or 'link -> target')."""
    root = Path(root)
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = f"link -> {os.readlink(path)}"
            elif path.is_file():
                found[rel] = path.read_bytes()
    return found
