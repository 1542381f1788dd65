"""Per-device options (web API, sleeping, topics) and reauthentication, against the simulator's web server.

The web server is the simulator's raw HTTP server on a free loopback port, reached through HA's own
aiohttp session, as in production.
"""

import asyncio
from collections.abc import AsyncIterator
import contextlib
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN
from custom_components.pyiot.core.protocols.fmpyiot import GatewaySettings
from custom_components.pyiot.systems.fmpyiot.const import FMPYIOT_MQTT, REAUTH_NODE
from tools.simulators.fmpyiot_device import make_device
from tools.simulators.fmpyiot_web import NanowebServer

pytestmark = pytest.mark.usefixtures("mock_setup_entry", "socket_enabled")

MAC = "28:cd:c1:00:00:01"
DEFAULTS = GatewaySettings().as_dict()


@pytest.fixture
async def server() -> AsyncIterator[NanowebServer]:
    """The device's web server, credentials `admin`/`secret`."""
    server = NanowebServer(make_device(0), credentials=("admin", "secret"))
    await server.start()
    yield server
    await server.stop()


@contextlib.asynccontextmanager
async def _raw_server(answer: bytes) -> AsyncIterator[int]:
    """A loopback server answering every request with `answer`; its port."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.write(answer)
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield listener.sockets[0].getsockname()[1]
    finally:
        listener.close()
        await listener.wait_closed()


def _entry(hass: HomeAssistant, devices: dict[str, Any] | None = None) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=FMPYIOT_MQTT,
        data={CONF_ENTRY_TYPE: FMPYIOT_MQTT},
        options={**DEFAULTS, "devices": devices or {}, "limits": {"max_nodes": 40}},
        version=2,
    )
    entry.add_to_hass(hass)
    return entry


def _register(hass: HomeAssistant, entry: MockConfigEntry, url: str | None = None) -> None:
    """The device as the hub registers it: a device and entities of its topics."""
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, f"{entry.entry_id}:{MAC}"), ("mqtt", MAC)},
        name="Serre de Fred",
        configuration_url=url,
    )
    registry = er.async_get(hass)
    for domain, key in (
        ("sensor", "./temperature"),
        ("binary_sensor", "./door"),
        ("button", "action#./LED"),
        ("sensor", "sysinfo#rssi"),
    ):
        registry.async_get_or_create(
            domain, DOMAIN, f"{entry.entry_id}:{MAC}:{key}", config_entry=entry, device_id=device.id
        )
    registry.async_get_or_create(
        "sensor", DOMAIN, f"{entry.entry_id}:another-node:./pressure", config_entry=entry
    )
    # Another entry's device with the same node is not this entry's.
    other = MockConfigEntry(domain=DOMAIN, data={CONF_ENTRY_TYPE: FMPYIOT_MQTT}, version=2)
    other.add_to_hass(hass)
    registry.async_get_or_create(
        "sensor", DOMAIN, f"{other.entry_id}:{MAC}:./humidity", config_entry=other, device_id=device.id
    )


async def _device_step(hass: HomeAssistant, entry: MockConfigEntry, step: str) -> Any:
    """Options → one device → `step`."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "fmpyiot_device"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "fmpyiot_device"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"device": MAC})
    assert result["type"] is FlowResultType.MENU
    assert result["description_placeholders"] == {"device": "Serre de Fred"}
    return await hass.config_entries.options.async_configure(result["flow_id"], {"next_step_id": step})


async def test_no_device_yet(hass: HomeAssistant) -> None:
    entry = _entry(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "fmpyiot_device"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "fmpyiot_no_devices"


async def test_web_credentials_are_checked_on_the_device(hass: HomeAssistant, server: NanowebServer) -> None:
    entry = _entry(hass)
    _register(hass, entry, url="http://127.0.0.1/")
    result = await _device_step(hass, entry, "fmpyiot_web")
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"].schema
    suggested = {str(key): key.description["suggested_value"] for key in schema if key.description}
    assert suggested == {"host": "127.0.0.1", "port": 80, "username": ""}

    wrong = {"host": "127.0.0.1", "port": server.port, "username": "admin", "password": "guess"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], wrong)
    assert result["errors"] == {"base": "fmpyiot_invalid_auth"}
    assert entry.options["devices"] == {}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**wrong, "password": "se:cret"}
    )
    assert result["errors"] == {"base": "fmpyiot_colon_in_credentials"}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**wrong, "host": " 127.0.0.1 ", "password": "secret"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["devices"] == {
        MAC: {"web": {"host": "127.0.0.1", "port": server.port, "username": "admin", "password": "secret"}}
    }
    assert entry.options["limits"] == {"max_nodes": 40}
    # The fingerprint needs no credentials; the topic list checked them, with the header spelt as the
    # device reads it.
    assert [(method, url) for method, url, _ in server.requests][-2:] == [
        ("GET", "/api/hello"),
        ("GET", "/api/topics"),
    ]
    assert server.requests[-1][2]["Authorization"].startswith("Basic ")

    # Opened again: the stored address, port and user name (never the password) are suggested.
    result = await _device_step(hass, entry, "fmpyiot_web")
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested == {"host": "127.0.0.1", "port": server.port, "username": "admin"}


async def test_web_without_credentials_is_only_found(hass: HomeAssistant, server: NanowebServer) -> None:
    entry = _entry(hass, {MAC: {"sleeping": True}})
    _register(hass, entry)
    result = await _device_step(hass, entry, "fmpyiot_web")
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested == {"host": "", "port": 80, "username": ""}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": server.port, "password": "ignored"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["devices"] == {
        MAC: {"sleeping": True, "web": {"host": "127.0.0.1", "port": server.port}}
    }
    assert [url for _, url, headers in server.requests] == ["/api/hello"]
    assert "Authorization" not in server.requests[0][2]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (b"HTTP/1.1 200 OK\r\n\r\nHello world", "fmpyiot_not_fmpyiot"),
        (b"HTTP/1.1 500 Internal error\r\n\r\n<h1>Internal error</h1>", "fmpyiot_bad_response"),
        (b"", "fmpyiot_cannot_connect"),
    ],
)
async def test_web_servers_that_are_not_usable(hass: HomeAssistant, answer: bytes, error: str) -> None:
    entry = _entry(hass)
    _register(hass, entry)
    async with _raw_server(answer) as port:
        result = await _device_step(hass, entry, "fmpyiot_web")
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"host": "127.0.0.1", "port": port}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert entry.options["devices"] == {}


async def test_sleeping_device(hass: HomeAssistant) -> None:
    entry = _entry(hass)
    _register(hass, entry)
    result = await _device_step(hass, entry, "fmpyiot_sleep")
    assert result["step_id"] == "fmpyiot_sleep"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"sleeping": True, "sleep_period": 300.0, "sleep_periods": 4.0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["devices"] == {MAC: {"sleeping": True, "sleep_period": 300.0, "sleep_periods": 4}}
    device = GatewaySettings.from_dict(entry.options).device(MAC)
    assert (device.sleeping, device.sleep_period, device.sleep_periods) == (True, 300.0, 4)

    # Back to the defaults: nothing is stored for the device.
    result = await _device_step(hass, entry, "fmpyiot_sleep")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"sleeping": False, "sleep_period": 600, "sleep_periods": 3}
    )
    assert entry.options["devices"] == {}


async def test_topics_declared_and_described(hass: HomeAssistant) -> None:
    entry = _entry(hass)
    _register(hass, entry)
    result = await _device_step(hass, entry, "fmpyiot_topic")
    assert result["step_id"] == "fmpyiot_topic"
    topic_selector = result["data_schema"].schema["topic"]
    assert topic_selector.config["options"] == ["./LED", "./door", "./temperature"]

    async def submit(data: dict[str, Any]) -> Any:
        flow = await _device_step(hass, entry, "fmpyiot_topic")
        return await hass.config_entries.options.async_configure(flow["flow_id"], data)

    result = await submit({"topic": " relay ", "action": "switch"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    result = await submit(
        {"topic": "./temperature", "action": "read", "device_class": "pressure", "unit": "hPa"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    result = await submit({"topic": "T-HOME/EXTERIEUR/speed", "action": "number"})
    assert entry.options["devices"][MAC]["topics"] == {
        "./relay": {"action": "switch"},
        "./temperature": {"device_class": "pressure", "unit": "hPa"},
        "T-HOME/EXTERIEUR/speed": {"action": "number"},
    }

    result = await submit({"topic": "./door", "action": "read", "device_class": "temperature"})
    assert result["errors"] == {"device_class": "fmpyiot_device_class_mismatch"}
    result = await submit({"topic": "./door", "action": "read", "device_class": "window"})
    assert entry.options["devices"][MAC]["topics"]["./door"] == {"device_class": "window"}
    # A topic without an entity yet takes any class (it fits the entity it will have).
    result = await submit({"topic": "./rain", "action": "read", "device_class": "precipitation"})
    assert entry.options["devices"][MAC]["topics"]["./rain"] == {"device_class": "precipitation"}
    result = await submit({"topic": "T-HOME/+/x", "action": "button"})
    assert result["errors"] == {"topic": "fmpyiot_invalid_topic"}

    # A reverse topic (typed like a topic) and a switch's own payloads.
    result = await submit({"topic": "./voltage", "action": "read", "reverse_topic": " get_voltage "})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    result = await submit({"topic": "./LED", "action": "switch", "on_payload": "1", "off_payload": "0"})
    assert entry.options["devices"][MAC]["topics"]["./voltage"] == {"reverse_topic": "./get_voltage"}
    assert entry.options["devices"][MAC]["topics"]["./LED"] == {
        "action": "switch",
        "on_payload": "1",
        "off_payload": "0",
    }
    led = GatewaySettings.from_dict(entry.options).device(MAC).topics["./LED"]
    assert (led.on_payload, led.off_payload) == ("1", "0")
    result = await submit({"topic": "./LED", "action": "switch", "on_payload": "OFF"})
    assert result["errors"] == {"off_payload": "fmpyiot_same_payloads"}
    result = await submit({"topic": "./voltage", "action": "read", "reverse_topic": "a/+/b"})
    assert result["errors"] == {"reverse_topic": "fmpyiot_invalid_topic"}

    # Read only, no class, no unit: the topic's settings are gone.
    await submit({"topic": "./temperature", "action": "read", "unit": " "})
    assert "./temperature" not in entry.options["devices"][MAC]["topics"]


async def test_at_most_64_declared_topics(hass: HomeAssistant) -> None:
    topics = {f"./t{index}": {"action": "button"} for index in range(64)}
    entry = _entry(hass, {MAC: {"topics": topics}})
    _register(hass, entry)
    result = await _device_step(hass, entry, "fmpyiot_topic")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"topic": "./one_more", "action": "button"}
    )
    assert result["errors"] == {"base": "fmpyiot_too_many_topics"}
    assert len(entry.options["devices"][MAC]["topics"]) == 64


def _web(port: int, password: str) -> dict[str, Any]:
    return {"web": {"host": "127.0.0.1", "port": port, "username": "admin", "password": password}}


async def _start_reauth(hass: HomeAssistant, entry: MockConfigEntry, node_id: str = MAC) -> Any:
    entry.async_start_reauth(hass, data={REAUTH_NODE: node_id})
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(
        DOMAIN, match_context={"source": SOURCE_REAUTH}
    )
    assert len(flows) == 1
    return flows[0]


async def test_reauth_with_new_credentials(hass: HomeAssistant, server: NanowebServer) -> None:
    entry = _entry(hass, {MAC: {**_web(server.port, "old"), "sleeping": True}})
    _register(hass, entry)
    flow = await _start_reauth(hass, entry)
    assert flow["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert result["description_placeholders"] == {
        "device": "Serre de Fred",
        "host": f"127.0.0.1:{server.port}",
        "name": "Mock Title",  # HA's own, from the reauth context
    }

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"username": "admin", "password": "wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "fmpyiot_invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"username": "admin", "password": "secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.options["devices"] == {MAC: {**_web(server.port, "secret"), "sleeping": True}}
    assert entry.options["limits"] == {"max_nodes": 40}


async def _reauth(hass: HomeAssistant, entry: MockConfigEntry, data: dict[str, Any]) -> Any:
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_REAUTH, "entry_id": entry.entry_id}, data={**entry.data, **data}
    )


async def test_reauth_of_a_device_without_web_api(hass: HomeAssistant) -> None:
    result = await _reauth(hass, _entry(hass), {REAUTH_NODE: "unknown-node"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "fmpyiot_web_not_configured"


async def test_reauth_is_only_for_fmpyiot_devices(hass: HomeAssistant) -> None:
    result = await _reauth(hass, _entry(hass), {})  # no device named
    assert result["reason"] == "not_supported"
    other = MockConfigEntry(domain=DOMAIN, data={CONF_ENTRY_TYPE: "pyaiot_mqtt"}, version=2)
    other.add_to_hass(hass)
    result = await _reauth(hass, other, {REAUTH_NODE: MAC})
    assert result["reason"] == "not_supported"
