"""``sg.draw``: one name for both pictures of a backward pass, the graph and the network.

``draw(root)`` is the computation graph, node by node
(:func:`scalargrad.viz.drawing.draw`); ``draw(loss, group=model)`` folds it
into the network that made it, neurons (or layers, ``level="layer"``) as
boxes and weights as edges carrying their gradient magnitudes
(:func:`scalargrad.viz.network.draw_network`). This module only chooses
between the two, so each picture stays defined in one place.

>>> import scalargrad as sg
>>> from scalargrad import nn
>>> model = nn.MLP(2, [3, 1], seed=0)
>>> loss = (model([1.0, -1.0]) - 1.0) ** 2
>>> draw(loss, group=model).source.count("|∂L/∂layers.")   # one edge per weight: 2 x 3 + 3 x 1
9
"""

from __future__ import annotations

from scalargrad.value import Value
from scalargrad.viz import drawing, network
from scalargrad.viz.drawing import Picture
from scalargrad.viz.trace import Trace, given

__all__ = ["draw"]


def draw(
    root: Value | Trace,
    rankdir: str | None = None,
    show_grad: bool = True,
    edge_labels: bool | None = None,
    collapse: bool = False,
    highlight: str | None = None,
    group: object = None,
    level: str = "neuron",
    scale: tuple[float, float] | None = None,
) -> Picture:
    """The computation graph behind ``root`` with its gradients; with ``group=model``, the network instead.

    Without ``group``: every node with its formula, value and gradient, every
    edge with its local derivative; ``rankdir`` ("TB" by default),
    ``show_grad``, ``edge_labels``, ``collapse`` and ``highlight`` are
    :func:`scalargrad.viz.drawing.draw`'s.

    With ``group=model`` (an ``nn.Module``, or anything with
    ``named_parameters()``): the network as a textbook draws it, inputs,
    neurons and the loss as boxes (``level="layer"``: one box per layer),
    each edge a weight with ``|∂L/∂w|``; ``rankdir`` ("LR" by default),
    ``edge_labels`` and ``scale`` are
    :func:`scalargrad.viz.network.draw_network`'s.

    >>> from scalargrad import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> draw(c, edge_labels=False).source.count("->")
    2
    >>> draw(c, group=None, level="layer")
    Traceback (most recent call last):
    ...
    ValueError: draw(): level and scale are for a network picture: pass group=model with them
    """
    if group is None:
        if level != "neuron" or scale is not None:
            raise ValueError("draw(): level and scale are for a network picture: pass group=model with them")
        return drawing.draw(
            root,
            rankdir="TB" if rankdir is None else rankdir,
            show_grad=show_grad,
            edge_labels=True if edge_labels is None else edge_labels,
            collapse=collapse,
            highlight=highlight,
        )
    if show_grad is not True or collapse is not False or highlight is not None:
        raise ValueError(
            "draw(): show_grad, collapse and highlight are for the computation graph, "
            f"not for a network picture (group={given(group)})"
        )
    if not isinstance(root, Value):
        raise TypeError(f"draw() with group= takes the loss, a scalargrad Value, as root, got {given(root)}")
    return network.draw_network(
        root,
        group,
        level=level,
        rankdir="LR" if rankdir is None else rankdir,
        edge_labels=edge_labels,
        scale=scale,
    )
