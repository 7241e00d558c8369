"""Optional compiled kernels for the LSTM backward pass (numba), bit-for-bit equal to numpy.

numpy is the reference: :mod:`rnnlab.lstm` is complete and exact without this
module. When numba is installed (``pip install numba``; it is not a requirement)
and ``RNNLAB_FUSED`` is not ``0``, the LSTM backward pass runs its elementwise
work as one compiled loop per step instead of about fifteen numpy passes, so
each value is read from memory once; the forward pass compiles its cell update
and output (its sigmoid and tanh stay with numpy: a compiled exp or tanh would
round differently).

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
    """Can the kernels take this pass (dtype, and for backward the three activations)?"""
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
    def _cell(t, acts, cs, fg):
        """c_{t+1} = f c_t + i g (c_t + i g without a forget gate); acts (T, M, nH), cs (T+1, M, H)."""
        M, H = cs.shape[1], cs.shape[2]
        for m in range(M):
            for j in range(H):
                ig = acts[t, m, H + j] * acts[t, m, j]
                if fg:
                    cs[t + 1, m, j] = acts[t, m, 2 * H + j] * cs[t, m, j] + ig
                else:
                    cs[t + 1, m, j] = cs[t, m, j] + ig

    @numba.njit(cache=True)
    def _hidden(t, acts, sq, hs):
        """h_{t+1} = o squash(c_{t+1}); sq (T, M, H), hs (T+1, M, H)."""
        M, nH, H = acts.shape[1], acts.shape[2], sq.shape[2]
        for m in range(M):
            for j in range(H):
                hs[t + 1, m, j] = acts[t, m, nH - H + j] * sq[t, m, j]

    @numba.njit(cache=True)
    def _step(t, dhs, dh_next, dc_next, acts, cs, sq, dzs, kg, kc, ks, fg, one):
        """One step back, all elementwise work in one pass over (M, H); arrays (T, M, F) or (M, F).

        Reads dh_next, dc_next (step t+1), writes dz_t and dc_next (step t), with the
        operations of rnnlab.lstm._steps_back in the same order.
        """
        M, nH = dzs.shape[1], dzs.shape[2]
        H = dh_next.shape[1]
        for m in range(M):
            for j in range(H):
                g, i, o = acts[t, m, j], acts[t, m, H + j], acts[t, m, nH - H + j]
                s = sq[t, m, j]
                dhv = dhs[t, m, j] + dh_next[m, j]
                dcv = dc_next[m, j] + dhv * (o * _d(ks, s, one))               # dc = dc_next + dh * P
                dzs[t, m, j] = (i * _d(kc, g, one)) * dcv                       # K_g dc
                dzs[t, m, H + j] = (g * _d(kg, i, one)) * dcv                   # K_i dc
                if fg:
                    f = acts[t, m, 2 * H + j]
                    dzs[t, m, 2 * H + j] = (cs[t, m, j] * _d(kg, f, one)) * dcv    # K_f dc
                    dc_next[m, j] = dcv * f
                else:
                    dc_next[m, j] = dcv
                dzs[t, m, nH - H + j] = (s * _d(kg, o, one)) * dhv              # K_o dh


def forward_steps(acts, cs, sq, hs, forget_gate):
    """Compiled ``cell(t)``: c_{t+1} = f c_t + i g, and ``hidden(t)``: h_{t+1} = o squash(c_{t+1}),
    for the forward loop of :func:`rnnlab.lstm.forward` (the activations stay with numpy)."""
    flat3 = lambda a: a.reshape(a.shape[0], -1, a.shape[-1])           # (T, M, F) views
    acts3, cs3, sq3, hs3 = flat3(acts), flat3(cs), flat3(sq), flat3(hs)
    return (lambda t: _cell(t, acts3, cs3, forget_gate)), (lambda t: _hidden(t, acts3, sq3, hs3))


def backward(dhs, acts, cs, sq, dzs, W_hT, dh_next, dc_next, gate, cand, squash, forget_gate):
    """The loop of :func:`rnnlab.lstm.backward` with its elementwise work compiled.

    Fills ``dzs`` (T, *lead, B, nH); ``dh_next`` and ``dc_next`` (*lead, B, H) go in
    as the gradients at the final state and come out as those at the initial state.
    Every array is C-contiguous.
    """
    flat3 = lambda a: a.reshape(a.shape[0], -1, a.shape[-1])           # (T, M, F) views
    flat2 = lambda a: a.reshape(-1, a.shape[-1])                         # (M, F) views
    args = (flat3(dhs), flat2(dh_next), flat2(dc_next), flat3(acts), flat3(cs), flat3(sq), flat3(dzs),
            kind(gate), kind(cand), kind(squash), forget_gate, acts.dtype.type(1.0))
    for t in reversed(range(dzs.shape[0])):
        _step(t, *args)
        np.matmul(dzs[t], W_hT, out=dh_next)                            # (*lead, B, H): numpy's BLAS
