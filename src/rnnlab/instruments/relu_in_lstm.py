"""Reading the grid behind the chapter "ReLU inside the LSTM", and probing its trained cells.

The grid itself (what is trained, and how) is :mod:`rnnlab.grids.relu_in_lstm`;
this module only analyses what it stored, so that changing an analysis never
makes the stored grid stale.

* :func:`outcomes` counts, per (variant, T, optimiser, clip, learning rate),
  the runs that succeeded, spiked (loss > 100 x baseline at some step),
  diverged by the book's rule (inf/NaN or loss > 1e4 x baseline), and
  recovered from a spike; and the successes that would remain had every run
  been *stopped* at its first spike (the old 100 x baseline stopping rule).
* :func:`final_mse` re-reads a run's outcome at an earlier step from its loss
  curve (training is step by step, so this is the outcome of a shorter run).
* :func:`adam_step_ratio` follows the size of Adam's step through a spike.
* :func:`drift` runs trained cells on a long stream without resets.
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from .. import _checks, lstm, stack, store, sweep, tasks

KEYS = ("variant", "T", "optimizer", "clip")


def load_grid(dirs, cells) -> tuple[list, dict]:
    """Load the stored ``cells`` (a grid's ``cells()`` list) from the first of ``dirs`` that holds each one.

    Returns ``(results, info)``: ``results`` as :func:`rnnlab.sweep.load_cells` gives them, in the
    order of ``cells``; ``info`` has ``stale`` (modules changed since any cell was made), ``first``
    and ``last`` (dates the cells were made), ``commands`` and ``cpu_s`` (CPU time of the cells).
    Raises ``FileNotFoundError`` naming the first cell that is stored nowhere.
    """
    if isinstance(dirs, (str, os.PathLike)):
        dirs = [dirs]
    if not isinstance(dirs, (list, tuple)) or not dirs or not all(isinstance(d, (str, os.PathLike)) for d in dirs):
        raise _checks.ArgTypeError(f"dirs must be a folder or a list of folders; got {dirs!r}")
    if not isinstance(cells, (list, tuple)) or not cells:
        raise ValueError(f"cells must be a non-empty list of cell dicts; got {cells!r}")
    results, stale, dates, commands, cpu = [], set(), [], set(), 0.0
    for cell in cells:
        key = sweep.cell_key(cell)
        where = next((s for d in dirs if (s := sweep.find_cell(d, cell)) is not None), None)
        if where is None:
            raise FileNotFoundError(f"cell {key} is stored in none of {[str(d) for d in dirs]}; run its grid first")
        arrays, meta = store.load(where)
        results.append({"cell": meta["cell"], "arrays": arrays, "meta": meta})
        prov = meta.get("provenance", {})
        stale |= set(meta["stale"])
        dates.append(prov.get("date", ""))
        commands.add(prov.get("command", ""))
        cpu += prov.get("runtime_s") or 0.0
    info = {"stale": sorted(stale), "first": min(dates), "last": max(dates), "commands": sorted(commands),
            "cpu_s": round(cpu, 1)}
    return results, info


def outcomes(results) -> dict:
    """Counts per square ``(variant, T, optimizer, clip, lr)`` of a loaded grid (:func:`rnnlab.sweep.load_cells`).

    Each value is a dict of integers: ``n`` runs, ``success`` (final MSE below the
    threshold, never diverged), ``stopped_success`` (success without ever spiking:
    what a rule that stops a run at its first spike would have kept), ``spiked``,
    ``diverged``, ``exploded`` (spiked or diverged), ``recovered`` (spiked, did not
    diverge, final loss below the baseline) and ``spiked_success`` (spiked, then
    succeeded anyway).
    """
    if not isinstance(results, (list, tuple)) or not all(isinstance(r, dict) for r in results):
        raise _checks.ArgTypeError(f"results must be a list of stored cells (load_cells); got {_checks._what(results)}")
    if not results:
        raise ValueError("results must be a non-empty list of stored cells; got []")
    out = {}
    for r in results:
        cell, a = r["cell"], r["arrays"]
        for lr in np.unique(a["lr"]):
            m = a["lr"] == lr
            succ, spk = a["success"][m].astype(bool), a["spike_at"][m] >= 0
            key = tuple(cell[k] for k in KEYS) + (float(lr),)
            div = a["diverged_at"][m] >= 0
            out[key] = {"n": int(m.sum()), "success": int(succ.sum()), "stopped_success": int((succ & ~spk).sum()),
                        "spiked": int(spk.sum()), "diverged": int(div.sum()), "exploded": int((spk | div).sum()),
                        "recovered": int(a["recovered"][m].sum()), "spiked_success": int((succ & spk).sum())}
    return out


def pool(table: dict, field: str, **match) -> tuple[int, int]:
    """``(k, n)``: the sum of ``field`` and of ``n`` over the squares whose key matches every ``match`` item.

    Keys are (variant, T, optimizer, clip, lr); ``match`` may fix any of them, e.g.
    ``pool(t, "success", variant="relu/relu", T=80, optimizer="adam")``.
    """
    names = KEYS + ("lr",)
    if not isinstance(table, dict) or not isinstance(field, str):
        raise _checks.ArgTypeError(f"table must be the dict outcomes() returns and field a name; got "
                                   f"{type(table).__name__} and {field!r}")
    for k in match:
        _checks.choice("match", k, names)
    rows = [v for key, v in table.items() if all(key[names.index(k)] == val for k, val in match.items())]
    if not rows:
        raise ValueError(f"match must select at least one square; got {match!r}")
    if field not in rows[0]:
        raise ValueError(f"field must be one of {sorted(rows[0])}; got {field!r}")
    return sum(r[field] for r in rows), sum(r["n"] for r in rows)


def final_mse(loss, window: int, at: int | None = None) -> np.ndarray:
    """Median training loss of each run over steps [at - window, at); NaN if the run had diverged by then.

    ``loss`` is (steps, S) with NaN from the step a run diverged; ``at`` defaults to all steps.
    """
    loss = _checks.array("loss", loss, min_ndim=2, max_ndim=2)                     # (steps, S)
    window = _checks.positive_int("window", window)
    at = loss.shape[0] if at is None else _checks.positive_int("at", at)
    if not window <= at <= loss.shape[0]:
        raise ValueError(f"at must lie in [window, steps] = [{window}, {loss.shape[0]}]; got {at}")
    dead = np.isnan(loss[:at]).any(axis=0)                                       # (S,)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)                          # all-NaN columns
        med = np.nanmedian(loss[at - window:at], axis=0)                          # (S,)
    return np.where(dead, np.nan, med)


def adam_step_ratio(grad_norm, b1: float = 0.9, b2: float = 0.999) -> np.ndarray:
    """Adam's step size relative to a steady state, for a gradient of fixed direction and norm ``grad_norm[t]``.

    With g_t = n_t u (u a fixed unit direction), Adam's update is
    lr * m_hat_t / sqrt(v_hat_t) per coordinate, with m and v the b1 and b2
    moving averages of n_t and n_t^2. The ratio m_hat / sqrt(v_hat) is 1 while
    n_t is constant; after one huge n_t it stays far below 1 for about
    1 / (1 - b2) steps, because v remembers the spike. ``grad_norm`` is
    (steps,) or (steps, S); NaN entries (a stopped run) stay NaN.
    """
    g = _checks.array("grad_norm", grad_norm, min_ndim=1, max_ndim=2)             # (steps,) or (steps, S)
    for name, b in (("b1", b1), ("b2", b2)):
        if not 0 <= _checks.finite_float(name, b) < 1:
            raise ValueError(f"{name} must lie in [0, 1); got {b!r}")
    m = np.zeros(g.shape[1:])
    v = np.zeros(g.shape[1:])
    out = np.full(g.shape, np.nan)
    with np.errstate(all="ignore"):
        for t in range(g.shape[0]):
            m = b1 * m + (1 - b1) * g[t]
            v = b2 * v + (1 - b2) * g[t] ** 2
            out[t] = (m / (1 - b1 ** (t + 1))) / np.sqrt(v / (1 - b2 ** (t + 1)))
    return out


def drift(params: dict, spec: stack.ModelSpec, T: int, n_segments: int, batch: int, rng) -> dict:
    """Run a long continuing stream through a trained (population of) one-layer cell(s).

    The stream is ``n_segments`` adding-problem sequences of length ``T`` laid
    end to end, with no reset of (h, c) in between: L = n_segments T steps.
    Returns per-step maxima over batch and units, each (L,) or (L, S):
    ``c`` = max |c_t|, ``h`` = max |h_t|, ``y`` = max |readout of h_t|.
    Overflow in an exploding cell is expected and shows up as inf/NaN.
    """
    _checks.rng("rng", rng)
    _checks.instance("spec", spec, stack.ModelSpec)
    T, K, B = (_checks.positive_int(n, v) for n, v in (("T", T), ("n_segments", n_segments), ("batch", batch)))
    _checks.positive_int("n_segments x batch", K * B, maximum=_checks.BOUNDS["batch"])
    _checks.fits("the stream (n_segments T, batch, 2)", (K * T, B, 2))
    if spec.cell != "lstm" or spec.layers != 1:
        raise ValueError(f"spec must be a one-layer lstm; got cell={spec.cell!r}, layers={spec.layers}")
    _checks.param_dict("params", params, [f"l0.{k}" for k in lstm.KEYS] + ["out.W", "out.b"])
    lead = params["l0.b"].shape[:-1]
    O = spec.output_size
    if params["out.W"].shape != lead + (spec.hidden_size, O) or params["out.b"].shape != lead + (O,):
        raise ValueError(f"params['out.W'] and params['out.b'] must have shapes {lead + (spec.hidden_size, O)} and "
                         f"{lead + (O,)}; got {params['out.W'].shape} and {params['out.b'].shape}")
    xs, _ = tasks.AddingTask(max(T, 2)).sample(rng, K * B)                     # (T, K B, 2)
    xs = xs.reshape(xs.shape[0], K, B, 2).transpose(1, 0, 2, 3).reshape(-1, B, 2)  # (K T, B, 2)
    layer = {k: params[f"l0.{k}"] for k in lstm.KEYS}
    with np.errstate(all="ignore"):
        hs, cache = lstm.forward(layer, xs.astype(spec.dtype), None, **spec.cell_options)  # (L, *lead, B, H)
        ys = hs @ params["out.W"] + params["out.b"][..., None, :]             # (L, *lead, B, 1)
        red = lambda a: np.abs(a).max(axis=(-2, -1))                           # (L, *lead)
        return {"c": red(cache.cs[1:]), "h": red(hs), "y": red(ys)}


def stored_params(arrays: dict) -> dict:
    """The trained population stored in one cell's arrays (keys ``params.<name>``), as a params dict."""
    _checks.instance("arrays", arrays, dict)
    out = {k[len("params."):]: v for k, v in arrays.items() if k.startswith("params.")}
    if not out:
        raise ValueError("arrays must hold trained weights (keys 'params.*'); this cell stored none")
    return out
