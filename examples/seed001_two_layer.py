"""A 3-4-1 sigmoid network without biases, trained by full-batch gradient descent (seed 001).

Each input has three entries, the last always 1 (it plays the part of a
bias); the target is 1 when exactly one of the first two entries is 1:

    [0, 0, 1] -> 0    [0, 1, 1] -> 1    [1, 0, 1] -> 1    [1, 1, 1] -> 0

The network is ``Linear(3, 4, bias=False) -> Sigmoid -> Linear(4, 1,
bias=False) -> Sigmoid``. The cost adds 1/2 (y - a)^2 over all four samples
(``losses.half_squared_error(..., reduction="sum")``), and every iteration is
one forward pass over the batch, one ``backward()`` and one ``optim.SGD``
step with learning rate 1, 1000 times.

The starting weights are the tutorial's: NumPy's ``np.random.seed(1)``
followed by ``random((3, 4))`` and ``random((4, 1))``. They are written out
below as plain numbers, in NumPy's layout (one row per input), so NumPy is
not needed. From them the run reproduces the tutorial's figures:

    output before training   0.758 0.771 0.791 0.801
    output after training    0.028 0.925 0.925 0.090
    input [1, 0, 1]          0.925

As in the tutorial, "output after training" is the output of the last
forward pass, computed just before the 1000th update; the answer for
[1, 0, 1] uses the weights after all 1000 updates.

    python examples/seed001_two_layer.py
    python examples/seed001_two_layer.py --epochs 5000 --lr 0.5

Importable pieces (the tests use them): ``INPUTS``, ``TARGETS``,
``HIDDEN_WEIGHTS``, ``OUTPUT_WEIGHTS``, ``build_network()``,
``train(iterations, lr)``, which returns a ``Run``, and ``predict(model, x)``.
There is no ``--seed``: the starting weights are fixed data.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from _cli import positive_float, positive_int, progress_bar

from scalargrad import losses, nn, optim

INPUTS = ((0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1))
TARGETS = (0, 1, 1, 0)
QUERY = (1, 0, 1)  # the input the tutorial asks about once training is done
LEARNING_RATE = 1.0
ITERATIONS = 1000

# NumPy's seed-1 stream, in NumPy's layout: HIDDEN_WEIGHTS[i][j] joins input i
# to hidden unit j, OUTPUT_WEIGHTS[j][0] joins hidden unit j to the output.
HIDDEN_WEIGHTS = (
    (0.417022004702574, 0.7203244934421581, 0.00011437481734488664, 0.30233257263183977),
    (0.14675589081711304, 0.0923385947687978, 0.1862602113776709, 0.34556072704304774),
    (0.39676747423066994, 0.538816734003357, 0.4191945144032948, 0.6852195003967595),
)
OUTPUT_WEIGHTS = (
    (0.20445224973151743,),
    (0.8781174363909454,),
    (0.027387593197926163,),
    (0.6704675101784022,),
)


@dataclass
class Run:
    """What one training run produced."""

    model: nn.Sequential
    initial_outputs: list[float]  # the first forward pass, before any update
    final_outputs: list[float]  # the last forward pass, before the last update
    costs: list[float]  # the cost of every iteration's forward pass

    @property
    def query_output(self) -> float:
        """The trained network's answer for [1, 0, 1]."""
        return predict(self.model, QUERY)


def _by_output(matrix: Sequence[Sequence[float]]) -> list[list[float]]:
    """NumPy's (inputs x outputs) layout turned into ``Linear``'s one row per output."""
    return [list(column) for column in zip(*matrix)]


def build_network(
    hidden_weights: Sequence[Sequence[float]] = HIDDEN_WEIGHTS,
    output_weights: Sequence[Sequence[float]] = OUTPUT_WEIGHTS,
) -> nn.Sequential:
    """The 3-4-1 sigmoid network, no biases, from weights in NumPy's layout."""
    return nn.Sequential(
        nn.Linear.from_weights(_by_output(hidden_weights), bias=None),
        nn.Sigmoid(),
        nn.Linear.from_weights(_by_output(output_weights), bias=None),
        nn.Sigmoid(),
    )


def predict(model: nn.Sequential, x: Sequence[float]) -> float:
    """The network's single output for one input."""
    y: float = model(list(x))[0].data
    return y


def train(
    iterations: int = ITERATIONS,
    lr: float = LEARNING_RATE,
    model: nn.Sequential | None = None,
    progress: bool = False,
) -> Run:
    """Full-batch gradient descent on 1/2 sum (y - a)^2, ``iterations`` times."""
    if model is None:
        model = build_network()
    optimizer = optim.SGD(model.parameters(), lr=lr)
    batch = [list(x) for x in INPUTS]
    costs: list[float] = []
    initial: list[float] = []
    outputs: list[float] = []
    with progress_bar(range(iterations), desc="training", unit=" it", enabled=progress) as bar:
        for i in bar:
            predictions = [model(x)[0] for x in batch]
            cost = losses.half_squared_error(predictions, TARGETS, reduction="sum")
            outputs = [y.data for y in predictions]
            if i == 0:
                initial = outputs
            costs.append(cost.data)
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            if i % 50 == 0:
                bar.set_postfix(cost=f"{cost.data:.4g}", refresh=False)
    return Run(model=model, initial_outputs=initial, final_outputs=outputs, costs=costs)


# ------------------------------------------------------------------ printing


def _column(numbers: Sequence[float]) -> str:
    return "\n".join(f"    {y:.3f}   ({y:.8f})" for y in numbers)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=ITERATIONS,
        help=f"full-batch iterations (default {ITERATIONS})",
    )
    parser.add_argument(
        "--lr", type=positive_float, default=LEARNING_RATE, help=f"learning rate (default {LEARNING_RATE:g})"
    )
    args = parser.parse_args(argv)

    run = train(args.epochs, args.lr, progress=True)
    print("Inputs and targets:")
    for x, t in zip(INPUTS, TARGETS):
        print(f"    {list(x)} -> {t}")
    print(f"\nOutput of the untrained network (cost {run.costs[0]:.6f}):")
    print(_column(run.initial_outputs))
    print(f"\nOutput in iteration {args.epochs} of {args.epochs} (cost {run.costs[-1]:.6f}):")
    print(_column(run.final_outputs))
    print(f"\nTrained network's output for input {list(QUERY)}:")
    print(_column([run.query_output]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
