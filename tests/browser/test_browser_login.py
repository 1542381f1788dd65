from browser_harness import HaInstance, screenshot, wait_for_frontend  # type: ignore[import-not-found]
from playwright.sync_api import Page


def test_the_owner_sees_the_frontend_after_logging_in(ha: HaInstance, page: Page) -> None:
    page.goto(ha.url + "/config/integrations/dashboard")
    wait_for_frontend(page)
    page.wait_for_selector("ha-config-integrations-dashboard")
    screenshot(page, "integrations-dashboard")
    assert page.evaluate("() => document.querySelector('home-assistant').hass.user.name") == "PyIoT Developer"
