"""The schedule card is served, loaded by the frontend and a Lovelace resource in storage mode."""

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.systems.thermostat.card import CARD_PATH, WWW, bundle_version


async def test_the_card_is_served_loaded_and_a_resource(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    assert await async_setup_component(hass, "frontend", {})
    assert await async_setup_component(hass, DOMAIN, {})
    version = bundle_version()
    assert len(version) == 16
    url = f"{CARD_PATH}?v={version}"
    assert url in hass.data[DATA_EXTRA_MODULE_URL].urls
    resources = hass.data[LOVELACE_DATA].resources
    assert [item["url"] for item in resources.async_items()] == [url]

    client = await hass_client()
    response = await client.get(url)
    assert response.status == 200
    body = await response.text()
    assert body == (WWW / "pyiot-schedule-card.js").read_text(encoding="utf-8")
    assert "customCards" in body


async def test_an_older_card_resource_is_updated_not_doubled(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "frontend", {})
    resources = hass.data[LOVELACE_DATA].resources
    await resources.async_get_info()
    await resources.async_create_item({"res_type": "module", "url": f"{CARD_PATH}?v=old"})
    await resources.async_create_item({"res_type": "module", "url": "/local/other.js"})
    assert await async_setup_component(hass, DOMAIN, {})
    urls = sorted(item["url"] for item in resources.async_items())
    assert urls == sorted([f"{CARD_PATH}?v={bundle_version()}", "/local/other.js"])


async def test_without_http_nothing_is_registered(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    assert DATA_EXTRA_MODULE_URL not in hass.data
