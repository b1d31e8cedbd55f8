"""The chain rule on the smallest network there is: one input, one hidden unit, one output.

    i1 --(x w1)--> neth --sigmoid--> outh --(x w2)--> neto --sigmoid--> outo

The error is E = 1/2 (target - outo)^2 with i1 = 0.1, target = 0.9 and both
weights starting at 0.5 (the worked example of seed 003). Every gradient
below comes from scalargrad's ``backward()``; the example then multiplies the
local derivatives along the path from E down to each weight, by hand, to show
that backpropagation is nothing more than that product.

    python examples/chain_rule_w1_w2.py                  # learning rate 0.9, stop at E < 0.00005
    python examples/chain_rule_w1_w2.py --lr 2 --tolerance 1e-6

The functions are importable (the tests use them):

    build(w1, w2)        the graph, as a dict from label to Value
    gradients(w1, w2)    dE/d(node) for every labelled node, via backward()
    one_step(lr)         the weights after one gradient-descent step
    train(lr, tolerance) (iterations, w1, w2, outo) once E < tolerance
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Sequence

from _cli import positive_float, progress_bar

import scalargrad as sg
from scalargrad.cli.walkthrough import (  # the worked example's numbers
    I1,
    LEARNING_RATE,
    TARGET,
    TOLERANCE,
    W1,
    W2,
)

# The nodes in the order the forward pass makes them.
FORWARD_ORDER = ("i1", "w1", "neth", "outh", "w2", "neto", "outo", "target", "err", "err^2", "half", "E")

# The route from E back to each weight, one labelled node per step.
PATH_TO_W2 = ("E", "err^2", "err", "outo", "neto", "w2")
PATH_TO_W1 = ("E", "err^2", "err", "outo", "neto", "outh", "neth", "w1")


def build(w1: float = W1, w2: float = W2, i1: float = I1, target: float = TARGET) -> dict[str, sg.Value]:
    """Run the forward pass and return every node of the graph by its label."""
    nodes: dict[str, sg.Value] = {}

    def keep(value: sg.Value, label: str) -> sg.Value:
        value.label = label
        nodes[label] = value
        return value

    x = keep(sg.Value(i1), "i1")
    a = keep(sg.Value(w1), "w1")
    neth = keep(x * a, "neth")
    outh = keep(neth.sigmoid(), "outh")
    b = keep(sg.Value(w2), "w2")
    neto = keep(outh * b, "neto")
    outo = keep(neto.sigmoid(), "outo")
    t = keep(sg.Value(target), "target")
    err = keep(t - outo, "err")
    squared = keep(err**2, "err^2")
    # The 1/2 is a labelled leaf too, so that no node of the graph is anonymous.
    half = keep(sg.Value(0.5), "half")
    keep(half * squared, "E")
    return nodes


def gradients(w1: float = W1, w2: float = W2) -> dict[str, sg.Value]:
    """Build the graph and backpropagate from E: each node's ``.grad`` is then dE/d(node)."""
    nodes = build(w1, w2)
    nodes["E"].backward()
    return nodes


def one_step(lr: float = LEARNING_RATE, w1: float = W1, w2: float = W2) -> tuple[float, float]:
    """The weights after one step of gradient descent, ``w <- w - lr * dE/dw``."""
    nodes = gradients(w1, w2)
    return w1 - lr * nodes["w1"].grad, w2 - lr * nodes["w2"].grad


def train(
    lr: float = LEARNING_RATE,
    tolerance: float = TOLERANCE,
    w1: float = W1,
    w2: float = W2,
    max_iterations: int = 10_000_000,
    progress: bool = False,
) -> tuple[int, float, float, float]:
    """Step until E < tolerance; return (iterations, w1, w2, outo).

    An iteration is one forward pass. The last one finds E below the
    tolerance and makes no update, so the weights returned are the ones that
    produced the returned output.
    """
    with progress_bar(itertools.count(1), desc="training", unit=" it", enabled=progress) as bar:
        for iteration in bar:
            if iteration > max_iterations:
                raise RuntimeError(
                    f"E still >= {tolerance} after {max_iterations} iterations "
                    f"(lr={lr}, w1={w1!r}, w2={w2!r})"
                )
            nodes = build(w1, w2)
            error = nodes["E"]
            if iteration % 50 == 1:
                bar.set_postfix(E=f"{error.data:.3g}", refresh=False)
            if error.data < tolerance:
                return iteration, w1, w2, nodes["outo"].data
            error.backward()
            w1 -= lr * nodes["w1"].grad
            w2 -= lr * nodes["w2"].grad
    raise AssertionError("unreachable")  # pragma: no cover - itertools.count never ends


def chain_factors(nodes: dict[str, sg.Value], path: Sequence[str]) -> list[tuple[str, float]]:
    """The local derivative of each step of ``path`` (from the top node down), as the engine gives it.

    Each factor is d child / d parent for one edge of the graph, read off
    ``Value.local_derivatives()``; their product is the chain rule done by hand.
    """
    factors = []
    for child_label, parent_label in zip(path, path[1:]):
        child, parent = nodes[child_label], nodes[parent_label]
        position = next(i for i, p in enumerate(child.parents) if p is parent)
        factors.append((f"d{child_label}/d{parent_label}", child.local_derivatives()[position]))
    return factors


def _product(numbers: Sequence[float]) -> float:
    result = 1.0
    for number in numbers:
        result *= number
    return result


def _show_chain(nodes: dict[str, sg.Value], path: Sequence[str]) -> None:
    top, bottom = path[0], path[-1]
    factors = chain_factors(nodes, path)
    width = max(len(name) for name, _ in factors)
    print(f"  dE/d{bottom}, one local derivative per edge from {top} down to {bottom}:")
    for name, factor in factors:
        print(f"      {name:<{width}}  {factor: .12f}")
    by_hand = _product([factor for _, factor in factors])
    print(f"    product of the {len(factors)} factors   {by_hand: .17g}")
    print(f"    backward() put in {bottom}.grad  {nodes[bottom].grad: .17g}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lr", type=positive_float, default=LEARNING_RATE, help=f"learning rate (default {LEARNING_RATE})"
    )
    parser.add_argument(
        "--tolerance",
        type=positive_float,
        default=TOLERANCE,
        help=f"train until E falls below this (default {TOLERANCE})",
    )
    args = parser.parse_args(argv)

    nodes = gradients()

    print(f"Forward pass (i1 = {I1}, target = {TARGET}, w1 = {W1}, w2 = {W2})")
    for label in FORWARD_ORDER:
        node = nodes[label]
        how = "input" if node.op is None else f"{node.op.name}({', '.join(p.label for p in node.parents)})"
        print(f"  {label:<7} = {node.data:<20.16g}  {how}")

    print("\nBackward pass: dE/d(node) for every node, from E.backward()")
    for label in reversed(FORWARD_ORDER):
        print(f"  dE/d{label:<7} = {nodes[label].grad: .17g}")

    print("\nThe same two weight gradients as products along the chain")
    _show_chain(nodes, PATH_TO_W2)
    _show_chain(nodes, PATH_TO_W1)

    w1, w2 = one_step(args.lr)
    print(f"\nOne step with learning rate {args.lr} (w <- w - lr * dE/dw)")
    print(f"  w1 = {W1} - {args.lr} * ({nodes['w1'].grad:.12g}) = {w1!r}")
    print(f"  w2 = {W2} - {args.lr} * ({nodes['w2'].grad:.12g}) = {w2!r}")

    print(f"\nTraining with learning rate {args.lr} until E < {args.tolerance}")
    iterations, w1, w2, outo = train(args.lr, args.tolerance, progress=True)
    print(f"  iterations  {iterations}")
    print(f"  w1          {w1:.7f}")
    print(f"  w2          {w2:.7f}")
    print(f"  output      {outo:.7f}   (target {TARGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
