"""The stored grid behind the chapter "Stacked LSTMs" (claim C12).

Product task (:class:`rnnlab.tasks.ProductTask`: the product of two marked
values; the constant 0 scores MSE 1/9). Stacks of depth 1, 2 and 3 with
nothing (``None``), tanh or ReLU between the LSTM layers, trained with Adam
(learning rate 0.01), gradients clipped to global norm 1, batches of 16, float32.

One cell is one (setting, depth) pair. It trains one population that holds
every ``between`` choice for every seed; model k has choice
``choices[k // n]`` and seed ``seeds[k % n]``. Seed s gives the same initial
weights (``default_rng(s)``) and the same minibatch stream
(:func:`rnnlab.population.data_rngs`) to each choice: the choices are paired
by seed, and the seeds are independent replicates.

Settings: ``"main"`` is the chapter's (T = 10, 8 units, 600 steps, 100 seeds).
``"pilot-T20"`` (T = 20, 300 steps) and ``"pilot-H16"`` (16 units) store the
two trial settings that the chapter's choice of T = 10 and 8 units followed,
with 20 seeds each.

Per model the cell stores the test MSE over the baseline on one fixed batch,
the training loss (mean over blocks of 10 steps), the divergence step, the
bottom-to-top gradient ratio F_0 / F_top at initialisation and after training
(:func:`rnnlab.instruments.gradient_flow.gradient_flow`), and what crosses the layer boundaries in
the trained stack (fraction of exact zeros at the most-zero boundary, value
statistics, histograms of h and of what the next layer reads).

Run with ``python -m rnnlab.grids stacked --out results/stacked``.
"""
from __future__ import annotations

import numpy as np

from .. import population, stack, tasks, train
from ..instruments import gradient_flow as flow

CHOICES = (None, "tanh", "relu")
SETTINGS_BY_NAME = {
    "main": dict(T=10, hidden_size=8, steps=600, n_seeds=100, depths=(1, 2, 3)),
    "pilot-T20": dict(T=20, hidden_size=8, steps=300, n_seeds=20, depths=(1, 2, 3)),
    "pilot-H16": dict(T=10, hidden_size=16, steps=600, n_seeds=20, depths=(3,)),
}
TINY_BY_NAME = {"main": dict(T=4, hidden_size=3, steps=20, n_seeds=2, depths=(1, 2))}
SETTINGS = dict(task="product", lr=1e-2, optimizer="adam", clip="norm", clip_threshold=1.0, batch_size=16,
                dtype="float32", choices=["none", "tanh", "relu"], solved_frac=0.5, eval_batch=2000, eval_seed=1000,
                flow_batch=256, flow_seed=1002, block=10, settings=SETTINGS_BY_NAME)
BINS = np.linspace(-1.0, 1.0, 61)
SOLVED_FRAC = 0.5


def cells(tiny: bool = False) -> list:
    """One cell per (setting, depth)."""
    table = TINY_BY_NAME if tiny else SETTINGS_BY_NAME
    out = []
    for name, s in table.items():
        for d in s["depths"]:
            out.append({"key": f"{name}_d{d}", "setting": name, "depth": d, "T": s["T"],
                        "hidden_size": s["hidden_size"], "steps": s["steps"], "seeds": list(range(s["n_seeds"])),
                        "eval_batch": 50 if tiny else SETTINGS["eval_batch"],
                        "flow_batch": 8 if tiny else SETTINGS["flow_batch"]})
    return out


def spec_for(depth: int, hidden_size: int, between_per_model=None) -> stack.ModelSpec:
    """The stack: ``between`` is one activation per model (see :func:`rnnlab.instruments.gradient_flow.per_model_activation`)."""
    between = None if depth == 1 or between_per_model is None else flow.per_model_activation(between_per_model)
    return stack.ModelSpec(input_size=2, hidden_size=hidden_size, output_size=1, layers=depth, between=between)


def run_cell(cell: dict) -> dict:
    """Train one (setting, depth) population; return per-model arrays (S = choices x seeds)."""
    depth, seeds = int(cell["depth"]), [int(s) for s in cell["seeds"]]
    choices = [None] if depth == 1 else list(CHOICES)
    per_model = [b for b in choices for _ in seeds]
    spec = spec_for(depth, int(cell["hidden_size"]), per_model)
    task = tasks.ProductTask(T=int(cell["T"]))
    config = train.TrainConfig(steps=int(cell["steps"]), batch_size=SETTINGS["batch_size"], lr=SETTINGS["lr"],
                               optimizer="adam", clip="norm", clip_threshold=1.0)
    init = stack.init_population(spec, seeds * len(choices))
    params = {k: v.copy() for k, v in init.items()}
    rngs = [g for _ in choices for g in population.data_rngs(seeds)]   # seed s: one stream per choice, same draws
    params, hist = train.train(params, spec, task, config, rngs)
    test = train.evaluate(params, spec, task, np.random.default_rng(SETTINGS["eval_seed"]),
                          batch_size=int(cell["eval_batch"])) / task.baseline
    block = SETTINGS["block"]
    nb = hist.loss.shape[0] // block
    loss = hist.loss[:nb * block].reshape(nb, block, -1).mean(axis=1) / task.baseline      # (blocks, S)
    out = {"between": np.array(["none" if b is None else b for b in per_model]), "seed": np.array(seeds * len(choices)),
           "test": np.where(hist.diverged, np.nan, test), "loss": loss.astype(np.float32),
           "diverged_at": np.array([-1 if d is None else d for d in hist.diverged_at])}
    if depth > 1:
        xs_g, ys_g = task.sample(np.random.default_rng(SETTINGS["flow_seed"]), int(cell["flow_batch"]))
        for when, p in (("init", init), ("trained", params)):
            G, _ = flow.gradient_flow(p, spec, xs_g, ys_g)                         # (L, T, S)
            F = np.sqrt(np.sum(G ** 2, axis=1))                                    # (L, S)
            out[f"flow_{when}"] = F[0] / F[-1]
        pairs = flow.between_values(params, spec, xs_g)                            # [(h, u)], (T, S, B, H)
        S = len(per_model)
        out["zero_frac"] = np.max([np.mean(u == 0, axis=(0, 2, 3)) for _, u in pairs], axis=0)   # (S,)
        stats = {k: np.zeros(S) for k in ("frac_small", "mean_abs", "tanh_gap")}
        h_hist, u_hist = np.zeros((S, len(BINS) - 1)), np.zeros((S, len(BINS) - 1))
        for k in range(S):
            h = np.concatenate([hp[:, k].ravel() for hp, _ in pairs])
            u = np.concatenate([up[:, k].ravel() for _, up in pairs])
            st = flow.value_stats(h)
            for name in stats:
                stats[name][k] = st[name]
            h_hist[k] = np.histogram(h, BINS)[0]
            u_hist[k] = np.histogram(u, BINS)[0]
        out.update({f"h_{k}": v for k, v in stats.items()})
        out["h_hist"], out["u_hist"] = h_hist, u_hist
    return out


def solved(test) -> np.ndarray:
    """A run solves the task when its test MSE is below ``SOLVED_FRAC`` of the baseline (NaN: diverged, not solved)."""
    t = np.asarray(test, dtype=float)
    return np.nan_to_num(t, nan=np.inf) < SOLVED_FRAC
