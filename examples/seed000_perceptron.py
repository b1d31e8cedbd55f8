"""A single sigmoid neuron learns AND and OR, and fails at XOR (seed 000).

The model is ``sigmoid(w0*a + w1*b + bias)`` for two binary inputs ``a, b``,
an ``nn.Neuron`` with sigmoid activation. Training visits the four rows of a
truth table in order and updates after each row, 150 times over, starting
from w0 = w1 = 0.01 and bias = 0. As in the tutorial, 1e-10 is added to both
inputs and to the target before use (to keep an input from being exactly
zero), and the error for one row is

    E = (y - t)^2            y: the neuron's output, t: the shifted target

The tutorial's update rule is not plain gradient descent. Its step is

    w <- w - lr * E * dE/dw          ("tutorial" rule, lr = 0.1)

where dE/dw comes from ``E.backward()``. The textbook rule is

    w <- w - lr * dE/dw              ("textbook" rule)

Multiplying by E changes what is minimised: d(E^2)/dw = 2 E dE/dw, so the
tutorial's step is exactly textbook gradient descent on E^2 = (y - t)^4 with
half the learning rate. That loss is very flat near its minimum, so the
steps shrink quickly as the outputs approach their targets: after 150 epochs
the tutorial's neuron has barely separated the classes (AND gives 0.517 for
input 1, 1 and 0.33 to 0.42 for the others), while the textbook rule, with the same
lr and epochs, has gone much further. Both rules are shown side by side.

XOR is not linearly separable, so no single neuron can represent it; after
50000 epochs all four outputs sit within a few thousandths of 0.5.

    python examples/seed000_perceptron.py
    python examples/seed000_perceptron.py --epochs 1000 --xor-epochs 5000

Importable pieces (the tests use them): ``GATES``, ``make_neuron()``,
``train(table, epochs, lr, rule)``, ``output(neuron, a, b)`` and
``fit_gate(name, epochs, lr, rule)``, which returns a ``GateFit``. There is
no ``--seed``: nothing here is random.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from _cli import positive_float, positive_int, progress_bar

from scalargrad import nn

SHIFT = 1e-10
INITIAL_WEIGHT = 0.01
INITIAL_BIAS = 0.0
LEARNING_RATE = 0.1
EPOCHS = 150
XOR_EPOCHS = 50_000
RULES = ("tutorial", "textbook")

# Truth tables as (a, b, target) rows, in the order training visits them.
GATES: dict[str, tuple[tuple[int, int, int], ...]] = {
    "AND": ((0, 0, 0), (0, 1, 0), (1, 0, 0), (1, 1, 1)),
    "OR": ((0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 1)),
    "XOR": ((0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)),
}

Table = Sequence[tuple[int, int, int]]


@dataclass
class GateFit:
    """The result of training one neuron on one gate."""

    gate: str
    rule: str
    epochs: int
    weights: list[float]
    bias: float
    outputs: list[float]  # the trained neuron's raw output for each row of the table

    @property
    def predictions(self) -> list[int]:
        """Each output read as a class: 1 above 0.5, else 0 (the tutorial's threshold)."""
        return [int(y > 0.5) for y in self.outputs]

    @property
    def squared_error(self) -> float:
        """Sum over the table of (output - target)^2, with the unshifted targets."""
        return sum((y - t) ** 2 for y, (_, _, t) in zip(self.outputs, GATES[self.gate]))


def make_neuron(weight: float = INITIAL_WEIGHT, bias: float = INITIAL_BIAS) -> nn.Neuron:
    """The tutorial's starting point: both weights 0.01, bias 0, sigmoid activation."""
    return nn.Neuron.from_weights([weight, weight], bias, activation="sigmoid")


def output(neuron: nn.Neuron, a: float, b: float) -> float:
    """The neuron's output for inputs ``a, b`` (shifted by 1e-10 like the tutorial's forward)."""
    y: float = neuron.forward([a + SHIFT, b + SHIFT]).data
    return y


def train(
    table: Table,
    epochs: int = EPOCHS,
    lr: float = LEARNING_RATE,
    rule: str = "tutorial",
    neuron: nn.Neuron | None = None,
    progress: bool = False,
) -> nn.Neuron:
    """Train a neuron on ``table``, one update per row, ``epochs`` passes; return it.

    ``rule`` is ``"tutorial"`` (step ``lr * E * dE/dw``) or ``"textbook"``
    (step ``lr * dE/dw``). The gradient always comes from ``E.backward()``.
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    if neuron is None:
        neuron = make_neuron()
    params = neuron.parameters()
    rows = [([a + SHIFT, b + SHIFT], t + SHIFT) for a, b, t in table]
    scaled = rule == "tutorial"
    with progress_bar(range(epochs), desc=f"{rule} rule", unit=" epoch", enabled=progress) as bar:
        for epoch in bar:
            total = 0.0
            for x, target in rows:
                error = (neuron(x) - target) ** 2
                for p in params:
                    p.grad = 0.0
                error.backward()
                step = lr * error.data if scaled else lr
                for p in params:
                    p.data -= step * p.grad
                total += error.data
            if epoch % 500 == 0:
                bar.set_postfix(E=f"{total:.4g}", refresh=False)
    return neuron


def fit_gate(
    gate: str,
    epochs: int = EPOCHS,
    lr: float = LEARNING_RATE,
    rule: str = "tutorial",
    progress: bool = False,
) -> GateFit:
    """Train a fresh neuron on one of ``GATES`` and collect its weights and outputs."""
    table = GATES[gate]
    neuron = train(table, epochs, lr, rule, progress=progress)
    return GateFit(
        gate=gate,
        rule=rule,
        epochs=epochs,
        weights=[w.data for w in neuron.w],
        bias=neuron.b.data if neuron.b is not None else 0.0,
        outputs=[output(neuron, a, b) for a, b, _ in table],
    )


# ------------------------------------------------------------------ printing


def _show_fit(fit: GateFit, with_table: bool = True) -> None:
    table = GATES[fit.gate]
    if with_table:
        print(f"{fit.gate} gate, truth table (a, b -> target):")
        for a, b, t in table:
            print(f"    {a} {b} -> {t}")
    w0, w1 = fit.weights
    print(f"  after {fit.epochs} epochs: weights [{w0:.8f}, {w1:.8f}]   bias {fit.bias:.8f}")
    for (a, b, t), y, label in zip(table, fit.outputs, fit.predictions):
        verdict = "right" if label == t else "WRONG"
        print(f"    input ({a}, {b})  target {t}  output {round(y, 6)!s:<9} -> {label}  {verdict}")


def _compare_rules(tutorial: GateFit, textbook: GateFit) -> None:
    def weights(fit: GateFit) -> str:
        return f"[{fit.weights[0]:.4f}, {fit.weights[1]:.4f}]"

    print(f"  {tutorial.gate:<18}{'tutorial rule':>18}{'textbook rule':>18}")
    print(f"    {'weights':<16}{weights(tutorial):>18}{weights(textbook):>18}")
    print(f"    {'bias':<16}{tutorial.bias:>18.4f}{textbook.bias:>18.4f}")
    for i, (a, b, t) in enumerate(GATES[tutorial.gate]):
        name = f"output ({a},{b})->{t}"
        print(f"    {name:<16}{tutorial.outputs[i]:>18.6f}{textbook.outputs[i]:>18.6f}")
    print(f"    {'sum (y - t)^2':<16}{tutorial.squared_error:>18.6f}{textbook.squared_error:>18.6f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=EPOCHS,
        help=f"passes over the AND and OR tables (default {EPOCHS})",
    )
    parser.add_argument(
        "--xor-epochs",
        type=positive_int,
        default=XOR_EPOCHS,
        help=f"passes over the XOR table (default {XOR_EPOCHS})",
    )
    parser.add_argument(
        "--lr", type=positive_float, default=LEARNING_RATE, help=f"learning rate (default {LEARNING_RATE})"
    )
    args = parser.parse_args(argv)

    print(
        f"One sigmoid neuron, weights start at {INITIAL_WEIGHT}, bias at {INITIAL_BIAS}, "
        f"lr {args.lr}, tutorial rule (w -= lr * E * dE/dw)\n"
    )
    fits = {}
    for gate in ("AND", "OR"):
        fits[gate] = fit_gate(gate, args.epochs, args.lr, "tutorial")
        _show_fit(fits[gate])
        print()

    print(f"XOR, {args.xor_epochs} epochs with the same neuron and rule:")
    # (the tutorial's own XOR printout lists AND's truth column by mistake; these are XOR's)
    xor = fit_gate("XOR", args.xor_epochs, args.lr, "tutorial", progress=True)
    _show_fit(xor, with_table=False)
    spread = max(abs(y - 0.5) for y in xor.outputs)
    print(f"  every output is within {spread:.4f} of 0.5: a straight line cannot split XOR\n")

    print("The same runs with the textbook rule (w -= lr * dE/dw):")
    print("the tutorial's step is gradient descent on E^2 = (y - t)^4 at lr/2, which")
    print("slows to a crawl near the targets; the textbook rule keeps moving.")
    for gate in ("AND", "OR"):
        _compare_rules(fits[gate], fit_gate(gate, args.epochs, args.lr, "textbook"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
