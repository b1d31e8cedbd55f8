"""What the examples share for their command lines and progress bars.

``positive_int`` and ``positive_float`` are argparse types, ``progress_bar``
wraps a training loop in an optional tqdm bar on stderr, and ``write`` prints
a line above that bar. tqdm is optional: without it there is no bar and
``write`` is ``print``.

The examples run as scripts (``python examples/moons.py``), so this folder is
on ``sys.path`` and ``from _cli import ...`` finds this module; the tests,
which load the examples by file path, add the folder in tests/conftest.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from typing import Any, Protocol, TypeVar

try:  # a progress bar is a nicety, not a requirement
    from tqdm import tqdm
except ImportError:  # pragma: no cover - depends on the environment
    tqdm = None

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def positive_int(text: str) -> int:
    """argparse type: a whole number, at least 1."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return number


def positive_float(text: str) -> float:
    """argparse type: a number greater than 0."""
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not number > 0.0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return number


class Bar(Protocol[T_co]):
    """What ``progress_bar`` gives: a tqdm bar, or a stand-in with the same few methods."""

    def __iter__(self) -> Iterator[T_co]: ...

    def set_postfix(self, *args: Any, **kwargs: Any) -> None: ...

    def __enter__(self) -> Bar[T_co]: ...

    def __exit__(self, *exc_info: object) -> None: ...


class _NoBar(Bar[T]):
    """The stand-in when there is no bar: iterates over the iterable as it is, ignores postfixes."""

    def __init__(self, iterable: Iterable[T]) -> None:
        self._iterable = iterable

    def __iter__(self) -> Iterator[T]:
        return iter(self._iterable)

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __enter__(self) -> _NoBar[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass


def progress_bar(iterable: Iterable[T], *, desc: str, unit: str, enabled: bool = True) -> Bar[T]:
    """``iterable`` behind a tqdm bar on stderr that clears itself when it closes.

    Use it as a context manager, which closes the bar however the loop ends:

        with progress_bar(range(epochs), desc="training", unit=" epoch", enabled=progress) as bar:
            for epoch in bar:
                ...
                bar.set_postfix(loss=f"{loss:.4g}", refresh=False)

    With ``enabled=False``, or without tqdm, there is no bar: the loop runs
    over ``iterable`` itself and ``set_postfix`` does nothing.
    """
    if not enabled or tqdm is None:
        return _NoBar(iterable)
    bar: Bar[T] = tqdm(iterable, desc=desc, unit=unit, file=sys.stderr, leave=False)
    return bar


def write(line: str) -> None:
    """Print ``line`` to stdout; with tqdm, above any active bar instead of through it."""
    if tqdm is not None:
        tqdm.write(line)
    else:  # pragma: no cover - depends on the environment
        print(line)
