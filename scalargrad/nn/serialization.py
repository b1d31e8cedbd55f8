"""The JSON file that ``Module.save`` writes and ``Module.load`` reads, on its own.

A parameter file is one JSON object: a format marker, a version, the class
name of the module it was saved from, and the ``state_dict`` (dotted name ->
number)::

    {"format": "scalargrad.nn.state_dict", "version": 1, "module": "Linear",
     "parameters": {"weight.0.0": 1.0, "bias.0": 0.5}}

The file is strict JSON, which every JSON reader accepts: a number that is
not finite is written as the string ``"nan"``, ``"inf"`` or ``"-inf"`` (as
``scalargrad.viz.trace`` does), never as the bare ``NaN`` / ``Infinity`` that
Python's ``json`` module writes by default. Reading accepts those bare words
too, so files written before this rule still load.

Reading trusts nothing in the file: whatever it holds (binary data, brackets
nested 100,000 deep, a 5,000-digit number), a file that is not a parameter
file raises ``ValueError`` naming it. Only a regular file is read, and only up
to ``MAX_FILE_BYTES``, so a FIFO cannot block the reader and a device such as
``/dev/zero`` cannot fill its memory.

>>> text = encode({"w": 0.5, "b": float("inf")}, module="Neuron")
>>> json.loads(text)["parameters"]          # strict JSON: inf is a string
{'w': 0.5, 'b': 'inf'}
>>> decode(text).parameters
{'w': 0.5, 'b': inf}
"""

from __future__ import annotations

import errno
import json
import math
import numbers
import os
import reprlib
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple, Union

from scalargrad.files import write_atomically

__all__ = [
    "FILE_FORMAT",
    "FILE_VERSION",
    "MAX_FILE_BYTES",
    "SavedState",
    "encode",
    "decode",
    "write",
    "read",
]

#: The marker and version written into every parameter file.
FILE_FORMAT = "scalargrad.nn.state_dict"
FILE_VERSION = 1

#: The largest file ``read`` accepts, in bytes (64 MiB: about two million
#: parameters, far more than a scalar engine trains). A larger file is refused
#: before it is read.
MAX_FILE_BYTES = 64 * 1024 * 1024

PathArg = Union[str, bytes, os.PathLike[str], os.PathLike[bytes]]

# How a number that is not finite is spelled in a file, and back.
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class SavedState(NamedTuple):
    """What a parameter file holds: where it came from, the module's class name, the numbers.

    ``module`` is the class name recorded by ``save`` (``None`` if the file
    has none); ``parameters`` maps each dotted name to a float.

    >>> saved = decode(encode({"w.0": 2.0}, module="Neuron"), source="inline")
    >>> saved.source, saved.module, saved.parameters
    ('inline', 'Neuron', {'w.0': 2.0})
    """

    source: str
    module: str | None
    parameters: dict[str, float]


# ---------------------------------------------------------------- writing


def encode(state: Mapping[str, float], module: str) -> str:
    """The text of a parameter file holding ``state``, saved from a module of class ``module``.

    Non-finite numbers become the strings ``"nan"``, ``"inf"`` and ``"-inf"``,
    so the text is strict JSON.

    >>> print(encode({"w": 1.5, "b": float("nan")}, module="Neuron"), end="")
    {
     "format": "scalargrad.nn.state_dict",
     "version": 1,
     "module": "Neuron",
     "parameters": {
      "w": 1.5,
      "b": "nan"
     }
    }
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be a mapping of names to numbers, got {type(state).__name__}")
    if not isinstance(module, str):
        raise TypeError(f"module must be a class name (a str), got {type(module).__name__} {module!r}")
    parameters: dict[str, float | str] = {}
    for name, x in state.items():
        if not isinstance(name, str):
            raise TypeError(f"state's names must be strs, got {type(name).__name__} {name!r}")
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise TypeError(
                f"state[{name!r}] must be a real number, got {type(x).__name__} {reprlib.repr(x)}"
            )
        parameters[name] = _encode_number(float(x))
    document = {"format": FILE_FORMAT, "version": FILE_VERSION, "module": module, "parameters": parameters}
    return json.dumps(document, indent=1, allow_nan=False) + "\n"


def write(path: PathArg, state: Mapping[str, float], module: str) -> Path:
    """Write ``state`` to ``path`` as a parameter file, atomically; returns the path.

    The text (see ``encode``) goes to a temporary file that is renamed over
    ``path`` once it is on disk, so a crash leaves the old file or the new
    one, never a torn file.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write(os.path.join(folder, "w.json"), {"w.0": 0.25}, module="Neuron")
    ...     read(path).parameters
    {'w.0': 0.25}
    """
    text = encode(state, module)  # check everything before touching the disk
    return write_atomically(_path_text(path), text)


def _encode_number(x: float) -> float | str:
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


# ---------------------------------------------------------------- reading


def read(path: PathArg) -> SavedState:
    """Read and check the parameter file at ``path``.

    A missing file, a folder or an unreadable one raise ``OSError`` as
    ``open`` would. Anything else that is not a parameter file raises
    ``ValueError`` naming the path and saying what is wrong: not a regular
    file (a FIFO or a device is never opened for reading), larger than
    ``MAX_FILE_BYTES``, or content that ``decode`` refuses.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "m.json")
    ...     with open(path, "w") as f:
    ...         _ = f.write('{"format": "scalargrad.nn.state_dict", "version": 1, '
    ...                     '"parameters": {"w.0": NaN, "b": "-inf"}}')
    ...     saved = read(path)
    >>> saved.module, saved.parameters
    (None, {'w.0': nan, 'b': -inf})
    >>> read("/dev/null")
    Traceback (most recent call last):
    ...
    ValueError: cannot load /dev/null: it is a character device, not a regular file
    """
    name = _path_text(path)
    # Look before opening: opening a FIFO for reading waits for a writer, and
    # opening a device may do things. Then check again what was opened, in
    # case the path changed in between (O_NONBLOCK: a FIFO never blocks).
    _check_kind(name, os.stat(name).st_mode)
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        _check_kind(name, info.st_mode)
        limit = MAX_FILE_BYTES
        if info.st_size > limit:
            raise _too_large(name, f"{info.st_size:,} bytes", limit)
        data = f.read(limit + 1)  # never more, even if the file grows meanwhile
    if len(data) > limit:
        raise _too_large(name, f"more than {limit:,} bytes", limit)
    return decode(data, source=name)


def decode(text: str | bytes, source: str = "<string>") -> SavedState:
    """Check the text of a parameter file and return what it holds; ``source`` names it in errors.

    Every problem is a ``ValueError`` saying ``cannot load <source>: ...``:
    bytes that are not UTF-8, text that is not JSON (truncated, corrupt,
    nested too deeply, a number too large for a float), JSON without the
    format marker, another version of the format, or a parameter that is not
    a number. A number may be written as the string ``"nan"``, ``"inf"`` or
    ``"-inf"``, or (as older files did) as the bare word ``NaN``,
    ``Infinity`` or ``-Infinity``.

    >>> decode('{"format": "scalargrad.nn.state_dict", "version": 1, "module": "Neuron", '
    ...        '"parameters": {"w.0": 1, "b": Infinity}}')
    SavedState(source='<string>', module='Neuron', parameters={'w.0': 1.0, 'b': inf})
    >>> decode('[' * 100_000, source="deep.json")
    Traceback (most recent call last):
    ...
    ValueError: cannot load deep.json: it is nested too deeply to be a parameter file
    >>> decode('{"format": "scalargrad.nn.state_dict", "version": 1, '
    ...        '"parameters": {"w.0": 1e999}}', source="big.json")
    Traceback (most recent call last):
    ...
    ValueError: cannot load big.json: it holds the number 1e999, too large for a float
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"cannot load {source}: it is not a text file ({error})") from error
    elif not isinstance(text, str):
        raise TypeError(f"text must be a str or bytes, got {type(text).__name__}")
    try:
        document = json.loads(text, parse_int=_parse_int, parse_float=_parse_float)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"cannot load {source}: it is not valid JSON (truncated or corrupt): {error}"
        ) from error
    except _NumberTooLarge as error:
        raise ValueError(
            f"cannot load {source}: it holds the number {error.args[0]}, too large for a float"
        ) from None
    except RecursionError:
        raise ValueError(f"cannot load {source}: it is nested too deeply to be a parameter file") from None
    except ValueError as error:  # anything else the parser refuses
        raise ValueError(f"cannot load {source}: it is not valid JSON: {error}") from error
    return _check_document(document, source)


class _NumberTooLarge(ValueError):
    """A number in the text that no float can hold (its digits are the argument)."""


def _parse_float(text: str) -> float:
    x = float(text)
    if math.isinf(x):  # a finite literal beyond the float range, such as 1e999
        raise _NumberTooLarge(_shorten(text))
    return x


def _parse_int(text: str) -> int:
    # An integer whose float is infinite cannot be a parameter; turning it into
    # an int first could also hit Python's limit on digits (ValueError) and
    # would overflow later in float(). float() of the text is never an error.
    if len(text) > 300 and math.isinf(float(text)):
        raise _NumberTooLarge(_shorten(text))
    return int(text)


def _shorten(digits: str) -> str:
    return digits if len(digits) <= 24 else f"{digits[:12]}...({len(digits)} characters)"


def _check_document(document: Any, source: str) -> SavedState:
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise ValueError(
            f"cannot load {source}: it is not a scalargrad parameter file "
            f'(no "format": "{FILE_FORMAT}" marker)'
        )
    version = document.get("version")
    if type(version) is not int or version != FILE_VERSION:
        raise ValueError(
            f"cannot load {source}: it is version {reprlib.repr(version)} of the file "
            f"format, and this scalargrad reads version {FILE_VERSION}"
        )
    state = document.get("parameters")
    if not isinstance(state, dict):
        raise ValueError(f'cannot load {source}: its "parameters" is not a JSON object')
    parameters: dict[str, float] = {}
    for name, x in state.items():
        if isinstance(x, str) and x in _NON_FINITE:
            parameters[name] = _NON_FINITE[x]
        elif isinstance(x, (int, float)) and not isinstance(x, bool):
            parameters[name] = float(x)
        else:
            raise ValueError(
                f"cannot load {source}: its parameter {name!r} is {reprlib.repr(x)}, not a number "
                '(a number, or "nan", "inf" or "-inf")'
            )
    module = document.get("module")
    return SavedState(source, module if isinstance(module, str) else None, parameters)


def _check_kind(name: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), name)
    kinds = [
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    kind = next((text for test, text in kinds if test(mode)), "a special file")
    raise ValueError(f"cannot load {name}: it is {kind}, not a regular file")


def _too_large(name: str, size: str, limit: int) -> ValueError:
    return ValueError(
        f"cannot load {name}: it is {size}, larger than a parameter file should be "
        f"(the limit, scalargrad.nn.serialization.MAX_FILE_BYTES, is {limit:,} bytes)"
    )


def _path_text(path: Any) -> str:
    """``path`` as a str; ``TypeError`` naming the argument for anything that is not a path."""
    try:
        return os.fsdecode(os.fspath(path))
    except TypeError:
        raise TypeError(
            f"path must be a str or os.PathLike, got {type(path).__name__} {reprlib.repr(path)}"
        ) from None
