"""The book's one multilayer perceptron: forward and exact backward, any float dtype.

    a_0 = x,   z_l = a_{l-1} W_l + b_l,   a_l = act(z_l)   (l = 1..L-1),
    out = a_{L-1} W_L + b_L                                 (linear readout)
    delta_L = dout,   delta_l = (delta_{l+1} W_{l+1}^T) * act'(z_l),
    dW_l = a_{l-1}^T delta_l,   db_l = sum over the batch of delta_l

Params ``W0, b0, ..., W{L}, b{L}``. Two layouts:

* one net: W_l (fan_in, width), b_l (width,); x (..., B, D) -> out (..., B, O),
  gradients summed over the leading axes;
* a population of S nets: W_l (S, fan_in, width), b_l (S, width); x (B, D)
  shared by the models or (S, B, D), one batch each -> out (S, B, O), and
  gradients per model (S, ...).

The arithmetic runs in the dtype of the parameters, so float16, float32 and
float64 copies of one net can be compared. ``round``, if given, is applied to
the input, after every matrix product and after every bias add, sum and
product of the backward pass: this is how chapter 2 emulates float16 in
float32 (:func:`rnnlab.instruments.relu_at_zero_mlp.precision`). ``act`` may
be an :class:`~rnnlab.activations.Activation` with its own ReLU'(0), e.g.
``activations.make_relu(d0=1.0)``; ``cache._replace(act=...)`` backpropagates
one forward pass under another choice.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from . import _checks, activations, init as _init


class Cache(NamedTuple):
    inputs: list          # a_{l-1} for every layer, (..., B, fan_in)
    pre: list             # z_l for every hidden layer, (..., B, width)
    params: dict
    act: activations.Activation
    round: Callable | None = None    # the rounding hook of the forward pass, reused by backward


def n_layers(params: dict) -> int:
    """Number of weight matrices (hidden layers + readout)."""
    _checks.instance("params", params, dict)
    n = 0
    while f"W{n}" in params:
        n += 1
    return n


def init(rng, sizes, *, scheme="he", gain=1.0, bias=0.0, dtype=np.float64) -> dict:
    """Params for layer sizes ``[D, h1, ..., O]``: W_l (fan_in, width), b_l (width,).

    W_l is drawn by the initialiser ``scheme`` (one name, or one name per weight
    matrix) times ``gain``. b_l is the constant ``bias``, or with
    ``bias="uniform"`` U(-1, 1) / sqrt(fan_in) (PyTorch's default), drawn after
    all the weights.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least input and output sizes; got {sizes!r}")
    for s in sizes:
        _checks.positive_int("sizes entry", s)
    schemes = [scheme] * (len(sizes) - 1) if isinstance(scheme, str) else list(scheme)
    if len(schemes) != len(sizes) - 1:
        raise ValueError(f"scheme must be one name or {len(sizes) - 1} names (one per weight matrix); got {scheme!r}")
    fns = [_init.get(name) for name in schemes]
    uniform = isinstance(bias, str)
    if uniform:
        _checks.choice("bias", bias, ("uniform",))
    else:
        bias = _checks.finite_float("bias", bias)
    gain = _checks.finite_float("gain", gain, nonneg=True)
    layers = list(zip(sizes[:-1], sizes[1:]))
    W = [fn(rng, a, b, gain=gain, dtype=dtype) for fn, (a, b) in zip(fns, layers)]              # (a, b) each
    if uniform:
        bs = [(rng.uniform(-1.0, 1.0, size=b) / np.sqrt(a)).astype(dtype, copy=False) for a, b in layers]
    else:
        bs = [np.full(b, bias, dtype=dtype) for _, b in layers]                                # (b,) each
    return {k: v for l in range(len(layers)) for k, v in ((f"W{l}", W[l]), (f"b{l}", bs[l]))}


def init_population(seeds, sizes, **kwargs) -> dict:
    """S = len(seeds) nets stacked on a leading axis: W_l (S, fan_in, width), b_l (S, width).

    Net k is ``init(np.random.default_rng(seeds[k]), sizes, **kwargs)``.
    """
    seeds = _checks.seed_list("seeds", seeds)
    nets = [init(np.random.default_rng(int(s)), sizes, **kwargs) for s in seeds]
    return {k: np.stack([n[k] for n in nets]) for k in nets[0]}


def _same(a):
    return a


def _population_size(params: dict) -> int | None:
    """S when the params are a population (W0 of shape (S, D, H)), else None."""
    W0 = params["W0"]
    if W0.ndim not in (2, 3):
        raise ValueError(f"params['W0'] must have shape (D, H) or (S, D, H); got {W0.shape}")
    return W0.shape[0] if W0.ndim == 3 else None


def forward(params: dict, x, *, act="relu", round: Callable | None = None):
    """Output and cache: (..., B, O) for one net, (S, B, O) for a population (see the module docstring)."""
    _checks.dense_chain("params", params)                       # every W_l, b_l present, float, shapes chained
    act = activations.get(act)
    L = n_layers(params)
    if L == 0:
        raise ValueError(f"params must hold W0, b0, ...; got keys {sorted(params)}")
    if round is not None and not callable(round):
        raise _checks.ArgTypeError(f"round must be callable or None; got {type(round).__name__}")
    rnd = _same if round is None else round
    S = _population_size(params)
    dtype = params["W0"].dtype
    if S is None:
        a = _checks.array("x", x, min_ndim=2, max_ndim=4, last=params["W0"].shape[0])
    else:
        a = _checks.array("x", x, min_ndim=2, max_ndim=3, last=params["W0"].shape[1])
        if a.ndim == 3 and a.shape[0] != S:
            raise ValueError(f"x must have shape (B, D) or (S={S}, B, D); got {a.shape}")
    a = rnd(a.astype(dtype, copy=False))                                  # (..., B, D)
    if S is not None and a.ndim == 2:
        a = a[None]                                                       # (1, B, D): shared by the models
    inputs, pre = [], []
    for l in range(L):
        inputs.append(a)
        b = params[f"b{l}"] if S is None else params[f"b{l}"][:, None, :]   # (width,) or (S, 1, width)
        z = rnd(rnd(a @ params[f"W{l}"]) + b)                             # (..., B, width)
        if l < L - 1:
            pre.append(z)
            a = act.f(z).astype(dtype, copy=False)
        else:
            a = z
    return a, Cache(inputs, pre, params, act, round)


def backward(dout, cache: Cache, *, input_grad: bool = True):
    """Gradients of every parameter and of the input, ``(grads, dx)``; ``dx`` is None without ``input_grad``."""
    if not isinstance(input_grad, bool):
        raise _checks.ArgTypeError(f"input_grad must be True or False; got {input_grad!r}")
    params, L = _checks.instance("cache", cache, Cache).params, len(cache.inputs)
    W_out = params[f"W{L - 1}"]
    _checks.float_array("dout", np.asarray(dout), shape=np.broadcast_shapes(cache.inputs[-1].shape[:-1], W_out.shape[:-2] + (1,))
                        + W_out.shape[-1:])
    rnd = _same if cache.round is None else cache.round
    population = params["W0"].ndim == 3
    dtype = params["W0"].dtype
    d = rnd(np.asarray(dout).astype(dtype, copy=False))                   # (..., B, O)
    grads = {}
    for l in reversed(range(L)):
        a, W = cache.inputs[l], params[f"W{l}"]
        if population:
            grads[f"W{l}"] = rnd(np.swapaxes(a, -1, -2) @ d)              # (S, fan_in, width)
            grads[f"b{l}"] = rnd(d.sum(axis=-2))                          # (S, width)
        else:
            grads[f"W{l}"] = rnd((np.swapaxes(a, -1, -2) @ d).reshape(W.shape) if a.ndim == 2 else
                                 (np.swapaxes(a, -1, -2) @ d).sum(axis=tuple(range(a.ndim - 2))))
            grads[f"b{l}"] = rnd(d.reshape(-1, d.shape[-1]).sum(axis=0))
        if l > 0 or input_grad:
            d = rnd(d @ np.swapaxes(W, -1, -2))                            # (..., B, fan_in)
        if l > 0:
            d = rnd(d * cache.act.df(cache.pre[l - 1]).astype(dtype, copy=False))
    return grads, (d if input_grad else None)
