"""The GRU layer (Cho et al. 2014): forward and exact backward through time.

    u_t = gate(x_t W_xu + h_{t-1} W_hu + b_u)            update gate
    r_t = gate(x_t W_xr + h_{t-1} W_hr + b_r)            reset gate
    n_t = cand(x_t W_xn + (r_t * h_{t-1}) W_hn + b_n)    candidate (default tanh)
    h_t = (1 - u_t) * n_t + u_t * h_{t-1}

Blocks are stored in the order [u, r, n]: W_x (*lead, D, 3H), W_h (*lead, H, 3H),
b (*lead, 3H). xs (T, [*lead,] B, D) -> hs (T, *lead, B, H). This numpy code is the
reference; by default the same computation runs compiled (:mod:`rnnlab._gru_fused`).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _checks, _fused, _gru_fused, _layer, activations, init as _init
from ._tensor import empty, merge_time, sum_over_time, unbroadcast

KEYS = ("W_x", "W_h", "b")


class Cache(NamedTuple):
    xs: np.ndarray      # (T, [*lead,] B, D)
    zs: np.ndarray      # (T, *lead, B, 3H) pre-activations [u, r, n]
    acts: np.ndarray    # (T, *lead, B, 3H) activations     [u, r, n]
    rh: np.ndarray      # (T, *lead, B, H)  r_t * h_{t-1}
    hs: np.ndarray      # (T+1, *lead, B, H)
    params: dict
    gate: activations.Activation
    cand: activations.Activation


def init(rng, input_size, hidden_size, *, W_x="glorot", W_h="orthogonal", dtype=np.float64) -> dict:
    """Parameters of one GRU layer, all biases 0."""
    D = _checks.positive_int("input_size", input_size)
    H = _checks.positive_int("hidden_size", hidden_size)
    W_hh = np.concatenate([_init.get(W_h)(rng, H, H, dtype=dtype) for _ in range(3)], axis=1)
    return {"W_x": _init.get(W_x)(rng, D, 3 * H, dtype=dtype), "W_h": W_hh, "b": np.zeros(3 * H, dtype=dtype)}


def forward(params, xs, state0=None, *, gate="sigmoid", cand="tanh", workspace=None):
    """Run the GRU over ``xs``; return ``(hs, cache)``. ``state0`` is h0 or None."""
    gate, cand = activations.get(gate), activations.get(cand)
    xs, H, lead = _layer.check_params(params, xs, KEYS, 3, "GRU")
    W_h = params["W_h"]
    T, B = xs.shape[0], xs.shape[-2]
    h0 = _layer.state("state0", state0, lead + (B, H), W_h.dtype)
    if _fused.usable(W_h.dtype, gate, cand):                      # the compiled loop (rnnlab._gru_fused)
        zs, acts, rh, hs = _gru_fused.forward(params, xs, h0, lead, gate, cand, workspace)
        return hs[1:], Cache(xs, zs, acts, rh, hs, params, gate, cand)
    hs = empty(workspace, "hs", (T + 1,) + lead + (B, H), W_h.dtype)   # (T+1, *lead, B, H)
    hs[0] = h0
    zs = _layer.input_projection(params, xs, lead, workspace)     # (T, *lead, B, 3H)
    acts = empty(workspace, "acts", zs.shape, zs.dtype)
    rh = empty(workspace, "rh", hs[1:].shape, zs.dtype)
    for t in range(T):
        zs[t, ..., :2 * H] += hs[t] @ W_h[..., :2 * H]
        acts[t, ..., :2 * H] = gate.f(zs[t, ..., :2 * H])          # u, r
        rh[t] = acts[t, ..., H:2 * H] * hs[t]
        zs[t, ..., 2 * H:] += rh[t] @ W_h[..., 2 * H:]
        acts[t, ..., 2 * H:] = cand.f(zs[t, ..., 2 * H:])          # n
        u, n = acts[t, ..., :H], acts[t, ..., 2 * H:]
        hs[t + 1] = n + u * (hs[t] - n)
    return hs[1:], Cache(xs, zs, acts, rh, hs, params, gate, cand)


def backward(dhs, cache: Cache, dstate_T=None, *, return_trace=False, workspace=None):
    """Backprop through time; returns ``(grads, dh0, dxs)`` (plus ``{"dh": ...}`` with ``return_trace``)."""
    _checks.instance("cache", cache, Cache)                    # the cache of this layer's forward
    xs, zs, acts, rh, hs, params = cache.xs, cache.zs, cache.acts, cache.rh, cache.hs, cache.params
    dhs = _layer.check_douts(dhs, hs[1:])
    H = hs.shape[-1]
    if not return_trace and dhs.dtype == zs.dtype and _fused.usable(zs.dtype, cache.gate, cache.cand):
        dh_T, = _layer.final_state_grads(dstate_T, hs[0].shape, zs.dtype, 1)
        return _gru_fused.backward(dhs, cache, dh_T, hs.shape[1:-2], workspace)   # the compiled loop
    dgate = cache.gate.grad(zs[..., :2 * H], acts[..., :2 * H])    # (T, *lead, B, 2H)
    dcand = cache.cand.grad(zs[..., 2 * H:], acts[..., 2 * H:])    # (T, *lead, B, H)
    W_h = params["W_h"]
    W_urT = np.swapaxes(W_h[..., :2 * H], -1, -2)                  # (*lead, 2H, H)
    W_nT = np.swapaxes(W_h[..., 2 * H:], -1, -2)                   # (*lead, H, H)
    dzs = np.empty_like(zs)
    dh_next, = _layer.final_state_grads(dstate_T, hs[0].shape, zs.dtype, 1)
    trace = np.empty_like(hs[1:]) if return_trace else None
    for t in reversed(range(zs.shape[0])):
        dh = dhs[t] + dh_next                                      # (*lead, B, H)
        if return_trace:
            trace[t] = dh
        u, r, n = acts[t, ..., :H], acts[t, ..., H:2 * H], acts[t, ..., 2 * H:]
        dzs[t, ..., 2 * H:] = dh * (1.0 - u) * dcand[t]            # dz_n
        drh = dzs[t, ..., 2 * H:] @ W_nT                           # d(r * h_prev)
        dzs[t, ..., :H] = dh * (hs[t] - n) * dgate[t, ..., :H]     # dz_u
        dzs[t, ..., H:2 * H] = drh * hs[t] * dgate[t, ..., H:]     # dz_r
        dh_next = dh * u + drh * r + dzs[t, ..., :2 * H] @ W_urT
    grads = {
        "W_x": sum_over_time(xs, dzs),
        "W_h": np.concatenate([sum_over_time(hs[:-1], dzs[..., :2 * H]), sum_over_time(rh, dzs[..., 2 * H:])], axis=-1),
        "b": merge_time(dzs).sum(axis=-2),
    }
    dxs = unbroadcast(dzs @ np.swapaxes(params["W_x"], -1, -2), xs.shape)
    out = (grads, dh_next, dxs)
    return out + ({"dh": trace},) if return_trace else out
