"""explain(): the derivation as text and LaTeX, with numbers checked against the tutorial and backward()."""

import math
import re

import pytest

import scalargrad as sg
from scalargrad.cli.walkthrough import build
from scalargrad.viz.explanation import explain

PUBLISHED_DE_DW1 = -0.001033183875581653
PUBLISHED_DE_DW2 = -0.042386804424448137


def test_worked_example_as_the_tutorial_writes_it():
    text = explain(build(), "w1", collapse=True).text
    lines = [line.strip() for line in text.splitlines()]
    assert "neth = i1 × w1 = 0.1 × 0.5 = 0.05" in lines
    assert "outh = σ(neth) = σ(0.05) = 0.512497" in lines
    assert "E = 0.5 × (0.9 - outo)² = 0.5 × (0.9 - 0.563714)² = 0.056544" in lines
    assert "∂E/∂w1 = ∂E/∂outo × ∂outo/∂neto × ∂neto/∂outh × ∂outh/∂neth × ∂neth/∂w1" in lines
    assert "∂outo/∂neto = outo × (1 - outo) = 0.245941" in lines
    assert "∂neto/∂outh = w2 = 0.5" in lines
    assert "∂neth/∂w1 = i1 = 0.1" in lines
    final = lines[-1]
    assert final == "∂E/∂w1 = (-0.336286)(0.245941)(0.5)(0.249844)(0.1) = -0.001033"
    assert float(final.rsplit("=", 1)[1]) == pytest.approx(PUBLISHED_DE_DW1, abs=5e-7)


def test_factors_multiply_to_the_published_gradient():
    text = explain(build(), "w2", collapse=True).text
    factors = [float(f) for f in re.findall(r"\(([-0-9.e]+)\)", text.splitlines()[-1])]
    assert math.prod(factors) == pytest.approx(PUBLISHED_DE_DW2, rel=1e-5)


def test_several_paths_are_summed():
    x = sg.Value(3.0, label="x")
    y = x * x + x
    y.label = "y"
    text = explain(y, "x").text
    assert "Chain rule, along the 3 paths from x to y" in text
    assert text.splitlines()[-1].strip() == "∂y/∂x = (1)(3) + (1)(3) + (1) = 7"


def test_latex_uses_fractions_and_escapes_names():
    x = sg.Value(2.0, label="x_1")
    y = (x**2).exp()
    y.label = "y"
    latex = explain(y, "x_1").latex
    assert r"\frac{\partial y}{\partial \mathrm{x\_1}}" in latex
    assert r"\exp" in latex and "^{2}" in latex
    assert latex.count("{") == latex.count("}")


def test_forward_can_be_left_out_and_the_root_explains_itself():
    assert "Forward pass" not in explain(build(), "w1", forward=False).text
    assert explain(build(), "E").text.splitlines()[-1].strip() == "∂E/∂E = 1"


def test_bad_arguments():
    with pytest.raises(KeyError, match="no node named 'w9'"):
        explain(build(), "w9")
    with pytest.raises(TypeError, match="explain\\(\\) takes a scalargrad Value"):
        explain(1.0, "x")
    with pytest.raises(TypeError, match="name of a node"):
        explain(build(), 3)


def test_explaining_changes_nothing():
    E = build()
    explain(E, "w1")
    assert all(node.grad == 0.0 for node in sg.topological_order(E))
    assert str(explain(E, "w1")) == explain(E, "w1").text


def test_markdown_typesets_in_a_notebook():
    explanation = explain(build(), "w1", collapse=True)
    markdown = explanation._repr_markdown_()
    assert markdown == explanation.markdown
    lines = [line for line in markdown.splitlines() if line]
    assert lines[0] == "**Forward pass**"
    assert all(line.startswith("**") or (line.startswith("$$ ") and line.endswith(" $$")) for line in lines)
    assert r"\paragraph" not in markdown  # MathJax cannot typeset it; latex has it, for documents
    assert lines[-1].endswith("= -0.001033 $$")
