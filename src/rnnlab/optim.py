"""Optimizers and gradient clipping for a dict of parameters.

A population keeps its model axes in front of every array (``n_lead`` of them,
0 for a lone model); norms, clipping and learning rates are per model.

    SGD:   p <- p - lr g
    Adam:  m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
           p <- p - lr m_hat / (sqrt(v_hat) + eps)       (Kingma & Ba 2015)
    Clip by global norm (Pascanu et al. 2013, Algorithm 1):
           if ||g|| > threshold then g <- threshold g / ||g||
    Clip by value:  g <- clip(g, -threshold, threshold)  (changes the direction)

float16 gradients: squares overflow float16 above |g| = 256, so the norm and Adam's moments
of float16 gradients are computed in float32 (float32 and float64 run in their own dtype).
"""
from __future__ import annotations

import numbers

import numpy as np

from . import _checks


def _per_model(x, g, n_lead):
    """Reshape a per-model array (shape lead) so it broadcasts against ``g``."""
    x = np.asarray(x)
    return x.reshape(x.shape + (1,) * (g.ndim - n_lead))


def _check_grads(grads: dict, n_lead, finite: bool = True) -> dict:
    """Gradients: a dict of float arrays sharing ``n_lead`` model axes (finite unless told otherwise)."""
    if isinstance(n_lead, (bool, np.bool_)) or not isinstance(n_lead, (int, np.integer)):
        raise _checks.ArgTypeError(f"n_lead must be a non-negative integer; got {n_lead!r}")
    if n_lead < 0:
        raise ValueError(f"n_lead must be a non-negative integer; got {n_lead!r}")
    _checks.param_dict("grads", grads, one_dtype=False)
    leads = {g.shape[:n_lead] for g in grads.values()}
    if any(g.ndim < n_lead for g in grads.values()) or len(leads) > 1:
        raise ValueError(f"grads must share {n_lead} leading model axes; got shapes "
                         f"{ {k: g.shape for k, g in grads.items()} }")
    if finite:
        for k, g in grads.items():
            if not np.all(np.isfinite(g)):
                raise ValueError(f"grads[{k!r}] must be finite (a diverged run stops before its update); got inf or NaN")
    return grads


def _check_step(params, grads, lr, n_lead):
    """The arguments of an update: params (float arrays, writable) with the keys and shapes of grads,
    and a learning rate that is a non-negative number or one per model (0 freezes a model)."""
    _check_grads(grads, n_lead)
    _checks.param_dict("params", params, one_dtype=False)
    _checks.same_keys_and_shapes("grads", grads, "params", params)
    for k, v in params.items():
        if not v.flags.writeable:
            raise ValueError(f"params[{k!r}] must be writable (the update is in place); got a read-only array")
    lead = next(iter(grads.values())).shape[:n_lead]
    if isinstance(lr, (numbers.Real, np.ndarray)) and not isinstance(lr, (bool, np.bool_)) and np.ndim(lr) == 0:
        _checks.finite_float("lr", lr, nonneg=True)
        return
    rates = _checks.array("lr", lr, min_ndim=len(lead), max_ndim=len(lead), finite=True)
    if rates.shape != lead or np.any(rates < 0):
        raise ValueError(f"lr must be a non-negative number or hold one rate per model, shape {lead}; "
                         f"got {_checks._what(lr)}")


def global_norm(grads: dict, n_lead: int = 0):
    """sqrt of the sum of all squared gradient entries, per model (shape lead).

    A measurement, not an update: inf or NaN entries give an inf or NaN norm (no
    error), which is how ``train`` detects a diverging run before it steps.
    """
    _check_grads(grads, n_lead, finite=False)
    total = 0.0
    with np.errstate(over="ignore", invalid="ignore"):       # a huge gradient: an inf norm, no warning
        for g in grads.values():
            g = g.astype(np.float32) if g.dtype == np.float16 else g           # g * g overflows float16 at 256
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
    _check_step(params, grads, lr, n_lead)
    with np.errstate(over="ignore"):                # weights that overflow their dtype: inf, reported by train
        for k, g in grads.items():
            params[k] -= (_per_model(lr, g, n_lead) * g).astype(params[k].dtype)
    return state


def adam_step(params: dict, grads: dict, lr, n_lead: int = 0, state=None, *, b1=0.9, b2=0.999, eps=1e-8):
    """One Adam step, in place; returns the optimizer state to pass next time."""
    _check_step(params, grads, lr, n_lead)
    for name, v in (("b1", b1), ("b2", b2)):
        if not 0 <= _checks.finite_float(name, v) < 1:
            raise ValueError(f"{name} must lie in [0, 1); got {v!r}")
    _checks.finite_float("eps", eps, positive=True)
    if state is None:                       # moments in the gradients' dtype (float32 for float16 gradients)
        wide = {k: np.float32 if g.dtype == np.float16 else g.dtype for k, g in grads.items()}
        state = {"t": 0, "m": {k: np.zeros_like(g, dtype=wide[k]) for k, g in grads.items()},
                 "v": {k: np.zeros_like(g, dtype=wide[k]) for k, g in grads.items()}}
    elif not (isinstance(state, dict) and isinstance(state.get("t"), int) and isinstance(state.get("m"), dict)
              and isinstance(state.get("v"), dict)):
        raise _checks.ArgTypeError(f"state must be None or the dict a previous adam_step returned; got {_checks._what(state)}")
    else:
        _checks.same_keys_and_shapes("state['m']", state["m"], "grads", grads)
        _checks.same_keys_and_shapes("state['v']", state["v"], "grads", grads)
    state["t"] += 1
    t = state["t"]
    with np.errstate(over="ignore", invalid="ignore"):   # overflow: inf weights, reported by train
        _adam_update(params, grads, lr, n_lead, state, t, b1, b2, eps)
    return state


def _adam_update(params, grads, lr, n_lead, state, t, b1, b2, eps):
    for k, g in grads.items():
        m, v = state["m"][k], state["v"][k]
        g = g.astype(m.dtype, copy=False)                                    # a float16 gradient in float32
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        params[k] -= (_per_model(lr, g, n_lead) * m_hat / (np.sqrt(v_hat) + eps)).astype(params[k].dtype)


OPTIMIZERS = {"sgd": sgd_step, "adam": adam_step}
