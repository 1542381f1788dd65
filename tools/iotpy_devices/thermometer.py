"""A simulated thermometer, written as an IOTpy 0.3 device file (runs under IOTpy and under PyIoT).

Variables: `room_temperature` (°C, a slow random walk), `room_humidity` (%), `thermometer_ok`
(a boolean), and `thermometer_battery` (V, slowly draining). Now and then a reading "fails": the
temperature then gets status 2 with an error text, as a real sensor's CRC error would, until the next
good reading. The thermometer is read-only: `write` refuses everything.
"""

from random import Random

from iotpy.Device import Device, addDevice

FAILURE_RATE = 0.02


class SimulatedThermometer(Device):
    """Reads a (simulated) temperature and humidity sensor every 5 seconds."""

    def __init__(self, name: str) -> None:
        """Open the sensor and declare the variables."""
        # The constructor of Device must be called first.
        Device.__init__(self, name)
        self.random = Random()
        self.temperature = 20.0 + self.random.uniform(-1.0, 1.0)
        self.humidity = 45.0
        self.battery = 3.0

        self.addVariable("room_temperature", "room temperature in degrees Celsius")
        self.addVariable("room_humidity", "relative humidity in percent")
        self.addVariable("thermometer_ok", "true while the sensor answers")
        self.addVariable("thermometer_battery", "battery voltage")

        # Read every 5 seconds.
        self.poll_loop_ms = 5000

    def loop(self) -> None:
        """Read the sensor and store the values."""
        self.temperature += self.random.uniform(-0.1, 0.1)
        self.humidity = min(100.0, max(0.0, self.humidity + self.random.uniform(-0.5, 0.5)))
        self.battery = max(2.0, self.battery - 0.0001)

        sensor_ok = self.random.random() >= FAILURE_RATE
        if sensor_ok:
            self.setVariableValue("room_temperature", round(self.temperature, 2))
        else:
            # A failed reading: status 2 and an error text; the last value stays.
            self.setVariableStatus("room_temperature", 2, "CRC error reading the sensor")
        self.setVariableValue("thermometer_ok", sensor_ok)
        self.setVariableValue("room_humidity", round(self.humidity, 1))
        self.setVariableValue("thermometer_battery", round(self.battery, 3))

    def write(self, name: str, value: float) -> bool:
        """A thermometer takes no commands."""
        return False

    def cleanup(self) -> None:
        """Nothing to close."""


# Create the device and add it to the list, as every IOTpy device file must.
addDevice(SimulatedThermometer("Living room thermometer"))
