"""The experiment store: results on disk that survive interrupts and say where they came from.

A stored result is two files next to each other::

    NAME.json              the commit record: metadata, provenance, and the data file's name and sha256
    NAME.<digest>.npz      the arrays, named by the first 12 hex digits of their sha256

:func:`save` writes the arrays under a fresh content-addressed name, then
replaces the JSON atomically (temporary file + ``os.replace``), then removes
the data file the old JSON pointed to. Killing the process at any moment
leaves either the old result or the new one readable, never a mix. A result
that exists is never replaced unless ``overwrite=True``.

Provenance records the command, the settings, the date, the Python and numpy
versions, the CPU features numpy dispatches to, and a sha256 of the source
of every ``rnnlab`` module that was loaded when the result was made.
:func:`load` recomputes those hashes and marks the result *stale* when the
code has changed since, naming the modules (:func:`describe` says it in a
sentence, with the command that regenerates the result).

A refactor that leaves every number unchanged still changes the hashes. Rather
than trust it, :func:`record_verification` stores, in ``verified.json`` beside
the results, that some of them were re-run under the new code and gave
bit-identical arrays (``python -m rnnlab.grids NAME --out DIR --verify K``);
:func:`load` then measures staleness from that verification.

This module knows nothing about where the repository is: callers pass paths.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import _checks

PACKAGE_ROOT = Path(__file__).resolve().parent
PRESENTATION = {"rnnlab.plotting", "rnnlab.explore", "rnnlab.instruments", "rnnlab.instruments.widgets", "rnnlab.book",
                "rnnlab.stats", "rnnlab.store", "rnnlab.sweep", "rnnlab.grids.__main__"}
"""Modules that cannot change a stored number; their edits do not make results stale."""


class ResultExists(FileExistsError):
    """Raised by :func:`save` when a result exists and ``overwrite`` is False."""


class ResultCorrupt(OSError):
    """Raised by :func:`load` when the data file is missing or does not match its record."""


def _module_file(name: str) -> Path | None:
    parts = name.split(".")[1:]
    base = PACKAGE_ROOT.joinpath(*parts)
    for p in (base.with_suffix(".py"), base / "__init__.py"):
        if p.is_file():
            return p
    return None


def source_hashes(names=None) -> dict:
    """sha256 (first 16 hex digits) of each loaded ``rnnlab`` module's source, by module name."""
    if names is None:
        names = [n for n in sys.modules if n == "rnnlab" or n.startswith("rnnlab.")]
    out = {}
    for n in sorted(set(names) - PRESENTATION):
        f = _module_file(n) if n != "rnnlab" else PACKAGE_ROOT / "__init__.py"
        if f is not None:
            out[n] = hashlib.sha256(f.read_bytes()).hexdigest()[:16]
    return out


def cpu_summary() -> dict:
    """The CPU features numpy dispatches to and the BLAS it uses (what makes bits differ)."""
    info = {"machine": platform.machine(), "numpy": np.__version__, "python": platform.python_version()}
    try:
        from numpy._core._multiarray_umath import __cpu_features__, __cpu_dispatch__
        info["numpy_dispatch"] = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    except ImportError:                       # pragma: no cover - older numpy
        pass
    try:
        from threadpoolctl import threadpool_info
        info["blas"] = [{k: d.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                        for d in threadpool_info() if d.get("user_api") == "blas"]
    except ImportError:                       # pragma: no cover - threadpoolctl is a requirement
        pass
    for var in ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES"):
        if os.environ.get(var):
            info[var] = os.environ[var]
    return info


def provenance(settings: dict, command: str = "", runtime_s: float | None = None) -> dict:
    """What a stored result records about how it was made."""
    return {"command": command, "settings": settings, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "runtime_s": None if runtime_s is None else round(float(runtime_s), 1),
            "cpu": cpu_summary(), "source": source_hashes()}


def _json_default(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (set, frozenset, tuple)):
        return list(x)
    raise _checks.ArgTypeError(f"cannot store {type(x).__name__} in a result's JSON record")


def _atomic_write(path: Path, data: bytes):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _stem(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise _checks.ArgTypeError(f"path must be a str or a path; got {type(path).__name__}")
    p = Path(path)
    return p.with_suffix("") if p.suffix in (".json", ".npz") else p


def exists(path) -> bool:
    """True when a result (its JSON record) is stored at ``path``."""
    return _stem(path).with_suffix(".json").is_file()


def save(path, arrays: dict, meta: dict, *, overwrite: bool = False) -> Path:
    """Store ``arrays`` (name -> ndarray) and ``meta`` (JSON-able) atomically at ``path``; return the JSON path."""
    stem = _stem(path)
    if not isinstance(overwrite, bool):
        raise _checks.ArgTypeError(f"overwrite must be True or False; got {overwrite!r}")
    if not isinstance(arrays, dict) or not all(isinstance(k, str) for k in arrays):
        raise _checks.ArgTypeError(f"arrays must be a dict of name -> array; got {type(arrays).__name__}")
    if not isinstance(meta, dict):
        raise _checks.ArgTypeError(f"meta must be a dict; got {type(meta).__name__}")
    record = stem.with_suffix(".json")
    if record.exists() and not overwrite:
        raise ResultExists(f"a result is already stored at {record}; pass overwrite=True to replace it")
    stem.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    data = buf.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    data_file = stem.parent / f"{stem.name}.{digest[:12]}.npz"
    old = _data_name(record) if record.exists() else None
    _atomic_write(data_file, data)
    body = dict(meta, data_file=data_file.name, data_sha256=digest)
    _atomic_write(record, (json.dumps(body, indent=1, sort_keys=True, default=_json_default) + "\n").encode())
    if old and old != data_file.name:
        (stem.parent / old).unlink(missing_ok=True)
    return record


def _data_name(record: Path):
    try:
        return json.loads(record.read_text()).get("data_file")
    except (OSError, ValueError):
        return None


def load(path, *, check_source: bool = True) -> tuple[dict, dict]:
    """``(arrays, meta)`` of the result at ``path``; ``meta["stale"]`` lists modules changed since."""
    stem = _stem(path)
    record = stem.with_suffix(".json")
    if not record.is_file():
        raise FileNotFoundError(f"no stored result at {record}")
    meta = json.loads(record.read_text())
    data_file = stem.parent / meta.get("data_file", "")
    if not meta.get("data_file") or not data_file.is_file():
        raise ResultCorrupt(f"{record} names data file {meta.get('data_file')!r}, which is missing")
    data = data_file.read_bytes()
    if hashlib.sha256(data).hexdigest() != meta.get("data_sha256"):
        raise ResultCorrupt(f"{data_file} does not match the sha256 recorded in {record}")
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta["verified"] = verification(stem)
    meta["stale"] = stale_modules(meta) if check_source else []
    return arrays, meta


def stale_modules(meta: dict) -> list:
    """Modules whose source differs from the code that made (or last re-checked) the result.

    The reference hashes are ``meta["verified"]["source"]`` when a verification
    covers the result, else ``meta["provenance"]["source"]``.
    """
    recorded = ((meta.get("verified") or {}).get("source") or (meta.get("provenance") or {}).get("source") or {})
    now = source_hashes(recorded)
    return sorted(n for n, h in recorded.items() if now.get(n) != h)


VERIFIED = "verified.json"


def verification(path) -> dict | None:
    """The newest entry of ``verified.json`` beside ``path`` that covers it, or None."""
    stem = _stem(path)
    f = stem.parent / VERIFIED
    if not f.is_file():
        return None
    for entry in reversed(json.loads(f.read_text()).get("verifications", [])):
        if stem.name in entry.get("covers", []):
            return entry
    return None


def record_verification(folder, covers, checked, command: str = "") -> dict:
    """Append to ``folder/verified.json`` that ``checked`` (result names) were re-run under the current
    code and matched bit for bit; the entry vouches for ``covers`` (all results made by the same code).

    Earlier entries are kept (the file is a log); the write is atomic.
    """
    folder = Path(folder)
    if not set(checked) <= set(covers) or not checked:
        raise ValueError(f"checked must be a non-empty subset of covers; got {sorted(checked)}")
    missing = [n for n in covers if not exists(folder / n)]
    if missing:
        raise FileNotFoundError(f"covers names results not stored in {folder}: {missing[:3]}")
    f = folder / VERIFIED
    log = json.loads(f.read_text()) if f.is_file() else {"verifications": []}
    entry = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "command": command,
             "checked": sorted(checked), "covers": sorted(covers), "cpu": cpu_summary(), "source": source_hashes()}
    log["verifications"].append(entry)
    _atomic_write(f, (json.dumps(log, indent=1, default=_json_default) + "\n").encode())
    return entry


def describe(meta: dict) -> str:
    """One sentence on where a stored result came from, and whether the code has changed since."""
    prov = meta.get("provenance") or {}
    text = f"Stored result made {prov.get('date', 'at an unknown date')}"
    if prov.get("runtime_s") is not None:
        text += f" in {prov['runtime_s']:.0f} s"
    if prov.get("command"):
        text += f" by `{prov['command']}`"
    stale, v = meta.get("stale") or [], meta.get("verified")
    if stale:
        text += (f". The code has changed since ({', '.join(stale)}): the numbers below are those of the stored "
                 f"run; re-run the command to regenerate them.")
    elif v:
        text += (f". The code has been refactored since; on {v['date'][:10]}, {len(v['checked'])} of the "
                 f"{len(v['covers'])} results stored with it were re-run under the current code and matched bit for bit.")
    else:
        text += "; the code that made it is unchanged."
    return text
