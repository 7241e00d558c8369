"""Command line: run (or resume) one stored grid or single result. ``python -m rnnlab.grids --help``.

Bad arguments give a usage message and exit code 2, never a traceback; so does a
refused or damaged result (with the remedy). Ctrl-C exits with 130 and says how to resume.
"""
from __future__ import annotations

import argparse
import shlex
import socket
import sys
import time
from pathlib import Path

from .. import _parallel, store, sweep
from . import available, get, is_single


def _positive(text: str) -> int:
    """argparse type: a positive integer."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}")
    return value


def _address(text: str) -> str:
    """argparse type: a Dask scheduler address, tcp://host:port."""
    try:
        return _parallel.check_address("--scheduler", text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e).replace("--scheduler ", "")) from None


def _reachable(address: str, timeout: float = 5.0) -> str | None:
    """None when a TCP connection to the scheduler opens within ``timeout`` s, else why not."""
    if not address.startswith(("tcp://", "tls://")):
        return None                                 # other transports: let Dask try
    host, _, port = address.split("://", 1)[1].rstrip("/").rpartition(":")
    if not host:
        host, port = port, "8786"
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            return None
    except (OSError, ValueError) as e:
        return str(e) or type(e).__name__


def _run_single(mod, out: Path, tiny: bool, overwrite: bool, command: str) -> Path:
    """Compute one single result and store it at ``out`` (refused if stored, unless ``overwrite``)."""
    if store.exists(out) and not overwrite:
        raise store.ResultExists(f"a result is already stored at {out}; pass --overwrite to replace it")
    settings = dict(mod.SETTINGS, **(getattr(mod, "TINY", {}) if tiny else {}))
    t0 = time.perf_counter()
    arrays, extra = mod.run(settings)
    meta = dict(extra, provenance=store.provenance(dict(settings, tiny=tiny), command, time.perf_counter() - t0))
    return store.save(out, arrays, meta, overwrite=overwrite)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m rnnlab.grids",
                                 description="Run or resume one of the book's grids, or compute a single result.")
    ap.add_argument("name", choices=available(), metavar="name", help="one of: " + ", ".join(available()))
    ap.add_argument("--out", type=Path, help="output folder (default: _scratch/<name>, never results/)")
    ap.add_argument("--jobs", type=_positive, default=1,
                    help="worker processes on this machine (one BLAS thread each; grids only)")
    ap.add_argument("--scheduler", type=_address, help="a Dask scheduler address, e.g. tcp://127.0.0.1:8786 (grids only)")
    ap.add_argument("--tiny", action="store_true", help="the seconds-long version")
    ap.add_argument("--overwrite", action="store_true",
                    help="replace a stored result (the old one stays whole until the new one is complete)")
    ap.add_argument("--verify", type=_positive, metavar="K",
                    help="re-run K stored cells of a grid and record them if bit-identical (see rnnlab.store)")
    ap.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                    help="show a progress bar (default: on a terminal, not under CI=true)")
    return ap


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    ap = parser()
    args = ap.parse_args(argv)                      # bad arguments: usage message, exit code 2
    grid = get(args.name)
    if is_single(grid):
        for flag, given in (("--jobs", args.jobs != 1), ("--scheduler", args.scheduler), ("--verify", args.verify)):
            if given:
                ap.error(f"{flag} applies to grids; {args.name} is a single result, computed in one process "
                         f"(regenerate it with --overwrite)")
    if args.scheduler and args.jobs != 1:
        ap.error("--jobs and --scheduler exclude each other: on a cluster the workers set the parallelism")
    if args.out is not None and args.out.exists() and not args.out.is_dir() and not is_single(grid):
        ap.error(f"--out must be a folder for a grid; got the file {args.out}")
    if args.scheduler and (why := _reachable(args.scheduler)):
        ap.error(f"--scheduler {args.scheduler} cannot be reached ({why}); start it with `dask scheduler`")
    out = args.out or Path("_scratch") / (args.name + ("_tiny" if args.tiny else ""))
    command = "python -m rnnlab.grids " + " ".join(shlex.quote(a) for a in argv)
    settings = dict(getattr(grid, "SETTINGS", {}), tiny=args.tiny)
    try:
        if args.verify is not None:
            same = sweep.verify_cells(grid.run_cell, grid.cells(tiny=args.tiny), out, sample=args.verify,
                                      measured=getattr(grid, "MEASURED", ()), command=command, settings=settings)
            print(f"{out}: {'verified' if same else 'NOT reproduced: regenerate it with --overwrite'}")
            return 0 if same else 1
        if is_single(grid):
            print(f"stored in {_run_single(grid, out, args.tiny, args.overwrite, command)}")
            return 0
        results = sweep.run_cells(grid.run_cell, grid.cells(tiny=args.tiny), out, jobs=args.jobs,
                                  scheduler=args.scheduler, overwrite=args.overwrite, settings=settings,
                                  command=command, progress=args.progress)
    except (store.ResultExists, store.ResultCorrupt, FileNotFoundError) as e:
        print(f"refused: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: the cells finished so far are stored; run the same command again to resume",
              file=sys.stderr)
        return 130
    print(f"{len(results)} cells stored in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
