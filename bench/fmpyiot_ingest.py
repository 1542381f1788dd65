"""FmPyIOT ingest through a real Home Assistant, against HA core MQTT sensors fed the same stream.

Run from the repository root:

    .venv/bin/python bench/fmpyiot_ingest.py [--devices 100 --topics 5 --messages 20000 --reps 3]

It starts its own mosquitto with 10,000 unrelated retained topics, and publishes from a separate process
(tools/simulators/fmpyiot_load.py, pre-encoded QoS 0 packets). Each side runs in a fresh, real Home
Assistant in this process (bench/ha_harness.py) with HA's MQTT integration:

1. PyIoT: the FmPyIOT MQTT entry; 100 devices announce themselves (SYSINFO) and send one value per
   topic, then K value messages, each a new value. Rate = state writes of the 500 sensors / (last
   write - first message published).
2. Anchor: HA core MQTT sensors, one per (device, topic), created by MQTT discovery with a plain
   `state_topic` (FmPyIOT payloads are raw numbers: no template), fed the same K messages.
3. Unrelated traffic: with the PyIoT entry loaded, 10,000 updates of unrelated topics: HA process CPU
   per unrelated message (`time.process_time()` over the burst and until quiet), against the same
   burst with only the MQTT integration (no PyIoT) in another fresh instance.

Printed figures, not assertions.
"""

import argparse
import asyncio
from collections.abc import Callable
import cProfile
import gc
import json
from pathlib import Path
import statistics
import tempfile
import time
from typing import Any

from bench_paths import REPO_ROOT  # noqa: F401 - first: sets sys.path
from fmpyiot_core_ingest import LoadProcess, wait_for
import ha_harness
from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant

from custom_components.pyiot.core.protocols.fmpyiot import GatewaySettings
from tests.support.mosquitto import start_mosquitto
from tools.simulators import fmpyiot_load

IDLE = 5.0
LIMITS = {
    "max_nodes": 10_000,
    "max_points_per_node": 256,
    "new_nodes_per_minute": 0,
    "discovery_per_minute": 0,
}


def fmpyiot_entry() -> Any:
    """The FmPyIOT MQTT entry; no time service or web probe (not what is measured), no admission rate."""
    options = {**GatewaySettings(time_service=False, web_probe=False).as_dict(), "limits": LIMITS}
    return ha_harness.new_entry(
        "pyiot",
        {"entry_type": "fmpyiot_mqtt"},
        title="FmPyIOT MQTT devices",
        options=options,
        unique_id="fmpyiot_mqtt",
        entry_id=ha_harness.PYIOT_ENTRY_ID,
    )


def _entity_ids(hass: HomeAssistant, platform: str, unique_ids: list[str]) -> list[str] | None:
    found = ha_harness.entity_ids_for(hass, platform, unique_ids)
    return None if None in found else [entity_id for entity_id in found if entity_id is not None]


async def _entities(hass: HomeAssistant, platform: str, unique_ids: list[str]) -> list[str]:
    deadline = time.monotonic() + 120
    while (found := _entity_ids(hass, platform, unique_ids)) is None:
        if time.monotonic() > deadline:
            raise SystemExit(f"benchmark: the {platform} sensors did not appear")
        await asyncio.sleep(0.05)
    return found


async def _known(hass: HomeAssistant, entity_ids: list[str]) -> None:
    def known() -> bool:
        return all(
            (state := hass.states.get(entity_id)) is not None
            and state.state not in {"unknown", "unavailable"}
            for entity_id in entity_ids
        )

    await wait_for(known, limit=120, idle=0.05)


async def _publish(port: int, role: str, volumes: list[str], *options: str) -> dict[str, float]:
    load = LoadProcess(port, role, *volumes, *options)
    load.go()
    return await load.result()


async def measure(
    hass: HomeAssistant, port: int, entity_ids: list[str], args: argparse.Namespace, volumes: list[str]
) -> list[float]:
    """State writes per second of the sensors, one figure per repetition."""
    rates = []
    profile = cProfile.Profile() if args.profile and "rates" not in args.profiled else None
    for rep in range(args.reps):
        first = 10 + rep * (args.messages // (args.devices * args.topics) + 1)
        counter = ha_harness.StateWriteCounter(hass, entity_ids, args.messages)
        load = LoadProcess(
            port, "values", *volumes, "--messages", str(args.messages), "--first-index", str(first)
        )
        done = asyncio.Event()
        gc.collect()
        if profile is not None:
            profile.enable()
        load.go()
        result_task = asyncio.create_task(load.result())
        result_task.add_done_callback(lambda _, finished=done: finished.set())
        await counter.wait(done.is_set, IDLE)
        published = await result_task
        if profile is not None:
            profile.disable()
        counter.stop()
        if counter.count < args.messages:
            print(f"  (run {rep + 1}: {counter.count} of {args.messages} state writes)")
        rates.append(counter.count / (counter.t_last - published["t_first"]))
    if profile is not None:  # the first side measured (PyIoT) only
        args.profiled.add("rates")
        profile.dump_stats(args.profile)
    return rates


async def unrelated_cpu(port: int, args: argparse.Namespace, received: Callable[[], int]) -> float:
    """µs of this process's CPU per unrelated message, over the burst and until nothing more comes."""
    await asyncio.sleep(1.0)
    start_cpu = time.process_time()
    await _publish(port, "unrelated", [], "--unrelated", str(args.unrelated), "--first-index", "7")
    last, quiet_until = received(), time.monotonic() + 0.5
    while time.monotonic() < quiet_until:
        await asyncio.sleep(0.1)
        if received() != last:
            last, quiet_until = received(), time.monotonic() + 0.5
    return (time.process_time() - start_cpu) / args.unrelated * 1e6


def _mqtt_messages(hass: HomeAssistant) -> Callable[[], int]:
    """Messages HA's MQTT client received (the broker filtered the rest)."""
    paho = hass.data[mqtt.DATA_MQTT].client._mqttc  # noqa: SLF001 - counting, not changing
    original = paho.on_message
    seen = {"n": 0}

    def counting(client: Any, userdata: Any, message: Any) -> None:
        seen["n"] += 1
        original(client, userdata, message)

    paho.on_message = counting
    return lambda: seen["n"]


async def pyiot_side(
    port: int, args: argparse.Namespace, volumes: list[str], workdir: Path
) -> dict[str, Any]:
    hass = await ha_harness.start_hass(ha_harness.make_config_dir(workdir / "pyiot"))
    try:
        await ha_harness.add_mqtt_entry(hass, "127.0.0.1", port)
        received = _mqtt_messages(hass)
        entry = fmpyiot_entry()
        await hass.config_entries.async_add(entry)
        await hass.async_block_till_done()
        await asyncio.sleep(1.0)
        await _publish(port, "announce", volumes)
        devices = fmpyiot_load.load_devices(args.devices)
        names = fmpyiot_load.topic_names(args.topics)
        unique_ids = [f"{entry.entry_id}:{device.mac}:./{name}" for device in devices for name in names]
        deadline = time.monotonic() + 60
        while True:  # devices subscribe their `<base>+` once identified: prime until every sensor shows
            await _publish(port, "prime", volumes)
            if (found := _entity_ids(hass, "pyiot", unique_ids)) is not None:
                break
            if time.monotonic() > deadline:
                raise SystemExit("benchmark: the FmPyIOT sensors did not appear")
            await asyncio.sleep(1.0)
        await _known(hass, found)
        rates = await measure(hass, port, found, args, volumes)
        cpu = await unrelated_cpu(port, args, received)
        return {"rates": rates, "unrelated_cpu_us": cpu}
    finally:
        await ha_harness.stop_hass(hass)


def discovery_config(device: fmpyiot_load.LoadDevice, name: str) -> tuple[str, dict[str, Any]]:
    """MQTT discovery of one sensor, as a user would write it for an FmPyIOT topic."""
    node = device.mac.replace(":", "")
    config = {
        "name": name,
        "state_topic": device.base + name,
        "state_class": "measurement",
        "unique_id": f"bench-fmpyiot-{node}-{name}",
        "device": {"identifiers": [f"bench-fmpyiot-{node}"], "name": device.base, "manufacturer": "FmPyIOT"},
    }
    return f"homeassistant/sensor/{node}_{name}/config", config


async def ha_mqtt_side(
    port: int, args: argparse.Namespace, volumes: list[str], workdir: Path
) -> dict[str, Any]:
    hass = await ha_harness.start_hass(ha_harness.make_config_dir(workdir / "ha_mqtt"))
    try:
        await ha_harness.add_mqtt_entry(hass, "127.0.0.1", port)
        received = _mqtt_messages(hass)
        await asyncio.sleep(1.0)
        idle_cpu = await unrelated_cpu(port, args, received)
        devices = fmpyiot_load.load_devices(args.devices)
        configs = [
            discovery_config(device, name)
            for device in devices
            for name in fmpyiot_load.topic_names(args.topics)
        ]
        for topic, config in configs:
            await mqtt.async_publish(hass, topic, json.dumps(config), qos=1)
        unique_ids = [config["unique_id"] for _, config in configs]
        found = await _entities(hass, "mqtt", unique_ids)
        deadline = time.monotonic() + 60
        while True:  # HA subscribes the sensors in batches after the discovery: prime until all show
            await _publish(port, "prime", volumes)
            try:
                await wait_for(
                    lambda: all(
                        (s := hass.states.get(e)) is not None and s.state not in {"unknown", "unavailable"}
                        for e in found
                    ),
                    limit=3,
                    idle=0.05,
                )
                break
            except SystemExit:
                if time.monotonic() > deadline:
                    raise
        rates = await measure(hass, port, found, args, volumes)
        return {"rates": rates, "unrelated_cpu_us": idle_cpu}
    finally:
        await ha_harness.stop_hass(hass)


def main(args: argparse.Namespace) -> None:
    args.profiled = set()
    ha_harness.quiet_logging()
    workdir = Path(tempfile.mkdtemp(prefix="pyiot-bench-fmpyiot-ha-"))
    broker = start_mosquitto(workdir)
    volumes = ["--devices", str(args.devices), "--topics", str(args.topics)]
    try:
        asyncio.run(_publish(broker.port, "unrelated", [], "--unrelated", str(args.unrelated), "--retain"))
        ours = ha_harness.run_hass(lambda: pyiot_side(broker.port, args, volumes, workdir))
        anchor = ha_harness.run_hass(lambda: ha_mqtt_side(broker.port, args, volumes, workdir))
    finally:
        broker.stop()
    pyiot, core = statistics.median(ours["rates"]), statistics.median(anchor["rates"])
    spread = lambda rates: ", ".join(f"{rate:.0f}" for rate in rates)  # noqa: E731
    print(
        f"FmPyIOT ingest through Home Assistant: {args.devices} devices x {args.topics} topics, "
        f"{args.messages} value messages x {args.reps} reps, {args.unrelated} unrelated retained topics"
    )
    print(f"  PyIoT FmPyIOT entry:          {pyiot:8.0f} state writes/s (runs {spread(ours['rates'])})")
    print(f"  HA core MQTT sensors (anchor): {core:8.0f} state writes/s (runs {spread(anchor['rates'])})")
    print(f"  ratio PyIoT / HA core:         {pyiot / core:8.2f}  (target >= 1.5)")
    print(
        f"  {args.unrelated} unrelated updates: HA CPU {ours['unrelated_cpu_us']:.2f} µs per unrelated "
        f"message with PyIoT (target < 10), {anchor['unrelated_cpu_us']:.2f} µs with the MQTT "
        "integration alone"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--topics", type=int, default=5)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--unrelated", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--profile", help="write a cProfile of the PyIoT side's value messages here (figures are slower then)"
    )
    main(parser.parse_args())
