"""The backward pass: the chain rule applied to a whole graph.

``backward(root)`` visits the nodes so that each node's gradient is complete
before it is passed on: a node comes after every node that consumed it. For
each node it multiplies its gradient by its op's local derivatives and adds
the products into its parents' gradients:

    parent.grad += node.grad * d node / d parent

The one step of that rule, :func:`chain_rule`, is written here once and
called by everything that applies it: the ops' ``backprop``, ``gradients``,
anomaly detection, ``trace`` and the diagrams. This module works on any node
with a parent slot and an op (it is below ``Value`` in the engine's layers).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from scalargrad.ieee import as_real
from scalargrad.modes import state as _mode

if TYPE_CHECKING:
    from scalargrad.value import Value

__all__ = ["backward", "chain_rule", "check_contribution", "topological_order"]


def chain_rule(upstream: Any, local: Any, masked: bool = False) -> Any:
    """One edge's share of a gradient: ``upstream × local``, or ``None`` where nothing flows.

    The one place the chain-rule step is written; ``backward``, ``gradients``,
    anomaly detection, ``trace`` and the diagrams' folding all call it. An
    edge the op *masks* (ReLU at x <= 0, ``x ** 0``) passes nothing, whatever
    comes from above, even ``inf`` or ``nan``, as PyTorch's ``where`` does.
    While a gradient is built as a graph, a masked local derivative that is
    itself a node still flows: its own derivative need not be zero. A factor
    of exactly 1 is skipped, so no node is built to multiply by one.

    >>> chain_rule(2.0, 3.0), chain_rule(float("inf"), 0.0, masked=True)
    (6.0, None)
    """
    if masked and type(local) is float:
        return None
    if type(local) is float and local == 1.0:
        return upstream
    if type(upstream) is float and upstream == 1.0:
        return local
    return upstream * local


def topological_order(
    root: Value,
    *,
    zero_interior_grads: bool = False,
    stop_at: Collection[Value] = (),
    within: Collection[Value] | None = None,
) -> list[Value]:
    """Every node ``root`` depends on, each listed after all of its parents.

    Iterative, so a graph of any depth is sorted without touching Python's
    recursion limit. The order is deterministic: parents are visited in
    operand order. With ``zero_interior_grads=True`` it also sets ``.grad``
    of every non-leaf node to 0.0 on the way (the reset a backward pass needs).
    Nodes in ``stop_at``, and with ``within`` every node outside it, are
    listed but their parents are not visited: a derivative with respect to
    nodes in ``stop_at`` never needs the history behind them.

    >>> from scalargrad import Value
    >>> a, b = Value(1.0, label="a"), Value(2.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> d = c + a; d.label = "d"
    >>> [n.label for n in topological_order(d)]
    ['a', 'b', 'c', 'd']
    """
    if not hasattr(root, "_a") or not hasattr(root, "_op"):
        raise TypeError(f"topological_order() takes a scalargrad Value, got {type(root).__name__} {root!r}")
    order: list[Value] = []
    seen: set[Value] = set()
    stop = bool(stop_at) or within is not None
    inside: Collection[Value] = within if within is not None else (root,)
    everything = within is None
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
            if a is None or (stop and (node in stop_at or not (everything or node in inside))):
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
    seed = as_real(gradient)
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
            check_contribution(node, parent, g, d, chain_rule(g, d, masked))


def check_contribution(node: Value, parent: Value, upstream: Any, local: Any, contribution: Any) -> None:
    """Under ``detect_anomaly``: raise if one edge's share of a gradient is ``nan`` or ``inf``.

    >>> from scalargrad import Value
    >>> x = Value(0.0, label="x"); y = x.sqrt(); y.label = "y"
    >>> check_contribution(y, x, 1.0, float("inf"), float("inf"))
    Traceback (most recent call last):
    ...
    FloatingPointError: backward of sqrt produced inf for x = 0.0 (inputs x = 0.0; upstream gradient 1.0, local derivative inf)
    """
    if contribution is None:
        return
    number = contribution.data if hasattr(contribution, "data") else contribution
    if number - number != 0.0:
        inputs = ", ".join(_name(p) for p in node.parents)
        upstream_number = upstream.data if hasattr(upstream, "data") else upstream
        local_number = local.data if hasattr(local, "data") else local
        name = node._op.name if node._op is not None else "?"
        raise FloatingPointError(
            f"backward of {name} produced {number!r} for {_name(parent)} "
            f"(inputs {inputs}; upstream gradient {upstream_number!r}, local derivative {local_number!r})"
        )


def _name(node: Value) -> str:
    return f"{node.label} = {node.data!r}" if node.label else repr(node.data)
