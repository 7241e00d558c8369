"""A small convolutional classifier for 8 x 8 images, and SGD with momentum to a target training error.

The net has ``depth`` convolution layers (3 x 3 kernels, zero padding 1, ``channels``
output channels each), the activation after every one, a 2 x 2 max pooling after
the first, and a linear readout of the flattened last feature map:

    a_0 = x (B, 8, 8, 1)
    z_1 = conv(a_0; W0, b0),  a_1 = pool(f(z_1))          (B, 4, 4, C)
    z_l = conv(a_{l-1}; W{l-1}, b{l-1}),  a_l = f(z_l)   (B, 4, 4, C),  l = 2..depth
    logits = flatten(a_depth) Wout + bout                (B, n_classes)

Initialisation draws each kernel, seen as its im2col matrix (k k C_in, C_out),
from :mod:`rnnlab.init`: ``he`` is N(0, 2 / fan_in) with fan_in = k k C_in;
``glorot`` is U(-a, a), a = sqrt(6 / (fan_in + fan_out)) with the convolutional
fan_out = k k C_out (Glorot & Bengio 2010). Biases start at 0.

Training (Krizhevsky et al. 2012, without weight decay): minibatch SGD with momentum,
v <- mu v - lr g, p <- p + v, on the mean softmax cross-entropy, minibatches drawn
by reshuffling the training set each epoch with the run's own data ``rng``.
"""
from __future__ import annotations

import time

import numpy as np

from . import _checks, activations, conv, init as _init, losses

K = 3


def digits(split_seed: int = 0, n_test: int = 360, dtype=np.float32):
    """scikit-learn's 8 x 8 handwritten digits (1797 images, shipped with the package, no download),
    scaled to zero mean and unit variance with the training set's mean and std.

    Returns ``(x_train (N, 8, 8, 1), y_train (N,), x_test, y_test)``; the split is a fixed
    permutation drawn from ``default_rng(split_seed)``."""
    from sklearn.datasets import load_digits
    d = load_digits()
    n_test = _checks.positive_int("n_test", n_test)
    if n_test >= len(d.target):
        raise ValueError(f"n_test must be below {len(d.target)}; got {n_test}")
    perm = np.random.default_rng(_checks.positive_int("split_seed", split_seed, allow_zero=True)).permutation(len(d.target))
    x = d.images[perm].astype(np.float64)[..., None]                         # (1797, 8, 8, 1)
    y = d.target[perm].astype(np.int64)
    tr, te = slice(n_test, None), slice(0, n_test)
    mu, sd = x[tr].mean(), x[tr].std()
    x = ((x - mu) / sd).astype(dtype)
    return x[tr], y[tr], x[te], y[te]


def init(rng, depth: int, channels: int, *, scheme: str = "he", in_channels: int = 1, n_classes: int = 10,
         side: int = 8, dtype=np.float32) -> dict:
    """Params ``W0, b0, ..., W{depth-1}, b{depth-1}, Wout, bout`` (kernels (3, 3, C_in, C_out))."""
    depth, channels = _checks.positive_int("depth", depth), _checks.positive_int("channels", channels)
    in_channels, n_classes = _checks.positive_int("in_channels", in_channels), _checks.positive_int("n_classes", n_classes)
    side = _checks.positive_int("side", side)
    if side % 2:
        raise ValueError(f"side must be even (one 2 x 2 pooling); got {side}")
    _checks.choice("scheme", scheme, ("he", "glorot"))
    _checks.rng("rng", rng)
    params = {}
    cin = in_channels
    for l in range(depth):
        fan_in, fan_out = K * K * cin, K * K * channels
        if scheme == "he":
            W = _init.he(rng, fan_in, channels, dtype=np.float64)
        else:   # glorot's a = sqrt(6 / (rows + cols)); the gain makes cols count as k k C_out
            W = _init.glorot(rng, fan_in, channels, gain=np.sqrt((fan_in + channels) / (fan_in + fan_out)),
                             dtype=np.float64)
        params[f"W{l}"] = W.reshape(K, K, cin, channels).astype(dtype)
        params[f"b{l}"] = np.zeros(channels, dtype=dtype)
        cin = channels
    n_flat = (side // 2) ** 2 * channels
    fn = _init.he if scheme == "he" else _init.glorot
    params["Wout"] = fn(rng, n_flat, n_classes, dtype=dtype)
    params["bout"] = np.zeros(n_classes, dtype=dtype)
    return params


def depth_of(params: dict) -> int:
    """Number of convolution layers in ``params``."""
    if not isinstance(params, dict):
        raise _checks.ArgTypeError(f"params must be a dict of W0, b0, ..., Wout, bout; got {_checks._what(params)}")
    n = 0
    while f"W{n}" in params:
        n += 1
    if n == 0 or "Wout" not in params:
        raise ValueError(f"params must hold W0, b0, ..., Wout, bout; got keys {sorted(params)}")
    return n


def _check_params(params, L):
    """Kernels (3, 3, C_in, C) chained over the layers, biases (C,), readout (n_flat, n_classes) and (n_classes,)."""
    _checks.param_dict("params", params, [f"{p}{l}" for l in range(L) for p in "Wb"] + ["Wout", "bout"])
    cin = params["W0"].shape[2] if params["W0"].ndim == 4 else None
    for l in range(L):
        W, b = params[f"W{l}"], params[f"b{l}"]
        if W.ndim != 4 or W.shape[:3] != (K, K, cin) or b.shape != W.shape[3:]:
            raise ValueError(f"params['W{l}'] and params['b{l}'] must have shapes ({K}, {K}, {cin}, C) and (C,); "
                             f"got {W.shape} and {b.shape}")
        cin = W.shape[3]
    if params["Wout"].ndim != 2 or params["bout"].shape != params["Wout"].shape[1:]:
        raise ValueError(f"params['Wout'] and params['bout'] must have shapes (n_flat, n_classes) and (n_classes,); "
                         f"got {params['Wout'].shape} and {params['bout'].shape}")


def forward(params: dict, x, *, act="relu"):
    """Logits (B, n_classes) and a cache for :func:`backward`."""
    f = activations.get(act)
    L = depth_of(params)
    _check_params(params, L)
    dtype = params["W0"].dtype
    a = conv._image("x", x, channels=params["W0"].shape[2]).astype(dtype, copy=False)
    caches = []
    for l in range(L):
        z, cc = conv.conv2d_forward(a, params[f"W{l}"], params[f"b{l}"], pad=1)   # (B, h, w, C)
        a = f.f(z).astype(dtype, copy=False)
        pc = None
        if l == 0:
            a, pc = conv.pool_forward(a, size=2, mode="max")                      # (B, h/2, w/2, C)
        caches.append((cc, z, pc))
    flat = a.reshape(a.shape[0], -1)                                             # (B, h w C)
    if flat.shape[1] != params["Wout"].shape[0]:
        raise ValueError(f"x must give {params['Wout'].shape[0]} features before the readout; got shape {x.shape}")
    logits = flat @ params["Wout"] + params["bout"]                              # (B, n_classes)
    return logits, (caches, flat, a.shape, params, f)


def backward(dlogits, cache):
    """Gradients of every parameter (same keys) and the list of dL/dz_l (B, h, w, C), l = 1..depth."""
    if not (isinstance(cache, tuple) and len(cache) == 5):
        raise _checks.ArgTypeError(f"cache must be the cache cnn.forward returned; got {type(cache).__name__}")
    caches, flat, a_shape, params, f = cache
    dtype = params["W0"].dtype
    d = _checks.float_array("dlogits", np.asarray(dlogits), shape=(flat.shape[0], params["Wout"].shape[1]))
    d = d.astype(dtype, copy=False)                                              # (B, n_classes)
    grads = {"Wout": flat.T @ d, "bout": d.sum(axis=0)}
    da = (d @ params["Wout"].T).reshape(a_shape)                                 # (B, h, w, C)
    deltas = [None] * len(caches)
    for l in reversed(range(len(caches))):
        cc, z, pc = caches[l]
        if pc is not None:
            da = conv.pool_backward(da, pc)
        dz = da * f.df(z).astype(dtype, copy=False)                              # (B, h, w, C)
        deltas[l] = dz
        g, da = conv.conv2d_backward(dz, cc)
        grads[f"W{l}"], grads[f"b{l}"] = g["W"], g["b"]
    return grads, deltas


def _labels(y, n, n_classes=None):
    """Integer class labels, one per image (in [0, n_classes) when given)."""
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise _checks.ArgTypeError(f"y must hold integer class labels; got dtype {y.dtype}")
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},), one label per image; got {y.shape}")
    if y.size and (y.min() < 0 or (n_classes is not None and y.max() >= n_classes)):
        raise ValueError(f"y must hold class labels in [0, {n_classes}); got range [{y.min()}, {y.max()}]")
    return y


def loss_and_grads(params: dict, x, y, *, act="relu"):
    """Mean softmax cross-entropy (nats), its gradients, and the per-layer deltas."""
    logits, cache = forward(params, x, act=act)
    y = _labels(y, logits.shape[0], logits.shape[1])
    loss, dlogits = losses.softmax_cross_entropy(logits, y, time_axis=False)
    grads, deltas = backward(dlogits, cache)
    return float(loss), grads, deltas


def error_rate(params: dict, x, y, *, act="relu", batch: int = 512) -> float:
    """Fraction of misclassified images."""
    x = _checks.array("x", x, min_ndim=4)
    y = _labels(y, len(x))
    batch = _checks.positive_int("batch", batch)
    wrong = 0
    for s in range(0, len(y), batch):
        logits, _ = forward(params, x[s:s + batch], act=act)
        wrong += int(np.sum(logits.argmax(axis=1) != y[s:s + batch]))
    return wrong / len(y)


def train_to_error(params: dict, data, *, act="relu", lr=0.01, momentum=0.9, batch_size=32, max_steps=2000,
                   targets=(0.25,), eval_every=10, eval_n=None, rng, stop_early=True) -> dict:
    """Train a copy of ``params`` with SGD + momentum; record when the training error first reaches each target.

    ``data`` is ``(x_train, y_train, x_test, y_test)``. The training error is measured every
    ``eval_every`` steps (and at step 0) on the first ``eval_n`` training images (all if None). Returns a dict:
    ``steps`` (len(targets),) the first measured step at or below each target (inf if never),
    ``cpu`` the process CPU seconds of the training steps up to then (evaluations excluded),
    ``eval_steps`` and ``train_err`` (the curve), ``test_err`` at the end, ``diverged_at`` (-1 if never:
    a non-finite loss stops the run). With ``stop_early`` the run ends once every target is reached.
    """
    x, y, xt, yt = data
    lr = _checks.finite_float("lr", lr, positive=True)
    momentum = _checks.finite_float("momentum", momentum, nonneg=True)
    batch_size, max_steps = _checks.positive_int("batch_size", batch_size), _checks.positive_int("max_steps", max_steps)
    eval_every = _checks.positive_int("eval_every", eval_every)
    _checks.rng("rng", rng)
    targets = np.asarray(targets, dtype=float)
    n_ev = len(y) if eval_n is None else min(_checks.positive_int("eval_n", eval_n), len(y))
    p = {k: v.copy() for k, v in params.items()}
    vel = {k: np.zeros_like(v) for k, v in p.items()}
    steps, cpu = np.full(len(targets), np.inf), np.full(len(targets), np.inf)
    ev_steps, ev_err = [], []
    order, pos, cpu_used, diverged = rng.permutation(len(y)), 0, 0.0, -1
    with np.errstate(all="ignore"):
        for t in range(max_steps + 1):
            if t % eval_every == 0 or t == max_steps:
                err = error_rate(p, x[:n_ev], y[:n_ev], act=act)
                ev_steps.append(t), ev_err.append(err)
                hit = (err <= targets) & np.isinf(steps)
                steps[hit], cpu[hit] = t, cpu_used
                if (stop_early and np.all(np.isfinite(steps))) or t == max_steps:
                    break
            if pos + batch_size > len(y):
                order, pos = rng.permutation(len(y)), 0
            idx = order[pos:pos + batch_size]
            pos += batch_size
            start = time.process_time()
            loss, g, _ = loss_and_grads(p, x[idx], y[idx], act=act)
            if not np.isfinite(loss) or not all(np.all(np.isfinite(v)) for v in g.values()):
                diverged = t
                break
            for k in p:
                vel[k] *= momentum
                vel[k] -= lr * g[k]
                p[k] += vel[k]
            cpu_used += time.process_time() - start
    test_err = error_rate(p, xt, yt, act=act) if diverged < 0 else 1.0
    return {"steps": steps, "cpu": cpu, "eval_steps": np.array(ev_steps), "train_err": np.array(ev_err),
            "test_err": np.array(test_err), "diverged_at": np.array(diverged), "params": p}


def delta_norms(params: dict, x, y, *, act="relu") -> np.ndarray:
    """||dL/dz_l|| for every convolution layer l = 1..depth (2-norm over the whole batch)."""
    _, _, deltas = loss_and_grads(params, x, y, act=act)
    return np.array([float(np.linalg.norm(d)) for d in deltas])
