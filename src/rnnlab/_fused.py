"""Optional compiled kernels for the LSTM backward pass (numba), bit-for-bit equal to numpy.

numpy is the reference: :mod:`rnnlab.lstm` is complete and exact without this
module. When numba is installed (``pip install numba``; it is not a requirement)
and ``RNNLAB_FUSED`` is not ``0``, the LSTM backward pass runs its elementwise
work as two compiled loops instead of about fifteen numpy passes per step:

* :func:`factors`: every step's local derivatives K and P in one pass;
* :func:`step`: one step of the recurrence for dh, dc and dz.

The matrix products stay with numpy (the same BLAS calls, so the same bits).
The kernels do the same IEEE operations in the same order as the numpy code
(no fast-math, so no fused multiply-add), in the array's own dtype: float32
constants are float32. They cover float32 and float64 and the activations whose
derivative is written through the output (sigmoid, tanh, identity); anything
else, and float16, takes the numpy path. ``tests/test_speed_equivalence.py``
checks both paths against the frozen numpy reference with ``np.array_equal``.
"""
from __future__ import annotations

import os

import numpy as np

from . import activations

try:                                                  # optional accelerator
    import numba
except ImportError:                                   # pragma: no cover - depends on the machine
    numba = None

# Derivative through the output y: 0 sigmoid y (1 - y), 1 tanh 1 - y^2, 2 identity 1.
_KINDS = {id(activations.REGISTRY["sigmoid"].df_out): 0, id(activations.REGISTRY["tanh"].df_out): 1,
          id(activations.REGISTRY["identity"].df_out): 2}


def enabled() -> bool:
    """True when numba imports and ``RNNLAB_FUSED`` is not set to 0."""
    return numba is not None and os.environ.get("RNNLAB_FUSED", "1") != "0"


def kind(act) -> int:
    """The kernel's code for ``act``'s derivative, or -1 when the kernels cannot do it."""
    return _KINDS.get(id(act.df_out), -1)


def usable(dtype, *acts) -> bool:
    """Can the kernels take this backward pass (dtype and the three activations)?"""
    return enabled() and np.dtype(dtype) in (np.float32, np.float64) and all(kind(a) >= 0 for a in acts)


if numba is not None:
    @numba.njit(inline="always")
    def _d(kind, y, one):
        if kind == 0:
            return y * (one - y)
        if kind == 1:
            return one - y * y
        return one

    @numba.njit(cache=True)
    def _factors(acts, cs, sq, K, P, kg, kc, ks, fg, one):
        """K (T, M, nH) and P (T, M, H) from acts (T, M, nH), cs (T+1, M, H), sq (T, M, H)."""
        T, M, nH = acts.shape
        H = sq.shape[2]
        for t in range(T):
            for m in range(M):
                for j in range(H):
                    g, i, o = acts[t, m, j], acts[t, m, H + j], acts[t, m, nH - H + j]
                    K[t, m, j] = i * _d(kc, g, one)                       # i * cand'(z_g)
                    K[t, m, H + j] = g * _d(kg, i, one)                   # g * gate'(z_i)
                    if fg:
                        K[t, m, 2 * H + j] = cs[t, m, j] * _d(kg, acts[t, m, 2 * H + j], one)
                    s = sq[t, m, j]
                    K[t, m, nH - H + j] = s * _d(kg, o, one)              # squash(c_t) * gate'(z_o)
                    P[t, m, j] = o * _d(ks, s, one)                       # o * squash'(c_t)

    @numba.njit(cache=True)
    def _step(t, dhs, dh_next, dc_next, P, dzs, acts, dh, dc, fg):
        """One step back: dh, dc, dz_t = K_t * [dc, dc, (dc), dh] in place, dc_next = dc * f_t."""
        M, nH = dzs.shape[1], dzs.shape[2]
        H = dh.shape[1]
        n = nH // H
        for m in range(M):
            for j in range(H):
                dhv = dhs[t, m, j] + dh_next[m, j]
                dcv = dc_next[m, j] + dhv * P[t, m, j]
                for k in range(n - 1):
                    dzs[t, m, k * H + j] = dzs[t, m, k * H + j] * dcv
                dzs[t, m, nH - H + j] = dzs[t, m, nH - H + j] * dhv
                dh[m, j] = dhv
                dc[m, j] = dcv
                dc_next[m, j] = dcv * acts[t, m, 2 * H + j] if fg else dcv


def backward(dhs, acts, cs, sq, dzs, W_hT, dh_next, dc_next, dh, dc, P, gate, cand, squash, forget_gate):
    """The LSTM backward loop of :func:`rnnlab.lstm.backward`, its elementwise work compiled.

    Fills ``dzs`` (T, *lead, B, nH); ``dh_next`` and ``dc_next`` (*lead, B, H) go in
    as the gradients at the final state and come out as those at the initial state.
    ``dh``, ``dc`` and ``P`` are scratch. Every array is C-contiguous.
    """
    flat3 = lambda a: a.reshape(a.shape[0], -1, a.shape[-1])           # (T, M, F) views
    flat2 = lambda a: a.reshape(-1, a.shape[-1])                         # (M, F) views
    acts3, dzs3, dhs3, P3 = flat3(acts), flat3(dzs), flat3(dhs), flat3(P)
    dh_next2, dc_next2, dh2, dc2 = flat2(dh_next), flat2(dc_next), flat2(dh), flat2(dc)
    one = acts.dtype.type(1.0)
    _factors(acts3, flat3(cs), flat3(sq), dzs3, P3, kind(gate), kind(cand), kind(squash), forget_gate, one)
    for t in reversed(range(dzs.shape[0])):
        _step(t, dhs3, dh_next2, dc_next2, P3, dzs3, acts3, dh2, dc2, forget_gate)
        np.matmul(dzs[t], W_hT, out=dh_next)                            # (*lead, B, H): numpy's BLAS
