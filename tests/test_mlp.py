"""rnnlab.mlp: one net or a population, an optional rounding hook, exact gradients."""
import numpy as np
import pytest

from rnnlab import activations, gradcheck, mlp

R = np.random.default_rng(0)


def _population(seeds, sizes):
    nets = [mlp.init(np.random.default_rng(s), sizes, scheme="he", bias=0.1) for s in seeds]
    return nets, {k: np.stack([n[k] for n in nets]) for k in nets[0]}


@pytest.mark.parametrize("own_batch", [False, True])
def test_population_is_its_members_run_one_by_one(own_batch):
    nets, P = _population([1, 2, 3], [4, 5, 5, 2])
    x = R.standard_normal((3, 6, 4)) if own_batch else R.standard_normal((6, 4))      # (S, B, D) or (B, D)
    out, cache = mlp.forward(P, x, act="tanh")                                          # (S, B, O)
    dout = R.standard_normal(out.shape)
    grads, dx = mlp.backward(dout, cache)
    for k, net in enumerate(nets):
        ref, ref_cache = mlp.forward(net, x[k] if own_batch else x, act="tanh")
        ref_grads, ref_dx = mlp.backward(dout[k], ref_cache)
        np.testing.assert_allclose(out[k], ref, rtol=1e-12)
        for key in ref_grads:
            np.testing.assert_allclose(grads[key][k], ref_grads[key], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dx[k], ref_dx, rtol=1e-10, atol=1e-12)          # dx is (S, B, D)


def test_one_net_gradients_match_finite_differences():
    params = mlp.init(R, [3, 4, 2], scheme="glorot", bias=0.2)
    x, dout = R.standard_normal((5, 3)), R.standard_normal((5, 2))
    grads, _ = mlp.backward(dout, mlp.forward(params, x, act="tanh")[1])

    def loss(p):
        return float(np.sum(dout * mlp.forward(p, x, act="tanh")[0]))

    for key in params:
        assert gradcheck.relative_error(grads[key], gradcheck.numerical_grad(loss, params, key)) < 1e-7


def test_round_hook_is_applied_after_products_and_bias_adds():
    def to16(a):
        return a.astype(np.float16).astype(np.float32)

    params = {k: to16(v.astype(np.float32)) for k, v in mlp.init(R, [6, 3], scheme="he", bias=0.3).items()}
    x = R.standard_normal((4, 6)).astype(np.float32)
    out, cache = mlp.forward(params, x, act="relu", round=to16)
    want = to16(to16(to16(x) @ params["W0"]) + params["b0"])
    np.testing.assert_array_equal(out, want)
    assert cache.round is to16
    grads, dx = mlp.backward(np.ones_like(out), cache, input_grad=False)
    assert dx is None and np.all(grads["W0"] == to16(grads["W0"]))


def test_replacing_the_activation_changes_gradients_only_at_exact_zeros():
    params = mlp.init(R, [2, 3, 1], scheme="he")
    x = np.array([[0.0, 0.0], [1.0, -1.0]])                     # row 0: every pre-activation is exactly 0
    _, cache = mlp.forward(params, x, act="relu")
    g0, _ = mlp.backward(np.ones((2, 1)), cache)
    g1, _ = mlp.backward(np.ones((2, 1)), cache._replace(act=activations.make_relu(1.0)))
    assert not np.array_equal(g0["b0"], g1["b0"])
    np.testing.assert_array_equal(g0["W1"], g1["W1"])


def test_bad_input_is_refused_clearly():
    _, P = _population([0, 1], [3, 4, 1])
    with pytest.raises(ValueError, match=r"x must have shape \(B, D\) or \(S=2, B, D\)"):
        mlp.forward(P, np.zeros((3, 5, 3)))
    with pytest.raises(TypeError, match="round must be callable"):
        mlp.forward(P, np.zeros((5, 3)), round="float16")
    with pytest.raises(TypeError, match="input_grad must be True or False"):
        mlp.backward(np.zeros((2, 5, 1)), mlp.forward(P, np.zeros((5, 3)))[1], input_grad="no")
    with pytest.raises(ValueError, match=r"params\['W0'\] must have shape"):
        mlp.forward({"W0": np.zeros((1, 2, 3, 4)), "b0": np.zeros(4)}, np.zeros((5, 3)))


def test_init_schemes_per_layer_and_uniform_biases_drawn_after_the_weights():
    from rnnlab import init
    rng = np.random.default_rng(4)
    W0, W1 = init.he(rng, 3, 4), init.glorot(rng, 4, 2)
    b0, b1 = rng.uniform(-1.0, 1.0, size=4) / np.sqrt(3), rng.uniform(-1.0, 1.0, size=2) / np.sqrt(4)
    got = mlp.init(np.random.default_rng(4), [3, 4, 2], scheme=("he", "glorot"), bias="uniform")
    assert list(got) == ["W0", "b0", "W1", "b1"]
    for k, v in {"W0": W0, "b0": b0, "W1": W1, "b1": b1}.items():
        np.testing.assert_array_equal(got[k], v)
    with pytest.raises(ValueError, match="scheme must be one name or 2 names"):
        mlp.init(R, [3, 4, 2], scheme=("he",))
    with pytest.raises(ValueError, match="bias must be one of"):
        mlp.init(R, [3, 4, 2], bias="normal")


def test_init_population_stacks_one_net_per_seed():
    P = mlp.init_population([5, 7], [3, 4, 1], scheme="glorot")
    assert P["W0"].shape == (2, 3, 4) and P["b1"].shape == (2, 1)
    np.testing.assert_array_equal(P["W1"][1], mlp.init(np.random.default_rng(7), [3, 4, 1], scheme="glorot")["W1"])
    for bad in ([], [1.5], [-1], [True]):
        with pytest.raises(ValueError, match="seeds must"):
            mlp.init_population(bad, [3, 1])
