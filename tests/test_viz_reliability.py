"""The renderers under fire (issue 13): extreme numbers, hostile labels, deep and big graphs, wrong types.

Each regression test is the smallest reproduction the fuzz harness found;
the property tests at the end throw extreme values and odd labels at
``trace``, ``draw`` and ``explain`` together.
"""

from __future__ import annotations

import html
import importlib
import json
import math
import re
import shutil
import unicodedata
import xml.etree.ElementTree as ET

import graphviz
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalargrad as sg
from scalargrad.viz import Trace, draw, explain, path_view, step_frames, trace
from scalargrad.viz.diagram import diagram
from scalargrad.viz.drawing import MAX_NAME_CHARS, RenderError
from scalargrad.viz.frames import Frame
from scalargrad.viz.writers import render, write, write_frames, write_gif, write_stepper

writers = importlib.import_module("scalargrad.viz.writers")

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot program is not installed")

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(graph: graphviz.Digraph) -> list[str]:
    """Every <text> of the rendered SVG, as the reader sees it."""
    root = ET.fromstring(render(graph, "svg"))
    return ["".join(text.itertext()) for text in root.iter(f"{SVG}text")]


def labelled(value: sg.Value, label: str) -> sg.Value:
    value.label = label
    return value


def controls(text: str) -> set[str]:
    """The control characters (and lone surrogates) in ``text``, newlines aside."""
    return {ch for ch in text if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cs")}


# ------------------------------------------- 1. a constant exponent of ±inf or nan


@pytest.mark.parametrize("exponent", [math.inf, -math.inf, math.nan])
def test_a_non_finite_constant_exponent_is_drawn_and_explained(exponent):
    y = sg.Value(2.0) ** exponent  # the harness's reproduction: an unlabelled power
    assert "digraph" in draw(y).source
    written = sg.viz.notation.number(exponent)
    x = sg.Value(2.0, label="x")
    z = labelled(x**exponent, "z")
    source = draw(z).source
    assert f"= x^{written if exponent >= 0 or exponent != exponent else f'({written})'}" in source
    assert "∂z/∂x" in path_view(z, "x").source
    explanation = explain(z, "x")
    assert explanation.text.splitlines()[1].startswith("  z = x^")
    assert explanation.text.splitlines()[-1].endswith(
        f"= {sg.viz.notation.number(trace(z).gradient_of('x'))}"
    )
    assert r"\infty" in explanation.latex or "nan" in explanation.latex
    assert explanation.markdown.count("$$") % 2 == 0
    frames = step_frames(z)
    assert len(frames) == 3 and frames[-1].caption.startswith("∂z/∂x = ")


@needs_dot
@pytest.mark.parametrize("exponent", [math.inf, -math.inf, math.nan])
def test_a_non_finite_constant_exponent_renders(exponent):
    z = labelled(sg.Value(2.0, label="x") ** exponent, "z")
    texts = svg_texts(draw(z))
    power = {math.inf: "x^inf", -math.inf: "x^(-inf)"}.get(exponent, "x^nan")
    assert "z" in texts and f"= {power}" in [" ".join(t.split()) for t in texts], texts


# -------------------------------------------------- 2. deep graphs, no recursion


def tanh_chain(n: int) -> sg.Value:
    """x, then n - 1 unlabelled tanh nodes; the last labelled y."""
    y = sg.Value(0.5, label="x")
    for _ in range(n - 1):
        y = y.tanh()
    return labelled(y, "y")


def test_collapsing_a_deep_chain_needs_no_recursion():
    y = tanh_chain(5000)  # the harness failed at 400 unlabelled nodes
    gradient = trace(y).gradient_of("x")
    collapsed = diagram(y, collapse=True)
    assert [node.name for node in collapsed.nodes] == ["x", "y"]
    (edge,) = collapsed.edges
    assert edge.derivative == pytest.approx(gradient, rel=1e-12)
    assert re.fullmatch(
        r"(tanh\()+…\)+", collapsed.nodes[1].formula
    )  # folded formulas past 80 characters elided
    assert draw(y, collapse=True).source.count("->") == 1
    text = explain(y, "x", collapse=True).text
    assert (
        text.splitlines()[-1]
        == f"  ∂y/∂x = ({sg.viz.notation.number(gradient)}) = {sg.viz.notation.number(gradient)}"
    )
    assert len(step_frames(y, collapse=True)) == 3
    assert "penwidth" in path_view(y, "x", collapse=True).source


def test_the_full_view_of_a_deep_chain_lists_its_one_long_path():
    y = tanh_chain(5000)
    listed, count = diagram(y).paths("x")
    assert count == 1 and len(listed[0]) == 4999
    assert (
        explain(y, "x", forward=False).text.count("\n  ∂") == 1 + 4999 + 1
    )  # the chain, each factor, the product


# ------------------------------------------------------------- 7. big graphs


def test_big_graphs_are_drawn_in_one_pass():
    # Quadratic work (a scan of every node or edge per node) takes minutes
    # here; one pass takes a second or two. No timing is asserted.
    y = tanh_chain(20_000)
    assert draw(y).source.count(" -> ") == 19_999


def test_a_node_used_thousands_of_times():
    # Its step has a term per use, its derivation lists MAX_PATHS paths and counts the rest.
    x = sg.Value(0.5, label="x")
    wide = labelled(sg.sum([x * float(k) for k in range(2000)]), "s")
    d = diagram(wide)
    assert len(d.step_of("x").terms) == 2000
    assert d.paths("x")[1] == 2000
    last = explain(wide, "x", forward=False).text.splitlines()[-1]
    assert last.endswith(f"+ … = {sg.viz.notation.number(1999000.0)}")
    assert draw(wide).source.count(" -> ") == 4000


# ----------------------------------------------------------- 4. hostile labels


XSS = "<img src=x onerror=alert(1)>"
TEX = r"\input{/etc/passwd}"


def hostile() -> sg.Value:
    a = sg.Value(2.0, label=XSS)
    b = sg.Value(3.0, label=TEX)
    return labelled((a * b).exp(), "y $$\n\n<b>_*x*_</b>")


def test_markdown_escapes_every_label():
    markdown = explain(hostile(), TEX).markdown
    assert "<" not in markdown and ">" not in markdown  # so no tag can form, math or not
    assert controls(markdown) == set() and "\n\n\n" not in markdown
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").render(markdown)
    assert "<img" not in rendered and "<b>" not in rendered
    # The heading reads the label as it is; the math writes it as LaTeX.
    heading = [line for line in markdown.splitlines() if line.startswith("**Chain rule")][0]
    assert html.unescape(re.sub(r"\\(.)", r"\1", heading)).startswith(
        f"**Chain rule, along the 1 path from {TEX} to y $$"
    )
    assert r"\mathrm{\lt{}img src=x onerror=alert(1)\gt{}}" in markdown


def test_latex_escapes_every_label():
    latex = explain(hostile(), TEX).latex
    assert TEX not in latex and r"\input" not in latex
    assert r"\paragraph{Chain rule, along the 1 path from \textbackslash{}input\{/etc/passwd\} to " in latex
    assert r"\mathrm{\backslash{}input\{/etc/passwd\}}" in latex  # in math, as the notation writes it
    assert controls(latex) == set()
    # Braces balance once the escaped ones are set aside.
    bare = latex.replace(r"\{", "").replace(r"\}", "")
    assert bare.count("{") == bare.count("}")


def test_text_shows_control_characters_as_symbols():
    text = explain(hostile(), XSS).text
    assert controls(text) == set()
    assert "y $$␊␊<b>_*x*_</b>" in text  # plain text: the label as it is, its newlines visible


def test_a_label_with_every_kind_of_trouble_in_every_format():
    trouble = "\\N\\G\\\\ \"'<>&{}$%#_^~\t\x00\x1b[31m\x7f\x85\ud800\ufffe 😀"
    y = labelled(sg.Value(1.5, label=trouble).sin(), "y")
    e = explain(y, trouble)
    for out in (e.text, e.latex, e.markdown):
        assert controls(out) == set()
        out.encode("utf-8")  # no lone surrogate survives
    source = draw(y).source
    assert controls(source.replace("\t", "")) == set()
    source.encode("utf-8")


# ------------------------------------------------------ 5. labels in pictures


LABELS = [r"a\Nb", r"\G", "a\\\\b", r"x\l", r"\E\T\H\L", "q\"uo'te", "<b>&amp;</b>", "]]>", "😀 σ", "\\"]


@needs_dot
@pytest.mark.parametrize("label", LABELS)
def test_labels_are_drawn_exactly_as_written(label):
    y = labelled(sg.Value(2.0, label=label).exp(), "y")
    for graph in (draw(y), draw(y, rankdir="LR")):
        texts = svg_texts(graph)
        assert label in texts, texts  # the node's name
        assert any(f"∂y/∂{label}" in text for text in texts), texts  # the edge's derivative
    assert f"∂y/∂{label} = (7.389056) = 7.389056" in svg_texts(path_view(y, label))


@needs_dot
@pytest.mark.parametrize(
    "label, shown",
    [
        ("a\x00b", "a␀b"),
        ("tab\there", "tab␉here"),
        ("new\nline", "new␊line"),
        ("esc\x1b[0m", "esc␛[0m"),
        ("del\x7f", "del␡"),
        ("c1\x85", "c1\ufffd"),
        ("lone\ud800", "lone\ufffd"),
        ("not\ufffe", "not\ufffd"),
    ],
)
def test_labels_graphviz_cannot_show_are_drawn_with_symbols(label, shown):
    y = labelled(sg.Value(2.0, label=label).exp(), "y")
    assert shown in svg_texts(draw(y))


@needs_dot
def test_an_absurdly_long_label_is_cut_short():
    label = "w" * 20_000  # graphviz refuses a label over 16 KiB
    y = labelled(sg.Value(2.0, label=label) * 3.0, "y")
    texts = svg_texts(draw(y))
    assert "w" * (MAX_NAME_CHARS - 1) + "…" in texts
    assert explain(y, label).text.count(label) > 0  # text keeps the whole name
    frames = step_frames(y)
    assert all(len(frame.graph.source.encode()) < 60_000 for frame in frames)
    assert "…" in svg_texts(frames[-1].graph)[0]  # the caption, cut too


@needs_dot
def test_dot_failing_is_a_render_error_naming_the_file(tmp_path):
    broken = graphviz.Source("digraph { a -> }")
    target = tmp_path / "broken.svg"
    with pytest.raises(RenderError, match=re.escape(str(target)) + r".*syntax error"):
        write(broken, target)
    assert not target.exists()
    with pytest.raises(RenderError, match="could not render the picture"):
        render(broken, "png")
    frame = Frame(broken, "caption")
    with pytest.raises(RenderError, match=r"frame-00\.svg"):
        write_frames([frame], tmp_path / "frames")
    with pytest.raises(RenderError, match=r"frame 0 of .*steps\.html"):
        write_stepper([frame], tmp_path / "steps.html")
    assert issubclass(RenderError, RuntimeError)


# ------------------------------------------------------------ 6. wrong types


Y = labelled(sg.Value(2.0, label="x").exp(), "y")
D = diagram(Y)
T = trace(Y)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: write(None, "g.dot"), r"write\(\) takes a graphviz graph .* as graph, got NoneType None"),
        (lambda: write(draw(Y), None), r"write\(\) takes a file path .* as path, got NoneType None"),
        (
            lambda: write_frames(None, "frames"),
            r"write_frames\(\) takes a list of Frames .* as frames, got NoneType",
        ),
        (lambda: write_frames([draw(Y)], "frames"), r"write_frames\(\): frames\[0\] is Picture"),
        (
            lambda: write_frames(step_frames(Y), "frames", 3),
            r"write_frames\(\) takes a format name .* got int 3",
        ),
        (
            lambda: write_frames(step_frames(Y), "frames", "dot", None),
            r"write_frames\(\) takes a str as stem",
        ),
        (
            lambda: write_stepper("frames", "a.html"),
            r"write_stepper\(\) takes a list of Frames .* got str 'frames'",
        ),
        (
            lambda: write_stepper(step_frames(Y), "a.html", 3),
            r"write_stepper\(\) takes a str or None as title",
        ),
        (lambda: write_gif(None, "a.gif"), r"write_gif\(\) takes a list of Frames"),
        (
            lambda: write_gif(step_frames(Y), "a.gif", "1"),
            r"write_gif\(\) takes a number of seconds as seconds_per_frame",
        ),
        (lambda: render("digraph {}", "svg"), r"render\(\) takes a graphviz graph .* got str"),
        (lambda: render(draw(Y), 3), r"render\(\) takes a format name"),
        (lambda: writers.format_of(None), r"format_of\(\) takes a file path"),
        (
            lambda: path_view(Y, None),
            r"path_view\(\) takes the name of a node \(a str\) as wrt, got NoneType None",
        ),
        (lambda: draw(Y, rankdir=3), r"draw\(\) takes one of 'TB', 'LR', 'BT', 'RL' as rankdir, got int 3"),
        (lambda: draw(Y, highlight=3), r"draw\(\) takes the name of a node \(a str\) or None as highlight"),
        (lambda: draw(Y, collapse="yes"), r"draw\(\) takes True or False as collapse, got str 'yes'"),
        (lambda: draw(Y, show_grad=None), r"draw\(\) takes True or False as show_grad"),
        (lambda: draw(Y, edge_labels=1), r"draw\(\) takes True or False as edge_labels"),
        (lambda: explain(Y, 3), r"explain\(\) takes the name of a node as wrt, got int 3"),
        (lambda: explain(Y, "x", collapse=None), r"explain\(\) takes True or False as collapse"),
        (lambda: explain(Y, "x", forward="no"), r"explain\(\) takes True or False as forward"),
        (
            lambda: step_frames("x"),
            r"step_frames\(\) takes a scalargrad Value \(or a Trace\) as root, got str 'x'",
        ),
        (lambda: step_frames(Y, rankdir=None), r"step_frames\(\) takes one of .* as rankdir, got NoneType"),
        (lambda: diagram([Y]), r"diagram\(\) takes a scalargrad Value \(or a Trace\) as root, got list"),
        (lambda: diagram(Y, collapse=0), r"diagram\(\) takes True or False as collapse"),
        (lambda: T.node(3), r"Trace.node\(\) takes the name of a node \(a str\), got int 3"),
        (lambda: T.step(None), r"Trace.step\(\) takes the name of a node"),
        (lambda: T.gradient_of(b"x"), r"Trace.gradient_of\(\) takes the name of a node"),
        (lambda: D.position(3), r"Diagram.position\(\) takes the name of a node"),
        (lambda: D.step_of(3), r"Diagram.step_of\(\) takes the name of a node"),
        (lambda: D.edges_into(None), r"Diagram.edges_into\(\) takes the name of a node"),
        (lambda: D.paths(1.0), r"Diagram.paths\(\) takes the name of a node"),
        (lambda: D.path_caption(1), r"Diagram.path_caption\(\) takes the name of a node"),
        (lambda: D.formula("x"), r"Diagram.formula\(\) takes a position in .nodes \(an int\), got str 'x'"),
        (lambda: D.formula(0, "latex"), r"Diagram.formula\(\) takes a notation Style"),
        (lambda: D.formula(0, values=1), r"Diagram.formula\(\) takes True or False as values"),
        (lambda: D.gradient_symbol(None), r"Diagram.gradient_symbol\(\) takes a position"),
        (lambda: D.derivative_formula(0), r"Diagram.derivative_formula\(\) takes a DiagramEdge"),
        (lambda: D.partial("e"), r"Diagram.partial\(\) takes a DiagramEdge"),
        (lambda: D.edge_caption(None), r"Diagram.edge_caption\(\) takes a DiagramEdge"),
        (
            lambda: D.step_caption(D.edges[0]),
            r"Diagram.step_caption\(\) takes a DiagramStep .* got DiagramEdge",
        ),
    ],
)
def test_a_wrong_type_is_a_type_error_naming_the_argument(call, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may be written, but if it were, not into the checkout
    with pytest.raises(TypeError, match=message):
        call()
    assert list(tmp_path.iterdir()) == []


def test_a_position_outside_the_diagram_is_an_index_error():
    with pytest.raises(IndexError, match=r"no node at position 5 \(the diagram has 2\)"):
        D.formula(5)


def test_a_long_argument_is_shown_short_in_the_message():
    with pytest.raises(TypeError) as caught:
        draw("x" * 100_000)
    assert len(str(caught.value)) < 200


def record() -> dict:
    return json.loads(json.dumps(T.to_dict()))


def changed(path: tuple, value: object) -> dict:
    """The record of ``T`` with one part replaced (``...`` deletes it)."""
    data = record()
    *parents, last = path
    here = data
    for key in parents:
        here = here[key]
    if value is ...:
        del here[last]
    else:
        here[last] = value
    return data


@pytest.mark.parametrize(
    "data, error, message",
    [
        (None, TypeError, r"Trace.from_dict\(\) takes a mapping .* got NoneType None"),
        ([], TypeError, r"Trace.from_dict\(\) takes a mapping"),
        ({}, ValueError, r"no 'nodes' at the top level"),
        (changed(("nodes",), 3), TypeError, r"nodes must be a list, got int 3"),
        (changed(("nodes",), []), ValueError, r"nodes is empty"),
        (changed(("nodes", 0), "x"), TypeError, r"nodes\[0\] must be a mapping, got str 'x'"),
        (changed(("nodes", 1, "parents"), ...), ValueError, r"nodes\[1\] has no 'parents'"),
        (
            changed(("nodes", 1, "parents"), [5]),
            ValueError,
            r"nodes\[1\]\.parents\[0\] is 5, not an earlier node",
        ),
        (
            changed(("nodes", 1, "parents"), ["0"]),
            TypeError,
            r"nodes\[1\]\.parents\[0\] must be an int, got str '0'",
        ),
        (changed(("nodes", 0, "data"), "x"), ValueError, r"nodes\[0\]\.data is 'x', not a number"),
        (changed(("nodes", 0, "data"), None), TypeError, r"nodes\[0\]\.data must be a number, got NoneType"),
        (changed(("nodes", 0, "data"), True), TypeError, r"nodes\[0\]\.data must be a number, got bool"),
        (changed(("nodes", 0, "label"), 3), TypeError, r"nodes\[0\]\.label must be a str"),
        (changed(("nodes", 0, "index"), 4), ValueError, r"nodes\[0\]\.index is 4"),
        (changed(("nodes", 0, "is_leaf"), "yes"), TypeError, r"nodes\[0\]\.is_leaf must be true or false"),
        (
            changed(("nodes", 1, "is_leaf"), True),
            ValueError,
            r"nodes\[1\]\.is_leaf is True for a node with 1 parents",
        ),
        (changed(("nodes", 1, "op"), 7), TypeError, r"nodes\[1\]\.op must be a str or null"),
        (changed(("nodes", 1, "params"), []), TypeError, r"nodes\[1\]\.params must be a mapping"),
        (changed(("root",), 0), ValueError, r"root is 0, but the root is the last node"),
        (changed(("root",), "1"), TypeError, r"root must be an int"),
        (changed(("steps",), []), ValueError, r"steps has 0 steps for 2 nodes"),
        (
            changed(("steps", 0, "node"), 0),
            ValueError,
            r"steps\[0\]\.node is 0; steps run from the root down",
        ),
        (changed(("steps", 1, "contributions"), []), ValueError, r"0 contributions for 1 edges"),
        (
            changed(("steps", 1, "contributions", 0, "consumer"), 9),
            ValueError,
            r"consumer is 9, not a later node",
        ),
        (
            changed(("steps", 1, "contributions", 0, "position"), 1),
            ValueError,
            r"operand 1 of node 1 is not node 0",
        ),
        (changed(("steps", 1, "contributions", 0, "masked"), 0), TypeError, r"masked must be true or false"),
    ],
)
def test_a_malformed_trace_record_says_what_is_wrong(data, error, message):
    with pytest.raises(
        error, match=message if "from_dict" in message else "malformed trace record: .*" + message
    ):
        Trace.from_dict(data)


def test_a_well_formed_record_still_reads_back():
    assert Trace.from_dict(record()) == T
    assert Trace.from_dict(trace(tanh_chain(50)).to_dict()) == trace(tanh_chain(50))


# ------------------------------------- property: extreme values and odd labels


EXTREMES = [math.inf, -math.inf, math.nan, 0.0, -0.0, 1e308, -1e308, 5e-324, 1e-310, 1.0, -2.5, 0.5]
ODD_LABELS = st.one_of(
    st.just(""),
    st.sampled_from(
        [XSS, TEX, "\\N", "a\nb", "\x00", "$$", "*_`", "\ud800", "σ", "x", "n1", "0.5", "w" * 300]
    ),
    st.text(min_size=1, max_size=12),
)
UNARY = ["exp", "log", "sqrt", "sin", "tanh", "sigmoid", "relu", "abs", "neg"]
BINARY = ["add", "sub", "mul", "div", "pow"]


@st.composite
def graphs(draw_) -> tuple[sg.Value, list[sg.Value]]:
    """A small graph of extreme numbers, odd labels and numbers kept in the ops; its root and nodes."""
    nodes = [
        sg.Value(draw_(st.sampled_from(EXTREMES)), label=draw_(ODD_LABELS))
        for _ in range(draw_(st.integers(1, 3)))
    ]
    for _ in range(draw_(st.integers(1, 6))):
        a = draw_(st.sampled_from(nodes))
        if draw_(st.booleans()):
            name = draw_(st.sampled_from(UNARY))
            node = -a if name == "neg" else abs(a) if name == "abs" else getattr(a, name)()
        else:
            name = draw_(st.sampled_from(BINARY))
            b = draw_(st.sampled_from(nodes)) if draw_(st.booleans()) else draw_(st.sampled_from(EXTREMES))
            if draw_(st.booleans()) and not isinstance(b, sg.Value):
                a, b = b, a  # a number on the left: 0.9 - x
            node = {
                "add": lambda a=a, b=b: a + b,
                "sub": lambda a=a, b=b: a - b,
                "mul": lambda a=a, b=b: a * b,
                "div": lambda a=a, b=b: a / b,
                "pow": lambda a=a, b=b: a**b,
            }[name]()
        node.label = draw_(ODD_LABELS)
        nodes.append(node)
    return nodes[-1], nodes


@given(graphs(), st.booleans())
def test_any_graph_of_extremes_traces_draws_and_explains(graph, collapse):
    root, _ = graph
    record = trace(root)
    text = json.dumps(record.to_dict(), allow_nan=False)  # strict JSON, whatever the numbers
    assert json.dumps(Trace.from_dict(json.loads(text)).to_dict(), allow_nan=False) == text  # (nan != nan)

    source = draw(record, collapse=collapse).source
    assert controls(source.replace("\t", "")) == set()
    source.encode("utf-8")
    d = diagram(record, collapse=collapse)
    for step in d.steps:  # each step's terms are backward()'s contributions, in its order
        assert len(step.terms) == len(d._lookup("out")[step.node])

    names = [node.name for node in d.nodes]
    for name in dict.fromkeys(names):
        if names.count(name) != 1:
            continue
        e = explain(record, name, collapse=collapse)
        for out in (e.text, e.latex, e.markdown):
            assert controls(out) == set()
            out.encode("utf-8")
        assert "<" not in e.markdown and ">" not in e.markdown
        assert TEX not in e.latex and r"\input" not in e.latex  # (< is only a sign in LaTeX)
        gradient = sg.viz.notation.number(d.nodes[d.position(name)].grad)
        assert e.text.endswith(f"= {gradient}") or e.text.endswith("= 1")
        assert path_view(record, name, collapse=collapse).source.count("penwidth=2.2") >= 0
    if len(d.nodes) <= 6:
        frames = step_frames(record, collapse=collapse)
        assert len(frames) == len(d.nodes) + 1


@given(st.sampled_from(EXTREMES), st.sampled_from(EXTREMES), ODD_LABELS)
def test_extreme_numbers_keep_their_cells(a, b, label):
    x = sg.Value(a, label=label or "x")
    y = labelled(x * b + x**b, "y")
    source = draw(y).source
    for number in (x.data, y.data):
        assert f">{sg.viz.notation.number(number)}<" in source


@needs_dot
def test_a_graph_of_extremes_renders():
    x = sg.Value(1e308, label=TEX)
    tiny = sg.Value(5e-324, label=XSS)
    y = labelled((x * x) / tiny + (-0.0) ** sg.Value(-1.0, label="a\nb") + x**math.nan, "y\x00")
    for graph in (
        draw(y),
        draw(y, collapse=True),
        path_view(y, TEX),
        *[frame.graph for frame in step_frames(y)],
    ):
        texts = svg_texts(graph)
        assert texts
