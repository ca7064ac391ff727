"""``tf.Session``: runs fetches of a graph with a feed_dict; keeps variables and random generators.

A run checks the feeds (dtype, shape), then :func:`~adkit.tf1.framework.replay` computes the
fetched nodes and only what they need, in creation order.
"""
import numpy as np

from adkit.core import ADError
from adkit.tf1.framework import (
    FailedPreconditionError, Run, Tensor, TensorShape, check_feed, get_default_graph, needed, replay,
)

_sessions = []  # sessions made default by `with tf.Session() as sess:`


def default_session(who):
    if not _sessions:
        raise ADError(f"{who}: no default session; use `with tf.Session() as sess:` or "
                      f"pass session=sess")
    return _sessions[-1]


class Session:
    """Runs a graph: ``sess.run(fetches, feed_dict)``; also ``with tf.Session() as sess:``.

    >>> import adkit.tf1 as tf
    >>> tf.reset_default_graph()
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.add(tf.constant(3), tf.constant(5))))
    8
    """

    def __init__(self, target="", graph=None, config=None):
        self.graph = graph or get_default_graph()
        self._variables = {}
        self._slots = {}
        self._rngs = {}
        self._orders = {}
        self._closed = False

    # -- state ------------------------------------------------------------------------------
    def read(self, variable):
        try:
            return self._variables[variable]
        except KeyError:
            raise FailedPreconditionError(
                f"Attempting to use uninitialized value {variable.op_name} (run "
                f"tf.global_variables_initializer() in this session first)") from None

    def write(self, variable, value):
        value = np.array(value, dtype=variable.dtype.np)  # a copy: runs never share buffers
        if variable.dims is not None and value.shape != tuple(variable.dims):
            raise ADError(f"assign to {variable.op_name}: value of shape {value.shape}, the "
                          f"variable has shape {TensorShape(variable.dims)}")
        self._variables[variable] = value
        return value

    def slot(self, owner, variable, make):
        """Optimiser state (momentum, Adam's moments) for one variable, made on first use."""
        key = (owner, variable)
        if key not in self._slots:
            self._slots[key] = make()
        return self._slots[key]

    def rng_for(self, node):
        """The generator of a random op: per graph (seeded by set_random_seed) or per op seed."""
        key = node.params.get("seed")
        if key not in self._rngs:
            seed = self.graph.seed
            self._rngs[key] = np.random.default_rng(
                None if seed is None and key is None else [seed or 0, key or 0])
        return self._rngs[key]

    # -- running ----------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Compute ``fetches`` (a tensor, a list, tuple or dict of them, nested) with the
        placeholders (or any tensor) fed from ``feed_dict``; returns numpy values, in the same
        structure (None for ops such as a train step or the initialiser)."""
        if self._closed:
            raise ADError("Session.run: this session is closed")
        flat = []
        _flatten(fetches, flat, self.graph)
        feeds = {}
        for key, value in (feed_dict or {}).items():
            node = self._tensor(key, "feed_dict")
            feeds[node] = check_feed(node, value) if node.kind == "placeholder" else np.asarray(
                value, dtype=node.dtype.np if node.dtype else None)
        key = (tuple(flat), frozenset(feeds))
        order = self._orders.get(key)
        if order is None:
            order = self._orders[key] = needed(flat, feeds)
        env = replay(flat, feeds, Run(self, feeds), order)
        values = {node: _output(node, env[node]) for node in flat}
        return _rebuild(fetches, values, self.graph)

    def _tensor(self, key, who):
        if isinstance(key, str):
            return self.graph.get_tensor_by_name(key)
        if not isinstance(key, Tensor):
            raise ADError(f"Session.run: {who} keys must be tensors (placeholders), got "
                          f"{type(key).__name__}")
        if key.graph is not self.graph:
            raise ADError(f"Session.run: {key.op_name} is not an element of this session's graph "
                          f"(made in another graph, or before tf.reset_default_graph())")
        return key

    def close(self):
        self._closed = True
        self._variables.clear()

    def as_default(self):
        return _AsDefault(self)

    def __enter__(self):
        _sessions.append(self)
        return self

    def __exit__(self, *exc):
        if self in _sessions:
            _sessions.remove(self)
        self.close()


def _eval(tensor, feed_dict=None, session=None):
    """``t.eval()`` = ``sess.run(t)`` in the default session (inside ``with tf.Session()``)."""
    return (session or default_session("eval")).run(tensor, feed_dict)


Tensor.eval = _eval


class InteractiveSession(Session):
    """A Session that is the default as soon as it is made (``t.eval()`` works), until closed."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        _sessions.append(self)

    def close(self):
        if self in _sessions:
            _sessions.remove(self)
        super().close()


class _AsDefault:
    def __init__(self, session):
        self.session = session

    def __enter__(self):
        _sessions.append(self.session)
        return self.session

    def __exit__(self, *exc):
        _sessions.remove(self.session)


def _flatten(fetches, out, graph):
    if isinstance(fetches, (list, tuple)):
        for f in fetches:
            _flatten(f, out, graph)
    elif isinstance(fetches, dict):
        for f in fetches.values():
            _flatten(f, out, graph)
    elif fetches is None:
        raise ADError("Session.run: cannot fetch None (tf.gradients gives None for a variable "
                      "the output does not depend on)")
    else:
        node = graph.get_tensor_by_name(fetches) if isinstance(fetches, str) else fetches
        if not isinstance(node, Tensor):
            raise ADError(f"Session.run: cannot fetch a {type(fetches).__name__} "
                          f"({fetches!r:.40}); fetch tensors or ops")
        if node.graph is not graph:
            raise ADError(f"Session.run: {node.op_name} is not an element of this session's graph")
        if node not in out:
            out.append(node)


def _rebuild(fetches, values, graph):
    if isinstance(fetches, (list, tuple)):
        return type(fetches)(_rebuild(f, values, graph) for f in fetches) if type(fetches) in (
            list, tuple) else type(fetches)(*[_rebuild(f, values, graph) for f in fetches])
    if isinstance(fetches, dict):
        return {k: _rebuild(f, values, graph) for k, f in fetches.items()}
    return values[graph.get_tensor_by_name(fetches) if isinstance(fetches, str) else fetches]


def _output(node, value):
    """A fetched value as numpy gives it (an array, or a numpy scalar for a 0-d result)."""
    if value is None or node.dtype is None or node.kind == "summary":
        return value
    array = np.array(value, dtype=node.dtype.np)  # a copy: the session's state stays its own
    return array[()] if array.ndim == 0 else array
