"""rnnlab.threads: one BLAS thread, for the whole process or inside a block."""
import subprocess
import sys

from rnnlab import threads


def test_one_blas_thread_as_a_block_restores_the_limit():
    before = threads.blas_threads()
    with threads.one_blas_thread():
        assert threads.blas_threads() and set(threads.blas_threads()) == {1}
    assert threads.blas_threads() == before


def test_one_blas_thread_for_the_process_after_numpy_is_loaded():
    code = ("import numpy as np; np.ones((4, 4)) @ np.ones((4, 4)); from rnnlab import threads; "
            "threads.one_blas_thread(); print(threads.blas_threads())")
    env = {"PATH": "", "OPENBLAS_NUM_THREADS": "2", "PYTHONPATH": ":".join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert set(eval(out)) == {1}
