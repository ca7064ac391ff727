"""Gradient flow in a computational graph: add distributes, multiply switches."""
# %% [markdown]
# # Gradient flow in a computational graph
#
# Follows deck **002**, *Overdoing linear regression with TensorFlow* (O. Dürr), backup slides
# "Gradient flow in a computational graph: local junction" and "Example":
#
# f(x, y, z) = (x + y)·z at x = −2, y = 5, z = −4.
#
# Every node only knows its *local* derivatives. Going backwards, a node multiplies the gradient
# arriving from above by its local derivative and hands the product to its inputs:
# ∂(α + β)/∂α = 1, so **addition distributes** the gradient unchanged to both inputs;
# ∂(α·β)/∂α = β, so **multiplication switches**: each input receives the *other* input's value.

# %%
import adkit as ad
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()


def f(x, y, z):
    return (x + y) * z


point = {"x": -2.0, "y": 5.0, "z": -4.0}

# %% [markdown]
# ## The graph, recorded by running f once
# `ad.trace` runs `f` on the point and writes down every operation: the Wengert list.

# %%
graph = ad.trace(f, *point.values())
print(graph)
q = graph.values[3]          # w4 = x + y
value = graph.values[4]      # w5 = w4 · z
print(f"\nforward pass: q = x + y = {q:g}, f = q · z = {value:g}")

# %% [markdown]
# ## The backward pass: one sweep gives all three partial derivatives

# %%
gradient = ad.grad(f, argnums=(0, 1, 2))(*point.values())
print("∂f/∂x, ∂f/∂y, ∂f/∂z =", tuple(round(g, 12) for g in gradient))
print(f"""
what to notice:
  * f = q·z with q = x + y. The multiply node switches: ∂f/∂q = z = {point['z']:g} and
    ∂f/∂z = q = {q:g}: each input gets the other input's value.
  * The add node distributes: ∂q/∂x = ∂q/∂y = 1, so x and y both receive ∂f/∂q = {point['z']:g}.
  * Together: ∂f/∂x = ∂f/∂y = z = {gradient[0]:g}, ∂f/∂z = x + y = {gradient[2]:g}.""")

# %% [markdown]
# ## The picture (values above the wires in green, gradients below in red)

# %%
fig = ad.draw(f, at=point, gradients=True)
save_figure(fig, FIGURES / "gradient-flow.png")

# %% [markdown]
# The same graph typed as text: the parser builds the identical Wengert list.

# %%
same = str(ad.parse("(x + y)*z")) == str(graph)
print("ad.parse('(x + y)*z') gives the same Wengert list:", same)
