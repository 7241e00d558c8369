"""Small shape helpers shared by the recurrent layers.

Layout convention (the one place it is stated): a sequence is ``(T, B, D)`` --
time first, then batch, then features. A *population* of S independent models
adds a model axis after time: params ``(S, D, 4H)``, states ``(S, B, H)``,
sequences ``(T, S, B, D)``. A sequence without the model axis, ``(T, B, D)``,
is shared by every model of the population. ``np.matmul`` broadcasts over the
leading axes, so the same code serves S = 1 and S = 64.
"""
from __future__ import annotations

import sys
import threading
from collections import OrderedDict

import numpy as np


def merge_time(a: np.ndarray, tag: str | None = None) -> np.ndarray:
    """``(T, *lead, B, F) -> (*lead, T*B, F)``: time folded into the batch rows.

    Without a population axis this is a view. With one it is a copy; ``tag``
    names a reused buffer for it (see :func:`work_array`), which the caller must
    not keep.
    """
    T, B, F = a.shape[0], a.shape[-2], a.shape[-1]
    lead = a.shape[1:-2]
    if not lead:
        return a.reshape(T * B, F)
    if tag is None:
        return np.moveaxis(a, 0, -3).reshape(*lead, T * B, F)
    out = work_array(tag, lead + (T * B, F), a.dtype)           # (*lead, T*B, F)
    out.reshape(lead + (T, B, F))[...] = np.moveaxis(a, 0, -3)
    return out


def sum_over_time(a: np.ndarray, b: np.ndarray, merged: bool = False) -> np.ndarray:
    """``sum_t a_t^T b_t`` as one matmul: ``(T,*L,B,P), (T,*L,B,Q) -> (*L,P,Q)``.

    ``merged=True``: ``b`` is already ``merge_time(b)``, (*L, T*B, Q).
    """
    return np.swapaxes(merge_time(a), -1, -2) @ (b if merged else merge_time(b))


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added, so it has ``shape``."""
    extra = grad.ndim - len(shape)
    if extra > 0:
        # Broadcasting inserted model axes after time (axis 0): sum them out.
        grad = grad.sum(axis=tuple(range(1, 1 + extra)))
    return grad


def lead_shape(W: np.ndarray) -> tuple:
    """The population axes of a weight matrix ``(*lead, rows, cols)``."""
    return W.shape[:-2]


# ----- buffer reuse (issue 15): no fresh large arrays, so no page-fault storm -----
#
# A fresh multi-megabyte array costs one page fault per 4 KiB page the first time
# it is written, and the C library hands such memory back to the kernel when it is
# freed. At B=32, T=100, H=128 that was thousands of faults per forward + backward.
# Two pools, one per thread, keep memory mapped instead:
#
# * ``work_array(tag, shape, dtype)``: scratch that never leaves the function that
#   asked for it (contents undefined). One buffer per (tag, shape, dtype).
# * ``fresh_array(shape, dtype)``: for arrays handed to the caller (outputs, caches).
#   A pooled array is handed out again only when nothing but the pool refers to it
#   (no view, no cache, no variable): its reference count says so. So a result the
#   caller still holds is never overwritten.

_POOL_BYTES = 512 * 2 ** 20          # memory the pools may keep mapped, per thread
_local = threading.local()


def _refcounts(arrays):
    """Reference counts seen while looping over ``arrays``, as :func:`fresh_array` sees them."""
    out = []
    for a in arrays:
        out.append(sys.getrefcount(a))
    return out


def _calibrate():
    """The count of an array that only a pool list holds, or None when counts cannot tell (then no reuse)."""
    if sys.implementation.name != "cpython" or not getattr(sys, "_is_gil_enabled", lambda: True)():
        return None
    free = _refcounts([np.empty(0)])[0]
    held = np.empty(0)
    view = np.empty(1)[:0]
    ok = _refcounts([held])[0] == free + 1 and _refcounts([view.base])[0] == free + 1
    return free if ok else None


_FREE = _calibrate()
_REUSE = _FREE is not None


def _pools():
    if not hasattr(_local, "work"):
        _local.work, _local.fresh = OrderedDict(), OrderedDict()
    return _local.work, _local.fresh


def _pooled_bytes(work, fresh):
    return sum(a.nbytes for a in work.values()) + sum(a.nbytes for lst in fresh.values() for a in lst)


def _make_room(work, fresh, nbytes):
    """Drop the least recently used pooled arrays until ``nbytes`` more fit."""
    while work or fresh:
        if _pooled_bytes(work, fresh) + nbytes <= _POOL_BYTES:
            return
        pool = work if (work and (not fresh or len(work) >= len(fresh))) else fresh
        pool.popitem(last=False)


def work_array(tag: str, shape: tuple, dtype) -> np.ndarray:
    """A scratch array of ``shape`` and ``dtype`` kept for the next call with the same tag."""
    key = (tag, tuple(shape), np.dtype(dtype))
    work, fresh = _pools()
    a = work.get(key)
    if a is None:
        a = np.empty(shape, dtype=dtype)
        if a.nbytes <= _POOL_BYTES // 8 and _REUSE:
            _make_room(work, fresh, a.nbytes)
            work[key] = a
    else:
        work.move_to_end(key)
    return a


def fresh_array(shape: tuple, dtype) -> np.ndarray:
    """An array the caller may keep: a recycled one that nobody holds any more, or a new one."""
    key = (tuple(shape), np.dtype(dtype))
    work, fresh = _pools()
    arrays = fresh.get(key)
    if arrays is not None:
        fresh.move_to_end(key)
        for a, count in zip(arrays, _refcounts(arrays)):
            if count == _FREE:               # only the pool refers to it: no caller, no view
                return a
    a = np.empty(shape, dtype=dtype)
    if _REUSE and a.nbytes <= _POOL_BYTES // 8 and (arrays is None or len(arrays) < 4):
        _make_room(work, fresh, a.nbytes)
        fresh.setdefault(key, []).append(a)
    return a
