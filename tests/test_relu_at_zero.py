"""Tests for rnnlab.instruments.relu_at_zero{,_mlp,_training}: finite differences, exact zeros, the ReLU'(0) sweep."""
import numpy as np
import pytest

from rnnlab import activations, losses, mlp, stack
from rnnlab.instruments import relu_at_zero as r0, relu_at_zero_mlp as r0mlp, relu_at_zero_training as r0train

relu = activations.get("relu").f


def test_relu_differences_at_zero_are_one_zero_half():
    for h in (1e-1, 1e-4, 1e-8):
        fd = r0.finite_differences(relu, 0.0, h)
        assert fd["forward"] == 1.0 and fd["backward"] == 0.0 and fd["central"] == 0.5


def test_differences_agree_away_from_kink_and_for_smooth_functions():
    x = np.array([-2.0, -0.3, 0.4, 3.0])
    fd = r0.finite_differences(relu, x, 1e-6)
    np.testing.assert_allclose(fd["forward"], fd["backward"], atol=1e-9)
    np.testing.assert_allclose(fd["central"], (x > 0).astype(float), atol=1e-9)
    xs = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(r0.central_difference(np.tanh, xs, 1e-5), 1 - np.tanh(xs) ** 2, atol=1e-9)
    # forward difference of tanh is only first-order accurate: error ~ h |f''| / 2
    err = np.abs(r0.forward_difference(np.tanh, 0.5, 1e-3) - (1 - np.tanh(0.5) ** 2))
    assert 1e-5 < err < 1e-3


def test_leaky_relu_central_difference_at_zero_is_mean_of_slopes():
    f = activations.make_leaky_relu(0.1).f
    assert r0.central_difference(f, 0.0, 1e-3) == pytest.approx(0.55)


@pytest.mark.parametrize("bad", [0.0, -1e-3, np.inf, "a"])
def test_bad_step_raises(bad):
    with pytest.raises(ValueError, match="h must"):
        r0.central_difference(np.tanh, 0.0, bad)


def test_f_must_be_callable():
    with pytest.raises(ValueError, match="f must be callable"):
        r0.forward_difference(3.0, 0.0)


def test_count_exact_zeros_total_and_per_model():
    a = np.array([[0.0, 1.0, -0.0], [2.0, 3.0, 4.0]])
    b = np.array([[0.0], [0.0]])
    assert r0.count_exact_zeros(a) == (2, 6)
    assert r0.count_exact_zeros([a, b]) == (4, 8)
    per, total = r0.count_exact_zeros([a, b], axis=0)
    assert per.tolist() == [3, 1] and total == 4
    assert r0.count_exact_zeros(np.float32(1e-45) * np.ones(3)) == (0, 3)   # a subnormal is not zero
    with pytest.raises(ValueError, match="axis 0 of one length"):
        r0.count_exact_zeros([a, np.zeros((3, 1))], axis=0)
    with pytest.raises(ValueError, match="arrays must hold"):
        r0.count_exact_zeros([])


def test_round_to_bits_matches_ieee_formats():
    x = np.random.default_rng(0).uniform(-100, 100, 20000)
    np.testing.assert_array_equal(r0mlp.round_to_bits(x, 24), x.astype(np.float32).astype(np.float64))
    np.testing.assert_array_equal(r0mlp.round_to_bits(x, 11), x.astype(np.float16).astype(np.float64))
    np.testing.assert_array_equal(r0mlp.round_to_bits(x, 53), x)
    with pytest.raises(ValueError, match="bits must be at most 53"):
        r0mlp.round_to_bits(x, 60)


def test_precision_parsing():
    assert r0mlp.precision("float16").name == "float16"
    assert r0mlp.precision(np.float32).name == "float32"
    assert r0mlp.precision(12).name == "12 bits"
    for bad in ("float8", 0, 99, 1.5, True):
        with pytest.raises(ValueError):
            r0mlp.precision(bad)


def test_image_like_data_has_exact_zeros_and_standardize_removes_them():
    X, y = r0mlp.image_like_data(np.random.default_rng(0), 300)
    assert X.shape == (300, 196) and y.shape == (300,)
    assert X.min() == 0.0 and X.max() <= 1.0
    assert 0.5 < np.mean(X == 0) < 0.95
    np.testing.assert_array_equal(np.round(X * 255), X * 255)     # 8-bit levels
    Z = r0mlp.standardize(X)
    assert np.mean(Z == 0) == 0.0 and abs(Z.mean()) < 1e-12
    with pytest.raises(ValueError, match="X must not be constant"):
        r0mlp.standardize(np.ones((3, 4)))
    X2, y2 = r0mlp.image_like_data(np.random.default_rng(0), 300)
    np.testing.assert_array_equal(X, X2)
    with pytest.raises(ValueError, match="rng must be"):
        r0mlp.image_like_data(0, 10)
    with pytest.raises(ValueError, match="side must be at least 6"):
        r0mlp.image_like_data(np.random.default_rng(0), 10, side=4)


def test_population_mlp_matches_rnnlab_mlp_in_float64():
    sizes = [5, 7, 6, 3]
    P = r0mlp.init_mlp_population(sizes, [11, 12], bias="zero", prec="float64")
    single = mlp.init(np.random.default_rng(12), sizes, scheme="he")
    for k in single:
        np.testing.assert_array_equal(P[k][1], single[k])
    x = np.random.default_rng(1).standard_normal((4, 5))
    out, cache = r0mlp.mlp_forward(P, x, "float64")
    ref, ref_cache = mlp.forward(single, x, act="relu")
    np.testing.assert_allclose(out[1], ref, rtol=1e-12)
    dout = np.random.default_rng(2).standard_normal((2, 4, 3))
    g = r0mlp.mlp_backward(dout, P, cache, d0=0.0, prec="float64")
    gref, _ = mlp.backward(dout[1], ref_cache)
    for k in gref:
        np.testing.assert_allclose(g[k][1], gref[k], rtol=1e-12, atol=1e-14)


def test_float16_emulation_agrees_with_numpy_float16():
    P = r0mlp.init_mlp_population([20, 16, 4], [0], prec="float16")
    x = np.random.default_rng(3).uniform(0, 1, (8, 20))
    out, cache = r0mlp.mlp_forward(P, x, "float16")
    P16 = {k: v[0].astype(np.float16) for k, v in P.items()}
    ref, _ = mlp.forward(P16, x.astype(np.float16), act="relu")
    # numpy's float16 matmul sums in another order: allow one float16 ulp
    np.testing.assert_allclose(out[0], ref.astype(np.float32), rtol=2e-3, atol=2e-3)
    for z in cache[1]:
        np.testing.assert_array_equal(z, z.astype(np.float16).astype(np.float32))   # representable


def test_d0_changes_gradient_only_through_exact_zeros():
    P = r0mlp.init_mlp_population([3, 4, 2], [0], bias="zero", prec="float64")
    x = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])         # first row: z = 0 exactly in every unit
    out, cache = r0mlp.mlp_forward(P, x, "float64")
    assert r0.count_exact_zeros(cache[1])[0] == 4
    dout = np.ones_like(out)
    g0 = r0mlp.mlp_backward(dout, P, cache, d0=0.0, prec="float64")
    g1 = r0mlp.mlp_backward(dout, P, cache, d0=1.0, prec="float64")
    assert np.any(g0["b0"] != g1["b0"])
    np.testing.assert_array_equal(g0["W0"], g1["W0"])         # x = 0 there, so dW0 = x^T dz agrees
    out2, cache2 = r0mlp.mlp_forward(P, x[1:], "float64")
    g0 = r0mlp.mlp_backward(np.ones_like(out2), P, cache2, d0=0.0, prec="float64")
    g1 = r0mlp.mlp_backward(np.ones_like(out2), P, cache2, d0=1.0, prec="float64")
    for k in g0:
        np.testing.assert_array_equal(g0[k], g1[k])


def test_sweep_float16_vs_float64_and_shortcut_is_exact():
    X, y = r0mlp.image_like_data(np.random.default_rng(0), 512)
    sizes = [196, 32, 32, 10]
    r16 = r0train.relu_d0_sweep(X, y, sizes, range(6), prec="float16", batch_size=128, n_batches=6,
                           rng=np.random.default_rng(1))
    r64 = r0train.relu_d0_sweep(X, y, sizes, range(6), prec="float64", batch_size=128, n_batches=6,
                           rng=np.random.default_rng(1))
    assert r64.zeros.sum() == 0 and not r64.affected.any()
    assert r16.zeros.sum() > 0 and r16.affected.any()
    assert r16.entries == 6 * 128 * 64
    assert np.all(r16.batches_differ <= 6) and np.all(r16.zeros_first <= r16.zeros)
    # the skipped backward passes really would agree: recompute one batch in full
    P = r0mlp.init_mlp_population(sizes, range(6), prec="float16")
    idx = np.random.default_rng(1).permutation(512)[:128]
    out, cache = r0mlp.mlp_forward(P, X[idx], "float16")
    nz, _ = r0.count_exact_zeros(cache[1], axis=0)
    dout = r0train._xent_grad(out, y[idx])
    g0 = r0mlp.mlp_backward(dout, P, cache, d0=0.0, prec="float16")["W0"]
    g1 = r0mlp.mlp_backward(dout, P, cache, d0=1.0, prec="float16")["W0"]
    differs = np.any((g0 != g1).reshape(6, -1), axis=1)
    assert not np.any(differs & (nz == 0))


def test_sweep_bad_input():
    X, y = r0mlp.image_like_data(np.random.default_rng(0), 64)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="sizes must be"):
        r0train.relu_d0_sweep(X, y, [10, 4, 2], [0], rng=rng)
    with pytest.raises(ValueError, match="batch_size must be at most"):
        r0train.relu_d0_sweep(X, y, [196, 4, 10], [0], batch_size=100, rng=rng)
    with pytest.raises(ValueError, match="y must be integer"):
        r0train.relu_d0_sweep(X, y.astype(float), [196, 4, 10], [0], rng=rng)
    with pytest.raises(ValueError, match="y must lie"):
        r0train.relu_d0_sweep(X, y, [196, 4, 3], [0], batch_size=8, rng=rng)
    with pytest.raises(ValueError, match="bias must be"):
        r0mlp.init_mlp_population([3, 2], [0], bias="ones")
    with pytest.raises(ValueError, match="seeds must be"):
        r0mlp.init_mlp_population([3, 2], [])


def test_relu_d0_grads_on_zero_padded_relu_rnn():
    spec = stack.ModelSpec(cell="rnn", act="relu", W_h_init="identity", hidden_size=4, dtype="float64")
    params = stack.init_population(spec, [0, 1])
    rng = np.random.default_rng(0)
    xs = np.concatenate([np.zeros((3, 5, 2)), rng.uniform(0, 1, (4, 5, 2))])   # 3 padded steps
    ys = rng.uniform(0, 1, (5, 1))
    ga, gb, nz, nt = r0.relu_d0_grads(params, spec, xs, lambda y: losses.mse(y, ys))
    assert nz.tolist() == [3 * 5 * 4, 3 * 5 * 4] and nt == 7 * 5 * 4
    assert r0.grads_differ(ga, gb, population=True).tolist() == [True, True]
    np.testing.assert_array_equal(ga["l0.W_x"], gb["l0.W_x"])    # x = 0 and h = 0 on the padded steps
    ga, gb, nz, _ = r0.relu_d0_grads(params, spec, xs[3:], lambda y: losses.mse(y, ys))
    assert nz.tolist() == [0, 0] and not r0.grads_differ(ga, gb)
    with pytest.raises(ValueError, match="spec.between must be a ReLU"):
        r0.relu_d0_grads(params, spec, xs, lambda y: losses.mse(y, ys), role="between")
    with pytest.raises(ValueError, match="must have the keys of ga"):
        r0.grads_differ({"a": np.ones(1)}, {"b": np.ones(1)})
    with pytest.raises(TypeError, match=r"ga\['a'\] must be a numpy array"):
        r0.grads_differ({"a": 1}, {"b": 1})


def test_gradient_descent_1d_on_abs_ends_in_two_cycle():
    relu_d = activations.get("relu").df
    traj = r0.gradient_descent_1d(lambda w: relu_d(w) - relu_d(-w), [1.03, 0.52], 100, lambda t: 0.1)
    assert traj.shape == (101, 2)
    last = np.abs(traj[-10:])
    assert np.all(last.max(axis=0) >= 0.05) and np.all(last.max(axis=0) <= 0.1 + 1e-12)
    smooth = r0.gradient_descent_1d(np.tanh, [1.0], 200, lambda t: 0.5)
    assert abs(smooth[-1, 0]) < 1e-10
    with pytest.raises(ValueError, match="steps must be"):
        r0.gradient_descent_1d(np.tanh, [1.0], 0, lambda t: 0.1)
    with pytest.raises(ValueError, match="must be callable"):
        r0.gradient_descent_1d(np.tanh, [1.0], 5, 0.1)


def test_stack_gradcheck_passes_on_smooth_stack_and_rejects_float32():
    spec = stack.ModelSpec(cell="lstm", input_size=2, hidden_size=2, layers=2, dtype="float64")
    params = stack.init(spec, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    rep = r0.stack_gradcheck(params, spec, rng.standard_normal((3, 2, 2)), rng.standard_normal((2, 1)),
                             keys=["l1.b", "out.W"])
    assert set(rep) == {"l1.b", "out.W"} and max(rep.values()) < 1e-7
    with pytest.raises(ValueError, match="float64 ModelSpec"):
        r0.stack_gradcheck(params, spec.with_(dtype="float32"), np.zeros((3, 2, 2)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="keys must be"):
        r0.stack_gradcheck(params, spec, np.zeros((3, 2, 2)), np.zeros((2, 1)), keys=["nope"])


def test_relu_d0_train_pairs_are_identical_without_exact_zeros_and_split_with_them():
    X, y = r0mlp.image_like_data(np.random.default_rng(0), 256)
    r64 = r0train.relu_d0_train(X, y, [196, 8, 10], [0, 1], prec="float64", steps=5, batch_size=32)
    assert r64.loss.shape == (2, 2) and r64.identical.all() and not r64.steps_differ.any()
    assert np.array_equal(r64.loss[0], r64.loss[1])
    r16 = r0train.relu_d0_train(X, y, [196, 8, 8, 10], [0, 1, 2], prec="float16", steps=20, batch_size=32)
    assert np.all(r16.steps_differ[r16.identical] >= 0) and np.all(r16.steps_differ[~r16.identical] > 0)
    assert np.all(np.isfinite(r16.loss))


def test_mlp_forward_accepts_one_batch_per_model():
    P = r0mlp.init_mlp_population([4, 3, 2], [0, 1], prec="float64")
    x = np.random.default_rng(0).standard_normal((2, 5, 4))
    both, _ = r0mlp.mlp_forward(P, x, "float64")
    one, _ = r0mlp.mlp_forward({k: v[1:] for k, v in P.items()}, x[1], "float64")
    assert np.allclose(both[1], one[0])
    with pytest.raises(ValueError, match="x must have shape"):
        r0mlp.mlp_forward(P, np.zeros((3, 5, 4)), "float64")


@pytest.mark.parametrize("kw,fragment", [({"d0s": (0.0,)}, "d0s must hold two values"),
                                         ({"steps": 0}, "steps must be a positive integer"),
                                         ({"batch_size": 10_000}, "batch_size must be at most")])
def test_relu_d0_train_bad_input(kw, fragment):
    X, y = r0mlp.image_like_data(np.random.default_rng(0), 64)
    with pytest.raises(ValueError, match=fragment):
        r0train.relu_d0_train(X, y, [196, 4, 10], [0], **kw)
