"""The seed tutorials' hand-derived backprop, checked against scalargrad's graph.

Every tutorial this project grew from derives the gradient of its network
by hand and then codes the result. Here each derivation is written out as a
learner would write it, from the maths, as a function of plain floats
(``*_by_hand``), and the same quantity is written once more with Values
(``*_loss``), whose graph gives the true gradient.
``scalargrad.testing.assert_gradient_formula`` compares the two:

    seed 000  one sigmoid neuron, E = (y - t)^2             dE/dw = 2 (y - t) y (1 - y) x
    seed 001  the 3-4-1 net, C = sum 1/2 (y - a2)^2         dC/dW2 = a1^T (delta2 o s'(z2)), ...
    seed 002  the NeuralNetwork class, E = sum (y - out)^2  its d_weights are minus the gradient
    seed 003  the w1/w2 chain, E = 1/2 (target - outo)^2    dE/dw2, dE/dw1 by the chain rule

Run it to see each check pass at the tutorial's own numbers, at random
points drawn by hypothesis, and one mistake of each kind caught, with the
chain rule that shows where the derivation went astray:

    python examples/check_formulas.py

Importable pieces (tests/test_check_formulas.py uses them): for each seed,
the ``*_loss`` function of Values, the ``*_by_hand`` formula and the
tutorial's starting point; ``MISTAKES``, formulas with a classic slip each.
"""

from __future__ import annotations

import math
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

import scalargrad as sg
from scalargrad.testing import assert_gradient_formula


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# ============================================================ seed 000
# One sigmoid neuron y = s(w0 x0 + w1 x1 + b) and E = (y - t)^2, for one
# row of a truth table. The tutorial shifts inputs and target by 1e-10.

PERCEPTRON_ROW = (1 + 1e-10, 1 + 1e-10, 1 + 1e-10)  # x0, x1, target: the AND row (1, 1, 1)
PERCEPTRON_START = (0.01, 0.01, 0.0)  # w0, w1, b as the tutorial starts


def perceptron_loss(w0, w1, b, row=PERCEPTRON_ROW):
    x0, x1, t = row
    y = sg.sigmoid(w0 * x0 + w1 * x1 + b)
    return (y - t) ** 2


def perceptron_by_hand(w0, w1, b, row=PERCEPTRON_ROW):
    # dE/dy = 2 (y - t); dy/dz = y (1 - y); dz/dw_i = x_i; dz/db = 1
    x0, x1, t = row
    y = sigmoid(w0 * x0 + w1 * x1 + b)
    delta = 2 * (y - t) * y * (1 - y)
    return delta * x0, delta * x1, delta


def perceptron_tutorial_step(w0, w1, b, row=PERCEPTRON_ROW):
    """The tutorial's step direction, error^2 * dE/dw: the gradient of E^2 / 2, not of E."""
    x0, x1, t = row
    y = sigmoid(w0 * x0 + w1 * x1 + b)
    error_2 = (y - t) ** 2
    return tuple(error_2 * d for d in perceptron_by_hand(w0, w1, b, row))


def perceptron_fourth_power(w0, w1, b, row=PERCEPTRON_ROW):
    return perceptron_loss(w0, w1, b, row) ** 2 / 2


# ============================================================ seed 001
# The 3-4-1 sigmoid net without biases, the whole batch at once:
# z1 = X W1, a1 = s(z1), z2 = a1 W2, a2 = s(z2), C = sum 1/2 (y - a2)^2.
# Its 16 weights are the inputs: W1 row by row (3 x 4), then W2 (4 x 1).

NET_X = ((0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1))
NET_Y = (0, 1, 1, 0)
NET_START = (  # NumPy's np.random.seed(1), random((3, 4)) then random((4, 1)), as the tutorial draws them
    0.417022004702574,
    0.7203244934421581,
    0.00011437481734488664,
    0.30233257263183977,
    0.14675589081711304,
    0.0923385947687978,
    0.1862602113776709,
    0.34556072704304774,
    0.39676747423066994,
    0.538816734003357,
    0.4191945144032948,
    0.6852195003967595,
    0.20445224973151743,
    0.8781174363909454,
    0.027387593197926163,
    0.6704675101784022,
)


NET_NAMES = tuple(f"W1[{i}][{j}]" for i in range(3) for j in range(4)) + tuple(f"W2[{j}]" for j in range(4))


def _unpack(weights):
    w1 = [list(weights[4 * i : 4 * i + 4]) for i in range(3)]
    w2 = list(weights[12:16])
    return w1, w2


def net_loss(*weights):
    w1, w2 = _unpack(weights)
    cost = 0
    for x, y in zip(NET_X, NET_Y):
        a1 = [sg.sigmoid(sum(x[i] * w1[i][j] for i in range(3))) for j in range(4)]
        a2 = sg.sigmoid(sum(a1[j] * w2[j] for j in range(4)))
        cost = cost + 0.5 * (y - a2) ** 2
    return cost


def net_by_hand(*weights):
    # delta2 = (a2 - y) s'(z2) = (a2 - y) a2 (1 - a2)      per sample
    # dC/dW2[j] = sum over samples of a1[j] delta2
    # delta1[j] = delta2 W2[j] s'(z1[j]) = delta2 W2[j] a1[j] (1 - a1[j])
    # dC/dW1[i][j] = sum over samples of x[i] delta1[j]
    w1, w2 = _unpack(weights)
    d1 = [[0.0] * 4 for _ in range(3)]
    d2 = [0.0] * 4
    for x, y in zip(NET_X, NET_Y):
        a1 = [sigmoid(sum(x[i] * w1[i][j] for i in range(3))) for j in range(4)]
        a2 = sigmoid(sum(a1[j] * w2[j] for j in range(4)))
        delta2 = (a2 - y) * a2 * (1 - a2)
        for j in range(4):
            d2[j] += a1[j] * delta2
            delta1 = delta2 * w2[j] * a1[j] * (1 - a1[j])
            for i in range(3):
                d1[i][j] += x[i] * delta1
    return [d for row in d1 for d in row] + d2


# ============================================================ seed 002
# The NeuralNetwork class: 3 inputs, 4 hidden, 1 output, E = sum (y - out)^2.
# Its backprop computes d_weights = layer^T (2 (y - out) s'(out)) ..., with
# sigmoid_derivative(v) = v (1 - v) applied to outputs, and then *adds*
# lr * d_weights: d_weights is minus the gradient.

CLASS_X = NET_X
CLASS_Y = (0, 1, 1, 0)
CLASS_START = tuple(0.1 * k % 1 for k in range(1, 17))  # any weights do; these are easy to read


def class_loss(*weights):
    w1, w2 = _unpack(weights)
    error = 0
    for x, y in zip(CLASS_X, CLASS_Y):
        layer1 = [sg.sigmoid(sum(x[i] * w1[i][j] for i in range(3))) for j in range(4)]
        output = sg.sigmoid(sum(layer1[j] * w2[j] for j in range(4)))
        error = error + (y - output) ** 2
    return error


def class_d_weights(*weights):
    """What the tutorial's backprop() computes, d_weights1 then d_weights2: the direction it adds."""
    w1, w2 = _unpack(weights)
    d1 = [[0.0] * 4 for _ in range(3)]
    d2 = [0.0] * 4
    for x, y in zip(CLASS_X, CLASS_Y):
        layer1 = [sigmoid(sum(x[i] * w1[i][j] for i in range(3))) for j in range(4)]
        output = sigmoid(sum(layer1[j] * w2[j] for j in range(4)))
        out_term = 2 * (y - output) * output * (1 - output)  # 2 (y - out) sigmoid_derivative(out)
        for j in range(4):
            d2[j] += layer1[j] * out_term
            hidden_term = out_term * w2[j] * layer1[j] * (1 - layer1[j])
            for i in range(3):
                d1[i][j] += x[i] * hidden_term
    return [d for row in d1 for d in row] + d2


def class_by_hand(*weights):
    """The gradient of E, from the tutorial's formulas: minus its d_weights."""
    return [-d for d in class_d_weights(*weights)]


# ============================================================ seed 003
# The 1-1-1 chain: neth = i1 w1, outh = s(neth), neto = outh w2, outo = s(neto),
# E = 1/2 (target - outo)^2, with i1 = 0.1, target = 0.9.

I1, TARGET = 0.1, 0.9
CHAIN_START = (0.5, 0.5)  # w1, w2


def chain_loss(w1, w2):
    outh = sg.sigmoid(I1 * w1)
    outo = sg.sigmoid(outh * w2)
    return 0.5 * (TARGET - outo) ** 2


def chain_by_hand(w1, w2):
    # dE/dw2 = dE/douto douto/dneto dneto/dw2 = -(target - outo) outo (1 - outo) outh
    # dE/dw1 = dE/douto douto/dneto dneto/douth douth/dneth dneth/dw1
    #        = -(target - outo) outo (1 - outo) w2 outh (1 - outh) i1
    outh = sigmoid(I1 * w1)
    outo = sigmoid(outh * w2)
    de_dneto = -(TARGET - outo) * outo * (1 - outo)
    return de_dneto * w2 * outh * (1 - outh) * I1, de_dneto * outh


# ============================================================ mistakes
# One classic slip in each derivation: each is caught, and the message shows
# which partials are wrong and the chain rule the graph applies.


def perceptron_forgot_sigmoid(w0, w1, b, row=PERCEPTRON_ROW):
    x0, x1, t = row
    y = sigmoid(w0 * x0 + w1 * x1 + b)
    delta = 2 * (y - t)  # the factor y (1 - y) of the sigmoid is missing
    return delta * x0, delta * x1, delta


def net_forgot_hidden_derivative(*weights):
    w1, w2 = _unpack(weights)
    d1 = [[0.0] * 4 for _ in range(3)]
    d2 = [0.0] * 4
    for x, y in zip(NET_X, NET_Y):
        a1 = [sigmoid(sum(x[i] * w1[i][j] for i in range(3))) for j in range(4)]
        a2 = sigmoid(sum(a1[j] * w2[j] for j in range(4)))
        delta2 = (a2 - y) * a2 * (1 - a2)
        for j in range(4):
            d2[j] += a1[j] * delta2
            delta1 = delta2 * w2[j]  # the hidden sigmoid's derivative a1 (1 - a1) is missing
            for i in range(3):
                d1[i][j] += x[i] * delta1
    return [d for row in d1 for d in row] + d2


def chain_derivative_of_input(w1, w2):
    outh = sigmoid(I1 * w1)
    outo = sigmoid(outh * w2)
    neto, neth = outh * w2, I1 * w1
    # s'(v) written with the sigmoid's input instead of its output
    de_dneto = -(TARGET - outo) * neto * (1 - neto)
    return de_dneto * w2 * neth * (1 - neth) * I1, de_dneto * outh


# name: (the loss with Values, the formula, the starting point, the inputs' names or None)
MISTAKES = {
    "seed 000: the sigmoid's derivative left out": (
        perceptron_loss,
        perceptron_forgot_sigmoid,
        PERCEPTRON_START,
        None,
    ),
    "seed 001: the hidden layer's sigmoid derivative left out": (
        net_loss,
        net_forgot_hidden_derivative,
        NET_START,
        NET_NAMES,
    ),
    "seed 002: d_weights taken for the gradient (it is minus the gradient)": (
        class_loss,
        class_d_weights,
        CLASS_START,
        NET_NAMES,
    ),
    "seed 003: s'(v) = v (1 - v) written with the input v": (
        chain_loss,
        chain_derivative_of_input,
        CHAIN_START,
        None,
    ),
}

CHECKS = {
    "seed 000, one neuron": (perceptron_loss, perceptron_by_hand, PERCEPTRON_START, None),
    "seed 000, the tutorial's step is the gradient of E^2 / 2": (
        perceptron_fourth_power,
        perceptron_tutorial_step,
        PERCEPTRON_START,
        None,
    ),
    "seed 001, the 3-4-1 net": (net_loss, net_by_hand, NET_START, NET_NAMES),
    "seed 002, the NeuralNetwork class": (class_loss, class_by_hand, CLASS_START, NET_NAMES),
    "seed 003, the w1/w2 chain": (chain_loss, chain_by_hand, CHAIN_START, None),
}


def check_at_random_points(examples: int = 50) -> None:
    """Each formula at points hypothesis draws: assert_gradient_formula works inside @given."""
    weight = st.floats(-3.0, 3.0, allow_nan=False, allow_subnormal=False)
    for loss, by_hand, start, names in CHECKS.values():

        @settings(max_examples=examples, derandomize=True, database=None, deadline=None)
        @given(st.tuples(*[weight] * len(start)))
        def check(point: tuple[float, ...]) -> None:
            assert_gradient_formula(loss, by_hand, *point, names=names)  # noqa: B023 - run at once, below

        check()


def main() -> int:
    for name, (loss, by_hand, start, names) in CHECKS.items():
        assert_gradient_formula(loss, by_hand, *start, names=names)
        print(f"ok    {name}, at the tutorial's starting point")
    check_at_random_points()
    print("ok    every formula at 50 random points each, drawn by hypothesis")
    for name, (loss, by_hand, start, names) in MISTAKES.items():
        try:
            assert_gradient_formula(loss, by_hand, *start, names=names)
        except AssertionError as caught:
            first = str(caught).splitlines()
            print(f"\ncaught  {name}:")
            print("\n".join("    " + line for line in first[:6]))
        else:  # pragma: no cover - each mistake is a mistake
            print(f"MISSED  {name}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
