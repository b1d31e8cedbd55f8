"""Optimizers: ``SGD``, ``Adam`` and ``AdamW``, with the update rules of ``torch.optim``.

An optimizer holds a model's parameters (leaf Values) and, on ``step()``,
moves each one's ``data`` using its ``grad``. A training step reads like
PyTorch's:

>>> import scalargrad as sg
>>> from scalargrad import optim
>>> w = sg.Value(0.0)
>>> opt = optim.SGD([w], lr=0.1)
>>> for _ in range(100):
...     opt.zero_grad()
...     loss = (w - 3.0) ** 2
...     loss.backward()
...     opt.step()
>>> round(w.data, 6), opt.step_count
(3.0, 100)

The learning rate may be a number or a function of the step index (0 for
the first ``step()``), such as micrograd's decay ``1.0 - 0.9 * k / 100``:

>>> opt = optim.SGD([w], lr=lambda k: 1.0 - 0.9 * k / 100)
>>> opt.lr_at(0), opt.lr_at(50)
(1.0, 0.55)

Updates work on the floats in ``p.data`` and run under :class:`scalargrad.no_grad`,
so a step never adds to any graph. ``step()`` leaves ``p.grad`` as it is
(call ``zero_grad()`` before the next ``backward()``, since leaf gradients
accumulate), and every parameter is updated on every step, zero gradient or
not: unlike PyTorch, where ``zero_grad()`` sets gradients to ``None`` and a
parameter that had no gradient is skipped, here a parameter the loss did not
reach still moves by its momentum and weight decay.

Every setting is checked when the optimizer is made (and when it is changed
later), with an error that names it and the value given:

>>> optim.Adam([w], eps=0)
Traceback (most recent call last):
...
ValueError: Adam: eps must be a finite number > 0, got 0

A step is all or nothing: the new values of every parameter (and of the
optimizer's running state) are computed first and only then assigned, so a
step that fails (a gradient that is not a number, a schedule returning a bad
rate) changes nothing. The arithmetic is IEEE-754 as in PyTorch: a step never
raises on a tiny, huge, infinite or nan gradient, it gives ``0``, ``inf`` or
``nan`` where PyTorch does.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any, Union

from scalargrad import ieee
from scalargrad.modes import no_grad
from scalargrad.value import Value

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "LearningRate"]

#: A learning rate: a number, or a function from the step index (0, 1, ...) to one.
LearningRate = Union[float, int, Callable[[int], float]]


class Optimizer:
    """Base class: a list of parameters, a learning rate (schedule) and a step counter.

    ``params`` is any iterable of leaf Values, such as ``model.parameters()``;
    a Value listed twice is kept once (so it is updated once per step). An
    empty iterable raises ``ValueError``, anything but a Value ``TypeError``,
    and a Value computed from others (not a leaf, so its ``data`` would be
    recomputed anyway) ``ValueError``.

    A subclass implements :meth:`update`; :meth:`step` calls it with the
    step's learning rate under ``no_grad`` and counts the step once it has
    returned. An update should compute every new value before it assigns
    any (as :class:`SGD` and :class:`Adam` do), so that a step that fails
    changes nothing.

    >>> import scalargrad as sg
    >>> a, b = sg.Value(1.0), sg.Value(2.0)
    >>> opt = SGD([a, b, a], lr=0.5)
    >>> len(opt.params), opt.step_count, opt.current_lr
    (2, 0, 0.5)
    """

    def __init__(self, params: Iterable[Value], lr: LearningRate) -> None:
        self.params: tuple[Value, ...] = _unique_parameters(params, type(self).__name__)
        self.lr = lr
        self._step_count = 0

    # ------------------------------------------------------- learning rate

    @property
    def lr(self) -> LearningRate:
        """The learning rate as given: a number, or a function of the step index.

        It can be replaced between steps (it is checked the same way).
        """
        return self._lr

    @lr.setter
    def lr(self, lr: LearningRate) -> None:
        if callable(lr):
            self._lr: LearningRate = lr
        else:
            self._lr = _learning_rate(lr, type(self).__name__, "lr")

    def lr_at(self, step: int) -> float:
        """The learning rate of step ``step`` (0-based: ``lr_at(0)`` is used by the first ``step()``).

        A schedule's result is checked: it must be a finite number >= 0.

        >>> import scalargrad as sg
        >>> opt = SGD([sg.Value(0.0)], lr=lambda k: 0.1 / (1 + k))
        >>> opt.lr_at(0), opt.lr_at(4)
        (0.1, 0.02)
        """
        if not isinstance(step, numbers.Integral) or isinstance(step, bool) or step < 0:
            raise ValueError(f"step must be an integer >= 0, got {step!r}")
        lr = self._lr
        if not callable(lr):
            return float(lr)
        return _learning_rate(lr(int(step)), type(self).__name__, f"lr({step})")

    @property
    def current_lr(self) -> float:
        """The learning rate the next ``step()`` will use: ``lr_at(step_count)``."""
        return self.lr_at(self._step_count)

    @property
    def step_count(self) -> int:
        """How many times ``step()`` has run."""
        return self._step_count

    # ---------------------------------------------------------------- steps

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (before the next ``backward()``).

        >>> import scalargrad as sg
        >>> w = sg.Value(2.0); (w * w).backward()
        >>> opt = SGD([w], lr=0.1); opt.zero_grad(); w.grad
        0.0
        """
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its current ``grad``, and count the step.

        >>> import scalargrad as sg
        >>> w = sg.Value(1.0); w.grad = 0.5
        >>> opt = SGD([w], lr=0.1); opt.step()
        >>> w.data, opt.step_count                    # 1 - 0.1 * 0.5
        (0.95, 1)
        """
        lr = self.lr_at(self._step_count)
        with no_grad():
            self.update(lr, self._step_count + 1)
        self._step_count += 1

    def update(self, lr: float, step: int) -> None:
        """Move ``p.data`` for every parameter; ``step`` is 1 for the first update.

        Called by :meth:`step`, which has already turned the schedule into
        the number ``lr`` and entered ``no_grad``. Subclasses implement it.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement update(lr, step)")

    def _numbers(self) -> list[tuple[float, float]]:
        """``(p.data, p.grad)`` of every parameter as floats; an error names the first bad one.

        Both are floats unless set by hand to something else: a real number
        is taken as its float, anything else (or an integer too large for a
        float) raises before anything is updated.
        """
        numbers_: list[tuple[float, float]] = []
        for i, p in enumerate(self.params):
            data, grad = p.data, p.grad
            if type(data) is not float:
                data = _real(data, type(self).__name__, f"params[{i}].data", "a real number")
            if type(grad) is not float:
                grad = _real(grad, type(self).__name__, f"params[{i}].grad", "a real number")
            numbers_.append((data, grad))
        return numbers_

    def _settings(self) -> str:
        return ""

    def __repr__(self) -> str:
        lr = getattr(self._lr, "__name__", "schedule") if callable(self._lr) else repr(self._lr)
        n = len(self.params)
        settings = self._settings()
        return (
            f"{type(self).__name__}({n} parameter{'' if n == 1 else 's'}, lr={lr}"
            f"{', ' + settings if settings else ''})"
        )


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and L2 weight decay.

    The update of ``torch.optim.SGD`` (with ``dampening=0``), for each
    parameter ``p`` with gradient ``g`` at the learning rate ``lr`` of the step:

    .. code-block:: text

        g = g + weight_decay * p                  (if weight_decay)
        b = g on the first step, else momentum * b + g   (if momentum)
        g = g + momentum * b if nesterov, else b         (if momentum)
        p = p - lr * g

    The settings are checked as ``torch.optim.SGD`` checks them: ``lr``,
    ``momentum`` and ``weight_decay`` are finite real numbers >= 0 (momentum
    is not capped at 1, as in PyTorch), ``nesterov`` is a bool and needs a
    momentum > 0. They can be changed between steps, and are checked again.

    >>> import scalargrad as sg
    >>> w = sg.Value(1.0)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> w.grad = 0.5; opt.step()            # b = 0.5, w = 1 - 0.1 * 0.5
    >>> w.grad = -1.0; opt.step()           # b = 0.9 * 0.5 - 1 = -0.55, w = 0.95 + 0.055
    >>> round(w.data, 12)
    1.005
    >>> SGD([w], lr=0.1, momentum=-0.9)
    Traceback (most recent call last):
    ...
    ValueError: SGD: momentum must be a finite number >= 0, got -0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self._nesterov = False
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        self._buffers: list[float | None] = [None] * len(self.params)

    @property
    def momentum(self) -> float:
        """The momentum factor (0.0: none), a finite number >= 0."""
        return self._momentum

    @momentum.setter
    def momentum(self, momentum: float) -> None:
        value = _non_negative(momentum, type(self).__name__, "momentum")
        if value == 0.0 and self._nesterov:
            raise ValueError(
                f"{type(self).__name__}: nesterov=True needs a momentum > 0, got {_show(momentum)}"
            )
        self._momentum = value

    @property
    def weight_decay(self) -> float:
        """The L2 penalty added to the gradient, ``weight_decay * p``; a finite number >= 0."""
        return self._weight_decay

    @weight_decay.setter
    def weight_decay(self, weight_decay: float) -> None:
        self._weight_decay = _non_negative(weight_decay, type(self).__name__, "weight_decay")

    @property
    def nesterov(self) -> bool:
        """Whether the step uses Nesterov momentum (a bool; True needs a momentum > 0)."""
        return self._nesterov

    @nesterov.setter
    def nesterov(self, nesterov: bool) -> None:
        name = type(self).__name__
        if not isinstance(nesterov, bool):
            raise TypeError(f"{name}: nesterov must be True or False, got {_show(nesterov)}")
        if nesterov and self._momentum == 0.0:
            raise ValueError(f"{name}: nesterov=True needs a momentum > 0, got momentum={self._momentum!r}")
        self._nesterov = nesterov

    def update(self, lr: float, step: int) -> None:
        """Apply the SGD rule to every parameter: all new values first, then assign them.

        >>> import scalargrad as sg
        >>> w = sg.Value(2.0); w.grad = 1.0
        >>> SGD([w], lr=0.5, weight_decay=0.5).update(0.5, 1); w.data   # 2 - 0.5 * (1 + 0.5 * 2)
        1.0
        """
        momentum, decay, nesterov = self._momentum, self._weight_decay, self._nesterov
        buffers = list(self._buffers)
        new_data = []
        for i, (p, g) in enumerate(self._numbers()):
            if decay:
                g = g + decay * p
            if momentum:
                b = buffers[i]
                b = g if b is None else momentum * b + g
                buffers[i] = b
                g = g + momentum * b if nesterov else b
            new_data.append(p - lr * g)
        # Nothing above changed the optimizer or a parameter; from here on nothing can fail.
        self._buffers = buffers
        for p_, x in zip(self.params, new_data):
            p_.data = x

    def momentum_buffer(self, p: Value) -> float | None:
        """The momentum buffer ``b`` of parameter ``p`` (``None`` before its first step).

        >>> import scalargrad as sg
        >>> w = sg.Value(1.0); w.grad = 0.5
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> opt.momentum_buffer(w), (opt.step(), opt.momentum_buffer(w))[1]
        (None, 0.5)
        """
        return self._buffers[_index(self.params, p)]

    def _settings(self) -> str:
        return f"momentum={self.momentum!r}, weight_decay={self.weight_decay!r}, nesterov={self.nesterov!r}"


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and its square, bias-corrected.

    The update of ``torch.optim.Adam`` (``amsgrad=False``), at step ``t``
    (1 for the first), for each parameter ``p`` with gradient ``g``:

    .. code-block:: text

        g = g + weight_decay * p                 (L2 penalty, added to the gradient)
        m = beta1 * m + (1 - beta1) * g          (m and v start at 0)
        v = beta2 * v + (1 - beta2) * g * g
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The settings are checked when the optimizer is made and when they are
    changed: ``lr`` and ``weight_decay`` are finite real numbers >= 0,
    ``betas`` a pair of numbers in [0, 1) (as floats: a beta that rounds to
    1.0 is refused), and ``eps`` a finite number > 0. PyTorch also takes
    ``eps=0``, but then a zero gradient divides 0 by 0 and the parameter
    becomes nan; with ``eps > 0`` the denominator is never 0, so even a
    gradient whose square underflows to 0 (below about 1e-162) gives a finite
    step, as in PyTorch.

    >>> import scalargrad as sg
    >>> w = sg.Value(1.0)
    >>> opt = Adam([w], lr=0.1)
    >>> w.grad = 0.5; opt.step()            # the first step moves by about lr * sign(g)
    >>> round(w.data, 9)
    0.900000002
    >>> w.grad = 1e-170; opt.step(); w.data < 0.9      # g * g underflows to 0: still a step
    True
    """

    _decoupled = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    @property
    def betas(self) -> tuple[float, float]:
        """``(beta1, beta2)``: the decay rates of the running averages, each in [0, 1)."""
        return self._betas

    @betas.setter
    def betas(self, betas: tuple[float, float]) -> None:
        name = type(self).__name__
        if not isinstance(betas, (tuple, list)):
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {_show(betas)}")
        if len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {_show(betas)}")
        pair = []
        for i, beta in enumerate(betas):
            value = _real(beta, name, f"betas[{i}]", "a number in [0, 1)")
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name}: betas[{i}] must be in [0, 1), got {_show(beta)}")
            pair.append(value + 0.0)  # + 0.0: -0.0 becomes 0.0
        self._betas = (pair[0], pair[1])

    @property
    def eps(self) -> float:
        """The term added to the denominator, a finite number > 0."""
        return self._eps

    @eps.setter
    def eps(self, eps: float) -> None:
        name = type(self).__name__
        value = _real(eps, name, "eps", "a finite number > 0")
        if not 0.0 < value < math.inf:
            raise ValueError(f"{name}: eps must be a finite number > 0, got {_show(eps)}")
        self._eps = value

    @property
    def weight_decay(self) -> float:
        """The weight decay, a finite number >= 0 (L2 for Adam, decoupled for AdamW)."""
        return self._weight_decay

    @weight_decay.setter
    def weight_decay(self, weight_decay: float) -> None:
        self._weight_decay = _non_negative(weight_decay, type(self).__name__, "weight_decay")

    def update(self, lr: float, step: int) -> None:
        """Apply the Adam (or AdamW) rule to every parameter: all new values first, then assign them.

        >>> import scalargrad as sg
        >>> w = sg.Value(1.0); w.grad = -2.0
        >>> Adam([w], lr=0.5).update(0.5, 1); round(w.data, 6)     # about lr * -sign(g)
        1.5
        """
        beta1, beta2 = self._betas
        eps, decay, decoupled = self._eps, self._weight_decay, self._decoupled
        # beta < 1.0, so 1 - beta**step > 0; ieee keeps even the impossible case an IEEE result.
        step_size = ieee.divide(lr, 1.0 - beta1**step)
        correction2_sqrt = ieee.sqrt(1.0 - beta2**step)
        m, v = list(self._m), list(self._v)
        new_data = []
        for i, (p, g) in enumerate(self._numbers()):
            if decay:
                if decoupled:
                    p = p * (1.0 - lr * decay)
                else:
                    g = g + decay * p
            m[i] = beta1 * m[i] + (1.0 - beta1) * g
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
            denominator = ieee.divide(ieee.sqrt(v[i]), correction2_sqrt) + eps
            new_data.append(p - step_size * ieee.divide(m[i], denominator))
        # Nothing above changed the optimizer or a parameter; from here on nothing can fail.
        self._m, self._v = m, v
        for p_, x in zip(self.params, new_data):
            p_.data = x

    def moments(self, p: Value) -> tuple[float, float]:
        """The running averages ``(m, v)`` of parameter ``p``'s gradient and squared gradient.

        >>> import scalargrad as sg
        >>> w = sg.Value(1.0); w.grad = 2.0
        >>> opt = Adam([w], betas=(0.5, 0.75)); opt.step(); opt.moments(w)   # (0.5 * 2, 0.25 * 4)
        (1.0, 1.0)
        """
        i = _index(self.params, p)
        return self._m[i], self._v[i]

    def _settings(self) -> str:
        return f"betas={self.betas!r}, eps={self.eps!r}, weight_decay={self.weight_decay!r}"


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p = p * (1 - lr * weight_decay)`` before the Adam step.

    The update of ``torch.optim.AdamW``: the decay shrinks the parameter
    directly instead of being added to the gradient, so it is not rescaled by
    Adam's running averages. As in PyTorch, ``weight_decay`` defaults to 0.01.
    The settings are checked as :class:`Adam` checks them.

    >>> import scalargrad as sg
    >>> w = sg.Value(1.0); w.grad = 0.0
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> opt.step()                          # a zero gradient: only the decay, 1 * (1 - 0.05)
    >>> w.data
    0.95
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


# ---------------------------------------------------------------- internals


def _unique_parameters(params: Iterable[Value], name: str) -> tuple[Value, ...]:
    # A model (even an iterable one, like Sequential) is not its parameters.
    if isinstance(params, Value) or not isinstance(params, Iterable) or hasattr(params, "parameters"):
        hint = (
            " (wrap a single Value in a list)"
            if isinstance(params, Value)
            else (" (for a model, pass model.parameters())" if hasattr(params, "parameters") else "")
        )
        raise TypeError(f"{name}: params must be an iterable of Values, got {type(params).__name__}{hint}")
    unique: dict[Value, None] = {}
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{name}: params[{i}] must be a Value, got {type(p).__name__} {_show(p)}")
        if p.parents:
            raise ValueError(
                f"{name}: params[{i}] is computed from other Values (by {p.op.name if p.op else '?'}); "
                "only leaf Values can be optimized"
            )
        unique[p] = None  # a Value hashes by identity: a repeated parameter is kept once
    if not unique:
        raise ValueError(f"{name}: params is empty; there is nothing to optimize")
    return tuple(unique)


def _index(params: tuple[Value, ...], p: Value) -> int:
    for i, q in enumerate(params):
        if q is p:
            return i
    raise KeyError(f"{p!r} is not a parameter of this optimizer")


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _show(x: Any) -> str:
    """``repr(x)``, shortened for a huge integer (whose repr may be refused or run to pages)."""
    if isinstance(x, numbers.Integral) and not isinstance(x, bool):
        n = int(x)
        if n.bit_length() > 128:
            digits = int(n.bit_length() * math.log10(2.0))
            return f"about {'-' if n < 0 else ''}10**{digits} (an int of {n.bit_length()} bits)"
    try:
        text = repr(x)
    except Exception:  # a repr that fails must not hide the error being reported
        return f"a {type(x).__name__}"
    return text if len(text) <= 200 else text[:100] + "..." + text[-20:]


def _real(x: Any, name: str, what: str, expected: str) -> float:
    """``float(x)`` for a real number (not a bool); errors name the setting ``what``."""
    if not _is_number(x):
        raise TypeError(f"{name}: {what} must be {expected}, got {type(x).__name__} {_show(x)}")
    try:
        return float(x)
    except OverflowError:
        raise ValueError(
            f"{name}: {what} must be {expected}, got {_show(x)}, which is too large for a float"
        ) from None
    except (TypeError, ValueError) as error:  # a Real whose __float__ fails
        raise TypeError(f"{name}: {what} must be {expected}, got {_show(x)} ({error})") from None


def _non_negative(x: Any, name: str, what: str) -> float:
    value = _real(x, name, what, "a finite number >= 0")
    if not 0.0 <= value < math.inf:
        raise ValueError(f"{name}: {what} must be a finite number >= 0, got {_show(x)}")
    return value + 0.0  # -0.0 becomes 0.0


def _learning_rate(x: Any, name: str, what: str) -> float:
    if not _is_number(x):
        raise TypeError(
            f"{name}: {what} must be a number or a function of the step, got {type(x).__name__} {_show(x)}"
        )
    return _non_negative(x, name, what)
