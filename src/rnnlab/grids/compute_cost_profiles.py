"""Chapter 7's stored timings: the activations timed under the SSE, AVX2 and AVX-512 CPU profiles.

A single result (not a grid of cells): ``python -m rnnlab.grids compute_cost_profiles
--out results/compute_cost_profiles``. It stores ``ns`` (profiles, dtypes, names, columns):
nanoseconds per element, best of ``repeats``, measured by
:func:`rnnlab.instruments.compute_cost.profile_tables` in a fresh process per profile.
"""
from __future__ import annotations

import numpy as np

from ..instruments import compute_cost

SETTINGS = {"names": ["sigmoid", "tanh", "relu", "leaky_relu"], "dtypes": ["float32", "float64"],
            "columns": list(compute_cost.COLUMNS), "n": 1_000_000, "repeats": 15,
            "profiles": dict(compute_cost.PROFILES), "unit": "ns per element, best of repeats"}
"""Everything the measurement fixes (recorded as provenance)."""

TINY = {"n": 10_000, "repeats": 1}
"""Overrides of :data:`SETTINGS` for the seconds-long version (``--tiny``)."""


def run(settings: dict) -> tuple[dict, dict]:
    """Time the activations under each profile of ``settings``: ``(arrays, meta)`` for :func:`rnnlab.store.save`."""
    got = compute_cost.profile_tables(settings["names"], settings["dtypes"], settings["n"], settings["repeats"],
                                      settings["profiles"])
    meta = {"profiles": list(got), "kernels": {p: g["kernels"] for p, g in got.items()}}
    return {"ns": np.stack([got[p]["table"] for p in got])}, meta       # (profiles, dtypes, names, columns)
