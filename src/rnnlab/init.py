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


def _shape(rows, cols):
    return _checks.positive_int("rows", rows), _checks.positive_int("cols", cols)


def gaussian(rng, rows, cols, *, gain=1.0, std=None, dtype=np.float64):
    """Entries i.i.d. N(0, std^2), std = gain / sqrt(rows) unless given. For a large
    square matrix the spectral radius is then close to ``gain`` (circular law)."""
    rows, cols = _shape(rows, cols)
    gain = _checks.finite_float("gain", gain, nonneg=True)
    std = gain / np.sqrt(rows) if std is None else _checks.finite_float("std", std, nonneg=True)
    return (std * _checks.rng("rng", rng).standard_normal((rows, cols))).astype(dtype)


def glorot(rng, rows, cols, *, gain=1.0, dtype=np.float64):
    """Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (rows + cols))."""
    rows, cols = _shape(rows, cols)
    gain = _checks.finite_float("gain", gain, nonneg=True)
    a = gain * np.sqrt(6.0 / (rows + cols))
    return _checks.rng("rng", rng).uniform(-a, a, size=(rows, cols)).astype(dtype)


def he(rng, rows, cols, *, gain=1.0, dtype=np.float64):
    """He normal: N(0, 2 gain^2 / rows), for a matrix used as ``x @ W`` with ``rows`` inputs."""
    rows, cols = _shape(rows, cols)
    gain = _checks.finite_float("gain", gain, nonneg=True)
    return (gain * np.sqrt(2.0 / rows) * _checks.rng("rng", rng).standard_normal((rows, cols))).astype(dtype)


def orthogonal(rng, rows, cols, *, gain=1.0, dtype=np.float64):
    """A (semi-)orthogonal matrix times ``gain``: all singular values equal ``gain``."""
    rows, cols = _shape(rows, cols)
    gain = _checks.finite_float("gain", gain, nonneg=True)
    a = _checks.rng("rng", rng).standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))  # make the distribution uniform (Haar)
    if rows < cols:
        q = q.T
    return (gain * q[:rows, :cols]).astype(dtype)


def identity(rng, rows, cols, *, gain=1.0, dtype=np.float64):
    """``gain * I`` (the IRNN's recurrent matrix; ``gain < 1`` is the scaled identity). ``rng`` is unused."""
    rows, cols = _shape(rows, cols)
    gain = _checks.finite_float("gain", gain, nonneg=True)
    return (gain * np.eye(rows, cols)).astype(dtype)


def get(name: str):
    """The initialiser called ``name``."""
    _checks.choice("init", name, SCHEMES)
    return globals()[name]


def spectral_radius(W: np.ndarray) -> float:
    """max |eigenvalue| of a square matrix."""
    return float(np.max(np.abs(np.linalg.eigvals(W))))
