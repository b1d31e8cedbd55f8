"""scalargrad: a scalar autograd engine for learning, teaching and testing backpropagation.

>>> import scalargrad as sg
>>> a, b = sg.Value(2.0, label="a"), sg.Value(-3.0, label="b")
>>> c = a * b + b ** 2
>>> c.backward()
>>> c.data, a.grad, b.grad
(3.0, -3.0, -4.0)
"""

from scalargrad import losses, nn, optim
from scalargrad.backward import gradients, topological_order
from scalargrad.drawing import draw, path_view, step_frames
from scalargrad.explanation import explain
from scalargrad.functional import grad, gradcheck, value_and_grad
from scalargrad.functions import (
    cos, dot, exp, leaky_relu, log, relu, sigmoid, sin, softplus, sqrt, sum, tanh,
)
from scalargrad.modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from scalargrad.value import Value, as_value

__version__ = "0.1.0"

__all__ = [
    "Value", "as_value", "nn", "losses", "optim",
    "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "softplus",
    "sum", "dot",
    "grad", "value_and_grad", "gradcheck", "gradients", "topological_order",
    "no_grad", "enable_grad", "detect_anomaly", "is_grad_enabled",
    "draw", "step_frames", "path_view", "explain",
]
