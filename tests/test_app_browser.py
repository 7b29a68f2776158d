"""The explorer app in a real browser: headless Chromium (Debian's chromium and
chromedriver) drives the Voila page of ``app/explorer.ipynb`` (what ``make explore`` serves).

It loads; unticking a training method updates the pooled line (k falls by that method's
number of comparisons, printed by Llanos-Lagos 2024a: 20 combined-method effect sizes) and
the plot. The update times seen in the browser (click -> new pooled line in the page) are
printed (``pytest -s``) and must stay under a second here; the issue's 0.3 s target is for
the Python side (tests/test_explorer.py), the browser adds the widget round trip.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
#: the whole app start (server + kernel + first fit) may take this long on 2 busy cores
START_TIMEOUT_S = 120
#: a widget round trip: click -> kernel refit -> page updated
UPDATE_TIMEOUT_S = 20
#: the most a single update may take in the browser here (measured 0.1-0.3 s)
BROWSER_UPDATE_MAX_S = 1.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None or DRIVER is None,
                       reason="headless Chromium not found: install Debian's chromium and "
                              "chromium-driver (.ci/run does)"),
]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("voila", reason="voila not installed (notebooks extra)")
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg",
               OPENBLAS_NUM_THREADS="1", JUPYTER_PLATFORM_DIRS="1")
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "voila", str(ROOT / "app" / "explorer.ipynb"),
             f"--port={port}", "--no-browser", "--Voila.ip=127.0.0.1"],
            cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:    # the port answers (a GET of the page would start a kernel)
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("voila did not start:\n" + log.read_text(errors="replace"))
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    try:
        yield drv
    finally:
        drv.quit()


def _pooled(drv):
    # read in one script: the widget replaces its HTML on every update
    return drv.execute_script("var e = document.querySelector('.runecon-pooled');"
                              "return e ? e.innerText : '';")


def _plot(drv):
    return drv.execute_script("var e = document.querySelector('.runecon-plot');"
                              "return e ? e.innerHTML : '';")


def _wait(cond, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.01)
    return None


def _toggle(drv, label):
    """Click the checkbox whose label starts with ``label``; return the seconds until the
    pooled line changed."""
    before, plot = _pooled(drv), _plot(drv)
    box = drv.find_element("xpath", f"//label[starts-with(normalize-space(.), '{label}')]"
                                    "//input[@type='checkbox']")
    t0 = time.perf_counter()
    box.click()
    assert _wait(lambda: _pooled(drv) != before and _plot(drv) != plot, UPDATE_TIMEOUT_S), \
        f"the pooled line and the plot did not both change after clicking {label}"
    return time.perf_counter() - t0


def test_app_loads_and_a_filter_updates_the_pooled_line_and_the_plot(server, browser):
    browser.get(server)
    text = _wait(lambda: "k = 81" in _pooled(browser) and _pooled(browser), START_TIMEOUT_S)
    assert text, "the app did not show the pooled line:\n" + browser.page_source[-3000:]
    # words, not codes: the row labels, and no code of the API
    plot = _plot(browser)
    assert "Ache-Dias 2016" in plot and "achedias2016" not in plot
    assert "running_economy" not in browser.page_source.split("</head>")[-1]
    assert "Running economy" in text and "negative = better" in text
    shots = os.environ.get("RUNECON_SCREENSHOTS")      # maintainers: docs/ screenshots
    if shots:
        browser.save_screenshot(str(Path(shots) / "explorer-app.png"))
    times = [_toggle(browser, "Combined")]
    # Llanos-Lagos 2024a: 81 effect sizes, 20 of them combined methods
    assert "k = 61" in _pooled(browser)
    assert "Combined" not in _plot(browser) and _plot(browser).count("Ache-Dias") == 1
    times.append(_toggle(browser, "Combined"))
    assert "k = 81" in _pooled(browser)
    times += [_toggle(browser, "Plyometric"), _toggle(browser, "Plyometric")]
    # Reset button: back to the initial view
    browser.find_element("xpath", "//button[normalize-space(.)='Reset']").click()
    assert _wait(lambda: "k = 81" in _pooled(browser), UPDATE_TIMEOUT_S)
    print("\nbrowser update times (s):", ", ".join(f"{t:.3f}" for t in times))
    assert max(times) < BROWSER_UPDATE_MAX_S, times
