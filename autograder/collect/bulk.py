"""Step 0: an LMS's bulk download given as the zip it came as is unpacked first.

A PATH that is a zip is a bulk download when its names say so (lms.py's
formats): submission_metadata.yml at its top or one folder down (Gradescope),
or most names at its top (or inside its one top folder) Moodle entries
(`<Full Name>_<id>_assignsubmission_...`, files or folders) or, with no
folder among them, Canvas files (`<name>_<user id>_<submission id>_<file>`).
Any other zip, `jdoe.zip` among them (notebooks and a cs231n/ folder), is one
student's submission, as before; so is every zip under --format plain or
regex.

The download is built by the LMS but its names are the students', so it is
opened as hostile, like a submission (unzip.extract_download): into a private
folder inside DIR (removed when collect ends, whatever happens), no path may
leave it, links and devices are refused, sizes are checked declared and
counted. Each member may hold what one submission may (--max-total-mb, the
size of one student's zip); the download as a whole at most --max-download-mb
(default 4 GB: 400 students of 10 MB) and 100,000 members. A finding about a
member refuses that student's entry only (reported by its name in the
download; the others are collected). A download that cannot be read, or is
over the whole-download limits, stops collect with a CollectError naming it,
before anything is collected. A zip whose directory cannot be read is taken
for a download when its first entry has a download's name.

The unpacked folder is then read exactly as the unzipped download would be:
the same format detection, roster, times (a zip entry's newest member, never
the time the download's own entry carries: the folder case reads none either)
and duplicates. Reports name `<download>.zip/<entry>` instead of the private
folder.
"""

import shutil
import struct
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from .lms import CANVAS, GRADESCOPE_METADATA, MOODLE
from .problems import CollectError, Problem, show
from .unzip import Limits, UnsafeZip, extract_download, member_names, member_parts

#: The prefix of the private folder inside DIR where bulk downloads are unpacked.
DOWNLOAD_PREFIX = ".collect-download-"
#: How many members a bulk download may hold.
DOWNLOAD_MEMBERS = 100_000


def download_limits(limits):
    """The Limits of a bulk download: a submission's total per member, the download's in all."""
    return Limits(
        max_file=max(limits.max_file, limits.max_total),
        max_total=limits.max_download,
        max_members=max(DOWNLOAD_MEMBERS, limits.max_members),
    )


def recognise(zip_path, limits):
    """(format, root parts) when the zip `zip_path` is a bulk download, else None.

    Raises CollectError when it looks like one (its first entry's name) but
    its directory cannot be read.
    """
    try:
        names = member_names(zip_path, limits)
    except UnsafeZip as e:
        first = _first_name(zip_path)
        if first and _shape([first]):
            raise CollectError(
                f"{show(zip_path)} looks like an LMS's bulk download (its first entry is "
                f"{show(first, quote=True)}) but cannot be read as a zip ({e}): download it "
                "again; nothing was collected"
            ) from None
        return None
    return _shape(names)


def _shape(names):
    """(format, root parts) of a download's member names, or None."""
    paths = []
    for name in names:
        try:
            parts = member_parts(name)
        except ValueError:
            continue  # refused when unpacked, named in the report
        if parts and not _junk(parts):
            paths.append(parts)
    tops = {parts[0] for parts in paths}
    if (GRADESCOPE_METADATA,) in paths:
        return "gradescope", ()
    if len(tops) == 1 and (*tops, GRADESCOPE_METADATA) in paths:
        return "gradescope", tuple(tops)
    roots = [()] + ([tuple(tops)] if len(tops) == 1 else [])
    for root in roots:
        below = [parts[len(root) :] for parts in paths if len(parts) > len(root)]
        heads = {rest[0] for rest in below}
        if not heads:
            continue
        if _most(MOODLE, heads):
            return "moodle", root
        folders = {rest[0] for rest in below if len(rest) > 1}
        if not folders and _most(CANVAS, heads):
            return "canvas", root
    return None


def _most(pattern, names):
    """Do more than half of `names` match `pattern` (a download may hold a stray file)?"""
    return 2 * sum(1 for name in names if pattern.fullmatch(name)) > len(names)


def _junk(parts):
    from .lms import is_junk_name

    return parts[0] == "__MACOSX" or is_junk_name(parts[-1])


def _first_name(zip_path):
    """The name of the zip's first local entry (read from its header), or None."""
    try:
        with open(zip_path, "rb") as f:
            header = f.read(30)
            if len(header) < 30 or header[:4] != b"PK\x03\x04":
                return None
            length = struct.unpack("<H", header[26:28])[0]
            return f.read(length).decode("utf-8", errors="replace") or None
    except OSError:
        return None


@contextmanager
def unpacked(paths, fmt, limits, course):
    """Yield (PATHs with each bulk download replaced by its unpacked folder, problems, shown).

    `shown(text)` rewrites the private folder's paths in a path or a message
    back to `<download>/<entry>`. The private folder is removed on leaving.
    Raises CollectError naming a download that cannot be read or is over the
    limits (before anything is collected).
    """
    paths = [Path(p) for p in paths]
    found, aliases = [], {}
    if fmt not in ("plain", "regex"):
        seen = {}
        for path in paths:
            if path.is_file() and path.name.lower().endswith(".zip"):
                file_id = (path.stat().st_dev, path.stat().st_ino)
                if file_id in seen:  # a download given twice is unpacked once
                    aliases[path] = seen[file_id]
                    continue
                shape = recognise(path, download_limits(limits))
                if shape:
                    seen[file_id] = path
                    found.append((path, *shape))
    if not found:
        yield paths, [], str
        return
    private = Path(tempfile.mkdtemp(prefix=DOWNLOAD_PREFIX, dir=course))
    try:
        places, problems = {}, []
        for number, (path, kind, root) in enumerate(found):
            dest = private / f"{number}.d"  # "/1.d" is in no "/11.d": see shown
            problems += _unpack(path, dest, kind, root, limits)
            places[path] = dest.joinpath(*root)
            places[path].mkdir(parents=True, exist_ok=True)  # every entry refused: none left
        where = {str(private / f"{n}.d"): str(path) for n, (path, _, _) in enumerate(found)}

        def shown(text):
            text = str(text)
            for inside, download in where.items():
                text = text.replace(inside, download)
            return text

        yield [places.get(aliases.get(path, path), path) for path in paths], problems, shown
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _unpack(path, dest, kind, root, limits):
    """Unpack the download `path` into `dest`; the Problems of the entries refused."""
    depth = len(root) + 1

    def unit_of(parts):
        return tuple(parts[:depth])

    try:
        findings, _ = extract_download(path, dest, unit_of, download_limits(limits))
    except UnsafeZip as e:
        raise CollectError(
            f"{show(path)} (a bulk download) is refused: {e}; nothing was collected"
        ) from None
    if kind == "gradescope" and not dest.joinpath(*root, GRADESCOPE_METADATA).is_file():
        raise CollectError(
            f"{show(path)}: its {GRADESCOPE_METADATA} is refused; nothing was collected"
        )
    return [
        Problem(str(path), None, f"{message}; this entry of the download is not collected", True, m)
        for m, message in findings
    ]


def shown_problem(problem, shown):
    """`problem` with the private folder's paths rewritten by `shown`."""
    return replace(problem, path=shown(problem.path), message=shown(problem.message))
