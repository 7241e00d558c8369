"""ReLU'(0) = 0 against = 1 in ReLU MLPs: gradients at initialisation, and trained nets.

The Bertoin-style experiment (Bertoin et al. 2021). Two copies of one ReLU MLP
(:mod:`rnnlab.instruments.relu_at_zero_mlp`) share every weight; one
backpropagates with ReLU'(0) = 0, the other with ReLU'(0) = 1. Their gradients
can differ only where a pre-activation is *exactly* 0, so
:func:`relu_d0_sweep` counts exact zeros and the minibatches on which the
first-layer gradient dW_0 differs, at initialisation; :func:`relu_d0_train`
trains both copies with plain SGD and compares their final losses. Populations
of S nets are evaluated at once: params carry a leading model axis S. The
stored training comparison of chapter 2 is ``python -m rnnlab.grids relu0_training``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _checks
from .relu_at_zero import count_exact_zeros
from .relu_at_zero_mlp import init_mlp_population, mlp_backward, mlp_forward, precision

def _xent_grad(logits, y):
    """d(mean cross-entropy)/d logits, in float64 (the backward pass rounds it to its precision)."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)                                           # (S, B, C)
    p[..., np.arange(y.size), y] -= 1.0
    return p / y.size


def _xent_grad_batched(logits, y):
    """As :func:`_xent_grad`, with each model's own labels ``y`` (S, B)."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)                                           # (S, B, C)
    np.put_along_axis(p, y[..., None], np.take_along_axis(p, y[..., None], -1) - 1.0, -1)
    return p / y.shape[-1]


@dataclass(frozen=True)
class SweepResult:
    """Outcome of :func:`relu_d0_sweep` for S models in one precision."""

    precision: str
    affected: np.ndarray          # (S,) bool: some minibatch gave a different dW_0
    batches_differ: np.ndarray    # (S,) int: how many minibatches did
    zeros: np.ndarray             # (S,) int: exact-zero hidden pre-activations, all layers and batches
    zeros_first: np.ndarray       # (S,) int: ... in the first hidden layer only
    entries: int                  # hidden pre-activations per model (all layers and batches)

    @property
    def fraction_affected(self) -> float:
        return float(self.affected.mean())


def relu_d0_sweep(X, y, sizes, seeds, *, prec="float32", bias="uniform", batch_size: int = 128,
                  n_batches: int = 32, rng) -> SweepResult:
    """Two copies of each of S ReLU MLPs, ReLU'(0) = 0 and = 1, fed the same minibatches.

    The weights stay at their initialisation; ``rng`` draws the minibatches
    (without replacement within a pass). For each model and minibatch, dW_0 of
    the two copies is compared entry by entry (bitwise). The forward pass does
    not depend on ReLU'(0) and the two backward passes perform the same
    arithmetic unless some pre-activation is exactly 0, so batches without an
    exact zero are known to agree and their backward passes are skipped.
    ``X`` (N, D), integer labels ``y`` (N,), ``sizes`` = [D, widths..., C];
    ``prec`` as in :func:`precision`; ``bias`` as in :func:`init_mlp_population`.
    """
    X = _checks.array("X", X, min_ndim=2)
    y = np.asarray(y)
    if y.shape != X.shape[:1] or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be integer labels of shape ({X.shape[0]},); got {y.dtype} {y.shape}")
    sizes = list(sizes)
    if len(sizes) < 3 or sizes[0] != X.shape[1]:
        raise ValueError(f"sizes must be [D={X.shape[1]}, hidden..., C] with at least one hidden layer; got {sizes!r}")
    if y.min() < 0 or y.max() >= sizes[-1]:
        raise ValueError(f"y must lie in [0, {sizes[-1]}); got range [{y.min()}, {y.max()}]")
    batch_size = _checks.positive_int("batch_size", batch_size)
    n_batches = _checks.positive_int("n_batches", n_batches)
    if batch_size > X.shape[0]:
        raise ValueError(f"batch_size must be at most the number of samples ({X.shape[0]}); got {batch_size}")
    rng = _checks.rng("rng", rng)
    prec = precision(prec)
    params = init_mlp_population(sizes, seeds, bias=bias, prec=prec)
    S = params["W0"].shape[0]
    differ = np.zeros(S, dtype=np.int64)
    zeros = np.zeros(S, dtype=np.int64)
    zeros_first = np.zeros(S, dtype=np.int64)
    entries = 0
    per_pass = X.shape[0] // batch_size
    order = rng.permutation(X.shape[0])
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(n_batches):
            if k and k % per_pass == 0:
                order = rng.permutation(X.shape[0])
            idx = order[(k % per_pass) * batch_size:(k % per_pass + 1) * batch_size]
            logits, cache = mlp_forward(params, X[idx], prec)
            z0, _ = count_exact_zeros(cache.pre[0], axis=0)
            nz, total = count_exact_zeros(cache.pre, axis=0)
            zeros += nz
            zeros_first += z0
            entries += total
            hit = np.flatnonzero(nz)
            if hit.size == 0:
                continue                       # no exact zero: the two backward passes are identical
            sub = {key: v[hit] for key, v in params.items()}
            sub_cache = cache._replace(inputs=[a if a.shape[0] == 1 else a[hit] for a in cache.inputs],
                                       pre=[z[hit] for z in cache.pre])
            dout = _xent_grad(logits[hit], y[idx])
            g0 = mlp_backward(dout, sub, sub_cache, d0=0.0, prec=prec)["W0"]
            g1 = mlp_backward(dout, sub, sub_cache, d0=1.0, prec=prec)["W0"]
            differ[hit] += np.any((g0 != g1).reshape(hit.size, -1), axis=1)
    return SweepResult(prec.name, differ > 0, differ, zeros, zeros_first, entries)


@dataclass(frozen=True)
class TrainPair:
    """Outcome of :func:`relu_d0_train`: S pairs of nets, one per seed, trained with ReLU'(0) = d0s[0] and d0s[1]."""

    precision: str
    d0s: tuple
    loss: np.ndarray              # (2, S) final mean cross-entropy on the whole of X (float64 evaluation)
    steps_differ: np.ndarray      # (S,) steps at which the two copies' gradients differed (before they diverge)
    identical: np.ndarray         # (S,) bool: the two copies ended with bitwise-equal weights


def relu_d0_train(X, y, sizes, seeds, *, prec="float32", bias="uniform", d0s=(0.0, 1.0), lr: float = 0.05,
                  steps: int = 200, batch_size: int = 128) -> TrainPair:
    """Train two copies of each of S ReLU MLPs with plain SGD, ReLU'(0) = d0s[0] and d0s[1].

    A pair shares its initialisation (``init_mlp_population`` with seed ``seeds[k]``) and its
    minibatch sequence, drawn from ``np.random.default_rng([seeds[k], 1])``, so the two copies differ
    only through ReLU'(0); different seeds have their own initialisation and their own minibatches.
    Every product, sum and update is rounded to ``prec`` (see :func:`precision`); the final loss is
    evaluated in float64 on the whole of ``X`` with the trained weights.
    """
    X = _checks.array("X", X, min_ndim=2)
    y = np.asarray(y)
    if y.shape != X.shape[:1] or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be integer labels of shape ({X.shape[0]},); got {y.dtype} {y.shape}")
    if len(d0s) != 2:
        raise ValueError(f"d0s must hold two values of ReLU'(0); got {d0s!r}")
    d0s = tuple(_checks.finite_float("d0s entry", d) for d in d0s)
    lr = _checks.finite_float("lr", lr, positive=True)
    steps = _checks.positive_int("steps", steps)
    batch_size = _checks.positive_int("batch_size", batch_size)
    if batch_size > X.shape[0]:
        raise ValueError(f"batch_size must be at most the number of samples ({X.shape[0]}); got {batch_size}")
    prec = precision(prec)
    seeds = list(seeds)
    start = init_mlp_population(sizes, seeds, bias=bias, prec=prec)
    S = len(seeds)
    idx = np.stack([np.stack([r.choice(X.shape[0], batch_size, replace=False) for _ in range(steps)])
                    for r in (np.random.default_rng([s_, 1]) for s_ in seeds)], axis=1)   # (steps, S, B)
    copies = [{k: v.copy() for k, v in start.items()} for _ in d0s]                        # two populations
    differ = np.zeros(S, dtype=np.int64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(steps):
            xb, yb = X[idx[t]], y[idx[t]]                                  # (S, B, D), (S, B)
            for i, d0 in enumerate(d0s):
                p = copies[i]
                logits, cache = mlp_forward(p, xb, prec)                   # (S, B, C)
                if i == 1:
                    differ += np.any([np.any((z == 0).reshape(S, -1), axis=1) for z in cache.pre], axis=0)
                g = mlp_backward(_xent_grad_batched(logits, yb), p, cache, d0=d0, prec=prec)
                for key in p:
                    p[key] = prec.round(p[key] - prec.round(lr * g[key]).astype(prec.compute))
        loss = np.zeros((2, S))
        for i, p in enumerate(copies):
            logits, _ = mlp_forward({k: v.astype(np.float64) for k, v in p.items()}, X, "float64")   # (S, N, C)
            z = logits - logits.max(axis=-1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
            loss[i] = -logp[:, np.arange(y.size), y].mean(axis=1)
    identical = np.all([np.all((copies[0][k] == copies[1][k]).reshape(S, -1), axis=1) for k in start], axis=0)
    return TrainPair(prec.name, d0s, loss, differ, identical)
