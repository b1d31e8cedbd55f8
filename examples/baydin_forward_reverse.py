"""Forward and reverse mode on the worked example of Baydin et al., "Automatic differentiation in machine learning: a survey".

    f(x1, x2) = ln x1 + x1 x2 - sin x2      at (x1, x2) = (2, 5)

Baydin, Pearlmutter, Radul and Siskind (JMLR 18, 2018) write its evaluation
trace as seven nodes, v1 = ln x1, v2 = x1 x2, v3 = sin x2, v4 = v1 + v2 and
y = v5 = v4 - v3, and differentiate it both ways. Table 2 is forward mode:
each node's value (its primal) together with its tangent v̇ = dv/dx1, seeded
with ẋ1 = 1 and ẋ2 = 0, one sweep from the inputs to y giving dy/dx1 = 5.5.
Table 3 is reverse mode: each node's adjoint v̄ = dy/dv, seeded with ȳ = 1,
one sweep from y back to the inputs giving the whole gradient,
(dy/dx1, dy/dx2) = (5.5, 1.716).

This example builds the trace with scalargrad, records both sweeps
(``forward_trace`` and ``trace``) and prints the two tables, each line written
from the records by the library's own captions. The sweep visits the nodes in
the graph's topological order (x1, v1, x2, v2, v4, v3, y); the tables list
them in the paper's order.

    python examples/baydin_forward_reverse.py                 # the two tables
    python examples/baydin_forward_reverse.py --out pictures  # and the frames of both sweeps, side by side
    python examples/baydin_forward_reverse.py --x1 3 --x2 -1  # another point

The functions are importable (the tests use them):

    build(x1, x2)          the evaluation trace, as a dict from label to Value
    forward_table(x1, x2)  Table 2: a Row per node, primal and tangent
    reverse_table(x1, x2)  Table 3: a Row per node, adjoint
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import scalargrad as sg
from scalargrad.viz.diagram import diagram
from scalargrad.viz.forward import forward_steps, forward_trace, tangent_caption
from scalargrad.viz.notation import number

# The paper's names, in the paper's order: v-1 = x1 and v0 = x2 are the inputs, y = v5.
PAPER_ORDER = ("x1", "x2", "v1", "v2", "v3", "v4", "y")

# The paper's figures, to its three decimals (Tables 2 and 3).
PAPER_PRIMALS = {"x1": 2.0, "x2": 5.0, "v1": 0.693, "v2": 10.0, "v3": -0.959, "v4": 10.693, "y": 11.652}
PAPER_TANGENTS = {"x1": 1.0, "x2": 0.0, "v1": 0.5, "v2": 5.0, "v3": 0.0, "v4": 5.5, "y": 5.5}
PAPER_ADJOINTS = {"y": 1.0, "v4": 1.0, "v3": -1.0, "v2": 1.0, "v1": 1.0, "x2": 1.716, "x1": 5.5}


@dataclass(frozen=True)
class Row:
    """One node of a table: its name, value and derivative (tangent or adjoint), and how the derivative was found."""

    name: str
    formula: str  # what made the node, "" for an input
    value: float
    derivative: float
    equation: str


def build(x1: float = 2.0, x2: float = 5.0) -> dict[str, sg.Value]:
    """The evaluation trace of f at (x1, x2): every node, by its label."""
    nodes = {"x1": sg.Value(x1, label="x1"), "x2": sg.Value(x2, label="x2")}

    def keep(value: sg.Value, label: str) -> None:
        value.label = label
        nodes[label] = value

    keep(sg.log(nodes["x1"]), "v1")
    keep(nodes["x1"] * nodes["x2"], "v2")
    keep(sg.sin(nodes["x2"]), "v3")
    keep(nodes["v1"] + nodes["v2"], "v4")
    keep(nodes["v4"] - nodes["v3"], "y")  # the paper's v5
    return nodes


def forward_table(x1: float = 2.0, x2: float = 5.0, tangents: tuple[float, float] = (1.0, 0.0)) -> list[Row]:
    """Table 2: each node's primal and its tangent, seeded with (ẋ1, ẋ2) = ``tangents``, in the paper's order."""
    sweep = forward_trace(build(x1, x2)["y"], wrt=("x1", "x2"), tangents=tangents)
    d = diagram(sweep.graph)
    rows = {}
    for step in forward_steps(d, sweep):
        node = d.nodes[step.node]
        equation = tangent_caption(d, sweep, step, formulas=True).removesuffix(" (the seed)")
        rows[node.name] = Row(node.name, node.formula, node.data, step.tangent, equation)
    return [rows[name] for name in PAPER_ORDER]


def reverse_table(x1: float = 2.0, x2: float = 5.0) -> list[Row]:
    """Table 3: each node's adjoint dy/dv, from y back to the inputs (the order of the backward pass)."""
    d = diagram(build(x1, x2)["y"])
    return [
        Row(
            d.nodes[step.node].name,
            d.nodes[step.node].formula,
            d.nodes[step.node].data,
            step.gradient,
            d.step_caption(step),
        )
        for step in d.steps
    ]


def print_tables(x1: float, x2: float) -> None:
    """Both tables, as the paper lays them out, and the paper's figures beside them at (2, 5)."""
    at_paper = (x1, x2) == (2.0, 5.0)
    print(f"f(x1, x2) = ln x1 + x1 x2 - sin x2 at (x1, x2) = ({number(x1)}, {number(x2)})\n")
    print("Table 2. Forward mode: primal trace, and tangent trace with ẋ1 = 1, ẋ2 = 0 (v̇ = dv/dx1)")
    for row in forward_table(x1, x2):
        primal = (
            f"{row.name} = {row.formula} = {number(row.value)}"
            if row.formula
            else f"{row.name} = {number(row.value)}"
        )
        paper = (
            f"   [paper: {PAPER_PRIMALS[row.name]:.3f}, {PAPER_TANGENTS[row.name]:.3f}]" if at_paper else ""
        )
        print(f"  {primal:<32} {row.equation}{paper}")
    print("\nTable 3. Reverse mode: adjoint trace with ȳ = 1 (v̄ = ∂y/∂v), from y back to the inputs")
    for row in reverse_table(x1, x2):
        paper = f"   [paper: {PAPER_ADJOINTS[row.name]:.3f}]" if at_paper else ""
        print(f"  {row.equation}{paper}")
    forward = {row.name: row for row in forward_table(x1, x2)}
    backward = {row.name: row for row in reverse_table(x1, x2)}
    print(
        f"\nOne forward sweep gave dy/dx1 = {number(forward['y'].derivative)}; "
        f"one reverse sweep gave both dy/dx1 = {number(backward['x1'].derivative)} "
        f"and dy/dx2 = {number(backward['x2'].derivative)}."
    )


def write_pictures(folder: Path, x1: float, x2: float, fmt: str) -> list[Path]:
    """The frames of both sweeps (forward/frame-NN, backward/frame-NN, one layout) and a stepper page for each."""
    from scalargrad.viz import writers

    forward, backward = sg.forward_backward_frames(build(x1, x2)["y"], ("x1", "x2"), (1.0, 0.0))
    written = writers.write_frames(forward, folder / "forward", fmt)
    written += writers.write_frames(backward, folder / "backward", fmt)
    written.append(
        writers.write_stepper(forward, folder / "forward.html", title="Forward mode: tangents flow forward")
    )
    written.append(
        writers.write_stepper(backward, folder / "backward.html", title="Reverse mode: adjoints flow back")
    )
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--x1", type=float, default=2.0, help="the point's x1 (default 2; ln needs x1 > 0)")
    parser.add_argument("--x2", type=float, default=5.0, help="the point's x2 (default 5)")
    parser.add_argument("--out", type=Path, help="also write the frames of both sweeps into this folder")
    parser.add_argument(
        "--format", choices=("svg", "png"), default="svg", help="the frames' format (default svg)"
    )
    args = parser.parse_args(argv)
    print_tables(args.x1, args.x2)
    if args.out is not None:
        written = write_pictures(args.out, args.x1, args.x2, args.format)
        print(
            f"\nWrote {len(written)} files into {args.out}/ (forward/, backward/, forward.html, backward.html)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
