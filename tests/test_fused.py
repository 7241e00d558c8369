"""The compiled layers (rnnlab._fused and its kernels) against the numpy reference.

Every cell x activation x dtype x (lone model, population, population sharing
one input) x (products in the kernel, products by numpy's matmul): outputs, the
cache arrays backward uses, every gradient, dstate0 and dxs. Tolerances, per
array, with scale = 1 + max |numpy value|:

* float64: max |fused - numpy| <= 1e-12 scale  (the sums run in another order);
* float32: max |fused - numpy| <= 1e-5 scale   (also: exp and tanh to a few ulp,
  rnnlab._fused_math). Where the loop amplifies rounding (an unbounded
  activation in a gate role), both paths are compared with the same problem
  computed in float64: the compiled path's error is at most 1e-4 scale or at
  most 10 times numpy's own error (amplified errors vary from case to case).

The problems are kept small (few steps, moderate weights), so that these bounds
measure the arithmetic. 20 training steps of ``train.train`` agree too
(tolerances below).
"""
import numba
import numpy as np
import pytest

from rnnlab import _fused, _fused_acts, activations, gru, indrnn, lstm, population, rnn, stack, tasks, train

pytestmark = pytest.mark.skipif(not _fused.enabled(), reason="numba is not importable or RNNLAB_FUSED=0")

TOL = {np.float64: 1e-12, np.float32: 1e-5}
NAMES = sorted(activations.REGISTRY)
MADE = {"relu(d0=0.5)": activations.make_relu(0.5), "leaky_relu(slope=0.2)": activations.make_leaky_relu(0.2),
        "leaky_relu(d0=1)": activations.make_leaky_relu(0.1, d0=1.0), "clipped_relu(cap=1)": activations.make_clipped_relu(1.0)}
ACTS = NAMES + list(MADE)
# (T, B, D, H): H = 5 takes the kernels' own products, H = 7 numpy's matmul (OWN_PRODUCTS_MAX_H is set to 6).
SIZES = {"own": (6, 3, 2, 5), "blas": (5, 4, 3, 7)}


@pytest.fixture
def products(request, monkeypatch):
    monkeypatch.setattr(_fused, "OWN_PRODUCTS_MAX_H", 6)
    return SIZES[request.param]


def _act(name):
    return MADE.get(name, name)


def _both(fn, monkeypatch):
    """fn() on the numpy path, then on the compiled path."""
    out = []
    for flag in ("0", "1"):
        monkeypatch.setenv("RNNLAB_FUSED", flag)
        with np.errstate(all="ignore"):
            out.append(fn())
    return out


def _close(a, b, dtype, what, exact=None):
    """``a`` (compiled) against ``b`` (numpy); ``exact``: the float64 result, for float32."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (what, a.shape, b.shape, a.dtype, b.dtype)
    assert np.array_equal(np.isfinite(a), np.isfinite(b)), what
    fin = np.isfinite(b)
    if fin.any():
        scale = 1 + np.abs(b[fin]).max()
        err = np.abs(a[fin].astype(float) - b[fin]).max()
        if err <= TOL[dtype] * scale:
            return
        assert exact is not None, f"{what}: max diff {err:.3g} > {TOL[dtype]:g} x {scale:.3g}"
        e = np.asarray(exact)[fin]
        err_a, err_b = np.abs(a[fin] - e).max(), np.abs(b[fin] - e).max()
        i = np.argmax(np.abs(a[fin] - e))
        assert err_a <= max(10 * err_b, 1e-4 * scale), (f"{what}: error {err_a:.3g} against float64, numpy's {err_b:.3g}; worst at "
                                    f"compiled {a[fin][i]!r} numpy {b[fin][i]!r} float64 {e[i]!r}")


def _tree(a, b, dtype, what="", exact=None):
    if isinstance(a, dict):
        assert sorted(a) == sorted(b), what
        for k in a:
            _tree(a[k], b[k], dtype, f"{what}.{k}", None if exact is None else exact[k])
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), what
        for k, (x, y) in enumerate(zip(a, b)):
            _tree(x, y, dtype, f"{what}[{k}]", None if exact is None else exact[k])
    else:
        _close(a, b, dtype, what, exact)


def _problem(module, T, B, D, H, dtype, pop, rng, **init_kw):
    """Parameters (a population of 3 or a lone model), xs (own or shared), dhs, h0-like state, dstate_T."""
    S = None if pop == "lone" else 3
    members = [module.init(np.random.default_rng(s), D, H, dtype=dtype, **init_kw) for s in range(S or 1)]
    params = {k: (np.stack([m[k] for m in members]) if S else members[0][k]) for k in members[0]}
    params = {k: (v + 0.2 * rng.standard_normal(v.shape)).astype(dtype) for k, v in params.items()}
    lead = () if S is None else (S,)
    xs = rng.standard_normal((T,) + (() if pop == "shared" else lead) + (B, D)).astype(dtype)
    dhs = rng.standard_normal((T,) + lead + (B, H)).astype(dtype)
    state = lambda: rng.standard_normal(lead + (B, H)).astype(dtype)
    return params, xs, dhs, state


CELL_CACHE = {lstm: ("xs", "zs", "acts", "cs", "sq", "hs"), gru: ("xs", "zs", "acts", "rh", "hs"),
              rnn: ("xs", "zs", "hs"), indrnn: ("xs", "zs", "hs", "u")}


def _check_layer(module, kw, products, dtype, pop, rng, monkeypatch, init_kw=None, name=""):
    T, B, D, H = products
    params, xs, dhs, state = _problem(module, T, B, D, H, dtype, pop, rng, **(init_kw or {}))
    if module is lstm:
        s0, sT = (state(), state()), (state(), state())
    else:
        s0, sT = state(), state()

    def run(cast=lambda a: a):
        up = lambda t: tuple(cast(a) for a in t) if isinstance(t, tuple) else cast(t)
        hs, cache = module.forward({k: cast(v) for k, v in params.items()}, cast(xs), up(s0), **kw)
        return hs, cache, module.backward(cast(dhs), cache, up(sT))

    (h_n, c_n, g_n), (h_f, c_f, g_f) = _both(run, monkeypatch)
    h_e = c_e = g_e = None
    if dtype == np.float32:                       # the same problem in float64, numpy's path
        monkeypatch.setenv("RNNLAB_FUSED", "0")
        with np.errstate(all="ignore"):
            h_e, c_e, g_e = run(lambda a: a.astype(np.float64))
    _close(h_f, h_n, dtype, f"{name}: hs", h_e)
    for field in CELL_CACHE[module]:
        _close(getattr(c_f, field), getattr(c_n, field), dtype, f"{name}: cache.{field}", c_e and getattr(c_e, field))
    _tree(g_f, g_n, dtype, f"{name}: backward", g_e)


@pytest.mark.parametrize("products", ["own", "blas"], indirect=True)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pop", ["lone", "population", "shared"])
@pytest.mark.parametrize("fg", [True, False])
@pytest.mark.parametrize("role", ["gate", "cand", "squash"])
def test_lstm_every_role(role, fg, pop, dtype, products, rng, monkeypatch):
    for name in ACTS:
        kw = {"forget_gate": fg, role: _act(name)}
        _check_layer(lstm, kw, products, dtype, pop, rng, monkeypatch, {"forget_gate": fg}, name)


@pytest.mark.parametrize("products", ["own", "blas"], indirect=True)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pop", ["lone", "population", "shared"])
@pytest.mark.parametrize("role", ["gate", "cand"])
def test_gru_every_role(role, pop, dtype, products, rng, monkeypatch):
    for name in ACTS:
        _check_layer(gru, {role: _act(name)}, products, dtype, pop, rng, monkeypatch, name=name)


@pytest.mark.parametrize("products", ["own", "blas"], indirect=True)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pop", ["lone", "population", "shared"])
@pytest.mark.parametrize("module", [rnn, indrnn], ids=["rnn", "indrnn"])
def test_rnn_indrnn_every_act(module, pop, dtype, products, rng, monkeypatch):
    for name in ACTS:
        _check_layer(module, {"act": _act(name)}, products, dtype, pop, rng, monkeypatch, name=name)


def test_encode_every_registered_activation():
    for name, act in activations.REGISTRY.items():
        assert _fused.encode(act) is not None, name
    assert _fused.encode(MADE["relu(d0=0.5)"]) == (_fused_acts.RELU, 0.5, 0.0)
    assert _fused.encode(MADE["leaky_relu(slope=0.2)"]) == (_fused_acts.LEAKY_RELU, 0.2, 0.2)
    custom = activations.Activation("square", lambda z: z * z, lambda z: 2 * z)
    assert _fused.encode(custom) is None                   # unknown: the numpy path runs
    assert not _fused.usable(np.float32, custom) and not _fused.usable(np.float16, activations.get("tanh"))


def test_switch(monkeypatch):
    monkeypatch.setenv("RNNLAB_FUSED", "0")
    assert not _fused.enabled()
    monkeypatch.setenv("RNNLAB_FUSED", "1")
    assert _fused.enabled()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_math_functions(dtype):
    """The kernels' activations on a wide grid of values, inf and NaN, against numpy in float64."""
    z = np.concatenate([np.linspace(-120, 120, 200001), np.linspace(-1, 1, 20001),
                        [0.0, -0.0, np.inf, -np.inf, np.nan, 6.0, 1.0, -1.0]]).astype(dtype)[None]
    for name in NAMES:
        act = activations.REGISTRY[name]
        code, p0, p1 = _fused.encode(act)
        y, d = np.empty_like(z), np.empty_like(z)
        _apply_deriv(code, dtype(p0), dtype(p1), z, y, d)
        with np.errstate(all="ignore"):
            ref = act.f(z.astype(np.float64))
            dref = act.grad(z.astype(np.float64), ref)
        ulp = np.finfo(dtype).eps * np.maximum(np.abs(ref), np.finfo(dtype).tiny)
        fin = np.isfinite(ref)
        assert np.array_equal(np.isnan(y), np.isnan(ref)) and np.array_equal(y[~fin], ref[~fin], equal_nan=True), name
        assert np.all(np.abs(y[fin] - ref[fin]) <= 4 * ulp[fin] + np.finfo(dtype).tiny), name
        dfin = np.isfinite(dref)
        assert np.array_equal(np.isnan(d), np.isnan(dref)), name
        assert np.all(np.abs(d[dfin] - dref[dfin]) <= 4 * np.finfo(dtype).eps * (np.abs(dref[dfin]) + 1)), name


@numba.njit(error_model="numpy", cache=True)
def _apply_deriv(code, p0, p1, z, y, d):
    _fused_acts.apply(code, p0, p1, z, y, 0, z.shape[1])
    _fused_acts.deriv(code, p0, p1, z, y, d, 0, z.shape[1])


@pytest.mark.parametrize("cell,kw", [("lstm", {}), ("lstm", {"cand": "relu", "squash": "relu"}),
                                     ("lstm", {"forget_gate": False}), ("gru", {}), ("rnn", {"act": "relu"}),
                                     ("indrnn", {})])
@pytest.mark.parametrize("dtype,tol", [("float64", 1e-9), ("float32", 2e-3)])
def test_training_20_steps_agree(cell, kw, dtype, tol, monkeypatch):
    """20 steps of train.train, population of 4, two layers: losses, norms and weights agree
    (relative to their scale: float64 1e-9, float32 2e-3, where 20 Adam steps amplify rounding)."""
    task = tasks.AddingTask(T=12)
    spec = stack.ModelSpec(cell=cell, hidden_size=8, layers=2, dtype=dtype, **kw)
    cfg = train.TrainConfig(steps=20, batch_size=16, lr=1e-2, clip="norm")

    def run():
        return train.train(stack.init_population(spec, range(4)), spec, task, cfg, population.data_rngs(range(4)))

    (p_n, h_n), (p_f, h_f) = _both(run, monkeypatch)
    for f in ("loss", "grad_norm", "grad_norm_clipped", "max_h"):
        a, b = getattr(h_f, f), getattr(h_n, f)
        assert np.abs(a - b).max() <= tol * (1 + np.abs(b).max()), f
    for k in p_n:
        assert np.abs(p_f[k] - p_n[k]).max() <= tol * (1 + np.abs(p_n[k]).max()), k
    assert h_f.diverged_at == h_n.diverged_at


@pytest.mark.parametrize("cell,kw", [("lstm", {"gate": "identity", "cand": "relu", "squash": "relu"}),
                                     ("rnn", {"act": "relu"}), ("gru", {"cand": "relu"})])
def test_overflow_gives_the_same_inf_and_nan(cell, kw, monkeypatch):
    """A loop that blows up: both paths overflow to inf/NaN at the same places, with no warning."""
    spec = stack.ModelSpec(cell=cell, hidden_size=6, **kw)
    params = {k: v * 30 for k, v in stack.init_population(spec, range(3)).items()}
    xs = np.random.default_rng(0).standard_normal((60, 3, 4, 2)).astype(np.float32)

    def run():
        y, cache = stack.forward(params, xs, spec)
        return y, stack.backward(np.ones_like(y), cache)

    (y_n, g_n), (y_f, g_f) = _both(run, monkeypatch)
    assert not np.isfinite(y_n).all()
    assert np.array_equal(np.isfinite(y_f), np.isfinite(y_n)) and np.array_equal(np.isnan(y_f), np.isnan(y_n))
    for k in g_n:
        assert np.array_equal(np.isfinite(g_f[k]), np.isfinite(g_n[k])), k
