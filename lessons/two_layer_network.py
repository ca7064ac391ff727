"""A two-layer network trained by mini-batch SGD, and why its relu output unit dies."""
# %% [markdown]
# # A two-layer neural network
#
# Follows deck **004**, *Python, Automatic Differentiation and TensorFlow* (N. Khan), slides
# "Two-Layer Neural Network in TensorFlow" (two pages): 1000 examples with 100 features, a hidden
# layer of 10 relu units, one output unit, weights drawn from N(0, 1), mean squared error, plain
# SGD with learning rate 0.05 on mini-batches of 5, 5000 steps. The slide reports
# "Loss before training: 42.431" and "0.976375" after.
#
# Here the slide's code runs as printed (only the import line differs: `import adkit.tf1 as tf`,
# plus `np.random.seed(0)` and `tf.set_random_seed(0)` so the numbers repeat), then the same network is examined. The data
# are random (y does not depend on x), so the best a model can do *on new data* is to predict 0,
# with loss mean(y²) ≈ 1. The slide's 0.976 is exactly that number, and not by learning: **the
# relu on the output unit dies** within a few steps.

# %%
import os
import shutil
import tempfile

from matplotlib.figure import Figure

from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()
FIGURES = FIGURES.resolve()
np_seed = 0
start_dir = os.getcwd()
work_dir = tempfile.mkdtemp(prefix="adkit-tf1-")
os.chdir(work_dir)  # the slide's FileWriter("./temp") writes there

# %%
import numpy as np
import adkit.tf1 as tf

tf.reset_default_graph()   # a fresh graph, as in a fresh Python process (lessons share one)
np.random.seed(np_seed)
tf.set_random_seed(np_seed)
# Generate Random Data
examples = 1000
features = 100
x_data = np.random.randn(examples, features)
y_data = np.random.randn(examples,1)

# Define the Neural Network Model
hidden_layer_nodes = 10
X = tf.placeholder(tf.float32, shape=[None, features], name = "X")
y = tf.placeholder(tf.float32, shape=[None, 1], name = "y")
w1 = tf.Variable(tf.random_normal(shape=[features,hidden_layer_nodes]), name="w1")
b1 = tf.Variable(tf.random_normal(shape=[hidden_layer_nodes]), name="b1")
w2 = tf.Variable(tf.random_normal(shape=[hidden_layer_nodes,1]), name="w2")
b2 = tf.Variable(tf.random_normal(shape=[1,1]), name="b2")
hidden_output = tf.nn.relu(tf.add(tf.matmul(X, w1), b1), name="hidden_output")
y_hat = tf.nn.relu(tf.add(tf.matmul(hidden_output, w2), b2), name="y_hat")
loss = tf.reduce_mean(tf.square(y_hat - y), name="loss")

# Set up the gradient descent
learning_rate = 0.05
optimiser = tf.train.GradientDescentOptimizer(learning_rate)
train_step = optimiser.minimize(loss)

sess = tf.Session()
writer = tf.summary.FileWriter("./temp")
writer.add_graph(sess.graph)

# %%
sess.run(tf.global_variables_initializer())

epochs = 5000
batch_size = 5

# Before Training
curr_loss = sess.run(loss, feed_dict={X:x_data, y:y_data})
print("Loss before training:", curr_loss)
slide_before = curr_loss

for i in range(epochs):
    rand_index = np.random.choice(examples, size=batch_size)
    sess.run(train_step, feed_dict={X:x_data[rand_index], y:y_data[rand_index]})

# After Training
curr_loss = sess.run(loss, feed_dict={X:x_data, y:y_data})
print("Loss before training:", curr_loss)
slide_after = curr_loss
print("(the slide prints 'before' twice; the second line is the loss after training)")
logged = sorted(os.listdir("temp"))
print("./temp holds", logged, "- `adkit board temp -o board.html` shows the graph")
os.chdir(start_dir)
shutil.rmtree(work_dir, ignore_errors=True)

# %% [markdown]
# ## The same network, examined
# The slide's graph again, built by a function so it can be trained from chosen starting weights
# (float64, seeded), with or without the relu on the output unit.

# %%
examples, features, hidden = (200, 100, 10) if QUICK else (1000, 100, 10)
epochs, batch_size, learning_rate = (400 if QUICK else 5000), 5, 0.05
data = np.random.default_rng(0)
x_data = data.standard_normal((examples, features))
y_data = data.standard_normal((examples, 1))
x_test = data.standard_normal((examples, features))    # fresh data, to tell learning from memorizing
y_test = data.standard_normal((examples, 1))
baseline = float(np.mean(y_data ** 2))


def initial_weights(scale):
    """N(0, 1) weights as on the slide (scale=False) or scaled by sqrt(2 / fan-in) (He)."""
    rng = np.random.default_rng(1)
    s1, s2 = (np.sqrt(2 / features), np.sqrt(2 / hidden)) if scale else (1.0, 1.0)
    return [rng.standard_normal((features, hidden)) * s1, rng.standard_normal(hidden) * s1,
            rng.standard_normal((hidden, 1)) * s2, rng.standard_normal((1, 1)) * s2]


def active_fraction(params):
    """Share of the training examples on which the output unit's pre-activation is > 0."""
    w1, b1, w2, b2 = params
    return float(np.mean(np.maximum(x_data @ w1 + b1, 0) @ w2 + b2 > 0))


def build(relu_output, scale):
    """The slide's graph with the given starting weights; returns its tensors by name."""
    tf.reset_default_graph()
    X = tf.placeholder(tf.float64, shape=[None, features], name="X")
    y = tf.placeholder(tf.float64, shape=[None, 1], name="y")
    weights = [tf.Variable(value, name=name)
               for value, name in zip(initial_weights(scale), ("w1", "b1", "w2", "b2"))]
    w1, b1, w2, b2 = weights
    hidden_output = tf.nn.relu(tf.add(tf.matmul(X, w1), b1), name="hidden_output")
    y_hat = tf.add(tf.matmul(hidden_output, w2), b2)
    if relu_output:
        y_hat = tf.nn.relu(y_hat, name="y_hat")
    loss = tf.reduce_mean(tf.square(y_hat - y), name="loss")
    train_step = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)
    return {"X": X, "y": y, "weights": weights, "loss": loss, "train_step": train_step,
            "gradients": tf.gradients(loss, weights)}


def train(relu_output, scale):
    """Mini-batch SGD. Returns the model (session included), and (step, loss on all examples,
    active fraction) after every one of the first 50 steps and every 50th step after that."""
    model = build(relu_output, scale)
    X, y, loss, weights = model["X"], model["y"], model["loss"], model["weights"]
    sess = model["session"] = tf.Session()
    sess.run(tf.global_variables_initializer())
    everything = {X: x_data, y: y_data}
    batches = np.random.default_rng(2)
    record = [(0, float(sess.run(loss, everything)), active_fraction(sess.run(weights)))]
    with np.errstate(all="ignore"):  # the diverging run overflows on purpose
        for step in range(1, epochs + 1):
            rand_index = batches.choice(examples, size=batch_size)
            sess.run(model["train_step"], feed_dict={X: x_data[rand_index], y: y_data[rand_index]})
            if step < 50 or step % 50 == 0 or step == epochs:
                record.append((step, float(sess.run(loss, everything)),
                               active_fraction(sess.run(weights))))
    steps, losses, active = (np.array(column) for column in zip(*record))
    return model, steps, losses, active


# %% [markdown]
# ## 1. The slide's network: relu on the output unit, N(0, 1) weights

# %%
slide_model, slide_steps, slide_loss, slide_alive = train(relu_output=True, scale=False)
died = int(slide_steps[np.argmax(slide_alive <= 0.01)]) if (slide_alive <= 0.01).any() else None
print(f"Loss before training: {slide_loss[0]:.4f}")
print(f"Loss after training:  {slide_loss[-1]:.4f}")
print(f"mean(y²) on the training data: {baseline:.4f}  <- (almost) the same number")
print(f"examples on which the output unit is active (pre-activation > 0): "
      f"{round(slide_alive[0] * examples)} of {examples} at the start, "
      f"{round(slide_alive[-1] * examples)} at the end; at most 1% from step {died} on")
frozen = slide_model["session"].run(slide_model["gradients"],
                                    feed_dict={slide_model["X"]: x_data, slide_model["y"]: y_data})
print("gradient of the loss on all examples after training, largest entry per weight:",
      [float(f"{np.abs(g).max():.3g}") for g in frozen])
print("""
what to notice: where the output unit's input is negative, relu outputs 0 and relu' is 0, so
every gradient that must pass through it is exactly 0. Once that holds for (almost) every
example, SGD has nothing left to follow: the network predicts 0, and the loss is mean(y²).""")

# %% [markdown]
# ## 2. The fix: a linear output unit (regression outputs need no relu)
# With N(0, 1) weights the hidden layer's outputs are about 10 times too large, and at learning
# rate 0.05 SGD then diverges; scaling the initial weights by sqrt(2 / fan-in) (He) fixes that.

# %%
linear_model, linear_steps, linear_loss, _ = train(relu_output=False, scale=False)
print(f"linear output, N(0, 1) weights: loss {linear_loss[0]:.1f} -> "
      f"{'diverged (inf/nan)' if not np.isfinite(linear_loss[-1]) else f'{linear_loss[-1]:.4f}'}")
fixed_model, fixed_steps, fixed_loss, _ = train(relu_output=False, scale=True)
test_loss = float(fixed_model["session"].run(fixed_model["loss"],
                                             feed_dict={fixed_model["X"]: x_test, fixed_model["y"]: y_test}))
test_baseline = float(np.mean(y_test ** 2))
print(f"linear output, scaled weights:  loss {fixed_loss[0]:.4f} -> {fixed_loss[-1]:.4f} "
      f"(below mean(y²) = {baseline:.4f}: the gradients flow again)")
print(f"on fresh data: loss {test_loss:.4f} vs mean(y²) = {test_baseline:.4f}")
print("""
what to notice: the fixed network really trains, and since y is noise it can only memorize the
training examples: on fresh data it does worse than predicting 0. A low training loss on random
labels means memorization, not learning.""")

# %%
fig = Figure(figsize=(12, 4.4))
left, right = fig.subplots(1, 2)
left.loglog(slide_steps + 1, slide_loss, color="#c0392b", lw=3.5, label="slide: relu output, N(0,1) weights")
finite = np.isfinite(linear_loss)
left.loglog(linear_steps[finite] + 1, linear_loss[finite], color="#999999", lw=2,
              label="linear output, N(0,1) weights (diverges)")
left.loglog(fixed_steps + 1, fixed_loss, color="#1b7837", lw=1.8, label="linear output, scaled weights")
left.axhline(baseline, color="black", ls="--", lw=1.2, label="mean(y²): predicting 0")
left.set_ylim(0.05, 1e4)
left.set_xlabel("SGD step + 1 (batches of 5; log scale)", fontsize=13)
left.set_ylabel("loss on all training examples", fontsize=13)
left.set_title("Training loss", fontsize=13)
left.legend(fontsize=10, frameon=False, loc="upper right")
shown = min(30, len(slide_alive))
right.plot(slide_steps[:shown], 100 * slide_alive[:shown], "o-", color="#c0392b", lw=2)
right.set_xlabel("SGD step", fontsize=13)
right.set_ylabel("% of examples where it is active", fontsize=13)
right.set_title("The relu output unit dies", fontsize=13)
right.set_ylim(-0.3, max(10, 100 * slide_alive[:shown].max() * 1.15))
for ax in (left, right):
    ax.tick_params(labelsize=11)
fig.tight_layout()
save_figure(fig, FIGURES / "two-layer-network.png")
