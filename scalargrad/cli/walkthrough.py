"""The worked example of the chain rule, as a library: the graph, its pictures, and training it.

One input, one hidden unit, one output, sigmoid activations::

    neth = i1 × w1,  outh = σ(neth),  neto = outh × w2,  outo = σ(neto),  E = ½ (0.9 - outo)²

with i1 = 0.1, target 0.9 and both weights 0.5. Only the quantities a
tutorial names are labelled, so ``collapse=True`` draws the tutorial's
picture; the target and the ½ are constants.

>>> E = build()
>>> f"{E.data:.6f}"
'0.056544'
>>> result = train()
>>> result.iterations, f"{result.w1:.7f}", f"{result.w2:.7f}", f"{result.output:.7f}"
(813, '0.8800250', '4.0056202', '0.8900135')

``scalargrad walkthrough`` (see :mod:`scalargrad.cli`) prints the derivation,
writes the pictures with :func:`write_pictures`, and trains.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scalargrad.value import Value
from scalargrad.viz.drawing import draw, path_view
from scalargrad.viz.explanation import explain
from scalargrad.viz.frames import step_frames
from scalargrad.viz.trace import given, trace
from scalargrad.viz.writers import require_dot, write, write_frames, write_gif, write_stepper

__all__ = ["PICTURE_FORMATS", "TrainingResult", "build", "derivation", "train", "write_pictures"]

I1 = 0.1
TARGET = 0.9
W1 = 0.5
W2 = 0.5
LEARNING_RATE = 0.9
TOLERANCE = 0.00005

# What write_pictures can produce: pictures in svg or png, the stepper page, an animation.
PICTURE_FORMATS = ("svg", "png", "html", "gif")


def build(w1: float = W1, w2: float = W2, i1: float = I1, target: float = TARGET) -> Value:
    """The forward pass; returns E. Its nodes are labelled i1, w1, neth, outh, w2, neto, outo, E.

    >>> from scalargrad import topological_order
    >>> E = build()
    >>> f"{E.data:.6f}", [node.label for node in topological_order(E) if node.label]
    ('0.056544', ['i1', 'w1', 'neth', 'outh', 'w2', 'neto', 'outo', 'E'])
    """
    for name, x in (("w1", w1), ("w2", w2), ("i1", i1), ("target", target)):
        _check_real(x, name, "build")
    return _forward(w1, w2, i1, target)[0]


def _check_real(x: object, argument: str, function: str) -> None:
    if isinstance(x, (bool, Value)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{function}() takes a real number as {argument}, got {given(x)}")


def _forward(
    w1: float, w2: float, i1: float = I1, target: float = TARGET
) -> tuple[Value, Value, Value, Value]:
    """E and the nodes training needs: the two weights and the output."""

    def named(value: Value, label: str) -> Value:
        value.label = label
        return value

    weight1, weight2 = named(Value(w1), "w1"), named(Value(w2), "w2")
    neth = named(named(Value(i1), "i1") * weight1, "neth")
    outh = named(neth.sigmoid(), "outh")
    neto = named(outh * weight2, "neto")
    outo = named(neto.sigmoid(), "outo")
    return named(0.5 * (target - outo) ** 2, "E"), weight1, weight2, outo


@dataclass(frozen=True)
class TrainingResult:
    """Where training stopped: the first iteration whose error was below the tolerance."""

    iterations: int
    w1: float
    w2: float
    output: float
    error: float


def train(
    lr: float = LEARNING_RATE,
    tolerance: float = TOLERANCE,
    max_iterations: int = 1_000_000,
    on_iteration: Callable[[int, float], None] | None = None,
) -> TrainingResult:
    """Gradient descent ``w <- w - lr × ∂E/∂w`` until E < tolerance.

    An iteration is one forward pass; the last one finds E below the
    tolerance and makes no update. ``on_iteration(iteration, E)`` is called
    after each forward pass (for a progress display).

    >>> train(lr=2.0).iterations < train().iterations       # a bolder step gets there sooner
    True
    """
    _check_real(lr, "lr", "train")
    _check_real(tolerance, "tolerance", "train")
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int):
        raise TypeError(f"train() takes an int as max_iterations, got {given(max_iterations)}")
    if on_iteration is not None and not callable(on_iteration):
        raise TypeError(
            f"train() takes a function of (iteration, E) or None as on_iteration, got {given(on_iteration)}"
        )
    w1, w2 = W1, W2
    for iteration in range(1, max_iterations + 1):
        error, weight1, weight2, outo = _forward(w1, w2)
        if on_iteration is not None:
            on_iteration(iteration, error.data)
        if error.data < tolerance:
            return TrainingResult(iteration, w1, w2, outo.data, error.data)
        error.backward()
        w1 -= lr * weight1.grad
        w2 -= lr * weight2.grad
    raise RuntimeError(f"E still >= {tolerance} after {max_iterations} iterations (lr = {lr})")


def derivation(E: Value | None = None) -> str:
    """The forward pass and the chain rule for ∂E/∂w2 and ∂E/∂w1, over the labelled nodes.

    >>> print(derivation().splitlines()[-1])
      ∂E/∂w1 = (-0.336286)(0.245941)(0.5)(0.249844)(0.1) = -0.001033
    """
    if E is not None and not isinstance(E, Value):
        raise TypeError(
            f"derivation() takes the example's E (a Value, from build()) or None as E, got {given(E)}"
        )
    record = trace(build() if E is None else E)
    return (
        explain(record, "w2", collapse=True).text
        + "\n\n"
        + explain(record, "w1", collapse=True, forward=False).text
    )


def write_pictures(
    out: str | os.PathLike[str], formats: Sequence[str] = ("svg", "html"), dpi: float | None = None
) -> list[Path]:
    """Write the example's pictures into the folder ``out``; returns the files written.

    For "svg" and "png": ``graph`` (every node), ``graph-collapsed`` (the
    tutorial's picture), ``path-w1`` and ``path-w2`` (the path views), and
    ``steps/frame-NN`` (one per backward step). "html": ``walkthrough.html``,
    the frames in one page to step through. "gif": ``steps.gif``. Needs
    graphviz's ``dot`` program (and Pillow for "gif"). ``dpi`` is the
    resolution of PNG pictures and of the GIF (graphviz's default is 96).
    A folder that cannot be made is an ``OSError`` worded as ``write``'s:
    ``cannot write pics/: pics is a file, not a folder``.

    >>> import shutil, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     if shutil.which("dot"):   # pictures need graphviz
    ...         print([path.name for path in write_pictures(folder, ["html"])])
    ...     else:
    ...         print(["walkthrough.html"])
    ['walkthrough.html']
    >>> write_pictures("pictures", ["jpeg"])
    Traceback (most recent call last):
    ...
    ValueError: unknown format 'jpeg'; choose from svg, png, html, gif
    """
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(
            f"write_pictures() takes a folder path (a str or os.PathLike) as out, got {given(out)}"
        )
    if isinstance(formats, (str, bytes)) or not isinstance(formats, Sequence):
        raise TypeError(f"write_pictures() takes a list of format names as formats, got {given(formats)}")
    for k, f in enumerate(formats):
        if not isinstance(f, str):
            raise TypeError(f"write_pictures(): formats[{k}] is {given(f)}, not a format name (a str)")
    unknown = [f for f in formats if f not in PICTURE_FORMATS]
    if unknown:
        raise ValueError(f"unknown format {unknown[0]!r}; choose from {', '.join(PICTURE_FORMATS)}")
    formats = list(dict.fromkeys(formats))  # each once, in the order given
    require_dot()  # before making the folder
    folder = Path(out)
    _make_folder(folder)
    record = trace(build())
    # Top to bottom: the pictures stay legible at a page's width.
    frames = step_frames(record, collapse=True)
    written: list[Path] = []
    for format in (f for f in formats if f in ("svg", "png")):
        written.append(write(draw(record), folder / f"graph.{format}", dpi=dpi))
        written.append(write(draw(record, collapse=True), folder / f"graph-collapsed.{format}", dpi=dpi))
        for weight in ("w1", "w2"):
            view = path_view(record, weight, collapse=True)
            written.append(write(view, folder / f"path-{weight}.{format}", dpi=dpi))
        written += write_frames(frames, folder / "steps", format, dpi=dpi)
    if "html" in formats:
        written.append(
            write_stepper(
                frames, folder / "walkthrough.html", title="scalargrad: the chain rule, step by step"
            )
        )
    if "gif" in formats:
        written.append(write_gif(frames, folder / "steps.gif", dpi=dpi))
    return written


def _make_folder(folder: Path) -> None:
    """``folder`` and its parents, made if missing; an OSError worded as ``write``'s if they cannot be.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as file:
    ...     try:
    ...         _make_folder(Path(file.name))
    ...     except OSError as error:
    ...         print(str(error).endswith("is a file, not a folder"))
    True
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as error:
        blocking = error.filename if error.filename is not None else folder
        # the first part of the path that is a file
        for part in (folder, *folder.parents):
            if part.exists() and not part.is_dir():
                blocking = part
                break
        raise type(error)(f"cannot write {folder}/: {blocking} is a file, not a folder") from None
    except PermissionError as error:
        raise PermissionError(
            f"cannot write {folder}/: permission denied for {error.filename or folder}"
        ) from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise OSError(f"cannot write {folder}/: {reason[:1].lower()}{reason[1:]}") from None
