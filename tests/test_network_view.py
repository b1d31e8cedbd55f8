"""Networks drawn as networks (issue 12, part 4): ``scalargrad.viz.network``.

Every number the view shows is checked against a reference computed another
way: the weights' ``.grad`` after ``loss.backward()`` (the engine's own pass,
not the trace the view reads), per-sample gradients added up by hand, a
central finite difference, or ``∂L/∂output`` written out by hand. The boxes
are checked against the model's own list of neurons, and the DOT source
against the view, so no test needs the ``dot`` program except the ones that
render (skipped without it).
"""

from __future__ import annotations

import importlib.util
import math
import re
import shutil
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("graphviz")

import scalargrad as sg  # noqa: E402
from scalargrad import losses, nn  # noqa: E402
from scalargrad.viz.network import Network, draw_network, network_view  # noqa: E402
from scalargrad.viz.palette import INK, LEAF_FILL, MUTED, NODE_FILL, USED_FILL  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str) -> ModuleType:
    path = EXAMPLES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_network_example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def weights_of(model: Any) -> dict[str, sg.Value]:
    """The model's weights (every parameter but the biases), by name."""
    return {
        name: p
        for name, p in model.named_parameters()
        if not (name.endswith(".b") or ".bias." in name or name.startswith("bias."))
    }


def biases_of(model: Any) -> dict[str, sg.Value]:
    weights = weights_of(model)
    return {name: p for name, p in model.named_parameters() if name not in weights}


def check_weight_edges(view: Network, model: Any) -> None:
    """Every weight is exactly one edge, and that edge shows the weight's .grad after backward()."""
    weights = weights_of(model)
    seen = [name for edge in view.edges if edge.kind == "weight" for name in edge.weights]
    assert sorted(seen) == sorted(weights), "every weight once, and nothing else"
    for edge in view.edges:
        if edge.kind == "weight":
            (name,) = edge.weights
            (g,) = edge.gradients
            assert g == weights[name].grad, name
            assert edge.magnitude == abs(weights[name].grad)


# ============================================ seed 001: the 3-4-1 sigmoid net

SEED001_INPUTS = ((0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1))
SEED001_TARGETS = (0, 1, 1, 0)


@pytest.fixture(scope="module")
def seed001() -> ModuleType:
    return _load("seed001_two_layer")


def seed001_sequential(example: ModuleType) -> tuple[nn.Sequential, list[sg.Value], sg.Value]:
    model = example.build_network()
    predictions = [model(list(x))[0] for x in example.INPUTS]
    loss = losses.half_squared_error(predictions, example.TARGETS, reduction="sum")
    return model, predictions, loss


def seed001_mlp() -> tuple[nn.MLP, list[sg.Value], sg.Value]:
    model = nn.MLP(3, [4, 1], activation="sigmoid", output_activation="sigmoid", bias=False, seed=1)
    predictions = [model(list(x)) for x in SEED001_INPUTS]
    loss = losses.half_squared_error(predictions, SEED001_TARGETS, reduction="sum")
    return model, predictions, loss


def test_seed001_sequential_boxes_are_inputs_neurons_and_the_loss(seed001: ModuleType) -> None:
    model, _, loss = seed001_sequential(seed001)
    view = network_view(loss, model)
    kinds = [(box.kind, box.title, box.column) for box in view.boxes]
    assert kinds == [
        ("input", "x0", 0),
        ("input", "x1", 0),
        ("input", "x2", 0),
        ("neuron", "0[0]", 1),
        ("neuron", "0[1]", 1),
        ("neuron", "0[2]", 1),
        ("neuron", "0[3]", 1),
        ("neuron", "2", 2),
        ("loss", "loss", 3),
    ]
    # The activations are the Sigmoid modules that follow each Linear.
    assert [box.activation for box in view.boxes if box.kind == "neuron"] == ["sigmoid"] * 5
    assert view.calls == 4
    assert view.boxes[view.loss].data == loss.data


def test_seed001_sequential_edges_show_each_weights_grad(seed001: ModuleType) -> None:
    model, predictions, loss = seed001_sequential(seed001)
    view = network_view(loss, model)
    loss.backward()
    check_weight_edges(view, model)
    # Which neuron each edge joins: Linear's weight[j][i] joins input (or unit) i to unit j.
    for edge in view.edges:
        if edge.kind == "weight":
            layer, _, j, i = edge.weights[0].split(".")
            source, target = view.boxes[edge.source], view.boxes[edge.target]
            assert target.title == (f"{layer}[{j}]" if layer == "0" else layer)
            assert source.title == (f"x{i}" if layer == "0" else f"0[{i}]")


def test_the_loss_is_not_folded_into_the_output_neuron(seed001: ModuleType) -> None:
    # ½ Σ (a - y)² after a sigmoid output: the edge into the loss carries Σ ∂L/∂a = Σ (a - y),
    # where a is the sigmoid's output. Folding the loss's a - y into the neuron would change it.
    model, predictions, loss = seed001_sequential(seed001)
    view = network_view(loss, model)
    (output,) = [edge for edge in view.edges if edge.kind == "output"]
    assert view.boxes[output.target].kind == "loss"
    assert view.boxes[output.source].title == "2"
    by_hand = math.fsum(a.data - y for a, y in zip(predictions, seed001.TARGETS))
    assert output.gradients[0] == pytest.approx(by_hand, rel=1e-12)
    loss.backward()
    assert output.gradients[0] == pytest.approx(math.fsum(a.grad for a in predictions), rel=1e-12)


def test_a_linear_output_stops_at_the_bias() -> None:
    # MLP's last layer is linear, and the loss (o - y)² starts with a one-operand node o - y
    # that looks like one more op of the output neuron.
    model = nn.MLP(2, [3, 1], seed=4)
    samples = [([0.5, -1.0], 1.0), ([2.0, 0.25], -0.5), ([-1.0, 1.0], 0.0)]
    outputs = [model(x) for x, _ in samples]
    loss = sg.sum([(o - y) ** 2 for o, (_, y) in zip(outputs, samples)])
    view = network_view(loss, model)
    (output,) = [edge for edge in view.edges if edge.kind == "output"]
    assert view.boxes[output.source].activation == ""
    by_hand = math.fsum(2 * (o.data - y) for o, (_, y) in zip(outputs, samples))
    assert output.gradients[0] == pytest.approx(by_hand, rel=1e-12)


def test_seed001_as_an_mlp_boxes_are_exactly_the_models_neurons() -> None:
    model, _, loss = seed001_mlp()
    view = network_view(loss, model)
    neurons = [name for name, m in model.named_modules() if type(m).__name__ == "Neuron"]
    assert [box.title for box in view.boxes if box.kind == "neuron"] == neurons
    assert [box.title for box in view.boxes if box.kind == "input"] == ["x0", "x1", "x2"]
    assert [box.kind for box in view.boxes].count("loss") == 1
    assert {box.layer for box in view.boxes if box.kind == "neuron"} == {"layers.0", "layers.1"}
    loss.backward()
    check_weight_edges(view, model)


def test_a_shared_weights_gradient_is_the_sum_over_the_calls() -> None:
    # The reference: one fresh graph per sample, each backward() on its own, added up.
    model, _, loss = seed001_mlp()
    view = network_view(loss, model)
    total = {name: 0.0 for name in weights_of(model)}
    for x, y in zip(SEED001_INPUTS, SEED001_TARGETS):
        model.zero_grad()
        (0.5 * (model(list(x)) - y) ** 2).backward()
        for name, p in weights_of(model).items():
            total[name] += p.grad
    for edge in view.edges:
        if edge.kind == "weight":
            assert edge.gradients[0] == pytest.approx(total[edge.weights[0]], rel=1e-9, abs=1e-15)


def test_an_edge_agrees_with_a_finite_difference() -> None:
    model, _, loss = seed001_mlp()
    view = network_view(loss, model)
    edge = next(e for e in view.edges if e.weights == ("layers.0.neurons.2.w.1",))
    w = model.layers[0].neurons[2].w[1]

    def cost() -> float:
        with sg.no_grad():
            predictions = [model(list(x)) for x in SEED001_INPUTS]
            return float(losses.half_squared_error(predictions, SEED001_TARGETS, reduction="sum").data)

    h, start = 1e-6, w.data
    w.data = start + h
    up = cost()
    w.data = start - h
    down = cost()
    w.data = start
    assert edge.gradients[0] == pytest.approx((up - down) / (2 * h), rel=1e-6)


# ===================================================== seed 004: Sequential


@pytest.fixture(scope="module")
def seed004() -> ModuleType:
    return _load("seed004_pytorch_style")


def test_seed004_sequential(seed004: ModuleType) -> None:
    model = seed004.build_model()
    loss = losses.mse(model([1, 0]), [0, 1])
    view = network_view(loss, model)
    columns = [[box for box in view.boxes if box.column == c] for c in range(5)]
    assert [len(column) for column in columns] == [2, 20, 20, 2, 1]
    assert [{box.activation for box in column} for column in columns[1:4]] == [
        {"relu"},
        {"relu"},
        {"sigmoid"},
    ]
    assert [columns[c][0].layer for c in (1, 2, 3)] == ["0", "2", "4"]
    assert [columns[c][0].layer_type for c in (1, 2, 3)] == ["Linear"] * 3
    loss.backward()
    check_weight_edges(view, model)
    biases = biases_of(model)
    for c, layer in ((1, "0"), (2, "2"), (3, "4")):
        for j, box in enumerate(columns[c]):
            assert box.bias_grad == biases[f"{layer}.bias.{j}"].grad
    outputs = [edge for edge in view.edges if edge.kind == "output"]
    assert [view.boxes[edge.source].title for edge in outputs] == ["4[0]", "4[1]"]


def test_seed004_layer_level(seed004: ModuleType) -> None:
    model = seed004.build_model()
    loss = losses.mse(model([0, 1]), [0, 1])
    view = network_view(loss, model, level="layer")
    assert [(box.kind, box.title, box.size) for box in view.boxes] == [
        ("input", "inputs", 2),
        ("layer", "0", 20),
        ("layer", "2", 20),
        ("layer", "4", 2),
        ("loss", "loss", 1),
    ]
    loss.backward()
    weights = weights_of(model)
    for edge, prefix in zip(view.edges, ("0.weight.", "2.weight.", "4.weight.")):
        mine = [p for name, p in weights.items() if name.startswith(prefix)]
        assert sorted(edge.weights) == sorted(n for n in weights if n.startswith(prefix))
        assert edge.magnitude == pytest.approx(math.fsum(abs(p.grad) for p in mine) / len(mine), rel=1e-12)
    assert [t for t, _ in view.layer_magnitudes()] == ["0", "2", "4"]


# ================================================================== moons


@pytest.fixture(scope="module")
def moons() -> tuple[nn.MLP, sg.Value]:
    example = _load("moons")
    points, labels = example.make_moons()
    model = example.build_model()
    loss, _ = example.loss_and_accuracy(model, points, labels)
    return model, loss


def test_the_moons_mlp_is_quick_and_every_weight_is_one_edge(moons: tuple[nn.MLP, sg.Value]) -> None:
    model, loss = moons
    start = time.perf_counter()
    picture = draw_network(loss, model)
    source = picture.source
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, f"building the moons picture's DOT took {elapsed:.1f} s"
    view = network_view(loss, model)
    assert view.calls == 100
    assert [box.kind for box in view.boxes].count("neuron") == 33
    assert len(view.edges) == 2 * 16 + 16 * 16 + 16 + 1
    # Drawn edges: one per view edge (the invisible ones only keep the columns in order).
    drawn = [line for line in source.splitlines() if "->" in line and "invis" not in line]
    assert len(drawn) == len(view.edges)
    model.zero_grad()
    loss.backward()  # the L2 penalty's share is part of each weight's gradient, as in .grad
    check_weight_edges(view, model)


def test_layer_magnitudes_are_the_mean_weight_gradient_per_layer(moons: tuple[nn.MLP, sg.Value]) -> None:
    model, loss = moons
    view = network_view(loss, model)
    model.zero_grad()
    loss.backward()
    expected = [
        (f"layers.{k}", math.fsum(abs(w.grad) for n in layer.neurons for w in n.w) / (layer.nin * layer.nout))
        for k, layer in enumerate(model.layers)
    ]
    got = view.layer_magnitudes()
    assert [t for t, _ in got] == [t for t, _ in expected]
    for (_, a), (_, b) in zip(got, expected):
        assert a == pytest.approx(b, rel=1e-12)
    layered = network_view(loss, model, level="layer")
    assert [edge.magnitude for edge in layered.edges if edge.kind == "weight"] == pytest.approx(
        [b for _, b in expected], rel=1e-12
    )


# ============================================================ the picture


def test_small_nets_write_each_number_where_its_edge_ends(seed001: ModuleType) -> None:
    model, _, loss = seed001_sequential(seed001)
    view = network_view(loss, model)
    source = draw_network(loss, model).source
    # Each box's number cells, by port: ports[b][k] is the text in port ik of box b.
    ports: dict[int, dict[int, str]] = {}
    for b, label in re.findall(r"^\s*b(\d+) \[label=<(.*)>", source, flags=re.M):
        cells = re.findall(r'PORT="i(\d+)"[^>]*><FONT[^>]*>([^<]+)</FONT>', label)
        ports[int(b)] = {int(k): text.replace("&#160;", "") for k, text in cells}
    assert sum(len(cells) for cells in ports.values()) == len(view.edges)
    for edge in view.edges:
        # the edge goes into its own port of the target's box, whose cell shows its magnitude
        (k,) = re.findall(rf"b{edge.source} -> b{edge.target}:i(\d+):w", source)
        assert float(ports[edge.target][int(k)]) == pytest.approx(edge.magnitude, rel=5e-3)
        assert ports[edge.target][int(k)] == f"{edge.magnitude:.3g}"
    assert "penwidth" in source


def test_edge_widths_grow_with_the_gradient(seed001: ModuleType) -> None:
    model, _, loss = seed001_sequential(seed001)
    view = network_view(loss, model)
    source = draw_network(loss, model).source
    widths = [float(w) for w in re.findall(r'-> b\d+(?::i\d+:w)? \[[^\]]*penwidth="?([\d.]+)', source)]
    magnitudes = [edge.magnitude for edge in view.edges]
    assert len(widths) == len(magnitudes)
    ranked = sorted(zip(magnitudes, widths))
    assert all(a[1] <= b[1] for a, b in zip(ranked, ranked[1:])), "a larger gradient is never thinner"
    assert ranked[0][1] < ranked[-1][1]


def _luminance(colour: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour.lstrip("#")[k : k + 2], 16) / 255 for k in (0, 2, 4))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_every_text_colour_meets_wcag_aa(seed001: ModuleType) -> None:
    model, _, loss = seed001_sequential(seed001)
    for level in ("neuron", "layer"):
        source = draw_network(loss, model, level=level).source
        texts = set(re.findall(r'FONT COLOR="(#[0-9a-fA-F]{6})"', source)) | {INK}
        fills = set(re.findall(r'BGCOLOR="(#[0-9a-fA-F]{6})"', source)) | {"#ffffff"}
        assert fills <= {LEAF_FILL, NODE_FILL, USED_FILL, "#ffffff"}
        assert texts <= {INK, MUTED}
        for text in texts:
            for fill in fills:
                assert _contrast(text, fill) >= 4.5, (text, fill)


def test_the_dot_source_is_deterministic(seed001: ModuleType) -> None:
    sources = []
    for _ in range(2):
        model, _, loss = seed001_sequential(seed001)
        sources.append(draw_network(loss, model).source)
    assert sources[0] == sources[1]


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs graphviz's dot")
def test_the_pictures_render(seed001: ModuleType, moons: tuple[nn.MLP, sg.Value]) -> None:
    model, _, loss = seed001_sequential(seed001)
    svg = draw_network(loss, model).pipe(format="svg").decode()
    assert "<svg" in svg and "0.655919" in svg  # the loss's value, in its box
    moons_model, moons_loss = moons
    start = time.perf_counter()
    draw_network(moons_loss, moons_model).pipe(format="svg")
    assert time.perf_counter() - start < 20.0


# ================================================================== input


def test_bad_arguments_say_which_argument() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    loss = model([1.0, 2.0]) ** 2
    with pytest.raises(TypeError, match="as root"):
        draw_network(1.5, model)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="as model"):
        draw_network(loss, object())
    with pytest.raises(ValueError, match="level must be"):
        draw_network(loss, model, level="neurons")
    with pytest.raises(TypeError, match="as level"):
        draw_network(loss, model, level=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir"):
        draw_network(loss, model, rankdir="sideways")
    with pytest.raises(TypeError, match="edge_labels"):
        draw_network(loss, model, edge_labels="yes")  # type: ignore[arg-type]


def test_a_loss_the_model_did_not_compute_is_refused() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    other = nn.MLP(2, [2, 1], seed=1)
    with pytest.raises(ValueError, match="no neuron of model"):
        network_view(other([1.0, 2.0]) ** 2, model)


def test_a_model_that_is_not_an_nn_module_works_by_its_named_parameters() -> None:
    inner = nn.Linear.from_weights([[1.0, -2.0], [0.5, 0.25]], [0.0, 1.0])

    class Plain:  # no nn.Module: only named_parameters()
        def named_parameters(self) -> list[tuple[str, sg.Value]]:
            return inner.named_parameters()

    outputs = inner([3.0, 1.0])
    loss = (outputs[0] - 1.0) ** 2 + (outputs[1] + 1.0) ** 2
    view = network_view(loss, Plain())
    assert [box.title for box in view.boxes if box.kind == "neuron"] == ["model[0]", "model[1]"]
    loss.backward()
    check_weight_edges(view, inner)


def test_a_fixed_scale_draws_equal_gradients_equally_in_two_pictures() -> None:
    # Two nets, one weight each with the same |∂L/∂w| = 2: with one scale they get the same pen.
    first = nn.Linear.from_weights([[1.0]], None)
    second = nn.Linear.from_weights([[1.0], [3.0]], None)
    loss_1 = 2.0 * first([1.0])[0]
    out = second([1.0])
    loss_2 = 2.0 * out[0] + 0.001 * out[1]
    pens = []
    for model, loss in ((first, loss_1), (second, loss_2)):
        source = draw_network(loss, model, scale=(1e-3, 4.0)).source
        pens.append(re.findall(r'b\d+ -> b\d+\S* \[[^\]]*penwidth="?([\d.]+)', source))
    assert pens[0][0] == pens[1][0]  # |∂L/∂w| = 2 in both
    assert float(pens[1][1]) < float(pens[1][0])  # 0.001 is thinner
    with pytest.raises(ValueError, match="scale"):
        draw_network(loss_1, first, scale=(1.0, 0.5))
    with pytest.raises(TypeError, match="as scale"):
        draw_network(loss_1, first, scale=1.0)  # type: ignore[arg-type]
