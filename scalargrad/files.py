"""Writing files so that a crash never leaves a torn one.

>>> import os, tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     path = write_atomically(os.path.join(folder, "note.txt"), "∂E/∂w1\\n")
...     path.read_text(encoding="utf-8")
'∂E/∂w1\\n'

How a save works, and what it promises:

* The bytes go to a temporary file beside the file they replace, are flushed
  to disk, and the temporary file is renamed over the target in one step. A
  reader sees the old file or the new one, never a part of either.
* A symbolic link is written through, as editors do: the chain of links is
  followed to the file it ends at (which may not exist yet), and that file is
  replaced, in its own folder (so on its own filesystem). The links stay links.
* The new file keeps the permission bits of the file it replaces (and, where
  the process may set them, its owner and group); a new file gets the usual
  ``0o666`` minus the umask.
* Temporary names are ``.{name}.{key}-{token}.tmp``: ``name`` is the target's
  name, cut short when needed so that the whole temporary name fits the
  filesystem's limit on a name (255 bytes, or less where the folder says so),
  ``key`` is 8 hex digits of a hash of the full name (so two long names that
  share their start get different keys), and ``token`` is 12 random hex
  digits.
* A save that is killed (SIGKILL, a power cut) leaves its temporary file
  behind. Every later save of the same target removes such leftovers: the
  files in the target's folder whose names follow the target's own pattern
  exactly and which no live save holds. A save holds an exclusive ``flock``
  on its temporary file from the moment it is created until it has been
  renamed, and the kernel drops the lock when its process dies, so a
  leftover whose lock can be taken is abandoned. An empty leftover younger
  than two seconds is left alone even then, because a save takes its lock
  just after creating the file. Where locks are not available (some network
  filesystems) nothing is removed; on Windows, where a file that is open
  cannot be deleted, a leftover is removed once it is two seconds old.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import sys
import time
from pathlib import Path

if sys.platform != "win32":
    import fcntl

__all__ = ["write_atomically"]

#: Longest file name assumed when the folder does not say (NAME_MAX on Linux, macOS and NTFS).
_NAME_MAX = 255
#: How many symbolic links a path may pass through (the kernel's limit on Linux).
_MAX_LINKS = 40
#: An abandoned temporary file that is still empty must be this old (seconds) to be removed.
_GRACE = 2.0
_TOKEN = re.compile(r"[0-9a-f]{12}\.tmp")


def write_atomically(path: str | os.PathLike[str], content: str | bytes) -> Path:
    """Write ``content`` (str as UTF-8) to ``path``: all of it or, after a crash, the old file.

    The bytes go to a temporary file in the same directory, are flushed to
    disk, and the file is renamed over ``path`` in one step. A symbolic link
    is written through to the file it ends at, the new file keeps the mode of
    the one it replaces, a name of up to 255 bytes can be saved, and what
    killed saves of the same file left behind is cleaned up (the module's
    docstring has the details). Returns ``Path(path)``.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     first = write_atomically(os.path.join(folder, "w.txt"), "old")
    ...     write_atomically(first, b"new").read_text(), sorted(os.listdir(folder))
    ('new', ['w.txt'])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     long = write_atomically(os.path.join(folder, "w" * 255), "ok")
    ...     len(long.name), long.read_text()
    (255, 'ok')
    """
    given = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    target = _final_target(os.fspath(given))
    directory, name = os.path.split(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot write {given}: there is no folder {directory}")
    try:
        old: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        old = None
    prefix = _temporary_prefix(name, _name_max(directory))
    _remove_leftovers(directory, prefix)
    temporary = os.path.join(directory, f"{prefix}{os.urandom(6).hex()}.tmp")
    # os.open rather than tempfile.mkstemp: a new file should get the usual
    # permissions (0666 minus umask). A replacement starts private (0600) and
    # only then gets the old file's mode, so it is never more open than the
    # file it replaces (another user cannot open it while it is 0644).
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if old is None else 0o600)
    try:
        _lock(fd)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if old is not None:
            _copy_owner_and_mode(fd, old)
        os.fsync(fd)
        if sys.platform == "win32":  # Windows cannot rename a file that is open
            os.close(fd)
            fd = -1
        os.replace(temporary, target)
    except BaseException:
        if fd >= 0:
            os.close(fd)
            fd = -1
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    finally:
        if fd >= 0:
            os.close(fd)  # only now: the lock is held until the rename is done
    _fsync_directory(directory)
    return given


def _final_target(path: str) -> str:
    """The absolute path ``path`` ends at once every symbolic link in its last part is followed.

    The folders on the way are resolved too (``os.path.realpath``), so the
    result names the real folder the file lives in; the file itself may not
    exist (a dangling link is followed to the file it would create).
    """
    # Not os.path.abspath: it would drop "link/.." by the letter, where the
    # system goes up from the folder the link points to.
    current = os.path.join(os.getcwd(), path)
    for _ in range(_MAX_LINKS):
        directory, name = os.path.split(current)
        if name in ("", ".", ".."):  # a folder, not a file: let the rename refuse it
            return os.path.realpath(current)
        directory = os.path.realpath(directory)
        current = os.path.join(directory, name)
        try:
            link = os.readlink(current)
        except (FileNotFoundError, NotADirectoryError):
            return current  # nothing there yet: the file to create
        except OSError as error:
            if error.errno == errno.EINVAL:
                return current  # there, and not a link
            raise
        current = os.path.join(directory, link)  # an absolute link replaces the folder
    raise OSError(errno.ELOOP, f"too many levels of symbolic links (more than {_MAX_LINKS})", path)


def _name_max(directory: str) -> int:
    """The longest file name (in bytes) the folder's filesystem takes, at most 255."""
    try:
        limit = os.pathconf(directory, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        return _NAME_MAX
    return min(limit, _NAME_MAX) if limit > 0 else _NAME_MAX


def _temporary_prefix(name: str, name_max: int = _NAME_MAX) -> str:
    """``.{name}.{key}-``: a temporary name of ``name`` is this, 12 hex digits and ``.tmp``.

    ``name`` is cut (by whole characters) so that the full temporary name
    fits in ``name_max`` bytes; ``key`` (8 hex digits of the SHA-256 of the
    whole name) tells apart names cut to the same start.

    >>> _temporary_prefix("w.txt")
    '.w.txt.7715bd7e-'
    >>> len(_temporary_prefix("w" * 255) + "0" * 12 + ".tmp")
    255
    """
    key = hashlib.sha256(os.fsencode(name)).hexdigest()[:8]
    budget = max(name_max - len(f"..{key}-{'0' * 12}.tmp"), 0)
    part = name
    while len(os.fsencode(part)) > budget:
        part = part[:-1]
    return f".{part}.{key}-"


def _lock(fd: int) -> None:
    """Hold an exclusive ``flock`` on ``fd`` (until it is closed): a sign that its save is alive."""
    if sys.platform != "win32":
        with contextlib.suppress(OSError):  # no locks on this filesystem: then none is removed
            fcntl.flock(fd, fcntl.LOCK_EX)


def _copy_owner_and_mode(fd: int, old: os.stat_result) -> None:
    if sys.platform == "win32":
        return
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) != (old.st_uid, old.st_gid):
        # Only root may give a file away; anyone may keep their own. (Before
        # fchmod, because changing the owner clears the set-user-ID bit.)
        with contextlib.suppress(OSError):
            os.fchown(fd, old.st_uid, old.st_gid)
    os.fchmod(fd, stat.S_IMODE(old.st_mode))


def _remove_leftovers(directory: str, prefix: str) -> None:
    """Remove the temporary files of this target (``prefix``) that no live save holds."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and _TOKEN.fullmatch(name, len(prefix)):
            with contextlib.suppress(OSError):
                _remove_if_abandoned(os.path.join(directory, name))


def _remove_if_abandoned(path: str) -> None:
    if sys.platform == "win32":
        # A file another process has open cannot be deleted here; one closed
        # just before its rename is protected by its age.
        if time.time() - os.lstat(path).st_mtime > _GRACE:
            os.unlink(path)
        return
    # O_NONBLOCK: a FIFO that happens to have such a name must not block the open.
    # Any access will do for a lock; write-only when the mode copied from the
    # target (say 0o200) does not let its owner read it.
    flags = os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        fd = os.open(path, os.O_RDONLY | flags)
    except PermissionError:
        fd = os.open(path, os.O_WRONLY | flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # a live save holds it (or locks are not available): leave it
        now = os.fstat(fd)
        if now.st_size == 0 and time.time() - now.st_mtime < _GRACE:
            return  # perhaps a save between creating its file and locking it
        here = os.lstat(path)
        if (here.st_dev, here.st_ino) == (now.st_dev, now.st_ino):
            os.unlink(path)
    finally:
        os.close(fd)


def _fsync_directory(directory: str) -> None:
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
