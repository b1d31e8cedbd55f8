"""Sphinx configuration for scalargrad's documentation site.

Build it with ``bash run.sh docs`` (or ``python -m sphinx -W -b html docs docs/_build/html``).
Every page is executed at build time by myst-nb, and any error or warning
fails the build, so an example that stops working cannot be published.
"""

import scalargrad

project = "scalargrad"
author = "the scalargrad developers"
copyright = "2026, the scalargrad developers"
release = scalargrad.__version__
version = release

extensions = [
    "myst_nb",  # Markdown pages and notebooks, executed at build time
    "sphinx.ext.autodoc",  # the API reference, from docstrings
    "sphinx.ext.viewcode",
    "sphinx.ext.mathjax",
    # MathJax served from the site itself, so formulas render offline too.
    "sphinx-mathjax-offline",
]

# Markdown (.md) pages are MyST notebooks when they say so in their front
# matter; plain MyST otherwise.
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints"]
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "deflist"]
myst_heading_anchors = 3

# Run every notebook page on every build; a failing cell fails the build.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_merge_streams = True
# Markdown that a cell displays (an Explanation, say) is parsed as MyST, so
# its $$ equations are typeset like the page's own.
nb_render_markdown_format = "myst"
# graphviz objects offer SVG; prefer it to PNG so pictures stay sharp.
nb_mime_priority_overrides = [("html", "image/svg+xml", 5)]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}

html_theme = "furo"
html_title = f"scalargrad {release}"
html_static_path: list[str] = []
