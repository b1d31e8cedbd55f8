"""Tests of scalargrad.nn.serialization: the parameter file, and loading whatever a file holds.

Expected values are built in the tests from independent sources: Python's
``json`` module as the strict reader, ``float()`` and ``math`` for numbers,
file sizes from ``os``. The file names in the messages are the tests' own.
"""

from __future__ import annotations

import json
import math
import os
import stat
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalargrad import nn
from scalargrad.nn import serialization

HEADER = '{"format": "scalargrad.nn.state_dict", "version": 1, '


def refuse_constants(word):
    raise AssertionError(f"not strict JSON: {word}")


def strict_json(text):
    """Parse as a strict reader does: NaN, Infinity and -Infinity are errors."""
    return json.loads(text, parse_constant=refuse_constants)


def write_bytes(tmp_path, content, name="bad.json"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def load_refused(path, model=None):
    """Load ``path`` into a model, expecting ValueError naming the file and no change to the model."""
    model = model or nn.Linear(1, 1, seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError) as info:
        model.load(path)
    assert str(path) in str(info.value)
    assert model.state_dict() == before
    return str(info.value)


# ---------------------------------------------------------- the module


def test_the_format_lives_in_serialization_and_nn_still_exports_it():
    assert nn.FILE_FORMAT == serialization.FILE_FORMAT == "scalargrad.nn.state_dict"
    assert nn.FILE_VERSION == serialization.FILE_VERSION == 1
    assert {"FILE_FORMAT", "FILE_VERSION"} <= set(nn.__all__)
    assert serialization.MAX_FILE_BYTES == 64 * 1024 * 1024


def test_save_writes_what_serialization_encodes_and_load_reads_it(tmp_path):
    model = nn.MLP(2, [2, 1], seed=4)
    path = tmp_path / "m.json"
    model.save(path)
    assert path.read_text(encoding="utf-8") == serialization.encode(model.state_dict(), "MLP")
    saved = serialization.read(path)
    assert saved == (str(path), "MLP", model.state_dict())
    assert serialization.write(tmp_path / "w.json", {"x": 1}, "Thing").read_text(encoding="utf-8") == (
        serialization.encode({"x": 1.0}, "Thing")
    )


def test_write_checks_everything_before_touching_the_disk(tmp_path):
    path = tmp_path / "w.json"
    with pytest.raises(TypeError, match=r"state\['b'\] must be a real number, got str"):
        serialization.write(path, {"a": 1.0, "b": "2"}, "M")
    with pytest.raises(TypeError, match="module must be a class name"):
        serialization.write(path, {"a": 1.0}, None)
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------ numbers that are not finite


def test_non_finite_parameters_are_saved_as_strict_json_and_load_back(tmp_path):
    model = nn.Linear.from_weights([[math.nan, math.inf]], [-math.inf])
    path = tmp_path / "m.json"
    model.save(path)
    text = path.read_text(encoding="utf-8")
    document = strict_json(text)  # a strict reader accepts the file
    assert document["parameters"] == {"weight.0.0": "nan", "weight.0.1": "inf", "bias.0": "-inf"}
    other = nn.Linear(2, 1, seed=0).load(path)
    w0, w1, b = other.state_dict().values()
    assert math.isnan(w0) and w1 == math.inf and b == -math.inf


def test_old_files_with_bare_nan_and_infinity_still_load(tmp_path):
    # what save wrote before: Python's json.dumps, which allows NaN and Infinity
    document = {
        "format": "scalargrad.nn.state_dict",
        "version": 1,
        "module": "Linear",
        "parameters": {"weight.0.0": math.nan, "weight.0.1": math.inf, "bias.0": -math.inf},
    }
    text = json.dumps(document)
    assert "NaN" in text and "-Infinity" in text
    path = write_bytes(tmp_path, text, "old.json")
    w0, w1, b = nn.Linear(2, 1, seed=0).load(path).state_dict().values()
    assert math.isnan(w0) and w1 == math.inf and b == -math.inf


@pytest.mark.parametrize("word", ['"NaN"', '"Infinity"', '"+inf"', '"1.5"', "true", "null", "[1.0]", "{}"])
def test_a_parameter_that_is_not_a_number_is_refused(tmp_path, word):
    path = write_bytes(tmp_path, HEADER + '"parameters": {"weight.0.0": %s, "bias.0": 0}}' % word)
    message = load_refused(path)
    assert "'weight.0.0'" in message and "not a number" in message


# ------------------------------------------------------ what the fuzz harness found


def test_brackets_nested_100000_deep_are_a_value_error_naming_the_file(tmp_path):
    path = write_bytes(tmp_path, "[" * 100_000)
    assert "nested too deeply" in load_refused(path)
    inside = write_bytes(
        tmp_path, HEADER + '"parameters": {"w": ' + "[" * 100_000 + "]" * 100_000 + "}}", "in.json"
    )
    assert "nested too deeply" in load_refused(inside)


@pytest.mark.parametrize(
    "number",
    ["1" * 400, "1" * 5000, "-" + "9" * 309, "1e400", "-2e308"],
    ids=["400 digits", "5000 digits", "-9e308", "1e400", "-2e308"],
)
def test_a_number_too_large_for_a_float_is_a_value_error_naming_the_file(tmp_path, number):
    assert not math.isfinite(float(number))  # the premise: no float holds it
    path = write_bytes(tmp_path, HEADER + '"parameters": {"weight.0.0": %s, "bias.0": 0}}' % number)
    assert "too large for a float" in load_refused(path)


def test_large_numbers_that_fit_a_float_load_as_floats(tmp_path):
    big, odd = 10**300, 2**53 + 1
    path = write_bytes(tmp_path, HEADER + f'"parameters": {{"weight.0.0": {big}, "bias.0": {odd}}}}}')
    model = nn.Linear(1, 1, seed=0).load(path)
    assert model.state_dict() == {"weight.0.0": float(big), "bias.0": float(odd)}


def run_with_timeout(function, seconds):
    """``function()``'s exception (or None) if it ends within ``seconds``, else ``"timeout"``."""
    outcome = {}

    def target():
        try:
            function()
            outcome["error"] = None
        except BaseException as error:  # noqa: BLE001 - reported to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    return outcome["error"] if "error" in outcome else "timeout"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_loading_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    error = run_with_timeout(lambda: nn.Linear(1, 1, seed=0).load(fifo), 10)
    if error == "timeout":  # a reader is stuck waiting for a writer: give it one, then fail
        with open(fifo, "w") as writer:
            writer.write("{}")
        pytest.fail("load() blocked on a FIFO")
    assert isinstance(error, ValueError)
    assert str(fifo) in str(error) and "FIFO" in str(error) and "not a regular file" in str(error)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_loading_a_device_is_refused_without_reading_it(device):
    if not os.path.exists(device) or not stat.S_ISCHR(os.stat(device).st_mode):
        pytest.skip(f"no {device} here")
    message = load_refused(device)
    assert "character device" in message and "not a regular file" in message


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(serialization.MAX_FILE_BYTES + 1)  # sparse: no disk used
    assert os.path.getsize(path) == 64 * 1024 * 1024 + 1
    message = load_refused(path)
    assert "67,108,865 bytes" in message and "MAX_FILE_BYTES" in message


def test_the_size_limit_is_inclusive(tmp_path, monkeypatch):
    model = nn.Linear.from_weights([[1.5]], [2.5])
    path = tmp_path / "m.json"
    model.save(path)
    size = os.path.getsize(path)
    monkeypatch.setattr(serialization, "MAX_FILE_BYTES", size)
    assert nn.Linear(1, 1, seed=0).load(path).state_dict() == {"weight.0.0": 1.5, "bias.0": 2.5}
    monkeypatch.setattr(serialization, "MAX_FILE_BYTES", size - 1)
    assert f"{size:,} bytes" in load_refused(path)


def test_a_file_that_grows_past_the_limit_while_read_is_refused(tmp_path, monkeypatch):
    path = write_bytes(tmp_path, HEADER + '"parameters": {"weight.0.0": 1.0, "bias.0": 0.0}}')
    real_fstat = os.fstat

    def fstat_before_growth(fd):  # the size seen when the file was opened: it grows afterwards
        result = real_fstat(fd)
        return os.stat_result((*result[:6], 10, *result[7:]))

    monkeypatch.setattr(serialization, "MAX_FILE_BYTES", 20)
    monkeypatch.setattr(os, "fstat", fstat_before_growth)
    assert "more than 20 bytes" in load_refused(path)


def test_a_version_that_is_not_the_int_1_is_refused(tmp_path):
    path = write_bytes(tmp_path, '{"format": "scalargrad.nn.state_dict", "version": true, "parameters": {}}')
    assert "version True" in load_refused(path)


def test_a_folder_and_a_missing_file_are_os_errors(tmp_path):
    with pytest.raises(IsADirectoryError):
        nn.Linear(1, 1, seed=0).load(tmp_path)
    with pytest.raises(FileNotFoundError):
        serialization.read(tmp_path / "absent.json")


# ------------------------------------------------ any content: loaded, or a ValueError


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(10**300, 10**400)
    | st.floats()
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


def load_or_value_error(tmp_path, content):
    """Loading ``content`` either works or raises ValueError naming the file; nothing else."""
    path = write_bytes(tmp_path, content, "fuzz.json")
    model = nn.Linear(1, 1, seed=0)
    try:
        model.load(path)
    except ValueError as error:
        assert str(path) in str(error)


@given(content=st.binary(max_size=200))
def test_any_bytes_load_or_raise_a_value_error(tmp_path_factory, content):
    load_or_value_error(tmp_path_factory.mktemp("bytes"), content)


@given(document=json_values)
def test_any_json_document_loads_or_raises_a_value_error(tmp_path_factory, document):
    load_or_value_error(tmp_path_factory.mktemp("json"), json.dumps(document))


@given(
    parameters=json_values | st.fixed_dictionaries({"weight.0.0": json_values, "bias.0": json_values}),
    version=st.just(1) | json_values,
    module=json_values,
)
def test_any_parameter_file_shape_loads_or_raises_a_value_error(
    tmp_path_factory, parameters, version, module
):
    # the right names and version too, so the values themselves reach the loader
    document = {
        "format": "scalargrad.nn.state_dict",
        "version": version,
        "module": module,
        "parameters": parameters,
    }
    load_or_value_error(tmp_path_factory.mktemp("doc"), json.dumps(document))


def test_every_truncation_of_a_good_file_loads_or_raises_a_value_error(tmp_path):
    good = tmp_path / "good.json"
    nn.Linear.from_weights([[0.1, math.inf]], [math.nan]).save(good)
    data = good.read_bytes()
    for end in range(len(data)):
        load_or_value_error(tmp_path, data[:end])
