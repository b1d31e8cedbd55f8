"""Nested derivatives: Siskind & Pearlmutter's charged particle, scalargrad against torch.func, in one run.

    pip install -e ".[bench]" torch==2.13.0
    python benchmarks/nested.py            # a minute or two on two cores

The problem (Siskind & Pearlmutter, "Nesting forward-mode AD in a functional
framework", 2008; the same benchmark as in DiffSharp and the "AD model
problems"): a particle starts at (0, 8) with velocity (0.75, 0) and moves
under the force -∇p of the potential p(x) = 1/‖x - (10, 10 - w)‖ + 1/‖x - (10, 0)‖,
in Euler steps of 0.1, until it crosses the x axis. E(w) is the square of
where it lands. Newton's method finds the w that makes it land at 0:
w ← w - E'(w) / E''(w). Three levels of nesting: every Euler step takes the
gradient of p (level 1) inside a trajectory differentiated once (E', level
2) and twice (E'', level 3).

Both engines run the same algorithm in float64, written once below in terms
of each engine's ``grad`` and arithmetic; the table gives the median time of
each and the ratio torch.func / scalargrad (higher is better). Both must find
the same w.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

import scalargrad as sg

DT = 0.1
START, VELOCITY = (0.0, 8.0), (0.75, 0.0)


def make_engine(name: str) -> dict[str, Any]:
    """The few operations the problem needs, for one engine."""
    if name == "scalargrad":
        return {
            "grad": sg.grad,
            "sqrt": sg.sqrt,
            "number": lambda x: x,
            "value": lambda x: x.data if isinstance(x, sg.Value) else float(x),
        }
    import torch
    import torch.func

    torch.set_default_dtype(torch.float64)
    return {
        "grad": torch.func.grad,
        "sqrt": torch.sqrt,
        "number": lambda x: torch.tensor(float(x)),
        "value": lambda x: float(x),
    }


def landing(engine: dict[str, Any], w: Any) -> Any:
    """Where the particle crosses the x axis, for the charge at (10, 10 - w): a function of w."""
    grad, sqrt = engine["grad"], engine["sqrt"]

    def potential(x1: Any, x2: Any) -> Any:
        return 1 / sqrt((x1 - 10) ** 2 + (x2 - (10 - w)) ** 2) + 1 / sqrt((x1 - 10) ** 2 + x2**2)

    force = grad(potential, argnums=(0, 1))  # level 1: ∇p at every step, one reverse sweep
    x1, x2 = engine["number"](START[0]), engine["number"](START[1])
    v1, v2 = engine["number"](VELOCITY[0]), engine["number"](VELOCITY[1])
    while True:
        g1, g2 = force(x1, x2)
        a1, a2 = -g1, -g2
        n1, n2 = x1 + DT * v1, x2 + DT * v2
        if engine["value"](n2) < 0:
            # linear interpolation to the crossing
            t = -x2 / (n2 - x2)
            return x1 + t * (n1 - x1)
        x1, x2, v1, v2 = n1, n2, v1 + DT * a1, v2 + DT * a2


def newton(engine: dict[str, Any], steps: int = 2) -> float:
    grad, value = engine["grad"], engine["value"]

    def error(w: Any) -> Any:
        return landing(engine, w) ** 2

    d_error = grad(error)  # level 2
    dd_error = grad(d_error)  # level 3
    w = engine["number"](0.0)
    for _ in range(steps):
        w = engine["number"](value(w) - value(d_error(w)) / value(dd_error(w)))
    return value(w)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2, help="Newton steps per run")
    args = parser.parse_args()
    engines = {"scalargrad": make_engine("scalargrad")}
    try:
        engines["torch.func"] = make_engine("torch")
    except ImportError:
        print("torch is not installed (pip install torch==2.13.0): timing scalargrad alone")
    times: dict[str, list[float]] = {name: [] for name in engines}
    answers: dict[str, float] = {}
    for r in range(args.rounds):
        order = list(engines) if r % 2 == 0 else list(reversed(engines))
        for name in order:
            start = time.perf_counter()
            answers[name] = newton(engines[name], args.steps)
            times[name].append(time.perf_counter() - start)
    print(
        f"Python {sys.version.split()[0]}; charged particle, {args.steps} Newton steps, median of {args.rounds} rounds"
    )
    for name in engines:
        print(f"{name:12} {statistics.median(times[name]) * 1e3:10.1f} ms   w = {answers[name]:.10f}")
    if "torch.func" in engines:
        ratio = statistics.median(times["torch.func"]) / statistics.median(times["scalargrad"])
        agree = abs(answers["torch.func"] - answers["scalargrad"]) <= 1e-9 * max(
            1.0, abs(answers["torch.func"])
        )
        print(f"ratio torch.func / scalargrad: {ratio:.1f}x (target >= 3x); same w: {agree}")


if __name__ == "__main__":
    main()
