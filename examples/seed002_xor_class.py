"""XOR with a small ``NeuralNetwork`` class: 3 inputs, 4 sigmoid hidden units, 1 output (seed 002).

The class keeps the tutorial's shape (``feedforward``, ``backprop``,
``train``, ``predict``), but the arithmetic is scalargrad's: two bias-free
``nn.Linear`` layers with sigmoids in a ``nn.Sequential``, the loss from
``losses``, gradients from ``backward()``, and the update from ``optim.SGD``.

The third input is always 1, standing in for a bias. The loss is the one
whose gradient the tutorial writes out by hand, the plain sum of squared
errors over the four samples (no 1/2, no mean):

    E = sum over samples of (target - output)^2

and every epoch is one full-batch step ``w <- w - 0.1 * dE/dw``. The
tutorial starts from unseeded ``np.random.rand`` weights, uniform in [0, 1);
here they are uniform in [0, 1) from ``random.Random(seed)``, drawn in the
tutorial's layout (input-to-hidden as 3 rows of 4, then hidden-to-output as
4 rows of 1), so a run is reproducible. After 10000 epochs every seed tried
(0 to 39) classifies all four inputs correctly at the 0.5 threshold.

    python examples/seed002_xor_class.py
    python examples/seed002_xor_class.py --seed 7 --epochs 20000

Importable pieces (the tests use them): ``INPUTS``, ``TARGETS``, the
``NeuralNetwork`` class, and ``run(seed, epochs, lr)``, which trains one and
returns it.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence

from _cli import positive_float, positive_int, progress_bar

import scalargrad as sg
from scalargrad import losses, nn, optim

INPUTS = ((0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1))
TARGETS = (0, 1, 1, 0)
HIDDEN = 4
LEARNING_RATE = 0.1
EPOCHS = 10_000
SEED = 0


class NeuralNetwork:
    """A two-layer sigmoid network that trains itself on a fixed batch.

    ``inputs`` is a list of samples (each a list of numbers) and ``targets``
    one number per sample. Weights are uniform in [0, 1), from ``seed``.

    >>> net = NeuralNetwork([[0, 0, 1], [1, 1, 1]], [0, 1], seed=3)
    >>> loss = net.train(200)
    >>> net.predict([1, 1, 1]) > net.predict([0, 0, 1])
    True
    """

    def __init__(
        self,
        inputs: Sequence[Sequence[float]],
        targets: Sequence[float],
        learning_rate: float = LEARNING_RATE,
        hidden: int = HIDDEN,
        seed: int | None = SEED,
    ) -> None:
        if len(inputs) != len(targets):
            raise ValueError(f"{len(inputs)} inputs but {len(targets)} targets")
        self.inputs = [list(x) for x in inputs]
        self.targets = list(targets)
        rng = random.Random(seed)
        n_inputs = len(self.inputs[0])
        # The tutorial's layout: first[i][j] joins input i to hidden unit j.
        first = [[rng.random() for _ in range(hidden)] for _ in range(n_inputs)]
        second = [[rng.random()] for _ in range(hidden)]
        self.initial_weights = (first, second)
        self.model = nn.Sequential(
            nn.Linear.from_weights(_by_output(first), bias=None),
            nn.Sigmoid(),
            nn.Linear.from_weights(_by_output(second), bias=None),
            nn.Sigmoid(),
        )
        self.optimizer = optim.SGD(self.model.parameters(), lr=learning_rate)
        self.output: list[sg.Value] = []
        self.epochs_trained = 0

    def feedforward(self) -> list[sg.Value]:
        """Run every training input through the network; keep and return the outputs."""
        self.output = [self.model(x)[0] for x in self.inputs]
        return self.output

    def loss(self) -> sg.Value:
        """Sum of squared errors of the last ``feedforward``."""
        return losses.sse(self.output, self.targets)

    def backprop(self) -> float:
        """One gradient-descent step on the loss of the last ``feedforward``; returns that loss."""
        loss = self.loss()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.epochs_trained += 1
        return loss.data

    def train(self, epochs: int, progress: bool = False) -> float:
        """``epochs`` rounds of feedforward + backprop; returns the last loss."""
        loss = float("nan")
        with progress_bar(range(epochs), desc="training", unit=" epoch", enabled=progress) as bar:
            for epoch in bar:
                self.feedforward()
                loss = self.backprop()
                if epoch % 100 == 0:
                    bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
        return loss

    def predict(self, x: Sequence[float]) -> float:
        """The network's output for a new input (no graph is kept)."""
        with sg.no_grad():
            y: float = self.model(list(x))[0].data
        return y

    def weights(self) -> tuple[list[list[float]], list[list[float]]]:
        """The current weights in the tutorial's layout (inputs x hidden, hidden x 1)."""
        first_layer, second_layer = self.model[0], self.model[2]
        first = [list(col) for col in zip(*[[w.data for w in row] for row in first_layer.weight])]
        second = [[row[j].data for row in second_layer.weight] for j in range(first_layer.nout)]
        return first, second


def _by_output(matrix: Sequence[Sequence[float]]) -> list[list[float]]:
    """(inputs x outputs) turned into ``Linear``'s one row per output."""
    return [list(column) for column in zip(*matrix)]


def run(
    seed: int = SEED, epochs: int = EPOCHS, lr: float = LEARNING_RATE, progress: bool = False
) -> NeuralNetwork:
    """Train the XOR network from ``seed`` for ``epochs`` epochs and return it."""
    net = NeuralNetwork(INPUTS, TARGETS, learning_rate=lr, seed=seed)
    net.train(epochs, progress=progress)
    return net


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--epochs", type=positive_int, default=EPOCHS, help=f"full-batch epochs (default {EPOCHS})"
    )
    parser.add_argument(
        "--seed", type=int, default=SEED, help=f"seed of the initial weights (default {SEED})"
    )
    parser.add_argument(
        "--lr", type=positive_float, default=LEARNING_RATE, help=f"learning rate (default {LEARNING_RATE})"
    )
    args = parser.parse_args(argv)

    net = NeuralNetwork(INPUTS, TARGETS, learning_rate=args.lr, seed=args.seed)
    loss = net.train(args.epochs, progress=True)
    print(
        f"Trained {args.epochs} epochs from seed {args.seed}, lr {args.lr}; "
        f"sum of squared errors in the last epoch {loss:.6f}"
    )
    print("\nPredictions:")
    right = 0
    for x, t in zip(INPUTS, TARGETS):
        y = net.predict(x)
        label = int(y > 0.5)
        right += label == t
        print(
            f"    input {list(x)}  output {y:.8f}  -> {label}   expected {t}"
            f"{'' if label == t else '   WRONG'}"
        )
    print(f"{right} of {len(TARGETS)} right")
    return 0


if __name__ == "__main__":
    sys.exit(main())
