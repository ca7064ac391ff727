"""Linear regression by gradient descent: RSS, the step-size demo, and the 2-D loss landscape."""
# %% [markdown]
# # Overdoing linear regression
#
# Follows deck **002**, *Overdoing linear regression with TensorFlow* (O. Dürr), slides
# "Linear Regression: See Backbord" (model ŷ = a·x + b, criterion RSS), "Gradient Descent: 1-D
# function", "Demo for influence of step size" (learning rate, STEP, RESET), "Optimization in 2-D"
# (W ← W − ε ∂loss/∂W, the gradient is perpendicular to the levels) and "Local vs. Global Minima".
#
# The framework's only job is the gradient of the loss; here it is `ad.grad`.

# %%
import numpy as np

import adkit as ad
from adkit.datasets import noisy_line
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()

TRUE_A, TRUE_B = 2.0, -1.0
x, y = noisy_line(20 if QUICK else 50, a=TRUE_A, b=TRUE_B, noise=0.5, seed=1)


def rss(a, b):
    """Residual sum of squares of the line a·x + b on the data."""
    return ad.sum((y - (a * x + b)) ** 2)


gradient = ad.grad(rss, argnums=(0, 1))
print(f"{len(x)} points around y = {TRUE_A:g}·x + ({TRUE_B:g}); RSS at (a, b) = (0, 0): {rss(0.0, 0.0):.2f}")
print("gradient of RSS at (0, 0):", tuple(round(float(g), 4) for g in gradient(0.0, 0.0)))

# %% [markdown]
# ## How large may a step be?
# RSS is a quadratic bowl. Its Hessian H (by `ad.hessian`) decides everything: gradient descent
# converges for ε < 2/λmax(H) and is fastest at ε = 2/(λmax + λmin).

# %%
H = ad.hessian(lambda w: rss(w[0], w[1]))(np.zeros(2))
eigenvalues = np.linalg.eigvalsh(H)
limit = 2.0 / eigenvalues[-1]
rates = {"too small": limit / 40, "right": 2.0 / (eigenvalues[0] + eigenvalues[-1]),
         "too large": 1.08 * limit}
print("Hessian of RSS:", np.round(H, 3).tolist(), " eigenvalues:", np.round(eigenvalues, 3).tolist())
print(f"steps diverge above ε = 2/λmax = {limit:.5f}")

# %% [markdown]
# ## The step-size demo: STEP ... STEP, RESET, for three learning rates

# %%
start = (-1.0, 4.0)
steps = 30 if QUICK else 60
paths, losses = {}, {}
for name, rate in rates.items():
    a, b = start                                        # RESET
    path, loss = [(a, b)], [rss(a, b)]
    for _ in range(steps):                              # STEP
        da, db = gradient(a, b)
        a, b = a - rate * da, b - rate * db
        path.append((a, b))
        loss.append(rss(a, b))
    paths[name], losses[name] = np.array(path), np.array(loss)
    print(f"\nlearning rate {rate:.5f} ({name})")
    print("  step           a           b          RSS")
    for k in (0, 1, 2, 3, 10, steps):
        print(f"  {k:4d}  {path[k][0]:10.4f}  {path[k][1]:10.4f}  {loss[k]:11.4g}")

# %%
fitted_a, fitted_b = paths["right"][-1]
exact_a, exact_b = np.linalg.lstsq(np.column_stack([x, np.ones_like(x)]), y, rcond=None)[0]
print(f"\ngradient descent (right rate): a = {fitted_a:.6f}, b = {fitted_b:.6f}")
print(f"least squares (numpy lstsq):   a = {exact_a:.6f}, b = {exact_b:.6f}")
print(f"the line the data came from:   a = {TRUE_A:.6f}, b = {TRUE_B:.6f}")
print("""
what to notice:
  * too small: every step is safe but after all the steps the loss has barely moved;
  * right: the loss falls by a constant factor per step (a convex bowl, one minimum);
  * too large: each step overshoots further than the last, the loss grows without bound.""")

# %%
import matplotlib.pyplot as plt

colours = {"too small": "#1f5fbf", "right": "#1b7837", "too large": "#c0392b"}
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4))
left.scatter(x, y, s=22, color="#555555", label="data")
grid = np.linspace(x.min(), x.max(), 2)
left.plot(grid, fitted_a * grid + fitted_b, color="#1b7837", lw=2.5,
          label=f"fit: ŷ = {fitted_a:.2f}·x {'−' if fitted_b < 0 else '+'} {abs(fitted_b):.2f}")
left.plot(grid, TRUE_A * grid + TRUE_B, color="#999999", lw=1.5, ls="--", label="true line")
left.set_xlabel("x", fontsize=13)
left.set_ylabel("y", fontsize=13)
left.set_title("ŷ = a·x + b fitted by gradient descent", fontsize=13)
left.legend(fontsize=11, frameon=False)
for name, loss in losses.items():
    right.semilogy(loss, color=colours[name], lw=2.2, label=f"ε = {rates[name]:.4f} ({name})")
right.set_xlabel("step", fontsize=13)
right.set_ylabel("RSS (log scale)", fontsize=13)
right.set_title("Influence of the step size", fontsize=13)
right.legend(fontsize=11, frameon=False)
for ax in (left, right):
    ax.tick_params(labelsize=11)
fig.tight_layout()
save_figure(fig, FIGURES / "linear-regression.png")

# %% [markdown]
# ## Optimization in 2-D: the loss over (a, b), and the three descent paths

# %%
A, B = np.meshgrid(np.linspace(-5, 9, 201), np.linspace(-4.5, 5.5, 161))
surface = ((y[None, None, :] - (A[..., None] * x + B[..., None])) ** 2).sum(axis=-1)
fig, ax = plt.subplots(figsize=(8.4, 6.2))
levels = np.quantile(surface, np.linspace(0.002, 0.9, 18))
contours = ax.contour(A, B, surface, levels=levels, cmap="viridis", linewidths=1)
for name, path in paths.items():
    shown = path[: 6 if name == "too large" else None]
    ax.plot(shown[:, 0], shown[:, 1], "o-", color=colours[name], ms=3.5, lw=1.6,
            label=f"{name} (ε = {rates[name]:.4f})")
ax.plot(*start, "ks", ms=8, label="start")
ax.plot(exact_a, exact_b, "*", color="gold", mec="black", ms=16, label="minimum")
ax.set_xlim(-5, 9)
ax.set_ylim(-4.5, 5.5)
ax.set_aspect("equal")  # only with equal scales do the steps look perpendicular to the levels
ax.set_xlabel("a (slope)", fontsize=13)
ax.set_ylabel("b (intercept)", fontsize=13)
ax.set_title("RSS(a, b): steps cross the levels at right angles", fontsize=13)
ax.legend(fontsize=10.5, loc="lower left", framealpha=0.9)
ax.tick_params(labelsize=11)
fig.tight_layout()
save_figure(fig, FIGURES / "linear-regression-contours.png")
