"""Command line: run (or resume) one stored grid or single result. ``python -m rnnlab.grids --help``."""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from .. import store, sweep
from . import available, get, is_single


def _run_single(mod, out: Path, tiny: bool, overwrite: bool, command: str) -> Path:
    """Compute one single result and store it at ``out`` (refused if stored, unless ``overwrite``)."""
    if store.exists(out) and not overwrite:
        raise store.ResultExists(f"a result is already stored at {out}; pass --overwrite to replace it")
    settings = dict(mod.SETTINGS, **(getattr(mod, "TINY", {}) if tiny else {}))
    t0 = time.perf_counter()
    arrays, extra = mod.run(settings)
    meta = dict(extra, provenance=store.provenance(dict(settings, tiny=tiny), command, time.perf_counter() - t0))
    return store.save(out, arrays, meta, overwrite=overwrite)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    ap = argparse.ArgumentParser(prog="python -m rnnlab.grids",
                                 description="Run or resume one of the book's grids, or compute a single result.")
    ap.add_argument("name", choices=available())
    ap.add_argument("--out", type=Path, help="output folder (default: _scratch/<name>, never results/)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (one BLAS thread each; grids only)")
    ap.add_argument("--scheduler", help="a Dask scheduler address, e.g. tcp://127.0.0.1:8786 (grids only)")
    ap.add_argument("--tiny", action="store_true", help="the seconds-long version")
    ap.add_argument("--overwrite", action="store_true", help="replace a stored result (otherwise refused)")
    ap.add_argument("--verify", type=int, metavar="K",
                    help="re-run K stored cells of a grid and record them if bit-identical (see rnnlab.store)")
    args = ap.parse_args(argv)
    grid = get(args.name)
    out = args.out or Path("_scratch") / (args.name + ("_tiny" if args.tiny else ""))
    command = "python -m rnnlab.grids " + " ".join(shlex.quote(a) for a in argv)
    if args.verify is not None:
        if is_single(grid):
            print(f"--verify applies to grids; {args.name} is a single result: regenerate it with --overwrite",
                  file=sys.stderr)
            return 2
        same = sweep.verify_cells(grid.run_cell, grid.cells(tiny=args.tiny), out, sample=args.verify,
                                  measured=getattr(grid, "MEASURED", ()), command=command)
        print(f"{out}: {'verified' if same else 'NOT reproduced: regenerate it with --overwrite'}")
        return 0 if same else 1
    try:
        if is_single(grid):
            print(f"stored in {_run_single(grid, out, args.tiny, args.overwrite, command)}")
            return 0
        settings = dict(getattr(grid, "SETTINGS", {}), tiny=args.tiny)
        results = sweep.run_cells(grid.run_cell, grid.cells(tiny=args.tiny), out, jobs=args.jobs,
                                  scheduler=args.scheduler, overwrite=args.overwrite, settings=settings,
                                  command=command)
    except store.ResultExists as e:
        print(f"refused: {e}", file=sys.stderr)
        return 2
    print(f"{len(results)} cells stored in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
