"""The experiment store: results on disk that survive interrupts and damage, and say where they came from.

A stored result is two files next to each other::

    NAME.json              the commit record: metadata, provenance, and the data file's name and sha256
    NAME.<digest>.npz      the arrays, named by the first 12 hex digits of their sha256

:func:`save` writes the arrays under a fresh content-addressed name, then
replaces the JSON atomically (temporary file + ``os.replace``), then removes
the data files the record no longer names. Killing the process at any moment
leaves either the old result or the new one readable, never a mix. A result
that exists is never replaced unless ``overwrite=True``. Object arrays (which
need pickle to read back) are refused.

Damage stays local: a record that is not valid JSON, names a data file that is
not its own, or whose data file is missing or does not match its sha256,
raises :class:`ResultCorrupt` naming the file and the remedy, and only for that
result. A damaged ``verified.json`` costs only the verification (the results
still load, judged by their own provenance, and ``meta["problems"]`` says why).

Each result records its provenance (:mod:`rnnlab.provenance`: the command, the settings,
the machine and a hash of every ``rnnlab`` module that ran). :func:`load` recomputes
those hashes and marks the result *stale* when the code has changed since, naming
the modules (:func:`describe` says it in a sentence; a result that records no
hashes is of *unknown provenance*).

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
import re
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import _checks
from .provenance import (PACKAGE_ROOT, PRESENTATION, cpu_summary, describe, known_provenance,  # noqa: F401
                         provenance, source_hashes, stale_modules)

COMPUTED = ("data_file", "data_sha256", "stale", "verified", "problems")
"""Record fields that the store writes or :func:`load` computes; :func:`save` drops them from ``meta``."""
VERIFIED = "verified.json"


class ResultExists(FileExistsError):
    """Raised by :func:`save` when a result exists and ``overwrite`` is False."""


class ResultCorrupt(OSError, ValueError):
    """A stored file that cannot be read as what it claims to be: an OSError (a file problem) and a
    ValueError (a wrong value in it). The message names the file and the remedy."""


def _json_default(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        return x.tolist()
    if isinstance(x, (set, frozenset, tuple)):
        return list(x)
    raise _checks.ArgTypeError(f"cannot store {type(x).__name__} in a result's JSON record")


def to_json(body) -> bytes:
    """``body`` as the store writes JSON (numpy scalars and arrays as lists), UTF-8 with a final newline."""
    return (json.dumps(body, indent=1, sort_keys=True, default=_json_default) + "\n").encode()


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
    if not p.name or p.name in (".", ".."):
        raise ValueError(f"path must name a result (a file stem); got {str(path)!r}")
    return p.parent / p.name[:-len(p.suffix)] if p.suffix in (".json", ".npz") else p


def _record(stem: Path) -> Path:
    return stem.parent / (stem.name + ".json")


def _own_data(stem: Path, name) -> bool:
    """True when ``name`` is a data file name of the result ``stem`` (in its folder, content-addressed)."""
    return isinstance(name, str) and re.fullmatch(re.escape(stem.name) + r"\.[0-9a-f]{12}\.npz", name) is not None


def exists(path) -> bool:
    """True when a result (its JSON record) is stored at ``path``."""
    return _record(_stem(path)).is_file()


def _check_arrays(arrays) -> dict:
    if not isinstance(arrays, dict) or not all(isinstance(k, str) and k for k in arrays):
        raise _checks.ArgTypeError(f"arrays must be a dict of name -> array with non-empty names; got {_checks._what(arrays)}")
    out = {}
    for k, v in arrays.items():
        try:
            a = np.asarray(v)
        except ValueError as e:                                    # a ragged list
            raise ValueError(f"arrays[{k!r}] must be a rectangular array; got {_checks._what(v)} ({e})") from None
        if a.dtype.hasobject:
            raise _checks.ArgTypeError(f"arrays[{k!r}] must not be an object array (it would need pickle to read "
                                       f"back); got dtype {a.dtype}")
        out[k] = a
    return out


def save(path, arrays: dict, meta: dict, *, overwrite: bool = False) -> Path:
    """Store ``arrays`` (name -> ndarray) and ``meta`` (JSON-able) atomically at ``path``; return the JSON path."""
    stem = _stem(path)
    overwrite = _checks.boolean("overwrite", overwrite)
    arrays = _check_arrays(arrays)
    if not isinstance(meta, dict):
        raise _checks.ArgTypeError(f"meta must be a dict; got {type(meta).__name__}")
    body = {k: v for k, v in meta.items() if k not in COMPUTED}
    to_json(body)                                                   # refuse un-storable meta before writing anything
    record = _record(stem)
    if record.exists() and not overwrite:
        raise ResultExists(f"a result is already stored at {record}; pass overwrite=True to replace it")
    stem.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    data = buf.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    data_file = stem.parent / f"{stem.name}.{digest[:12]}.npz"
    _atomic_write(data_file, data)
    _atomic_write(record, to_json(dict(body, data_file=data_file.name, data_sha256=digest)))
    for old in stem.parent.glob(glob_escape(stem.name) + ".*.npz"):   # data the record no longer names
        if old.name != data_file.name and _own_data(stem, old.name):
            old.unlink(missing_ok=True)
    return record


def glob_escape(name: str) -> str:
    """``name`` with the glob metacharacters ``*?[`` escaped."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _remedy(stem: Path) -> str:
    return (f"delete {_record(stem).name} and {stem.name}.*.npz in {stem.parent} and re-run the command that made it "
            f"(a grid resumes and recomputes only this cell)")


def read_record(path) -> dict:
    """The JSON record of the result at ``path`` (no data is read); :class:`ResultCorrupt` if it is unreadable."""
    stem = _stem(path)
    record = _record(stem)
    if not record.is_file():
        raise FileNotFoundError(f"no stored result at {record}")
    try:
        meta = json.loads(record.read_bytes())
    except (ValueError, UnicodeDecodeError) as e:
        raise ResultCorrupt(f"{record} is not a readable result record ({type(e).__name__}: {e}); {_remedy(stem)}") from None
    if not isinstance(meta, dict):
        raise ResultCorrupt(f"{record} is not a result record (a JSON {type(meta).__name__}); {_remedy(stem)}")
    if not _own_data(stem, meta.get("data_file")):
        raise ResultCorrupt(f"{record} names data file {meta.get('data_file')!r}, which is not one of its own "
                            f"({stem.name}.<sha256>.npz beside it); {_remedy(stem)}")
    return meta


def load(path, *, check_source: bool = True) -> tuple[dict, dict]:
    """``(arrays, meta)`` of the result at ``path``; ``meta["stale"]`` lists modules changed since."""
    check_source = _checks.boolean("check_source", check_source)
    stem = _stem(path)
    meta = read_record(stem)
    data_file = stem.parent / meta["data_file"]
    if not data_file.is_file():
        raise ResultCorrupt(f"{_record(stem)} names data file {meta['data_file']!r}, which is missing; {_remedy(stem)}")
    data = data_file.read_bytes()
    if hashlib.sha256(data).hexdigest() != meta.get("data_sha256"):
        raise ResultCorrupt(f"{data_file} does not match the sha256 recorded in {_record(stem)}; {_remedy(stem)}")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise ResultCorrupt(f"{data_file} is not a readable array file ({e}); {_remedy(stem)}") from None
    meta["problems"] = []
    try:
        meta["verified"] = verification(stem)
    except ResultCorrupt as e:                                      # costs the verification only
        meta["verified"] = None
        meta["problems"].append(str(e))
    meta["stale"] = stale_modules(meta) if check_source else []
    return arrays, meta


def _verification_log(folder: Path) -> dict:
    """The parsed ``verified.json`` of ``folder`` ({"verifications": []} when absent); ResultCorrupt if damaged."""
    f = folder / VERIFIED
    if not f.is_file():
        return {"verifications": []}
    remedy = (f"delete it (the results then count as made by the code named in their own provenance) and re-run "
              f"`python -m rnnlab.grids NAME --out {folder} --verify 2` to re-check them")
    try:
        log = json.loads(f.read_bytes())
    except (ValueError, UnicodeDecodeError) as e:
        raise ResultCorrupt(f"{f} is not readable ({type(e).__name__}: {e}); {remedy}") from None
    entries = log.get("verifications") if isinstance(log, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("covers"), list)
                                                and isinstance(e.get("source"), dict) for e in entries):
        raise ResultCorrupt(f"{f} is not a verification log (a list of entries with covers and source); {remedy}")
    return log


def verification(path) -> dict | None:
    """The newest entry of ``verified.json`` beside ``path`` that covers it, or None."""
    stem = _stem(path)
    for entry in reversed(_verification_log(stem.parent)["verifications"]):
        if stem.name in entry["covers"]:
            return entry
    return None


def _names(name, value) -> list:
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)) or \
            not all(isinstance(v, str) for v in value):
        raise _checks.ArgTypeError(f"{name} must be a list of result names; got {_checks._what(value)}")
    return list(value)


def record_verification(folder, covers, checked, command: str = "") -> dict:
    """Append to ``folder/verified.json`` that ``checked`` (result names) were re-run under the current
    code and matched bit for bit; the entry vouches for ``covers`` (all results made by the same code).

    Earlier entries are kept (the file is a log); the write is atomic. A damaged log is not overwritten.
    """
    if not isinstance(folder, (str, os.PathLike)):
        raise _checks.ArgTypeError(f"folder must be a str or a path; got {type(folder).__name__}")
    folder = Path(folder)
    covers, checked = _names("covers", covers), _names("checked", checked)
    if not isinstance(command, str):
        raise _checks.ArgTypeError(f"command must be a string; got {_checks._what(command)}")
    if not set(checked) <= set(covers) or not checked:
        raise ValueError(f"checked must be a non-empty subset of covers; got {sorted(checked)}")
    missing = [n for n in covers if not exists(folder / n)]
    if missing:
        raise FileNotFoundError(f"covers names results not stored in {folder}: {missing[:3]}")
    log = _verification_log(folder)
    entry = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "command": command,
             "checked": sorted(checked), "covers": sorted(covers), "cpu": cpu_summary(), "source": source_hashes()}
    log["verifications"].append(entry)
    _atomic_write(folder / VERIFIED, (json.dumps(log, indent=1, default=_json_default) + "\n").encode())
    return entry


