"""Zips that are the same bytes for the same files: the release, the references, the demo's.

`write_reproducible(target, members)` writes each member in the order given,
all with one date, made by Unix with the mode the caller gives, deflated at a
fixed level (a symbolic link stored as is, as `zip --symlinks` stores it).
Nothing of the machine or the moment it runs on goes in, so writing the same
members again gives the same bytes and git sees nothing to commit.

Its users: the release zip (release/archive.py), the reference files
(refs/store.py, an .npz is a zip of .npy files) and the fabricated
submissions of the demo (demo/fabricate.py). The demo's zip bomb is written
by hand beside it (demo/recipes.py, bomb_zip_bytes): zipfile would take seconds to
deflate its gibibyte.
"""

import stat
import zipfile

#: The earliest date a zip entry can carry (1980-01-01 00:00; zips store no time zone).
EARLIEST_DATE = (1980, 1, 1, 0, 0, 0)
#: The mode of a plain file readable by everyone.
FILE_MODE = stat.S_IFREG | 0o644


def write_reproducible(target, members, *, date_time=EARLIEST_DATE, compresslevel=None, comment=""):
    """Write `members` into a new zip, the same bytes for the same members.

    Inputs:
    - target: a path, or a binary file open for writing (an io.BytesIO)
    - members: (name, data, mode) triples, in the order they go in: the
      entry's name, its bytes, and the mode it carries (FILE_MODE for a plain
      file; stat.S_IFLNK | 0o777 for a symbolic link, whose data is the path
      it points to, stored uncompressed)
    - date_time: the date of every entry, (year, month, day, hour, minute, second)
    - compresslevel: zlib's level for deflated entries (None: zlib's default)
    - comment: the zip's comment
    """
    with zipfile.ZipFile(target, "w") as archive:
        if comment:
            archive.comment = comment.encode()
        for name, data, mode in members:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.create_system = 3  # Unix, so the mode below is honoured
            info.external_attr = mode << 16
            if stat.S_ISLNK(mode):
                info.compress_type = zipfile.ZIP_STORED
                archive.writestr(info, data)
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data, compresslevel=compresslevel)


__all__ = ["EARLIEST_DATE", "FILE_MODE", "write_reproducible"]
