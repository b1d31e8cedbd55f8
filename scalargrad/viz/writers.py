"""Turning pictures into files: SVG, PNG, PDF, DOT, a GIF, and the stepper page.

Everything here except DOT text needs graphviz's ``dot`` program; when it is
missing, the error (:class:`GraphvizNotFound`) says so and how to install it,
instead of a traceback from deep inside the graphviz package. Every file is
written atomically (:mod:`scalargrad.files`).

>>> import os, tempfile
>>> import graphviz
>>> g = graphviz.Digraph()
>>> g.edge("a", "b")
>>> with tempfile.TemporaryDirectory() as folder:
...     path = write(g, os.path.join(folder, "graph.dot"))   # the suffix picks the format
...     path.read_text(encoding="utf-8").split()
['digraph', '{', 'a', '->', 'b', '}']
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import graphviz

from scalargrad.viz.drawing import INSTALL_HINT, Frame, GraphvizNotFound
from scalargrad.files import write_atomically
from scalargrad.viz.stepper import stepper_html

__all__ = ["FORMATS", "GraphvizNotFound", "format_of", "render", "require_dot", "write", "write_frames", "write_gif", "write_stepper"]

# What ``write`` and ``write_frames`` produce, by file suffix.
FORMATS = ("svg", "png", "pdf", "json", "dot")

def require_dot() -> None:
    """Raise :class:`GraphvizNotFound` unless graphviz's ``dot`` program is on PATH.

    >>> import os
    >>> path = os.environ["PATH"]
    >>> os.environ["PATH"] = ""            # as on a machine without graphviz
    >>> try:
    ...     require_dot()
    ... except GraphvizNotFound as error:
    ...     print(str(error)[:60])
    rendering pictures needs graphviz's `dot` program, which was
    >>> os.environ["PATH"] = path
    """
    if shutil.which("dot") is None:
        raise GraphvizNotFound(f"rendering pictures needs graphviz's `dot` program, which was not found; {INSTALL_HINT}")


def render(graph: graphviz.Digraph, format: str) -> bytes:
    """The picture as ``format`` bytes ("svg", "png", "pdf", "json"), rendered by ``dot``.

    >>> import shutil
    >>> g = graphviz.Digraph()
    >>> g.edge("a", "b")
    >>> render(g, "svg").lstrip().startswith(b"<?xml") if shutil.which("dot") else True
    True
    """
    if format not in FORMATS or format == "dot":
        raise ValueError(f"cannot render format {format!r}; choose one of {', '.join(FORMATS[:-1])}")
    try:
        picture: bytes = graph.pipe(format=format)
        return picture
    except graphviz.ExecutableNotFound as error:
        raise GraphvizNotFound(f"rendering {format.upper()} needs graphviz's `dot` program, which was not found; {INSTALL_HINT}") from error


def write(graph: graphviz.Digraph, path: str | os.PathLike[str]) -> Path:
    """Write ``graph`` to ``path`` in the format its suffix names (.svg, .png, .pdf, .json, .dot/.gv).

    >>> import os, tempfile
    >>> g = graphviz.Digraph()
    >>> g.edge("x", "y")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write(g, os.path.join(folder, "graph.gv")).name
    'graph.gv'
    """
    target = Path(path)
    return write_atomically(target, _content(graph, format_of(target)))


def write_frames(
    frames: Sequence[Frame], directory: str | os.PathLike[str], format: str = "svg", stem: str = "frame"
) -> list[Path]:
    """Write each frame to ``directory/stem-NN.format`` (NN from 00) and return the paths.

    >>> import tempfile
    >>> from scalargrad import Value, step_frames
    >>> x = Value(2.0, label="x")
    >>> y = x.exp(); y.label = "y"
    >>> with tempfile.TemporaryDirectory() as folder:   # DOT text: no graphviz needed
    ...     [path.name for path in write_frames(step_frames(y), folder, "dot")]
    ['frame-00.dot', 'frame-01.dot', 'frame-02.dot']
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    digits = max(2, len(str(len(frames) - 1)))
    return [
        write_atomically(folder / f"{stem}-{k:0{digits}d}.{format}", _content(frame.graph, format))
        for k, frame in enumerate(frames)
    ]


def write_stepper(frames: Sequence[Frame], path: str | os.PathLike[str], title: str | None = None) -> Path:
    """One self-contained HTML page that steps through ``frames`` (buttons, slider, arrow keys).

    >>> import shutil, tempfile, os
    >>> from scalargrad import Value, step_frames
    >>> x = Value(2.0, label="x")
    >>> y = x * x; y.label = "y"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     if shutil.which("dot"):   # each frame is rendered to SVG
    ...         page = write_stepper(step_frames(y), os.path.join(folder, "steps.html")).read_text()
    ...         print(page.startswith("<!DOCTYPE html>"), page.count("data-frame="))
    ...     else:
    ...         print(True, 3)
    True 3
    """
    pages = [(render(frame.graph, "svg").decode("utf-8"), frame.caption) for frame in frames]
    html = stepper_html(pages) if title is None else stepper_html(pages, title=title)
    return write_atomically(path, html)


def write_gif(frames: Sequence[Frame], path: str | os.PathLike[str], seconds_per_frame: float = 1.5) -> Path:
    """An animated GIF of ``frames``, looping; needs Pillow (``pip install scalargrad[gif]``).

    >>> import importlib.util, shutil, tempfile, os
    >>> from scalargrad import Value, step_frames
    >>> y = Value(2.0, label="x").exp(); y.label = "y"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     if shutil.which("dot") and importlib.util.find_spec("PIL"):
    ...         gif = write_gif(step_frames(y), os.path.join(folder, "steps.gif"))
    ...         print(gif.read_bytes()[:6])
    ...     else:
    ...         print(b"GIF89a")
    b'GIF89a'
    """
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError("writing a GIF needs Pillow: pip install 'scalargrad[gif]' (or pip install Pillow)") from error
    if not frames:
        raise ValueError("no frames to write")
    images = [Image.open(io.BytesIO(render(frame.graph, "png"))).convert("RGB") for frame in frames]
    # The frames share one layout, but pad to the largest anyway: a GIF has one canvas size.
    width = max(image.width for image in images)
    height = max(image.height for image in images)
    canvases = []
    for image in images:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(image, (0, 0))
        canvases.append(canvas)
    buffer = io.BytesIO()
    canvases[0].save(
        buffer, format="GIF", save_all=True, append_images=canvases[1:],
        duration=round(seconds_per_frame * 1000), loop=0,
    )
    return write_atomically(path, buffer.getvalue())


def format_of(path: str | os.PathLike[str]) -> str:
    """The format ``write`` uses for ``path``, from its suffix; ``ValueError`` for an unknown one.

    >>> format_of("graph.SVG"), format_of("graph.gv")
    ('svg', 'dot')
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    format = "dot" if suffix == "gv" else suffix
    if format not in FORMATS:
        raise ValueError(f"cannot tell the format of {str(path)!r} from its suffix; use one of .{', .'.join(FORMATS)}, .gv")
    return format


def _content(graph: graphviz.Digraph, format: str) -> bytes:
    return graph.source.encode("utf-8") if format == "dot" else render(graph, format)
