"""Numerics at ReLU's kink: finite differences, exact zeros, and ReLU'(0).

Finite differences of a scalar function f at x with step h > 0:

    forward   D+ f(x) = (f(x + h) - f(x)) / h          -> right derivative as h -> 0
    backward  D- f(x) = (f(x) - f(x - h)) / h          -> left derivative
    central   D0 f(x) = (f(x + h) - f(x - h)) / (2h) = (D+ + D-) / 2

At x = 0, ReLU gives D+ = 1, D- = 0 and D0 = 1/2 for every h: the one-sided
derivatives exist and differ, so ReLU'(0) does not exist and any value in the
subdifferential [0, 1] is a valid choice.

The Bertoin-style experiment (Bertoin et al. 2021). Two copies of one ReLU MLP
share every weight; one backpropagates with ReLU'(0) = 0, the other with
ReLU'(0) = 1. Their gradients can differ only where a pre-activation is
*exactly* 0, so the experiment counts exact zeros and the minibatches on which
the first-layer gradient dW_0 differs. Populations of S nets are evaluated at
once: params carry a leading model axis S.

Float16 is emulated (:func:`precision`): arrays are float32 holding float16
values; each matrix product is accumulated in float32 and rounded to float16
once, and each other operation (bias add, gradient sums) is rounded to float16
after it. The sum of two float16 numbers rounded this way equals the float16
sum. This is what numpy's own float16 ``matmul`` does (it accumulates in a wider
type and rounds once; the two agree to within one float16 ulp, in a different
summation order) and what mixed-precision GPU kernels typically do, but it runs
through BLAS, ten to a hundred times faster. ``precision(p)`` with an int p
rounds every result to p significant bits instead (float64 storage), to sweep
the precision continuously.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import _checks, init as _init

DTYPES = ("float16", "float32", "float64")
BITS = {"float16": 11, "float32": 24, "float64": 53}     # significant bits, the implicit leading 1 included
BIASES = ("zero", "uniform")


# ---------------------------------------------------------------------------
# Finite differences
# ---------------------------------------------------------------------------

def _fd_args(f, x, h):
    if not callable(f):
        raise ValueError(f"f must be callable; got {type(f).__name__}")
    h = _checks.finite_float("h", h, positive=True)
    x = np.asarray(x, dtype=np.float64)
    return x, h


def forward_difference(f: Callable, x, h: float = 1e-6) -> np.ndarray:
    """(f(x + h) - f(x)) / h, elementwise over ``x`` (float64). Tends to the right derivative."""
    x, h = _fd_args(f, x, h)
    return (np.asarray(f(x + h)) - np.asarray(f(x))) / h


def backward_difference(f: Callable, x, h: float = 1e-6) -> np.ndarray:
    """(f(x) - f(x - h)) / h, elementwise over ``x`` (float64). Tends to the left derivative."""
    x, h = _fd_args(f, x, h)
    return (np.asarray(f(x)) - np.asarray(f(x - h))) / h


def central_difference(f: Callable, x, h: float = 1e-6) -> np.ndarray:
    """(f(x + h) - f(x - h)) / (2h), the mean of the forward and backward differences."""
    x, h = _fd_args(f, x, h)
    return (np.asarray(f(x + h)) - np.asarray(f(x - h))) / (2.0 * h)


def finite_differences(f: Callable, x, h: float = 1e-6) -> dict:
    """All three differences at once: ``{"forward": D+, "backward": D-, "central": D0}``."""
    return {"forward": forward_difference(f, x, h), "backward": backward_difference(f, x, h),
            "central": central_difference(f, x, h)}


# ---------------------------------------------------------------------------
# Exact zeros
# ---------------------------------------------------------------------------

def count_exact_zeros(arrays, *, axis=None):
    """Number of entries exactly equal to 0 (``-0.0`` included), and the number of entries.

    ``arrays`` is one array or a list of arrays. With ``axis=k`` (an int) the
    count is kept per index of that axis (e.g. per model of a population; all
    arrays must share its length) and returned as an int array.
    Returns ``(n_zero, n_total)``.
    """
    if isinstance(arrays, np.ndarray):
        arrays = [arrays]
    arrays = [np.asarray(a) for a in arrays]
    if not arrays:
        raise ValueError("arrays must hold at least one array; got an empty list")
    if axis is None:
        return int(sum(np.count_nonzero(a == 0) for a in arrays)), int(sum(a.size for a in arrays))
    if not isinstance(axis, int):
        raise ValueError(f"axis must be an int or None; got {axis!r}")
    n = {a.shape[axis] if a.ndim > axis else None for a in arrays}
    if len(n) != 1 or None in n:
        raise ValueError(f"arrays must all have axis {axis} of one length; got lengths {sorted(map(str, n))}")
    zeros = sum(np.count_nonzero(np.moveaxis(a, axis, 0).reshape(a.shape[axis], -1) == 0, axis=1) for a in arrays)
    total = sum(a.size // a.shape[axis] for a in arrays)
    return zeros.astype(np.int64), int(total)


# ---------------------------------------------------------------------------
# Data: image-like (many exact zeros) and its standardised, dense version
# ---------------------------------------------------------------------------

def image_like_data(rng, n: int, *, side: int = 14, n_classes: int = 10, strokes: int = 3):
    """Synthetic "digits": ``X`` (n, side*side) in [0, 1] on a black (exactly 0) background, labels ``y`` (n,).

    Each class is a template of ``strokes`` random thick line segments. A sample
    is its class template shifted by up to one pixel in each direction, scaled
    by an intensity in [0.6, 1], and quantised to k/255 like an 8-bit image, so
    that, as in MNIST, most pixels are exactly 0.
    """
    rng = _checks.rng("rng", rng)
    n = _checks.positive_int("n", n)
    side = _checks.positive_int("side", side)
    if side < 6:
        raise ValueError(f"side must be at least 6; got {side}")
    n_classes = _checks.positive_int("n_classes", n_classes)
    strokes = _checks.positive_int("strokes", strokes)
    yy, xx = np.mgrid[0:side, 0:side]                                    # (side, side)
    templates = np.zeros((n_classes, side, side))
    for k in range(n_classes):
        for _ in range(strokes):
            p, q = rng.uniform(2, side - 3, size=2), rng.uniform(2, side - 3, size=2)
            t = np.linspace(0.0, 1.0, 4 * side)[:, None]                  # points along the segment
            pts = p + t * (q - p)                                         # (4 side, 2)
            d2 = (yy[..., None] - pts[:, 0]) ** 2 + (xx[..., None] - pts[:, 1]) ** 2   # (side, side, 4 side)
            templates[k] = np.maximum(templates[k], np.clip(1.5 - np.sqrt(d2.min(axis=-1)), 0.0, 1.0))
    y = rng.integers(0, n_classes, size=n)                                # (n,)
    shifts = rng.integers(-1, 2, size=(n, 2))                             # (n, 2)
    scale = rng.uniform(0.6, 1.0, size=n)                                 # (n,)
    X = np.empty((n, side, side))
    for i in range(n):
        X[i] = np.roll(templates[y[i]], tuple(shifts[i]), axis=(0, 1)) * scale[i]
    X = np.round(X * 255.0) / 255.0                                       # 8-bit quantisation: exact zeros stay 0
    return X.reshape(n, side * side), y


def standardize(X):
    """(X - mean) / std with one scalar mean and std over all pixels, the usual MNIST
    normalisation. The black background becomes a negative constant: no exact zeros left."""
    X = _checks.array("X", X, min_ndim=2)
    std = float(X.std())
    if not std > 0:
        raise ValueError(f"X must not be constant; got std {std!r}")
    return (X - X.mean()) / std


# ---------------------------------------------------------------------------
# A population of ReLU MLPs in a chosen precision
# ---------------------------------------------------------------------------

def init_mlp_population(sizes, seeds, *, bias: str = "uniform", prec="float32") -> dict:
    """Params ``W0, b0, ..., W{L}, b{L}`` of S = len(seeds) MLPs, with a leading model axis.

    W_l ~ He normal N(0, 2/fan_in) (as :func:`rnnlab.mlp.init` with "he"); the
    biases are 0 (``bias="zero"``, the Keras default) or U(-1/sqrt(fan_in),
    1/sqrt(fan_in)) (``"uniform"``, the PyTorch default), drawn after all the
    weights. Model k uses ``np.random.default_rng(seeds[k])``. The float64 draw
    is rounded to the precision ``prec`` (see :func:`precision`), so the
    float16, float32 and float64 nets of one seed are roundings of one net.
    """
    sizes = [_checks.positive_int("sizes entry", s) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least input and output sizes; got {sizes!r}")
    seeds = list(seeds)
    if not seeds:
        raise ValueError(f"seeds must be a non-empty sequence of integers; got {seeds!r}")
    _checks.choice("bias", bias, BIASES)
    prec = precision(prec)
    members = []
    for s in seeds:
        rng = np.random.default_rng(s)
        p = {f"W{l}": _init.he(rng, a, b) for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))}
        for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            p[f"b{l}"] = np.zeros(b) if bias == "zero" else rng.uniform(-1.0, 1.0, size=b) / np.sqrt(a)
        members.append(p)
    return {k: prec.round(np.stack([m[k] for m in members])).astype(prec.compute) for k in members[0]}


def round_to_bits(x, bits: int) -> np.ndarray:
    """Round float64 ``x`` to ``bits`` significant binary digits, ties to even.

    x = m 2^e with m in [0.5, 1); the result is round(m 2^bits) 2^(e - bits).
    bits = 11, 24, 53 reproduce float16, float32 and float64 rounding (without
    their exponent limits: no overflow, no subnormals).
    """
    bits = _checks.positive_int("bits", bits)
    if bits > 53:
        raise ValueError(f"bits must be at most 53 (float64); got {bits}")
    m, e = np.frexp(np.asarray(x, dtype=np.float64))
    return np.ldexp(np.round(np.ldexp(m, bits)), e - bits)


@dataclass(frozen=True)
class Precision:
    """How the MLP computes: arrays of dtype ``compute``, each result passed through ``round``."""

    name: str
    compute: type
    round: Callable


def precision(spec) -> Precision:
    """``"float16"``, ``"float32"``, ``"float64"``, or an int p: p significant bits (emulated in float64).

    float16 is emulated in float32: the sum or product of two float16 numbers,
    computed in float32 and rounded to float16, equals the float16 result.
    """
    if isinstance(spec, Precision):
        return spec
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        bits = _checks.positive_int("precision", int(spec))
        round_to_bits(0.0, bits)   # validates the range
        return Precision(f"{bits} bits", np.float64, lambda a: round_to_bits(a, bits))
    name = spec if isinstance(spec, str) else getattr(spec, "__name__", None)
    if name not in DTYPES:
        raise ValueError(f"precision must be one of {DTYPES} or a number of bits; got {spec!r}")
    if name == "float16":
        return Precision(name, np.float32, lambda a: a.astype(np.float16).astype(np.float32))
    return Precision(name, np.dtype(name).type, lambda a: a)


def _n_layers(params):
    n = 0
    while f"W{n}" in params:
        n += 1
    if n == 0:
        raise ValueError(f"params must hold W0, b0, ...; got keys {sorted(params)}")
    return n


def mlp_forward(params: dict, x, prec="float32"):
    """Logits (S, B, O) of a population and the cache ``(inputs, pre)``.

    z_l = a_{l-1} W_l + b_l, a_l = relu(z_l) for the hidden layers, linear
    readout. Each matrix product and each bias add is rounded to ``prec``
    (params must already be representable in it: see :func:`init_mlp_population`).
    ``x`` (B, D) is shared by the models; ``x`` (S, B, D) gives each model its own batch.
    """
    prec = precision(prec)
    L = _n_layers(params)
    W0 = params["W0"]
    if W0.ndim != 3:
        raise ValueError(f"params['W0'] must have shape (S, D, H) (a population); got {W0.shape}")
    x = _checks.array("x", x, min_ndim=2, max_ndim=3, last=W0.shape[1])
    if x.ndim == 3 and x.shape[0] != W0.shape[0]:
        raise ValueError(f"x must have shape (B, D) or (S={W0.shape[0]}, B, D); got {x.shape}")
    a = prec.round(x.astype(prec.compute))                                        # (B, D) or (S, B, D)
    a = a[None] if a.ndim == 2 else a                                             # (1 or S, B, D)
    inputs, pre = [], []
    for l in range(L):
        inputs.append(a)
        z = prec.round(prec.round(a @ params[f"W{l}"]) + params[f"b{l}"][:, None, :])   # (S, B, width)
        if l < L - 1:
            pre.append(z)
            a = np.maximum(z, 0.0)                                                # exact in any precision
        else:
            a = z
    return a, (inputs, pre)


def mlp_backward(dout, params: dict, cache, *, d0: float = 0.0, prec="float32") -> dict:
    """Gradients (S, ...) of every parameter, with ReLU'(z) = 1 (z > 0), 0 (z < 0), ``d0`` (z == 0)."""
    d0 = _checks.finite_float("d0", d0)
    prec = precision(prec)
    inputs, pre = cache
    d = prec.round(np.asarray(dout).astype(prec.compute))                         # (S, B, O)
    grads = {}
    for l in reversed(range(len(inputs))):
        a = inputs[l]                                                             # (S or 1, B, fan_in)
        grads[f"W{l}"] = prec.round(np.swapaxes(a, -1, -2) @ d)                   # (S, fan_in, width)
        grads[f"b{l}"] = prec.round(d.sum(axis=1))                                # (S, width)
        if l > 0:
            d = prec.round(d @ np.swapaxes(params[f"W{l}"], -1, -2))              # (S, B, fan_in)
            z = pre[l - 1]
            d = d * np.where(z > 0, 1.0, np.where(z < 0, 0.0, d0)).astype(prec.compute)
            d = prec.round(d)                                                     # exact unless 0 < d0 != 1
    return grads


def _xent_grad(logits, y):
    """d(mean cross-entropy)/d logits, in float64 (the backward pass rounds it to its precision)."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)                                           # (S, B, C)
    p[..., np.arange(y.size), y] -= 1.0
    return p / y.size


def _xent_grad_batched(logits, y):
    """As :func:`_xent_grad`, with each model's own labels ``y`` (S, B)."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)                                           # (S, B, C)
    np.put_along_axis(p, y[..., None], np.take_along_axis(p, y[..., None], -1) - 1.0, -1)
    return p / y.shape[-1]


@dataclass(frozen=True)
class SweepResult:
    """Outcome of :func:`relu_d0_sweep` for S models in one precision."""

    precision: str
    affected: np.ndarray          # (S,) bool: some minibatch gave a different dW_0
    batches_differ: np.ndarray    # (S,) int: how many minibatches did
    zeros: np.ndarray             # (S,) int: exact-zero hidden pre-activations, all layers and batches
    zeros_first: np.ndarray       # (S,) int: ... in the first hidden layer only
    entries: int                  # hidden pre-activations per model (all layers and batches)

    @property
    def fraction_affected(self) -> float:
        return float(self.affected.mean())


def relu_d0_sweep(X, y, sizes, seeds, *, prec="float32", bias="uniform", batch_size: int = 128,
                  n_batches: int = 32, rng) -> SweepResult:
    """Two copies of each of S ReLU MLPs, ReLU'(0) = 0 and = 1, fed the same minibatches.

    The weights stay at their initialisation; ``rng`` draws the minibatches
    (without replacement within a pass). For each model and minibatch, dW_0 of
    the two copies is compared entry by entry (bitwise). The forward pass does
    not depend on ReLU'(0) and the two backward passes perform the same
    arithmetic unless some pre-activation is exactly 0, so batches without an
    exact zero are known to agree and their backward passes are skipped.
    ``X`` (N, D), integer labels ``y`` (N,), ``sizes`` = [D, widths..., C];
    ``prec`` as in :func:`precision`; ``bias`` as in :func:`init_mlp_population`.
    """
    X = _checks.array("X", X, min_ndim=2)
    y = np.asarray(y)
    if y.shape != X.shape[:1] or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be integer labels of shape ({X.shape[0]},); got {y.dtype} {y.shape}")
    sizes = list(sizes)
    if len(sizes) < 3 or sizes[0] != X.shape[1]:
        raise ValueError(f"sizes must be [D={X.shape[1]}, hidden..., C] with at least one hidden layer; got {sizes!r}")
    if y.min() < 0 or y.max() >= sizes[-1]:
        raise ValueError(f"y must lie in [0, {sizes[-1]}); got range [{y.min()}, {y.max()}]")
    batch_size = _checks.positive_int("batch_size", batch_size)
    n_batches = _checks.positive_int("n_batches", n_batches)
    if batch_size > X.shape[0]:
        raise ValueError(f"batch_size must be at most the number of samples ({X.shape[0]}); got {batch_size}")
    rng = _checks.rng("rng", rng)
    prec = precision(prec)
    params = init_mlp_population(sizes, seeds, bias=bias, prec=prec)
    S = params["W0"].shape[0]
    differ = np.zeros(S, dtype=np.int64)
    zeros = np.zeros(S, dtype=np.int64)
    zeros_first = np.zeros(S, dtype=np.int64)
    entries = 0
    per_pass = X.shape[0] // batch_size
    order = rng.permutation(X.shape[0])
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(n_batches):
            if k and k % per_pass == 0:
                order = rng.permutation(X.shape[0])
            idx = order[(k % per_pass) * batch_size:(k % per_pass + 1) * batch_size]
            logits, cache = mlp_forward(params, X[idx], prec)
            z0, _ = count_exact_zeros(cache[1][0], axis=0)
            nz, total = count_exact_zeros(cache[1], axis=0)
            zeros += nz
            zeros_first += z0
            entries += total
            hit = np.flatnonzero(nz)
            if hit.size == 0:
                continue                       # no exact zero: the two backward passes are identical
            sub = {key: v[hit] for key, v in params.items()}
            sub_cache = ([a if a.shape[0] == 1 else a[hit] for a in cache[0]], [z[hit] for z in cache[1]])
            dout = _xent_grad(logits[hit], y[idx])
            g0 = mlp_backward(dout, sub, sub_cache, d0=0.0, prec=prec)["W0"]
            g1 = mlp_backward(dout, sub, sub_cache, d0=1.0, prec=prec)["W0"]
            differ[hit] += np.any((g0 != g1).reshape(hit.size, -1), axis=1)
    return SweepResult(prec.name, differ > 0, differ, zeros, zeros_first, entries)


@dataclass(frozen=True)
class TrainPair:
    """Outcome of :func:`relu_d0_train`: S pairs of nets, one per seed, trained with ReLU'(0) = d0s[0] and d0s[1]."""

    precision: str
    d0s: tuple
    loss: np.ndarray              # (2, S) final mean cross-entropy on the whole of X (float64 evaluation)
    steps_differ: np.ndarray      # (S,) steps at which the two copies' gradients differed (before they diverge)
    identical: np.ndarray         # (S,) bool: the two copies ended with bitwise-equal weights


def relu_d0_train(X, y, sizes, seeds, *, prec="float32", bias="uniform", d0s=(0.0, 1.0), lr: float = 0.05,
                  steps: int = 200, batch_size: int = 128) -> TrainPair:
    """Train two copies of each of S ReLU MLPs with plain SGD, ReLU'(0) = d0s[0] and d0s[1].

    A pair shares its initialisation (``init_mlp_population`` with seed ``seeds[k]``) and its
    minibatch sequence, drawn from ``np.random.default_rng([seeds[k], 1])``, so the two copies differ
    only through ReLU'(0); different seeds have their own initialisation and their own minibatches.
    Every product, sum and update is rounded to ``prec`` (see :func:`precision`); the final loss is
    evaluated in float64 on the whole of ``X`` with the trained weights.
    """
    X = _checks.array("X", X, min_ndim=2)
    y = np.asarray(y)
    if y.shape != X.shape[:1] or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be integer labels of shape ({X.shape[0]},); got {y.dtype} {y.shape}")
    if len(d0s) != 2:
        raise ValueError(f"d0s must hold two values of ReLU'(0); got {d0s!r}")
    d0s = tuple(_checks.finite_float("d0s entry", d) for d in d0s)
    lr = _checks.finite_float("lr", lr, positive=True)
    steps = _checks.positive_int("steps", steps)
    batch_size = _checks.positive_int("batch_size", batch_size)
    if batch_size > X.shape[0]:
        raise ValueError(f"batch_size must be at most the number of samples ({X.shape[0]}); got {batch_size}")
    prec = precision(prec)
    seeds = list(seeds)
    start = init_mlp_population(sizes, seeds, bias=bias, prec=prec)
    S = len(seeds)
    idx = np.stack([np.stack([r.choice(X.shape[0], batch_size, replace=False) for _ in range(steps)])
                    for r in (np.random.default_rng([s_, 1]) for s_ in seeds)], axis=1)   # (steps, S, B)
    copies = [{k: v.copy() for k, v in start.items()} for _ in d0s]                        # two populations
    differ = np.zeros(S, dtype=np.int64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(steps):
            xb, yb = X[idx[t]], y[idx[t]]                                  # (S, B, D), (S, B)
            for i, d0 in enumerate(d0s):
                p = copies[i]
                logits, cache = mlp_forward(p, xb, prec)                   # (S, B, C)
                if i == 1:
                    differ += np.any([np.any((z == 0).reshape(S, -1), axis=1) for z in cache[1]], axis=0)
                g = mlp_backward(_xent_grad_batched(logits, yb), p, cache, d0=d0, prec=prec)
                for key in p:
                    p[key] = prec.round(p[key] - prec.round(lr * g[key]).astype(prec.compute))
        loss = np.zeros((2, S))
        for i, p in enumerate(copies):
            logits, _ = mlp_forward({k: v.astype(np.float64) for k, v in p.items()}, X, "float64")   # (S, N, C)
            z = logits - logits.max(axis=-1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
            loss[i] = -logp[:, np.arange(y.size), y].mean(axis=1)
    identical = np.all([np.all((copies[0][k] == copies[1][k]).reshape(S, -1), axis=1) for k in start], axis=0)
    return TrainPair(prec.name, d0s, loss, differ, identical)


# ---------------------------------------------------------------------------
# Recurrent stacks: does ReLU'(0) change the gradient?
# ---------------------------------------------------------------------------

def relu_pre_activations(cache, role: str) -> list:
    """The arrays a ReLU in ``role`` was applied to, from a :func:`rnnlab.stack.forward` cache.

    ``role="act"``: the RNN pre-activations z_t of every layer;
    ``role="between"``: the hidden sequences fed to the activation between layers.
    """
    _checks.choice("role", role, ("act", "between"))
    if role == "between":
        return list(cache.between_inputs)
    if cache.spec.cell != "rnn":
        raise ValueError(f"role='act' needs an RNN stack; got cell {cache.spec.cell!r}")
    return [c.zs for c in cache.layer_caches]


def relu_d0_grads(params, spec, xs, dy_fn, *, role: str = "act", d0s=(0.0, 1.0)):
    """Gradients of one recurrent stack under two choices of ReLU'(0), and its exact zeros.

    ``spec.<role>`` must be a ReLU; it is replaced by ``make_relu(d0)`` for each
    ``d0`` in ``d0s``. ``dy_fn(y) -> (loss, dy)`` gives the loss gradient.
    Returns ``(grads_a, grads_b, n_zero, n_total)`` where the counts are exact
    zeros among the ReLU's inputs (per model for a population).
    """
    from . import activations, stack   # local: keeps this module light to import

    _checks.choice("role", role, ("act", "between"))
    current = getattr(spec, role)
    if current is None or not activations.get(current).name.startswith("relu"):
        raise ValueError(f"spec.{role} must be a ReLU; got {current!r}")
    if len(d0s) != 2:
        raise ValueError(f"d0s must hold two values; got {d0s!r}")
    out = []
    for d0 in d0s:
        s = spec.with_(**{role: activations.make_relu(d0)})
        y, cache = stack.forward(params, xs, s)
        _, dy = dy_fn(y)
        out.append(stack.backward(dy, cache))
    pre = relu_pre_activations(cache, role)
    S = stack.population_size(params)
    if S is None:
        n_zero, n_total = count_exact_zeros(pre)
    else:
        n_zero, n_total = count_exact_zeros([np.moveaxis(a, 1, 0) for a in pre], axis=0)
    return out[0], out[1], n_zero, n_total


def grads_differ(ga: dict, gb: dict, *, population: bool = False):
    """True where two gradient dicts differ in any entry (bitwise); per model with ``population``."""
    if set(ga) != set(gb):
        raise ValueError(f"ga and gb must have the same keys; got {sorted(ga)} and {sorted(gb)}")
    if not population:
        return bool(any(np.any(ga[k] != gb[k]) for k in ga))
    return np.any(np.stack([np.any((ga[k] != gb[k]).reshape(ga[k].shape[0], -1), axis=1) for k in ga]), axis=0)


def stack_gradcheck(params: dict, spec, xs, dy, *, keys=None, eps: float = 1e-6) -> dict:
    """Relative error of :func:`rnnlab.stack.backward` against central differences, per key.

    The loss is L = sum(dy * y) with y = stack.forward(params, xs, spec)[0], so
    dL/dy = ``dy``. ``keys`` (default: all) limits the check to some params;
    ``spec.dtype`` must be float64. Returns ``{key: ||a - n|| / (||a|| + ||n||)}``.
    """
    from . import gradcheck, stack

    if not isinstance(spec, stack.ModelSpec) or spec.dtype != "float64":
        raise ValueError(f"spec must be a float64 ModelSpec; got {getattr(spec, 'dtype', type(spec).__name__)!r}")
    keys = list(params) if keys is None else list(keys)
    for k in keys:
        if k not in params:
            raise ValueError(f"keys must be params keys {sorted(params)}; got {k!r}")
    dy = np.asarray(dy, dtype=np.float64)
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}

    def loss(p):
        y, _ = stack.forward(p, xs, spec)
        return float(np.sum(dy * y))

    _, cache = stack.forward(params, xs, spec)
    grads = stack.backward(dy, cache)
    return {k: gradcheck.relative_error(grads[k], gradcheck.numerical_grad(loss, params, k, eps=eps)) for k in keys}


def gradient_descent_1d(grad: Callable, w0, steps: int, lr: Callable) -> np.ndarray:
    """Iterates w_{t+1} = w_t - lr(t) grad(w_t) for a batch of starts ``w0`` (n,); returns (steps + 1, n)."""
    if not callable(grad) or not callable(lr):
        raise ValueError(f"grad and lr must be callable; got {type(grad).__name__} and {type(lr).__name__}")
    steps = _checks.positive_int("steps", steps)
    w = np.array(w0, dtype=np.float64).reshape(-1)                 # (n,)
    traj = np.empty((steps + 1, w.size))                           # (steps + 1, n)
    traj[0] = w
    for t in range(steps):
        w = w - lr(t) * grad(w)
        traj[t + 1] = w
    return traj


TRAIN_GRID = {"precs": ("float16", "float32"), "depths": (2, 4), "seeds": 20, "width": 64, "lr": 0.05,
              "steps": 200, "batch_size": 128, "n_data": 2048, "data_seed": 100, "bias": "uniform"}
"""The stored ReLU'(0) training comparison of chapter 2 (``python -m rnnlab.numerics --out ...``)."""


def main(argv=None) -> int:
    """Run :func:`relu_d0_train` over :data:`TRAIN_GRID` and store it with :mod:`rnnlab.store`."""
    import argparse
    import shlex
    import sys
    import time

    from . import store

    argv = sys.argv[1:] if argv is None else list(argv)
    ap = argparse.ArgumentParser(prog="python -m rnnlab.numerics",
                                 description="Train ReLU MLPs with ReLU'(0) = 0 and 1 (chapter 2) and store the losses.")
    ap.add_argument("--out", required=True)
    ap.add_argument("--overwrite", action="store_true")
    args = ap.parse_args(argv)
    g = TRAIN_GRID
    t0 = time.perf_counter()
    X, y = image_like_data(np.random.default_rng(g["data_seed"]), g["n_data"])
    loss = np.zeros((len(g["precs"]), len(g["depths"]), 2, g["seeds"]))          # (precs, depths, d0, seeds)
    differ = np.zeros((len(g["precs"]), len(g["depths"]), g["seeds"]), dtype=np.int64)
    identical = np.zeros_like(differ, dtype=bool)
    for i, prec in enumerate(g["precs"]):
        for j, depth in enumerate(g["depths"]):
            r = relu_d0_train(X, y, [X.shape[1]] + [g["width"]] * depth + [10], range(g["seeds"]), prec=prec,
                              bias=g["bias"], lr=g["lr"], steps=g["steps"], batch_size=g["batch_size"])
            loss[i, j], differ[i, j], identical[i, j] = r.loss, r.steps_differ, r.identical
    meta = {"provenance": store.provenance(dict(g), "python -m rnnlab.numerics " + " ".join(map(shlex.quote, argv)),
                                           time.perf_counter() - t0)}
    print(store.save(args.out, {"loss": loss, "steps_differ": differ, "identical": identical}, meta,
                     overwrite=args.overwrite))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
