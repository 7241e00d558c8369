"""Wall-clock timing that is fair to compare: best of several repeats.

The minimum over repeats estimates the cost of the code itself; the other
repeats were slowed by whatever else the machine was doing. Timings are never
deterministic, so chapters print them in cells tagged ``nbval-ignore-output``
and assert only on ratios with a wide margin.
"""
from __future__ import annotations

import time

import numpy as np

from .. import _checks, activations


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


# --- what the CPU offers, and the same measurement under several CPU profiles -------------------

COLUMNS = ("f", "df", "df_from_output")
"""The three costs :func:`activation_cost` measures, in this order in every table."""

PROFILES = {
    "SSE": {"OPENBLAS_CORETYPE": "Nehalem", "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"},
    "AVX2": {"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"},
    "AVX-512": {},
}
"""Environment settings that make numpy (and OpenBLAS) on an AVX-512 x86 machine use only the
kernels an older CPU would have: SSE4.2 only, AVX2 (a typical laptop), everything (a server)."""


def kernels(funcs=("tanh", "exp", "maximum"), dtypes=("float32", "float64")) -> dict:
    """Which SIMD target numpy dispatches each ufunc loop to on this CPU, e.g.
    ``{"tanh": {"float32": "X86_V4"}}``; ``"baseline"`` means the build's minimum (for x86-64 wheels,
    SSE4.2: no vectorised transcendental), ``"unknown"`` when numpy cannot say (numpy < 2)."""
    codes = {"float32": "f", "float64": "d"}
    out = {f: {dt: "unknown" for dt in dtypes} for f in funcs}
    try:
        from numpy.lib import introspect
    except ImportError:                                   # pragma: no cover - numpy < 2
        return out
    info = introspect.opt_func_info(func_name="|".join(funcs))
    for f in funcs:
        for sig, d in info.get(f, {}).items():
            for dt in dtypes:
                if set(sig) == {codes[dt]}:
                    cur = d.get("current", "unknown")
                    out[f][dt] = "baseline" if cur.startswith("baseline") else cur
    return out


def activation_table(names, dtypes=("float32", "float64"), n: int = 1_000_000, repeats: int = 7,
                     seed: int = 0) -> np.ndarray:
    """Nanoseconds per element, shape ``(len(dtypes), len(names), 3)`` with the :data:`COLUMNS`
    of :func:`activation_cost`, on ``n`` standard normal pre-activations."""
    n = _checks.positive_int("n", n)
    rng = np.random.default_rng(seed)
    out = np.full((len(dtypes), len(names), len(COLUMNS)), np.nan)    # (dtypes, names, columns)
    for i, dt in enumerate(dtypes):
        z = rng.standard_normal(n).astype(dt)                          # (n,)
        for j, name in enumerate(names):
            c = activation_cost(name, z, repeats)
            out[i, j] = [c[k] for k in COLUMNS]
    return out


_CHILD = """
import json, sys
from rnnlab.instruments import compute_cost as timing
names, dtypes, n, repeats = json.loads(sys.argv[1])
table = timing.activation_table(names, dtypes, n, repeats)
print(json.dumps({"table": table.tolist(), "kernels": timing.kernels()}))
"""


def profile_tables(names, dtypes=("float32", "float64"), n: int = 1_000_000, repeats: int = 7,
                   profiles=None) -> dict:
    """:func:`activation_table` measured in a fresh Python process under each CPU profile
    (environment settings, :data:`PROFILES` by default): ``{profile: {"table", "kernels"}}``.
    numpy reads ``NPY_DISABLE_CPU_FEATURES`` when it is imported, hence the subprocess."""
    import json
    import os
    import subprocess
    import sys

    profiles = PROFILES if profiles is None else profiles
    if not isinstance(profiles, dict) or not profiles:
        raise ValueError(f"profiles must be a non-empty dict of name -> environment settings; got {profiles!r}")
    arg = json.dumps([list(names), list(dtypes), int(n), int(repeats)])
    out = {}
    for pname, env in profiles.items():
        # a fresh process: environment settings take effect before numpy loads (as in the Makefile)
        full = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", **env)
        if "NPY_DISABLE_CPU_FEATURES" not in env:
            full.pop("NPY_DISABLE_CPU_FEATURES", None)
        res = subprocess.run([sys.executable, "-c", _CHILD, arg], env=full, capture_output=True, text=True,
                             check=True)
        got = json.loads(res.stdout.strip().splitlines()[-1])
        out[pname] = {"table": np.array(got["table"]), "kernels": got["kernels"]}
    return out
