"""files.py and the file side of weights.py: what may be replaced, atomic writes, no orphaned temporaries.

Devices are never touched: a FIFO, a socket, folders and symlinks inside tmp_path stand in for them.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from scratchnn import files, network, weights
from scratchnn.files import OutputError
from scratchnn.weights import WeightsError

ROOT = Path(__file__).resolve().parent.parent


def finishes(function, timeout: float = 60):
    """Run ``function`` in a daemon thread; its result or exception, or fail if it blocks (a FIFO would)."""
    outcome = {}

    def target():
        try:
            outcome["value"] = function()
        except BaseException as error:  # handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "blocked"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


@pytest.fixture()
def unix_socket(tmp_path):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        yield path


# --- atomic_write ---


def test_atomic_write_writes_text_or_bytes_readable_by_all_and_leaves_nothing_else(tmp_path):
    old_umask = os.umask(0o077)  # a private umask must not make a private file
    try:
        written = files.atomic_write(tmp_path / "a.txt", "naïve\n")
        files.atomic_write(tmp_path / "b.bin", b"\x00\xff")
    finally:
        os.umask(old_umask)
    assert written == tmp_path / "a.txt" and written.read_text(encoding="utf-8") == "naïve\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert stat.S_IMODE(written.stat().st_mode) == 0o644
    assert listing(tmp_path) == ["a.txt", "b.bin"]


def test_atomic_write_replaces_a_regular_file(tmp_path):
    path = tmp_path / "w.json"
    path.write_text("old")
    os.chmod(path, 0o444)  # read-only file in a writable folder: replaced, as a rename allows
    files.atomic_write(path, "new")
    assert path.read_text() == "new" and listing(tmp_path) == ["w.json"]


@pytest.mark.parametrize("when", ["write", "fsync", "replace"])
@pytest.mark.parametrize("error", [OSError("disk full (simulated)"), KeyboardInterrupt()])
def test_an_error_or_ctrl_c_mid_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, when, error):
    path = tmp_path / "w.json"
    path.write_text("old")

    def fail(*args, **kwargs):
        raise error

    if when == "write":
        monkeypatch.setattr(os, "fdopen", lambda fd, mode: os.close(fd) or fail())
    else:
        monkeypatch.setattr(os, when, fail)
    with pytest.raises(type(error)):
        files.atomic_write(path, "new")
    assert path.read_text() == "old"
    assert listing(tmp_path) == ["w.json"]


def test_the_target_is_checked_again_right_before_the_rename(tmp_path, monkeypatch):
    path = tmp_path / "w.json"
    real_fsync = os.fsync

    def fsync_then_swap(fd):
        real_fsync(fd)
        if not path.exists():  # while the data is being written, someone puts a FIFO there
            os.mkfifo(path)

    monkeypatch.setattr(os, "fsync", fsync_then_swap)
    with pytest.raises(OutputError, match="FIFO"):
        files.atomic_write(path, "data")
    assert stat.S_ISFIFO(path.lstat().st_mode) and listing(tmp_path) == ["w.json"]


# --- what may be replaced ---


def test_a_folder_is_refused_and_kept(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "precious").write_text("keep me")
    with pytest.raises(OutputError, match=r"out is a folder, not a file: refusing to replace it"):
        files.atomic_write(folder, "x")
    assert (folder / "precious").read_text() == "keep me"
    assert listing(tmp_path) == ["out"]


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match=r"pipe is a FIFO \(named pipe\)"):
        finishes(lambda: files.atomic_write(fifo, "x"))
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and listing(tmp_path) == ["pipe"]


def test_a_socket_is_refused(unix_socket):
    with pytest.raises(OutputError, match="is a socket"):
        files.atomic_write(unix_socket, "x")
    assert stat.S_ISSOCK(unix_socket.lstat().st_mode)


def test_a_symlink_to_a_fifo_or_a_folder_is_refused_and_the_link_kept(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "dir").mkdir()
    for name in ("pipe", "dir"):
        link = tmp_path / f"to-{name}"
        link.symlink_to(name)
        with pytest.raises(OutputError, match=f"to-{name} is a"):
            finishes(lambda link=link: files.atomic_write(link, "x"))
        assert link.is_symlink() and os.readlink(link) == name


def test_kinds_of_files_are_named():
    assert files.kind_of(stat.S_IFCHR | 0o666) == "a device"  # /dev/null: a character device
    assert files.kind_of(stat.S_IFBLK | 0o660) == "a device"
    assert files.kind_of(stat.S_IFDIR | 0o755) == "a folder"
    assert files.kind_of(stat.S_IFIFO | 0o644) == "a FIFO (named pipe)"
    assert files.kind_of(stat.S_IFSOCK | 0o755) == "a socket"


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "w.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert files.check_output_file(link) == target
    assert files.atomic_write(link, "new") == target
    assert link.is_symlink() and target.read_text() == "new"
    assert listing(tmp_path / "real") == ["w.json"] and listing(tmp_path) == ["link.json", "real"]


def test_a_dangling_symlink_creates_its_target_but_not_its_folder(tmp_path):
    (tmp_path / "new-link").symlink_to("made.json")
    files.atomic_write(tmp_path / "new-link", "x")
    assert (tmp_path / "made.json").read_text() == "x" and (tmp_path / "new-link").is_symlink()
    (tmp_path / "far-link").symlink_to("no/such/folder/w.json")
    with pytest.raises(OutputError, match="does not exist"):
        files.atomic_write(tmp_path / "far-link", "x")
    assert not (tmp_path / "no").exists()


def test_a_symlink_loop_is_refused(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OutputError, match="loop"):
        files.atomic_write(tmp_path / "a", "x")


@pytest.mark.parametrize(
    ("relative", "message"),
    [("missing/w.json", "the folder .*missing does not exist"), ("file/w.json", "a folder on its way is a file")],
)
def test_a_missing_folder_is_an_error_and_is_not_created(tmp_path, relative, message):
    (tmp_path / "file").write_text("a file, not a folder")
    with pytest.raises(OutputError, match=message):
        files.atomic_write(tmp_path / relative, "x")
    assert listing(tmp_path) == ["file"] and (tmp_path / "file").read_text() == "a file, not a folder"


# Root may write anywhere: run as root without the capabilities that override file permissions.
NOT_ALL_POWERFUL = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"] if os.geteuid() == 0 else []


def run_python(code: str, folder: Path) -> subprocess.CompletedProcess:
    """Run Python ``code`` in ``folder`` as a user bound by file permissions."""
    return subprocess.run(
        [*NOT_ALL_POWERFUL, sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT / "python")},
    )  # fmt: skip


@pytest.fixture()
def read_only_folder(tmp_path) -> Path:
    """A folder with a file in it that no one may write."""
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "w.json").write_text("old")
    os.chmod(folder, 0o555)
    yield folder
    os.chmod(folder, 0o755)


def test_a_read_only_folder_is_refused_before_anything_is_written(read_only_folder):
    code = (
        "from scratchnn import files\n"
        "try:\n    files.atomic_write('w.json', 'new')\nexcept files.OutputError as error:\n    print(error)\n"
    )
    result = run_python(code, read_only_folder)
    assert result.returncode == 0, result.stderr
    assert "w.json: the folder . is read-only" in result.stdout
    assert listing(read_only_folder) == ["w.json"] and (read_only_folder / "w.json").read_text() == "old"


# --- temporaries left by a killed writer ---


def killed_mid_write(path: Path) -> int:
    """A process that dies by SIGKILL between writing its temporary and renaming it; returns its pid."""
    code = (
        "import os, signal, sys\nfrom scratchnn import files\n"
        "os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"files.atomic_write({str(path)!r}, b'x' * 8_600_000)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT / "python")})
    assert process.wait(timeout=120) == -signal.SIGKILL
    return process.pid


def test_a_temporary_left_by_kill_9_is_removed_by_the_next_write(tmp_path):
    path = tmp_path / "w.json"
    path.write_text("old")
    pid = killed_mid_write(path)
    orphans = [name for name in listing(tmp_path) if name != "w.json"]
    assert len(orphans) == 1 and orphans[0].startswith(f".w.json.{pid}.") and orphans[0].endswith(".tmp")
    assert (tmp_path / orphans[0]).stat().st_size == 8_600_000 and path.read_text() == "old"
    files.atomic_write(path, "new")
    assert listing(tmp_path) == ["w.json"] and path.read_text() == "new"


def test_only_stale_temporaries_of_the_same_target_are_removed(tmp_path):
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = f".w.json.{dead_pid()}.0123abcd.tmp"
        kept = [
            f".w.json.{alive.pid}.0123abcd.tmp",  # its writer is still at work
            f".other.json.{dead_pid()}.0123abcd.tmp",  # another file's
            ".w.json.backup.tmp", ".w.json.123.0123abcd.tmp.x", "w.json.tmp",  # not names atomic_write makes
            ".w.json.k3j_x9ab.tmp",  # the name weights.save gave before files.py, written just now
        ]  # fmt: skip
        for name in [stale, *kept]:
            (tmp_path / name).write_text("x")
        (tmp_path / f".w.json.{dead_pid()}.feedf00d.tmp").mkdir()  # a folder is never deleted
        assert files.remove_stale_temps(tmp_path / "w.json") == [tmp_path / stale]
        files.atomic_write(tmp_path / "w.json", "x")
        assert sorted([*kept, "w.json"]) == [n for n in listing(tmp_path) if not n.endswith("feedf00d.tmp")]
    finally:
        alive.kill()
        alive.wait()


def test_an_hour_old_temporary_from_before_files_py_is_removed(tmp_path):
    old = tmp_path / ".w.json.k3j_x9ab.tmp"  # what a kill -9 during weights.save left until now
    old.write_bytes(bytes(8_684_444))  # a 2,048-unit float32 network's weights file
    os.utime(old, (old.stat().st_atime - 7200, old.stat().st_mtime - 7200))
    files.atomic_write(tmp_path / "w.json", "x")
    assert listing(tmp_path) == ["w.json"]


def test_a_pid_beyond_any_process_counts_as_gone(tmp_path):
    (tmp_path / f".w.json.{10**30}.0123abcd.tmp").write_text("x")
    files.atomic_write(tmp_path / "w.json", "x")
    assert listing(tmp_path) == ["w.json"]


# --- weights.save and weights.load on files ---


@pytest.fixture()
def params():
    return network.init_params(6, seed=2)


def test_weights_save_refuses_a_missing_folder_instead_of_making_it(params, tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        weights.save(tmp_path / "typo" / "w.json", params)
    assert listing(tmp_path) == []


def test_weights_save_refuses_a_folder_or_fifo(params, tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "dir").mkdir()
    for name in ("pipe", "dir"):
        with pytest.raises(OutputError, match="refusing to replace it"):
            finishes(lambda name=name: weights.save(tmp_path / name, params))
    assert stat.S_ISFIFO((tmp_path / "pipe").lstat().st_mode) and listing(tmp_path / "dir") == []


def test_weights_save_through_a_symlink_and_load_it_back(params, tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "latest.json").symlink_to("models/run1.json")
    assert weights.save(tmp_path / "latest.json", params, {"run": 1}) == tmp_path / "latest.json"
    assert (tmp_path / "latest.json").is_symlink()
    loaded, metadata = weights.load(tmp_path / "models" / "run1.json")
    assert metadata == {"run": 1} and np.array_equal(loaded["W1"], params["W1"])


def test_weights_load_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "w.json"
    os.mkfifo(fifo)
    (tmp_path / "link.json").symlink_to("w.json")
    for path in (fifo, tmp_path / "link.json"):
        with pytest.raises(WeightsError, match=rf"{path.name} is a FIFO \(named pipe\), not a weights file"):
            finishes(lambda path=path: weights.load(path))


def test_weights_load_refuses_a_folder_and_a_socket(tmp_path, unix_socket):
    with pytest.raises(WeightsError, match=f"{tmp_path} is a folder, not a weights file"):
        weights.load(tmp_path)
    with pytest.raises(WeightsError, match="is a socket, not a weights file"):
        weights.load(unix_socket)


def test_weights_load_refuses_an_oversized_file_before_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(weights.MAX_FILE_BYTES + 1)  # sparse: no disk used
    monkeypatch.setattr(weights, "open", lambda *a, **k: pytest.fail("opened"), raising=False)
    with pytest.raises(WeightsError, match=r"huge\.json: 24,000,001 bytes, over the 24,000,000"):
        weights.load(path)


def test_weights_load_takes_a_file_at_the_limit_to_the_json_check(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * weights.MAX_FILE_BYTES)  # allowed size; then it is simply not JSON
    with pytest.raises(WeightsError, match=r"big\.json: not valid JSON"):
        weights.load(path)


def test_weights_load_names_a_missing_file(tmp_path):
    with pytest.raises(WeightsError, match=r"nope\.json: cannot read \(No such file"):
        weights.load(tmp_path / "nope.json")
