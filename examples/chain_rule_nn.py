"""The w1/w2 chain of seed 003 again, assembled from ``nn``, ``losses`` and ``optim``.

``examples/chain_rule_w1_w2.py`` builds this network node by node to show
the chain rule at work. Here the same network is put together the way a
larger one would be:

    model = Sequential(Linear.from_weights([[w1]], bias=None), Sigmoid(),
                       Linear.from_weights([[w2]], bias=None), Sigmoid())
    E     = losses.half_squared_error(model([0.1])[0], 0.9)     # 1/2 (0.9 - out)^2
    SGD(model.parameters(), lr=0.9)

and it gives the same numbers: dE/dw2 = -0.042386..., dE/dw1 = -0.001033...,
w1 = 0.50092986..., w2 = 0.53814812... after one step, and E falls below
0.00005 on the 813th forward pass, with w1 = 0.8800250 and w2 = 4.0056202.

    python examples/chain_rule_nn.py
    python examples/chain_rule_nn.py --lr 2 --tolerance 1e-6

Importable pieces (the tests use them): ``build_model(w1, w2)``,
``weights(model)``, ``error(model)``, ``gradients(w1, w2)``,
``one_step(lr)`` and ``train(lr, tolerance)``, which returns
(iterations, w1, w2, output) like the node-by-node example's ``train``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Sequence

from _cli import positive_float, progress_bar

import scalargrad as sg
from scalargrad import losses, nn, optim
from scalargrad.cli.walkthrough import (  # the worked example's numbers
    I1,
    LEARNING_RATE,
    TARGET,
    TOLERANCE,
    W1,
    W2,
)


def build_model(w1: float = W1, w2: float = W2) -> nn.Sequential:
    """Two one-weight, bias-free layers, each followed by a sigmoid."""
    return nn.Sequential(
        nn.Linear.from_weights([[w1]], bias=None),
        nn.Sigmoid(),
        nn.Linear.from_weights([[w2]], bias=None),
        nn.Sigmoid(),
    )


def weights(model: nn.Sequential) -> tuple[float, float]:
    """(w1, w2) of a model made by ``build_model``."""
    first, second = model.parameters()
    return first.data, second.data


def error(model: nn.Sequential, i1: float = I1, target: float = TARGET) -> tuple[sg.Value, sg.Value]:
    """(E, output): the forward pass for input ``i1`` and its error 1/2 (target - output)^2."""
    out = model([i1])[0]
    return losses.half_squared_error(out, target), out


def gradients(w1: float = W1, w2: float = W2) -> tuple[float, float]:
    """(dE/dw1, dE/dw2) at the given weights, from ``backward()``."""
    model = build_model(w1, w2)
    e, _ = error(model)
    e.backward()
    first, second = model.parameters()
    return first.grad, second.grad


def one_step(lr: float = LEARNING_RATE, w1: float = W1, w2: float = W2) -> tuple[float, float]:
    """(w1, w2) after one ``optim.SGD`` step from the given weights."""
    model = build_model(w1, w2)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    e, _ = error(model)
    optimizer.zero_grad()
    e.backward()
    optimizer.step()
    return weights(model)


def train(
    lr: float = LEARNING_RATE,
    tolerance: float = TOLERANCE,
    w1: float = W1,
    w2: float = W2,
    max_iterations: int = 10_000_000,
    progress: bool = False,
) -> tuple[int, float, float, float]:
    """Step with SGD until E < tolerance; return (iterations, w1, w2, output).

    One iteration is one forward pass. The pass that finds E below the
    tolerance is counted and not followed by a step, so the weights returned
    are the ones that produced the returned output.
    """
    model = build_model(w1, w2)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    with progress_bar(itertools.count(1), desc="training", unit=" it", enabled=progress) as bar:
        for iteration in bar:
            if iteration > max_iterations:
                raise RuntimeError(f"E still >= {tolerance} after {max_iterations} iterations (lr={lr})")
            e, out = error(model)
            if iteration % 50 == 1:
                bar.set_postfix(E=f"{e.data:.3g}", refresh=False)
            if e.data < tolerance:
                return (iteration, *weights(model), out.data)
            optimizer.zero_grad()
            e.backward()
            optimizer.step()
    raise AssertionError("unreachable")  # pragma: no cover - itertools.count never ends


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

    model = build_model()
    print("The model:")
    print("  " + repr(model).replace("\n", "\n  "))
    print(f"  parameters: {model.state_dict()}")

    e, out = error(model)
    e.backward()
    print(f"\nForward pass for input {I1}, target {TARGET}:")
    print(f"  output  {out.data!r}")
    print(f"  E       {e.data!r}")
    print("\nGradients from E.backward(), read off the parameters:")
    for short, (name, p) in zip(("w1", "w2"), model.named_parameters()):
        print(f"  dE/d{short}  {p.grad!r}   (parameter {name!r})")

    w1, w2 = one_step(args.lr)
    print(f"\nAfter one optim.SGD step with lr {args.lr}:")
    print(f"  w1 {w1!r}")
    print(f"  w2 {w2!r}")

    print(f"\nTraining with lr {args.lr} until E < {args.tolerance}:")
    iterations, w1, w2, outo = train(args.lr, args.tolerance, progress=True)
    print(f"  iterations  {iterations}")
    print(f"  w1          {w1:.7f}")
    print(f"  w2          {w2:.7f}")
    print(f"  output      {outo:.7f}   (target {TARGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
