"""sg.label: naming Values at once, from a mapping such as locals(), or a model's parameters."""

from __future__ import annotations

import pytest

import scalargrad as sg
from scalargrad import nn


def test_labels_values_by_their_names() -> None:
    a = b = sg.Value(0.5)
    c = sg.Value(2.0, label="kept")
    y = a * c
    done = sg.label({"a": a, "b": b, "c": c, "y": y, "_hidden": sg.Value(1.0), "n": 3})
    assert a.label == "a"  # the first name of a Value wins
    assert c.label == "kept"  # already labelled: left alone
    assert y.label == "y"
    assert done == [a, y]
    sg.label({"c": c}, relabel=True)
    assert c.label == "c"
    assert "y = a × c" in sg.explain(y, "a").text


def test_labels_locals() -> None:
    x = sg.Value(3.0)
    w = sg.Value(-1.0)
    out = x * w
    sg.label(locals())
    assert (x.label, w.label, out.label) == ("x", "w", "out")


def test_labels_change_no_number() -> None:
    model = nn.MLP(3, [4, 1], seed=1)
    xs = [0.5, -1.0, 2.0]
    before = model(xs).data
    sg.label(model)
    assert model(xs).data == before


@pytest.mark.parametrize(
    "model",
    [nn.MLP(3, [4, 1], seed=0), nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))],
    ids=["MLP", "Sequential"],
)
def test_model_parameters_get_short_unique_names(model) -> None:
    labelled = sg.label(model)
    names = [p.label for p in labelled]
    assert len(labelled) == len(model.parameters())
    assert len(set(names)) == len(names)
    assert max(len(name) for name in names) <= 8
    assert all(name[0] in "wb" for name in names)


def test_a_model_among_locals_and_a_drawn_neuron_reads_like_a_textbook() -> None:
    neuron = nn.Neuron.from_weights([0.5, -1.0], 0.25)
    x1, x2 = sg.Value(1.0), sg.Value(2.0)
    out = neuron([x1, x2])
    sg.label({"neuron": neuron, "x1": x1, "x2": x2, "out": out})
    assert sorted(p.label for p in neuron.parameters()) == ["b", "w0", "w1"]
    text = sg.explain(out, "w0").text
    assert "∂out/∂w0" in text


def test_rejects_what_it_cannot_read() -> None:
    with pytest.raises(TypeError, match="mapping of names"):
        sg.label([sg.Value(1.0)])
    with pytest.raises(TypeError, match="relabel"):
        sg.label({}, relabel=1)
