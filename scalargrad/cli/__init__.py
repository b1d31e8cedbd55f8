"""The ``scalargrad`` command: ``scalargrad walkthrough``, ``scalargrad draw`` and ``scalargrad check``.

It only parses arguments and calls the library; everything it does is a
library call a notebook can make too (:mod:`scalargrad.cli.walkthrough`,
:mod:`scalargrad.cli.formula`, :func:`scalargrad.draw`, :mod:`scalargrad.viz.writers`).

Exit codes: 0 on success, 2 for a usage error (bad option, bad formula, bad
input value, ``--steps`` for a graph too big to step through), 1 when the
work itself fails (no graphviz, graphviz failing on a picture, a file that
cannot be written). Errors are one or two lines on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from scalargrad import __version__
from scalargrad.cli import check
from scalargrad.cli.formula import FormulaError, InputError, functions, parse_assignments, parse_formula
from scalargrad.cli.walkthrough import (
    I1,
    LEARNING_RATE,
    PICTURE_FORMATS,
    TARGET,
    TOLERANCE,
    W1,
    W2,
    build,
    derivation,
    train,
    write_pictures,
)
from scalargrad.viz.drawing import RANKDIRS, draw
from scalargrad.viz.explanation import explain
from scalargrad.viz.frames import step_frames
from scalargrad.viz.notation import number
from scalargrad.viz.trace import given, trace
from scalargrad.viz.writers import (
    GraphvizNotFound,
    RenderError,
    format_of,
    require_dot,
    write,
    write_frames,
    write_stepper,
)

__all__ = ["main"]

USAGE_ERROR = 2
FAILURE = 1

MAX_STEP_FRAMES = 200
"""The most frames ``draw --steps`` writes (one per drawn node, and the forward pass).

Every frame draws every node, so the work grows with the square of the
graph's size: 200 frames of 199 nodes take seconds, 4,000 of 4,000 hours.
"""

TOP_EXAMPLES = """\
examples:
  scalargrad walkthrough                                   # the worked w1/w2 example, drawn and trained
  scalargrad draw "tanh(x*w + b)" x=0.5 w=-3 b=2 -o graph.svg
  scalargrad check micrograd.engine:Value                  # test an engine's gradients
  scalargrad draw --help                                   # more about each command
"""

WALKTHROUGH_EXAMPLES = """\
examples:
  scalargrad walkthrough                          # SVG pictures and the HTML stepper in ./scalargrad-walkthrough
  scalargrad walkthrough --out pics --format png  # PNG pictures only
  scalargrad walkthrough --format svg --format gif
  scalargrad walkthrough --format png --dpi 192   # sharper PNGs, for a projector
"""

DRAW_EXAMPLES = """\
examples:
  scalargrad draw "tanh(x*w + b)" x=0.5 w=-3 b=2 -o graph.svg
  scalargrad draw "x**2 + 3*x" x=2 --explain x
  scalargrad draw "sigmoid(a*b)" a=1 b=2 --steps frames/      # one picture per backward step
  scalargrad draw -- "-x * y" x=1 y=2                          # a formula that starts with '-'
  scalargrad draw "2 * 3 + 1"                                  # no inputs: no NAME=VALUE

A formula may use numbers, input names, + - * / **, unary minus, and the
functions {functions}. Each input needs a value, NAME=VALUE.
Without -o or --explain, the DOT text of the picture is printed (no graphviz needed).
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``) and return its exit code.

    >>> main(["draw", "x * y", "x=3", "y=4", "--explain", "x"])
    f = 12
    ∂f/∂x = 4
    ∂f/∂y = 3
    <BLANKLINE>
    Forward pass
      f = x × y = 3 × 4 = 12
    <BLANKLINE>
    Chain rule: f is made from x directly, by one local derivative
    <BLANKLINE>
    Local derivatives
      ∂f/∂x = y = 4
    <BLANKLINE>
    Together
      ∂f/∂x = (4) = 4
    0
    """
    if argv is not None:
        if isinstance(argv, (str, bytes)) or not isinstance(argv, Sequence):
            raise TypeError(
                f"main() takes a list of argument strs (or None for sys.argv[1:]), got {given(argv)}"
            )
        for k, arg in enumerate(argv):
            if not isinstance(arg, str):
                raise TypeError(f"main(): argv[{k}] is {given(arg)}, not a str")
    parser = _parser(list(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error argparse has already reported
        return stop.code if isinstance(stop.code, int) else USAGE_ERROR
    if args.command == "check":
        return check.run(args)
    if (
        args.command == "walkthrough"
        and "gif" in (args.formats or ())
        and importlib.util.find_spec("PIL") is None
    ):
        # Said before any work: the derivation and the other pictures would come first otherwise.
        print(
            "scalargrad walkthrough: error: --format gif needs Pillow: pip install 'scalargrad[gif]' "
            "(or pip install Pillow)",
            file=sys.stderr,
        )
        return FAILURE
    if args.command == "draw":
        if args.latex and args.explain is None:
            return _usage_error(args, "--latex needs --explain NAME")
        if args.output is not None:
            try:
                format_of(args.output)
            except ValueError as error:
                return _usage_error(args, str(error))
    try:
        if args.command == "walkthrough":
            return _walkthrough(args, sys.stdout, sys.stderr)
        return _draw(args, sys.stdout)
    except (FormulaError, InputError) as error:
        caret = error.caret() if isinstance(error, FormulaError) else ""
        return _usage_error(args, str(error), caret)
    except _TooBig as error:
        return _usage_error(args, str(error))
    except (GraphvizNotFound, RenderError, ImportError, OSError, ValueError) as error:
        if isinstance(error, BrokenPipeError):
            # The reader went away (`| head`): stop quietly, as Python's docs advise.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return FAILURE
        print(f"scalargrad {args.command}: error: {error}", file=sys.stderr)
        return FAILURE
    except KeyboardInterrupt:
        return 130
    except MemoryError:
        print(f"scalargrad {args.command}: error: out of memory", file=sys.stderr)
        return FAILURE
    except Exception as error:  # a bug: still one line, never a traceback, as promised above
        print(
            f"scalargrad {args.command}: internal error: {type(error).__name__}: {_clipped(str(error))} "
            "(this is a bug in scalargrad; please report it with the command that caused it)",
            file=sys.stderr,
        )
        return FAILURE


class _TooBig(Exception):
    """The graph is too big for what was asked (``--steps``): a usage error, said before any work."""


def _clipped(text: str, most: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"


def _usage_error(args: argparse.Namespace, message: str, caret: str = "") -> int:
    print(f"scalargrad {args.command}: error: {message}", file=sys.stderr)
    if caret:
        print(textwrap.indent(caret, "  "), file=sys.stderr)
    return USAGE_ERROR


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors add a hint for a formula that starts with '-'."""

    words: Sequence[str] = ()

    def error(self, message: str) -> NoReturn:
        dashed = [
            word
            for word in self.words
            if word.startswith("-") and len(word) > 1 and not word.startswith(("--", "-o", "-h"))
        ]
        if "draw" in self.words and dashed and "--" not in self.words:
            message += (
                f"\n(a formula that starts with '-', such as {dashed[0]!r}, reads as an option: "
                f"put -- before it, as in: scalargrad draw -- {dashed[0]!r} ...)"
            )
        super().error(message)


def _parser(words: Sequence[str] = ()) -> argparse.ArgumentParser:
    _Parser.words = words
    parser = _Parser(
        prog="scalargrad",
        description="Backpropagation you can see: draw computation graphs and the chain rule, step by step.",
        epilog=TOP_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"scalargrad {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{walkthrough,draw,check}")

    walkthrough = commands.add_parser(
        "walkthrough",
        help="the worked w1/w2 example: derivation, pictures, training",
        description=(
            "Build the worked example (i1 = 0.1, target 0.9, w1 = w2 = 0.5), print the forward pass and "
            "the chain rule for dE/dw2 and dE/dw1, write the graph, the step frames, the w1 and w2 path "
            "views and the HTML stepper, then train until E < 0.00005."
        ),
        epilog=WALKTHROUGH_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    walkthrough.add_argument(
        "--out",
        type=Path,
        default=Path("scalargrad-walkthrough"),
        metavar="DIR",
        help="folder for the pictures (default: ./scalargrad-walkthrough)",
    )
    walkthrough.add_argument(
        "--format",
        action="append",
        choices=PICTURE_FORMATS,
        dest="formats",
        help="what to write: svg or png pictures, the html stepper, a gif; "
        "repeat for several (default: svg and html)",
    )
    walkthrough.add_argument(
        "--dpi",
        type=_dpi,
        metavar="N",
        help="resolution of PNG pictures and the GIF, in dots per inch (default 96)",
    )

    drawing = commands.add_parser(
        "draw",
        help="draw the graph of a formula and backpropagate through it",
        usage="scalargrad draw [options] FORMULA [NAME=VALUE ...]",
        description=(
            "Build the graph of FORMULA at the given input values (one NAME=VALUE for each input; "
            "a formula of numbers alone needs none), backpropagate, and draw it."
        ),
        epilog=DRAW_EXAMPLES.format(functions=" ".join(functions())),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    drawing.add_argument("formula", metavar="FORMULA", help='for example "tanh(x*w + b)"')
    drawing.add_argument(
        "values", nargs="*", metavar="NAME=VALUE", help="a value for each input of the formula, e.g. x=0.5"
    )
    drawing.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="write the picture here; the suffix picks the format (.svg .png .pdf .dot)",
    )
    drawing.add_argument("--explain", metavar="NAME", help="print the chain rule for d(formula)/d(NAME)")
    drawing.add_argument("--latex", action="store_true", help="print --explain's derivation as LaTeX")
    drawing.add_argument(
        "--steps",
        type=Path,
        metavar="DIR",
        help="also write one SVG per backward step and steps.html into DIR",
    )
    drawing.add_argument("--rankdir", choices=RANKDIRS, default="TB", help="layout direction (default TB)")
    drawing.add_argument("--collapse", action="store_true", help="draw only the inputs and the result")
    drawing.add_argument(
        "--dpi",
        type=_dpi,
        metavar="N",
        help="resolution of a PNG picture (-o FILE.png), in dots per inch (default 96)",
    )

    checking = commands.add_parser(
        "check",
        help=check.HELP,
        description=check.DESCRIPTION,
        epilog=check.EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_arguments(checking)
    return parser


def _dpi(text: str) -> float:
    """``--dpi``'s value: a number from 10 to 1200."""
    try:
        dpi = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of dots per inch") from None
    if not 10 <= dpi <= 1200:
        raise argparse.ArgumentTypeError(f"{text} is out of range: from 10 to 1200 (the default is 96)")
    return dpi


def _walkthrough(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    formats = args.formats or ["svg", "html"]
    print(
        f"The worked example: i1 = {I1}, target = {TARGET}, w1 = {W1}, w2 = {W2}, "
        f"E = 1/2 (target - outo)^2\n",
        file=out,
    )
    print(derivation(build()), file=out)

    record = trace(build())
    g1, g2 = record.gradient_of("w1"), record.gradient_of("w2")
    print(f"\nOne step of gradient descent, learning rate {LEARNING_RATE}:", file=out)
    print(f"  w1 = {W1} - {LEARNING_RATE} × ({number(g1)}) = {W1 - LEARNING_RATE * g1:.10f}", file=out)
    print(f"  w2 = {W2} - {LEARNING_RATE} × ({number(g2)}) = {W2 - LEARNING_RATE * g2:.10f}", file=out)

    status = 0
    try:
        written = write_pictures(args.out, formats, dpi=args.dpi)
    except (GraphvizNotFound, OSError) as error:
        # The derivation and the training need neither graphviz nor the folder: say what failed and go on.
        print(f"\nscalargrad walkthrough: error: {error}", file=err)
        status = FAILURE
    else:
        print(f"\nWrote {len(written)} {'file' if len(written) == 1 else 'files'} to {args.out}/:", file=out)
        for path in written:
            print(f"  {path}", file=out)

    print(f"\nTraining with learning rate {LEARNING_RATE} until E < {TOLERANCE:.5f}", file=out)
    progress = _Progress(err, start=build().data, goal=TOLERANCE)
    result = train(on_iteration=progress.update)
    progress.close()
    print(f"  iterations  {result.iterations}", file=out)
    print(f"  w1          {result.w1:.7f}", file=out)
    print(f"  w2          {result.w2:.7f}", file=out)
    print(f"  output      {result.output:.7f}   (target {TARGET})", file=out)
    return status


def _draw(args: argparse.Namespace, out: TextIO) -> int:
    formula = parse_formula(args.formula)
    values = parse_assignments(args.values)
    if not values and formula.inputs:
        raise InputError(
            [
                f"no NAME=VALUE given; the formula's inputs {', '.join(formula.inputs)} each need a value, as in: "
                + " ".join(f"{name}=0.5" for name in formula.inputs)
            ]
        )
    root = formula.build(values)
    if not root.label:  # (a formula that is a single input is that input's own, labelled, leaf)
        name = "f"
        while name in formula.inputs:  # f, or f' where an input is called f
            name += "'"
        root.label = name
    if args.explain is not None and args.explain not in formula.inputs:
        raise InputError(
            [
                f"--explain {args.explain}: not an input of the formula (its inputs: {', '.join(formula.inputs)})"
            ]
        )
    record = trace(root)
    if args.steps is not None:
        # One frame per drawn node, each drawing them all: refuse a big graph before any work.
        drawn = sum(
            1 for i, node in enumerate(record.nodes) if i == record.root or not args.collapse or node.label
        )
        if drawn + 1 > MAX_STEP_FRAMES:
            raise _TooBig(
                f"--steps would draw {drawn + 1} frames of {drawn} nodes each; the most is {MAX_STEP_FRAMES} frames. "
                + (
                    "Draw a smaller formula"
                    if args.collapse
                    else "Add --collapse (one frame per input), or draw a smaller formula"
                )
            )
    print(f"{root.label} = {number(root.data)}", file=out)
    for name in formula.inputs:
        print(f"∂{root.label}/∂{name} = {number(record.gradient_of(name))}", file=out)
    graph = draw(record, rankdir=args.rankdir, collapse=args.collapse)
    if args.output is not None:
        print(f"wrote {write(graph, args.output, dpi=args.dpi)}", file=out)
    elif args.explain is None:  # the explanation is what was asked for: no DOT text before it
        print(graph.source, file=out)
    if args.explain is not None:
        explanation = explain(record, args.explain, collapse=args.collapse)
        print("\n" + (explanation.latex if args.latex else explanation.text), file=out)
    if args.steps is not None:
        require_dot()  # before making the folder
        frames = step_frames(record, rankdir=args.rankdir, collapse=args.collapse)
        paths = write_frames(frames, args.steps, "svg")
        paths.append(write_stepper(frames, args.steps / "steps.html"))
        print(f"wrote {len(paths)} files to {args.steps}/", file=out)
    return 0


class _Progress:
    """A one-line bar on a terminal: how far E has come from its start to the goal, on a log scale."""

    WIDTH = 30

    def __init__(self, stream: TextIO, start: float, goal: float) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.span = math.log(start / goal) if start > goal > 0 else 1.0
        self.start = start

    def update(self, iteration: int, error: float) -> None:
        if not self.live or iteration % 10:
            return
        done = min(max(math.log(self.start / error) / self.span, 0.0), 1.0) if error > 0 else 1.0
        filled = round(done * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r  [{bar}] {done:4.0%}  iteration {iteration}  E = {error:.7f}")
        self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\r" + " " * 75 + "\r")
            self.stream.flush()
