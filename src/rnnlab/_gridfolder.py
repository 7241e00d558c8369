"""A grid's folder on disk: its manifest, and replacing the whole grid in one step.

The manifest (``manifest.json``) lists the stored cells of a complete grid; an
unreadable one names itself and the remedy (:func:`read_manifest`), and the next
run of the grid rewrites it. An overwrite writes the new grid beside the old one
and swaps the folders when it is complete:

    out/                  the grid that readers load
    .out.overwrite/       the new grid, written (and resumed) by an interrupted or running overwrite
    .out.replaced/        the old grid on its way out

When the new grid is complete, :func:`swap_in` exchanges the two folders. On
Linux one system call does it atomically (``renameat2`` with ``RENAME_EXCHANGE``):
a reader sees the old grid or the new one, never neither. Elsewhere it is two
renames (``out`` -> ``.out.replaced``, ``.out.overwrite`` -> ``out``); between
them :func:`readable` still finds the old grid, and :func:`recover` finishes
the swap on the next run. Killing an overwrite at any other moment leaves
``out`` as it was.
"""
from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import sys
from pathlib import Path

from . import _checks, store

MANIFEST = "manifest.json"
_REMEDY = ("re-run the grid's command without --overwrite: it reuses every stored cell and rewrites the manifest "
           "(python -m rnnlab.grids NAME --out DIR)")
STORE_SUFFIXES = (".json", ".npz", ".tmp")
"""What a grid folder holds: records, manifest and verification log (.json), arrays (.npz), temporary files."""


def folder(name: str, value) -> Path:
    """A grid folder argument: a str or path naming a folder (not an existing file)."""
    if not isinstance(value, (str, os.PathLike)):
        raise _checks.ArgTypeError(f"{name} must be a str or a path; got {type(value).__name__}")
    p = Path(value)
    if p.exists() and not p.is_dir():
        raise ValueError(f"{name} must be a folder; got the file {p}")
    if p.name in ("", ".", ".."):
        p = p.resolve()
    return p


def staging(out: Path) -> Path:
    return out.parent / f".{out.name}.overwrite"


def _replaced(out: Path) -> Path:
    return out.parent / f".{out.name}.replaced"


def holds_results(out: Path) -> bool:
    """True when ``out`` holds stored results. A folder that holds anything else (a subfolder, other
    files) is refused: an overwrite replaces the whole folder, and must not take unrelated files with it."""
    if not out.is_dir():
        return False
    foreign = [p.name for p in out.iterdir() if p.is_dir() or not p.name.endswith(STORE_SUFFIXES)]
    if foreign:
        raise ValueError(f"out_dir must be a grid's own folder to be replaced; got {out}, which also holds "
                         f"{sorted(foreign)[:3]} (choose the grid's folder, e.g. results/<name>)")
    return any(p.suffix == ".json" for p in out.iterdir())


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two folders (Linux renameat2); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def swap_in(new: Path, out: Path):
    """Make the complete grid in ``new`` the one at ``out``, and delete the old one."""
    old = _replaced(out)
    shutil.rmtree(old, ignore_errors=True)
    if out.exists() and _exchange(new, out):
        os.rename(new, old)                             # ``new`` now holds the old grid
    else:
        if out.exists():
            os.rename(out, old)
        os.rename(new, out)
    shutil.rmtree(old, ignore_errors=True)


def recover(out: Path, log):
    """Finish a swap that was interrupted between its two renames, and clear a deleted grid's leftovers."""
    old, new = _replaced(out), staging(out)
    if not out.exists() and old.exists():
        if (new / MANIFEST).is_file():
            os.rename(new, out)
            log(f"{out}: finished the swap of an interrupted overwrite")
        else:
            os.rename(old, out)
            log(f"{out}: restored the grid an interrupted overwrite had moved aside")
    if out.exists() and old.exists():
        shutil.rmtree(old, ignore_errors=True)


def readable(out: Path, manifest: str) -> Path:
    """The folder to read the grid ``out`` from: itself, or its old grid during an interrupted two-rename swap."""
    if not (out / manifest).is_file() and not out.exists() and (_replaced(out) / manifest).is_file():
        return _replaced(out)
    return out


def damaged(out: Path, log) -> bool:
    """True (and logged) when the manifest of ``out`` is unreadable: the resume that follows rewrites it."""
    try:
        read_manifest(out)
        return False
    except store.ResultCorrupt as e:
        log(f"{e.args[0].split(';')[0]}: resuming the grid rewrites it")
        return True


def read_manifest(out: Path) -> dict:
    """The parsed manifest of a complete grid (also of a grid whose overwrite was interrupted mid-swap)."""
    out = readable(out, MANIFEST)
    f = out / MANIFEST
    if not f.is_file():
        raise FileNotFoundError(f"no complete grid at {out} (manifest.json missing: run or resume the sweep)")
    try:
        body = json.loads(f.read_bytes())
    except (ValueError, UnicodeDecodeError) as e:
        raise store.ResultCorrupt(f"{f} is not readable ({type(e).__name__}: {e}); {_REMEDY}") from None
    if not isinstance(body, dict) or not isinstance(body.get("cells"), list) or \
            not all(isinstance(c, str) for c in body["cells"]):
        raise store.ResultCorrupt(f"{f} is not a grid manifest (a list of cells); {_REMEDY}")
    for name in body["cells"]:
        if not name or name.startswith(".") or "/" in name or "\\" in name or not store.exists(out / name):
            raise store.ResultCorrupt(f"{f} lists a cell {name!r} that is not stored in {out}; {_REMEDY}")
    body["folder"] = str(out)
    return body
