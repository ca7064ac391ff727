"""Keras on handwritten digits: Sequential, compile, fit, evaluate, and the digits it gets wrong."""
# %% [markdown]
# # Keras on handwritten digits
#
# Follows deck **004**, *Python, Automatic Differentiation and TensorFlow* (N. Khan), slide
# "Keras": `tf.keras.models.Sequential([Flatten, Dense(512, relu), Dropout(0.2), Dense(10,
# softmax)])`, `compile(optimizer='adam', loss='sparse_categorical_crossentropy',
# metrics=['accuracy'])`, `fit(x_train, y_train, epochs=5)`, `evaluate(x_test, y_test)`.
#
# The slide's code runs here unchanged but for two lines: `tf` is adkit (adkit.nn is what
# `tf.keras` and `tf.nn` stand for), and the data set is the 8×8 digits that ship with adkit
# (MNIST needs a download; adkit never downloads). Every layer is made of adkit primitives, so
# `fit` is `ad.value_and_grad` of the mean loss over a batch, then Adam's update.

# %%
from collections import Counter
from types import SimpleNamespace

import numpy as np
from matplotlib.figure import Figure

import adkit as ad
import adkit.nn
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()
tf = SimpleNamespace(keras=adkit.nn, nn=adkit.nn)   # what `import adkit.tf1 as tf` gives
adkit.nn.clear_session()                            # layer names from dense, sequential
adkit.nn.set_random_seed(0)
epochs = 5

# %% [markdown]
# ## The slide's code

# %%
digits = tf.keras.datasets.digits                   # the slide: tf.keras.datasets.mnist

(x_train, y_train), (x_test, y_test) = digits.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0

model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(8, 8)),    # the slide: (28, 28)
    tf.keras.layers.Dense(512, activation=tf.nn.relu),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(10, activation=tf.nn.softmax)
])
model.compile(optimizer='adam',
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])

history = model.fit(x_train, y_train, epochs=epochs, verbose=2, validation_data=(x_test, y_test))
test_loss, test_accuracy = model.evaluate(x_test, y_test)

# %% [markdown]
# ## What the model is
# `summary()` counts the weights: a Dense layer from n inputs to m units has n·m + m (kernel and
# bias); Flatten and Dropout have none.

# %%
model.summary()
print(f"{len(x_train)} training and {len(x_test)} test images of 8x8 pixels; "
      f"test accuracy {test_accuracy:.3f} after {epochs} epochs")

# %% [markdown]
# ## One step of fit, by hand
# fit draws a batch, differentiates the mean loss with respect to every weight (one reverse sweep)
# and lets the optimiser move the weights. Here is that gradient for the first 32 images, the
# same call fit makes, and its graph: a few dozen primitives, whatever the number of weights.

# %%
def batch_loss(*weights):
    logits, _ = model.apply(list(weights), x_train[:32], training=False, logits=True)
    return ad.mean(adkit.nn.sparse_categorical_crossentropy(y_train[:32], logits, from_logits=True))


graph = ad.trace(batch_loss, *model.weights)
print(f"the loss of one batch is a graph of {len(graph)} nodes:")
print(graph)
gradients = ad.grad(batch_loss, argnums=tuple(range(len(model.weights))))(*model.weights)
print("one gradient per weight array:", [g.shape for g in gradients])
print("""
what to notice: softmax + cross-entropy are computed together from the logits (log-softmax), as
Keras does, so a confident wrong answer gives a large finite loss instead of log 0; the gradient
with respect to the logits is softmax − one-hot, the error signal that flows back through the net.""")

# %% [markdown]
# ## Where it fails
# The loss and accuracy curves, and the test digits the model gets wrong.

# %%
predicted = model.predict(x_test).argmax(axis=1)
wrong = np.flatnonzero(predicted != y_test)
confusions = Counter(f"{y_test[i]} read as {predicted[i]}" for i in wrong)
print(f"{len(wrong)} of {len(y_test)} test digits are misclassified; most common:",
      ", ".join(f"{text} ({count}x)" for text, count in confusions.most_common(3)))

fig = Figure(figsize=(12, 4.2))
left, right = fig.subplots(1, 2)
epoch_axis = np.arange(1, epochs + 1)
for key, style in (("loss", "o-"), ("val_loss", "s--")):
    left.plot(epoch_axis, history.history[key], style, lw=2, label=key)
for key, style in (("accuracy", "o-"), ("val_accuracy", "s--")):
    right.plot(epoch_axis, history.history[key], style, lw=2, label=key)
left.set_title("Loss (sparse categorical cross-entropy)", fontsize=13)
right.set_title("Accuracy", fontsize=13)
for ax in (left, right):
    ax.set_xlabel("epoch", fontsize=12)
    ax.set_xticks(epoch_axis)
    ax.legend(frameon=False, fontsize=11)
    ax.grid(alpha=0.3)
fig.tight_layout()
save_figure(fig, FIGURES / "keras-digits.png")

shown = wrong[:24]
fig = Figure(figsize=(12, 2.2 * max(1, -(-len(shown) // 8))))
axes = fig.subplots(max(1, -(-len(shown) // 8)), 8, squeeze=False)
for ax in axes.flat:
    ax.axis("off")
for ax, i in zip(axes.flat, shown):
    ax.imshow(x_test[i], cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(f"true {y_test[i]}, said {predicted[i]}", fontsize=10, color="#c0392b")
fig.suptitle(f"Misclassified test digits ({len(wrong)} of {len(y_test)})", fontsize=13)
fig.tight_layout()
save_figure(fig, FIGURES / "keras-digits-mistakes.png")
