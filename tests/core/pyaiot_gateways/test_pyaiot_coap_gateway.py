"""The Pyaiot CoAP gateway over real UDP on loopback, aiocoap-based simulated nodes as peers."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import logging
import socket
from typing import Any

import aiocoap
import pytest

from custom_components.pyiot.core.protocols.pyaiot.coap import PyaiotCoapGateway
from custom_components.pyiot.core.protocols.pyaiot.coap_settings import (
    CoapBindError,
    CoapBindProblem,
    CoapSettings,
    check_coap_port,
    ipv6_sockaddr,
    normalise_address,
)
from custom_components.pyiot.core.protocols.pyaiot.errors import PyaiotWriteError, WriteProblem
from tests.core.pyaiot_gateways.conftest import (
    GENEROUS_TIMEOUT,
    LOGGER,
    SHORT_TIMEOUT,
    FakeClock,
    ipv6_loopback_works,
)
from tests.support.recording_listener import RecordingListener
from tools.simulators.pyaiot_coap_node import NodeOptions, SimulatedCoapNode

type MakeNode = Callable[..., Awaitable[SimulatedCoapNode]]

RESOURCES = ["led", "temperature", "pressure", "robot", "js"]


def test_ipv6_loopback_works_here() -> None:
    assert ipv6_loopback_works()


@pytest.fixture
async def make_node(gateway: PyaiotCoapGateway) -> AsyncIterator[MakeNode]:
    nodes: list[SimulatedCoapNode] = []

    async def make(
        uid: str = "1234", *, ipv4: bool = False, announce: bool = True, **options: Any
    ) -> SimulatedCoapNode:
        host = "127.0.0.1" if ipv4 else "::1"
        node = SimulatedCoapNode(
            uid, gateway=host, gateway_port=gateway.port, bind=host, options=NodeOptions(**options)
        )
        nodes.append(node)
        await node.start(announce=False)
        if announce:
            await alive(gateway, node)
        return node

    yield make
    for node in nodes:
        await node.stop()


async def alive(
    gateway: PyaiotCoapGateway, node: SimulatedCoapNode, *, reset: bool = False
) -> aiocoap.Message:
    response = await node.send_alive(reset=reset)
    await gateway.async_idle()
    return response


def discoveries(node: SimulatedCoapNode) -> int:
    return node.requests.count(("GET", ".well-known/core"))


async def test_first_alive_discovers_and_reports_the_node(
    gateway: PyaiotCoapGateway, make_node: MakeNode, listener: RecordingListener
) -> None:
    node = await make_node("1234")
    assert listener.of("points_seen") == [("1234", RESOURCES)]
    info = listener.of("node_seen")[-1]
    assert (info.node_id, info.name, info.model) == ("1234", "Python Test Node", "test_board")
    assert listener.values("1234", "temperature") == [23.0]
    assert listener.values("1234", "pressure") == [1015.03]
    assert listener.values("1234", "led") == [False]
    assert listener.values("1234", "robot") == ["s"]
    assert discoveries(node) == 1
    assert gateway.diagnostics()["nodes"]["1234"]["address"] == "::1"


async def test_alive_reply_is_upstreams(make_node: MakeNode, gateway: PyaiotCoapGateway) -> None:
    node = await make_node("1234", announce=False)
    response = await node.send_alive()
    assert response.code == aiocoap.CHANGED
    assert response.payload == b"Received 'Alive:1234'"
    push = await node.push("temperature")
    assert push.code == aiocoap.CHANGED
    assert push.payload == "Received 'temperature:23°C'".encode()
    await gateway.async_idle()  # the discovery the alive started ends before the node stops


async def test_re_announcing_node_is_not_rediscovered(
    gateway: PyaiotCoapGateway, make_node: MakeNode, listener: RecordingListener
) -> None:
    node = await make_node("1234", riot_alive=True)
    requests = len(node.requests)
    for _ in range(5):
        await alive(gateway, node)
    assert len(node.requests) == requests
    assert discoveries(node) == 1
    assert len(listener.of("node_seen")) == 3  # announce, board, name: not once per alive
    assert gateway.requests_sent["discover"] == 1


async def test_reset_forgets_values_and_rediscovers(
    gateway: PyaiotCoapGateway, make_node: MakeNode, listener: RecordingListener
) -> None:
    node = await make_node("1234")
    node.state.temperature = 19.5
    await alive(gateway, node, reset=True)
    assert discoveries(node) == 2
    assert sorted(key for _, key in listener.of("point_unavailable")) == sorted(RESOURCES)
    assert listener.values("1234", "temperature") == [23.0, 19.5]
    assert listener.of("points_seen") == [("1234", RESOURCES)]


@pytest.mark.allow_pyiot_warnings
async def test_address_change_rediscovers_and_moves_pushes(
    gateway: PyaiotCoapGateway, make_node: MakeNode, listener: RecordingListener
) -> None:
    first = await make_node("1234")
    second = await make_node("1234", ipv4=True)
    assert discoveries(first) == 1
    assert discoveries(second) == 1
    assert gateway.diagnostics()["nodes"]["1234"]["address"] == "127.0.0.1"
    second.state.temperature = 25.0
    await second.push("temperature")
    assert listener.values("1234", "temperature")[-1] == 25.0
    with pytest.MonkeyPatch.context():
        await first.push("temperature")  # the old address is unknown now
    assert gateway.diagnostics()["dropped"] == {"unknown_source": 1}


async def test_ipv4_nodes_get_plain_ipv4_addresses(gateway: PyaiotCoapGateway, make_node: MakeNode) -> None:
    await make_node("v4", ipv4=True)
    assert gateway.diagnostics()["nodes"]["v4"]["address"] == "127.0.0.1"
    assert normalise_address("::ffff:10.0.0.1") == "10.0.0.1"
    assert normalise_address("FE80::1", "eth0") == "fe80::1%eth0"


async def test_pushes_update_values(
    gateway: PyaiotCoapGateway, make_node: MakeNode, listener: RecordingListener
) -> None:
    node = await make_node("1234", imu=True)
    node.state.pressure = 1001.5
    await node.push("pressure")
    await node.post("server", 'imu:[{"type":"acc","values":[1,2,3]}]')
    await node.post("server", "humidity:45.07%")
    assert listener.values("1234", "pressure")[-1] == 1001.5
    assert listener.values("1234", "imu")[-1] == '[{"type":"acc","values":[1,2,3]}]'
    assert listener.values("1234", "humidity") == [45.07]
    assert gateway.diagnostics()["nodes"]["1234"]["resources"]["pressure"]["pushed"]


def _datagram(
    mtype: aiocoap.numbers.types.Type, mid: int, token: bytes, payload: str, **options: Any
) -> bytes:
    """A request as a node's CoAP stack puts it on the wire (aiocoap encodes it)."""
    message = aiocoap.Message(code=aiocoap.POST, payload=payload.encode(), **options)
    message.mtype, message.mid, message.token = mtype, mid, token
    return bytes(message.encode())


async def _exchange(sock: socket.socket, port: int, datagram: bytes) -> aiocoap.Message:
    sock.sendto(datagram, ("::1", port))
    loop = asyncio.get_running_loop()
    data = await asyncio.wait_for(loop.sock_recv(sock, 2048), GENEROUS_TIMEOUT)
    return aiocoap.Message.decode(data)


async def test_plain_pushes_are_answered_by_the_socket_others_by_aiocoap(
    listener: RecordingListener, clock: FakeClock
) -> None:
    gateway = PyaiotCoapGateway(listener, CoapSettings(port=0), logger=LOGGER, clock=clock)
    gateway.restore_nodes([{"node_id": "1234", "address": "::1", "resources": ["temperature"]}])
    listener.points["1234"] = dict.fromkeys(("temperature",))  # type: ignore[assignment]
    handled: list[str] = []
    push_reply, handle_push = gateway.push_reply, gateway.handle_push

    def by_the_socket(payload: bytes, sockaddr: Any) -> aiocoap.Message:
        handled.append("socket")
        return push_reply(payload, sockaddr)

    def by_either(payload: bytes, sockaddr: Any) -> aiocoap.Message:
        handled.append("handler")
        return handle_push(payload, sockaddr)

    gateway.push_reply = by_the_socket  # type: ignore[method-assign]
    gateway.handle_push = by_either  # type: ignore[method-assign]
    await gateway.async_start()
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
        sock.bind(("::1", 0))
        sock.setblocking(False)
        try:
            non = await _exchange(
                sock,
                gateway.port,
                _datagram(aiocoap.NON, 0x1234, b"\x01\x02", "temperature:20.5°C", uri_path=("server",)),
            )
            con = await _exchange(
                sock,
                gateway.port,
                _datagram(aiocoap.CON, 0x4321, b"\x07", "temperature:21°C", uri_path=("server",)),
            )
            with_query = await _exchange(
                sock,
                gateway.port,
                _datagram(
                    aiocoap.CON, 0x5555, b"\x09", "temperature:22°C", uri_path=("server",), uri_query=("x=1",)
                ),
            )
        finally:
            await gateway.async_stop()
    assert (non.mtype, non.code, non.token) == (aiocoap.NON, aiocoap.CHANGED, b"\x01\x02")
    assert non.payload == "Received 'temperature:20.5°C'".encode()
    assert (con.mtype, con.mid, con.code, con.token) == (aiocoap.ACK, 0x4321, aiocoap.CHANGED, b"\x07")
    assert (with_query.mtype, with_query.mid, with_query.code) == (aiocoap.ACK, 0x5555, aiocoap.CHANGED)
    assert with_query.payload == "Received 'temperature:22°C'".encode()
    assert listener.values("1234", "temperature") == [20.5, 21.0, 22.0]
    # The plain pushes are answered by the socket, the one with a query by aiocoap: the same handler.
    assert handled == ["socket", "handler", "socket", "handler", "handler"]
    assert gateway.diagnostics()["replies"]["server"] == 3


async def test_observable_resources_are_observed(
    gateway: PyaiotCoapGateway, make_node: MakeNode, listener: RecordingListener
) -> None:
    node = await make_node("obs", observable_temperature=True)
    assert gateway.requests_sent["observe"] == 1
    assert gateway.diagnostics()["nodes"]["obs"]["resources"]["temperature"]["observed"]
    node.state.temperature = 26.5
    node.notify("temperature")
    await listener.wait_for(lambda: 26.5 in listener.values("obs", "temperature"))
    assert gateway.requests_sent == {"discover": 1, "get": 6, "observe": 1}


async def test_observation_is_not_used_when_disabled(listener: RecordingListener, clock: FakeClock) -> None:
    gateway = PyaiotCoapGateway(
        listener,
        CoapSettings(port=0, node_port=None, observe=False, request_timeout=GENEROUS_TIMEOUT),
        logger=LOGGER,
        clock=clock,
    )
    await gateway.async_start()
    node = SimulatedCoapNode(
        "n", gateway="::1", gateway_port=gateway.port, options=NodeOptions(observable_temperature=True)
    )
    await node.start(announce=False)
    try:
        await alive(gateway, node)
        assert gateway.requests_sent["observe"] == 0
        assert listener.values("n", "temperature") == [23.0]
    finally:
        await node.stop()
        await gateway.async_stop()


async def test_write_led_confirmed_by_2_04(
    gateway: PyaiotCoapGateway, make_node: MakeNode, listener: RecordingListener
) -> None:
    node = await make_node("1234")
    await gateway.async_write("1234", "led", True)
    assert node.state.led == "1"
    assert listener.values("1234", "led")[:2] == [False, True]
    assert ("PUT", "led") in node.requests


async def test_write_refused_with_4_00_changes_nothing(
    gateway: PyaiotCoapGateway, make_node: MakeNode, listener: RecordingListener
) -> None:
    node = await make_node("1234", refuse_led=True)
    with pytest.raises(PyaiotWriteError) as caught:
        await gateway.async_write("1234", "led", True)
    assert caught.value.problem is WriteProblem.REJECTED
    assert "4.00" in caught.value.placeholders["detail"]
    assert listener.values("1234", "led") == [False]
    assert node.state.led == "0"


@pytest.mark.parametrize("request_timeout", [SHORT_TIMEOUT])
async def test_write_without_answer_times_out(
    gateway: PyaiotCoapGateway, make_node: MakeNode, listener: RecordingListener
) -> None:
    await make_node("1234", silent_led=True)
    with pytest.raises(PyaiotWriteError) as caught:
        await gateway.async_write("1234", "led", True)
    assert caught.value.problem is WriteProblem.TIMEOUT
    assert listener.values("1234", "led") == [False]


async def test_write_answered_2_05_is_an_error(gateway: PyaiotCoapGateway, make_node: MakeNode) -> None:
    await make_node("1234")
    with pytest.raises(PyaiotWriteError) as caught:
        await gateway.async_write("1234", "robot", "f")
    assert caught.value.problem is WriteProblem.REJECTED


@pytest.mark.parametrize(
    ("node_id", "key", "value", "problem"),
    [
        ("nope", "led", True, WriteProblem.UNAVAILABLE),
        ("1234", "nothing", True, WriteProblem.NO_RESOURCE),
        ("1234", "temperature", 1, WriteProblem.READ_ONLY),
        ("1234", "led", "maybe", WriteProblem.BAD_VALUE),
    ],
)
async def test_writes_that_cannot_be_sent(
    gateway: PyaiotCoapGateway, make_node: MakeNode, node_id: str, key: str, value: Any, problem: WriteProblem
) -> None:
    await make_node("1234")
    with pytest.raises(PyaiotWriteError) as caught:
        await gateway.async_write(node_id, key, value)
    assert caught.value.problem is problem


async def test_write_when_stopped(listener: RecordingListener) -> None:
    gateway = PyaiotCoapGateway(listener, CoapSettings(port=0), logger=LOGGER)
    with pytest.raises(PyaiotWriteError) as caught:
        await gateway.async_write("1234", "led", True)
    assert caught.value.problem is WriteProblem.NOT_RUNNING


async def test_loss_after_timeout_and_return_without_rediscovery(
    gateway: PyaiotCoapGateway, make_node: MakeNode, listener: RecordingListener, clock: FakeClock
) -> None:
    node = await make_node("1234")
    clock.now += 119
    assert gateway.expire_silent_nodes() == []
    clock.now += 2
    assert gateway.expire_silent_nodes() == ["1234"]
    assert listener.of("node_lost") == ["1234"]
    assert gateway.expire_silent_nodes() == []  # reported once
    await alive(gateway, node)
    assert listener.of("node_seen")[-1].node_id == "1234"
    assert discoveries(node) == 1
    assert gateway.diagnostics()["nodes"]["1234"]["available"]


async def test_observation_resumes_after_a_loss(
    gateway: PyaiotCoapGateway, make_node: MakeNode, clock: FakeClock
) -> None:
    node = await make_node("obs", observable_temperature=True)
    node.requested_port = node.port
    await node.stop()
    await node.start(announce=False)  # same port, a fresh server without the observation
    clock.now += 200
    gateway.expire_silent_nodes()
    observations = [task for task in gateway._tasks if "observe" in task.get_name()]
    for task in observations:
        task.cancel()
    await asyncio.gather(*observations, return_exceptions=True)
    await alive(gateway, node)
    await asyncio.gather(*[t for t in gateway._tasks if "re-observe" in t.get_name()])
    assert gateway.requests_sent["observe"] == 2
    assert discoveries(node) == 1


@pytest.mark.allow_pyiot_warnings
async def test_restored_node_takes_pushes_before_its_alive(
    listener: RecordingListener, clock: FakeClock
) -> None:
    gateway = PyaiotCoapGateway(
        listener, CoapSettings(port=0, request_timeout=GENEROUS_TIMEOUT), logger=LOGGER, clock=clock
    )
    restored = gateway.restore_nodes(
        [
            {
                "node_id": "1234",
                "address": "::1",
                "resources": ["temperature", "led"],
                "info": {"name": "Old"},
            },
            {"node_id": "hub", "points": [{"key": "pressure", "kind": "sensor"}]},
            {"node_id": 5},
            {"nope": 1},
            "not a mapping",  # type: ignore[list-item]
        ]
    )
    assert restored == 2
    listener.points["1234"] = {}  # the hub knows the restored points
    listener.points["1234"].update(dict.fromkeys(("temperature", "led")))  # type: ignore[misc]
    await gateway.async_start()
    sender = await aiocoap.Context.create_client_context(transports=["udp6"])
    try:
        message = aiocoap.Message(
            code=aiocoap.POST,
            payload="temperature:20.5°C".encode(),
            uri=f"coap://[::1]:{gateway.port}/server",
        )
        response = await sender.request(message).response
        assert response.code == aiocoap.CHANGED
        assert listener.values("1234", "temperature") == [20.5]
        assert listener.of("points_seen") == [("1234", ["led", "temperature"])]
        assert [node["node_id"] for node in gateway.known_nodes()] == ["1234", "hub"]
        assert gateway.known_nodes()[0]["address"] == "::1"
    finally:
        await sender.shutdown()
        await gateway.async_stop()


@pytest.mark.allow_pyiot_warnings
@pytest.mark.parametrize("request_timeout", [SHORT_TIMEOUT])
async def test_node_that_never_answers(
    gateway: PyaiotCoapGateway,
    make_node: MakeNode,
    listener: RecordingListener,
    caplog: pytest.LogCaptureFixture,
) -> None:
    node = await make_node("mute", mute=True)
    assert listener.of("node_seen")[0].node_id == "mute"
    assert listener.of("points_seen") == []
    assert gateway.diagnostics()["dropped"] == {"discovery_failed": 1}
    await alive(gateway, node)  # retried (no backoff in this fixture)
    assert gateway.diagnostics()["dropped"] == {"discovery_failed": 2}
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == LOGGER.name]
    assert len(warnings) == 1


@pytest.mark.allow_pyiot_warnings
async def test_unreadable_resources_are_unavailable(
    gateway: PyaiotCoapGateway, make_node: MakeNode, listener: RecordingListener
) -> None:
    node = await make_node("n", announce=False, links="</temperature>,</missing>,</led>")
    await alive(gateway, node)
    assert ("n", "missing") in listener.of("point_unavailable")
    assert gateway.diagnostics()["dropped"] == {"resource_error": 1}
    assert listener.values("n", "temperature") == [23.0]


@pytest.mark.allow_pyiot_warnings
async def test_bad_links_are_refused(
    gateway: PyaiotCoapGateway, make_node: MakeNode, listener: RecordingListener
) -> None:
    links = (
        '</temperature>;rt="a,b";obs,</../etc>,<coap://evil/x>,<//host/y>,</.well-known/core>,'
        '<https://christian.amsuess.com/tools/aiocoap/#version-0.4.17>;rel="impl-info"'
    )
    node = await make_node("n", announce=False, links=links)
    await alive(gateway, node)
    assert listener.of("points_seen") == [("n", ["temperature"])]
    assert gateway.diagnostics()["dropped"] == {"bad_link": 1}
    assert gateway.requests_sent == {"discover": 1, "observe": 1}


@pytest.mark.allow_pyiot_warnings
@pytest.mark.parametrize(
    ("links", "reason"),
    [("</a", "bad_link_format"), ("</x>," * 4000, "payload_too_large"), (b"</a>\xff", "not_utf8")],
)
async def test_unusable_link_format(
    gateway: PyaiotCoapGateway,
    make_node: MakeNode,
    listener: RecordingListener,
    links: str | bytes,
    reason: str,
) -> None:
    node = await make_node("n", announce=False, links=links)
    await alive(gateway, node)
    assert gateway.diagnostics()["dropped"] == {reason: 1}
    assert listener.of("points_seen") == []


@pytest.mark.allow_pyiot_warnings
async def test_bad_alives_and_pushes(gateway: PyaiotCoapGateway, listener: RecordingListener) -> None:
    sender = await aiocoap.Context.create_client_context(transports=["udp6"])

    async def post(path: str, payload: bytes) -> aiocoap.Message:
        message = aiocoap.Message(
            code=aiocoap.POST, payload=payload, uri=f"coap://[::1]:{gateway.port}/{path}"
        )
        return await sender.request(message).response

    try:
        assert (await post("alive", b"no colon")).code == aiocoap.BAD_REQUEST
        assert (await post("alive", b"alive:\xff\xfe")).code == aiocoap.BAD_REQUEST
        assert (await post("alive", b"alive:")).code == aiocoap.BAD_REQUEST
        assert (await post("alive", b"alive:" + b"x" * 300)).code == aiocoap.BAD_REQUEST
        assert (await post("server", b"no colon")).code == aiocoap.BAD_REQUEST
        assert (await post("server", b"../x:1")).code == aiocoap.BAD_REQUEST
        unknown = await post("server", "temperature:1°C".encode())
        assert unknown.code == aiocoap.CHANGED
        assert (await post("nothing", b"x")).code == aiocoap.NOT_FOUND
    finally:
        await sender.shutdown()
    assert gateway.diagnostics()["dropped"] == {
        "bad_alive": 1,
        "bad_node_id": 1,
        "not_utf8": 1,
        "payload_too_large": 1,
        "bad_push": 1,
        "bad_resource_name": 1,
        "unknown_source": 1,
    }
    assert listener.calls == []


@pytest.mark.allow_pyiot_warnings
async def test_datagrams_that_are_not_coap(
    gateway: PyaiotCoapGateway, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as raw:
        for _ in range(3):
            raw.sendto(b"\x00garbage", ("::1", gateway.port))
    for _ in range(100):
        if gateway.diagnostics()["dropped"].get("not_coap") == 3:
            break
        await asyncio.sleep(0.01)
    assert gateway.diagnostics()["dropped"] == {"not_coap": 3}
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "not_coap" in warnings[0].getMessage()


async def test_port_in_use_is_a_typed_error(listener: RecordingListener) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Shelly's CoIoT does
        holder.bind(("0.0.0.0", 0))  # noqa: S104
        port = holder.getsockname()[1]
        settings = CoapSettings(port=port)
        with pytest.raises(CoapBindError) as caught:
            check_coap_port(settings)
        assert caught.value.problem is CoapBindProblem.PORT_IN_USE
        gateway = PyaiotCoapGateway(listener, settings, logger=LOGGER)
        with pytest.raises(CoapBindError) as started:
            await gateway.async_start()
        assert started.value.port == port
        assert not gateway.running


async def test_second_gateway_on_the_same_port_is_refused(
    gateway: PyaiotCoapGateway, listener: RecordingListener
) -> None:
    other = PyaiotCoapGateway(listener, CoapSettings(port=gateway.port), logger=LOGGER)
    with pytest.raises(CoapBindError) as caught:
        await other.async_start()
    assert caught.value.problem is CoapBindProblem.PORT_IN_USE


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("not an address", CoapBindProblem.INVALID_ADDRESS),
        ("fe80::1%nosuchif0", CoapBindProblem.INVALID_ADDRESS),
        ("192.0.2.1", CoapBindProblem.ADDRESS_UNAVAILABLE),
    ],
)
def test_bad_bind_addresses(address: str, problem: CoapBindProblem) -> None:
    with pytest.raises(CoapBindError) as caught:
        check_coap_port(CoapSettings(port=45683, addresses=(address,)))
    assert caught.value.problem is problem


def test_sockaddrs() -> None:
    assert ipv6_sockaddr("10.1.2.3", 5683) == ("::ffff:10.1.2.3", 5683, 0, 0)
    assert ipv6_sockaddr("fe80::1%1", 5683) == ("fe80::1", 5683, 0, 1)
    assert ipv6_sockaddr("fe80::1%lo", 1)[3] == socket.if_nametoindex("lo")


async def test_one_context_on_two_addresses(listener: RecordingListener, clock: FakeClock) -> None:
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
    gateway = PyaiotCoapGateway(
        listener,
        CoapSettings(
            port=port, addresses=("::1", "127.0.0.1"), node_port=None, request_timeout=GENEROUS_TIMEOUT
        ),
        logger=LOGGER,
        clock=clock,
    )
    await gateway.async_start()
    nodes = [
        SimulatedCoapNode("six", gateway="::1", gateway_port=port, bind="::1"),
        SimulatedCoapNode("four", gateway="127.0.0.1", gateway_port=port, bind="127.0.0.1"),
    ]
    try:
        assert sorted(gateway.diagnostics()["bound"]) == [f"[127.0.0.1]:{port}", f"[::1]:{port}"]
        for node in nodes:
            await node.start(announce=False)
            await alive(gateway, node)
        assert listener.values("six", "temperature") == [23.0]
        assert listener.values("four", "temperature") == [23.0]
        await gateway.async_write("four", "led", True)
        assert nodes[1].state.led == "1"
    finally:
        for node in nodes:
            await node.stop()
        await gateway.async_stop()
    assert not gateway.running


async def test_fixed_node_port_like_upstream(listener: RecordingListener, clock: FakeClock) -> None:
    """Upstream's test node sends from a fresh client port; its resources are on the node port."""
    node = SimulatedCoapNode("1234", gateway="::1", bind="::1")
    await node.start(announce=False)
    gateway = PyaiotCoapGateway(
        listener,
        CoapSettings(port=0, node_port=node.port, request_timeout=GENEROUS_TIMEOUT),
        logger=LOGGER,
        clock=clock,
    )
    await gateway.async_start()
    sender = await aiocoap.Context.create_client_context(transports=["udp6"])
    try:
        message = aiocoap.Message(
            code=aiocoap.POST, payload=b"Alive:1234", uri=f"coap://[::1]:{gateway.port}/alive"
        )
        await sender.request(message).response
        await gateway.async_idle()
        assert listener.values("1234", "temperature") == [23.0]
        push = aiocoap.Message(code=aiocoap.POST, payload=b"led:1", uri=f"coap://[::1]:{gateway.port}/server")
        await sender.request(push).response
        assert listener.values("1234", "led") == [False, True]
    finally:
        await sender.shutdown()
        await node.stop()
        await gateway.async_stop()


async def test_reread_of_resources_not_pushed(listener: RecordingListener, clock: FakeClock) -> None:
    gateway = PyaiotCoapGateway(
        listener,
        CoapSettings(port=0, node_port=None, reread_interval=0.05, request_timeout=GENEROUS_TIMEOUT),
        logger=LOGGER,
        clock=clock,
    )
    await gateway.async_start()
    node = SimulatedCoapNode("n", gateway="::1", gateway_port=gateway.port)
    await node.start(announce=False)
    try:
        await alive(gateway, node)
        pushed = len(listener.values("n", "pressure"))
        await node.push("pressure")
        await listener.wait_for(lambda: len(listener.values("n", "pressure")) > pushed)
        # A re-read round that began before the push may still read the pressure: the round that reads
        # 30.0 may be that one, the round that reads 31.0 began after it ended.
        node.state.temperature = 30.0
        await listener.wait_for(lambda: 30.0 in listener.values("n", "temperature"))
        node.state.temperature = 31.0
        await listener.wait_for(lambda: 31.0 in listener.values("n", "temperature"))
        reads_since_pushed = node.requests.count(("GET", "pressure"))
        for later in (32.0, 33.0):
            node.state.temperature = later
            await listener.wait_for(lambda later=later: later in listener.values("n", "temperature"))
        assert node.requests.count(("GET", "pressure")) == reads_since_pushed  # pushed: never re-read
        assert node.requests.count(("GET", "name")) == 1  # info, not re-read
    finally:
        await gateway.async_stop()  # first: no re-read reaches a node that is stopping
        await node.stop()


async def test_diagnostics(gateway: PyaiotCoapGateway, make_node: MakeNode) -> None:
    await make_node("1234")
    diagnostics = gateway.diagnostics()
    assert diagnostics["running"]
    assert diagnostics["requests"] == {"discover": 1, "get": 7}
    assert diagnostics["replies"] == {"alive": 1}
    node = diagnostics["nodes"]["1234"]
    assert node["discovered"]
    assert node["last_alive_age"] == 0.0
    assert set(node["resources"]) == {"board", "name", *RESOURCES}


@pytest.mark.allow_pyiot_warnings
async def test_listener_errors_do_not_escape(
    gateway: PyaiotCoapGateway,
    make_node: MakeNode,
    listener: RecordingListener,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(node: Any) -> None:
        raise RuntimeError("listener broke")

    listener.node_seen = broken  # type: ignore[method-assign]
    node = await make_node("1234", announce=False)
    response = await node.send_alive()
    assert response.code == aiocoap.CHANGED
    assert "listener broke" in caplog.text
    caplog.clear()
