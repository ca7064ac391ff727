"""Small synthetic data sets for the lessons, in plain numpy (no scikit-learn needed).

>>> X, y = two_moons(6, noise=0.0, seed=0)
>>> X.shape, sorted(y.tolist())
((6, 2), [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
"""
import numpy as np


def two_moons(n=500, noise=0.1, seed=0):
    """Two interleaving half circles, like ``sklearn.datasets.make_moons`` (deck 004's data).

    The upper moon (label 0) is the half circle of radius 1 around (0, 0); the lower moon
    (label 1) is the same half circle turned over and moved to (1, 0.5). Gaussian noise of
    standard deviation ``noise`` is added to every coordinate, and the points are shuffled.

    Args:
        n: number of points (the upper moon gets the extra one when n is odd).
        noise: standard deviation of the noise.
        seed: seed of numpy's random generator, so a lesson draws the same moons every time.

    Returns:
        ``(X, y)``: X of shape (n, 2), y of shape (n,) with labels 0.0 and 1.0.
    """
    rng = np.random.default_rng(seed)
    n_upper = (n + 1) // 2
    n_lower = n - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower])
    y = np.concatenate([np.zeros(n_upper), np.ones(n_lower)])
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def noisy_line(n=50, a=2.0, b=-1.0, noise=0.5, low=-3.0, high=3.0, seed=0):
    """Points around the line y = a·x + b (deck 002's linear-regression data).

    >>> x, y = noisy_line(5, noise=0.0)
    >>> bool(np.allclose(y, 2.0 * x - 1.0))
    True
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=n)
    y = a * x + b + rng.normal(scale=noise, size=n)
    return x, y
