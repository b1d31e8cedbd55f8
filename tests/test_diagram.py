"""Diagrams: the full and collapsed views of a backward pass, checked against backward() and by hand."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalargrad as sg
from scalargrad.cli.walkthrough import build
from scalargrad.testing import expressions, finite_floats
from scalargrad.viz.diagram import diagram


def worked_example():
    return build()  # i1, w1, neth, outh, w2, neto, outo, E labelled; 0.9 and 0.5 constants


def test_collapse_draws_the_tutorials_picture():
    d = diagram(worked_example(), collapse=True)
    assert [n.name for n in d.nodes] == ["i1", "w1", "neth", "outh", "w2", "neto", "outo", "E"]
    edges = {(d.nodes[e.source].name, d.nodes[e.target].name) for e in d.edges}
    assert edges == {
        ("i1", "neth"),
        ("w1", "neth"),
        ("neth", "outh"),
        ("outh", "neto"),
        ("w2", "neto"),
        ("neto", "outo"),
        ("outo", "E"),
    }
    assert len(d.edges) == len(edges)
    formulas = {n.name: n.formula for n in d.nodes}
    assert formulas["neto"] == "outh × w2" and formulas["outh"] == "σ(neth)"
    assert formulas["E"] == "0.5 × (0.9 - outo)²"


def test_folded_derivative_is_the_chain_rule_done_by_hand():
    d = diagram(worked_example(), collapse=True)
    (edge,) = d.edges_into("E")
    outo = d.nodes[edge.source].data
    assert edge.derivative == pytest.approx(-(0.9 - outo), rel=1e-15)  # d/douto of ½ (0.9 - outo)²
    assert edge.formula == ""  # folded from several edges: no single formula


def test_issue_captions_for_the_worked_example():
    d = diagram(worked_example(), collapse=True)
    assert d.step_caption(d.step_of("neto")) == (
        "∂E/∂neto = ∂E/∂outo × ∂outo/∂neto = -0.336286 × 0.245941 = -0.082706"
    )
    assert d.path_caption("w1") == "∂E/∂w1 = (-0.336286)(0.245941)(0.5)(0.249844)(0.1) = -0.001033"
    assert d.path_caption("w2") == "∂E/∂w2 = (-0.336286)(0.245941)(0.512497) = -0.042387"
    (edge,) = [e for e in d.edges_into("neto") if d.nodes[e.source].name == "w2"]
    assert d.edge_caption(edge) == "∂neto/∂w2 = 0.512497"


def test_full_view_has_one_edge_per_operand():
    E = worked_example()
    d = diagram(E)
    operands = sum(len(node.parents) for node in sg.topological_order(E))
    assert len(d.edges) == operands == 9
    assert len(d.steps) == len(d.nodes) == 10


def test_step_gradients_are_backwards():
    E = worked_example()
    d = diagram(E)
    E.backward()
    by_index = {i: node for i, node in enumerate(sg.topological_order(E))}
    for step in d.steps:
        assert step.gradient == by_index[d.nodes[step.node].index].grad
        if step.terms:
            assert math.fsum(t.product for t in step.terms) == pytest.approx(step.gradient, rel=1e-14)


def test_a_node_used_twice_has_two_terms():
    x = sg.Value(3.0, label="x")
    y = x * x + x
    y.label = "y"
    d = diagram(y)
    step = d.step_of("x")
    assert len(step.terms) == 3 and step.gradient == 7.0  # 2x + 1
    listed, count = d.paths("x")
    assert count == 3 and len(listed) == 3
    assert d.path_caption("x") == "∂y/∂x = (1)(3) + (1)(3) + (1) = 7"


@given(expressions(n_inputs=3), st.lists(finite_floats(-2.0, 2.0), min_size=3, max_size=3))
def test_collapsed_to_leaves_edges_are_the_leaf_gradients(expression, point):
    # With only the leaves labelled, every unlabelled node is folded away and
    # each edge leaf -> root carries d root / d leaf: what backward() gives.
    leaves = [sg.Value(x, label=f"x{i}") for i, x in enumerate(point)]
    root = expression(*leaves)
    if not root.parents:
        return
    d = diagram(root, collapse=True)
    root.backward()
    for edge in d.edges:
        leaf = leaves[int(d.nodes[edge.source].name[1:])]
        expected = leaf.grad
        if math.isfinite(expected):
            assert edge.derivative == pytest.approx(expected, rel=1e-9, abs=1e-12)


@given(expressions(n_inputs=2), st.lists(finite_floats(-2.0, 2.0), min_size=2, max_size=2))
def test_path_products_sum_to_the_gradient(expression, point):
    leaves = [sg.Value(x, label=f"x{i}") for i, x in enumerate(point)]
    root = expression(*leaves)
    root.backward()
    d = diagram(root)
    names = {n.name for n in d.nodes}
    for i, leaf in enumerate(leaves):
        if f"x{i}" not in names:
            continue
        listed, count = d.paths(f"x{i}")
        if count != len(listed) or not math.isfinite(leaf.grad):
            continue
        total = math.fsum(math.prod(d.edges[e].derivative for e in path) for path in listed)
        masked = any(d.edges[e].masked for path in listed for e in path)
        if not masked:
            assert total == pytest.approx(leaf.grad, rel=1e-9, abs=1e-12)


def test_path_listing_stops_but_counting_does_not():
    x = sg.Value(1.0, label="x")
    y = x
    for _ in range(8):  # each level doubles the paths: 2**8 of them
        y = y * y
    y.label = "y"
    listed, count = diagram(y).paths("x")
    assert count == 2**8
    assert 0 < len(listed) < count
    assert "more paths" in diagram(y).path_caption("x")


def test_unknown_and_ambiguous_names():
    a, b = sg.Value(1.0, label="a"), sg.Value(2.0, label="a")
    d = diagram(a * b)
    with pytest.raises(ValueError, match="2 nodes are named 'a'"):
        d.position("a")
    with pytest.raises(KeyError, match="no node named 'zz'.*its nodes: a, a, n2"):
        d.position("zz")
