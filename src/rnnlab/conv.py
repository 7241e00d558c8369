"""A 2-D convolution layer and 2-D pooling, forward and exact backward, via im2col.

Images are channels-last, ``x`` of shape (B, H, W, C_in). A convolution with a
k x k kernel ``W`` (k, k, C_in, C_out), bias ``b`` (C_out,), stride s and zero
padding p computes

    z[n, i, j, o] = b[o] + sum_{u, v, c} x_pad[n, s i + u, s j + v, c] W[u, v, c, o],

with output size H_out = (H + 2p - k) // s + 1 (same for W). im2col copies
every k x k x C_in patch into one row of a matrix ``cols`` (B H_out W_out,
k k C_in), so the whole layer is one matmul ``cols @ W.reshape(k k C_in, C_out)``.
The backward pass is the transpose of each step:

    dW = cols^T dz,   db = sum of dz over (n, i, j),   dcols = dz W^T,

and col2im adds each row of ``dcols`` back into the patch it came from (patches
overlap, so their gradients sum).

Pooling (``max`` or ``avg``) over non-overlapping s x s windows:

    avg: y = mean of the window,  dx = dy / s^2 at every position of the window;
    max: y = max of the window,   dx = dy at the (first) position of the max, 0 elsewhere.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _checks

POOLS = ("max", "avg")


class ConvCache(NamedTuple):
    cols: np.ndarray          # (B, Ho, Wo, k*k*C_in) the im2col patches
    x_shape: tuple            # (B, H, W, C_in)
    W: np.ndarray             # (k, k, C_in, C_out)
    stride: int
    pad: int


class PoolCache(NamedTuple):
    x_shape: tuple            # (B, H, W, C)
    size: int
    mode: str
    argmax: np.ndarray | None  # (B, Ho, Wo, C) index of the max in each window (max pooling)


def _image(name, x, channels=None):
    x = _checks.array(name, x, min_ndim=4, last=channels)
    if 0 in x.shape:
        raise ValueError(f"{name} must have shape (B, H, W, C) with every axis >= 1; got {x.shape}")
    return x


def _kernel(W, b):
    W = _checks.float_array("W", W)
    if W.ndim != 4 or W.shape[0] != W.shape[1] or 0 in W.shape:
        raise ValueError(f"W must have shape (k, k, C_in, C_out) with a square kernel; got {W.shape}")
    b = _checks.float_array("b", b)
    if b.shape != (W.shape[3],):
        raise ValueError(f"b must have shape ({W.shape[3]},) to match W's C_out; got {b.shape}")
    return W, b


def out_size(n: int, k: int, stride: int = 1, pad: int = 0) -> int:
    """Output length of a convolution along one axis: (n + 2 pad - k) // stride + 1."""
    n, k = _checks.positive_int("n", n), _checks.positive_int("k", k)
    stride, pad = _checks.positive_int("stride", stride), _checks.positive_int("pad", pad, allow_zero=True)
    if n + 2 * pad < k:
        raise ValueError(f"k must be at most n + 2 pad = {n + 2 * pad}; got k = {k}")
    return (n + 2 * pad - k) // stride + 1


def im2col(x, k: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Patches of ``x`` (B, H, W, C) as rows: (B, Ho, Wo, k*k*C), ordered (u, v, c)."""
    x = _image("x", x)
    B, H, Wd, C = x.shape
    Ho, Wo = out_size(H, k, stride, pad), out_size(Wd, k, stride, pad)
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))                 # (B, H+2p, W+2p, C)
    win = sliding_window_view(xp, (k, k), axis=(1, 2))                        # (B, H', W', C, k, k)
    win = win[:, ::stride, ::stride][:, :Ho, :Wo]                              # (B, Ho, Wo, C, k, k)
    return np.ascontiguousarray(win.transpose(0, 1, 2, 4, 5, 3)).reshape(B, Ho, Wo, k * k * C)


def col2im(dcols, x_shape, k: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """The adjoint of :func:`im2col`: sum every patch gradient back into an image (B, H, W, C)."""
    if not (isinstance(x_shape, tuple) and len(x_shape) == 4):
        raise _checks.ArgTypeError(f"x_shape must be a tuple (B, H, W, C); got {x_shape!r}")
    B, H, Wd, C = (_checks.positive_int("x_shape", n) for n in x_shape)
    Ho, Wo = out_size(H, k, stride, pad), out_size(Wd, k, stride, pad)
    d = _checks.float_array("dcols", np.asarray(dcols))
    if d.shape not in ((B, Ho, Wo, k * k * C), (B * Ho * Wo, k * k * C)):
        raise ValueError(f"dcols must have shape {(B, Ho, Wo, k * k * C)} or {(B * Ho * Wo, k * k * C)}; got {d.shape}")
    d = d.reshape(B, Ho, Wo, k, k, C)                                           # (B, Ho, Wo, k, k, C)
    dxp = np.zeros((B, H + 2 * pad, Wd + 2 * pad, C), dtype=d.dtype)
    for u in range(k):
        for v in range(k):
            dxp[:, u:u + stride * Ho:stride, v:v + stride * Wo:stride, :] += d[:, :, :, u, v, :]
    return dxp[:, pad:pad + H, pad:pad + Wd, :]


def conv2d_forward(x, W, b, *, stride: int = 1, pad: int = 0):
    """z (B, Ho, Wo, C_out) and cache. Arithmetic runs in W's dtype."""
    W, b = _kernel(W, b)
    k, _, Cin, Cout = W.shape
    x = _image("x", x, channels=Cin).astype(W.dtype, copy=False)
    stride = _checks.positive_int("stride", stride)
    pad = _checks.positive_int("pad", pad, allow_zero=True)
    cols = im2col(x, k, stride, pad)                                          # (B, Ho, Wo, k*k*Cin)
    z = cols @ W.reshape(k * k * Cin, Cout) + b                               # (B, Ho, Wo, Cout)
    return z, ConvCache(cols, x.shape, W, stride, pad)


def conv2d_backward(dz, cache: ConvCache):
    """Gradients ``({"W": dW, "b": db}, dx)`` from dz (B, Ho, Wo, C_out)."""
    W = _checks.instance("cache", cache, ConvCache).W
    k, _, Cin, Cout = W.shape
    dz = _checks.float_array("dz", np.asarray(dz), shape=cache.cols.shape[:3] + (Cout,)).astype(W.dtype, copy=False)
    cols2 = cache.cols.reshape(-1, k * k * Cin)                               # (N, k*k*Cin)
    dz2 = dz.reshape(-1, Cout)                                                # (N, Cout)
    dW = (cols2.T @ dz2).reshape(W.shape)
    db = dz2.sum(axis=0)
    dcols = dz2 @ W.reshape(k * k * Cin, Cout).T                              # (N, k*k*Cin)
    dx = col2im(dcols, cache.x_shape, k, cache.stride, cache.pad)
    return {"W": dW, "b": db}, dx


def _windows(x, size):
    B, H, Wd, C = x.shape
    if H % size or Wd % size:
        raise ValueError(f"x must have H and W divisible by size = {size}; got shape {x.shape}")
    w = x.reshape(B, H // size, size, Wd // size, size, C).transpose(0, 1, 3, 5, 2, 4)
    return w.reshape(B, H // size, Wd // size, C, size * size)               # (B, Ho, Wo, C, s*s)


def pool_forward(x, *, size: int = 2, mode: str = "max"):
    """Pooled (B, H/size, W/size, C) and cache."""
    x = _image("x", x)
    size = _checks.positive_int("size", size)
    _checks.choice("mode", mode, POOLS)
    w = _windows(x, size)
    if mode == "avg":
        return w.mean(axis=-1), PoolCache(x.shape, size, mode, None)
    idx = w.argmax(axis=-1)                                                   # (B, Ho, Wo, C)
    return np.take_along_axis(w, idx[..., None], axis=-1)[..., 0], PoolCache(x.shape, size, mode, idx)


def pool_backward(dy, cache: PoolCache) -> np.ndarray:
    """dx (B, H, W, C) from dy (B, Ho, Wo, C)."""
    B, H, Wd, C = _checks.instance("cache", cache, PoolCache).x_shape
    s = cache.size
    dy = _checks.float_array("dy", np.asarray(dy), shape=(B, H // s, Wd // s, C))
    if cache.mode == "avg":
        dw = np.repeat(dy[..., None] / (s * s), s * s, axis=-1)              # (B, Ho, Wo, C, s*s)
    else:
        dw = np.zeros(dy.shape + (s * s,), dtype=dy.dtype)
        np.put_along_axis(dw, cache.argmax[..., None], dy[..., None], axis=-1)
    dw = dw.reshape(B, H // s, Wd // s, C, s, s).transpose(0, 1, 4, 2, 5, 3)  # (B, Ho, s, Wo, s, C)
    return dw.reshape(B, H, Wd, C)
