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

The worked example of seed 003, collapsed, is the tutorial's picture:

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

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from scalargrad.backward import chain_rule
from scalargrad.viz.notation import TEXT, Expr, Style, derivative_expression, number, op_expression, partial
from scalargrad.viz.trace import Trace, trace
from scalargrad.value import Value

__all__ = ["Diagram", "DiagramEdge", "DiagramNode", "DiagramStep", "Term", "diagram"]

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


@dataclass(frozen=True)
class DiagramEdge:
    """An edge ``source -> target`` (positions in ``Diagram.nodes``) and d target / d source.

    ``formula`` is the derivative in symbols (``"w2"``, ``"outo × (1 - outo)"``)
    for a direct edge (``operand`` says which operand of the target the source
    is), ``""`` for an edge folded from several (``operand`` is -1).
    """

    source: int
    target: int
    derivative: float
    formula: str
    masked: bool = False
    operand: int = -1  # for a direct edge, which operand of the target the source is

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
    """The drawn nodes (in topological order), edges, and steps (from the root down)."""

    nodes: tuple[DiagramNode, ...]
    edges: tuple[DiagramEdge, ...]
    steps: tuple[DiagramStep, ...]
    root: int
    collapsed: bool
    trace: Trace = field(repr=False)

    def formula(self, position: int, style: Style = TEXT, values: bool = False) -> str:
        """What made the drawn node at ``position``, over drawn nodes (their values with ``values=True``).

        ``""`` for a leaf. Undrawn nodes are written out in full, constants as numbers.
        """
        index = self.nodes[position].index
        return "" if self.trace.nodes[index].is_leaf else _Writer(self, style, values).formula(index).text

    def derivative_formula(self, edge: DiagramEdge, style: Style = TEXT) -> str:
        """The edge's local derivative in symbols; ``""`` for an edge folded from several."""
        if not edge.direct:
            return ""
        target = self.trace.nodes[self.nodes[edge.target].index]
        assert target.op is not None
        writer = _Writer(self, style, values=False)
        operands = [writer.operand(p) for p in target.parents]
        data = [self.trace.nodes[p].data for p in target.parents]
        output = Expr.name(target.name, style)
        return derivative_expression(target.op, target.params, operands, output, edge.operand, data, style).text

    def position(self, name: str) -> int:
        """Where the node named ``name`` is in ``nodes``; ``KeyError`` listing the names if none is."""
        found = [i for i, node in enumerate(self.nodes) if node.name == name]
        if len(found) == 1:
            return found[0]
        if not found:
            names = ", ".join(node.name for node in self.nodes)
            raise KeyError(f"no node named {name!r} in this drawing (its nodes: {names})")
        raise ValueError(f"{len(found)} nodes are named {name!r}; give them distinct labels")

    def step_of(self, name: str) -> DiagramStep:
        """The step that completes the gradient of the node named ``name``."""
        position = self.position(name)
        return next(step for step in self.steps if step.node == position)

    def edges_into(self, name: str) -> list[DiagramEdge]:
        """The edges whose target is the node named ``name``, in operand order."""
        position = self.position(name)
        return [edge for edge in self.edges if edge.target == position]

    def partial(self, edge: DiagramEdge, style: Style = TEXT) -> str:
        """The edge's derivative as a symbol: ``∂neto/∂w2``."""
        return partial(self.nodes[edge.target].name, self.nodes[edge.source].name, style)

    def edge_caption(self, edge: DiagramEdge) -> str:
        """``∂neto/∂w2 = 0.512497``."""
        return f"{self.partial(edge)} = {number(edge.derivative)}"

    def gradient_symbol(self, node: int, style: Style = TEXT) -> str:
        """d root / d node: ``∂E/∂neto``."""
        return partial(self.nodes[self.root].name, self.nodes[node].name, style)

    def step_caption(self, step: DiagramStep) -> str:
        """The step as an equation: symbols, then numbers, then the result.

        The root's step is the seed (``∂E/∂E = 1``).
        """
        symbol = self.gradient_symbol(step.node)
        if step.node == self.root:
            return f"{symbol} = {number(step.gradient)}"
        symbols = " + ".join(
            f"{self.gradient_symbol(self.edges[t.edge].target)} × {self.partial(self.edges[t.edge])}"
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
        exponentially); the count is always exact.
        """
        start = self.position(name)
        outgoing: list[list[int]] = [[] for _ in self.nodes]
        for i, edge in enumerate(self.edges):
            outgoing[edge.source].append(i)
        # Count first, from the root down (targets have larger positions), so listing can stop early.
        counts = [0] * len(self.nodes)
        counts[self.root] = 1
        for position in range(len(self.nodes) - 1, -1, -1):
            if position != self.root:
                counts[position] = sum(counts[self.edges[e].target] for e in outgoing[position])
        listed: list[tuple[int, ...]] = []
        stack: list[tuple[int, tuple[int, ...]]] = [(start, ())]
        while stack and len(listed) < MAX_PATHS:
            position, path = stack.pop()
            if position == self.root:
                listed.append(path)
                continue
            for e in reversed(outgoing[position]):
                stack.append((self.edges[e].target, path + (e,)))
        return listed, counts[start]

    def path_caption(self, name: str) -> str:
        """``∂E/∂w1 = (-0.336286)(0.245941)(0.5)(0.249844)(0.1) = -0.001033``: one product per path, summed."""
        listed, count = self.paths(name)
        symbol = self.gradient_symbol(self.position(name))
        gradient = number(self.nodes[self.position(name)].grad)
        if self.position(name) == self.root:
            return f"{symbol} = 1"
        products = [
            "".join(f"({number(self.edges[e].derivative)})" for e in reversed(path)) for path in listed
        ]
        if count > len(listed):
            products.append(f"… ({count - len(listed)} more paths)")
        return f"{symbol} = {' + '.join(products)} = {gradient}"


def diagram(root: Value | Trace, collapse: bool = False) -> Diagram:
    """The diagram of ``root``'s graph (or of a trace already taken), full or collapsed.

    >>> from scalargrad import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x; y.label = "y"
    >>> d = diagram(y)
    >>> [d.edge_caption(e) for e in d.edges], d.step_caption(d.step_of("x"))
    (['∂y/∂x = 3', '∂y/∂x = 3'], '∂y/∂x = ∂y/∂y × ∂y/∂x + ∂y/∂y × ∂y/∂x = 1 × 3 + 1 × 3 = 6')
    """
    record = root if isinstance(root, Trace) else trace(root)
    shown = [
        i for i, node in enumerate(record.nodes) if i == record.root or not collapse or node.label
    ]
    sketch = _Builder(record, shown, collapse).build()
    # Formulas are written by the diagram itself (it knows which nodes are drawn).
    return replace(
        sketch,
        nodes=tuple(replace(node, formula=sketch.formula(i)) for i, node in enumerate(sketch.nodes)),
        edges=tuple(replace(edge, formula=sketch.derivative_formula(edge)) for edge in sketch.edges),
    )


class _Writer:
    """Writes formulas over a diagram's drawn nodes: names (or values), constants as numbers."""

    def __init__(self, d: Diagram, style: Style, values: bool) -> None:
        self.trace = d.trace
        self.drawn = {node.index for node in d.nodes}
        self.style = style
        self.values = values

    def operand(self, index: int) -> Expr:
        node = self.trace.nodes[index]
        if node.is_leaf and not node.label:
            return Expr.number(node.data, self.style)
        if index in self.drawn:
            return Expr.number(node.data, self.style) if self.values else Expr.name(node.name, self.style)
        expression = self.formula(index)
        return expression if len(expression.text) <= _MAX_FORMULA else Expr("…")

    def formula(self, index: int) -> Expr:
        node = self.trace.nodes[index]
        assert node.op is not None
        return op_expression(node.op, node.params, [self.operand(p) for p in node.parents], self.style)


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
        nodes = tuple(
            DiagramNode(
                index=index,
                name=record.nodes[index].name,
                formula="",
                data=record.nodes[index].data,
                grad=record.nodes[index].grad,
                is_leaf=record.nodes[index].is_leaf,
            )
            for index in self.position
        )
        edges: list[DiagramEdge] = []
        for index in self.position:
            edges.extend(self._edges_into(index))
        steps = []
        for index in sorted(self.position, reverse=True):
            position = self.position[index]
            terms = tuple(
                Term(e, nodes[edge.target].grad, edge.derivative, _product(nodes[edge.target].grad, edge))
                for e, edge in sorted(
                    ((e, edge) for e, edge in enumerate(edges) if edge.source == position),
                    key=lambda item: -item[1].target,  # consumers from the root down, as backward() adds them
                )
            )
            steps.append(DiagramStep(position, record.nodes[index].grad, terms))
        return Diagram(nodes, tuple(edges), tuple(steps), self.position[record.root], self.collapse, record)

    def _edges_into(self, target: int) -> list[DiagramEdge]:
        record = self.trace
        here = self.position[target]
        if not self.collapse:
            return [self._direct(parent, target, k) for k, parent in enumerate(record.nodes[target].parents)]
        # Fold: push d target / d (node) down through undrawn nodes, largest index
        # first, so each undrawn node has all of its share before passing it on.
        share: dict[int, float] = {target: 1.0}
        into: dict[int, float] = {}
        direct: dict[int, list[int]] = {}  # drawn parent -> operand positions at target
        folded: set[int] = set()
        pending = [target]
        while pending:
            current = max(pending)
            pending.remove(current)
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
                        pending.append(parent)
                    share[parent] = share.get(parent, 0.0) + flow
        edges = []
        for parent in sorted(into):
            operands = direct.get(parent, [])
            if len(operands) == 1 and parent not in folded:
                edges.append(self._direct(parent, target, operands[0]))
            else:
                edges.append(DiagramEdge(self.position[parent], here, into[parent], ""))
        return edges

    def _direct(self, parent: int, target: int, k: int) -> DiagramEdge:
        """The edge from ``parent``, operand ``k`` of ``target``."""
        d, masked = self.local[(target, k)]
        return DiagramEdge(self.position[parent], self.position[target], d, "", masked, operand=k)


def _bracketed(x: float) -> str:
    text = number(x)
    return f"({text})" if text.startswith("-") else text


def _product(upstream: float, edge: DiagramEdge) -> float:
    # A masked edge passes 0 whatever comes from above, as backward() does.
    contribution = chain_rule(upstream, edge.derivative, edge.masked)
    return 0.0 if contribution is None else float(contribution)
