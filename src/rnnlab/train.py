"""The training loop, driven by a frozen :class:`TrainConfig`.

It trains one model or a whole population (a leading model axis on every
parameter, see :func:`rnnlab.stack.init_population`). Each model has its own
learning rate, gradient norm and fate. The data: ``rng`` is either one
Generator (one minibatch stream shared by the whole population: a paired
design) or a list of S Generators, one independent stream per member
(:func:`rnnlab.population.data_rngs`: independent replicates).

Divergence, the book's one rule. A model *diverges* at step ``s`` when its
loss or its gradient norm at that step is inf or NaN, or when its loss exceeds
``diverge_factor * task.baseline`` with ``diverge_factor = 1e4`` by default: a
ceiling far above any loss a run has been seen to recover from. From that step
on the model is frozen and its losses are logged as NaN; the others train on.
The loop stops early when every model has diverged. No RuntimeWarning
escapes: overflow is expected here and is reported through
``History.diverged_at`` instead.

A loss above ``SPIKE_FACTOR * baseline`` (100x) that stays below the ceiling is
a *spike*, not divergence: the run goes on, and :func:`loss_events` reports
when it spiked, how high and whether it came back.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _checks, losses, optim, population, stack
from ._tensor import Workspace

DIVERGE_FACTOR = 1e4
"""Loss ceiling, in units of the task baseline, above which a run has diverged."""
SPIKE_FACTOR = 100.0
"""Loss level, in units of the task baseline, above which a (non-diverged) run has spiked."""


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one training run (or one population of runs)."""

    steps: int = 1000
    batch_size: int = 32
    lr: float | tuple = 1e-3           # one value, or one per model of a population
    optimizer: str = "adam"            # "adam" | "sgd"
    clip: str | None = None            # None | "norm" | "value"
    clip_threshold: float = 1.0
    diverge_factor: float = DIVERGE_FACTOR   # loss > diverge_factor * baseline counts as divergence

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


def loss_and_grads(params, spec, xs, targets, loss="mse", *, return_cache=False, workspace=None):
    """Per-model loss and gradients of their sum for one batch (``workspace``: see :func:`rnnlab.stack.forward`)."""
    _checks.choice("loss", loss, losses.LOSSES)
    y, cache = stack.forward(params, xs, spec, workspace=workspace)
    value, dy = losses.LOSSES[loss](y, targets, time_axis=spec.return_sequences)
    grads = stack.backward(dy, cache, workspace=workspace)
    return (value, grads, cache) if return_cache else (value, grads)


def evaluate(params, spec, task, rng, batch_size: int = 1000):
    """Per-model loss on one fresh batch (inf/NaN for a blown-up model, silently).

    ``rng`` as in :func:`train`: one shared Generator, or one per population member.
    """
    _checks.instance("spec", spec, stack.ModelSpec)
    _checks.task("task", task)
    _check_fit(spec, task)
    xs, targets = _data_source(rng, stack.population_size(params))(task, batch_size)
    with np.errstate(all="ignore"):
        y, _ = stack.forward(params, xs, spec)
        value, _ = losses.LOSSES[task.loss](y, targets, time_axis=spec.return_sequences)
    return value


def _data_source(rng, S):
    """A function batch_size -> (xs, targets) drawing from one shared stream or one stream per member."""
    rng = _checks.data_streams("rng", rng, S)
    if isinstance(rng, np.random.Generator):
        return lambda task, B: task.sample(rng, B)
    if isinstance(rng, (list, tuple)):
        if S is None:
            raise ValueError(f"rng must be one Generator for a lone model; got a sequence of {len(rng)}")
        if len(rng) != S:
            raise ValueError(f"rng must hold one Generator per model ({S}); got {len(rng)}")
        for k, r in enumerate(rng):
            _checks.rng(f"rng[{k}]", r)
        return lambda task, B: population.sample(task, rng, B)
    raise _checks.ArgTypeError(f"rng must be a numpy.random.Generator or a list of them; got {type(rng).__name__}")


def train(params: dict, spec: stack.ModelSpec, task, config: TrainConfig, rng):
    """Train a copy of ``params`` on ``task``; return ``(trained params, history)``.

    ``params`` itself is left unchanged (a pure function of its inputs and ``rng``).

    ``rng``: one Generator (shared minibatch stream) or, for a population of S
    models, a list of S Generators (member k draws its own minibatches from ``rng[k]``).
    """
    if not isinstance(config, TrainConfig):
        raise _checks.ArgTypeError(f"config must be a TrainConfig; got {type(config).__name__}")
    _checks.instance("spec", spec, stack.ModelSpec)
    _checks.task("task", task)
    _check_fit(spec, task)
    if not isinstance(params, dict):
        raise _checks.ArgTypeError(f"params must be a dict of arrays; got {type(params).__name__}")
    params = {k: np.array(v, copy=True) for k, v in params.items()}
    S = stack.population_size(params)
    draw = _data_source(rng, S)
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
    workspace = Workspace()                # memory reused by every step: no page faults after the first
    with np.errstate(all="ignore"):
        for step in range(config.steps):
            xs, targets = draw(task, config.batch_size)
            value, grads, cache = loss_and_grads(params, spec, xs, targets, task.loss, return_cache=True,
                                                 workspace=workspace)
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
    _checks.instance("history", history, History)
    window = _checks.positive_int("window", window)
    tail = history.loss[-window:]
    with np.errstate(all="ignore"):
        med = np.median(tail, axis=0)
    return np.where(history.diverged, np.nan, med)


def loss_events(history: History, baseline: float, spike_factor: float = SPIKE_FACTOR, window: int = 50) -> dict:
    """What happened to each run's loss, beyond the final number.

    Returns a dict of arrays (one entry per model; scalars for a lone model):

    * ``spike_at``: first step with loss > ``spike_factor * baseline`` (-1: never),
    * ``peak``: the highest finite loss logged,
    * ``diverged``: the run hit the divergence rule (inf/NaN or the ceiling),
    * ``recovered``: it spiked, did not diverge, and its final loss
      (median of the last ``window`` steps) is below ``baseline``.
    """
    _checks.instance("history", history, History)
    baseline = _checks.finite_float("baseline", baseline, positive=True)
    spike_factor = _checks.finite_float("spike_factor", spike_factor, positive=True)
    loss = np.asarray(history.loss, dtype=float)
    lone = loss.ndim == 1
    loss = loss[:, None] if lone else loss                              # (steps, S)
    above = np.nan_to_num(loss, nan=-np.inf) > spike_factor * baseline  # (steps, S)
    spike_at = np.where(above.any(axis=0), above.argmax(axis=0), -1)
    with np.errstate(all="ignore"):
        finite = np.where(np.isfinite(loss), loss, -np.inf)
        peak = finite.max(axis=0) if len(loss) else np.full(loss.shape[1], np.nan)
    diverged = np.atleast_1d(history.diverged)
    final = np.atleast_1d(final_loss(history, window))
    recovered = (spike_at >= 0) & ~diverged & (final < baseline)
    out = {"spike_at": spike_at, "peak": peak, "diverged": diverged, "recovered": recovered}
    return {k: v[0] for k, v in out.items()} if lone else out
