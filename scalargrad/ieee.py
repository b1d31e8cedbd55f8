"""IEEE-754 arithmetic on Python floats.

Python's ``float`` raises where IEEE-754 (and so NumPy and PyTorch) return a
special value: ``1.0 / 0.0`` raises ``ZeroDivisionError``, ``math.exp(1000)``
raises ``OverflowError``, ``math.log(-1)`` raises ``ValueError`` and
``(-8.0) ** (1/3)`` even returns a complex number. The engine computes every
value and every derivative through these helpers instead, so a graph never
stops halfway with an exception and never holds a complex number:

>>> divide(1.0, 0.0), divide(-1.0, 0.0), divide(0.0, 0.0)
(inf, -inf, nan)
>>> exp(1000.0), log(0.0), log(-1.0), power(-8.0, 1 / 3)
(inf, -inf, nan, nan)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

__all__ = [
    "acos",
    "acosh",
    "as_real",
    "asin",
    "atanh",
    "cbrt",
    "ceil",
    "clamp",
    "cos",
    "cosh",
    "divide",
    "elu",
    "exp",
    "exp2",
    "expm1",
    "floor",
    "floor_divide",
    "fmod",
    "fsum",
    "gelu",
    "hypot",
    "log",
    "log1p",
    "log2",
    "log10",
    "logsigmoid",
    "maximum",
    "minimum",
    "mish",
    "power",
    "remainder",
    "sigmoid",
    "silu",
    "sin",
    "sinh",
    "softplus",
    "softsign",
    "sqrt",
    "tan",
    "trunc",
]

inf = math.inf
nan = math.nan


def as_real(x: Any) -> float | None:
    """The float of a real number (an int, a float, a Fraction, ...), or None for anything else.

    >>> as_real(3), as_real(0.5), as_real("3"), as_real(2j)
    (3.0, 0.5, None, None)

    An integer beyond the largest float becomes ``inf``, as IEEE-754 rounds
    (``float(10**400)`` would raise):

    >>> as_real(10**400), as_real(-10**400)
    (inf, -inf)
    """
    if type(x) is float:
        return x
    if type(x) is int or isinstance(x, numbers.Real):  # int first: the ABC check is slow
        try:
            return float(x)
        except OverflowError:  # an int (or Fraction) beyond the largest float rounds to inf, as IEEE-754 does
            big: Any = x  # numbers.Real declares no comparison with int
            return inf if big > 0 else -inf
    return None


def divide(a: float, b: float) -> float:
    """``a / b`` with IEEE-754 results for a zero divisor (the sign of zero counts).

    >>> divide(1.0, -0.0)
    -inf
    """
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0.0 or a != a:
            return nan
        return math.copysign(inf, a) * math.copysign(1.0, b)


def _is_odd_integer(x: float) -> bool:
    return x.is_integer() and x % 2.0 == 1.0


def power(a: float, b: float) -> float:
    """``a ** b`` as C99 ``pow``: ``nan`` for a negative base and a fractional
    exponent, ``inf`` at a pole and on overflow.

    >>> power(0.0, -1.0), power(-0.0, -1.0), power(-10.0, 401.0)
    (inf, -inf, -inf)
    """
    try:
        return math.pow(a, b)
    except ValueError:  # zero to a negative power, or a negative base to a fraction
        if a == 0.0:
            return math.copysign(inf, a) if _is_odd_integer(b) else inf
        return nan
    except OverflowError:
        return -inf if a < 0.0 and _is_odd_integer(b) else inf


def exp(x: float) -> float:
    """``e ** x``, ``inf`` on overflow.

    >>> exp(0.0), exp(1000.0)
    (1.0, inf)
    """
    try:
        return math.exp(x)
    except OverflowError:
        return inf


def log(x: float) -> float:
    """Natural logarithm: ``-inf`` at zero, ``nan`` below it.

    >>> log(1.0), log(0.0), log(-2.0)
    (0.0, -inf, nan)
    """
    if x > 0.0:
        return math.log(x)
    if x == 0.0:
        return -inf
    return nan  # negative, or nan itself


def sqrt(x: float) -> float:
    """Square root, ``nan`` below zero (``sqrt(-0.0)`` is ``-0.0``).

    >>> sqrt(4.0), sqrt(-1.0)
    (2.0, nan)
    """
    return math.sqrt(x) if x >= 0.0 or x != x else nan


def sin(x: float) -> float:
    """Sine, ``nan`` for an infinite argument.

    >>> sin(0.0), sin(inf)
    (0.0, nan)
    """
    return math.sin(x) if x - x == 0.0 else nan


def cos(x: float) -> float:
    """Cosine, ``nan`` for an infinite argument.

    >>> cos(0.0), cos(-inf)
    (1.0, nan)
    """
    return math.cos(x) if x - x == 0.0 else nan


def sigmoid(x: float) -> float:
    """Logistic function ``1 / (1 + e**-x)``, never overflowing.

    The same formula as NumPy code and PyTorch use, so results agree with them
    to the bit; where ``e**-x`` overflows (x < -709.78) it is ``inf`` and the
    result is 0.0, within rounding of the true value.

    >>> sigmoid(0.0), sigmoid(1000.0), sigmoid(-1000.0)
    (0.5, 1.0, 0.0)
    """
    return 1.0 / (1.0 + exp(-x))


def softplus(x: float) -> float:
    """``log(1 + e**x)`` computed as ``max(x, 0) + log1p(e**-|x|)``.

    Exact where the naive formula overflows or loses every digit.

    >>> softplus(1000.0), softplus(-1000.0), softplus(0.0) == math.log(2.0)
    (1000.0, 0.0, True)
    """
    if x != x:
        return nan
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def fsum(xs: Iterable[float]) -> float:
    """Correctly rounded sum; ``inf`` or ``nan`` where plain IEEE addition gives them.

    >>> fsum([0.1] * 10), fsum([1e308, 1e308]), fsum([inf, -inf])
    (1.0, inf, nan)
    """
    xs = list(xs)
    try:
        return math.fsum(xs)
    except (OverflowError, ValueError):  # fsum refuses what plain addition rounds to inf/nan
        return sum(xs, 0.0)


# ------------------------------------------------- the rest of math's functions
#
# Each is ``math``'s function where it has a value; where ``math`` raises
# (a domain error, an overflow) the IEEE-754 result C99 and PyTorch give.


def tan(x: float) -> float:
    """Tangent, ``nan`` for an infinite argument.

    >>> tan(0.0), tan(inf)
    (0.0, nan)
    """
    return math.tan(x) if x - x == 0.0 else nan


def asin(x: float) -> float:
    """Arc sine, ``nan`` outside [-1, 1].

    >>> asin(1.0) == math.pi / 2, asin(2.0)
    (True, nan)
    """
    return math.asin(x) if -1.0 <= x <= 1.0 else nan


def acos(x: float) -> float:
    """Arc cosine, ``nan`` outside [-1, 1].

    >>> acos(1.0), acos(-2.0)
    (0.0, nan)
    """
    return math.acos(x) if -1.0 <= x <= 1.0 else nan


def sinh(x: float) -> float:
    """Hyperbolic sine, ``±inf`` on overflow.

    >>> sinh(0.0), sinh(1000.0), sinh(-1000.0)
    (0.0, inf, -inf)
    """
    try:
        return math.sinh(x)
    except OverflowError:
        return math.copysign(inf, x)


def cosh(x: float) -> float:
    """Hyperbolic cosine, ``inf`` on overflow.

    >>> cosh(0.0), cosh(-1000.0)
    (1.0, inf)
    """
    try:
        return math.cosh(x)
    except OverflowError:
        return inf


def acosh(x: float) -> float:
    """Inverse hyperbolic cosine, ``nan`` below 1.

    >>> acosh(1.0), acosh(0.5)
    (0.0, nan)
    """
    return math.acosh(x) if x >= 1.0 else nan


def atanh(x: float) -> float:
    """Inverse hyperbolic tangent: ``±inf`` at ±1, ``nan`` beyond.

    >>> atanh(0.0), atanh(1.0), atanh(-1.0), atanh(2.0)
    (0.0, inf, -inf, nan)
    """
    if -1.0 < x < 1.0:
        return math.atanh(x)
    if x == 1.0 or x == -1.0:
        return math.copysign(inf, x)
    return nan


def _exp2(x: float) -> float:  # math.exp2 is new in Python 3.11
    return math.pow(2.0, x)


_math_exp2 = getattr(math, "exp2", _exp2)


def exp2(x: float) -> float:
    """``2 ** x``, ``inf`` on overflow.

    >>> exp2(10.0), exp2(-inf), exp2(1024.0)
    (1024.0, 0.0, inf)
    """
    try:
        return float(_math_exp2(x))
    except OverflowError:
        return inf


def expm1(x: float) -> float:
    """``e ** x - 1``, exact for tiny ``x``; ``inf`` on overflow.

    >>> expm1(1e-20), expm1(1000.0), expm1(-inf)
    (1e-20, inf, -1.0)
    """
    try:
        return math.expm1(x)
    except OverflowError:
        return inf


def log1p(x: float) -> float:
    """``log(1 + x)``, exact for tiny ``x``: ``-inf`` at -1, ``nan`` below.

    >>> log1p(1e-20), log1p(-1.0), log1p(-2.0)
    (1e-20, -inf, nan)
    """
    if x > -1.0:
        return math.log1p(x)
    if x == -1.0:
        return -inf
    return nan


def log2(x: float) -> float:
    """Base-2 logarithm: ``-inf`` at zero (either sign), ``nan`` below.

    >>> log2(8.0), log2(-0.0), log2(-1.0)
    (3.0, -inf, nan)
    """
    if x > 0.0:
        return math.log2(x)
    return -inf if x == 0.0 else nan


def log10(x: float) -> float:
    """Base-10 logarithm: ``-inf`` at zero (either sign), ``nan`` below.

    >>> log10(1000.0), log10(0.0), log10(-1.0)
    (3.0, -inf, nan)
    """
    if x > 0.0:
        return math.log10(x)
    return -inf if x == 0.0 else nan


def _cbrt(x: float) -> float:  # math.cbrt is new in Python 3.11
    if x - x != 0.0 or x == 0.0:  # inf, nan, ±0
        return x
    root = abs(x) ** (1.0 / 3.0)
    root -= (root - abs(x) / (root * root)) / 3.0  # one Newton step
    return math.copysign(root, x)


_math_cbrt = getattr(math, "cbrt", _cbrt)


def cbrt(x: float) -> float:
    """Real cube root, defined for every ``x`` (``cbrt(-8)`` is -2).

    >>> cbrt(64.0), cbrt(-8.0), cbrt(-inf)
    (4.0, -2.0, -inf)
    """
    return float(_math_cbrt(x))


def hypot(x: float, y: float) -> float:
    """``sqrt(x² + y²)`` without overflow or underflow on the way; ``inf`` if either is infinite (even with nan).

    >>> hypot(3.0, 4.0), hypot(1e300, 1e300), hypot(inf, nan)
    (5.0, 1.4142135623730952e+300, inf)
    """
    try:
        return math.hypot(x, y)
    except OverflowError:  # pragma: no cover - math.hypot returns inf on this platform
        return inf


def fmod(x: float, y: float) -> float:
    """C's ``fmod``: ``x - trunc(x / y) * y``, exactly; the sign of ``x``; ``nan`` for ``y = 0`` or infinite ``x``.

    >>> fmod(5.5, 2.0), fmod(-5.5, 2.0), fmod(1.0, 0.0), fmod(3.0, inf)
    (1.5, -1.5, nan, 3.0)
    """
    try:
        return math.fmod(x, y)
    except ValueError:
        return nan


def remainder(x: float, y: float) -> float:
    """Python's ``x % y`` and PyTorch's ``remainder``: the sign of the divisor; ``nan`` for ``y = 0``.

    A zero result keeps the sign of ``x``, as in PyTorch (Python's ``%``
    gives the divisor's sign to a zero).

    >>> remainder(5.5, 2.0), remainder(-5.5, 2.0), remainder(5.5, -2.0), remainder(1.0, 0.0)
    (1.5, 0.5, -0.5, nan)
    >>> remainder(-3.0, inf), remainder(-4.0, 2.0)
    (inf, -0.0)
    """
    r = fmod(x, y)
    if r != 0.0 and (y < 0.0) != (r < 0.0):
        r += y
    return r


def floor_divide(x: float, y: float) -> float:
    """``floor(x / y)`` as Python's ``x // y`` and PyTorch's ``div(rounding_mode="floor")`` compute it.

    Consistent with :func:`remainder` (``x == y * (x // y) + x % y`` up to
    rounding), which ``floor(x / y)`` is not: ``1 / 0.1`` rounds to 10, but
    ``0.1`` goes into 1 only 9 times. A zero divisor gives ``x / y`` (``±inf``
    or ``nan``), as in PyTorch.

    >>> floor_divide(7.0, 2.0), floor_divide(-7.0, 2.0), floor_divide(1.0, 0.1), floor_divide(1.0, 0.0)
    (3.0, -4.0, 9.0, inf)
    """
    if y == 0.0:
        return divide(x, y)
    mod = fmod(x, y)
    div = (x - mod) / y
    if mod != 0.0 and (y < 0.0) != (mod < 0.0):
        div -= 1.0
    if div != 0.0:
        result = floor(div)
        if div - result > 0.5:
            result += 1.0
        return result
    return math.copysign(0.0, x / y)


def floor(x: float) -> float:
    """The largest integer <= ``x``, as a float; ``inf`` and ``nan`` stay (``math.floor`` raises), ``-0.0`` stays.

    >>> floor(2.5), floor(-2.5), floor(-0.0), floor(inf)
    (2.0, -3.0, -0.0, inf)
    """
    if x - x != 0.0 or x.is_integer():
        return x
    return float(math.floor(x))


def ceil(x: float) -> float:
    """The smallest integer >= ``x``, as a float: ``ceil(-0.5)`` is ``-0.0`` as in C and PyTorch.

    >>> ceil(2.5), ceil(-2.5), ceil(-0.5), ceil(nan)
    (3.0, -2.0, -0.0, nan)
    """
    if x - x != 0.0 or x.is_integer():
        return x
    return math.copysign(float(math.ceil(x)), x)


def trunc(x: float) -> float:
    """``x`` rounded towards zero, as a float, keeping the sign of a zero result.

    >>> trunc(2.5), trunc(-2.5), trunc(-0.5), trunc(-inf)
    (2.0, -2.0, -0.0, -inf)
    """
    if x - x != 0.0 or x.is_integer():
        return x
    return math.copysign(float(math.trunc(x)), x)


def maximum(x: float, y: float) -> float:
    """The larger of two numbers, ``nan`` if either is (as ``torch.maximum``); ``x`` at a tie.

    >>> maximum(1.0, 2.0), maximum(nan, 2.0), maximum(2.0, nan), maximum(-0.0, 0.0)
    (2.0, nan, nan, -0.0)
    """
    if math.isnan(x) or math.isnan(y):
        return nan
    return max(x, y)  # the first at a tie


def minimum(x: float, y: float) -> float:
    """The smaller of two numbers, ``nan`` if either is (as ``torch.minimum``); ``x`` at a tie.

    >>> minimum(1.0, 2.0), minimum(1.0, nan), minimum(0.0, -0.0)
    (1.0, nan, 0.0)
    """
    if math.isnan(x) or math.isnan(y):
        return nan
    return min(x, y)  # the first at a tie


def clamp(x: float, low: float, high: float) -> float:
    """``x`` limited to [low, high], as ``torch.clamp``: ``nan`` if any is nan; ``high`` when ``low > high``.

    >>> clamp(2.0, 0.0, 1.0), clamp(-1.0, 0.0, 1.0), clamp(0.5, 0.0, 1.0), clamp(0.5, 1.0, 0.0)
    (1.0, 0.0, 0.5, 0.0)
    """
    return minimum(maximum(x, low), high)


_SQRT1_2 = math.sqrt(0.5)  # C's M_SQRT1_2


def gelu(x: float) -> float:
    """``x Φ(x) = x (1 + erf(x / √2)) / 2``, in PyTorch's order of operations.

    >>> gelu(0.0), gelu(1000.0), gelu(-1000.0)
    (0.0, 1000.0, -0.0)
    """
    return x * 0.5 * (1.0 + math.erf(x * _SQRT1_2))


def silu(x: float) -> float:
    """``x sigmoid(x)``, written ``x / (1 + e^-x)`` as PyTorch computes it.

    >>> silu(0.0), silu(1000.0), silu(-1000.0)
    (0.0, 1000.0, -0.0)
    """
    return x / (1.0 + exp(-x))


def elu(x: float, alpha: float) -> float:
    """``x`` for ``x > 0``, else ``alpha (e^x - 1)`` (by ``expm1``, exact near 0).

    >>> elu(2.0, 1.0), elu(-1000.0, 1.0), elu(-1e-20, 2.0)
    (2.0, -1.0, -2e-20)
    """
    return alpha * math.expm1(x) if x < 0.0 else x  # x at ±0 keeps its sign, as in PyTorch


def softsign(x: float) -> float:
    """``x / (1 + |x|)`` (``nan`` at ±inf, as PyTorch's formula gives).

    >>> softsign(1.0), softsign(-3.0), softsign(inf)
    (0.5, -0.75, nan)
    """
    return x / (1.0 + abs(x))


def mish(x: float) -> float:
    """``x tanh(log(1 + e^x))``, in PyTorch's order of operations.

    >>> mish(0.0), mish(1000.0), mish(-1000.0)
    (0.0, 1000.0, -0.0)
    """
    return x * math.tanh(math.log1p(exp(x)))


def logsigmoid(x: float) -> float:
    """``log(sigmoid(x)) = min(x, 0) - log(1 + e^-|x|)``, never overflowing.

    >>> logsigmoid(0.0) == -math.log(2.0), logsigmoid(-1000.0), logsigmoid(1000.0)
    (True, -1000.0, 0.0)
    """
    if math.isnan(x):
        return nan
    return min(x, 0.0) - math.log1p(math.exp(-abs(x)))
