"""A record of one backward pass, as plain data that renderers can read.

``trace(root)`` walks a finished graph through the engine's public API
(``Value.parents``, ``Value.op``, ``Value.local_derivatives()``,
``topological_order``) and returns a :class:`Trace`: the nodes in topological
order and the backward pass as an ordered list of :class:`Step` s. Each step
completes one node's gradient as the sum of its :class:`Contribution` s, one per
edge to a node that consumed it::

    d root / d node  =  sum over edges  (d root / d consumer) * (d consumer / d node)

Everything in the record is an int, float, str, bool, ``None``, tuple or dict,
so drawings, text and web pages never touch a ``Value``. The gradients are
computed by the trace itself, the way ``backward()`` computes them (same order
of additions, same masks), so they equal what ``backward()`` would put in
``.grad`` on a fresh graph; tracing never changes the graph.

The worked w1/w2 chain (i1 → neth → outh → neto → outo → E), where ``neto``'s gradient comes from ``outo`` alone:

>>> from scalargrad import Value
>>> i1, w1, w2 = Value(0.1, label="i1"), Value(0.5, label="w1"), Value(0.5, label="w2")
>>> neth = i1 * w1; neth.label = "neth"
>>> outh = neth.sigmoid(); outh.label = "outh"
>>> neto = outh * w2; neto.label = "neto"
>>> outo = neto.sigmoid(); outo.label = "outo"
>>> E = 0.5 * (0.9 - outo) ** 2; E.label = "E"
>>> t = trace(E)
>>> [node.name for node in t.nodes]
['i1', 'w1', 'neth', 'outh', 'w2', 'neto', 'outo', 'n7', 'n8', 'E']
>>> t.node("n7").op, t.node("n7").params     # 0.9 - outo: the number is in the op
('sub', {'left': 0.9})
>>> (c,) = t.step("neto").contributions
>>> t.nodes[c.consumer].name
'outo'
>>> print(f"{c.consumer_grad:.6f} x {c.local_derivative:.6f} = {c.product:.6f}")
-0.336286 x 0.245941 = -0.082706
>>> print(f"{t.gradient_of('w2'):.6f} {t.gradient_of('w1'):.6f}")
-0.042387 -0.001033
>>> w2.grad                     # untouched
0.0
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from scalargrad.backward import chain_rule, topological_order
from scalargrad.value import Value

__all__ = ["Contribution", "NodeRecord", "Step", "Trace", "trace"]

# A float as it appears in ``to_dict()``: finite floats stay floats, inf and nan
# become the strings "inf", "-inf" and "nan" so the output is strict JSON.
JSONFloat = float | str


@dataclass(frozen=True)
class NodeRecord:
    """One node of the graph, as plain data.

    ``index`` is the node's position in topological order (every parent has a
    smaller index than its children), ``label`` the user's label (possibly
    ``""``), and ``name`` the label or, for an unlabelled node, a short name
    derived from the graph alone, distinct from every other node's:
    ``n`` + index (``"n9"``), for a leaf as for an interior node (in formulas
    an unlabelled leaf is still written as its number). ``op`` is the name of the
    operation that made the node (``None`` for a leaf) and ``params`` the op's
    constants (``{"right": 2.0}`` for ``x ** 2``, ``{"left": 0.9}`` for
    ``0.9 - x``). ``grad`` is d root / d node
    for this trace, and ``parents`` the parents' indices in operand order.
    """

    index: int
    label: str
    name: str
    op: str | None
    params: dict[str, float] = field(hash=False)
    data: float
    grad: float
    parents: tuple[int, ...]
    is_leaf: bool


@dataclass(frozen=True)
class Contribution:
    """One edge's share of a node's gradient: the chain rule for one use of the node.

    ``consumer`` is the index of the node that used this one (``position`` is
    where, among the consumer's operands), ``consumer_grad`` the consumer's
    gradient, ``local_derivative`` d consumer / d this node, and ``product``
    ``consumer_grad * local_derivative``, except where the op masks the edge as
    PyTorch does (ReLU at inputs <= 0, ``x ** 0``): there ``masked`` is True and
    ``product`` is 0.0 whatever comes from above, even inf or nan.
    """

    consumer: int
    position: int
    consumer_grad: float
    local_derivative: float
    product: float
    masked: bool = False


@dataclass(frozen=True)
class Step:
    """The backward pass completing one node's gradient.

    ``gradient`` is the sum of ``contributions``, added in their order, which
    is the order ``backward()`` adds them: consumers in reverse topological
    order, and a consumer's operands in operand order (so ``x * x`` gives two
    contributions, positions 0 and 1). The root's step has no contributions;
    its gradient is the seed.
    """

    node: int
    gradient: float
    contributions: tuple[Contribution, ...]


@dataclass(frozen=True)
class Trace:
    """A graph and its backward pass: ``nodes`` in topological order, ``steps`` from the root down.

    ``steps[0]`` is the root's and each later step completes a node whose
    consumers all have earlier steps (reverse topological order); there is one
    step per node, leaves included.

    >>> from scalargrad import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x; y.label = "y"
    >>> t = trace(y)
    >>> [(c.consumer, c.position, c.product) for c in t.step("x").contributions]
    [(1, 0, 3.0), (1, 1, 3.0)]
    >>> t.gradient_of("x"), t.node("y").op
    (6.0, 'mul')
    """

    nodes: tuple[NodeRecord, ...]
    steps: tuple[Step, ...]
    root: int
    # name -> indices of the nodes so named, built on the first look-up (one pass, not one per look-up)
    _names: dict[str, list[int]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def node(self, name: str) -> NodeRecord:
        """The node whose name (its label, or its short name when unlabelled) is ``name``.

        Raises ``KeyError`` when no node has that name, ``ValueError`` when
        several do (two unlabelled constants 0.5, or two nodes labelled alike),
        and ``TypeError`` when ``name`` is not a str.

        >>> from scalargrad import Value
        >>> t = trace(Value(2.0, label="x").exp())
        >>> t.node("x").data, t.node("n1").op
        (2.0, 'exp')
        """
        _check_name(name, "Trace.node")
        if not self._names:
            names: dict[str, list[int]] = {}
            for position, node in enumerate(self.nodes):
                names.setdefault(node.name, []).append(position)
            self._names.update(names)  # whole, in one step: another thread sees all of it or none
        found = self._names.get(name, [])
        if len(found) == 1:
            return self.nodes[found[0]]
        if not found:
            raise KeyError(
                f"no node named {name!r} in this trace (nodes: {_listed(node.name for node in self.nodes)})"
            )
        indices = _listed(str(index) for index in found)
        raise ValueError(f"{len(found)} nodes are named {name!r} (indices {indices}); use trace.nodes[index]")

    def step(self, name: str) -> Step:
        """The step that completes the gradient of the node named ``name``.

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> [c.product for c in trace(x * x).step("x").contributions]
        [3.0, 3.0]
        """
        _check_name(name, "Trace.step")
        index = self.node(name).index
        # steps run through the indices from the last down to 0
        return self.steps[len(self.steps) - 1 - index]

    def gradient_of(self, name: str) -> float:
        """d root / d (the node named ``name``), as this trace computed it.

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> trace(x * x).gradient_of("x")
        6.0
        """
        _check_name(name, "Trace.gradient_of")
        return self.node(name).grad

    def to_dict(self) -> dict[str, Any]:
        """The record as lists, dicts, strs, ints, bools, ``None`` and floats, ready for ``json.dumps``.

        Non-finite floats are written as the strings ``"inf"``, ``"-inf"`` and
        ``"nan"``, so the result is strict JSON (``json.dumps(..., allow_nan=False)``
        works, as does a browser's ``JSON.parse``). ``Trace.from_dict`` reads it back.

        >>> import json
        >>> from scalargrad import Value
        >>> t = trace(Value(2.0, label="x").relu(), gradient=float("inf"))
        >>> json.dumps(t.to_dict()["steps"][0])
        '{"node": 1, "gradient": "inf", "contributions": []}'
        >>> Trace.from_dict(json.loads(json.dumps(t.to_dict()))) == t
        True
        """
        return {
            "root": self.root,
            "nodes": [
                {
                    "index": node.index,
                    "label": node.label,
                    "name": node.name,
                    "op": node.op,
                    "params": {key: _encode(value) for key, value in node.params.items()},
                    "data": _encode(node.data),
                    "grad": _encode(node.grad),
                    "parents": list(node.parents),
                    "is_leaf": node.is_leaf,
                }
                for node in self.nodes
            ],
            "steps": [
                {
                    "node": step.node,
                    "gradient": _encode(step.gradient),
                    "contributions": [
                        {
                            "consumer": c.consumer,
                            "position": c.position,
                            "consumer_grad": _encode(c.consumer_grad),
                            "local_derivative": _encode(c.local_derivative),
                            "product": _encode(c.product),
                            "masked": c.masked,
                        }
                        for c in step.contributions
                    ],
                }
                for step in self.steps
            ],
        }

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> Trace:
        """The ``Trace`` that ``to_dict()`` (or its JSON) describes.

        The record is checked as it is read: a part of the wrong type is a
        ``TypeError`` and a missing or inconsistent part (a parent index that
        is not an earlier node, a step for no node, an edge with no
        contribution) a ``ValueError``, each saying where in the record it is.

        >>> from scalargrad import Value
        >>> t = trace(Value(2.0, label="x").exp())
        >>> Trace.from_dict(t.to_dict()) == t
        True
        >>> Trace.from_dict({"root": 0, "nodes": [], "steps": []})
        Traceback (most recent call last):
        ...
        ValueError: malformed trace record: nodes is empty (a trace has at least its root)
        """
        return _Reader().trace(record)


def trace(root: Value, gradient: float = 1.0) -> Trace:
    """Record the backward pass from ``root``, seeded with ``gradient``, without running ``backward()``.

    Reads the graph only: no ``.grad`` (nor anything else) is changed.

    >>> from scalargrad import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + b ** 2; c.label = "c"
    >>> t = trace(c)
    >>> [(n.name, n.op, n.parents, n.grad) for n in t.nodes]
    [('a', None, (), -3.0), ('b', None, (), -4.0), ('n2', 'mul', (0, 1), 1.0), ('n3', 'pow', (1,), 1.0), ('c', 'add', (2, 3), 1.0)]
    >>> [s.node for s in t.steps]
    [4, 3, 2, 1, 0]
    >>> [(c.consumer, c.local_derivative, c.product) for c in t.step("b").contributions]
    [(3, -6.0, -6.0), (2, 2.0, 2.0)]
    """
    if not isinstance(root, Value):
        raise TypeError(f"trace() takes a scalargrad Value as root, got {given(root)}")
    if isinstance(gradient, Value) or not isinstance(gradient, numbers.Real):
        raise TypeError(f"trace() takes a real number as gradient, got {given(gradient)}")
    seed = float(gradient)

    order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}  # Values hash by identity
    last = len(order) - 1

    grads = [0.0] * len(order)
    grads[last] = 0.0 + seed  # as backward() adds the seed to a zeroed gradient
    incoming: list[list[Contribution]] = [[] for _ in order]
    steps: list[Step] = []
    for i in range(last, -1, -1):
        # Every consumer of node i has a larger index, so its contributions are all in.
        node = order[i]
        g = grads[i]
        steps.append(Step(node=i, gradient=g, contributions=tuple(incoming[i])))
        op = node.op
        if op is None:
            continue
        masks = op.masked(node)
        for position, (parent, d, masked) in enumerate(zip(node.parents, node.local_derivatives(), masks)):
            contribution = chain_rule(g, d, masked)
            product = 0.0 if contribution is None else contribution
            p = index[parent]
            incoming[p].append(
                Contribution(
                    consumer=i,
                    position=position,
                    consumer_grad=g,
                    local_derivative=d,
                    product=product,
                    masked=bool(masked),
                )
            )
            grads[p] += product

    labels = {node.label for node in order if node.label}
    records = tuple(
        NodeRecord(
            index=i,
            label=node.label,
            name=_short_name(node, i, labels),
            op=None if node.op is None else node.op.name,
            params=dict(node.op.params()) if node.op is not None else {},
            data=node.data,
            grad=grads[i],
            parents=tuple(index[p] for p in node.parents),
            is_leaf=not node.parents,
        )
        for i, node in enumerate(order)
    )
    return Trace(nodes=records, steps=tuple(steps), root=last)


def _short_name(node: Value, i: int, labels: set[str]) -> str:
    """The label, else ``n<index>``, for a leaf as for an interior node.

    Never the node's value: two leaves holding 0.5 are two nodes, ``n0`` and
    ``n1``, each of which ``explain`` and ``path_view`` can name. A short name
    never takes a label's name: ``n2`` becomes ``n2'`` in a graph where some
    node is labelled ``n2``.
    """
    if node.label:
        return node.label
    name = f"n{i}"
    while name in labels:
        name += "'"
    return name


def _encode(x: float) -> JSONFloat:
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 6


def given(value: object) -> str:
    """What an error message says was given: the type and a repr cut short (``str 'abc'``).

    Shared by the renderers' argument checks, so every message reads alike.
    """
    return f"{type(value).__name__} {_SHORT.repr(value)}"


def check_bool(value: object, argument: str, function: str) -> bool:
    """``value`` if it is True or False, else a TypeError naming ``function``'s ``argument``."""
    if not isinstance(value, bool):
        raise TypeError(f"{function}() takes True or False as {argument}, got {given(value)}")
    return value


def _check_name(name: object, function: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{function}() takes the name of a node (a str), got {given(name)}")


def _listed(names: Any, most: int = 20) -> str:
    """At most ``most`` names, comma separated, then how many more: error messages stay short."""
    shown: list[str] = []
    more = 0
    for name in names:
        if len(shown) < most:
            shown.append(name if len(name) <= 40 else name[:39] + "…")
        else:
            more += 1
    return ", ".join(shown) + (f", … ({more} more)" if more else "")


class _Reader:
    """Reads a ``to_dict()`` record back, checking every part; errors say where the bad part is."""

    def trace(self, record: object) -> Trace:
        if not isinstance(record, Mapping):
            raise TypeError(
                f"Trace.from_dict() takes a mapping (what to_dict() returns), got {given(record)}"
            )
        nodes = self.items(self.key(record, "root", "nodes"), "nodes")
        if not nodes:
            self.bad("nodes is empty (a trace has at least its root)")
        records = tuple(self.node(item, k) for k, item in enumerate(nodes))
        count = len(records)
        root = self.integer(self.key(record, "root", "root"), "root")
        if root != count - 1:
            self.bad(f"root is {root}, but the root is the last node in topological order ({count - 1})")
        steps_found = self.items(self.key(record, "root", "steps"), "steps")
        if len(steps_found) != count:
            self.bad(f"steps has {len(steps_found)} steps for {count} nodes (one step per node)")
        steps = tuple(self.step(item, k, records) for k, item in enumerate(steps_found))
        # Every edge (consumer, operand) has exactly one contribution, in the step of that operand.
        edges = sum(len(node.parents) for node in records)
        contributions = sum(len(step.contributions) for step in steps)
        if contributions != edges:
            self.bad(f"the steps hold {contributions} contributions for {edges} edges (one per edge)")
        return Trace(nodes=records, steps=steps, root=root)

    def node(self, item: object, k: int) -> NodeRecord:
        where = f"nodes[{k}]"
        if not isinstance(item, Mapping):
            raise TypeError(f"malformed trace record: {where} must be a mapping, got {given(item)}")
        index = self.integer(self.key(item, where, "index"), f"{where}.index")
        if index != k:
            self.bad(f"{where}.index is {index}; nodes are listed by index, so it must be {k}")
        op = self.key(item, where, "op")
        if op is not None and not isinstance(op, str):
            raise TypeError(f"malformed trace record: {where}.op must be a str or null, got {given(op)}")
        params = self.key(item, where, "params")
        if not isinstance(params, Mapping):
            raise TypeError(f"malformed trace record: {where}.params must be a mapping, got {given(params)}")
        for key in params:
            if not isinstance(key, str):
                raise TypeError(
                    f"malformed trace record: {where}.params has a key that is not a str: {given(key)}"
                )
        parents = tuple(
            self.integer(p, f"{where}.parents[{j}]")
            for j, p in enumerate(self.items(self.key(item, where, "parents"), f"{where}.parents"))
        )
        for j, p in enumerate(parents):
            if not 0 <= p < k:
                self.bad(f"{where}.parents[{j}] is {p}, not an earlier node (0 to {k - 1})")
        is_leaf = self.boolean(self.key(item, where, "is_leaf"), f"{where}.is_leaf")
        if is_leaf != (not parents):
            self.bad(f"{where}.is_leaf is {is_leaf} for a node with {len(parents)} parents")
        if (op is None) != is_leaf:
            self.bad(f"{where}: a leaf has no op and an interior node has one (op {op!r}, is_leaf {is_leaf})")
        return NodeRecord(
            index=index,
            label=self.text(self.key(item, where, "label"), f"{where}.label"),
            name=self.text(self.key(item, where, "name"), f"{where}.name"),
            op=op,
            params={key: self.number(value, f"{where}.params[{key!r}]") for key, value in params.items()},
            data=self.number(self.key(item, where, "data"), f"{where}.data"),
            grad=self.number(self.key(item, where, "grad"), f"{where}.grad"),
            parents=parents,
            is_leaf=is_leaf,
        )

    def step(self, item: object, k: int, nodes: tuple[NodeRecord, ...]) -> Step:
        where = f"steps[{k}]"
        if not isinstance(item, Mapping):
            raise TypeError(f"malformed trace record: {where} must be a mapping, got {given(item)}")
        node = self.integer(self.key(item, where, "node"), f"{where}.node")
        expected = len(nodes) - 1 - k
        if node != expected:
            self.bad(f"{where}.node is {node}; steps run from the root down, so it must be {expected}")
        found = self.items(self.key(item, where, "contributions"), f"{where}.contributions")
        contributions = []
        for j, c in enumerate(found):
            at = f"{where}.contributions[{j}]"
            if not isinstance(c, Mapping):
                raise TypeError(f"malformed trace record: {at} must be a mapping, got {given(c)}")
            consumer = self.integer(self.key(c, at, "consumer"), f"{at}.consumer")
            position = self.integer(self.key(c, at, "position"), f"{at}.position")
            if not node < consumer < len(nodes):
                self.bad(f"{at}.consumer is {consumer}, not a later node ({node + 1} to {len(nodes) - 1})")
            parents = nodes[consumer].parents
            if not 0 <= position < len(parents) or parents[position] != node:
                self.bad(f"{at}: operand {position} of node {consumer} is not node {node}")
            contributions.append(
                Contribution(
                    consumer=consumer,
                    position=position,
                    consumer_grad=self.number(self.key(c, at, "consumer_grad"), f"{at}.consumer_grad"),
                    local_derivative=self.number(
                        self.key(c, at, "local_derivative"), f"{at}.local_derivative"
                    ),
                    product=self.number(self.key(c, at, "product"), f"{at}.product"),
                    masked=self.boolean(self.key(c, at, "masked"), f"{at}.masked"),
                )
            )
        if len({(c.consumer, c.position) for c in contributions}) != len(contributions):
            self.bad(f"{where} has two contributions for the same edge")
        return Step(
            node=node,
            gradient=self.number(self.key(item, where, "gradient"), f"{where}.gradient"),
            contributions=tuple(contributions),
        )

    @staticmethod
    def bad(message: str) -> NoReturn:
        raise ValueError(f"malformed trace record: {message}")

    def key(self, item: Mapping[Any, Any], where: str, key: str) -> Any:
        if key not in item:
            self.bad(f"{where} has no {key!r}" if where != "root" else f"no {key!r} at the top level")
        return item[key]

    @staticmethod
    def items(value: object, where: str) -> Sequence[Any]:
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise TypeError(f"malformed trace record: {where} must be a list, got {given(value)}")
        return value

    @staticmethod
    def integer(value: object, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"malformed trace record: {where} must be an int, got {given(value)}")
        return value

    @staticmethod
    def boolean(value: object, where: str) -> bool:
        if not isinstance(value, bool):
            raise TypeError(f"malformed trace record: {where} must be true or false, got {given(value)}")
        return value

    @staticmethod
    def text(value: object, where: str) -> str:
        if not isinstance(value, str):
            raise TypeError(f"malformed trace record: {where} must be a str, got {given(value)}")
        return value

    @staticmethod
    def number(value: object, where: str) -> float:
        if isinstance(value, str):
            if value not in ("inf", "-inf", "nan"):
                raise ValueError(
                    f'malformed trace record: {where} is {_SHORT.repr(value)}, not a number ("inf", "-inf" and "nan" are)'
                )
            return float(value)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"malformed trace record: {where} must be a number, got {given(value)}")
        return float(value)
