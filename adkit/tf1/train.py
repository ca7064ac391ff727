"""``tf.gradients`` and the optimisers (``tf.train.*Optimizer``), on ``ad.grad``.

A gradient node, when run, differentiates the replay of the graph from ``xs`` to ``ys`` with
:func:`adkit.grad` (reverse mode) at the run's values. One ``tf.gradients`` call is one sweep per
run however many of its nodes are fetched. A train op applies its optimiser's update rule to
each variable with those gradients.
"""
import numpy as np

from adkit import primitives as P
from adkit.core import ADError
from adkit.reverse import grad
from adkit.tf1.framework import Tensor, get_default_graph, needed, plain, replay
from adkit.tf1.ops import as_tensor


class _Sweep:
    """One ``tf.gradients(ys, xs)`` call: the sum of ys differentiated w.r.t. every x at once."""

    def __init__(self, ys, xs):
        self.ys, self.xs = ys, xs

    def values(self, run, xs_values):
        # one sweep per run and point: a gradient of this gradient calls again on traced values
        key = (self, tuple(map(id, xs_values)))
        if key not in run.cache:
            fixed = dict(run.feeds)

            def total(*xv):
                fixed.update(zip(self.xs, xv))
                env = replay(self.ys, fixed, run)
                out = None
                for y in self.ys:
                    v = env[y] if np.ndim(plain(env[y])) == 0 else P.sum(env[y])
                    out = v if out is None else out + v
                return out

            grads = grad(total, argnums=tuple(range(len(self.xs))))(*xs_values)
            run.cache[key] = (grads, xs_values)  # the values stay alive: their ids stay theirs
        return run.cache[key][0]


class Gradient(Tensor):
    """d(sum of ys)/dx for one x of a ``tf.gradients`` call (a node: fetch it, draw it, or
    build on it: the gradient of a gradient is a gradient too)."""

    kind = "gradient"

    def compute(self, run, args):
        return self.params["sweep"].values(run, args)[self.params["k"]]


def gradients(ys, xs, grad_ys=None, name="gradients"):
    """Symbolic derivatives: one node per x holding d(sum of ys)/dx (None where y does not
    depend on x, as in TF1). The nodes can be fetched, drawn and tabulated like any other."""
    if grad_ys is not None:
        raise ADError("gradients: grad_ys is not supported; multiply ys by the weights instead")
    ys = [as_tensor(y, who="gradients") for y in (ys if isinstance(ys, (list, tuple)) else [ys])]
    single = not isinstance(xs, (list, tuple))
    xs = [as_tensor(x, who="gradients") for x in ([xs] if single else xs)]
    for x in xs:
        if not (x.dtype and x.dtype.is_floating):
            raise ADError(f"gradients: {x.op_name} has dtype "
                          f"{x.dtype.name if x.dtype else '?'}; derivatives need float tensors")
    reached = set(needed(ys))
    connected = [x for x in xs if x in reached]
    sweep = _Sweep(ys, connected)
    out = []
    for x in xs:
        if x not in reached:
            out.append(None)
            continue
        k = connected.index(x)
        node = Gradient(None, connected, f"{name}/{x.op_name}_grad", "Gradient", x.dtype,
                        x.dims, {"sweep": sweep, "k": k})
        node.reads = ys
        out.append(node)
    return out


# -- optimisers --------------------------------------------------------------------------------

class ApplyGradients(Tensor):
    """A train op: when run, updates each variable with its optimiser's rule."""

    kind = "train"

    def compute(self, run, grads):
        if run.session is None:
            raise ADError(f"{self.op_name}: a train op runs only in a Session")
        opt, variables = self.params["optimizer"], self.params["variables"]
        session = run.session
        for var, g in zip(variables, grads):
            value = session.read(var).astype(float)
            session.write(var, opt.update(session, var, value, np.asarray(g, dtype=float)))
        step = self.params["global_step"]
        if step is not None:
            session.write(step, session.read(step) + 1)
        return None


class Optimizer:
    """Base: ``compute_gradients``, ``apply_gradients`` and ``minimize`` (their composition)."""

    def __init__(self, learning_rate, name):
        self.learning_rate = float(learning_rate)
        self.name = name

    def compute_gradients(self, loss, var_list=None):
        """``[(gradient node, variable), ...]`` for the trainable variables ``loss`` depends on."""
        loss = as_tensor(loss, who="compute_gradients")
        if var_list is None:
            var_list = get_default_graph().collections["trainable_variables"]
        reached = set(needed([loss]))
        var_list = [v for v in var_list if v in reached]
        if not var_list:
            raise ADError(f"{self.name}.minimize: No variables to optimize: {loss.op_name} does "
                          f"not depend on any trainable tf.Variable")
        grads = gradients(loss, var_list, name=f"{self.name}/gradients")
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            raise ADError(f"{self.name}.apply_gradients: no gradients provided for any variable")
        grads, variables = zip(*pairs)
        return ApplyGradients(None, list(grads), name or self.name, "ApplyGradients", None, (),
                              {"optimizer": self, "variables": list(variables),
                               "global_step": global_step})

    def minimize(self, loss, global_step=None, var_list=None, name=None):
        """The train op: running it takes one step downhill on ``loss``."""
        return self.apply_gradients(self.compute_gradients(loss, var_list), global_step, name)


class GradientDescentOptimizer(Optimizer):
    """``w ← w − lr · g``."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(learning_rate, name)

    def update(self, session, var, w, g):
        return w - self.learning_rate * g


class MomentumOptimizer(Optimizer):
    """TF1's momentum: ``a ← μ·a + g``, ``w ← w − lr·a``
    (Nesterov: ``w ← w − lr·(g + μ·a)``)."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(learning_rate, name)
        self.momentum, self.nesterov = float(momentum), bool(use_nesterov)

    def update(self, session, var, w, g):
        state = session.slot(self, var, lambda: {"a": np.zeros_like(w)})
        state["a"] = self.momentum * state["a"] + g
        step = g + self.momentum * state["a"] if self.nesterov else state["a"]
        return w - self.learning_rate * step


class AdamOptimizer(Optimizer):
    """TF1's Adam: ``m ← β1·m + (1−β1)·g``, ``v ← β2·v + (1−β2)·g²``,
    ``w ← w − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε)``."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking=False, name="Adam"):
        super().__init__(learning_rate, name)
        self.beta1, self.beta2, self.epsilon = float(beta1), float(beta2), float(epsilon)

    def update(self, session, var, w, g):
        state = session.slot(self, var, lambda: {"m": np.zeros_like(w), "v": np.zeros_like(w),
                                                 "t": 0})
        state["t"] += 1
        t = state["t"]
        state["m"] = self.beta1 * state["m"] + (1 - self.beta1) * g
        state["v"] = self.beta2 * state["v"] + (1 - self.beta2) * g * g
        rate = self.learning_rate * np.sqrt(1 - self.beta2 ** t) / (1 - self.beta1 ** t)
        return w - rate * state["m"] / (np.sqrt(state["v"]) + self.epsilon)


class train:  # noqa: N801  (the namespace ``tf.train``)
    GradientDescentOptimizer = GradientDescentOptimizer
    MomentumOptimizer = MomentumOptimizer
    AdamOptimizer = AdamOptimizer
    Optimizer = Optimizer

    @staticmethod
    def get_or_create_global_step():
        from adkit.tf1.framework import int32
        from adkit.tf1.ops import Variable
        return Variable(0, trainable=False, name="global_step", dtype=int32)
