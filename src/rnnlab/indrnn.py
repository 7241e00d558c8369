"""The independently recurrent network, IndRNN (after Li et al. 2018): forward and exact backward.

Each unit sees only its own past: the recurrent matrix is diagonal, one weight
u_j per unit,

    z_t = x_t W_x + u * h_{t-1} + b          (* is element-wise)
    h_t = act(z_t)                           (default ReLU)

so the loop of unit j has gain u_j act'(z_t^j), and with ReLU a unit whose
|u_j| < 1 cannot grow geometrically: h_t <= |u_j| h_{t-1} + |x_t W_x + b|.
Li et al. keep each |u_j| below a bound by clipping it after every update.
Here the bound is built into the parametrisation instead (no projection step
is needed, and the gradient never vanishes at the bound):

    u = u_max * tanh(W_h / u_max),           so |u_j| < u_max, and u ~ W_h for small W_h.

Shapes, with an optional population axis ``*lead``:
    W_x (*lead, D, H)   W_h (*lead, H)  (the raw diagonal)   b (*lead, H)
    xs (T, [*lead,] B, D) -> hs (T, *lead, B, H)
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _checks, _fused, _layer, _rnn_fused, activations, init as _init
from ._tensor import empty, lead_shape, merge_time, sum_over_time, unbroadcast

KEYS = ("W_x", "W_h", "b")


class Cache(NamedTuple):
    xs: np.ndarray      # (T, [*lead,] B, D)
    zs: np.ndarray      # (T, *lead, B, H) pre-activations
    hs: np.ndarray      # (T+1, *lead, B, H), hs[0] = h0
    u: np.ndarray       # (*lead, H) the bounded recurrent weights
    params: dict
    act: activations.Activation
    u_max: float


def recurrent_weight(W_h, u_max: float = 1.0):
    """The bounded diagonal u = u_max tanh(W_h / u_max), |u| < u_max."""
    u_max = _checks.finite_float("u_max", u_max, positive=True)
    return u_max * np.tanh(_checks.array("W_h", W_h, max_ndim=8) / u_max)


def init(rng, input_size, hidden_size, *, u_max=1.0, W_x="glorot", dtype=np.float64) -> dict:
    """Parameters of one IndRNN layer: W_x by ``W_x`` init, biases 0, and recurrent weights
    u drawn uniformly in [0, 0.99 u_max) (Li et al. draw them in [0, 1) for the adding problem)."""
    D = _checks.positive_int("input_size", input_size)
    H = _checks.positive_int("hidden_size", hidden_size)
    u_max = _checks.finite_float("u_max", u_max, positive=True)
    u = _checks.rng("rng", rng).uniform(0.0, 0.99, H) * u_max
    return {"W_x": _init.get(W_x)(rng, D, H, dtype=dtype), "W_h": (u_max * np.arctanh(u / u_max)).astype(dtype),
            "b": np.zeros(H, dtype=dtype)}


def _check(params, xs):
    if not isinstance(params, dict):
        raise _checks.ArgTypeError(f"params must be a dict of arrays; got {type(params).__name__}")
    for k in KEYS:
        if k not in params:
            raise ValueError(f"params must hold keys {KEYS}; got keys {sorted(params)}")
    W_x, W_h, b = (_checks.float_array(f"params['{k}']", params[k]) for k in KEYS)
    if not (W_x.dtype == W_h.dtype == b.dtype):
        raise _checks.ArgTypeError(f"params must share one dtype; got W_x {W_x.dtype}, W_h {W_h.dtype}, b {b.dtype}")
    if W_x.ndim < 2 or W_h.shape != W_x.shape[:-2] + (W_x.shape[-1],):
        raise ValueError(f"params['W_h'] of an IndRNN must have shape (*lead, H) = {W_x.shape[:-2] + W_x.shape[-1:]} "
                         f"to match W_x {W_x.shape}; got {W_h.shape}")
    if b.shape != W_h.shape:
        raise ValueError(f"params['b'] must have shape {W_h.shape}; got {b.shape}")
    lead = lead_shape(W_x)
    xs = _checks.array("xs", xs, min_ndim=3, max_ndim=3 + len(lead), last=W_x.shape[-2])
    if xs.ndim > 3 and xs.shape[1:-2] != lead:
        raise ValueError(f"xs must have shape (T, B, D) or (T, {', '.join(map(str, lead))}, B, D); got {xs.shape}")
    if xs.shape[0] < 1 or xs.shape[-2] < 1:
        raise ValueError(f"xs must have at least one time step and one sample; got shape {xs.shape}")
    return xs.astype(W_h.dtype, copy=False), W_h.shape[-1], lead


def forward(params, xs, state0=None, *, act="relu", u_max=1.0, workspace=None):
    """Run the IndRNN over ``xs``; return ``(hs, cache)``, hs (T, *lead, B, H). ``state0`` is h0 or None."""
    act = activations.get(act)
    u_max = _checks.finite_float("u_max", u_max, positive=True)
    xs, H, lead = _check(params, xs)
    T, B = xs.shape[0], xs.shape[-2]
    dtype = params["W_h"].dtype
    u = recurrent_weight(params["W_h"], u_max).astype(dtype)[..., None, :]   # (*lead, 1, H)
    h0 = _layer.state("state0", state0, lead + (B, H), dtype)
    if _fused.usable(dtype, act):                                          # the compiled loop (rnnlab._rnn_fused)
        zs, hs = _rnn_fused.forward(params, xs, h0, lead, act, u=u[..., 0, :], workspace=workspace)
        return hs[1:], Cache(xs, zs, hs, u[..., 0, :], params, act, u_max)
    hs = empty(workspace, "hs", (T + 1,) + lead + (B, H), dtype)           # (T+1, *lead, B, H)
    hs[0] = h0
    zs = _layer.input_projection(params, xs, lead, workspace)              # (T, *lead, B, H)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            zs[t] += u * hs[t]
            hs[t + 1] = act.f(zs[t])
    return hs[1:], Cache(xs, zs, hs, u[..., 0, :], params, act, u_max)


def backward(dhs, cache: Cache, dstate_T=None, *, return_trace=False, workspace=None):
    """Backprop through time; returns ``(grads, dh0, dxs)`` (plus ``{"dh": ...}`` with ``return_trace``)."""
    _checks.instance("cache", cache, Cache)                    # the cache of this layer's forward
    xs, zs, hs, params = cache.xs, cache.zs, cache.hs, cache.params
    dhs = _layer.check_douts(dhs, hs[1:])
    ratio = cache.u / cache.u_max
    if not return_trace and dhs.dtype == zs.dtype and _fused.usable(zs.dtype, cache.act):
        dh_T, = _layer.final_state_grads(dstate_T, hs[0].shape, zs.dtype, 1)
        grads, dh0, dxs = _rnn_fused.backward(dhs, cache, dh_T, hs.shape[1:-2], u=cache.u, workspace=workspace)
        grads["W_h"] = grads["W_h"] * (1.0 - ratio * ratio)                # du/dW_h, as below
        return grads, dh0, dxs
    dact = cache.act.grad(zs, hs[1:])                                      # (T, *lead, B, H)
    u = cache.u[..., None, :]                                              # (*lead, 1, H)
    dzs = np.empty_like(zs)
    dh_next, = _layer.final_state_grads(dstate_T, hs[0].shape, zs.dtype, 1)
    trace = np.empty_like(zs) if return_trace else None
    for t in reversed(range(zs.shape[0])):
        dh = dhs[t] + dh_next                                              # (*lead, B, H)
        if return_trace:
            trace[t] = dh
        np.multiply(dh, dact[t], out=dzs[t])
        dh_next = dzs[t] * u
    du = merge_time(dzs * hs[:-1]).sum(axis=-2)                           # (*lead, H)
    grads = {"W_x": sum_over_time(xs, dzs), "W_h": du * (1.0 - ratio * ratio), "b": merge_time(dzs).sum(axis=-2)}
    dxs = unbroadcast(dzs @ np.swapaxes(params["W_x"], -1, -2), xs.shape)
    out = (grads, dh_next, dxs)
    return out + ({"dh": trace},) if return_trace else out
