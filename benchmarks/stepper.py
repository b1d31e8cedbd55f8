"""How the step frames and the stepper page scale with the graph: time and bytes.

    python benchmarks/stepper.py                       # this checkout
    python benchmarks/stepper.py --sizes 30 100 300 1000

To compare two versions in one run, run it once with each on ``PYTHONPATH``
(a ``git worktree`` of the old revision for the other), one after the other:

    git worktree add --detach /tmp/old e94e07f
    PYTHONPATH=/tmp/old python benchmarks/stepper.py --sizes 30 100 300
    PYTHONPATH=. python benchmarks/stepper.py --sizes 30 100 300

It uses only what every version has (``step_frames`` and
``writers.write_stepper``). Each graph is random but fixed by its size:
leaves, then products, sums and tanh of recent nodes. Writing the page needs
graphviz's ``dot``; the times are wall-clock and move with the machine's
load, the page sizes do not.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time

import scalargrad as sg
from scalargrad.viz import writers


def graph(size: int) -> sg.Value:
    """A random graph of ``size`` nodes, the same for the same size."""
    rng = random.Random(size)
    nodes = [sg.Value(rng.uniform(-1, 1)) for _ in range(10)]
    while len(nodes) < size:
        a, b = rng.sample(nodes[-20:], 2)
        choice = rng.random()
        nodes.append((a * b).tanh() if choice < 0.3 else a + b if choice < 0.65 else a * b)
    return nodes[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 100, 300])
    args = parser.parse_args()
    print(f"scalargrad from {os.path.dirname(sg.__file__)}")
    print(f"{'nodes':>6} {'frames':>7} {'step_frames':>12} {'write_stepper':>14} {'page':>12}")
    for size in args.sizes:
        root = graph(size)
        start = time.perf_counter()
        frames = sg.step_frames(root)
        made = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            page = writers.write_stepper(frames, os.path.join(folder, "steps.html"))
            written = time.perf_counter() - start
            kib = page.stat().st_size / 1024
        print(
            f"{size:>6} {len(frames):>7} {made * 1000:>9.1f} ms {written:>11.2f} s {kib:>8.0f} KiB",
            flush=True,
        )


if __name__ == "__main__":
    main()
