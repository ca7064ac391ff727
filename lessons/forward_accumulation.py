"""Forward accumulation: seeds, the tangent table of z = x1·x2 + sin x1, and a second sweep for ∂z/∂x2."""
# %% [markdown]
# # Forward accumulation
#
# Follows deck **004**, *Python, Automatic Differentiation and TensorFlow* (N. Khan), slides
# "Types of AD" and "Forward Accumulation AD" (three pages):
#
# z = f(x1, x2) = x1·x2 + sin x1 = w1·w2 + sin w1 = w3 + w4 = w5.
#
# Let ẇᵢ = ∂wᵢ/∂x. For ∂z/∂x1 we first set the *seed values* ẇ1 = ∂x1/∂x1 = 1 and
# ẇ2 = ∂x2/∂x1 = 0, then push them through the graph with the chain rule, node by node, in the
# order the values are computed.

# %%
import adkit as ad
from adkit.animate import Sweep, save_sweep
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()

expression = "x1*x2 + sin(x1)"
point = {"x1": 2.0, "x2": 5.0}
graph = ad.parse(expression)
print("The evaluation trace (Wengert list):")
print(graph)

# %% [markdown]
# ## The first sweep: seed ẇ1 = 1, ẇ2 = 0
# Each row's formula is produced by running that primitive's own derivative rule on named values
# (it is not typed anywhere), and each number comes from adkit's forward mode (dual numbers).

# %%
sweep_x1 = ad.forward_table(expression, at=point, seed="x1")
print(sweep_x1.to_text())
print("\nAs on the slide (LaTeX, without the numbers):")
print(sweep_x1.to_latex(numbers=False))
print("\nAs Markdown:")
print(sweep_x1.to_markdown())

# %% [markdown]
# ## A second sweep for ∂z/∂x2: seed ẇ1 = 0, ẇ2 = 1
# One forward sweep gives the derivative along one seed direction. Two inputs, two sweeps.

# %%
sweep_x2 = ad.forward_table(expression, at=point, seed="x2")
print()
print(sweep_x2.to_text())
dz_dx1, dz_dx2 = sweep_x1.result, sweep_x2.result
print(f"\n∂z/∂x1 = x2 + cos x1 = {dz_dx1:.6f}   (sweep 1)")
print(f"∂z/∂x2 = x1          = {dz_dx2:.6f}   (sweep 2)")
g1, g2 = ad.grad(lambda x1, x2: x1 * x2 + ad.sin(x1), argnums=(0, 1))(2.0, 5.0)
print(f"ad.grad for comparison: ∂z/∂x1 = {g1:.6g}, ∂z/∂x2 = {g2:.6g}")
print("""
what to notice:
  * the tangent column is computed in the same order as the value column: forward mode needs
    no memory of the past, each ẇ only needs the ẇ of its arguments;
  * the rows are the same in both sweeps, only the seeds differ: the number of forward sweeps
    equals the number of inputs, so forward mode suits functions with few inputs and many outputs.""")

# %% [markdown]
# ## Row by row, as in class (`t.steps()` yields the table as it grows)

# %%
for k, partial in enumerate(sweep_x1.steps(), 1):
    if k == 3:
        print(f"\nafter {k} of {len(sweep_x1)} rows:\n{partial.to_text()}\n")

# %% [markdown]
# ## Figures: the finished sweep beside its table, and the animation

# %%
save_figure(Sweep(expression, at=point, mode="forward", seed="x1").figure(), FIGURES / "forward-accumulation.png",
            dpi=100)
for path in save_sweep(expression, at=point, mode="forward", seed="x1", gif=FIGURES / "forward-sweep.gif",
                       dpi=60 if QUICK else 80):
    print(f"[figure] {path}")
