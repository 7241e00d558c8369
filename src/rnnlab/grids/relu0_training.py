"""Chapter 2's stored training comparison: ReLU MLPs trained with ReLU'(0) = 0 and = 1.

A single result (not a grid of cells): ``python -m rnnlab.grids relu0_training
--out results/relu0_training``. For each precision p, depth d and seed k it trains
the pair of :func:`rnnlab.instruments.relu_at_zero_training.relu_d0_train` on the
synthetic images and stores

* ``loss`` (precs, depths, 2, seeds): final mean cross-entropy, ReLU'(0) = 0 then 1;
* ``steps_differ`` (precs, depths, seeds): steps at which the pair's gradients differed;
* ``identical`` (precs, depths, seeds): the pair ended with bitwise-equal weights.
"""
from __future__ import annotations

import numpy as np

from ..instruments.relu_at_zero_mlp import image_like_data
from ..instruments.relu_at_zero_training import relu_d0_train

SETTINGS = {"precs": ("float16", "float32"), "depths": (2, 4), "seeds": 20, "width": 64, "lr": 0.05,
            "steps": 200, "batch_size": 128, "n_data": 2048, "data_seed": 100, "bias": "uniform"}
"""Everything the comparison fixes (recorded as provenance)."""

TINY = {"depths": (2,), "seeds": 2, "steps": 5, "n_data": 256, "batch_size": 32}
"""Overrides of :data:`SETTINGS` for the seconds-long version (``--tiny``)."""


def run(settings: dict) -> tuple[dict, dict]:
    """Train every (precision, depth) population of ``settings``: ``(arrays, meta)`` for :func:`rnnlab.store.save`."""
    g = settings
    X, y = image_like_data(np.random.default_rng(g["data_seed"]), g["n_data"])
    loss = np.zeros((len(g["precs"]), len(g["depths"]), 2, g["seeds"]))          # (precs, depths, d0, seeds)
    differ = np.zeros((len(g["precs"]), len(g["depths"]), g["seeds"]), dtype=np.int64)
    identical = np.zeros_like(differ, dtype=bool)
    for i, prec in enumerate(g["precs"]):
        for j, depth in enumerate(g["depths"]):
            r = relu_d0_train(X, y, [X.shape[1]] + [g["width"]] * depth + [10], range(g["seeds"]), prec=prec,
                              bias=g["bias"], lr=g["lr"], steps=g["steps"], batch_size=g["batch_size"])
            loss[i, j], differ[i, j], identical[i, j] = r.loss, r.steps_differ, r.identical
    return {"loss": loss, "steps_differ": differ, "identical": identical}, {}
