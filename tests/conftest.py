"""Shared test setup: reproducible hypothesis profiles, the --runslow switch and numeric helpers.

Profiles (choose with ``HYPOTHESIS_PROFILE=dev pytest``):

* ``ci`` (default): derandomized, so every run draws the same examples; 40 examples per test.
* ``dev``: random examples, 200 per test, for hunting bugs locally.
"""
import os

# One BLAS thread: the suite's matrices are small, and on a shared 2-core machine OpenBLAS's
# threads spinning against each other made training steps 10x slower. Must precede numpy's import.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

import adkit.nn  # noqa: F401,E402  registers adkit.nn's primitives first: every test sees one table

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run the tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip_slow = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


@pytest.fixture
def rng():
    """A numpy generator with a fixed seed: failures reproduce."""
    return np.random.default_rng(20240611)
