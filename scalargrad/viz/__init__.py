"""Pictures and words for a computation graph and its backward pass.

The flow is one way: :mod:`~scalargrad.viz.trace` records a pass as plain
data; :mod:`~scalargrad.viz.diagram` decides what a picture shows;
:mod:`~scalargrad.viz.drawing`, :mod:`~scalargrad.viz.frames`,
:mod:`~scalargrad.viz.explanation` and :mod:`~scalargrad.viz.widget` turn
that into graphviz pictures, frames to step through, text and the stepper; :mod:`~scalargrad.viz.writers` writes files. Only ``drawing`` and
``writers`` need the graphviz package, and they are imported on first use.

>>> import scalargrad as sg
>>> x = sg.Value(2.0, label="x")
>>> y = x * x; y.label = "y"
>>> print(explain(y, "x").text.splitlines()[0])
Forward pass
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from scalargrad.viz.explanation import Explanation, explain
from scalargrad.viz.forward import ForwardTrace, forward_trace
from scalargrad.viz.forward_explanation import explain_forward
from scalargrad.viz.trace import Trace, trace

if TYPE_CHECKING:
    from scalargrad.viz.drawing import path_view
    from scalargrad.viz.forward_drawing import forward_backward_frames, forward_frames
    from scalargrad.viz.frames import step_frames, stepper
    from scalargrad.viz.pictures import draw

__all__ = [
    "Explanation",
    "ForwardTrace",
    "Trace",
    "draw",
    "explain",
    "explain_forward",
    "forward_backward_frames",
    "forward_frames",
    "forward_trace",
    "path_view",
    "step_frames",
    "stepper",
    "trace",
]

_NEEDS_GRAPHVIZ = ("draw", "path_view", "step_frames", "stepper", "forward_frames", "forward_backward_frames")
# Where each picture is drawn, when not in scalargrad.viz.drawing.
_DRAWN_IN = {
    "forward_frames": "scalargrad.viz.forward_drawing",
    "forward_backward_frames": "scalargrad.viz.forward_drawing",
    "draw": "scalargrad.viz.pictures",
    "step_frames": "scalargrad.viz.frames",
    "stepper": "scalargrad.viz.frames",
}

INSTALL_GRAPHVIZ = (
    "pip install graphviz (the Python package), and the dot program: "
    "apt-get install graphviz, dnf install graphviz, brew install graphviz or conda install graphviz"
)


def __getattr__(name: str) -> Any:
    if name not in _NEEDS_GRAPHVIZ:
        raise AttributeError(f"module 'scalargrad.viz' has no attribute {name!r}")
    try:
        drawing = importlib.import_module(_DRAWN_IN.get(name, "scalargrad.viz.drawing"))
    except ModuleNotFoundError as error:
        if error.name != "graphviz":
            raise
        return _missing_graphviz(name)
    found = getattr(drawing, name)
    globals()[name] = found
    return found


def _missing_graphviz(name: str) -> Any:
    def needs_graphviz(*args: Any, **kwargs: Any) -> Any:
        raise ModuleNotFoundError(
            f"scalargrad.{name} draws with the graphviz package, which is not installed: {INSTALL_GRAPHVIZ}",
            name="graphviz",
        )

    needs_graphviz.__name__ = name
    needs_graphviz.__doc__ = (
        f"Stands in for ``{name}``, which needs graphviz: calling it says how to install it."
    )
    return needs_graphviz
