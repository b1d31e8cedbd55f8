"""The stepper page in a real browser: Debian's Chromium, driven by Playwright.

The page is written to disk and opened from file://, as a reader would open
it. Every test runs twice: on frames drawn by graphviz's ``dot`` (skipped when
``dot`` is missing) and on small SVGs written by hand (needs no ``dot``).

Skipped when the playwright package or /usr/bin/chromium is missing (run.sh
test installs Debian's chromium package). Playwright never downloads a browser
here: it is pointed at the system's Chromium with ``executable_path``.
"""

from __future__ import annotations

import shutil
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from chromium import CHROMIUM, MISSING, launch

from scalargrad.viz.widget import stepper_html

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Request


sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the browser tests need the playwright package (pip install playwright)"
)
if not CHROMIUM.exists():
    pytest.skip(
        MISSING,
        allow_module_level=True,
    )


TRICKY = "</script><b>x</b> & ∂"
CAPTIONS = [
    "forward pass: c = a × b, L = σ(c)",
    "∂L/∂L = 1",
    TRICKY,
    "∂L/∂a = ∂L/∂c × b < 0",
    "∂L/∂b = ∂L/∂c × a\n(a wide graph, scaled down to the page)",
]
WIDE_FRAME = 4  # a graph far wider than the 900 px viewport


def _dot_svgs() -> list[str]:
    """Five frames from graphviz: the same small graph, grads filled in one by one.

    graphviz writes the same ids (graph0, node1, ...) into every file, which is
    what the page must cope with.
    """
    graphviz = pytest.importorskip("graphviz")
    if shutil.which("dot") is None:
        pytest.skip("graphviz's dot program is not on PATH")
    data = {"a": 2.0, "b": -3.0, "c": -6.0, "L": 0.0025}
    backward_order = ["L", "c", "a", "b"]
    svgs = []
    for step in range(WIDE_FRAME):
        done = backward_order[:step]
        graph = graphviz.Digraph(graph_attr={"rankdir": "LR"}, node_attr={"shape": "record"})
        for name, value in data.items():
            graph.node(name, f"{name} | data {value} | grad {'known' if name in done else '?'}")
        graph.edges(["ac", "bc", "cL"])
        svgs.append(graph.pipe(format="svg", encoding="utf-8"))
    wide = graphviz.Digraph(graph_attr={"rankdir": "LR"})
    for k in range(24):
        wide.edge(f"n{k}", f"n{k + 1}")
    svgs.append(wide.pipe(format="svg", encoding="utf-8"))
    return svgs


def _handmade_svgs() -> list[str]:
    """Five SVGs shaped like graphviz's output (prolog, DOCTYPE, reused ids)."""
    svgs = []
    for step in range(len(CAPTIONS)):
        width = 3000 if step == WIDE_FRAME else 160
        svgs.append(
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n'
            ' "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
            f'<svg width="{width}pt" height="60pt" viewBox="0 0 {width} 60"'
            ' xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n'
            '<g id="graph0" class="graph">\n'
            f'<rect id="node1" x="4" y="4" width="{width - 8}" height="52" fill="#eef" stroke="black"/>\n'
            f'<text x="12" y="36" font-size="20">step {step}: a &lt; b &amp; ∂</text>\n'
            "</g>\n</svg>\n"
        )
    return svgs


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module", params=["dot", "handmade"])
def page_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    svgs = _dot_svgs() if request.param == "dot" else _handmade_svgs()
    path = tmp_path_factory.mktemp(f"stepper-{request.param}") / "stepper.html"
    path.write_text(stepper_html(list(zip(svgs, CAPTIONS))), encoding="utf-8")
    return path.as_uri()


@dataclass
class Loaded:
    """An open page and everything it did that a self-contained page must not."""

    page: Page
    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.page_errors == []
        foreign = [u for u in self.requests if u != self.url and not u.startswith("data:")]
        assert foreign == [], "the page asked for something outside itself"

    # Shorthands for what the tests read and do.
    def text(self, selector: str) -> str:
        return str(self.page.locator(selector).text_content())

    def visible_frames(self) -> list[int]:
        shown = self.page.eval_on_selector_all(
            "[data-frame]",
            "els => els.filter(e => e.offsetParent !== null).map(e => Number(e.dataset.frame))",
        )
        return list(shown)

    def assert_at(self, index: int) -> None:
        assert self.visible_frames() == [index]
        assert self.text("[data-role=caption]") == CAPTIONS[index]
        assert self.text("[data-role=counter]").endswith(f"(frame {index + 1} of {len(CAPTIONS)})")
        assert self.page.locator("[data-role=slider]").input_value() == str(index)


@pytest.fixture
def loaded(browser: Browser, page_url: str) -> Iterator[Loaded]:
    context = browser.new_context(viewport={"width": 900, "height": 800})
    page = context.new_page()
    state = Loaded(page, page_url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            state.console_errors.append(message.text)

    def on_page_error(error: Error) -> None:
        state.page_errors.append(str(error))

    def on_request(request: Request) -> None:
        state.requests.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("request", on_request)
    page.goto(page_url, wait_until="load")
    yield state
    context.close()


def test_loads_clean_on_frame_zero(loaded: Loaded) -> None:
    page = loaded.page
    loaded.assert_at(0)
    assert loaded.text("[data-role=counter]") == "forward pass (frame 1 of 5)"
    # every frame decoded as an image (a broken data: URL has naturalWidth 0)
    widths = page.eval_on_selector_all("[data-frame]", "els => els.map(e => e.complete && e.naturalWidth)")
    assert len(widths) == len(CAPTIONS) and all(w > 0 for w in widths)
    for button in ("[data-role=first]", "[data-role=prev]"):
        assert page.locator(button).is_disabled()
    for button in ("[data-role=next]", "[data-role=last]"):
        assert page.locator(button).is_enabled()
    loaded.assert_clean()


def test_buttons_and_keys_step_through_frames(loaded: Loaded) -> None:
    page = loaded.page
    page.click("[data-role=next]")
    loaded.assert_at(1)
    assert loaded.text("[data-role=counter]") == "backward step 1 of 4 (frame 2 of 5)"
    page.keyboard.press("ArrowRight")
    loaded.assert_at(2)
    page.keyboard.press("ArrowLeft")
    loaded.assert_at(1)
    page.keyboard.press("End")
    loaded.assert_at(4)
    assert page.locator("[data-role=next]").is_disabled() and page.locator("[data-role=last]").is_disabled()
    assert page.locator("[data-role=prev]").is_enabled()
    page.keyboard.press("ArrowRight")  # already at the end: stays
    loaded.assert_at(4)
    page.keyboard.press("Home")
    loaded.assert_at(0)
    assert page.locator("[data-role=prev]").is_disabled()
    page.click("[data-role=last]")
    loaded.assert_at(4)
    page.click("[data-role=prev]")
    loaded.assert_at(3)
    page.click("[data-role=first]")
    loaded.assert_at(0)
    loaded.assert_clean()


def test_slider_moves_to_a_frame(loaded: Loaded) -> None:
    page = loaded.page
    page.locator("[data-role=slider]").evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", "3"
    )
    loaded.assert_at(3)
    # with the slider focused, its own arrow-key handling moves one frame, not two
    page.focus("[data-role=slider]")
    page.keyboard.press("ArrowRight")
    loaded.assert_at(4)
    page.keyboard.press("ArrowLeft")
    loaded.assert_at(3)
    loaded.assert_clean()


def test_caption_is_shown_literally(loaded: Loaded) -> None:
    page = loaded.page
    page.click("[data-role=next]")
    page.click("[data-role=next]")
    loaded.assert_at(2)
    assert loaded.text("[data-role=caption]") == TRICKY
    assert page.locator("b").count() == 0  # the caption's <b> was never parsed as HTML
    loaded.assert_clean()


def test_wide_frame_fits_the_page_and_screenshot(loaded: Loaded, tmp_path: Path) -> None:
    page = loaded.page
    page.keyboard.press("End")
    loaded.assert_at(WIDE_FRAME)
    box = page.locator(f'[data-frame="{WIDE_FRAME}"]').bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 900
    # no horizontal scrolling at 900 px
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    page.keyboard.press("Home")
    shot = tmp_path / "stepper.png"
    page.screenshot(path=str(shot), full_page=True)
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk comes first
    assert width == 900 and height > 100
    loaded.assert_clean()


def test_the_walkthrough_page_steps_through_the_chain_rule(browser: Browser, tmp_path: Path) -> None:
    # The page scalargrad itself writes for the worked example, frames drawn by dot.
    if shutil.which("dot") is None:
        pytest.skip("graphviz's dot program is not on PATH")
    from scalargrad.cli.walkthrough import build
    from scalargrad.viz.frames import step_frames
    from scalargrad.viz.writers import write_stepper

    frames = step_frames(build(), rankdir="LR", collapse=True)
    url = write_stepper(frames, tmp_path / "walkthrough.html").as_uri()
    context = browser.new_context(viewport={"width": 900, "height": 800})
    page = context.new_page()
    state = Loaded(page, url)
    page.on("console", lambda m: state.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: state.page_errors.append(str(e)))
    page.on("request", lambda r: state.requests.append(r.url))
    page.goto(url, wait_until="load")
    assert state.text("[data-role=caption]") == frames[0].caption
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert (
        state.text("[data-role=caption]")
        == "∂E/∂neto = ∂E/∂outo × ∂outo/∂neto = -0.336286 × 0.245941 = -0.082706"
    )
    page.click("[data-role=next]")
    assert state.text("[data-role=caption]") == frames[4].caption
    state.assert_clean()
    context.close()


def test_a_frame_fits_a_projector_screen_below_the_controls(browser: Browser, tmp_path: Path) -> None:
    # At 1366x768 (a common projector), the whole frame, so its current node, is on
    # screen together with the buttons and the caption, in every frame, unscrolled.
    if shutil.which("dot") is None:
        pytest.skip("graphviz's dot program is not on PATH")
    from scalargrad.cli.walkthrough import build, write_pictures
    from scalargrad.viz.frames import step_frames

    (page_path,) = write_pictures(tmp_path / "walkthrough", ["html"])
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(page_path.as_uri(), wait_until="load")
    count = len(step_frames(build(), collapse=True))
    for k in range(count):
        assert page.evaluate("window.scrollY") == 0
        controls = page.locator(".sg-controls").bounding_box()
        caption = page.locator("[data-role=caption]").bounding_box()
        frame = page.locator("[data-role=frames] svg").bounding_box()
        assert controls is not None and caption is not None and frame is not None
        assert controls["y"] >= 0 and caption["y"] + caption["height"] <= frame["y"]
        assert frame["y"] + frame["height"] <= 768, f"frame {k} runs off the screen"
        assert frame["x"] >= 0 and frame["x"] + frame["width"] <= 1366
        counter = page.locator("[data-role=counter]").inner_text()
        assert f"frame {k + 1} of {count}" in counter
        if k == 4:
            page.screenshot(path=str(tmp_path / "projector.png"))
        if k < count - 1:
            page.click("[data-role=next]")
    context.close()


def test_a_thousand_node_graph_steps_on_one_picture(browser: Browser, tmp_path: Path) -> None:
    # The graph is laid out once; each step restyles it. Jumping anywhere leaves
    # exactly the gradients of the steps so far shown, and the current node in view.
    if shutil.which("dot") is None:
        pytest.skip("graphviz's dot program is not on PATH")
    import random

    import scalargrad as sg
    from scalargrad.viz.frames import stepper

    rng = random.Random(0)
    nodes = [sg.Value(rng.uniform(-1, 1)) for _ in range(20)]
    while len(nodes) < 1000:
        a, b = rng.sample(nodes[-40:], 2)
        nodes.append((a * b).tanh() if rng.random() < 0.3 else a + b if rng.random() < 0.5 else a * b)
    shown = stepper(nodes[-1])
    count = len(shown.frames)
    assert count > 1000
    url = shown.save(tmp_path / "big.html").as_uri()
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, wait_until="load")
    assert page.locator("svg").count() == 1
    # too big to read fitted to the box: shown at its size
    assert page.locator("[data-role=zoom]").get_attribute("aria-pressed") == "true"

    def jump(k: int) -> None:
        page.locator("[data-role=slider]").evaluate(
            "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", str(k)
        )

    for k in (count - 1, 0, 500, 501, 37):
        jump(k)
        known = page.eval_on_selector_all("[data-n].sg-known", "els => els.length")
        questions = page.eval_on_selector_all(
            "[data-r=grad]", "els => els.filter(e => e.textContent === '?').length"
        )
        assert known == k and questions == count - 1 - k, k
        if k:
            current = page.locator("[data-n].sg-current")
            assert current.count() == 1
            inside = page.evaluate(
                """() => { const box = document.querySelector('[data-role=frames]').getBoundingClientRect();
                           const n = document.querySelector('[data-n].sg-current').getBoundingClientRect();
                           return n.left >= box.left && n.right <= box.right
                               && n.top >= box.top && n.bottom <= box.bottom; }"""
            )
            assert inside, f"frame {k}: the current node is out of view"
    page.keyboard.press("ArrowRight")
    assert page.eval_on_selector_all("[data-n].sg-known", "els => els.length") == 38
    assert errors == []
    context.close()
