"""PARAMS → configuration points, SET_PARAMS payloads and the read-back check."""

import json

import pytest

from custom_components.pyiot.core.nodes.model import EntityCategory, PointKind
from custom_components.pyiot.core.protocols.fmpyiot.params import (
    MAX_PARAMS,
    ParamsError,
    ParamType,
    ParamWriteError,
    coerce_write,
    flatten_params,
    param_name,
    param_point,
    param_state,
    param_type,
    params_key,
    same_value,
    set_params_payload,
)

PARAMS = {
    "rtc": [2026, 3, 8, 6, 20, 20, 53, 0],
    "send_period ./temperature": 30,
    "push_duration": 1.0,
    "Relais Eclairage Couloir haut": {"duration": 500},
    "enabled": True,
    "label": "serre",
    "list": [1, 2],
}


def test_params_are_flattened_with_the_nested_separator() -> None:
    flat = flatten_params(PARAMS)
    assert flat.values == {
        "send_period ./temperature": 30,
        "push_duration": 1.0,
        "Relais Eclairage Couloir haut__@@__duration": 500,
        "enabled": True,
        "label": "serre",
        "list": [1, 2],
    }
    assert flat.problems == ()


def test_params_of_the_wrong_shape() -> None:
    with pytest.raises(ParamsError):
        flatten_params([1, 2])
    deep = flatten_params({"a": {"b": {"c": {"d": {"e": 1}}}}, "": 1, "k" * 300: 2, "x": {}})
    assert set(deep.problems) == {"too_deep", "bad_key"}
    assert deep.values == {"x": {}}
    many = flatten_params({f"p{index}": index for index in range(MAX_PARAMS + 5)})
    assert len(many.values) == MAX_PARAMS
    assert "too_many" in many.problems


def test_parameter_points_by_json_type() -> None:
    period = param_point("send_period ./temperature", ParamType.INTEGER)
    assert period.kind is PointKind.NUMBER
    assert (period.unit, period.device_class, period.minimum, period.step) == ("s", "duration", 0.0, 1.0)
    assert period.name == "Send period temperature"
    assert period.entity_category is EntityCategory.CONFIG
    assert period.writable
    assert param_point("push_duration", ParamType.FLOAT).step == 0.001
    assert param_point("enabled", ParamType.BOOLEAN).kind is PointKind.SWITCH
    assert param_point("label", ParamType.TEXT).kind is PointKind.TEXT
    other = param_point("list", ParamType.OTHER)
    assert (other.kind, other.writable, other.entity_category) == (
        PointKind.SENSOR,
        False,
        EntityCategory.DIAGNOSTIC,
    )
    assert param_point("Relais__@@__duration", ParamType.INTEGER).name == "Relais duration"
    assert params_key("Relais__@@__duration") == "params#Relais__@@__duration"
    assert param_name("send_period /CO_TEST") == "Send period /CO_TEST"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (True, ParamType.BOOLEAN),
        (3, ParamType.INTEGER),
        (1.5, ParamType.FLOAT),
        ("x", ParamType.TEXT),
        (None, ParamType.OTHER),
        ([1], ParamType.OTHER),
    ],
)
def test_parameter_types(value: object, kind: ParamType) -> None:
    assert param_type(value) is kind


def test_states_accept_the_web_pages_text_numbers() -> None:
    assert param_state(ParamType.FLOAT, "1.5") == 1.5
    assert param_state(ParamType.INTEGER, 30) == 30
    assert param_state(ParamType.INTEGER, "abc") is None
    assert param_state(ParamType.INTEGER, float("nan")) is None
    assert param_state(ParamType.BOOLEAN, "true") is True
    assert param_state(ParamType.TEXT, 12) == "12"
    assert param_state(ParamType.OTHER, [1, 2]) == "[1,2]"


def test_writes_keep_the_parameters_type() -> None:
    assert coerce_write(ParamType.INTEGER, 60.0) == 60
    assert isinstance(coerce_write(ParamType.INTEGER, 60.0), int)
    assert coerce_write(ParamType.INTEGER, 60.5) == 60.5
    assert coerce_write(ParamType.FLOAT, 2) == 2.0
    assert coerce_write(ParamType.FLOAT, "2.5") == 2.5
    assert coerce_write(ParamType.BOOLEAN, "on") is True
    assert coerce_write(ParamType.TEXT, "abc") == "abc"
    for kind, value in (
        (ParamType.INTEGER, "x"),
        (ParamType.BOOLEAN, "maybe"),
        (ParamType.TEXT, 3),
        (ParamType.OTHER, 1),
        (ParamType.FLOAT, 1e12),
    ):
        with pytest.raises(ParamWriteError):
            coerce_write(kind, value)
    assert json.loads(set_params_payload("a__@@__b", 60)) == {"a__@@__b": 60}


def test_read_back_comparison() -> None:
    assert same_value(ParamType.INTEGER, 60, 60)
    assert same_value(ParamType.FLOAT, 1.5, "1.5")
    assert not same_value(ParamType.INTEGER, 60, 30)
    assert not same_value(ParamType.INTEGER, 60, "abc")
    assert same_value(ParamType.BOOLEAN, True, True)
    assert not same_value(ParamType.TEXT, "a", "b")
