"""A convolutional network on the digits: convolution, ReLU and pooling, their gradients, filters and feature maps."""
# %% [markdown]
# # A convolutional neural network
#
# Follows deck **003**, *TensorFlow and Deep Learning* (HPC2N / Umeå), slides "Convolutional
# neural network", "Three stages of a convolutional layer" (convolution, detector (ReLU),
# pooling), "Convolution operation in CNN" (a kernel **w** of learnable parameters slid over the
# input), "ReLU", "Pooling" (max pooling and average pooling) and "CNN in TensorFlow"
# (`conv2d()` with filters, kernel size, padding and activation; `max_pooling2d()` with pool size
# and stride; `dense()`).
#
# Convolution and pooling are primitives of adkit (NHWC images, HWIO filters, as TensorFlow): the
# gradient of a convolution is again a convolution (the transposed one for the input, a
# correlation of input and output gradient for the filter), and max pooling hands each window's
# gradient to its maximum.

# %%
import numpy as np
from matplotlib.figure import Figure

import adkit as ad
import adkit.nn as nn
from adkit.datasets import digits_split
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()
(x_train, y_train), (x_test, y_test) = digits_split()
x_train, x_test = x_train[..., None], x_test[..., None]    # NHWC: one channel
nn.clear_session()                                     # layer names from dense, sequential
nn.set_random_seed(0)

# %% [markdown]
# ## The three stages on one digit, by hand
# A vertical-edge kernel (−1 left, +1 right) slid over a "0": convolution, then ReLU keeps the
# positive responses (dark-to-light edges), then 2×2 max pooling keeps the strongest in each block.

# %%
digit = x_test[y_test == 0][:1]                             # (1, 8, 8, 1)
edge = np.array([[-1.0, 1.0], [-1.0, 1.0]]).reshape(2, 2, 1, 1)
convolved = nn.conv2d(digit, edge, strides=1, padding="VALID")
detected = nn.relu(convolved)
pooled = nn.max_pool2d(detected, pool_size=2)
print("input", digit.shape, "-> conv2d 2x2 VALID", convolved.shape, "-> relu -> max_pool2d 2",
      pooled.shape)
print("pooled responses (rows of the 3x3 map):", np.round(pooled[0, :, :, 0], 2).tolist())
same = nn.conv2d(digit, edge, padding="SAME")
print("with padding='SAME' the map keeps the input's size:", same.shape,
      "(TensorFlow pads the extra row and column at the bottom and right)")

# %% [markdown]
# ## The gradient of a convolution is a convolution
# For y = conv2d(x, w) and an output gradient ȳ: x̄ = conv2d_backprop_input(ȳ, w) and
# w̄ = conv2d_backprop_filter(x, ȳ). The traced graph of the gradient shows them; a central
# difference checks one entry.

# %%
def response(w):
    return ad.sum(nn.max_pool2d(nn.relu(nn.conv2d(digit, w)), 2))


w_bar = ad.grad(response)(edge)
step = np.zeros_like(edge)
step[0, 1, 0, 0] = 1e-6
numeric = (response(edge + step) - response(edge - step)) / 2e-6
print(f"∂(sum of pooled responses)/∂w[0,1]: reverse mode {w_bar[0, 1, 0, 0]:.6f}, "
      f"central difference {numeric:.6f}")
gradient_graph = ad.trace(ad.grad(response), edge)
print("primitives in the graph of the gradient:",
      sorted({prim.name for prim in gradient_graph.prims}))

# %% [markdown]
# ## The network of the slide, with Keras's layers
# Conv2D(8 filters, 3×3, same, relu) → MaxPooling2D(2) → Flatten → Dense(10, softmax).

# %%
model = nn.Sequential([
    nn.Conv2D(8, kernel_size=3, padding="same", activation="relu", input_shape=(8, 8, 1)),
    nn.MaxPooling2D(pool_size=2),
    nn.Flatten(),
    nn.Dense(10, activation="softmax"),
])
model.compile(optimizer=nn.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model.summary()
epochs = 5 if QUICK else 10
history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=2)
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy {test_accuracy:.3f} with {model.count_params()} weights "
      f"(3·3·1·8 + 8 = 80 in the convolution: the same 8 small filters at every position)")
print("""
what to notice: a convolution shares its weights across positions, so 80 numbers describe the
whole first layer; pooling halves the map and makes the answer tolerant to small shifts; and
every stage is a primitive whose adjoint is itself a convolution or a scatter, so reverse mode
trains it like any other graph.""")

# %% [markdown]
# ## What the network learned: its filters and the feature maps of one digit

# %%
kernel, bias = model.layers[0].weights
sample = x_test[:1]
maps = nn.relu(nn.conv2d(sample, kernel, padding="SAME") + bias)   # the layer, by its functions
pooled_maps = nn.max_pool2d(maps, 2)
np.testing.assert_allclose(maps, model.layers[0](sample))

fig = Figure(figsize=(13, 5.6))
grid = fig.add_gridspec(3, 9)
ax = fig.add_subplot(grid[:, 0])
ax.imshow(sample[0, :, :, 0], cmap="gray_r")
ax.set_title(f"input (a {y_test[0]})", fontsize=11)
ax.axis("off")
limit = np.abs(kernel).max()
for k in range(8):
    for row, (image, label, cmap) in enumerate([
            (kernel[:, :, 0, k], f"filter {k + 1}", "RdBu_r"),
            (maps[0, :, :, k], "conv + relu", "viridis"),
            (pooled_maps[0, :, :, k], "max pool 2", "viridis")]):
        ax = fig.add_subplot(grid[row, k + 1])
        if row == 0:
            ax.imshow(image, cmap=cmap, vmin=-limit, vmax=limit)
        else:
            ax.imshow(image, cmap=cmap)
        ax.set_title(label, fontsize=9)
        ax.axis("off")
fig.suptitle("Learned 3×3 filters (red +, blue −) and the feature maps they make", fontsize=13)
fig.tight_layout()
save_figure(fig, FIGURES / "cnn-filters.png")
