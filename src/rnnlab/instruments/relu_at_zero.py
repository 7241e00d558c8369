"""ReLU'(0): finite differences at the kink, exact zeros, and recurrent stacks.

Finite differences of a scalar function f at x with step h > 0:

    forward   D+ f(x) = (f(x + h) - f(x)) / h          -> right derivative as h -> 0
    backward  D- f(x) = (f(x) - f(x - h)) / h          -> left derivative
    central   D0 f(x) = (f(x + h) - f(x - h)) / (2h) = (D+ + D-) / 2

At x = 0, ReLU gives D+ = 1, D- = 0 and D0 = 1/2 for every h: the one-sided
derivatives exist and differ, so ReLU'(0) does not exist and any value in the
subdifferential [0, 1] is a valid choice. A backward pass can only feel that
choice where a pre-activation is *exactly* 0, so this module counts exact
zeros, and compares the gradients of a recurrent stack (:mod:`rnnlab.stack`)
under ReLU'(0) = 0 and = 1.

The MLP experiments of chapter 2 (emulated float16, Bertoin et al. 2021) are
:mod:`rnnlab.instruments.relu_at_zero_mlp` (the networks and their precision)
and :mod:`rnnlab.instruments.relu_at_zero_training` (the two experiments).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import _checks

# ---------------------------------------------------------------------------
# Finite differences
# ---------------------------------------------------------------------------

def _fd_args(f, x, h):
    _checks.function("f", f)
    h = _checks.finite_float("h", h, positive=True)
    x = _checks.array("x", x, max_ndim=32, finite=True).astype(np.float64)
    return x, h


def forward_difference(f: Callable, x, h: float = 1e-6) -> np.ndarray:
    """(f(x + h) - f(x)) / h, elementwise over ``x`` (float64). Tends to the right derivative."""
    x, h = _fd_args(f, x, h)
    return (np.asarray(f(x + h)) - np.asarray(f(x))) / h


def backward_difference(f: Callable, x, h: float = 1e-6) -> np.ndarray:
    """(f(x) - f(x - h)) / h, elementwise over ``x`` (float64). Tends to the left derivative."""
    x, h = _fd_args(f, x, h)
    return (np.asarray(f(x)) - np.asarray(f(x - h))) / h


def central_difference(f: Callable, x, h: float = 1e-6) -> np.ndarray:
    """(f(x + h) - f(x - h)) / (2h), the mean of the forward and backward differences."""
    x, h = _fd_args(f, x, h)
    return (np.asarray(f(x + h)) - np.asarray(f(x - h))) / (2.0 * h)


def finite_differences(f: Callable, x, h: float = 1e-6) -> dict:
    """All three differences at once: ``{"forward": D+, "backward": D-, "central": D0}``."""
    return {"forward": forward_difference(f, x, h), "backward": backward_difference(f, x, h),
            "central": central_difference(f, x, h)}


# ---------------------------------------------------------------------------
# Exact zeros
# ---------------------------------------------------------------------------

def count_exact_zeros(arrays, *, axis=None):
    """Number of entries exactly equal to 0 (``-0.0`` included), and the number of entries.

    ``arrays`` is one array or a list of arrays. With ``axis=k`` (an int) the
    count is kept per index of that axis (e.g. per model of a population; all
    arrays must share its length) and returned as an int array.
    Returns ``(n_zero, n_total)``.
    """
    if isinstance(arrays, np.ndarray):
        arrays = [arrays]
    if not isinstance(arrays, (list, tuple)):
        raise _checks.ArgTypeError(f"arrays must be an array or a list of arrays; got {type(arrays).__name__}")
    arrays = [_checks.array(f"arrays[{i}]", a, max_ndim=32) for i, a in enumerate(arrays)]
    if not arrays:
        raise ValueError("arrays must hold at least one array; got an empty list")
    if axis is None:
        return int(sum(np.count_nonzero(a == 0) for a in arrays)), int(sum(a.size for a in arrays))
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise _checks.ArgTypeError(f"axis must be an int or None; got {axis!r}")
    n = {a.shape[axis] if a.ndim > axis else None for a in arrays}
    if len(n) != 1 or None in n:
        raise ValueError(f"arrays must all have axis {axis} of one length; got lengths {sorted(map(str, n))}")
    zeros = sum(np.count_nonzero(np.moveaxis(a, axis, 0).reshape(a.shape[axis], -1) == 0, axis=1) for a in arrays)
    total = sum(a.size // a.shape[axis] for a in arrays)
    return zeros.astype(np.int64), int(total)



# ---------------------------------------------------------------------------
# Recurrent stacks: does ReLU'(0) change the gradient?
# ---------------------------------------------------------------------------

def relu_pre_activations(cache, role: str) -> list:
    """The arrays a ReLU in ``role`` was applied to, from a :func:`rnnlab.stack.forward` cache.

    ``role="act"``: the RNN pre-activations z_t of every layer;
    ``role="between"``: the hidden sequences fed to the activation between layers.
    """
    from .. import stack

    _checks.instance("cache", cache, stack.Cache)
    _checks.choice("role", role, ("act", "between"))
    if role == "between":
        return list(cache.between_inputs)
    if cache.spec.cell != "rnn":
        raise ValueError(f"role='act' needs an RNN stack; got cell {cache.spec.cell!r}")
    return [c.zs for c in cache.layer_caches]


def relu_d0_grads(params, spec, xs, dy_fn, *, role: str = "act", d0s=(0.0, 1.0)):
    """Gradients of one recurrent stack under two choices of ReLU'(0), and its exact zeros.

    ``spec.<role>`` must be a ReLU; it is replaced by ``make_relu(d0)`` for each
    ``d0`` in ``d0s``. ``dy_fn(y) -> (loss, dy)`` gives the loss gradient.
    Returns ``(grads_a, grads_b, n_zero, n_total)`` where the counts are exact
    zeros among the ReLU's inputs (per model for a population).
    """
    from .. import activations, stack   # local: keeps this module light to import

    _checks.instance("spec", spec, stack.ModelSpec)
    _checks.function("dy_fn", dy_fn)
    _checks.choice("role", role, ("act", "between"))
    current = getattr(spec, role)
    if current is None or not activations.get(current).name.startswith("relu"):
        raise ValueError(f"spec.{role} must be a ReLU; got {current!r}")
    if len(d0s) != 2:
        raise ValueError(f"d0s must hold two values; got {d0s!r}")
    out = []
    for d0 in d0s:
        s = spec.with_(**{role: activations.make_relu(d0)})
        y, cache = stack.forward(params, xs, s)
        _, dy = dy_fn(y)
        out.append(stack.backward(dy, cache))
    pre = relu_pre_activations(cache, role)
    S = stack.population_size(params)
    if S is None:
        n_zero, n_total = count_exact_zeros(pre)
    else:
        n_zero, n_total = count_exact_zeros([np.moveaxis(a, 1, 0) for a in pre], axis=0)
    return out[0], out[1], n_zero, n_total


def grads_differ(ga: dict, gb: dict, *, population: bool = False):
    """True where two gradient dicts differ in any entry (bitwise); per model with ``population``."""
    _checks.param_dict("ga", ga, one_dtype=False)
    _checks.param_dict("gb", gb, one_dtype=False)
    population = _checks.boolean("population", population)
    _checks.same_keys_and_shapes("gb", gb, "ga", ga)
    if not population:
        return bool(any(np.any(ga[k] != gb[k]) for k in ga))
    return np.any(np.stack([np.any((ga[k] != gb[k]).reshape(ga[k].shape[0], -1), axis=1) for k in ga]), axis=0)


def stack_gradcheck(params: dict, spec, xs, dy, *, keys=None, eps: float = 1e-6) -> dict:
    """Relative error of :func:`rnnlab.stack.backward` against central differences, per key.

    The loss is L = sum(dy * y) with y = stack.forward(params, xs, spec)[0], so
    dL/dy = ``dy``. ``keys`` (default: all) limits the check to some params;
    ``spec.dtype`` must be float64. Returns ``{key: ||a - n|| / (||a|| + ||n||)}``.
    """
    from .. import gradcheck, stack

    if _checks.instance("spec", spec, stack.ModelSpec).dtype != "float64":
        raise ValueError(f"spec must be a float64 ModelSpec; got dtype {spec.dtype!r}")
    keys = list(params) if keys is None else list(keys)
    for k in keys:
        if k not in params:
            raise ValueError(f"keys must be params keys {sorted(params)}; got {k!r}")
    dy = _checks.array("dy", dy, max_ndim=8).astype(np.float64)
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}

    def loss(p):
        y, _ = stack.forward(p, xs, spec)
        return float(np.sum(dy * y))

    _, cache = stack.forward(params, xs, spec)
    grads = stack.backward(dy, cache)
    return {k: gradcheck.relative_error(grads[k], gradcheck.numerical_grad(loss, params, k, eps=eps)) for k in keys}


def gradient_descent_1d(grad: Callable, w0, steps: int, lr: Callable) -> np.ndarray:
    """Iterates w_{t+1} = w_t - lr(t) grad(w_t) for a batch of starts ``w0`` (n,); returns (steps + 1, n)."""
    _checks.function("grad", grad)
    _checks.function("lr", lr)
    steps = _checks.positive_int("steps", steps)
    w = _checks.array("w0", w0, max_ndim=1, finite=True).astype(np.float64).reshape(-1)   # (n,)
    traj = np.empty((steps + 1, w.size))                           # (steps + 1, n)
    traj[0] = w
    for t in range(steps):
        w = w - lr(t) * grad(w)
        traj[t + 1] = w
    return traj
