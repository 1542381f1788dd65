"""The Variable errors sensor: what it counts and lists, and how a device file's errors reach it."""

from custom_components.pyiot.core.iotpy.variable_errors import (
    MAX_ERROR_LENGTH,
    MAX_LISTED,
    VARIABLE_ERRORS_KEY,
    variable_errors,
)
from custom_components.pyiot.core.nodes import StateWithAttributes
from tests.support import iotpy_gates
from tests.support.iotpy_fixtures import DeviceFolder, RuntimeFactory
from tests.support.recording_listener import RecordingListener

FLAKY = """
from iotpy.Device import Device, addDevice
from tests.support.iotpy_gates import gate

class Flaky(Device):
    def __init__(self, name):
        Device.__init__(self, name)
        for variable in ("probe", "icon", "idle"):
            self.addVariable(variable)
        self.setVariableValue("probe", 20.5)
        self.loops = 0
        self.poll_loop_ms = 20

    def loop(self):
        self.loops += 1
        if self.loops == 3:
            self.setVariableStatus("probe", 2, "sensor unplugged " + "x" * 300)
            self.setVariableStatus("icon", 5)
        if self.loops == 4:
            gate("flaky recovers").wait()
            self.setVariableValue("probe", 21.0)
            self.setVariableValue("icon", 1)

    def write(self, name, value):
        return False

    def cleanup(self):
        pass

addDevice(Flaky("flaky"))
"""


def test_counted_are_error_statuses_not_the_never_set() -> None:
    state = variable_errors(
        [
            ("good", 1, ""),
            ("never_set", 0, ""),
            ("legacy", None, ""),
            ("failed", 2, "UKNOWN FAILURE"),
            ("zero_with_error", 0, "no answer"),
            ("bare", 3, ""),
            ("text_status", "broken", "it broke"),
        ]
    )
    assert state == StateWithAttributes(
        4,
        {
            "failed": "UKNOWN FAILURE",
            "zero_with_error": "no answer",
            "bare": "status 3",
            "text_status": "it broke",
        },
    )
    assert variable_errors([]) == StateWithAttributes(0, {})


def test_the_list_is_bounded_and_does_not_shadow_home_assistants_attributes() -> None:
    many = [(f"v{index}", 2, "e" * 1000) for index in range(50)]
    state = variable_errors([("friendly_name", 2, "bad"), *many])
    assert state.state == 51
    assert len(state.attributes) == MAX_LISTED
    assert state.attributes["friendly_name (variable)"] == "bad"
    assert "friendly_name" not in state.attributes
    assert {len(text) for key, text in state.attributes.items() if key.startswith("v")} == {MAX_ERROR_LENGTH}


async def test_a_device_files_errors_come_and_go(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write("flaky.py", FLAKY)
    await start_runtime()
    node = "flaky/flaky"

    def errors() -> list[StateWithAttributes]:
        return listener.values(node, VARIABLE_ERRORS_KEY)

    await listener.wait_for(lambda: any(state.state == 2 for state in errors()))
    failing = next(state for state in errors() if state.state == 2)
    assert failing.attributes == {"probe": "sensor unplugged " + "x" * 183, "icon (variable)": "status 5"}
    assert errors()[0] == StateWithAttributes(0, {}), "the sensor starts at 0: idle is only never set"
    iotpy_gates.gate("flaky recovers").set()
    await listener.wait_for(lambda: listener.values(node, "probe")[-1] == 21.0 and errors()[-1].state == 0)
    assert errors()[-1] == StateWithAttributes(0, {})
    # Reported when it changes (one variable at a time), not at every value of the device.
    assert [state.state for state in errors()] == [0, 1, 2, 1, 0]
