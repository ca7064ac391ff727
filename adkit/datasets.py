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


def _data_file(name):
    from pathlib import Path
    return Path(__file__).resolve().parent / "data" / name


def digits():
    """The 8×8 handwritten digits: 1,797 images of 0–9 (about 180 of each), shipped with adkit.

    Source: the test set of the UCI "Optical Recognition of Handwritten Digits" data (Alpaydin
    and Kaynak, 1998; CC BY 4.0), the copy bundled with scikit-learn. Each pixel counts the inked
    points of a 4×4 block of a 32×32 bitmap: integers 0..16.

    Returns:
        ``(images, labels)``: images uint8 of shape (1797, 8, 8), labels uint8 of shape (1797,).

    >>> images, labels = digits()
    >>> images.shape, int(images.max()), labels[:5].tolist()
    ((1797, 8, 8), 16, [0, 1, 2, 3, 4])
    """
    with np.load(_data_file("digits.npz")) as data:
        return data["images"].copy(), data["labels"].copy()


def train_test_split(x, y, test_fraction=0.25, seed=0):
    """A fixed shuffle-and-split: ``(x_train, y_train), (x_test, y_test)``, the same every time
    for the same seed (the lessons' and tests' split of the digits).

    >>> (a, b), (c, d) = train_test_split(np.arange(8), np.arange(8), test_fraction=0.25)
    >>> len(a), len(c), sorted(a.tolist() + c.tolist()) == list(range(8))
    (6, 2, True)
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"train_test_split: x has {len(x)} rows but y has {len(y)}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"train_test_split: test_fraction must be in (0, 1); got {test_fraction!r}")
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(len(x) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return (x[train], y[train]), (x[test], y[test])


def digits_split(test_fraction=0.25, seed=0):
    """The digits scaled to [0, 1], split once: ``(x_train, y_train), (x_test, y_test)`` with
    1,348 training and 449 test images of shape (8, 8) (as ``mnist.load_data()`` shapes them).

    >>> (x_train, y_train), (x_test, y_test) = digits_split()
    >>> x_train.shape, x_test.shape, float(x_train.max())
    ((1348, 8, 8), (449, 8, 8), 1.0)
    """
    images, labels = digits()
    return train_test_split(images / 16.0, labels.astype(np.int64), test_fraction, seed)


def mnist(path=None):
    """MNIST from Keras's own cache file (``~/.keras/datasets/mnist.npz``), if you have it.

    adkit never downloads anything: without the file this raises an error that points to
    :func:`digits`, the small handwritten digits that ship with adkit.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images (60000, 28, 28) and (10000, 28, 28).
    """
    from pathlib import Path
    from adkit.core import ADError
    path = Path(path).expanduser() if path is not None else Path.home() / ".keras" / "datasets" / "mnist.npz"
    if not path.is_file():
        raise ADError(f"mnist: no MNIST file at {path} (adkit never downloads); copy Keras's "
                      f"mnist.npz there, or use adkit.datasets.digits() / "
                      f"adkit.nn.datasets.digits.load_data(), the 8x8 digits shipped with adkit")
    try:
        with np.load(path, allow_pickle=False) as data:
            return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])
    except (KeyError, ValueError, OSError) as e:
        raise ADError(f"mnist: {path} is not Keras's mnist.npz (x_train, y_train, x_test, "
                      f"y_test): {e}") from None
