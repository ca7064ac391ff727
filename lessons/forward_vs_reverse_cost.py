"""Forward or reverse? Sweeps = inputs (forward) vs outputs (reverse), counted and timed."""
# %% [markdown]
# # What a Jacobian costs in forward and in reverse mode
#
# Follows deck **004**, *Python, Automatic Differentiation and TensorFlow* (N. Khan), slides
# "Forward Accumulation AD" ("Number of forward sweeps is equal to number of inputs. So forward AD
# is efficient when output size is much larger than input size.") and "Reverse Accumulation AD"
# ("Number of reverse sweeps is equal to number of outputs.").
#
# For f: Rⁿ → Rᵐ the Jacobian is m×n. One forward sweep (a JVP with a unit seed eₖ) gives column
# k; one reverse sweep (a VJP with a unit cotangent eᵢ) gives row i. We build the Jacobian sweep by
# sweep both ways, **count** the sweeps and the primitive evaluations, and **time** them.

# %%
import time

import numpy as np

import adkit as ad
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()


def make_function(n, m, seed=0):
    """f(x) = tanh(W · sin x) with a fixed random m×n matrix W: Rⁿ -> Rᵐ."""
    W = np.random.default_rng(seed).standard_normal((m, n)) / np.sqrt(n)

    def f(x):
        return ad.tanh(W @ ad.sin(x))
    return f


def jacobian_forward(f, x, n):
    """n forward sweeps, one per input: column k is J·eₖ."""
    columns, sweeps = [], 0
    for k in range(n):
        seed = np.zeros(n)
        seed[k] = 1.0
        columns.append(ad.jvp(f, (x,), (seed,))[1])
        sweeps += 1
    return columns, sweeps


def jacobian_reverse(f, x, m):
    """One recorded forward pass, then m reverse sweeps, one per output: row i is eᵢᵀ·J."""
    _, vjp_fn = ad.vjp(f, x)
    rows, sweeps = [], 0
    for i in range(m):
        cotangent = np.zeros(m)
        cotangent[i] = 1.0
        rows.append(vjp_fn(cotangent)[0])
        sweeps += 1
    return rows, sweeps


def count(n, m):
    """Sweeps and primitive evaluations for one Jacobian of f: Rⁿ -> Rᵐ, both ways.

    Primitive evaluations are counted by recording the whole Jacobian computation with
    ad.trace: every primitive applied (values, tangents, adjoints) becomes one node.
    """
    f, x = make_function(n, m), np.linspace(0.1, 1.0, n)
    forward_graph = ad.trace(lambda x: tuple(jacobian_forward(f, x, n)[0]), x)
    reverse_graph = ad.trace(lambda x: tuple(jacobian_reverse(f, x, m)[0]), x)
    return {"forward_sweeps": jacobian_forward(f, x, n)[1],
            "reverse_sweeps": jacobian_reverse(f, x, m)[1],
            "forward_evaluations": len(forward_graph.operations()),
            "reverse_evaluations": len(reverse_graph.operations())}


# %% [markdown]
# ## Both ways give the same Jacobian

# %%
f, x = make_function(3, 2), np.array([0.3, 0.6, 0.9])
columns, _ = jacobian_forward(f, x, 3)
rows, _ = jacobian_reverse(f, x, 2)
J_forward, J_reverse = np.column_stack(columns), np.vstack(rows)
print("J by 3 forward sweeps:\n", np.round(J_forward, 6))
print("J by 2 reverse sweeps:\n", np.round(J_reverse, 6))
print(f"largest difference: {float(np.abs(J_forward - J_reverse).max()):.1e} (rounding only)")

# %% [markdown]
# ## Counting: sweeps and primitive evaluations

# %%
counts = {(n, m): count(n, m) for n, m in [(1, 4), (2, 4), (4, 4), (8, 4), (4, 1), (4, 2), (4, 8)]}
print("   n   m   forward sweeps  evaluations   reverse sweeps  evaluations")
for (n, m), c in counts.items():
    print(f"{n:4d}{m:4d}   {c['forward_sweeps']:14d}  {c['forward_evaluations']:11d}   "
          f"{c['reverse_sweeps']:14d}  {c['reverse_evaluations']:11d}")
per_forward_sweep = counts[(2, 4)]["forward_evaluations"] - counts[(1, 4)]["forward_evaluations"]
per_reverse_sweep = counts[(4, 2)]["reverse_evaluations"] - counts[(4, 1)]["reverse_evaluations"]
recording = counts[(4, 1)]["reverse_evaluations"] - per_reverse_sweep
print(f"""
each forward sweep evaluates {per_forward_sweep} primitives (sin, matmul, tanh and their tangents);
reverse mode records the function once ({recording} primitives), then each reverse sweep
evaluates {per_reverse_sweep} (the local partials and adjoint products): forward costs
{per_forward_sweep}·n, reverse {recording} + {per_reverse_sweep}·m, whatever the other dimension.""")

# %% [markdown]
# ## Timing: the crossover at n ≈ m

# %%
def best_time(build, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        build()
        best = min(best, time.perf_counter() - start)
    return best


sizes = [1, 4, 16, 64] if QUICK else [1, 2, 4, 8, 16, 32, 64, 128]
fixed = 16
repeats = 1 if QUICK else 5
timings = {"vary n": [], "vary m": []}
for size in sizes:
    for key, (n, m) in (("vary n", (size, fixed)), ("vary m", (fixed, size))):
        f, x = make_function(n, m), np.linspace(0.1, 1.0, n)
        timings[key].append((best_time(lambda: jacobian_forward(f, x, n), repeats),
                             best_time(lambda: jacobian_reverse(f, x, m), repeats)))
for key, label in (("vary n", f"m = {fixed}, n ="), ("vary m", f"n = {fixed}, m =")):
    print(f"\n{label:>14}  forward (ms)  reverse (ms)")
    for size, (t_forward, t_reverse) in zip(sizes, timings[key]):
        print(f"{size:14d}  {1e3 * t_forward:12.3f}  {1e3 * t_reverse:12.3f}")
print("""
what to notice: forward time grows with the number of inputs and ignores the outputs; reverse
time grows with the number of outputs and ignores the inputs. A loss (m = 1) with a million
weights (n = 10⁶) is why training uses reverse mode: one sweep instead of a million.""")

# %%
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), sharey=True)
for ax, key, varied in zip(axes, ("vary n", "vary m"), ("n (inputs)", "m (outputs)")):
    forward_ms = [1e3 * t for t, _ in timings[key]]
    reverse_ms = [1e3 * t for _, t in timings[key]]
    ax.loglog(sizes, forward_ms, "o-", color="#1f5fbf", lw=2.2, label="forward: one sweep per input")
    ax.loglog(sizes, reverse_ms, "s-", color="#c0392b", lw=2.2, label="reverse: one sweep per output")
    ax.axvline(fixed, color="#999999", ls="--", lw=1)
    ax.annotate("n = m", xy=(fixed, 0), xycoords=("data", "axes fraction"), xytext=(5, 8),
                textcoords="offset points", color="#666666", fontsize=11)
    other = "m" if key == "vary n" else "n"
    ax.set_title(f"Jacobian of f: Rⁿ → Rᵐ, {other} = {fixed}", fontsize=13)
    ax.set_xlabel(varied, fontsize=13)
    ax.tick_params(labelsize=11)
    ax.legend(fontsize=11, frameon=False, loc="upper left")
axes[0].set_ylabel("time per Jacobian (ms)", fontsize=13)
fig.tight_layout()
save_figure(fig, FIGURES / "forward-vs-reverse-cost.png")
