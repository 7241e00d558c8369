# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. Eigenvalues
#
# A recurrent net applies the same matrix $W$ at every time step. When an error signal travels $k$ steps back
# in time, it is multiplied by (almost) the same Jacobian $k$ times. Does that repeated product vanish or explode
# because of the *entries* of $W$, because of its *eigenvalues*, or because of something else? Does ReLU's
# derivative of 1 save a plain RNN from vanishing gradients, or does it only trade vanishing for explosion? And why
# does the LSTM get away with saturating sigmoid and tanh units here, when deep CNNs moved to ReLU?
#
# :::{admonition} Claims tested in this chapter
# :class: note
#
# - **C4** ReLU "can only solve part of the gradient vanishing problem": the derivative also depends on $W$, and
#   "if Ws's max eigen value < 1, the long term dependency's gradient will be vanished" (\[Q\];
#   {ref}`claim ledger <claims-ledger>`).
# - **D8** Without an activation, an RNN multiplies by the same $W$ at every step: "elements whose absolute value
#   is less than 1 in W will rapidly change to 0", and those above 1 become infinite (\[L\];
#   {ref}`claim ledger <claims-ledger>`).
# - **D9** So RNNs suffer from vanishing and exploding gradients more than CNNs (\[L\];
#   {ref}`claim ledger <claims-ledger>`).
# - **D10** ReLUs "can have very large outputs, so they might be expected to be far more likely to explode than
#   units that have bounded values" (\[L\]; {ref}`claim ledger <claims-ledger>`).
# :::

# %% tags=["nbval-ignore-output"]
# On Colab, install the book's package first; anywhere else this cell does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "rnnlab @ git+https://github.com/rnnlab-book/why-not-relu-in-lstm"

# %%
import os
# %matplotlib inline

import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display

from rnnlab import lstm, plotting, population, stack, stats, tasks, threads, train
from rnnlab.instruments import spectral, widgets
from rnnlab.book import glue

threads.one_blas_thread()   # many small matrices: one BLAS thread is faster than several

plotting.use_book_style()
SEEDS = range(5)              # every random matrix, input sequence and model below is drawn from these seeds
ACTS = ("tanh", "sigmoid", "relu", "identity")
GAMMA = spectral.GAMMA        # sup |f'|: 1 for tanh, ReLU and identity, 1/4 for sigmoid


def sig2(x):
    """x rounded to two significant digits, for glue (stored outputs must compare exactly)."""
    return float(f"{x:.2g}")

# %% [markdown]
# ## The linear RNN: entries or eigenvalues? (D8)
#
# Without an activation, $h_t = h_{t-1} W$ (rnnlab multiplies row vectors from the right), so $h_k = h_0 W^k$ and
# the same power $W^k$ carries the error signal back in time. Claim D8 reads this elementwise, as if
# $(W^k)_{ij} = (W_{ij})^k$. It is not: the entries of $W^k$ mix all the entries of $W$. What controls the
# power is the spectrum. With $\rho(W)$ the spectral radius (largest $|\lambda|$) and $\sigma_{\max}(W)$ the largest
# singular value,
#
# $$
# \rho(W)^k \;\le\; \lVert W^k \rVert_2 \;\le\; \sigma_{\max}(W)^k, \qquad \lim_{k\to\infty} \lVert W^k\rVert_2^{1/k} = \rho(W).
# $$
#
# So $\rho(W) > 1$ guarantees explosion, $\sigma_{\max}(W) < 1$ guarantees vanishing, and in the long run the
# per-step factor is $\rho(W)$. Three small counterexamples to the elementwise reading:
#
# - $A$: a $10\times 10$ matrix with every entry $0.2$. Each entry is below 1, but $\rho(A) = 10 \cdot 0.2 = 2$.
# - $B$: a $2\times 2$ matrix whose entries all exceed 1 in absolute value, built as $0.5 I + N$ with $N$ nilpotent
#   ($N^2 = 0$), so both eigenvalues are $0.5$.
# - $N$ itself: entries $\pm 2$, yet $N^2 = 0$ exactly.

# %%
A = np.full((10, 10), 0.2)
N = np.array([[2.0, 2.0], [-2.0, -2.0]])
B = 0.5 * np.eye(2) + N
K = 50
examples = {"A": A, "B": B, "N": N}
for name, M in examples.items():
    pn = spectral.power_norms(M, K)                       # (K+1,) ||M^k||_2
    print(f"{name}: max|entry| = {np.abs(M).max():.1f}, min|entry| = {np.abs(M).min():.1f}, "
          f"rho = {spectral.spectral_radius(M):.2f}, sigma_max = {spectral.sigma_max(M):.2f}, "
          f"||M^{K}|| = {pn[K]:.3g}, peak over k = {pn.max():.3g}")
pnA, pnB, pnN = (spectral.power_norms(M, K) for M in (A, B, N))
glue("eig_A_rho", float(round(spectral.spectral_radius(A), 2)), display=False)
glue("eig_A_logpow", sig2(pnA[K]), display=False)
glue("eig_B_minentry", float(np.abs(B).min()), display=False)
glue("eig_B_rho", float(round(spectral.spectral_radius(B), 2)), display=False)
glue("eig_B_logpow", sig2(pnB[K]), display=False)
glue("eig_B_peak", float(round(pnB.max(), 1)), display=False)
glue("eig_ex1_norm", float(round(spectral.sigma_max(np.outer([5.0, 5.0, 5.0], [1.0, 1.0, -2.0])), 2)), display=False)  # exercise 1
glue("eig_sigmoid3", float(round(1 / (1 + np.exp(-3.0)), 3)), display=False)                                          # exercise 4

# %%
assert np.abs(A).max() < 1 and pnA[K] > 1e10, "D8 counterexample: entries all below 1, yet the powers explode"
assert np.abs(B).min() > 1 and pnB[K] < 1e-10, "D8 counterexample: entries all above 1, yet the powers vanish"
assert np.abs(N).min() > 1 and pnN[2] == 0.0, "a matrix with entries of size 2 whose square is exactly 0"

# %% [markdown]
# Every entry of $A$ is $0.2$, yet $\lVert A^{50}\rVert_2 =$ {glue:text}`eig_A_logpow:.1e`, because
# $\rho(A) =$ {glue:text}`eig_A_rho`. Every entry of $B$ is at least {glue:text}`eig_B_minentry` in absolute value,
# yet $\lVert B^{50}\rVert_2 =$ {glue:text}`eig_B_logpow:.1e`,
# because $\rho(B) =$ {glue:text}`eig_B_rho`. $B$ is not harmless at first: $\lVert B^k\rVert$ reaches
# {glue:text}`eig_B_peak` and stays above 1 for several steps before it decays, because $\sigma_{\max}(B)$ is far
# above $\rho(B)$ (the matrix is far from normal).
#
# Three hand-made matrices could be special. So draw 300 random matrices of sizes 2 to 32 with random scales, and
# ask which rule predicts whether $\lVert W^{100}\rVert_2$ ends above or below 1: "largest entry above 1" (the reading of
# D8), "$\sigma_{\max} > 1$", or "$\rho > 1$".

# %%
rng = np.random.default_rng(0)
mats = []
for _ in range(300):
    n = int(rng.choice([2, 4, 8, 16, 32]))
    mats.append(rng.uniform(0.3, 2.0) * rng.standard_normal((n, n)) / np.sqrt(n))   # (n, n)
sizes = np.array([W.shape[0] for W in mats])
entry, rho, smax, p100 = (np.empty(300) for _ in range(4))
for n in np.unique(sizes):                                  # one stacked call per size
    idx = np.where(sizes == n)[0]
    Ws = np.stack([mats[i] for i in idx])                   # (m, n, n)
    entry[idx], rho[idx], smax[idx] = np.abs(Ws).max(axis=(1, 2)), spectral.spectral_radius(Ws), spectral.sigma_max(Ws)
    p100[idx] = spectral.power_norms(Ws, 100)[-1]
grows = p100 > 1
agree = {"largest entry > 1": np.mean(grows == (entry > 1)), "sigma_max > 1": np.mean(grows == (smax > 1)),
         "rho > 1": np.mean(grows == (rho > 1))}
for rule, frac in agree.items():
    print(f"rule '{rule}' predicts growth vs decay of ||W^100|| for {frac:.1%} of 300 matrices")
rate = p100 ** (1 / 100)                                   # per-step factor over 100 steps
print(f"per-step factor ||W^100||^(1/100) / rho: median {np.median(rate / rho):.3f}, range [{(rate / rho).min():.3f}, {(rate / rho).max():.3f}]")
glue("eig_agree_entry", float(round(agree["largest entry > 1"], 3)), display=False)
glue("eig_agree_sigma", float(round(agree["sigma_max > 1"], 3)), display=False)
glue("eig_agree_rho", float(round(agree["rho > 1"], 3)), display=False)
glue("eig_rate_over_rho_max", float(round((rate / rho).max(), 3)), display=False)

# %% mystnb={"figure": {"caption": "300 random matrices. Left: the per-step growth factor of the power W^k against the largest entry of W; the entry size does not separate growth from decay. Right: the same factor against the spectral radius; the points lie on the diagonal.", "name": "fig-eig-entries-vs-radius"}, "image": {"alt": "Two scatter plots. Against the largest entry the points spread widely on both sides of 1; against the spectral radius they fall on the line y = x."}}
fig, axes = plt.subplots(1, 2, figsize=(7.5, 3.2), sharey=True)
for ax, x, label in zip(axes, (entry, rho), ("largest |entry| of W", "spectral radius rho(W)")):
    ax.scatter(x[grows], rate[grows], s=10, color=plotting.color("relu"), label="||W^100|| > 1")
    ax.scatter(x[~grows], rate[~grows], s=10, color=plotting.color("tanh"), label="||W^100|| < 1")
    ax.axvline(1, color="k", lw=0.8, ls="--")
    ax.axhline(1, color="k", lw=0.8, ls="--")
    ax.set_xlabel(label)
axes[0].set_ylabel("per-step factor ||W^100||^(1/100)")
axes[0].legend(loc="upper left")
plt.show()

# %%
assert agree["rho > 1"] == 1.0, "the spectral radius decides growth vs decay of W^k for every matrix drawn"
assert agree["largest entry > 1"] < 0.9, "the size of the entries fails to predict growth for many matrices"
assert (rate / rho).max() < 1.1 and (rate / rho).min() >= 1.0 - 1e-9, "||W^k||^(1/k) approaches rho(W) from above"

# %% [markdown]
# The elementwise rule gets {glue:text}`eig_agree_entry:.0%` of the matrices right, the largest singular value
# {glue:text}`eig_agree_sigma:.0%`, and the spectral radius {glue:text}`eig_agree_rho:.0%`. Over 100 steps the
# per-step factor $\lVert W^{100}\rVert^{1/100}$ is within a factor {glue:text}`eig_rate_over_rho_max` of $\rho(W)$
# for every matrix. The singular value is still useful: it is the one that gives a *guarantee at every $k$*, which
# is what the nonlinear case below needs.
#
# ## The same W at every step, or a fresh W per layer? (D9)
#
# A deep feedforward net (a CNN, say) also multiplies its backward signal by one Jacobian per layer. What is
# special about the recurrent net is that the matrices are *tied*: $W^k$ instead of $W_k \cdots W_1$. To isolate
# that one difference, compare linear chains of $K = 50$ steps and width 32, with entries $\mathcal N(0, g^2/32)$:
# one matrix reused at every step (an RNN) against a fresh draw at every step (a feedforward net), 20 seeds each.

# %% tags=["nbval-ignore-output"]
width, depth, n_chain = 32, 50, 20
chain = {}
for g in (0.9, 1.0, 1.1):
    Ws = g * np.random.default_rng(1).standard_normal((depth, n_chain, width, width)) / np.sqrt(width)  # (K, S, n, n)
    chain[g] = {"shared": spectral.power_norms(Ws[0], depth),      # (K+1, S): the same W_1 every step
                "fresh": spectral.product_norms(Ws)}               # (K+1, S): W_1 W_2 ... W_k
    for kind, pn in chain[g].items():
        f = pn[-1] ** (1 / depth)
        print(f"g = {g}: {kind:6s} W, per-step factor median {np.median(f):.3f}, range [{f.min():.3f}, {f.max():.3f}]; "
              f"log10 ||product|| range [{np.log10(pn[-1]).min():.1f}, {np.log10(pn[-1]).max():.1f}]")
spread_ratio = {g: np.ptp(np.log(c["shared"][-1])) / np.ptp(np.log(c["fresh"][-1])) for g, c in chain.items()}
glue("eig_d9_spread_ratio_min", float(round(min(spread_ratio.values()), 1)), display=False)
for kind in ("shared", "fresh"):
    f = chain[1.0][kind][-1] ** (1 / depth)
    glue(f"eig_d9_{kind}_med", float(round(np.median(f), 3)), display=False)
    glue(f"eig_d9_{kind}_lo", float(round(f.min(), 3)), display=False)
    glue(f"eig_d9_{kind}_hi", float(round(f.max(), 3)), display=False)
d9_rate_test = stats.compare_medians(chain[1.0]["shared"][-1] ** (1 / depth), chain[1.0]["fresh"][-1] ** (1 / depth),
                                     np.random.default_rng(11))
print(f"g = 1.0: median per-step factor, tied vs fresh: permutation test {stats.fmt_p(d9_rate_test.p)}")
glue("eig_d9_rate_p", stats.fmt_p(d9_rate_test.p), display=False)
glue("eig_d9_rate_word", ("higher" if np.median(chain[1.0]["shared"][-1]) > np.median(chain[1.0]["fresh"][-1])
                          else "lower") if d9_rate_test.significant else "not detectably different", display=False)

# %% mystnb={"figure": {"caption": "Norm of a product of 50 random 32 x 32 matrices with entry scale g = 1: the same matrix at every step (tied, as in an RNN) against a fresh matrix per step (as in a feedforward net). Line: median over 20 seeds; band: min to max.", "name": "fig-eig-shared-vs-fresh"}, "image": {"alt": "Two bands of log-norm against depth. The band for the shared matrix fans out much wider, both up and down, than the band for fresh matrices."}}
fig, ax = plt.subplots(figsize=(5.5, 3.2))
for kind, label in (("shared", "same W every step (RNN)"), ("fresh", "fresh W per step (feedforward)")):
    plotting.spread(ax, np.arange(depth + 1), chain[1.0][kind].T, name=kind, label=label, log=True)
ax.set_xlabel("number of steps k")
ax.set_ylabel("||product of k matrices||")
ax.legend()
plt.show()

# %%
assert min(spread_ratio.values()) > 2, "a tied W spreads the fates of the runs wider than fresh W per layer"

# %% [markdown]
# At $g = 1$ the median per-step factor is {glue:text}`eig_d9_shared_med` for the tied matrix and
# {glue:text}`eig_d9_fresh_med` for fresh ones. Both are set mainly by the scale $g$; the tied one is
# {glue:text}`eig_d9_rate_word` (permutation test on the medians, {glue:text}`eig_d9_rate_p`). We attribute that to
# the spectral radius of a $32\times 32$ Gaussian matrix, which tends to sit a little above $g$; other widths were
# not tested. The larger difference is in
# the spread. Fresh matrices average their luck over the layers (range {glue:text}`eig_d9_fresh_lo` to
# {glue:text}`eig_d9_fresh_hi`). A tied matrix cannot: one draw of $W$ fixes the factor for every step (range
# {glue:text}`eig_d9_shared_lo` to {glue:text}`eig_d9_shared_hi`), and the spread of the final log-norm is at least
# {glue:text}`eig_d9_spread_ratio_min` times wider (the smallest ratio over the three scales $g$). So what this
# experiment shows is a wider *spread* of fates for tied weights, not a faster typical rate: more individual RNNs
# land far out in either tail. Two further reasons often given for D9 are arguments, not measured here: an RNN's
# depth is the sequence length (hundreds of steps, against tens of layers), and training moves the eigenvalues of
# its one shared $W$.
#
# ## The nonlinear RNN: the activation joins W (C4, D10)
#
# With $h_t = f(z_t)$ and $z_t = x_t W_x + h_{t-1} W_h + b$, one step back multiplies by the Jacobian
#
# $$
# \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}\!\big(f'(z_t)\big)\, W_h^\top,
# \qquad
# \Big\lVert \frac{\partial h_T}{\partial h_{T-k}} \Big\rVert_2 \le \big(\gamma\, \sigma_{\max}(W_h)\big)^k,
# \quad \gamma = \sup |f'|.
# $$
#
# So $\sigma_{\max} < 1/\gamma$ is *sufficient* for the long-range gradient to vanish
# {cite:p}`pascanu2013difficulty`. The difficulty itself was first analysed by {cite:t}`hochreiter1991untersuchungen`
# in his diploma thesis, and then by {cite:t}`bengio1994learning`: $1/\gamma = 1$ for tanh, ReLU and the identity, and $4$ for the sigmoid. It is
# not necessary: the derivative factors can make things vanish well above the threshold.
#
# We measure $\lVert \partial h_T / \partial h_{T-k} \rVert_2$ without writing any derivative here:
# `spectral.jacobian_norms` runs `rnn.forward`, then `rnn.backward(..., return_trace=True)` with a unit vector
# injected at the last step for each of the $H$ output directions, which returns full Jacobian rows for every
# step. Each model is an RNN with $H = 32$, four inputs $x_t \sim \mathcal N(0, 1)$, and a Gaussian $W_h$ rescaled so that
# $\sigma_{\max}(W_h)$ takes eleven values from 0.25 to 8; {glue:text}`eig_n_seeds` seeds per value, $T = 60$ steps.

# %% tags=["nbval-ignore-output"]
T_SWEEP, H = 60, 32
sigmas = 2.0 ** np.arange(-2, 3.25, 0.5)                            # 0.25 ... 8; exactly 1 and 4 among them
sweep = {a: spectral.rnn_sweep(a, sigmas, T_SWEEP, by="sigma", hidden_size=H, seeds=SEEDS) for a in ACTS}
logn = {a: np.log10(sweep[a]["h"]) for a in ACTS}                    # (T, R, S), lag on axis 0
k = np.arange(T_SWEEP)
glue("eig_n_seeds", len(SEEDS), display=False)
rho_over_sigma = sweep["tanh"]["radius"] / sweep["tanh"]["sigma"]
glue("eig_rho_over_sigma", float(round(np.median(rho_over_sigma), 2)), display=False)
print("median log10 ||dh_T/dh_{T-59}|| over seeds, by sigma_max:")
print("sigma_max ", " ".join(f"{s:6.2f}" for s in sigmas))
for a in ACTS:
    print(f"{a:9s} ", " ".join(f"{v:6.1f}" for v in np.median(logn[a][-1], axis=-1)))

# %% mystnb={"figure": {"caption": "Gradient norm against lag for RNNs with four activations, as the largest singular value of W_h is swept from 0.25 to 8 (median of the log10 norm over 5 seeds). Dashed: sigma_max = 1/gamma, below which vanishing is guaranteed. Colours are clipped at 1e-20 and 1e20.", "name": "fig-eig-heatmap"}, "image": {"alt": "Four heat maps, lag on the x axis and sigma_max on a log y axis. Below the dashed line every map turns dark (vanishing) with lag; above it, identity and ReLU turn bright (exploding), tanh only at the top rows, and sigmoid stays dark everywhere."}}
fig, axes = plt.subplots(1, 4, figsize=(9, 3.0), sharey=True)
for ax, a in zip(axes, ACTS):
    im = ax.pcolormesh(k, sigmas, np.median(logn[a], axis=-1).T, vmin=-20, vmax=20, cmap="RdBu_r", shading="nearest")
    ax.axhline(1 / GAMMA[a], color="k", ls="--", lw=1)
    ax.set_yscale("log")
    ax.set_title(a, color=plotting.color(a))
    ax.set_xlabel("lag k")
    ax.grid(False)
axes[0].set_ylabel("sigma_max(W_h)")
fig.colorbar(im, ax=axes, label="log10 ||dh_T/dh_{T-k}||", shrink=0.9)
plt.show()

# %% tags=["nbval-ignore-output"]
for a in ACTS:
    below = sigmas < 1 / GAMMA[a]
    bound = (GAMMA[a] * sweep[a]["sigma"][below])[None] ** k[:, None, None]   # (T, R_below, S)
    # a check of our code, not evidence: the bound is a theorem, so a violation would mean a bug in the Jacobians
    assert np.all(sweep[a]["h"][:, below] <= bound * (1 + 1e-9)), f"{a}: code check: the Pascanu bound (gamma sigma)^k holds"
    assert np.all(sweep[a]["h"][-1, below] < 1e-6), f"{a}: below sigma_max = 1/gamma the lag-59 gradient has vanished"
    above = sweep[a]["h"][-1] > 1                                        # (R, S) runs whose gradient grew
    assert np.all(sigmas[above.any(axis=1)] > 1 / GAMMA[a]), f"{a}: growth needs sigma_max > 1/gamma"


def first_explosion(a):
    """Smallest sigma_max at which the median lag-59 gradient norm exceeds 1 (inf if none)."""
    med = np.median(sweep[a]["h"][-1], axis=-1)
    return float(sigmas[med > 1].min()) if np.any(med > 1) else float("inf")


explode_at = {a: first_explosion(a) for a in ACTS}
print("smallest sigma_max with an exploding median gradient:", {a: round(v, 2) for a, v in explode_at.items()})
for a in ("tanh", "relu", "identity"):
    glue(f"eig_explode_{a}", round(explode_at[a], 2), display=False)
glue("eig_sigmoid_worst", sig2(10 ** np.median(logn["sigmoid"][-1, -1])), display=False)
glue("eig_sig_max", float(sigmas.max()), display=False)

# %% [markdown]
# Below $\sigma_{\max} = 1/\gamma$ every run decays at least as fast as $(\gamma\sigma_{\max})^k$. That first assert is a
# *check of our code*, not evidence about RNNs: the bound is a theorem, and a run that broke it would reveal a bug in
# the measured Jacobians. The evidence is what the theorem leaves open: how fast the gradient actually vanishes
# below the threshold (it has vanished by lag 59 for all four activations), and where above it growth starts. Above it, the story depends on the activation. The linear net's gradient
# explodes from $\sigma_{\max} =$ {glue:text}`eig_explode_identity` on (its $\rho$ is about
# {glue:text}`eig_rho_over_sigma` of $\sigma_{\max}$ for these Gaussian matrices), ReLU's from
# {glue:text}`eig_explode_relu`, tanh's only from {glue:text}`eig_explode_tanh`, and the sigmoid net's never in this
# range: even at $\sigma_{\max} =$ {glue:text}`eig_sig_max` its median lag-59 norm is
# {glue:text}`eig_sigmoid_worst:.1e`.
#
# So ReLU does not escape the dependence on $W$ (C4): with $\gamma = 1$ its gradient must vanish when
# $\sigma_{\max}(W) < 1$, and it explodes when $W$ is large enough. Its constant derivative removes the *extra* decay that tanh and sigmoid add, nothing more.
#
# ### Does ρ(W) < 1 make ReLU's gradient vanish? (C4)
#
# Claim C4 puts the threshold on the largest *eigenvalue*. For ReLU, rescale the same Gaussian matrices to a given
# spectral radius instead, seven values from 0.5 to 3, with 8 seeds and $T = 100$.

# %% tags=["nbval-ignore-output"]
radii = np.array([0.5, 0.9, 0.99, 1.1, 1.5, 2.0, 3.0])
relu_rho = spectral.rnn_sweep("relu", radii, 100, by="radius", hidden_size=H, seeds=range(8))
tanh_rho = spectral.rnn_sweep("tanh", radii, 100, by="radius", hidden_size=H, seeds=range(8))
for name, sw in (("relu", relu_rho), ("tanh", tanh_rho)):
    last, peak = np.log10(sw["h"][-1]), np.log10(sw["h"].max(axis=0))            # (R, S)
    maxh = np.log10(np.abs(sw["hs"]).max(axis=(0, -1)))                          # (R, S) largest |h_t|
    for i, r in enumerate(radii):
        print(f"{name} rho = {r:4.2f}: log10 ||dh_T/dh_(T-99)|| median {np.median(last[i]):6.1f} "
              f"[{last[i].min():6.1f}, {last[i].max():6.1f}]; log10 max|h| median {np.median(maxh[i]):5.1f}")
relu_last = relu_rho["h"][-1]                                                     # (R, S)
sub1 = radii < 1
glue("eig_relu_rho_sub1_worst", sig2(relu_last[sub1].max()), display=False)
glue("eig_relu_peak_sub1", float(round(relu_rho["h"][:, sub1].max(), 1)), display=False)
glue("eig_relu_sigma_sub1", float(round(relu_rho["sigma"][sub1].max(), 2)), display=False)
glue("eig_relu_rho11_frac", float(round(np.mean(relu_last[radii == 1.1] > 1), 2)), display=False)
glue("eig_relu_rho15_frac", float(round(np.mean(relu_last[radii == 1.5] > 1), 2)), display=False)

# %%
assert np.all(relu_last[sub1] < 1e-2), "C4: with rho(W) < 1 the ReLU RNN's 100-step gradient vanished in every run"
assert relu_rho["h"][:, sub1].max() > 1, "but at short lags the gradient can first grow, since sigma_max > 1"

# %% [markdown]
# With $\rho(W) < 1$ the ReLU net's 100-step gradient vanished in every run (the largest is
# {glue:text}`eig_relu_rho_sub1_worst:.1e`), so C4's statement holds for these matrices. Two caveats.
# First, it is not the guarantee: these matrices have $\sigma_{\max}$ up to {glue:text}`eig_relu_sigma_sub1`, and
# on the way the gradient norm rose as high as {glue:text}`eig_relu_peak_sub1` before it decayed. Second, the
# converse fails: $\rho(W) > 1$ does not by itself make a ReLU gradient explode, because the units that are off cut the product.
# At $\rho = 1.1$ a fraction {glue:text}`eig_relu_rho11_frac` of the runs had a lag-99 norm above 1, at $\rho = 1.5$ a
# fraction {glue:text}`eig_relu_rho15_frac`.
#
# ### ReLU's forward explosion (D10)
#
# The backward pass is only half of D10's worry. In the forward pass a tanh state is bounded by 1 whatever $W$
# does; a ReLU state is not. Below, the largest $|h_t|$ over units, along time, for the same runs.

# %% mystnb={"figure": {"caption": "Forward pass: the largest |h_t| over units against time t, for ReLU (vermillion) and tanh (blue) RNNs whose W_h has spectral radius 0.9, 1.5 or 3. Line: median over 8 seeds; band: min to max.", "name": "fig-eig-relu-forward"}, "image": {"alt": "Three panels on a log scale. At the smallest spectral radius both activations stay small. At 1.5 the ReLU band widens: some runs climb to huge values, others stay small. At 3 every ReLU run climbs exponentially, while tanh stays at or below 1 in every panel."}}
fig, axes = plt.subplots(1, 3, figsize=(9, 3.0), sharey=True)
steps = np.arange(1, 101)
for ax, r in zip(axes, (0.9, 1.5, 3.0)):
    i = int(np.where(radii == r)[0][0])
    for name, sw in (("relu", relu_rho), ("tanh", tanh_rho)):
        plotting.spread(ax, steps, np.abs(sw["hs"][:, i]).max(axis=-1).T, name=name, log=True)
    ax.set_title(f"rho(W_h) = {r}")
    ax.set_xlabel("time step t")
axes[0].set_ylabel("max |h_t|")
axes[0].legend()
plt.show()

# %% tags=["nbval-ignore-output"]
maxh_relu = np.abs(relu_rho["hs"]).max(axis=(0, -1))        # (R, S) largest |h_t| of each run
maxh_tanh = np.abs(tanh_rho["hs"]).max(axis=(0, -1))
blown = (maxh_relu > 1e3).mean(axis=1)                     # (R,) fraction of ReLU runs whose state passed 1000
for r, fb in zip(radii, blown):
    print(f"rho = {r:4.2f}: ReLU runs with max|h| > 1000: {fb:.3f}; tanh max|h| <= {maxh_tanh[radii == r].max():.3f}")
assert np.all(maxh_tanh <= 1), "tanh's state is bounded by 1 whatever W is"
assert blown[radii < 1].max() == 0, "with rho(W) < 1 no ReLU state passed 1000"
assert blown[radii == 3.0][0] == 1.0 and 0 < blown[radii == 1.5][0] < 1, \
    "D10: ReLU states explode in the forward pass for some runs at rho = 1.5 and all at rho = 3"
for r in (1.5, 2.0, 3.0):
    glue(f"eig_blown_{int(10 * r)}", float(round(blown[radii == r][0], 3)), display=False)
glue("eig_maxh_relu30", sig2(np.median(maxh_relu[radii == 3.0])), display=False)
glue("eig_maxh_relu09", float(round(np.median(maxh_relu[radii == 0.9]), 1)), display=False)
d10_grad = {a: np.median(np.log10(sweep[a]["h"][-1]), axis=-1) for a in ("relu", "tanh")}   # (R,)
glue("eig_d10_relu_top", sig2(10 ** d10_grad["relu"][-1]), display=False)
glue("eig_d10_tanh_top", sig2(10 ** d10_grad["tanh"][-1]), display=False)
assert explode_at["relu"] < explode_at["tanh"] < np.inf, "ReLU's gradient explodes at a smaller W than tanh's; tanh's does too"

# %% [markdown]
# Tanh's state never leaves $[-1, 1]$. A ReLU state can grow without bound, but $\rho(W) > 1$ is not enough to make
# it do so, because units that are off remove their part of $W$ from the dynamics. The fraction of ReLU runs whose
# state passed 1000 was {glue:text}`eig_blown_15` at $\rho = 1.5$, {glue:text}`eig_blown_20` at $\rho = 2$ and
# {glue:text}`eig_blown_30` at $\rho = 3$ (median largest $|h|$ {glue:text}`eig_maxh_relu30:.1e`); at $\rho = 0.9$ the
# median largest $|h|$ was {glue:text}`eig_maxh_relu09`. In the backward pass ReLU's gradient also explodes at a
# smaller $W$ than tanh's (from $\sigma_{\max} =$ {glue:text}`eig_explode_relu` against
# {glue:text}`eig_explode_tanh`), and at $\sigma_{\max} =$ {glue:text}`eig_sig_max` the lag-59 norms are
# {glue:text}`eig_d10_relu_top:.1e` against {glue:text}`eig_d10_tanh_top:.1e`. Bounded outputs are no shield for the
# gradient, though: tanh's gradient explodes too once $W$ is large enough.
#
# ## Cures for the plain RNN
#
# ### Identity and orthogonal initialisation
#
# For ReLU, $\gamma = 1$, so the bound says: keep $\sigma_{\max}(W_h) = 1$ and the gradient can never explode. Two
# initialisations do exactly that. The IRNN sets $W_h = I$ {cite:p}`le2015irnn`; orthogonal initialisation sets
# $W_h = Q$ with $Q^\top Q = I$ {cite:p}`saxe2014exact`. Both have every singular value equal to 1. A Gaussian
# matrix scaled to the same spectral radius 1 has a larger $\sigma_{\max}$ (median {glue:text}`eig_gauss_sigma` here). Same ReLU RNN, $T = 100$, 8 seeds:

# %% tags=["nbval-ignore-output"]
inits = {w: spectral.rnn_sweep("relu", [1.0], 100, by="radius", W_h_init=w, hidden_size=H, seeds=range(8))
         for w in ("identity", "orthogonal", "gaussian")}
cure = {}
for w, sw in inits.items():
    J = sw["h"][:, 0]                                         # (T, S)
    cure[w] = {"last": J[-1], "peak": J.max(axis=0), "maxh": np.abs(sw["hs"][:, 0]).max(axis=(0, -1))}
    print(f"{w:10s}: sigma_max = {sw['sigma'].max():.2f}; ||dh_T/dh_(T-99)|| median {np.median(J[-1]):.2g} "
          f"[{J[-1].min():.2g}, {J[-1].max():.2g}], largest at any lag {J.max():.3g}; max|h| median {np.median(cure[w]['maxh']):.1f}")
for w in cure:
    glue(f"eig_cure_{w}_last", sig2(np.median(cure[w]["last"])), display=False)
glue("eig_gauss_sigma", float(round(np.median(inits["gaussian"]["sigma"]), 2)), display=False)
glue("eig_cure_gauss_peak", float(round(np.median(cure["gaussian"]["peak"]), 1)), display=False)

# %%
for w in ("identity", "orthogonal"):
    assert np.all(cure[w]["peak"] <= 1 + 1e-9), f"{w} init: sigma_max = 1, so the ReLU gradient never grows"
assert np.median(cure["identity"]["last"]) > 100 * np.median(cure["gaussian"]["last"]), \
    "the IRNN keeps far more of the 100-step gradient than a Gaussian W with the same spectral radius"

# %% [markdown]
# With $W_h = I$ the 100-step Jacobian norm has median {glue:text}`eig_cure_identity_last`: a ReLU unit that stays
# on passes the error back unchanged, so the IRNN sits at the edge of stability. The orthogonal start never
# explodes either (median {glue:text}`eig_cure_orthogonal_last`), but the rotation mixes active and inactive units,
# so the ReLU masks still erode the signal. The Gaussian matrix with the same spectral radius gives
# {glue:text}`eig_cure_gaussian_last`, after a transient rise to a median peak of {glue:text}`eig_cure_gauss_peak`.
# The edge of stability is a statement about singular values, not only about the spectral radius.
#
# ### Clipping by global norm
#
# Pascanu et al. rescale the whole gradient when its norm passes a threshold $\tau$:
# $g \leftarrow \tau g / \lVert g\rVert$ if $\lVert g\rVert \ge \tau$ {cite:p}`pascanu2013difficulty`. Train the
# IRNN (ReLU, $W_h = I$) on the adding problem ($T = 50$) with plain SGD (learning rate 0.01) for
# {glue:text}`eig_clip_steps` steps of 32 sequences, with and without clipping at $\tau = 1$. There are
# {glue:text}`eig_clip_n` independent seeds per arm (each its own initialisation and its own minibatch stream), and the
# book's one divergence rule applies: inf, NaN, or a loss above $10^4$ times the baseline. (This demo runs in float64:
# in float32 the unclipped runs' gradients overflow to inf within a step, and we want the rule, not an overflow, to
# record the divergence.) The baseline is the
# constant prediction 1, with MSE $1/6$ {cite:p}`arjovsky2016unitary`; a run that ends near it has learned nothing.

# %% tags=["nbval-ignore-output"]
task = tasks.AddingTask(50)
irnn = stack.ModelSpec(cell="rnn", act="relu", hidden_size=32, W_h_init="identity", dtype="float64")
CLIP_SEEDS, CLIP_STEPS = range(20), 400
n_clip = len(CLIP_SEEDS)
clip_runs = {}
for clip in (None, "norm"):
    cfg = train.TrainConfig(steps=CLIP_STEPS, batch_size=32, lr=0.01, optimizer="sgd", clip=clip, clip_threshold=1.0)
    params = stack.init_population(irnn, CLIP_SEEDS)
    _, clip_runs[clip] = train.train(params, irnn, task, cfg, population.data_rngs(CLIP_SEEDS))
div = {clip: int(h.diverged.sum()) for clip, h in clip_runs.items()}
div_test = stats.compare_rates(div[None], n_clip, div["norm"], n_clip)
fl_clip = train.final_loss(clip_runs["norm"], window=50)                 # (S,) NaN for a diverged run
fl_ok = fl_clip[~np.isnan(fl_clip)]
fl_lo, fl_hi = stats.median_ci(fl_ok, np.random.default_rng(7))
learned = int(np.sum(fl_ok < task.baseline / 2))
for clip, h in clip_runs.items():
    print(f"clip={clip!s:5s}: diverged {stats.fmt_rate(div[clip], n_clip)}, first divergence at step "
          f"{min((d for d in h.diverged_at if d is not None), default=None)}; "
          f"median gradient norm at step 0 {np.median(h.grad_norm[0]):.2g}")
print(f"Fisher test, diverged without vs with clipping: p = {div_test.p:.2g}")
print(f"clipped runs: final loss (median of the last 50 steps) median {np.median(fl_ok):.3f}, "
      f"95% CI [{fl_lo:.3f}, {fl_hi:.3f}], range [{fl_ok.min():.3f}, {fl_ok.max():.3f}]; baseline {task.baseline:.3f}; "
      f"below half the baseline: {learned}/{fl_ok.size}")
glue("eig_clip_steps", CLIP_STEPS, display=False)
glue("eig_clip_n", n_clip, display=False)
glue("eig_clip_none_div", stats.fmt_rate(div[None], n_clip), display=False)
glue("eig_clip_norm_div", stats.fmt_rate(div["norm"], n_clip), display=False)
glue("eig_clip_p", stats.fmt_p(div_test.p), display=False)
glue("eig_clip_gn0", sig2(np.median(clip_runs[None].grad_norm[0])), display=False)
glue("eig_clip_loss_med", float(round(np.median(fl_ok), 3)), display=False)
glue("eig_clip_loss_lo", float(round(fl_lo, 3)), display=False)
glue("eig_clip_loss_hi", float(round(fl_hi, 3)), display=False)
glue("eig_clip_learned", f"{learned} of {fl_ok.size}", display=False)
glue("eig_clip_vs_base", "above" if fl_lo > task.baseline else ("below" if fl_hi < task.baseline else "not distinguishable from"),
     display=False)
glue("eig_clip_first_div", max(d for d in clip_runs[None].diverged_at + [0] if d is not None), display=False)
glue("eig_clip_frac", float(round(np.nanmean(clip_runs["norm"].grad_norm > 1.0), 2)), display=False)
glue("eig_tanh_half", sig2(10 ** np.median(logn["tanh"][-1, sigmas == 0.5])), display=False)

# %%
assert div_test.significant and div[None] > div["norm"], "clipping by global norm prevents the divergence"
assert learned == 0 and np.median(fl_ok) > 0.8 * task.baseline, \
    "but in this budget the clipped IRNN does not learn the task: no run ends below half the baseline"

# %% [markdown]
# Without clipping {glue:text}`eig_clip_none_div` of the runs diverged, all by step {glue:text}`eig_clip_first_div`
# (the median gradient norm at step 0 was {glue:text}`eig_clip_gn0:.0f`); with clipping {glue:text}`eig_clip_norm_div` did (Fisher
# {glue:text}`eig_clip_p`). So clipping does what it is for: it stops the explosion from destroying the run. It does
# not make the run learn. The clipped runs ended at a median loss of {glue:text}`eig_clip_loss_med` (95 % CI
# {glue:text}`eig_clip_loss_lo` to {glue:text}`eig_clip_loss_hi`), {glue:text}`eig_clip_vs_base` the baseline
# $1/6$ of a net that always predicts 1, and {glue:text}`eig_clip_learned` ended below half the
# baseline. Clipping was active on a fraction {glue:text}`eig_clip_frac` of the steps, so the update was in effect
# normalised gradient descent with steps of length $\eta\tau = 0.01$: the explosion was turned into a crawl, not into
# learning. Whether a clipped IRNN learns with more steps or another optimiser is chapter 8's question.
#
# Clipping cannot cure vanishing, and no experiment is needed to see why: it multiplies the whole gradient by
# $\min(1, \tau/\lVert g\rVert) \le 1$. The part that comes from long lags keeps its (tiny) share of the total, and the
# total can only shrink. In the sweep above, at $\sigma_{\max} = 0.5$ the tanh net's lag-59 Jacobian is
# {glue:text}`eig_tanh_half:.1e` of the lag-0 one; no rescaling of the sum changes that ratio.

# %% [markdown]
# ## How the LSTM escapes
#
# The LSTM's cell state is updated additively, $c_t = f_t \odot c_{t-1} + i_t \odot g_t$, so along the cell path
# alone
#
# $$
# \frac{\partial c_t}{\partial c_{t-1}}\Big|_{\text{direct}} = \operatorname{diag}(f_t),
# \qquad
# \frac{\partial c_T}{\partial c_{T-k}}\Big|_{\text{direct}} = \operatorname{diag}\Big(\prod_{s=T-k+1}^{T} f_s\Big).
# $$
#
# No $W$ and no activation derivative appear. In the original LSTM there was no forget gate, $f_t \equiv 1$, and
# this factor is exactly 1 at every lag: the constant error carousel {cite:p}`hochreiter1997lstm`. With a forget
# gate, the decay per step is set by the gate, which the net controls unit by unit and step by step through one bias.
# The full derivative also has paths that leave the cell through $h$ and come back through $W_h$; we measure it
# with `lstm.backward(..., return_trace=True)`, which returns $\partial L/\partial h_t$ and $\partial L/\partial c_t$
# for every $t$.
#
# The comparison: LSTMs with $H = 32$ and forget-gate bias 0, bias 1 (rnnlab's default), and no forget gate (the 1997
# cell), against a tanh RNN with the same $H$ and an orthogonal $W_h$ ($\sigma_{\max} = 1$, so that the bound
# allows no growth and every loss comes from $\tanh'$; whether some other $W_h$ would serve tanh better is not tested here).
# Four inputs $x_t\sim\mathcal N(0,1)$, $T = 60$, 5 seeds.

# %% tags=["nbval-ignore-output"]
T_L, D_IN = 60, 4
xs_l = np.stack([np.random.default_rng(1000 + s).standard_normal((T_L, 1, D_IN)) for s in SEEDS], axis=1)  # (T, S, 1, D)
variants = {"bias 0": dict(forget_bias=0.0, forget_gate=True), "bias 1": dict(forget_bias=1.0, forget_gate=True),
            "no forget gate": dict(forget_bias=0.0, forget_gate=False)}
lstm_res = {}
for name, v in variants.items():
    members = [lstm.init(np.random.default_rng(s), D_IN, H, **v) for s in SEEDS]
    params = {key: np.stack([m[key] for m in members]) for key in members[0]}       # leading S axis
    J = spectral.jacobian_norms("lstm", params, xs_l, forget_gate=v["forget_gate"])
    forget = spectral.state_jacobians("lstm", params, xs_l, forget_gate=v["forget_gate"])["f"]
    cec = (spectral.cec_products(forget) if v["forget_gate"] else np.ones((T_L, len(SEEDS), 1, H))).max(axis=-1)
    lstm_res[name] = {"h": J["h"][..., 0], "c": J["c"][..., 0], "cec": cec[..., 0]}        # each (T, S)
rnn_ref = spectral.rnn_sweep("tanh", [1.0], T_L, by="sigma", W_h_init="orthogonal", hidden_size=H, seeds=SEEDS)
lstm_res["tanh RNN"] = {"h": rnn_ref["h"][:, 0]}
for name, r in lstm_res.items():
    parts = "; ".join(f"{p}: lag-59 median {np.median(np.log10(r[p][-1])):6.1f}, "
                      f"per-step factor {np.median(spectral.growth_rate(r[p][1:])):.3f}" for p in r)
    print(f"{name:15s} {parts}")

# %% mystnb={"figure": {"caption": "Gradient norm against lag, LSTM against a tanh RNN with the same hidden size. Left: through the cell, the full derivative of h_T with respect to c_{T-k} (solid) and the direct cell path, max over units of the product of forget gates (dashed). Right: the derivative of h_T with respect to h_{T-k}. Median over 5 seeds, band min to max.", "name": "fig-eig-lstm"}, "image": {"alt": "Two panels on a log scale. The tanh RNN's curve falls steeply. The LSTM with forget bias 0 falls too, less steeply; with bias 1 it falls slowly; without a forget gate the direct cell path stays at exactly 1 and the full derivative does not decay."}}
fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), sharey=True)
kk = np.arange(T_L)
styles = {"bias 0": plotting.OKABE_ITO["sky"], "bias 1": plotting.OKABE_ITO["green"],
          "no forget gate": plotting.OKABE_ITO["purple"]}
for name, colr in styles.items():
    r = lstm_res[name]
    for ax, part in ((axes[0], "c"), (axes[1], "h")):
        med = np.median(r[part], axis=1)
        ax.plot(kk, med, color=colr, label=f"LSTM, {name}")
        ax.fill_between(kk, r[part].min(axis=1), r[part].max(axis=1), color=colr, alpha=0.2, lw=0)
    axes[0].plot(kk, np.median(r["cec"], axis=1), color=colr, ls="--")
plotting.spread(axes[1], kk, lstm_res["tanh RNN"]["h"].T, name="tanh", label="tanh RNN, orthogonal W")
axes[0].set_title("through the cell: ||dh_T/dc_{T-k}||")
axes[1].set_title("through the hidden state: ||dh_T/dh_{T-k}||")
for ax in axes:
    ax.set_yscale("log")
    ax.set_xlabel("lag k")
axes[1].legend(fontsize=8)
plt.show()

# %% tags=["nbval-ignore-output"]
lag59 = {name: np.median(r["h"][-1]) for name, r in lstm_res.items()}
rate_c = {name: np.median(spectral.growth_rate(lstm_res[name]["c"][1:])) for name in variants}
assert np.all(lstm_res["no forget gate"]["cec"] == 1.0), "without a forget gate the direct cell path is exactly 1"
assert rate_c["bias 1"] > rate_c["bias 0"], "a forget bias of 1 slows the decay along the cell path"
assert lag59["bias 1"] > 1e4 * lag59["tanh RNN"], "the LSTM (bias 1) keeps orders of magnitude more 59-step gradient"
for name in variants:
    glue(f"eig_lstm_{name.replace(' ', '_')}_lag59", sig2(lag59[name]), display=False)
    glue(f"eig_lstm_{name.replace(' ', '_')}_rate_c", float(round(rate_c[name], 3)), display=False)
    glue(f"eig_lstm_{name.replace(' ', '_')}_rate_cec",
         float(round(np.median(spectral.growth_rate(lstm_res[name]["cec"][1:])), 3)), display=False)
glue("eig_rnn_lag59", sig2(lag59["tanh RNN"]), display=False)
glue("eig_rnn_rate", float(round(np.median(spectral.growth_rate(lstm_res["tanh RNN"]["h"][1:])), 3)), display=False)

# %% [markdown]
# The tanh RNN with an orthogonal $W_h$ keeps {glue:text}`eig_rnn_lag59:.1e` of its
# gradient over 59 steps (per-step factor {glue:text}`eig_rnn_rate`): every step multiplies by $\tanh'(z_t) < 1$ on
# top of $W$. The LSTM with forget bias 1 keeps {glue:text}`eig_lstm_bias_1_lag59:.1e`, with bias 0
# {glue:text}`eig_lstm_bias_0_lag59:.1e`. Through the cell the per-step factor goes from
# {glue:text}`eig_lstm_bias_0_rate_c` (bias 0) to {glue:text}`eig_lstm_bias_1_rate_c` (bias 1). The direct cell path
# alone decays faster ({glue:text}`eig_lstm_bias_0_rate_cec` and {glue:text}`eig_lstm_bias_1_rate_cec` per step, the
# typical forget-gate value at initialisation): at initialisation, part of what survives travels through $h$ and
# $W_h$ as well. Without a forget gate the direct path is exactly 1, and the full derivative does not decay at all
# (per-step factor {glue:text}`eig_lstm_no_forget_gate_rate_c`); that cell has the opposite risk, unbounded growth
# of $c$, which is why the forget gate was added {cite:p}`gers2000forget`.
#
# This is why the LSTM does not need ReLU's derivative. In a deep CNN, or in a plain RNN, the backward signal passes
# through $f'$ at every layer, so a saturating $f$ costs a factor below 1 per layer (at most $1/4$ for the sigmoid),
# and ReLU's derivative of exactly 1 on active units is what keeps a 20-layer product alive. In the LSTM, the long
# path $c \to c$ contains no $f'$ at all: the tanh of the candidate and the output squash act once, where the signal
# enters or leaves the cell, not once per step. Replacing them by ReLU would not improve the carousel, and it would
# remove the bound on $h$ that the forward pass relies on (C10 and D10; see the chapter on ReLU in the LSTM).
# {cite:t}`chen2018dynamical` make this precise for random initialisations: with mean-field and random-matrix theory
# they show that a gated recurrent cell propagates signals and gradients over a much wider range of initial weight
# scales than a vanilla RNN, and give a critical initialisation that achieves dynamical isometry (all singular values
# of the input-output Jacobian near 1) for both. The measurements above are a small instance of that picture.
#
# ## The explorer
#
# The figure below is the whole chapter in one picture: pick an activation, a spectral radius for $W_h$ (a Gaussian
# matrix rescaled, three seeds, $H = 16$) and a sequence length, and see $\lVert\partial h_T/\partial h_{T-k}\rVert_2$
# against the lag. The dashed line is $\rho^k$, what a linear net would do in the long run. The curves were computed
# when the book was built by `rnnlab.instruments.widgets.precompute_grid`, with the same function the live version calls, and
# are stored in the page, so the sliders work without a running kernel.

# %% tags=["nbval-ignore-output"]
t0 = time.perf_counter()
grid = widgets.precompute_grid()
grid_seconds = time.perf_counter() - t0
page = widgets.explorer_html(grid)
print(f"explorer: {len(grid['acts'])} activations x {len(grid['radii'])} radii x {len(grid['Ts'])} lengths, "
      f"{len(page) / 1024:.0f} kB of HTML")

# %% tags=["nbval-ignore-output"]
display(HTML(page))

# %% tags=["nbval-ignore-output"]
ident = grid["curves"]["identity"][-1]                       # (R, S, T) log10 norms, T = 100
inside = np.all((ident[:, :, 50:] > widgets.LOG_FLOOR) & (ident[:, :, 50:] < widgets.LOG_CEIL), axis=(1, 2))  # (R,) not clipped
slope = (np.median(ident[:, :, -1], axis=1) - np.median(ident[:, :, 50], axis=1)) / (grid["Ts"][-1] - 1 - 50)
print("linear net, radii whose curves stay inside the plotted range:", np.array(grid["radii"])[inside].tolist())
print("  per-step log10 factor over lags 50..99:", np.round(slope[inside], 3).tolist())
print("  log10 rho:                             ", np.round(np.log10(grid["radii"]), 3)[inside].tolist())
assert len(page) < 1_000_000, "the kernel-free explorer stays well under 1 MB"
assert inside.sum() >= 4 and np.all(np.abs(slope - np.log10(grid["radii"]))[inside] < 0.02), \
    "in the linear net the precomputed curves follow rho^k"

# %% [markdown]
# In JupyterLab you can run the live version, which recomputes the curves for any radius and length as you move
# the sliders. Set the environment variable `RNNLAB_LIVE=1` before starting JupyterLab (or just run
# `widgets.LiveExplorer().widget` in a cell of your own):

# %%
if os.environ.get("RNNLAB_LIVE") == "1":
    display(widgets.LiveExplorer().widget)

# %% [markdown]
# Each live update must feel instant. Here is what one recomputation costs ($T = 100$, three seeds):

# %% tags=["nbval-ignore-output"]
times = []
for _ in range(5):
    t0 = time.perf_counter()
    widgets.explorer_curves("relu", [1.1], 100)
    times.append(time.perf_counter() - t0)
print(f"one live update: median {1000 * np.median(times):.0f} ms (the budget is 100 ms); "
      f"precomputing the website grid took {grid_seconds:.1f} s; CPU time of this whole chapter so far: {time.process_time():.0f} s")

# %% [markdown]
# ## Verdicts
#
# :::{admonition} C4 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-c4
#
# Tested on vanilla ReLU RNNs at initialisation ($H = 32$, Gaussian $W_h$ rescaled, 5 seeds per $\sigma_{\max}$ with
# $T = 60$, 8 seeds per $\rho$ with $T = 100$; no training). ReLU's derivative is 1 on active units, so the product of
# Jacobians is governed by $W$: with $\sigma_{\max}(W) < 1$ the gradient vanished in every run (the bound
# $(\gamma\sigma_{\max})^k$ guarantees it), and with large $W$ it exploded (median above 1 from $\sigma_{\max} =$
# {glue:text}`eig_explode_relu`), {numref}`fig-eig-heatmap`. With $\rho(W) < 1$ the 100-step gradient vanished in
# every run too, but the guarantee belongs to the largest *singular* value: with $\rho < 1$ the gradient first rose
# as high as {glue:text}`eig_relu_peak_sub1`, and $\rho > 1$ did not always make it explode.
# :::
#
# :::{admonition} D8 · fails as stated
# :class: verdict-fails
# :name: verdict-d8
#
# Tested on linear maps (three constructed matrices; 300 random Gaussian matrices of sizes 2 to 32, powers up to
# 100). Powers of $W$ are not taken entry by entry. A matrix with every entry $0.2$ has $\lVert A^{50}\rVert =$
# {glue:text}`eig_A_logpow:.1e`, and one with every entry above 1 has $\lVert B^{50}\rVert =$
# {glue:text}`eig_B_logpow:.1e`. Over 300 random matrices the spectral radius predicted growth or decay
# every time ({glue:text}`eig_agree_rho:.0%`), the entry size only {glue:text}`eig_agree_entry:.0%` of the time,
# {numref}`fig-eig-entries-vs-radius`. Read with "eigenvalues" in place of "elements", the claim holds.
# :::
#
# :::{admonition} D9 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-d9
#
# Tested on products of 50 random linear $32\times 32$ maps (20 draws per scale $g \in \{0.9, 1, 1.1\}$), tied as in
# an RNN or fresh per step as in a feedforward net; no nonlinearity, no training. What was shown is above all a wider
# spread: the final log-norms of tied products spread at least {glue:text}`eig_d9_spread_ratio_min` times wider
# ({numref}`fig-eig-shared-vs-fresh`), so more RNNs vanish or explode badly. At $g = 1$ the tied median per-step factor
# was also {glue:text}`eig_d9_rate_word` ({glue:text}`eig_d9_shared_med` against {glue:text}`eig_d9_fresh_med`,
# {glue:text}`eig_d9_rate_p`), which we attribute to the spectral radius of a finite Gaussian matrix sitting above $g$
# (other widths were not tested). That RNNs are also deeper (sequence length) is an argument, not tested here. A deep feedforward net with
# saturating units vanishes through the product of $f'$ as well; that is the subject of the saturation chapter.
# :::
#
# :::{admonition} D10 (plain RNN) · holds with a caveat
# :class: verdict-caveat
# :name: verdict-d10-rnn
#
# Tested on vanilla RNNs at initialisation ($H = 32$, $T = 100$, 8 seeds per spectral radius; no training; the
# trained LSTM is chapter 5's). In the forward pass a ReLU state can explode once $\rho(W) > 1$ (in a fraction
# {glue:text}`eig_blown_15` of the runs at $\rho = 1.5$, {glue:text}`eig_blown_30` at $\rho = 3$) while tanh's stays
# in $[-1, 1]$, {numref}`fig-eig-relu-forward`, and ReLU's gradient explodes at a smaller $W$ than tanh's. But bounded
# values do not bound the gradient: tanh's explodes too once $\sigma_{\max} \ge$ {glue:text}`eig_explode_tanh`, and
# with $\sigma_{\max}(W) \le 1$ (identity or orthogonal initialisation) ReLU's never grew at all.
# :::
#
# ## Exercises
#
# ::::{exercise}
# :label: ex-eig-1
#
# Build a $3\times 3$ matrix whose entries are all at least 5 in absolute value but whose cube is exactly zero.
# Check it with `spectral.power_norms`.
# ::::
#
# ::::{solution} ex-eig-1
# :class: dropdown
#
# A nilpotent matrix has all eigenvalues 0. Take any rank-one matrix $u v^\top$ with $v^\top u = 0$: its square is
# $u (v^\top u) v^\top = 0$. For example $u = (5, 5, 5)$ and $v = (1, 1, -2)$ give entries $\pm 5$ and $\pm 10$ and
# $N^2 = 0$, so $N^3 = 0$ too:
#
# ```python
# N = np.outer([5, 5, 5], [1, 1, -2])
# spectral.power_norms(N, 3)   # ||N^0|| = 1, ||N^1|| = ||N||, then exactly 0 twice
# ```
#
# Here $\lVert N\rVert_2 = \lVert u\rVert\,\lVert v\rVert = \sqrt{75}\sqrt{6} =$ {glue:text}`eig_ex1_norm`.
# ::::
#
# ::::{exercise}
# :label: ex-eig-2
#
# For the sigmoid RNN, the sufficient condition for vanishing is $\sigma_{\max} < 4$. Use `spectral.rnn_sweep` with
# `act="sigmoid"` and `by="sigma"` to find how large $\sigma_{\max}$ must be before the median 60-step gradient
# exceeds 1. Why is it so much larger than 4?
# ::::
#
# ::::{solution} ex-eig-2
# :class: dropdown
#
# ```python
# sw = spectral.rnn_sweep("sigmoid", [8, 16, 32, 64], 60, by="sigma", seeds=range(5))
# np.median(np.log10(sw["h"][-1]), axis=-1)
# ```
#
# The bound uses $\sup \sigma' = 1/4$, reached only at $z = 0$. A sigmoid state lies in $(0, 1)$ with mean near
# $1/2$, so $z_t = h_{t-1} W_h + \dots$ is rarely near 0 when $W_h$ is large: the typical $\sigma'(z_t)$ is far below
# $1/4$, and the larger $W_h$, the more the units saturate. Growth of $W$ and saturation fight each other.
# ::::
#
# ::::{exercise}
# :label: ex-eig-3
#
# Train the IRNN of section 4 with clipping at $\tau = 0.1$ and at $\tau = 10$ as well. Does the threshold matter
# for divergence? For the final loss?
# ::::
#
# ::::{solution} ex-eig-3
# :class: dropdown
#
# Change `clip_threshold` in `train.TrainConfig`, rerun the cell, and report every seed with `stats.fmt_rate` and the
# median final loss with `stats.median_ci`. What to expect, from the algebra alone: a clipped update has length at
# most $\eta\tau$, so a smaller $\tau$ makes every step shorter (safer, and slower); when nearly every step is clipped,
# the update is normalised gradient descent with step length $\eta\tau$, so $\tau$ and $\eta$ act only through their
# product. {cite:t}`pascanu2013difficulty` report that thresholds from half to ten times the average gradient norm
# worked in their experiments; here the gradient norm at initialisation is in the thousands, so $\tau = 10$ still
# clips almost every early step.
# ::::
#
# ::::{exercise}
# :label: ex-eig-4
#
# Measure the LSTM of section 5 with forget-gate bias 3. Where does its per-step factor through the cell fall,
# compared with bias 1 and with no forget gate? What is the typical forget-gate value $\sigma(3)$?
# ::::
#
# ::::{solution} ex-eig-4
# :class: dropdown
#
# Add `"bias 3": dict(forget_bias=3.0, forget_gate=True)` to `variants`. With $\sigma(3) =$
# {glue:text}`eig_sigmoid3` the direct cell path decays by about that factor per step (less where the inputs push $f_t$ towards 1), so the bias-3 LSTM
# sits between bias 1 and the forget-gate-free cell; the bias is a per-unit dial for the memory's time scale.
# ::::
#
# ## References
#
# - {cite:t}`hochreiter1991untersuchungen`
# - {cite:t}`bengio1994learning`
# - {cite:t}`pascanu2013difficulty`
# - {cite:t}`chen2018dynamical`
# - {cite:t}`arjovsky2016unitary`
# - {cite:t}`hochreiter1997lstm`
# - {cite:t}`gers2000forget`
# - {cite:t}`le2015irnn`
# - {cite:t}`saxe2014exact`
