"""Scalar maths and small loops shared by the compiled kernels (numba; see :mod:`rnnlab._fused`).

Compiled into the kernels that call them: no Python runs inside a kernel.

* ``exp`` and ``tanh``: in float64 the C library's (as numpy's, to ~1 ulp); in
  float32 written out here with only +, -, *, / and comparisons, so that the
  compiler can vectorise them (a call to the C library's ``expf`` cannot be):

      exp x  = 2^n e^r,  n = round(x / ln 2),  r = x - n ln 2 (ln 2 in two parts, Cody and Waite),
               e^r by its Taylor series to r^7 (|r| <= ln2 / 2, truncation < 1e-8 relative),
               2^n put together from its bits (two factors, so that n may leave [-126, 127]);
      tanh x = its Taylor series to x^13 for |x| < 0.4 (truncation < 1e-8 relative),
               1 - 2 / (e^{2|x|} + 1) with the sign of x elsewhere.

  Both are within a few float32 ulp of the exact value; NaN stays NaN, +-inf gives the limit.
* ``gemm``, ``gemm_tn``, ``dot_rows``: out[r, :] += a[r, :] @ w, row by row, four terms of the sum at a time
  (the products of small matrices, where a BLAS call per model costs more than the product).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic, overload

INLINE = dict(error_model="numpy")


@intrinsic
def _bits_to_f32(typingctx, i):
    """The float32 whose bit pattern is the int32 ``i``."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float32))
    return types.float32(types.int32), codegen


@njit(inline="always", error_model="numpy")
def _exp32(x):
    xc = x if x > np.float32(-104.0) else np.float32(-104.0)          # e^-104 is 0 in float32; NaN -> -104
    xc = xc if xc < np.float32(89.0) else np.float32(89.0)            # e^89 overflows to inf
    magic = np.float32(12582912.0)                                     # 1.5 * 2^23: adding it rounds to an integer
    n = (xc * np.float32(1.4426950408889634) + magic) - magic
    r = (xc - n * np.float32(0.693359375)) - n * np.float32(-2.12194440e-4)
    p = np.float32(1.0 / 5040.0)
    p = p * r + np.float32(1.0 / 720.0)
    p = p * r + np.float32(1.0 / 120.0)
    p = p * r + np.float32(1.0 / 24.0)
    p = p * r + np.float32(1.0 / 6.0)
    p = p * r + np.float32(0.5)
    p = p * r + np.float32(1.0)
    p = p * r + np.float32(1.0)
    k = np.int32(n)
    half = k >> np.int32(1)
    s1 = _bits_to_f32((half + np.int32(127)) << np.int32(23))         # 2^half
    s2 = _bits_to_f32((k - half + np.int32(127)) << np.int32(23))     # 2^(n - half)
    y = (p * s1) * s2
    return y if x == x else x


@njit(inline="always", error_model="numpy")
def _tanh32(x):
    a = x if x >= np.float32(0.0) else -x
    a2 = a * a
    q = np.float32(21844.0 / 6081075.0)
    q = q * a2 - np.float32(1382.0 / 155925.0)
    q = q * a2 + np.float32(62.0 / 2835.0)
    q = q * a2 - np.float32(17.0 / 315.0)
    q = q * a2 + np.float32(2.0 / 15.0)
    q = q * a2 - np.float32(1.0 / 3.0)
    small = a + a * (a2 * q)
    big = np.float32(1.0) - np.float32(2.0) / (_exp32(a + a) + np.float32(1.0))
    t = small if a < np.float32(0.4) else big
    return -t if x < np.float32(0.0) else t


def exp(x):
    """e^x in the dtype of x (compiled only)."""


def tanh(x):
    """tanh x in the dtype of x (compiled only)."""


@overload(exp)
def _exp_impl(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return lambda x: _exp32(x)
    return lambda x: math.exp(x)


@overload(tanh, inline="always")
def _tanh_impl(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return lambda x: _tanh32(x)
    return lambda x: math.tanh(x)


def one(x):
    """1 in the dtype of x (compiled only)."""


@overload(one)
def _one_impl(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return lambda x: np.float32(1.0)
    return lambda x: 1.0


def expm1(x):
    """e^x - 1 in the dtype of x (compiled only)."""


@overload(expm1)
def _expm1_impl(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return lambda x: _expm1_32(x)
    return lambda x: math.expm1(x)


@njit(inline="always", error_model="numpy")
def _expm1_32(x):
    """e^x - 1, accurate near 0 (Taylor to x^8 for |x| < 0.35)."""
    c = one(x)
    p = c / np.float32(40320.0)
    p = p * x + c / np.float32(5040.0)
    p = p * x + c / np.float32(720.0)
    p = p * x + c / np.float32(120.0)
    p = p * x + c / np.float32(24.0)
    p = p * x + c / np.float32(6.0)
    p = p * x + c / np.float32(2.0)
    p = p * x + c
    small = p * x
    bound = c * np.float32(0.35)
    return small if (x < bound and x > -bound) else exp(x) - c


@njit(**INLINE)
def gemm(a, ac, K, w, wr, wc, N, out, oc):
    """out[r, oc:oc+N] += a[r, ac:ac+K] @ w[wr:wr+K, wc:wc+N] for every row r of ``a``.

    Plain indexing only: an array view made inside these loops would cost more than the product."""
    K4 = K - K % 4
    for r in range(a.shape[0]):
        for k in range(0, K4, 4):
            a0, a1, a2, a3 = a[r, ac + k], a[r, ac + k + 1], a[r, ac + k + 2], a[r, ac + k + 3]
            for n in range(N):
                out[r, oc + n] += (a0 * w[wr + k, wc + n] + a1 * w[wr + k + 1, wc + n]
                                   + a2 * w[wr + k + 2, wc + n] + a3 * w[wr + k + 3, wc + n])
        for k in range(K4, K):
            ak = a[r, ac + k]
            for n in range(N):
                out[r, oc + n] += ak * w[wr + k, wc + n]


@njit(**INLINE)
def gemm_tn(a, ac, K, b, bc, N, out, oc):
    """out[k, oc:oc+N] += sum_r a[r, ac + k] * b[r, bc:bc+N] (a weight gradient: a_cols^T b_cols), four rows at a time."""
    R = b.shape[0]
    R4 = R - R % 4
    for r in range(0, R4, 4):
        for k in range(K):
            a0, a1, a2, a3 = a[r, ac + k], a[r + 1, ac + k], a[r + 2, ac + k], a[r + 3, ac + k]
            for n in range(N):
                out[k, oc + n] += (a0 * b[r, bc + n] + a1 * b[r + 1, bc + n]
                                   + a2 * b[r + 2, bc + n] + a3 * b[r + 3, bc + n])
    for r in range(R4, R):
        for k in range(K):
            ar = a[r, ac + k]
            for n in range(N):
                out[k, oc + n] += ar * b[r, bc + n]


@njit(**INLINE)
def dot_rows(a, w, out):
    """out[r, d] = a[r, :] @ w[d, :] (e.g. dx = dz W_x^T with w = W_x), four partial sums per dot."""
    K = a.shape[1]
    K4 = K - K % 4
    for r in range(a.shape[0]):
        for d in range(w.shape[0]):
            s0 = s1 = s2 = s3 = one(a[r, 0]) - one(a[r, 0])
            for k in range(0, K4, 4):
                s0 += a[r, k] * w[d, k]
                s1 += a[r, k + 1] * w[d, k + 1]
                s2 += a[r, k + 2] * w[d, k + 2]
                s3 += a[r, k + 3] * w[d, k + 3]
            acc = (s0 + s1) + (s2 + s3)
            for k in range(K4, K):
                acc += a[r, k] * w[d, k]
            out[r, d] = acc
