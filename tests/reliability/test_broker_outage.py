"""A real mosquitto killed and restarted under every MQTT transport: honest availability, fast recovery."""

from homeassistant.components import mqtt
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.reliability.conftest import RestartableBroker
from tests.reliability.states import entry_states, state, temperature_known
from tests.reliability.transports import ENTRY_ID, SimNode, TransportCase, temperature_entity, until


async def test_unavailable_while_the_broker_is_away_and_asked_at_once_after(
    hass: HomeAssistant,
    case: TransportCase,
    mqtt_entry: MockConfigEntry,
    pyiot_entry: MockConfigEntry,
    mqtt_broker: RestartableBroker,
    node: SimNode,
) -> None:
    assert await hass.config_entries.async_setup(ENTRY_ID)
    await hass.async_block_till_done()
    await node.appear()
    await until(
        lambda: temperature_known(hass, case),
        tick=node.tick,
    )

    mqtt_broker.kill()
    await until(lambda: not mqtt.is_connected(hass), timeout=10)
    await hass.async_block_till_done()
    states = entry_states(hass)
    assert states, "the node has entities"
    assert set(states.values()) == {STATE_UNAVAILABLE}, "every entity at once, not after a timeout"

    asked_before = node.mark()
    mqtt_broker.restart()
    await until(lambda: mqtt.is_connected(hass), timeout=20)
    # Not at the node's next periodic send: the gateway asks every known node for its values.
    await until(lambda: node.asked_since(asked_before), tick=node.tick)
    await node.answer(17.25)
    await until(lambda: state(hass, temperature_entity(hass, case)) == "17.25", tick=node.tick)
    assert await hass.config_entries.async_unload(ENTRY_ID)
