"""Whom PyIoT's servers accept: the allowed networks of an RPyMostat engine or a Pyaiot WebSocket gateway."""

from unittest.mock import patch

from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
import pytest

from custom_components.pyiot.hub.networks import (
    CONF_ALLOWED_NETWORKS,
    CONF_RATE_LIMIT,
    async_allowed_networks,
    guard_options,
)
from tests.support.network_adapters import ADAPTERS


async def test_no_list_means_the_networks_of_the_enabled_adapters(hass: HomeAssistant) -> None:
    with patch("homeassistant.components.network.async_get_adapters", return_value=ADAPTERS):
        networks = await async_allowed_networks(hass, {CONF_ALLOWED_NETWORKS: " "}, "key")
    assert [str(network) for network in networks] == ["192.168.1.0/24", "fe80::/64", "fd00::/64"]


async def test_a_list_is_taken_as_given(hass: HomeAssistant) -> None:
    networks = await async_allowed_networks(hass, {CONF_ALLOWED_NETWORKS: "10.1.0.0/16, ::1"}, "key")
    assert [str(network) for network in networks] == ["10.1.0.0/16", "::1/128"]


async def test_a_stored_list_that_does_not_parse_fails_the_setup_translated(hass: HomeAssistant) -> None:
    with pytest.raises(ConfigEntryError) as caught:
        await async_allowed_networks(hass, {CONF_ALLOWED_NETWORKS: "10.1.0.0/16, nonsense"}, "the_key")
    assert caught.value.translation_key == "the_key"
    assert caught.value.translation_placeholders == {"item": "nonsense"}


def test_the_form_is_normalised_and_a_bad_list_is_an_error_of_its_field() -> None:
    options, errors = guard_options(
        {CONF_ALLOWED_NETWORKS: "10.1.2.3/16", CONF_RATE_LIMIT: 2, CONF_TOKEN: " secret "}
    )
    assert options == {CONF_ALLOWED_NETWORKS: "10.1.0.0/16", CONF_RATE_LIMIT: 2.0, CONF_TOKEN: "secret"}
    assert errors == {}
    options, errors = guard_options({CONF_ALLOWED_NETWORKS: "nope", CONF_RATE_LIMIT: 0, CONF_TOKEN: " "})
    assert options == {CONF_ALLOWED_NETWORKS: "", CONF_RATE_LIMIT: 0.0}
    assert errors == {CONF_ALLOWED_NETWORKS: "invalid_networks"}
