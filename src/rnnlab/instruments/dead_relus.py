"""Dead ReLU units: born dead, killed by training, and whether they come back.

A ReLU unit is *dead* on a dataset when its pre-activation is <= 0 on every
sample: it outputs 0 and has ReLU'(z) = 0 everywhere, so no sample sends it a
gradient and gradient descent cannot revive it through its own weights. Its
*margin* ``max_n z[n, j]`` is <= 0 exactly then. This module detects dead
units, estimates how often a deep He-initialised net is dead at birth, and
trains populations of one-hidden-layer nets (a leading model axis S on every
parameter) on a teacher regression to watch units die.

Shapes: data ``x`` is (N, D) or (S, N, D); pre-activations are (N, H) or (S, N, H).
"""
from __future__ import annotations

import numpy as np

from .. import _checks, init as _init, mlp

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
    n_hidden = _checks.dense_chain("params", params)[0] - 1
    if not _checks.positive_int("layer", layer, allow_zero=True) < n_hidden:
        raise ValueError(f"layer must be an integer in [0, {n_hidden}); got {layer!r}")
    _, cache = mlp.forward(params, x, act=act)
    return float(np.mean(dead_units(cache.pre[layer])))


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


# ---------------------------------------------------------------- a population of one-hidden-layer nets
def init_one_hidden(seeds, input_size: int, hidden_size: int, *, scheme: str = "he") -> dict:
    """S one-hidden-layer nets ``x -> f(x W0 + b0) W1 + b1`` stacked on a leading axis.

    Model k draws W0 (D, H) with ``scheme`` and W1 (H, 1) with Glorot from
    ``default_rng(seeds[k])`` (:func:`rnnlab.mlp.init_population`); biases start at 0. Shapes: W0 (S, D, H),
    b0 (S, H), W1 (S, H, 1), b1 (S, 1).
    """
    D = _checks.positive_int("input_size", input_size)
    H = _checks.positive_int("hidden_size", hidden_size)
    return mlp.init_population(seeds, [D, H, 1], scheme=(scheme, "glorot"))


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
    return mlp.forward(params, x)[1].pre[0]                # (S, N, H)


def one_hidden_grads(params: dict, x, y, *, act="relu"):
    """Loss (S,) and gradients of each model's MSE ``mean_n (out_n - y_n)^2``; x (S, N, D), y (S, N, 1).

    The nets are :mod:`rnnlab.mlp` populations. The backward pass is dz = (dout W1^T) * f'(z), so a unit
    with f'(z) = 0 on every sample (a dead ReLU) gets exactly zero gradient on its W0 column and b0 entry.
    """
    x, y = _check_population_data(params, x, y)
    out, cache = mlp.forward(params, x, act=act)           # (S, N, 1)
    diff = out - y                                         # (S, N, 1)
    loss = np.mean(diff[..., 0] ** 2, axis=1)              # (S,)
    grads, _ = mlp.backward(2.0 * diff / x.shape[1], cache, input_grad=False)
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
    from .. import optim
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
    from .. import optim
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
