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
('incorrect', 'sign')
"""
import functools
import numbers

import numpy as np

from adkit.core import ADError, ParseError, new_level
from adkit.forward import Dual
from adkit.graph import Graph
from adkit.grading.mistakes import build_candidates
from adkit.grading.numeric import (
    close, draw_candidates, format_point, format_value, local_partials, output_of, replay,
    stable_seed,
)
from adkit.grading.reading import read_expression
from adkit.grading.verdict import Verdict

SAMPLE_POINTS = 12       # points an answer is checked at
CANDIDATE_DRAWS = 400    # random draws to find them inside the domain
MIN_COMMON_POINTS = 3    # an answer must be defined at this many of the points to be right
SYMBOLIC_TIMEOUT = 2.0   # seconds for the optional sympy confirmation (in a killable worker)

CORRECT = "Correct."


class Question:
    """A derivative question, compiled once: reference, variables, points, expected values.

    Args:
        reference: the function, as text (read by :func:`adkit.parse`) or a Graph.
        wrt: the variable to differentiate with respect to.
        variables: the names an answer may use, in order (default: the reference's inputs).
        domain: optional ``{name: (low, high)}`` for the sample points (default (-3, 3)).
        points: how many sample points to check an answer at.
    Raises:
        ADError: the reference cannot be read, ``wrt`` is not a variable, or the function is
            undefined almost everywhere in the domain (the message says what to fix).
    """

    def __init__(self, reference, wrt, *, variables=None, domain=None, points=SAMPLE_POINTS):
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
        self.domain = _check_domain(domain or {}, names)
        self._sample(points, stable_seed(str(reference), wrt, ",".join(names)))

    # -- compiling --------------------------------------------------------------------------
    def _sample(self, count, seed):
        graph, names = self.graph, self.names
        draws = draw_candidates(names, self.domain, CANDIDATE_DRAWS, seed)
        with np.errstate(all="ignore"):
            value, derivative = _value_and_derivative(graph, draws, self.wrt, CANDIDATE_DRAWS)
            ok = np.isfinite(value) & np.isfinite(derivative)
            ok &= np.abs(derivative) < 1e12  # far from a pole, where rounding rules everything
            for n in names:  # 0 is where kinks and conventions live (|x|, relu, 0^0): skip it
                ok &= draws[n] != 0.0
        where = np.flatnonzero(ok)[:count]
        if len(where) < MIN_COMMON_POINTS:
            raise ADError(f"grade: the function is undefined at almost every sample point "
                          f"({len(np.flatnonzero(ok))} of {CANDIDATE_DRAWS} usable); give a "
                          f"domain, e.g. domain = {{{names[0]} = [0.1, 3]}}")
        self.points = {n: draws[n][where] for n in names}
        self.count = len(where)
        self.expected = derivative[where]
        self.scale = 1.0 + float(np.median(np.abs(self.expected)))
        with np.errstate(all="ignore"):
            env = replay(graph, self.points)
            partials = local_partials(graph, env)
            self.mistakes = build_candidates(graph, env, partials, names, self.wrt, self.count)
        self._mistake_matrix = (np.stack([v for _, _, v in self.mistakes]) if self.mistakes
                                else np.zeros((0, self.count)))

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
            graph, problem = read_expression(answer, self.names)
            if problem is not None:
                return problem
        try:
            with np.errstate(all="ignore"):
                got = output_of(graph, replay(graph, self.points), self.count)
        except (ADError, ArithmeticError, ValueError, TypeError, IndexError) as e:
            return Verdict("invalid", 0.0, f"Could not evaluate your answer: {e}.", "unread")
        return self._judge(got, graph, symbolic)

    def _judge(self, got, graph, symbolic):
        expected = self.expected
        defined = np.isfinite(got)
        agree = defined & close(got, expected, self.scale)
        common = int(defined.sum())
        if common >= MIN_COMMON_POINTS and agree[defined].all():  # equal wherever both are defined
            if symbolic and self.symbolic_equal(graph) is True:
                return Verdict("correct", 1.0, "Correct (sympy agrees).", "correct")
            return Verdict("correct", 1.0, CORRECT, "correct")
        if symbolic and common and agree[defined].all() and self.symbolic_equal(graph) is True:
            # defined at too few points to decide by numbers: a symbolic proof decides
            return Verdict("correct", 1.0, "Correct (sympy agrees).", "correct")
        if not defined.all():
            k = int(np.flatnonzero(~defined)[0])
            if common < MIN_COMMON_POINTS or agree[defined].all():
                return Verdict("incorrect", 0.0, f"Your answer is undefined at "
                               f"{format_point(self.names, self.points, k)}, where the derivative "
                               f"is {format_value(float(expected[k]))}.", "undefined")
        mistake = self._mistake(got)
        if mistake is not None:
            category, feedback = mistake
            return Verdict("incorrect", 0.0, feedback, category)
        return Verdict("incorrect", 0.0, self._differs(got, defined, agree), "differs")

    def _mistake(self, got):
        if len(self._mistake_matrix):
            matches = np.all(close(got, self._mistake_matrix, self.scale), axis=1)
            hit = np.flatnonzero(matches)
            if len(hit):
                category, feedback, _ = self.mistakes[int(hit[0])]
                return category, feedback
        with np.errstate(all="ignore"):
            if np.all(np.isfinite(got)):
                offset = got - self.expected
                if np.all(close(offset, offset[0], self.scale)):
                    return "offset", (f"Your answer differs from the derivative by the constant "
                                      f"{format_value(float(offset[0]))}: check the constant "
                                      f"terms (the derivative of a constant is 0).")
                nonzero = np.abs(self.expected) > 1e-9 * self.scale
                if nonzero.sum() >= MIN_COMMON_POINTS:
                    ratio = got[nonzero] / self.expected[nonzero]
                    if np.all(close(ratio, ratio[0], 1.0)) and ratio[0] != 0:
                        return "factor", (f"Your answer is {format_value(float(ratio[0]))} times "
                                          f"the derivative: check the constant factors (an "
                                          f"exponent brought down, a factor of an inner "
                                          f"function).")
        return None

    def _differs(self, got, defined, agree):
        k = int(np.flatnonzero(defined & ~agree)[0])
        e, g = float(self.expected[k]), float(got[k])
        return (f"At {format_point(self.names, self.points, k)} the derivative is "
                f"{format_value(e, g)} but your answer gives {format_value(g, e)}.")

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


def _check_domain(domain, names):
    checked = {}
    for name, bounds in domain.items():
        if name not in names:
            raise ADError(f"grade: the domain names {name!r}, which is not a variable "
                          f"({', '.join(names)})")
        try:
            low, high = (float(b) for b in bounds)
        except (TypeError, ValueError):
            raise ADError(f"grade: the domain of {name} must be [low, high], got {bounds!r}") from None
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ADError(f"grade: the domain of {name} must be [low, high] with low < high, got "
                          f"{bounds!r}")
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
def _compiled(reference, wrt, variables, domain):
    return Question(reference, wrt, variables=variables, domain=dict(domain) if domain else None)


def grade(reference, answer, wrt, *, variables=None, domain=None, symbolic=False):
    """Grade a student's derivative of ``reference`` with respect to ``wrt``.

    The decision is numerical: adkit's own derivative of the reference and the answer are
    compared at seeded random points where both are defined, to a relative tolerance of 1e-8.
    Wrong answers get feedback naming the likely mistake (sign, chain rule, product rule,
    wrong variable, the function instead of its derivative) or a point where they differ.

    Args:
        reference: the function (text or Graph). answer: the student's text (or a number).
        wrt: the variable. variables: names the answer may use (default: the reference's).
        domain: ``{name: (low, high)}`` for the sample points.
        symbolic: also ask sympy (in a worker process killed after 2 s): it confirms a
            numerical "correct", and can accept an answer defined at too few sample points
            to be judged by numbers. It never turns a numerical "correct" into "incorrect"
            (failing to simplify a difference to 0 proves nothing).
    Returns:
        A :class:`~adkit.grading.verdict.Verdict` (``.status``, ``.score``, ``.feedback``).

    >>> import adkit as ad
    >>> ad.grade("x1*x2 + sin(x1)", "x2 + cos(x1)", "x1").status
    'correct'
    >>> ad.grade("sin(x^2)", "cos(x^2)", "x").category
    'chain'
    """
    if isinstance(reference, str):
        key_domain = tuple(sorted((k, tuple(v)) for k, v in (domain or {}).items()))
        question = _compiled(reference, wrt, tuple(variables) if variables else None, key_domain)
    else:
        question = Question(reference, wrt, variables=variables, domain=domain)
    return question.grade(answer, symbolic=symbolic)


__all__ = ["Question", "grade", "ParseError"]
