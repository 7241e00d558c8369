"""The LSTM with layer normalisation (after Ba et al. 2016): forward and exact backward through time.

Layer normalisation of a vector a of H entries, with gain gamma and bias beta:

    LN(a) = gamma * (a - mean(a)) / sqrt(var(a) + eps) + beta        (mean, var over the H entries)

The normalised vector has mean 0 and variance just below 1, so every entry
lies in (-sqrt(H - 1), sqrt(H - 1)) *whatever the size of a*: after LN, a
quantity can no longer grow with the state that produced it. This layer
normalises each block of the pre-activation and the cell state seen by the
output:

    a_t   = x_t W_x + h_{t-1} W_h                              (*lead, B, 4H), blocks [g, i, f, o]
    z_t^k = gain^k * norm(a_t^k) + b^k                         one LN per block k (gain, b: 4H)
    g_t = cand(z^g),  i_t, f_t, o_t = gate(z^i), gate(z^f), gate(z^o)
    c_t = f_t * c_{t-1} + i_t * g_t
    h_t = o_t * squash(gain_c * norm(c_t) + bias_c)            (gain_c, bias_c: H)

Ba et al. normalise x W_x and h W_h separately; here their sum is normalised,
one LN per gate block (a simplification with the same bound: |z^g| <=
|gain^g| sqrt(H - 1) + |b^g|). The cell state itself is not normalised, only
what the output sees; so the ReLU loop c -> h -> z^g -> g -> c has a bounded
function in it (the normalisation) whatever the activations.

Shapes, with an optional population axis ``*lead``:
    W_x (*lead, D, 4H)  W_h (*lead, H, 4H)  b, gain (*lead, 4H)  gain_c, bias_c (*lead, H)
    xs (T, [*lead,] B, D) -> hs (T, *lead, B, H)
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _checks, _layer, activations, init as _init
from ._tensor import merge_time, sum_over_time, unbroadcast

KEYS = ("W_x", "W_h", "b", "gain", "gain_c", "bias_c")
EPS = 1e-5
"""Added to the variance inside the square root (keeps LN finite for a constant vector)."""


class Cache(NamedTuple):
    xs: np.ndarray        # (T, [*lead,] B, D)
    xhat: np.ndarray      # (T, *lead, B, 4, H) normalised pre-activation blocks
    sd: np.ndarray        # (T, *lead, B, 4, 1) their sqrt(var + eps)
    zs: np.ndarray        # (T, *lead, B, 4H) pre-activations after LN
    acts: np.ndarray      # (T, *lead, B, 4H) [g, i, f, o]
    cs: np.ndarray        # (T+1, *lead, B, H) cell states, cs[0] = c0
    chat: np.ndarray      # (T, *lead, B, H) normalised cell
    sd_c: np.ndarray      # (T, *lead, B, 1)
    ns: np.ndarray        # (T, *lead, B, H) gain_c * chat + bias_c
    sq: np.ndarray        # (T, *lead, B, H) squash(ns)
    hs: np.ndarray        # (T+1, *lead, B, H), hs[0] = h0
    params: dict
    gate: activations.Activation
    cand: activations.Activation
    squash: activations.Activation


def normalize(a, eps: float = EPS):
    """``(a - mean) / sqrt(var + eps)`` over the last axis; returns ``(ahat, sd)`` with sd keeping that axis."""
    mu = a.mean(axis=-1, keepdims=True)
    d = a - mu
    sd = np.sqrt((d * d).mean(axis=-1, keepdims=True) + eps)
    return d / sd, sd


def normalize_backward(dahat, ahat, sd):
    """Gradient through :func:`normalize`: da = (dahat - mean(dahat) - ahat mean(dahat ahat)) / sd."""
    m1 = dahat.mean(axis=-1, keepdims=True)
    m2 = (dahat * ahat).mean(axis=-1, keepdims=True)
    return (dahat - m1 - ahat * m2) / sd


def init(rng, input_size, hidden_size, *, forget_bias=1.0, W_x="glorot", W_h="orthogonal", dtype=np.float64) -> dict:
    """Parameters of one LN-LSTM layer: LSTM weights as in :func:`rnnlab.lstm.init`, gains 1, LN biases 0."""
    D = _checks.positive_int("input_size", input_size)
    H = _checks.positive_int("hidden_size", hidden_size)
    forget_bias = _checks.finite_float("forget_bias", forget_bias)
    W_h_init = _init.get(W_h)
    W_hh = np.concatenate([W_h_init(rng, H, H, dtype=dtype) for _ in range(4)], axis=1)  # (H, 4H)
    b = np.zeros(4 * H, dtype=dtype)
    b[2 * H:3 * H] = forget_bias
    return {"W_x": _init.get(W_x)(rng, D, 4 * H, dtype=dtype), "W_h": W_hh, "b": b,
            "gain": np.ones(4 * H, dtype=dtype), "gain_c": np.ones(H, dtype=dtype), "bias_c": np.zeros(H, dtype=dtype)}


def _check_extra(params, H, lead, dtype):
    for k, n in (("gain", 4 * H), ("gain_c", H), ("bias_c", H)):
        a = _checks.float_array(f"params['{k}']", params[k])
        if a.dtype != dtype:
            raise _checks.ArgTypeError(f"params['{k}'] must have dtype {dtype} like W_h; got {a.dtype}")
        if a.shape != lead + (n,):
            raise ValueError(f"params['{k}'] must have shape {lead + (n,)}; got {a.shape}")


def forward(params, xs, state0=None, *, gate="sigmoid", cand="tanh", squash="tanh", workspace=None):
    """Run the LN-LSTM over ``xs``; return ``(hs, cache)``, hs (T, *lead, B, H). ``state0`` is (h0, c0) or None."""
    gate, cand, squash = activations.get(gate), activations.get(cand), activations.get(squash)
    xs, H, lead = _layer.check_params(params, xs, KEYS, 4, "LN-LSTM")
    W_h = params["W_h"]
    _checks.refuse_float16("params", W_h.dtype, "the variance of layer normalisation overflows float16 above |a| = 256")
    _check_extra(params, H, lead, W_h.dtype)
    T, B = xs.shape[0], xs.shape[-2]
    if state0 is None:
        state0 = (None, None)
    if not (isinstance(state0, (tuple, list)) and len(state0) == 2):
        raise ValueError(f"state0 must be a pair (h0, c0) or None; got {type(state0).__name__}")
    h0 = _layer.state("h0", state0[0], lead + (B, H), W_h.dtype)
    c0 = _layer.state("c0", state0[1], lead + (B, H), W_h.dtype)
    gain = params["gain"][..., None, :]                          # (*lead, 1, 4H)
    gain_c, bias_c = params["gain_c"][..., None, :], params["bias_c"][..., None, :]   # (*lead, 1, H)
    b = params["b"][..., None, :]
    a_x = _layer.input_projection({"W_x": params["W_x"], "b": np.zeros_like(params["b"])}, xs, lead)  # (T, *lead, B, 4H)
    shp4 = lead + (B, 4, H)
    xhat = np.empty((T,) + shp4, dtype=W_h.dtype)               # (T, *lead, B, 4, H)
    sd = np.empty((T,) + lead + (B, 4, 1), dtype=W_h.dtype)
    zs, acts = np.empty_like(a_x), np.empty_like(a_x)           # (T, *lead, B, 4H)
    cs = np.empty((T + 1,) + lead + (B, H), dtype=W_h.dtype)    # (T+1, *lead, B, H)
    hs = np.empty_like(cs)
    chat, ns, sq = (np.empty_like(cs[1:]) for _ in range(3))    # (T, *lead, B, H)
    sd_c = np.empty((T,) + lead + (B, 1), dtype=W_h.dtype)
    cs[0], hs[0] = c0, h0
    with np.errstate(over="ignore", invalid="ignore"):          # a blown-up input gives inf/NaN, reported by train
        for t in range(T):
            a = a_x[t] + hs[t] @ W_h                                # (*lead, B, 4H)
            xhat[t], sd[t] = normalize(a.reshape(shp4))
            zs[t] = xhat[t].reshape(a.shape) * gain + b
            acts[t, ..., :H] = cand.f(zs[t, ..., :H])
            acts[t, ..., H:] = gate.f(zs[t, ..., H:])
            g, i, f, o = (acts[t, ..., k * H:(k + 1) * H] for k in range(4))
            cs[t + 1] = f * cs[t] + i * g                           # (*lead, B, H)
            chat[t], sd_c[t] = normalize(cs[t + 1])
            ns[t] = gain_c * chat[t] + bias_c
            sq[t] = squash.f(ns[t])
            hs[t + 1] = o * sq[t]
    cache = Cache(xs, xhat, sd, zs, acts, cs, chat, sd_c, ns, sq, hs, params, gate, cand, squash)
    return hs[1:], cache


def backward(dhs, cache: Cache, dstate_T=None, *, return_trace=False, workspace=None):
    """Backprop through time; returns ``(grads, (dh0, dc0), dxs)`` (plus a trace with ``return_trace``)."""
    _checks.instance("cache", cache, Cache)                    # the cache of this layer's forward
    p, zs, acts, cs, hs = cache.params, cache.zs, cache.acts, cache.cs, cache.hs
    T, H = zs.shape[0], cs.shape[-1]
    dhs = _layer.check_douts(dhs, hs[1:])
    lead_b = zs.shape[1:-1]                                      # (*lead, B)
    dact_g = cache.cand.grad(zs[..., :H], acts[..., :H])         # (T, *lead, B, H)
    dact_gates = cache.gate.grad(zs[..., H:], acts[..., H:])     # (T, *lead, B, 3H)
    dsq = cache.squash.grad(cache.ns, cache.sq)                  # (T, *lead, B, H)
    gain, gain_c = p["gain"][..., None, :], p["gain_c"][..., None, :]
    W_hT = np.swapaxes(p["W_h"], -1, -2)                         # (*lead, 4H, H)
    das, dzs = np.empty_like(zs), np.empty_like(zs)              # (T, *lead, B, 4H)
    dns = np.empty_like(cs[1:])                                  # (T, *lead, B, H)
    dh_next, dc_next = _layer.final_state_grads(dstate_T, hs[0].shape, zs.dtype, 2)
    if return_trace:
        trace_dh, trace_dc = np.empty_like(hs[1:]), np.empty_like(cs[1:])
    for t in reversed(range(T)):
        g, i, f, o = (acts[t, ..., k * H:(k + 1) * H] for k in range(4))
        dh = dhs[t] + dh_next                                    # (*lead, B, H)
        dns[t] = dh * o * dsq[t]                                 # d(gain_c chat + bias_c)
        dc = dc_next + normalize_backward(dns[t] * gain_c, cache.chat[t], cache.sd_c[t])
        if return_trace:
            trace_dh[t], trace_dc[t] = dh, dc
        dz = dzs[t]
        dz[..., :H] = dc * i * dact_g[t]                         # g
        dz[..., H:2 * H] = dc * g * dact_gates[t, ..., :H]       # i
        dz[..., 2 * H:3 * H] = dc * cs[t] * dact_gates[t, ..., H:2 * H]   # f
        dz[..., 3 * H:] = dh * cache.sq[t] * dact_gates[t, ..., 2 * H:]   # o
        dxhat = (dz * gain).reshape(lead_b + (4, H))
        das[t] = normalize_backward(dxhat, cache.xhat[t], cache.sd[t]).reshape(dz.shape)
        dh_next = das[t] @ W_hT                                  # (*lead, B, H)
        dc_next = dc * f
    xhat = cache.xhat.reshape(zs.shape)                          # (T, *lead, B, 4H)
    grads = {
        "W_x": sum_over_time(cache.xs, das),
        "W_h": sum_over_time(hs[:-1], das),
        "b": merge_time(dzs).sum(axis=-2),
        "gain": merge_time(dzs * xhat).sum(axis=-2),
        "gain_c": merge_time(dns * cache.chat).sum(axis=-2),
        "bias_c": merge_time(dns).sum(axis=-2),
    }
    dxs = unbroadcast(das @ np.swapaxes(p["W_x"], -1, -2), cache.xs.shape)
    out = (grads, (dh_next, dc_next), dxs)
    if return_trace:
        out = out + ({"dh": trace_dh, "dc": trace_dc},)
    return out
