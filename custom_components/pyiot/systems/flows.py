"""The config flow steps of every system, in one class for the integration's one `ConfigFlow`."""

from .ble.config_flow import BleConfigSteps
from .pyaiot.config_flow import PyaiotConfigSteps
from .rpymostat.config_flow import RPyMostatConfigSteps
from .thermostat.config_flow import ThermostatConfigSteps


class SystemConfigSteps(PyaiotConfigSteps, ThermostatConfigSteps, RPyMostatConfigSteps, BleConfigSteps):
    """Every system's steps; `config_flow.PyIoTConfigFlow` adds the menu and the routing."""
