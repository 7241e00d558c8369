"""Input checks shared by the public functions.

Every check names the argument and what it received, so that a learner who
passes a wrong shape sees at once what went wrong. The rule, stated once:
``TypeError`` for a value of the wrong type (a string where a number belongs,
a non-bool flag, an integer weight array), ``ValueError`` for a value of the
right type that is out of range or of the wrong shape.
"""
from __future__ import annotations

import math
import numbers

import numpy as np


class ArgTypeError(TypeError, ValueError):
    """A value of the wrong type. A TypeError by the rule above, and also a ValueError,
    so that code written against rnnlab 0.x (which raised ValueError for everything) still catches it."""


def positive_int(name: str, value, *, allow_zero: bool = False) -> int:
    """Return ``value`` as an int, or raise if it is not a (non-negative) integer."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    lower = 0 if allow_zero else 1
    if not ok or value < lower:
        kind = "a non-negative integer" if allow_zero else "a positive integer"
        raise ValueError(f"{name} must be {kind}; got {value!r}")
    return int(value)


def finite_float(name: str, value, *, positive: bool = False, nonneg: bool = False) -> float:
    """Return ``value`` as a float, or raise if it is not finite (and positive)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.ndarray)) or \
            (isinstance(value, np.ndarray) and value.shape != ()):
        raise ArgTypeError(f"{name} must be a real number; got {value!r}")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ArgTypeError(f"{name} must be a finite number; got {value!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if positive and x <= 0:
        raise ValueError(f"{name} must be positive; got {value!r}")
    if nonneg and x < 0:
        raise ValueError(f"{name} must be non-negative; got {value!r}")
    return x


def array(name: str, value, *, min_ndim: int, max_ndim: int | None = None, last: int | None = None) -> np.ndarray:
    """Return ``value`` as a float ndarray whose rank and last dimension are checked."""
    a = np.asarray(value)
    if not np.issubdtype(a.dtype, np.floating):
        if np.issubdtype(a.dtype, np.number) or a.dtype == bool:
            a = a.astype(np.float64)
        else:
            raise ValueError(f"{name} must be a numeric array; got dtype {a.dtype}")
    max_ndim = min_ndim if max_ndim is None else max_ndim
    if not (min_ndim <= a.ndim <= max_ndim):
        want = f"{min_ndim}" if min_ndim == max_ndim else f"{min_ndim} to {max_ndim}"
        raise ValueError(f"{name} must have {want} dimensions; got shape {a.shape}")
    if last is not None and a.shape[-1] != last:
        raise ValueError(f"{name} must have last dimension {last}; got shape {a.shape}")
    return a


def choice(name: str, value, options) -> str:
    """Return ``value`` if it is one of ``options`` (names: strings, or None)."""
    if not (value is None or isinstance(value, str)):
        raise ArgTypeError(f"{name} must be one of {sorted(options, key=repr)}; got {value!r}")
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options, key=repr)}; got {value!r}")
    return value


def rng(name: str, value) -> np.random.Generator:
    """Insist on an explicit ``numpy.random.Generator``: the book never seeds globally."""
    if not isinstance(value, np.random.Generator):
        raise ValueError(f"{name} must be a numpy.random.Generator (np.random.default_rng(seed)); got {type(value).__name__}")
    return value


def boolean(name: str, value) -> bool:
    """Insist on a real bool: the string 'False' is truthy, so strings are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgTypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


FLOAT_DTYPES = (np.float16, np.float32, np.float64)


def float_array(name: str, value) -> np.ndarray:
    """An ndarray of float16, float32 or float64: the book's one dtype policy for parameters."""
    if not isinstance(value, np.ndarray):
        raise ArgTypeError(f"{name} must be a numpy array; got {type(value).__name__}")
    if value.dtype.type not in FLOAT_DTYPES:
        raise ArgTypeError(f"{name} must have dtype float16, float32 or float64; got {value.dtype}")
    return value
