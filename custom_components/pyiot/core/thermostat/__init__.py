"""Pure-Python thermostat engine (no Home Assistant imports): schedule, sensors, decisions, protection.

The climate entity builds a `ThermostatController` from a `Schedule`, a `DecisionAlgorithm` (see
`ALGORITHMS`), one `RelayGuard` per heater/cooler relay and the aggregation, fail-safe and preset
settings, then calls `ThermostatController.step` and applies `ControlOutput.commands`. Every validation
error is a `ScheduleError` whose `translation_key` is in `ERROR_KEYS`.

Optimum start (`OptimumStartConfig`) starts early before scheduled rises so that the setpoint is reached
on time, using the heating/cooling rates a `RateLearner` learns from the zone's own runs.
"""

from .aggregation import Aggregate, AggregateMethod, DropReason, Reading, aggregate
from .clock import wall_to_timestamp
from .controller import (
    AggregationConfig,
    ControlOutput,
    FailSafeConfig,
    FailSafeMode,
    Preset,
    ThermostatController,
)
from .cron import CronExpression
from .decision import (
    ALGORITHMS,
    DecisionAlgorithm,
    Demand,
    Hysteresis,
    ParameterSpec,
    Pid,
    Side,
    Tpi,
    create_algorithm,
)
from .errors import ERROR_KEYS, ERROR_MESSAGES_EN, ScheduleError
from .explanation import EXPLANATIONS_EN, Explanation, ExplanationCode
from .isotime import parse_duration, parse_interval, parse_moment
from .learning import LearningSettings, RateEstimate, RateLearner, RunMeasurement, RunOutcome
from .modes import HvacAction, HvacMode
from .optimum_start import OptimumStartConfig, Preheat, lead_time
from .protection import GuardDecision, GuardReason, RelayGuard, RetryPolicy
from .rules import MAX_CRON_DURATION, CronRule, DatedRule, OverrideRule, RecurringRule, Rule, rule_from_dict
from .schedule import OVERRIDE_ID, ActiveTarget, Instruction, Schedule
from .target import Target, TargetLimits

__all__ = [
    "ALGORITHMS",
    "ERROR_KEYS",
    "ERROR_MESSAGES_EN",
    "EXPLANATIONS_EN",
    "MAX_CRON_DURATION",
    "OVERRIDE_ID",
    "ActiveTarget",
    "Aggregate",
    "AggregateMethod",
    "AggregationConfig",
    "ControlOutput",
    "CronExpression",
    "CronRule",
    "DatedRule",
    "DecisionAlgorithm",
    "Demand",
    "DropReason",
    "Explanation",
    "ExplanationCode",
    "FailSafeConfig",
    "FailSafeMode",
    "GuardDecision",
    "GuardReason",
    "HvacAction",
    "HvacMode",
    "Hysteresis",
    "Instruction",
    "LearningSettings",
    "OptimumStartConfig",
    "OverrideRule",
    "ParameterSpec",
    "Pid",
    "Preheat",
    "Preset",
    "RateEstimate",
    "RateLearner",
    "Reading",
    "RecurringRule",
    "RelayGuard",
    "RetryPolicy",
    "Rule",
    "RunMeasurement",
    "RunOutcome",
    "Schedule",
    "ScheduleError",
    "Side",
    "Target",
    "TargetLimits",
    "ThermostatController",
    "Tpi",
    "aggregate",
    "create_algorithm",
    "lead_time",
    "parse_duration",
    "parse_interval",
    "parse_moment",
    "rule_from_dict",
    "wall_to_timestamp",
]
