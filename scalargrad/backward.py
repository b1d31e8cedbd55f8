"""The backward pass: the chain rule applied to a whole graph.

``backward(root)`` visits the nodes so that each node's gradient is complete
before it is passed on: a node comes after every node that consumed it. For
each node it multiplies its gradient by its op's local derivatives and adds
the products into its parents' gradients:

    parent.grad += node.grad * d node / d parent

``gradients(root, wrt)`` does the same without touching ``.grad``, and with
``create_graph=True`` builds the gradients out of Values, so that they can be
differentiated again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Union

from scalargrad.modes import state as _mode
from scalargrad.op import chain_rule
from scalargrad.value import Value, _operand_float, constant

__all__ = ["backward", "gradients", "topological_order"]

Gradient = Union[Value, float]


def topological_order(root: Value, *, zero_interior_grads: bool = False) -> list[Value]:
    """Every node ``root`` depends on, each listed after all of its parents.

    Iterative, so a graph of any depth is sorted without touching Python's
    recursion limit. The order is deterministic: parents are visited in
    operand order. With ``zero_interior_grads=True`` it also sets ``.grad``
    of every non-leaf node to 0.0 on the way (the reset a backward pass needs).

    >>> from scalargrad import Value
    >>> a, b = Value(1.0, label="a"), Value(2.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> d = c + a; d.label = "d"
    >>> [n.label for n in topological_order(d)]
    ['a', 'b', 'c', 'd']
    """
    order: list[Value] = []
    seen: set[Value] = set()
    # Depth-first, with each node pushed twice: first to visit its parents,
    # then (flag True, below them on the stack) to be listed once they are.
    # Two flat lists rather than a (node, iterator) pair per node: on a deep
    # chain those pairs would be hundreds of thousands of container objects
    # alive at once, which Python's cyclic garbage collector keeps re-scanning.
    stack = [root]
    done_with_parents = [False]
    while stack:
        node = stack.pop()
        if done_with_parents.pop():
            order.append(node)
        elif node not in seen:  # a node can be pushed by several children
            seen.add(node)
            a = node._a  # the parents: see Value.__slots__
            if a is None:
                order.append(node)  # a leaf is finished as soon as it is found
                continue
            if zero_interior_grads:  # backward's reset, done here to save a pass
                node.grad = 0.0
            stack.append(node)
            done_with_parents.append(True)
            # Pushed last operand first, so the first operand is visited first.
            if type(a) is tuple:
                for parent in reversed(a):
                    if parent not in seen:
                        stack.append(parent)
                        done_with_parents.append(False)
                continue
            b = node._b
            if b is not None and b not in seen:
                stack.append(b)
                done_with_parents.append(False)
            if a not in seen:
                stack.append(a)
                done_with_parents.append(False)
    return order


def backward(root: Value, gradient: float = 1.0) -> None:
    """Backpropagate from ``root`` into ``.grad`` (see ``Value.backward``).

    >>> from scalargrad import Value
    >>> x = Value(3.0)
    >>> y = x * x
    >>> backward(y, gradient=0.5)
    >>> y.grad, x.grad
    (0.5, 3.0)
    """
    seed = _operand_float(gradient)
    if seed is None:
        raise TypeError(
            f"backward() takes a real number as gradient, got {type(gradient).__name__} {gradient!r}"
        )
    # Interior nodes restart from zero; leaves accumulate across passes.
    order = topological_order(root, zero_interior_grads=True)
    root.grad += seed
    for node in reversed(order):
        if node._a is not None:
            node._op.backprop(node, node.grad)  # type: ignore[union-attr]  # interior: has an op
    if _mode.anomaly:
        _raise_first_anomaly(reversed(order), seed)


def _raise_first_anomaly(nodes_root_first: Iterable[Value], seed: float) -> None:
    """Find the first non-finite number of a finished backward pass, in the order it was made.

    Checking after the pass keeps the hot loop free of tests; the local
    derivatives are recomputed here, only in ``detect_anomaly`` mode.
    """
    if seed - seed != 0.0:
        raise FloatingPointError(f"backward was seeded with a non-finite gradient {seed!r}")
    for node in nodes_root_first:
        g = node.grad
        if g - g != 0.0:
            raise FloatingPointError(
                f"the gradient of {_name(node)} summed to {g!r} from finite contributions"
            )
        if not node.parents:
            continue
        op = node._op
        assert op is not None  # a node with parents has an op
        for parent, d, masked in zip(node.parents, op.local_derivatives(node), op.masked(node)):
            contribution = chain_rule(g, d, masked)
            if contribution is not None and contribution - contribution != 0.0:
                inputs = ", ".join(_name(p) for p in node.parents)
                raise FloatingPointError(
                    f"backward of {op.name} produced {contribution!r} for {_name(parent)} "
                    f"(inputs {inputs}; upstream gradient {g!r}, local derivative {d!r})"
                )


def _name(node: Value) -> str:
    return f"{node.label} = {node.data!r}" if node.label else repr(node.data)


def gradients(
    root: Value, wrt: Sequence[Value], create_graph: bool = False
) -> list[Gradient]:
    """d root / d w for each ``w`` in ``wrt``, leaving every ``.grad`` untouched.

    With ``create_graph=True`` the results are Values whose graph reaches back
    to ``wrt``, so they can be differentiated again; otherwise floats. Only the
    part of the graph between ``wrt`` and ``root`` is visited.

    >>> from scalargrad import Value
    >>> x = Value(3.0)
    >>> y = x ** 3
    >>> dy, = gradients(y, [x], create_graph=True)
    >>> dy.data, gradients(dy, [x])[0]        # 3x^2 and 6x
    (27.0, 18.0)
    """
    for i, w in enumerate(wrt):
        if not isinstance(w, Value):
            raise TypeError(
                f"gradients() takes Values to differentiate with respect to; wrt[{i}] is "
                f"{type(w).__name__} {w!r}"
            )
    order = topological_order(root)
    # Nodes that depend on some w: the only ones whose gradients matter.
    relevant = set(wrt)
    for node in order:
        if node.parents and any(p in relevant for p in node.parents):
            relevant.add(node)
    grads: dict[Value, Gradient] = {root: 1.0} if root in relevant else {}
    for node in reversed(order):
        g = grads.get(node)
        if g is None or not node.parents:
            continue
        op = node._op
        assert op is not None  # a node with parents has an op
        derivatives = op.graph_derivatives(node) if create_graph else op.local_derivatives(node)
        for parent, d, masked in zip(node.parents, derivatives, op.masked(node)):
            if parent not in relevant:
                continue
            contribution = chain_rule(g, d, masked)
            previous = grads.get(parent)
            if contribution is None:
                # Nothing flows, but the parent's gradient is 0, not unknown: as
                # in backward(), a later 0 × inf is nan.
                if previous is None:
                    grads[parent] = 0.0
                continue
            grads[parent] = contribution if previous is None else previous + contribution
    zero: Gradient = 0.0
    results = [grads.get(w, zero) for w in wrt]
    if create_graph:
        results = [r if isinstance(r, Value) else constant(r) for r in results]
    return results
