"""Numbers for grading: sample points, graph replay on arrays of points, tangent sweeps.

Graphs are elementwise, so one replay on arrays evaluates a graph at every sample point at
once, and one forward sweep whose tangents are arrays gives the derivative at every point.
:func:`tangent_sweep` is forward mode as a loop over the nodes, taking the engine's own step
(:func:`adkit.forward.node_tangent`, ``ẇ = Σᵢ ∂ᵢ · ẇᵢ``); it takes a *variant* that changes one node's rule
(flip its sign, drop the chain factor, keep one product-rule term), which is how the grader
builds the typical wrong derivatives a student writes.

>>> import numpy as np, adkit as ad
>>> g = ad.trace(lambda x: x * ad.sin(x), 1.0)
>>> x = np.array([0.0, 1.0])
>>> env = replay(g, {"x": x})
>>> np.round(tangent_sweep(g, env, "x")[g.outputs[0]], 6)
array([0.      , 1.381773])
"""
import zlib

import numpy as np

from adkit.core import ADError
from adkit.forward import node_tangent
from adkit.graph import CONST, INPUT

# Relative tolerance for "the same number": tight enough that an answer off by 1e-3 fails,
# loose enough that equivalent forms (sin(x + pi/2) for cos x) agree after rounding.
RTOL = 1e-8
ATOL = 1e-10


def _constant(c):
    # Python ints would make ** exact (and unbounded): every constant is computed as a float.
    if type(c) is int:
        return float(c)
    return c


def replay(graph, inputs):
    """Evaluate every node of ``graph`` on the arrays ``inputs`` ({name: array}); the env.

    The engine's one evaluator (:meth:`adkit.Graph.evaluate`); a missing input is an ADError.
    """
    missing = [name for name in graph.inputs if name not in inputs]
    if missing:
        raise ADError(f"no value for the variable {missing[0]!r}")
    return graph.evaluate([inputs[name] for name in graph.inputs])


def node_args(graph, env, i):
    """The argument values of node ``i`` in the environment ``env``."""
    return [_constant(c) if r is None else env[r] for r, c in zip(graph.refs[i], graph.argvals[i])]


def local_partials(graph, env):
    """For every node, its local partials at the points (None for inputs and constants)."""
    partials = [None] * len(graph)
    for i, prim in enumerate(graph.prims):
        if prim is INPUT or prim is CONST or not prim.differentiable or prim.partials is None:
            continue
        partials[i] = prim.partials(env[i], *node_args(graph, env, i), **graph.params[i])
    return partials


def tangent_sweep(graph, env, wrt, partials=None, variant=None):
    """Forward mode on arrays: the tangent of every node along the input ``wrt``.

    Args:
        env: the node values from :func:`replay`.
        wrt: the input name seeded with 1 (all others 0).
        partials: the output of :func:`local_partials` (computed when None).
        variant: ``None`` (the true rule) or ``(node, kind, keep)`` to change node ``node``:
            ``"sign"`` negates its tangent, ``"chain"`` uses 1 in place of its argument's
            tangent (the chain factor left out), ``"term"`` keeps only the term of argument
            position ``keep`` (a product-rule term dropped).
    Returns:
        A list, one tangent per node; ``None`` where the tangent is zero.
    """
    if partials is None:
        partials = local_partials(graph, env)
    tangents = [None] * len(graph.prims)
    for i, prim in enumerate(graph.prims):
        if prim is INPUT:
            if graph.params[i]["name"] == wrt:
                tangents[i] = np.ones(np.shape(env[i]))
            continue
        if prim is CONST:
            continue
        args = node_args(graph, env, i)
        tangents_in = [None if r is None else tangents[r] for r in graph.refs[i]]
        kind = variant[1] if variant is not None and variant[0] == i else None
        if kind == "chain":  # the chain factor left out: 1 in place of the argument's tangent
            tangents_in = [None if t is None else 1.0 for t in tangents_in]
        elif kind == "term":  # one product-rule term only
            tangents_in = [t if k == variant[2] else None for k, t in enumerate(tangents_in)]
        t = node_tangent(prim, args, tangents_in, env[i], graph.params[i], partials[i], batch=0)
        tangents[i] = -t if kind == "sign" and t is not None else t
    return tangents


def as_points(value, count):
    """A graph's output as a float array of ``count`` points (constants are broadcast)."""
    out = np.asarray(value, dtype=float)
    if out.shape != (count,):
        out = np.broadcast_to(out, (count,)).copy()
    return out


def output_of(graph, env, count):
    """The graph's (single) output as an array over the points."""
    return as_points(env[graph.outputs[0]], count)


def tangent_of(graph, tangents, count):
    t = tangents[graph.outputs[0]]
    return np.zeros(count) if t is None else as_points(t, count)


def close(got, expected, scale):
    """Elementwise: is ``got`` the same number as ``expected``? (``scale``: typical size)."""
    with np.errstate(all="ignore"):
        size = np.maximum(np.abs(got), np.abs(expected))
        return np.abs(got - expected) <= RTOL * size + ATOL * scale


def stable_seed(*parts):
    """A seed from text: the same question samples the same points on every run and machine."""
    return zlib.crc32("\x1f".join(map(str, parts)).encode("utf-8"))


def draw_candidates(names, domain, count, seed):
    """``count`` random points per variable, rounded to 3 decimals so feedback can show them.

    ``domain`` maps a name to ``(low, high)``; other names use ``DEFAULT_DOMAIN``.
    """
    rng = np.random.default_rng(seed)
    points = {}
    for name in names:
        low, high = domain.get(name, DEFAULT_DOMAIN)
        points[name] = np.round(rng.uniform(low, high, count), 3)
    return points


DEFAULT_DOMAIN = (-3.0, 3.0)


def format_value(x, other=None):
    """A number for feedback: 6 significant digits, more if needed to tell it from ``other``."""
    if not np.isfinite(x):
        return "undefined" if np.isnan(x) else ("∞" if x > 0 else "-∞")
    for digits in (6, 9, 12, 17):
        text = f"{x:.{digits}g}"
        if other is None or not np.isfinite(other) or text != f"{other:.{digits}g}":
            break
    if "e" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_point(names, points, k):
    """``x1 = 0.731, x2 = -1.2``: the k-th sample point."""
    return ", ".join(f"{name} = {format_value(float(points[name][k]))}" for name in names)
