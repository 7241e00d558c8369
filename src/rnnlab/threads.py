"""One BLAS thread: the book's one way to ask for it from Python.

The layers multiply many small matrices (e.g. (32 x 128) @ (128 x 512) per
step); on a 2-core machine a multi-threaded BLAS spends more time handing work
between threads than computing, and the thread count must not change a stored
number. :func:`one_blas_thread` limits every BLAS and OpenMP pool of the
running process to one thread with threadpoolctl, which finds the pools numpy
and scipy actually loaded (OpenBLAS, MKL, BLIS), so it works after numpy is
imported::

    from rnnlab import threads
    threads.one_blas_thread()            # from now on, in this process
    with threads.one_blas_thread():      # or only inside the block
        ...

Environment variables (``OPENBLAS_NUM_THREADS=1``) do the same only if set
before numpy loads; the Makefile and ``tools/run_chapter.py`` set them for
whole runs.
"""
from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits


def one_blas_thread() -> threadpool_limits:
    """Limit BLAS and OpenMP to one thread; returns the limiter (a context manager that restores the old limits)."""
    return threadpool_limits(limits=1)


def blas_threads() -> list[int]:
    """The thread count of every BLAS pool loaded in this process (e.g. ``[1]``)."""
    return [d["num_threads"] for d in threadpool_info() if d.get("user_api") == "blas"]
