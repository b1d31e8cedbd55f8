"""A network drawn as a textbook draws it: inputs, neurons (or layers) and the loss as boxes.

A graph of scalars is far too big to read for any real network (the moons
MLP of ``examples/moons.py`` is 13,879 nodes, the 3-4-1 net of the seed
tutorials over a hundred). :func:`draw_network` folds it back into the
network a reader has in mind: one box per input, per neuron and for the
loss, and one edge per weight, which carries that weight's gradient
magnitude ``|∂L/∂w|``. ``level="layer"`` folds further, into one box per
layer.

Two steps, as everywhere in :mod:`scalargrad.viz`: :func:`network_view`
reads the graph (through a :class:`~scalargrad.viz.trace.Trace`, plus which
nodes are the model's parameters) into a :class:`Network`, plain data; and
:func:`draw_network` draws that with graphviz.

>>> from scalargrad import nn
>>> model = nn.MLP(2, [3, 1], seed=0)
>>> loss = (model([1.0, -2.0]) - 0.5) ** 2
>>> view = network_view(loss, model)
>>> [box.title for box in view.boxes]
['x0', 'x1', 'layers.0.neurons.0', 'layers.0.neurons.1', 'layers.0.neurons.2', 'layers.1.neurons.0', 'loss']
>>> len(view.edges), view.edges[0].weights
(10, ('layers.0.neurons.0.w.0',))

How the graph is read
---------------------

The model is only looked at through ``named_parameters()`` and
``named_modules()`` (what :class:`scalargrad.nn.Module` provides), so any
module with those works; viz never imports nn. The rule assumes what every
``nn`` module does:

- **A neuron is a weighted sum**: one ``dot`` node ``w · x`` whose weights
  ``w`` are parameters of the model, then at most a bias (an ``add`` of one
  more parameter), then at most its activation. Each call of the model on a
  sample makes a new ``dot`` node for the same weights: those are calls of
  one neuron, and the weights' gradients already add up every call (and any
  other use, such as a weight penalty), since a shared weight's ``.grad`` is
  the sum over its uses.
- **The activation is the one the model declares**, not whatever op comes
  next. A neuron's output stops after the bias unless its module says
  otherwise: a module with an ``activation`` attribute (``nn.Neuron``:
  ``"relu"``, ``"sigmoid"``, ``"linear"`` or a function) or, for a module
  without one (``nn.Linear``), the parameterless module that follows it in
  its container (``nn.Sequential``'s ``Linear, Sigmoid``), whose op is found
  by calling it once on a fresh Value. This is what keeps the loss out of
  the output neuron: in ``(o - y) ** 2`` the ``o - y`` node looks exactly
  like one more op of the last neuron, and any rule that goes by the shape
  of the graph alone (the nearest parameters a node depends on) folds the
  loss into it.
- **An edge's source** is what the weight multiplies: another neuron's
  output (after its activation, or anything reached from it through
  one-operand ops), or, when that value depends on no neuron at all, input
  number ``k``, where ``k`` is the weight's position in its weighted sum.
  Every call must agree on it.
- A neuron whose output no weight multiplies is an output neuron; its edge
  to the loss carries ``∂L/∂(output)`` summed over the calls (what a bias
  just after the output would get).

A graph that breaks these assumptions is refused with a ``ValueError`` that
says which weight or node it could not place.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scalargrad.backward import topological_order
from scalargrad.value import Value
from scalargrad.viz.drawing import (
    FONT_SIZE,
    Picture,
    _check_rankdir,
    _dot_text,
    _html,
    _shortened,
    styled_picture,
)
from scalargrad.viz.notation import number
from scalargrad.viz.palette import FAINT, INK, LEAF_FILL, MUTED, NODE_FILL, USED_FILL
from scalargrad.viz.trace import Trace, check_bool, given, trace

__all__ = ["LEVELS", "Network", "NetworkBox", "NetworkEdge", "draw_network", "network_view"]

#: The two levels of folding: one box per neuron, or one per layer.
LEVELS = ("neuron", "layer")

# With ``edge_labels=None`` edges are labelled with their numbers up to this many edges.
MAX_LABELLED_EDGES = 60

# Line colours from light to dark for the smallest to the largest gradient (lines,
# not text: text on edges is MUTED, which meets WCAG AA on the white background).
_RAMP = ("#ced4da", "#91a7ff", "#4c6ef5", "#3b5bdb", "#364fc7", "#1c2a7a")
_MIN_PEN, _MAX_PEN, _DENSE_PEN = 0.5, 5.0, 2.5
# The thinnest edge stands for this many powers of ten below the thickest, or less.
_DECADES = 5


@dataclass(frozen=True)
class NetworkBox:
    """A box of the picture: an input, a neuron, a layer, or the loss.

    ``kind`` is ``"input"``, ``"neuron"``, ``"layer"`` or ``"loss"``;
    ``column`` is its depth (inputs 0, the first layer 1, ..., the loss
    last); ``module`` the dotted name of the module it belongs to (``""``
    for inputs and the loss); ``activation`` the op name of its activation
    (``""`` for none, ``"?"`` where the model did not say); ``bias_grad`` the
    bias's gradient (``None`` without a bias, or for a layer); ``size`` the
    number of neurons (of inputs, for the inputs of a layer view); ``data``
    the loss's value (``None`` for other boxes); ``layer`` the name of the
    module holding the whole column (``"layers.0"`` for its neurons), ``""``
    for inputs and the loss, and ``layer_type`` that module's class name
    (``"Layer"``, ``"Linear"``).
    """

    kind: str
    title: str
    column: int
    module: str = ""
    activation: str = ""
    bias_grad: float | None = None
    size: int = 1
    data: float | None = None
    layer: str = ""
    layer_type: str = ""


@dataclass(frozen=True)
class NetworkEdge:
    """An edge ``source -> target`` (positions in ``Network.boxes``) and the gradients it stands for.

    A ``"weight"`` edge stands for the weights named in ``weights`` (one, at
    the neuron level) and ``gradients`` holds their ``∂L/∂w``, each summed
    over every use of the weight (exactly the weight's ``.grad`` after
    ``loss.backward()``). An ``"output"`` edge joins an output neuron to the
    loss; ``gradients`` holds ``∂L/∂(output)`` summed over the calls, one
    per output neuron. ``magnitude`` is what the picture shows: the mean of
    ``|gradient|`` over ``gradients``.
    """

    source: int
    target: int
    kind: str
    weights: tuple[str, ...]
    gradients: tuple[float, ...]

    @property
    def magnitude(self) -> float:
        """The mean of ``|g|`` over ``gradients``: ``|∂L/∂w|`` for a single weight."""
        return math.fsum(abs(g) for g in self.gradients) / len(self.gradients)


@dataclass(frozen=True)
class Network:
    """Boxes and edges of a network view, plain data; ``loss`` is the position of the loss's box.

    ``calls`` is how many times the model ran in the graph (the weighted sums
    of one neuron of the first layer), ``level`` ``"neuron"`` or ``"layer"``.
    """

    boxes: tuple[NetworkBox, ...]
    edges: tuple[NetworkEdge, ...]
    loss: int
    level: str
    calls: int

    def layer_magnitudes(self) -> list[tuple[str, float]]:
        """``(layer title, mean |∂L/∂w| over the weights into it)`` for each layer, from the inputs on.

        The number a vanishing-gradient plot shows. The layers are the
        columns of the neuron view; a layer's title is its module's name.

        >>> from scalargrad import nn
        >>> model = nn.MLP(1, [2, 1], seed=0)
        >>> loss = model([1.0]) ** 2
        >>> [title for title, _ in network_view(loss, model).layer_magnitudes()]
        ['layers.0', 'layers.1']
        """
        grads: dict[int, list[float]] = {}
        for edge in self.edges:
            if edge.kind == "weight":
                grads.setdefault(self.boxes[edge.target].column, []).extend(abs(g) for g in edge.gradients)
        titles = {box.column: box.layer for box in self.boxes if box.kind in ("neuron", "layer")}
        return [(titles[c], math.fsum(grads[c]) / len(grads[c])) for c in sorted(grads)]


# ================================================================ reading the model


@dataclass(frozen=True)
class _Model:
    """What the view needs to know about the model, as plain data."""

    parameters: dict[int, str]  # trace index -> parameter name
    modules: tuple[str, ...]  # every module's dotted name, outermost first
    owner: dict[str, str]  # parameter name -> the name of the module that holds it
    activations: dict[str, str]  # module name -> activation op ("" none, "?" unknown)
    types: dict[str, str]  # module name -> its class's name


def _read_model(model: object, order: list[Value]) -> _Model:
    named_parameters = getattr(model, "named_parameters", None)
    if not callable(named_parameters):
        raise TypeError(
            "draw_network() takes a model with named_parameters() (an nn.Module) as model, "
            f"got {given(model)}"
        )
    pairs = list(named_parameters())
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)):
            raise TypeError(f"model.named_parameters() must give (name, Value) pairs, got {given(pair)}")
        if not isinstance(pair[1], Value):
            raise TypeError(f"model.named_parameters() gave {pair[0]!r} = {given(pair[1])}, not a Value")
    named_modules = getattr(model, "named_modules", None)
    found: list[tuple[str, Any]] = list(named_modules()) if callable(named_modules) else [("", model)]
    module_of = {name: m for name, m in found}
    names = tuple(module_of)
    position = {node: i for i, node in enumerate(order)}  # Values hash by identity
    parameters: dict[int, str] = {}
    owner: dict[str, str] = {}
    for name, p in pairs:
        owner[name] = _holder(name, module_of)
        if p in position:
            parameters[position[p]] = name
    holders = {owner[name] for name in parameters.values()}
    activations = {m: _activation(module_of[m], _successor(m, module_of)) for m in sorted(holders)}
    types = {name: type(m).__name__ for name, m in found}
    return _Model(parameters, names, owner, activations, types)


def _holder(parameter: str, modules: Mapping[str, Any]) -> str:
    """The innermost module whose dotted name starts ``parameter``'s (``""``, the model, at least)."""
    parts = parameter.split(".")
    for k in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:k])
        if prefix in modules:
            return prefix
    return ""


def _successor(name: str, modules: Mapping[str, Any]) -> Any:
    """The module after ``name`` in its container (``"3"`` after ``"2"``, ``"a.1"`` after ``"a.0"``), if any."""
    prefix, _, last = name.rpartition(".")
    if not last.isdigit():
        return None
    return modules.get(f"{prefix}.{int(last) + 1}" if prefix else str(int(last) + 1))


def _activation(module: Any, successor: Any) -> str:
    """The op name of the activation ``module`` declares: ``""`` for none, ``"?"`` when it does not say."""
    declared = getattr(module, "activation", _NOT_SAID)
    if declared is not _NOT_SAID:
        if declared is None:
            return ""
        if isinstance(declared, str):
            return "" if declared.lower() == "linear" else declared.lower()
        return _probe(declared) if callable(declared) else "?"
    if successor is not None and callable(successor):
        own = getattr(successor, "parameters", None)
        if callable(own) and not list(own()):
            return _probe(successor)
    return "?"


_NOT_SAID = object()


def _probe(function: Callable[[Any], Any]) -> str:
    """The op that ``function`` applies to one Value (``"sigmoid"``), or ``"?"`` when it is not one op."""
    x = Value(0.25)
    try:
        y = function(x)
    except Exception:  # a function of lists, say: whatever it raises, it is not one op on a Value
        return "?"
    if isinstance(y, (list, tuple)) and len(y) == 1:
        y = y[0]
    if isinstance(y, Value) and y.op is not None and y.parents == (x,):
        return y.op.name
    return "?"


# ================================================================ reading the graph


# What a weight multiplies: ("unit", u) or ("input", k).
Source = tuple[str, int]


@dataclass
class _Unit:
    """One neuron: its weights (trace indices), and per call its weighted sum, pre-activation and output."""

    weights: tuple[int, ...]
    module: str
    sums: list[int]
    xs: list[tuple[int, ...]]  # per call, what each weight multiplies
    bias: int | None = None
    outputs: list[int] | None = None


def network_view(root: Value, model: object, level: str = "neuron") -> Network:
    """The network that computed ``root`` from ``model``, folded to neurons (or layers), as plain data.

    See the module's documentation for how the graph is read. The
    gradients are those ``root.backward()`` would give on a fresh graph;
    nothing is changed.

    >>> from scalargrad import nn
    >>> model = nn.MLP(2, [2, 1], seed=3)
    >>> loss = sum((model(x) - y) ** 2 for x, y in [([1.0, 0.0], 1.0), ([0.0, 1.0], -1.0)])
    >>> view = network_view(loss, model, level="layer")
    >>> [(box.kind, box.title, box.size) for box in view.boxes]
    [('input', 'inputs', 2), ('layer', 'layers.0', 2), ('layer', 'layers.1', 1), ('loss', 'loss', 1)]
    >>> loss.backward()
    >>> view.edges[1].gradients == tuple(n.w[k].grad for n in model.layers[1].neurons for k in range(2))
    True
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_network() takes a scalargrad Value (the loss) as root, got {given(root)}")
    level = _check_level(level)
    order = topological_order(root)
    facts = _read_model(model, order)
    record = trace(root)
    return _view(record, facts, level)


def _check_level(level: object) -> str:
    if not isinstance(level, str):
        raise TypeError(f"draw_network() takes 'neuron' or 'layer' as level, got {given(level)}")
    if level not in LEVELS:
        raise ValueError(f"level must be 'neuron' or 'layer'; got {level!r}")
    return level


def _view(record: Trace, facts: _Model, level: str) -> Network:
    nodes = record.nodes
    parameters = facts.parameters
    units = _units(record, facts)
    if not units:
        raise ValueError(
            "draw_network() found no neuron of model in the graph of root: no weighted sum (a dot node) "
            "has the model's parameters as its weights. Is root computed by this model?"
        )
    consumers: list[list[int]] = [[] for _ in nodes]
    for node in nodes:
        for p in node.parents:
            consumers[p].append(node.index)

    seeds: dict[int, int] = {}  # node -> unit, for each weighted sum and each pre-activation
    for u, unit in enumerate(units):
        biases: set[int] = set()
        pre: list[int] = []
        for s in unit.sums:
            seeds[s] = u
            z, bias = s, None
            for c in consumers[s]:
                parents = nodes[c].parents
                if nodes[c].op == "add" and len(parents) == 2:
                    other = parents[1] if parents[0] == s else parents[0]
                    if other in parameters and facts.owner[parameters[other]] == unit.module:
                        z, bias = c, other
                        break
            if bias is not None:
                biases.add(bias)
                seeds[z] = u
            pre.append(z)
        if len(biases) > 1:
            listed = ", ".join(sorted(parameters[b] for b in biases))
            raise ValueError(f"draw_network(): one neuron adds different biases in different calls: {listed}")
        unit.bias = next(iter(biases)) if biases else None
        activation = facts.activations.get(unit.module, "?")
        outputs = []
        for z in pre:
            out = z
            if activation not in ("", "?"):
                for c in consumers[z]:
                    if nodes[c].op == activation and nodes[c].parents == (z,):
                        out = c
                        break
            outputs.append(out)
        unit.outputs = outputs

    output_of: dict[int, int] = {}
    for u, unit in enumerate(units):
        assert unit.outputs is not None
        for out in unit.outputs:
            output_of[out] = u
    tainted = [False] * len(nodes)  # depends on some neuron
    for node in nodes:
        i = node.index
        tainted[i] = i in seeds or any(tainted[p] for p in node.parents)

    # Each weight's source: a unit, or input number k.
    sources: list[list[Source]] = []
    for unit in units:
        found: list[Source] = []
        for k, w in enumerate(unit.weights):
            places: set[Source] = set()
            for xs in unit.xs:
                places.add(_source(xs[k], k, nodes, output_of, tainted, parameters[w]))
            if len(places) > 1:
                raise ValueError(
                    f"draw_network(): the weight {parameters[w]!r} multiplies different things in different "
                    "calls of the model (" + ", ".join(_place_name(p, units) for p in sorted(places)) + ")"
                )
            found.append(places.pop())
        sources.append(found)

    # Depth: inputs 0, a unit 1 + its deepest source. Units come in the order of their
    # first weighted sum, which puts every unit after the units that feed it.
    depth: list[int] = []
    for found in sources:
        depth.append(1 + max((depth[i] if kind == "unit" else 0) for kind, i in found))
    fed: set[int] = {i for found in sources for kind, i in found if kind == "unit"}
    inputs = sorted({i for found in sources for kind, i in found if kind == "input"})
    loss_column = max(depth) + 1
    root = nodes[record.root]
    loss_box = NetworkBox(kind="loss", title=root.label or "loss", column=loss_column, data=root.data, size=1)
    calls = min(len(unit.sums) for u, unit in enumerate(units) if depth[u] == 1)

    # Titles: a module with one neuron is named by the module, else by module[row].
    per_module: dict[str, int] = {}
    for unit in units:
        per_module[unit.module] = per_module.get(unit.module, 0) + 1
    layer_of: dict[int, list[str]] = {}
    for u, unit in enumerate(units):
        layer_of.setdefault(depth[u], []).append(unit.module)
    layer_names = {
        c: _common_module(names, facts.modules, whole=all(per_module[m] == 1 for m in names))
        for c, names in layer_of.items()
    }
    rows: dict[str, int] = {}
    neuron_boxes: list[NetworkBox] = []
    for u, unit in enumerate(units):
        row = rows.get(unit.module, 0)
        rows[unit.module] = row + 1
        title = unit.module if per_module[unit.module] == 1 else f"{unit.module or 'model'}[{row}]"
        neuron_boxes.append(
            NetworkBox(
                kind="neuron",
                title=title or "model",
                column=depth[u],
                module=unit.module,
                activation=facts.activations.get(unit.module, "?"),
                bias_grad=None if unit.bias is None else nodes[unit.bias].grad,
                layer=layer_names[depth[u]],
                layer_type=facts.types.get(layer_names[depth[u]], ""),
            )
        )
    weight_edges: list[tuple[Source, int, str, float]] = []  # (source, unit, weight name, gradient)
    for u, unit in enumerate(units):
        for k, w in enumerate(unit.weights):
            weight_edges.append((sources[u][k], u, parameters[w], nodes[w].grad))
    output_edges: list[tuple[int, float]] = []
    for u, unit in enumerate(units):
        if u not in fed:
            assert unit.outputs is not None
            output_edges.append((u, math.fsum(nodes[out].grad for out in unit.outputs)))

    if level == "neuron":
        return _neuron_level(inputs, neuron_boxes, loss_box, weight_edges, output_edges, calls)
    return _layer_level(inputs, neuron_boxes, loss_box, weight_edges, output_edges, calls)


def _units(record: Trace, facts: _Model) -> list[_Unit]:
    """The neurons: one per set of weights that some ``dot`` node multiplies, in the order first used."""
    parameters = facts.parameters
    units: dict[tuple[int, ...], _Unit] = {}
    weight_of: dict[int, tuple[int, ...]] = {}
    for node in record.nodes:
        if node.op != "dot":
            continue
        parents = node.parents
        n = len(parents) // 2
        left, right = parents[:n], parents[n:]
        if any(p in parameters for p in left):
            ws, xs = left, right
        elif any(p in parameters for p in right):
            ws, xs = right, left
        else:
            continue
        if not all(w in parameters for w in ws):
            continue  # a weighted sum with some weights that are not parameters: not a neuron's
        unit = units.get(ws)
        if unit is None:
            modules = {facts.owner[parameters[w]] for w in ws}
            if len(modules) > 1:
                raise ValueError(
                    "draw_network(): one weighted sum mixes the parameters of several modules: "
                    + ", ".join(sorted(modules))
                )
            for w in ws:
                if w in weight_of:
                    raise ValueError(
                        f"draw_network(): the weight {parameters[w]!r} is a weight of two different "
                        "weighted sums; a network view draws each weight as one edge"
                    )
                weight_of[w] = ws
            unit = units[ws] = _Unit(weights=ws, module=modules.pop(), sums=[], xs=[])
        unit.sums.append(node.index)
        unit.xs.append(xs)
    return list(units.values())


def _source(
    x: int,
    k: int,
    nodes: tuple[Any, ...],
    output_of: Mapping[int, int],
    tainted: list[bool],
    weight: str,
) -> tuple[str, int]:
    """What a weight multiplies: ``("unit", u)`` or ``("input", k)``."""
    if not tainted[x]:
        return ("input", k)
    at = x
    while at not in output_of:
        parents = nodes[at].parents
        if len(parents) != 1:
            raise ValueError(
                f"draw_network(): the weight {weight!r} multiplies {nodes[x].name}, which depends on "
                "neurons but is not one neuron's output (or a one-operand function of one)"
            )
        at = parents[0]
    return ("unit", output_of[at])


def _place_name(place: tuple[str, int], units: list[_Unit]) -> str:
    kind, i = place
    return f"input {i}" if kind == "input" else f"a neuron of {units[i].module or 'the model'}"


def _neuron_level(
    inputs: list[int],
    neurons: list[NetworkBox],
    loss_box: NetworkBox,
    weight_edges: list[tuple[tuple[str, int], int, str, float]],
    output_edges: list[tuple[int, float]],
    calls: int,
) -> Network:
    boxes = [NetworkBox(kind="input", title=f"x{k}", column=0) for k in inputs]
    where = {("input", k): i for i, k in enumerate(inputs)}
    for u, box in enumerate(neurons):
        where[("unit", u)] = len(boxes)
        boxes.append(box)
    loss = len(boxes)
    boxes.append(loss_box)
    edges = [
        NetworkEdge(where[source], where[("unit", u)], "weight", (name,), (g,))
        for source, u, name, g in weight_edges
    ]
    edges += [NetworkEdge(where[("unit", u)], loss, "output", (), (g,)) for u, g in output_edges]
    return Network(tuple(boxes), tuple(edges), loss, "neuron", calls)


def _layer_level(
    inputs: list[int],
    neurons: list[NetworkBox],
    loss_box: NetworkBox,
    weight_edges: list[tuple[tuple[str, int], int, str, float]],
    output_edges: list[tuple[int, float]],
    calls: int,
) -> Network:
    columns = sorted({box.column for box in neurons})
    boxes = [NetworkBox(kind="input", title="inputs", column=0, size=len(inputs))]
    where = {0: 0}
    for column in columns:
        members = [box for box in neurons if box.column == column]
        activations = sorted({box.activation for box in members})
        where[column] = len(boxes)
        name = members[0].layer
        boxes.append(
            NetworkBox(
                kind="layer",
                title=name,
                column=column,
                module=name,
                activation=activations[0] if len(activations) == 1 else "/".join(activations),
                size=len(members),
                layer=name,
                layer_type=members[0].layer_type,
            )
        )
    loss = len(boxes)
    boxes.append(loss_box)

    def column_of(source: tuple[str, int]) -> int:
        kind, i = source
        return 0 if kind == "input" else neurons[i].column

    grouped: dict[tuple[int, int], tuple[list[str], list[float]]] = {}
    for source, u, name, g in weight_edges:
        names, grads = grouped.setdefault((column_of(source), neurons[u].column), ([], []))
        names.append(name)
        grads.append(g)
    edges = [
        NetworkEdge(where[a], where[b], "weight", tuple(names), tuple(grads))
        for (a, b), (names, grads) in sorted(grouped.items())
    ]
    outputs: dict[int, list[float]] = {}
    for u, g in output_edges:
        outputs.setdefault(neurons[u].column, []).append(g)
    edges += [NetworkEdge(where[c], loss, "output", (), tuple(gs)) for c, gs in sorted(outputs.items())]
    return Network(tuple(boxes), tuple(edges), loss, "layer", calls)


def _common_module(names: Iterable[str], modules: Iterable[str], whole: bool = False) -> str:
    """The innermost module holding every one of ``names`` (``"layers.0"`` for its neurons).

    ``whole``: each name is a module of one neuron (``nn.Neuron``), so the
    layer is the module around them, even for a layer of one neuron; the
    model itself (``""``) is never a layer.
    """
    listed = list(dict.fromkeys(names))
    known = set(modules)
    split = [name.split(".") for name in listed]
    common: list[str] = []
    for parts in zip(*split):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    if len(listed) == 1 and whole:
        common.pop()
    while common and ".".join(common) not in known:
        common.pop()
    if common:
        return ".".join(common)
    return listed[0] if len(listed) == 1 else " + ".join(listed)


# ================================================================ drawing


def draw_network(
    root: Value,
    model: object,
    level: str = "neuron",
    rankdir: str = "LR",
    edge_labels: bool | None = None,
    scale: tuple[float, float] | None = None,
) -> Picture:
    """``root``'s network as a textbook draws it: inputs, neurons (or layers) and loss as boxes.

    Each edge stands for a weight and shows its gradient magnitude
    ``|∂L/∂w|``, summed over every call of the model (the weight is shared
    by all of them): the thicker and darker the edge, the larger the
    gradient, on a log scale written in the caption, so gradients that
    differ by orders of magnitude stay distinguishable. A zero gradient (a
    dead ReLU's weights) is a thin dashed grey line. Each neuron's box
    shows its activation and its bias's ``|∂L/∂b|``; the edges into the
    loss carry ``|∂L/∂output|``. ``level="layer"`` draws one box per layer,
    and an edge between two layers shows the mean ``|∂L/∂w|`` of the
    weights it stands for. ``edge_labels`` writes the numbers on the edges
    (``None``: when there are at most 60 edges). ``scale=(low, high)`` fixes
    the magnitudes drawn thinnest and thickest, so that two pictures can be
    compared edge for edge (by default they are the picture's own smallest
    and largest, at most five powers of ten apart). ``model`` is any object
    with ``named_parameters()`` (an ``nn.Module``); see the module's
    documentation for how the graph is read.

    >>> from scalargrad import nn
    >>> model = nn.MLP(3, [4, 1], activation="sigmoid", output_activation="sigmoid", seed=1)
    >>> loss = sum((model([0.0, 1.0, 1.0]) - 1.0) ** 2 for _ in range(2))
    >>> picture = draw_network(loss, model)
    >>> picture.source.count("|∂L/∂layers.")   # one edge per weight: 3 x 4 + 4 x 1
    16
    """
    network = network_view(root, model, level)
    rankdir = _check_rankdir(rankdir, "draw_network")
    if edge_labels is not None:
        check_bool(edge_labels, "edge_labels", "draw_network")
    labelled = len(network.edges) <= MAX_LABELLED_EDGES if edge_labels is None else edge_labels
    return _draw(network, rankdir, labelled, _scale(network) if scale is None else _check_scale(scale))


def _check_scale(scale: object) -> tuple[float, float]:
    if (
        not isinstance(scale, tuple)
        or len(scale) != 2
        or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in scale)
    ):
        raise TypeError(
            f"draw_network() takes a pair of numbers (low, high) or None as scale, got {given(scale)}"
        )
    low, high = float(scale[0]), float(scale[1])
    if not (0 < low < high < math.inf):
        raise ValueError(f"scale must be two magnitudes 0 < low < high, got {scale!r}")
    return low, high


def _draw(network: Network, rankdir: str, labelled: bool, scale: tuple[float, float]) -> Picture:
    dense = not labelled
    graph = styled_picture(
        "network",
        rankdir,
        {
            "nodesep": "0.08" if dense else "0.35",
            "ranksep": "1.0" if dense else ("0.7" if network.level == "layer" else "2.0"),
            "labeljust": "l",
            "newrank": "true",
            "splines": "line",
        },
        {"arrowsize": "0.4" if dense else "0.6"},
    )
    low, high = scale
    graph.attr(label=_caption(network, low, high))

    columns: dict[int, list[int]] = {}
    for b, box in enumerate(network.boxes):
        columns.setdefault(box.column, []).append(b)
    # With numbers, each edge ends at its own row of the target's box, which holds its number.
    incoming: dict[int, list[int]] = {}
    for e, edge in enumerate(network.edges):
        incoming.setdefault(edge.target, []).append(e)
    port: dict[int, str] = {}
    numbers: dict[int, list[str]] = {}
    if labelled:
        side = {"LR": "w", "RL": "e", "TB": "n", "BT": "s"}[rankdir]
        for b, listed in incoming.items():
            listed.sort(key=lambda e: network.edges[e].source)
            numbers[b] = [_edge_number(network.edges[e], network) for e in listed]
            for k, e in enumerate(listed):
                port[e] = f"b{b}:i{k}:{side}"
    headers: list[str] = []
    for column in sorted(columns):
        members = columns[column]
        boxes = [network.boxes[b] for b in members]
        with graph.subgraph(name=f"column{column}") as same:
            same.attr(rank="same")
            header = _header(boxes, network.level)
            names = [f"b{b}" for b in members]
            if header:
                same.node(f"h{column}", header)
                names.insert(0, f"h{column}")
                headers.append(f"h{column}")
            mixed = len({box.activation for box in boxes}) > 1
            for k, b in enumerate(members):
                box = network.boxes[b]
                label = _box_label(box, k, labelled, mixed)
                if b in numbers:
                    label = _with_numbers(label, numbers[b], rankdir)
                same.node(f"b{b}", label, tooltip=_dot_text(_tooltip(box)))
        # Keep each column in its own order: the header, then x0 above x1, neuron 0 above neuron 1.
        for above, below in zip(names, names[1:]):
            graph.edge(above, below, style="invis")

    # Headers in one line across the top: invisible edges that dot keeps straight.
    for left, right in zip(headers, headers[1:]):
        graph.edge(left, right, style="invis", weight="100")
    for e, edge in enumerate(network.edges):
        m = edge.magnitude
        attrs: dict[str, str] = {}
        if m == 0 or not math.isfinite(m):
            attrs.update(color=FAINT + ("90" if dense else ""), style="dashed", penwidth=f"{_MIN_PEN:.2f}")
        else:
            t = _position(m, low, high)
            colour = _RAMP[min(int(t * len(_RAMP)), len(_RAMP) - 1)]
            top = _DENSE_PEN if dense else _MAX_PEN
            attrs.update(
                color=colour + ("b0" if dense else ""), penwidth=f"{_MIN_PEN + (top - _MIN_PEN) * t:.2f}"
            )
        attrs["tooltip"] = _dot_text(_edge_text(edge, network))
        graph.edge(f"b{edge.source}", port.get(e, f"b{edge.target}"), **attrs)
    return graph


def _scale(network: Network) -> tuple[float, float]:
    """The magnitudes drawn thinnest and thickest: at most ``_DECADES`` powers of ten apart."""
    positive = [e.magnitude for e in network.edges if e.magnitude > 0 and math.isfinite(e.magnitude)]
    if not positive:
        return 0.0, 0.0
    high = max(positive)
    return max(min(positive), high / 10**_DECADES), high


def _position(m: float, low: float, high: float) -> float:
    """Where ``m`` lies between ``low`` (0) and ``high`` (1) on a log scale."""
    if high <= low:
        return 1.0
    return min(1.0, max(0.0, (math.log10(m) - math.log10(low)) / (math.log10(high) - math.log10(low))))


def _magnitude(x: float) -> str:
    """A gradient magnitude for a picture: three significant digits (``3.21e-05``, ``0.0123``)."""
    if not math.isfinite(x):
        return number(x)
    if x == 0:
        return "0"
    return f"{x:.3g}"


def _edge_number(edge: NetworkEdge, network: Network) -> str:
    value = _magnitude(edge.magnitude)
    if network.level == "layer":
        return f"mean {value}"
    return value


def _edge_text(edge: NetworkEdge, network: Network) -> str:
    target = network.boxes[edge.target].title
    if edge.kind == "output":
        if network.level == "layer":
            count = len(edge.gradients)
            return (
                f"mean |∂L/∂output| over {count} output{'s' if count != 1 else ''} = "
                f"{_magnitude(edge.magnitude)}"
            )
        return f"|∂L/∂output of {network.boxes[edge.source].title}| = {_magnitude(edge.magnitude)}"
    if len(edge.weights) == 1:
        return f"|∂L/∂{edge.weights[0]}| = {_magnitude(edge.magnitude)}"
    return f"mean |∂L/∂w| over {len(edge.weights)} weights into {target} = {_magnitude(edge.magnitude)}"


def _tooltip(box: NetworkBox) -> str:
    if box.kind == "loss":
        return f"{box.title} = {number(box.data if box.data is not None else math.nan)}"
    if box.kind == "input":
        return box.title if box.size == 1 else f"{box.size} inputs"
    parts = [box.title, f"activation {box.activation or 'none'}"]
    if box.bias_grad is not None:
        parts.append(f"|∂L/∂b| = {_magnitude(abs(box.bias_grad))}")
    if box.kind == "layer":
        parts.append(f"{box.size} neurons")
    return ", ".join(parts)


def _header(boxes: list[NetworkBox], level: str) -> str:
    """The text above a column: which layer it is and its activation; ``""`` for the loss."""
    first = boxes[0]
    if first.kind == "loss" or level == "layer":
        return ""
    if first.kind == "input":
        lines = ["<B>inputs</B>"]
    else:
        lines = [f"<B>{_html(_shortened(_layer_name(first), 50))}</B>"]
        activations = {box.activation for box in boxes}
        if len(activations) == 1:
            lines.append(f'<FONT COLOR="{MUTED}">{_html(_activation_text(first.activation))}</FONT>')
    return "<" + "<BR/>".join(lines) + ">"


def _layer_name(box: NetworkBox) -> str:
    """``layers.0 (Layer)``, ``2 (Linear)``: the module's name and class."""
    name = box.layer or "model"
    return f"{name} ({box.layer_type})" if box.layer_type else name


def _activation_text(activation: str) -> str:
    return {"": "linear", "?": "activation ?"}.get(activation, activation)


def _with_numbers(label: str, numbers: list[str], rankdir: str) -> str:
    """``label`` (an HTML table) beside a column (or row) of cells, one per incoming edge, each a port.

    The cells face the incoming edges: left of the box for ``LR``, right for
    ``RL``, above for ``TB``, below for ``BT``.
    """
    inner = label[1:-1]  # the box's table, without the <...> around an HTML-like label
    # A no-break space (or, above and below, padding) keeps the arrowhead off the number it points at.
    pad = 1 if rankdir in ("LR", "RL") else 4
    before, after = {"LR": ("&#160;&#160;", "&#160;"), "RL": ("&#160;", "&#160;&#160;")}.get(
        rankdir, ("", "")
    )
    cells = [
        f'<TD PORT="i{k}" ALIGN="{"LEFT" if rankdir == "RL" else "RIGHT"}" CELLPADDING="{pad}">'
        f'<FONT COLOR="{MUTED}" POINT-SIZE="{FONT_SIZE - 1}">{before}{_html(text)}{after}</FONT></TD>'
        for k, text in enumerate(numbers)
    ]
    box = f'<TD ROWSPAN="{len(numbers)}">{inner}</TD>' if rankdir in ("LR", "RL") else f"<TD>{inner}</TD>"
    if rankdir in ("LR", "RL"):
        rows = []
        for k, cell in enumerate(cells):
            here = [cell] if k else ([cell, box] if rankdir == "LR" else [box, cell])
            rows.append("<TR>" + "".join(here) + "</TR>")
        body = "".join(rows)
    else:
        numbered = "<TR>" + "".join(cells) + "</TR>"
        boxed = f'<TR><TD COLSPAN="{len(numbers)}">{inner}</TD></TR>'
        body = numbered + boxed if rankdir == "TB" else boxed + numbered
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{body}</TABLE>>'


def _box_label(box: NetworkBox, k: int, labelled: bool, mixed: bool) -> str:
    """A box: an input's name, a neuron's number in its layer, a layer's name and size, the loss's value."""
    fill = {"input": LEAF_FILL, "loss": USED_FILL}.get(box.kind, NODE_FILL)
    rows: list[str] = []
    if box.kind == "loss":
        rows.append(f"&#160;<B>{_html(_shortened(box.title, 40))}</B>&#160;")
        rows.append(f'<FONT COLOR="{MUTED}">=</FONT> {_html(number(box.data or 0.0))}')
    elif box.kind == "input":
        rows.append(f"&#160;<B>{_html(box.title)}</B>&#160;")
        if box.size > 1:
            rows.append(f'<FONT COLOR="{MUTED}">{box.size} inputs</FONT>')
    elif box.kind == "layer":
        rows.append(f"&#160;<B>{_html(_shortened(_layer_name(box), 50))}</B>&#160;")
        rows.append(f'<FONT COLOR="{MUTED}">{box.size} × {_html(_activation_text(box.activation))}</FONT>')
    else:
        rows.append(f"<B>{k}</B>")
        if mixed:
            rows.append(f'<FONT COLOR="{MUTED}">{_html(_activation_text(box.activation))}</FONT>')
        if labelled and box.bias_grad is not None:
            rows.append(f'<FONT COLOR="{MUTED}">|∂L/∂b| {_html(_magnitude(abs(box.bias_grad)))}</FONT>')
    cells = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
    padding = 2 if labelled or box.kind != "neuron" else 1
    return (
        f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="{padding}" STYLE="ROUNDED" '
        f'COLOR="{INK}" BGCOLOR="{fill}">{cells}</TABLE>>'
    )


def _caption(network: Network, low: float, high: float) -> str:
    calls = f"{network.calls} call{'s' if network.calls != 1 else ''} of the model"
    what = "|∂L/∂w| of the weight" if network.level == "neuron" else "mean |∂L/∂w| of the weights"
    lines = [f"Each edge: {what} it stands for, summed over {calls}; into the loss: |∂L/∂output|."]
    if high > low:
        above = any(e.magnitude > high for e in network.edges)
        lines.append(
            f"Thicker and darker is larger, on a log scale from {_magnitude(low)} or less (thinnest) "
            f"to {_magnitude(high)}{' or more' if above else ''} (thickest); dashed: 0."
        )
    rows = "".join(f'<TR><TD ALIGN="LEFT">{_html(line)}</TD></TR>' for line in lines)
    return f'<<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="0">{rows}</TABLE>>'
