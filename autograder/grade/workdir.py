"""The folder a submission's code runs in: the release, with only the student's files swapped in.

A submission holds the whole package (collect_submission.sh zips every .py
file of cs231n/) and the notebooks. Only some of those files are the
student's work; the rest are provided, and a student who edits a provided file
(fast_layers.py, to make the naive layers look right; checks.py, to pass every
check) must change nothing. So the folder is built the other way round:

  1. Copy the release's provided files: the package and reference/ (the
     saved reference outputs the package reads), and the notebooks.
  2. Over them, take from the submission ONLY the student files: the package
     files whose header holds the line `headers.STUDENT_WORK` (today
     cs231n/layers.py, classifiers/cnn.py, optim.py and solver.py) and the
     notebooks. Each is read without following a symbolic link anywhere on its
     path, must be a regular file, and must be under a size cap. A student file
     that is missing, or refused, stays the release's copy (the stub raises
     NotImplementedError, so its cases score 0 and say "not implemented").
  3. Compare the submission's copy of every provided file with the release's:
     an edited one is ignored, and reported, so the instructor can see
     "edited provided file cs231n/fast_layers.py (ignored)". Files that are
     not part of the release at all (a new module, a sitecustomize.py) are
     never copied, and reported too.

`assemble` returns an Assembly saying what was taken, missing, refused,
ignored and extra; its `flags` are one line each, for the grading result.
"""

import errno
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths
from ..release.headers import STUDENT_WORK

#: The largest student .py file taken, in bytes.
MAX_SOURCE_BYTES = 1 * 1024 * 1024
#: The largest notebook taken, in bytes (outputs with images can be large).
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
#: How many lines at the top of a package file may hold the header.
HEADER_LINES = 12
#: At most this many entries of a submission are looked at when reporting extra files.
MAX_SCANNED = 5000
#: The release folders copied into the workdir besides the package.
PROVIDED_FOLDERS = ("reference",)

_SKIP = {"__pycache__", ".ipynb_checkpoints"}


class WorkdirError(Exception):
    """The workdir cannot be built (the release is incomplete, or dest is in use)."""


@dataclass(frozen=True)
class StudentFiles:
    """The files of a release that are the student's work, as paths relative to it."""

    package: tuple  # "cs231n/layers.py", ...
    notebooks: tuple  # "ConvolutionalNetworks.ipynb", ...

    @property
    def all(self):
        return self.package + self.notebooks


@dataclass
class Assembly:
    """What `assemble` did, path by path (relative to the release / submission).

    - dest: the workdir
    - taken: student files copied from the submission
    - missing: student files the submission lacks (the release's copy stays)
    - refused: (path, reason) for student files not taken (a link, too large, ...)
    - ignored: provided files the student changed (the release's copy is used)
    - extra: files of the submission that the release does not have (never copied)
    """

    dest: Path
    taken: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    ignored: list = field(default_factory=list)
    extra: list = field(default_factory=list)

    @property
    def flags(self):
        """One line per finding worth an instructor's look."""
        lines = [f"edited provided file {path} (ignored)" for path in self.ignored]
        lines += [f"{path}: {reason}" for path, reason in self.refused]
        lines += [
            f"{path} was not submitted (the release's stub is used)"
            for path in self.missing
            if not path.endswith(".ipynb")  # missing notebooks are reported with the notebooks
        ]
        lines += [f"extra file {path} (not part of the release, not used)" for path in self.extra]
        return lines


def student_files(release_dir, package=paths.PACKAGE_DIR.name):
    """The student files of the release in `release_dir`: package files and notebooks.

    A package file is the student's when its generated header holds the line
    `autograder.release.headers.STUDENT_WORK`; every notebook at the top of
    the release is.
    """
    release_dir = Path(release_dir)
    root = release_dir / package
    if not (root / "__init__.py").is_file():
        raise WorkdirError(f"{release_dir} holds no package {package}/ (is it a release folder?)")
    files = []
    for path in sorted(root.rglob("*.py")):
        if _SKIP.intersection(path.relative_to(root).parts) or path.is_symlink():
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            head = [f.readline() for _ in range(HEADER_LINES)]
        if any(line.lstrip("# ").rstrip() == STUDENT_WORK for line in head):
            files.append(path.relative_to(release_dir).as_posix())
    if not files:
        raise WorkdirError(
            f"no file of {root} has the student-work header: was it made by "
            "`python -m autograder release`?"
        )
    notebooks = sorted(p.name for p in release_dir.glob("*.ipynb") if p.is_file())
    return StudentFiles(tuple(files), tuple(notebooks))


def assemble(release_dir, submission_dir, dest, package=paths.PACKAGE_DIR.name):
    """Build the workdir `dest` from the release and the student files of the submission.

    `dest` must not exist or be empty. Returns an Assembly. Raises
    WorkdirError when the release is not one; nothing a submission holds
    raises (a missing submission folder means every student file is missing).
    """
    release_dir, submission_dir, dest = Path(release_dir), Path(submission_dir), Path(dest)
    mine = student_files(release_dir, package)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise WorkdirError(f"{dest} exists and is not an empty folder")
    dest.mkdir(parents=True, exist_ok=True)
    assembly = Assembly(dest=dest)

    # 1. The release's provided files (and the stubs of the student files).
    provided = _copy_release(release_dir, dest, package, mine)

    # 2. The student files, from the submission.
    try:
        root_fd = os.open(submission_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        root_fd = None
    try:
        for rel in mine.all:
            limit = MAX_NOTEBOOK_BYTES if rel.endswith(".ipynb") else MAX_SOURCE_BYTES
            data, problem = _read_beneath(root_fd, rel, limit)
            if problem == "missing":
                assembly.missing.append(rel)
            elif problem:
                assembly.refused.append((rel, f"{problem} (the release's copy is used)"))
            else:
                (dest / rel).write_bytes(data)
                assembly.taken.append(rel)

        # 3. Provided files the student changed, and files the release does not have.
        for rel in _submitted_files(submission_dir):
            if rel in mine.all:
                continue
            if rel in provided:
                data, problem = _read_beneath(root_fd, rel, 4 * MAX_SOURCE_BYTES)
                release_copy = (release_dir / rel).read_bytes()
                if problem or _normalised(data) != _normalised(release_copy):
                    assembly.ignored.append(rel)
            elif _worth_reporting(rel, package):
                assembly.extra.append(rel)
    finally:
        if root_fd is not None:
            os.close(root_fd)
    return assembly


def _copy_release(release_dir, dest, package, mine):
    """Copy the package, reference/ and notebooks of the release; return the provided files."""
    provided = set()
    for folder in (package, *PROVIDED_FOLDERS):
        src = release_dir / folder
        if not src.is_dir():
            continue
        for path in sorted(src.rglob("*")):
            rel = path.relative_to(release_dir)
            if _SKIP.intersection(rel.parts) or path.is_symlink() or not path.is_file():
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            provided.add(rel.as_posix())
    for name in mine.notebooks:
        shutil.copyfile(release_dir / name, dest / name)
    return provided - set(mine.all)


def _read_beneath(root_fd, rel, limit):
    """(bytes, None), or (None, why not): `rel` under the folder `root_fd`, no link followed.

    Every component of the path is opened with O_NOFOLLOW, so a symbolic link
    anywhere on it (cs231n -> /etc, layers.py -> ~/.ssh/id_rsa) is refused
    instead of read. The file must be a regular file (not a FIFO, which
    would block, nor a device) of at most `limit` bytes.
    """
    if root_fd is None:
        return None, "missing"
    parts = rel.split("/")
    fd = os.dup(root_fd)
    try:
        for n, part in enumerate(parts):
            last = n == len(parts) - 1
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
            flags |= os.O_NONBLOCK if last else os.O_DIRECTORY
            try:
                new = os.open(part, flags, dir_fd=fd)
            except OSError as error:
                where = "/".join(parts[: n + 1])
                if error.errno == errno.ENOENT:
                    return None, "missing"
                if error.errno in (errno.ELOOP, errno.EMLINK, errno.ENOTDIR):
                    if _is_link(part, fd):
                        return None, f"{where} is a symbolic link (never followed)"
                    return None, f"{where} is not a folder"
                return None, f"cannot be read ({error.strerror})"
            os.close(fd)
            fd = new
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "is not a regular file"
        if info.st_size > limit:
            return None, f"is {info.st_size // 1024} KB, over the {limit // 1024} KB limit"
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                return None, f"is over the {limit // 1024} KB limit"
            chunks.append(chunk)
        return b"".join(chunks), None
    finally:
        os.close(fd)


def _is_link(name, dir_fd):
    try:
        return stat.S_ISLNK(os.lstat(name, dir_fd=dir_fd).st_mode)
    except OSError:
        return False


def _submitted_files(submission_dir):
    """Paths (relative, '/'-separated) of the regular files and links of a submission."""
    found = []
    if not Path(submission_dir).is_dir() or Path(submission_dir).is_symlink():
        return found
    for top, dirs, files in os.walk(submission_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP)
        for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            found.append(Path(top, name).relative_to(submission_dir).as_posix())
            if len(found) >= MAX_SCANNED:
                return found
    return found


def _worth_reporting(rel, package):
    """Whether a file the release lacks is worth a flag: code, or anything in the package."""
    return rel.startswith(f"{package}/") or rel.endswith((".py", ".pth")) or rel.endswith(".ipynb")


def _normalised(data):
    """Bytes compared for "edited": line endings do not count."""
    return None if data is None else data.replace(b"\r\n", b"\n")
