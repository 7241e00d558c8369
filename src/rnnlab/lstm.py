"""The LSTM layer: forward and exact backward through time, in numpy.

With pre-activations z_t = x_t W_x + h_{t-1} W_h + b, split into blocks,

    g_t = cand(z_g)                 candidate            (default tanh)
    i_t = gate(z_i)                 input gate           (default sigmoid)
    f_t = gate(z_f)                 forget gate          (default sigmoid; f_t = 1 if forget_gate=False)
    o_t = gate(z_o)                 output gate          (default sigmoid)
    c_t = f_t * c_{t-1} + i_t * g_t cell state           (the "constant error carousel")
    h_t = o_t * squash(c_t)         hidden state/output  (default tanh; "identity" = no output activation)

Parameter blocks are stored in the order [g, i, f, o] (``[g, i, o]`` without a
forget gate), so that all gates are one contiguous slice. Shapes, with an
optional population axis ``*lead`` (see :mod:`rnnlab._tensor`):

    W_x (*lead, D, nH)   W_h (*lead, H, nH)   b (*lead, nH)      n = 4 (or 3)
    xs  (T, [*lead,] B, D)   ->   hs (T, *lead, B, H)

This module is the reference, in numpy: ``out=`` arguments instead of
temporaries, memory from the caller's workspace when it lends one
(:class:`rnnlab._tensor.Workspace`), backward's local derivatives for a chunk
of steps at once. By default the same computation runs as compiled loops
(:mod:`rnnlab._lstm_fused`; ``RNNLAB_FUSED=0`` selects this numpy code).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _checks, _fused, _layer, _lstm_fused, activations, init as _init
from ._tensor import empty, merge_time, sum_over_time, unbroadcast

KEYS = ("W_x", "W_h", "b")


class Cache(NamedTuple):
    """What backward needs: inputs, pre-activations and states of every step."""

    xs: np.ndarray        # (T, [*lead,] B, D)
    zs: np.ndarray        # (T, *lead, B, nH) pre-activations [g, i, f, o]
    acts: np.ndarray      # (T, *lead, B, nH) activations     [g, i, f, o]
    cs: np.ndarray        # (T+1, *lead, B, H) cell states, cs[0] = c0
    sq: np.ndarray        # (T, *lead, B, H) squash(c_t)
    hs: np.ndarray        # (T+1, *lead, B, H) hidden states, hs[0] = h0
    params: dict
    gate: activations.Activation
    cand: activations.Activation
    squash: activations.Activation
    forget_gate: bool


def n_blocks(forget_gate: bool = True) -> int:
    """4 blocks [g, i, f, o] with a forget gate, 3 blocks [g, i, o] without."""
    return 4 if forget_gate else 3


def init(rng, input_size, hidden_size, *, forget_bias=1.0, forget_gate=True,
         W_x="glorot", W_h="orthogonal", dtype=np.float64) -> dict:
    """Parameters of one LSTM layer. The forget-gate bias starts at ``forget_bias``
    (1 by default, after Jozefowicz et al. 2015); every other bias starts at 0."""
    D = _checks.positive_int("input_size", input_size)
    H = _checks.positive_int("hidden_size", hidden_size)
    forget_bias = _checks.finite_float("forget_bias", forget_bias)
    n = n_blocks(_checks.boolean("forget_gate", forget_gate))
    W_x_init, W_h_init = _init.get(W_x), _init.get(W_h)
    W_hh = np.concatenate([W_h_init(rng, H, H, dtype=dtype) for _ in range(n)], axis=1)  # (H, nH)
    b = np.zeros(n * H, dtype=dtype)                                                      # (nH,)
    if forget_gate:
        b[2 * H:3 * H] = forget_bias
    return {"W_x": W_x_init(rng, D, n * H, dtype=dtype), "W_h": W_hh, "b": b}


def forward(params, xs, state0=None, *, gate="sigmoid", cand="tanh", squash="tanh", forget_gate=True,
            workspace=None):
    """Run the LSTM over ``xs``; return ``(hs, cache)`` with ``hs`` of shape (T, *lead, B, H).

    ``state0`` is ``(h0, c0)`` or None for zeros. The final state is
    ``(cache.hs[-1], cache.cs[-1])``. ``workspace``: see :class:`rnnlab._tensor.Workspace`.
    """
    gate, cand, squash = activations.get(gate), activations.get(cand), activations.get(squash)
    forget_gate = _checks.boolean("forget_gate", forget_gate)
    xs, H, lead = _layer.check_params(params, xs, KEYS, n_blocks(forget_gate), f"LSTM with forget_gate={forget_gate}")
    W_h = params["W_h"]
    T, B = xs.shape[0], xs.shape[-2]
    if state0 is None:
        state0 = (None, None)
    if not (isinstance(state0, (tuple, list)) and len(state0) == 2):
        raise ValueError(f"state0 must be a pair (h0, c0) or None; got {type(state0).__name__}")
    h0 = _layer.state("h0", state0[0], lead + (B, H), W_h.dtype)
    c0 = _layer.state("c0", state0[1], lead + (B, H), W_h.dtype)

    nH, dtype = W_h.shape[-1], W_h.dtype
    if _fused.usable(dtype, gate, cand, squash):                # the compiled loop (rnnlab._lstm_fused)
        zs, acts, cs, sq, hs = _lstm_fused.forward(params, xs, h0, c0, lead, gate, cand, squash, forget_gate, workspace)
        return hs[1:], Cache(xs, zs, acts, cs, sq, hs, params, gate, cand, squash, forget_gate)
    ws = workspace
    zs = _layer.input_projection(params, xs, lead, ws)          # (T, *lead, B, nH): one matmul for all steps
    acts = empty(ws, "acts", zs.shape, dtype)                   # (T, *lead, B, nH)
    cs = empty(ws, "cs", (T + 1,) + lead + (B, H), dtype)       # (T+1, *lead, B, H)
    hs = empty(ws, "hs", cs.shape, dtype)                       # (T+1, *lead, B, H)
    sq = empty(ws, "sq", cs.shape, dtype)[1:]                   # (T, *lead, B, H)
    cs[0], hs[0] = c0, h0
    rec = empty(ws, "rec", lead + (B, nH), dtype)               # (*lead, B, nH) scratch
    ig = empty(ws, "ig", lead + (B, H), dtype)                  # (*lead, B, H) scratch
    whole_rows = _layer.elementwise_safe(gate)
    with np.errstate(over="ignore", invalid="ignore"):     # an unbounded loop may overflow to inf/NaN, by design
        for t in range(T):
            np.matmul(hs[t], W_h, out=rec)                          # (*lead, B, nH)
            zs[t] += rec
            if whole_rows:      # the gate over whole contiguous rows is faster; the g block is then overwritten
                _layer.apply_into(gate, zs[t], acts[t])
            else:
                _layer.apply_into(gate, zs[t, ..., H:], acts[t, ..., H:])   # i, f, o
            _layer.apply_into(cand, zs[t, ..., :H], acts[t, ..., :H])       # g
            np.multiply(acts[t, ..., H:2 * H], acts[t, ..., :H], out=ig)   # i g, (*lead, B, H)
            if forget_gate:
                np.multiply(acts[t, ..., 2 * H:3 * H], cs[t], out=cs[t + 1])
                cs[t + 1] += ig                                     # c_t = f c_{t-1} + i g
            else:
                np.add(cs[t], ig, out=cs[t + 1])
            _layer.apply_into(squash, cs[t + 1], sq[t])             # (*lead, B, H)
            np.multiply(acts[t, ..., -H:], sq[t], out=hs[t + 1])    # h_t = o squash(c_t)
    cache = Cache(xs, zs, acts, cs, sq, hs, params, gate, cand, squash, forget_gate)
    return hs[1:], cache


def backward(dhs, cache: Cache, dstate_T=None, *, return_trace=False, workspace=None):
    """Backprop through time. ``dhs`` is dLoss/dh_t for every step, (T, *lead, B, H).

    Returns ``(grads, dstate0, dxs)``: grads with the keys of params,
    ``dstate0 = (dh0, dc0)`` and ``dxs`` shaped like the input. With
    ``return_trace=True`` a fourth item holds dLoss/dh_t and dLoss/dc_t for
    every t (the total derivatives, used to measure gradient flow over lag).
    ``dstate_T = (dh_T, dc_T)`` adds gradient arriving at the final state.
    """
    _checks.instance("cache", cache, Cache)                    # the cache of this layer's forward
    xs, zs, acts, cs, hs, params = cache.xs, cache.zs, cache.acts, cache.cs, cache.hs, cache.params
    T, H = zs.shape[0], cs.shape[-1]
    dhs = _layer.check_douts(dhs, hs[1:])
    if not return_trace and dhs.dtype == zs.dtype and _fused.usable(zs.dtype, cache.gate, cache.cand, cache.squash):
        dh_T, dc_T = _layer.final_state_grads(dstate_T, hs[0].shape, zs.dtype, 2)
        return _lstm_fused.backward(dhs, cache, dh_T, dc_T, hs.shape[1:-2], workspace)   # the compiled loop
    ws = workspace
    W_hT = np.swapaxes(params["W_h"], -1, -2)                   # (*lead, nH, H)
    dzs = empty(ws, "dzs", zs.shape, zs.dtype)                  # (T, *lead, B, nH)
    dh_T, dc_T = _layer.final_state_grads(dstate_T, hs[0].shape, zs.dtype, 2)
    wd = np.result_type(dhs.dtype, zs.dtype)                    # dhs of another float dtype promotes dh and dc
    dh_next = np.array(dh_T, dtype=zs.dtype)                    # (*lead, B, H); after the loop: dh0
    dc_next = np.array(dc_T, dtype=wd)                          # (*lead, B, H); after the loop: dc0
    trace = {"dh": np.empty_like(hs[1:]), "dc": np.empty_like(cs[1:])} if return_trace else None
    _steps_back(dhs, cache, dzs, W_hT, dh_next, dc_next, wd, trace, ws)
    dz_rows = merge_time(dzs, ws, "dz_rows")                    # (*lead, T*B, nH): time folded into rows
    grads = {
        "W_x": sum_over_time(xs, dz_rows, merged=True),         # (*lead, D, nH); broadcasts over shared xs
        "W_h": np.swapaxes(merge_time(hs[:-1], ws, "h_rows"), -1, -2) @ dz_rows,   # (*lead, H, nH): one matmul
        "b": dz_rows.sum(axis=-2),                              # (*lead, nH)
    }
    dxs = unbroadcast(dzs @ np.swapaxes(params["W_x"], -1, -2), xs.shape)  # like xs
    out = (grads, (dh_next, dc_next), dxs)
    return out + (trace,) if return_trace else out


def _steps_back(dhs, cache, dzs, W_hT, dh_next, dc_next, wd, trace, ws):
    """The loop of :func:`backward` in numpy: fills ``dzs``; ``dh_next``, ``dc_next`` end at step 0.

    The local derivatives K (stored in dzs, then scaled in place) and P are computed
    for a chunk of steps at once: few numpy calls per step, and a chunk's arrays
    (about 256 KiB) stay in the CPU cache until the recurrence uses them.
    """
    zs, acts, cs, sq, fg = cache.zs, cache.acts, cache.cs, cache.sq, cache.forget_gate
    T, H, lead_B = zs.shape[0], cs.shape[-1], zs.shape[1:-1]
    n = n_blocks(fg)
    chunk = max(1, min(T, 2 ** 18 // max(1, zs[0].nbytes)))     # steps per chunk
    dh, dc = (empty(ws, k, lead_B + (H,), wd) for k in ("dh", "dc"))             # (*lead, B, H)
    P_buf = empty(ws, "P", (chunk,) + lead_B + (H,), zs.dtype)                  # (chunk, *lead, B, H)
    dgate_buf = empty(ws, "dgate", (chunk,) + zs.shape[1:], zs.dtype)          # gate'(z) [unused, i, (f), o]
    whole_rows = _layer.elementwise_safe(cache.gate)
    shape4 = lead_B + (n, H)
    for t1 in range(T, 0, -chunk):
        t0 = max(0, t1 - chunk)                                 # steps t0 .. t1-1, (k, *lead, B, .) each
        a, z, K, P, dgate = acts[t0:t1], zs[t0:t1], dzs[t0:t1], P_buf[:t1 - t0], dgate_buf[:t1 - t0]
        # Local derivatives, taken at the pre-activations: dz = K * [dc, dc, (dc), dh].
        _layer.grad_into(cache.squash, cs[t0 + 1:t1 + 1], sq[t0:t1], P)
        np.multiply(a[..., -H:], P, out=P)                      # P = o * squash'(c_t)
        _layer.grad_into(cache.cand, z[..., :H], a[..., :H], K[..., :H])
        np.multiply(a[..., H:2 * H], K[..., :H], out=K[..., :H])            # K_g = i * cand'(z_g)
        if whole_rows:      # gate'(z) over whole contiguous rows (block 0 unused)
            _layer.grad_into(cache.gate, z, a, dgate)
        else:
            _layer.grad_into(cache.gate, z[..., H:], a[..., H:], dgate[..., H:])
        np.multiply(a[..., :H], dgate[..., H:2 * H], out=K[..., H:2 * H])       # K_i = g * gate'(z_i)
        if fg:
            np.multiply(cs[t0:t1], dgate[..., 2 * H:3 * H], out=K[..., 2 * H:3 * H])  # K_f = c_{t-1} * gate'(z_f)
        np.multiply(sq[t0:t1], dgate[..., -H:], out=K[..., -H:])                # K_o = squash(c_t) * gate'(z_o)
        for t in reversed(range(t0, t1)):                       # backprop through the steps of the chunk
            np.add(dhs[t], dh_next, out=dh)                     # (*lead, B, H)
            np.multiply(dh, P[t - t0], out=dc)
            np.add(dc_next, dc, out=dc)                         # dc = dc_next + dh * P
            if trace is not None:
                trace["dh"][t], trace["dc"][t] = dh, dc
            dz4 = dzs[t].reshape(shape4)                        # (*lead, B, n, H) view
            np.multiply(dz4[..., :-1, :], dc[..., None, :], out=dz4[..., :-1, :])  # g, i, (f) blocks
            np.multiply(dz4[..., -1, :], dh, out=dz4[..., -1, :])                  # o block
            np.matmul(dzs[t], W_hT, out=dh_next)                # (*lead, B, H)
            if fg:
                np.multiply(dc, acts[t, ..., 2 * H:3 * H], out=dc_next)   # dc * f_t
            else:
                dc_next[...] = dc
