"""TensorFlow 1 as the lectures teach it, on adkit's engine: ``import adkit.tf1 as tf``.

The slides' code runs as printed: build a graph of constants, placeholders and Variables,
run it in a Session with feeds and fetches, differentiate with ``tf.gradients``, train with an
optimiser's ``minimize``, log with ``tf.summary.FileWriter`` and look at it with ``adkit board``.
Every op is an adkit function, so a tensor also goes to ``ad.reverse_table``, ``ad.draw`` and
the page (it is a function of its placeholders and variables).

>>> import adkit.tf1 as tf
>>> tf.reset_default_graph()
>>> m1 = tf.constant([[3., 3.]], name='M1')
>>> m2 = tf.constant([[2.],[2.]], name='M2')
>>> product = 10*tf.matmul(m1,m2)
>>> sess = tf.Session()
>>> print(sess.run(product))
[[120.]]
>>> sess.close()

``tf.keras`` is :mod:`adkit.nn` (imported when first used).
"""
from adkit.tf1 import layers, nn, summary  # noqa: F401
from adkit.tf1.framework import (  # noqa: F401
    DType, Graph, Tensor, TensorShape, as_dtype, bool_ as bool, errors, float16, float32, float64,
    get_default_graph, int32, int64, reset_default_graph, set_random_seed, uint8,
)
from adkit.tf1.ops import as_tensor as convert_to_tensor  # noqa: F401
from adkit.tf1.ops import (  # noqa: F401
    Variable, abs, add, argmax, assign, assign_add, cast, constant, constant_initializer,
    control_dependencies, cos, div, divide, equal, exp, fill, get_variable, global_variables,
    global_variables_initializer, glorot_uniform_initializer, greater, greater_equal, group,
    identity, less, less_equal, log, matmul, maximum, minimum, mul, multiply, name_scope,
    negative, no_op, ones, ones_initializer, ones_like, placeholder, pow, random_normal,
    random_normal_initializer, random_uniform, random_uniform_initializer, reduce_max,
    reduce_mean, reduce_sum, relu, reshape, round, sigmoid, sign, sin, sqrt, square, sub,
    subtract, tan, tanh, trainable_variables, transpose, truediv, truncated_normal,
    variables_initializer, zeros, zeros_initializer, zeros_like,
)
from adkit.tf1.session import InteractiveSession, Session  # noqa: F401
from adkit.tf1.train import gradients, train  # noqa: F401

newaxis = None


def __getattr__(name):
    if name == "keras":  # tf.keras is adkit.nn, imported only when used
        import adkit.nn
        return adkit.nn
    raise AttributeError(f"adkit.tf1 has no attribute {name!r} (this is a teaching subset of "
                         f"TensorFlow 1; see help(adkit.tf1))")
