"""Grading a filled-in trace table: the tangent column (forward) or the adjoint column (reverse).

The student gives one entry per row, ``{"ẇ3": "5", "ẇ4": "cos(w1)*ẇ1", …}`` (ASCII keys
``wdot3``/``wbar3`` too; a number or a formula in the w's and in the other rows' ẇ/w̄). Each row
is marked:

* **correct**: the value is the table's value (to 3 significant digits, ``rtol=5e-3``);
* **carried**: wrong, but exactly what the row's rule gives from the student's own earlier
  (wrong) values: the error was carried forward consistently, and earns full credit;
* **incorrect**, or **missing** (no entry).

A formula that names another row's ẇ/w̄ is evaluated with the *student's* value of that row.

>>> m = TableQuestion("x1*x2 + sin(x1)", at={"x1": 2.0, "x2": 5.0}).grade(
...     {"ẇ1": 1, "ẇ2": 0, "wdot3": 6, "wdot4": "cos(w1)*ẇ1", "wdot5": "ẇ3 + ẇ4"})
>>> [(r.row, r.status) for r in m.rows]
[('ẇ1', 'correct'), ('ẇ2', 'correct'), ('ẇ3', 'incorrect'), ('ẇ4', 'correct'), ('ẇ5', 'carried')]
"""
import numbers
import re
import unicodedata

import numpy as np

from adkit.core import ADError, ParseError
from adkit.graph import CONST, INPUT
from adkit.forward import node_tangent
from adkit.grading.numeric import format_value, local_partials, node_args, replay
from adkit.reverse import pullback
from adkit.grading.reading import MAX_ANSWER_CHARS, parse_error_feedback
from adkit.grading.verdict import RowMark, TableGrade

TABLE_RTOL = 5e-3      # students copy numbers to 3 significant digits
TABLE_ATOL = 1e-6
MAX_ENTRIES = 1_000
_KEY = re.compile(r"^w(?:\u0307|dot|\u0304|bar)[ _]?([0-9]+)$")


def row_key(key):
    """``("dot", 3)`` for "ẇ3", "wdot3", "WDOT3"; ``("bar", 2)`` for "w̄2", "wbar2"; else None."""
    if not isinstance(key, str):
        return None
    text = unicodedata.normalize("NFD", key.strip()).lower().replace(" ", "")
    match = _KEY.match(text)
    if not match:
        return None
    kind = "dot" if ("\u0307" in text[:2] or text.startswith("wdot")) else "bar"
    return kind, int(match.group(1))


def split_table_answer(text):
    """"ẇ1=1; ẇ2=0" -> ({"ẇ1": "1", "ẇ2": "0"}, [problems]); entries split on ';' or newlines."""
    entries, problems = {}, []
    if len(text) > MAX_ANSWER_CHARS:
        return {}, [f"the answer is too long ({len(text):,} characters)"]
    pieces = [p.strip() for p in re.split(r"[;\n]", text) if p.strip()]
    for piece in pieces[:MAX_ENTRIES]:
        key, sep, value = piece.partition("=")
        if not sep or not key.strip() or not value.strip():
            problems.append(f"cannot read '{piece[:40]}': write each entry as ẇ3 = value")
            continue
        if key.strip() in entries:
            problems.append(f"{key.strip()} is given twice; the last one is graded")
        entries[key.strip()] = value.strip()
    if len(pieces) > MAX_ENTRIES:
        problems.append(f"only the first {MAX_ENTRIES} entries are read")
    return entries, problems


def _close(got, expected, rtol):
    return abs(got - expected) <= rtol * max(abs(got), abs(expected)) + TABLE_ATOL


def _source_graph(source, at):
    from adkit.sources import as_graph
    return as_graph(source, at, "grade_table")


class TableQuestion:
    """A table question compiled once: the true column, each row's rule, the row names.

    Args:
        source: expression text, Graph or Python function.
        at: the point, ``{name: value}``.
        mode: "forward" (tangent column ẇ) or "reverse" (adjoint column w̄).
        seed: forward mode's seed direction, ``{name: value}`` or a name (default: the first
            input gets 1, the others 0).
    """

    def __init__(self, source, at, mode="forward", seed=None, *, rtol=TABLE_RTOL):
        if mode not in ("forward", "reverse"):
            raise ADError(f"grade_table: mode must be 'forward' or 'reverse', got {mode!r}")
        if not isinstance(at, dict):
            raise ADError("grade_table: `at` must be a dict such as {'x1': 2.0, 'x2': 5.0}")
        graph = _source_graph(source, at)
        if len(graph.outputs) != 1 or graph.prims[graph.outputs[0]] is CONST:
            raise ADError("grade_table: the function must have one output that depends on its inputs")
        missing = [n for n in graph.inputs if n not in at]
        if missing:
            raise ADError(f"grade_table: no value in `at` for {', '.join(missing)}")
        self.graph, self.mode, self.rtol = graph, mode, rtol
        self.kind = "dot" if mode == "forward" else "bar"
        self.seed = self._seed(seed, graph.inputs) if mode == "forward" else None
        point = {n: float(at[n]) for n in graph.inputs}
        with np.errstate(all="ignore"):
            self.primals = replay(graph, point)
            self.partials = local_partials(graph, self.primals)
            self.point = graph.at_point([point[n] for n in graph.inputs])
        count = len(graph)
        self.consumers = [[] for _ in range(count)]  # (consumer node, argument position)
        for i, refs in enumerate(graph.refs):
            for position, r in enumerate(refs):
                if r is not None:
                    self.consumers[r].append((i, position))
        self.order = list(range(count)) if mode == "forward" else list(range(count - 1, -1, -1))
        self.true = self.rule_values({})
        self.names = [self.row_name(i) for i in range(count)]
        self.formulas = self._table_formulas(source, at, seed)
        self.variables = self._variables(graph)

    # -- compiling --------------------------------------------------------------------------
    @staticmethod
    def _seed(seed, inputs):
        if seed is None:
            return {n: (1.0 if k == 0 else 0.0) for k, n in enumerate(inputs)}
        if isinstance(seed, str):
            if seed not in inputs:
                raise ADError(f"grade_table: seed {seed!r} is not an input ({', '.join(inputs)})")
            return {n: (1.0 if n == seed else 0.0) for n in inputs}
        if isinstance(seed, dict):
            unknown = [n for n in seed if n not in inputs]
            if unknown:
                raise ADError(f"grade_table: seed names {', '.join(unknown)}, not an input")
            return {n: float(seed.get(n, 0.0)) for n in inputs}
        raise ADError("grade_table: seed must be an input name or a dict such as {'x1': 1.0}")

    def row_name(self, i):
        return f"ẇ{i + 1}" if self.kind == "dot" else f"w̄{i + 1}"

    def _variables(self, graph):
        """Names a formula may use: w1…, this column's ẇk/w̄k (Unicode and ASCII), the inputs."""
        count = len(graph)
        names = [f"w{i + 1}" for i in range(count)]
        mark, ascii_mark = ("\u0307", "wdot") if self.kind == "dot" else ("\u0304", "wbar")
        names += [unicodedata.normalize("NFC", f"w{mark}{i + 1}") for i in range(count)]
        names += [f"{ascii_mark}{i + 1}" for i in range(count)]
        names += [n for n in graph.inputs if n not in names]
        return names

    def _table_formulas(self, source, at, seed):
        """The printed rule of each row (``w2 · ẇ1 + w1 · ẇ2``), as the tables print it."""
        from adkit import tables
        try:
            if self.mode == "forward":
                table = tables.forward_table(self.graph, at=at, seed=self.seed)
            else:
                table = tables.reverse_table(self.graph, at=at)
            return {row.lhs: row.rhs for row in table.rows if row.lhs in self.names}
        except Exception:  # the formulas only decorate feedback; grading never depends on them
            return {}

    # -- the rules --------------------------------------------------------------------------
    def rule_terms(self, i):
        """Row i's rule as data, ``(constant, [(row, coefficient), ...])``: its value is
        constant + Σ coefficient · value of row. The coefficients come from the engine's own
        step (a forward step with a unit tangent in one argument, or a consumer's pullback of a
        unit adjoint), so the rule a student is graded by is the rule the sweeps use."""
        graph = self.graph
        if self.mode == "forward":
            if graph.prims[i] is INPUT:
                return self.seed[graph.params[i]["name"]], []
            refs, terms = graph.refs[i], []
            for k, r in enumerate(refs):
                unit = [1.0 if j == k else None for j in range(len(refs))]
                t = None if r is None else node_tangent(
                    graph.prims[i], node_args(graph, self.primals, i), unit, self.primals[i],
                    graph.params[i], self.partials[i], batch=0)
                if t is not None:
                    terms.append((r, float(t)))
            return 0.0, terms
        if i == graph.outputs[0]:
            return 1.0, []
        shares = ((c, pullback(self.point, c, 1.0)[k]) for c, k in self.consumers[i])
        return 0.0, [(c, float(share)) for c, share in shares if share is not None]

    def rule_value(self, i, values, fallback=None):
        """Row i's rule applied to ``values`` (row -> number); rows not in it use ``fallback``
        (default: the true values)."""
        fallback = self.true if fallback is None else fallback
        constant, terms = self.rule_terms(i)
        total = constant
        for r, p in terms:
            total += p * (values[r] if r in values else fallback[r])
        return total

    def rule_values(self, values):
        """Every row's value by its rule, in table order; ``values`` overrides rows read."""
        out = {}
        for i in self.order:
            out[i] = self.rule_value(i, {**out, **values}, fallback=out)
        return out

    def dependencies(self, i):
        if self.mode == "forward":
            return [r for r in self.graph.refs[i] if r is not None]
        return [c for c, _ in self.consumers[i]]

    # -- grading ----------------------------------------------------------------------------
    def grade(self, answers):
        """Mark every row of ``answers`` (a dict, or the text "ẇ1=1; ẇ2=0; …")."""
        problems = []
        if isinstance(answers, str):
            answers, problems = split_table_answer(answers)
        if not isinstance(answers, dict):
            return TableGrade((), 0.0, "invalid", f"Give the entries as {self._example()}.")
        entries, extra = {}, list(problems)
        for key, value in answers.items():
            rk = row_key(key)
            if rk is None or rk[0] != self.kind or not 1 <= rk[1] <= len(self.graph):
                extra.append(f"{str(key)[:20]} is not a row of this table")
                continue
            entries[rk[1] - 1] = value
        got, unreadable = self._student_values(entries)
        marks = [self._mark(i, entries, got, unreadable) for i in self.order]
        return self._summary(marks, extra, bool(entries))

    def _student_values(self, entries):
        """Numbers for the student's entries; formulas evaluated with the student's own rows."""
        got, unreadable, formulas = {}, {}, {}
        for i, value in entries.items():
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                got[i] = float(value)
            elif isinstance(value, str):
                try:
                    from adkit.parse import parse
                    formulas[i] = parse(value, variables=self.variables)
                except ParseError as e:
                    unreadable[i] = parse_error_feedback(e)
                except Exception as e:
                    unreadable[i] = f"Could not read your answer ({type(e).__name__})."
            else:
                unreadable[i] = "Could not read your answer: expected a number or a formula."
        pending = {i: (g, self._rows_used(g)) for i, g in formulas.items()}
        progress = True
        while pending and progress:  # rows whose formulas read only settled rows, until none left
            progress = False
            for i in list(pending):
                graph, uses = pending[i]
                if any(r in pending for r in uses):
                    continue
                got[i] = self._evaluate(graph, got)
                del pending[i]
                progress = True
        for i in pending:
            unreadable[i] = "Your formula refers to rows that refer back to it."
        return got, unreadable

    def _rows_used(self, formula):
        used = set()
        for refs in formula.refs:
            used.update(r for r in refs if r is not None)
        used.update(formula.outputs)
        rows = set()
        for index in used:
            if formula.prims[index] is INPUT:
                row = self._row_of_name(formula.params[index]["name"])
                if row is not None:
                    rows.add(row)
        return rows

    def _row_of_name(self, name):
        rk = row_key(name)
        return rk[1] - 1 if rk and rk[0] == self.kind else None

    def _evaluate(self, formula, got):
        inputs = {}
        for name in formula.inputs:
            row = self._row_of_name(name)
            if row is not None:
                inputs[name] = got.get(row, self.true[row])
            elif name.startswith("w") and name[1:].isdigit():
                inputs[name] = float(self.primals[int(name[1:]) - 1])
            else:
                inputs[name] = float(self.primals[self.graph.input_refs[self.graph.inputs.index(name)]])
        try:
            with np.errstate(all="ignore"):
                value = replay(formula, inputs)[formula.outputs[0]]
            return float(value)
        except (ADError, ArithmeticError, ValueError, TypeError):
            return float("nan")

    def _mark(self, i, entries, got, unreadable):
        name, expected = self.names[i], self.true[i]
        if i not in entries:
            return RowMark(name, "missing", "No answer.", expected, None)
        if i in unreadable:
            return RowMark(name, "incorrect", unreadable[i], expected, None)
        value = got[i]
        if np.isfinite(value) and _close(value, expected, self.rtol):
            return RowMark(name, "correct", "Correct.", expected, value)
        deps = self.dependencies(i)
        wrong_deps = [r for r in deps if r in got and not _close(got[r], self.true[r], self.rtol)]
        if wrong_deps and np.isfinite(value):
            carried = self.rule_value(i, {r: got[r] for r in deps if r in got})
            if _close(value, carried, self.rtol):
                names = ", ".join(self.names[r] for r in wrong_deps)
                return RowMark(name, "carried", f"Right rule, applied to your value of {names}: "
                                                f"the earlier error is carried forward.",
                               expected, value)
        rule = self.formulas.get(name)
        hint = f" The rule is {name} = {rule}." if rule else ""
        return RowMark(name, "incorrect", f"Expected {format_value(expected, value)}, got "
                                          f"{format_value(value, expected)}.{hint}", expected, value)

    def _example(self):
        first, second = self.names[self.order[0]], self.names[self.order[1 % len(self.order)]]
        return f"{first} = value; {second} = value; …"

    def _summary(self, marks, extra, any_entry):
        credit = sum(m.credit for m in marks)
        score = credit / len(marks) if marks else 0.0
        carried = sum(m.status == "carried" for m in marks)
        if not any_entry:
            status = "invalid"
            feedback = f"No row of the table could be read; write {self._example()}."
        elif credit == len(marks):
            status = "correct"
            feedback = f"All {len(marks)} rows right" + (
                f" ({carried} by carrying an earlier error forward)." if carried else ".")
        else:
            status = "incorrect"
            first = next(m for m in marks if m.credit == 0)
            feedback = (f"{credit:g} of {len(marks)} rows right"
                        + (f" ({carried} carried forward)" if carried else "")
                        + f". {first.row}: {first.feedback}")
        if extra:
            feedback += f" Not graded: {'; '.join(extra[:3])}."
        return TableGrade(tuple(marks), score, status, feedback, tuple(extra))


def grade_table(source, answers, at, mode="forward", seed=None, *, rtol=TABLE_RTOL):
    """Grade a filled-in tangent (forward) or adjoint (reverse) column of a trace table.

    Args:
        source: the function (expression text, Graph or Python function).
        answers: ``{"ẇ3": "5", …}`` (keys ẇk/w̄k or wdotk/wbark; values numbers or formulas in
            w1…, x1… and the column's other rows), or the text ``"ẇ1=1; ẇ2=0; …"``.
        at: the point. mode: "forward" or "reverse". seed: forward mode's seed direction.
        rtol: relative tolerance for numbers copied by hand.
    Returns:
        a :class:`~adkit.grading.verdict.TableGrade` (``.score``, ``.rows``, ``.feedback``).

    >>> import adkit as ad
    >>> m = ad.grade_table("x1*x2 + sin(x1)", {"w̄5": 1, "w̄4": 1, "w̄3": 1, "w̄2": 2,
    ...                    "w̄1": "w̄3*w2 + w̄4*cos(w1)"}, at={"x1": 2.0, "x2": 5.0}, mode="reverse")
    >>> m.score, m.status
    (1.0, 'correct')
    """
    return TableQuestion(source, at, mode, seed, rtol=rtol).grade(answers)
