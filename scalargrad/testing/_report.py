"""Short aligned tables for failure messages, shared by the checks of :mod:`scalargrad.testing`."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any


def number(x: float) -> str:
    """A float as a failure message shows it: nine significant digits.

    >>> number(0.1 + 0.2), number(-3.0), number(float("nan"))
    ('0.3', '-3', 'nan')
    """
    return f"{x:.9g}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], marked: Sequence[bool] = ()) -> str:
    """Rows under a header, columns aligned; a marked row starts with ``*``, the others with two spaces.

    >>> print(table(("input", "value"), [("x", "1"), ("y", "22")], marked=[False, True]))
      input  value
      x      1
    * y      22
    """
    marks = list(marked) + [False] * (len(rows) - len(marked))
    cells = [["  " + header[0], *header[1:]]]
    cells += [[("* " if mark else "  ") + row[0], *row[1:]] for row, mark in zip(rows, marks)]
    widths = [max(len(row[c]) for row in cells) for c in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


def close(got: float, expected: float, rtol: float, atol: float) -> bool:
    """``|got - expected| <= atol + rtol * |expected|``; infinities must be equal, and nan never matches.

    >>> close(1.0 + 1e-12, 1.0, 1e-9, 0.0), close(float("inf"), float("inf"), 0.0, 0.0), close(2.0, 1.0, 0.1, 0.1)
    (True, True, False)
    """
    if math.isfinite(got) and math.isfinite(expected):
        return abs(got - expected) <= atol + rtol * abs(expected)
    return got == expected


def name_of(f: Callable[..., Any]) -> str:
    """A function by its module and qualified name (never a memory address); anything else by its repr.

    >>> name_of(name_of)
    'scalargrad.testing._report.name_of'
    """
    if inspect.isfunction(f):
        return f"{f.__module__}.{f.__qualname__}"
    return repr(f)
