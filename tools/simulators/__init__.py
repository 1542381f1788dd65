"""Simulators of the nodes PyIoT talks to, for tests, benchmarks and scripts/develop."""
