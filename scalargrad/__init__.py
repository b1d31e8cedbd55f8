"""scalargrad: a scalar autograd engine for learning, teaching and testing backpropagation.

>>> import scalargrad as sg
>>> a, b = sg.Value(2.0, label="a"), sg.Value(-3.0, label="b")
>>> c = a * b + b ** 2
>>> c.backward()
>>> c.data, a.grad, b.grad
(3.0, -3.0, -4.0)

``import scalargrad`` loads the engine only: the layers on it (``nn``, the
renderers in ``viz``, which need graphviz, and the command line) are imported
the first time one of their names is used (PEP 562), so the engine works on a
machine without graphviz.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from scalargrad.backward import topological_order
from scalargrad.labels import label
from scalargrad.modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from scalargrad.operation import Notation, Op, OpFunction, op
from scalargrad.ops import *  # noqa: F403 - every built-in op spelt as a function, from the registry
from scalargrad.ops import __all__ as _op_functions
from scalargrad.transforms import grad, gradcheck, gradients, hessian, jacobian, jvp, value_and_grad
from scalargrad.value import Value, as_value

if TYPE_CHECKING:  # resolved lazily below; named here for type checkers
    from scalargrad import nn
    from scalargrad.nn import losses, optim
    from scalargrad.viz import (
        draw,
        explain,
        explain_forward,
        forward_backward_frames,
        forward_frames,
        path_view,
        step_frames,
        stepper,
    )

__version__ = "0.1.0"

# Names of the layers above the engine: where each one lives, imported on first use.
_LAZY = {
    "nn": ("scalargrad.nn", None),
    "losses": ("scalargrad.nn.losses", None),
    "optim": ("scalargrad.nn.optim", None),
    "draw": ("scalargrad.viz", "draw"),
    "path_view": ("scalargrad.viz", "path_view"),
    "step_frames": ("scalargrad.viz", "step_frames"),
    "stepper": ("scalargrad.viz", "stepper"),
    "explain": ("scalargrad.viz", "explain"),
    "forward_frames": ("scalargrad.viz", "forward_frames"),
    "forward_backward_frames": ("scalargrad.viz", "forward_backward_frames"),
    "explain_forward": ("scalargrad.viz", "explain_forward"),
}

__all__ = [
    "Value",
    "as_value",
    "op",
    "Op",
    "OpFunction",
    "Notation",
    *_op_functions,
    "grad",
    "value_and_grad",
    "jvp",
    "jacobian",
    "hessian",
    "gradcheck",
    "gradients",
    "topological_order",
    "no_grad",
    "enable_grad",
    "detect_anomaly",
    "is_grad_enabled",
    "label",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'scalargrad' has no attribute {name!r}")
    module_name, attribute = where
    module = importlib.import_module(module_name)
    found = module if attribute is None else getattr(module, attribute)
    globals()[name] = found  # later look-ups skip this function
    return found


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
