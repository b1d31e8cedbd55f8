"""scalargrad.viz.trace: the plain-data record of a backward pass.

References are independent of the trace: the full-precision figures of
../shared/README.md (seed 003), derivatives worked out by hand, and what
``backward()`` puts in ``.grad`` on a separately built copy of the graph.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import pytest

import scalargrad as sg
from scalargrad import Value
from scalargrad.viz.trace import Contribution, NodeRecord, Step, Trace, trace

# ../shared/README.md, "seed 003 in full precision"
OUTO = 0.5637139161734462
DE_DW2 = -0.042386804424448137
DE_DW1 = -0.001033183875581653


def worked_example() -> dict[str, Value]:
    """Seed 003's chain, every named quantity labelled; the constants 0.9 and 0.5 stay unlabelled."""

    def named(v: Value, label: str) -> Value:
        v.label = label
        return v

    i1, w1, w2 = Value(0.1, label="i1"), Value(0.5, label="w1"), Value(0.5, label="w2")
    neth = named(i1 * w1, "neth")
    outh = named(neth.sigmoid(), "outh")
    neto = named(outh * w2, "neto")
    outo = named(neto.sigmoid(), "outo")
    E = named(0.5 * (0.9 - outo) ** 2, "E")
    return {v.label: v for v in (i1, w1, w2, neth, outh, neto, outo, E)}


def mixed_graph() -> Value:
    """A graph using most ops, with shared subexpressions and unlabelled nodes."""
    x, y, z = Value(0.7, label="x"), Value(-1.3, label="y"), Value(2.0, label="z")
    a = x * y + x.tanh()
    b = (a.exp() / z - y**3).relu() + sg.sum([a, x, y.sigmoid()])
    c = sg.dot([x, y], [z, a]) * b.log() if b.data > 0 else b
    d = (c - x).sqrt() if c.data > x.data else abs(c - x)
    return d * x + d.sin() + sg.leaky_relu(y, 0.1) + x**0 + (-z).cos()


def nodes_of(root: Value) -> list[Value]:
    return sg.topological_order(root)


# ----------------------------------------------------------- seed 003 figures


def test_step_completing_neto_is_outo_times_sigmoid_derivative() -> None:
    t = trace(worked_example()["E"])
    step = t.step("neto")
    assert step.node == t.node("neto").index
    (c,) = step.contributions
    assert t.nodes[c.consumer].name == "outo"
    assert c.consumer_grad == pytest.approx(OUTO - 0.9, rel=1e-12)  # -0.336286
    assert c.consumer_grad == pytest.approx(-0.336286, abs=5e-7)
    assert c.local_derivative == pytest.approx(OUTO * (1 - OUTO), rel=1e-12)  # 0.245941
    assert c.local_derivative == pytest.approx(0.245941, abs=5e-7)
    assert c.product == pytest.approx(-0.082706, abs=5e-7)
    assert c.product == c.consumer_grad * c.local_derivative
    assert step.gradient == c.product
    assert not c.masked


def test_weight_gradients_match_the_published_full_precision_figures() -> None:
    t = trace(worked_example()["E"])
    assert t.gradient_of("w2") == pytest.approx(DE_DW2, rel=1e-14)
    assert t.gradient_of("w1") == pytest.approx(DE_DW1, rel=1e-14)
    assert t.gradient_of("E") == 1.0


def test_worked_example_nodes_and_names() -> None:
    t = trace(worked_example()["E"])
    # E = 0.5 * sq, sq = (0.9 - outo) ** 2: depth first from E, first operands first.
    # The numbers 0.5 and 0.9 live in their ops, not in nodes.
    assert [n.name for n in t.nodes] == [
        "i1",
        "w1",
        "neth",
        "outh",
        "w2",
        "neto",
        "outo",
        "n7",
        "n8",
        "E",
    ]
    assert t.root == 9 and t.nodes[t.root].name == "E"
    sq = t.node("n8")
    assert (sq.op, sq.params, sq.parents) == ("pow", {"right": 2.0}, (7,))
    assert (t.node("n7").op, t.node("n7").params, t.node("n7").parents) == ("sub", {"left": 0.9}, (6,))
    assert (t.node("E").op, t.node("E").params) == ("mul", {"left": 0.5})
    assert t.node("outo").op == "sigmoid" and t.node("i1").op is None
    assert [n.is_leaf for n in t.nodes] == [n.op is None for n in t.nodes]
    for n in t.nodes:  # parents before children
        assert all(p < n.index for p in n.parents)


# -------------------------------------------- agreement with backward()


@pytest.mark.parametrize(
    "build",
    [lambda: worked_example()["E"], mixed_graph],
    ids=["seed003", "mixed"],
)
@pytest.mark.parametrize("seed", [1.0, -2.5])
def test_every_gradient_equals_backward_on_a_fresh_copy(build: Callable[[], Value], seed: float) -> None:
    t = trace(build(), gradient=seed)
    fresh = build()
    fresh.backward(seed)
    expected = [n.grad for n in nodes_of(fresh)]
    assert len(expected) == len(t.nodes) > 5
    assert [n.grad for n in t.nodes] == expected  # exactly: same additions in the same order
    assert [n.data for n in t.nodes] == [n.data for n in nodes_of(fresh)]


def test_tracing_changes_no_grad_and_no_data() -> None:
    root = mixed_graph()
    nodes = nodes_of(root)
    for k, n in enumerate(nodes):  # distinctive values that a reset or an accumulation would change
        n.grad = 100.0 + k
    before = [(n.grad, n.data, n.label) for n in nodes]
    trace(root)
    trace(root, gradient=3.0)
    assert [(n.grad, n.data, n.label) for n in nodes] == before
    assert nodes_of(root) == nodes


def test_step_gradient_is_the_sum_of_its_contributions_in_order() -> None:
    t = trace(mixed_graph())
    assert t.steps[0].node == t.root and t.steps[0].contributions == ()
    for step in t.steps:
        total = 0.0
        for c in step.contributions:
            total += c.product
            assert c.consumer_grad == t.nodes[c.consumer].grad
            assert t.nodes[c.consumer].parents[c.position] == step.node
        if step.node != t.root:
            assert step.gradient == total
        assert t.nodes[step.node].grad == step.gradient


def test_steps_run_in_reverse_topological_order_one_per_node() -> None:
    t = trace(mixed_graph())
    assert [s.node for s in t.steps] == list(range(len(t.nodes)))[::-1]
    done: set[int] = set()
    for step in t.steps:
        assert all(c.consumer in done for c in step.contributions)
        done.add(step.node)
    # one contribution per edge of the graph
    edges = sum(len(n.parents) for n in t.nodes)
    assert sum(len(s.contributions) for s in t.steps) == edges


# --------------------------------------------------------- shape of graphs


def test_diamond_gives_one_contribution_per_consumer() -> None:
    x = Value(2.0, label="x")
    a = x * 3.0
    a.label = "a"
    b = x.tanh()
    b.label = "b"
    y = a + b
    y.label = "y"
    t = trace(y)
    cs = t.step("x").contributions
    assert sorted(t.nodes[c.consumer].name for c in cs) == ["a", "b"]
    by_name = {t.nodes[c.consumer].name: c for c in cs}
    assert by_name["a"].local_derivative == 3.0
    assert by_name["b"].local_derivative == pytest.approx(1 - math.tanh(2.0) ** 2, rel=1e-14)
    assert sum(c.product for c in cs) == pytest.approx(3.0 + 1 - math.tanh(2.0) ** 2, rel=1e-14)
    assert t.gradient_of("x") == cs[0].product + cs[1].product
    # deterministic order: b comes after a in topological order, so its step is done first
    assert [t.nodes[c.consumer].name for c in cs] == ["b", "a"]


def test_node_used_twice_by_one_consumer_gets_two_contributions() -> None:
    x = Value(-1.5, label="x")
    y = x * x
    y.label = "y"
    t = trace(y, gradient=2.0)
    cs = t.step("x").contributions
    assert [(c.consumer, c.position) for c in cs] == [(1, 0), (1, 1)]
    assert [c.product for c in cs] == [2.0 * -1.5, 2.0 * -1.5]
    assert t.gradient_of("x") == 2.0 * 2 * -1.5


def test_leaf_root() -> None:
    t = trace(Value(3.0, label="x"), gradient=2.5)
    assert t.root == 0
    assert t.nodes == (
        NodeRecord(
            index=0, label="x", name="x", op=None, params={}, data=3.0, grad=2.5, parents=(), is_leaf=True
        ),
    )
    assert t.steps == (Step(node=0, gradient=2.5, contributions=()),)
    assert t.gradient_of("x") == 2.5
    assert trace(Value(-0.25)).nodes[0].name == "n0"  # a short name, never the value


# ------------------------------------------------------------------ masks


def test_relu_at_zero_blocks_an_infinite_upstream_gradient() -> None:
    x = Value(0.0, label="x")
    r = x.relu()
    r.label = "r"
    y = r * Value(math.inf, label="big")
    y.label = "y"
    t = trace(y)
    (into_r,) = t.step("r").contributions
    assert into_r.product == math.inf
    (c,) = t.step("x").contributions
    assert (c.consumer_grad, c.local_derivative, c.product, c.masked) == (math.inf, 0.0, 0.0, True)
    assert t.gradient_of("x") == 0.0
    # an unmasked zero derivative does not block: inf * 0 is nan, as in backward()
    z = Value(0.0, label="z")
    w = z * 0.0
    tz = trace(w, gradient=math.inf)
    (cz,) = tz.step("z").contributions
    assert math.isnan(cz.product) and not cz.masked
    assert math.isnan(tz.gradient_of("z"))


def test_relu_masks_below_zero_and_passes_above() -> None:
    for data, masked, grad in [(-1.0, True, 0.0), (0.0, True, 0.0), (2.0, False, math.inf)]:
        x = Value(data, label="x")
        (c,) = trace(x.relu(), gradient=math.inf).step("x").contributions
        assert (c.masked, c.product) == (masked, grad)


def test_power_zero_blocks_an_infinite_upstream_gradient() -> None:
    x = Value(5.0, label="x")
    (c,) = trace(x**0, gradient=math.inf).step("x").contributions
    assert (c.masked, c.product) == (True, 0.0)
    (c2,) = trace(x**2, gradient=math.inf).step("x").contributions
    assert (c2.masked, c2.product) == (False, math.inf)


# ------------------------------------------------- determinism and lookup


def test_same_graph_built_twice_gives_the_same_record() -> None:
    first, second = trace(mixed_graph()), trace(mixed_graph())
    assert first == second
    assert first.to_dict() == second.to_dict()
    assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())
    for n in first.nodes:  # no id()-sized numbers in names
        assert n.name == n.label or n.name == f"n{n.index}" or (n.is_leaf and float(n.name) == n.data)


def test_lookup_errors_are_clear() -> None:
    t = trace(Value(0.5, label="a") * Value(0.5, label="a"))
    with pytest.raises(ValueError, match=r"2 nodes are named 'a'"):
        t.node("a")
    with pytest.raises(KeyError, match="no node named 'w9'"):
        t.node("w9")
    assert t.node("n2").op == "mul"


# ------------------------------------------------------------------- JSON


def test_to_dict_round_trips_through_json() -> None:
    t = trace(worked_example()["E"])
    d = t.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text) == d
    assert Trace.from_dict(json.loads(text)) == t
    assert d["root"] == 9 and d["nodes"][8]["params"] == {"right": 2.0}
    assert d["nodes"][7]["params"] == {"left": 0.9}
    assert d["steps"][0] == {"node": 9, "gradient": 1.0, "contributions": []}


def test_non_finite_numbers_are_strict_json_and_come_back() -> None:
    x = Value(0.0, label="x")
    t = trace(x.relu() * x.log(), gradient=math.inf)  # log(0) = -inf, and nan gradients
    text = json.dumps(t.to_dict(), allow_nan=False)  # raises on bare inf or nan
    assert '"-inf"' in text and '"inf"' in text and '"nan"' in text
    back = Trace.from_dict(json.loads(text))
    assert [repr(n.data) for n in back.nodes] == [repr(n.data) for n in t.nodes]
    assert [repr(n.grad) for n in back.nodes] == [repr(n.grad) for n in t.nodes]


def test_records_are_frozen_plain_data() -> None:
    t = trace(worked_example()["E"])
    with pytest.raises(AttributeError):
        t.root = 0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        t.nodes[0].grad = 1.0  # type: ignore[misc]
    for n in t.nodes:
        assert isinstance(n, NodeRecord) and type(n.data) is float and type(n.grad) is float
    for s in t.steps:
        assert all(isinstance(c, Contribution) for c in s.contributions)
    assert not any(isinstance(v, Value) for v in _leaves_of(t.to_dict()))


def _leaves_of(obj: object) -> list[object]:
    if isinstance(obj, dict):
        return [leaf for v in obj.values() for leaf in _leaves_of(v)]
    if isinstance(obj, list):
        return [leaf for v in obj for leaf in _leaves_of(v)]
    return [obj]


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize("root", [3.0, [Value(1.0)], None, "E"])
def test_root_that_is_not_a_value_is_a_type_error(root: object) -> None:
    with pytest.raises(TypeError, match=r"trace\(\) takes a scalargrad Value as root, got"):
        trace(root)  # type: ignore[arg-type]


@pytest.mark.parametrize("gradient", ["1", None, Value(1.0), 1j])
def test_gradient_that_is_not_a_real_number_is_a_type_error(gradient: object) -> None:
    with pytest.raises(TypeError, match=r"trace\(\) takes a real number as gradient"):
        trace(Value(1.0), gradient)  # type: ignore[arg-type]


def test_unlabelled_leaves_get_distinct_names_not_their_values() -> None:
    a = b = Value(0.5)
    c = Value(0.5)
    t = trace(a * b + c)
    names = [node.name for node in t.nodes]
    assert len(set(names)) == len(names)
    assert "0.5" not in names
    for name in names:  # each one can be looked up, as explain and path_view do
        assert t.node(name).name == name
