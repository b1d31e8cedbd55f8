"""The ``scalargrad`` command, run as users run it: ``walkthrough`` and ``draw``.

The numbers are checked against references that do not come from the code:
the seed tutorial's published figures for the walkthrough, and Python's math
module with central finite differences for ``draw``. Most runs are real
subprocesses (``python -m scalargrad`` and the ``scalargrad`` console script);
the property test calls :func:`scalargrad.cli.main` in-process, since a
subprocess per example would be far too slow.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from seed003 import (
    DE_DW1,
    DE_DW2,
    LABELLED,
    OUTH,
    OUTO,
    W1_AFTER_ONE_STEP,
    W1_CAPTION,
    W2_AFTER_ONE_STEP,
    W2_CAPTION,
    E,
)

from scalargrad import cli

REPO = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot program is not installed")

FRAMES = len(LABELLED) + 1  # the forward-pass frame, then one per backward step

TANH_ARGS = ["tanh(x*w + b)", "x=0.5", "w=-3", "b=2"]


# ------------------------------------------------------------------ helpers


def run_cli(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, command: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real entry point (``python -m scalargrad`` unless ``command`` is given)."""
    environment = dict(os.environ if env is None else env)
    # The checkout's package, whether or not it is installed; UTF-8 for the ∂ and × signs.
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    environment["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        (command or [sys.executable, "-m", "scalargrad"]) + args,
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def run_main(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    """``cli.main(argv)`` in-process: exit code, stdout, stderr (argparse's exits count as codes)."""
    capsys.readouterr()  # forget anything printed before
    try:
        code = cli.main(argv)
    except SystemExit as exit:  # argparse ends --help and its own usage errors this way
        code = exit.code if isinstance(exit.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def console_script() -> str:
    """The installed ``scalargrad`` command, preferring the one beside this interpreter."""
    found = shutil.which("scalargrad", path=str(Path(sys.executable).parent)) or shutil.which("scalargrad")
    if found is None:
        pytest.skip("the scalargrad console script is not installed (pip install -e .)")
    return found


def svg_texts(source: Path | bytes | str) -> list[str]:
    """Every <text> of an SVG, whitespace normalised (graphviz turns double spaces into &#160;)."""
    if isinstance(source, Path):
        root = ET.parse(source).getroot()
    else:
        root = ET.fromstring(source)
    assert root.tag == f"{SVG}svg"
    return [" ".join("".join(text.itertext()).split()) for text in root.iter(f"{SVG}text")]


def printed_results(stdout: str) -> tuple[str, float, dict[str, float]]:
    """The root's name, its value and the gradients from draw's first lines (``f = ...``, ``∂f/∂x = ...``)."""
    lines = stdout.splitlines()
    name, value = re.fullmatch(r"(\w+'*) = (\S+)", lines[0]).groups()
    gradients = {}
    for line in lines[1:]:
        match = re.fullmatch(rf"∂{re.escape(name)}/∂(\w+) = (\S+)", line)
        if match is None:
            break
        gradients[match.group(1)] = float(match.group(2))
    return name, float(value), gradients


def assert_usage_error(code: int, err: str, *named: str) -> str:
    """Exit 2, one ``error:`` line (then at most the formula and a caret line), no traceback."""
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.rstrip("\n").splitlines()
    assert lines[0].startswith("scalargrad draw: error: "), err
    assert len(lines) in (1, 3), err
    if len(lines) == 3:  # the formula, then ^ under the offending part
        assert set(lines[2].strip()) == {"^"}, err
    for name in named:
        assert name in lines[0], (name, err)
    return lines[0]


def agrees(printed: float, reference: float) -> bool:
    """Whether a number printed with six decimals (or six digits, when tiny or huge) is ``reference``."""
    return math.isclose(printed, reference, rel_tol=2e-5, abs_tol=1.5e-6)


# An independent evaluator of formula text: Python's parser for the syntax,
# the math module for the numbers. Anything not finite is Undefined, and
# comparisons are skipped there.


class Undefined(Exception):
    pass


def _finite(x: float) -> float:
    if not math.isfinite(x):
        raise Undefined
    return x


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


REFERENCE_FUNCTIONS = {
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda x: max(x, 0.0),
    "softplus": _softplus,
    "abs": abs,
    "leaky_relu": lambda x, slope=0.01: x if x > 0 else slope * x,
}


def reference_value(formula: str, values: dict[str, float]) -> float:
    """The formula's value computed with math; raises Undefined where that is not a finite number."""

    def value(node: ast.expr) -> float:
        if isinstance(node, ast.Constant):
            return _finite(float(node.value))
        if isinstance(node, ast.Name):
            return _finite(values[node.id])
        if isinstance(node, ast.UnaryOp):
            operand = value(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            a, b = value(node.left), value(node.right)
            if isinstance(node.op, ast.Add):
                return _finite(a + b)
            if isinstance(node.op, ast.Sub):
                return _finite(a - b)
            if isinstance(node.op, ast.Mult):
                return _finite(a * b)
            if isinstance(node.op, ast.Div):
                return _finite(a / b)
            return _finite(math.pow(a, b))
        assert isinstance(node, ast.Call), ast.dump(node)
        arguments = [value(argument) for argument in node.args]
        return _finite(REFERENCE_FUNCTIONS[node.func.id](*arguments))

    try:
        return value(ast.parse(formula.strip(), mode="eval").body)
    except (ZeroDivisionError, OverflowError, ValueError):  # x/0, exp(1000), log(-1), pow(-1, 0.5)
        raise Undefined from None


def reference_gradient(formula: str, values: dict[str, float], name: str) -> float:
    """d formula / d name by central differences; Undefined at kinks and where they are unstable."""
    h = 1e-6 * max(1.0, abs(values[name]))

    def at(shift: float) -> float:
        return reference_value(formula, {**values, name: values[name] + shift})

    middle, above, below = at(0.0), at(h), at(-h)
    central = (above - below) / (2 * h)
    forward, backward = (above - middle) / h, (middle - below) / h
    # At a kink (relu, abs at 0) the one-sided slopes differ, and the derivative is a convention.
    if not math.isfinite(central) or abs(forward - backward) > 1e-3 * (1 + abs(central)):
        raise Undefined
    return central


# ------------------------------------------------ walkthrough, as a subprocess


@pytest.fixture(scope="module")
def walkthrough_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``scalargrad walkthrough`` with no arguments, run once for every test that reads its output."""
    if shutil.which("dot") is None:
        pytest.skip("graphviz's dot program is not installed")
    cwd = tmp_path_factory.mktemp("walkthrough")
    return run_cli(["walkthrough"], cwd), cwd / "scalargrad-walkthrough"


def test_walkthrough_exits_0_without_traceback(walkthrough_run):
    result, _ = walkthrough_run
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_walkthrough_writes_exactly_the_promised_files(walkthrough_run):
    _, folder = walkthrough_run
    frames = {f"steps/frame-{k:02d}.svg" for k in range(FRAMES)}
    promised = {"graph.svg", "graph-collapsed.svg", "path-w1.svg", "path-w2.svg", "walkthrough.html"} | frames
    written = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}
    assert written == promised


def test_walkthrough_lists_the_files_it_wrote(walkthrough_run):
    result, folder = walkthrough_run
    listed = re.findall(r"^  (scalargrad-walkthrough/\S+)$", result.stdout, re.M)
    on_disk = {path.relative_to(folder.parent).as_posix() for path in folder.rglob("*") if path.is_file()}
    assert set(listed) == on_disk
    assert f"Wrote {len(on_disk)} files" in result.stdout


def test_walkthrough_prints_the_chain_rule_captions(walkthrough_run):
    result, _ = walkthrough_run
    assert W2_CAPTION in result.stdout
    assert W1_CAPTION in result.stdout
    # The forward pass, with the published values to six decimals.
    assert f"outh = σ(neth) = σ(0.05) = {OUTH:.6f}" in result.stdout
    assert f"= {OUTO:.6f}" in result.stdout
    assert f"= {E:.6f}" in result.stdout


def test_walkthrough_prints_the_weights_after_one_step(walkthrough_run):
    result, _ = walkthrough_run
    assert f"w1 = 0.5 - 0.9 × (-0.001033) = {W1_AFTER_ONE_STEP:.10f}" in result.stdout
    assert f"w2 = 0.5 - 0.9 × (-0.042387) = {W2_AFTER_ONE_STEP:.10f}" in result.stdout


def test_walkthrough_prints_where_training_stops(walkthrough_run):
    result, _ = walkthrough_run
    assert re.search(r"^  iterations  813$", result.stdout, re.M)
    assert re.search(r"^  w1 +0\.8800250$", result.stdout, re.M)
    assert re.search(r"^  w2 +4\.0056202$", result.stdout, re.M)
    assert re.search(r"^  output +0\.8900135 ", result.stdout, re.M)


@pytest.mark.parametrize("name", ["graph.svg", "graph-collapsed.svg", "path-w1.svg", "path-w2.svg"])
def test_walkthrough_pictures_show_the_labelled_nodes(walkthrough_run, name):
    _, folder = walkthrough_run
    texts = svg_texts(folder / name)
    for label in ("w1", "neth", "outo", "E"):
        assert label in texts, (name, label)
    # Every picture shows the published gradient of w1 in its node.
    assert f"{DE_DW1:.6f}" in texts


def test_walkthrough_path_views_caption_the_products(walkthrough_run):
    _, folder = walkthrough_run
    assert W1_CAPTION in svg_texts(folder / "path-w1.svg")
    assert W2_CAPTION in svg_texts(folder / "path-w2.svg")


def test_walkthrough_frames_are_captioned_in_order(walkthrough_run):
    _, folder = walkthrough_run
    captions = [svg_texts(folder / "steps" / f"frame-{k:02d}.svg")[0] for k in range(FRAMES)]
    for k, caption in enumerate(captions):
        assert caption.startswith(f"frame {k + 1}/{FRAMES} "), caption  # as the page numbers them
    assert "forward pass" in captions[0] and f"{E:.6f}" in captions[0]
    assert captions[1].endswith("∂E/∂E = 1")
    # Each weight's step ends with its published gradient.
    assert any(c.split(" ", 2)[2].startswith("∂E/∂w1 =") and c.endswith(f"= {DE_DW1:.6f}") for c in captions)
    assert any(c.split(" ", 2)[2].startswith("∂E/∂w2 =") and c.endswith(f"= {DE_DW2:.6f}") for c in captions)
    # Each labelled node's gradient is completed by exactly one step.
    completed = [c.split(" ", 2)[2].split(" = ")[0] for c in captions[1:]]
    assert sorted(completed) == sorted(f"∂E/∂{label}" for label in LABELLED)


def test_walkthrough_frames_hide_gradients_not_yet_computed(walkthrough_run):
    _, folder = walkthrough_run
    first, last = (svg_texts(folder / "steps" / f"frame-{k:02d}.svg") for k in (0, FRAMES - 1))
    assert first.count("?") == len(LABELLED)  # every grad cell is unknown before the backward pass
    assert "?" not in last


def test_walkthrough_html_lays_the_graph_out_once_and_steps_every_frame(walkthrough_run):
    _, folder = walkthrough_run
    page = (folder / "walkthrough.html").read_text(encoding="utf-8")
    # one picture, restyled at each step: every labelled node once, none as an <img>
    assert page.count("<svg") == 1 and "<img" not in page
    assert sorted(int(k) for k in re.findall(r'<g data-n="(\d+)"', page)) == list(range(len(LABELLED)))
    data = json.loads(
        re.search(r'<script type="application/json" data-role="data">(.*?)</script>', page, re.S).group(1)
    )
    assert len(data) == FRAMES
    assert any(frame["caption"].endswith(f"= {DE_DW1:.6f}") for frame in data)
    # every step after the first completes one node, each node once
    assert sorted(frame["node"] for frame in data[1:]) == list(range(len(LABELLED)))


@needs_dot
def test_walkthrough_png_and_gif_formats(tmp_path):
    pytest.importorskip("PIL", reason="writing a GIF needs Pillow")
    from PIL import Image

    result = run_cli(["walkthrough", "--out", "pics", "--format", "png", "--format", "gif"], tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "pics"
    files = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}
    pngs = {"graph.png", "graph-collapsed.png", "path-w1.png", "path-w2.png"}
    pngs |= {f"steps/frame-{k:02d}.png" for k in range(FRAMES)}
    assert files == pngs | {"steps.gif"}  # no SVG and no HTML unless asked for
    for name in pngs:
        assert (folder / name).read_bytes().startswith(PNG_SIGNATURE), name
    assert (folder / "steps.gif").read_bytes()[:6] == b"GIF89a"
    with Image.open(folder / "steps.gif") as gif:
        assert gif.n_frames == FRAMES


def test_walkthrough_unknown_format_is_a_usage_error(tmp_path):
    result = run_cli(["walkthrough", "--format", "jpg"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: scalargrad walkthrough")
    assert "'jpg'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "scalargrad-walkthrough").exists()


@needs_dot
def test_console_script_runs_the_walkthrough(tmp_path):
    result = run_cli(
        ["walkthrough", "--format", "html", "--out", "page"], tmp_path, command=[console_script()]
    )
    assert result.returncode == 0, result.stderr
    assert W1_CAPTION in result.stdout
    assert re.search(r"^  iterations  813$", result.stdout, re.M)
    assert [p.name for p in (tmp_path / "page").iterdir()] == ["walkthrough.html"]


# ------------------------------------------------------ draw: files and text


def tanh_reference() -> tuple[float, dict[str, float]]:
    values = {"x": 0.5, "w": -3.0, "b": 2.0}
    return reference_value("tanh(x*w + b)", values), {
        name: reference_gradient("tanh(x*w + b)", values, name) for name in values
    }


@needs_dot
@pytest.mark.parametrize("entry", ["module", "console script"])
def test_draw_writes_an_svg_and_prints_value_and_gradients(tmp_path, entry):
    command = [console_script()] if entry == "console script" else None
    result = run_cli(["draw", *TANH_ARGS, "-o", "graph.svg"], tmp_path, command=command)
    assert result.returncode == 0, result.stderr
    value, gradients = tanh_reference()
    assert value == pytest.approx(math.tanh(0.5 * -3 + 2))
    name, printed, printed_gradients = printed_results(result.stdout)
    assert name == "f"
    assert agrees(printed, value)
    assert printed_gradients.keys() == {"x", "w", "b"}
    for input_name, gradient in gradients.items():
        assert agrees(printed_gradients[input_name], gradient), input_name
    texts = svg_texts(tmp_path / "graph.svg")
    assert {"x", "w", "b", "f"} <= set(texts)
    assert f"{value:.6f}" in texts


def test_draw_explain_ends_with_the_gradient(capsys):
    code, out, err = run_main(capsys, ["draw", *TANH_ARGS, "--explain", "x"])
    assert code == 0, err
    _, _, gradients = printed_results(out)
    last = out.rstrip().splitlines()[-1]
    assert last.strip().startswith("∂f/∂x = ")
    final = float(last.rsplit(" = ", 1)[1])
    assert final == gradients["x"]
    assert agrees(final, tanh_reference()[1]["x"])
    assert "Forward pass" in out and "Chain rule" in out


def test_draw_latex_prints_the_derivation_as_latex(capsys):
    code, out, err = run_main(capsys, ["draw", *TANH_ARGS, "--explain", "w", "--latex"])
    assert code == 0, err
    assert r"\frac{\partial" in out
    assert r"\[" in out and r"\]" in out
    together = out.rstrip().splitlines()[-1]
    assert together.startswith(r"\[ \frac{\partial f}{\partial w} = ") and together.endswith(r" \]")
    final = float(together.removesuffix(r" \]").rsplit(" = ", 1)[1])
    assert agrees(final, tanh_reference()[1]["w"])


def test_draw_without_output_prints_dot_text(capsys):
    code, out, err = run_main(capsys, ["draw", *TANH_ARGS])
    assert code == 0, err
    dot = out.split("\n", 4)[4]  # after f and the three gradients
    assert dot.startswith("digraph")
    assert dot.rstrip().endswith("}")
    assert dot.count("->") == 5  # x, w -> x*w; x*w, b -> +; + -> tanh


@needs_dot
def test_draw_steps_writes_frames_and_a_stepper(tmp_path):
    result = run_cli(["draw", *TANH_ARGS, "--steps", "frames"], tmp_path)
    assert result.returncode == 0, result.stderr
    # Six nodes (x, w, x*w, b, +, tanh): the forward frame and one per backward step.
    nodes = 6
    expected = {f"frame-{k:02d}.svg" for k in range(nodes + 1)} | {"steps.html"}
    assert {path.name for path in (tmp_path / "frames").iterdir()} == expected
    for k in range(nodes + 1):
        assert svg_texts(tmp_path / "frames" / f"frame-{k:02d}.svg")[0].startswith(
            f"frame {k + 1}/{nodes + 1} "
        )
    page = (tmp_path / "frames" / "steps.html").read_text(encoding="utf-8")
    assert page.count('<g data-n="') == nodes and page.count("<svg") == 1


# ------------------------------------------------------------- draw, numbers


@pytest.mark.parametrize(
    "formula, values",
    [
        ("x*x + 3*x", {"x": 2.0}),
        ("sigmoid(a*b)", {"a": 1.0, "b": 2.0}),
        ("-x * y", {"x": 1.0, "y": 2.0}),
        ("log(x) / sqrt(y) + exp(-x*y)", {"x": 1.5, "y": 0.25}),
        ("softplus(x) - leaky_relu(x - 3, 0.2) * abs(y)", {"x": 0.7, "y": -1.25}),
        ("sin(x)**2 + cos(x)**2 + x**y", {"x": 1.3, "y": -0.5}),
        ("relu(x) * relu(-y) + 2**x", {"x": 0.3, "y": -4.0}),
    ],
)
def test_draw_values_and_gradients_match_math(capsys, formula, values):
    args = [f"{name}={value!r}" for name, value in values.items()]
    code, out, err = run_main(capsys, ["draw", "--", formula, *args])
    assert code == 0, err
    _, printed, gradients = printed_results(out)
    assert agrees(printed, reference_value(formula, values))
    assert gradients.keys() == values.keys()
    for name in values:
        assert agrees(gradients[name], reference_gradient(formula, values, name)), name


def test_draw_a_formula_that_is_one_input(capsys):
    # The graph is the input's own leaf: its value is x and d x / d x = 1.
    code, out, err = run_main(capsys, ["draw", "x", "x=1.5"])
    assert code == 0, err
    _, value, gradients = printed_results(out)
    assert value == 1.5
    assert gradients == {"x": 1.0}


def test_draw_an_input_named_like_an_unlabelled_node(capsys):
    # Unlabelled nodes get short names n0, n1, ...; an input may still be called n2.
    code, out, err = run_main(capsys, ["draw", "x*y + n2", "n2=1", "x=2", "y=3"])
    assert code == 0, err
    _, value, gradients = printed_results(out)
    assert value == 7.0
    assert gradients == {"x": 3.0, "y": 2.0, "n2": 1.0}


def test_draw_an_input_named_like_a_constant(capsys):
    # A constant leaf is named by its number; 1e999 is inf, and an input may be called inf.
    code, out, err = run_main(capsys, ["draw", "inf + 1e999", "inf=1"])
    assert code == 0, err
    _, value, gradients = printed_results(out)
    assert value == math.inf
    assert gradients == {"inf": 1.0}


def test_draw_an_input_called_f_renames_the_result(capsys):
    code, out, err = run_main(capsys, ["draw", "f*2", "f=3"])
    assert code == 0, err
    name, value, gradients = printed_results(out)
    assert name != "f"
    assert (value, gradients) == (6.0, {"f": 2.0})


def test_the_result_is_named_f_unless_an_input_is(capsys):
    for formula, values, expected in [("x*2", ["x=3"], "f"), ("f*g", ["f=3", "g=2"], "f'")]:
        code, out, err = run_main(capsys, ["draw", formula, *values])
        assert code == 0, err
        assert out.splitlines()[0].split(" = ")[0] == expected


# --------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    "formula, shown",
    [
        ("x*", None),  # syntax error: ends too early
        ("(x + 1", None),  # unbalanced parenthesis
        ("__import__('os')", "__import__"),  # no calls but the engine's functions
        ("x.real", "x.real"),  # no attribute access
        ("foo(x)", "foo"),  # unknown function
        ("x % 2", "%"),  # operator outside the whitelist
        ("lambda: 1", None),
        ("'text'", None),
    ],
)
def test_draw_bad_formula_is_a_usage_error(capsys, formula, shown):
    code, out, err = run_main(capsys, ["draw", formula, "x=1"])
    line = assert_usage_error(code, err, "bad formula")
    if shown is not None:
        assert shown in line
    assert len(err.rstrip("\n").splitlines()) == 3  # a bad formula is always pointed at
    assert out == ""  # nothing computed, nothing printed


def test_draw_input_without_value_is_named(capsys):
    code, _, err = run_main(capsys, ["draw", "x*w", "x=1"])
    assert_usage_error(code, err, "'w'", "no value")


def test_draw_value_for_no_input_is_named(capsys):
    code, _, err = run_main(capsys, ["draw", "x*2", "x=1", "y=2"])
    line = assert_usage_error(code, err)
    assert re.search(r"\by=", line) and "no input" in line


def test_draw_value_that_is_not_a_number(capsys):
    code, _, err = run_main(capsys, ["draw", "x*2", "x=abc"])
    assert_usage_error(code, err, "abc", "not a number")


def test_draw_malformed_assignment(capsys):
    code, _, err = run_main(capsys, ["draw", "x*2", "x"])
    assert_usage_error(code, err, "'x'")


def test_draw_explain_of_a_non_input(capsys):
    code, out, err = run_main(capsys, ["draw", "x*w", "x=1", "w=2", "--explain", "y"])
    assert_usage_error(code, err, "--explain y", "x, w")
    assert out == ""


def test_draw_unknown_output_suffix_fails_cleanly(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(capsys, ["draw", "x*2", "x=1", "-o", "graph.jpg"])
    assert_usage_error(code, err, "graph.jpg", ".svg")
    assert out == ""  # refused before any work
    assert list(tmp_path.iterdir()) == []


def test_draw_latex_without_explain_is_a_usage_error(capsys):
    code, out, err = run_main(capsys, ["draw", "x*2", "x=1", "--latex"])
    assert_usage_error(code, err, "--latex needs --explain")
    assert out == ""


def test_draw_into_a_missing_folder_names_the_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(capsys, ["draw", "x*2", "x=1", "-o", "nodir/g.dot"])
    assert code == 1 and "Traceback" not in err
    assert f"there is no folder {tmp_path / 'nodir'}" in err and ".tmp" not in err


def test_draw_into_a_closed_pipe_stops_quietly(tmp_path):
    # `scalargrad draw ... | head -1`: the reader leaves after one line.
    environment = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    command = f"{shlex.quote(sys.executable)} -m scalargrad draw 'x*y' x=1 y=2 | head -1"
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert result.stdout == "f = 2\n"
    assert result.stderr == ""


@needs_dot
def test_walkthrough_writes_each_format_once(tmp_path):
    result = run_cli(["walkthrough", "--format", "html", "--format", "html"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Wrote 1 file to" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["draw", "x*2", "x=abc"], "not a number"),
        (["draw", "__import__('os').system('echo hi')"], "bad formula"),
        (["draw", "x"], "the formula's inputs x each need a value"),
        (["draw", "x*y", "x=1"], "no value for input 'y'"),
    ],
)
def test_usage_errors_from_the_real_entry_point_have_no_traceback(tmp_path, args, message):
    result = run_cli(args, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("scalargrad draw: error: ")
    assert message in result.stderr.splitlines()[0]
    assert "hi" not in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "required"),
    ],
)
def test_bad_or_missing_subcommand_is_a_usage_error(tmp_path, args, message):
    result = run_cli(args, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: scalargrad")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_console_script_usage_error_has_no_traceback(tmp_path):
    result = run_cli(["draw", "foo(x)", "x=1"], tmp_path, command=[console_script()])
    assert result.returncode == 2
    assert result.stderr.startswith("scalargrad draw: error: bad formula")
    assert "Traceback" not in result.stderr


# ------------------------------------------------- issue 13: what the fuzzer found


def balanced_sum(terms: int, term: str = "x*w") -> str:
    """``(x*w+x*w)+(...)``: a sum of ``terms`` terms that nests only log2(terms) deep."""
    parts = [term] * terms
    while len(parts) > 1:
        parts = [f"({a}+{b})" for a, b in zip(parts[::2], parts[1::2])] + (
            parts[-1:] if len(parts) % 2 else []
        )
    return parts[0]


def test_draw_steps_refuses_a_graph_too_big_to_step_through(tmp_path, capsys, monkeypatch):
    # An 8 KB formula of 4,000 nodes ran past 60 s and 2.7 GB: one frame per node, each drawing every node.
    monkeypatch.chdir(tmp_path)
    formula = balanced_sum(1300)
    assert 7000 < len(formula) < 10_000
    code, out, err = run_main(capsys, ["draw", formula, "x=1", "w=2", "--steps", "frames"])
    line = assert_usage_error(code, err, "--steps", f"the most is {cli.MAX_STEP_FRAMES} frames", "--collapse")
    assert "2602 frames of 2601 nodes" in line  # x, w, 1300 products, 1299 sums
    assert out == ""  # refused before any work
    assert list(tmp_path.iterdir()) == []


def test_draw_steps_counts_the_frames_it_would_draw(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr(cli, "require_dot", lambda: None)
    monkeypatch.setattr(cli, "step_frames", lambda *args, **kwargs: calls.append(args) or [])
    monkeypatch.setattr(cli, "write_frames", lambda frames, folder, format: [])
    monkeypatch.setattr(cli, "write_stepper", lambda frames, path: path)
    # x and 198 additions are 199 drawn nodes: 200 frames, the most allowed.
    code, _, err = run_main(capsys, ["draw", balanced_sum(199, "x"), "x=1", "--steps", "frames"])
    assert code == 0, err
    assert len(calls) == 1
    code, _, err = run_main(capsys, ["draw", balanced_sum(200, "x"), "x=1", "--steps", "frames"])
    assert_usage_error(code, err, "--steps would draw 201 frames of 200 nodes each")
    # Collapsed, a big formula is four frames: x, w, f and the forward pass.
    code, _, err = run_main(
        capsys, ["draw", balanced_sum(1300), "x=1", "w=2", "--collapse", "--steps", "frames"]
    )
    assert code == 0, err
    assert len(calls) == 2


def test_draw_a_non_finite_constant_exponent(tmp_path):
    # scalargrad draw "x**1e309" x=2 printed a traceback.
    result = run_cli(["draw", "x**1e309", "x=2", "--explain", "x"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("f = inf\n∂f/∂x = inf\n")
    assert "x^inf" in result.stdout and "Together" in result.stdout


@pytest.fixture
def path_with_broken_dot(tmp_path: Path) -> dict[str, str]:
    """An environment whose ``dot`` fails as graphviz does on a label it cannot read."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    dot = bin_dir / "dot"
    dot.write_text("#!/bin/sh\ncat >/dev/null\necho 'Error: syntax error in line 1 near ]' >&2\nexit 1\n")
    dot.chmod(0o755)
    return {**os.environ, "PATH": str(bin_dir)}


def test_graphviz_failing_is_one_line_naming_the_file(tmp_path, path_with_broken_dot):
    result = run_cli(["draw", *TANH_ARGS, "-o", "g.svg"], tmp_path, env=path_with_broken_dot)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("scalargrad draw: error: graphviz's dot could not render g.svg (exit status 1)")
    assert "syntax error in line 1" in line
    assert not (tmp_path / "g.svg").exists()


def test_a_bug_is_one_line_not_a_traceback(capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("something deep inside")

    monkeypatch.setattr(cli, "draw", broken)
    code, _, err = run_main(capsys, ["draw", "x*2", "x=1"])
    assert code == 1
    assert "Traceback" not in err
    assert err.startswith("scalargrad draw: internal error: RuntimeError: something deep inside")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        ("draw x*2 x=1", r"main\(\) takes a list of argument strs .* got str 'draw x\*2 x=1'"),
        (["draw", 2], r"main\(\): argv\[1\] is int 2, not a str"),
        (b"draw", r"main\(\) takes a list of argument strs"),
    ],
)
def test_main_with_arguments_of_the_wrong_type(argv, message):
    with pytest.raises(TypeError, match=message):
        cli.main(argv)


# ---------------------------------------------------------------------- help


@pytest.mark.parametrize(
    "argv, shown",
    [
        (["--help"], "walkthrough"),
        (["walkthrough", "--help"], "scalargrad walkthrough --out pics --format png"),
        (["draw", "--help"], 'scalargrad draw "tanh(x*w + b)" x=0.5 w=-3 b=2 -o graph.svg'),
    ],
)
def test_help_exits_0_and_shows_examples(capsys, argv, shown):
    code, out, err = run_main(capsys, argv)
    assert code == 0
    assert err == ""
    assert out.startswith("usage: scalargrad")
    assert "\nexamples:\n" in out
    assert shown in out.split("\nexamples:\n", 1)[1]


def test_help_of_the_real_entry_point(tmp_path):
    result = run_cli(["draw", "--help"], tmp_path)
    assert result.returncode == 0
    assert "examples:" in result.stdout and "leaky_relu" in result.stdout


# ---------------------------------------------------------- without graphviz


@pytest.fixture
def path_without_dot(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH holds only a python symlink, so graphviz's dot cannot be found."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    assert shutil.which("dot", path=str(bin_dir)) is None
    return {**os.environ, "PATH": str(bin_dir)}


def test_draw_to_a_picture_without_graphviz_says_how_to_install_it(tmp_path, path_without_dot):
    result = run_cli(["draw", *TANH_ARGS, "-o", "g.svg"], tmp_path, env=path_without_dot)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "graphviz" in result.stderr and "apt-get install graphviz" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "g.svg").exists()


def test_walkthrough_without_graphviz_fails_cleanly(tmp_path, path_without_dot):
    result = run_cli(["walkthrough"], tmp_path, env=path_without_dot)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "apt-get install graphviz" in result.stderr
    assert not (tmp_path / "scalargrad-walkthrough").exists()  # no empty folder left behind
    assert "iterations  813" in result.stdout  # the derivation and training need no graphviz


def test_dot_text_and_explain_need_no_graphviz(tmp_path, path_without_dot):
    result = run_cli(["draw", *TANH_ARGS, "--explain", "b"], tmp_path, env=path_without_dot)
    assert result.returncode == 0, result.stderr
    assert "digraph" not in result.stdout  # the explanation was asked for, not the DOT text
    dot = run_cli(["draw", *TANH_ARGS], tmp_path, env=path_without_dot)
    assert dot.returncode == 0 and "\ndigraph" in dot.stdout
    _, _, gradients = printed_results(result.stdout)
    assert float(result.stdout.rstrip().rsplit(" = ", 1)[1]) == gradients["b"]


# ------------------------------------------------- property: any formula text

NAMES = ("x", "w", "b")
NUMBERS = ("0.5", "2", "3", "1.5", "0.1", "10", "1e-3")
FUNCTION_NAMES = ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "softplus", "abs")
VALUES = (-2.0, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 1.5, 3.0)
# Characters a mutation inserts: formula syntax, and what the whitelist must refuse.
NOISE = "()+-*/.,_ x0123456789e[]'\"#%@^~!&|<>=:;{}\\`$?"


@st.composite
def formulas(draw_) -> str:
    """Valid formula text from a small grammar; precedence is left to the parser."""
    leaves = st.sampled_from(NAMES) | st.sampled_from(NUMBERS)

    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(children, st.sampled_from("+-*/"), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        )
        flat = st.tuples(children, st.sampled_from("+-*/"), children).map(lambda t: f"{t[0]} {t[1]} {t[2]}")
        power = st.tuples(children, st.sampled_from(["2", "3", "0.5", "-1", "x", "(w)"])).map(
            lambda t: f"({t[0]})**{t[1]}"
        )
        negate = children.map(lambda c: f"-({c})")
        call = st.tuples(st.sampled_from(FUNCTION_NAMES), children).map(lambda t: f"{t[0]}({t[1]})")
        leaky = st.tuples(children, st.sampled_from(["", ", 0.1", ", -0.2"])).map(
            lambda t: f"leaky_relu({t[0]}{t[1]})"
        )
        return binary | flat | power | negate | call | leaky

    return draw_(st.recursive(leaves, extend, max_leaves=6))


@st.composite
def mutated(draw_, text: str) -> str:
    """``text`` with one character inserted, deleted or replaced."""
    where = draw_(st.integers(0, len(text)))
    kind = draw_(st.sampled_from(["insert", "delete", "replace"]))
    character = draw_(st.sampled_from(NOISE))
    if kind == "insert" or where == len(text):
        return text[:where] + character + text[where:]
    if kind == "delete":
        return text[:where] + text[where + 1 :]
    return text[:where] + character + text[where + 1 :]


def names_in(formula: str) -> list[str]:
    """The formula's inputs in order of first appearance (names that are not called)."""
    tree = ast.parse(formula.strip(), mode="eval")
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    found = [node for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in called]
    return list(dict.fromkeys(node.id for node in sorted(found, key=lambda n: n.col_offset)))


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_draw_any_formula_exits_0_or_2_and_prints_the_right_numbers(capsys, data):
    formula = data.draw(formulas(), label="formula")
    broken = data.draw(st.booleans(), label="broken")
    if broken:
        formula = data.draw(mutated(formula), label="mutated formula")
    try:
        inputs = names_in(formula)
    except SyntaxError:  # not even Python: any values will do
        inputs = list(NAMES)
    words = [f"{name}={data.draw(st.sampled_from(VALUES), label=name)!r}" for name in inputs]
    problem = data.draw(
        st.sampled_from([None, None, None, "missing", "extra", "not a number"]), label="problem"
    )
    if problem == "missing" and words:
        words.pop()
    elif problem == "extra":
        words.append("zz=1")
    elif problem == "not a number":
        words.append("x=one" if "x" not in inputs else "q=0x1p3")
    elif problem == "missing":
        problem = None  # a formula without inputs misses no value
    options = []
    if inputs and not broken and data.draw(st.booleans(), label="explain"):
        options = ["--explain", data.draw(st.sampled_from(inputs), label="explain name")]

    code, out, err = run_main(capsys, ["draw", *options, "--", formula, *words])

    assert code in (0, 2), (code, err)
    assert "Traceback" not in err
    if problem is not None:  # wrong values are refused, whatever the formula
        assert_usage_error(code, err)
        return
    if not broken:  # a formula from the grammar, with a value for each input, must work
        assert code == 0, err
    if code == 2:
        assert_usage_error(code, err, "bad formula")
        return
    assert err == ""
    name, printed, gradients = printed_results(out)
    used = {word.split("=")[0]: float(word.split("=")[1]) for word in words}
    assert set(gradients) == set(used)  # one gradient per input, and every value was an input's
    try:
        reference = reference_value(formula, used)
    except Undefined:
        return
    assert agrees(printed, reference), (formula, used, printed, reference)
    for input_name, gradient in gradients.items():
        if not math.isfinite(gradient):
            # IEEE-754 as in PyTorch: inf × 0 is nan even where the true derivative exists
            # (sqrt(relu(x)) at x < 0); only finite gradients are compared.
            continue
        try:
            expected = reference_gradient(formula, used, input_name)
        except Undefined:
            continue
        assert math.isclose(gradient, expected, rel_tol=1e-4, abs_tol=2e-5), (
            formula,
            used,
            input_name,
            gradient,
            expected,
        )
    if options:  # the derivation ends with the gradient it explains (nan included)
        final = out.rstrip().rsplit(" = ", 1)[1]
        assert f"\n∂{name}/∂{options[1]} = {final}\n" in out
