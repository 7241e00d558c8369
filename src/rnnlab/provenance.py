"""Where a stored result came from: the code, the machine and the command, and whether the code has changed since.

Provenance records the command, the settings, the date, the host, the Python and
numpy versions, the CPU features numpy dispatches to, and a sha256 of the source
of every ``rnnlab`` module that was loaded when the result was made.
:func:`stale_modules` recomputes those hashes; :func:`describe` says in one
sentence whether the code has changed since (or was verified to reproduce the
result, see :func:`rnnlab.store.record_verification`). A result that records no
hashes is of *unknown provenance*, never "unchanged".

The store (:mod:`rnnlab.store`) writes and reads the files; this module only describes them.
"""
from __future__ import annotations

import hashlib
import os
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import _checks

PACKAGE_ROOT = Path(__file__).resolve().parent
PRESENTATION = {"rnnlab.plotting", "rnnlab.explore", "rnnlab.instruments", "rnnlab.instruments.widgets", "rnnlab.book",
                "rnnlab.stats", "rnnlab.store", "rnnlab.provenance", "rnnlab.sweep", "rnnlab._gridfolder", "rnnlab._parallel",
                "rnnlab.grids.__main__"}
"""Modules that cannot change a stored number (presentation, storage, scheduling); their edits do not make
results stale."""
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
    elif isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise _checks.ArgTypeError(f"names must be a collection of module names; got {_checks._what(names)}")
    out = {}
    for n in sorted(set(names) - PRESENTATION):
        f = (_module_file(n) if n != "rnnlab" else PACKAGE_ROOT / "__init__.py") if n.startswith("rnnlab") else None
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
    """What a stored result records about how it was made (``runtime_s``: its CPU or wall seconds)."""
    if not isinstance(settings, dict):
        raise _checks.ArgTypeError(f"settings must be a dict; got {_checks._what(settings)}")
    if not isinstance(command, str):
        raise _checks.ArgTypeError(f"command must be a string; got {_checks._what(command)}")
    if runtime_s is not None:
        runtime_s = round(_checks.finite_float("runtime_s", runtime_s, nonneg=True), 1)
    return {"command": command, "settings": settings, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "runtime_s": runtime_s, "host": platform.node(), "pid": os.getpid(),
            "cpu": cpu_summary(), "source": source_hashes()}


def known_provenance(meta: dict) -> bool:
    """True when the result records the hashes of the code that made it (so staleness can be checked)."""
    prov = meta.get("provenance") if isinstance(meta, dict) else None
    return isinstance(prov, dict) and isinstance(prov.get("source"), dict) and bool(prov["source"])


def stale_modules(meta: dict) -> list:
    """Modules whose source differs from the code that made (or last re-checked) the result.

    The reference hashes are ``meta["verified"]["source"]`` when a verification
    covers the result, else ``meta["provenance"]["source"]`` (none: unknown provenance, see :func:`describe`).
    """
    if not isinstance(meta, dict):
        raise _checks.ArgTypeError(f"meta must be a result's meta dict; got {_checks._what(meta)}")
    verified = meta.get("verified") if isinstance(meta.get("verified"), dict) else {}
    recorded = verified.get("source") or ((meta.get("provenance") or {}).get("source") if known_provenance(meta) else {})
    if not isinstance(recorded, dict) or not all(isinstance(k, str) for k in recorded):
        raise ValueError(f"meta must record source hashes as a dict of module -> hash; got {_checks._what(recorded)}")
    now = source_hashes(recorded)
    return sorted(n for n, h in recorded.items() if now.get(n) != h)


def describe(meta: dict) -> str:
    """One sentence on where a stored result came from, and whether the code has changed since."""
    if not isinstance(meta, dict):
        raise _checks.ArgTypeError(f"meta must be a result's meta dict (from load); got {_checks._what(meta)}")
    prov = meta.get("provenance") if isinstance(meta.get("provenance"), dict) else {}
    text = f"Stored result made {prov.get('date', 'at an unknown date')}"
    if isinstance(prov.get("runtime_s"), (int, float)):
        text += f" in {prov['runtime_s']:.0f} s"
    if prov.get("command"):
        text += f" by `{prov['command']}`"
    stale, v = meta.get("stale") or [], meta.get("verified")
    if stale:
        text += (f". The code has changed since ({', '.join(stale)}): the numbers below are those of the stored "
                 f"run; re-run the command to regenerate them.")
    elif isinstance(v, dict) and v.get("date") and v.get("checked") and v.get("covers"):
        text += (f". The code has been refactored since; on {v['date'][:10]}, {len(v['checked'])} of the "
                 f"{len(v['covers'])} results stored with it were re-run under the current code and matched bit for bit.")
    elif not known_provenance(meta) and not isinstance(v, dict):
        text += ("; of unknown provenance: it records no hash of the code that made it, so whether that code has "
                 "changed cannot be checked (regenerate it to know).")
    else:
        text += "; the code that made it is unchanged."
    for problem in meta.get("problems") or []:
        text += f" Note: {problem}"
    return text
