"""Frames and the stepper: drawn when asked for, laid out once, restyled per step.

The references are independent of the code that makes the stepper: the
gradients come from ``backward()`` on the Values themselves, the frame
pictures (each drawn on its own, as before the stepper restyled one picture)
say which gradients each frame shows, and the SVG is read back with an XML
parser. Tests that render need graphviz's ``dot`` and skip without it.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

import scalargrad as sg
from scalargrad.cli.walkthrough import build
from scalargrad.viz import frames as frames_module
from scalargrad.viz.frames import Frame, Frames, Stepper, step_frames, stepper
from scalargrad.viz.notation import number
from scalargrad.viz.palette import MARK_GRAD_CELL, MARK_GRAD_TEXT, MARK_LEAF_FILL, MARK_LINE, MARK_NODE_FILL

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot program is not on PATH")

LABELLED = ("i1", "w1", "neth", "outh", "w2", "neto", "outo", "E")


def labelled_gradients() -> dict[str, float]:
    """The worked example's gradients, from the engine's own backward pass on fresh Values."""
    E = build()
    E.backward()
    found = {}
    stack, seen = [E], set()
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if v.label in LABELLED:
            found[v.label] = v.grad
        stack.extend(v.parents)
    assert set(found) == set(LABELLED)
    return found


def steps_of(html: str) -> list[dict[str, object]]:
    match = re.search(r'<script type="application/json" data-role="data">(.*?)</script>', html, re.S)
    assert match is not None
    data: list[dict[str, object]] = json.loads(match.group(1))
    return data


def svg_of(html: str) -> ET.Element:
    start, end = html.index("<svg"), html.index("</svg>") + len("</svg>")
    return ET.fromstring(html[start:end])


SVG = "{http://www.w3.org/2000/svg}"


# ----------------------------------------------------------------- frames


def test_frames_are_a_list_drawn_only_when_read() -> None:
    frames = step_frames(build(), collapse=True)
    assert isinstance(frames, list) and isinstance(frames, Frames) and len(frames) == len(LABELLED) + 1
    assert all(frame._graph is None for frame in frames)  # nothing drawn yet
    source = frames[3].graph.source
    assert frames[3]._graph is not None and all(frames[k]._graph is None for k in (0, 1, 2, 4))
    assert "frame 4/9" in source and frames[3].graph is frames[3].graph  # drawn once


def test_many_frames_cost_nothing_until_drawn() -> None:
    # A chain of 3,000 nodes: 3,001 frames, each a picture of 3,000 nodes if drawn.
    x = sg.Value(0.5, label="x")
    y = x
    for _ in range(3000):
        y = y * 1.0001
    frames = step_frames(y)
    assert len(frames) == 3002
    assert all(frame._graph is None for frame in frames)


def test_a_frame_reads_as_its_caption_and_shows_as_its_picture() -> None:
    frames = step_frames(build(), collapse=True)
    assert repr(frames[1]) == "Frame(caption='∂E/∂E = 1')"
    if shutil.which("dot"):
        bundle = frames[3]._repr_mimebundle_()
        assert "<svg" in str(bundle["image/svg+xml"]) and bundle["text/plain"] == repr(frames[3])


def test_frames_made_by_hand_still_work() -> None:
    picture = step_frames(build(), collapse=True)[2].graph
    frame = Frame(picture, "mine")
    assert frame.graph is picture and frame.caption == "mine" and frame._board is None


# ----------------------------------------------------------- the stepper


def test_stepper_arguments() -> None:
    E = build()
    assert repr(stepper(E, collapse=True)) == "<Stepper: 9 frames>"
    with pytest.raises(TypeError, match="Value, a Trace or a list of Frames"):
        stepper(3.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"frames\[0\]"):
        stepper(["not a frame"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="empty"):
        stepper([])
    with pytest.raises(ValueError, match="pass them with a Value"):
        stepper(step_frames(E), collapse=True)
    with pytest.raises(TypeError, match="title"):
        stepper(E, title=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="path"):
        stepper(E).save(3)  # type: ignore[arg-type]


@needs_dot
def test_one_picture_for_every_frame_with_every_number_right() -> None:
    E = build()
    shown = stepper(E, collapse=True)
    html = shown.html()
    assert html.count("<svg") == 1 and "<img" not in html and " id=" not in html
    for mark in (MARK_LEAF_FILL, MARK_NODE_FILL, MARK_LINE, MARK_GRAD_TEXT, MARK_GRAD_CELL):
        assert mark not in html
    svg = svg_of(html)
    nodes = {int(g.get("data-n", "")): g for g in svg.iter(f"{SVG}g") if g.get("data-n") is not None}
    edges = [g for g in svg.iter(f"{SVG}g") if g.get("data-e") is not None]
    assert sorted(nodes) == list(range(len(LABELLED)))
    assert sorted(int(g.get("data-e", "")) for g in edges) == list(range(len(LABELLED) - 1))
    # Each node's gradient, in data-v, is what backward() gives; before any step it reads "?".
    expected = labelled_gradients()
    for g in nodes.values():
        name = "".join(g.find(f"{SVG}text").itertext())  # type: ignore[union-attr]
        (grad,) = [t for t in g.iter(f"{SVG}text") if t.get("data-r") == "grad"]
        assert grad.text == "?" and grad.get("text-anchor") == "end"
        assert grad.get("data-v") == number(expected[name])
    # The steps complete every node once, in the order the frames' captions give.
    steps = steps_of(html)
    assert [s["caption"] for s in steps] == [f.caption for f in step_frames(E, collapse=True)]
    assert steps[0].get("node") is None
    assert sorted(int(str(s["node"])) for s in steps[1:]) == list(range(len(LABELLED)))
    assert shown.html() is html  # rendered once


@needs_dot
def test_each_step_restyles_what_its_own_picture_shows() -> None:
    # The frame pictures, each drawn on its own, are the reference: the gradients
    # a frame shows are those its step and the steps before it completed, and the
    # orange node is the one the step's data names.
    E = build()
    frames = step_frames(E, collapse=True)
    steps = steps_of(stepper(frames).html())
    names = {
        int(m.group(1)): m.group(2)
        for m in re.finditer(
            r"n(\d+) \[label=<<TABLE[^>]*><TR><TD[^>]*><B>([^<]*)</B>", frames[0].graph.source
        )
    }
    board = frames.storyboard
    assert board is not None
    position_of = {node.name: position for position, node in enumerate(board.sheet.d.nodes)}
    assert set(position_of) == set(LABELLED) == set(names.values())
    known: set[int] = set()
    for k, frame in enumerate(frames):
        source = frame.graph.source
        if k:
            known.add(int(str(steps[k]["node"])))
            current = re.search(r'BGCOLOR="#ffd8a8"><TR><TD COLSPAN="2"[^>]*><B>([^<]*)</B>', source)
            assert current is not None and position_of[current.group(1)] == steps[k]["node"]
        unknown_in_picture = source.count(">?</FONT>")
        assert unknown_in_picture == len(LABELLED) - len(known), k


@needs_dot
def test_forward_frames_step_with_their_own_words() -> None:
    x, w = sg.Value(3.0, label="x"), sg.Value(-2.0, label="w")
    y = x * w + x
    y.label = "y"
    html = stepper(sg.forward_frames(y, "x", collapse=True)).html()
    counters = [s["counter"] for s in steps_of(html)]
    assert counters[0] == "seeds (frame 1 of 4)" and counters[1] == "forward step 1 of 3 (frame 2 of 4)"
    assert ">tangent<" in html and ">grad<" not in html


@needs_dot
def test_frames_not_from_one_sweep_are_shown_one_picture_each() -> None:
    frames = step_frames(build(), collapse=True)
    picked = [frames[0], frames[5], frames[8]]
    html = Stepper(picked).html()
    assert html.count("<img data-frame=") == 3 and "<g data-n=" not in html
    assert [s["caption"] for s in steps_of(html)] == [f.caption for f in picked]


@needs_dot
def test_an_svg_the_stepper_cannot_read_falls_back_to_pictures(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(svg_text: str) -> str:
        raise ValueError("graphviz's SVG has marks the stepper does not know where to put")

    monkeypatch.setattr(frames_module, "restylable_svg", unreadable)
    html = stepper(build(), collapse=True).html()
    assert html.count("<img data-frame=") == 9


@needs_dot
def test_the_frames_list_shows_as_the_stepper() -> None:
    html = step_frames(build(), collapse=True)._repr_html_()
    assert html.startswith("<style>") and html.count('<div class="sg-stepper">') == 1


@needs_dot
def test_save_writes_the_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    shown = stepper(build(), collapse=True, title="Chain rule")
    path = shown.save(tmp_path / "steps.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<title>Chain rule</title>" in page
    assert page == shown.page() and "data-page" in page


@needs_dot
def test_the_page_grows_with_the_graph_not_with_frames_times_nodes() -> None:
    # One picture and one step each: a graph ten times bigger makes a page about
    # ten times bigger (one SVG per frame made it a hundred times bigger).
    def page_bytes(size: int) -> int:
        rng = random.Random(size)
        nodes = [sg.Value(rng.uniform(-1, 1)) for _ in range(4)]
        while len(nodes) < size:
            a, b = rng.sample(nodes[-8:], 2)
            nodes.append(a * b if rng.random() < 0.5 else a + b)
        return len(stepper(nodes[-1]).html().encode("utf-8"))

    small, big = page_bytes(20), page_bytes(200)
    assert big / small < 15, (small, big)
