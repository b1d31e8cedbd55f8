"""Neural-network building blocks on the engine: modules, layers, MLPs, and their parameters.

Two families of the same pieces, for the two kinds of readers who arrive here:

* micrograd's ``Neuron``, ``Layer`` and ``MLP`` (weights ``w``, bias ``b``,
  uniform(-1, 1) initialisation, ReLU hidden layers and a linear output);
* PyTorch's ``Linear``, ``ReLU``, ``Tanh``, ``Sigmoid``, ``LeakyReLU`` and
  ``Sequential``, which map one to one onto a hand-written network such as
  the ``Module``/``Linear`` design of seed 004.

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
and as JSON files with ``save(path)`` / ``load(path)``.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import random
import reprlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, Union

from scalargrad.files import write_atomically
from scalargrad.functions import dot as _dot
from scalargrad.value import Value

__all__ = [
    "Module", "Neuron", "Layer", "MLP",
    "Linear", "ReLU", "Tanh", "Sigmoid", "LeakyReLU", "Sequential",
    "ACTIVATIONS", "INIT_SCHEMES", "FILE_FORMAT", "FILE_VERSION",
]

Number = Union[int, float]
Scalar = Union[Value, int, float]
Inputs = Union[Sequence[Scalar], Scalar]
ActivationFn = Callable[[Value], Value]
Activation = Union[str, ActivationFn, None]
Rng = Union[random.Random, Any]  # random.Random, or the random module itself

_M = TypeVar("_M", bound="Module")

#: Activations selectable by name; "linear" (or ``None``) means none at all.
ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "sigmoid", "linear", "leaky_relu")

#: Initialisation schemes (aliases: "glorot" = "xavier", "kaiming" = "he").
INIT_SCHEMES: tuple[str, ...] = ("uniform", "xavier", "glorot", "he", "kaiming", "pytorch")

#: The marker and version written into every file made by ``Module.save``.
FILE_FORMAT = "scalargrad.nn.state_dict"
FILE_VERSION = 1


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

    def _members(self) -> tuple[list[tuple[str, Value]], list[tuple[str, Module]]]:
        """Every parameter and every module (self first), each once, with its dotted name."""
        params: list[tuple[str, Value]] = []
        modules: list[tuple[str, Module]] = [("", self)]
        seen_params: set[Value] = set()
        visited = {id(self)}  # modules and containers, so cycles and sharing end the walk

        def visit(name: str, obj: Any) -> None:
            if isinstance(obj, Value):
                if not obj.parents and obj not in seen_params:
                    seen_params.add(obj)
                    params.append((name, obj))
                return
            if not isinstance(obj, (Module, list, tuple, dict)) or id(obj) in visited:
                return
            visited.add(id(obj))
            if isinstance(obj, Module):
                modules.append((name, obj))
                items: Any = obj._children()
            elif isinstance(obj, dict):
                items = obj.items()
            else:
                items = enumerate(obj)
            for key, value in items:
                visit(f"{name}.{key}", value)

        for key, value in self._children():
            visit(str(key), value)
        return params, modules

    def parameters(self) -> list[Value]:
        """Every trainable Value in the module, each once, in a fixed order.

        >>> from scalargrad.nn import Neuron
        >>> [p.data for p in Neuron.from_weights([0.5, -1.0], 0.25).parameters()]
        [0.5, -1.0, 0.25]
        """
        return [p for _, p in self._members()[0]]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(dotted name, Value)`` for every parameter, in the order of ``parameters()``.

        >>> from scalargrad.nn import MLP
        >>> names = [n for n, _ in MLP(2, [3, 1], seed=0).named_parameters()]
        >>> names[:3], names[-1]
        (['layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b'], 'layers.1.neurons.0.b')
        """
        return self._members()[0]

    def modules(self) -> list[Module]:
        """This module and every module inside it, each once, outermost first.

        >>> from scalargrad.nn import Sequential, Linear, ReLU
        >>> [type(m).__name__ for m in Sequential(Linear(2, 2, seed=0), ReLU()).modules()]
        ['Sequential', 'Linear', 'ReLU']
        """
        return [m for _, m in self._members()[1]]

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
        for m in self.modules():
            m.training = bool(mode)
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
        return _modules_in(self._children())

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
            raise TypeError(f"load_state_dict() takes a mapping of names to numbers, got {type(state).__name__}")
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
        the ``state_dict``. It is written to a temporary file in the same
        directory, flushed to disk, then renamed over ``path`` in one step, so
        a crash leaves either the old file or the new one, never a torn file.

        >>> import os, tempfile
        >>> from scalargrad.nn import Linear
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "model.json")
        ...     Linear.from_weights([[1.0, 2.0]], [0.5]).save(path)
        ...     Linear(2, 1, seed=0).load(path).state_dict()
        {'weight.0.0': 1.0, 'weight.0.1': 2.0, 'bias.0': 0.5}
        """
        path = os.fspath(path)
        document = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "module": type(self).__name__,
            "parameters": self.state_dict(),
        }
        write_atomically(path, json.dumps(document, indent=1) + "\n")

    def load(self: _M, path: str | os.PathLike[str]) -> _M:
        """Set the parameters from a file written by ``save``; returns the module.

        A file that is not valid JSON (say, truncated), that was not written by
        ``save``, or whose parameters do not fit this module raises
        ``ValueError`` saying which, and leaves the module unchanged.

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
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as f:
                document = json.load(f)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"cannot load {path}: it is not valid JSON (truncated or corrupt): {error}"
            ) from error
        except UnicodeDecodeError as error:
            raise ValueError(f"cannot load {path}: it is not a text file ({error})") from error
        if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
            raise ValueError(
                f"cannot load {path}: it is not a scalargrad parameter file "
                f'(no "format": "{FILE_FORMAT}" marker)'
            )
        if document.get("version") != FILE_VERSION:
            raise ValueError(
                f"cannot load {path}: it is version {document.get('version')!r} of the file "
                f"format, and this scalargrad reads version {FILE_VERSION}"
            )
        state = document.get("parameters")
        if not isinstance(state, dict):
            raise ValueError(f'cannot load {path}: its "parameters" is not a JSON object')
        try:
            self.load_state_dict(state)
        except (KeyError, TypeError) as error:
            saved_from = document.get("module")
            origin = f" (saved from {saved_from})" if isinstance(saved_from, str) else ""
            raise ValueError(
                f"cannot load {path}{origin} into this {type(self).__name__}: {error.args[0]}"
            ) from error
        return self


def _modules_in(pairs: list[tuple[str, Any]]) -> list[tuple[str, Module]]:
    """The Modules among ``pairs`` and inside their lists, tuples and dicts, with dotted names."""
    out: list[tuple[str, Module]] = []

    def visit(name: str, obj: Any, depth: int) -> None:
        if isinstance(obj, Module):
            out.append((name, obj))
        elif depth < 8 and isinstance(obj, (list, tuple)):  # the depth limit stops a self-containing list
            for i, item in enumerate(obj):
                visit(f"{name}.{i}", item, depth + 1)
        elif depth < 8 and isinstance(obj, dict):
            for key, item in obj.items():
                visit(f"{name}.{key}", item, depth + 1)

    for key, value in pairs:
        visit(str(key), value, 0)
    return out


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
        functions: dict[str, ActivationFn] = {
            "relu": Value.relu,
            "tanh": Value.tanh,
            "sigmoid": Value.sigmoid,
            "leaky_relu": Value.leaky_relu,
        }
        if key not in functions:
            raise ValueError(
                f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}, "
                "or pass a function of a Value"
            )
        return functions[key]
    if callable(activation):
        return activation
    raise TypeError(
        f"activation must be a name ({', '.join(ACTIVATIONS)}) or a function of a Value, "
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
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{name} must be a positive int, got {n!r}")
    return n


def _leaves(numbers_: Sequence[Number], what: str) -> list[Value]:
    """New parameter leaves holding ``numbers_``; ``TypeError`` naming a bad entry."""
    if isinstance(numbers_, (str, bytes, Value)) or not isinstance(numbers_, Sequence):
        raise TypeError(f"{what} must be a sequence of numbers, got {type(numbers_).__name__}")
    out: list[Value] = []
    for i, x in enumerate(numbers_):
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise TypeError(f"{what}[{i}] must be a real number, got {type(x).__name__} {x!r}")
        out.append(Value(x))
    return out


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
        _check_size("nin", nin)
        rows, biases = _draw(init, nin, 1, _make_rng(seed, rng), bias)
        self._build(rows[0], biases[0] if bias else None, activation, nonlin)

    def _build(
        self, w: Sequence[Number], b: Number | None, activation: Activation, nonlin: bool | None = None
    ) -> None:
        if nonlin is not None:
            activation = "relu" if nonlin else "linear"
        self.w: list[Value] = _leaves(w, "w")
        if not self.w:
            raise ValueError("a Neuron needs at least one weight")
        self.b: Value | None = None if b is None else _leaves([b], "b")[0]
        self.activation = activation

    @classmethod
    def from_weights(
        cls, w: Sequence[Number], b: Number | None = 0.0, activation: Activation = "relu"
    ) -> Neuron:
        """A neuron with the given weights and bias (``b=None``: no bias), e.g. a tutorial's.

        >>> n = Neuron.from_weights([0.01, 0.01], 0.01, activation="sigmoid")
        >>> n([1.0, 1.0]).data == 1 / (1 + 2.718281828459045 ** -0.03)
        True
        """
        neuron = cls.__new__(cls)
        neuron._build(w, b, activation)
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
        _check_size("nin", nin)
        _check_size("nout", nout)
        rows, biases = _draw(init, nin, nout, _make_rng(seed, rng), bias)
        self._build(rows, biases if bias else None, activation, nonlin)

    def _build(
        self,
        rows: Sequence[Sequence[Number]],
        biases: Sequence[Number] | None,
        activation: Activation,
        nonlin: bool | None = None,
    ) -> None:
        if nonlin is not None:
            activation = "relu" if nonlin else "linear"
        _check_shape(rows, biases)
        self.neurons: list[Neuron] = [
            Neuron.from_weights(w, None if biases is None else biases[i], activation)
            for i, w in enumerate(rows)
        ]

    @classmethod
    def from_weights(
        cls,
        rows: Sequence[Sequence[Number]],
        biases: Sequence[Number] | None = None,
        activation: Activation = "relu",
    ) -> Layer:
        """A layer whose neuron ``i`` has weights ``rows[i]`` and bias ``biases[i]`` (``None``: no biases).

        >>> Layer.from_weights([[1.0, 2.0, 3.0]], [0.5], activation="sigmoid")
        Layer(3, 1, activation='sigmoid')
        """
        layer = cls.__new__(cls)
        layer._build(rows, biases, activation)
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


def _check_shape(rows: Sequence[Sequence[Number]], biases: Sequence[Number] | None) -> None:
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence) or not rows:
        raise ValueError("weights must be a non-empty list of rows, one per output")
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
            raise TypeError(f"weight row {i} must be a sequence of numbers, got {type(row).__name__}")
    nin = len(rows[0])
    if nin == 0:
        raise ValueError("weight rows must not be empty")
    for i, row in enumerate(rows):
        if len(row) != nin:
            raise ValueError(f"weight row {i} has {len(row)} entries, row 0 has {nin}")
    if biases is not None:
        if isinstance(biases, (str, bytes)) or not isinstance(biases, Sequence):
            raise TypeError(f"biases must be a sequence of numbers, got {type(biases).__name__}")
        if len(biases) != len(rows):
            raise ValueError(f"{len(rows)} weight rows need {len(rows)} biases, got {len(biases)}")


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
        _check_size("nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes = [nin] + [_check_size("each layer size", n) for n in nouts]
        hidden = _hidden_activations(activation, len(nouts) - 1)
        source = _make_rng(seed, rng)
        self.layers: list[Layer] = [
            Layer(sizes[i], sizes[i + 1], act, bias=bias, init=init, rng=source)
            for i, act in enumerate([*hidden, output_activation])
        ]

    @classmethod
    def from_weights(
        cls,
        layers: Sequence[tuple[Sequence[Sequence[Number]], Sequence[Number] | None]],
        activation: Activation | Sequence[Activation] = "relu",
        output_activation: Activation = "linear",
    ) -> MLP:
        """An MLP from ``(weight rows, biases)`` per layer, e.g. a tutorial's published weights.

        >>> model = MLP.from_weights([([[1.0, -1.0]], [0.0]), ([[2.0]], [1.0])])
        >>> model([3.0, 1.0]).data                 # 2 * relu(3 - 1) + 1
        5.0
        """
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or not layers:
            raise ValueError("layers must be a non-empty list of (weight rows, biases) pairs")
        hidden = _hidden_activations(activation, len(layers) - 1)
        built = [
            Layer.from_weights(rows, biases, act)
            for (rows, biases), act in zip(layers, [*hidden, output_activation])
        ]
        for i in range(1, len(built)):
            if built[i].nin != built[i - 1].nout:
                raise ValueError(
                    f"layer {i} takes {built[i].nin} inputs but layer {i - 1} has {built[i - 1].nout} outputs"
                )
        model = cls.__new__(cls)
        model.layers = built
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
    acts = list(activation)
    if len(acts) != count:
        raise ValueError(f"{count} hidden layer{'s' if count != 1 else ''} need {count} activations, got {len(acts)}")
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
        _check_size("nin", nin)
        _check_size("nout", nout)
        rows, biases = _draw(init, nin, nout, _make_rng(seed, rng), bias)
        self._build(rows, biases if bias else None)

    def _build(self, rows: Sequence[Sequence[Number]], biases: Sequence[Number] | None) -> None:
        _check_shape(rows, biases)
        self.weight: list[list[Value]] = [_leaves(row, f"weight[{i}]") for i, row in enumerate(rows)]
        self.bias: list[Value] | None = None if biases is None else _leaves(biases, "bias")

    @classmethod
    def from_weights(cls, weight: Sequence[Sequence[Number]], bias: Sequence[Number] | None = None) -> Linear:
        """A Linear with the given weight rows (one per output) and biases (``None``: no bias).

        >>> Linear.from_weights([[0.1, 0.5, 0.7, 1.2]], [-6.0])([0, 0, 2, 3])[0].data
        -1.0
        """
        layer = cls.__new__(cls)
        layer._build(weight, bias)
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
                raise TypeError(f"Sequential takes modules (or functions); argument {i} is {type(m).__name__} {m!r}")
        self._modules = list(modules)

    def _children(self) -> list[tuple[str, Any]]:
        return [(str(i), m) for i, m in enumerate(self._modules)] + super()._children()

    def _repr_children(self) -> list[tuple[str, Any]]:
        # every step, functions too, then any modules in public attributes
        return [(str(i), m) for i, m in enumerate(self._modules)] + _modules_in(super()._children())

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
