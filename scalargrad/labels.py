"""Naming Values at once: ``label(locals())`` labels every Value by its variable's name.

Pictures and derivations (:func:`scalargrad.draw`, :func:`scalargrad.explain`)
name a node by its label; without one it is ``n`` and its position. A whole
notebook cell's variables, or a model's parameters, are labelled in one call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scalargrad.value import Value

__all__ = ["label"]


def label(names: Mapping[str, Any] | Any, *, relabel: bool = False) -> list[Value]:
    """Label Values by name: every Value among ``names``' values gets its key as label.

    ``names`` is a mapping from names to objects, such as ``locals()`` or
    ``globals()`` (as MyGrad's ``build_graph(names=locals())``): each value
    that is a Value is labelled with its name. Names starting with ``_`` are
    skipped (``_``, ``_1`` and the like in a notebook), and so are Values
    that already have a label, unless ``relabel=True``. A model among the
    values (an ``nn`` module: anything with ``named_parameters()``), or a
    model given instead of a mapping, has its parameters labelled with short
    names made from their dotted names: the last word and the indices on the
    way, ``layers.0.neurons.1.w.2`` is ``w0_1_2`` (layer 0, neuron 1, input 2)
    and ``layers.0.neurons.1.b`` is ``b0_1`` (PyTorch-style ``weight`` and
    ``bias`` are ``w`` and ``b``); a short name two parameters
    would share is given up for the full dotted name. Labels never change a
    number. Returns the Values labelled.

    >>> import scalargrad as sg
    >>> x, w = sg.Value(0.5), sg.Value(-3.0)
    >>> y = (x * w).tanh()
    >>> [v.label for v in sg.label({"x": x, "w": w, "y": y, "_": y})]
    ['x', 'w', 'y']
    >>> sg.explain(y, "w").text.splitlines()[1]
    '  n2 = x × w = 0.5 × (-3) = -1.5'
    >>> from scalargrad.nn import MLP
    >>> model = MLP(2, [3, 1], seed=0)
    >>> [p.label for p in sg.label(model)][:4]
    ['w0_0_0', 'w0_0_1', 'b0_0', 'w0_1_0']
    """
    if not isinstance(relabel, bool):
        raise TypeError(f"label() takes True or False as relabel, got {type(relabel).__name__}")
    labelled: list[Value] = []
    if _is_model(names):
        _label_model(names, relabel, labelled)
        return labelled
    if not isinstance(names, Mapping):
        raise TypeError(
            "label() takes a mapping of names to Values (such as locals()) or a model, "
            f"got {type(names).__name__}"
        )
    for name, obj in list(names.items()):
        if not isinstance(name, str) or not name or name.startswith("_"):
            continue
        if isinstance(obj, Value):
            if relabel or not obj.label:
                obj.label = name
                labelled.append(obj)
        elif _is_model(obj):
            _label_model(obj, relabel, labelled)
    return labelled


def _is_model(obj: object) -> bool:
    return not isinstance(obj, (Mapping, type)) and callable(getattr(obj, "named_parameters", None))


def _label_model(model: Any, relabel: bool, labelled: list[Value]) -> None:
    named = [(str(name), value) for name, value in model.named_parameters() if isinstance(value, Value)]
    short = [_short(name) for name, _ in named]
    taken: dict[str, int] = {}
    for name in short:
        taken[name] = taken.get(name, 0) + 1
    for (full, value), name in zip(named, short):
        if relabel or not value.label:
            value.label = name if taken[name] == 1 else full
            labelled.append(value)


# PyTorch's names for a layer's parameters, shortened as a textbook writes them.
_SHORT_WORDS = {"weight": "w", "bias": "b"}


def _short(dotted: str) -> str:
    """``layers.0.neurons.1.w.2`` -> ``w0_1_2``: the last word, then the indices in order."""
    parts = dotted.split(".")
    words = [part for part in parts if not part.isdigit()]
    indices = [part for part in parts if part.isdigit()]
    word = _SHORT_WORDS.get(words[-1], words[-1]) if words else "p"
    return word + "_".join(indices) if indices else word
