"""Graph -> sympy, and ``check``: forward mode, reverse mode and sympy's exact derivative side by side.

sympy is imported only inside the functions that need it, so ``import adkit`` stays fast.
"""
import math
import numbers
from fractions import Fraction

import numpy as np

from adkit.core import ADError
from adkit.graph import CONST, INPUT


def graph_to_sympy(graph, symbols=None):
    """The graph's output(s) as sympy expressions of symbols named like the inputs.

    Constants come back exact when they are simple: ``0.5`` -> ``1/2``, ``pi`` -> ``pi``,
    ``2*pi`` -> ``2*pi``, ``e`` -> ``E``.

    >>> import adkit as ad
    >>> ad.parse("x1*x2 + sin(x1)").to_sympy()
    x1*x2 + sin(x1)
    >>> ad.parse("x^(1/2) + sin(pi*x)").to_sympy()
    sqrt(x) + sin(pi*x)
    """
    import sympy as sp
    if symbols is None:
        symbols = {name: sp.Symbol(name, real=True) for name in graph.inputs}
    env = [None] * len(graph)
    for i, (prim, refs, argvals, params) in enumerate(graph.nodes):
        if prim is INPUT:
            env[i] = symbols[params["name"]]
        elif prim is CONST:
            env[i] = sympy_constant(sp, params["value"])
        else:
            if prim.sympy is None:
                raise ADError(f"to_sympy: primitive {prim.name!r} has no sympy counterpart")
            args = [sympy_constant(sp, c) if r is None else env[r] for r, c in zip(refs, argvals)]
            # float parameters (the exponent of x ** 0.5) are constants too: keep them exact
            params = {k: sympy_constant(sp, v) if type(v) is float else v for k, v in params.items()}
            env[i] = prim.sympy(sp, *args, **params)
    outs = [env[r] for r in graph.outputs]
    return outs[0] if len(outs) == 1 else tuple(outs)


def sympy_constant(sp, c):
    """A number as sympy should see it: exact when it is a simple fraction or multiple of π or e.

    >>> import sympy as sp
    >>> sympy_constant(sp, 0.5), sympy_constant(sp, 2 * math.pi), sympy_constant(sp, 0.1234567)
    (1/2, 2*pi, 0.123456700000000)
    """
    if isinstance(c, (bool, np.bool_)):
        return sp.true if c else sp.false
    if isinstance(c, np.ndarray) and c.ndim == 0:
        c = c[()]
    if isinstance(c, numbers.Real):
        value = float(c)
        if not math.isfinite(value):
            return sp.nan if math.isnan(value) else sp.oo if value > 0 else -sp.oo
        if value.is_integer():
            return sp.Integer(int(value))
        exact = _simple_fraction(value, 1000)
        if exact is not None:
            return sp.Rational(exact.numerator, exact.denominator)
        for constant, symbol in ((math.pi, sp.pi), (math.e, sp.E)):
            ratio = _simple_fraction(value / constant, 12)
            if ratio is not None and _close(float(ratio) * constant, value):
                return sp.Rational(ratio.numerator, ratio.denominator) * symbol
        return sp.Float(value)
    raise ADError(f"to_sympy: cannot convert the constant {c!r:.40} (arrays have no scalar sympy "
                  f"form)")


def _simple_fraction(value, max_denominator):
    """``value`` as a fraction with a small denominator, if it is one (to the last bit)."""
    fraction = Fraction(value).limit_denominator(max_denominator)
    if fraction != 0 and abs(fraction.numerator) <= 10 ** 6 and _close(float(fraction), value):
        return fraction
    return None


def _close(a, b):
    return abs(a - b) <= 4 * math.ulp(b)


def sympy_text(expr):
    """A sympy expression as text that :func:`adkit.parse` reads back (``E`` printed as ``e``).

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> sympy_text(sp.exp(x) * sp.E + sp.pi)
    'e*exp(x) + pi'
    """
    from sympy.printing.str import StrPrinter

    class _Printer(StrPrinter):
        def _print_Exp1(self, expr):
            return "e"

    return _Printer().doprint(expr)
