"""PNG resolution, the GIF's pause on its last frame, and one frame numbering (issue 12, part 3).

Read back with Pillow, an independent reader of PNG and GIF files.
"""

from __future__ import annotations

import re
import shutil

import pytest

pytest.importorskip("graphviz")
Image = pytest.importorskip("PIL.Image")

import scalargrad as sg  # noqa: E402
from scalargrad.viz.widget import stepper_html  # noqa: E402
from scalargrad.viz.writers import render, write, write_frames, write_gif  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs graphviz's dot")


def graph() -> sg.Value:
    x = sg.Value(2.0, label="x")
    y = (x * x).tanh()
    y.label = "y"
    return y


@needs_dot
def test_dpi_scales_a_png(tmp_path) -> None:
    plain = Image.open(write(sg.draw(graph()), tmp_path / "plain.png"))
    sharp = Image.open(write(sg.draw(graph()), tmp_path / "sharp.png", dpi=192))
    # graphviz's default is 96 dpi: twice the dots per inch, twice the pixels each way.
    assert sharp.width == pytest.approx(2 * plain.width, abs=3)
    assert sharp.height == pytest.approx(2 * plain.height, abs=3)
    steps = sg.step_frames(graph())
    usual = Image.open(write_frames(steps, tmp_path / "usual", "png")[0])
    small = Image.open(write_frames(steps, tmp_path / "small", "png", dpi=48)[0])
    assert small.width == pytest.approx(usual.width / 2, abs=3)


@needs_dot
def test_dpi_leaves_svg_alone_and_is_checked() -> None:
    picture = sg.draw(graph())
    assert render(picture, "svg", dpi=300) == render(picture, "svg")
    with pytest.raises(ValueError, match="dpi must be from 10 to 1200"):
        render(picture, "png", dpi=0)
    with pytest.raises(TypeError, match="dpi"):
        render(picture, "png", dpi="300")


@needs_dot
def test_the_gif_pauses_on_its_last_frame(tmp_path) -> None:
    frames = sg.step_frames(graph())
    path = write_gif(frames, tmp_path / "steps.gif", seconds_per_frame=0.5)
    gif = Image.open(path)
    assert gif.n_frames == len(frames)
    durations = []
    for k in range(gif.n_frames):
        gif.seek(k)
        durations.append(gif.info["duration"])
    assert durations[:-1] == [500] * (len(frames) - 1)
    assert durations[-1] == 4000  # the finished backward pass stays up
    custom = Image.open(write_gif(frames, tmp_path / "custom.gif", 1.0, seconds_on_last_frame=2.5))
    custom.seek(custom.n_frames - 1)
    assert custom.info["duration"] == 2500
    with pytest.raises(ValueError, match="seconds_on_last_frame"):
        write_gif(frames, tmp_path / "bad.gif", seconds_on_last_frame=0)


def test_the_picture_and_the_page_number_frames_alike() -> None:
    frames = sg.step_frames(graph())
    count = len(frames)
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="8pt" height="8pt"/>'
    page = stepper_html([(svg, frame.caption) for frame in frames])
    counters = re.findall(r'"counter":"([^"]*)"', page)
    assert len(counters) == count
    for k, frame in enumerate(frames):
        title = re.search(r'<FONT FACE="Courier">(frame \d+/\d+)', frame.graph.source)
        assert title is not None
        assert title.group(1) == f"frame {k + 1}/{count}"
        assert f"frame {k + 1} of {count}" in counters[k]
