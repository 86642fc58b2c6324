"""Step 2: open a submission zip and extract the files wanted, safely, within limits.

A zip comes from a student and is treated as hostile. In order:

  1. Before the zip is parsed, its end record is read: a zip declaring more
     members than `max_members`, or a central directory too big for that many,
     is refused (parsing a huge directory is itself a way to exhaust memory).
  2. The zip is opened; one that is corrupt, truncated or no zip at all is
     refused. So is one holding more than `max_members` members.
  3. Every member's path is read as a relative POSIX path ('\\' counts as '/',
     '.' and empty parts are dropped). A path that is absolute (`/x`, `C:x`) or
     climbs with `..` refuses the whole zip, wherever it sits: no honest tool
     makes one.
  4. When every file sits under one top folder (`convnets/...`, `jdoe/...`),
     it is stripped, as students zip by hand; never when that folder is one a
     submission holds at its root (`cs231n/`). macOS's `__MACOSX/`, `.DS_Store`,
     `._*` and Windows' `Thumbs.db`, `desktop.ini` are junk: never taken, never
     reported.
  5. The caller's `wanted(path)` says which members are taken. A taken member
     must be a regular file (a symbolic link or a device is refused, since it
     would stand for the file), unencrypted, compressed in a way Python reads,
     present once, and declare at most `max_file` bytes, all taken members at
     most `max_total`. Members not taken are never decompressed: they are only
     listed (a link among them as a link), for the caller to report.
  6. Taken members are written below `dest`, which must be a fresh folder:
     every folder on the way is created here and every file is created new
     (O_EXCL, O_NOFOLLOW), so nothing is written through a link. The bytes
     are counted while they are decompressed and extraction stops one byte
     past a limit or past the size the member declared (a lying header).

Every refusal raises UnsafeZip with the findings, each naming its member.

A submission an LMS hands over as a folder (Gradescope's export, Moodle's
"in folders" download) goes through the same steps with `extract_folder`: its
entries are listed without following links (a link is a "link" member, refused
when taken), at most `max_members` of them, and the files taken are copied with
the same limits, opened without following a link.

`newest_entry_time(zip)` is when the zip's newest file was last modified, for a
submission whose LMS gives no time: the UTC time the zip's extended-timestamp
field records when the tool that made it wrote one (Info-ZIP's `zip` does),
else the member's DOS date and time, which carry no time zone and are taken as
UTC.
"""

import contextlib
import io
import os
import re
import shutil
import stat
import struct
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

MB = 1024 * 1024

#: Compression methods Python's zipfile decompresses (others: refused by name).
SUPPORTED = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}
KNOWN_METHODS = {9: "Deflate64 (Windows Explorer's, for big files)", 99: "AES encryption"}
#: What operating systems add to a zip made by hand.
JUNK_TOP = {"__MACOSX"}
JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
#: A central directory entry is 46 bytes plus its name, extra field and comment:
#: more than this per declared member on average is not an honest zip.
DIRECTORY_BYTES_PER_MEMBER = 1024
#: How many findings one refused zip reports before "and N more".
MAX_FINDINGS = 10
CHUNK = 64 * 1024

_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Limits:
    """How much one submission may hold (defaults: 20 MB per file, 50 MB taken, 2000 members).

    `max_download` bounds a whole bulk download given as a zip (bulk.py).
    """

    max_file: int = 20 * MB  # uncompressed bytes of one taken member
    max_total: int = 50 * MB  # uncompressed bytes of all taken members together
    max_members: int = 2000  # members in the zip, taken or not
    max_download: int = 4096 * MB  # uncompressed bytes of a bulk download's zip

    def __post_init__(self):
        for name in ("max_file", "max_total", "max_members", "max_download"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive integer, not {value!r}")


class UnsafeZip(Exception):
    """The zip was refused; `findings` are (member or None, message) pairs, member names raw."""

    def __init__(self, findings):
        self.findings = list(findings)
        super().__init__("; ".join(message for _, message in self.findings))


@dataclass(frozen=True)
class Member:
    """One member of the zip: its name in the zip, its path once a top folder is stripped."""

    name: str
    rel: str  # "" for the stripped top folder itself
    kind: str  # "file", "dir", "link" or "special"
    junk: bool = False


@dataclass
class Extraction:
    """What `extract` did: the stripped top folder, the members written, the members left."""

    top: object = None  # "jdoe" when every member sat under jdoe/, else None
    taken: list = field(default_factory=list)  # Members written below dest, in zip order
    skipped: list = field(default_factory=list)  # Members not taken (junk and folders excluded)
    undecodable: list = field(default_factory=list)  # names flagged UTF-8 that are not (shown)


def size_text(n):
    """A byte count as people read it: 512 bytes, 20 MB, 1.5 GB."""
    if n < 1024:
        return f"{n} bytes"
    for unit, scale in (("GB", 1024**3), ("MB", MB), ("kB", 1024)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    raise AssertionError(n)


def member_parts(name):
    """The parts of a member's relative path; raises ValueError when it is absolute or climbs."""
    text = name.replace("\\", "/")
    if text.startswith("/") or _DRIVE.match(text):
        raise ValueError("its path is absolute: it would be written outside the submission")
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ValueError("its path climbs out of the submission with '..'")
    return tuple(parts)


def member_kind(info):
    """'dir', 'file', 'link' or 'special' (a device, a fifo, a socket), from the Unix mode bits."""
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return "link"
    if info.is_dir() or kind == stat.S_IFDIR:
        return "dir"
    if kind in (0, stat.S_IFREG):
        return "file"
    return "special"


def declared_size(path):
    """(members, central directory bytes) the zip's end record declares, or None if unreadable.

    Reads only the end of the file (Zip64 records included), without parsing
    the central directory itself.
    """
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        start = max(0, size - (22 + 0xFFFF))
        f.seek(start)
        tail = f.read()
        pos = tail.rfind(b"PK\x05\x06")
        if pos < 0 or len(tail) - pos < 22:
            return None
        fields = struct.unpack("<4s4H2LH", tail[pos : pos + 22])
        members, directory = fields[4], fields[5]
        if members != 0xFFFF and directory != 0xFFFFFFFF:
            return members, directory
        # Zip64: the locator (20 bytes) just before the end record gives the Zip64 record.
        if pos < 20:
            return None
        sig, _, offset, _ = struct.unpack("<4sLQL", tail[pos - 20 : pos])
        if sig != b"PK\x06\x07":
            return None
        for where in (offset, start + pos - 20 - 56):
            if 0 <= where <= size - 56:
                f.seek(where)
                record = f.read(56)
                if record[:4] == b"PK\x06\x06":
                    fields = struct.unpack("<4sQ2H2L4Q", record)
                    return fields[7], fields[8]
        return None


@contextlib.contextmanager
def _opened(zip_path, limits):
    """Steps 1 and 2 of every reading of a zip: yields (ZipFile, its infos, undecodable
    names as _readable_names gives them) once the end record is checked and the members
    counted. Any error met reading it, here or in the block, is raised as the UnsafeZip
    that says so (an UnsafeZip as it is): zipfile, struct and zlib fail on a corrupt
    archive in many ways."""
    _check_end_record(zip_path, limits)
    try:
        source, undecodable = _readable_names(zip_path)
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
            if len(infos) > limits.max_members:
                raise UnsafeZip([(None, _too_many(len(infos), limits))])
            yield zf, infos, undecodable
    except UnsafeZip:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
        struct.error,
    ) as e:
        raise UnsafeZip([(None, f"is not a readable zip file ({_reason(e)})")]) from None
    except OSError as e:
        raise UnsafeZip([(None, f"cannot be read ({_reason(e)})")]) from None


def extract(zip_path, dest, wanted, limits=None, keep_top=()):
    """Extract the members `wanted(rel)` accepts from `zip_path` into the folder `dest`.

    `dest` must not exist yet (it is created). `keep_top` are folder names a
    submission holds at its root: a single top folder of that name is not
    stripped. Returns an Extraction; raises UnsafeZip when the zip is refused
    (what was written below `dest` by then is the caller's to remove).
    """
    limits = limits or Limits()
    with _opened(zip_path, limits) as (zf, infos, undecodable):
        members, top = _read_members(infos, keep_top)
        unwanted = {info.filename for info in infos if info.orig_filename in undecodable}
        plan, result = _plan(
            infos, members, top, lambda rel: rel not in unwanted and wanted(rel), limits
        )
        result.undecodable = sorted(undecodable.values())
        result.skipped = [m for m in result.skipped if m.name not in unwanted]
        _write(zf.open, plan, Path(dest), limits)
    result.taken = [member for _, member in plan]
    return result


def extract_folder(folder, dest, wanted, limits=None, keep_top=()):
    """`extract` for a submission that is a folder: the same steps, limits and Extraction.

    Entries are listed without following links; the files taken are opened
    with O_NOFOLLOW and must still be regular files when read.
    """
    limits = limits or Limits()
    folder = Path(folder)
    infos = _folder_infos(folder, limits)
    members, top = _read_members(infos, keep_top)
    plan, result = _plan(infos, members, top, wanted, limits)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)

    def open_member(info):
        fd = os.open(folder / info.filename, flags)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise OSError(f"{info.filename} changed into something that is not a file")
        return os.fdopen(fd, "rb")

    _write(open_member, plan, Path(dest), limits)
    result.taken = [member for _, member in plan]
    return result


def _folder_infos(folder, limits):
    """A ZipInfo-like record per entry below `folder`, links not followed, at most max_members."""
    infos, pending = [], [""]
    try:
        while pending:
            rel = pending.pop()
            for entry in sorted(os.scandir(folder / rel if rel else folder), key=lambda e: e.name):
                name = f"{rel}/{entry.name}" if rel else entry.name
                st = entry.stat(follow_symlinks=False)
                info = zipfile.ZipInfo(name + ("/" if stat.S_ISDIR(st.st_mode) else ""))
                info.external_attr = (st.st_mode & 0xFFFF) << 16
                info.file_size = st.st_size if stat.S_ISREG(st.st_mode) else 0
                info.compress_type = zipfile.ZIP_STORED
                infos.append(info)
                if len(infos) > limits.max_members:
                    raise UnsafeZip([(None, _too_many(len(infos), limits, "at least "))])
                if stat.S_ISDIR(st.st_mode):
                    pending.append(name)
    except OSError as e:
        raise UnsafeZip([(None, f"cannot be read ({_reason(e)})")]) from None
    return infos


def newest_entry_time(zip_path, limits=None):
    """When the zip's newest file (junk aside) was last modified, as a UTC datetime, or None.

    None when the zip cannot be read or holds no dated file: extraction then
    reports what is wrong with it.
    """
    limits = limits or Limits()
    try:
        _check_end_record(zip_path, limits)
        source, _ = _readable_names(zip_path)
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
    except Exception:
        return None
    times = []
    for info in infos[: limits.max_members]:
        try:
            parts = member_parts(info.filename)
        except ValueError:
            continue
        if info.is_dir() or _is_junk(parts):
            continue
        when = _extended_mtime(info.extra)
        if when is None:
            try:
                when = datetime(*info.date_time, tzinfo=timezone.utc)
            except ValueError:
                continue
        times.append(when)
    return max(times, default=None)


def _extended_mtime(extra):
    """The UTC modification time of a zip extra field's extended timestamp (0x5455), if any."""
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack("<HH", extra[pos : pos + 4])
        body = extra[pos + 4 : pos + 4 + size]
        if tag == 0x5455 and len(body) >= 5 and body[0] & 1:
            seconds = struct.unpack("<l", body[1:5])[0]
            try:
                return datetime.fromtimestamp(seconds, timezone.utc)
            except (OverflowError, OSError, ValueError):
                return None
        pos += 4 + size
    return None


def _readable_names(zip_path):
    """(what to open with zipfile, {name: shown}) where no member name fails to decode.

    A member whose name is flagged UTF-8 (general purpose bit 11) but is not
    makes zipfile refuse the whole zip. Then the zip is read into memory and
    the flag of those members cleared in the central directory, so their names
    decode as CP437 (zipfile's default); they are returned, name as zipfile
    now reads it -> the raw name shown with escapes, for the caller to leave
    out and report. Otherwise the path itself and {}.
    """
    try:
        zipfile.ZipFile(zip_path).close()
        return zip_path, {}
    except UnicodeDecodeError:
        pass
    data = bytearray(Path(zip_path).read_bytes())
    end = data.rfind(b"PK\x05\x06")
    if end < 0 or len(data) - end < 22:
        raise zipfile.BadZipFile("a member name is not valid UTF-8, and no end record")
    count, _, offset = struct.unpack("<2xHLL", data[end + 8 : end + 20])
    bad, pos = {}, offset
    for _ in range(count):
        if data[pos : pos + 4] != b"PK\x01\x02":
            raise zipfile.BadZipFile("a member name is not valid UTF-8, and a bad directory")
        flags = struct.unpack("<H", data[pos + 8 : pos + 10])[0]
        name_len, extra_len, comment_len = struct.unpack("<3H", data[pos + 28 : pos + 34])
        raw = bytes(data[pos + 46 : pos + 46 + name_len])
        if flags & 0x800:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                struct.pack_into("<H", data, pos + 8, flags & ~0x800)
                bad[raw.decode("cp437")] = raw.decode("utf-8", errors="backslashreplace")
        pos += 46 + name_len + extra_len + comment_len
    return io.BytesIO(bytes(data)), bad


def _check_end_record(zip_path, limits):
    try:
        declared = declared_size(zip_path)
    except OSError as e:
        raise UnsafeZip([(None, f"cannot be read ({_reason(e)})")]) from None
    if declared is None:
        return  # zipfile says what is wrong with it
    members, directory = declared
    if members > limits.max_members:
        raise UnsafeZip([(None, _too_many(members, limits))])
    if directory > limits.max_members * DIRECTORY_BYTES_PER_MEMBER:
        raise UnsafeZip(
            [
                (
                    None,
                    f"its central directory takes {size_text(directory)}, more than "
                    f"{limits.max_members} honest members need: a forged or bloated zip",
                )
            ]
        )


def _too_many(count, limits, at_least=""):
    return (
        f"holds {at_least}{count} members, more than the limit of {limits.max_members} (a zip of a "
        "whole folder or a zip bomb?); raise --max-members if it is genuine"
    )


def _reason(error):
    return str(getattr(error, "strerror", None) or error) or type(error).__name__


def _is_junk(parts):
    name = parts[-1] if parts else ""
    return bool(parts) and (parts[0] in JUNK_TOP or name in JUNK_NAMES or name.startswith("._"))


def _read_members(infos, keep_top):
    """A Member per zip member, and the top folder stripped (steps 3 and 4)."""
    findings, parsed = [], []
    for info in infos:
        try:
            parts = member_parts(info.filename)
        except ValueError as e:
            findings.append((info.filename, str(e)))
            continue
        parsed.append((info, parts, member_kind(info), _is_junk(parts)))
    if findings:
        raise UnsafeZip(_capped(findings))
    top = []
    while True:
        files = [parts for _, parts, kind, junk in parsed if kind != "dir" and not junk]
        heads = {parts[0] for parts in files}
        if len(heads) != 1 or any(len(parts) < 2 for parts in files):
            break
        head = heads.pop()
        if head in keep_top:
            break
        top.append(head)
        parsed = [
            (info, parts[1:] if parts[:1] == (head,) and not junk else parts, kind, junk)
            for info, parts, kind, junk in parsed
        ]
    members = [
        Member(info.filename, "/".join(parts), kind, junk) for info, parts, kind, junk in parsed
    ]
    return members, ("/".join(top) or None)


def _plan(infos, members, top, wanted, limits):
    """Which members to write (step 5): [(ZipInfo, Member)], and the Extraction to fill."""
    result = Extraction(top=top)
    findings, plan, seen, total = [], [], set(), 0
    for info, member in zip(infos, members, strict=True):
        if member.junk or member.kind == "dir" or not member.rel:
            continue
        if not wanted(member.rel):
            result.skipped.append(member)
            continue
        problem = None
        if member.kind == "link":
            problem = "is a symbolic link, not a file: refused (it could point anywhere)"
        elif member.kind == "special":
            problem = "is a device, fifo or socket, not a file"
        elif info.flag_bits & 0x1:
            problem = "is encrypted: ask for a zip without a password"
        elif info.compress_type not in SUPPORTED:
            method = KNOWN_METHODS.get(info.compress_type, f"method {info.compress_type}")
            problem = (
                f"is compressed with {method}, which cannot be read here: ask for a zip made "
                "with collect_submission.sh"
            )
        elif member.rel in seen:
            problem = f"appears twice in the zip (as {member.rel})"
        elif info.file_size > limits.max_file:
            problem = (
                f"declares {size_text(info.file_size)} uncompressed, over the limit of "
                f"{size_text(limits.max_file)} per file (a zip bomb?); raise --max-file-mb if "
                "it is genuine"
            )
        if problem:
            findings.append((member.name, problem))
            continue
        seen.add(member.rel)
        total += info.file_size
        plan.append((info, member))
    if not findings and total > limits.max_total:
        findings.append(
            (
                None,
                f"its files declare {size_text(total)} uncompressed in all, over the limit of "
                f"{size_text(limits.max_total)} (a zip bomb?); raise --max-total-mb if it is "
                "genuine",
            )
        )
    if findings:
        raise UnsafeZip(_capped(findings))
    return plan, result


def _capped(findings):
    if len(findings) <= MAX_FINDINGS:
        return findings
    more = len(findings) - MAX_FINDINGS
    return [*findings[:MAX_FINDINGS], (None, f"and {more} more findings like these")]


class LimitExceeded(Exception):
    """copy_counted read more bytes than allowed; `count` is how many it had read."""

    def __init__(self, count):
        self.count = count
        super().__init__(count)


def copy_counted(src, dst, allowed):
    """Copy `src` to `dst`, at most `allowed` bytes; return the count.

    Raises LimitExceeded as soon as byte `allowed + 1` arrives (the bytes up to
    the limit are written, that one is not): a stream that lies about its size
    is read one byte too far at most.
    """
    count = 0
    while True:
        chunk = src.read(min(CHUNK, allowed - count + 1))
        if not chunk:
            return count
        if count + len(chunk) > allowed:
            dst.write(chunk[: allowed - count])
            raise LimitExceeded(count + len(chunk))
        count += len(chunk)
        dst.write(chunk)


def _write(open_member, plan, dest, limits):
    """Write the planned members below `dest` (step 6), counting the bytes.

    `open_member(info)` gives a member's bytes as a file object.
    """
    dest.mkdir()
    total = 0
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for info, member in plan:
        target = dest.joinpath(*member.rel.split("/"))
        try:
            for parent in reversed(target.relative_to(dest).parents[:-1]):
                folder = dest / parent
                if folder.is_symlink() or not folder.is_dir():
                    folder.mkdir()  # fails on anything already there but a real folder
            out = os.fdopen(os.open(target, flags, 0o644), "wb")
        except OSError as e:
            raise UnsafeZip([(member.name, f"cannot be written ({_reason(e)})")]) from None
        allowed = min(info.file_size, limits.max_file, limits.max_total - total)
        try:
            with out, open_member(info) as src:
                total += copy_counted(src, out, allowed)
        except LimitExceeded:
            raise UnsafeZip([(member.name, _overflow(info, limits, total))]) from None
        except Exception as e:  # zipfile, zlib, bz2 and lzma each raise their own on bad data
            raise UnsafeZip(
                [
                    (
                        member.name,
                        "is damaged: its data cannot be extracted (a corrupt or truncated zip: "
                        f"{type(e).__name__}: {_reason(e)})",
                    )
                ]
            ) from None


def _overflow(info, limits, total):
    if info.file_size < min(limits.max_file, limits.max_total - total):
        return (
            f"holds more data than the {size_text(info.file_size)} its header declares "
            "(a forged zip bomb): extraction stopped"
        )
    if limits.max_file <= limits.max_total - total:
        return f"is over the limit of {size_text(limits.max_file)} per file: extraction stopped"
    return (
        f"brings the files past the limit of {size_text(limits.max_total)} in all: "
        "extraction stopped"
    )


def member_names(zip_path, limits):
    """The names of the zip's members (steps 1 and 2 only); raises UnsafeZip when refused."""
    with _opened(zip_path, limits) as (_, infos, _):
        return [info.filename for info in infos]


def extract_download(zip_path, dest, unit_of, limits):
    """Extract an LMS's bulk download `zip_path` below the new folder `dest`, one submission apart.

    The same steps as `extract`, with one difference: a finding about a member
    refuses only its submission, `unit_of(parts)` (the parts of the path naming
    the submission it belongs to: ("jdoe_12_34_a.zip",), ("export", "submission_1")),
    whose files are then removed; the others are extracted. `limits.max_file`
    bounds each member, `limits.max_total` and `limits.max_members` the whole
    download. Every member is taken (junk and folders aside) and no top folder
    is stripped. Returns the findings, (member, message) pairs, and the refused
    units; raises UnsafeZip when the download itself is refused (corrupt, too
    many members, too much in all).
    """
    with _opened(zip_path, limits) as (zf, infos, undecodable):
        findings, refused, plan = _plan_download(infos, undecodable, unit_of, limits)
        dest = Path(dest)
        dest.mkdir()
        for info, parts, unit in plan:
            if unit in refused:
                continue
            problem = _write_one(zf.open, info, dest.joinpath(*parts), limits)
            if problem:
                findings.append((info.filename, problem))
                refused.add(unit)
    for unit in refused:
        if unit:
            _remove(dest.joinpath(*unit))
    return findings, refused


def _plan_download(infos, undecodable, unit_of, limits):
    """([(member, message)], {refused unit}, [(ZipInfo, parts, unit)] to write) for a download."""
    findings, refused, plan, seen = [], set(), [], set()
    for info in infos:
        try:
            parts = member_parts(info.filename)
        except ValueError as e:
            loose = [p for p in info.filename.replace("\\", "/").split("/") if p not in ("", ".")]
            head = tuple(loose[: loose.index("..")] if ".." in loose else ())
            findings.append((info.filename, str(e)))
            refused.add(unit_of(head) if head else None)
            continue
        if info.is_dir() or member_kind(info) == "dir" or _is_junk(parts):
            continue
        unit = unit_of(parts)
        problem = None
        if info.orig_filename in undecodable:
            problem = "its name is flagged UTF-8 but is not: it cannot be written as named"
        elif member_kind(info) == "link":
            problem = "is a symbolic link, not a file: refused (it could point anywhere)"
        elif member_kind(info) == "special":
            problem = "is a device, fifo or socket, not a file"
        elif info.flag_bits & 0x1:
            problem = "is encrypted"
        elif info.compress_type not in SUPPORTED:
            method = KNOWN_METHODS.get(info.compress_type, f"method {info.compress_type}")
            problem = f"is compressed with {method}, which cannot be read here"
        elif parts in seen:
            problem = "appears twice in the download"
        elif info.file_size > limits.max_file:
            problem = (
                f"declares {size_text(info.file_size)} uncompressed, over the limit of "
                f"{size_text(limits.max_file)} for one file of a bulk download (a zip bomb?); "
                "raise --max-total-mb if it is genuine"
            )
        name = undecodable.get(info.orig_filename, info.filename)
        if problem:
            findings.append((name, problem))
            refused.add(unit)
            continue
        seen.add(parts)
        plan.append((info, parts, unit))
    total = sum(info.file_size for info, _, unit in plan if unit not in refused)
    if total > limits.max_total:
        raise UnsafeZip(
            [
                (
                    None,
                    f"its files declare {size_text(total)} uncompressed in all, over the limit "
                    f"of {size_text(limits.max_total)} for a bulk download; raise "
                    "--max-download-mb if it is genuine",
                )
            ]
        )
    refused.discard(None)
    return findings, refused, plan


def _write_one(open_member, info, target, limits):
    """Write one member at `target`, a new file; None, or why it was not written.

    Only regular files and folders are ever made below a download's `dest`, so
    no link stands on the way.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = os.fdopen(os.open(target, flags, 0o644), "wb")
    except OSError as e:
        return f"cannot be written ({_reason(e)})"
    try:
        with out, open_member(info) as src:
            copy_counted(src, out, min(info.file_size, limits.max_file))
    except LimitExceeded:
        return (
            f"holds more data than the {size_text(info.file_size)} its header declares "
            "(a forged zip bomb): extraction stopped"
        )
    except Exception as e:  # zipfile, zlib, bz2 and lzma each raise their own on bad data
        return f"is damaged: its data cannot be extracted ({type(e).__name__}: {_reason(e)})"
    return None


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.remove(path)
