"""Wall-clock timing that is fair to compare: best of several repeats.

The minimum over repeats estimates the cost of the code itself; the other
repeats were slowed by whatever else the machine was doing. Timings are never
deterministic, so chapters print them in cells marked ``# NBVAL_IGNORE_OUTPUT``
and assert only on ratios with a wide margin.
"""
from __future__ import annotations

import time

import numpy as np

from . import _checks, activations


def best_time(fn, repeats: int = 5, warmup: int = 1) -> float:
    """Seconds taken by the fastest of ``repeats`` calls of ``fn()``."""
    repeats = _checks.positive_int("repeats", repeats)
    warmup = _checks.positive_int("warmup", warmup, allow_zero=True)
    if not callable(fn):
        raise ValueError(f"fn must be callable; got {type(fn).__name__}")
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def activation_cost(name, z, repeats: int = 7) -> dict:
    """Nanoseconds per element for f(z), f'(z) from z, and f'(z) from y = f(z) (if the
    activation has that shortcut, else NaN)."""
    act = activations.get(name)
    z = np.asarray(z)
    if z.size == 0:
        raise ValueError(f"z must hold at least one element; got shape {z.shape}")
    y = act.f(z)
    per = 1e9 / z.size
    out = {"f": best_time(lambda: act.f(z), repeats) * per,
           "df": best_time(lambda: act.df(z), repeats) * per,
           "df_from_output": float("nan")}
    if act.df_out is not None:
        out["df_from_output"] = best_time(lambda: act.df_out(y), repeats) * per
    return out


def best_times(fns: dict, repeats: int = 5, warmup: int = 1) -> dict:
    """Best-of-``repeats`` seconds for each callable in ``fns``, timed *interleaved*
    (one call of each per round), so that a slow spell of the machine hits every
    variant alike instead of biasing the one that happened to run during it."""
    repeats = _checks.positive_int("repeats", repeats)
    warmup = _checks.positive_int("warmup", warmup, allow_zero=True)
    if not fns or not all(callable(f) for f in fns.values()):
        raise ValueError(f"fns must be a non-empty dict of callables; got {fns!r}")
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    best = {k: float("inf") for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t0)
    return best
