"""The Home Assistant side of the node model, shared by every transport.

`NodeHub` turns what a transport reports (`core.nodes.NodeListener`) into devices and entities;
`entities` has one entity class per kind of point; `node_entry_kind` declares an entry kind whose
runtime is a hub; `mqtt` is Home Assistant's MQTT client as a `core.protocols.mqtt_link.MqttLink`.
"""

from .hub import NodeHub
from .kind import node_entry_kind

__all__ = ["NodeHub", "node_entry_kind"]
