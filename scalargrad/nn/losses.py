"""Loss functions: how far predictions are from targets, as one Value to call ``backward()`` on.

Every loss takes predictions (a Value, or a list of Values) and targets
(numbers or Values, shaped like the predictions) and returns a Value built
from the engine's ordinary operations, so its gradient flows back into
whatever computed the predictions:

>>> import scalargrad as sg
>>> from scalargrad import losses
>>> w = sg.Value(0.5)
>>> predictions = [w * 1.0, w * 2.0]
>>> loss = losses.mse(predictions, [1.0, 2.0])     # ((0.5 - 1)^2 + (1 - 2)^2) / 2
>>> loss.backward()
>>> loss.data, w.grad
(0.625, -2.5)

``reduction`` says how the per-item losses are combined:

``"mean"``
    their average (the default for every loss but ``half_squared_error``);
``"sum"``
    their total;
``"none"``
    no reduction: the per-item losses, in the shape of the predictions
    (a single Value for a single prediction, a list for a list).

A reduction is one n-ary :func:`scalargrad.sum` node with a parent per item
(then one division for the mean), not a chain of additions.

Predictions may be nested one level deeper to hold a batch of vectors, for
example a network's two outputs for each of four samples, and the targets
are then nested the same way; ``"mean"`` averages over every number, as
PyTorch does for a tensor. Lengths that differ at any level raise
``ValueError`` naming both, and an empty input raises ``ValueError``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, TypeGuard, Union, overload

from scalargrad.ops import exp, log, softplus
from scalargrad.ops import sum as value_sum
from scalargrad.value import Value

__all__ = [
    "mse",
    "sse",
    "half_squared_error",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "hinge",
    "cross_entropy",
    "REDUCTIONS",
]

Scalar = Union[Value, int, float]
#: Predictions or targets: one scalar, a list of them, or a list of lists.
Nested = Union[Scalar, Sequence["Nested"]]
#: What a loss returns: one Value, or with ``reduction="none"`` the per-item
#: losses shaped like the predictions (a Value, a list, or a list of lists).
Losses = Union[Value, list[Any]]

REDUCTIONS: tuple[str, ...] = ("mean", "sum", "none")

# A flattened input's shape, for rebuilding "none" results and naming items:
# None for a single scalar, else the list of its items' shapes.
_Shape = Union[None, list[Any]]


# ------------------------------------------------------------------ losses


@overload
def mse(predictions: Nested, targets: Nested, reduction: Literal["mean", "sum"] = ...) -> Value: ...
@overload
def mse(predictions: Nested, targets: Nested, reduction: str) -> Losses: ...


def mse(predictions: Nested, targets: Nested, reduction: str = "mean") -> Losses:
    """Mean squared error: the average of ``(t - y)^2`` over the items.

    ``reduction="sum"`` gives the sum of squared errors (see :func:`sse`).

    >>> import scalargrad as sg
    >>> y = [sg.Value(1.0), sg.Value(2.0), sg.Value(4.0)]
    >>> loss = mse(y, [1.5, 2.0, 3.0])              # (0.25 + 0 + 1) / 3
    >>> loss.backward()
    >>> round(loss.data, 12), [round(v.grad, 12) for v in y]   # 2 (y - t) / 3
    (0.416666666667, [-0.333333333333, 0.0, 0.666666666667])
    """
    _check_reduction("mse", reduction)
    ys, ts, shape = _pair("mse", predictions, targets)
    return _reduce([_squared_error(y, t) for y, t in zip(ys, ts)], shape, reduction)


def sse(predictions: Nested, targets: Nested) -> Value:
    """Sum of squared errors: ``sum (t - y)^2``, the same as ``mse(..., reduction="sum")``.

    >>> import scalargrad as sg
    >>> y = [sg.Value(1.0), sg.Value(2.0)]
    >>> loss = sse(y, [0.0, 4.0])                   # 1 + 4
    >>> loss.backward()
    >>> loss.data, [v.grad for v in y]              # 2 (y - t)
    (5.0, [2.0, -4.0])
    """
    ys, ts, shape = _pair("sse", predictions, targets)
    total = _reduce([_squared_error(y, t) for y, t in zip(ys, ts)], shape, "sum")
    assert isinstance(total, Value)  # "sum" reduces to one Value
    return total


@overload
def half_squared_error(
    predictions: Nested, targets: Nested, reduction: Literal["mean", "sum"] = ...
) -> Value: ...
@overload
def half_squared_error(predictions: Nested, targets: Nested, reduction: str) -> Losses: ...


def half_squared_error(predictions: Nested, targets: Nested, reduction: str = "sum") -> Losses:
    """The classic backpropagation error ``E = 1/2 sum (t - y)^2``, **summed** by default.

    This is the cost of the step-by-step backpropagation tutorials: the 1/2
    cancels the 2 of the derivative, so ``dE/dy = y - t`` for every item, and
    a full batch's gradient is the sum of the per-sample gradients. It sums
    over items by default (unlike the other losses here), because that is the
    tutorials' E; ``reduction="mean"`` gives ``1/(2n) sum (t - y)^2`` instead.

    >>> import scalargrad as sg
    >>> out = sg.Value(0.5637139161734462)          # a sigmoid output; target 0.9
    >>> E = half_squared_error(out, 0.9)
    >>> E.backward()
    >>> round(E.data, 12), round(out.grad, 12)      # 1/2 (0.9 - out)^2 and out - 0.9
    (0.056544165088, -0.336286083827)
    """
    _check_reduction("half_squared_error", reduction)
    ys, ts, shape = _pair("half_squared_error", predictions, targets)
    return _reduce([_squared_error(y, t) for y, t in zip(ys, ts)], shape, reduction, scale=0.5)


@overload
def binary_cross_entropy(
    probabilities: Nested,
    targets: Nested,
    reduction: Literal["mean", "sum"] = ...,
    eps: float = ...,
) -> Value: ...
@overload
def binary_cross_entropy(
    probabilities: Nested, targets: Nested, reduction: str, eps: float = ...
) -> Losses: ...


def binary_cross_entropy(
    probabilities: Nested, targets: Nested, reduction: str = "mean", eps: float = 1e-12
) -> Losses:
    """Binary cross-entropy ``-(t log p + (1 - t) log(1 - p))`` of probabilities ``p``.

    Each ``p`` must lie in [0, 1] (a sigmoid's output) and each target ``t``
    too (0 and 1 for hard labels, anything between for soft ones); anything
    else raises ``ValueError``. To keep the logarithms finite, ``p`` is clamped
    to ``[eps, 1 - eps]`` with ``eps = 1e-12`` by default, so a loss is at most
    ``-log(1e-12) = 27.63...``. Inside the clamp (bounds included) ``p`` is used
    as it is and the gradient flows through it; outside, the clamped number is a
    constant and the gradient to ``p`` is 0, as with ``torch.clamp``. For raw
    scores rather than probabilities use :func:`binary_cross_entropy_with_logits`,
    which is exact and never needs a clamp.

    >>> import scalargrad as sg
    >>> p = [sg.Value(0.8), sg.Value(0.25)]
    >>> loss = binary_cross_entropy(p, [1, 0])       # -(log 0.8 + log 0.75) / 2
    >>> loss.backward()
    >>> round(loss.data, 12), [round(v.grad, 12) for v in p]   # (-1/p, 1/(1-p)) / 2
    (0.255412811883, [-0.625, 0.666666666667])
    """
    name = "binary_cross_entropy"
    _check_reduction(name, reduction)
    if not isinstance(eps, numbers.Real) or not 0.0 <= eps < 0.5:
        raise ValueError(f"{name}: eps must be a number in [0, 0.5), got {eps!r}")
    ps, ts, shape = _pair(name, probabilities, targets, ("probabilities", "targets"))
    low, high = float(eps), 1.0 - float(eps)
    items = []
    for i, (p, t) in enumerate(zip(ps, ts)):
        x = p.data
        if not 0.0 <= x <= 1.0:
            raise ValueError(
                f"{name}: {_where('probabilities', shape, i)} is {x!r}, not a probability in [0, 1]"
                " (for raw scores use binary_cross_entropy_with_logits)"
            )
        _check_target(name, shape, i, t, "a target in [0, 1]", lambda v: 0.0 <= v <= 1.0)
        q = p if low <= x <= high else Value(min(max(x, low), high))
        if not isinstance(t, Value) and t == 1.0:
            items.append(-log(q))
        elif not isinstance(t, Value) and t == 0.0:
            items.append(-log(1.0 - q))
        else:
            items.append(-(t * log(q) + (1.0 - t) * log(1.0 - q)))
    return _reduce(items, shape, reduction)


@overload
def binary_cross_entropy_with_logits(
    logits: Nested, targets: Nested, reduction: Literal["mean", "sum"] = ...
) -> Value: ...
@overload
def binary_cross_entropy_with_logits(logits: Nested, targets: Nested, reduction: str) -> Losses: ...


def binary_cross_entropy_with_logits(logits: Nested, targets: Nested, reduction: str = "mean") -> Losses:
    """Binary cross-entropy of ``sigmoid(z)``, computed from the logit ``z`` exactly, for any ``z``.

    The loss is ``softplus(z) - t z``, with gradient ``sigmoid(z) - t``. It is
    evaluated as ``(1 - t) softplus(z) + t softplus(-z)``, the same function
    written as two terms that are never negative, so nothing cancels: a
    logit of 1000 or -1000 gives a finite loss and gradient where
    ``log(sigmoid(z))`` would give ``-inf``. Targets must lie in [0, 1].

    >>> import scalargrad as sg
    >>> z = sg.Value(-1000.0)
    >>> loss = binary_cross_entropy_with_logits(z, 1)   # sigmoid(z) is 0.0 in floats
    >>> loss.backward()
    >>> loss.data, z.grad
    (1000.0, -1.0)
    """
    name = "binary_cross_entropy_with_logits"
    _check_reduction(name, reduction)
    zs, ts, shape = _pair(name, logits, targets, ("logits", "targets"))
    items = []
    for i, (z, t) in enumerate(zip(zs, ts)):
        _check_target(name, shape, i, t, "a target in [0, 1]", lambda v: 0.0 <= v <= 1.0)
        if not isinstance(t, Value) and t == 0.0:
            items.append(softplus(z))
        elif not isinstance(t, Value) and t == 1.0:
            items.append(softplus(-z))
        else:
            items.append((1.0 - t) * softplus(z) + t * softplus(-z))
    return _reduce(items, shape, reduction)


@overload
def hinge(scores: Nested, labels: Nested, reduction: Literal["mean", "sum"] = ...) -> Value: ...
@overload
def hinge(scores: Nested, labels: Nested, reduction: str) -> Losses: ...


def hinge(scores: Nested, labels: Nested, reduction: str = "mean") -> Losses:
    """The SVM max-margin loss ``relu(1 - y * score)`` for labels ``y`` in {-1, +1}.

    As in micrograd's moons demo: a score on the right side of the margin
    (``y * score >= 1``) costs nothing and passes no gradient. Labels other
    than -1 and +1 (0/1 labels, say) raise ``ValueError``.

    >>> import scalargrad as sg
    >>> s = [sg.Value(0.5), sg.Value(-2.0), sg.Value(3.0)]
    >>> loss = hinge(s, [1, -1, -1])                 # (0.5 + 0 + 4) / 3
    >>> loss.backward()
    >>> loss.data, [round(v.grad, 12) for v in s]    # -y / 3 where inside the margin
    (1.5, [-0.333333333333, 0.0, 0.333333333333])
    """
    name = "hinge"
    _check_reduction(name, reduction)
    ss, ys, shape = _pair(name, scores, labels, ("scores", "labels"))
    items = []
    for i, (s, y) in enumerate(zip(ss, ys)):
        _check_target(name, shape, i, y, "a label -1 or +1", lambda v: v in (-1.0, 1.0), "labels")
        if isinstance(y, Value):
            items.append((1.0 - y * s).relu())
        else:  # y * s is s or -s exactly, so skip the multiplication
            items.append((1.0 - s if y == 1 else 1.0 + s).relu())
    return _reduce(items, shape, reduction)


@overload
def cross_entropy(
    logits: Sequence[Any], target: int | Sequence[int], reduction: Literal["mean", "sum"] = ...
) -> Value: ...
@overload
def cross_entropy(logits: Sequence[Any], target: int | Sequence[int], reduction: str) -> Losses: ...


def cross_entropy(logits: Sequence[Any], target: int | Sequence[int], reduction: str = "mean") -> Losses:
    """Multi-class cross-entropy ``-log softmax(z)[target]`` from raw scores ``z``.

    ``logits`` is one list of class scores with ``target`` the index of the
    right class, or a batch: a list of such lists with a list of indices
    (``"mean"`` then averages over the samples). The loss is computed as
    ``log(sum_j e^(z_j - m)) - (z_target - m)`` with ``m = max z`` held as a
    constant (the log-sum-exp trick): the shift changes nothing mathematically,
    gradients included (``softmax(z) - onehot(target)``), but keeps every
    exponential at most 1, so logits like ``[1000, 0]`` are exact instead of
    ``inf - inf``. A target index outside ``0 .. classes-1`` raises ``IndexError``.

    >>> import scalargrad as sg
    >>> z = [sg.Value(1000.0), sg.Value(0.0)]
    >>> loss = cross_entropy(z, 1)
    >>> loss.backward()
    >>> loss.data, [v.grad for v in z]              # softmax is [1, 0]
    (1000.0, [1.0, -1.0])
    >>> cross_entropy([[2.0, 0.0], [0.0, 2.0]], [0, 0], reduction="none")[1].data
    2.1269280110429727
    """
    name = "cross_entropy"
    _check_reduction(name, reduction)
    if _is_sequence(logits):
        logits = list(logits)  # read once: it may be a generator
    if _is_index(target):
        if _is_sequence(logits) and any(_is_sequence(z) for z in logits):
            raise TypeError(
                f"{name}: logits is a batch of lists, so target must be a list of class indices, "
                f"got {type(target).__name__} {target!r}"
            )
        return _log_softmax_loss(name, _scalars(name, logits, "logits"), target, "logits")
    if not _is_sequence(target):
        raise TypeError(
            f"{name}: target must be a class index (int) or a list of them, "
            f"got {type(target).__name__} {target!r}"
        )
    samples, indices = list(logits), list(target)
    if len(samples) != len(indices):
        raise ValueError(
            f"{name}: logits has {_plural(len(samples), 'sample')} "
            f"but target has {_plural(len(indices), 'index', 'indices')}; "
            "they must have the same length"
        )
    if not samples:
        raise ValueError(f"{name}: the batch is empty")
    items = []
    for i, (sample, index) in enumerate(zip(samples, indices)):
        where = f"logits[{i}]"
        if not _is_index(index):
            raise TypeError(
                f"{name}: target[{i}] must be a class index (int), got {type(index).__name__} {index!r}"
            )
        if not _is_sequence(sample):
            raise TypeError(
                f"{name}: {where} must be a list of class scores, got {type(sample).__name__} {sample!r}"
            )
        items.append(_log_softmax_loss(name, _scalars(name, sample, where), index, where))
    return _reduce(items, [None] * len(items), reduction)


# -------------------------------------------------------------- internals


def _squared_error(y: Value, t: Scalar) -> Value:
    return (t - y) ** 2


def _log_softmax_loss(name: str, zs: list[Value], index: int, where: str) -> Value:
    if not zs:
        raise ValueError(f"{name}: {where} is empty (no classes)")
    if not 0 <= index < len(zs):
        raise IndexError(f"{name}: target index {index} is out of range for {len(zs)} classes in {where}")
    m = max(z.data for z in zs)
    if not math.isfinite(m):  # an infinite shift would turn every logit into nan
        m = 0.0
    shifted = [z - m for z in zs]
    loss: Value = log(value_sum([exp(s) for s in shifted])) - shifted[index]
    return loss


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of 'mean', 'sum', 'none', got {reduction!r}")


def _reduce(items: list[Value], shape: _Shape, reduction: str, scale: float = 1.0) -> Losses:
    """Combine per-item losses; ``scale`` multiplies the result (exactly, for 0.5 and 1)."""
    if reduction == "none":
        if scale != 1.0:
            items = [item * scale for item in items]
        return _rebuild(shape, iter(items))
    if shape is None:  # a single prediction: its loss is the result
        total = items[0]
        return total if scale == 1.0 else total * scale
    total = value_sum(items)
    if reduction == "mean":
        # dividing by n / scale (2n for a half) rounds once, where * scale then / n would twice
        return total / (len(items) / scale)
    return total if scale == 1.0 else total * scale


def _rebuild(shape: _Shape, items: Iterator[Value]) -> Losses:
    if shape is None:
        return next(items)
    return [_rebuild(child, items) for child in shape]


def _pair(
    name: str, predictions: Any, targets: Any, what: tuple[str, str] = ("predictions", "targets")
) -> tuple[list[Value], list[Scalar], _Shape]:
    """Flatten predictions and targets side by side, checking that their shapes agree.

    ``what`` names the two arguments in error messages.
    """
    ys: list[Value] = []
    ts: list[Scalar] = []
    shape = _flatten(name, predictions, targets, what[0], what[1], ys, ts)
    if not ys:
        raise ValueError(f"{name}: {what[0]} is empty")
    return ys, ts, shape


def _flatten(
    name: str, y: Any, t: Any, y_where: str, t_where: str, ys: list[Value], ts: list[Scalar]
) -> _Shape:
    y_scalar, t_scalar = _is_scalar(y), _is_scalar(t)
    if y_scalar and t_scalar:
        ys.append(y if isinstance(y, Value) else Value(y))
        ts.append(t if isinstance(t, Value) else float(t))
        return None
    y_items = None if y_scalar else _items(name, y, y_where)
    t_items = None if t_scalar else _items(name, t, t_where)
    if y_items is None or t_items is None or len(y_items) != len(t_items):
        raise ValueError(
            f"{name}: {y_where} {_size(y_items)} but {t_where} {_size(t_items)}; "
            "they must have the same length"
        )
    return [
        _flatten(name, yi, ti, f"{y_where}[{i}]", f"{t_where}[{i}]", ys, ts)
        for i, (yi, ti) in enumerate(zip(y_items, t_items))
    ]


def _size(items: list[Any] | None) -> str:
    return "is a single value" if items is None else f"has {_plural(len(items), 'item')}"


def _plural(n: int, word: str, words: str = "") -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


def _items(name: str, x: Any, where: str) -> list[Any]:
    if not _is_sequence(x):
        raise TypeError(
            f"{name}: {where} must be a Value, a number or a list of them, got {type(x).__name__} {x!r}"
        )
    return list(x)


def _scalars(name: str, xs: Any, where: str) -> list[Value]:
    if not _is_sequence(xs):
        raise TypeError(f"{name}: {where} must be a list of class scores, got {type(xs).__name__} {xs!r}")
    out = []
    for j, x in enumerate(xs):
        if not _is_scalar(x):
            raise TypeError(f"{name}: {where}[{j}] must be a Value or a number, got {type(x).__name__} {x!r}")
        out.append(x if isinstance(x, Value) else Value(x))
    return out


def _is_scalar(x: Any) -> bool:
    return isinstance(x, (Value, numbers.Real))


def _is_sequence(x: Any) -> TypeGuard[Iterable[Any]]:
    return isinstance(x, Iterable) and not isinstance(x, (str, bytes, Mapping, Value))


def _is_index(x: Any) -> TypeGuard[int]:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _check_target(
    name: str,
    shape: _Shape,
    i: int,
    t: Scalar,
    wanted: str,
    ok: Callable[[float], bool],
    what: str = "targets",
) -> None:
    x = t.data if isinstance(t, Value) else float(t)
    if not ok(x):
        raise ValueError(f"{name}: {_where(what, shape, i)} is {x!r}, not {wanted}")


def _where(root: str, shape: _Shape, flat_index: int) -> str:
    """The name of the ``flat_index``-th scalar of an input, like ``targets[2][1]``."""
    path = root
    while shape is not None:
        for j, child in enumerate(shape):
            n = _count(child)
            if flat_index < n:
                path += f"[{j}]"
                shape = child
                break
            flat_index -= n
        else:  # pragma: no cover - flat_index is always within the shape
            raise IndexError(flat_index)
    return path


def _count(shape: _Shape) -> int:
    return 1 if shape is None else sum(_count(child) for child in shape)
