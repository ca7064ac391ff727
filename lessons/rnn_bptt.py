"""Backpropagation through time: reverse mode on an unrolled RNN, and vanishing gradients."""
# %% [markdown]
# # Backpropagation through time
#
# Follows deck **003**, *TensorFlow and Deep Learning* (HPC2N / Umeå), slides "What are RNNs?"
# (h(t) = f_H(W_IH x(t) + W_HH h(t−1))) and "Training RNNs":
#
#     s_t = tanh(U x_t + W s_{t−1})        ŷ_t = softmax(V s_t)
#     E_t(y_t, ŷ_t) = −y_t log ŷ_t          E(y, ŷ) = Σ_t E_t(y_t, ŷ_t)
#
# and ∂E₃/∂W = Σ_k ∂E₃/∂ŷ₃ · ∂ŷ₃/∂s₃ · ∂s₃/∂s_k · ∂s_k/∂W: "because W is used in every step up to
# the output we care about, we need to back-propagate gradients from t = 3 through the network all
# the way to t = 0". U maps the input into the state, W carries the state from step to step, V
# reads the output. Unrolled, the RNN is an ordinary (long) graph; BPTT is nothing but reverse
# mode on it. (The same cell as a Keras layer is the lesson rnn-keras.)

# %%
import numpy as np

import adkit as ad
import adkit.nn as nn
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()

steps, hidden, inputs, classes = (12 if QUICK else 40), 8, 3, 4
rng = np.random.default_rng(0)
xs = rng.standard_normal((steps, inputs))
ys = np.eye(classes)[rng.integers(0, classes, steps)]       # one-hot y_t, one per step
U = rng.standard_normal((hidden, inputs)) * 0.5
V = rng.standard_normal((classes, hidden))
rotation = np.linalg.qr(rng.standard_normal((hidden, hidden)))[0]  # orthogonal: all |eigenvalues| = 1


def step_losses(U, W, probes, Ws=None):
    """[E_1, …, E_T] with E_t = −y_t · log softmax(V s_t). probes[t] is added to s_t: zero, but
    ∂E/∂probes[t] = ∂E/∂s_t. With Ws given, step t uses its own copy Ws[t] of W."""
    s = np.zeros(hidden)
    losses = []
    for t in range(steps):
        s = ad.tanh(U @ xs[t] + (W if Ws is None else Ws[t]) @ s) + probes[t]
        losses.append(-ad.sum(ys[t] * nn.log_softmax(V @ s)))
    return losses


def loss(U, W, probes):
    """The slide's E = Σ_t E_t."""
    return sum(step_losses(U, W, probes))


def last_loss(U, W, probes):
    """E_T alone (the slide's E₃ when T = 3): the term whose gradient travels back furthest."""
    return step_losses(U, W, probes)[-1]


def loss_per_step_weights(U, Ws, probes):
    """The same E, but step t uses its own copy Ws[t] of W (all copies equal)."""
    return sum(step_losses(U, None, probes, Ws))


# %% [markdown]
# ## The unrolled graph, and one reverse sweep through it

# %%
W = 0.9 * rotation
no_probes = np.zeros((steps, hidden))
graph = ad.trace(loss, U, W, no_probes)
print(f"unrolled over {steps} steps the RNN is a graph of {len(graph)} nodes "
      f"(about {len(graph) / steps:.0f} per step); reversing its recording order is the schedule of BPTT")
dU, dW, ds = ad.grad(loss, argnums=(0, 1, 2))(U, W, no_probes)
print("one reverse sweep gives ∂E/∂U", dU.shape, ", ∂E/∂W", dW.shape, "and every ∂E/∂s_t", ds.shape)

# a finite-difference check of one entry of ∂E/∂W
e = np.zeros_like(W)
e[0, 1] = 1e-6
numeric = (loss(U, W + e, no_probes) - loss(U, W - e, no_probes)) / 2e-6
print(f"∂E/∂W[0, 1]: reverse mode {dW[0, 1]:.9f}, central difference {numeric:.9f}")

# %% [markdown]
# ## W is used at every step: its gradient is a sum over time (the fan-out sum)
# Give every step its own copy of W; the gradient with respect to the copies says what each step
# contributes, and the contributions add up to ∂E/∂W exactly.

# %%
copies = np.stack([W] * steps)
per_step = ad.grad(loss_per_step_weights, argnums=1)(U, copies, no_probes)
print("Σ_t ∂E/∂W_t equals ∂E/∂W:", bool(np.allclose(per_step.sum(axis=0), dW)),
      f"(largest difference {np.abs(per_step.sum(axis=0) - dW).max():.1e})")
contribution = np.linalg.norm(per_step.reshape(steps, -1), axis=1)
print("‖contribution of step t‖ for t = 1, 2, 3 and the last three:",
      [float(f"{c:.3g}") for c in contribution[:3]], "...",
      [float(f"{c:.3g}") for c in contribution[-3:]])

# %% [markdown]
# ## Vanishing (and exploding) gradients
# Take the slide's E₃ view: the last term E_T alone. ∂E_T/∂s_t is ∂E_T/∂s_T pushed back through
# T − t steps, each multiplying by diag(1 − s²)·Wᵀ. With W scaled by ρ < 1 (and tanh′ ≤ 1) it
# shrinks geometrically: early inputs get no say in learning.

# %%
scales = (0.5, 0.9, 1.5, 3.0)
norms = {}
for rho in scales:
    probe_gradient = ad.grad(last_loss, argnums=2)(U, rho * rotation, no_probes)
    norms[rho] = np.linalg.norm(probe_gradient, axis=1)
    print(f"ρ = {rho}: ‖∂E_T/∂s_t‖ at t = 1: {norms[rho][0]:.2e},  t = {steps // 2}: "
          f"{norms[rho][steps // 2 - 1]:.2e},  t = {steps}: {norms[rho][-1]:.2e}")
print("""
what to notice: backpropagation through time is the reverse sweep of the unrolled graph, no more;
the gradient reaching step t is a product of T − t Jacobians, so it shrinks (or grows)
geometrically with the distance: the vanishing-gradient problem that LSTMs and GRUs address.""")

# %%
import matplotlib.pyplot as plt

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
t_axis = np.arange(1, steps + 1)
colours = ("#1f5fbf", "#1b7837", "#e67e22", "#c0392b")
for rho, colour in zip(scales, colours):
    left.semilogy(t_axis, norms[rho], "o-", ms=3.5, color=colour, lw=2, label=f"ρ = {rho}  (W = ρ · orthogonal)")
left.set_xlabel("time step t", fontsize=13)
left.set_ylabel(r"$\|\partial E_T / \partial s_t\|$ (log scale)", fontsize=13)
left.set_title(f"Gradient of $E_T$ reaching step t (T = {steps})", fontsize=13)
left.legend(fontsize=11, frameon=False)
# step 1 contributes exactly 0: it multiplies W by s_0 = 0
right.semilogy(t_axis[1:], contribution[1:], "s-", ms=3.5, color="#1b7837", lw=2)
right.set_xlabel("time step t", fontsize=13)
right.set_ylabel(r"$\|\partial E / \partial W_t\|$ (log scale)", fontsize=13)
right.set_title(r"$\partial E/\partial W = \Sigma_t\, \partial E/\partial W_t$: each step's share ($\rho$ = 0.9)",
                fontsize=13)
for ax in (left, right):
    ax.tick_params(labelsize=11)
fig.tight_layout()
save_figure(fig, FIGURES / "rnn-bptt.png")
