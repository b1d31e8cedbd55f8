"""write_atomically: the whole new file, or the old one; never a torn or stray file."""

import os

import pytest

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
