"""Backpropagation through time: reverse mode on an unrolled RNN, and vanishing gradients."""
# %% [markdown]
# # Backpropagation through time
#
# Follows deck **003**, *TensorFlow and Deep Learning* (HPC2N / Umeå), slides "What are RNNs?"
# (h(t) = f_H(W_IH x(t) + W_HH h(t−1))) and "Training RNNs" (s_t = tanh(U x_t + W s_{t−1});
# ∂E₃/∂W = Σ_k ∂E₃/∂ŷ₃ · ∂ŷ₃/∂s₃ · ∂s₃/∂s_k · ∂s_k/∂W: "because W is used in every step up to the
# output we care about, we need to back-propagate gradients from t = 3 through the network all
# the way to t = 0").
#
# Here h_t = tanh(W x_t + U h_{t−1}) and the loss E = ½‖V h_T − y‖² at the last step. Unrolled,
# the RNN is an ordinary (long) graph; BPTT is nothing but reverse mode on it.

# %%
import numpy as np

import adkit as ad
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()

steps, hidden, inputs = (12 if QUICK else 40), 8, 3
rng = np.random.default_rng(0)
xs = rng.standard_normal((steps, inputs))
W = rng.standard_normal((hidden, inputs)) * 0.5
V = rng.standard_normal((1, hidden))
y = np.array([1.0])
rotation = np.linalg.qr(rng.standard_normal((hidden, hidden)))[0]  # orthogonal: all |eigenvalues| = 1


def loss(W, U, probes):
    """E = ½‖V h_T − y‖². probes[t] is added to h_t: zero, but ∂E/∂probes[t] = ∂E/∂h_t."""
    h = np.zeros(hidden)
    for t in range(steps):
        h = ad.tanh(W @ xs[t] + U @ h) + probes[t]
    return 0.5 * ad.sum((V @ h - y) ** 2)


def loss_per_step_weights(W, Us, probes):
    """The same RNN, but step t uses its own copy Us[t] of U (all copies equal)."""
    h = np.zeros(hidden)
    for t in range(steps):
        h = ad.tanh(W @ xs[t] + Us[t] @ h) + probes[t]
    return 0.5 * ad.sum((V @ h - y) ** 2)


# %% [markdown]
# ## The unrolled graph, and one reverse sweep through it

# %%
U = 0.9 * rotation
no_probes = np.zeros((steps, hidden))
graph = ad.trace(loss, W, U, no_probes)
print(f"unrolled over {steps} steps the RNN is a graph of {len(graph)} nodes "
      f"(about {len(graph) / steps:.0f} per step); reversing its recording order is the schedule of BPTT")
dW, dU, dh = ad.grad(loss, argnums=(0, 1, 2))(W, U, no_probes)
print("one reverse sweep gives ∂E/∂W", dW.shape, ", ∂E/∂U", dU.shape, "and every ∂E/∂h_t", dh.shape)

# a finite-difference check of one entry of ∂E/∂U
e = np.zeros_like(U)
e[0, 1] = 1e-6
numeric = (loss(W, U + e, no_probes) - loss(W, U - e, no_probes)) / 2e-6
print(f"∂E/∂U[0, 1]: reverse mode {dU[0, 1]:.9f}, central difference {numeric:.9f}")

# %% [markdown]
# ## U is used at every step: its gradient is a sum over time (the fan-out sum)
# Give every step its own copy of U; the gradient with respect to the copies says what each step
# contributes, and the contributions add up to ∂E/∂U exactly.

# %%
copies = np.stack([U] * steps)
per_step = ad.grad(loss_per_step_weights, argnums=1)(W, copies, no_probes)
print("Σ_t ∂E/∂U_t equals ∂E/∂U:", bool(np.allclose(per_step.sum(axis=0), dU)),
      f"(largest difference {np.abs(per_step.sum(axis=0) - dU).max():.1e})")
contribution = np.linalg.norm(per_step.reshape(steps, -1), axis=1)
print("‖contribution of step t‖ for t = 1, 2, 3 and the last three:",
      [float(f"{c:.3g}") for c in contribution[:3]], "...",
      [float(f"{c:.3g}") for c in contribution[-3:]])

# %% [markdown]
# ## Vanishing (and exploding) gradients
# ∂E/∂h_t is ∂E/∂h_T pushed back through T − t steps, each multiplying by diag(1 − h²)·Uᵀ. With U
# scaled by ρ < 1 (and tanh′ ≤ 1) it shrinks geometrically: early inputs get no say in learning.

# %%
scales = (0.5, 0.9, 1.5, 3.0)
norms = {}
for rho in scales:
    probe_gradient = ad.grad(loss, argnums=2)(W, rho * rotation, no_probes)
    norms[rho] = np.linalg.norm(probe_gradient, axis=1)
    print(f"ρ = {rho}: ‖∂E/∂h_t‖ at t = 1: {norms[rho][0]:.2e},  t = {steps // 2}: "
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
    left.semilogy(t_axis, norms[rho], "o-", ms=3.5, color=colour, lw=2, label=f"ρ = {rho}  (U = ρ · orthogonal)")
left.set_xlabel("time step t", fontsize=13)
left.set_ylabel(r"$\|\partial E / \partial h_t\|$ (log scale)", fontsize=13)
left.set_title(f"Gradient reaching step t (loss at t = {steps})", fontsize=13)
left.legend(fontsize=11, frameon=False)
# step 1 contributes exactly 0: it multiplies U by h_0 = 0
right.semilogy(t_axis[1:], contribution[1:], "s-", ms=3.5, color="#1b7837", lw=2)
right.set_xlabel("time step t", fontsize=13)
right.set_ylabel(r"$\|\partial E / \partial U_t\|$ (log scale)", fontsize=13)
right.set_title(r"$\partial E/\partial U = \Sigma_t\, \partial E/\partial U_t$: each step's share ($\rho$ = 0.9)",
                fontsize=13)
for ax in (left, right):
    ax.tick_params(labelsize=11)
fig.tight_layout()
save_figure(fig, FIGURES / "rnn-bptt.png")
