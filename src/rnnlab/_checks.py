"""Input checks shared by the public functions: one validation layer for the whole package.

Every check names the argument and what it received, so that a learner who
passes a wrong shape sees at once what went wrong. The rule, stated once:

* ``TypeError`` for a value of the wrong type: a string where a number belongs,
  a non-bool flag, an integer, boolean, complex or object array where float
  weights belong (raised as :class:`ArgTypeError`, a TypeError);
* ``ValueError`` for a value of the right type that is out of range, not
  finite, or of the wrong shape (shapes are checked against each other, so a
  shape that would merely *broadcast* is refused too).

Sizes are bounded (:data:`BOUNDS`, :data:`MAX_ELEMENTS`) so that a typo such as
``steps=10**15`` is a ``ValueError`` naming the argument, not a ``MemoryError``
from deep inside numpy.
"""
from __future__ import annotations

import math
import numbers
import operator

import numpy as np


class ArgTypeError(TypeError, ValueError):
    """A value of the wrong type. A TypeError by the rule above, and also a ValueError,
    so that code written against rnnlab 0.x (which raised ValueError for everything) still catches it."""


MAX_ELEMENTS = 2 ** 28
"""Largest array (number of entries) the library allocates from sizes it is given: 2 GiB in float64."""
MAX_STEPS = 10 ** 7
"""Largest number of training steps: days of CPU, and a 400 MB history per model."""
BOUNDS = {"steps": MAX_STEPS, "max_steps": MAX_STEPS, "T": 10 ** 6, "batch": 2 ** 20, "batch_size": 2 ** 20,
          "input_size": 2 ** 14, "hidden_size": 2 ** 12, "output_size": 2 ** 14, "layers": 256, "depth": 1024,
          "width": 2 ** 14, "hidden": 2 ** 12, "rows": 2 ** 24, "cols": 2 ** 24, "n_resamples": 10 ** 6,
          "repeats": 10 ** 4, "number": 10 ** 6, "n": 2 ** 31 - 1, "k_max": 10 ** 6, "n_copy": 10 ** 4,
          "n_symbols": 10 ** 4, "channels": 2 ** 12, "n_nets": 2 ** 16, "n_inputs": 2 ** 20, "window": MAX_STEPS}
"""Upper bound of a size argument, by its name (:func:`positive_int` applies it unless told otherwise)."""


def _what(value) -> str:
    """A short description of ``value`` for a message: its repr, or its type and shape for an array."""
    if isinstance(value, np.ndarray) and value.size > 6:
        return f"{type(value).__name__} of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def positive_int(name: str, value, *, allow_zero: bool = False, maximum: int | None = None) -> int:
    """``value`` as an int: TypeError unless an integer (not a bool), ValueError unless in [1 (or 0), maximum]."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        kind = "a non-negative integer" if allow_zero else "a positive integer"
        raise ArgTypeError(f"{name} must be {kind}; got {_what(value)}")
    lower = 0 if allow_zero else 1
    if value < lower:
        kind = "a non-negative integer" if allow_zero else "a positive integer"
        raise ValueError(f"{name} must be {kind}; got {value!r}")
    maximum = BOUNDS.get(name) if maximum is None else maximum
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}; got {value!r}")
    return int(value)


def finite_float(name: str, value, *, positive: bool = False, nonneg: bool = False,
                 maximum: float | None = None) -> float:
    """``value`` as a float: TypeError unless a real number, ValueError unless finite (and positive / <= maximum)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.ndarray)) or \
            (isinstance(value, np.ndarray) and (value.shape != () or value.dtype.kind not in "iuf")):
        raise ArgTypeError(f"{name} must be a real number; got {_what(value)}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if positive and x <= 0:
        raise ValueError(f"{name} must be positive; got {value!r}")
    if nonneg and x < 0:
        raise ValueError(f"{name} must be non-negative; got {value!r}")
    if maximum is not None and x > maximum:
        raise ValueError(f"{name} must be at most {maximum}; got {value!r}")
    return x


def probability(name: str, value, *, closed: bool = False) -> float:
    """A probability or a level: a real number in (0, 1), or in [0, 1] when ``closed``."""
    x = finite_float(name, value)
    if not (0 <= x <= 1 if closed else 0 < x < 1):
        raise ValueError(f"{name} must lie in {'[0, 1]' if closed else '(0, 1)'}; got {value!r}")
    return x


def index(name: str, value, size: int) -> int:
    """An integer index into an axis of length ``size`` (negative indices count from the end)."""
    try:
        i = operator.index(value)
    except TypeError:
        raise ArgTypeError(f"{name} must be an integer index; got {_what(value)}") from None
    if isinstance(value, (bool, np.bool_)):
        raise ArgTypeError(f"{name} must be an integer index; got {value!r}")
    if not -size <= i < size:
        raise ValueError(f"{name} must lie in [-{size}, {size}); got {i}")
    return i % size


def fits(name: str, shape, *, limit: int = MAX_ELEMENTS) -> tuple:
    """Refuse an allocation of ``shape`` (a tuple of sizes) with more than ``limit`` entries."""
    shape = tuple(int(s) for s in shape)
    total = math.prod(shape)
    if total > limit:
        raise ValueError(f"{name} asks for an array of shape {shape} ({total:.3g} entries); the limit is {limit:.3g}")
    return shape


def array(name: str, value, *, min_ndim: int = 0, max_ndim: int | None = None, last: int | None = None,
          finite: bool = False) -> np.ndarray:
    """``value`` as a real ndarray (data: float or integer, cast to float64 when integer), rank and last dim checked.

    Booleans, complex numbers, objects and strings are refused (TypeError): casting them would
    drop information (an imaginary part) or hide a mistake (a mask passed as data).
    """
    try:
        a = np.asarray(value)
    except (ValueError, TypeError) as e:                      # a ragged list
        raise ValueError(f"{name} must be a rectangular array of numbers; got {_what(value)} ({e})") from None
    if a.dtype.kind in "iu":
        a = a.astype(np.float64)
    elif a.dtype.kind != "f":
        raise ArgTypeError(f"{name} must be an array of real numbers (float or integer); got dtype {a.dtype}")
    max_ndim = min_ndim if max_ndim is None else max_ndim
    if not (min_ndim <= a.ndim <= max_ndim):
        want = f"{min_ndim}" if min_ndim == max_ndim else f"{min_ndim} to {max_ndim}"
        raise ValueError(f"{name} must have {want} dimensions; got shape {a.shape}")
    if last is not None and a.shape[-1] != last:
        raise ValueError(f"{name} must have last dimension {last}; got shape {a.shape}")
    if finite and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must hold finite numbers; got inf or NaN in an array of shape {a.shape}")
    return a


def choice(name: str, value, options) -> str:
    """Return ``value`` if it is one of ``options`` (names: strings, or None)."""
    if not (value is None or isinstance(value, str)) or (value is None and None not in options):
        raise ArgTypeError(f"{name} must be one of {sorted(options, key=repr)}; got {_what(value)}")
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options, key=repr)}; got {value!r}")
    return value


def rng(name: str, value) -> np.random.Generator:
    """Insist on an explicit ``numpy.random.Generator``: the book never seeds globally."""
    if not isinstance(value, np.random.Generator):
        raise ArgTypeError(f"{name} must be a numpy.random.Generator (np.random.default_rng(seed)); "
                           f"got {type(value).__name__}")
    return value


def boolean(name: str, value) -> bool:
    """Insist on a real bool: the string 'False' is truthy, so strings are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgTypeError(f"{name} must be True or False; got {_what(value)}")
    return bool(value)


def instance(name: str, value, cls):
    """Insist that ``value`` is a ``cls`` (such as a layer's Cache from its forward)."""
    if not isinstance(value, cls):
        raise ArgTypeError(f"{name} must be a {cls.__qualname__}; got {type(value).__name__}")
    return value


def function(name: str, value):
    """Insist on a callable."""
    if not callable(value):
        raise ArgTypeError(f"{name} must be callable; got {type(value).__name__} {_what(value)}")
    return value


FLOAT_DTYPES = (np.float16, np.float32, np.float64)


def float_dtype(name: str, value) -> np.dtype:
    """A dtype argument: float16, float32 or float64 (a type, a dtype or its name); integer weights are a TypeError."""
    try:
        dt = np.dtype(value)
    except (TypeError, ValueError):
        cls = ValueError if isinstance(value, str) else ArgTypeError      # a string that names no dtype is a value
        raise cls(f"{name} must be float16, float32 or float64; got {_what(value)}") from None
    if dt.type not in FLOAT_DTYPES or value is None:
        raise ArgTypeError(f"{name} must be float16, float32 or float64; got {_what(value)}")
    return dt


def float_array(name: str, value, *, shape: tuple | None = None, finite: bool = False) -> np.ndarray:
    """An ndarray of float16, float32 or float64: the book's one dtype policy for parameters (and gradients)."""
    if not isinstance(value, np.ndarray):
        raise ArgTypeError(f"{name} must be a numpy array; got {type(value).__name__}")
    if value.dtype.type not in FLOAT_DTYPES:
        raise ArgTypeError(f"{name} must have dtype float16, float32 or float64; got {value.dtype}")
    if shape is not None and value.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}; got {value.shape}")
    if finite and not np.all(np.isfinite(value)):
        raise ValueError(f"{name} must be finite; got inf or NaN")
    return value


def param_dict(name: str, value, keys=None, *, one_dtype: bool = True) -> dict:
    """A dict of float arrays (parameters or gradients): every key of ``keys`` present, one dtype."""
    if not isinstance(value, dict):
        raise ArgTypeError(f"{name} must be a dict of float arrays; got {_what(value)}")
    if not value:
        raise ValueError(f"{name} must be a non-empty dict of float arrays; got {{}}")
    missing = [k for k in (keys or ()) if k not in value]
    if missing:
        raise ValueError(f"{name} must hold keys {list(keys)}; got keys {sorted(value, key=str)} (missing {missing})")
    for k in (keys or value):
        float_array(f"{name}[{k!r}]", value[k])
    dtypes = {value[k].dtype for k in (keys or value)}
    if one_dtype and len(dtypes) > 1:
        raise ArgTypeError(f"{name} must share one dtype; got {sorted(map(str, dtypes))}")
    return value


def same_keys_and_shapes(name: str, value: dict, ref_name: str, ref: dict) -> dict:
    """``value`` (a dict of arrays) has exactly the keys of ``ref`` and, key by key, the same shapes."""
    if set(value) != set(ref):
        raise ValueError(f"{name} must have the keys of {ref_name} {sorted(ref, key=str)}; got {sorted(value, key=str)}")
    for k in ref:
        if np.shape(value[k]) != np.shape(ref[k]):
            raise ValueError(f"{name}[{k!r}] must have the shape of {ref_name}[{k!r}] {np.shape(ref[k])}; "
                             f"got {np.shape(value[k])}")
    return value


def refuse_float16(name: str, dtype, why: str):
    """Refuse float16 where an intermediate overflows float16's range (largest finite value 65504)."""
    if np.dtype(dtype) == np.float16:
        raise ArgTypeError(f"{name} must be float32 or float64 here ({why}); got float16")


def seed_list(name: str, value) -> list:
    """A non-empty sequence of non-negative integer seeds, as a list of ints (repeats allowed)."""
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise ArgTypeError(f"{name} must be a sequence of non-negative integers; got {_what(value)}")
    seeds = list(value)
    if not seeds:
        raise ValueError(f"{name} must be a non-empty sequence of integers; got {_what(value)}")
    for k, s in enumerate(seeds):
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral):
            raise ArgTypeError(f"{name} must hold non-negative integers; got {_what(s)} at {name}[{k}]")
        if not 0 <= s < 2 ** 63:
            raise ValueError(f"{name} must hold non-negative integers below 2**63; got {s!r} at {name}[{k}]")
    return [int(s) for s in seeds]


def dense_chain(name: str, params, max_lead: int = 1) -> tuple:
    """Weights ``W0, b0, ..., W{n-1}, b{n-1}`` of n dense layers: float arrays of one dtype, W_l (*lead, fan_in, width)
    and b_l (*lead, width), each layer's fan_in the previous width. Returns ``(n, lead)``."""
    if not isinstance(params, dict):
        raise ArgTypeError(f"{name} must be a dict of float arrays W0, b0, ...; got {_what(params)}")
    n = 0
    while f"W{n}" in params:
        n += 1
    param_dict(name, params, [f"{p}{l}" for l in range(max(n, 1)) for p in "Wb"])
    stray = sorted(k for k in params if isinstance(k, str) and k[:1] in "Wb" and k[1:].isdigit() and int(k[1:]) >= n)
    if stray:
        raise ValueError(f"{name} must hold W0, b0, ..., W{n - 1}, b{n - 1} (W{n} is missing); got also {stray}")
    lead = params["W0"].shape[:-2]
    if not 2 <= params["W0"].ndim <= 2 + max_lead:
        raise ValueError(f"{name}['W0'] must have shape (fan_in, width) or (S, fan_in, width); got {params['W0'].shape}")
    for l in range(n):
        W, b = params[f"W{l}"], params[f"b{l}"]
        if W.ndim != len(lead) + 2 or W.shape[:-2] != lead or (l and W.shape[-2] != params[f"W{l - 1}"].shape[-1]):
            want = f"(*{lead}, {params[f'W{l - 1}'].shape[-1] if l else 'fan_in'}, width)"
            raise ValueError(f"{name}['W{l}'] must have shape {want}; got {W.shape}")
        if b.shape != lead + W.shape[-1:]:
            raise ValueError(f"{name}['b{l}'] must have shape {lead + W.shape[-1:]}; got {b.shape}")
    return n, lead


def task(name: str, value):
    """A task object (rnnlab.tasks): ``sample(rng, batch)``, sizes, a loss name and a positive baseline."""
    if not callable(getattr(value, "sample", None)) or not all(hasattr(value, a) for a in
                                                                ("input_size", "output_size", "loss", "baseline")):
        raise ArgTypeError(f"{name} must be a task (rnnlab.tasks: sample, input_size, output_size, loss, baseline); "
                           f"got {type(value).__name__}")
    return value


def data_streams(name: str, value, n_models):
    """One Generator (a stream shared by every model), or one per model of a population of ``n_models``."""
    if isinstance(value, np.random.Generator):
        return value
    if not isinstance(value, (list, tuple)) or not all(isinstance(r, np.random.Generator) for r in value):
        raise ArgTypeError(f"{name} must be a numpy.random.Generator or a list of them; got {_what(value)}")
    if n_models is None or len(value) != n_models:
        want = "one Generator for a lone model" if n_models is None else f"one Generator per model ({n_models})"
        raise ValueError(f"{name} must hold {want}; got a sequence of {len(value)}")
    return value
