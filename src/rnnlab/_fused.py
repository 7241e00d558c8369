"""The compiled path of the recurrent layers (numba): when it runs, and the memory layout it uses.

numpy is the reference: :mod:`rnnlab.lstm`, :mod:`rnnlab.gru`, :mod:`rnnlab.rnn` and
:mod:`rnnlab.indrnn` are complete and readable without this module, and the tests
compare the two paths (``tests/test_fused.py``). By default the layers run their
loops over time as compiled kernels (``rnnlab._lstm_fused`` and its siblings): one
pass over each step's numbers instead of a dozen numpy calls, and no Python in the
loop. ``RNNLAB_FUSED=0`` in the environment selects the numpy path.

What the kernels compute is what the numpy code computes, up to rounding: the
operations are the same, the order of the sums in the matrix products is not, and
float32 ``exp`` and ``tanh`` are computed as :mod:`rnnlab._fused_math` says
(within a few ulp). So the two paths agree to about 1e-6 relative in float32 and
1e-13 in float64, not bit for bit. The kernels use no fast-math: IEEE operations
in a fixed order, so the same machine always gives the same bits, and inf and NaN
propagate as in numpy (a diverging run is detected the same way).

Layout. A population's arrays are stored *member-major*, ``(M, T, B, F)`` with
``M = prod(lead)``, so that each model's steps are contiguous and its weights stay
in the CPU cache while the kernel runs its whole sequence; the layers hand out
the usual ``(T, *lead, B, F)`` shapes as views of that storage (:func:`time_first`).

Matrix products. For small models (:func:`own_products`) the kernels compute the
recurrent products themselves: one BLAS call per model and step costs more than
the product. Larger models call numpy's matmul once per step for the whole
population, and the kernels do the elementwise work around it.
"""
from __future__ import annotations

import functools
import os

import numpy as np

from . import activations
from ._tensor import empty  # noqa: F401  (the kernels' modules take their memory through it)

try:                                                # a regular dependency; without it the numpy path runs
    import numba  # noqa: F401
    from . import _fused_acts, _fused_math  # noqa: F401
except ImportError:                                 # pragma: no cover - depends on the installation
    _fused_math = _fused_acts = None

OWN_PRODUCTS_MAX_H = 48
"""Largest hidden size whose recurrent products the kernels compute themselves (measured: benchmarks/)."""


def enabled() -> bool:
    """True unless ``RNNLAB_FUSED=0`` (or numba failed to import)."""
    return _fused_math is not None and os.environ.get("RNNLAB_FUSED", "1") != "0"


def _closure(fn) -> dict:
    return dict(zip(fn.__code__.co_freevars, (c.cell_contents for c in fn.__closure__ or ())))


@functools.lru_cache(maxsize=1024)
def encode(act):
    """``(code, p0, p1)`` of an activation for the kernels, or None when they cannot compute it.

    The registry's activations, and ReLU, leaky ReLU and clipped ReLU built with
    other parameters by :mod:`rnnlab.activations`' ``make_*`` functions.
    """
    if _fused_math is None:
        return None
    codes = _fused_acts.CODES
    for name, reg in activations.REGISTRY.items():
        if act is reg or (act.f is reg.f and act.df is reg.df and act.df_out is reg.df_out):
            if name == "relu":
                return codes[name], _closure(act.df)["d0"], 0.0
            if name == "leaky_relu":
                c = _closure(act.df)
                return codes[name], c["slope"], c["d0"]
            if name == "clipped_relu":
                return codes[name], _closure(act.df)["cap"], 0.0
            return codes[name], 0.0, 0.0
    maker = getattr(act.df, "__qualname__", "").split(".<locals>")[0]
    family = {"make_relu": "relu", "make_leaky_relu": "leaky_relu", "make_clipped_relu": "clipped_relu"}.get(maker)
    if family is None or act.df_out is not None or getattr(act.f, "__qualname__", "").split(".<locals>")[0] != maker:
        return None
    c = _closure(act.df)
    p = {"relu": (c.get("d0"), 0.0), "leaky_relu": (c.get("slope"), c.get("d0")),
         "clipped_relu": (c.get("cap"), 0.0)}[family]
    return None if p[0] is None or p[1] is None else (_fused_acts.CODES[family], float(p[0]), float(p[1]))


def usable(dtype, *acts) -> bool:
    """Can the kernels take this layer (float32 or float64, and every activation encodable)?"""
    return enabled() and np.dtype(dtype) in (np.float32, np.float64) and all(encode(a) is not None for a in acts)


@functools.lru_cache(maxsize=1024)
def _table(dtype, acts):
    enc = [encode(a) for a in acts]
    codes = np.array([e[0] for e in enc], dtype=np.int64)
    prm = np.array([e[1:] for e in enc], dtype=dtype).reshape(-1, 2)
    codes.flags.writeable = prm.flags.writeable = False
    return codes, prm


def act_table(dtype, *acts):
    """The kernels' view of ``acts``: codes (k,) int64 and parameters (k, 2) of ``dtype`` (read-only)."""
    return _table(np.dtype(dtype), acts)


def own_products(H: int) -> bool:
    """Do the kernels compute the recurrent products themselves (small H), or numpy's matmul (BLAS)?"""
    return H <= OWN_PRODUCTS_MAX_H


# ----- memory: member-major storage, time-first views -----

def member_major(a: np.ndarray, n_lead: int) -> np.ndarray:
    """``(T, *lead, B, F) -> (M, T, B, F)`` C-contiguous (no copy when ``a`` is a :func:`time_first` view);
    a sequence without model axes, ``(T, B, F)``, gives ``(1, T, B, F)``."""
    T, B, F = a.shape[0], a.shape[-2], a.shape[-1]
    if a.ndim == 3:
        return _writable(np.ascontiguousarray(a)).reshape(1, T, B, F)
    axes = tuple(range(1, n_lead + 1)) + (0, n_lead + 1, n_lead + 2)          # (*lead, T, B, F)
    return _writable(np.ascontiguousarray(a.transpose(axes))).reshape(-1, T, B, F)


def _writable(a):
    """``a``, or a copy when it is read-only (numba would compile the kernels again for read-only arrays)."""
    return a if a.flags.writeable else a.copy()


def time_first(store: np.ndarray, lead: tuple) -> np.ndarray:
    """The ``(T, *lead, B, F)`` view of member-major storage ``(M, T, B, F)``."""
    n = len(lead)
    return store.reshape(tuple(lead) + store.shape[1:]).transpose((n,) + tuple(range(n)) + (n + 1, n + 2))


def weights(w: np.ndarray, lead: tuple) -> np.ndarray:
    """A weight array ``(*lead, ...)`` as ``(M, ...)``, C-contiguous."""
    return _writable(np.ascontiguousarray(w)).reshape((-1,) + w.shape[len(lead):])


def sums_over_time(x, h_prev, dzs, W_x, dW_x, dW_h, db, dxs, accumulate_dxs=False):
    """The gradient sums over steps and samples from stored dz (M, T, B, F), by numpy's matmul
    (one call per model): dW_x = x^T dz, dW_h = h_prev^T dz, db = sum dz and dxs (+)= dz W_x^T."""
    M, T, B, F = dzs.shape
    rows = lambda a: a.reshape(a.shape[0], T * B, a.shape[-1])               # a view when the strides allow
    dz = rows(dzs)                                                              # (M, T*B, F)
    dW_x[...] = np.swapaxes(rows(x), 1, 2) @ dz
    dW_h[...] = np.swapaxes(rows(h_prev), 1, 2) @ dz
    db[...] = dz.sum(axis=1)
    dx = dz @ np.swapaxes(W_x, 1, 2)                                            # (M, T*B, D)
    if accumulate_dxs:
        dxs.reshape(M, T * B, -1)[...] += dx
    else:
        dxs.reshape(M, T * B, -1)[...] = dx


def grads_dict(lead, **grads):
    """Gradients (M, ...) reshaped to the parameters' (*lead, ...)."""
    return {k: v.reshape(tuple(lead) + v.shape[1:]) for k, v in grads.items()}


def input_grads(xs, dxs, lead):
    """dL/dxs shaped like xs from member-major ``dxs`` (M, T, B, D): summed over the models
    when they share one input sequence ``xs`` (T, B, D)."""
    if xs.ndim == 3 and lead:
        return dxs.sum(axis=0)
    return time_first(dxs, lead)


def warm_up(dtypes=("float32", "float64")):
    """Compile the kernels of every cell (both ways of taking the products) into numba's cache,
    so that later processes load them in about a second:
    ``python -c "from rnnlab._fused import warm_up; warm_up()"`` (after an install, before the chapters)."""
    import warnings

    from . import stack
    own = OWN_PRODUCTS_MAX_H
    for dtype in dtypes:
        for cell in ("lstm", "gru", "rnn", "indrnn"):
            for H in (2, own + 1):
                spec = stack.ModelSpec(cell=cell, hidden_size=H, dtype=dtype)
                params = stack.init_population(spec, range(2))
                xs = np.zeros((3, 2, 2, spec.input_size), dtype=dtype)
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    y, cache = stack.forward(params, xs, spec)
                    stack.backward(np.ones_like(y), cache)
