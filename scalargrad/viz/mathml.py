r"""LaTeX maths, as scalargrad's notation writes it, turned into MathML Core.

Browsers typeset MathML Core themselves (Chromium from 109, Firefox,
Safari), so a page or a notebook output in MathML needs no script and no
font from a CDN: it shows the maths offline. The notation
(:mod:`scalargrad.viz.notation`) writes LaTeX, and :func:`mathml` reads
exactly what it writes: names (``\mathrm{w2}``, escaped characters),
numbers, ``\frac``, powers and subscripts, ``\sqrt``, the function names of
the ops (upright), ``\left( … \right)``, ``\text``, ``\dot`` and the
symbols the ops use. A command it does not know (from a user's own op
notation) is shown as written, never dropped.

Every character of the input ends up as text in the XML, escaped: a name is
never markup.

>>> print(mathml(r"\frac{\partial E}{\partial \mathrm{w2}} = 0.5"))
<math><mfrac><mrow><mi>∂</mi><mi>E</mi></mrow><mrow><mi>∂</mi><mi>w2</mi></mrow></mfrac><mo>=</mo><mn>0.5</mn></math>
>>> print(mathml(r"\mathrm{<b>} \times (-3)^{2}"))
<math><mi>&lt;b&gt;</mi><mo>×</mo><msup><mrow><mo stretchy="false">(</mo><mrow><mo>−</mo><mn>3</mn></mrow><mo stretchy="false">)</mo></mrow><mn>2</mn></msup></math>
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from scalargrad.viz.diagram import visible

__all__ = ["aligned", "mathml", "text_of"]


def mathml(latex: str, display: bool = False, width: float | None = None, style: str = "") -> str:
    r"""The LaTeX maths ``latex`` (the inside of ``$…$``) as a MathML ``<math>`` element.

    ``display=True`` makes it a display (block) equation. ``width``, in
    characters, breaks an equation wider than that into aligned rows: one
    for each ``=`` after the first, and a long sum or product continued on
    the next row from one of its ``+``, ``×`` or between two factors in
    parentheses, as one breaks a long equation by hand (MathML Core does
    not break lines itself). ``style`` is a CSS declaration for the
    ``<math>`` element (a font, margins). Never raises: input it cannot
    read is shown as written.

    >>> print(mathml(r"\sigma\left(\mathrm{neth}\right)"))
    <math><mi mathvariant="normal">σ</mi><mrow><mo stretchy="false">(</mo><mi>neth</mi><mo stretchy="false">)</mo></mrow></math>
    >>> print(mathml(r"x_{(1)}^{2} + \log_{10}\left(1.5 \times 10^{-7}\right)", display=True))  # doctest: +ELLIPSIS
    <math display="block"><msubsup><mi>x</mi><mrow>...<mn>1</mn>...</mrow><mn>2</mn></msubsup><mo>+</mo><msub><mi>log</mi>...
    """
    nodes = _Parser(visible(latex)).top()
    if width is not None and _width_of(nodes) > width:
        nodes = [_table(_rows(nodes, width))]
    attributes = (' display="block"' if display else "") + (
        f' style="{style.translate(_XML_ESCAPES)}"' if style else ""
    )
    return f"<math{attributes}>{''.join(_xml(node) for node in nodes)}</math>"


def aligned(equations: Sequence[str], width: float | None = None, style: str = "") -> str:
    r"""Equations one under another, aligned on their first ``=`` (LaTeX's ``align*``), as one ``<math>`` block.

    Each is broken into rows as :func:`mathml` breaks one wider than ``width``.

    >>> page = aligned([r"y = 2", r"\mathrm{long} = 3 + 4"])
    >>> page.count("<mtr>"), page.count('columnalign="right"'), page.startswith('<math display="block">')
    (2, 2, True)
    >>> print(page[page.index("<mi>long") :].split("</mtr>")[0])  # doctest: +ELLIPSIS
    <mi>long</mi></mtd><mtd columnalign="left" ...><mo>=</mo><mn>3</mn><mo>+</mo><mn>4</mn></mtd>
    """
    rows = [row for equation in equations for row in _rows(_Parser(visible(equation)).top(), width)]
    attributes = f' style="{style.translate(_XML_ESCAPES)}"' if style else ""
    return f'<math display="block"{attributes}>{_xml(_table(rows))}</math>'


def text_of(latex: str) -> str:
    r"""LaTeX text (outside maths, or inside ``\text{…}``) as the plain text it shows: escapes undone.

    >>> print(text_of(r"from \textless{}b\textgreater{} 50\% a\_b \textbackslash{}"))
    from <b> 50% a_b \
    """
    return _Parser(visible(latex)).text_until_end()


# ------------------------------------------------------------------- the tree


@dataclass
class _Node:
    """A MathML element: a token (``text``) or a layout of ``children``; ``kind`` marks what the parser needs."""

    tag: str
    text: str = ""
    children: list[_Node] = field(default_factory=list)
    attributes: tuple[tuple[str, str], ...] = ()
    kind: str = ""  # "open", "close", "group", "function", "space", "brace"


def _mrow(nodes: list[_Node], kind: str = "") -> _Node:
    return _Node("mrow", children=nodes, kind=kind)


def _one(nodes: list[_Node]) -> _Node:
    """One element for a script, a numerator...: the node itself, or an ``<mrow>`` of several (or none)."""
    return nodes[0] if len(nodes) == 1 else _mrow(nodes)


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def _xml(node: _Node) -> str:
    attributes = "".join(f' {name}="{value.translate(_XML_ESCAPES)}"' for name, value in node.attributes)
    inside = node.text.translate(_XML_ESCAPES) + "".join(_xml(child) for child in node.children)
    if not inside and node.tag in ("mspace", "mrow"):
        return f"<{node.tag}{attributes}/>"
    return f"<{node.tag}{attributes}>{inside}</{node.tag}>"


# ---------------------------------------------------------------- the symbols

_GREEK = {
    name: chr(code)
    for name, code in [
        ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4), ("epsilon", 0x3F5),
        ("varepsilon", 0x3B5), ("zeta", 0x3B6), ("eta", 0x3B7), ("theta", 0x3B8), ("vartheta", 0x3D1),
        ("iota", 0x3B9), ("kappa", 0x3BA), ("lambda", 0x3BB), ("mu", 0x3BC), ("nu", 0x3BD),
        ("xi", 0x3BE), ("pi", 0x3C0), ("varpi", 0x3D6), ("rho", 0x3C1), ("varrho", 0x3F1),
        ("sigma", 0x3C3), ("varsigma", 0x3C2), ("tau", 0x3C4), ("upsilon", 0x3C5), ("phi", 0x3D5),
        ("varphi", 0x3C6), ("chi", 0x3C7), ("psi", 0x3C8), ("omega", 0x3C9),
    ]
}  # fmt: skip
_CAPITAL_GREEK = {
    name: chr(code)
    for name, code in [
        ("Gamma", 0x393), ("Delta", 0x394), ("Theta", 0x398), ("Lambda", 0x39B), ("Xi", 0x39E),
        ("Pi", 0x3A0), ("Sigma", 0x3A3), ("Upsilon", 0x3A5), ("Phi", 0x3A6), ("Psi", 0x3A8),
        ("Omega", 0x3A9),
    ]
}  # fmt: skip
# Symbols that are names (<mi>): a single character is set in italics, as in TeX.
_IDENTIFIERS = {
    **_GREEK,
    "partial": "∂",
    "infty": "∞",
    "imath": "ı",
    "jmath": "ȷ",
    "ell": "ℓ",
    "nabla": "∇",
    "hbar": "ℏ",
    "emptyset": "∅",
    # The characters the notation escapes in a name.
    "_": "_",
    "&": "&",
    "%": "%",
    "$": "$",
    "#": "#",
    "^": "^",
    "~": "~",
}
_OPERATORS = {
    "times": "×",
    "cdot": "⋅",
    "div": "÷",
    "pm": "±",
    "mp": "∓",
    "ast": "∗",
    "star": "⋆",
    "circ": "∘",
    "bullet": "∙",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "lt": "<",
    "gt": ">",
    "ne": "≠",
    "neq": "≠",
    "approx": "≈",
    "equiv": "≡",
    "sim": "∼",
    "simeq": "≃",
    "cong": "≅",
    "propto": "∝",
    "ll": "≪",
    "gg": "≫",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "Rightarrow": "⇒",
    "Leftarrow": "⇐",
    "mapsto": "↦",
    "in": "∈",
    "notin": "∉",
    "subset": "⊂",
    "subseteq": "⊆",
    "cup": "∪",
    "cap": "∩",
    "setminus": "∖",
    "wedge": "∧",
    "vee": "∨",
    "neg": "¬",
    "lnot": "¬",
    "forall": "∀",
    "exists": "∃",
    "ldots": "…",
    "dots": "…",
    "cdots": "⋯",
    "sum": "∑",
    "prod": "∏",
    "int": "∫",
    "mid": "∣",
    "vert": "|",
    "|": "‖",
    "backslash": "\\",
    "{": "{",
    "}": "}",
}
# Delimiters after \left and \right (and as symbols of their own).
_DELIMITERS = {
    "(": "(",
    ")": ")",
    "[": "[",
    "]": "]",
    "|": "|",
    ".": "",
    "\\{": "{",
    "\\}": "}",
    "\\|": "‖",
    "\\lfloor": "⌊",
    "\\rfloor": "⌋",
    "\\lceil": "⌈",
    "\\rceil": "⌉",
    "\\langle": "⟨",
    "\\rangle": "⟩",
    "\\lvert": "|",
    "\\rvert": "|",
    "\\vert": "|",
    "\\lbrace": "{",
    "\\rbrace": "}",
}
_FUNCTIONS = set(
    "sin cos tan cot sec csc sinh cosh tanh coth arcsin arccos arctan exp log ln lg "
    "max min sup inf lim det gcd arg deg dim ker Pr hom".split()
)
_SPACES = {" ": "0.25em", ",": "0.1667em", ":": "0.2222em", ">": "0.2222em", ";": "0.2778em"}
_SPACES |= {"quad": "1em", "qquad": "2em", "enspace": "0.5em", "thinspace": "0.1667em"}
_ACCENTS = {"dot": "˙", "ddot": "¨", "hat": "^", "bar": "¯", "tilde": "~", "vec": "→", "check": "ˇ"}
# Escapes in LaTeX text (the notation's and explain's headings).
_TEXT_COMMANDS = {
    "textbackslash": "\\",
    "backslash": "\\",
    "textasciicircum": "^",
    "textasciitilde": "~",
    "textless": "<",
    "textgreater": ">",
    "textbar": "|",
    "textquotedbl": '"',
    "textunderscore": "_",
    "ldots": "…",
    "lt": "<",
    "gt": ">",
}
_TEXT_FONTS = {"text", "textrm", "textnormal", "mbox", "textit", "textbf", "mathrm", "operatorname"}
_TEXT_FONTS |= {"mathit", "mathbf", "mathsf", "mathtt", "textsf", "texttt"}
_OPENING, _CLOSING = {"(": ")", "[": "]"}, {")": "(", "]": "["}
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+")
_LETTERS = re.compile(r"[A-Za-z]+")


def _operator(symbol: str, **attributes: str) -> _Node:
    return _Node("mo", "−" if symbol == "-" else symbol, attributes=tuple(attributes.items()))


def _identifier(text: str, upright: bool = False) -> _Node:
    # A name of several characters is upright in MathML already; one character needs saying so.
    normal = upright and len(text) == 1
    return _Node("mi", text, attributes=(("mathvariant", "normal"),) if normal else ())


def _character(ch: str) -> _Node:
    """A character of the maths on its own: an operator (``+``, ``=``, ``(``), else a name."""
    if ch in _OPENING:
        return _Node("mo", ch, attributes=(("stretchy", "false"),), kind="open")
    if ch in _CLOSING:
        return _Node("mo", ch, attributes=(("stretchy", "false"),), kind="close")
    if ch == "*":
        return _operator("∗")
    category = unicodedata.category(ch)
    if ch in "+-=<>/,;:!|?…" or category in ("Sm", "Pd", "Ps", "Pe"):
        return _operator(ch)
    return _identifier(ch)


# ----------------------------------------------------------------- the parser


class _Parser:
    """Reads LaTeX maths into :class:`_Node` s; never raises, whatever the input."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.at = 0

    def top(self) -> list[_Node]:
        nodes: list[_Node] = []
        while self.at < len(self.source):
            nodes += self.row(stop="")
            if self.peek() == "}":  # a } or a \right with nothing open: shown as it is
                self.at += 1
                nodes.append(_operator("}", stretchy="false"))
            elif self.peek():
                nodes.append(self.stray_right())
        return _signed(nodes)

    def peek(self) -> str:
        return self.source[self.at] if self.at < len(self.source) else ""

    def skip_spaces(self) -> None:
        while self.peek().isspace():
            self.at += 1

    def command(self) -> str:
        r"""The command at the current ``\``, consumed: ``\frac`` gives ``frac``, ``\{`` gives ``{``."""
        self.at += 1
        letters = _LETTERS.match(self.source, self.at)
        if letters:
            self.at = letters.end()
            return letters.group()
        ch = self.peek()
        self.at += len(ch)
        return ch  # "" for a backslash at the very end

    def peek_command(self) -> str:
        start = self.at
        name = self.command()
        self.at = start
        return name

    def row(self, stop: str) -> list[_Node]:
        r"""Nodes up to the end, or up to ``stop`` (``}`` or ``\right``), which is left unread."""
        nodes: list[_Node] = []
        opened: list[int] = []  # where the ( and [ that are still open are in nodes
        while True:
            self.skip_spaces()
            ch = self.peek()
            if not ch:
                return nodes
            if ch == "}":
                if stop != "\\right":
                    return nodes  # the end of the group, or a stray } that top() shows
                self.at += 1
                nodes.append(_operator("}", stretchy="false"))
                continue
            if ch == "\\" and self.peek_command() == "right":
                if stop != "}":
                    return nodes  # the end of \left … \right, or a stray \right that top() shows
                nodes.append(self.stray_right())
                continue
            if ch in "^_":
                self.at += 1
                self.script(nodes, ch)
                continue
            if ch == "'":
                primes = len(self.source[self.at :]) - len(self.source[self.at :].lstrip("'"))
                self.at += primes
                # U+2032 is drawn raised already: set as a superscript, it would shrink to a tick.
                nodes.append(_operator("′" * primes, lspace="0", rspace="0"))
                continue
            node = self.atom()
            if node is None:
                continue
            if node.kind == "open":
                opened.append(len(nodes))
            elif node.kind == "close" and opened and nodes[opened[-1]].text == _CLOSING[node.text]:
                start = opened.pop()
                group = [nodes[start], *_signed(nodes[start + 1 :]), node]
                del nodes[start:]
                node = _mrow(group, "group")
            nodes.append(node)
            if node.kind == "function":
                self.after_function(nodes)

    def after_function(self, nodes: list[_Node]) -> None:
        """A function name's scripts, then a thin space unless its argument comes in parentheses."""
        self.skip_spaces()
        while self.peek() in ("^", "_") and self.peek():
            script = self.peek()
            self.at += 1
            self.script(nodes, script)
            self.skip_spaces()
        nodes[-1].kind = "function"
        ch = self.peek()
        if ch and ch not in "([" and not (ch == "\\" and self.peek_command() == "left"):
            nodes.append(_Node("mspace", attributes=(("width", "0.1667em"),), kind="space"))

    def script(self, nodes: list[_Node], which: str) -> None:
        """A superscript (``which`` is ``^``) or a subscript on the last node."""
        argument = self.argument()
        base = nodes.pop() if nodes else _mrow([])
        if which == "^" and base.tag == "msub":  # x_{(1)}^{2}
            node = _Node("msubsup", children=[*base.children, argument])
        elif which == "_" and base.tag == "msup":
            node = _Node("msubsup", children=[base.children[0], argument, base.children[1]])
        else:
            node = _Node("msup" if which == "^" else "msub", children=[base, argument])
        node.kind = "function" if base.kind == "function" else ""
        nodes.append(node)

    def argument(self) -> _Node:
        """The argument of a command or a script: a ``{group}``, one command, or one character."""
        self.skip_spaces()
        ch = self.peek()
        if ch == "{":
            return _one(self.group())
        if not ch or ch == "}":
            return _mrow([])
        if ch == "\\" and self.peek_command() == "right":
            return _mrow([])
        if ch in "0123456789":  # x^23 is x² 3, as in TeX
            self.at += 1
            return _Node("mn", ch)
        node = self.atom()
        return node if node is not None else _mrow([])

    def group(self) -> list[_Node]:
        """``{…}`` at the current position: its nodes, the closing brace read (if there is one)."""
        self.at += 1
        nodes = _signed(self.row(stop="}"))
        if self.peek() == "}":
            self.at += 1
        return nodes

    def atom(self) -> _Node | None:
        """The next piece of maths: a number, a name, a group, a command with its arguments."""
        ch = self.peek()
        if ch == "{":
            return _mrow(self.group(), "group")
        if ch == "\\":
            return self.control()
        number = _NUMBER.match(self.source, self.at)
        if number:
            self.at = number.end()
            return _Node("mn", number.group())
        letters = _LETTERS.match(self.source, self.at)
        if letters:  # a run of letters in the maths ("more"): one name; "nan" is how a number is written
            self.at = letters.end()
            return _Node("mn", "nan") if letters.group() == "nan" else _identifier(letters.group())
        self.at += 1
        return _character(ch)

    def control(self) -> _Node | None:
        name = self.command()
        if name == "frac" or name == "dfrac" or name == "tfrac":
            return _Node("mfrac", children=[self.argument(), self.argument()])
        if name == "sqrt":
            self.skip_spaces()
            if self.peek() == "[":
                index = self.bracketed()
                return _Node("mroot", children=[self.argument(), _one(index)])
            return _Node("msqrt", children=[self.argument()])
        if name == "left":
            return self.fenced()
        if name in _TEXT_FONTS:
            return self.font(name)
        if name in _ACCENTS:
            accent = _operator(_ACCENTS[name], stretchy="false")
            return _Node("mover", children=[self.argument(), accent], attributes=(("accent", "true"),))
        if name in _FUNCTIONS:
            return _Node("mi", name, kind="function")
        if name in _SPACES:
            return _Node("mspace", attributes=(("width", _SPACES[name]),), kind="space")
        if name == "!":
            return None
        if name == "bmod" or name == "mod":
            return _operator("mod", lspace="0.2778em", rspace="0.2778em")
        self.empty_braces()  # \^{} and \backslash{}: the braces only end the command
        if name in _GREEK and self.applied():  # \sigma\left(x\right): a function's name, set upright
            return _Node("mi", _GREEK[name], attributes=(("mathvariant", "normal"),), kind="function")
        if name in _CAPITAL_GREEK:
            return _identifier(_CAPITAL_GREEK[name], upright=True)
        if name in _IDENTIFIERS:
            return _identifier(_IDENTIFIERS[name])
        if name in _OPERATORS:
            return _operator(_OPERATORS[name], **({"stretchy": "false"} if name in ("{", "}") else {}))
        if "\\" + name in _DELIMITERS:
            return _operator(_DELIMITERS["\\" + name], stretchy="false")
        return _Node("mtext", "\\" + name)  # unknown: shown as written

    def applied(self) -> bool:
        r"""Whether ``\left(`` comes next: what a function's name is followed by in the notation."""
        start = self.at
        self.skip_spaces()
        applied = self.peek() == "\\" and self.peek_command() == "left"
        self.at = start
        return applied

    def empty_braces(self) -> None:
        if self.source.startswith("{}", self.at):
            self.at += 2

    def bracketed(self) -> list[_Node]:
        """``[…]`` (the index of ``\\sqrt[3]{x}``), the brackets read."""
        self.at += 1
        depth, start = 0, self.at
        while self.at < len(self.source):
            ch = self.source[self.at]
            if ch == "\\":
                self.at += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "]" and depth <= 0:
                break
            self.at += 1
        inside = self.source[start : self.at]
        self.at += 1 if self.peek() == "]" else 0
        return _Parser(inside).top()

    def delimiter(self) -> _Node:
        self.skip_spaces()
        ch = self.peek()
        if ch == "\\":
            start = self.at
            name = "\\" + self.command()
            if name not in _DELIMITERS:
                self.at = start
                return _operator("")
        else:
            name = ch
            self.at += len(ch)
        symbol = _DELIMITERS.get(name, name)
        return _operator(symbol, stretchy="true")

    def fenced(self) -> _Node:
        r"""``\left( … \right)``: an ``<mrow>`` whose parentheses grow with what they hold."""
        opening = self.delimiter()
        inside = _signed(self.row(stop="\\right"))
        closing = _operator("")
        if self.peek() == "\\":
            self.command()
            closing = self.delimiter()
        # The delimiters grow around a fraction or a root only: a font's larger parentheses around
        # one line of maths would stand apart from the name before them (σ (x)).
        grows = "true" if any(_tall(node) for node in inside) else "false"
        for delimiter in (opening, closing):
            delimiter.attributes = (("stretchy", grows),)
        nodes = [node for node in (opening, *inside, closing) if node.tag != "mo" or node.text]
        return _mrow(nodes, "group")

    def stray_right(self) -> _Node:
        self.command()
        symbol = self.delimiter().text
        return _operator(symbol or ".", stretchy="false")

    def font(self, name: str) -> _Node:
        r"""``\mathrm{w2}``, ``\operatorname{relu}``, ``\text{ (as }``: the braces' text, its escapes undone."""
        self.skip_spaces()
        if self.peek() == "{":
            text = self.braced_text()
        elif self.peek() == "\\":
            text = _TEXT_COMMANDS.get(self.command(), "")
        else:
            text = self.peek()
            self.at += len(text)
        if name.startswith("text") or name == "mbox":
            return _Node("mtext", text.replace(" ", "\u00a0"))  # spaces at its ends would be dropped
        node = _identifier(text, upright=name in ("mathrm", "operatorname"))
        if name == "operatorname":
            node.kind = "function"
        return node

    def braced_text(self) -> str:
        """The text of a ``{…}`` group, read as LaTeX text; the braces read."""
        self.at += 1
        text = self.text_until("}")
        if self.peek() == "}":
            self.at += 1
        return text

    def text_until_end(self) -> str:
        parts = []
        while self.at < len(self.source):
            parts.append(self.text_until("}"))
            if self.peek() == "}":
                parts.append("}")
                self.at += 1
        return "".join(parts)

    def text_until(self, stop: str) -> str:
        parts: list[str] = []
        while self.at < len(self.source) and self.peek() != stop:
            ch = self.peek()
            if ch == "{":
                parts.append(self.braced_text())
            elif ch == "\\":
                name = self.command()
                self.empty_braces()
                if name in _TEXT_COMMANDS:
                    parts.append(_TEXT_COMMANDS[name])
                elif len(name) == 1 or name == "":
                    parts.append(name if name not in ",;:!" else " ")  # \{ \_ \% \  \,
                else:
                    parts.append("\\" + name)
                    if self.peek() == " ":
                        self.at += 1
            else:
                parts.append(ch)
                self.at += 1
        return "".join(parts)


def _tall(node: _Node) -> bool:
    return node.tag in ("mfrac", "msqrt", "mroot", "mtable") or any(_tall(child) for child in node.children)


def _signed(nodes: list[_Node]) -> list[_Node]:
    """A minus sign that starts a row or follows an operator is a sign: kept with what it signs (``−3``)."""
    out: list[_Node] = []
    k = 0
    while k < len(nodes):
        node = nodes[k]
        before = out[-1] if out else None
        is_sign = node.tag == "mo" and node.text == "−" and k + 1 < len(nodes)
        after_operator = before is None or (before.tag == "mo" and before.kind != "close")
        if is_sign and after_operator:
            out.append(_mrow([node, nodes[k + 1]], "signed"))
            k += 2
            continue
        out.append(node)
        k += 1
    return out


# ---------------------------------------------------------- rows of an equation


def _width_of(nodes: list[_Node]) -> float:
    return sum(_width(node) for node in nodes)


def _width(node: _Node) -> float:
    """About how many characters wide ``node`` is set: enough to decide where to break a long equation."""
    if node.tag == "mfrac":
        return max(_width(child) for child in node.children) + 0.5
    if node.tag in ("msup", "msub", "mover"):
        return _width(node.children[0]) + 0.7 * _width(node.children[1])
    if node.tag == "msubsup":
        return _width(node.children[0]) + 0.7 * max(_width(node.children[1]), _width(node.children[2]))
    if node.tag in ("msqrt", "mroot"):
        return _width(node.children[0]) + 1.5
    if node.tag == "mspace":
        return 0.3
    if node.tag == "mo":
        return len(node.text) + (1.0 if node.text in "=+−×/" else 0.3)
    return len(node.text) + _width_of(node.children)


def _rows(nodes: list[_Node], width: float | None) -> list[tuple[list[_Node], list[_Node]]]:
    """An equation as rows of (left of the first ``=``, the rest), broken where wider than ``width``."""
    sides: list[list[_Node]] = [[]]
    for node in nodes:
        if node.tag == "mo" and node.text == "=":
            sides.append([node])
        else:
            sides[-1].append(node)
    if len(sides) == 1:
        sides.insert(0, [])
    if width is None or _width_of(nodes) <= width:
        return [(sides[0], [node for side in sides[1:] for node in side])]
    rows: list[tuple[list[_Node], list[_Node]]] = []
    left = sides[0]
    for side in sides[1:]:
        for piece in _broken(side, width - _width_of(sides[0])):
            rows.append((left, piece))
            left = []
    return rows


def _table(rows: list[tuple[list[_Node], list[_Node]]]) -> _Node:
    r"""Rows aligned on their ``=``, as LaTeX's ``align*``: the left sides set right, the rest set left."""
    return _Node(
        "mtable",
        children=[
            _Node(
                "mtr",
                children=[_Node("mtd", children=part, attributes=cell) for part, cell in zip(row, _CELLS)],
            )
            for row in rows
        ],
        attributes=(("displaystyle", "true"),),
    )


# A cell's maths is a block in Chromium, which only the -webkit- alignments move (plain right and
# left align text); Firefox reads columnalign. A little space between the rows, none between the columns.
_CELLS = tuple(
    (("columnalign", side), ("style", f"text-align: {side}; text-align: -webkit-{side}; padding: 0.3em 0"))
    for side in ("right", "left")
)


def _broken(side: list[_Node], width: float) -> list[list[_Node]]:
    """``side`` (``= a + b + …``) cut into rows no wider than ``width``, where one breaks a line by hand.

    A sum is cut between its terms; a term still too wide, between its
    factors (at ``×``, or between two in parentheses, where the next row
    says ``×``). Each row after the first starts with its operator, set in
    by a quad (two where it goes on with a product).
    """
    width = max(width, 24.0)
    rows: list[list[_Node]] = []
    for terms in _packed(_split(side, _between_terms), width):
        factors = _packed(_split(terms, _between_factors), width) if _width_of(terms) > width else [terms]
        for k, row in enumerate(factors):
            if rows or k:  # a row that goes on: set in by a quad, by two where it goes on a product
                row[:0] = [_Node("mspace", attributes=(("width", "2em" if k else "1em"),), kind="space")]
            if k and row[1].kind == "group":
                row.insert(1, _operator("×"))  # (a)(b) cut in two: the product says so
            rows.append(row)
    return rows


def _between_terms(nodes: list[_Node], k: int) -> bool:
    return nodes[k].tag == "mo" and nodes[k].text in ("+", "−")


def _between_factors(nodes: list[_Node], k: int) -> bool:
    return (nodes[k].tag == "mo" and nodes[k].text == "×") or (
        nodes[k].kind == "group" and nodes[k - 1].kind == "group"
    )


def _split(nodes: list[_Node], between: Callable[[list[_Node], int], bool]) -> list[list[_Node]]:
    """``nodes`` cut before each place ``between`` says (never before the first two: ``= a``)."""
    pieces: list[list[_Node]] = [[]]
    for k, node in enumerate(nodes):
        if k > 1 and between(nodes, k):
            pieces.append([])
        pieces[-1].append(node)
    return pieces


def _packed(pieces: list[list[_Node]], width: float) -> list[list[_Node]]:
    """The pieces put together into as few rows as fit in ``width`` (a piece wider than it: a row alone)."""
    rows: list[list[_Node]] = [[]]
    for piece in pieces:
        if rows[-1] and _width_of(rows[-1]) + _width_of(piece) > width:
            rows.append([])
        rows[-1] += piece
    return rows
