"""The schedule card (`www/pyiot-schedule-card.js`): served, loaded on every page and a Lovelace resource.

The URL carries the bundle's source hash (its first line), so browsers fetch a new card after an
update. In storage mode the card is also a Lovelace resource (an older PyIoT URL is updated); in YAML
mode resources belong to the user, and `add_extra_js_url` alone loads the card.
"""

from pathlib import Path
import re

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, add_extra_js_url
from homeassistant.components.http.server import StaticPathConfig
from homeassistant.components.lovelace.const import LOVELACE_DATA, MODE_STORAGE
from homeassistant.core import HomeAssistant

from ...const import DOMAIN, LOGGER

WWW = Path(__file__).parents[2] / "www"
BUNDLE = "pyiot-schedule-card.js"
URL_BASE = f"/{DOMAIN}_static"
CARD_PATH = f"{URL_BASE}/{BUNDLE}"


def bundle_version(bundle: Path = WWW / BUNDLE) -> str:
    """The source hash of the bundle's banner (blocking: run in the executor)."""
    with bundle.open(encoding="utf-8") as file:
        banner = file.readline()
    match = re.match(r"/\* pyiot-schedule-card ([0-9a-f]+)", banner)
    return match.group(1) if match else "0"


async def async_register_card(hass: HomeAssistant) -> None:
    """Serve the card and load it in the frontend (nothing to do without HA's http integration)."""
    if "http" not in hass.config.components:
        return
    await hass.http.async_register_static_paths([StaticPathConfig(URL_BASE, str(WWW), cache_headers=True)])
    url = f"{CARD_PATH}?v={await hass.async_add_executor_job(bundle_version)}"
    if DATA_EXTRA_MODULE_URL in hass.data:
        add_extra_js_url(hass, url)
    await _async_add_resource(hass, url)


async def _async_add_resource(hass: HomeAssistant, url: str) -> None:
    lovelace = hass.data.get(LOVELACE_DATA)
    if lovelace is None or lovelace.resource_mode != MODE_STORAGE:
        return
    resources = lovelace.resources
    await resources.async_get_info()  # loads the collection
    for item in resources.async_items():
        if str(item.get("url", "")).split("?")[0] == CARD_PATH:
            if item["url"] != url and hasattr(resources, "async_update_item"):
                await resources.async_update_item(item["id"], {"url": url})
                LOGGER.debug("Schedule card resource updated to %s", url)
            return
    if hasattr(resources, "async_create_item"):
        await resources.async_create_item({"res_type": "module", "url": url})
        LOGGER.debug("Schedule card resource added: %s", url)
