"""Every text colour in every drawing meets WCAG AA: contrast at least 4.5:1 against its background.

The contrast ratio is computed here from WCAG 2.x's definition (relative
luminance of sRGB colours, then (L1 + 0.05) / (L2 + 0.05)), not taken from
the library; the colours are read from the DOT source of ``draw``,
``path_view`` and every ``step_frames`` frame, including the highlighted,
current and used nodes' fills.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

pytest.importorskip("graphviz")

import scalargrad as sg  # noqa: E402
from scalargrad.cli.walkthrough import build  # noqa: E402

AA = 4.5
NAMED = {"white": "#ffffff", "black": "#000000"}


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour written #rrggbb."""
    colour = NAMED.get(colour.lower(), colour).lstrip("#")
    assert re.fullmatch("[0-9a-fA-F]{6}", colour), colour

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[k : k + 2], 16) for k in (0, 2, 4))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_formula_against_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-fails grey
    assert contrast("#adb5bd", "#ffffff") == pytest.approx(2.07, abs=0.01)  # the old "data"/"grad" grey


class _Label(HTMLParser):
    """Text runs of a graphviz HTML-like label, each with its font colour and the fill behind it."""

    def __init__(self, default_colour: str, background: str) -> None:
        super().__init__(convert_charrefs=True)
        self.colours = [default_colour]
        self.fills = [background]
        self.stack: list[tuple[str, bool, bool]] = []
        self.runs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k.lower(): v for k, v in attrs if v is not None}
        colour = tag == "font" and "color" in found
        fill = tag in ("table", "td") and "bgcolor" in found
        if colour:
            self.colours.append(found["color"])
        if fill:
            self.fills.append(found["bgcolor"])
        if tag != "br":
            self.stack.append((tag, colour, fill))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            name, colour, fill = self.stack.pop()
            if colour:
                self.colours.pop()
            if fill:
                self.fills.pop()
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.runs.append((data.strip(), self.colours[-1], self.fills[-1]))


def text_colours(source: str) -> list[tuple[str, str, str]]:
    """(text, font colour, background) for every piece of text a DOT picture draws."""
    background = "white"
    edge_colour = node_colour = graph_colour = "black"
    runs: list[tuple[str, str, str]] = []
    for line in source.splitlines():
        line = line.strip()
        graph_attrs = re.match(r"graph \[(.*)\]$", line)
        if graph_attrs:
            found = re.search(r'bgcolor="?([#\w]+)', graph_attrs.group(1))
            background = found.group(1) if found else background
            found = re.search(r'fontcolor="?([#\w]+)', graph_attrs.group(1))
            graph_colour = found.group(1) if found else graph_colour
            continue
        for kind in ("edge", "node"):
            defaults = re.match(kind + r" \[(.*)\]$", line)
            if defaults:
                found = re.search(r'fontcolor="?([#\w]+)', defaults.group(1))
                if found and kind == "edge":
                    edge_colour = found.group(1)
                elif found:
                    node_colour = found.group(1)
        if re.match(r"(edge|node) \[", line):
            continue
        html_label = re.search(r"label=<(.*)>", line)
        if html_label:
            is_caption = line.startswith("label=")
            parser = _Label(graph_colour if is_caption else node_colour, background)
            parser.feed(html_label.group(1))
            runs += parser.runs
            continue
        plain = re.search(r'label="((?:[^"\\]|\\.)*)"', line)
        if plain and "->" in line:
            found = re.search(r'fontcolor="?([#\w]+)', line)
            text = plain.group(1).replace("\\l", " ").strip()
            runs.append((text, found.group(1) if found else edge_colour, background))
    return runs


def pictures() -> list[tuple[str, str]]:
    x, w, b = sg.Value(0.5, label="x"), sg.Value(-3.0, label="w"), sg.Value(2.0, label="b")
    y = (x * w + b * b).tanh()
    y.label = "y"
    E = build()
    found = [("draw", sg.draw(y).source), ("draw collapsed", sg.draw(E, collapse=True).source)]
    found += [("draw LR", sg.draw(E, rankdir="LR").source)]
    found += [("path_view w1", sg.path_view(E, "w1", collapse=True).source)]
    found += [("path_view x", sg.path_view(y, "x").source)]
    found += [(f"step frame {k}", frame.graph.source) for k, frame in enumerate(sg.step_frames(y))]
    found += [
        (f"collapsed frame {k}", frame.graph.source)
        for k, frame in enumerate(sg.step_frames(E, collapse=True))
    ]
    # Forward mode's frames are drawn on the same sheet: the same colours must hold there.
    found += [
        (f"forward frame {k}", frame.graph.source) for k, frame in enumerate(sg.forward_frames(E, "w1"))
    ]
    forward, backward = sg.forward_backward_frames(E, "w1")
    found += [
        (f"forward-backward frame {k}", frame.graph.source) for k, frame in enumerate([*forward, *backward])
    ]
    return found


@pytest.mark.parametrize(("what", "source"), pictures(), ids=lambda p: p if len(p) < 30 else "")
def test_every_text_colour_meets_wcag_aa(what: str, source: str) -> None:
    runs = text_colours(source)
    assert runs, "no text found: the parser no longer reads the DOT"
    failing = [
        (text, colour, fill, round(contrast(colour, fill), 2))
        for text, colour, fill in runs
        if contrast(colour, fill) < AA
    ]
    assert not failing, f"{what}: {failing[:5]}"


def test_the_parser_sees_every_kind_of_text_and_fill() -> None:
    """The test above must cover highlighted fills and the muted labels, not just black on white."""
    runs = [run for _, source in pictures() for run in text_colours(source)]
    fills = {fill.lower() for _, _, fill in runs}
    colours = {colour.lower() for _, colour, _ in runs}
    texts = {text for text, _, _ in runs}
    assert {"#ffd8a8", "#d0ebff", "#fff4e6", "#e7f0fa"} <= fills  # current, path, used, leaf
    assert {"data", "grad", "?"} <= texts
    assert any(text.startswith("∂") for text in texts)  # edge labels
    assert len(colours) >= 4
