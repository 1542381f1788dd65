"""The thermostat engine is pure Python: its tests need no Home Assistant instance."""

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Replace the root conftest's fixture of the same name, which starts Home Assistant per test."""
    return
