"""FmPyIOT (https://github.com/FredThx/FmPyIOT): MicroPython devices, here over Home Assistant's MQTT broker.

The protocol is `core.protocols.fmpyiot`; its gateway reports the devices to the shared node hub.
"""

from dataclasses import replace

from ...core.nodes import AdmissionLimits, AdmitWhen
from ...core.protocols.fmpyiot import REDACT
from ...hub import node_entry_kind
from ...kinds import Discovery, mqtt_topic
from ..system import System
from .config_flow import FmPyIotMqttOptionsFlow
from .const import DISCOVERY_TOPIC, FMPYIOT_MQTT
from .mqtt import async_create_gateway, devices_storage_key

_KIND = node_entry_kind(
    key=FMPYIOT_MQTT,
    create_transport=async_create_gateway,
    options_flow=FmPyIotMqttOptionsFlow,
    discoveries=(
        Discovery(source="mqtt", step="fmpyiot_mqtt_discovery", matches=mqtt_topic(DISCOVERY_TOPIC)),
    ),
    # Node ids are MACs here: the admission report's lists of them go too.
    redact=frozenset(REDACT) | {"newest_nodes", "last_refused", "point_cap_nodes"},
    # The gateway reports a device only once it answered `SYSINFO_` (or its identity wait ran out):
    # that is its handshake. Anyone on the broker can still invent devices, hence the rates and caps.
    admit_when=AdmitWhen.FIRST_REPORT,
    limits=AdmissionLimits(),
)

FMPYIOT_SYSTEM = System(
    name="FmPyIOT",
    kinds=(
        replace(
            _KIND,
            storage_keys=lambda entry_id: (*_KIND.storage_keys(entry_id), devices_storage_key(entry_id)),
        ),
    ),
)
