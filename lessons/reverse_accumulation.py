"""Reverse accumulation: the adjoint table, one sweep for both partials, and the fan-out sum."""
# %% [markdown]
# # Reverse accumulation
#
# Follows deck **004**, *Python, Automatic Differentiation and TensorFlow* (N. Khan), slides
# "Reverse Accumulation AD" (three pages): fix the *dependent* variable z and compute the
# derivative with respect to each sub-expression, the *adjoint* w̄ᵢ = ∂z/∂wᵢ ("notice the
# similarity with δⱼ = ∂E/∂aⱼ in back-propagation"). Same function as the forward lesson:
# z = x1·x2 + sin x1 at (2, 5).

# %%
import math

import adkit as ad
from adkit.animate import Sweep, save_sweep
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()

expression = "x1*x2 + sin(x1)"
point = {"x1": 2.0, "x2": 5.0}

# %% [markdown]
# ## The adjoint table: rows from the output back to the inputs
# First a forward pass computes and keeps every value wᵢ; then the sweep runs backwards from the
# seed w̄5 = 1, each row passing its adjoint to the arguments of its node.

# %%
table = ad.reverse_table(expression, at=point)
print(table.to_text())
print("\nAs on the slide (LaTeX, without the numbers):")
print(table.to_latex(numbers=False))

# %% [markdown]
# ## One sweep gives both partial derivatives

# %%
gradient = table.result
print(f"from one reverse sweep: ∂z/∂x1 = {gradient['x1']:.6g}, ∂z/∂x2 = {gradient['x2']:.6g}")
print(f"forward mode needed two sweeps for the same two numbers: "
      f"{ad.forward_table(expression, at=point, seed='x1').result:.6g} and "
      f"{ad.forward_table(expression, at=point, seed='x2').result:.6g}")

# %% [markdown]
# ## The fan-out sum
# w1 = x1 is used twice, by w3 = w1·w2 and by w4 = sin w1. Each use passes back its own share;
# the adjoint of w1 is their sum: w̄1 = w̄3·w2 + w̄4·cos w1. In code this is the `+=` of
# `adjoint[arg] += adjoint[node] * partial`: forget it and the gradient is wrong.

# %%
share_from_w3 = 1.0 * point["x2"]             # w̄3 · w2
share_from_w4 = 1.0 * math.cos(point["x1"])   # w̄4 · cos w1
print(f"w̄1 = w̄3·w2 + w̄4·cos w1 = {share_from_w3:g} + ({share_from_w4:.6f}) = "
      f"{share_from_w3 + share_from_w4:.6f}")
print(f"the table's last row:   {table.rows[-1].derivative} = {table.rows[-1].value:.6f}")
print("""
what to notice:
  * the rows run backwards, and each needs the values of the forward pass (w2, cos w1): reverse
    mode must store the trace, forward mode need not;
  * one reverse sweep gives the derivative with respect to every input: the number of reverse
    sweeps equals the number of outputs. A loss has one output: backpropagation is reverse mode.""")

# %% [markdown]
# ## The same table in the Griewank / Baydin et al. (2018) style
# f = ln x1 + x1·x2 − sin x2 at (2, 5): inputs v₋₁, v₀, intermediates v₁, v₂, …

# %%
baydin = ad.reverse_table("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0}, style="griewank")
print(baydin.to_text())

# %% [markdown]
# ## Figures: the finished sweep beside its table, and the animation

# %%
save_figure(Sweep(expression, at=point, mode="reverse").figure(), FIGURES / "reverse-accumulation.png",
            dpi=100)
for path in save_sweep(expression, at=point, mode="reverse", gif=FIGURES / "reverse-sweep.gif",
                       dpi=60 if QUICK else 80):
    print(f"[figure] {path}")
