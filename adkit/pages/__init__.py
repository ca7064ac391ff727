"""Classroom pages: one self-contained HTML file each (no network, no server, opens from a USB stick).

* :func:`page` — the graph beside the forward/reverse tables, stepped row by row (quiz mode too);
* :func:`step_size_demo` — deck 002's learning-rate demo (STEP, RESET, a rate box).
"""
from adkit.pages.stepper import page
from adkit.pages.stepsize import step_size_demo

__all__ = ["page", "step_size_demo"]
