"""The source distribution as PyPA expects it: complete enough to test, and licensed in PEP 639 form.

The sdist is built from this checkout (``python -m build --sdist
--no-isolation``, with the setuptools installed here), unpacked, and some of
its tests are run from the unpacked tree against the package in it, as a
packager (Debian, conda-forge) would run them.
"""

from __future__ import annotations

import email.parser
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (archive,) = out.glob("scalargrad-*.tar.gz")
    return archive


def test_the_sdist_carries_tests_examples_docs_and_the_license(sdist: Path) -> None:
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    expected = {
        "LICENSE",
        "README.md",
        "CONTRIBUTING.md",
        "run.sh",
        "pyproject.toml",
        "tests/conftest.py",
        "tests/seed003.py",
        "tests/test_layers.py",
        "examples/_cli.py",
        "examples/chain_rule_w1_w2.py",
        "docs/conf.py",
        "docs/index.md",
        "benchmarks/bench.py",
        "scalargrad/__init__.py",
        "scalargrad/py.typed",
    }
    assert expected <= names, sorted(expected - names)
    assert not any("__pycache__" in name or name.startswith("docs/_build") for name in names)


def test_the_license_is_an_spdx_expression(sdist: Path) -> None:
    with tarfile.open(sdist) as tar:
        (pkg_info,) = [m for m in tar.getmembers() if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO")]
        extracted = tar.extractfile(pkg_info)
        assert extracted is not None
        metadata = email.parser.Parser().parsestr(extracted.read().decode("utf-8"))
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["License"] is None  # the deprecated free-text field is gone


def test_tests_run_from_the_unpacked_sdist(sdist: Path, tmp_path: Path) -> None:
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path, filter="data")
    (tree,) = tmp_path.glob("scalargrad-*")
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    probe = subprocess.run(
        [sys.executable, "-c", "import scalargrad; print(scalargrad.__file__)"],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert Path(probe.stdout.strip()).is_relative_to(tree), probe.stdout  # the unpacked package, not this one
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_layers.py",
            "tests/test_engine.py",
            "tests/test_chain_rule_example.py",
        ],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout.splitlines()[-1]
