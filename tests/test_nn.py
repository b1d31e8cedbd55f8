"""Tests of scalargrad.nn: parameter discovery, micrograd compatibility, initialisation, state and files.

Every expected number is derived in the test itself, by hand or from an
independent formula (the math module, a fresh random.Random stream, finite
differences); none was captured from the code under test.
"""

from __future__ import annotations

import json
import math
import os
import random
import stat
import statistics

import pytest

import scalargrad as sg
from scalargrad import Value, nn

# ------------------------------------------------------------------ helpers


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def datas(values):
    return [v.data for v in values]


def expected_parameter_count(nin, nouts):
    sizes = [nin, *nouts]
    return sum(nout * (n + 1) for n, nout in zip(sizes, sizes[1:]))


# -------------------------------------------------------- parameter discovery


class Block(nn.Module):
    """A user's own module: parameters in attributes, lists, tuples and dicts; no registration."""

    def __init__(self):
        self.gain = Value(1.0)
        self.layers = [
            nn.Linear.from_weights([[2.0]], [3.0]),
            (Value(4.0), {"x": Value(5.0), "y": [Value(6.0)]}),
        ]
        self.table = {"first": Value(7.0), "second": nn.Neuron.from_weights([8.0], 9.0)}
        self.alias = self.gain  # the same Value again
        self.again = self.layers[0]  # the same module again
        self.count = 3
        self.name = "block"
        self._cache = Value(10.0)  # private
        self.last_output = Value(1.0) * 2  # computed, not a parameter

    def forward(self, x):
        return self.gain * self.layers[0]([x])[0]


def test_parameters_of_a_user_subclass_are_found_in_definition_order():
    block = Block()
    names = [name for name, _ in block.named_parameters()]
    assert names == [
        "gain",
        "layers.0.weight.0.0",
        "layers.0.bias.0",
        "layers.1.0",
        "layers.1.1.x",
        "layers.1.1.y.0",
        "table.first",
        "table.second.w.0",
        "table.second.b",
    ]
    assert datas(block.parameters()) == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    # the very objects, not copies
    assert block.parameters()[0] is block.gain
    assert block.parameters()[7] is block.table["second"].w[0]


def test_definition_order_not_alphabetical():
    class M(nn.Module):
        def __init__(self):
            self.zeta = Value(1.0)
            self.alpha = Value(2.0)

    assert [n for n, _ in M().named_parameters()] == ["zeta", "alpha"]


def test_shared_parameter_and_shared_module_count_once():
    shared = Value(0.5)
    inner = nn.Neuron.from_weights([1.0, 2.0], 3.0)

    class Tied(nn.Module):
        def __init__(self):
            self.a = shared
            self.first = inner
            self.second = inner
            self.weights = [shared, inner.w[0]]

    params = Tied().parameters()
    assert len(params) == 4  # shared, inner.w[0], inner.w[1], inner.b
    assert len({id(p) for p in params}) == 4
    assert [n for n, _ in Tied().named_parameters()] == ["a", "first.w.0", "first.w.1", "first.b"]


def test_cycles_do_not_hang_discovery_or_repr():
    m = nn.Module()
    m.me = m
    box: list = []
    box.append(box)
    m.box = box
    m.w = Value(1.0)
    assert [n for n, _ in m.named_parameters()] == ["w"]
    assert repr(m).startswith("Module(")


def test_seed_004_style_subclass_without_super_init():
    class XorNet(nn.Module):
        def __init__(self, hidden=20):
            self.hidden1 = nn.Linear(2, hidden, seed=1)
            self.act1 = nn.ReLU()
            self.hidden2 = nn.Linear(hidden, hidden, seed=2)
            self.act2 = nn.ReLU()
            self.hidden3 = nn.Linear(hidden, 2, seed=3)
            self.act3 = nn.Sigmoid()

        def forward(self, x):
            x = self.act1(self.hidden1(x))
            x = self.act2(self.hidden2(x))
            return self.act3(self.hidden3(x))

    net = XorNet()
    names = [n for n, _ in net.named_parameters()]
    assert len(names) == (2 * 20 + 20) + (20 * 20 + 20) + (20 * 2 + 2) == 522
    assert names[0] == "hidden1.weight.0.0" and names[-1] == "hidden3.bias.1"
    out = net([0.0, 1.0])
    assert isinstance(out, list) and len(out) == 2
    sg.sum(out).backward()
    # d sigmoid(z) / d bias = s (1 - s), for each output neuron
    for s, b in zip(out, net.hidden3.bias):
        assert b.grad == pytest.approx(s.data * (1.0 - s.data), rel=1e-12)
    # the same pieces in a Sequential compute the same thing
    seq = nn.Sequential(net.hidden1, net.act1, net.hidden2, net.act2, net.hidden3, net.act3)
    assert datas(seq([0.0, 1.0])) == datas(out)
    assert seq.parameters() == net.parameters()


def test_named_parameters_of_the_library_modules():
    mlp_names = [n for n, _ in nn.MLP(2, [16, 16, 1], seed=0).named_parameters()]
    assert "layers.0.neurons.3.w.1" in mlp_names
    assert mlp_names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert mlp_names[-1] == "layers.2.neurons.0.b"
    assert len(set(mlp_names)) == len(mlp_names)
    assert [n for n, _ in nn.Linear(2, 2, seed=0).named_parameters()] == [
        "weight.0.0",
        "weight.0.1",
        "weight.1.0",
        "weight.1.1",
        "bias.0",
        "bias.1",
    ]
    assert [n for n, _ in nn.Linear(2, 1, bias=False, seed=0).named_parameters()] == [
        "weight.0.0",
        "weight.0.1",
    ]
    seq = nn.Sequential(nn.Linear(1, 1, seed=0), nn.ReLU(), nn.Linear(1, 1, seed=1))
    assert [n for n, _ in seq.named_parameters()] == ["0.weight.0.0", "0.bias.0", "2.weight.0.0", "2.bias.0"]


@pytest.mark.parametrize("nin, nouts", [(2, [16, 16, 1]), (2, [16, 1, 1]), (3, [4, 4, 1]), (1, [1])])
def test_parameter_counts(nin, nouts):
    assert len(nn.MLP(nin, nouts, seed=0).parameters()) == expected_parameter_count(nin, nouts)


def test_micrograd_demo_mlp_has_337_parameters():
    assert len(nn.MLP(2, [16, 16, 1]).parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == 337


def test_zero_grad_clears_every_parameter():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=3)
    model([0.3, -0.7]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_train_and_eval_are_recursive_and_return_the_module():
    class Net(nn.Module):
        def __init__(self):
            self.body = nn.Sequential(nn.Linear(2, 2, seed=0), nn.ReLU())
            self.heads = {"a": nn.MLP(2, [1], seed=1)}

    net = Net()
    assert net.eval() is net
    modules = net.modules()
    assert [type(m).__name__ for m in modules] == [
        "Net",
        "Sequential",
        "Linear",
        "ReLU",
        "MLP",
        "Layer",
        "Neuron",
    ]
    assert all(m.training is False for m in modules)
    assert net.train() is net
    assert all(m.training is True for m in modules)


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        nn.Module()(1.0)


# ----------------------------------------------------------------------- repr


def test_repr_of_an_mlp():
    assert repr(nn.MLP(2, [16, 16, 1], seed=0)) == (
        "MLP(\n"
        "  (layers.0): Layer(2, 16, activation='relu')\n"
        "  (layers.1): Layer(16, 16, activation='relu')\n"
        "  (layers.2): Layer(16, 1, activation='linear')\n"
        ")"
    )


def test_repr_nests_user_modules():
    class Net(nn.Module):
        def __init__(self):
            self.body = nn.Sequential(nn.Linear(2, 3, seed=0), nn.Tanh(), nn.LeakyReLU(0.2))
            self.head = nn.Neuron(3, activation="sigmoid", seed=0)

    assert repr(Net()) == (
        "Net(\n"
        "  (body): Sequential(\n"
        "    (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "    (1): Tanh()\n"
        "    (2): LeakyReLU(slope=0.2)\n"
        "  )\n"
        "  (head): Neuron(3, activation='sigmoid')\n"
        ")"
    )
    assert repr(nn.Linear(4, 1, bias=False, seed=0)) == "Linear(in_features=4, out_features=1, bias=False)"


# ----------------------------------------------------- micrograd compatibility


def demo_weights():
    """A 2-2-1 net small enough to compute by hand (see the tests that use it)."""
    return {
        "layers.0.neurons.0.w.0": 1.0,
        "layers.0.neurons.0.w.1": -1.0,
        "layers.0.neurons.0.b": 0.5,
        "layers.0.neurons.1.w.0": 0.5,
        "layers.0.neurons.1.w.1": 0.25,
        "layers.0.neurons.1.b": -0.5,
        "layers.1.neurons.0.w.0": 3.0,
        "layers.1.neurons.0.w.1": -4.0,
        "layers.1.neurons.0.b": 1.0,
    }


def test_default_mlp_is_relu_hidden_and_linear_output_by_hand():
    model = nn.MLP(2, [2, 1], seed=0)  # defaults, as micrograd's MLP(2, [2, 1])
    model.load_state_dict(demo_weights())
    # x = (1, 2): h0 = relu(1 - 2 + 0.5) = relu(-0.5) = 0, h1 = relu(0.5 + 0.5 - 0.5) = 0.5
    # y = 3*0 - 4*0.5 + 1 = -1 (a ReLU output would give 0)
    y = model([1.0, 2.0])
    assert type(y) is Value
    assert y.data == -1.0
    y.backward()
    g = {name: p.grad for name, p in model.named_parameters()}
    assert g["layers.1.neurons.0.w.0"] == 0.0 and g["layers.1.neurons.0.w.1"] == 0.5
    assert g["layers.1.neurons.0.b"] == 1.0
    assert g["layers.0.neurons.0.w.0"] == g["layers.0.neurons.0.b"] == 0.0  # ReLU closed
    assert (g["layers.0.neurons.1.w.0"], g["layers.0.neurons.1.w.1"], g["layers.0.neurons.1.b"]) == (
        -4.0,
        -8.0,
        -4.0,
    )
    # x = (3, 1): h0 = relu(2.5) = 2.5, h1 = relu(1.5 + 0.25 - 0.5) = 1.25; y = 7.5 - 5 + 1
    assert model([3, 1]).data == 3.5


def test_output_types():
    assert type(nn.MLP(2, [16, 16, 1], seed=0)([0.1, 0.2])) is Value
    out = nn.MLP(2, [3, 2], seed=0)([0.1, 0.2])
    assert type(out) is list and len(out) == 2 and all(type(v) is Value for v in out)
    one = nn.Layer(2, 1, seed=0)([0.1, 0.2])
    assert type(one) is list and len(one) == 1
    assert type(nn.Neuron(2, seed=0)([0.1, 0.2])) is Value


def test_mlp_with_a_one_wide_middle_layer():
    model = nn.MLP(2, [16, 1, 1], seed=7)
    y = model([0.5, -0.25])
    assert type(y) is Value
    assert len(model.parameters()) == 48 + 17 + 2
    # by hand: h = relu((2, 3)) = (2, 3); m = relu(2 + 3 - 1) = 4; y = -3*4 + 0.5 (linear)
    hand = nn.MLP.from_weights(
        [([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]), ([[1.0, 1.0]], [-1.0]), ([[-3.0]], [0.5])]
    )
    assert hand([2.0, 3.0]).data == -11.5


def test_same_weights_and_outputs_as_micrograd():
    micrograd_nn = pytest.importorskip("micrograd.nn")
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = nn.MLP(2, [16, 16, 1])  # no seed: the random module, as micrograd
    assert [p.data for p in ours.parameters()] == [float(p.data) for p in theirs.parameters()]
    for x in ([0.5, -1.0], [2.0, 0.25], [-1.5, 1.5]):
        assert ours(x).data == pytest.approx(theirs(x).data, rel=1e-12, abs=1e-12)


# ----------------------------------------------------------- the neuron graph


def test_neuron_is_one_dot_node_plus_bias_then_activation():
    n = nn.Neuron.from_weights([0.5, -1.0, 2.0], 0.25, activation="tanh")
    x = [Value(1.0), Value(2.0), Value(3.0)]
    out = n(x)
    assert out.op.name == "tanh"
    (add,) = out.parents
    assert add.op.name == "add"
    weighted, bias = add.parents
    assert bias is n.b
    assert weighted.op.name == "dot"
    assert list(weighted.parents) == n.w + x  # identity: == on Values is `is`
    assert out.data == math.tanh(0.5 * 1 - 1 * 2 + 2 * 3 + 0.25)
    no_bias = nn.Neuron.from_weights([1.0, 1.0], None, activation="linear")([2.0, 3.0])
    assert no_bias.op.name == "dot" and no_bias.data == 5.0
    assert [name for name, _ in nn.Neuron.from_weights([1.0], None).named_parameters()] == ["w.0"]


@pytest.mark.parametrize(
    "activation, expected",
    [
        ("relu", 0.0),
        ("tanh", math.tanh(-0.5)),
        ("sigmoid", 1.0 / (1.0 + math.exp(0.5))),
        ("linear", -0.5),
        (None, -0.5),
        ("leaky_relu", -0.005),
        ("TANH", math.tanh(-0.5)),
        (lambda v: v * v, 0.25),
        (nn.LeakyReLU(0.2), -0.1),
    ],
)
def test_activations_by_name_or_function(activation, expected):
    n = nn.Neuron.from_weights([1.0], 0.0, activation=activation)
    assert n([-0.5]).data == pytest.approx(expected, rel=1e-15, abs=0)


def test_unknown_activation_lists_the_valid_ones():
    with pytest.raises(ValueError) as info:
        nn.Neuron(2, activation="softmax", seed=0)
    message = str(info.value)
    assert "softmax" in message
    for name in ("relu", "tanh", "sigmoid", "linear", "leaky_relu"):
        assert name in message
    with pytest.raises(TypeError):
        nn.MLP(2, [2, 1], activation=3, seed=0)


def test_activation_per_layer_and_for_the_output():
    model = nn.MLP(1, [1, 1, 1], activation=["tanh", "sigmoid"], output_activation="relu", seed=0)
    assert [layer.activation for layer in model.layers] == ["tanh", "sigmoid", "relu"]
    model.load_state_dict({name: 1.0 for name, _ in model.named_parameters()})
    # relu(sigmoid(tanh(0.5 + 1) + 1) + 1)
    assert model([0.5]).data == pytest.approx(sigmoid(math.tanh(1.5) + 1.0) + 1.0, rel=1e-15)
    with pytest.raises(ValueError, match="2 hidden layers need 2 activations, got 1"):
        nn.MLP(1, [1, 1, 1], activation=["tanh"], seed=0)


def test_micrograd_nonlin_flag_and_changing_an_activation():
    n = nn.Neuron(1, nonlin=False, seed=0)
    n.load_state_dict({"w.0": 1.0, "b": 0.0})
    assert n([-2.0]).data == -2.0
    n.activation = "relu"
    assert n([-2.0]).data == 0.0
    layer = nn.Layer(1, 3, nonlin=False, seed=0)
    assert layer.activation == "linear"
    with pytest.raises(ValueError):
        layer.activation = "nope"
    assert all(neuron.activation == "linear" for neuron in layer.neurons)
    layer.activation = "sigmoid"
    assert all(neuron.activation == "sigmoid" for neuron in layer.neurons)


# --------------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    "module, name",
    [
        (nn.Neuron(2, seed=0), "Neuron"),
        (nn.Layer(2, 3, seed=0), "Layer"),
        (nn.Linear(2, 3, seed=0), "Linear"),
        (nn.MLP(2, [3, 1], seed=0), "MLP"),
    ],
)
def test_wrong_input_length_names_expected_and_got(module, name):
    with pytest.raises(ValueError, match=f"^{name} expects 2 inputs, got 3$"):
        module([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=f"^{name} expects 2 inputs, got 1$"):
        module(1.0)


def test_inputs_may_be_plain_numbers_tuples_iterables_or_one_scalar():
    layer = nn.Linear.from_weights([[1.0, 2.0], [3.0, -1.0]], [0.5, 0.0])
    expected = [1 * 3 + 2 * 4 + 0.5, 3 * 3 - 4 + 0.0]
    assert datas(layer([3, 4])) == expected
    assert datas(layer((3.0, 4.0))) == expected
    assert datas(layer(iter([3.0, 4.0]))) == expected
    assert datas(layer([Value(3.0), 4])) == expected
    assert nn.Neuron.from_weights([2.0], 1.0, activation="linear")(3).data == 7.0
    with pytest.raises(TypeError):
        layer("34")


def test_no_grad_forward_builds_no_graph():
    model = nn.MLP(2, [3, 1], seed=0)
    with_graph = model([0.4, 0.6])
    with sg.no_grad():
        without = model([0.4, 0.6])
    assert without.parents == () and with_graph.parents != ()
    assert without.data == with_graph.data


# ------------------------------------------------------ Linear and Sequential


def test_linear_by_hand_and_without_bias():
    layer = nn.Linear.from_weights([[0.1, 0.5, 0.7, 1.2]], [-6.0])
    # seed 004: dot([0, 0, 2, 3], [0.1, 0.5, 0.7, 1.2]) + bias = 5 - 6
    (y,) = layer([0, 0, 2, 3])
    assert y.data == pytest.approx(-1.0, abs=1e-15)
    no_bias = nn.Linear.from_weights([[1.0, 1.0], [2.0, -2.0]])
    assert no_bias.bias is None
    assert datas(no_bias([3.0, 1.0])) == [4.0, 4.0]
    assert len(nn.Linear(3, 2, bias=False, seed=0).parameters()) == 6


def test_from_weights_validates_shapes_and_numbers():
    with pytest.raises(ValueError, match="weight row 1 has 1 entries, row 0 has 2"):
        nn.Linear.from_weights([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match="2 weight rows need 2 biases, got 1"):
        nn.Linear.from_weights([[1.0], [2.0]], [0.0])
    with pytest.raises(ValueError):
        nn.Linear.from_weights([])
    with pytest.raises(TypeError, match=r"weight\[0\]\[1\] must be a real number, got str"):
        nn.Linear.from_weights([[1.0, "2"]])
    with pytest.raises(ValueError, match="layer 1 takes 3 inputs but layer 0 has 2 outputs"):
        nn.MLP.from_weights([([[1.0], [1.0]], None), ([[1.0, 1.0, 1.0]], None)])
    with pytest.raises(ValueError, match="nin must be a positive int"):
        nn.Linear(0, 2)


def test_sequential_by_hand():
    model = nn.Sequential(
        nn.Linear.from_weights([[1.0, -1.0], [2.0, 0.0]], [0.0, -1.0]),
        nn.ReLU(),
        nn.Linear.from_weights([[1.0, 1.0]], [0.5]),
        nn.Sigmoid(),
    )
    # z1 = (1 - 3, 2 - 1) = (-2, 1); relu -> (0, 1); z2 = 0 + 1 + 0.5
    (y,) = model([1.0, 3.0])
    assert y.data == pytest.approx(sigmoid(1.5), rel=1e-15)
    assert len(model) == 4 and isinstance(model[1], nn.ReLU) and list(model)[3] is model[3]
    assert [n for n, _ in model.named_parameters()] == [
        "0.weight.0.0",
        "0.weight.0.1",
        "0.weight.1.0",
        "0.weight.1.1",
        "0.bias.0",
        "0.bias.1",
        "2.weight.0.0",
        "2.weight.0.1",
        "2.bias.0",
    ]


def test_seed_004_sequential_shape():
    model = nn.Sequential(
        nn.Linear(2, 20, seed=0),
        nn.ReLU(),
        nn.Linear(20, 20, seed=1),
        nn.ReLU(),
        nn.Linear(20, 2, seed=2),
        nn.Sigmoid(),
    )
    assert len(model.parameters()) == 522
    out = model([1, 0])
    assert len(out) == 2 and all(0.0 < v.data < 1.0 for v in out)


def test_activation_modules():
    assert datas(nn.ReLU()([-1, 0, 2.5])) == [0.0, 0.0, 2.5]
    assert datas(nn.Tanh()([0.5])) == [math.tanh(0.5)]
    assert datas(nn.Sigmoid()([2.0])) == [sigmoid(2.0)]
    leaky = nn.LeakyReLU(0.1)
    x = Value(-3.0)
    y = leaky(x)  # one Value in, one Value out
    assert type(y) is Value and y.data == 0.1 * -3.0
    y.backward()
    assert x.grad == 0.1
    assert nn.LeakyReLU()(-100).data == -1.0  # default slope 0.01
    assert type(nn.Sigmoid()(0)) is Value


# ------------------------------------------------------------- initialisation


def test_seed_makes_identical_weights_and_different_seeds_differ():
    a = nn.MLP(2, [4, 3, 1], seed=5).state_dict()
    assert nn.MLP(2, [4, 3, 1], seed=5).state_dict() == a
    assert nn.MLP(2, [4, 3, 1], rng=random.Random(5)).state_dict() == a
    b = nn.MLP(2, [4, 3, 1], seed=6).state_dict()
    assert list(a) == list(b) and list(a.values()) != list(b.values())
    shared = random.Random(5)
    first, second = nn.Linear(3, 3, rng=shared), nn.Linear(3, 3, rng=shared)
    assert first.state_dict() != second.state_dict()  # one stream, continued
    random.seed(11)
    c = nn.MLP(2, [3, 1]).state_dict()
    random.seed(11)
    assert nn.MLP(2, [3, 1]).state_dict() == c


def test_uniform_init_is_micrograds_stream():
    # micrograd: for each layer, for each neuron, nin draws of uniform(-1, 1); bias 0
    stream = random.Random(42)
    expected = []
    for nin, nout in ((2, 3), (3, 1)):
        for _ in range(nout):
            expected += [stream.uniform(-1, 1) for _ in range(nin)] + [0.0]
    assert list(nn.MLP(2, [3, 1], seed=42).state_dict().values()) == expected


def test_seed_and_rng_together_or_bad_seed_are_errors():
    with pytest.raises(ValueError, match="not both"):
        nn.MLP(2, [1], seed=1, rng=random.Random(1))
    with pytest.raises(TypeError):
        nn.Linear(2, 1, seed="one")
    with pytest.raises(TypeError, match="rng must be a random.Random"):
        nn.Linear(2, 1, rng=7)
    with pytest.raises(ValueError) as info:
        nn.Layer(2, 2, init="normal", seed=0)
    assert all(name in str(info.value) for name in ("uniform", "xavier", "he", "pytorch"))


def weights_and_biases(layer):
    if isinstance(layer, nn.Layer):
        return [w.data for n in layer.neurons for w in n.w], [n.b.data for n in layer.neurons]
    return [w.data for row in layer.weight for w in row], [b.data for b in layer.bias]


def test_uniform_init_statistics():
    w, b = weights_and_biases(nn.Layer(200, 100, seed=0))
    assert max(abs(x) for x in w) <= 1.0 and max(abs(x) for x in w) > 0.999
    assert statistics.pvariance(w) == pytest.approx(1.0 / 3.0, rel=0.03)  # var of U(-1, 1)
    assert b == [0.0] * 100


@pytest.mark.parametrize("name", ["xavier", "glorot"])
def test_xavier_init_statistics(name):
    nin, nout = 300, 200
    a = math.sqrt(6.0 / (nin + nout))
    w, b = weights_and_biases(nn.Layer(nin, nout, init=name, seed=0))
    assert max(abs(x) for x in w) <= a and max(abs(x) for x in w) > 0.999 * a
    assert statistics.pvariance(w) == pytest.approx(a * a / 3.0, rel=0.03)
    assert abs(statistics.fmean(w)) < 4 * a / math.sqrt(3 * len(w))
    assert b == [0.0] * nout
    assert (
        nn.Layer(nin, nout, init="xavier", seed=0).state_dict()
        == nn.Layer(nin, nout, init=name, seed=0).state_dict()
    )


@pytest.mark.parametrize("name", ["he", "kaiming"])
def test_he_init_statistics(name):
    nin, nout = 400, 250
    std = math.sqrt(2.0 / nin)
    w, b = weights_and_biases(nn.Layer(nin, nout, init=name, seed=0))
    assert statistics.pstdev(w) == pytest.approx(std, rel=0.02)
    assert abs(statistics.fmean(w)) < 4 * std / math.sqrt(len(w))
    # a normal, not a uniform of the same spread: 4.55% lie beyond 2 std (a uniform has none)
    beyond = sum(abs(x) > 2 * std for x in w) / len(w)
    assert 0.040 < beyond < 0.051
    assert max(abs(x) for x in w) > 3.5 * std
    assert b == [0.0] * nout


def test_linear_default_init_follows_pytorch():
    nin = 64
    bound = 1.0 / math.sqrt(nin)
    w, b = weights_and_biases(nn.Linear(nin, 100, seed=0))
    assert max(abs(x) for x in w) <= bound and max(abs(x) for x in w) > 0.99 * bound
    assert statistics.pvariance(w) == pytest.approx(bound * bound / 3.0, rel=0.05)
    assert max(abs(x) for x in b) <= bound and len(set(b)) == 100  # drawn, not zero
    _, zero = weights_and_biases(nn.Linear(nin, 10, init="xavier", seed=0))
    assert zero == [0.0] * 10


# ------------------------------------------------------------------- gradients


def test_small_mlp_gradient_matches_gradcheck():
    shape = nn.MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=2)
    start = [p.data for p in shape.parameters()]
    x, target = [0.7, -1.3], 0.25

    def loss(*params):
        # the same module with these Values (gradcheck passes fresh ones) as its parameters
        it = iter(params)
        for layer in shape.layers:
            for neuron in layer.neurons:
                neuron.w = [next(it) for _ in neuron.w]
                neuron.b = next(it)
        return (shape(x) - target) ** 2

    assert sg.gradcheck(loss, *start)


def test_module_gradients_match_finite_differences():
    model = nn.MLP(2, [4, 3, 1], seed=9)  # relu hidden, linear out
    points = [([0.5, -0.2], 1.0), ([-1.0, 0.8], -1.0), ([0.3, 0.3], 0.5)]

    def total_loss():
        return sg.sum([(model(x) - t) ** 2 for x, t in points])

    total_loss().backward()
    eps = 1e-6
    for name, p in model.named_parameters():
        x0 = p.data
        with sg.no_grad():
            p.data = x0 + eps
            up = total_loss().data
            p.data = x0 - eps
            down = total_loss().data
        p.data = x0
        numeric = (up - down) / (2 * eps)
        assert p.grad == pytest.approx(numeric, rel=1e-5, abs=1e-7), name


# ----------------------------------------------------------------- state dict


def test_state_dict_is_plain_floats_in_parameter_order():
    model = nn.MLP(2, [3, 2], seed=1)
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert all(type(v) is float for v in state.values())
    assert list(state.values()) == [p.data for p in model.parameters()]
    state["layers.0.neurons.0.b"] = 123.0  # a copy: the model is untouched
    assert model.layers[0].neurons[0].b.data == 0.0


def test_state_dict_round_trip():
    a = nn.MLP(2, [3, 2], seed=1)
    b = nn.MLP(2, [3, 2], seed=2)
    assert a.state_dict() != b.state_dict()
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()
    assert datas(b([0.3, -0.4])) == datas(a([0.3, -0.4]))
    b.load_state_dict({name: 1 for name in a.state_dict()})  # ints become floats
    assert all(type(p.data) is float and p.data == 1.0 for p in b.parameters())


def bad_state(model, key, value):
    """Every key present and set to 42, except ``key`` set to ``value`` (last, so a naive loader would half-load)."""
    state = {name: 42.0 for name in model.state_dict()}
    state[key] = value
    return state


def test_load_state_dict_missing_and_extra_keys():
    model = nn.MLP(2, [2, 1], seed=3)
    before = model.state_dict()
    last = list(before)[-1]
    missing = {name: 42.0 for name in list(before)[:-1]}
    with pytest.raises(KeyError, match=f"missing key '{last}'"):
        model.load_state_dict(missing)
    assert model.state_dict() == before
    extra = dict.fromkeys(before, 42.0) | {"layers.9.w": 1.0}
    with pytest.raises(KeyError, match="unexpected key 'layers.9.w'"):
        model.load_state_dict(extra)
    assert model.state_dict() == before
    both = missing | {"bogus": 1.0}
    with pytest.raises(KeyError) as info:
        model.load_state_dict(both)
    assert last in str(info.value) and "bogus" in str(info.value)
    assert model.state_dict() == before


@pytest.mark.parametrize("value", ["0.5", None, [1.0], True, Value(1.0), 1j, {"x": 1.0}])
def test_load_state_dict_rejects_non_numbers_naming_the_key(value):
    model = nn.MLP(2, [2, 1], seed=3)
    before = model.state_dict()
    key = list(before)[-1]
    with pytest.raises(TypeError, match=f"state_dict\\['{key}'\\] must be a real number"):
        model.load_state_dict(bad_state(model, key, value))
    assert model.state_dict() == before  # nothing half-loaded


def test_load_state_dict_needs_a_mapping():
    with pytest.raises(TypeError):
        nn.Linear(1, 1, seed=0).load_state_dict([("weight.0.0", 1.0)])


# ---------------------------------------------------------------------- files


def test_save_and_load_round_trip(tmp_path):
    model = nn.MLP(2, [3, 1], seed=1)
    model.layers[0].neurons[0].b.data = 0.1 + 0.2  # needs all 17 digits to survive
    model.layers[1].neurons[0].b.data = 1e-300
    path = tmp_path / "model.json"
    model.save(path)
    other = nn.MLP(2, [3, 1], seed=2)
    assert other.load(str(path)) is other
    assert other.state_dict() == model.state_dict()
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    assert document["format"] == "scalargrad.nn.state_dict" and document["version"] == 1
    assert document["module"] == "MLP"
    assert list(document["parameters"]) == [name for name, _ in model.named_parameters()]
    assert os.listdir(tmp_path) == ["model.json"]


def test_save_replaces_an_existing_file_with_the_usual_permissions(tmp_path):
    path = tmp_path / "m.json"
    nn.Linear(2, 1, seed=1).save(path)
    newer = nn.Linear(2, 1, seed=2)
    newer.save(path)
    assert nn.Linear(2, 1, seed=3).load(path).state_dict() == newer.state_dict()
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask


def failing_fsync(fd):
    raise OSError("disk full")  # the temporary file is written, but never made durable


def failing_replace(src, dst):
    raise OSError("rename failed")


@pytest.mark.parametrize("patch", [("fsync", failing_fsync), ("replace", failing_replace)])
def test_save_is_atomic(tmp_path, monkeypatch, patch):
    path = tmp_path / "model.json"
    old = nn.MLP(2, [2, 1], seed=1)
    old.save(path)
    before = path.read_bytes()
    monkeypatch.setattr(os, *patch)
    with pytest.raises(OSError):
        nn.MLP(2, [2, 1], seed=2).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before  # the old file, whole
    assert os.listdir(tmp_path) == ["model.json"]  # and no temporary file left
    assert nn.MLP(2, [2, 1], seed=3).load(path).state_dict() == old.state_dict()


def test_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        nn.Linear(2, 1, seed=0).save(tmp_path / "new.json")
    assert os.listdir(tmp_path) == []


def load_error(tmp_path, content, model=None):
    path = tmp_path / "bad.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    model = model or nn.MLP(2, [2, 1], seed=1)
    before = model.state_dict()
    with pytest.raises(ValueError) as info:
        model.load(path)
    assert model.state_dict() == before
    return info.value


def test_loading_a_truncated_file_is_a_clear_error(tmp_path):
    good = tmp_path / "good.json"
    nn.MLP(2, [2, 1], seed=1).save(good)
    text = good.read_bytes()
    error = load_error(tmp_path, text[: len(text) // 2])
    assert "not valid JSON" in str(error) and "bad.json" in str(error)
    assert isinstance(error.__cause__, json.JSONDecodeError)
    assert isinstance(load_error(tmp_path, b"").__cause__, json.JSONDecodeError)


def test_loading_binary_garbage_is_a_clear_error(tmp_path):
    error = load_error(tmp_path, b"\xff\xfe\x00\x81garbage")
    assert "bad.json" in str(error)


@pytest.mark.parametrize(
    "content, says",
    [
        ('{"weights": [1, 2]}', "not a scalargrad parameter file"),
        ("[1, 2, 3]", "not a scalargrad parameter file"),
        ('{"format": "something.else", "version": 1, "parameters": {}}', "not a scalargrad parameter file"),
        ('{"format": "scalargrad.nn.state_dict", "version": 2, "parameters": {}}', "version 2"),
        ('{"format": "scalargrad.nn.state_dict", "version": 1, "parameters": [1.0]}', '"parameters"'),
    ],
)
def test_loading_a_foreign_file_is_a_clear_error(tmp_path, content, says):
    assert says in str(load_error(tmp_path, content))


def test_loading_another_models_file_names_the_mismatch(tmp_path):
    path = tmp_path / "small.json"
    nn.MLP(2, [2, 1], seed=1).save(path)
    error = load_error(tmp_path, path.read_bytes(), model=nn.MLP(2, [3, 1], seed=1))
    assert "missing key" in str(error) and "layers.0.neurons.2.w.0" in str(error)
    assert "saved from MLP" in str(error)
    assert isinstance(error.__cause__, KeyError)


def test_loading_a_file_with_a_non_number_names_the_key(tmp_path):
    model = nn.Linear(1, 1, seed=0)
    document = {
        "format": "scalargrad.nn.state_dict",
        "version": 1,
        "parameters": {"weight.0.0": 1.0, "bias.0": "zero"},
    }
    error = load_error(tmp_path, json.dumps(document), model=model)
    assert "'bias.0'" in str(error)


def test_loading_a_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.Linear(1, 1, seed=0).load(tmp_path / "absent.json")


# ------------------------------------------------------------ the one walk


def test_named_modules_are_the_modules_under_the_parameter_names():
    block = Block()
    named = block.named_modules()
    # by hand from Block: itself, the Linear in layers[0], the Neuron in table["second"]
    # (block.again is the same Linear: once, under its first name)
    assert [(name, type(m).__name__) for name, m in named] == [
        ("", "Block"),
        ("layers.0", "Linear"),
        ("table.second", "Neuron"),
    ]
    assert named[0][1] is block and named[1][1] is block.layers[0] and named[2][1] is block.table["second"]
    assert [m for _, m in named] == block.modules()
    # every parameter inside a sub-module is named after it
    modules = dict(named)
    for name, p in block.named_parameters():
        owners = [prefix for prefix in modules if prefix and name.startswith(prefix + ".")]
        if owners:
            (owner,) = owners
            assert any(q is p for q in modules[owner].parameters())


def test_named_modules_of_an_mlp_match_its_structure():
    model = nn.MLP(2, [3, 1], seed=0)
    expected = [("", model)]
    for i, layer in enumerate(model.layers):
        expected.append((f"layers.{i}", layer))
        expected += [(f"layers.{i}.neurons.{j}", n) for j, n in enumerate(layer.neurons)]
    got = model.named_modules()
    assert [name for name, _ in got] == [name for name, _ in expected]
    assert all(a is b for (_, a), (_, b) in zip(got, expected))


def test_every_discovery_method_and_repr_use_the_one_walk(monkeypatch):
    model = nn.Sequential(nn.Linear(2, 2, seed=0), nn.ReLU())
    expected = (
        model.parameters(),
        model.named_parameters(),
        model.modules(),
        model.named_modules(),
        repr(model),
    )
    calls = []
    walk = nn.Module._named_members

    def counting(self, *args, **kwargs):
        calls.append(type(self).__name__)
        return walk(self, *args, **kwargs)

    monkeypatch.setattr(nn.Module, "_named_members", counting)
    for method, result in zip(
        (model.parameters, model.named_parameters, model.modules, model.named_modules, model.__repr__),
        expected,
    ):
        calls.clear()
        assert method() == result
        assert calls, f"{method.__name__} does not use Module._named_members"


def test_a_parameter_nested_deeper_than_the_recursion_limit_is_found():
    depth = 5 * 1000  # deeper than Python's default recursion limit (1000)
    leaf = Value(1.5)
    box: list = [leaf]
    for _ in range(depth - 1):
        box = [box]
    m = nn.Module()
    m.deep = box
    assert m.named_parameters() == [("deep" + ".0" * depth, leaf)]
    assert m.state_dict() == {"deep" + ".0" * depth: 1.5}
    assert repr(m) == "Module()"


def test_repr_lists_a_shared_submodule_once_under_its_first_name():
    inner = nn.Linear(1, 1, seed=0)

    class Twice(nn.Module):
        def __init__(self):
            self.first = inner
            self.second = inner
            self.more = {"third": nn.Tanh()}

    assert repr(Twice()) == (
        "Twice(\n  (first): Linear(in_features=1, out_features=1, bias=True)\n  (more.third): Tanh()\n)"
    )
    assert [name for name, _ in Twice().named_modules()] == ["", "first", "more.third"]


def test_sequential_repr_shows_every_step_functions_too_and_its_other_modules():
    seq = nn.Sequential(nn.Linear(1, 1, seed=0), abs)
    seq.head = nn.Sigmoid()
    assert repr(seq) == (
        "Sequential(\n"
        "  (0): Linear(in_features=1, out_features=1, bias=True)\n"
        "  (1): abs\n"
        "  (head): Sigmoid()\n"
        ")"
    )


# ------------------------------------------------- two parameters, one name


def colliding_module():
    """The smallest module whose two parameters get one state_dict name."""
    m = nn.Module()
    m.a = {"b": Value(1.0)}
    setattr(m, "a.b", Value(2.0))
    return m


def test_two_parameters_with_one_state_dict_name_are_refused(tmp_path):
    m = colliding_module()
    assert datas(m.parameters()) == [1.0, 2.0]  # both are still trained
    for call in (m.named_parameters, m.state_dict, lambda: m.load_state_dict({"a.b": 3.0})):
        with pytest.raises(ValueError) as info:
            call()
        message = str(info.value)
        assert "'a.b'" in message and "['a', 'b']" in message and "['a.b']" in message
    path = tmp_path / "m.json"
    with pytest.raises(ValueError, match="same name 'a.b'"):
        m.save(path)
    assert not path.exists()
    nn.Linear(1, 1, seed=0).save(path)
    with pytest.raises(ValueError, match="same name 'a.b'"):
        m.load(path)
    assert datas(m.parameters()) == [1.0, 2.0]  # neither was set


def test_int_and_str_dict_keys_with_one_name_are_refused():
    m = nn.Module()
    m.table = {1: Value(1.0), "1": Value(2.0)}
    with pytest.raises(ValueError, match=r"\['table', 1\].*\['table', '1'\]"):
        m.state_dict()


# ------------------------------------------------ constructors run __init__


def test_from_weights_runs_the_subclass_init_and_sets_the_numbers():
    class MyNeuron(nn.Neuron):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.note = "mine"

    class MyLayer(nn.Layer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.note = "mine"

    class MyMLP(nn.MLP):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.note = "mine"

    class MyLinear(nn.Linear):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.note = "mine"

    neuron = MyNeuron.from_weights([2.0, -1.0], 0.5, activation="linear")
    layer = MyLayer.from_weights([[1.0, 2.0], [3.0, 4.0]], [0.5, -0.5], activation="tanh")
    mlp = MyMLP.from_weights([([[1.0, -1.0]], [0.0]), ([[2.0]], [1.0])])
    linear = MyLinear.from_weights([[1.0, 2.0]], [0.25])
    for module in (neuron, layer, mlp, linear):
        assert module.note == "mine"
    assert (
        type(neuron) is MyNeuron
        and type(layer) is MyLayer
        and type(mlp) is MyMLP
        and type(linear) is MyLinear
    )
    assert neuron.state_dict() == {"w.0": 2.0, "w.1": -1.0, "b": 0.5}
    assert neuron([1.0, 3.0]).data == 2.0 - 3.0 + 0.5
    assert layer.state_dict() == {
        "neurons.0.w.0": 1.0,
        "neurons.0.w.1": 2.0,
        "neurons.0.b": 0.5,
        "neurons.1.w.0": 3.0,
        "neurons.1.w.1": 4.0,
        "neurons.1.b": -0.5,
    }
    assert datas(layer([1.0, 1.0])) == [math.tanh(3.5), math.tanh(6.5)]
    assert mlp([3.0, 1.0]).data == 2 * max(0.0, 3.0 - 1.0) + 1.0
    assert linear.state_dict() == {"weight.0.0": 1.0, "weight.0.1": 2.0, "bias.0": 0.25}


def test_from_weights_leaves_the_random_stream_alone():
    random.seed(123)
    expected = [random.random() for _ in range(3)]
    random.seed(123)
    nn.Neuron.from_weights([1.0], 0.0)
    nn.Layer.from_weights([[1.0]], [0.0])
    nn.MLP.from_weights([([[1.0]], [0.0])])
    nn.Linear.from_weights([[1.0]], [0.0])
    assert [random.random() for _ in range(3)] == expected


def test_mlp_from_weights_with_biases_in_some_layers_only():
    model = nn.MLP.from_weights([([[1.0, 1.0]], None), ([[2.0]], [0.5])])
    assert model.state_dict() == {
        "layers.0.neurons.0.w.0": 1.0,
        "layers.0.neurons.0.w.1": 1.0,
        "layers.1.neurons.0.w.0": 2.0,
        "layers.1.neurons.0.b": 0.5,
    }
    assert model.layers[0].neurons[0].b is None
    assert model([1.0, 2.0]).data == 2.0 * 3.0 + 0.5


# ------------------------------------------------------- arguments' types


@pytest.mark.parametrize(
    "call, says",
    [
        (lambda: nn.MLP.from_weights([1]), r"layers\[0\] must be a \(weight rows, biases\) pair, got int 1"),
        (lambda: nn.MLP.from_weights(7), "layers must be a list .*got int 7"),
        (
            lambda: nn.MLP.from_weights([([[1.0]], 2.0)]),
            r"layers\[0\]\[1\] must be a sequence .*got float 2.0",
        ),
        (
            lambda: nn.MLP.from_weights([([["x"]], None)]),
            r"layers\[0\]\[0\]\[0\]\[0\] must be a real number, got str",
        ),
        (lambda: nn.MLP(2, [3, 1], activation=3), "activation must be .*got int 3"),
        (lambda: nn.MLP(2, [3], output_activation=3), "activation must be .*got int 3"),
        (lambda: nn.MLP(2, 5), "nouts must be a list of layer sizes, got int 5"),
        (lambda: nn.MLP(2, [3, "1"]), r"nouts\[1\] must be a positive int, got str '1'"),
        (lambda: nn.MLP(2.0, [1]), "nin must be a positive int, got float 2.0"),
        (lambda: nn.Linear("2", 3), "nin must be a positive int, got str '2'"),
        (lambda: nn.Layer(2, None), "nout must be a positive int, got NoneType None"),
        (lambda: nn.Neuron(True), "nin must be a positive int, got bool True"),
        (lambda: nn.Linear(2, 3, bias="no"), "bias must be True or False, got str 'no'"),
        (lambda: nn.Neuron(2, nonlin="yes"), "nonlin must be True or False, got str 'yes'"),
        (lambda: nn.Layer.from_weights(3), "rows must be a list of weight rows, .*got int 3"),
        (
            lambda: nn.Linear.from_weights([[1.0]], 0.5),
            "bias must be a sequence of numbers or None, got float 0.5",
        ),
        (lambda: nn.Neuron.from_weights(1.0), "w must be a sequence of numbers, got float 1.0"),
        (lambda: nn.Neuron.from_weights([1.0], "x"), "b must be a real number or None, got str 'x'"),
        (lambda: nn.Linear(1, 1, seed=0).train("yes"), "mode must be True or False, got str 'yes'"),
        (lambda: nn.Linear(1, 1, seed=0).load(3), "path must be a str or os.PathLike, got int 3"),
        (lambda: nn.Linear(1, 1, seed=0).save(None), "path must be a str or os.PathLike, got NoneType None"),
    ],
)
def test_a_wrong_type_is_a_type_error_naming_the_argument(call, says):
    with pytest.raises(TypeError, match=says):
        call()


def test_sizes_of_any_integer_type_are_accepted_and_bad_values_stay_value_errors():
    numpy = pytest.importorskip("numpy")
    assert len(nn.MLP(numpy.int64(2), [numpy.int32(3), 1], seed=0).parameters()) == expected_parameter_count(
        2, [3, 1]
    )
    with pytest.raises(ValueError, match="nin must be a positive int, got 0"):
        nn.Neuron(0)
    with pytest.raises(ValueError, match=r"nouts\[0\] must be a positive int, got -1"):
        nn.MLP(2, [-1])
    with pytest.raises(ValueError, match="non-empty"):
        nn.MLP(2, [])


# ------------------------------------------------------------ absurd sizes


@pytest.mark.parametrize(
    "make, count",
    [
        (lambda: nn.MLP(2, [10**9]), 10**9 * 3),
        (lambda: nn.MLP(10**8, [1]), 10**8 + 1),
        (lambda: nn.Layer(10**9, 1), 10**9 + 1),
        (lambda: nn.Linear(10**5, 10**5, bias=False), 10**10),
        (lambda: nn.Neuron(10**100), 10**100 + 1),
    ],
)
def test_absurd_sizes_are_refused_before_allocating(make, count):
    with pytest.raises(ValueError) as info:
        make()
    assert f"{count:,} parameters" in str(info.value)
    assert "MAX_PARAMETERS" in str(info.value)


def test_the_parameter_limit_is_inclusive(monkeypatch):
    count = expected_parameter_count(2, [3, 1])  # 13
    monkeypatch.setattr(nn, "MAX_PARAMETERS", count)
    assert len(nn.MLP(2, [3, 1], seed=0).parameters()) == count
    monkeypatch.setattr(nn, "MAX_PARAMETERS", count - 1)
    with pytest.raises(ValueError, match=f"{count} parameters"):
        nn.MLP(2, [3, 1], seed=0)
    assert len(nn.MLP(2, [3, 1], bias=False, seed=0).parameters()) == 2 * 3 + 3 * 1
