"""Robust weighted statistics behind the rate learner."""

import pytest

from custom_components.pyiot.core.thermostat.robust_fit import (
    robust_line,
    slope,
    weighted_median,
    weighted_scale,
)


def test_weighted_median():
    assert weighted_median([3.0, 1.0, 2.0], [1, 1, 1]) == 2.0
    assert weighted_median([1.0, 2.0], [1, 1]) == 1.5  # an even split averages the middle values
    assert weighted_median([1.0, 2.0], [1, 3]) == 2.0
    assert weighted_median([1.0, 2.0, 10.0], [5, 1, 1]) == 1.0
    assert weighted_median([7.0], [0.2]) == 7.0


def test_weighted_scale_is_a_robust_standard_deviation():
    assert weighted_scale([-1.0, 1.0, -1.0, 1.0, 100.0], [1] * 5) == pytest.approx(1.4826)


def test_robust_line_ignores_an_outlier_and_caps_the_slope():
    xs = [8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0, 22.0]
    ys = [6.0 - x / 7 for x in xs]
    ys[3] = 0.5  # a window left open
    line = robust_line(xs, ys, [1.0] * len(xs), ridge=0.0, max_slope=0.0)
    assert line.slope == pytest.approx(-1 / 7, rel=0.02)
    assert line.at(10.0) == pytest.approx(6.0 - 10 / 7, rel=0.01)
    assert line.scale < 0.05
    rising = robust_line(xs, [x / 7 for x in xs], [1.0] * len(xs), ridge=0.0, max_slope=0.0)
    assert rising.slope == 0.0
    assert rising.level == pytest.approx(15 / 7)


def test_ridge_shrinks_a_slope_from_little_spread():
    xs, ys = [10.0, 10.5, 11.0], [3.0, 2.8, 2.6]
    free = robust_line(xs, ys, [1.0] * 3, ridge=0.0, max_slope=0.0)
    shrunk = robust_line(xs, ys, [1.0] * 3, ridge=4.0, max_slope=0.0)
    assert free.slope == pytest.approx(-0.4)
    assert -0.1 < shrunk.slope < 0


def test_slope():
    assert slope([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]) == pytest.approx(2.0)
