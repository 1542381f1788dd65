"""Benchmark of the thermostat schedule engine: evaluations per second and 7-day instruction expansion.

Run from the repository root: `.venv/bin/python bench/schedule_eval.py`. Each figure is the median of
several runs (time.perf_counter). The anchor is a brute-force evaluator measured in the same run: it
asks every rule for its active windows at the instant and applies the precedence rules, with no cache.
The optimum start lines (for information, not part of the pass/fail) time the rate learner's update
(a refit over a full history) and one lead-time computation (estimate at the conditions + lead).
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
import platform
import random
import statistics
import sys
from time import perf_counter
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.pyiot.core.thermostat import (
    CronRule,
    DatedRule,
    RateLearner,
    RecurringRule,
    Rule,
    RunMeasurement,
    Schedule,
    Side,
    Target,
    lead_time,
)
from custom_components.pyiot.core.thermostat.learning import MAX_RUNS

TARGET_RATE = 100_000
RUNS = 5
EVALUATIONS = 20_000
BRUTE_EVALUATIONS = 2_000
ZONE = ZoneInfo("Europe/Paris")
YEAR_START = datetime(2026, 1, 1, tzinfo=ZONE)
NOW = datetime(2026, 3, 16, 7, 15, tzinfo=ZONE)


def realistic_year() -> Schedule:
    """20 recurring blocks, 5 cron rules, 30 dated ranges and 3 overrides over 2026."""
    rng = random.Random(2026)
    rules: list[Rule] = []
    blocks = [
        (range(5), time(6, 30), time(8, 30), 20.5),
        (range(5), time(17, 30), time(22, 30), 20.0),
        ({5, 6}, time(8), time(23), 20.0),
        (range(7), time(22, 30), time(6, 30), 17.0),
    ]
    for index in range(20):
        days, start, end, heat = blocks[index % len(blocks)]
        shift = timedelta(minutes=15 * (index // len(blocks)))
        rules.append(
            RecurringRule(
                rule_id=f"block-{index:02d}",
                name=f"Block {index}",
                target=Target(heat=heat - 0.5 * (index // len(blocks)), cool=26.0),
                weekdays=frozenset(days),
                start=(datetime.combine(date.min, start) + shift).time(),
                end=(datetime.combine(date.min, end) + shift).time(),
                sensors={"sensor.bedroom": 1.0} if end < start else None,
            )
        )
    crons = ["0 19 * * SAT,SUN", "30 6 1-7 * MON", "0 12 * JUN-AUG *", "*/30 14-15 * * WED", "0 0 1 * *"]
    for index, expression in enumerate(crons):
        rules.append(
            CronRule(
                rule_id=f"cron-{index}",
                target=Target(heat=21.0, cool=25.0),
                cron=expression,
                duration=timedelta(minutes=20 + 25 * index),
            )
        )
    for index in range(30):
        first = date(2026, 1, 1) + timedelta(days=rng.randrange(360))
        text = f"{first.isoformat()}/{(first + timedelta(days=rng.randrange(0, 9))).isoformat()}"
        if index % 3 == 0:
            text = f"{first.isoformat()}T{rng.randrange(24):02d}:00/PT{rng.randrange(2, 48)}H"
        rules.append(
            DatedRule.from_iso(text, rule_id=f"dated-{index:02d}", target=Target(heat=12.0 + index % 5))
        )
    schedule = Schedule(
        time_zone=ZONE, default=Target(heat=16.0), sensors={"sensor.living": 1.0}, rules=rules
    )
    for index in range(3):
        schedule = schedule.with_override(
            NOW + timedelta(days=7 * index),
            Target(heat=22.0),
            duration=timedelta(hours=2),
            rule_id=f"manual-{index}",
        )
    return schedule


def brute_force(schedule: Schedule, now: datetime) -> str | None:
    """Every rule, every active window at `now`; the precedence rules pick the winner."""
    stamp = now.timestamp()
    best: tuple[int, float, float, str] | None = None
    for rule in schedule.rules:
        for start, end in rule.occurrences(stamp, stamp + 1e-6, schedule.time_zone):
            if start <= stamp < end:
                key = (-rule.tier, end - start, -start, rule.rule_id)
                best = key if best is None or key < best else best
    return best[3] if best is not None else None


def median_seconds(action: Callable[[], object], runs: int = RUNS) -> float:
    timings = []
    for _ in range(runs):
        began = perf_counter()
        action()
        timings.append(perf_counter() - began)
    return statistics.median(timings)


def optimum_start_costs() -> tuple[float, float]:
    """Seconds per learner update (history full, so each one refits) and per lead-time computation."""
    rng = random.Random(3)
    start = datetime(2026, 1, 1, tzinfo=ZONE)

    def measurement(index: int) -> RunMeasurement:
        load = rng.uniform(8, 25)
        return RunMeasurement(
            side=Side.HEAT,
            ended=start + timedelta(hours=12 * index),
            rate=(6 - load / 7) * rng.uniform(0.95, 1.05),
            dead_time=timedelta(minutes=rng.uniform(10, 20)),
            load=load,
        )

    learner = RateLearner()
    for index in range(MAX_RUNS):
        learner.add_run(measurement(index))
    history = learner.to_dict()
    updates = [measurement(MAX_RUNS + index) for index in range(200)]
    timings = []
    for _ in range(RUNS):
        fresh = RateLearner.from_dict(history)
        began = perf_counter()
        outcomes = [fresh.add_run(run) for run in updates]
        timings.append(perf_counter() - began)
        assert outcomes.count("accepted") == len(updates)  # noqa: S101 - every update refits
    update_seconds = statistics.median(timings) / len(updates)
    conditions = [(rng.uniform(15, 20), rng.uniform(-10, 15)) for _ in range(5000)]
    max_lead = timedelta(hours=3)

    def leads() -> None:
        for indoor, outdoor in conditions:
            estimate = learner.estimate(Side.HEAT, indoor=(indoor + 21) / 2, outdoor=outdoor)
            lead_time(21 - indoor, estimate, max_lead)

    return update_seconds, median_seconds(leads) / len(conditions)


def main() -> int:
    schedule = realistic_year()
    rng = random.Random(1)
    year = 365 * 86400
    instants = [YEAR_START + timedelta(seconds=rng.randrange(year)) for _ in range(EVALUATIONS)]
    brute_instants = instants[:BRUTE_EVALUATIONS]

    began = perf_counter()
    schedule.instructions(YEAR_START, 366 * 24)  # builds and caches the timeline of the whole year
    year_seconds = perf_counter() - began
    agree = sum(
        schedule.evaluate(moment).rule_id == brute_force(schedule, moment) for moment in brute_instants
    )
    evaluate = schedule.evaluate

    def ours() -> None:
        for moment in instants:
            evaluate(moment)

    def anchor() -> None:
        for moment in brute_instants:
            brute_force(schedule, moment)

    ours_rate = EVALUATIONS / median_seconds(ours)
    anchor_rate = BRUTE_EVALUATIONS / median_seconds(anchor)

    cold_timings = []
    for _ in range(RUNS):
        fresh = Schedule.from_dict(schedule.to_dict())  # same rules, empty caches
        began = perf_counter()
        fresh.instructions(NOW, 168)
        cold_timings.append(perf_counter() - began)
    cold_seconds = statistics.median(cold_timings)
    schedule.instructions(NOW, 168)
    cached_seconds = median_seconds(lambda: [schedule.instructions(NOW, 168) for _ in range(1000)]) / 1000
    segments = len(schedule.instructions(NOW, 168))
    kinds = {
        kind: sum(rule.kind == kind for rule in schedule.rules)
        for kind in ("recurring", "cron", "dated", "override")
    }

    passed = ours_rate >= TARGET_RATE
    print(f"PyIoT thermostat schedule benchmark - Python {platform.python_version()}, median of {RUNS} runs")
    print(
        f"rules: {kinds['recurring']} recurring, {kinds['cron']} cron, {kinds['dated']} dated ranges, "
        f"{kinds['override']} overrides; time zone {ZONE.key}; instants spread over 2026"
    )
    print(f"evaluate (cached timeline)    {ours_rate:>14,.0f} evaluations/s")
    print(f"brute force (every rule)      {anchor_rate:>14,.0f} evaluations/s")
    print(f"speed-up                      {ours_rate / anchor_rate:>14,.1f} x")
    print(f"agreement with brute force    {agree:>8} / {BRUTE_EVALUATIONS}")
    print(f"target                        {TARGET_RATE:>14,} evaluations/s -> {'PASS' if passed else 'FAIL'}")
    print(f"instructions 7 days, cold     {cold_seconds * 1000:>14.2f} ms ({segments} segments)")
    print(f"instructions 7 days, cached   {cached_seconds * 1e6:>14.2f} us")
    print(f"timeline of the whole year    {year_seconds * 1000:>14.2f} ms (one-off, then cached)")
    update_seconds, lead_seconds = optimum_start_costs()
    print(f"rate learner update           {update_seconds * 1e6:>14.1f} us/run ({MAX_RUNS} runs kept, refit)")
    print(f"lead time (estimate + lead)   {lead_seconds * 1e6:>14.2f} us/call")
    return 0 if passed and agree == BRUTE_EVALUATIONS else 1


if __name__ == "__main__":
    sys.exit(main())
