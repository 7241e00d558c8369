"""The LSTM's loops over time as compiled kernels (numba); the maths is :mod:`rnnlab.lstm`'s.

Storage is member-major (see :mod:`rnnlab._fused`): ``zs, acts (M, T, B, nH)``,
``cs, hs (M, T+1, B, H)``, ``sq (M, T, B, H)``. Per model m and step t the forward
kernel computes, in one pass over the step's numbers (blocks [g, i, f, o], or [g, i, o]):

    z_t = x_t W_x + b + h_{t-1} W_h     (the products here, or by numpy's matmul for large H)
    a_t = [cand(z_g), gate(z_i), gate(z_f), gate(z_o)]
    c_t = f c_{t-1} + i g,   h_t = o squash(c_t)

and the backward kernel, with dh = dL/dh_t + dh_next and P = o squash'(c_t):

    dc = dc_next + dh P
    dz = [i cand'(z_g) dc,  g gate'(z_i) dc,  c_{t-1} gate'(z_f) dc,  squash(c_t) gate'(z_o) dh]
    dc_next = f dc,   dh_next = dz W_h^T

For small H the backward kernel also sums the weight gradients (dW_x += x_t^T dz,
dW_h += h_{t-1}^T dz, db += dz) and dx_t = dz W_x^T as it goes, so that dz never
leaves the CPU cache; for large H it stores dz and numpy's matmul does those sums.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from . import _fused
from ._fused_acts import apply, deriv
from ._fused_math import dot_rows, gemm, gemm_tn

KERNEL = dict(cache=True, error_model="numpy")


@njit(**KERNEL)
def _forward(t0, t1, own, x, W_x, b, W_h, rec, zs, acts, cs, sq, hs, codes, prm, fg):
    """Steps t0 .. t1-1 of every model. ``own``: compute x W_x + b and h W_h here;
    otherwise zs already holds x W_x + b and ``rec`` (M, B, nH) holds h_{t-1} W_h (t1 = t0 + 1)."""
    M, B, nH = zs.shape[0], zs.shape[2], zs.shape[3]
    H, D = cs.shape[3], x.shape[3]
    mx = x.shape[0] > 1
    for m in range(M):
        for t in range(t0, t1):
            z, a = zs[m, t], acts[m, t]
            if own:
                for r in range(B):
                    for k in range(nH):
                        z[r, k] = b[m, k]
                gemm(x[m if mx else 0, t], 0, D, W_x[m], 0, 0, nH, z, 0)
                gemm(hs[m, t], 0, H, W_h[m], 0, 0, nH, z, 0)
            else:
                rm = rec[m]
                for r in range(B):
                    for k in range(nH):
                        z[r, k] += rm[r, k]
            apply(codes[0], prm[0, 0], prm[0, 1], z.reshape(1, -1), a.reshape(1, -1), 0, B * nH)   # gate, all
            apply(codes[1], prm[1, 0], prm[1, 1], z, a, 0, H)                   # g = cand(z_g) replaces it
            c_prev, c = cs[m, t], cs[m, t + 1]
            for r in range(B):
                for j in range(H):
                    ig = a[r, H + j] * a[r, j]
                    c[r, j] = a[r, 2 * H + j] * c_prev[r, j] + ig if fg else c_prev[r, j] + ig
            s, h = sq[m, t], hs[m, t + 1]
            apply(codes[2], prm[2, 0], prm[2, 1], c.reshape(1, -1), s.reshape(1, -1), 0, B * H)   # squash(c_t)
            for r in range(B):
                for j in range(H):
                    h[r, j] = a[r, nH - H + j] * s[r, j]


@njit(**KERNEL)
def _backward(t0, t1, own, dhs, x, W_x, W_hT, zs, acts, cs, sq, hs, dzs, dh_next, dc_next,
              dW_x, dW_h, db, dxs, codes, prm, fg):
    """Steps t1-1 down to t0 of every model; dh_next and dc_next (M, B, H) go from step t1 to t0.

    ``own``: dz stays in a scratch array; dh_next, the gradients dW_x, dW_h, db (added to)
    and dxs are computed here. Otherwise dz is stored in dzs and the caller computes the
    rest (then t1 = t0 + 1)."""
    M, B, nH = zs.shape[0], zs.shape[2], zs.shape[3]
    H, D = cs.shape[3], x.shape[3]
    md, mx = dhs.shape[0] > 1, x.shape[0] > 1
    K = np.empty((B, nH), dtype=zs.dtype)                                       # act'(z), [g, i, f, o]
    P = np.empty((B, H), dtype=zs.dtype)                                        # squash'(c_t)
    scratch = np.empty((B, nH), dtype=zs.dtype)
    dh, dc = np.empty((B, H), dtype=zs.dtype), np.empty((B, H), dtype=zs.dtype)
    for m in range(M):
        for t in range(t1 - 1, t0 - 1, -1):
            z, a, c, s = zs[m, t], acts[m, t], cs[m, t + 1], sq[m, t]
            dz = scratch if own else dzs[m, t]
            deriv(codes[0], prm[0, 0], prm[0, 1], z.reshape(1, -1), a.reshape(1, -1), K.reshape(1, -1), 0, B * nH)
            deriv(codes[1], prm[1, 0], prm[1, 1], z, a, K, 0, H)                # cand' replaces the g block
            deriv(codes[2], prm[2, 0], prm[2, 1], c.reshape(1, -1), s.reshape(1, -1), P.reshape(1, -1), 0, B * H)
            c_prev, g_in, dhn, dcn = cs[m, t], dhs[m if md else 0, t], dh_next[m], dc_next[m]
            # Short loops over few arrays each: the compiler vectorises them (a loop over many
            # arrays would need too many run-time overlap checks, and would stay scalar).
            for r in range(B):
                for j in range(H):
                    dh[r, j] = g_in[r, j] + dhn[r, j]                          # dh = dL/dh_t + dh_next
            for r in range(B):
                for j in range(H):
                    P[r, j] = a[r, nH - H + j] * P[r, j]                        # P = o squash'(c_t)
            for r in range(B):
                for j in range(H):
                    dc[r, j] = dcn[r, j] + dh[r, j] * P[r, j]                  # dc = dc_next + dh P
            for r in range(B):
                for j in range(H):
                    dz[r, j] = (a[r, H + j] * K[r, j]) * dc[r, j]              # i cand'(z_g) dc
            for r in range(B):
                for j in range(H):
                    dz[r, H + j] = (a[r, j] * K[r, H + j]) * dc[r, j]          # g gate'(z_i) dc
            if fg:
                for r in range(B):
                    for j in range(H):
                        dz[r, 2 * H + j] = (c_prev[r, j] * K[r, 2 * H + j]) * dc[r, j]   # c_{t-1} gate'(z_f) dc
                for r in range(B):
                    for j in range(H):
                        dcn[r, j] = dc[r, j] * a[r, 2 * H + j]                 # dc_next = f dc
            else:
                dcn[:] = dc
            for r in range(B):
                for j in range(H):
                    dz[r, nH - H + j] = (s[r, j] * K[r, nH - H + j]) * dh[r, j]   # squash(c_t) gate'(z_o) dh
            if own:
                dhn[:] = 0
                gemm(dz, 0, nH, W_hT[m], 0, 0, H, dhn, 0)                      # dh_next = dz W_h^T
                gemm_tn(hs[m, t], 0, H, dz, 0, nH, dW_h[m], 0)                 # dW_h += h_{t-1}^T dz
                gemm_tn(x[m if mx else 0, t], 0, D, dz, 0, nH, dW_x[m], 0)     # dW_x += x_t^T dz
                for r in range(B):
                    for k in range(nH):
                        db[m, k] += dz[r, k]
                dot_rows(dz, W_x[m], dxs[m, t])                                 # dx_t = dz W_x^T


def forward(params, xs, h0, c0, lead, gate, cand, squash, forget_gate, workspace=None):
    """The LSTM forward of :func:`rnnlab.lstm.forward`, compiled; returns ``(zs, acts, cs, sq, hs)``
    as time-first views, shaped as that function's cache."""
    W_x, W_h, b = (_fused.weights(params[k], lead) for k in ("W_x", "W_h", "b"))
    M, H, nH = W_h.shape[0], W_h.shape[1], W_h.shape[2]
    T, B, dtype = xs.shape[0], xs.shape[-2], W_h.dtype
    x = _fused.member_major(xs, len(lead))                                      # (M or 1, T, B, D)
    zs, acts = (_fused.empty(workspace, k, (M, T, B, nH), dtype) for k in ("zs", "acts"))
    cs, hs = (_fused.empty(workspace, k, (M, T + 1, B, H), dtype) for k in ("cs", "hs"))
    sq = _fused.empty(workspace, "sq", (M, T, B, H), dtype)
    hs[:, 0], cs[:, 0] = h0.reshape(M, B, H), c0.reshape(M, B, H)
    codes, prm = _fused.act_table(dtype, gate, cand, squash)
    fg = bool(forget_gate)
    if _fused.own_products(H):
        _forward(0, T, True, x, W_x, b, W_h, zs[0, :1], zs, acts, cs, sq, hs, codes, prm, fg)
    else:
        np.matmul(x.reshape(x.shape[0], T * B, -1), W_x, out=zs.reshape(M, T * B, nH))   # all x W_x at once
        zs += b[:, None, None, :]
        rec = _fused.empty(workspace, "rec", (M, B, nH), dtype)
        for t in range(T):
            np.matmul(hs[:, t], W_h, out=rec)                                    # (M, B, nH)
            _forward(t, t + 1, False, x, W_x, b, W_h, rec, zs, acts, cs, sq, hs, codes, prm, fg)
    return tuple(_fused.time_first(a, lead) for a in (zs, acts, cs, sq, hs))


def backward(dhs, cache, dh_T, dc_T, lead, workspace=None):
    """The LSTM backward of :func:`rnnlab.lstm.backward` (without a trace), compiled;
    returns ``(grads, (dh0, dc0), dxs)``."""
    n = len(lead)
    zs, acts, cs, sq, hs = (_fused.member_major(getattr(cache, k), n) for k in ("zs", "acts", "cs", "sq", "hs"))
    W_x, W_h = (_fused.weights(cache.params[k], lead) for k in ("W_x", "W_h"))
    x = _fused.member_major(cache.xs, n)                                        # (M or 1, T, B, D)
    M, T, B, nH = zs.shape
    H, D, dtype = cs.shape[3], W_x.shape[1], zs.dtype
    W_hT = np.ascontiguousarray(np.swapaxes(W_h, 1, 2))                        # (M, nH, H)
    d = _fused.member_major(dhs, n)                                             # (M, T, B, H)
    dh_next = np.array(dh_T, dtype=dtype).reshape(M, B, H)
    dc_next = np.array(dc_T, dtype=dtype).reshape(M, B, H)
    codes, prm = _fused.act_table(dtype, cache.gate, cache.cand, cache.squash)
    fg = bool(cache.forget_gate)
    dxs = _fused.empty(workspace, "dxs", (M, T, B, D), dtype)
    dW_x, dW_h, db = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros((M, nH), dtype)
    if _fused.own_products(H):
        _backward(0, T, True, d, x, W_x, W_hT, zs, acts, cs, sq, hs, zs[:1, :1], dh_next, dc_next,
                  dW_x, dW_h, db, dxs, codes, prm, fg)
    else:
        dzs = _fused.empty(workspace, "dzs", (M, T, B, nH), dtype)
        for t in reversed(range(T)):
            _backward(t, t + 1, False, d, x, W_x, W_hT, zs, acts, cs, sq, hs, dzs, dh_next, dc_next,
                      dW_x, dW_h, db, dxs, codes, prm, fg)
            np.matmul(dzs[:, t], W_hT, out=dh_next)                              # (M, B, H)
        _fused.sums_over_time(x, hs[:, :T], dzs, W_x, dW_x, dW_h, db, dxs)
    grads = _fused.grads_dict(lead, W_x=dW_x, W_h=dW_h, b=db)
    return grads, (dh_next.reshape(lead + (B, H)), dc_next.reshape(lead + (B, H))), _fused.input_grads(cache.xs, dxs, lead)
