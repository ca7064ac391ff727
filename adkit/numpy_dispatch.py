"""Plain numpy on traced values and duals: numpy's dispatch protocols mapped to adkit.numpy.

``np.sin(x)``, ``np.sum(x, axis=0)`` and ``np.dot(W, x)`` on a traced value or a Dual reach
:func:`array_ufunc` / :func:`array_function` (numpy's ``__array_ufunc__`` and
``__array_function__``), which call the function of the same name in :mod:`adkit.numpy`, so
plain numpy code records the same primitives as code written with ``anp``. A numpy function
adkit cannot differentiate raises an error that names it.

>>> import numpy as np, adkit as ad
>>> ad.grad(lambda x: np.sum(np.sin(x)))(np.zeros(2))
array([1., 1.])
"""
import numpy as np

from adkit.core import ADError

# ufunc methods other than __call__: np.add.reduce(x) is a sum, np.multiply.accumulate a cumprod
_REDUCE = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min"}
# (fmax/fmin.reduce skip nans, which adkit's max/min propagate: refused, not silently nan)
_ACCUMULATE = {"add": "cumsum", "multiply": "cumprod"}

_tables = None


def tables():
    """``(ufuncs, functions)``: numpy's own objects -> adkit.numpy's functions of the same name.

    Built from ``adkit.numpy.__all__`` and ``adkit.numpy.linalg.__all__`` (the supported names),
    so there is one list of what is supported."""
    global _tables
    if _tables is None:
        from adkit import numpy as anp
        ufuncs, functions = {}, {}
        for module, ours in ((np, anp), (np.linalg, anp.linalg)):
            for name in ours.__all__:
                theirs = getattr(module, name, None)
                if isinstance(theirs, np.ufunc):
                    ufuncs[theirs] = getattr(ours, name)
                elif callable(theirs):
                    functions[theirs] = getattr(ours, name)
        _tables = ufuncs, functions
    return _tables


def _qualname(func):
    module = getattr(func, "__module__", None) or "numpy"
    module = "numpy.linalg" if "linalg" in module else "numpy.fft" if "fft" in module else "numpy"
    return f"{module}.{func.__name__}"


def _no_out(name, kwargs):
    if kwargs.get("out") is not None:
        raise ADError(f"{name}: a numpy array cannot hold a traced value or dual in place "
                      f"(a += x, a *= x, or out=); write a = a + x, a = a * x, or assign the "
                      f"result (y = {name.split('.')[-1]}(...))")
    kwargs.pop("out", None)


def array_ufunc(ufunc, method, inputs, kwargs):
    """``ufunc(*inputs)`` (or ``ufunc.reduce`` ...) with a traced value or dual among the inputs."""
    from adkit import numpy as anp
    name = f"numpy.{ufunc.__name__}"
    _no_out(name, kwargs)
    if method == "__call__":
        fn = tables()[0].get(ufunc)
        if fn is not None:
            if kwargs:  # where=, casting=, dtype= ... have no traced meaning
                raise ADError(f"{name}: keyword(s) {', '.join(sorted(kwargs))} are not supported "
                              f"on traced values or duals")
            return fn(*inputs)
    elif method in ("reduce", "accumulate"):
        ours = (_REDUCE if method == "reduce" else _ACCUMULATE).get(ufunc.__name__)
        if ours is not None:
            kwargs.setdefault("axis", 0)  # the ufunc methods' default, unlike np.sum's
            return getattr(anp, ours)(*inputs, **kwargs)
        name += f".{method}"
    else:
        name += f".{method}"
    raise ADError(f"{name} cannot differentiate through a traced value or dual: adkit has no "
                  f"derivative for it (supported numpy names: see adkit.numpy.__all__)")


def array_function(func, args, kwargs):
    """``func(*args, **kwargs)`` of numpy's API with a traced value or dual among the arguments."""
    fn = tables()[1].get(func)
    name = _qualname(func)
    if fn is None:
        raise ADError(f"{name} cannot differentiate through a traced value or dual: adkit has no "
                      f"derivative for it (supported numpy names: see adkit.numpy.__all__)")
    _no_out(name, kwargs)
    try:
        return fn(*args, **kwargs)
    except TypeError:
        _check_arguments(name, fn, args, kwargs)
        raise


def _check_arguments(name, fn, args, kwargs):
    """A numpy argument adkit's function does not take (``np.max(x, initial=0)``), by name."""
    import inspect
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as e:
        raise ADError(f"{name}: {e} in adkit's version, which supports "
                      f"{', '.join(inspect.signature(fn).parameters)}") from None
