"""How an Explanation shows itself: IPython's terminal, repr(), and MathML for notebooks and pages.

The HTML is read back with a real XML parser, so a label can only ever be
text; every registered op's derivation is written in MathML and its numbers
are read back and compared with the text's; and Debian's Chromium lays the
worked example out offline, on a page of its own and in nbconvert's export
of an executed notebook (skipped without playwright, chromium or nbconvert).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import CHROMIUM, MISSING, launch
from hypothesis import given
from hypothesis import strategies as st

import scalargrad as sg
from scalargrad.cli.walkthrough import build
from scalargrad.viz.diagram import visible
from scalargrad.viz.mathml import aligned, mathml, text_of
from scalargrad.viz.notation import number

MATHML_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "mfrac", "msup", "msub", "msubsup",
    "msqrt", "mroot", "mover", "mtable", "mtr", "mtd",
}  # fmt: skip
HTML_TAGS = {"div", "p", "strong"}
ATTRIBUTES = {
    "class", "style", "display", "stretchy", "mathvariant", "width", "accent", "lspace", "rspace",
    "columnalign", "displaystyle",
}  # fmt: skip


def parsed(fragment: str) -> ET.Element:
    """The HTML fragment as XML, under one root: it must be well-formed."""
    return ET.fromstring(f"<root>{fragment}</root>")


def equations(html: str) -> list[ET.Element]:
    """Every equation of an explanation's HTML: one table row, or the rows one long equation was broken into."""
    rows: list[ET.Element] = []
    for table in parsed(html).iter("mtable"):
        rows += table.findall("mtr")
    joined: list[ET.Element] = []
    for row in rows:
        left = row[0]
        if len(left) or (left.text or "").strip() or not joined:
            joined.append(ET.Element("equation"))
        joined[-1].extend(list(row[0]) + list(row[1]))
    return joined


def reading(element: ET.Element) -> str:
    """MathML read back as a line of text, close to the text notation: enough to find the numbers in it.

    A power reads ``x^(2)``; a subscript is left out (the text writes it
    with subscript characters: ``x₍₁₎``, ``log10``); ``a × 10^(k)`` is ``aek``;
    a sign stays with its number.
    """
    tag = element.tag
    if tag in ("mi", "mn", "mo", "mtext"):
        return {"−": "-"}.get(element.text or "", element.text or "").replace("\u00a0", " ").strip()
    children = list(element)
    if tag == "msup":
        return f"{reading(children[0])}^({reading(children[1])})"
    if tag in ("msub", "msubsup"):
        return reading(children[0]) + (f"^({reading(children[2])})" if tag == "msubsup" else "")
    if tag == "mfrac":
        return f"{reading(children[0])}/{reading(children[1])}"
    if tag in ("mroot", "mover"):
        return reading(children[0])
    if tag == "mrow" and len(children) == 2 and children[0].tag == "mo" and children[0].text == "−":
        return "-" + reading(children[1])  # a sign
    text = " ".join(reading(child) for child in children)
    return re.sub(r"(\d) × 10\^\((-?\d+)\)", r"\1e\2", text)


NUMBER = re.compile(r"(?<![\w.])-?(?:\d+\.\d+|\d+)(?:e-?\d+)?(?![\w.])")
SUPERSCRIPT = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+")
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def numbers(line: str) -> list[str]:
    """The numbers written in a line, signs included; not those in names (w2), scripts or subscripts."""
    return NUMBER.findall(line)


def text_equations(explanation: sg.viz.Explanation) -> list[str]:
    return [line.strip() for line in explanation.text.split("\n") if line.startswith("  ")]


# ------------------------------------------------------------- terminal, repr


def test_ipython_pretty_prints_the_text() -> None:
    pretty = pytest.importorskip("IPython.lib.pretty").pretty
    e = sg.explain(build(), "w2", collapse=True)
    assert pretty(e) == e.text
    assert pretty([e]).startswith("[Forward pass\n")  # inside a container too


def test_ipython_display_formatter_offers_text_html_and_markdown() -> None:
    formatters = pytest.importorskip("IPython.core.formatters")
    e = sg.explain(build(), "w2", collapse=True)
    bundle, _ = formatters.DisplayFormatter().format(e)
    assert bundle["text/plain"] == e.text
    assert bundle["text/html"] == e.html and "<mfrac>" in e.html
    assert bundle["text/markdown"] == e.markdown  # kept for front-ends that take Markdown


def test_repr_is_one_short_line_in_python_s_angle_form() -> None:
    x = [sg.Value(0.1 * k, label=f"x{k}") for k in range(60)]
    y = sg.sum(xk * xk for xk in x).tanh()
    y.label = "y"
    e = sg.explain(y, "x7")
    assert len(e.text) > 2000
    r = repr(e)
    assert r.startswith("<Explanation, ") and r.endswith(">") and "\n" not in r
    assert len(r) < 160, r
    assert f"{len(e.text.splitlines())} lines" in r
    assert number(x[7].grad) in r  # it ends with the result
    small = sg.explain(build(), "w2", collapse=True)
    assert (
        repr(small)
        == "<Explanation, 17 lines, ending '∂E/∂w2 = (-0.336286)(0.245941)(0.512497) = -0.042387'>"
    )


def test_str_and_the_other_forms_are_unchanged() -> None:
    e = sg.explain(build(), "w2", collapse=True)
    assert str(e) == e.text
    assert e.markdown.startswith("**Forward pass**") and e.latex.startswith(r"\paragraph{Forward pass}")


# ----------------------------------------------------------------- the HTML


def test_html_is_well_formed_and_made_of_known_elements_only() -> None:
    e = sg.explain(build(), "w2", collapse=True)
    root = parsed(e.html)
    for element in root.iter():
        if element is root:
            continue
        assert element.tag in MATHML_TAGS | HTML_TAGS, element.tag
        assert set(element.attrib) <= ATTRIBUTES, element.attrib
    headings = ["".join(strong.itertext()) for strong in root.iter("strong")]
    assert headings == [
        "Forward pass",
        "Chain rule, along the 1 path from w2 to E",
        "Local derivatives",
        "Together",
    ]
    assert len(list(root.iter("math"))) == 4  # one block under each heading, its equations aligned


def test_fractions_powers_function_names_and_numbers_are_marked_up() -> None:
    e = sg.explain(build(), "w2", collapse=True)
    root = parsed(e.html)
    fractions = [reading(f).replace(" ", "") for f in root.iter("mfrac")]
    assert "∂E/∂w2" in fractions and "∂outo/∂neto" in fractions
    for f in root.iter("mfrac"):
        assert [child.text for child in f[0] if child.tag == "mi"][0] == "∂"
    powers = list(root.iter("msup"))
    assert powers and all(p[1].tag == "mn" and p[1].text == "2" for p in powers)  # (0.9 - outo)²
    sigma = [mi for mi in root.iter("mi") if mi.text == "σ"]
    assert sigma and all(mi.get("mathvariant") == "normal" for mi in sigma)  # a function: upright
    assert {mn.text for mn in root.iter("mn")} >= {"0.512497", "0.245941", "0.042387", "0.336286", "0.5"}
    minus = [mo for mo in root.iter("mo") if mo.text == "−"]
    assert minus and not [mo for mo in root.iter("mo") if mo.text == "-"]  # a real minus sign


def test_uses_of_a_node_are_subscripts_as_in_the_text() -> None:
    x = sg.Value(2.0, label="x")
    y = x * x
    y.label = "y"
    e = sg.explain(y, "x")
    assert "∂y/∂x = ∂y/∂x₍₁₎ + ∂y/∂x₍₂₎" in e.text
    marked = [s for s in parsed(e.html).iter("msub") if s[0].text == "x"]
    assert sorted("".join(s[1].itertext()) for s in marked) == ["(1)", "(1)", "(2)", "(2)"]


def test_function_names_are_upright() -> None:
    x = sg.Value(0.3, label="x")
    y = (x.tanh() + x.exp()).sigmoid()
    y.label = "y"
    root = parsed(sg.explain(y, "x").html)
    names = {mi.text: mi.get("mathvariant") for mi in root.iter("mi")}
    assert {"tanh", "exp"} <= set(names)  # names of several letters: upright in MathML
    assert names["σ"] == "normal"
    assert names["x"] is None and names["y"] is None  # a variable of one letter: italic


HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "</math><script>alert(1)</script>",
    "a & b",
    "\"quoted\" & 'single'",
    "tab\there\x00nul\x07bell\nnewline",
    r"\frac{a}{b}",
    r"\right) \left( }{ ^_ $$x$$ % # ~",
    "\\",
    "<",
    "&",
    '"',
    "{",
    "^",
    "'",
    "(",
    "\u2028\ufeff\ud800",
]


@pytest.mark.parametrize("label", HOSTILE)
def test_a_label_is_text_never_markup(label: str) -> None:
    x = sg.Value(0.5, label=label)
    w = sg.Value(-3.0, label="w")
    y = (x * w).tanh()
    y.label = "y" if label == "y" else f"{label}!"
    e = sg.explain(y, label)
    root = parsed(e.html)  # well-formed: every < & " of a label escaped
    for element in root.iter():
        assert element.tag in MATHML_TAGS | HTML_TAGS | {"root"}, element.tag
        assert set(element.attrib) <= ATTRIBUTES, element.attrib
    shown = visible(label)
    headings = ["".join(p.itertext()) for p in root.iter("strong")]
    assert headings[0] == "Forward pass"
    assert f"Chain rule, along the 1 path from {shown} to {shown}!" in headings
    assert "<img" not in e.html and "<script" not in e.html
    if len(shown) > 2:
        assert not [v for element in root.iter() for v in element.attrib.values() if shown in v]
    tokens = [t.text for t in root.iter() if t.tag in ("mi", "mo", "mtext")]
    if len(shown) > 1:
        assert shown in tokens and f"{shown}!" in tokens  # the whole label: one name, as written
    else:
        assert any(shown in (t or "") for t in tokens)
    assert "\\frac" not in "".join(t for t in tokens if t and t != shown and t != f"{shown}!")


def test_a_tex_command_in_a_label_is_not_run() -> None:
    x = sg.Value(1.0, label=r"\frac{a}{b}")
    y = x.exp()
    y.label = "y"
    root = parsed(sg.explain(y, r"\frac{a}{b}").html)
    assert all(f[0][0].text == "∂" and f[1][0].text == "∂" for f in root.iter("mfrac"))  # only ∂y/∂…
    assert r"\frac{a}{b}" in [mi.text for mi in root.iter("mi")]


# --------------------------------------------------------- every registered op


def _point(lo: float, hi: float) -> float:
    if math.isinf(lo) and math.isinf(hi):
        return 0.7
    if math.isinf(hi):
        return lo + 1.3
    if math.isinf(lo):
        return hi - 1.3
    return lo + (hi - lo) * 0.3


def _graphs() -> Iterator[tuple[str, sg.Value, list[str]]]:
    """For each registered op: y = op(x0, x1, …) on inputs inside its domain, and the inputs' names."""
    for name, function in sorted(sg.op.registry().items()):
        n = function.arity or 3
        domain = function.op.domain
        domains = domain if isinstance(domain[0], tuple) else [domain] * n
        xs = [sg.Value(_point(*domains[k]), label=f"x{k}") for k in range(n)]
        if function.arity is not None:
            y = function(*xs)
        else:
            y = function(xs) if function.op.notation.form != "dot" else function(xs, list(reversed(xs)))
        y.label = "y"
        yield name, y, [x.label for x in xs]


def _numbers_agree(text_line: str, equation: ET.Element) -> None:
    written = reading(equation)
    text = SUPERSCRIPT.sub(lambda m: f"^({m.group().translate(SUPERSCRIPTS)})", text_line)
    text = re.sub("[₀-₉₍₎]", "", text)
    # Every number with a decimal point or an exponent, in order and with its sign...
    decimals = [n for n in numbers(text) if "." in n or "e" in n]
    assert [n for n in numbers(written) if "." in n or "e" in n] == decimals, (text_line, written)
    # ... and the value each equation ends with, whatever it is.
    if numbers(text) and text.endswith(numbers(text)[-1]):
        assert numbers(written)[-1] == numbers(text)[-1], (text_line, written)


OPS = list(_graphs())


@pytest.mark.parametrize("name, y, inputs", OPS, ids=[name for name, _, _ in OPS])
def test_every_registered_op_explains_in_mathml(name: str, y: sg.Value, inputs: list[str]) -> None:
    for wrt in dict.fromkeys(inputs):
        for collapse in (False, True):
            e = sg.explain(y, wrt, collapse=collapse)
            root = parsed(e.html)
            tokens = [t for t in root.iter() if t.tag in ("mi", "mo", "mtext")]
            unread = [t.text for t in tokens if "\\" in (t.text or "")]
            assert not unread, (name, unread)  # every command of the notation understood
            assert not [t for t in root.iter("mrow") if t.tag == "merror"]
            lines = text_equations(e)
            found = equations(e.html)
            assert len(found) == len(lines), (name, lines)
            for line, equation in zip(lines, found):
                _numbers_agree(line, equation)
            gradient = _gradient(y, wrt)
            assert numbers(reading(found[-1]))[-1] == number(gradient), (name, wrt)


def _gradient(y: sg.Value, wrt: str) -> float:
    """d y / d (the input named wrt), by a backward pass of its own: the analytic gradient."""
    nodes: dict[int, sg.Value] = {}
    stack = [y]
    while stack:
        node = stack.pop()
        if id(node) not in nodes:
            nodes[id(node)] = node
            stack.extend(node.parents)
    for node in nodes.values():
        node.grad = 0.0
    y.backward()
    return next(node.grad for node in nodes.values() if node.label == wrt)


def test_a_forward_explanation_has_html_too() -> None:
    x1, x2 = sg.Value(2.0, label="x1"), sg.Value(5.0, label="x2")
    y = sg.log(x1) + x1 * x2 - sg.sin(x2)
    y.label = "y"
    e = sg.viz.explain_forward(y, ("x1", "x2"), (1.0, 0.0))
    root = parsed(e.html)
    dots = [m for m in root.iter("mover") if m[1].text == "˙"]
    assert dots  # ẋ, ẏ: a dot over the letter
    found = equations(e.html)
    lines = text_equations(e)
    assert len(found) == len(lines)
    assert numbers(reading(found[-1]))[-1] == numbers(lines[-1])[-1] == "5.5"


# ------------------------------------------------------------- the converter


def test_long_equations_are_broken_into_aligned_rows() -> None:
    x = [sg.Value(0.5 + 0.01 * k, label=f"x{k}") for k in range(12)]
    y = x[0]
    for xk in x[1:]:
        y = (y * xk).tanh()
    y.label = "y"
    e = sg.explain(y, "x0")
    chain = [line for line in text_equations(e) if line.startswith("∂y/∂x0 = ∂y/∂")][0]
    assert chain.count("×") > 12  # a long product: many fractions on one line
    root = parsed(e.html)
    rows = [row for table in root.iter("mtable") for row in table.findall("mtr")]
    continued = [row for row in rows if not len(row[0]) and not (row[0].text or "").strip()]
    assert continued  # broken...
    for row in continued:
        first = [child for child in row[1] if child.tag != "mspace"][0]
        assert first.tag == "mo" and first.text in ("=", "×", "+", "−")  # ... where one breaks by hand
    assert len(equations(e.html)) == len(text_equations(e))


@given(st.text(max_size=40))
def test_mathml_never_raises_and_is_always_well_formed(latex: str) -> None:
    ET.fromstring(mathml(latex, display=True, width=10))
    ET.fromstring(aligned([latex, latex], width=10))
    text_of(latex)


@given(
    st.lists(st.sampled_from(["{", "}", "\\left(", "\\right)", "^", "_", "\\frac", "(", ")", "x", "-", "'"]))
)
def test_mathml_reads_unbalanced_latex(pieces: list[str]) -> None:
    ET.fromstring(mathml(" ".join(pieces)))


def test_an_unknown_command_is_shown_as_written() -> None:
    root = ET.fromstring(mathml(r"\mathcal{F}\left(x\right) + \Gamma"))
    assert [t.text for t in root.iter("mtext")] == [r"\mathcal"]
    assert [(mi.text, mi.get("mathvariant")) for mi in root.iter("mi")] == [
        ("F", None),
        ("x", None),
        ("Γ", "normal"),
    ]


def test_numbers_in_scientific_notation() -> None:
    root = ET.fromstring(mathml(r"-1.5 \times 10^{-7} = x"))
    assert reading(root) == "-1.5e-7 = x"
    special = ET.fromstring(mathml(r"(nan)(-\infty) + \infty"))
    assert [(t.tag, "".join(t.itertext())) for t in special.iter() if t.tag in ("mi", "mn")] == [
        ("mn", "nan"),
        ("mi", "∞"),
        ("mi", "∞"),
    ]


# --------------------------------------------------------------- in a browser

SCREENSHOT = Path("/tmp/explain-mathml.png")


def test_chromium_lays_out_the_mathml_offline(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    if not CHROMIUM.exists():
        pytest.skip(MISSING)
    e = sg.explain(build(), "w2", collapse=True)
    page_file = tmp_path / "explain.html"
    page_file.write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>∂E/∂w2</title></head>\n'
        f'<body style="font-family: sans-serif; margin: 1.5em">\n{e.html}\n</body></html>\n',
        encoding="utf-8",
    )
    url = page_file.as_uri()
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 760, "height": 600}, device_scale_factor=1.5)
            page.on("request", lambda request: requests.append(request.url))
            page.goto(url)
            page.wait_for_load_state("load")
            layout = page.evaluate(
                """() => {
                const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
                const fractions = [...document.querySelectorAll('mfrac')].map(f => ({
                    whole: box(f), top: box(f.children[0]), bottom: box(f.children[1]) }));
                const line = box(document.querySelector('mn'));
                const equals = [...document.querySelectorAll('math')[0].querySelectorAll('mtr')].map(
                    row => box([...row.querySelectorAll('mo')].find(o => o.textContent === '=')));
                return { fractions, line, equals,
                         display: getComputedStyle(document.querySelector('math')).display };
            }"""
            )
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    assert requests == [url]  # nothing from a CDN, nothing at all but the page
    assert layout["display"] == "block math"  # Chromium reads it as MathML
    line_height = layout["line"][3] - layout["line"][1]
    assert len(layout["fractions"]) == 8
    for f in layout["fractions"]:
        assert f["whole"][3] - f["whole"][1] > 1.6 * line_height  # two lines high
        assert f["top"][3] <= f["bottom"][1]  # numerator above the denominator
    lefts = {round(box[0]) for box in layout["equals"]}
    assert len(layout["equals"]) == 5 and len(lefts) == 1  # the forward pass aligned on its =


def test_nbconvert_s_html_shows_the_maths_with_no_network(tmp_path: Path) -> None:
    """The issue's case: a notebook executed, exported by nbconvert, opened with every request refused."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    exporters = pytest.importorskip("nbconvert.exporters", reason="needs nbconvert")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    if not CHROMIUM.exists():
        pytest.skip(MISSING)
    notebook = nbformat.v4.new_notebook()
    source = 'import scalargrad as sg\nfrom scalargrad.cli.walkthrough import build\nsg.explain(build(), "w2", collapse=True)'
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    assert {"text/html", "text/markdown", "text/plain"} <= set(notebook.cells[0].outputs[0]["data"])
    body, _ = exporters.HTMLExporter().from_notebook_node(notebook)
    page_file = tmp_path / "notebook.html"
    page_file.write_text(body, encoding="utf-8")
    refused: list[str] = []

    def route(request_route: Any) -> None:
        if request_route.request.url.startswith("file:"):
            request_route.continue_()
        else:
            refused.append(request_route.request.url)
            request_route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            page.route("**/*", route)
            page.goto(page_file.as_uri())
            fraction = page.evaluate(
                """() => { const f = document.querySelector('.scalargrad-explanation mfrac');
                           const [top, bottom] = [...f.children].map(c => c.getBoundingClientRect());
                           const mn = document.querySelector('.scalargrad-explanation mn').getBoundingClientRect();
                           return [f.getBoundingClientRect().height / mn.height, top.bottom <= bottom.top]; }"""
            )
        finally:
            browser.close()
    assert fraction[0] > 1.6 and fraction[1]  # typeset, though MathJax never loaded
    assert any("mathjax" in url.lower() for url in refused)  # nbconvert's page asks a CDN for it
