"""Tests of rnnlab.instruments.spectral: spectra, matrix powers, and Jacobians taken from the layers' backward."""
import numpy as np
import pytest

from rnnlab import gru, lstm, rnn
from rnnlab.instruments import spectral


def test_spectral_radius_and_singular_values_of_known_matrices():
    A = np.full((10, 10), 0.2)
    assert spectral.spectral_radius(A) == pytest.approx(2.0)
    assert spectral.sigma_max(A) == pytest.approx(2.0)
    N = np.array([[2.0, 2.0], [-2.0, -2.0]])
    assert spectral.spectral_radius(N) == pytest.approx(0.0, abs=1e-7)
    assert spectral.singular_values(np.diag([3.0, -5.0, 1.0])) == pytest.approx([5.0, 3.0, 1.0])
    stack = np.stack([A[:2, :2], 3 * np.eye(2)])
    assert spectral.spectral_radius(stack) == pytest.approx([0.4, 3.0])


def test_power_norms_bounded_by_radius_and_sigma(rng):
    W = rng.standard_normal((6, 6)) / 2
    k = np.arange(31)
    pn = spectral.power_norms(W, 30)
    rho, smax = spectral.spectral_radius(W), spectral.sigma_max(W)
    assert pn[0] == pytest.approx(1.0)
    assert np.all(pn >= rho ** k * (1 - 1e-9))
    assert np.all(pn <= smax ** k * (1 + 1e-9))
    assert pn[5] == pytest.approx(np.linalg.norm(np.linalg.matrix_power(W, 5), 2))


def test_entries_do_not_decide_the_powers():
    A = np.full((10, 10), 0.2)                     # entries < 1, powers explode
    B = 0.5 * np.eye(2) + np.array([[2.0, 2.0], [-2.0, -2.0]])   # entries > 1, powers vanish
    assert spectral.power_norms(A, 40)[-1] > 1e10
    assert spectral.power_norms(B, 60)[-1] < 1e-10


def test_product_norms_match_explicit_product(rng):
    Ws = rng.standard_normal((4, 3, 3))
    pn = spectral.product_norms(Ws)
    P = Ws[0] @ Ws[1] @ Ws[2]
    assert pn.shape == (5,)
    assert pn[3] == pytest.approx(np.linalg.norm(P, 2))


def test_scaled_hits_the_target(rng):
    W = rng.standard_normal((3, 5, 5))
    assert spectral.spectral_radius(spectral.scaled(W, radius=0.7)) == pytest.approx([0.7] * 3)
    assert spectral.sigma_max(spectral.scaled(W, sigma=2.0)) == pytest.approx([2.0] * 3)


def test_growth_rate_recovers_a_geometric_sequence():
    norms = 3.0 * 0.8 ** np.arange(20)
    assert spectral.growth_rate(norms) == pytest.approx(0.8)
    two = np.stack([norms, 2.0 ** np.arange(20)], axis=1)
    assert spectral.growth_rate(two) == pytest.approx([0.8, 2.0])


def test_linear_rnn_jacobian_is_a_matrix_power(rng):
    H, D, T = 5, 3, 8
    W = rng.standard_normal((H, H)) / 2
    params = spectral.rnn_population(W, D, rng)
    xs = rng.standard_normal((T, 2, D))
    J = spectral.state_jacobians("rnn", params, xs, act="identity")["h"]      # (T, B, H, H)
    assert J.shape == (T, 2, H, H)
    for k in (0, 1, 4, 7):
        assert np.allclose(J[k, 1], np.linalg.matrix_power(W.T, k))


def _finite_difference(run, state, eps=1e-6):
    """d run(state)[b, i] / d state[b, j] by central differences: (B, H, H)."""
    B, H = state.shape
    out = np.zeros((B, H, H))
    for j in range(H):
        d = np.zeros_like(state)
        d[:, j] = eps
        out[:, :, j] = (run(state + d) - run(state - d)) / (2 * eps)
    return out


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu"])
def test_rnn_jacobian_matches_finite_differences(rng, act):
    H, D, T, k = 4, 3, 7, 3
    params = rnn.init(rng, D, H, W_h="gaussian", W_h_gain=1.5)
    xs = rng.standard_normal((T, 2, D))
    J = spectral.state_jacobians("rnn", params, xs, act=act)["h"]
    hs, _ = rnn.forward(params, xs, act=act)
    start = hs[T - 1 - k]                                                        # h_{T-k}
    num = _finite_difference(lambda h: rnn.forward(params, xs[T - k:], h, act=act)[0][-1], start)
    assert np.abs(num - J[k]).max() < 1e-6


def test_lstm_jacobians_match_finite_differences(rng):
    H, D, T, k = 4, 3, 6, 2
    params = lstm.init(rng, D, H)
    xs = rng.standard_normal((T, 2, D))
    J = spectral.state_jacobians("lstm", params, xs)
    _, cache = lstm.forward(params, xs)
    h0, c0 = cache.hs[T - k], cache.cs[T - k]
    o = cache.acts[T - k - 1][..., 3 * H:]
    run = lambda h, c: lstm.forward(params, xs[T - k:], (h, c))[0][-1]
    num_h = _finite_difference(lambda h: run(h, c0), h0)
    num_c = _finite_difference(lambda c: run(o * np.tanh(c), c), c0)     # h_{T-k} moves with c_{T-k}
    assert np.abs(num_h - J["h"][k]).max() < 1e-6
    assert np.abs(num_c - J["c"][k]).max() < 1e-6
    assert J["f"].shape == (T, 2, H)


def test_lstm_source_c_starts_at_identity_and_gru_runs(rng):
    params = lstm.init(rng, 2, 3)
    xs = rng.standard_normal((5, 1, 2))
    J = spectral.state_jacobians("lstm", params, xs, source="c")
    assert np.allclose(J["c"][0, 0], np.eye(3))
    g = spectral.jacobian_norms("gru", gru.init(rng, 2, 3), xs)
    assert g["h"].shape == (5, 1) and g["h"][0, 0] == pytest.approx(1.0)


def test_pascanu_bound_holds_for_a_population(rng):
    sw = spectral.rnn_sweep("tanh", [0.5, 0.9], 30, by="sigma", hidden_size=8, seeds=range(3))
    k = np.arange(30)[:, None, None]
    assert sw["h"].shape == (30, 2, 3)
    assert np.all(sw["h"] <= sw["sigma"][None] ** k * (1 + 1e-9))
    assert sw["sigma"] == pytest.approx(np.array([[0.5] * 3, [0.9] * 3]))


def test_rnn_sweep_orthogonal_relu_never_grows_and_identity_keeps_norm_one():
    ortho = spectral.rnn_sweep("relu", [1.0], 40, W_h_init="orthogonal", hidden_size=8, seeds=range(3))
    assert np.all(ortho["h"] <= 1 + 1e-9)
    ident = spectral.rnn_sweep("relu", [1.0], 40, W_h_init="identity", hidden_size=8, seeds=range(3))
    assert np.all(ident["h"] <= 1 + 1e-9)


def test_cec_products():
    f = np.full((4, 1, 2), 0.5)
    out = spectral.cec_products(f)
    assert out[:, 0, 0] == pytest.approx([1.0, 0.5, 0.25, 0.125])
    assert np.all(spectral.cec_products(f, forget_gate=False) == 1.0)


def test_bad_input():
    with pytest.raises(ValueError, match="W must be a square matrix"):
        spectral.spectral_radius(np.ones((2, 3)))
    with pytest.raises(ValueError, match="k_max must be a non-negative integer"):
        spectral.power_norms(np.eye(2), -1)
    with pytest.raises(ValueError, match="exactly one of radius or sigma"):
        spectral.scaled(np.eye(2), radius=1.0, sigma=1.0)
    with pytest.raises(ValueError, match="cell must be one of"):
        spectral.state_jacobians("cnn", {}, np.zeros((2, 1, 1)))
    with pytest.raises(ValueError, match="source='c' needs cell='lstm'"):
        spectral.state_jacobians("rnn", {}, np.zeros((2, 1, 1)), source="c")
    with pytest.raises(ValueError, match="forget must hold gate values"):
        spectral.cec_products(np.full((3, 2), 1.5))
    with pytest.raises(ValueError, match="scales must be positive"):
        spectral.rnn_sweep("tanh", [0.0], 5)
    with pytest.raises(ValueError, match="W_h_init must be one of"):
        spectral.rnn_sweep("tanh", [1.0], 5, W_h_init="glorot")
    with pytest.raises(ValueError, match="norms must have at least 2 lags"):
        spectral.growth_rate([1.0])
