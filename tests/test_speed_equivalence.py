"""The numpy path of the engine gives bit-for-bit the results of the frozen numpy code (issue 15).

``_reference_lstm`` is a frozen copy of the layers as they were before the speed
work. Every output, cache array and gradient of the numpy path (``RNNLAB_FUSED=0``)
must be *identical* (np.array_equal, NaN never expected): no tolerance. The
compiled path (the default) is checked against the numpy path to a stated
tolerance in ``tests/test_fused.py``.
"""
import itertools

import numpy as np
import pytest

import _reference_lstm as ref
from rnnlab import gru, lstm, population, rnn, stack, tasks, train
from rnnlab._tensor import Workspace

DTYPES = (np.float16, np.float32, np.float64)
ACTS = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
SIZES = ((1, 1, 1, 1), (5, 3, 2, 4), (12, 8, 3, 16), (7, 4, 2, 33))   # (T, B, D, H)


@pytest.fixture(autouse=True)
def numpy_path(monkeypatch):
    """Every test here runs the numpy path."""
    monkeypatch.setenv("RNNLAB_FUSED", "0")


def _same(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, (what, a.dtype, b.dtype, a.shape, b.shape)
    assert np.array_equal(a, b, equal_nan=True), (what, np.max(np.abs(a.astype(float) - b.astype(float))))


def _same_tree(a, b, what=""):
    if isinstance(a, dict):
        assert sorted(a) == sorted(b), what
        for k in a:
            _same_tree(a[k], b[k], f"{what}.{k}")
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), what
        for k, (x, y) in enumerate(zip(a, b)):
            _same_tree(x, y, f"{what}[{k}]")
    else:
        _same(a, b, what)


def _problem(rng, module_init, T, B, D, H, dtype, S=None, shared_x=False, **init_kw):
    if S is None:
        params = module_init(np.random.default_rng(1), D, H, dtype=dtype, **init_kw)
    else:
        members = [module_init(np.random.default_rng(s), D, H, dtype=dtype, **init_kw) for s in range(S)]
        params = {k: np.stack([m[k] for m in members]) for k in members[0]}
    params = {k: (v + 0.3 * rng.standard_normal(v.shape)).astype(dtype) for k, v in params.items()}
    lead = () if S is None else (S,)
    xs = rng.standard_normal((T,) + (() if shared_x else lead) + (B, D)).astype(dtype)
    dhs = rng.standard_normal((T,) + lead + (B, H)).astype(dtype)
    return params, xs, dhs, lead


def _check_lstm(rng, T, B, D, H, dtype, S=None, shared_x=False, forget_gate=True, with_state=False, **acts):
    params, xs, dhs, lead = _problem(rng, lstm.init, T, B, D, H, dtype, S, shared_x, forget_gate=forget_gate)
    state0 = dstate_T = None
    if with_state:
        state0 = tuple(rng.standard_normal(lead + (B, H)).astype(dtype) for _ in range(2))
        dstate_T = tuple(rng.standard_normal(lead + (B, H)).astype(dtype) for _ in range(2))
    kw = dict(forget_gate=forget_gate, **acts)
    with np.errstate(all="ignore"):
        hs_r, c_r = ref.lstm_forward(params, xs, state0, **kw)
        out_r = ref.lstm_backward(dhs, c_r, dstate_T, return_trace=True)
        hs_n, c_n = lstm.forward(params, xs, state0, **kw)
        out_n = lstm.backward(dhs, c_n, dstate_T, return_trace=True)
        out_plain = lstm.backward(dhs, c_n, dstate_T)          # without a trace
    _same(hs_n, hs_r, "hs")
    _same_tree(out_plain, out_r[:3], "backward without trace")
    for field in ("xs", "zs", "acts", "cs", "sq", "hs"):
        _same(getattr(c_n, field), getattr(c_r, field), f"cache.{field}")
    _same_tree(out_n, out_r, "backward")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("T,B,D,H", SIZES)
@pytest.mark.parametrize("forget_gate", (True, False))
def test_lstm_identical_sizes_dtypes(dtype, T, B, D, H, forget_gate, rng):
    _check_lstm(rng, T, B, D, H, dtype, forget_gate=forget_gate, with_state=True)


@pytest.mark.parametrize("role,act", list(itertools.product(("gate", "cand", "squash"), ACTS)))
@pytest.mark.parametrize("dtype", DTYPES)
def test_lstm_identical_every_role(role, act, dtype, rng):
    for fg in (True, False):
        _check_lstm(rng, 6, 4, 3, 8, dtype, forget_gate=fg, **{role: act})


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shared_x", (False, True))
@pytest.mark.parametrize("S", (1, 3, 16))
def test_lstm_identical_population(dtype, shared_x, S, rng):
    for fg, state in ((True, False), (False, True)):
        _check_lstm(rng, 9, 5, 2, 12, dtype, S=S, shared_x=shared_x, forget_gate=fg, with_state=state)
    _check_lstm(rng, 4, 3, 2, 6, dtype, S=S, shared_x=shared_x, gate="relu", cand="identity", squash="leaky_relu")


def test_lstm_main_benchmark_size_identical(rng):
    _check_lstm(rng, 20, 32, 2, 128, np.float32)
    _check_lstm(rng, 10, 32, 2, 32, np.float32, S=16, shared_x=False)


@pytest.mark.parametrize("dtype,ddtype", [(np.float32, np.float64), (np.float16, np.float32), (np.float64, np.float32)])
def test_lstm_identical_when_dhs_has_another_dtype(dtype, ddtype, rng):
    for fg in (True, False):
        params, xs, dhs, _ = _problem(rng, lstm.init, 6, 3, 2, 5, dtype, forget_gate=fg)
        dhs = dhs.astype(ddtype)
        _same_tree(lstm.backward(dhs, lstm.forward(params, xs, forget_gate=fg)[1], return_trace=True),
                   ref.lstm_backward(dhs, ref.lstm_forward(params, xs, forget_gate=fg)[1], return_trace=True), "bwd")


def test_lstm_caches_survive_later_calls(rng):
    """Reused work buffers must never clobber a cache or an output still held by the caller."""
    params, xs, dhs, _ = _problem(rng, lstm.init, 8, 4, 2, 8, np.float32)
    hs1, c1 = lstm.forward(params, xs)
    snapshot = {f: getattr(c1, f).copy() for f in ("zs", "acts", "cs", "sq", "hs")}
    g1 = lstm.backward(dhs, c1)
    hs2, c2 = lstm.forward(params, 2 * xs)                    # same shapes: same buffer keys
    g2 = lstm.backward(2 * dhs, c2)
    for f, v in snapshot.items():
        _same(getattr(c1, f), v, f"cache.{f} after a second call")
    _same_tree(lstm.backward(dhs, c1), g1, "backward again")
    assert not np.shares_memory(hs1, hs2)
    for a, b in zip(g1[0].values(), g2[0].values()):
        assert not np.shares_memory(a, b)


@pytest.mark.parametrize("name", ("rnn", "gru"))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("S", (None, 4))
def test_rnn_gru_identical(name, dtype, S, rng):
    module, r = {"rnn": (rnn, ref.rnn), "gru": (gru, ref.gru)}[name]
    acts = ({"act": a} for a in ACTS) if name == "rnn" else ({"gate": a, "cand": c} for a, c in zip(ACTS, ACTS[::-1]))
    for kw in acts:
        params, xs, dhs, lead = _problem(rng, module.init, 7, 3, 2, 5, dtype, S)
        h0 = rng.standard_normal(lead + (3, 5)).astype(dtype)
        with np.errstate(all="ignore"):
            hs_r, c_r = r.forward(params, xs, h0, **kw)
            out_r = r.backward(dhs, c_r, h0, return_trace=True)
            hs_n, c_n = module.forward(params, xs, h0, **kw)
            out_n = module.backward(dhs, c_n, h0, return_trace=True)
        _same(hs_n, hs_r, "hs")
        _same_tree(out_n, out_r, "backward")


@pytest.mark.parametrize("cell,copy,layers,forget_gate", [
    ("lstm", False, 1, True), ("lstm", True, 2, True), ("lstm", False, 1, False), ("gru", False, 2, True),
    ("rnn", True, 1, True)])
def test_training_20_steps_identical(cell, copy, layers, forget_gate, monkeypatch):
    """20 steps of rnnlab.train on a population of 4: same history and final weights."""
    task = tasks.CopyTask(T=5) if copy else tasks.AddingTask(T=15)
    spec = stack.ModelSpec(cell=cell, hidden_size=12, layers=layers, input_size=task.input_size,
                           output_size=task.output_size, return_sequences=task.return_sequences,
                           forget_gate=forget_gate)
    cfg = train.TrainConfig(steps=20, batch_size=16, lr=1e-2, clip="norm")

    def run():
        params = stack.init_population(spec, range(4))
        return train.train(params, spec, task, cfg, population.data_rngs(range(4)))

    new_params, new_hist = run()
    with monkeypatch.context() as m:
        m.setattr(stack, "forward", lambda *a, workspace=None, **k: ref.stack_forward(*a, **k))
        m.setattr(stack, "backward", lambda *a, workspace=None, **k: ref.stack_backward(*a, **k))
        for k, v in ref.CELLS.items():
            m.setitem(stack.CELLS, k, v)
        ref_params, ref_hist = run()
    _same_tree(new_params, ref_params, "params")
    for f in ("loss", "grad_norm", "grad_norm_clipped", "max_h", "max_c"):
        _same(getattr(new_hist, f), getattr(ref_hist, f), f"history.{f}")
    assert new_hist.steps_run == ref_hist.steps_run == 20


def test_workspace_reuses_memory_and_gives_the_same_bits(rng):
    """With a workspace, a second call reuses its buffers (the first call's results are overwritten,
    as documented) and computes the same bits as without one."""
    params, xs, dhs, _ = _problem(rng, lstm.init, 8, 4, 2, 8, np.float32, S=3)
    ws = Workspace()
    hs1, c1 = lstm.forward(params, xs, workspace=ws)
    g1 = lstm.backward(dhs, c1, workspace=ws)
    hs_ref, c_ref = lstm.forward(params, xs)
    _same(hs1, hs_ref, "hs with a workspace")
    _same_tree(g1, lstm.backward(dhs, c_ref), "backward with a workspace")
    held = ws.nbytes
    hs2, c2 = lstm.forward(params, 2 * xs, workspace=ws)
    assert np.shares_memory(hs1, hs2) and ws.nbytes == held            # the same memory, reused
    assert ws.part("a") is ws.part("a") and ws.part("a") is not ws.part("b")


def test_no_reference_counting_in_the_package():
    import pathlib
    src = pathlib.Path(__file__).resolve().parents[1] / "src" / "rnnlab"
    assert not [p for p in src.rglob("*.py") if "getrefcount" in p.read_text()]


@pytest.mark.parametrize("fused", ["0", "1"])
def test_page_faults_with_a_workspace(fused, monkeypatch):
    """After a warm-up call, forward + backward with a workspace take (almost) no page faults."""
    import resource
    monkeypatch.setenv("RNNLAB_FUSED", fused)
    rng = np.random.default_rng(0)
    params = lstm.init(rng, 2, 128, dtype=np.float32)
    xs = rng.standard_normal((100, 32, 2)).astype(np.float32)
    dhs = rng.standard_normal((100, 32, 128)).astype(np.float32)
    ws = Workspace()

    def step():
        _, cache = lstm.forward(params, xs, workspace=ws)
        lstm.backward(dhs, cache, workspace=ws)

    step()
    faults = []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        step()
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    assert min(faults) < 100, faults                        # thousands without a workspace
