"""A plain multilayer perceptron: forward and exact backward, any float dtype.

    a_0 = x,   z_l = a_{l-1} W_l + b_l,   a_l = act(z_l)   (l = 1..L-1),
    out = a_{L-1} W_L + b_L                                 (linear readout)

Shapes: x (..., B, D) -> out (..., B, O). Params ``W0, b0, ..., W{L}, b{L}``.
The arithmetic runs in the dtype of the parameters, so float16, float32 and
float64 copies of one net can be compared (see the differentiability chapter).
``act`` may be an :class:`~rnnlab.activations.Activation` with its own
ReLU'(0), e.g. ``activations.make_relu(d0=1.0)``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _checks, activations, init as _init


class Cache(NamedTuple):
    inputs: list          # a_{l-1} for every layer, (..., B, fan_in)
    pre: list             # z_l for every hidden layer, (..., B, width)
    params: dict
    act: activations.Activation


def n_layers(params: dict) -> int:
    """Number of weight matrices (hidden layers + readout)."""
    n = 0
    while f"W{n}" in params:
        n += 1
    return n


def init(rng, sizes, *, scheme="he", gain=1.0, bias=0.0, dtype=np.float64) -> dict:
    """Params for layer sizes ``[D, h1, ..., O]``: W_l from the named initialiser times ``gain``, biases = ``bias``."""
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least input and output sizes; got {sizes!r}")
    for s in sizes:
        _checks.positive_int("sizes entry", s)
    bias = _checks.finite_float("bias", bias)
    gain = _checks.finite_float("gain", gain, nonneg=True)
    fn = _init.get(scheme)
    params = {}
    for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"W{l}"] = fn(rng, a, b, gain=gain, dtype=dtype)       # (a, b)
        params[f"b{l}"] = np.full(b, bias, dtype=dtype)               # (b,)
    return params


def forward(params: dict, x, *, act="relu"):
    """Output (..., B, O) and cache."""
    act = activations.get(act)
    L = n_layers(params)
    if L == 0:
        raise ValueError(f"params must hold W0, b0, ...; got keys {sorted(params)}")
    dtype = params["W0"].dtype
    a = _checks.array("x", x, min_ndim=2, max_ndim=4, last=params["W0"].shape[0]).astype(dtype, copy=False)
    inputs, pre = [], []
    for l in range(L):
        inputs.append(a)
        z = a @ params[f"W{l}"] + params[f"b{l}"]          # (..., B, width)
        if l < L - 1:
            pre.append(z)
            a = act.f(z).astype(dtype, copy=False)
        else:
            a = z
    return a, Cache(inputs, pre, params, act)


def backward(dout, cache: Cache):
    """Gradients of every parameter and of the input, ``(grads, dx)``."""
    params, L = cache.params, len(cache.inputs)
    dtype = params["W0"].dtype
    d = np.asarray(dout).astype(dtype, copy=False)                    # (..., B, O)
    grads = {}
    for l in reversed(range(L)):
        a = cache.inputs[l]
        grads[f"W{l}"] = (np.swapaxes(a, -1, -2) @ d).reshape(params[f"W{l}"].shape) if a.ndim == 2 else \
            (np.swapaxes(a, -1, -2) @ d).sum(axis=tuple(range(a.ndim - 2)))
        grads[f"b{l}"] = d.reshape(-1, d.shape[-1]).sum(axis=0)
        d = d @ params[f"W{l}"].T                                     # (..., B, fan_in)
        if l > 0:
            d = d * cache.act.df(cache.pre[l - 1]).astype(dtype, copy=False)
    return grads, d
