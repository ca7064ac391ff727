"""Progress bars from ``tqdm.auto``: one bar that renders in terminals and notebooks alike.

Long jobs (batch grading, training, worksheets) report ``progress(done, total)``; :func:`bar`
turns that into a tqdm bar, imported only when a bar is shown.

>>> report = bar("grading", enabled=False)
>>> report(3, 10); report.close()
"""
import os
import sys


class bar:
    """A ``progress(done, total)`` callback drawing a tqdm bar; ``close()`` when finished.

    Args:
        desc: the bar's label ("grading").
        enabled: False makes every call a no-op (quiet runs, output that is not a terminal).
        stream: where the bar goes (default stderr, so it never mixes with results on stdout).
        unit: what one step is ("answer", "sheet").
    """

    def __init__(self, desc, enabled=True, stream=None, unit="answer"):
        self.desc, self.enabled, self.unit = desc, enabled, unit
        self.stream = stream if stream is not None else sys.stderr
        self._bar = None

    def __call__(self, done, total):
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm.auto import tqdm
            self._bar = tqdm(total=total, desc=self.desc, file=self.stream, unit=self.unit,
                             leave=True, **_screen(self.stream))
        if total != self._bar.total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _screen(stream):
    """tqdm's screen size for a terminal that reports none (0×0: tqdm would hide the bar);
    nothing for real terminals and notebooks (tqdm decides)."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return {}
    return {} if size.columns > 0 and size.lines > 0 else {"ncols": 80, "nrows": 24}
