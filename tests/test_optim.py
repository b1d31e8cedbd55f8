"""scalargrad.nn.optim: SGD, Adam and AdamW against hand-worked steps and against torch.optim.

The hand-worked tests write each update out in plain float arithmetic from
the published update rules; the torch tests (skipped where torch is not
installed) run torch.optim on the same parameters and gradients.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalargrad as sg
from scalargrad import Value, losses
from scalargrad.nn.optim import SGD, Adam, AdamW, Optimizer

REL = 1e-14


def run(opt: Optimizer, p: Value, gradients: list[float]) -> list[float]:
    """Step ``opt`` once per gradient (set by hand on ``p``), recording ``p.data`` after each step."""
    trajectory = []
    for g in gradients:
        p.grad = g
        opt.step()
        trajectory.append(p.data)
    return trajectory


# ------------------------------------------------------------- SGD by hand


def test_sgd_plain_steps_by_hand():
    p = Value(1.0)
    got = run(SGD([p], lr=0.1), p, [0.5, -1.0, 2.0])
    p1 = 1.0 - 0.1 * 0.5
    p2 = p1 - 0.1 * -1.0
    p3 = p2 - 0.1 * 2.0
    assert got == pytest.approx([p1, p2, p3], rel=REL)
    assert p3 == pytest.approx(0.85)


def test_sgd_momentum_steps_by_hand():
    p = Value(1.0)
    got = run(SGD([p], lr=0.1, momentum=0.9), p, [0.5, -1.0, 2.0])
    b1 = 0.5  # the first buffer is the gradient itself
    p1 = 1.0 - 0.1 * b1
    b2 = 0.9 * b1 + -1.0
    p2 = p1 - 0.1 * b2
    b3 = 0.9 * b2 + 2.0
    p3 = p2 - 0.1 * b3
    assert got == pytest.approx([p1, p2, p3], rel=REL)
    assert (b2, b3, p3) == pytest.approx((-0.55, 1.505, 0.8545))


def test_sgd_nesterov_steps_by_hand():
    p = Value(1.0)
    got = run(SGD([p], lr=0.1, momentum=0.9, nesterov=True), p, [0.5, -1.0, 2.0])
    b1 = 0.5
    p1 = 1.0 - 0.1 * (0.5 + 0.9 * b1)
    b2 = 0.9 * b1 + -1.0
    p2 = p1 - 0.1 * (-1.0 + 0.9 * b2)
    b3 = 0.9 * b2 + 2.0
    p3 = p2 - 0.1 * (2.0 + 0.9 * b3)
    assert got == pytest.approx([p1, p2, p3], rel=REL)


def test_sgd_weight_decay_with_momentum_by_hand():
    p = Value(2.0)
    opt = SGD([p], lr=0.1, momentum=0.5, weight_decay=0.01)
    got = run(opt, p, [1.0, 1.0])
    g1 = 1.0 + 0.01 * 2.0  # L2: weight_decay * p joins the gradient
    b1 = g1
    p1 = 2.0 - 0.1 * b1
    g2 = 1.0 + 0.01 * p1
    b2 = 0.5 * b1 + g2
    p2 = p1 - 0.1 * b2
    assert got == pytest.approx([p1, p2], rel=REL)
    assert opt.momentum_buffer(p) == pytest.approx(b2, rel=REL)


def test_sgd_updates_every_parameter_from_its_own_gradient():
    a, b = Value(1.0), Value(-1.0)
    a.grad, b.grad = 2.0, -4.0
    SGD([a, b], lr=0.25).step()
    assert (a.data, b.data) == (1.0 - 0.25 * 2.0, -1.0 - 0.25 * -4.0)


# ------------------------------------------------------------ Adam by hand


def adam_by_hand(p, gradients, lr, beta1=0.9, beta2=0.999, eps=1e-8, l2=0.0, decoupled=0.0):
    """Adam's published update, one line per formula, in plain floats."""
    m = v = 0.0
    out = []
    for t, g in enumerate(gradients, start=1):
        p = p * (1 - lr * decoupled)  # AdamW's decay (a no-op when 0)
        g = g + l2 * p  # Adam's L2 (a no-op when 0)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(p)
    return out


def test_adam_steps_by_hand():
    p = Value(1.0)
    got = run(Adam([p], lr=0.1), p, [0.5, -1.0])
    # step 1: m = 0.05, v = 0.00025, m_hat = 0.5, v_hat = 0.25
    p1 = 1.0 - 0.1 * 0.5 / (math.sqrt(0.25) + 1e-8)
    # step 2: m = 0.9 * 0.05 + 0.1 * -1 = -0.055, v = 0.999 * 0.00025 + 0.001 * 1
    m2, v2 = 0.9 * 0.05 + 0.1 * -1.0, 0.999 * 0.00025 + 0.001 * 1.0
    p2 = p1 - 0.1 * (m2 / (1 - 0.9**2)) / (math.sqrt(v2 / (1 - 0.999**2)) + 1e-8)
    assert got == pytest.approx([p1, p2], rel=1e-13)
    assert got == pytest.approx(adam_by_hand(1.0, [0.5, -1.0], lr=0.1), rel=1e-13)


def test_adam_moments_are_exposed():
    p = Value(1.0)
    opt = Adam([p], lr=0.1)
    run(opt, p, [0.5, -1.0])
    assert opt.moments(p) == pytest.approx((0.9 * 0.05 - 0.1, 0.999 * 0.00025 + 0.001))


def test_adam_weight_decay_is_added_to_the_gradient():
    p = Value(2.0)
    got = run(Adam([p], lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), p, [0.3, 0.1, -0.2])
    expected = adam_by_hand(2.0, [0.3, 0.1, -0.2], lr=0.01, beta1=0.8, beta2=0.99, eps=1e-6, l2=0.1)
    assert got == pytest.approx(expected, rel=1e-13)
    # a zero gradient still moves p, because the L2 term is part of the gradient
    q = Value(2.0)
    q.grad = 0.0
    Adam([q], lr=0.01, weight_decay=0.1).step()
    assert q.data == pytest.approx(2.0 - 0.01 * 1.0 / (1.0 + 1e-8 / 0.2), rel=1e-13)


def test_adamw_decays_the_parameter_before_the_step():
    p = Value(2.0)
    got = run(AdamW([p], lr=0.01, weight_decay=0.1), p, [0.3, 0.1, -0.2])
    assert got == pytest.approx(adam_by_hand(2.0, [0.3, 0.1, -0.2], lr=0.01, decoupled=0.1), rel=1e-13)
    # first step by hand: p = 2 * (1 - 0.001); then Adam's first step, about lr * sign(g)
    assert got[0] == pytest.approx(2.0 * (1 - 0.01 * 0.1) - 0.01 * 0.3 / (0.3 + 1e-8), rel=1e-13)


def test_adamw_defaults_to_torchs_weight_decay_and_differs_from_adam():
    p, q = Value(2.0), Value(2.0)
    assert AdamW([p]).weight_decay == 0.01 and Adam([q]).weight_decay == 0.0
    a, w = Value(2.0), Value(2.0)
    adam, adamw = Adam([a], lr=0.1, weight_decay=0.1), AdamW([w], lr=0.1, weight_decay=0.1)
    run(adam, a, [0.5, 0.5])
    run(adamw, w, [0.5, 0.5])
    assert a.data != pytest.approx(w.data, rel=1e-6)


# -------------------------------------------------------------- vs PyTorch

CONFIGS = [
    (SGD, "SGD", dict(lr=0.1)),
    (SGD, "SGD", dict(lr=0.05, momentum=0.9)),
    (SGD, "SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    (SGD, "SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1)),
    (SGD, "SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.01, nesterov=True)),
    (Adam, "Adam", dict()),
    (Adam, "Adam", dict(lr=0.05)),
    (Adam, "Adam", dict(lr=0.05, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.1)),
    (Adam, "Adam", dict(lr=0.05, betas=(0.0, 0.0))),
    (AdamW, "AdamW", dict()),
    (AdamW, "AdamW", dict(lr=0.05, weight_decay=0.2)),
    (AdamW, "AdamW", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.0)),
]


def decaying(k: int) -> float:
    return 1.0 - 0.9 * k / 100  # micrograd's moons demo


def torch_run(ours_cls, torch_name, kwargs, schedule=None, steps=15):
    torch = pytest.importorskip("torch")
    rng = random.Random(1234)
    start = [rng.uniform(-2.0, 2.0) for _ in range(5)]
    ours = [Value(x) for x in start]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in start]
    kw = dict(kwargs)
    if schedule is not None:
        kw["lr"] = schedule
    opt = ours_cls(ours, **kw)
    topt = getattr(torch.optim, torch_name)(theirs, **kwargs)
    worst = 0.0
    for k in range(steps):
        # a real loss: gradients depend on where the parameters are
        opt.zero_grad()
        a, b, c, d, e = ours
        loss = (a - 1.0) ** 2 + (a * b).tanh() + c.sigmoid() * d + (e * 0.5).exp() - d * e
        loss.backward()
        for p, t in zip(ours, theirs):
            t.grad = torch.tensor(p.grad, dtype=torch.float64)
        if schedule is not None:
            for group in topt.param_groups:
                group["lr"] = schedule(k)
        opt.step()
        topt.step()
        for p, t in zip(ours, theirs):
            assert p.data == pytest.approx(t.item(), rel=1e-12, abs=1e-12), f"step {k}"
            worst = max(worst, abs(p.data - t.item()))
    moved = max(abs(p.data - x) for p, x in zip(ours, start))
    return worst, moved


@pytest.mark.parametrize("ours_cls, torch_name, kwargs", CONFIGS)
def test_matches_torch_optim(ours_cls, torch_name, kwargs):
    worst, moved = torch_run(ours_cls, torch_name, kwargs)
    assert moved > 1e-3  # the comparison was not of parameters standing still


@pytest.mark.parametrize("ours_cls, torch_name, kwargs", [CONFIGS[2], CONFIGS[7], CONFIGS[10]])
def test_matches_torch_optim_with_a_decaying_learning_rate(ours_cls, torch_name, kwargs):
    torch_run(ours_cls, torch_name, kwargs, schedule=decaying)


def test_matches_torch_on_momentum_buffer_and_moments():
    torch = pytest.importorskip("torch")
    p, t = Value(0.5), torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    sgd, tsgd = SGD([p], lr=0.1, momentum=0.9), torch.optim.SGD([t], lr=0.1, momentum=0.9)
    for g in (0.5, -0.25, 1.0):
        p.grad, t.grad = g, torch.tensor(g, dtype=torch.float64)
        sgd.step()
        tsgd.step()
    assert sgd.momentum_buffer(p) == pytest.approx(tsgd.state[t]["momentum_buffer"].item(), rel=1e-14)
    q, u = Value(0.5), torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    adam, tadam = Adam([q], lr=0.1), torch.optim.Adam([u], lr=0.1)
    for g in (0.5, -0.25, 1.0):
        q.grad, u.grad = g, torch.tensor(g, dtype=torch.float64)
        adam.step()
        tadam.step()
    state = tadam.state[u]
    assert adam.moments(q) == pytest.approx((state["exp_avg"].item(), state["exp_avg_sq"].item()), rel=1e-14)


# ---------------------------------------------------------- learning rates


def test_callable_learning_rate_gets_the_zero_based_step():
    p = Value(0.0)
    seen = []

    def lr(k):
        seen.append(k)
        return 1.0 - 0.9 * k / 100

    opt = SGD([p], lr=lr)
    got = run(opt, p, [1.0, 1.0, 1.0])
    assert seen == [0, 1, 2]
    assert got == pytest.approx([-1.0, -1.0 - 0.991, -1.0 - 0.991 - 0.982], rel=REL)
    assert opt.step_count == 3
    assert opt.current_lr == pytest.approx(0.973)
    assert opt.lr_at(99) == pytest.approx(0.109)


def test_number_learning_rate_is_the_same_at_every_step():
    opt = Adam([Value(0.0)], lr=0.25)
    assert opt.lr == 0.25 and opt.lr_at(0) == opt.lr_at(1000) == opt.current_lr == 0.25


def test_learning_rate_can_be_replaced_between_steps():
    p = Value(1.0)
    opt = SGD([p], lr=0.5)
    run(opt, p, [1.0])
    opt.lr = 0.25
    run(opt, p, [1.0])
    assert p.data == 1.0 - 0.5 - 0.25
    with pytest.raises(ValueError, match="lr"):
        opt.lr = -0.1


@pytest.mark.parametrize(
    "bad, error",
    [
        (-0.5, ValueError),
        (math.nan, ValueError),
        ("0.1", TypeError),
        pytest.param(10**400, ValueError, id="10**400"),
        (True, TypeError),
    ],
)
def test_a_schedule_returning_a_bad_rate_fails_the_step_and_changes_nothing(bad, error):
    p = Value(1.0)
    p.grad = 1.0
    opt = SGD([p], lr=lambda k: 0.1 if k == 0 else bad)
    opt.step()
    with pytest.raises(error, match=r"lr\(1\)"):
        opt.step()
    assert (p.data, opt.step_count) == (1.0 - 0.1, 1)


@pytest.mark.parametrize("step", [-1, 1.5, True])
def test_lr_at_needs_a_step_index(step):
    with pytest.raises(ValueError, match="step must be an integer"):
        SGD([Value(0.0)], lr=0.1).lr_at(step)


@given(st.floats(-10, 10), st.floats(-10, 10), st.floats(0, 2), st.floats(0, 0.99), st.floats(0, 1))
def test_one_sgd_step_is_the_formula(p0, g, lr, momentum, decay):
    p = Value(p0)
    p.grad = g
    SGD([p], lr=lr, momentum=momentum, weight_decay=decay).step()
    # on the first step the momentum buffer is the gradient itself
    assert p.data == pytest.approx(p0 - lr * (g + decay * p0), rel=1e-12, abs=1e-12)


# ------------------------------------------------------ zero_grad and params


def test_zero_grad_zeroes_parameters_only():
    w, x = Value(2.0), Value(3.0)
    (w * x).backward()
    assert (w.grad, x.grad) == (3.0, 2.0)
    SGD([w], lr=0.1).zero_grad()
    assert (w.grad, x.grad) == (0.0, 2.0)


def test_step_leaves_gradients_and_accumulation_is_the_users_business():
    w = Value(1.0)
    opt = SGD([w], lr=0.1)
    (w * 2.0).backward()
    opt.step()
    assert w.grad == 2.0 and w.data == pytest.approx(0.8)
    (w * 2.0).backward()  # no zero_grad: gradients add up
    assert w.grad == 4.0


def test_step_runs_under_no_grad_and_builds_no_graph():
    seen = []

    class Recording(Optimizer):
        def update(self, lr, step):
            seen.append((sg.is_grad_enabled(), lr, step))
            for p in self.params:
                p.data = (p * 2.0).data  # Value arithmetic here records nothing

    w = Value(1.0)
    opt = Recording([w], lr=0.5)
    opt.step()
    opt.step()
    assert seen == [(False, 0.5, 1), (False, 0.5, 2)]
    assert sg.is_grad_enabled()
    assert w.data == 4.0 and w.parents == ()


def test_the_base_class_needs_an_update():
    opt = Optimizer([Value(0.0)], lr=0.1)
    with pytest.raises(NotImplementedError):
        opt.step()
    assert opt.step_count == 0


def test_duplicate_parameters_are_kept_once_and_updated_once():
    a, b = Value(1.0), Value(2.0)
    opt = SGD([a, b, a, b, a], lr=0.5)
    assert opt.params == (a, b)
    a.grad = b.grad = 1.0
    opt.step()
    assert (a.data, b.data) == (0.5, 1.5)


def test_params_may_be_any_iterable():
    a, b = Value(1.0), Value(2.0)
    assert Adam(p for p in (a, b)).params == (a, b)
    assert SGD({a: None, b: None}, lr=0.1).params == (a, b)


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW])
def test_bad_params_are_rejected(cls):
    with pytest.raises(ValueError, match="empty"):
        cls([], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] must be a Value, got float"):
        cls([Value(1.0), 2.0], lr=0.1)
    with pytest.raises(TypeError, match="wrap a single Value in a list"):
        cls(Value(1.0), lr=0.1)
    with pytest.raises(TypeError, match="iterable of Values"):
        cls(None, lr=0.1)
    with pytest.raises(ValueError, match=r"params\[0\] is computed from other Values \(by mul\)"):
        cls([Value(1.0) * 2], lr=0.1)


# ------------------------------------------------------ hyperparameter checks


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda p: SGD(p, lr=-0.1), ValueError, "lr must be a finite number >= 0"),
        (lambda p: SGD(p, lr=math.inf), ValueError, "lr must be a finite number >= 0"),
        (lambda p: SGD(p, lr="fast"), TypeError, "lr must be a number or a function"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.9), ValueError, "momentum must be"),
        (lambda p: SGD(p, lr=0.1, weight_decay=-1e-4), ValueError, "weight_decay must be"),
        (lambda p: SGD(p, lr=0.1, nesterov=True), ValueError, "nesterov=True needs a momentum > 0"),
        (lambda p: Adam(p, lr=-1e-3), ValueError, "lr must be"),
        (lambda p: Adam(p, betas=(1.0, 0.999)), ValueError, r"betas\[0\] must be in \[0, 1\)"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be in \[0, 1\)"),
        (lambda p: Adam(p, betas=(-0.1, 0.999)), ValueError, r"betas\[0\]"),
        (lambda p: Adam(p, betas=(0.9, math.nan)), ValueError, r"betas\[1\]"),
        (lambda p: Adam(p, betas=(0.9,)), ValueError, r"betas must be a pair"),
        (lambda p: Adam(p, eps=-1e-8), ValueError, "eps must be"),
        (lambda p: Adam(p, weight_decay=-0.1), ValueError, "weight_decay must be"),
        (lambda p: AdamW(p, betas=(0.9, 1.5)), ValueError, r"AdamW: betas\[1\]"),
        (lambda p: AdamW(p, weight_decay=-0.01), ValueError, "AdamW: weight_decay"),
        # issue 13: every setting of every optimizer, type and range, naming it and the value
        (lambda p: Adam(p, eps=0), ValueError, "Adam: eps must be a finite number > 0, got 0$"),
        (lambda p: AdamW(p, eps=0.0), ValueError, "AdamW: eps must be a finite number > 0, got 0.0"),
        (lambda p: Adam(p, eps=-0.0), ValueError, "eps must be a finite number > 0, got -0.0"),
        (lambda p: Adam(p, eps=math.inf), ValueError, "eps must be a finite number > 0, got inf"),
        (lambda p: Adam(p, eps=math.nan), ValueError, "eps must be a finite number > 0, got nan"),
        (lambda p: Adam(p, eps=None), TypeError, "eps must be a finite number > 0, got NoneType None"),
        (lambda p: Adam(p, eps=True), TypeError, "eps must be .*, got bool True"),
        (lambda p: SGD(p, lr=True), TypeError, "lr must be a number or a function .*, got bool True"),
        (lambda p: SGD(p, lr=math.nan), ValueError, "lr must be a finite number >= 0, got nan"),
        (lambda p: SGD(p, lr=0.1, momentum=math.nan), ValueError, "momentum must be .*, got nan"),
        (lambda p: SGD(p, lr=0.1, momentum="0.9"), TypeError, "momentum must be .*, got str '0.9'"),
        (lambda p: SGD(p, lr=0.1, weight_decay=math.inf), ValueError, "weight_decay must be .*, got inf"),
        (lambda p: SGD(p, lr=0.1, weight_decay=[0.1]), TypeError, "weight_decay must be .*, got list"),
        (
            lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov="yes"),
            TypeError,
            "nesterov must be True or False, got 'yes'",
        ),
        (
            lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=1),
            TypeError,
            "nesterov must be True or False, got 1",
        ),
        (lambda p: Adam(p, betas=0.9), TypeError, r"betas must be a pair \(beta1, beta2\), got 0.9"),
        (lambda p: Adam(p, betas=(0.9, 0.99, 0.999)), ValueError, r"betas must be a pair"),
        (
            lambda p: Adam(p, betas=("0.9", 0.999)),
            TypeError,
            r"betas\[0\] must be a number in \[0, 1\), got str",
        ),
        (
            lambda p: Adam(p, betas=(0.9, None)),
            TypeError,
            r"betas\[1\] must be a number in \[0, 1\), got NoneType",
        ),
        (lambda p: Adam(p, betas=(0.9, math.inf)), ValueError, r"betas\[1\] must be in \[0, 1\), got inf"),
        # a beta below 1 that rounds to 1.0 as a float would divide by 1 - 1.0 = 0
        (
            lambda p: Adam(p, betas=(Fraction(10**20 - 1, 10**20), 0.999)),
            ValueError,
            r"betas\[0\] must be in \[0, 1\)",
        ),
        (lambda p: Adam(p, weight_decay=math.nan), ValueError, "weight_decay must be .*, got nan"),
    ],
)
def test_bad_hyperparameters_are_rejected(make, error, message):
    with pytest.raises(error, match=message):
        make([Value(1.0)])


def test_repr_names_the_settings():
    text = repr(SGD([Value(0.0), Value(1.0)], lr=0.1, momentum=0.9))
    assert text.startswith("SGD(2 parameters, lr=0.1, momentum=0.9")
    assert "lr=decaying" in repr(Adam([Value(0.0)], lr=decaying))


# ------------------------------------------------------------ they train


def test_sgd_with_hinge_loss_and_decaying_rate_separates_points():
    # a linear classifier trained the way micrograd's moons demo trains its MLP
    points = [((2.0, 1.0), 1), ((1.5, 2.0), 1), ((-1.0, -1.5), -1), ((-2.0, 0.5), -1), ((0.5, 1.0), 1)]
    w = [Value(0.1), Value(-0.2)]
    b = Value(0.0)
    opt = SGD(w + [b], lr=decaying)
    for _ in range(30):
        opt.zero_grad()
        scores = [sg.dot(w, x) + b for x, _ in points]
        loss = losses.hinge(scores, [y for _, y in points]) + 1e-4 * sg.sum([wi * wi for wi in w])
        loss.backward()
        opt.step()
    assert all((sg.dot(w, x) + b).data * y > 0 for x, y in points)
    assert loss.data < 0.1


@pytest.mark.parametrize(
    "make", [lambda ps: Adam(ps, lr=lambda k: 0.2 * 0.99**k), lambda ps: SGD(ps, lr=0.1, momentum=0.9)]
)
def test_optimizers_fit_a_line_with_mse(make):
    xs = [0.0, 1.0, 2.0, 3.0]
    ys = [1.0 + 2.0 * x for x in xs]
    w, b = Value(0.0), Value(0.0)
    opt = make([w, b])
    for _ in range(400):
        opt.zero_grad()
        losses.mse([w * x + b for x in xs], ys).backward()
        opt.step()
    assert (w.data, b.data) == (pytest.approx(2.0, abs=5e-3), pytest.approx(1.0, abs=5e-3))


@pytest.mark.parametrize(
    "model",
    [
        sg.nn.MLP(2, [3, 1], seed=0),
        sg.nn.Sequential(sg.nn.Linear(2, 1, seed=0)),  # iterable, but still not its parameters
    ],
)
def test_passing_a_model_instead_of_its_parameters_says_so(model):
    with pytest.raises(TypeError, match=r"pass model\.parameters\(\)"):
        SGD(model, lr=0.1)


# ------------------------------------------------------------ issue 13
#
# Regression tests for the fuzz/fault harness's findings: Adam and AdamW took
# eps=0, and a step then raised ZeroDivisionError halfway, after changing
# w.data but before counting the step.


@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_eps_zero_is_refused_so_a_zero_gradient_cannot_divide_by_zero(cls):
    w = Value(1.0)
    with pytest.raises(ValueError, match=f"{cls.__name__}: eps must be a finite number > 0, got 0"):
        cls([w], lr=0.1, eps=0)
    w.grad = 0.0
    opt = cls([w], lr=0.1)
    opt.step()
    assert opt.step_count == 1 and math.isfinite(w.data)


@pytest.mark.parametrize("cls", [Adam, AdamW])
@pytest.mark.parametrize("g", [1e-170, -1e-163, 5e-324, 0.0, -0.0])
def test_a_gradient_whose_square_underflows_gives_a_finite_step(cls, g):
    # g * g underflows to 0 below about 1e-162: v = 0 and only eps keeps the denominator > 0
    w = Value(1.0)
    w.grad = g
    opt = cls([w], lr=0.1, weight_decay=0.0)
    opt.step()
    assert opt.step_count == 1 and opt.moments(w)[1] == 0.0
    assert w.data == adam_by_hand(1.0, [g], lr=0.1)[0]
    tiny = Value(1.0)
    tiny.grad = g
    cls([tiny], lr=0.1, eps=5e-324, weight_decay=0.0).step()  # the smallest eps there is
    assert not math.isnan(tiny.data)


@pytest.mark.parametrize(
    "g, expected", [(math.inf, math.nan), (-math.inf, math.nan), (math.nan, math.nan), (1e200, 1.0)]
)
def test_adam_follows_ieee_on_huge_and_special_gradients(g, expected):
    # as torch.optim.Adam in float64: an infinite gradient gives m / sqrt(v) = inf / inf = nan;
    # 1e200 squared overflows to v = inf, so m / sqrt(v) is 0 and the step vanishes
    w = Value(1.0)
    w.grad = g
    opt = Adam([w], lr=0.1)
    opt.step()
    assert opt.step_count == 1
    if math.isnan(expected):
        assert math.isnan(w.data)
    else:
        assert w.data == pytest.approx(expected)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
        lambda ps: Adam(ps, lr=0.1, weight_decay=0.1),
        lambda ps: AdamW(ps, lr=0.1),
    ],
)
@pytest.mark.parametrize(
    "bad, error", [("x", TypeError), (None, TypeError), pytest.param(10**400, ValueError, id="10**400")]
)
def test_a_failing_step_changes_nothing(make, bad, error):
    a, b = Value(1.0), Value(2.0)
    opt = make([a, b])
    a.grad, b.grad = 0.5, 0.25
    opt.step()
    state = (a.data, b.data, opt.step_count, _state(opt, a), _state(opt, b))
    a.grad, b.grad = 0.5, bad  # the first parameter could be updated, the second not
    with pytest.raises(error, match=r"params\[1\]\.grad must be a real number"):
        opt.step()
    assert (a.data, b.data, opt.step_count, _state(opt, a), _state(opt, b)) == state
    b.grad = 0.25  # and the next good step is the one that would have run
    opt.step()
    assert opt.step_count == 2


def _state(opt, p):
    return opt.momentum_buffer(p) if isinstance(opt, SGD) else opt.moments(p)


def test_numbers_other_than_floats_are_taken_as_their_float():
    a = Value(1.0)
    a.grad = Fraction(1, 2)
    opt = SGD([a], lr=Fraction(1, 10), momentum=Fraction(1, 2))
    assert (opt.lr, opt.momentum) == (0.1, 0.5) and type(opt.momentum) is float
    opt.step()
    assert a.data == 1.0 - 0.1 * 0.5


@pytest.mark.parametrize(
    "make, what",
    [
        (lambda p: SGD(p, lr=10**400), "lr"),
        (lambda p: SGD(p, lr=-(10**400)), "lr"),
        (lambda p: SGD(p, lr=0.1, momentum=10**400), "momentum"),
        (lambda p: SGD(p, lr=0.1, weight_decay=10**5000), "weight_decay"),  # repr() itself refuses this one
        (lambda p: Adam(p, lr=10**400), "lr"),
        (lambda p: Adam(p, eps=10**400), "eps"),
        (lambda p: Adam(p, betas=(10**400, 0.9)), r"betas\[0\]"),
        (lambda p: AdamW(p, weight_decay=Fraction(10**400, 3)), "weight_decay"),
    ],
)
def test_numbers_too_large_for_a_float_are_a_clear_error(make, what):
    with pytest.raises(
        ValueError, match=f"{what} must be .*, got .*, which is too large for a float"
    ) as caught:
        make([Value(1.0)])
    assert len(str(caught.value)) < 300
    assert (
        "10**400" in str(caught.value) or "10**5000" in str(caught.value) or "Fraction(" in str(caught.value)
    )


def test_settings_changed_later_are_checked_too():
    w = Value(1.0)
    adam = Adam([w])
    for name, bad in [("eps", 0.0), ("betas", (1.0, 0.5)), ("weight_decay", -1.0), ("lr", 10**400)]:
        before = getattr(adam, name)
        with pytest.raises(ValueError, match=name):
            setattr(adam, name, bad)
        assert getattr(adam, name) == before
    sgd = SGD([w], lr=0.1, momentum=0.9, nesterov=True)
    with pytest.raises(ValueError, match="nesterov=True needs a momentum > 0"):
        sgd.momentum = 0.0
    with pytest.raises(TypeError, match="nesterov must be True or False"):
        sgd.nesterov = None
    sgd.nesterov = False
    sgd.momentum = 0.0  # in that order, both can be switched off
    assert (sgd.momentum, sgd.nesterov) == (0.0, False)
    assert "momentum=0.0" in repr(sgd)


settings_ = st.fixed_dictionaries(
    {
        "lr": st.floats(0, 1e300),
        "betas": st.tuples(st.floats(0, 1, exclude_max=True), st.floats(0, 1, exclude_max=True)),
        "eps": st.floats(0, 1e300, exclude_min=True),
        "weight_decay": st.floats(0, 1e300),
    }
)


@given(settings_, st.sampled_from([Adam, AdamW]), st.lists(st.floats(), min_size=1, max_size=4), st.floats())
def test_adam_steps_never_raise_on_any_float(kwargs, cls, gradients, start):
    # the fuzz harness's property: any accepted settings, any gradients (subnormal, huge, inf, nan)
    w = Value(start)
    opt = cls([w], **kwargs)
    for k, g in enumerate(gradients, start=1):
        w.grad = g
        opt.step()
        assert opt.step_count == k


@given(
    st.floats(0, 1e300),
    st.floats(0, 1e300),
    st.floats(0, 1e300),
    st.booleans(),
    st.lists(st.floats(), min_size=1, max_size=4),
    st.floats(),
)
def test_sgd_steps_never_raise_on_any_float(lr, momentum, decay, nesterov, gradients, start):
    w = Value(start)
    opt = SGD([w], lr=lr, momentum=momentum, weight_decay=decay, nesterov=nesterov and momentum > 0)
    for k, g in enumerate(gradients, start=1):
        w.grad = g
        opt.step()
        assert opt.step_count == k
