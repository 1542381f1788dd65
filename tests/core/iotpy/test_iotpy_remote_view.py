"""What Home Assistant shows of a remote server: availability, staleness, variables coming and going."""

import aiohttp

from custom_components.pyiot.core.iotpy import Exposure, ValueKind, VariableSettings
from custom_components.pyiot.core.nodes import PointKind
from custom_components.pyiot.core.protocols.iotpy import (
    Fetched,
    IotpyServerClient,
    RemoteVariable,
    ServerAddress,
    ServerFormat,
    ServerView,
    VariablesDocument,
)
from tools.simulators.iotpy_server import IotpyServerSim, SimDevice, example_device


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def fetched(
    *variables: RemoteVariable, server_time_ms: int | None = 1_000_000, legacy: bool = False
) -> Fetched:
    return Fetched(
        document=VariablesDocument(
            format=ServerFormat.LEGACY_MAP if legacy else ServerFormat.SUMMARIES,
            variables={variable.name: variable for variable in variables},
        ),
        server_time_ms=server_time_ms,
    )


def var(
    name: str, value: object, *, updated: int | None = 1_000_000, status: int | None = 1, error: str = ""
) -> RemoteVariable:
    return RemoteVariable(name=name, value=value, last_update_ms=updated, status=status, error=error)  # type: ignore[arg-type]


def test_values_kinds_and_status() -> None:
    view = ServerView(clock=Clock())
    changes = view.apply(
        fetched(
            var("t", 21.5),
            var("on", True),
            var("txt", "hi"),
            var("fail", None, status=2, error="E"),
            var("never", None, status=0),
            var("nan", float("nan")),
        )
    )
    assert changes.added == ("t", "on", "txt", "fail", "never", "nan")
    assert [view.kind(name) for name in view.names] == [
        ValueKind.NUMBER,
        ValueKind.BOOLEAN,
        ValueKind.TEXT,
        ValueKind.NUMBER,
        None,
        ValueKind.NUMBER,
    ]
    t = view.get("t")
    assert t is not None
    assert (t.value, t.available) == (21.5, True)
    fail = view.get("fail")
    assert fail is not None
    assert (fail.available, fail.reason, fail.error, fail.status) == (
        False,
        "status",
        "E",
        2,
    )
    assert view.get("never") is None
    nan = view.get("nan")
    assert nan is not None
    assert nan.reason == "not_finite"
    assert [point.kind for point in view.points()] == [
        PointKind.SENSOR,
        PointKind.BINARY_SENSOR,
        PointKind.SENSOR,
        PointKind.SENSOR,
        PointKind.SENSOR,
    ]
    assert view.get("unknown") is None
    assert view.point("never") is None


def test_stale_when_last_update_does_not_move() -> None:
    clock = Clock()
    view = ServerView(stale_after=10.0, clock=clock)
    view.apply(fetched(var("t", 1.0, updated=1_000_000)))
    clock.now += 9
    view.apply(fetched(var("t", 1.0, updated=1_000_000), server_time_ms=1_009_000))
    assert view.get("t").available  # type: ignore[union-attr]
    clock.now += 2
    assert view.get("t").reason == "stale"  # type: ignore[union-attr]
    view.apply(fetched(var("t", 2.0, updated=1_011_000), server_time_ms=1_011_000))
    assert view.get("t").available  # type: ignore[union-attr]


def test_a_variable_frozen_long_ago_is_stale_at_once_whatever_the_clocks() -> None:
    clock = Clock()
    view = ServerView(stale_after=10.0, clock=clock)
    view.apply(fetched(var("dead", 1.0, updated=1_000_000), server_time_ms=1_060_000))
    assert view.get("dead").reason == "stale"  # type: ignore[union-attr]
    # Server clock behind ours (or no Date header): fresh until it stops moving.
    other = ServerView(stale_after=10.0, clock=clock)
    other.apply(fetched(var("t", 1.0, updated=5_000_000), server_time_ms=1_000_000))
    assert other.get("t").available  # type: ignore[union-attr]
    third = ServerView(stale_after=10.0, clock=clock)
    third.apply(fetched(var("u", 1.0, updated=1), server_time_ms=None))
    assert third.get("u").available  # type: ignore[union-attr]


def test_legacy_values_are_never_stale() -> None:
    clock = Clock()
    view = ServerView(stale_after=1.0, clock=clock)
    view.apply(fetched(RemoteVariable(name="a", value=1.0), legacy=True))
    clock.now += 100
    assert view.get("a").available  # type: ignore[union-attr]
    assert view.format is ServerFormat.LEGACY_MAP


def test_variables_disappear_and_come_back() -> None:
    view = ServerView(clock=Clock())
    view.apply(fetched(var("a", 1.0), var("b", 2.0)))
    changes = view.apply(fetched(var("a", 1.0), var("c", 3.0)))
    assert (changes.added, changes.removed, changes.returned) == (("c",), ("b",), ())
    assert view.get("b").reason == "missing"  # type: ignore[union-attr]
    assert view.names == ["a", "b", "c"]
    changes = view.apply(fetched(var("a", 1.0), var("b", 5.0), var("c", 3.0)))
    assert changes.returned == ("b",)
    assert view.get("b").value == 5.0  # type: ignore[union-attr]


def test_unreachable_server() -> None:
    view = ServerView(clock=Clock())
    view.apply(fetched(var("a", 1.0)))
    view.unreachable()
    assert view.get("a").reason == "unreachable"  # type: ignore[union-attr]
    assert view.diagnostics()["reachable"] is False
    view.apply(fetched(var("a", 1.0)))
    assert view.get("a").available  # type: ignore[union-attr]


def test_kinds_are_kept_settings_impose_and_export_restore() -> None:
    view = ServerView(clock=Clock(), settings={"relay": VariableSettings(exposure=Exposure.SWITCH)})
    view.restore({"t": "text", "bad": "nonsense", 3: "number"})
    view.restore(None)
    view.apply(fetched(var("t", 21.5), var("relay", 1), var("odd", "abc")))
    view.apply(fetched(var("t", 21.5), var("relay", 0), var("odd", 4.0)))
    assert view.kind("t") is ValueKind.TEXT
    assert view.get("t").value == "21.5"  # type: ignore[union-attr]
    relay = view.point("relay")
    assert relay is not None
    assert (relay.kind, relay.writable) == (PointKind.SWITCH, True)
    assert view.get("relay").value is False  # type: ignore[union-attr]
    assert view.kind("odd") is ValueKind.TEXT
    assert view.export() == {"t": "text", "relay": "number", "odd": "text"}
    assert view.diagnostics()["variables"]["relay"]["kind"] == "boolean"


async def test_a_dead_device_on_the_simulator_goes_stale(
    session: aiohttp.ClientSession, simulator: IotpyServerSim
) -> None:
    clock = Clock()
    view = ServerView(stale_after=5.0, clock=clock)
    client = IotpyServerClient(session, ServerAddress.parse(simulator.url))
    view.apply(await client.fetch())
    assert view.get("test0").available  # type: ignore[union-attr]
    simulator.devices[0].alive = False  # its thread died: values freeze
    clock.now += 6
    simulator.tick()
    view.apply(await client.fetch())
    assert view.get("test0").reason == "stale"  # type: ignore[union-attr]
    assert view.get("setpoint").reason == "stale"  # type: ignore[union-attr]  # never polled either
    # A restart with other device files: the old variables are missing, the new ones appear.
    other = SimDevice("other")
    other.add("fresh").set_value(1.0)
    simulator.replace_devices([example_device(), other])
    simulator.tick()
    changes = view.apply(await client.fetch())
    assert changes.added == ("fresh",)
    assert "setpoint" in changes.removed
    assert view.get("test0").available  # type: ignore[union-attr]
