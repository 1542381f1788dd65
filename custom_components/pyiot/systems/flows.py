"""The config flow steps of every system, in one class for the integration's one `ConfigFlow`."""

from .ble.config_flow import BleConfigSteps
from .fmpyiot.config_flow import FmPyIotConfigSteps
from .pyaiot.config_flow import PyaiotConfigSteps
from .rpymostat.config_flow import RPyMostatConfigSteps
from .thermostat.config_flow import ThermostatConfigSteps


class SystemConfigSteps(
    PyaiotConfigSteps, ThermostatConfigSteps, RPyMostatConfigSteps, FmPyIotConfigSteps, BleConfigSteps
):
    """Every system's steps; `config_flow.PyIoTConfigFlow` adds the menu and the routing."""
