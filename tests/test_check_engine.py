"""check_engine against engines whose behaviour is known independently: micrograd 0.1.0 and a gallery of bugs.

micrograd's two defects are first shown with micrograd itself (a deep chain
raises RecursionError; a second backward() compounds interior gradients),
then check_engine must report exactly those. Each engine in
examples/buggy_engines/ is a copy of one correct engine with one classic
mistake; the correct one must conform and every copy must be caught, with
the kind of defect its mistake makes.
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import re
import sys
from pathlib import Path

import pytest

import scalargrad as sg
from scalargrad.testing import Defect, EngineReport, NotAnEngine, assert_engine_conforms, check_engine

micrograd_engine = pytest.importorskip("micrograd.engine")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))
import check_engines  # noqa: E402 - the examples folder is on sys.path now

# Random graphs per engine (each operation alone gets a quarter, backward() twice half): few in CI, the
# command's default with the dev profile (HYPOTHESIS_PROFILE=dev python -m pytest tests/test_check_engine.py).
EXAMPLES_PER_ENGINE = 200 if os.environ.get("HYPOTHESIS_PROFILE") == "dev" else 60


@pytest.fixture(scope="module")
def micrograd_report() -> EngineReport:
    return check_engine(micrograd_engine.Value)


@functools.cache
def gallery_report(name: str) -> EngineReport:
    """check_engine's report on one engine of examples/buggy_engines, made once per test run."""
    return check_engine(check_engines.load(name), max_examples=EXAMPLES_PER_ENGINE)


# --------------------------------------------------------------- micrograd


def test_micrograd_itself_fails_on_a_deep_chain() -> None:
    x = micrograd_engine.Value(0.3)
    y = x
    for _ in range(5000):
        y = (y + 0.5) * 0.999
    with pytest.raises(RecursionError):
        y.backward()


def test_micrograd_itself_compounds_interior_gradients_on_a_second_backward() -> None:
    x0 = micrograd_engine.Value(0.0)
    t1 = x0 + x0
    y = t1 + t1
    y.backward()
    assert (x0.grad, t1.grad, y.grad) == (4, 2, 1)
    y.backward()  # t1 keeps 2 and adds 2; then passes 4 to x0 twice, on top of its 4
    assert (x0.grad, t1.grad, y.grad) == (12, 4, 1)


def test_micrograd_has_exactly_its_two_known_defects(micrograd_report: EngineReport) -> None:
    assert not micrograd_report.ok
    assert sorted(d.kind for d in micrograd_report.defects) == ["deep", "repeated"]
    deep = next(d for d in micrograd_report.defects if d.kind == "deep")
    assert "RecursionError" in deep.title and "10,000" in deep.title
    repeated = next(d for d in micrograd_report.defects if d.kind == "repeated")
    assert repeated.source.count("y.backward()") == 2


def test_micrograds_repeated_backward_defect_has_micrograds_own_numbers(
    micrograd_report: EngineReport,
) -> None:
    """The shrunk program, rerun on micrograd by hand, gives what the report's table says."""
    repeated = next(d for d in micrograd_report.defects if d.kind == "repeated")
    namespace: dict[str, object] = {"Value": micrograd_engine.Value}
    exec(repeated.source, namespace)  # noqa: S102 - the report's own program, which runs backward() twice
    table = {line.split()[1 if line.startswith("*") else 0]: line for line in repeated.table.splitlines()[1:]}
    for name, row in table.items():
        after_two = float(row.split()[-1])
        assert float(namespace[name].grad) == pytest.approx(after_two, rel=1e-8)  # type: ignore[attr-defined]
    marked = [line for line in repeated.table.splitlines() if line.startswith("*")]
    assert len(marked) == 1 and repeated.node == marked[0].split()[1]


def test_micrograd_supports_what_its_source_defines(micrograd_report: EngineReport) -> None:
    assert {
        "a + b",
        "2.0 + a",
        "a - b",
        "2.0 - a",
        "a * b",
        "2.0 * a",
        "a / b",
        "2.0 / a",
        "-a",
        "a ** 2",
        "a.relu()",
    } <= set(micrograd_report.supported)
    unsupported = dict(micrograd_report.unsupported)
    assert "a ** b" in unsupported and "AssertionError" in unsupported["a ** b"]  # Value ** number only
    assert "2.0 ** a" in unsupported  # no __rpow__
    assert not any("tanh" in key or "exp" in key for key in micrograd_report.supported)


def test_micrograds_division_by_zero_is_a_convention(micrograd_report: EngineReport) -> None:
    notes = "\n".join(micrograd_report.conventions)
    assert "ZeroDivisionError" in notes and "inf" in notes
    assert all(d.kind != "raised" for d in micrograd_report.defects)


def test_micrograd_is_checked_within_a_minute(micrograd_report: EngineReport) -> None:
    assert micrograd_report.seconds < 60


# ----------------------------------------------------------------- gallery


def test_the_correct_engine_conforms() -> None:
    report = gallery_report("correct")
    assert report.ok, str(report)
    assert {"a.tanh()", "a.exp()", "a.log()", "a.sigmoid()", "a.relu()", "2.0 - a", "2.0 / a"} <= set(
        report.supported
    )
    # it raises where IEEE-754 gives inf or nan: noted, not counted
    assert any("ValueError" in note for note in report.conventions)
    assert any("OverflowError" in note for note in report.conventions)


@pytest.mark.parametrize("name", sorted(check_engines.GALLERY))
def test_every_classic_bug_is_caught(name: str) -> None:
    report = gallery_report(name)
    assert {d.kind for d in report.defects} == check_engines.GALLERY[name], str(report)
    assert report.seconds < 60
    for defect in report.defects:
        if defect.program is not None:
            assert "y.backward()" in defect.source and defect.table
            assert defect.node is not None and re.search(
                rf"^\* {re.escape(defect.node)} ", defect.table, re.M
            ), defect


def _body(name: str) -> list[str]:
    text = (EXAMPLES / "buggy_engines" / f"{name}.py").read_text()
    return text[text.index('"""', 3) + 3 :].splitlines()  # after the docstring


@pytest.mark.parametrize("name", sorted(check_engines.GALLERY))
def test_each_buggy_engine_is_the_correct_one_with_one_mistake(name: str) -> None:
    changed = [
        line
        for line in difflib.unified_diff(_body("correct"), _body(name), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert 1 <= len(changed) <= 25, changed
    assert any("# BUG" in line for line in changed if line.startswith("+"))


def test_what_each_defect_says() -> None:
    """The explanations that go with the classic mistakes, from their smallest programs."""
    equals = gallery_report("equals_instead_of_plus_equals")
    assert any("(+=) rather than set it (=)" in d.detail for d in equals.defects)
    unseeded = gallery_report("root_gradient_not_seeded")
    (seed,) = unseeded.defects
    assert "not 1" in seed.title and "skipped" in seed.detail
    unreset = gallery_report("interior_gradients_not_reset")
    (repeated,) = unreset.defects
    assert "reset every non-input node's .grad to 0" in repeated.detail
    topo = gallery_report("no_topological_order")
    (order,) = topo.defects
    assert "suspect the order in which backward() visits" in order.detail
    assert order.program is not None and len(order.program.steps) >= 2  # it takes a graph, not one operation


def test_frames_mark_the_first_differing_node(tmp_path: Path) -> None:
    report = gallery_report("sigmoid_derivative_of_input")
    (defect,) = report.defects
    paths = defect.write_frames(tmp_path)
    names = sorted(p.name for p in paths)
    assert "steps.html" in names and "first-difference.svg" in names
    frames = [p for p in paths if p.name.startswith("frame-")]
    assert len(frames) == len(defect.program.reachable()) + 1  # type: ignore[union-attr]  # forward pass, then one per node
    assert all("first difference" in p.read_text() for p in frames)
    assert report.write_frames(tmp_path / "all") == [tmp_path / "all" / "defect-1" / p.name for p in paths]


# ------------------------------------------------------------- judgements


def test_equivalent_formulas_that_round_differently_are_not_defects() -> None:
    base = check_engines.load("correct")

    class Value(base):  # type: ignore[misc, valid-type]
        def tanh(self):  # type: ignore[no-untyped-def]  # (e^2x - 1) / (e^2x + 1): equal, rounding differently
            e = (2 * self).exp()
            return (e - 1) / (e + 1)

    report = check_engine(Value, max_examples=EXAMPLES_PER_ENGINE)
    assert report.ok, str(report)


def test_scalargrad_itself_conforms() -> None:
    assert_engine_conforms(sg.Value, max_examples=20, deep=1000)


def test_a_raise_inside_the_domain_is_a_defect() -> None:
    base = check_engines.load("correct")

    class Value(base):  # type: ignore[misc, valid-type]
        def exp(self):  # type: ignore[no-untyped-def]
            if self.data > 1:
                raise OverflowError("too big for me")  # well inside the domain
            return super().exp()

    report = check_engine(Value, max_examples=EXAMPLES_PER_ENGINE)
    assert [d.kind for d in report.defects] == ["raised"]
    assert "OverflowError" in report.defects[0].title and re.search(r"x\d\.exp\(\)", report.defects[0].source)


def test_assert_engine_conforms_carries_the_report() -> None:
    with pytest.raises(AssertionError, match="RecursionError"):
        assert_engine_conforms(check_engines.load("recursive_topological_sort"), max_examples=10)


@pytest.mark.parametrize(
    "target, message",
    [
        (3, "takes a class"),
        (type("TwoArguments", (), {"__init__": lambda self, a, b: None}), "not constructible from a number"),
        (type("NoData", (), {"__init__": lambda self, x: None}), "no number .data"),
        (
            type(
                "NoBackward",
                (),
                {"__init__": lambda self, x: setattr(self, "data", x) or setattr(self, "grad", 0.0)},
            ),
            "no backward",
        ),
    ],
)
def test_what_cannot_be_checked_is_said(target: object, message: str) -> None:
    with pytest.raises(NotAnEngine, match=message):
        check_engine(target)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="max_examples"):
        check_engine(sg.Value, max_examples=0)
    with pytest.raises(ValueError, match="deep"):
        check_engine(sg.Value, deep=1)


def test_report_text_lists_everything() -> None:
    report = gallery_report("rsub_wrong_sign")
    text = str(report)
    for part in (
        "supported, and checked",
        "not supported, so not checked",
        "checks run:",
        "defects (1):",
        "result: 1 defect",
    ):
        assert part in text
    (defect,) = report.defects
    assert isinstance(defect, Defect) and defect.kind == "value"
    assert "2.0 - x0" in defect.title or "- x" in defect.title
    # the value the engine gives, from the table, is x - c where c - x belongs
    row = next(line for line in defect.table.splitlines() if line.startswith("*"))
    expected, got = map(float, row.split()[-2:])
    assert math.isclose(got, -expected, abs_tol=1e-12)


def test_the_example_script_runs(tmp_path: Path) -> None:
    import subprocess

    result = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "check_engines.py"),
            "--engines",
            "correct",
            "rsub_wrong_sign",
            "--examples",
            "20",
            "--frames",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[0] == "correct" and lines[0].endswith("conforms")
    assert lines[1].split()[0] == "rsub_wrong_sign" and lines[1].endswith("1 defect(s): value")
    assert (tmp_path / "defect-1" / "steps.html").is_file()
