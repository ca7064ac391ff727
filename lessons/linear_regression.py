"""Linear regression by gradient descent in TF1: RSS, the step-size demo, and the 2-D loss landscape."""
# %% [markdown]
# # Overdoing linear regression
#
# Follows deck **002**, *Overdoing linear regression with TensorFlow* (O. Dürr), slides
# "Linear Regression: See Backbord" (model ŷ = a·x + b, criterion RSS), "Gradient Descent: 1-D
# function", "Demo for influence of step size" (learning rate, STEP, RESET), "Optimization in 2-D"
# (W ← W − ε ∂loss/∂W, the gradient is perpendicular to the levels), "Local vs. Global Minima"
# and "Gradient Descent in TensorFlow":
#
#     # loss has to be defined symbolically
#     train_op = tf.train.GradientDescentOptimizer(0.0001).minimize(loss)
#     for e in range(epochs): #Fitting the data for some epochs
#         _, res = sess.run([train_op, loss], feed_dict={x:x_data, y:y_data})
#
# That code runs here as printed (only the import line differs: `import adkit.tf1 as tf`); the
# framework's only job is the gradient of the loss, which `minimize` gets from adkit's reverse mode.

# %%
import numpy as np
from matplotlib.figure import Figure

import adkit.tf1 as tf
from adkit.datasets import noisy_line
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()

TRUE_A, TRUE_B = 2.0, -1.0
x_data, y_data = noisy_line(20 if QUICK else 50, a=TRUE_A, b=TRUE_B, noise=0.5, seed=1)
start = (-1.0, 4.0)


def build(rate):
    """The graph: placeholders for the data, Variables a and b, the RSS, and a train op."""
    tf.reset_default_graph()
    x = tf.placeholder(tf.float64, name="x")
    y = tf.placeholder(tf.float64, name="y")
    a = tf.Variable(start[0], name="a", dtype=tf.float64)
    b = tf.Variable(start[1], name="b", dtype=tf.float64)
    loss = tf.reduce_sum(tf.square(y - (a * x + b)), name="loss")   # RSS
    # loss has to be defined symbolically
    train_op = tf.train.GradientDescentOptimizer(rate).minimize(loss)
    return x, y, a, b, loss, train_op


x, y, a, b, loss, train_op = build(0.0)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
feed = {x: x_data, y: y_data}
gradient_at_start = sess.run(tf.gradients(loss, [a, b]), feed_dict=feed)
print(f"{len(x_data)} points around y = {TRUE_A:g}·x + ({TRUE_B:g}); RSS at (a, b) = {start}: "
      f"{sess.run(loss, feed_dict=feed):.2f}")
print("tf.gradients(loss, [a, b]) there:", tuple(round(float(g), 4) for g in gradient_at_start))

# %% [markdown]
# ## How large may a step be?
# RSS is a quadratic bowl. Its Hessian H (tf.gradients of tf.gradients) decides everything:
# gradient descent converges for ε < 2/λmax(H) and is fastest at ε = 2/(λmax + λmin).

# %%
grad_a, grad_b = tf.gradients(loss, [a, b])
H = np.array([[float(v) for v in sess.run(tf.gradients(g, [a, b]), feed_dict=feed)]
              for g in (grad_a, grad_b)])
eigenvalues = np.linalg.eigvalsh(H)
limit = 2.0 / eigenvalues[-1]
rates = {"too small": limit / 40, "right": 2.0 / (eigenvalues[0] + eigenvalues[-1]),
         "too large": 1.08 * limit}
print("Hessian of RSS:", np.round(H, 3).tolist(), " eigenvalues:", np.round(eigenvalues, 3).tolist())
print(f"steps diverge above ε = 2/λmax = {limit:.5f}")
sess.close()

# %% [markdown]
# ## The step-size demo: STEP ... STEP, RESET, for three learning rates

# %%
epochs = 30 if QUICK else 60
paths, losses = {}, {}
for name, rate in rates.items():
    x, y, a, b, loss, train_op = build(rate)            # RESET
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    path, loss_values = [tuple(sess.run([a, b]))], []
    for e in range(epochs): #Fitting the data for some epochs
        _, res = sess.run([train_op, loss], feed_dict={x:x_data, y:y_data})   # STEP
        loss_values.append(res)                         # the loss before this step
        path.append(tuple(sess.run([a, b])))
    loss_values.append(sess.run(loss, feed_dict={x: x_data, y: y_data}))
    sess.close()
    paths[name], losses[name] = np.array(path, dtype=float), np.array(loss_values, dtype=float)
    print(f"\nlearning rate {rate:.5f} ({name})")
    print("  step           a           b          RSS")
    for k in (0, 1, 2, 3, 10, epochs):
        print(f"  {k:4d}  {path[k][0]:10.4f}  {path[k][1]:10.4f}  {loss_values[k]:11.4g}")

# %%
fitted_a, fitted_b = paths["right"][-1]
exact_a, exact_b = np.linalg.lstsq(np.column_stack([x_data, np.ones_like(x_data)]), y_data, rcond=None)[0]
print(f"\ngradient descent (right rate): a = {fitted_a:.6f}, b = {fitted_b:.6f}")
print(f"least squares (numpy lstsq):   a = {exact_a:.6f}, b = {exact_b:.6f}")
print(f"the line the data came from:   a = {TRUE_A:.6f}, b = {TRUE_B:.6f}")
print("""
what to notice:
  * too small: every step is safe but after all the steps the loss has barely moved;
  * right: the loss falls by a constant factor per step (a convex bowl, one minimum);
  * too large: each step overshoots further than the last, the loss grows without bound.""")

# %%
colours = {"too small": "#1f5fbf", "right": "#1b7837", "too large": "#c0392b"}
fig = Figure(figsize=(11, 4.4))
left, right = fig.subplots(1, 2)
left.scatter(x_data, y_data, s=22, color="#555555", label="data")
grid = np.linspace(x_data.min(), x_data.max(), 2)
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
surface = ((y_data[None, None, :] - (A[..., None] * x_data + B[..., None])) ** 2).sum(axis=-1)
fig = Figure(figsize=(8.4, 6.2))
ax = fig.add_subplot()
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
