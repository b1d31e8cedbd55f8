"""Compare two versions of scalargrad, workload by workload, in one run.

The team's rule: measure before and after any change to the engine, both
versions in one run; no workload may get slower unnoticed. This is the tool:

    python benchmarks/compare.py --baseline HEAD             # this working tree against HEAD
    python benchmarks/compare.py --baseline HEAD --quick     # smoke test, 15-40 s
    python benchmarks/compare.py --baseline main~3 --candidate HEAD
    python benchmarks/compare.py --baseline HEAD --candidate ../other-checkout
    python benchmarks/compare.py --baseline HEAD --only "2.0 * a" --rounds 24   # look again

``--baseline`` is a git revision of this repository (or a directory holding a
``scalargrad/`` package); a revision is checked out with ``git worktree add
--detach`` into a temporary directory, removed again at the end.
``--candidate`` is the same kind of thing and defaults to the working tree
this script is in, uncommitted changes included. The workloads are always
those of ``benchmarks/bench.py`` next to this script, so both versions run
the very same code, using only the public API every version has (``Value``,
its operators, ``tanh``/``relu``/``sigmoid``, ``scalargrad.dot``,
``scalargrad.nn.MLP(..., seed=...)``, ``backward``); a workload that an old
version cannot run shows ``failed``, and the run goes on. A full run (12
rounds, the default) takes about two minutes on the project's 2-core
machine, a little more when others are busy on it.

The workloads:

  W1-W4     bench.py's: W1 the moons MLP training step (with ``nn.MLP``, and
            with the network written out in binary ops), W2 a deep chain, W3
            ``sum()`` of products, W4 an XOR sigmoid net.
  build     one operation (``a * 2.0``, ``2.0 * a``, ``1 - a``, ``a - 1``,
            ``a + b``, ``a ** 2``, ``a.tanh()``) evaluated 200,000 times in a
            loop, each node dropped at once.
  backward  one ``backward()`` over a graph of 200,000 such nodes feeding one
            ``dot`` node (the graph is built once, untimed).

``--quick`` makes W2-W4 and the micro-workloads ten times smaller and does 6
rounds: a smoke test of the tool and of both trees, not a measurement to act on.

How it measures. Two versions of one package cannot share a process, so each
workload gets a child process per version (this script, ``--child``), with
``PYTHONPATH`` set to that version's tree; the child checks that
``scalargrad`` really came from there, sets the workload up, collects
garbage, does an untimed warm-up run, and then times one run (``--block N``:
the mean of N back-to-back runs) each time the parent asks, answering with a
line of JSON on stdout. Runs continue one steady state, as the steps of a
training loop do: each pays for the garbage of the one before. The parent
asks the two in turn, round by round, baseline first in even rounds and
candidate first in odd ones (AB, BA, AB, ...); the one not being timed waits,
idle. Both are pinned to the same CPU (``--cpu``) and timed in CPU time
(``--clock wall`` for elapsed time). So a round's two measurements are a
fraction of a second apart, on the same CPU, which matters here: on this
shared virtual machine the speed of a CPU drifts by 20-50% over seconds, and
differs between the two CPUs. The rounds are shared among 3 successive
pairs of processes (``--processes``), so that no one process's luck decides a
row. The reflected operators' rows are measured together with their forward
forms' (four processes taking turns), so that they too compare fairly.

How to read the table. ``baseline`` and ``candidate`` are the median time
per run over the rounds. ``speed`` is baseline time / candidate time, the
median of the rounds' own ratios: 1.00 is unchanged, above 1 the candidate
is faster (1.25x: it does the work in 80% of the time), below 1 it is
slower. ``rounds`` is the lowest and highest of those per-round ratios: the
noise. ``SLOWER by N%`` flags a workload whose candidate takes more than 5%
longer than its baseline; "(noise?)" after it says that some round found the
candidate no slower, so re-run that row with more rounds (``--only TEXT
--rounds 24``) before believing it, or disbelieving it. Two identical trees
(``--baseline HEAD --candidate HEAD``) come out within about 3% of 1.00 with
the default 12 rounds; with few rounds (``--rounds 3``, ``--quick``) expect
the odd stray flag of 5-8%.

Then "reflected / forward": the time of ``2.0 * a`` over that of ``a * 2.0``,
and of ``1 - a`` over ``a - 1``, building and in backward, for each version
(medians of the rounds' ratios, then their range); 1.00 means the reflected
operator is as fast as its forward form.

Last, memory as ``tracemalloc`` sees it (measured once per version; it does
not vary): bytes per node of bench.py's W2 chain and W1 MLP graphs, and
bytes per operation of each micro-workload's expression. ``MORE by N%``
flags a candidate that takes more than 5% more.

``--json FILE`` saves every round's times. ``--fail-if-slower`` makes the
exit status 1 when any row is flagged (time or memory), for scripts.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
THRESHOLD = 0.05  # a candidate more than 5% slower (or bigger) is flagged
REFLECTED = (("2.0 * a", "a * 2.0"), ("1 - a", "a - 1"))  # (reflected, forward)
CHILD_TIMEOUT = 600  # seconds for one answer of a child; longer means it hangs


# ----------------------------------------------------------- child process


def child(args: argparse.Namespace) -> None:
    """Run inside a child process, with one version of scalargrad on ``sys.path``."""
    tree = Path(args.tree).resolve()
    import scalargrad  # from PYTHONPATH, which is the tree

    found = Path(scalargrad.__file__).resolve()
    if tree not in found.parents:
        sys.exit(f"scalargrad was imported from {found}, not from the tree {tree}")
    import bench  # the workloads next to this script (sys.path[0]), the same for both trees

    if args.child == "info":
        print(json.dumps(describe(bench, scalargrad.Value, found, args.quick)))
        return
    for name, (_, contenders) in bench.workloads(args.quick, reference=False).items():
        for who, make in contenders.items():
            if bench.row_name(name, who) == args.row:
                serve(make(), args.block, args.clock, args.cpu)
                return
    sys.exit(f"no workload named {args.row!r}")


def serve(run: Any, block: int, clock_name: str, cpu: int) -> None:
    """Answer each "run" line on stdin with one measurement, as a line of JSON.

    As bench.py's ``time_per_run``: a ``gc.collect()`` and an untimed warm-up
    run, then blocks of ``block`` runs back to back, each measurement their
    mean. The blocks continue one steady state, as the steps of a training
    loop do (each run pays for the garbage of the one before), so there is no
    collection or warm-up between them and a round's two measurements come
    right after each other. Once set up, the process moves to CPU ``cpu``,
    where the other version's process runs too (never at the same time).
    """
    clock = time.process_time if clock_name == "cpu" else time.perf_counter
    if cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    gc.collect()
    run()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        start = clock()
        for _ in range(block):
            run()
        print(json.dumps({"seconds": (clock() - start) / block}), flush=True)


def describe(bench: Any, V: type, found: Path, quick: bool) -> dict[str, Any]:
    """The rows to time, the micro-workloads' rows, and the memory figures of this version."""
    rows = [
        bench.row_name(name, who)
        for name, (_, contenders) in bench.workloads(quick, reference=False).items()
        for who in contenders
    ]
    n = bench.micro_size(quick)
    micro = {
        kind: {e: bench.micro_row(kind, e, n) for e in bench.MICRO_EXPRESSIONS}
        for kind in ("build", "backward")
    }
    memory: dict[str, Any] = {}
    for name, build in bench.memory_graphs().items():
        memory[f"{name}, bytes per node"] = _or_error(lambda build=build: bench.bytes_per_node(V, build))
    for expr in bench.MICRO_EXPRESSIONS:
        memory[f"{expr}, bytes per operation"] = _or_error(lambda expr=expr: bench.bytes_per_op(V, expr))
    return {"scalargrad": str(found), "rows": rows, "micro": micro, "memory": memory}


def _or_error(measure: Any) -> Any:
    try:
        return measure()
    except Exception as error:  # noqa: BLE001 - an old version may lack something: report it, go on
        return f"error: {type(error).__name__}: {error}"


# ------------------------------------------------------------------- trees


@dataclass
class Tree:
    role: str  # "baseline" or "candidate"
    path: Path
    what: str  # for the header: which code this is


def git(*args: str) -> str:
    """Run git in this repository, retrying a few times while another git holds a lock."""
    for attempt in range(5):
        done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return done.stdout.strip()
        if ".lock" not in done.stderr or attempt == 4:
            raise SystemExit(f"git {' '.join(args)} failed:\n{done.stderr.strip()}")
        time.sleep(2)
    raise AssertionError("unreachable")


def resolve(role: str, spec: str | None, cleanup: contextlib.ExitStack) -> Tree:
    """The tree to measure: the working tree (no spec), a directory, or a worktree of a git revision."""
    if spec is None:
        head = git("log", "-1", "--format=%h %s")
        changed = git("status", "--porcelain", "--", "scalargrad").splitlines()
        state = f" + {len(changed)} uncommitted change(s) in scalargrad/" if changed else ", clean"
        return Tree(role, REPO, f"working tree {REPO}: HEAD {head[:60]}{state}")
    directory = Path(spec)
    if (directory / "scalargrad" / "__init__.py").is_file():
        return Tree(role, directory.resolve(), f"directory {directory.resolve()}")
    found = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        raise SystemExit(
            f"--{role} {spec}: neither a git revision of {REPO} nor a directory with scalargrad/"
        )
    commit = found.stdout.strip()
    subject = git("log", "-1", "--format=%h %s", commit)
    tmp = Path(tempfile.mkdtemp(prefix=f"scalargrad-{role}-"))
    cleanup.callback(shutil.rmtree, tmp, True)
    path = tmp / "tree"
    git("worktree", "add", "--detach", str(path), commit)
    cleanup.callback(_remove_worktree, path)
    if not (path / "scalargrad" / "__init__.py").is_file():
        raise SystemExit(f"--{role} {spec}: that revision has no scalargrad/__init__.py")
    return Tree(role, path, f"{spec} = {subject[:60]} (worktree {path})")


def _remove_worktree(path: Path) -> None:
    try:
        git("worktree", "remove", "--force", str(path))
    except SystemExit as error:
        print(f"warning: {error}\n(run `git worktree prune` to forget it)", file=sys.stderr)


def child_command(tree: Tree, args: argparse.Namespace, *child_args: str) -> tuple[list[str], dict[str, str]]:
    command = [
        sys.executable,
        str(HERE / "compare.py"),
        "--tree",
        str(tree.path),
        "--clock",
        args.clock,
        *child_args,
    ]
    command += ["--block", str(args.block), "--cpu", str(args.cpu)]
    if args.quick:
        command.append("--quick")
    return command, dict(os.environ, PYTHONPATH=str(tree.path), PYTHONHASHSEED="0")


def info_of(tree: Tree, args: argparse.Namespace) -> dict[str, Any]:
    command, env = child_command(tree, args, "--child", "info")
    done = subprocess.run(command, env=env, cwd=tree.path, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the {tree.role} ({tree.what}) cannot be measured:\n{done.stderr.strip()[-3000:]}")
    info: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return info


class Worker:
    """A child process timing one workload for one version, on request."""

    def __init__(self, tree: Tree, row: str, args: argparse.Namespace) -> None:
        self.tree, self.row, self.error = tree, row, ""
        command, env = child_command(tree, args, "--child", "time", "--row", row)
        # A file, not a pipe: a full pipe could block the child. Closed in close().
        self.stderr: IO[str] = tempfile.TemporaryFile("w+")  # noqa: SIM115
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=tree.path,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )

    def answer(self) -> dict[str, Any] | None:
        """The child's next line of JSON, or None (and ``self.error``) if it failed."""
        if self.error:
            return None
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], CHILD_TIMEOUT)
        line = self.process.stdout.readline() if ready else ""
        if line:
            answer: dict[str, Any] = json.loads(line)
            return answer
        if not ready:
            self.process.kill()
        self.process.wait()
        self.stderr.seek(0)
        self.error = self.stderr.read().strip()[-3000:] or (
            f"no answer in {CHILD_TIMEOUT} s" if not ready else f"exit status {self.process.returncode}"
        )
        return None

    def measure(self) -> float | None:
        if self.error:
            return None
        assert self.process.stdin is not None
        try:
            self.process.stdin.write("run\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # it died; answer() reads why
        result = self.answer()
        return None if result is None else float(result["seconds"])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            assert self.process.stdin is not None
            self.process.stdin.close()  # end of input: the child exits
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()


def measure(
    rows: list[str], trees: list[Tree], rounds: int, args: argparse.Namespace
) -> tuple[dict[tuple[str, str], list[float]], dict[tuple[str, str], str]]:
    """Every round's time per run of each row for each tree, keyed by (role, row); and the errors.

    One worker per row and tree, all set up first (side by side, untimed), then
    asked in turn: in order in even rounds, in reverse in odd ones. With two
    rows (a reflected operator and its forward form) the four measurements of
    a round are close together in time, so both comparisons are fair. The
    rounds are shared among ``args.processes`` successive sets of workers, so
    that no one process's luck (where its memory landed, say) decides a row.
    """
    times: dict[tuple[str, str], list[float]] = {(tree.role, row): [] for row in rows for tree in trees}
    errors: dict[tuple[str, str], str] = {}
    sets = max(1, min(args.processes, rounds))
    r = 0
    for s in range(sets):
        workers = [
            Worker(tree, row, args) for row in rows for tree in trees if (tree.role, row) not in errors
        ]
        try:
            for worker in workers:
                worker.answer()  # "ready"
            for _ in range(rounds * (s + 1) // sets - rounds * s // sets):
                for worker in workers if r % 2 == 0 else workers[::-1]:
                    seconds = worker.measure()
                    if seconds is not None:
                        times[worker.tree.role, worker.row].append(seconds)
                r += 1
        finally:
            for worker in workers:
                worker.close()
        errors.update({(w.tree.role, w.row): w.error for w in workers if w.error})
    return times, errors


def groups(rows: list[str], micro: dict[str, dict[str, str]]) -> list[list[str]]:
    """The rows in order, each reflected operator's row measured together with its forward form's."""
    partner = {}
    for kind in micro.values():
        for reflected, forward in REFLECTED:
            partner[kind[forward]], partner[kind[reflected]] = kind[reflected], kind[forward]
    out: list[list[str]] = []
    for row in rows:
        if any(row in group for group in out):
            continue
        mate = partner.get(row)
        out.append([row, mate] if mate in rows else [row])
    return out


# --------------------------------------------------------------- the table


def fmt_ms(seconds: float | None) -> str:
    return "failed" if seconds is None else f"{seconds * 1e3:.1f} ms"


def print_row(row: str, bs: list[float], cs: list[float], failed: list[str]) -> int:
    """Print one row of the table; 1 if it is flagged as slower, else 0."""
    if failed or not bs or not cs:
        b = statistics.median(bs) if bs and "baseline" not in failed else None
        c = statistics.median(cs) if cs and "candidate" not in failed else None
        print(f"{row:44} {fmt_ms(b):>10} {fmt_ms(c):>10} {'-':>7}  {'-':>11}  FAILED", flush=True)
        return 0
    ratios = [x / y for x, y in zip(bs, cs)]  # each round's pair, measured back to back
    speed = statistics.median(ratios)
    note, flagged = "", 0
    if speed < 1 / (1 + THRESHOLD):
        flagged = 1
        note = f"  SLOWER by {1 / speed - 1:.0%}" + (" (noise?)" if max(ratios) >= 1 else "")
    elif speed > 1 + THRESHOLD:
        note = f"  faster by {1 - 1 / speed:.0%}"
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
    b, c = statistics.median(bs), statistics.median(cs)
    print(f"{row:44} {fmt_ms(b):>10} {fmt_ms(c):>10} {speed:6.2f}x  {spread:>11}{note}", flush=True)
    return flagged


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="The docstring at the top of benchmarks/compare.py says how to read the table.",
    )
    parser.add_argument("--baseline", help="git revision (or directory) to compare against, e.g. HEAD")
    parser.add_argument("--candidate", help="git revision or directory (default: this working tree)")
    parser.add_argument(
        "--rounds", type=int, help="measurements per workload and version (default 12; 6 with --quick)"
    )
    parser.add_argument("--quick", action="store_true", help="workloads ten times smaller: a smoke test")
    parser.add_argument("--only", action="append", metavar="TEXT", help="only rows whose name contains TEXT")
    parser.add_argument(
        "--clock",
        choices=["cpu", "wall"],
        default="cpu",
        help="cpu: the child's CPU time (default; other processes hardly change it); wall: elapsed time",
    )
    parser.add_argument(
        "--processes",
        type=int,
        metavar="N",
        help="successive pairs of processes per workload, sharing the rounds (default 3; 2 with --quick)",
    )
    parser.add_argument("--block", type=int, default=1, metavar="N", help="runs per measurement (default 1)")
    parser.add_argument(
        "--cpu",
        type=int,
        default=max(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else -1,
        help="the CPU every timed process runs on (default: the last one; -1: let the system choose)",
    )
    parser.add_argument("--json", metavar="FILE", help="also save every round's times to FILE")
    parser.add_argument("--fail-if-slower", action="store_true", help="exit status 1 if any row is flagged")
    parser.add_argument("--child", choices=["info", "time"], help=argparse.SUPPRESS)
    parser.add_argument("--tree", help=argparse.SUPPRESS)
    parser.add_argument("--row", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if not args.baseline:
        parser.error("--baseline is required: a git revision such as HEAD, or a directory")
    rounds = args.rounds or (6 if args.quick else 12)
    args.processes = args.processes or (2 if args.quick else 3)
    if min(rounds, args.block, args.processes) < 1:
        parser.error("--rounds, --block and --processes must be at least 1")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a kill still removes the worktrees
    with contextlib.ExitStack() as cleanup:
        trees = [resolve("baseline", args.baseline, cleanup), resolve("candidate", args.candidate, cleanup)]
        try:
            flagged = compare(trees, rounds, args)
        except KeyboardInterrupt:
            sys.exit("interrupted")
    if flagged and args.fail_if_slower:
        sys.exit(1)


def compare(trees: list[Tree], rounds: int, args: argparse.Namespace) -> int:
    """Measure, print the tables, and return the number of flagged rows."""
    start = time.perf_counter()
    base, cand = trees
    infos = {tree.role: info_of(tree, args) for tree in trees}
    rows = [r for r in infos["candidate"]["rows"] if not args.only or any(t in r for t in args.only)]
    if not rows:
        raise SystemExit(f"no workload matches --only {args.only}")
    clock = "CPU time" if args.clock == "cpu" else "wall-clock time"
    print(f"baseline   {base.what}")
    print(f"candidate  {cand.what}")
    print(
        f"Python {sys.version.split()[0]}; {rounds} rounds (AB, BA, ...) per workload, the two versions in "
        f"two processes timed in turn ({min(args.processes, rounds)} such pairs in succession);"
        f"\n{clock} per run, each measurement "
        + ("one run" if args.block == 1 else f"the mean of {args.block} back-to-back runs")
    )
    print(f"\n{'workload':44} {'baseline':>10} {'candidate':>10} {'speed':>7}  {'rounds':>11}")
    times: dict[tuple[str, str], list[float]] = {}
    errors: dict[tuple[str, str], str] = {}
    flagged = 0
    for group in groups(rows, infos["candidate"]["micro"]):
        got, failed = measure(group, trees, rounds, args)
        times.update(got)
        errors.update(failed)
        for row in group:
            flagged += print_row(
                row, times["baseline", row], times["candidate", row], [role for role, r in failed if r == row]
            )
    slow = f"{flagged} workload(s)" if flagged else "no workload"
    print(f"\n{slow} more than {THRESHOLD:.0%} slower")

    micro = infos["candidate"]["micro"]
    pairs = [
        (kind, reflected, forward)
        for kind in ("build", "backward")
        for reflected, forward in REFLECTED
        if micro[kind][reflected] in rows and micro[kind][forward] in rows
    ]
    if pairs:
        print(
            f"\n{'reflected / forward (1.00 = as fast)':44} {'baseline':>10} {'candidate':>10}  {'rounds':>21}"
        )
        for kind, reflected, forward in pairs:
            cells, spreads = [], []
            for tree in trees:
                num, den = (times[tree.role, micro[kind][e]] for e in (reflected, forward))
                if len(num) != rounds or len(den) != rounds:
                    cells.append("failed")
                    continue
                ratios = [x / y for x, y in zip(num, den)]  # each round's two, close in time
                cells.append(f"{statistics.median(ratios):9.2f}x")
                spreads.append(f"{min(ratios):.2f}-{max(ratios):.2f}")
            print(
                f"{f'{kind} {reflected} / {forward}':44} {cells[0]:>10} {cells[1]:>10}  {' '.join(spreads):>21}"
            )

    print(f"\n{'memory (tracemalloc)':44} {'baseline':>10} {'candidate':>10} {'change':>7}")
    for name, c in infos["candidate"]["memory"].items():
        b = infos["baseline"]["memory"].get(name, "error: not measured")
        if isinstance(b, str) or isinstance(c, str):
            print(f"{name:44} {'failed':>10} {'failed':>10}  {b if isinstance(b, str) else c}")
            continue
        note = ""
        if c > b * (1 + THRESHOLD):
            flagged += 1
            note = f"  MORE by {c / b - 1:.0%}"
        print(f"{name:44} {b:8.0f} B {c:8.0f} B {c / b - 1:+7.0%}{note}")

    for (role, row), error in errors.items():
        print(f"\nthe {role} failed on {row!r}:\n{error}", file=sys.stderr)
    print(f"\n({time.perf_counter() - start:.0f} s)")
    if args.json:
        record = {
            "baseline": base.what,
            "candidate": cand.what,
            "rounds": rounds,
            "quick": args.quick,
            "clock": args.clock,
            "python": sys.version,
            "seconds_per_run": {f"{role}: {row}": ts for (role, row), ts in times.items()},
            "errors": {f"{role}: {row}": error for (role, row), error in errors.items()},
            "memory": {role: info["memory"] for role, info in infos.items()},
        }
        Path(args.json).write_text(json.dumps(record, indent=1))
    return flagged


if __name__ == "__main__":
    main()
