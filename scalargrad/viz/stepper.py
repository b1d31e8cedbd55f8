"""A self-contained HTML page that steps through pre-rendered graph frames.

``stepper_html(frames)`` takes a list of ``(svg_text, caption)`` pairs, one per
frame (frame 0 is the forward pass, then one frame per backward step), where
``svg_text`` is what graphviz writes for ``-Tsvg``, and returns one HTML5
document that shows one frame at a time with First / Previous / Next / Last
buttons, a slider and the keys ArrowLeft / ArrowRight / Home / End.
:func:`scalargrad.viz.writers.write_stepper` renders step frames and writes the page.

The page is built to be handed around as a single file and opened from disk:

* nothing outside the file is ever loaded: no scripts, styles or fonts from a
  CDN, no web fonts (the system font stack), and a Content-Security-Policy that
  lets the browser load nothing but the page's own inline script and style
  (pinned by hash) and ``data:`` images, so it works offline and from file://;
* each frame is an ``<img>`` whose ``src`` is the SVG as a base64 ``data:`` URL
  (why: see :func:`_frame_img`);
* the captions travel to the script as a JSON data block, escaped so that no
  caption can end the ``<script>`` element early;
* the output is a pure function of the input (no dates, no random ids), so the
  same frames give a byte-identical page that diffs and caches well.

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
from collections.abc import Sequence

__all__ = ["stepper_html"]

DEFAULT_TITLE = "scalargrad: backward, step by step"

# The system font stack: no web fonts, so nothing to download and no flash of
# unstyled text; every platform has one of these.
_CSS = """\
:root { color-scheme: light; }
body {
  margin: 0; color: #1f2328; background: #fff; line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
    "Noto Sans", "Liberation Sans", "DejaVu Sans", Arial, sans-serif;
}
main { max-width: 1100px; margin: 0 auto; padding: .5rem 1.25rem 1rem; }
h1 { font-size: 1.2rem; margin: 0 0 .4rem; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; }
button {
  font: inherit; color: inherit; padding: .3rem .8rem; cursor: pointer;
  border: 1px solid #8c959f; border-radius: 6px; background: #f6f8fa;
}
button:hover:enabled { background: #eaeef2; }
button:disabled { opacity: .45; cursor: default; }
button:focus-visible, input:focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
#slider { flex: 1 1 12rem; min-width: 8rem; }
#counter { margin: .4rem 0 .1rem; color: #57606a; font-variant-numeric: tabular-nums; }
#caption { margin: 0 0 .4rem; font-size: 1.1rem; white-space: pre-line; min-height: 1.6em; }
.frames { border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem; }
/* The whole picture fits below the controls and the caption (a 1366x768
   projector included): the current node never scrolls away from them. */
.frames img {
  display: block; max-width: 100%; height: auto; margin: 0 auto;
  max-height: calc(100vh - 12rem); object-fit: contain;
}
.frames img[hidden] { display: none; }
.hint { color: #57606a; font-size: .9rem; }
kbd {
  font: .85em ui-monospace, "DejaVu Sans Mono", monospace; padding: 0 .3em;
  border: 1px solid #d0d7de; border-radius: 4px; background: #f6f8fa;
}
"""

# Without JavaScript the page cannot step, so it shows every frame in order
# (and hides the controls and the one caption that would no longer match).
_NOSCRIPT_CSS = (
    ".frames img[hidden] { display: block; margin-bottom: 1rem; } .controls, .status { display: none; }"
)

# The script reads the frame data from the JSON block and only ever assigns
# textContent, so captions are never parsed as HTML.
_JS = """\
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("frames-data").textContent);
  var frames = document.querySelectorAll("[data-frame]");
  var slider = document.getElementById("slider");
  var caption = document.getElementById("caption");
  var counter = document.getElementById("counter");
  var first = document.getElementById("first");
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");
  var last = document.getElementById("last");
  var lastIndex = frames.length - 1;
  var current = 0;

  function show(index) {
    var i = Math.max(0, Math.min(lastIndex, Math.round(Number(index)) || 0));
    var focused = document.activeElement;
    for (var k = 0; k <= lastIndex; k++) {
      frames[k].hidden = k !== i;
    }
    current = i;
    caption.textContent = data[i].caption;
    counter.textContent = data[i].counter;
    slider.value = String(i);
    slider.setAttribute("aria-valuetext", data[i].counter);
    first.disabled = prev.disabled = i === 0;
    next.disabled = last.disabled = i === lastIndex;
    // A button that just became disabled drops keyboard focus to the body;
    // hand it to the slider so the keyboard user keeps their place.
    if (focused && focused.disabled) {
      slider.focus();
    }
  }

  first.addEventListener("click", function () { show(0); });
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  last.addEventListener("click", function () { show(lastIndex); });
  slider.addEventListener("input", function () { show(slider.value); });

  document.addEventListener("keydown", function (event) {
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
    show(target);
  });

  show(0);
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
        f"style-src {_csp_hash(_CSS)} {_csp_hash(_NOSCRIPT_CSS)}",
        f"script-src {_csp_hash(_JS)}",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)


def _counter_text(index: int, count: int) -> str:
    """The counter for frame ``index`` of ``count``: frame 0 is the forward pass.

    >>> _counter_text(0, 13), _counter_text(3, 13)
    ('forward pass (frame 1 of 13)', 'backward step 3 of 12 (frame 4 of 13)')
    """
    if index == 0:
        return f"forward pass (frame 1 of {count})"
    return f"backward step {index} of {count - 1} (frame {index + 1} of {count})"


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


def _frame_img(index: int, svg: str, count: int) -> str:
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
    alt = html.escape(f"Computation graph, {_counter_text(index, count)}", quote=True)
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


def stepper_html(frames: Sequence[tuple[str, str]], title: str = DEFAULT_TITLE) -> str:
    """The stepper page for ``frames``, a sequence of ``(svg_text, caption)`` pairs.

    ``svg_text`` is an SVG document as graphviz writes it (``dot -Tsvg``, or
    ``Digraph.pipe(format="svg", encoding="utf-8")``); ``caption`` is plain
    text, shown as is (``<``, ``&`` and newlines included). Frame 0 is labelled
    the forward pass and frame ``i`` backward step ``i``. The page starts on
    frame 0.

    Raises ValueError if ``frames`` is empty or an ``svg_text`` has no
    ``<svg>`` element, and TypeError if a frame is not a pair of strs or
    ``title`` is not a str.

    >>> svg = '<svg xmlns="http://www.w3.org/2000/svg" width="8pt" height="8pt"></svg>'
    >>> page = stepper_html([(svg, "a < b"), (svg, "∂E/∂a = 2 × 3")], title="demo")
    >>> "<title>demo</title>" in page, '<p id="caption">a &lt; b</p>' in page
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
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    checked = _check_frames(frames)
    count = len(checked)
    svgs = [_svg_element(svg_text, index) for index, (svg_text, _) in enumerate(checked)]
    counters = [_counter_text(index, count) for index in range(count)]
    data = [{"caption": caption, "counter": counters[index]} for index, (_, caption) in enumerate(checked)]

    def esc(text: str) -> str:
        return html.escape(text, quote=True)

    at_end = " disabled" if count == 1 else ""
    images = "\n".join(_frame_img(index, svg, count) for index, svg in enumerate(svgs))
    # The page is complete before the script runs (frame 0 showing, its caption
    # and counter filled in, First/Previous disabled); the script takes over.
    return f"""\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{_CSS}</style>
<noscript><style>{_NOSCRIPT_CSS}</style></noscript>
</head>
<body>
<main>
<h1>{esc(title)}</h1>
<div class="controls" role="group" aria-label="Frame controls">
<button type="button" id="first" aria-label="First frame" title="First frame (Home)" disabled><span aria-hidden="true">&laquo;</span> First</button>
<button type="button" id="prev" aria-label="Previous frame" title="Previous frame (ArrowLeft)" disabled><span aria-hidden="true">&lsaquo;</span> Previous</button>
<button type="button" id="next" aria-label="Next frame" title="Next frame (ArrowRight)"{at_end}>Next <span aria-hidden="true">&rsaquo;</span></button>
<button type="button" id="last" aria-label="Last frame" title="Last frame (End)"{at_end}>Last <span aria-hidden="true">&raquo;</span></button>
<input type="range" id="slider" aria-label="Frame" min="0" max="{count - 1}" step="1" value="0" aria-valuetext="{esc(counters[0])}"{at_end}>
</div>
<div class="status" aria-live="polite">
<p id="counter">{esc(counters[0])}</p>
<p id="caption">{esc(checked[0][1])}</p>
</div>
<div class="frames">
{images}
</div>
<p class="hint">Keys: <kbd>&larr;</kbd> <kbd>&rarr;</kbd> step, <kbd>Home</kbd> <kbd>End</kbd> first and last frame.</p>
</main>
<script type="application/json" id="frames-data">{_json_for_script(data)}</script>
<script>{_JS}</script>
</body>
</html>
"""
