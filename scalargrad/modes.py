"""Switches that change how the engine records graphs: ``no_grad``, ``enable_grad``, ``detect_anomaly``.

Both are context managers that also work as decorators, and both are
thread-local (as in PyTorch): entering ``no_grad`` in one thread does not stop
another thread from recording its graph.
"""

from __future__ import annotations

import threading
from contextlib import ContextDecorator
from typing import Any

__all__ = ["detect_anomaly", "enable_grad", "is_grad_enabled", "no_grad"]


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        # The engine's hot path reads this one flag per op: True means
        # "record the graph and check nothing", the common case.
        self.plain = True
        self.saved: list[tuple[bool, bool]] = []
        # The name of the op whose derivative rule is being run on Values, or
        # None: a Value turned into a float there loses a derivative (Value.__float__).
        self.rule: str | None = None
        # While transforms (grad, ...) run: for each, the set of nodes made
        # during its call (the engine adds every new node to the innermost), so
        # that it can tell what its function made from what it closes over.
        self.made: list[set[Any]] = []

    def set(self, grad_enabled: bool, anomaly: bool) -> None:
        self.grad_enabled = grad_enabled
        self.anomaly = anomaly
        self.plain = grad_enabled and not anomaly and not self.made


def enter_transform() -> set[Any]:
    """Start noting every node this thread makes (a transform's call begins); the set they go in."""
    with _switching:
        switched[0] += 1
    made: set[Any] = set()
    state.made.append(made)
    state.set(state.grad_enabled, state.anomaly)
    return made


def exit_transform() -> set[Any]:
    """Stop noting nodes for the innermost transform; what it made, its caller's call made too."""
    made = state.made.pop()
    if state.made:
        state.made[-1] |= made
    state.set(state.grad_enabled, state.anomaly)
    with _switching:
        switched[0] -= 1
    return made


state = _ThreadState()

# How many switches and transform calls are active, in all threads together.
# While none is, every thread records plainly, and the engine's hot path reads
# this list cell instead of the (slower) thread-local state.
switched = [0]
_switching = threading.Lock()


class _Switch(ContextDecorator):
    def _new_modes(self) -> tuple[bool, bool]:
        raise NotImplementedError

    def __enter__(self) -> None:
        with _switching:
            switched[0] += 1
        state.saved.append((state.grad_enabled, state.anomaly))
        state.set(*self._new_modes())

    def __exit__(self, *exc: Any) -> None:
        state.set(*state.saved.pop())
        with _switching:
            switched[0] -= 1


class no_grad(_Switch):
    """Build no graph: every result is a constant with no parents.

    Use it where values are updated rather than differentiated, such as an
    optimiser's step, or for a forward pass that will not be backpropagated.

    >>> import scalargrad as sg
    >>> w = sg.Value(2.0)
    >>> with sg.no_grad():
    ...     y = w * 3
    >>> y.parents
    ()

    It also decorates a function:

    >>> @sg.no_grad()
    ... def predict(x):
    ...     return w * x
    >>> predict(5.0).parents
    ()
    """

    def _new_modes(self) -> tuple[bool, bool]:
        return False, state.anomaly


class enable_grad(_Switch):
    """Record graphs again inside a ``no_grad`` block (as ``torch.enable_grad``).

    >>> import scalargrad as sg
    >>> with sg.no_grad():
    ...     with sg.enable_grad():
    ...         y = sg.Value(2.0) * sg.Value(3.0)
    >>> len(y.parents)
    2
    """

    def _new_modes(self) -> tuple[bool, bool]:
        return True, state.anomaly


class detect_anomaly(_Switch):
    """Raise ``FloatingPointError`` at the first ``nan`` or ``inf`` in a forward or backward pass.

    The message names the operation, its inputs and their labels, so the
    step that went wrong can be found without bisecting a long computation.

    >>> import scalargrad as sg
    >>> x = sg.Value(-1.0, label="x")
    >>> with sg.detect_anomaly():
    ...     x.log()
    Traceback (most recent call last):
    ...
    FloatingPointError: log produced nan from input x = -1.0
    """

    def _new_modes(self) -> tuple[bool, bool]:
        return state.grad_enabled, True


class numbers_only(_Switch):
    """Compute on Values for their numbers alone: no graph, no anomaly checks (the engine's own use).

    >>> import scalargrad as sg
    >>> with numbers_only():
    ...     (1 / sg.Value(0.0)).data
    inf
    """

    def _new_modes(self) -> tuple[bool, bool]:
        return False, False


def is_grad_enabled() -> bool:
    """True unless this thread is inside ``no_grad``.

    >>> import scalargrad as sg
    >>> sg.is_grad_enabled()
    True
    """
    return state.grad_enabled
