"""What a picture of a backward pass shows: nodes, edges, and the chain-rule steps over them.

A :class:`Diagram` is built from a :class:`~scalargrad.viz.trace.Trace` (never
from the engine) and is what ``draw``, ``explain`` and the step frames read.
It is plain data too. Two views of one trace:

- the full view has every node of the graph and one edge per operand, each
  with its local derivative d consumer / d operand;
- the collapsed view (``collapse=True``) keeps only the labelled nodes and the
  root. An unlabelled node in between is folded into the labelled node it
  feeds: its formula is written into that node's formula, and the edges through
  it become one edge whose derivative is the chain rule along the folded paths
  (the sum over paths of the product of local derivatives). Unlabelled leaves
  are taken for constants: they appear as numbers in formulas, as do the
  numbers an op keeps (the 0.9 of ``0.9 - outo``).

The worked w1/w2 example, collapsed, is the tutorial's picture:

>>> from scalargrad.cli.walkthrough import build
>>> E = build()             # E = 0.5 * (0.9 - outo) ** 2, with the tutorial's nodes labelled
>>> d = diagram(E, collapse=True)
>>> [(node.name, node.formula) for node in d.nodes]
[('i1', ''), ('w1', ''), ('neth', 'i1 × w1'), ('outh', 'σ(neth)'), ('w2', ''), ('neto', 'outh × w2'), ('outo', 'σ(neto)'), ('E', '0.5 × (0.9 - outo)²')]
>>> [d.edge_caption(edge) for edge in d.edges_into("E")]
['∂E/∂outo = -0.336286']
>>> d.step_caption(d.step_of("neto"))
'∂E/∂neto = ∂E/∂outo × ∂outo/∂neto = -0.336286 × 0.245941 = -0.082706'
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from scalargrad.backward import chain_rule
from scalargrad.value import Value
from scalargrad.viz.notation import TEXT, Expr, Style, derivative_expression, number, op_expression, partial
from scalargrad.viz.trace import Trace, _listed, check_bool, given, trace

__all__ = ["Diagram", "DiagramEdge", "DiagramNode", "DiagramStep", "Term", "diagram"]

# Characters no picture or document can show as themselves: C0 and C1 controls,
# lone surrogates (no encoding has them) and U+FFFE/U+FFFF (not characters in XML).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# A formula longer than this stops expanding folded nodes and shows "…".
_MAX_FORMULA = 80
# Paths are listed one by one up to this many; their count grows exponentially in a DAG.
MAX_PATHS = 32


@dataclass(frozen=True)
class DiagramNode:
    """A node as drawn: ``formula`` is what made it (``""`` for a leaf), in the names of drawn nodes."""

    index: int  # position in the trace
    name: str
    formula: str
    data: float
    grad: float
    is_leaf: bool


class _WrittenOnDemand:
    """A dataclass field holding a str, or a function that writes it when it is first read (then kept).

    A diagram's edges carry their derivative in symbols, but writing one runs
    the op's derivative rule, and for a node of k operands that costs k per
    edge: k² for the node. Most readers (a picture) never look, so each edge's
    formula is written when someone does.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> str: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> str: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> str:
        if instance is None:
            return ""  # the field's default
        value: str | Callable[[], str] = instance.__dict__[self.slot]
        if not isinstance(value, str):
            value = instance.__dict__[self.slot] = value()
        return value

    def __set__(self, instance: object, value: str | Callable[[], str]) -> None:
        instance.__dict__[self.slot] = value


@dataclass(frozen=True)
class DiagramEdge:
    """An edge ``source -> target`` (positions in ``Diagram.nodes``) and d target / d source.

    ``formula`` is the derivative in symbols (``"w2"``, ``"outo × (1 - outo)"``)
    for a direct edge (``operand`` says which operand of the target the source
    is), ``""`` for an edge folded from several (``operand`` is -1). A diagram
    writes it when it is first read.
    """

    source: int
    target: int
    derivative: float
    formula: _WrittenOnDemand = _WrittenOnDemand()
    masked: bool = False
    operand: int = -1  # for a direct edge, which operand of the target the source is

    def __getstate__(self) -> dict[str, object]:  # pickle the formula, not the function that writes it
        return {**self.__dict__, "_formula": self.formula}

    @property
    def direct(self) -> bool:
        """Whether the edge is one operand of its target, not folded from several."""
        return self.operand >= 0


@dataclass(frozen=True)
class Term:
    """One term of a step's sum: the target's gradient times the edge's derivative."""

    edge: int  # position in Diagram.edges
    upstream_grad: float
    derivative: float
    product: float


@dataclass(frozen=True)
class DiagramStep:
    """The backward pass completing one drawn node's gradient: ``gradient`` is the sum of ``terms``."""

    node: int  # position in Diagram.nodes
    gradient: float
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Diagram:
    """The drawn nodes (in topological order), edges, and steps (from the root down).

    Look-ups by name, the edges into and out of each node, and the formula
    writers are indexed once, on first use, so reading a whole diagram costs
    time in proportion to its size.
    """

    nodes: tuple[DiagramNode, ...]
    edges: tuple[DiagramEdge, ...]
    steps: tuple[DiagramStep, ...]
    root: int
    collapsed: bool
    trace: Trace = field(repr=False)
    _index: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def formula(self, position: int, style: Style = TEXT, values: bool = False) -> str:
        """What made the drawn node at ``position``, over drawn nodes (their values with ``values=True``).

        ``""`` for a leaf. Undrawn nodes are written out in full, constants as numbers.

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> d = diagram(x * x + 1)
        >>> d.formula(1), d.formula(2), d.formula(2, values=True)
        ('x × x', 'n1 + 1', '9 + 1')
        """
        self._check_position(position, "formula")
        _check_style(style, "formula")
        check_bool(values, "values", "Diagram.formula")
        return self._formula(position, style, values)

    def _formula(self, position: int, style: Style, values: bool) -> str:
        """``formula`` without the argument checks, for renderers that read every node."""
        index = self.nodes[position].index
        return "" if self.trace.nodes[index].is_leaf else self._writer(style, values).formula(index).text

    def derivative_formula(self, edge: DiagramEdge, style: Style = TEXT) -> str:
        """The edge's local derivative in symbols; ``""`` for an edge folded from several.

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> y = x.sin(); y.label = "y"
        >>> d = diagram(y)
        >>> d.derivative_formula(d.edges[0])
        'cos(x)'
        """
        _check_edge(edge, "derivative_formula")
        _check_style(style, "derivative_formula")
        if not edge.direct:
            return ""
        if style == TEXT and edge.formula:
            return edge.formula
        key = ("derivative", style, edge.target, edge.operand)
        written: str | None = self._index.get(key)
        if written is None:
            target = self.nodes[edge.target].index
            written = self._index[key] = _derivative(
                self.trace, self._writer(style, False), target, edge.operand, style
            )
        return written

    def position(self, name: str) -> int:
        """Where the node named ``name`` is in ``nodes``; ``KeyError`` listing the names if none is.

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> y = x.exp(); y.label = "y"
        >>> diagram(y).position("y")
        1
        """
        return self._position_of(name, "position")

    def _position_of(self, name: object, method: str) -> int:
        if not isinstance(name, str):
            raise TypeError(f"Diagram.{method}() takes the name of a node (a str), got {given(name)}")
        names = self._lookup("names")
        found = names.get(name, [])
        if len(found) == 1:
            return int(found[0])
        if not found:
            raise KeyError(
                f"no node named {name!r} in this drawing (its nodes: {_listed(node.name for node in self.nodes)})"
            )
        raise ValueError(f"{len(found)} nodes are named {name!r}; give them distinct labels")

    def step_of(self, name: str) -> DiagramStep:
        """The step that completes the gradient of the node named ``name``.

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> y = x * x; y.label = "y"
        >>> diagram(y).step_of("x").gradient
        6.0
        """
        step: DiagramStep = self._lookup("steps")[self._position_of(name, "step_of")]
        return step

    def edges_into(self, name: str) -> list[DiagramEdge]:
        """The edges whose target is the node named ``name``, in operand order.

        >>> from scalargrad import Value
        >>> a, b = Value(2.0, label="a"), Value(5.0, label="b")
        >>> c = a * b; c.label = "c"
        >>> [edge.derivative for edge in diagram(c).edges_into("c")]
        [5.0, 2.0]
        """
        into: list[list[int]] = self._lookup("into")
        return [self.edges[e] for e in into[self._position_of(name, "edges_into")]]

    def partial(self, edge: DiagramEdge, style: Style = TEXT) -> str:
        """The edge's derivative as a symbol: ``∂neto/∂w2``.

        Where the target uses the source more than once (``x * x``), each use
        is its own edge and its symbol says which operand it is
        (:func:`~scalargrad.viz.notation.partial`'s ``use``).

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> y = x.exp(); y.label = "y"
        >>> d = diagram(y)
        >>> d.partial(d.edges[0])
        '∂y/∂x'
        >>> z = x * x; z.label = "z"
        >>> [diagram(z).partial(edge) for edge in diagram(z).edges]
        ['∂z/∂x₍₁₎', '∂z/∂x₍₂₎']
        """
        _check_edge(edge, "partial")
        _check_style(style, "partial")
        return partial(self.nodes[edge.target].name, self.nodes[edge.source].name, style, self.use(edge))

    def use(self, edge: DiagramEdge) -> int | None:
        """The number that tells the edge's symbol from another derivative's; None when none is needed.

        Two cases need one. Where the target uses its source more than once
        (``x * x``), each edge is the operand it fills, from 1. And where the
        target is the root and the source reaches it along other edges too
        (``y = tanh(3t) - t``), the edge's ``∂y/∂t`` (the other operands held
        fixed) is not the gradient ``∂y/∂t`` (every path), so it is marked
        too: by its operand, or, for an edge folded from several, by which of
        the source's edges it is, from 1.

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> d = diagram(x * x + x)
        >>> [d.use(edge) for edge in d.edges]
        [1, 2, None, 2]
        """
        _check_edge(edge, "use")
        repeated: set[tuple[int, int]] = self._lookup("repeated")
        if edge.direct and (edge.target, edge.source) in repeated:
            return edge.operand + 1
        if edge.target != self.root:
            return None
        out: dict[int, list[int]] = self._lookup("out_edges")
        leaving = out.get(edge.source, [])
        if len(leaving) < 2:
            return None
        if edge.direct:
            return edge.operand + 1
        positions: dict[int, int] = self._lookup("edge_positions")
        return leaving.index(positions[id(edge)]) + 1

    def edge_caption(self, edge: DiagramEdge) -> str:
        """``∂neto/∂w2 = 0.512497``.

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> y = 2 * x; y.label = "y"
        >>> d = diagram(y)
        >>> d.edge_caption(d.edges[0])
        '∂y/∂x = 2'
        """
        _check_edge(edge, "edge_caption")
        return f"{self.partial(edge)} = {number(edge.derivative)}"

    def gradient_symbol(self, node: int, style: Style = TEXT) -> str:
        """d root / d node: ``∂E/∂neto``.

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> y = x.exp(); y.label = "y"
        >>> diagram(y).gradient_symbol(0)
        '∂y/∂x'
        """
        self._check_position(node, "gradient_symbol")
        _check_style(style, "gradient_symbol")
        return partial(self.nodes[self.root].name, self.nodes[node].name, style)

    def step_caption(self, step: DiagramStep) -> str:
        """The step as an equation: symbols, then numbers, then the result.

        The root's step is the seed (``∂E/∂E = 1``).

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> y = 2 * x; y.label = "y"
        >>> d = diagram(y)
        >>> d.step_caption(d.steps[0]), d.step_caption(d.steps[1])
        ('∂y/∂y = 1', '∂y/∂x = ∂y/∂y × ∂y/∂x = 1 × 2 = 2')
        """
        if not isinstance(step, DiagramStep):
            raise TypeError(f"Diagram.step_caption() takes a DiagramStep (from .steps), got {given(step)}")
        symbol = self.gradient_symbol(step.node)
        if step.node == self.root:
            return f"{symbol} = {number(step.gradient)}"
        root_name = self.nodes[self.root].name
        symbols = " + ".join(
            f"{partial(root_name, self.nodes[self.edges[t.edge].target].name)} × {self.partial(self.edges[t.edge])}"
            for t in step.terms
        )
        # A negative number after "×" or "+" goes in parentheses: 1 × (-0.336286).
        numbers = " + ".join(
            f"{number(t.upstream_grad) if k == 0 else _bracketed(t.upstream_grad)} × {_bracketed(t.derivative)}"
            for k, t in enumerate(step.terms)
        )
        return f"{symbol} = {symbols} = {numbers} = {number(step.gradient)}"

    def paths(self, name: str) -> tuple[list[tuple[int, ...]], int]:
        """Paths from the node named ``name`` up to the root, as edge positions; and how many there are.

        At most ``MAX_PATHS`` paths are listed (in a DAG their number can grow
        exponentially); the count is always exact. Each path lists its edges
        from the node named ``name`` up.

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> y = x * x.exp(); y.label = "y"
        >>> diagram(y).paths("x")
        ([(0, 2), (1,)], 2)
        """
        start = self._position_of(name, "paths")
        out: list[list[int]] = self._lookup("out")
        counts: list[int] = self._lookup("counts")
        edges = self.edges
        listed: list[tuple[int, ...]] = []
        # A path so far is a linked list (last edge, the path before it), so a step up costs O(1).
        stack: list[tuple[int, Any]] = [(start, None)]
        while stack and len(listed) < MAX_PATHS:
            position, path = stack.pop()
            if position == self.root:
                taken: list[int] = []
                while path is not None:
                    taken.append(path[0])
                    path = path[1]
                listed.append(tuple(reversed(taken)))
                continue
            for e in reversed(out[position]):
                target = edges[e].target
                if counts[target]:
                    stack.append((target, (e, path)))
        return listed, counts[start]

    def path_caption(self, name: str) -> str:
        """``∂E/∂w1 = (-0.336286)(0.245941)(0.5)(0.249844)(0.1) = -0.001033``: one product per path, summed.

        >>> from scalargrad import Value
        >>> x = Value(3.0, label="x")
        >>> y = 2 * x; y.label = "y"
        >>> diagram(y).path_caption("x")
        '∂y/∂x = (2) = 2'
        """
        position = self._position_of(name, "path_caption")
        listed, count = self.paths(name)
        symbol = self.gradient_symbol(position)
        gradient = number(self.nodes[position].grad)
        if position == self.root:
            return f"{symbol} = 1"
        products = [
            "".join(f"({number(self.edges[e].derivative)})" for e in reversed(path)) for path in listed
        ]
        if count > len(listed):
            products.append(f"… ({count - len(listed)} more paths)")
        return f"{symbol} = {' + '.join(products)} = {gradient}"

    # ------------------------------------------------------------ indexes

    def _lookup(self, what: str) -> Any:
        """One of the diagram's indexes, built on first use."""
        found = self._index.get(what)
        if found is None:
            found = self._index[what] = getattr(self, f"_build_{what}")()
        return found

    def _build_names(self) -> dict[str, list[int]]:
        names: dict[str, list[int]] = {}
        for position, node in enumerate(self.nodes):
            names.setdefault(node.name, []).append(position)
        return names

    def _build_edge_positions(self) -> dict[int, int]:
        return {id(edge): e for e, edge in enumerate(self.edges)}

    def _build_out_edges(self) -> dict[int, list[int]]:
        """Each node's edges out (positions in ``edges``), in order."""
        out: dict[int, list[int]] = {}
        for e, edge in enumerate(self.edges):
            out.setdefault(edge.source, []).append(e)
        return out

    def _build_repeated(self) -> set[tuple[int, int]]:
        """(target, source) positions of direct edges whose target uses the source more than once."""
        seen: set[tuple[int, int]] = set()
        repeated: set[tuple[int, int]] = set()
        for edge in self.edges:
            if edge.direct:
                pair = (edge.target, edge.source)
                (repeated if pair in seen else seen).add(pair)
        return repeated

    def _build_steps(self) -> dict[int, DiagramStep]:
        return {step.node: step for step in self.steps}

    def _build_into(self) -> list[list[int]]:
        into: list[list[int]] = [[] for _ in self.nodes]
        for e, edge in enumerate(self.edges):
            into[edge.target].append(e)
        return into

    def _build_out(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in self.nodes]
        for e, edge in enumerate(self.edges):
            out[edge.source].append(e)
        return out

    def _build_counts(self) -> list[int]:
        """How many paths lead from each drawn node up to the root (targets come after sources)."""
        out: list[list[int]] = self._lookup("out")
        counts = [0] * len(self.nodes)
        counts[self.root] = 1
        for position in range(len(self.nodes) - 1, -1, -1):
            if position != self.root:
                counts[position] = sum(counts[self.edges[e].target] for e in out[position])
        return counts

    def _writer(self, style: Style, values: bool) -> _Writer:
        key = ("writer", style, values)
        writer: _Writer | None = self._index.get(key)
        if writer is None:
            drawn: set[int] = self._lookup("drawn")
            writer = self._index[key] = _Writer(self.trace, drawn, style, values)
        return writer

    def _build_drawn(self) -> set[int]:
        return {node.index for node in self.nodes}

    def _check_position(self, position: object, method: str) -> None:
        if isinstance(position, bool) or not isinstance(position, int):
            raise TypeError(f"Diagram.{method}() takes a position in .nodes (an int), got {given(position)}")
        if not -len(self.nodes) <= position < len(self.nodes):
            raise IndexError(
                f"Diagram.{method}(): no node at position {position} (the diagram has {len(self.nodes)})"
            )


def diagram(root: Value | Trace, collapse: bool = False) -> Diagram:
    """The diagram of ``root``'s graph (or of a trace already taken), full or collapsed.

    >>> from scalargrad import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x; y.label = "y"
    >>> d = diagram(y)
    >>> [d.edge_caption(e) for e in d.edges], d.step_caption(d.step_of("x"))
    (['∂y/∂x₍₁₎ = 3', '∂y/∂x₍₂₎ = 3'], '∂y/∂x = ∂y/∂y × ∂y/∂x₍₁₎ + ∂y/∂y × ∂y/∂x₍₂₎ = 1 × 3 + 1 × 3 = 6')
    """
    if not isinstance(root, (Value, Trace)):
        raise TypeError(f"diagram() takes a scalargrad Value (or a Trace) as root, got {given(root)}")
    check_bool(collapse, "collapse", "diagram")
    return _diagram(root if isinstance(root, Trace) else trace(root), collapse)


def _diagram(record: Trace, collapse: bool) -> Diagram:
    shown = [i for i, node in enumerate(record.nodes) if i == record.root or not collapse or node.label]
    return _Builder(record, shown, collapse).build()


def visible(text: str) -> str:
    r"""``text`` with every character that cannot be shown replaced by one that can.

    C0 controls become their Unicode control pictures (a newline is ``␊``, a tab
    ``␉``), DEL ``␡``; C1 controls, lone surrogates and U+FFFE/U+FFFF become
    U+FFFD. Names are shown this way in every picture and derivation, so a
    label can neither break a line nor upset graphviz's XML reader.

    >>> visible("a\nb\x00c\x7f")
    'a␊b␀c␡'
    """
    if _INVISIBLE.search(text) is None:
        return text
    return _INVISIBLE.sub(_picture, text)


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def _check_style(style: object, method: str) -> None:
    if not isinstance(style, Style):
        raise TypeError(
            f"Diagram.{method}() takes a notation Style (notation.TEXT or notation.LATEX) as style, got {given(style)}"
        )


def _check_edge(edge: object, method: str) -> None:
    if not isinstance(edge, DiagramEdge):
        raise TypeError(f"Diagram.{method}() takes a DiagramEdge (from .edges), got {given(edge)}")


class _Writer:
    """Writes formulas over a diagram's drawn nodes: names (or values), constants as numbers.

    Each undrawn node's formula is written once and kept, and written without
    recursion (parents before children), whatever the depth of the graph.
    """

    def __init__(self, record: Trace, drawn: set[int], style: Style, values: bool) -> None:
        self.nodes = record.nodes
        self.drawn = drawn
        self.style = style
        self.values = values
        self.written: dict[int, Expr] = {}
        self.arguments: dict[int, tuple[list[Expr], list[float]]] = {}

    def operands(self, index: int) -> tuple[list[Expr], list[float]]:
        """Node ``index``'s operands as written, and their values; kept, since each of its edges asks."""
        found = self.arguments.get(index)
        if found is None:
            parents = self.nodes[index].parents
            found = self.arguments[index] = (
                [self.operand(p) for p in parents],
                [self.nodes[p].data for p in parents],
            )
        return found

    def operand(self, index: int) -> Expr:
        node = self.nodes[index]
        if node.is_leaf and not node.label:
            return Expr.number(node.data, self.style)
        if index in self.drawn or node.is_leaf:
            return Expr.number(node.data, self.style) if self.values else Expr.name(node.name, self.style)
        expression = self.formula(index)
        return expression if len(expression.text) <= _MAX_FORMULA else Expr("…")

    def formula(self, index: int) -> Expr:
        found = self.written.get(index)
        if found is not None:
            return found
        nodes, written, drawn = self.nodes, self.written, self.drawn
        stack = [index]
        while stack:
            i = stack[-1]
            if i in written:
                stack.pop()
                continue
            # Undrawn interior parents are written into this formula: write them first.
            missing = [
                p for p in nodes[i].parents if p not in written and p not in drawn and not nodes[p].is_leaf
            ]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            node = nodes[i]
            assert node.op is not None
            written[i] = op_expression(
                node.op, node.params, [self.operand(p) for p in node.parents], self.style
            )
        return written[index]


def _derivative(record: Trace, writer: _Writer, target_index: int, operand: int, style: Style) -> str:
    """d (node ``target_index``) / d (its operand ``operand``), in symbols."""
    target = record.nodes[target_index]
    assert target.op is not None
    operands, data = writer.operands(target_index)
    output = Expr.name(target.name, style)
    return derivative_expression(target.op, target.params, operands, output, operand, data, style).text


class _Builder:
    def __init__(self, record: Trace, shown: Sequence[int], collapse: bool) -> None:
        self.trace = record
        self.collapse = collapse
        self.position = {index: position for position, index in enumerate(shown)}
        # d consumer / d parent for each (consumer, operand position), and its mask
        self.local: dict[tuple[int, int], tuple[float, bool]] = {}
        for step in record.steps:
            for c in step.contributions:
                self.local[(c.consumer, c.position)] = (c.local_derivative, c.masked)

    def build(self) -> Diagram:
        record = self.trace
        drawn = set(self.position)
        writer = _Writer(record, drawn, TEXT, False)
        nodes = tuple(
            DiagramNode(
                index=index,
                name=record.nodes[index].name,
                formula="" if record.nodes[index].is_leaf else writer.formula(index).text,
                data=record.nodes[index].data,
                grad=record.nodes[index].grad,
                is_leaf=record.nodes[index].is_leaf,
            )
            for index in self.position
        )
        edges: list[DiagramEdge] = []
        for index in self.position:
            edges.extend(self._edges_into(index, writer))
        # Each node's terms: its outgoing edges, consumers from the root down (as
        # backward() adds them), a consumer's operands in order.
        outgoing: list[list[int]] = [[] for _ in nodes]
        for e, edge in enumerate(edges):
            outgoing[edge.source].append(e)
        steps = []
        for index in sorted(self.position, reverse=True):
            position = self.position[index]
            ordered = sorted(outgoing[position], key=lambda e: -edges[e].target)
            terms = tuple(
                Term(
                    e,
                    nodes[edges[e].target].grad,
                    edges[e].derivative,
                    _product(nodes[edges[e].target].grad, edges[e]),
                )
                for e in ordered
            )
            steps.append(DiagramStep(position, record.nodes[index].grad, terms))
        d = Diagram(nodes, tuple(edges), tuple(steps), self.position[record.root], self.collapse, record)
        d._index[("writer", TEXT, False)] = writer  # the same formulas, already written
        d._index["drawn"] = drawn
        return d

    def _edges_into(self, target: int, writer: _Writer) -> Iterator[DiagramEdge]:
        record = self.trace
        here = self.position[target]
        if not self.collapse:
            for k, parent in enumerate(record.nodes[target].parents):
                yield self._direct(parent, target, k, writer)
            return
        # Fold: push d target / d (node) down through undrawn nodes, largest index
        # first (a heap), so each undrawn node has all of its share before passing it on.
        share: dict[int, float] = {target: 1.0}
        into: dict[int, float] = {}
        direct: dict[int, list[int]] = {}  # drawn parent -> operand positions at target
        folded: set[int] = set()
        pending = [-target]
        while pending:
            current = -heapq.heappop(pending)
            for k, parent in enumerate(record.nodes[current].parents):
                d, masked = self.local[(current, k)]
                contribution = chain_rule(share[current], d, masked)
                flow = 0.0 if contribution is None else contribution
                if parent in self.position:
                    into[parent] = into.get(parent, 0.0) + flow
                    if current == target:
                        direct.setdefault(parent, []).append(k)
                    else:
                        folded.add(parent)
                elif not record.nodes[parent].is_leaf:
                    if parent not in share:
                        heapq.heappush(pending, -parent)
                        share[parent] = flow
                    else:
                        share[parent] += flow
        for parent in sorted(into):
            operands = direct.get(parent, [])
            if len(operands) == 1 and parent not in folded:
                yield self._direct(parent, target, operands[0], writer)
            else:
                yield DiagramEdge(self.position[parent], here, into[parent], "")

    def _direct(self, parent: int, target: int, k: int, writer: _Writer) -> DiagramEdge:
        """The edge from ``parent``, operand ``k`` of ``target``."""
        d, masked = self.local[(target, k)]
        record = self.trace

        def formula() -> str:
            return _derivative(record, writer, target, k, TEXT)

        return DiagramEdge(self.position[parent], self.position[target], d, formula, masked, operand=k)


def _bracketed(x: float) -> str:
    text = number(x)
    return f"({text})" if text.startswith("-") else text


def _product(upstream: float, edge: DiagramEdge) -> float:
    # A masked edge passes 0 whatever comes from above, as backward() does.
    contribution = chain_rule(upstream, edge.derivative, edge.masked)
    return 0.0 if contribution is None else float(contribution)
