# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. Saturation: derivative bounds, products through depth and time, and dying ReLUs
#
# Backpropagation multiplies derivatives. One factor per layer in a deep net, one per step in a recurrent net.
# If every factor is below 1, the product shrinks geometrically. This is the usual reason given for why CNNs moved
# from sigmoid to ReLU. ReLU has its own failure, though: a unit whose input is always negative outputs zero and
# gets no gradient, so it may never recover. This chapter measures both effects. How small do the products get
# with sigmoid, tanh and ReLU? What does "saturating" buy an LSTM gate? How easily does a ReLU unit die, and does
# leaky ReLU bring it back?
#
# :::{admonition} Claims tested in this chapter
# :class: note
#
# From the {ref}`claim ledger <claims-ledger>`:
#
# - **C3** [Q]: ReLU is "fragile": one large gradient can leave a neuron "unable to fire on any other datapoint
#   again"; leaky ReLU was introduced to fix this.
# - **C8** [Q], the saturation part: ReLU "does not saturate for large values greater than zero". (The
#   continuity part of C8 is tested in the differentiability chapter.)
# - **D1** [L]: the derivatives lie in [0, 0.25] for sigmoid, [0, 1] for tanh and {0, 1} for ReLU.
# - **D2** [L]: with sigmoid in every layer, repeated products of derivatives below 1 make gradients vanish. (The
#   claim is about CNNs; this chapter tests dense MLPs, and chapter 9 tests convolutional nets.)
# - **D3** [L]: tanh only alleviates vanishing, because its derivative still vanishes "at the edge".
# - **D4** [L]: ReLU's positive half has no vanishing gradient but its negative half does; the negative half is
#   said to make "the parametric matrix sparse", a regularising effect.
# - **D11** [L]: tanh also suffers from vanishing gradients, though far less than sigmoid.
# :::

# %% tags=["nbval-ignore-output"]
# On Colab, install the book's package first; anywhere else this cell does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "rnnlab @ git+https://github.com/rnnlab-book/why-not-relu-in-lstm"

# %%
# %matplotlib inline

import matplotlib.pyplot as plt
import numpy as np

from rnnlab import activations, explore, plotting, population, stack, stats, tasks, threads, train
from rnnlab.instruments import dead_relus, saturation as sat
from rnnlab.book import glue

threads.one_blas_thread()   # many small matrices: one BLAS thread is faster than several

plotting.use_book_style()

SEEDS = range(10)          # deep MLPs and RNNs at initialisation
LSTM_SEEDS = range(5)      # the trained LSTM population
NET_SEEDS = range(8)       # the one-hidden-layer nets of the dying-ReLU study
ACTS = ("sigmoid", "tanh", "relu", "leaky_relu")
SCHEME = {"sigmoid": "glorot", "tanh": "glorot", "relu": "he", "leaky_relu": "he"}

# %% [markdown]
# ## The derivatives and their ranges
#
# Write $s = \sigma(z) = 1/(1+e^{-z}) \in (0, 1)$. Then $\sigma'(z) = s(1-s)$. A product of two positive numbers
# with a fixed sum $s + (1-s) = 1$ is largest when they are equal, so
#
# $$
# 0 < \sigma'(z) = s(1-s) \le \tfrac14, \qquad \text{with equality only at } s = \tfrac12, \text{ i.e. } z = 0.
# $$
#
# Since $\tanh z = 2\sigma(2z) - 1$, the chain rule gives $\tanh'(z) = 4\sigma'(2z)$, so $0 < \tanh'(z) \le 1$,
# again with the maximum only at $z = 0$. Equivalently, $\tanh'(z) = 1 - \tanh^2 z$. Neither derivative reaches 0:
# the lower end of D1's ranges is a limit for $|z| \to \infty$. The tails are exponential,
# $\sigma'(z) \approx e^{-|z|}$ and $\tanh'(z) \approx 4e^{-2|z|}$. ReLU's derivative is 1 for $z > 0$ and 0 for
# $z < 0$. At $z = 0$ it does not exist, and libraries use 0 there by convention (`rnnlab`'s `d0`). Leaky ReLU
# replaces the 0 with a small slope, 0.01 here.
#
# A grid of 400 001 points on $[-20, 20]$ and 200 000 random pre-activations, in float32 and float64, check the
# bounds. (The grid reports a minimum of exactly 0 for tanh′. That is rounding: in float64, $\tanh z$ rounds to 1
# once $z$ is above about 19, and $1 - \tanh^2 z$ becomes 0.)

# %%
ranges = {a: sat.derivative_range(a) for a in ACTS}
for a, (lo, hi, zmax) in ranges.items():
    print(f"{a:>10}: f' in [{lo:.3g}, {hi:.3g}], max at z = {zmax:.4f}")

rng = np.random.default_rng(0)
z_rand = 10 * rng.standard_normal(200_000)
for dtype in (np.float32, np.float64):
    z = z_rand.astype(dtype)
    d = {a: activations.get(a).df(z) for a in ACTS}
    assert np.all((d["sigmoid"] >= 0) & (d["sigmoid"] <= 0.25)), "sigmoid' must lie in [0, 1/4]"
    assert np.all((d["tanh"] >= 0) & (d["tanh"] <= 1)), "tanh' must lie in [0, 1]"
    assert np.all((d["relu"] == 0) | (d["relu"] == 1)), "ReLU' must take only the values 0 and 1"

tail_z = np.array([2.0, 3.0, 10.0])
tails = {a: activations.get(a).df(tail_z) for a in ("sigmoid", "tanh")}
relu_big = activations.get("relu").df(np.logspace(-3, 6, 1000))
print("f'(2), f'(3), f'(10):", {a: np.round(v, 9).tolist() for a, v in tails.items()})
print("ReLU' on [1e-3, 1e6]: min", relu_big.min(), "max", relu_big.max())

glue("sat_sig_max", ranges["sigmoid"][1], display=False)
glue("sat_sig_d2", float(round(tails["sigmoid"][0], 3)), display=False)
glue("sat_tanh_d2", float(round(tails["tanh"][0], 3)), display=False)
glue("sat_sig_d3", float(round(tails["sigmoid"][1], 4)), display=False)
glue("sat_tanh_d3", float(round(tails["tanh"][1], 4)), display=False)
glue("sat_sig_d10", float(f"{tails['sigmoid'][2]:.2g}"), display=False)
glue("sat_tanh_d10", float(f"{tails['tanh'][2]:.2g}"), display=False)

# %%
assert abs(ranges["sigmoid"][1] - 0.25) < 1e-12 and ranges["sigmoid"][2] == 0.0, "sigmoid' peaks at 1/4, at z = 0"
assert abs(ranges["tanh"][1] - 1.0) < 1e-12 and ranges["tanh"][2] == 0.0, "tanh' peaks at 1, at z = 0"
assert ranges["relu"][0] == 0.0 and ranges["relu"][1] == 1.0, "ReLU' takes 0 and 1"
assert np.all(relu_big == 1.0), "C8: ReLU' stays exactly 1 for every z > 0, however large"
assert tails["sigmoid"][2] < 1e-4 and tails["tanh"][2] < 1e-8, "sigmoid' and tanh' have all but vanished by z = 10"

# %% mystnb={"figure": {"caption": "Left: the derivatives of the four activations; the dots mark each maximum. Right: the same derivatives for large positive z on a log scale. ReLU' and leaky ReLU' stay at 1, while sigmoid' and tanh' fall exponentially.", "name": "fig-sat-derivs"}, "image": {"alt": "Two panels. Left: sigmoid' is a bump of height 0.25 at zero, tanh' a bump of height 1 at zero, ReLU' a step from 0 to 1, leaky ReLU' a step from 0.01 to 1. Right: on a log axis for z from 0 to 15, ReLU' is flat at 1 while sigmoid' and tanh' fall along straight lines, tanh' twice as steeply."}}
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(8, 3.2))
zg = np.linspace(-6, 6, 1201)
for a in ACTS:
    ax0.plot(zg, activations.get(a).df(zg), color=plotting.color(a), label=a)
    lo, hi, zmax = ranges[a]
    ax0.plot([zmax], [hi], "o", color=plotting.color(a), ms=4)
ax0.set(xlabel="pre-activation z", ylabel="f'(z)", title="derivatives")
ax0.legend()
zp = np.linspace(0.01, 15, 400)
for a in ACTS:
    ax1.plot(zp, activations.get(a).df(zp), color=plotting.color(a), label=a)
ax1.set(xlabel="pre-activation z > 0", ylabel="f'(z)", yscale="log", ylim=(1e-14, 3), title="large inputs")
plt.show()

# %% [markdown]
# So D1 is right as a statement about ranges, and the right-hand panel shows the saturation half of C8 at a
# glance. At $z = 2$, sigmoid′ is already {glue:text}`sat_sig_d2` and tanh′ {glue:text}`sat_tanh_d2`. At $z = 10$
# they are {glue:text}`sat_sig_d10` and {glue:text}`sat_tanh_d10`, while ReLU′ is still exactly 1.
#
# ## Products through depth
#
# In an MLP with $z_l = a_{l-1}W_l + b_l$ and $a_l = f(z_l)$, the gradient with respect to the pre-activations,
# $\delta_l = \partial \mathcal{L} / \partial z_l$, obeys
#
# $$
# \delta_l = \big(\delta_{l+1} W_{l+1}^\top\big) \odot f'(z_l),
# $$
#
# so $\delta_1$ carries a product of $L$ derivative factors *and* $L$ weight matrices. The claims talk about the
# first kind of factor; the initialisation controls the second. Glorot and Bengio chose the weight variance
# $2/(n_\text{in} + n_\text{out})$ to keep signals at a constant scale when $f'(0) = 1$
# {cite:p}`glorot2010understanding`. He et al. doubled it for ReLU, since ReLU zeroes half the units
# {cite:p}`he2015delving`. We take 30 hidden layers of width 64, each activation with its standard initialisation
# (Glorot for sigmoid and tanh, He for ReLU and leaky ReLU), Gaussian inputs, and a random linear loss on the
# output. For each of 10 seeds we record $\lVert\delta_l\rVert$, divided by its value at the top hidden layer.

# %% tags=["nbval-ignore-output"]
DEPTH, WIDTH = 30, 64
prof = {a: sat.depth_profile(a, depth=DEPTH, width=WIDTH, seeds=SEEDS, scheme=SCHEME[a]) for a in ACTS}
bottom = {a: prof[a].grad[:, 0] for a in ACTS}                      # (S,) gradient reaching layer 1
rate = {a: float(np.median(bottom[a]) ** (1 / (DEPTH - 1))) for a in ACTS}   # typical factor per layer
for a in ACTS:
    b = bottom[a]
    print(f"{a:>10}: layer-1 / layer-{DEPTH} gradient  median {np.median(b):.1e}  range [{b.min():.1e}, {b.max():.1e}]"
          f"  per-layer factor {rate[a]:.3f}  saturated {prof[a].saturated.mean():.3f}  zeros {prof[a].zeros.mean():.3f}")

for a in ACTS:
    glue(f"sat_depth_{a}_med", float(f"{np.median(bottom[a]):.2g}"), display=False)
    glue(f"sat_depth_{a}_min", float(f"{bottom[a].min():.2g}"), display=False)
    glue(f"sat_depth_{a}_max", float(f"{bottom[a].max():.2g}"), display=False)
    glue(f"sat_depth_{a}_rate", round(rate[a], 3), display=False)
glue("sat_depth_tanh_sat", float(round(prof["tanh"].saturated.mean(), 4)), display=False)
glue("sat_depth_relu_zeros", float(round(prof["relu"].zeros.mean(), 3)), display=False)

# %%
assert bottom["sigmoid"].max() < 1e-10, "D2: with sigmoid, the gradient vanishes through 30 layers (every seed)"
assert bottom["tanh"].min() > 1e4 * bottom["sigmoid"].max(), "D11: tanh vanishes far less than sigmoid (every seed)"
assert np.median(bottom["tanh"]) < 0.5, "D11: tanh still loses most of the gradient over 30 layers (median)"
for a in ("relu", "leaky_relu"):
    assert 0.1 < np.median(bottom[a]) < 10, f"{a} with He init passes the gradient through 30 layers (median)"
assert abs(prof["relu"].zeros.mean() - 0.5) < 0.05, "about half the ReLU units are off at initialisation"

# %% mystnb={"figure": {"caption": "Gradient norm reaching each hidden layer of a 30-layer MLP at initialisation, divided by the norm at the top hidden layer. Lines are medians over 10 seeds and bands the full range. Sigmoid and tanh use Glorot initialisation; ReLU and leaky ReLU use He.", "name": "fig-sat-depth"}, "image": {"alt": "Log-scale plot of relative gradient norm against layer index 1 to 30. The sigmoid curve falls on a steep straight line from the top layer to the bottom one. The tanh curve dips slowly. The ReLU and leaky ReLU curves stay near 1, within a narrow band."}}
fig, ax = plt.subplots(figsize=(6.4, 3.4))
layers = np.arange(1, DEPTH + 1)
for a in ACTS:
    plotting.spread(ax, layers, prof[a].grad, name=a, log=True)
ax.set(xlabel="hidden layer (1 = nearest the input)", ylabel=r"$\|\delta_l\| \,/\, \|\delta_{30}\|$")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# The sigmoid gradient shrinks by a factor of about {glue:text}`sat_depth_sigmoid_rate` per layer and reaches the
# first layer at {glue:text}`sat_depth_sigmoid_med` of its top value (median; range {glue:text}`sat_depth_sigmoid_min`
# to {glue:text}`sat_depth_sigmoid_max` over the seeds). That is D2. Tanh also loses gradient, but slowly: about
# {glue:text}`sat_depth_tanh_rate` per layer, {glue:text}`sat_depth_tanh_med` over 30 layers (range
# {glue:text}`sat_depth_tanh_min` to {glue:text}`sat_depth_tanh_max`). That is D11. Note *why* tanh loses it at
# Glorot initialisation: only {glue:text}`sat_depth_tanh_sat:.2%` of its pre-activations lie beyond $|z| = 2$. The
# loss comes from $\tanh'(z) < 1$ everywhere off zero, not from units at "the edge". ReLU and leaky ReLU with He
# initialisation keep the gradient at the same scale (medians {glue:text}`sat_depth_relu_med` and
# {glue:text}`sat_depth_leaky_relu_med`). Yet {glue:text}`sat_depth_relu_zeros:.1%` of the ReLU units are off on
# any given input. The gradient flows along the *active* paths, and He's factor of 2 in the weight variance makes
# up for the units that are off.
#
# ### To the edge: larger weights
#
# D3 says that tanh's derivative "still vanishes at the edge". To push units to the edge, multiply every Glorot
# matrix by a gain $g$. We then measure two things over 6 seeds: the fraction of pre-activations with $|z| > 2$
# (where $\tanh' < 0.071$), and the gradient reaching layer 1. Sigmoid gets the same sweep. Its gain 4 is the
# factor often suggested to make up for $\sigma'(0) = 1/4$.

# %% tags=["nbval-ignore-output"]
TANH_GAINS = np.array([0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0])
SIG_GAINS = np.array([1.0, 2.0, 4.0, 8.0])
edge = {}
for a, gains in (("tanh", TANH_GAINS), ("sigmoid", SIG_GAINS)):
    runs = [sat.depth_profile(a, depth=DEPTH, width=WIDTH, seeds=range(6), scheme="glorot", gain=g, batch=64)
            for g in gains]
    edge[a] = {"sat": np.array([r.saturated[:, 1:].mean(axis=1) for r in runs]).T,   # (S, n_gains), layers 2..30
               "grad": np.array([r.grad[:, 0] for r in runs]).T}                       # (S, n_gains)
for a, gains in (("tanh", TANH_GAINS), ("sigmoid", SIG_GAINS)):
    for k, g in enumerate(gains):
        s, gr = edge[a]["sat"][:, k], edge[a]["grad"][:, k]
        print(f"{a:>8} gain {g:3.1f}: |z|>2 fraction {np.median(s):.3f}   layer-1 gradient median {np.median(gr):.1e}"
              f"  range [{gr.min():.1e}, {gr.max():.1e}]")

k3, k1 = list(TANH_GAINS).index(3.0), list(TANH_GAINS).index(1.0)
glue("sat_edge_tanh_sat3", float(round(np.median(edge["tanh"]["sat"][:, k3]), 3)), display=False)
glue("sat_edge_tanh_grad3", float(f"{np.median(edge['tanh']['grad'][:, k3]):.2g}"), display=False)
glue("sat_edge_tanh_grad3_min", float(f"{edge['tanh']['grad'][:, k3].min():.2g}"), display=False)
glue("sat_edge_tanh_grad05", float(f"{np.median(edge['tanh']['grad'][:, 0]):.2g}"), display=False)
k4 = list(SIG_GAINS).index(4.0)
glue("sat_edge_sig_grad4", float(f"{np.median(edge['sigmoid']['grad'][:, k4]):.2g}"), display=False)
glue("sat_edge_sig_sat4", float(round(np.median(edge["sigmoid"]["sat"][:, k4]), 3)), display=False)

# %%
med_sat = np.median(edge["tanh"]["sat"], axis=0)
assert np.all(np.diff(med_sat) > 0), "the saturated fraction of tanh units grows with the weight scale"
assert med_sat[k3] > 0.3, "at gain 3 a large share of tanh units sit at the edge"
assert edge["tanh"]["grad"][:, k3].min() > 1, \
    "D3 caveat: with tanh units at the edge, the gradient reaching layer 1 grows, it does not vanish (every seed)"
assert np.median(edge["tanh"]["grad"][:, 0]) < 1e-5, "with small weights (gain 0.5) tanh's gradient does vanish"
assert edge["sigmoid"]["grad"].max() < 1, "sigmoid loses gradient over 30 layers at every gain tried"

# %% mystnb={"figure": {"caption": "Pushing tanh (and sigmoid) units to the edge by multiplying Glorot weights by a gain. Left: fraction of pre-activations with |z| > 2. Right: gradient reaching layer 1 of 30, relative to the top layer. Median and full range over 6 seeds.", "name": "fig-sat-edge"}, "image": {"alt": "Two panels against the weight gain from 0.5 to 8. Left: the saturated fraction of tanh units is zero at small gains and rises steadily with the gain; sigmoid's rises similarly at higher gains. Right: tanh's layer-1 gradient is tiny at the smallest gain, somewhat below 1 at gain 1 and grows by orders of magnitude at larger gains, while sigmoid's stays below 1 at every gain."}}
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(8, 3.2))
for a, gains in (("tanh", TANH_GAINS), ("sigmoid", SIG_GAINS)):
    plotting.spread(ax0, gains, edge[a]["sat"], name=a)
    plotting.spread(ax1, gains, edge[a]["grad"], name=a, log=True)
ax0.set(xlabel="weight gain g", ylabel="fraction with |z| > 2", title="units at the edge")
ax1.axhline(1.0, color="grey", lw=0.8)
ax1.set(xlabel="weight gain g", ylabel="layer-1 / layer-30 gradient", title="gradient at the bottom")
ax0.legend()
plt.show()

# %% [markdown]
# At gain 3, {glue:text}`sat_edge_tanh_sat3:.0%` of tanh pre-activations are beyond $|z| = 2$. Yet the gradient
# reaching layer 1 is {glue:text}`sat_edge_tanh_grad3:,.0f` times the top layer's (median; smallest seed
# {glue:text}`sat_edge_tanh_grad3_min:,.0f`). It has *exploded*, not vanished. The saturated units do pass almost
# nothing, but the weights grow faster than the surviving derivatives shrink. Tanh vanishes hardest at the other
# end, with small weights ({glue:text}`sat_edge_tanh_grad05` at gain 0.5), where no unit is near the edge. Sigmoid
# never gets above 1: even at gain 4 the gradient reaching layer 1 is {glue:text}`sat_edge_sig_grad4`, with
# {glue:text}`sat_edge_sig_sat4:.0%` of units saturated. Its outputs are not centred at 0, so larger weights push
# units to the flat ends instead of keeping them near $\sigma'(0) = 1/4$.
#
# So the derivative *of a unit* does vanish at the edge, as D3 says. The gradient *of the network* is set by the
# product of derivative factors and weight matrices together. Neither factor alone decides whether it vanishes.
#
# What the gain sweep crosses is known: it is the order-to-chaos transition of random deep networks, worked out with
# mean-field theory by {cite:t}`poole2016exponential` and, for the backward pass, by {cite:t}`schoenholz2017deep`.
# Below a critical weight scale (the *ordered* phase) nearby inputs converge and gradients vanish geometrically with
# depth; above it (the *chaotic* phase) nearby inputs are pulled apart and gradients explode. For tanh with zero
# biases and weight variance $g^2/n$ the boundary is at $g = 1$, the Glorot scale of our square layers, which is why
# the gain-1 net loses only a little per layer and the gain-3 net sits deep in the chaotic phase. Saturated units and
# exploding gradients coexist there by construction: the theory's per-layer factor is $g^2$ times the mean of
# $\tanh'(z)^2$, and the gain outgrows the shrinking derivative.
#
# ## The same product through time
#
# A vanilla RNN, $h_t = f(x_t W_x + h_{t-1} W_h + b)$, multiplies by $\operatorname{diag} f'(z_t)\, W_h^\top$ at every
# step: a deep net whose layers share one matrix. To isolate the derivative part, we draw $W_h$ orthogonal, so
# that all its singular values are exactly 1. Whatever vanishes then vanishes through $f'$. The loss is a random
# linear function of the last state $h_T$, with $T = 100$, 64 units, Gaussian inputs and 10 seeds. The matrix
# part, with other gains and spectra, is the subject of {doc}`the eigenvalues chapter <04-eigenvalues>`.

# %% tags=["nbval-ignore-output"]
T_RNN = 100
lag = {a: sat.rnn_lag_profile(a, T=T_RNN, hidden=64, seeds=SEEDS) for a in ("sigmoid", "tanh", "relu")}   # (S, T)
step_rate = {a: float(np.median(lag[a][:, 0]) ** (1 / (T_RNN - 1))) for a in lag}
for a, r in lag.items():
    print(f"{a:>8}: dL/dh_1 / dL/dh_{T_RNN}  median {np.median(r[:, 0]):.1e}  range [{r[:, 0].min():.1e}, "
          f"{r[:, 0].max():.1e}]  per-step factor {step_rate[a]:.3f}")
for a in lag:
    glue(f"sat_time_{a}_med", float(f"{np.median(lag[a][:, 0]):.2g}"), display=False)
    glue(f"sat_time_{a}_rate", round(step_rate[a], 3), display=False)

# %%
assert lag["sigmoid"][:, 0].max() < 1e-30, "sigmoid RNN: the gradient vanishes over 100 steps even with orthogonal W"
assert lag["tanh"][:, 0].min() > 1e10 * lag["sigmoid"][:, 0].max(), "tanh RNN vanishes far less than sigmoid RNN"
assert lag["tanh"][:, 0].max() < 1e-3, "tanh RNN: the gradient still vanishes over 100 steps"
assert lag["relu"][:, 0].max() < 1e-3, "ReLU RNN with orthogonal W (gain 1) vanishes too: half its units are off"

# %% mystnb={"figure": {"caption": "Gradient reaching the hidden state t steps back, relative to the last step, in vanilla RNNs with an orthogonal recurrent matrix (all singular values 1). Median and full range over 10 seeds.", "name": "fig-sat-time"}, "image": {"alt": "Log-scale plot of relative gradient norm against time step 1 to 100. The sigmoid curve falls on a steep straight line. The ReLU and tanh curves fall along much shallower, roughly straight lines."}}
fig, ax = plt.subplots(figsize=(6.4, 3.4))
for a in lag:
    plotting.spread(ax, np.arange(1, T_RNN + 1), lag[a], name=a, log=True)
ax.set(xlabel="time step t", ylabel=r"$\|\partial L/\partial h_t\| \,/\, \|\partial L/\partial h_{100}\|$")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# Time behaves like depth, only deeper. Through a sigmoid RNN the gradient shrinks by a factor of about
# {glue:text}`sat_time_sigmoid_rate` per step, to {glue:text}`sat_time_sigmoid_med` over 100 steps. Through tanh it
# shrinks by about {glue:text}`sat_time_tanh_rate` per step, to {glue:text}`sat_time_tanh_med`. ReLU does not
# escape it here ({glue:text}`sat_time_relu_med`, about {glue:text}`sat_time_relu_rate` per step). With an
# orthogonal $W_h$ of gain 1, about half its units are off at each step. A different set is off at each step, so
# no path stays active for long, and nothing plays the part of He's factor 2. Whether a ReLU RNN keeps its
# gradient is decided by $W_h$: see {doc}`the eigenvalues chapter <04-eigenvalues>`.
#
# ## Saturation as a feature: the gates of a trained LSTM
#
# Inside an LSTM, saturation is not only a defect. A sigmoid gate that sits near 0 or 1 is a switch. The cell state
# is updated as $c_t = f_t \odot c_{t-1} + i_t \odot g_t$, so the gradient along the cell path is multiplied by the
# forget gate's *value* $f_t$, not by its derivative $\sigma'$. A forget gate saturated near 1 passes the gradient
# almost untouched: the flat top of the sigmoid holds it there.
#
# We train a population of 5 LSTMs (16 units, forget-gate bias 1) on the adding problem with $T = 20$ (Adam,
# learning rate $10^{-2}$, 400 steps of 32 sequences, float32), each with its own initialisation and its own stream
# of training sequences. We then compare the gate pre-activations and the
# gradient along the cell path on 256 fresh sequences, at initialisation and after training.

# %% tags=["nbval-ignore-output"]
task = tasks.AddingTask(T=20)
spec = stack.ModelSpec(cell="lstm", input_size=2, hidden_size=16, output_size=1, dtype="float32")
H = spec.hidden_size
params0 = stack.init_population(spec, LSTM_SEEDS)
params, hist = train.train({k: v.copy() for k, v in params0.items()}, spec, task,
                           train.TrainConfig(steps=400, batch_size=32, lr=1e-2),
                           population.data_rngs(LSTM_SEEDS))              # each model its own data stream
final = train.final_loss(hist)
print("final training loss per model:", np.round(final, 4), " baseline", round(task.baseline, 4))

xs_eval, _ = task.sample(np.random.default_rng(1), 256)
gates = {}
for when, p in (("init", params0), ("trained", params)):
    y, cache = stack.forward(p, xs_eval, spec)
    zs = cache.layer_caches[0].zs                                      # (T, S, B, 4H), blocks [g, i, f, o]
    _, traces = stack.backward(np.ones_like(y) / y.shape[-2], cache, return_trace=True)
    dc = traces[0]["dc"]                                               # (T, S, B, H)
    dc_norm = np.linalg.norm(dc.reshape(dc.shape[0], dc.shape[1], -1), axis=2)   # (T, S)
    gates[when] = {name: zs[..., k * H:(k + 1) * H] for k, name in enumerate("gifo")}
    gates[when]["sat"] = np.array([[sat.saturated_fraction(gates[when][n][:, s]) for s in range(len(LSTM_SEEDS))]
                                   for n in "ifo"])                    # (3 gates, S)
    gates[when]["dc_ratio"] = dc_norm[0] / dc_norm[-1]                 # (S,) gradient on c_1 vs c_T
for when in gates:
    print(f"{when:>8}: |z|>2 fraction per gate (median over models)  i {np.median(gates[when]['sat'][0]):.3f}  "
          f"f {np.median(gates[when]['sat'][1]):.3f}  o {np.median(gates[when]['sat'][2]):.3f};  "
          f"||dL/dc_1|| / ||dL/dc_20|| median {np.median(gates[when]['dc_ratio']):.2f}")

glue("sat_lstm_loss_med", float(round(np.median(final), 4)), display=False)
glue("sat_lstm_loss_max", float(round(np.max(final), 4)), display=False)
glue("sat_lstm_baseline", float(round(task.baseline, 3)), display=False)
glue("sat_lstm_nlearned", int(np.sum(final < task.baseline / 2)), display=False)
for when in gates:
    glue(f"sat_lstm_dc_{when}", round(float(np.median(gates[when]["dc_ratio"])), 2), display=False)
    glue(f"sat_lstm_dc_{when}_min", round(float(np.min(gates[when]["dc_ratio"])), 2), display=False)
    glue(f"sat_lstm_dc_{when}_max", round(float(np.max(gates[when]["dc_ratio"])), 2), display=False)
    glue(f"sat_lstm_sat_{when}", round(float(np.median(gates[when]["sat"])), 3), display=False)
glue("sat_lstm_sat_trained_max", round(float(gates["trained"]["sat"].max()), 3), display=False)

# %%
assert np.median(final) < task.baseline / 2, "the LSTMs learn the adding problem (median loss under half the baseline)"
assert gates["trained"]["sat"].sum(axis=0).min() > gates["init"]["sat"].sum(axis=0).max(), \
    "training moves gate pre-activations towards the flat ends (every model)"
assert gates["trained"]["dc_ratio"].min() > gates["init"]["dc_ratio"].max(), \
    "after training the cell path carries more gradient back over 20 steps (every model)"

# %% mystnb={"figure": {"caption": "Gate pre-activations of 5 LSTMs on 256 adding-problem sequences (T = 20), at initialisation (grey) and after 400 training steps (orange). Dashed lines mark |z| = 2, beyond which a sigmoid gate is below 0.12 or above 0.88.", "name": "fig-sat-gates"}, "image": {"alt": "Three histograms, for the input, forget and output gates. At initialisation each is a narrow peak, near 0 for the input and output gates and near 1 for the forget gate. After training each is much wider, with tails reaching past the dashed lines at plus or minus 2."}}
fig, axes = plt.subplots(1, 3, figsize=(9, 2.8), sharey=True)
bins = np.linspace(-6, 6, 61)
for ax, (n, label) in zip(axes, (("i", "input gate"), ("f", "forget gate"), ("o", "output gate"))):
    ax.hist(gates["init"][n].ravel(), bins=bins, density=True, color="0.6", alpha=0.7, label="init")
    ax.hist(gates["trained"][n].ravel(), bins=bins, density=True, histtype="step", lw=1.6,
            color=plotting.color("sigmoid"), label="trained")
    for edge_z in (-2, 2):
        ax.axvline(edge_z, color="k", ls="--", lw=0.8)
    ax.set(xlabel="pre-activation z", title=label, yscale="log", ylim=(1e-4, 10))
axes[0].set_ylabel("density")
axes[0].legend(loc="upper left")
plt.show()

# %% [markdown]
# The population learned the task: median final loss {glue:text}`sat_lstm_loss_med` against the baseline
# {glue:text}`sat_lstm_baseline`. {glue:text}`sat_lstm_nlearned` of 5 models end below half the baseline, and the
# worst ends at {glue:text}`sat_lstm_loss_max`. At initialisation no gate pre-activation lies beyond $|z| = 2$.
# After training the gates spread out, and a few percent of them sit at the flat ends (median
# {glue:text}`sat_lstm_sat_trained:.1%` per gate and model, up to {glue:text}`sat_lstm_sat_trained_max:.1%`).
# These are short runs on a short task; the histograms show a drift toward the edges, not a population of hard
# switches. More telling is the gradient along the cell path. From the last step back to the first it shrinks to
# {glue:text}`sat_lstm_dc_init` of its size at initialisation (range {glue:text}`sat_lstm_dc_init_min` to
# {glue:text}`sat_lstm_dc_init_max`). After training it arrives at {glue:text}`sat_lstm_dc_trained` times its size
# (range {glue:text}`sat_lstm_dc_trained_min` to {glue:text}`sat_lstm_dc_trained_max`). The bounded, saturating
# gate is what lets the LSTM carry its gradient: its *value* multiplies the gradient, and saturation near 1 is the
# good case.
#
# ## Dying ReLUs
#
# A ReLU unit is *dead on a dataset* when its pre-activation $z_j = x W_{:,j} + b_j$ is $\le 0$ for every sample.
# It then outputs 0 and has ReLU′ = 0 on every sample. Its incoming weights and bias get exactly zero gradient, so
# while its inputs stay fixed, gradient descent can never bring it back. C3 says that one large gradient step can
# do this. To test it, we take one-hidden-layer nets (10 inputs, 32 ReLU units, a linear readout) fitting a random
# ReLU teacher on 256 fixed samples. From He initialisation we apply **one** full-batch SGD step with learning rate
# $\eta$ from $10^{-2}$ to $10$, and count the units that are dead on the whole dataset afterwards. The inputs are
# either Gaussian (centred) or their positive part, $\max(x, 0)$: the non-negative inputs that every layer after a
# ReLU layer receives, and that images provide. There are 8 seeds, each with its own data, teacher and student; the
# same 8 seeds serve every learning rate and both activations, so that the comparisons along $\eta$ are paired.
#
# Then we ask whether the units come back. Each net trains on for 150 full-batch Adam steps at learning rate
# $10^{-2}$. We record the *margin* of each unit that died, $\max_n z_{nj}$, before and after this training; the
# unit is alive again when its margin is above 0. With leaky ReLU (slope 0.01) a unit with a negative margin is
# only silent: its gradient is scaled by 0.01 rather than zeroed.

# %% tags=["nbval-ignore-output"]
N_DATA, D_IN, H_NET, REC_STEPS = 256, 10, 32, 150
BIG_LRS = np.logspace(-2, 1, 7)
grid = [(s, lr) for s in NET_SEEDS for lr in BIG_LRS]                     # population: seeds x learning rates
seeds_pop = [s for s, _ in grid]
lr_pop = np.array([lr for _, lr in grid])                                  # (P,)
data = {}
for kind in ("non-negative", "centred"):
    sets = [dead_relus.teacher_regression(np.random.default_rng(1000 + s), N_DATA, D_IN, H_NET, nonneg=(kind == "non-negative"))
            for s in seeds_pop]
    data[kind] = (np.stack([x for x, _ in sets]), np.stack([y for _, y in sets]))   # (P, N, D), (P, N, 1)

dying = {}
with np.errstate(over="ignore", invalid="ignore"):   # the largest steps blow the loss up; that is the point
    for kind, (X, Y) in data.items():
        for a in ("relu", "leaky_relu"):
            p = dead_relus.init_one_hidden(seeds_pop, D_IN, H_NET, scheme="he")
            dead_init = dead_relus.one_hidden_dead(p, X)
            loss_before, _ = dead_relus.one_hidden_step(p, X, Y, act=a, lr=lr_pop)    # (P,) loss before the step
            margin0 = dead_relus.one_hidden_margin(p, X)                          # (P, H) right after the big step
            loss_after, _ = dead_relus.one_hidden_step({k: v.copy() for k, v in p.items()}, X, Y, act=a, lr=1e-12)
            r = {"dead_init": dead_init, "dead": margin0 <= 0, "loss_growth": loss_after / loss_before}
            if kind == "non-negative":
                state = None
                for _ in range(REC_STEPS):
                    loss, state = dead_relus.one_hidden_step(p, X, Y, act=a, lr=1e-2, optimizer="adam", state=state)
                r["margin0"], r["margin1"], r["loss_end"] = margin0, dead_relus.one_hidden_margin(p, X), loss
            dying[(kind, a)] = r


def per_lr(v):
    """(P,) -> (n_seeds, n_lrs)"""
    return np.asarray(v, dtype=float).reshape(len(NET_SEEDS), len(BIG_LRS))


for (kind, a), r in dying.items():
    frac = per_lr(r["dead"].mean(axis=1))
    print(f"{kind:>12} {a:>10}: dead fraction after one step, median per lr {np.round(np.median(frac, 0), 3)}")
for (kind, a), r in dying.items():
    if "margin1" in r:
        was = r["dead"]
        revived = (was & (r["margin1"] > 0)).sum() / was.sum()
        moved = np.abs(r["margin1"] - r["margin0"])[was]
        print(f"{a:>10}: units dead after the step {was.sum():4d}, alive again after {REC_STEPS} Adam steps "
              f"{revived:.3f}, margin change median {np.median(moved):.3g} max {moved.max():.3g}")

# %% tags=["nbval-ignore-output"]
nn_relu, nn_leaky = dying[("non-negative", "relu")], dying[("non-negative", "leaky_relu")]
ce_relu = dying[("centred", "relu")]
frac_nn = per_lr(nn_relu["dead"].mean(axis=1))              # (seeds, lrs)
frac_ce = per_lr(ce_relu["dead"].mean(axis=1))
frac_init = per_lr(nn_relu["dead_init"].mean(axis=1))
new_dead_nn = per_lr((nn_relu["dead"] & ~nn_relu["dead_init"]).mean(axis=1))
was_relu, was_leaky = nn_relu["dead"], nn_leaky["dead"]
revived_relu = float((was_relu & (nn_relu["margin1"] > 0)).sum() / was_relu.sum())
revived_leaky = float((was_leaky & (nn_leaky["margin1"] > 0)).sum() / was_leaky.sum())
moved_relu = np.abs(nn_relu["margin1"] - nn_relu["margin0"])[was_relu]
moved_leaky = np.abs(nn_leaky["margin1"] - nn_leaky["margin0"])[was_leaky]
depth_leaky = -nn_leaky["margin0"][was_leaky]                # how far below 0 the step pushed each silent unit
up_leaky = float(np.mean(nn_leaky["margin1"][was_leaky] > nn_leaky["margin0"][was_leaky]))   # moved towards life
first_kill = BIG_LRS[np.argmax(np.median(new_dead_nn, 0) > 0)]
growth = per_lr(nn_relu["loss_growth"])[:, list(BIG_LRS).index(first_kill)]   # loss after / before the step
ordinary = BIG_LRS <= 0.1

glue("sat_die_init", float(round(np.median(frac_init), 3)), display=False)
glue("sat_die_nn_max_med", float(round(np.median(frac_nn[:, -1]), 3)), display=False)
glue("sat_die_nn_max_lo", float(round(frac_nn[:, -1].min(), 3)), display=False)
glue("sat_die_nn_max_hi", float(round(frac_nn[:, -1].max(), 3)), display=False)
glue("sat_die_ce_max_med", float(round(np.median(frac_ce[:, -1]), 3)), display=False)
glue("sat_die_ce_max_hi", float(round(frac_ce[:, -1].max(), 3)), display=False)
glue("sat_die_first_lr", float(round(first_kill, 2)), display=False)
glue("sat_die_growth", float(f"{np.median(growth):.2g}"), display=False)
glue("sat_die_ordinary_new", float(round(new_dead_nn[:, ordinary].max(), 3)), display=False)
glue("sat_die_n_relu", int(was_relu.sum()), display=False)
glue("sat_die_n_leaky", int(was_leaky.sum()), display=False)
glue("sat_die_rev_relu", revived_relu, display=False)
glue("sat_die_rev_leaky", float(round(revived_leaky, 3)), display=False)
glue("sat_die_depth_leaky", float(f"{np.median(depth_leaky):.2g}"), display=False)
glue("sat_die_up_leaky", round(up_leaky, 3), display=False)
glue("sat_die_moved_leaky", float(f"{np.median(moved_leaky):.2g}"), display=False)

# %%
assert np.median(frac_nn[:, -1]) > 0.1, "C3: one very large step kills a sizeable share of ReLU units (non-negative inputs)"
assert new_dead_nn[:, ordinary].max() == 0, "no unit died from one step at an ordinary learning rate (<= 0.1)"
assert np.median(frac_ce[:, -1]) < np.median(frac_nn[:, -1]) / 2, "centred inputs make one-step deaths much rarer"
# code check, not evidence: a unit dead on fixed inputs gets exactly zero gradient, and Adam starts here with zero
# moments, so nothing can move it; the next section measures what happens when the optimiser's momentum carries on
assert revived_relu == 0 and moved_relu.max() == 0, "code check: a dead ReLU unit gets zero updates from a fresh Adam"
assert moved_leaky.max() > 0, "a silent leaky unit still receives gradient and moves"
assert revived_leaky < 0.5, "most silent leaky units have not come back after 150 Adam steps"
assert up_leaky < 0.5, "training pushed most silent leaky units' margins further down, not up"

# %% mystnb={"figure": {"caption": "Dead units after one full-batch SGD step of learning rate eta, in one-hidden-layer nets of 32 units. Non-negative inputs (solid) and centred inputs (dashed); ReLU (vermillion) and leaky ReLU (purple, units with all pre-activations below 0). Median and full range over 8 seeds.", "name": "fig-sat-dying"}, "image": {"alt": "Fraction of dead units against the learning rate of one step, on log axes from 0.01 to 10. For non-negative inputs the ReLU and leaky ReLU curves coincide, near zero at the smaller learning rates and then rising at the largest ones. For centred inputs the curves stay near zero."}}
fig, ax = plt.subplots(figsize=(6.4, 3.4))
for (kind, a), r in dying.items():
    line = plotting.spread(ax, BIG_LRS, per_lr(r["dead"].mean(axis=1)), name=a, label=f"{a}, {kind} inputs")
    line.set_linestyle("-" if kind == "non-negative" else "--")
ax.set(xscale="log", xlabel=r"learning rate $\eta$ of the single step", ylabel="fraction of units dead on all data")
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# The fragility is real but needs a violent step. With non-negative inputs, a single step at $\eta = 10$ leaves
# {glue:text}`sat_die_nn_max_med:.0%` of the units dead on the whole dataset (median; range
# {glue:text}`sat_die_nn_max_lo:.0%` to {glue:text}`sat_die_nn_max_hi:.0%`). Before the step the median was
# {glue:text}`sat_die_init:.0%`. New deaths start at $\eta \approx$ {glue:text}`sat_die_first_lr`, where the step
# already multiplies the loss by {glue:text}`sat_die_growth:,.0f` (median). At $\eta \le 0.1$ no unit died in any seed (largest fraction of new
# deaths {glue:text}`sat_die_ordinary_new`). Centred inputs resist the step: in the worst seed
# {glue:text}`sat_die_ce_max_hi:.0%` of units died at $\eta = 10$. After a large step, $z_j(x)$ is close to a linear
# function of $x$ (the step itself). On centred data that function takes both signs unless its constant term
# dominates. On non-negative data one sign of the step pushes every sample down at once.
#
# Do they come back? The {glue:text}`sat_die_n_relu` ReLU units that were dead after the step did not move at all in
# 150 Adam steps, and {glue:text}`sat_die_rev_relu:.0%` of them came back. That is arithmetic, not evidence: a unit
# that is dead on a fixed dataset gets exactly zero gradient, and the Adam run started after the big step with zero
# moments, so there was no momentum to carry it. The assert above checks our code, nothing more. (In a deeper net the
# layers below can also change a dead unit's inputs.) The {glue:text}`sat_die_n_leaky` silent leaky units do receive
# gradient, and their margins moved (median change {glue:text}`sat_die_moved_leaky`). But only
# {glue:text}`sat_die_rev_leaky:.1%` of them fired again within the budget. The step had pushed their margins to a
# median of {glue:text}`sat_die_depth_leaky` below zero, and the margins moved by more than that, so the units were
# not stuck: Adam moves each weight by about its learning rate per step, whatever the slope. But only
# {glue:text}`sat_die_up_leaky:.0%` of the margins moved *up*: the loss gave most of these units no reason to fire
# again.
#
# ### Dying during ordinary training
#
# One violent step is not how networks are trained. C3's worry is that units die *during training*. So train the same
# one-hidden-layer nets (10 inputs, 32 units, 256 training samples from a random ReLU teacher) the ordinary way:
# minibatches of 32, {glue:text}`sat_ord_steps` steps, with plain SGD at learning rates 0.01, 0.1 and 1, or with Adam
# at $10^{-3}$ (its usual default), $10^{-2}$ and $10^{-1}$. The optimiser's state (Adam's moments) carries on from
# step to step, so a unit that has just died still coasts on its momentum for a while. Every
# {glue:text}`sat_ord_every` steps we record which units are dead on the *whole* training set (for leaky ReLU:
# silent, all pre-activations below 0). Each setting has {glue:text}`sat_ord_n` seeds of its own; each seed owns its
# initialisation, its dataset and its stream of minibatches. ReLU and leaky ReLU share the seeds of a setting (a paired
# comparison: same data, same initial weights). A run *diverged* when its loss or gradient became inf or NaN.

# %% tags=["nbval-ignore-output"]
ORD_SETTINGS = (("sgd", 0.01), ("sgd", 0.1), ("sgd", 1.0), ("adam", 1e-3), ("adam", 1e-2), ("adam", 1e-1))
ORD_N, ORD_STEPS, ORD_EVERY, ORD_BATCH = 20, 400, 10, 32
ordinary = {}
for kind in ("non-negative", "centred"):
    for c, (opt, lr) in enumerate(ORD_SETTINGS):
        seeds = [10_000 + 100 * c + s for s in range(ORD_N)]            # own seeds per setting: independent cells
        for a in ("relu", "leaky_relu"):
            rngs = population.data_rngs(seeds)                          # one data stream per seed: dataset, then minibatches
            sets = [dead_relus.teacher_regression(r, N_DATA, D_IN, H_NET, nonneg=(kind == "non-negative")) for r in rngs]
            X, Y = np.stack([x for x, _ in sets]), np.stack([y for _, y in sets])         # (S, N, D), (S, N, 1)
            p = dead_relus.init_one_hidden(seeds, D_IN, H_NET, scheme="he")
            r = dead_relus.train_one_hidden(p, X, Y, act=a, lr=lr, optimizer=opt, steps=ORD_STEPS, batch_size=ORD_BATCH,
                                     rngs=rngs, every=ORD_EVERY)
            dead = r["margin"] <= 0                                     # (C, S, H); False for a diverged run (NaN)
            ok = r["diverged_at"] < 0                                   # (S,)
            with np.errstate(all="ignore"):                            # a diverged run's weights may be inf
                loss_full = np.where(ok, dead_relus.one_hidden_grads(p, X, Y, act=a)[0], np.nan)   # (S,) on all data
            ever = dead[:, ok].any(axis=0)                              # (S_ok, H) dead at some check
            ordinary[(kind, opt, lr, a)] = {
                "ok": ok, "frac": dead.mean(axis=2)[:, ok],               # (C, S_ok) dead fraction over training
                "end": dead[-1, ok].mean(axis=1),                         # (S_ok,)
                "ever": int(ever.sum()), "revived": int((ever & ~dead[-1, ok]).sum()),
                "rel_loss": loss_full[ok] / Y[ok].var(axis=(1, 2))}       # final loss / best constant's loss
for (kind, opt, lr, a), r in ordinary.items():
    if r["ok"].any():
        print(f"{kind:>12} {opt:4s} lr {lr:<6g} {a:>10}: diverged {int((~r['ok']).sum()):2d}/{ORD_N}; dead at the end "
              f"median {np.median(r['end']):.3f} max {r['end'].max():.3f}; ever dead {r['ever']:3d}, came back "
              f"{r['revived']:2d}; final loss / baseline median {np.median(r['rel_loss']):.3f}")
    else:
        print(f"{kind:>12} {opt:4s} lr {lr:<6g} {a:>10}: diverged {ORD_N}/{ORD_N}")

# %% tags=["nbval-ignore-output"]
NN = "non-negative"
ORDINARY_LRS = (("sgd", 0.01), ("sgd", 0.1), ("adam", 1e-3), ("adam", 1e-2))
ord_max = max(np.median(ordinary[(k, o, l, a)]["end"]) for k in ("non-negative", "centred")
              for o, l in ORDINARY_LRS for a in ("relu", "leaky_relu"))
big_relu, big_leaky = ordinary[(NN, "adam", 0.1, "relu")], ordinary[(NN, "adam", 0.1, "leaky_relu")]
sgd1 = ordinary[(NN, "sgd", 1.0, "relu")]
pair_p = stats.paired_sign_test(big_relu["end"], big_leaky["end"])
ever_relu = sum(r["ever"] for (k, o, l, a), r in ordinary.items() if a == "relu")
back_relu = sum(r["revived"] for (k, o, l, a), r in ordinary.items() if a == "relu")
ever_leaky = sum(r["ever"] for (k, o, l, a), r in ordinary.items() if a == "leaky_relu")
back_leaky = sum(r["revived"] for (k, o, l, a), r in ordinary.items() if a == "leaky_relu")
back_test = stats.compare_rates(back_leaky, ever_leaky, back_relu, ever_relu)
rng_ci = np.random.default_rng(3)
print(f"ordinary learning rates: largest median dead fraction at the end {ord_max:.3f}")
print(f"Adam 0.1, non-negative inputs: ReLU dead {np.median(big_relu['end']):.3f} "
      f"(95% CI {np.round(stats.median_ci(big_relu['end'], rng_ci), 3).tolist()}), leaky silent "
      f"{np.median(big_leaky['end']):.3f} (95% CI {np.round(stats.median_ci(big_leaky['end'], rng_ci), 3).tolist()}); "
      f"paired sign test {stats.fmt_p(pair_p)}; final loss / baseline median {np.median(big_relu['rel_loss']):.3f}")
print(f"came back after dying (all settings): ReLU {stats.fmt_rate(back_relu, ever_relu)}, "
      f"leaky {stats.fmt_rate(back_leaky, ever_leaky)}, Fisher {stats.fmt_p(back_test.p)}")
glue("sat_ord_steps", ORD_STEPS, display=False)
glue("sat_ord_every", ORD_EVERY, display=False)
glue("sat_ord_n", ORD_N, display=False)
glue("sat_ord_max", float(round(ord_max, 3)), display=False)
ord_worst = max(ordinary[(k, o, l, a)]["end"].max() for k in ("non-negative", "centred")
                for o, l in ORDINARY_LRS for a in ("relu", "leaky_relu"))
glue("sat_ord_worst", float(round(ord_worst, 3)), display=False)
glue("sat_ord_big_relu", float(round(np.median(big_relu["end"]), 3)), display=False)
glue("sat_ord_big_relu_ci", "{:.0%} to {:.0%}".format(*stats.median_ci(big_relu["end"], np.random.default_rng(4))),
     display=False)
glue("sat_ord_big_leaky", float(round(np.median(big_leaky["end"]), 3)), display=False)
glue("sat_ord_big_leaky_ci", "{:.0%} to {:.0%}".format(*stats.median_ci(big_leaky["end"], np.random.default_rng(5))),
     display=False)
glue("sat_ord_big_loss", float(round(np.median(big_relu["rel_loss"]), 3)), display=False)
glue("sat_ord_pair_p", stats.fmt_p(pair_p), display=False)
glue("sat_ord_sgd1_dead", float(round(np.median(sgd1["end"]), 3)) if sgd1["ok"].any() else float("nan"), display=False)
glue("sat_ord_sgd1_loss", float(f"{np.median(sgd1['rel_loss']):.2g}") if sgd1["ok"].any() else float("nan"),
     display=False)
glue("sat_ord_back_relu", stats.fmt_rate(back_relu, ever_relu), display=False)
glue("sat_ord_back_leaky", stats.fmt_rate(back_leaky, ever_leaky), display=False)
glue("sat_ord_back_p", stats.fmt_p(back_test.p), display=False)

# %%
assert ord_max <= 0.05, "at ordinary learning rates almost no unit dies during training (median <= 5 % in every setting)"
assert np.median(big_relu["end"]) > 0.2 and np.median(big_relu["rel_loss"]) < 0.5, \
    "C3: at a large but working Adam learning rate a sizeable share of ReLU units die while the net still learns"
assert np.median(big_leaky["end"]) > 0.2, "leaky ReLU does not stop units from going silent at that learning rate"
assert stats.rate_ci(back_relu, ever_relu)[1] < 0.1, "with momentum carried on, dead ReLU units (almost) never came back"
assert not sgd1["ok"].any() or np.median(sgd1["rel_loss"]) > 1, "SGD at learning rate 1 fails: worse than a constant"

# %% mystnb={"figure": {"caption": "Fraction of hidden units dead on the whole training set (ReLU, solid) or silent (leaky ReLU, dashed) during minibatch Adam training, non-negative inputs, at three learning rates. Median and full range over 20 independent seeds per setting.", "name": "fig-sat-dying-training"}, "image": {"alt": "Three panels, one per Adam learning rate, of the dead fraction against the training step. At the two smaller rates the curves stay at or near zero. At the largest rate both the ReLU and the leaky ReLU curves rise early in training and then stay roughly flat."}}
fig, axes = plt.subplots(1, 3, figsize=(9, 2.9), sharey=True)
for ax, lr in zip(axes, (1e-3, 1e-2, 1e-1)):
    for a, ls in (("relu", "-"), ("leaky_relu", "--")):
        r = ordinary[(NN, "adam", lr, a)]
        line = plotting.spread(ax, np.arange(0, ORD_STEPS + 1, ORD_EVERY), r["frac"].T, name=a)
        line.set_linestyle(ls)
    ax.set(title=f"Adam, lr {lr:g}", xlabel="training step", ylim=(-0.02, 1.0))
axes[0].set_ylabel("fraction of units dead")
axes[0].legend(loc="upper left")
plt.show()

# %% [markdown]
# At ordinary learning rates units hardly die: in every ordinary setting (SGD at 0.01 and 0.1, Adam at $10^{-3}$ and
# $10^{-2}$, both kinds of input) the median fraction of units dead at the end is at most
# {glue:text}`sat_ord_max:.1%`, and the worst single net lost {glue:text}`sat_ord_worst:.0%` of its units. At a large Adam learning rate, $10^{-1}$, with non-negative inputs,
# {glue:text}`sat_ord_big_relu:.0%` of the ReLU units are dead at the end (median; 95 % CI
# {glue:text}`sat_ord_big_relu_ci`), and yet these nets fit the data (final loss
# {glue:text}`sat_ord_big_loss` of the best constant's, median): they died during a training run that worked, which is
# C3's scenario. SGD at learning rate 1 is a different failure: the ReLU nets that did not blow up lost a median
# {glue:text}`sat_ord_sgd1_dead:.0%` of their units and ended at {glue:text}`sat_ord_sgd1_loss:,.0f` times the
# constant's loss. Did the dead stay dead? Counting every unit that was dead at some check, over all settings, with Adam's
# momentum carried on: {glue:text}`sat_ord_back_relu` of the ReLU units came back, against
# {glue:text}`sat_ord_back_leaky` of the silent leaky units (Fisher {glue:text}`sat_ord_back_p`).
#
# Does leaky ReLU fix it? It keeps a gradient flowing, but it did not keep units from going silent: at Adam $10^{-1}$
# its median silent fraction was {glue:text}`sat_ord_big_leaky:.0%` (95 % CI {glue:text}`sat_ord_big_leaky_ci`),
# against {glue:text}`sat_ord_big_relu:.0%` for ReLU (paired sign test over the 20 seeds,
# {glue:text}`sat_ord_pair_p`). A slope of 0.01 is a weak pull: the silent units' gradient is a hundred times smaller,
# and, as after the single step, the loss often gives them no reason to fire again.
# Leaky ReLU, introduced by {cite:t}`maas2013rectifier`, removes the trap; at this scale it did not prevent the fall.
#
# ### Born dead
#
# A net can also be dead before training. {cite:t}`lu2020dying` show that a ReLU net of fixed width collapses
# to a constant function with probability tending to 1 as its depth grows. Somewhere a layer switches off for
# every input, and everything after it sees a constant. We estimate that probability for He-initialised nets
# with zero biases, 2 inputs, 400 nets per setting and 128 Gaussian inputs each. A net counts as dead when some
# hidden layer is zero on all 128 inputs. Dead on a finite sample is necessary for dead everywhere, so the estimate
# errs slightly high.

# %% tags=["nbval-ignore-output"]
BD_DEPTHS = np.array([1, 2, 5, 10, 20, 30, 50])
BD_WIDTHS = (2, 3, 4, 6, 10)
born = np.array([[dead_relus.born_dead(np.random.default_rng(100 * w + d), depth=int(d), width=w, n_nets=400,
                                n_inputs=128).mean() for d in BD_DEPTHS] for w in BD_WIDTHS])   # (widths, depths)
for w, row in zip(BD_WIDTHS, born):
    print(f"width {w:2d}: P(born dead) by depth {BD_DEPTHS.tolist()}: {np.round(row, 3).tolist()}")
kd10, kd50 = list(BD_DEPTHS).index(10), list(BD_DEPTHS).index(50)
glue("sat_born_w2_d10", float(round(born[0, kd10], 3)), display=False)
glue("sat_born_w2_d50", float(round(born[0, kd50], 3)), display=False)
glue("sat_born_w4_d50", float(round(born[2, kd50], 3)), display=False)
glue("sat_born_w10_d50", float(round(born[-1, kd50], 3)), display=False)
ex3_sets = [dead_relus.teacher_regression(np.random.default_rng(1000 + s), 256, 10, 32) for s in range(8)]   # exercise 3
ex3_X, ex3_Y = np.stack([x + 3 for x, _ in ex3_sets]), np.stack([y for _, y in ex3_sets])
ex3_p = dead_relus.init_one_hidden(range(8), 10, 32)
with np.errstate(all="ignore"):
    dead_relus.one_hidden_step(ex3_p, ex3_X, ex3_Y, act="relu", lr=10.0)
glue("sat_ex3_shift_dead", float(round(np.median(dead_relus.one_hidden_dead(ex3_p, ex3_X).mean(axis=1)), 3)), display=False)
for d in (10, 30):                                  # for exercise 4: random biases at width 3
    for b in (0.0, 0.1, 1.0):
        glue(f"sat_ex4_d{d}_b{str(b).replace('.', '')}",
             float(round(dead_relus.born_dead(np.random.default_rng(0), depth=d, width=3, n_nets=400, bias_std=b).mean(), 3)),
             display=False)

# %%
assert born[0, kd50] > 0.9, "a width-2 ReLU net of depth 50 is almost surely born dead"
assert np.all(np.diff(born[:, 1:], axis=1) >= -0.05), "P(born dead) grows with depth (up to sampling noise)"
assert np.all(born[:, kd50][:-1] > born[:, kd50][1:]), "P(born dead) falls with width at depth 50"
assert born[-1, kd50] < 0.2, "width 10 keeps most nets alive to depth 50"

# %% mystnb={"figure": {"caption": "Estimated probability that a He-initialised ReLU net (zero biases, 2 inputs) is a constant function at birth, against depth, for several widths. 400 nets per point.", "name": "fig-sat-borndead"}, "image": {"alt": "Probability against depth from 1 to 50, one curve per width. The narrowest width rises steeply towards 1; the middle widths rise more slowly; the widest stays near 0 at every depth shown."}}
fig, ax = plt.subplots(figsize=(6.4, 3.2))
for w, row, c in zip(BD_WIDTHS, born, plt.cm.viridis(np.linspace(0, 0.85, len(BD_WIDTHS)))):
    ax.plot(BD_DEPTHS, row, "o-", ms=3, color=c, label=f"width {w}")      # widths, not activations: a sequential map
ax.set(xlabel="depth (hidden layers)", ylabel="P(born dead)", ylim=(-0.02, 1.02))
ax.legend(loc="center right")
plt.show()

# %% [markdown]
# A width-2 net is born dead with probability {glue:text}`sat_born_w2_d10` at depth 10 and
# {glue:text}`sat_born_w2_d50` at depth 50. At depth 50, width 4 gives {glue:text}`sat_born_w4_d50` and width 10
# gives {glue:text}`sat_born_w10_d50`. In the widths people use the risk is negligible. It is one more way for ReLU
# units to be dead without any "large gradient".
#
# ## Sparsity: of what?
#
# D4 credits ReLU's zero half with making "the parametric matrix sparse". {cite:t}`glorot2011sparse` made a
# different claim: rectifier nets have *sparse representations*, with exact zeros in the activations (about half at
# initialisation). We measure both kinds of zero in the one-hidden-layer ReLU nets above (non-negative inputs,
# 8 seeds), at initialisation and after 150 Adam steps from initialisation. We also count them in the 30-layer MLP
# of section 3.2.

# %% tags=["nbval-ignore-output"]
X, Y = (v[::len(BIG_LRS)] for v in data["non-negative"])                  # one dataset per seed, (S, N, D)
p = dead_relus.init_one_hidden(NET_SEEDS, D_IN, H_NET, scheme="he")
zeros_init = [sat.zero_fraction(np.maximum(z, 0)) for z in dead_relus.one_hidden_pre(p, X)]
state = None
for _ in range(REC_STEPS):
    loss_sp, state = dead_relus.one_hidden_step(p, X, Y, act="relu", lr=1e-2, optimizer="adam", state=state)
zeros_trained = [sat.zero_fraction(np.maximum(z, 0)) for z in dead_relus.one_hidden_pre(p, X)]
w_small = [float(np.mean(np.abs(W) < 1e-3)) for W in p["W0"]]
print(f"activation zeros: init median {np.median(zeros_init):.3f} [{min(zeros_init):.3f}, {max(zeros_init):.3f}];"
      f" trained median {np.median(zeros_trained):.3f} [{min(zeros_trained):.3f}, {max(zeros_trained):.3f}]")
print(f"weights with |w| < 1e-3: max {max(w_small):.3f};"
      f"  training loss median {np.median(loss_sp):.4f}")
glue("sat_sp_init", float(round(np.median(zeros_init), 3)), display=False)
glue("sat_sp_trained", float(round(np.median(zeros_trained), 3)), display=False)
glue("sat_sp_trained_lo", float(round(min(zeros_trained), 3)), display=False)
glue("sat_sp_trained_hi", float(round(max(zeros_trained), 3)), display=False)
glue("sat_sp_w_small", float(round(max(w_small), 3)), display=False)

# %%
assert 0.3 < np.median(zeros_init) < 0.7, "D4: about half of ReLU activations are exact zeros at initialisation"
assert min(zeros_trained) > 0.2, "D4: the activations stay sparse after training"
assert max(w_small) < 0.05, "D4 wording: hardly any weight is even near zero"

# %% [markdown]
# The activations are sparse: {glue:text}`sat_sp_init:.0%` exact zeros at initialisation (median) and
# {glue:text}`sat_sp_trained:.0%` after training (range {glue:text}`sat_sp_trained_lo:.0%` to
# {glue:text}`sat_sp_trained_hi:.0%`); in the deep MLP, {glue:text}`sat_depth_relu_zeros:.0%`. The weights are not:
# at most {glue:text}`sat_sp_w_small:.1%` of them are below $10^{-3}$ in size. The zeros are in the representation,
# which changes with each input, not in the "parametric matrix".
#
# ### Does the sparsity regularise?
#
# The second half of D4 says that the zeros have "a regularising effect". A modest test: if exact zeros regularise,
# a ReLU net should overfit less than the same net whose negative half leaks (leaky ReLU with slope 0.01, nearly the
# same function but without exact zeros, and with slope 0.2, further from sparse). We fit one-hidden-layer nets of
# 64 units to only {glue:text}`sat_reg_ntrain` noisy samples of a random ReLU teacher (label noise of 0.3 times the
# target's spread), with Adam at $10^{-2}$ for {glue:text}`sat_reg_steps` minibatch steps, long enough to fit the
# training set, and measure the generalisation gap (test MSE minus training MSE, on 1000 fresh samples).
# {glue:text}`sat_reg_n` seeds, each its own teacher, data and initialisation, shared by the three activations (paired).

# %% tags=["nbval-ignore-output"]
REG_NTR, REG_NTE, REG_H, REG_STEPS = 64, 1000, 64, 1000
reg_seeds = list(range(20_000, 20_020))


def noisy_teacher(seed):
    """Train and test sets from one teacher, with label noise; drawn from the seed's data stream."""
    r = population.data_rng(seed)
    x, y = dead_relus.teacher_regression(r, REG_NTR + REG_NTE, D_IN, H_NET)
    y = y + 0.3 * y.std() * r.standard_normal(y.shape)
    return x[:REG_NTR], y[:REG_NTR], x[REG_NTR:], y[REG_NTR:], r


reg_acts = {"relu": "relu", "leaky 0.01": "leaky_relu", "leaky 0.2": activations.make_leaky_relu(0.2)}
gap, train_mse = {}, {}
for name, a in reg_acts.items():
    sets = [noisy_teacher(s) for s in reg_seeds]
    Xtr, Ytr, Xte, Yte = (np.stack([t[i] for t in sets]) for i in range(4))          # (S, N, D) / (S, N, 1)
    p = dead_relus.init_one_hidden(reg_seeds, D_IN, REG_H, scheme="he")
    dead_relus.train_one_hidden(p, Xtr, Ytr, act=a, lr=1e-2, optimizer="adam", steps=REG_STEPS, batch_size=32,
                         rngs=[t[4] for t in sets], every=REG_STEPS)
    train_mse[name] = dead_relus.one_hidden_grads(p, Xtr, Ytr, act=a)[0]                     # (S,)
    gap[name] = dead_relus.one_hidden_grads(p, Xte, Yte, act=a)[0] - train_mse[name]          # (S,)
reg_p = {name: stats.paired_sign_test(gap["relu"], gap[name]) for name in ("leaky 0.01", "leaky 0.2")}
for name in reg_acts:
    print(f"{name:>10}: training MSE median {np.median(train_mse[name]):.4f}; gap median {np.median(gap[name]):.4f} "
          f"[{gap[name].min():.4f}, {gap[name].max():.4f}]" + (f"; ReLU vs this, paired sign test {stats.fmt_p(reg_p[name])}, "
          f"ReLU's gap smaller in {int(np.sum(gap['relu'] < gap[name]))}/{len(reg_seeds)} seeds" if name in reg_p else ""))
glue("sat_reg_ntrain", REG_NTR, display=False)
glue("sat_reg_steps", REG_STEPS, display=False)
glue("sat_reg_n", len(reg_seeds), display=False)
for name in reg_acts:
    glue(f"sat_reg_gap_{name.replace(' ', '').replace('.', '')}", float(round(np.median(gap[name]), 3)), display=False)
for name in reg_p:
    glue(f"sat_reg_p_{name.replace(' ', '').replace('.', '')}", stats.fmt_p(reg_p[name]), display=False)
    glue(f"sat_reg_smaller_{name.replace(' ', '').replace('.', '')}", int(np.sum(gap["relu"] < gap[name])), display=False)
reg_relu_better = any(reg_p[n] < stats.ALPHA and np.median(gap["relu"]) < np.median(gap[n]) for n in reg_p)
glue("sat_reg_verdict", "a smaller gap for ReLU" if reg_relu_better else "no smaller gap for ReLU", display=False)
reg_opposite = [n for n in reg_p if reg_p[n] < stats.ALPHA and np.median(gap["relu"]) > np.median(gap[n])]
glue("sat_reg_opposite", ("Where a difference was detected it went the other way: ReLU's gap was the larger one "
                          f"(against {' and '.join(reg_opposite)})." if reg_opposite else
                          "No difference was detected at n = 20."), display=False)

# %%
assert max(np.median(train_mse[n]) for n in reg_acts) < 0.1 * min(np.median(gap[n]) for n in reg_acts), \
    "every net fits its training set, so the test error is the generalisation gap"
assert not reg_relu_better, "D4: no regularising effect of ReLU's exact zeros was detected in this test"

# %% [markdown]
# All three nets fit their training sets, so the gap is essentially the test error. The median gap was
# {glue:text}`sat_reg_gap_relu` for ReLU, {glue:text}`sat_reg_gap_leaky001` for leaky ReLU with slope 0.01 and
# {glue:text}`sat_reg_gap_leaky02` with slope 0.2. ReLU's gap was smaller than the slope-0.01 net's in
# {glue:text}`sat_reg_smaller_leaky001` of {glue:text}`sat_reg_n` paired seeds ({glue:text}`sat_reg_p_leaky001`)
# and smaller than the slope-0.2 net's in {glue:text}`sat_reg_smaller_leaky02` ({glue:text}`sat_reg_p_leaky02`).
# So this test found {glue:text}`sat_reg_verdict`. {glue:text}`sat_reg_opposite` It is one small setting (a single hidden layer, no other
# regularisation, one learning rate); it does not rule out a regularising effect elsewhere, but it gives the claim no
# support here.
#
# ## Explorer: depth, gain and activation
#
# Move the depth of the MLP and the gain on its standard initialisation (Glorot for sigmoid and tanh, He for ReLU and
# leaky ReLU), and watch the gradient that reaches each layer, relative to the top hidden layer (width 64, median and
# range over 3 seeds, at initialisation). Gain 1 is the standard scale; for tanh, gains above 1 enter the chaotic
# phase and the gradient grows towards the input instead of shrinking.

# %%
EX_DEPTHS, EX_GAINS = (5, 10, 20, 30, 50), (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def gradient_by_layer(depth, gain):
    """Per-layer gradient norm of a depth-layer MLP at init, relative to the top layer: {act: series}."""
    out = {}
    for a in ACTS:
        g = sat.depth_profile(a, depth=depth, width=WIDTH, seeds=range(3), scheme=SCHEME[a], gain=gain, batch=32).grad
        out[a] = {"x": np.arange(1, depth + 1), "y": np.median(g, axis=0), "lo": g.min(axis=0), "hi": g.max(axis=0),
                  "color": plotting.color(a)}
    return out


sat_explorer = explore.Explorer(gradient_by_layer, controls={"depth": EX_DEPTHS, "gain": EX_GAINS},
                                defaults={"depth": 30, "gain": 1.0}, xlabel="hidden layer (1 = nearest the input)",
                                ylabel="gradient / top layer's", title="Gradient reaching each layer", ylog=True)
ex_30_1, ex_30_3 = gradient_by_layer(30, 1.0), gradient_by_layer(30, 3.0)
assert ex_30_1["sigmoid"]["y"][0] < 1e-10 < 0.1 < ex_30_1["relu"]["y"][0] < 10, \
    "explorer, depth 30, gain 1: sigmoid's gradient vanishes, ReLU's (He) keeps its scale"
assert ex_30_3["tanh"]["y"][0] > 1 > ex_30_3["sigmoid"]["y"][0], \
    "explorer, depth 30, gain 3: tanh's gradient explodes (chaotic phase), sigmoid's still shrinks"

# %% tags=["nbval-ignore-output"]
sat_explorer.display()

# %% [markdown]
# ## Verdicts
#
# :::{admonition} C3 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-c3
#
# Tested on one-hidden-layer regression nets (10 inputs, 32 units, 256 samples). One huge full-batch SGD step
# ($\eta = 10$, 8 seeds) left {glue:text}`sat_die_nn_max_med:.0%` of units dead on non-negative inputs
# ({numref}`fig-sat-dying`). In ordinary minibatch training ({glue:text}`sat_ord_steps` steps, SGD or Adam,
# {glue:text}`sat_ord_n` independent seeds per setting) units hardly died at ordinary learning rates (median at most
# {glue:text}`sat_ord_max:.0%`, worst net {glue:text}`sat_ord_worst:.0%`), but at Adam $10^{-1}$ with non-negative
# inputs a median {glue:text}`sat_ord_big_relu:.0%` died while the nets still learned, and dead ReLU units stayed dead ({glue:text}`sat_ord_back_relu` came back, Adam's momentum carried on)
# ({numref}`fig-sat-dying-training`). Leaky ReLU did not prevent it at that scale: {glue:text}`sat_ord_big_leaky:.0%`
# of its units went silent, and {glue:text}`sat_ord_back_leaky` of the silent ones came back. Deep narrow nets can
# also be born dead ({numref}`fig-sat-borndead`).
# :::
#
# :::{admonition} C8 (no saturation) · holds
# :class: verdict-holds
# :name: verdict-c8-saturation
#
# Tested exactly, on a grid of the real line and for $z$ up to $10^6$ (no training involved). ReLU′ is exactly 1 for
# every $z > 0$. Sigmoid′ and tanh′ are {glue:text}`sat_sig_d10` and {glue:text}`sat_tanh_d10` at $z = 10$
# ({numref}`fig-sat-derivs`). The negative half does saturate (at 0); that is D4. The continuity part of C8 is judged
# in the differentiability chapter.
# :::
#
# :::{admonition} D1 · holds
# :class: verdict-holds
# :name: verdict-d1
#
# Tested exactly (a grid of 400 001 points on $[-20, 20]$ and 200 000 random inputs, float32 and float64). The
# maxima are {glue:text}`sat_sig_max` (sigmoid) and 1 (tanh), both at $z = 0$. ReLU′ takes only 0 and 1, with the
# value at 0 a convention ({numref}`fig-sat-derivs`). Strictly, sigmoid′ and tanh′ never reach 0; it is only their
# limit.
# :::
#
# :::{admonition} D2 (dense MLP) · holds with a caveat
# :class: verdict-caveat
# :name: verdict-d2
#
# Tested on dense MLPs at initialisation (30 hidden layers of width 64, Glorot weights, 10 seeds; gains up to 8 with
# 6 seeds), not on CNNs: the convolutional test of D2 is in chapter 9. Through 30 sigmoid layers the gradient fell to
# {glue:text}`sat_depth_sigmoid_med` (median; {numref}`fig-sat-depth`), and it stayed below 1 at every weight gain we
# tried ({numref}`fig-sat-edge`). The caveat is in the argument, not the result: the product also contains the weight
# matrices, so "derivatives below 1" is not by itself a proof of vanishing. (The tanh runs show weights outrunning the
# derivatives.)
# :::
#
# :::{admonition} D3 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-d3
#
# Tested on the same 30-layer MLPs at initialisation (6 seeds per gain). A saturated unit's derivative does vanish.
# But at Glorot initialisation only {glue:text}`sat_depth_tanh_sat:.2%` of tanh units are at the edge, and the mild
# vanishing there comes from $\tanh' < 1$ near zero. When larger weights put {glue:text}`sat_edge_tanh_sat3:.0%` of
# units at the edge, the network's gradient *explodes* ({glue:text}`sat_edge_tanh_grad3:,.0f` at layer 1;
# {numref}`fig-sat-edge`): the chaotic phase of {cite:t}`poole2016exponential`. The edge is not where tanh's
# vanishing comes from.
# :::
#
# :::{admonition} D4 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-d4
#
# Tested on the 30-layer MLPs at initialisation and on trained one-hidden-layer nets (8 and 20 seeds). ReLU passes
# the gradient along active paths: with He initialisation the gradient at layer 1 of 30 is
# {glue:text}`sat_depth_relu_med` of its top value ({numref}`fig-sat-depth`). Its negative half passes nothing, which
# is what makes units die ({numref}`fig-sat-dying-training`). The sparsity is in the activations
# ({glue:text}`sat_sp_trained:.0%` zeros after training), not in the weights, so "sparse parametric matrix" is the
# wrong wording. The regularising half found no support: with 64 noisy training samples, ReLU's generalisation gap
# was {glue:text}`sat_reg_gap_relu` against {glue:text}`sat_reg_gap_leaky001` for leaky ReLU (median, 20 paired
# seeds, {glue:text}`sat_reg_p_leaky001`). {glue:text}`sat_reg_opposite` One small setting; elsewhere that half stays open.
# :::
#
# :::{admonition} D11 · holds
# :class: verdict-holds
# :name: verdict-d11
#
# Tested at initialisation: 30-layer MLPs (10 seeds) and vanilla RNNs with orthogonal $W_h$ over 100 steps (64
# units, 10 seeds). Tanh loses gradient at about {glue:text}`sat_depth_tanh_rate` per layer against sigmoid's
# {glue:text}`sat_depth_sigmoid_rate` ({numref}`fig-sat-depth`). Through time it is about
# {glue:text}`sat_time_tanh_rate` against {glue:text}`sat_time_sigmoid_rate` per step ({numref}`fig-sat-time`).
# Tanh still vanishes ({glue:text}`sat_time_tanh_med` over 100 steps), just far less than sigmoid.
# :::
#
# ## Exercises
#
# ::::{exercise}
# :label: ex-sat-1
#
# Show that $\tanh'(z) = 4\sigma'(2z)$ and deduce $\tanh' \le 1$ from $\sigma' \le 1/4$. Which is larger at
# $z = 3$, $\sigma'(3)$ or $\tanh'(3)$? Check with `rnnlab.activations`.
# ::::
#
# ::::{solution} ex-sat-1
# :class: dropdown
#
# $\tanh z = (e^z - e^{-z})/(e^z + e^{-z}) = 2/(1 + e^{-2z}) - 1 = 2\sigma(2z) - 1$. Differentiating gives
# $\tanh'(z) = 4\sigma'(2z) \le 4 \cdot \tfrac14 = 1$. At $z = 3$, $\tanh'(3) = 4\sigma'(6)$ is
# {glue:text}`sat_tanh_d3`, while $\sigma'(3)$ is {glue:text}`sat_sig_d3`. Tanh's tail is steeper ($4e^{-2z}$ against $e^{-z}$), so far from 0 tanh saturates
# *harder* than sigmoid. Its advantage is the larger peak, and that its outputs are centred at 0.
#
# ```python
# from rnnlab import activations
# print(activations.get("sigmoid").df(3.0), activations.get("tanh").df(3.0))
# ```
# ::::
#
# ::::{exercise}
# :label: ex-sat-2
#
# Since $\sigma'(0) = 1/4$, one might hope that multiplying the Glorot weights by 4 makes a sigmoid net behave like
# a tanh net. Use `sat.depth_profile("sigmoid", ..., gain=4.0)` to measure the gradient at layer 1 of 30. Then
# measure the mean of the pre-activations in the deep layers (`rnnlab.mlp.forward` and `cache.pre`). Why does the
# hope fail?
# ::::
#
# ::::{solution} ex-sat-2
# :class: dropdown
#
# The gradient still vanishes (about {glue:text}`sat_edge_sig_grad4` at layer 1 in the sweep above). Sigmoid outputs
# lie in $(0, 1)$ with mean near $1/2$, so each unit's input $z = a W + b$ gets a term $\tfrac12 \sum_i W_{ij}$ on
# top of the centred part. With gain 4 that term is large for many units. They are pushed into the flat tails
# ({glue:text}`sat_edge_sig_sat4:.0%` beyond $|z| = 2$), where $\sigma'$ is far below $1/4$.
#
# ```python
# import numpy as np
# from rnnlab import mlp
# rng = np.random.default_rng(0)
# params = mlp.init(rng, [64] * 31 + [1], scheme="glorot", gain=4.0)
# _, cache = mlp.forward(params, rng.standard_normal((128, 64)), act="sigmoid")
# print([round(float(np.abs(z).mean()), 2) for z in cache.pre[::5]])
# ```
# ::::
#
# ::::{exercise}
# :label: ex-sat-3
#
# After one huge SGD step, a unit's new weights are roughly $-\eta$ times its gradient. Use this to explain why
# one-step deaths were common with non-negative inputs and rare with centred ones. Then verify it: repeat the
# dying experiment with inputs $x + 3$ (shifted Gaussians) and see where the dead fraction lands.
# ::::
#
# ::::{solution} ex-sat-3
# :class: dropdown
#
# The gradient for unit $j$ is $g_{w} = \sum_n e_{nj} x_n$ and $g_b = \sum_n e_{nj}$, with
# $e_{nj} = \partial L/\partial z_{nj}$. After a step with huge $\eta$, $z_j(x) \approx -\eta\,(x \cdot g_w + g_b)
# = -\eta \sum_n e_{nj} (x \cdot x_n + 1)$. If all $x \cdot x_n \ge 0$, as with non-negative or shifted inputs, and
# the errors $e_{nj}$ mostly share a sign, every term has the same sign. Then $z_j(x) < 0$ on all data and the unit
# dies. With centred inputs, $x \cdot x_n$ takes both signs, so $z_j$ is negative for some samples and positive for
# others, and the unit survives. Shifted inputs behave like the non-negative case (the code below gives a median
# dead fraction of {glue:text}`sat_ex3_shift_dead:.0%` for the shifted inputs, against
# {glue:text}`sat_die_nn_max_med:.0%` for non-negative ones in the main experiment):
#
# ```python
# import numpy as np
# from rnnlab.instruments import dead_relus
# seeds = range(8)
# sets = [dead_relus.teacher_regression(np.random.default_rng(1000 + s), 256, 10, 32) for s in seeds]
# X = np.stack([x + 3 for x, _ in sets]); Y = np.stack([y for _, y in sets])
# p = dead_relus.init_one_hidden(seeds, 10, 32)
# with np.errstate(all="ignore"):
#     dead_relus.one_hidden_step(p, X, Y, act="relu", lr=10.0)
# print(np.median(dead_relus.one_hidden_dead(p, X).mean(axis=1)))
# ```
# ::::
#
# ::::{exercise}
# :label: ex-sat-4
#
# Lu et al. show that symmetric random *biases* do not prevent dying at depth. Repeat the born-dead estimate for
# width 3 with `bias_std=0.1` and `bias_std=1.0`. Does the probability at depth 30 go down or up?
# ::::
#
# ::::{solution} ex-sat-4
# :class: dropdown
#
# ```python
# import numpy as np
# from rnnlab.instruments import dead_relus
# for b in (0.0, 0.1, 1.0):
#     print(b, dead_relus.born_dead(np.random.default_rng(0), depth=30, width=3, n_nets=400, bias_std=b).mean())
# ```
#
# With the code above (seed 0), at depth 10 the estimate is {glue:text}`sat_ex4_d10_b00` without biases,
# {glue:text}`sat_ex4_d10_b01` with `bias_std=0.1` and {glue:text}`sat_ex4_d10_b10` with `bias_std=1.0`; at depth 30 it
# is {glue:text}`sat_ex4_d30_b00`, {glue:text}`sat_ex4_d30_b01` and {glue:text}`sat_ex4_d30_b10`. Biases help a little
# at moderate depth; they do not change the trend towards 1, because a negative bias can
# switch a whole narrow layer off for every input just as easily as it can keep one on.
# Note that with nonzero biases a "dead" layer outputs a constant that need not be zero. Our criterion (a layer
# that is exactly zero) then misses some constant nets, so it underestimates.
# ::::
#
# ## References
#
# - {cite:t}`glorot2010understanding`
# - {cite:t}`glorot2011sparse`
# - {cite:t}`maas2013rectifier`
# - {cite:t}`he2015delving`
# - {cite:t}`lu2020dying`
# - {cite:t}`poole2016exponential`
# - {cite:t}`schoenholz2017deep`
