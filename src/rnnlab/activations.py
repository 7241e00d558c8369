"""Activation functions, each with its derivative taken at the *pre-activation*.

Every activation is an :class:`Activation` record ``(name, f, df)``:

* ``f(z)``  -- the function,
* ``df(z)`` -- its derivative, evaluated at the pre-activation ``z``.

Taking ``z`` (not ``f(z)``) lets ReLU and leaky ReLU state what they do at
``z = 0``, where the derivative does not exist. That value is a parameter,
``d0``, defaulting to 0 as in PyTorch, TensorFlow and JAX.

====================  ==========================  ===========================
name                  f(z)                        f'(z)
====================  ==========================  ===========================
``sigmoid``           1 / (1 + e^{-z})            f(z) (1 - f(z))   in (0, 1/4]
``tanh``              tanh z                      1 - tanh^2 z      in (0, 1]
``relu``              max(z, 0)                   1 if z > 0, 0 if z < 0, d0 at 0
``leaky_relu``        z if z > 0 else slope * z   1 / slope, d0 at 0
``identity``          z                           1
``softplus``          log(1 + e^z)                sigmoid(z)
``clipped_relu``      min(max(z, 0), cap)         1 on (0, cap), 0 elsewhere (ReLU6 for cap = 6)
``hard_tanh``         min(max(z, -1), 1)          1 on (-1, 1), 0 elsewhere
``elu``               z if z > 0 else e^z - 1     1 if z > 0 else e^z
====================  ==========================  ===========================

The two bounded piecewise-linear functions (clipped ReLU, hard tanh) have kinks
where their derivative jumps; at every kink this module takes the derivative
to be 0 (the value on the flat side), the convention of ReLU'(0) = 0 above.
ELU with alpha = 1 is differentiable everywhere, its derivative 1 at 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import _checks


@dataclass(frozen=True)
class Activation:
    """A named elementwise function and its derivative at the pre-activation."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    df_out: Callable[[np.ndarray], np.ndarray] | None = None
    """Optional shortcut: f'(z) written through the output y = f(z) (sigmoid: y(1-y)).
    Layers use it when present to skip a second transcendental; it must equal df."""

    def grad(self, z, y):
        """f'(z), from the output ``y = f(z)`` when a shortcut exists."""
        return self.df(z) if self.df_out is None else self.df_out(y)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _sigmoid(z):
    # e^{-z} overflows to inf for z < -709 (float64), giving the correct limit 0;
    # the overflow is expected, so it is not reported as a RuntimeWarning.
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def _dsigmoid(z):
    s = _sigmoid(z)
    return s * (1.0 - s)


def _dtanh(z):
    t = np.tanh(z)
    return 1.0 - t * t


def _softplus(z):
    return np.logaddexp(0.0, z)


def _float_dtype(z):
    return z.dtype if z.dtype.kind == "f" else np.float64


def make_relu(d0: float = 0.0) -> Activation:
    """ReLU with an explicit choice of ReLU'(0) = ``d0`` (default 0)."""
    d0 = _checks.finite_float("d0", d0)
    name = "relu" if d0 == 0.0 else f"relu(d0={d0:g})"

    def df(z):
        z = np.asarray(z)
        d = np.array(z > 0, dtype=_float_dtype(z))     # 1 where z > 0, else 0 (an array even for 0-d z)
        if d0 != 0.0:
            d[z == 0] = d0
        return d

    return Activation(name, lambda z: np.maximum(z, 0.0), df)


def make_leaky_relu(slope: float = 0.01, d0: float | None = None) -> Activation:
    """Leaky ReLU, ``z`` for z > 0 and ``slope * z`` otherwise; f'(0) = ``d0`` (default ``slope``)."""
    slope = _checks.finite_float("slope", slope, nonneg=True)
    if slope > 1:
        raise ValueError(f"slope must lie in [0, 1]; got {slope!r}")
    d0 = slope if d0 is None else _checks.finite_float("d0", d0)
    name = "leaky_relu" if (slope == 0.01 and d0 == slope) else f"leaky_relu(slope={slope:g})"

    def f(z):
        return np.maximum(z, slope * z)                # equals z for z > 0 and slope z otherwise, as slope <= 1

    def df(z):
        z = np.asarray(z)
        d = np.array(z > 0, dtype=_float_dtype(z))
        d *= 1.0 - slope
        d += slope                                     # 1 where z > 0, slope elsewhere
        if d0 != slope:
            d[z == 0] = d0
        return d

    return Activation(name, f, df)


def make_clipped_relu(cap: float = 6.0) -> Activation:
    """ReLU clipped at ``cap``: min(max(z, 0), cap); derivative 1 on (0, cap), 0 elsewhere (kinks included).

    ``cap = 6`` is ReLU6; the output lies in [0, cap] whatever the input.
    """
    cap = _checks.finite_float("cap", cap, positive=True)
    name = "clipped_relu" if cap == 6.0 else f"clipped_relu(cap={cap:g})"

    def df(z):
        z = np.asarray(z)
        return np.array((z > 0) & (z < cap), dtype=_float_dtype(z))

    return Activation(name, lambda z: np.clip(z, 0.0, cap), df)


def _hard_tanh_df(z):
    z = np.asarray(z)
    return np.array((z > -1) & (z < 1), dtype=_float_dtype(z))    # 0 at the kinks z = -1 and z = 1


def _elu(z):
    with np.errstate(over="ignore"):                             # exp of a large positive z is not used
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


def _elu_df(z):
    z = np.asarray(z)
    return np.where(z > 0, np.ones_like(z, dtype=_float_dtype(z)), np.exp(np.minimum(z, 0.0)))


REGISTRY: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", _sigmoid, _dsigmoid, lambda y: y * (1.0 - y)),
    "tanh": Activation("tanh", np.tanh, _dtanh, lambda y: 1.0 - y * y),
    "relu": make_relu(0.0),
    "leaky_relu": make_leaky_relu(0.01),
    "identity": Activation("identity", lambda z: z, lambda z: np.ones_like(z), lambda y: np.ones_like(y)),
    "softplus": Activation("softplus", _softplus, _sigmoid),
    "clipped_relu": make_clipped_relu(6.0),
    "hard_tanh": Activation("hard_tanh", lambda z: np.clip(z, -1.0, 1.0), _hard_tanh_df),
    "elu": Activation("elu", _elu, _elu_df),
}
"""The named activations. ``get("relu")`` is ReLU with ReLU'(0) = 0."""


def get(spec: str | Activation) -> Activation:
    """Look up an activation by name, or pass an :class:`Activation` through."""
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str) and spec in REGISTRY:
        return REGISTRY[spec]
    raise (ValueError if isinstance(spec, str) else _checks.ArgTypeError)(
        f"activation must be one of {sorted(REGISTRY)} or an Activation; got {spec!r}")


def sigmoid(z):
    """The logistic function, overflow-free."""
    return _sigmoid(_checks.array("z", z, max_ndim=64))
