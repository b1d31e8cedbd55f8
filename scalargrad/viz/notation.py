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
  >>> op_expression("mul", {}, [half, op_expression("pow", {"exponent": 2.0}, [diff])]).text
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

__all__ = ["Expr", "LATEX", "TEXT", "Style", "derivative_expression", "number", "op_expression", "partial"]

# Binding strength, loosest first: a sub-expression is parenthesised when it
# binds more loosely than its place needs.
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


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
    functions: Mapping[str, str]
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
            return f"^{{{number(exponent)}}}"
        if exponent == int(exponent) and abs(exponent) < 10:
            return str(int(exponent)).translate(_SUPERSCRIPTS)
        return "^" + (number(exponent) if exponent >= 0 else f"({number(exponent)})")


_LATEX_ESCAPES = {
    "_": r"\_", "^": r"\^{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
    "{": r"\{", "}": r"\}", "~": r"\~{}", "\\": r"\backslash{}",
}

TEXT = Style(
    times="×",
    functions={"sigmoid": "σ"},
    latex=False,
)
LATEX = Style(
    times=r"\times",
    functions={
        "sigmoid": r"\sigma", "exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos",
        "tanh": r"\tanh", "relu": r"\operatorname{relu}", "leaky_relu": r"\operatorname{leaky\_relu}",
        "softplus": r"\operatorname{softplus}", "sign": r"\operatorname{sign}",
    },
    latex=True,
)


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


def _call(function: str, argument: Expr, style: Style, *extra: str) -> Expr:
    symbol = style.functions.get(function, function)
    arguments = ", ".join((argument.text, *extra))
    if style.latex:
        return Expr(rf"{symbol}\left({arguments}\right)")
    return Expr(f"{symbol}({arguments})")


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


def _with_number(params: Mapping[str, float], operands: Sequence[Expr], style: Style) -> list[Expr]:
    """The operands with the op's number put back on its side (``{"left": 0.9}``: 0.9 - x)."""
    if "left" in params:
        return [Expr.number(params["left"], style), *operands]
    if "right" in params:
        return [*operands, Expr.number(params["right"], style)]
    return list(operands)


def op_expression(op: str, params: Mapping[str, float], operands: Sequence[Expr], style: Style = TEXT) -> Expr:
    """The formula of a node made by ``op`` (a trace record's op name) from its parents ``operands``.

    A number operand kept in the op (``params`` ``{"left": c}`` or
    ``{"right": c}``) is written in its place.

    >>> op_expression("sub", {"left": 0.9}, [Expr.name("outo")]).text
    '0.9 - outo'
    >>> op_expression("div", {}, [Expr.name("a"), op_expression("add", {}, [Expr.name("b"), Expr.name("c")])]).text
    'a / (b + c)'
    """
    operands = _with_number(params, operands, style)
    if op == "add":
        return _infix(operands[0], "+", operands[1], SUM)
    if op == "sub":
        return _infix(operands[0], "-", operands[1], SUM, ordered=True)
    if op == "mul":
        return _product(operands[0], operands[1], style)
    if op == "div":
        return _infix(operands[0], "/", operands[1], PRODUCT, ordered=True)
    if op == "neg":
        return _negative(operands[0])
    if op == "pow":
        if "exponent" in params:
            return _power(operands[0], params["exponent"], style)
        base, exponent = operands
        if style.latex:
            return Expr(f"{base.wrapped(ATOM)}^{{{exponent.text}}}", POWER)
        return Expr(f"{base.wrapped(ATOM)}^{exponent.wrapped(ATOM)}", POWER)
    if op == "abs":
        return Expr(f"|{operands[0].text}|")
    if op == "sqrt" and style.latex:
        return Expr(rf"\sqrt{{{operands[0].text}}}")
    if op == "leaky_relu":
        slope = params.get("slope", 0.01)
        extra = () if slope == 0.01 else (style.number(slope),)
        return _call(op, operands[0], style, *extra)
    if op == "sum":
        return _terms(operands, SUM)
    if op == "dot":
        n = len(operands) // 2
        return _terms([_product(w, x, style) for w, x in zip(operands[:n], operands[n:])], SUM)
    return _call(op, operands[0], style)


def derivative_expression(
    op: str,
    params: Mapping[str, float],
    operands: Sequence[Expr],
    output: Expr,
    position: int,
    data: Sequence[float],
    style: Style = TEXT,
) -> Expr:
    """d output / d operands[position], in symbols; ``data`` holds the operands' values (for kinks).

    ``operands``, ``position`` and ``data`` are the node's parents; a number
    kept in the op (see :func:`op_expression`) is put back in its place.

    >>> x, y = Expr.name("x"), Expr.name("y")
    >>> derivative_expression("pow", {"exponent": 3.0}, [x], y, 0, [2.0]).text
    '3 × x²'
    >>> derivative_expression("div", {}, [x, y], Expr.name("q"), 1, [1.0, 2.0]).text
    '-x / y²'
    >>> derivative_expression("relu", {}, [x], y, 0, [-1.0]).text
    '0 (as x <= 0)'
    """
    if "left" in params:
        position, data = position + 1, [params["left"], *data]
    elif "right" in params:
        data = [*data, params["right"]]
    operands = _with_number(params, operands, style)
    one = Expr.number(1.0, style)
    if op in ("add", "sum"):
        return one
    if op == "sub":
        return one if position == 0 else Expr.number(-1.0, style)
    if op == "neg":
        return Expr.number(-1.0, style)
    if op == "mul":
        return operands[1 - position]
    if op == "dot":
        n = len(operands) // 2
        return operands[position + n] if position < n else operands[position - n]
    if op == "div":
        if position == 0:
            return _infix(one, "/", operands[1], PRODUCT, ordered=True)
        return _infix(_negative(operands[0]), "/", _power(operands[1], 2.0, style), PRODUCT, ordered=True)
    if op == "pow" and "exponent" in params:
        power = params["exponent"]
        if power in (0.0, 1.0):
            return Expr.number(power, style)
        factor = operands[0] if power == 2.0 else _power(operands[0], power - 1.0, style)
        return _product(Expr.number(power, style), factor, style)
    if op == "pow":
        base, exponent = operands
        if position == 0:
            reduced = _infix(exponent, "-", one, SUM, ordered=True)
            raised = op_expression("pow", {}, [base, reduced], style)
            return _product(exponent, raised, style)
        return _product(output, _call("log", base, style), style)
    if op == "abs":
        return _call("sign", operands[0], style)
    if op == "exp":
        return output
    if op == "log":
        return _infix(one, "/", operands[0], PRODUCT, ordered=True)
    if op == "sqrt":
        return _infix(one, "/", _product(Expr.number(2.0, style), output, style), PRODUCT, ordered=True)
    if op == "sin":
        return _call("cos", operands[0], style)
    if op == "cos":
        return _negative(_call("sin", operands[0], style))
    if op == "tanh":
        return _infix(one, "-", _power(output, 2.0, style), SUM, ordered=True)
    if op == "sigmoid":
        return _product(output, _infix(one, "-", output, SUM, ordered=True), style)
    if op == "softplus":
        return _call("sigmoid", operands[0], style)
    if op in ("relu", "leaky_relu"):
        below = 0.0 if op == "relu" else params.get("slope", 0.01)
        positive = data[0] > 0.0
        le = r"\le" if style.latex else "<="
        condition = f"{operands[0].text} > 0" if positive else f"{operands[0].text} {le} 0"
        value = style.number(1.0 if positive else below)
        if style.latex:
            return Expr(rf"{value} \text{{ (as }} {condition}\text{{)}}", SUM)
        return Expr(f"{value} (as {condition})", SUM)
    raise ValueError(f"no derivative notation for op {op!r}")


def partial(of: str, by: str, style: Style = TEXT) -> str:
    """The symbol d ``of`` / d ``by``: ``∂E/∂w1`` as text, a ``\\frac`` in LaTeX.

    >>> partial("E", "w1"), partial("E", "w1", LATEX)
    ('∂E/∂w1', '\\\\frac{\\\\partial E}{\\\\partial \\\\mathrm{w1}}')
    """
    if style.latex:
        return rf"\frac{{\partial {style.name(of)}}}{{\partial {style.name(by)}}}"
    return f"∂{of}/∂{by}"
