"""Layers point one way: each adkit module imports (at module level) only its own layer or below,
and module-level imports have no cycles. Lazy imports inside functions are the way up (a Graph
method that draws imports the drawing code when called).

To add a module: put its dotted name (or its package's) in LAYERS below, in the lowest layer
whose modules are all it needs. The core knows no tables, students or screens.
"""
import ast
import pathlib

import pytest

import adkit

LAYERS = [
    ("core", ["adkit.core", "adkit.primitives", "adkit.arrays", "adkit.operators", "adkit.graph",
              "adkit.tracing", "adkit.forward", "adkit.fastpath", "adkit.reverse",
              "adkit.primitives_numpy", "adkit.numpy", "adkit.numpy_dispatch", "adkit.gradcheck"]),
    ("language", ["adkit.parse", "adkit.printing", "adkit.symbolic", "adkit.sources", "adkit.limits",
                  "adkit.files"]),
    ("surfaces", ["adkit.tables", "adkit.draw", "adkit.animate", "adkit.grading", "adkit.nn",
                  "adkit.tf1", "adkit.codegen", "adkit.pages", "adkit.board", "adkit.datasets",
                  "adkit.lessons_runner", "adkit.progress"]),
    ("face", ["adkit", "adkit.cli", "adkit.commands", "adkit.__main__"]),
]
# What lessons may import: the public face (lessons teach what a user writes).
PUBLIC = ["adkit", "adkit.numpy", "adkit.nn", "adkit.tf1", "adkit.datasets", "adkit.animate",
          "adkit.board", "adkit.lessons_runner"]

ROOT = pathlib.Path(adkit.__file__).parent


def module_names():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def layer_of(module):
    """Index of the layer whose entry is the longest prefix of ``module``; None if unlisted."""
    best = None
    for index, (_, names) in enumerate(LAYERS):
        for name in names:
            prefix = name != "adkit" and module.startswith(name + ".")  # "adkit": the face only
            if (module == name or prefix) and (
                    best is None or len(name) > len(best[1])):
                best = (index, name)
    return None if best is None else best[0]


def _is_module(dotted):
    path = ROOT.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports(path, module, lazy=False):
    """adkit modules imported by the file: at module level, or (lazy=True) inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in _walk(tree, inside_function=False, lazy=lazy):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "adkit")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            if base.split(".")[0] != "adkit":
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.add(sub if _is_module(sub) else base)
    found.discard(module)
    return found


def _walk(node, inside_function, lazy):
    for child in ast.iter_child_nodes(node):
        in_function = inside_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
        if isinstance(child, (ast.Import, ast.ImportFrom)) and in_function == lazy:
            yield child
        yield from _walk(child, in_function, lazy)


MODULES = dict(module_names())


def test_every_module_has_a_layer():
    unlisted = [m for m in MODULES if layer_of(m) is None]
    assert not unlisted, (
        f"{', '.join(unlisted)} not in tests/test_layers.py LAYERS: add each to the lowest layer "
        f"whose modules are all it needs ({'; '.join(n + ': ' + ', '.join(ms) for n, ms in LAYERS)})")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_level_imports_point_down(module):
    here = layer_of(module)
    if here is None:
        pytest.skip("unlisted (test_every_module_has_a_layer says where to add it)")
    upward = sorted(m for m in imports(MODULES[module], module)
                    if layer_of(m) is not None and layer_of(m) > here)
    assert not upward, (f"{module} (layer {LAYERS[here][0]}) imports {', '.join(upward)} from a "
                        f"higher layer at module level; import it inside the function that needs "
                        f"it, or move that function up a layer")


# Lazy imports that reach up a layer: each is a method of a lower object that shows it with a
# higher layer's code. Keep this list short; a new entry needs a reason.
ALLOWED_UP = {
    ("adkit.graph", "adkit.printing"),   # Graph.__str__: the Wengert list
    ("adkit.graph", "adkit.symbolic"),   # Graph.to_sympy
    ("adkit.graph", "adkit.draw"),       # Graph.to_dot with values and adjoints
}
# Lazy imports kept for this wave only, so other branches' old import lines still work.
LEGACY = {("adkit.core", "adkit.primitives"),    # adkit.core.unbroadcast -> adkit.primitives
          ("adkit.primitives", "adkit.arrays")}  # adkit.primitives.sum etc. -> adkit.arrays


def test_lazy_imports_reach_up_only_where_allowed():
    for module, path in MODULES.items():
        for target in imports(path, module, lazy=True):
            if target in MODULES and layer_of(target) > layer_of(module):
                assert (module, target) in ALLOWED_UP, (
                    f"{module} imports {target} (a higher layer) inside a function; move the "
                    f"function up a layer, or add the pair to ALLOWED_UP with its reason")


def test_no_import_cycles():
    """No cycle among module-level imports plus lazy ones within a layer or downwards."""
    graph = {}
    for m, p in MODULES.items():
        lazy = {t for t in imports(p, m, lazy=True) if t in MODULES and (m, t) not in LEGACY
                and layer_of(t) <= layer_of(m)}
        graph[m] = sorted({i for i in imports(p, m) if i in MODULES} | lazy)
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in graph[m]:
            if state.get(n) == "open":
                cycle = stack[stack.index(n):] + [n]
                pytest.fail(f"import cycle: {' -> '.join(cycle)}")
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_lessons_use_only_the_public_face():
    lessons = pathlib.Path(__file__).parent.parent / "lessons"
    for path in sorted(lessons.glob("*.py")):
        used = imports(path, "lessons." + path.stem) | imports(path, "lessons." + path.stem, True)
        private = sorted(m for m in used if m not in PUBLIC and
                         not any(m.startswith(p + ".") for p in PUBLIC if p != "adkit"))
        assert not private, f"{path.name} imports {', '.join(private)}; use the public face (adkit)"


def test_reference_backward_loop_is_short():
    import inspect
    from adkit.reverse import backward
    assert len(inspect.getsource(backward).splitlines()) <= 20
