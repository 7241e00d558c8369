"""Checks and state handling shared by the three recurrent layers."""
from __future__ import annotations

import numpy as np

from . import _checks, activations
from ._tensor import empty, lead_shape


def check_params(params, xs, keys, n_blocks, name):
    """Check ``params`` (W_x, W_h, b with ``n_blocks`` blocks of H) against ``xs``.

    Dtype policy: the weights are float16, float32 or float64 arrays of one
    dtype; ``xs`` (any real numbers) is cast to that dtype.
    """
    if not isinstance(params, dict):
        raise _checks.ArgTypeError(f"params must be a dict of arrays; got {type(params).__name__}")
    for k in keys:
        if k not in params:
            raise ValueError(f"params must hold keys {keys}; got keys {sorted(params)}")
    W_x, W_h, b = (_checks.float_array(f"params['{k}']", params[k]) for k in ("W_x", "W_h", "b"))
    if not (W_x.dtype == W_h.dtype == b.dtype):
        raise _checks.ArgTypeError(f"params must share one dtype; got W_x {W_x.dtype}, W_h {W_h.dtype}, b {b.dtype}")
    if W_h.ndim < 2 or W_h.shape[-1] != n_blocks * W_h.shape[-2]:
        raise ValueError(f"params['W_h'] of a {name} must have shape (*lead, H, {n_blocks}H); got {W_h.shape}")
    nH = W_h.shape[-1]
    if W_x.ndim != W_h.ndim or W_x.shape[-1] != nH or W_x.shape[:-2] != W_h.shape[:-2]:
        raise ValueError(f"params['W_x'] must have shape (*lead, D, {nH}) to match W_h {W_h.shape}; got {W_x.shape}")
    if b.shape != W_h.shape[:-2] + (nH,):
        raise ValueError(f"params['b'] must have shape {W_h.shape[:-2] + (nH,)}; got {b.shape}")
    lead = lead_shape(W_h)
    xs = _checks.array("xs", xs, min_ndim=3, max_ndim=3 + len(lead), last=W_x.shape[-2])
    if xs.ndim > 3 and xs.shape[1:-2] != lead:
        raise ValueError(f"xs must have shape (T, B, D) or (T, {', '.join(map(str, lead))}, B, D); got {xs.shape}")
    if xs.shape[0] < 1 or xs.shape[-2] < 1:
        raise ValueError(f"xs must have at least one time step and one sample; got shape {xs.shape}")
    return xs.astype(W_h.dtype, copy=False), W_h.shape[-2], lead


def state(name, value, shape, dtype):
    """``value`` as an array of ``shape``, or zeros when it is None."""
    if value is None:
        return np.zeros(shape, dtype=dtype)
    a = np.asarray(value)
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)) or a.dtype == bool:
        raise _checks.ArgTypeError(f"{name} must be an array of real numbers; got dtype {a.dtype}")
    a = a.astype(dtype, copy=False)
    if a.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {a.shape}")
    return a


def input_projection(params, xs, lead, workspace=None):
    """All input projections at once: ``xs @ W_x + b``, (T, *lead, B, nH), writable
    (the workspace's buffer "zs" when a workspace is given)."""
    T, B = xs.shape[0], xs.shape[-2]
    if xs.ndim == 3 and lead:   # data shared by a population: (T, 1.., B, D) broadcasts over the models
        xs = xs.reshape((T,) + (1,) * len(lead) + (B, xs.shape[-1]))
    W_x = params["W_x"]
    zs = empty(workspace, "zs", np.broadcast_shapes(xs.shape[:-2], W_x.shape[:-2]) + (B, W_x.shape[-1]), W_x.dtype)
    np.matmul(xs, W_x, out=zs)                                  # (T, *lead, B, nH)
    zs += params["b"][..., None, :]
    return zs


def check_douts(dhs, hs):
    dhs = np.asarray(dhs)
    if not np.issubdtype(dhs.dtype, np.floating):
        raise _checks.ArgTypeError(f"dhs must be a float array; got dtype {dhs.dtype}")
    if dhs.shape != hs.shape:
        raise ValueError(f"dhs must have shape {hs.shape}; got {dhs.shape}")
    return dhs


def final_state_grads(dstate_T, shape, dtype, n_parts):
    """dLoss/d(final state): zeros when None; for an LSTM (n_parts=2) a pair (dh_T, dc_T)."""
    if dstate_T is None:
        return tuple(np.zeros(shape, dtype=dtype) for _ in range(n_parts))
    parts = (dstate_T,) if n_parts == 1 else dstate_T
    if n_parts > 1 and not (isinstance(parts, (tuple, list)) and len(parts) == n_parts):
        raise _checks.ArgTypeError(f"dstate_T must be a pair (dh_T, dc_T) of arrays or None; got {type(dstate_T).__name__}")
    return tuple(state(f"dstate_T[{k}]" if n_parts > 1 else "dstate_T", p, shape, dtype) for k, p in enumerate(parts))


# ----- activations written into a given array (same operations, same bits) -----
_SIGMOID, _TANH = activations.REGISTRY["sigmoid"], activations.REGISTRY["tanh"]


def apply_into(act, z, out):
    """``out[...] = act.f(z)`` without a temporary for sigmoid and tanh; bit-for-bit the same."""
    if act.f is _TANH.f:
        np.tanh(z, out=out)
    elif act.f is _SIGMOID.f:                      # 1 / (1 + e^{-z}), step by step as activations._sigmoid
        np.negative(z, out=out)
        with np.errstate(over="ignore"):
            np.exp(out, out=out)
        np.add(1.0, out, out=out)
        np.divide(1.0, out, out=out)
    else:
        out[...] = act.f(z)
    return out


def elementwise_safe(act):
    """True when ``act`` may run on extra values without side effects (no warning, no error):
    sigmoid and tanh, whose f and grad are computed here."""
    return act.f in (_SIGMOID.f, _TANH.f) and act.df_out in (_SIGMOID.df_out, _TANH.df_out)


def grad_into(act, z, y, out):
    """``out[...] = act.grad(z, y)`` without temporaries for sigmoid and tanh; bit-for-bit the same."""
    if act.df_out is _SIGMOID.df_out:              # y (1 - y)
        np.subtract(1.0, y, out=out)
        np.multiply(y, out, out=out)
    elif act.df_out is _TANH.df_out:               # 1 - y^2
        np.multiply(y, y, out=out)
        np.subtract(1.0, out, out=out)
    else:
        out[...] = act.grad(z, y)
    return out
