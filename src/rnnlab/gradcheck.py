"""Finite-difference gradient checks in float64.

For each entry p of each parameter array, the central difference

    (L(p + eps) - L(p - eps)) / (2 eps)

is compared with the analytic gradient. The report gives, per key, the
*relative error* ||a - n|| / (||a|| + ||n||) over the whole array (2-norms).
It is about 1e-10 for a correct backward pass in float64 and 1e-2 or worse for
a wrong one. (An entry-by-entry ratio would be dominated by entries that are
nearly zero, where the finite difference's absolute error of ~1e-10 is large
relative to the entry itself.)
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _checks


def numerical_grad(loss_fn: Callable[[dict], float], params: dict, key: str, *, eps: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of ``loss_fn(params)`` with respect to ``params[key]``."""
    if key not in params:
        raise ValueError(f"key must be one of {sorted(params)}; got {key!r}")
    eps = _checks.finite_float("eps", eps, positive=True)
    p = params[key]
    if p.dtype != np.float64:
        raise ValueError(f"params[{key!r}] must be float64 for a gradient check; got {p.dtype}")
    grad = np.zeros_like(p)
    flat, gflat = p.reshape(-1), grad.reshape(-1)   # views: editing flat edits params[key]
    for j in range(flat.size):
        old = flat[j]
        flat[j] = old + eps
        up = loss_fn(params)
        flat[j] = old - eps
        down = loss_fn(params)
        flat[j] = old
        gflat[j] = (up - down) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray, *, floor: float = 1e-12) -> float:
    """||a - n|| / max(||a|| + ||n||, floor), with 2-norms over all entries."""
    analytic, numeric = np.asarray(analytic), np.asarray(numeric)
    if analytic.shape != numeric.shape:
        raise ValueError(f"analytic and numeric must have the same shape; got {analytic.shape} and {numeric.shape}")
    denom = max(float(np.linalg.norm(analytic) + np.linalg.norm(numeric)), floor)
    return float(np.linalg.norm(analytic - numeric)) / denom


def check(loss_and_grads: Callable[[dict], tuple], params: dict, *, eps: float = 1e-5) -> dict:
    """Compare analytic and numerical gradients for every key of ``params``.

    ``loss_and_grads(params) -> (loss, grads)``; ``grads`` has the keys of
    ``params`` (extra keys, such as initial states, may be checked by putting
    them in ``params``). Returns ``{key: relative error}``.
    """
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    _, grads = loss_and_grads(params)
    report = {}
    for key in params:
        if key not in grads:
            raise ValueError(f"loss_and_grads returned no gradient for key {key!r}")
        numeric = numerical_grad(lambda p: loss_and_grads(p)[0], params, key, eps=eps)
        report[key] = relative_error(grads[key], numeric)
    return report


def random_projection_loss(rng, shape, dtype=np.float64):
    """A fixed random weight ``R``: loss = sum(R * out) makes dLoss/dout = R, which
    exercises every output entry with a different weight."""
    return _checks.rng("rng", rng).standard_normal(shape).astype(dtype)


def check_layer(layer, params: dict, xs, state0, rng, **options) -> dict:
    """Gradient check of one recurrent layer (``rnnlab.rnn``, ``lstm`` or ``gru``)
    over every parameter *and* the initial state, with loss = sum(R * hs) for a
    fixed random R. ``state0`` is ``(h0, c0)`` for the LSTM, ``h0`` otherwise.
    Returns ``{key: relative error}`` with keys of params plus "h0" (and "c0")."""
    hs, _ = layer.forward(params, xs, state0, **options)
    R = random_projection_loss(rng, hs.shape)
    pair = isinstance(state0, tuple)
    keys = list(params)

    def loss_and_grads(q):
        s0 = (q["h0"], q["c0"]) if pair else q["h0"]
        out, cache = layer.forward({k: q[k] for k in keys}, xs, s0, **options)
        grads, dstate0, _ = layer.backward(R, cache)
        grads = dict(grads)
        if pair:
            grads["h0"], grads["c0"] = dstate0
        else:
            grads["h0"] = dstate0
        return float(np.sum(R * out)), grads

    q = dict(params)
    if pair:
        q["h0"], q["c0"] = state0
    else:
        q["h0"] = state0
    return check(loss_and_grads, q)
