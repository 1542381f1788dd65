"""The simulated devices of every system that `scripts/develop` starts, and how it pre-wires them.

Standard library only, like `tools.develop` (but for the dashboard's websocket commands). Each
`DevSystem` names the ports it needs (chosen once, kept in `.develop/ports.json` so that entries stay
right across runs), the simulators scripts/develop starts in the background (and stops with it), and
`provision`: the config flows a user would submit, through Home Assistant's REST API. Systems are
provisioned in order (the demo zone needs the simulated temperatures of the systems before it).

To add a system: a `DevSystem` in `DEV_SYSTEMS`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
import json
from pathlib import Path
import shutil
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.develop import HomeAssistant

DOMAIN = "pyiot"
PORTS_FILE = "ports.json"


@dataclass(frozen=True, kw_only=True, slots=True)
class Simulator:
    """A process scripts/develop keeps running: `python -m <module> <args>`."""

    name: str
    module: str
    args: tuple[str, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """What the systems' simulators and entries are set up with."""

    mqtt_port: int
    nodes: int
    ports: dict[str, int]
    config_dir: Path | None = None
    """Home Assistant's configuration folder (known when provisioning)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class DevSystem:
    """One system in scripts/develop."""

    name: str
    ports: dict[str, int]
    """Ports it needs, by name, with the preferred number of each."""
    simulators: Callable[[Settings], list[Simulator]]
    provision: Callable[[HomeAssistant, Settings, float], str]
    """Adds the system's entries (unless they exist); what it did, in a few words."""


def entry_titles(ha: HomeAssistant) -> set[str]:
    """Titles of the PyIoT entries."""
    return {str(entry.get("title")) for entry in ha.entries(DOMAIN)}


def flow_outcome(result: dict[str, Any]) -> str:
    """A flow's last answer in a few words."""
    if result.get("type") == "create_entry":
        return f"added entry `{result.get('title')}`"
    if result.get("type") == "abort":
        return f"aborted: {result.get('reason')}"
    return f"stopped at step {result.get('step_id')}: {result.get('errors') or result.get('type')}"


# --- Pyaiot nodes over MQTT -----------------------------------------------------------------------

PYAIOT_MQTT_TITLE = "Pyaiot MQTT nodes"


def _pyaiot_mqtt_simulators(settings: Settings) -> list[Simulator]:
    return [
        Simulator(
            name="pyaiot-mqtt",
            module="tools.simulators.pyaiot_mqtt_node",
            args=("--host", "127.0.0.1", "--port", str(settings.mqtt_port), "--nodes", str(settings.nodes)),
        )
    ]


def _provision_pyaiot_mqtt(ha: HomeAssistant, settings: Settings, timeout: float) -> str:
    if PYAIOT_MQTT_TITLE in entry_titles(ha):
        return "the entry exists already"
    result = ha.flow(DOMAIN, {"next_step_id": "pyaiot_mqtt"}, {})
    if result.get("type") != "create_entry":
        raise SystemExit(f"could not add the Pyaiot MQTT entry: {flow_outcome(result)}")
    return flow_outcome(result)


# --- FmPyIOT devices over MQTT ----------------------------------------------------------------------

FMPYIOT_TITLE = "FmPyIOT MQTT devices"


FMPYIOT_DEVICES = 2
FMPYIOT_WEB_LOGIN = {"username": "admin", "password": "secret"}  # the simulator's (upstream's example)


def _fmpyiot_simulators(settings: Settings) -> list[Simulator]:
    return [
        Simulator(
            name="fmpyiot-devices",
            module="tools.simulators.fmpyiot_node",
            args=(
                "--host", "127.0.0.1", "--port", str(settings.mqtt_port), "--devices", str(FMPYIOT_DEVICES),
                "--web-port", str(settings.ports["fmpyiot_web"]),
            ),
        )
    ]  # fmt: skip


def _fmpyiot_mac(index: int) -> str:
    """The MAC of simulated device `index` (`tools.simulators.fmpyiot_device.make_device`)."""
    return "28:cd:c1:{:02x}:{:02x}:{:02x}".format(*(index + 1).to_bytes(3, "big"))


def _provision_fmpyiot(ha: HomeAssistant, settings: Settings, timeout: float) -> str:
    """The entry, then each device's web API in its options (device `i` serves on the web port + `i`)."""
    from tools.develop import wait_until  # noqa: PLC0415 - tools.develop imports this module

    if FMPYIOT_TITLE in entry_titles(ha):
        return "the entry exists already"
    outcome = flow_outcome(ha.flow(DOMAIN, {"next_step_id": "fmpyiot_mqtt"}, {}))
    entry_id = next((e["entry_id"] for e in ha.entries(DOMAIN) if e.get("title") == FMPYIOT_TITLE), None)
    if entry_id is None:
        return outcome
    for index in range(FMPYIOT_DEVICES):
        web = {"host": "127.0.0.1", "port": settings.ports["fmpyiot_web"] + index, **FMPYIOT_WEB_LOGIN}
        steps = (
            {"next_step_id": "fmpyiot_device"},
            {"device": _fmpyiot_mac(index)},
            {"next_step_id": "fmpyiot_web"},
            web,
        )

        def configured(steps: tuple[dict[str, Any], ...] = steps) -> bool | None:
            return ha.options_flow(entry_id, *steps).get("type") == "create_entry" or None

        try:
            wait_until(f"FmPyIOT device {index} and its web API", timeout, configured)
        except TimeoutError as err:
            return f"{outcome}; web API of device {index} not set: {err}"
    return f"{outcome}, web API of {FMPYIOT_DEVICES} devices set"


# --- IOTpy device files ---------------------------------------------------------------------------

IOTPY_FOLDER = "pyiot_devices"
IOTPY_EXAMPLES = Path(__file__).parent / "iotpy_devices"


def _provision_iotpy(ha: HomeAssistant, settings: Settings, timeout: float) -> str:
    if settings.config_dir is None:
        return "skipped (no configuration folder given)"
    folder = settings.config_dir / IOTPY_FOLDER
    if not folder.exists():
        shutil.copytree(IOTPY_EXAMPLES, folder)
    if any(str(title).startswith("IOTpy devices") for title in entry_titles(ha)):
        return "the entry exists already"
    return flow_outcome(ha.flow(DOMAIN, {"next_step_id": "iotpy_files"}, {"folder": IOTPY_FOLDER}))


# --- Pyaiot nodes over CoAP and WebSocket, and an existing Pyaiot deployment -------------------------


def _pyaiot_gateway_simulators(settings: Settings) -> list[Simulator]:
    ports = settings.ports
    return [
        Simulator(
            name="pyaiot-coap",
            module="tools.simulators.pyaiot_coap_node",
            args=(
                "--gateway",
                "127.0.0.1",
                "--gateway-port",
                str(ports["pyaiot_coap"]),
                "--bind",
                "127.0.0.1",
                "--port",
                "0",
                "--nodes",
                "2",
                "--uid",
                "dev-coap",
            ),
        ),
        Simulator(
            name="pyaiot-ws",
            module="tools.simulators.pyaiot_ws_node",
            args=("--gateway", "127.0.0.1", "--port", str(ports["pyaiot_ws"]), "--nodes", "2"),
        ),
        Simulator(
            name="pyaiot-broker",
            module="tools.simulators.pyaiot_broker",
            args=("--port", str(ports["pyaiot_broker"]), "--gateways", "1", "--nodes", "2"),
        ),
    ]


def _provision_pyaiot_gateways(ha: HomeAssistant, settings: Settings, timeout: float) -> str:
    ports = settings.ports
    titles = entry_titles(ha)
    done: list[str] = []
    for kind, port, answers in (
        ("pyaiot_coap", ports["pyaiot_coap"], {"port": ports["pyaiot_coap"]}),
        (
            "pyaiot_ws",
            ports["pyaiot_ws"],
            {"port": ports["pyaiot_ws"], "allowed_networks": "127.0.0.0/8", "rate_limit": 5.0},
        ),
        ("pyaiot_broker", ports["pyaiot_broker"], {"url": f"ws://127.0.0.1:{ports['pyaiot_broker']}/ws"}),
    ):
        if any(str(port) in title and "Pyaiot" in title for title in titles):
            done.append(f"{kind}: exists already")
            continue
        done.append(f"{kind}: {flow_outcome(ha.flow(DOMAIN, {'next_step_id': kind}, answers))}")
    return "; ".join(done)


# --- a remote IOTpy server --------------------------------------------------------------------------


def _iotpy_server_simulators(settings: Settings) -> list[Simulator]:
    return [
        Simulator(
            name="iotpy-server",
            module="tools.simulators.iotpy_server",
            args=("--host", "127.0.0.1", "--port", str(settings.ports["iotpy_server"])),
        )
    ]


def _provision_iotpy_server(ha: HomeAssistant, settings: Settings, timeout: float) -> str:
    url = f"http://127.0.0.1:{settings.ports['iotpy_server']}"
    if f"IOTpy server 127.0.0.1:{settings.ports['iotpy_server']}" in entry_titles(ha):
        return "the entry exists already"
    return flow_outcome(ha.flow(DOMAIN, {"next_step_id": "iotpy_server"}, {"url": url, "prefix": ""}))


# --- RPyMostat sensor hosts -------------------------------------------------------------------------


def _rpymostat_simulators(settings: Settings) -> list[Simulator]:
    return [
        Simulator(
            name="rpymostat-hosts",
            module="tools.simulators.rpymostat_host",
            args=("--port", str(settings.ports["rpymostat"]), "--hosts", "2", "--interval", "15"),
        )
    ]


def _provision_rpymostat(ha: HomeAssistant, settings: Settings, timeout: float) -> str:
    port = settings.ports["rpymostat"]
    if f"RPyMostat sensor hosts (port {port})" in entry_titles(ha):
        return "the entry exists already"
    engine = {"port": port, "allowed_networks": "127.0.0.0/8", "rate_limit": 1.0, "advertise": False}
    result = ha.flow(DOMAIN, {"next_step_id": "rpymostat"}, engine)
    return flow_outcome(result)


# --- BLE GATT devices through a simulated ESPHome Bluetooth proxy ------------------------------------

BLE_PERIPHERALS = "env,env,uart"
"""Two environmental sensors (pre-wired) and a Nordic UART left for trying the flow by hand."""
BLE_DEVICES: tuple[tuple[str, str, str], ...] = (
    ("C0:FF:EE:00:00:01", "PyIoT Env", "persistent"),
    ("C0:FF:EE:00:00:02", "PyIoT Env 2", "poll"),
)
"""The pre-wired devices (as the proxy simulator numbers and names them) and their connection policies."""
BLE_PROXY_TITLE = "PyIoT simulated Bluetooth proxy"
FLOWS = "/api/config/config_entries/flow"


def _ble_simulators(settings: Settings) -> list[Simulator]:
    return [
        Simulator(
            name="esphome-ble-proxy",
            module="tools.simulators.esphome_ble_proxy",
            args=("--port", str(settings.ports["ble_proxy"]), "--peripherals", BLE_PERIPHERALS),
        )
    ]


def _provision_ble(ha: HomeAssistant, settings: Settings, timeout: float) -> str:
    """The ESPHome entry of the simulated proxy (it sets up HA's bluetooth), then an entry per device.

    A failure here is reported, not fatal: the other systems do not need HA's esphome and bluetooth.
    """
    from tools.develop import wait_until  # noqa: PLC0415 - tools.develop imports this module

    port = settings.ports["ble_proxy"]
    did = []
    if not any(entry.get("title") == BLE_PROXY_TITLE for entry in ha.entries("esphome")):
        result = ha.flow("esphome", {"host": "127.0.0.1", "port": port})
        if result.get("type") != "create_entry":
            return f"skipped: the ESPHome entry of the simulated proxy was not added ({flow_outcome(result)})"
        did.append(f"ESPHome proxy on port {port}")
    for address, name, mode in BLE_DEVICES:
        if name in entry_titles(ha):
            did.append(f"{name}: the entry exists already")
            continue
        try:
            flow_id = wait_until(f"HA's bluetooth to hear {address}", timeout, partial(_offered, ha, address))
            did.append(f"{name}: {flow_outcome(_add_ble_device(ha, flow_id, address, mode, timeout))}")
        except TimeoutError as err:
            did.append(f"{name}: not added ({err})")
    return "; ".join(did)


def _offered(ha: HomeAssistant, address: str) -> str | None:
    """A flow at the list of devices HA's bluetooth hears, once `address` is in it."""
    result = ha.flow(DOMAIN, {"next_step_id": "ble_gatt"})
    if result.get("step_id") != "ble_gatt":
        return None  # aborted: no device heard yet
    (field,) = result["data_schema"]
    if address in {option["value"] for option in field["selector"]["select"]["options"]}:
        return str(result["flow_id"])
    ha.request("DELETE", f"{FLOWS}/{result['flow_id']}")
    return None


def _add_ble_device(
    ha: HomeAssistant, flow_id: str, address: str, mode: str, timeout: float
) -> dict[str, Any]:
    """Pick the device, wait for the explorer, keep the characteristics it ticks, choose the policy."""
    from tools.develop import wait_until  # noqa: PLC0415 - tools.develop imports this module

    result: dict[str, Any] = ha.request("POST", f"{FLOWS}/{flow_id}", {"address": address})
    if result.get("type") == "progress":
        # GET continues the flow once the exploration (connect, list the GATT) is over.
        result = wait_until(
            f"the GATT explorer of {address}",
            timeout,
            lambda: (
                answer
                if (answer := ha.request("GET", f"{FLOWS}/{flow_id}")).get("type") != "progress"
                else None
            ),
            interval=0.5,
        )
    if result.get("step_id") != "ble_gatt_characteristics":
        ha.request("DELETE", f"{FLOWS}/{flow_id}")
        return result
    return dict(ha.request("POST", f"{FLOWS}/{flow_id}", {"mode": mode, "poll_interval": 60}))


# --- the demo thermostat zone ---------------------------------------------------------------------

DEMO_ZONE = "Demo zone"
DEMO_HEATER = "input_boolean.demo_heater"
MAX_ZONE_SENSORS = 12  # a zone's limit (systems/thermostat/flow_schemas.py)
DEMO_TUNING: dict[str, Any] = {
    "algorithm": "hysteresis",
    "aggregate_method": "weighted_mean",
    "default_temperature": 21.0,
    "stale_minutes": 30,
    "fail_safe": "off",
    "frost_duty": 20,
    "target_temp_step": 0.5,
    "optimum_start": True,
    "protection": {
        "min_on_minutes": 1,
        "min_off_minutes": 1,
        "max_starts_per_hour": 12,
        "max_run_minutes": 0,
    },
    "presets": {"away": 16, "eco": 18, "comfort": 21, "sleep": 18.5, "boost": 23},
}


def _provision_zone(ha: HomeAssistant, settings: Settings, timeout: float) -> str:
    from tools.develop import wait_until  # noqa: PLC0415 - tools.develop imports this module

    if DEMO_ZONE in entry_titles(ha):
        return "the demo zone exists already"
    query = "{{ integration_entities('pyiot') | select('match', 'sensor\\..*temperature') | list | tojson }}"

    def sensors() -> list[str] | None:
        found = list(json.loads(ha.template(query)))[:MAX_ZONE_SENSORS]
        return found or None

    temperatures = wait_until("temperature sensors of the simulated devices", timeout, sensors)
    result = ha.flow(
        DOMAIN,
        {"next_step_id": "thermostat"},
        {"name": DEMO_ZONE, "heaters": [DEMO_HEATER], "coolers": [], "sensors": temperatures},
        {f"weight_{number}": 1.0 for number in range(1, len(temperatures) + 1)},
        DEMO_TUNING,
        {"max_lead_minutes": 180},
        {"cold_tolerance": 0.3, "hot_tolerance": 0.3},
    )
    return f"{flow_outcome(result)} on {len(temperatures)} sensors"


# --- the thermostat dashboard ---------------------------------------------------------------------

DASHBOARD_PATH = "pyiot-thermostat"
DASHBOARD_TITLE = "Thermostat"


def dashboard_cards(climate: str) -> list[dict[str, Any]]:
    """HA's thermostat card, PyIoT's schedule card and the zone's decision, for `climate`."""
    decision = climate.replace("climate.", "sensor.") + "_decision"
    return [
        {
            "type": "thermostat",
            "entity": climate,
            "features": [
                {"type": "climate-hvac-modes", "hvac_modes": ["off", "heat"]},
                {
                    "type": "climate-preset-modes",
                    "style": "icons",
                    "preset_modes": ["none", "away", "eco", "comfort", "sleep", "boost"],
                },
            ],
        },
        {"type": "custom:pyiot-schedule-card", "entity": climate},
        {
            "type": "entities",
            "title": "Decision",
            "entities": [
                {"entity": decision},
                {"type": "attribute", "entity": decision, "attribute": "explanation", "name": "Why"},
                {"type": "attribute", "entity": climate, "attribute": "source"},
            ],
        },
    ]


def _provision_dashboard(ha: HomeAssistant, settings: Settings, timeout: float) -> str:
    climate = ha.template(
        "{{ integration_entities('pyiot') | select('match', 'climate\\.') | first | default('') }}"
    ).strip()
    if not climate:
        return "skipped (no thermostat zone)"
    messages: list[dict[str, Any]] = [{"type": "lovelace/dashboards/list"}]
    dashboards = websocket_commands(ha, messages)[0]
    commands: list[dict[str, Any]] = []
    if not any(dashboard.get("url_path") == DASHBOARD_PATH for dashboard in dashboards):
        commands.append(
            {
                "type": "lovelace/dashboards/create",
                "url_path": DASHBOARD_PATH,
                "title": DASHBOARD_TITLE,
                "icon": "mdi:thermostat",
                "mode": "storage",
                "require_admin": False,
                "show_in_sidebar": True,
            }
        )
    config = {"views": [{"title": DASHBOARD_TITLE, "cards": dashboard_cards(climate)}]}
    commands.append({"type": "lovelace/config/save", "url_path": DASHBOARD_PATH, "config": config})
    websocket_commands(ha, commands)
    return f"dashboard /{DASHBOARD_PATH} with {climate}'s thermostat, schedule and decision"


def websocket_commands(ha: HomeAssistant, commands: list[dict[str, Any]]) -> list[Any]:
    """The results of `commands`, sent in order over HA's websocket API as the logged-in owner.

    Dashboards have no REST API. This uses aiohttp, which `.venv` has as Home Assistant's own
    dependency (the rest of this module is standard library only).
    """
    import asyncio  # noqa: PLC0415 - only this step needs it

    import aiohttp  # noqa: PLC0415

    async def run() -> list[Any]:
        results: list[Any] = []
        async with aiohttp.ClientSession() as session, session.ws_connect(ha.url + "/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": ha.token})
            if (answer := await ws.receive_json()).get("type") != "auth_ok":
                raise SystemExit(f"websocket login refused: {answer}")
            for number, command in enumerate(commands, start=1):
                await ws.send_json({"id": number, **command})
                while (answer := await ws.receive_json()).get("id") != number:
                    pass
                if not answer.get("success"):
                    raise SystemExit(f"{command['type']} failed: {answer.get('error')}")
                results.append(answer.get("result"))
        return results

    return asyncio.run(run())


DEV_SYSTEMS: tuple[DevSystem, ...] = (
    DevSystem(
        name="Pyaiot MQTT nodes",
        ports={},
        simulators=_pyaiot_mqtt_simulators,
        provision=_provision_pyaiot_mqtt,
    ),
    DevSystem(
        name="FmPyIOT devices",
        ports={"fmpyiot_web": 8090},
        simulators=_fmpyiot_simulators,
        provision=_provision_fmpyiot,
    ),
    DevSystem(
        name="IOTpy device files",
        ports={},
        simulators=lambda _settings: [],
        provision=_provision_iotpy,
    ),
    DevSystem(
        name="Pyaiot CoAP and WebSocket nodes, a Pyaiot broker",
        ports={"pyaiot_coap": 5683, "pyaiot_ws": 8001, "pyaiot_broker": 8082},
        simulators=_pyaiot_gateway_simulators,
        provision=_provision_pyaiot_gateways,
    ),
    DevSystem(
        name="IOTpy server",
        ports={"iotpy_server": 8085},
        simulators=_iotpy_server_simulators,
        provision=_provision_iotpy_server,
    ),
    DevSystem(
        name="RPyMostat sensor hosts",
        ports={"rpymostat": 8088},
        simulators=_rpymostat_simulators,
        provision=_provision_rpymostat,
    ),
    DevSystem(
        name="BLE GATT devices",
        ports={"ble_proxy": 6053},
        simulators=_ble_simulators,
        provision=_provision_ble,
    ),
    DevSystem(
        name="thermostat zone",
        ports={},
        simulators=lambda _settings: [],
        provision=_provision_zone,
    ),
    DevSystem(
        name="thermostat dashboard",
        ports={},
        simulators=lambda _settings: [],
        provision=_provision_dashboard,
    ),
)


def settings(dev_dir: Path, mqtt_port: int, nodes: int, free_port: Callable[[int], int]) -> Settings:
    """The ports of every system: those of earlier runs (entries store them), free ones for new names."""
    ports = _saved_ports(dev_dir)
    chosen = dict(ports)
    for system in DEV_SYSTEMS:
        for name, preferred in system.ports.items():
            if name not in chosen:
                port = free_port(preferred)
                while port in chosen.values() or port == mqtt_port:
                    port = free_port(port + 1)
                chosen[name] = port
    if chosen != ports:
        dev_dir.mkdir(parents=True, exist_ok=True)
        (dev_dir / PORTS_FILE).write_text(json.dumps(chosen, indent=2) + "\n", encoding="utf-8")
    return Settings(mqtt_port=mqtt_port, nodes=nodes, ports=chosen)


def saved_settings(dev_dir: Path, mqtt_port: int, nodes: int, config_dir: Path | None) -> Settings:
    """The settings `settings` chose for this run."""
    return Settings(mqtt_port=mqtt_port, nodes=nodes, ports=_saved_ports(dev_dir), config_dir=config_dir)


def _saved_ports(dev_dir: Path) -> dict[str, int]:
    try:
        saved = json.loads((dev_dir / PORTS_FILE).read_text(encoding="utf-8"))
        return {str(key): int(value) for key, value in saved.items()}
    except OSError, ValueError, AttributeError, TypeError:
        return {}
