"""Step 2 of collect: a hostile zip is refused by name, a good one extracted within limits."""

import io
import zipfile

import pytest

from autograder.collect import unzip
from autograder.collect.unzip import (
    MB,
    LimitExceeded,
    Limits,
    UnsafeZip,
    copy_counted,
    declared_size,
    extract,
    member_parts,
)
from tests.autograder.collect.helpers import (
    NOTEBOOKS,
    PACKAGE_FILES,
    Link,
    forge_size,
    make_zip,
    snapshot,
    submission,
    zeros_zip,
)

pytestmark = pytest.mark.collect


def wants(rel):
    """What collect takes: top-level notebooks and cs231n/**/*.py."""
    return rel in NOTEBOOKS or (rel.startswith("cs231n/") and rel.endswith(".py"))


def refused(zip_path, dest, **kwargs):
    """The findings of a zip that must be refused, as {member: message}."""
    with pytest.raises(UnsafeZip) as info:
        extract(zip_path, dest, wants, keep_top={"cs231n"}, **kwargs)
    return dict(info.value.findings)


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("cs231n/layers.py", ("cs231n", "layers.py")),
        ("./cs231n//layers.py", ("cs231n", "layers.py")),
        ("cs231n\\layers.py", ("cs231n", "layers.py")),
        ("a/", ("a",)),
    ],
)
def test_member_paths_are_normalised(name, parts):
    """Are '.', empty parts and backslashes read as a relative POSIX path?"""
    assert member_parts(name) == parts


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "\\evil", "C:/x", "c:evil", "../evil", "a/../../b", "a\\..\\b"]
)
def test_absolute_or_climbing_paths_are_refused(name):
    """Is a path that is absolute, has a drive, or climbs with '..' rejected?"""
    with pytest.raises(ValueError, match=r"absolute|climbs"):
        member_parts(name)


def test_a_good_zip_is_extracted_exactly(tmp_path):
    """Does a complete submission land byte for byte, and nothing else?"""
    members = submission()
    zip_path = make_zip(tmp_path / "jdoe.zip", members)
    result = extract(zip_path, tmp_path / "out", wants)
    assert snapshot(tmp_path / "out") == members
    assert [m.rel for m in result.taken] == list(members)
    assert result.top is None
    assert result.skipped == []


def test_one_top_folder_is_stripped_and_mac_junk_ignored(tmp_path):
    """Is `jdoe/` stripped, even with macOS's __MACOSX/ and .DS_Store beside it?"""
    members = {
        **submission(top="jdoe/"),
        "__MACOSX/jdoe/._layers.py": b"junk",
        "jdoe/.DS_Store": b"junk",
        "jdoe/": b"",
    }
    result = extract(make_zip(tmp_path / "jdoe.zip", members), tmp_path / "out", wants)
    assert result.top == "jdoe"
    assert sorted(m.rel for m in result.taken) == sorted(submission())
    assert result.skipped == []
    assert not (tmp_path / "out" / "__MACOSX").exists()


def test_two_nested_top_folders_are_stripped(tmp_path):
    """Is `jdoe/convnets/` stripped too (a folder zipped inside a folder)?"""
    zip_path = make_zip(tmp_path / "jdoe.zip", submission(top="jdoe/convnets/"))
    result = extract(zip_path, tmp_path / "out", wants)
    assert result.top == "jdoe/convnets"
    assert (tmp_path / "out" / "cs231n" / "layers.py").is_file()


def test_the_package_folder_is_never_stripped(tmp_path):
    """Is a zip holding only cs231n/ kept as is, not flattened into the top?"""
    only_code = {rel: b"x = 1\n" for rel in PACKAGE_FILES}
    zip_path = make_zip(tmp_path / "jdoe.zip", only_code)
    result = extract(zip_path, tmp_path / "out", wants, keep_top={"cs231n"})
    assert result.top is None
    assert sorted(m.rel for m in result.taken) == sorted(PACKAGE_FILES)


def test_climbing_or_absolute_members_refuse_the_zip_by_name(tmp_path):
    """Are `../evil` and `/abs` each named, even where nothing would be taken, and unwritten?"""
    members = {**submission(), "../evil": b"pwned", "/abs": b"pwned", "x/../../up": b"pwned"}
    findings = refused(make_zip(tmp_path / "in" / "jdoe.zip", members), tmp_path / "out")
    assert set(findings) == {"../evil", "/abs", "x/../../up"}
    assert "climbs" in findings["../evil"]
    assert "absolute" in findings["/abs"]
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "evil").exists()
    assert not (tmp_path.parent / "evil").exists()


def test_a_symlink_taken_as_code_refuses_the_zip(tmp_path):
    """Is cs231n/layers.py as a link to /etc/passwd refused by name, never created?"""
    members = {**submission(), "cs231n/layers.py": Link("/etc/passwd")}
    findings = refused(make_zip(tmp_path / "jdoe.zip", members), tmp_path / "out")
    assert list(findings) == ["cs231n/layers.py"]
    assert "symbolic link" in findings["cs231n/layers.py"]
    out = tmp_path / "out" / "cs231n" / "layers.py"
    assert not out.exists()
    assert not out.is_symlink()


def test_a_symlink_elsewhere_is_only_listed(tmp_path):
    """Is a link the submission would not take left out and listed as a link?"""
    members = {**submission(), "data": Link("/etc")}
    result = extract(make_zip(tmp_path / "jdoe.zip", members), tmp_path / "out", wants)
    [skipped] = result.skipped
    assert (skipped.name, skipped.kind) == ("data", "link")
    assert not (tmp_path / "out" / "data").is_symlink()
    assert not (tmp_path / "out" / "data").exists()


@pytest.fixture(scope="module")
def honest_bomb(tmp_path_factory):
    """cs231n/layers.py: 100 MB of zeros, declared honestly, about 100 kB zipped."""
    return zeros_zip(tmp_path_factory.mktemp("bomb") / "jdoe.zip", "cs231n/layers.py", 100 * MB)


def test_an_honest_bomb_is_refused_before_decompressing(honest_bomb, tmp_path, monkeypatch):
    """Is a 100 MB member refused on its declared size, never opened, nothing written?"""

    def never(*args, **kwargs):
        raise AssertionError("a member was decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    findings = refused(honest_bomb, tmp_path / "out")
    assert "100 MB" in findings["cs231n/layers.py"]
    assert "20 MB per file" in findings["cs231n/layers.py"]
    assert snapshot(tmp_path) == {}


def test_a_raised_limit_lets_a_big_member_through(honest_bomb, tmp_path):
    """With max_file and max_total above 100 MB, is the same member extracted whole?"""
    limits = Limits(max_file=101 * MB, max_total=101 * MB)
    extract(honest_bomb, tmp_path / "out", wants, limits, keep_top={"cs231n"})
    assert (tmp_path / "out" / "cs231n" / "layers.py").stat().st_size == 100 * MB


def test_a_lying_header_cannot_write_past_its_declared_size(tmp_path):
    """With 5 MB inside and 1000 bytes declared, is the zip refused and at most 1000 written?"""
    zip_path = forge_size(zeros_zip(tmp_path / "jdoe.zip", "cs231n/layers.py", 5 * MB), 1000)
    findings = refused(zip_path, tmp_path / "out")
    assert list(findings) == ["cs231n/layers.py"]
    assert "CRC" in findings["cs231n/layers.py"]
    written = tmp_path / "out" / "cs231n" / "layers.py"
    assert written.stat().st_size <= 1000


def test_bytes_past_the_declared_size_stop_extraction(tmp_path, monkeypatch):
    """If the decompressor gave more than declared, is it stopped and called forged?"""
    zip_path = make_zip(tmp_path / "jdoe.zip", submission())
    real_open = zipfile.ZipFile.open

    def flood(self, info, *args, **kwargs):
        name = info.filename if isinstance(info, zipfile.ZipInfo) else info
        if name == "cs231n/layers.py":
            return io.BytesIO(bytes(30 * MB))
        return real_open(self, info, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", flood)
    findings = refused(zip_path, tmp_path / "out")
    assert "more data than" in findings["cs231n/layers.py"]
    written = tmp_path / "out" / "cs231n" / "layers.py"
    assert written.stat().st_size < 1000


def test_copy_counted_reads_at_most_one_byte_past_the_limit():
    """Does copy_counted stop at byte limit+1, writing only `limit` bytes?"""
    src, dst = io.BytesIO(bytes(10 * MB)), io.BytesIO()
    with pytest.raises(LimitExceeded) as info:
        copy_counted(src, dst, 1000)
    assert info.value.count == 1001
    assert src.tell() == 1001
    assert len(dst.getvalue()) == 1000
    src, dst = io.BytesIO(b"abc"), io.BytesIO()
    assert copy_counted(src, dst, 3) == 3
    assert dst.getvalue() == b"abc"


def test_the_total_of_taken_members_is_limited(tmp_path):
    """Are three 1000-byte files refused under a 2500-byte total, though each one fits?"""
    members = {**submission(), **{f"cs231n/m{i}.py": bytes(1000) for i in range(3)}}
    limits = Limits(max_file=2000, max_total=2500)
    findings = refused(make_zip(tmp_path / "jdoe.zip", members), tmp_path / "out", limits=limits)
    assert "2.4 kB" in findings[None]
    assert "in all" in findings[None]


def test_files_not_taken_do_not_count_against_the_limits(tmp_path):
    """Is a big dataset the student zipped by mistake left out, not a reason to refuse?"""
    members = {**submission(), "datasets/cifar.bin": bytes(3000)}
    limits = Limits(max_file=2000, max_total=100_000)
    result = extract(make_zip(tmp_path / "jdoe.zip", members), tmp_path / "out", wants, limits)
    assert [m.rel for m in result.skipped] == ["datasets/cifar.bin"]


def test_too_many_members_are_refused_before_parsing(tmp_path, monkeypatch):
    """Is a zip declaring more members than allowed refused without zipfile parsing it?"""
    zip_path = make_zip(tmp_path / "jdoe.zip", submission())

    def never(*args, **kwargs):
        raise AssertionError("the zip was parsed")

    monkeypatch.setattr(unzip.zipfile, "ZipFile", never)
    findings = refused(zip_path, tmp_path / "out", limits=Limits(max_members=3))
    assert "holds 7 members" in findings[None]


def test_a_bloated_central_directory_is_refused(tmp_path):
    """Is a directory bigger than its declared count can honestly need refused unparsed?"""
    members = {f"{'x' * 1000}{i}": b"" for i in range(4)}
    zip_path = make_zip(tmp_path / "jdoe.zip", members)
    findings = refused(zip_path, tmp_path / "out", limits=Limits(max_members=4))
    assert "central directory takes 4.1 kB" in findings[None]


@pytest.mark.slow
def test_zip64_member_counts_are_read(tmp_path):
    """Is the count of a Zip64 archive (70000 members) read from its Zip64 record?"""
    zip_path = tmp_path / "many.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        for i in range(70_000):
            zf.writestr(f"f{i}", b"")
    assert declared_size(zip_path)[0] == 70_000
    findings = refused(zip_path, tmp_path / "out")
    assert "holds 70000 members" in findings[None]


@pytest.mark.parametrize(
    ("mangle", "expected"),
    [
        (lambda data: data[: len(data) // 2], "not a readable zip"),
        (lambda data: b"not a zip at all" * 10, "not a readable zip"),
        (lambda data: b"", "not a readable zip"),
    ],
)
def test_corrupt_files_are_refused(tmp_path, mangle, expected):
    """Are a truncated zip, a text file and an empty file each refused, not a traceback?"""
    zip_path = make_zip(tmp_path / "jdoe.zip", submission())
    zip_path.write_bytes(mangle(zip_path.read_bytes()))
    assert expected in refused(zip_path, tmp_path / "out")[None]


def test_corrupt_data_inside_names_its_member(tmp_path):
    """Is a member whose compressed bytes are damaged refused by name?"""
    zip_path = make_zip(tmp_path / "jdoe.zip", {"cs231n/layers.py": bytes(range(256)) * 400})
    data = bytearray(zip_path.read_bytes())
    start = data.index(b"cs231n/layers.py") + len("cs231n/layers.py") + 10
    data[start : start + 40] = bytes(40)
    zip_path.write_bytes(bytes(data))
    findings = refused(zip_path, tmp_path / "out")
    assert list(findings) == ["cs231n/layers.py"]
    assert "is damaged: its data cannot be extracted" in findings["cs231n/layers.py"]


def test_encrypted_and_unknown_compression_are_named(tmp_path):
    """Are an encrypted member and a Deflate64 one refused with what to do?"""
    zip_path = make_zip(tmp_path / "jdoe.zip", submission())
    with zipfile.ZipFile(zip_path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    data = bytearray(zip_path.read_bytes())
    central = data.index(b"PK\x01\x02")
    offsets = []
    while central >= 0:
        offsets.append(central)
        central = data.find(b"PK\x01\x02", central + 4)
    names = list(infos)
    layers = offsets[names.index("cs231n/layers.py")]
    cnn = offsets[names.index("cs231n/classifiers/cnn.py")]
    data[layers + 8] |= 0x1  # general purpose flag bit 0: encrypted
    data[cnn + 10 : cnn + 12] = (9).to_bytes(2, "little")  # method 9: Deflate64
    zip_path.write_bytes(bytes(data))
    findings = refused(zip_path, tmp_path / "out")
    assert "encrypted" in findings["cs231n/layers.py"]
    assert "Deflate64" in findings["cs231n/classifiers/cnn.py"]


def test_a_member_twice_is_refused(tmp_path):
    """Is a zip holding cs231n/layers.py twice (which would win?) refused by name?"""
    zip_path = tmp_path / "jdoe.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.writestr("cs231n/layers.py", b"a")
        zf.writestr("./cs231n/layers.py", b"b")
    findings = refused(zip_path, tmp_path / "out")
    assert "appears twice" in findings["./cs231n/layers.py"]


def test_a_file_in_the_way_of_a_folder_is_refused(tmp_path):
    """Is `cs231n/a.py` as a file and as a folder refused, not a traceback?"""
    members = {"cs231n/a.py": b"x", "cs231n/a.py/b.py": b"y"}
    findings = refused(make_zip(tmp_path / "jdoe.zip", members), tmp_path / "out")
    assert "cannot be written" in findings["cs231n/a.py/b.py"]


def test_many_findings_are_capped(tmp_path):
    """Does a zip full of `..` members give at most MAX_FINDINGS lines and a count?"""
    members = {f"../evil{i}": b"" for i in range(25)}
    with pytest.raises(UnsafeZip) as info:
        extract(make_zip(tmp_path / "jdoe.zip", members), tmp_path / "out", wants)
    assert len(info.value.findings) == unzip.MAX_FINDINGS + 1
    assert info.value.findings[-1] == (None, "and 15 more findings like these")


@pytest.mark.parametrize("field", ["max_file", "max_total", "max_members"])
def test_limits_must_be_positive(field):
    """Is a zero or negative limit refused when Limits is made?"""
    with pytest.raises(ValueError, match=field):
        Limits(**{field: 0})
