"""Headless Chromium for the page tests (selenium + Debian's chromium and chromium-driver).

Tests that use :func:`chrome` skip with a clear reason when selenium, chromium or chromedriver
is missing; CI (.ci/run) installs all three and sets ADKIT_REQUIRE_BROWSER=1, so there a
missing browser is a failure, never a silent skip.
"""
import os
import shutil

import pytest

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
DRIVERS = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")


def _first(paths, name):
    for path in paths:
        if os.path.exists(path):
            return path
    return shutil.which(name)


def _skip(reason):
    if os.environ.get("ADKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"ADKIT_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def chrome():
    """A headless Chrome WebDriver that records the console; skips the test when none is found."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _skip("browser tests need selenium (pip install -e '.[test]')")
    binary = _first(CHROMIUM, "chromium")
    driver = _first(DRIVERS, "chromedriver")
    if binary is None or driver is None:
        _skip("no browser found: browser tests need Debian's chromium and chromium-driver "
                    "(apt-get install -y chromium chromium-driver; .ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(service=Service(driver), options=options)
    except Exception as e:  # a broken install is a skip with its reason, not a failure
        _skip(f"could not start headless chromium: {str(e).splitlines()[0]}")


def severe_logs(driver):
    """Console messages at level SEVERE (JavaScript errors)."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
