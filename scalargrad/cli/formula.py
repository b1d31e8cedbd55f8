"""Formulas as text, such as ``"tanh(x*w + b)"``, turned safely into scalargrad graphs.

Design. Python's own parser reads the text (``ast.parse`` in ``eval`` mode);
nothing is ever compiled or evaluated as Python. An iterative walk checks the
tree against a short whitelist (number literals, names, ``+ - * / **``, unary
``-`` and ``+``, calls of the engine's functions) and compiles it to a postfix
program, so building a graph is a loop over a stack: no recursion, whatever
the nesting. Literals become floats when parsed, so all arithmetic runs on the
engine's IEEE-754 floats (``2**10**10`` is ``inf`` at once, never a huge
Python int). A problem with the text is a :class:`FormulaError` that points
at the offending part; a problem with the values is an :class:`InputError`.

>>> formula = parse_formula("tanh(x*w + b)")
>>> formula.inputs
('x', 'w', 'b')
>>> y = formula.build({"x": 0.5, "w": -3, "b": "2"})
>>> round(y.data, 6)
0.462117
"""

from __future__ import annotations

import ast
import keyword
import math
import numbers
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Union

from scalargrad.operation import lookup, registry
from scalargrad.value import Value

__all__ = [
    "functions",
    "MAX_LENGTH",
    "MAX_DEPTH",
    "Formula",
    "FormulaError",
    "InputError",
    "parse_formula",
    "parse_assignments",
]

MAX_LENGTH = 10_000
"""The longest formula accepted, in characters."""

MAX_DEPTH = 200
"""How many operations (operators and calls) may sit inside one another."""


def functions() -> tuple[str, ...]:
    """The functions a formula may call: every op in the registry that is called by name.

    Each takes its inputs (``atan2(y, x)`` two), then, optionally, its
    parameters as number literals (``leaky_relu(x, 0.1)``). An op a program
    defines with ``sg.op`` can be called too, once it is defined.

    >>> "tanh" in functions() and "leaky_relu" in functions()
    True
    """
    return tuple(
        name
        for name, function in registry().items()
        if function.spelling in ("function", "builtin") and function.arity is not None
    )


def _allowed() -> str:
    return "use numbers, names, + - * / **, parentheses and calls to " + ", ".join(functions())


_BINARY_SYMBOLS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}
_FORBIDDEN_SYMBOLS: dict[type[ast.operator], str] = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
}
_UNARY_SYMBOLS: dict[type[ast.unaryop], str] = {
    ast.USub: "-",
    ast.UAdd: "+",
    ast.Not: "not",
    ast.Invert: "~",
}

_TOO_DEEP = f"the formula nests too deeply (more than {MAX_DEPTH} operations inside one another)"
_SHOWN_PART = 40  # longest quoted part of a formula in a message
_CARET_WIDTH = 72  # longest stretch of the formula that caret() shows


# ------------------------------------------------------------------- errors


class FormulaError(ValueError):
    """A formula that cannot be parsed, with where and why.

    ``offset`` is the 0-based column of the offending part of ``source`` and
    ``length`` (at least 1) how many characters it spans; an ``offset`` equal
    to ``len(source)`` means the formula ended too early. ``str()`` is one
    line, whose column counts from 1 as editors do; ``caret()`` shows the place.

    >>> try:
    ...     parse_formula("2 * x[0]")
    ... except FormulaError as error:
    ...     print(error.offset, error.length)
    ...     print(error.caret())
    4 4
    2 * x[0]
        ^^^^
    """

    source: str
    offset: int
    length: int
    reason: str

    def __init__(self, source: str, offset: int, length: int, reason: str) -> None:
        # All four are the exception's args, so it pickles and copies intact.
        super().__init__(source, offset, length, reason)
        self.source, self.offset, self.length, self.reason = source, offset, length, reason

    def __str__(self) -> str:
        return f"bad formula at column {self.offset + 1}: {self.reason}"

    def caret(self) -> str:
        """Two lines: the formula, and ``^`` under the offending part.

        A formula longer than about 70 characters is shown as the window
        around the offending part, cut with ``...``. Tabs are copied into the
        marker line so it stays aligned; characters that print twice as wide
        (as in Chinese) shift the marker.

        >>> print(FormulaError("exp(x) % 2", 7, 1, "'%' is not allowed").caret())
        exp(x) % 2
               ^
        """
        shown = _displayed(self.source)
        left, right = 0, len(shown)
        if len(shown) > _CARET_WIDTH:
            left = max(0, min(self.offset - _CARET_WIDTH // 3, len(shown) - _CARET_WIDTH))
            right = left + _CARET_WIDTH
        before = ("..." if left > 0 else "") + shown[left : self.offset]
        line = ("..." if left > 0 else "") + shown[left:right] + ("..." if right < len(shown) else "")
        marks = max(1, min(self.offset + self.length, right) - self.offset)
        padding = "".join("\t" if c == "\t" else " " for c in before)
        return f"{line}\n{padding}{'^' * marks}"


class InputError(ValueError):
    """Values that do not fit a formula: missing, not its inputs, or not numbers.

    Every problem is found and reported at once, in a fixed order, in
    ``problems`` and in ``str()`` (one line, the problems joined by semicolons).

    >>> parse_formula("x * w").build({"x": "abc"})
    Traceback (most recent call last):
    ...
    scalargrad.cli.formula.InputError: x='abc' is not a number; no value for input 'w'; give it as w=<number>
    """

    problems: tuple[str, ...]

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(tuple(problems))
        self.problems = tuple(problems)

    def __str__(self) -> str:
        return "; ".join(self.problems)


# ------------------------------------------------------------------ formula


@dataclass(frozen=True)
class _Number:
    value: float


@dataclass(frozen=True)
class _Input:
    name: str


@dataclass(frozen=True)
class _Binary:
    symbol: str  # one of + - * / **


@dataclass(frozen=True)
class _Negate:
    pass


@dataclass(frozen=True)
class _Call:
    function: str
    inputs: int  # how many operands it takes from the stack
    params: tuple[float, ...] = ()  # its parameters (leaky_relu's slope) when given


_Instruction = Union[_Number, _Input, _Binary, _Negate, _Call]


@dataclass(frozen=True)
class Formula:
    """A checked formula, made by :func:`parse_formula`.

    ``inputs`` are its names in order of first appearance. ``build`` turns it
    into a computation graph for given input values.

    >>> f = parse_formula("x*x + 2*y")
    >>> f.inputs
    ('x', 'y')
    >>> f.build({"x": 3, "y": 0.5}).data
    10.0
    """

    source: str
    inputs: tuple[str, ...]
    _program: tuple[_Instruction, ...] = field(repr=False, compare=False)

    def build(self, values: Mapping[str, float | str]) -> Value:
        """The graph of the formula at ``values``; returns its root, unlabelled.

        Each input becomes one leaf ``Value(values[name], label=name)``, shared
        by all its uses, so ``x*x`` is one leaf used twice. Operators and calls
        go to the engine and each makes one node. A number meets a Value as
        the engine has it meet one (``2*x`` keeps the 2 in its op); a
        number that meets only numbers becomes a constant leaf first, so
        ``2**3`` is a node too and follows IEEE-754 (``2**10**10`` is
        ``inf``). A minus sign before a number is part of the number. When the
        formula is one input name (``"x"``, ``"+(x)"``), the root is that
        input's leaf, labelled with its name (check ``root.op is None`` before
        relabelling it); when it is one number, a new constant leaf.

        A value may be a real number (``bool`` excepted) or a string that
        ``float()`` reads, such as ``"0.5"``, ``"1e-3"`` or ``"nan"``.
        Every problem is reported in one :class:`InputError`: first, in the
        order of ``values``, names that are not inputs and values that are
        not numbers; then inputs without a value, in the formula's order.

        >>> root = parse_formula("x*x").build({"x": "3"})
        >>> root.backward()
        >>> root.data, root.parents[0] is root.parents[1], root.parents[0].grad
        (9.0, True, 6.0)
        >>> parse_formula("x + b").build({"x": 1, "w": 3})
        Traceback (most recent call last):
        ...
        scalargrad.cli.formula.InputError: w=3 names no input of the formula; its inputs are x, b; no value for input 'b'; give it as b=<number>
        """
        numbers_by_name: dict[str, float] = {}
        problems: list[str] = []
        for name, value in values.items():
            if name not in self.inputs:
                problems.append(
                    f"{_shown(str(name))}={_shown_value(value)} names no input of the formula; "
                    + _inputs_phrase(self.inputs)
                )
                continue
            number = _as_number(value)
            if number is None:
                problems.append(f"{name}={_shown(repr(value))} is not a number")
            else:
                numbers_by_name[name] = number
        for name in self.inputs:
            if name not in values:
                problems.append(f"no value for input '{name}'; give it as {name}=<number>")
        if problems:
            raise InputError(problems)
        leaves = {name: Value(numbers_by_name[name], label=name) for name in self.inputs}
        return _run(self._program, leaves)


def parse_formula(source: str) -> Formula:
    """Check ``source`` and compile it to a :class:`Formula`; no values needed yet.

    A formula may hold int and float literals, names (its inputs), ``+ - * /
    **``, unary ``-`` and ``+``, parentheses, and calls ``f(x)`` of the
    functions of :func:`functions`, with ``leaky_relu(x, slope)`` for a number
    ``slope``. It may span lines. Anything else, including text longer than
    :data:`MAX_LENGTH` or nested deeper than :data:`MAX_DEPTH`, raises a
    :class:`FormulaError` that points at the first offending part.

    >>> parse_formula("leaky_relu(x, -0.1) + y**2").inputs
    ('x', 'y')
    >>> parse_formula("tanh(x) // 2")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scalargrad.cli.formula.FormulaError: bad formula at column 9: '//' is not allowed (use numbers, names, + - * / **, parentheses and calls to exp, log, sqrt, ...)
    """
    if not isinstance(source, str):
        raise TypeError(f"parse_formula() takes a str, got {type(source).__name__}")
    if len(source) > MAX_LENGTH:
        raise FormulaError(
            source,
            MAX_LENGTH,
            len(source) - MAX_LENGTH,
            f"the formula is {len(source)} characters long; at most {MAX_LENGTH} are allowed",
        )
    if not source.strip():
        raise FormulaError(source, 0, max(1, len(source)), "the formula is empty")
    for offset, character in enumerate(source):
        # Python's parser rejects these with other exceptions than SyntaxError (or by version).
        if character == "\0" or "\ud800" <= character <= "\udfff":
            raise FormulaError(source, offset, 1, f"invalid non-printable character U+{ord(character):04X}")
    locator = _Locator(source)
    return _Compiler(locator).compile(locator.parse())


def parse_assignments(args: Sequence[str]) -> dict[str, float]:
    """Read command-line words such as ``x=0.5`` and ``w=-3`` into ``{name: number}``.

    A value is anything ``float()`` reads (``1e-3``, ``inf``, ``nan``). Names
    must be identifiers that are not Python keywords; like Python, they are
    compared after NFKC normalization. Every problem (a word without ``=``, no
    name, a name that is not an identifier, a name given twice, a value that
    is not a number) is reported in one :class:`InputError`, in word order.

    >>> parse_assignments(["x=0.5", "w=-3", "b=1e-3"])
    {'x': 0.5, 'w': -3.0, 'b': 0.001}
    >>> parse_assignments(["x=1", "x=2", "2y=3"])
    Traceback (most recent call last):
    ...
    scalargrad.cli.formula.InputError: x is given twice (x=1 and x=2); '2y' is not a name (in '2y=3'); names look like x, w1 or bias
    """
    if isinstance(args, str):
        raise TypeError("parse_assignments() takes a sequence of words, not one str")
    values: dict[str, float] = {}
    first_word: dict[str, str] = {}  # name -> the word that gave it first, for duplicates
    problems: list[str] = []
    for word in args:
        name_text, equals, value_text = word.partition("=")
        name = name_text.strip()
        if not equals:
            problems.append(f"{_quoted(word)} is not an assignment; write name=number, as in x=0.5")
        elif not name:
            problems.append(f"{_quoted(word)} has no name before '='")
        elif not name.isidentifier() or keyword.iskeyword(name):
            problems.append(
                f"{_quoted(name)} is not a name (in {_quoted(word)}); names look like x, w1 or bias"
            )
        else:
            name = unicodedata.normalize("NFKC", name)  # as Python normalizes the names in a formula
            if name in first_word:
                problems.append(f"{name} is given twice ({_shown(first_word[name])} and {_shown(word)})")
                continue
            first_word[name] = word
            number = _as_number(value_text)
            if number is None:
                problems.append(f"{name}={_shown(repr(value_text))} is not a number")
            else:
                values[name] = number
    if problems:
        raise InputError(problems)
    return values


# ------------------------------------------------------------------ parsing


def _displayed(source: str) -> str:
    """``source`` as one printable line of the same length, character for character."""
    return "".join(
        " " if c in "\r\n" else c if c.isprintable() or c == "\t" else "\N{REPLACEMENT CHARACTER}"
        for c in source
    )


def _shown(text: str) -> str:
    """``text`` for a one-line message: printable, and cut short when long."""
    if len(text) > _SHOWN_PART:
        text = text[: _SHOWN_PART - 3] + "..."
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _quoted(text: str) -> str:
    shown = _shown(text)
    return f'"{shown}"' if "'" in shown and '"' not in shown else f"'{shown}'"


class _Locator:
    """Parses a formula with Python's parser and maps its positions back to the source."""

    def __init__(self, source: str) -> None:
        self.source = source
        # Line breaks become spaces (one character each, so columns are kept):
        # a formula may span lines, and every position is then on line 1.
        one_line = source.replace("\r", " ").replace("\n", " ")
        # eval() allows leading blanks but ast.parse calls them an indent.
        self.indent = len(one_line) - len(one_line.lstrip(" \t\f"))
        self.text = one_line[self.indent :]
        self.encoded = self.text.encode("utf-8")

    def parse(self) -> ast.Expression:
        try:
            with warnings.catch_warnings():  # e.g. invalid escapes in a string, rejected later anyway
                warnings.simplefilter("ignore")
                return ast.parse(self.text, mode="eval")
        except SyntaxError as error:
            raise self.syntax_error(error) from None
        except (RecursionError, MemoryError):  # the parser's own limits on nesting
            raise FormulaError(self.source, 0, len(self.source), _TOO_DEEP) from None
        except ValueError as error:  # text Python cannot read, on versions that say so this way
            raise FormulaError(
                self.source, 0, len(self.source), f"unreadable formula: {_shown(str(error))}"
            ) from None

    def column(self, byte_offset: int) -> int:
        """The source column of a byte offset that ``ast`` reports (it counts UTF-8 bytes)."""
        return self.indent + len(self.encoded[:byte_offset].decode("utf-8", errors="replace"))

    def span(self, node: ast.expr | ast.keyword) -> tuple[int, int]:
        start = self.column(node.col_offset)
        end = start + 1 if node.end_col_offset is None else self.column(node.end_col_offset)
        return start, max(1, end - start)

    def part(self, node: ast.expr | ast.keyword) -> str:
        start, length = self.span(node)
        return self.source[start : start + length]

    def error(self, node: ast.expr | ast.keyword, reason: str) -> FormulaError:
        start, length = self.span(node)
        return FormulaError(self.source, start, length, reason)

    def syntax_error(self, error: SyntaxError) -> FormulaError:
        message = error.msg
        for hint in (". Perhaps ", ". Maybe ", "; use sys.", " - Consider"):  # Python-specific advice
            message = message.split(hint)[0]
        end_of_formula = len(self.source.rstrip(" \t\f\r\n"))  # Python's own blanks
        if message.startswith("Exceeds the limit"):  # Python's cap on int digits; no position given
            longest = max(
                re.finditer(r"[0-9][0-9_]*", self.source), key=lambda m: len(m.group()), default=None
            )
            if longest is not None:
                return FormulaError(
                    self.source,
                    longest.start(),
                    len(longest.group()),
                    f"a number has too many digits ({len(longest.group())})",
                )
            message = "a number has too many digits"
        # SyntaxError columns count characters from 1; 0 or None means the end of the input.
        offset = error.offset or 0
        if offset < 1 or self.indent + offset - 1 >= end_of_formula:
            reason = "the formula ends too early" if message == "invalid syntax" else _shown(message)
            return FormulaError(self.source, end_of_formula, 1, reason)
        start = self.indent + offset - 1
        end_offset = getattr(error, "end_offset", None) or 0
        length = end_offset - offset if end_offset > offset and error.end_lineno == error.lineno else 1
        length = min(length, len(self.source) - start)
        part = self.source[start : start + length]
        reason = _shown(message)
        if part.strip() and f"'{part}'" not in message:
            reason += f" at {_quoted(part)}"
        if message == "invalid decimal literal":
            reason += " (for a product write 2*x)"
        return FormulaError(self.source, start, length, reason)


def _literal(node: ast.expr) -> float | None:
    """The float of an int or float literal (not bool, not complex), else None."""
    if not isinstance(node, ast.Constant):
        return None
    value = node.value
    if type(value) is float:
        return value
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:  # a literal beyond the largest float rounds to inf, as in IEEE-754
            return math.inf
    return None


def _signed_literal(node: ast.expr) -> float | None:
    """The float of a literal with at most one sign before it, else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        number = _literal(node.operand)
        if number is None:
            return None
        return -number if isinstance(node.op, ast.USub) else number
    return _literal(node)


class _Compiler:
    """Checks a parsed formula against the whitelist and compiles it to a postfix program."""

    def __init__(self, locator: _Locator) -> None:
        self.source = locator.source
        self.locator = locator

    def compile(self, tree: ast.Expression) -> Formula:
        program: list[_Instruction] = []
        inputs: dict[str, None] = {}  # an ordered set: names in order of first appearance
        # Depth-first with an explicit stack: parents before children, left
        # before right, so the first offence found is the leftmost outermost.
        # A stack entry is a node to visit (with its depth), or an instruction
        # to emit once the node's operands have been emitted.
        stack: list[tuple[ast.expr, int] | _Instruction] = [(tree.body, 1)]
        while stack:
            entry = stack.pop()
            if not isinstance(entry, tuple):
                self.emit(program, entry)
                continue
            node, depth = entry
            if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call)) and depth > MAX_DEPTH:
                raise self.locator.error(node, _TOO_DEEP)
            if isinstance(node, ast.Constant):
                number = _literal(node)
                if number is None:
                    raise self.not_allowed(node)
                program.append(_Number(number))
            elif isinstance(node, ast.Name):
                if node.id in functions():
                    raise self.locator.error(node, f"'{node.id}' is a function; call it, as in {node.id}(x)")
                inputs.setdefault(node.id)
                program.append(_Input(node.id))
            elif isinstance(node, ast.BinOp):
                stack += [_Binary(self.binary_symbol(node)), (node.right, depth + 1), (node.left, depth + 1)]
            elif isinstance(node, ast.UnaryOp):
                if isinstance(node.op, ast.USub):
                    stack += [_Negate(), (node.operand, depth + 1)]
                elif isinstance(node.op, ast.UAdd):  # +x is x, for numbers and Values alike
                    stack.append((node.operand, depth + 1))
                else:
                    symbol = _UNARY_SYMBOLS.get(type(node.op), "?")
                    start, _ = self.locator.span(node)
                    raise FormulaError(
                        self.source, start, len(symbol), f"'{symbol}' is not allowed ({_allowed()})"
                    )
            elif isinstance(node, ast.Call):
                call = self.call(node)
                stack.append(call)
                stack += [(argument, depth + 1) for argument in reversed(node.args[: call.inputs])]
            else:
                raise self.not_allowed(node)
        # Strings are refused above, so any '#' left is a comment, which would
        # silently hide the rest of the formula.
        comment = self.source.find("#")
        if comment >= 0:
            raise FormulaError(
                self.source,
                comment,
                len(self.source) - comment,
                f"comments are not allowed ({_quoted(self.source[comment:])})",
            )
        return Formula(self.source, tuple(inputs), tuple(program))

    @staticmethod
    def emit(program: list[_Instruction], instruction: _Instruction) -> None:
        # A minus before a number is part of the number: -3 is the constant -3,
        # not a node negating 3. The operand's instructions come just before
        # this one, so a number there is the whole operand.
        if isinstance(instruction, _Negate) and program and isinstance(program[-1], _Number):
            program[-1] = _Number(-program[-1].value)
        else:
            program.append(instruction)

    def not_allowed(self, node: ast.expr) -> FormulaError:
        return self.locator.error(node, f"{_quoted(self.locator.part(node))} is not allowed ({_allowed()})")

    def binary_symbol(self, node: ast.BinOp) -> str:
        symbol = _BINARY_SYMBOLS.get(type(node.op))
        if symbol is not None:
            return symbol
        # ast keeps no position for an operator: find it between the operands.
        forbidden = _FORBIDDEN_SYMBOLS.get(type(node.op), "?")
        left_end = self.locator.column(node.left.end_col_offset or node.left.col_offset)
        right_start = self.locator.column(node.right.col_offset)
        at = self.source.find(forbidden, left_end, right_start)
        hint = " (for a power write x**2)" if forbidden == "^" else f" ({_allowed()})"
        if at < 0:  # not expected; then the whole operation is the offending part
            raise self.locator.error(node, f"{_quoted(self.locator.part(node))} is not allowed{hint}")
        raise FormulaError(self.source, at, len(forbidden), f"'{forbidden}' is not allowed{hint}")

    def call(self, node: ast.Call) -> _Call:
        """The instruction for a call, after checking the function, its arguments and its slope."""
        if not isinstance(node.func, ast.Name):
            raise self.not_allowed(node.func)
        name = node.func.id
        known = functions()
        if name not in known:
            raise self.locator.error(
                node.func, f"unknown function '{name}'; the functions are {', '.join(known)}"
            )
        function = lookup(name)
        assert function is not None and function.arity is not None  # listed by functions()
        arity, parameters = function.arity, function.parameters
        example = f"{name}({', '.join(_INPUT_NAMES[:arity])}{''.join(f', {d!r}' for _, d in parameters)})"
        extras: list[ast.expr | ast.keyword] = [a for a in node.args if isinstance(a, ast.Starred)]
        extras += node.keywords
        if extras:
            first = min(extras, key=lambda extra: self.locator.span(extra)[0])
            kind = "keyword arguments" if isinstance(first, ast.keyword) else "starred arguments"
            raise self.locator.error(
                first,
                f"{kind} are not allowed ({_quoted(self.locator.part(first))}); write {example}",
            )
        count = len(node.args)
        if not arity <= count <= arity + len(parameters):
            if parameters:
                names = ", ".join([*_INPUT_NAMES[:arity], *(p for p, _ in parameters)])
                takes = f"{arity} to {arity + len(parameters)} arguments ({names})"
            else:
                takes = f"{arity} argument{'s' if arity != 1 else ''}"
            raise self.locator.error(
                node, f"{name} takes {takes}, got {count} in {_quoted(self.locator.part(node))}"
            )
        params = []
        for (pname, _), argument in zip(parameters, node.args[arity:]):
            number = _signed_literal(argument)
            if number is None:
                raise self.locator.error(
                    argument,
                    f"the {pname} of {name} must be a number, as in {example}, "
                    f"not {_quoted(self.locator.part(argument))}",
                )
            params.append(number)
        return _Call(name, arity, tuple(params))


_INPUT_NAMES = ("x", "y", "z", "u", "v", "w")


# ----------------------------------------------------------------- building


def _as_number(value: object) -> float | None:
    """The float of a real number or of a string ``float()`` reads; None for anything else."""
    if isinstance(value, bool):
        return None  # True is an int to Python, but almost surely a mistake here
    if isinstance(value, numbers.Real):
        try:
            return float(value)
        except OverflowError:  # an int beyond the largest float
            return -math.inf if value < 0 else math.inf
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _shown_value(value: object) -> str:
    return _shown(value if isinstance(value, str) else repr(value))


def _inputs_phrase(inputs: tuple[str, ...]) -> str:
    if not inputs:
        return "it has no inputs"
    if len(inputs) == 1:
        return f"its input is {inputs[0]}"
    return f"its inputs are {', '.join(inputs)}"


_WITH_VALUE_LEFT: dict[str, Callable[[Value, Value | float], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}
_WITH_NUMBER_LEFT: dict[str, Callable[[float, Value], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


def _as_node(operand: Value | float) -> Value:
    # A number that meets only numbers becomes a constant leaf, so that the
    # engine computes (in IEEE-754) and records the operation.
    return operand if isinstance(operand, Value) else Value(operand)


def _run(program: tuple[_Instruction, ...], leaves: Mapping[str, Value]) -> Value:
    """Execute a postfix program on a stack: numbers stay numbers until they meet the engine."""
    stack: list[Value | float] = []
    for step in program:
        if isinstance(step, _Number):
            stack.append(step.value)
        elif isinstance(step, _Input):
            stack.append(leaves[step.name])
        elif isinstance(step, _Binary):
            right, left = stack.pop(), stack.pop()
            if isinstance(right, Value) and not isinstance(left, Value):
                stack.append(_WITH_NUMBER_LEFT[step.symbol](left, right))
            else:
                stack.append(_WITH_VALUE_LEFT[step.symbol](_as_node(left), right))
        elif isinstance(step, _Negate):
            stack.append(-_as_node(stack.pop()))
        else:
            function = lookup(step.function)
            if function is None:  # defined when the formula was parsed, since unregistered
                raise ValueError(f"the function {step.function!r} is no longer defined")
            operands = [stack.pop() for _ in range(step.inputs)][::-1]
            if not any(isinstance(operand, Value) for operand in operands):
                operands[0] = _as_node(operands[0])  # numbers alone: a constant leaf, so a node is built
            stack.append(function(*operands, *step.params))
    (root,) = stack
    return _as_node(root)
