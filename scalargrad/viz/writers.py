"""Turning pictures into files: SVG, PNG, PDF, DOT, a GIF, and the stepper page.

Everything here except DOT text needs graphviz's ``dot`` program; when it is
missing, the error (:class:`GraphvizNotFound`) says so and how to install it,
and when ``dot`` fails on a picture, the error (:class:`RenderError`) names the
file and quotes ``dot``, instead of a traceback from deep inside the graphviz
package. Every file is written atomically (:mod:`scalargrad.files`).

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
import numbers
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import graphviz

from scalargrad.files import write_atomically
from scalargrad.viz.drawing import INSTALL_HINT, GraphvizNotFound, RenderError, render_bytes
from scalargrad.viz.frames import _GRAPHS, Frame, Stepper, checked_frames
from scalargrad.viz.trace import given

__all__ = [
    "FORMATS",
    "GraphvizNotFound",
    "RenderError",
    "format_of",
    "render",
    "require_dot",
    "write",
    "write_frames",
    "write_gif",
    "write_stepper",
]

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
        raise GraphvizNotFound(
            f"rendering pictures needs graphviz's `dot` program, which was not found; {INSTALL_HINT}"
        )


def render(graph: graphviz.Digraph, format: str, dpi: float | None = None) -> bytes:
    """The picture as ``format`` bytes ("svg", "png", "pdf", "json"), rendered by ``dot``.

    ``dpi`` is the resolution of a PNG (graphviz's default is 96; 192 gives
    twice the pixels each way, for a projector or a slide); other formats are
    vector pictures and ignore it. :class:`GraphvizNotFound` without ``dot``;
    :class:`RenderError` when ``dot`` fails on the picture.

    >>> import shutil
    >>> g = graphviz.Digraph()
    >>> g.edge("a", "b")
    >>> render(g, "svg").lstrip().startswith(b"<?xml") if shutil.which("dot") else True
    True
    """
    _check_graph(graph, "render")
    _check_format(format, "render", FORMATS[:-1])
    return render_bytes(graph, format, "the picture", _check_dpi(dpi, "render"))


def write(graph: graphviz.Digraph, path: str | os.PathLike[str], dpi: float | None = None) -> Path:
    """Write ``graph`` to ``path`` in the format its suffix names (.svg, .png, .pdf, .json, .dot/.gv).

    ``dpi`` sets a PNG's resolution (see :func:`render`); other formats ignore it.

    >>> import os, tempfile
    >>> g = graphviz.Digraph()
    >>> g.edge("x", "y")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write(g, os.path.join(folder, "graph.gv")).name
    'graph.gv'
    """
    _check_graph(graph, "write")
    target = _path(path, "path", "write")
    resolution = _check_dpi(dpi, "write")
    return write_atomically(target, _content(graph, format_of(target), target, resolution))


def write_frames(
    frames: Sequence[Frame],
    directory: str | os.PathLike[str],
    format: str = "svg",
    stem: str = "frame",
    dpi: float | None = None,
) -> list[Path]:
    """Write each frame to ``directory/stem-NN.format`` (NN from 00) and return the paths.

    ``dpi`` sets the resolution of PNG frames (see :func:`render`).

    >>> import tempfile
    >>> from scalargrad import Value, step_frames
    >>> x = Value(2.0, label="x")
    >>> y = x.exp(); y.label = "y"
    >>> with tempfile.TemporaryDirectory() as folder:   # DOT text: no graphviz needed
    ...     [path.name for path in write_frames(step_frames(y), folder, "dot")]
    ['frame-00.dot', 'frame-01.dot', 'frame-02.dot']
    """
    checked = checked_frames(frames, "write_frames")
    folder = _path(directory, "directory", "write_frames")
    _check_format(format, "write_frames", FORMATS)
    if not isinstance(stem, str):
        raise TypeError(f"write_frames() takes a str as stem, got {given(stem)}")
    if not stem or any(sep in stem for sep in ("/", "\\", os.sep)) or stem in (".", ".."):
        raise ValueError(f"stem must be a file name's beginning, without a path separator; got {stem!r}")
    resolution = _check_dpi(dpi, "write_frames")
    folder.mkdir(parents=True, exist_ok=True)
    digits = max(2, len(str(len(checked) - 1)))
    paths = []
    for k, frame in enumerate(checked):
        target = folder / f"{stem}-{k:0{digits}d}.{format}"
        paths.append(write_atomically(target, _content(frame.graph, format, target, resolution)))
    return paths


def write_stepper(frames: Sequence[Frame], path: str | os.PathLike[str], title: str | None = None) -> Path:
    """One self-contained HTML page that steps through ``frames`` (buttons, slider, arrow keys).

    The frames of :func:`~scalargrad.viz.frames.step_frames` (and of the
    forward-mode pictures) are laid out once: the page holds one picture and
    restyles it at each step. Other frames are rendered one picture each.

    >>> import shutil, tempfile, os
    >>> from scalargrad import Value, step_frames
    >>> x = Value(2.0, label="x")
    >>> y = x * x; y.label = "y"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     if shutil.which("dot"):   # each frame is rendered to SVG
    ...         page = write_stepper(step_frames(y), os.path.join(folder, "steps.html")).read_text()
    ...         print(page.startswith("<!DOCTYPE html>"), page.count("<svg"))
    ...     else:
    ...         print(True, 1)
    True 1
    """
    checked = checked_frames(frames, "write_stepper")
    target = _path(path, "path", "write_stepper")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"write_stepper() takes a str or None as title, got {given(title)}")
    return Stepper(checked, title).save(target)


def write_gif(
    frames: Sequence[Frame],
    path: str | os.PathLike[str],
    seconds_per_frame: float = 1.5,
    seconds_on_last_frame: float = 4.0,
    dpi: float | None = None,
) -> Path:
    """An animated GIF of ``frames``, looping; needs Pillow (``pip install scalargrad[gif]``).

    Each frame shows for ``seconds_per_frame``, and the last one, the finished
    backward pass, for ``seconds_on_last_frame`` (at least as long as the
    others), so a viewer can read it before the loop starts again. ``dpi`` is
    the frames' resolution (see :func:`render`).

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
    checked = checked_frames(frames, "write_gif")
    target = _path(path, "path", "write_gif")
    if isinstance(seconds_per_frame, bool) or not isinstance(seconds_per_frame, numbers.Real):
        raise TypeError(
            f"write_gif() takes a number of seconds as seconds_per_frame, got {given(seconds_per_frame)}"
        )
    if not 0 < seconds_per_frame < 3600:
        raise ValueError(
            f"seconds_per_frame must be more than 0 and less than an hour; got {seconds_per_frame!r}"
        )
    if isinstance(seconds_on_last_frame, bool) or not isinstance(seconds_on_last_frame, numbers.Real):
        raise TypeError(
            f"write_gif() takes a number of seconds as seconds_on_last_frame, got {given(seconds_on_last_frame)}"
        )
    if not 0 < seconds_on_last_frame < 3600:
        raise ValueError(
            f"seconds_on_last_frame must be more than 0 and less than an hour; got {seconds_on_last_frame!r}"
        )
    resolution = _check_dpi(dpi, "write_gif")
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            "writing a GIF needs Pillow: pip install 'scalargrad[gif]' (or pip install Pillow)"
        ) from error
    if not checked:
        raise ValueError("no frames to write")
    images = [
        Image.open(
            io.BytesIO(render_bytes(frame.graph, "png", f"frame {k} of {target}", resolution))
        ).convert("RGB")
        for k, frame in enumerate(checked)
    ]
    # The frames share one layout, but pad to the largest anyway: a GIF has one canvas size.
    width = max(image.width for image in images)
    height = max(image.height for image in images)
    canvases = []
    for image in images:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(image, (0, 0))
        canvases.append(canvas)
    buffer = io.BytesIO()
    each = round(seconds_per_frame * 1000)
    durations = [each] * (len(canvases) - 1) + [max(each, round(seconds_on_last_frame * 1000))]
    canvases[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=canvases[1:],
        duration=durations if len(durations) > 1 else durations[0],
        loop=0,
    )
    return write_atomically(target, buffer.getvalue())


def format_of(path: str | os.PathLike[str]) -> str:
    """The format ``write`` uses for ``path``, from its suffix; ``ValueError`` for an unknown one.

    >>> format_of("graph.SVG"), format_of("graph.gv")
    ('svg', 'dot')
    """
    path = _path(path, "path", "format_of")
    suffix = path.suffix.lower().lstrip(".")
    format = "dot" if suffix == "gv" else suffix
    if format not in FORMATS:
        raise ValueError(
            f"cannot tell the format of {str(path)!r} from its suffix; use one of .{', .'.join(FORMATS)}, .gv"
        )
    return format


def _content(graph: graphviz.Digraph, format: str, target: Path, dpi: float | None = None) -> bytes:
    if format == "dot":
        source: str = graph.source
        return source.encode("utf-8")
    return render_bytes(graph, format, str(target), dpi)


def _check_dpi(dpi: object, function: str) -> float | None:
    """``dpi`` as a float (None stays None); a TypeError or ValueError naming ``function`` otherwise."""
    if dpi is None:
        return None
    if isinstance(dpi, bool) or not isinstance(dpi, numbers.Real):
        raise TypeError(f"{function}() takes a number of dots per inch or None as dpi, got {given(dpi)}")
    if not 10 <= float(dpi) <= 1200:
        raise ValueError(f"dpi must be from 10 to 1200 (graphviz's default is 96); got {dpi!r}")
    return float(dpi)


def _check_graph(graph: object, function: str) -> None:
    if not isinstance(graph, _GRAPHS):
        raise TypeError(
            f"{function}() takes a graphviz graph (what draw() returns) as graph, got {given(graph)}"
        )


def _check_format(format: object, function: str, allowed: Sequence[str]) -> None:
    if not isinstance(format, str):
        raise TypeError(
            f"{function}() takes a format name (one of {', '.join(allowed)}) as format, got {given(format)}"
        )
    if format not in allowed:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(allowed)}")


def _path(path: object, argument: str, function: str) -> Path:
    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
        raise TypeError(
            f"{function}() takes a file path (a str or os.PathLike) as {argument}, got {given(path)}"
        )
    target = Path(path)  # (a PathLike giving bytes is refused by Path itself, with a TypeError)
    return target
