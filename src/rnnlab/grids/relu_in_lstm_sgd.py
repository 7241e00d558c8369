"""The SGD arm of the grid :mod:`rnnlab.grids.relu_in_lstm`, run on its own.

Same cells, same ``run_cell``. The only difference: while a cell trains,
:func:`rnnlab.optim.global_norm` is replaced by a version that returns inf or
NaN for a gradient that overflowed instead of raising. ``rnnlab.train`` needs
that norm to apply the book's divergence rule (a non-finite gradient norm is
divergence); the strict check added to ``optim.global_norm`` makes the loop
raise instead, which unclipped SGD at learning rate 1 triggers. Nothing else
changes: a finite gradient gives the same norm, bit for bit.

Run with ``python -m rnnlab.grids relu_in_lstm_sgd --out results/relu_in_lstm_v2_sgd``.
"""
from __future__ import annotations

import numpy as np

from .. import optim
from . import relu_in_lstm as main

SETTINGS = dict(main.SETTINGS, of="relu_in_lstm", part="sgd")


def cells(tiny: bool = False) -> list:
    """The SGD cells of the main grid."""
    return [c for c in main.cells(tiny) if c["optimizer"] == "sgd"]


def _global_norm(grads: dict, n_lead: int = 0):
    """optim.global_norm without the finiteness check: an overflowed gradient has norm inf or NaN."""
    total = 0.0
    with np.errstate(all="ignore"):
        for g in grads.values():
            total = total + np.sum(g * g, axis=tuple(range(n_lead, g.ndim)))
        return np.sqrt(total)


def run_cell(cell: dict) -> dict:
    """:func:`rnnlab.grids.relu_in_lstm.run_cell`, with a gradient norm that may overflow."""
    strict = optim.global_norm
    optim.global_norm = _global_norm
    try:
        return main.run_cell(cell)
    finally:
        optim.global_norm = strict
