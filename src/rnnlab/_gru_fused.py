"""The GRU's loops over time as compiled kernels (numba); the maths is :mod:`rnnlab.gru`'s.

Storage is member-major (see :mod:`rnnlab._fused`): ``zs, acts (M, T, B, 3H)``
(blocks [u, r, n]), ``rh (M, T, B, H)``, ``hs (M, T+1, B, H)``. Per model m and step t:

    z_ur += h_{t-1} W_h[:, :2H];  u, r = gate(z_u), gate(z_r);  rh = r h_{t-1}
    z_n  += rh W_h[:, 2H:];       n = cand(z_n);                h_t = n + u (h_{t-1} - n)

and backward, with dh = dL/dh_t + dh_next:

    dz_n = dh (1 - u) cand'(z_n);   drh = dz_n W_hn^T
    dz_u = dh (h_{t-1} - n) gate'(z_u);   dz_r = drh h_{t-1} gate'(z_r)
    dh_next = dh u + drh r + dz_ur W_hur^T

The two products of a step depend on each other, so without ``own`` (large H)
a step runs in two phases with numpy's matmul between them.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from . import _fused
from ._fused_acts import apply, deriv
from ._fused_math import dot_rows, gemm, gemm_tn, one

KERNEL = dict(cache=True, error_model="numpy")


@njit(**KERNEL)
def _forward(t0, t1, phase, x, W_x, b, W_h, rec, zs, acts, rh, hs, codes, prm):
    """Steps t0 .. t1-1 of every model. ``phase`` 0: all of a step, products included;
    1: z_ur += rec, the gates and rh (rec = h W_h[:, :2H]); 2: z_n += rec, n and h (rec = rh W_h[:, 2H:])."""
    M, B, H3 = zs.shape[0], zs.shape[2], zs.shape[3]
    H, D = H3 // 3, x.shape[3]
    mx = x.shape[0] > 1
    for m in range(M):
        for t in range(t0, t1):
            z, a, h, g = zs[m, t], acts[m, t], hs[m, t], rh[m, t]
            if phase == 0:
                for r in range(B):
                    for k in range(H3):
                        z[r, k] = b[m, k]
                gemm(x[m if mx else 0, t], 0, D, W_x[m], 0, 0, H3, z, 0)
                gemm(h, 0, H, W_h[m], 0, 0, 2 * H, z, 0)
            elif phase == 1:
                for r in range(B):
                    for k in range(2 * H):
                        z[r, k] += rec[m, r, k]
            if phase < 2:
                apply(codes[0], prm[0, 0], prm[0, 1], z, a, 0, 2 * H)          # u, r
                for r in range(B):
                    for j in range(H):
                        g[r, j] = a[r, H + j] * h[r, j]
            if phase == 0:
                gemm(g, 0, H, W_h[m], 0, 2 * H, H, z, 2 * H)
            elif phase == 2:
                for r in range(B):
                    for j in range(H):
                        z[r, 2 * H + j] += rec[m, r, j]
            if phase != 1:
                apply(codes[1], prm[1, 0], prm[1, 1], z, a, 2 * H, H3)         # n
                hn = hs[m, t + 1]
                for r in range(B):
                    for j in range(H):
                        n = a[r, 2 * H + j]
                        hn[r, j] = n + a[r, j] * (h[r, j] - n)


@njit(**KERNEL)
def _backward(t0, t1, phase, dhs, x, W_x, W_hT, zs, acts, rh, hs, dzs, dh_next, dh,
              dW_x, dW_h, db, dxs, codes, prm):
    """Steps t1-1 down to t0. ``phase`` 0: all of a step, dz in a scratch array, products and
    gradient sums here; otherwise dz goes to dzs and numpy's matmul runs between the phases:
    1: dh (kept in ``dh`` (M, B, H)) and dz_n; 2: given drh in dh_next, dz_u, dz_r and
    dh_next = dh u + drh r (the caller adds dz_ur W_hur^T)."""
    M, B, H3 = zs.shape[0], zs.shape[2], zs.shape[3]
    H, D = H3 // 3, x.shape[3]
    md, mx = dhs.shape[0] > 1, x.shape[0] > 1
    k1 = one(W_x[0, 0, 0])
    K = np.empty((B, H3), dtype=zs.dtype)
    drh = np.empty((B, H), dtype=zs.dtype)
    scratch = np.empty((B, H3), dtype=zs.dtype)
    for m in range(M):
        for t in range(t1 - 1, t0 - 1, -1):
            z, a, h, dn, dhm = zs[m, t], acts[m, t], hs[m, t], dh_next[m], dh[m]
            dz = scratch if phase == 0 else dzs[m, t]
            if phase < 2:
                g_in = dhs[m if md else 0, t]
                for r in range(B):
                    for j in range(H):
                        dhm[r, j] = g_in[r, j] + dn[r, j]
                deriv(codes[1], prm[1, 0], prm[1, 1], z, a, K, 2 * H, H3)
                for r in range(B):
                    for j in range(H):
                        dz[r, 2 * H + j] = (dhm[r, j] * (k1 - a[r, j])) * K[r, 2 * H + j]   # dz_n
            if phase == 0:
                drh[:] = 0
                gemm(dz, 2 * H, H, W_hT[m], 2 * H, 0, H, drh, 0)             # drh = dz_n W_hn^T
            elif phase == 2:
                drh[:] = dn                                                   # the caller's dz_n W_hn^T
            if phase != 1:
                deriv(codes[0], prm[0, 0], prm[0, 1], z, a, K, 0, 2 * H)
                for r in range(B):
                    for j in range(H):
                        dz[r, j] = (dhm[r, j] * (h[r, j] - a[r, 2 * H + j])) * K[r, j]     # dz_u
                        dz[r, H + j] = (drh[r, j] * h[r, j]) * K[r, H + j]                # dz_r
                        dn[r, j] = dhm[r, j] * a[r, j] + drh[r, j] * a[r, H + j]
            if phase == 0:
                gemm(dz, 0, 2 * H, W_hT[m], 0, 0, H, dn, 0)                   # + dz_ur W_hur^T
                gemm_tn(h, 0, H, dz, 0, 2 * H, dW_h[m], 0)                      # dW_hur += h_{t-1}^T dz_ur
                gemm_tn(rh[m, t], 0, H, dz, 2 * H, H, dW_h[m], 2 * H)          # dW_hn += rh^T dz_n
                gemm_tn(x[m if mx else 0, t], 0, D, dz, 0, H3, dW_x[m], 0)
                for r in range(B):
                    for k in range(H3):
                        db[m, k] += dz[r, k]
                dot_rows(dz, W_x[m], dxs[m, t])                                 # dx_t = dz W_x^T


def forward(params, xs, h0, lead, gate, cand, workspace=None):
    """The GRU forward of :func:`rnnlab.gru.forward`, compiled; returns ``(zs, acts, rh, hs)`` time-first."""
    W_x, W_h, b = (_fused.weights(params[k], lead) for k in ("W_x", "W_h", "b"))
    M, H, H3 = W_h.shape
    T, B, dtype = xs.shape[0], xs.shape[-2], W_h.dtype
    x = _fused.member_major(xs, len(lead))                                      # (M or 1, T, B, D)
    zs, acts = (_fused.empty(workspace, k, (M, T, B, H3), dtype) for k in ("zs", "acts"))
    rh = _fused.empty(workspace, "rh", (M, T, B, H), dtype)
    hs = _fused.empty(workspace, "hs", (M, T + 1, B, H), dtype)
    hs[:, 0] = h0.reshape(M, B, H)
    codes, prm = _fused.act_table(dtype, gate, cand)
    if _fused.own_products(H):
        _forward(0, T, 0, x, W_x, b, W_h, zs[0, :1], zs, acts, rh, hs, codes, prm)
    else:
        np.matmul(x.reshape(x.shape[0], T * B, -1), W_x, out=zs.reshape(M, T * B, H3))
        zs += b[:, None, None, :]
        rec1 = _fused.empty(workspace, "rec1", (M, B, 2 * H), dtype)
        rec2 = _fused.empty(workspace, "rec2", (M, B, H), dtype)
        W_ur, W_n = W_h[..., :2 * H], W_h[..., 2 * H:]
        for t in range(T):
            np.matmul(hs[:, t], W_ur, out=rec1)
            _forward(t, t + 1, 1, x, W_x, b, W_h, rec1, zs, acts, rh, hs, codes, prm)
            np.matmul(rh[:, t], W_n, out=rec2)
            _forward(t, t + 1, 2, x, W_x, b, W_h, rec2, zs, acts, rh, hs, codes, prm)
    return tuple(_fused.time_first(a, lead) for a in (zs, acts, rh, hs))


def backward(dhs, cache, dh_T, lead, workspace=None):
    """The GRU backward of :func:`rnnlab.gru.backward` (without a trace), compiled; returns ``(grads, dh0, dxs)``."""
    n = len(lead)
    zs, acts, rh, hs = (_fused.member_major(getattr(cache, k), n) for k in ("zs", "acts", "rh", "hs"))
    W_x, W_h = (_fused.weights(cache.params[k], lead) for k in ("W_x", "W_h"))
    x = _fused.member_major(cache.xs, n)
    M, T, B, H3 = zs.shape
    H, D, dtype = H3 // 3, W_x.shape[1], zs.dtype
    W_hT = np.ascontiguousarray(np.swapaxes(W_h, 1, 2))                        # (M, 3H, H)
    d = _fused.member_major(dhs, n)
    dh_next = np.array(dh_T, dtype=dtype).reshape(M, B, H)
    dh = np.empty((M, B, H), dtype)
    codes, prm = _fused.act_table(dtype, cache.gate, cache.cand)
    dxs = _fused.empty(workspace, "dxs", (M, T, B, D), dtype)
    dW_x, dW_h, db = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros((M, H3), dtype)
    args = (x, W_x, W_hT, zs, acts, rh, hs)
    if _fused.own_products(H):
        _backward(0, T, 0, d, *args, zs[:1, :1], dh_next, dh, dW_x, dW_h, db, dxs, codes, prm)
    else:
        dzs = _fused.empty(workspace, "dzs", (M, T, B, H3), dtype)
        W_nT, W_urT = W_hT[:, 2 * H:], W_hT[:, :2 * H]
        for t in reversed(range(T)):
            _backward(t, t + 1, 1, d, *args, dzs, dh_next, dh, dW_x, dW_h, db, dxs, codes, prm)
            np.matmul(dzs[:, t, :, 2 * H:], W_nT, out=dh_next)                 # drh
            _backward(t, t + 1, 2, d, *args, dzs, dh_next, dh, dW_x, dW_h, db, dxs, codes, prm)
            dh_next += dzs[:, t, :, :2 * H] @ W_urT
        _fused.sums_over_time(x, hs[:, :T], dzs[..., :2 * H], W_x[..., :2 * H], dW_x[..., :2 * H],
                              dW_h[..., :2 * H], db[..., :2 * H], dxs)
        _fused.sums_over_time(x, rh, dzs[..., 2 * H:], W_x[..., 2 * H:], dW_x[..., 2 * H:],
                              dW_h[..., 2 * H:], db[..., 2 * H:], dxs, accumulate_dxs=True)
    grads = _fused.grads_dict(lead, W_x=dW_x, W_h=dW_h, b=db)
    return grads, dh_next.reshape(lead + (B, H)), _fused.input_grads(cache.xs, dxs, lead)
