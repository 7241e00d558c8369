"""The SGD arm of the grid :mod:`rnnlab.grids.relu_in_lstm`, run on its own.

Same cells, same ``run_cell``. It is stored in a folder of its own because it
was run separately: at the time, a gradient that overflowed made
``optim.global_norm`` raise instead of counting as divergence, so this arm ran
with a swapped-in norm. That bug is fixed; the norm of a finite gradient was
the same bit for bit either way.

Run with ``python -m rnnlab.grids relu_in_lstm_sgd --out results/relu_in_lstm_v2_sgd``.
"""
from __future__ import annotations

from . import relu_in_lstm as main

SETTINGS = dict(main.SETTINGS, of="relu_in_lstm", part="sgd")


def cells(tiny: bool = False) -> list:
    """The SGD cells of the main grid."""
    return [c for c in main.cells(tiny) if c["optimizer"] == "sgd"]


run_cell = main.run_cell
