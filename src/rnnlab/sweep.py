"""Sweeps: run a function over a grid of cells, in parallel, saving each cell as it finishes.

    results = sweep.run_cells(run_cell, cells, "scratch/my_grid", jobs=2)

* ``cells`` is a list of JSON-able dicts; each has a ``"key"`` (a short unique
  name) or gets one from its items.
* ``run_cell(cell) -> dict of arrays`` is a pure function of the cell (all its
  randomness comes from seeds in the cell).
* Each finished cell is stored at ``out_dir/<key>`` with :mod:`rnnlab.store`
  (atomic, with provenance). A cell already stored is skipped: an interrupted
  sweep resumes where it stopped. Stored cells made by different code are an
  error unless ``overwrite=True``.
* ``jobs > 1`` runs cells in joblib worker processes, each limited to one
  BLAS thread (:func:`rnnlab.threads.one_blas_thread`). ``scheduler="tcp://host:8786"`` runs them on a
  Dask cluster through joblib's dask backend instead (``pip install
  "dask[distributed]"``); the workers save the cells, so they must see
  ``out_dir`` (a shared file system).
* When every cell is stored, ``out_dir/manifest.json`` records the grid and
  its provenance; :func:`load_cells` reads the whole grid back.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np

from . import _checks, store, threads


def cell_key(cell: dict) -> str:
    """The cell's ``"key"``, or a file-safe name built from its items."""
    if not isinstance(cell, dict):
        raise _checks.ArgTypeError(f"cell must be a dict; got {type(cell).__name__}")
    if "key" in cell:
        key = str(cell["key"])
    else:
        key = "_".join(f"{k}={cell[k]}" for k in sorted(cell))
    key = re.sub(r"[^A-Za-z0-9_.=+-]+", "-", key)
    if not key:
        raise ValueError(f"cell must produce a non-empty key; got {cell!r}")
    return key


def _check_cells(cells) -> list:
    if not isinstance(cells, (list, tuple)) or not cells:
        raise ValueError(f"cells must be a non-empty list of dicts; got {cells!r}")
    keys = [cell_key(c) for c in cells]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"cells must have unique keys; got duplicates {dup}")
    return keys


def _run_and_save(fn, cell, key, out_dir, command, overwrite):
    """Worker: one BLAS thread, run the cell, store it; returns the key and runtime."""
    with threads.one_blas_thread():
        start = time.process_time()
        arrays = fn(cell)
        runtime = time.process_time() - start
    if not isinstance(arrays, dict):
        raise _checks.ArgTypeError(f"run_cell must return a dict of arrays; got {type(arrays).__name__} for cell {key}")
    meta = {"cell": cell, "provenance": store.provenance({"cell": cell}, command, runtime)}
    store.save(Path(out_dir) / key, arrays, meta, overwrite=overwrite)
    return key, runtime


def run_cells(fn, cells, out_dir, *, jobs: int = 1, scheduler: str | None = None, overwrite: bool = False,
              settings: dict | None = None, command: str = "", log=print) -> list:
    """Run ``fn`` over ``cells``, store each under ``out_dir``, and return :func:`load_cells`'s list."""
    if not callable(fn):
        raise _checks.ArgTypeError(f"fn must be callable; got {type(fn).__name__}")
    keys = _check_cells(cells)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer; got {jobs!r}")
    if scheduler is not None and not isinstance(scheduler, str):
        raise _checks.ArgTypeError(f"scheduler must be an address string such as 'tcp://127.0.0.1:8786'; got {scheduler!r}")
    out = Path(out_dir)
    manifest = out / "manifest.json"
    if manifest.exists() and not overwrite:
        raise store.ResultExists(f"a complete grid is already stored at {out}; pass overwrite=True to replace it")
    out.mkdir(parents=True, exist_ok=True)
    todo = []
    for cell, key in zip(cells, keys):
        if store.exists(out / key) and not overwrite:
            _, meta = store.load(out / key)
            if meta["stale"]:
                raise store.ResultExists(f"cell {key} in {out} was made by different code ({meta['stale']}); "
                                         f"pass overwrite=True to recompute it")
            log(f"{key}: stored, skipped")
            continue
        todo.append((cell, key))
    start = time.perf_counter()
    tasks = [(fn, c, k, str(out), command, overwrite) for c, k in todo]
    if scheduler is None and jobs == 1:
        for t in tasks:
            key, rt = _run_and_save(*t)
            log(f"{key}: {rt:.1f} s CPU")
    else:
        _run_parallel(tasks, jobs, scheduler, log)
    runtime = time.perf_counter() - start
    if manifest.exists():
        manifest.unlink()
    body = {"cells": list(keys), "provenance": store.provenance(settings or {}, command, runtime)}
    store._atomic_write(manifest, (json.dumps(body, indent=1, default=store._json_default) + "\n").encode())
    return load_cells(out)


def _run_parallel(tasks, jobs, scheduler, log):
    from joblib import Parallel, delayed, parallel_config
    if scheduler is None:
        ctx = parallel_config(backend="loky", n_jobs=jobs)
        client = None
    else:
        from dask.distributed import Client       # optional: pip install "dask[distributed]"
        client = Client(scheduler)
        ctx = parallel_config(backend="dask", n_jobs=jobs)
    try:
        with ctx:
            for key, rt in Parallel(return_as="generator_unordered")(delayed(_run_and_save)(*t) for t in tasks):
                log(f"{key}: {rt:.1f} s CPU")
    finally:
        if client is not None:
            client.close()


def load_cells(out_dir) -> list:
    """Every stored cell of a grid: a list of dicts with ``cell``, ``arrays`` and ``meta``, in manifest order."""
    out = Path(out_dir)
    manifest = out / "manifest.json"
    if not manifest.is_file():
        raise FileNotFoundError(f"no complete grid at {out} (manifest.json missing: run or resume the sweep)")
    keys = json.loads(manifest.read_text())["cells"]
    results = []
    for key in keys:
        arrays, meta = store.load(out / key)
        results.append({"cell": meta["cell"], "arrays": arrays, "meta": meta})
    return results


def load_manifest(out_dir) -> dict:
    """The grid's manifest, with ``stale``: modules changed since any of its cells was made."""
    out = Path(out_dir)
    body = json.loads((out / "manifest.json").read_text())
    stale, verified = set(), []
    for key in body["cells"]:
        meta = json.loads((out / f"{key}.json").read_text())
        meta["verified"] = store.verification(out / key)
        verified.append(meta["verified"])
        stale |= set(store.stale_modules(meta))
    body["stale"] = sorted(stale)
    body["verified"] = verified[0] if all(v is not None for v in verified) else None
    return body


def verify_cells(fn, cells, out_dir, *, sample: int = 2, measured=(), command: str = "", log=print) -> bool:
    """Re-run ``sample`` of the cells stored in ``out_dir`` and compare them bit for bit with what is stored.

    The cells are evenly spaced over the stored ones (first and last included).
    When every re-run array equals the stored one (NaN equal to NaN), the
    stored cells are recorded as reproduced by the current code
    (arrays named in ``measured``, such as CPU seconds, are measurements and are not compared)
    (:func:`rnnlab.store.record_verification`) and True is returned; otherwise
    nothing is written, the differences are logged, and False is returned.
    """
    if not callable(fn):
        raise _checks.ArgTypeError(f"fn must be callable; got {type(fn).__name__}")
    sample = _checks.positive_int("sample", sample)
    out = Path(out_dir)
    stored = [(c, k) for c, k in zip(cells, _check_cells(cells)) if store.exists(out / k)]
    if not stored:
        raise FileNotFoundError(f"none of the grid's cells is stored in {out}")
    picks = sorted({int(round(i)) for i in np.linspace(0, len(stored) - 1, min(sample, len(stored)))})
    same = True
    for i in picks:
        cell, key = stored[i]
        old, meta = store.load(out / key, check_source=False)
        made_on, now_on = (meta.get("provenance") or {}).get("cpu", {}), store.cpu_summary()
        for field in ("OPENBLAS_CORETYPE", "numpy_dispatch"):
            if made_on.get(field) != now_on.get(field):
                log(f"{key}: made with {field}={made_on.get(field)}, now {now_on.get(field)}; "
                    f"bits can differ for that reason alone")
        with threads.one_blas_thread():
            new = fn(cell)
        diff = [n for n in sorted((set(old) | set(new)) - set(measured))
                if n not in old or n not in new or not _identical(old[n], np.asarray(new[n]))]
        log(f"{key}: {'bit-identical' if not diff else 'differs in ' + ', '.join(diff)}")
        same &= not diff
    if same:
        store.record_verification(out, [k for _, k in stored], [stored[i][1] for i in picks], command)
    return same


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    """Same dtype, shape and bits (NaN equal to NaN in float arrays)."""
    return (a.dtype == b.dtype and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def table(results, fields) -> dict:
    """Columns ``{field: np.array}`` of cell fields (e.g. ``("variant", "T")``) over a loaded grid."""
    return {f: np.array([r["cell"].get(f) for r in results]) for f in fields}
