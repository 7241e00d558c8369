"""Optimizers and gradient clipping for a dict of parameters.

A population keeps its model axes in front of every array (``n_lead`` of them,
0 for a lone model); norms, clipping and learning rates are per model.

    SGD:   p <- p - lr g
    Adam:  m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
           p <- p - lr m_hat / (sqrt(v_hat) + eps)       (Kingma & Ba 2015)
    Clip by global norm (Pascanu et al. 2013, Algorithm 1):
           if ||g|| > threshold then g <- threshold g / ||g||
    Clip by value:  g <- clip(g, -threshold, threshold)  (changes the direction)
"""
from __future__ import annotations

import numpy as np

from . import _checks


def _per_model(x, g, n_lead):
    """Reshape a per-model array (shape lead) so it broadcasts against ``g``."""
    x = np.asarray(x)
    return x.reshape(x.shape + (1,) * (g.ndim - n_lead))


def _check_grads(grads: dict, n_lead, finite: bool = True) -> dict:
    if not isinstance(grads, dict) or not grads:
        raise _checks.ArgTypeError(f"grads must be a non-empty dict of float arrays; got {type(grads).__name__}")
    for k, g in grads.items():
        if not isinstance(g, np.ndarray) or not np.issubdtype(g.dtype, np.floating):
            raise _checks.ArgTypeError(f"grads[{k!r}] must be a float array; got {getattr(g, 'dtype', type(g).__name__)}")
        if finite and not np.all(np.isfinite(g)):
            raise ValueError(f"grads[{k!r}] must be finite (a diverged run stops before its update); got inf or NaN")
    if isinstance(n_lead, bool) or not isinstance(n_lead, (int, np.integer)) or n_lead < 0:
        raise ValueError(f"n_lead must be a non-negative integer; got {n_lead!r}")
    return grads


def global_norm(grads: dict, n_lead: int = 0):
    """sqrt of the sum of all squared gradient entries, per model (shape lead).

    A measurement, not an update: inf or NaN entries give an inf or NaN norm (no
    error), which is how ``train`` detects a diverging run before it steps.
    """
    _check_grads(grads, n_lead, finite=False)
    total = 0.0
    for g in grads.values():
        total = total + np.sum(g * g, axis=tuple(range(n_lead, g.ndim)))
    return np.sqrt(total)


def clip_by_global_norm(grads: dict, threshold: float, n_lead: int = 0):
    """Rescale each model's gradient to norm <= threshold; return (clipped, norm before)."""
    threshold = _checks.finite_float("threshold", threshold, positive=True)
    _check_grads(grads, n_lead)
    norm = global_norm(grads, n_lead)
    with np.errstate(divide="ignore", over="ignore"):   # a zero or inf norm: scale 1 or 0, no warning
        scale = np.minimum(1.0, threshold / np.maximum(np.asarray(norm, dtype=np.float64), 1e-300))
    return {k: g * _per_model(scale, g, n_lead).astype(g.dtype) for k, g in grads.items()}, norm


def clip_by_value(grads: dict, threshold: float):
    """Clip every entry to [-threshold, threshold]."""
    threshold = _checks.finite_float("threshold", threshold, positive=True)
    _check_grads(grads, 0)
    return {k: np.clip(g, -threshold, threshold) for k, g in grads.items()}


def sgd_step(params: dict, grads: dict, lr, n_lead: int = 0, state=None):
    """One SGD step, in place. ``lr`` is a scalar or one value per model."""
    _check_grads(grads, n_lead)
    for k, g in grads.items():
        params[k] -= (_per_model(lr, g, n_lead) * g).astype(params[k].dtype)
    return state


def adam_step(params: dict, grads: dict, lr, n_lead: int = 0, state=None, *, b1=0.9, b2=0.999, eps=1e-8):
    """One Adam step, in place; returns the optimizer state to pass next time."""
    _check_grads(grads, n_lead)
    for name, v in (("b1", b1), ("b2", b2)):
        if not 0 <= _checks.finite_float(name, v) < 1:
            raise ValueError(f"{name} must lie in [0, 1); got {v!r}")
    _checks.finite_float("eps", eps, positive=True)
    if state is None:
        state = {"t": 0, "m": {k: np.zeros_like(g) for k, g in grads.items()},
                 "v": {k: np.zeros_like(g) for k, g in grads.items()}}
    state["t"] += 1
    t = state["t"]
    for k, g in grads.items():
        m, v = state["m"][k], state["v"][k]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        params[k] -= (_per_model(lr, g, n_lead) * m_hat / (np.sqrt(v_hat) + eps)).astype(params[k].dtype)
    return state


OPTIMIZERS = {"sgd": sgd_step, "adam": adam_step}
