"""``check_engine``: does a micrograd-style engine backpropagate correctly? scalargrad as the referee.

A micrograd-style engine is a class built as ``Value(data)`` whose objects
have ``.data``, ``.grad`` and ``.backward()``, and arithmetic operators; it
may have methods such as ``relu``, ``tanh``, ``exp``, ``log``, ``sigmoid`` and
``zero_grad``. :func:`check_engine` first asks the class what it supports
(each operator with Values and with numbers on either side, ``**`` with a
number, a Value or a number base, every method whose name is an op of
scalargrad's registry) and checks only that; what it lacks is listed, not
counted against it. Then, with hypothesis:

1. each operation on its own (``x0 * x1``, ``x0 * x0``, ``2.0 - x0``...): its
   value and its gradients;
2. random graphs over the operations that passed, with nodes used several
   times and diamonds;
3. a chain of 10,000 operations (a recursive topological sort fails here);
4. ``backward()`` called twice on one graph: the inputs' gradients must then
   be the one-pass gradients or twice them, never anything else; and, where
   the class has ``zero_grad``, zeroing every node then gives one pass again.

It judges backprop, not conventions: inputs stay inside each operation's
domain and away from its kinks (the op registry knows both, and the values
and local derivatives stay moderate), numbers are compared with a tolerance
that lets equivalent formulas round differently (``a / b`` against
``a * b**-1``), and where the engine raises at a point where scalargrad
returns ``inf`` or ``nan`` (``1 / 0``, ``log(0)``, ``exp(1000)``) that is
noted as a convention. Each defect is the smallest program hypothesis
finds, with the expected and the engine's numbers and the first node, in
backward order, whose gradient differs; :meth:`Defect.write_frames` draws
scalargrad's backward pass through it, step by step, that node marked.

>>> from scalargrad import Value
>>> report = check_engine(Value, max_examples=10, deep=100)
>>> report.ok, report.defects, report.unsupported, "a.tanh()" in report.supported
(True, [], [], True)
"""

from __future__ import annotations

import functools
import math
import os
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, Verbosity, given, reject, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

import scalargrad as sg
from scalargrad.operation import lookup, registry
from scalargrad.testing._report import number, table

if TYPE_CHECKING:  # the drawings' layer is loaded only when a picture is asked for
    from scalargrad.viz.frames import Frame

__all__ = ["Defect", "EngineReport", "NotAnEngine", "assert_engine_conforms", "check_engine"]

DEEP = 10_000
"""How many operations long the deep chain is."""

_NUMBERS = (2.0, 1.0, -1.0, 0.5, 3.0, -2.0)  # numbers on either side of an operator
_INT_POWERS = (2, 3, -1)
_REAL_POWERS = (0.5, 1.5, -0.5, 2.0)
_BASES = (2.0, 0.5, 3.0)  # for number ** Value
_MAX_VALUE = 1e3  # of any node in a drawn graph
_MAX_LOCAL = 1e2  # of any local derivative in a drawn graph
_VALUE_RTOL = 1e-8  # relative to how much a value could round (its condition)
_GRAD_RTOL = 1e-6  # relative to the sum of the absolute products along every path
_ATOL = 1e-9
_WIDTH = 88  # of a report's prose lines (tables and programs are never wrapped)


class NotAnEngine(TypeError):
    """What :func:`check_engine` raises when it cannot check the class at all: not a class, not ``Value(number)``...

    >>> check_engine(3)
    Traceback (most recent call last):
    ...
    scalargrad.testing.engine.NotAnEngine: check_engine() takes a class such as Value, got int 3
    """


# --------------------------------------------------------------- operations


@dataclass(frozen=True)
class _Operation:
    """One way of computing a node: ``a + b``, ``a + 2.0``, ``2.0 + a``, ``a ** 2``, ``a.tanh()``...

    ``kind`` says what it takes: ``"vv"`` two nodes, ``"vc"`` a node then a
    number, ``"cv"`` a number then a node, ``"v"`` one node. ``op`` is the
    name of scalargrad's op for it (its domain and kinks), ``numbers`` the
    numbers it is drawn with.
    """

    key: str
    kind: str
    op: str
    template: str
    apply: Callable[[Any, Any], Any]
    numbers: tuple[float, ...] = ()

    def text(self, a: str, b: str = "", c: float | None = None) -> str:
        shown = "" if c is None else _constant(c, right=self.kind == "vc")
        return self.template.format(a=a, b=b, c=shown)


def _constant(c: float, right: bool) -> str:
    text = repr(c)
    return f"({text})" if right and c < 0 else text


def _binary(symbol: str, op: str, function: Callable[[Any, Any], Any]) -> list[_Operation]:
    return [
        _Operation(f"a {symbol} b", "vv", op, f"{{a}} {symbol} {{b}}", function),
        _Operation(f"a {symbol} 2.0", "vc", op, f"{{a}} {symbol} {{c}}", function, _NUMBERS),
        _Operation(
            f"2.0 {symbol} a", "cv", op, f"{{c}} {symbol} {{a}}", lambda a, c: function(c, a), _NUMBERS
        ),
    ]


def _method(name: str) -> _Operation:
    return _Operation(f"a.{name}()", "v", name, f"{{a}}.{name}()", lambda a, _: getattr(a, name)())


def _operations(cls: type) -> list[_Operation]:
    """Every operation a micrograd-style engine might have; the methods are the registry's one-input ops the class has."""
    found = (
        _binary("+", "add", lambda a, b: a + b)
        + _binary("-", "sub", lambda a, b: a - b)
        + _binary("*", "mul", lambda a, b: a * b)
        + _binary("/", "div", lambda a, b: a / b)
        + [
            _Operation("-a", "v", "neg", "-{a}", lambda a, _: -a),
            _Operation("a ** 2", "vc", "pow", "{a} ** {c}", lambda a, c: a**c, _INT_POWERS),
            _Operation("a ** 0.5", "vc", "pow", "{a} ** {c}", lambda a, c: a**c, _REAL_POWERS),
            _Operation("2.0 ** a", "cv", "pow", "{c} ** {a}", lambda a, c: c**a, _BASES),
            _Operation("a ** b", "vv", "pow", "{a} ** {b}", lambda a, b: a**b),
            _Operation("abs(a)", "v", "abs", "abs({a})", lambda a, _: abs(a)),
        ]
    )
    for name, function in registry().items():
        if function.method and function.arity == 1 and callable(getattr(cls, name, None)):
            found.append(_method(name))
    return found


# ----------------------------------------------------------------- programs


@dataclass(frozen=True)
class _Step:
    operation: _Operation
    operands: tuple[int, ...]  # slots: the inputs first, then the steps before this one
    number: float | None = None


@dataclass(frozen=True)
class _Program:
    """Inputs ``x0, x1, ...`` and a list of steps, each one operation on earlier slots; the last is the result."""

    inputs: tuple[float, ...]
    steps: tuple[_Step, ...]

    @property
    def size(self) -> int:
        return len(self.inputs) + len(self.steps)

    def reachable(self) -> list[int]:
        """The slots the result depends on, in order."""
        needed = {self.size - 1}
        for slot in range(self.size - 1, len(self.inputs) - 1, -1):
            if slot in needed:
                needed.update(self.steps[slot - len(self.inputs)].operands)
        return sorted(needed)

    def names(self) -> dict[int, str]:
        """The name of each slot the result depends on: x0, x1, ... for inputs, t1, t2, ... for steps, y for the result."""
        shown: dict[int, str] = {}
        k = 0
        for slot in self.reachable():
            if slot < len(self.inputs):
                shown[slot] = f"x{slot}"
            elif slot == self.size - 1:
                shown[slot] = "y"
            else:
                k += 1
                shown[slot] = f"t{k}"
        return shown

    def formula(self, slot: int, names: dict[int, str]) -> str:
        """How a slot is computed, in terms of the others' names (``"input"`` for an input)."""
        if slot < len(self.inputs):
            return "input"
        step = self.steps[slot - len(self.inputs)]
        operands = [names[s] for s in step.operands]
        return step.operation.text(operands[0], operands[1] if len(operands) > 1 else "", step.number)

    def source(self, class_name: str, backward: int = 1) -> str:
        """The program as Python a learner can paste: inputs, one line per node, ``backward()``."""
        names = self.names()
        lines = []
        for slot in self.reachable():
            if slot < len(self.inputs):
                lines.append(f"{names[slot]} = {class_name}({self.inputs[slot]!r})")
            else:
                lines.append(f"{names[slot]} = {self.formula(slot, names)}")
        if self.size - 1 < len(self.inputs):
            lines.append(f"y = {names[self.size - 1]}")
        lines += ["y.backward()"] * backward
        return "\n".join(lines)

    def run(self, make: Callable[[float], Any]) -> list[Any]:
        """Every slot's node, built with ``make`` (an engine's class, or scalargrad's Value)."""
        slots = [make(x) for x in self.inputs]
        for step in self.steps:
            a = slots[step.operands[0]]
            b = slots[step.operands[1]] if len(step.operands) > 1 else step.number
            slots.append(step.operation.apply(a, b))
        return slots

    def graph(self) -> sg.Value:
        """The program in scalargrad, every node labelled by its name, for drawing."""
        slots = self.run(sg.Value)
        for slot, name in self.names().items():
            slots[slot].label = name
        result: sg.Value = slots[-1]
        return result


@functools.lru_cache(maxsize=65536)
def _local(operation: _Operation, a: float, b: float | None) -> float | None:
    """scalargrad's value of one step on floats, or None where the step is not wanted (remembered: shrinking asks again).

    Wanted: every operand node inside the op's domain (a hundredth away from
    a finite end) and a thousandth away from its kinks, and the value and
    local derivatives finite and moderate (at most 1e3 and 1e2).
    """
    try:
        if operation.kind == "vv":
            assert b is not None
            out = operation.apply(sg.Value(a), sg.Value(b))
            nodes = [(0, a), (1, b)]
        else:
            out = operation.apply(sg.Value(a), b)
            nodes = [(1 if operation.kind == "cv" else 0, a)]
        derivatives = out.local_derivatives()
    except (ArithmeticError, ValueError, TypeError):
        return None
    value: float = out.data
    if not math.isfinite(value) or abs(value) > _MAX_VALUE:
        return None
    if any(not math.isfinite(d) or abs(d) > _MAX_LOCAL for d in derivatives):
        return None
    function = lookup(operation.op)
    assert function is not None, operation.op
    op = function.op
    for position, x in nodes:
        low, high = op.domain_of(position)
        if x <= low + 1e-2 * max(1.0, abs(low)) or x >= high - 1e-2 * max(1.0, abs(high)):
            return None
        if any(abs(x - k) <= 1e-3 * max(1.0, abs(k)) for k in op.kinks):
            return None
    return value


@st.composite
def _programs(draw: Any, operations: Sequence[_Operation], n_inputs: int, max_steps: int) -> _Program:
    """A random program over ``operations``: operands are drawn newest first, so a failure shrinks to a chain."""
    inputs = tuple(
        draw(st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False, allow_subnormal=False))
        for _ in range(n_inputs)
    )
    values = list(inputs)
    steps: list[_Step] = []
    count = draw(st.integers(1, max_steps))
    choose = st.sampled_from(list(operations))
    for _ in range(count):
        operation = draw(choose)
        # slots newest first, then the inputs in order: index 0 is the last node made (or x0)
        order = list(range(len(values) - 1, n_inputs - 1, -1)) + list(range(n_inputs))
        drawn = _draw_step(draw, operation, order, values)
        if drawn is not None:
            steps.append(drawn[0])
            values.append(drawn[1])
    if not steps:
        reject()  # nothing fitted these inputs: hypothesis draws others
    return _Program(inputs, tuple(steps))


def _draw_step(
    draw: Any, operation: _Operation, order: list[int], values: list[float]
) -> tuple[_Step, float] | None:
    """One step of ``operation`` on drawn operands among those where it is wanted; None if there are none."""
    if operation.kind in ("vc", "cv"):
        c = draw(st.sampled_from(operation.numbers))
        fitting = [s for s in order if _local(operation, values[s], c) is not None]
        if not fitting:
            return None
        a = fitting[draw(st.integers(0, len(fitting) - 1))]
        return _Step(operation, (a,), c), _local(operation, values[a], c) or 0.0
    if operation.kind == "v":
        fitting = [s for s in order if _local(operation, values[s], None) is not None]
        if not fitting:
            return None
        a = fitting[draw(st.integers(0, len(fitting) - 1))]
        return _Step(operation, (a,)), _local(operation, values[a], None) or 0.0
    a = order[draw(st.integers(0, len(order) - 1))]
    fitting = [s for s in order if _local(operation, values[a], values[s]) is not None]
    if not fitting:
        return None
    b = fitting[draw(st.integers(0, len(fitting) - 1))]
    return _Step(operation, (a, b)), _local(operation, values[a], values[b]) or 0.0


# ------------------------------------------------------------------- defects


@dataclass
class Defect:
    """One way the engine disagrees with scalargrad: what, the smallest program showing it, and the numbers.

    ``kind`` is ``"value"`` (a node's value differs), ``"gradient"``,
    ``"raised"`` (the engine raised inside the domain), ``"deep"`` (the
    chain of 10,000 operations), ``"repeated"`` (``backward()`` twice) or
    ``"zero_grad"``. ``source`` is the program as Python, ``node`` the name of
    the first node whose number differs (in backward order for gradients),
    ``table`` the numbers.

    >>> d = Defect("gradient", "x0 gets the wrong gradient", source="x0 = Value(1.0)", table="", node="x0")
    >>> print(d)
    x0 gets the wrong gradient
        x0 = Value(1.0)
    """

    kind: str
    title: str
    source: str = ""
    table: str = ""
    node: str | None = None
    detail: str = ""
    program: _Program | None = field(default=None, repr=False)
    got: str = ""

    def __str__(self) -> str:
        lines = textwrap.wrap(self.title, _WIDTH, subsequent_indent="  ")
        if self.source:
            lines += ["    " + line for line in self.source.splitlines()]
        if self.table:
            lines += ["  " + line for line in self.table.splitlines()]
        for paragraph in self.detail.splitlines():
            lines += textwrap.wrap(paragraph, _WIDTH, initial_indent="  ", subsequent_indent="  ")
        return "\n".join(lines)

    def frames(self) -> list[Frame]:
        """scalargrad's backward pass through the defect's program, one picture per step, the differing node marked.

        These are :func:`scalargrad.step_frames` of the program built in
        scalargrad (nodes named as in ``source``), with the first node whose
        number differs labelled "first difference" (and the engine's number)
        in every frame; the layout is the same in all of them. A defect
        without a program (the deep chain) has none.

        >>> d = Defect("gradient", "t", program=_Program((1.0,), (_Step(_operations(sg.Value)[0], (0, 0)),)), node="x0")
        >>> [frame.caption.split(" = ")[0] for frame in d.frames()]
        ['forward pass: y', '∂y/∂y', '∂y/∂x0']
        >>> "first difference" in d.frames()[2].graph.source
        True
        """
        if self.program is None:
            return []
        from scalargrad.viz.frames import step_frames
        from scalargrad.viz.trace import trace

        record = trace(self.program.graph())
        frames = step_frames(record)
        if self.node is not None:
            index = record.node(self.node).index
            mark = "first difference" + (f" (engine: {self.got})" if self.got else "")
            for frame in frames:  # one more attribute statement for the node: the layout stays the same
                frame.graph.node(f"n{index}", xlabel=mark, fontcolor="#c92a2a", fontname="Helvetica-Bold")
        return frames

    def picture(self) -> Frame | None:
        """The frame of :meth:`frames` where the first differing node gets its gradient (for a value: its own step).

        >>> d = Defect("gradient", "t", program=_Program((1.0,), (_Step(_operations(sg.Value)[0], (0, 0)),)), node="x0")
        >>> d.picture().caption.startswith("∂y/∂x0 = ")
        True
        >>> Defect("deep", "no program").picture() is None
        True
        """
        frames = self.frames()
        if not frames:
            return None
        if self.node is None:
            return frames[-1]
        return next((f for f in frames if f.caption.startswith(f"∂y/∂{self.node} ")), frames[-1])

    def write_frames(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Write :meth:`frames` as SVG files, with a page to step through them and the differing node's paths.

        One SVG per step (``frame-NN.svg``, as :func:`scalargrad.viz.writers.write_frames`),
        ``steps.html`` to step through them, and ``first-difference.svg``, the
        paths from the first differing node to the result (see
        :func:`scalargrad.path_view`). Needs graphviz's ``dot``; a defect
        without a program (the deep chain) writes nothing.

        >>> import tempfile
        >>> d = Defect("gradient", "t", program=_Program((1.0,), (_Step(_operations(sg.Value)[0], (0, 0)),)), node="x0")
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     sorted(p.name for p in d.write_frames(folder))
        ['first-difference.svg', 'frame-00.svg', 'frame-01.svg', 'frame-02.svg', 'steps.html']
        """
        frames = self.frames()
        if self.program is None or not frames:
            return []
        from scalargrad.viz.drawing import draw
        from scalargrad.viz.writers import write, write_frames, write_stepper

        folder = Path(directory)
        paths = write_frames(frames, folder, "svg")
        paths.append(write_stepper(frames, folder / "steps.html", title=self.title))
        if self.node is not None and self.node != "y":
            paths.append(
                write(draw(self.program.graph(), highlight=self.node), folder / "first-difference.svg")
            )
        return paths


@dataclass
class EngineReport:
    """What :func:`check_engine` found: ``ok``, and ``str(report)`` says it all as text.

    ``supported`` lists the operations checked, ``unsupported`` the ones the
    class lacks (with why), ``defects`` each :class:`Defect`, ``conventions``
    where the engine differs from IEEE-754 without being wrong, ``checks``
    what was run, and ``seconds`` how long it took.

    >>> report = EngineReport("my.Value", ["a + b"], [], [], [], ["a + b: 10 examples"], 0.5)
    >>> report.ok
    True
    >>> print(report)   # doctest: +ELLIPSIS
    scalargrad check: my.Value
    ...
    result: conforms (no defects, 0.5 s)
    """

    engine: str
    supported: list[str]
    unsupported: list[tuple[str, str]]
    defects: list[Defect]
    conventions: list[str]
    checks: list[str]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when no defect was found.

        >>> EngineReport("e", [], [], [Defect("value", "wrong")], [], [], 0.0).ok
        False
        """
        return not self.defects

    def __str__(self) -> str:
        lines = [f"scalargrad check: {self.engine}"]
        lines += textwrap.wrap(
            f"supported, and checked ({len(self.supported)}): {', '.join(self.supported)}",
            _WIDTH,
            subsequent_indent="  ",
        )
        if self.unsupported:
            lines.append(f"not supported, so not checked ({len(self.unsupported)}):")
            lines += [f"  {key}  ({why})" for key, why in self.unsupported]
        lines.append("checks run:")
        lines += [f"  {check}" for check in self.checks]
        if self.conventions:
            lines.append("conventions (where IEEE-754 gives inf or nan; not defects):")
            lines += [f"  {note}" for note in self.conventions]
        if self.defects:
            lines.append(f"defects ({len(self.defects)}):")
            for k, defect in enumerate(self.defects, start=1):
                text = str(defect).splitlines()
                lines.append(f"{k}. {text[0]}")
                lines += [f"   {line}" for line in text[1:]]
            lines.append(
                f"result: {len(self.defects)} defect{'s' if len(self.defects) != 1 else ''} ({self.seconds:.1f} s)"
            )
        else:
            lines.append(f"result: conforms (no defects, {self.seconds:.1f} s)")
        return "\n".join(lines)

    def write_frames(self, directory: str | os.PathLike[str]) -> list[Path]:
        """For each defect with a program, its frames in ``directory/defect-K`` (see :meth:`Defect.write_frames`).

        >>> EngineReport("e", [], [], [], [], [], 0.0).write_frames("unused")
        []
        """
        paths: list[Path] = []
        for k, defect in enumerate(self.defects, start=1):
            if defect.program is not None:
                paths += defect.write_frames(Path(directory) / f"defect-{k}")
        return paths


# ------------------------------------------------------------------- engine


class _Mismatch(Exception):
    """A check that failed for one program; hypothesis shrinks the program, then it becomes a Defect."""

    def __init__(self, defect: Defect) -> None:
        super().__init__(defect.title)
        self.defect = defect


class _ValueMismatch(_Mismatch):
    pass


class _GradientMismatch(_Mismatch):
    pass


class _Raised(_Mismatch):
    pass


class _Engine:
    """The class under check and the helpers that read its nodes."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.name = cls.__name__
        self.qualified = f"{cls.__module__}.{cls.__qualname__}"

    def make(self, x: float) -> Any:
        return self.cls(x)

    @staticmethod
    def number(node: Any, attribute: str) -> float:
        return float(getattr(node, attribute))


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split())
    text = text if len(text) <= 120 else text[:119] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _check_class(cls: Any) -> _Engine:
    if not isinstance(cls, type):
        raise NotAnEngine(f"check_engine() takes a class such as Value, got {type(cls).__name__} {cls!r}")
    try:
        node = cls(1.5)
    except Exception as error:
        raise NotAnEngine(
            f"{cls.__qualname__} is not constructible from a number: {cls.__qualname__}(1.5) raised {_short(error)}"
        ) from None
    for attribute in ("data", "grad"):
        try:
            float(getattr(node, attribute))
        except Exception as error:
            raise NotAnEngine(
                f"{cls.__qualname__}(1.5) has no number .{attribute} ({_short(error)}); "
                "a micrograd-style engine keeps .data and .grad"
            ) from None
    if float(node.data) != 1.5:
        raise NotAnEngine(f"{cls.__qualname__}(1.5).data is {node.data!r}, not 1.5")
    if not callable(getattr(node, "backward", None)):
        raise NotAnEngine(f"{cls.__qualname__} has no backward() method")
    return _Engine(cls)


_UNSUPPORTED = (AttributeError, TypeError, NotImplementedError, AssertionError)
"""What an engine raises for an operation it does not have (micrograd asserts a number exponent)."""


def _probe(engine: _Engine, operations: list[_Operation]) -> tuple[list[_Operation], list[tuple[str, str]]]:
    """The operations the engine supports, and the others with the reason.

    Each is tried once at a point inside its domain. Raising one of
    ``_UNSUPPORTED`` means the engine lacks it; any other exception means it
    has it, and the checks will show where it raises.
    """
    supported, unsupported = [], []
    for operation in operations:
        number = operation.numbers[0] if operation.numbers else None
        a, b = next(
            (
                (a, b)
                for a, b in ((1.5, 0.5), (0.5, 1.5), (0.25, 2.0), (-0.5, 1.5))
                if _local(operation, a, b if operation.kind == "vv" else number) is not None
            ),
            (1.5, 0.5),
        )
        try:
            x = engine.make(a)
            out = operation.apply(x, engine.make(b) if operation.kind == "vv" else number)
            float(out.data)
            float(out.grad)
            if not callable(getattr(out, "backward", None)):
                raise TypeError(f"gives {type(out).__name__}, not a node with backward()")
        except _UNSUPPORTED as error:
            unsupported.append((operation.key, _short(error)))
            continue
        except Exception:
            pass  # it has the operation; the checks will say where it raises
        supported.append(operation)
    return supported, unsupported


def _condition(nodes: list[sg.Value]) -> dict[sg.Value, float]:
    """For each node, how much its value can have rounded: |value| + sum of |local derivative| × its parents' condition."""
    cond: dict[sg.Value, float] = {}
    for node in nodes:
        total = abs(node.data)
        for parent, d in zip(node.parents, node.local_derivatives()):
            total += abs(d) * cond.get(parent, abs(parent.data))
        cond[node] = total
    return cond


def _absolute_gradients(nodes: list[sg.Value]) -> dict[sg.Value, float]:
    """For each node, the sum over paths to the root of the absolute products of local derivatives."""
    scale: dict[sg.Value, float] = {nodes[-1]: 1.0}
    for node in reversed(nodes):
        s = scale.get(node, 0.0)
        for parent, d in zip(node.parents, node.local_derivatives()):
            scale[parent] = scale.get(parent, 0.0) + s * abs(d)
    return scale


def _expected(program: _Program) -> tuple[list[sg.Value], dict[sg.Value, float], dict[sg.Value, float]]:
    slots = program.run(sg.Value)
    root = slots[-1]
    root.backward()
    nodes = sg.topological_order(root)
    return slots, _condition(nodes), _absolute_gradients(nodes)


def _close(got: float, expected: float, allowed: float) -> bool:
    """Within ``allowed`` (and _ATOL) of ``expected``, and finite."""
    return math.isfinite(got) and abs(got - expected) <= allowed + _ATOL


def _value_close(got: float, expected: float, condition: float) -> bool:
    return got == expected or _close(got, expected, _VALUE_RTOL * max(condition, abs(expected)))


def _grad_close(got: float, expected: float, scale: float) -> bool:
    return got == expected or _close(got, expected, _GRAD_RTOL * max(scale, abs(expected)))


def _run_engine(engine: _Engine, program: _Program, backward: int) -> list[Any]:
    """The engine's nodes for ``program`` after ``backward`` passes; raises _Raised for an exception."""
    stage = "while building the graph"
    try:
        slots = program.run(engine.make)
        for k in range(backward):
            stage = "in backward()" if k == 0 else "in the second backward()"
            slots[-1].backward()
        return slots
    except Exception as error:
        raise _Raised(_defect_raised(engine, program, stage, error)) from None


def _defect_raised(engine: _Engine, program: _Program, stage: str, error: BaseException) -> Defect:
    return Defect(
        "raised",
        f"the engine raised {_short(error)} {stage}, inside every operation's domain",
        source=program.source(engine.name),
        program=program,
    )


def _compare(engine: _Engine, program: _Program, structural: bool = False) -> None:
    """Values and gradients of one program in the engine against scalargrad's; raises a _Mismatch.

    ``structural`` says every operation in the program has passed alone, which
    the explanation of a wrong gradient uses.
    """
    expected, cond, scale = _expected(program)
    slots = _run_engine(engine, program, 1)
    names = program.names()
    order = program.reachable()
    rows = []
    for slot in order:
        node = expected[slot]
        try:
            got = engine.number(slots[slot], "data")
        except Exception:
            got = math.nan
        rows.append((slot, node.data, got, _value_close(got, node.data, cond.get(node, 0.0))))
    for slot, want, got, good in rows:  # forward order: the first value that differs
        if not good:
            marks = [not r[3] for r in rows]
            values = [(names[s], program.formula(s, names), number(w), number(g)) for s, w, g, _ in rows]
            raise _ValueMismatch(
                Defect(
                    "value",
                    f"wrong value: {names[slot]} = {program.formula(slot, names)} is {number(got)}, should be {number(want)}",
                    source=program.source(engine.name),
                    table=table(("node", "computed as", "value (expected)", "value (engine)"), values, marks),
                    node=names[slot],
                    program=program,
                    got=number(got),
                )
            )
    grads = []
    for slot in order:
        node = expected[slot]
        try:
            got = engine.number(slots[slot], "grad")
        except Exception:
            got = math.nan
        grads.append((slot, node.grad, got, _grad_close(got, node.grad, scale.get(node, 0.0))))
    inputs_wrong = [g for g in grads if g[0] < len(program.inputs) and not g[3]]
    if not inputs_wrong:
        return
    slot, want, got, _ = next(g for g in reversed(grads) if not g[3])  # backward order: from the result down
    marks = [not g[3] for g in reversed(grads)]
    shown = [
        (names[s], program.formula(s, names), number(expected[s].data), number(w), number(g))
        for s, w, g, _ in reversed(grads)
    ]
    name = names[slot]
    if slot == program.size - 1:
        title = (
            f"after y.backward(), {name}.grad is {number(got)}, not 1: the chain rule starts from ∂y/∂y = 1"
        )
        detail = ""
    else:
        title = (
            f"wrong gradient: {name}.grad is {number(got)}, should be {number(want)} "
            "(the first node, in backward order, whose gradient differs)"
        )
        detail = _hint(program, names, slot, {s: g[3] for s, g in zip(order, grads)}, structural)
    raise _GradientMismatch(
        Defect(
            "gradient",
            title,
            source=program.source(engine.name),
            table=table(("node", "computed as", "value", "grad (expected)", "grad (engine)"), shown, marks),
            node=name,
            detail=detail,
            program=program,
            got=number(got),
        )
    )


def _hint(
    program: _Program, names: dict[int, str], slot: int, good: dict[int, bool], structural: bool
) -> str:
    """Why a node whose consumers' gradients are all right can still get a wrong one."""
    consumers = [
        (k + len(program.inputs), step.operands.count(slot))
        for k, step in enumerate(program.steps)
        if slot in step.operands and k + len(program.inputs) in names
    ]
    if not all(good.get(c, False) for c, _ in consumers):
        return ""
    name = names[slot]
    used = ", ".join(f"{names[c]} = {program.formula(c, names)}" for c, _ in consumers)
    if structural:
        return (
            f"every node that uses {name} ({used}) has the right gradient, and each operation gives the right "
            "gradients on its own, so the local derivatives are right: suspect the order in which backward() visits "
            f"the nodes (a node must pass its gradient on only once every node that uses it has passed its own on) "
            "or a gradient that is set (=) where it should be added to (+=)"
        )
    ((consumer, uses),) = consumers
    if uses > 1:
        return (
            f"{names[consumer]} = {program.formula(consumer, names)} uses {name} {uses} times, and {name}'s gradient "
            "is the sum over every use: add to .grad (+=) rather than set it (=)"
        )
    return (
        f"{names[consumer]}'s gradient is right, so the local derivative ∂{names[consumer]}/∂{name} of "
        f"{program.formula(consumer, names)} is wrong"
    )


def _repeated(engine: _Engine, program: _Program, zero_grad: bool) -> None:
    """backward() twice: the inputs' gradients must be one pass's or twice that; with zero_grad, one pass's again."""
    once = _run_engine(engine, program, 1)
    twice = _run_engine(engine, program, 2)
    names = program.names()
    order = program.reachable()
    expected_nodes, _, scale = _expected(program)

    def grad(nodes: list[Any], slot: int) -> float:
        try:
            return engine.number(nodes[slot], "grad")
        except Exception:
            return math.nan

    def fits(g2: float, g1: float, s: float) -> tuple[bool, bool]:
        return _grad_close(g2, g1, s), _grad_close(g2, 2.0 * g1, 2.0 * s)

    wrong = []
    for slot in order:
        if slot >= len(program.inputs):
            continue
        single, double = fits(grad(twice, slot), grad(once, slot), scale.get(expected_nodes[slot], 0.0))
        if not (single or double):
            wrong.append(slot)
    if not wrong:
        if zero_grad:
            _zeroed(engine, program)
        return
    first = None
    for slot in reversed(order):  # backward order: the first node holding neither one pass nor two
        s = scale.get(expected_nodes[slot], 0.0)
        single, double = fits(grad(twice, slot), grad(once, slot), s)
        if not (single or double):
            first = slot
            break
    rows = [
        (
            names[s],
            program.formula(s, names),
            number(grad(once, s)),
            number(2.0 * grad(once, s)),
            number(grad(twice, s)),
        )
        for s in reversed(order)
    ]
    marks = [s == first for s in reversed(order)]
    # the interior nodes that kept the first pass's gradient and passed the total on
    kept = [
        s
        for s in reversed(order)
        if len(program.inputs) <= s < program.size - 1
        and grad(once, s) != 0.0
        and fits(grad(twice, s), grad(once, s), scale.get(expected_nodes[s], 0.0))[1]
    ]
    if kept:
        k = kept[0]
        why = (
            f"{names[k]}.grad still held the first pass's {number(grad(once, k))} when the second pass added "
            f"{number(grad(once, k))} more, and {names[k]} then passed the total, {number(grad(twice, k))}, on to "
            f"its inputs, which held the first pass's gradients already: reset every non-input node's .grad to 0 "
            "at the start of backward() (the inputs may go on accumulating, as in PyTorch)"
        )
    else:
        why = (
            "one backward() must give the same gradients as the first, added to the inputs' or in their place"
        )
    raise _GradientMismatch(
        Defect(
            "repeated",
            "backward() twice: the inputs' gradients are neither one pass's nor twice that",
            source=program.source(engine.name, backward=2),
            table=table(
                ("node", "computed as", "grad after one pass", "twice that", "after two passes"), rows, marks
            ),
            node=names[first] if first is not None else None,
            detail=why,
            program=program,
            got=number(grad(twice, first)) if first is not None else "",
        )
    )


def _zeroed(engine: _Engine, program: _Program) -> None:
    slots = program.run(engine.make)
    root = slots[-1]
    try:
        root.backward()
        root.backward()
        for node in slots:
            node.zero_grad()
        root.backward()
    except Exception as error:
        raise _Raised(_defect_raised(engine, program, "in zero_grad() and backward()", error)) from None
    expected, _, scale = _expected(program)
    names = program.names()
    wrong = [
        s
        for s in program.reachable()
        if s < len(program.inputs)
        and not _grad_close(engine.number(slots[s], "grad"), expected[s].grad, scale.get(expected[s], 0.0))
    ]
    if wrong:
        rows = [(names[s], number(expected[s].grad), number(engine.number(slots[s], "grad"))) for s in wrong]
        raise _GradientMismatch(
            Defect(
                "zero_grad",
                "zero_grad() on every node, then backward(), does not give one pass's gradients",
                source=program.source(engine.name, backward=2)
                + "\nfor node in ("
                + ", ".join(names[s] for s in program.reachable())
                + "): node.zero_grad()\ny.backward()",
                table=table(("input", "grad (expected)", "grad (engine)"), rows, [True] * len(rows)),
                program=program,
            )
        )


def _search(
    strategy: SearchStrategy[_Program], check: Callable[[_Program], None], examples: int
) -> Defect | None:
    """The smallest program hypothesis finds for which ``check`` raises, as a Defect; None if none is found."""

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(program: _Program) -> None:
        check(program)

    try:
        run()
    except _Mismatch as mismatch:
        return mismatch.defect
    return None


def _seed(engine: _Engine, supported: list[_Operation]) -> Defect | None:
    """y = x0 * x1 (or the first two-node operation there is), y.backward(): the defect if y.grad is not 1."""
    first = next((o for o in supported if o.key == "a * b"), None) or next(
        (o for o in supported if o.kind == "vv"), None
    )
    if first is None:
        return None
    program = _Program((1.5, 0.5), (_Step(first, (0, 1)),))
    try:
        root = _run_engine(engine, program, 1)[-1]
        if engine.number(root, "grad") == 1.0:
            return None
        _compare(engine, program)
    except _Mismatch as mismatch:
        if mismatch.defect.node == "y":
            mismatch.defect.detail = "every gradient is computed from it, so the other checks were skipped"
            return mismatch.defect
    return None


def _deep(engine: _Engine, supported: list[_Operation], length: int) -> tuple[Defect | None, str]:
    """A chain of ``length`` operations, y = (y + 0.5) * 0.999 over and over; a RecursionError is a defect."""
    keys = {operation.key: operation for operation in supported}
    add = keys.get("a + 2.0")
    mul = keys.get("a * 2.0")
    half, factor = (0.5, 0.999) if add and mul else (engine.make(0.5), engine.make(0.999))
    described = f"a chain of {length:,} operations, y = (y + 0.5) * 0.999 over and over from y = x0 = 0.3"
    started = time.perf_counter()
    try:
        x = engine.make(0.3)
        y = x
        for _ in range(length // 2):
            y = (y + half) * factor
        y.backward()
        got = engine.number(x, "grad")
    except RecursionError as error:
        return Defect(
            "deep",
            f"backward() on a deep graph raises RecursionError ({described})",
            detail=(
                f"{_short(error)}\n"
                "a recursive topological sort (or a recursive backward) nests one Python call per node, and Python "
                f"stops at {sys.getrecursionlimit():,} by default; sort with an explicit stack instead"
            ),
        ), described
    except Exception as error:
        return Defect("deep", f"the engine raised {_short(error)} on {described}"), described
    expected = 0.999 ** (length // 2)
    if not (math.isfinite(got) and abs(got - expected) <= 1e-9 * expected):
        return Defect(
            "deep",
            f"the gradient at the start of {described} is wrong",
            table=table(
                ("input", "grad (expected)", "grad (engine)"), [("x0", number(expected), number(got))], [True]
            ),
        ), described
    return None, f"{described}: {time.perf_counter() - started:.2f} s"


_CONVENTIONS: tuple[tuple[str, str, Callable[[Callable[[float], Any]], Any]], ...] = (
    ("a / b", "Value(1.0) / Value(0.0)", lambda v: v(1.0) / v(0.0)),
    ("a / 2.0", "Value(1.0) / 0.0", lambda v: v(1.0) / 0.0),
    ("2.0 / a", "1.0 / Value(0.0)", lambda v: 1.0 / v(0.0)),
    ("a ** 2", "Value(0.0) ** -1", lambda v: v(0.0) ** -1),
    ("a ** 0.5", "Value(-1.0) ** 0.5", lambda v: v(-1.0) ** 0.5),
    ("a.log()", "Value(0.0).log()", lambda v: v(0.0).log()),
    ("a.log()", "Value(-1.0).log()", lambda v: v(-1.0).log()),
    ("a.sqrt()", "Value(-1.0).sqrt()", lambda v: v(-1.0).sqrt()),
    ("a.exp()", "Value(1000.0).exp()", lambda v: v(1000.0).exp()),
    ("2.0 ** a", "2.0 ** Value(2000.0)", lambda v: 2.0 ** v(2000.0)),
)


def _conventions(engine: _Engine, supported: list[_Operation]) -> list[str]:
    """Where IEEE-754 (and scalargrad) give inf or nan and the engine raises or gives something else: noted, not judged."""
    keys = {operation.key for operation in supported}
    notes = []
    for key, text, compute in _CONVENTIONS:
        if key not in keys:
            continue
        ours = compute(sg.Value).data
        shown = text.replace("Value", engine.name)
        try:
            theirs: Any = compute(engine.make).data
            theirs = theirs if isinstance(theirs, complex) else float(theirs)
        except Exception as error:
            notes.append(f"{shown}: raises {type(error).__name__} (IEEE-754: {ours})")
            continue
        if isinstance(theirs, complex):
            notes.append(f"{shown}: gives the complex number {theirs!r} (IEEE-754: {ours})")
        elif not (theirs == ours or (math.isnan(theirs) and math.isnan(ours))):
            notes.append(f"{shown}: gives {theirs!r} (IEEE-754: {ours})")
    return notes


def check_engine(
    cls: Any,
    *,
    max_examples: int = 200,
    deep: int = DEEP,
) -> EngineReport:
    """Check a micrograd-style engine's values and gradients against scalargrad's; return what was found.

    ``cls`` is the engine's node class (``Value``). ``max_examples`` is how
    many random graphs hypothesis tries (each operation alone gets a
    quarter of that, at least 10, and ``backward()`` twice half);
    ``deep`` is the length of the deep chain. Raises :class:`NotAnEngine`
    when the class cannot be checked at all (not a class, not
    ``Value(number)``, no ``.data``, ``.grad`` or ``backward()``). Inside a
    hypothesis test, call it outside the ``@given`` function: it runs its own.

    >>> import micrograd.engine                                  # doctest: +SKIP
    >>> print(check_engine(micrograd.engine.Value))              # doctest: +SKIP

    (The report is shown in the docs' page "Check the engine you wrote".) A
    class that cannot be checked is refused before any work:

    >>> check_engine(dict)                                       # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scalargrad.testing.engine.NotAnEngine: dict is not constructible from a number: dict(1.5) raised TypeError: ...
    """
    engine = _check_class(cls)
    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1:
        raise ValueError(f"max_examples must be a positive int, got {max_examples!r}")
    if isinstance(deep, bool) or not isinstance(deep, int) or deep < 2:
        raise ValueError(f"deep must be an int of at least 2, got {deep!r}")
    started = time.perf_counter()
    supported, unsupported = _probe(engine, _operations(engine.cls))
    defects: list[Defect] = []
    checks: list[str] = []

    def alone_check(program: _Program) -> None:
        _compare(engine, program)

    def graph_check(program: _Program) -> None:
        _compare(engine, program, structural=True)

    # 0. the seed: after y.backward(), y.grad must be 1, or every gradient is wrong and nothing else is worth checking
    seeded = _seed(engine, supported)
    if seeded is not None:
        return EngineReport(
            engine.qualified,
            [operation.key for operation in supported],
            unsupported,
            [seeded],
            _conventions(engine, supported),
            ["the seed: y.grad after y.backward() (every other check skipped)"],
            time.perf_counter() - started,
        )
    # 1. each operation alone: one step on x0 and x1 (x0 * x0 among them)
    alone = max(10, max_examples // 4)
    passed, failed = [], []
    for operation in supported:
        found = _search(_programs([operation], 2, 1), alone_check, alone)
        if found is None:
            passed.append(operation)
        else:
            failed.append((operation, found))
    defects += [d for _, d in failed]
    checks.append(f"each operation alone, on one or two inputs: {alone} examples each")
    # 2. random graphs over the operations that passed: shared nodes, diamonds, numbers on both sides
    if passed:
        found = _search(_programs(passed, 3, 10), graph_check, max_examples)
        if found is not None:
            defects.append(found)
        checks.append(
            f"random graphs of up to 10 operations over the {len(passed)} that passed alone: {max_examples} examples"
        )
    # 3. a deep chain
    found, described = _deep(engine, supported, deep)
    if found is not None:
        defects.append(found)
    checks.append(described)
    # 4. backward() twice (and zero_grad)
    if passed:
        has_zero_grad = callable(getattr(engine.cls, "zero_grad", None))

        def repeated(program: _Program) -> None:
            _repeated(engine, program, has_zero_grad)

        twice = max(10, max_examples // 2)
        found = _search(_programs(passed, 2, 6), repeated, twice)
        if found is not None:
            defects.append(found)
        checks.append(
            f"backward() twice on one graph{' (then zero_grad() and once more)' if has_zero_grad else ''}: {twice} examples"
        )
    conventions = _conventions(engine, supported)
    return EngineReport(
        engine.qualified,
        [operation.key for operation in supported],
        unsupported,
        defects,
        conventions,
        checks,
        time.perf_counter() - started,
    )


def assert_engine_conforms(cls: Any, **options: Any) -> None:
    """:func:`check_engine` as an assertion: ``AssertionError`` carrying the report when there is a defect.

    >>> assert_engine_conforms(sg.Value, max_examples=10, deep=100)
    """
    __tracebackhide__ = True
    report = check_engine(cls, **options)
    if not report.ok:
        raise AssertionError(str(report))
