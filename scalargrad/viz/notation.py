"""How numbers, operations and derivatives are written, as text and as LaTeX.

Every renderer (pictures, ``explain``, the stepper page) writes the same
things the same way, so the rules live here once:

- numbers get six decimals with trailing zeros stripped, and scientific
  notation below 1e-4 (and from 1e6), so a small gradient keeps its digits:

  >>> number(-0.001033183875581653), number(0.512497396484), number(2.5e-7), number(-0.0)
  ('-0.001033', '0.512497', '2.5e-7', '0')

- an operation is written from the names of its operands, with parentheses
  only where precedence needs them:

  >>> text = Expr.name
  >>> op_expression("mul", {}, [text("outh"), text("w2")]).text
  'outh × w2'
  >>> half, diff = Expr.number(0.5), op_expression("sub", {}, [Expr.number(0.9), text("outo")])
  >>> op_expression("mul", {}, [half, op_expression("pow", {"right": 2.0}, [diff])]).text
  '0.5 × (0.9 - outo)²'

- a local derivative is written in the same symbols, in terms of the
  operands and the node itself:

  >>> derivative_expression("sigmoid", {}, [text("neto")], text("outo"), 0, [0.256]).text
  'outo × (1 - outo)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scalargrad.backward import topological_order
from scalargrad.modes import enable_grad
from scalargrad.operation import Notation, OpFunction, lookup
from scalargrad.value import Value

__all__ = ["Expr", "LATEX", "TEXT", "Style", "derivative_expression", "number", "op_expression", "partial"]

# Binding strength, loosest first: a sub-expression is parenthesised when it
# binds more loosely than its place needs.
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def number(x: float) -> str:
    """``x`` as the drawings print it: six decimals, trailing zeros stripped; scientific when tiny or huge.

    >>> number(0.245941), number(1 / 3), number(-1.23456789e-5), number(3e7)
    ('0.245941', '0.333333', '-1.23457e-5', '3e7')
    """
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"  # also for -0.0: a sign on zero only confuses a reader
    if abs(x) < 1e-4 or abs(x) >= 1e6:
        mantissa, exponent = f"{x:.5e}".split("e")
        return f"{_strip(mantissa)}e{int(exponent)}"
    return _strip(f"{x:.6f}")


def _strip(digits: str) -> str:
    return digits.rstrip("0").rstrip(".") if "." in digits else digits


@dataclass(frozen=True)
class Style:
    """The symbols of one notation: plain text (``TEXT``) or LaTeX math (``LATEX``)."""

    times: str
    latex: bool

    def name(self, label: str) -> str:
        """A node's name as an operand."""
        if not self.latex:
            return label
        escaped = "".join(_LATEX_ESCAPES.get(ch, ch) for ch in label)
        return rf"\mathrm{{{escaped}}}" if len(label) > 1 else escaped

    def number(self, x: float) -> str:
        """``x`` as :func:`number` writes it, in this notation (``1.5 \\times 10^{-7}`` in LaTeX)."""
        text = number(x)
        if self.latex and "e" in text and text not in ("inf", "-inf", "nan"):
            mantissa, exponent = text.split("e")
            return rf"{mantissa} \times 10^{{{exponent}}}"
        if self.latex and text in ("inf", "-inf"):
            return text.replace("inf", r"\infty")
        return text

    def superscript(self, exponent: float) -> str:
        """``exponent`` as a power: ``²`` in text, ``^{2}`` in LaTeX."""
        if self.latex:
            return f"^{{{self.number(exponent)}}}"
        if math.isfinite(exponent) and exponent == int(exponent) and abs(exponent) < 10:
            return str(int(exponent)).translate(_SUPERSCRIPTS)
        return "^" + (number(exponent) if exponent >= 0 or exponent != exponent else f"({number(exponent)})")


_LATEX_ESCAPES = {
    "_": r"\_",
    "^": r"\^{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "{": r"\{",
    "}": r"\}",
    "~": r"\~{}",
    "\\": r"\backslash{}",
}

TEXT = Style(times="×", latex=False)
LATEX = Style(times=r"\times", latex=True)


@dataclass(frozen=True)
class Expr:
    """A piece of formula and how tightly it binds (``ATOM`` for a name, ``SUM`` for ``a + b``)."""

    text: str
    binding: int = ATOM

    @staticmethod
    def name(label: str, style: Style = TEXT) -> Expr:
        return Expr(style.name(label))

    @staticmethod
    def number(x: float, style: Style = TEXT) -> Expr:
        return Expr(style.number(x), SUM if x < 0 else ATOM)  # 0.5 × (-3), x - (-3)

    def wrapped(self, needed: int) -> str:
        """The text, in parentheses unless it binds at least as tightly as ``needed``."""
        return self.text if self.binding >= needed else f"({self.text})"


def _infix(left: Expr, symbol: str, right: Expr, binding: int, *, ordered: bool = False) -> Expr:
    # For - and / the right operand must bind strictly tighter: a - (b - c).
    right_text = right.wrapped(binding + 1 if ordered else binding)
    if right_text.startswith("-"):  # never two signs in a row: 1 + (-0.5), x × (-y)
        right_text = f"({right_text})"
    return Expr(f"{left.wrapped(binding)} {symbol} {right_text}", binding)


def _product(left: Expr, right: Expr, style: Style) -> Expr:
    return _infix(left, style.times, right, PRODUCT)


def _call(name: str, symbol: str, arguments: Sequence[Expr], style: Style, *extra: str) -> Expr:
    listed = ", ".join((*(argument.text for argument in arguments), *extra))
    if style.latex:
        return Expr(rf"{symbol or _operator_name(name)}\left({listed}\right)")
    return Expr(f"{symbol or name}({listed})")


def _operator_name(name: str) -> str:
    return rf"\operatorname{{{_latex_escaped(name)}}}"


def _latex_escaped(text: str) -> str:
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in text)


def _power(base: Expr, exponent: float, style: Style) -> Expr:
    return Expr(base.wrapped(ATOM) + style.superscript(exponent), POWER)


def _negative(operand: Expr) -> Expr:
    return Expr("-" + operand.wrapped(POWER), UNARY)


def _terms(parts: Sequence[Expr], binding: int) -> Expr:
    # Long sums (a neuron's dot product) keep their first two and last term.
    shown = [part.wrapped(binding) for part in parts]
    if len(shown) > 4:
        shown = shown[:2] + ["…"] + shown[-1:]
    return Expr(" + ".join(shown), SUM)


def _with_numbers(params: Mapping[str, float], operands: Sequence[Expr], style: Style) -> list[Expr]:
    """The operands with the op's numbers put back in place (``{"left": 0.9}``: 0.9 - x)."""
    placed: list[tuple[int, float]] = []
    for key, value in params.items():
        if key in ("left", "right"):
            placed.append((0 if key == "left" else len(operands), value))
        elif key.startswith("input") and key[5:].isdigit():
            placed.append((int(key[5:]), value))
    full = list(operands)
    for position, value in sorted(placed):
        full.insert(position, Expr.number(value, style))
    return full


def _own_params(function: OpFunction | None, params: Mapping[str, float], style: Style) -> tuple[str, ...]:
    """The op's own parameters that differ from their defaults, written as extra arguments: ``leaky_relu(x, 0.2)``."""
    if function is None:
        return ()
    return tuple(
        style.number(params[name])
        for name, default in function.parameters
        if name in params and params[name] != default
    )


def op_expression(
    op: str, params: Mapping[str, float], operands: Sequence[Expr], style: Style = TEXT
) -> Expr:
    """The formula of a node made by ``op`` (a trace record's op name) from its parents ``operands``.

    How each op is written comes from its definition (its :class:`~scalargrad.operation.Notation`
    in the op registry). A number operand kept in the op (``params``
    ``{"left": c}`` or ``{"right": c}``) is written in its place.

    >>> op_expression("sub", {"left": 0.9}, [Expr.name("outo")]).text
    '0.9 - outo'
    >>> op_expression("div", {}, [Expr.name("a"), op_expression("add", {}, [Expr.name("b"), Expr.name("c")])]).text
    'a / (b + c)'
    """
    function = lookup(op)
    notation = function.op.notation if function is not None else Notation()
    form = notation.form
    if form == "power" and "right" in params:  # a number exponent: a superscript
        return _power(operands[0], params["right"], style)
    operands = _with_numbers(params, operands, style)
    symbol = (notation.latex if style.latex else notation.symbol) or notation.symbol
    if form == "infix":
        binding = SUM if notation.precedence == "sum" else PRODUCT
        associative = notation.symbol in ("+", "×")
        return _infix(operands[0], symbol, operands[1], binding, ordered=not associative)
    if form == "prefix":
        return Expr(symbol + operands[0].wrapped(POWER), UNARY)
    if form == "power":
        base, exponent = operands
        if style.latex:
            return Expr(f"{base.wrapped(ATOM)}^{{{exponent.text}}}", POWER)
        return Expr(f"{base.wrapped(ATOM)}^{exponent.wrapped(ATOM)}", POWER)
    if form == "sum":
        return _terms(operands, SUM)
    if form == "dot":
        n = len(operands) // 2
        return _terms([_product(w, x, style) for w, x in zip(operands[:n], operands[n:])], SUM)
    if form == "template" or (style.latex and "{0}" in notation.latex):
        template = notation.latex if style.latex else notation.symbol
        return Expr(template.format(*(operand.text for operand in operands)))
    return _call(op, symbol, operands, style, *_own_params(function, params, style))


def derivative_expression(
    op: str,
    params: Mapping[str, float],
    operands: Sequence[Expr],
    output: Expr,
    position: int,
    data: Sequence[float],
    style: Style = TEXT,
) -> Expr:
    """d output / d operands[position], in symbols; ``data`` holds the operands' values.

    Written from the op's own derivative rule: the rule is run on stand-in
    Values for the operands and the output, and the little graph it builds is
    written out with the operands' and the output's names. Where the rule
    gives a plain number and the op has kinks, the side of the kink the
    operand is on is said too. ``operands``, ``position`` and ``data`` are
    the node's parents; a number kept in the op is put back in its place.

    >>> x, y = Expr.name("x"), Expr.name("y")
    >>> derivative_expression("pow", {"right": 3.0}, [x], y, 0, [2.0]).text
    '3 × x²'
    >>> derivative_expression("div", {}, [x, y], Expr.name("q"), 1, [1.0, 2.0]).text
    '-q / y'
    >>> derivative_expression("relu", {}, [x], y, 0, [-1.0]).text
    '0 (as x < 0)'
    """
    function = lookup(op)
    if function is None or function.op.notation.derivative == "prime":
        return _prime(op, operands, position, style)
    instance = function.from_params(params)
    values = list(data) if len(data) == len(operands) else [1.0] * len(operands)
    stand_ins = [Value(x) for x in values]
    result = Value(instance.value(*values))
    try:
        with enable_grad():
            derivatives = instance.rule_on_values(stand_ins, result)
    except (TypeError, ValueError, ArithmeticError):
        # A rule that cannot run on Values (math.cos inside) is still drawn: by name.
        return _prime(op, operands, position, style)
    names: dict[Value, Expr] = dict(zip(stand_ins, operands))
    names[result] = output
    d = derivatives[position]
    if not isinstance(d, Value):
        written = Expr.number(d, style)
        kinks = instance.kinks
        if kinks and len(data) == len(operands):
            return _at_kink(written, operands[position], data[position], kinks, style)
        return written
    return _written(d, names, style)


def _written(root: Value, names: Mapping[Value, Expr], style: Style) -> Expr:
    """A small graph (a derivative rule's result) written over ``names``, simplified where a factor is 1 or 0."""
    written: dict[Value, Expr] = dict(names)
    for node in topological_order(root):
        if node in written:
            continue
        if node.op is None:  # a constant
            written[node] = Expr.number(node.data, style)
            continue
        params = node.op.params()
        children = [written[p] for p in node.parents]
        simpler = _simplified(node.op.name, params, children, style)
        written[node] = (
            simpler if simpler is not None else op_expression(node.op.name, params, children, style)
        )
    return written[root]


def _simplified(op: str, params: Mapping[str, float], children: Sequence[Expr], style: Style) -> Expr | None:
    """``x¹`` is x, ``x⁰`` and ``1 × …`` drop, ``0 × …`` is 0: what a rule computes, as a person writes it."""
    if op == "pow" and params.get("right") == 1.0:
        return children[0]
    if op == "pow" and params.get("right") == 0.0:
        return Expr.number(1.0, style)
    if op == "mul" and ("left" in params or "right" in params):
        number = params.get("left", params.get("right"))
        if number == 1.0:
            return children[0]
        if number == 0.0:
            return Expr.number(0.0, style)
    return None


def _at_kink(written: Expr, operand: Expr, x: float, kinks: Sequence[float], style: Style) -> Expr:
    """``0 (as x < 0)``: a piecewise derivative says which piece the operand is on."""
    if x in kinks:
        condition = f"{operand.text} = {style.number(x)}"
        word = "at"
    else:
        below = [k for k in kinks if k < x]
        above = [k for k in kinks if k > x]
        lt = "<"
        parts = []
        if below:
            parts.append(f"{style.number(max(below))} {lt} ")
        parts.append(operand.text)
        if above:
            parts.append(f" {lt} {style.number(min(above))}")
        if below and not above:
            condition = f"{operand.text} > {style.number(max(below))}"
        else:
            condition = "".join(parts)
        word = "as"
    if style.latex:
        return Expr(rf"{written.text} \text{{ ({word} }} {condition}\text{{)}}", SUM)
    return Expr(f"{written.text} ({word} {condition})", SUM)


def _prime(op: str, operands: Sequence[Expr], position: int, style: Style) -> Expr:
    """``softsign'(x)``, or ``∂₂atan2(y, x)`` for the second of several inputs."""
    arguments = ", ".join(operand.text for operand in operands)
    if style.latex:
        name = rf"\operatorname{{{_latex_escaped(op)}}}"
        if len(operands) == 1:
            return Expr(rf"{name}'\left({arguments}\right)")
        return Expr(rf"\partial_{{{position + 1}}} {name}\left({arguments}\right)")
    if len(operands) == 1:
        return Expr(f"{op}'({arguments})")
    return Expr(f"∂{str(position + 1).translate(_SUBSCRIPTS)}{op}({arguments})")


def partial(of: str, by: str, style: Style = TEXT, use: int | None = None) -> str:
    """The symbol d ``of`` / d ``by``: ``∂E/∂w1`` as text, a ``\\frac`` in LaTeX.

    ``use`` numbers one use of ``by`` where ``of`` is made from it more than
    once (``y = x * x``): each use is its own edge, marked with the operand
    position it fills, from 1, so the two edges of ``x * x`` read
    ``∂y/∂x₍₁₎`` and ``∂y/∂x₍₂₎`` (``x_{(1)}`` in LaTeX), and their sum is
    ``∂y/∂x``.

    >>> partial("E", "w1"), partial("E", "w1", LATEX)
    ('∂E/∂w1', '\\\\frac{\\\\partial E}{\\\\partial \\\\mathrm{w1}}')
    >>> partial("y", "x", use=2), partial("y", "x", LATEX, use=2)
    ('∂y/∂x₍₂₎', '\\\\frac{\\\\partial y}{\\\\partial x_{(2)}}')
    """
    if style.latex:
        mark = "" if use is None else f"_{{({use})}}"
        return rf"\frac{{\partial {style.name(of)}}}{{\partial {style.name(by)}{mark}}}"
    mark = "" if use is None else f"₍{str(use).translate(_SUBSCRIPTS)}₎"
    return f"∂{of}/∂{by}{mark}"
