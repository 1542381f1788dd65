"""Load for FmPyIOT benchmarks: N devices x M numeric topics, and a broker full of unrelated topics.

The messages are a pure function of the volumes, so a benchmark knows what was sent and which value
every point must end with. They are published from pre-encoded QoS 0 PUBLISH packets on one plain
connection (tools/simulators/mqtt_device_client.py), so that the generator's CPU stays small on a
2-core machine. As a process (`python -m tools.simulators.fmpyiot_load <role> ...`) it talks to its
parent through lines: it prints `ready`, waits for `go` on stdin, publishes, and prints one JSON line
`{"t_first": ..., "t_last": ..., "sent": ...}` (times are `time.monotonic()`, system-wide on Linux).

- `announce`: one SYSINFO per device (with its MAC): the gateway finds and subscribes them;
- `prime`: one value per topic, so that every point exists;
- `values`: `--messages` value messages, round-robin over every (device, topic), each a new value;
- `unrelated`: `--unrelated` topics that are no FmPyIOT device's (zigbee2mqtt, Tasmota, Shelly, deep
  home trees), retained with `--retain` (the state of a busy broker), else a stream of updates.
"""

import argparse
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
import json
import sys
import time
import uuid

from .mqtt_device_client import MqttDeviceClient, encode_publish

TOPICS = ("temperature", "humidity", "pressure", "co2", "voltage")
"""Numeric topics of every benchmark device, in the order `--topics M` takes them."""
_FORMATS = {
    "temperature": (10.0, 0.1, 300, "{:.1f}"),
    "humidity": (20.0, 0.25, 240, "{:.2f}"),
    "pressure": (980.0, 0.5, 120, "{:.1f}"),
    "co2": (400.0, 1.0, 1500, "{:.0f}"),
    "voltage": (3.0, 0.01, 200, "{:.2f}"),
}
READY = "ready"
GO = "go"


@dataclass(frozen=True, slots=True)
class LoadDevice:
    """One benchmark device."""

    base: str
    mac: str


def load_devices(count: int, prefix: str = "BENCH/FMP") -> list[LoadDevice]:
    """`count` devices at bases `<prefix><index>/` (two levels)."""
    return [
        LoadDevice(f"{prefix}{index:04d}/", "02:00:00:{:02x}:{:02x}:{:02x}".format(*index.to_bytes(3, "big")))
        for index in range(count)
    ]


def topic_names(count: int) -> list[str]:
    """The first `count` numeric topics."""
    if not 1 <= count <= len(TOPICS):
        raise ValueError(f"--topics must be between 1 and {len(TOPICS)}")
    return list(TOPICS[:count])


def value_text(topic: str, index: int) -> tuple[str, float]:
    """The `index`-th value of a topic as the device sends it (raw JSON number) and as a number.

    Consecutive indices give different values (the sequence wraps from its top to its bottom).
    """
    base, step, span, fmt = _FORMATS[topic]
    text = fmt.format(base + (index % span) * step)
    return text, float(text)


def sysinfo(device: LoadDevice) -> bytes:
    """A minimal 2024 SYSINFO."""
    return json.dumps(
        {"name": device.base.strip("/"), "mqtt_base_topic": device.base, "mac": device.mac}
    ).encode()


def announce_messages(devices: Sequence[LoadDevice]) -> list[tuple[str, bytes]]:
    """SYSINFO of every device."""
    return [(device.base + "SYSINFO", sysinfo(device)) for device in devices]


def prime_messages(devices: Sequence[LoadDevice], topics: int, index: int = 0) -> list[tuple[str, bytes]]:
    """One value of each topic of every device."""
    return [
        (device.base + name, value_text(name, index)[0].encode())
        for device in devices
        for name in topic_names(topics)
    ]


def value_messages(
    devices: Sequence[LoadDevice], topics: int, messages: int, first_index: int
) -> list[tuple[str, bytes]]:
    """`messages` values round-robin over every (device, topic); a topic's j-th has index `first_index+j`."""
    pairs = [(device.base, name) for device in devices for name in topic_names(topics)]
    return [
        (
            pairs[number % len(pairs)][0] + pairs[number % len(pairs)][1],
            value_text(pairs[number % len(pairs)][1], first_index + number // len(pairs))[0].encode(),
        )
        for number in range(messages)
    ]


def last_values(
    devices: Sequence[LoadDevice], topics: int, messages: int, first_index: int
) -> dict[tuple[str, str], float]:
    """(base, topic) → the value the last of `value_messages(...)` gave it."""
    pairs = [(device.base, name) for device in devices for name in topic_names(topics)]
    out = {}
    for offset, (base, name) in enumerate(pairs):
        sent = (messages - offset + len(pairs) - 1) // len(pairs)
        if sent:
            out[(base, name)] = value_text(name, first_index + sent - 1)[1]
    return out


def unrelated_topics(count: int) -> list[str]:
    """Topics of other systems, of depths 2 to 6, none ending in an FmPyIOT system topic name."""
    shapes = (
        "zigbee2mqtt/sensor_{i:05d}",
        "tele/tasmota_{i:05d}/SENSOR",
        "shellies/shelly-{i:05d}/relay/0",
        "home/floor{f}/room{r}/device{i:05d}/state",
        "home/floor{f}/room{r}/device{i:05d}/sensor/value",
        "/legacy/{i:05d}/temperature",
    )
    return [shapes[i % len(shapes)].format(i=i, f=i % 7, r=i % 13) for i in range(count)]


def unrelated_messages(count: int, *, index: int = 0) -> list[tuple[str, bytes]]:
    """One message on each unrelated topic."""
    return [
        (topic, json.dumps({"value": index, "n": number}).encode())
        for number, topic in enumerate(unrelated_topics(count))
    ]


def packets(messages: Sequence[tuple[str, bytes]], *, retain: bool = False, chunk: int = 256) -> list[bytes]:
    """Pre-encoded PUBLISH packets, `chunk` per write."""
    encoded = [encode_publish(topic, payload, retain=retain) for topic, payload in messages]
    return [b"".join(encoded[start : start + chunk]) for start in range(0, len(encoded), chunk)]


async def publish(host: str, port: int, chunks: Sequence[bytes]) -> tuple[float, float]:
    """Connect, send every chunk, disconnect (the broker handles what came before DISCONNECT); times."""
    client = MqttDeviceClient(host, port, f"pyiot-load-{uuid.uuid4().hex[:10]}")
    await client.connect()
    t_first = time.monotonic()
    for data in chunks:
        await client.publish_raw(data)
    t_last = time.monotonic()
    await client.disconnect()
    return t_first, t_last


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the load process (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=("announce", "prime", "values", "unrelated"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--topics", type=int, default=5)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--first-index", type=int, default=1)
    parser.add_argument("--unrelated", type=int, default=10_000)
    parser.add_argument("--retain", action="store_true")
    parser.add_argument("--prefix", default="BENCH/FMP")
    args = parser.parse_args(argv)
    devices = load_devices(args.devices, args.prefix)
    if args.role == "announce":
        batch = announce_messages(devices)
    elif args.role == "prime":
        batch = prime_messages(devices, args.topics, args.first_index - 1)
    elif args.role == "values":
        batch = value_messages(devices, args.topics, args.messages, args.first_index)
    else:
        batch = unrelated_messages(args.unrelated, index=args.first_index)
    chunks = packets(batch, retain=args.retain)
    sys.stdout.write(READY + "\n")
    sys.stdout.flush()
    if sys.stdin.readline().strip() != GO:
        return
    t_first, t_last = asyncio.run(publish(args.host, args.port, chunks))
    sys.stdout.write(json.dumps({"t_first": t_first, "t_last": t_last, "sent": len(batch)}) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
