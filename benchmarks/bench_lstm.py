"""Speed of rnnlab's LSTM against the machine's own matmul rate (and torch, if installed).

    make bench          # = OPENBLAS_NUM_THREADS=1 ... .venv/bin/python benchmarks/bench_lstm.py
    python benchmarks/bench_lstm.py [--repeats N] [--quick]

One BLAS thread, as in the book. Times are CPU time (``time.process_time``),
best of ``--repeats``: the minimum is the cost of the code, the other repeats
were slowed by whatever else ran on the machine. Prints, in one run:

1. the CPU features numpy dispatches to and OpenBLAS's core;
2. numpy's matmul rate (GFLOP/s) on 1024 x 1024 matrices, float32 and float64;
3. LSTM forward + backward at B=32, T=100, H=128, D=2: time, achieved GFLOP/s
   (counting the matmuls only), that rate as a fraction of the matmul rate,
   minor page faults per call, and torch ``nn.LSTM``'s time when torch imports;
4. the book's small workloads, one model at a time and as a population of
   S = 16 (cost per model), against torch looping over 16 ``nn.LSTM``;
5. one training step (``train.loss_and_grads``) per model, S = 1 and S = 16, H = 32,
   for the LSTM, GRU and RNN.

FLOP count per step (forward + backward), n = 4 blocks:
    recurrent: 3 x 2 B H (nH)   (h W_h forward, dz W_h^T and h^T dz backward)
    input:     3 x 2 B D (nH)   (x W_x forward, dz W_x^T and x^T dz backward)
    readout and elementwise work are not counted.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")     # the book's setting; before numpy loads its BLAS

import argparse
import resource
import time

import numpy as np

from rnnlab import lstm, stack, tasks, train
from rnnlab.store import cpu_summary

try:
    import torch
except ImportError:                      # torch is never a requirement
    torch = None

MAIN = dict(B=32, T=100, H=128, D=2)
SMALL = [dict(B=32, T=40, H=32, D=2), dict(B=64, T=80, H=16, D=2), dict(B=32, T=20, H=32, D=2)]


def cpu_time(fn, repeats):
    """Best-of-``repeats`` CPU seconds of ``fn()`` after one warm-up call."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def page_faults(fn, calls=5):
    """Minor page faults per call of ``fn()`` (median over ``calls``, after a warm-up call)."""
    fn()
    counts = []
    for _ in range(calls):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        fn()
        counts.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    return int(np.median(counts)), max(counts)


def matmul_rate(dtype, n=1024, repeats=5):
    a = np.random.default_rng(0).standard_normal((n, n)).astype(dtype)
    return 2 * n ** 3 / cpu_time(lambda: a @ a, repeats) / 1e9


def lstm_flops(B, T, H, D, S=1):
    return S * T * 3 * 2 * B * (H + D) * 4 * H


def rnnlab_step(dtype, B, T, H, D, S=None):
    """A forward + backward of one LSTM layer (a population of S when S is given)."""
    rng = np.random.default_rng(0)
    lead = () if S is None else (S,)
    if S is None:
        params = lstm.init(rng, D, H, dtype=dtype)
    else:
        members = [lstm.init(np.random.default_rng(s), D, H, dtype=dtype) for s in range(S)]
        params = {k: np.stack([m[k] for m in members]) for k in members[0]}
    xs = rng.standard_normal((T,) + lead + (B, D)).astype(dtype)
    dhs = rng.standard_normal((T,) + lead + (B, H)).astype(dtype)

    def step():
        _, cache = lstm.forward(params, xs)
        lstm.backward(dhs, cache)

    return step


def torch_step(dtype, B, T, H, D, models=1):
    """Forward + backward of ``models`` separate torch ``nn.LSTM``s, one after the other."""
    tdtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    torch.manual_seed(0)
    nets = [torch.nn.LSTM(D, H).to(tdtype) for _ in range(models)]
    xs = [torch.randn(T, B, D, dtype=tdtype, requires_grad=True) for _ in range(models)]
    dhs = torch.randn(T, B, H, dtype=tdtype)

    def step():
        for net, x in zip(nets, xs):
            out, _ = net(x)
            out.backward(dhs)

    return step


def population_train_cost(cell, S, B=32, T=40, H=32, repeats=5):
    """CPU seconds per model of one training step (forward, loss, backward) of S models (float32)."""
    spec = stack.ModelSpec(cell=cell, hidden_size=H)
    params = stack.init_population(spec, range(S))
    xs, ys = tasks.AddingTask(T=T).sample(np.random.default_rng(0), B)
    return cpu_time(lambda: train.loss_and_grads(params, spec, xs, ys), repeats) / S


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--quick", action="store_true", help="fewer sizes (for a smoke test)")
    args = ap.parse_args()
    R = args.repeats
    if torch is not None:
        torch.set_num_threads(1)
    info = cpu_summary()
    blas = info.get("blas") or [{}]
    fused = "on (numba)" if _fused_on() else "off (numpy only)"
    print(f"CPU: {info['machine']}, {os.cpu_count()} cores | numpy {info['numpy']} SIMD: "
          f"{' '.join(info.get('numpy_dispatch', [])) or '?'} | OpenBLAS {blas[0].get('version')} core "
          f"{blas[0].get('architecture')}, {blas[0].get('num_threads')} thread(s) | fused kernels: {fused}"
          f" | torch: {torch.__version__ if torch else 'not installed'}")
    rates = {}
    for dtype in (np.float32, np.float64):
        rates[dtype] = matmul_rate(dtype, repeats=R)
        print(f"{np.dtype(dtype).name}: numpy matmul 1024x1024, 1 thread: {rates[dtype]:6.1f} GFLOP/s")

    print("\nLSTM forward + backward, B=32 T=100 H=128 D=2 (one layer):")
    for dtype in (np.float32, np.float64):
        step = rnnlab_step(dtype, **MAIN)
        t = cpu_time(step, R)
        achieved = lstm_flops(**MAIN) / t / 1e9
        faults, worst = page_faults(step)
        line = (f"  {np.dtype(dtype).name}: rnnlab {t * 1e3:6.1f} ms = {achieved:5.1f} GFLOP/s = "
                f"{100 * achieved / rates[dtype]:4.1f} % of matmul | page faults per call {faults} (max {worst})")
        if torch is not None:
            tt = cpu_time(torch_step(dtype, **MAIN), R)
            line += f" | torch nn.LSTM {tt * 1e3:6.1f} ms, rnnlab/torch = {t / tt:4.2f}"
        print(line)

    print("\nSmall workloads, float32, cost per model (population S=16 vs one model vs torch looping over 16):")
    for size in SMALL[:1] if args.quick else SMALL:
        one = cpu_time(rnnlab_step(np.float32, **size), R)
        pop = cpu_time(rnnlab_step(np.float32, S=16, **size), R) / 16
        line = (f"  B={size['B']:2d} T={size['T']:3d} H={size['H']:2d}: rnnlab S=1 {one * 1e3:6.2f} ms, "
                f"S=16 {pop * 1e3:6.2f} ms per model ({one / pop:4.2f}x cheaper)")
        if torch is not None:
            tt = cpu_time(torch_step(np.float32, models=16, **size), R) / 16
            line += f" | torch loop {tt * 1e3:6.2f} ms per model, rnnlab S=16 / torch = {pop / tt:4.2f}"
        print(line)

    print("\nOne training step (forward, MSE, backward), float32, B=32 T=40 H=32, cost per model:")
    for cell in ("lstm",) if args.quick else ("lstm", "gru", "rnn"):
        one = population_train_cost(cell, 1, repeats=R)
        pop = population_train_cost(cell, 16, repeats=R)
        print(f"  {cell:4s}: S=1 {one * 1e3:6.2f} ms, S=16 {pop * 1e3:6.2f} ms per model ({one / pop:4.2f}x cheaper)")


def _fused_on():
    try:
        from rnnlab import _fused
    except ImportError:
        return False
    return _fused.enabled()


if __name__ == "__main__":
    main()
