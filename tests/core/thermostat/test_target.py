import math

import pytest

from custom_components.pyiot.core.thermostat import ScheduleError, Target, TargetLimits


def test_setpoints():
    assert Target(heat=20).setpoints() == (20.0,)
    assert Target(cool=24).setpoints() == (24.0,)
    assert Target(heat=20, cool=24).setpoints() == (20.0, 24.0)
    assert isinstance(Target(heat=20).heat, float)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({}, "target_empty"),
        ({"heat": math.nan}, "invalid_temperature"),
        ({"cool": math.inf}, "invalid_temperature"),
        ({"heat": True}, "invalid_temperature"),
        ({"heat": "20"}, "invalid_temperature"),
        ({"heat": 25, "cool": 20}, "heat_above_cool"),
    ],
)
def test_invalid_targets(kwargs, key):
    with pytest.raises(ScheduleError) as err:
        Target(**kwargs)
    assert err.value.translation_key == key


def test_round_trip_and_bad_data():
    target = Target(heat=19.5, cool=24)
    assert Target.from_dict(target.to_dict()) == target
    for junk in (None, [], {"heat": 20, "extra": 1}, {"heat": "x"}):
        with pytest.raises(ScheduleError):
            Target.from_dict(junk)


def test_limits():
    limits = TargetLimits(minimum=7, maximum=30)
    assert limits.check(Target(heat=7, cool=30)) == Target(heat=7, cool=30)
    with pytest.raises(ScheduleError) as err:
        limits.check(Target(heat=20, cool=31))
    assert err.value.placeholders == {"value": "31.0", "minimum": "7", "maximum": "30"}
    with pytest.raises(ScheduleError, match="outside"):
        TargetLimits().check(Target(heat=1e9))


@pytest.mark.parametrize(("minimum", "maximum"), [(30, 5), (5, 5), (math.nan, 30), (5, math.inf), (True, 30)])
def test_invalid_limits(minimum, maximum):
    with pytest.raises(ScheduleError) as err:
        TargetLimits(minimum=minimum, maximum=maximum)
    assert err.value.translation_key == "invalid_limits"
