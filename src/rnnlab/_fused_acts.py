"""Activations inside the compiled kernels (numba): the formulas of :mod:`rnnlab.activations`.

An activation is an integer code with two parameters ``(p0, p1)`` (see
``rnnlab._fused.encode``), so that one compiled kernel serves every activation.
``apply`` and ``deriv`` run a block of columns of a 2-d array through the
activation or its derivative: sigmoid, tanh and ReLU each have their own small
loop, which the compiler vectorises; the rarer activations share one loop that
chooses per element (slower, but it keeps the compile time down). The derivatives take their values at the kinks from
:mod:`rnnlab.activations` (ReLU'(0) = d0, 0 at the kinks of clipped ReLU and hard
tanh); sigmoid, tanh and identity are computed from the output y alone.
"""
from __future__ import annotations

import math

from numba import njit

from ._fused_math import exp, expm1, one, tanh

IDENTITY, SIGMOID, TANH, RELU, LEAKY_RELU, CLIPPED_RELU, HARD_TANH, ELU, SOFTPLUS = range(9)
CODES = {"identity": IDENTITY, "sigmoid": SIGMOID, "tanh": TANH, "relu": RELU, "leaky_relu": LEAKY_RELU, "clipped_relu": CLIPPED_RELU, "hard_tanh": HARD_TANH, "elu": ELU, "softplus": SOFTPLUS}
LOOP = dict(error_model="numpy", cache=True)


@njit(**LOOP)
def _f_sigmoid(p0, p1, src, dst, c0, c1):                 # 1 / (1 + e^-z)
    k1 = one(p0)
    k0 = k1 - k1
    for r in range(src.shape[0]):
        for c in range(c0, c1):
            s = src[r, c]
            dst[r, c] = k1 / (k1 + exp(-s))

@njit(**LOOP)
def _f_tanh(p0, p1, src, dst, c0, c1):                 # tanh z
    k1 = one(p0)
    k0 = k1 - k1
    for r in range(src.shape[0]):
        for c in range(c0, c1):
            s = src[r, c]
            dst[r, c] = tanh(s)

@njit(**LOOP)
def _f_relu(p0, p1, src, dst, c0, c1):                 # max(z, 0), d0 at 0 (NaN stays NaN)
    k1 = one(p0)
    k0 = k1 - k1
    for r in range(src.shape[0]):
        for c in range(c0, c1):
            s = src[r, c]
            dst[r, c] = k0 if s < k0 else s

@njit(**LOOP)
def _d_sigmoid(p0, p1, z_, y_, dst, c0, c1):
    k1 = one(p0)
    k0 = k1 - k1
    for r in range(dst.shape[0]):
        for c in range(c0, c1):
            z, y = z_[r, c], y_[r, c]
            dst[r, c] = y * (k1 - y)

@njit(**LOOP)
def _d_tanh(p0, p1, z_, y_, dst, c0, c1):
    k1 = one(p0)
    k0 = k1 - k1
    for r in range(dst.shape[0]):
        for c in range(c0, c1):
            z, y = z_[r, c], y_[r, c]
            dst[r, c] = k1 - y * y

@njit(**LOOP)
def _d_relu(p0, p1, z_, y_, dst, c0, c1):
    k1 = one(p0)
    k0 = k1 - k1
    for r in range(dst.shape[0]):
        for c in range(c0, c1):
            z, y = z_[r, c], y_[r, c]
            dst[r, c] = k1 if z > k0 else (p0 if z == k0 else k0)


@njit(**LOOP)
def _f_other(code, p0, p1, src, dst, c0, c1):       # the rarer activations: one loop, the choice per element
    k1 = one(p0)
    k0 = k1 - k1
    for r in range(src.shape[0]):
        for c in range(c0, c1):
            s = src[r, c]
            if code == LEAKY_RELU:
                v = s if s >= p0 * s else p0 * s
            elif code == CLIPPED_RELU:
                v = k0 if s < k0 else (p0 if s > p0 else s)
            elif code == HARD_TANH:
                v = -k1 if s < -k1 else (k1 if s > k1 else s)
            elif code == ELU:
                v = s if s > k0 else expm1(s)
            elif code == SOFTPLUS:
                v = (s if s > k0 else k0) + math.log1p(exp(-(s if s >= k0 else -s)))
            else:
                v = s
            dst[r, c] = v


@njit(**LOOP)
def _d_other(code, p0, p1, z_, y_, dst, c0, c1):
    k1 = one(p0)
    k0 = k1 - k1
    for r in range(dst.shape[0]):
        for c in range(c0, c1):
            z = z_[r, c]
            if code == LEAKY_RELU:
                v = k1 if z > k0 else (p1 if z == k0 else p0)
            elif code == CLIPPED_RELU:
                v = k1 if (z > k0 and z < p0) else k0
            elif code == HARD_TANH:
                v = k1 if (z > -k1 and z < k1) else k0
            elif code == ELU:
                v = k1 if z > k0 else exp(z)
            elif code == SOFTPLUS:
                v = k1 / (k1 + exp(-z))
            else:
                v = k1
            dst[r, c] = v


@njit(error_model="numpy")
def apply(code, p0, p1, src, dst, c0, c1):
    """dst[r, c] = f(src[r, c]) for every row r and c0 <= c < c1, f the activation ``code``.
    For a whole contiguous block pass it as one row: ``apply(.., a.reshape(1, -1), .., 0, a.size)``."""
    if code == SIGMOID:
        _f_sigmoid(p0, p1, src, dst, c0, c1)
    elif code == TANH:
        _f_tanh(p0, p1, src, dst, c0, c1)
    elif code == RELU:
        _f_relu(p0, p1, src, dst, c0, c1)
    else:
        _f_other(code, p0, p1, src, dst, c0, c1)


@njit(error_model="numpy")
def deriv(code, p0, p1, z, y, dst, c0, c1):
    """dst[r, c] = f'(z[r, c]) given y = f(z), for every row r and c0 <= c < c1."""
    if code == SIGMOID:
        _d_sigmoid(p0, p1, z, y, dst, c0, c1)
    elif code == TANH:
        _d_tanh(p0, p1, z, y, dst, c0, c1)
    elif code == RELU:
        _d_relu(p0, p1, z, y, dst, c0, c1)
    else:
        _d_other(code, p0, p1, z, y, dst, c0, c1)
