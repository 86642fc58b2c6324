"""Step 5: zip the release for distribution, reproducibly: same files in, same bytes out.

Entries are the release's files under one top folder (`convnets/...`, so
unzipping makes one folder), in sorted order of their paths, each dated
1980-01-01 00:00 (the earliest date a zip can hold), owned by no one, with
mode 644 (755 for shell scripts, so `./collect_submission.sh` runs), and
deflated at a fixed level. Nothing of the machine or the moment it was built
on goes in.
"""

import os
import stat
from pathlib import Path

from ..zips import EARLIEST_DATE, write_reproducible
from .errors import ReleaseError

FIXED_DATE = EARLIEST_DATE  # 1980-01-01 00:00
COMPRESSLEVEL = 9
#: The zip's comment: the generated-file header of an archive, for the student who unzips it.
COMMENT = "{top}: GENERATED for this assignment (convkit); start with {top}/README.md."


def entries(root):
    """The (archive-relative path, file) pairs of `root`, in sorted order; refuses links."""
    root = Path(root)
    found = []
    for path in root.rglob("*"):
        if path.is_symlink():
            raise ReleaseError(f"{path}: a symbolic link cannot go into the release zip")
        if path.is_file():
            found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def write_zip(root, zip_path, top):
    """Write the files of folder `root` into `zip_path` under `top/`; return `zip_path`."""
    zip_path = Path(zip_path)
    partial = zip_path.with_name(zip_path.name + ".partial")
    members = (
        (f"{top}/{rel}", path.read_bytes(), stat.S_IFREG | _mode(rel))
        for rel, path in entries(root)
    )
    write_reproducible(
        partial,
        members,
        date_time=FIXED_DATE,
        compresslevel=COMPRESSLEVEL,
        comment=COMMENT.format(top=top),
    )
    os.replace(partial, zip_path)
    return zip_path


def _mode(rel):
    """644, or 755 for a shell script (so `./collect_submission.sh` runs)."""
    return 0o755 if rel.endswith(".sh") else 0o644
