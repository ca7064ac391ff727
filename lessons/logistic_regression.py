"""Logistic regression by automatic differentiation on two moons: decision boundary and loss curve."""
# %% [markdown]
# # Logistic regression via automatic differentiation
#
# Follows deck **004**, *Python, Automatic Differentiation and TensorFlow* (N. Khan), slides
# "Logistic Regression via Automatic Differentiation" (two pages). The slide's Autograd code is
# ported line by line: `autograd.numpy` becomes `adkit.numpy`, `autograd.grad` becomes `ad.grad`,
# and scikit-learn's `make_moons` becomes adkit's small numpy generator `two_moons`.

# %%
import numpy as np

import adkit as ad
import adkit.numpy as anp
from adkit.datasets import two_moons
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()

# Generate the data
train_X, train_y = two_moons(200 if QUICK else 500, noise=0.1, seed=0)


# Define the activation, prediction and loss functions for Logistic Regression
def activation(x):
    return 0.5 * (anp.tanh(x) + 1)


def predict(weights, inputs):
    return activation(anp.dot(inputs, weights))


def loss(weights):
    preds = predict(weights, train_X)
    label_probabilities = anp.log(preds) * train_y + anp.log(1 - preds) * (1 - train_y)
    return -anp.sum(label_probabilities)


# Compute the gradient of the loss function
gradient_loss = ad.grad(loss)

# Set the initial weights
weights = np.array([1.0, 1.0])

# Steepest Descent
loss_values = []
learning_rate = 0.001
for i in range(100):
    loss_values.append(loss(weights))
    step = gradient_loss(weights)
    weights -= step * learning_rate

# %% [markdown]
# ## How well does it do?
# 0.5·(tanh(x) + 1) is the logistic sigmoid σ(2x), so predict gives P(label 1). The model has no
# bias term: its decision boundary is a line through the origin.

# %%
accuracy = float(np.mean((predict(weights, train_X) > 0.5) == train_y))
print(f"{len(train_y)} points, 100 steps of steepest descent with learning rate {learning_rate}")
print(f"loss: {loss_values[0]:.2f} -> {loss_values[-1]:.2f}")
print(f"weights: {np.round(weights, 4).tolist()}")
print(f"training accuracy: {accuracy:.3f}")
print("""
what to notice:
  * the gradient of a 500-term loss came from one reverse sweep (ad.grad), as on the slide;
  * a linear boundary cannot follow the moons' curves: some points near the tips stay on the
    wrong side, whatever the number of steps; a bias term or features would help.""")

# %%
import matplotlib.pyplot as plt

# Plot the decision boundary
x_min, x_max = train_X[:, 0].min() - 0.5, train_X[:, 0].max() + 0.5
y_min, y_max = train_X[:, 1].min() - 0.5, train_X[:, 1].max() + 0.5
resolution = 0.05 if QUICK else 0.01
x_mesh, y_mesh = np.meshgrid(np.arange(x_min, x_max, resolution), np.arange(y_min, y_max, resolution))
Z = predict(weights, np.c_[x_mesh.ravel(), y_mesh.ravel()])
Z = Z.reshape(x_mesh.shape)
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1.35, 1]})
cs = left.contourf(x_mesh, y_mesh, Z, levels=20, cmap=plt.cm.Spectral)
left.contour(x_mesh, y_mesh, Z, levels=[0.5], colors="black", linewidths=1.5)
left.scatter(train_X[:, 0], train_X[:, 1], c=train_y, cmap=plt.cm.Spectral, edgecolors="black",
             linewidths=0.4, s=18)
colourbar = fig.colorbar(cs, ax=left)
colourbar.set_label("P(label 1)", fontsize=12)
left.set_title(f"Decision boundary (accuracy {accuracy:.1%})", fontsize=13)
left.set_xlabel("x₁", fontsize=13)
left.set_ylabel("x₂", fontsize=13)

# Plot the loss over each step
right.plot(loss_values, color="#1f5fbf", lw=2.2)
right.set_xlabel("Steps", fontsize=13)
right.set_ylabel("Loss", fontsize=13)
right.set_title("Loss (negative log-likelihood)", fontsize=13)
for ax in (left, right):
    ax.tick_params(labelsize=11)
fig.tight_layout()
save_figure(fig, FIGURES / "logistic-regression.png")
