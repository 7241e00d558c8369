"""The stored grid behind the chapter "IRNN versus LSTM" (claim D12).

Adding problem (target: the sum of two marked values; the constant guess
scores MSE 1/6). Every *arm* is a recurrent model plus a training recipe:

* Le et al.'s IRNN recipe (``recipe="le"``): recurrent matrix W_h = I, input
  weights W_x ~ N(0, 0.001^2), biases 0, plain SGD with the gradient clipped
  to global norm 1 (``"le-noclip"``: the same without clipping);
* the book's Adam recipe (``recipe="adam"``): Glorot input weights, Adam, clip
  to global norm 1, the recipe of the gated cells (LSTM forget bias 1).

The plain-RNN arms cross the activation (ReLU, tanh) with the recurrent
initialisation (identity, orthogonal) so that the two can be told apart.

One cell is one (arm, T) pair; it trains one population holding every
(learning rate, seed) pair, model k = (lrs[k // n], seeds[k % n]). Every model
has its own initialisation (``default_rng(seed)``) and its own minibatch stream
(:func:`rnnlab.population.data_rngs`); the test set is one fixed batch of 1000
sequences per horizon, the same for every model. A model succeeds when its test
MSE is below ``SUCCESS_FRAC`` x baseline. Divergence follows the book's one
rule (:mod:`rnnlab.train`). The two learning rates per optimizer were fixed
before the grid ran (a decade apart around common defaults) and every one is stored.

Run with ``python -m rnnlab.grids irnn_vs_lstm --out results/irnn_vs_lstm``.
"""
from __future__ import annotations


import numpy as np

from .. import _checks, population, stack, tasks, train

ARMS = {
    # name: (ModelSpec fields, recipe)
    "IRNN (Le et al.)": (dict(cell="rnn", act="relu", W_h_init="identity"), "le"),
    "IRNN (Le et al.), no clip": (dict(cell="rnn", act="relu", W_h_init="identity"), "le-noclip"),
    "tanh + identity, SGD": (dict(cell="rnn", act="tanh", W_h_init="identity"), "le"),
    "ReLU + orthogonal, SGD": (dict(cell="rnn", act="relu", W_h_init="orthogonal"), "le"),
    "ReLU + identity, Adam": (dict(cell="rnn", act="relu", W_h_init="identity"), "adam"),
    "tanh + orthogonal, Adam": (dict(cell="rnn", act="tanh", W_h_init="orthogonal"), "adam"),
    "LSTM, Adam": (dict(cell="lstm"), "adam"),
    "GRU, Adam": (dict(cell="gru"), "adam"),
}
"""Arm name -> (the ModelSpec fields it sets, its training recipe)."""

RECIPES = {
    "le": dict(optimizer="sgd", clip="norm", lrs=(1e-2, 1e-1), input_init="le"),
    "le-noclip": dict(optimizer="sgd", clip=None, lrs=(1e-2, 1e-1), input_init="le"),
    "adam": dict(optimizer="adam", clip="norm", lrs=(1e-3, 1e-2), input_init="glorot"),
}
"""Recipe -> optimizer, clipping, the learning rates tried, and the input-weight init."""

HORIZONS = (25, 50, 100)
SUCCESS_FRAC = 0.1
LE_INPUT_STD = 1e-3
SETTINGS = dict(task="adding", horizons=HORIZONS, hidden_size=16, steps=600, batch_size=32, clip_threshold=1.0,
                n_seeds=20, success_frac=SUCCESS_FRAC, le_input_std=LE_INPUT_STD, test_batch=1000, test_seed=8,
                log_every=10, arms={k: [v[0], v[1]] for k, v in ARMS.items()}, recipes=RECIPES)
TINY = dict(SETTINGS, horizons=(6,), hidden_size=4, steps=5, n_seeds=2, test_batch=20, log_every=1)


def cells(tiny: bool = False) -> list:
    """One cell per (arm, horizon), short horizons first."""
    s = TINY if tiny else SETTINGS
    out = []
    for T in s["horizons"]:
        for arm in ARMS:
            out.append({"key": f"T{T}_{_slug(arm)}", "arm": arm, "T": T, "hidden_size": s["hidden_size"],
                        "steps": s["steps"], "batch_size": s["batch_size"], "seeds": list(range(s["n_seeds"])),
                        "test_batch": s["test_batch"], "log_every": s["log_every"]})
    return out


def _slug(name: str) -> str:
    import re
    return re.sub("-+", "-", "".join(c if c.isalnum() else "-" for c in name.lower())).strip("-")


def spec_for(arm: str, hidden_size: int = 16) -> stack.ModelSpec:
    """The ModelSpec of an arm on the adding problem."""
    _checks.choice("arm", arm, ARMS)
    return stack.ModelSpec(input_size=2, output_size=1, hidden_size=hidden_size, **ARMS[arm][0])


def init_arm(arm: str, spec: stack.ModelSpec, seeds) -> dict:
    """A population for ``arm``: ``stack.init_population``, then, for Le et al.'s
    recipe, input weights redrawn as N(0, 0.001^2) from a stream of each seed's own
    (biases are already 0 and W_h = I in the spec)."""
    _checks.choice("arm", arm, ARMS)
    params = stack.init_population(spec, seeds)
    if RECIPES[ARMS[arm][1]]["input_init"] == "le":
        W = params["l0.W_x"]                                                    # (S, D, H)
        draws = [np.random.default_rng([int(s), 0x1E]).normal(0.0, LE_INPUT_STD, W.shape[1:]) for s in seeds]
        params["l0.W_x"] = np.stack(draws).astype(W.dtype)
    return params


def run_cell(cell: dict) -> dict:
    """Train one (arm, T) population; return per-model arrays (S = n_lrs x n_seeds).

    ``lr``, ``seed`` (S,); ``test_mse`` (S,) NaN if diverged; ``diverged_at`` (S,),
    -1 for none; ``spike_at``, ``peak``, ``recovered`` (S,) from
    :func:`rnnlab.train.loss_events`; ``loss`` (steps // log_every, S), the
    training loss every ``log_every`` steps (NaN after divergence).
    """
    arm, T = cell["arm"], int(cell["T"])
    recipe = RECIPES[ARMS[arm][1]]
    seeds = [int(s) for s in cell["seeds"]]
    lrs = [lr for lr in recipe["lrs"] for _ in seeds]
    member_seeds = seeds * len(recipe["lrs"])
    spec = spec_for(arm, int(cell["hidden_size"]))
    task = tasks.AddingTask(T=T)
    params = init_arm(arm, spec, member_seeds)
    # model k of learning rate j draws its minibatches from seed k's data stream (same stream at both rates)
    rngs = [g for _ in recipe["lrs"] for g in population.data_rngs(seeds)]
    config = train.TrainConfig(steps=int(cell["steps"]), batch_size=int(cell["batch_size"]), lr=tuple(lrs),
                               optimizer=recipe["optimizer"], clip=recipe["clip"], clip_threshold=1.0)
    params, hist = train.train(params, spec, task, config, rngs)
    test = train.evaluate(params, spec, task, np.random.default_rng([8, T]), batch_size=int(cell["test_batch"]))
    ev = train.loss_events(hist, task.baseline)
    every = int(cell["log_every"])
    loss = np.full((config.steps // every, len(lrs)), np.nan)
    logged = hist.loss[every - 1::every]
    loss[:len(logged)] = logged
    return {"lr": np.array(lrs), "seed": np.array(member_seeds),
            "test_mse": np.where(hist.diverged, np.nan, test).astype(np.float64),
            "diverged_at": np.array([-1 if d is None else d for d in hist.diverged_at]),
            "spike_at": ev["spike_at"], "peak": ev["peak"], "recovered": ev["recovered"],
            "loss": loss.astype(np.float32)}


def summary(results) -> dict:
    """Per (arm, T, lr): successes k, runs n, divergences, median test MSE, from a loaded grid."""
    out = {}
    thr = SUCCESS_FRAC * tasks.AddingTask(T=2).baseline
    for r in results:
        a, c = r["arrays"], r["cell"]
        for lr in np.unique(a["lr"]):
            sel = a["lr"] == lr
            mse = a["test_mse"][sel]
            with np.errstate(all="ignore"):
                med = float(np.nanmedian(mse)) if np.isfinite(mse).any() else float("nan")
            out[c["arm"], int(c["T"]), float(lr)] = {
                "k": int(np.sum(mse < thr)), "n": int(sel.sum()), "diverged": int(np.sum(a["diverged_at"][sel] >= 0)),
                "median": med}
    return out
