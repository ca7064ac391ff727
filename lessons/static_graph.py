"""Static graphs in TF1: build then run, feeds and fetches, tf.gradients as the adjoint table."""
# %% [markdown]
# # Static graphs: build first, run later
#
# Follows deck **002** (O. Dürr), slides "TensorFlow: Building the graph" / "Executing the graph"
# (10·(m1·m2) = 120), "Be the spider who knits the computational graph", "Feed and Fetch" and
# "Gradient flow in a computational graph" ((x + y)·z at x = −2, y = 5, z = −4).
#
# The slides' TensorFlow 1 code runs here **as printed**: only the import line differs,
# `import adkit.tf1 as tf` instead of `import tensorflow as tf`. Each tf1 op is an adkit
# function, so the graph it builds is adkit's IR: a tensor goes to `ad.reverse_table` and
# `ad.draw` like an expression does.

# %%
import adkit as ad
import adkit.tf1 as tf
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()

# %% [markdown]
# ## Step 1: build the graph (the slide's code; nothing is computed)

# %%
# We construct a graph (we write to the default graph)
# make first sure the default graph is empty
tf.reset_default_graph()
m1 = tf.constant([[3., 3.]], name='M1')
m2 = tf.constant([[2.],[2.]], name='M2')
product = 10*tf.matmul(m1,m2)

print(product)   # a node of the graph: a name, a shape, a dtype, and no value yet
print("nodes in the graph:", [op.op_name for op in tf.get_default_graph().get_operations()])

# %% [markdown]
# ## Step 2: execute it in a Session (the slide's code)

# %%
sess = tf.Session()
res = sess.run(product)
print(res)
sess.close()
product_value = float(res.item())
assert product_value == 120.0
save_figure(tf.get_default_graph().draw(), FIGURES / "static-graph-120.png")

# %% [markdown]
# ## Feed and fetch: a run computes only what the fetch needs
# The slide's graph: a = constant [[1]], b a placeholder, d = identity(a), c = a·b, e = d·c,
# f = identity(c); `sess.run(f, feed_dict={b:[2]})` never computes e or d.

# %%
a = tf.constant([[1]], name='a')
b = tf.placeholder(dtype='int32', shape=[1], name='b')
d = tf.identity(a, name='d')
c = tf.multiply(a,b, name='c')
e = tf.multiply(d,c, name='e')
f = tf.identity(c, name='f')

sess = tf.Session()
res = sess.run(f, feed_dict={b:[2]})
print("sess.run(f, feed_dict={b:[2]})      ->", res.tolist())
fetch_f = res
fetch_both = sess.run([e, f], feed_dict={b: [2]})
print("sess.run([e, f], feed_dict={b:[2]}) ->", [v.tolist() for v in fetch_both])
nodes_for_f = tf.get_default_graph().ops_run_for(f, feed_dict={b: [2]})
print(f"fetching f needs {nodes_for_f}: d and e are never computed")
try:
    sess.run(f)
except tf.errors.InvalidArgumentError as error:
    unfed_message = str(error)
print("forgetting the feed:", unfed_message)

# %% [markdown]
# ## tf.gradients is the reverse sweep, and the reverse table shows it row by row
# Deck 002's gradient-flow example: f = (x + y)·z at x = −2, y = 5, z = −4. `tf.gradients`
# returns graph nodes: fetch them like any other. The same tensor f, handed to
# `ad.reverse_table`, prints the adjoint table the slide fills in by hand.

# %%
tf.reset_default_graph()
x = tf.placeholder(tf.float64, name='x')
y = tf.placeholder(tf.float64, name='y')
z = tf.placeholder(tf.float64, name='z')
f = (x + y) * z
grads = tf.gradients(f, [x, y, z])
with tf.Session() as sess:
    gradient = tuple(float(g) for g in sess.run(grads, feed_dict={x: -2.0, y: 5.0, z: -4.0}))
print("sess.run(tf.gradients(f, [x, y, z])) ->", gradient)
point = {"x": -2.0, "y": 5.0, "z": -4.0}
table = ad.reverse_table(f, at=point)
print(table.to_text())
assert tuple(table.result[k] for k in "xyz") == gradient

# %% [markdown]
# The gradient is a graph too: the recorded backward sweep of ∂f/∂x is itself a Wengert list
# (for f = (x + y)·z it ends by reading z).

# %%
gradient_graph = ad.trace(grads[0], -2.0, 5.0, -4.0)
print(gradient_graph)
save_figure(ad.draw(f, at=point, gradients=True), FIGURES / "static-graph-gradients.png")
