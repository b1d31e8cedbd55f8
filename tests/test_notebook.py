"""The stepper and the explanation in a real notebook: executed by nbclient, exported by nbconvert, clicked in Chromium.

One notebook, built with nbformat and executed once for the whole module in
a temporary folder, shows the worked example (``scalargrad.cli.walkthrough``)
as an inline stepper, as a list of frames (a second stepper), as one frame's
picture and as an explanation, and a forward-mode stepper on a small graph.
Its outputs are checked as data, every number against references computed
here by the analytic chain rule (themselves checked by finite differences).
Then nbconvert exports it, and Debian's Chromium, driven by Playwright as in
``tests/test_stepper_browser.py``, opens the export from file:// offline and
clicks the three steppers: each steps on its own, the keys only inside the
one with focus, and the picture's state follows the frames.

Skipped without nbformat, nbclient or ipykernel; the parts that render
pictures without graphviz's ``dot``; the export without nbconvert; the
browser without playwright or /usr/bin/chromium.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from chromium import CHROMIUM, MISSING, launch

import scalargrad as sg
from scalargrad.cli.walkthrough import build

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Error, Locator, Page, Route

nbformat = pytest.importorskip("nbformat", reason="executing a notebook needs nbformat (the test extra)")
nbclient = pytest.importorskip("nbclient", reason="executing a notebook needs nbclient (the test extra)")
pytest.importorskip("ipykernel", reason="executing a notebook needs ipykernel (the test extra)")

HAVE_DOT = shutil.which("dot") is not None
SCREENSHOT = Path("/tmp/notebook-stepper.png")

# ------------------------------------------------------------ the references

# The worked example, by hand: E = ½ (0.9 - outo)², outo = σ(outh w2), outh = σ(i1 w1).
I1, W1, W2, TARGET = 0.1, 0.5, 0.5, 0.9


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def worked_example(i1: float = I1, w1: float = W1, w2: float = W2) -> dict[str, float]:
    """Every node's value, by the forward pass written out."""
    neth = i1 * w1
    outh = sigmoid(neth)
    neto = outh * w2
    outo = sigmoid(neto)
    return {
        "i1": i1, "w1": w1, "neth": neth, "outh": outh, "w2": w2, "neto": neto, "outo": outo,
        "E": 0.5 * (TARGET - outo) ** 2,
    }  # fmt: skip


VALUES = worked_example()
# ∂child/∂parent along each edge of the collapsed graph: σ'(z) = σ(z)(1 - σ(z)).
LOCAL = {
    ("E", "outo"): VALUES["outo"] - TARGET,
    ("outo", "neto"): VALUES["outo"] * (1 - VALUES["outo"]),
    ("neto", "w2"): VALUES["outh"],
    ("neto", "outh"): W2,
    ("outh", "neth"): VALUES["outh"] * (1 - VALUES["outh"]),
    ("neth", "w1"): I1,
    ("neth", "i1"): W1,
}
# ∂E/∂node by the chain rule, each from its one child.
GRADS = {"E": 1.0}
for (_child, _parent), _local in LOCAL.items():  # in order from E down
    GRADS[_parent] = GRADS[_child] * _local

# A small graph for forward mode: y = sin(x·x) at x = 2, dy/dx = 2x cos(x²).
FORWARD_X = 2.0
FORWARD_COS = math.cos(FORWARD_X**2)
FORWARD_DYDX = 2 * FORWARD_X * FORWARD_COS

NUMBER = r"\(?(-?\d+(?:\.\d+)?)\)?"  # as captions write a number: 0.5, -0.336286, (-0.336286)


def close(shown: str | float, reference: float) -> bool:
    """A number written to 6 decimal places (or fewer, when exact) is ``reference`` rounded."""
    return abs(float(shown) - reference) <= 0.5e-6 + 1e-12


def test_the_references_agree_with_finite_differences() -> None:
    h = 1e-6

    def difference(**at: float) -> float:
        (name, x) = next(iter(at.items()))
        up, down = worked_example(**{name: x + h})["E"], worked_example(**{name: x - h})["E"]
        return (up - down) / (2 * h)

    assert math.isclose(difference(w1=W1), GRADS["w1"], rel_tol=1e-6)
    assert math.isclose(difference(w2=W2), GRADS["w2"], rel_tol=1e-7)
    assert math.isclose(difference(i1=I1), GRADS["i1"], rel_tol=1e-6)
    # the figures the issue quotes, to 6 places
    assert f"{GRADS['w1']:.6f}" == "-0.001033" and f"{GRADS['w2']:.6f}" == "-0.042387"
    y = lambda x: math.sin(x * x)
    assert math.isclose((y(FORWARD_X + h) - y(FORWARD_X - h)) / (2 * h), FORWARD_DYDX, rel_tol=1e-7)


# ------------------------------------------------------------- the notebook

SETUP = """\
import os
import scalargrad as sg
from scalargrad.cli.walkthrough import build

# the kernel must import the scalargrad under test (installed editable), in the notebook's folder
assert sg.__file__ == {package!r}, sg.__file__
assert os.path.samefile(os.getcwd(), {folder!r}), os.getcwd()
E = build()
"""
# name -> source; the cells that render need graphviz's dot and are left out without it.
RENDERING_CELLS = {
    "stepper": "sg.stepper(E, collapse=True)",
    "frames": "sg.step_frames(E, collapse=True)",
    "frame": "sg.step_frames(E, collapse=True)[3]",
}
EXPLAIN_CELL = 'sg.explain(E, "w1", collapse=True)'
FORWARD_CELL = f"""\
x = sg.Value({FORWARD_X!r}, label="x")
y = sg.sin(x * x)
y.label = "y"
sg.stepper(sg.forward_frames(y, "x"))
"""


@dataclass
class Executed:
    """The executed notebook, its cells by name, and where it was run."""

    notebook: Any
    cells: dict[str, Any]
    folder: Path

    def data(self, name: str) -> dict[str, Any]:
        """The MIME bundle of cell ``name``'s one output, an execute_result."""
        (output,) = self.cells[name].outputs
        assert output.output_type == "execute_result"
        return dict(output.data)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Executed:
    folder = tmp_path_factory.mktemp("notebook")
    sources = {"setup": SETUP.format(package=sg.__file__, folder=str(folder))}
    if HAVE_DOT:
        sources |= RENDERING_CELLS
    sources["explain"] = EXPLAIN_CELL
    if HAVE_DOT:
        sources["forward"] = FORWARD_CELL
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources.values()]
    # The kernelspec "python3" runs `python -m ipykernel_launcher`, and
    # jupyter_client replaces that `python` by this interpreter (sys.executable);
    # the setup cell checks that the kernel found this scalargrad.
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    nbformat.write(notebook, folder / "executed.ipynb")
    return Executed(notebook, dict(zip(sources, notebook.cells)), folder)


def needs_dot() -> None:
    if not HAVE_DOT:
        pytest.skip("graphviz's dot program is not on PATH")


def steps_of(html: str) -> list[dict[str, Any]]:
    """The stepper's frames as its script reads them: the JSON data block."""
    (block,) = re.findall(r'<script type="application/json" data-role="data">(.*?)</script>', html, re.S)
    steps: list[dict[str, Any]] = json.loads(block)
    return steps


def check_backward_captions(captions: list[str]) -> None:
    """Every number in the worked example's captions against the references."""
    assert re.fullmatch(rf"forward pass: E = {NUMBER}; no gradient is known yet", captions[0])
    assert close(re.findall(NUMBER, captions[0])[0], VALUES["E"])
    assert captions[1] == "∂E/∂E = 1"
    completed = ["E"]
    for caption in captions[2:]:
        found = re.fullmatch(
            rf"∂E/∂(\w+) = ∂E/∂(\w+) × ∂(\w+)/∂(\w+) = {NUMBER} × {NUMBER} = {NUMBER}", caption
        )
        assert found, caption
        node, child, child_again, node_again, upstream, local, grad = found.groups()
        assert (child, node) == (child_again, node_again) and child in completed
        assert close(upstream, GRADS[child]), caption
        assert close(local, LOCAL[child, node]), caption
        assert close(grad, GRADS[node]), caption
        completed.append(node)
    assert sorted(completed) == sorted(VALUES)  # each node once


def test_the_notebook_ran_without_errors(executed: Executed) -> None:
    for name, cell in executed.cells.items():
        kinds = [output.output_type for output in cell.outputs]
        assert "error" not in kinds, name
        assert [output.get("name") for output in cell.outputs if output.output_type == "stream"] == [], name
    assert (executed.folder / "executed.ipynb").exists()


def test_the_steppers_are_one_inline_picture_each(executed: Executed) -> None:
    needs_dot()
    for name in ("stepper", "frames", "forward"):
        html = executed.data(name)["text/html"]
        assert html.count("<svg") == 1, name
        assert html.count('<div class="sg-stepper">') == 1, name
        assert html.count("<img") == 0, name  # restyled, not one picture per frame
        # nothing that two steppers on one page could share or fetch
        assert " id=" not in html and "http://" not in html.replace("http://www.w3.org/", "")
        assert "https://" not in html and "src=" not in html, name
    assert executed.data("stepper")["text/plain"] == "<Stepper: 9 frames>"
    assert executed.data("forward")["text/plain"] == "<Stepper: 4 frames>"


def test_the_stepper_s_frames_are_the_test_process_s(executed: Executed) -> None:
    needs_dot()
    expected = [frame.caption for frame in sg.step_frames(build(), collapse=True)]
    for name in ("stepper", "frames"):
        steps = steps_of(executed.data(name)["text/html"])
        assert [step["caption"] for step in steps] == expected, name
        assert [step["counter"] for step in steps] == [
            "forward pass (frame 1 of 9)",
            *(f"backward step {k} of 8 (frame {k + 1} of 9)" for k in range(1, 9)),
        ]
        assert steps[0]["node"] is None and all(isinstance(step["node"], int) for step in steps[1:])
    check_backward_captions(expected)
    assert expected[3] == "∂E/∂neto = ∂E/∂outo × ∂outo/∂neto = -0.336286 × 0.245941 = -0.082706"


def test_a_frame_shows_as_its_picture(executed: Executed) -> None:
    needs_dot()
    data = executed.data("frame")
    svg = data["image/svg+xml"]
    assert "<svg" in svg and "frame 4/9" in svg
    assert data["text/plain"] == f"Frame(caption={sg.step_frames(build(), collapse=True)[3].caption!r})"
    assert "text/html" not in data


def test_the_explanation_shows_as_maths_and_as_its_text(executed: Executed) -> None:
    data = executed.data("explain")
    html, text = data["text/html"], data["text/plain"]
    assert "<math" in html and "<mfrac" in html
    assert "<script" not in html and "http" not in html.replace("http://www.w3.org/1998/Math/MathML", "")
    assert not text.startswith("Explanation(")
    assert text == sg.explain(build(), "w1", collapse=True).text
    assert "$" in data["text/markdown"]  # LaTeX for a renderer that reads Markdown
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0] == "Forward pass" and "Together" in lines
    checked = 0
    for line in lines:
        forward = re.fullmatch(rf"(\w+) = .* = {NUMBER}", line)
        if forward and forward.group(1) in VALUES:
            assert close(forward.group(2), VALUES[forward.group(1)]), line
            checked += 1
        local = re.fullmatch(rf"∂(\w+)/∂(\w+) = (?:.* = )?{NUMBER}", line)
        if local and (local.group(1), local.group(2)) in LOCAL:
            assert close(local.group(3), LOCAL[local.group(1), local.group(2)]), line
            checked += 1
    assert checked == 5 + 5  # the forward pass (neth, outh, neto, outo, E) and the five local derivatives
    product = re.fullmatch(r"∂E/∂w1 = ((?:\(-?[\d.]+\))+) = (-?[\d.]+)", lines[-1])
    assert product, lines[-1]
    factors = [float(f) for f in re.findall(r"\((-?[\d.]+)\)", product.group(1))]
    path = [("E", "outo"), ("outo", "neto"), ("neto", "outh"), ("outh", "neth"), ("neth", "w1")]
    assert len(factors) == len(path) and all(close(f, LOCAL[edge]) for f, edge in zip(factors, path))
    assert close(product.group(2), GRADS["w1"])
    assert f"{abs(GRADS['w1']):.6f}" in html  # the MathML holds the same number


def test_the_forward_stepper_s_frames(executed: Executed) -> None:
    needs_dot()
    steps = steps_of(executed.data("forward")["text/html"])
    assert [step["counter"] for step in steps] == [
        "seeds (frame 1 of 4)",
        "forward step 1 of 3 (frame 2 of 4)",
        "forward step 2 of 3 (frame 3 of 4)",
        "forward step 3 of 3 (frame 4 of 4)",
    ]
    assert steps[1]["caption"] == "ẋ = 1 (the seed)"
    found = re.fullmatch(rf"ẏ = ṅ1 × ∂y/∂n1 = {NUMBER} × {NUMBER} = {NUMBER}", steps[-1]["caption"])
    assert found, steps[-1]["caption"]
    assert close(found.group(1), 2 * FORWARD_X)  # d(x·x)/dx
    assert close(found.group(2), FORWARD_COS)
    assert close(found.group(3), FORWARD_DYDX)


# ----------------------------------------------------------- in a browser


@dataclass
class Exported:
    lab: Path  # nbconvert's default ("lab") template: a whole page that asks CDNs for MathJax and RequireJS
    basic: Path  # the "basic" template (the cells only), wrapped in a page that adds nothing


@pytest.fixture(scope="module")
def exported(executed: Executed) -> Exported:
    exporters = pytest.importorskip(
        "nbconvert.exporters", reason="the export needs nbconvert (the test extra)"
    )
    lab, _ = exporters.HTMLExporter().from_notebook_node(executed.notebook)
    basic, _ = exporters.HTMLExporter(template_name="basic").from_notebook_node(executed.notebook)
    assert "cdn" in lab and "<script src=" not in basic and "<link" not in basic
    lab_path, basic_path = executed.folder / "lab.html", executed.folder / "basic.html"
    lab_path.write_text(lab, encoding="utf-8")
    basic_path.write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>notebook</title></head>\n'
        f"<body>\n{basic}\n</body></html>\n",
        encoding="utf-8",
    )
    return Exported(lab_path, basic_path)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    if not CHROMIUM.exists():
        pytest.skip(MISSING)
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@dataclass
class Opened:
    """An exported notebook open in Chromium, and everything it did that it should not."""

    page: Page
    url: str
    refused: list[str] = field(default_factory=list)
    console_errors: list[tuple[str, str]] = field(default_factory=list)  # (text, the URL it is about)
    page_errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        # nbconvert's lab template loads RequireJS and MathJax from cdnjs; refused,
        # each logs "Failed to load resource: net::ERR_FAILED" about its URL.
        # Only those are forgiven: any other error, ours above all, fails.
        ours = [
            (text, url)
            for text, url in self.console_errors
            if not (text.startswith("Failed to load resource") and url in self.refused)
        ]
        assert ours == []
        assert self.page_errors == []
        assert all(url.startswith("https://cdnjs.cloudflare.com/") for url in self.refused), self.refused

    def steppers(self) -> Locator:
        return self.page.locator(".sg-stepper")

    def at(self, index: int) -> tuple[str, str, str]:
        """Stepper ``index``'s caption, counter and slider value."""
        stepper = self.steppers().nth(index)
        return (
            str(stepper.locator("[data-role=caption]").text_content()),
            str(stepper.locator("[data-role=counter]").text_content()),
            stepper.locator("[data-role=slider]").input_value(),
        )


def open_offline(browser: Browser, path: Path) -> Iterator[Opened]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    opened = Opened(page, path.as_uri())

    def route(request_route: Route) -> None:
        url = request_route.request.url
        if url == opened.url or url.startswith("data:"):
            request_route.continue_()
        else:
            opened.refused.append(url)
            request_route.abort()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            opened.console_errors.append((message.text, str(message.location.get("url", ""))))

    def on_page_error(error: Error) -> None:
        opened.page_errors.append(str(error))

    page.route("**/*", route)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.goto(opened.url, wait_until="load")
    yield opened
    context.close()


@pytest.fixture
def lab(browser: Browser, exported: Exported) -> Iterator[Opened]:
    yield from open_offline(browser, exported.lab)


@pytest.fixture(scope="module")
def backward_steps(executed: Executed) -> list[dict[str, Any]]:
    needs_dot()
    return steps_of(executed.data("stepper")["text/html"])


@pytest.fixture(scope="module")
def forward_steps(executed: Executed) -> list[dict[str, Any]]:
    needs_dot()
    return steps_of(executed.data("forward")["text/html"])


def start(steps: list[dict[str, Any]], k: int = 0) -> tuple[str, str, str]:
    return steps[k]["caption"], steps[k]["counter"], str(k)


def test_the_maths_is_typeset_offline(lab: Opened) -> None:
    fractions = lab.page.evaluate(
        """() => {
        const explanation = document.querySelector('.scalargrad-explanation');
        const line = explanation.querySelector('mn').getBoundingClientRect().height;
        return [...explanation.querySelectorAll('mfrac')].map(f => {
            const [top, bottom] = [...f.children].map(c => c.getBoundingClientRect());
            return [f.getBoundingClientRect().height / line, top.bottom <= bottom.top];
        });
    }"""
    )
    assert len(fractions) >= 5
    for ratio, stacked in fractions:
        assert ratio > 1.5 and stacked  # two lines high, numerator over denominator: MathML, not MathJax
    assert any("mathjax" in url.lower() for url in lab.refused)  # the page did ask the CDN, and was refused
    assert lab.page.evaluate("typeof window.MathJax") == "undefined"
    lab.assert_clean()


def test_three_steppers_step_without_clashing(
    lab: Opened, backward_steps: list[dict[str, Any]], forward_steps: list[dict[str, Any]]
) -> None:
    steppers = lab.steppers()
    assert steppers.count() == 3
    assert lab.page.locator(".sg-stepper[data-ready]").count() == 3  # each set up, once
    assert [lab.at(i) for i in range(3)] == [
        start(backward_steps),
        start(backward_steps),
        start(forward_steps),
    ]
    first, second = steppers.nth(0), steppers.nth(1)

    second.locator("[data-role=next]").click()
    assert lab.at(1) == start(backward_steps, 1)
    assert lab.at(0) == start(backward_steps, 0)  # the first did not move
    first.locator("[data-role=next]").click()
    first.locator("[data-role=next]").click()
    assert lab.at(0) == start(backward_steps, 2)
    assert lab.at(1) == start(backward_steps, 1)

    second.locator("[data-role=last]").click()
    assert lab.at(1) == start(backward_steps, 8)
    assert (
        second.locator("[data-role=next]").is_disabled() and second.locator("[data-role=last]").is_disabled()
    )
    assert lab.at(0) == start(backward_steps, 2)
    second.locator("[data-role=first]").click()
    assert lab.at(1) == start(backward_steps, 0)
    assert second.locator("[data-role=prev]").is_disabled()
    first.locator("[data-role=prev]").click()
    assert lab.at(0) == start(backward_steps, 1)

    first.locator("[data-role=slider]").evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", "6"
    )
    assert lab.at(0) == start(backward_steps, 6)
    assert lab.at(1) == start(backward_steps, 0)
    assert lab.at(2) == start(forward_steps, 0)
    lab.assert_clean()


def test_keys_step_only_the_stepper_with_focus(
    lab: Opened, backward_steps: list[dict[str, Any]], forward_steps: list[dict[str, Any]]
) -> None:
    page, steppers = lab.page, lab.steppers()
    inside = "i => document.querySelectorAll('.sg-stepper')[i].contains(document.activeElement)"

    steppers.nth(0).locator("[data-role=frames]").click()  # into the first stepper's picture
    assert page.evaluate(inside, 0)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert lab.at(0) == start(backward_steps, 1)
    assert lab.at(1) == start(backward_steps, 0) and lab.at(2) == start(forward_steps, 0)
    page.keyboard.press("End")
    assert lab.at(0) == start(backward_steps, 8)
    page.keyboard.press("Home")
    assert lab.at(0) == start(backward_steps, 0)

    steppers.nth(2).locator("[data-role=frames]").click()
    page.keyboard.press("End")
    assert lab.at(2) == start(forward_steps, 3)
    assert lab.at(0) == start(backward_steps, 0) and lab.at(1) == start(backward_steps, 0)

    # Focus outside every stepper: in a notebook cell, then on the body. No stepper moves.
    page.locator(".jp-InputArea-editor").first.click()
    assert not any(page.evaluate(inside, i) for i in range(3))
    for key in ("ArrowRight", "ArrowLeft", "Home", "End"):
        page.keyboard.press(key)
    page.evaluate("document.activeElement.blur()")
    assert page.evaluate("document.activeElement === document.body")
    for key in ("ArrowRight", "ArrowRight", "End"):
        page.keyboard.press(key)
    assert [lab.at(i) for i in range(3)] == [
        start(backward_steps, 0),
        start(backward_steps, 0),
        start(forward_steps, 3),
    ]
    lab.assert_clean()


STATE = """root => {
    const nodes = [...root.querySelectorAll('[data-n]')].map(g => {
        const grad = g.querySelector('[data-r="grad"]');
        return { n: Number(g.getAttribute('data-n')), name: g.querySelector('text[font-weight="bold"]').textContent,
                 classes: [...g.classList], grad: grad && grad.textContent, value: grad && grad.getAttribute('data-v') };
    });
    const used = [...root.querySelectorAll('[data-e].sg-used')].map(g => Number(g.getAttribute('data-e')));
    return { nodes, used };
}"""


def check_state(stepper: Locator, steps: list[dict[str, Any]], k: int) -> dict[str, str]:
    """The picture of frame ``k``: known, current and used as the frames say; returns each node's shown gradient."""
    state = stepper.evaluate(STATE)
    nodes = {node["n"]: node for node in state["nodes"]}
    assert len(nodes) == len(VALUES) == len(steps) - 1
    known = {step["node"] for step in steps[1 : k + 1]}
    assert {n for n, node in nodes.items() if "sg-known" in node["classes"]} == known, k
    current = [n for n, node in nodes.items() if "sg-current" in node["classes"]]
    assert current == ([] if k == 0 else [steps[k]["node"]]), k
    assert {n for n, node in nodes.items() if "sg-used" in node["classes"]} == set(steps[k]["used"]), k
    assert sorted(state["used"]) == sorted(steps[k]["edges"]), k
    for n, node in nodes.items():
        assert node["grad"] == (node["value"] if n in known else "?"), (k, node)
    if k > 0:  # the node the step completes is the one its caption names
        name = nodes[steps[k]["node"]]["name"]
        assert steps[k]["caption"].startswith(f"∂E/∂{name} = ")
    return {node["name"]: node["grad"] for node in nodes.values()}


def test_the_picture_follows_the_frames(lab: Opened, backward_steps: list[dict[str, Any]]) -> None:
    stepper = lab.steppers().nth(0)
    last = len(backward_steps) - 1
    shown = check_state(stepper, backward_steps, 0)
    assert set(shown) == set(VALUES) and set(shown.values()) == {"?"}
    for k in range(1, last + 1):
        stepper.locator("[data-role=next]").click()
        assert lab.at(0) == start(backward_steps, k)
        shown = check_state(stepper, backward_steps, k)
    # at the last frame every gradient shows, and they are the chain rule's
    assert all(close(shown[name], GRADS[name]) for name in VALUES), shown
    assert shown["w1"] == "-0.001033" and shown["w2"] == "-0.042387"
    for k in range(last - 1, -1, -1):  # and back: each step forgets what it computed
        stepper.locator("[data-role=prev]").click()
        check_state(stepper, backward_steps, k)
    stepper.locator("[data-role=last]").click()
    check_state(stepper, backward_steps, last)
    stepper.locator("[data-role=first]").click()
    check_state(stepper, backward_steps, 0)

    stepper.locator("[data-role=slider]").evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", "4"
    )
    check_state(stepper, backward_steps, 4)  # w2's step: ∂E/∂w2 = ∂E/∂neto × outh
    stepper.scroll_into_view_if_needed()
    stepper.screenshot(path=str(SCREENSHOT))
    png = SCREENSHOT.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 400 and height > 300
    # the current node is filled and in sight, inside the picture's box
    box = stepper.locator("[data-role=frames]").bounding_box()
    node = stepper.locator(".sg-current").bounding_box()
    assert box is not None and node is not None
    assert box["x"] <= node["x"] and node["x"] + node["width"] <= box["x"] + box["width"]
    assert box["y"] <= node["y"] and node["y"] + node["height"] <= box["y"] + box["height"]
    fill = stepper.locator('.sg-current [data-r="fill"]').evaluate("e => getComputedStyle(e).fill")
    other = stepper.locator('[data-n]:not(.sg-current) [data-r="fill"]').first.evaluate(
        "e => getComputedStyle(e).fill"
    )
    assert fill != other
    lab.assert_clean()


def test_the_forward_stepper_counts_seeds_then_forward_steps(
    lab: Opened, forward_steps: list[dict[str, Any]]
) -> None:
    stepper = lab.steppers().nth(2)
    assert lab.at(2)[1] == "seeds (frame 1 of 4)"
    stepper.locator("[data-role=next]").click()
    assert lab.at(2)[1] == "forward step 1 of 3 (frame 2 of 4)"
    assert lab.at(2) == start(forward_steps, 1)
    stepper.locator("[data-role=last]").click()
    caption, counter, _ = lab.at(2)
    assert counter == "forward step 3 of 3 (frame 4 of 4)"
    assert close(caption.rsplit(" = ", 1)[1], FORWARD_DYDX)
    # the tangent shown in the picture for y
    shown = stepper.evaluate(STATE)["nodes"]
    (y,) = [node for node in shown if node["name"] == "y"]
    assert "sg-current" in y["classes"] and close(y["grad"], FORWARD_DYDX)
    lab.assert_clean()


def test_the_basic_export_loads_nothing(browser: Browser, exported: Exported) -> None:
    # Not a request refused: none made. Only our outputs are on the page, so this
    # is what the steppers, the frame and the maths load by themselves.
    needs_dot()
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    url = exported.basic.as_uri()
    page.goto(url, wait_until="load")
    page.wait_for_timeout(200)  # anything a script would fetch after the load
    assert page.locator(".sg-stepper[data-ready]").count() == 3
    page.locator(".sg-stepper").nth(1).locator("[data-role=next]").click()
    assert page.locator(".sg-stepper").nth(1).locator(".sg-current").count() == 1
    assert requests == [url]
    assert errors == []
    context.close()
