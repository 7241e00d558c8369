"""The error contract as data: each public function with a good call, and for each argument its *kind*.

A kind says which bad values exist for an argument and which class each must raise: ``T`` (TypeError:
a wrong type, such as an integer, boolean, complex or object array where float weights belong) or ``V``
(ValueError and not TypeError: a wrong value, a NaN, a size beyond its bound, a shape that would merely
broadcast). :func:`bad_values` is a hypothesis strategy of ``(value, class)`` for a kind; the tests in
test_properties.py draw from it for every argument of every registered function.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import strategies as st

T, V = "TypeError", "ValueError"


@dataclasses.dataclass
class Arg:
    """One argument: its kind, a good value, and options.

    ``shape="exact"``: its shape is fixed by the other arguments, so a shape that would broadcast
    (an extra axis of 1, a last axis cut to 1) is a ValueError. ``nan``: "refuse" (ValueError) or
    "accept" (documented: e.g. a diverging model's outputs). ``bound``: the largest valid size.
    """

    kind: str
    value: object
    shape: str = "free"
    nan: str = "accept"
    bound: int | None = None
    names: tuple = ()                  # other words a message may use for this argument (e.g. "activation")
    none_ok: bool = False


WRONG_TYPES = [("text", T), (None, T), (True, T), (1.5, T), (1j, T), ([1], T), (object(), T)]


def _typed(values):
    return st.sampled_from(values)


def _without(values, kinds):
    return [(v, c) for v, c in values if not any(isinstance(v, k) and type(v) is not bool for k in kinds)
            and not (v is True and bool in kinds)]


def _array_mutations(arg: Arg, float_only: bool):
    a = np.asarray(arg.value)
    out = [(a.astype(complex), T), (a.astype(object), T), (a.astype(bool), T), (np.full(a.shape, "x"), T)]
    if float_only:                                                  # weights: float ndarrays only
        out += [(a.astype(np.int64), T), (a.tolist(), T) if a.ndim else (float(a), T)]
    elif arg.kind == "floatdata":
        out += [(a.astype(np.int64), T)]
    if arg.shape == "exact":
        out += [(a[None], V), (a[..., None], V)]
        if a.ndim and a.shape[-1] > 1:
            out.append((a[..., :1], V))
    if arg.nan == "refuse" and a.size:
        for bad in (np.nan, np.inf):
            b = a.astype(float if a.dtype.kind in "iub" else a.dtype).copy()
            b.flat[0] = bad
            out.append((b, V))
    return out


def _dict_mutations(arg: Arg):
    d = arg.value
    out = [("params", T), ([d], T), ({}, V)]
    for k in sorted(d):
        out.append(({kk: vv for kk, vv in d.items() if kk != k}, V))          # a key missing
        v = np.asarray(d[k])
        for bad, cls in ((v.astype(np.int64), T), (v.astype(complex), T), (v.astype(object), T)):
            out.append((dict(d, **{k: bad}), cls))
        if arg.shape == "exact":
            out.append((dict(d, **{k: v[None]}), V))
            if v.ndim and v.shape[-1] > 1:
                out.append((dict(d, **{k: v[..., :1]}), V))
    return out


def bad_values(arg: Arg):
    """A strategy of (bad value, expected class) for ``arg``."""
    k = arg.kind
    wrong = [(v, c) for v, c in WRONG_TYPES if not (v is None and arg.none_ok)]
    if k == "index":                                               # an index: negative ones count from the end
        return st.one_of(_typed(_without(wrong, (int,))), st.integers(1000, 10 ** 9).map(lambda v: (v, V)),
                         st.integers(-10 ** 9, -1000).map(lambda v: (v, V)))
    if k in ("size", "count", "index0"):
        low = 0 if k == "index0" else 1
        values = _without(wrong, (int,)) + [(np.float64(2.0), T)]
        ints = st.integers(-10 ** 6, low - 1).map(lambda v: (v, V))
        if k == "size" and arg.bound is not None:
            ints = st.one_of(ints, st.integers(arg.bound + 1, 10 ** 18).map(lambda v: (v, V)))
        return st.one_of(_typed(values), ints)
    if k in ("real", "real+", "real0", "level", "prob"):
        values = _without(wrong, (int, float)) + [(np.inf, V), (-np.inf, V)]
        values += [] if arg.nan == "ok" else [(np.nan, V)]
        if arg.shape == "array-ok":                                 # one value per model is allowed: a list is a shape
            values = [(v, c) for v, c in values if not isinstance(v, list)] + [([1.0, 2.0, 3.0], V)]
        else:
            values += [(np.array([1.0, 2.0]), T)]
        if k == "prob":
            values += [(1.5, V), (-0.5, V)]
        if k == "real+":
            values += [(0.0, V), (-1.0, V)]
        if k == "real0":
            values += [(-1e-3, V)]
        if k == "level":
            values += [(0.0, V), (1.0, V), (1.5, V), (-0.5, V)]
        return _typed(values)
    if k == "rng":
        return _typed(_without(wrong, ()) + [(0, T), (np.random.RandomState(0), T), ("default_rng", T)])
    if k == "name":
        return _typed(_without(wrong, (str,)) + [("no-such-name", V), ("", V)])
    if k == "bool":
        return _typed([("False", T), (1, T), (0.0, T), (np.array([True]), T)] + ([] if arg.none_ok else [(None, T)]))
    if k in ("weights", "floatdata", "data"):
        scalars = [(v, c) for v, c in wrong if not isinstance(v, (list, float))]   # a float scalar is a 0-d array
        return _typed(scalars + _array_mutations(arg, float_only=k == "weights"))
    if k == "labels":
        a = np.asarray(arg.value)
        return _typed([(a.astype(float), T), (a.astype(bool), T), (a.astype(complex), T), (a - 10 ** 6, V)]
                      + ([(a[None], V), (a[..., None], V)] if arg.shape == "exact" else []))
    if k == "params":
        return _typed(_dict_mutations(arg))
    if k == "seeds":
        return _typed([("ab", T), (3, T), ([1.5], T), ([-1], V), ([], V), ([None], T), (None, T)])
    if k == "callable":
        return _typed([(3, T), ("f", T), ([print], T)] + ([] if arg.none_ok else [(None, T)]))
    if k == "path":
        return _typed([(3, T), (None, T), (b"x", T)] + ([] if arg.shape == "list-ok" else [([".."], T)]))
    if k.startswith("instance"):
        return _typed([("x", T), (3, T)] + ([] if arg.none_ok else [(None, T)])
                      + ([] if isinstance(arg.value, dict) else [({}, T)])
                      + ([] if isinstance(arg.value, list) else [([], T)]))
    raise KeyError(k)
