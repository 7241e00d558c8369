"""The stored grid behind chapter 10, "Can ReLU be made to work in a recurrent net?" (claims E1-E4).

Each *fix* is a recurrent cell with ReLU (or a ReLU relative) in its loop, and a
change meant to stop the loop c -> h -> z_g -> g -> c from exploding (chapter 5):

    lstm tanh/tanh        the standard LSTM (reference)
    lstm relu/relu        Keras activation='relu': the failure to fix
    lstm relu/tanh        ReLU candidate behind a tanh output squash
    lstm relu6/relu6      ReLU clipped at 6 in both roles (bounded, piecewise linear)
    lstm elu/elu          ELU in both roles (smooth, unbounded above)
    ln-lstm relu/relu     layer normalisation of the pre-activations and of the cell (Ba et al. 2016)
    lstm relu/relu W_g/2  the recurrent candidate weights W_h^g halved at initialisation
    lstm relu/relu fb 0   forget-gate bias 0 instead of 1 (a smaller loop gain f + i o w)
    indrnn relu           IndRNN (Li et al. 2018), recurrent weights bounded by |u| < 1
    gru relu              a GRU with a ReLU candidate

Task: the adding problem (:class:`rnnlab.tasks.AddingTask`, baseline MSE 1/6)
at T = 20 and T = 80; one layer of 16 units and a linear readout; Adam at
learning rate 0.01 with the gradient clipped to global norm 1 (the setting in
which chapter 5's (relu, relu) cells diverged most often); batches of 32;
float32; 800 steps; 20 seeds per cell.

Every member is an independent replicate: its own initial weights
(``default_rng(seed)``) and its own minibatch stream
(:func:`rnnlab.population.data_rngs`); seed blocks of different cells do not
overlap. Per member the cell stores the training loss at every step, the
outcome (final MSE = median loss of the last 50 steps; success = final MSE
below a tenth of the baseline), the book's divergence step (inf/NaN or loss
above 1e4 x baseline), the first spike (loss above 100 x baseline), whether
it recovered, the largest |h| in training, and two *stream probes*: the
largest |h_t| over 16 independent adding-problem streams of 1000 steps laid
end to end without a reset, in the first and the last training horizon, for
the trained weights and for the initial weights (``probe_*``; inf when the
state overflowed float32). The probe streams are drawn from a third stream
per seed, ``default_rng([seed, 2])``.

Run with ``python -m rnnlab.grids relu_fixes --out results/relu_fixes``.
"""
from __future__ import annotations

import time

import numpy as np

from .. import _checks, population, stack, tasks, train

FIXES = {
    "lstm tanh/tanh": ("lstm", {}, {}),
    "lstm relu/relu": ("lstm", {"cand": "relu", "squash": "relu"}, {}),
    "lstm relu/tanh": ("lstm", {"cand": "relu"}, {}),
    "lstm relu6/relu6": ("lstm", {"cand": "clipped_relu", "squash": "clipped_relu"}, {}),
    "lstm elu/elu": ("lstm", {"cand": "elu", "squash": "elu"}, {}),
    "ln-lstm relu/relu": ("lnlstm", {"cand": "relu", "squash": "relu"}, {}),
    "lstm relu/relu W_g/2": ("lstm", {"cand": "relu", "squash": "relu"}, {"W_g_scale": 0.5}),
    "lstm relu/relu fb 0": ("lstm", {"cand": "relu", "squash": "relu", "forget_bias": 0.0}, {}),
    "indrnn relu": ("indrnn", {"act": "relu", "u_max": 1.0}, {}),
    "gru relu": ("gru", {"cand": "relu"}, {}),
}
"""Fix name -> (cell, ModelSpec fields, changes made to the initial weights)."""

MEASURED = ("train_cpu_s",)
"""Arrays that are measured CPU times, not results: ``--verify`` does not compare them."""
SETTINGS = dict(task="adding", horizons=(20, 80), hidden_size=16, batch_size=32, steps=800, lr=1e-2,
                optimizer="adam", clip="norm", clip_threshold=1.0, dtype="float32", n_seeds=20,
                success_frac=0.1, final_window=50, spike_factor=train.SPIKE_FACTOR,
                diverge_factor=train.DIVERGE_FACTOR, probe_steps=1000, probe_batch=16)


def spec_for(fix: str, hidden_size: int = 16, dtype: str = "float32") -> stack.ModelSpec:
    """The ModelSpec of a named fix, for the adding problem (2 inputs, 1 output)."""
    _checks.choice("fix", fix, FIXES)
    cell, fields, _ = FIXES[fix]
    return stack.ModelSpec(cell=cell, input_size=2, hidden_size=_checks.positive_int("hidden_size", hidden_size),
                           output_size=1, dtype=dtype, **fields)


def init_for(fix: str, seeds, hidden_size: int = 16, dtype: str = "float32") -> dict:
    """The initial population of a fix: :func:`rnnlab.stack.init_population`, then the fix's weight changes."""
    spec = spec_for(fix, hidden_size, dtype)
    params = stack.init_population(spec, seeds)
    scale = FIXES[fix][2].get("W_g_scale")
    if scale is not None:                                    # the candidate block of W_h: columns [0, H)
        params["l0.W_h"][..., :hidden_size] *= np.asarray(scale, dtype=params["l0.W_h"].dtype)
    return params


def stream_probe(params: dict, spec: stack.ModelSpec, T: int, seeds, steps: int, batch: int) -> dict:
    """Largest |h_t| over ``batch`` streams of ``steps`` steps, without a reset, per member.

    The stream of member k is adding-problem sequences of length T laid end to
    end, drawn from ``default_rng([seeds[k], 2])``. Returns ``first`` and
    ``last``: max |h| over the first and the last T steps, each (S,); inf
    where the state overflowed.
    """
    T = _checks.positive_int("T", T)
    n_seg = max(1, _checks.positive_int("steps", steps) // T)
    rngs = [np.random.default_rng([int(s), 2]) for s in seeds]
    xs, _ = population.sample(tasks.AddingTask(T), rngs, n_seg * batch)        # (T, S, n_seg B, 2)
    S = xs.shape[1]
    xs = xs.reshape(T, S, n_seg, batch, 2).transpose(2, 0, 1, 3, 4).reshape(n_seg * T, S, batch, 2)  # (L, S, B, 2)
    with np.errstate(all="ignore"):
        _, cache = stack.forward(params, xs.astype(spec.dtype), spec)
        h = np.abs(cache.layer_caches[0].hs[1:]).max(axis=(-2, -1)).astype(float)   # (L, S)
    h = np.where(np.isfinite(h), h, np.inf)
    blown = ~np.isfinite(h).all(axis=0)                                          # (S,)
    return {"first": h[:T].max(axis=0), "last": np.where(blown, np.inf, h[-T:].max(axis=0))}


def _key(fix, T):
    return f"T{T}_" + fix.replace("/", "-").replace(" ", "_")


def cells(tiny: bool = False) -> list:
    """One cell per (fix, horizon); its ``seeds`` list has one seed per member."""
    out = []
    n = 2 if tiny else SETTINGS["n_seeds"]
    for T in ((5,) if tiny else SETTINGS["horizons"]):
        for fix in FIXES:
            seed0 = 100_000 + 1000 * len(out)
            out.append({"key": _key(fix, T), "fix": fix, "T": T, "seeds": list(range(seed0, seed0 + n)),
                        "steps": 6 if tiny else SETTINGS["steps"], "hidden_size": 4 if tiny else SETTINGS["hidden_size"],
                        "final_window": 3 if tiny else SETTINGS["final_window"],
                        "probe_steps": 20 if tiny else SETTINGS["probe_steps"]})
    return out


def run_cell(cell: dict) -> dict:
    """Train one cell's population and probe it; return per-member arrays (S = n_seeds)."""
    if not isinstance(cell, dict):
        raise _checks.ArgTypeError(f"cell must be a dict; got {type(cell).__name__}")
    seeds = [int(s) for s in cell["seeds"]]
    H, T = int(cell["hidden_size"]), int(cell["T"])
    spec = spec_for(cell["fix"], H, SETTINGS["dtype"])
    task = tasks.AddingTask(T=T)
    steps, window = int(cell["steps"]), int(cell["final_window"])
    config = train.TrainConfig(steps=steps, batch_size=SETTINGS["batch_size"], lr=SETTINGS["lr"],
                               optimizer=SETTINGS["optimizer"], clip=SETTINGS["clip"],
                               clip_threshold=SETTINGS["clip_threshold"], diverge_factor=SETTINGS["diverge_factor"])
    params0 = init_for(cell["fix"], seeds, H, SETTINGS["dtype"])
    start = time.process_time()
    params, hist = train.train(params0, spec, task, config, population.data_rngs(seeds))
    train_cpu = time.process_time() - start
    S = len(seeds)
    loss = np.full((steps, S), np.nan, dtype=np.float32)                         # (steps, S)
    with np.errstate(over="ignore"):
        loss[:hist.steps_run] = hist.loss
    ev = train.loss_events(hist, task.baseline, SETTINGS["spike_factor"], window)
    final = np.asarray(train.final_loss(hist, window), dtype=float) if hist.steps_run >= window else np.full(S, np.nan)
    success = np.nan_to_num(final, nan=np.inf) < SETTINGS["success_frac"] * task.baseline
    with np.errstate(all="ignore"):
        mh = np.where(np.isfinite(hist.max_h), hist.max_h, -np.inf).max(axis=0)
    probe_steps, B = int(cell["probe_steps"]), SETTINGS["probe_batch"]
    p_init = stream_probe(params0, spec, T, seeds, probe_steps, B)
    p_trained = stream_probe(params, spec, T, seeds, probe_steps, B)
    return {"seed": np.asarray(seeds), "loss": loss, "final": final, "success": success,
            "diverged_at": np.array([-1 if d is None else d for d in hist.diverged_at]),
            "spike_at": np.asarray(ev["spike_at"]), "peak": np.asarray(ev["peak"], dtype=float),
            "recovered": np.asarray(ev["recovered"]), "max_h": np.where(np.isfinite(mh), mh, np.nan),
            "probe_init_first": p_init["first"], "probe_init_last": p_init["last"],
            "probe_first": p_trained["first"], "probe_last": p_trained["last"],
            "train_cpu_s": np.array(train_cpu), "steps_run": np.array(hist.steps_run)}
