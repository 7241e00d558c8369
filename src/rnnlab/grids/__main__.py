"""Command line: run (or resume) one stored grid. ``python -m rnnlab.grids --help``."""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from .. import store, sweep
from . import available, get


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    ap = argparse.ArgumentParser(prog="python -m rnnlab.grids", description="Run or resume one of the book's grids.")
    ap.add_argument("name", choices=available())
    ap.add_argument("--out", type=Path, help="output folder (default: _scratch/<name>, never results/)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (one BLAS thread each)")
    ap.add_argument("--scheduler", help="a Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    ap.add_argument("--tiny", action="store_true", help="the seconds-long version of the grid")
    ap.add_argument("--overwrite", action="store_true", help="replace a stored grid (otherwise refused)")
    ap.add_argument("--verify", type=int, metavar="K", help="re-run K stored cells and record them if bit-identical")
    args = ap.parse_args(argv)
    grid = get(args.name)
    out = args.out or Path("_scratch") / (args.name + ("_tiny" if args.tiny else ""))
    command = "python -m rnnlab.grids " + " ".join(shlex.quote(a) for a in argv)
    settings = dict(getattr(grid, "SETTINGS", {}), tiny=args.tiny)
    if args.verify is not None:
        same = sweep.verify_cells(grid.run_cell, grid.cells(tiny=args.tiny), out, sample=args.verify,
                                  command=command)
        print(f"{out}: {'verified' if same else 'NOT reproduced: regenerate it with --overwrite'}")
        return 0 if same else 1
    try:
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
