"""Exact table numbers: values, tangents and adjoints as sympy computes them (ln 2, 1/3, √2).

The same sweeps as the engine's, run on sympy numbers: each node's value from the primitive's
sympy counterpart, each tangent ``Σᵢ ∂f/∂aᵢ · ẇ(aᵢ)`` and each adjoint ``Σ w̄k · ∂fk/∂w`` from
sympy's partials of that counterpart. sympy is imported only here, only when asked for.
Every exact number is compared with the engine's float: where they disagree (a kink, where
sympy's convention is not adkit's) the table keeps the engine's number.
"""
import math

import numpy as np

from adkit.core import ADError
from adkit.graph import CONST, INPUT


def _exact_constant(sp, c):
    from adkit.symbolic import sympy_constant
    return sympy_constant(sp, c)


def _local(sp, prim, args, params):
    """``(value, [∂/∂arg for each argument])`` of one node, exactly."""
    if prim.sympy is None:
        raise ADError(f"exact: primitive {prim.name!r} has no sympy counterpart")
    dummies = [sp.Dummy(f"a{k}") for k in range(len(args))]
    params = {k: _exact_constant(sp, v) if type(v) is float else v for k, v in params.items()}
    formula = prim.sympy(sp, *dummies, **params)
    subs = dict(zip(dummies, args))
    partials = [formula.diff(d).subs(subs) for d in dummies]
    return formula.subs(subs), partials


def _tidy(sp, expr):
    expr = sp.nsimplify(expr) if expr.is_Float else expr
    return sp.simplify(expr) if expr.count_ops() <= 40 else expr


def sweep(graph, values, tangents=None, seed=None):
    """Exact values and either tangents (forward: ``tangents`` per input) or adjoints (reverse:
    the output's ``seed``), as two lists of sympy numbers indexed like the graph's nodes."""
    import sympy as sp
    if any(np.ndim(v) for v in values):
        raise ADError("exact: exact numbers are for tables of scalars; drop --exact/exact=True "
                      "for arrays")
    exact = [None] * len(graph)
    partials = [None] * len(graph)
    inputs = iter(values)
    for i, (prim, refs, argvals, params) in enumerate(graph.nodes):
        if prim is INPUT:
            exact[i] = _exact_constant(sp, float(next(inputs)))
        elif prim is CONST:
            exact[i] = _exact_constant(sp, params["value"])
        else:
            args = [_exact_constant(sp, c) if r is None else exact[r]
                    for r, c in zip(refs, argvals)]
            exact[i], partials[i] = _local(sp, prim, args, params)
    if tangents is not None:
        dots = [None] * len(graph)
        given = dict(zip(graph.input_refs, tangents))
        for i, refs in enumerate(graph.refs):
            if i in given:
                dots[i] = _exact_constant(sp, float(given[i]))
            elif graph.prims[i] is CONST:
                dots[i] = sp.Integer(0)
            else:
                dots[i] = sum((p * dots[r] for p, r in zip(partials[i], refs) if r is not None),
                              sp.Integer(0))
        return [_tidy(sp, e) for e in exact], [_tidy(sp, d) for d in dots]
    bars = [sp.Integer(0)] * len(graph)
    bars[graph.outputs[0]] = _exact_constant(sp, float(seed))
    for j in range(len(graph) - 1, -1, -1):
        if partials[j] is None:
            continue
        for p, r in zip(partials[j], graph.refs[j]):
            if r is not None:
                bars[r] = bars[r] + bars[j] * p
    return [_tidy(sp, e) for e in exact], [_tidy(sp, b) for b in bars]


def agrees(expr, number):
    """Does the exact number agree with the engine's float (or are both undefined)?"""
    try:
        value = complex(expr.evalf(20))
    except (TypeError, ValueError):
        return False
    number = float(number)
    if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)):
        return math.isnan(number)
    if not math.isfinite(value.real) or not math.isfinite(number):
        return value.real == number or (math.isnan(value.real) and math.isnan(number))
    return abs(value.real - number) <= 1e-9 * max(1.0, abs(number))


def exact_text(expr, style="text"):
    """An exact number as a slide shows it: ``ln 2``, ``1/3``, ``√2``, ``sin 2 + 10``.

    >>> import sympy as sp
    >>> [exact_text(e) for e in (sp.log(2), sp.Rational(1, 3), sp.sqrt(2), sp.sin(2) + 10)]
    ['ln 2', '1/3', '√2', 'sin 2 + 10']
    >>> exact_text(sp.log(2), "latex")
    '\\\\ln{\\\\left(2 \\\\right)}'
    """
    import sympy as sp
    if style == "latex":
        return sp.latex(expr, ln_notation=True)
    return _printer()(expr)


def _printer():
    from sympy.printing.str import StrPrinter

    class SlidePrinter(StrPrinter):
        """sympy's text with the slides' spelling: ln, √, π, e, ·, juxtaposed sin 2."""

        def _print_Function(self, expr):
            name = {"log": "ln"}.get(expr.func.__name__, expr.func.__name__)
            if len(expr.args) == 1 and (expr.args[0].is_Atom and not expr.args[0].is_Rational
                                        or expr.args[0].is_Integer):
                return f"{name} {self._print(expr.args[0])}"
            return f"{name}({', '.join(self._print(a) for a in expr.args)})"

        _print_log = _print_Function

        def _print_Pow(self, expr, rational=False):
            if expr.exp == sp_half():
                base = self._print(expr.base)
                return f"√{base}" if expr.base.is_Atom else f"√({base})"
            return super()._print_Pow(expr, rational).replace("**", "^")

        def _print_Mul(self, expr):
            return super()._print_Mul(expr).replace("*", " · ")

        def _print_Pi(self, expr):
            return "π"

        def _print_Exp1(self, expr):
            return "e"

    return SlidePrinter().doprint


def sp_half():
    import sympy as sp
    return sp.Rational(1, 2)
