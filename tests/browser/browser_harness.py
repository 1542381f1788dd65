"""A real Home Assistant with PyIoT for the browser tests, and Debian's chromium driven by Playwright.

`HaInstance.start()` does what `scripts/develop --check` does, in a throw-away config dir: the
runtime requirements of HA's own integrations (once, into .venv), a free port, `hass` started as a
subprocess, onboarding through the API. `launch_chromium()` starts /usr/bin/chromium headless with
the flags this machine needs (no browser is ever downloaded).

The demo zone (`add_demo_zone`) heats with `input_boolean.browser_heater` from a template sensor that
follows `input_number.browser_temperature`, so a test sets the room temperature with one action.
"""

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from playwright.sync_api import Browser, Error as PlaywrightError, Page, Playwright

from tools.develop import ApiError, HomeAssistant, seed_http_settings
from tools.develop_systems import DEMO_TUNING

ROOT = Path(__file__).parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USERNAME = "browser"
PASSWORD = "browser-test-password"  # noqa: S105 - a throw-away instance on loopback
STARTUP_TIMEOUT = 240.0
RAW_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
"""A `{device}` left in rendered text: a placeholder the step did not fill."""

DEMO_ZONE = "Browser zone"
HEATER = "input_boolean.browser_heater"
ROOM_NUMBER = "input_number.browser_temperature"
ROOM_SENSOR = "sensor.browser_room_temperature"

CONFIGURATION = """
homeassistant:
  name: PyIoT browser tests
  debug: true
config:
input_boolean:
  browser_heater:
    name: Browser heater
input_number:
  browser_temperature:
    name: Browser temperature
    min: 5
    max: 35
    step: 0.1
    initial: 19.0
    unit_of_measurement: "°C"
template:
  - sensor:
      - name: Browser room temperature
        unique_id: browser_room_temperature
        unit_of_measurement: "°C"
        device_class: temperature
        state_class: measurement
        state: "{{ states('input_number.browser_temperature') }}"
logger:
  default: warning
  logs:
    custom_components.pyiot: debug
    haffmpeg: critical
"""


def ensure_runtime_requirements() -> None:
    """What HA's own integrations need at runtime (the frontend, ...), as scripts/develop installs it."""
    try:
        __import__("hass_frontend")
    except ImportError:
        pass
    else:
        return
    work = ROOT / ".develop"
    work.mkdir(exist_ok=True)
    requirements = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "tools.develop",
            "requirements",
            "config",
            "--constraints",
            str(work / "constraints.txt"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    (work / "requirements.txt").write_text(requirements, encoding="utf-8")
    subprocess.run(  # noqa: S603
        [
            str(ROOT / ".venv/bin/uv"),
            "pip",
            "install",
            "-q",
            "-c",
            str(work / "constraints.txt"),
            "-r",
            str(work / "requirements.txt"),
        ],
        cwd=ROOT,
        env=os.environ | {"VIRTUAL_ENV": str(ROOT / ".venv")},
        check=True,
        timeout=900,
    )


def kernel_port() -> int:
    """A free TCP port on loopback, picked by the kernel."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class HaInstance:
    """One running Home Assistant: its URL, REST client (logged in as the owner) and config dir."""

    config_dir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    api: HomeAssistant = field(init=False)

    @property
    def url(self) -> str:
        """Where the frontend is served."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        """HA's log file."""
        return self.config_dir / "home-assistant.log"

    def start(self) -> None:
        """Write the config, start `hass` and onboard the owner (fresh config dir only)."""
        fresh = not (self.config_dir / ".storage" / "onboarding").exists()
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(CONFIGURATION, encoding="utf-8")
        # The IOTpy entry's default folder, with the example device files, so that its flow can finish.
        examples = ROOT / "tools" / "iotpy_devices"
        shutil.copytree(examples, self.config_dir / "pyiot_devices", dirs_exist_ok=True)
        link = self.config_dir / "custom_components"
        if not link.exists():
            link.symlink_to(ROOT / "custom_components")
        if not self.port:
            # A port the kernel picks: several test runs on one machine (helpers, CI) start HA at once,
            # and a fixed preferred port is free to all of them until the first HA binds it.
            self.port = kernel_port()
            seed_http_settings(self.config_dir, self.port)
        output = (self.config_dir / "hass.out").open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [str(ROOT / ".venv/bin/hass"), "--config", str(self.config_dir), "--skip-pip"],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.api = HomeAssistant(self.url)
        self.api.wait_http(STARTUP_TIMEOUT, self.alive)
        if fresh:
            self.api.onboard(USERNAME, PASSWORD)
        else:
            self.api.login(USERNAME, PASSWORD)
        self.api.wait_running(STARTUP_TIMEOUT, self.alive)

    def alive(self) -> bool:
        """Whether `hass` still runs."""
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Stop `hass` (SIGTERM, then SIGKILL after a minute); the config dir stays for a restart."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port and config (for "survives a restart" tests)."""
        self.stop()
        self.start()

    # --- REST helpers ---------------------------------------------------------------------------

    def state(self, entity_id: str) -> dict[str, Any] | None:
        """The state object of one entity."""
        return self.api.state(entity_id)

    def call(self, domain: str, service: str, data: dict[str, Any]) -> Any:
        """Call an action."""
        return self.api.request("POST", f"/api/services/{domain}/{service}", data)

    def wait_for(self, what: str, probe: Any, timeout: float = 60.0, interval: float = 0.5) -> Any:
        """Poll `probe()` until it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(ApiError, OSError):
                if value := probe():
                    return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(interval)

    def pyiot_entities(self) -> list[str]:
        """Entity ids of PyIoT."""
        return list(json.loads(self.api.template("{{ integration_entities('pyiot') | list | tojson }}")))

    def add_demo_zone(self) -> str:
        """The thermostat zone of the browser tests (added once); its climate entity id."""
        if not any(entry.get("title") == DEMO_ZONE for entry in self.api.entries("pyiot")):
            self.wait_for(ROOM_SENSOR, lambda: self.state(ROOM_SENSOR))
            result = self.api.flow(
                "pyiot",
                {"next_step_id": "thermostat"},
                {"name": DEMO_ZONE, "heaters": [HEATER], "coolers": [], "sensors": [ROOM_SENSOR]},
                {"weight_1": 1.0},
                DEMO_TUNING | {"optimum_start": False},
                {"cold_tolerance": 0.3, "hot_tolerance": 0.3},
            )
            assert result.get("type") == "create_entry", result

        def climate() -> str | None:
            found = [entity for entity in self.pyiot_entities() if entity.startswith("climate.")]
            return found[0] if found else None

        return str(self.wait_for("the demo zone's climate entity", climate))

    def log_errors(self) -> list[str]:
        """ERROR and CRITICAL lines of HA's log that concern PyIoT."""
        if not self.log.exists():
            return []
        return [
            line
            for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines()
            if (" ERROR " in line or " CRITICAL " in line) and "pyiot" in line
        ]


def chromium_available() -> bool:
    """Whether Debian's chromium is installed (scripts/setup installs it)."""
    return Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is not None


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's chromium, headless, with the flags this machine needs (no browser download)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


NAVIGATION_ATTEMPTS = 3


def navigate(page: Page, url: str) -> None:
    """`page.goto(url)`, again when the frontend's own navigation aborted it.

    The frontend navigates by itself at times (to the integration's page once a flow created an
    entry, for one): a `goto` racing it fails with net::ERR_ABORTED though nothing is wrong.
    """
    for attempt in range(NAVIGATION_ATTEMPTS):
        try:
            page.goto(url)
        except PlaywrightError as error:
            if "ERR_ABORTED" not in str(error) or attempt == NAVIGATION_ATTEMPTS - 1:
                raise
            page.wait_for_load_state()
        else:
            return


def log_in(page: Page, ha: HaInstance) -> None:
    """Log in through HA's own login page, as a user does."""
    navigate(page, ha.url + "/")
    page.get_by_role("textbox", name="Username").fill(USERNAME)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_function("() => document.querySelector('home-assistant')?.hass?.connected === true")


def call_ws(page: Page, message: dict[str, Any]) -> Any:
    """Send a websocket command through the logged-in frontend's own connection."""
    return page.evaluate(
        "(message) => document.querySelector('home-assistant').hass.callWS(message)", message
    )


def wait_for_frontend(page: Page) -> None:
    """Wait until the frontend has its hass object and translations."""
    page.wait_for_function("() => document.querySelector('home-assistant')?.hass?.localize !== undefined")


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def translation_problems(text: str) -> list[str]:
    """What in rendered text shows a broken translation: ICU errors and raw translation keys."""
    problems = []
    if "Translation error" in text:
        problems.append("Translation error")
    if "MISSING" in text:  # the frontend's mark of a placeholder the step did not fill
        problems.append("MISSING value")
    problems.extend(f"raw placeholder {name}" for name in RAW_PLACEHOLDER.findall(text))
    if "`" in text:  # markdown shown as it is: a form's errors, labels and menu options are plain text
        problems.append("raw markdown backtick")
    markers = (
        "component.pyiot.",
        "config.step.",
        "options.step.",
        "[%key:",
        "data_description.",
        "ui.panel.",
    )
    problems.extend(f"raw key {marker}" for marker in markers if marker in text)
    return problems


@contextlib.contextmanager
def sockets_allowed() -> Iterator[None]:
    """Sockets on for the session's fixtures (pytest-socket turns them off again for every test)."""
    import pytest_socket  # noqa: PLC0415 - only the test run has it

    pytest_socket.enable_socket()
    try:
        yield
    finally:
        pytest_socket.socket_allow_hosts(["127.0.0.1"])
        pytest_socket.disable_socket(allow_unix_socket=True)


def save_dashboard(page: Page, url_path: str, title: str, cards: list[dict[str, Any]]) -> str:
    """Create (once) a storage-mode dashboard and give it one view with `cards`; its URL path."""
    dashboards = call_ws(page, {"type": "lovelace/dashboards/list"})
    if not any(dashboard["url_path"] == url_path for dashboard in dashboards):
        call_ws(
            page,
            {
                "type": "lovelace/dashboards/create",
                "url_path": url_path,
                "title": title,
                "mode": "storage",
                "require_admin": False,
                "show_in_sidebar": True,
            },
        )
    config = {"views": [{"title": title, "cards": cards}]}
    call_ws(page, {"type": "lovelace/config/save", "url_path": url_path, "config": config})
    return f"/{url_path}/0"


def show_dashboard(
    page: Page, ha: HaInstance, cards: list[dict[str, Any]], url_path: str = "pyiot-browser"
) -> None:
    """Put `cards` on the test dashboard and open it (the schedule card's tests use it the same way).

    E.g. `show_dashboard(page, ha, [{"type": "custom:pyiot-schedule-card", "entity": climate}])`, then
    `page.locator("pyiot-schedule-card")`; websocket commands go through `call_ws(page, {...})` and a
    restart of HA through `ha.restart()` (same port, config and login).
    """
    if not page.url.startswith(ha.url):
        navigate(page, ha.url + "/")
    wait_for_frontend(page)
    path = save_dashboard(page, url_path, "PyIoT", cards)
    navigate(page, ha.url + path)


@contextlib.contextmanager
def simulator(module: str, *args: str, ready: str, name: str = "") -> Iterator[Path]:
    """`python -m tools.simulators.<module> *args` until the context ends, once its log says `ready`.

    Its output (stderr included) goes to artifacts/<name or module>.log, the path returned.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"{name or module}.log"
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", f"tools.simulators.{module}", *args],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while ready not in log.read_text(encoding="utf-8"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{module} did not start:\n{log.read_text(encoding='utf-8')}")
                time.sleep(0.2)
            yield log
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
