"""Points (kinds, keys, stored bindings), policies, backoff, the flood guard and bleak error translation."""

import asyncio
import random

from bleak.exc import BleakError
from bleak_retry_connector import BleakNotFoundError, BleakOutOfConnectionSlotsError
import pytest

from custom_components.pyiot.core.nodes.model import PointKind
from custom_components.pyiot.core.protocols.ble import (
    AuthenticationError,
    Backoff,
    BleError,
    BleErrorKey,
    CharacteristicBinding,
    CharacteristicError,
    ConnectionMode,
    ConnectionPolicy,
    GattCharacteristic,
    LinkError,
    NotificationCoalescer,
    OutOfSlotsError,
    UserFormat,
    ValueEncodeError,
    ValueFormat,
    explore,
    normalize_address,
    point_kind,
    sig_uuid,
    unique_key,
)
from custom_components.pyiot.core.protocols.ble.bleak_link import translate

CUSTOM = "9f1c0002-5d6a-4a0e-9c43-2f0b6a7e1b10"


def char(uuid: str, *props: str, handle: int = 10, service: str = "") -> GattCharacteristic:
    return GattCharacteristic(uuid=uuid, handle=handle, properties=frozenset(props), service_uuid=service)


@pytest.mark.parametrize(
    ("props", "fmt", "press", "kind"),
    [
        (("read",), ValueFormat.U16, None, PointKind.SENSOR),
        (("notify",), ValueFormat.SFLOAT, None, PointKind.SENSOR),
        (("read",), ValueFormat.BOOL, None, PointKind.BINARY_SENSOR),
        (("read",), ValueFormat.UTF8, None, PointKind.SENSOR),
        (("read", "write"), ValueFormat.BOOL, None, PointKind.SWITCH),
        (("read", "write"), ValueFormat.I16, None, PointKind.NUMBER),
        (("write-without-response",), ValueFormat.UTF8, None, PointKind.TEXT),
        (("read", "write"), ValueFormat.HEX, None, PointKind.TEXT),
        (("write",), ValueFormat.HEX, b"\x01", PointKind.BUTTON),
        (("read", "write"), ValueFormat.HEX, b"\x01", PointKind.TEXT),
    ],
)
def test_point_kinds(props: tuple[str, ...], fmt: ValueFormat, press: bytes | None, kind: PointKind) -> None:
    assert point_kind(char(CUSTOM, *props), fmt, press_value=press) is kind


def test_point_specs_of_known_and_user_characteristics() -> None:
    battery = CharacteristicBinding.for_characteristic(char(sig_uuid(0x2A19), "read", "notify", handle=19))
    spec = battery.point()
    assert (spec.key, spec.kind, spec.name, spec.unit, spec.device_class, spec.state_class) == (
        f"{sig_uuid(0x2A19)}_19",
        PointKind.SENSOR,
        "Battery level",
        "%",
        "battery",
        "measurement",
    )
    setpoint = CharacteristicBinding.for_characteristic(
        char(CUSTOM, "read", "write"),
        UserFormat(format=ValueFormat.I16, scale=0.01, unit="°C"),
        name="Setpoint",
    ).point()
    assert (setpoint.kind, setpoint.name, setpoint.unit, setpoint.writable) == (
        PointKind.NUMBER,
        "Setpoint",
        "°C",
        True,
    )
    assert (setpoint.minimum, setpoint.maximum, setpoint.step) == (-327.68, 327.67, 0.01)
    level = CharacteristicBinding.for_characteristic(char(sig_uuid(0x2A19), "read", "write")).point()
    assert (level.kind, level.minimum, level.maximum) == (PointKind.NUMBER, 0, 100)
    decimal = CharacteristicBinding.for_characteristic(
        char(CUSTOM, "read", "write"), UserFormat(format=ValueFormat.FLOAT32)
    ).point()
    assert decimal.step == 0.01
    label = CharacteristicBinding.for_characteristic(
        char(CUSTOM, "read"), UserFormat(format=ValueFormat.UTF8)
    )
    assert label.point().unit is None
    assert label.point().name == CUSTOM
    with pytest.raises(CharacteristicError) as err:
        CharacteristicBinding.for_characteristic(char(CUSTOM, "read"))
    assert err.value.key == BleErrorKey.UNKNOWN_CHARACTERISTIC


def test_bindings_round_trip_through_storage() -> None:
    bindings = [
        CharacteristicBinding.for_characteristic(char(sig_uuid(0x2A6E), "read", "notify", handle=23)),
        CharacteristicBinding.for_characteristic(
            char(CUSTOM, "write", handle=52),
            UserFormat(format=ValueFormat.HEX),
            name="Reset",
            press_value=b"\x01",
        ),
        CharacteristicBinding.for_characteristic(
            char(CUSTOM, "read", "write", handle=46), UserFormat(format=ValueFormat.I16, scale=0.5, unit="x")
        ),
    ]
    for binding in bindings:
        assert CharacteristicBinding.from_dict(binding.as_dict()) == binding
    assert bindings[1].as_dict()["press_value"] == "01"
    with pytest.raises((KeyError, ValueError)):
        CharacteristicBinding.from_dict({"uuid": "nope", "handle": 1, "properties": []})


def test_encoding_through_bindings() -> None:
    temperature = CharacteristicBinding.for_characteristic(char(sig_uuid(0x2A6E), "read", "write"))
    assert temperature.encode(21.5) == b"\x66\x08"
    heart = CharacteristicBinding.for_characteristic(char(sig_uuid(0x2A37), "notify"))
    with pytest.raises(ValueEncodeError):
        heart.encode(60)
    with pytest.raises(ValueEncodeError):
        temperature.encode(None)


def test_keys_and_addresses() -> None:
    assert normalize_address("c0-ff-ee-00-00-01") == "C0:FF:EE:00:00:01"
    assert unique_key("c0:ff:ee:00:00:01", sig_uuid(0x2A19), 19) == f"C0:FF:EE:00:00:01_{sig_uuid(0x2A19)}_19"
    with pytest.raises(ValueError, match="address"):
        normalize_address("C0:FF:EE")


def test_explorer_hides_gap_and_gatt() -> None:
    listed = explore(
        [
            char(sig_uuid(0x2A00), "read", service=sig_uuid(0x1800)),
            char(sig_uuid(0x2A19), "read", service=sig_uuid(0x180F)),
            char(CUSTOM, service="x"),
        ]
    )
    assert [c.uuid for c in listed] == [sig_uuid(0x2A19)]


def test_policies() -> None:
    assert ConnectionPolicy().mode is ConnectionMode.POLL
    assert ConnectionPolicy().hold_time == 10.0
    assert ConnectionPolicy(mode=ConnectionMode.PERSISTENT).hold_time is None
    assert ConnectionPolicy(mode=ConnectionMode.ON_DEMAND, hold_after_action=2).hold_time == 2
    policy = ConnectionPolicy(mode=ConnectionMode.ON_DEMAND, poll_interval=60)
    assert ConnectionPolicy.from_dict(policy.as_dict()) == policy
    for bad in ({"poll_interval": 0}, {"backoff_initial": 0}, {"jitter": 1}, {"operation_timeout": 0}):
        with pytest.raises(ValueError, match=r"must|required"):
            ConnectionPolicy(**bad)  # type: ignore[arg-type]


def test_backoff_doubles_with_bounded_jitter() -> None:
    backoff = Backoff(1, 8, 0.25, random.Random(7))
    delays = [backoff.next_delay() for _ in range(6)]
    for delay, base in zip(delays, [1, 2, 4, 8, 8, 8], strict=True):
        assert base * 0.75 <= delay <= base * 1.25
    assert len(set(delays)) == 6, "jittered"
    backoff.reset()
    assert backoff.next_delay() <= 1.25


async def test_coalescer_caps_the_rate_and_keeps_the_latest() -> None:
    now = [0.0]
    delivered: list[tuple[str, bytes]] = []
    floods: list[str] = []
    guard = NotificationCoalescer(10, lambda k, d: delivered.append((k, d)), floods.append, lambda: now[0])
    guard.push("a", b"1")
    for value in (b"2", b"3", b"4"):
        now[0] += 0.01
        guard.push("a", value)
    guard.push("b", b"x")
    assert delivered == [("a", b"1"), ("b", b"x")]
    assert floods == ["a"]
    assert guard.coalesced() == {"a": 2}  # b"2" dropped for b"3", b"3" for b"4"
    await asyncio.sleep(0.12)
    assert delivered[-1] == ("a", b"4")
    guard.push("a", b"5")
    guard.cancel()
    await asyncio.sleep(0.12)
    assert delivered[-1] == ("a", b"4")


@pytest.mark.parametrize(
    ("error", "expected", "key"),
    [
        (BleakOutOfConnectionSlotsError("no slot"), OutOfSlotsError, BleErrorKey.OUT_OF_SLOTS),
        (BleakNotFoundError("gone"), LinkError, BleErrorKey.NOT_FOUND),
        (BleakError("GATT Error error=5 description=Insufficient authentication"), AuthenticationError,
         BleErrorKey.AUTHENTICATION),
        (BleakError("[org.bluez.Error.NotAuthorized] Operation Not Authorized"), AuthenticationError,
         BleErrorKey.AUTHENTICATION),
        (TimeoutError(), BleError, BleErrorKey.TIMEOUT),
        (BleakError("PyIoT Env is not connected"), LinkError, BleErrorKey.DISCONNECTED),
        (BleakError("something else"), BleError, BleErrorKey.GATT_ERROR),
        (CharacteristicError("already typed"), CharacteristicError, BleErrorKey.UNKNOWN_CHARACTERISTIC),
    ],
)  # fmt: skip
def test_bleak_errors_become_typed_errors(
    error: Exception, expected: type[BleError], key: BleErrorKey
) -> None:
    translated = translate(error, "C0:FF:EE:00:00:01")
    assert isinstance(translated, expected)
    assert translated.key == key
