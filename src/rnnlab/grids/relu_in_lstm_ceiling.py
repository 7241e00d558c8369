"""A control for the grid :mod:`rnnlab.grids.relu_in_lstm`: the same runs without the divergence ceiling.

The book's divergence rule freezes a run whose loss exceeds 1e4 x baseline.
The Keras swap (relu, relu) at T = 80 with Adam hits that ceiling often. Would
those runs have come back? This grid retrains exactly those two cells (same
seeds, same data streams, same settings, with and without clipping) with the
ceiling raised to 1e30 x baseline, so that only inf/NaN stops a run. Up to the
step at which the main grid froze a run the two runs are the same computation.

Run with ``python -m rnnlab.grids relu_in_lstm_ceiling --out results/relu_in_lstm_v2_ceiling``.
"""
from __future__ import annotations

import numpy as np

from .. import population, stack, tasks, train
from . import relu_in_lstm as main

CEILING = 1e30
SETTINGS = dict(main.SETTINGS, diverge_factor=CEILING, of="relu_in_lstm")


def cells(tiny: bool = False) -> list:
    """The main grid's (relu, relu), T = 80, Adam cells (or its tiny cells), renamed."""
    src = [c for c in main.cells(tiny) if c["variant"] == "relu/relu" and c["optimizer"] == "adam"
           and (tiny or c["T"] == 80)]
    return [dict(c, key=c["key"] + "_noceiling", keep_params=False, keep_grad_norm=False) for c in src]


def run_cell(cell: dict) -> dict:
    """Train one cell as the main grid does, with only inf/NaN (or 1e30 x baseline) counting as divergence."""
    seeds, n, lrs = [int(s) for s in cell["seeds"]], int(cell["n_seeds"]), [float(x) for x in cell["lrs"]]
    spec = main.spec_for(cell["variant"], int(cell["hidden_size"]))
    task = tasks.AddingTask(T=int(cell["T"]))
    lr_of = np.repeat(np.asarray(lrs), n)                                       # (S,)
    steps, window = int(cell["steps"]), int(cell["final_window"])
    config = train.TrainConfig(steps=steps, batch_size=SETTINGS["batch_size"], lr=tuple(lr_of),
                               optimizer=cell["optimizer"], clip=None if cell["clip"] == "none" else cell["clip"],
                               clip_threshold=SETTINGS["clip_threshold"], diverge_factor=CEILING)
    params, hist = train.train(stack.init_population(spec, seeds), spec, task, config, population.data_rngs(seeds))
    loss = np.full((steps, len(seeds)), np.nan, dtype=np.float32)               # (steps, S)
    with np.errstate(over="ignore"):
        loss[:hist.steps_run] = hist.loss
    ev = train.loss_events(hist, task.baseline, SETTINGS["spike_factor"], window)
    final = np.asarray(train.final_loss(hist, window), dtype=float)
    above = np.nan_to_num(loss.astype(float), nan=-np.inf) > main.SETTINGS["diverge_factor"] * task.baseline
    return {"lr": lr_of, "seed": np.asarray(seeds), "loss": loss, "final": final,
            "success": np.nan_to_num(final, nan=np.inf) < SETTINGS["success_frac"] * task.baseline,
            "spike_at": np.asarray(ev["spike_at"]), "peak": np.asarray(ev["peak"], dtype=float),
            "over_ceiling_at": np.where(above.any(axis=0), above.argmax(axis=0), -1),
            "diverged_at": np.array([-1 if d is None else d for d in hist.diverged_at]),
            "recovered": np.asarray(ev["recovered"])}
