"""Weight initialisers. Each takes an explicit ``rng`` and returns a new array.

===================  =====================================================
``gaussian``         N(0, std^2), std = gain / sqrt(fan_in) by default
``glorot``           U(-a, a), a = sqrt(6 / (fan_in + fan_out))   (Glorot & Bengio 2010)
``he``               N(0, 2 / fan_in)                             (He et al. 2015)
``orthogonal``       Q from the QR of a Gaussian matrix, times gain (Saxe et al. 2014)
``identity``         gain * I                                      (Le et al. 2015, IRNN)
===================  =====================================================
"""
from __future__ import annotations

import numpy as np

from . import _checks

SCHEMES = ("gaussian", "glorot", "he", "orthogonal", "identity")


def _args(rng, rows, cols, gain, dtype):
    """The checked common arguments: (rng, rows, cols, gain, dtype)."""
    rng = _checks.rng("rng", rng)
    rows, cols = _checks.positive_int("rows", rows), _checks.positive_int("cols", cols)
    _checks.fits("rows x cols", (rows, cols))
    return rng, rows, cols, _checks.finite_float("gain", gain, nonneg=True), _checks.float_dtype("dtype", dtype)


def gaussian(rng, rows, cols, *, gain=1.0, std=None, dtype=np.float64):
    """Entries i.i.d. N(0, std^2), std = gain / sqrt(rows) unless given. For a large
    square matrix the spectral radius is then close to ``gain`` (circular law)."""
    rng, rows, cols, gain, dtype = _args(rng, rows, cols, gain, dtype)
    std = gain / np.sqrt(rows) if std is None else _checks.finite_float("std", std, nonneg=True)
    return (std * rng.standard_normal((rows, cols))).astype(dtype)


def glorot(rng, rows, cols, *, gain=1.0, dtype=np.float64):
    """Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (rows + cols))."""
    rng, rows, cols, gain, dtype = _args(rng, rows, cols, gain, dtype)
    a = gain * np.sqrt(6.0 / (rows + cols))
    return rng.uniform(-a, a, size=(rows, cols)).astype(dtype)


def he(rng, rows, cols, *, gain=1.0, dtype=np.float64):
    """He normal: N(0, 2 gain^2 / rows), for a matrix used as ``x @ W`` with ``rows`` inputs."""
    rng, rows, cols, gain, dtype = _args(rng, rows, cols, gain, dtype)
    return (gain * np.sqrt(2.0 / rows) * rng.standard_normal((rows, cols))).astype(dtype)


def orthogonal(rng, rows, cols, *, gain=1.0, dtype=np.float64):
    """A (semi-)orthogonal matrix times ``gain``: all singular values equal ``gain``."""
    rng, rows, cols, gain, dtype = _args(rng, rows, cols, gain, dtype)
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))  # make the distribution uniform (Haar)
    if rows < cols:
        q = q.T
    return (gain * q[:rows, :cols]).astype(dtype)


def identity(rng, rows, cols, *, gain=1.0, dtype=np.float64):
    """``gain * I`` (the IRNN's recurrent matrix; ``gain < 1`` is the scaled identity). ``rng`` is unused (but checked)."""
    rng, rows, cols, gain, dtype = _args(rng, rows, cols, gain, dtype)
    return (gain * np.eye(rows, cols)).astype(dtype)


def get(name: str):
    """The initialiser called ``name``."""
    _checks.choice("init", name, SCHEMES)
    return globals()[name]


def spectral_radius(W: np.ndarray) -> float:
    """max |eigenvalue| of a square matrix (finite, real: float or integer entries)."""
    W = _checks.array("W", W, min_ndim=2, finite=True)
    if W.shape[0] != W.shape[1] or W.size == 0:
        raise ValueError(f"W must be a non-empty square matrix; got shape {W.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(W))))
