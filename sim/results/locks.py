"""One writer per output directory: an advisory lock beside it.

Two commands writing the same directory at once (two `cadres run --out X`
with different seeds) would each believe it wrote the result. Every command
that writes a result directory holds `output_lock(directory)` from its first
check of the directory to its last write; a second command is refused at
once with `OutputBusyError` (exit code 2 on the command line).

The lock is `fcntl.flock` on a hidden file next to the directory
(`.NAME.lock`), so it also guards a directory that does not exist yet or is
replaced by a rename. The kernel releases it when its holder exits, even by
kill -9: a stale lock file never blocks anyone. The holder removes the file
when it is done.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import OutputBusyError, OutputError


def _file_on(path: Path) -> Path:
    """The first part of `path` that exists as something other than a directory."""
    for part in reversed([path, *path.parents]):
        if part.exists() and not part.is_dir():
            return part
    return path


def lock_path(directory: Path) -> Path:
    """The lock file of an output directory: a hidden sibling."""
    directory = Path(directory).absolute()
    return directory.parent / f".{directory.name}.lock"


@contextmanager
def output_lock(directory: str | Path) -> Iterator[Path]:
    """Hold the lock of `directory` for the duration of the block.

    Raises:
        OutputBusyError: another process holds it.
        OutputError: the directory cannot exist there (a file is in the way, or no permission).
    """
    path = lock_path(Path(directory))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutputError(f"{directory}: expected a directory path, but {_file_on(path.parent)} is a file") from None
    except PermissionError:
        raise OutputError(f"{directory}: cannot create {path.parent} (permission denied)") from None
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(handle)
            raise OutputBusyError(
                f"{directory} is being written by another cadres process (pid {holder}); "
                "wait for it to finish or choose another --out"
            ) from None
        try:
            same = os.stat(path).st_ino == os.fstat(handle).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(handle)  # the previous holder removed the file after we opened it: lock the new one
    try:
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        path.unlink(missing_ok=True)
        os.close(handle)
