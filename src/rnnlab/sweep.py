"""Sweeps: run a function over a grid of cells, in parallel, saving each cell as it finishes.

    results = sweep.run_cells(run_cell, cells, "scratch/my_grid", jobs=2)

* ``cells`` is a list of JSON-able dicts, each with a ``"key"`` (a short unique name) or
  one built from its items; ``run_cell(cell) -> dict of arrays`` is a pure function of the cell.
* Each finished cell is stored at ``out_dir/<key>.<hash>`` (:mod:`rnnlab.store`: atomic, with
  provenance), ``<hash>`` being :func:`settings_hash` of the cell *and* the grid's settings: a
  ``--tiny`` cell and a full cell under one key are different files and never mix. A cell stored
  with the same hash by the same code is reused, and the log says so: an interrupted sweep
  resumes where it stopped. Cells made by different code are an error unless ``overwrite=True``.
* ``overwrite=True`` over an existing grid is transactional: the new grid is written beside the
  old one and swapped in when complete (:mod:`rnnlab._gridfolder`); until then the old grid stays
  whole and loadable, and re-running the overwrite resumes it.
* ``jobs > 1`` runs cells in joblib worker processes with one BLAS thread each;
  ``scheduler="tcp://host:8786"`` runs them on a Dask cluster, whose workers import rnnlab
  and save the cells, so they must see ``out_dir`` (a shared file system). A progress bar
  with an ETA shows on a terminal (:mod:`rnnlab._parallel`).
* When every cell is stored, ``out_dir/manifest.json`` records the grid, its provenance and
  its CPU time (``cpu_s``, the sum over cells); :func:`load_cells` reads the grid back. Grids
  stored before the settings hash (cells named by their key alone) load the same way.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import numpy as np

from . import _checks, _gridfolder, _parallel, store, threads



def cell_key(cell: dict) -> str:
    """The cell's ``"key"``, or a file-safe name built from its items."""
    if not isinstance(cell, dict):
        raise _checks.ArgTypeError(f"cell must be a dict; got {type(cell).__name__}")
    if "key" in cell:
        key = str(cell["key"])
    else:
        key = "_".join(f"{k}={cell[k]}" for k in sorted(cell, key=str))
    key = re.sub(r"[^A-Za-z0-9_.=+-]+", "-", key).strip(".")
    if not key:
        raise ValueError(f"cell must produce a non-empty key; got {cell!r}")
    return key


def settings_hash(cell: dict, settings: dict | None = None) -> str:
    """10 hex digits of the sha256 of the cell and the grid's settings (as the store writes them in JSON)."""
    if not isinstance(settings, (dict, type(None))):
        raise _checks.ArgTypeError(f"settings must be a dict or None; got {_checks._what(settings)}")
    body = store.to_json({"cell": _checks.instance("cell", cell, dict), "settings": settings or {}})
    return hashlib.sha256(body).hexdigest()[:10]


def cell_name(cell: dict, settings: dict | None = None) -> str:
    """The file stem of a stored cell: ``<key>.<settings hash>``."""
    return f"{cell_key(cell)}.{settings_hash(cell, settings)}"


def _check_cells(cells) -> list:
    if not isinstance(cells, (list, tuple)) or not cells:
        raise ValueError(f"cells must be a non-empty list of dicts; got {_checks._what(cells)}")
    keys = [cell_key(c) for c in cells]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"cells must have unique keys; got duplicates {dup}")
    for c in cells:
        store.to_json(c)                                     # JSON-able, or a TypeError naming the type
    return keys


def _run_and_save(fn, cell, name, out_dir, command, settings_hash_):
    """Worker: one BLAS thread, run the cell, store it; returns the name and CPU seconds."""
    with threads.one_blas_thread():
        start = time.process_time()
        arrays = fn(cell)
        runtime = time.process_time() - start
    if not isinstance(arrays, dict):
        raise _checks.ArgTypeError(f"run_cell must return a dict of arrays; got {type(arrays).__name__} for cell {name}")
    meta = {"cell": cell, "settings_hash": settings_hash_, "provenance": store.provenance({"cell": cell}, command, runtime)}
    store.save(Path(out_dir) / name, arrays, meta, overwrite=True)
    return name, runtime


def _check_run_args(fn, jobs, scheduler, overwrite, command, log):
    _checks.function("fn", fn)
    _checks.function("log", log)
    jobs = _checks.positive_int("jobs", jobs, maximum=4096)
    _checks.boolean("overwrite", overwrite)
    if not isinstance(command, str):
        raise _checks.ArgTypeError(f"command must be a string; got {_checks._what(command)}")
    if scheduler is not None:
        _parallel.check_address("scheduler", scheduler)
        if jobs != 1:
            raise ValueError(f"jobs must be 1 with a scheduler (the cluster's workers set the parallelism); got {jobs}")
    return jobs


def run_cells(fn, cells, out_dir, *, jobs: int = 1, scheduler: str | None = None, overwrite: bool = False,
              settings: dict | None = None, command: str = "", log=print, progress: bool | None = None) -> list:
    """Run ``fn`` over ``cells``, store each under ``out_dir``, and return :func:`load_cells`'s list.

    ``progress``: show a progress bar (default: on a terminal, and not under ``CI=true``).
    """
    jobs = _check_run_args(fn, jobs, scheduler, overwrite, command, log)
    keys = _check_cells(cells)
    out = _gridfolder.folder("out_dir", out_dir)
    hashes = [settings_hash(c, settings) for c in cells]
    names = [f"{k}.{h}" for k, h in zip(keys, hashes)]
    _gridfolder.recover(out, log)
    if (out / _gridfolder.MANIFEST).exists() and not overwrite and _gridfolder.damaged(out, log):
        (out / _gridfolder.MANIFEST).unlink()
    if (out / _gridfolder.MANIFEST).exists() and not overwrite:
        pending = " (an interrupted --overwrite is pending beside it: re-run with overwrite=True to finish it)" \
            if _gridfolder.staging(out).exists() else ""
        raise store.ResultExists(f"a complete grid is already stored at {out}; pass overwrite=True to replace it{pending}")
    target = _gridfolder.staging(out) if overwrite and _gridfolder.holds_results(out) else out
    target.mkdir(parents=True, exist_ok=True)
    todo, cpu = [], 0.0
    for cell, name, h in zip(cells, names, hashes):
        reused = _reusable(target, name, overwrite, log)
        if reused is None:
            todo.append((fn, cell, name, str(target), command, h))
        else:
            cpu += reused
    others = _other_settings(target, keys, set(names))
    if others and target != out:                             # an earlier overwrite with other settings: useless now
        for stem in others:
            for f in target.glob(store.glob_escape(stem) + ".*"):
                f.unlink(missing_ok=True)
        others = []
    if others:
        log(f"{len(others)} cell(s) stored in {target} under the same keys with other settings (e.g. --tiny), "
            f"left alone: {', '.join(others[:3])}{' ...' if len(others) > 3 else ''}")
    if len(todo) < len(cells):
        log(f"resuming: {len(cells) - len(todo)} of {len(cells)} cells reused from {target}, {len(todo)} to run")
    start = time.perf_counter()
    cpu += _parallel.run_tasks(_run_and_save, todo, jobs, scheduler, log, progress, desc=out.name)
    body = {"format": 2, "cells": names, "keys": keys, "cpu_s": round(cpu, 1),
            "provenance": store.provenance(settings or {}, command, time.perf_counter() - start)}
    store._atomic_write(target / _gridfolder.MANIFEST, store.to_json(body))
    if target != out:
        _gridfolder.swap_in(target, out)
        log(f"{out}: the new grid replaced the old one")
    return load_cells(out)


def _reusable(folder: Path, name: str, overwrite: bool, log):
    """CPU seconds of the cell stored as ``name`` if it can be reused, else None (it must be (re)computed)."""
    if not store.exists(folder / name):
        return None
    try:
        meta = store.read_record(folder / name)
        stale = store.stale_modules(meta)
    except store.ResultCorrupt as e:
        log(f"{name}: the stored cell is damaged and is recomputed ({e})")
        return None
    if stale and not overwrite:
        raise store.ResultExists(f"cell {name} in {folder} was made by different code ({stale}); "
                                 f"pass overwrite=True to recompute it")
    if stale:
        return None
    prov = meta.get("provenance") or {}
    log(f"{name}: reusing the stored cell made {prov.get('date', '?')} by the current code with the same settings")
    return float(prov.get("runtime_s") or 0.0)


def _other_settings(folder: Path, keys, names) -> list:
    found = []
    for key in keys:
        for f in folder.glob(store.glob_escape(key) + ".*.json"):
            stem = f.name[:-5]
            if stem not in names and re.fullmatch(re.escape(key) + r"\.[0-9a-f]{10}", stem):
                found.append(stem)
    return sorted(found)


def load_cells(out_dir) -> list:
    """Every stored cell of a grid: a list of dicts with ``cell``, ``arrays`` and ``meta``, in manifest order."""
    body = _gridfolder.read_manifest(_gridfolder.folder("out_dir", out_dir))
    results = []
    for name in body["cells"]:
        arrays, meta = store.load(Path(body["folder"]) / name)
        results.append({"cell": meta.get("cell"), "arrays": arrays, "meta": meta})
    return results


def load_manifest(out_dir) -> dict:
    """The grid's manifest, with ``stale`` (modules changed since any of its cells was made), ``verified``
    and ``cpu_s`` (the sum of its cells' CPU seconds)."""
    body = _gridfolder.read_manifest(_gridfolder.folder("out_dir", out_dir))
    stale, verified, cpu = set(), [], 0.0
    for name in body["cells"]:
        meta = store.read_record(Path(body["folder"]) / name)
        try:
            meta["verified"] = store.verification(Path(body["folder"]) / name)
        except store.ResultCorrupt as e:
            meta["verified"] = None
            body.setdefault("problems", [str(e)])
        verified.append(meta["verified"])
        stale |= set(store.stale_modules(meta))
        cpu += float((meta.get("provenance") or {}).get("runtime_s") or 0.0)
    body["stale"] = sorted(stale)
    body["verified"] = verified[0] if all(v is not None for v in verified) else None
    body.setdefault("cpu_s", round(cpu, 1))
    return body


def find_cell(out_dir, cell: dict, settings: dict | None = None) -> Path | None:
    """The stem of the stored record of ``cell`` in ``out_dir``, or None.

    With ``settings``: ``<key>.<settings hash>``. Without: any ``<key>.<hash>`` whose stored cell
    equals ``cell``. Either way, a grid stored before the hash (``<key>`` alone) is read when its
    stored cell equals ``cell``.
    """
    out, key = _gridfolder.folder("out_dir", out_dir), cell_key(cell)
    want = json.loads(store.to_json(cell))
    if settings is not None:
        names = [cell_name(cell, settings)]
    else:
        names = sorted(f.name[:-5] for f in out.glob(store.glob_escape(key) + ".*.json")
                       if re.fullmatch(re.escape(key) + r"\.[0-9a-f]{10}\.json", f.name))
    for name in names + [key]:
        exact = settings is not None and name != key            # named by the very settings hash
        if store.exists(out / name) and (exact or store.read_record(out / name).get("cell") == want):
            return out / name
    return None


def verify_cells(fn, cells, out_dir, *, sample: int = 2, measured=(), command: str = "", settings=None, log=print) -> bool:
    """Re-run ``sample`` of the cells stored in ``out_dir`` and compare them bit for bit with what is stored.

    The cells are evenly spaced over the stored ones (first and last included).
    When every re-run array equals the stored one (NaN equal to NaN), the
    stored cells are recorded as reproduced by the current code
    (arrays named in ``measured``, such as CPU seconds, are measurements and are not compared)
    (:func:`rnnlab.store.record_verification`) and True is returned; otherwise
    nothing is written, the differences are logged, and False is returned.
    """
    _checks.function("fn", fn)
    sample = _checks.positive_int("sample", sample, maximum=10 ** 6)
    if isinstance(measured, str) or not all(isinstance(m, str) for m in measured):
        raise _checks.ArgTypeError(f"measured must be a list of array names; got {_checks._what(measured)}")
    out = _gridfolder.folder("out_dir", out_dir)
    stored = [(c, s) for c in cells if (s := find_cell(out, c, settings)) is not None] if _check_cells(cells) else []
    if not stored:
        raise FileNotFoundError(f"none of the grid's cells is stored in {out}")
    picks = sorted({int(round(i)) for i in np.linspace(0, len(stored) - 1, min(sample, len(stored)))})
    same = True
    for i in picks:
        cell, stem = stored[i]
        old, meta = store.load(stem, check_source=False)
        made_on, now_on = (meta.get("provenance") or {}).get("cpu", {}), store.cpu_summary()
        for field in ("OPENBLAS_CORETYPE", "numpy_dispatch"):
            if made_on.get(field) != now_on.get(field):
                log(f"{stem.name}: made with {field}={made_on.get(field)}, now {now_on.get(field)}; "
                    f"bits can differ for that reason alone")
        with threads.one_blas_thread():
            new = fn(cell)
        diff = [n for n in sorted((set(old) | set(new)) - set(measured))
                if n not in old or n not in new or not _identical(old[n], np.asarray(new[n]))]
        log(f"{cell_key(cell)}: {'bit-identical' if not diff else 'differs in ' + ', '.join(diff)}")
        same &= not diff
    if same:
        store.record_verification(out, [s.name for _, s in stored], [stored[i][1].name for i in picks], command)
    return same


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    """Same dtype, shape and bits (NaN equal to NaN in float arrays)."""
    return (a.dtype == b.dtype and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def table(results, fields) -> dict:
    """Columns ``{field: np.array}`` of cell fields (e.g. ``("variant", "T")``) over a loaded grid."""
    if not isinstance(results, list) or not all(isinstance(r, dict) and isinstance(r.get("cell"), dict) for r in results):
        raise _checks.ArgTypeError(f"results must be the list load_cells returns; got {_checks._what(results)}")
    if isinstance(fields, str) or not all(isinstance(f, str) for f in fields):
        raise _checks.ArgTypeError(f"fields must be a list of cell field names; got {_checks._what(fields)}")
    return {f: np.array([r["cell"].get(f) for r in results]) for f in fields}
