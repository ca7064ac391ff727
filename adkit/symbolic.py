"""Graph -> sympy: replay the graph on sympy symbols (sympy is imported only here)."""
from adkit.core import ADError
from adkit.graph import CONST, INPUT


def graph_to_sympy(graph, symbols=None):
    """The graph's output(s) as sympy expressions of symbols named like the inputs.

    >>> import adkit as ad
    >>> ad.parse("x1*x2 + sin(x1)").to_sympy()
    x1*x2 + sin(x1)
    """
    import sympy as sp
    if symbols is None:
        symbols = {name: sp.Symbol(name, real=True) for name in graph.inputs}
    env = [None] * len(graph)
    for i, (prim, refs, argvals, params) in enumerate(graph.nodes):
        if prim is INPUT:
            env[i] = symbols[params["name"]]
        elif prim is CONST:
            env[i] = sp.sympify(params["value"])
        else:
            if prim.sympy is None:
                raise ADError(f"to_sympy: primitive {prim.name!r} has no sympy counterpart")
            args = [_constant(sp, c) if r is None else env[r] for r, c in zip(refs, argvals)]
            env[i] = prim.sympy(sp, *args, **params)
    outs = [env[r] for r in graph.outputs]
    return outs[0] if len(outs) == 1 else tuple(outs)


def _constant(sp, c):
    if isinstance(c, float) and c.is_integer():
        return sp.Integer(int(c))
    try:
        return sp.Float(c) if isinstance(c, float) else sp.sympify(c)
    except (TypeError, ValueError, sp.SympifyError):
        raise ADError(f"to_sympy: cannot convert the constant {c!r:.40} (arrays have no scalar "
                      f"sympy form)") from None
