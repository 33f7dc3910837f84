"""mnist.py on the real files: checksums, IDX parsing, the split, and downloading from a local mirror,
including mirrors that never stop, drip, stay silent or send too much (all on 127.0.0.1)."""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import shutil
import signal
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from scratchnn import mnist
from scratchnn.mnist import MnistError


@pytest.fixture(scope="module")
def data_dir() -> Path:
    return mnist.fetch()  # the verified folder ($SCRATCHNN_DATA_DIR here)


def test_the_real_files_are_what_mnist_should_be(data_dir):
    train = mnist.read_idx_gz(data_dir / "train-images-idx3-ubyte.gz", mnist.IMAGES_MAGIC)
    labels = mnist.read_idx_gz(data_dir / "train-labels-idx1-ubyte.gz", mnist.LABELS_MAGIC)
    test_labels = mnist.read_idx_gz(data_dir / "t10k-labels-idx1-ubyte.gz", mnist.LABELS_MAGIC)
    assert train.shape == (60000, 28, 28) and train.dtype == np.uint8
    assert np.bincount(labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(test_labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert train.mean() == pytest.approx(33.318, abs=0.001)


def test_the_originals_split(mnist_data):
    d = mnist_data
    assert d.X_train.shape == (784, 59000) and d.X_val.shape == (784, 1000) and d.X_test.shape == (784, 10000)
    assert d.Y_train.shape == (59000,) and d.Y_val.shape == (1000,) and d.Y_test.shape == (10000,)
    assert d.X_train.dtype == np.float32 and d.X_train.flags.f_contiguous
    assert d.X_train.min() >= 0 and d.X_train.max() == 1.0
    # validation + training = the 60,000 training labels, reshuffled
    counts = np.bincount(np.concatenate([d.Y_train, d.Y_val]))
    assert counts.tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert d.Y_test[:5].tolist() == [7, 2, 1, 0, 4]  # the test set keeps its order


def test_the_split_follows_the_seed(mnist_data):
    again = mnist.load(seed=0, dtype="float64")
    other = mnist.load(seed=1)
    np.testing.assert_array_equal(again.Y_val, mnist_data.Y_val)
    np.testing.assert_allclose(again.X_val, mnist_data.X_val, rtol=1e-7)
    assert not np.array_equal(other.Y_val, mnist_data.Y_val)


def idx_images(n=2, rows=3, cols=4) -> bytes:
    return struct.pack(">4I", 2051, n, rows, cols) + bytes(range(n * rows * cols))


def test_parse_idx():
    images = mnist.parse_idx(idx_images(), mnist.IMAGES_MAGIC)
    assert images.shape == (2, 3, 4) and images[1, 2, 3] == 23
    labels = mnist.parse_idx(struct.pack(">2I", 2049, 3) + bytes([7, 8, 9]), mnist.LABELS_MAGIC)
    assert labels.tolist() == [7, 8, 9]


@pytest.mark.parametrize(
    ("raw", "magic", "message"),
    [
        (idx_images(), mnist.LABELS_MAGIC, "magic number 2051, expected 2049"),
        (idx_images()[:-1], mnist.IMAGES_MAGIC, "23 pixel bytes.*truncated|truncated"),
        (idx_images() + b"\0", mnist.IMAGES_MAGIC, "says"),
        (b"\0\0\x08", mnist.IMAGES_MAGIC, "too short for an IDX header"),
    ],
)
def test_corrupt_idx_data_is_refused(raw, magic, message):
    with pytest.raises(MnistError, match=message):
        mnist.parse_idx(raw, magic, "x.idx")


def test_a_file_that_is_not_gzip_is_refused(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(b"this is not gzip")
    with pytest.raises(MnistError, match="not a readable gzip file"):
        mnist.read_idx_gz(path, mnist.LABELS_MAGIC)


def test_a_truncated_gzip_file_is_refused(data_dir, tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes((data_dir / path.name).read_bytes()[:100_000])
    with pytest.raises(MnistError, match="not a readable gzip file"):
        mnist.read_idx_gz(path, mnist.IMAGES_MAGIC)


def test_a_truncated_idx_inside_valid_gzip_is_refused(data_dir, tmp_path):
    raw = gzip.decompress((data_dir / "t10k-labels-idx1-ubyte.gz").read_bytes())
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(raw[:-10]))
    with pytest.raises(MnistError, match="9998 bytes but the header"):
        mnist.read_idx_gz(path, mnist.LABELS_MAGIC)


def copy_data(data_dir: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for name in mnist.FILES:
        shutil.copy(data_dir / name, target / name)
    return target


def test_a_checksum_mismatch_is_refused(data_dir, tmp_path):
    folder = copy_data(data_dir, tmp_path / "data")
    path = folder / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(path.read_bytes())
    raw[-20] ^= 0xFF  # same size, one byte different
    path.write_bytes(bytes(raw))
    with pytest.raises(MnistError, match="SHA-256 .* does not match the published f7ae60f9"):
        mnist.load(folder)


def test_a_truncated_file_is_refused_by_size(data_dir, tmp_path):
    folder = copy_data(data_dir, tmp_path / "data")
    path = folder / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(MnistError, match="1000 bytes, expected 28881"):
        mnist.fetch(folder)


def test_where_the_data_directory_comes_from(monkeypatch, tmp_path):
    monkeypatch.setenv("SCRATCHNN_DATA_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert mnist.resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert mnist.resolve_data_dir() == tmp_path / "env"
    monkeypatch.delenv("SCRATCHNN_DATA_DIR")
    assert mnist.resolve_data_dir() == tmp_path / "cache" / "scratchnn" / "mnist"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class MirrorHandler(QuietHandler):
    """The files under the folder; and servers that misbehave, under /endless/, /drip/, /silent/,
    /oversize/ and /garbage/. Each gives up by itself after 30 s, or when ``stop`` is set."""

    stop = threading.Event()

    def do_GET(self) -> None:
        kind = self.path.split("/")[1]
        size = mnist.FILES.get(self.path.split("/")[-1], (0, ""))[0]
        try:
            if kind == "endless":  # no Content-Length, and zeros until the client hangs up
                self.start_body()
                for _ in range(4000):  # 256 MB at most
                    self.wfile.write(bytes(1 << 16))
            elif kind == "drip":  # the right size announced, then a byte every 50 ms (4 min for the smallest)
                self.start_body(size)
                for _ in range(600):
                    self.wfile.write(b"\0")
                    self.wfile.flush()
                    if self.stop.wait(0.05):
                        break
            elif kind == "silent":  # connects, then says nothing
                self.stop.wait(30)
            elif kind == "oversize":  # honest about its size, which is 1,000 bytes too many
                self.start_body(size + 1000)
                self.wfile.write(bytes(size + 1000))
            elif kind == "garbage":  # not HTTP at all
                self.wfile.write(b"garbage\r\n\r\n")
            else:
                super().do_GET()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: as it should

    def start_body(self, length: int | None = None) -> None:
        self.send_response(200)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()


@pytest.fixture()
def mirror(tmp_path, data_dir):
    """A local HTTP server on 127.0.0.1: /good/ serves the real files, /bad/ a corrupt copy, and the
    misbehaving servers of MirrorHandler."""
    root = tmp_path / "www"
    copy_data(data_dir, root / "good")
    bad = copy_data(data_dir, root / "bad")
    for name in mnist.FILES:
        raw = bytearray((bad / name).read_bytes())
        raw[len(raw) // 2] ^= 1
        (bad / name).write_bytes(bytes(raw))
    MirrorHandler.stop = threading.Event()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(MirrorHandler, directory=root))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    MirrorHandler.stop.set()
    server.shutdown()
    server.server_close()


def test_download_from_a_mirror_then_load(mirror, tmp_path):
    target = tmp_path / "cache"
    data = mnist.load(target, mirrors=(mirror + "/good/",))
    assert sorted(p.name for p in target.iterdir()) == sorted(mnist.FILES)
    assert data.Y_test.size == 10000
    assert mnist.fetch(target, mirrors=("http://127.0.0.1:9/",)) == target  # cached: no second download


def test_a_dead_or_corrupt_mirror_falls_through_to_the_next(mirror, tmp_path):
    target = tmp_path / "cache"
    mirrors = (mirror + "/missing/", mirror + "/bad/", mirror + "/good/")
    mnist.fetch(target, mirrors=mirrors)
    assert sorted(p.name for p in target.iterdir()) == sorted(mnist.FILES)


def test_a_corrupt_download_is_refused_and_leaves_nothing(mirror, tmp_path):
    target = tmp_path / "cache"
    expected = "(?s)does not match the published.*could not be downloaded.*SCRATCHNN_DATA_DIR"
    with pytest.raises(MnistError, match=expected):
        mnist.fetch(target, mirrors=(mirror + "/bad/",))
    assert not target.exists()  # not even the folder: nothing verified was there to go in it
    target.mkdir()
    with pytest.raises(MnistError, match=expected):
        mnist.fetch(target, mirrors=(mirror + "/bad/",))
    assert list(target.iterdir()) == []  # no partial or corrupt file under any name


@pytest.mark.parametrize(
    ("server", "message"),
    [
        ("endless", "more than the 9,912,422 bytes the file has: stopped reading"),
        ("oversize", "the server sends 9,913,422 bytes, but the file has 9,912,422"),
        ("garbage", "garbage"),  # http.client's BadStatusLine
        ("missing", "HTTP Error 404"),
    ],
)
def test_a_mirror_that_sends_too_much_or_nonsense_is_refused_and_leaves_nothing(mirror, tmp_path, server, message):
    target = tmp_path / "typo"
    with pytest.raises(MnistError, match=f"(?s)could not download train-images-idx3-ubyte.gz:.*{message}"):
        mnist.fetch(target, mirrors=(f"{mirror}/{server}/",))
    assert os.listdir(tmp_path) == ["www"]  # the mistyped folder was not created


@pytest.mark.parametrize(
    ("server", "message"),
    [("drip", r"gave up after 1 s \(\d+ of 9,912,422 bytes\): too slow"), ("silent", "timed out")],
)
def test_a_slow_or_silent_mirror_is_given_up_at_the_deadline(mirror, tmp_path, server, message):
    target = tmp_path / "cache"
    with pytest.raises(MnistError, match=message):
        mnist.fetch(target, mirrors=(f"{mirror}/{server}/",), deadline=1)
    assert not target.exists()


def test_a_bad_mirror_of_every_kind_falls_through_to_a_good_one(mirror, tmp_path):
    mirrors = tuple(f"{mirror}/{kind}/" for kind in ("endless", "oversize", "garbage", "bad", "good"))
    assert mnist.fetch(tmp_path / "cache", mirrors=mirrors) == tmp_path / "cache"
    assert sorted(os.listdir(tmp_path / "cache")) == sorted(mnist.FILES)


def test_part_files_left_by_a_killed_download_are_removed(mirror, tmp_path):
    """Earlier versions downloaded to ``.{name}.XXXXXXXX.part``; kill -9 left those behind for good."""
    target = tmp_path / "cache"
    target.mkdir()
    for name in ("train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (target / f".{name}.k2j4_9xq.part").write_bytes(bytes(1 << 20))
    (target / "notes.part").write_text("not ours: kept")
    with pytest.raises(MnistError):
        mnist.fetch(target, mirrors=(mirror + "/bad/",))  # removed even when the download fails
    assert os.listdir(target) == ["notes.part"]
    (target / ".t10k-images-idx3-ubyte.gz.abcdefgh.part").write_bytes(b"x")
    mnist.fetch(target, mirrors=(mirror + "/good/",))
    assert sorted(os.listdir(target)) == sorted([*mnist.FILES, "notes.part"])


def test_kill_9_in_the_middle_of_a_download_leaves_nothing(mirror, tmp_path):
    target = tmp_path / "cache"
    code = f"from scratchnn import mnist; mnist.fetch({str(target)!r}, mirrors=({mirror + '/drip/'!r},))"
    process = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr.readline().startswith("downloading")  # the download has started
        MirrorHandler.stop.wait(0.5)  # and a few bytes have arrived
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert os.listdir(tmp_path) == ["www"]  # no .part, no folder


def test_a_data_dir_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "mnist").write_text("a file")
    with pytest.raises(MnistError, match=r"mnist is a file, not a folder"):
        mnist.fetch(tmp_path / "mnist")
    with pytest.raises(MnistError, match=r"mnist/sub: .*mnist on its way is a file, not a folder"):
        mnist.fetch(tmp_path / "mnist" / "sub")


def test_a_fifo_in_place_of_a_data_file_is_refused_without_reading_it(data_dir, tmp_path):
    folder = copy_data(data_dir, tmp_path / "data")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    os.mkfifo(folder / "t10k-labels-idx1-ubyte.gz")  # opening it to read would wait for a writer forever
    refusals = []

    def fetch() -> None:
        with pytest.raises(MnistError) as refused:
            mnist.fetch(folder)
        refusals.append(str(refused.value))

    thread = threading.Thread(target=fetch, daemon=True)
    thread.start()
    thread.join(60)  # a bound: it takes milliseconds, unless it opened the FIFO
    assert refusals == [f"{folder / 't10k-labels-idx1-ubyte.gz'} is a FIFO (named pipe), not an MNIST file"]
