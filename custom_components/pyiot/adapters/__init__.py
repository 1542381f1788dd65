"""Thin adapters: one per config entry type, wiring a protocol from `protocols/` to the node hub."""
