"""Bad input raises the README's contract: ValueError for a wrong value or shape, TypeError for a wrong
type, with a message that names the argument and what it received, and no warning.

Each case is (call, class, fragment of the message); ``V`` means a ValueError that is not a TypeError,
``T`` a TypeError. The cases marked "issue 24" are the silent wrong answers and leaked exceptions that
an independent bad-input suite found; each now has its line here.
"""
import numpy as np
import pytest

from rnnlab import (activations, conv, gradcheck, gru, init, lnlstm, losses, lstm, mlp, optim, population, rnn, stack,
                    stats, tasks, train)
from rnnlab.instruments import spectral

V, T = "value", "type"
R = np.random.default_rng(0)
P_LSTM = lstm.init(R, 3, 4)
P_RNN = rnn.init(R, 3, 4)
P_GRU = gru.init(R, 3, 4)
SPEC = stack.ModelSpec(hidden_size=4)
XS = np.zeros((5, 2, 3))


def _with(params, **changes):
    return dict(params, **changes)


CASES = [
    (lambda: activations.get("relu6"), V, "activation must be one of"),
    (lambda: activations.get(3), T, "activation must be one of"),
    (lambda: activations.make_relu(d0=float("nan")), V, "d0 must be a finite number"),
    (lambda: activations.make_leaky_relu(slope=-0.1), V, "slope must be non-negative"),
    (lambda: init.glorot(R, 0, 3), V, "rows must be a positive integer; got 0"),
    (lambda: init.orthogonal(R, 3, -2), V, "cols must be a positive integer; got -2"),
    (lambda: init.gaussian(R, 3, 3, gain=float("inf")), V, "gain must be a finite number"),
    (lambda: init.get("xavier"), V, "init must be one of"),
    (lambda: init.glorot(42, 3, 3), T, "rng must be a numpy.random.Generator"),
    (lambda: init.glorot(R, "3", 3), T, "rows must be a positive integer; got '3'"),
    (lambda: init.glorot(R, 3.0, 3), T, "rows must be a positive integer; got 3.0"),
    (lambda: init.glorot(R, 10 ** 6, 10 ** 6), V, "rows x cols asks for an array of shape (1000000, 1000000)"),
    (lambda: init.glorot(R, 3, 3, dtype=np.int64), T, "dtype must be float16, float32 or float64"),   # issue 24
    (lambda: lstm.init(R, 3, 3, dtype=np.int32), T, "dtype must be float16, float32 or float64"),     # issue 24
    (lambda: init.spectral_radius(np.full((3, 3), np.nan)), V, "W must hold finite numbers"),          # issue 24
    (lambda: init.spectral_radius(np.ones((2, 3))), V, "W must be a non-empty square matrix"),
    (lambda: lstm.init(R, 3, 0), V, "hidden_size must be a positive integer; got 0"),
    (lambda: lstm.init(R, 2.5, 4), T, "input_size must be a positive integer; got 2.5"),
    (lambda: lstm.init(R, 3, 4, forget_bias=float("nan")), V, "forget_bias must be a finite number"),
    (lambda: lstm.forward(P_LSTM, np.zeros((5, 3))), V, "xs must have 3 dimensions; got shape (5, 3)"),
    (lambda: lstm.forward(P_LSTM, np.zeros((5, 2, 7))), V, "xs must have last dimension 3; got shape (5, 2, 7)"),
    (lambda: lstm.forward(P_LSTM, XS, squash="softmax"), V, "activation must be one of"),
    (lambda: lstm.forward(P_LSTM, XS, forget_gate=False), V, "params['W_h'] of a LSTM with forget_gate=False"),
    (lambda: lstm.forward({"W_x": P_LSTM["W_x"]}, XS), V, "params must hold keys"),
    (lambda: lstm.forward(P_LSTM, XS, (np.zeros((3, 4)), np.zeros((2, 4)))), V, "h0 must have shape (2, 4); got (3, 4)"),
    (lambda: lstm.forward(P_LSTM, XS, np.zeros((2, 4))), V, "state0 must be a pair (h0, c0) or None"),
    (lambda: lstm.forward(P_LSTM, np.array([["a"]] * 2)), T, "xs must be an array of real numbers"),
    (lambda: lstm.forward(P_LSTM, XS.astype(complex)), T, "xs must be an array of real numbers"),        # issue 24
    (lambda: lstm.forward(P_LSTM, XS.astype(bool)), T, "xs must be an array of real numbers"),
    (lambda: lstm.forward(P_LSTM, XS.astype(object)), T, "xs must be an array of real numbers"),
    (lambda: lstm.forward(_with(P_LSTM, W_x=P_LSTM["W_x"].astype(int)), XS), T, "params['W_x'] must have dtype"),
    (lambda: lstm.backward(np.zeros((4, 2, 4)), lstm.forward(P_LSTM, XS)[1]), V, "dhs must have shape (5, 2, 4); got (4, 2, 4)"),
    (lambda: lnlstm.forward(lnlstm.init(R, 3, 4), XS.astype(complex)), T, "xs must be an array of real numbers"),  # issue 24
    (lambda: lnlstm.forward(lnlstm.init(R, 3, 4, dtype=np.float16), XS), T, "must be float32 or float64 here"),   # issue 24
    (lambda: rnn.forward(P_RNN, XS, act="swish"), V, "activation must be one of"),
    (lambda: rnn.forward(P_RNN, np.zeros((0, 2, 3))), V, "xs must have at least one time step"),
    (lambda: gru.forward(P_GRU, np.zeros((5, 2, 2))), V, "xs must have last dimension 3"),
    (lambda: conv.conv2d_forward(np.ones((1, 4, 4, 1), complex), np.ones((3, 3, 1, 2)), np.zeros(2)), T,
     "x must be an array of real numbers"),                                                                 # issue 24
    (lambda: stack.ModelSpec(cell="transformer"), V, "cell must be one of"),
    (lambda: stack.ModelSpec(layers=0), V, "layers must be a positive integer; got 0"),
    (lambda: stack.ModelSpec(hidden_size=-8), V, "hidden_size must be a positive integer; got -8"),
    (lambda: stack.ModelSpec(hidden_size=10 ** 9), V, "hidden_size must be at most"),
    (lambda: stack.ModelSpec(squash="gelu"), V, "activation must be one of"),
    (lambda: stack.ModelSpec(dtype="int32"), V, "dtype must be one of"),
    (lambda: stack.ModelSpec(W_h_gain=float("nan")), V, "W_h_gain must be a finite number"),
    (lambda: stack.forward(stack.init(SPEC, R), XS, "lstm"), T, "spec must be a ModelSpec; got str"),
    (lambda: stack.forward(stack.init(SPEC, R), np.zeros((5, 2, 2)), SPEC.with_(layers=2)), V, "params must hold keys"),
    (lambda: stack.forward(_with(stack.init(SPEC, R), **{"out.b": np.zeros(3, np.float32)}), np.zeros((5, 2, 2)), SPEC),
     V, "params['out.b'] must have shapes"),                                                               # issue 24
    (lambda: stack.forward({k: v for k, v in stack.init(SPEC, R).items() if k != "l0.W_x"}, np.zeros((5, 2, 2)), SPEC),
     V, "params must hold keys"),                                                                           # issue 24 (KeyError)
    (lambda: stack.member(stack.init_population(SPEC, [0, 1]), 5), V, "k must lie in [-2, 2); got 5"),    # issue 24 (IndexError)
    (lambda: stack.backward(np.zeros((2, 1)), None), T, "cache must be a Cache; got NoneType"),           # issue 24 (AttributeError)
    (lambda: stack.init("lstm", R), T, "spec must be a ModelSpec; got str"),                              # issue 24 (AttributeError)
    (lambda: stack.population_size({}), V, "params must be a non-empty dict"),                            # issue 24 (KeyError)
    (lambda: stack.init_population(SPEC, []), V, "seeds must be a non-empty sequence"),
    (lambda: stack.init_population(SPEC, [0, "1"]), T, "seeds must hold non-negative integers; got '1' at seeds[1]"),
    (lambda: tasks.AddingTask(T=1), V, "T must be at least 2"),
    (lambda: tasks.AddingTask(T=-5), V, "T must be a positive integer; got -5"),
    (lambda: tasks.AddingTask(T=10 ** 9), V, "T must be at most"),
    (lambda: tasks.AddingTask(input_size=3), V, "input_size of a AddingTask is 2"),
    (lambda: tasks.AddingTask(T=10).sample(R, 0), V, "batch must be a positive integer; got 0"),
    (lambda: tasks.CopyTask(T=10).sample(None, 4), T, "rng must be a numpy.random.Generator"),
    (lambda: tasks.CopyTask(T=10 ** 5).sample(R, 10 ** 5), V, "asks for an array of shape"),
    (lambda: train.TrainConfig(lr=float("nan")), V, "lr must be a finite number; got nan"),
    (lambda: train.TrainConfig(lr=-1e-3), V, "lr must be positive; got -0.001"),
    (lambda: train.TrainConfig(steps=0), V, "steps must be a positive integer; got 0"),
    (lambda: train.TrainConfig(steps=10 ** 15), V, "steps must be at most 10000000"),                    # issue 24 (MemoryError)
    (lambda: train.TrainConfig(steps=2.0), T, "steps must be a positive integer; got 2.0"),
    (lambda: train.TrainConfig(optimizer="rmsprop"), V, "optimizer must be one of"),
    (lambda: train.TrainConfig(clip="l2"), V, "clip must be one of"),
    (lambda: train.TrainConfig(clip_threshold=float("inf")), V, "clip_threshold must be a finite number"),
    (lambda: train.train(stack.init(SPEC, R), SPEC, tasks.CopyTask(T=5), train.TrainConfig(steps=1), R), V,
     "spec.input_size must match the task's (10); got 2"),
    (lambda: train.train(stack.init_population(SPEC, [0, 1]), SPEC, tasks.AddingTask(T=5),
                         train.TrainConfig(steps=1, lr=(1e-3, 1e-3, 1e-3)), R), V,
     "config.lr must be a number or hold one value per model (2); got 3"),
    (lambda: train.final_loss(train.train(stack.init(SPEC, R), SPEC, tasks.AddingTask(T=5), train.TrainConfig(steps=2),
                                          np.random.default_rng(0))[1], window=0), V,
     "window must be a positive integer; got 0"),
    (lambda: train.final_loss(None), T, "history must be a History; got NoneType"),
    (lambda: optim.clip_by_global_norm({"a": np.ones(2)}, 0.0), V, "threshold must be positive; got 0.0"),
    (lambda: optim.sgd_step({"W": np.ones(3, int)}, {"W": np.full(3, 0.1)}, 0.1), T, "params['W'] must have dtype"),  # issue 24
    (lambda: optim.sgd_step({"W": np.ones(3)}, {"W": np.full((2, 3), 0.1)}, 0.1), V, "grads['W'] must have the shape"),
    (lambda: optim.sgd_step({"W": np.ones(3)}, {"V": np.ones(3)}, 0.1), V, "grads must have the keys of params"),
    (lambda: optim.sgd_step({"W": np.ones((2, 3))}, {"W": np.ones((2, 3))}, [0.1, 0.2, 0.3], 1), V, "lr must be"),
    (lambda: optim.adam_step({"W": np.ones(3)}, {"W": np.ones(3)}, 0.1, state={"t": 1}), T, "state must be None or"),
    (lambda: losses.mse(np.zeros((4, 1)), np.zeros((4, 2))), V, "target must have shape (4, 1); got (4, 2)"),
    (lambda: losses.mse(np.zeros((4, 1)), np.zeros((3, 4, 1))), V, "target must have shape (4, 1)"),           # issue 24
    (lambda: losses.mse(np.zeros((5, 4, 1)), np.zeros((1, 4, 1)), time_axis=True), V, "target must have shape"),  # issue 24
    (lambda: losses.mse(np.zeros((2, 4, 1)), np.zeros((1, 4, 1))), V, "shared by the models, (4, 1)"),        # issue 24
    (lambda: losses.mse(np.zeros((4, 1)), np.full((4, 1), np.nan)), V, "target must hold finite numbers"),
    (lambda: losses.softmax_cross_entropy(np.zeros((3, 2, 5)), np.zeros((1, 2), int)), V, "labels must have shape (3, 2)"),  # issue 24
    (lambda: losses.softmax_cross_entropy(np.zeros((3, 2, 5)), np.full((3, 2), 5)), V, "labels must lie in [0, 5)"),
    (lambda: losses.softmax_cross_entropy(np.zeros((3, 2, 5)), np.zeros((3, 2))), T, "labels must be integers"),
    (lambda: gradcheck.numerical_grad(lambda p: 0.0, {"a": np.ones(2)}, "b"), V, "key must be one of ['a']; got 'b'"),
    (lambda: gradcheck.numerical_grad(lambda p: 0.0, {"a": np.ones(2, np.float32)}, "a"), T, "must be float64"),
    (lambda: gradcheck.relative_error(np.ones(2), np.ones(3)), V, "analytic and numeric must have the same shape"),
    (lambda: gradcheck.relative_error(np.array([np.inf]), np.array([np.inf])), V, "analytic must hold finite numbers"),
    (lambda: mlp.init(R, [3]), V, "sizes must list at least input and output sizes"),
    (lambda: mlp.forward(mlp.init(R, [3, 4, 1]), np.zeros((2, 5))), V, "x must have last dimension 3; got shape (2, 5)"),
    (lambda: stats.consistent_rates(5, 10, 5, 10, level=1.5), V, "level must lie in (0, 1); got 1.5"),      # issue 24
    (lambda: stats.fmt_p(-0.5), V, "p must lie in [0, 1]; got -0.5"),                                    # issue 24
    (lambda: stats.fmt_p("0.5"), T, "p must be a real number"),
    (lambda: stats.rate_ci(1, 5, level=2), V, "level must lie in (0, 1); got 2"),
    (lambda: stats.rate_ci(1.0, 5), T, "k must be a non-negative integer; got 1.0"),
    (lambda: stats.median_ci(np.ones(5, complex), R), T, "x must be an array of real numbers"),
    (lambda: stats.median_ci(["a"], R), T, "x must be an array of real numbers"),
    (lambda: stats.median_ci([1.0, 2.0], R, n_resamples=10 ** 9), V, "n_resamples must be at most"),
    (lambda: stats.paired_sign_test(np.ones(4), np.ones((4, 1))), V, "x and y must have the same shape"),
    (lambda: population.data_rngs(["a"]), T, "seeds must hold non-negative integers; got 'a'"),
    (lambda: population.data_rngs(3), T, "seeds must be a sequence"),
    (lambda: spectral.spectral_radius(np.full((3, 3), np.nan)), V, "W must hold finite numbers"),        # issue 24 (LinAlgError)
    (lambda: spectral.scaled(np.eye(3, dtype=complex), radius=0.9), T, "W must be an array of real numbers"),
    (lambda: spectral.rnn_sweep("tanh", [1.0], 5, seeds=[0.5]), T, "seeds must hold non-negative integers; got 0.5 at seeds[0]"),
]


@pytest.mark.parametrize("call,kind,fragment", CASES, ids=[str(i) for i in range(len(CASES))])
def test_bad_input_raises_the_contract(call, kind, fragment):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    e = info.value
    if kind == T:
        assert isinstance(e, TypeError), f"a wrong type must raise TypeError; got {type(e).__name__}: {e}"
    else:
        assert isinstance(e, ValueError) and not isinstance(e, TypeError), \
            f"a wrong value must raise ValueError; got {type(e).__name__}: {e}"
    assert fragment in str(e), str(e)


def test_integer_weights_never_give_a_silent_all_zero_model():
    """Issue 24: integer weights used to give all-zero models; now they are refused or kept exact."""
    W = spectral.scaled(np.array([[2, 0], [0, 1]]), radius=0.9)
    assert W.dtype == np.float64 and spectral.spectral_radius(W) == pytest.approx(0.9)
    p = spectral.rnn_population(np.eye(3, dtype=int), 2, R)
    assert p["W_h"].dtype == np.float64 and np.array_equal(p["W_h"], np.eye(3))


def test_there_are_at_least_25_cases():
    assert len(CASES) >= 25


def test_float16_numerics_that_would_overflow_are_computed_wider_or_refused():
    """Issue 24: squares overflow float16 above 256. A finite float16 gradient of norm 600 is not 'inf'
    (which train would call divergence), Adam's second moment stays finite, and lnlstm refuses float16."""
    g = {"W": np.full(4, 300.0, np.float16)}
    assert optim.global_norm(g) == pytest.approx(600.0)
    p = {"W": np.zeros(4, np.float16)}
    optim.adam_step(p, g, 0.1)
    assert p["W"].dtype == np.float16 and np.allclose(p["W"], -0.1, atol=1e-3)
    with pytest.raises(TypeError, match="float32 or float64 here"):
        lnlstm.forward(lnlstm.init(R, 2, 8, dtype=np.float16), np.full((3, 2, 2), 300.0))


def test_size_checks_count_each_axis_once():
    """A population of 20000 one-unit RNNs: the Jacobians are (T, S, B, H, H) = 20000 entries, far below the limit
    (counting the model axis twice would ask for 4e8 and refuse a valid call, as chapter 4 once found)."""
    S = 20000
    p = {"W_x": np.ones((S, 1, 1)), "W_h": np.full((S, 1, 1), 0.5), "b": np.zeros((S, 1))}
    J = spectral.state_jacobians("rnn", p, np.ones((1, S, 1, 1)))
    assert J["h"].shape == (1, S, 1, 1, 1)
