"""Keras's callbacks for ``fit`` (``tf.keras.callbacks``): Callback, History and TensorBoard.

``TensorBoard(log_dir=...)`` is adkit's board logger under Keras's name: each epoch's numbers
(loss, accuracy, val_*) are appended to ``log_dir/events.adkit.jsonl`` and ``adkit board
log_dir`` draws them.

>>> import tempfile
>>> board = TensorBoard(log_dir=tempfile.mkdtemp())
>>> board.on_epoch_end(0, {"loss": 0.5})
>>> from adkit.board import read_run
>>> [r["value"] for r in read_run(board.path)["scalars"]["loss"]]
[0.5]
"""
from adkit.board import BoardLogger
from adkit.nn.models import Callback, History

__all__ = ["Callback", "History", "TensorBoard"]


class TensorBoard(BoardLogger):
    """``tf.keras.callbacks.TensorBoard``: logs every number of each epoch's ``logs`` under
    ``log_dir``, read by ``adkit board``. Keras's other options (histograms, profiling) have no
    counterpart in adkit's board and are accepted only at their defaults."""

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, update_freq="epoch"):
        from adkit.core import ADError
        if histogram_freq != 0 or update_freq != "epoch":
            raise ADError(f"TensorBoard: adkit's board logs once per epoch without histograms; "
                          f"got histogram_freq={histogram_freq!r}, update_freq={update_freq!r}")
        super().__init__(log_dir)
        self.write_graph = write_graph

    def __repr__(self):
        return f"TensorBoard(log_dir={str(self.logdir)!r})"

    def set_model(self, model):
        self.model = model
