"""Registering a primitive with its own derivative rule, and seeing it in grad, the tables and check."""
# %% [markdown]
# # A primitive of your own
#
# Follows deck **004**, *Python, Automatic Differentiation and TensorFlow* (N. Khan), slide
# "AD in Python": elementary operations are *overloaded* to also compute their derivatives, and
# "if required, user-defined complex functions and their derivative implementations can be
# *registered* with Autograd".
#
# In adkit a primitive is one record: a name, a numpy implementation, its local partial
# derivatives (written with adkit's own functions), its sympy counterpart and how it prints.
# We make **softplus(x) = log(1 + eˣ)**, whose derivative is the logistic sigmoid. The record
# alone works in forward mode, reverse mode, the tables and the sympy check; *registering* it in
# the table (``ad.register``, or ``with ad.registered(...)`` for one block) also lets the parser
# and the grader read ``softplus(...)`` in typed expressions and answers.

# %%
import math

import numpy as np

import adkit as ad
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()


def softplus_numpy(x):
    return np.logaddexp(0.0, x)          # log(1 + eˣ) without overflow for large x


def softplus_float(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def softplus_partials(out, x):
    """∂softplus(x)/∂x = σ(x): one local partial, written with adkit's sigmoid."""
    return (ad.sigmoid(x),)


def softplus_sympy(sp, x):
    return sp.log(1 + sp.exp(x))


name = "softplus"
softplus = ad.Primitive(
    name, softplus_numpy, scalar_impl=softplus_float, partials=softplus_partials,
    sympy=softplus_sympy, notation=ad.Notation("function", name, r"\operatorname{%s}" % name),
    doc="softplus(x) = log(1 + eˣ).  ∂/∂x = sigmoid(x).")
print(f"made {softplus!r}: softplus(1.0) = {softplus(1.0):.6f}")

# %% [markdown]
# ## Registered, the parser and the grader know its name
# ``with ad.registered(softplus):`` adds it to the table for the block only and puts the table
# back afterwards, so running this lesson twice works.

# %%
with ad.registered(softplus):
    typed = ad.parse("softplus(x1*x2) + x1")
    print(typed)
    verdict = ad.grade("softplus(x1*x2) + x1", "x2*sigmoid(x1*x2) + 1", "x1")
    print("grade of x2·sigmoid(x1·x2) + 1 for ∂/∂x1:", verdict.status)
try:
    ad.parse("softplus(x)")
except ad.ParseError as e:
    print("after the block the parser no longer knows it:", e.reason.split(";")[0])

# %% [markdown]
# ## It works in both modes, on floats and on arrays

# %%
def f(x1, x2):
    return softplus(x1 * x2) + x1


point = {"x1": 1.5, "x2": -0.5}
by_reverse = ad.grad(f, argnums=(0, 1))(1.5, -0.5)
by_forward = (ad.derivative(lambda x: f(x, -0.5))(1.5), ad.derivative(lambda y: f(1.5, y))(-0.5))
s = 1 / (1 + math.exp(0.75))             # σ(x1·x2) = σ(-0.75)
by_hand = (s * -0.5 + 1, s * 1.5)
print("∇f by reverse mode:", tuple(round(v, 12) for v in by_reverse))
print("∇f by forward mode:", tuple(round(v, 12) for v in by_forward))
print("∇f by hand:        ", tuple(round(v, 12) for v in by_hand))
xs = np.linspace(-3, 3, 7)
print("softplus' on an array (jacfwd, diagonal):", np.round(np.diag(ad.jacfwd(softplus)(xs)), 4).tolist())

# %% [markdown]
# ## In the tables: the row's formula is the rule we registered, run on named values

# %%
forward = ad.forward_table(f, at=point, seed="x1")
print(forward.to_text())
reverse = ad.reverse_table(f, at=point)
print()
print(reverse.to_text())

# %% [markdown]
# ## In check: forward, reverse and sympy's exact derivative must agree

# %%
report = ad.check(f)
print(report)
check_ok = report.ok

# %% [markdown]
# ## A wrong rule is caught
# Register the same function with a mistaken derivative (tanh instead of sigmoid, an easy slip):
# forward and reverse mode agree with each other (they share the rule), but sympy does not.

# %%
wrong = ad.Primitive(
    name + "_wrong", softplus_numpy, scalar_impl=softplus_float,
    partials=lambda out, x: (ad.tanh(x),), sympy=softplus_sympy,
    notation=ad.Notation("function", name + "_wrong"))
bad_report = ad.check(lambda x: wrong(x), at={"x": 0.5})
print(bad_report)
print(f"\nwhat to notice: check says ok = {bad_report.ok}; both AD modes use the one registered rule,")
print("so only an independent oracle (sympy's exact derivative) can tell that the rule is wrong.")

# %%
import matplotlib.pyplot as plt

grid = np.linspace(-4, 4, 81 if QUICK else 401)
slope = ad.jvp(softplus, (grid,), (np.ones_like(grid),))[1]
wrong_slope = ad.jvp(wrong, (grid,), (np.ones_like(grid),))[1]
finite = (softplus_numpy(grid + 1e-5) - softplus_numpy(grid - 1e-5)) / 2e-5
fig, ax = plt.subplots(figsize=(8, 4.6))
ax.plot(grid, softplus_numpy(grid), color="#333333", lw=2.4, label="softplus(x) = log(1 + eˣ)")
ax.plot(grid, slope, color="#1b7837", lw=2.4, label="its derivative by adkit (rule: sigmoid)")
ax.plot(grid[::8], finite[::8], "o", color="#1b7837", ms=5, mfc="white", label="central differences")
ax.plot(grid, wrong_slope, color="#c0392b", lw=1.8, ls="--", label="a wrong rule (tanh): caught by check")
ax.set_xlabel("x", fontsize=13)
ax.set_title(f"A primitive of your own: {name}", fontsize=13)
ax.legend(fontsize=11, frameon=False, loc="upper left")
ax.tick_params(labelsize=11)
ax.set_ylim(-1.2, 4.5)
fig.tight_layout()
save_figure(fig, FIGURES / "custom-primitive.png")
