"""Fuzz what a characteristic can send into Home Assistant: any bytes, through the decoders, to the entities.

The device's notification path after the flood guard (`BleGattDevice._deliver`: decode, report to the
hub, fire `pyiot_ble_event`) is fed arbitrary bytes on every ticked characteristic of a real entry on
HA's bluetooth and the simulated proxy. Whatever comes in, each entity's state is one HA accepts
(a finite number, on/off, text of at most 255 characters) or unknown/unavailable, nothing raises in
the event loop, and a good value afterwards is shown again.
"""

import math
import struct
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.core.protocols.ble import UserFormat, ValueFormat
from custom_components.pyiot.systems.ble.const import EVENT_BLE
from tests.systems.ble.conftest import ENTRY_ID, ENV, binding, env_gatt, until
from tools.simulators.ble_peripherals import PYIOT_LABEL, PYIOT_SETPOINT, uuid16
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy

MAX_STATE = 255
UNSET = {STATE_UNKNOWN, STATE_UNAVAILABLE}
POLL = {"mode": "poll", "poll_interval": 3600, "idle_timeout": 0}


def acceptable(domain: str, state: str) -> bool:
    """Whether HA would show `state` as a real value of an entity of `domain` (or as unset)."""
    if state in UNSET:
        return True
    if len(state) > MAX_STATE:
        return False
    if domain in {"switch", "binary_sensor"}:
        return state in {"on", "off"}
    if domain == "text":
        return True
    try:
        return math.isfinite(float(state))
    except ValueError:
        return domain == "sensor"


@pytest.mark.allow_pyiot_warnings
@pytest.mark.parametrize("policy", [POLL])
async def test_any_bytes_from_any_characteristic_leave_valid_states(
    hass: HomeAssistant, proxy_entry: MockConfigEntry, ble_entry: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    gatt = env_gatt(proxy)
    floats = binding(gatt, PYIOT_SETPOINT, fmt=UserFormat(format=ValueFormat.FLOAT32), name="Setpoint")
    sfloat = binding(
        gatt, uuid16(0x2A58), fmt=UserFormat(format=ValueFormat.SFLOAT, scale=0.1), name="Analog"
    )
    options = dict(ble_entry.options)
    options["characteristics"] = [
        c for c in options["characteristics"] if c["uuid"] not in {PYIOT_SETPOINT, uuid16(0x2A58)}
    ] + [floats.as_dict(), sfloat.as_dict()]
    hass.config_entries.async_update_entry(ble_entry, options=options)
    assert await hass.config_entries.async_setup(ble_entry.entry_id)
    device = ble_entry.runtime_data.link.device
    await until(lambda: device.diagnostics()["counts"].get("polls"))
    await until(lambda: not device.connected)
    registry = er.async_get(hass)
    entities = {
        entry.unique_id.removeprefix(f"{ENTRY_ID}:{ENV}:"): entry.entity_id
        for entry in er.async_entries_for_config_entry(registry, ENTRY_ID)
    }
    keys = [b["uuid"] + "_" + str(b["handle"]) for b in options["characteristics"]]
    entities = {key: entities[key] for key in keys}
    events: list[Any] = []

    @callback
    def on_event(event: Event) -> None:
        events.append(event.data)

    hass.bus.async_listen(EVENT_BLE, on_event)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        key=st.sampled_from(keys),
        data=st.one_of(st.binary(max_size=512), st.text(min_size=200, max_size=400).map(str.encode)),
    )
    def notify(key: str, data: bytes) -> None:
        device._deliver(key, data)
        assert events[-1]["hex"] == data.hex()
        for point, entity_id in entities.items():
            state = hass.states.get(entity_id)
            assert state is not None
            assert acceptable(entity_id.split(".")[0], state.state), (point, data.hex(), state.state)

    notify()
    await hass.async_block_till_done()

    temperature = keys[1]
    assert temperature.startswith(uuid16(0x2A6E))
    device._deliver(temperature, struct.pack("<h", 2345))
    assert hass.states.get(entities[temperature]).state == "23.45"  # type: ignore[union-attr]
    device._deliver(keys[-2], struct.pack("<f", 19.5))
    assert hass.states.get(entities[keys[-2]]).state == "19.5"  # type: ignore[union-attr]
    label = next(key for key in keys if key.startswith(PYIOT_LABEL))
    device._deliver(label, "é".encode() * 255)  # 510 bytes, 255 characters
    assert hass.states.get(entities[label]).state == "é" * 255  # type: ignore[union-attr]
    device._deliver(label, b"a" * 256)  # longer than a state can be: one log line
    assert hass.states.get(entities[label]).state == "é" * 255, "the last good value stays"  # type: ignore[union-attr]
    assert device.diagnostics()["counts"]["bad_too_long"] >= 1
    assert await hass.config_entries.async_unload(ble_entry.entry_id)
