"""The reliability suite over transports whose peer is no MQTT client."""
