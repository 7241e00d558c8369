"""Spectra and Jacobian products: why the same W at every step makes gradients vanish or explode.

Linear recurrence. With ``h_t = h_{t-1} W`` (rnnlab's row-vector convention),
``h_k = h_0 W^k``, and ``||W^k||_2`` is governed by the spectrum of W:

    rho(W)^k  <=  ||W^k||_2  <=  sigma_max(W)^k,     ||W^k||_2^{1/k} -> rho(W)   (Gelfand)

where ``rho`` is the spectral radius (largest |eigenvalue|) and ``sigma_max``
the largest singular value. The size of W's *entries* does not appear.

Nonlinear recurrence. For ``h_t = f(z_t)``, ``z_t = x_t W_x + h_{t-1} W_h + b``,

    dh_t/dh_{t-1} = diag(f'(z_t)) W_h^T,
    dh_T/dh_{T-k} = prod_{s=T-k+1..T} diag(f'(z_s)) W_h^T,
    ||dh_T/dh_{T-k}||_2 <= (gamma * sigma_max(W_h))^k,   gamma = sup |f'|

so ``sigma_max < 1/gamma`` is sufficient for vanishing (Pascanu et al. 2013).

The Jacobians here are not re-derived: :func:`state_jacobians` runs the
layers' own ``backward(..., return_trace=True)`` with one unit vector injected
at the last step per batch row, which returns the rows of dh_T/dh_t for every t.
For an LSTM the trace also holds dh_T/dc_t, and :func:`cec_products` returns the
direct cell-path factor dc_T/dc_{T-k} = diag(prod f) (the constant error carousel).
"""
from __future__ import annotations

import numpy as np

from .. import _checks, gru, lstm, rnn

CELLS = {"rnn": rnn, "lstm": lstm, "gru": gru}
GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "identity": 1.0, "leaky_relu": 1.0}
"""sup |f'| for each activation: the gamma of Pascanu et al. (2013)."""


def _square(name, W):
    """Finite real square matrices (..., n, n); integer entries become float64 (never truncated back)."""
    W = _checks.array(name, W, min_ndim=2, max_ndim=32, finite=True)
    if W.shape[-1] != W.shape[-2] or W.shape[-1] < 1:
        raise ValueError(f"{name} must be a square matrix or a stack of them, shape (..., n, n); got {W.shape}")
    return W


def spectral_radius(W) -> np.ndarray:
    """rho(W) = max_i |lambda_i(W)|. W (..., n, n) -> (...) (a float for one matrix)."""
    W = _square("W", W)
    r = np.abs(np.linalg.eigvals(W)).max(axis=-1)               # (...)
    return float(r) if r.ndim == 0 else r


def singular_values(W) -> np.ndarray:
    """Singular values sigma_1 >= ... >= sigma_n of W. W (..., n, n) -> (..., n)."""
    W = _square("W", W)
    return np.linalg.svd(W, compute_uv=False)                   # (..., n), descending


def sigma_max(W) -> np.ndarray:
    """sigma_max(W) = ||W||_2, the largest singular value. (..., n, n) -> (...)."""
    s = singular_values(W)[..., 0]
    return float(s) if s.ndim == 0 else s


def scaled(W, *, radius=None, sigma=None) -> np.ndarray:
    """A copy of W scaled so that rho(W) = ``radius`` or sigma_max(W) = ``sigma`` (give exactly one).

    W (..., n, n); every matrix of a stack is scaled by its own factor.
    """
    W = _square("W", W)
    if (radius is None) == (sigma is None):
        raise ValueError(f"give exactly one of radius or sigma; got radius={radius!r}, sigma={sigma!r}")
    if radius is not None:
        target, now = _checks.finite_float("radius", radius, nonneg=True), spectral_radius(W)
    else:
        target, now = _checks.finite_float("sigma", sigma, nonneg=True), sigma_max(W)
    now = np.asarray(now, dtype=float)
    if np.any(now == 0):
        raise ValueError(f"W must not have a zero {'spectral radius' if radius is not None else 'norm'}; got {now}")
    return (W * (target / now)[..., None, None]).astype(W.dtype)


def power_norms(W, k_max: int) -> np.ndarray:
    """||W^k||_2 for k = 0..k_max. W (..., n, n) -> (k_max + 1, ...).

    Overflow to inf is allowed (it is what an exploding power does) and not warned about.
    """
    W = _square("W", W).astype(float)
    k_max = _checks.positive_int("k_max", k_max, allow_zero=True)
    out = np.empty((k_max + 1,) + W.shape[:-2])
    P = np.broadcast_to(np.eye(W.shape[-1]), W.shape).copy()    # (..., n, n)
    with np.errstate(all="ignore"):
        for k in range(k_max + 1):
            out[k] = _norm2(P)
            P = P @ W
    return out


def product_norms(Ws) -> np.ndarray:
    """||W_1 W_2 ... W_k||_2 for k = 0..K, for K *different* matrices Ws (K, ..., n, n) -> (K + 1, ...).

    The feedforward analogue of :func:`power_norms`: a deep net has a new W per layer.
    """
    Ws = _square("Ws", Ws).astype(float)
    if Ws.ndim < 3 or Ws.shape[0] < 1:
        raise ValueError(f"Ws must have shape (K, ..., n, n) with K >= 1; got {Ws.shape}")
    out = np.empty((Ws.shape[0] + 1,) + Ws.shape[1:-2])
    P = np.broadcast_to(np.eye(Ws.shape[-1]), Ws.shape[1:]).copy()
    with np.errstate(all="ignore"):
        out[0] = _norm2(P)
        for k in range(Ws.shape[0]):
            P = P @ Ws[k]
            out[k + 1] = _norm2(P)
    return out


def _norm2(M):
    """Spectral norm over the last two axes; inf when M holds inf or NaN."""
    ok = np.isfinite(M).all(axis=(-2, -1))
    safe = np.where(ok[..., None, None], M, 0.0)
    with np.errstate(all="ignore"):
        n = np.linalg.norm(safe, ord=2, axis=(-2, -1)) if M.ndim > 2 else np.linalg.norm(safe, ord=2)
    return np.where(ok, n, np.inf)


def growth_rate(norms, lags=None) -> np.ndarray:
    """Per-step growth factor exp(slope) of log ||J_k|| against k, fitted by least squares.

    norms (K, ...) indexed by lag (``lags`` default 0..K-1) -> (...). A factor < 1 means
    vanishing, > 1 exploding. Non-finite or zero norms make the factor NaN.
    """
    norms = _checks.array("norms", norms, min_ndim=1, max_ndim=32)
    if norms.shape[0] < 2:
        raise ValueError(f"norms must have at least 2 lags on axis 0; got shape {norms.shape}")
    lags = np.arange(norms.shape[0], dtype=float) if lags is None else _checks.array("lags", lags, max_ndim=8, finite=True)
    if lags.shape != norms.shape[:1]:
        raise ValueError(f"lags must have shape {norms.shape[:1]}; got {lags.shape}")
    with np.errstate(all="ignore"):
        y = np.log(norms)                                       # (K, ...)
        x = lags - lags.mean()
        slope = np.tensordot(x, y - y.mean(axis=0), axes=(0, 0)) / (x @ x)
        rate = np.exp(slope)
    return np.where(np.isfinite(y).all(axis=0), rate, np.nan)


def state_jacobians(cell, params, xs, state0=None, *, source="h", **cell_options):
    """Jacobians of the final state with respect to every earlier state, from the layer's backward.

    Runs ``cell.forward`` once on ``xs`` with every batch row repeated H times, and
    ``cell.backward(..., return_trace=True)`` with the unit vector e_i injected at the
    last step of copy i. The trace then holds, for every t,

        out["h"][k] = d s_T / d h_{T-k}     (k = 0 .. T-1; k = 0 is the identity when source="h")
        out["c"][k] = d s_T / d c_{T-k}     (LSTM only; BPTT's total derivative, in which
                                              h_{T-k} = o * squash(c_{T-k}) moves with c_{T-k})

    with s_T = h_T (``source="h"``) or c_T (``source="c"``, LSTM only); entry [i, j] is
    d s_T,i / d state_j. Shapes: xs (T, [*lead,] B, D) -> (T, *lead, B, H, H).
    ``out["hs"]`` is the forward hidden sequence (T, *lead, B, H); for an LSTM ``out["f"]``
    holds its forget gates (T, *lead, B, H), or None without a forget gate.
    Overflow (an exploding ReLU state) gives inf/NaN entries, silently.
    """
    _checks.choice("cell", cell, CELLS)
    _checks.choice("source", source, ("h", "c"))
    if source == "c" and cell != "lstm":
        raise ValueError(f"source='c' needs cell='lstm'; got cell={cell!r}")
    mod = CELLS[cell]
    xs = _checks.array("xs", xs, min_ndim=3, max_ndim=8)
    W_h = _checks.param_dict("params", params, mod.KEYS)["W_h"]
    H = W_h.shape[-2] if W_h.ndim >= 2 else 1                  # a wrong shape is named by the layer's forward
    _checks.fits("the Jacobians (T, *lead, B, H, H)", xs.shape[:1] + W_h.shape[:-2] + (xs.shape[-2], H, H))
    xs_rep = np.repeat(xs, H, axis=-2)                          # (T, [*lead,] B*H, D)
    if state0 is not None:
        rep = lambda s: np.repeat(np.asarray(s), H, axis=-2)   # (*lead, B*H, H)
        state0 = tuple(rep(s) for s in state0) if cell == "lstm" else rep(state0)
    with np.errstate(all="ignore"):
        hs, cache = mod.forward(params, xs_rep, state0, **cell_options)  # (T, *lead, B*H, H)
        lead_b = hs.shape[1:-1]                                 # (*lead, B*H)
        eye = np.broadcast_to(np.eye(H, dtype=hs.dtype), lead_b[:-1] + (lead_b[-1] // H, H, H)).reshape(lead_b + (H,))
        dhs = np.zeros_like(hs)
        dstate_T = None
        if source == "h":
            dhs[-1] = eye
        else:
            dstate_T = (np.zeros_like(hs[-1]), eye.copy())
        out = mod.backward(dhs, cache, dstate_T, return_trace=True)
    trace = out[3]
    T = hs.shape[0]
    shape = (T,) + lead_b[:-1] + (lead_b[-1] // H, H, H)
    res = {"h": trace["dh"][::-1].reshape(shape)}              # lag-ordered: index k is step T-k
    if cell == "lstm":
        res["c"] = trace["dc"][::-1].reshape(shape)
        res["f"] = cache.acts[..., 2 * H:3 * H][:, ..., ::H, :] if cache.forget_gate else None
    res["hs"] = hs[:, ..., ::H, :]                              # (T, *lead, B, H)
    return res


def jacobian_norms(cell, params, xs, state0=None, *, source="h", **cell_options):
    """Spectral norms ||d s_T / d h_{T-k}||_2 (and ``"c"`` for the LSTM), by lag k = 0..T-1.

    Same arguments as :func:`state_jacobians`; returns a dict of arrays (T, *lead, B)
    (inf where the forward or backward pass overflowed) plus ``"hs"``.
    """
    J = state_jacobians(cell, params, xs, state0, source=source, **cell_options)
    out = {k: _norm2(J[k]) for k in ("h", "c") if k in J}
    out["hs"] = J["hs"]
    return out


def cec_products(forget, *, forget_gate=True) -> np.ndarray:
    """The direct cell path of an LSTM, d c_T / d c_{T-k} along c -> c only: diag(prod f).

    ``forget`` holds the forget gates f_1..f_T, (T, ..., H) in time order. Returns
    (T, ..., H): index k is prod_{s=T-k+1..T} f_s (k = 0 gives ones). No W and no
    activation derivative appear. Without a forget gate (``forget_gate=False``,
    the 1997 LSTM) every factor is 1 and the product is exactly 1 at every lag.
    """
    f = _checks.array("forget", forget, min_ndim=2, max_ndim=32, finite=True)
    if f.shape[0] < 1:
        raise ValueError(f"forget must have shape (T, ..., H); got {f.shape}")
    if not _checks.boolean("forget_gate", forget_gate):
        return np.ones_like(f)
    if np.any((f < 0) | (f > 1)):
        raise ValueError(f"forget must hold gate values in [0, 1]; got range [{f.min()}, {f.max()}]")
    rev = f[::-1]                                               # (T, ..., H), f_T first
    out = np.ones_like(f)
    out[1:] = np.cumprod(rev[:-1], axis=0)
    return out


def rnn_population(W_h, input_size: int, rng, *, input_scale: float = 1.0) -> dict:
    """RNN params around given recurrent matrices: W_h (S, H, H) or (H, H); W_x ~ N(0, input_scale^2 / D).

    Biases are zero. The layout matches :func:`rnnlab.rnn.init` (with a leading S).
    """
    W_h = _square("W_h", W_h)
    D = _checks.positive_int("input_size", input_size)
    _checks.rng("rng", rng)
    s = _checks.finite_float("input_scale", input_scale, nonneg=True)
    H = W_h.shape[-1]
    W_x = (s / np.sqrt(D)) * rng.standard_normal(W_h.shape[:-2] + (D, H))   # (*lead, D, H)
    return {"W_x": W_x.astype(W_h.dtype), "W_h": W_h.copy(), "b": np.zeros(W_h.shape[:-2] + (H,), W_h.dtype)}


def rnn_sweep(act, scales, T, *, by="radius", W_h_init="gaussian", hidden_size=32, input_size=4,
              seeds=(0, 1, 2), input_scale=1.0):
    """Jacobian norms of RNNs whose recurrent matrix is one random matrix per seed, rescaled.

    Model (scale r, seed s): from ``rng = default_rng(s)`` draw W0 with ``init.<W_h_init>``
    (gaussian N(0, 1/H), orthogonal or identity), then W_x ~ N(0, input_scale^2 / D) and inputs
    x_t ~ N(0, 1), shape (T, 1, D). W_h = W0 rescaled so that rho(W_h) = r (``by="radius"``)
    or sigma_max(W_h) = r (``by="sigma"``). The same seed gives the same W0, W_x and inputs
    for every scale, so the scales differ only in the size of W_h. h_0 = 0, b = 0.

    Returns a dict: ``"h"`` (T, R, S) norms ||dh_T/dh_{T-k}||_2 by lag k; ``"hs"`` (T, R, S, H)
    hidden states; ``"W_h"`` (R, S, H, H); ``"radius"`` and ``"sigma"`` (R, S) of each W_h.
    """
    from .. import init as _init

    _checks.choice("by", by, ("radius", "sigma"))
    _checks.choice("W_h_init", W_h_init, ("gaussian", "orthogonal", "identity"))
    scales = np.atleast_1d(_checks.array("scales", scales, max_ndim=1, finite=True))
    if scales.size == 0 or np.any(scales <= 0):
        raise ValueError(f"scales must be positive finite numbers; got {scales!r}")
    T = _checks.positive_int("T", T)
    H = _checks.positive_int("hidden_size", hidden_size)
    D = _checks.positive_int("input_size", input_size)
    seeds = _checks.seed_list("seeds", seeds)
    _checks.fits("the Jacobians (T, scales x seeds, H, H)", (T, scales.size * len(seeds), H, H))
    W0s, Wxs, xss = [], [], []
    for s in seeds:
        rng = np.random.default_rng(s)
        W0 = _init.get(W_h_init)(rng, H, H)                               # (H, H)
        W0s.append(scaled(W0, **{by: 1.0}))
        Wxs.append(rnn_population(W0, D, rng, input_scale=input_scale)["W_x"])   # (D, H)
        xss.append(rng.standard_normal((T, 1, D)))                        # (T, 1, D)
    R, S = scales.size, len(seeds)
    W_h = scales[:, None, None, None] * np.stack(W0s)[None]               # (R, S, H, H)
    params = {"W_h": W_h.reshape(R * S, H, H),
              "W_x": np.broadcast_to(np.stack(Wxs)[None], (R, S, D, H)).reshape(R * S, D, H),
              "b": np.zeros((R * S, H))}
    xs = np.broadcast_to(np.stack(xss, axis=1)[:, None], (T, R, S, 1, D)).reshape(T, R * S, 1, D)
    out = jacobian_norms("rnn", params, xs, act=act)
    return {"h": out["h"].reshape(T, R, S), "hs": out["hs"].reshape(T, R, S, H), "W_h": W_h,
            "radius": spectral_radius(W_h), "sigma": sigma_max(W_h)}
