"""`cadres app` in a real browser: Debian's chromium driven by Playwright.

Starts `cadres app` on a free port over a directory of two short scenarios
(the historical one and the gradual transition, January to June 1937, so
that the purge acts in every month and Play reaches the horizon quickly),
and checks that the page renders its controls and figures, that Step
advances the date by one month, that a changed slider plus Reset changes
the purged count, and that Play ends cleanly at the horizon; and that the
page fetched nothing from anywhere but the app's own server.

Needs /usr/bin/chromium (`apt-get install chromium`) and playwright (the
`[test]` extra). Without them the test is skipped, saying why, unless the
environment variable CI is set: then it fails (CI must run it).

    .venv/bin/python tests/app/test_app_browser.py --screenshot docs/figures/app.png

takes the README's screenshot of the shipped historical scenario.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Chromium on this kind of machine needs these (no setuid sandbox, no GPU); the rest keep it off the network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SERVER_START = 90  # seconds for the server to answer (imports, the scenario catalogue)
TIMEOUT = 30_000  # ms for the page to show a step's result (a frame draws four figures)
VIEWPORT = {"width": 1600, "height": 1150}
SCREENSHOT = {"width": 1600, "height": 1480}  # the whole page: the status, the comparison and the three figures

SHORT = """extends = "{base}"
[time]
start = "1937-01"   # the purge's peak year: it acts every month
end = "1937-06"
"""


def _missing() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("playwright is not installed (pip install -e '.[test]')")
    return missing


def _require_browser() -> None:
    missing = _missing()
    if missing and "CI" in os.environ:
        pytest.fail(f"the browser test must run in CI, but {'; '.join(missing)}")
    if missing:
        pytest.skip(f"browser test skipped: {'; '.join(missing)}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def app_server(scenarios: Path | None, log: Path) -> Iterator[str]:
    """`cadres app` on a free port, as a process group of its own; yields its URL; always stops it."""
    port = _free_port()
    command = [sys.executable, "-m", "sim.cli", "app", "--port", str(port)]
    command += ["--scenarios", str(scenarios)] if scenarios else []
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START
        while True:
            if server.poll() is not None:
                raise AssertionError(f"cadres app exited with {server.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"cadres app did not answer on {url} in {SERVER_START} s:\n{log.read_text()}") from None
                time.sleep(0.5)
        yield url
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


@dataclass
class Traffic:
    """What the page asked for: every URL, and the requests that failed or answered with an error."""

    requests: list[str] = field(default_factory=list)
    failures: list[tuple[object, str]] = field(default_factory=list)


@contextmanager
def browser_page(profile: Path, viewport: dict = VIEWPORT) -> Iterator[tuple[object, Traffic]]:
    """A Playwright page in Debian's chromium with a fresh profile, and a record of its traffic."""
    from playwright.sync_api import sync_playwright

    traffic = Traffic()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, viewport=viewport
        )
        try:
            page = context.new_page()
            page.on("request", lambda request: traffic.requests.append(request.url))
            page.on(
                "response", lambda response: response.status >= 400 and traffic.failures.append((response.status, response.url))
            )
            page.on("requestfailed", lambda request: traffic.failures.append((request.failure, request.url)))
            yield page, traffic
        finally:
            context.close()


def shown_date(page) -> str:
    return page.locator(".cadres-date").inner_text()


def wait_for_date(page, date: str) -> None:
    page.wait_for_function(f"() => document.querySelector('.cadres-date')?.innerText === '{date}'", timeout=TIMEOUT)


def shown_value(page, measure: str, run: str = "chosen") -> str:
    return page.locator(f'[data-run="{run}"][data-measure="{measure}"]').inner_text()


def step(page, expected: str) -> None:
    page.get_by_role("button", name="Step").click()
    wait_for_date(page, expected)


def set_slider(page, label: str, presses: int) -> str:
    """Move a slider by `presses` steps with the keyboard (right: up), as a user would; returns its new value."""
    slider = page.get_by_role("slider", name=label)
    slider.focus()
    for _ in range(abs(presses)):
        slider.press("ArrowRight" if presses > 0 else "ArrowLeft")
    return slider.get_attribute("aria-valuenow")


def reset_until(page, shown: str, tries: int = 3) -> None:
    """Click Reset until the parameters in force show `shown`.

    The slider sends its value to the server a moment after the keys (a change event); a Reset clicked before it
    arrives rebuilds the model with the old value, as it would for a user who clicks at once and then again.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    for _ in range(tries):
        page.get_by_role("button", name="Reset").click()
        wait_for_date(page, "1937-01")
        try:
            page.wait_for_function(
                f"() => document.querySelector('.cadres-status')?.parentElement.innerText.includes({shown!r})",
                timeout=TIMEOUT // 3,
            )
            return
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"after {tries} clicks of Reset the page does not show {shown!r}")


def page_errors(page) -> list[str]:
    """Error text on the page: Mesa's step errors (alerts), Solara's tracebacks."""
    text = page.locator("body").inner_text()
    alerts = [alert.inner_text() for alert in page.locator(".v-alert").all()]
    return alerts + [line for line in text.splitlines() if re.search(r"Traceback|error in step|Exception", line)]


@pytest.fixture
def short_scenarios(tmp_path: Path) -> Path:
    directory = tmp_path / "scenarios"
    directory.mkdir()
    for name in ("historical", "gradual_transition"):
        (directory / f"{name}.toml").write_text(SHORT.format(base=(ROOT / "scenarios" / f"{name}.toml").as_posix()))
    return directory


def test_app_in_a_browser(short_scenarios: Path, tmp_path: Path) -> None:
    _require_browser()
    started = time.monotonic()
    with app_server(short_scenarios, tmp_path / "server.log") as url, browser_page(tmp_path / "profile") as (page, traffic):
        page.goto(url)
        page.locator(".cadres-date").wait_for(timeout=60_000)

        # The page renders: the model's controls, its parameters, the status and the figures.
        for control in (
            page.get_by_role("button", name="Reset"),
            page.get_by_role("button", name="Step"),
            page.get_by_text("Purge intensity (× the scenario's)"),  # a slider's label (its thumb has no size of its own)
            page.get_by_text("Seed (both runs)"),
            page.get_by_text("Side by side with (same seed)"),
        ):
            control.wait_for(state="visible", timeout=TIMEOUT)
        figure = page.locator(".cadres-figure-cohort_composition")
        figure.wait_for(timeout=TIMEOUT)
        assert figure.evaluate("image => image.naturalWidth") > 300, "the cohort figure did not load"
        assert shown_date(page) == "1937-01"
        assert shown_value(page, "serving", "comparison"), "the comparison scenario is not shown side by side"

        # Step advances the shown date by one month; so does each further step.
        step(page, "1937-02")
        step(page, "1937-03")
        step(page, "1937-04")
        purged = int(shown_value(page, "purged"))
        assert purged > 0

        # A changed slider plus Reset changes the result: twice the purge, more purged after the same three months.
        assert set_slider(page, "Purge intensity (× the scenario's)", 10) == "2"
        reset_until(page, "purge intensity: × 2")
        for month in ("1937-02", "1937-03", "1937-04"):
            step(page, month)
        harder = int(shown_value(page, "purged"))
        assert harder > purged, f"purge intensity × 2 gave {harder} purged by 1937-04, × 1 gave {purged}"

        # Play to the horizon ends cleanly: the run stops after its last month, without an error.
        page.get_by_role("button", name="▶").click()
        page.wait_for_function(
            "() => document.querySelector('.cadres-state')?.innerText === 'at the horizon'", timeout=4 * TIMEOUT
        )
        wait_for_date(page, "1937-07")  # the month after the last simulated one
        page.wait_for_timeout(1000)  # Mesa's play loop notices the end
        assert page.get_by_role("button", name="Step").is_disabled()
        assert page.get_by_role("button", name=re.compile("▶|❚❚")).is_disabled()  # Play (shown as Pause while playing)
        assert page_errors(page) == []

        # Offline: every request went to the app's own server, and none failed.
        remote = [urlsplit(address) for address in traffic.requests]
        hosts = {part.netloc for part in remote if part.scheme not in ("data", "blob")}  # those two are the page's own bytes
        assert hosts == {urlsplit(url).netloc}, f"the page fetched from {sorted(hosts)}"
        assert traffic.failures == []
    assert time.monotonic() - started < 110


def take_screenshot(path: Path) -> None:
    """The README's screenshot: the shipped historical scenario beside the gradual transition, in 1938."""
    with tempfile.TemporaryDirectory() as scratch:
        with (
            app_server(None, Path(scratch) / "server.log") as url,
            browser_page(Path(scratch) / "profile", SCREENSHOT) as (page, _),
        ):
            page.goto(url)
            page.locator(".cadres-date").wait_for(timeout=60_000)
            set_slider(page, "Render Interval (steps)", 49)  # 1 + 2 * 49 = 99 months a step
            step(page, "1929-04")
            step(page, "1937-07")
            set_slider(page, "Render Interval (steps)", -45)  # 9 months a step
            step(page, "1938-04")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(path))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="take the README's screenshot of `cadres app`")
    parser.add_argument("--screenshot", type=Path, required=True, help="PNG file to write")
    take_screenshot(parser.parse_args().screenshot)
