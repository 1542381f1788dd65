"""Load-side processes of the MQTT ingest benchmark: announcer, publisher and raw subscriber.

Each runs in its own process (`python bench/mqtt_load.py <role> ...`), imports only the standard library
and paho-mqtt, and talks to the parent through stdin/stdout lines:

- `announce`: plays N Pyaiot nodes during set-up only: publishes `node/check` for each, answers
  `gateway/<id>/discover` `resources` with the resource list and `values` with the priming values, and
  `gateway/check` with `node/check`. Prints `ready` once subscribed; exits when stdin closes.
- `publish`: connects, prints `ready`, waits for `go` on stdin, publishes its messages at QoS 0 as fast as
  the client allows, then prints one JSON line `{"t_first": ..., "t_last": ..., "sent": ...}`.
- `subscribe`: subscribes to a topic filter, prints `ready` once the broker confirmed, counts messages
  and prints `{"count": ..., "t_first": ..., "t_last": ...}` once `--expect` arrived or after `--idle`
  seconds without a message.

Times are `time.monotonic()`: CLOCK_MONOTONIC is system-wide on Linux, so they compare across processes.

The value messages are a pure function of the volumes (`value_messages`), so the parent knows what was
sent and which value every entity must end with.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import json
import socket
import struct
import sys
import threading
import time
import uuid

import paho.mqtt.client as paho

NUMERIC_RESOURCES = ("temperature", "pressure", "humidity", "illuminance", "eco2", "tvoc")
"""Known numeric Pyaiot resources, in the order `--resources M` takes them."""

# resource -> (base, step, span, number format, unit as a Pyaiot node sends it, HA unit, HA device class)
RESOURCE_FORMATS: dict[str, tuple[float, float, int, str, str, str, str]] = {
    "temperature": (10.0, 0.1, 300, "{:.1f}", "°C", "°C", "temperature"),
    "pressure": (980.0, 0.5, 120, "{:.1f}", "hPa", "hPa", "atmospheric_pressure"),
    "humidity": (20.0, 0.25, 240, "{:.2f}", "%", "%", "humidity"),
    "illuminance": (5.0, 3.0, 600, "{:.0f}", "lx", "lx", "illuminance"),
    "eco2": (400.0, 1.0, 1500, "{:.0f}", "ppm", "ppm", "carbon_dioxide"),
    "tvoc": (0.0, 1.0, 900, "{:.0f}", "ppb", "ppb", "volatile_organic_compounds_parts"),
}

READY = "ready"
GO = "go"


def node_ids(nodes: int) -> list[str]:
    """The ids of the simulated nodes."""
    return [f"bench-{index:04d}" for index in range(nodes)]


def resources(count: int) -> list[str]:
    """The first `count` numeric resources."""
    if not 1 <= count <= len(NUMERIC_RESOURCES):
        raise ValueError(f"--resources must be between 1 and {len(NUMERIC_RESOURCES)}")
    return list(NUMERIC_RESOURCES[:count])


def value_text(resource: str, index: int) -> tuple[str, float]:
    """The `index`-th value of a resource as a node sends it (`"23.4°C"`) and as a number.

    Consecutive indices always give different values (the sequence wraps from its top to its bottom).
    """
    base, step, span, fmt, unit, _, _ = RESOURCE_FORMATS[resource]
    text = fmt.format(base + (index % span) * step)
    return f"{text}{unit}", float(text)


def value_payload(resource: str, index: int) -> bytes:
    """The JSON payload of `node/<id>/<resource>` for the `index`-th value."""
    return json.dumps({"value": value_text(resource, index)[0]}, ensure_ascii=False).encode()


def value_messages(
    nodes: int, resource_count: int, messages: int, first_index: int
) -> list[tuple[str, bytes]]:
    """`messages` value messages, round-robin over every (node, resource) topic.

    The j-th message of a topic carries value index `first_index + j`, so every message changes the
    value of its topic, also relative to the previous batch when `first_index` continues it.
    """
    topics = [(node, resource) for node in node_ids(nodes) for resource in resources(resource_count)]
    out = []
    for number in range(messages):
        node, resource = topics[number % len(topics)]
        out.append((f"node/{node}/{resource}", value_payload(resource, first_index + number // len(topics))))
    return out


def messages_per_topic(nodes: int, resource_count: int, messages: int) -> int:
    """How many value indices one batch uses per topic (the most any topic gets)."""
    return -(-messages // (nodes * resource_count))


# --- the processes ---------------------------------------------------------------------------------


def _client(host: str, port: int, protocol: paho.MQTTProtocolVersion) -> paho.Client:
    client = paho.Client(
        paho.CallbackAPIVersion.VERSION2,
        client_id=f"pyiot-bench-{uuid.uuid4().hex[:10]}",
        protocol=protocol,
    )
    client.max_queued_messages_set(0)
    client.max_inflight_messages_set(1000)
    client.connect(host, port, keepalive=60)
    return client


def _emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _wait_for_stdin_eof() -> None:
    while sys.stdin.readline():
        pass


class _Announcer:
    """The nodes' side of the set-up: keepalives and answers to discovery requests."""

    def __init__(self, client: paho.Client, nodes: int, resource_count: int, prime_index: int) -> None:
        self.client = client
        self.ids = node_ids(nodes)
        self.names = resources(resource_count)
        self.prime_index = prime_index
        self.subscribed = threading.Event()

    def check_all(self) -> None:
        for node in self.ids:
            self.client.publish("node/check", json.dumps({"id": node}), qos=0)

    def on_subscribe(self, *_: object) -> None:
        self.subscribed.set()

    def on_message(self, _client: paho.Client, _userdata: object, message: paho.MQTTMessage) -> None:
        levels = message.topic.split("/")
        text = message.payload.decode(errors="replace").strip()
        if message.topic == "gateway/check":
            self.check_all()
        elif len(levels) == 3 and levels[2] == "discover":
            self.discover(levels[1], text)

    def discover(self, node: str, what: str) -> None:
        if what == "resources":
            self.client.publish(f"node/{node}/resources", json.dumps(self.names), qos=0)
        elif what == "values":
            for resource in self.names:
                self.client.publish(
                    f"node/{node}/{resource}", value_payload(resource, self.prime_index), qos=0
                )


def run_announce(host: str, port: int, nodes: int, resource_count: int, prime_index: int) -> None:
    """Play the nodes during set-up (see the module docstring)."""
    client = _client(host, port, paho.MQTTProtocolVersion.MQTTv311)
    announcer = _Announcer(client, nodes, resource_count, prime_index)
    client.on_subscribe = announcer.on_subscribe
    client.on_message = announcer.on_message
    client.loop_start()
    client.subscribe([("gateway/check", 0), ("gateway/+/discover", 0)])
    if not announcer.subscribed.wait(10):
        raise SystemExit("announcer: subscription not confirmed")
    announcer.check_all()
    _emit(READY)
    _wait_for_stdin_eof()
    client.disconnect()
    client.loop_stop()


def _encode_length(length: int) -> bytes:
    out = bytearray()
    while True:
        byte, length = length % 128, length // 128
        out.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(out)


def encode_publish(topic: str, payload: bytes) -> bytes:
    """An MQTT 3.1.1 PUBLISH packet, QoS 0, not retained."""
    encoded_topic = topic.encode()
    body = struct.pack("!H", len(encoded_topic)) + encoded_topic + payload
    return b"\x30" + _encode_length(len(body)) + body


def _raw_connect(host: str, port: int) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=10)
    client_id = f"pyiot-bench-{uuid.uuid4().hex[:10]}".encode()
    variable = b"\x00\x04MQTT\x04\x02" + struct.pack("!H", 60)  # 3.1.1, clean session, keepalive 60 s
    body = variable + struct.pack("!H", len(client_id)) + client_id
    sock.sendall(b"\x10" + _encode_length(len(body)) + body)
    connack = sock.recv(4)
    if len(connack) != 4 or connack[0] != 0x20 or connack[3] != 0:
        raise SystemExit(f"publisher: CONNACK refused: {connack!r}")
    return sock


def run_publish(
    host: str, port: int, batch: Sequence[tuple[str, bytes]], client_kind: str, chunk: int
) -> None:
    """Publish `batch` at QoS 0 after `go` (see the module docstring)."""
    if client_kind == "raw":
        packets = [encode_publish(topic, payload) for topic, payload in batch]
        chunks = [b"".join(packets[start : start + chunk]) for start in range(0, len(packets), chunk)]
        sock = _raw_connect(host, port)
        _emit(READY)
        if sys.stdin.readline().strip() != GO:
            return
        t_first = time.monotonic()
        for data in chunks:
            sock.sendall(data)
        t_last = time.monotonic()
        sock.sendall(b"\xe0\x00")  # DISCONNECT: the broker handles everything before it first
        sock.close()
    else:
        client = _client(host, port, paho.MQTTProtocolVersion.MQTTv311)
        client.loop_start()
        _emit(READY)
        if sys.stdin.readline().strip() != GO:
            return
        t_first = time.monotonic()
        info = None
        for topic, payload in batch:
            info = client.publish(topic, payload, qos=0)
        if info is not None:
            info.wait_for_publish(timeout=60)
        t_last = time.monotonic()
        client.disconnect()
        client.loop_stop()
    _emit(json.dumps({"t_first": t_first, "t_last": t_last, "sent": len(batch)}))


def run_subscribe(host: str, port: int, topic: str, *, expect: int, idle: float, protocol: str) -> None:
    """Count messages on `topic` (see the module docstring)."""
    version = paho.MQTTProtocolVersion.MQTTv5 if protocol == "5" else paho.MQTTProtocolVersion.MQTTv311
    client = _client(host, port, version)
    state = {"count": 0, "t_first": 0.0, "t_last": 0.0}
    done = threading.Event()
    subscribed = threading.Event()

    def on_subscribe(*_: object) -> None:
        subscribed.set()

    def on_message(_client: paho.Client, _userdata: object, _message: paho.MQTTMessage) -> None:
        now = time.monotonic()
        if not state["count"]:
            state["t_first"] = now
        state["count"] += 1
        state["t_last"] = now
        if state["count"] >= expect:
            done.set()

    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.loop_start()
    client.subscribe(topic, qos=0)
    if not subscribed.wait(10):
        raise SystemExit("subscriber: subscription not confirmed")
    _emit(READY)
    last_seen = -1
    while not done.wait(idle):
        if state["count"] == last_seen and state["count"]:
            break
        last_seen = state["count"]
    client.disconnect()
    client.loop_stop()
    _emit(json.dumps(state))


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the load processes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=("announce", "publish", "subscribe"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--resources", type=int, default=4)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument(
        "--first-index", type=int, default=0, help="value index of each topic's first message"
    )
    parser.add_argument("--batch", choices=("values", "prime"), default="values")
    parser.add_argument("--client", choices=("paho", "raw"), default="paho")
    parser.add_argument("--chunk", type=int, default=256, help="raw client: packets per send")
    parser.add_argument("--topic", default="node/#")
    parser.add_argument("--idle", type=float, default=5.0)
    parser.add_argument("--protocol", choices=("3", "5"), default="3")
    args = parser.parse_args(argv)
    if args.role == "announce":
        run_announce(args.host, args.port, args.nodes, args.resources, args.first_index)
    elif args.role == "publish":
        count = args.nodes * args.resources if args.batch == "prime" else args.messages
        batch = value_messages(args.nodes, args.resources, count, args.first_index)
        run_publish(args.host, args.port, batch, args.client, args.chunk)
    else:
        run_subscribe(
            args.host, args.port, args.topic, expect=args.messages, idle=args.idle, protocol=args.protocol
        )


if __name__ == "__main__":
    main()
