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
    _checks.function("loss_fn", loss_fn)
    if not isinstance(params, dict) or not params:
        raise _checks.ArgTypeError(f"params must be a non-empty dict of float64 arrays; got {_checks._what(params)}")
    if not isinstance(key, str) or key not in params:
        raise (ValueError if isinstance(key, str) else _checks.ArgTypeError)(
            f"key must be one of {sorted(params)}; got {key!r}")
    eps = _checks.finite_float("eps", eps, positive=True, maximum=1.0)
    p = _checks.float_array(f"params[{key!r}]", params[key], finite=True)
    if p.dtype != np.float64:
        raise _checks.ArgTypeError(f"params[{key!r}] must be float64 for a gradient check; got {p.dtype}")
    grad = np.zeros_like(p)
    flat, gflat = p.reshape(-1), grad.reshape(-1)   # views: editing flat edits params[key]
    for j in range(flat.size):
        old = flat[j]
        flat[j] = old + eps
        up = loss_fn(params)
        flat[j] = old - eps
        down = loss_fn(params)
        flat[j] = old
        gflat[j] = _checks.finite_float("loss_fn(params)", up) - _checks.finite_float("loss_fn(params)", down)
        gflat[j] /= 2 * eps
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray, *, floor: float = 1e-12) -> float:
    """||a - n|| / max(||a|| + ||n||, floor), with 2-norms over all entries."""
    analytic = _checks.array("analytic", analytic, max_ndim=32, finite=True)
    numeric = _checks.array("numeric", numeric, max_ndim=32, finite=True)
    floor = _checks.finite_float("floor", floor, positive=True)
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
    _checks.function("loss_and_grads", loss_and_grads)
    if not isinstance(params, dict) or not params:
        raise _checks.ArgTypeError(f"params must be a non-empty dict of arrays; got {_checks._what(params)}")
    params = {k: _checks.array(f"params[{k!r}]", v, max_ndim=32, finite=True).astype(np.float64) for k, v in params.items()}
    out = loss_and_grads(params)
    if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict)):
        raise _checks.ArgTypeError(f"loss_and_grads must return (loss, grads dict); got {type(out).__name__}")
    grads = out[1]
    report = {}
    for key in params:
        if key not in grads:
            raise ValueError(f"loss_and_grads returned no gradient for key {key!r}")
        if np.shape(grads[key]) != params[key].shape:
            raise ValueError(f"loss_and_grads returned a gradient for {key!r} of shape {np.shape(grads[key])}; "
                             f"params[{key!r}] has shape {params[key].shape}")
        numeric = numerical_grad(lambda p: loss_and_grads(p)[0], params, key, eps=eps)
        report[key] = relative_error(grads[key], numeric)
    return report


def random_projection_loss(rng, shape, dtype=np.float64):
    """A fixed random weight ``R``: loss = sum(R * out) makes dLoss/dout = R, which
    exercises every output entry with a different weight."""
    _checks.rng("rng", rng)
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    if not isinstance(shape, tuple):
        raise _checks.ArgTypeError(f"shape must be a tuple of non-negative integers; got {shape!r}")
    shape = _checks.fits("shape", tuple(_checks.positive_int("shape", n, allow_zero=True) for n in shape))
    return rng.standard_normal(shape).astype(_checks.float_dtype("dtype", dtype))


def check_layer(layer, params: dict, xs, state0, rng, **options) -> dict:
    """Gradient check of one recurrent layer (``rnnlab.rnn``, ``lstm`` or ``gru``)
    over every parameter *and* the initial state, with loss = sum(R * hs) for a
    fixed random R. ``state0`` is ``(h0, c0)`` for the LSTM, ``h0`` otherwise.
    Returns ``{key: relative error}`` with keys of params plus "h0" (and "c0")."""
    if not (callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None))):
        raise _checks.ArgTypeError(f"layer must be a layer module (rnnlab.rnn, lstm, gru, ...); got {_checks._what(layer)}")
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
