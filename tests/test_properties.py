"""Property-based tests of the error contract over the public API (hypothesis).

For generated good, bad and edge inputs, every public call either succeeds with
a result of the documented shape and dtype, or raises ``ValueError`` /
``TypeError`` whose message names the argument. Nothing else escapes: no
KeyError, AttributeError or IndexError from the internals, and no
RuntimeWarning (pytest turns those into errors, see pyproject.toml).
Examples are derandomised, so CI sees the same ~500 inputs every run.
"""
import re

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from rnnlab import gru, losses, lstm, optim, rnn, stack, stats, tasks, train  # noqa: E402

SETTINGS = settings(max_examples=80, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
R = np.random.default_rng(0)
LAYERS = {"lstm": (lstm, 4), "rnn": (rnn, 1), "gru": (gru, 3)}

weird = st.one_of(st.none(), st.booleans(), st.integers(-3, 5), st.floats(allow_nan=True, allow_infinity=True),
                  st.text(max_size=5), st.just("False"), st.lists(st.integers(0, 3), max_size=3),
                  st.just(np.float32(2.0)), st.just(np.array([1.0, 2.0])))


def expect_clear_error(call, names):
    """Run ``call``; if it raises, it must be ValueError/TypeError naming one of ``names``."""
    try:
        return call()
    except (ValueError, TypeError) as e:
        msg = str(e)
        assert any(n in msg for n in names), f"the message must name the argument ({names}); got {msg!r}"
        assert re.search(r"got|must", msg), f"the message must say what was expected or got; got {msg!r}"
        return None


dtypes = st.sampled_from([np.float16, np.float32, np.float64, np.int64, np.int8, bool, np.complex128, object])


@st.composite
def layer_case(draw):
    cell = draw(st.sampled_from(sorted(LAYERS)))
    mod, n = LAYERS[cell]
    D, H = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    p_dtype = draw(st.sampled_from([np.float32, np.float64, np.float16, np.int64]))
    params = {"W_x": R.normal(size=(D, n * H)), "W_h": R.normal(size=(H, n * H)) * 0.5, "b": np.zeros(n * H)}
    params = {k: v.astype(p_dtype) for k, v in params.items()}
    corrupt = draw(st.sampled_from(["none", "drop", "shape", "mixed", "list"]))
    if corrupt == "drop":
        params.pop(draw(st.sampled_from(sorted(params))))
    elif corrupt == "shape":
        params["b"] = params["b"][:-1]
    elif corrupt == "mixed":
        params["W_h"] = params["W_h"].astype(np.float64 if p_dtype != np.float64 else np.float32)
    elif corrupt == "list":
        params["W_x"] = params["W_x"].tolist()
    shape = tuple(draw(st.lists(st.integers(0, 3), min_size=0, max_size=5)))
    if draw(st.booleans()):
        shape = (draw(st.integers(0, 4)), draw(st.integers(0, 3)), D)
    xs = np.ones(shape, dtype=draw(dtypes))
    return cell, mod, params, xs, H


@SETTINGS
@given(layer_case())
def test_layers_forward_and_backward_keep_the_contract(case):
    cell, mod, params, xs, H = case
    out = expect_clear_error(lambda: mod.forward(params, xs), ["xs", "params", "W_x", "W_h", "b"])
    if out is None:
        return
    hs, cache = out
    assert hs.shape == (xs.shape[0],) + xs.shape[1:-1][:-1] + (xs.shape[-2], H) or hs.shape[-1] == H
    assert hs.dtype == params["W_h"].dtype, "outputs take the parameters' dtype"
    grads, dstate0, dxs = mod.backward(np.ones_like(hs), cache)[:3]
    assert set(grads) == set(params) and dxs.shape == xs.shape


@SETTINGS
@given(st.sampled_from(["lstm", "rnn", "gru"]), weird)
def test_layer_state_arguments_keep_the_contract(cell, bad):
    mod, n = LAYERS[cell]
    params = mod.init(R, 2, 3)
    xs = np.zeros((4, 2, 2))
    state0 = (bad, bad) if cell == "lstm" and not isinstance(bad, (list, np.ndarray)) else bad
    expect_clear_error(lambda: mod.forward(params, xs, state0), ["state0", "h0", "c0"])
    hs, cache = mod.forward(params, xs)
    expect_clear_error(lambda: mod.backward(np.ones_like(hs), cache, bad), ["dstate_T"])


SPEC_FIELDS = ["cell", "input_size", "hidden_size", "output_size", "layers", "return_sequences", "between", "act",
               "gate", "cand", "squash", "forget_gate", "forget_bias", "W_h_init", "W_h_gain", "dtype"]


@SETTINGS
@given(st.sampled_from(SPEC_FIELDS), weird)
def test_model_spec_rejects_bad_fields_by_name(field, value):
    spec = expect_clear_error(lambda: stack.ModelSpec(**{field: value}), [field, "activation", "cell"])
    if spec is None:
        return
    if field in ("return_sequences", "forget_gate"):
        assert isinstance(value, (bool, np.bool_)), f"{field}={value!r} must not be accepted"
    params = stack.init(spec, np.random.default_rng(1))
    y, _ = stack.forward(params, np.zeros((3, 2, spec.input_size)), spec)
    assert np.all(np.isfinite(y)) and y.dtype == np.dtype(spec.dtype)


@SETTINGS
@given(st.sampled_from(["steps", "batch_size", "lr", "optimizer", "clip", "clip_threshold", "diverge_factor"]), weird)
def test_train_config_rejects_bad_fields_by_name(field, value):
    expect_clear_error(lambda: train.TrainConfig(**{field: value}), [field])


@SETTINGS
@given(st.integers(-2, 6), st.integers(-2, 4), st.sampled_from(["adding", "product", "copy"]))
def test_tasks_sample_or_explain(T, batch, kind):
    cls = {"adding": tasks.AddingTask, "product": tasks.ProductTask, "copy": tasks.CopyTask}[kind]
    task = expect_clear_error(lambda: cls(T=T), ["T"])
    if task is None:
        return
    out = expect_clear_error(lambda: task.sample(np.random.default_rng(0), batch), ["batch"])
    if out is not None:
        xs, ys = out
        assert xs.shape[-1] == task.input_size and xs.shape[-2] == batch


@SETTINGS
@given(st.integers(-2, 25), st.integers(-2, 25), st.integers(-2, 25), st.integers(-2, 25))
def test_rate_statistics_accept_counts_or_explain(k1, n1, k2, n2):
    ci = expect_clear_error(lambda: stats.rate_ci(k1, n1), ["k", "n"])
    if ci is not None:
        assert 0 <= ci[0] <= k1 / n1 <= ci[1] <= 1
    res = expect_clear_error(lambda: stats.compare_rates(k1, n1, k2, n2), ["k1", "n1", "k2", "n2"])
    if res is not None:
        assert 0 <= res.p <= 1 and res.significant == (res.p < stats.ALPHA)


grad_values = st.one_of(st.just(np.zeros((2, 3), dtype=np.float32)), st.just(np.ones((2, 3))),
                        st.just(np.full((2, 3), np.inf)), st.just(np.arange(6).reshape(2, 3)),
                        st.just([[1.0, 2.0]]), st.just(np.zeros(0)))


@SETTINGS
@given(grad_values, st.one_of(st.floats(-1, 5), weird), st.sampled_from(["norm", "value", "sgd", "adam"]))
def test_optimizers_and_clipping_keep_the_contract(g, threshold, op):
    grads = {"W": g}
    if op == "norm":
        out = expect_clear_error(lambda: optim.clip_by_global_norm(grads, threshold), ["grads", "threshold"])
        if out is not None:
            assert out[0]["W"].dtype == np.asarray(g).dtype
    elif op == "value":
        expect_clear_error(lambda: optim.clip_by_value(grads, threshold), ["grads", "threshold"])
    else:
        params = {"W": np.zeros(np.shape(g), dtype=np.float64)}
        step = optim.sgd_step if op == "sgd" else optim.adam_step
        expect_clear_error(lambda: step(params, grads, 0.1), ["grads"])


@SETTINGS
@given(st.lists(st.integers(0, 3), min_size=0, max_size=4), dtypes, st.booleans())
def test_losses_keep_the_contract(shape, dtype, seq):
    y = np.ones(tuple(shape), dtype=dtype)
    value = expect_clear_error(lambda: losses.mse(y, np.zeros_like(y, dtype=np.float64), time_axis=seq),
                               ["y", "target"])
    if value is not None:
        assert np.all(np.isfinite(value[0]))


# ---- the contract over every registered public function (tests/_api.py, tests/_contract.py) ---------------------
import dataclasses  # noqa: E402
import importlib  # noqa: E402
import inspect  # noqa: E402
import tempfile  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

from _api import API, EXEMPT, KNOWN_LEAKS, NEEDS_TMP  # noqa: E402
from _contract import Arg, T, bad_values  # noqa: E402

CONTRACT = settings(max_examples=20, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def _resolve(name):
    mod, _, attr = name.rpartition(".")
    try:
        return getattr(importlib.import_module("rnnlab." + mod), attr)
    except AttributeError:
        return None


def _args(name, tmp):
    return API[name](Path(tmp)) if name in NEEDS_TMP else API[name]()


def _call(func, args, change=None):
    kw = {k: (a.value if isinstance(a, Arg) else a) for k, a in args.items()}
    kw.update(change or {})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return func(**kw), None, caught
        except Exception as e:                                   # noqa: BLE001 - classified by the caller
            return None, e, caught


def _cases():
    out = []
    for name in sorted(API):
        if _resolve(name) is None:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            for k, a in _args(name, tmp).items():
                if isinstance(a, Arg):
                    why = KNOWN_LEAKS.get((name, k))
                    out.append(pytest.param(name, k, marks=pytest.mark.xfail(reason=why, strict=True)) if why
                               else (name, k))
    return out


@pytest.mark.parametrize("name", sorted(API))
def test_the_good_call_of_every_function_succeeds_without_a_warning(name, tmp_path):
    fn = _resolve(name)
    if fn is None:
        pytest.skip(f"rnnlab.{name} no longer exists")
    _, err, caught = _call(fn, _args(name, tmp_path))
    assert err is None, f"{name}: the good call raised {type(err).__name__}: {err}"
    assert not caught, f"{name}: warned {[str(w.message) for w in caught]}"


@pytest.mark.parametrize("name,arg", _cases(), ids=lambda v: v)
@CONTRACT
@given(data=st.data())
def test_every_bad_argument_gets_the_contract(name, arg, data):
    """Wrong types (int, bool, complex, object arrays, strings...), wrong shapes that still broadcast, sizes
    beyond their bounds, NaN and inf: the right class, a message naming the argument, no warning."""
    fn = _resolve(name)
    with tempfile.TemporaryDirectory() as tmp:
        args = _args(name, tmp)
        spec = args[arg]
        value, expected = data.draw(bad_values(spec), label=f"{name}({arg}=...)")
        _, err, caught = _call(fn, args, {arg: value})
    assert not caught, f"{name}({arg}={value!r:.60}) warned {[str(w.message) for w in caught]}"
    assert err is not None, f"{name}({arg}={value!r:.80}) was accepted silently; expected a {expected}"
    if expected == T:
        assert isinstance(err, TypeError), f"{name}({arg}={value!r:.60}): a wrong type must raise TypeError; " \
                                           f"got {type(err).__name__}: {err}"
    else:
        assert isinstance(err, ValueError) and not isinstance(err, TypeError), \
            f"{name}({arg}={value!r:.60}): a wrong value must raise ValueError; got {type(err).__name__}: {err}"
    msg = str(err)
    assert any(n in msg for n in (arg,) + spec.names), f"{name}: the message must name {arg}; got {msg!r}"
    assert "got" in msg or "must" in msg, f"{name}: the message must say what was expected or got; got {msg!r}"


PUBLIC_MODULES = ["activations", "init", "rnn", "lstm", "gru", "lnlstm", "indrnn", "conv", "cnn", "stack", "mlp",
                  "losses", "optim", "train", "tasks", "population", "gradcheck", "stats", "store", "provenance", "sweep",
                  "threads", "book", "plotting", "explore"] + [
                  "instruments." + m for m in ("relu_at_zero", "relu_at_zero_mlp", "relu_at_zero_training", "saturation",
                                               "dead_relus", "spectral", "widgets", "relu_in_lstm", "gradient_flow",
                                               "compute_cost")]


def _public_functions():
    for m in PUBLIC_MODULES:
        mod = importlib.import_module("rnnlab." + m)
        for n, obj in vars(mod).items():
            if n.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj) or (inspect.isclass(obj) and dataclasses.is_dataclass(obj)
                                           and not n.endswith(("Result", "Pair", "Precision"))):
                yield f"{m}.{n}"


def test_every_public_function_is_in_the_contract():
    """A public function is registered in tests/_api.py (and so fuzzed above), or exempt with a reason."""
    missing = [f for f in _public_functions() if f not in API and f not in EXEMPT and f.rpartition(".")[0] not in EXEMPT]
    assert not missing, f"register these in tests/_api.py or exempt them with a reason: {missing}"
