from pathlib import Path
import re

import pytest

from custom_components.pyiot.core.thermostat import ERROR_KEYS, ERROR_MESSAGES_EN, ScheduleError

PACKAGE = Path(__file__).parents[3] / "custom_components" / "pyiot" / "core" / "thermostat"


def test_error_carries_key_placeholders_and_english_message():
    err = ScheduleError("heat_above_cool", {"heat": 22, "cool": 20.5})
    assert isinstance(err, ValueError)
    assert err.translation_key == "heat_above_cool"
    assert err.placeholders == {"heat": "22", "cool": "20.5"}
    assert str(err) == "Heating setpoint 22 °C is above cooling setpoint 20.5 °C"


def test_missing_placeholder_stays_visible():
    assert str(ScheduleError("unknown_rule")) == "There is no rule {rule_id}"


def test_unknown_key_is_a_programming_error():
    with pytest.raises(KeyError):
        ScheduleError("no_such_key")


def test_every_key_used_in_the_source_is_declared_and_every_declared_key_is_used():
    source = "\n".join(path.read_text() for path in PACKAGE.rglob("*.py") if path.name != "errors.py")
    used = set(re.findall(r'ScheduleError\(\s*"([a-z_]+)"', source))
    assert used <= set(ERROR_KEYS)
    assert set(ERROR_KEYS) <= used
    assert tuple(ERROR_MESSAGES_EN) == ERROR_KEYS
