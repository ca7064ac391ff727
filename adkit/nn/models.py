"""Keras's Sequential model on adkit: compile, fit (reverse mode over the weights), evaluate, predict, summary.

Each training step is ``ad.value_and_grad`` of the mean loss with respect to every weight,
followed by the optimiser's update: the whole of backpropagation is adkit's reverse sweep over
the recorded graph of the batch. The step runs through ``ad.compile`` (one trace per batch
shape) with its random numbers (dropout masks) drawn beforehand and passed in as inputs;
``compile(..., jit_compile=False)`` records and sweeps the graph at every step instead.

>>> from adkit.nn import Dense, clear_session, set_random_seed
>>> clear_session(); set_random_seed(0)
>>> model = Sequential([Dense(4, activation="relu", input_shape=(2,)), Dense(1)], name="tiny")
>>> model.summary()
Model: "tiny"
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
dense (Dense)                (None, 4)                 12
_________________________________________________________________
dense_1 (Dense)              (None, 1)                 5
=================================================================
Total params: 17
Trainable params: 17
Non-trainable params: 0
_________________________________________________________________
"""
import sys
import time
import warnings

import numpy as np

from adkit import arrays as A
from adkit.core import ADError, ShapeError, shape_of
from adkit.codegen import compile as compile_function
from adkit.reverse import value_and_grad
from adkit.tracing import Tracer
from adkit.nn import losses as _losses
from adkit.nn import ops
from adkit.nn import optimizers as _optimizers
from adkit.nn.layers import InputLayer, Layer, clear_session, unique_name

__all__ = ["Sequential", "History", "Callback", "clear_session"]


class History:
    """What ``fit`` returns: ``history`` maps "loss", "accuracy", "val_loss", ... to one number
    per epoch; ``epoch`` lists the epoch numbers."""

    def __init__(self, model, params):
        self.model, self.params = model, params
        self.history = {}
        self.epoch = []

    def __repr__(self):
        return f"<History {len(self.epoch)} epochs: {', '.join(self.history)}>"

    def record(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)


_FUSED = {("sparse", "softmax"), ("categorical", "softmax"), ("binary", "sigmoid")}


def _output_kind(activation):
    """"softmax" or "sigmoid" for adkit's own functions of those names (adkit.nn's, and
    adkit.tf1's tf.nn.softmax), so the loss can be computed from the logits; else None."""
    if activation is ops.softmax:
        return "softmax"
    if activation is ops.sigmoid:
        return "sigmoid"
    name = getattr(activation, "__name__", None)
    if name in ("softmax", "sigmoid") and getattr(activation, "__module__", "").startswith("adkit."):
        return name
    return None


class Callback:
    """Keras's callback protocol: ``fit`` calls these (when a callback has them) with ``logs``,
    the numbers of the epoch ("loss", "accuracy", "val_loss", ...)."""

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


def _notify(callbacks, event, *args):
    for callback in callbacks:
        method = getattr(callback, event, None)
        if method is not None:
            method(*args)


class Sequential:
    """A stack of layers, each feeding the next (``tf.keras.models.Sequential``)."""

    def __init__(self, layers=None, name=None):
        self.name = name or unique_name("sequential")
        self.layers = []
        self.built = False
        self.optimizer = self.loss = None
        self.metrics_names = []
        self.jit_compile, self.eager_reason, self._compiled_step = True, None, None
        for layer in layers or ():
            self.add(layer)

    def __repr__(self):
        return f"<Sequential {self.name!r}: {len(self.layers)} layers>"

    # --- building ------------------------------------------------------------------------------
    def add(self, layer):
        if not isinstance(layer, Layer):
            raise ADError(f"Sequential.add: expected a layer (Dense, Conv2D, ...); got {layer!r}")
        if isinstance(layer, InputLayer) and self.layers:
            raise ADError("Sequential.add: an InputLayer can only come first")
        self.layers.append(layer)
        self.built = False
        self._compiled_step = None
        if self.layers[0].input_shape_hint is not None:  # Keras builds at once when it can
            self.build()

    def build(self, input_shape=None):
        """Make every layer's weights; ``input_shape`` includes the batch axis (None)."""
        if input_shape is None:
            hint = self.layers[0].input_shape_hint if self.layers else None
            if hint is None:
                raise ADError(f"{self.name}: the model has not been built: give the first layer "
                              f"input_shape=..., call build((None, ...)), or fit it on data")
            input_shape = (None,) + hint
        shape = tuple(input_shape)
        for layer in self.layers:
            if not layer.built:
                layer.build(shape)
            elif tuple(layer.input_shape[1:]) != tuple(shape[1:]):
                raise ShapeError(f"{layer.name}: built for inputs {layer.input_shape}, got {shape}")
            shape = layer.output_shape
        self.input_shape, self.output_shape = tuple(input_shape), shape
        self.built = True

    def _ensure_built(self, x):
        shape = tuple(shape_of(x)[1:])
        if not self.built:
            hint = self.layers[0].input_shape_hint if self.layers else None
            self.build((None,) + (hint if hint is not None else shape))
        if shape != tuple(self.input_shape[1:]):
            raise ShapeError(f"{self.name}: expects inputs of shape {self.input_shape}, got "
                             f"{(None,) + shape}")

    @property
    def weights(self):
        """Every weight array, layer by layer (kernel then bias), as Keras orders them."""
        return [w for layer in self.layers for w in layer.weights]

    trainable_weights = weights

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, values):
        values = list(values)
        for layer in self.layers:
            count = len(layer.weights)
            layer.set_weights(values[:count])
            values = values[count:]

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    # --- computing -----------------------------------------------------------------------------
    def apply(self, weights, x, training=False, logits=False, noise=None):
        """The output for inputs ``x`` with the given weights (one list, as ``model.weights``).

        With ``logits=True`` the last layer's softmax or sigmoid is left out when the loss can
        take logits (the stable fused cross-entropy, as Keras does); returns (output, fused).
        ``noise`` maps a layer's position to the random numbers it uses (dropout masks drawn
        beforehand by :meth:`draw_noise`), so the same step can be compiled.
        """
        k = 0
        fused = False
        for i, layer in enumerate(self.layers):
            own = weights[k:k + len(layer.weights)]
            k += len(layer.weights)
            last = i == len(self.layers) - 1
            if last and logits and self._fusable(layer):
                x, fused = layer.pre_activation(own, x), True
            elif noise is not None and i in noise:
                x = layer.apply_noise(own, x, noise[i])
            else:
                x = layer.apply(own, x, training)
        return (x, fused) if logits else x

    def _fusable(self, layer):
        return (self.loss is not None and not self.loss.from_logits and
                hasattr(layer, "pre_activation") and
                (getattr(self.loss, "kind", None), _output_kind(layer.activation)) in _FUSED)

    def __call__(self, x, training=False):
        self._ensure_built(x)
        return self.apply(self.weights, x, training)

    def predict(self, x, batch_size=32, verbose=0):
        """The outputs for ``x`` (inference: dropout off), as a numpy array."""
        x = np.asarray(x, dtype=float)
        self._ensure_built(x)
        outs = [np.asarray(self.apply(self.weights, x[i:i + batch_size]))
                for i in range(0, len(x), batch_size)]
        return np.concatenate(outs) if outs else np.zeros((0,) + tuple(self.output_shape[1:]))

    # --- training ------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, jit_compile=True):
        """Choose the optimiser ("sgd", "adam", "rmsprop" or an object), the loss (a Keras name,
        a function or a Loss) and the metrics (["accuracy"]).

        ``jit_compile=True`` (Keras's name) runs each training step's forward and backward pass
        through ``ad.compile`` (traced once per batch shape); ``False`` records and sweeps the
        graph anew at every step (eager adkit). Both give the same numbers.
        """
        if loss is None:
            raise ADError("compile: give a loss, e.g. loss='sparse_categorical_crossentropy'")
        if not isinstance(jit_compile, bool):
            raise ADError(f"compile: jit_compile must be True or False; got {jit_compile!r}")
        self.optimizer = _optimizers.get(optimizer)
        self.loss = _losses.get(loss)
        self.jit_compile = jit_compile
        self.eager_reason = None if jit_compile else "jit_compile=False"
        self._compiled_step = None
        self.metrics_names = []
        for metric in metrics or ():
            if metric not in ("accuracy", "acc"):
                raise ADError(f"compile: unknown metric {metric!r}; adkit.nn knows 'accuracy'")
            self.metrics_names.append(metric)

    def _check_compiled(self, who):
        if self.loss is None:
            raise ADError(f"{who}: compile the model first (model.compile(optimizer=..., loss=...))")

    def _targets(self, y):
        """Targets as the loss needs them: labels of shape (N,) for an output (N, 1) (a sigmoid
        unit, a regression) get the axis back, as Keras does, instead of broadcasting to (N, N)."""
        y = np.asarray(y)
        if (getattr(self.loss, "kind", None) != "sparse" and len(self.output_shape) >= 2 and
                self.output_shape[-1] == 1 and y.ndim == len(self.output_shape) - 1):
            y = y[..., None]
        return y

    def _accuracy(self, y, out, fused):
        kind = getattr(self.loss, "kind", None)
        out = np.asarray(out)
        if kind == "sparse":
            return float(np.mean(out.argmax(axis=-1) == np.asarray(y).reshape(out.shape[:-1])))
        if kind == "categorical":
            return float(np.mean(out.argmax(axis=-1) == np.asarray(y).argmax(axis=-1)))
        threshold = 0.0 if fused else 0.5
        return float(np.mean((out > threshold) == (np.asarray(y) > 0.5)))

    def draw_noise(self, x):
        """The random numbers one training step on batch ``x`` uses, drawn now in layer order
        (a layer's ``noise``: dropout masks), as {layer position: array}; inputs of the step,
        never constants of its trace."""
        noise, shape = {}, tuple(shape_of(x))
        for i, layer in enumerate(self.layers):
            draw = getattr(layer, "noise", None)
            if draw is not None:
                value = draw(shape)
                if value is not None:
                    noise[i] = value
            shape = (shape[0],) + tuple(layer.output_shape[1:])
        return noise

    def _step_targets(self, y):
        """Targets as float arrays the compiled step can take as inputs (labels one-hot), or
        None when they cannot be (a custom loss given non-float targets)."""
        kind = getattr(self.loss, "kind", None)
        if kind == "sparse":
            return ops._one_hot(y, (len(y),) + tuple(self.output_shape[1:]),
                                "sparse_categorical_crossentropy")
        if kind in ("categorical", "binary", "regression") or y.dtype.kind == "f":
            return np.asarray(y, dtype=float)
        return None

    def _training_step(self):
        """f(*weights, x, y, noise positions, *noise) -> (mean loss, outputs, gradients): the
        forward pass and reverse sweep of one batch, the function ``ad.compile`` compiles."""
        count = len(self.weights)
        last = self.layers[-1]
        fused = self._fusable(last)
        sparse = getattr(self.loss, "kind", None) == "sparse"

        def training_step(*args):
            weights, (x, y, where), noise = args[:count], args[count:count + 3], args[count + 3:]
            noise = dict(zip(where, noise))
            seen = {}

            def objective(*ws):
                out, _ = self.apply(ws, x, training=True, logits=True, noise=noise)
                seen["out"] = out
                if sparse:  # labels arrive one-hot: the same numbers, as float inputs
                    per_sample = ops.categorical_crossentropy(y, out, from_logits=fused)
                else:
                    per_sample = self.loss.per_sample(y, out, from_logits=fused or None)
                return A.mean(per_sample)
            loss, grads = value_and_grad(objective, argnums=tuple(range(count)))(*weights)
            out = seen["out"]
            return loss, (out.value if type(out) is Tracer else out), tuple(grads)
        return training_step, fused

    def _why_eager(self):
        """Why this model's steps cannot be compiled (None if they can)."""
        for layer in self.layers:
            if not type(layer).__module__.startswith("adkit."):
                return (f"layer {layer.name} ({type(layer).__name__}) is not one of adkit's: its "
                        f"apply could draw random numbers a trace would freeze")
        return None

    def train_on_batch(self, x, y):
        """One step of the optimiser on one batch; returns (loss, outputs as numpy, fused)."""
        weights = self.weights
        noise = self.draw_noise(x)
        where = tuple(noise)
        step, fused = self._training_step()
        args = None
        if getattr(self, "eager_reason", None) is None:
            self.eager_reason = self._why_eager()
        if self.eager_reason is None:
            targets = self._step_targets(np.asarray(y))
            if targets is None:
                self.eager_reason = "the loss is a custom function and the targets are not floats"
            else:
                args = (*weights, np.asarray(x, dtype=float), targets, where, *noise.values())
        if args is not None:
            if getattr(self, "_compiled_step", None) is None or self._compiled_step[0] != len(weights):
                self._compiled_step = (len(weights), compile_function(step))
            try:
                loss, out, grads = self._compiled_step[1](*args)
            except (ADError, TypeError) as error:  # not traceable: say so once, train eagerly
                self.eager_reason = f"the training step cannot be compiled: {error}"
                warnings.warn(f"fit: training eagerly ({self.eager_reason}); "
                              f"compile(..., jit_compile=False) silences this", stacklevel=3)
                args = None
        if args is None:
            targets = self._step_targets(np.asarray(y))
            loss, out, grads = step(*weights, x, y if targets is None else targets, where,
                                    *noise.values())
        self.optimizer.apply(weights, grads)
        return float(loss), ops._numeric(out), fused

    def _logs(self, loss, count, correct, prefix=""):
        logs = {prefix + "loss": loss / count}
        for name in self.metrics_names:
            logs[prefix + name] = correct / count
        return logs

    def fit(self, x, y, batch_size=32, epochs=1, verbose=1, callbacks=None, validation_data=None,
            validation_split=0.0, shuffle=True, initial_epoch=0):
        """Train for ``epochs`` passes over (x, y) in mini-batches; returns a :class:`History`.

        verbose: 0 silent, 1 a progress bar per epoch (tqdm), 2 one line per epoch.
        callbacks: objects with Keras's methods (``on_epoch_end(epoch, logs)``, ...).
        """
        self._check_compiled("fit")
        for name, value in (("batch_size", batch_size), ("epochs", epochs)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ADError(f"fit: {name} must be a positive int; got {value!r}")
        x, y = np.asarray(x, dtype=float), np.asarray(y)
        if len(x) != len(y):
            raise ShapeError(f"fit: x has {len(x)} samples but y has {len(y)}")
        self._ensure_built(x)
        y = self._targets(y)
        if validation_split and validation_data is None:
            cut = int(len(x) * (1.0 - validation_split))
            x, y, validation_data = x[:cut], y[:cut], (x[cut:], y[cut:])
        steps = -(-len(x) // batch_size)
        history = History(self, {"epochs": epochs, "steps": steps, "verbose": verbose})
        callbacks = list(callbacks or ())
        _notify(callbacks, "set_model", self)
        _notify(callbacks, "on_train_begin", {})
        for epoch in range(initial_epoch, epochs):
            _notify(callbacks, "on_epoch_begin", epoch, {})
            bar = _progress(steps, f"Epoch {epoch + 1}/{epochs}", verbose)
            start = time.perf_counter()
            logs = self._train_epoch(x, y, batch_size, shuffle, bar)
            if validation_data is not None:
                values = self.evaluate(*validation_data, batch_size=batch_size, verbose=0)
                values = values if isinstance(values, list) else [values]
                logs.update(zip(["val_" + n for n in ["loss"] + self.metrics_names], values))
            history.record(epoch, logs)
            _notify(callbacks, "on_epoch_end", epoch, dict(logs))
            if bar is not None:
                bar.set_postfix_str(_format(logs))
                bar.close()
            elif verbose == 2:
                print(f"Epoch {epoch + 1}/{epochs} - {time.perf_counter() - start:.1f}s - "
                      f"{_format(logs)}")
        _notify(callbacks, "on_train_end", dict(history.history))
        self.history = history
        return history

    def _train_epoch(self, x, y, batch_size, shuffle, bar):
        """One pass over the data in (shuffled) batches; returns the epoch's mean loss and metrics."""
        order = ops.generator().permutation(len(x)) if shuffle else np.arange(len(x))
        total, correct, seen = 0.0, 0.0, 0
        for s in range(0, len(x), batch_size):
            batch = order[s:s + batch_size]
            loss, out, fused = self.train_on_batch(x[batch], y[batch])
            total += loss * len(batch)
            seen += len(batch)
            if self.metrics_names:
                correct += self._accuracy(y[batch], out, fused) * len(batch)
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(_format(self._logs(total, seen, correct)), refresh=False)
        return self._logs(total, seen, correct)

    def evaluate(self, x, y, batch_size=32, verbose=1, return_dict=False):
        """Loss (and metrics) on (x, y) at inference (dropout off): ``loss`` or ``[loss, acc]``."""
        self._check_compiled("evaluate")
        x = np.asarray(x, dtype=float)
        self._ensure_built(x)
        y = self._targets(y)
        total = correct = 0.0
        for i in range(0, len(x), batch_size):
            xb, yb = x[i:i + batch_size], y[i:i + batch_size]
            out, fused = self.apply(self.weights, xb, training=False, logits=True)
            total += float(np.sum(self.loss.per_sample(yb, out, from_logits=fused or None)))
            if self.metrics_names:
                correct += self._accuracy(yb, out, fused) * len(xb)
        logs = self._logs(total, max(len(x), 1), correct)
        if verbose:
            print(f"{len(x)}/{len(x)} - {_format(logs)}")
        if return_dict:
            return logs
        return list(logs.values()) if self.metrics_names else logs["loss"]

    # --- printing ------------------------------------------------------------------------------
    def summary(self, line_length=65, print_fn=None):
        """Keras's table: each layer's name (type), output shape and parameter count."""
        if not self.built:
            self.build()
        print_fn = print_fn or print
        positions = [int(line_length * p) for p in (0.45, 0.85, 1.0)]

        def row(fields):
            line = ""
            for field, end in zip(fields, positions):
                line = (line + str(field))[:end]
                line += " " * (end - len(line))
            return line.rstrip()
        lines = [f'Model: "{self.name}"', "_" * line_length,
                 row(["Layer (type)", "Output Shape", "Param #"]), "=" * line_length]
        for i, layer in enumerate(self.layers):
            if isinstance(layer, InputLayer):
                continue
            lines.append(row([f"{layer.name} ({type(layer).__name__})",
                              _shape_text(layer.output_shape), layer.count_params()]))
            lines.append("=" * line_length if i == len(self.layers) - 1 else "_" * line_length)
        total = self.count_params()
        lines += [f"Total params: {total:,}", f"Trainable params: {total:,}",
                  "Non-trainable params: 0", "_" * line_length]
        print_fn("\n".join(lines))


def _shape_text(shape):
    return "(" + ", ".join("None" if n is None else str(n) for n in shape) + (
        ",)" if len(shape) == 1 else ")")


def _format(logs):
    return " - ".join(f"{name}: {value:.4f}" for name, value in logs.items())


def _progress(steps, description, verbose):
    """Keras's per-epoch bar, drawn by tqdm (a widget in notebooks); None when verbose != 1."""
    if verbose != 1:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=steps, desc=description, unit="step", file=sys.stdout, leave=True,
                dynamic_ncols=True)
