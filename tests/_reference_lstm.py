"""Frozen copy of the numpy LSTM, RNN and GRU (and the stack plumbing) as they were
before the speed work of issue 15 (branch ``speed``, from main at 4470fd3).

Never edit this file: tests/test_speed_equivalence.py checks that the engine in
``src/rnnlab`` still gives bit-for-bit the same outputs and gradients as this code.
Argument checks are borrowed from the package (they do not compute anything).
"""
from __future__ import annotations

import types
from typing import NamedTuple

import numpy as np

from rnnlab import _layer as _pkg_layer, activations, _checks
from rnnlab import indrnn as _indrnn, lnlstm as _lnlstm
from rnnlab.stack import Cache as StackCache, ModelSpec, _check_against_spec, _layer_params


# ----- frozen helpers (rnnlab._tensor, rnnlab._layer) -----
def merge_time(a):
    T, B, F = a.shape[0], a.shape[-2], a.shape[-1]
    lead = a.shape[1:-2]
    if not lead:
        return a.reshape(T * B, F)
    return np.moveaxis(a, 0, -3).reshape(*lead, T * B, F)


def sum_over_time(a, b):
    return np.swapaxes(merge_time(a), -1, -2) @ merge_time(b)


def unbroadcast(grad, shape):
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(1, 1 + extra)))
    return grad


def input_projection(params, xs, lead):
    T, B = xs.shape[0], xs.shape[-2]
    if xs.ndim == 3 and lead:
        xs = xs.reshape((T,) + (1,) * len(lead) + (B, xs.shape[-1]))
    return xs @ params["W_x"] + params["b"][..., None, :]


KEYS = ("W_x", "W_h", "b")

_layer = types.SimpleNamespace(check_params=_pkg_layer.check_params, state=_pkg_layer.state,
                               check_douts=_pkg_layer.check_douts, input_projection=input_projection,
                               final_state_grads=_pkg_layer.final_state_grads)

# ----- lstm -----
class LSTMCache(NamedTuple):
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


def lstm_forward(params, xs, state0=None, *, gate="sigmoid", cand="tanh", squash="tanh", forget_gate=True):
    """Run the LSTM over ``xs``; return ``(hs, cache)`` with ``hs`` of shape (T, *lead, B, H).

    ``state0`` is ``(h0, c0)`` or None for zeros. The final state is
    ``(cache.hs[-1], cache.cs[-1])``.
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

    zs = _layer.input_projection(params, xs, lead)              # (T, *lead, B, nH): one matmul for all steps
    acts = np.empty_like(zs)                                    # (T, *lead, B, nH)
    cs = np.empty((T + 1,) + lead + (B, H), dtype=W_h.dtype)    # (T+1, *lead, B, H)
    hs = np.empty_like(cs)                                      # (T+1, *lead, B, H)
    sq = np.empty_like(cs[1:])                                  # (T, *lead, B, H)
    cs[0], hs[0] = c0, h0
    rec = np.empty(lead + (B, zs.shape[-1]), dtype=W_h.dtype)   # (*lead, B, nH) scratch
    for t in range(T):
        np.matmul(hs[t], W_h, out=rec)                          # (*lead, B, nH)
        zs[t] += rec
        acts[t, ..., :H] = cand.f(zs[t, ..., :H])               # g
        acts[t, ..., H:] = gate.f(zs[t, ..., H:])               # i, f, o
        g, i = acts[t, ..., :H], acts[t, ..., H:2 * H]
        o = acts[t, ..., -H:]
        if forget_gate:
            cs[t + 1] = acts[t, ..., 2 * H:3 * H] * cs[t] + i * g   # (*lead, B, H)
        else:
            cs[t + 1] = cs[t] + i * g
        sq[t] = squash.f(cs[t + 1])                             # (*lead, B, H)
        np.multiply(o, sq[t], out=hs[t + 1])
    cache = LSTMCache(xs, zs, acts, cs, sq, hs, params, gate, cand, squash, forget_gate)
    return hs[1:], cache


def lstm_backward(dhs, cache: LSTMCache, dstate_T=None, *, return_trace=False):
    """Backprop through time. ``dhs`` is dLoss/dh_t for every step, (T, *lead, B, H).

    Returns ``(grads, dstate0, dxs)``: grads with the keys of params,
    ``dstate0 = (dh0, dc0)`` and ``dxs`` shaped like the input. With
    ``return_trace=True`` a fourth item holds dLoss/dh_t and dLoss/dc_t for
    every t (the total derivatives, used to measure gradient flow over lag).
    ``dstate_T = (dh_T, dc_T)`` adds gradient arriving at the final state.
    """
    xs, zs, acts, cs, hs, params = cache.xs, cache.zs, cache.acts, cache.cs, cache.hs, cache.params
    T, H = zs.shape[0], cs.shape[-1]
    dhs = _layer.check_douts(dhs, hs[1:])
    n = n_blocks(cache.forget_gate)
    # Local derivatives for all steps at once, taken at the pre-activations.
    K = np.empty_like(zs)                                       # (T, *lead, B, nH): dz = K * [dc, dc, (dc), dh]
    K[..., :H] = acts[..., H:2 * H] * cache.cand.grad(zs[..., :H], acts[..., :H])   # i * cand'(z_g)
    dgate = cache.gate.grad(zs[..., H:], acts[..., H:])
    K[..., H:2 * H] = acts[..., :H] * dgate[..., :H]                       # g * gate'(z_i)
    if cache.forget_gate:
        K[..., 2 * H:3 * H] = cs[:-1] * dgate[..., H:2 * H]                # c_{t-1} * gate'(z_f)
    K[..., -H:] = cache.sq * dgate[..., -H:]                               # squash(c_t) * gate'(z_o)
    P = acts[..., -H:] * cache.squash.grad(cs[1:], cache.sq)               # o * squash'(c_t)
    F = acts[..., 2 * H:3 * H] if cache.forget_gate else None             # f_t

    W_hT = np.swapaxes(params["W_h"], -1, -2)                   # (*lead, nH, H)
    dzs = np.empty_like(zs)                                     # (T, *lead, B, nH)
    dh_next, dc_next = _layer.final_state_grads(dstate_T, hs[0].shape, zs.dtype, 2)
    shape4 = zs.shape[1:-1] + (n, H)
    if return_trace:
        trace_dh, trace_dc = np.empty_like(hs[1:]), np.empty_like(cs[1:])
    for t in reversed(range(T)):
        dh = dhs[t] + dh_next                                   # (*lead, B, H)
        dc = dc_next + dh * P[t]                                # (*lead, B, H)
        if return_trace:
            trace_dh[t], trace_dc[t] = dh, dc
        dz4 = dzs[t].reshape(shape4)                            # (*lead, B, n, H) view
        K4 = K[t].reshape(shape4)
        np.multiply(K4[..., :-1, :], dc[..., None, :], out=dz4[..., :-1, :])  # g, i, (f) blocks
        np.multiply(K4[..., -1, :], dh, out=dz4[..., -1, :])                  # o block
        dh_next = dzs[t] @ W_hT                                 # (*lead, B, H)
        dc_next = dc * F[t] if cache.forget_gate else dc
    grads = {
        "W_x": sum_over_time(xs, dzs),                          # (*lead, D, nH); broadcasts over shared xs
        "W_h": sum_over_time(hs[:-1], dzs),                     # (*lead, H, nH): one matmul over all steps
        "b": merge_time(dzs).sum(axis=-2),                      # (*lead, nH)
    }
    dxs = unbroadcast(dzs @ np.swapaxes(params["W_x"], -1, -2), xs.shape)  # like xs
    out = (grads, (dh_next, dc_next), dxs)
    if return_trace:
        out = out + ({"dh": trace_dh, "dc": trace_dc},)
    return out


# ----- rnn -----
class RNNCache(NamedTuple):
    xs: np.ndarray      # (T, [*lead,] B, D)
    zs: np.ndarray      # (T, *lead, B, H) pre-activations
    hs: np.ndarray      # (T+1, *lead, B, H), hs[0] = h0
    params: dict
    act: activations.Activation


def rnn_forward(params, xs, state0=None, *, act="tanh"):
    """Run the RNN over ``xs``; return ``(hs, cache)``, hs (T, *lead, B, H). ``state0`` is h0 or None."""
    act = activations.get(act)
    xs, H, lead = _layer.check_params(params, xs, KEYS, 1, "RNN")
    W_h = params["W_h"]
    T, B = xs.shape[0], xs.shape[-2]
    hs = np.empty((T + 1,) + lead + (B, H), dtype=W_h.dtype)   # (T+1, *lead, B, H)
    hs[0] = _layer.state("state0", state0, lead + (B, H), W_h.dtype)
    zs = _layer.input_projection(params, xs, lead)             # (T, *lead, B, H)
    with np.errstate(over="ignore", invalid="ignore"):           # an exploding loop gives inf/NaN, by design
        for t in range(T):
            zs[t] += hs[t] @ W_h                                 # (*lead, B, H)
            hs[t + 1] = act.f(zs[t])
    return hs[1:], RNNCache(xs, zs, hs, params, act)


def rnn_backward(dhs, cache: RNNCache, dstate_T=None, *, return_trace=False):
    """Backprop through time; returns ``(grads, dh0, dxs)`` (plus ``{"dh": ...}`` with ``return_trace``)."""
    xs, zs, hs, params = cache.xs, cache.zs, cache.hs, cache.params
    dhs = _layer.check_douts(dhs, hs[1:])
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


# ----- gru -----
class GRUCache(NamedTuple):
    xs: np.ndarray      # (T, [*lead,] B, D)
    zs: np.ndarray      # (T, *lead, B, 3H) pre-activations [u, r, n]
    acts: np.ndarray    # (T, *lead, B, 3H) activations     [u, r, n]
    rh: np.ndarray      # (T, *lead, B, H)  r_t * h_{t-1}
    hs: np.ndarray      # (T+1, *lead, B, H)
    params: dict
    gate: activations.Activation
    cand: activations.Activation


def gru_forward(params, xs, state0=None, *, gate="sigmoid", cand="tanh"):
    """Run the GRU over ``xs``; return ``(hs, cache)``. ``state0`` is h0 or None."""
    gate, cand = activations.get(gate), activations.get(cand)
    xs, H, lead = _layer.check_params(params, xs, KEYS, 3, "GRU")
    W_h = params["W_h"]
    T, B = xs.shape[0], xs.shape[-2]
    hs = np.empty((T + 1,) + lead + (B, H), dtype=W_h.dtype)      # (T+1, *lead, B, H)
    hs[0] = _layer.state("state0", state0, lead + (B, H), W_h.dtype)
    zs = _layer.input_projection(params, xs, lead)                # (T, *lead, B, 3H)
    acts = np.empty_like(zs)
    rh = np.empty_like(hs[1:])
    for t in range(T):
        zs[t, ..., :2 * H] += hs[t] @ W_h[..., :2 * H]
        acts[t, ..., :2 * H] = gate.f(zs[t, ..., :2 * H])          # u, r
        rh[t] = acts[t, ..., H:2 * H] * hs[t]
        zs[t, ..., 2 * H:] += rh[t] @ W_h[..., 2 * H:]
        acts[t, ..., 2 * H:] = cand.f(zs[t, ..., 2 * H:])          # n
        u, n = acts[t, ..., :H], acts[t, ..., 2 * H:]
        hs[t + 1] = n + u * (hs[t] - n)
    return hs[1:], GRUCache(xs, zs, acts, rh, hs, params, gate, cand)


def gru_backward(dhs, cache: GRUCache, dstate_T=None, *, return_trace=False):
    """Backprop through time; returns ``(grads, dh0, dxs)`` (plus ``{"dh": ...}`` with ``return_trace``)."""
    xs, zs, acts, rh, hs, params = cache.xs, cache.zs, cache.acts, cache.rh, cache.hs, cache.params
    dhs = _layer.check_douts(dhs, hs[1:])
    H = hs.shape[-1]
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


# ----- stack plumbing -----
def stack_forward(params: dict, xs, spec: ModelSpec, states0=None):
    """Model output and cache. ``states0``: one initial state per layer, or None."""
    if not isinstance(spec, ModelSpec):
        raise ValueError(f"spec must be a ModelSpec; got {type(spec).__name__}")
    if not isinstance(params, dict):
        raise _checks.ArgTypeError(f"params must be a dict of arrays; got {type(params).__name__}")
    missing = [k for k in (f"l{spec.layers - 1}.W_h", "out.W", "out.b") if k not in params]
    if missing:
        raise ValueError(f"params lack keys {missing} needed by a {spec.layers}-layer {spec.cell}")
    _check_against_spec(params, spec)
    states0 = [None] * spec.layers if states0 is None else list(states0)
    if len(states0) != spec.layers:
        raise ValueError(f"states0 must hold one state per layer ({spec.layers}); got {len(states0)}")
    cell = CELLS[spec.cell]
    between = None if spec.between is None else activations.get(spec.between)
    caches, between_inputs, seq = [], [], xs
    for l in range(spec.layers):
        if l > 0 and between is not None:
            between_inputs.append(seq)
            seq = between.f(seq)
        seq, c = cell.forward(_layer_params(params, l, cell.KEYS), seq, states0[l], **spec.cell_options)
        caches.append(c)
    top = seq if spec.return_sequences else seq[-1]             # (T, *lead, B, H) or (*lead, B, H)
    y = top @ params["out.W"] + params["out.b"][..., None, :]   # (..., B, O)
    return y, StackCache(caches, between_inputs, top, params, spec)


def stack_backward(dy, cache: StackCache, *, return_trace=False):
    """Gradients of every parameter, given dLoss/dy. Returns ``grads`` (and,
    with ``return_trace``, a list of per-layer traces of dLoss/dh_t)."""
    params, spec, top = cache.params, cache.spec, cache.top
    dy = np.asarray(dy)
    if dy.shape[:-1] != top.shape[:-1] or dy.shape[-1] != spec.output_size:
        raise ValueError(f"dy must have shape {top.shape[:-1] + (spec.output_size,)}; got {dy.shape}")
    if spec.return_sequences:   # top (T, *lead, B, H), dy (T, *lead, B, O)
        grads = {"out.W": sum_over_time(top, dy), "out.b": merge_time(dy).sum(axis=-2)}
    else:                       # top (*lead, B, H), dy (*lead, B, O)
        grads = {"out.W": np.swapaxes(top, -1, -2) @ dy, "out.b": dy.sum(axis=-2)}
    dtop = dy @ np.swapaxes(params["out.W"], -1, -2)            # like top
    last = cache.layer_caches[-1]
    dseq = np.zeros_like(last.hs[1:])                           # (T, *lead, B, H)
    if spec.return_sequences:
        dseq += dtop
    else:
        dseq[-1] = dtop
    cell = CELLS[spec.cell]
    between = None if spec.between is None else activations.get(spec.between)
    traces = [None] * spec.layers
    for l in reversed(range(spec.layers)):
        out = cell.backward(dseq, cache.layer_caches[l], return_trace=return_trace)
        g, dseq = out[0], out[2]
        if return_trace:
            traces[l] = out[3]
        grads.update({f"l{l}.{k}": v for k, v in g.items()})
        if l > 0 and between is not None:
            dseq = dseq * between.df(cache.between_inputs[l - 1])
    return (grads, traces) if return_trace else grads


lstm = types.SimpleNamespace(KEYS=("W_x", "W_h", "b"), forward=lstm_forward, backward=lstm_backward)
rnn = types.SimpleNamespace(KEYS=("W_x", "W_h", "b"), forward=rnn_forward, backward=rnn_backward)
gru = types.SimpleNamespace(KEYS=("W_x", "W_h", "b"), forward=gru_forward, backward=gru_backward)
CELLS = {"rnn": rnn, "lstm": lstm, "gru": gru, "lnlstm": _lnlstm, "indrnn": _indrnn}
