"""TF1 hello world, constants, variables, placeholders, and the trap of lazy loading."""
# %% [markdown]
# # TensorFlow 1: hello world and the trap of lazy loading
#
# Follows deck **003** (HPC2N / Umeå University), slides "TensorFlow 'Hello World'", "Graph and
# sessions", "Constant", "Variable", "Tip of using variable", "Placeholder", "TensorFlow and
# numpy", "Control dependencies", "The trap of lazy loading" and "Normal loading".
#
# The slides' code runs **as printed**; only the import line differs (`import adkit.tf1 as tf`).
# Where a slide has a typo, the lesson says so.

# %%
import numpy as np
from matplotlib.figure import Figure

import adkit.tf1 as tf
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()

# %% [markdown]
# ## Hello world
# The slide prints `sess.run(x)`, but its graph has no `x`: the sum is `y`.

# %%
tf.reset_default_graph()
a = tf.constant(3)
b = tf.constant(5)
y = tf.add(a, b)

with tf.Session() as sess:
    print(sess.run(y))
    hello = sess.run(y)

# %% [markdown]
# ## Constants broadcast like numpy

# %%
a = tf.constant(2, name = 'a')
b = tf.constant([2, 3], name = 'b')
y = tf.add(a, b, name = 'add')
with tf.Session() as sess:
    print(sess.run(y))
    broadcast = sess.run(y)

# %% [markdown]
# ## Variables hold state, and have no value before their initialiser ran

# %%
W = tf.Variable(tf.zeros([784,10]))
with tf.Session() as sess:
    try:
        sess.run(W)
    except tf.errors.FailedPreconditionError as error:
        uninitialised = str(error)
    print("before the initialiser:", uninitialised)
    sess.run(W.initializer)
    print("after W.initializer: W has shape", sess.run(W).shape)

# %% [markdown]
# ## Placeholders are fed; a wrong shape is refused with the placeholder's name

# %%
a = tf.placeholder(tf.float32, shape=[3])
b = tf.constant([5, 5, 5], tf.float32)
with tf.Session() as sess:
    print("a + b with a = [1, 2, 3]:", sess.run(a + b, feed_dict={a: [1, 2, 3]}))
    try:
        sess.run(a + b, feed_dict={a: [1, 2]})
    except ValueError as error:
        wrong_shape = str(error)
    print("feeding [1, 2]:", wrong_shape)

sess = tf.Session()
a = tf.zeros([2, 3], np.int32)
a_out = sess.run(a)
print(type(a_out)) # => <class 'numpy.ndarray'>

# %% [markdown]
# ## Control dependencies: run these first

# %%
counter = tf.Variable(0, name="counter")
increment = tf.assign(counter, counter + 1)
g = tf.get_default_graph()
with g.control_dependencies([increment]):
    read = tf.identity(counter)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    reads = [int(sess.run(read)) for _ in range(3)]
print("reading the counter after each increment:", reads)

# %% [markdown]
# ## The trap of lazy loading
# `sess.run(tf.add(x, y))` inside the loop creates a new add op at every iteration: the graph
# grows with every run. Defining `z = tf.add(x, y)` once and running `z` keeps it the same size.

# %%
iterations = 10
tf.reset_default_graph()
x = tf.Variable(10, name='x')
y = tf.Variable(20, name='y')
lazy_sizes = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(10):
        sess.run(tf.add(x, y))
        lazy_sizes.append(len(tf.get_default_graph().get_operations()))
lazy_graph = tf.get_default_graph()

tf.reset_default_graph()
x = tf.Variable(10, name='x')
y = tf.Variable(20, name='y')
z = tf.add(x, y)
normal_sizes = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(10):
        sess.run(z)
        normal_sizes.append(len(tf.get_default_graph().get_operations()))

print("nodes in the graph after each run, lazy loading:  ", lazy_sizes)
print("nodes in the graph after each run, normal loading:", normal_sizes)
print("what to notice: the lazy graph grows by one add node per run and never shrinks; in a "
      "training loop of a million steps that is a million nodes.")
save_figure(lazy_graph.draw(), FIGURES / "tf1-lazy-loading-graph.png")

# %%
fig = Figure(figsize=(7, 4.2))
ax = fig.add_subplot()
runs = np.arange(1, iterations + 1)
ax.plot(runs, lazy_sizes, "o-", color="#c0392b", lw=2, label="lazy: sess.run(tf.add(x, y)) in the loop")
ax.plot(runs, normal_sizes, "s-", color="#1b7837", lw=2, label="normal: z = tf.add(x, y) once")
ax.set_xlabel("runs", fontsize=13)
ax.set_ylabel("nodes in the graph", fontsize=13)
ax.set_title("The trap of lazy loading (deck 003)", fontsize=13)
ax.set_ylim(0, max(lazy_sizes) + 2)
ax.legend(fontsize=11, frameon=False, loc="upper left")
ax.tick_params(labelsize=11)
fig.tight_layout()
save_figure(fig, FIGURES / "tf1-lazy-loading.png")
