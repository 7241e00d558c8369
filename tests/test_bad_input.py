"""Bad input raises ValueError naming the argument and what it received."""
import numpy as np
import pytest

from rnnlab import activations, gradcheck, gru, init, losses, lstm, mlp, optim, rnn, stack, tasks, train

R = np.random.default_rng(0)
P_LSTM = lstm.init(R, 3, 4)
P_RNN = rnn.init(R, 3, 4)
P_GRU = gru.init(R, 3, 4)
SPEC = stack.ModelSpec(hidden_size=4)
XS = np.zeros((5, 2, 3))

CASES = [
    # (callable, expected fragment of the message)
    (lambda: activations.get("relu6"), "activation must be one of"),
    (lambda: activations.get(3), "activation must be one of"),
    (lambda: activations.make_relu(d0=float("nan")), "d0 must be a finite number"),
    (lambda: activations.make_leaky_relu(slope=-0.1), "slope must be non-negative"),
    (lambda: init.glorot(R, 0, 3), "rows must be a positive integer; got 0"),
    (lambda: init.orthogonal(R, 3, -2), "cols must be a positive integer; got -2"),
    (lambda: init.gaussian(R, 3, 3, gain=float("inf")), "gain must be a finite number"),
    (lambda: init.get("xavier"), "init must be one of"),
    (lambda: init.glorot(42, 3, 3), "rng must be a numpy.random.Generator"),
    (lambda: lstm.init(R, 3, 0), "hidden_size must be a positive integer; got 0"),
    (lambda: lstm.init(R, 2.5, 4), "input_size must be a positive integer; got 2.5"),
    (lambda: lstm.init(R, 3, 4, forget_bias=float("nan")), "forget_bias must be a finite number"),
    (lambda: lstm.forward(P_LSTM, np.zeros((5, 3))), "xs must have 3 dimensions; got shape (5, 3)"),
    (lambda: lstm.forward(P_LSTM, np.zeros((5, 2, 7))), "xs must have last dimension 3; got shape (5, 2, 7)"),
    (lambda: lstm.forward(P_LSTM, XS, squash="softmax"), "activation must be one of"),
    (lambda: lstm.forward(P_LSTM, XS, forget_gate=False), "params['W_h'] of a LSTM with forget_gate=False"),
    (lambda: lstm.forward({"W_x": P_LSTM["W_x"]}, XS), "params must hold keys"),
    (lambda: lstm.forward(P_LSTM, XS, (np.zeros((3, 4)), np.zeros((2, 4)))), "h0 must have shape (2, 4); got (3, 4)"),
    (lambda: lstm.forward(P_LSTM, XS, np.zeros((2, 4))), "state0 must be a pair (h0, c0) or None"),
    (lambda: lstm.forward(P_LSTM, np.array([["a"]] * 2)), "xs must be a numeric array"),
    (lambda: lstm.backward(np.zeros((4, 2, 4)), lstm.forward(P_LSTM, XS)[1]), "dhs must have shape (5, 2, 4); got (4, 2, 4)"),
    (lambda: rnn.forward(P_RNN, XS, act="swish"), "activation must be one of"),
    (lambda: rnn.forward(P_RNN, np.zeros((0, 2, 3))), "xs must have at least one time step"),
    (lambda: gru.forward(P_GRU, np.zeros((5, 2, 2))), "xs must have last dimension 3"),
    (lambda: stack.ModelSpec(cell="transformer"), "cell must be one of"),
    (lambda: stack.ModelSpec(layers=0), "layers must be a positive integer; got 0"),
    (lambda: stack.ModelSpec(hidden_size=-8), "hidden_size must be a positive integer; got -8"),
    (lambda: stack.ModelSpec(squash="gelu"), "activation must be one of"),
    (lambda: stack.ModelSpec(dtype="int32"), "dtype must be one of"),
    (lambda: stack.ModelSpec(W_h_gain=float("nan")), "W_h_gain must be a finite number"),
    (lambda: stack.forward(stack.init(SPEC, R), XS, "lstm"), "spec must be a ModelSpec; got str"),
    (lambda: stack.forward(stack.init(SPEC, R), np.zeros((5, 2, 2)), SPEC.with_(layers=2)), "params lack keys"),
    (lambda: stack.init_population(SPEC, []), "seeds must be a non-empty sequence"),
    (lambda: tasks.AddingTask(T=1), "T must be at least 2"),
    (lambda: tasks.AddingTask(T=-5), "T must be a positive integer; got -5"),
    (lambda: tasks.AddingTask(T=10).sample(R, 0), "batch must be a positive integer; got 0"),
    (lambda: tasks.CopyTask(T=10).sample(None, 4), "rng must be a numpy.random.Generator"),
    (lambda: train.TrainConfig(lr=float("nan")), "lr must be a finite number; got nan"),
    (lambda: train.TrainConfig(lr=-1e-3), "lr must be positive; got -0.001"),
    (lambda: train.TrainConfig(steps=0), "steps must be a positive integer; got 0"),
    (lambda: train.TrainConfig(optimizer="rmsprop"), "optimizer must be one of"),
    (lambda: train.TrainConfig(clip="l2"), "clip must be one of"),
    (lambda: train.TrainConfig(clip_threshold=float("inf")), "clip_threshold must be a finite number"),
    (lambda: train.train(stack.init(SPEC, R), SPEC, tasks.CopyTask(T=5), train.TrainConfig(steps=1), R),
     "spec.input_size must match the task's (10); got 2"),
    (lambda: train.train(stack.init_population(SPEC, [0, 1]), SPEC, tasks.AddingTask(T=5),
                         train.TrainConfig(steps=1, lr=(1e-3, 1e-3, 1e-3)), R), "config.lr must be a number or hold one value per model (2); got 3"),
    (lambda: train.final_loss(None, window=0), "window must be a positive integer; got 0"),
    (lambda: optim.clip_by_global_norm({"a": np.ones(2)}, 0.0), "threshold must be positive; got 0.0"),
    (lambda: losses.mse(np.zeros((4, 1)), np.zeros((4, 2))), "target must end in (B, O) = (4, 1); got shape (4, 2)"),
    (lambda: losses.softmax_cross_entropy(np.zeros((3, 2, 5)), np.full((3, 2), 5)), "labels must lie in [0, 5)"),
    (lambda: losses.softmax_cross_entropy(np.zeros((3, 2, 5)), np.zeros((3, 2))), "labels must be integers"),
    (lambda: gradcheck.numerical_grad(lambda p: 0.0, {"a": np.ones(2)}, "b"), "key must be one of ['a']; got 'b'"),
    (lambda: gradcheck.numerical_grad(lambda p: 0.0, {"a": np.ones(2, np.float32)}, "a"), "must be float64"),
    (lambda: gradcheck.relative_error(np.ones(2), np.ones(3)), "analytic and numeric must have the same shape"),
    (lambda: mlp.init(R, [3]), "sizes must list at least input and output sizes"),
    (lambda: mlp.forward(mlp.init(R, [3, 4, 1]), np.zeros((2, 5))), "x must have last dimension 3; got shape (2, 5)"),
]


@pytest.mark.parametrize("call,fragment", CASES, ids=[str(i) for i in range(len(CASES))])
def test_bad_input_raises_a_clear_value_error(call, fragment):
    with pytest.raises(ValueError) as info:
        call()
    assert fragment in str(info.value), str(info.value)


def test_there_are_at_least_25_cases():
    assert len(CASES) >= 25
