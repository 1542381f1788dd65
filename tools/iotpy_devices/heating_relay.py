"""A simulated heating relay with a setpoint, written as an IOTpy 0.3 device file (IOTpy and PyIoT).

Variables: `heating_relay` (1 on, 0 off; writable), `heating_setpoint` (°C, writable between 5 and
30), `heating_switch_count` (how often the relay switched). `write` checks the value, "sends" it to
the hardware and then stores what the hardware reports back, as a real driver should; the variables
only change through `loop` or `write`.
"""

import iotpy.Device

MIN_SETPOINT = 5.0
MAX_SETPOINT = 30.0


class SimulatedRelayBoard:
    """Stands in for the serial line of a real relay board."""

    def __init__(self) -> None:
        """Relay off, setpoint 20 °C."""
        self.relay = 0
        self.setpoint = 20.0
        self.switches = 0

    def set_relay(self, state: int) -> None:
        """Switch the relay (counting real changes)."""
        if state != self.relay:
            self.switches += 1
        self.relay = state

    def close(self) -> None:
        """Close the serial line."""


class HeatingRelay(iotpy.Device.Device):
    """A relay and a setpoint, both writable."""

    def __init__(self, name: str) -> None:
        """Open the board and declare the variables."""
        iotpy.Device.Device.__init__(self, name)
        self.board = SimulatedRelayBoard()
        self.addVariable("heating_relay", "relay state: 1 on, 0 off")
        self.addVariable("heating_setpoint", "target temperature in degrees Celsius")
        self.addVariable("heating_switch_count", "number of relay switches")
        self.poll_loop_ms = 1000

    def loop(self) -> None:
        """Report what the board says."""
        self.setVariableValue("heating_relay", self.board.relay)
        self.setVariableValue("heating_setpoint", self.board.setpoint)
        self.setVariableValue("heating_switch_count", self.board.switches)

    def write(self, name: str, value: float) -> bool:
        """Switch the relay (0 or 1) or change the setpoint (5 to 30); False for anything else."""
        if name == "heating_relay" and value in {0, 1}:
            self.board.set_relay(int(value))
            self.setVariableValue("heating_relay", self.board.relay)
            self.setVariableValue("heating_switch_count", self.board.switches)
            return True
        if name == "heating_setpoint" and MIN_SETPOINT <= value <= MAX_SETPOINT:
            self.board.setpoint = float(value)
            self.setVariableValue("heating_setpoint", self.board.setpoint)
            return True
        return False

    def cleanup(self) -> None:
        """Close the board."""
        self.board.close()


iotpy.Device.addDevice(HeatingRelay("Heating relay"))
