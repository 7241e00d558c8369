"""Speed of rnnlab's LSTM against the machine's own matmul rate.

    .venv/bin/python benchmarks/bench_lstm.py [--repeats N]

Prints, in one run:
1. numpy's matmul rate (GFLOP/s) on 1024 x 1024 matrices, float64 and float32;
2. LSTM forward + backward at B=32, T=100, H=128, D=2: time, achieved GFLOP/s
   (counting the matmuls only) and that rate as a fraction of the matmul rate;
3. the cost per model when S = 1, 8, 64 models train as one population.

FLOP count per step (forward + backward), n = 4 blocks:
    recurrent: 3 x 2 B H (nH)   (h W_h forward, dz W_h^T and h^T dz backward)
    input:     3 x 2 B D (nH)   (x W_x forward, dz W_x^T and x^T dz backward)
    readout and elementwise work are not counted.
"""
from __future__ import annotations

import argparse
import os
import platform

import numpy as np

from rnnlab import lstm, stack, tasks, train
from rnnlab.timing import best_time


def matmul_rate(dtype, n=1024, repeats=5):
    a = np.random.default_rng(0).standard_normal((n, n)).astype(dtype)
    return 2 * n ** 3 / best_time(lambda: a @ a, repeats) / 1e9


def lstm_flops(B, T, H, D):
    return T * 3 * 2 * B * (H + D) * 4 * H


def lstm_time(dtype, B=32, T=100, H=128, D=2, repeats=5):
    rng = np.random.default_rng(0)
    params = lstm.init(rng, D, H, dtype=dtype)
    xs = rng.standard_normal((T, B, D)).astype(dtype)
    dhs = rng.standard_normal((T, B, H)).astype(dtype)

    def step():
        _, cache = lstm.forward(params, xs)
        lstm.backward(dhs, cache)

    return best_time(step, repeats)


def population_cost(S, B=32, T=100, H=128, repeats=3):
    """Seconds per model for one training step of a population of S LSTMs (float32)."""
    spec = stack.ModelSpec(hidden_size=H)
    params = stack.init_population(spec, range(S))
    task = tasks.AddingTask(T=T)
    xs, ys = task.sample(np.random.default_rng(0), B)
    return best_time(lambda: train.loss_and_grads(params, spec, xs, ys), repeats) / S


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}")
    flops = lstm_flops(32, 100, 128, 2)
    for dtype in (np.float64, np.float32):
        rate = matmul_rate(dtype, repeats=args.repeats)
        t = lstm_time(dtype, repeats=args.repeats)
        achieved = flops / t / 1e9
        print(f"{np.dtype(dtype).name}: matmul {rate:6.1f} GFLOP/s | LSTM fwd+bwd B=32 T=100 H=128: "
              f"{t * 1e3:6.1f} ms, {achieved:5.1f} GFLOP/s = {100 * achieved / rate:4.1f} % of matmul")
    for H in (128, 32):
        base = None
        for S in (1, 8, 64):
            per = population_cost(S, H=H, repeats=max(1, args.repeats // 2))
            base = base or per
            print(f"population, float32, H={H:3d}: S={S:2d}  {per * 1e3:7.2f} ms per model per step "
                  f"({base / per:4.2f}x cheaper than S=1)")


if __name__ == "__main__":
    main()
