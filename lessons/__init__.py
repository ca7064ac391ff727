"""The lessons, one runnable file per topic of the lectures (installed as ``adkit.lessons``).

List and run them with ``adkit lesson list`` and ``adkit lesson run NAME``; see
:mod:`adkit.lessons_runner`.
"""
