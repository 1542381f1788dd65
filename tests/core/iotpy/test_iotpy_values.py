"""Values of IOTpy variables: normalisation (any object) and conversion to a kind, with fuzzing."""

from decimal import Decimal
from fractions import Fraction
import math
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.pyiot.core.iotpy import Device
from custom_components.pyiot.core.iotpy.values import (
    MAX_TEXT_LENGTH,
    Unusable,
    ValueKind,
    convert,
    infer_kind,
    normalize,
    safe_text,
)


class NumpyLike:
    shape = ()

    def __init__(self, value: Any) -> None:
        self.value = value

    def item(self) -> Any:
        return self.value


class Floaty:
    def __float__(self) -> float:
        return 2.5


class Indexy:
    def __index__(self) -> int:
        return 7


class Exploding:
    def __float__(self) -> float:
        raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        (None, None),
        (True, True),
        (3, 3),
        (2.5, 2.5),
        ("text", "text"),
        (b"4.5", "4.5"),
        (bytearray(b"ab"), "ab"),
        (Decimal("1.25"), 1.25),
        (Fraction(1, 4), 0.25),
        (NumpyLike(1.5), 1.5),
        (NumpyLike(True), True),
        (Floaty(), 2.5),
        (Indexy(), 7),
    ],
)
def test_normalize(raw: Any, plain: Any) -> None:
    assert normalize(raw) == plain
    assert type(normalize(raw)) is type(plain)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (10**400, "number_too_large"),
        ([1], "unsupported_type"),
        ({"a": 1}, "unsupported_type"),
        (1j, "unsupported_type"),
        (object(), "unsupported_type"),
        (Exploding(), "conversion_failed"),
        (NumpyLike(NumpyLike(1)), "unsupported_type"),
    ],
)
def test_normalize_unusable(raw: Any, reason: str) -> None:
    result = normalize(raw)
    assert isinstance(result, Unusable)
    assert result.reason == reason


def test_long_text_is_cut() -> None:
    assert normalize("x" * 1000) == "x" * MAX_TEXT_LENGTH
    assert normalize(b"y" * 5000) == "y" * MAX_TEXT_LENGTH


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (True, ValueKind.BOOLEAN),
        (1, ValueKind.NUMBER),
        (1.5, ValueKind.NUMBER),
        ("3.5", ValueKind.NUMBER),
        (" -2 ", ValueKind.NUMBER),
        ("abc", ValueKind.TEXT),
        ("", ValueKind.TEXT),
        (None, None),
        (Unusable("x"), None),
        ("nan", ValueKind.NUMBER),
    ],
)
def test_infer_kind(value: Any, kind: ValueKind | None) -> None:
    assert infer_kind(value) is kind


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (True, ValueKind.NUMBER, 1),
        (3, ValueKind.NUMBER, 3),
        (2.5, ValueKind.NUMBER, 2.5),
        ("2.5", ValueKind.NUMBER, 2.5),
        ("on", ValueKind.BOOLEAN, True),
        ("OFF", ValueKind.BOOLEAN, False),
        (0, ValueKind.BOOLEAN, False),
        (1.0, ValueKind.BOOLEAN, True),
        (True, ValueKind.BOOLEAN, True),
        ("hello", ValueKind.TEXT, "hello"),
        (3.5, ValueKind.TEXT, "3.5"),
    ],
)
def test_convert(value: Any, kind: ValueKind, expected: Any) -> None:
    assert convert(value, kind) == expected


@pytest.mark.parametrize(
    ("value", "kind", "reason"),
    [
        (None, ValueKind.NUMBER, "no_value"),
        (math.nan, ValueKind.NUMBER, "not_finite"),
        (math.inf, ValueKind.NUMBER, "not_finite"),
        ("Infinity", ValueKind.NUMBER, "not_finite"),
        ("abc", ValueKind.NUMBER, "not_a_number"),
        ("9" * 100, ValueKind.NUMBER, "not_a_number"),
        (2, ValueKind.BOOLEAN, "not_a_boolean"),
        ("maybe", ValueKind.BOOLEAN, "not_a_boolean"),
        (Unusable("unsupported_type"), ValueKind.TEXT, "unsupported_type"),
    ],
)
def test_convert_unusable(value: Any, kind: ValueKind, reason: str) -> None:
    result = convert(value, kind)
    assert isinstance(result, Unusable)
    assert result.reason == reason


def test_safe_text() -> None:
    class Bad:
        def __str__(self) -> str:
            raise ValueError("no")

    assert safe_text(Bad()) == "<unprintable Bad>"
    assert safe_text("a\nb\x00c") == "a b c"
    assert safe_text(12345, 3) == "123"


ANY_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.binary()
    | st.decimals()
    | st.fractions()
    | st.complex_numbers(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children) | st.tuples(children),
    max_leaves=5,
)


@settings(max_examples=300, deadline=None)
@given(ANY_VALUE, st.sampled_from(list(ValueKind)))
def test_any_value_normalizes_and_converts_without_raising(raw: Any, kind: ValueKind) -> None:
    plain = normalize(raw)
    assert plain is None or isinstance(plain, bool | int | float | str | Unusable)
    if isinstance(plain, str):
        assert len(plain) <= MAX_TEXT_LENGTH
    converted = convert(plain, kind)
    assert isinstance(converted, bool | int | float | str | Unusable)
    if kind is ValueKind.NUMBER and not isinstance(converted, Unusable):
        assert math.isfinite(converted)
    infer_kind(plain)


class Fuzzed(Device):
    def __init__(self) -> None:
        Device.__init__(self, "fuzz")
        self.addVariable("x")

    def loop(self) -> None:
        pass

    def write(self, name: str, value: Any) -> bool:
        return False

    def cleanup(self) -> None:
        pass


@settings(max_examples=300, deadline=None)
@given(ANY_VALUE, ANY_VALUE, ANY_VALUE)
def test_set_variable_value_and_status_never_raise(value: Any, status: Any, error: Any) -> None:
    device = Fuzzed()
    device.setVariableValue("x", value)
    assert device.getVariableValue("x") is value
    device.setVariableStatus("x", status, error)
    snapshot = device.variables["x"].snapshot
    assert isinstance(snapshot.status_value, int | str)
    assert isinstance(snapshot.error_text, str)
    assert len(snapshot.error_text) <= MAX_TEXT_LENGTH
    assert isinstance(snapshot.good, bool)
