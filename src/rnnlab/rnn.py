"""The vanilla (Elman) RNN layer: forward and exact backward through time.

    z_t = x_t W_x + h_{t-1} W_h + b          pre-activation
    h_t = act(z_t)                           (default tanh; "relu" + identity init = IRNN)

Backward, with dh_t the total gradient reaching h_t:

    dz_t      = dh_t * act'(z_t)
    dh_{t-1} += dz_t W_h^T                   so dh_t/dh_{t-1} = diag(act'(z_t)) W_h^T

Shapes: W_x (*lead, D, H), W_h (*lead, H, H), b (*lead, H);
xs (T, [*lead,] B, D) -> hs (T, *lead, B, H). This numpy code is the reference; by
default the same computation runs compiled (:mod:`rnnlab._rnn_fused`).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _checks, _fused, _layer, _rnn_fused, activations, init as _init
from ._tensor import empty, merge_time, sum_over_time, unbroadcast

KEYS = ("W_x", "W_h", "b")


class Cache(NamedTuple):
    xs: np.ndarray      # (T, [*lead,] B, D)
    zs: np.ndarray      # (T, *lead, B, H) pre-activations
    hs: np.ndarray      # (T+1, *lead, B, H), hs[0] = h0
    params: dict
    act: activations.Activation


def init(rng, input_size, hidden_size, *, W_x="glorot", W_h="orthogonal", W_h_gain=1.0, dtype=np.float64) -> dict:
    """Parameters of one RNN layer; ``W_h_gain`` scales the recurrent matrix
    (its spectral radius for orthogonal and identity init)."""
    D = _checks.positive_int("input_size", input_size)
    H = _checks.positive_int("hidden_size", hidden_size)
    W_hh = _init.get(W_h)(rng, H, H, gain=W_h_gain, dtype=dtype)
    return {"W_x": _init.get(W_x)(rng, D, H, dtype=dtype), "W_h": W_hh, "b": np.zeros(H, dtype=dtype)}


def forward(params, xs, state0=None, *, act="tanh", workspace=None):
    """Run the RNN over ``xs``; return ``(hs, cache)``, hs (T, *lead, B, H). ``state0`` is h0 or None."""
    act = activations.get(act)
    xs, H, lead = _layer.check_params(params, xs, KEYS, 1, "RNN")
    W_h = params["W_h"]
    T, B = xs.shape[0], xs.shape[-2]
    h0 = _layer.state("state0", state0, lead + (B, H), W_h.dtype)
    if _fused.usable(W_h.dtype, act):                           # the compiled loop (rnnlab._rnn_fused)
        zs, hs = _rnn_fused.forward(params, xs, h0, lead, act, workspace=workspace)
        return hs[1:], Cache(xs, zs, hs, params, act)
    hs = empty(workspace, "hs", (T + 1,) + lead + (B, H), W_h.dtype)   # (T+1, *lead, B, H)
    hs[0] = h0
    zs = _layer.input_projection(params, xs, lead, workspace)  # (T, *lead, B, H)
    with np.errstate(over="ignore", invalid="ignore"):           # an exploding loop gives inf/NaN, by design
        for t in range(T):
            zs[t] += hs[t] @ W_h                                 # (*lead, B, H)
            hs[t + 1] = act.f(zs[t])
    return hs[1:], Cache(xs, zs, hs, params, act)


def backward(dhs, cache: Cache, dstate_T=None, *, return_trace=False, workspace=None):
    """Backprop through time; returns ``(grads, dh0, dxs)`` (plus ``{"dh": ...}`` with ``return_trace``)."""
    _checks.instance("cache", cache, Cache)                    # the cache of this layer's forward
    xs, zs, hs, params = cache.xs, cache.zs, cache.hs, cache.params
    dhs = _layer.check_douts(dhs, hs[1:])
    if not return_trace and dhs.dtype == zs.dtype and _fused.usable(zs.dtype, cache.act):
        dh_T, = _layer.final_state_grads(dstate_T, hs[0].shape, zs.dtype, 1)
        return _rnn_fused.backward(dhs, cache, dh_T, hs.shape[1:-2], workspace=workspace)   # compiled
    dact = cache.act.grad(zs, hs[1:])                            # (T, *lead, B, H), all steps at once
    W_hT = np.swapaxes(params["W_h"], -1, -2)
    dzs = np.empty_like(zs)
    dh_next, = _layer.final_state_grads(dstate_T, hs[0].shape, zs.dtype, 1)
    trace = np.empty_like(zs) if return_trace else None
    for t in reversed(range(zs.shape[0])):
        dh = dhs[t] + dh_next                                    # (*lead, B, H)
        if return_trace:
            trace[t] = dh
        np.multiply(dh, dact[t], out=dzs[t])
        dh_next = dzs[t] @ W_hT
    grads = {"W_x": sum_over_time(xs, dzs), "W_h": sum_over_time(hs[:-1], dzs), "b": merge_time(dzs).sum(axis=-2)}
    dxs = unbroadcast(dzs @ np.swapaxes(params["W_x"], -1, -2), xs.shape)
    out = (grads, dh_next, dxs)
    return out + ({"dh": trace},) if return_trace else out
