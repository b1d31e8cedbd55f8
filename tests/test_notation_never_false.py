"""The notation is never false: no printed equation has the same expression on two of its sides.

``y = x * x`` used to print ``∂y/∂x = ∂y/∂x + ∂y/∂x``, a one-edge chain
``∂f/∂b = ∂f/∂b``, and ``y = tanh(3t) - t`` ``∂y/∂t = … + ∂y/∂t``, giving
``∂y/∂t`` two values. No equation defines a symbol by itself, and a
derivation gives each symbol one value. The rule is checked on random graphs (from
``scalargrad.testing.expressions``, whose nodes are shared and whose inputs
are used several times, and from a generator here that also makes unlabelled
leaves, values used twice by one op, and equal values) in every output:
``explain`` as text, LaTeX and Markdown, full and collapsed; step captions,
in the frame and in the picture; path captions; edge labels.
"""

from __future__ import annotations

import random
import re

import pytest

pytest.importorskip("graphviz")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import scalargrad as sg  # noqa: E402
from scalargrad.testing import expressions  # noqa: E402
from scalargrad.viz.diagram import diagram  # noqa: E402

SIDES = re.compile(r"\s+=\s+")


def sides_of(equation: str) -> list[str]:
    return [side.strip() for side in SIDES.split(equation.replace("\u00a0", " ")) if side.strip()]


NUMBER = re.compile(r"-?(\d[\d.]*(e[-+]?\d+)?|inf|nan)")


def check(equation: str, where: str) -> None:
    sides = sides_of(equation)
    repeated = {side for side in sides if sides.count(side) > 1}
    assert not repeated, f"{where}: {equation!r} has {sorted(repeated)} on two sides"
    # Nor is what an equation defines a term of its own right side
    # (``∂y/∂t = ∂y/∂n × ∂n/∂t + ∂y/∂t``: the gradient is not the direct edge's derivative).
    # (``1 × ∂y/∂t``, the seed times the one edge, is the same number, so true.)
    if sides and sides[0].startswith("∂"):
        for side in sides[1:]:
            terms = [term.split(" × ") for term in side.split(" + ")]
            if len(terms) > 1:
                assert not any(sides[0] in factors for factors in terms), (
                    f"{where}: {equation!r} defines {sides[0]} by itself"
                )


def check_one_value_each(text: str, where: str) -> None:
    """In one derivation, a symbol that is given a number is given the same number every time."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        sides = sides_of(line.strip())
        if len(sides) > 1 and sides[0].startswith("∂") and NUMBER.fullmatch(sides[-1]):
            symbol, value = sides[0], sides[-1]
            assert values.setdefault(symbol, value) == value, (
                f"{where}: {symbol} = {values[symbol]} and = {value}"
            )


def equations_of_explanation(explanation: sg.viz.Explanation) -> list[tuple[str, str]]:
    found = [(line.strip(), "text") for line in explanation.text.splitlines() if " = " in line]
    found += [(m.group(1), "latex") for m in re.finditer(r"\\\[ (.*) \\\]", explanation.latex)]
    found += [(m.group(1), "markdown") for m in re.finditer(r"\$\$ (.*) \$\$", explanation.markdown)]
    return found


def html_text(label: str) -> str:
    return (
        re.sub(r"<[^>]*>", "", label)
        .replace("&#160;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def equations_of_picture(source: str) -> list[str]:
    found = []
    for line in source.splitlines():
        line = line.strip()
        edge = re.search(r'label="((?:[^"\\]|\\.)*)"', line)
        if edge and "->" in line:
            found.append(edge.group(1).replace("\\l", " "))
        caption = re.match(r"label=<(.*)>$", line)
        if caption:
            text = re.sub(r"^frame \d+/\d+\s+", "", html_text(caption.group(1)))
            found.append(text)
    return found


def check_everything(root: sg.Value) -> int:
    """Check every output for ``root``'s graph; returns how many equations were looked at."""
    seen = 0
    for collapse in (False, True):
        d = diagram(root, collapse=collapse)
        names = [node.name for node in d.nodes]
        assert len(set(names)) == len(names), names  # every node can be named
        for name in names:
            explanation = sg.explain(root, name, collapse=collapse)
            check_one_value_each(explanation.text, f"explain {name} (collapse={collapse})")
            for equation, kind in equations_of_explanation(explanation):
                check(equation, f"explain {name} ({kind}, collapse={collapse})")
                seen += 1
            check(d.path_caption(name), f"path caption of {name}")
            for equation in equations_of_picture(sg.path_view(root, name, collapse=collapse).source):
                check(equation, f"path view of {name}")
                seen += 1
        for edge in d.edges:
            check(d.edge_caption(edge), "edge caption")
        for step in d.steps:
            check(d.step_caption(step), "step caption")
        for k, frame in enumerate(sg.step_frames(root, collapse=collapse)):
            check(frame.caption, f"frame {k} caption")
            for equation in equations_of_picture(frame.graph.source):
                check(equation, f"frame {k} picture")
                seen += 1
        for equation in equations_of_picture(sg.draw(root, collapse=collapse).source):
            check(equation, "drawing")
            seen += 1
    return seen


def test_the_reported_cases() -> None:
    x = sg.Value(2.0, label="x")
    y = x * x
    y.label = "y"
    text = sg.explain(y, "x").text
    assert "∂y/∂x = ∂y/∂x₍₁₎ + ∂y/∂x₍₂₎" in text
    assert text.count("∂y/∂x₍₁₎ = x = 2") == 1 and text.count("∂y/∂x₍₂₎ = x = 2") == 1
    a, b = sg.Value(2.0, label="a"), sg.Value(3.0, label="b")
    f = a**b
    f.label = "f"
    assert "∂f/∂b = ∂f/∂b" not in sg.explain(f, "b").text
    assert check_everything(y) and check_everything(f)
    latex = sg.explain(y, "x").latex
    assert r"\frac{\partial y}{\partial x_{(1)}}" in latex and r"\frac{\partial y}{\partial x_{(2)}}" in latex


def test_equal_unlabelled_leaves_are_two_named_nodes() -> None:
    a = b = sg.Value(0.5)
    c = sg.Value(0.5)
    y = a * b + c
    names = [node.name for node in diagram(y).nodes]
    assert "0.5" not in names
    for name in names:
        sg.explain(y, name)  # each one can be explained
    check_everything(y)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(expressions(n_inputs=2, max_depth=3), st.floats(-2, 2), st.floats(-2, 2))
def test_random_expressions(expression, x0, x1) -> None:
    check_everything(expression.graph(x0, x1))


UNARY = ["tanh", "exp", "sigmoid", "relu", "sin", "neg", "square"]
BINARY = ["add", "mul", "sub", "pow", "div"]


def random_graph(rng: random.Random) -> sg.Value:
    """Leaves, some labelled, some not (some holding equal values); ops that may take one node twice."""
    pool = []
    for k in range(rng.randint(1, 3)):
        leaf = sg.Value(rng.choice([0.5, 0.5, -1.0, 2.0, rng.uniform(-2, 2)]))
        if rng.random() < 0.5:
            leaf.label = f"v{k}"
        pool.append(leaf)
    for _ in range(rng.randint(1, 6)):
        if rng.random() < 0.5:
            a = rng.choice(pool)
            name = rng.choice(UNARY)
            node = {
                "tanh": a.tanh,
                "exp": lambda a=a: (a * 0.25).exp(),
                "sigmoid": a.sigmoid,
                "relu": a.relu,
                "sin": a.sin,
                "neg": lambda a=a: -a,
                "square": lambda a=a: a**2,
            }[name]()
        else:
            a = rng.choice(pool)
            b = a if rng.random() < 0.4 else rng.choice(pool)  # one node, two operands
            name = rng.choice(BINARY)
            if name == "pow":
                node = (a * a + 1) ** (b.tanh())
            elif name == "div":
                node = a / (b * b + 1)
            else:
                node = {"add": a + b, "mul": a * b, "sub": a - b}[name]
        if rng.random() < 0.3:
            node.label = f"h{len(pool)}"
        pool.append(node)
    root = pool[-1]
    if rng.random() < 0.5:
        root.label = "L"
    return root


@pytest.mark.parametrize("seed", range(60))
def test_random_graphs(seed: int) -> None:
    assert check_everything(random_graph(random.Random(seed))) > 0


def test_a_direct_edge_into_the_root_is_told_from_the_gradient() -> None:
    t = sg.Value(2.0, label="t")
    y = (t * 3.0).tanh() - t
    y.label = "y"
    text = sg.explain(y, "t").text
    assert "+ ∂y/∂t₍₂₎" in text and "∂y/∂t₍₂₎ = -1" in text
    a = t * 2.0
    a.label = "a"
    z = (a + t * 3.0).tanh()
    z.label = "z"
    folded = sg.explain(z, "t", collapse=True).text
    assert "∂z/∂t = ∂z/∂a × ∂a/∂t + ∂z/∂t₍₂₎" in folded
    check_one_value_each(text, "direct") or check_one_value_each(folded, "folded")
