"""Constants of the BLE GATT system."""

from typing import Final

BLE_GATT: Final = "ble_gatt"
"""The entry kind: one BLE GATT device reached through Home Assistant's bluetooth."""

CONF_ADDRESS: Final = "address"
CONF_GATT: Final = "gatt"
"""Entry data: every characteristic the explorer found (the options flow offers them again)."""
CONF_CHARACTERISTICS: Final = "characteristics"
"""Entry options: the characteristics that are entities, as `CharacteristicBinding.as_dict()`."""
CONF_POLICY: Final = "policy"
CONF_RESET: Final = "reset"
"""Entry options: the reset request, `{"uuid": ..., "value": "<hex>"}`."""
CONF_RESET_CHARACTERISTIC: Final = "reset_characteristic"
CONF_RESET_VALUE: Final = "reset_value"
CONF_MODE: Final = "mode"
CONF_POLL_INTERVAL: Final = "poll_interval"
CONF_FORMAT: Final = "format"
CONF_SCALE: Final = "scale"
CONF_UNIT: Final = "unit"

DEFAULT_POLL_INTERVAL: Final = 300
MIN_POLL_INTERVAL: Final = 10
MAX_POLL_INTERVAL: Final = 86_400

RSSI_KEY: Final = "rssi"
CONNECTED_VIA_KEY: Final = "connected_via"
EVENT_BLE: Final = "pyiot_ble_event"

DISCOVERY_SERVICES: Final = (
    "0000181a-0000-1000-8000-00805f9b34fb",  # Environmental Sensing: the maker's sensor node
    "00001805-0000-1000-8000-00805f9b34fb",  # Current Time: a device with a clock to set
    "00001815-0000-1000-8000-00805f9b34fb",  # Automation IO: digital/analog outputs to drive
    "6e400001-b5a3-f393-e0a9-e50e24dcca9e",  # Nordic UART: the usual serial link of nRF/ESP32 sketches
    "0000180f-0000-1000-8000-00805f9b34fb",  # Battery: almost every battery node; broad, so ignorable
)
"""The services of the manifest's `bluetooth` matchers (connectable only: a GATT device is connected to).

These are what DIY firmware (Arduino BLE, NimBLE, Zephyr, MicroPython `aioble`) advertises; vendor
devices with their own HA integration rarely advertise them, and an unwanted discovery can be ignored.
`tests/systems/ble` checks that the manifest lists exactly these.
"""
