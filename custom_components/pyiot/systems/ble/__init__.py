"""BLE GATT devices (the "Python IoT Hub" model) through Home Assistant's bluetooth.

One entry per device, reached through any local adapter or ESPHome Bluetooth proxy HA's bluetooth
has; the engine is `core.protocols.ble`, the characteristics become entities through the node hub.
"""

from ...hub.entities import NODE_PLATFORMS
from ...hub.storage import storage_key
from ...kinds import Discovery, EntryKind
from ..system import System
from .config_flow import BleGattOptionsFlow
from .const import BLE_GATT, CONF_ADDRESS
from .device_trigger import BleDeviceTriggers
from .runtime import BleDeviceHub, async_setup_ble_entry
from .services import async_setup_services

BLE_GATT_KIND: EntryKind[BleDeviceHub] = EntryKind(
    key=BLE_GATT,
    async_setup=async_setup_ble_entry,
    platforms=NODE_PLATFORMS,
    storage_keys=lambda entry_id: (storage_key(entry_id),),
    options_flow=BleGattOptionsFlow,
    # HA's bluetooth starts a flow only for the manifest's matchers, which are all ours.
    discoveries=(Discovery(source="bluetooth", step="ble_gatt_bluetooth", matches=lambda _info: True),),
    redact=frozenset({CONF_ADDRESS}),
    device_triggers=BleDeviceTriggers(),
)

BLE_SYSTEM = System(name="BLE GATT", kinds=(BLE_GATT_KIND,), async_setup_services=async_setup_services)
