"""The grid runner behind the chapter "ReLU inside the LSTM".

One LSTM has two tanh's: the candidate g and the output squash h(c),

    c_t = f_t * c_{t-1} + i_t * g(z_g),     h_t = o_t * squash(c_t).

This module trains every *variant* (g, squash, forget gate, forget bias) under
every *condition* (horizon T, Adam learning rate, clipping) on the adding
problem, several seeds per cell, and reports per variant and condition

* the success rate: final MSE < ``success_frac`` x baseline (baseline = 1/6),
* the divergence rate (``rnnlab.train``: inf/NaN, or loss > diverge_factor x baseline),
* the median final MSE, and max |c|, max |h| seen during training.

Run the stored full grid from the repository root with::

    python -m rnnlab.experiments relu_in_lstm [--tiny] [--out PATH] [--jobs N]

which writes ``PATH.json`` (summary, per-model results and provenance: command,
parameters, git revision, date, runtime) and ``PATH.npz`` (loss curves and the
trained weights, so that a chapter can probe the trained cells without retraining).

Every train call shares one minibatch stream (``rng = default_rng(data_seed)``)
across variants and conditions of the same horizon: common random numbers, so
that the variants differ only by their architecture. Model k of a population
is exactly the lone model with seed ``seeds[k]``, so a smaller grid with the
same settings reproduces a slice of the stored one.
"""
from __future__ import annotations

import argparse
import ctypes
import glob
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import _checks, lstm, stack, tasks, train

VARIANTS = {
    "tanh/tanh": {},                                        # the standard LSTM (forget bias 1)
    "tanh/relu": {"squash": "relu"},                        # h = o * relu(c)
    "relu/relu": {"cand": "relu", "squash": "relu"},        # Keras activation='relu'
    "tanh/identity": {"squash": "identity"},                # NOAF, Greff et al. 2017
    "no forget gate": {"forget_gate": False},               # Hochreiter & Schmidhuber 1997 cell
    "forget bias 0": {"forget_bias": 0.0},                  # standard cell, forget bias 0 instead of 1
}
"""Variant name -> the ModelSpec fields it changes from the standard LSTM."""

CLIPS = ("none", "norm")


@dataclass(frozen=True)
class GridConfig:
    """A grid: variants x horizons x clipping x (learning rates x seeds per population)."""

    variants: tuple = tuple(VARIANTS)
    horizons: tuple = (20, 80)
    lrs: tuple = (1e-3, 1e-2)
    clips: tuple = CLIPS
    seeds: tuple = (0, 1, 2, 3, 4)
    steps: int = 1000
    batch_size: int = 32
    hidden_size: int = 16
    clip_threshold: float = 1.0
    diverge_factor: float = 100.0
    success_frac: float = 0.1       # success: final MSE < success_frac * baseline
    final_window: int = 50          # final MSE = median training loss of the last window steps
    data_seed: int = 1234

    def __post_init__(self):
        for v in self.variants:
            _checks.choice("variants", v, VARIANTS)
        for c in self.clips:
            _checks.choice("clips", c, CLIPS)
        for name in ("variants", "horizons", "lrs", "clips", "seeds"):
            if len(getattr(self, name)) == 0:
                raise ValueError(f"{name} must be non-empty; got {getattr(self, name)!r}")
        for T in self.horizons:
            if _checks.positive_int("horizons", T) < 2:
                raise ValueError(f"horizons must be at least 2; got {T!r}")
        for lr in self.lrs:
            _checks.finite_float("lrs", lr, positive=True)
        for name in ("steps", "batch_size", "hidden_size", "final_window", "data_seed"):
            _checks.positive_int(name, getattr(self, name), allow_zero=name == "data_seed")
        if not 0 < _checks.finite_float("success_frac", self.success_frac) <= 1:
            raise ValueError(f"success_frac must lie in (0, 1]; got {self.success_frac!r}")

    @property
    def threshold(self) -> float:
        """The success threshold on the final MSE: success_frac / 6."""
        return self.success_frac * tasks.AddingTask(2).baseline

    def cells(self):
        """Every (variant, T, clip) train call, short horizons first."""
        return [(v, T, c) for T in self.horizons for c in self.clips for v in self.variants]


FULL = GridConfig()
"""The stored grid (``results/relu_in_lstm``)."""
TINY = GridConfig(variants=("tanh/tanh", "relu/relu"), horizons=(5,), lrs=(1e-2,), clips=("none",),
                  seeds=(0, 1), steps=6, hidden_size=4, final_window=3)
"""A seconds-long grid for the tests."""


def single_thread_blas() -> bool:
    """Ask numpy's bundled OpenBLAS for one thread; return whether it worked.

    The layers multiply many tiny matrices; on a loaded 2-core machine a
    multi-threaded BLAS spends far more time waking threads than computing.
    """
    pattern = os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "*openblas*")
    for path in glob.glob(pattern):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads"):
            if hasattr(lib, name):
                getattr(lib, name)(1)
                return True
    return False


def spec_for(variant: str, hidden_size: int = 16, dtype: str = "float32") -> stack.ModelSpec:
    """The ModelSpec of a named variant, for the adding problem (2 inputs, 1 output)."""
    _checks.choice("variant", variant, VARIANTS)
    return stack.ModelSpec(cell="lstm", input_size=2, hidden_size=hidden_size, output_size=1, dtype=dtype,
                           **VARIANTS[variant])


def run_cell(variant: str, T: int, clip: str, grid: GridConfig) -> dict:
    """Train one population: every (lr, seed) pair of ``grid`` for one variant, horizon and clip.

    Population order is lr-major: model k has lr ``lrs[k // n_seeds]`` and seed
    ``seeds[k % n_seeds]``. Returns a dict of per-model arrays (S = n_lrs n_seeds):
    ``loss`` (steps, S) with NaN after divergence, ``diverged_at`` (S,) with -1 for
    none, ``final`` (S,), ``max_c``/``max_h`` (S,), and the trained ``params``.
    """
    _checks.choice("variant", variant, VARIANTS)
    _checks.choice("clip", clip, CLIPS)
    T = _checks.positive_int("T", T)
    spec = spec_for(variant, grid.hidden_size)
    lr_of = np.repeat(np.asarray(grid.lrs, dtype=float), len(grid.seeds))        # (S,)
    seed_of = np.tile(np.asarray(grid.seeds), len(grid.lrs))                      # (S,)
    params = stack.init_population(spec, [int(s) for s in seed_of])
    cfg = train.TrainConfig(steps=grid.steps, batch_size=grid.batch_size, lr=tuple(lr_of), optimizer="adam",
                            clip=None if clip == "none" else clip, clip_threshold=grid.clip_threshold,
                            diverge_factor=grid.diverge_factor)
    task = tasks.AddingTask(T)
    params, hist = train.train(params, spec, task, cfg, np.random.default_rng(grid.data_seed))
    S = len(lr_of)
    loss = np.full((grid.steps, S), np.nan, dtype=np.float32)                     # (steps, S)
    loss[:hist.steps_run] = hist.loss
    diverged_at = np.array([-1 if d is None else d for d in hist.diverged_at])    # (S,)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # all-NaN columns: models dead at step 0
        final = final_mse(loss, diverged_at, grid.final_window)                   # (S,)
        max_c = np.nanmax(np.where(np.isfinite(hist.max_c), hist.max_c, np.nan), axis=0) if hist.steps_run else np.full(S, np.nan)
        max_h = np.nanmax(np.where(np.isfinite(hist.max_h), hist.max_h, np.nan), axis=0) if hist.steps_run else np.full(S, np.nan)
    return {"variant": variant, "T": T, "clip": clip, "lr": lr_of, "seed": seed_of, "loss": loss,
            "diverged_at": diverged_at, "final": final, "max_c": max_c, "max_h": max_h, "params": params}


def final_mse(loss, diverged_at, window: int, at: int | None = None) -> np.ndarray:
    """Final MSE of each model: the median training loss over steps [at - window, at).

    ``loss`` is (steps, S); ``at`` defaults to all steps. A model that diverged
    before ``at`` gets NaN. Truncating at ``at`` gives the result of a shorter run
    with the same settings, since training is step by step.
    """
    loss = np.asarray(loss, dtype=float)
    if loss.ndim != 2:
        raise ValueError(f"loss must have shape (steps, S); got {loss.shape}")
    at = loss.shape[0] if at is None else _checks.positive_int("at", at)
    window = _checks.positive_int("window", window)
    if at > loss.shape[0] or window > at:
        raise ValueError(f"at must lie in [window, steps] = [{window}, {loss.shape[0]}]; got {at}")
    d = np.asarray(diverged_at)
    dead = (d >= 0) & (d < at)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # all-NaN columns: the dead models
        med = np.nanmedian(np.where(dead, np.nan, loss[at - window:at]), axis=0)     # (S,)
    return np.where(dead, np.nan, med)


def summarize(final, diverged_at, threshold: float, at: int | None = None) -> dict:
    """Success rate (final < threshold), divergence rate, and the median and range of the final MSE.

    A diverged model counts as a failure; the median is over the models that did not diverge.
    """
    final = np.asarray(final, dtype=float)
    d = np.asarray(diverged_at)
    dead = (d >= 0) if at is None else ((d >= 0) & (d < at))
    ok = ~dead & np.isfinite(final)
    n = final.size
    if n == 0:
        raise ValueError("final must hold at least one model; got an empty array")
    return {"n": int(n),
            "success": float(np.mean(ok & (np.where(ok, final, np.inf) < threshold))),
            "diverged": float(np.mean(dead)),
            "median_final": float(np.median(final[ok])) if ok.any() else float("nan"),
            "min_final": float(np.min(final[ok])) if ok.any() else float("nan"),
            "max_final": float(np.max(final[ok])) if ok.any() else float("nan")}


def drift(params: dict, spec: stack.ModelSpec, T: int, n_segments: int, batch: int, rng) -> dict:
    """Run a long continuing stream through a trained (population of) one-layer cell(s).

    The stream is ``n_segments`` adding-problem sequences of length ``T`` laid
    end to end, with no reset of (h, c) in between: L = n_segments T steps.
    Returns per-step maxima over batch and units, each (L,) or (L, S):
    ``c`` = max |c_t|, ``h`` = max |h_t|, ``y`` = max |readout of h_t|.
    Overflow in an exploding cell is expected and shows up as inf/NaN.
    """
    _checks.rng("rng", rng)
    T, K, B = (_checks.positive_int(n, v) for n, v in (("T", T), ("n_segments", n_segments), ("batch", batch)))
    if spec.cell != "lstm" or spec.layers != 1:
        raise ValueError(f"spec must be a one-layer lstm; got cell={spec.cell!r}, layers={spec.layers}")
    xs, _ = tasks.AddingTask(max(T, 2)).sample(rng, K * B)                     # (T, K B, 2)
    xs = xs.reshape(xs.shape[0], K, B, 2).transpose(1, 0, 2, 3).reshape(-1, B, 2)  # (K T, B, 2)
    layer = {k: params[f"l0.{k}"] for k in lstm.KEYS}
    with np.errstate(all="ignore"):
        hs, cache = lstm.forward(layer, xs.astype(spec.dtype), None, **spec.cell_options)  # (L, *lead, B, H)
        ys = hs @ params["out.W"] + params["out.b"][..., None, :]             # (L, *lead, B, 1)
        red = lambda a: np.abs(a).max(axis=(-2, -1))                           # (L, *lead)
        return {"c": red(cache.cs[1:]), "h": red(hs), "y": red(ys)}


def git_state() -> tuple:
    """(HEAD revision, whether tracked files differ from it), or ("unknown", None) outside a git checkout."""
    root = Path(__file__).resolve().parents[2]
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                    capture_output=True, text=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        rev, dirty = "unknown", None
    return rev, dirty


def provenance(argv, grid: GridConfig, runtime_s: float, complete: bool, git=None) -> dict:
    """Command, parameters, git revision (taken when the run started, if given), date, runtime and versions."""
    rev, dirty = git_state() if git is None else git
    return {"command": "python -m rnnlab.experiments " + " ".join(argv), "parameters": asdict(grid),
            "git_revision": rev, "git_dirty": dirty, "date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "runtime_s": round(runtime_s, 1), "complete": complete, "numpy": np.__version__,
            "python": platform.python_version(), "machine": f"{platform.machine()}, {os.cpu_count()} cores"}


def _finite_or_none(x):
    return None if not np.isfinite(x) else float(x)


def save(cells: list, grid: GridConfig, prov: dict, out) -> Path:
    """Write ``out.json`` (provenance, per-cell summaries, per-model rows) and ``out.npz``."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows, summaries, arrays = [], [], {}
    for i, c in enumerate(cells):
        for j, lr in enumerate(grid.lrs):
            sl = slice(j * len(grid.seeds), (j + 1) * len(grid.seeds))
            s = summarize(c["final"][sl], c["diverged_at"][sl], grid.threshold)
            s.update(variant=c["variant"], T=c["T"], clip=c["clip"], lr=float(lr),
                     max_c=_finite_or_none(np.nanmax(c["max_c"][sl])) if np.isfinite(c["max_c"][sl]).any() else None,
                     max_h=_finite_or_none(np.nanmax(c["max_h"][sl])) if np.isfinite(c["max_h"][sl]).any() else None)
            summaries.append(s)
        for k in range(len(c["lr"])):
            rows.append({"cell": i, "variant": c["variant"], "T": c["T"], "clip": c["clip"], "lr": float(c["lr"][k]),
                         "seed": int(c["seed"][k]), "final": _finite_or_none(c["final"][k]),
                         "diverged_at": None if c["diverged_at"][k] < 0 else int(c["diverged_at"][k]),
                         "max_c": _finite_or_none(c["max_c"][k]), "max_h": _finite_or_none(c["max_h"][k])})
        arrays[f"loss_{i}"] = c["loss"]
        for key, v in c["params"].items():
            arrays[f"params_{i}_{key}"] = v
    doc = {"provenance": prov, "threshold": grid.threshold, "baseline": 1.0 / 6.0,
           "cells": [{"index": i, "variant": c["variant"], "T": c["T"], "clip": c["clip"]} for i, c in enumerate(cells)],
           "summary": summaries, "models": rows}
    out.with_suffix(".json").write_text(json.dumps(doc, indent=1) + "\n")
    np.savez_compressed(out.with_suffix(".npz"), **arrays)
    return out.with_suffix(".json")


def load(path) -> tuple[dict, dict]:
    """Read ``path.json`` and ``path.npz`` back: ``(doc, arrays)``."""
    path = Path(path)
    if not path.with_suffix(".json").exists():
        raise ValueError(f"path must name a stored grid (a .json beside a .npz); got {str(path)!r}")
    doc = json.loads(path.with_suffix(".json").read_text())
    with np.load(path.with_suffix(".npz")) as z:
        arrays = {k: z[k] for k in z.files}
    return doc, arrays


def cell_params(arrays: dict, index: int) -> dict:
    """The trained population of stored cell ``index``, as a params dict."""
    prefix = f"params_{index}_"
    out = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
    if not out:
        raise ValueError(f"index must name a stored cell; got {index!r}")
    return out


def _run_one(args):
    single_thread_blas()
    return run_cell(*args)


def run_grid(grid: GridConfig, out, argv=(), jobs: int = 1, log=print) -> Path:
    """Train every cell of ``grid``, saving after each one (so a cut-short run keeps what it did)."""
    jobs = _checks.positive_int("jobs", jobs)
    start, done, git = time.perf_counter(), [], git_state()
    todo = [(v, T, c, grid) for v, T, c in grid.cells()]
    if jobs == 1:
        single_thread_blas()
        results = (run_cell(*a) for a in todo)
    else:
        import multiprocessing as mp
        pool = mp.get_context("spawn").Pool(jobs)
        results = pool.imap(_run_one, todo)
    path = None
    for r in results:
        done.append(r)
        complete = len(done) == len(todo)
        path = save(done, grid, provenance(list(argv), grid, time.perf_counter() - start, complete, git), out)
        log(f"[{len(done)}/{len(todo)}] {r['variant']:>14s} T={r['T']:<4d} clip={r['clip']:<4s} "
            f"{time.perf_counter() - start:7.1f} s", flush=True)
    if jobs > 1:
        pool.close()
        pool.join()
    return path


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    ap = argparse.ArgumentParser(prog="python -m rnnlab.experiments", description=__doc__.split("\n\n")[0])
    ap.add_argument("experiment", choices=["relu_in_lstm"])
    ap.add_argument("--tiny", action="store_true", help="a seconds-long grid, for tests")
    ap.add_argument("--out", default=None, help="output path without suffix (default results/relu_in_lstm)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes")
    a = ap.parse_args(argv)
    grid = TINY if a.tiny else FULL
    out = a.out or str(Path(__file__).resolve().parents[2] / "results" / "relu_in_lstm")
    path = run_grid(grid, Path(out), argv, a.jobs)
    print(f"wrote {path} and {Path(path).with_suffix('.npz')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
