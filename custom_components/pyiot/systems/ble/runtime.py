"""One BLE GATT device entry at run time: the core's engine on Home Assistant's bluetooth.

The engine (`core.protocols.ble.BleGattDevice`) connects through `BleakGattConnector` with
`bluetooth.async_ble_device_from_address(..., connectable=True)`: HA picks the local adapter or ESPHome
proxy that hears the device best and has a free slot. Advertisements (`async_register_callback`) and
`async_track_unavailable` say whether the device is in range; a connected device counts as in range
even when it stops advertising (most peripherals do while a central holds them).
"""

import json
from typing import Any, Final, override

from homeassistant.components import bluetooth
from homeassistant.components.bluetooth import (
    BluetoothChange,
    BluetoothScanningMode,
    BluetoothServiceInfoBleak,
)
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from ...const import DOMAIN, LOGGER
from ...core.nodes import AdmitWhen, EntityCategory, PointKind, PointSpec
from ...core.protocols.ble import (
    AuthenticationError,
    BleakGattConnector,
    BleError,
    BleGattDevice,
    CharacteristicBinding,
    ConnectionMode,
    ConnectionPolicy,
    DeviceEvent,
    DeviceEventType,
    OutOfSlotsError,
    ResetCommand,
    normalize_uuid,
)
from ...hub import NodeHub
from ...hub.kind import TRUSTED_LIMITS
from ...kinds import PyIoTConfigEntry
from .const import (
    CONF_ADDRESS,
    CONF_CHARACTERISTICS,
    CONF_POLICY,
    CONF_RESET,
    CONNECTED_VIA_KEY,
    EVENT_BLE,
    RSSI_KEY,
)

BLUETOOTH: Final = "bluetooth"
DIAGNOSTIC_POINTS: Final = (
    PointSpec(
        key=RSSI_KEY,
        kind=PointKind.SENSOR,
        translation_key="ble_rssi",
        device_class="signal_strength",
        unit="dBm",
        state_class="measurement",
        entity_category=EntityCategory.DIAGNOSTIC,
        enabled_by_default=False,
    ),
    PointSpec(
        key=CONNECTED_VIA_KEY,
        kind=PointKind.SENSOR,
        translation_key="ble_connected_via",
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
)
"""Not characteristics: what HA's bluetooth knows of the device (its signal and who hears it)."""


def policy_from_options(options: dict[str, Any]) -> ConnectionPolicy:
    """The connection policy stored in the entry's options (defaults for anything missing)."""
    try:
        return ConnectionPolicy.from_dict(dict(options.get(CONF_POLICY, {})))
    except (KeyError, TypeError, ValueError) as err:
        LOGGER.error("The stored BLE connection policy cannot be used, the default applies: %s", err)
        return ConnectionPolicy()


def bindings_from_options(options: dict[str, Any]) -> list[CharacteristicBinding]:
    """The characteristics that are entities; a malformed record is logged and left out."""
    bindings = []
    for record in options.get(CONF_CHARACTERISTICS, []):
        try:
            bindings.append(CharacteristicBinding.from_dict(record))
        except (BleError, KeyError, TypeError, ValueError) as err:
            LOGGER.error("A stored BLE characteristic cannot be used and is left out: %s (%s)", record, err)
    return bindings


def reset_from_options(options: dict[str, Any]) -> ResetCommand | None:
    """The reset request of the device: a characteristic and the bytes to write, if configured."""
    reset = options.get(CONF_RESET)
    if not reset:
        return None
    try:
        handle = reset.get("handle")
        return ResetCommand(
            uuid=normalize_uuid(str(reset["uuid"])),
            value=bytes.fromhex(str(reset["value"])),
            handle=None if handle is None else int(handle),
        )
    except (KeyError, TypeError, ValueError) as err:
        LOGGER.error("The stored BLE reset command cannot be used: %s (%s)", reset, err)
        return None


def partial_address(address: str) -> str:
    """`C0:FF:EE:00:00:01` → `XX:XX:XX:XX:00:01`: enough to tell devices apart in a report."""
    return "XX:XX:XX:XX:" + address[-5:]


class BleDeviceHub(NodeHub):
    """The node hub of one BLE device entry; its diagnostics show addresses partially."""

    link: BleDeviceLink

    @override
    def diagnostics(self) -> dict[str, Any]:
        text = json.dumps(super().diagnostics(), default=str)
        for address in self.link.addresses_to_redact():
            text = text.replace(address, partial_address(address)).replace(
                address.lower(), partial_address(address)
            )
        result: dict[str, Any] = json.loads(text)
        return result


class BleDeviceLink:
    """The entry's transport: the engine plus what HA's bluetooth says about the device."""

    def __init__(self, hass: HomeAssistant, entry: PyIoTConfigEntry, hub: BleDeviceHub) -> None:
        """Build the engine from the entry; nothing connects before `async_start`."""
        self.hass = hass
        self.entry = entry
        self.hub = hub
        self.address: str = entry.data[CONF_ADDRESS]
        self.policy = policy_from_options(dict(entry.options))
        self.device = BleGattDevice(
            self.address,
            BleakGattConnector(self._lookup, name=entry.title),
            hub,
            bindings=bindings_from_options(dict(entry.options)),
            policy=self.policy,
            name=entry.title,
            reset=reset_from_options(dict(entry.options)),
            event_sink=self._on_event,
            on_error=self._on_error,
            clock=dt_util.now,
            logger=LOGGER.getChild("ble"),
        )
        self._sources: set[str] = set()
        self._unsubscribe: list[CALLBACK_TYPE] = []

    def _lookup(self, address: str) -> Any:
        return bluetooth.async_ble_device_from_address(self.hass, address, connectable=True)

    # --- Transport ------------------------------------------------------------------------------

    async def async_start(self) -> None:
        """Report the device, follow its advertisements, then run the connection policy."""
        await self.device.async_start()
        self.hub.points_seen(self.address, DIAGNOSTIC_POINTS)
        # Advertisements only tell whether the device is in range and how well it is heard. A
        # persistent device is followed by its link; the others are reached from advertisements, so
        # ask AUTO-mode scanners for active scans (scan responses carry the name) at the poll cadence.
        persistent = self.policy.mode is ConnectionMode.PERSISTENT
        self._unsubscribe.append(
            bluetooth.async_register_callback(
                self.hass,
                self._on_advertisement,
                {"address": self.address, "connectable": True},
                BluetoothScanningMode.PASSIVE if persistent else BluetoothScanningMode.ACTIVE,
                scan_interval=None if persistent else self.policy.poll_interval,
            )
        )
        self._unsubscribe.append(
            bluetooth.async_track_unavailable(self.hass, self._on_unavailable, self.address, connectable=True)
        )
        if not bluetooth.async_address_present(self.hass, self.address, connectable=True):
            self.hub.node_lost(self.address)

    async def async_stop(self) -> None:
        """Stop following the device and close its link."""
        while self._unsubscribe:
            self._unsubscribe.pop()()
        await self.device.async_stop()

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        """A write of an entity (switch, number, text, button)."""
        await self.device.async_write(node_id, key, value)

    def forget_node(self, node_id: str) -> None:
        """Nothing to forget: the entry is the device (deleting it deletes the entry)."""

    def diagnostics(self) -> dict[str, Any]:
        """The engine's counters and what HA's bluetooth knows of the device."""
        info = bluetooth.async_last_service_info(self.hass, self.address, connectable=True)
        return {
            "engine": self.device.diagnostics(),
            "connected_via": self.device.connected_via,
            "advertisement": None
            if info is None
            else {
                "source": info.source,
                "rssi": info.rssi,
                "name": info.name,
                "service_uuids": sorted(info.service_uuids),
                "connectable": info.connectable,
            },
        }

    def addresses_to_redact(self) -> set[str]:
        """The device's address and those of the adapters and proxies that heard it."""
        return {self.address, *self._sources}

    # --- HA's bluetooth ---------------------------------------------------------------------------

    @callback
    def _on_advertisement(self, info: BluetoothServiceInfoBleak, _change: BluetoothChange) -> None:
        self.hub.node_seen(self.device.info)
        self.hub.value_received(self.address, RSSI_KEY, info.rssi)
        if not self.device.connected:
            self._report_via(info.source)

    @callback
    def _on_unavailable(self, _info: BluetoothServiceInfoBleak) -> None:
        if self.device.connected:
            return
        LOGGER.debug("%s is out of range of every adapter and proxy", self.entry.title)
        self.hub.node_lost(self.address)

    def _report_via(self, source: str | None) -> None:
        if source is None:
            return
        self._sources.add(source)
        scanner = bluetooth.async_scanner_by_source(self.hass, source)
        name = scanner.name if scanner is not None else source
        self.hub.value_received(self.address, CONNECTED_VIA_KEY, name)

    # --- the engine's events and failures ----------------------------------------------------------

    @callback
    def _on_event(self, event: DeviceEvent) -> None:
        if event.type is DeviceEventType.CONNECTED:
            self._report_via(event.data.get("connected_via"))
            for problem in ("authentication", "out_of_slots"):
                ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(problem))
        elif event.type is DeviceEventType.DISCONNECTED and not bluetooth.async_address_present(
            self.hass, self.address, connectable=True
        ):
            self.hub.node_lost(self.address)
        self.hass.bus.async_fire(EVENT_BLE, {"entry_id": self.entry.entry_id, **event.as_event_data()})

    @callback
    def _on_error(self, err: BleError) -> None:
        """A failure in the background (connect, poll): the ones a user can act on are repairs."""
        if isinstance(err, AuthenticationError):
            problem, severity = "authentication", ir.IssueSeverity.ERROR
        elif isinstance(err, OutOfSlotsError):
            problem, severity = "out_of_slots", ir.IssueSeverity.WARNING
        else:
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id(problem),
            is_fixable=False,
            severity=severity,
            translation_key=f"ble_{problem}",
            translation_placeholders={"name": self.entry.title, "address": self.address},
        )

    def _issue_id(self, problem: str) -> str:
        return f"ble_{problem}_{self.entry.entry_id}"


async def async_setup_ble_entry(hass: HomeAssistant, entry: PyIoTConfigEntry) -> BleDeviceHub:
    """The entry's hub and transport; HA's bluetooth must be running."""
    if BLUETOOTH not in hass.config.components:
        raise ConfigEntryNotReady(translation_domain=DOMAIN, translation_key="ble_bluetooth_not_ready")
    # The user picked this device: admitted at its first report, without a rate.
    hub = BleDeviceHub(hass, entry, admit_when=AdmitWhen.FIRST_REPORT, limits=TRUSTED_LIMITS)
    await hub.async_load()
    entry.async_on_unload(
        hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, hub.async_on_home_assistant_stop)
    )
    hub.link = BleDeviceLink(hass, entry, hub)
    hub.transport = hub.link
    return hub
