"""Gradient flow through a stack of recurrent layers, over depth and time.

A stack of L layers (see :mod:`rnnlab.stack`) feeds layer l's hidden sequence
h^l_1..h^l_T, optionally through an activation ``between``, to layer l+1. The
loss reaches every h^l_t along two routes: back in time inside layer l, and
down from layer l+1. ``stack.backward(..., return_trace=True)`` records the
total derivative dLoss/dh^l_t for every layer and step; this module turns those
traces into the numbers a chapter plots:

* :func:`flow_norms` -- the gradient norm G[l, t] over (layer, time),
* :func:`gradient_flow` -- forward, loss, backward and :func:`flow_norms` in one call,
* :func:`between_values` / :func:`value_stats` -- what actually passes between layers,
* :func:`per_model_activation` -- one population whose models differ only in ``between``,
* :func:`time_call` / :func:`step_cost` -- the wall-clock cost of a step (the product task is :class:`rnnlab.tasks.ProductTask`).

Shapes: a lone model's traces are (T, B, H); a population's are (T, S, B, H).
"""
from __future__ import annotations

import numpy as np

from .. import _checks, activations, losses, stack
from . import compute_cost


# ---------------------------------------------------------------------------
# One population, several "between" activations.
# ---------------------------------------------------------------------------

def per_model_activation(names) -> activations.Activation:
    """An activation that applies ``names[k]`` to model k of a population.

    ``names`` lists one activation per model (a name, an Activation, or None
    for none, i.e. the identity). The returned Activation expects arrays of
    shape (T, S, ...) with S = len(names), the layout of a population's hidden
    sequence, and computes f_k(z[:, k]) and f_k'(z[:, k]) for every k. Passed
    as ``ModelSpec(between=...)``, it lets one ``train`` call compare stacks
    that differ only in the activation between their layers.
    """
    names = list(names) if not isinstance(names, str) else None
    if not names:
        raise ValueError(f"names must be a non-empty list of activations (or None); got {names!r}")
    acts = [activations.get("identity" if n is None else n) for n in names]
    S = len(acts)
    groups = {}
    for k, a in enumerate(acts):
        groups.setdefault(a.name, (a, []))[1].append(k)

    def _apply(z, which):
        z = np.asarray(z)
        if z.ndim < 2 or z.shape[1] != S:
            raise ValueError(f"z must have shape (T, {S}, ...) with one slice per model; got {z.shape}")
        out = np.empty_like(z)
        for a, ks in groups.values():
            fn = a.f if which == "f" else a.df
            out[:, ks] = fn(z[:, ks])                                 # (T, |ks|, ...)
        return out

    label = ",".join("none" if n is None else activations.get(n).name for n in names)
    return activations.Activation(f"per_model({label})", lambda z: _apply(z, "f"), lambda z: _apply(z, "df"))


# ---------------------------------------------------------------------------
# Gradient norms over (layer, time).
# ---------------------------------------------------------------------------

def flow_norms(traces, key: str = "dh") -> np.ndarray:
    """G[l, t] = sqrt(mean_b ||dLoss/dh^l_{t,b}||^2): the root-mean-square over the
    batch of the per-sample gradient norm reaching layer l at step t.

    ``traces`` is the list that ``stack.backward(dy, cache, return_trace=True)``
    returns (one dict per layer, each with ``key`` of shape (T, *lead, B, H)).
    Returns (L, T) for a lone model or (L, T, *lead) for a population.
    """
    if not isinstance(traces, (list, tuple)):
        raise _checks.ArgTypeError(f"traces must be a non-empty list of per-layer dicts; got {type(traces).__name__}")
    if not traces:
        raise ValueError("traces must be a non-empty list of per-layer dicts; got []")
    _checks.choice("key", key, ("dh", "dc"))
    out = []
    for l, tr in enumerate(traces):
        if not isinstance(tr, dict) or key not in tr:
            raise ValueError(f"traces[{l}] must be a dict with key {key!r}; got {tr!r:.60}")
        d = np.asarray(tr[key], dtype=np.float64)                     # (T, *lead, B, H)
        if d.ndim < 3:
            raise ValueError(f"traces[{l}][{key!r}] must have shape (T, *lead, B, H); got {d.shape}")
        out.append(np.sqrt(np.mean(np.sum(d * d, axis=-1), axis=-1)))  # (T, *lead)
    shapes = {o.shape for o in out}
    if len(shapes) != 1:
        raise ValueError(f"traces must all have the same (T, *lead); got {sorted(shapes)}")
    return np.stack(out)                                              # (L, T, *lead)


def gradient_flow(params: dict, spec: stack.ModelSpec, xs, targets, *, loss: str = "mse", key: str = "dh"):
    """Forward, loss, backward with traces; return ``(G, value)``.

    ``G`` is :func:`flow_norms` of the traces, (L, T[, S]); ``value`` is the
    loss per model. Nothing is updated.
    """
    _checks.choice("loss", loss, losses.LOSSES)
    _checks.choice("key", key, ("dh", "dc"))
    with np.errstate(all="ignore"):
        y, cache = stack.forward(params, xs, spec)
        value, dy = losses.LOSSES[loss](y, targets, time_axis=spec.return_sequences)
        _, traces = stack.backward(dy, cache, return_trace=True)
    return flow_norms(traces, key), value


# ---------------------------------------------------------------------------
# What passes between the layers.
# ---------------------------------------------------------------------------

def between_values(params: dict, spec: stack.ModelSpec, xs) -> list:
    """The sequences that pass between layers, one ``(h, u)`` pair per boundary.

    For the boundary after layer l (l = 0..L-2): ``h`` = h^l, layer l's hidden
    sequence (T, *lead, B, H), and ``u`` = between(h^l), what layer l+1 reads
    (``u is h`` when there is no activation between). Empty for one layer.
    """
    _checks.instance("spec", spec, stack.ModelSpec)
    _, cache = stack.forward(params, xs, spec)
    between = None if spec.between is None else activations.get(spec.between)
    pairs = []
    for l in range(spec.layers - 1):
        h = cache.layer_caches[l].hs[1:]                              # (T, *lead, B, H)
        pairs.append((h, h if between is None else between.f(h)))
    return pairs


def value_stats(a, *, small: float = 0.5) -> dict:
    """Summary of an array of between-layer values (all entries pooled).

    Returns the fraction of exact zeros, the fraction with |a| < ``small``, the
    mean and 99th percentile of |a|, the 1st, 50th and 99th percentiles of a,
    and ``tanh_gap`` = max |tanh(a) - a| (how far an extra tanh moves them).
    """
    a = _checks.array("a", a, max_ndim=32).ravel()
    if a.size == 0:
        raise ValueError("a must hold at least one value; got an empty array")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"a must be finite; got {int(np.sum(~np.isfinite(a)))} non-finite values")
    small = _checks.finite_float("small", small, positive=True)
    absa = np.abs(a)
    q01, q50, q99 = np.percentile(a, [1, 50, 99])
    return {
        "frac_zero": float(np.mean(a == 0.0)),
        "frac_small": float(np.mean(absa < small)),
        "mean_abs": float(absa.mean()),
        "abs_q99": float(np.percentile(absa, 99)),
        "q01": float(q01), "q50": float(q50), "q99": float(q99),
        "tanh_gap": float(np.max(np.abs(np.tanh(a) - a))),
    }


# ---------------------------------------------------------------------------
# Cost.
# ---------------------------------------------------------------------------

def time_call(fn, *, repeats: int = 5, number: int = 1) -> float:
    """Seconds per call of ``fn()``: the minimum over ``repeats`` timings of
    ``number`` calls each, divided by ``number`` (the minimum is the least
    disturbed by other work on the machine)."""
    _checks.function("fn", fn)
    number = _checks.positive_int("number", number)

    def batch():
        for _ in range(number):
            fn()

    return compute_cost.best_time(batch, repeats, warmup=0) / number


def step_cost(params: dict, spec: stack.ModelSpec, xs, targets, *, loss: str = "mse", repeats: int = 5) -> float:
    """Seconds for one forward + loss + backward pass (a training step without the
    optimizer update), by :func:`time_call`."""
    _checks.choice("loss", loss, losses.LOSSES)

    def run():
        y, cache = stack.forward(params, xs, spec)
        _, dy = losses.LOSSES[loss](y, targets, time_axis=spec.return_sequences)
        stack.backward(dy, cache)

    return time_call(run, repeats=repeats)
