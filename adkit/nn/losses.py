"""Keras's losses by name and as objects (``SparseCategoricalCrossentropy(from_logits=True)``).

The functions return one loss per sample; the objects (and ``model.compile(loss=...)``) average.
"""
from adkit import arrays as A
from adkit.core import ADError
from adkit.nn.ops import (binary_crossentropy, categorical_crossentropy, mean_squared_error, mse,
                          sparse_categorical_crossentropy)

__all__ = ["sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
           "mse", "mean_squared_error", "SparseCategoricalCrossentropy", "CategoricalCrossentropy",
           "BinaryCrossentropy", "MeanSquaredError", "Loss", "get"]


class Loss:
    """A loss function with its settings; calling it gives the mean over the batch."""

    function = None
    takes_logits = True

    def __init__(self, from_logits=False, name=None):
        self.from_logits = from_logits
        self.name = name or type(self).__name__

    def per_sample(self, y_true, y_pred, from_logits=None):
        logits = self.from_logits if from_logits is None else from_logits
        fn = type(self).function
        return fn(y_true, y_pred, from_logits=logits) if self.takes_logits else fn(y_true, y_pred)

    def __call__(self, y_true, y_pred):
        return A.mean(self.per_sample(y_true, y_pred))


class SparseCategoricalCrossentropy(Loss):
    function = staticmethod(sparse_categorical_crossentropy)
    kind = "sparse"


class CategoricalCrossentropy(Loss):
    function = staticmethod(categorical_crossentropy)
    kind = "categorical"


class BinaryCrossentropy(Loss):
    function = staticmethod(binary_crossentropy)
    kind = "binary"


class MeanSquaredError(Loss):
    function = staticmethod(mse)
    kind = "regression"
    takes_logits = False

    def __init__(self, name=None):
        super().__init__(False, name)


class _Custom(Loss):
    kind = "custom"
    takes_logits = False

    def __init__(self, fn):
        super().__init__(False, getattr(fn, "__name__", "loss"))
        self.fn = fn

    def per_sample(self, y_true, y_pred, from_logits=None):
        return self.fn(y_true, y_pred)


_BY_NAME = {"sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
            "categorical_crossentropy": CategoricalCrossentropy,
            "binary_crossentropy": BinaryCrossentropy,
            "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError}
_FUNCTIONS = {sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
              categorical_crossentropy: CategoricalCrossentropy,
              binary_crossentropy: BinaryCrossentropy, mse: MeanSquaredError}


def get(loss):
    """A :class:`Loss` from a Keras name, one of the functions above, a Loss, or any
    ``fn(y_true, y_pred)`` returning per-sample losses."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str):
        try:
            return _BY_NAME[loss.lower()]()
        except KeyError:
            raise ADError(f"compile: unknown loss {loss!r}; known: {', '.join(sorted(_BY_NAME))} "
                          f"or a function (y_true, y_pred)") from None
    if loss in _FUNCTIONS:
        return _FUNCTIONS[loss]()
    if callable(loss):
        return _Custom(loss)
    raise ADError(f"compile: loss must be a name or a function; got {loss!r}")
