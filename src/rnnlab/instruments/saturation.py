"""Saturation, products of derivatives, and dead ReLUs: measurements.

Backprop through a stack of layers multiplies local Jacobians. For an MLP
``z_l = a_{l-1} W_l + b_l``, ``a_l = f(z_l)``, the error signal
``delta_l = dLoss/dz_l`` obeys

    delta_l = (delta_{l+1} W_{l+1}^T) * f'(z_l)          (elementwise *)

so ``||delta_1||`` carries a product of ``L`` derivative factors and ``L``
weight matrices. This module measures that product through depth (MLPs) and
through time (RNNs), the fraction of saturated units (|z| > threshold),
the fraction of exact zeros, and *dead* ReLU units: units whose
pre-activation is <= 0 on every sample of a dataset, so that they output 0
and receive no gradient from any sample.

Shapes: data ``x`` is (N, D); a hidden layer's pre-activations are (N, H).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _checks, activations, init as _init, mlp, rnn


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


def dead_units(z) -> np.ndarray:
    """Boolean mask (H,) of units with ``z[n, j] <= 0`` for every sample n.

    ``z`` is a layer's pre-activations on a whole dataset, (N, H). A dead ReLU
    unit outputs 0 and has ReLU'(z) = 0 on every sample, so no sample sends
    it a gradient; with a leaky ReLU the same unit is only *silent*: its
    gradient is scaled by the slope, not zeroed.
    """
    z = _checks.array("z", z, min_ndim=2, max_ndim=2)
    if z.shape[0] == 0:
        raise ValueError(f"z must hold at least one sample; got shape {z.shape}")
    return np.all(z <= 0, axis=0)


def dead_fraction(params: dict, x, *, act="relu", layer: int = 0) -> float:
    """Fraction of units of hidden layer ``layer`` of an MLP that are dead on all of ``x`` (N, D)."""
    n_hidden = mlp.n_layers(params) - 1
    if not (isinstance(layer, (int, np.integer)) and 0 <= layer < n_hidden):
        raise ValueError(f"layer must be an integer in [0, {n_hidden}); got {layer!r}")
    _, cache = mlp.forward(params, x, act=act)
    return float(np.mean(dead_units(cache.pre[layer])))


# ---------------------------------------------------------------- MLP products
def init_mlp(rng, sizes, *, scheme: str, gain: float = 1.0, dtype=np.float64) -> dict:
    """MLP params like :func:`rnnlab.mlp.init` (biases 0), with a ``gain`` on every weight matrix."""
    _checks.rng("rng", rng)
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least input and output sizes; got {sizes!r}")
    fn = _init.get(scheme)
    gain = _checks.finite_float("gain", gain, nonneg=True)
    params = {}
    for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"W{l}"] = fn(rng, a, b, gain=gain, dtype=dtype)    # (a, b)
        params[f"b{l}"] = np.zeros(b, dtype=dtype)                 # (b,)
    return params


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

    For each seed s: params from ``init_mlp(default_rng(s), ...)``, inputs
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
        params = init_mlp(rng, [width] * (depth + 1) + [1], scheme=scheme, gain=gain)
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


# ---------------------------------------------------------------- born dead
def born_dead(rng, *, depth: int, width: int, n_nets: int, input_dim: int = 2, n_inputs: int = 256,
              bias_std: float = 0.0) -> np.ndarray:
    """Which of ``n_nets`` He-initialised ReLU nets are dead at birth, (n_nets,) bool.

    A net is *born dead* when some hidden layer outputs exactly 0 for every one
    of ``n_inputs`` inputs x ~ N(0, I): then every later layer sees a constant
    and the net is a constant function on those inputs (after Lu et al. 2020).
    Weights are N(0, 2 / fan_in); biases N(0, bias_std^2) (0: the usual zeros).
    Being dead on a finite sample is necessary, not sufficient, for being dead
    everywhere, so this estimates the probability from above.
    """
    _checks.rng("rng", rng)
    depth = _checks.positive_int("depth", depth)
    width = _checks.positive_int("width", width)
    n_nets = _checks.positive_int("n_nets", n_nets)
    input_dim = _checks.positive_int("input_dim", input_dim)
    n_inputs = _checks.positive_int("n_inputs", n_inputs)
    bias_std = _checks.finite_float("bias_std", bias_std, nonneg=True)
    a = np.broadcast_to(rng.standard_normal((n_inputs, input_dim)), (n_nets, n_inputs, input_dim))
    dead = np.zeros(n_nets, dtype=bool)
    fan_in = input_dim
    for _ in range(depth):
        W = rng.standard_normal((n_nets, fan_in, width)) * np.sqrt(2.0 / fan_in)   # (S, fan_in, width)
        b = rng.standard_normal((n_nets, 1, width)) * bias_std                    # (S, 1, width)
        a = np.maximum(a @ W + b, 0.0)                                            # (S, N, width)
        dead |= ~np.any(a > 0, axis=(1, 2))
        fan_in = width
    return dead


# ---------------------------------------------------------------- training a small MLP
def mse_step(params: dict, x, y, *, act="relu", lr: float, optimizer_state=None, optimizer: str = "sgd"):
    """One optimizer step on the MSE ``mean((mlp(x) - y)^2)``, in place; returns ``(loss, state)``.

    ``optimizer`` is ``"sgd"`` (p <- p - lr g) or ``"adam"`` (see :mod:`rnnlab.optim`).
    """
    from . import optim
    _checks.choice("optimizer", optimizer, optim.OPTIMIZERS)
    lr = _checks.finite_float("lr", lr, positive=True)
    out, cache = mlp.forward(params, x, act=act)                   # (N, O)
    y = np.asarray(y, dtype=out.dtype)
    if y.shape != out.shape:
        raise ValueError(f"y must have the output's shape {out.shape}; got {y.shape}")
    diff = out - y
    loss = float(np.mean(diff * diff))
    grads, _ = mlp.backward(2.0 * diff / diff.size, cache)
    state = optim.OPTIMIZERS[optimizer](params, grads, lr, 0, optimizer_state)
    return loss, state


# ---------------------------------------------------------------- a population of one-hidden-layer nets
def init_one_hidden(seeds, input_size: int, hidden_size: int, *, scheme: str = "he") -> dict:
    """S one-hidden-layer nets ``x -> f(x W0 + b0) W1 + b1`` stacked on a leading axis.

    Model k draws W0 (D, H) with ``scheme`` and W1 (H, 1) with Glorot from
    ``default_rng(seeds[k])``; biases start at 0. Shapes: W0 (S, D, H),
    b0 (S, H), W1 (S, H, 1), b1 (S, 1).
    """
    seeds = list(seeds)
    if not seeds:
        raise ValueError(f"seeds must be a non-empty sequence of integers; got {seeds!r}")
    D = _checks.positive_int("input_size", input_size)
    H = _checks.positive_int("hidden_size", hidden_size)
    fn = _init.get(scheme)
    members = []
    for s in seeds:
        rng = np.random.default_rng(s)
        members.append({"W0": fn(rng, D, H), "b0": np.zeros(H), "W1": _init.glorot(rng, H, 1), "b1": np.zeros(1)})
    return {k: np.stack([m[k] for m in members]) for k in members[0]}


def _check_population_data(params, x, y=None):
    S, D = params["W0"].shape[:2]
    x = _checks.array("x", x, min_ndim=3, max_ndim=3)
    if x.shape[0] != S or x.shape[2] != D:
        raise ValueError(f"x must have shape ({S}, N, {D}); got {x.shape}")
    if y is not None:
        y = _checks.array("y", y, min_ndim=3, max_ndim=3)
        if y.shape != x.shape[:2] + (1,):
            raise ValueError(f"y must have shape {x.shape[:2] + (1,)}; got {y.shape}")
    return x, y


def one_hidden_pre(params: dict, x) -> np.ndarray:
    """Hidden pre-activations ``z = x W0 + b0`` of every model, (S, N, H); x is (S, N, D)."""
    x, _ = _check_population_data(params, x)
    return x @ params["W0"] + params["b0"][:, None, :]


def one_hidden_grads(params: dict, x, y, *, act="relu"):
    """Loss (S,) and gradients of each model's MSE ``mean_n (out_n - y_n)^2``; x (S, N, D), y (S, N, 1).

    The backward pass is dz = (dout W1^T) * f'(z), so a unit with f'(z) = 0 on
    every sample (a dead ReLU) gets exactly zero gradient on its W0 column and b0 entry.
    """
    act = activations.get(act)
    x, y = _check_population_data(params, x, y)
    N = x.shape[1]
    z = x @ params["W0"] + params["b0"][:, None, :]        # (S, N, H)
    a = act.f(z)                                           # (S, N, H)
    out = a @ params["W1"] + params["b1"][:, None, :]      # (S, N, 1)
    diff = out - y                                         # (S, N, 1)
    loss = np.mean(diff[..., 0] ** 2, axis=1)              # (S,)
    dout = 2.0 * diff / N                                  # (S, N, 1)
    dz = (dout @ np.swapaxes(params["W1"], 1, 2)) * act.df(z)   # (S, N, H)
    grads = {"W0": np.swapaxes(x, 1, 2) @ dz, "b0": dz.sum(axis=1),
             "W1": np.swapaxes(a, 1, 2) @ dout, "b1": dout.sum(axis=1)}
    return loss, grads


def _check_lr(lr, S):
    lr = np.asarray(lr, dtype=float)
    if lr.ndim > 1 or (lr.ndim == 1 and lr.shape[0] != S) or not np.all(np.isfinite(lr) & (lr > 0)):
        raise ValueError(f"lr must be a positive number or {S} positive numbers; got {lr!r}")
    return lr


def one_hidden_step(params: dict, x, y, *, act="relu", lr, optimizer: str = "sgd", state=None):
    """One full-batch step on each model's MSE (see :func:`one_hidden_grads`), in place.

    x (S, N, D), y (S, N, 1); ``lr`` is a scalar or one value per model (S,).
    Returns ``(loss (S,), optimizer state)``.
    """
    from . import optim
    _checks.choice("optimizer", optimizer, optim.OPTIMIZERS)
    lr = _check_lr(lr, params["W0"].shape[0])
    loss, grads = one_hidden_grads(params, x, y, act=act)
    state = optim.OPTIMIZERS[optimizer](params, grads, lr, 1, state)
    return loss, state


def train_one_hidden(params: dict, x, y, *, act="relu", lr, optimizer: str, steps: int, batch_size: int,
                     rngs, every: int = 10):
    """Minibatch training of S one-hidden-layer nets, in place, with one optimizer state carried throughout.

    x (S, N, D), y (S, N, 1) is each model's training set; model k draws its
    minibatch indices (with replacement) from ``rngs[k]``. A model whose loss or
    gradient becomes inf/NaN is frozen from that step on (zero update).
    Returns a dict: ``margin`` (C, S, H), each unit's largest pre-activation on
    its model's *whole* training set at steps ``checks`` (C,) = 0, every, ..., steps
    (a unit is dead at a check when its margin is <= 0); ``loss`` (steps, S),
    the minibatch loss; ``diverged_at`` (S,), the first bad step or -1.
    """
    from . import optim
    _checks.choice("optimizer", optimizer, optim.OPTIMIZERS)
    x, y = _check_population_data(params, x, y)
    S, N = x.shape[:2]
    lr = np.broadcast_to(_check_lr(lr, S), (S,)).copy()
    steps = _checks.positive_int("steps", steps)
    B = _checks.positive_int("batch_size", batch_size)
    every = _checks.positive_int("every", every)
    rngs = list(rngs)
    if len(rngs) != S:
        raise ValueError(f"rngs must hold one Generator per model ({S}); got {len(rngs)}")
    for k, r in enumerate(rngs):
        _checks.rng(f"rngs[{k}]", r)
    alive = np.ones(S, dtype=bool)
    diverged_at = np.full(S, -1)
    losses = np.full((steps, S), np.nan)
    margins, checks, state = [one_hidden_margin(params, x)], [0], None
    with np.errstate(all="ignore"):                        # a diverging model overflows; it is frozen below
        for step in range(steps):
            idx = np.stack([r.integers(0, N, B) for r in rngs])[:, :, None]          # (S, B, 1)
            xb, yb = np.take_along_axis(x, idx, axis=1), np.take_along_axis(y, idx, axis=1)   # (S, B, D), (S, B, 1)
            loss, grads = one_hidden_grads(params, xb, yb, act=act)
            finite = np.isfinite(loss) & np.all([np.isfinite(g).reshape(S, -1).all(axis=1) for g in grads.values()],
                                                axis=0)
            bad = alive & ~finite
            diverged_at[bad] = step
            alive &= finite
            losses[step] = np.where(alive, loss, np.nan)
            grads = {k: np.where(alive.reshape((S,) + (1,) * (g.ndim - 1)), g, 0.0) for k, g in grads.items()}
            state = optim.OPTIMIZERS[optimizer](params, grads, lr * alive, 1, state)
            if (step + 1) % every == 0 or step + 1 == steps:
                margins.append(one_hidden_margin(params, x))
                checks.append(step + 1)
    margin = np.array(margins)                             # (C, S, H)
    margin[:, ~alive] = np.nan
    return {"margin": margin, "checks": np.array(checks), "loss": losses, "diverged_at": diverged_at}


def one_hidden_margin(params: dict, x) -> np.ndarray:
    """``max_n z[s, n, j]``: each unit's largest pre-activation on its model's data, (S, H).

    A unit is dead on the dataset exactly when its margin is <= 0; to come back
    to life, training must push the margin above 0.
    """
    return one_hidden_pre(params, x).max(axis=1)           # (S, H)


def one_hidden_dead(params: dict, x) -> np.ndarray:
    """Dead-unit masks of every model on its whole dataset, (S, H) bool."""
    return one_hidden_margin(params, x) <= 0


def teacher_regression(rng, n: int, input_size: int, hidden_size: int, *, nonneg: bool = False):
    """A regression dataset from a random ReLU teacher: ``(x (n, D), y (n, 1))``.

    x ~ N(0, I), or ``max(N(0, I), 0)`` with ``nonneg=True`` (inputs as a ReLU
    layer, or pixel intensities, would feed the next layer). The teacher is
    ``y = relu(x A) v`` with A He-initialised (D, hidden_size) and v Glorot (hidden_size, 1).
    """
    _checks.rng("rng", rng)
    n = _checks.positive_int("n", n)
    D = _checks.positive_int("input_size", input_size)
    H = _checks.positive_int("hidden_size", hidden_size)
    x = rng.standard_normal((n, D))                        # (n, D)
    if nonneg:
        x = np.maximum(x, 0.0)
    A = _init.he(rng, D, H)                                # (D, H)
    v = _init.glorot(rng, H, 1)                            # (H, 1)
    return x, np.maximum(x @ A, 0.0) @ v                   # (n, D), (n, 1)
