"""One simulated FmPyIOT device: topics, parameters and replies as upstream's `fmpyiot` library has them.

No I/O here: `SimulatedDevice.handle(topic, payload)` returns what the device publishes in answer, and
the `*_message` methods what it publishes by itself (fmpyiot.md §3 to §7):

- system topics: `SYSINFO` (2024 object shape or 2023 list shape), `SYSINFO_`, `PARAMS`, `PARAMS_`,
  `SET_PARAMS` (merged into the parameters, nested keys as `outer__@@__inner`, no reply),
  `SET_PARAM` (upstream's defect: the topic itself becomes the key), `WATCHDOG` (`FEED`; any message
  there feeds the device), `BYE` as last will, `/FmPyIOT/datetime_` / `/FmPyIOT/datetime`;
- the topics of a typical `main.py`: numbers, a lidar that can send `Erreur capteur lidar`, a
  boolean, text, an object and an array, a topic with its own reverse topic (`./voltage` read by
  `./get_voltage`), and actions: `./LED` (toggle, no reply), `./relay` (`ON`/`OFF`, replies on
  `./relay_`), `./message` (text, no reply), `./speed` (number, replies); device 0 also reads
  `/CO_TEST`, a topic outside its base.

Strings go out raw, every other value as JSON (`json.dumps`, MicroPython's separators).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
import json
import random
import re
from typing import Any

NESTED_SEPARATOR = "__@@__"
LIDAR_ERROR = "Erreur capteur lidar"
DEFAULT_WATCHDOG = 100
DEFAULT_SYSINFO_PERIOD = 600
TIME_REQUEST = "/FmPyIOT/datetime_"
TIME_TOPIC = "/FmPyIOT/datetime"


@dataclass(frozen=True, slots=True)
class Message:
    """One publication."""

    topic: str
    payload: bytes


def to_payload(value: object) -> bytes:
    """Like the device's `to_str`: text raw, anything else JSON."""
    return (value if isinstance(value, str) else json.dumps(value)).encode()


def web_id(declared: str) -> str:
    r"""`T` + the declared topic with non-word characters replaced (MicroPython's ASCII `\\W`)."""
    return "T" + re.sub(r"\W", "_", declared, flags=re.ASCII)


@dataclass
class SimTopic:
    """One declared topic of `main.py`; `read(device, payload)` and `action(device, payload)` as upstream."""

    declared: str
    read: Callable[[SimulatedDevice, str], Any] | None = None
    action: Callable[[SimulatedDevice, str], Any] | None = None
    send_period: float | None = None
    reverse_topic: str | None = None
    """Replaces `<topic>_` as the read request topic."""
    system: bool = False


def _toggle_led(device: SimulatedDevice, _payload: str) -> None:
    device.led = not device.led


def _relay(device: SimulatedDevice, payload: str) -> str | None:
    if payload.strip().upper() not in {"ON", "OFF"}:
        return None
    device.relay = payload.strip().upper() == "ON"
    return "ON" if device.relay else "OFF"


def _message(device: SimulatedDevice, payload: str) -> None:
    device.message = payload


def _speed(device: SimulatedDevice, payload: str) -> float | None:
    try:
        device.speed = float(payload)
    except ValueError:
        return None
    return device.speed


def _distance(device: SimulatedDevice, _payload: str) -> float | str:
    return LIDAR_ERROR if device.lidar_error else round(device.distance, 1)


def standard_topics(*, outside_base: bool = False) -> list[SimTopic]:
    """The application topics every simulated device declares."""
    topics = [
        SimTopic("./temperature", read=lambda d, _: round(d.temperature, 2), send_period=30),
        SimTopic("./humidity", read=lambda d, _: round(d.humidity, 1), send_period=60),
        SimTopic("./distance", read=_distance, send_period=10),
        SimTopic("./door", read=lambda d, _: d.door),
        SimTopic("./status", read=lambda d, _: d.status),
        SimTopic("./meteo", read=lambda _d, _p: {"wind": 3.2, "direction": "N"}),
        SimTopic("./temperatures", read=lambda _d, _p: [21.5, 19.25]),
        SimTopic("./voltage", read=lambda _d, _p: 3.28, reverse_topic="./get_voltage"),
        SimTopic("./LED", action=_toggle_led),
        SimTopic("./relay", action=_relay),
        SimTopic("./message", action=_message),
        SimTopic("./speed", action=_speed),
    ]
    if outside_base:
        topics.append(SimTopic("/CO_TEST", read=lambda _d, _p: 42))
    return topics


@dataclass
class SimulatedDevice:
    """State and behaviour of one device."""

    base: str
    name: str
    mac: str | None
    """None: a board whose SYSINFO has no `mac` (its identity is then the MQTT client id)."""
    client_id: str
    sysinfo_shape: str = "2024"
    watchdog: int | None = DEFAULT_WATCHDOG
    sysinfo_period: int | None = DEFAULT_SYSINFO_PERIOD
    topics: list[SimTopic] = field(default_factory=standard_topics)
    ip: str = "127.0.0.1"
    rng: random.Random = field(default_factory=random.Random)
    refused_params: set[str] = field(default_factory=set)
    """Parameters whose writes the device does not keep (a test hook: upstream keeps every value)."""
    temperature: float = 21.5
    humidity: float = 55.0
    distance: float = 120.0
    lidar_error: bool = False
    door: bool = False
    status: str = "OK"
    led: bool = False
    relay: bool = False
    message: str = ""
    speed: float = 0.0
    logging_level: int = 10
    rtc_set: bool = False
    fed: int = 0
    received: list[tuple[str, str]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Normalise the base like the constructor does and create the parameters of every topic."""
        if not self.base:
            raise ValueError("an empty base topic crashes the FmPyIOT constructor")
        self.base = self.base if self.base.endswith("/") else f"{self.base}/"
        defaults: dict[str, Any] = {
            "rtc": [2026, 1, 1, 3, 0, 0, 0, 0],
            "push_duration": 1.0,
            "enabled": True,
            "label": "serre",
            "Relais Eclairage": {"duration": 500},
        }
        for topic in self.topics:
            if topic.send_period is not None:
                defaults[f"send_period {topic.declared}"] = topic.send_period
        self.params = {**defaults, **self.params}
        self.temperature = self.rng.uniform(18.0, 24.0)

    # --- topics -----------------------------------------------------------------------------------

    def topic(self, declared: str) -> str:
        """`get_topic`: `./x` under the base, anything else verbatim."""
        return self.base + declared[2:] if declared.startswith("./") else declared

    def system_topics(self) -> list[SimTopic]:
        """The system topics `FmPyIot.__init__` and `run()` add."""
        topics = []
        if self.sysinfo_period:
            topics += [
                SimTopic(
                    "./SYSINFO", read=lambda d, _: d.sysinfo(), send_period=self.sysinfo_period, system=True
                ),
                SimTopic("./SET_PARAMS", action=lambda d, p: d.set_params(p), system=True),
                SimTopic("./SET_PARAM", action=lambda d, p: d.set_param_broken(p), system=True),
                SimTopic("./PARAMS", read=lambda d, _: d.params, system=True),
                SimTopic(TIME_REQUEST, read=lambda _d, _p: "_", send_period=3600, system=True),
                SimTopic(TIME_TOPIC, action=lambda d, p: d.set_rtc(p), system=True),
            ]
        if self.watchdog:
            topics.append(
                SimTopic(
                    "./WATCHDOG",
                    read=lambda _d, _p: "FEED",
                    action=lambda d, _: d.feed(),
                    send_period=self.watchdog // 5,
                    system=True,
                )
            )
        return topics

    def all_topics(self) -> list[SimTopic]:
        """In the order the device adds them (system topics of the constructor, `main.py`, watchdog)."""
        system = self.system_topics()
        watchdog = [topic for topic in system if topic.declared == "./WATCHDOG"]
        return [topic for topic in system if topic not in watchdog] + self.topics + watchdog

    def reverse_of(self, topic: SimTopic) -> str | None:
        """The request topic of a readable topic (upstream: `T_`, none for WATCHDOG and datetime_)."""
        if topic.read is None or topic.declared in {"./WATCHDOG", TIME_REQUEST}:
            return None
        return self.topic(topic.reverse_topic or f"{topic.declared}_")

    def subscriptions(self) -> list[str]:
        """Exact topics the device subscribes to."""
        topics: list[str] = []
        for topic in self.all_topics():
            if (reverse := self.reverse_of(topic)) is not None:
                topics.append(reverse)
            if topic.action is not None:
                topics.append(self.topic(topic.declared))
        return list(dict.fromkeys(topics))

    # --- what it publishes ------------------------------------------------------------------------

    def value_message(self, declared: str, payload: str = "") -> Message | None:
        """The value of a readable topic, or None when the read returns None."""
        topic = next(topic for topic in self.all_topics() if topic.declared == declared)
        assert topic.read is not None  # noqa: S101 - only readable topics are asked
        value = topic.read(self, payload)
        return None if value is None else Message(self.topic(declared), to_payload(value))

    def feed_message(self) -> Message:
        """`FEED` on `<base>WATCHDOG`."""
        return Message(self.base + "WATCHDOG", b"FEED")

    def sysinfo_message(self) -> Message:
        """SYSINFO, in the shape of the firmware."""
        return Message(self.base + "SYSINFO", to_payload(self.sysinfo()))

    def params_message(self) -> Message:
        """PARAMS."""
        return Message(self.base + "PARAMS", to_payload(self.params))

    def time_request(self) -> Message:
        """`_` on `/FmPyIOT/datetime_`."""
        return Message(TIME_REQUEST, b"_")

    def bye(self) -> tuple[str, bytes]:
        """The last will."""
        return self.base + "BYE", b"Goodbye cruel world!"

    def periodic(self) -> list[tuple[float, str]]:
        """(period, declared topic) of every auto-sent topic, with the periods in the parameters."""
        out = []
        for topic in self.all_topics():
            if topic.send_period is None:
                continue
            period = self.params.get(f"send_period {topic.declared}", topic.send_period)
            if topic.declared == TIME_REQUEST and not self.rtc_set:
                period = 10
            out.append((float(period), topic.declared))
        return out

    def sysinfo(self) -> dict[str, Any]:
        """The SYSINFO document."""
        uname = [
            "rp2",
            "rp2",
            "1.24.1",
            "v1.24.1 on 2024-11-29 (GNU 14.1.0 MinSizeRel)",
            "Raspberry Pi Pico W with RP2040",
        ]
        ifconfig = [self.ip, "255.255.255.0", "192.168.10.254", "192.168.10.169"]
        statvfs = [4096, 4096, 212, 118, 118, 0, 0, 0, 0, 255]
        if self.sysinfo_shape == "2023":
            uname[2:4] = ["1.21.0", "v1.21.0 on 2023-10-06 (GNU 13.2.0 MinSizeRel)"]
            return {
                "ifconfig": ifconfig,
                "uname": uname,
                "mac": self.mac,
                "wifi": {"ssid": "WIFI_THOME2", "channel": 3, "txpower": 31},
                "mem_free": 119504,
                "mem_alloc": 57776,
                "statvfs": statvfs,
            }
        if self.mac is None:
            return {
                key: value
                for key, value in self._sysinfo_2024(uname, ifconfig, statvfs).items()
                if key != "mac"
            }
        return self._sysinfo_2024(uname, ifconfig, statvfs)

    def _sysinfo_2024(self, uname: list[str], ifconfig: list[str], statvfs: list[int]) -> dict[str, Any]:
        statvfs_keys = [
            "f_bsize",
            "f_frsize",
            "f_blocks",
            "f_bfree",
            "f_bavail",
            "f_files",
            "f_ffree",
            "f_favail",
            "f_flag",
            "fnamemax",
        ]
        return {
            "name": self.name,
            "mqtt_base_topic": self.base,
            "uname": dict(zip(["sysname", "nodename", "release", "version", "machine"], uname, strict=True)),
            "ifconfig": dict(zip(["ip", "subnet", "gateway", "dns"], ifconfig, strict=True)),
            "wifi": {"ssid": "WIFI_THOME2", "channel": 3, "txpower": 31, "rssi": -61},
            "mac": self.mac,
            "mem_free": 119504 - self.rng.randrange(0, 4096),
            "mem_alloc": 57776,
            "statvfs": dict(zip(statvfs_keys, statvfs, strict=True)),
            "logging_level": self.logging_level,
            "vsys": 4.93,
            "mqtt_client_id": self.client_id,
        }

    # --- what it receives -------------------------------------------------------------------------

    def handle(self, topic: str, payload: bytes) -> list[Message]:
        """Answers to one message on a subscribed topic (`FmPyIot.messages`)."""
        text = payload.decode()
        self.received.append((topic, text))
        out: list[Message] = []
        for declared in self.all_topics():
            if (
                declared.read is not None
                and self.reverse_of(declared) == topic
                and (message := self.value_message(declared.declared, text)) is not None
            ):
                out.append(message)
            if declared.action is not None and self.topic(declared.declared) == topic:
                reply = declared.action(self, text)
                if reply is not None:
                    out.append(Message(self.topic(declared.declared) + "_", to_payload(reply)))
        return out

    def feed(self) -> None:
        """Any message on WATCHDOG feeds the software watchdog."""
        self.fed += 1

    def set_params(self, payload: str) -> None:
        """`FmPyIotParams.set_params`: a JSON object merged key by key; anything else is ignored."""
        try:
            data = json.loads(payload)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        for key, value in data.items():
            if key in self.refused_params:
                continue
            keys = key.split(NESTED_SEPARATOR)
            target = self.params
            try:
                for part in keys[:-1]:
                    target = target[part]
            except KeyError, TypeError:
                return  # upstream raises here: the remaining keys are not set
            target[keys[-1]] = json.loads(json.dumps(value))

    def set_param_broken(self, payload: str) -> None:
        """`SET_PARAM` over MQTT: the topic becomes the key (fmpyiot.md §5)."""
        try:
            self.params[self.base + "SET_PARAM"] = json.loads(payload)
        except ValueError:
            self.params[self.base + "SET_PARAM"] = payload

    def set_rtc(self, payload: str) -> None:
        """`/FmPyIOT/datetime`: the RTC tuple, kept as parameter `rtc`."""
        self.params["rtc"] = list(json.loads(payload))
        self.rtc_set = True

    # --- the web server's view --------------------------------------------------------------------

    def web_status(self) -> dict[str, Any]:
        """`/api/status`: every read function, keyed by declared topic."""
        out = {}
        for topic in self.all_topics():
            if topic.read is not None and (value := topic.read(self, "")) is not None:
                out[topic.declared] = {"payload": value, "id": web_id(topic.declared)}
        return out

    def topics_html(self) -> str:
        """`/api/topics`: readers and action forms, unescaped as upstream writes them."""
        html = ""
        for topic in self.all_topics():
            topic_id = web_id(topic.declared)
            if topic.read is not None:
                html += (
                    f'<div><span class = "topic">{topic.declared}</span><span class="topic-sep"> = </span>'
                    f'<span class="topic-value" id = "{topic_id}"></span></div>'
                )
            if topic.action is not None:
                action = f"action_{topic_id}"
                html += (
                    f'<div><input class="btn btn-primary mt-2" type="submit" name="{action}" '
                    f'value="{action}"><span>(</span><span><input type = "text" class="form_control" '
                    f'id = "_topic_{action}" placeholder="_topic"></span><span>,</span><span><input '
                    f'type = "text" class="form_control" id = "_payload_{action}" placeholder = "_payload">'
                    "</span><span>)</span></div>"
                )
        return html

    def run_action(self, topic_id: str, payload: Any) -> bool:
        """`/api/action/action_<id>`: run the action with the payload as given; False for an unknown id."""
        for topic in self.all_topics():
            if topic.action is not None and web_id(topic.declared) == topic_id:
                topic.action(self, payload if isinstance(payload, str) else json.dumps(payload))
                return True
        return False


def make_device(
    index: int,
    *,
    prefix: str = "T-HOME/SIM",
    sysinfo_shape: str = "2024",
    seed: int | None = None,
    **options: Any,
) -> SimulatedDevice:
    """Device `index`: base `<prefix><index>/`, a MAC and client id derived from the index."""
    mac = "28:cd:c1:{:02x}:{:02x}:{:02x}".format(*(index + 1).to_bytes(3, "big"))
    return SimulatedDevice(
        base=f"{prefix}{index}",
        name=f"FmPyIot SIM {index}",
        mac=mac,
        client_id=f"e6614c31{index:08x}",
        sysinfo_shape=sysinfo_shape,
        topics=standard_topics(outside_base=index == 0),
        rng=random.Random(None if seed is None else f"{seed}/{index}"),
        **options,
    )
