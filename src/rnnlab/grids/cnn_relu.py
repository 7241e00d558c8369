"""The stored grid behind the chapter "Why CNNs took ReLU" (claims C11, D6, D2).

Data: scikit-learn's 8 x 8 digits (:func:`rnnlab.cnn.digits`: 1437 training and 360 test
images, one fixed split). Net: :mod:`rnnlab.cnn` with 8 channels per convolution layer,
trained with SGD and momentum 0.9 (batches of 32, no weight decay), float32, for a fixed
budget of 400 steps. The training error is measured every 10 steps on the first 300
training images; a run "reaches" a target at the first such measurement at or below it.

Cells (20 seeds each):

* ``d6``: depth 4, matched initialisation (Glorot for sigmoid and tanh, He for ReLU),
  learning rates 0.01, 0.03 and 0.1 for each activation (the same rates for all).
* ``c11``: depth 2, 4 and 8 at learning rate 0.01, each activation with its matched and
  its mismatched initialisation (He for sigmoid and tanh, Glorot for ReLU). The depth-4
  matched cells at 0.01 are the ``d6`` cells (not run twice).

Seed s draws the initial weights from ``default_rng(s)`` and the minibatch order from
:func:`rnnlab.population.data_rng` (its own stream): seeds are independent replicates,
and the same seed gives the same draws to every activation (paired by seed).

Per run the cell stores the steps and the CPU seconds (training steps only, one BLAS thread)
to each target, the training-error curve, the test error after 400 steps, the divergence
step, and ||dL/dz_l|| per layer at initialisation and after training on one fixed batch of 256.

Run with ``python -m rnnlab.grids cnn_relu --out results/cnn_relu --jobs 2``.
"""
from __future__ import annotations

import numpy as np

from .. import cnn, population

ACTS = ("sigmoid", "tanh", "relu")
MATCHED = {"sigmoid": "glorot", "tanh": "glorot", "relu": "he"}
MISMATCHED = {"sigmoid": "he", "tanh": "he", "relu": "glorot"}
TARGETS = (0.25, 0.10, 0.05)
MEASURED = ("cpu",)
"""Arrays that are measured CPU times, not results: ``--verify`` does not compare them."""
SETTINGS = dict(data="sklearn digits 8x8, split_seed 0, 360 test", channels=8, momentum=0.9, batch_size=32,
                max_steps=400, eval_every=10, eval_n=300, targets=list(TARGETS), dtype="float32", n_seeds=20,
                d6_lrs=[0.01, 0.03, 0.1], c11_depths=[2, 4, 8], c11_lr=0.01, grad_batch=256)


def cells(tiny: bool = False) -> list:
    """One cell per (depth, activation, initialisation, learning rate)."""
    seeds = list(range(2 if tiny else SETTINGS["n_seeds"]))
    steps = 20 if tiny else SETTINGS["max_steps"]
    out = []
    for lr in SETTINGS["d6_lrs"]:
        for a in ACTS:
            out.append(dict(key=f"d4_{a}_matched_lr{lr:g}".replace(".", "p"), depth=4, act=a, init="matched", lr=lr, seeds=seeds,
                            max_steps=steps))
    for d in SETTINGS["c11_depths"]:
        for a in ACTS:
            for ini in ("matched", "mismatched"):
                if d == 4 and ini == "matched":
                    continue
                out.append(dict(key=f"d{d}_{a}_{ini}_lr{SETTINGS['c11_lr']:g}".replace(".", "p"), depth=d, act=a, init=ini,
                                lr=SETTINGS["c11_lr"], seeds=seeds, max_steps=steps))
    return out


def scheme(act: str, init: str) -> str:
    """The initialiser of ``act`` under ``init`` = "matched" or "mismatched"."""
    return (MATCHED if init == "matched" else MISMATCHED)[act]


def run_cell(cell: dict) -> dict:
    """Train every seed of one cell; per-seed arrays stacked on a leading seed axis."""
    data = cnn.digits()
    xg, yg = data[0][:SETTINGS["grad_batch"]], data[1][:SETTINGS["grad_batch"]]
    act, sch = cell["act"], scheme(cell["act"], cell["init"])
    rows = {k: [] for k in ("steps", "cpu", "train_err", "test_err", "diverged_at", "delta0", "delta_end")}
    for s in cell["seeds"]:
        params = cnn.init(np.random.default_rng(s), int(cell["depth"]), SETTINGS["channels"], scheme=sch)
        with np.errstate(all="ignore"):
            rows["delta0"].append(cnn.delta_norms(params, xg, yg, act=act))
        r = cnn.train_to_error(params, data, act=act, lr=float(cell["lr"]), momentum=SETTINGS["momentum"],
                               batch_size=SETTINGS["batch_size"], max_steps=int(cell["max_steps"]),
                               targets=TARGETS, eval_every=SETTINGS["eval_every"], eval_n=SETTINGS["eval_n"],
                               rng=population.data_rng(s), stop_early=False)
        with np.errstate(all="ignore"):
            rows["delta_end"].append(cnn.delta_norms(r["params"], xg, yg, act=act))
        curve = np.full(int(cell["max_steps"]) // SETTINGS["eval_every"] + 1, np.nan)
        curve[:len(r["train_err"])] = r["train_err"]
        rows["train_err"].append(curve)
        for k in ("steps", "cpu", "test_err", "diverged_at"):
            rows[k].append(r[k])
    out = {k: np.array(v, dtype=float) for k, v in rows.items()}
    out["eval_steps"] = np.arange(out["train_err"].shape[1]) * SETTINGS["eval_every"]
    return out
