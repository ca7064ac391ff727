"""Numbers for grading: sample points, graph replay on arrays of points, tangent sweeps.

Graphs are elementwise, so one replay on arrays evaluates a graph at every sample point at
once, and one forward sweep whose tangents are arrays gives the derivative at every point.
:func:`tangent_sweep` is forward mode written as a loop over the nodes with the primitive
table's local partials (``ẇ = Σᵢ ∂ᵢ · ẇᵢ``); it takes a *variant* that changes one node's rule
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

    Missing inputs are an ADError. Constants are used as floats, never as Python ints.
    """
    prims, all_refs, all_argvals, all_params = graph.prims, graph.refs, graph.argvals, graph.params
    env = [None] * len(prims)
    for i, prim in enumerate(prims):
        if prim is INPUT:
            name = all_params[i]["name"]
            if name not in inputs:
                raise ADError(f"no value for the variable {name!r}")
            env[i] = inputs[name]
        elif prim is CONST:
            env[i] = _constant(all_params[i]["value"])
        else:
            args = [_constant(c) if r is None else env[r] for r, c in zip(all_refs[i], all_argvals[i])]
            env[i] = prim(*args, **all_params[i])
    return env


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
    prims, all_refs = graph.prims, graph.refs
    tangents = [None] * len(prims)
    for i, prim in enumerate(prims):
        if prim is INPUT:
            if graph.params[i]["name"] == wrt:
                tangents[i] = np.ones(np.shape(env[i]))
            continue
        rule = partials[i]
        if rule is None:
            if prim is not CONST and prim.differentiable and prim.jvp is not None:
                args = node_args(graph, env, i)
                tangents_in = [None if r is None else tangents[r] for r in all_refs[i]]
                if any(t is not None for t in tangents_in):
                    tangents[i] = prim.jvp(args, tangents_in, env[i], 0, **graph.params[i])
            continue
        kind = keep = None
        if variant is not None and variant[0] == i:
            kind, keep = variant[1], variant[2]
        total = None
        for position, (r, p) in enumerate(zip(all_refs[i], rule)):
            if r is None or p is None or tangents[r] is None:
                continue
            if kind == "term" and position != keep:
                continue
            t = 1.0 if kind == "chain" else tangents[r]
            term = p * t
            total = term if total is None else total + term
        if kind == "sign" and total is not None:
            total = -total
        tangents[i] = total
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


def close(got, expected, scale, rtol=RTOL):
    """Elementwise: is ``got`` the same number as ``expected``? (``scale``: typical size)."""
    with np.errstate(all="ignore"):
        size = np.maximum(np.abs(got), np.abs(expected))
        return np.abs(got - expected) <= rtol * size + ATOL * scale


def stable_seed(*parts):
    """A seed from text: the same question samples the same points on every run and machine."""
    return zlib.crc32("\x1f".join(map(str, parts)).encode("utf-8"))


def draw_candidates(names, domain, count, seed):
    """``count`` random points per variable, a Latin hypercube: each variable's range is cut
    into ``count`` strips and every strip holds one point.

    ``domain`` maps a name to ``(low, high)``; other names use ``DEFAULT_DOMAIN``. The points
    are full-precision floats (feedback never shows them).
    """
    rng = np.random.default_rng(seed)
    points = {}
    for name in names:
        low, high = domain.get(name, DEFAULT_DOMAIN)
        strips = (rng.permutation(count) + rng.uniform(0.0, 1.0, count)) / count
        points[name] = low + (high - low) * strips
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
