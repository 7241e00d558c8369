"""Tests for rnnlab.instruments.gradient_flow: gradient flow over (layer, time), between-layer values, the product task."""
import numpy as np
import pytest

from rnnlab import activations, losses, stack, tasks
from rnnlab.instruments import gradient_flow as flow


def _spec(**kw):
    base = dict(input_size=2, hidden_size=5, output_size=1, layers=3, dtype="float64")
    base.update(kw)
    return stack.ModelSpec(**base)


# --- ProductTask ------------------------------------------------------------

def test_product_task_shapes_and_target():
    task = tasks.ProductTask(T=8)
    xs, ys = task.sample(np.random.default_rng(0), 50)
    assert xs.shape == (8, 50, 2) and ys.shape == (50, 1)
    m = xs[..., 1]
    assert np.all(m.sum(axis=0) == 2)                         # two markers per sample
    assert np.all(m[:4].sum(axis=0) == 1)                     # one in each half
    prod = np.array([np.prod(xs[m[:, b] == 1, b, 0]) for b in range(50)])
    np.testing.assert_allclose(ys[:, 0], prod)


def test_product_task_baseline_matches_statistics():
    task = tasks.ProductTask(T=6)
    _, ys = task.sample(np.random.default_rng(1), 200_000)
    assert abs(np.mean(ys ** 2) - task.baseline) < 0.003      # MSE of the constant 0
    assert abs(np.mean(ys)) < 0.005


def test_product_is_not_additive():
    """Least squares on additive features of (v_a, v_b) does no better than the constant 0."""
    task = tasks.ProductTask(T=6)
    xs, ys = task.sample(np.random.default_rng(2), 50_000)
    m = xs[..., 1] == 1
    v = xs[..., 0].T[m.T].reshape(-1, 2)                      # (B, 2): v_a, v_b
    X = np.column_stack([np.ones(len(v)), v, v ** 2, v ** 3])
    coef, *_ = np.linalg.lstsq(X, ys[:, 0], rcond=None)
    mse = np.mean((X @ coef - ys[:, 0]) ** 2)
    assert mse > 0.98 * task.baseline


@pytest.mark.parametrize("T", [1, 0, -3, 2.5])
def test_product_task_rejects_bad_T(T):
    with pytest.raises(ValueError, match="T"):
        tasks.ProductTask(T=T)


def test_product_task_needs_rng():
    with pytest.raises(ValueError, match="rng"):
        tasks.ProductTask(T=5).sample(0, 4)


# --- per_model_activation --------------------------------------------------------

def test_per_model_activation_applies_each_models_function():
    act = flow.per_model_activation([None, "tanh", "relu"])
    z = np.random.default_rng(3).standard_normal((4, 3, 2, 5))
    y, dy = act.f(z), act.df(z)
    np.testing.assert_array_equal(y[:, 0], z[:, 0])
    np.testing.assert_allclose(y[:, 1], np.tanh(z[:, 1]))
    np.testing.assert_array_equal(y[:, 2], np.maximum(z[:, 2], 0))
    np.testing.assert_array_equal(dy[:, 0], 1.0)
    np.testing.assert_allclose(dy[:, 1], 1 - np.tanh(z[:, 1]) ** 2)
    np.testing.assert_array_equal(dy[:, 2], (z[:, 2] > 0).astype(float))


def test_per_model_population_equals_separate_models():
    """A mixed population gives each model exactly what a lone model with that ``between`` gives."""
    names = [None, "tanh", "relu"]
    mixed = _spec(between=flow.per_model_activation(names))
    params = stack.init_population(mixed, [7, 7, 7])
    xs = np.random.default_rng(4).standard_normal((6, 3, 2))
    y, cache = stack.forward(params, xs, mixed)
    dy = np.random.default_rng(5).standard_normal(y.shape)
    grads = stack.backward(dy, cache)
    for k, name in enumerate(names):
        lone = _spec(between=name)
        p = stack.member(params, k)
        yk, ck = stack.forward(p, xs, lone)
        np.testing.assert_allclose(y[k], yk, rtol=1e-12, atol=1e-12)
        gk = stack.backward(dy[k], ck)
        for key in gk:
            np.testing.assert_allclose(grads[key][k], gk[key], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("names", [[], "tanh", ["tanh", "softmax"]])
def test_per_model_activation_rejects_bad_names(names):
    with pytest.raises(ValueError, match="names|activation"):
        flow.per_model_activation(names)


def test_per_model_activation_rejects_wrong_population():
    act = flow.per_model_activation(["tanh", "relu"])
    with pytest.raises(ValueError, match=r"z must have shape \(T, 2"):
        act.f(np.zeros((4, 3, 2, 5)))


# --- flow_norms / gradient_flow -------------------------------------------------

def test_flow_norms_formula():
    dh = np.zeros((3, 2, 4))                                  # (T, B, H)
    dh[1, 0, :] = 2.0                                         # sample 0: norm 4; sample 1: 0
    G = flow.flow_norms([{"dh": dh}, {"dh": np.ones((3, 2, 4))}])
    assert G.shape == (2, 3)
    np.testing.assert_allclose(G[0], [0.0, np.sqrt(16 / 2), 0.0])
    np.testing.assert_allclose(G[1], 2.0)


def test_gradient_flow_matches_trace_and_top_step():
    spec = _spec()
    params = stack.init(spec, np.random.default_rng(6))
    task = tasks.ProductTask(T=7)
    xs, ys = task.sample(np.random.default_rng(7), 16)
    G, value = flow.gradient_flow(params, spec, xs, ys)
    assert G.shape == (3, 7) and np.all(np.isfinite(G)) and np.ndim(value) == 0
    # At the last step of the top layer the gradient is exactly dy W_out^T.
    y, _ = stack.forward(params, xs, spec)
    _, dy = losses.mse(y, ys)
    top = dy @ params["out.W"].T                              # (B, H)
    np.testing.assert_allclose(G[2, -1], np.sqrt(np.mean(np.sum(top ** 2, axis=-1))))
    # A sequence-to-one loss sends nothing to the top layer's earlier steps except through time.
    assert G[2, -1] > 0 and G[0, 0] > 0


def test_gradient_flow_population_shape():
    spec = _spec(layers=2, dtype="float32")
    params = stack.init_population(spec, range(3))
    xs, ys = tasks.ProductTask(T=5).sample(np.random.default_rng(8), 4)
    G, value = flow.gradient_flow(params, spec, xs, ys)
    assert G.shape == (2, 5, 3) and value.shape == (3,)


def test_relu_between_blocks_gradient_of_negative_units():
    """With ReLU between layers, units whose h is negative pass no gradient downwards."""
    spec = _spec(layers=2, between="relu")
    params = stack.init(spec, np.random.default_rng(9))
    xs, ys = tasks.ProductTask(T=4).sample(np.random.default_rng(10), 8)
    y, cache = stack.forward(params, xs, spec)
    _, dy = losses.mse(y, ys)
    grads, traces = stack.backward(dy, cache, return_trace=True)
    h0 = cache.layer_caches[0].hs[1:]
    assert np.any(h0 < 0)
    # dL/dh^0 at the last step comes only from layer 1 (no later time step); it vanishes where h^0 < 0.
    assert np.all(traces[0]["dh"][-1][h0[-1] < 0] == 0)
    assert np.any(traces[0]["dh"][-1][h0[-1] > 0] != 0)


@pytest.mark.parametrize("bad", [[], "x", [{"dc": np.zeros((2, 2, 2))}], [{"dh": np.zeros((2, 2))}]])
def test_flow_norms_rejects_bad_traces(bad):
    with pytest.raises(ValueError, match="traces"):
        flow.flow_norms(bad)


def test_flow_norms_rejects_mismatched_layers():
    with pytest.raises(ValueError, match="same"):
        flow.flow_norms([{"dh": np.zeros((3, 2, 4))}, {"dh": np.zeros((4, 2, 4))}])


def test_gradient_flow_rejects_bad_loss():
    spec = _spec(layers=1)
    params = stack.init(spec, np.random.default_rng(0))
    with pytest.raises(ValueError, match="loss"):
        flow.gradient_flow(params, spec, np.zeros((3, 2, 2)), np.zeros((2, 1)), loss="hinge")


# --- between_values / value_stats ---------------------------------------------------

@pytest.mark.parametrize("between", [None, "tanh", "relu"])
def test_between_values_are_what_the_next_layer_reads(between):
    spec = _spec(between=between)
    params = stack.init(spec, np.random.default_rng(11))
    xs = np.random.default_rng(12).standard_normal((5, 3, 2))
    pairs = flow.between_values(params, spec, xs)
    assert len(pairs) == 2
    _, cache = stack.forward(params, xs, spec)
    for l, (h, u) in enumerate(pairs):
        np.testing.assert_array_equal(h, cache.layer_caches[l].hs[1:])
        np.testing.assert_array_equal(u, cache.layer_caches[l + 1].xs)   # layer l+1's input
        assert np.all(np.abs(h) < 1)                                      # o * tanh(c) is bounded


def test_between_values_one_layer_is_empty():
    spec = _spec(layers=1)
    params = stack.init(spec, np.random.default_rng(0))
    assert flow.between_values(params, spec, np.zeros((3, 2, 2))) == []


def test_value_stats():
    s = flow.value_stats(np.array([0.0, 0.0, -0.2, 0.3, 2.0]), small=0.5)
    assert s["frac_zero"] == pytest.approx(0.4)
    assert s["frac_small"] == pytest.approx(0.8)
    assert s["mean_abs"] == pytest.approx(2.5 / 5)
    assert s["tanh_gap"] == pytest.approx(2.0 - np.tanh(2.0))


@pytest.mark.parametrize("bad", [np.array([]), np.array([1.0, np.nan])])
def test_value_stats_rejects_bad_input(bad):
    with pytest.raises(ValueError, match="a must"):
        flow.value_stats(bad)


def test_value_stats_rejects_bad_small():
    with pytest.raises(ValueError, match="small"):
        flow.value_stats(np.ones(3), small=-1)


def test_between_values_rejects_non_spec():
    with pytest.raises(ValueError, match="spec"):
        flow.between_values({}, "lstm", np.zeros((3, 2, 2)))


# --- cost -------------------------------------------------------------------------

def test_time_call_and_step_cost():
    calls = []
    t = flow.time_call(lambda: calls.append(1), repeats=3, number=2)
    assert len(calls) == 6 and t >= 0
    spec = _spec(layers=2)
    params = stack.init(spec, np.random.default_rng(0))
    xs, ys = tasks.ProductTask(T=4).sample(np.random.default_rng(1), 4)
    assert flow.step_cost(params, spec, xs, ys, repeats=2) > 0


@pytest.mark.parametrize("kw", [dict(fn=3), dict(fn=lambda: None, repeats=0), dict(fn=lambda: None, number=1.5)])
def test_time_call_rejects_bad_input(kw):
    fn = kw.pop("fn")
    with pytest.raises(ValueError, match="fn|repeats|number"):
        flow.time_call(fn, **kw)
