"""The seed-003 worked example (examples/chain_rule_w1_w2.py) reproduces the published figures.

The reference numbers are the full-precision figures of ../shared/README.md,
computed independently of scalargrad; none of them was captured from this code.
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import pytest
from seed003 import (
    DE_DW1,
    DE_DW2,
    FINAL_ITERATIONS,
    FINAL_OUTO,
    FINAL_W1,
    FINAL_W2,
    OUTH,
    OUTO,
    W1_AFTER_ONE_STEP,
    W2_AFTER_ONE_STEP,
    E,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "chain_rule_w1_w2.py"


REL = 1e-12


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("chain_rule_w1_w2", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def trained(example):
    return example.train(lr=0.9, tolerance=0.00005)


def test_forward_pass_matches_published_figures(example):
    nodes = example.build(w1=0.5, w2=0.5)
    assert nodes["i1"].data == 0.1
    assert nodes["neth"].data == pytest.approx(0.05, rel=REL)
    assert nodes["outh"].data == pytest.approx(OUTH, rel=REL)
    assert nodes["neto"].data == pytest.approx(OUTH * 0.5, rel=REL)
    assert nodes["outo"].data == pytest.approx(OUTO, rel=REL)
    assert nodes["E"].data == pytest.approx(E, rel=REL)


def test_every_node_is_labelled_with_its_key(example):
    nodes = example.build()
    for name in ("i1", "w1", "neth", "outh", "w2", "neto", "outo", "E"):
        assert nodes[name].label == name
    # Walk the graph from E through the public API: no anonymous node anywhere.
    seen, todo = set(), [nodes["E"]]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        assert node.label, f"unlabelled node {node!r}"
        todo.extend(node.parents)
    assert nodes["w1"] in seen and nodes["w2"] in seen and nodes["i1"] in seen


def test_gradients_match_published_figures(example):
    nodes = example.gradients(0.5, 0.5)
    assert nodes["w2"].grad == pytest.approx(DE_DW2, rel=REL)
    assert nodes["w1"].grad == pytest.approx(DE_DW1, rel=REL)


def test_intermediate_gradients_match_hand_chain_rule(example):
    # dE/douto = -(target - outo); douto/dneto = outo (1 - outo); dneto/douth = w2;
    # douth/dneth = outh (1 - outh). All from the published forward values.
    nodes = example.gradients(0.5, 0.5)
    de_douto = -(0.9 - OUTO)
    de_dneto = de_douto * OUTO * (1 - OUTO)
    de_douth = de_dneto * 0.5
    de_dneth = de_douth * OUTH * (1 - OUTH)
    assert nodes["outo"].grad == pytest.approx(de_douto, rel=1e-12)
    assert nodes["neto"].grad == pytest.approx(de_dneto, rel=1e-12)
    assert nodes["outh"].grad == pytest.approx(de_douth, rel=1e-12)
    assert nodes["neth"].grad == pytest.approx(de_dneth, rel=1e-12)
    # and the published weight gradients are these products times the last factor
    assert de_dneto * OUTH == pytest.approx(DE_DW2, rel=1e-12)
    assert de_dneth * 0.1 == pytest.approx(DE_DW1, rel=1e-12)


def test_chain_factors_multiply_to_the_weight_gradients(example):
    nodes = example.gradients()
    for path, expected in ((example.PATH_TO_W2, DE_DW2), (example.PATH_TO_W1, DE_DW1)):
        factors = [f for _, f in example.chain_factors(nodes, path)]
        assert len(factors) == len(path) - 1
        assert math.prod(factors) == pytest.approx(expected, rel=REL)


def test_one_step_matches_published_weights(example):
    w1, w2 = example.one_step(lr=0.9)
    assert w1 == pytest.approx(W1_AFTER_ONE_STEP, rel=REL)
    assert w2 == pytest.approx(W2_AFTER_ONE_STEP, rel=REL)


def test_one_step_with_other_learning_rate_scales_the_update(example):
    w1, w2 = example.one_step(lr=0.45)
    assert w1 - 0.5 == pytest.approx((W1_AFTER_ONE_STEP - 0.5) / 2, rel=1e-9)
    assert w2 - 0.5 == pytest.approx((W2_AFTER_ONE_STEP - 0.5) / 2, rel=1e-9)


def test_training_stops_where_published(trained):
    iterations, w1, w2, outo = trained
    assert iterations == FINAL_ITERATIONS
    assert outo == pytest.approx(FINAL_OUTO, abs=1e-7)
    assert w1 == pytest.approx(FINAL_W1, abs=1e-7)
    assert w2 == pytest.approx(FINAL_W2, abs=1e-7)


def test_training_returns_the_weights_that_produced_the_output(example, trained):
    iterations, w1, w2, outo = trained
    nodes = example.build(w1, w2)
    assert nodes["outo"].data == outo
    assert nodes["E"].data < 0.00005
    assert 0.5 * (0.9 - outo) ** 2 == pytest.approx(nodes["E"].data, rel=1e-12)


def test_training_stops_at_once_when_already_below_tolerance(example):
    iterations, w1, w2, _ = example.train(lr=0.9, tolerance=1.0)
    assert (iterations, w1, w2) == (1, 0.5, 0.5)


def test_script_runs_and_prints_the_figures():
    result = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for figure in (
        "0.5124973964842103",
        "0.5637139161734462",
        "0.05654416508769998",
        "-0.042386804424448137",
        "-0.001033183875581653",
        "0.5009298654880235",
        "0.5381481239820033",
        "813",
        "0.8900135",
        "0.8800250",
        "4.0056202",
    ):
        assert figure in out, f"{figure} missing from the example's output"


def _plain_float_training(lr, tolerance, w1=0.5, w2=0.5, i1=0.1, target=0.9):
    """The same loop with the derivatives written out by hand, in plain floats."""

    def sigmoid(x):
        return 1.0 / (1.0 + math.exp(-x))

    iteration = 0
    while True:
        iteration += 1
        outh = sigmoid(i1 * w1)
        outo = sigmoid(outh * w2)
        if 0.5 * (target - outo) ** 2 < tolerance:
            return iteration, w1, w2, outo
        delta = -(target - outo) * outo * (1.0 - outo)
        w1, w2 = w1 - lr * delta * w2 * outh * (1.0 - outh) * i1, w2 - lr * delta * outh


def test_plain_float_reference_reproduces_the_published_run():
    # guards the reference used below: it must agree with the published figures
    iterations, w1, w2, outo = _plain_float_training(0.9, 0.00005)
    assert iterations == FINAL_ITERATIONS
    assert (w1, w2, outo) == pytest.approx((FINAL_W1, FINAL_W2, FINAL_OUTO), abs=1e-7)


@pytest.mark.parametrize("lr, tolerance", [(0.5, 0.001), (2.0, 0.0001), (0.9, 0.01)])
def test_training_with_other_settings_matches_hand_derivatives(example, lr, tolerance):
    iterations, w1, w2, outo = example.train(lr=lr, tolerance=tolerance)
    ref_iterations, ref_w1, ref_w2, ref_outo = _plain_float_training(lr, tolerance)
    assert iterations == ref_iterations
    assert (w1, w2, outo) == pytest.approx((ref_w1, ref_w2, ref_outo), rel=1e-9)


def test_script_accepts_lr_and_tolerance():
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--lr", "2", "--tolerance", "0.0001"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    iterations, w1, w2, outo = _plain_float_training(2.0, 0.0001)
    trained_part = result.stdout.split("Training")[-1]
    assert f"iterations  {iterations}\n" in trained_part
    assert f"{w1:.7f}" in trained_part and f"{w2:.7f}" in trained_part
    assert f"{outo:.7f}" in trained_part


def test_script_rejects_bad_arguments():
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--lr", "-1"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "--lr" in result.stderr
