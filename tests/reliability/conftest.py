"""A broker of each test's own (killed and restarted by some), HA's MQTT client on it, and the entry."""

from collections.abc import AsyncGenerator, Iterator
from pathlib import Path
from unittest.mock import patch

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_VERSION
from tests.reliability.transports import ENTRY_ID, MQTT_TRANSPORTS, SimNode, TransportCase
from tests.support.mosquitto import Mosquitto, start_mosquitto


class RestartableBroker:
    """A mosquitto a test may kill and start again on the same port."""

    def __init__(self, workdir: Path) -> None:
        """Start it in `workdir`."""
        self._workdir = workdir
        self._runs = 0
        self._current = self._start(None)
        self.host, self.port = self._current.host, self._current.port

    def _start(self, port: int | None) -> Mosquitto:
        self._runs += 1
        run = self._workdir / f"run-{self._runs}"
        run.mkdir(parents=True)
        return start_mosquitto(run, port=port)

    def kill(self) -> None:
        """Die as a power cut does: no goodbye to the clients."""
        self._current.kill()

    def restart(self) -> None:
        """Start again on the same port."""
        self._current = self._start(self.port)

    def stop(self) -> None:
        """Stop whichever run is current."""
        self._current.stop()


@pytest.fixture
def mqtt_broker(tmp_path: Path, socket_enabled: None) -> Iterator[RestartableBroker]:
    """A broker of this test's own: an outage here must not reach other tests.

    Stopped after HA's MQTT entry is unloaded (it was set up before it), whichever run is current.
    """
    broker = RestartableBroker(tmp_path / "broker")
    yield broker
    broker.stop()


@pytest.fixture(autouse=True)
def quick_reconnect() -> Iterator[None]:
    """HA's MQTT client tries again every 10 s; half a second is enough here."""
    with patch("homeassistant.components.mqtt.client.RECONNECT_INTERVAL_SECONDS", 0.5):
        yield


@pytest.fixture(params=MQTT_TRANSPORTS, ids=str)
def case(request: pytest.FixtureRequest) -> TransportCase:
    """Each transport carried by HA's MQTT client in turn."""
    transport: TransportCase = request.param
    return transport


@pytest.fixture
def pyiot_entry(hass: HomeAssistant, case: TransportCase) -> MockConfigEntry:
    """The transport's entry, added but not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Reliable {case.kind}",
        unique_id=case.kind,
        data={CONF_ENTRY_TYPE: case.kind},
        options=case.options,
        entry_id=ENTRY_ID,
        version=ENTRY_VERSION,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def node(
    hass: HomeAssistant, case: TransportCase, mqtt_broker: RestartableBroker
) -> AsyncGenerator[SimNode]:
    """One node of the transport, stopped after the test."""
    simulated = await case.start_node(hass, mqtt_broker)
    yield simulated
    await simulated.stop()
