"""The worked examples in every adkit module's docstrings are tests: they cannot drift from the code."""
import doctest
import importlib
import pathlib

import numpy as np
import pytest

import adkit

ROOT = pathlib.Path(adkit.__file__).parent
# every module of the package (a new module's examples run without being listed here)
MODULES = sorted(".".join(p.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
                 for p in ROOT.rglob("*.py") if p.name != "__main__.py")


def _examples():
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        for test in finder.find(module, name, globs={"np": np, **vars(module)}):
            # objects re-exported from another module are tested where they are defined
            if test.examples and (test.filename or "").endswith(
                    module.__file__.split("/")[-1]) and not any(t.name == test.name for t in found):
                found.append(test)
    # the primitives' own docstrings (Primitive objects, which the finder does not visit)
    # (run in the module that defines them)
    from adkit.core import PRIMITIVES
    parser = doctest.DocTestParser()
    for name, prim in PRIMITIVES.items():
        if ">>>" in (prim.__doc__ or ""):
            home = importlib.import_module(prim.__module__)
            found.append(parser.get_doctest(prim.__doc__, {"np": np, **vars(home)},
                                            f"{prim.__module__}.PRIMITIVES[{name!r}]",
                                            home.__file__, 0))
    return sorted(found, key=lambda t: t.name)


EXAMPLES = _examples()


def test_every_core_module_has_worked_examples():
    with_examples = {t.name.split(".")[1] if t.name.count(".") else t.name for t in EXAMPLES}
    for name in ("core", "primitives", "graph", "tracing", "forward", "reverse", "numpy"):
        assert name in with_examples, f"adkit.{name} has no docstring example"


@pytest.mark.parametrize("test", EXAMPLES, ids=[t.name for t in EXAMPLES])
def test_docstring_example(test):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
