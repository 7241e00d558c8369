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
# Timings are the one kind of number in this book that cannot be reproduced to the digit: they depend on the machine, on the numpy build, and on what else the machine is doing. So every timing below is the **best of several repeats**, the raw numbers are printed in cells that the tests do not compare, and the asserts check only what holds on any CPU, with a wide margin. Where the answer depends on the hardware, the chapter says so and shows the range: besides the live measurement on your machine, it loads a table measured once on the book's build machine under three CPU profiles (SSE only, AVX2, AVX-512), stored with its provenance in `results/`.

# %% tags=["nbval-ignore-output"]
# On Colab, install the book's package first; anywhere else this cell does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "rnnlab @ git+https://github.com/rnnlab-book/why-not-relu-in-lstm"

# %%
import numpy as np
import matplotlib.pyplot as plt

from rnnlab import activations, lstm, plotting, store, stored
from rnnlab.instruments import compute_cost
from rnnlab.book import glue

plotting.use_book_style()
rng = np.random.default_rng(0)
NAMES = ["sigmoid", "tanh", "relu", "leaky_relu"]
DTYPES = ["float32", "float64"]
COST_RESULT = stored.path("compute_cost_profiles")   # made by: python -m rnnlab.grids compute_cost_profiles

# %% [markdown]
# ## What this CPU offers
#
# numpy evaluates `tanh` and `exp` with hand-vectorised (SIMD) kernels where it has one for the CPU at hand: a 256-bit AVX2 or a 512-bit AVX-512 kernel computes 8 or 16 float32 values per instruction with a polynomial approximation. Where it has none, it calls the C library's scalar function, one element at a time. ReLU is a `maximum`, vectorised everywhere. Matrix products go to OpenBLAS, which picks its own kernels. The next cell prints what numpy and OpenBLAS found on the machine running this page (on the website: the book's build machine).

# %% tags=["nbval-ignore-output"]
cpu = store.cpu_summary()
kern = compute_cost.kernels()
print("numpy", cpu["numpy"], "on", cpu["machine"], "| SIMD extensions numpy dispatches to:",
      ", ".join(cpu.get("numpy_dispatch", [])) or "none beyond its baseline")
for lib in cpu.get("blas", []):
    print(f"BLAS: {lib['internal_api']} {lib['version']}, kernels for {lib['architecture']}, {lib['num_threads']} thread(s)")
for f, by_dtype in kern.items():
    print(f"np.{f:8s}", ", ".join(f"{dt}: {target}" for dt, target in by_dtype.items()))

# %% [markdown]
# ## Per element: the function and its derivative
#
# We time each activation on a million standard normal pre-activations, in float32 (what the book's experiments use) and float64. For the derivative there are two ways to compute it. From the pre-activation $z$, every function must be evaluated again: $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ needs an exponential. From the output $y = f(z)$, which backprop has already stored, sigmoid and tanh have cheap forms, $\sigma' = y(1 - y)$ and $\tanh' = 1 - y^2$; `rnnlab`'s layers use those. ReLU's derivative is a comparison either way.

# %% tags=["nbval-ignore-output"]
live = compute_cost.activation_table(NAMES, DTYPES, n=1_000_000, repeats=7)      # (dtypes, names, columns), ns
costs = {(dt, name): dict(zip(compute_cost.COLUMNS, live[i, j])) for i, dt in enumerate(DTYPES)
         for j, name in enumerate(NAMES)}
print(f"{'dtype':8s} {'activation':11s} {'f (ns)':>7s} {'df from z':>10s} {'df from y':>10s}")
for (dt, name), c in costs.items():
    print(f"{dt:8s} {name:11s} {c['f']:7.2f} {c['df']:10.2f} {c['df_from_output']:10.2f}")

# %% [markdown]
# The same measurement, made once on the book's build machine (an AVX-512 x86 server) in three fresh processes: one with numpy and OpenBLAS restricted to the SSE4.2 kernels every x86-64 CPU of the last fifteen years has, one restricted to AVX2 (a typical laptop), one with AVX-512. It is a stored result, so it reads the same everywhere; it was measured on a shared machine, so treat its digits as rough.

# %%
prof_arrays, prof_meta = store.load(COST_RESULT)
PROFILES = prof_meta["profiles"]
ns = prof_arrays["ns"]                                               # (profiles, dtypes, names, columns)
settings = prof_meta["provenance"]["settings"]
assert settings["names"] == NAMES and settings["dtypes"] == DTYPES and settings["columns"] == list(compute_cost.COLUMNS)
print(store.describe(prof_meta))
i_relu, i_tanh, i_sig = NAMES.index("relu"), NAMES.index("tanh"), NAMES.index("sigmoid")
stored_ratio = {(p, dt, name): ns[k, d, NAMES.index(name), 0] / ns[k, d, i_relu, 0]
                for k, p in enumerate(PROFILES) for d, dt in enumerate(DTYPES) for name in ("sigmoid", "tanh")}
stored_dratio = {(p, name): ns[k, 0, NAMES.index(name), 2] / ns[k, 0, i_relu, 1]
                 for k, p in enumerate(PROFILES) for name in ("sigmoid", "tanh")}
print(f"{'profile':8s} {'dtype':8s} {'numpy tanh kernel':>18s} {'sigmoid/ReLU':>13s} {'tanh/ReLU':>10s}")
for k, p in enumerate(PROFILES):
    for dt in DTYPES:
        print(f"{p:8s} {dt:8s} {prof_meta['kernels'][p]['tanh'][dt]:>18s} "
              f"{stored_ratio[p, dt, 'sigmoid']:13.1f} {stored_ratio[p, dt, 'tanh']:10.1f}")
print("float32 derivative from the stored output / ReLU' :",
      ", ".join(f"{p}: sigmoid' {stored_dratio[p, 'sigmoid']:.1f}x, tanh' {stored_dratio[p, 'tanh']:.1f}x"
                for p in PROFILES))
for p in PROFILES:
    glue(f"cost_stored_tanh32_{p.replace('-', '')}", f"{stored_ratio[p, 'float32', 'tanh']:.1f}", display=False)
    glue(f"cost_stored_sigmoid32_{p.replace('-', '')}", f"{stored_ratio[p, 'float32', 'sigmoid']:.1f}", display=False)
glue("cost_stored_dmax", f"{max(stored_dratio.values()):.1f}", display=False)

# %%
r32 = {p: stored_ratio[p, "float32", "tanh"] for p in PROFILES}
assert r32["SSE"] > 10, "without a SIMD kernel (SSE only), float32 tanh costs over 10x ReLU"
assert r32["AVX-512"] < 3, "with numpy's AVX-512 kernel, float32 tanh costs less than 3x ReLU"
assert max(stored_dratio.values()) < 3, "from the stored output, sigmoid' and tanh' cost under 3x ReLU' (float32)"

# %% [markdown]
# So the per-element ratio is **a property of the hardware and the numpy build**, not of the functions. Restricted to SSE, numpy has no vectorised float32 tanh and calls the scalar C library routine: tanh cost about {glue:text}`cost_stored_tanh32_SSE` times ReLU. With AVX2 it was {glue:text}`cost_stored_tanh32_AVX2` times, and with AVX-512 {glue:text}`cost_stored_tanh32_AVX512` times: on that server numpy's float32 tanh was about as fast as its ReLU, or faster. The reason is that a SIMD tanh does a dozen multiply-adds on 16 values at once, while each element costs 8 bytes of memory traffic (read 4, write 4) whatever the function; at a million elements, both functions run at the speed at which memory delivers the data, and the arithmetic hides behind it (a *memory-bound* loop). ReLU as `np.maximum(z, 0)` also allocates and writes a fresh output array, exactly as tanh does. Only where the transcendental runs one element at a time does the arithmetic show.
#
# The derivative tells a simpler story. From the stored output, sigmoid' and tanh' cost at most {glue:text}`cost_stored_dmax` times ReLU' under every profile: a multiply and a subtract against a comparison. Recomputed from $z$, they cost as much as the function itself.
#
# Now the live numbers from the machine running this page, and what holds on any machine:

# %% tags=["nbval-ignore-output"]
ratio = {dt: {name: costs[dt, name]["f"] / costs[dt, "relu"]["f"] for name in ("sigmoid", "tanh")} for dt in DTYPES}
ratio_dout = {name: costs["float32", name]["df_from_output"] / costs["float32", "relu"]["df"]
              for name in ("sigmoid", "tanh")}
for dt in DTYPES:
    print(f"{dt}: sigmoid costs {ratio[dt]['sigmoid']:.1f}x ReLU, tanh {ratio[dt]['tanh']:.1f}x "
          f"(numpy tanh kernel: {kern['tanh'][dt]})")
print(f"float32 derivatives from the stored output: sigmoid' {ratio_dout['sigmoid']:.1f}x ReLU', "
      f"tanh' {ratio_dout['tanh']:.1f}x")
glue("cost_ratio_tanh32", f"{ratio['float32']['tanh']:.1f}", display=False)
glue("cost_ratio_sigmoid32", f"{ratio['float32']['sigmoid']:.1f}", display=False)
glue("cost_kernel_tanh32", kern["tanh"]["float32"], display=False)

# %% [markdown]
# On the machine that built this page, float32 tanh cost {glue:text}`cost_ratio_tanh32` times ReLU and sigmoid {glue:text}`cost_ratio_sigmoid32` times (numpy's float32 tanh kernel there: {glue:text}`cost_kernel_tanh32`). No assert rests on these live numbers: a timing depends on the CPU, its numpy kernels and whatever else the machine is running. An earlier version of this chapter asserted that float32 tanh costs under 5 times ReLU wherever numpy has a SIMD tanh kernel; on an AMD EPYC server with AVX2 kernels it cost more than that, so the bound was not a property of SIMD kernels in general. The conclusions of this section rest on the stored measurements above, made on one machine under three kernel profiles.
#
# ## Per training step: inside an LSTM
#
# A faster activation matters only in proportion to the share of time spent in activations. We time one forward and backward pass of an LSTM layer and compare three variants with the same weights:
#
# - the standard cell (sigmoid gates, tanh candidate and output squash);
# - ReLU in both tanh roles (what Keras's `activation='relu'` does); the three gates stay sigmoids;
# - identity in *every* role, a cell that computes nothing nonlinear. It is useless as a model but gives the floor: the cost of everything except the activations.

# %% tags=["nbval-ignore-output"]
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
    for dt in (np.float32,):     # the book's training dtype; float64 is left to the exercises
        # the three variants are timed interleaved, so a slow spell of the machine hits all of them,
        # and best of 15 rounds: on a busy machine fewer rounds can leave one variant's minimum inflated
        best = compute_cost.best_times({v: lstm_step(H, dt, **roles) for v, roles in VARIANTS.items()}, repeats=15)
        step_times.update({(H, dt, v): t for v, t in best.items()})
for (H, dt, v), t in step_times.items():
    print(f"H={H:4d} {np.dtype(dt).name:8s} {v:20s} {t * 1e3:7.2f} ms")
# the floor of the floor: a 2-unit, batch-1 cell with no nonlinearity is almost pure per-call overhead
# (T = 50 Python iterations forward and backward, each calling numpy on tiny arrays)
t_overhead = compute_cost.best_time(lstm_step(2, np.float32, B=1, **VARIANTS["identity everywhere"]), repeats=7)
overhead_share = {H: t_overhead / step_times[H, np.float32, "standard"] for H in SIZES}
print(f"per-call overhead alone (H = 2, B = 1, identity): {t_overhead * 1e3:.2f} ms, i.e. "
      + ", ".join(f"{100 * v:.0f} % of the standard float32 step at H = {H}" for H, v in overhead_share.items()))
glue("cost_overhead32_small", round(100 * overhead_share[32]), display=False)

# %% tags=["nbval-ignore-output"]
def shares(H, dt):
    std, relu, ident = (step_times[H, dt, v] for v in VARIANTS)
    return {"saving": 1 - relu / std, "activations": 1 - ident / std}

share = {(H, "float32"): shares(H, np.float32) for H in SIZES}
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
for H in SIZES:
    assert share[H, "float32"]["saving"] < 0.5, f"ReLU in g and h does not make a float32 LSTM step twice as fast (H={H})"

# %% [markdown]
# In float32 with 32 units, ReLU in the two tanh roles saved about {glue:text}`cost_lstm_saving32_small` % of a training step (a negative saving means the ReLU variant was the slower one), while all activations together took about {glue:text}`cost_lstm_act32_small` %. With 128 units the figures were about {glue:text}`cost_lstm_saving32_large` % and {glue:text}`cost_lstm_act32_large` %. These are numbers for *this* implementation, a numpy LSTM that loops over the time steps in Python and calls numpy a few dozen times per step on small arrays: a 2-unit cell with batch 1 and no nonlinearity, which does almost no arithmetic and so measures that per-call overhead, took {glue:text}`cost_overhead32_small` % of the time of the 32-unit step on the machine that built this page. The overhead is paid whatever the activation, so it dilutes any saving, the more so the smaller the layer; the remaining difference between the variants is the numpy work on the gate arrays, which is also memory-bound at these sizes. A fused implementation (one compiled kernel per step, as on a GPU) would remove the overhead and change the shares, so these percentages describe this numpy implementation, not LSTMs in general. The timings are noisy on a busy machine: the printed table shows them all, and the asserts only check the bound.
#
# On a GPU, though, the framework fact points the other way. Keras runs an LSTM with NVIDIA's fused cuDNN kernel only when `activation` is tanh and `recurrent_activation` is sigmoid (among other conditions); with `activation='relu'` it falls back to its generic implementation {cite:p}`keras_lstm_docs`. So in the most common framework, ReLU in an LSTM gives up the fast kernel: whatever it saves per element, the step gets slower, not faster. (This book runs no GPU, so that is a documented fact, not a measurement.) Whatever the size, the saving is bounded by the activations' share, and an LSTM keeps its three sigmoid gates, so ReLU can replace at most two of its five activations.
#
# ## Per training step: inside a convolutional layer
#
# A convolution is a matrix product once the input patches are unrolled into rows ("im2col"). For a 3×3 convolution from 64 to 64 channels on a batch of 16 feature maps of 16×16, that product has $16 \cdot 256$ rows, $9 \cdot 64 = 576$ columns and 64 outputs. The activation then runs once per output element. We time both parts (the unrolling itself is not counted, which flatters the activation's share).

# %% tags=["nbval-ignore-output"]
B, HW, C_in, C_out = 16, 16 * 16, 64, 64
patches = rng.standard_normal((B * HW, 9 * C_in)).astype(np.float32)      # (rows, 9 C_in)
kernel = rng.standard_normal((9 * C_in, C_out)).astype(np.float32)        # (9 C_in, C_out)
pre = patches @ kernel                                                    # (rows, C_out)
fns = {"conv": lambda: patches @ kernel}
fns.update({name: (lambda f=activations.get(name).f: f(pre)) for name in NAMES})
t = compute_cost.best_times(fns, repeats=9)
t_conv, t_act = t["conv"], {name: t[name] for name in NAMES}
conv_share = {name: t_act[name] / (t_conv + t_act[name]) for name in NAMES}
for name in NAMES:
    print(f"{name:11s} activation {t_act[name] * 1e3:6.3f} ms vs convolution {t_conv * 1e3:6.3f} ms: "
          f"{100 * conv_share[name]:4.1f} % of the layer's forward time")
glue("cost_conv_share_tanh", round(100 * conv_share["tanh"], 1), display=False)
glue("cost_conv_share_relu", round(100 * conv_share["relu"], 1), display=False)

# %%
assert conv_share["tanh"] < 0.5, "in a conv layer the matrix product, not the activation, takes most of the time"
assert conv_share["relu"] < 0.25, "ReLU's share of a conv layer's forward time is small"

# %% [markdown]
# Here tanh takes about {glue:text}`cost_conv_share_tanh` % of the layer's forward time and ReLU about {glue:text}`cost_conv_share_relu` % (which of the two is smaller depends, as above, on the CPU's tanh kernel). Even a tanh network spends most of its time in the convolutions, and more so over a whole training step: the backward pass adds two more matrix products of the same size, while the activation's derivative, taken from the stored output, is cheap. That is why the famous six-fold speed-up of ReLU over tanh in a CNN {cite:p}`krizhevsky2012imagenet` was about **training steps** to reach an error, not seconds per step: it is a statement about optimisation, which the chapter "Why CNNs took ReLU" takes up.
#
# The figure puts the three measurements side by side.

# %% tags=["nbval-ignore-output"] mystnb={"figure": {"caption": "Where the time goes. (a) Cost per element of sigmoid and tanh relative to ReLU (float32, log scale; dashed: equal cost), from the stored table under the SSE, AVX2 and AVX-512 profiles and live on the machine running the page (hatched). (b) Share of an LSTM training step (float32, B = 32, T = 50) spent in all activations, and the share that ReLU in the two tanh roles saves. (c) Share of a 3x3 convolution layer's forward time spent in the activation. Timings vary between machines; the ratios are what the asserts check.", "name": "fig-cost-shares"}, "image": {"alt": "Three bar charts. Left: for sigmoid and tanh, the cost per element relative to ReLU under three CPU profiles and on the machine running the page; the bars are tall for SSE and short for AVX2 and AVX-512. Middle: for an LSTM with 32 and 128 units, the share of a step spent in all activations and the smaller share that ReLU saves. Right: the share of a convolution layer's forward time spent in each activation."}}
fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
ax = axes[0]
groups = [(p, [stored_ratio[p, "float32", n] for n in ("sigmoid", "tanh")]) for p in PROFILES]
groups.append(("this machine", [ratio["float32"][n] for n in ("sigmoid", "tanh")]))
x = np.arange(2)
for k, (label, vals) in enumerate(groups):
    ax.bar(x + (k - 1.5) * 0.2, vals, 0.2, label=label, color=str(round(0.8 - 0.22 * k, 2)),
           edgecolor="black", linewidth=0.5, hatch="//" if label == "this machine" else None)
ax.axhline(1.0, color="0.3", lw=0.8, ls="--")
ax.set_yscale("log")
ax.set_xticks(x, ["sigmoid", "tanh"])
ax.set_ylabel("cost per element / ReLU's")
ax.set_title("(a) per element, float32")
ax.legend(fontsize=7)
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
# :::{admonition} C9 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-c9
#
# *Depends on the hardware.* Per element, ReLU is much cheaper than sigmoid and tanh only where numpy has no vectorised kernel for them; with SIMD kernels the gap shrinks to a small factor, or reverses. Measured on the book's build machine (float32, a million elements, best of 15): with SSE only, tanh cost {glue:text}`cost_stored_tanh32_SSE` times ReLU and sigmoid {glue:text}`cost_stored_sigmoid32_SSE` times; with AVX2, {glue:text}`cost_stored_tanh32_AVX2` and {glue:text}`cost_stored_sigmoid32_AVX2` times; with AVX-512, {glue:text}`cost_stored_tanh32_AVX512` and {glue:text}`cost_stored_sigmoid32_AVX512` times. On the machine that built this page tanh cost {glue:text}`cost_ratio_tanh32` times ReLU. "And so is its derivative" does not hold as backprop computes it: from the stored output, sigmoid' and tanh' cost at most {glue:text}`cost_stored_dmax` times ReLU' under every profile. "Constants can matter" is right, but here the constant was small: in a numpy LSTM step (B = 32, T = 50, H = 32, float32, a Python loop over time steps, so part of the time is per-call overhead) the saving from ReLU in the two tanh roles was {glue:text}`cost_lstm_saving32_small` % on the machine that built this page (negative: slower), bounded by the activations' share ({numref}`fig-cost-shares`). On a GPU, Keras's `activation='relu'` gives up the cuDNN kernel {cite:p}`keras_lstm_docs`, so there ReLU makes an LSTM slower.
# :::
#
# :::{admonition} D5 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-d5
#
# In arithmetic, yes: ReLU is one comparison, tanh and sigmoid a polynomial or an exponential. In time, only on hardware where the transcendental is not vectorised: from {glue:text}`cost_stored_tanh32_SSE` times ReLU (float32 tanh, SSE only) down to {glue:text}`cost_stored_tanh32_AVX512` times (AVX-512), because with SIMD kernels both are limited by memory traffic (stored table, a million float32 elements per call, best of 15). Per network it matters less still: in a 3×3, 64-to-64-channel convolution on 16 maps of 16×16 the activation was a small share of the forward time (tanh about {glue:text}`cost_conv_share_tanh` % on the machine that built this page), so cheaper activations cannot explain ReLU's advantage in CNNs; the documented six-fold speed-up counts training steps, not seconds per step.
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
# Predict how the share of time spent in activations changes in an LSTM when the batch grows from 32 to 256, and when $H$ grows from 128 to 512. Then measure it with the `lstm_step` function above and `compute_cost.best_times`.
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
# numpy dispatches transcendental functions to SIMD kernels where it has them for the CPU at hand; `np.show_runtime()` lists the SIMD extensions it found, and `numpy.lib.introspect.opt_func_info(func_name="tanh")` names the kernel each tanh loop uses (`compute_cost.kernels()` above wraps it). Where the float64 tanh falls back to a scalar loop, it costs tens of nanoseconds per element while ReLU stays near one. The "constant factor" is a property of the hardware and library as much as of the functions, which is why the book asserts only broad ratios.
# ::::
#
# ## References
#
# - {cite:t}`krizhevsky2012imagenet`
# - {cite:t}`glorot2011sparse`
# - {cite:t}`keras_lstm_docs`
