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
from typing import Any, Iterable

__all__ = ["as_real", "cos", "divide", "exp", "fsum", "log", "power", "sigmoid", "sin", "softplus", "sqrt"]

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
            return inf if x > 0 else -inf
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
