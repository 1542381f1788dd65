"""Load side of the reliability benchmarks: a junk flood and well-behaved Pyaiot nodes, in their own process.

HA-free (standard library and paho-mqtt only); the parent talks to it through stdin/stdout lines.

- `junk`: builds the junk mix of issue 13 (see `JUNK_MIX`), connects with a plain socket, prints `ready`,
  waits for `go`, sends every message as a pre-encoded QoS 0 PUBLISH as fast as the socket takes them and
  publishes `MARKER_TOPIC` last, and prints one JSON line `{"t_first", "t_last", "sent", "bytes",
  "kinds": {kind: count}}`.
- `nodes`: plays N Pyaiot nodes that behave like upstream's `mqtt-test-node.py` (pyaiot.md §4): each
  publishes `node/check` at start and every `--check-period` s, answers `gateway/<id>/discover`
  (`resources`: its list; `values`: every value), echoes `gateway/<id>/led/set`, and publishes temperature
  and pressure periodically. Unlike upstream, every reading is new (a step along a fixed sequence), so each
  one changes its entity's state and can be told apart. Nodes reconnect by themselves (1 to 2 s) when the
  broker goes away, without a new `node/check` (as upstream's nodes). Prints `ready` once subscribed and
  the first checks are out; on `stop` (or end of stdin) prints `{"published": {topic: [[value,
  monotonic time], ...]}, "connects": n}` and exits.
"""

import argparse
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
import heapq
import json
import random
import sys
import threading
import time
import uuid

import mqtt_load
import paho.mqtt.client as paho

READY = mqtt_load.READY
GO = mqtt_load.GO
STOP = "stop"

NODE_RESOURCES = ("name", "board", "os", "led", "temperature", "pressure")
PERIODIC = ("temperature", "pressure")

JUNK_MIX: dict[str, int] = {
    "check_new_id": 23_000,
    "value_new_id": 15_000,
    "not_json": 5_000,
    "not_utf8": 2_000,
    "bad_check": 1_930,
    "long_topic": 1_000,
    "deep_topic": 1_000,
    "points_on_real_node": 1_000,
    "big_resource_list": 50,
    "oversized": 20,
}
"""Messages of each kind in a 50,000-message flood (scaled for another `--messages`).

- `check_new_id`: `node/check` with a new id each time (each one asks for a discovery in the landed code);
- `value_new_id`: `node/<new id>/temperature` with a valid value (a device each in the landed code);
- `not_json` / `not_utf8`: garbage payloads from new ids; `bad_check`: malformed `node/check` payloads
  (wrong types, ids with separators, JSON nested 5,000 deep);
- `long_topic` (4 kB topics) / `deep_topic` (100 levels);
- `points_on_real_node`: values of new resources on the real nodes (entities on a legitimate device);
- `big_resource_list`: a 40 kB resource list from a new id (256 entities in the landed code);
- `oversized`: 70 kB payloads.
"""
MARKER_TOPIC = "bench/flood-done"
"""Published after the last junk message: whoever receives it has received the whole flood before."""
BIG_LIST_BYTES = 40_000
OVERSIZED_BYTES = 70_000


def _kinds_for(total: int) -> dict[str, int]:
    scale = total / sum(JUNK_MIX.values())
    counts = {kind: max(1, round(count * scale)) for kind, count in JUNK_MIX.items()}
    counts["check_new_id"] += total - sum(counts.values())
    return counts


def _bad_check(number: int) -> bytes:
    match number % 5:
        case 0:
            return json.dumps({"id": number}).encode()
        case 1:
            return json.dumps([number, "x"]).encode()
        case 2:
            return json.dumps({"id": f"junk/{number}/x"}).encode()
        case 3:
            return json.dumps({"name": f"junk-{number}"}).encode()
        case _:
            return b"[" * 5_000 + b"]" * 5_000


def _big_list(number: int) -> bytes:
    names: list[str] = []
    size = 2
    while size < BIG_LIST_BYTES:
        name = f"r{number}-{len(names):04d}"
        names.append(name)
        size += len(name) + 4
    return json.dumps(names).encode()


_VALUE = json.dumps({"value": "21.5°C"}, ensure_ascii=False).encode()
_JUNK: dict[str, Callable[[int, Sequence[str]], tuple[str, bytes]]] = {
    "check_new_id": lambda n, _r: ("node/check", json.dumps({"id": f"junk-c-{n}"}).encode()),
    "value_new_id": lambda n, _r: (f"node/junk-v-{n}/temperature", _VALUE),
    "not_json": lambda n, _r: (f"node/junk-j-{n}/temperature", f"not json {n}".encode()),
    "not_utf8": lambda n, _r: (f"node/junk-u-{n}/temperature", b"\xff\xfe\xfd" + n.to_bytes(4)),
    "bad_check": lambda n, _r: ("node/check", _bad_check(n)),
    "long_topic": lambda n, _r: (f"node/{'x' * 4_000}{n}/temperature", _VALUE),
    "deep_topic": lambda n, _r: ("node/" + "/".join(f"l{level}" for level in range(100)) + f"/{n}", _VALUE),
    "points_on_real_node": lambda n, real: (
        f"node/{real[n % len(real)] if real else 'absent'}/junk-p-{n}",
        json.dumps({"value": str(n)}).encode(),
    ),
    "big_resource_list": lambda n, _r: (f"node/junk-r-{n}/resources", _big_list(n)),
    "oversized": lambda n, _r: (
        f"node/junk-o-{n}/temperature",
        b'{"value": "' + b"x" * OVERSIZED_BYTES + b'"}',
    ),
}


def junk_message(kind: str, number: int, real_nodes: Sequence[str]) -> tuple[str, bytes]:
    """The `number`-th junk message of `kind`."""
    return _JUNK[kind](number, real_nodes)


def junk_messages(total: int, real_nodes: Sequence[str], seed: int = 13) -> list[tuple[str, str, bytes]]:
    """(kind, topic, payload) of the whole flood, the kinds shuffled together reproducibly."""
    kinds = [kind for kind, count in _kinds_for(total).items() for _ in range(count)]
    random.Random(seed).shuffle(kinds)
    numbers: Counter[str] = Counter()
    out = []
    for kind in kinds:
        topic, payload = junk_message(kind, numbers[kind], real_nodes)
        numbers[kind] += 1
        out.append((kind, topic, payload))
    return out


def run_junk(host: str, port: int, total: int, real_nodes: Sequence[str], chunk: int) -> None:
    """The `junk` role (see the module docstring)."""
    messages = junk_messages(total, real_nodes)
    packets = [mqtt_load.encode_publish(topic, payload) for _kind, topic, payload in messages]
    chunks = [b"".join(packets[start : start + chunk]) for start in range(0, len(packets), chunk)]
    sock = mqtt_load._raw_connect(host, port)  # noqa: SLF001 - same package of scripts
    _emit(READY)
    if sys.stdin.readline().strip() != GO:
        return
    t_first = time.monotonic()
    for data in chunks:
        sock.sendall(data)
    t_last = time.monotonic()
    sock.sendall(mqtt_load.encode_publish(MARKER_TOPIC, b"done") + b"\xe0\x00")
    sock.close()
    kinds = Counter(kind for kind, _topic, _payload in messages)
    _emit(
        json.dumps(
            {
                "t_first": t_first,
                "t_last": t_last,
                "sent": len(messages),
                "bytes": sum(len(packet) for packet in packets),
                "kinds": dict(kinds),
            }
        )
    )


# --- well-behaved nodes ------------------------------------------------------------------------------


class Scheduler:
    """Runs callables at monotonic times, in one thread."""

    def __init__(self) -> None:
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._lock = threading.Condition()
        self._counter = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def at(self, when: float, action: Callable[[], None]) -> None:
        with self._lock:
            self._counter += 1
            heapq.heappush(self._queue, (when, self._counter, action))
            self._lock.notify()

    def every(self, first: float, period: float, action: Callable[[], None]) -> None:
        def repeat(when: float = first) -> None:
            action()
            self.at(when + period, lambda: repeat(when + period))

        self.at(first, repeat)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify()
        self._thread.join(5)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._stopped and (not self._queue or self._queue[0][0] > time.monotonic()):
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._lock.wait(timeout)
                if self._stopped:
                    return
                _when, _number, action = heapq.heappop(self._queue)
            action()


class Nodes:
    """The `nodes` role: many Pyaiot nodes on one paho client."""

    def __init__(self, client: paho.Client, ids: Sequence[str], qos: int) -> None:
        self.client = client
        self.ids = list(ids)
        self.qos = qos
        self.index = dict.fromkeys(((node, res) for node in self.ids for res in PERIODIC), 0)
        self.led = dict.fromkeys(self.ids, "0")
        self.published: dict[str, list[tuple[float, float]]] = {}
        self.lock = threading.Lock()
        self.connects = 0
        self.connected = threading.Event()

    def on_connect(self, client: paho.Client, *_: object) -> None:
        self.connects += 1
        client.subscribe([("gateway/+/discover", self.qos), ("gateway/+/led/set", self.qos)])

    def on_subscribe(self, *_: object) -> None:
        self.connected.set()

    def on_disconnect(self, *_: object) -> None:
        self.connected.clear()

    def publish(self, topic: str, payload: str) -> None:
        self.client.publish(topic, payload.encode(), qos=self.qos)

    def check(self, node: str) -> None:
        self.publish("node/check", json.dumps({"id": node}))

    def reading(self, node: str, resource: str) -> None:
        """Publish a new reading of `resource` (unique among the node's next 10,000 readings)."""
        with self.lock:
            self.index[node, resource] += 1
            text, number = reading_text(resource, self.index[node, resource])
            topic = f"node/{node}/{resource}"
            self.published.setdefault(topic, []).append((number, time.monotonic()))
        self.publish(topic, json.dumps({"value": text}, ensure_ascii=False))

    def values(self, node: str) -> None:
        self.publish(f"node/{node}/name", json.dumps({"value": f"Bench node {node}"}))
        self.publish(f"node/{node}/board", json.dumps({"value": "native"}))
        self.publish(f"node/{node}/os", json.dumps({"value": "riot"}))
        self.publish(f"node/{node}/led", json.dumps({"value": self.led[node]}))
        for resource in PERIODIC:
            self.reading(node, resource)

    def on_message(self, _client: paho.Client, _userdata: object, message: paho.MQTTMessage) -> None:
        levels = message.topic.split("/")
        text = message.payload.decode(errors="replace").strip()
        if len(levels) < 3 or levels[1] not in self.led:
            return
        node = levels[1]
        if levels[2] == "discover" and text == "resources":
            self.publish(f"node/{node}/resources", json.dumps(list(NODE_RESOURCES)))
        elif levels[2] == "discover" and text == "values":
            self.values(node)
        elif levels[2:] == ["led", "set"] and text in {"0", "1"}:
            self.led[node] = text
            self.publish(f"node/{node}/led", json.dumps({"value": text}))


def reading_text(resource: str, index: int) -> tuple[str, float]:
    """The `index`-th reading of `resource` as a node sends it (`"10.07°C"`) and as a number."""
    step = index % 10_000
    if resource == "temperature":
        text = f"{10 + step * 0.01:.2f}"
        return f"{text}°C", float(text)
    text = f"{900 + step * 0.1:.1f}"
    return f"{text}hPa", float(text)


def node_ids(count: int, prefix: str) -> list[str]:
    """Ids of the well-behaved nodes."""
    return [f"{prefix}-{index:02d}" for index in range(count)]


def run_nodes(args: argparse.Namespace) -> None:
    """The `nodes` role (see the module docstring)."""
    client = paho.Client(
        paho.CallbackAPIVersion.VERSION2,
        client_id=f"pyiot-bench-nodes-{uuid.uuid4().hex[:10]}",
        protocol=paho.MQTTProtocolVersion.MQTTv311,
    )
    client.max_inflight_messages_set(1000)
    client.reconnect_delay_set(min_delay=1, max_delay=2)
    nodes = Nodes(client, node_ids(args.nodes, args.prefix), args.qos)
    client.on_connect = nodes.on_connect
    client.on_subscribe = nodes.on_subscribe
    client.on_disconnect = nodes.on_disconnect
    client.on_message = nodes.on_message
    client.connect(args.host, args.port, keepalive=10)
    client.loop_start()
    if not nodes.connected.wait(10):
        raise SystemExit("nodes: subscription not confirmed")
    scheduler = Scheduler()
    now = time.monotonic()
    count = len(nodes.ids)
    for number, node in enumerate(nodes.ids):
        nodes.check(node)
        offset = number / count
        scheduler.every(now + args.check_period, args.check_period, lambda node=node: nodes.check(node))
        for resource, period in (
            ("temperature", args.temperature_period),
            ("pressure", args.pressure_period),
        ):
            scheduler.every(
                now + period * (1 + offset),
                period,
                lambda node=node, resource=resource: nodes.reading(node, resource),
            )
    scheduler.start()
    _emit(READY)
    for line in _lines():
        if line == STOP:
            break
    scheduler.stop()
    client.disconnect()
    client.loop_stop()
    with nodes.lock:
        _emit(json.dumps({"published": nodes.published, "connects": nodes.connects}))


# --- plumbing --------------------------------------------------------------------------------------


def _emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _lines() -> Iterator[str]:
    while line := sys.stdin.readline():
        yield line.strip()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the load processes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=("junk", "nodes"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--messages", type=int, default=50_000, help="junk: messages in the flood")
    parser.add_argument("--real-nodes", default="", help="junk: comma-separated ids of the real nodes")
    parser.add_argument("--chunk", type=int, default=64, help="junk: packets per send")
    parser.add_argument("--nodes", type=int, default=5, help="nodes: how many")
    parser.add_argument("--prefix", default="real", help="nodes: ids are <prefix>-NN")
    parser.add_argument("--qos", type=int, choices=(0, 1), default=1)
    parser.add_argument("--check-period", type=float, default=30.0)
    parser.add_argument("--temperature-period", type=float, default=5.0)
    parser.add_argument("--pressure-period", type=float, default=10.0)
    args = parser.parse_args(argv)
    if args.role == "junk":
        real = [node for node in args.real_nodes.split(",") if node]
        run_junk(args.host, args.port, args.messages, real, args.chunk)
    else:
        run_nodes(args)


if __name__ == "__main__":
    main()
