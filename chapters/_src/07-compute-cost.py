# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 7. Compute cost: is ReLU really cheaper, and does it matter?
#
# **The question.** ReLU is a comparison with zero; sigmoid and tanh need an exponential. So ReLU must be cheaper. But how much cheaper, per element and per training step? And is the saving large enough, inside an LSTM or a convolutional layer, to explain anything about which activation a field adopted?
#
# :::{admonition} Claims tested in this chapter
# - **C9** ReLU is faster to compute than sigmoid, and so is its derivative; "only a constant factor, but constants can matter" [Q].
# - **D5** "ReLU is much less computational than sigmoid and tanh" [L].
#
# The sources and the full list are in the {doc}`claims ledger <../claims>`.
# :::
#
# Timings are the one kind of number in this book that cannot be reproduced to the digit: they depend on the machine and on what else it is doing. So every timing below is the **best of several repeats**, the raw numbers are printed in cells that the tests do not compare, and the asserts only check ratios with a wide margin. The numbers quoted in the text come from the build that produced this page, on a 2-core CPU with numpy.

# %%
import numpy as np
import matplotlib.pyplot as plt
from myst_nb import glue

from rnnlab import activations, lstm, plotting, timing

plotting.use_book_style()
rng = np.random.default_rng(0)
NAMES = ["sigmoid", "tanh", "relu", "leaky_relu"]

# %% [markdown]
# ## Per element: the function and its derivative
#
# We time each activation on a million standard normal pre-activations, in float32 (what the book's experiments use) and float64. For the derivative there are two ways to compute it. From the pre-activation $z$, every function must be evaluated again: $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ needs an exponential. From the output $y = f(z)$, which backprop has already stored, sigmoid and tanh have cheap forms, $\sigma' = y(1 - y)$ and $\tanh' = 1 - y^2$; `rnnlab`'s layers use those. ReLU's derivative is a comparison either way.

# %%
# NBVAL_IGNORE_OUTPUT
costs = {}
for dtype in (np.float32, np.float64):
    z = rng.standard_normal(1_000_000).astype(dtype)
    for name in NAMES:
        costs[np.dtype(dtype).name, name] = timing.activation_cost(name, z)
print(f"{'dtype':8s} {'activation':11s} {'f (ns)':>7s} {'df from z':>10s} {'df from y':>10s}")
for (dt, name), c in costs.items():
    print(f"{dt:8s} {name:11s} {c['f']:7.2f} {c['df']:10.2f} {c['df_from_output']:10.2f}")

# %% [markdown]
# The table is the raw measurement. The ratios are what carry over to other machines:

# %%
# NBVAL_IGNORE_OUTPUT
ratio = {dt: {name: costs[dt, name]["f"] / costs[dt, "relu"]["f"] for name in ("sigmoid", "tanh")}
         for dt in ("float32", "float64")}
ratio_df = {dt: {name: costs[dt, name]["df"] / costs[dt, "relu"]["df"] for name in ("sigmoid", "tanh")}
            for dt in ("float32", "float64")}
for dt in ratio:
    print(f"{dt}: sigmoid costs {ratio[dt]['sigmoid']:.1f}x ReLU, tanh {ratio[dt]['tanh']:.1f}x; "
          f"derivatives from z: {ratio_df[dt]['sigmoid']:.1f}x and {ratio_df[dt]['tanh']:.1f}x")
glue("cost_ratio_tanh32", round(ratio["float32"]["tanh"], 1), display=False)
glue("cost_ratio_sigmoid32", round(ratio["float32"]["sigmoid"], 1), display=False)
glue("cost_ratio_tanh64", round(ratio["float64"]["tanh"], 1), display=False)
glue("cost_ns_tanh64", round(costs["float64", "tanh"]["f"], 1), display=False)

# %%
for dt in ("float32", "float64"):
    for name in ("sigmoid", "tanh"):
        assert costs[dt, name]["f"] > 2 * costs[dt, "relu"]["f"], f"{name} must cost over 2x ReLU ({dt})"
        assert costs[dt, name]["df"] > 2 * costs[dt, "relu"]["df"], f"{name}' from z must cost over 2x ReLU' ({dt})"

# %% [markdown]
# In float32, tanh costs about {glue:text}`cost_ratio_tanh32` times as much as ReLU per element, and sigmoid about {glue:text}`cost_ratio_sigmoid32` times; in float64 the tanh ratio is about {glue:text}`cost_ratio_tanh64` (about {glue:text}`cost_ns_tanh64` ns per element). ReLU is not just a bit faster: it is a different kind of operation, a comparison instead of an exponential. Note the last column: once the output is stored, the sigmoid's and tanh's derivatives cost about as little as ReLU's. The expensive part is the forward evaluation, not the derivative.
#
# ## Per training step: inside an LSTM
#
# A faster activation matters only in proportion to the share of time spent in activations. We time one forward and backward pass of an LSTM layer and compare three variants with the same weights:
#
# - the standard cell (sigmoid gates, tanh candidate and output squash);
# - ReLU in both tanh roles (what Keras's `activation='relu'` does); the three gates stay sigmoids;
# - identity in *every* role, a cell that computes nothing nonlinear. It is useless as a model but gives the floor: the cost of everything except the activations.

# %%
# NBVAL_IGNORE_OUTPUT
def lstm_step(H, dtype, B=32, T=50, D=8, **roles):
    """One forward + backward pass of an LSTM layer, as a function to time."""
    r = np.random.default_rng(1)
    # small weights keep every variant's values in a normal range (no overflow, no denormals),
    # so that all three variants time the same arithmetic on ordinary numbers
    p = {k: (0.1 * v).astype(dtype) for k, v in lstm.init(r, D, H, forget_bias=0.0, dtype=dtype).items()}
    xs = r.standard_normal((T, B, D)).astype(dtype)
    dhs = r.standard_normal((T, B, H)).astype(dtype)

    def step():
        _, cache = lstm.forward(p, xs, **roles)
        lstm.backward(dhs, cache)

    return step

VARIANTS = {"standard": {}, "relu g and h": dict(cand="relu", squash="relu"),
            "identity everywhere": dict(gate="identity", cand="identity", squash="identity")}
SIZES = (32, 128)
step_times = {}
for H in SIZES:
    for dt in (np.float32, np.float64):
        # the three variants are timed interleaved, so a slow spell of the machine hits all of them
        best = timing.best_times({v: lstm_step(H, dt, **roles) for v, roles in VARIANTS.items()}, repeats=7)
        step_times.update({(H, dt, v): t for v, t in best.items()})
for (H, dt, v), t in step_times.items():
    print(f"H={H:4d} {np.dtype(dt).name:8s} {v:20s} {t * 1e3:7.2f} ms")

# %%
# NBVAL_IGNORE_OUTPUT
def shares(H, dt):
    std, relu, ident = (step_times[H, dt, v] for v in VARIANTS)
    return {"saving": 1 - relu / std, "activations": 1 - ident / std}

share = {(H, np.dtype(dt).name): shares(H, dt) for H in SIZES for dt in (np.float32, np.float64)}
for key, s in share.items():
    print(f"H={key[0]:4d} {key[1]:8s} ReLU in g and h saves {100 * s['saving']:5.1f} % of the step; "
          f"all activations together take {100 * s['activations']:5.1f} %")
glue("cost_lstm_saving32_small", round(100 * share[32, "float32"]["saving"]), display=False)
glue("cost_lstm_saving32_large", round(100 * share[128, "float32"]["saving"]), display=False)
glue("cost_lstm_act32_small", round(100 * share[32, "float32"]["activations"]), display=False)
glue("cost_lstm_act32_large", round(100 * share[128, "float32"]["activations"]), display=False)

# %%
for key, s in share.items():
    assert s["saving"] < s["activations"] + 0.15, "swapping two of five activations cannot save more than all of them"
    assert s["saving"] < 0.5, f"ReLU in g and h must not make an LSTM step twice as fast ({key})"

# %% [markdown]
# In float32 with 32 units, ReLU in the two tanh roles saved about {glue:text}`cost_lstm_saving32_small` % of a training step, while all activations together took about {glue:text}`cost_lstm_act32_small` %. With 128 units the figures were about {glue:text}`cost_lstm_saving32_large` % and {glue:text}`cost_lstm_act32_large` %. At 32 units much of a step is Python overhead paid once per time step, which no choice of activation changes. Whatever the size, the saving is bounded by the activations' share, and an LSTM keeps its three sigmoid gates, so ReLU can replace at most two of its five activations.
#
# ## Per training step: inside a convolutional layer
#
# A convolution is a matrix product once the input patches are unrolled into rows ("im2col"). For a 3×3 convolution from 64 to 64 channels on a batch of 16 feature maps of 16×16, that product has $16 \cdot 256$ rows, $9 \cdot 64 = 576$ columns and 64 outputs. The activation then runs once per output element. We time both parts (the unrolling itself is not counted, which flatters the activation's share).

# %%
# NBVAL_IGNORE_OUTPUT
B, HW, C_in, C_out = 16, 16 * 16, 64, 64
patches = rng.standard_normal((B * HW, 9 * C_in)).astype(np.float32)      # (rows, 9 C_in)
kernel = rng.standard_normal((9 * C_in, C_out)).astype(np.float32)        # (9 C_in, C_out)
pre = patches @ kernel                                                    # (rows, C_out)
fns = {"conv": lambda: patches @ kernel}
fns.update({name: (lambda f=activations.get(name).f: f(pre)) for name in NAMES})
t = timing.best_times(fns, repeats=9)
t_conv, t_act = t["conv"], {name: t[name] for name in NAMES}
conv_share = {name: t_act[name] / (t_conv + t_act[name]) for name in NAMES}
for name in NAMES:
    print(f"{name:11s} activation {t_act[name] * 1e3:6.3f} ms vs convolution {t_conv * 1e3:6.3f} ms: "
          f"{100 * conv_share[name]:4.1f} % of the layer's forward time")
glue("cost_conv_share_tanh", round(100 * conv_share["tanh"], 1), display=False)
glue("cost_conv_share_relu", round(100 * conv_share["relu"], 1), display=False)

# %%
assert conv_share["tanh"] < 0.5, "in a conv layer the matrix product, not the activation, takes most of the time"
assert conv_share["relu"] < conv_share["tanh"], "ReLU's share is the smaller one"

# %% [markdown]
# Here tanh takes about {glue:text}`cost_conv_share_tanh` % of the layer's forward time and ReLU about {glue:text}`cost_conv_share_relu` %. Even a tanh network spends most of its time in the convolutions, and more so over a whole training step: the backward pass adds two more matrix products of the same size, while the activation's derivative, taken from the stored output, is cheap. That is why the famous six-fold speed-up of ReLU over tanh in a CNN {cite:p}`krizhevsky2012imagenet` was about **training steps** to reach an error, not seconds per step: it is a statement about optimisation, which the chapter "Why CNNs took ReLU" takes up.
#
# The figure puts the three measurements side by side.

# %% mystnb={"figure": {"caption": "Where the time goes. (a) Cost per element of each activation relative to ReLU (float32, best of 7). (b) Share of an LSTM training step (float32, B = 32, T = 50) spent in all activations, and the share that ReLU in the two tanh roles saves. (c) Share of a 3x3 convolution layer's forward time spent in the activation. Timings vary between machines; the ratios are what the asserts check.", "name": "fig-cost-shares"}, "image": {"alt": "Three bar charts. Left: tanh and sigmoid cost several times ReLU per element. Middle: for an LSTM with 32 and 128 units, activations take a sizeable share of the step and ReLU saves a smaller part of it. Right: in a convolution layer the activation takes a small share of the time, tanh more than ReLU."}}
# NBVAL_IGNORE_OUTPUT
fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
ax = axes[0]
rel = [costs["float32", n]["f"] / costs["float32", "relu"]["f"] for n in NAMES]
ax.bar(NAMES, rel, color=[plotting.color(n) for n in NAMES])
ax.set_ylabel("cost per element / ReLU's")
ax.set_title("(a) per element")
ax.tick_params(axis="x", rotation=30)
ax = axes[1]
x = np.arange(len(SIZES))
ax.bar(x - 0.2, [100 * share[H, "float32"]["activations"] for H in SIZES], 0.4, label="all activations",
       color=plotting.color("sigmoid"))
ax.bar(x + 0.2, [100 * share[H, "float32"]["saving"] for H in SIZES], 0.4, label="saved by ReLU in g, h",
       color=plotting.color("relu"))
ax.set_xticks(x, [f"H = {H}" for H in SIZES])
ax.set_ylabel("% of an LSTM step")
ax.set_title("(b) inside an LSTM")
ax.legend()
ax = axes[2]
ax.bar(NAMES, [100 * conv_share[n] for n in NAMES], color=[plotting.color(n) for n in NAMES])
ax.set_ylabel("% of a conv layer's forward")
ax.set_title("(c) inside a conv layer")
ax.tick_params(axis="x", rotation=30)
plt.show()

# %% [markdown]
# ## Verdicts
#
# :::{admonition} C9 · holds
# :class: verdict-holds
# :name: verdict-c9
#
# ReLU is cheaper than sigmoid and tanh, by a large constant: about {glue:text}`cost_ratio_tanh32` times for tanh in float32 on this machine, and its derivative is cheaper too when computed from the pre-activation. "Constants can matter" is right as far as it goes: in a small LSTM, ReLU in the two tanh roles saved about {glue:text}`cost_lstm_saving32_small` % of a training step. That saving is bounded by the activations' share of the step, and the three sigmoid gates remain ({numref}`fig-cost-shares`).
# :::
#
# :::{admonition} D5 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-d5
#
# Per element, "much less computational" is fair. Per network, it depends on what else the network does. In a convolution layer the activation is a small share of the time (tanh about {glue:text}`cost_conv_share_tanh` %), so cheaper activations cannot explain ReLU's advantage in CNNs; the documented six-fold speed-up counts training steps, not seconds per step.
# :::
#
# ## Exercises
#
# ::::{exercise}
# :label: ex-cost-1
#
# `rnnlab` computes $\sigma'$ from the stored output as $y(1 - y)$. Time `activations.get("sigmoid").df(z)` against `y * (1 - y)` for a million elements. Why can backprop almost always use the cheap form?
# ::::
#
# ::::{solution} ex-cost-1
# :class: dropdown
#
# `df(z)` evaluates the exponential again; `y * (1 - y)` is two cheap passes, several times faster (see the last column of the first table). Backprop can use it because the forward pass has already computed and stored $y = \sigma(z)$: the cache holds it anyway.
# ::::
#
# ::::{exercise}
# :label: ex-cost-2
#
# Predict how the share of time spent in activations changes in an LSTM when the batch grows from 32 to 256, and when $H$ grows from 128 to 512. Then measure it with `lstm_step_time`.
# ::::
#
# ::::{solution} ex-cost-2
# :class: dropdown
#
# Both the matrix products and the activations scale linearly with the batch, so in FLOPs the share stays the same; in time it drifts down, as larger matrix products run more efficiently. With $H$ the products grow as $H^2$ and the activations as $H$, so in FLOPs the share falls as $1/H$. Measured times blur this at small sizes, where fixed per-step overhead dominates: compare the $H = 32$ and $H = 128$ rows above, whose shares are closer than $1/H$ predicts.
# ::::
#
# ::::{exercise}
# :label: ex-cost-3
#
# The float64 tanh on this machine is several times slower than the float32 one, far more than the factor of 2 in memory traffic. Look up whether your numpy build has a vectorised (SIMD) float64 tanh, and explain how that changes the "constant factor" of claim C9 from one machine to the next.
# ::::
#
# ::::{solution} ex-cost-3
# :class: dropdown
#
# numpy dispatches transcendental functions to SIMD kernels where it has them for the CPU at hand; `np.show_config()` lists the SIMD extensions it found. Where the float64 tanh falls back to a scalar loop, it costs tens of nanoseconds per element while ReLU stays near one. The "constant factor" is a property of the hardware and library as much as of the functions, which is why the book asserts only broad ratios.
# ::::
#
# ## References
#
# - {cite:t}`krizhevsky2012imagenet`
# - {cite:t}`glorot2011sparse`
