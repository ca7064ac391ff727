"""Table names: w1, ẇ1, w̄1 (slides) or v₋₁, v̇₋₁, v̄₋₁ (Griewank, Baydin et al.), in text and LaTeX.

The letter comes from :func:`adkit.printing.node_letter`, so a node is never called like an input
(deck 004's inputs w1, w2 make the nodes v1, v2, …).
"""
import unicodedata

from adkit.core import ADError
from adkit.printing import latex_name, node_letter

STYLES = ("slides", "griewank")

_SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
_MARKS = {"": "", "dot": "\u0307", "bar": "\u0304"}


def _latex_subscript(number):
    text = str(number)
    return f"_{text}" if len(text) == 1 else f"_{{{text}}}"


class Names:
    """Node names in one style: value, tangent (dot) and adjoint (bar), text and LaTeX."""

    def __init__(self, graph, style):
        if style not in STYLES:
            raise ADError(f"unknown table style {style!r}; use 'slides' or 'griewank'")
        self.style = style
        inputs = set(graph.input_refs)
        n_inputs = len(graph.input_refs)
        self.numbers = []
        position = {ref: k for k, ref in enumerate(graph.input_refs)}
        count = 0
        for i in range(len(graph)):
            if style == "slides":
                self.numbers.append(i + 1)
            elif i in inputs:
                self.numbers.append(position[i] - n_inputs + 1)   # v₋₁, v₀
            else:
                count += 1
                self.numbers.append(count)                          # v₁, v₂, …
        self._letter = node_letter(graph.inputs, "w" if style == "slides" else "v")
        taken = set(graph.inputs)
        bases = ("z", "f", "y", "out") if style == "slides" else ("y", "f", "z", "out")
        self.output = next(b for b in bases if b not in taken)

    def text(self, i, kind=""):
        """kind "" (w3), "dot" (ẇ3) or "bar" (w̄3)."""
        head = unicodedata.normalize("NFC", self._letter + _MARKS[kind])
        number = self.numbers[i]
        return head + (str(number) if self.style == "slides" else
                       str(number).translate(_SUBSCRIPTS))

    def latex(self, i, kind=""):
        head = {"": self._letter, "dot": f"\\dot{{{self._letter}}}",
                "bar": f"\\bar{{{self._letter}}}"}[kind]
        return head + _latex_subscript(self.numbers[i])

    def all(self, style, kind=""):
        n = len(self.numbers)
        return [self.text(i, kind) if style == "text" else self.latex(i, kind) for i in range(n)]


__all__ = ["Names", "STYLES", "latex_name"]
