"""Source transformation: the reverse table as an adjoint program, and a compiled training loop."""
# %% [markdown]
# # Source transformation
#
# Follows deck **004**, *Python, Automatic Differentiation and TensorFlow* (N. Khan), slides
# "Automatic Differentiation (AD)" ("derivatives of a function *specified by a computer
# program*") and "Reverse Accumulation AD". Operator overloading (the `Dual` numbers and the
# traced graphs of the earlier lessons) computes derivatives *while* the program runs. Source
# transformation, as Tapenade does it, writes a *new program* that computes them: the table's
# rows become statements. `ad.adjoint_program` writes the reverse table of z = x1·x2 + sin x1
# as Python, line for line; `ad.compile` does the same for any traced function (a gradient, a
# Jacobian, a Hessian) and runs the generated code instead of the interpreter.

# %%
import time
import unicodedata

import numpy as np

import adkit as ad
import adkit.numpy as anp
from adkit.datasets import two_moons
from adkit.lessons_runner import lesson_settings

FIGURES, QUICK = lesson_settings()

expression = "x1*x2 + sin(x1)"
point = {"x1": 2.0, "x2": 5.0}

# %% [markdown]
# ## The reverse table beside its adjoint program
# Each row of the table (left) is one statement of the program (right): same names (w̄3 is
# `w3_bar`), same formula, same order, from the seed back to the inputs. The formulas are not
# typed twice: both come from running each primitive's rule on named values.

# %%
table = ad.reverse_table(expression, at=point)
program = ad.adjoint_program(expression)


def shown(text):
    """Columns the text takes on screen (the bar of w̄ is a combining mark: no column)."""
    return len(text) - sum(unicodedata.combining(ch) > 0 for ch in text)


left = [f"{row.lhs} = {row.rhs}" for row in table.rows]
width = max(shown(text) for text in left)
print("reverse table" + " " * (width - 13) + "   adjoint program")
for text, line in zip(left, program.rows):
    print(text + " " * (width - shown(text)) + "   " + line)
print()
print(program.source)
value, gradient = program(point["x1"], point["x2"])
print(f"adjoint({point['x1']}, {point['x2']}) = {value:.6f}, gradient ({gradient[0]:.6f}, {gradient[1]:.6f})")
print(f"table result:               " + ", ".join(f"{n} = {v:.6f}" for n, v in table.result.items()))

# %% [markdown]
# ## The tangent program (forward mode)
# The forward table becomes a program too: every value statement is followed by its tangent.

# %%
tangent = ad.tangent_program(expression)
print(tangent.source)

# %% [markdown]
# ## Compiling the logistic regression of lesson 004
# `ad.compile(ad.grad(loss))` traces the gradient once (its backward sweep records onto the
# trace), writes the whole adjoint program out as straight-line numpy, and caches it for this
# shape of `weights`. The generated code is printed below: forward sweep, then adjoints, with
# common subexpressions shared, arrays updated in place when they die (`+=`), and `del` at their
# last use. The compiled gradient gives the same numbers as the interpreted one.

# %%
train_X, train_y = two_moons(200 if QUICK else 500, noise=0.1, seed=0)


def loss(weights):
    preds = 0.5 * (anp.tanh(anp.dot(train_X, weights)) + 1)
    label_probabilities = anp.log(preds) * train_y + anp.log(1 - preds) * (1 - train_y)
    return -anp.sum(label_probabilities)


gradient_loss = ad.grad(loss)
compiled_gradient = ad.compile(gradient_loss)


def train(gradient_fn, steps=100, learning_rate=0.001):
    weights = np.array([1.0, 1.0])
    for _ in range(steps):
        weights = weights - learning_rate * gradient_fn(weights)
    return weights


start = time.perf_counter()
eager_weights = train(gradient_loss)
eager_seconds = time.perf_counter() - start
compiled_gradient(np.array([1.0, 1.0]))  # the first call traces and generates the code
start = time.perf_counter()
compiled_weights = train(compiled_gradient)
compiled_seconds = time.perf_counter() - start
max_difference = float(np.max(np.abs(eager_weights - compiled_weights)))
print(compiled_gradient.source)
print(f"100 steps: interpreted {eager_seconds * 1e3:.1f} ms, compiled {compiled_seconds * 1e3:.1f} ms "
      f"(traced {compiled_gradient.traces} time(s)); weights {np.round(compiled_weights, 4).tolist()}, "
      f"largest difference {max_difference:.1e}")

# %% [markdown]
# ## Control flow is specialised, and guarded
# Python runs while the function is traced: loops unroll, and an `if` on a traced value is
# decided at the traced point. The generated code checks that decision (a *guard*); a call that
# decides differently is traced again, so a compiled function is never silently wrong.

# %%
def piecewise(x):
    if x > 0:
        return x * x
    return -ad.sin(x)


compiled_piecewise = ad.compile(ad.grad(piecewise))
answers = [compiled_piecewise(x) for x in (3.0, -2.0, 4.0, -1.0)]
print(compiled_piecewise.source)
print(f"gradients at 3, -2, 4, -1: {np.round(answers, 6).tolist()} "
      f"({compiled_piecewise.traces} traces: one per branch)")
print("""
what to notice:
  * the adjoint program has one statement per row of the reverse table, in the table's order;
  * a compiled function is specialised on shapes, dtypes and branch decisions, and guarded;
  * the generated code is plain Python and numpy: readable, and nothing left to interpret.""")
