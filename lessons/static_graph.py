"""Static graphs: build then run, placeholders, feeds and fetches, the gradient graph, the lazy-loading trap."""
# %% [markdown]
# # Static graphs: build first, run later
#
# Follows deck **002** (O. Dürr), slides "TensorFlow: Computation in 2 steps", "Be the spider who
# knits a computational graph" (10·(m1·m2) = 120), "Session vs Graph" and "Computations using
# feeding and fetching"; and deck **003** (HPC2N/Umeå), slides "Placeholder", "The trap of lazy
# loading" and "Normal loading".
#
# adkit's IR is such a graph: a list of nodes in the order they were recorded. A graph built
# *abstract* holds structure only (the placeholders have no values); calling it with values is
# `sess.run` with a `feed_dict`.

# %%
import numpy as np

import adkit as ad
from adkit.lessons_runner import lesson_settings, save_figure

FIGURES, QUICK = lesson_settings()

# %% [markdown]
# ## Step 1: build the graph (nothing is computed)

# %%
graph = ad.Graph(abstract=True)
m1 = ad.Tracer(graph, graph.add_input("m1"), None)   # tf.placeholder
m2 = ad.Tracer(graph, graph.add_input("m2"), None)
product = 10 * ad.matmul(m1, m2)                      # records two nodes, computes nothing
graph.outputs.append(product.index)
print(graph)
print("values stored in the graph:", graph.values)

# %% [markdown]
# ## Step 2: run it (feed values, fetch the output)

# %%
feed = {"m1": np.array([[3.0, 3.0]]), "m2": np.array([[2.0], [2.0]])}
result = graph(**feed)
print("run with m1 = [[3, 3]], m2 = [[2], [2]]:", result.tolist())
assert result.item() == 120.0
product_value = result.item()
fig = ad.draw(graph, at=feed)
save_figure(fig, FIGURES / "static-graph-120.png")

# %% [markdown]
# ## Feeds and fetches: a run computes only what the fetch needs
# Deck 002's example: a = constant [[1]], b = placeholder, d = identity(a), c = a·b,
# e = d·c, f = identity(c); `sess.run(f, feed_dict={b: [2]})`.

# %%
feed_graph = ad.Graph(abstract=True)
b = ad.Tracer(feed_graph, feed_graph.add_input("b"), None)
a = 1.0                    # a constant lives inside the node that reads it
c = a * b                  # c = a · b
e = a * c                  # e = d · c with d = identity(a) = a
print(feed_graph)
print("(constants live inside the nodes that read them: w2 = 1 · w1 is c = a·b with a = 1, "
      "w3 = 1 · w2 is e = d·c)")


def needed(graph, fetches):
    """The nodes a run must compute for these fetches: one loop backwards over the list."""
    need = [False] * len(graph)
    for f in fetches:
        need[f] = True
    for i in range(len(graph) - 1, -1, -1):
        if need[i]:
            for r in graph.refs[i]:
                if r is not None:
                    need[r] = True
    return [i for i in range(len(graph)) if need[i]]


def run(graph, fetches, feed):
    """sess.run: evaluate, then read the fetched nodes."""
    env = graph.evaluate([feed[name] for name in graph.inputs])
    return [env[f] for f in fetches]


fetch_f = run(feed_graph, [c.index], {"b": np.array([2.0])})   # f = identity(c)
fetch_both = run(feed_graph, [e.index, c.index], {"b": np.array([2.0])})
print("sess.run(f, feed_dict={b: [2]})      ->", fetch_f[0].tolist())
print("sess.run([e, f], feed_dict={b: [2]}) ->", [v.tolist() for v in fetch_both])
nodes_for_f = needed(feed_graph, [c.index])
print(f"fetching f needs nodes {[f'w{i + 1}' for i in nodes_for_f]} of {len(feed_graph)}: "
      "e is never computed")

# %% [markdown]
# ## The gradient is a graph too (tf.gradients)
# Tracing `ad.grad(f)` records the backward sweep itself: the result is a new graph whose
# outputs are the partial derivatives. It can be printed, drawn, evaluated, differentiated again.

# %%
def z(x1, x2):
    return x1 * x2 + ad.sin(x1)


gradient_graph = ad.trace(ad.grad(z, argnums=(0, 1)), 2.0, 5.0)
print(gradient_graph)
d1, d2 = gradient_graph(x1=2.0, x2=5.0)
print(f"at (2, 5): ∂z/∂x1 = {d1:.6g}, ∂z/∂x2 = {d2:.6g}")
gradient_nodes = needed(gradient_graph, gradient_graph.outputs)
print(f"fetching the two partials needs {[f'w{i + 1}' for i in gradient_nodes]} of "
      f"{len(gradient_graph)} nodes: z itself (w3, w4, w5) is not needed for its gradient")

# %% [markdown]
# ## The trap of lazy loading (deck 003)
# `sess.run(tf.add(x, y))` inside a loop creates a new add node on every iteration; defining
# `z = tf.add(x, y)` once and running z ten times keeps the graph at one add node.

# %%
iterations = 10
lazy = ad.Graph(abstract=True)
x = ad.Tracer(lazy, lazy.add_input("x"), None)
y = ad.Tracer(lazy, lazy.add_input("y"), None)
lazy_sizes = []
for _ in range(iterations):
    node = x + y                                  # a new node, every time
    lazy.outputs[:] = [node.index]
    assert lazy(x=10.0, y=20.0) == 30.0
    lazy_sizes.append(len(lazy))

normal = ad.Graph(abstract=True)
x = ad.Tracer(normal, normal.add_input("x"), None)
y = ad.Tracer(normal, normal.add_input("y"), None)
normal.outputs.append((x + y).index)              # defined once
normal_sizes = []
for _ in range(iterations):
    assert normal(x=10.0, y=20.0) == 30.0
    normal_sizes.append(len(normal))
print("nodes after each run, lazy loading:  ", lazy_sizes)
print("nodes after each run, normal loading:", normal_sizes)
print("what to notice: the lazy graph grows by one node per run and never shrinks; in a "
      "training loop of a million steps that is a million nodes.")

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 4.2))
runs = np.arange(1, iterations + 1)
ax.plot(runs, lazy_sizes, "o-", color="#c0392b", lw=2, label="lazy: tf.add(x, y) inside the loop")
ax.plot(runs, normal_sizes, "s-", color="#1b7837", lw=2, label="normal: z = tf.add(x, y) once")
ax.set_xlabel("runs", fontsize=13)
ax.set_ylabel("nodes in the graph", fontsize=13)
ax.set_title("The trap of lazy loading (deck 003)", fontsize=13)
ax.set_ylim(0, max(lazy_sizes) + 2)
ax.legend(fontsize=11, frameon=False, loc="upper left")
ax.tick_params(labelsize=11)
fig.tight_layout()
save_figure(fig, FIGURES / "static-graph-lazy-loading.png")
