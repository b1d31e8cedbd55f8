"""micrograd's demo: a 2-16-16-1 MLP separates two interleaved half moons with an SVM loss.

The data are 100 points on two half circles, 50 each, with Gaussian noise
of standard deviation 0.1 added to both coordinates (what scikit-learn's
``make_moons(100, noise=0.1)`` draws; generated here, so no scikit-learn):

    label -1:  (cos t, sin t)               t in [0, pi]
    label +1:  (1 - cos t, 0.5 - sin t)

The model is ``nn.MLP(2, [16, 16, 1])`` (ReLU hidden layers, linear output,
uniform(-1, 1) weights as in micrograd), its output a score whose sign is
the predicted label. The loss is micrograd's:

    loss = mean of relu(1 - label * score)  +  1e-4 * sum of p^2 over all parameters

(``losses.hinge`` plus an L2 penalty), minimised by full-batch ``optim.SGD``
whose learning rate falls linearly from 1.0 to 0.109: lr(k) = 1.0 - 0.9 k / 100
at step k = 0 .. 99. Each step prints the loss and training accuracy of the
forward pass before its update, as micrograd's notebook does; after 100
steps the accuracy is 100%. Instead of micrograd's matplotlib contour plot,
the decision regions are drawn in text at the end.

    python examples/moons.py
    python examples/moons.py --seed 7 --epochs 200 --no-plot

Importable pieces (the tests use them): ``make_moons(n, noise, seed)``,
``build_model(seed)``, ``loss_and_accuracy(model, points, labels)``,
``learning_rate(k, steps)``, ``train(model, points, labels, steps)`` and
``run(seed, steps)``, which returns a ``Result``.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from _cli import positive_int, progress_bar, write

import scalargrad as sg
from scalargrad import losses, nn, optim

SAMPLES = 100
NOISE = 0.1
ALPHA = 1e-4  # weight of the L2 penalty
STEPS = 100
SEED = 1337  # the seed micrograd's notebook uses (for its own generators)

Point = tuple[float, float]


@dataclass
class Result:
    """One training run: the data, the model, and (loss, accuracy) before each step."""

    points: list[Point]
    labels: list[int]
    model: nn.MLP
    history: list[tuple[float, float]]

    @property
    def final_accuracy(self) -> float:
        """Training accuracy of the trained model (after the last step)."""
        _, accuracy = loss_and_accuracy(self.model, self.points, self.labels)
        return accuracy


def make_moons(n: int = SAMPLES, noise: float = NOISE, seed: int = SEED) -> tuple[list[Point], list[int]]:
    """``n`` noisy points on two interleaved half circles and their labels (-1 or +1).

    The first ``n // 2`` points belong to the upper moon (label -1), the rest
    to the lower one (label +1); on each moon the angles are evenly spaced
    over [0, pi], then every coordinate gets N(0, noise^2) noise.

    >>> points, labels = make_moons(6, noise=0.0)
    >>> labels
    [-1, -1, -1, 1, 1, 1]
    >>> [(round(x, 3), round(y, 3)) for x, y in points[:3]]
    [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)]
    """
    if n < 4:
        raise ValueError(f"need at least 4 points (2 per moon), got {n}")
    rng = random.Random(seed)
    upper, lower = n // 2, n - n // 2
    clean: list[tuple[Point, int]] = []
    for i in range(upper):
        t = math.pi * i / (upper - 1)
        clean.append(((math.cos(t), math.sin(t)), -1))
    for i in range(lower):
        t = math.pi * i / (lower - 1)
        clean.append(((1.0 - math.cos(t), 0.5 - math.sin(t)), 1))
    points = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)) for (x, y), _ in clean]
    return points, [label for _, label in clean]


def build_model(seed: int = SEED) -> nn.MLP:
    """micrograd's model: 2 inputs, two ReLU layers of 16, one linear output."""
    return nn.MLP(2, [16, 16, 1], seed=seed)


def loss_and_accuracy(
    model: nn.MLP, points: Sequence[Point], labels: Sequence[int], alpha: float = ALPHA
) -> tuple[sg.Value, float]:
    """(hinge loss + alpha * sum p^2, fraction of points on the right side of 0)."""
    scores = [model(list(p)) for p in points]
    data_loss = losses.hinge(scores, labels)
    penalty = alpha * sg.sum([p * p for p in model.parameters()])
    right = sum((s.data > 0) == (y > 0) for s, y in zip(scores, labels))
    return data_loss + penalty, right / len(labels)


def learning_rate(k: int, steps: int = STEPS) -> float:
    """micrograd's schedule, 1.0 - 0.9 k / steps: from 1.0 down to 0.1 + 0.9 / steps."""
    return 1.0 - 0.9 * k / steps


def train(
    model: nn.MLP,
    points: Sequence[Point],
    labels: Sequence[int],
    steps: int = STEPS,
    progress: bool = False,
    on_step: Callable[[int, float, float], None] | None = None,
) -> list[tuple[float, float]]:
    """Full-batch SGD with the decaying rate; returns (loss, accuracy) before each step.

    ``on_step(k, loss, accuracy)`` is called after every step, k from 0.
    """
    optimizer = optim.SGD(model.parameters(), lr=lambda k: learning_rate(k, steps))
    history: list[tuple[float, float]] = []
    with progress_bar(range(steps), desc="training", unit=" step", enabled=progress) as bar:
        for k in bar:
            loss, accuracy = loss_and_accuracy(model, points, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history.append((loss.data, accuracy))
            bar.set_postfix(loss=f"{loss.data:.4f}", acc=f"{accuracy:.0%}", refresh=False)
            if on_step is not None:
                on_step(k, loss.data, accuracy)
    return history


def run(
    seed: int = SEED,
    steps: int = STEPS,
    progress: bool = False,
    on_step: Callable[[int, float, float], None] | None = None,
) -> Result:
    """Make the data and the model from ``seed`` and train for ``steps`` steps."""
    points, labels = make_moons(seed=seed)
    model = build_model(seed)
    history = train(model, points, labels, steps, progress, on_step)
    return Result(points=points, labels=labels, model=model, history=history)


def decision_map(
    model: nn.MLP, points: Sequence[Point], labels: Sequence[int], width: int = 64, height: int = 22
) -> str:
    """The plane as text: '.' where the model says -1, blank where +1; points as o (-1) and x (+1)."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = min(xs) - 0.25, max(xs) + 0.25
    y0, y1 = min(ys) - 0.25, max(ys) + 0.25
    grid = []
    with sg.no_grad():
        for row in range(height):
            y = y1 - (y1 - y0) * (row + 0.5) / height
            grid.append(
                [
                    "." if model([x0 + (x1 - x0) * (col + 0.5) / width, y]).data <= 0 else " "
                    for col in range(width)
                ]
            )
    for (x, y), label in zip(points, labels):
        col = min(width - 1, int((x - x0) / (x1 - x0) * width))
        row = min(height - 1, int((y1 - y) / (y1 - y0) * height))
        grid[row][col] = "o" if label < 0 else "x"
    border = "+" + "-" * width + "+"
    return "\n".join([border, *("|" + "".join(line) + "|" for line in grid), border])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=STEPS,
        help=f"full-batch steps; the rate decays over them (default {STEPS})",
    )
    parser.add_argument(
        "--seed", type=int, default=SEED, help=f"seed of the data and of the initial weights (default {SEED})"
    )
    parser.add_argument(
        "--plot",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="draw the decision regions in text at the end (default: yes)",
    )
    args = parser.parse_args(argv)

    points, labels = make_moons(seed=args.seed)
    model = build_model(args.seed)
    print(model)
    print(f"{len(model.parameters())} parameters; {len(points)} points, seed {args.seed}\n")

    def report(k: int, loss: float, accuracy: float) -> None:
        write(f"step {k:>3}  loss {loss:.6f}  accuracy {accuracy * 100:5.1f}%")

    sys.stdout.flush()
    train(model, points, labels, args.epochs, progress=True, on_step=report)
    loss, accuracy = loss_and_accuracy(model, points, labels)
    print(f"\nafter {args.epochs} steps: loss {loss.data:.6f}  accuracy {accuracy * 100:.1f}%")
    if args.plot:
        print("\nDecision regions ('.' = -1, blank = +1; o = label -1, x = label +1):")
        print(decision_map(model, points, labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
