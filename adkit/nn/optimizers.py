"""Keras's optimisers (SGD with momentum, Adam, RMSprop): update rules on numpy weights, in place.

>>> w = [np.array([1.0, -2.0])]
>>> SGD(learning_rate=0.1).apply(w, [np.array([1.0, 1.0])]); w[0]
array([ 0.9, -2.1])
"""
import math

import numpy as np

from adkit.core import ADError

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "get"]


class Optimizer:
    """Holds one slot of state per weight (by position) and updates the weights in place."""

    def __init__(self, learning_rate, lr=None):
        self.learning_rate = float(lr if lr is not None else learning_rate)
        if not self.learning_rate > 0:
            raise ADError(f"{type(self).__name__}: learning_rate must be positive; got {learning_rate!r}")
        self.iterations = 0
        self.slots = {}

    def __repr__(self):
        return f"{type(self).__name__}(learning_rate={self.learning_rate})"

    def apply(self, weights, gradients):
        """One step: every weight moves against its gradient (``apply_gradients``)."""
        self.iterations += 1
        for k, (w, g) in enumerate(zip(weights, gradients)):
            self.update(k, w, np.asarray(g, dtype=float))

    def apply_gradients(self, grads_and_vars):
        pairs = list(grads_and_vars)
        self.apply([v for _, v in pairs], [g for g, _ in pairs])

    def update(self, k, w, g):
        raise NotImplementedError


class SGD(Optimizer):
    """v ← momentum · v − lr · g;  w ← w + v  (Nesterov: w ← w + momentum · v − lr · g)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, lr=None):
        super().__init__(learning_rate, lr)
        if not 0.0 <= momentum < 1.0:
            raise ADError(f"SGD: momentum must be in [0, 1); got {momentum!r}")
        self.momentum, self.nesterov = float(momentum), nesterov

    def update(self, k, w, g):
        if self.momentum == 0.0:
            w -= self.learning_rate * g
            return
        v = self.slots.setdefault(k, np.zeros_like(w))
        v *= self.momentum
        v -= self.learning_rate * g
        w += self.momentum * v - self.learning_rate * g if self.nesterov else v


class Adam(Optimizer):
    """m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  w ← w − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, lr=None):
        super().__init__(learning_rate, lr)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def update(self, k, w, g):
        m, v = self.slots.setdefault(k, (np.zeros_like(w), np.zeros_like(w)))
        m *= self.beta_1
        m += (1.0 - self.beta_1) * g
        v *= self.beta_2
        square = np.square(g)
        square *= 1.0 - self.beta_2
        v += square
        t = self.iterations
        rate = self.learning_rate * math.sqrt(1.0 - self.beta_2 ** t) / (1.0 - self.beta_1 ** t)
        step = np.sqrt(v, out=square)  # in place: weights can be large, temporaries cost
        step += self.epsilon
        np.divide(m, step, out=step)
        step *= rate
        w -= step


class RMSprop(Optimizer):
    """s ← ρs + (1−ρ)g²;  w ← w − lr · g / (√s + ε)."""

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7, lr=None):
        super().__init__(learning_rate, lr)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def update(self, k, w, g):
        s = self.slots.setdefault(k, np.zeros_like(w))
        s *= self.rho
        s += (1.0 - self.rho) * g * g
        w -= self.learning_rate * g / (np.sqrt(s) + self.epsilon)


_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}


def get(optimizer):
    """An optimiser from Keras's name ("sgd", "adam", "rmsprop"; default settings) or itself."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _BY_NAME:
        return _BY_NAME[optimizer.lower()]()
    raise ADError(f"compile: unknown optimizer {optimizer!r}; use 'sgd', 'adam', 'rmsprop' or "
                  f"nn.SGD(...), nn.Adam(...), nn.RMSprop(...)")
