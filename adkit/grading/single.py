"""Grading one derivative: a Question is compiled once, then grades any number of answers.

Compiling a question parses the reference, draws seeded sample points inside its domain (where
the function and its derivative are finite), computes the derivative there with adkit's own
forward mode (one sweep on arrays of points, through the IR), and builds the typical wrong
derivatives (:mod:`adkit.grading.mistakes`). Grading an answer is then one parse and one
vectorized replay of the student's graph, compared at every point with a tight relative
tolerance.

>>> q = Question("x1*x2 + sin(x1)", "x1")
>>> q.grade("x2 + cos(x1)").status
'correct'
>>> v = q.grade("x2 - cos(x1)")
>>> v.status, v.category
('incorrect', 'trig_sign')
"""
import functools
import numbers

import numpy as np

from adkit.core import ADError, ParseError, new_level
from adkit.forward import Dual
from adkit.graph import Graph
from adkit.grading.mistakes import build_candidates
from adkit.grading.numeric import (
    DEFAULT_DOMAIN, RTOL, close, draw_candidates, format_value, local_partials, output_of,
    replay, stable_seed,
)
from adkit.grading.reading import read_expression
from adkit.grading.verdict import Verdict

SAMPLE_POINTS = 12       # points an answer is checked at
CANDIDATE_DRAWS = 400    # random draws to find them inside the domain
MIN_COMMON_POINTS = 3    # the reference must be usable at this many points to grade at all
SHOWN_POINTS = 6         # points feedback may quote (never the grading points)
SHOWN_DIGITS = 4         # significant digits feedback shows, however close the answer is
MAX_DOMAIN = 1e12        # largest magnitude of a domain bound
SYMBOLIC_TIMEOUT = 2.0   # seconds for the optional sympy confirmation (in a killable worker)

CORRECT = "Correct."


class Question:
    """A derivative question, compiled once: reference, variables, points, expected values.

    An answer is correct when it is defined and equal to the derivative (to ``tolerance``) at
    *every* grading point: an answer undefined where the derivative is defined is wrong there.
    Feedback quotes other points (:data:`SHOWN_POINTS`, with :data:`SHOWN_DIGITS` digits), so
    it never reveals where or how precisely the answer is checked.

    Args:
        reference: the function, as text (read by :func:`adkit.parse`) or a Graph.
        wrt: the variable to differentiate with respect to.
        variables: the names an answer may use, in order (default: the reference's inputs).
        domain: optional ``{name: (low, high)}`` for the sample points (default (-3, 3)).
        points: how many sample points to check an answer at.
        lenient: read answers leniently (2x, x₁, SIN x; :mod:`adkit.grading.lenient`).
        tolerance: relative tolerance (default 1e-8).
        partial_credit: ``{mistake class: score}``, e.g. ``{"chain": 0.5}``.
    Raises:
        ADError: the reference cannot be read, ``wrt`` is not a variable, or the function is
            undefined almost everywhere in the domain (the message says what to fix).
    """

    def __init__(self, reference, wrt, *, variables=None, domain=None, points=SAMPLE_POINTS,
                 lenient=True, tolerance=None, partial_credit=None):
        from adkit.sources import as_graph
        graph = as_graph(reference, None, "grade", list(variables) if variables else None)
        if len(graph.outputs) != 1:
            raise ADError("grade: the reference must have exactly one output")
        names = tuple(variables) if variables else tuple(graph.inputs)
        missing = [n for n in graph.inputs if n not in names]
        if missing:
            raise ADError(f"grade: the reference uses {', '.join(missing)}, which is not among the "
                          f"variables {', '.join(names)}")
        if wrt not in names:
            raise ADError(f"grade: wrt={wrt!r} is not a variable of the function; the variables "
                          f"are {', '.join(names) or '(none)'}")
        self.graph, self.names, self.wrt = graph, names, wrt
        self.lenient = bool(lenient)
        self.rtol = RTOL if tolerance is None else float(tolerance)
        self.partial_credit = dict(partial_credit or {})
        self.domain = _check_domain(domain or {}, names)
        self._sample(points, stable_seed(str(reference), wrt, ",".join(names)))

    # -- compiling --------------------------------------------------------------------------
    def _sample(self, count, seed):
        graph, names = self.graph, self.names
        draws = draw_candidates(names, self.domain, CANDIDATE_DRAWS, seed)
        ok = self._usable(draws, CANDIDATE_DRAWS)
        where = spread_points(draws, names, self.domain, np.flatnonzero(ok), count)
        if len(where) < MIN_COMMON_POINTS:
            raise ADError(f"grade: the function is undefined at almost every sample point "
                          f"({len(np.flatnonzero(ok))} of {CANDIDATE_DRAWS} usable); give a "
                          f"domain, e.g. domain = {{{names[0]} = [0.1, 3]}}")
        self.points = {n: draws[n][where] for n in names}
        self.count = len(where)
        with np.errstate(all="ignore"):
            _, self.expected = _value_and_derivative(graph, self.points, self.wrt, self.count)
        self.scale = 1.0 + float(np.median(np.abs(self.expected)))
        with np.errstate(all="ignore"):
            env = replay(graph, self.points)
            partials = local_partials(graph, env)
            self.mistakes = build_candidates(graph, env, partials, names, self.wrt, self.count)
        self._mistake_matrix = (np.stack([v for _, _, v in self.mistakes]) if self.mistakes
                                else np.zeros((0, self.count)))
        self._sample_shown(seed)

    def _usable(self, draws, count):
        """Where the function and its derivative are finite, away from poles and from 0."""
        with np.errstate(all="ignore"):
            value, derivative = _value_and_derivative(self.graph, draws, self.wrt, count)
            ok = np.isfinite(value) & np.isfinite(derivative)
            ok &= np.abs(derivative) < 1e12  # far from a pole, where rounding rules everything
            for n in self.names:  # 0 is where kinks and conventions live (|x|, relu, 0^0)
                ok &= draws[n] != 0.0
        return ok

    def _sample_shown(self, seed):
        """Points for feedback: one decimal, inside the domain, none of them a grading point."""
        rng = np.random.default_rng([seed, 1])
        draws = {}
        for n in self.names:
            low, high = self.domain.get(n, DEFAULT_DOMAIN)
            draws[n] = np.round(rng.uniform(low, high, 64), 1)
            draws[n] = np.clip(draws[n], low, high)
        ok = self._usable(draws, 64)
        for n in self.names:
            ok &= ~np.isin(draws[n], self.points[n])
        where = np.flatnonzero(ok)[:SHOWN_POINTS]
        self.shown = {n: draws[n][where] for n in self.names}
        with np.errstate(all="ignore"):
            self.shown_expected = _value_and_derivative(self.graph, self.shown, self.wrt,
                                                        len(where))[1] if len(where) else []

    # -- grading ----------------------------------------------------------------------------
    def grade(self, answer, *, symbolic=False):
        """Grade one answer (text, a number or a Graph); never raises for bad answers."""
        try:
            return self._grade(answer, symbolic)
        except Exception as e:  # a batch never stops for one answer
            return Verdict("invalid", 0.0, f"Could not grade this answer ({type(e).__name__}).",
                           "error")

    def _grade(self, answer, symbolic):
        if isinstance(answer, Graph):
            graph = answer
            if any(n not in self.names for n in graph.inputs) or len(graph.outputs) != 1:
                return Verdict("invalid", 0.0, f"Use only the variables {', '.join(self.names)}.",
                               "unknown_variable")
        else:
            graph, problem = read_expression(answer, self.names, self.lenient)
            if problem is not None:
                return problem
        try:
            with np.errstate(all="ignore"):
                got = output_of(graph, replay(graph, self.points), self.count)
        except (ADError, ArithmeticError, ValueError, TypeError, IndexError) as e:
            return Verdict("invalid", 0.0, f"Could not evaluate your answer: {e}.", "unread")
        return self._judge(got, graph, symbolic)

    def _judge(self, got, graph, symbolic):
        defined = np.isfinite(got)
        agree = defined & close(got, self.expected, self.scale, self.rtol)
        if agree.all():  # defined and equal at every grading point
            if symbolic and self.symbolic_equal(graph) is True:
                return Verdict("correct", 1.0, "Correct (sympy agrees).", "correct")
            return Verdict("correct", 1.0, CORRECT, "correct")
        if not defined.all():
            return self._wrong("undefined", "Your answer is undefined at points where the "
                                            "derivative exists" + self._shown_undefined(graph))
        mistake = self._mistake(got)
        if mistake is not None:
            return self._wrong(*mistake)
        return self._wrong("differs", self._differs(graph))

    def _wrong(self, category, feedback):
        score = self.partial_credit.get(category, 0.0)
        if score:
            feedback += f" (Partial credit: {score:g}.)"
        return Verdict("incorrect", score, feedback, category)

    def _mistake(self, got):
        if len(self._mistake_matrix):
            matches = np.all(close(got, self._mistake_matrix, self.scale, self.rtol), axis=1)
            hit = np.flatnonzero(matches)
            if len(hit):
                category, feedback, _ = self.mistakes[int(hit[0])]
                return category, feedback
        with np.errstate(all="ignore"):
            offset = got - self.expected
            if np.all(close(offset, offset[0], self.scale, self.rtol)):
                return "offset", (f"Your answer differs from the derivative by the constant "
                                  f"{_shown(float(offset[0]))}: check the constant terms (the "
                                  f"derivative of a constant is 0).")
            nonzero = np.abs(self.expected) > 1e-9 * self.scale
            if nonzero.sum() >= MIN_COMMON_POINTS:
                ratio = got[nonzero] / self.expected[nonzero]
                if np.all(close(ratio, ratio[0], 1.0, self.rtol)) and ratio[0] != 0:
                    return "factor", (f"Your answer is {_shown(float(ratio[0]))} times the "
                                      f"derivative: check the constant factors (an exponent "
                                      f"brought down, a factor of an inner function).")
        return None

    def _answer_at_shown(self, graph):
        count = len(self.shown_expected)
        if not count:
            return None
        try:
            with np.errstate(all="ignore"):
                return output_of(graph, replay(graph, self.shown), count)
        except (ADError, ArithmeticError, ValueError, TypeError, IndexError):
            return None

    def _shown_undefined(self, graph):
        got = self._answer_at_shown(graph)
        if got is not None and not np.isfinite(got).all():
            k = int(np.flatnonzero(~np.isfinite(got))[0])
            return (f", e.g. at {_shown_point(self.names, self.shown, k)}, where the derivative "
                    f"is {_shown(float(self.shown_expected[k]))}.")
        return "."

    def _differs(self, graph):
        got = self._answer_at_shown(graph)
        if got is not None:
            wrong = ~(np.isfinite(got) & close(got, self.shown_expected, self.scale, self.rtol))
            if wrong.any():
                k = int(np.flatnonzero(wrong)[0])
                e, g = _shown(float(self.shown_expected[k])), _shown(float(got[k]))
                if e == g:
                    return (f"At {_shown_point(self.names, self.shown, k)} your answer is close "
                            f"to the derivative ({e}) but not equal to it: check the "
                            f"coefficients and constants.")
                return (f"At {_shown_point(self.names, self.shown, k)} the derivative is "
                        f"{_shown(float(self.shown_expected[k]))} but your answer gives "
                        f"{_shown(float(got[k]))}.")
        return "Your answer does not equal the derivative everywhere in the domain."

    def symbolic_equal(self, graph, timeout=SYMBOLIC_TIMEOUT):
        """Ask sympy (in a worker process, killed after ``timeout`` s) whether ``graph`` equals
        the derivative; True, False, or None when sympy cannot tell in time."""
        from adkit.grading.sandbox import symbolic_equal
        return symbolic_equal(self.derivative_graph(), graph, timeout)

    def derivative_graph(self):
        """The derivative as a Graph, recorded by running forward mode on symbolic inputs."""
        from adkit.tracing import start
        symbolic = Graph(abstract=True)
        tracers = dict(zip(self.names, start(symbolic, self.names, [None] * len(self.names))))
        level = new_level()  # above the symbolic graph's level: the Dual is the outer sweep
        inputs = [Dual(tracers[n], 1.0, level) if n == self.wrt else tracers[n]
                  for n in self.graph.inputs]
        out = self.graph.evaluate(inputs)[self.graph.outputs[0]]
        tangent = out.tangent if isinstance(out, Dual) and out._level == level else 0.0
        if isinstance(tangent, numbers.Number):
            symbolic.add_constant_output(float(tangent))
        else:
            symbolic.outputs.append(tangent.index)
        return symbolic


def _shown(x):
    """A number as feedback shows it: always :data:`SHOWN_DIGITS` significant digits."""
    return format_value(float(f"{x:.{SHOWN_DIGITS}g}")) if np.isfinite(x) else format_value(x)


def _shown_point(names, points, k):
    return ", ".join(f"{n} = {_shown(float(points[n][k]))}" for n in names)


def spread_points(draws, names, domain, usable, count):
    """``count`` of the ``usable`` draws, spread over the domain (farthest-point order).

    Points spread to the ends of the domain separate answers that agree with the derivative
    only near one place (x for sin x near 0, a Taylor polynomial, |x| for x).
    """
    if len(usable) <= count:
        return usable
    scaled = []
    for n in names:
        low, high = domain.get(n, DEFAULT_DOMAIN)
        scaled.append((draws[n][usable] - low) / (high - low))
    coords = np.stack(scaled, axis=1)
    chosen = [0]
    distance = np.linalg.norm(coords - coords[0], axis=1)
    for _ in range(count - 1):
        k = int(np.argmax(distance))
        chosen.append(k)
        distance = np.minimum(distance, np.linalg.norm(coords - coords[k], axis=1))
    return usable[np.sort(chosen)]


def _check_domain(domain, names):
    checked = {}
    for name, bounds in domain.items():
        if name not in names:
            raise ADError(f"grade: the domain names {name!r}, which is not a variable "
                          f"({', '.join(names)})")
        try:
            if isinstance(bounds, (str, bytes)) or any(isinstance(b, bool) for b in bounds):
                raise TypeError
            low, high = (float(b) for b in bounds)
        except (TypeError, ValueError, OverflowError):
            raise ADError(f"grade: the domain of {name} must be [low, high], got {bounds!r}") from None
        if not (abs(low) <= MAX_DOMAIN and abs(high) <= MAX_DOMAIN and low < high):
            raise ADError(f"grade: the domain of {name} must be [low, high] with low < high and "
                          f"|bounds| <= {MAX_DOMAIN:.0e}, got {str(bounds)[:60]}")
        checked[name] = (low, high)
    return checked


def _value_and_derivative(graph, points, wrt, count):
    """f and ∂f/∂wrt at every point: one forward-mode sweep of the core's Dual on arrays."""
    level = new_level()
    inputs = [Dual(points[n], np.ones(count), level) if n == wrt else points[n]
              for n in graph.inputs]
    out = graph.evaluate(inputs)[graph.outputs[0]]
    if isinstance(out, Dual) and out._level == level:
        value = np.broadcast_to(np.asarray(out.primal, dtype=float), (count,))
        tangent = out._tangent
        derivative = (np.zeros(count) if tangent is None
                      else np.broadcast_to(np.asarray(tangent, dtype=float), (count,)))
        return value, derivative
    return np.broadcast_to(np.asarray(out, dtype=float), (count,)), np.zeros(count)


@functools.lru_cache(maxsize=256)
def _compiled(reference, wrt, variables, domain, options):
    return Question(reference, wrt, variables=variables, domain=dict(domain) if domain else None,
                    **_options(options))


def _options(frozen):
    lenient, tolerance, credit = frozen
    return {"lenient": lenient, "tolerance": tolerance, "partial_credit": dict(credit)}


def grade(reference, answer, wrt, *, variables=None, domain=None, symbolic=False, lenient=True,
          tolerance=None, partial_credit=None):
    """Grade a student's derivative of ``reference`` with respect to ``wrt``.

    The decision is numerical: adkit's own derivative of the reference and the answer are
    compared at seeded random points spread over the domain, to a relative tolerance of 1e-8;
    the answer must be defined wherever the derivative is. Wrong answers get feedback naming the
    misapplied rule and where (product, quotient, power, chain rule, a trig sign, ln), or a
    point where they differ (never a grading point).

    Args:
        reference: the function (text or Graph). answer: the student's text (or a number).
        wrt: the variable. variables: names the answer may use (default: the reference's).
        domain: ``{name: (low, high)}`` for the sample points.
        symbolic: also ask sympy (in a worker process killed after 2 s) to confirm a
            numerical "correct". It never changes the decision.
        lenient: read ``2x``, ``3x^2``, ``2 sin x``, ``x₁``, ``SIN(x)``, ``√x`` as a teacher
            would (the text is rewritten token by token, then read by the allow-list parser).
        tolerance: relative tolerance. partial_credit: ``{mistake class: score}``.
    Returns:
        A :class:`~adkit.grading.verdict.Verdict` (``.status``, ``.score``, ``.feedback``).

    >>> import adkit as ad
    >>> ad.grade("x1*x2 + sin(x1)", "x2 + cos(x1)", "x1").status
    'correct'
    >>> ad.grade("sin(x^2)", "cos(x^2)", "x").category
    'chain'
    >>> ad.grade("x^3", "3x^2", "x").status
    'correct'
    """
    options = (bool(lenient), tolerance, tuple(sorted((partial_credit or {}).items())))
    if isinstance(reference, str):
        key_domain = tuple(sorted((k, tuple(v)) for k, v in (domain or {}).items()))
        question = _compiled(reference, wrt, tuple(variables) if variables else None, key_domain,
                             options)
    else:
        question = Question(reference, wrt, variables=variables, domain=domain,
                            **_options(options))
    return question.grade(answer, symbolic=symbolic)


__all__ = ["Question", "grade", "ParseError"]
