"""GATT value codecs: SIG characteristics, user formats, IEEE-11073, Current Time; fuzzed with Hypothesis."""

import datetime as dt
import math
import struct
from zoneinfo import ZoneInfo

from hypothesis import assume, given, strategies as st
import pytest

from custom_components.pyiot.core.protocols.ble import (
    KNOWN,
    AdjustReason,
    BleErrorKey,
    DeviceEventType,
    DeviceRequestType,
    UserFormat,
    ValueDecodeError,
    ValueEncodeError,
    ValueFormat,
    decode_current_time,
    decode_local_time_information,
    encode_current_time,
    encode_local_time_information,
    known,
    normalize_uuid,
    sig_uuid,
)
from custom_components.pyiot.core.protocols.ble.current_time import clock_drift
from custom_components.pyiot.core.protocols.ble.formats import FLOAT, SFLOAT, format_length, integer_range
from custom_components.pyiot.core.protocols.ble.sig import DeviceInformation
from custom_components.pyiot.core.protocols.ble.uuids import sig_short
from custom_components.pyiot.core.protocols.ble.vocabulary import DeviceEvent

INTEGER_FORMATS = [f for f in ValueFormat if f.value[0] in "ui" and f.value[1:].isdigit()]


# --- SIG characteristics -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("short", "data", "value", "unit", "device_class"),
    [
        (0x2A19, bytes([87]), 87, "%", "battery"),
        (0x2A6E, struct.pack("<h", 2150), 21.5, "°C", "temperature"),
        (0x2A6E, struct.pack("<h", -1234), -12.34, "°C", "temperature"),
        (0x2A6F, struct.pack("<H", 4520), 45.2, "%", "humidity"),
        (0x2A6D, struct.pack("<I", 1_013_250), 1013.25, "hPa", "pressure"),
        (0x2AFB, (12_345).to_bytes(3, "little"), 123.45, "lx", "illuminance"),
        (0x2B8C, struct.pack("<H", 612), 612, "ppm", "carbon_dioxide"),
        (0x2B18, struct.pack("<H", 211), 3.296875, "V", "voltage"),
        (0x2AEE, struct.pack("<H", 150), 1.5, "A", "current"),
        (0x2B05, (12_345).to_bytes(3, "little"), 1234.5, "W", "power"),
        (0x2A1C, b"\x00" + FLOAT.encode(36.6), 36.6, "°C", "temperature"),
        (0x2A1C, b"\x01" + FLOAT.encode(98.6), 37.0, "°C", "temperature"),
        (0x2A37, b"\x00\x48", 72, "bpm", None),
        (0x2A37, b"\x01\x48\x01", 328, "bpm", None),
        (0x2A9D, b"\x00" + struct.pack("<H", 14_000), 70.0, "kg", "weight"),
        (0x2BD6, SFLOAT.encode(2e-8), 20.0, "µg/m³", "pm25"),
    ],
)
def test_known_characteristics_decode_by_themselves(
    short: int, data: bytes, value: float, unit: str, device_class: str | None
) -> None:
    definition = known(sig_uuid(short))
    assert definition is not None
    assert definition.decode(data) == pytest.approx(value)
    assert definition.unit == unit
    assert definition.device_class == device_class


@pytest.mark.parametrize(
    ("short", "data"),
    [
        (0x2A6E, struct.pack("<h", -0x8000)),
        (0x2A6F, b"\xff\xff"),
        (0x2AFB, b"\xff\xff\xff"),
        (0x2B05, b"\xff" * 3),
    ],
)
def test_not_known_markers_decode_to_none(short: int, data: bytes) -> None:
    definition = known(sig_uuid(short))
    assert definition is not None
    assert definition.decode(data) is None


@pytest.mark.parametrize(
    ("short", "data", "key"),
    [
        (0x2A19, bytes([101]), BleErrorKey.OUT_OF_RANGE),
        (0x2A19, b"", BleErrorKey.WRONG_LENGTH),
        (0x2A6E, b"\x01", BleErrorKey.WRONG_LENGTH),
        (0x2A6E, b"\x01\x02\x03", BleErrorKey.WRONG_LENGTH),
        (0x2A6F, struct.pack("<H", 10_001), BleErrorKey.OUT_OF_RANGE),
        (0x2A1C, b"\x00\x01", BleErrorKey.WRONG_LENGTH),
        (0x2A37, b"\x01\x48", BleErrorKey.WRONG_LENGTH),
        (0x2A37, b"", BleErrorKey.WRONG_LENGTH),
        (0x2A9D, b"\x00", BleErrorKey.WRONG_LENGTH),
        (0x2A00, b"\xff\xfe", BleErrorKey.NOT_UTF8),
    ],
)
def test_bad_known_values_raise_typed_errors(short: int, data: bytes, key: BleErrorKey) -> None:
    definition = known(sig_uuid(short))
    assert definition is not None
    with pytest.raises(ValueDecodeError) as err:
        definition.decode(data)
    assert err.value.key == key


def test_device_information_strings() -> None:
    assert DeviceInformation.FIELDS[sig_uuid(0x2A29)] == "manufacturer"
    assert DeviceInformation.FIELDS[sig_uuid(0x2A26)] == "sw_version"
    assert DeviceInformation.decode(b"PyIoT Labs\x00\x00") == "PyIoT Labs"
    assert len(DeviceInformation.decode(b"x" * 200)) == 64
    assert known(sig_uuid(0x2A00)) is not None
    assert known(sig_uuid(0x2A00)).decode(b"Env\0") == "Env"  # type: ignore[union-attr]


@given(st.sampled_from(sorted(KNOWN)), st.binary(max_size=24))
def test_known_decoders_never_raise_anything_but_decode_errors(uuid: str, data: bytes) -> None:
    try:
        value = KNOWN[uuid].decode(data)
    except ValueDecodeError as err:
        assert err.key in set(BleErrorKey)  # noqa: PT017 - a fuzz test: any other exception fails
    else:
        assert value is None or isinstance(value, (int, float, str))


# --- user formats -------------------------------------------------------------------------------


@given(st.sampled_from(INTEGER_FORMATS), st.data())
def test_integers_round_trip(fmt: ValueFormat, data: st.DataObject) -> None:
    low, high = integer_range(fmt)
    raw = data.draw(st.integers(low, high))
    codec = UserFormat(format=fmt)
    encoded = codec.encode(raw)
    assert len(encoded) == format_length(fmt)
    assert codec.decode(encoded) == raw


@given(st.sampled_from(INTEGER_FORMATS), st.data(), st.sampled_from([0.01, 0.1, 0.5, 10.0, -1.0]))
def test_scaled_integers_round_trip(fmt: ValueFormat, data: st.DataObject, scale: float) -> None:
    low, high = integer_range(fmt)
    codec = UserFormat(format=fmt, scale=scale)
    payload = data.draw(st.integers(low, high)).to_bytes(format_length(fmt) or 0, "little", signed=low < 0)
    value = codec.decode(payload)
    assert isinstance(value, (int, float))
    assert codec.encode(value) == payload


@given(st.sampled_from(list(ValueFormat)), st.binary(max_size=600))
def test_every_decoder_raises_only_typed_errors(fmt: ValueFormat, data: bytes) -> None:
    codec = UserFormat(format=fmt, scale=0.5)
    try:
        value = codec.decode(data)
    except ValueDecodeError as err:
        assert err.key in {BleErrorKey.WRONG_LENGTH, BleErrorKey.NOT_UTF8, BleErrorKey.OUT_OF_RANGE}  # noqa: PT017 - a fuzz test: any other exception fails
        if (length := format_length(fmt)) is not None and len(data) != length:
            assert err.key == BleErrorKey.WRONG_LENGTH  # noqa: PT017 - a fuzz test: any other exception fails
        return
    if value is None:
        return
    if fmt in {ValueFormat.UTF8, ValueFormat.HEX}:
        assert isinstance(value, str)
    reencoded = codec.encode(value)
    assert codec.decode(reencoded) == value


@given(
    st.sampled_from(list(ValueFormat)),
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), st.binary(max_size=8)
    ),
)
def test_every_encoder_raises_only_typed_errors(fmt: ValueFormat, value: object) -> None:
    try:
        data = UserFormat(format=fmt).encode(value)
    except ValueEncodeError as err:
        assert err.key in {BleErrorKey.BAD_VALUE, BleErrorKey.OUT_OF_RANGE}  # noqa: PT017 - a fuzz test: any other exception fails
    else:
        assert isinstance(data, bytes)


@given(st.binary(min_size=2, max_size=2))
def test_sfloat_raw_round_trip(data: bytes) -> None:
    value = SFLOAT.decode(data)
    if value is None:
        return
    assert SFLOAT.decode(SFLOAT.encode(value)) == value


@given(st.binary(min_size=4, max_size=4))
def test_float_raw_round_trip(data: bytes) -> None:
    value = FLOAT.decode(data)
    if value is None:
        return
    assert FLOAT.decode(FLOAT.encode(value)) == value


@given(st.floats(min_value=-2e10, max_value=2e10, allow_nan=False))
def test_sfloat_keeps_about_three_digits(value: float) -> None:
    decoded = SFLOAT.decode(SFLOAT.encode(value))
    assert decoded is not None
    assert math.isclose(decoded, value, rel_tol=5e-3, abs_tol=1e-8)  # 12-bit mantissa


@given(st.floats(min_value=-1e30, max_value=1e30, allow_nan=False))
def test_float_keeps_about_six_digits(value: float) -> None:
    decoded = FLOAT.decode(FLOAT.encode(value))
    assert decoded is not None
    assert math.isclose(decoded, value, rel_tol=2e-6, abs_tol=1e-100)  # 24-bit mantissa


def test_ieee_11073_examples_and_specials() -> None:
    assert SFLOAT.decode(bytes.fromhex("6df1")) == pytest.approx(36.5)  # 0xF16D: exponent -1, mantissa 365
    assert SFLOAT.encode(36.5) == bytes.fromhex("6df1")
    for special in (0x07FF, 0x0800, 0x07FE, 0x0802, 0x0801):
        assert SFLOAT.decode(special.to_bytes(2, "little")) is None
    assert SFLOAT.encode(math.nan) == (0x07FF).to_bytes(2, "little")
    assert SFLOAT.encode(math.inf) == (0x07FE).to_bytes(2, "little")
    assert SFLOAT.encode(-math.inf) == (0x0802).to_bytes(2, "little")
    assert FLOAT.encode(-math.inf) == (0x800002).to_bytes(4, "little")
    assert FLOAT.decode((0x7FFFFF).to_bytes(4, "little")) is None
    assert SFLOAT.encode(0.0) == b"\0\0"
    with pytest.raises(ValueEncodeError) as err:
        SFLOAT.encode(1e12)
    assert err.value.key == BleErrorKey.OUT_OF_RANGE
    assert UserFormat(format=ValueFormat.SFLOAT).decode(b"\xff\x07") is None
    assert UserFormat(format=ValueFormat.FLOAT32).decode(struct.pack("<f", math.nan)) is None


def test_text_hex_bool_and_float32() -> None:
    assert UserFormat(format=ValueFormat.UTF8).decode(b"caf\xc3\xa9\x00") == "café"
    with pytest.raises(ValueDecodeError) as err:
        UserFormat(format=ValueFormat.UTF8).decode(b"\xc3")
    assert err.value.key == BleErrorKey.NOT_UTF8
    assert UserFormat(format=ValueFormat.HEX).encode("0a:1B 2c") == b"\x0a\x1b\x2c"
    assert UserFormat(format=ValueFormat.HEX).encode("0x0a1b") == b"\x0a\x1b"
    with pytest.raises(ValueEncodeError):
        UserFormat(format=ValueFormat.HEX).encode("abc")
    boolean = UserFormat(format=ValueFormat.BOOL)
    assert boolean.decode(b"\x01") is True
    assert [boolean.encode(v) for v in (True, "off", 1, "on")] == [b"\1", b"\0", b"\1", b"\1"]
    with pytest.raises(ValueDecodeError):
        boolean.decode(b"\x02")
    with pytest.raises(ValueEncodeError):
        boolean.encode("maybe")
    assert UserFormat(format=ValueFormat.FLOAT32).decode(struct.pack("<f", 1.5)) == 1.5
    with pytest.raises(ValueEncodeError):
        UserFormat(format=ValueFormat.FLOAT32).encode(1e300)
    assert UserFormat(format=ValueFormat.I16, scale=0.01).encode("21.5") == struct.pack("<h", 2150)
    with pytest.raises(ValueEncodeError) as range_err:
        UserFormat(format=ValueFormat.U8).encode(256)
    assert range_err.value.key == BleErrorKey.OUT_OF_RANGE
    assert range_err.value.placeholders == {"minimum": "0", "maximum": "255"}
    with pytest.raises(ValueDecodeError) as long_err:
        UserFormat(format=ValueFormat.HEX).decode(bytes(513))
    assert long_err.value.key == BleErrorKey.WRONG_LENGTH
    assert UserFormat(format=ValueFormat.HEX).decode(bytes(127)) == "00" * 127
    assert UserFormat(format=ValueFormat.UTF8).decode("é".encode() * 255) == "é" * 255
    for fmt, data in ((ValueFormat.HEX, bytes(128)), (ValueFormat.UTF8, b"a" * 256)):
        with pytest.raises(ValueDecodeError) as state_err:
            UserFormat(format=fmt).decode(data)
        assert state_err.value.key == BleErrorKey.TOO_LONG, "longer than a Home Assistant state"
    with pytest.raises(ValueError, match="scale"):
        UserFormat(format=ValueFormat.U8, scale=0)


# --- Current Time Service --------------------------------------------------------------------------

local_times = st.datetimes(min_value=dt.datetime(1582, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59))  # noqa: DTZ001


@given(local_times, st.sampled_from(list(AdjustReason)))
def test_current_time_round_trip(moment: dt.datetime, reason: AdjustReason) -> None:
    decoded = decode_current_time(encode_current_time(moment, reason))
    assert decoded.time is not None
    assert decoded.time.replace(microsecond=0) == moment.replace(microsecond=0)
    assert abs((decoded.time - moment).total_seconds()) < 1 / 256 + 1e-6
    assert decoded.day_of_week == moment.isoweekday()
    assert decoded.adjust_reason == reason


@given(st.binary(max_size=14))
def test_current_time_decoder_raises_only_typed_errors(data: bytes) -> None:
    try:
        decoded = decode_current_time(data)
    except ValueDecodeError as err:
        assert err.key in {BleErrorKey.WRONG_LENGTH, BleErrorKey.OUT_OF_RANGE}  # noqa: PT017 - a fuzz test: any other exception fails
    else:
        assert decoded.time is None or 1582 <= decoded.time.year <= 9999


def test_current_time_uses_the_devices_local_time() -> None:
    paris = dt.datetime(2026, 7, 14, 9, 30, 15, 500_000, tzinfo=ZoneInfo("Europe/Paris"))
    data = encode_current_time(paris, AdjustReason.EXTERNAL_REFERENCE)
    assert data == struct.pack("<HBBBBBBBB", 2026, 7, 14, 9, 30, 15, 2, 128, 2)
    assert encode_local_time_information(paris) == bytes([4, 4])  # UTC+1 standard, +1 h DST
    winter = dt.datetime(2026, 1, 14, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert encode_local_time_information(winter) == bytes([4, 0])
    assert decode_local_time_information(bytes([4, 4])) == (dt.timedelta(hours=1), dt.timedelta(hours=1))
    assert decode_local_time_information(bytes([0x80, 255])) == (None, None)
    unknown = decode_current_time(bytes(10))
    assert unknown.time is None
    assert clock_drift(unknown, paris) is None
    assert clock_drift(decode_current_time(data), paris.replace(second=10)) == pytest.approx(5.0)
    with pytest.raises(ValueEncodeError):
        encode_local_time_information(dt.datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueEncodeError):
        encode_current_time(dt.datetime(1000, 1, 1))  # noqa: DTZ001


@given(st.binary(min_size=2, max_size=2))
def test_local_time_information_raises_only_typed_errors(data: bytes) -> None:
    try:
        zone, dst = decode_local_time_information(data)
    except ValueDecodeError as err:
        assert err.key == BleErrorKey.OUT_OF_RANGE  # noqa: PT017 - a fuzz test: any other exception fails
    else:
        assert zone is None or abs(zone) <= dt.timedelta(hours=14)
        assert dst is None or dst <= dt.timedelta(hours=2)


@given(st.integers(-48, 56), st.sampled_from([0, 30, 60, 120]))
def test_local_time_information_round_trip(quarters: int, dst_minutes: int) -> None:
    zone = dt.timedelta(minutes=15 * quarters)
    dst = dt.timedelta(minutes=dst_minutes)

    class Zone(dt.tzinfo):
        def utcoffset(self, _when: dt.datetime | None) -> dt.timedelta:
            return zone + dst

        def dst(self, _when: dt.datetime | None) -> dt.timedelta:
            return dst

    assume(-dt.timedelta(hours=23) < zone + dst < dt.timedelta(hours=23))
    moment = dt.datetime(2026, 3, 1, tzinfo=Zone())
    assert decode_local_time_information(encode_local_time_information(moment)) == (zone, dst)
    with pytest.raises(ValueDecodeError):
        decode_local_time_information(b"\x00")


# --- UUIDs and vocabulary ----------------------------------------------------------------------


def test_uuids() -> None:
    full = "00002a19-0000-1000-8000-00805f9b34fb"
    assert {normalize_uuid(u) for u in ("2A19", "0x2a19", "00002A19", full.upper())} == {full}
    assert sig_short(full) == 0x2A19
    assert sig_short("6e400001-b5a3-f393-e0a9-e50e24dcca9e") is None
    with pytest.raises(ValueError, match="UUID"):
        normalize_uuid("battery")


def test_iot_hub_vocabulary() -> None:
    assert [e.value for e in DeviceEventType] == [
        "CONNECTED",
        "DISCONNECTED",
        "TIME_SET",
        "SYNCED",
        "NOTIFIED",
        "NOTIFY_STARTED",
        "NOTIFY_STOPPED",
        "PROPS_CHANGED",
    ]
    assert DeviceRequestType.WRITE_VALUE == "WRITE_VALUE"
    assert {r.value for r in DeviceRequestType} == {
        "RESET",
        "DISCONNECT",
        "START_NOTIFY",
        "STOP_NOTIFY",
        "SET_TIME",
        "SYNC_TIME",
        "READ_VALUE",
        "WRITE_VALUE",
    }
    event = DeviceEvent("C0:FF:EE:00:00:01", DeviceEventType.TIME_SYNCED, {"drift": 1.5})
    assert event.as_event_data() == {"address": "C0:FF:EE:00:00:01", "type": "SYNCED", "drift": 1.5}
