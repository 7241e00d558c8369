"""Exact backward passes: every layer x activation role x depth x return mode x forget gate.

Finite differences in float64 against the analytic gradients, relative error
(||a - n|| / (||a|| + ||n||) per parameter array) at most 1e-7. Parameters get a
small random perturbation so that no pre-activation sits exactly on ReLU's kink.
"""
import itertools

import numpy as np
import pytest

from rnnlab import gradcheck, gru, lstm, rnn, stack, train

TOL = 1e-7
ACTS = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]


def _jitter(params, rng, scale=0.1):
    return {k: v + scale * rng.standard_normal(v.shape) for k, v in params.items()}


def _check_layer(module, params, xs, state0, rng, **kw):
    return gradcheck.check_layer(module, params, xs, state0, rng, **kw)


@pytest.mark.parametrize("act", ACTS)
def test_rnn_layer(act, rng):
    p = _jitter(rnn.init(rng, 3, 4), rng)
    report = _check_layer(rnn, p, rng.standard_normal((5, 2, 3)), rng.standard_normal((2, 4)), rng, act=act)
    assert max(report.values()) < TOL, report


@pytest.mark.parametrize("role,act,forget_gate", [
    (role, act, fg) for role in ("gate", "cand", "squash") for act in ACTS for fg in (True, False)])
def test_lstm_layer_every_role(role, act, forget_gate, rng):
    p = _jitter(lstm.init(rng, 3, 4, forget_gate=forget_gate), rng)
    state0 = (rng.standard_normal((2, 4)), rng.standard_normal((2, 4)))
    report = _check_layer(lstm, p, rng.standard_normal((5, 2, 3)), state0, rng, forget_gate=forget_gate, **{role: act})
    assert max(report.values()) < TOL, report


@pytest.mark.parametrize("role,act", [(role, act) for role in ("gate", "cand") for act in ACTS])
def test_gru_layer_every_role(role, act, rng):
    p = _jitter(gru.init(rng, 3, 4), rng)
    report = _check_layer(gru, p, rng.standard_normal((5, 2, 3)), rng.standard_normal((2, 4)), rng, **{role: act})
    assert max(report.values()) < TOL, report


STACK_CASES = list(itertools.product(
    ["rnn", "lstm", "gru"], [1, 2, 3], [False, True], [None, "tanh", "relu"]))


@pytest.mark.parametrize("cell,layers,return_sequences,between", STACK_CASES)
def test_stacked_model(cell, layers, return_sequences, between, rng):
    spec = stack.ModelSpec(cell=cell, input_size=3, hidden_size=4, output_size=2, layers=layers,
                           return_sequences=return_sequences, between=between, dtype="float64")
    p = _jitter(stack.init(spec, rng), rng)
    xs = rng.standard_normal((4, 2, 3))
    ys = rng.standard_normal((4, 2, 2) if return_sequences else (2, 2))
    report = gradcheck.check(lambda q: train.loss_and_grads(q, spec, xs, ys, "mse"), p)
    assert max(report.values()) < TOL, report


@pytest.mark.parametrize("forget_gate", [True, False])
@pytest.mark.parametrize("squash", ["tanh", "relu"])
def test_lstm_stack_relu_roles_forget_gate(forget_gate, squash, rng):
    spec = stack.ModelSpec(cell="lstm", input_size=2, hidden_size=3, output_size=1, layers=2, cand="relu",
                           squash=squash, forget_gate=forget_gate, dtype="float64")
    p = _jitter(stack.init(spec, rng), rng)
    xs, ys = rng.standard_normal((4, 3, 2)), rng.standard_normal((3, 1))
    report = gradcheck.check(lambda q: train.loss_and_grads(q, spec, xs, ys, "mse"), p)
    assert max(report.values()) < TOL, report


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_population_gradcheck(cell, rng):
    """The population path (leading model axis, shared data) is exact too."""
    spec = stack.ModelSpec(cell=cell, input_size=2, hidden_size=3, output_size=1, layers=2, dtype="float64")
    p = _jitter(stack.init_population(spec, [0, 1, 2]), rng)
    xs, ys = rng.standard_normal((4, 2, 2)), rng.standard_normal((2, 1))

    def total(q):  # the population objective is the sum of per-model losses
        value, grads = train.loss_and_grads(q, spec, xs, ys, "mse")
        return float(np.sum(value)), grads

    report = gradcheck.check(total, p)
    assert max(report.values()) < TOL, report


def test_copy_task_cross_entropy_gradcheck(rng):
    from rnnlab import tasks
    task = tasks.CopyTask(T=3, n_symbols=3, n_copy=2)
    spec = stack.ModelSpec(cell="lstm", input_size=task.input_size, hidden_size=4, output_size=task.output_size,
                           return_sequences=True, dtype="float64")
    p = _jitter(stack.init(spec, rng), rng)
    xs, labels = task.sample(rng, 2)
    report = gradcheck.check(lambda q: train.loss_and_grads(q, spec, xs, labels, "xent"), p)
    assert max(report.values()) < TOL, report


def test_gradcheck_catches_a_wrong_gradient(rng):
    """The checker itself can fail: a gradient off by 1 % is flagged."""
    p = {"w": rng.standard_normal(5)}
    report = gradcheck.check(lambda q: (float(np.sum(q["w"] ** 3)), {"w": 3.03 * q["w"] ** 2}), p)
    assert report["w"] > 1e-3
