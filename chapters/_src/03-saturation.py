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
# - **D2** [L]: with sigmoid in every layer, repeated products of derivatives below 1 make gradients vanish.
# - **D3** [L]: tanh only alleviates vanishing, because its derivative still vanishes "at the edge".
# - **D4** [L]: ReLU's positive half has no vanishing gradient but its negative half does; the negative half is
#   said to make "the parametric matrix sparse", a regularising effect.
# - **D11** [L]: tanh also suffers from vanishing gradients, though far less than sigmoid.
# :::

# %%
# %matplotlib inline
import os

# The matrices in this chapter are small; one BLAS thread is faster than several for them.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import matplotlib.pyplot as plt
import numpy as np
from myst_nb import glue

from rnnlab import activations, plotting, saturation as sat, stack, tasks, train

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

# %%
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

# %% mystnb={"figure": {"caption": "Gradient norm reaching each hidden layer of a 30-layer MLP at initialisation, divided by the norm at the top hidden layer. Lines are medians over 10 seeds and bands the full range. Sigmoid and tanh use Glorot initialisation; ReLU and leaky ReLU use He.", "name": "fig-sat-depth"}, "image": {"alt": "Log-scale plot of relative gradient norm against layer index 1 to 30. The sigmoid curve falls from 1 at layer 30 to below 1e-18 at layer 1 on a straight line. The tanh curve dips slowly to about 0.1. The ReLU and leaky ReLU curves stay near 1, within a band of about a factor of 4 either way."}}
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

# %%
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

# %% mystnb={"figure": {"caption": "Pushing tanh (and sigmoid) units to the edge by multiplying Glorot weights by a gain. Left: fraction of pre-activations with |z| > 2. Right: gradient reaching layer 1 of 30, relative to the top layer. Median and full range over 6 seeds.", "name": "fig-sat-edge"}, "image": {"alt": "Two panels against the weight gain from 0.5 to 8. Left: the saturated fraction of tanh units rises from 0 at gain 1 to about 0.75 at gain 6; sigmoid's rises similarly at higher gains. Right: tanh's layer-1 gradient goes from about 1e-9 at gain 0.5 through about 0.1 at gain 1 to between 1e7 and 1e8 at gain 6, while sigmoid's stays below 1 at every gain."}}
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
# ## The same product through time
#
# A vanilla RNN, $h_t = f(x_t W_x + h_{t-1} W_h + b)$, multiplies by $\operatorname{diag} f'(z_t)\, W_h^\top$ at every
# step: a deep net whose layers share one matrix. To isolate the derivative part, we draw $W_h$ orthogonal, so
# that all its singular values are exactly 1. Whatever vanishes then vanishes through $f'$. The loss is a random
# linear function of the last state $h_T$, with $T = 100$, 64 units, Gaussian inputs and 10 seeds. The matrix
# part, with other gains and spectra, is the subject of {doc}`the eigenvalues chapter <04-eigenvalues>`.

# %%
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

# %% mystnb={"figure": {"caption": "Gradient reaching the hidden state t steps back, relative to the last step, in vanilla RNNs with an orthogonal recurrent matrix (all singular values 1). Median and full range over 10 seeds.", "name": "fig-sat-time"}, "image": {"alt": "Log-scale plot of relative gradient norm against time step 1 to 100. The sigmoid curve falls on a steep straight line to about 1e-64 at step 1. The ReLU curve falls to about 1e-15 and the tanh curve to about 1e-11, both roughly straight lines."}}
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
# learning rate $10^{-2}$, 400 steps of 32 sequences, float32). We then compare the gate pre-activations and the
# gradient along the cell path on 256 fresh sequences, at initialisation and after training.

# %%
task = tasks.AddingTask(T=20)
spec = stack.ModelSpec(cell="lstm", input_size=2, hidden_size=16, output_size=1, dtype="float32")
H = spec.hidden_size
params0 = stack.init_population(spec, LSTM_SEEDS)
params, hist = train.train({k: v.copy() for k, v in params0.items()}, spec, task,
                           train.TrainConfig(steps=400, batch_size=32, lr=1e-2), np.random.default_rng(0))
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
# ReLU layer receives, and that images provide. There are 8 seeds per setting, each with its own data, teacher and
# student.
#
# Then we ask whether the units come back. Each net trains on for 150 full-batch Adam steps at learning rate
# $10^{-2}$. We record the *margin* of each unit that died, $\max_n z_{nj}$, before and after this training; the
# unit is alive again when its margin is above 0. With leaky ReLU (slope 0.01) a unit with a negative margin is
# only silent: its gradient is scaled by 0.01 rather than zeroed.

# %%
N_DATA, D_IN, H_NET, REC_STEPS = 256, 10, 32, 150
BIG_LRS = np.logspace(-2, 1, 7)
grid = [(s, lr) for s in NET_SEEDS for lr in BIG_LRS]                     # population: seeds x learning rates
seeds_pop = [s for s, _ in grid]
lr_pop = np.array([lr for _, lr in grid])                                  # (P,)
data = {}
for kind in ("non-negative", "centred"):
    sets = [sat.teacher_regression(np.random.default_rng(1000 + s), N_DATA, D_IN, H_NET, nonneg=(kind == "non-negative"))
            for s in seeds_pop]
    data[kind] = (np.stack([x for x, _ in sets]), np.stack([y for _, y in sets]))   # (P, N, D), (P, N, 1)

dying = {}
with np.errstate(over="ignore", invalid="ignore"):   # the largest steps blow the loss up; that is the point
    for kind, (X, Y) in data.items():
        for a in ("relu", "leaky_relu"):
            p = sat.init_one_hidden(seeds_pop, D_IN, H_NET, scheme="he")
            dead_init = sat.one_hidden_dead(p, X)
            loss_before, _ = sat.one_hidden_step(p, X, Y, act=a, lr=lr_pop)    # (P,) loss before the step
            margin0 = sat.one_hidden_margin(p, X)                          # (P, H) right after the big step
            loss_after, _ = sat.one_hidden_step({k: v.copy() for k, v in p.items()}, X, Y, act=a, lr=1e-12)
            r = {"dead_init": dead_init, "dead": margin0 <= 0, "loss_growth": loss_after / loss_before}
            if kind == "non-negative":
                state = None
                for _ in range(REC_STEPS):
                    loss, state = sat.one_hidden_step(p, X, Y, act=a, lr=1e-2, optimizer="adam", state=state)
                r["margin0"], r["margin1"], r["loss_end"] = margin0, sat.one_hidden_margin(p, X), loss
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

# %%
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
assert revived_relu == 0 and moved_relu.max() == 0, "a dead ReLU unit on fixed inputs never changes again"
assert moved_leaky.max() > 0, "a silent leaky unit still receives gradient and moves"
assert revived_leaky < 0.5, "most silent leaky units have not come back after 150 Adam steps"
assert up_leaky < 0.5, "training pushed most silent leaky units' margins further down, not up"

# %% mystnb={"figure": {"caption": "Dead units after one full-batch SGD step of learning rate eta, in one-hidden-layer nets of 32 units. Non-negative inputs (solid) and centred inputs (dashed); ReLU (vermillion) and leaky ReLU (purple, units with all pre-activations below 0). Median and full range over 8 seeds.", "name": "fig-sat-dying"}, "image": {"alt": "Fraction of dead units against the learning rate of one step, on log axes from 0.01 to 10. For non-negative inputs the ReLU and leaky ReLU curves coincide, near zero up to a learning rate of about 1 and then rising to about 0.3 at 10. For centred inputs the curves stay near zero."}}
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
# 150 Adam steps: their margins are unchanged to the last bit, and {glue:text}`sat_die_rev_relu:.0%` of them came
# back. That is C3's
# "unable to fire on any other datapoint again", exactly, for a layer with fixed inputs. (In a deeper net the layers
# below can change a dead unit's inputs; nothing in its own gradient helps.) The {glue:text}`sat_die_n_leaky`
# silent leaky units do receive gradient, and their margins moved (median change
# {glue:text}`sat_die_moved_leaky`). But only {glue:text}`sat_die_rev_leaky:.1%` of them fired again within the
# budget. The step had pushed their margins to a median of {glue:text}`sat_die_depth_leaky` below zero, and the
# margins moved by more than that, so the units were not stuck. Adam moves each weight by about its learning rate
# per step, whatever the slope. But only {glue:text}`sat_die_up_leaky:.0%` of the margins moved *up*: the loss gave
# most of these units no reason to fire again.
# Leaky ReLU, introduced by {cite:t}`maas2013rectifier`, removes the trap. It does not guarantee a rescue.
#
# ### Born dead
#
# A net can also be dead before training. {cite:t}`lu2020dying` show that a ReLU net of fixed width collapses
# to a constant function with probability tending to 1 as its depth grows. Somewhere a layer switches off for
# every input, and everything after it sees a constant. We estimate that probability for He-initialised nets
# with zero biases, 2 inputs, 400 nets per setting and 128 Gaussian inputs each. A net counts as dead when some
# hidden layer is zero on all 128 inputs. Dead on a finite sample is necessary for dead everywhere, so the estimate
# errs slightly high.

# %%
BD_DEPTHS = np.array([1, 2, 5, 10, 20, 30, 50])
BD_WIDTHS = (2, 3, 4, 6, 10)
born = np.array([[sat.born_dead(np.random.default_rng(100 * w + d), depth=int(d), width=w, n_nets=400,
                                n_inputs=128).mean() for d in BD_DEPTHS] for w in BD_WIDTHS])   # (widths, depths)
for w, row in zip(BD_WIDTHS, born):
    print(f"width {w:2d}: P(born dead) by depth {BD_DEPTHS.tolist()}: {np.round(row, 3).tolist()}")
kd10, kd50 = list(BD_DEPTHS).index(10), list(BD_DEPTHS).index(50)
glue("sat_born_w2_d10", float(round(born[0, kd10], 3)), display=False)
glue("sat_born_w2_d50", float(round(born[0, kd50], 3)), display=False)
glue("sat_born_w4_d50", float(round(born[2, kd50], 3)), display=False)
glue("sat_born_w10_d50", float(round(born[-1, kd50], 3)), display=False)

# %%
assert born[0, kd50] > 0.9, "a width-2 ReLU net of depth 50 is almost surely born dead"
assert np.all(np.diff(born[:, 1:], axis=1) >= -0.05), "P(born dead) grows with depth (up to sampling noise)"
assert np.all(born[:, kd50][:-1] > born[:, kd50][1:]), "P(born dead) falls with width at depth 50"
assert born[-1, kd50] < 0.2, "width 10 keeps most nets alive to depth 50"

# %% mystnb={"figure": {"caption": "Estimated probability that a He-initialised ReLU net (zero biases, 2 inputs) is a constant function at birth, against depth, for several widths. 400 nets per point.", "name": "fig-sat-borndead"}, "image": {"alt": "Probability against depth from 1 to 50, one curve per width. Width 2 rises steeply to nearly 1 by depth 20; widths 3 and 4 rise more slowly; width 10 stays near 0 up to depth 50."}}
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

# %%
X, Y = (v[::len(BIG_LRS)] for v in data["non-negative"])                  # one dataset per seed, (S, N, D)
p = sat.init_one_hidden(NET_SEEDS, D_IN, H_NET, scheme="he")
zeros_init = [sat.zero_fraction(np.maximum(z, 0)) for z in sat.one_hidden_pre(p, X)]
state = None
for _ in range(REC_STEPS):
    loss_sp, state = sat.one_hidden_step(p, X, Y, act="relu", lr=1e-2, optimizer="adam", state=state)
zeros_trained = [sat.zero_fraction(np.maximum(z, 0)) for z in sat.one_hidden_pre(p, X)]
w_zeros = [sat.zero_fraction(W) for W in p["W0"]]
w_small = [float(np.mean(np.abs(W) < 1e-3)) for W in p["W0"]]
print(f"activation zeros: init median {np.median(zeros_init):.3f} [{min(zeros_init):.3f}, {max(zeros_init):.3f}];"
      f" trained median {np.median(zeros_trained):.3f} [{min(zeros_trained):.3f}, {max(zeros_trained):.3f}]")
print(f"weights exactly 0: max {max(w_zeros):.3f};  |w| < 1e-3: max {max(w_small):.3f};"
      f"  training loss median {np.median(loss_sp):.4f}")
glue("sat_sp_init", float(round(np.median(zeros_init), 3)), display=False)
glue("sat_sp_trained", float(round(np.median(zeros_trained), 3)), display=False)
glue("sat_sp_trained_lo", float(round(min(zeros_trained), 3)), display=False)
glue("sat_sp_trained_hi", float(round(max(zeros_trained), 3)), display=False)
glue("sat_sp_w_small", float(round(max(w_small), 3)), display=False)

# %%
assert 0.3 < np.median(zeros_init) < 0.7, "D4: about half of ReLU activations are exact zeros at initialisation"
assert min(zeros_trained) > 0.2, "D4: the activations stay sparse after training"
assert max(w_zeros) == 0.0, "D4 wording: no weight is exactly zero -- the parameters are not sparse"
assert max(w_small) < 0.05, "D4 wording: hardly any weight is even near zero"

# %% [markdown]
# The activations are sparse: {glue:text}`sat_sp_init:.0%` exact zeros at initialisation (median) and
# {glue:text}`sat_sp_trained:.0%` after training (range {glue:text}`sat_sp_trained_lo:.0%` to
# {glue:text}`sat_sp_trained_hi:.0%`); in the deep MLP, {glue:text}`sat_depth_relu_zeros:.0%`. The weights are not:
# none is exactly zero, and at most {glue:text}`sat_sp_w_small:.1%` of them are below $10^{-3}$ in size. The zeros
# are in the representation, which changes with each input, not in the "parametric matrix".
#
# ## Verdicts
#
# :::{admonition} C3 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-c3
#
# One large SGD step does kill ReLU units for good: at $\eta = 10$, {glue:text}`sat_die_nn_max_med:.0%` of units
# (median) died on the whole dataset, and none of the {glue:text}`sat_die_n_relu` dead units moved in 150 further
# steps ({numref}`fig-sat-dying`). But it took steps that blow up the loss, and no unit died at $\eta \le 0.1$.
# Centred inputs resisted. Leaky ReLU keeps a gradient flowing, yet only {glue:text}`sat_die_rev_leaky:.1%` of the
# silent leaky units recovered within our budget. Deep narrow nets can also be born dead
# ({numref}`fig-sat-borndead`).
# :::
#
# :::{admonition} C8 (no saturation) · holds
# :class: verdict-holds
# :name: verdict-c8-saturation
#
# For the saturation part: ReLU′ is exactly 1 for every $z > 0$ up to $10^6$. Sigmoid′ and tanh′ are
# {glue:text}`sat_sig_d10` and {glue:text}`sat_tanh_d10` at $z = 10$ ({numref}`fig-sat-derivs`). The negative half
# does saturate (at 0); that is D4. The continuity part of C8 is judged in the differentiability chapter.
# :::
#
# :::{admonition} D1 · holds
# :class: verdict-holds
# :name: verdict-d1
#
# The maxima are {glue:text}`sat_sig_max` (sigmoid) and 1 (tanh), both at $z = 0$. ReLU′ takes only 0 and 1, with
# the value at 0 a convention ({numref}`fig-sat-derivs`). Strictly, sigmoid′ and tanh′ never reach 0; it is only
# their limit.
# :::
#
# :::{admonition} D2 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-d2
#
# Through 30 sigmoid layers the gradient fell to {glue:text}`sat_depth_sigmoid_med` (median, 10 seeds;
# {numref}`fig-sat-depth`). It stayed below 1 at every weight gain we tried, up to 8 ({numref}`fig-sat-edge`). The
# caveat is in the argument, not the result: the product also contains the weight matrices, so "derivatives
# below 1" is not by itself a proof of vanishing. (The tanh runs show weights outrunning the derivatives.)
# :::
#
# :::{admonition} D3 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-d3
#
# A saturated unit's derivative does vanish. But at Glorot initialisation only {glue:text}`sat_depth_tanh_sat:.2%`
# of tanh units are at the edge, and the mild vanishing there comes from $\tanh' < 1$ near zero. When larger weights
# put {glue:text}`sat_edge_tanh_sat3:.0%` of units at the edge, the network's gradient *explodes*
# ({glue:text}`sat_edge_tanh_grad3:,.0f` at layer 1; {numref}`fig-sat-edge`). The edge is not where tanh's vanishing
# comes from.
# :::
#
# :::{admonition} D4 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-d4
#
# ReLU passes the gradient along active paths: with He initialisation the gradient at layer 1 of 30 is
# {glue:text}`sat_depth_relu_med` of its top value ({numref}`fig-sat-depth`). Its negative half passes nothing, which
# is what makes units dead ({numref}`fig-sat-dying`). The sparsity is in the activations
# ({glue:text}`sat_sp_trained:.0%` zeros after training), not in the weights (none is zero). "Sparse parametric
# matrix" is the wrong wording.
# :::
#
# :::{admonition} D11 · holds
# :class: verdict-holds
# :name: verdict-d11
#
# Tanh loses gradient at about {glue:text}`sat_depth_tanh_rate` per layer against sigmoid's
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
# from rnnlab import mlp, saturation as sat
# rng = np.random.default_rng(0)
# params = sat.init_mlp(rng, [64] * 31 + [1], scheme="glorot", gain=4.0)
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
# others, and the unit survives. Shifted inputs behave like the non-negative case:
#
# ```python
# import numpy as np
# from rnnlab import saturation as sat
# seeds = range(8)
# sets = [sat.teacher_regression(np.random.default_rng(1000 + s), 256, 10, 32) for s in seeds]
# X = np.stack([x + 3 for x, _ in sets]); Y = np.stack([y for _, y in sets])
# p = sat.init_one_hidden(seeds, 10, 32)
# with np.errstate(all="ignore"):
#     sat.one_hidden_step(p, X, Y, act="relu", lr=10.0)
# print(np.median(sat.one_hidden_dead(p, X).mean(axis=1)))
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
# from rnnlab import saturation as sat
# for b in (0.0, 0.1, 1.0):
#     print(b, sat.born_dead(np.random.default_rng(0), depth=30, width=3, n_nets=400, bias_std=b).mean())
# ```
#
# Biases help a little at moderate depth: at depth 10 the estimate drops below its zero-bias value. They do not
# change the trend. By depth 30 the probability is close to 1 for all three bias scales, because a negative bias can
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
