"""PyIoT's core without Home Assistant: the node model, the protocols and the thermostat engine.

Nothing in this package imports `homeassistant` or the integration around it (only relative imports
inside `core` and third-party libraries), so it can be tested, benchmarked and published on its own;
`tests/test_core_boundary.py` imports it with `homeassistant` blocked.
"""
