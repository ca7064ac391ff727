"""Checking derivatives against finite differences: :func:`check_grads`, like JAX's.

Plain numpy central differences are the oracle; random directions keep the check cheap for
any number of inputs; forward mode is checked directly (``J u``), reverse mode through the
dot-product identity ``⟨v, J u⟩ = ⟨Jᵀ v, u⟩``; higher orders check the derivative functions
themselves, in every combination of modes (forward-over-reverse, reverse-over-reverse, ...).

>>> import adkit as ad
>>> ad.check_grads(lambda x: ad.sin(x) * x, (1.5,), order=2)
"""
import numbers

import numpy as np

from adkit import primitives as P
from adkit.core import ADError
from adkit.forward import jvp
from adkit.reverse import vjp

__all__ = ["check_grads", "GradientMismatch"]


class GradientMismatch(ADError, AssertionError):
    """A derivative that disagrees with finite differences (or with the other mode)."""


def check_grads(f, args, order=2, modes=("fwd", "rev"), atol=None, rtol=None, eps=None, seed=0):
    """Check ``f``'s derivatives at ``args`` up to ``order``; raise with the worst mismatch.

    Args:
        f: a function of the arrays/floats in ``args``, returning an array, a float or a tuple.
        args: the point (a tuple; one entry per argument of ``f``).
        order: 1 checks first derivatives; 2 also the derivative functions' derivatives; ...
        modes: ``"fwd"`` (jvp against central differences) and/or ``"rev"`` (vjp through the
            dot-product identity, against central differences and, with "fwd", against jvp).
        atol, rtol: tolerances (default 1e-6 for float64, 2e-2 when an argument is float32).
        eps: the finite-difference step (default 1e-4, or 1e-2 for float32).
        seed: the random directions' seed (the check is reproducible).

    Raises:
        GradientMismatch (an ``ad.ADError`` and an ``AssertionError``) naming the mode, the order
        and the worst mismatch, with both numbers.
    """
    if not isinstance(args, (tuple, list)):
        raise ADError(f"check_grads: args must be a tuple of arguments, e.g. (x,); got "
                      f"{type(args).__name__}")
    unknown = set(modes) - {"fwd", "rev"}
    if unknown or not modes:
        raise ADError(f"check_grads: modes must be a tuple of 'fwd' and/or 'rev'; got {modes!r}")
    args = tuple(_point(a, k) for k, a in enumerate(args, 1))
    low = any(np.asarray(a).dtype == np.float32 for a in args)
    tol = {"atol": atol if atol is not None else 2e-2 if low else 1e-6,
           "rtol": rtol if rtol is not None else 2e-2 if low else 1e-6,
           "eps": eps if eps is not None else 1e-2 if low else 1e-4}
    _check(f, args, order, tuple(modes), tol, np.random.default_rng(seed), "")


def _point(a, k):
    if isinstance(a, numbers.Number) and not isinstance(a, bool):
        if isinstance(a, complex):
            raise ADError(f"check_grads: argument {k} is complex; adkit checks real functions")
        return float(a)
    a = np.asarray(a)
    if a.dtype.kind not in "fiu":
        raise ADError(f"check_grads: argument {k} must be real numbers, got dtype {a.dtype}")
    return a.astype(float) if a.dtype.kind in "iu" else a


def _check(f, args, order, modes, tol, rng, path):
    tangents = tuple(_random_like(a, rng) for a in args)
    fwd = "fwd" in modes
    if fwd:
        _check_jvp(f, args, tangents, tol, path + "forward")
    if "rev" in modes:
        _check_vjp(f, args, tangents, tol, rng, path + "reverse", fwd)
    if order <= 1:
        return
    if fwd:
        def f_jvp(*primals):
            return jvp(f, primals, tangents)[1]
        _check(f_jvp, args, order - 1, modes, tol, rng, path + "forward-over-")
    if "rev" in modes:
        cotangent = _random_like(_numeric(f, args), rng)
        def f_vjp(*primals):
            return vjp(_flat(f), *primals)[1](cotangent)
        _check(f_vjp, args, order - 1, modes, tol, rng, path + "reverse-over-")


def _random_like(x, rng):
    if isinstance(x, float):
        return float(rng.standard_normal())
    return rng.standard_normal(np.shape(x)).astype(np.asarray(x).dtype)


def _numeric(f, args):
    """f's output at plain arguments, as one flat float64 vector."""
    out = f(*args)
    parts = out if isinstance(out, (tuple, list)) else (out,)
    return np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])


def _flat(f):
    """f with its output(s) joined into one flat vector (so vjp takes one cotangent)."""
    def flat(*args):
        out = f(*args)
        parts = out if isinstance(out, (tuple, list)) else (out,)
        return P.concatenate([P.reshape(p, (-1,)) for p in parts])
    return flat


def _central(f, args, tangents, eps):
    """J · tangents by Richardson-extrapolated central differences (error O(eps⁴))."""
    def shifted(t):
        return _numeric(f, tuple(_move(a, d, t) for a, d in zip(args, tangents)))

    def d(step):
        return (shifted(step) - shifted(-step)) / (2 * step)
    return (4 * d(eps / 2) - d(eps)) / 3


def _move(a, d, t):
    if isinstance(a, float):
        return a + t * d
    return (a + t * d).astype(a.dtype)


def _check_jvp(f, args, tangents, tol, what):
    out, tangent = jvp(f, args, tangents)
    parts = tangent if isinstance(tangent, tuple) else (tangent,)
    got = np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])
    want = _central(f, args, tangents, tol["eps"])
    _compare(got, want, tol, f"{what} mode (jvp) against central differences")


def _check_vjp(f, args, tangents, tol, rng, what, against_jvp):
    flat = _flat(f)
    out, vjp_fn = vjp(flat, *args)
    cotangent = _random_like(np.asarray(out, dtype=float), rng)
    adjoints = vjp_fn(cotangent)
    # ⟨Jᵀ v, u⟩ must equal ⟨v, J u⟩
    got = sum(_inner(a, t) for a, t in zip(adjoints, tangents))
    want = _inner(cotangent, _central(f, args, tangents, tol["eps"]))
    _compare(np.array([got]), np.array([want]), tol,
             f"{what} mode (vjp, <J^T v, u> = <v, J u>) against central differences")
    if against_jvp:
        exact = _inner(cotangent, np.ravel(np.asarray(jvp(flat, args, tangents)[1], dtype=float)))
        _compare(np.array([got]), np.array([exact]), tol,
                 f"{what} mode (vjp) against forward mode (jvp), dot-product identity")


def _inner(a, b):
    return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))


def _compare(got, want, tol, what):
    got, want = np.broadcast_arrays(np.asarray(got, dtype=float), np.asarray(want, dtype=float))
    err = np.abs(got - want)
    bound = tol["atol"] + tol["rtol"] * np.abs(want)
    bad = ~(err <= bound)  # nan counts as a mismatch
    if np.any(bad):
        ratio = np.where(np.isnan(err), np.inf, err / bound)
        k = int(np.argmax(ratio))
        raise GradientMismatch(
            f"check_grads: {what}: worst mismatch at element {k}: adkit {float(got.flat[k])!r} vs "
            f"{float(want.flat[k])!r} (error {err.flat[k]:.3g}, allowed {bound.flat[k]:.3g}; "
            f"{int(np.sum(bad))} of {got.size} element(s) off)")
