"""The stored grids behind the chapters: one module per grid.

Each module ``rnnlab.grids.<name>`` defines

* ``cells(tiny: bool = False) -> list[dict]``: the cells of the full grid, or of
  a seconds-long version for tests and smoke runs;
* ``run_cell(cell: dict) -> dict[str, np.ndarray]``: one cell, a pure function
  of the cell (its seeds included);
* ``SETTINGS``: a dict of everything else the grid fixes (recorded as provenance).
* optionally ``MEASURED``: names of arrays that are measured times, which
  ``--verify`` (a bit-for-bit re-run of stored cells) leaves out.

A *single result* (one array file, not a grid of cells) defines instead

* ``SETTINGS``: everything it fixes, and ``TINY``: overrides for a seconds-long version;
* ``run(settings: dict) -> (arrays, meta)``: a pure function of the settings,
  stored with :func:`rnnlab.store.save` (``meta`` holds extra JSON fields).

``relu0_training`` (chapter 2) and ``compute_cost_profiles`` (chapter 7) are
single results; the others are grids.

Run one from the repository root with::

    python -m rnnlab.grids <name> --out results/<name> [--jobs 2] [--scheduler tcp://host:8786]

Without ``--out`` it writes to a scratch folder (``_scratch/<name>``); it never
replaces a stored grid unless given ``--overwrite``, and an interrupted run
resumes where it stopped. See :mod:`rnnlab.sweep`.
"""
from __future__ import annotations

import importlib
import pkgutil


def available() -> list:
    """Names of the grid modules in this package."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def is_single(mod) -> bool:
    """True when ``mod`` is a single result (``run(settings)``) rather than a grid of cells."""
    return callable(getattr(mod, "run", None)) and isinstance(getattr(mod, "SETTINGS", None), dict)


def get(name: str):
    """The grid (or single-result) module called ``name``."""
    if name not in available():
        raise ValueError(f"name must be one of {available()}; got {name!r}")
    mod = importlib.import_module(f"{__name__}.{name}")
    if is_single(mod):
        return mod
    for attr in ("cells", "run_cell"):
        if not callable(getattr(mod, attr, None)):
            raise TypeError(f"grid module {name} must define a callable {attr}() (or SETTINGS and run())")
    return mod
