"""scalargrad.nn.losses: values and gradients against hand-worked figures, finite differences and math.

Every expected number here is written out from the formula with plain floats
(or Python's math module); none was captured from scalargrad's own output.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalargrad as sg
from scalargrad import Value, losses

REL = 1e-12


def values(*xs: float) -> list[Value]:
    return [Value(x) for x in xs]


def grads(vs: list[Value]) -> list[float]:
    return [v.grad for v in vs]


def approx(x, rel=REL, abs=1e-15):  # noqa: A002
    return pytest.approx(x, rel=rel, abs=abs)


def log_softmax(zs: list[float], i: int) -> float:
    """-log softmax(zs)[i] from the textbook formula, for moderate logits."""
    return -(zs[i] - math.log(math.fsum(math.exp(z) for z in zs)))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


moderate = st.floats(-5.0, 5.0, allow_nan=False, allow_infinity=False)
probability = st.floats(0.01, 0.99)


# ------------------------------------------------------------ squared errors


def test_mse_value_and_gradient_by_hand():
    y = values(1.0, 2.0, 4.0)
    loss = losses.mse(y, [1.5, 2.0, 3.0])
    loss.backward()
    # errors y - t: -0.5, 0, 1; squares 0.25, 0, 1
    assert loss.data == approx((0.25 + 0.0 + 1.0) / 3)
    # d/dy_i = 2 (y_i - t_i) / n
    assert grads(y) == approx([2 * -0.5 / 3, 0.0, 2 * 1.0 / 3])


def test_mse_reductions_by_hand():
    y, t = [1.0, 2.0, 4.0], [1.5, 2.0, 3.0]
    assert losses.mse(values(*y), t, reduction="sum").data == approx(1.25)
    per_item = losses.mse(values(*y), t, reduction="none")
    assert [v.data for v in per_item] == approx([0.25, 0.0, 1.0])


def test_sse_is_the_sum_of_squared_errors():
    y = values(1.0, 2.0)
    loss = losses.sse(y, [0.0, 4.0])
    loss.backward()
    assert loss.data == 1.0 + 4.0
    assert grads(y) == [2 * (1.0 - 0.0), 2 * (2.0 - 4.0)]


def test_half_squared_error_reproduces_the_seed_003_forward_pass():
    # ../shared/README.md, seed 003 in full precision: outo and E = 1/2 (0.9 - outo)^2
    outo = Value(0.5637139161734462)
    E = losses.half_squared_error(outo, 0.9)
    E.backward()
    assert E.data == approx(0.05654416508769998)
    assert outo.grad == approx(-(0.9 - 0.5637139161734462))  # dE/douto = -(t - y)


def test_half_squared_error_sums_over_items_by_default():
    y = values(0.2, 0.7, 0.4)
    t = [0.0, 1.0, 1.0]
    E = losses.half_squared_error(y, t)
    E.backward()
    assert E.data == approx(0.5 * (0.2**2 + 0.3**2 + 0.6**2))
    assert grads(y) == approx([0.2, -0.3, -0.6])  # y - t, no 1/n
    mean = losses.half_squared_error(values(0.2, 0.7, 0.4), t, reduction="mean")
    assert mean.data == approx((0.2**2 + 0.3**2 + 0.6**2) / 6)
    none = losses.half_squared_error(values(0.2, 0.7, 0.4), t, reduction="none")
    assert [v.data for v in none] == approx([0.02, 0.045, 0.18])


def test_batch_of_vectors_means_over_every_number_and_keeps_its_shape():
    y = [values(1.0, 0.0), values(0.5, 0.5)]
    t = [[0.0, 0.0], [1.0, 1.0]]
    loss = losses.mse(y, t)
    loss.backward()
    assert loss.data == approx((1.0 + 0.0 + 0.25 + 0.25) / 4)
    assert [grads(row) for row in y] == [approx([0.5, 0.0]), approx([-0.25, -0.25])]
    none = losses.mse([values(1.0, 0.0), values(0.5, 0.5)], t, reduction="none")
    assert [[v.data for v in row] for row in none] == [[1.0, 0.0], [0.25, 0.25]]


def test_targets_may_be_values_and_receive_gradients():
    y, t = Value(3.0), Value(1.0)
    loss = losses.mse([y], [t])
    loss.backward()
    assert (y.grad, t.grad) == (2 * (3.0 - 1.0), -2 * (3.0 - 1.0))


def test_single_value_in_single_value_out():
    y = Value(2.0)
    for reduction in ("mean", "sum", "none"):
        out = losses.mse(y, 0.5, reduction=reduction)
        assert isinstance(out, Value)
        assert out.data == 1.5**2


def test_reduction_is_one_nary_sum_node():
    y = values(1.0, 2.0, 3.0, 4.0)
    mean = losses.mse(y, [0.0] * 4)
    assert mean.op.name == "div"
    total = mean.parents[0]
    assert total.op.name == "sum" and len(total.parents) == 4
    summed = losses.hinge(values(0.0, 0.0, 0.0), [1, 1, -1], reduction="sum")
    assert summed.op.name == "sum" and len(summed.parents) == 3


@given(st.lists(st.tuples(moderate, moderate), min_size=1, max_size=6))
def test_squared_error_family_agree(pairs):
    ys, ts = [p[0] for p in pairs], [p[1] for p in pairs]
    n = len(pairs)
    by_hand = math.fsum((t - y) ** 2 for y, t in pairs)
    assert losses.sse(values(*ys), ts).data == approx(by_hand, abs=1e-12)
    assert losses.mse(values(*ys), ts).data == approx(by_hand / n, abs=1e-12)
    assert losses.mse(values(*ys), ts, reduction="sum").data == approx(by_hand, abs=1e-12)
    assert losses.half_squared_error(values(*ys), ts).data == approx(by_hand / 2, abs=1e-12)
    half_mean = losses.half_squared_error(values(*ys), ts, reduction="mean")
    assert half_mean.data == approx(by_hand / (2 * n), abs=1e-12)


@given(st.lists(moderate, min_size=1, max_size=4), st.data())
def test_squared_error_gradients_match_finite_differences(ys, data):
    ts = data.draw(st.lists(moderate, min_size=len(ys), max_size=len(ys)))
    for loss in (losses.mse, losses.sse, losses.half_squared_error):
        assert sg.gradcheck(lambda *y: loss(list(y), ts), *ys)  # noqa: B023 - called at once


# ----------------------------------------------------- binary cross-entropy


def test_binary_cross_entropy_by_hand():
    p = values(0.8, 0.25, 0.6)
    t = [1, 0, 0.5]
    loss = losses.binary_cross_entropy(p, t)
    loss.backward()
    items = [
        -math.log(0.8),
        -math.log(1 - 0.25),
        -(0.5 * math.log(0.6) + 0.5 * math.log(0.4)),
    ]
    assert loss.data == approx(sum(items) / 3)
    # d/dp = (p - t) / (p (1 - p)), over n
    assert grads(p) == approx([(p_ - t_) / (p_ * (1 - p_)) / 3 for p_, t_ in zip([0.8, 0.25, 0.6], t)])


def test_binary_cross_entropy_clamps_at_eps_and_stops_the_gradient_outside():
    p = values(0.0, 1.0)
    loss = losses.binary_cross_entropy(p, [1, 0], reduction="none")
    assert [v.data for v in loss] == approx([-math.log(1e-12), -math.log(1 - (1 - 1e-12))])
    assert all(math.isfinite(v.data) for v in loss)
    sg.sum(loss).backward()
    assert grads(p) == [0.0, 0.0]  # clamped: a constant, as torch.clamp


def test_binary_cross_entropy_clamps_both_logs_for_soft_targets():
    loss = losses.binary_cross_entropy([1.0, 0.0], [0.5, 0.25], reduction="none")
    high, low = 1 - 1e-12, 1e-12
    assert [v.data for v in loss] == approx(
        [
            -(0.5 * math.log(high) + 0.5 * math.log(1 - high)),
            -(0.25 * math.log(low) + 0.75 * math.log(1 - low)),
        ]
    )


def test_binary_cross_entropy_gradient_flows_inside_the_clamp():
    p = Value(1e-12)  # exactly at the bound: still p itself
    losses.binary_cross_entropy(p, 1).backward()
    assert p.grad == approx(-1 / 1e-12)
    q = Value(0.3)
    losses.binary_cross_entropy(q, 1, eps=0.2).backward()
    assert q.grad == approx(-1 / 0.3)
    r = Value(0.1)  # below a larger eps: clamped to 0.2
    loss = losses.binary_cross_entropy(r, 1, eps=0.2)
    loss.backward()
    assert (loss.data, r.grad) == (approx(-math.log(0.2)), 0.0)


@given(probability, st.floats(0.0, 1.0))
def test_binary_cross_entropy_matches_formula_and_finite_differences(p, t):
    loss = losses.binary_cross_entropy(Value(p), t)
    assert loss.data == approx(-(t * math.log(p) + (1 - t) * math.log(1 - p)), rel=1e-12, abs=1e-12)
    assert sg.gradcheck(lambda x: losses.binary_cross_entropy(x, t), p)


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan])
def test_binary_cross_entropy_rejects_non_probabilities(bad):
    with pytest.raises(ValueError, match=r"probabilities\[1\] is .*not a probability"):
        losses.binary_cross_entropy([0.5, bad], [1, 0])


@pytest.mark.parametrize("loss", [losses.binary_cross_entropy, losses.binary_cross_entropy_with_logits])
def test_binary_cross_entropies_reject_targets_outside_0_1(loss):
    with pytest.raises(ValueError, match=r"targets\[0\] is -1.0"):
        loss([0.5], [-1])


@pytest.mark.parametrize("eps", [-1e-3, 0.5, "small"])
def test_binary_cross_entropy_rejects_bad_eps(eps):
    with pytest.raises(ValueError, match="eps"):
        losses.binary_cross_entropy([0.5], [1], eps=eps)


@pytest.mark.parametrize("z", [1000.0, -1000.0, 40.0, -40.0, 0.0])
@pytest.mark.parametrize("t", [0.0, 1.0, 0.3])
def test_bce_with_logits_is_exact_and_finite_for_any_logit(z, t):
    x = Value(z)
    loss = losses.binary_cross_entropy_with_logits(x, t)
    loss.backward()
    exact = max(z, 0.0) - z * t + math.log1p(math.exp(-abs(z)))  # softplus(z) - t z
    assert math.isfinite(loss.data) and math.isfinite(x.grad)
    assert loss.data == approx(exact)
    assert x.grad == approx(sigmoid(z) - t)


def test_bce_with_logits_small_losses_keep_their_digits():
    # softplus(-30) = log1p(e^-30): computing softplus(30) - 30 would lose most digits
    loss = losses.binary_cross_entropy_with_logits(Value(30.0), 1)
    assert loss.data == approx(math.log1p(math.exp(-30.0)))


@given(st.floats(-15.0, 15.0), st.floats(0.0, 1.0))
def test_bce_with_logits_equals_bce_of_sigmoid(z, t):
    # Only for moderate z: beyond, 1 - sigmoid(z) itself has lost the digits
    # that the probability version needs (which is why the logits version exists).
    with_logits = losses.binary_cross_entropy_with_logits(Value(z), t)
    of_probability = losses.binary_cross_entropy(Value(z).sigmoid(), t, eps=0.0)
    assert with_logits.data == approx(of_probability.data, rel=1e-8, abs=1e-8)
    assert sg.gradcheck(lambda x: losses.binary_cross_entropy_with_logits(x, t), z)


def test_bce_with_logits_target_as_value_gets_gradient_minus_z():
    z, t = Value(1.5), Value(0.25)
    losses.binary_cross_entropy_with_logits(z, t).backward()
    assert z.grad == approx(sigmoid(1.5) - 0.25)
    assert t.grad == approx(-1.5)


# -------------------------------------------------------------------- hinge


def test_hinge_by_hand():
    s = values(0.5, -2.0, 3.0, 1.0)
    loss = losses.hinge(s, [1, -1, -1, 1])
    loss.backward()
    # relu(1 - y s): relu(0.5), relu(1 - 2), relu(1 + 3), relu(0)
    assert loss.data == (0.5 + 0.0 + 4.0 + 0.0) / 4
    assert grads(s) == approx([-1 / 4, 0.0, 1 / 4, 0.0])


@given(st.lists(st.tuples(moderate, st.sampled_from([-1, 1])), min_size=1, max_size=6))
def test_hinge_matches_micrograds_formula(pairs):
    scores = [Value(s) for s, _ in pairs]
    labels = [y for _, y in pairs]
    ours = losses.hinge(scores, labels)
    theirs = sum((1 + -y * s).relu() for s, y in zip(scores, labels)) * (1.0 / len(pairs))
    assert ours.data == approx(theirs.data, abs=1e-12)
    ours.backward()
    mine = grads(scores)
    for s in scores:
        s.grad = 0.0
    theirs.backward()
    assert mine == approx(grads(scores), abs=1e-12)


def test_hinge_labels_may_be_values():
    s, y = Value(0.25), Value(-1.0)
    losses.hinge([s], [y]).backward()
    assert (s.grad, y.grad) == (1.0, -0.25)  # d/ds relu(1 - y s) = -y, d/dy = -s


@pytest.mark.parametrize("label", [0, 2, 0.5])
def test_hinge_rejects_labels_other_than_plus_minus_one(label):
    with pytest.raises(ValueError, match=r"labels\[1\] .*-1 or \+1"):
        losses.hinge([0.1, 0.2], [1, label])


# ------------------------------------------------------------ cross-entropy


def test_cross_entropy_is_minus_log_softmax_by_hand():
    zs = [2.0, 1.0, 0.1]
    z = values(*zs)
    loss = losses.cross_entropy(z, 0)
    loss.backward()
    denominator = math.exp(2.0) + math.exp(1.0) + math.exp(0.1)
    assert loss.data == approx(-math.log(math.exp(2.0) / denominator))
    softmax = [math.exp(x) / denominator for x in zs]
    assert grads(z) == approx([softmax[0] - 1, softmax[1], softmax[2]])


@pytest.mark.parametrize(
    "zs, target, expected, gradient",
    [
        ([1000.0, 0.0], 0, 0.0, [0.0, 0.0]),  # log(1 + e^-1000) is 0.0 in floats
        ([1000.0, 0.0], 1, 1000.0, [1.0, -1.0]),
        ([-1000.0, 1000.0, 0.0], 0, 2000.0, [-1.0, 1.0, 0.0]),
        ([-1000.0, -1000.0], 1, math.log(2.0), [0.5, -0.5]),
    ],
)
def test_cross_entropy_is_stable_for_huge_logits(zs, target, expected, gradient):
    z = values(*zs)
    loss = losses.cross_entropy(z, target)
    loss.backward()
    assert loss.data == approx(expected)
    assert grads(z) == approx(gradient)


@given(st.lists(st.floats(-30.0, 30.0), min_size=1, max_size=6), st.data())
def test_cross_entropy_matches_math_and_finite_differences(zs, data):
    target = data.draw(st.integers(0, len(zs) - 1))
    z = values(*zs)
    loss = losses.cross_entropy(z, target)
    assert loss.data == approx(log_softmax(zs, target), rel=1e-9, abs=1e-9)
    loss.backward()
    assert math.fsum(grads(z)) == approx(0.0, abs=1e-12)  # softmax sums to 1
    assert sg.gradcheck(lambda *x: losses.cross_entropy(list(x), target), *zs)


@given(st.lists(moderate, min_size=2, max_size=5), st.floats(-500.0, 500.0))
def test_cross_entropy_ignores_a_common_shift(zs, c):
    shifted = losses.cross_entropy([z + c for z in zs], 1).data
    assert shifted == approx(losses.cross_entropy(zs, 1).data, rel=1e-9, abs=1e-9)


def test_cross_entropy_batch_means_over_samples():
    batch = [values(2.0, 0.0), values(0.0, 2.0), values(1.0, 1.0)]
    loss = losses.cross_entropy(batch, [0, 0, 1])
    loss.backward()
    per_sample = [log_softmax([2.0, 0.0], 0), log_softmax([0.0, 2.0], 0), log_softmax([1.0, 1.0], 1)]
    assert loss.data == approx(sum(per_sample) / 3)
    s = 1 / (1 + math.exp(-2.0))  # softmax of [2, 0] is [s, 1 - s]
    assert [grads(row) for row in batch] == [
        approx([(s - 1) / 3, (1 - s) / 3]),
        approx([-s / 3, s / 3]),  # softmax [1 - s, s] - [1, 0]
        approx([0.5 / 3, -0.5 / 3]),
    ]
    total = losses.cross_entropy([[2.0, 0.0], [0.0, 2.0]], [0, 0], reduction="sum")
    assert total.data == approx(log_softmax([2.0, 0.0], 0) + log_softmax([0.0, 2.0], 0))
    none = losses.cross_entropy([[2.0, 0.0], [0.0, 2.0]], [0, 0], reduction="none")
    assert [v.data for v in none] == approx([log_softmax([2.0, 0.0], 0), log_softmax([0.0, 2.0], 0)])


def test_cross_entropy_rejects_bad_targets():
    with pytest.raises(IndexError, match="target index 3 .* 3 classes"):
        losses.cross_entropy([0.0, 1.0, 2.0], 3)
    with pytest.raises(IndexError, match="target index -1"):
        losses.cross_entropy([0.0, 1.0, 2.0], -1)
    with pytest.raises(TypeError, match="class index"):
        losses.cross_entropy([[0.0, 1.0]], [True])
    with pytest.raises(TypeError, match="class index"):
        losses.cross_entropy([0.0, 1.0], 1.0)
    with pytest.raises(TypeError, match="list of class indices"):
        losses.cross_entropy([[0.0, 1.0], [1.0, 0.0]], 0)
    with pytest.raises(ValueError, match="2 samples but target has 3 indices"):
        losses.cross_entropy([[0.0, 1.0], [1.0, 0.0]], [0, 1, 1])
    with pytest.raises(ValueError, match="empty"):
        losses.cross_entropy([], 0)
    with pytest.raises(ValueError, match="empty"):
        losses.cross_entropy([], [])


# ---------------------------------------------------------- shared contract

ALL = [
    (losses.mse, [0.1, 0.2, 0.3]),
    (losses.half_squared_error, [0.1, 0.2, 0.3]),
    (losses.binary_cross_entropy, [0.1, 0.2, 0.3]),
    (losses.binary_cross_entropy_with_logits, [0.1, 0.2, 0.3]),
    (losses.hinge, [0.1, 0.2, 0.3]),
]
TARGETS = {losses.hinge: [1, -1, 1, 1, -1]}


@pytest.mark.parametrize("loss, predictions", ALL + [(losses.sse, [0.1, 0.2, 0.3])])
def test_mismatched_lengths_name_both(loss, predictions):
    targets = TARGETS.get(loss, [1, 0, 1, 1, 0])
    with pytest.raises(ValueError, match=r"has 3 items but \w+ has 5 items"):
        loss(values(*predictions), targets)
    with pytest.raises(ValueError, match=r"has 3 items but \w+ has 2 items"):
        loss(values(*predictions), targets[:2])
    with pytest.raises(ValueError, match=r"\[1\] has 2 items but \w+\[1\] has 1 item\b"):
        loss([values(0.1), values(0.2, 0.3)], [[1], [1]])


@pytest.mark.parametrize("loss, predictions", ALL + [(losses.sse, [0.1])])
def test_single_value_against_a_list_is_a_mismatch(loss, predictions):
    with pytest.raises(ValueError, match="is a single value but"):
        loss(Value(0.5), [1, 1])


@pytest.mark.parametrize("loss, predictions", ALL + [(losses.sse, [])])
def test_empty_input_is_rejected(loss, predictions):
    with pytest.raises(ValueError, match="empty"):
        loss([], [])
    with pytest.raises(ValueError, match="empty"):
        loss([[], []], [[], []])


@pytest.mark.parametrize("loss, predictions", ALL)
@pytest.mark.parametrize("reduction", ["avg", "MEAN", "", None])
def test_bad_reduction_name_is_rejected(loss, predictions, reduction):
    with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum', 'none'"):
        loss(values(*predictions), TARGETS.get(loss, [1, 0, 1])[:3], reduction=reduction)


def test_cross_entropy_bad_reduction_is_rejected():
    with pytest.raises(ValueError, match="reduction must be one of"):
        losses.cross_entropy([0.0, 1.0], 0, reduction="batchmean")


@pytest.mark.parametrize("loss, predictions", ALL)
def test_reductions_agree_with_each_other(loss, predictions):
    targets = TARGETS.get(loss, [1, 0, 0.5])[:3]
    none = loss(values(*predictions), targets, reduction="none")
    total = loss(values(*predictions), targets, reduction="sum")
    mean = loss(values(*predictions), targets, reduction="mean")
    assert len(none) == 3
    assert total.data == approx(math.fsum(v.data for v in none))
    assert mean.data == approx(total.data / 3)


@pytest.mark.parametrize("loss, predictions", ALL + [(losses.sse, [0.1])])
def test_non_numbers_are_type_errors(loss, predictions):
    with pytest.raises(TypeError, match=r"predictions\[1\]|scores\[1\]|probabilities\[1\]|logits\[1\]"):
        loss([Value(0.5), "0.5"], [1, 1])
    with pytest.raises(TypeError, match="targets|labels"):
        loss([Value(0.5)], None)


def test_plain_number_predictions_give_a_constant_loss():
    loss = losses.mse([1.0, 3], [0, 0])
    assert isinstance(loss, Value) and loss.data == 5.0


def test_generators_are_read_once():
    loss = losses.mse((Value(x) for x in (1.0, 2.0)), (t for t in (0.0, 0.0)))
    assert loss.data == approx((1.0 + 4.0) / 2)
