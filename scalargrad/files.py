"""Writing files so that a crash never leaves a torn one.

>>> import os, tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     path = write_atomically(os.path.join(folder, "note.txt"), "∂E/∂w1\\n")
...     path.read_text(encoding="utf-8")
'∂E/∂w1\\n'
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(path: str | os.PathLike[str], content: str | bytes) -> Path:
    """Write ``content`` (str as UTF-8) to ``path``: all of it or, after a crash, the old file.

    The bytes go to a temporary file in the same directory, are flushed to
    disk, and the file is renamed over ``path`` in one step.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     first = write_atomically(os.path.join(folder, "w.txt"), "old")
    ...     write_atomically(first, b"new").read_text(), sorted(os.listdir(folder))
    ('new', ['w.txt'])
    """
    target = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    directory = target.resolve().parent
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {target}: there is no folder {directory}")
    temporary = directory / f".{target.name}.{os.urandom(6).hex()}.tmp"
    # os.open rather than tempfile.mkstemp: mkstemp's files are mode 0600,
    # and the written file should get the usual permissions (0666 minus umask).
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)
    return target


def _fsync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk (POSIX);
    # Windows cannot open a directory, and there the rename is enough.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
