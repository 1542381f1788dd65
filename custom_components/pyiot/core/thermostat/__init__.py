"""Pure-Python thermostat engine (no Home Assistant imports): schedule, sensors, decisions, protection.

The climate entity builds a `ThermostatController` from a `Schedule`, a `DecisionAlgorithm` (see
`ALGORITHMS`), one `RelayGuard` per heater/cooler relay and the aggregation, fail-safe and preset
settings, then calls `ThermostatController.step` and applies `ControlOutput.commands`. Every validation
error is a `ScheduleError` whose `translation_key` is in `ERROR_KEYS`.

A manual setpoint holds as a `HoldPolicy` says (until the next scheduled change within a day, else a
default hold of 2 h); `ThermostatController.resume_schedule` drops it. `ControlOutput.source` names the
source of the target in plain words (`SourceKind`). The schedule card's JSON views and edits are in
`schedule_api` (`schedule_view`, `apply_edit`, `decision_view`), on top of the pure edits of `editing`.
Weekdays are `mon` ... `sun` (`WEEKDAYS`) in everything the API takes and returns.

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
from .editing import Block, Scope, blocks
from .errors import ERROR_KEYS, ERROR_MESSAGES_EN, ScheduleError
from .explanation import EXPLANATIONS_EN, SOURCE_TEXTS_EN, Explanation, ExplanationCode
from .hold import DEFAULT_HOLD, HOLD_HORIZON, HoldPolicy
from .isotime import parse_duration, parse_interval, parse_moment
from .learning import LearningSettings, RateEstimate, RateLearner, RunMeasurement, RunOutcome
from .modes import HvacAction, HvacMode
from .optimum_start import OptimumStartConfig, Preheat, lead_time
from .protection import GuardDecision, GuardReason, RelayGuard, RetryPolicy
from .rules import MAX_CRON_DURATION, CronRule, DatedRule, OverrideRule, RecurringRule, Rule, rule_from_dict
from .schedule import OVERRIDE_ID, ActiveTarget, Instruction, Schedule
from .schedule_api import (
    EDIT_OPERATIONS,
    apply_edit,
    decision_view,
    revision,
    rule_to_api,
    schedule_response,
    schedule_state,
    schedule_view,
)
from .source import AWAY_RULE_ID, SOURCES_EN, ActiveSource, SourceKind, active_source
from .target import Target, TargetLimits
from .weekdays import WEEKDAYS, parse_weekdays, weekday_index, weekday_name, weekday_names

__all__ = [
    "ALGORITHMS",
    "AWAY_RULE_ID",
    "DEFAULT_HOLD",
    "EDIT_OPERATIONS",
    "ERROR_KEYS",
    "ERROR_MESSAGES_EN",
    "EXPLANATIONS_EN",
    "HOLD_HORIZON",
    "MAX_CRON_DURATION",
    "OVERRIDE_ID",
    "SOURCES_EN",
    "SOURCE_TEXTS_EN",
    "WEEKDAYS",
    "ActiveSource",
    "ActiveTarget",
    "Aggregate",
    "AggregateMethod",
    "AggregationConfig",
    "Block",
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
    "HoldPolicy",
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
    "Scope",
    "Side",
    "SourceKind",
    "Target",
    "TargetLimits",
    "ThermostatController",
    "Tpi",
    "active_source",
    "aggregate",
    "apply_edit",
    "blocks",
    "create_algorithm",
    "decision_view",
    "lead_time",
    "parse_duration",
    "parse_interval",
    "parse_moment",
    "parse_weekdays",
    "revision",
    "rule_from_dict",
    "rule_to_api",
    "schedule_response",
    "schedule_state",
    "schedule_view",
    "wall_to_timestamp",
    "weekday_index",
    "weekday_name",
    "weekday_names",
]
