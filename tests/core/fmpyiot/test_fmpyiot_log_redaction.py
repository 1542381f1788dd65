"""The device's log goes into the diagnostics without addresses, MACs or secrets."""

from collections.abc import AsyncIterator
import re

import aiohttp
from hypothesis import given, strategies as st
import pytest

from custom_components.pyiot.core.protocols.fmpyiot import DeviceSettings, GatewaySettings, WebSettings
from custom_components.pyiot.core.protocols.fmpyiot.diagnostics import REDACTED, redact_text
from tests.core.fmpyiot.fmpyiot_helpers import (
    FmPyIotListener,
    device_on,
    gateway_on,
    identified,
    unique_prefix,
    wait_until,
)
from tests.support.aiomqtt_link import AiomqttLink
from tests.support.manual_clock import ManualClock
from tests.support.mosquitto import Mosquitto
from tools.simulators.fmpyiot_device import make_device

IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
MAC = re.compile(r"\b[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}\b")


def test_addresses_macs_and_secrets_are_taken_out() -> None:
    log = (
        "INFO:root: WiFi WIFI_THOME2 connected, ip 192.168.10.77 mac 28:CD:C1:0F:4D:81\n"
        "DEBUG:web: admin logged in with s3cr3t from 10.0.0.2\n"
        "INFO:root: temperature 21.5 at 06:20:20\n"
    )
    redacted = redact_text(log, ["WIFI_THOME2", "admin", "s3cr3t", None, ""])
    assert redacted == (
        f"INFO:root: WiFi {REDACTED} connected, ip {REDACTED} mac {REDACTED}\n"
        f"DEBUG:web: {REDACTED} logged in with {REDACTED} from {REDACTED}\n"
        "INFO:root: temperature 21.5 at 06:20:20\n"
    )


def test_a_longer_secret_goes_before_a_shorter_one_inside_it() -> None:
    assert redact_text("pass=adminadmin2", ["admin", "adminadmin2"]) == f"pass={REDACTED}"


@given(
    st.lists(
        st.one_of(
            st.text(max_size=20),
            st.ip_addresses(v=4).map(str),
            st.binary(min_size=6, max_size=6).map(lambda raw: ":".join(f"{byte:02x}" for byte in raw)),
        ),
        max_size=12,
    ),
    st.text(min_size=4, max_size=12),
)
def test_no_address_or_secret_survives(parts: list[str], secret: str) -> None:
    text = " ".join([*parts, secret])
    redacted = redact_text(text, [secret])
    assert secret not in redacted or secret in REDACTED
    assert not IPV4.search(redacted.replace(REDACTED, " "))
    assert not MAC.search(redacted.replace(REDACTED, " "))


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_the_gateway_keeps_the_log_redacted_and_the_last_one_when_unreadable(
    broker: Mosquitto,
    link: AiomqttLink,
    listener: FmPyIotListener,
    clock: ManualClock,
    session: aiohttp.ClientSession,
) -> None:
    device = make_device(0, prefix=unique_prefix("LOG"))
    async with device_on(broker, device, web=True) as runner:
        assert runner.web is not None
        runner.web.log_text = f"INFO: up at 127.0.0.1 as {device.mac} ({device.client_id}), user admin\n"
        web = WebSettings(username="admin", password="secret", port=runner.web.port, host="127.0.0.1")  # noqa: S106
        settings = GatewaySettings(devices={device.mac: DeviceSettings(web=web)})
        async with gateway_on(link, listener, clock=clock, settings=settings, web_session=session) as gateway:
            node_id = await identified(listener, runner)

            def log() -> str | None:
                return gateway.diagnostics()["devices"][0]["web"]["log"]

            await wait_until(lambda: log() is not None)
            assert log() == f"INFO: up at {REDACTED} as {REDACTED} ({REDACTED}), user {REDACTED}\n"

            runner.web.log_text = "x" * (300 * 1024)  # beyond what the client reads: unreadable
            await gateway.async_read_web(node_id)
            assert log() == f"INFO: up at {REDACTED} as {REDACTED} ({REDACTED}), user {REDACTED}\n"
