"""The stored grid behind the chapter "ReLU inside the LSTM" (claims C2, C10, D10).

Adding problem (:class:`rnnlab.tasks.AddingTask`, baseline MSE 1/6), one-layer
LSTMs with 16 units and a linear readout, batches of 32, float32, 1000 steps.
A *variant* swaps the activation of one or both tanh roles of the cell
(candidate ``g`` / output squash ``phi``)::

    c_t = f_t c_{t-1} + i_t g(z_g),     h_t = o_t phi(c_t).

One cell is one (variant, horizon T, optimiser, clipping) combination. It
trains one population holding every learning rate of that optimiser for
``n_seeds`` seeds each: member k has learning rate ``lrs[k // n_seeds]`` and
its own seed ``seeds[k]``. Every member is an independent replicate: its own
initial weights (``default_rng(seed)``) and its own minibatch stream
(:func:`rnnlab.population.data_rngs`); the seed blocks of different cells do
not overlap, so cells are independent samples too.

Per member the cell stores the training loss at every step, the outcome
(final MSE = median loss of the last 50 steps; success = final MSE below a
tenth of the baseline), the first step with loss above 100 x baseline (a
*spike*, ``spike_at``), the highest finite loss (``peak``), the step at which
the book's one divergence rule fired (inf/NaN or loss above 1e4 x baseline,
``diverged_at``), whether a spiked run came back below the baseline
(``recovered``), and the largest |c| and |h| seen in training. No run is
stopped at 100 x baseline: the effect of such a stopping rule is computed
afterwards from ``spike_at``. Cells at T = 80 also store the gradient norm
after clipping at every step (what the optimiser saw); cells at T = 20 store
the trained weights, for probes on long streams.

Run with ``python -m rnnlab.grids relu_in_lstm --out results/relu_in_lstm_v2``.
"""
from __future__ import annotations

import numpy as np

from .. import _checks, population, stack, tasks, train

VARIANTS = {
    "tanh/tanh": {},                                        # the standard LSTM (forget bias 1)
    "tanh/relu": {"squash": "relu"},                        # h = o relu(c)
    "relu/relu": {"cand": "relu", "squash": "relu"},        # Keras activation='relu'
    "relu/tanh": {"cand": "relu"},                          # ReLU candidate behind a bounded squash
    "tanh/identity": {"squash": "identity"},                # NOAF, Greff et al. 2017
    "no forget gate": {"forget_gate": False},               # Hochreiter & Schmidhuber 1997 cell
}
"""Variant name ("candidate/squash") -> the ModelSpec fields it changes from the standard LSTM."""

LRS = {"adam": (1e-3, 1e-2), "sgd": (0.3, 1.0)}
"""Learning rates per optimiser. SGD: from a pilot on the standard cell only (T = 80, 600 steps,
rates 0.03, 0.1, 0.3, 1): the largest rate at which unclipped runs stayed finite, and the next."""

SETTINGS = dict(task="adding", hidden_size=16, batch_size=32, steps=1000, dtype="float32", clip_threshold=1.0,
                success_frac=0.1, final_window=50, spike_factor=train.SPIKE_FACTOR,
                diverge_factor=train.DIVERGE_FACTOR, n_seeds=20, lrs=LRS)

_PLAN = (  # (T, optimiser, clips, variants)
    (20, "adam", ("none",), ("tanh/tanh", "tanh/relu", "relu/relu", "relu/tanh", "tanh/identity", "no forget gate")),
    (80, "adam", ("none", "norm"), ("tanh/tanh", "relu/relu")),
    (80, "adam", ("none",), ("tanh/relu", "relu/tanh", "tanh/identity")),
    (80, "sgd", ("none", "norm"), ("tanh/tanh", "relu/relu")),
)


def _key(variant, T, opt, clip):
    return f"T{T}_{opt}_{clip}_{variant.replace('/', '-').replace(' ', '-')}"


def cells(tiny: bool = False) -> list:
    """One cell per (variant, T, optimiser, clip); its ``seeds`` list has one seed per member."""
    out = []
    plan = (((5, "adam", ("none",), ("tanh/tanh", "relu/relu")), (5, "sgd", ("norm",), ("relu/relu",)))
            if tiny else _PLAN)
    n = 2 if tiny else SETTINGS["n_seeds"]
    for T, opt, clips, variants in plan:
        for clip in clips:
            for v in variants:
                seed0 = 1000 * (len(out) + 1)
                out.append({"key": _key(v, T, opt, clip), "variant": v, "T": T, "optimizer": opt, "clip": clip,
                            "lrs": list(LRS[opt]), "n_seeds": n,
                            "seeds": list(range(seed0, seed0 + n * len(LRS[opt]))),
                            "steps": 6 if tiny else SETTINGS["steps"], "hidden_size": 4 if tiny else SETTINGS["hidden_size"],
                            "final_window": 3 if tiny else SETTINGS["final_window"],
                            "keep_params": T != 80, "keep_grad_norm": T == 80 or tiny})
    return out


def spec_for(variant: str, hidden_size: int = 16) -> stack.ModelSpec:
    """The ModelSpec of a named variant, for the adding problem (2 inputs, 1 output)."""
    _checks.choice("variant", variant, VARIANTS)
    return stack.ModelSpec(cell="lstm", input_size=2, hidden_size=_checks.positive_int("hidden_size", hidden_size),
                           output_size=1, dtype=SETTINGS["dtype"], **VARIANTS[variant])


def _finite_max(a):
    """Per-member max over steps of the finite entries (NaN when there are none)."""
    a = np.where(np.isfinite(a), a, -np.inf)
    m = a.max(axis=0) if len(a) else np.full(a.shape[1:], -np.inf)
    return np.where(np.isfinite(m), m, np.nan)


def run_cell(cell: dict) -> dict:
    """Train one cell's population; return per-member arrays (S = len(lrs) x n_seeds)."""
    if not isinstance(cell, dict):
        raise _checks.ArgTypeError(f"cell must be a dict; got {type(cell).__name__}")
    seeds = [int(s) for s in cell["seeds"]]
    n, lrs = int(cell["n_seeds"]), [float(x) for x in cell["lrs"]]
    if len(seeds) != n * len(lrs):
        raise ValueError(f"cell['seeds'] must hold n_seeds x len(lrs) = {n * len(lrs)} seeds; got {len(seeds)}")
    spec = spec_for(cell["variant"], int(cell["hidden_size"]))
    task = tasks.AddingTask(T=int(cell["T"]))
    lr_of = np.repeat(np.asarray(lrs), n)                                       # (S,)
    steps, window = int(cell["steps"]), int(cell["final_window"])
    config = train.TrainConfig(steps=steps, batch_size=SETTINGS["batch_size"], lr=tuple(lr_of),
                               optimizer=cell["optimizer"], clip=None if cell["clip"] == "none" else cell["clip"],
                               clip_threshold=SETTINGS["clip_threshold"], diverge_factor=SETTINGS["diverge_factor"])
    params = stack.init_population(spec, seeds)
    params, hist = train.train(params, spec, task, config, population.data_rngs(seeds))
    S = len(seeds)
    loss = np.full((steps, S), np.nan, dtype=np.float32)                        # (steps, S)
    with np.errstate(over="ignore"):                                            # float32 overflow -> inf, expected
        loss[:hist.steps_run] = hist.loss
    ev = train.loss_events(hist, task.baseline, SETTINGS["spike_factor"], window)
    final = np.asarray(train.final_loss(hist, window), dtype=float) if hist.steps_run >= window else np.full(S, np.nan)
    success = np.nan_to_num(final, nan=np.inf) < SETTINGS["success_frac"] * task.baseline
    out = {"lr": lr_of, "seed": np.asarray(seeds), "loss": loss, "final": final, "success": success,
           "spike_at": np.asarray(ev["spike_at"]), "peak": np.asarray(ev["peak"], dtype=float),
           "diverged_at": np.array([-1 if d is None else d for d in hist.diverged_at]),
           "recovered": np.asarray(ev["recovered"]),
           "max_c": _finite_max(hist.max_c), "max_h": _finite_max(hist.max_h)}
    if cell.get("keep_grad_norm"):
        gnc = np.full((steps, S), np.nan, dtype=np.float32)                     # (steps, S)
        with np.errstate(over="ignore"):
            gnc[:hist.steps_run] = hist.grad_norm_clipped
        out["grad_norm_clipped"] = gnc
    if cell.get("keep_params"):
        out.update({f"params.{k}": v for k, v in params.items()})
    return out
