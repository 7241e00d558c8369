"""Saturation and products of derivatives, through depth and through time.

Backprop through a stack of layers multiplies local Jacobians. For an MLP
``z_l = a_{l-1} W_l + b_l``, ``a_l = f(z_l)``, the error signal
``delta_l = dLoss/dz_l`` obeys

    delta_l = (delta_{l+1} W_{l+1}^T) * f'(z_l)          (elementwise *)

so ``||delta_1||`` carries a product of ``L`` derivative factors and ``L``
weight matrices. This module measures that product through depth (MLPs) and
through time (RNNs), the fraction of saturated units (|z| > threshold) and
the fraction of exact zeros. Dead ReLU units are
:mod:`rnnlab.instruments.dead_relus`.

Shapes: data ``x`` is (N, D); a hidden layer's pre-activations are (N, H).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _checks, activations, mlp, rnn


# ---------------------------------------------------------------- derivatives
def derivative_range(act, lo: float = -20.0, hi: float = 20.0, n: int = 400_001):
    """Min and max of ``f'(z)`` on the grid ``linspace(lo, hi, n)`` and where the max is.

    Returns ``(min, max, argmax_z)`` as floats. The grid includes z = 0 when it
    is symmetric with an odd ``n``, so ReLU's value ``d0`` at 0 is included.
    """
    act = activations.get(act)
    lo = _checks.finite_float("lo", lo)
    hi = _checks.finite_float("hi", hi)
    if not hi > lo:
        raise ValueError(f"hi must exceed lo ({lo}); got {hi}")
    n = _checks.positive_int("n", n)
    if n < 2:
        raise ValueError(f"n must be at least 2; got {n}")
    z = np.linspace(lo, hi, n)                          # (n,)
    d = np.asarray(act.df(z), dtype=np.float64)         # (n,)
    k = int(np.argmax(d))
    return float(d.min()), float(d.max()), float(z[k])


# ---------------------------------------------------------------- fractions
def saturated_fraction(z, threshold: float = 2.0) -> float:
    """Fraction of entries with ``|z| > threshold`` (tanh'(2) ~ 0.07, sigmoid'(2) ~ 0.10)."""
    z = _checks.array("z", z, min_ndim=1, max_ndim=8)
    threshold = _checks.finite_float("threshold", threshold, nonneg=True)
    if z.size == 0:
        raise ValueError(f"z must not be empty; got shape {z.shape}")
    return float(np.mean(np.abs(z) > threshold))


def zero_fraction(a) -> float:
    """Fraction of entries that are exactly 0 (the sparsity of a ReLU layer's output)."""
    a = _checks.array("a", a, min_ndim=1, max_ndim=8)
    if a.size == 0:
        raise ValueError(f"a must not be empty; got shape {a.shape}")
    return float(np.mean(a == 0))


# ---------------------------------------------------------------- MLP products
def layer_grad_norms(params: dict, x, dout, *, act="relu") -> np.ndarray:
    """``||dLoss/dz_l||`` (Frobenius, over the batch) for every layer l = 0..L-1.

    ``dout`` is dLoss/d(output), (B, O). Entry L-1 is the readout's signal,
    entry 0 the first hidden layer's: the backward recursion
    ``delta_l = (delta_{l+1} W_{l+1}^T) * f'(z_l)`` is the one
    :func:`rnnlab.mlp.backward` runs.
    """
    return _grad_norms(params, x, dout, activations.get(act))[0]


def _grad_norms(params, x, dout, act):
    """``(norms (L,), forward cache)``: the work of :func:`layer_grad_norms`."""
    out, cache = mlp.forward(params, x, act=act)
    dout = np.asarray(dout, dtype=out.dtype)
    if dout.shape != out.shape:
        raise ValueError(f"dout must have the output's shape {out.shape}; got {dout.shape}")
    L = len(cache.inputs)
    norms = np.empty(L)
    d = dout                                                       # (B, O)
    for l in reversed(range(L)):
        norms[l] = np.linalg.norm(d)
        if l > 0:
            d = (d @ params[f"W{l}"].T) * act.df(cache.pre[l - 1])  # (B, width)
    return norms, cache


class DepthProfile(NamedTuple):
    """Per-seed, per-layer measurements of a deep MLP at initialisation."""

    grad: np.ndarray        # (S, L-1) ||dLoss/dz_l|| of the hidden layers, divided by the last hidden layer's
    saturated: np.ndarray   # (S, L-1) fraction of |z_l| > threshold
    zeros: np.ndarray       # (S, L-1) fraction of exact zeros in a_l


def depth_profile(act, *, depth: int, width: int, seeds, scheme: str, gain: float = 1.0,
                  batch: int = 128, threshold: float = 2.0) -> DepthProfile:
    """Gradient norms through ``depth`` hidden layers of width ``width`` at init.

    For each seed s: params from ``rnnlab.mlp.init(default_rng(s), ..., gain=gain)``, inputs
    x ~ N(0, 1) of shape (batch, width), and dLoss/dout ~ N(0, 1) of shape
    (batch, 1) (a random linear loss), all from the same generator. The
    gradient norms are divided by the last hidden layer's, so entry l says
    how much of the signal that entered the top of the stack reaches layer l.
    """
    depth = _checks.positive_int("depth", depth)
    width = _checks.positive_int("width", width)
    batch = _checks.positive_int("batch", batch)
    seeds = list(seeds)
    if not seeds:
        raise ValueError(f"seeds must be a non-empty sequence of integers; got {seeds!r}")
    act = activations.get(act)
    grad, sat, zeros = [], [], []
    for s in seeds:
        rng = np.random.default_rng(s)
        params = mlp.init(rng, [width] * (depth + 1) + [1], scheme=scheme, gain=gain)
        x = rng.standard_normal((batch, width))                   # (B, width)
        dout = rng.standard_normal((batch, 1))                    # (B, 1)
        norms, cache = _grad_norms(params, x, dout, act)
        norms = norms[:depth]                                      # hidden layers only
        with np.errstate(divide="ignore", invalid="ignore"):
            grad.append(norms / norms[-1])
        sat.append([saturated_fraction(z, threshold) for z in cache.pre])
        zeros.append([zero_fraction(a) for a in cache.inputs[1:]])
    return DepthProfile(np.array(grad), np.array(sat), np.array(zeros))


# ---------------------------------------------------------------- RNN products
def rnn_lag_profile(act, *, T: int, hidden: int, seeds, input_size: int = 8, batch: int = 32,
                    W_h: str = "orthogonal", W_h_gain: float = 1.0) -> np.ndarray:
    """``||dLoss/dh_t|| / ||dLoss/dh_T||`` for t = 1..T in a vanilla RNN at init, (S, T).

    The loss is a random linear function of the last state h_T only, so
    dLoss/dh_t = dLoss/dh_T  prod_{s=t+1..T} diag(f'(z_s)) W_h^T: the time
    analogue of depth. With the default orthogonal ``W_h`` (all singular
    values ``W_h_gain``), only the derivative factors can shrink the product.
    Inputs x_t ~ N(0, 1); seed s gives the weights, inputs and loss direction.
    """
    T = _checks.positive_int("T", T)
    hidden = _checks.positive_int("hidden", hidden)
    seeds = list(seeds)
    if not seeds:
        raise ValueError(f"seeds must be a non-empty sequence of integers; got {seeds!r}")
    out = []
    for s in seeds:
        rng = np.random.default_rng(s)
        params = rnn.init(rng, input_size, hidden, W_h=W_h, W_h_gain=W_h_gain)
        xs = rng.standard_normal((T, batch, input_size))          # (T, B, D)
        hs, cache = rnn.forward(params, xs, act=act)              # (T, B, H)
        dhs = np.zeros_like(hs)
        dhs[-1] = rng.standard_normal(hs.shape[1:])               # (B, H)
        *_, trace = rnn.backward(dhs, cache, return_trace=True)
        n = np.linalg.norm(trace["dh"].reshape(T, -1), axis=1)    # (T,)
        out.append(n / n[-1])
    return np.array(out)
