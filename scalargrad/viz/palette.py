"""The colours of every picture and of the stepper, in one place (no graphviz needed to read them).

Lines may be light; every text colour meets WCAG AA (contrast at least
4.5:1) against every fill it is drawn on, so pictures read on a projector:
MUTED text is 6.1:1 even on CURRENT_FILL, CURRENT_TEXT 4.9:1 there, PATH_TEXT
4.9:1 on PATH_FILL (tests/test_contrast.py computes each pair from the DOT).

>>> INK, CURRENT_FILL
('#212529', '#ffd8a8')
"""

__all__ = [
    "CURRENT_FILL",
    "CURRENT_LINE",
    "CURRENT_TEXT",
    "EDGE",
    "FADED_TEXT",
    "FAINT",
    "INK",
    "LEAF_FILL",
    "MUTED",
    "NODE_FILL",
    "PATH_FILL",
    "PATH_LINE",
    "PATH_TEXT",
    "USED_FILL",
]

INK, FAINT, EDGE = "#212529", "#adb5bd", "#868e96"
MUTED = "#495057"  # "data"/"grad", "?", edge labels
FADED_TEXT = "#5c636a"  # edge labels off the highlighted paths
LEAF_FILL, NODE_FILL = "#e7f0fa", "#ffffff"
CURRENT_FILL, CURRENT_LINE, CURRENT_TEXT = "#ffd8a8", "#e8590c", "#a33d00"
USED_FILL = "#fff4e6"
PATH_FILL, PATH_LINE, PATH_TEXT = "#d0ebff", "#1971c2", "#1864ab"
# The one picture the stepper restyles (see scalargrad.viz.widget) marks what
# it restyles with these colours, which no picture uses; they never reach a page.
MARK_LEAF_FILL, MARK_NODE_FILL, MARK_LINE = "#000001", "#000002", "#000003"
MARK_GRAD_TEXT, MARK_GRAD_CELL = "#000004", "#000005"
