"""The thread-to-loop mailbox: coalesced, in bounded batches, safe when the loop is gone."""

import asyncio
import threading

from custom_components.pyiot.core.iotpy.mailbox import Mailbox


async def test_keys_are_coalesced_and_events_keep_their_order() -> None:
    loop = asyncio.get_running_loop()
    keys: list[str] = []
    events: list[int] = []
    done = asyncio.Event()
    mailbox: Mailbox[str, int] = Mailbox(
        loop, keys.append, lambda event: (events.append(event), done.set()), interval=0.05, batch=10
    )

    def flood() -> None:
        for index in range(1000):
            mailbox.post_key(f"k{index % 3}")
        for index in range(5):
            mailbox.post_event(index)

    thread = threading.Thread(target=flood)
    thread.start()
    thread.join()
    await asyncio.wait_for(done.wait(), 5)
    await asyncio.sleep(0.1)
    mailbox.flush()
    assert events == [0, 1, 2, 3, 4]
    assert set(keys) == {"k0", "k1", "k2"}
    assert len(keys) < 20, "a thousand changes of three keys cost a handful of reports"
    assert mailbox.posted == 1000
    assert mailbox.delivered == len(keys)
    mailbox.close()


async def test_a_large_delivery_is_split_over_loop_iterations() -> None:
    loop = asyncio.get_running_loop()
    iterations: list[int] = []
    delivered: list[int] = []
    tick = [0]

    def deliver(key: int) -> None:
        delivered.append(key)
        iterations.append(tick[0])

    mailbox: Mailbox[int, None] = Mailbox(loop, deliver, lambda _: None, interval=0.0, batch=100)
    for key in range(450):
        mailbox.post_key(key)
    while len(delivered) < 450:
        tick[0] += 1
        await asyncio.sleep(0)
    assert delivered == list(range(450))
    per_iteration = [iterations.count(value) for value in set(iterations)]
    assert max(per_iteration) <= 100
    assert len(per_iteration) >= 5
    mailbox.close()


async def test_costly_deliveries_yield_the_loop_after_a_time_slice() -> None:
    """Each delivery costs 1 ms (a clock that moves as they run): at most 3 per iteration of 2.5 ms."""
    loop = asyncio.get_running_loop()
    now = [0.0]
    iterations: list[int] = []
    tick = [0]

    def deliver(key: int) -> None:
        now[0] += 0.001
        iterations.append(tick[0])

    mailbox: Mailbox[int, None] = Mailbox(
        loop, deliver, lambda _: None, interval=0.0, batch=100, time_slice=0.0025, clock=lambda: now[0]
    )
    for key in range(30):
        mailbox.post_key(key)
    while len(iterations) < 30:
        tick[0] += 1
        await asyncio.sleep(0)
    per_iteration = [iterations.count(value) for value in set(iterations)]
    assert max(per_iteration) == 3
    assert mailbox.delivered == 30
    mailbox.close()


async def test_nothing_is_delivered_after_close() -> None:
    loop = asyncio.get_running_loop()
    delivered: list[str] = []
    mailbox: Mailbox[str, str] = Mailbox(loop, delivered.append, delivered.append, interval=10.0, batch=10)
    mailbox.post_key("first")
    await asyncio.sleep(0)
    mailbox.post_key("second")  # waits for the interval
    await asyncio.sleep(0)
    mailbox.close()
    mailbox.post_key("third")
    mailbox.post_event("event")
    await asyncio.sleep(0.01)
    assert delivered == ["first"]


def test_posting_to_a_closed_loop_does_not_raise() -> None:
    loop = asyncio.new_event_loop()
    mailbox: Mailbox[str, str] = Mailbox(loop, print, print, interval=0.0, batch=10)
    loop.close()
    mailbox.post_key("x")
    mailbox.post_event("y")
    mailbox.post_key("z")
