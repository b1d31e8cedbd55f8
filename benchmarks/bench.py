"""Speed and memory of scalargrad against micrograd 0.1.0, measured in one run.

    pip install -e ".[bench]"       # installs micrograd==0.1.0, the reference
    python benchmarks/bench.py      # about four minutes on two cores
    python benchmarks/bench.py --no-micro   # W1-W4 alone, about two minutes

Each workload is written once, in terms of the engine's ``Value`` class, and
run for each engine in turn (alternating, round after round) in this one
process with Python's default garbage-collector settings. The table gives the
median time of each and the ratio micrograd / scalargrad (higher is better).

Runs are timed in a steady state, as in a training loop: each round starts
with ``gc.collect()`` (so neither engine pays for the other's garbage) and an
untimed warm-up run, then times a block of runs back to back and takes their
mean. Each timed run therefore pays for collecting the garbage of the run
before it, as every training step does. For micrograd that garbage is a graph full of reference cycles, freed
only by the cyclic collector; scalargrad's graphs are freed by reference
counting the moment they are dropped.

  W1   micrograd's moons demo: an MLP(2, [16, 16, 1]), 100 two-moons points,
       SVM max-margin loss + 1e-4 L2, one full-batch SGD step (forward +
       backward + update). scalargrad runs it twice: with ``scalargrad.nn.MLP``
       (each neuron one ``dot`` node), and with the network written out as in
       micrograd, one node per binary op.
  W2   a chain of 100,000 steps ``x = x*1.0001 + 0.0001``, built and
       backpropagated (micrograd needs a raised recursion limit and a large
       thread stack for it).
  W3   the sum of 100,000 products, built with Python's ``sum()`` (so again a
       chain 100,000 deep), and backward.
  W4   a 2-4-1 sigmoid net learning XOR with MSE for 1000 epochs (micrograd
       gets a sigmoid written in its own closure style).

Then micro-workloads, one operation each (``a * 2.0``, ``2.0 * a``, ``1 - a``,
``a - 1``, ``a + b``, ``a ** 2``, ``a.tanh()``; reflected operators next to
their forward forms):

  build     the expression evaluated 200,000 times in a loop, each result
            dropped at once (making and freeing nodes, nothing else).
  backward  one ``backward()`` over a graph of 200,000 such nodes, all feeding
            one ``dot`` node (micrograd gets a ``dot`` in its closure style).

micrograd has no tanh: those rows show scalargrad alone, with "-" for it.

Memory is what ``tracemalloc`` sees allocated while a graph is built, divided
by the number of nodes in it; for the micro-workloads, by the number of
operations (micrograd makes a constant node for a number operand, too).

The workloads import without micrograd (it is imported when this script runs
them): ``benchmarks/compare.py`` times them for two versions of scalargrad.
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import statistics
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import scalargrad

# micrograd, the reference, is imported only when it is run (micrograd_value),
# so that the workloads here can be imported without it: benchmarks/compare.py
# times them for two versions of scalargrad alone.


def _micrograd_sigmoid(self: Any) -> Any:
    # The same shape as micrograd's own tanh/relu: a closure per node.
    out = type(self)(1.0 / (1.0 + math.exp(-self.data)), (self,), "sigmoid")

    def _backward() -> None:
        self.grad += out.data * (1.0 - out.data) * out.grad

    out._backward = _backward
    return out


def micrograd_value() -> type:
    """micrograd's ``Value``, imported on first use and given a sigmoid."""
    try:
        from micrograd import engine as micrograd_engine
    except ImportError:
        sys.exit('bench.py compares with micrograd 0.1.0: pip install -e ".[bench]" (or micrograd==0.1.0)')
    V: type = micrograd_engine.Value
    V.sigmoid = _micrograd_sigmoid  # type: ignore[attr-defined]
    return V


def micrograd_dot(ws: list[Any], xs: list[Any]) -> Any:
    """``scalargrad.dot`` for micrograd: one node of many parents, in micrograd's closure style."""
    V = micrograd_value()
    ws = [w if isinstance(w, V) else V(w) for w in ws]
    xs = [x if isinstance(x, V) else V(x) for x in xs]
    out = V(sum(w.data * x.data for w, x in zip(ws, xs)), (*ws, *xs), "dot")

    def _backward() -> None:
        g = out.grad
        for w, x in zip(ws, xs):
            w.grad += x.data * g
            x.grad += w.data * g

    out._backward = _backward
    return out


def engines() -> dict[str, type]:
    """The two engines' ``Value`` classes, the reference (micrograd) first."""
    return {"micrograd": micrograd_value(), "scalargrad": scalargrad.Value}


def two_moons(n: int, noise: float, seed: int = 1) -> tuple[list[tuple[float, float]], list[float]]:
    """``n`` points on two interleaved half circles, labelled -1 and +1 (sklearn's make_moons)."""
    rng = random.Random(seed)
    outer, inner = n // 2, n - n // 2
    points, labels = [], []
    for i in range(outer):
        t = math.pi * i / (outer - 1)
        points.append((math.cos(t), math.sin(t)))
        labels.append(-1.0)
    for i in range(inner):
        t = math.pi * i / (inner - 1)
        points.append((1.0 - math.cos(t), 0.5 - math.sin(t)))
        labels.append(1.0)
    points = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)) for x, y in points]
    return points, labels


# ---------------------------------------------------------------- workloads


def make_mlp(V: type, sizes: list[int], seed: int = 1337) -> list[list[tuple[list[Any], Any]]]:
    """Layers of neurons, each neuron a (weights, bias) pair, initialised as micrograd does."""
    rng = random.Random(seed)
    layers = []
    for nin, nout in zip(sizes, sizes[1:]):
        layers.append([([V(rng.uniform(-1, 1)) for _ in range(nin)], V(0.0)) for _ in range(nout)])
    return layers


def mlp_forward(layers: list, x: list, weighted_sum: Callable[[list, list, Any], Any]) -> Any:
    for i, layer in enumerate(layers):
        last = i == len(layers) - 1
        x = [weighted_sum(w, x, b) for w, b in layer]
        if not last:
            x = [v.relu() for v in x]
    return x[0]


def chained_sum(w: list, x: list, b: Any) -> Any:
    return sum((wi * xi for wi, xi in zip(w, x)), b)


def dot_sum(w: list, x: list, b: Any) -> Any:
    return scalargrad.dot(w, x) + b


def w1_setup(V: type, weighted_sum: Callable | None = chained_sum) -> Callable[[], float]:
    """One SGD step of micrograd's moons demo per call.

    The network is written out here (a loop over neurons doing ``weighted_sum``),
    or, with ``weighted_sum=None``, is a ``scalargrad.nn.MLP`` with the same
    initial weights.
    """
    points, labels = two_moons(100, 0.1)
    if weighted_sum is None:
        model = scalargrad.nn.MLP(2, [16, 16, 1], seed=1337)
        params = model.parameters()

        def score(point: tuple[float, float]) -> Any:
            return model(point)

    else:
        layers = make_mlp(V, [2, 16, 16, 1])
        params = [p for layer in layers for w, b in layer for p in (*w, b)]

        def score(point: tuple[float, float]) -> Any:
            return mlp_forward(layers, [V(x) for x in point], weighted_sum)

    step = [0]

    def one_step() -> float:
        scores = [score(point) for point in points]
        losses = [(1 + -y * s).relu() for y, s in zip(labels, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
        for p in params:
            p.grad = 0.0
        loss.backward()
        lr = 1.0 - 0.9 * step[0] / 100
        for p in params:
            p.data -= lr * p.grad
        step[0] += 1
        return loss.data

    return one_step


def w2_chain(V: type, n: int = 100_000) -> float:
    x0 = V(1.0)
    x = x0
    for _ in range(n):
        x = x * 1.0001 + 0.0001
    x.backward()
    return x0.grad


def w3_sum_of_products(V: type, n: int = 100_000) -> float:
    rng = random.Random(3)
    a = [V(rng.uniform(-1, 1)) for _ in range(n)]
    b = [V(rng.uniform(-1, 1)) for _ in range(n)]
    total = sum(ai * bi for ai, bi in zip(a, b))
    total.backward()
    return a[0].grad


def w4_xor_sigmoid(V: type, epochs: int = 1000) -> float:
    data = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]
    rng = random.Random(4)
    hidden = [([V(rng.uniform(-1, 1)) for _ in range(2)], V(0.0)) for _ in range(4)]
    out_w, out_b = [V(rng.uniform(-1, 1)) for _ in range(4)], V(0.0)
    params = [p for w, b in hidden for p in (*w, b)] + out_w + [out_b]
    loss = None
    for _ in range(epochs):
        total = 0
        for (x1, x2), target in data:
            h = [(w[0] * x1 + w[1] * x2 + b).sigmoid() for w, b in hidden]
            y = (sum((wi * hi for wi, hi in zip(out_w, h)), out_b)).sigmoid()
            total = total + (y - target) ** 2
        loss = total * 0.25
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= 0.5 * p.grad
    return loss.data


# ------------------------------------------------------------ micro-workloads

# One operation, repeated: the expression exactly as written here is the body
# of a loop (compiled from this text, so a row's name is its code). Reflected
# operators (``2.0 * a``, ``1 - a``) sit next to their forward forms
# (``a * 2.0``, ``a - 1``) so the two can be compared directly.
MICRO_EXPRESSIONS = ("a * 2.0", "2.0 * a", "1 - a", "a - 1", "a + b", "a ** 2", "a.tanh()")
NOT_IN_MICROGRAD = {"a.tanh()"}  # micrograd 0.1.0 has no tanh: no reference for these rows

_MICRO_TEMPLATE = """
def build(a, b, n):
    for _ in range(n):
        {expr}

def graph(a, b, n):
    return [{expr} for _ in range(n)]
"""


def micro_size(quick: bool) -> int:
    """How many times a micro-workload repeats its operation."""
    return 20_000 if quick else 200_000


def micro_row(kind: str, expr: str, n: int) -> str:
    """The table row of a micro-workload: ``kind`` is "build" or "backward"."""
    return f"build {expr} ({n:,} times)" if kind == "build" else f"backward {expr} ({n:,} nodes)"


def micro_loops(expr: str) -> tuple[Callable[[Any, Any, int], None], Callable[[Any, Any, int], list[Any]]]:
    """``build(a, b, n)`` evaluates ``expr`` n times, dropping each result;
    ``graph(a, b, n)`` returns the n results (n nodes, each on the leaves a and b)."""
    namespace: dict[str, Any] = {}
    exec(_MICRO_TEMPLATE.format(expr=expr), namespace)  # noqa: S102 - our own constant text
    return namespace["build"], namespace["graph"]


def micro_build_setup(V: type, expr: str, n: int) -> Callable[[], None]:
    """A run makes ``n`` nodes ``expr`` (each dropped at once: construction and freeing only)."""
    build, _ = micro_loops(expr)
    a, b = V(0.5), V(0.25)
    return lambda: build(a, b, n)


def micro_backward_setup(V: type, expr: str, n: int) -> Callable[[], Any]:
    """A run is one ``backward()`` over a graph built once: ``n`` nodes ``expr``,
    all feeding one ``dot`` node (``scalargrad.dot``; ``micrograd_dot`` for micrograd).

    The graph is wide, not deep, so every number stays finite and no engine
    needs a raised recursion limit; the dot node is the same work in every row.
    """
    _, graph = micro_loops(expr)
    dot = scalargrad.dot if V is scalargrad.Value else micrograd_dot
    a, b, one = V(0.5), V(0.25), V(1.0)
    root = dot(graph(a, b, n), [one] * n)

    def run() -> Any:
        a.grad = b.grad = one.grad = 0.0  # leaves accumulate; keep their numbers small
        root.backward()
        return a.grad

    return run


# ------------------------------------------------------------------ running


def in_big_stack(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in a thread with a 1 GiB stack and a high recursion limit.

    micrograd's recursive topological sort needs both for a 100,000-node chain;
    both engines run W2 and W3 this way, so the thread costs them the same.
    """
    result: list[Any] = []
    old_limit = sys.getrecursionlimit()
    old_size = threading.stack_size(1 << 30)
    sys.setrecursionlimit(10**6)
    try:
        thread = threading.Thread(target=lambda: result.append(fn()))
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    if not result:
        raise RuntimeError("the workload failed in its thread")
    return result[0]


def time_per_run(run: Callable[[], Any], count: int) -> float:
    """Mean time of ``count`` back-to-back runs, after a collection and an untimed warm-up.

    The mean, not the median: a garbage collector's cost comes in bursts
    (a full collection every few runs), and the mean over consecutive runs is
    what a training loop really pays per step.
    """
    gc.collect()
    run()
    start = time.perf_counter()
    for _ in range(count):
        run()
    return (time.perf_counter() - start) / count


Contenders = dict[str, Callable[[], Callable[[], Any]]]


def workloads(quick: bool, reference: bool = True, micro: bool = True) -> dict[str, tuple[int, Contenders]]:
    """Each workload: how many runs make a timed block, and how each contender makes a run.

    The first contender is the reference (micrograd); each other one gets a
    row of the table, with its ratio to that same reference measurement.
    With ``reference=False`` there is no micrograd (nor is it imported): the
    scalargrad rows alone, as ``compare.py`` runs them. micrograd has no
    tanh, so that row never has a reference. ``micro=False`` leaves out the
    micro-workloads.
    """
    n = 10_000 if quick else 100_000
    epochs = 100 if quick else 1000
    micro_n = micro_size(quick)
    sg = scalargrad.Value
    mg: Any = micrograd_value() if reference else None

    def deep(work: Callable[[type, int], Any], V: type) -> Callable[[], Callable[[], Any]]:
        return lambda: lambda: in_big_stack(lambda: work(V, n))

    def training(V: type) -> Callable[[], Callable[[], Any]]:
        return lambda: lambda: w4_xor_sigmoid(V, epochs)

    def with_reference(
        contenders: Contenders, micrograd: Callable[[], Callable[[], Any]] | None
    ) -> Contenders:
        return contenders if mg is None or micrograd is None else {"micrograd": micrograd, **contenders}

    table = {
        "W1 moons MLP step": (
            6,
            with_reference(
                {
                    "scalargrad": lambda: w1_setup(sg, None),  # nn.MLP: one dot node per neuron
                    "scalargrad, binary ops": lambda: w1_setup(sg),
                },
                lambda: w1_setup(mg),
            ),
        ),  # each run is one step of one model
        f"W2 deep chain {n:,}": (2, with_reference({"scalargrad": deep(w2_chain, sg)}, deep(w2_chain, mg))),
        f"W3 sum of {n:,} products": (
            2,
            with_reference({"scalargrad": deep(w3_sum_of_products, sg)}, deep(w3_sum_of_products, mg)),
        ),
        f"W4 XOR sigmoid {epochs} epochs": (1, with_reference({"scalargrad": training(sg)}, training(mg))),
    }

    def one_op(setup: Callable[[type, str, int], Callable[[], Any]], V: type | None, expr: str) -> Any:
        if V is None or (V is not sg and expr in NOT_IN_MICROGRAD):
            return None
        return lambda: setup(V, expr, micro_n)

    for kind, setup in (("build", micro_build_setup), ("backward", micro_backward_setup)):
        for expr in MICRO_EXPRESSIONS if micro else ():
            table[micro_row(kind, expr, micro_n)] = (
                2,
                with_reference({"scalargrad": one_op(setup, sg, expr)}, one_op(setup, mg, expr)),
            )
    return table


def row_name(workload: str, contender: str) -> str:
    """The table row of one scalargrad contender of a workload."""
    return workload if contender == "scalargrad" else f"{workload} ({contender})"


def count_nodes(root: Any) -> int:
    seen, stack = {id(root)}, [root]
    while stack:
        node = stack.pop()
        for p in node.parents if isinstance(node, scalargrad.Value) else node._prev:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


def bytes_per_node(V: type, build: Callable[[type], Any]) -> float:
    """What ``tracemalloc`` sees allocated while ``build(V)`` makes a graph, per node of it."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = build(V)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / count_nodes(root)


def bytes_per_op(V: type, expr: str, n: int = 20_000) -> float:
    """What ``tracemalloc`` sees allocated per evaluation of ``expr`` while ``n`` results are kept
    (all the nodes one operation makes: for micrograd, a number's constant node too)."""
    _, graph = micro_loops(expr)
    a, b = V(0.5), V(0.25)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    results = graph(a, b, n)
    used = tracemalloc.get_traced_memory()[0] - before - sys.getsizeof(results)
    tracemalloc.stop()
    return used / len(results)


def memory_graphs() -> dict[str, Callable[[type], Any]]:
    def chain(V: type) -> Any:
        x = V(1.0)
        for _ in range(20_000):
            x = x * 1.0001 + 0.0001
        return x

    def neuron_layer(V: type) -> Any:
        layers = make_mlp(V, [2, 16, 16, 1])
        points, _ = two_moons(20, 0.1)
        return sum(mlp_forward(layers, [V(x) for x in p], chained_sum) for p in points)

    return {"W2 chain graph": chain, "W1 MLP graph": neuron_layer}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each workload per engine")
    parser.add_argument("--quick", action="store_true", help="smaller workloads, for a smoke test")
    parser.add_argument(
        "--micro",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the micro-workloads after W1-W4 (--no-micro: W1-W4 alone)",
    )
    args = parser.parse_args()
    engine_values = engines()
    print(
        f"Python {sys.version.split()[0]}, gc thresholds {gc.get_threshold()}, "
        f"median of {args.rounds} rounds, each the mean of a block of back-to-back runs"
    )
    print(f"{'workload':44} {'micrograd':>11} {'scalargrad':>11} {'ratio':>7}")
    for name, (block, contenders) in workloads(args.quick, micro=args.micro).items():
        runs = {who: make() for who, make in contenders.items()}
        times: dict[str, list[float]] = {who: [] for who in runs}
        for r in range(args.rounds):
            order = list(runs) if r % 2 == 0 else list(reversed(runs))
            for who in order:
                times[who].append(time_per_run(runs[who], block))
        medians = {who: statistics.median(ts) for who, ts in times.items()}
        reference = medians.pop("micrograd", None)
        for who, t in medians.items():
            row = row_name(name, who)
            if reference is None:  # micrograd cannot run this one
                print(f"{row:44} {'-':>11} {t * 1e3:9.1f}ms {'-':>7}", flush=True)
            else:
                print(f"{row:44} {reference * 1e3:9.1f}ms {t * 1e3:9.1f}ms {reference / t:6.1f}x", flush=True)
        del runs  # one row's graphs at a time
    print(f"\n{'memory (tracemalloc, bytes per node)':44} {'micrograd':>11} {'scalargrad':>11} {'ratio':>7}")
    for name, build in memory_graphs().items():
        mg, sg = (bytes_per_node(V, build) for V in engine_values.values())
        print(f"{name:44} {mg:9.0f} B {sg:9.0f} B {mg / sg:6.1f}x")
    for expr in MICRO_EXPRESSIONS if args.micro else ():
        row = f"{expr} (bytes per operation)"
        sg = bytes_per_op(engine_values["scalargrad"], expr)
        if expr in NOT_IN_MICROGRAD:
            print(f"{row:44} {'-':>11} {sg:9.0f} B {'-':>7}")
            continue
        mg = bytes_per_op(engine_values["micrograd"], expr)
        print(f"{row:44} {mg:9.0f} B {sg:9.0f} B {mg / sg:6.1f}x")


if __name__ == "__main__":
    main()
