"""scalargrad.cli.walkthrough as a library: the worked example's numbers, training, text and pictures.

The references are the seed tutorial's published figures, and a plain-math
forward pass (no scalargrad) differentiated by central finite differences.
"""

from __future__ import annotations

import math
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
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

from scalargrad.cli.walkthrough import build, derivation, train, write_pictures
from scalargrad.value import Value
from scalargrad.viz.trace import trace

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot program is not installed")


# --------------------------------------------------------------- references


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def plain_forward(w1: float, w2: float, i1: float = 0.1, target: float = 0.9) -> dict[str, float]:
    """The example's forward pass in plain floats, independent of scalargrad."""
    neth = i1 * w1
    outh = sigmoid(neth)
    neto = outh * w2
    outo = sigmoid(neto)
    return {"neth": neth, "outh": outh, "neto": neto, "outo": outo, "E": 0.5 * (target - outo) ** 2}


def finite_difference(f, x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def plain_gradients(w1: float, w2: float, i1: float = 0.1, target: float = 0.9) -> tuple[float, float]:
    """dE/dw1 and dE/dw2 by central differences of the plain forward pass."""
    return (
        finite_difference(lambda w: plain_forward(w, w2, i1, target)["E"], w1),
        finite_difference(lambda w: plain_forward(w1, w, i1, target)["E"], w2),
    )


def node_labelled(root: Value, label: str) -> Value:
    """The node of root's graph with this label, found by walking the parents."""
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.label == label:
            return node
        stack.extend(node.parents)
    raise LookupError(label)


def six(x: float) -> str:
    """Six decimals, as the derivation prints them."""
    return f"{x:.6f}".rstrip("0").rstrip(".")


# ------------------------------------------------------------------ build


def test_the_references_agree_with_each_other():
    # The plain-math forward pass and finite differences reproduce the published figures,
    # so they are fit to judge the library where no figures were published.
    plain = plain_forward(0.5, 0.5)
    assert plain["outh"] == pytest.approx(OUTH, rel=1e-15)
    assert plain["outo"] == pytest.approx(OUTO, rel=1e-15)
    assert plain["E"] == pytest.approx(E, rel=1e-14)
    g1, g2 = plain_gradients(0.5, 0.5)
    assert g1 == pytest.approx(DE_DW1, rel=1e-6)
    assert g2 == pytest.approx(DE_DW2, rel=1e-7)


def test_build_forward_pass_matches_the_published_figures():
    E_node = build()
    record = trace(E_node)
    assert record.node("outh").data == pytest.approx(OUTH, rel=1e-15)
    assert record.node("outo").data == pytest.approx(OUTO, rel=1e-15)
    assert record.node("E").data == pytest.approx(E, rel=1e-14)
    assert E_node.data == record.node("E").data
    assert record.node("neth").data == pytest.approx(0.05, rel=1e-15)
    assert (record.node("i1").data, record.node("w1").data, record.node("w2").data) == (0.1, 0.5, 0.5)


def test_build_labels_exactly_the_tutorials_quantities():
    labels = {node.label for node in trace(build()).nodes if node.label}
    assert labels == set(LABELLED)


def test_backward_gives_the_published_gradients():
    E_node = build()
    E_node.backward()
    w1, w2 = node_labelled(E_node, "w1"), node_labelled(E_node, "w2")
    assert w1.grad == pytest.approx(DE_DW1, rel=1e-12)
    assert w2.grad == pytest.approx(DE_DW2, rel=1e-12)
    g1, g2 = plain_gradients(0.5, 0.5)
    assert w1.grad == pytest.approx(g1, rel=1e-6)
    assert w2.grad == pytest.approx(g2, rel=1e-7)


def test_trace_and_backward_agree_on_the_gradients():
    E_node = build()
    record = trace(E_node)
    E_node.backward()
    for label in LABELLED:
        assert record.gradient_of(label) == node_labelled(E_node, label).grad, label


def test_one_gradient_step_gives_the_published_weights():
    E_node = build()
    E_node.backward()
    w1, w2 = node_labelled(E_node, "w1"), node_labelled(E_node, "w2")
    assert w1.data - 0.9 * w1.grad == pytest.approx(W1_AFTER_ONE_STEP, rel=1e-15)
    assert w2.data - 0.9 * w2.grad == pytest.approx(W2_AFTER_ONE_STEP, rel=1e-15)


@given(
    w1=st.floats(-4, 4),
    w2=st.floats(-4, 4),
    i1=st.floats(-2, 2),
    target=st.floats(0, 1),
)
def test_build_at_other_points_matches_plain_math(w1, w2, i1, target):
    E_node = build(w1=w1, w2=w2, i1=i1, target=target)
    plain = plain_forward(w1, w2, i1, target)
    record = trace(E_node)
    for name in ("neth", "outh", "neto", "outo", "E"):
        assert record.node(name).data == pytest.approx(plain[name], rel=1e-12, abs=1e-15), name
    E_node.backward()
    g1, g2 = plain_gradients(w1, w2, i1, target)
    assert node_labelled(E_node, "w1").grad == pytest.approx(g1, rel=1e-5, abs=1e-9)
    assert node_labelled(E_node, "w2").grad == pytest.approx(g2, rel=1e-5, abs=1e-9)


# ------------------------------------------------------------------ train


@pytest.fixture(scope="module")
def training_log():
    """train() with the tutorial's settings, and every (iteration, E) it reported."""
    log: list[tuple[int, float]] = []
    result = train(on_iteration=lambda iteration, error: log.append((iteration, error)))
    return result, log


def test_train_stops_where_the_tutorial_does(training_log):
    result, _ = training_log
    assert result.iterations == 813
    assert f"{result.w1:.7f}" == "0.8800250"
    assert f"{result.w2:.7f}" == "4.0056202"
    assert f"{result.output:.7f}" == "0.8900135"


def test_train_result_is_the_forward_pass_at_its_weights(training_log):
    result, _ = training_log
    plain = plain_forward(result.w1, result.w2)
    assert result.output == pytest.approx(plain["outo"], rel=1e-15)
    assert result.error == pytest.approx(plain["E"], rel=1e-12)
    assert result.error < 0.00005


def test_train_stops_at_the_first_iteration_below_the_tolerance(training_log):
    result, log = training_log
    assert [iteration for iteration, _ in log] == list(range(1, 814))
    assert log[0][1] == pytest.approx(E, rel=1e-14)
    assert all(error >= 0.00005 for _, error in log[:-1])
    assert log[-1][1] == result.error < 0.00005


def test_train_agrees_with_plain_math_gradient_descent():
    # A shorter run with other settings, against descent on the finite-difference gradient.
    result = train(lr=2.0, tolerance=0.01)
    w1, w2 = 0.5, 0.5
    for iteration in range(1, 1000):  # noqa: B007 - the count is read after the loop
        if plain_forward(w1, w2)["E"] < 0.01:
            break
        g1, g2 = plain_gradients(w1, w2)
        w1, w2 = w1 - 2.0 * g1, w2 - 2.0 * g2
    assert result.iterations == iteration
    assert result.w1 == pytest.approx(w1, rel=1e-6)
    assert result.w2 == pytest.approx(w2, rel=1e-6)


def test_train_makes_no_update_when_the_start_is_good_enough():
    result = train(tolerance=0.06)  # E starts at 0.0565
    assert (result.iterations, result.w1, result.w2) == (1, 0.5, 0.5)
    assert result.output == pytest.approx(OUTO, rel=1e-15)


def test_train_gives_up_after_max_iterations():
    with pytest.raises(RuntimeError, match="after 5 iterations"):
        train(max_iterations=5)


# -------------------------------------------------------------- derivation


def test_derivation_shows_the_chain_rule_for_both_weights():
    lines = [line.strip() for line in derivation().splitlines()]
    assert W2_CAPTION in lines
    assert W1_CAPTION in lines
    assert lines.index(W2_CAPTION) < lines.index(W1_CAPTION)


def test_derivation_forward_lines_carry_the_published_values():
    lines = [line.strip() for line in derivation().splitlines()]
    assert "neth = i1 × w1 = 0.1 × 0.5 = 0.05" in lines
    assert f"outh = σ(neth) = σ(0.05) = {six(OUTH)}" in lines
    assert f"neto = outh × w2 = {six(OUTH)} × 0.5 = {six(OUTH * 0.5)}" in lines
    assert f"outo = σ(neto) = σ({six(OUTH * 0.5)}) = {six(OUTO)}" in lines
    assert f"E = 0.5 × (0.9 - outo)² = 0.5 × (0.9 - {six(OUTO)})² = {six(E)}" in lines
    # The forward pass is written once, before both chains.
    assert lines.count("Forward pass") == 1 and lines[0] == "Forward pass"


def test_derivation_local_derivatives_match_the_published_values():
    lines = [line.strip() for line in derivation().splitlines()]
    assert f"∂E/∂outo = {six(-(0.9 - OUTO))}" in lines
    assert f"∂outo/∂neto = outo × (1 - outo) = {six(OUTO * (1 - OUTO))}" in lines
    assert f"∂outh/∂neth = outh × (1 - outh) = {six(OUTH * (1 - OUTH))}" in lines
    assert f"∂neto/∂w2 = outh = {six(OUTH)}" in lines


def test_derivation_of_another_graph_uses_its_numbers():
    text = derivation(build(w1=1.0, w2=2.0))
    g1, g2 = plain_gradients(1.0, 2.0)
    together = [line.strip() for line in text.splitlines() if re.match(r"\s*∂E/∂w[12] = \(", line)]
    assert len(together) == 2
    assert together[0].startswith("∂E/∂w2") and together[0].endswith(f"= {six(g2)}")
    assert together[1].startswith("∂E/∂w1") and together[1].endswith(f"= {six(g1)}")
    assert derivation() == derivation(build())


# -------------------------------------------------------------- pictures


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return [" ".join("".join(t.itertext()).split()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()}


@needs_dot
def test_write_pictures_svg_returns_exactly_the_files_it_wrote(tmp_path):
    out = tmp_path / "pictures"
    written = write_pictures(out, ["svg"])
    assert len(written) == len(set(written))
    assert {path.resolve() for path in written} == {path.resolve() for path in files_under(out)}
    names = {path.relative_to(out).as_posix() for path in files_under(out)}
    frames = {f"steps/frame-{k:02d}.svg" for k in range(len(LABELLED) + 1)}
    assert names == {"graph.svg", "graph-collapsed.svg", "path-w1.svg", "path-w2.svg"} | frames
    for path in written:
        texts = svg_texts(path)
        assert "w1" in texts and "E" in texts, path


@needs_dot
def test_write_pictures_html_only_writes_the_stepper(tmp_path):
    written = write_pictures(tmp_path, ["html"])
    assert written == [tmp_path / "walkthrough.html"]
    assert files_under(tmp_path) == {tmp_path / "walkthrough.html"}
    page = written[0].read_text(encoding="utf-8")
    assert page.count('<g data-n="') == len(LABELLED) and page.count("<svg") == 1


@pytest.mark.parametrize("formats", [["jpg"], ["svg", "bmp"], ["SVG"]])
def test_write_pictures_refuses_an_unknown_format_before_writing(tmp_path, formats):
    out = tmp_path / "pictures"
    with pytest.raises(ValueError, match="unknown format"):
        write_pictures(out, formats)
    assert not out.exists()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: build("0.5"), r"build\(\) takes a real number as w1, got str '0.5'"),
        (lambda: build(0.5, None), r"build\(\) takes a real number as w2, got NoneType None"),
        (lambda: build(i1=[0.1]), r"build\(\) takes a real number as i1, got list"),
        (lambda: train("0.9"), r"train\(\) takes a real number as lr, got str"),
        (lambda: train(tolerance=None), r"train\(\) takes a real number as tolerance"),
        (lambda: train(max_iterations=1.5), r"train\(\) takes an int as max_iterations, got float 1.5"),
        (
            lambda: train(on_iteration=3),
            r"train\(\) takes a function of \(iteration, E\) or None as on_iteration",
        ),
        (lambda: derivation(3), r"derivation\(\) takes the example's E .* got int 3"),
        (
            lambda: write_pictures(None),
            r"write_pictures\(\) takes a folder path .* as out, got NoneType None",
        ),
        (
            lambda: write_pictures("pictures", "svg"),
            r"write_pictures\(\) takes a list of format names as formats, got str 'svg'",
        ),
        (lambda: write_pictures("pictures", [None]), r"write_pictures\(\): formats\[0\] is NoneType None"),
    ],
)
def test_arguments_of_the_wrong_type_are_named(call, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError, match=message):
        call()
    assert list(tmp_path.iterdir()) == []
