"""``scalargrad check MODULE:NAME``: is a micrograd-style engine's backpropagation correct?

The command loads the class ``NAME`` from ``MODULE`` (a module name, as for
``python -m``, or a ``.py`` file), runs :func:`scalargrad.testing.check_engine`
on it and prints the report: what the class supports, the checks run, and
each defect as the smallest program hypothesis found, with the expected
numbers, the engine's, and the first node whose gradient differs.
``--frames DIR`` also draws scalargrad's backward pass through each defect's
program, one picture per step, that node marked, into ``DIR/defect-K/``.

Exit codes: 0 when the engine conforms, 1 when it has defects (or the work
fails: no hypothesis, no graphviz for ``--frames``), 2 for a usage error
(no such module or name, not a class, not constructible from a number).

>>> import contextlib, io
>>> with contextlib.redirect_stdout(io.StringIO()) as out:
...     code = main(["scalargrad.value:Value", "--examples", "10", "--deep", "100"])
>>> code
0
>>> print(out.getvalue().splitlines()[-1])   # doctest: +ELLIPSIS
result: conforms (no defects, ... s)
>>> with contextlib.redirect_stderr(io.StringIO()) as said:
...     main(["scalargrad.value:Valeu"])
2
>>> print(said.getvalue(), end="")
scalargrad check: error: module scalargrad.value has no attribute Valeu
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

__all__ = ["main", "add_arguments", "run", "load"]

CONFORMS, DEFECTS, USAGE_ERROR = 0, 1, 2

HELP = "check a micrograd-style engine's values and gradients against scalargrad"

DESCRIPTION = """\
Check a micrograd-style engine: a class built as NAME(number) with .data, .grad,
.backward() and arithmetic operators (methods such as relu, tanh, exp, log,
sigmoid, zero_grad are checked when present). Each operation it supports is
checked alone, then in random graphs with shared nodes and diamonds, in a
chain of 10,000 operations, and with backward() called twice. Each defect is
shown as the smallest program hypothesis finds, with the numbers expected and
got and the first node whose gradient differs."""

EXAMPLES = """\
examples:
  scalargrad check micrograd.engine:Value
  scalargrad check my_engine.py:Value                  # a file, as well as a module
  scalargrad check my_engine.py:Value --frames defects # and draw each defect's backward pass

exit status: 0 the engine conforms, 1 it has defects, 2 usage error
"""


class _UsageError(Exception):
    """MODULE:NAME does not name a class that can be checked."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``check`` command's arguments to ``parser`` (its own, or a subcommand's).

    >>> parser = argparse.ArgumentParser()
    >>> add_arguments(parser)
    >>> parser.parse_args(["micrograd.engine:Value", "--examples", "50"]).examples
    50
    """
    parser.add_argument(
        "target",
        metavar="MODULE:NAME",
        help="the engine's class, e.g. micrograd.engine:Value or my_engine.py:Value",
    )
    parser.add_argument(
        "--frames",
        type=Path,
        metavar="DIR",
        help="write scalargrad's backward pass through each defect's program, one SVG per step "
        "and steps.html, into DIR/defect-K/ (needs graphviz)",
    )
    parser.add_argument(
        "--examples",
        type=_positive,
        default=200,
        metavar="N",
        help="random graphs to try (default 200; each operation alone gets a quarter of that)",
    )
    parser.add_argument(
        "--deep", type=_positive, default=10_000, metavar="N", help="length of the deep chain (default 10000)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``scalargrad check`` with ``argv`` (the arguments after the word ``check``; default ``sys.argv[1:]``); the exit code.

    The ``scalargrad`` command (``python -m scalargrad check ...``) parses its
    own arguments with :func:`add_arguments` and calls :func:`run`; this is
    the same thing on its own.

    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as said:
    ...     main(["no_such_module_here:Value"])
    2
    >>> print(said.getvalue(), end="")
    scalargrad check: error: no module named no_such_module_here
    """
    parser = argparse.ArgumentParser(
        prog="scalargrad check",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error argparse has already reported
        return stop.code if isinstance(stop.code, int) else USAGE_ERROR
    return run(args)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Check the engine ``args.target`` names and print the report; the exit code (0, 1 or 2).

    ``args`` holds what :func:`add_arguments` parses: ``target``, ``frames``,
    ``examples``, ``deep``.

    >>> import io
    >>> said = io.StringIO()
    >>> run(argparse.Namespace(target="math:pi", frames=None, examples=10, deep=100), err=said)
    2
    >>> print(said.getvalue(), end="")
    scalargrad check: error: math:pi is a float, not a class
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        cls = load(args.target)
    except _UsageError as error:
        print(f"scalargrad check: error: {error}", file=err)
        return USAGE_ERROR
    try:
        from scalargrad.testing.engine import NotAnEngine, check_engine
    except ImportError as error:
        print(f"scalargrad check: error: {error}", file=err)
        return DEFECTS
    try:
        report = check_engine(cls, max_examples=args.examples, deep=args.deep)
    except NotAnEngine as error:
        print(f"scalargrad check: error: {error}", file=err)
        return USAGE_ERROR
    print(report, file=out)
    if args.frames is not None and report.defects:
        try:
            paths = report.write_frames(args.frames)
        except (
            ImportError,
            OSError,
            RuntimeError,
        ) as error:  # no graphviz, or dot failing, or a folder not writable
            print(f"scalargrad check: error: {type(error).__name__}: {error}", file=err)
            return DEFECTS
        folders = sorted({str(path.parent) for path in paths})
        print(f"wrote {len(paths)} files to {', '.join(folders) or args.frames}", file=out)
    return CONFORMS if report.ok else DEFECTS


def load(target: str) -> Any:
    """The object ``MODULE:NAME`` names; MODULE is a module's name or a ``.py`` file, NAME may be dotted.

    >>> load("scalargrad.value:Value").__name__
    'Value'
    >>> load("scalargrad")
    Traceback (most recent call last):
    ...
    scalargrad.cli.check._UsageError: expected MODULE:NAME (e.g. micrograd.engine:Value or my_engine.py:Value), got 'scalargrad'
    """
    module_name, colon, name = target.rpartition(":")
    if not colon or not module_name or not name:
        raise _UsageError(
            f"expected MODULE:NAME (e.g. micrograd.engine:Value or my_engine.py:Value), got {target!r}"
        )
    module = _module(module_name)
    found: Any = module
    for part in name.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise _UsageError(f"module {module_name} has no attribute {name}") from None
    if not isinstance(found, type):
        raise _UsageError(f"{target} is a {type(found).__name__}, not a class")
    return found


def _module(module_name: str) -> ModuleType:
    if module_name.endswith(".py") or os.sep in module_name or "/" in module_name:
        path = Path(module_name)
        if not path.is_file():
            raise _UsageError(f"no file {module_name}")
        folder = str(path.resolve().parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)  # so the engine can import its neighbours, as when run as a script
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise _UsageError(f"cannot import {module_name}")
        module = importlib.util.module_from_spec(spec)
        sys.modules.setdefault(path.stem, module)
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            raise _UsageError(f"importing {module_name} raised {type(error).__name__}: {error}") from None
        return module
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())  # a module beside the user, as `python -m` finds it
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is not None and module_name.startswith(error.name):
            raise _UsageError(f"no module named {module_name}") from None
        raise _UsageError(f"importing {module_name} raised ModuleNotFoundError: {error}") from None
    except Exception as error:
        raise _UsageError(f"importing {module_name} raised {type(error).__name__}: {error}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value
