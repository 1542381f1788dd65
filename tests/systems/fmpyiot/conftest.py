"""A PyIoT FmPyIOT-MQTT entry on HA's real MQTT integration and mosquitto, with simulated devices."""

from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from unittest.mock import PropertyMock, patch

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN
from custom_components.pyiot.core.protocols.fmpyiot import GatewaySettings
from tests.support.entries import entry_loaded
from tests.support.mosquitto import Mosquitto
from tools.simulators.fmpyiot_device import make_device
from tools.simulators.fmpyiot_node import DeviceRunner

type StartDevice = Callable[..., Awaitable[DeviceRunner]]


@pytest.fixture
def pyiot_entry(hass: HomeAssistant) -> MockConfigEntry:
    """The entry, added but not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="FmPyIOT MQTT devices",
        unique_id="fmpyiot_mqtt",
        data={CONF_ENTRY_TYPE: "fmpyiot_mqtt"},
        options=GatewaySettings().as_dict(),
        entry_id="01FMPYIOTENTRY",
        version=2,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, pyiot_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """The entry set up, unloaded after the test."""
    async for entry in entry_loaded(hass, pyiot_entry):
        yield entry


@pytest.fixture
async def start_device(mqtt_broker: Mosquitto) -> AsyncGenerator[StartDevice]:
    """Connects simulated devices (driven step by step) to the broker; stops them after the test."""
    runners: list[DeviceRunner] = []

    async def start(
        index: int = 0, *, prefix: str = "T-HOME/SIM", web: bool = False, **options: object
    ) -> DeviceRunner:
        runner = DeviceRunner(
            make_device(index, prefix=prefix, seed=1, **options),
            mqtt_broker.host,
            mqtt_broker.port,
            reconnect_delay=0.05,
        )
        runners.append(runner)
        await runner.start(web=web)  # its web server on a free loopback port, `admin`/`secret`
        return runner

    yield start
    for runner in runners:
        await runner.stop()


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Every entity enabled, the diagnostic ones disabled by default included (as HA core's fixture)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield
