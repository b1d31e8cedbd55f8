"""The tutorial examples in examples/ reproduce their tutorials' figures.

Each example's importable core is run here and its numbers are checked
against the figures the tutorials print (full precision where
../shared/README.md gives it) or against references written below from the
maths alone, in plain floats, without scalargrad. Printed text is not
checked, except that every script runs to completion.
"""

from __future__ import annotations

import importlib.util
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str):
    path = EXAMPLES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is made
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# ====================================================== seed 000: one neuron

# The tutorial's printout (AND, OR after 150 epochs; XOR after 50000).
AND_WEIGHTS, AND_BIAS = (0.39349878, 0.39069549), -0.71500872
AND_OUTPUTS = (0.328493, 0.419625, 0.420308, 0.517289)
OR_WEIGHTS, OR_BIAS = (0.62831802, 0.62989494), -0.02036241
OR_OUTPUTS = (0.49491, 0.647834, 0.647474, 0.77519)
XOR_WEIGHTS, XOR_BIAS = (-0.01261855, -0.00630927), 0.00630927
XOR_OUTPUTS = (0.501577, 0.5, 0.498423, 0.496845)


@pytest.fixture(scope="module")
def perceptron():
    return _load("seed000_perceptron")


def _neuron_reference(table, epochs, lr=0.1, rule="tutorial"):
    """The seed-000 training loop with its derivatives written out, in the tutorial's operation order."""
    w0 = w1 = 0.01
    b = 0.0
    for _ in range(epochs):
        for a, c, t in table:
            x0, x1, target = a + 1e-10, c + 1e-10, t + 1e-10
            y = _sigmoid((w0 * x0 + w1 * x1) + b)
            e = y - target
            delta = (2.0 * e) * (y * (1.0 - y))  # dE/dz for E = e^2
            step = lr * (e * e) if rule == "tutorial" else lr
            w0, w1, b = w0 - step * (delta * x0), w1 - step * (delta * x1), b - step * delta
    outputs = [_sigmoid((w0 * (a + 1e-10) + w1 * (c + 1e-10)) + b) for a, c, _ in table]
    return [w0, w1], b, outputs


@pytest.mark.parametrize(
    "gate, weights, bias, outputs",
    [
        ("AND", AND_WEIGHTS, AND_BIAS, AND_OUTPUTS),
        ("OR", OR_WEIGHTS, OR_BIAS, OR_OUTPUTS),
    ],
)
def test_perceptron_reproduces_the_published_gates(perceptron, gate, weights, bias, outputs):
    fit = perceptron.fit_gate(gate, epochs=150, lr=0.1, rule="tutorial")
    # printed to 8 decimals: every digit agrees (|error| < 5e-9)
    assert fit.weights == pytest.approx(list(weights), abs=5e-9)
    assert fit.bias == pytest.approx(bias, abs=5e-9)
    # printed as round(output, 6)
    assert [round(y, 6) for y in fit.outputs] == list(outputs)
    assert fit.predictions == [t for _, _, t in perceptron.GATES[gate]]


@pytest.mark.parametrize("gate", ["AND", "OR"])
@pytest.mark.parametrize("rule", ["tutorial", "textbook"])
def test_perceptron_matches_hand_derivatives_bit_for_bit(perceptron, gate, rule):
    fit = perceptron.fit_gate(gate, epochs=150, lr=0.1, rule=rule)
    weights, bias, outputs = _neuron_reference(perceptron.GATES[gate], 150, 0.1, rule)
    assert fit.weights == weights  # exactly: the same IEEE operations in the same order
    assert fit.bias == bias
    assert fit.outputs == outputs


def test_perceptron_cannot_learn_xor(perceptron):
    fit = perceptron.fit_gate("XOR", epochs=50_000, lr=0.1, rule="tutorial")
    assert all(abs(y - 0.5) < 0.01 for y in fit.outputs), fit.outputs
    assert fit.predictions != [t for _, _, t in perceptron.GATES["XOR"]]
    # and the tutorial's own XOR printout
    assert fit.weights == pytest.approx(list(XOR_WEIGHTS), abs=5e-9)
    assert fit.bias == pytest.approx(XOR_BIAS, abs=5e-9)
    assert [round(y, 6) for y in fit.outputs] == list(XOR_OUTPUTS)


def test_tutorial_rule_is_gradient_descent_on_the_fourth_power(perceptron):
    """lr * E * dE/dw = (lr / 2) * d(E^2)/dw: the docstring's explanation, checked."""
    table = perceptron.GATES["AND"]
    neuron = perceptron.make_neuron()
    params = neuron.parameters()
    for _ in range(150):
        for a, c, t in table:
            quartic = ((neuron([a + 1e-10, c + 1e-10]) - (t + 1e-10)) ** 2) ** 2
            for p in params:
                p.grad = 0.0
            quartic.backward()
            for p in params:
                p.data -= 0.05 * p.grad
    fit = perceptron.fit_gate("AND", rule="tutorial")
    assert [p.data for p in params] == pytest.approx([*fit.weights, fit.bias], rel=1e-12)


def test_textbook_rule_differs_and_fits_better(perceptron):
    for gate in ("AND", "OR"):
        tutorial = perceptron.fit_gate(gate, rule="tutorial")
        textbook = perceptron.fit_gate(gate, rule="textbook")
        assert textbook.weights[0] > 2 * tutorial.weights[0]
        assert textbook.squared_error < 0.6 * tutorial.squared_error
        assert textbook.predictions == [t for _, _, t in perceptron.GATES[gate]]


def test_perceptron_rejects_unknown_rule(perceptron):
    with pytest.raises(ValueError, match="rule"):
        perceptron.train(perceptron.GATES["AND"], 1, rule="momentum")


# ============================================ seed 001: 3-4-1, fixed weights

INITIAL_OUTPUTS_001 = (0.75751918, 0.77108221, 0.79094709, 0.80118439)
FINAL_OUTPUTS_001 = (0.02758457, 0.92490268, 0.92472000, 0.09004724)
QUERY_OUTPUT_001 = 0.92479763


def _numpy_seed_1_stream(count):
    """The first ``count`` numbers of NumPy's ``np.random.seed(1); np.random.random(...)``.

    NumPy's legacy generator is MT19937 seeded with Knuth's init_genrand, and
    its doubles are built like Python's random(); only the seeding differs,
    so it can be recreated through Random.setstate without NumPy.
    """
    state = [1]
    for i in range(1, 624):
        state.append((1812433253 * (state[-1] ^ (state[-1] >> 30)) + i) & 0xFFFFFFFF)
    rng = random.Random()
    rng.setstate((3, (*state, 624), None))
    return [rng.random() for _ in range(count)]


def _two_layer_reference(first, second, inputs, targets, iterations, lr, gradient_scale):
    """Full-batch descent on a bias-free sigmoid 3-4-1 net; ``gradient_scale`` is dE/dy / (y - t).

    ``first[i][j]`` joins input i to hidden j, ``second[j]`` hidden j to the output.
    Returns (outputs of the first pass, outputs of the last pass, first, second).
    """
    first = [list(row) for row in first]
    second = list(second)
    n_in, n_hidden = len(first), len(second)
    initial = last = None
    for it in range(iterations):
        g_first = [[0.0] * n_hidden for _ in range(n_in)]
        g_second = [0.0] * n_hidden
        outputs = []
        for x, t in zip(inputs, targets):
            h = [_sigmoid(sum(x[i] * first[i][j] for i in range(n_in))) for j in range(n_hidden)]
            y = _sigmoid(sum(h[j] * second[j] for j in range(n_hidden)))
            outputs.append(y)
            d_out = gradient_scale * (y - t) * y * (1.0 - y)
            for j in range(n_hidden):
                g_second[j] += d_out * h[j]
                d_hidden = d_out * second[j] * h[j] * (1.0 - h[j])
                for i in range(n_in):
                    g_first[i][j] += d_hidden * x[i]
        if it == 0:
            initial = outputs
        last = outputs
        second = [w - lr * g for w, g in zip(second, g_second)]
        first = [[w - lr * g for w, g in zip(row, grow)] for row, grow in zip(first, g_first)]
    return initial, last, first, second


def _reference_predict(first, second, x):
    h = [_sigmoid(sum(x[i] * first[i][j] for i in range(len(first)))) for j in range(len(second))]
    return _sigmoid(sum(hj * wj for hj, wj in zip(h, second)))


@pytest.fixture(scope="module")
def two_layer():
    return _load("seed001_two_layer")


@pytest.fixture(scope="module")
def two_layer_run(two_layer):
    return two_layer.train(iterations=1000, lr=1.0)


def test_two_layer_weights_are_numpys_seed_1_stream(two_layer):
    stream = _numpy_seed_1_stream(16)
    assert [w for row in two_layer.HIDDEN_WEIGHTS for w in row] == stream[:12]
    assert [row[0] for row in two_layer.OUTPUT_WEIGHTS] == stream[12:]


def test_two_layer_reproduces_the_published_outputs(two_layer_run):
    # the full-precision figures of ../shared/README.md, to all 8 printed decimals
    assert [round(y, 8) for y in two_layer_run.initial_outputs] == list(INITIAL_OUTPUTS_001)
    assert [round(y, 8) for y in two_layer_run.final_outputs] == list(FINAL_OUTPUTS_001)
    assert round(two_layer_run.query_output, 8) == QUERY_OUTPUT_001
    # and the tutorial's 3-decimal printout
    assert [round(y, 3) for y in two_layer_run.final_outputs] == [0.028, 0.925, 0.925, 0.090]


def test_two_layer_matches_hand_derivatives(two_layer, two_layer_run):
    stream = _numpy_seed_1_stream(16)
    first = [stream[4 * i : 4 * i + 4] for i in range(3)]
    initial, last, first, second = _two_layer_reference(
        first, stream[12:], two_layer.INPUTS, two_layer.TARGETS, 1000, 1.0, gradient_scale=1.0
    )
    assert two_layer_run.initial_outputs == pytest.approx(initial, rel=1e-13)
    assert two_layer_run.final_outputs == pytest.approx(last, rel=1e-11)
    assert two_layer_run.query_output == pytest.approx(
        _reference_predict(first, second, (1, 0, 1)), rel=1e-11
    )


def test_two_layer_cost_falls(two_layer_run):
    costs = two_layer_run.costs
    assert len(costs) == 1000
    assert costs[-1] < 0.02 < 0.6 < costs[0]


# ======================================= seed 002: the NeuralNetwork class


@pytest.fixture(scope="module")
def xor_class():
    return _load("seed002_xor_class")


def test_xor_class_learns_xor_with_the_default_seed(xor_class):
    net = xor_class.run(seed=xor_class.SEED, epochs=10_000, lr=0.1)
    predictions = [net.predict(x) for x in xor_class.INPUTS]
    assert [int(y > 0.5) for y in predictions] == list(xor_class.TARGETS), predictions
    assert max(abs(y - t) for y, t in zip(predictions, xor_class.TARGETS)) < 0.1
    assert net.epochs_trained == 10_000


def test_xor_class_matches_hand_derivatives(xor_class):
    seed, epochs = 5, 300
    rng = random.Random(seed)
    first = [[rng.random() for _ in range(4)] for _ in range(3)]
    second = [rng.random() for _ in range(4)]
    # E = sum (t - y)^2, so dE/dy = 2 (y - t)
    _, _, first, second = _two_layer_reference(
        first, second, xor_class.INPUTS, xor_class.TARGETS, epochs, 0.1, gradient_scale=2.0
    )
    net = xor_class.NeuralNetwork(xor_class.INPUTS, xor_class.TARGETS, learning_rate=0.1, seed=seed)
    net.train(epochs)
    got_first, got_second = net.weights()
    assert [w for row in got_first for w in row] == pytest.approx(
        [w for row in first for w in row], rel=1e-11
    )
    assert [row[0] for row in got_second] == pytest.approx(second, rel=1e-11)


def test_xor_class_weights_are_seeded_uniform_in_0_1(xor_class):
    a = xor_class.NeuralNetwork(xor_class.INPUTS, xor_class.TARGETS, seed=11)
    b = xor_class.NeuralNetwork(xor_class.INPUTS, xor_class.TARGETS, seed=11)
    c = xor_class.NeuralNetwork(xor_class.INPUTS, xor_class.TARGETS, seed=12)
    assert a.weights() == b.weights() != c.weights()
    numbers = [w for layer in a.weights() for row in layer for w in row]
    assert len(numbers) == 16 and all(0.0 <= w < 1.0 for w in numbers)
    assert a.weights() == a.initial_weights


def test_xor_class_rejects_mismatched_data(xor_class):
    with pytest.raises(ValueError, match="targets"):
        xor_class.NeuralNetwork(xor_class.INPUTS, [0, 1])


# ============================================== seed 003 with nn and optim

# ../shared/README.md, "seed 003 in full precision"
DE_DW1, DE_DW2 = -0.001033183875581653, -0.042386804424448137
W1_ONE_STEP, W2_ONE_STEP = 0.5009298654880235, 0.5381481239820033
OUTO, E_003 = 0.5637139161734462, 0.05654416508769998


@pytest.fixture(scope="module")
def chain_nn():
    return _load("chain_rule_nn")


def test_chain_nn_forward_and_gradients(chain_nn):
    model = chain_nn.build_model(0.5, 0.5)
    e, out = chain_nn.error(model)
    assert out.data == pytest.approx(OUTO, rel=1e-15)
    assert e.data == pytest.approx(E_003, rel=1e-15)
    dw1, dw2 = chain_nn.gradients(0.5, 0.5)
    assert dw1 == pytest.approx(DE_DW1, rel=1e-14)
    assert dw2 == pytest.approx(DE_DW2, rel=1e-14)


def test_chain_nn_one_sgd_step(chain_nn):
    w1, w2 = chain_nn.one_step(lr=0.9)
    assert w1 == pytest.approx(W1_ONE_STEP, rel=1e-15)
    assert w2 == pytest.approx(W2_ONE_STEP, rel=1e-15)


def test_chain_nn_trains_to_the_published_stop(chain_nn):
    iterations, w1, w2, out = chain_nn.train(lr=0.9, tolerance=0.00005)
    assert iterations == 813
    assert (w1, w2, out) == pytest.approx((0.8800250, 4.0056202, 0.8900135), abs=1e-7)


@pytest.mark.parametrize("lr, tolerance", [(0.9, 0.00005), (2.0, 0.0001), (0.5, 0.001)])
def test_chain_nn_agrees_with_the_node_by_node_example(chain_nn, lr, tolerance):
    by_hand = _load("chain_rule_w1_w2")
    got = chain_nn.train(lr=lr, tolerance=tolerance)
    expected = by_hand.train(lr=lr, tolerance=tolerance)
    assert got[0] == expected[0]
    assert got[1:] == pytest.approx(expected[1:], rel=1e-12)


# ================================================ seed 004: Sequential XOR


@pytest.fixture(scope="module")
def torch_style():
    return _load("seed004_pytorch_style")


def _layers_of(model):
    """(weight rows, biases) of each Linear of a Sequential, as floats."""
    return [
        ([[w.data for w in row] for row in m.weight], [b.data for b in m.bias])
        for m in model
        if hasattr(m, "weight")
    ]


def _mlp_reference_epochs(layers, samples, epochs, lr):
    """Per-sample SGD on mean squared error for Linear-ReLU-Linear-ReLU-Linear-Sigmoid, by hand."""
    layers = [([list(r) for r in w], list(b)) for w, b in layers]
    history = []
    for _ in range(epochs):
        total = 0.0
        for x, target in samples:
            activations, pre = [list(map(float, x))], []
            for k, (w, b) in enumerate(layers):
                z = [sum(wi * ai for wi, ai in zip(row, activations[-1])) + bj for row, bj in zip(w, b)]
                pre.append(z)
                last = k == len(layers) - 1
                activations.append([_sigmoid(v) for v in z] if last else [max(v, 0.0) for v in z])
            y = activations[-1]
            total += sum((yi - ti) ** 2 for yi, ti in zip(y, target)) / len(y)
            delta = [2.0 * (yi - ti) / len(y) * yi * (1.0 - yi) for yi, ti in zip(y, target)]
            for k in reversed(range(len(layers))):
                w, b = layers[k]
                below = activations[k]
                back = [sum(delta[j] * w[j][i] for j in range(len(w))) for i in range(len(below))]
                for j in range(len(w)):
                    for i in range(len(below)):
                        w[j][i] -= lr * delta[j] * below[i]
                    b[j] -= lr * delta[j]
                if k:
                    delta = [g if z > 0.0 else 0.0 for g, z in zip(back, pre[k - 1])]
        history.append(total / len(samples))
    return layers, history


def test_torch_style_learns_xor(torch_style):
    result = torch_style.run(seed=torch_style.SEED, epochs=3000, lr=0.1)
    assert result.final_mse < 1e-3
    assert result.all_right
    assert result.classes == [0, 1, 1, 0]
    assert len(result.history) == 3000 and result.history[-1] < result.history[0] / 100


@pytest.mark.parametrize("init", ["tutorial", "pytorch"])
def test_torch_style_steps_match_hand_backprop(torch_style, init):
    model = torch_style.build_model(seed=4, init=init)
    start = _layers_of(model)
    samples = list(zip(torch_style.XOR_INPUTS, torch_style.ONE_HOT))
    expected_layers, expected_history = _mlp_reference_epochs(start, samples, epochs=3, lr=0.1)
    history = torch_style.train(model, epochs=3, lr=0.1)
    assert history == pytest.approx(expected_history, rel=1e-12)
    for (w, b), (ew, eb) in zip(_layers_of(model), expected_layers):
        assert [v for row in w for v in row] == pytest.approx(
            [v for row in ew for v in row], rel=1e-10, abs=1e-14
        )
        assert b == pytest.approx(eb, rel=1e-10, abs=1e-14)


def test_torch_style_initialisation(torch_style):
    model = torch_style.build_model(seed=2, init="tutorial")
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "ReLU", "Linear", "Sigmoid"]
    shapes = [(len(w), len(w[0])) for w, _ in _layers_of(model)]
    assert shapes == [(20, 2), (20, 20), (2, 20)]
    numbers = [p.data for p in model.parameters()]
    assert len(numbers) == 20 * 2 + 20 + 20 * 20 + 20 + 2 * 20 + 2
    assert all(-0.5 <= v < 0.5 for v in numbers)
    assert max(numbers) > 0.45 and min(numbers) < -0.45  # the whole range is used
    again = torch_style.build_model(seed=2, init="tutorial")
    assert [p.data for p in again.parameters()] == numbers
    assert [p.data for p in torch_style.build_model(seed=3).parameters()] != numbers
    with pytest.raises(ValueError, match="init"):
        torch_style.build_model(init="zeros")


def test_torch_style_reads_classes_like_the_tutorial(torch_style):
    assert torch_style.predicted_class([0.5, 0.9]) == 0
    assert torch_style.predicted_class([0.49, 0.1]) == 1
    assert [torch_style.label_of(t) for t in torch_style.ONE_HOT] == [0, 1, 1, 0]


# ======================================================= micrograd's moons


@pytest.fixture(scope="module")
def moons():
    return _load("moons")


@pytest.fixture(scope="module")
def moons_run(moons):
    return moons.run(seed=moons.SEED, steps=100)


def test_moons_reach_full_training_accuracy(moons_run):
    loss, accuracy = moons_run.history[-1]  # what step 99 prints
    assert accuracy == 1.0
    assert moons_run.final_accuracy == 1.0
    assert loss < 0.05 < 0.5 < moons_run.history[0][0]
    assert moons_run.history[0][1] < 0.9  # it did have to learn


def test_moons_loss_matches_a_hand_computation(moons):
    points, labels = moons.make_moons(seed=3)
    model = moons.build_model(seed=3)
    loss, accuracy = moons.loss_and_accuracy(model, points, labels)
    layers = [
        ([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons])
        for layer in model.layers
    ]
    hinge, right = 0.0, 0
    for (x, y), label in zip(points, labels):
        a = [x, y]
        for k, (w, b) in enumerate(layers):
            z = [sum(wi * ai for wi, ai in zip(row, a)) + bj for row, bj in zip(w, b)]
            a = z if k == len(layers) - 1 else [max(v, 0.0) for v in z]
        hinge += max(0.0, 1.0 - label * a[0])
        right += (a[0] > 0) == (label > 0)
    penalty = 1e-4 * sum(p.data**2 for p in model.parameters())
    assert loss.data == pytest.approx(hinge / len(points) + penalty, rel=1e-12)
    assert accuracy == right / len(points)


def test_moons_learning_rate_schedule(moons):
    assert moons.learning_rate(0) == 1.0
    assert moons.learning_rate(50) == pytest.approx(0.55)
    assert moons.learning_rate(99) == pytest.approx(0.109)
    # one step moves every parameter by exactly lr(0) * grad = grad
    points, labels = moons.make_moons(seed=5)
    model = moons.build_model(seed=5)
    loss, _ = moons.loss_and_accuracy(model, points, labels)
    loss.backward()
    expected = [p.data - p.grad for p in model.parameters()]
    model.zero_grad()
    moons.train(model, points, labels, steps=1)
    assert [p.data for p in model.parameters()] == expected


def test_make_moons_shape(moons):
    points, labels = moons.make_moons(100, noise=0.0, seed=1)
    assert len(points) == 100 and labels.count(-1) == 50 and labels.count(1) == 50
    for (x, y), label in zip(points, labels):
        if label < 0:  # unit circle around (0, 0), upper half
            assert math.hypot(x, y) == pytest.approx(1.0) and y >= -1e-12
        else:  # unit circle around (1, 0.5), lower half
            assert math.hypot(x - 1.0, y - 0.5) == pytest.approx(1.0) and y <= 0.5 + 1e-12
    noisy, noisy_labels = moons.make_moons(100, noise=0.1, seed=1)
    assert noisy_labels == labels
    offsets = [c - d for p, q in zip(noisy, points) for c, d in zip(p, q)]
    spread = math.sqrt(sum(o * o for o in offsets) / len(offsets))
    assert 0.08 < spread < 0.12
    assert moons.make_moons(seed=1) == moons.make_moons(seed=1) != moons.make_moons(seed=2)


# ============================================= every script runs end to end

SMOKE = [
    ("seed000_perceptron", ["--epochs", "3", "--xor-epochs", "3"]),
    ("seed001_two_layer", ["--epochs", "3"]),
    ("seed002_xor_class", ["--epochs", "3", "--seed", "4"]),
    ("chain_rule_nn", ["--tolerance", "0.01"]),
    ("seed004_pytorch_style", ["--epochs", "3", "--print-every", "1", "--init", "pytorch"]),
    ("moons", ["--epochs", "2", "--seed", "9"]),
]


@pytest.mark.parametrize("name, args", SMOKE, ids=[name for name, _ in SMOKE])
def test_script_runs(name, args):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.parametrize("name", [name for name, args in SMOKE if "--epochs" in args])
def test_script_rejects_zero_epochs(name):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), "--epochs", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--epochs" in result.stderr
