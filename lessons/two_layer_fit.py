"""The two-layer network of the slides trained by Keras's fit: the same steps as the hand-written loop."""
# %% [markdown]
# # The two-layer network, trained by `fit`
#
# Follows deck **004**, *Python, Automatic Differentiation and TensorFlow* (N. Khan), slides
# "Two-Layer Neural Network in TensorFlow" (1000 examples with 100 features, 10 relu hidden units,
# one output, weights from N(0, 1), mean squared error, SGD with learning rate 0.05 on batches of
# 5) and "Keras" (the same model in three lines). The lesson two-layer-network writes the training
# loop by hand with `ad.grad`; here Keras's `Sequential`, `compile` and `fit` do it, and we check
# that they take exactly the same steps.

# %%
import numpy as np
from matplotlib.figure import Figure

import adkit as ad
import adkit.nn as nn
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()
nn.clear_session()                                     # layer names from dense, sequential

examples, features, hidden = (200, 100, 10) if QUICK else (1000, 100, 10)
epochs, batch_size, learning_rate = (4 if QUICK else 25), 5, 0.05   # 25 epochs = the slide's 5000 steps
data = np.random.default_rng(0)
x_data = data.standard_normal((examples, features))
y_data = data.standard_normal((examples, 1))
x_test = data.standard_normal((examples, features))    # fresh data: learning or memorizing?
y_test = data.standard_normal((examples, 1))
baseline = float(np.mean(y_test ** 2))                 # the loss of always answering 0
# N(0, 1) scaled by sqrt(2 / fan-in) (He), which the two-layer-network lesson shows the relu needs
start = np.random.default_rng(1)
initial = [start.standard_normal((features, hidden)) * np.sqrt(2 / features), np.zeros(hidden),
           start.standard_normal((hidden, 1)) * np.sqrt(2 / hidden), np.zeros(1)]


def keras_model():
    model = nn.Sequential([nn.Dense(hidden, activation="relu", input_shape=(features,)),
                           nn.Dense(1)])
    model.set_weights(initial)
    model.compile(optimizer=nn.SGD(learning_rate=learning_rate), loss="mse")
    return model


# %% [markdown]
# ## fit is the hand-written loop
# One epoch without shuffling, from the same initial weights: the hand loop (batches in order,
# `ad.grad` of the mean squared error, w ← w − 0.05·∂E/∂w) and `fit` end at the same weights.

# %%
def loss(w1, b1, w2, b2, X, y):
    return ad.mean((ad.relu(X @ w1 + b1) @ w2 + b2 - y) ** 2)


by_hand = [w.copy() for w in initial]
for i in range(0, examples, batch_size):
    grads = ad.grad(loss, argnums=(0, 1, 2, 3))(*by_hand, x_data[i:i + batch_size],
                                                y_data[i:i + batch_size])
    for w, g in zip(by_hand, grads):
        w -= learning_rate * g
model = keras_model()
model.fit(x_data, y_data, epochs=1, batch_size=batch_size, shuffle=False, verbose=0)
difference = max(float(np.abs(a - b).max()) for a, b in zip(by_hand, model.weights))
print(f"after {examples // batch_size} steps the hand loop and fit differ by at most {difference:.1e}")
model.summary()

# %% [markdown]
# ## The slide's training, and what it learns
# The targets are random: nothing in x predicts y. A model that generalises can do no better on
# fresh data than answering 0 (loss mean(y²) ≈ 1).

# %%
model = keras_model()
print(f"loss before training: {model.evaluate(x_data, y_data, verbose=0):.3f} (training data)")
history = model.fit(x_data, y_data, epochs=epochs, batch_size=batch_size, verbose=0,
                    validation_data=(x_test, y_test))
train_loss, test_loss = history.history["loss"][-1], history.history["val_loss"][-1]
print(f"after {epochs * examples // batch_size} steps: training loss {train_loss:.3f}, "
      f"fresh-data loss {test_loss:.3f}, answering 0 would give {baseline:.3f}")
print("""
what to notice: Keras's fit is nothing but the loop of the two-layer-network lesson: batches,
one reverse sweep per batch, one SGD update. The training loss falls while the loss on fresh data
rises above the do-nothing baseline: with random targets, the network memorises.""")

# %%
fig = Figure(figsize=(7.5, 4.4))
ax = fig.add_subplot()
epoch_axis = np.arange(1, epochs + 1)
ax.plot(epoch_axis, history.history["loss"], "o-", lw=2, ms=4, label="training loss (fit)")
ax.plot(epoch_axis, history.history["val_loss"], "s--", lw=2, ms=4, label="loss on fresh data")
ax.axhline(baseline, color="gray", lw=1.5, ls=":", label="answer 0 (the best that generalises)")
ax.set_xlabel("epoch", fontsize=12)
ax.set_ylabel("mean squared error", fontsize=12)
ax.set_title("Two-layer network, Keras fit: memorising random targets", fontsize=12)
ax.legend(frameon=False, fontsize=10)
ax.grid(alpha=0.3)
fig.tight_layout()
save_figure(fig, FIGURES / "two-layer-fit.png")
