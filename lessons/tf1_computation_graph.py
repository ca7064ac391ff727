"""TF1 computation graph, session and run: e = (((a·p) + (b − q) − (c + r))·d/s)·u, and the board."""
# %% [markdown]
# # Computation graph, Session, Run, and TensorBoard's view of it
#
# Follows deck **004**, *Python, Automatic Differentiation and TensorFlow* (N. Khan), slides
# "Computation Graph, Session, Run" and "TensorBoard" (run the code, then look at `temp/`).
#
# The slide's code runs **as printed**; only the import line differs (`import adkit.tf1 as tf`).
# `tf.summary.FileWriter("./temp")` writes plain files (JSON lines and the drawn graph);
# `adkit board temp -o board.html` turns them into one page, as `tensorboard --logdir temp` would.
# The lesson runs the slide in a fresh temporary folder, so `./temp` is made there.

# %%
import os
import shutil
import tempfile

from adkit.board import board_page, read_logdir
from adkit.lessons_runner import lesson_settings
from adkit.tf1 import reset_default_graph

FIGURES, QUICK = lesson_settings()
FIGURES = FIGURES.resolve()  # the slide's ./temp is made in a temporary folder: cd there
start_dir = os.getcwd()
work_dir = tempfile.mkdtemp(prefix="adkit-tf1-")
os.chdir(work_dir)
reset_default_graph()  # a fresh graph, as in a new Python process (the lessons share one)

# %%
import numpy as np
import adkit.tf1 as tf

 
a = tf.placeholder(tf.float32, name='a') #placeholder contains fixed value set before running the graph
b = tf.placeholder(tf.float32, name='b')
c = tf.Variable(initial_value=[[5.0,5.0],[5.0,5.0]], name='c') #variable can change its value
d = tf.Variable(initial_value=[[3.0,3.0],[3.0,3.0]], name='d')
p = tf.placeholder(tf.float32, name='p')
q = tf.placeholder(tf.float32, name='q')
r = tf.Variable(initial_value=3.0, name='r')
s = tf.Variable(initial_value=4.0, name='s')
u = tf.constant(5.0, name='u') #constant value is same for all runs of the graph

e = (((a * p) + (b - q) - (c + r)) * d/s) * u #the computation graph

#setup a session
sess = tf.Session()
writer = tf.summary.FileWriter("./temp") #for TensorBoard
writer.add_graph(sess.graph)

#run the session
sess.run(tf.global_variables_initializer())
result = sess.run(e,feed_dict={p:1.0, q:2.0, a:[[1,1],[1,1]],b:[[2,2],[2,2]]}) #feed the placeholders
print("Result: ", result)

# %% [markdown]
# ## The same number by numpy, and the derivatives by tf.gradients
# e = ((a·p + b − q − c − r)·d/s)·u elementwise, so ∂e/∂r = −d·u/s summed over the four
# entries (tf.gradients differentiates the sum of e), ∂e/∂s = −(…)·d·u/s².

# %%
A, B = np.ones((2, 2)), 2 * np.ones((2, 2))
C, D = 5 * np.ones((2, 2)), 3 * np.ones((2, 2))
inner = A * 1.0 + (B - 2.0) - (C + 3.0)
expected = inner * D / 4.0 * 5.0
print("by numpy:", expected.tolist())
assert np.allclose(result, expected)
grads = tf.gradients(e, [r, s, c])
de_dr, de_ds, de_dc = sess.run(grads, feed_dict={p: 1.0, q: 2.0, a: [[1, 1], [1, 1]],
                                                 b: [[2, 2], [2, 2]]})
print(f"∂Σe/∂r = {float(de_dr):g} (numpy: {np.sum(-D * 5.0 / 4.0):g}),  "
      f"∂Σe/∂s = {float(de_ds):g} (numpy: {np.sum(-inner * D * 5.0 / 16.0):g})")
assert np.isclose(de_dr, np.sum(-D * 5.0 / 4.0)) and np.isclose(de_ds, np.sum(-inner * D * 5.0 / 16.0))

# %% [markdown]
# ## What TensorBoard would show: the logged graph
# `temp/` holds `events.adkit.jsonl` (one JSON object per line, readable without adkit) and
# adkit's drawing of the graph, each node labelled with its TF name.

# %%
runs = read_logdir("temp")
print("runs in temp/:", list(runs), "- graph logged:", runs["temp"]["graph"] is not None)
print("files:", sorted(os.listdir("temp")))
page = board_page("temp")
print(f"adkit board temp -o board.html: a page of {len(page)} characters, no network needed")
shutil.copyfile(os.path.join("temp", "graph.png"), FIGURES / "tf1-computation-graph.png")
print(f"[figure] {FIGURES / 'tf1-computation-graph.png'}")
sess.close()
os.chdir(start_dir)
shutil.rmtree(work_dir, ignore_errors=True)
