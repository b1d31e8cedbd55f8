"""The command line (issue 12, part 5): --version, NAME=VALUE, formulas starting with '-', folder errors,
--format gif without Pillow, --dpi, the help example, and ``scalargrad check``."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import scalargrad
from scalargrad import cli

REPO = Path(__file__).resolve().parent.parent
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs graphviz's dot")


def run_cli(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ if env is None else env)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    environment["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "scalargrad", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


def run_main(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys) -> None:
    code, out, _ = run_main(capsys, ["--version"])
    assert code == 0
    assert out.strip() == f"scalargrad {scalargrad.__version__}"


def test_draw_without_values_says_what_is_needed(capsys) -> None:
    code, _, err = run_main(capsys, ["draw", "x*w + b"])
    assert code == 2
    assert "no NAME=VALUE given" in err and "x, w, b" in err and "x=0.5 w=0.5 b=0.5" in err
    # the usage says values are optional, and they are, for a formula of numbers alone
    code, out, err = run_main(capsys, ["draw", "2 * 3 + 1"])
    assert code == 0, err
    assert out.startswith("f = 7\n")
    code, out, _ = run_main(capsys, ["draw", "--help"])
    assert "FORMULA [NAME=VALUE ...]" in out and "Each input needs a value" in out


@pytest.mark.parametrize(
    ("formula", "values"), [("-x*y", ["x=1", "y=2"]), ("-2*x", ["x=1"]), ("-x", ["x=1"])]
)
def test_a_formula_starting_with_a_minus_gets_a_hint(capsys, formula, values) -> None:
    code, _, err = run_main(capsys, ["draw", formula, *values])
    assert code == 2
    assert "put -- before it" in err and repr(formula) in err
    code, out, err = run_main(capsys, ["draw", "--", formula, *values])
    assert code == 0, err


def test_a_formula_with_spaces_after_a_minus_needs_no_dashes(capsys) -> None:
    code, out, err = run_main(capsys, ["draw", "-x * y", "x=1", "y=2"])  # argparse reads it as a word
    assert code == 0, err


def test_no_hint_for_other_usage_errors(capsys) -> None:
    code, _, err = run_main(capsys, ["draw", "x", "x=1", "--rankdir", "XX"])
    assert code == 2 and "put --" not in err


@needs_dot
@pytest.mark.parametrize("blocked", ["afile", "afile/sub"])
def test_walkthrough_out_errors_read_like_draw_o(tmp_path, blocked) -> None:
    (tmp_path / "afile").write_text("not a folder")
    result = run_cli(["walkthrough", "--out", blocked], tmp_path)
    assert result.returncode == 1
    assert "Errno" not in result.stderr and "Traceback" not in result.stderr
    assert (
        f"scalargrad walkthrough: error: cannot write {blocked}/: afile is a file, not a folder"
        in result.stderr
    )
    draw = run_cli(["draw", "x", "x=1", "-o", "nofolder/x.svg"], tmp_path)
    assert "scalargrad draw: error: cannot write nofolder/x.svg:" in draw.stderr  # the same shape


def test_gif_without_pillow_fails_before_any_work(capsys, monkeypatch, tmp_path) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        cli.importlib.util, "find_spec", lambda name, *a: None if name == "PIL" else real(name, *a)
    )
    code, out, err = run_main(capsys, ["walkthrough", "--out", str(tmp_path / "pics"), "--format", "gif"])
    assert code == 1
    assert out == ""  # no derivation, no training
    assert "needs Pillow" in err and "pip install" in err
    assert not (tmp_path / "pics").exists()


def test_the_help_example_prints_the_explanation_without_dot_text(capsys) -> None:
    code, out, _ = run_main(capsys, ["draw", "x**2 + 3*x", "x=2", "--explain", "x"])
    assert code == 0
    assert "digraph" not in out
    assert out.rstrip().endswith("∂f/∂x = (1)(4) + (1)(3) = 7")
    code, out, _ = run_main(capsys, ["draw", "--help"])
    assert 'scalargrad draw "x**2 + 3*x" x=2 --explain x' in out


@needs_dot
def test_dpi_makes_a_bigger_png(tmp_path, capsys) -> None:
    Image = pytest.importorskip("PIL.Image")
    assert run_main(capsys, ["draw", "x*w", "x=1", "w=2", "-o", str(tmp_path / "a.png")])[0] == 0
    assert (
        run_main(capsys, ["draw", "x*w", "x=1", "w=2", "-o", str(tmp_path / "b.png"), "--dpi", "192"])[0] == 0
    )
    small, big = Image.open(tmp_path / "a.png"), Image.open(tmp_path / "b.png")
    assert big.width == pytest.approx(2 * small.width, abs=3)
    code, _, err = run_main(capsys, ["draw", "x", "x=1", "--dpi", "5000"])
    assert code == 2 and "--dpi" in err


def test_check_is_a_subcommand(capsys) -> None:
    code, out, _ = run_main(capsys, ["--help"])
    assert "check" in out
    code, out, _ = run_main(capsys, ["check", "--help"])
    assert code == 0 and "MODULE:NAME" in out and "micrograd.engine:Value" in out
    code, _, err = run_main(capsys, ["check", "scalargrad.value:Valeu"])
    assert code == 2 and "has no attribute Valeu" in err


def test_check_micrograd_from_the_real_entry_point(tmp_path) -> None:
    pytest.importorskip("micrograd.engine")
    pytest.importorskip("hypothesis")
    result = run_cli(["check", "micrograd.engine:Value", "--examples", "20", "--deep", "200"], tmp_path)
    assert result.returncode in (0, 1), result.stderr  # conforms, or defects found: never a usage error
    assert "result:" in result.stdout
    assert "Traceback" not in result.stderr
