"""Tests for rnnlab.instruments.saturation and .dead_relus: derivative ranges, gradient products, dead units."""
import numpy as np
import pytest

from rnnlab import activations, mlp
from rnnlab.instruments import dead_relus as dead, saturation as sat


# ---------------------------------------------------------------- derivatives and fractions
def test_derivative_range_known_maxima():
    lo, hi, z = sat.derivative_range("sigmoid")
    assert hi == pytest.approx(0.25, abs=1e-12) and z == 0.0 and lo > 0
    lo, hi, z = sat.derivative_range("tanh", lo=-5, hi=5, n=1001)
    assert hi == pytest.approx(1.0, abs=1e-12) and z == 0.0 and lo > 0
    lo, hi, _ = sat.derivative_range("leaky_relu")
    assert (lo, hi) == (0.01, 1.0)
    # ReLU'(0) is a parameter: with d0 = 0.5 the grid point z = 0 shows it
    relu_half = activations.make_relu(d0=0.5)
    z = np.linspace(-1, 1, 3)
    assert relu_half.df(z).tolist() == [0.0, 0.5, 1.0]


def test_saturated_and_zero_fraction():
    z = np.array([-3.0, -1.0, 0.0, 2.0, 2.5])
    assert sat.saturated_fraction(z) == pytest.approx(2 / 5)        # |z| > 2 strictly
    assert sat.saturated_fraction(z, threshold=0.5) == pytest.approx(4 / 5)
    assert sat.zero_fraction(np.maximum(z, 0)) == pytest.approx(3 / 5)


def test_dead_units_and_dead_fraction():
    z = np.array([[-1.0, 0.0, 2.0], [-2.0, -0.5, -1.0]])           # (N=2, H=3)
    assert dead.dead_units(z).tolist() == [True, True, False]       # z <= 0 on every sample counts as dead
    params = {"W0": np.array([[1.0, -1.0]]), "b0": np.zeros(2), "W1": np.ones((2, 1)), "b1": np.zeros(1)}
    x = np.array([[1.0], [2.0]])                                    # positive inputs: unit 1 never fires
    assert dead.dead_fraction(params, x) == 0.5


# ---------------------------------------------------------------- products through depth and time
def test_layer_grad_norms_match_mlp_backward():
    rng = np.random.default_rng(0)
    params = mlp.init(rng, [4, 5, 5, 2], scheme="glorot")
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 2))
    norms = sat.layer_grad_norms(params, x, dout, act="tanh")
    grads, _ = mlp.backward(dout, mlp.forward(params, x, act="tanh")[1])
    # the bias gradient is delta summed over the batch; with one sample the norms agree exactly
    n1 = sat.layer_grad_norms(params, x[:1], dout[:1], act="tanh")
    g1, _ = mlp.backward(dout[:1], mlp.forward(params, x[:1], act="tanh")[1])
    assert np.allclose(n1, [np.linalg.norm(g1[f"b{l}"]) for l in range(3)])
    assert norms.shape == (3,) and norms[-1] == pytest.approx(np.linalg.norm(dout))
    assert np.all(np.isfinite(norms)) and grads["W0"].shape == (4, 5)


def test_mlp_init_gain_scales_weights():
    a = mlp.init(np.random.default_rng(1), [3, 4, 1], scheme="he")
    b = mlp.init(np.random.default_rng(1), [3, 4, 1], scheme="he", gain=2.0)
    assert np.allclose(b["W0"], 2 * a["W0"]) and np.all(b["b0"] == 0)


def test_mlp_init_with_gain_draws_what_depth_profile_always_drew():
    """Bit for bit: each W_l = scheme(rng, fan_in, fan_out, gain=gain) in layer order, biases 0."""
    from rnnlab import init
    sizes, rng = [5, 6, 6, 1], np.random.default_rng(3)
    want = {}
    for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        want[f"W{l}"], want[f"b{l}"] = init.glorot(rng, a, b, gain=4.0), np.zeros(b)
    got = mlp.init(np.random.default_rng(3), sizes, scheme="glorot", gain=4.0)
    assert got.keys() == want.keys() and all(np.array_equal(got[k], want[k]) for k in want)


def test_depth_profile_sigmoid_vanishes_relu_does_not():
    sig = sat.depth_profile("sigmoid", depth=12, width=32, seeds=range(3), scheme="glorot")
    rel = sat.depth_profile("relu", depth=12, width=32, seeds=range(3), scheme="he")
    assert sig.grad.shape == (3, 12) and np.allclose(sig.grad[:, -1], 1.0)
    assert sig.grad[:, 0].max() < 1e-5
    assert 0.05 < np.median(rel.grad[:, 0]) < 20
    assert 0.4 < rel.zeros.mean() < 0.6 and sig.zeros.max() == 0.0


def test_depth_profile_is_deterministic_in_seed():
    a = sat.depth_profile("tanh", depth=5, width=8, seeds=[3], scheme="glorot")
    b = sat.depth_profile("tanh", depth=5, width=8, seeds=[3], scheme="glorot")
    assert np.array_equal(a.grad, b.grad)


def test_rnn_lag_profile_identity_activation_keeps_norm():
    # identity activation and orthogonal W_h: every factor is an isometry, so the norm is preserved exactly
    r = sat.rnn_lag_profile("identity", T=20, hidden=8, seeds=[0, 1])
    assert r.shape == (2, 20) and np.allclose(r, 1.0)
    s = sat.rnn_lag_profile("sigmoid", T=20, hidden=8, seeds=[0])
    assert s[0, 0] < 0.25 ** 10


# ---------------------------------------------------------------- born dead
def test_born_dead_extremes():
    rng = np.random.default_rng(0)
    assert not dead.born_dead(rng, depth=1, width=4, n_nets=50).any()      # x and -x cannot both switch a layer off
    assert dead.born_dead(rng, depth=60, width=1, n_nets=200).mean() > 0.95
    assert dead.born_dead(rng, depth=20, width=32, n_nets=50).mean() == 0.0


# ---------------------------------------------------------------- one-hidden-layer population
def _pop(seeds=(0, 1), N=64, D=3, H=6, nonneg=True):
    sets = [dead.teacher_regression(np.random.default_rng(10 + s), N, D, H, nonneg=nonneg) for s in seeds]
    X, Y = np.stack([x for x, _ in sets]), np.stack([y for _, y in sets])
    return dead.init_one_hidden(seeds, D, H), X, Y


def test_one_hidden_population_matches_lone_mlp():
    p, X, Y = _pop()
    lone = {k: p[k][1] for k in p}
    out, _ = mlp.forward(lone, X[1], act="relu")
    loss, _ = dead.one_hidden_step({k: v.copy() for k, v in p.items()}, X, Y, act="relu", lr=1e-12)
    assert loss[1] == pytest.approx(np.mean((out - Y[1]) ** 2))


def test_one_hidden_step_descends_and_lr_per_model():
    p, X, Y = _pop()
    q = {k: v.copy() for k, v in p.items()}
    l0, _ = dead.one_hidden_step(p, X, Y, act="tanh", lr=np.array([1e-2, 1e-2]))
    l1, _ = dead.one_hidden_step(p, X, Y, act="tanh", lr=1e-2)
    assert np.all(l1 < l0)
    dead.one_hidden_step(q, X, Y, act="tanh", lr=np.array([1e-2, 1e-12]))
    assert not np.allclose(q["W0"][0], _pop()[0]["W0"][0]) and np.allclose(q["W0"][1], _pop()[0]["W0"][1])


def test_dead_relu_unit_gets_no_gradient_leaky_does():
    p, X, Y = _pop()
    for params in (p,):
        params["b0"][:, 0] = -100.0                                    # kill unit 0 in every model
    q = {k: v.copy() for k, v in p.items()}
    m0 = dead.one_hidden_margin(p, X)
    assert dead.one_hidden_dead(p, X)[:, 0].all()
    for _ in range(5):
        dead.one_hidden_step(p, X, Y, act="relu", lr=0.1)
        dead.one_hidden_step(q, X, Y, act="leaky_relu", lr=0.1)
    assert np.array_equal(dead.one_hidden_margin(p, X)[:, 0], m0[:, 0])   # frozen for good
    assert not np.array_equal(dead.one_hidden_margin(q, X)[:, 0], m0[:, 0])


def test_teacher_regression_shapes_and_sign():
    x, y = dead.teacher_regression(np.random.default_rng(0), 20, 3, 4, nonneg=True)
    assert x.shape == (20, 3) and y.shape == (20, 1) and x.min() >= 0


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, match", [
    (lambda: sat.derivative_range("tanh", lo=1.0, hi=0.0), "hi must exceed lo"),
    (lambda: sat.derivative_range("swish"), "activation must be one of"),
    (lambda: sat.saturated_fraction(np.zeros(3), threshold=-1), "threshold must be non-negative"),
    (lambda: dead.dead_units(np.zeros(3)), "z must have 2 dimensions"),
    (lambda: sat.depth_profile("relu", depth=0, width=4, seeds=[0], scheme="he"), "depth must be a positive integer"),
    (lambda: sat.depth_profile("relu", depth=3, width=4, seeds=[], scheme="he"), "seeds must be a non-empty"),
    (lambda: dead.born_dead(0, depth=3, width=2, n_nets=4), "rng must be a numpy.random.Generator"),
    (lambda: dead.born_dead(np.random.default_rng(0), depth=3, width=2, n_nets=4, bias_std=-1), "bias_std"),
    (lambda: dead.init_one_hidden([0], 3, 4, scheme="xavier"), "init must be one of"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_population_data_and_lr():
    p, X, Y = _pop()
    with pytest.raises(ValueError, match=r"x must have shape \(2, N, 3\)"):
        dead.one_hidden_pre(p, X[:1])
    with pytest.raises(ValueError, match="y must have shape"):
        dead.one_hidden_step(p, X, Y[:, :10], lr=0.1)
    with pytest.raises(ValueError, match="lr must be a positive number or 2 positive numbers"):
        dead.one_hidden_step(p, X, Y, lr=np.array([0.1, 0.1, 0.1]))
    with pytest.raises(ValueError, match="lr must be"):
        dead.one_hidden_step(p, X, Y, lr=-1.0)
    with pytest.raises(ValueError, match="layer must be an integer"):
        dead.dead_fraction(mlp.init(np.random.default_rng(0), [3, 4, 1], scheme="he"), X[0], layer=1)
    with pytest.raises(ValueError, match="dout must have the output's shape"):
        sat.layer_grad_norms(mlp.init(np.random.default_rng(0), [3, 4, 1], scheme="he"), X[0], np.zeros((2, 1)))


# ---------------------------------------------------------------- minibatch training of the population
def test_one_hidden_grads_match_finite_differences():
    p, X, Y = _pop()
    loss, grads = dead.one_hidden_grads(p, X, Y, act="tanh")
    eps = 1e-6
    for key, idx in (("W0", (1, 2, 3)), ("b0", (0, 1)), ("W1", (1, 0, 0)), ("b1", (0, 0))):
        q = {k: v.copy() for k, v in p.items()}
        q[key][idx] += eps
        up, _ = dead.one_hidden_grads(q, X, Y, act="tanh")
        q[key][idx] -= 2 * eps
        down, _ = dead.one_hidden_grads(q, X, Y, act="tanh")
        s = idx[0]
        assert grads[key][idx] == pytest.approx((up[s] - down[s]) / (2 * eps), rel=1e-6, abs=1e-9)


def test_train_one_hidden_descends_and_records_margins():
    p, X, Y = _pop()
    rngs = [np.random.default_rng(k) for k in range(2)]
    l0, _ = dead.one_hidden_grads(p, X, Y, act="relu")
    r = dead.train_one_hidden(p, X, Y, act="relu", lr=1e-2, optimizer="adam", steps=50, batch_size=8, rngs=rngs,
                             every=20)
    l1, _ = dead.one_hidden_grads(p, X, Y, act="relu")
    assert np.all(l1 < l0)
    assert r["checks"].tolist() == [0, 20, 40, 50] and r["margin"].shape == (4, 2, p["W0"].shape[2])
    assert np.array_equal(r["margin"][-1], dead.one_hidden_margin(p, X)) and r["loss"].shape == (50, 2)
    assert np.all(r["diverged_at"] == -1)


def test_train_one_hidden_dead_unit_gets_no_update_from_a_fresh_optimiser():
    """A unit dead on the whole training set has zero gradient on every minibatch: fresh Adam never moves it."""
    p, X, Y = _pop()
    rngs = [np.random.default_rng(k) for k in range(2)]
    dead.train_one_hidden(p, X, Y, act="relu", lr=1e-2, optimizer="adam", steps=5, batch_size=8, rngs=rngs)
    # freshly started training: a dead unit never moves (zero gradient, zero moments)
    q = {k: v.copy() for k, v in p.items()}
    q["b0"][:, 0] = -100.0
    m0 = dead.one_hidden_margin(q, X)[:, 0]
    dead.train_one_hidden(q, X, Y, act="relu", lr=1e-2, optimizer="adam", steps=5, batch_size=8, rngs=rngs)
    assert np.array_equal(dead.one_hidden_margin(q, X)[:, 0], m0)


def test_train_one_hidden_freezes_a_diverging_model():
    p, X, Y = _pop()
    rngs = [np.random.default_rng(k) for k in range(2)]
    r = dead.train_one_hidden(p, X, Y * 1e150, act="relu", lr=np.array([1e-3, 1e-3]), optimizer="sgd", steps=20,
                             batch_size=8, rngs=rngs)
    assert np.all(r["diverged_at"] >= 0) and np.all(np.isnan(r["margin"][-1]))


def test_train_one_hidden_bad_input():
    p, X, Y = _pop()
    rngs = [np.random.default_rng(k) for k in range(2)]
    with pytest.raises(ValueError, match="rngs must hold one Generator per model"):
        dead.train_one_hidden(p, X, Y, lr=0.1, optimizer="sgd", steps=2, batch_size=4, rngs=rngs[:1])
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        dead.train_one_hidden(p, X, Y, lr=0.1, optimizer="sgd", steps=0, batch_size=4, rngs=rngs)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        dead.train_one_hidden(p, X, Y, lr=0.1, optimizer="rmsprop", steps=2, batch_size=4, rngs=rngs)
    with pytest.raises(ValueError, match=r"rngs\[0\] must be a numpy.random.Generator"):
        dead.train_one_hidden(p, X, Y, lr=0.1, optimizer="sgd", steps=2, batch_size=4, rngs=[0, 1])
