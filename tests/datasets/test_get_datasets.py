"""Tests of datasets/get_datasets.sh against a local HTTP server serving a tiny fake CIFAR-10.

Each test copies the script into a temporary `datasets/` folder, so nothing is written
into the repository, and runs it with a PATH holding only the tools it needs, so the
curl and wget branches can each be tested alone. Needs curl, wget (else the wget cases
are skipped), tar, gzip and md5sum; shellcheck is optional.
"""

import hashlib
import http.server
import io
import os
import pickle
import re
import shutil
import socket
import subprocess
import tarfile
import threading

import numpy as np
import pytest

from cs231n.data_utils import load_CIFAR10

pytestmark = pytest.mark.data

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "datasets", "get_datasets.sh")
FOLDER = "cifar-10-batches-py"
ARCHIVE = "cifar-10-python.tar.gz"
BATCHES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5")
ROWS = 12  # images per batch file
# What the script calls besides the downloader (tar runs gzip for -z).
TOOLS = ("dirname", "md5sum", "cut", "wc", "grep", "mktemp", "tar", "gzip", "mv", "rm", "cat")


def _batch(name, seed):
    """Return one batch dict laid out as the real ones: bytes keys, uint8 rows, list labels."""
    rng = np.random.default_rng(seed)
    return {
        b"batch_label": f"{name} of fake CIFAR-10".encode(),
        b"labels": [int(y) for y in rng.integers(0, 10, ROWS)],
        b"data": rng.integers(0, 256, (ROWS, 3072), dtype=np.uint8),
        b"filenames": [f"img_{seed}_{i}.png".encode() for i in range(ROWS)],
    }


def _fake_cifar10():
    """Return (the batch dicts by file name, the tar.gz bytes in CIFAR-10's layout)."""
    batches = {name: _batch(name, seed) for seed, name in enumerate((*BATCHES, "test_batch"))}
    meta = {
        b"num_cases_per_batch": ROWS,
        b"label_names": [f"class{i}".encode() for i in range(10)],
        b"num_vis": 3072,
    }
    members = {name: pickle.dumps(b, protocol=2) for name, b in batches.items()}
    members["batches.meta"] = pickle.dumps(meta, protocol=2)
    members["readme.html"] = b"<html>fake CIFAR-10</html>\n"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(f"{FOLDER}/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return batches, buf.getvalue()


BATCH_DICTS, ARCHIVE_BYTES = _fake_cifar10()
ARCHIVE_MD5 = hashlib.md5(ARCHIVE_BYTES).hexdigest()


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serve server.files by path, honouring `Range: bytes=a-` and `bytes=a-b` requests."""

    def do_GET(self):
        self._serve(body=True)

    def do_HEAD(self):
        self._serve(body=False)

    def _serve(self, body):
        server = self.server
        server.requests.append((self.path, self.headers.get("Range")))
        data = server.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        start, end, status = 0, len(data) - 1, 200
        wanted = self.headers.get("Range")
        if wanted:
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted)
            if not m or int(m[1]) >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start, status = int(m[1]), 206
            end = min(int(m[2]), end) if m[2] else end
        part = data[start : end + 1]
        self.send_response(status)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(part)))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.end_headers()
        if body:
            self.wfile.write(part)
            server.bytes_sent += len(part)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def server():
    """A local HTTP server on an ephemeral port; its `files` map paths to bytes."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RangeHandler)
    httpd.files = {f"/{ARCHIVE}": ARCHIVE_BYTES}
    httpd.requests = []
    httpd.bytes_sent = 0
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/{ARCHIVE}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def datasets(tmp_path):
    """A fresh `datasets/` folder holding a copy of the script."""
    folder = tmp_path / "datasets"
    folder.mkdir()
    shutil.copy(SCRIPT, folder / "get_datasets.sh")
    return folder


def _bin(tmp_path, tools):
    """Return a folder of symlinks to exactly `tools`, to be the whole PATH of a run."""
    folder = tmp_path / ("bin-" + hashlib.md5(" ".join(sorted(tools)).encode()).hexdigest()[:8])
    folder.mkdir(exist_ok=True)
    for tool in tools:
        target = shutil.which(tool)
        if target is None:
            pytest.skip(f"{tool} is not installed")
        if not (folder / tool).exists():
            (folder / tool).symlink_to(target)
    return folder


def _run(datasets, url, md5=ARCHIVE_MD5, path=None):
    """Run the copied script from an unrelated folder; return the CompletedProcess."""
    env = {"PATH": str(path or _bin(datasets.parent, (*TOOLS, "curl"))), "LC_ALL": "C"}
    env.update(CIFAR10_URL=url, CIFAR10_MD5=md5)
    elsewhere = datasets.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    return subprocess.run(
        [shutil.which("bash"), str(datasets / "get_datasets.sh")],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _assert_dataset(datasets):
    """Check the extracted folder holds the fake dataset, readable by load_CIFAR10."""
    Xtr, Ytr, Xte, Yte = load_CIFAR10(str(datasets / FOLDER))
    rows = np.concatenate([BATCH_DICTS[name][b"data"] for name in BATCHES])
    expected = rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(Xtr, expected)
    labels = [y for name in BATCHES for y in BATCH_DICTS[name][b"labels"]]
    np.testing.assert_array_equal(Ytr, labels)
    np.testing.assert_array_equal(Yte, BATCH_DICTS["test_batch"][b"labels"])
    assert Xte.shape == (ROWS, 32, 32, 3)


def _leftovers(datasets):
    """Return what the run left in datasets/ besides the script and the dataset folder."""
    return sorted(set(os.listdir(datasets)) - {"get_datasets.sh", FOLDER})


@pytest.mark.parametrize("downloader", ["curl", "wget"])
def test_download(datasets, server, tmp_path, downloader):
    """Does a download with curl alone, or wget alone, extract CIFAR-10 and delete the archive?"""
    result = _run(datasets, server.url, path=_bin(tmp_path, (*TOOLS, downloader)))
    assert result.returncode == 0, result.stderr
    assert f"with {downloader}" in result.stdout
    assert "ready" in result.stdout
    assert sorted(os.listdir(datasets / FOLDER)) == sorted(
        [*BATCHES, "test_batch", "batches.meta", "readme.html", ".verified"]
    )
    assert _leftovers(datasets) == []  # no archive, no temporary folder
    _assert_dataset(datasets)


def test_second_run_does_nothing(datasets, server):
    """Does a second run see the verified dataset and leave it alone, without the network?"""
    assert _run(datasets, server.url).returncode == 0
    server.requests.clear()
    before = {p: os.stat(datasets / FOLDER / p).st_mtime_ns for p in os.listdir(datasets / FOLDER)}
    result = _run(datasets, server.url)
    assert result.returncode == 0, result.stderr
    assert "nothing to do" in result.stdout
    assert server.requests == []
    after = {p: os.stat(datasets / FOLDER / p).st_mtime_ns for p in os.listdir(datasets / FOLDER)}
    assert after == before


def test_truncated_file_is_downloaded_again(datasets, server):
    """Is a dataset whose batch file shrank since extraction downloaded and replaced?"""
    assert _run(datasets, server.url).returncode == 0
    batch = datasets / FOLDER / "data_batch_3"
    batch.write_bytes(batch.read_bytes()[:100])
    result = _run(datasets, server.url)
    assert result.returncode == 0, result.stderr
    assert "replacing" in result.stdout
    _assert_dataset(datasets)
    assert _leftovers(datasets) == []


def test_incomplete_folder_is_replaced(datasets, server):
    """Is a folder missing files (an interrupted manual copy) replaced by a verified one?"""
    (datasets / FOLDER).mkdir()
    (datasets / FOLDER / "data_batch_1").write_bytes(b"junk")
    result = _run(datasets, server.url)
    assert result.returncode == 0, result.stderr
    _assert_dataset(datasets)


def test_checksum_mismatch(datasets, server):
    """Does a corrupt archive fail with a clear message, and leave neither archive nor dataset?"""
    server.files[f"/{ARCHIVE}"] = ARCHIVE_BYTES[:-10] + b"corrupted!"
    result = _run(datasets, server.url)
    assert result.returncode != 0
    assert "checksum mismatch" in result.stderr
    assert ARCHIVE_MD5 in result.stderr
    assert "deleted" in result.stderr
    assert os.listdir(datasets) == ["get_datasets.sh"]


def test_wrong_md5_given(datasets, server):
    """Is an archive that does not match CIFAR10_MD5 rejected?"""
    result = _run(datasets, server.url, md5="0" * 32)
    assert result.returncode != 0
    assert "checksum mismatch" in result.stderr
    assert os.listdir(datasets) == ["get_datasets.sh"]


def _closed_port():
    """Return a local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("downloader", ["curl", "wget"])
def test_unreachable_server(datasets, tmp_path, downloader):
    """Does an unreachable server give a non-zero exit and say what to do?"""
    url = f"http://127.0.0.1:{_closed_port()}/{ARCHIVE}"
    result = _run(datasets, url, path=_bin(tmp_path, (*TOOLS, downloader)))
    assert result.returncode != 0
    assert f"could not download {url}" in result.stderr
    assert "check your connection" in result.stderr
    assert "CIFAR10_URL" in result.stderr
    assert "synthetic dataset" in result.stderr
    assert not (datasets / FOLDER).exists()


def test_missing_file_on_server(datasets, server):
    """Does a 404 fail with the same advice?"""
    result = _run(datasets, server.url.replace(ARCHIVE, "nothing-here.tar.gz"))
    assert result.returncode != 0
    assert "could not download" in result.stderr
    assert not (datasets / FOLDER).exists()


@pytest.mark.parametrize("downloader", ["curl", "wget"])
def test_resume_partial_download(datasets, server, tmp_path, downloader):
    """Does a partial archive get resumed with a Range request rather than fetched again?"""
    half = len(ARCHIVE_BYTES) // 2
    (datasets / ARCHIVE).write_bytes(ARCHIVE_BYTES[:half])
    result = _run(datasets, server.url, path=_bin(tmp_path, (*TOOLS, downloader)))
    assert result.returncode == 0, result.stderr
    assert (f"/{ARCHIVE}", f"bytes={half}-") in server.requests
    assert server.bytes_sent == len(ARCHIVE_BYTES) - half
    _assert_dataset(datasets)
    assert _leftovers(datasets) == []


def test_complete_archive_needs_no_network(datasets, server):
    """Is an archive already downloaded (extraction interrupted) used without the network?"""
    (datasets / ARCHIVE).write_bytes(ARCHIVE_BYTES)
    result = _run(datasets, server.url)
    assert result.returncode == 0, result.stderr
    assert server.requests == []
    _assert_dataset(datasets)


def test_no_downloader(datasets, server, tmp_path):
    """Without curl and wget, does the script say so and fail?"""
    result = _run(datasets, server.url, path=_bin(tmp_path, TOOLS))
    assert result.returncode != 0
    assert "neither curl nor wget" in result.stderr
    assert not (datasets / FOLDER).exists()


def test_no_md5_tool(datasets, server, tmp_path):
    """Without md5sum and md5, does the script refuse to download what it cannot check?"""
    folder = _bin(tmp_path, [t for t in TOOLS if t != "md5sum"] + ["curl"])
    result = _run(datasets, server.url, path=folder)
    assert result.returncode != 0
    assert "neither md5sum nor md5" in result.stderr
    assert server.requests == []


def test_md5_of_macos(datasets, server, tmp_path):
    """Without md5sum, is macOS's `md5 -q` used to check the archive?"""
    folder = _bin(tmp_path, [t for t in TOOLS if t != "md5sum"] + ["curl"])
    fake_md5 = folder / "md5"
    fake_md5.write_text(
        "#!/bin/sh\n"
        '[ "$1" = -q ] || { echo "md5: expected -q" >&2; exit 2; }\n'
        f'{shutil.which("md5sum")} "$2" | {shutil.which("cut")} -d " " -f 1\n'
    )
    fake_md5.chmod(0o755)
    result = _run(datasets, server.url, path=folder)
    assert result.returncode == 0, result.stderr
    _assert_dataset(datasets)


def test_shellcheck_clean():
    """Is the script clean under shellcheck?"""
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed")
    result = subprocess.run(["shellcheck", SCRIPT], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
