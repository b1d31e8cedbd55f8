"""``check_op``: a property-based check of an op defined with :func:`scalargrad.operation`, whose failures explain themselves.

Over the op's declared domain (or one given), hypothesis draws inputs away
from the declared kinks and checks, at each:

1. the value: finite (the op is defined there), and equal to ``reference``
   when one is given;
2. each first derivative (the op's rule, run by ``sg.grad``) against a
   numeric derivative: central differences with Richardson extrapolation,
   confirmed by the complex step where the value function takes complex
   numbers;
3. forward mode (``sg.jvp``) against reverse mode;
4. each second derivative, the rule itself differentiated (``grad(grad(f))``,
   which runs the rule on Values), against central differences of the rule.

A failure is shrunk by hypothesis to the smallest input it can find and then
diagnosed at that input: the input is at or near a kink (the slopes on either
side differ); the finite difference is the problem (its error changes with
the step, shown against the step size); the value is outside the domain
(``nan`` or ``inf``); or the derivative is wrong (the error stays the same,
whatever the step). The message says which, with the numbers as a short table.

>>> import scalargrad as sg
>>> @sg.op(derivatives=lambda x, out: 1 / (1 + x * x) ** 1.5, name="isru_doc")
... def isru(x):
...     return x / (1 + x * x) ** 0.5
>>> check_op(isru, max_examples=20)
>>> sg.op.unregister("isru_doc")
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

import scalargrad as sg
from scalargrad.operation import Interval, Op, OpFunction, lookup
from scalargrad.testing._report import close, number, table

__all__ = ["check_op"]

_STEPS = tuple(10.0**-k for k in range(1, 10))  # the central differences of the step table
_SIMPLE = (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0)  # drawn often: where kinks and edges tend to be


def check_op(
    fn: OpFunction | str,
    *,
    domain: Interval | Sequence[Interval] | None = None,
    reference: Callable[..., float] | None = None,
    params: Sequence[float] = (),
    n_inputs: int | None = None,
    bound: float = 10.0,
    second: bool = True,
    max_examples: int = 100,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Check an op's value and derivatives at inputs hypothesis draws; raise ``AssertionError`` explaining a failure.

    ``fn`` is what :func:`scalargrad.operation` returned (or an op's name).
    ``domain`` overrides the op's declared domain: one open interval
    ``(low, high)`` for every input, or one per input. Where the domain is
    unbounded, inputs lie within ``bound`` of the finite end (or of 0).
    ``reference(*xs)`` is a function the value must equal (``math.atan2`` for
    an ``atan2`` op). ``params`` are an op family's parameters (a leaky ReLU's
    slope); ``n_inputs`` the number of inputs of an op that takes any number.
    ``second=False`` skips the second derivatives. Numbers agree when
    ``|got - expected| <= atol + rtol * |expected|``.

    Inputs keep a thousandth of the domain's width away from its ends and
    from every declared kink, and a finite difference never steps across
    either. Hypothesis examples are derandomized: the same op gets the same
    inputs on every run.

    >>> import math, scalargrad as sg
    >>> check_op(sg.tanh, max_examples=10)
    >>> check_op(sg.log, reference=math.log, max_examples=10)

    A rule written with ``math.cos`` has the right first derivative but
    cannot be differentiated again:

    >>> @sg.op(derivatives=lambda x, out: math.cos(x), name="sine_doc")
    ... def sine(x):
    ...     return math.sin(x)
    >>> check_op(sine, max_examples=10)    # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_op(sine_doc): the derivative rule cannot be differentiated: ...math.cos...
    ...
    >>> sg.op.unregister("sine_doc")
    """
    __tracebackhide__ = True
    subject = _Subject.make(fn, domain, reference, params, n_inputs, bound, rtol, atol)

    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(subject.inputs())
    def check_at(xs: tuple[float, ...]) -> None:
        subject.check(xs, second)

    try:
        check_at()
    except _Failure as failure:
        raise AssertionError(subject.explain(failure)) from None


# ----------------------------------------------------------------- failures


class _Failure(Exception):
    """A check that failed at ``xs``; each kind is its own class, so hypothesis shrinks each on its own."""

    def __init__(self, xs: tuple[float, ...], position: int = 0, second: int = 0, detail: str = "") -> None:
        super().__init__(detail)
        self.xs, self.position, self.second, self.detail = xs, position, second, detail


class _Outside(_Failure):
    """The value or a derivative is nan or inf, or the value function raised, inside the domain."""


class _Reference(_Failure):
    """The value differs from the reference."""


class _First(_Failure):
    """A first derivative differs from the numeric one."""


class _Forward(_Failure):
    """Forward mode differs from reverse mode."""


class _NotDifferentiable(_Failure):
    """Running the rule on Values raised (a rule written with math.cos)."""


class _Second(_Failure):
    """A second derivative differs from central differences of the rule."""


# ---------------------------------------------------------- numeric derivatives


@dataclass(frozen=True)
class _Numeric:
    """A numeric derivative: the estimate, its own error estimate, and how it was found."""

    value: float
    error: float
    method: str


def _central(g: Callable[[float], float], x: float, h: float) -> float:
    return (g(x + h) - g(x - h)) / (2.0 * h)


def _richardson(g: Callable[[float], float], x: float, h: float) -> tuple[float, float]:
    """Central differences at h and h/2 extrapolated (error O(h⁴)), and an estimate of its error."""
    d1, d2, d4 = _central(g, x, h), _central(g, x, h / 2), _central(g, x, h / 4)
    r1, r2 = (4.0 * d2 - d1) / 3.0, (4.0 * d4 - d2) / 3.0
    return r2, abs(r2 - r1)


def _numeric(
    g: Callable[[float], float],
    x: float,
    h: float,
    complex_g: Callable[[complex], complex] | None,
    steps: int = 6,
) -> list[_Numeric]:
    """Estimates of g'(x), best first: Richardson at step h and ``steps - 1`` smaller ones, ranked by their error estimates."""
    found = []
    step = h
    for _ in range(steps):
        try:
            value, error = _richardson(g, x, step)
        except (ArithmeticError, ValueError):
            break
        if math.isfinite(value):
            found.append(_Numeric(value, error, f"Richardson, step {step:.0e}"))
        step /= 8.0
    found.sort(key=lambda n: n.error)
    if complex_g is not None:
        cs = _complex_step(complex_g, x)
        # Trusted only where it agrees with a Richardson estimate: abs() or a
        # comparison on a complex number can make it quietly wrong.
        if (
            cs is not None
            and found
            and abs(cs - found[0].value) <= 1e3 * found[0].error + 1e-7 * (1.0 + abs(cs))
        ):
            found.insert(0, _Numeric(cs, 0.0, "complex step"))
    return found


def _complex_step(complex_g: Callable[[complex], complex], x: float) -> float | None:
    h = 1e-20 * max(1.0, abs(x))
    try:
        y = complex_g(complex(x, h))
    except Exception:  # the value function does not take complex numbers (math.sin, comparisons, ...)
        return None
    if not isinstance(y, complex):
        return None
    d = y.imag / h
    return d if math.isfinite(d) else None


def _one_sided(g: Callable[[float], float], x: float, h: float, side: float) -> float:
    """g'(x) from one side only (side = +1 or -1), Richardson-extrapolated forward or backward differences."""
    f1 = (g(x + side * h) - g(x)) / (side * h)
    f2 = (g(x + side * h / 2) - g(x)) / (side * h / 2)
    return 2.0 * f2 - f1


# ------------------------------------------------------------------ subject


@dataclass
class _Subject:
    """The op under check, how to call it, where its inputs lie, and the checks at one point."""

    function: OpFunction
    op: Op
    arity: int
    boxes: list[tuple[float, float]]
    kinks: tuple[float, ...]
    reference: Callable[..., float] | None
    params: tuple[float, ...]
    rtol: float
    atol: float
    domains: list[Interval] = field(default_factory=list)

    @classmethod
    def make(
        cls,
        fn: OpFunction | str,
        domain: Interval | Sequence[Interval] | None,
        reference: Callable[..., float] | None,
        params: Sequence[float],
        n_inputs: int | None,
        bound: float,
        rtol: float,
        atol: float,
    ) -> _Subject:
        function = lookup(fn) if isinstance(fn, str) else fn
        if not isinstance(function, OpFunction):
            raise TypeError(
                f"check_op() takes an op made with sg.op (or an op's name), got {type(fn).__name__} {fn!r}"
            )
        if reference is not None and not callable(reference):
            raise TypeError(f"check_op(reference=...) must be a function of the inputs, got {reference!r}")
        if not (isinstance(bound, (int, float)) and bound > 0):
            raise ValueError(f"check_op(bound=...) must be a positive number, got {bound!r}")
        arity = function.arity if function.arity is not None else (n_inputs or 2)
        if function.arity is not None and n_inputs not in (None, function.arity):
            raise ValueError(f"op {function.name} takes {function.arity} inputs, not n_inputs={n_inputs}")
        op = function.instance(*params) if params else function.op
        if domain is None:
            domains = [op.domain_of(i) if op.arity is not None else op.domain_of(0) for i in range(arity)]
        elif domain and isinstance(domain[0], (tuple, list)):
            domains = [(float(lo), float(hi)) for lo, hi in domain]  # type: ignore[misc]  # intervals, checked above
            if len(domains) != arity:
                raise ValueError(f"check_op(domain=...) gives {len(domains)} intervals for {arity} inputs")
        else:
            lo, hi = domain  # one interval for every input
            domains = [(float(lo), float(hi))] * arity  # type: ignore[arg-type]
        for lo, hi in domains:
            if not lo < hi:
                raise ValueError(
                    f"check_op(domain=...): an interval (low, high) needs low < high, got {(lo, hi)}"
                )
        boxes = [_box(lo, hi, float(bound)) for lo, hi in domains]
        return cls(
            function,
            op,
            arity,
            boxes,
            tuple(op.kinks),
            reference,
            tuple(float(p) for p in params),
            rtol,
            atol,
            domains,
        )

    # ---- where inputs lie

    def inputs(self) -> SearchStrategy[tuple[float, ...]]:
        def one(box: tuple[float, float]) -> SearchStrategy[float]:
            low, high = box
            # the simple numbers where kinks and edges tend to be, as well as any float
            simple = [x for x in _SIMPLE if low <= x <= high and self.room(x, box) > 0.0]
            anything = st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)
            return (st.sampled_from(simple) | anything if simple else anything).filter(
                lambda x: self.room(x, box) > 0.0
            )

        return st.tuples(*[one(box) for box in self.boxes])

    def room(self, x: float, box: tuple[float, float]) -> float:
        """How far x is from the nearest kink or end of its box, less the margin every input keeps."""
        low, high = box
        margin = 1e-3 * min(high - low, 10.0)
        gaps = [x - low, high - x] + [abs(x - k) for k in self.kinks]
        return min(gaps) - margin

    def step(self, xs: tuple[float, ...], i: int) -> float:
        """The finite-difference step for input i: 1e-3 of its scale, at most a quarter of the way to a kink or an end."""
        low, high = self.boxes[i]
        x = xs[i]
        gaps = [x - low, high - x] + [abs(x - k) for k in self.kinks]
        return min(1e-3 * max(1.0, abs(x)), 0.25 * min(gaps))

    # ---- calling the op

    def value(self, *xs: Any) -> Any:
        return self.op.value(*xs)

    def along(self, xs: tuple[float, ...], i: int) -> Callable[[Any], Any]:
        def g(t: Any) -> Any:
            moved = list(xs)
            moved[i] = t
            return self.value(*moved)

        return g

    def call(self, *xs: Any) -> Any:
        # OpFunction's own call: sum and dot are spelt with lists, but every op takes its inputs one by one here.
        # An op of any number of inputs gets Values only (numbers as constant leaves): the engine cannot yet
        # keep a number inside such an op (BoundOp picks no derivative for an op without a fixed arity).
        if self.function.arity is None:
            xs = tuple(x if isinstance(x, sg.Value) else sg.Value(x) for x in xs)
        return OpFunction.__call__(self.function, *xs, *self.params)

    def gradient(self, xs: Sequence[float]) -> tuple[float, ...]:
        result = sg.grad(self.call, argnums=tuple(range(self.arity)))(*xs)
        return tuple(float(r) for r in result)

    def first(self, i: int) -> Callable[..., Any]:
        return lambda *xs: sg.grad(self.call, argnums=i)(*xs)

    # ---- the checks at one point

    def check(self, xs: tuple[float, ...], second: bool) -> None:
        try:
            raw = self.value(*xs)
        except (ArithmeticError, ValueError) as error:
            raise _Outside(xs, detail=f"the value function raised {type(error).__name__}: {error}") from None
        if isinstance(raw, complex):
            raise _Outside(xs, detail=f"the value function gave the complex number {raw!r}")
        y = float(raw)
        if not math.isfinite(y):
            raise _Outside(xs, detail=f"the value is {y}")
        if self.reference is not None:
            r = float(self.reference(*xs))
            if not close(y, r, self.rtol, self.atol):
                raise _Reference(xs)
        try:
            g = self.gradient(xs)
        except (ArithmeticError, ValueError) as error:
            raise _Outside(xs, detail=f"the derivative rule raised {type(error).__name__}: {error}") from None
        for i, d in enumerate(g):
            if not math.isfinite(d):
                raise _Outside(xs, position=i, detail=f"the derivative with respect to x{i} is {d}")
        for i in range(self.arity):
            if not self.agrees(g[i], lambda steps: self.numeric_first(xs, i, steps)):  # noqa: B023 - called at once
                raise _First(xs, position=i)
        for i in range(self.arity):
            tangent = [1.0 if k == i else 0.0 for k in range(self.arity)]
            _, forward = sg.jvp(self.call, tuple(xs), tuple(tangent))
            if not close(float(forward), g[i], 1e-9, 1e-12):
                raise _Forward(
                    xs, position=i, detail=f"forward mode gives {forward!r}, reverse mode {g[i]!r}"
                )
        if not second:
            return
        for i in range(self.arity):
            try:
                row = sg.grad(self.first(i), argnums=tuple(range(self.arity)))(*xs)
            except TypeError as error:
                raise _NotDifferentiable(xs, position=i, detail=str(error)) from None
            for j, h in enumerate(row):
                if not self.agrees(float(h), lambda steps: self.numeric_second(xs, i, j, steps)):  # noqa: B023
                    raise _Second(xs, position=i, second=j)

    def agrees(self, analytic: float, numeric: Callable[[int], list[_Numeric]]) -> bool:
        """Whether the analytic derivative agrees with the first numeric estimate, or else with any of a ladder of steps."""
        if any(close(analytic, n.value, self.rtol, self.atol) for n in numeric(1)):
            return True
        return any(close(analytic, n.value, self.rtol, self.atol) for n in numeric(6))

    def numeric_first(self, xs: tuple[float, ...], i: int, steps: int = 6) -> list[_Numeric]:
        g = self.along(xs, i)
        return _numeric(lambda t: float(g(t)), xs[i], self.step(xs, i), g, steps)

    def numeric_second(self, xs: tuple[float, ...], i: int, j: int, steps: int = 6) -> list[_Numeric]:
        rule = self.first(i)

        def g(t: float) -> float:
            moved = list(xs)
            moved[j] = t
            return float(rule(*moved))

        return _numeric(g, xs[j], self.step(xs, j), None, steps)

    # ---- explaining a failure

    def explain(self, failure: _Failure) -> str:
        xs = failure.xs
        name = self.function.name
        at = ", ".join(f"x{i} = {x!r}" for i, x in enumerate(xs))
        found = f"smallest failing input hypothesis found: {at}"
        if isinstance(failure, _Outside):
            domains = ", ".join(_interval(d) for d in self.domains)
            return (
                f"check_op({name}): the value is outside the domain: {failure.detail} at {at}, "
                f"which the domain {domains} includes\n"
                f"  declare where the op is defined (domain=(low, high), one interval per input if they differ), "
                f"or make its value function give a number there\n  {found}"
            )
        if isinstance(failure, _Reference):
            y, r = float(self.value(*xs)), float(self.reference(*xs))  # type: ignore[misc]
            rows = [("value", number(y), number(r), number(abs(y - r)))]
            return f"check_op({name}): the value differs from the reference\n  {found}\n" + table(
                ("", "op", "reference", "difference"), rows, [True]
            )
        if isinstance(failure, _Forward):
            return f"check_op({name}): forward mode differs from reverse mode: {failure.detail}\n  {found}"
        if isinstance(failure, _NotDifferentiable):
            return (
                f"check_op({name}): the derivative rule cannot be differentiated: {failure.detail}\n"
                f"  (its first derivatives are right; grad(grad({name})) runs the rule on Values)\n  {found}"
            )
        i, j = failure.position, failure.second
        if isinstance(failure, _First):
            analytic = self.gradient(xs)[i]
            g = self.along(xs, i)
            along: Callable[[float], float] = lambda t: float(g(t))  # noqa: E731
            numeric = self.numeric_first(xs, i, steps=1)  # the complex step, or Richardson at the usual step
            what = f"∂{name}/∂x{i}"
            rule = "the derivative rule"
        else:
            analytic = float(sg.grad(self.first(i), argnums=j)(*xs))
            first = self.first(i)

            def along(t: float) -> float:
                moved = list(xs)
                moved[j] = t
                return float(first(*moved))

            numeric = self.numeric_second(xs, i, j, steps=1)
            what = f"∂²{name}/∂x{i}∂x{j}"
            rule = "the derivative rule, differentiated"
            i = j
        return self.diagnose(name, what, rule, analytic, numeric, along, xs, i, found)

    def diagnose(
        self,
        name: str,
        what: str,
        rule: str,
        analytic: float,
        numeric: list[_Numeric],
        g: Callable[[float], float],
        xs: tuple[float, ...],
        i: int,
        found: str,
    ) -> str:
        x, h = xs[i], self.step(xs, i)
        best = numeric[0] if numeric else _Numeric(math.nan, math.nan, "none")
        summary = table(
            ("derivative", "at", rule.replace("the ", ""), "numeric", "difference", "numeric by"),
            [
                (
                    what,
                    number(x),
                    number(analytic),
                    number(best.value),
                    number(abs(analytic - best.value)),
                    best.method,
                )
            ],
            [True],
        )
        tol = self.atol + self.rtol * abs(best.value)
        left, right = _one_sided(g, x, h, -1.0), _one_sided(g, x, h, 1.0)
        # a kink: each side's slope is steady (the same at a tenth of the step), and the two sides differ
        jump = abs(left - right)
        steady = (
            abs(_one_sided(g, x, h / 10, -1.0) - left) <= 0.1 * jump
            and abs(_one_sided(g, x, h / 10, 1.0) - right) <= 0.1 * jump
        )
        if jump > 1e3 * tol + 1e-3 * (abs(left) + abs(right)) and steady:
            where = self.jump(g, x, h)
            return (
                f"check_op({name}): x{i} = {x!r} is at or near a kink: the slope from the left and from the right differ"
                f"{where}\n  declare it (kinks=(...)) so inputs keep away from it, or narrow the domain\n  {found}\n"
                + summary
                + "\n"
                + table(("side", "numeric"), [("left", number(left)), ("right", number(right))])
            )
        errors = []
        differences = []
        for step in _STEPS:
            try:
                d = _central(g, x, step) if step < self.gap(xs, i) else math.nan
            except (ArithmeticError, ValueError):
                d = math.nan
            differences.append(d)
            errors.append(abs(analytic - d))
        rows = [(f"{step:.0e}", number(d), number(e)) for step, d, e in zip(_STEPS, differences, errors)]
        steps = table(("step", "central difference", "error"), rows)
        finite = [e for e in errors if math.isfinite(e)]
        agreeing = [e for e in finite if e <= tol]
        # a consistent error: the central differences settle (two neighbouring steps agree far more
        # closely than either agrees with the rule), and they settle away from the rule
        settled = [
            k
            for k in range(len(differences) - 1)
            if math.isfinite(differences[k])
            and math.isfinite(differences[k + 1])
            and abs(differences[k] - differences[k + 1]) <= 0.01 * errors[k + 1]
        ]
        if agreeing or not settled:
            verdict = "the finite difference is the problem here, not necessarily the derivative: its error changes with the step"
            advice = "  the op may be too steep or too noisy here to check numerically; narrow the domain, or loosen rtol/atol"
        else:
            verdict = (
                f"the derivative is wrong: {rule} gives {number(analytic)}, the function's slope is "
                f"{number(best.value)}, and the error stays the same whatever the step"
            )
            advice = f"  check {rule} for {what} against the value function"
        return (
            f"check_op({name}): {verdict}\n{advice}\n  {found}\n{summary}\n"
            f"  the central difference against its step:\n{steps}"
        )

    def gap(self, xs: tuple[float, ...], i: int) -> float:
        low, high = self.boxes[i]
        x = xs[i]
        return min([x - low, high - x] + [abs(x - k) for k in self.kinks])

    def jump(self, g: Callable[[float], float], x: float, h: float) -> str:
        """Where the function's slope jumps near x, from numeric slopes on a grid of 20 steps across [x - h, x + h]."""
        points = [x + h * (k / 10.0) for k in range(-10, 11)]
        try:
            values = [g(p) for p in points]
        except (ArithmeticError, ValueError):
            return ""
        slopes = [(b - a) / (q - p) for a, b, p, q in zip(values, values[1:], points, points[1:])]
        changes = [abs(b - a) for a, b in zip(slopes, slopes[1:])]
        if not changes:
            return ""
        k = max(range(len(changes)), key=lambda n: changes[n])
        return f" (the slope jumps between {points[k]:.6g} and {points[k + 2]:.6g})"


def _box(low: float, high: float, bound: float) -> tuple[float, float]:
    """The part of the open interval (low, high) inputs are drawn from."""
    if math.isinf(low) and math.isinf(high):
        return (-bound, bound)
    if math.isinf(high):
        return (low, max(bound, low + bound))
    if math.isinf(low):
        return (min(-bound, high - bound), high)
    return (low, high)


def _interval(d: Interval) -> str:
    return f"({number(d[0])}, {number(d[1])})"
