"""Neural-network building blocks on the engine: modules, layers, MLPs, and their parameters.

Two families of the same pieces, for the two kinds of readers who arrive here:

* micrograd's ``Neuron``, ``Layer`` and ``MLP`` (weights ``w``, bias ``b``,
  uniform(-1, 1) initialisation, ReLU hidden layers and a linear output);
* PyTorch's ``Linear``, ``ReLU``, ``Tanh``, ``Sigmoid``, ``LeakyReLU`` and
  ``Sequential``, which map one to one onto a hand-written PyTorch-style
  ``Module``/``Linear`` network, such as the 2-20-20-2 XOR net in
  ``examples/seed004_pytorch_style.py``.

Every module works on plain lists of Values or numbers and builds each
neuron's weighted sum as one ``scalargrad.dot`` node. Parameters are found by
looking at a module's attributes, so a user's own ``Module`` subclass needs no
registration:

>>> from scalargrad import nn
>>> model = nn.MLP(2, [16, 16, 1], seed=1337)
>>> len(model.parameters())
337
>>> y = model([0.5, -1.0])        # one output: a single Value
>>> type(y).__name__
'Value'
>>> y.backward()
>>> model.zero_grad()

A model's numbers move in and out as ``state_dict()`` (dotted name -> float)
and as JSON files with ``save(path)`` / ``load(path)``, whose format is
``scalargrad.nn.serialization``.
"""

from __future__ import annotations

import math
import numbers
import os
import random
import reprlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, Union

from scalargrad.nn import serialization
from scalargrad.nn.serialization import FILE_FORMAT, FILE_VERSION
from scalargrad.operation import lookup, registry
from scalargrad.ops import dot as _dot
from scalargrad.value import Value

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "Linear",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "LeakyReLU",
    "Sequential",
    "ACTIVATIONS",
    "activations",
    "INIT_SCHEMES",
    "FILE_FORMAT",
    "FILE_VERSION",
    "MAX_PARAMETERS",
]

Number = Union[int, float]
Scalar = Union[Value, int, float]
Inputs = Union[Sequence[Scalar], Scalar]
ActivationFn = Callable[[Value], Value]
Activation = Union[str, ActivationFn, None]
Rng = Union[random.Random, Any]  # random.Random, or the random module itself

_M = TypeVar("_M", bound="Module")
_N = TypeVar("_N", bound="Neuron")
_L = TypeVar("_L", bound="Layer")
_P = TypeVar("_P", bound="MLP")
_Lin = TypeVar("_Lin", bound="Linear")


def activations() -> tuple[str, ...]:
    """The activations selectable by name: ``"linear"`` (none at all) and every one-input op.

    Read from the op registry, so an op defined with ``sg.op`` is an
    activation as soon as it exists. ``nn.ACTIVATIONS`` is the same tuple.

    >>> from scalargrad import nn
    >>> {"linear", "relu", "tanh", "sigmoid", "leaky_relu"} <= set(nn.activations())
    True
    """
    # "linear" always means no activation, so an op of that name is not one.
    ops = (
        name
        for name, f in registry().items()
        if f.arity == 1 and f.spelling == "function" and name != "linear"
    )
    return ("linear", *ops)


def __getattr__(name: str) -> Any:
    if name == "ACTIVATIONS":  # read from the registry on every use (PEP 562)
        return activations()
    raise AttributeError(f"module 'scalargrad.nn' has no attribute {name!r}")


if TYPE_CHECKING:
    ACTIVATIONS: tuple[str, ...]

#: Initialisation schemes (aliases: "glorot" = "xavier", "kaiming" = "he").
INIT_SCHEMES: tuple[str, ...] = ("uniform", "xavier", "glorot", "he", "kaiming", "pytorch")

#: The most parameters one constructor creates. Each parameter is a Python
#: object of about 100 bytes, so more than this cannot fit in memory, and a
#: size that asks for more (a typo such as ``MLP(2, [10**9])``) is refused at
#: once with ``ValueError`` instead of filling memory for minutes.
MAX_PARAMETERS = 10**8

# (FILE_FORMAT and FILE_VERSION, the marker and version written into every file
# made by ``Module.save``, live in scalargrad.nn.serialization with the format.)


# ===================================================================== Module


class Module:
    """Base class of every network piece: finds its parameters, saves and loads them.

    A subclass defines ``forward``; calling the module calls it. Parameters
    are not registered: ``parameters()`` looks through the instance's
    attributes, in the order they were set, for leaf Values, Modules, and
    lists, tuples and dicts of them (nested to any depth). Attributes whose
    names start with ``_`` are private and never searched, and a computed
    (non-leaf) Value, such as a cached output, is not a parameter. A Value or
    Module reachable in several places counts once, under its first name.
    ``named_parameters()`` and ``named_modules()`` give those dotted names;
    the parameters' names are the keys of ``state_dict()``, so no two
    parameters may share one.

    >>> from scalargrad import Value
    >>> from scalargrad.nn import Module, Linear
    >>> class Affine(Module):
    ...     def __init__(self):
    ...         self.scale = Value(2.0)
    ...         self.shift = {"b": Value(0.5)}
    ...         self.tied = [self.scale]          # the same Value again: counted once
    ...     def forward(self, x):
    ...         return self.scale * x + self.shift["b"]
    >>> m = Affine()
    >>> m(3.0).data
    6.5
    >>> [name for name, _ in m.named_parameters()]
    ['scale', 'shift.b']
    >>> m.state_dict()
    {'scale': 2.0, 'shift.b': 0.5}

    ``__init__`` of this class does nothing, so subclasses need not call it.
    """

    #: Set by ``train()`` and ``eval()`` on a module and everything inside it.
    training: bool = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """What calling the module computes; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------ discovery

    def _children(self) -> list[tuple[str, Any]]:
        """The (name, object) pairs searched for parameters and sub-modules, in order."""
        attributes = getattr(self, "__dict__", {})
        return [(k, v) for k, v in attributes.items() if not k.startswith("_")]

    def _named_members(
        self, recurse: bool = True, paths: bool = False
    ) -> Iterator[tuple[str, tuple[Any, ...], Value | Module]]:
        """The one walk behind ``parameters``, ``named_parameters``, ``modules``, ``named_modules`` and ``repr``.

        Yields ``(dotted name, key path, object)`` for this module (named
        ``""``) and then, depth first in the order of ``_children()``, for
        every leaf Value and every Module reachable through public attributes
        and lists, tuples and dicts nested to any depth. Each object comes
        once, under its first name, so sharing and cycles end the walk. With
        ``recurse=False`` the walk does not look inside the modules it finds
        (as PyTorch's ``named_children``). With ``paths=True`` the key path is
        the attribute names, indices and dict keys that lead to the object
        (else ``()``, which is quicker): two objects whose dotted names
        coincide (``a`` -> ``"b"`` and an attribute ``"a.b"``) have different
        paths.

        It is a loop over a stack rather than a recursion, so no depth of
        nesting runs out of Python's recursion limit.
        """
        yield "", (), self
        # every object walked, by id; holding the objects keeps an id from being reused mid-walk
        seen: dict[int, Any] = {id(self): self}
        stack: list[tuple[str, tuple[Any, ...], Iterator[tuple[Any, Any]]]] = [
            ("", (), iter(self._children()))
        ]
        while stack:
            prefix, path, items = stack[-1]
            for key, obj in items:
                if isinstance(obj, Value):
                    if not obj.parents and id(obj) not in seen:  # a computed Value is not a parameter
                        seen[id(obj)] = obj
                        yield f"{prefix}{key}", (*path, key) if paths else (), obj
                    continue
                if not isinstance(obj, (Module, list, tuple, dict)) or id(obj) in seen:
                    continue
                seen[id(obj)] = obj
                name, keys = f"{prefix}{key}", (*path, key) if paths else ()
                children: Iterator[tuple[Any, Any]]
                if isinstance(obj, Module):
                    yield name, keys, obj
                    if not recurse:
                        continue
                    children = iter(obj._children())
                elif isinstance(obj, dict):
                    children = iter(obj.items())
                else:
                    children = enumerate(obj)
                stack.append((name + ".", keys, children))
                break  # walk the new top of the stack, then come back to this one
            else:
                stack.pop()

    def parameters(self) -> list[Value]:
        """Every trainable Value in the module, each once, in a fixed order.

        >>> from scalargrad.nn import Neuron
        >>> [p.data for p in Neuron.from_weights([0.5, -1.0], 0.25).parameters()]
        [0.5, -1.0, 0.25]
        """
        return [obj for _, _, obj in self._named_members() if isinstance(obj, Value)]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(dotted name, Value)`` for every parameter, in the order of ``parameters()``.

        The names are the keys of ``state_dict()``, so two parameters may not
        share one (an attribute ``"a.b"`` set with ``setattr`` beside a dict
        ``a = {"b": ...}``): that raises ``ValueError`` naming both.

        >>> from scalargrad.nn import MLP
        >>> names = [n for n, _ in MLP(2, [3, 1], seed=0).named_parameters()]
        >>> names[:3], names[-1]
        (['layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b'], 'layers.1.neurons.0.b')
        """
        named = [(name, obj) for name, _, obj in self._named_members() if isinstance(obj, Value)]
        if len({name for name, _ in named}) != len(named):
            raise self._name_collision()
        return named

    def _name_collision(self) -> ValueError:
        """The error for two parameters with one dotted name, saying how each is reached."""
        where: dict[str, tuple[Any, ...]] = {}
        for name, path, obj in self._named_members(paths=True):
            if isinstance(obj, Value):
                if name in where:
                    return ValueError(
                        f"two parameters of {type(self).__name__} have the same name {name!r}: the one "
                        f"reached through the keys {list(where[name])!r} and the one reached through "
                        f"{list(path)!r}. state_dict(), save() and load() need one name per parameter, "
                        "so rename one of them (a '.' inside an attribute name or a dict key is what "
                        "makes two dotted names coincide)"
                    )
                where[name] = path
        raise AssertionError("no two parameters share a name")  # pragma: no cover

    def modules(self) -> list[Module]:
        """This module and every module inside it, each once, outermost first.

        >>> from scalargrad.nn import Sequential, Linear, ReLU
        >>> [type(m).__name__ for m in Sequential(Linear(2, 2, seed=0), ReLU()).modules()]
        ['Sequential', 'Linear', 'ReLU']
        """
        return [obj for _, _, obj in self._named_members() if isinstance(obj, Module)]

    def named_modules(self) -> list[tuple[str, Module]]:
        """``(dotted name, module)`` for this module (named ``""``) and every module inside it.

        The order and the names are those of ``modules()`` and
        ``named_parameters()``: a parameter ``layers.1.neurons.0.b`` lives in
        the module ``layers.1.neurons.0``.

        >>> from scalargrad.nn import MLP
        >>> [(name, type(m).__name__) for name, m in MLP(1, [1, 1], seed=0).named_modules()]
        [('', 'MLP'), ('layers.0', 'Layer'), ('layers.0.neurons.0', 'Neuron'), ('layers.1', 'Layer'), ('layers.1.neurons.0', 'Neuron')]
        """
        return [(name, obj) for name, _, obj in self._named_members() if isinstance(obj, Module)]

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to 0.0 (gradients accumulate otherwise).

        >>> from scalargrad.nn import Neuron
        >>> n = Neuron.from_weights([2.0], 0.0, activation="linear")
        >>> n([3.0]).backward(); n.w[0].grad
        3.0
        >>> n.zero_grad(); n.w[0].grad
        0.0
        """
        for p in self.parameters():
            p.grad = 0.0

    def train(self: _M, mode: bool = True) -> _M:
        """Set ``training`` to ``mode`` here and in every sub-module; returns the module.

        >>> from scalargrad.nn import MLP
        >>> m = MLP(2, [2, 1], seed=0).train(False)
        >>> m.training, m.layers[0].training
        (False, False)
        """
        mode = _check_flag("mode", mode)
        for m in self.modules():
            m.training = mode
        return self

    def eval(self: _M) -> _M:
        """``train(False)``: mark the module as used for inference; returns the module.

        >>> from scalargrad.nn import Linear
        >>> Linear(2, 1, seed=0).eval().training
        False
        """
        return self.train(False)

    # -------------------------------------------------------------- printing

    def extra_repr(self) -> str:
        """The arguments shown inside this module's ``repr`` (sizes, settings)."""
        return ""

    def _repr_children(self) -> list[tuple[str, Any]]:
        """The sub-modules a ``repr`` lists, named as in ``named_parameters``."""
        return [
            (name, obj)
            for name, _, obj in self._named_members(recurse=False)
            if isinstance(obj, Module) and obj is not self
        ]

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        children = self._repr_children()
        if not children:
            return head + ")"
        lines = [f"  ({name}): " + _describe(m).replace("\n", "\n  ") for name, m in children]
        return head + "\n" + "\n".join(lines) + "\n)"

    # ----------------------------------------------------------- state dict

    def state_dict(self) -> dict[str, float]:
        """Every parameter's number, keyed by its dotted name, in parameter order.

        >>> from scalargrad.nn import Linear
        >>> Linear.from_weights([[1.0, 2.0]], [0.5]).state_dict()
        {'weight.0.0': 1.0, 'weight.0.1': 2.0, 'bias.0': 0.5}
        """
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Number]) -> None:
        """Set every parameter from ``state`` (as made by ``state_dict``): all of them, or none.

        The keys must be exactly this module's parameter names: missing or
        unexpected keys raise ``KeyError`` naming them, and a value that is not
        a real number raises ``TypeError`` naming its key. Everything is checked
        before anything is assigned, so a failed load changes nothing.

        >>> from scalargrad.nn import Linear
        >>> layer = Linear.from_weights([[1.0, 2.0]], [0.5])
        >>> layer.load_state_dict({"weight.0.0": -1, "weight.0.1": 0.0, "bias.0": 3.0})
        >>> layer.state_dict()
        {'weight.0.0': -1.0, 'weight.0.1': 0.0, 'bias.0': 3.0}
        >>> layer.load_state_dict({"weight.0.0": 1.0})
        Traceback (most recent call last):
        ...
        KeyError: "state_dict does not match Linear: missing keys 'weight.0.1', 'bias.0'"
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict() takes a mapping of names to numbers, got {type(state).__name__}"
            )
        named = self.named_parameters()
        expected = {name for name, _ in named}
        missing = [name for name, _ in named if name not in state]
        unexpected = [key for key in state if key not in expected]
        if missing or unexpected:
            problems = []
            if missing:
                problems.append(f"missing key{'s' if len(missing) > 1 else ''} {_list_names(missing)}")
            if unexpected:
                problems.append(
                    f"unexpected key{'s' if len(unexpected) > 1 else ''} {_list_names(unexpected)}"
                )
            raise KeyError(f"state_dict does not match {type(self).__name__}: " + "; ".join(problems))
        numbers_in_order: list[float] = []
        for name, _ in named:
            x = state[name]
            if isinstance(x, bool) or not isinstance(x, numbers.Real):
                hint = " (use its .data)" if isinstance(x, Value) else ""
                raise TypeError(
                    f"state_dict[{name!r}] must be a real number, got {type(x).__name__} {x!r}{hint}"
                )
            numbers_in_order.append(float(x))
        for (_, p), x in zip(named, numbers_in_order):
            p.data = x

    # ----------------------------------------------------------------- files

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to ``path`` as JSON, atomically.

        The file holds a format marker, a version, the module's class name and
        the ``state_dict`` (see ``scalargrad.nn.serialization``); it is strict
        JSON, with ``"nan"``, ``"inf"`` and ``"-inf"`` for numbers that are
        not finite. It is written to a temporary file in the same directory,
        flushed to disk, then renamed over ``path`` in one step, so a crash
        leaves either the old file or the new one, never a torn file.

        >>> import os, tempfile
        >>> from scalargrad.nn import Linear
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "model.json")
        ...     Linear.from_weights([[1.0, 2.0]], [0.5]).save(path)
        ...     Linear(2, 1, seed=0).load(path).state_dict()
        {'weight.0.0': 1.0, 'weight.0.1': 2.0, 'bias.0': 0.5}
        """
        serialization.write(path, self.state_dict(), module=type(self).__name__)

    def load(self: _M, path: str | os.PathLike[str]) -> _M:
        """Set the parameters from a file written by ``save``; returns the module.

        Any file that cannot be loaded raises ``ValueError`` naming it and
        saying why, and leaves the module unchanged: not valid JSON (say,
        truncated), not written by ``save``, parameters that do not fit this
        module, or not a regular file of at most
        ``scalargrad.nn.serialization.MAX_FILE_BYTES`` (a FIFO or a device is
        refused, never read). A missing file is ``FileNotFoundError``.

        >>> import os, tempfile
        >>> from scalargrad.nn import Linear
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "broken.json")
        ...     with open(path, "w") as f:
        ...         _ = f.write('{"format": "scalargrad.nn.state_dict", "vers')
        ...     Linear(2, 1, seed=0).load(path)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: cannot load .../broken.json: it is not valid JSON (truncated or corrupt): ...
        """
        saved = serialization.read(path)
        try:
            self.load_state_dict(saved.parameters)
        except (KeyError, TypeError) as error:
            origin = f" (saved from {saved.module})" if saved.module is not None else ""
            raise ValueError(
                f"cannot load {saved.source}{origin} into this {type(self).__name__}: {error.args[0]}"
            ) from error
        return self


def _describe(obj: Any) -> str:
    return repr(obj) if isinstance(obj, Module) else getattr(obj, "__name__", None) or repr(obj)


def _list_names(names: list[str], shown: int = 10) -> str:
    listed = ", ".join(repr(n) for n in names[:shown])
    return listed + (f", ... ({len(names)} in all)" if len(names) > shown else "")


# ============================================================ shared helpers


def _activation_function(activation: Activation) -> ActivationFn | None:
    """The function for an activation name or callable; ``None`` for linear."""
    if activation is None:
        return None
    if isinstance(activation, str):
        key = activation.lower()
        if key == "linear":
            return None
        if key not in activations():
            raise ValueError(
                f"unknown activation {activation!r}; choose one of {', '.join(activations())}, "
                "or pass a function of a Value"
            )
        function = lookup(key)
        assert function is not None  # listed by activations()
        return function  # a one-input op function maps a Value to a Value
    if callable(activation):
        return activation
    raise TypeError(
        f"activation must be a name ({', '.join(activations())}) or a function of a Value, "
        f"got {type(activation).__name__} {activation!r}"
    )


def _activation_name(activation: Activation) -> str:
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        return activation.lower()
    return getattr(activation, "__name__", None) or repr(activation)


def _make_rng(seed: int | None, rng: Rng | None) -> Rng:
    """Where random numbers come from: ``seed``, ``rng``, or (neither) the ``random`` module."""
    if seed is not None and rng is not None:
        raise ValueError("pass seed= or rng=, not both")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
        return random.Random(seed)
    if rng is not None:
        if not (hasattr(rng, "uniform") and hasattr(rng, "gauss")):
            raise TypeError(f"rng must be a random.Random, got {type(rng).__name__} {rng!r}")
        return rng
    # Neither: the global generator, as micrograd does, so random.seed(...) reproduces it.
    return random


def _draw(init: str, nin: int, nout: int, rng: Rng, bias: bool) -> tuple[list[list[float]], list[float]]:
    """Initial weight rows (``nout`` rows of ``nin``) and biases, drawn row by row, then the biases."""
    if not isinstance(init, str):
        raise TypeError(f"init must be the name of a scheme, got {type(init).__name__} {init!r}")
    scheme = init.lower()
    bias_bound = 0.0
    if scheme == "uniform":
        rows = [[rng.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)]
    elif scheme in ("xavier", "glorot"):
        a = math.sqrt(6.0 / (nin + nout))
        rows = [[rng.uniform(-a, a) for _ in range(nin)] for _ in range(nout)]
    elif scheme in ("he", "kaiming"):
        std = math.sqrt(2.0 / nin)
        rows = [[rng.gauss(0.0, std) for _ in range(nin)] for _ in range(nout)]
    elif scheme == "pytorch":
        bias_bound = 1.0 / math.sqrt(nin)
        rows = [[rng.uniform(-bias_bound, bias_bound) for _ in range(nin)] for _ in range(nout)]
    else:
        raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INIT_SCHEMES)}")
    if not bias:
        return rows, []
    if bias_bound:
        return rows, [rng.uniform(-bias_bound, bias_bound) for _ in range(nout)]
    return rows, [0.0] * nout


def _check_size(name: str, n: Any) -> int:
    """``n`` as an int; ``TypeError`` if it is not an integer, ``ValueError`` if it is not positive."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be a positive int, got {type(n).__name__} {reprlib.repr(n)}")
    if n < 1:
        raise ValueError(f"{name} must be a positive int, got {n!r}")
    return int(n)


def _check_flag(name: str, flag: Any) -> bool:
    """``flag`` as a bool; ``TypeError`` for anything but a bool (or the ints 0 and 1)."""
    if isinstance(flag, bool):
        return flag
    if isinstance(flag, int) and flag in (0, 1):
        return bool(flag)
    raise TypeError(f"{name} must be True or False, got {type(flag).__name__} {reprlib.repr(flag)}")


def _check_parameter_count(what: str, count: int) -> None:
    """Refuse, before anything is allocated, a module with more than ``MAX_PARAMETERS`` parameters."""
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"{what} would have {count:,} parameters, more than can fit in memory "
            f"(scalargrad.nn.MAX_PARAMETERS is {MAX_PARAMETERS:,}); is a size mistyped?"
        )


def _nonlin(activation: Activation, nonlin: Any) -> Activation:
    """micrograd's ``nonlin=True/False`` as an activation name; ``None`` leaves ``activation``."""
    if nonlin is None:
        return activation
    return "relu" if _check_flag("nonlin", nonlin) else "linear"


def _floats(numbers_: Any, what: str) -> list[float]:
    """``numbers_`` as a list of floats; ``TypeError`` naming ``what`` or the bad entry."""
    if isinstance(numbers_, (str, bytes, Value)) or not isinstance(numbers_, Sequence):
        raise TypeError(
            f"{what} must be a sequence of numbers, got {type(numbers_).__name__} {reprlib.repr(numbers_)}"
        )
    out: list[float] = []
    for i, x in enumerate(numbers_):
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise TypeError(f"{what}[{i}] must be a real number, got {type(x).__name__} {reprlib.repr(x)}")
        out.append(float(x))
    return out


def _weights(
    rows: Any, biases: Any, rows_name: str, biases_name: str
) -> tuple[list[list[float]], list[float] | None]:
    """Weight rows (one per output, all as long) and biases (one per row, or ``None``), checked, as floats."""
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence):
        raise TypeError(
            f"{rows_name} must be a list of weight rows, one per output, "
            f"got {type(rows).__name__} {reprlib.repr(rows)}"
        )
    if not rows:
        raise ValueError("weights must be a non-empty list of rows, one per output")
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
            raise TypeError(
                f"weight row {i} must be a sequence of numbers, got {type(row).__name__} {reprlib.repr(row)}"
            )
    nin = len(rows[0])
    if nin == 0:
        raise ValueError("weight rows must not be empty")
    for i, row in enumerate(rows):
        if len(row) != nin:
            raise ValueError(f"weight row {i} has {len(row)} entries, row 0 has {nin}")
    if biases is not None:
        if isinstance(biases, (str, bytes)) or not isinstance(biases, Sequence):
            raise TypeError(
                f"{biases_name} must be a sequence of numbers or None, "
                f"got {type(biases).__name__} {reprlib.repr(biases)}"
            )
        if len(biases) != len(rows):
            raise ValueError(f"{len(rows)} weight rows need {len(rows)} biases, got {len(biases)}")
    matrix = [_floats(row, f"{rows_name}[{i}]") for i, row in enumerate(rows)]
    return matrix, None if biases is None else _floats(biases, biases_name)


def _leaves(numbers_: Sequence[float]) -> list[Value]:
    """New parameter leaves holding ``numbers_``."""
    return [Value(x) for x in numbers_]


def _set_data(parameters: Sequence[Value], numbers_: Sequence[float]) -> None:
    for p, x in zip(parameters, numbers_, strict=True):
        p.data = x


def _set_neurons(neurons: Sequence[Neuron], rows: list[list[float]], biases: list[float] | None) -> None:
    """Give each neuron its row of weights and its bias (``biases=None``: remove the biases)."""
    for i, (neuron, row) in enumerate(zip(neurons, rows, strict=True)):
        _set_data(neuron.w, row)
        if biases is None:
            neuron.b = None
        elif neuron.b is None:
            neuron.b = Value(biases[i])
        else:
            neuron.b.data = biases[i]


class _Zeros:
    """A source of "random" numbers that are all 0.0, for building a module whose numbers are set next.

    ``from_weights`` constructs with it, so the class's ``__init__`` runs (a
    subclass's too) without touching the ``random`` module's stream.
    """

    def uniform(self, a: float, b: float) -> float:
        return 0.0

    def gauss(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        return 0.0


_ZEROS = _Zeros()


def _input_list(x: Any) -> list[Any]:
    """Inputs given as anything but a list or tuple: one Value or number, or an iterable."""
    if isinstance(x, (Value, numbers.Real)):
        return [x]
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise TypeError(f"inputs must be a list of Values or numbers, got {type(x).__name__} {x!r}")
    return list(x)


def _wrong_length(module: Module, expected: int, got: int) -> ValueError:
    return ValueError(
        f"{type(module).__name__} expects {expected} input{'s' if expected != 1 else ''}, got {got}"
    )


# ===================================================== micrograd-style modules


class Neuron(Module):
    """One neuron: ``activation(w . x + b)``, with the weighted sum as one ``dot`` node.

    ``activation`` is a name (``"relu"``, the default as in micrograd,
    ``"tanh"``, ``"sigmoid"``, ``"leaky_relu"``, ``"linear"``) or any function
    of a Value. ``nonlin=True/False`` is micrograd's spelling of relu/linear.
    Weights ``w`` come from ``init`` (default ``"uniform"``, micrograd's
    uniform(-1, 1); see ``Layer``, where a lone neuron counts as one output)
    and the bias ``b`` starts at 0 (is drawn under ``"pytorch"``), or there is
    none with ``bias=False``. ``seed`` or ``rng`` make it reproducible.

    >>> from scalargrad.nn import Neuron
    >>> n = Neuron.from_weights([0.5, -1.0], 0.25, activation="relu")
    >>> n([2.0, 0.5]).data              # relu(0.5*2 - 1*0.5 + 0.25)
    0.75
    >>> Neuron(3, activation="tanh", seed=1)
    Neuron(3, activation='tanh')
    """

    def __init__(
        self,
        nin: int,
        activation: Activation = "relu",
        *,
        bias: bool = True,
        init: str = "uniform",
        seed: int | None = None,
        rng: Rng | None = None,
        nonlin: bool | None = None,
    ) -> None:
        nin = _check_size("nin", nin)
        bias = _check_flag("bias", bias)
        activation = _nonlin(activation, nonlin)
        _check_parameter_count(f"Neuron({nin})", nin + bias)
        rows, biases = _draw(init, nin, 1, _make_rng(seed, rng), bias)
        self.w: list[Value] = _leaves(rows[0])
        self.b: Value | None = Value(biases[0]) if bias else None
        self.activation = activation

    @classmethod
    def from_weights(
        cls: type[_N], w: Sequence[Number], b: Number | None = 0.0, activation: Activation = "relu"
    ) -> _N:
        """A neuron with the given weights and bias (``b=None``: no bias), e.g. a tutorial's.

        It is built as ``cls(len(w), activation, bias=..., ...)``, so a
        subclass's ``__init__`` runs, and then given these numbers.

        >>> n = Neuron.from_weights([0.01, 0.01], 0.01, activation="sigmoid")
        >>> n([1.0, 1.0]).data == 1 / (1 + 2.718281828459045 ** -0.03)
        True
        """
        weights = _floats(w, "w")
        if not weights:
            raise ValueError("a Neuron needs at least one weight")
        if b is not None and (isinstance(b, bool) or not isinstance(b, numbers.Real)):
            raise TypeError(f"b must be a real number or None, got {type(b).__name__} {reprlib.repr(b)}")
        bias = None if b is None else float(b)
        neuron = cls(len(weights), activation, bias=bias is not None, rng=_ZEROS)
        _set_neurons([neuron], [weights], None if bias is None else [bias])
        return neuron

    @property
    def activation(self) -> Activation:
        """The activation as given (a name or a function); assigning it changes the neuron."""
        return self._activation

    @activation.setter
    def activation(self, activation: Activation) -> None:
        self._act = _activation_function(activation)
        self._activation = activation

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return len(self.w)

    def forward(self, x: Inputs) -> Value:
        """``activation(w . x + b)`` for ``nin`` inputs (Values or numbers)."""
        w = self.w
        if type(x) is not list and type(x) is not tuple:
            x = _input_list(x)
        if len(x) != len(w):
            raise _wrong_length(self, len(w), len(x))
        out = _dot(w, x)
        b = self.b
        if b is not None:
            out = out + b
        act = self._act
        return out if act is None else act(out)

    def extra_repr(self) -> str:
        no_bias = ", bias=False" if self.b is None else ""
        return f"{len(self.w)}, activation={_activation_name(self._activation)!r}{no_bias}"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling it always returns a list.

    Initialisation (``init``): ``"uniform"`` (default) draws every weight from
    uniform(-1, 1) as micrograd does; ``"xavier"``/``"glorot"`` from
    uniform(-a, a) with a = sqrt(6 / (nin + nout)); ``"he"``/``"kaiming"``
    from a normal with standard deviation sqrt(2 / nin); ``"pytorch"`` from
    uniform(-1/sqrt(nin), 1/sqrt(nin)), biases too. Other schemes start the
    biases at 0. Weights are drawn neuron by neuron from ``rng`` (a
    ``random.Random``), from ``random.Random(seed)``, or, given neither, from
    the ``random`` module (so ``random.seed`` reproduces micrograd's models).

    >>> from scalargrad.nn import Layer
    >>> layer = Layer.from_weights([[1.0, 0.0], [0.0, -1.0]], [0.0, 0.5], activation="relu")
    >>> [v.data for v in layer([2.0, 3.0])]
    [2.0, 0.0]
    >>> len(Layer(2, 1, seed=0)([1.0, 1.0]))   # one neuron: still a list
    1
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: Activation = "relu",
        *,
        bias: bool = True,
        init: str = "uniform",
        seed: int | None = None,
        rng: Rng | None = None,
        nonlin: bool | None = None,
    ) -> None:
        nin = _check_size("nin", nin)
        nout = _check_size("nout", nout)
        bias = _check_flag("bias", bias)
        activation = _nonlin(activation, nonlin)
        _check_parameter_count(f"Layer({nin}, {nout})", nout * (nin + bias))
        rows, biases = _draw(init, nin, nout, _make_rng(seed, rng), bias)
        self.neurons: list[Neuron] = [Neuron(nin, activation, bias=bias, rng=_ZEROS) for _ in rows]
        _set_neurons(self.neurons, rows, biases if bias else None)

    @classmethod
    def from_weights(
        cls: type[_L],
        rows: Sequence[Sequence[Number]],
        biases: Sequence[Number] | None = None,
        activation: Activation = "relu",
    ) -> _L:
        """A layer whose neuron ``i`` has weights ``rows[i]`` and bias ``biases[i]`` (``None``: no biases).

        It is built as ``cls(nin, nout, activation, bias=..., ...)``, so a
        subclass's ``__init__`` runs, and then given these numbers.

        >>> Layer.from_weights([[1.0, 2.0, 3.0]], [0.5], activation="sigmoid")
        Layer(3, 1, activation='sigmoid')
        """
        matrix, vector = _weights(rows, biases, "rows", "biases")
        layer = cls(len(matrix[0]), len(matrix), activation, bias=vector is not None, rng=_ZEROS)
        _set_neurons(layer.neurons, matrix, vector)
        return layer

    @property
    def activation(self) -> Activation:
        """The neurons' activation; assigning it sets every neuron's."""
        return self.neurons[0].activation

    @activation.setter
    def activation(self, activation: Activation) -> None:
        _activation_function(activation)  # reject a bad one before changing any neuron
        for n in self.neurons:
            n.activation = activation

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return len(self.neurons[0].w)

    @property
    def nout(self) -> int:
        """The number of neurons (outputs)."""
        return len(self.neurons)

    def forward(self, x: Inputs) -> list[Value]:
        """Each neuron's output, as a list (even for one neuron)."""
        if type(x) is not list and type(x) is not tuple:
            x = _input_list(x)
        neurons = self.neurons
        if len(x) != len(neurons[0].w):
            raise _wrong_length(self, len(neurons[0].w), len(x))
        return [n.forward(x) for n in neurons]

    def extra_repr(self) -> str:
        no_bias = ", bias=False" if self.neurons[0].b is None else ""
        return f"{self.nin}, {self.nout}, activation={_activation_name(self.activation)!r}{no_bias}"

    def _repr_children(self) -> list[tuple[str, Any]]:
        return []  # its neurons are alike; the header says all there is


class MLP(Module):
    """A multi-layer perceptron: layers of ``nouts[i]`` neurons, compatible with micrograd's.

    ``MLP(2, [16, 16, 1])`` has ReLU hidden layers and a linear output, and
    calling it returns a single Value when the last layer has one neuron (a
    list otherwise). ``activation`` is the hidden layers' activation, one for
    all or a list with one per hidden layer; ``output_activation`` is the last
    layer's. ``init``, ``seed`` and ``rng`` are as for ``Layer``; one stream
    of random numbers initialises all layers in order.

    >>> from scalargrad.nn import MLP
    >>> model = MLP(2, [16, 1, 1], seed=7)     # a 1-wide middle layer works
    >>> type(model([1.0, 2.0])).__name__
    'Value'
    >>> MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=0)
    MLP(
      (layers.0): Layer(2, 3, activation='tanh')
      (layers.1): Layer(3, 2, activation='sigmoid')
    )
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: Activation | Sequence[Activation] = "relu",
        output_activation: Activation = "linear",
        *,
        bias: bool = True,
        init: str = "uniform",
        seed: int | None = None,
        rng: Rng | None = None,
    ) -> None:
        nin = _check_size("nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence):
            raise TypeError(
                f"nouts must be a list of layer sizes, got {type(nouts).__name__} {reprlib.repr(nouts)}"
            )
        if not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes = [nin] + [_check_size(f"nouts[{i}]", n) for i, n in enumerate(nouts)]
        bias = _check_flag("bias", bias)
        count = sum(nout * (n + bias) for n, nout in zip(sizes, sizes[1:]))
        _check_parameter_count(f"MLP({nin}, {reprlib.repr(sizes[1:])})", count)
        hidden = _hidden_activations(activation, len(nouts) - 1)
        source = _make_rng(seed, rng)
        self.layers: list[Layer] = [
            Layer(sizes[i], sizes[i + 1], act, bias=bias, init=init, rng=source)
            for i, act in enumerate([*hidden, output_activation])
        ]

    @classmethod
    def from_weights(
        cls: type[_P],
        layers: Sequence[tuple[Sequence[Sequence[Number]], Sequence[Number] | None]],
        activation: Activation | Sequence[Activation] = "relu",
        output_activation: Activation = "linear",
    ) -> _P:
        """An MLP from ``(weight rows, biases)`` per layer, e.g. a tutorial's published weights.

        It is built as ``cls(nin, nouts, activation, output_activation, ...)``,
        so a subclass's ``__init__`` runs, and then given these numbers.

        >>> model = MLP.from_weights([([[1.0, -1.0]], [0.0]), ([[2.0]], [1.0])])
        >>> model([3.0, 1.0]).data                 # 2 * relu(3 - 1) + 1
        5.0
        """
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
            raise TypeError(
                "layers must be a list of (weight rows, biases) pairs, one per layer, "
                f"got {type(layers).__name__} {reprlib.repr(layers)}"
            )
        if not layers:
            raise ValueError("layers must be a non-empty list of (weight rows, biases) pairs")
        shapes: list[tuple[list[list[float]], list[float] | None]] = []
        for i, pair in enumerate(layers):
            if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence):
                raise TypeError(
                    f"layers[{i}] must be a (weight rows, biases) pair, got {type(pair).__name__} {reprlib.repr(pair)}"
                )
            if len(pair) != 2:
                raise ValueError(f"layers[{i}] must be a (weight rows, biases) pair, got {len(pair)} items")
            shapes.append(_weights(pair[0], pair[1], f"layers[{i}][0]", f"layers[{i}][1]"))
        for i in range(1, len(shapes)):
            nin, nout = len(shapes[i][0][0]), len(shapes[i - 1][0])
            if nin != nout:
                raise ValueError(f"layer {i} takes {nin} inputs but layer {i - 1} has {nout} outputs")
        model = cls(
            len(shapes[0][0][0]),
            [len(rows) for rows, _ in shapes],
            activation,
            output_activation,
            bias=any(biases is not None for _, biases in shapes),
            rng=_ZEROS,
        )
        for layer, (rows, biases) in zip(model.layers, shapes, strict=True):
            _set_neurons(layer.neurons, rows, biases)
        return model

    def forward(self, x: Inputs) -> Value | list[Value]:
        """The last layer's outputs: one Value if it has one neuron, else a list."""
        if type(x) is not list and type(x) is not tuple:
            x = _input_list(x)
        nin = self.layers[0].nin
        if len(x) != nin:
            raise _wrong_length(self, nin, len(x))
        out: list[Value] = []
        for layer in self.layers:
            out = layer.forward(x)
            x = out
        return out[0] if len(out) == 1 else out


def _hidden_activations(activation: Activation | Sequence[Activation], count: int) -> list[Activation]:
    if isinstance(activation, str) or activation is None or callable(activation):
        return [activation] * count
    if not isinstance(activation, Iterable):
        raise TypeError(
            f"activation must be a name ({', '.join(activations())}), a function of a Value, or a list "
            f"of them, one per hidden layer; got {type(activation).__name__} {reprlib.repr(activation)}"
        )
    acts = list(activation)
    if len(acts) != count:
        raise ValueError(
            f"{count} hidden layer{'s' if count != 1 else ''} need {count} activations, got {len(acts)}"
        )
    return acts


# ======================================================= PyTorch-style modules


class Linear(Module):
    """``y = W x + b``: ``nout`` outputs from ``nin`` inputs, as a list of Values.

    ``weight`` is a list of ``nout`` rows of ``nin`` Values (PyTorch's layout)
    and ``bias`` a list of ``nout`` Values, or ``None`` with ``bias=False``.
    The default ``init="pytorch"`` follows PyTorch's ``nn.Linear``: weights
    and biases uniform in +-1/sqrt(nin), which keeps deep stacks' outputs of
    order one; the other schemes are those of ``Layer``.

    >>> from scalargrad.nn import Linear
    >>> layer = Linear.from_weights([[1.0, 2.0], [0.0, -1.0]], [0.5, 0.0])
    >>> [y.data for y in layer([3.0, 4.0])]
    [11.5, -4.0]
    >>> Linear(2, 20, seed=0)
    Linear(in_features=2, out_features=20, bias=True)
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        bias: bool = True,
        *,
        init: str = "pytorch",
        seed: int | None = None,
        rng: Rng | None = None,
    ) -> None:
        nin = _check_size("nin", nin)
        nout = _check_size("nout", nout)
        bias = _check_flag("bias", bias)
        _check_parameter_count(f"Linear({nin}, {nout})", nout * (nin + bias))
        rows, biases = _draw(init, nin, nout, _make_rng(seed, rng), bias)
        self.weight: list[list[Value]] = [_leaves(row) for row in rows]
        self.bias: list[Value] | None = _leaves(biases) if bias else None

    @classmethod
    def from_weights(
        cls: type[_Lin], weight: Sequence[Sequence[Number]], bias: Sequence[Number] | None = None
    ) -> _Lin:
        """A Linear with the given weight rows (one per output) and biases (``None``: no bias).

        It is built as ``cls(nin, nout, bias=..., ...)``, so a subclass's
        ``__init__`` runs, and then given these numbers.

        >>> Linear.from_weights([[0.1, 0.5, 0.7, 1.2]], [-6.0])([0, 0, 2, 3])[0].data
        -1.0
        """
        matrix, vector = _weights(weight, bias, "weight", "bias")
        layer = cls(len(matrix[0]), len(matrix), bias=vector is not None, rng=_ZEROS)
        for parameters, row in zip(layer.weight, matrix, strict=True):
            _set_data(parameters, row)
        if vector is not None and layer.bias is not None:
            _set_data(layer.bias, vector)
        return layer

    @property
    def nin(self) -> int:
        """The number of inputs (PyTorch's ``in_features``)."""
        return len(self.weight[0])

    @property
    def nout(self) -> int:
        """The number of outputs (PyTorch's ``out_features``)."""
        return len(self.weight)

    def forward(self, x: Inputs) -> list[Value]:
        """``W x + b`` as a list of ``nout`` Values."""
        if type(x) is not list and type(x) is not tuple:
            x = _input_list(x)
        weight = self.weight
        if len(x) != len(weight[0]):
            raise _wrong_length(self, len(weight[0]), len(x))
        if self.bias is None:
            return [_dot(w, x) for w in weight]
        return [_dot(w, x) + b for w, b in zip(weight, self.bias)]

    def extra_repr(self) -> str:
        return f"in_features={self.nin}, out_features={self.nout}, bias={self.bias is not None}"


class _Activation(Module):
    """An activation applied to each input: a list gives a list, one Value or number gives a Value."""

    def _apply(self, v: Value) -> Value:
        raise NotImplementedError

    def forward(self, x: Inputs) -> Value | list[Value]:
        f = self._apply
        if isinstance(x, Value):
            return f(x)
        if isinstance(x, (int, float, numbers.Real)):
            return f(Value(float(x)))
        return [f(v if isinstance(v, Value) else Value(v)) for v in _input_list(x)]


class ReLU(_Activation):
    """``max(0, x)`` for each input.

    >>> from scalargrad.nn import ReLU
    >>> [y.data for y in ReLU()([-1.0, 2.0])]
    [0.0, 2.0]
    """

    def _apply(self, v: Value) -> Value:
        return v.relu()


class Tanh(_Activation):
    """``tanh(x)`` for each input.

    >>> from scalargrad.nn import Tanh
    >>> [y.data for y in Tanh()([0.0])]
    [0.0]
    """

    def _apply(self, v: Value) -> Value:
        return v.tanh()


class Sigmoid(_Activation):
    """``1 / (1 + e^-x)`` for each input.

    >>> from scalargrad.nn import Sigmoid
    >>> Sigmoid()(0.0).data
    0.5
    """

    def _apply(self, v: Value) -> Value:
        return v.sigmoid()


class LeakyReLU(_Activation):
    """``x`` for x > 0, else ``slope * x``, for each input.

    >>> from scalargrad.nn import LeakyReLU
    >>> [y.data for y in LeakyReLU(0.1)([-2.0, 3.0])]
    [-0.2, 3.0]
    """

    def __init__(self, slope: float = 0.01) -> None:
        if isinstance(slope, bool) or not isinstance(slope, numbers.Real):
            raise TypeError(f"slope must be a real number, got {type(slope).__name__} {slope!r}")
        self.slope: float = float(slope)

    def _apply(self, v: Value) -> Value:
        return v.leaky_relu(self.slope)

    def extra_repr(self) -> str:
        return f"slope={self.slope!r}"


class Sequential(Module):
    """Modules applied one after another, each to the previous one's output.

    Its modules are named ``0``, ``1``, ... (as in PyTorch), so a parameter is
    ``"2.weight.0.1"``. Indexing, ``len`` and iteration give the modules.

    >>> from scalargrad.nn import Sequential, Linear, ReLU, Sigmoid
    >>> model = Sequential(Linear(2, 20, seed=0), ReLU(), Linear(20, 2, seed=1), Sigmoid())
    >>> len(model(([0.0, 1.0])))
    2
    >>> model
    Sequential(
      (0): Linear(in_features=2, out_features=20, bias=True)
      (1): ReLU()
      (2): Linear(in_features=20, out_features=2, bias=True)
      (3): Sigmoid()
    )
    """

    def __init__(self, *modules: Callable[[Any], Any]) -> None:
        for i, m in enumerate(modules):
            if not callable(m):
                raise TypeError(
                    f"Sequential takes modules (or functions); argument {i} is {type(m).__name__} {m!r}"
                )
        self._modules = list(modules)

    def _children(self) -> list[tuple[str, Any]]:
        return [(str(i), m) for i, m in enumerate(self._modules)] + super()._children()

    def _repr_children(self) -> list[tuple[str, Any]]:
        # every step, functions too, then any modules in public attributes
        steps = [(str(i), m) for i, m in enumerate(self._modules)]
        names = {name for name, _ in steps}
        return steps + [(name, m) for name, m in super()._repr_children() if name not in names]

    def forward(self, x: Any) -> Any:
        """Each module's output fed to the next; the last one's returned."""
        for m in self._modules:
            x = m(x)
        return x

    def __getitem__(self, index: int) -> Any:
        return self._modules[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._modules)
