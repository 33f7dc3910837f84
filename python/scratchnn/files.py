"""Writing output files safely: refuse what must not be replaced, and never leave half a file.

``check_output_file(path)`` says whether ``path`` may be written: it may be a regular file (which
will be replaced), nothing yet, or a symlink to one of those (its target is replaced; the link
stays a link). Folders, devices, FIFOs and sockets are refused, and so is a folder that does not
exist or cannot be written. Run as root, replacing ``/dev/null`` with a file breaks the machine.

``atomic_write(path, data)`` writes ``data`` to a temporary file beside the target, flushes it to
disk, then renames it over the target: a reader sees the old file or the new one, never half.
A temporary is named ``.{name}.{pid}.{random}.tmp``; if its writer is killed (kill -9 runs no
cleanup), the next write to the same target deletes it once that process is gone. (Before this
module, a kill -9 while train.py wrote a large network's weights left an 8.7 MB orphan that
nothing removed: those are deleted too.)
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import time
from pathlib import Path


class OutputError(ValueError):
    """An output path that cannot or must not be written; the message names it and says why."""


def kind_of(mode: int) -> str:
    """What a file of this st_mode is, in words: "a folder", "a FIFO (named pipe)", ..."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_output_file(path: str | os.PathLike) -> Path:
    """The file that writing ``path`` will replace (``path``, or a symlink's target).

    Raises OutputError unless that is a regular file or does not exist yet, in a folder that
    exists and can be written.
    """
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if target.is_symlink():
        raise OutputError(f"{path}: a symlink that leads nowhere (a loop?)")
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        raise OutputError(f"{path}: a folder on its way is a file") from None
    except OSError as error:
        raise OutputError(f"{path}: cannot be written ({error.strerror or error})") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputError(f"{path} is {kind_of(mode)}, not a file: refusing to replace it")
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: the folder {folder} is read-only")
    return target


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process is there
    except (ProcessLookupError, OverflowError):  # OverflowError: beyond any pid there can be
        return False
    except PermissionError:
        return True  # there, but someone else's
    return True


def remove_stale_temps(target: Path) -> list[Path]:
    """Delete the temporaries of ``target`` whose writer is gone (killed mid-write); return them.

    Also those of weights.save before this module (``.{name}.XXXXXXXX.tmp``, no pid): after an hour."""
    name = re.compile(re.escape(f".{target.name}.") + r"(?:(\d+)\.[0-9a-f]{8}|[a-z0-9_]{8})\.tmp")
    removed = []
    for entry in os.scandir(target.parent):
        match = name.fullmatch(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        pid = match[1]  # None for an old-style name
        stale = not process_exists(int(pid)) if pid else time.time() - entry.stat().st_mtime > 3600
        if stale:
            Path(entry.path).unlink(missing_ok=True)
            removed.append(Path(entry.path))
    return removed


def atomic_write(path: str | os.PathLike, data: bytes | str) -> Path:
    """Replace ``path`` (or a symlink's target) with ``data`` (text is written as UTF-8), atomically.

    Until the final rename the old file is intact; on any error or interruption the temporary
    is deleted. Returns the file written. Raises OutputError for a refused path, OSError if
    the write itself fails (a full disk).
    """
    target = check_output_file(path)
    remove_stale_temps(target)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    temp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)  # readable by everyone whatever the umask: these files are for sharing
        if check_output_file(path) != target:  # again: the path may have changed while we wrote
            raise OutputError(f"{path} changed while it was being written; not replaced")
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    sync_folder(target.parent)
    return target


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk, so a rename survives a power cut (where the OS allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename is done either way
    finally:
        os.close(fd)
