"""Running a sweep's cells: here, in joblib worker processes, or on a Dask cluster, with a progress bar.

Each task is ``worker(*args) -> (name, cpu_seconds)``; :func:`run_tasks` runs
them all and returns the sum of their CPU seconds. Completions arrive in any
order; each is logged and moves the progress bar (tqdm, with an ETA), which
shows only on a terminal and not under ``CI=true``.
"""
from __future__ import annotations

import os
import re
import sys

from . import _checks

ADDRESS = re.compile(r"(tcp|tls|ucx|ws|wss)://(\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+)(:\d{1,5})?/?|inproc://\S+")
"""A Dask scheduler address, such as ``tcp://127.0.0.1:8786``."""


def check_address(name: str, value) -> str:
    """A Dask scheduler address (``tcp://host:port``); TypeError unless a string, ValueError unless one."""
    if not isinstance(value, str):
        raise _checks.ArgTypeError(f"{name} must be an address string such as 'tcp://127.0.0.1:8786'; got {value!r}")
    if not ADDRESS.fullmatch(value):
        raise ValueError(f"{name} must be a Dask scheduler address such as 'tcp://127.0.0.1:8786'; got {value!r}")
    return value


def show_progress(progress) -> bool:
    """Whether to draw a progress bar: ``progress`` if given, else on a terminal outside CI."""
    if progress is not None:
        return _checks.boolean("progress", progress)
    return sys.stderr.isatty() and os.environ.get("CI", "").lower() not in ("true", "1")


def run_tasks(worker, tasks: list, jobs: int, scheduler, log, progress, desc: str = "") -> float:
    """Run every task, log each completion, and return the CPU seconds they took."""
    from tqdm.auto import tqdm

    show = show_progress(progress)
    with tqdm(total=len(tasks), desc=desc, unit="cell", disable=not show or not tasks, file=sys.stderr,
              dynamic_ncols=True) as bar:
        say = bar.write if show and log is print else log
        cpu = 0.0
        if scheduler is not None:
            done = _on_dask(worker, tasks, scheduler)
        elif jobs == 1 or len(tasks) <= 1:
            done = (worker(*t) for t in tasks)
        else:
            from joblib import Parallel, delayed
            done = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")(
                delayed(worker)(*t) for t in tasks)
        for name, seconds in done:
            say(f"{name}: {seconds:.1f} s CPU")
            cpu += seconds
            bar.update(1)
    return cpu


def _on_dask(worker, tasks, scheduler):
    """Submit every task to the Dask scheduler and yield results as they complete (optional dependency)."""
    if not tasks:
        return
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise ValueError(f"scheduler needs dask.distributed (pip install \"dask[distributed]\"); got {scheduler!r}") from None
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as e:
        raise ValueError(f"scheduler must be the address of a running Dask scheduler; cannot reach {scheduler} ({e})") from None
    futures = []
    try:
        futures = [client.submit(worker, *t, pure=False) for t in tasks]
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.cancel(futures)
        client.close()
