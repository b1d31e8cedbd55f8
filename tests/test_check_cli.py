"""``scalargrad check MODULE:NAME`` (scalargrad/cli/check.py): its exit codes, its output, its files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scalargrad.cli.check import main

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "examples" / "buggy_engines"
FAST = ["--examples", "30", "--deep", "2000"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_correct_engine_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([f"{GALLERY / 'correct.py'}:Value", *FAST], capsys)
    assert code == 0 and err == ""
    assert out.rstrip().splitlines()[-1].startswith("result: conforms")


def test_micrograd_exits_1_with_its_defects(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("micrograd")
    code, out, _ = run(["micrograd.engine:Value", "--examples", "30"], capsys)
    assert code == 1
    assert "RecursionError" in out and "backward() twice" in out and "result: 2 defects" in out


def test_frames_are_written_for_each_defect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([f"{GALLERY / 'rsub_wrong_sign.py'}:Value", *FAST, "--frames", str(tmp_path)], capsys)
    assert code == 1
    frames = sorted((tmp_path / "defect-1").glob("frame-*.svg"))
    assert frames and (tmp_path / "defect-1" / "steps.html").is_file()
    assert "first difference" in frames[-1].read_text()
    written = list((tmp_path / "defect-1").iterdir())
    assert f"wrote {len(written)} files to {tmp_path / 'defect-1'}" in out


@pytest.mark.parametrize(
    "target, message",
    [
        ("micrograd.engine", "expected MODULE:NAME"),
        ("no_such_module_anywhere:Value", "no module named no_such_module_anywhere"),
        ("scalargrad.value:NoSuchName", "has no attribute NoSuchName"),
        ("math:pi", "is a float, not a class"),
        ("fractions:Fraction", "has no number .data"),
        ("collections:OrderedDict", "not constructible from a number"),
        ("examples/no_such_file.py:Value", "no file"),
    ],
)
def test_usage_errors_exit_2(target: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([target], capsys)
    assert code == 2 and out == ""
    assert err.startswith("scalargrad check: error:") and message in err


def test_a_module_that_fails_to_import_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken_engine.py"
    broken.write_text("raise RuntimeError('half-written')\n")
    code, _, err = run([f"{broken}:Value"], capsys)
    assert code == 2 and "RuntimeError: half-written" in err


def test_bad_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scalargrad.value:Value", "--examples", "0"]) == 2
    assert main([]) == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "exit status: 0 the engine conforms, 1 it has defects, 2 usage error" in capsys.readouterr().out


def test_as_a_program() -> None:
    """``python -m scalargrad check``, run in another folder: a module beside the user is found."""
    result = subprocess.run(
        [sys.executable, "-m", "scalargrad", "check", "rsub_wrong_sign:Value", *FAST],
        capture_output=True,
        text=True,
        cwd=GALLERY,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "result:" in result.stdout and "defect" in result.stdout
