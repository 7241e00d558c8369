"""Behaviour that could fail: task statistics, learning, divergence, populations."""
import warnings

import numpy as np
import pytest

from rnnlab import activations, losses, lstm, optim, stack, tasks, train


def test_activation_derivatives_match_finite_differences():
    z = np.linspace(-4, 4, 81) + 0.013  # avoid the kink at exactly 0
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "identity", "softplus"):
        act = activations.get(name)
        numeric = (act.f(z + 1e-6) - act.f(z - 1e-6)) / 2e-6
        assert np.allclose(act.df(z), numeric, atol=1e-8), name
        if act.df_out is not None:
            assert np.allclose(act.df_out(act.f(z)), act.df(z), atol=1e-12), name


def test_relu_derivative_at_zero_is_a_parameter():
    assert activations.get("relu").df(np.array([0.0]))[0] == 0.0
    assert activations.make_relu(d0=1.0).df(np.array([0.0]))[0] == 1.0
    assert activations.make_leaky_relu(0.1).df(np.array([-1.0, 0.0, 1.0])).tolist() == [0.1, 0.1, 1.0]


def test_sigmoid_is_warning_free_at_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = activations.get("sigmoid").f(np.array([-1e4, 0.0, 1e4]))
    assert s.tolist() == [0.0, 0.5, 1.0]


def test_adding_problem_statistics_match_the_baseline():
    task = tasks.AddingTask(T=30)
    xs, ys = task.sample(np.random.default_rng(0), 20000)
    assert xs.shape == (30, 20000, 2) and ys.shape == (20000, 1)
    markers = xs[..., 1]
    assert np.all(markers.sum(axis=0) == 2)
    assert np.all(markers[:15].sum(axis=0) == 1) and np.all(markers[15:].sum(axis=0) == 1)
    assert np.allclose((xs[..., 0] * markers).sum(axis=0), ys[:, 0])
    assert abs(ys.mean() - 1.0) < 0.01
    mse_of_constant = np.mean((ys - 1.0) ** 2)
    assert abs(mse_of_constant - task.baseline) < 0.005, mse_of_constant


def test_copy_task_layout_and_baseline():
    task = tasks.CopyTask(T=5)
    xs, labels = task.sample(np.random.default_rng(0), 7)
    assert xs.shape == (25, 7, 10) and labels.shape == (25, 7)
    tokens = xs.argmax(-1)
    assert np.array_equal(labels[-10:], tokens[:10])
    assert np.all(tokens[14] == 9) and np.all(labels[:-10] == 0)
    # the memoryless strategy's cross-entropy equals the stated baseline
    L = task.length
    logits = np.zeros((L, 7, 9))
    logits[:-10, :, 0] = 50.0                   # blank, with certainty, before the copy
    logits[-10:, :, 0] = -50.0                  # uniform over the 8 symbols during the copy
    loss, _ = losses.softmax_cross_entropy(logits, labels)
    assert abs(loss - task.baseline) < 1e-6


def test_small_lstm_learns_the_adding_problem():
    task = tasks.AddingTask(T=20)
    spec = stack.ModelSpec(hidden_size=16)
    params = stack.init_population(spec, [0, 1, 2])
    params, hist = train.train(params, spec, task, train.TrainConfig(steps=500, lr=1e-2), np.random.default_rng(0))
    test_mse = train.evaluate(params, spec, task, np.random.default_rng(99), 2000)
    assert not hist.diverged.any()
    assert np.all(test_mse < 0.1 * task.baseline), test_mse


def test_relu_rnn_with_large_recurrent_scale_diverges_cleanly():
    task = tasks.AddingTask(T=100)
    spec = stack.ModelSpec(cell="rnn", act="relu", W_h_init="identity", W_h_gain=2.0, hidden_size=16)
    params = stack.init(spec, np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # any RuntimeWarning fails the test
        params, hist = train.train(params, spec, task, train.TrainConfig(steps=50), np.random.default_rng(0))
    assert hist.diverged_at == 0           # 2^100 growth: the very first step is absurd
    assert hist.steps_run == 1 and np.isnan(hist.loss[0])
    assert all(np.all(np.isfinite(v)) for v in params.values())   # no update was applied


def test_divergence_threshold_is_relative_to_the_baseline():
    task = tasks.AddingTask(T=10)
    spec = stack.ModelSpec(cell="rnn", act="relu", W_h_init="identity", W_h_gain=1.0, hidden_size=8)
    params = stack.init(spec, np.random.default_rng(0))
    params["out.b"][:] = 100.0    # loss ~ 1e4 > 100 x 1/6
    _, hist = train.train(params, spec, task, train.TrainConfig(steps=5), np.random.default_rng(0))
    assert hist.diverged_at == 0
    params["out.b"][:] = 100.0
    _, hist = train.train(params, spec, task, train.TrainConfig(steps=5, diverge_factor=1e6), np.random.default_rng(0))
    assert hist.diverged_at is None


def test_population_member_matches_a_lone_model_through_training():
    task = tasks.AddingTask(T=10)
    spec = stack.ModelSpec(hidden_size=8, dtype="float64")
    cfg = train.TrainConfig(steps=20, lr=(1e-3, 1e-2), clip="norm", clip_threshold=0.5)
    pop, hist = train.train(stack.init_population(spec, [4, 9]), spec, task, cfg, np.random.default_rng(1))
    for k, (seed, lr) in enumerate(zip([4, 9], cfg.lr)):
        lone, h1 = train.train(stack.init(spec, np.random.default_rng(seed)), spec, task,
                               train.TrainConfig(steps=20, lr=lr, clip="norm", clip_threshold=0.5),
                               np.random.default_rng(1))
        assert np.allclose(h1.loss, hist.loss[:, k], rtol=1e-10, atol=1e-12)
        for key in lone:
            assert np.allclose(lone[key], pop[key][k], rtol=1e-9, atol=1e-12), key


def test_one_diverged_member_does_not_stop_the_others():
    task = tasks.AddingTask(T=30)
    spec = stack.ModelSpec(cell="rnn", act="relu", W_h_init="identity", hidden_size=8)
    params = stack.init_population(spec, [0, 1])
    params["l0.W_h"][0] *= 0.5            # model 0 is stable (spectral radius 0.5)
    params["l0.W_h"][1] *= 3.0            # model 1 explodes (spectral radius 3)
    params, hist = train.train(params, spec, task, train.TrainConfig(steps=30), np.random.default_rng(0))
    assert hist.diverged_at[0] is None and hist.diverged_at[1] == 0
    assert hist.steps_run == 30 and np.all(np.isfinite(hist.loss[:, 0]))


def test_clip_by_global_norm_is_per_model_and_keeps_direction():
    g = {"a": np.array([[3.0, 0.0], [0.3, 0.0]]), "b": np.array([[4.0], [0.4]])}
    clipped, norm = optim.clip_by_global_norm(g, 1.0, n_lead=1)
    assert np.allclose(norm, [5.0, 0.5])
    assert np.allclose(clipped["a"][0], [0.6, 0.0]) and np.allclose(clipped["b"][0], [0.8])
    assert np.allclose(clipped["a"][1], g["a"][1])      # under the threshold: untouched


def test_lstm_without_forget_gate_accumulates():
    """With f = 1 and constant input, |c| keeps growing: the 1997 LSTM's unbounded cell."""
    rng = np.random.default_rng(0)
    p = lstm.init(rng, 1, 3, forget_gate=False)
    hs, cache = lstm.forward(p, np.ones((200, 1, 1)), forget_gate=False)
    biggest = np.abs(cache.cs).max(axis=(1, 2))               # (T+1,)
    assert biggest[200] > 1.9 * biggest[100] > 1.9 * 1.9 * biggest[50] * 0.5
    assert np.all(np.abs(hs) < 1)                             # h stays bounded by the tanh squash
    assert p["W_h"].shape == (3, 9)


def test_float32_training_stays_float32():
    task = tasks.AddingTask(T=10)
    spec = stack.ModelSpec(hidden_size=8, dtype="float32")
    params, _ = train.train(stack.init(spec, np.random.default_rng(0)), spec, task, train.TrainConfig(steps=3),
                            np.random.default_rng(0))
    assert all(v.dtype == np.float32 for v in params.values())


def test_relu_derivatives_accept_scalars():
    assert activations.make_relu(d0=1.0).df(np.array(0.0)) == 1.0
    assert activations.make_leaky_relu(0.1, d0=0.5).df(np.array(0.0)) == 0.5
    assert activations.get("relu").df(np.array(-2.0)) == 0.0


def test_lstm_with_an_unbounded_loop_overflows_without_a_warning():
    from rnnlab import lstm
    rng = np.random.default_rng(0)
    p = lstm.init(rng, 2, 4, dtype=np.float32)
    p["W_h"] *= 1e3
    xs = rng.normal(size=(50, 3, 2)).astype(np.float32)
    hs, _ = lstm.forward(p, xs, gate="identity", cand="relu", squash="identity")   # RuntimeWarning is an error here
    assert not np.isfinite(hs).all()
