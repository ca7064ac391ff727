"""The machinery every interpreter shares: the Primitive record, the table, boxed values and dispatch.

A *primitive* is one entry of the table (``PRIMITIVES``, filled by :mod:`adkit.primitives`):
a name, a numpy implementation, a derivative rule and how it prints. Calling a primitive *binds* it to its
arguments: plain floats and arrays are computed at once; if any argument is *boxed* (a
:class:`~adkit.forward.Dual` or a :class:`~adkit.tracing.Tracer`), the box with the highest
level handles the call. Levels make nesting work: ``grad(grad(f))`` gives each sweep its own
level, so an inner sweep never mistakes an outer sweep's values for its own.
"""
import contextlib
import functools
import gc
import itertools
import math
import numbers
import re

import numpy as np

__all__ = ["ADError", "ShapeError", "ParseError", "Boxed", "Primitive", "Notation", "ZERO",
           "new_level", "shape_of", "ndim_of", "PRIMITIVES", "register", "unregister", "registered",
           "primitive"]


class ADError(Exception):
    """An error a student can act on: the message names the function and the argument."""


class ShapeError(ADError, ValueError):
    """Shapes that do not fit together (broadcasting, matmul, reshape)."""


class ParseError(ADError, ValueError):
    """Text that the allow-list parser rejects.

    Attributes:
        text: the input (possibly shortened for the message).
        column: 1-based column where the problem is (None when it is about the whole text).
        reason: what is wrong, in words, e.g. "unknown function 'foo'".
    The message is the reason, then the text and a caret line under the column.
    """

    def __init__(self, reason, text="", column=None):
        self.reason = reason
        self.text = text
        self.column = column
        message = reason
        if column is not None and text and "\n" not in text and len(text) <= 200:
            message += f"\n  {text}\n  {' ' * (column - 1)}^"
        elif column is not None:
            message += f" (at column {column})"
        super().__init__(message)


_levels = itertools.count(1)


def new_level():
    """A fresh nesting level for one sweep (a Dual family or a traced graph)."""
    return next(_levels)


class _Zero:
    """The "no adjoint yet" marker: interpreters test it with ``is``, so a node nobody reads
    costs nothing in a backward sweep, and a computed 0.0 is never mistaken for it."""

    __slots__ = ()

    def __repr__(self):
        return "ZERO"


ZERO = _Zero()


class Boxed:
    """Base class of values that carry more than a number: Dual (forward) and Tracer (reverse).

    Subclasses define ``_level`` and ``_process(prim, args, params)``. Operators and array
    methods are attached in :mod:`adkit.operators`.
    """

    __slots__ = ()
    # numpy must hand ``array * box`` to the box (its __rmul__), not loop over it.
    __array_ufunc__ = None


class NumpyErrors:
    """A numpy error state made once and set cheaply around hot blocks::

        state = NumpyErrors(all="ignore")   # once
        token = state.set()
        try: ...
        finally: state.reset(token)

    numpy >= 2 keeps its error state in one context variable; ``set`` and ``reset`` are then
    that variable's own methods (bound to a state made once: no Python call at all), a tenth
    of a ``with np.errstate(...)`` block, which every gradient call would pay."""

    def __init__(self, **how):
        self._errstate = how
        try:
            from numpy._core.umath import _extobj_contextvar
        except ImportError:  # another numpy: the public way, through the methods below
            return
        with np.errstate(**how):
            state = _extobj_contextvar.get()
        self.set = functools.partial(_extobj_contextvar.set, state)
        self.reset = _extobj_contextvar.reset

    def set(self):
        state = np.errstate(**self._errstate)
        state.__enter__()
        return state

    def reset(self, token):
        token.__exit__(None, None, None)


class paused_gc:
    """``with paused_gc():`` runs a block with Python's cyclic garbage collector off. Recording
    and sweeping a trace allocate many small objects and make no reference cycles (a graph
    holds no tracers), so the collector's passes over them are pure cost: 4 % of a long
    gradient, a third of a long compile."""

    __slots__ = ("was_enabled",)

    def __enter__(self):
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *error):
        if self.was_enabled:
            gc.enable()


def shape_of(x):
    """Shape of a float, array or boxed value (abstract values count as scalars)."""
    t = type(x)
    if t is np.ndarray:
        return x.shape
    if t is float or t is int:
        return ()
    shape = getattr(x, "shape", None)
    if shape is None:
        return () if x is None or isinstance(x, Boxed) else np.shape(x)
    return tuple(shape)


def ndim_of(x):
    return len(shape_of(x))


# Precedences used by the printers (higher binds tighter).
CMP_PREC, ADD_PREC, MUL_PREC, NEG_PREC, POW_PREC, ATOM_PREC = 5, 10, 20, 30, 40, 100


class Notation:
    """How a primitive prints, in text (Unicode) and in LaTeX.

    kind is one of ``"infix"`` (``w1 · w2``), ``"prefix"`` (``-w1``), ``"function"``
    (``sin w1``, ``sin(w1 + w2)``), ``"power"`` (``w1^2``), ``"call"`` (``sum(w1, axis=0)``),
    ``"postfix"`` (``w1ᵀ``), ``"index"`` (``w1[0]``) or ``"implicit"`` (prints its argument:
    numpy broadcasts by itself).
    precedence orders infix operators: higher binds tighter. What a printer needs to know
    about the primitive is a field here, never a check of its name:

    * ``right_paren``: the right operand is parenthesised at equal precedence (a - (b + c)).
    * ``radical``: prints as a root (``√w1``, ``\\sqrt{w_1}``).
    * ``juxtapose``: a function that prints without parentheses around a name (``sin w1``);
      others always print a call (``relu(w1)``).
    * ``enclose``: ``((open, close), (latex_open, latex_close))`` around the printed
      application: ``|w1|`` for abs, the Iverson bracket ``[w1 > 0]`` for a comparison.
    * ``plumbing``: only moves entries around (reshape, broadcast_to): a derivative formula
      prints its argument alone.
    * ``linear``: linear in each argument (add, sub, neg, mul): the grader's "linear" rule.
    * ``partials``: how the local partials print on a slide, a function of
      ``(out, *args, **params)`` written with adkit primitives, without the guards the numeric
      rule needs (``w3 · ln w1`` for x^y); None: print the rule itself.
    """

    __slots__ = ("kind", "text", "latex", "precedence", "right_paren", "radical", "juxtapose",
                 "enclose", "plumbing", "linear", "partials")

    def __init__(self, kind, text, latex=None, precedence=None, *, right_paren=False,
                 radical=False, juxtapose=True, enclose=None, plumbing=False, linear=False,
                 partials=None):
        self.kind = kind
        self.text = text
        self.latex = text if latex is None else latex
        self.precedence = precedence
        self.right_paren = right_paren
        self.radical = radical
        self.juxtapose = juxtapose
        self.enclose = enclose
        self.plumbing = plumbing
        self.linear = linear
        self.partials = partials

    def __repr__(self):
        return f"Notation({self.kind!r}, {self.text!r}, {self.latex!r})"


_FALLBACK_ERRORS = (ArithmeticError, ValueError)
_PLAIN = (float, int, bool)  # Python numbers: computed with math, returned as float


class Primitive:
    """One primitive operation: everything adkit knows about it, as data.

    Args:
        name: the name used in errors, in ``print(graph)`` and by the parser (a registered
            elementwise primitive can be written ``name(x)`` in an expression).
        impl: the numpy implementation, ``impl(*args, **params)``.
        scalar_impl: optional faster implementation for Python floats (``math.sin``); when it
            raises (``math.log(0)``) the numpy one is used, so floats and arrays agree
            (``-inf``, ``nan``) instead of one of them raising.
        partials: elementwise primitives: ``partials(out, *args) -> tuple`` of local partials
            ∂out/∂argᵢ, written with adkit's own functions. Forward mode uses
            ``ẇ = Σ ∂ᵢ · ẇᵢ``, reverse mode ``w̄ᵢ += w̄ · ∂ᵢ``.
        jvp: array primitives: ``jvp(primals, tangents, out, batch, **params)`` -> out tangent;
            a tangent may be ``None`` (zero) and may carry ``batch`` extra leading axes.
        vjp: array primitives: ``vjp(cotangent, out, *args, **params)`` -> tuple, one per arg.
        partials_needed: True when the partials rule takes ``needed`` (a tuple of bools, one per
            argument, saying which partials are wanted; it gives None for the others), so e.g.
            ``x / c`` does not compute ∂/∂c = -out/c for a constant ``c``.
        vjp_needed: True when the VJP rule takes ``needed`` (a tuple of bools, one per argument,
            saying which arguments want an adjoint), so e.g. matmul skips the adjoint of a
            constant data matrix.
        sympy: ``sympy(sp, *args, **params)`` -> the sympy expression (``sp`` is the sympy
            module, imported only when a symbolic step runs).
        notation: a :class:`Notation`.
        differentiable: False for comparisons, sign, ...: zero derivative everywhere.
        saves: what the derivative rule reads besides shapes: argument positions and/or
            ``"out"``, e.g. ``(0, 1)`` for mul, ``("out",)`` for exp, ``()`` for add. A gradient
            sweep keeps only those arrays alive while it records (the rest become
            :class:`ShapeOnly`), so memory stays close to a hand-written backward pass.
            None (the default, and safe) keeps everything.
    """

    def __init__(self, name, impl, *, scalar_impl=None, partials=None, jvp=None, vjp=None,
                 sympy=None, notation=None, differentiable=True, nargs=1, doc="", saves=None,
                 vjp_needed=False, partials_needed=False):
        self.name = name
        self.impl = impl
        self.scalar_impl = scalar_impl
        self.partials = partials
        self.jvp = jvp
        self.vjp = vjp
        self.sympy = sympy
        self.notation = notation or Notation("call", name)
        self.differentiable = differentiable
        self.nargs = nargs
        self.saves = None if saves is None else frozenset(saves)
        # what a gradient sweep may drop: argument positions (None: all of them) and the output
        self.drops_args = None if nargs < 0 else tuple(
            k for k in range(nargs) if saves is not None and k not in saves)
        self.drops_out = saves is not None and "out" not in saves
        self.elementwise = partials is not None
        self.vjp_takes_needed = bool(vjp_needed)
        self.partials_take_needed = bool(partials_needed)
        self.__doc__ = doc

    def __repr__(self):
        return f"<primitive {self.name}>"

    def apply_vjp(self, ct, out, argvals, params, refs):
        """The VJP rule's cotangents; ``needed`` (refs that are not constants) goes to a rule
        that takes it (``vjp_needed``), so it can skip the adjoint of a constant argument."""
        if self.vjp_takes_needed:
            needed = ((refs[0] is not None, refs[1] is not None) if len(refs) == 2 else
                      tuple(r is not None for r in refs))
            return self.vjp(ct, out, *argvals, **params, needed=needed)
        return self.vjp(ct, out, *argvals, **params)

    def __call__(self, *args, **params):
        if len(args) == 1:  # the common unary case, without the loop
            if isinstance(args[0], Boxed):
                return args[0]._process(self, args, params)
            if type(args[0]) is np.ndarray and args[0].dtype.hasobject:
                return self._object_arrays(args, params)
            return self.evaluate(args, params)
        top = None
        for a in args:
            if isinstance(a, Boxed):
                if top is None or a._level > top._level:
                    top = a
            elif type(a) is np.ndarray and a.dtype.hasobject:  # np.array([x, y]) of boxes
                return self._object_arrays(args, params)
        if top is not None:
            return top._process(self, args, params)
        return self.evaluate(args, params)

    def _object_arrays(self, args, params):
        """Arguments that include numpy object arrays (``np.array([x, x**2])``): the highest box
        inside handles the call (its sweep stacks the array, see ``adkit.arrays.stack_boxes``);
        without boxes inside, the array is read as floats."""
        top = None
        for a in args:
            items = a.flat if type(a) is np.ndarray and a.dtype.hasobject else (a,)
            for v in items:
                if isinstance(v, Boxed) and (top is None or v._level > top._level):
                    top = v
        if top is not None:
            return top._process(self, args, params)
        plain = []
        for a in args:
            if type(a) is np.ndarray and a.dtype.hasobject:
                try:
                    a = a.astype(float)
                except (TypeError, ValueError):
                    raise ADError(f"{self.name}: got a numpy object array ({a!r:.60}); adkit "
                                  f"needs numbers, or traced values joined with ad.stack") from None
            plain.append(a)
        return self.evaluate(tuple(plain), params)

    def evaluate(self, args, params):
        """Compute on plain floats and arrays (no boxes)."""
        scalar = self.scalar_impl
        if scalar is not None:
            if (type(args[0]) in _PLAIN if len(args) == 1 else
                    type(args[0]) in _PLAIN and type(args[1]) in _PLAIN if len(args) == 2 else
                    all(type(a) in _PLAIN for a in args)):
                try:
                    return scalar(*args, **params)
                except _FALLBACK_ERRORS:
                    pass  # let numpy give inf/nan, as it would for an array
        try:
            out = self.impl(*args, **params) if params else self.impl(*args)
        except TypeError:
            for position, a in enumerate(args, 1):
                if not _is_numeric(a):
                    raise ADError(f"{self.name}: argument {position} has unsupported type "
                                  f"{type(a).__name__} ({a!r:.40}); expected a float, a numpy "
                                  f"array, a Dual or a traced value") from None
            raise
        except ValueError as e:
            shapes = ", ".join(str(np.shape(a)) for a in args)
            raise ShapeError(f"{self.name}: arguments of shapes {shapes} do not fit: {e}") from None
        if type(out) is np.float64 and type(args[0]) in _PLAIN and all(
                type(a) in _PLAIN for a in args):
            return float(out)
        return out


def _is_numeric(x):
    if isinstance(x, (numbers.Number, np.ndarray, np.generic)):
        return True
    if isinstance(x, (list, tuple)):
        return all(_is_numeric(v) for v in x)
    return False


def refuse_complex(who, x):
    """adkit differentiates real functions only: a complex value anywhere would give a wrong
    derivative (its partials are not the real ones), so it is refused by name."""
    if isinstance(x, (complex, np.complexfloating)) or (
            isinstance(x, np.ndarray) and x.dtype.kind == "c"):
        raise ADError(f"{who}: complex numbers are not supported (got {x!r:.60}); adkit "
                      f"differentiates real functions only (split into real and imaginary parts)")


class ShapeOnly:
    """Stands in for an array a derivative rule does not read: only its shape is kept."""

    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = shape

    def __repr__(self):
        return f"ShapeOnly({self.shape})"


LEAN_MIN_SIZE = 4096  # smaller arrays cost less to keep than to drop


def lean(prim, refs, argvals, value):
    """The argument values and value a gradient sweep must keep for ``prim`` (see ``saves``):
    large arrays the derivative rule does not read are dropped (their shapes are kept)."""
    if prim.saves is None:
        return argvals, value
    for k in (range(len(argvals)) if prim.drops_args is None else prim.drops_args):
        a = argvals[k]
        if type(a) is np.ndarray and a.size >= LEAN_MIN_SIZE and refs[k] is not None:
            argvals = argvals[:k] + (ShapeOnly(a.shape),) + argvals[k + 1:]
    return argvals, (None if prim.drops_out else value)


PRIMITIVES = {}   # the table: name -> Primitive, in definition order
_BUILT_IN = set()  # names defined by adkit.primitives: modules bind them directly, so they stay

# How text names the table (adkit.parse reads these): constants, and other spellings of the
# table's functions (sympy's, the slides', numpy's arc-, ISO's ar-).
CONSTANTS = {"pi": math.pi, "π": math.pi, "e": math.e}
ALIASES = {"ln": "log", "Abs": "abs", "max": "maximum", "Max": "maximum", "min": "minimum",
           "Min": "minimum", "asin": "arcsin", "acos": "arccos", "atan": "arctan",
           "atan2": "arctan2", "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh",
           "arsinh": "arcsinh", "arcosh": "arccosh", "artanh": "arctanh", "lg": "log10"}
GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
         "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega")
# A variable's name in the lectures: one letter (x, W, θ, ẇ) or a Greek letter's name, with an
# index (x1, x_2, theta0). The parser reads a registered function's name as that function
# wherever it appears, so a primitive with such a name would make ``x*2`` unreadable.
_VARIABLE_NAME = re.compile(r"(?:[^\W\d_][\u0300-\u036f]?|" + "|".join(GREEK) + r")_?\d*")


def _shadowing(name):
    """Why ``name`` cannot name a registered function (it reads as something else), or None."""
    if name in CONSTANTS:
        return f"is the constant {name} in expressions"
    if name in ALIASES:
        return f"is how expressions write {ALIASES[name]}"
    if _VARIABLE_NAME.fullmatch(name):
        return f"reads as a variable in expressions ({name}*2 would read {name} as the function)"
    return None


def register(prim):
    """Add a primitive to the table (and return it); names are unique.

    A registered elementwise primitive is usable everywhere: called on floats, arrays, Duals
    and traced values, in ``ad.parse`` (as ``name(x)``), the tables, ``check`` and grading.
    Its name cannot be one that text reads otherwise: a variable's (``x``, ``w3``, ``theta``),
    a constant (``pi``, ``e``) or another spelling of a function (``ln``, ``max``).
    """
    if not isinstance(prim, Primitive):
        raise ADError(f"register: expected an ad.Primitive, got {type(prim).__name__}")
    if not isinstance(prim.name, str) or not prim.name.isidentifier():
        raise ADError(f"register: the name {prim.name!r} is not a name the parser can read "
                      f"(letters, digits and _, not starting with a digit)")
    shadowing = _shadowing(prim.name)
    if shadowing:
        raise ADError(f"register: the name {prim.name!r} {shadowing}; give the primitive a "
                      f"function's name, such as 'my_{prim.name}'")
    if prim.differentiable and prim.partials is None and prim.vjp is None:
        raise ADError(f"register: {prim.name!r} has no derivative rule: give partials= "
                      f"(elementwise) or jvp= and vjp=, or differentiable=False")
    if prim.name in PRIMITIVES:
        raise ADError(f"register: a primitive named {prim.name!r} already exists "
                      f"(ad.unregister({prim.name!r}) first, or use `with ad.registered(...)`)")
    if prim.partials is not None and prim.name not in _BUILT_IN \
            and not getattr(prim.partials, "_checked", False):  # once, also when registered again
        prim.partials = _checked_partials(prim.name, prim.partials)
    PRIMITIVES[prim.name] = prim
    return prim


def _checked_partials(name, partials):
    """A user's partials rule, checked on every call: one partial per argument (``zip`` in the
    sweeps would otherwise drop the missing ones and give a zero derivative)."""
    def checked(out, *args, **params):
        result = partials(out, *args, **params)
        if not isinstance(result, (tuple, list)) or len(result) != len(args):
            got = len(result) if isinstance(result, (tuple, list)) else type(result).__name__
            raise ADError(f"{name}: its partials rule must return a tuple of {len(args)} "
                          f"partial(s), one per argument; it returned {got}")
        return result
    checked.__name__, checked.__doc__ = getattr(partials, "__name__", name), partials.__doc__
    checked._checked = True
    return checked


def unregister(name):
    """Remove a primitive you registered (by name or the Primitive itself) and return it."""
    name = getattr(name, "name", name)
    if name in _BUILT_IN:
        raise ADError(f"unregister: {name!r} is one of adkit's own primitives; only primitives "
                      f"registered with ad.register can be removed")
    if name not in PRIMITIVES:
        raise ADError(f"unregister: no registered primitive named {name!r}")
    return PRIMITIVES.pop(name)


@contextlib.contextmanager
def registered(*prims):
    """``with ad.registered(prim): ...`` registers ``prim`` for the block only; afterwards the
    table is as it was (also after an error), so running the block twice works.

    >>> sq = Primitive("my_square", lambda x: x * x, partials=lambda out, x: (2 * x,))
    >>> with registered(sq):
    ...     "my_square" in PRIMITIVES
    True
    >>> "my_square" in PRIMITIVES
    False
    """
    saved = dict(PRIMITIVES)
    try:
        for prim in prims:
            register(prim)
        yield prims[0] if len(prims) == 1 else prims
    finally:
        PRIMITIVES.clear()
        PRIMITIVES.update(saved)


def primitive(name):
    """Look a primitive up by name; an unknown name lists the known ones."""
    try:
        return PRIMITIVES[name]
    except KeyError:
        raise ADError(f"unknown primitive {name!r}; adkit knows: "
                      f"{', '.join(sorted(PRIMITIVES))}") from None


def __getattr__(name):
    """``adkit.core.unbroadcast`` moved to :mod:`adkit.primitives` (kept here for this wave)."""
    if name == "unbroadcast":
        from adkit.primitives import unbroadcast
        return unbroadcast
    raise AttributeError(f"module 'adkit.core' has no attribute {name!r}")
