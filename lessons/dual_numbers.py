"""Dual numbers: a + bε by hand, the Dual class, x²·sin x, and nesting for second derivatives."""
# %% [markdown]
# # Dual numbers
#
# Follows deck **004**, *Python, Automatic Differentiation and TensorFlow* (N. Khan), slides
# "Forward Accumulation AD" and "AD in Python" (operator overloading: every elementary operation
# also computes its derivative).
#
# A dual number is a + bε with ε² = 0. Then f(a + bε) = f(a) + f′(a)·b·ε: evaluating a function
# on a dual number carries the derivative along in the ε part. That *is* forward accumulation:
# the ε part is the tangent ẇ of the slide's table.

# %%
import math

import numpy as np

import adkit as ad
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()

# %% [markdown]
# ## By hand: pairs (a, b) standing for a + bε

# %%
def dual_add(u, v):
    return (u[0] + v[0], u[1] + v[1])


def dual_mul(u, v):
    # (a + bε)(c + dε) = ac + (ad + bc)ε + bd·ε², and ε² = 0
    return (u[0] * v[0], u[0] * v[1] + u[1] * v[0])


def dual_sin(u):
    return (math.sin(u[0]), math.cos(u[0]) * u[1])


# z = x1·x2 + sin x1 at (2, 5), seed ẋ1 = 1, ẋ2 = 0 (the slide's first sweep)
x1, x2 = (2.0, 1.0), (5.0, 0.0)
by_hand = dual_add(dual_mul(x1, x2), dual_sin(x1))
print(f"by hand:   z = {by_hand[0]:.6f} + {by_hand[1]:.6f} ε   (ε part = ∂z/∂x1 = x2 + cos x1)")

# %% [markdown]
# ## The same with adkit's Dual class (operators and ad.sin work on it)

# %%
d1, d2 = ad.Dual(2.0, 1.0), ad.Dual(5.0, 0.0)
z = d1 * d2 + ad.sin(d1)
print(f"ad.Dual:   z = {z.primal:.6f} + {z.tangent:.6f} ε")
z2 = ad.Dual(2.0, 0.0) * ad.Dual(5.0, 1.0) + ad.sin(ad.Dual(2.0, 0.0))
print(f"seed x2:   ∂z/∂x2 = {z2.tangent:g}   (a second sweep: one sweep per input)")
dz_dx1 = z.tangent

# %% [markdown]
# ## The derivative of x²·sin x
# Exact: d/dx (x² sin x) = 2x sin x + x² cos x.

# %%
def g(x):
    return x * x * ad.sin(x)


def g_prime_exact(x):
    return 2 * x * math.sin(x) + x * x * math.cos(x)


def g_second_exact(x):
    return 2 * math.sin(x) + 4 * x * math.cos(x) - x * x * math.sin(x)


x0 = 1.5
dual = g(ad.Dual(x0, 1.0))
first = ad.derivative(g)(x0)
print(f"g(1.5) via Dual: value {dual.primal:.10f}, tangent {dual.tangent:.10f}")
print(f"exact g'(1.5) = {g_prime_exact(x0):.10f}; ad.derivative(g)(1.5) = {first:.10f}")

# %% [markdown]
# ## Nesting: a dual number whose parts are dual numbers gives the second derivative
# `ad.derivative(ad.derivative(g))` pushes a Dual through code that already pushes Duals. Each
# sweep has its own level, so the inner and outer ε never mix (ε₁² = ε₂² = 0, ε₁ε₂ ≠ 0).

# %%
second = ad.derivative(ad.derivative(g))(x0)
print(f"exact g''(1.5) = {g_second_exact(x0):.10f}; nested ad.derivative = {second:.10f}")
nested = g(ad.Dual(ad.Dual(x0, 1.0, level=1), ad.Dual(1.0, 0.0, level=1), level=2))
print(f"by hand, Dual(Dual(x, 1), Dual(1, 0)): value {nested.primal.primal:.6f}, "
      f"g' = {nested.primal.tangent:.6f} = {nested.tangent.primal:.6f}, g'' = {nested.tangent.tangent:.6f}")
errors = (abs(first - g_prime_exact(x0)), abs(second - g_second_exact(x0)))
print(f"\nwhat to notice: the errors are at rounding level ({errors[0]:.1e}, {errors[1]:.1e}); "
      "no step size, no truncation error, unlike finite differences.")
step = 1e-5
finite = (g(x0 + step) - g(x0 - step)) / (2 * step)
print(f"central difference with h = 1e-5 is off by {abs(finite - g_prime_exact(x0)):.1e}")

# %% [markdown]
# ## g, g′ and g″ on [−4, 4]

# %%
import matplotlib.pyplot as plt

xs = np.linspace(-4, 4, 41 if QUICK else 201)
d1g, d2g = ad.derivative(g), ad.derivative(ad.derivative(g))
curves = {"g(x) = x² sin x": ([g(x) for x in xs], [x * x * math.sin(x) for x in xs]),
          "g′(x) by one Dual": ([d1g(x) for x in xs], [g_prime_exact(x) for x in xs]),
          "g″(x) by nested Duals": ([d2g(x) for x in xs], [g_second_exact(x) for x in xs])}
fig, ax = plt.subplots(figsize=(8, 4.8))
for (label, (ad_values, exact)), colour in zip(curves.items(), ("#333333", "#1f5fbf", "#c0392b")):
    ax.plot(xs, ad_values, color=colour, lw=2.2, label=label)
    ax.plot(xs, exact, color="white", lw=0.9, ls=(0, (3, 3)))
max_error = max(max(abs(a - e) for a, e in zip(*pair)) for pair in curves.values())
ax.axhline(0, color="#999999", lw=0.8)
ax.set_xlabel("x", fontsize=13)
ax.set_title("Derivatives by dual numbers (white dashes: the exact formulas)", fontsize=13)
ax.legend(fontsize=12, frameon=False)
ax.tick_params(labelsize=11)
fig.tight_layout()
save_figure(fig, FIGURES / "dual-numbers.png")
print(f"largest difference from the exact formulas on the plot: {max_error:.1e}")
