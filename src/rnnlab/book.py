"""Glue for the book build that also works where the book builder is absent.

Chapters put computed numbers into their prose with myst-nb's ``glue``. On
Colab, or in a plain Python session, myst-nb is not installed: there
:func:`glue` does nothing, so a chapter runs anywhere.
"""
from __future__ import annotations

try:                                   # pragma: no cover - depends on the environment
    from myst_nb import glue as _myst_glue
except ImportError:                    # no book builder here: glue is a no-op
    _myst_glue = None


def glue(name: str, value, display: bool = False):
    """``myst_nb.glue(name, value, display=display)`` when myst-nb is installed, else nothing."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string; got {name!r}")
    if _myst_glue is not None:
        _myst_glue(name, value, display=display)
