"""Expression swell: symbolic derivatives grow geometrically, the tape grows by a constant."""
# %% [markdown]
# # Expression swell
#
# Follows deck **004**, *Python, Automatic Differentiation and TensorFlow* (N. Khan), slide
# "Automatic Differentiation (AD)": analytic (symbolic) differentiation works on a *math
# expression*, AD on a *computer program*. The difference shows when an expression refers to
# itself: f₀ = x, f_{k+1} = sin(f_k)·f_k + x. Each level uses f_k twice, and the product rule
# copies it again, so the derivative written out as one formula roughly doubles (and more) per
# level. The program that computes it, and AD's tape of that program, grow by a constant.

# %%
import sympy as sp

import adkit as ad
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()
levels = range(1, (6 if QUICK else 8) + 1)


def program(k):
    """f_k as a Python function: a loop, k lines of work."""
    def f(x):
        y = x
        for _ in range(k):
            y = ad.sin(y) * y + x
        return y
    return f


# %% [markdown]
# ## Measure: sympy's derivative vs the recorded tapes

# %%
x = sp.Symbol("x")
expression = x
rows = []
for k in levels:
    expression = sp.sin(expression) * expression + x
    derivative = sp.diff(expression, x)
    replacements, reduced = sp.cse(derivative)        # share repeated subexpressions
    shared = sum(sp.count_ops(e) for _, e in replacements) + sp.count_ops(reduced[0])
    tape = len(ad.trace(program(k), 0.5))             # nodes recorded for f_k
    gradient_tape = len(ad.trace(ad.grad(program(k)), 0.5))  # f_k and its reverse sweep
    rows.append((k, sp.count_ops(expression), sp.count_ops(derivative), shared, tape, gradient_tape))

# the derivatives agree (one point, to be sure we compare like with like)
k_last = rows[-1][0]
symbolic_value = float(derivative.subs(x, 0.5))
ad_value = ad.grad(program(k_last))(0.5)
print(f"f_{k_last}'(0.5): sympy {symbolic_value:.12f}, adkit {ad_value:.12f}")

print("\n  k   ops in f_k   ops in f_k' (sympy)   growth   with cse   tape of f_k   tape of grad")
previous = None
for k, f_ops, d_ops, shared, tape, gradient_tape in rows:
    growth = f"{d_ops / previous:5.2f}×" if previous else "      "
    previous = d_ops
    print(f"{k:3d}   {f_ops:10d}   {d_ops:19d}   {growth}   {shared:8d}   {tape:11d}   {gradient_tape:12d}")

derivative_ops = {k: d for k, _, d, _, _, _ in rows}
gradient_tapes = [r[5] for r in rows]
tape_steps = sorted({b - a for a, b in zip(gradient_tapes, gradient_tapes[1:])})
ratios = [derivative_ops[k + 1] / derivative_ops[k] for k in list(levels)[:-1]]
k_max = max(levels)
print(f"""
what to notice:
  * the derivative as one sympy expression grows by a factor {ratios[-1]:.2f} from k = {k_max - 1}
    to k = {k_max} (the factor creeps down towards 2); at k = {k_max} it has {derivative_ops[k_max]:,} operations;
  * the tape of f_k and its reverse sweep grows by {', '.join(map(str, tape_steps))} nodes per level: linear;
  * sympy.cse, which names repeated subexpressions, brings the formula back to linear size:
    the swell is repetition, and a tape is exactly an expression with every repeat named.""")

# %%
import matplotlib.pyplot as plt

ks = [r[0] for r in rows]
fig, ax = plt.subplots(figsize=(8, 4.8))
ax.semilogy(ks, [r[2] for r in rows], "o-", color="#c0392b", lw=2.2, label="sympy: count_ops(diff(f_k, x))")
ax.semilogy(ks, [r[3] for r in rows], "^-", color="#e67e22", lw=1.6, label="the same after sympy.cse")
ax.semilogy(ks, [r[5] for r in rows], "s-", color="#1b7837", lw=2.2, label="adkit tape: f_k and its reverse sweep")
ax.semilogy(ks, [r[4] for r in rows], "d--", color="#1f5fbf", lw=1.4, label="adkit tape: f_k alone")
for k, d in zip(ks, (r[2] for r in rows)):
    if k == ks[-1]:
        ax.annotate(f"{d:,} operations", (k, d), xytext=(-12, 0), textcoords="offset points",
                    ha="right", va="center", fontsize=11, color="#c0392b")
ax.set_xlabel(r"$k$   ($f_0 = x,\ f_{k+1} = \sin(f_k) \cdot f_k + x$)", fontsize=13)
ax.set_ylabel("operations / nodes (log scale)", fontsize=13)
ax.set_title("Expression swell: symbolic derivative vs AD tape", fontsize=13)
ax.legend(fontsize=11, frameon=False, loc="upper left")
ax.tick_params(labelsize=11)
fig.tight_layout()
save_figure(fig, FIGURES / "expression-swell.png")
