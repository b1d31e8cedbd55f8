"""Pictures: DOT text checked by content (no binary needed), then SVG and layout with graphviz."""

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import graphviz
import pytest

import scalargrad as sg
from scalargrad.cli.walkthrough import build
from scalargrad.viz.diagram import diagram
from scalargrad.viz.drawing import draw, path_view
from scalargrad.viz.explanation import explain
from scalargrad.viz.frames import step_frames
from scalargrad.viz.writers import GraphvizNotFound, render, write, write_frames, write_gif

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot program is not installed")


def node_ids(source):
    return re.findall(r"^\s*(n\d+) \[label=", source, flags=re.MULTILINE)


def edges(source):
    return re.findall(r"^\s*(n\d+) -> (n\d+)", source, flags=re.MULTILINE)


def test_dot_is_deterministic_and_names_nodes_by_order():
    first, second = draw(build()).source, draw(build()).source
    assert first == second  # two separate graphs, byte-identical DOT
    assert node_ids(first) == [f"n{i}" for i in range(10)]
    assert "id(" not in first and "0x" not in first


def test_nodes_show_label_formula_value_and_gradient():
    source = draw(build()).source
    assert "<B>neto</B>&#160;= outh × w2" in source
    assert "<B>outh</B>&#160;= σ(neth)" in source
    assert ">0.256249<" in source  # neto's value
    assert ">-0.082706<" in source  # neto's gradient
    assert len(edges(source)) == 9  # one per Value operand
    assert "\u00a0∂neto/∂w2\\l\u00a0= 0.512497\\l" in source  # stacked, left-justified


def test_left_to_right_edges_carry_one_line_labels():
    source = draw(build(), rankdir="LR", collapse=True).source
    assert 'label="∂neto/∂w2 = 0.512497"' in source
    assert "rankdir=LR" in source


def test_options_change_what_is_drawn():
    plain = draw(build(), show_grad=False, edge_labels=False).source
    assert ">grad<" not in plain and "∂" not in plain
    collapsed = draw(build(), collapse=True).source
    assert len(node_ids(collapsed)) == 8 and len(edges(collapsed)) == 7


def test_path_view_highlights_every_path_and_captions_the_product():
    source = path_view(build(), "w1", rankdir="LR", collapse=True).source
    assert "∂E/∂w1 = (-0.336286)(0.245941)(0.5)(0.249844)(0.1) = -0.001033" in source
    highlighted = re.findall(r"(n\d+) -> (n\d+) \[[^\]]*penwidth=2.2", source)
    assert len(highlighted) == 5  # w1 -> neth -> outh -> neto -> outo -> E
    assert source == draw(build(), rankdir="LR", collapse=True, highlight="w1").source


def test_frames_one_per_step_plus_the_forward_pass():
    d = diagram(build(), collapse=True)
    frames = step_frames(build(), collapse=True)
    assert len(frames) == len(d.steps) + 1 == 9
    assert frames[0].caption.startswith("forward pass")
    assert frames[3].caption == "∂E/∂neto = ∂E/∂outo × ∂outo/∂neto = -0.336286 × 0.245941 = -0.082706"
    # Gradients appear one step at a time: frame k shows k known gradients.
    for k, frame in enumerate(frames):
        unknown = frame.graph.source.count('COLOR="#495057">?<')
        assert unknown == len(d.nodes) - k


def test_bad_arguments_are_named():
    with pytest.raises(
        TypeError, match=r"draw\(\) takes a scalargrad Value \(or a Trace\) as root, got float 3.0"
    ):
        draw(3.0)
    with pytest.raises(ValueError, match="rankdir must be one of TB, LR, BT, RL"):
        draw(build(), rankdir="sideways")
    with pytest.raises(KeyError, match="no node named 'w3'"):
        draw(build(), highlight="w3")


def test_labels_with_markup_characters_are_escaped():
    x = sg.Value(1.0, label="a<b>&c")
    y = x * 2
    y.label = "y"
    source = draw(y).source
    assert "a&lt;b&gt;&amp;c" in source


@needs_dot
def test_markup_labels_render():
    x = sg.Value(1.0, label='a<b>&"c')
    y = x.exp()
    y.label = "y"
    svg = render(draw(y), "svg").decode()
    texts = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert 'a<b>&"c' in texts


def svg_texts(svg_bytes):
    root = ET.fromstring(svg_bytes)
    return " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))


@needs_dot
def test_svg_has_the_labels_and_numbers():
    text = svg_texts(render(draw(build(), collapse=True), "svg"))
    for expected in ("w1", "neth", "outo", "0.512497", "-0.042387", "∂neto/∂w2", "σ(neth)"):
        assert expected in text


def positions(graph):
    layout = json.loads(render(graph, "json"))
    return {o["name"]: o["pos"] for o in layout["objects"]}, layout["bb"]


@needs_dot
@pytest.mark.parametrize("collapse, rankdir", [(True, "LR"), (False, "TB")])
def test_frames_keep_every_node_in_place(collapse, rankdir):
    frames = step_frames(build(), collapse=collapse, rankdir=rankdir)
    first = positions(frames[0].graph)
    assert all(positions(frame.graph) == first for frame in frames[1:])


@needs_dot
def test_rendering_fits_every_number_in_its_cell():
    # graphviz warns on stderr when fixed-size cells are too small for their text
    y = sg.Value(-123456.789, label="big") * sg.Value(1e-7, label="tiny")
    y.label = "product"
    for frame in step_frames(y) + [frame for frame in step_frames(build())]:
        run = subprocess.run(["dot", "-Tsvg"], input=frame.graph.source.encode(), capture_output=True)
        assert run.returncode == 0
        assert run.stderr == b"", run.stderr.decode()


@needs_dot
def test_writers_write_svg_png_frames_and_gif(tmp_path):
    pytest.importorskip("PIL")
    from PIL import Image

    graph = draw(build())
    assert write(graph, tmp_path / "g.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert write(graph, tmp_path / "g.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert write(graph, tmp_path / "g.gv").read_text(encoding="utf-8") == graph.source
    frames = step_frames(build(), collapse=True, rankdir="LR")
    paths = write_frames(frames, tmp_path / "steps")
    assert [p.name for p in paths] == [f"frame-{k:02d}.svg" for k in range(9)]
    assert "∂E/∂neto = ∂E/∂outo × ∂outo/∂neto" in svg_texts(paths[3].read_bytes())
    gif = write_gif(frames, tmp_path / "steps.gif")
    with Image.open(gif) as image:
        assert image.n_frames == 9


def test_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match="cannot tell the format"):
        write(draw(build()), tmp_path / "graph.jpeg")


def test_without_dot_the_error_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no dot anywhere
    graph = draw(build())
    assert graph.source.startswith("digraph")  # building and DOT text need no binary
    assert "∂E/∂w1" in explain(build(), "w1").text
    with pytest.raises(GraphvizNotFound, match="apt-get install graphviz.*brew install graphviz"):
        write(graph, tmp_path / "graph.svg")
    assert isinstance(GraphvizNotFound("x"), RuntimeError)
    assert not (tmp_path / "graph.svg").exists()
    # Jupyter shows a picture through _repr_mimebundle_: the same advice there
    with pytest.raises(
        GraphvizNotFound, match="showing a picture needs graphviz's `dot`.*apt-get install graphviz"
    ):
        graph._repr_mimebundle_()


def test_digraph_is_a_graphviz_object():
    assert isinstance(draw(build()), graphviz.Digraph)
