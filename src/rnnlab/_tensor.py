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


def merge_time(a: np.ndarray, workspace: Workspace | None = None, tag: str = "") -> np.ndarray:
    """``(T, *lead, B, F) -> (*lead, T*B, F)``: time folded into the batch rows.

    A view when the memory allows (no population axis, or member-major storage),
    else a copy, into the workspace's buffer ``tag`` when a workspace is given.
    """
    T, B, F = a.shape[0], a.shape[-2], a.shape[-1]
    lead = a.shape[1:-2]
    if not lead:
        return a.reshape(T * B, F)
    moved = np.moveaxis(a, 0, -3)                               # (*lead, T, B, F)
    if workspace is None or moved.flags.c_contiguous:
        return moved.reshape(*lead, T * B, F)
    out = workspace.array(tag, lead + (T * B, F), a.dtype)      # (*lead, T*B, F)
    out.reshape(lead + (T, B, F))[...] = moved
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


# ----- memory reuse: a workspace that the caller owns (issue 22) -----

class Workspace:
    """Memory that a caller lends to the layers, so that repeated calls reuse it.

    A fresh multi-megabyte array costs one page fault per 4 KiB page the first
    time it is written (thousands per forward + backward at B=32, T=100, H=128).
    A training loop therefore creates one workspace and passes it to every call
    (cuDNN and oneDNN call such a buffer a *workspace*)::

        ws = Workspace()
        for step in range(steps):
            y, cache = stack.forward(params, xs, spec, workspace=ws)
            grads = stack.backward(dy, cache, workspace=ws)

    The caller decides how long results live: what a call returns (outputs,
    caches, ``dxs``) may live in the workspace, and the next call given the same
    workspace overwrites it. Without a workspace every call returns fresh arrays.
    One buffer per tag: a call with another shape replaces it.
    """

    def __init__(self):
        self._arrays: dict = {}
        self._parts: dict = {}

    def array(self, tag: str, shape: tuple, dtype) -> np.ndarray:
        """The buffer named ``tag`` with this shape and dtype (contents undefined)."""
        shape, dtype = tuple(shape), np.dtype(dtype)
        a = self._arrays.get(tag)
        if a is None or a.shape != shape or a.dtype != dtype:
            a = self._arrays[tag] = np.empty(shape, dtype=dtype)
        return a

    def part(self, name: str) -> "Workspace":
        """A workspace of its own for one part of a computation (one layer of a stack)."""
        if name not in self._parts:
            self._parts[name] = Workspace()
        return self._parts[name]

    @property
    def nbytes(self) -> int:
        """Bytes held, parts included."""
        return sum(a.nbytes for a in self._arrays.values()) + sum(p.nbytes for p in self._parts.values())


def empty(workspace: Workspace | None, tag: str, shape: tuple, dtype) -> np.ndarray:
    """An uninitialised array: the workspace's buffer ``tag``, or a fresh array without a workspace."""
    return np.empty(shape, dtype=dtype) if workspace is None else workspace.array(tag, shape, dtype)
