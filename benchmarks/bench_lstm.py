"""Speed of rnnlab's recurrent layers, numpy path against compiled path (and torch, if it imports).

    make bench          # = OPENBLAS_NUM_THREADS=1 ... .venv/bin/python benchmarks/bench_lstm.py
    python benchmarks/bench_lstm.py [--repeats N] [--quick] [--here]

One BLAS thread, as in the book. Times are CPU time (``time.process_time``), best
of ``--repeats``: the minimum is the cost of the code, the other repeats were
slowed by whatever else ran on the machine. The script runs itself twice, in
subprocesses: once with the environment as it is and once under
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`` (OpenBLAS choosing its own
kernels, as on a reader's machine); ``--here`` runs once, in this process. Each run prints:

1. the BLAS libraries and kernels threadpoolctl reports, numpy's matmul rate;
2. LSTM forward + backward at B=32, T=100, H=128 (float32, float64): numpy path
   (``RNNLAB_FUSED=0``), compiled path, torch ``nn.LSTM``; minor page faults per
   call with a workspace;
3. small models, float32, cost per model: rnnlab S=1 and a population of S=16
   against torch looping over 16 ``nn.LSTM``;
4. one training step of a population per member (``train.loss_and_grads`` with a
   workspace) for the LSTM, GRU and RNN, numpy path and compiled path;
5. the sweep figure: runs per CPU-minute for one cell of the chapter 5 grid
   (S=90 members x 1000 steps of ``train.train``, ReLU LSTM H=16, adding T=80),
   extrapolated from ``--steps`` steps (default 20), numpy path and compiled path.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")     # the book's setting; before numpy loads its BLAS

import argparse
import resource
import subprocess
import sys
import time

import numpy as np

from rnnlab import lstm, population, stack, tasks, train
from rnnlab._tensor import Workspace

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
    return int(np.median(counts))


def engine(fused: bool):
    os.environ["RNNLAB_FUSED"] = "1" if fused else "0"


def rnnlab_step(dtype, B, T, H, D, S=None):
    """A forward + backward of one LSTM layer (a population of S when S is given), with a workspace."""
    rng = np.random.default_rng(0)
    lead = () if S is None else (S,)
    members = [lstm.init(np.random.default_rng(s), D, H, dtype=dtype) for s in range(S or 1)]
    params = members[0] if S is None else {k: np.stack([m[k] for m in members]) for k in members[0]}
    xs = rng.standard_normal((T,) + lead + (B, D)).astype(dtype)
    dhs = rng.standard_normal((T,) + lead + (B, H)).astype(dtype)
    ws = Workspace()

    def step():
        _, cache = lstm.forward(params, xs, workspace=ws)
        lstm.backward(dhs, cache, workspace=ws)

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


def train_step_cost(cell, S, B=32, T=40, H=32, repeats=5, **kw):
    """CPU seconds per member of one training step (forward, loss, backward), float32, with a workspace."""
    spec = stack.ModelSpec(cell=cell, hidden_size=H, **kw)
    params = stack.init_population(spec, range(S))
    xs, ys = population.sample(tasks.AddingTask(T=T), population.data_rngs(range(S)), B)
    ws = Workspace()
    return cpu_time(lambda: train.loss_and_grads(params, spec, xs, ys, workspace=ws), repeats) / S


def sweep_cell_rate(steps, S=90, repeats=2):
    """Runs per CPU-minute for one chapter 5 cell: S members x 1000 steps of train.train (ReLU LSTM, H=16, T=80)."""
    spec = stack.ModelSpec(cell="lstm", hidden_size=16, cand="relu", squash="relu")
    task, cfg = tasks.AddingTask(T=80), train.TrainConfig(steps=steps, lr=1e-3)
    params = stack.init_population(spec, range(S))
    t = cpu_time(lambda: train.train(params, spec, task, cfg, population.data_rngs(range(S))), repeats)
    per_member_step = t / steps / S
    return 60.0 / (per_member_step * 1000), per_member_step


def blas_lines():
    from threadpoolctl import threadpool_info
    out = []
    for lib in threadpool_info():
        if lib.get("user_api") == "blas":
            out.append(f"{lib.get('internal_api')} {lib.get('version')} kernels '{lib.get('architecture')}' "
                       f"{lib.get('num_threads')} thread(s) ({os.path.basename(lib.get('filepath', ''))})")
    return out


def matmul_rate(dtype, n=1024, repeats=5):
    a = np.random.default_rng(0).standard_normal((n, n)).astype(dtype)
    return 2 * n ** 3 / cpu_time(lambda: a @ a, repeats) / 1e9


def run(args):
    R = args.repeats
    if torch is not None:
        torch.set_num_threads(1)
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')} | torch "
          f"{torch.__version__ if torch else 'not installed'}")
    for line in blas_lines():
        print("  BLAS:", line)
    print("  numpy matmul 1024x1024: " + ", ".join(f"{np.dtype(d).name} {matmul_rate(d, repeats=R):.0f} GFLOP/s"
                                                   for d in (np.float32, np.float64)))

    print("LSTM forward + backward, B=32 T=100 H=128 D=2 (ms; page faults per call with a workspace):")
    for dtype in (np.float32, np.float64):
        res = {}
        for fused in (False, True):
            engine(fused)
            step = rnnlab_step(dtype, **MAIN)
            res[fused] = (cpu_time(step, R), page_faults(step))
        line = (f"  {np.dtype(dtype).name}: numpy {res[False][0] * 1e3:6.1f} ({res[False][1]} faults), "
                f"compiled {res[True][0] * 1e3:6.1f} ({res[True][1]} faults)")
        if torch is not None:
            tt = cpu_time(torch_step(dtype, **MAIN), R)
            line += f" | torch {tt * 1e3:6.1f}, compiled/torch = {res[True][0] / tt:4.2f}"
        print(line)

    print("Small models, float32, forward + backward per model (ms), compiled path:")
    engine(True)
    for size in SMALL[:1] if args.quick else SMALL:
        one = cpu_time(rnnlab_step(np.float32, **size), R)
        pop = cpu_time(rnnlab_step(np.float32, S=16, **size), R) / 16
        line = f"  B={size['B']:2d} T={size['T']:3d} H={size['H']:2d}: S=1 {one * 1e3:6.2f}, S=16 {pop * 1e3:6.2f}"
        if torch is not None:
            one_t = cpu_time(torch_step(np.float32, **size), R)
            tt = cpu_time(torch_step(np.float32, models=16, **size), R) / 16
            line += (f" | torch one {one_t * 1e3:6.2f}, loop of 16 {tt * 1e3:6.2f}: S=1/torch {one / one_t:4.2f}, "
                     f"S=16/torch loop {pop / tt:4.2f}")
        print(line)

    print("One training step of a population, float32, B=32 H=16 T=80, per member (ms): numpy -> compiled")
    for cell, kw in (("lstm", {"cand": "relu", "squash": "relu"}), ("gru", {}), ("rnn", {"act": "relu"})):
        if args.quick and cell != "lstm":
            continue
        costs = []
        for fused in (False, True):
            engine(fused)
            costs.append(train_step_cost(cell, 90, T=80, H=16, repeats=R, **kw))
        print(f"  {cell:4s} S=90: {costs[0] * 1e3:6.3f} -> {costs[1] * 1e3:6.3f} ({costs[0] / costs[1]:4.1f}x)")

    print(f"Sweep: one chapter 5 cell (S=90 x 1000 steps, ReLU LSTM H=16, adding T=80), from {args.steps} steps:")
    for fused in (False, True):
        engine(fused)
        rate, per = sweep_cell_rate(args.steps)
        print(f"  {'compiled' if fused else 'numpy   '}: {per * 1e3:6.3f} ms per member-step = {rate:6.3f} runs per CPU-minute")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20, help="train.train steps timed for the sweep figure")
    ap.add_argument("--quick", action="store_true", help="fewer sizes (for a smoke test)")
    ap.add_argument("--here", action="store_true", help="run once in this process, environment as it is")
    args = ap.parse_args()
    if args.here:
        return run(args)
    me = [sys.executable, os.path.abspath(__file__), "--here", "--repeats", str(args.repeats), "--steps", str(args.steps)]
    me += ["--quick"] if args.quick else []
    for title, env in (("The machine as it is", dict(os.environ)),
                       ("A reader's machine: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE",
                        {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")})):
        print(f"=== {title} ===", flush=True)
        subprocess.run(me, env=env, check=True)


if __name__ == "__main__":
    main()
