"""Losses that return one value per model and the gradient of their sum.

For a population (model axes ``*lead``), the objective is the *sum* of the
per-model losses, so each model's gradient is exactly its own loss's gradient.

``time_axis=True`` means outputs carry a leading time axis, (T, *lead, B, O);
Targets carry the model axes of the outputs, or none of them (data shared by the
population); any other shape is refused, even one that would broadcast. Outputs
may hold inf or NaN (a diverging model: its loss is then inf or NaN, without a
warning); targets must be finite.
"""
from __future__ import annotations

import numpy as np

from . import _checks


def _expand(name, target, shape, time_axis, n_tail):
    """``target`` of ``shape``, or of ``shape`` without its model axes (shared data), which then gets
    length-1 model axes so that it broadcasts against the outputs. Any other shape is refused."""
    if target.shape == shape:
        return target
    t0 = 1 if time_axis else 0
    n_lead = len(shape) - t0 - n_tail                        # model axes of the outputs
    shared = shape[:t0] + shape[t0 + n_lead:]
    if n_lead and target.shape == shared:
        return target.reshape(shape[:t0] + (1,) * n_lead + shape[t0 + n_lead:])
    also = f" or, shared by the models, {shared}" if n_lead else ""
    raise ValueError(f"{name} must have shape {shape}{also}; got {target.shape}")


def _float_output(name, y, time_axis=False):
    """A model output: a non-empty float array with (B, O) axes, and a time axis in front if ``time_axis``."""
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.floating):
        raise _checks.ArgTypeError(f"{name} must be a float array; got dtype {y.dtype}")
    need = 3 if time_axis else 2
    if y.ndim < need or y.size == 0:
        want = "(T, ..., B, O)" if time_axis else "(..., B, O)"
        raise ValueError(f"{name} must have shape {want} with every axis >= 1; got {y.shape}")
    return y


def _reduce_axes(y, time_axis, sample_ndim):
    """Axes that a per-model mean runs over: time (if any) and the trailing sample axes."""
    tail = tuple(range(y.ndim - sample_ndim, y.ndim))
    return ((0,) if time_axis else ()) + tail


def mse(y, target, *, time_axis=False):
    """Mean squared error per model, mean over time, batch and outputs; returns (loss, dy)."""
    time_axis = _checks.boolean("time_axis", time_axis)
    y = _float_output("y", y, time_axis)
    target = _expand("target", _checks.array("target", target, max_ndim=32, finite=True), y.shape, time_axis, 2)
    with np.errstate(over="ignore", invalid="ignore"):      # a diverging model: inf/NaN loss, no warning
        diff = y - target
        axes = _reduce_axes(y, time_axis, 2)
        count = np.prod([y.shape[a] for a in axes])
        loss = np.mean(diff * diff, axis=axes)
        return loss, ((2.0 / count) * diff).astype(y.dtype, copy=False)


def softmax_cross_entropy(logits, labels, *, time_axis=True):
    """Cross-entropy (nats) per model with integer ``labels``, mean over time and batch; returns (loss, dlogits)."""
    time_axis = _checks.boolean("time_axis", time_axis)
    logits = _float_output("logits", logits, time_axis)
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise _checks.ArgTypeError(f"labels must be integers; got dtype {labels.dtype}")
    C = logits.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= C):
        raise ValueError(f"labels must lie in [0, {C}); got range [{labels.min()}, {labels.max()}]")
    labels = _expand("labels", labels, logits.shape[:-1], time_axis, 1)
    labels = np.broadcast_to(labels, logits.shape[:-1])
    with np.errstate(over="ignore", invalid="ignore"):      # a diverging model: inf/NaN loss, no warning
        return _xent(logits, labels, time_axis)


def _xent(logits, labels, time_axis):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))   # (..., C)
    picked = np.take_along_axis(log_p, labels[..., None], axis=-1)[..., 0]  # (...)
    axes = _reduce_axes(picked, time_axis, 1)
    count = np.prod([picked.shape[a] for a in axes])
    loss = -np.mean(picked, axis=axes)
    dlogits = np.exp(log_p)
    np.put_along_axis(dlogits, labels[..., None], np.take_along_axis(dlogits, labels[..., None], axis=-1) - 1.0, axis=-1)
    return loss, (dlogits / count).astype(logits.dtype, copy=False)


LOSSES = {"mse": mse, "xent": softmax_cross_entropy}
