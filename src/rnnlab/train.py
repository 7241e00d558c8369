"""The training loop, driven by a frozen :class:`TrainConfig`.

It trains one model or a whole population (a leading model axis on every
parameter, see :func:`rnnlab.stack.init_population`) on one shared stream of
minibatches. Each model has its own learning rate, gradient norm and fate.

Divergence. A model *diverges* at step ``s`` when its loss or its gradient
norm at that step is inf or NaN, or when its loss exceeds
``diverge_factor * task.baseline`` (a finite but absurd loss: by default 100x
the loss of the best constant prediction). From that step on the model is
frozen and its losses are logged as NaN; the others train on. The loop stops
early when every model has diverged. No RuntimeWarning escapes: overflow is
expected here and is reported through ``History.diverged_at`` instead.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _checks, losses, optim, stack


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one training run (or one population of runs)."""

    steps: int = 1000
    batch_size: int = 32
    lr: float | tuple = 1e-3           # one value, or one per model of a population
    optimizer: str = "adam"            # "adam" | "sgd"
    clip: str | None = None            # None | "norm" | "value"
    clip_threshold: float = 1.0
    diverge_factor: float = 100.0      # loss > diverge_factor * baseline counts as divergence

    def __post_init__(self):
        _checks.positive_int("steps", self.steps)
        _checks.positive_int("batch_size", self.batch_size)
        lrs = self.lr if isinstance(self.lr, (tuple, list, np.ndarray)) else (self.lr,)
        if len(lrs) == 0:
            raise ValueError(f"lr must be a number or a non-empty sequence; got {self.lr!r}")
        for v in lrs:
            _checks.finite_float("lr", v, positive=True)
        _checks.choice("optimizer", self.optimizer, optim.OPTIMIZERS)
        _checks.choice("clip", self.clip, (None, "norm", "value"))
        _checks.finite_float("clip_threshold", self.clip_threshold, positive=True)
        _checks.finite_float("diverge_factor", self.diverge_factor, positive=True)


@dataclass
class History:
    """Per-step records, shape (steps run,) or (steps run, S) for a population."""

    loss: np.ndarray
    grad_norm: np.ndarray              # before clipping
    grad_norm_clipped: np.ndarray      # after clipping
    max_h: np.ndarray                  # max |h| over all layers, steps and samples
    max_c: np.ndarray                  # max |c| (LSTM only; NaN otherwise)
    diverged_at: object                # int | None, or a list of them for a population
    steps_run: int = 0
    config: TrainConfig = field(default=None, repr=False)

    @property
    def diverged(self) -> np.ndarray:
        """Boolean: did the model (each model) diverge?"""
        d = self.diverged_at if isinstance(self.diverged_at, list) else [self.diverged_at]
        out = np.array([x is not None for x in d])
        return out if isinstance(self.diverged_at, list) else out[0]


def _max_abs(arrays, n_lead):
    """max |a| per model over every axis but the model axes (which follow axis 0)."""
    out = None
    for a in arrays:
        m = np.abs(a).max(axis=(0,) + tuple(range(1 + n_lead, a.ndim)))
        out = m if out is None else np.maximum(out, m)
    return out


def _check_fit(spec: stack.ModelSpec, task):
    for name in ("input_size", "output_size", "return_sequences"):
        if getattr(spec, name) != getattr(task, name):
            raise ValueError(f"spec.{name} must match the task's ({getattr(task, name)!r}); got {getattr(spec, name)!r}")


def loss_and_grads(params, spec, xs, targets, loss="mse", *, return_cache=False):
    """Per-model loss and gradients of their sum for one batch."""
    _checks.choice("loss", loss, losses.LOSSES)
    y, cache = stack.forward(params, xs, spec)
    value, dy = losses.LOSSES[loss](y, targets, time_axis=spec.return_sequences)
    grads = stack.backward(dy, cache)
    return (value, grads, cache) if return_cache else (value, grads)


def evaluate(params, spec, task, rng, batch_size: int = 1000):
    """Per-model loss on one fresh batch (inf/NaN for a blown-up model, silently)."""
    _check_fit(spec, task)
    xs, targets = task.sample(rng, batch_size)
    with np.errstate(all="ignore"):
        y, _ = stack.forward(params, xs, spec)
        value, _ = losses.LOSSES[task.loss](y, targets, time_axis=spec.return_sequences)
    return value


def train(params: dict, spec: stack.ModelSpec, task, config: TrainConfig, rng):
    """Train ``params`` in place on ``task``; return ``(params, history)``."""
    _checks.rng("rng", rng)
    _check_fit(spec, task)
    S = stack.population_size(params)
    n_lead = 0 if S is None else 1
    lr = np.asarray(config.lr, dtype=float)
    if lr.ndim and lr.shape != ((S,) if S else (1,)):
        raise ValueError(f"config.lr must be a number or hold one value per model ({S}); got {lr.shape[0]} values")
    lr = lr.reshape(()) if S is None else np.broadcast_to(lr, (S,)).copy()
    shape = () if S is None else (S,)
    alive = np.ones(shape, dtype=bool)
    diverged_at = np.full(shape, -1)
    records = {k: np.full((config.steps,) + shape, np.nan) for k in ("loss", "gn", "gnc", "h", "c")}
    limit = config.diverge_factor * task.baseline
    step_fn = optim.OPTIMIZERS[config.optimizer]
    opt_state, steps_run = None, 0
    with np.errstate(all="ignore"):
        for step in range(config.steps):
            xs, targets = task.sample(rng, config.batch_size)
            value, grads, cache = loss_and_grads(params, spec, xs, targets, task.loss, return_cache=True)
            gnorm = optim.global_norm(grads, n_lead)
            bad = alive & ~(np.isfinite(value) & np.isfinite(gnorm) & (value <= limit))
            diverged_at[bad] = step
            alive &= ~bad
            steps_run = step + 1
            records["loss"][step] = np.where(alive, value, np.nan)
            records["gn"][step] = np.where(alive, gnorm, np.nan)
            hs = [c.hs[1:] for c in cache.layer_caches]
            records["h"][step] = np.where(alive, _max_abs(hs, n_lead), np.nan)
            if spec.cell == "lstm":
                records["c"][step] = np.where(alive, _max_abs([c.cs[1:] for c in cache.layer_caches], n_lead), np.nan)
            if not alive.any():
                break
            if not alive.all():   # frozen models: zero gradient and zero learning rate
                grads = {k: np.where(optim._per_model(alive, g, n_lead), g, 0.0) for k, g in grads.items()}
            if config.clip == "norm":
                grads, _ = optim.clip_by_global_norm(grads, config.clip_threshold, n_lead)
            elif config.clip == "value":
                grads = optim.clip_by_value(grads, config.clip_threshold)
            records["gnc"][step] = np.where(alive, optim.global_norm(grads, n_lead), np.nan)
            opt_state = step_fn(params, grads, lr * alive, n_lead, opt_state)
    r = {k: v[:steps_run] for k, v in records.items()}
    div = [None if d < 0 else int(d) for d in np.atleast_1d(diverged_at)]
    history = History(r["loss"], r["gn"], r["gnc"], r["h"], r["c"], div if S is not None else div[0],
                      steps_run, config)
    return params, history


def final_loss(history: History, window: int = 50) -> np.ndarray:
    """Median training loss over the last ``window`` steps (NaN for a diverged model)."""
    window = _checks.positive_int("window", window)
    tail = history.loss[-window:]
    with np.errstate(all="ignore"):
        med = np.median(tail, axis=0)
    return np.where(history.diverged, np.nan, med)
