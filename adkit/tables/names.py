"""Table names: w1, ẇ1, w̄1 (slides) or v₋₁, v̇₋₁, v̄₋₁ (Griewank, Baydin et al.), in text and LaTeX."""
import unicodedata

from adkit.core import ADError

STYLES = ("slides", "griewank")

_SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
          "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega"}


def _latex_subscript(number):
    text = str(number)
    return f"_{text}" if len(text) == 1 else f"_{{{text}}}"


def latex_name(name):
    """An input name in LaTeX: x1 -> x_1, theta2 -> \\theta_2, θ -> \\theta, lr -> \\mathit{lr}."""
    head = name.rstrip("0123456789")
    digits = name[len(head):]
    if head.endswith("_") and digits:
        head = head[:-1]
    if len(head) == 1 and "\u0391" <= head <= "\u03c9":
        letter = unicodedata.name(head, "").split()[-1].lower()
        head = "\\" + (letter.capitalize() if head.isupper() else letter)
    elif head in _GREEK:
        head = "\\" + head
    elif len(head) > 1 or not head.isascii():
        head = "\\mathit{" + head.replace("_", "\\_") + "}"
    return head + (_latex_subscript(digits) if digits else "")


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
        letter = "w" if style == "slides" else "v"
        taken = set(graph.inputs)
        base = "z" if style == "slides" else "y"
        self.output = base if base not in taken else "f"
        self._letter = letter

    def text(self, i, kind=""):
        """kind "" (w3), "dot" (ẇ3) or "bar" (w̄3)."""
        number = self.numbers[i]
        if self.style == "slides":
            head = {"": "w", "dot": "ẇ", "bar": "w\u0304"}[kind]
            return f"{head}{number}"
        head = {"": "v", "dot": "v\u0307", "bar": "v\u0304"}[kind]
        return head + str(number).translate(_SUBSCRIPTS)

    def latex(self, i, kind=""):
        head = {"": self._letter, "dot": f"\\dot{{{self._letter}}}",
                "bar": f"\\bar{{{self._letter}}}"}[kind]
        return head + _latex_subscript(self.numbers[i])

    def all(self, style, kind=""):
        n = len(self.numbers)
        return [self.text(i, kind) if style == "text" else self.latex(i, kind) for i in range(n)]
