"""The device's log goes into the diagnostics without addresses, MACs or secrets."""

import re

from hypothesis import given, strategies as st

from custom_components.pyiot.core.protocols.fmpyiot.diagnostics import REDACTED, redact_text

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
