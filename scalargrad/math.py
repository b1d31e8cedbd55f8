"""A drop-in for Python's :mod:`math` whose functions differentiate: ``import scalargrad.math as math``.

Every differentiable function of :mod:`math` has the same name here and is
scalargrad's op (or, for the few that are not one op, built from them), so a
formula written against ``math`` builds a graph when given Values:

>>> import scalargrad as sg
>>> import scalargrad.math as math
>>> x, y = sg.Value(0.5, label="x"), sg.Value(2.0, label="y")
>>> z = math.sin(x) * math.exp(-y)
>>> z.backward()
>>> round(x.grad, 12) == round(math.cos(0.5) * math.exp(-2.0), 12)
True

**The trap this removes.** ``Value`` has ``__float__``, so Python's own
``math.sin(v)`` does not fail on a Value: it quietly returns a plain float,
and the graph, with every gradient through it, stops there.

>>> import math as std_math
>>> type(std_math.sin(x)), type(math.sin(x))
(<class 'float'>, <class 'scalargrad.value.Value'>)

On plain numbers each function gives the float :mod:`math` gives, with two
differences, both PyTorch's: outside its domain a function is ``nan`` or
``±inf`` instead of raising (``math.asin(2)`` is ``nan``, ``math.log(0)`` is
``-inf``), and ``floor``, ``ceil`` and ``trunc`` return floats, not ints.

>>> math.asin(0.5) == std_math.asin(0.5), math.asin(2.0), math.log(0.0), math.floor(2.5)
(True, nan, -inf, 2.0)

Not differentiable, and so the functions of :mod:`math` themselves, on the
float of a Value: ``isfinite``, ``isinf``, ``isnan``, ``isclose``,
``nextafter``, ``ulp``; the integer functions ``comb``, ``factorial``,
``gcd``, ``isqrt``, ``lcm``, ``perm`` (which refuse a Value, as they refuse a
float). ``gamma`` and ``lgamma`` are math's on numbers and raise ``TypeError``
on a Value: their derivatives (the digamma function) are not in scalargrad yet,
and a silent float would be the trap above.
"""

from __future__ import annotations

import math as _math
import operator as _operator
from collections.abc import Iterable
from math import (
    comb,
    factorial,
    gcd,
    isclose,
    isfinite,
    isinf,
    isnan,
    isqrt,
    lcm,
    nextafter,
    perm,
    ulp,
)
from typing import Any

from scalargrad import ieee as _ieee
from scalargrad import ops as _ops
from scalargrad.value import Value

__all__ = [
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "cbrt",
    "ceil",
    "comb",
    "copysign",
    "cos",
    "cosh",
    "degrees",
    "dist",
    "e",
    "erf",
    "erfc",
    "exp",
    "exp2",
    "expm1",
    "fabs",
    "factorial",
    "floor",
    "fma",
    "fmod",
    "frexp",
    "fsum",
    "gamma",
    "gcd",
    "hypot",
    "inf",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "isqrt",
    "lcm",
    "ldexp",
    "lgamma",
    "log",
    "log1p",
    "log2",
    "log10",
    "modf",
    "nan",
    "nextafter",
    "perm",
    "pi",
    "pow",
    "prod",
    "radians",
    "remainder",
    "sin",
    "sinh",
    "sqrt",
    "sumprod",
    "tan",
    "tanh",
    "tau",
    "trunc",
    "ulp",
]

pi = _math.pi
e = _math.e
tau = _math.tau
inf = _math.inf
nan = _math.nan

# ------------------------------------------------------------ one op each

acos = _ops.acos
acosh = _ops.acosh
asin = _ops.asin
asinh = _ops.asinh
atan = _ops.atan
atan2 = _ops.atan2
atanh = _ops.atanh
cbrt = _ops.cbrt
ceil = _ops.ceil
copysign = _ops.copysign
cos = _ops.cos
cosh = _ops.cosh
erf = _ops.erf
erfc = _ops.erfc
exp = _ops.exp
exp2 = _ops.exp2
expm1 = _ops.expm1
fabs = _ops.abs
floor = _ops.floor
fmod = _ops.fmod
log10 = _ops.log10
log1p = _ops.log1p
log2 = _ops.log2
pow = _ops.pow
sin = _ops.sin
sinh = _ops.sinh
sqrt = _ops.sqrt
tan = _ops.tan
tanh = _ops.tanh
trunc = _ops.trunc

_RAD_TO_DEG = 180.0 / pi  # as CPython's math.degrees computes it
_DEG_TO_RAD = pi / 180.0


def _any_value(*xs: Any) -> bool:
    return any(isinstance(x, Value) for x in xs)


# ------------------------------------------------------------ built from ops


def log(x: Any, base: Any = None) -> Any:
    """Natural logarithm, or ``log(x) / log(base)`` with a base, as :func:`math.log`.

    >>> import scalargrad as sg
    >>> log(8.0, 2.0) == __import__("math").log(8.0, 2.0), log(0.0)
    (True, -inf)
    >>> round(sg.grad(lambda x: log(x, 10.0))(2.0), 12)        # 1 / (x ln 10)
    0.217147240952
    """
    if base is None:
        return _ops.log(x)
    num, den = _ops.log(x), _ops.log(base)
    if isinstance(num, Value) or isinstance(den, Value):
        return num / den
    return _ieee.divide(num, den)


def degrees(x: Any) -> Any:
    """Radians to degrees, as :func:`math.degrees`.

    >>> import scalargrad as sg
    >>> degrees(pi), sg.grad(degrees)(1.0) == 180 / pi
    (180.0, True)
    """
    return _ops.mul(x, _RAD_TO_DEG)


def radians(x: Any) -> Any:
    """Degrees to radians, as :func:`math.radians`.

    >>> radians(180.0) == pi
    True
    """
    return _ops.mul(x, _DEG_TO_RAD)


def hypot(*coordinates: Any) -> Any:
    """The Euclidean norm ``√(Σ xᵢ²)`` of any number of coordinates, as :func:`math.hypot`.

    On Values it is the two-input ``hypot`` op, applied pair by pair.

    >>> import scalargrad as sg
    >>> hypot(3.0, 4.0), hypot(1.0, 2.0, 2.0)
    (5.0, 3.0)
    >>> sg.grad(hypot, argnums=(0, 1, 2))(1.0, 2.0, 2.0) == (1 / 3, 2 / 3, 2 / 3)
    True
    """
    if not _any_value(*coordinates):
        return _math.hypot(*coordinates)
    if len(coordinates) == 1:
        return _ops.abs(coordinates[0])
    result = _ops.hypot(coordinates[0], coordinates[1])
    for coordinate in coordinates[2:]:
        result = _ops.hypot(result, coordinate)
    return result


def dist(p: Iterable[Any], q: Iterable[Any]) -> Any:
    """The Euclidean distance between two points given as sequences of coordinates, as :func:`math.dist`.

    >>> import scalargrad as sg
    >>> dist((0.0, 0.0), (3.0, 4.0))
    5.0
    >>> sg.grad(lambda x: dist((x, 0.0), (3.0, 4.0)))(0.0)        # (x - 3) / 5
    -0.6
    """
    p, q = tuple(p), tuple(q)
    if len(p) != len(q):
        raise ValueError("both points must have the same number of dimensions")
    if not _any_value(*p, *q):
        return _math.dist(p, q)
    return hypot(*[a - b for a, b in zip(p, q)])


def fsum(iterable: Iterable[Any]) -> Any:
    """The correctly rounded sum, as :func:`math.fsum`; of Values, one ``sum`` node with that value.

    >>> import scalargrad as sg
    >>> fsum([0.1] * 10), fsum([sg.Value(0.1)] * 10).data
    (1.0, 1.0)
    """
    xs = list(iterable)
    if _any_value(*xs):
        return _ops.sum(xs)
    return _ieee.fsum(xs)


def prod(iterable: Iterable[Any], *, start: Any = 1) -> Any:
    """The product of ``start`` and the items, left to right, as :func:`math.prod`.

    >>> import scalargrad as sg
    >>> prod([2.0, 3.0, 4.0]), sg.grad(lambda x: prod([x, 3.0, x]))(2.0)
    (24.0, 12.0)
    """
    xs = list(iterable)
    if not _any_value(start, *xs):
        return _math.prod(xs, start=start)
    if not isinstance(start, Value) and start == 1 and xs:
        result, rest = xs[0], xs[1:]  # 1 × x is x: no node for it
    else:
        result, rest = start, xs
    for x in rest:
        result = result * x
    return result


def remainder(x: Any, y: Any) -> Any:
    """IEEE-754 remainder ``x - n y`` with ``n`` the integer nearest ``x / y`` (ties to even), as :func:`math.remainder`.

    Exact, as in :mod:`math`: built from ``fmod`` and one exact addition or
    subtraction of ``y``, so d/dx = 1 and d/dy = -n. ``nan`` for ``y = 0`` or
    infinite ``x`` (math raises).

    >>> import scalargrad as sg
    >>> remainder(5.0, 3.0), remainder(7.0, 2.0), remainder(1.0, 0.0)
    (-1.0, -1.0, nan)
    >>> sg.grad(remainder, argnums=(0, 1))(5.0, 3.0)            # n = 2
    (1.0, -2.0)
    """
    if not _any_value(x, y):
        try:
            return _math.remainder(x, y)
        except ValueError:
            return nan
    xd = x.data if isinstance(x, Value) else float(x)
    yd = y.data if isinstance(y, Value) else float(y)
    target = remainder(xd, yd)  # a tie goes to the even quotient of x / y
    r = _ops.fmod(x, y)
    if target == r.data or _math.isnan(target):
        result, step = r, 0.0
    elif target == r.data - yd:  # exact (Sterbenz): |r| >= |y| / 2, the same sign
        result, step = r - y, 1.0
    else:
        result, step = r + y, -1.0
    if isinstance(y, Value) and _math.isfinite(target):
        # fmod's d/dy is -trunc(x / y) with x / y rounded, which can be one off the quotient it
        # used (1 / 0.1 rounds to 10, but 0.1 goes into 1 nine times); put d/dy = -n right with
        # a term whose value is 0 (result is not zero here whenever the term is needed).
        n = round((xd - target) / yd)
        off = _ieee.trunc(_ieee.divide(xd, yd)) + step - n
        if off:
            result = result + (y - yd) * off
    return result


def _scaled(x: Value, k: int) -> Value:
    """``x × 2**k`` on a Value, by factors that are themselves floats (at most 2**±1000 each)."""
    k = max(-2200, min(2200, k))  # beyond these every finite x goes to 0 or ±inf anyway
    result = x
    while k:
        step = max(-1000, min(1000, k))
        result = result * _math.ldexp(1.0, step)
        k -= step
    return result


def ldexp(x: Any, i: int) -> Any:
    """``x × 2**i``, exactly where representable, as :func:`math.ldexp` (``±inf`` on overflow; math raises).

    >>> import scalargrad as sg
    >>> ldexp(3.0, 4), ldexp(1.0, 5000), sg.grad(lambda x: ldexp(x, 3))(1.0)
    (48.0, inf, 8.0)
    """
    if not isinstance(x, Value):
        try:
            return _math.ldexp(x, i)
        except OverflowError:
            return _math.copysign(inf, x)
    k = _operator.index(i)  # an int, as math.ldexp requires
    return _scaled(x, k) if k else x


def frexp(x: Any) -> tuple[Any, int]:
    """``(m, k)`` with ``x = m × 2**k`` and ``0.5 <= |m| < 1``, as :func:`math.frexp`; ``m`` differentiates (dm/dx = 2**-k).

    >>> import scalargrad as sg
    >>> frexp(12.0)
    (0.75, 4)
    >>> m, k = frexp(sg.Value(12.0)); m.data, k
    (0.75, 4)
    """
    if not isinstance(x, Value):
        return _math.frexp(x)
    _, exponent = _math.frexp(x.data)
    return (_scaled(x, -exponent) if exponent else x), exponent


def modf(x: Any) -> tuple[Any, Any]:
    """The fractional and integer parts of ``x``, both with its sign, as :func:`math.modf`.

    >>> import scalargrad as sg
    >>> modf(-2.5)
    (-0.5, -2.0)
    >>> frac, whole = modf(sg.Value(2.75)); frac.data, whole.data
    (0.75, 2.0)
    """
    if not isinstance(x, Value):
        return _math.modf(x)
    whole = _ops.trunc(x)
    frac = _ops.copysign(0.0, x) if _math.isinf(x.data) else x - whole
    return frac, whole


def sumprod(p: Iterable[Any], q: Iterable[Any]) -> Any:
    """``Σ pᵢ qᵢ``, as :func:`math.sumprod` (Python 3.12); of Values, one ``dot`` node.

    >>> import scalargrad as sg
    >>> sumprod([1.0, 2.0], [3.0, 4.0]), sg.grad(lambda x: sumprod([x, 2.0], [3.0, x]))(1.0)
    (11.0, 5.0)
    """
    p, q = list(p), list(q)
    if len(p) != len(q):
        raise ValueError("Inputs are not the same length")
    if _any_value(*p, *q):
        return _ops.dot(p, q)
    own = getattr(_math, "sumprod", None)
    if own is not None:
        return own(p, q)
    return _ieee.fsum([a * b for a, b in zip(p, q)])


def fma(x: Any, y: Any, z: Any) -> Any:
    """``x × y + z``, as :func:`math.fma` (Python 3.13); on Values (and before 3.13) rounded twice.

    >>> import scalargrad as sg
    >>> fma(2.0, 3.0, 1.0), sg.grad(lambda x: fma(x, x, 1.0))(3.0)
    (7.0, 6.0)
    """
    own = getattr(_math, "fma", None)
    if own is not None and not _any_value(x, y, z):
        return own(x, y, z)
    return x * y + z


# --------------------------------------------------- not differentiable yet


def gamma(x: Any) -> float:
    """The gamma function of a number, as :func:`math.gamma`; a ``TypeError`` for a Value.

    >>> gamma(5.0)
    24.0
    >>> import scalargrad as sg
    >>> gamma(sg.Value(5.0))
    Traceback (most recent call last):
    ...
    TypeError: scalargrad.math.gamma is not differentiable (its derivative needs digamma, which scalargrad lacks); call it on x.data for the number
    """
    if isinstance(x, Value):
        raise TypeError(_not_differentiable("gamma"))
    return _math.gamma(x)


def lgamma(x: Any) -> float:
    """``log |Γ(x)|`` of a number, as :func:`math.lgamma`; a ``TypeError`` for a Value.

    >>> lgamma(1.0)
    0.0
    """
    if isinstance(x, Value):
        raise TypeError(_not_differentiable("lgamma"))
    return _math.lgamma(x)


def _not_differentiable(name: str) -> str:
    return (
        f"scalargrad.math.{name} is not differentiable (its derivative needs digamma, which scalargrad lacks); "
        "call it on x.data for the number"
    )
