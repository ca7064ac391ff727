"""One self-contained HTML file: the shell, the data island, and graphs as programs for the page.

A page carries everything inline (SVG, CSS, JavaScript) and loads nothing: it opens from a USB
stick. Numbers the page computes itself (a quiz's carried-forward rule, the step-size demo's
gradient) come from adkit's IR as a *program*: the nodes of a Graph as JSON, ``[op, args,
params]`` with args either ``["n", index]`` (an earlier node) or a number, run by a tiny
evaluator in the page that knows only how to *evaluate* each primitive — the derivative rules
ran in Python, where the graph of the gradient was recorded.
"""
import html
import json
import os

from adkit.core import ADError
from adkit.graph import CONST, INPUT

# Primitives the page's evaluator implements (numeric values only: no derivative rule in JS).
JS_OPS = {"add", "sub", "mul", "div", "neg", "pow", "pow_const", "exp", "log", "sqrt", "sin",
          "cos", "tan", "tanh", "sigmoid", "abs", "relu", "square", "maximum", "minimum"}

EVALUATOR_JS = r"""
function runProgram(prog, inputs) {
  const OPS = {
    add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
    neg: a => -a, pow: (a, b) => Math.pow(a, b), exp: Math.exp, log: Math.log, sqrt: Math.sqrt,
    sin: Math.sin, cos: Math.cos, tan: Math.tan, tanh: Math.tanh, abs: Math.abs,
    sigmoid: a => 1 / (1 + Math.exp(-a)), relu: a => (a > 0 ? a : 0), square: a => a * a,
    maximum: Math.max, minimum: Math.min,
  };
  const env = [];
  for (const [op, args, params] of prog.nodes) {
    if (op === "input") { env.push(inputs[params.name]); continue; }
    if (op === "const") { env.push(params.value); continue; }
    const vals = args.map(a => (Array.isArray(a) ? env[a[1]] : a));
    env.push(op === "pow_const" ? Math.pow(vals[0], params.exponent) : OPS[op](...vals));
  }
  return prog.outputs.map(i => env[i]);
}
"""


def program(graph, who="page"):
    """The graph as JSON data the page's evaluator runs: ``{"nodes": [...], "outputs": [...]}``.

    Raises ADError naming the primitive when the page cannot evaluate it (arrays, indexing).
    """
    nodes = []
    for i, (prim, refs, argvals, params) in enumerate(graph.nodes):
        if prim is INPUT:
            nodes.append(["input", [], {"name": params["name"]}])
        elif prim is CONST:
            nodes.append(["const", [], {"value": _number(params["value"], who)}])
        elif prim.name in JS_OPS:
            args = [["n", r] if r is not None else _number(c, who) for r, c in zip(refs, argvals)]
            extra = {"exponent": _number(params["exponent"], who)} if prim.name == "pow_const" else {}
            nodes.append([prim.name, args, extra])
        else:
            raise ADError(f"{who}: the page cannot evaluate the primitive {prim.name!r} (node w{i + 1}); "
                          f"use scalar operations ({', '.join(sorted(JS_OPS))})")
    return {"nodes": nodes, "outputs": list(graph.outputs)}


def _number(value, who):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ADError(f"{who}: the page works on scalars; got a value of shape "
                      f"{getattr(value, 'shape', '?')}") from None


def data_island(element_id, data):
    """``<script type="application/json">`` holding ``data``; ``</`` cannot end it early."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def document(title, body, css, script):
    """The whole page: one file, nothing loaded from anywhere."""
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{css}</style>\n</head>\n"
            f"<body>\n{body}\n<script>{script}</script>\n</body>\n</html>\n")


def write_page(text, path, inputs=()):
    """Write ``text`` to ``path`` atomically (temp file + os.replace), never over an input."""
    target = os.path.abspath(path)
    for given in inputs:
        if given and os.path.exists(given) and os.path.samefile(given, target):
            raise ADError(f"page: refusing to write over the input {given}")
    from adkit.files import write_atomic
    write_atomic(target, text)
    return target


BASE_CSS = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 1.2em; color: #222;
       font-size: 16px; }
h1 { font-size: 1.3em; margin: 0 0 .6em 0; }
button { font-size: 1em; padding: .3em 1em; margin-right: .4em; cursor: pointer; }
.controls { margin: .6em 0; }
.hint { color: #666; font-size: .85em; }
"""
