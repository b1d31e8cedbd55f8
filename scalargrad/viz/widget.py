"""The stepper: buttons, a slider and arrow keys that step through a sweep, as HTML.

One widget, shown two ways: inside a notebook (``inline=True``, what
``sg.stepper`` displays in Jupyter) and as a self-contained page
(``inline=False``, what ``write_stepper`` writes). It shows frames in one of
two forms:

* a storyboard (:func:`storyboard_html`): the graph laid out once, as one
  inline SVG, and for each frame only what changes (the node the step
  completes, the edges and gradients it used); the script restyles that one
  picture, so stepping costs what a step changes and a page of a
  1,000-node graph holds one picture, not a thousand;
* pictures (:func:`stepper_html`): any ``(svg_text, caption)`` pairs, each an
  ``<img>`` of its own (why: see :func:`_frame_img`).

Either way, nothing outside the HTML is ever loaded: no scripts, styles or
fonts from a CDN, no web fonts (the system font stack); the page has a
Content-Security-Policy that lets the browser load nothing but its own inline
script and style (pinned by hash) and ``data:`` images, so it works offline
and from file://. Captions travel to the script as a JSON data block, escaped
so that no caption can end the ``<script>`` element early, and the script
only ever assigns ``textContent``. Several widgets live on one page (a
notebook with many steppers): the script sets up every widget not yet set up,
and nothing in a widget has an ``id``. A page is a pure function of its input
(no dates, no random ids), so the same frames give a byte-identical page.

>>> svg = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="8pt" height="8pt"/>'
>>> page = stepper_html([(svg, "forward pass"), (svg, "dE/dE = 1")])
>>> page.startswith("<!DOCTYPE html>"), page.count("data-frame="), "http://" in page
(True, 2, False)
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from scalargrad.viz.palette import (
    CURRENT_FILL,
    CURRENT_LINE,
    CURRENT_TEXT,
    INK,
    LEAF_FILL,
    MARK_GRAD_CELL,
    MARK_GRAD_TEXT,
    MARK_LEAF_FILL,
    MARK_LINE,
    MARK_NODE_FILL,
    MUTED,
    NODE_FILL,
    USED_FILL,
)

__all__ = ["Step", "restylable_svg", "stepper_html", "storyboard_html"]

DEFAULT_TITLE = "scalargrad: backward, step by step"
# What frame 0 is called, and what each frame after it is, in the counter.
BACKWARD_WORDS = ("forward pass", "backward step")

# The system font stack: no web fonts, so nothing to download and no flash of
# unstyled text; every platform has one of these. Everything is scoped to the
# widget, so a notebook's own styles and the widget's leave each other alone.
_CSS = f"""\
.sg-stepper {{
  color: #1f2328; background: #fff; line-height: 1.45; text-align: left;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
    "Noto Sans", "Liberation Sans", "DejaVu Sans", Arial, sans-serif;
}}
.sg-stepper p {{ margin: 0; }}
.sg-stepper .sg-title {{ font-size: 1.2rem; font-weight: 600; margin: 0 0 .4rem; }}
.sg-stepper .sg-controls {{ display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; }}
.sg-stepper button {{
  font: inherit; color: inherit; padding: .3rem .8rem; cursor: pointer; margin: 0;
  border: 1px solid #8c959f; border-radius: 6px; background: #f6f8fa;
}}
.sg-stepper button:hover:enabled {{ background: #eaeef2; }}
.sg-stepper button:disabled {{ opacity: .45; cursor: default; }}
.sg-stepper button:focus-visible, .sg-stepper input:focus-visible, .sg-stepper .sg-frames:focus-visible {{
  outline: 2px solid #0969da; outline-offset: 2px;
}}
.sg-stepper input[type="range"] {{ flex: 1 1 12rem; min-width: 8rem; }}
.sg-stepper .sg-counter {{ margin: .4rem 0 .1rem; color: #57606a; font-variant-numeric: tabular-nums; }}
.sg-stepper .sg-caption {{ margin: 0 0 .4rem; font-size: 1.1rem; white-space: pre-line; min-height: 1.6em; }}
/* The whole picture fits below the controls and the caption (a 1366x768
   projector included), so the current node never scrolls away from them; a
   picture too big to read that small is shown at its size, and scrolls. */
.sg-stepper .sg-frames {{
  border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem; overflow: auto;
  max-height: calc(100vh - 12rem);
}}
.sg-stepper .sg-frames img, .sg-stepper .sg-frames svg {{
  display: block; max-width: 100%; height: auto; margin: 0 auto;
  max-height: calc(100vh - 14rem); object-fit: contain;
}}
.sg-stepper .sg-frames.sg-actual svg {{ max-width: none; max-height: none; }}
.sg-stepper .sg-frames img[hidden] {{ display: none; }}
.sg-stepper .sg-hint {{ color: #57606a; font-size: .9rem; margin-top: .3rem; }}
.sg-stepper kbd {{
  font: .85em ui-monospace, "DejaVu Sans Mono", monospace; padding: 0 .3em;
  border: 1px solid #d0d7de; border-radius: 4px; background: #f6f8fa;
}}
.sg-stepper [data-n].sg-current [data-r="fill"] {{ fill: {CURRENT_FILL}; }}
.sg-stepper [data-n].sg-current [data-r="line"] {{ stroke: {CURRENT_LINE}; }}
.sg-stepper [data-n].sg-used [data-r="cell"] {{ fill: {USED_FILL}; }}
.sg-stepper [data-n].sg-known [data-r="grad"] {{ fill: {INK}; }}
.sg-stepper [data-e].sg-used path {{ stroke: {CURRENT_LINE}; stroke-width: 2.2; }}
.sg-stepper [data-e].sg-used polygon {{ stroke: {CURRENT_LINE}; fill: {CURRENT_LINE}; stroke-width: 2.2; }}
.sg-stepper [data-e].sg-used text {{ fill: {CURRENT_TEXT}; }}
"""

# The page around a widget: only on the page, never in a notebook.
_PAGE_CSS = """\
:root { color-scheme: light; }
body { margin: 0; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: .5rem 1.25rem 1rem; }
"""

# Without JavaScript the page cannot step, so it shows every picture in order
# (and hides the controls and the one caption that would no longer match).
_NOSCRIPT_CSS = ".sg-frames img[hidden] { display: block; margin-bottom: 1rem; } .sg-controls, .sg-status { display: none; }"

# The script sets up every widget on the page not set up yet, so the same
# script may run once per widget (as in a notebook) or once for the page.
_JS = """\
(function () {
  "use strict";
  function setUp(root) {
    root.setAttribute("data-ready", "");
    function part(role) { return root.querySelector('[data-role="' + role + '"]'); }
    var steps = JSON.parse(part("data").textContent);
    var slider = part("slider"), caption = part("caption"), counter = part("counter");
    var first = part("first"), prev = part("prev"), next = part("next"), last = part("last");
    var box = part("frames"), zoom = part("zoom");
    var images = box.querySelectorAll("img[data-frame]");
    var svg = images.length ? null : box.querySelector("svg");
    var lastIndex = steps.length - 1;
    var current = 0;
    var nodes = [], edges = [], grads = [];
    var k, found;
    if (svg) {
      found = svg.querySelectorAll("[data-n]");
      for (k = 0; k < found.length; k++) {
        var n = Number(found[k].getAttribute("data-n"));
        nodes[n] = found[k];
        grads[n] = found[k].querySelector('[data-r="grad"]');
      }
      found = svg.querySelectorAll("[data-e]");
      for (k = 0; k < found.length; k++) {
        edges[Number(found[k].getAttribute("data-e"))] = found[k];
      }
    }

    function mark(elements, indices, name, on) {
      for (var i = 0; i < indices.length; i++) {
        var element = elements[indices[i]];
        if (element) { element.classList.toggle(name, on); }
      }
    }
    // Frame i's emphasis: the node its step completes, the edges and gradients it used.
    function emphasise(i, on) {
      var step = steps[i];
      if (step.node === null || step.node === undefined) { return; }
      mark(nodes, [step.node], "sg-current", on);
      mark(edges, step.edges, "sg-used", on);
      mark(nodes, step.used, "sg-used", on);
    }
    // The gradient (or tangent) step i computes: shown from frame i on, "?" before.
    function know(i, on) {
      var node = steps[i].node, grad = grads[node];
      if (nodes[node]) { nodes[node].classList.toggle("sg-known", on); }
      if (grad) { grad.textContent = on ? grad.getAttribute("data-v") : "?"; }
    }
    // Only what changes between the two frames is touched.
    function restyle(from, to) {
      emphasise(from, false);
      for (var i = from + 1; i <= to; i++) { know(i, true); }
      for (i = from; i > to; i--) { know(i, false); }
      emphasise(to, true);
    }
    // When the current node is out of sight, scroll the picture (never the page
    // around it) to bring it to the middle.
    function reveal() {
      var node = steps[current].node;
      if (!svg || node === null || node === undefined || !nodes[node]) { return; }
      var outer = box.getBoundingClientRect(), inner = nodes[node].getBoundingClientRect();
      if (inner.left < outer.left || inner.right > outer.right) {
        box.scrollLeft += (inner.left + inner.right) / 2 - (outer.left + outer.right) / 2;
      }
      if (inner.top < outer.top || inner.bottom > outer.bottom) {
        box.scrollTop += (inner.top + inner.bottom) / 2 - (outer.top + outer.bottom) / 2;
      }
    }
    function show(index) {
      var i = Math.max(0, Math.min(lastIndex, Math.round(Number(index)) || 0));
      var focused = document.activeElement;
      if (svg) {
        restyle(current, i);
      } else {
        for (var j = 0; j <= lastIndex; j++) { images[j].hidden = j !== i; }
      }
      current = i;
      caption.textContent = steps[i].caption;
      counter.textContent = steps[i].counter;
      slider.value = String(i);
      slider.setAttribute("aria-valuetext", steps[i].counter);
      first.disabled = prev.disabled = i === 0;
      next.disabled = last.disabled = i === lastIndex;
      // A button that just became disabled drops keyboard focus to the body;
      // hand it to the slider so the keyboard user keeps their place.
      if (focused && focused.disabled) { slider.focus(); }
      reveal();
    }
    function setZoom(actual) {
      box.classList.toggle("sg-actual", actual);
      zoom.setAttribute("aria-pressed", actual ? "true" : "false");
      zoom.textContent = actual ? "Fit" : "Actual size";
      reveal();
    }

    first.addEventListener("click", function () { show(0); });
    prev.addEventListener("click", function () { show(current - 1); });
    next.addEventListener("click", function () { show(current + 1); });
    last.addEventListener("click", function () { show(lastIndex); });
    slider.addEventListener("input", function () { show(slider.value); });
    if (zoom) {
      zoom.addEventListener("click", function () { setZoom(!box.classList.contains("sg-actual")); });
    }
    // A page steps on keys pressed anywhere; a widget in a notebook only on keys
    // pressed inside it, so the notebook keeps its own keys.
    var keys = root.hasAttribute("data-page") ? document : root;
    keys.addEventListener("keydown", function (event) {
      // Leave browser shortcuts (Alt+ArrowLeft is "back") and the slider's own
      // key handling alone: the slider moves itself and fires "input".
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey ||
          event.shiftKey || event.target === slider) {
        return;
      }
      var target;
      switch (event.key) {
        case "ArrowLeft": target = current - 1; break;
        case "ArrowRight": target = current + 1; break;
        case "Home": target = 0; break;
        case "End": target = lastIndex; break;
        default: return;
      }
      event.preventDefault();
      event.stopPropagation();
      show(target);
    });

    show(0);
    // A picture too big to read when fitted to the box is shown at its size.
    if (zoom && svg) {
      var natural = svg.width.baseVal.value;
      setZoom(natural > 0 && box.clientWidth / natural < 0.5);
    }
  }
  var roots = document.querySelectorAll(".sg-stepper:not([data-ready])");
  for (var r = 0; r < roots.length; r++) { setUp(roots[r]); }
})();
"""


def _csp_hash(text: str) -> str:
    """The CSP source expression that allows exactly this inline script or style."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


# The inline script and styles are constants, so the policy is too. The JSON
# block is data, not script, so it needs no hash. The policy goes into a
# double-quoted attribute as is: it holds only keywords in single quotes and
# base64 hashes, nothing that needs escaping.
_CSP = "; ".join(
    [
        "default-src 'none'",
        "img-src data:",
        f"style-src {_csp_hash(_PAGE_CSS)} {_csp_hash(_CSS)} {_csp_hash(_NOSCRIPT_CSS)}",
        f"script-src {_csp_hash(_JS)}",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)


@dataclass(frozen=True)
class Step:
    """One frame of a storyboard, as plain data: its caption and what it emphasises.

    ``node`` is the drawn node (by position) whose gradient the step
    completes (``None`` in frame 0, before the sweep), ``edges`` the edges
    (by number) the step used and ``used`` the nodes whose gradients it read.

    >>> Step("∂y/∂y = 1", node=2)
    Step(caption='∂y/∂y = 1', node=2, edges=(), used=())
    """

    caption: str
    node: int | None = None
    edges: tuple[int, ...] = ()
    used: tuple[int, ...] = ()


def _counter_text(index: int, count: int, words: tuple[str, str] = BACKWARD_WORDS) -> str:
    """The counter for frame ``index`` of ``count``: frame 0 is ``words[0]``, then ``words[1]`` k.

    >>> _counter_text(0, 13), _counter_text(3, 13)
    ('forward pass (frame 1 of 13)', 'backward step 3 of 12 (frame 4 of 13)')
    """
    if index == 0:
        return f"{words[0]} (frame 1 of {count})"
    return f"{words[1]} {index} of {count - 1} (frame {index + 1} of {count})"


def _svg_element(svg_text: str, index: int) -> str:
    """``svg_text`` from its ``<svg`` start tag on; ValueError if it has none.

    What comes before the element is dropped: graphviz's XML declaration (it
    names an encoding, and the page re-encodes the text as UTF-8, which is what
    an SVG without a declaration is read as), its DOCTYPE (an external DTD that
    nothing fetches; dropping it leaves no URL but the namespaces) and its
    "Generated by graphviz" comments. (An SVG whose DOCTYPE declared its own
    entities would lose them; graphviz never writes one.)

    >>> _svg_element('<?xml version="1.0"?>\\n<!-- g -->\\n<svg width="1pt"/>', 0)
    '<svg width="1pt"/>'
    """
    start = 0
    while True:
        start = svg_text.find("<svg", start)
        if start < 0:
            raise ValueError(f"frame {index}: the SVG text has no <svg> element")
        after = svg_text[start + 4 : start + 5]
        if after in (">", "/") or after.isspace():  # not <svgfoo
            return svg_text[start:]
        start += 4


# graphviz's SVG, as the restyling reads it (2.42 and later write it this way).
_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)
_TITLE = re.compile(r"<title>.*?</title>\s*", re.S)
_ID = re.compile(r' id="([^"]*)"')
_NODE_GROUP = re.compile(r'<g data-n="(\d+)"[^>]*>.*?</g>', re.S)
_POINTS = re.compile(r'points="([^"]*)"')
_GRAD_TEXT = re.compile(
    r'<text text-anchor="[a-z]+" x="[^"]*"([^>]*) fill="' + MARK_GRAD_TEXT + r'"([^>]*)>(.*?)</text>', re.S
)
_FILLS = {MARK_LEAF_FILL: LEAF_FILL, MARK_NODE_FILL: NODE_FILL}
_MARKS = (MARK_LEAF_FILL, MARK_NODE_FILL, MARK_LINE, MARK_GRAD_TEXT, MARK_GRAD_CELL)
# A gradient ends this far inside its cell's right edge (the cell's padding),
# or inside its table's (the table's border too), as drawing.py draws them.
_CELL_PADDING, _TABLE_INSET = 3.0, 4.0


def restylable_svg(svg_text: str) -> str:
    """graphviz's SVG of a marked picture (``_Sheet.draw(look, marked=True)``), ready to restyle.

    Node groups get ``data-n``, edge groups ``data-e`` (graphviz's ids go: no
    two widgets on a page may share one); within a node, the MARK colours
    become the palette's, tagged ``data-r`` = ``fill``, ``line``, ``cell`` or
    ``grad``. A gradient reads ``?`` (frame 0's state), its number kept in
    ``data-v``, right-aligned at its cell's edge so ``?`` sits where the
    number will. Tooltips (graphviz's ``<title>``) and comments go. Raises
    ValueError if a MARK colour is left over (graphviz wrote something this
    does not read), so a caller can fall back to one picture per frame.

    >>> svg = ('<svg><g id="graph0"><g id="n0" class="node">'
    ...        '<polygon fill="#000001" stroke="transparent" points="0,0 0,-40 90,-40 90,0 0,0"/>'
    ...        '<text text-anchor="start" x="50" y="-4" fill="#000004">&#45;0.5</text>'
    ...        '</g></g></svg>')
    >>> print(restylable_svg(svg))
    <svg><g><g data-n="0" class="node"><polygon fill="#e7f0fa" data-r="fill" stroke="transparent" points="0,0 0,-40 90,-40 90,0 0,0"/><text text-anchor="end" x="86" y="-4" fill="#495057" data-r="grad" data-v="-0.5">?</text></g></g></svg>
    """
    svg = _COMMENT.sub("", _svg_element(svg_text, 0))
    svg = _TITLE.sub("", svg)

    def renamed(match: re.Match[str]) -> str:
        name = match.group(1)
        if re.fullmatch(r"n\d+", name):
            return f' data-n="{name[1:]}"'
        if re.fullmatch(r"e\d+", name):
            return f' data-e="{name[1:]}"'
        return ""

    svg = _ID.sub(renamed, svg)
    svg = _NODE_GROUP.sub(lambda match: _restyled_node(match.group(0)), svg)
    left = [mark for mark in _MARKS if mark in svg]
    if left:
        raise ValueError(f"graphviz's SVG has marks the stepper does not know where to put: {left}")
    return svg


def _right_edge(group: str, fill: str, inset: float) -> float | None:
    """Where right-aligned text ends in the polygon filled ``fill``: its right edge less ``inset``."""
    found = re.search(r'<polygon fill="' + fill + r'"[^>]*>', group)
    points = _POINTS.search(found.group(0)) if found else None
    if points is None:
        return None
    return max(float(point.split(",")[0]) for point in points.group(1).split()) - inset


def _restyled_node(group: str) -> str:
    """One node's ``<g>``: its MARK colours replaced and tagged (see :func:`restylable_svg`)."""
    right = _right_edge(group, MARK_GRAD_CELL, _CELL_PADDING)
    for mark, fill in _FILLS.items():
        if right is None:
            right = _right_edge(group, mark, _TABLE_INSET)
        group = group.replace(f'fill="{mark}"', f'fill="{fill}" data-r="fill"')
    group = group.replace(f'stroke="{MARK_LINE}"', f'stroke="{INK}" data-r="line"')
    group = group.replace(f'fill="{MARK_GRAD_CELL}"', 'fill="none" data-r="cell"')

    def grad(match: re.Match[str]) -> str:
        if right is None:
            return match.group(0)  # left marked: restylable_svg refuses the picture
        value = html.unescape(match.group(3))
        return (
            f'<text text-anchor="end" x="{right:g}"{match.group(1)} fill="{MUTED}"'
            f'{match.group(2)} data-r="grad" data-v="{html.escape(value, quote=True)}">?</text>'
        )

    return _GRAD_TEXT.sub(grad, group)


def _frame_img(index: int, svg: str, count: int, words: tuple[str, str]) -> str:
    """One frame as ``<img data-frame=i src="data:image/svg+xml;base64,...">``.

    Why an image and not inline SVG: graphviz gives the same ids ("graph0",
    "node1", "edge1", ...) in every file it writes, and inline SVGs share the
    page's id namespace, so a dozen frames would collide (``url(#...)``
    references and ``getElementById`` would pick the wrong frame). An ``<img>``
    holds its own document, so ids cannot clash and nothing needs rewriting;
    an SVG shown as an image also runs no scripts and loads nothing. base64
    rather than percent-encoding keeps the attribute free of quotes, ``<`` and
    ``&`` whatever the SVG contains. The cost (text in the graph cannot be
    selected, about a third more bytes) is fine for pictures of small graphs.
    """
    payload = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    alt = html.escape(f"Computation graph, {_counter_text(index, count, words)}", quote=True)
    hidden = "" if index == 0 else " hidden"
    return f'<img data-frame="{index}" alt="{alt}"{hidden} src="data:image/svg+xml;base64,{payload}">'


def _json_for_script(value: object) -> str:
    """JSON that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e`` and ``\\u0026``
    (the same string to JSON.parse), so neither ``</script>`` nor ``<!--`` can
    appear in the element's text and end it early.

    >>> _json_for_script(["</script>&"])
    '["\\\\u003c/script\\\\u003e\\\\u0026"]'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _check_frames(frames: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    if isinstance(frames, (str, bytes)) or not isinstance(frames, Sequence):
        raise TypeError(
            f"frames must be a sequence of (svg_text, caption) pairs, got {type(frames).__name__}"
        )
    if len(frames) == 0:
        raise ValueError("frames is empty: a stepper needs at least one frame")
    checked = []
    for index, frame in enumerate(frames):
        if not isinstance(frame, (tuple, list)):
            raise TypeError(f"frame {index} must be an (svg_text, caption) pair, got {type(frame).__name__}")
        if len(frame) != 2:
            raise ValueError(f"frame {index} must be an (svg_text, caption) pair, got {len(frame)} items")
        svg_text, caption = frame
        for name, item in (("svg_text", svg_text), ("caption", caption)):
            if not isinstance(item, str):
                raise TypeError(f"frame {index}: {name} must be a str, got {type(item).__name__}")
        checked.append((svg_text, caption))
    return checked


def _check_options(title: object, words: object, inline: object) -> None:
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    if not (isinstance(words, tuple) and len(words) == 2 and all(isinstance(w, str) for w in words)):
        raise TypeError(f"words must be a pair of strs, got {words!r}")
    if not isinstance(inline, bool):
        raise TypeError(f"inline must be True or False, got {type(inline).__name__}")


def stepper_html(
    frames: Sequence[tuple[str, str]],
    title: str | None = DEFAULT_TITLE,
    words: tuple[str, str] = BACKWARD_WORDS,
    inline: bool = False,
) -> str:
    """The stepper for ``frames``, a sequence of ``(svg_text, caption)`` pairs, one picture each.

    ``svg_text`` is an SVG document as graphviz writes it (``dot -Tsvg``, or
    ``Digraph.pipe(format="svg", encoding="utf-8")``); ``caption`` is plain
    text, shown as is (``<``, ``&`` and newlines included). The counter calls
    frame 0 ``words[0]`` and frame ``i`` ``words[1]`` i ("forward pass",
    "backward step" by default). ``inline=False`` gives a whole page;
    ``inline=True`` an HTML fragment for a notebook's output. It starts on
    frame 0.

    Raises ValueError if ``frames`` is empty or an ``svg_text`` has no
    ``<svg>`` element, and TypeError if a frame is not a pair of strs or
    ``title`` is not a str.

    >>> svg = '<svg xmlns="http://www.w3.org/2000/svg" width="8pt" height="8pt"></svg>'
    >>> page = stepper_html([(svg, "a < b"), (svg, "∂E/∂a = 2 × 3")], title="demo")
    >>> "<title>demo</title>" in page, 'data-role="caption">a &lt; b</p>' in page
    (True, True)
    >>> page == stepper_html([(svg, "a < b"), (svg, "∂E/∂a = 2 × 3")], title="demo")
    True
    >>> stepper_html([])
    Traceback (most recent call last):
    ...
    ValueError: frames is empty: a stepper needs at least one frame
    >>> stepper_html([("<p>no picture</p>", "x")])
    Traceback (most recent call last):
    ...
    ValueError: frame 0: the SVG text has no <svg> element
    """
    _check_options(title, words, inline)
    checked = _check_frames(frames)
    count = len(checked)
    svgs = [_svg_element(svg_text, index) for index, (svg_text, _) in enumerate(checked)]
    images = "\n".join(_frame_img(index, svg, count, words) for index, svg in enumerate(svgs))
    steps = [Step(caption) for _, caption in checked]
    return _stepper(images, steps, title, words, inline, zoom=False)


def storyboard_html(
    svg_text: str,
    steps: Sequence[Step],
    title: str | None = DEFAULT_TITLE,
    words: tuple[str, str] = BACKWARD_WORDS,
    inline: bool = False,
) -> str:
    """The stepper for one picture laid out once (``svg_text``, from :func:`restylable_svg`) and its steps.

    Each :class:`Step` says what its frame emphasises; the script restyles the
    one picture, so the HTML grows with the graph and the number of steps, not
    with their product. The other arguments are :func:`stepper_html`'s.

    >>> svg = '<svg width="8pt" height="8pt"><g data-n="0"></g></svg>'
    >>> page = storyboard_html(svg, [Step("forward pass"), Step("∂y/∂y = 1", node=0)], inline=True)
    >>> page.count("<svg"), page.count("<img"), page.startswith("<style>")
    (1, 0, True)
    """
    _check_options(title, words, inline)
    if not isinstance(svg_text, str):
        raise TypeError(f"svg_text must be a str, got {type(svg_text).__name__}")
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Sequence) or len(steps) == 0:
        raise ValueError("steps must be a non-empty sequence of Step")
    if not all(isinstance(step, Step) for step in steps):
        raise TypeError("steps must hold Step objects")
    return _stepper(_svg_element(svg_text, 0), list(steps), title, words, inline, zoom=True)


def _stepper(
    content: str, steps: list[Step], title: str | None, words: tuple[str, str], inline: bool, zoom: bool
) -> str:
    count = len(steps)
    counters = [_counter_text(index, count, words) for index in range(count)]
    data = [
        {"caption": step.caption, "counter": counter}
        | ({"node": step.node, "edges": list(step.edges), "used": list(step.used)} if zoom else {})
        for step, counter in zip(steps, counters)
    ]

    def esc(text: str) -> str:
        return html.escape(text, quote=True)

    at_end = " disabled" if count == 1 else ""
    zoom_button = (
        '<button type="button" data-role="zoom" aria-pressed="false" '
        'title="Show the picture at its size, or fitted to the box">Actual size</button>\n'
        if zoom
        else ""
    )
    heading = "" if inline or title is None else f'<h1 class="sg-title">{esc(title)}</h1>\n'
    if inline and title is not None:
        heading = f'<p class="sg-title">{esc(title)}</p>\n'
    # The widget is complete before the script runs (frame 0 showing, its caption
    # and counter filled in, First/Previous disabled); the script takes over.
    widget = f"""\
<div class="sg-stepper"{"" if inline else " data-page"}>
{heading}<div class="sg-controls" role="group" aria-label="Frame controls">
<button type="button" data-role="first" aria-label="First frame" title="First frame (Home)" disabled><span aria-hidden="true">&laquo;</span> First</button>
<button type="button" data-role="prev" aria-label="Previous frame" title="Previous frame (ArrowLeft)" disabled><span aria-hidden="true">&lsaquo;</span> Previous</button>
<button type="button" data-role="next" aria-label="Next frame" title="Next frame (ArrowRight)"{at_end}>Next <span aria-hidden="true">&rsaquo;</span></button>
<button type="button" data-role="last" aria-label="Last frame" title="Last frame (End)"{at_end}>Last <span aria-hidden="true">&raquo;</span></button>
<input type="range" data-role="slider" aria-label="Frame" min="0" max="{count - 1}" step="1" value="0" aria-valuetext="{esc(counters[0])}"{at_end}>
{zoom_button}</div>
<div class="sg-status" aria-live="polite">
<p class="sg-counter" data-role="counter">{esc(counters[0])}</p>
<p class="sg-caption" data-role="caption">{esc(steps[0].caption)}</p>
</div>
<div class="sg-frames" data-role="frames" tabindex="0" role="img" aria-label="Computation graph">
{content}
</div>
<p class="sg-hint">Keys: <kbd>&larr;</kbd> <kbd>&rarr;</kbd> step, <kbd>Home</kbd> <kbd>End</kbd> first and last frame.</p>
<script type="application/json" data-role="data">{_json_for_script(data)}</script>
</div>"""
    if inline:
        return f"<style>{_CSS}</style>\n{widget}\n<script>{_JS}</script>\n"
    return f"""\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title or DEFAULT_TITLE)}</title>
<style>{_PAGE_CSS}</style>
<style>{_CSS}</style>
<noscript><style>{_NOSCRIPT_CSS}</style></noscript>
</head>
<body>
<main>
{widget}
</main>
<script>{_JS}</script>
</body>
</html>
"""
