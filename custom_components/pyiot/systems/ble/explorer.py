"""The GATT explorer of the flows: connect once, list the characteristics, bind what the user ticks."""

from collections.abc import Iterable, Sequence
from typing import Any, Final

from homeassistant.components import bluetooth
from homeassistant.components.bluetooth import BluetoothServiceInfoBleak
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import probatio as vol

from ...core.protocols.ble import (
    BleakGattConnector,
    BleError,
    BleErrorKey,
    CharacteristicBinding,
    ConnectionMode,
    DeviceInformation,
    GattCharacteristic,
    UserFormat,
    ValueFormat,
    explore,
    known,
    point_key,
)
from ...core.protocols.ble.current_time import CURRENT_TIME_SERVICE
from ...core.protocols.ble.formats import parse_hex
from ...core.protocols.ble.uuids import sig_short
from .const import (
    CONF_CHARACTERISTICS,
    CONF_FORMAT,
    CONF_MODE,
    CONF_POLL_INTERVAL,
    CONF_RESET,
    CONF_RESET_CHARACTERISTIC,
    CONF_RESET_VALUE,
    CONF_SCALE,
    CONF_UNIT,
    DEFAULT_POLL_INTERVAL,
    MAX_POLL_INTERVAL,
    MIN_POLL_INTERVAL,
)

CONF_NAME: Final = "name"
FLOW_CONNECT_ATTEMPTS: Final = 2
MAX_RESET_BYTES: Final = 512
"""The longest attribute value GATT allows."""
HIDDEN_SERVICES: Final = frozenset({DeviceInformation.SERVICE, CURRENT_TIME_SERVICE})
"""Device Information goes to the device registry, Current Time to the time actions: not entities."""
FLOW_ERRORS: Final = {
    BleErrorKey.OUT_OF_SLOTS: "ble_out_of_slots",
    BleErrorKey.AUTHENTICATION: "ble_authentication",
    BleErrorKey.NOT_FOUND: "ble_not_found",
}


def connectable_devices(hass: HomeAssistant, configured: Iterable[str]) -> list[BluetoothServiceInfoBleak]:
    """Every connectable device HA's bluetooth sees now and no entry has, strongest first."""
    taken = set(configured)
    return sorted(
        (
            info
            for info in bluetooth.async_discovered_service_info(hass, connectable=True)
            if info.address not in taken
        ),
        key=lambda info: -info.rssi,
    )


def device_label(hass: HomeAssistant, info: BluetoothServiceInfoBleak) -> str:
    """`PyIoT Env (C0:FF:EE:00:00:01), -60 dBm via pyiot-ble-proxy`."""
    scanner = bluetooth.async_scanner_by_source(hass, info.source)
    via = scanner.name if scanner is not None else info.source
    name = info.name if info.name and info.name != info.address else "?"
    return f"{name} ({info.address}), {info.rssi} dBm via {via}"


async def async_explore(hass: HomeAssistant, address: str, name: str) -> list[GattCharacteristic]:
    """Connect, list what can become an entity, disconnect; `BleError` when the device cannot be read."""
    connector = BleakGattConnector(
        lambda target: bluetooth.async_ble_device_from_address(hass, target, connectable=True),
        name=name,
        max_attempts=FLOW_CONNECT_ATTEMPTS,
    )
    client = await connector.connect(address, lambda: None)
    try:
        found = explore(client.characteristics())
    finally:
        await client.disconnect()
    return [c for c in found if c.service_uuid not in HIDDEN_SERVICES]


def flow_error(err: BleError) -> str:
    """The flow's error key for a failed exploration."""
    return FLOW_ERRORS.get(err.key, "ble_cannot_connect")


def gatt_as_dict(characteristic: GattCharacteristic) -> dict[str, Any]:
    """A discovered characteristic, for the entry's data."""
    return {
        "uuid": characteristic.uuid,
        "handle": characteristic.handle,
        "properties": sorted(characteristic.properties),
        "service": characteristic.service_uuid,
    }


def gatt_from_dict(data: dict[str, Any]) -> GattCharacteristic:
    """Inverse of `gatt_as_dict`."""
    return GattCharacteristic(
        uuid=str(data["uuid"]),
        handle=int(data["handle"]),
        properties=frozenset(data["properties"]),
        service_uuid=str(data["service"]),
    )


def short_uuid(uuid: str) -> str:
    """`0x2A6E` for a SIG UUID, the full UUID otherwise."""
    short = sig_short(uuid)
    return uuid if short is None else f"0x{short:04X}"


def characteristic_label(characteristic: GattCharacteristic) -> str:
    """`Temperature 0x2A6E (read, notify)`; unknown ones by UUID."""
    definition = known(characteristic.uuid)
    name = definition.name if definition is not None else "Characteristic"
    properties = ", ".join(sorted(characteristic.properties))
    return f"{name} {short_uuid(characteristic.uuid)} ({properties}), handle {characteristic.handle}"


def characteristics_schema(
    gatt: Sequence[GattCharacteristic],
    *,
    selected: Iterable[str],
    mode: str,
    poll_interval: float,
    reset: dict[str, str] | None = None,
) -> vol.Schema:
    """Which characteristics become entities, the connection policy and the reset request."""
    return vol.Schema(
        {
            vol.Optional(CONF_CHARACTERISTICS, default=sorted(selected)): SelectSelector(
                SelectSelectorConfig(
                    options=[
                        SelectOptionDict(value=point_key(c.uuid, c.handle), label=characteristic_label(c))
                        for c in gatt
                    ],
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                )
            ),
            vol.Required(CONF_MODE, default=mode): SelectSelector(
                SelectSelectorConfig(
                    options=[m.value for m in ConnectionMode],
                    translation_key="ble_connection_mode",
                    mode=SelectSelectorMode.LIST,
                )
            ),
            vol.Required(CONF_POLL_INTERVAL, default=poll_interval): NumberSelector(
                NumberSelectorConfig(
                    min=MIN_POLL_INTERVAL,
                    max=MAX_POLL_INTERVAL,
                    step=1,
                    mode=NumberSelectorMode.BOX,
                    unit_of_measurement="s",
                )
            ),
            **_reset_section(gatt, reset),
        }
    )


def _reset_section(gatt: Sequence[GattCharacteristic], reset: dict[str, str] | None) -> dict[Any, Any]:
    """The reset request (collapsed until one is set): any writable characteristic, ticked or not."""
    writable = [c for c in gatt if c.writable]
    if not writable:
        return {}
    current = reset or {}
    fields = {
        vol.Optional(
            CONF_RESET_CHARACTERISTIC, description={"suggested_value": current.get(CONF_RESET_CHARACTERISTIC)}
        ): SelectSelector(
            SelectSelectorConfig(
                options=[
                    SelectOptionDict(value=point_key(c.uuid, c.handle), label=characteristic_label(c))
                    for c in writable
                ],
                mode=SelectSelectorMode.DROPDOWN,
            )
        ),
        vol.Optional(CONF_RESET_VALUE, description={"suggested_value": current.get(CONF_RESET_VALUE)}): (
            TextSelector()
        ),
    }
    return {vol.Optional(CONF_RESET): section(vol.Schema(fields), {"collapsed": not current})}


def reset_input(gatt: Sequence[GattCharacteristic], reset: dict[str, Any] | None) -> dict[str, str]:
    """The reset section's values for a stored reset request (`{}` when there is none)."""
    if not reset:
        return {}
    handle = reset.get("handle")
    for c in gatt:
        if c.uuid == reset.get("uuid") and handle in {None, c.handle}:
            return {
                CONF_RESET_CHARACTERISTIC: point_key(c.uuid, c.handle),
                CONF_RESET_VALUE: str(reset["value"]),
            }
    return {CONF_RESET_VALUE: str(reset.get("value", ""))}


def reset_option(gatt: Sequence[GattCharacteristic], user_input: dict[str, Any]) -> dict[str, Any] | None:
    """The entry's reset request from the form; None when both fields are empty, ValueError if unusable."""
    chosen = user_input.get(CONF_RESET) or {}
    key = chosen.get(CONF_RESET_CHARACTERISTIC)
    text = str(chosen.get(CONF_RESET_VALUE) or "").strip()
    if not key and not text:
        return None
    target = next((c for c in gatt if c.writable and point_key(c.uuid, c.handle) == key), None)
    if target is None:
        raise ValueError("the reset needs a writable characteristic")
    try:
        value = parse_hex(text)
    except BleError as err:
        raise ValueError(str(err)) from err
    if not 0 < len(value) <= MAX_RESET_BYTES:
        raise ValueError(f"the reset value must be 1 to {MAX_RESET_BYTES} bytes")
    return {"uuid": target.uuid, "handle": target.handle, "value": value.hex()}


def default_selection(gatt: Sequence[GattCharacteristic]) -> list[str]:
    """What the explorer ticks by itself: the characteristics it knows how to decode."""
    return [point_key(c.uuid, c.handle) for c in gatt if known(c.uuid) is not None]


def format_schema() -> vol.Schema:
    """How to read a characteristic the core does not know."""
    return vol.Schema(
        {
            vol.Required(CONF_FORMAT, default=ValueFormat.HEX.value): SelectSelector(
                SelectSelectorConfig(
                    options=[f.value for f in ValueFormat],
                    translation_key="ble_value_format",
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(CONF_SCALE, default=1.0): NumberSelector(
                NumberSelectorConfig(mode=NumberSelectorMode.BOX, step="any")
            ),
            vol.Optional(CONF_UNIT): TextSelector(),
            vol.Optional(CONF_NAME): TextSelector(),
        }
    )


def format_binding(characteristic: GattCharacteristic, user_input: dict[str, Any]) -> CharacteristicBinding:
    """The binding of an unknown characteristic with the format the user chose; ValueError if unusable."""
    fmt = UserFormat(
        format=ValueFormat(user_input[CONF_FORMAT]),
        scale=float(user_input[CONF_SCALE]),
        unit=user_input.get(CONF_UNIT) or None,
    )
    return CharacteristicBinding.for_characteristic(
        characteristic, fmt, name=user_input.get(CONF_NAME) or None
    )


class Selection:
    """What the user ticked, split into what binds by itself and what needs a format."""

    def __init__(
        self,
        gatt: Sequence[GattCharacteristic],
        keys: Iterable[str],
        previous: Iterable[CharacteristicBinding] = (),
    ) -> None:
        """`previous` bindings keep their formats and names (the options flow)."""
        by_key = {point_key(c.uuid, c.handle): c for c in gatt}
        kept = {b.key: b for b in previous}
        self.bindings: list[CharacteristicBinding] = []
        self.pending: list[GattCharacteristic] = []
        for key in keys:
            characteristic = by_key.get(key)
            if characteristic is None:
                continue
            if key in kept:
                self.bindings.append(kept[key])
            elif known(characteristic.uuid) is not None:
                self.bindings.append(CharacteristicBinding.for_characteristic(characteristic))
            else:
                self.pending.append(characteristic)

    def options(self, mode: str, poll_interval: float, reset: dict[str, Any] | None = None) -> dict[str, Any]:
        """The entry's options."""
        options: dict[str, Any] = {
            CONF_CHARACTERISTICS: [b.as_dict() for b in self.bindings],
            "policy": {CONF_MODE: mode, CONF_POLL_INTERVAL: float(poll_interval)},
        }
        if reset is not None:
            options[CONF_RESET] = reset
        return options


def unknown_placeholders(characteristic: GattCharacteristic) -> dict[str, str]:
    """Placeholders of the format step."""
    return {
        "uuid": characteristic.uuid,
        "properties": ", ".join(sorted(characteristic.properties)),
        "handle": str(characteristic.handle),
    }


DEFAULT_POLICY: Final = {CONF_MODE: ConnectionMode.POLL.value, CONF_POLL_INTERVAL: DEFAULT_POLL_INTERVAL}
