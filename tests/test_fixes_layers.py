"""The layers and activations of chapter 10 ("Can ReLU be made to work in a recurrent net?").

Gradient checks in float64 (relative error < 1e-7) of the LN-LSTM, the IndRNN and
the bounded activations inside the LSTM; their bounds; and bad input.
"""
import numpy as np
import pytest

from rnnlab import activations, gradcheck, indrnn, lnlstm, lstm, stack, train

TOL = 1e-7
NEW_ACTS = ["clipped_relu", "hard_tanh", "elu"]


def _jitter(params, rng, scale=0.3):
    return {k: v + scale * rng.standard_normal(v.shape) for k, v in params.items()}


@pytest.mark.parametrize("name", NEW_ACTS)
def test_new_activation_derivative_matches_finite_difference(name, rng):
    act = activations.get(name)
    z = rng.uniform(-8, 8, 200)
    z = z[np.min(np.abs(z[:, None] - np.array([-1.0, 0.0, 1.0, 6.0])), axis=1) > 1e-3]   # away from the kinks
    num = (act.f(z + 1e-6) - act.f(z - 1e-6)) / 2e-6
    assert np.max(np.abs(num - act.df(z))) < 1e-6


def test_kink_conventions_and_bounds():
    relu6, ht, elu = (activations.get(n) for n in NEW_ACTS)
    kinks = np.array([0.0, 6.0])
    assert relu6.df(kinks).tolist() == [0.0, 0.0] and ht.df(np.array([-1.0, 1.0])).tolist() == [0.0, 0.0]
    assert elu.df(np.array(0.0)) == 1.0
    big = np.array([-1e30, -50.0, 50.0, 1e30])
    assert relu6.f(big).tolist() == [0.0, 0.0, 6.0, 6.0] and ht.f(big).tolist() == [-1.0, -1.0, 1.0, 1.0]
    assert activations.make_clipped_relu(2.5).f(np.array([9.0]))[0] == 2.5
    with np.errstate(all="raise"):
        assert elu.f(np.array([-1e4, 1e30], dtype=np.float32)).tolist() == [-1.0, 1e30 * np.float32(1)]


@pytest.mark.parametrize("role,act", [(r, a) for r in ("cand", "squash") for a in NEW_ACTS])
def test_lstm_with_new_activations(role, act, rng):
    p = _jitter(lstm.init(rng, 3, 4), rng, 0.1)
    state0 = (rng.standard_normal((2, 4)), rng.standard_normal((2, 4)))
    report = gradcheck.check_layer(lstm, p, rng.standard_normal((5, 2, 3)), state0, rng, **{role: act})
    assert max(report.values()) < TOL, report


@pytest.mark.parametrize("cand,squash", [("tanh", "tanh"), ("relu", "relu"), ("clipped_relu", "relu"), ("elu", "tanh")])
def test_lnlstm_gradients(cand, squash, rng):
    p = _jitter(lnlstm.init(rng, 3, 5), rng)
    state0 = (rng.standard_normal((2, 5)), rng.standard_normal((2, 5)))
    report = gradcheck.check_layer(lnlstm, p, rng.standard_normal((6, 2, 3)), state0, rng, cand=cand, squash=squash)
    assert max(report.values()) < TOL, report


@pytest.mark.parametrize("act,u_max", [("relu", 1.0), ("tanh", 1.0), ("relu", 0.5), ("leaky_relu", 2.0)])
def test_indrnn_gradients(act, u_max, rng):
    p = _jitter(indrnn.init(rng, 3, 4, u_max=u_max), rng)
    report = gradcheck.check_layer(indrnn, p, rng.standard_normal((6, 2, 3)), rng.standard_normal((2, 4)), rng,
                                   act=act, u_max=u_max)
    assert max(report.values()) < TOL, report


@pytest.mark.parametrize("cell,opts", [("lnlstm", {"cand": "relu", "squash": "relu"}), ("indrnn", {"u_max": 0.9}),
                                       ("gru", {"cand": "relu"})])
def test_stacked_models_with_new_cells(cell, opts, rng):
    spec = stack.ModelSpec(cell=cell, input_size=3, hidden_size=4, output_size=2, layers=2, dtype="float64", **opts)
    p = _jitter(stack.init(spec, rng), rng, 0.1)
    xs, ys = rng.standard_normal((4, 2, 3)), rng.standard_normal((2, 2))
    report = gradcheck.check(lambda q: train.loss_and_grads(q, spec, xs, ys, "mse"), p)
    assert max(report.values()) < TOL, report


def test_population_member_equals_lone_model(rng):
    for cell in ("lnlstm", "indrnn"):
        spec = stack.ModelSpec(cell=cell, hidden_size=4, dtype="float64")
        pop = stack.init_population(spec, [3, 4])
        xs = rng.standard_normal((5, 2, 2))
        y, _ = stack.forward(pop, xs, spec)
        y1, _ = stack.forward(stack.member(pop, 1), xs, spec)
        assert np.allclose(y[1], y1, rtol=1e-12, atol=1e-12)


def test_layer_norm_bounds_the_relu_loop(rng):
    """Whatever the weights, LN keeps |z_g| <= |gain| sqrt(H-1) + |b|, so the ReLU cell grows at most linearly."""
    H = 8
    p = lnlstm.init(rng, 2, H)
    p["W_h"] *= 50.0                                          # a huge loop gain
    xs = np.abs(rng.standard_normal((400, 3, 2)))
    hs, cache = lnlstm.forward(p, xs, cand="relu", squash="relu")
    assert np.abs(cache.zs[..., :H]).max() <= np.sqrt(H - 1) + 1e-9
    assert np.abs(hs).max() <= np.sqrt(H - 1) + 1e-9         # the output sees LN(c): bounded too
    assert np.abs(cache.cs).max() <= 400 * np.sqrt(H - 1)


def test_indrnn_bound_holds_for_any_raw_weight(rng):
    p = indrnn.init(rng, 2, 4, u_max=0.8)
    p["W_h"] = np.array([-1e3, -1.0, 1.0, 1e3])
    u = indrnn.recurrent_weight(p["W_h"], 0.8)
    assert np.all(np.abs(u) <= 0.8) and np.all(np.abs(u[1:3]) < 0.8)
    hs, _ = indrnn.forward(p, np.ones((2000, 1, 2)), u_max=0.8)
    drive = np.abs(np.ones(2) @ p["W_x"]).max()
    assert np.abs(hs).max() <= drive / (1 - 0.8) + 1e-9       # h <= drive / (1 - u_max) for ReLU


R = np.random.default_rng(0)
P_LN = lnlstm.init(R, 3, 4)
P_IND = indrnn.init(R, 3, 4)
XS = np.zeros((5, 2, 3))

BAD = [
    (lambda: activations.make_clipped_relu(cap=0.0), ValueError, "cap must be"),
    (lambda: activations.make_clipped_relu(cap="6"), TypeError, "cap must be"),
    (lambda: lnlstm.init(R, 3, 0), ValueError, "hidden_size must be a positive integer; got 0"),
    (lambda: lnlstm.forward(P_LN, np.zeros((5, 2, 7))), ValueError, "xs must have last dimension 3"),
    (lambda: lnlstm.forward({k: v for k, v in P_LN.items() if k != "gain_c"}, XS), ValueError, "params must hold keys"),
    (lambda: lnlstm.forward(dict(P_LN, gain=np.ones(5)), XS), ValueError, "params['gain'] must have shape (16,)"),
    (lambda: lnlstm.forward(dict(P_LN, bias_c=np.zeros(4, dtype=np.float32)), XS), TypeError, "params['bias_c'] must have dtype"),
    (lambda: lnlstm.forward(P_LN, XS, np.zeros((2, 4))), ValueError, "state0 must be a pair"),
    (lambda: lnlstm.forward(P_LN, XS, cand="swish"), ValueError, "activation must be one of"),
    (lambda: lnlstm.backward(np.zeros((4, 2, 4)), lnlstm.forward(P_LN, XS)[1]), ValueError, "dhs must have shape (5, 2, 4)"),
    (lambda: indrnn.init(R, 3, 4, u_max=-1.0), ValueError, "u_max must be"),
    (lambda: indrnn.init(3, 3, 4), ValueError, "rng must be a numpy.random.Generator"),
    (lambda: indrnn.forward(P_IND, XS, u_max=float("inf")), ValueError, "u_max must be a finite number"),
    (lambda: indrnn.forward(dict(P_IND, W_h=np.zeros((4, 4))), XS), ValueError, "params['W_h'] of an IndRNN must have shape"),
    (lambda: indrnn.forward(dict(P_IND, b=np.zeros(3)), XS), ValueError, "params['b'] must have shape (4,)"),
    (lambda: indrnn.forward({"W_x": P_IND["W_x"]}, XS), ValueError, "params must hold keys"),
    (lambda: indrnn.forward([1, 2], XS), TypeError, "params must be a dict"),
    (lambda: indrnn.forward(P_IND, np.zeros((0, 2, 3))), ValueError, "at least one time step"),
    (lambda: indrnn.forward(P_IND, XS, np.zeros((3, 4))), ValueError, "state0 must have shape (2, 4)"),
    (lambda: stack.ModelSpec(cell="indrnn", u_max=0.0), ValueError, "u_max must be"),
    (lambda: stack.ModelSpec(cell="lnlstm", cand="gelu"), ValueError, "activation must be one of"),
]


@pytest.mark.parametrize("fn,exc,fragment", BAD)
def test_bad_input(fn, exc, fragment):
    with pytest.raises(exc) as info:
        fn()
    assert fragment in str(info.value)


def test_relu_fixes_grid_tiny_cells_run_and_report():
    from rnnlab.grids import relu_fixes as grid
    cells = grid.cells(tiny=True)
    assert {c["fix"] for c in cells} == set(grid.FIXES)
    seeds = [s for c in cells for s in c["seeds"]]
    assert len(set(seeds)) == len(seeds), "cells use disjoint seeds"
    out = grid.run_cell(cells[1])
    assert out["loss"].shape == (6, 2) and out["probe_first"].shape == (2,) and out["success"].dtype == bool


def test_relu_fixes_init_and_stream_probe():
    from rnnlab.grids import relu_fixes as grid
    base = grid.init_for("lstm relu/relu", [1, 2], hidden_size=4)
    half = grid.init_for("lstm relu/relu W_g/2", [1, 2], hidden_size=4)
    assert np.allclose(half["l0.W_h"][..., :4], 0.5 * base["l0.W_h"][..., :4])
    assert np.array_equal(half["l0.W_h"][..., 4:], base["l0.W_h"][..., 4:])
    spec = grid.spec_for("lstm relu/relu", hidden_size=4)
    boom = dict(base)
    boom["l0.W_h"] = base["l0.W_h"] * np.float32(20.0)                 # a loop gain far above 1
    p = grid.stream_probe(boom, spec, 10, [1, 2], 400, 4)
    assert np.all(~np.isfinite(p["last"]) | (p["last"] > 10 * np.maximum(p["first"], 1)))
    bounded = grid.stream_probe(grid.init_for("lstm relu6/relu6", [1, 2], 4), grid.spec_for("lstm relu6/relu6", 4),
                                10, [1, 2], 400, 4)
    assert np.all(bounded["last"] <= 6) and np.all(bounded["first"] <= 6)
    with pytest.raises(ValueError, match="fix must be one of"):
        grid.spec_for("lstm swish/swish")
    with pytest.raises(TypeError, match="cell must be a dict"):
        grid.run_cell(["not", "a", "dict"])
