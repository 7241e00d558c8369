"""The loops over time of the vanilla RNN and the IndRNN as compiled kernels (numba);
the maths is :mod:`rnnlab.rnn`'s and :mod:`rnnlab.indrnn`'s.

Storage is member-major (see :mod:`rnnlab._fused`): ``zs (M, T, B, H)``,
``hs (M, T+1, B, H)``. Per model m and step t, with R = h_{t-1} W_h (RNN) or
u * h_{t-1} (IndRNN, ``diag``: one recurrent weight per unit):

    z_t = x_t W_x + b + R,   h_t = act(z_t)
    backward: dz = (dL/dh_t + dh_next) act'(z_t),   dh_next = dz W_h^T  (or dz * u)
"""
from __future__ import annotations

import numpy as np
from numba import njit

from . import _fused
from ._fused_acts import apply, deriv
from ._fused_math import dot_rows, gemm, gemm_tn

KERNEL = dict(cache=True, error_model="numpy")


@njit(**KERNEL)
def _forward(t0, t1, own, diag, x, W_x, b, W_h, rec, zs, hs, codes, prm):
    """Steps t0 .. t1-1 of every model. ``own``: the products here (``W_h`` (M, H, H), or the
    diagonal u (M, 1, H) with ``diag``); otherwise zs holds x W_x + b and rec (M, B, H) holds
    h_{t-1} W_h (t1 = t0 + 1)."""
    M, B, H = zs.shape[0], zs.shape[2], zs.shape[3]
    D = x.shape[3]
    mx = x.shape[0] > 1
    for m in range(M):
        for t in range(t0, t1):
            z, h = zs[m, t], hs[m, t]
            if own:
                for r in range(B):
                    for k in range(H):
                        z[r, k] = b[m, k]
                gemm(x[m if mx else 0, t], 0, D, W_x[m], 0, 0, H, z, 0)
                if diag:
                    for r in range(B):
                        for k in range(H):
                            z[r, k] += W_h[m, 0, k] * h[r, k]
                else:
                    gemm(h, 0, H, W_h[m], 0, 0, H, z, 0)
            else:
                for r in range(B):
                    for k in range(H):
                        z[r, k] += rec[m, r, k]
            apply(codes[0], prm[0, 0], prm[0, 1], z, hs[m, t + 1], 0, H)


@njit(**KERNEL)
def _backward(t0, t1, own, diag, dhs, x, W_x, W_hT, zs, hs, dzs, dh_next, dW_x, dW_h, db, dxs, codes, prm):
    """Steps t1-1 down to t0; dh_next (M, B, H) goes from step t1 to t0. ``own``: dz in a
    scratch array, the products and gradient sums here (dW_h (M, 1, H) holds sum dz h_{t-1}
    with ``diag``); otherwise dz goes to dzs and the caller computes dh_next = dz W_h^T."""
    M, B, H = zs.shape[0], zs.shape[2], zs.shape[3]
    D = x.shape[3]
    md, mx = dhs.shape[0] > 1, x.shape[0] > 1
    K = np.empty((B, H), dtype=zs.dtype)
    scratch = np.empty((B, H), dtype=zs.dtype)
    for m in range(M):
        for t in range(t1 - 1, t0 - 1, -1):
            z, h, dn, g_in = zs[m, t], hs[m, t], dh_next[m], dhs[m if md else 0, t]
            dz = scratch if own else dzs[m, t]
            deriv(codes[0], prm[0, 0], prm[0, 1], z, hs[m, t + 1], K, 0, H)
            for r in range(B):
                for k in range(H):
                    dz[r, k] = (g_in[r, k] + dn[r, k]) * K[r, k]
            if not own:
                continue
            if diag:
                for r in range(B):
                    for k in range(H):
                        dn[r, k] = dz[r, k] * W_hT[m, 0, k]
                        dW_h[m, 0, k] += dz[r, k] * h[r, k]
            else:
                dn[:] = 0
                gemm(dz, 0, H, W_hT[m], 0, 0, H, dn, 0)
                gemm_tn(h, 0, H, dz, 0, H, dW_h[m], 0)
            gemm_tn(x[m if mx else 0, t], 0, D, dz, 0, H, dW_x[m], 0)
            for r in range(B):
                for k in range(H):
                    db[m, k] += dz[r, k]
            dot_rows(dz, W_x[m], dxs[m, t])


def forward(params, xs, h0, lead, act, u=None, workspace=None):
    """The RNN forward (or, given the diagonal ``u`` (*lead, H), the IndRNN's), compiled;
    returns ``(zs, hs)`` time-first."""
    W_x, b = (_fused.weights(params[k], lead) for k in ("W_x", "b"))
    diag = u is not None
    W_h = _fused.weights(u, lead)[:, None, :] if diag else _fused.weights(params["W_h"], lead)
    M, H = b.shape
    T, B, dtype = xs.shape[0], xs.shape[-2], b.dtype
    x = _fused.member_major(xs, len(lead))
    zs = _fused.empty(workspace, "zs", (M, T, B, H), dtype)
    hs = _fused.empty(workspace, "hs", (M, T + 1, B, H), dtype)
    hs[:, 0] = h0.reshape(M, B, H)
    codes, prm = _fused.act_table(dtype, act)
    if diag or _fused.own_products(H):
        _forward(0, T, True, diag, x, W_x, b, W_h, zs[0, :1], zs, hs, codes, prm)
    else:
        np.matmul(x.reshape(x.shape[0], T * B, -1), W_x, out=zs.reshape(M, T * B, H))
        zs += b[:, None, None, :]
        rec = _fused.empty(workspace, "rec", (M, B, H), dtype)
        for t in range(T):
            np.matmul(hs[:, t], W_h, out=rec)
            _forward(t, t + 1, False, diag, x, W_x, b, W_h, rec, zs, hs, codes, prm)
    return _fused.time_first(zs, lead), _fused.time_first(hs, lead)


def backward(dhs, cache, dh_T, lead, u=None, workspace=None):
    """The RNN (or, given ``u``, IndRNN) backward, compiled; returns ``(grads, dh0, dxs)``;
    for the IndRNN grads["W_h"] is sum dz h_{t-1} per unit (the caller applies the chain rule for u)."""
    n = len(lead)
    zs, hs = (_fused.member_major(getattr(cache, k), n) for k in ("zs", "hs"))
    W_x = _fused.weights(cache.params["W_x"], lead)
    diag = u is not None
    W_hT = _fused.weights(u, lead)[:, None, :] if diag else np.ascontiguousarray(
        np.swapaxes(_fused.weights(cache.params["W_h"], lead), 1, 2))
    x = _fused.member_major(cache.xs, n)
    M, T, B, H = zs.shape
    D, dtype = W_x.shape[1], zs.dtype
    d = _fused.member_major(dhs, n)
    dh_next = np.array(dh_T, dtype=dtype).reshape(M, B, H)
    codes, prm = _fused.act_table(dtype, cache.act)
    dxs = _fused.empty(workspace, "dxs", (M, T, B, D), dtype)
    dW_x, dW_h, db = np.zeros_like(W_x), np.zeros((M, 1, H) if diag else (M, H, H), dtype), np.zeros((M, H), dtype)
    if diag or _fused.own_products(H):
        _backward(0, T, True, diag, d, x, W_x, W_hT, zs, hs, zs[:1, :1], dh_next, dW_x, dW_h, db, dxs, codes, prm)
    else:
        dzs = _fused.empty(workspace, "dzs", (M, T, B, H), dtype)
        for t in reversed(range(T)):
            _backward(t, t + 1, False, diag, d, x, W_x, W_hT, zs, hs, dzs, dh_next, dW_x, dW_h, db, dxs, codes, prm)
            np.matmul(dzs[:, t], W_hT, out=dh_next)
        _fused.sums_over_time(x, hs[:, :T], dzs, W_x, dW_x, dW_h, db, dxs)
    grads = _fused.grads_dict(lead, W_x=dW_x, W_h=dW_h[:, 0] if diag else dW_h, b=db)
    return grads, dh_next.reshape(lead + (B, H)), _fused.input_grads(cache.xs, dxs, lead)
