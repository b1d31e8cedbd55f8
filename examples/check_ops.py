"""Checking ops defined with ``sg.op``: one correct op, and one of each kind of mistake, diagnosed.

``scalargrad.testing.check_op`` draws inputs over an op's declared domain,
away from its declared kinks, and checks the value, the first derivatives
(against finite differences), forward against reverse mode and the second
derivatives (the derivative rule, differentiated). When something is wrong
it says what kind of wrong:

    inverse_sqrt_unit     correct: x / sqrt(1 + x^2), its rule 1 / (1 + x^2)^1.5
    isru_power_slip       the derivative is wrong: (1 + x^2)^0.5 where ^1.5 belongs
    sine_with_math_cos    the rule uses math.cos: right once, but not differentiable again
    hinge_at_one          max(0, 1 - x) with its kink at 1 undeclared
    log_without_domain    math.log with no domain declared: undefined for x <= 0
    rounded_square        x^2 rounded to 5 decimals: the finite difference cannot decide
    polar_angle           atan2(y, x), checked against math.atan2 as a reference

    python examples/check_ops.py

The ops are registered by ``define()`` and removed by ``forget()`` (the
registry is global: a test that loads this file forgets them afterwards).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import scalargrad as sg
from scalargrad.operation import unregister
from scalargrad.testing import check_op

NAMES = (
    "inverse_sqrt_unit",
    "isru_power_slip",
    "sine_with_math_cos",
    "hinge_at_one",
    "log_without_domain",
    "rounded_square",
    "polar_angle",
)


def define() -> dict[str, Any]:
    """Register the example ops; return them by name."""

    @sg.op(derivatives=lambda x, out: 1 / (1 + x * x) ** 1.5)
    def inverse_sqrt_unit(x):
        "x / sqrt(1 + x²): the inverse square root unit."
        return x / (1 + x * x) ** 0.5

    @sg.op(derivatives=lambda x, out: 1 / (1 + x * x) ** 0.5)  # the slip: ** 0.5 where ** 1.5 belongs
    def isru_power_slip(x):
        return x / (1 + x * x) ** 0.5

    @sg.op(derivatives=lambda x, out: math.cos(x))  # math.cos turns a Value into a float
    def sine_with_math_cos(x):
        return math.sin(x)

    @sg.op(derivatives=lambda x, out: -1.0 if x < 1 else 0.0)  # kinks=(1.0,) is missing
    def hinge_at_one(x):
        return max(0.0, 1.0 - x)

    @sg.op(derivatives=lambda x, out: 1 / x)  # domain=(0, inf) is missing
    def log_without_domain(x):
        return math.log(x)

    @sg.op(derivatives=lambda x, out: 2 * x)
    def rounded_square(x):
        "x², as a table of five decimals gives it: steps of 1e-5."
        return round(x * x, 5)

    @sg.op(
        derivatives=lambda y, x, out: (x / (x * x + y * y), -y / (x * x + y * y)),
        domain=((-5.0, 5.0), (0.5, 5.0)),
    )
    def polar_angle(y, x):
        "The angle of the point (x, y), for x > 0."
        return math.atan2(y, x)

    return {
        f.name: f
        for f in (
            inverse_sqrt_unit,
            isru_power_slip,
            sine_with_math_cos,
            hinge_at_one,
            log_without_domain,
            rounded_square,
            polar_angle,
        )
    }


def forget() -> None:
    for name in NAMES:
        unregister(name)


# What each op is checked with, and the diagnosis its failure must carry (None: it passes).
CASES: dict[str, tuple[dict[str, Any], str | None]] = {
    "inverse_sqrt_unit": ({}, None),
    "isru_power_slip": ({}, "the derivative is wrong"),
    "sine_with_math_cos": ({}, "the derivative rule cannot be differentiated"),
    "hinge_at_one": ({}, "at or near a kink"),
    "log_without_domain": ({}, "outside the domain"),
    "rounded_square": ({}, "the finite difference is the problem"),
    "polar_angle": ({"reference": math.atan2}, None),
}


def run(check: Callable[..., None] = check_op, examples: int = 100) -> dict[str, str | None]:
    """Check every example op; the first line of each failure (None for a pass), by name."""
    ops = define()
    try:
        found: dict[str, str | None] = {}
        for name, (options, _) in CASES.items():
            try:
                check(ops[name], max_examples=examples, **options)
            except AssertionError as failure:
                found[name] = str(failure)
            else:
                found[name] = None
        return found
    finally:
        forget()


def main() -> int:
    for name, message in run().items():
        expected = CASES[name][1]
        if message is None:
            print(f"ok      {name}")
        else:
            print(f"\nfailed  {name}:\n" + "\n".join("    " + line for line in message.splitlines()))
        if (message is None) != (expected is None) or (
            expected is not None and expected not in (message or "")
        ):
            print(f"UNEXPECTED result for {name}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
