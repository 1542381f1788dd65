"""The Python half of `scripts/develop`: what is easier over HTTP and JSON than in bash.

Standard library only (it runs with `.venv/bin/python` before and while Home Assistant runs):

    python -m tools.develop requirements CONFIG_DIR     requirements of the integrations HA will load
    python -m tools.develop free-port PREFERRED         PREFERRED if free on 127.0.0.1, else a free one
    python -m tools.develop wait-port PORT              wait until something listens on 127.0.0.1:PORT
    python -m tools.develop credentials FILE            create FILE (user `dev`) once, print its values
    python -m tools.develop ha-port CONFIG_DIR          the port HA will listen on
    python -m tools.develop seed-http CONFIG_DIR PORT   before the first start: HA on 127.0.0.1:PORT
    python -m tools.develop set-mqtt CONFIG_DIR ...     point the stored MQTT entry at our broker (HA stopped)
    python -m tools.develop simulators --mqtt-port P   the simulators of every system: name, module, args
    python -m tools.develop provision URL ...           onboard the owner, add the MQTT and PyIoT entries
    python -m tools.develop check URL ...               end-to-end check of a running instance

`provision` and `check` talk to HA's onboarding, auth and REST APIs only, like the frontend does.
"""

import argparse
from collections import Counter
from collections.abc import Callable, Iterable
import contextlib
import json
import os
from pathlib import Path
import re
import secrets
import socket
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

from tools.develop_systems import DEV_SYSTEMS, flow_outcome, saved_settings, settings

USERNAME = "dev"
OWNER_NAME = "PyIoT Developer"
LANGUAGE = "en"
MQTT_HOST = "127.0.0.1"
DOMAIN = "pyiot"
HTTP_TIMEOUT = 30.0


def say(message: str) -> None:
    """Progress on stderr, in the style of scripts/develop."""
    prefix = "\033[1;34m[develop]\033[0m" if sys.stderr.isatty() else "[develop]"
    print(f"{prefix} {message}", file=sys.stderr, flush=True)


# --- requirements -------------------------------------------------------------------------------


def configured_domains(configuration_yaml: Path) -> set[str]:
    """Top-level keys of configuration.yaml (`homeassistant:` is the core, not an integration)."""
    keys = re.findall(r"^([a-z0-9_]+):", configuration_yaml.read_text(encoding="utf-8"), re.MULTILINE)
    return set(keys) - {"homeassistant"}


def onboarding_integrations(components: Path) -> list[str]:
    """The integrations HA's onboarding adds when the location step (`core_config`) is done."""
    views = (components / "onboarding" / "views.py").read_text(encoding="utf-8")
    found = re.search(r"onboard_integrations = \[(.*?)\]", views, re.DOTALL)
    return re.findall(r'"([a-z0-9_]+)"', found.group(1)) if found else []


def _manifest(components: Path, domain: str) -> dict[str, Any] | None:
    path = components / domain / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def runtime_requirements(config_dir: Path, custom_components: Path) -> list[str]:
    """Requirements of every integration HA loads with this config dir and our custom integrations.

    That is the configured domains, the ones HA always loads, our integrations' dependencies and
    entity platforms, and everything they depend on, transitively.
    """
    from homeassistant import bootstrap, components  # noqa: PLC0415 - only this command needs HA

    builtin = Path(components.__file__).parent
    wanted = configured_domains(config_dir / "configuration.yaml")
    wanted |= bootstrap.CORE_INTEGRATIONS | bootstrap.DEFAULT_INTEGRATIONS
    # Onboarding adds these (provision removes them again, but they are set up meanwhile).
    wanted |= set(onboarding_integrations(builtin))
    requirements: set[str] = set()
    for manifest_path in sorted(custom_components.glob("*/manifest.json")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        requirements.update(manifest.get("requirements", []))
        wanted.update(manifest.get("dependencies", []))
        # Entity platforms (sensor.py, switch.py, ...) load the entity integration of that name.
        wanted.update(p.stem for p in manifest_path.parent.glob("*.py") if (builtin / p.stem).is_dir())
    seen: set[str] = set()
    while wanted:
        domain = wanted.pop()
        if domain in seen:
            continue
        seen.add(domain)
        if (manifest := _manifest(builtin, domain)) is None:
            continue
        requirements.update(manifest.get("requirements", []))
        wanted.update(manifest.get("dependencies", []))
    return sorted(requirements, key=str.lower)


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def keep_installed_constraints() -> list[str]:
    """Constraints that install new packages at HA's pins but never change an installed one.

    The venv is the test venv too: its versions (pinned by pytest-homeassistant-custom-component)
    win over HA's package_constraints.txt, which pins a few packages for HA's Docker images only.
    """
    from importlib import metadata  # noqa: PLC0415

    import homeassistant  # noqa: PLC0415

    installed = {_normalized(d.metadata["Name"]): d.version for d in metadata.distributions()}
    lines = [f"{name}=={version}" for name, version in sorted(installed.items())]
    ha_constraints = Path(homeassistant.__file__).parent / "package_constraints.txt"
    for raw in ha_constraints.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
        if name and _normalized(name.group()) not in installed:
            lines.append(line)
    return lines


# --- ports and files ----------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    """Whether nothing listens on `port` (of any address) and we may bind 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do, so that a port in TIME_WAIT after our last run counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(preferred: int) -> int:
    """`preferred` if free, else the next free port above it, else one the kernel picks."""
    for port in range(preferred, min(preferred + 50, 65536)):
        if port_is_free(port):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float) -> bool:
    """Wait until something accepts connections on 127.0.0.1:`port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def read_credentials(path: Path) -> dict[str, str]:
    """`key=value` lines of the credentials file."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def ensure_credentials(path: Path) -> dict[str, str]:
    """The dev login, generated once (random password) and kept in `path` (mode 600)."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(12)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(f"username={USERNAME}\npassword={password}\n")
    return read_credentials(path)


def ha_port(config_dir: Path) -> int:
    """The port HA will listen on: its stored HTTP settings (set in the UI), else 8123."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        data = json.loads((config_dir / ".storage" / "http").read_text(encoding="utf-8"))["data"]
        if "server_port" in data:  # version 1, as seeded by seed_http_settings
            return int(data["server_port"])
        for slot in ("pending", "stable"):
            if data.get(slot) and not data[slot].get("error"):
                return int(data[slot]["server_port"])
    return 8123


def seed_http_settings(config_dir: Path, port: int, host: str = "127.0.0.1") -> bool:
    """Before HA's first start: let it listen on `host`:`port` only (default: every address, 8123).

    Since 2026 HA keeps its HTTP settings in `.storage/http` (edited in the UI) and imports `http:`
    YAML only once, as a trial. A version 1 store is the plain settings dict; HA migrates it through
    its own schema on load. An existing store (the user's settings) is left alone.
    """
    path = config_dir / ".storage" / "http"
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = {"server_host": [host], "server_port": port}
    store = {"version": 1, "minor_version": 1, "key": "http", "data": settings}
    path.write_text(json.dumps(store, indent=2), encoding="utf-8")
    return True


def set_mqtt_broker(config_dir: Path, old_port: int | None, port: int, protocol: str | None) -> bool:
    """Point the stored MQTT entries of our broker (at `old_port`) at `port`; only while HA is stopped.

    `protocol` (e.g. "3.1.1" for amqtt, which has no MQTT 5) is set too when given.
    """
    path = config_dir / ".storage" / "core.config_entries"
    if not path.is_file():
        return False
    store = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for entry in store.get("data", {}).get("entries", []):
        data = entry.get("data", {})
        ours = data.get("broker") in {MQTT_HOST, "localhost"} and data.get("port") in {old_port, port}
        if entry.get("domain") != "mqtt" or not ours:
            continue
        wanted = {"port": port} | ({"protocol": protocol} if protocol else {})
        if any(data.get(key) != value for key, value in wanted.items()):
            data.update(wanted)
            changed = True
    if changed:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(store, indent=2), encoding="utf-8")
        tmp.replace(path)
    return changed


# --- Home Assistant's HTTP APIs -----------------------------------------------------------------


class ApiError(Exception):
    """An HTTP error answer of Home Assistant."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        """Keep what went wrong."""
        super().__init__(f"{method} {path} -> HTTP {status}: {body[:300]}")
        self.status = status


class HomeAssistant:
    """A client of one Home Assistant instance, logged in as the frontend would be."""

    def __init__(self, url: str) -> None:
        """Talk to `url` (http://host:port)."""
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {url}")
        self.url = url.rstrip("/")
        self.client_id = f"{self.url}/"
        self.token: str | None = None
        self._refresh_token: str | None = None

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        form: dict[str, str] | None = None,
        timeout: float = HTTP_TIMEOUT,
        raw: bool = False,
    ) -> Any:
        """The decoded JSON answer (text if `raw` or not JSON) of one request; ApiError on HTTP errors."""
        headers = {"Accept": "application/json"}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        # The scheme is checked in __init__.
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                text = response.read().decode()
        except urllib.error.HTTPError as err:
            raise ApiError(method, path, err.code, err.read().decode(errors="replace")) from None
        if raw:
            return text
        try:
            return json.loads(text)
        except ValueError:
            return text

    def wait_http(self, timeout: float, alive: Callable[[], bool] = lambda: True) -> None:
        """Wait until HA's HTTP server answers (any status); `alive` false means HA exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not alive():
                raise SystemExit("Home Assistant exited during startup; see its log above")
            try:
                self.request("GET", "/api/onboarding", timeout=5)
            except ApiError:
                return
            except OSError:
                time.sleep(0.5)
                continue
            return
        raise SystemExit(f"Home Assistant did not answer on {self.url} within {timeout:.0f} s")

    def wait_running(self, timeout: float, alive: Callable[[], bool] = lambda: True) -> None:
        """Wait until HA has finished starting (needs a token)."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(ApiError, OSError):
                if self.request("GET", "/api/config").get("state") == "RUNNING":
                    return
            if not alive():
                raise SystemExit("Home Assistant exited during startup; see its log above")
            if time.monotonic() > deadline:
                say(f"Home Assistant is still starting after {timeout:.0f} s")
                return
            time.sleep(0.5)

    def onboarding_todo(self) -> list[str]:
        """Onboarding steps not done yet (the views are gone once all are done)."""
        try:
            steps = self.request("GET", "/api/onboarding")
        except ApiError as err:
            if err.status == 404:
                return []
            raise
        return [step["step"] for step in steps if not step["done"]]

    def _token_from_code(self, code: str) -> None:
        tokens = self.request(
            "POST",
            "/auth/token",
            form={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        )
        self.token = tokens["access_token"]
        self._refresh_token = tokens["refresh_token"]

    def logout(self) -> None:
        """Revoke our refresh token, so that runs do not pile up sessions in the user's profile."""
        if self._refresh_token:
            with contextlib.suppress(ApiError, OSError):
                self.request("POST", "/auth/revoke", form={"token": self._refresh_token})
        self.token = self._refresh_token = None

    def onboard(self, username: str, password: str) -> None:
        """Do every open onboarding step: the owner, location defaults, analytics, the integration step.

        The owner step answers an auth code for the new user; the other steps need its token.
        """
        todo = self.onboarding_todo()
        if "user" in todo:
            answer = self.request(
                "POST",
                "/api/onboarding/users",
                {
                    "client_id": self.client_id,
                    "name": OWNER_NAME,
                    "username": username,
                    "password": password,
                    "language": LANGUAGE,
                },
            )
            self._token_from_code(answer["auth_code"])
            say(f"onboarding: created the owner `{username}`")
        else:
            self.login(username, password)
        for step in ("core_config", "analytics", "integration"):
            if step not in todo:
                continue
            body: dict[str, Any] = {}
            if step == "integration":
                body = {"client_id": self.client_id, "redirect_uri": f"{self.url}/?auth_callback=1"}
            self.request("POST", f"/api/onboarding/{step}", body)
        if todo:
            say("onboarding: done")
        if "core_config" in todo:
            self.remove_onboarding_suggestions()

    def remove_onboarding_suggestions(self, settle: float = 5.0, timeout: float = 20.0) -> None:
        """Remove the entries onboarding adds in the background (weather, radio, TTS, shopping list).

        They need the internet and nothing of PyIoT uses them; without them the dev log stays quiet.
        """
        removed: list[str] = []
        deadline = time.monotonic() + timeout
        last_seen = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - last_seen < settle:
            for entry in self.request("GET", "/api/config/config_entries/entry"):
                if entry.get("source") == "onboarding":
                    self.request("DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}")
                    removed.append(entry["domain"])
                    last_seen = time.monotonic()
            time.sleep(0.5)
        if removed:
            say(f"onboarding: removed the entries it suggests ({', '.join(sorted(removed))})")

    def login(self, username: str, password: str) -> None:
        """Log in through the login flow of the `homeassistant` auth provider."""
        flow = self.request(
            "POST",
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{self.url}/?auth_callback=1",
            },
        )
        result = self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": self.client_id, "username": username, "password": password},
        )
        if result.get("type") != "create_entry":
            raise SystemExit(f"cannot log in as {username}: {result.get('errors') or result}")
        self._token_from_code(result["result"])

    def entries(self, domain: str) -> list[dict[str, Any]]:
        """Config entries of `domain`."""
        return list(self.request("GET", f"/api/config/config_entries/entry?domain={domain}"))

    def flow(self, handler: str, *steps: dict[str, Any]) -> dict[str, Any]:
        """Start a user config flow of `handler` and submit `steps` one by one; the last answer."""
        result: dict[str, Any] = self.request(
            "POST", "/api/config/config_entries/flow", {"handler": handler, "show_advanced_options": False}
        )
        for user_input in steps:
            if result.get("type") not in {"form", "menu"}:
                break
            result = self.request("POST", f"/api/config/config_entries/flow/{result['flow_id']}", user_input)
        return result

    def options_flow(self, entry_id: str, *steps: dict[str, Any]) -> dict[str, Any]:
        """Open the options flow of entry `entry_id` and submit `steps` one by one; the last answer.

        A flow that did not finish is closed again, as the frontend does when its dialog is closed.
        """
        base = "/api/config/config_entries/options/flow"
        result: dict[str, Any] = self.request(
            "POST", base, {"handler": entry_id, "show_advanced_options": False}
        )
        try:
            for user_input in steps:
                if result.get("type") not in {"form", "menu"}:
                    break
                result = self.request("POST", f"{base}/{result['flow_id']}", user_input)
        finally:
            if result.get("type") in {"form", "menu"}:
                with contextlib.suppress(ApiError):
                    self.request("DELETE", f"{base}/{result['flow_id']}")
        return result

    def template(self, template: str) -> str:
        """Render a template (the REST way to ask which entities an integration has)."""
        return str(self.request("POST", "/api/template", {"template": template}, raw=True))

    def state(self, entity_id: str) -> dict[str, Any] | None:
        """The state object of one entity, or None."""
        try:
            return dict(self.request("GET", f"/api/states/{entity_id}"))
        except ApiError as err:
            if err.status == 404:
                return None
            raise


def add_mqtt_entry(ha: HomeAssistant, port: int, protocol: str) -> None:
    """Add HA's MQTT entry for our broker unless one exists."""
    if ha.entries("mqtt"):
        say("MQTT: an entry exists already")
        return
    settings = {"set_client_cert": False, "set_ca_cert": "off", "transport": "tcp"}
    broker = {"broker": MQTT_HOST, "port": port, "protocol": protocol, "other_settings": settings}
    result = ha.flow("mqtt", broker)
    say(f"MQTT broker {MQTT_HOST}:{port}: {flow_outcome(result)}")
    if result.get("type") != "create_entry":
        raise SystemExit("could not add the MQTT entry")


def wait_until[T](what: str, timeout: float, probe: Callable[[], T | None], interval: float = 1.0) -> T:
    """What `probe` returns once it returns something (API errors count as nothing yet)."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(ApiError, OSError):
            if (value := probe()) is not None:
                return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def check(ha: HomeAssistant, timeout: float) -> None:
    """PyIoT shows a numeric temperature of a simulated node, and its LED switch follows commands."""
    entity_ids = "{{ integration_entities('pyiot') | list | tojson }}"

    def pyiot_entities() -> list[str]:
        return list(json.loads(ha.template(entity_ids)))

    def temperature() -> tuple[str, str] | None:
        for entity_id in pyiot_entities():
            if entity_id.startswith("sensor.") and "temperature" in entity_id:
                state = ha.state(entity_id)
                if state and _is_number(state["state"]):
                    return entity_id, f"{state['state']} {state['attributes'].get('unit_of_measurement', '')}"
        return None

    sensor, value = wait_until("a numeric sensor.*temperature* entity of PyIoT", timeout, temperature)
    say(f"check: {sensor} = {value}")
    devices = ha.template("{{ integration_entities('pyiot') | map('device_id') | unique | list | count }}")
    say(f"check: PyIoT has {len(pyiot_entities())} entities on {devices} devices")

    def led_switch() -> str | None:
        switches = [e for e in pyiot_entities() if e.startswith("switch.")]
        return next((e for e in switches if "led" in e), switches[0] if switches else None)

    switch = wait_until("a switch entity of PyIoT", timeout, led_switch)
    for service, wanted in (("turn_on", "on"), ("turn_off", "off")):
        ha.request("POST", f"/api/services/switch/{service}", {"entity_id": switch})

        def reached(wanted: str = wanted) -> str | None:
            state = ha.state(switch)
            return state["state"] if state and state["state"] == wanted else None

        wait_until(f"{switch} to be {wanted}", 30, reached, interval=0.25)
        say(f"check: switch.{service} -> {switch} is {wanted}")

    if len(ha.entries(DOMAIN)) > 1:
        check_zone(ha, timeout, pyiot_entities)
    check_entries_loaded(ha)
    check_every_entry_shows_values(ha, timeout)


def check_entries_loaded(ha: HomeAssistant) -> None:
    """Every PyIoT entry (one per simulated system, and the zone) set up."""

    def entries_loaded() -> list[str] | None:
        entries = ha.entries(DOMAIN)
        return [entry["title"] for entry in entries] if all(e["state"] == "loaded" for e in entries) else None

    titles = wait_until("every PyIoT entry to load", 60, entries_loaded)
    say(f"check: every PyIoT entry is loaded: {', '.join(titles)}")


LIVE_ENTITIES_PER_ENTRY = (
    "{{ integration_entities('pyiot') | reject('is_state', ['unknown', 'unavailable'])"
    " | map('config_entry_id') | list | tojson }}"
)


def check_every_entry_shows_values(ha: HomeAssistant, timeout: float) -> None:
    """Every PyIoT entry has at least one entity with a live state: each simulated system is wired."""
    titles = {entry["entry_id"]: entry["title"] for entry in ha.entries(DOMAIN)}

    def live_per_entry() -> dict[str, int] | None:
        live = Counter(json.loads(ha.template(LIVE_ENTITIES_PER_ENTRY)))
        return {titles[e]: live[e] for e in titles} if all(live[e] for e in titles) else None

    try:
        counts = wait_until("every PyIoT entry to show values", timeout, live_per_entry)
    except TimeoutError as err:
        live = Counter(json.loads(ha.template(LIVE_ENTITIES_PER_ENTRY)))
        silent = ", ".join(title for entry_id, title in titles.items() if not live[entry_id])
        raise TimeoutError(f"{err}; no live entity in: {silent}") from err
    say("check: every PyIoT entry shows values: " + ", ".join(f"{t} {n}" for t, n in counts.items()))


def check_zone(ha: HomeAssistant, timeout: float, pyiot_entities: Callable[[], list[str]]) -> None:
    """The demo thermostat zone shows the aggregate of the simulated temperatures."""

    def zone() -> str | None:
        for entity_id in pyiot_entities():
            state = ha.state(entity_id) if entity_id.startswith("climate.") else None
            if state and state["attributes"].get("current_temperature") is not None:
                attributes = state["attributes"]
                return f"{entity_id}: {attributes['current_temperature']} °C, {attributes.get('hvac_action')}"
        return None

    say(f"check: {wait_until('the demo thermostat zone to have a temperature', timeout, zone)}")


# --- command line -------------------------------------------------------------------------------


def _alive(pid: int | None) -> Callable[[], bool]:
    def alive() -> bool:
        if pid is None:
            return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    return alive


def _print_lines(lines: Iterable[str]) -> None:
    for line in lines:
        print(line)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point of scripts/develop's helpers."""
    parser = argparse.ArgumentParser(prog="python -m tools.develop", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("requirements")
    cmd.add_argument("config_dir", type=Path)
    cmd.add_argument("--custom-components", type=Path, default=Path("custom_components"))
    cmd.add_argument("--constraints", type=Path, help="write pip constraints that keep installed versions")
    cmd = commands.add_parser("free-port")
    cmd.add_argument("preferred", type=int)
    cmd = commands.add_parser("wait-port")
    cmd.add_argument("port", type=int)
    cmd.add_argument("--timeout", type=float, default=15)
    cmd = commands.add_parser("credentials")
    cmd.add_argument("file", type=Path)
    cmd = commands.add_parser("ha-port")
    cmd.add_argument("config_dir", type=Path)
    cmd = commands.add_parser("seed-http")
    cmd.add_argument("config_dir", type=Path)
    cmd.add_argument("port", type=int)
    cmd = commands.add_parser("set-mqtt")
    cmd.add_argument("config_dir", type=Path)
    cmd.add_argument("--old-port", type=int)
    cmd.add_argument("--port", type=int, required=True)
    cmd.add_argument("--protocol", help="MQTT protocol version of the broker, e.g. 3.1.1")
    for name in ("provision", "check"):
        cmd = commands.add_parser(name)
        cmd.add_argument("url")
        cmd.add_argument("--credentials", type=Path, required=True)
        cmd.add_argument("--hass-pid", type=int, help="give up when this process exits")
        cmd.add_argument("--timeout", type=float, default=180)
    provision = commands.choices["provision"]
    provision.add_argument("--onboard", action="store_true", help="do the open onboarding steps")
    provision.add_argument("--mqtt-port", type=int, help="add the MQTT entry for this local broker port")
    provision.add_argument("--mqtt-protocol", default="5", help="MQTT protocol version of the broker")
    provision.add_argument("--pyiot", action="store_true", help="add the PyIoT entries of every system")
    cmd = commands.add_parser("simulators")
    for parser_ in (provision, cmd):
        parser_.add_argument("--dev-dir", type=Path, default=Path(".develop"), help="state directory")
        parser_.add_argument("--nodes", type=int, default=3, help="simulated Pyaiot MQTT nodes")
    cmd.add_argument("--mqtt-port", type=int, required=True)
    provision.add_argument("--config-dir", type=Path, help="Home Assistant's configuration folder")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    match args.command:
        case "requirements":
            _print_lines(runtime_requirements(args.config_dir, args.custom_components))
            if args.constraints:
                args.constraints.write_text("\n".join(keep_installed_constraints()) + "\n", encoding="utf-8")
        case "credentials" | "seed-http" | "set-mqtt":
            _files(args)
        case "free-port" | "ha-port" | "wait-port":
            return _ports(args)
        case "simulators":
            _simulators(args)
        case "provision":
            return _provision(args)
        case "check":
            return _check(args)
    return 0


def _files(args: argparse.Namespace) -> None:
    if args.command == "credentials":
        credentials = ensure_credentials(args.file)
        _print_lines(f"{key}={value}" for key, value in credentials.items())
    elif args.command == "seed-http":
        if seed_http_settings(args.config_dir, args.port):
            say(f"Home Assistant will listen on 127.0.0.1:{args.port} (Settings > System > Network)")
    elif set_mqtt_broker(args.config_dir, args.old_port, args.port, args.protocol):
        say(f"the MQTT entry now points at the local broker on port {args.port}")


def _ports(args: argparse.Namespace) -> int:
    if args.command == "wait-port":
        return 0 if wait_port(args.port, args.timeout) else 1
    print(free_port(args.preferred) if args.command == "free-port" else ha_port(args.config_dir))
    return 0


def _provision(args: argparse.Namespace) -> int:
    ha = HomeAssistant(args.url)
    try:
        return _provision_with(ha, args)
    finally:
        ha.logout()


def add_pyiot_entries(ha: HomeAssistant, args: argparse.Namespace) -> None:
    """Add every system's PyIoT entries for its simulated devices, as a user would."""
    chosen = saved_settings(args.dev_dir, args.mqtt_port or 0, args.nodes, args.config_dir)
    for system in DEV_SYSTEMS:
        say(f"PyIoT ({system.name}): {system.provision(ha, chosen, args.timeout)}")


def _simulators(args: argparse.Namespace) -> None:
    chosen = settings(args.dev_dir, args.mqtt_port, args.nodes, free_port)
    for system in DEV_SYSTEMS:
        for simulator in system.simulators(chosen):
            print("\t".join((simulator.name, simulator.module, *simulator.args)))


def _provision_with(ha: HomeAssistant, args: argparse.Namespace) -> int:
    credentials = read_credentials(args.credentials)
    ha.wait_http(args.timeout, _alive(args.hass_pid))
    if args.onboard:
        try:
            ha.onboard(credentials["username"], credentials["password"])
            if args.mqtt_port:
                add_mqtt_entry(ha, args.mqtt_port, args.mqtt_protocol)
            if args.pyiot:
                add_pyiot_entries(ha, args)
        except ApiError as err:
            say(f"provisioning failed: {err}")
            return 1
    else:
        try:
            ha.login(credentials["username"], credentials["password"])
        except (ApiError, SystemExit) as err:
            say(f"cannot log in as {credentials['username']} ({err}); not waiting for the startup to finish")
            return 0
    ha.wait_running(args.timeout, _alive(args.hass_pid))
    return 0


def _check(args: argparse.Namespace) -> int:
    credentials = read_credentials(args.credentials)
    ha = HomeAssistant(args.url)
    ha.wait_http(args.timeout, _alive(args.hass_pid))
    ha.login(credentials["username"], credentials["password"])
    try:
        check(ha, args.timeout)
    except (TimeoutError, ApiError) as err:
        say(f"check FAILED: {err}")
        return 1
    finally:
        ha.logout()
    say("check passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
