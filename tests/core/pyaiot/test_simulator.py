"""The simulated Pyaiot MQTT node: replies without a broker, and its command line with one."""

import asyncio
import json

import aiomqtt
import pytest

from custom_components.pyiot.core.protocols.pyaiot.resources import parse_value
from tests.support.mosquitto import Mosquitto, free_port
from tools.simulators import pyaiot_mqtt_node as sim
from tools.simulators.pyaiot_mqtt_node import (
    DEFAULT_NODE_ID,
    RESOURCES,
    Message,
    SimulatedNode,
    make_nodes,
    node_ids,
    route,
    run_nodes,
)


def decoded(message: Message) -> object:
    return json.loads(message.payload)


def test_check_and_discovery() -> None:
    node = SimulatedNode()
    assert node.check() == Message("node/check", b'{"id": "mqtt_test_node"}')
    assert node.handle("gateway/mqtt_test_node/discover", b"resources") == [
        Message("node/mqtt_test_node/resources", json.dumps(list(RESOURCES)).encode())
    ]
    values = node.handle("gateway/mqtt_test_node/discover", b"values")
    assert [message.topic for message in values] == [f"node/mqtt_test_node/{name}" for name in RESOURCES]
    by_name = {message.topic.rsplit("/", 1)[1]: decoded(message) for message in values}
    assert by_name["name"] == {"value": "MQTT test node"}
    assert by_name["os"] == {"value": "riot"}
    assert by_name["board"] == {"value": "native"}
    assert by_name["led"] == {"value": "0"}
    assert b"\\u00b0C" in values[RESOURCES.index("temperature")].payload  # escaped, as upstream answers
    assert node.handle("gateway/check", b"") == [node.check()]
    assert node.handle("gateway/mqtt_test_node/discover", b"everything") == []
    assert node.handle("gateway/other/discover", b"values") == []


def test_led_commands() -> None:
    node = SimulatedNode("n")
    assert node.handle("gateway/n/led/set", b"1") == [Message("node/n/led", b'{"value": "1"}')]
    assert node.led is True
    assert node.handle("gateway/n/led/set", b"blink") == []
    assert node.handle("gateway/n/led/set", b"\xff") == []
    assert node.led is True
    assert node.handle("gateway/n/led/set", b" 0\n") == [Message("node/n/led", b'{"value": "0"}')]
    assert node.led is False


def test_random_walks_stay_plausible() -> None:
    node = SimulatedNode(rng=__import__("random").Random(3))
    for _ in range(2000):
        temperature = parse_value("temperature", decoded(node.next_temperature())["value"])  # type: ignore[index]
        pressure = parse_value("pressure", decoded(node.next_pressure())["value"])  # type: ignore[index]
        assert 20 <= temperature <= 25  # type: ignore[operator]
        assert 1000 <= pressure <= 1025  # type: ignore[operator]
    assert "°C".encode() in node.next_temperature().payload  # periodic values carry raw UTF-8


def test_node_ids_and_seeds() -> None:
    assert node_ids(1) == [DEFAULT_NODE_ID]
    assert node_ids(3, "sim") == ["sim-1", "sim-2", "sim-3"]
    first = make_nodes(["a", "b"], seed=5)
    again = make_nodes(["b"], seed=5)
    assert first["b"].temperature == again["b"].temperature
    assert first["a"].temperature != first["b"].temperature


def test_route() -> None:
    nodes = make_nodes(["a", "b"])
    assert route(nodes, "gateway/check", b"") == [nodes["a"].check(), nodes["b"].check()]
    assert route(nodes, "gateway/b/discover", b"resources") == [nodes["b"].resources()]
    assert route(nodes, "gateway/c/discover", b"resources") == []
    assert route(nodes, "gateway", b"") == []
    assert route(nodes, "node/a/discover", b"resources") == []


@pytest.mark.parametrize(
    "argv", [["--nodes", "0"], ["--check-period", "0"], ["--temperature-period", "-1"], ["--qos", "3"]]
)
def test_command_line_rejects(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        sim._parse_args(argv)


def test_command_line_runs_for_a_while(broker: Mosquitto) -> None:
    argv = [
        "--host",
        broker.host,
        "--port",
        str(broker.port),
        "--nodes",
        "3",
        "--duration",
        "0.3",
        "--seed",
        "1",
    ]
    assert sim.main([*argv, "--temperature-period", "0.05", "-v"]) == 0


def test_command_line_without_broker(socket_enabled: None) -> None:
    assert sim.main(["--port", str(free_port()), "--duration", "5"]) == 1


async def test_run_nodes_without_broker(socket_enabled: None) -> None:
    with pytest.raises(aiomqtt.MqttError):
        await run_nodes("127.0.0.1", free_port(), stop=asyncio.Event())


async def test_run_nodes_reports_a_lost_connection(
    broker: Mosquitto, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing task (here: receiving) ends run_nodes with its error instead of running on silently."""

    async def broken_receive(self: object) -> None:
        raise aiomqtt.MqttError("connection lost")

    monkeypatch.setattr(sim._Connection, "_receive", broken_receive)
    with pytest.raises(aiomqtt.MqttError, match="connection lost"):
        await run_nodes(broker.host, broker.port, stop=asyncio.Event())
