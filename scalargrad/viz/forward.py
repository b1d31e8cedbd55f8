"""A record of one forward-mode sweep, as plain data that renderers can read.

Forward mode carries, next to each node's value (its *primal*), its *tangent*
ẋ = d node / d input along a chosen direction: seed the inputs' tangents
(ẋ1 = 1, ẋ2 = 0 asks for d/dx1), then sweep the graph in topological order,
each node's tangent being the sum over its operands of the operand's tangent
times the local derivative::

    v̇  =  sum over operands u of v   u̇ × ∂v/∂u

It is the mirror of :mod:`scalargrad.viz.trace`: a backward step sums, over
the *consumers* of a node, the consumer's gradient times the same local
derivatives. ``forward_trace(root, wrt, tangents)`` takes the
:class:`~scalargrad.viz.trace.Trace` of ``root`` (which holds the graph, the
local derivatives and the backward pass) and adds one :class:`ForwardStep` per
node, each the sum of its :class:`TangentContribution` s. The tangents are
added in the order :func:`scalargrad.transforms.tangents_of` adds them (and
with the same chain-rule step), so they equal what ``sg.jvp`` computes. A
node that does not depend on any seeded node has tangent 0 and no
contributions: nothing flows into it.

The worked example of Baydin, Pearlmutter, Radul and Siskind (JMLR 2018),
f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5):

>>> import scalargrad as sg
>>> x1, x2 = sg.Value(2.0, label="x1"), sg.Value(5.0, label="x2")
>>> v1 = sg.log(x1); v1.label = "v1"
>>> v2 = x1 * x2; v2.label = "v2"
>>> v3 = sg.sin(x2); v3.label = "v3"
>>> v4 = v1 + v2; v4.label = "v4"
>>> y = v4 - v3; y.label = "y"
>>> f = forward_trace(y, wrt=("x1", "x2"), tangents=(1.0, 0.0))
>>> [(node.name, round(node.data, 3), round(t, 3)) for node, t in zip(f.nodes, f.tangents)]
[('x1', 2.0, 1.0), ('v1', 0.693, 0.5), ('x2', 5.0, 0.0), ('v2', 10.0, 5.0), ('v4', 10.693, 5.5), ('v3', -0.959, 0.0), ('y', 11.652, 5.5)]
>>> [(f.nodes[c.parent].name, c.parent_tangent, c.local_derivative, c.product) for c in f.step("v2").contributions]
[('x1', 1.0, 5.0, 5.0), ('x2', 0.0, 2.0, 0.0)]
>>> f.tangent_of("y"), f.graph.gradient_of("x1")     # forward and reverse agree
(5.5, 5.5)
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from scalargrad.backward import chain_rule, topological_order
from scalargrad.value import Value
from scalargrad.viz.diagram import Diagram, _bracketed
from scalargrad.viz.notation import TEXT, Style, number
from scalargrad.viz.trace import NodeRecord, Trace, _encode, _Reader, given, trace

__all__ = [
    "ForwardStep",
    "ForwardTerm",
    "ForwardTrace",
    "DrawnForwardStep",
    "TangentContribution",
    "forward_steps",
    "forward_trace",
    "swept",
    "tangent_caption",
    "tangent_symbol",
]

# What names the inputs of a forward sweep: a node's name in the trace, or (for a Value root) the Value.
Input = str | Value


@dataclass(frozen=True)
class TangentContribution:
    """One operand's share of a node's tangent: the chain rule forward, along one edge.

    ``parent`` is the index of the operand (``position`` says which operand of
    the node it is), ``parent_tangent`` its tangent, ``local_derivative``
    d node / d operand and ``product`` their product, except where the op masks
    the edge (ReLU at inputs <= 0, ``x ** 0``): there ``masked`` is True and
    ``product`` is 0.0 whatever the operand's tangent.
    """

    parent: int
    position: int
    parent_tangent: float
    local_derivative: float
    product: float
    masked: bool = False


@dataclass(frozen=True)
class ForwardStep:
    """The forward sweep reaching one node: ``tangent`` is the sum of ``contributions``, in operand order.

    A seeded node (one of the sweep's inputs, ``seed`` True) has its tangent
    given and no contributions; a node that depends on no seeded node has
    tangent 0 and no contributions either.
    """

    node: int
    tangent: float
    contributions: tuple[TangentContribution, ...]
    seed: bool = False

    @property
    def active(self) -> bool:
        """Whether a tangent flows into the node: it is seeded, or depends on a seeded node.

        >>> ForwardStep(node=0, tangent=0.0, contributions=()).active
        False
        """
        return self.seed or bool(self.contributions)


@dataclass(frozen=True)
class ForwardTrace:
    """A graph (its backward :class:`~scalargrad.viz.trace.Trace`) and a forward sweep over it.

    ``steps[k]`` is node ``k``'s (the sweep follows the topological order of
    ``graph.nodes``); ``wrt`` are the indices of the seeded nodes and ``seeds``
    their given tangents. The graph's own record keeps the backward pass, so
    one object holds the tangents flowing forward and the adjoints flowing back.

    >>> from scalargrad import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x; y.label = "y"
    >>> f = forward_trace(y, "x")
    >>> f.tangents, f.graph.gradient_of("x")
    ((1.0, 6.0), 6.0)
    """

    graph: Trace
    wrt: tuple[int, ...]
    seeds: tuple[float, ...]
    steps: tuple[ForwardStep, ...]

    @property
    def nodes(self) -> tuple[NodeRecord, ...]:
        """The graph's nodes in topological order, each with its primal (``data``).

        >>> from scalargrad import Value
        >>> [n.name for n in forward_trace(Value(1.0, label="x").exp(), "x").nodes]
        ['x', 'n1']
        """
        return self.graph.nodes

    @property
    def root(self) -> int:
        """The index of the root, the last node.

        >>> from scalargrad import Value
        >>> forward_trace(Value(1.0, label="x").exp(), "x").root
        1
        """
        return self.graph.root

    @property
    def tangents(self) -> tuple[float, ...]:
        """Every node's tangent, in the order of ``nodes``.

        >>> from scalargrad import Value
        >>> x = Value(2.0, label="x")
        >>> forward_trace(3 * x, "x", 0.5).tangents
        (0.5, 1.5)
        """
        return tuple(step.tangent for step in self.steps)

    def node(self, name: str) -> NodeRecord:
        """The node named ``name`` (as :meth:`Trace.node <scalargrad.viz.trace.Trace.node>` finds it).

        >>> from scalargrad import Value
        >>> forward_trace(Value(2.0, label="x").exp(), "x").node("x").data
        2.0
        """
        return self.graph.node(name)

    def step(self, name: str) -> ForwardStep:
        """The step that computes the tangent of the node named ``name``.

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> y = x * x; y.label = "y"
        >>> [c.product for c in forward_trace(y, "x").step("y").contributions]
        [3.0, 3.0]
        """
        return self.steps[self.graph.node(name).index]

    def tangent_of(self, name: str) -> float:
        """The tangent of the node named ``name``: d node / d input along the seeds.

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> y = x * x; y.label = "y"
        >>> forward_trace(y, "x").tangent_of("y")
        6.0
        """
        return self.step(name).tangent

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data; ``ForwardTrace.from_dict`` reads it back.

        The graph is written as :meth:`Trace.to_dict <scalargrad.viz.trace.Trace.to_dict>`
        writes it (non-finite floats as ``"inf"``, ``"-inf"``, ``"nan"``).

        >>> import json
        >>> from scalargrad import Value
        >>> f = forward_trace(Value(2.0, label="x").exp(), "x")
        >>> json.dumps(f.to_dict()["steps"][0])
        '{"node": 0, "tangent": 1.0, "seed": true, "contributions": []}'
        >>> ForwardTrace.from_dict(json.loads(json.dumps(f.to_dict()))) == f
        True
        """
        return {
            "graph": self.graph.to_dict(),
            "wrt": list(self.wrt),
            "seeds": [_encode(seed) for seed in self.seeds],
            "steps": [
                {**_plain(step, "contributions"), "contributions": [_plain(c) for c in step.contributions]}
                for step in self.steps
            ],
        }

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> ForwardTrace:
        """The ``ForwardTrace`` that ``to_dict()`` (or its JSON) describes, checked as it is read.

        A part of the wrong type is a ``TypeError``; a missing or inconsistent
        part (a step for no node, a contribution from a node that is not the
        operand it claims to be) a ``ValueError`` saying where it is.

        >>> from scalargrad import Value
        >>> f = forward_trace(Value(2.0, label="x").exp(), "x")
        >>> ForwardTrace.from_dict(f.to_dict()) == f
        True
        >>> broken = f.to_dict(); broken["wrt"] = [5]
        >>> ForwardTrace.from_dict(broken)
        Traceback (most recent call last):
        ...
        ValueError: malformed trace record: wrt[0] is 5, not a node (0 to 1)
        """
        return _ForwardReader().forward(record)


def forward_trace(
    root: Value | Trace, wrt: Input | Sequence[Input], tangents: float | Sequence[float] | None = None
) -> ForwardTrace:
    """Record the forward sweep over ``root``'s graph, seeding each node of ``wrt`` with its tangent.

    ``wrt`` is one node or a sequence of them, each named as in the trace
    (its label) or, when ``root`` is a Value, given as a Value; ``tangents`` is
    one number per node of ``wrt`` (the default: 1 for each). Every other
    node's tangent follows from the chain rule, forward; nodes that do not
    depend on ``wrt`` have tangent 0. The graph is not changed.

    >>> from scalargrad import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + b ** 2; c.label = "c"
    >>> forward_trace(c, "a").tangent_of("c"), forward_trace(c, [a, b], [0.0, 1.0]).tangent_of("c")
    (-3.0, -4.0)
    """
    if not isinstance(root, (Value, Trace)):
        raise TypeError(f"forward_trace() takes a scalargrad Value (or a Trace) as root, got {given(root)}")
    inputs = _inputs(wrt)
    seeds = _seeds(tangents, len(inputs))
    record = root if isinstance(root, Trace) else trace(root)
    by_value: dict[Value, int] = {}
    if isinstance(root, Value) and any(isinstance(w, Value) for w in inputs):
        by_value = {node: i for i, node in enumerate(topological_order(root))}  # as trace() orders them
    wrt_indices: list[int] = []
    for k, w in enumerate(inputs):
        if isinstance(w, str):
            wrt_indices.append(record.node(w).index)
        elif w in by_value:
            wrt_indices.append(by_value[w])
        else:
            raise ValueError(f"wrt[{k}] ({w!r}) is not a node of the graph of root")
    return _sweep(record, tuple(wrt_indices), seeds)


def swept(
    root: object, wrt: Input | Sequence[Input] | None, tangents: float | Sequence[float] | None, function: str
) -> ForwardTrace:
    """``root`` if it is a ForwardTrace (then without ``wrt`` and ``tangents``), else its sweep seeded so.

    What the renderers call first, so that each takes a record or a graph alike.

    >>> from scalargrad import Value
    >>> record = swept(Value(2.0, label="x").exp(), "x", None, "draw_it")
    >>> swept(record, None, None, "draw_it") is record
    True
    """
    if isinstance(root, ForwardTrace):
        if wrt is not None or tangents is not None:
            raise TypeError(
                f"{function}() takes wrt and tangents only with a Value or a Trace: a ForwardTrace has its seeds"
            )
        return root
    if not isinstance(root, (Value, Trace)):
        raise TypeError(
            f"{function}() takes a scalargrad Value, a Trace or a ForwardTrace as root, got {given(root)}"
        )
    if wrt is None:
        raise TypeError(f"{function}() needs wrt, the nodes whose tangents are seeded")
    return forward_trace(root, wrt, tangents)


def _inputs(wrt: object) -> list[Input]:
    if isinstance(wrt, (str, Value)):
        return [wrt]
    if not isinstance(wrt, Sequence) or not wrt:
        raise TypeError(
            f"forward_trace() takes a node (a name or a Value), or a non-empty sequence of them, as wrt, got {given(wrt)}"
        )
    for k, w in enumerate(wrt):
        if not isinstance(w, (str, Value)):
            raise TypeError(f"forward_trace() takes names or Values as wrt; wrt[{k}] is {given(w)}")
    return list(wrt)


def _seeds(tangents: object, count: int) -> tuple[float, ...]:
    if tangents is None:
        return (1.0,) * count
    listed = [tangents] if count == 1 and not isinstance(tangents, Sequence) else tangents
    if isinstance(listed, (str, bytes)) or not isinstance(listed, Sequence):
        raise TypeError(
            f"forward_trace() takes one number per node of wrt as tangents, got {given(tangents)}"
        )
    if len(listed) != count:
        raise ValueError(
            f"forward_trace() needs one tangent per node of wrt: {count} nodes, {len(listed)} tangents"
        )
    for k, t in enumerate(listed):
        if isinstance(t, (bool, Value)) or not isinstance(t, numbers.Real):
            raise TypeError(f"forward_trace() takes real numbers as tangents; tangents[{k}] is {given(t)}")
    return tuple(float(t) for t in listed)


def _sweep(record: Trace, wrt: tuple[int, ...], seeds: tuple[float, ...]) -> ForwardTrace:
    """The sweep itself, read from the trace's local derivatives: as ``tangents_of`` adds, so here."""
    local: dict[tuple[int, int], tuple[float, bool]] = {}
    for backward_step in record.steps:
        for c in backward_step.contributions:
            local[(c.consumer, c.position)] = (c.local_derivative, c.masked)
    seeded: dict[int, float] = {}
    for w, t in zip(wrt, seeds):  # a node given twice is one input: its tangents add
        seeded[w] = t if w not in seeded else seeded[w] + t
    tangents: list[float] = []
    active: list[bool] = []
    steps: list[ForwardStep] = []
    for i, node in enumerate(record.nodes):
        if i in seeded:
            tangents.append(seeded[i])
            active.append(True)
            steps.append(ForwardStep(node=i, tangent=seeded[i], contributions=(), seed=True))
            continue
        contributions: list[TangentContribution] = []
        total: float | None = None
        for position, parent in enumerate(node.parents):
            if not active[parent]:
                continue
            d, masked = local[(i, position)]
            flow = chain_rule(tangents[parent], d, masked)
            product = 0.0 if flow is None else float(flow)
            contributions.append(TangentContribution(parent, position, tangents[parent], d, product, masked))
            total = product if total is None else total + product
        tangents.append(0.0 if total is None else total)
        active.append(total is not None)
        steps.append(ForwardStep(node=i, tangent=tangents[-1], contributions=tuple(contributions)))
    return ForwardTrace(graph=record, wrt=wrt, seeds=seeds, steps=tuple(steps))


class _ForwardReader(_Reader):
    """Reads ``ForwardTrace.to_dict()`` back: the graph as a Trace, then the sweep, checked part by part."""

    def forward(self, record: object) -> ForwardTrace:
        if not isinstance(record, Mapping):
            raise TypeError(
                f"ForwardTrace.from_dict() takes a mapping (what to_dict() returns), got {given(record)}"
            )
        graph = self.trace(self.key(record, "root", "graph"))
        count = len(graph.nodes)
        wrt = tuple(
            self.integer(w, f"wrt[{k}]")
            for k, w in enumerate(self.items(self.key(record, "root", "wrt"), "wrt"))
        )
        for k, w in enumerate(wrt):
            if not 0 <= w < count:
                self.bad(f"wrt[{k}] is {w}, not a node (0 to {count - 1})")
        seeds = tuple(
            self.number(s, f"seeds[{k}]")
            for k, s in enumerate(self.items(self.key(record, "root", "seeds"), "seeds"))
        )
        if len(seeds) != len(wrt):
            self.bad(f"seeds has {len(seeds)} tangents for {len(wrt)} nodes in wrt")
        found = self.items(self.key(record, "root", "steps"), "steps")
        if len(found) != count:
            self.bad(f"steps has {len(found)} steps for {count} nodes (one step per node)")
        steps = tuple(self.forward_step(item, k, graph, set(wrt)) for k, item in enumerate(found))
        return ForwardTrace(graph=graph, wrt=wrt, seeds=seeds, steps=steps)

    def forward_step(self, item: object, k: int, graph: Trace, wrt: set[int]) -> ForwardStep:
        where = f"steps[{k}]"
        if not isinstance(item, Mapping):
            raise TypeError(f"malformed trace record: {where} must be a mapping, got {given(item)}")
        node = self.integer(self.key(item, where, "node"), f"{where}.node")
        if node != k:
            self.bad(f"{where}.node is {node}; the sweep follows the nodes' order, so it must be {k}")
        seed = self.boolean(self.key(item, where, "seed"), f"{where}.seed")
        if seed != (k in wrt):
            self.bad(f"{where}.seed is {seed}, but node {k} is {'' if k in wrt else 'not '}in wrt")
        parents = graph.nodes[k].parents
        contributions = []
        for j, c in enumerate(self.items(self.key(item, where, "contributions"), f"{where}.contributions")):
            at = f"{where}.contributions[{j}]"
            if not isinstance(c, Mapping):
                raise TypeError(f"malformed trace record: {at} must be a mapping, got {given(c)}")
            contribution = TangentContribution(**self.fields(TangentContribution, c, at))
            if (
                not 0 <= contribution.position < len(parents)
                or parents[contribution.position] != contribution.parent
            ):
                self.bad(
                    f"{at}: operand {contribution.position} of node {k} is not node {contribution.parent}"
                )
            contributions.append(contribution)
        if seed and contributions:
            self.bad(f"{where} is seeded, so its tangent is given: it has no contributions")
        if len({c.position for c in contributions}) != len(contributions):
            self.bad(f"{where} has two contributions for the same operand")
        return ForwardStep(
            node,
            self.number(self.key(item, where, "tangent"), f"{where}.tangent"),
            tuple(contributions),
            seed,
        )

    def fields(self, cls: type, item: Mapping[str, Any], where: str) -> dict[str, Any]:
        """Each field of the dataclass ``cls`` read from ``item`` and checked by its type (int, float or bool)."""
        readers = {"int": self.integer, "float": self.number, "bool": self.boolean}
        return {
            f.name: readers[str(f.type)](self.key(item, where, f.name), f"{where}.{f.name}")
            for f in fields(cls)
        }


def _plain(record: Any, *leave_out: str) -> dict[str, Any]:
    """A dataclass's fields as JSON-ready data: floats encoded as ``Trace.to_dict`` encodes them."""
    return {
        f.name: _encode(value) if isinstance(value, float) else value
        for f in fields(record)
        if f.name not in leave_out
        for value in (getattr(record, f.name),)
    }


# ------------------------------------------------------------ what pictures and words show


@dataclass(frozen=True)
class ForwardTerm:
    """One term of a drawn node's tangent: the edge's source's tangent times the edge's derivative."""

    edge: int  # position in Diagram.edges
    source_tangent: float
    derivative: float
    product: float


@dataclass(frozen=True)
class DrawnForwardStep:
    """The forward sweep reaching one drawn node of a :class:`~scalargrad.viz.diagram.Diagram`.

    ``node`` is a position in the diagram's nodes, ``tangent`` the node's
    tangent from the :class:`ForwardTrace`, and ``terms`` one per edge into the
    node whose source a tangent flows into (none for a seeded node).
    """

    node: int
    tangent: float
    terms: tuple[ForwardTerm, ...]
    seed: bool
    active: bool


def forward_steps(d: Diagram, sweep: ForwardTrace) -> tuple[DrawnForwardStep, ...]:
    """The steps of ``sweep`` over the drawn nodes of ``d`` (a diagram of ``sweep.graph``), in topological order.

    In a collapsed diagram an edge folded from several stands for the paths
    through undrawn nodes, and its derivative is their chain rule: a drawn
    node's tangent is still the sum of its terms.

    >>> from scalargrad import Value
    >>> from scalargrad.viz.diagram import diagram
    >>> x = Value(3.0, label="x")
    >>> y = 2 * x * x; y.label = "y"
    >>> f = forward_trace(y, "x")
    >>> [(s.tangent, [t.product for t in s.terms]) for s in forward_steps(diagram(f.graph, collapse=True), f)]
    [(1.0, []), (12.0, [12.0])]
    """
    if not isinstance(d, Diagram):
        raise TypeError(f"forward_steps() takes a Diagram as d, got {given(d)}")
    if not isinstance(sweep, ForwardTrace):
        raise TypeError(f"forward_steps() takes a ForwardTrace as sweep, got {given(sweep)}")
    if d.trace is not sweep.graph and d.trace != sweep.graph:
        raise ValueError("forward_steps() needs a diagram of the sweep's own graph (diagram(sweep.graph))")
    into: list[list[int]] = [[] for _ in d.nodes]
    for e, edge in enumerate(d.edges):
        into[edge.target].append(e)
    drawn: list[DrawnForwardStep] = []
    for position, node in enumerate(d.nodes):
        step = sweep.steps[node.index]
        terms: list[ForwardTerm] = []
        if not step.seed:
            for e in into[position]:
                edge = d.edges[e]
                source = sweep.steps[d.nodes[edge.source].index]
                if not source.active:
                    continue
                flow = chain_rule(source.tangent, edge.derivative, edge.masked)
                terms.append(
                    ForwardTerm(e, source.tangent, edge.derivative, 0.0 if flow is None else float(flow))
                )
        drawn.append(DrawnForwardStep(position, step.tangent, tuple(terms), step.seed, step.active))
    return tuple(drawn)


_DOTLESS = {"i": "\u0131", "j": "\u0237"}
_SIMPLE_NAME = re.compile(r"([A-Za-z])([0-9]*)")


def tangent_symbol(name: str, style: Style = TEXT) -> str:
    """The tangent of the node named ``name``: a dot over a letter (``v̇4``), else a dot after the name.

    >>> tangent_symbol("v4"), tangent_symbol("x"), tangent_symbol("neth"), tangent_symbol("i1")
    ('v̇4', 'ẋ', '(neth)˙', 'ı̇1')
    >>> from scalargrad.viz.notation import LATEX
    >>> tangent_symbol("v4", LATEX), tangent_symbol("neth", LATEX)
    ('\\\\dot{v}_{4}', '\\\\dot{\\\\mathrm{neth}}')
    """
    simple = _SIMPLE_NAME.fullmatch(name)
    if style.latex:
        if simple:
            letter, digits = simple.groups()
            letter = {"i": r"\imath", "j": r"\jmath"}.get(letter, letter)
            return rf"\dot{{{letter}}}" + (f"_{{{digits}}}" if digits else "")
        return rf"\dot{{{style.name(name)}}}"
    if simple:
        letter, digits = simple.groups()
        letter = _DOTLESS.get(letter, letter)  # i and j lose their own dot under the tangent's
        return unicodedata.normalize("NFC", f"{letter}\u0307{digits}")  # ẋ as one character, as typed
    return f"({name})\u02d9"


def tangent_caption(
    d: Diagram, sweep: ForwardTrace, step: DrawnForwardStep, style: Style = TEXT, formulas: bool = False
) -> str:
    """The step as an equation: ``v̇4 = v̇1 + v̇2 = 0.5 + 5 = 5.5``.

    Each term is the source's tangent times the edge's derivative, written
    as a partial derivative (with ``formulas=True``, also as the derivative's
    formula); a derivative that is 1 or -1 in symbols is left out, as one
    writes by hand. A seeded node's step is its seed; a node no tangent flows
    into has tangent 0.

    >>> from scalargrad import Value
    >>> from scalargrad.viz.diagram import diagram
    >>> x, w = Value(0.5, label="x"), Value(-3.0, label="w")
    >>> z = x * w + x; z.label = "z"
    >>> f = forward_trace(z, "x")
    >>> d = diagram(f.graph)
    >>> for s in forward_steps(d, f):
    ...     print(tangent_caption(d, f, s, formulas=True))
    ẋ = 1 (the seed)
    ẇ = 0 (w does not depend on x)
    ṅ2 = ẋ × ∂n2/∂x = ẋ × w = 1 × (-3) = -3
    ż = ṅ2 + ẋ = -3 + 1 = -2
    """
    node = d.nodes[step.node]
    symbol = tangent_symbol(node.name, style)
    if step.seed:
        return f"{symbol} = {style.number(step.tangent)}" + (
            r"\ \text{(the seed)}" if style.latex else " (the seed)"
        )
    if not step.terms:
        if style.latex:
            return f"{symbol} = {style.number(step.tangent)}"
        inputs = " or ".join(dict.fromkeys(sweep.graph.nodes[w].name for w in sweep.wrt))
        return f"{symbol} = {number(step.tangent)} ({node.name} does not depend on {inputs})"
    times = f" {style.times} "
    symbols: list[tuple[str, str]] = []
    written: list[tuple[str, str]] = []
    numbers: list[tuple[str, str]] = []
    for k, term in enumerate(step.terms):
        edge = d.edges[term.edge]
        source = tangent_symbol(d.nodes[edge.source].name, style)
        tangent = style.number(term.source_tangent) if k == 0 else _bracketed_in(term.source_tangent, style)
        formula = d.derivative_formula(edge, style)
        if formula in ("1", "-1") and not edge.masked:  # v̇1 + v̇2, v̇4 - v̇3: as written by hand
            sign = "-" if formula == "-1" else "+"
            symbols.append((sign, source))
            written.append((sign, source))
            numbers.append((sign, tangent))
            continue
        partial_symbol = d.partial(edge, style)
        symbols.append(("+", f"{source}{times}{partial_symbol}"))
        shown = (
            partial_symbol
            if not formula
            else (f"({formula})" if " " in formula or formula.startswith("-") else formula)
        )
        written.append(("+", f"{source}{times}{shown}"))
        numbers.append(("+", f"{tangent}{times}{_bracketed_in(term.derivative, style)}"))
    parts = [symbol, _joined(symbols)]
    if formulas and _joined(written) != parts[-1]:
        parts.append(_joined(written))
    parts += [_joined(numbers), style.number(step.tangent)]
    return " = ".join(parts)


def _bracketed_in(x: float, style: Style) -> str:
    """A number after an operator: negative ones in parentheses, as the backward captions write them."""
    if not style.latex:
        return _bracketed(x)
    text = style.number(x)
    return f"({text})" if text.startswith("-") or " " in text else text


def _joined(terms: list[tuple[str, str]]) -> str:
    text = ""
    for k, (sign, term) in enumerate(terms):
        if k == 0:
            text = f"-{term}" if sign == "-" else term
        else:
            text += f" {sign} {term}"
    return text
