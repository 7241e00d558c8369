"""A population of ReLU MLPs in emulated low precision, with ReLU'(0) as a parameter.

The MLP is :mod:`rnnlab.mlp` (z_l = a_{l-1} W_l + b_l, a_l = relu(z_l) for the
hidden layers, a linear readout) in its population layout: params ``W0, b0,
..., W{L}, b{L}`` carry a leading model axis S, so S nets run as one batched
computation. This module fixes its precision (the rounding hook) and its
ReLU'(0) = ``d0`` in the backward pass.

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

The data are synthetic 8-bit "digits" (:func:`image_like_data`): like MNIST,
mostly exact zeros, which is what makes ReLU'(0) matter.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import _checks, activations, mlp

DTYPES = ("float16", "float32", "float64")
BITS = {"float16": 11, "float32": 24, "float64": 53}     # significant bits, the implicit leading 1 included
BIASES = ("zero", "uniform")

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
    X = _checks.array("X", X, min_ndim=2, max_ndim=8, finite=True)
    std = float(X.std())
    if not std > 0:
        raise ValueError(f"X must not be constant; got std {std!r}")
    return (X - X.mean()) / std


# ---------------------------------------------------------------------------
# A population of ReLU MLPs in a chosen precision
# ---------------------------------------------------------------------------

def init_mlp_population(sizes, seeds, *, bias: str = "uniform", prec="float32") -> dict:
    """Params ``W0, b0, ..., W{L}, b{L}`` of S = len(seeds) MLPs, with a leading model axis.

    :func:`rnnlab.mlp.init_population` with W_l ~ He normal N(0, 2/fan_in); the
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
    P = mlp.init_population(seeds, sizes, scheme="he", bias=0.0 if bias == "zero" else "uniform")   # float64
    return {k: prec.round(v).astype(prec.compute) for k, v in P.items()}


def round_to_bits(x, bits: int) -> np.ndarray:
    """Round float64 ``x`` to ``bits`` significant binary digits, ties to even.

    x = m 2^e with m in [0.5, 1); the result is round(m 2^bits) 2^(e - bits).
    bits = 11, 24, 53 reproduce float16, float32 and float64 rounding (without
    their exponent limits: no overflow, no subnormals).
    """
    bits = _checks.positive_int("bits", bits)
    if bits > 53:
        raise ValueError(f"bits must be at most 53 (float64); got {bits}")
    m, e = np.frexp(_checks.array("x", x, max_ndim=32).astype(np.float64))
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


def mlp_forward(params: dict, x, prec="float32"):
    """Logits (S, B, O) of a population of ReLU MLPs and the :class:`rnnlab.mlp.Cache`, in precision ``prec``.

    :func:`rnnlab.mlp.forward` with ReLU and ``round=precision(prec).round``:
    z_l = fl(fl(a_{l-1} W_l) + b_l). Params must already be representable in
    ``prec`` (see :func:`init_mlp_population`). ``x`` (B, D) is shared by the
    models; ``x`` (S, B, D) gives each model its own batch.
    """
    prec = precision(prec)
    if "W0" in params and np.ndim(params["W0"]) != 3:
        raise ValueError(f"params['W0'] must have shape (S, D, H) (a population); got {np.shape(params['W0'])}")
    return mlp.forward(params, x, act="relu", round=prec.round)


def mlp_backward(dout, params: dict, cache, *, d0: float = 0.0, prec="float32") -> dict:
    """Gradients (S, ...) of every parameter, with ReLU'(z) = 1 (z > 0), 0 (z < 0), ``d0`` (z == 0).

    :func:`rnnlab.mlp.backward` of ``cache`` (from :func:`mlp_forward`) with the
    ReLU replaced by ``make_relu(d0)``, every sum and product rounded to ``prec``.
    """
    d0 = _checks.finite_float("d0", d0)
    cache = cache._replace(params=params, act=activations.make_relu(d0), round=precision(prec).round)
    return mlp.backward(dout, cache, input_grad=False)[0]
