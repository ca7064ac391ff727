"""The README's table of supported numpy names, generated from ``adkit.numpy`` and the
primitive table (``python -m adkit.numpy.supported`` prints it; a test checks the README).

A name is an *own primitive* when it binds a primitive of the table with its own derivative
rule, a *composition* when it is built from primitives, and *no derivative* when its result
is integers, booleans or a constant (argmax, floor, zeros_like, ...).
"""
from adkit.core import PRIMITIVES, Primitive

# numpy functions that are thin wrappers around one primitive (they normalize axis/shape first)
_BINDS = {"sum": "sum", "mean": "mean", "max": "amax", "min": "amin", "amax": "amax",
          "amin": "amin", "reshape": "reshape", "transpose": "transpose",
          "broadcast_to": "broadcast_to", "concatenate": "concatenate", "astype": "astype",
          "round": "round", "around": "round", "rint": "round", "inv": "inv", "det": "det",
          "slogdet": "logabsdet", "solve": "solve", "cholesky": "cholesky", "eigh": "eigh",
          "eigvalsh": "eigh", "svd": "svd", "power": "pow", "pow": "pow", "where": "where"}
_NO_DERIVATIVE = {"argmax", "argmin", "argsort", "shape", "ndim", "size", "zeros_like",
                  "ones_like", "full_like", "empty_like", "any", "all", "allclose", "isclose",
                  "array_equal", "count_nonzero", "nonzero", "argwhere", "flatnonzero",
                  "iscomplexobj", "isrealobj", "result_type"}


def classify(module, name):
    """'primitive', 'composition' or 'no derivative' for ``module.name``."""
    obj = getattr(module, name)
    prim = obj if isinstance(obj, Primitive) else PRIMITIVES.get(_BINDS.get(name, ""))
    if name in _NO_DERIVATIVE or (prim is not None and not prim.differentiable):
        return "no derivative"
    return "primitive" if prim is not None else "composition"


def rows():
    """(group, {kind: [names]}) in the order of adkit.numpy's modules."""
    from adkit import numpy as anp
    from adkit.numpy import manipulation, reductions
    groups = [("array manipulation", set(manipulation.__all__)),
              ("reductions", set(reductions.__all__)), ("arithmetic and elementwise", None)]
    table = {g: {"primitive": [], "composition": [], "no derivative": []} for g, _ in groups}
    for name in anp.__all__:
        group = next(g for g, names in groups if names is None or name in names)
        table[group][classify(anp, name)].append(name)
    table["linalg"] = {"primitive": [], "composition": [], "no derivative": []}
    for name in anp.linalg.__all__:
        table["linalg"][classify(anp.linalg, name)].append(name)
    order = ["arithmetic and elementwise", "reductions", "array manipulation", "linalg"]
    return [(g, table[g]) for g in order]


def markdown():
    """The Markdown table: one row per group, names in backticks."""
    lines = ["| numpy names | own primitive (a rule in the table) | composition of primitives "
             "| no derivative (value only) |", "| --- | --- | --- | --- |"]
    for group, kinds in rows():
        prefix = "linalg." if group == "linalg" else ""
        cells = [" ".join(f"`{prefix}{n}`" for n in sorted(kinds[k]))
                 for k in ("primitive", "composition", "no derivative")]
        lines.append(f"| {group} | " + " | ".join(c or "—" for c in cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
