"""Fixtures of the browser tests: one real Home Assistant and one chromium for the whole session.

The suite needs chromium (apt) and Playwright (requirements_test.txt), both installed by
scripts/setup; without them it fails (never skips). Screenshots go to tests/browser/artifacts/.
"""

from collections.abc import Iterator
from pathlib import Path
import shutil
import tempfile
import threading
import time

from browser_harness import (  # type: ignore[import-not-found]
    ARTIFACTS,
    HaInstance,
    chromium_available,
    ensure_runtime_requirements,
    launch_chromium,
    log_in,
    sockets_allowed,
)
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
import pytest

from tests.support.mosquitto import Mosquitto, start_mosquitto
from tools.develop import add_mqtt_entry

BROWSER_TEST_TIMEOUT = 900
"""Seconds per browser test: starting HA and walking every form take minutes on a loaded 2-core machine."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The project's 120 s per test is for in-process tests; these drive a real HA and chromium."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.timeout(BROWSER_TEST_TIMEOUT))


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py: Home Assistant runs as a real process here, not in the test."""


@pytest.fixture(scope="session")
def browser_broker() -> Iterator[Mosquitto]:
    """A broker of the browser's Home Assistant alone.

    That HA lives for the whole session and answers on MQTT (FmPyIOT's time service, Pyaiot's
    discovery requests): on the in-process tests' broker it would answer their devices too.
    """
    with sockets_allowed():
        broker = start_mosquitto(Path(tempfile.mkdtemp(prefix="pyiot-browser-mosquitto-")))
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def ha(browser_broker: Mosquitto) -> Iterator[HaInstance]:
    """A real Home Assistant with PyIoT on a free port, onboarded, in a throw-away config dir.

    Its MQTT entry points at a broker of its own, so that the MQTT entry types can be added too.
    """
    assert chromium_available(), "the browser tests need /usr/bin/chromium: run scripts/setup"
    started = time.monotonic()
    with sockets_allowed():
        ensure_runtime_requirements()
        instance = HaInstance(config_dir=Path(tempfile.mkdtemp(prefix="pyiot-browser-")) / "config")
        instance.start()
        add_mqtt_entry(instance.api, browser_broker.port, "5")
    print(f"\n[browser] Home Assistant ready in {time.monotonic() - started:.0f} s at {instance.url}")  # noqa: T201
    yield instance
    with sockets_allowed():
        instance.stop()
    errors = instance.log_errors()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(instance.log, ARTIFACTS / "home-assistant.log")
    shutil.rmtree(instance.config_dir.parent, ignore_errors=True)
    assert not errors, "Home Assistant logged errors about PyIoT:\n" + "\n".join(errors)


@pytest.fixture
def browser(ha: HaInstance, socket_enabled: None) -> Iterator[Browser]:
    """Debian's chromium, headless, for one test.

    Playwright's sync API marks its event loop as running while it is open, and the autouse async
    fixtures of pytest-homeassistant-custom-component need the thread's loop free between tests:
    so one Playwright (about a second to start) per test, opened after them and closed before.
    """
    before = set(threading.enumerate())
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
    join_new_executor_threads(before)


def join_new_executor_threads(before: set[threading.Thread]) -> None:
    """Wait for the executor threads of Playwright's loop (it writes screenshots through them).

    They end just after the loop closes; one still alive fails HA's plugin check for lingering threads.
    """
    for thread in set(threading.enumerate()) - before:
        if thread.name.startswith("asyncio_"):
            thread.join(timeout=30)


@pytest.fixture(scope="session")
def login_state(ha: HaInstance) -> dict[str, object]:
    """The browser storage of a logged-in owner (HA keeps its tokens there), from the real login page."""
    with sockets_allowed(), sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        log_in(page, ha)
        state = context.storage_state()
        chromium.close()
    return dict(state)


@pytest.fixture
def context(
    browser: Browser, login_state: dict[str, object], socket_enabled: None
) -> Iterator[BrowserContext]:
    """A fresh browser context per test, logged in."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, storage_state=login_state)  # type: ignore[arg-type]
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page of that context; console errors are collected in `page.console_errors`."""
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.console_errors = errors  # type: ignore[attr-defined]
    return page
