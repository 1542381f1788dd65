"""What the reliability benchmarks know about PyIoT's Home Assistant side, in one place.

`hostile_flood.py` and `recovery.py` drive PyIoT only through Home Assistant (config entries, the device
and entity registries, states, `.storage`); they import no module of `custom_components/pyiot` outside
`core/`. The few facts they rely on are here, so that a restructured HA side (one package per system,
a new node hub) needs changes in this file only:

- the config entry of the Pyaiot MQTT system (its data and options),
- the unique ids of entities and the identifiers of devices of Pyaiot nodes,
- the logger name and the storage key of the entry's node records.
"""

from typing import Any

DOMAIN = "pyiot"
LOGGER_NAME = "custom_components.pyiot"
PYAIOT_MQTT_ENTRY_ID = "01BENCHPYIOTENTRY"
PYAIOT_MQTT_DATA: dict[str, Any] = {"entry_type": "pyaiot_mqtt"}
PYAIOT_MQTT_OPTIONS: dict[str, Any] = {"node_timeout": 120}
"""The defaults of a new entry: admission limits are the kind's own (500 nodes, 30 new a minute, ...)."""
PYAIOT_MQTT_TITLE = "Pyaiot MQTT nodes"
PYAIOT_MQTT_UNIQUE_ID = "pyaiot_mqtt"
NAMESPACE = PYAIOT_MQTT_ENTRY_ID
"""Prefix of the unique ids and device identifiers of Pyaiot MQTT nodes: the entry id (config entry
version 2; version 1, before the restructure, used `pyaiot_mqtt`)."""


def unique_id(node_id: str, key: str) -> str:
    """Unique id of the entity of resource `key` of Pyaiot node `node_id`."""
    return f"{NAMESPACE}:{node_id}:{key}"


def node_of_device(identifiers: set[tuple[str, str]]) -> str | None:
    """The Pyaiot node id of a device of PyIoT, from its registry identifiers, else None."""
    prefix = f"{NAMESPACE}:"
    for domain, identifier in identifiers:
        if domain == DOMAIN and identifier.startswith(prefix):
            return identifier.removeprefix(prefix)
    return None


def storage_key(entry_id: str = PYAIOT_MQTT_ENTRY_ID) -> str:
    """Key (file name under `.storage`) of the node records of an entry."""
    return f"{DOMAIN}.{entry_id}"


def stored_node_count(document: dict[str, Any]) -> int:
    """Number of node records in a loaded `.storage` document of an entry."""
    nodes = document.get("data", {}).get("nodes", {})
    return len(nodes) if isinstance(nodes, dict | list) else 0
