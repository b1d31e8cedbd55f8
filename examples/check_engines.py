"""``scalargrad check`` on the gallery of buggy engines, on micrograd, and on scalargrad itself.

``examples/buggy_engines/correct.py`` is a small micrograd-style engine
written to be correct; every other file there is a copy of it with one
classic mistake (see each file's docstring). This script checks them all
with ``scalargrad.testing.check_engine`` and prints one line per engine:
what it found and how long it took, then the full report of one engine.

    python examples/check_engines.py                      # the summary, then the report for rsub_wrong_sign
    python examples/check_engines.py --report no_topological_order --frames pictures/
    python examples/check_engines.py --engines correct micrograd --report correct

``--frames DIR`` draws that engine's defects: scalargrad's backward pass
through each defect's smallest program, step by step, with the first node
whose gradient differs marked (needs graphviz).

Importable pieces (tests/test_check_engine.py uses them): ``GALLERY``, each
buggy engine's name with the kinds of defect it must show, and
``load(name)``, which returns an engine's ``Value`` class.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

from _cli import positive_int

from scalargrad.testing import check_engine

FOLDER = Path(__file__).resolve().parent / "buggy_engines"

# Each buggy engine and the kinds of defect check_engine reports for it (scalargrad.testing.Defect.kind).
GALLERY = {
    "equals_instead_of_plus_equals": {"gradient"},
    "no_topological_order": {"gradient"},
    "order_not_reversed": {"gradient", "deep"},
    "recursive_topological_sort": {"deep"},
    "rsub_wrong_sign": {"value"},
    "sigmoid_derivative_of_input": {"gradient"},
    "pow_without_chain_rule": {"gradient"},
    "root_gradient_not_seeded": {"gradient"},
    "interior_gradients_not_reset": {"repeated"},
}


def load(name: str) -> type:
    """The ``Value`` class of ``buggy_engines/<name>.py`` (``correct`` for the correct one)."""
    path = FOLDER / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"buggy_engines.{name}", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Value  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--report",
        default="rsub_wrong_sign",
        choices=["correct", *GALLERY, "micrograd"],
        help="the engine whose full report is printed (default rsub_wrong_sign)",
    )
    parser.add_argument("--frames", type=Path, metavar="DIR", help="draw that engine's defects into DIR")
    parser.add_argument(
        "--examples", type=positive_int, default=200, help="random graphs per engine (default 200)"
    )
    names = ["correct", *GALLERY, "micrograd", "scalargrad"]
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=names,
        default=names,
        metavar="NAME",
        help="the engines to check (default: all of them): " + " ".join(names),
    )
    args = parser.parse_args(argv)
    if args.report not in args.engines:
        parser.error(f"--report {args.report}: not among the engines checked")

    engines: dict[str, type] = {
        name: load(name) for name in args.engines if name in GALLERY or name == "correct"
    }
    if "micrograd" in args.engines:
        try:
            import micrograd.engine

            engines["micrograd"] = micrograd.engine.Value
        except ImportError:
            print("(micrograd is not installed: pip install micrograd==0.1.0 to check it too)")
    if "scalargrad" in args.engines:
        import scalargrad

        engines["scalargrad"] = scalargrad.Value

    reports = {}
    width = max(len(name) for name in engines)
    for name, cls in engines.items():
        started = time.perf_counter()
        report = check_engine(cls, max_examples=args.examples)
        reports[name] = report
        kinds = sorted({defect.kind for defect in report.defects})
        found = "conforms" if report.ok else f"{len(report.defects)} defect(s): {', '.join(kinds)}"
        print(f"{name:<{width}}  {time.perf_counter() - started:5.1f} s  {found}")
        expected = GALLERY.get(name)
        if expected is not None and set(kinds) != expected:
            print(f"UNEXPECTED: {name} should show {sorted(expected)}")
            return 1
    print()
    report = reports[args.report]
    print(report)
    if args.frames is not None:
        paths = report.write_frames(args.frames)
        print(f"\nwrote {len(paths)} files into {args.frames}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
