"""Forward mode drawn and explained: the record of a forward sweep, its frames, its derivation.

Checked against the worked example of Baydin, Pearlmutter, Radul and Siskind,
"Automatic differentiation in machine learning: a survey" (JMLR 18, 2018),
Tables 2 and 3 (their 3-decimal figures, and full-precision values computed
here from the formulas with ``math``), and against ``sg.jvp`` and ``sg.grad``,
which compute the same derivatives independently of the record.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_examples import _load  # the examples are loaded by file path, as there

import scalargrad as sg
from scalargrad.viz.diagram import diagram
from scalargrad.viz.forward import (
    ForwardTrace,
    forward_steps,
    forward_trace,
    tangent_caption,
    tangent_symbol,
)
from scalargrad.viz.forward_explanation import explain_forward

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HAS_DOT = shutil.which("dot") is not None


def baydin(x1: float = 2.0, x2: float = 5.0) -> dict[str, sg.Value]:
    """f(x1, x2) = ln x1 + x1 x2 - sin x2, node by node as the paper's evaluation trace."""
    a, b = sg.Value(x1, label="x1"), sg.Value(x2, label="x2")
    v1 = sg.log(a)
    v2 = a * b
    v3 = sg.sin(b)
    v4 = v1 + v2
    y = v4 - v3
    for node, label in ((v1, "v1"), (v2, "v2"), (v3, "v3"), (v4, "v4"), (y, "y")):
        node.label = label
    return {"x1": a, "x2": b, "v1": v1, "v2": v2, "v3": v3, "v4": v4, "y": y}


def f(x1, x2):
    return sg.log(x1) + x1 * x2 - sg.sin(x2)


# The paper's figures (Tables 2 and 3), to its three decimals.
PAPER_PRIMALS = {"x1": 2.0, "x2": 5.0, "v1": 0.693, "v2": 10.0, "v3": -0.959, "v4": 10.693, "y": 11.652}
PAPER_TANGENTS = {"x1": 1.0, "x2": 0.0, "v1": 0.5, "v2": 5.0, "v3": 0.0, "v4": 5.5, "y": 5.5}
PAPER_ADJOINTS = {"y": 1.0, "v4": 1.0, "v3": -1.0, "v1": 1.0, "v2": 1.0, "x2": 1.716, "x1": 5.5}

# The same, at full precision, from the formulas alone.
PRIMALS = {
    "x1": 2.0,
    "x2": 5.0,
    "v1": math.log(2.0),
    "v2": 10.0,
    "v3": math.sin(5.0),
    "v4": math.log(2.0) + 10.0,
    "y": math.log(2.0) + 10.0 - math.sin(5.0),
}
TANGENTS = {"x1": 1.0, "x2": 0.0, "v1": 1 / 2.0, "v2": 5.0, "v3": 0.0 * math.cos(5.0), "v4": 5.5, "y": 5.5}
ADJOINTS = {
    "y": 1.0,
    "v4": 1.0,
    "v3": -1.0,
    "v1": 1.0,
    "v2": 1.0,
    "x2": 2.0 - math.cos(5.0),
    "x1": 1 / 2.0 + 5.0,
}


@pytest.fixture
def sweep() -> ForwardTrace:
    return forward_trace(baydin()["y"], wrt=("x1", "x2"), tangents=(1.0, 0.0))


# ================================================= the paper's figures


def test_primals_and_tangents_are_the_papers_table_2(sweep):
    for name in PAPER_PRIMALS:
        assert sweep.node(name).data == pytest.approx(PRIMALS[name], abs=1e-15)
        assert sweep.tangent_of(name) == pytest.approx(TANGENTS[name], abs=1e-15)
        assert round(sweep.node(name).data, 3) == PAPER_PRIMALS[name]
        assert round(sweep.tangent_of(name), 3) == PAPER_TANGENTS[name]


def test_adjoints_are_the_papers_table_3(sweep):
    for name in PAPER_ADJOINTS:
        assert sweep.graph.gradient_of(name) == pytest.approx(ADJOINTS[name], abs=1e-15)
        assert round(sweep.graph.gradient_of(name), 3) == PAPER_ADJOINTS[name]
    assert round(ADJOINTS["x2"], 3) == 1.716  # x1 - cos x2 in the paper's notation: 2 - 0.284


def test_each_tangent_is_the_sum_of_its_contributions_as_the_paper_writes_it(sweep):
    (c,) = sweep.step("v1").contributions  # v̇1 = v̇-1 / v-1
    assert (sweep.nodes[c.parent].name, c.parent_tangent, c.local_derivative) == ("x1", 1.0, 0.5)
    x1_term, x2_term = sweep.step("v2").contributions  # v̇2 = v̇-1 × v0 + v̇0 × v-1
    assert (x1_term.parent_tangent, x1_term.local_derivative, x1_term.product) == (1.0, 5.0, 5.0)
    assert (x2_term.parent_tangent, x2_term.local_derivative, x2_term.product) == (0.0, 2.0, 0.0)
    assert [c.local_derivative for c in sweep.step("y").contributions] == [1.0, -1.0]  # v̇5 = v̇4 - v̇3
    assert sweep.step("x1").seed and sweep.step("x2").seed and not sweep.step("v4").seed
    for step in sweep.steps:
        if step.contributions:
            assert step.tangent == math.fsum(c.product for c in step.contributions)


def test_captions_are_the_papers_equations(sweep):
    d = diagram(sweep.graph)
    captions = {d.nodes[s.node].name: tangent_caption(d, sweep, s) for s in forward_steps(d, sweep)}
    assert captions["v4"] == "v̇4 = v̇1 + v̇2 = 0.5 + 5 = 5.5"
    assert captions["y"] == "ẏ = v̇4 - v̇3 = 5.5 - 0 = 5.5"
    assert captions["v2"] == "v̇2 = ẋ1 × ∂v2/∂x1 + ẋ2 × ∂v2/∂x2 = 1 × 5 + 0 × 2 = 5"
    assert captions["x1"] == "ẋ1 = 1 (the seed)"


def test_the_example_prints_the_papers_tables():
    example = _load("baydin_forward_reverse")
    forward = {row.name: row for row in example.forward_table()}
    reverse = {row.name: row for row in example.reverse_table()}
    assert [row.name for row in example.forward_table()] == list(example.PAPER_ORDER)
    for name in PAPER_PRIMALS:
        assert forward[name].value == pytest.approx(PRIMALS[name], abs=1e-15)
        assert forward[name].derivative == pytest.approx(TANGENTS[name], abs=1e-15)
        assert reverse[name].derivative == pytest.approx(ADJOINTS[name], abs=1e-15)
        assert round(forward[name].value, 3) == example.PAPER_PRIMALS[name] == PAPER_PRIMALS[name]
        assert round(forward[name].derivative, 3) == example.PAPER_TANGENTS[name] == PAPER_TANGENTS[name]
        assert round(reverse[name].derivative, 3) == example.PAPER_ADJOINTS[name] == PAPER_ADJOINTS[name]
    assert forward["v4"].equation == "v̇4 = v̇1 + v̇2 = 0.5 + 5 = 5.5"
    assert [row.name for row in example.reverse_table()][0] == "y"  # the reverse sweep starts from ȳ = 1


def test_example_script_writes_both_sweeps(tmp_path):
    args = ["--out", str(tmp_path)] if HAS_DOT else []
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "baydin_forward_reverse.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "v̇4 = v̇1 + v̇2 = 0.5 + 5 = 5.5" in result.stdout
    assert "1.716338" in result.stdout
    if HAS_DOT:
        assert len(list((tmp_path / "forward").glob("frame-*.svg"))) == 8
        assert len(list((tmp_path / "backward").glob("frame-*.svg"))) == 8
        page = (tmp_path / "forward.html").read_text(encoding="utf-8")
        assert page.count('<g data-n="') == 7 and "seeds (frame 1 of 8)" in page


# ===================================== against jvp and grad, computed apart


@pytest.mark.parametrize("direction", [(1.0, 0.0), (0.0, 1.0), (0.3, -0.7)])
def test_root_tangent_is_jvp_and_the_gradient_along_the_direction(direction):
    record = forward_trace(baydin()["y"], ("x1", "x2"), direction)
    value, tangent = sg.jvp(f, (2.0, 5.0), direction)
    assert record.nodes[record.root].data == value
    assert record.tangents[record.root] == tangent  # the same additions in the same order
    gradient = sg.grad(f, argnums=(0, 1))(2.0, 5.0)
    assert tangent == pytest.approx(direction[0] * gradient[0] + direction[1] * gradient[1], rel=1e-14)


def _random_expression(rng: random.Random, xs: list[sg.Value], size: int) -> sg.Value:
    pool = list(xs)
    for _ in range(size):
        kind = rng.choice(["add", "mul", "sub", "tanh", "exp", "sin", "pow", "relu"])
        a, b = rng.choice(pool), rng.choice(pool)
        if kind == "add":
            node = a + b
        elif kind == "mul":
            node = a * b
        elif kind == "sub":
            node = a - b
        elif kind == "tanh":
            node = a.tanh()
        elif kind == "exp":
            node = (a * 0.1).exp()
        elif kind == "sin":
            node = sg.sin(a)
        elif kind == "pow":
            node = a**2
        else:
            node = a.relu()
        pool.append(node)
    return pool[-1] + pool[-2] + xs[0] * xs[1] * xs[2]  # every input is in the graph


@pytest.mark.parametrize("seed", range(12))
def test_random_graphs_agree_with_jvp_and_backward(seed):
    rng = random.Random(seed)
    xs = [sg.Value(rng.uniform(-1.5, 1.5), label=f"x{i}") for i in range(3)]
    root = _random_expression(rng, xs, 15)
    seeds = [rng.uniform(-1, 1) for _ in xs]
    record = forward_trace(root, xs, seeds)  # wrt as Values
    assert record.tangents[record.root] == sg.transforms.tangents_of(root, xs, seeds)[0]
    by_name = forward_trace(root, [x.label for x in xs], seeds)
    assert by_name == record
    root.backward()
    assert record.tangents[record.root] == pytest.approx(
        sum(t * x.grad for t, x in zip(seeds, xs)), rel=1e-9, abs=1e-12
    )


def test_nodes_that_do_not_depend_on_the_seeds_have_no_contributions():
    nodes = baydin()
    record = forward_trace(nodes["y"], "x1")  # x2 not seeded: held fixed
    assert record.step("x2").tangent == 0.0 and not record.step("x2").active
    assert record.step("v3").contributions == () and record.tangent_of("v3") == 0.0
    assert [record.nodes[c.parent].name for c in record.step("v2").contributions] == ["x1"]
    assert record.tangent_of("y") == 5.5


def test_an_infinite_local_derivative_does_not_reach_a_constant_branch():
    x, c = sg.Value(4.0, label="x"), sg.Value(0.0, label="c")
    y = x * 2 + c.sqrt()  # d sqrt / dc is inf at 0, but c is held fixed
    y.label = "y"
    assert forward_trace(y, "x").tangent_of("y") == 2.0 == sg.transforms.tangents_of(y, [x], [1.0])[0]
    record = forward_trace(y, "c")
    assert record.tangent_of("y") == math.inf


def test_a_node_given_twice_adds_its_tangents():
    x = sg.Value(3.0, label="x")
    y = x * x
    assert (
        forward_trace(y, ["x", "x"], [1.0, 2.0]).tangents[-1]
        == 18.0
        == sg.transforms.tangents_of(y, [x, x], [1.0, 2.0])[0]
    )


def test_the_graph_is_not_changed():
    nodes = baydin()
    forward_trace(nodes["y"], "x1")
    explain_forward(nodes["y"], "x1")
    assert all(node.grad == 0.0 for node in nodes.values())


@pytest.mark.parametrize(
    "wrt, tangents, error",
    [
        (3, None, TypeError),
        ([], None, TypeError),
        ("x1", "1", TypeError),
        ("x1", True, TypeError),
        (("x1", "x2"), (1.0,), ValueError),
        ("nope", None, KeyError),
        (sg.Value(1.0), None, ValueError),
    ],
)
def test_bad_arguments_are_refused(wrt, tangents, error):
    with pytest.raises(error):
        forward_trace(baydin()["y"], wrt, tangents)


def test_bad_root_is_refused():
    with pytest.raises(TypeError, match="forward_trace"):
        forward_trace(2.0, "x")  # type: ignore[arg-type]


# ================================================================= JSON


def test_json_round_trip(sweep):
    text = json.dumps(sweep.to_dict(), allow_nan=False)
    assert ForwardTrace.from_dict(json.loads(text)) == sweep


def test_json_round_trip_with_infinite_and_nan_tangents():
    x = sg.Value(0.0, label="x")
    y = x.sqrt() + x.sqrt() * 0.0
    y.label = "y"
    record = forward_trace(y, "x")
    assert math.isinf(record.tangents[1]) and math.isnan(record.tangent_of("y"))
    text = json.dumps(record.to_dict(), allow_nan=False)
    back = ForwardTrace.from_dict(json.loads(text))
    assert back.to_dict() == record.to_dict()
    assert math.isnan(back.tangent_of("y"))


@pytest.mark.parametrize(
    "damage, error, words",
    [
        (lambda r: r.pop("steps"), ValueError, "no 'steps'"),
        (lambda r: r.update(wrt=[9]), ValueError, "wrt\\[0\\] is 9"),
        (lambda r: r.update(seeds=[]), ValueError, "seeds has 0"),
        (lambda r: r["steps"].pop(), ValueError, "one step per node"),
        (lambda r: r["steps"][0].update(seed=False), ValueError, "steps\\[0\\].seed"),
        (lambda r: r["steps"][3]["contributions"][0].update(parent=1), ValueError, "operand 0 of node 3"),
        (lambda r: r["steps"][3].update(tangent="lots"), ValueError, "not a number"),
        (lambda r: r["steps"][3].update(node="3"), TypeError, "must be an int"),
        (lambda r: r.update(graph=[]), TypeError, "mapping"),
    ],
)
def test_malformed_records_say_where(sweep, damage, error, words):
    record = json.loads(json.dumps(sweep.to_dict()))
    damage(record)
    with pytest.raises(error, match=words):
        ForwardTrace.from_dict(record)


# ================================================================= frames


def test_frames_count_and_captions():
    frames = sg.forward_frames(baydin()["y"], ("x1", "x2"), (1.0, 0.0))
    assert len(frames) == 8  # the seeds, then one per node
    assert frames[0].caption == "seeds ẋ1 = 1, ẋ2 = 0; no tangent is known yet"
    assert [frame.caption for frame in frames[1:]] == [
        "ẋ1 = 1 (the seed)",
        "v̇1 = ẋ1 × ∂v1/∂x1 = 1 × 0.5 = 0.5",
        "ẋ2 = 0 (the seed)",
        "v̇2 = ẋ1 × ∂v2/∂x1 + ẋ2 × ∂v2/∂x2 = 1 × 5 + 0 × 2 = 5",
        "v̇4 = v̇1 + v̇2 = 0.5 + 5 = 5.5",
        "v̇3 = ẋ2 × ∂v3/∂x2 = 0 × 0.283662 = 0",
        "ẏ = v̇4 - v̇3 = 5.5 - 0 = 5.5",
    ]
    source = frames[5].graph.source
    assert "tangent</FONT>" in source and ">grad</FONT>" not in source
    assert "v̇4 = v̇1 + v̇2 = 0.5 + 5 = 5.5" in source
    # tangents not computed yet read ?, those computed are shown
    assert frames[0].graph.source.count(">?</FONT>") == 7
    assert frames[5].graph.source.count(">?</FONT>") == 2


def test_frames_take_a_forward_trace_and_collapse(sweep):
    assert [fr.caption for fr in sg.forward_frames(sweep)] == [
        fr.caption for fr in sg.forward_frames(baydin()["y"], ("x1", "x2"), (1.0, 0.0))
    ]
    x, w = sg.Value(3.0, label="x"), sg.Value(-2.0, label="w")
    y = x * w + x
    y.label = "y"
    frames = sg.forward_frames(y, "x", collapse=True, rankdir="LR", edge_labels=False)
    assert [fr.caption for fr in frames][-1] == "ẏ = ẋ × ∂y/∂x = 1 × (-1) = -1"
    with pytest.raises(TypeError, match="wrt"):
        sg.forward_frames(y)
    with pytest.raises(TypeError, match="ForwardTrace has its seeds"):
        sg.forward_frames(sweep, "x1")
    with pytest.raises(ValueError, match="rankdir"):
        sg.forward_frames(y, "x", rankdir="up")


def test_backward_twin_has_step_frames_captions():
    y = baydin()["y"]
    forward, backward = sg.forward_backward_frames(y, ("x1", "x2"), (1.0, 0.0))
    assert len(forward) == len(backward) == 8
    assert [fr.caption for fr in backward] == [fr.caption for fr in sg.step_frames(y)]
    assert ">grad</FONT>" in backward[3].graph.source


def _layout(graph) -> dict:
    from scalargrad.viz import writers

    drawn = json.loads(writers.render(graph, "json"))
    return {
        "bb": drawn["bb"],
        "nodes": {o["name"]: (o["pos"], o["width"], o["height"]) for o in drawn["objects"]},
    }


@pytest.mark.skipif(not HAS_DOT, reason="needs graphviz's dot")
def test_forward_and_backward_frames_have_one_layout():
    forward, backward = sg.forward_backward_frames(baydin()["y"], ("x1", "x2"), (1.0, 0.0))
    first = _layout(forward[0].graph)
    for a, b in zip(forward, backward):
        assert _layout(a.graph) == first == _layout(b.graph)


# ============================================================== explain


def test_explain_forward_text(sweep):
    text = sg.explain_forward(sweep).text
    assert text.splitlines()[:2] == ["Forward pass", "  v1 = log(x1) = log(2) = 0.693147"]
    assert "  v̇2 = ẋ1 × ∂v2/∂x1 + ẋ2 × ∂v2/∂x2 = ẋ1 × x2 + ẋ2 × x1 = 1 × 5 + 0 × 2 = 5" in text
    assert "  v̇4 = v̇1 + v̇2 = 0.5 + 5 = 5.5" in text
    assert text.endswith("Result\n  ∂y/∂x1 = ẏ = 5.5")
    assert str(sg.explain_forward(baydin()["y"], "x2")).endswith("∂y/∂x2 = ẏ = 1.716338")
    along = sg.explain_forward(baydin()["y"], ("x1", "x2"), (0.5, 0.5)).text
    assert along.endswith("Result\n  ẏ = 3.608169")


def test_explain_forward_latex_and_markdown(sweep):
    e = sg.explain_forward(sweep)
    assert r"\[ \dot{v}_{4} = \dot{v}_{1} + \dot{v}_{2} = 0.5 + 5 = 5.5 \]" in e.latex
    assert r"\paragraph{Tangents, by the chain rule forward}" in e.latex
    assert "**Seeds**" in e.markdown and e.markdown.count("$$") % 2 == 0
    assert e._repr_markdown_() == e.markdown


def test_explain_forward_of_a_leaf_and_of_a_kink():
    assert (
        sg.explain_forward(sg.Value(1.0, label="x"), "x").text == "Seeds\n  ẋ = 1\n\nResult\n  ∂x/∂x = ẋ = 1"
    )
    x = sg.Value(-2.0, label="x")
    y = (x * 3).relu()
    y.label = "y"
    text = sg.explain_forward(y, "x").text
    assert "  ẏ = ṅ1 × ∂y/∂n1 = ṅ1 × (0 (as n1 < 0)) = 3 × 0 = 0" in text
    assert text.endswith("∂y/∂x = ẏ = 0")


def test_labels_are_escaped_in_latex_and_markdown():
    a = sg.Value(2.0, label=r"\input{/etc/passwd}")
    b = sg.Value(3.0, label="<img src=x onerror=alert(1)>")
    y = a * b + a
    y.label = "$y_1$ & #"
    e = explain_forward(y, r"\input{/etc/passwd}")
    assert r"\input" not in e.latex  # a name is never a command: \backslash{}input\{...\}
    assert r"\dot{\mathrm{\backslash{}input\{/etc/passwd\}}} = 1" in e.latex
    assert "<img" not in e.markdown and r"\input{" not in e.markdown
    assert "$y_1$" not in e.markdown.replace("$$", "")
    assert tangent_symbol("$y_1$ & #").startswith("(")
    text = explain_forward(y, ["\\input{/etc/passwd}", "<img src=x onerror=alert(1)>"], [1.0, 0.0]).text
    assert "<img src=x onerror=alert(1)>" in text  # text is text: shown as it is


def test_control_characters_in_names_are_shown_not_obeyed():
    x = sg.Value(1.0, label="x\ny")
    z = x.exp()
    z.label = "z"
    text = explain_forward(z, "x\ny").text
    assert "x␊y" in text and "\nx\ny" not in text


# ============================================================ big graphs


def test_a_5000_node_chain_needs_no_recursion():
    x = sg.Value(0.5, label="x")
    node = x
    for _ in range(5000):
        node = node * 1.0001 + 0.0001
    node.label = "y"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # a recursive walk would fail at once
    try:
        record = forward_trace(node, "x")
        back = ForwardTrace.from_dict(json.loads(json.dumps(record.to_dict())))
        text = explain_forward(record, collapse=True).text
        full = explain_forward(record).text
    finally:
        sys.setrecursionlimit(limit)
    assert back == record
    assert record.tangent_of("y") == pytest.approx(1.0001**5000, rel=1e-9)
    assert text.endswith(f"∂y/∂x = ẏ = {record.tangent_of('y'):.6f}".rstrip("0"))
    assert full.count("\n") > 10_000


# ================================================================ exports


def test_new_names_are_exported_lazily():
    for name in ("forward_frames", "forward_backward_frames", "explain_forward"):
        assert name in sg.__all__
    code = "import sys, scalargrad; print('scalargrad.viz' in sys.modules, 'graphviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
    from scalargrad import viz

    assert sg.forward_frames is viz.forward_frames and sg.explain_forward is viz.explain_forward
