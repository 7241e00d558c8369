"""The convolution layer, pooling and the small CNN: exact backward passes and bad input.

Gradient checks in float64 (relative error < 1e-7, as for the recurrent layers);
a direct loop-based convolution checks im2col's forward pass.
"""
import numpy as np
import pytest

from rnnlab import cnn, conv, gradcheck

TOL = 1e-7


def _direct_conv(x, W, b, stride, pad):
    """The textbook sum, one output entry at a time."""
    k = W.shape[0]
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Ho = (x.shape[1] + 2 * pad - k) // stride + 1
    Wo = (x.shape[2] + 2 * pad - k) // stride + 1
    z = np.zeros((x.shape[0], Ho, Wo, W.shape[3]))
    for i in range(Ho):
        for j in range(Wo):
            patch = xp[:, i * stride:i * stride + k, j * stride:j * stride + k, :]       # (B, k, k, Cin)
            z[:, i, j, :] = np.einsum("nuvc,uvco->no", patch, W) + b
    return z


@pytest.mark.parametrize("k,stride,pad", [(3, 1, 1), (3, 2, 0), (2, 1, 0), (1, 1, 0), (3, 2, 1)])
def test_conv_forward_matches_direct_sum(k, stride, pad, rng):
    x = rng.standard_normal((2, 6, 5, 3))
    W, b = rng.standard_normal((k, k, 3, 4)), rng.standard_normal(4)
    z, _ = conv.conv2d_forward(x, W, b, stride=stride, pad=pad)
    assert z.shape == (2, conv.out_size(6, k, stride, pad), conv.out_size(5, k, stride, pad), 4)
    np.testing.assert_allclose(z, _direct_conv(x, W, b, stride, pad), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("k,stride,pad", [(3, 1, 1), (3, 2, 0), (2, 2, 1)])
def test_conv_gradcheck(k, stride, pad, rng):
    x = rng.standard_normal((2, 5, 5, 2))
    W, b = rng.standard_normal((k, k, 2, 3)), rng.standard_normal(3)
    z, _ = conv.conv2d_forward(x, W, b, stride=stride, pad=pad)
    R = rng.standard_normal(z.shape)

    def lg(q):
        out, cache = conv.conv2d_forward(q["x"], q["W"], q["b"], stride=stride, pad=pad)
        g, dx = conv.conv2d_backward(R, cache)
        return float(np.sum(R * out)), {"W": g["W"], "b": g["b"], "x": dx}

    report = gradcheck.check(lg, {"x": x, "W": W, "b": b})
    assert max(report.values()) < TOL, report


def test_col2im_is_the_adjoint_of_im2col(rng):
    x = rng.standard_normal((2, 6, 6, 3))
    cols = conv.im2col(x, 3, 2, 1)
    c = rng.standard_normal(cols.shape)
    lhs = np.sum(cols * c)
    rhs = np.sum(x * conv.col2im(c, x.shape, 3, 2, 1))
    assert abs(lhs - rhs) < 1e-10 * (abs(lhs) + 1)


@pytest.mark.parametrize("mode,size", [("max", 2), ("avg", 2), ("avg", 3), ("max", 3)])
def test_pool_gradcheck_and_values(mode, size, rng):
    x = rng.standard_normal((2, 6, 6, 3))
    y, _ = conv.pool_forward(x, size=size, mode=mode)
    w = x.reshape(2, 6 // size, size, 6 // size, size, 3)
    want = w.max(axis=(2, 4)) if mode == "max" else w.mean(axis=(2, 4))
    np.testing.assert_allclose(y, want, rtol=1e-14)
    R = rng.standard_normal(y.shape)

    def lg(q):
        out, cache = conv.pool_forward(q["x"], size=size, mode=mode)
        return float(np.sum(R * out)), {"x": conv.pool_backward(R, cache)}

    report = gradcheck.check(lg, {"x": x})
    assert max(report.values()) < TOL, report


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "leaky_relu"])
@pytest.mark.parametrize("depth,scheme", [(1, "he"), (3, "glorot")])
def test_cnn_gradcheck(act, depth, scheme, rng):
    p = cnn.init(rng, depth, 2, scheme=scheme, dtype=np.float64)
    p = {k: v + 0.05 * rng.standard_normal(v.shape) for k, v in p.items()}    # no pre-activation on a kink
    x, y = rng.standard_normal((4, 8, 8, 1)), rng.integers(0, 10, 4)
    report = gradcheck.check(lambda q: cnn.loss_and_grads(q, x, y, act=act)[:2], p)
    assert max(report.values()) < TOL, report


def test_cnn_init_scales(rng):
    """He: variance 2 / fan_in; Glorot: variance 2 / (fan_in + fan_out) with conv fan-out k k C_out."""
    he = cnn.init(rng, 2, 64, scheme="he", dtype=np.float64)["W1"]
    gl = cnn.init(rng, 2, 64, scheme="glorot", dtype=np.float64)["W1"]
    assert he.shape == gl.shape == (3, 3, 64, 64)
    assert abs(he.var() / (2 / (9 * 64)) - 1) < 0.05
    assert abs(gl.var() / (2 / (9 * 64 + 9 * 64)) - 1) < 0.05


def test_training_is_reproducible_and_learns(rng):
    data = cnn.digits()
    assert data[0].shape == (1437, 8, 8, 1) and data[2].shape == (360, 8, 8, 1)
    p = cnn.init(np.random.default_rng(0), 2, 4)
    a = cnn.train_to_error(p, data, act="relu", lr=0.05, max_steps=60, targets=(0.5,), rng=np.random.default_rng(1))
    b = cnn.train_to_error(p, data, act="relu", lr=0.05, max_steps=60, targets=(0.5,), rng=np.random.default_rng(1))
    assert np.array_equal(a["train_err"], b["train_err"])
    assert a["train_err"][-1] < 0.5 < a["train_err"][0], "60 SGD steps take a 2-layer ReLU CNN below 50 % error"
    assert np.isfinite(a["steps"][0]) and a["diverged_at"] == -1
    assert np.array_equal(p["W0"], cnn.init(np.random.default_rng(0), 2, 4)["W0"]), "training works on a copy"


R = np.random.default_rng(0)
W3, B3 = R.standard_normal((3, 3, 2, 4)), np.zeros(4)
X = R.standard_normal((2, 6, 6, 2))
P = cnn.init(R, 2, 3)
BAD = [
    (ValueError, lambda: conv.conv2d_forward(X[0], W3, B3), "x must have 4 dimensions"),
    (ValueError, lambda: conv.conv2d_forward(X[..., :1], W3, B3), "x must have last dimension 2"),
    (TypeError, lambda: conv.conv2d_forward(X, W3.tolist(), B3), "W must be a numpy array"),
    (ValueError, lambda: conv.conv2d_forward(X, W3[:2], B3), "W must have shape (k, k, C_in, C_out)"),
    (ValueError, lambda: conv.conv2d_forward(X, W3, np.zeros(3)), "b must have shape (4,)"),
    (ValueError, lambda: conv.conv2d_forward(X, W3, B3, stride=0), "stride must be a positive integer; got 0"),
    (ValueError, lambda: conv.conv2d_forward(X, W3, B3, pad=-1), "pad must be a non-negative integer"),
    (ValueError, lambda: conv.conv2d_forward(X[:, :2, :2], W3, B3), "k must be at most n + 2 pad = 2"),
    (TypeError, lambda: conv.conv2d_forward(np.array([["a"]] * 4), W3, B3), "x must be an array of real numbers"),
    (ValueError, lambda: conv.pool_forward(X, size=4), "divisible by size = 4"),
    (ValueError, lambda: conv.pool_forward(X, mode="min"), "mode must be one of"),
    (ValueError, lambda: conv.pool_backward(np.zeros((2, 2, 2, 2)), conv.pool_forward(X)[1]), "dy must have shape"),
    (ValueError, lambda: conv.conv2d_backward(np.zeros((1, 1)), conv.conv2d_forward(X, W3, B3)[1]), "dz must have shape"),
    (ValueError, lambda: cnn.init(R, 0, 3), "depth must be a positive integer; got 0"),
    (ValueError, lambda: cnn.init(R, 2, 3, scheme="xavier"), "scheme must be one of"),
    (ValueError, lambda: cnn.init(42, 2, 3), "rng must be a numpy.random.Generator"),
    (ValueError, lambda: cnn.init(R, 2, 3, side=7), "side must be even"),
    (ValueError, lambda: cnn.forward({"W0": W3}, X), "params must hold W0, b0, ..., Wout, bout"),
    (ValueError, lambda: cnn.forward(P, np.zeros((2, 6, 6, 1))), "x must give 48 features"),
    (ValueError, lambda: cnn.forward(P, np.zeros((2, 8, 8, 1)), act="relu6"), "activation must be one of"),
    (ValueError, lambda: cnn.digits(n_test=5000), "n_test must be below 1797"),
    (TypeError, lambda: cnn.train_to_error(P, cnn.digits(), lr="big", rng=R), "lr must be a real number"),
    (ValueError, lambda: cnn.train_to_error(P, cnn.digits(), lr=0.0, rng=R), "lr must be positive"),
    (ValueError, lambda: cnn.train_to_error(P, cnn.digits(), max_steps=0, rng=R), "max_steps must be a positive"),
]


@pytest.mark.parametrize("exc,fn,fragment", BAD, ids=[b[2][:30] for b in BAD])
def test_bad_input(exc, fn, fragment):
    with pytest.raises(exc) as info:
        fn()
    assert fragment in str(info.value)
