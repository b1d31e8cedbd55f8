"""check_op: correct ops pass, and each kind of mistake is caught and diagnosed as that kind.

The references are independent of the op API: Python's math module for
values, derivatives worked out by hand, and ops written with one known
mistake each (examples/check_ops.py).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import scalargrad as sg
from scalargrad.operation import registry, unregister
from scalargrad.testing import check_op

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import check_ops  # noqa: E402 - the examples folder is on sys.path now

EXAMPLES = 40


@pytest.fixture
def defined() -> Iterator[list[str]]:
    """Names of ops a test defines, unregistered afterwards: the registry is shared by every test."""
    names: list[str] = []
    yield names
    for name in names:
        unregister(name)


@pytest.mark.parametrize(
    "name, reference",
    [
        ("exp", math.exp),
        ("log", math.log),
        ("sqrt", math.sqrt),
        ("tanh", math.tanh),
        ("sin", math.sin),
        ("sigmoid", lambda x: 1 / (1 + math.exp(-x))),
        ("softplus", lambda x: math.log1p(math.exp(x))),
        ("relu", lambda x: max(x, 0.0)),
        ("abs", abs),
    ],
)
def test_built_in_ops_pass_against_math(name: str, reference: Any) -> None:
    check_op(name, reference=reference, max_examples=EXAMPLES)


def test_a_two_input_op_with_a_domain_per_input_passes() -> None:
    check_op("div", domain=((-5.0, 5.0), (0.5, 5.0)), reference=lambda a, b: a / b, max_examples=EXAMPLES)


def test_each_example_mistake_gets_its_own_diagnosis() -> None:
    found = check_ops.run(examples=EXAMPLES)
    for name, (_, diagnosis) in check_ops.CASES.items():
        if diagnosis is None:
            assert found[name] is None, found[name]
        else:
            assert found[name] is not None and diagnosis in found[name].splitlines()[0], found[name]
    assert not set(check_ops.NAMES) & set(registry())  # forgotten afterwards


def _failure(op: Any, **options: Any) -> str:
    with pytest.raises(AssertionError) as raised:
        check_op(op, max_examples=EXAMPLES, **options)
    return str(raised.value)


def test_a_wrong_derivative_shows_the_same_error_at_every_step(defined: list[str]) -> None:
    @sg.op(derivatives=lambda x, out: 3 * x)  # d/dx x³ is 3x², not 3x
    def cube_slip(x):
        return x * x * x

    defined.append("cube_slip")
    message = _failure(cube_slip)
    assert "the derivative is wrong" in message.splitlines()[0]
    x = float(re.search(r"x0 = (\S+)", message).group(1))  # the smallest failing input
    row = next(line for line in message.splitlines() if line.startswith("* ∂cube_slip/∂x0"))
    rule, numeric = map(float, row.split()[3:5])
    assert rule == pytest.approx(3 * x) and numeric == pytest.approx(3 * x * x, rel=1e-9, abs=1e-9)
    steps = [line.split() for line in message.splitlines() if re.match(r"\s+1e-0\d\s", line)]
    assert len(steps) == 9  # error against step, 1e-1 to 1e-9
    errors = [float(s[2]) for s in steps[2:7]]  # the middle steps: all the same error
    assert max(errors) == pytest.approx(min(errors), rel=1e-3)
    assert "complex step" in message  # x * x * x takes complex numbers


def test_a_rule_that_cuts_the_graph_has_the_wrong_second_derivative(defined: list[str]) -> None:
    def rule(x: Any, out: Any) -> Any:  # 3x² with one factor read as a number: right once, wrong twice
        return 3 * x * (x.data if isinstance(x, sg.Value) else x)

    @sg.op(derivatives=rule)
    def cube_cut(x):
        return x**3

    defined.append("cube_cut")
    message = _failure(cube_cut)
    assert (
        "the derivative is wrong" in message.splitlines()[0] and "differentiated" in message.splitlines()[0]
    )
    x = float(re.search(r"x0 = (\S+)", message).group(1))
    row = next(line for line in message.splitlines() if line.startswith("* ∂²cube_cut/∂x0∂x0"))
    analytic, numeric = map(float, row.split()[3:5])
    assert analytic == pytest.approx(3 * x) and numeric == pytest.approx(6 * x, rel=1e-6)
    check_op(cube_cut, second=False, max_examples=EXAMPLES)  # its first derivative is right


def test_a_value_unlike_its_reference_is_reported() -> None:
    message = _failure("tanh", reference=math.sin)
    assert "the value differs from the reference" in message
    x = float(re.search(r"x0 = (\S+)", message).group(1))
    row = next(line for line in message.splitlines() if line.startswith("* value"))
    assert [float(v) for v in row.split()[2:4]] == pytest.approx([math.tanh(x), math.sin(x)], rel=1e-8)


def test_the_declared_kinks_and_domain_are_respected(defined: list[str]) -> None:
    @sg.op(derivatives=lambda x, out: -1.0 if x < 1 else 0.0, kinks=(1.0,), domain=(-3.0, 3.0))
    def hinge_declared(x):
        return max(0.0, 1.0 - x)

    defined.append("hinge_declared")
    check_op(hinge_declared, max_examples=EXAMPLES)
    seen: list[float] = []
    check_op(hinge_declared, reference=lambda x: seen.append(x) or max(0.0, 1.0 - x), max_examples=EXAMPLES)
    assert seen and all(-3.0 < x < 3.0 and abs(x - 1.0) > 1e-3 for x in seen)


def test_a_given_domain_overrides_the_declared_one() -> None:
    # log over (-1, 1) includes numbers where it is not defined
    message = _failure("log", domain=(-1.0, 1.0))
    assert "outside the domain" in message.splitlines()[0] and re.search(r"is (-inf|nan) at x0 = ", message)


def test_a_complex_result_is_outside_the_domain(defined: list[str]) -> None:
    @sg.op(derivatives=lambda x, out: 0.5 / out)
    def root_anywhere(x):
        return x**0.5  # a complex number for x < 0

    defined.append("root_anywhere")
    assert "complex number" in _failure(root_anywhere, domain=(-5.0, -0.5)).splitlines()[0]


def test_check_op_hides_its_own_frames_from_pytest() -> None:
    assert "__tracebackhide__" in check_op.__code__.co_varnames


@pytest.mark.parametrize(
    "args, options, error, message",
    [
        ((3,), {}, TypeError, "takes an op made with sg.op"),
        (("no_such_op",), {}, TypeError, "takes an op made with sg.op"),
        (("atan2",), {"domain": [(-1.0, 1.0)]}, ValueError, "1 intervals for 2 inputs"),
        (("tanh",), {"domain": (1.0, -1.0)}, ValueError, "low < high"),
        (("tanh",), {"bound": 0}, ValueError, "bound"),
        (("tanh",), {"reference": 3}, TypeError, "reference"),
    ],
)
def test_bad_arguments_are_refused(
    args: tuple[Any, ...], options: dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        check_op(*args, **options)


def test_the_example_script_runs() -> None:
    import subprocess

    script = Path(__file__).resolve().parents[1] / "examples" / "check_ops.py"
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("ok      ") == 2 and result.stdout.count("failed  ") == 5


def test_ops_of_any_arity_and_op_families() -> None:
    check_op("sum", n_inputs=3, reference=lambda *xs: math.fsum(xs), max_examples=EXAMPLES)
    check_op("dot", n_inputs=4, reference=lambda a, b, c, d: a * c + b * d, max_examples=EXAMPLES)
    check_op("leaky_relu", params=(0.2,), reference=lambda x: x if x > 0 else 0.2 * x, max_examples=EXAMPLES)
    message = _failure("leaky_relu", params=(0.2,), reference=lambda x: x if x > 0 else 0.01 * x)
    assert "differs from the reference" in message  # the parameter is used, not the default slope
