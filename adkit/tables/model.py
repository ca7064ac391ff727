"""The row model of a table: :class:`Row` (one line) and :class:`Table` (rows, result, renderers)."""
from adkit.core import ADError


class Row:
    """One line of a table.

    Attributes:
        lhs, rhs: the derivative operation, ``"ẇ3"`` and ``"w2 · ẇ1 + w1 · ẇ2"`` (Unicode).
        value: its number at the point (the tangent ẇ3, or the adjoint w̄3).
        primal: the value of the node the row is about (w3 at the point).
        equation: the value column, ``"w3 = w1 · w2"`` (reverse tables: the operations that use
            the node, ``"w4 = sin w1 and w3 = w1 · w2"``).
        kind: ``"seed"`` (ẇ1 = 1, w̄5 = 1) or ``"rule"`` (computed by a derivative rule).
        node: the graph node index.
        latex: ``(lhs, rhs, [equations])`` in LaTeX (math mode content, without ``$``).
        op: ``"="``, or ``"+="`` for one edge's contribution (reverse tables with substitute).
        substituted: ``(text, latex)`` of the formula with the numbers put in, or None.
        exact: ``(primal, value)`` as exact numbers (sympy), or None.
    """

    __slots__ = ("lhs", "rhs", "value", "primal", "equations", "kind", "node", "latex", "op",
                 "substituted", "exact")

    def __init__(self, lhs, rhs, value, primal, equations, kind, node, latex, op="=",
                 substituted=None, exact=None):
        self.op = op
        self.substituted = substituted
        self.exact = exact
        self.lhs = lhs
        self.rhs = rhs
        self.value = value
        self.primal = primal
        self.equations = equations
        self.kind = kind
        self.node = node
        self.latex = latex

    @property
    def equation(self):
        return " and ".join(self.equations)

    @property
    def derivative(self):
        """The derivative column as printed: ``"ẇ1 = 1 (seed)"``."""
        return f"{self.lhs} {self.op} {self.rhs}" + (" (seed)" if self.kind == "seed" else "")

    def __repr__(self):
        return f"Row({self.equation!r} | {self.derivative!r} | value={self.value!r})"


class Table:
    """A forward or reverse accumulation table: ``.rows``, ``.result`` and five renderers.

    ``to_text()``, ``to_markdown()``, ``to_latex()``, ``to_html()`` and ``to_csv()`` render it
    (``numbers=False`` leaves out the number columns, as on the slides); ``steps()`` yields the
    table as it grows, one row at a time.
    """

    def __init__(self, mode, rows, result, *, title, result_lines, style, digits, forward_pass=(),
                 all_rows=None, exact=False, substitute=False):
        self.exact = exact  # the number columns show the rows' exact numbers (ln 2, 1/3)
        self.substitute = substitute  # the derivative column adds "= 5 · 1 + 2 · 0 = 5"
        self.mode = mode
        self.rows = rows
        self.result = result
        self.title = title
        self.result_lines = result_lines  # [(text, latex)] of the derivatives read off the table
        self.forward_pass = forward_pass  # reverse tables: [(text, latex)] of the values first
        self.style = style
        self.digits = digits
        self._all_rows = all_rows if all_rows is not None else rows  # column widths in steps()

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __repr__(self):
        return f"<{self.mode} table, {len(self.rows)} rows: {self.title}>"

    def __str__(self):
        return self.to_text()

    def steps(self):
        """The table after 1, 2, … rows: for revealing it in class one row at a time."""
        for k in range(1, len(self.rows) + 1):
            yield Table(self.mode, self.rows[:k], self.result, title=self.title,
                        result_lines=self.result_lines if k == len(self.rows) else [],
                        style=self.style, digits=self.digits, forward_pass=self.forward_pass,
                        all_rows=self._all_rows, exact=self.exact, substitute=self.substitute)

    def number(self, value, style="text"):
        """A number of the value columns, with ``digits`` significant digits."""
        from adkit.tables.formats import format_value
        return format_value(value, self.digits, style)

    def to_text(self, numbers=True, width=80):
        """Aligned text that fits ``width`` columns (None: one line per row, however long)."""
        from adkit.tables.formats import to_text
        return to_text(self, numbers, width)

    def to_markdown(self, numbers=True):
        from adkit.tables.formats import to_markdown
        return to_markdown(self, numbers)

    def to_latex(self, numbers=True, caption=None, result=False):
        """A booktabs tabular that fits a Beamer frame; ``caption`` and ``result`` (the
        derivatives read off the table, below it) are optional."""
        from adkit.tables.formats import to_latex
        return to_latex(self, numbers, caption, result)

    def to_html(self, numbers=True, document=False):
        """The table as an HTML fragment (for embedding), or with ``document=True`` a complete
        page with ``<meta charset>`` and styled columns (for a file)."""
        from adkit.tables.formats import html_document, to_html
        return html_document([self], numbers) if document else to_html(self, numbers)

    def to_csv(self):
        from adkit.tables.formats import to_csv
        return to_csv(self)

    def render(self, fmt, numbers=True):
        """The table in format ``fmt``: "text", "markdown", "latex", "html" or "csv"."""
        if fmt == "csv":
            return self.to_csv()
        renderers = {"text": self.to_text, "markdown": self.to_markdown, "latex": self.to_latex,
                     "html": self.to_html}
        if fmt not in renderers:
            raise ADError(f"unknown table format {fmt!r}; use text, markdown, latex, html or csv")
        return renderers[fmt](numbers)

    def _repr_html_(self):
        return self.to_html()

    def _repr_latex_(self):
        from adkit.tables.formats import to_mathjax
        return to_mathjax(self)
