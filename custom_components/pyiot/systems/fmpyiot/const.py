"""Constants of the FmPyIOT system."""

from typing import Final

FMPYIOT_MQTT: Final = "fmpyiot_mqtt"
"""Entry kind: every FmPyIOT device on Home Assistant's MQTT broker."""
FMPYIOT_MQTT_TITLE: Final = "FmPyIOT MQTT devices"

DISCOVERY_TOPIC: Final = "/FmPyIOT/datetime_"
"""Every device asks the time here every 10 s until its clock is set; the manifest's MQTT discovery topic."""

CONF_MAX_DEPTH: Final = "max_depth"
CONF_TIME_SERVICE: Final = "time_service"
CONF_MANUAL_BASES: Final = "manual_bases"
CONF_ADD_BASE: Final = "add_base"
CONF_DEVICES: Final = "devices"
CONF_DEVICE: Final = "device"
CONF_SLEEPING: Final = "sleeping"
CONF_SLEEP_PERIOD: Final = "sleep_period"
CONF_SLEEP_PERIODS: Final = "sleep_periods"
CONF_TOPIC: Final = "topic"
CONF_ACTION: Final = "action"
CONF_DEVICE_CLASS: Final = "device_class"
CONF_UNIT: Final = "unit"
CONF_REVERSE_TOPIC: Final = "reverse_topic"
CONF_ON_PAYLOAD: Final = "on_payload"
CONF_OFF_PAYLOAD: Final = "off_payload"
REAUTH_NODE: Final = "fmpyiot_node"
"""Reauthentication data: the node id of the device whose web credentials were refused."""
