"""write_atomically: the whole new file, or the old one; never a torn or stray file."""

import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from scalargrad import files
from scalargrad.files import write_atomically


def test_writes_text_as_utf8_and_bytes_as_they_are(tmp_path):
    assert write_atomically(tmp_path / "a.txt", "∂E/∂w1").read_bytes() == "∂E/∂w1".encode()
    assert write_atomically(str(tmp_path / "b.bin"), b"\x00\xff").read_bytes() == b"\x00\xff"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "page.html"
    path.write_text("old", encoding="utf-8")

    def failing_replace(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="rename failed"):
        write_atomically(path, "new")
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_file_mode_follows_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_atomically(tmp_path / "steps.html", "x")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644  # like any new file, not mkstemp's 0600


# ---------------------------------------------------------------- issue 13
#
# Regression tests for the fuzz/fault harness's findings: symbolic links,
# long names, the mode of a replaced file, and leftovers of killed saves.


posix_only = pytest.mark.skipif(os.name != "posix", reason="symbolic links, modes and flock as on POSIX")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@posix_only
def test_saving_through_a_symlink_writes_the_file_it_points_to(tmp_path):
    (tmp_path / "real.txt").write_text("old")
    (tmp_path / "link.txt").symlink_to("real.txt")
    assert write_atomically(tmp_path / "link.txt", "new") == tmp_path / "link.txt"
    assert (tmp_path / "link.txt").is_symlink()  # the link stays a link
    assert (tmp_path / "real.txt").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real.txt"]


@posix_only
def test_a_chain_of_links_across_folders_is_followed_to_its_end(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "final.txt").write_text("old")
    (tmp_path / "b" / "hop.txt").symlink_to("final.txt")
    (tmp_path / "a" / "start.txt").symlink_to("../b/hop.txt")
    write_atomically(tmp_path / "a" / "start.txt", "new")
    assert (tmp_path / "b" / "final.txt").read_text() == "new"
    assert (tmp_path / "a" / "start.txt").is_symlink() and (tmp_path / "b" / "hop.txt").is_symlink()
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["final.txt", "hop.txt"]


@posix_only
def test_a_dangling_link_creates_the_file_it_points_to(tmp_path):
    (tmp_path / "link.txt").symlink_to("not-yet.txt")
    write_atomically(tmp_path / "link.txt", "made")
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "not-yet.txt").read_text() == "made"


@posix_only
def test_a_link_loop_is_an_error_and_changes_nothing(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OSError, match="symbolic links"):
        write_atomically(tmp_path / "a", "x")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()
    assert leftovers(tmp_path) == []


@posix_only
def test_a_link_to_another_filesystem_is_written_there(tmp_path):
    # The temporary file goes beside the target: a rename across filesystems would fail (EXDEV).
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK) or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs a writable folder on another filesystem (/dev/shm)")
    real = shm / f"scalargrad-test-{os.getpid()}-{time.monotonic_ns()}.txt"
    real.write_text("old")
    try:
        (tmp_path / "link.txt").symlink_to(real)
        write_atomically(tmp_path / "link.txt", "new")
        assert real.read_text() == "new" and (tmp_path / "link.txt").is_symlink()
        assert [p.name for p in tmp_path.iterdir()] == ["link.txt"]
        assert not [p for p in shm.iterdir() if p.name.startswith(f".{real.name}.")]
    finally:
        real.unlink()


@pytest.mark.parametrize("length", [1, 227, 228, 229, 237, 238, 254, 255])
def test_names_up_to_255_bytes_can_be_saved(tmp_path, length):
    name = "w" * length
    write_atomically(tmp_path / name, "old")
    assert write_atomically(tmp_path / name, "new").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_long_name_of_multibyte_characters_can_be_saved(tmp_path):
    name = "∂" * 85  # 255 bytes in UTF-8
    assert len(name.encode()) == 255
    assert write_atomically(tmp_path / name, "ok").read_text() == "ok"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_temporary_names_fit_and_tell_long_names_apart():
    a, b = "x" * 250 + "a", "x" * 250 + "b"
    for name in (a, b, "∂" * 85, "short.txt"):
        assert len(os.fsencode(files._temporary_prefix(name) + "0" * 12 + ".tmp")) <= 255
        assert files._temporary_prefix(name).startswith("." + name[:50])
    assert files._temporary_prefix(a) != files._temporary_prefix(b)
    # a smaller limit (NAME_MAX of the folder's filesystem) is respected too
    assert len(files._temporary_prefix("y" * 143, 143) + "0" * 12 + ".tmp") == 143


@posix_only
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755, 0o444], ids=oct)
def test_the_mode_of_a_replaced_file_is_kept(tmp_path, mode):
    path = tmp_path / "secret.txt"
    path.write_text("old")
    path.chmod(mode)
    old = os.umask(0o022)
    try:
        write_atomically(path, "new")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert path.read_text() == "new"


@posix_only
def test_the_mode_of_a_file_behind_a_link_is_kept(tmp_path):
    (tmp_path / "real.txt").write_text("old")
    (tmp_path / "real.txt").chmod(0o600)
    (tmp_path / "link.txt").symlink_to("real.txt")
    write_atomically(tmp_path / "link.txt", "new")
    assert stat.S_IMODE((tmp_path / "real.txt").stat().st_mode) == 0o600


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="only root may give a file away")
def test_root_saving_a_users_file_keeps_its_owner(tmp_path):
    path = tmp_path / "theirs.txt"
    path.write_text("old")
    os.chown(path, 1234, 5678)
    path.chmod(0o4750)  # set-user-ID survives the chown too
    write_atomically(path, "new")
    st = path.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1234, 5678, 0o4750)


@posix_only
def test_a_new_file_gets_0666_minus_a_strict_umask(tmp_path):
    old = os.umask(0o077)
    try:
        path = write_atomically(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# A child process that saves `target` and stops between writing its
# temporary file and renaming it, saying so on stdout; the test kills it there.
STALLED_SAVE = textwrap.dedent(
    """
    import os, sys, time
    from scalargrad.files import write_atomically

    def stall(src, dst):
        print("written", flush=True)
        time.sleep(60)

    os.replace = stall
    write_atomically(sys.argv[1], b"half-saved " * 100_000)
    """
)


def stalled_save(target: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", STALLED_SAVE, str(target)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(files.__file__).resolve().parents[1],  # this checkout's scalargrad
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "written\n"
    return child


def kill(child: subprocess.Popen[str]) -> None:
    child.kill()  # SIGKILL: no cleanup runs
    child.wait(timeout=10)
    assert child.stdout is not None
    child.stdout.close()


@posix_only
def test_a_later_save_removes_what_a_killed_save_left(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old")
    child = stalled_save(path)
    kill(child)
    [left] = leftovers(tmp_path)
    assert left.startswith(".model.json.") and (tmp_path / left).stat().st_size == 1_100_000
    assert path.read_text() == "old"  # the killed save changed nothing
    write_atomically(path, "new")
    assert leftovers(tmp_path) == []
    assert path.read_text() == "new"


@posix_only
def test_a_save_in_progress_is_not_cleaned_up_by_another(tmp_path):
    path = tmp_path / "model.json"
    child = stalled_save(path)
    try:
        [alive] = leftovers(tmp_path)
        write_atomically(path, "meanwhile")  # the live save's file is left alone
        assert leftovers(tmp_path) == [alive]
    finally:
        kill(child)
    write_atomically(path, "after")  # now it is abandoned: removed
    assert leftovers(tmp_path) == []


@posix_only
def test_a_killed_save_through_a_long_name_and_a_link_is_cleaned_up_too(tmp_path):
    name = "n" * 250
    (tmp_path / "link").symlink_to(name)
    kill(stalled_save(tmp_path / "link"))
    [left] = leftovers(tmp_path)
    assert len(os.fsencode(left)) <= 255
    write_atomically(tmp_path / "link", "ok")
    assert leftovers(tmp_path) == [] and (tmp_path / name).read_text() == "ok"


def test_only_the_targets_own_abandoned_files_are_removed(tmp_path):
    path = tmp_path / "a.txt"
    prefix = files._temporary_prefix("a.txt")
    mine = tmp_path / f"{prefix}{'0' * 12}.tmp"
    others = [
        tmp_path / f"{files._temporary_prefix('b.txt')}{'0' * 12}.tmp",  # another target's
        tmp_path / f"{prefix}{'0' * 11}.tmp",  # not the pattern
        tmp_path / f".a.txt.{'0' * 12}.tmp",  # the old pattern
        tmp_path / "a.txt.tmp",  # the user's
    ]
    for p in [mine, *others]:
        p.write_text("left")
    write_atomically(path, "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.txt", *(p.name for p in others)])


@posix_only
def test_an_empty_leftover_is_removed_only_once_it_is_old(tmp_path):
    # A save locks its file just after creating it: a fresh empty file may be one not locked yet.
    path = tmp_path / "a.txt"
    empty = tmp_path / f"{files._temporary_prefix('a.txt')}{'1' * 12}.tmp"
    empty.touch()
    write_atomically(path, "x")
    assert empty.exists()
    old = time.time() - 60
    os.utime(empty, (old, old))
    write_atomically(path, "y")
    assert not empty.exists()
