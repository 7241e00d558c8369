"""Small shape helpers shared by the recurrent layers.

Layout convention (the one place it is stated): a sequence is ``(T, B, D)`` --
time first, then batch, then features. A *population* of S independent models
adds a model axis after time: params ``(S, D, 4H)``, states ``(S, B, H)``,
sequences ``(T, S, B, D)``. A sequence without the model axis, ``(T, B, D)``,
is shared by every model of the population. ``np.matmul`` broadcasts over the
leading axes, so the same code serves S = 1 and S = 64.
"""
from __future__ import annotations

import numpy as np


def merge_time(a: np.ndarray) -> np.ndarray:
    """``(T, *lead, B, F) -> (*lead, T*B, F)``: time folded into the batch rows."""
    T, B, F = a.shape[0], a.shape[-2], a.shape[-1]
    lead = a.shape[1:-2]
    if not lead:
        return a.reshape(T * B, F)
    return np.moveaxis(a, 0, -3).reshape(*lead, T * B, F)


def sum_over_time(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sum_t a_t^T b_t`` as one matmul: ``(T,*L,B,P), (T,*L,B,Q) -> (*L,P,Q)``."""
    return np.swapaxes(merge_time(a), -1, -2) @ merge_time(b)


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
