"""A recurrent network with Keras's SimpleRNN: reading a digit row by row, trained by backpropagation through time."""
# %% [markdown]
# # SimpleRNN: the slide's recurrence as a Keras layer
#
# Follows deck **003**, *TensorFlow and Deep Learning* (HPC2N / Umeå), slides "What are RNNs?",
# "Training RNNs" (s_t = tanh(U x_t + W s_{t−1}), BPTT) and "RNN flavor in TensorFlow"
# (`tf.keras.layers.SimpleRNNCell`, `keras.layers.RNN(cell, unroll=True)`). The lesson
# rnn-bptt writes the recurrence by hand; here it is Keras's `SimpleRNN` layer, whose `kernel` is
# the slide's U and whose `recurrent_kernel` is W. adkit always unrolls: the layer's graph is one
# copy of the cell per step, and `fit` runs reverse mode over it, which is BPTT.
#
# The task: read an 8×8 digit as a sequence of 8 rows (8 numbers each) and say which digit it is
# after the last row.

# %%
import numpy as np
from matplotlib.figure import Figure

import adkit as ad
import adkit.nn as nn
from adkit.datasets import digits_split
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()
(x_train, y_train), (x_test, y_test) = digits_split()       # (N, 8 steps, 8 features)
nn.clear_session()                                     # layer names from dense, sequential
nn.set_random_seed(0)

# %% [markdown]
# ## The layer is the slide's recurrence

# %%
model = nn.Sequential([
    nn.SimpleRNN(32, input_shape=(8, 8)),                   # s_t = tanh(U x_t + W s_{t-1} + b)
    nn.Dense(10, activation="softmax"),                     # ŷ = softmax(V s_T + c)
])
model.summary()
U, W, b = model.layers[0].weights
print(f"kernel U {U.shape} (input -> state), recurrent_kernel W {W.shape} (state -> state), "
      f"bias {b.shape}: 32·(32 + 8 + 1) = {32 * (32 + 8 + 1)} weights, the same at every step")

s = np.zeros((3, 32))
for t in range(8):
    s = np.tanh(x_test[:3, t] @ U + s @ W + b)
print("the layer's output equals the recurrence written out:",
      bool(np.allclose(model.layers[0](x_test[:3]), s)))
graph = ad.trace(lambda x: model(x), x_test[:2])
print(f"unrolled over 8 steps the model is a graph of {len(graph)} nodes")

# %% [markdown]
# ## Training is backpropagation through time

# %%
model.compile(optimizer=nn.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
epochs = 6 if QUICK else 15
history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=2,
                    validation_data=(x_test, y_test))
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy {test_accuracy:.3f}: the state s_8 after the last row holds enough of the "
      f"digit to name it")

# %% [markdown]
# ## How far back does the gradient reach?
# The gradient of the loss with respect to each input row x_t says how much row t can still
# change the answer: BPTT multiplies by diag(1 − s²)·Wᵀ once per step back, so early rows get a
# smaller say. Compare before and after training.

# %%
def row_influence(net):
    def loss(x):
        out, _ = net.apply(net.weights, x, logits=True)
        return ad.mean(nn.sparse_categorical_crossentropy(y_test[:200], out, from_logits=True))
    x_bar = ad.grad(loss)(x_test[:200])
    return np.linalg.norm(x_bar, axis=(0, 2))                # one number per row t


trained = row_influence(model)
nn.set_random_seed(0)   # the same initial weights as the model had before fit
fresh = nn.Sequential([nn.SimpleRNN(32, input_shape=(8, 8)), nn.Dense(10, activation="softmax")])
fresh.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
untrained = row_influence(fresh)
print("‖∂E/∂x_t‖ for rows t = 1..8, untrained:", np.round(untrained, 4).tolist())
print("‖∂E/∂x_t‖ for rows t = 1..8, trained:  ", np.round(trained, 4).tolist())
print(f"last row / first row: {untrained[-1] / untrained[0]:.1f}x before training, "
      f"{trained[-1] / trained[0]:.1f}x after")
print("""
what to notice: the Keras layer is the slide's cell, unrolled; fit's gradient is BPTT, the reverse
sweep of the unrolled graph. Before training, the first rows' gradient has passed through the most
tanh' · W factors and is the smallest (the vanishing gradient); training had to shape W so that
early rows still count. Over long sequences this gets hard: the problem gated cells (LSTM, GRU)
were designed to fix.""")

# %%
fig = Figure(figsize=(12, 4.2))
left, right = fig.subplots(1, 2)
epoch_axis = np.arange(1, epochs + 1)
left.plot(epoch_axis, history.history["accuracy"], "o-", lw=2, label="training")
left.plot(epoch_axis, history.history["val_accuracy"], "s--", lw=2, label="test")
left.set_xlabel("epoch", fontsize=12)
left.set_title("SimpleRNN(32) reading digits row by row: accuracy", fontsize=12)
left.legend(frameon=False, fontsize=11)
rows = np.arange(1, 9)
right.semilogy(rows, untrained, "o-", lw=2, label="untrained")
right.semilogy(rows, trained, "s-", lw=2, label="trained")
right.set_xlabel("input row t (8 = last)", fontsize=12)
right.set_ylabel(r"$\|\partial E / \partial x_t\|$", fontsize=12)
right.set_title("Gradient reaching each row (BPTT)", fontsize=12)
right.legend(frameon=False, fontsize=11)
for ax in (left, right):
    ax.grid(alpha=0.3)
fig.tight_layout()
save_figure(fig, FIGURES / "rnn-keras.png")
