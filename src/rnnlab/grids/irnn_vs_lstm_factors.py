"""Two more arms for the chapter "IRNN versus LSTM": the activation and the
initialisation of the Adam-trained ReLU RNN, changed one at a time.

The main grid (:mod:`rnnlab.grids.irnn_vs_lstm`) trains "ReLU + identity" and
"tanh + orthogonal" under the Adam recipe. These two arms complete the 2 x 2:

* "tanh + identity, Adam": the identity recurrent matrix with tanh units;
* "ReLU + orthogonal, Adam": ReLU units with an orthogonal recurrent matrix.

Everything else (task, horizons, budget, seeds, data streams, test set, success
threshold, divergence rule) is the main grid's: each cell runs
:func:`rnnlab.grids.irnn_vs_lstm.run_cell` with these arms added to its table.

Run with ``python -m rnnlab.grids irnn_vs_lstm_factors --out results/irnn_vs_lstm_factors``.
"""
from __future__ import annotations

import contextlib

from . import irnn_vs_lstm as base

ARMS = {
    "tanh + identity, Adam": (dict(cell="rnn", act="tanh", W_h_init="identity"), "adam"),
    "ReLU + orthogonal, Adam": (dict(cell="rnn", act="relu", W_h_init="orthogonal"), "adam"),
}
"""Arm name -> (the ModelSpec fields it sets, its training recipe), as in the main grid."""
SETTINGS = dict(base.SETTINGS, arms={k: [v[0], v[1]] for k, v in ARMS.items()}, extends="irnn_vs_lstm")


@contextlib.contextmanager
def arms_added():
    """The main grid's arm table with these two arms added (restored on exit)."""
    added = [k for k in ARMS if k not in base.ARMS]
    base.ARMS.update({k: ARMS[k] for k in added})
    try:
        yield
    finally:
        for k in added:
            base.ARMS.pop(k, None)


def cells(tiny: bool = False) -> list:
    """One cell per (arm, horizon), with the main grid's settings."""
    s = base.TINY if tiny else base.SETTINGS
    with arms_added():
        return [c for c in base.cells(tiny) if c["arm"] in ARMS and c["T"] in s["horizons"]]


def run_cell(cell: dict) -> dict:
    """One (arm, T) population, exactly as :func:`rnnlab.grids.irnn_vs_lstm.run_cell` trains it."""
    with arms_added():
        return base.run_cell(cell)
