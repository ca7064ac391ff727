"""Graph -> sympy, and ``check``: forward mode, reverse mode and sympy's exact derivative side by side.

sympy is imported only inside the functions that need it, so ``import adkit`` stays fast.
"""
import math
import numbers
from fractions import Fraction

import numpy as np

from adkit.core import ADError
from adkit.graph import CONST, INPUT, Graph
from adkit.sources import sympy_text  # noqa: F401  (reading sympy is reading a source)


def graph_to_sympy(graph, symbols=None):
    """The graph's output(s) as sympy expressions of symbols named like the inputs.

    By default the symbols are sympy's plain ``Symbol(name)``, so the expression works with a
    user's own ``sympy.symbols("x1 x2")`` (``sympy.diff(g.to_sympy(), x1)``); the checker and
    the grader pass real symbols (``Symbol(name, real=True)``), which simplify ``|x|`` and ``√x²``.

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
        symbols = {name: sp.Symbol(name) for name in graph.inputs}
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


# ---------------------------------------------------------------------------------------------
# check: forward mode, reverse mode and sympy, side by side
# ---------------------------------------------------------------------------------------------

class SympyTimeout(ADError):
    """sympy took longer than the time limit."""


def _TimeLimit(seconds, what):
    """Stop a sympy step after ``seconds`` with SympyTimeout (:func:`adkit.limits.time_limit`)."""
    from adkit.limits import time_limit
    return time_limit(seconds, SympyTimeout(f"sympy took longer than {seconds:g} s to {what}"))


class PointCheck:
    """The comparison at one point: ``forward``, ``reverse``, ``symbolic`` (name -> value),
    ``error`` (the largest relative disagreement) or ``undefined`` (why there is none)."""

    def __init__(self, at, value=None, forward=None, reverse=None, symbolic=None, error=None,
                 undefined=None, kink=None):
        self.at = at
        self.kink = kink  # "relu at its kink": sympy's value there is a convention too
        self.value = value
        self.forward = forward
        self.reverse = reverse
        self.symbolic = symbolic
        self.error = error
        self.undefined = undefined


class CheckReport:
    """What :func:`check` found: ``.ok``, ``.max_error``, ``.forward``, ``.reverse``,
    ``.symbolic`` (at the first point where everything is defined), ``.points`` (all points),
    ``.derivatives`` (sympy's exact partial derivatives); ``str()`` is a readable table."""

    def __init__(self, expression, output, names, points, derivatives, tolerance, note, random):
        self.expression = expression
        self.output = output
        self.names = names
        self.points = points
        self.derivatives = derivatives
        self.tolerance = tolerance
        self.note = note
        self.random = random
        defined = [p for p in points if p.undefined is None]
        first = defined[0] if defined else None
        self.at = first.at if first else (points[0].at if points else None)
        self.forward = first.forward if first else {}
        self.reverse = first.reverse if first else {}
        self.symbolic = (first.symbolic or {}) if first else {}  # {} when sympy could not
        # at a kink adkit's documented convention (relu'(0) = 0) and sympy's (Heaviside(0) = ½)
        # differ; forward and reverse must still agree
        self.max_error = max((p.error for p in defined), default=math.nan)
        self.ok = bool(defined) and self.max_error <= tolerance

    @property
    def undefined(self):
        """The points where the function or its derivative is not defined, with the reason."""
        return [(p.at, p.undefined) for p in self.points if p.undefined is not None]

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return f"<check {self.expression}: ok={self.ok} max_error={self.max_error:.3g}>"

    def _repr_html_(self):
        """Jupyter: the verdict in colour, sympy's derivatives, one small table per point."""
        from html import escape

        def number(v):
            return "—" if v is None else f"{v:.12g}"

        colour = "#1b7837" if self.ok else "#c0392b"
        verdict = "ok" if self.ok else "MISMATCH" if self.points else "nothing to compare"
        error = "" if math.isnan(self.max_error) else f" (max error {self.max_error:.3g})"
        parts = [f"<div><p><b style='color:{colour}'>{escape(verdict)}</b>{escape(error)}: "
                 f"forward mode, reverse mode and sympy on <code>{escape(self.output)} = "
                 f"{escape(str(self.expression))}</code></p>"]
        if self.derivatives:
            parts.append("<ul>" + "".join(f"<li>∂{escape(self.output)}/∂{escape(n)} = "
                                          f"<code>{escape(str(d))}</code></li>"
                                          for n, d in self.derivatives.items()) + "</ul>")
        for p in self.points:
            at = escape(", ".join(f"{n} = {v:.6g}" for n, v in p.at.items()))
            if p.undefined is not None:
                parts.append(f"<p>at {at}: undefined ({escape(str(p.undefined))})</p>")
                continue
            rows = "".join(
                f"<tr><td>∂{escape(self.output)}/∂{escape(n)}</td><td>{number(p.forward[n])}</td>"
                f"<td>{number(p.reverse[n])}</td>"
                f"<td>{number(p.symbolic.get(n) if p.symbolic else None)}</td></tr>"
                for n in self.names)
            parts.append(f"<p>at {at}:</p><table><tr><th></th><th>forward</th><th>reverse</th>"
                         f"<th>sympy</th></tr>{rows}</table>")
        if self.note:
            parts.append(f"<p>note: {escape(self.note)}</p>")
        return "\n".join(parts) + "</div>"

    def __str__(self):
        def number(v):
            return "—" if v is None else f"{v:.12g}"

        count = len(self.points)
        where = f"at {count} random point{'s' if count != 1 else ''}" if self.random else \
            "at the point"
        lines = [f"check {self.output} = {self.expression}: forward mode, reverse mode and "
                 f"sympy {where}"]
        if self.derivatives:
            for name, d in self.derivatives.items():
                lines.append(f"  ∂{self.output}/∂{name} = {d}")
        for p in self.points:
            at = ", ".join(f"{n} = {v:.6g}" for n, v in p.at.items())
            lines.append("")
            if p.undefined is not None:
                lines.append(f"at {at}: undefined ({p.undefined})")
                continue
            lines.append(f"at {at}:" + (f" kink: convention ({p.kink}; sympy's value there is "
                                        f"another convention, not compared)" if p.kink else ""))
            labels = [f"∂{self.output}/∂{n}" for n in self.names]
            rows = [["", "forward", "reverse", "sympy"]] + [
                [label, number(p.forward[n]), number(p.reverse[n]),
                 number(p.symbolic.get(n) if p.symbolic else None)]
                for label, n in zip(labels, self.names)]
            widths = [max(len(r[k]) for r in rows) for k in range(4)]
            for r in rows:
                lines.append("  " + "  ".join(c.ljust(w) if k == 0 else c.rjust(w)
                                              for k, (c, w) in enumerate(zip(r, widths))).rstrip())
        lines.append("")
        if self.note:
            lines.append(f"note: {self.note}")
        if math.isnan(self.max_error):
            lines.append("no point where the function and its derivative are defined: "
                         "nothing to compare")
        else:
            verdict = "ok" if self.ok else f"MISMATCH (tolerance {self.tolerance:g})"
            lines.append(f"max error {self.max_error:.3g}: {verdict}")
        return "\n".join(lines)


def _relative(a, b):
    return abs(a - b) / max(1.0, abs(b))


def _draw_point(rng, names, attempt):
    """A random point: alternately anywhere in [-2, 2] and in (0, 3] (where log and sqrt live),
    rounded to 3 decimals so that reports read well; never exactly 0."""
    low, high = (-2.0, 2.0) if attempt % 2 else (0.1, 3.0)
    values = np.round(rng.uniform(low, high, size=len(names)), 3)
    values[values == 0] = 0.125
    return {n: float(v) for n, v in zip(names, values)}


def _symbolic_values(sp, derivatives, symbols, at):
    subs = {symbols[n]: sympy_constant(sp, v) for n, v in at.items()}
    values = {}
    for name, d in derivatives.items():
        z = complex(d.evalf(20, subs=subs))
        values[name] = z.real if abs(z.imag) <= 1e-12 * max(1.0, abs(z.real)) else math.nan
    return values


def kinks(graph, values, step=1e-7):
    """Where the point sits on a kink: the nodes whose local partials jump there (their left and
    right values differ), e.g. ``"relu at w1 = 0"``; None when there is none.

    Found by the rule itself, not by names, so a registered primitive's kink is found too.

    >>> import adkit as ad
    >>> kinks(ad.parse("relu(x) + x^2"), [0.0]), kinks(ad.parse("relu(x)"), [1.0])
    ('relu at its kink', None)
    """
    with np.errstate(all="ignore"):
        point = graph.at_point(values)
    found = []
    for i, (prim, refs, argvals, params) in enumerate(point.nodes):
        if prim in (INPUT, CONST) or prim.partials is None or not prim.differentiable:
            continue
        args = [c if r is None else point.values[r] for r, c in zip(refs, argvals)]
        if any(np.ndim(a) for a in args):
            continue
        for k, r in enumerate(refs):
            if r is not None and _jumps(prim, args, params, k, step):
                found.append(f"{prim.name} at its kink")
                break
    return ", ".join(dict.fromkeys(found)) or None


def _jumps(prim, args, params, k, step):
    """Do the partials of ``prim`` differ just left and just right of argument ``k``?"""
    sides = []
    with np.errstate(all="ignore"):
        for h in (-step, step):
            moved = list(args)
            moved[k] = float(args[k]) + h * max(1.0, abs(float(args[k])))
            out = prim(*moved, **params)
            sides.append([None if p is None else float(p)
                          for p in prim.partials(out, *moved, **params)])
    return any(a is not None and b is not None and math.isfinite(a) and math.isfinite(b)
               and abs(a - b) > 1e-3 * max(1.0, abs(a), abs(b)) for a, b in zip(*sides))


def check(source, at=None, *, points=3, seed=0, tolerance=1e-8, timeout=5.0):
    """Compare forward mode, reverse mode and sympy's exact derivatives at a point.

    Args:
        source: an expression (``"log(x1) + x1*x2 - sin(x2)"``), a Graph or a Python function of
            scalars.
        at: the point (dict name -> value, or values in input order). None draws ``points``
            random points (seeded by ``seed``), skipping points where the function or its
            derivative is undefined.
        tolerance: the largest relative disagreement still reported as ok.
        timeout: seconds allowed for sympy's differentiation (SIGALRM, main thread only).
    Returns:
        a :class:`CheckReport`. Undefined points are reported, never raised.

    >>> r = check("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0})
    >>> r.ok, round(r.reverse["x2"], 6), round(r.symbolic["x2"], 6)
    (True, 1.716338, 1.716338)
    """
    import sympy as sp
    from adkit.printing import output_name
    from adkit.printing import expression_text
    from adkit.sources import as_graph

    graph, names, values = _check_inputs(source, at)
    random = at is None
    if random:
        rng = np.random.default_rng(seed)
        candidates = (_draw_point(rng, names, attempt) for attempt in range(100 * points))
    else:
        candidates = iter([dict(zip(names, (float(v) if np.ndim(v) == 0 else v
                                            for v in values)))])
    checked, derivatives, note, expression, output = [], {}, None, None, "z"
    cache = {}
    for point in candidates:
        if any(np.ndim(v) for v in point.values()):
            raise ADError("check: compares derivatives of scalar inputs; for arrays use "
                          "ad.jacfwd and ad.jacrev")
        g = graph if graph is not None else as_graph(source, point, "check")
        if expression is None:
            if len(g.outputs) != 1:
                raise ADError(f"check: the function has {len(g.outputs)} outputs; check one")
            expression, output = expression_text(g, g.outputs[0]), output_name(g)
        value, forward, reverse = _both_modes(g, names, [point[n] for n in names])
        symbolic = None
        if note is None:
            try:
                derivatives = _sympy_derivatives(sp, g, names, cache, graph is not None, timeout)
                with _TimeLimit(timeout, "evaluate the derivative"):
                    symbolic = _symbolic_values(sp, derivatives, cache["symbols"], point)
            except (ADError, TypeError, ValueError, ArithmeticError) as e:
                note = f"no sympy comparison: {e}"
            except RecursionError:
                note = "no sympy comparison: the expression is nested too deeply for sympy"
        numbers = [value] + list(forward.values()) + list(reverse.values()) + \
            (list(symbolic.values()) if symbolic else [])
        if not all(math.isfinite(v) for v in numbers):
            if random:
                continue  # draw another point
            what = "the function" if not math.isfinite(value) else "the derivative"
            checked.append(PointCheck(point, undefined=f"{what} is not finite there"))
            break
        values = [point[n] for n in names]
        error = _largest_disagreement(names, forward, reverse, None)
        exact = _largest_disagreement(names, forward, reverse, symbolic) if symbolic else 0.0
        kink = kinks(g, values) if exact > tolerance else None
        checked.append(PointCheck(point, value, forward, reverse, symbolic,
                                  error if kink else max(error, exact), kink=kink))
        if len(checked) >= points:
            break
    if random and not checked:
        note = (note + "; " if note else "") + f"no defined point among {100 * points} random tries"
    return CheckReport(expression or "", output, names, checked, derivatives or {}, tolerance,
                       note, random)


def _check_inputs(source, at):
    """``(graph, names, values)``: graph None for a function (traced at each point: its
    branches may differ), values None without a point."""
    from adkit.sources import as_graph, function_inputs
    from adkit.tracing import point_values
    if callable(source) and not isinstance(source, Graph):
        names, values = function_inputs(source, at, "check")
        return None, list(names), values
    graph = as_graph(source, at if isinstance(at, dict) else None, "check")
    names = list(graph.inputs)
    return graph, names, None if at is None else point_values(names, at, "check")


def _both_modes(g, names, values):
    """The value, and every partial by forward mode (one jvp per input) and by reverse mode."""
    from adkit.forward import jvp
    from adkit.reverse import grad
    with np.errstate(all="ignore"):
        value = g(*values)
        forward = {n: jvp(g, tuple(values), tuple(1.0 if k == j else 0.0
                                                   for k in range(len(names))))[1]
                   for j, n in enumerate(names)}
        gradient = grad(g, argnums=tuple(range(len(names))))(*values) if names else ()
    return (float(value), {n: float(v) for n, v in forward.items()},
            {n: float(v) for n, v in zip(names, gradient)})


def _sympy_derivatives(sp, g, names, cache, fixed, timeout):
    """sympy's exact partials of ``g``, once per graph (``fixed``: the same graph at every
    point, else one per traced structure); its symbols go to ``cache["symbols"]``."""
    key = id(g) if fixed else str(g)
    if key not in cache:
        with _TimeLimit(timeout, "differentiate"):
            symbols = {n: sp.Symbol(n, real=True) for n in names}
            expr = graph_to_sympy(g, symbols)
            cache[key] = (symbols, {n: sp.diff(expr, symbols[n]) for n in names})
    cache["symbols"], derivatives = cache[key]
    return derivatives


def _largest_disagreement(names, forward, reverse, symbolic):
    pairs = [(forward[n], reverse[n]) for n in names]
    if symbolic:
        pairs += [(forward[n], symbolic[n]) for n in names]
        pairs += [(reverse[n], symbolic[n]) for n in names]
    return max((_relative(a, b) for a, b in pairs), default=0.0)
