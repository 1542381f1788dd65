"""The running entry's defences, its DNS-SD advertisement and its diagnostics."""

import asyncio
import functools
import json
import logging
from typing import Any
from unittest.mock import MagicMock, patch

import aiohttp
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from zeroconf import NonUniqueNameException
from zeroconf.asyncio import AsyncServiceInfo

from custom_components.pyiot.core.protocols.rpymostat.engine import EngineSettings
from custom_components.pyiot.systems.rpymostat import dns_sd, engine as adapter
from tests.support.rpymostat_host import owfs_reading
from tests.systems.rpymostat.conftest import engine_of
from tests.systems.rpymostat.test_rpymostat_entry import NOW, PI, pi_host, state

BAD_REQUESTS: list[tuple[bytes, int]] = [
    (b"", 400),
    (b"{", 400),
    (b"\xff\xfe\x00{", 400),
    (b"[" * 20_000, 400),
    (b"[1, 2]", 422),
    (b"42", 422),
    (b'"text"', 422),
    (b'{"sensors": {"a": {"value": 1}}}', 422),
    (b'{"host_id": "x"}', 422),
    (b'{"host_id": "x", "sensors": "nope"}', 422),
    (b'{"host_id": ["x"], "sensors": {"a": {"value": 1}}}', 422),
    (json.dumps({"host_id": "x", "sensors": {"a": {"value": "hot"}}}).encode(), 400),
    (json.dumps({"host_id": "x", "extra": "y" * 70_000}).encode(), 413),
]


async def put_raw(port: int, body: bytes, **kwargs: Any) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.put(f"http://127.0.0.1:{port}/v1/sensors/update", data=body, **kwargs) as response,
    ):
        return response.status


@pytest.mark.allow_pyiot_warnings
async def test_bad_requests_store_nothing_and_log_once(
    hass: HomeAssistant,
    loaded_rpymostat: MockConfigEntry,
    rpymostat_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    host = pi_host(rpymostat_port, {"a1": owfs_reading(20.0)})
    assert await host.read_and_send() == 201
    await hass.async_block_till_done()
    states_before = {item.entity_id: item.state for item in hass.states.async_all()}
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            for body, status in BAD_REQUESTS:
                assert await put_raw(rpymostat_port, body) == status, body[:40]
        await hass.async_block_till_done()
    assert {item.entity_id: item.state for item in hass.states.async_all()} == states_before
    assert [host["host_id"] for host in engine_of(loaded_rpymostat).sensors_document()["hosts"]] == [PI]
    warnings = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    problems = {line.split("(")[1].split(")")[0] for line in warnings}
    assert problems == {
        "empty_request",
        "invalid_json",
        "not_an_object",
        "host_id_missing",
        "sensors_missing",
        "sensors_not_object",
        "bad_host_id",
        "sensor_failed",
        "too_large",
    }
    assert len(warnings) == len(problems), "one line per source and problem"
    assert all("127.0.0.1" in line for line in warnings)


@pytest.mark.parametrize(
    "rpymostat_options", [{"allowed_networks": "", "rate_limit": 0.0, "advertise": True, "token": "s3cret"}]
)
@pytest.mark.allow_pyiot_warnings
async def test_token_option(
    hass: HomeAssistant, loaded_rpymostat: MockConfigEntry, rpymostat_port: int
) -> None:
    host = pi_host(rpymostat_port, {"a1": owfs_reading(20.0)})
    assert await host.read_and_send() == 401
    assert host.errors == [(401, '{"error": "missing or invalid token", "status": "error"}')]
    body = json.dumps({"host_id": PI, "sensors": {"a1": {"value": 20.0}}}).encode()
    assert await put_raw(rpymostat_port, body, headers={"Authorization": "Bearer s3cret"}) == 201
    # An unmodified host started with `-a '<address>:<port>/v1/sensors/update?token=s3cret#'`.
    host.address = f"127.0.0.1:{rpymostat_port}/v1/sensors/update?token=s3cret#"
    assert await host.read_and_send() == 201
    await hass.async_block_till_done()
    assert state(hass, PI, "a1") == "20.0"


@pytest.mark.parametrize(
    "rpymostat_options", [{"allowed_networks": "", "rate_limit": 1.0, "advertise": True}]
)
@pytest.mark.allow_pyiot_warnings
async def test_rate_limit_option(
    hass: HomeAssistant,
    loaded_rpymostat: MockConfigEntry,
    rpymostat_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    host = pi_host(rpymostat_port, {"a1": owfs_reading(20.0)})
    statuses = [await host.read_and_send() for _ in range(12)]
    assert statuses == [201] * 10 + [429] * 2
    assert host.errors[-1] == (429, '{"error": "too many requests", "status": "error"}')
    warnings = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert warnings == ["Dropped input from 127.0.0.1 (rate_limited): more than 1 requests/s"]


@pytest.mark.allow_pyiot_warnings
async def test_sources_outside_the_allowed_networks(
    hass: HomeAssistant, mock_async_zeroconf: MagicMock, rpymostat_entry: MockConfigEntry, rpymostat_port: int
) -> None:
    """Only 127.0.0.1 can connect in tests: take loopback off the allow-list to see the 403."""
    settings = functools.partial(EngineSettings, allow_loopback=False)
    with patch.object(adapter, "EngineSettings", settings):
        assert await hass.config_entries.async_setup(rpymostat_entry.entry_id)
    await hass.async_block_till_done()
    host = pi_host(rpymostat_port, {"a1": owfs_reading(20.0)})
    assert await host.read_and_send() == 403
    assert host.errors == [(403, '{"error": "source address not allowed", "status": "error"}')]
    assert state(hass, PI, "a1") is None
    assert await hass.config_entries.async_unload(rpymostat_entry.entry_id)


async def test_default_networks_are_the_local_subnets(
    hass: HomeAssistant, loaded_rpymostat: MockConfigEntry
) -> None:
    """The plugin's mocked network adapter is eth0 with 10.10.10.10/24."""
    assert engine_of(loaded_rpymostat).diagnostics()["networks"] == [
        "10.10.10.0/24",
        "127.0.0.0/8",
        "::1/128",
    ]


async def test_zeroconf_registration_through_has_instance(
    hass: HomeAssistant, mock_async_zeroconf: MagicMock, rpymostat_entry: MockConfigEntry, rpymostat_port: int
) -> None:
    """Multicast cannot be seen on loopback here: the registration is checked on HA's (mocked) instance."""
    hass.config.location_name = "Home.Sweet home"
    assert await hass.config_entries.async_setup(rpymostat_entry.entry_id)
    await hass.async_block_till_done()
    mock_async_zeroconf.async_register_service.assert_awaited_once()
    info: AsyncServiceInfo = mock_async_zeroconf.async_register_service.call_args.args[0]
    assert mock_async_zeroconf.async_register_service.call_args.kwargs == {"allow_name_change": True}
    assert info.type == "_rpymostat._tcp.local."
    assert info.name == f"Home Sweet home RPyMostat engine ({rpymostat_port})._rpymostat._tcp.local."
    assert info.server is not None
    assert info.server.startswith("pyiot-rpymostat-")
    assert info.port == rpymostat_port
    assert info.parsed_addresses() == ["10.10.10.10"]
    assert info.properties == {
        b"path": b"/v1",
        b"version": b"1",
        b"api": b"rpymostat-engine",
        b"auth": b"none",
    }
    mock_async_zeroconf.async_unregister_service.assert_not_called()

    assert await hass.config_entries.async_unload(rpymostat_entry.entry_id)
    await hass.async_block_till_done()
    mock_async_zeroconf.async_unregister_service.assert_awaited_once_with(info)


@pytest.mark.parametrize(
    "rpymostat_options", [{"allowed_networks": "", "rate_limit": 1.0, "advertise": True, "token": "t"}]
)
async def test_zeroconf_says_when_a_token_is_needed(
    hass: HomeAssistant, mock_async_zeroconf: MagicMock, loaded_rpymostat: MockConfigEntry
) -> None:
    info: AsyncServiceInfo = mock_async_zeroconf.async_register_service.call_args.args[0]
    assert info.properties[b"auth"] == b"token"


async def test_long_location_names_are_cut(hass: HomeAssistant) -> None:
    hass.config.location_name = "Château " * 20
    info = await dns_sd.async_service_info(hass, 8088, token_required=False)
    instance = info.name.removesuffix("._rpymostat._tcp.local.")
    assert len(instance.encode()) <= 63
    assert instance.endswith(" RPyMostat engine (8088)")


@pytest.mark.parametrize(
    "rpymostat_options", [{"allowed_networks": "", "rate_limit": 1.0, "advertise": False}]
)
async def test_advertising_can_be_turned_off(
    hass: HomeAssistant, mock_async_zeroconf: MagicMock, loaded_rpymostat: MockConfigEntry
) -> None:
    mock_async_zeroconf.async_register_service.assert_not_called()


@pytest.mark.allow_pyiot_warnings
async def test_advertising_failure_keeps_the_engine(
    hass: HomeAssistant,
    mock_async_zeroconf: MagicMock,
    rpymostat_entry: MockConfigEntry,
    rpymostat_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mock_async_zeroconf.async_register_service.side_effect = NonUniqueNameException
    assert await hass.config_entries.async_setup(rpymostat_entry.entry_id)
    assert rpymostat_entry.state is ConfigEntryState.LOADED
    assert "Could not advertise the RPyMostat engine" in caplog.text
    assert await pi_host(rpymostat_port, {"a1": owfs_reading(20.0)}).read_and_send() == 201
    assert await hass.config_entries.async_unload(rpymostat_entry.entry_id)
    mock_async_zeroconf.async_unregister_service.assert_not_called()


async def test_withdraw_failure_is_quiet(
    hass: HomeAssistant, mock_async_zeroconf: MagicMock, rpymostat_entry: MockConfigEntry
) -> None:
    mock_async_zeroconf.async_unregister_service.side_effect = OSError("gone")
    assert await hass.config_entries.async_setup(rpymostat_entry.entry_id)
    assert await hass.config_entries.async_unload(rpymostat_entry.entry_id)
    await hass.async_block_till_done()
    assert rpymostat_entry.state is ConfigEntryState.NOT_LOADED


@pytest.mark.allow_pyiot_warnings
async def test_options_change_reloads_the_engine(
    hass: HomeAssistant, loaded_rpymostat: MockConfigEntry, rpymostat_port: int
) -> None:
    flow = await hass.config_entries.options.async_init(loaded_rpymostat.entry_id)
    await hass.config_entries.options.async_configure(
        flow["flow_id"],
        {"token": "new", "allowed_networks": "192.168.5.0/24", "rate_limit": 2, "advertise": True},
    )
    await hass.async_block_till_done()
    assert loaded_rpymostat.state is ConfigEntryState.LOADED
    diagnostics = engine_of(loaded_rpymostat).diagnostics()
    assert diagnostics["networks"] == ["192.168.5.0/24", "127.0.0.0/8", "::1/128"]
    assert diagnostics["token_required"] is True
    assert diagnostics["rate_limit"] == {"rate": 2.0, "burst": 10.0}
    assert await pi_host(rpymostat_port, {"a1": owfs_reading(1.0)}).read_and_send() == 401


@pytest.mark.parametrize(
    "rpymostat_options", [{"allowed_networks": "", "rate_limit": 0.0, "advertise": True, "token": "s3cret"}]
)
async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_rpymostat: MockConfigEntry,
    rpymostat_port: int,
    snapshot: SnapshotAssertion,
) -> None:
    engine = engine_of(loaded_rpymostat)
    engine._now = lambda: NOW
    host = pi_host(
        rpymostat_port, {"1058F50F01080047": owfs_reading(24.3125, alias="hall"), "10AB": owfs_reading(None)}
    )
    body = json.dumps({"host_id": PI, "sensors": host.read()}).encode()
    assert await put_raw(rpymostat_port, body, params={"token": "s3cret"}) == 201
    await asyncio.sleep(0)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_rpymostat)
    assert diagnostics["entry"]["options"]["token"] == "**REDACTED**"  # noqa: S105
    assert diagnostics["transport"]["port"] == rpymostat_port
    diagnostics["transport"]["port"] = diagnostics["entry"]["data"]["port"] = "<port>"
    assert diagnostics == snapshot
